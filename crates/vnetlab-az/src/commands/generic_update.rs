//! azure-cli's generic update arguments (`--set`, `--add`, `--remove`, `--force-string`) on
//! AAZ `update` commands. Paths use the flattened names az prints (`--set
//! allowForwardedTraffic=true`); they are mapped back into `properties` for the PUT.

use super::*;

/// Top-level keys of an ARM resource that are not inside `properties`.
const ENVELOPE: &[&str] = &[
    "id",
    "name",
    "type",
    "location",
    "tags",
    "etag",
    "sku",
    "zones",
    "extendedLocation",
    "identity",
    "plan",
];

/// Applies `--set`, `--add` and `--remove` to an ARM-shaped resource.
pub fn apply(ctx: &Ctx, resource: &mut Value) -> Result<(), CliError> {
    let force_string = ctx.flag("generic_update_force_string").unwrap_or(false);
    for item in ctx.list("generic_update_set").unwrap_or_default() {
        let (path, raw) = item.split_once('=').ok_or_else(|| {
            CliError::validation(format!(
                "usage error: --set KEY=VALUE [KEY=VALUE ...]: '{item}'"
            ))
        })?;
        let value = parse_value(raw, force_string);
        let target = walk(resource, &arm_path(path), true).ok_or_else(|| {
            CliError::validation(format!(
                "Couldn't find '{path}' in ''. Available options: []"
            ))
        })?;
        *target = value;
    }
    let adds = ctx.list("generic_update_add").unwrap_or_default();
    if let Some((path, values)) = adds.split_first() {
        let target = walk(resource, &arm_path(path), true)
            .ok_or_else(|| CliError::validation(format!("Couldn't find '{path}' in ''.")))?;
        if target.is_null() {
            *target = json!([]);
        }
        let list = target.as_array_mut().ok_or_else(|| {
            CliError::validation(format!("invalid syntax: '{path}' is not a list"))
        })?;
        for v in values {
            let value = match v.split_once('=') {
                Some((k, val)) if !v.starts_with('{') => {
                    json!({ k: parse_value(val, force_string) })
                }
                _ => parse_value(v, force_string),
            };
            list.push(value);
        }
    }
    let removes = ctx.list("generic_update_remove").unwrap_or_default();
    if let Some((path, rest)) = removes.split_first() {
        let segments = arm_path(path);
        match rest.first() {
            Some(index) => {
                let idx: usize = index.parse().map_err(|_| {
                    CliError::validation(format!("invalid index '{index}' for --remove"))
                })?;
                if let Some(Value::Array(a)) = walk(resource, &segments, false) {
                    if idx < a.len() {
                        a.remove(idx);
                    }
                }
            }
            None => {
                if let Some((last, parent)) = segments.split_last() {
                    if let Some(Value::Object(m)) = walk(resource, parent, false) {
                        m.remove(last);
                    }
                }
            }
        }
    }
    Ok(())
}

/// `a.b[0].c` with the first key mapped into `properties` unless it is an envelope key.
fn arm_path(path: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in path.split('.') {
        let mut rest = part;
        while let Some(i) = rest.find('[') {
            if i > 0 {
                out.push(rest[..i].to_string());
            }
            let end = rest[i..].find(']').map(|e| i + e).unwrap_or(rest.len());
            out.push(format!("[{}", &rest[i + 1..end.min(rest.len())]));
            rest = if end < rest.len() {
                &rest[end + 1..]
            } else {
                ""
            };
        }
        if !rest.is_empty() {
            out.push(rest.to_string());
        }
    }
    if let Some(first) = out.first() {
        if !ENVELOPE.iter().any(|e| e.eq_ignore_ascii_case(first))
            && !first.starts_with('[')
            && first != "properties"
        {
            out.insert(0, "properties".to_string());
        }
    }
    out
}

fn walk<'v>(v: &'v mut Value, path: &[String], create: bool) -> Option<&'v mut Value> {
    let Some((head, rest)) = path.split_first() else {
        return Some(v);
    };
    let next = if let Some(idx) = head.strip_prefix('[') {
        let i: usize = idx.parse().ok()?;
        v.as_array_mut()?.get_mut(i)?
    } else {
        if v.is_null() && create {
            *v = json!({});
        }
        let m = v.as_object_mut()?;
        // Flattened names are matched case-insensitively, as az does.
        let key = m
            .keys()
            .find(|k| k.eq_ignore_ascii_case(head))
            .cloned()
            .unwrap_or_else(|| head.clone());
        if !m.contains_key(&key) {
            if !create {
                return None;
            }
            m.insert(key.clone(), Value::Null);
        }
        m.get_mut(&key)?
    };
    walk(next, rest, create)
}

fn parse_value(raw: &str, force_string: bool) -> Value {
    if force_string {
        return Value::String(raw.to_string());
    }
    serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()))
}
