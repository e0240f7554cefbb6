//! YAML input files (intents, traffic) read with yaml-rust2 (YAML 1.2: `no` and `on` are
//! strings, not booleans) into `serde_json::Value`, then checked field by field so that a typo
//! is an error naming the entry and the key, never a silently ignored line.

use serde_json::{Map, Number, Value};
use yaml_rust2::{Yaml, YamlLoader};

fn convert(y: &Yaml) -> Result<Value, String> {
    Ok(match y {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Integer(i) => Value::Number((*i).into()),
        Yaml::Real(s) => match s.parse::<f64>().ok().and_then(Number::from_f64) {
            Some(n) => Value::Number(n),
            None => Value::String(s.clone()),
        },
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Array(a) => Value::Array(a.iter().map(convert).collect::<Result<_, _>>()?),
        Yaml::Hash(h) => {
            let mut m = Map::new();
            for (k, v) in h {
                let key = match k {
                    Yaml::String(s) => s.clone(),
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    other => {
                        return Err(format!("a mapping key must be a plain name, not {other:?}"))
                    }
                };
                m.insert(key, convert(v)?);
            }
            Value::Object(m)
        }
        Yaml::Alias(_) => return Err("YAML aliases are not supported in vnetlab files".into()),
        Yaml::BadValue => return Err("an unreadable YAML value".into()),
    })
}

/// Parses one YAML document (an empty file is an empty mapping).
pub fn parse(text: &str) -> Result<Value, String> {
    let docs = YamlLoader::load_from_str(text).map_err(|e| format!("not valid YAML: {e}"))?;
    match docs.len() {
        0 => Ok(Value::Object(Map::new())),
        1 => convert(&docs[0]),
        n => Err(format!("expected one YAML document, found {n}")),
    }
}

/// A mapping's keys must all be known.
pub fn check_keys(m: &Map<String, Value>, known: &[&str], what: &str) -> Result<(), String> {
    for k in m.keys() {
        if !known.contains(&k.as_str()) {
            return Err(format!(
                "{what}: unknown key '{k}' (known keys: {})",
                known.join(", ")
            ));
        }
    }
    Ok(())
}

/// A scalar as text (numbers too: `port: 5432`).
pub fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_1_2_scalars_and_errors() {
        let v = parse("a: 5432\nb: 1000-2000\nc: no\nd: 1.5\ne: [x, y]\n").unwrap();
        assert_eq!(v["a"], 5432);
        assert_eq!(v["b"], "1000-2000");
        assert_eq!(v["c"], "no");
        assert_eq!(v["d"], 1.5);
        assert_eq!(v["e"][1], "y");
        assert!(parse("a: [1, 2").unwrap_err().starts_with("not valid YAML"));
        assert!(parse("a: 1\n---\nb: 2\n")
            .unwrap_err()
            .contains("one YAML document"));
        assert_eq!(parse("").unwrap(), Value::Object(Map::new()));
        let m = v.as_object().unwrap();
        assert!(check_keys(m, &["a"], "intent 1")
            .unwrap_err()
            .contains("unknown key 'b'"));
    }
}
