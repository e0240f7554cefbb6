//! Validation and shaping shared by every resource type: names, locations, tags, typed
//! property access with Azure's request-format errors, the tracked-resource envelope.

use crate::error::{ArmError, ArmResult};
use crate::id::ResourceId;
use serde_json::{json, Map, Value};

/// Azure public regions: (name as ARM stores it, display name).
pub const REGIONS: &[(&str, &str)] = &[
    ("eastus", "East US"),
    ("eastus2", "East US 2"),
    ("centralus", "Central US"),
    ("northcentralus", "North Central US"),
    ("southcentralus", "South Central US"),
    ("westcentralus", "West Central US"),
    ("westus", "West US"),
    ("westus2", "West US 2"),
    ("westus3", "West US 3"),
    ("canadacentral", "Canada Central"),
    ("canadaeast", "Canada East"),
    ("brazilsouth", "Brazil South"),
    ("brazilsoutheast", "Brazil Southeast"),
    ("northeurope", "North Europe"),
    ("westeurope", "West Europe"),
    ("uksouth", "UK South"),
    ("ukwest", "UK West"),
    ("francecentral", "France Central"),
    ("francesouth", "France South"),
    ("germanywestcentral", "Germany West Central"),
    ("germanynorth", "Germany North"),
    ("norwayeast", "Norway East"),
    ("norwaywest", "Norway West"),
    ("swedencentral", "Sweden Central"),
    ("switzerlandnorth", "Switzerland North"),
    ("switzerlandwest", "Switzerland West"),
    ("polandcentral", "Poland Central"),
    ("italynorth", "Italy North"),
    ("spaincentral", "Spain Central"),
    ("israelcentral", "Israel Central"),
    ("qatarcentral", "Qatar Central"),
    ("uaenorth", "UAE North"),
    ("uaecentral", "UAE Central"),
    ("southafricanorth", "South Africa North"),
    ("southafricawest", "South Africa West"),
    ("australiaeast", "Australia East"),
    ("australiasoutheast", "Australia Southeast"),
    ("australiacentral", "Australia Central"),
    ("australiacentral2", "Australia Central 2"),
    ("southeastasia", "Southeast Asia"),
    ("eastasia", "East Asia"),
    ("japaneast", "Japan East"),
    ("japanwest", "Japan West"),
    ("koreacentral", "Korea Central"),
    ("koreasouth", "Korea South"),
    ("centralindia", "Central India"),
    ("southindia", "South India"),
    ("westindia", "West India"),
    ("jioindiawest", "Jio India West"),
    ("jioindiacentral", "Jio India Central"),
    ("mexicocentral", "Mexico Central"),
    ("newzealandnorth", "New Zealand North"),
    ("indonesiacentral", "Indonesia Central"),
    ("malaysiawest", "Malaysia West"),
    ("chilecentral", "Chile Central"),
];

/// ARM normalises locations: `East US` and `EASTUS` are stored as `eastus`.
pub fn normalize_location(loc: &str) -> Option<String> {
    let squashed: String = loc
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    REGIONS
        .iter()
        .find(|(n, _)| *n == squashed)
        .map(|(n, _)| n.to_string())
}

/// The location of a tracked resource's PUT body: required, and a real region.
pub fn require_location(body: &Value, full_type: &str) -> ArmResult<String> {
    let loc = match body.get("location") {
        Some(Value::String(s)) if !s.trim().is_empty() => s,
        Some(Value::String(_)) | None | Some(Value::Null) => {
            return Err(ArmError::bad_request(
                "LocationRequired",
                "The location property is required for this definition.",
            ))
        }
        Some(_) => return Err(type_error("location", "String")),
    };
    normalize_location(loc).ok_or_else(|| {
        ArmError::bad_request(
            "LocationNotAvailableForResourceType",
            format!(
                "The provided location '{loc}' is not available for resource type '{full_type}'. List of available regions for the resource type is '{}'.",
                REGIONS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(",")
            ),
        )
    })
}

/// Names of Network resources (azure-semantics.md §1.4): 1–80 characters, word characters,
/// `.` and `-`; begins with a word character; ends with a word character or `_`.
pub fn validate_name(id: &ResourceId) -> ArmResult<()> {
    if id.is_resource_group() {
        return validate_group_name(id.name());
    }
    let name = id.name();
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let ok = !name.is_empty()
        && name.chars().count() <= 80
        && name.chars().next().is_some_and(word)
        && name.chars().last().is_some_and(word)
        && name.chars().all(|c| word(c) || c == '.' || c == '-');
    // Private DNS zone names are DNS names and follow their own rules.
    if ok
        || id
            .full_type()
            .starts_with("Microsoft.Network/privateDnsZones")
    {
        Ok(())
    } else {
        Err(ArmError::bad_request(
            "InvalidResourceName",
            format!("Resource name {name} is invalid. The name can be up to 80 characters long. It must begin with a word character, and it must end with a word character or with '_'. The name may contain word characters or '.', '-', '_'."),
        ))
    }
}

/// Resource group names: 1–90 characters of letters, digits, `_`, `-`, `.`, `(`, `)`; not ending in `.`.
fn validate_group_name(name: &str) -> ArmResult<()> {
    let ok = !name.is_empty()
        && name.chars().count() <= 90
        && !name.ends_with('.')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || "_-.()".contains(c));
    if ok {
        Ok(())
    } else {
        Err(ArmError::bad_request(
            "InvalidResourceGroup",
            format!("The provided resource group name '{name}' has these invalid characters: '{}'. The name can only be a letter, digit, '-', '.', '(', ')' or '_'.",
                name.chars().filter(|c| !(c.is_alphanumeric() || "_-.()".contains(*c))).collect::<String>()),
        ))
    }
}

/// Tags: an object of string values (null clears).
pub fn validate_tags(tags: &Value) -> ArmResult<Value> {
    match tags {
        Value::Null => Ok(Value::Null),
        Value::Object(m) => {
            for (k, v) in m {
                if !v.is_string() {
                    return Err(type_error(&format!("tags.{k}"), "String"));
                }
            }
            Ok(tags.clone())
        }
        _ => Err(type_error("tags", "Object")),
    }
}

/// The `InvalidRequestFormat` error ARM gives when a property has the wrong JSON type.
pub fn type_error(path: &str, expected: &str) -> ArmError {
    ArmError::bad_request("InvalidRequestFormat", "Cannot parse the request.").with_details(vec![
        ArmError::bad_request(
            "InvalidJson",
            format!("Error converting value to type '{expected}'. Path '{path}'."),
        ),
    ])
}

/// The `properties` object of a body (empty when absent); an error if it is not an object.
pub fn properties(body: &Value) -> ArmResult<Map<String, Value>> {
    match body.get("properties") {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(_) => Err(type_error("properties", "Object")),
    }
}

/// An optional string property.
pub fn opt_str<'a>(props: &'a Map<String, Value>, key: &str) -> ArmResult<Option<&'a str>> {
    match props.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(type_error(&format!("properties.{key}"), "String")),
    }
}

/// An optional boolean property (ARM's JSON.NET also accepts "true"/"false" strings).
pub fn opt_bool(props: &Map<String, Value>, key: &str) -> ArmResult<Option<bool>> {
    match props.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(_) => Err(type_error(&format!("properties.{key}"), "Boolean")),
    }
}

/// An optional integer property (numbers, or numeric strings as JSON.NET converts them).
pub fn opt_i64(props: &Map<String, Value>, key: &str) -> ArmResult<Option<i64>> {
    match props.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| type_error(&format!("properties.{key}"), "Int32")),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| type_error(&format!("properties.{key}"), "Int32")),
        Some(_) => Err(type_error(&format!("properties.{key}"), "Int32")),
    }
}

/// An optional list of strings.
pub fn opt_str_list(props: &Map<String, Value>, key: &str) -> ArmResult<Option<Vec<String>>> {
    match props.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| type_error(&format!("properties.{key}"), "String[]"))
            })
            .collect::<ArmResult<Vec<_>>>()
            .map(Some),
        Some(_) => Err(type_error(&format!("properties.{key}"), "String[]")),
    }
}

/// An optional `{ "id": "…" }` sub-resource reference.
pub fn opt_ref(props: &Map<String, Value>, key: &str) -> ArmResult<Option<String>> {
    match props.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => match m.get("id") {
            Some(Value::String(s)) => Ok(Some(s.clone())),
            None | Some(Value::Null) => Ok(None),
            Some(_) => Err(type_error(&format!("properties.{key}.id"), "String")),
        },
        Some(_) => Err(type_error(&format!("properties.{key}"), "SubResource")),
    }
}

/// `{ "addressPrefixes": [...] }` style nested list (`addressSpace`, `localNetworkAddressSpace`).
pub fn opt_prefix_list(props: &Map<String, Value>, key: &str) -> ArmResult<Option<Vec<String>>> {
    match props.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => opt_str_list(m, "addressPrefixes")
            .map_err(|_| type_error(&format!("properties.{key}.addressPrefixes"), "String[]")),
        Some(_) => Err(type_error(&format!("properties.{key}"), "AddressSpace")),
    }
}

/// A reference value `{ "id": … }`.
pub fn id_ref(id: &str) -> Value {
    json!({ "id": id })
}

/// The common envelope of a tracked resource as stored.
pub fn tracked(
    id: &ResourceId,
    location: &str,
    tags: &Value,
    etag: &str,
    properties: Value,
) -> Value {
    let mut v = json!({
        "id": id.to_string(),
        "name": id.name(),
        "type": id.full_type(),
        "location": location,
        "etag": etag,
    });
    if !tags.is_null() {
        v["tags"] = tags.clone();
    }
    v["properties"] = properties;
    v
}

/// The common envelope of a child resource as stored (its etag is its tracked root's).
pub fn child(id: &ResourceId, properties: Value) -> Value {
    json!({ "id": id.to_string(), "name": id.name(), "type": id.full_type(), "properties": properties })
}

/// A stored record with the root's etag applied (children report their parent's version).
pub fn with_etag(mut stored: Value, etag: Option<&Value>) -> Value {
    if let Some(e) = etag {
        stored["etag"] = e.clone();
    }
    stored
}

/// The etag of a tracked root record.
pub fn root_etag(rx: &crate::cx::Rx, id: &ResourceId) -> ArmResult<Option<Value>> {
    Ok(rx
        .get(&id.tracked_root())?
        .and_then(|r| r.get("etag").cloned()))
}

/// Parses a list of prefixes strictly (no host bits), with Azure's errors naming `owner`.
pub fn parse_prefixes(
    prefixes: &[String],
    owner: &ResourceId,
) -> ArmResult<Vec<vnetlab_ipam::IpNet>> {
    prefixes.iter().map(|p| parse_prefix(p, owner)).collect()
}

/// Parses one prefix strictly.
pub fn parse_prefix(p: &str, owner: &ResourceId) -> ArmResult<vnetlab_ipam::IpNet> {
    use vnetlab_ipam::CidrError;
    vnetlab_ipam::parse_prefix(p).map_err(|e| match e {
        CidrError::Malformed(_) => ArmError::bad_request(
            "InvalidAddressPrefixFormat",
            format!("Address prefix {p} of resource {owner} is not formatted correctly. It should follow CIDR notation, for example 10.0.0.0/24."),
        ),
        CidrError::HostBitsSet { canonical, .. } => ArmError::bad_request(
            "InvalidCIDRNotation",
            format!("The address prefix {p} in resource {owner} has an invalid CIDR notation. For the given prefix length, the address prefix should be {canonical}."),
        ),
    })
}

/// A string array value.
pub fn str_array(items: &[String]) -> Value {
    Value::Array(items.iter().map(|s| Value::String(s.clone())).collect())
}

// ---- Helpers shared by the NIC / public IP / VM / gateway / DNS kinds ----

/// An optional enum-valued string property, matched case-insensitively and returned in
/// Azure's canonical spelling (`ipsec` → `IPsec`); `default` when absent.
pub fn enum_choice(
    props: &Map<String, Value>,
    key: &str,
    allowed: &[&str],
    default: &str,
) -> ArmResult<String> {
    match opt_str(props, key)? {
        None => Ok(default.to_string()),
        Some(v) => allowed
            .iter()
            .find(|a| a.eq_ignore_ascii_case(v))
            .map(|a| a.to_string())
            .ok_or_else(|| {
                ArmError::bad_request(
                    "InvalidRequestFormat",
                    format!(
                        "Value '{v}' is not valid for property '{key}'. Allowed values: {}.",
                        allowed.join(", ")
                    ),
                )
            }),
    }
}

/// A stable 64-bit FNV-1a hash (derived identifiers: MAC addresses, DNS suffixes).
pub fn stable_hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The `resourceGuid` of an existing record, or a new one.
pub fn keep_or_new_guid(cx: &mut crate::cx::Cx, existing: Option<&Value>) -> ArmResult<String> {
    match existing
        .and_then(|e| e.pointer("/properties/resourceGuid"))
        .and_then(Value::as_str)
    {
        Some(g) => Ok(g.to_string()),
        None => cx.guid(),
    }
}

/// A tracked resource cannot move to another region on update.
pub fn check_location_unchanged(
    id: &ResourceId,
    existing: Option<&Value>,
    location: &str,
) -> ArmResult<()> {
    if let Some(old_loc) = existing
        .and_then(|e| e.get("location"))
        .and_then(Value::as_str)
    {
        if old_loc != location {
            // ARM's text for a PUT that moves an existing resource [status UNCONFIRMED].
            return Err(ArmError::bad_request(
                "InvalidResourceLocation",
                format!(
                    "The resource '{}' already exists in location '{old_loc}' in resource group '{}'. A resource with the same name cannot be created in location '{location}'. Please select a new resource name.",
                    id.name(),
                    id.resource_group
                ),
            ));
        }
    }
    Ok(())
}

/// The inline child list of a parent PUT (`properties.securityRules`, `properties.routes`):
/// each entry's id (name validated) and properties, refusing duplicate names.
/// `what` names one child in the duplicate error ("Security rule"), `parent_noun` the parent.
pub fn inline_children(
    id: &ResourceId,
    req_props: &Map<String, Value>,
    key: &str,
    element_type: &str,
    what: &str,
    parent_noun: &str,
) -> ArmResult<Vec<(ResourceId, Map<String, Value>)>> {
    let requested: Vec<Value> = match req_props.get(key) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => {
            return Err(type_error(
                &format!("properties.{key}"),
                &format!("{element_type}[]"),
            ))
        }
    };
    let mut out: Vec<(ResourceId, Map<String, Value>)> = Vec::new();
    for (i, r) in requested.iter().enumerate() {
        let name = r
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| type_error(&format!("properties.{key}[{i}].name"), "String"))?;
        let rid = id.child(key, name);
        validate_name(&rid)?;
        if out.iter().any(|(w, _)| w.name().eq_ignore_ascii_case(name)) {
            // [UNCONFIRMED code and text]; mirrors the VNet's duplicate-subnet error.
            return Err(ArmError::bad_request(
                "DuplicateResourceName",
                format!("{what} name {name} is used more than once in {parent_noun} {id}."),
            ));
        }
        out.push((rid, properties(r)?));
    }
    Ok(out)
}

/// Makes a parent's stored children of `full_type` exactly `wanted`: deletes the others (on
/// an update) and saves every wanted one.
pub fn replace_children(
    cx: &mut crate::cx::Cx,
    id: &ResourceId,
    full_type: &str,
    wanted: &[(ResourceId, Value)],
    is_update: bool,
) -> ArmResult<()> {
    if is_update {
        for old in cx.rx().children(id, full_type)? {
            let oid = crate::router::stored_id(&old)?;
            if !wanted.iter().any(|(w, _)| w.key() == oid.key()) {
                cx.delete(&oid)?;
            }
        }
    }
    for (rid, props) in wanted {
        super::save(cx, rid, &child(rid, props.clone()))?;
    }
    Ok(())
}
