//! `Microsoft.Network/networkSecurityGroups/securityRules` (azure-semantics.md §6.1).
//!
//! A rule is a child record of its NSG; it reports the NSG's etag. The same validation runs
//! for a rule PUT on its own endpoint and for each rule inlined in an NSG PUT.
//!
//! Stored shape (as real ARM returns it): the singular fields only when given, the four plural
//! arrays always (empty when unused), ASG lists only when given. Sources: `stable/2025-07-01/
//! networkSecurityGroup.json` (`SecurityRulePropertiesFormat`); raw ARM NSG JSON in public
//! transcripts (empty plural arrays on every rule, the NSG's etag on every rule).
//!
//! Decisions:
//! - CIDRs with host bits set are refused (`SecurityRuleInvalidAddressPrefix`), as Azure does
//!   (kubernetes-sigs/cloud-provider-azure#5599: `10.0.0.1/24` rejected; Azure/azure-powershell#4557).
//! - Plural address lists take IPs and CIDRs only; `*` or a tag there is
//!   `SecurityRuleParameterContainsUnsupportedValue` (hashicorp/terraform-provider-azurerm#5617).
//! - A side with both the singular and a non-empty plural field is refused [UNCONFIRMED code].
//! - A side with addresses and ASGs both given is accepted (az drops the prefix itself).

use super::application_security_group::ASG_TYPE;
use super::*;
use std::net::IpAddr;

pub struct SecurityRules;

pub const RULE_TYPE: &str = "Microsoft.Network/networkSecurityGroups/securityRules";
/// NSG rules per NSG (azure-semantics.md §8).
pub const MAX_RULES_PER_NSG: usize = 1000;
/// ASGs referenced as source or destination of one rule (azure-semantics.md §8).
pub const MAX_ASGS_PER_SIDE: usize = 10;

const PROTOCOLS: &[&str] = &["Tcp", "Udp", "Icmp", "Esp", "*", "Ah"];
const DIRECTIONS: &[&str] = &["Inbound", "Outbound"];
const ACCESSES: &[&str] = &["Allow", "Deny"];

/// The default tags every NSG rule may use (and that plural lists may not).
const DEFAULT_TAGS: &[&str] = &["VirtualNetwork", "Internet", "AzureLoadBalancer"];
/// Platform tags that may only be denied (`SecurityRuleInvalidAccessType` seen for an Allow).
const PLATFORM_TAGS: &[&str] = &["AzurePlatformDNS", "AzurePlatformIMDS", "AzurePlatformLKM"];
/// Common Azure service tags (learn.microsoft.com service-tags-overview; not exhaustive).
#[rustfmt::skip]
const SERVICE_TAGS: &[&str] = &[
    "ActionGroup", "ApiManagement", "AppConfiguration", "AppService", "AppServiceManagement",
    "ApplicationInsightsAvailability", "AzureActiveDirectory", "AzureActiveDirectoryDomainServices",
    "AzureAdvancedThreatProtection", "AzureArcInfrastructure", "AzureAttestation", "AzureBackup",
    "AzureBotService", "AzureCloud", "AzureCognitiveSearch", "AzureConnectors", "AzureContainerAppsService",
    "AzureContainerRegistry", "AzureCosmosDB", "AzureDatabricks", "AzureDataExplorerManagement",
    "AzureDataLake", "AzureDevOps", "AzureDigitalTwins", "AzureEventGrid", "AzureFrontDoor.Backend",
    "AzureFrontDoor.FirstParty", "AzureFrontDoor.Frontend", "AzureInformationProtection", "AzureIoTHub",
    "AzureKeyVault", "AzureKubernetesService", "AzureMachineLearning", "AzureMonitor", "AzureOpenDatasets",
    "AzureResourceManager", "AzureSignalR", "AzureSiteRecovery", "AzureSpringCloud", "AzureStack",
    "AzureTrafficManager", "AzureUpdateDelivery", "AzureWebPubSub", "BatchNodeManagement",
    "CognitiveServicesManagement", "DataFactory", "Dynamics365ForMarketingEmail", "EventHub",
    "GatewayManager", "GuestAndHybridManagement", "HDInsight", "LogicApps", "LogicAppsManagement",
    "M365ManagementActivityApi", "MicrosoftCloudAppSecurity", "MicrosoftContainerRegistry", "OneDsCollector",
    "PowerBI", "PowerPlatformInfra", "PowerQueryOnline", "ServiceBus", "ServiceFabric", "Sql",
    "SqlManagement", "Storage", "StorageSyncService", "WindowsAdminCenter", "WindowsVirtualDesktop",
];

/// The canonical spelling of `v` among `allowed`, matched case-insensitively.
pub fn canonical<'a>(allowed: &[&'a str], v: &str) -> Option<&'a str> {
    allowed.iter().copied().find(|a| a.eq_ignore_ascii_case(v))
}

/// A service tag (`Storage`, `AzureFrontDoor.Backend`) or a regional one (`Storage.EastUS`).
/// `with_default_tags` also admits `VirtualNetwork`, `Internet`, `AzureLoadBalancer` and the
/// platform tags (NSG rules do; UDRs do not).
pub fn is_service_tag(s: &str, with_default_tags: bool) -> bool {
    if with_default_tags
        && (canonical(DEFAULT_TAGS, s).is_some() || canonical(PLATFORM_TAGS, s).is_some())
    {
        return true;
    }
    if canonical(SERVICE_TAGS, s).is_some() {
        return true;
    }
    match s.rsplit_once('.') {
        Some((base, region)) => {
            canonical(SERVICE_TAGS, base).is_some() && normalize_location(region).is_some()
        }
        None => false,
    }
}

fn rule_error(code: &str, message: String) -> ArmError {
    ArmError::bad_request(code, message)
}

/// Confirmed: Azure/azure-rest-api-specs#22546 (missing priority reads as 0).
fn invalid_priority(p: i64) -> ArmError {
    rule_error(
        "SecurityRuleInvalidPriority",
        format!("Security rule has invalid Priority. Value provided: {p} Allowed range 100-4096."),
    )
}

/// Confirmed: Azure/azure-cli#23499, hashicorp/terraform-provider-azurerm#659.
fn invalid_port(v: &str) -> ArmError {
    rule_error(
        "SecurityRuleInvalidPortRange",
        format!("Security rule has invalid Port range. Value provided: {v}. Value should be an integer OR integer range with '-' delimiter. Valid range 0-65535."),
    )
}

/// Confirmed: kubernetes-sigs/cloud-provider-azure#5599 (no trailing period).
fn invalid_prefix(id: &ResourceId, v: &str) -> ArmError {
    rule_error(
        "SecurityRuleInvalidAddressPrefix",
        format!("Security rule {id} has invalid Address prefix. Value provided: {v}"),
    )
}

/// An enum property: [UNCONFIRMED codes and text] `SecurityRuleInvalidProtocol`,
/// `SecurityRuleInvalidDirection`, `SecurityRuleInvalidAccessType` (the last code is real,
/// seen for an `Allow` on a platform tag).
fn enum_prop(
    req: &Map<String, Value>,
    key: &str,
    what: &str,
    code: &str,
    allowed: &[&'static str],
) -> ArmResult<&'static str> {
    let raw = opt_str(req, key)?.unwrap_or("");
    canonical(allowed, raw).ok_or_else(|| {
        rule_error(
            code,
            format!(
                "Security rule has invalid {what}. Value provided: {raw}. Allowed values: {}.",
                allowed.join(", ")
            ),
        )
    })
}

/// A string-or-number property as JSON.NET converts it (`"destinationPortRange": 22`); empty is absent.
fn opt_text(req: &Map<String, Value>, key: &str) -> ArmResult<Option<String>> {
    match req.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(type_error(&format!("properties.{key}"), "String")),
    }
}

/// A list of strings-or-numbers.
fn opt_text_list(req: &Map<String, Value>, key: &str) -> ArmResult<Vec<String>> {
    match req.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) => Ok(n.to_string()),
                _ => Err(type_error(&format!("properties.{key}"), "String[]")),
            })
            .collect(),
        Some(_) => Err(type_error(&format!("properties.{key}"), "String[]")),
    }
}

/// `*`, `N` or `N-M` with 0 ≤ N ≤ M ≤ 65535.
fn valid_port_range(s: &str) -> bool {
    let port = |p: &str| {
        !p.is_empty()
            && p.len() <= 5
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|n| n <= 65535)
    };
    if s == "*" {
        return true;
    }
    match s.split_once('-') {
        Some((a, b)) => port(a) && port(b) && a.parse::<u32>().ok() <= b.parse::<u32>().ok(),
        None => port(s),
    }
}

/// A plain IP address or a canonical CIDR prefix.
fn is_ip_or_prefix(s: &str) -> bool {
    if s.contains('/') {
        vnetlab_ipam::parse_prefix(s).is_ok()
    } else {
        s.parse::<IpAddr>().is_ok()
    }
}

/// [UNCONFIRMED code and text] both the singular and the plural form of a field.
fn both_forms(id: &ResourceId, single: &str, plural: &str) -> ArmError {
    rule_error(
        "SecurityRuleInvalidParameters",
        format!("Security rule {id} cannot specify both {single} and {plural}. Use {single} for a single value or {plural} for several."),
    )
}

/// The ASG references of one side, checked to exist in the NSG's region.
fn asg_refs(
    cx: &Cx,
    id: &ResourceId,
    location: &str,
    req: &Map<String, Value>,
    key: &str,
    field: &str,
) -> ArmResult<Option<Vec<String>>> {
    let items = match req.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(type_error(
                &format!("properties.{key}"),
                "ApplicationSecurityGroup[]",
            ))
        }
    };
    if items.len() > MAX_ASGS_PER_SIDE {
        // Code confirmed (hashicorp/terraform-provider-azurerm#1346, when the limit was 1).
        return Err(rule_error(
            "NumberOfApplicationSecurityGroupsReferencedInSecurityRuleLimitReached",
            format!("A security rule may have up to {MAX_ASGS_PER_SIDE} Application Security Groups in the source or destination fields. The requested configuration has {} in the {field} field.", items.len()),
        ));
    }
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let raw = item
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| type_error(&format!("properties.{key}[{i}].id"), "String"))?;
        let canonical_id = super::subnet::check_reference(cx, id, raw, ASG_TYPE, location)?;
        if !out
            .iter()
            .any(|o: &String| o.eq_ignore_ascii_case(&canonical_id))
        {
            out.push(canonical_id);
        }
    }
    Ok(Some(out))
}

/// The address fields of one side of a rule, as validated.
struct Side {
    single: Option<String>,
    plural: Vec<String>,
    asgs: Option<Vec<String>>,
}

/// Validates a rule's requested properties and returns the properties to store.
/// `location` is the NSG's region (ASGs must be in it).
pub fn validate(
    cx: &Cx,
    id: &ResourceId,
    location: &str,
    req: &Map<String, Value>,
) -> ArmResult<Value> {
    let description = opt_str(req, "description")?;
    if let Some(d) = description {
        if d.chars().count() > 140 {
            // [UNCONFIRMED code and text]
            return Err(rule_error(
                "SecurityRuleDescriptionTooLong",
                format!("Security rule {id} has a description of {} characters; at most 140 are allowed.", d.chars().count()),
            ));
        }
    }
    let protocol = enum_prop(
        req,
        "protocol",
        "Protocol",
        "SecurityRuleInvalidProtocol",
        PROTOCOLS,
    )?;
    let priority = opt_i64(req, "priority")?.unwrap_or(0);
    if !(100..=4096).contains(&priority) {
        return Err(invalid_priority(priority));
    }
    let access = enum_prop(
        req,
        "access",
        "Access",
        "SecurityRuleInvalidAccessType",
        ACCESSES,
    )?;
    let direction = enum_prop(
        req,
        "direction",
        "Direction",
        "SecurityRuleInvalidDirection",
        DIRECTIONS,
    )?;

    let mut ports: Vec<(Option<String>, Vec<String>)> = Vec::new();
    for side in ["source", "destination"] {
        let (sk, pk) = (format!("{side}PortRange"), format!("{side}PortRanges"));
        let single = opt_text(req, &sk)?;
        let plural = opt_text_list(req, &pk)?;
        if single.is_some() && !plural.is_empty() {
            return Err(both_forms(id, &sk, &pk));
        }
        if single.is_none() && plural.is_empty() {
            return Err(invalid_port("")); // [UNCONFIRMED for an absent range]
        }
        for p in single.iter().chain(plural.iter()) {
            if !valid_port_range(p) {
                return Err(invalid_port(p));
            }
        }
        ports.push((single, plural));
    }

    let mut addresses: Vec<Side> = Vec::new();
    for (side, field) in [
        ("source", "SourceApplicationSecurityGroups"),
        ("destination", "DestinationApplicationSecurityGroups"),
    ] {
        let (sk, pk, ak) = (
            format!("{side}AddressPrefix"),
            format!("{side}AddressPrefixes"),
            format!("{side}ApplicationSecurityGroups"),
        );
        let single = opt_text(req, &sk)?;
        let plural = opt_text_list(req, &pk)?;
        if single.is_some() && !plural.is_empty() {
            return Err(both_forms(id, &sk, &pk));
        }
        if let Some(s) = &single {
            if !(s == "*" || is_ip_or_prefix(s) || is_service_tag(s, true)) {
                return Err(invalid_prefix(id, s));
            }
            if access == "Allow" && canonical(PLATFORM_TAGS, s).is_some() {
                // Code confirmed (public deployment notes); text [UNCONFIRMED].
                return Err(rule_error(
                    "SecurityRuleInvalidAccessType",
                    format!("Security rule {id} has invalid Access type Allow for service tag {s}. Allowed value: Deny."),
                ));
            }
        }
        for p in &plural {
            if is_ip_or_prefix(p) {
                continue;
            }
            if p == "*" || is_service_tag(p, true) {
                // Confirmed code and text (hashicorp/terraform-provider-azurerm#5617); the
                // parameter name quoted there is the singular one.
                let param = if side == "source" {
                    "SourceAddressPrefix"
                } else {
                    "DestinationAddressPrefix"
                };
                return Err(rule_error(
                    "SecurityRuleParameterContainsUnsupportedValue",
                    format!("Security rule parameter {param} for rule with Id {id} cannot specify existing VIRTUALNETWORK, INTERNET, AZURELOADBALANCER, '*' or system tags. Unsupported value used: {p}."),
                ));
            }
            return Err(invalid_prefix(id, p));
        }
        let asgs = asg_refs(cx, id, location, req, &ak, field)?;
        if single.is_none() && plural.is_empty() && asgs.as_ref().is_none_or(|a| a.is_empty()) {
            return Err(invalid_prefix(id, "")); // [UNCONFIRMED for an absent side]
        }
        addresses.push(Side {
            single,
            plural,
            asgs,
        });
    }

    let mut p = Map::new();
    p.insert("provisioningState".into(), json!("Succeeded"));
    if let Some(d) = description {
        p.insert("description".into(), json!(d));
    }
    p.insert("protocol".into(), json!(protocol));
    for (side, (single, _)) in ["source", "destination"].iter().zip(&ports) {
        if let Some(s) = single {
            p.insert(format!("{side}PortRange"), json!(s));
        }
    }
    for (side, Side { single, asgs, .. }) in ["source", "destination"].iter().zip(&addresses) {
        if let Some(s) = single {
            p.insert(format!("{side}AddressPrefix"), json!(s));
        }
        if let Some(a) = asgs {
            p.insert(
                format!("{side}ApplicationSecurityGroups"),
                Value::Array(a.iter().map(|x| id_ref(x)).collect()),
            );
        }
    }
    p.insert("access".into(), json!(access));
    p.insert("priority".into(), json!(priority));
    p.insert("direction".into(), json!(direction));
    for (side, (_, plural)) in ["source", "destination"].iter().zip(&ports) {
        p.insert(format!("{side}PortRanges"), str_array(plural));
    }
    for (side, Side { plural, .. }) in ["source", "destination"].iter().zip(&addresses) {
        p.insert(format!("{side}AddressPrefixes"), str_array(plural));
    }
    Ok(Value::Object(p))
}

/// (name, priority, direction) of a stored or validated rule.
pub fn rule_key(name: &str, props: &Value) -> (String, i64, String) {
    (
        name.to_string(),
        props.get("priority").and_then(Value::as_i64).unwrap_or(0),
        props
            .get("direction")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
    )
}

/// `SecurityRuleConflict` (azure-semantics.md §3, confirmed): the later rule is named first.
pub fn check_conflicts(rules: &[(String, i64, String)]) -> ArmResult<()> {
    for (i, (name, prio, dir)) in rules.iter().enumerate() {
        if let Some((other, _, _)) = rules[..i].iter().find(|(_, p, d)| p == prio && d == dir) {
            return Err(rule_error(
                "SecurityRuleConflict",
                format!("Security rule {name} conflicts with rule {other}. Rules cannot have the same Priority and Direction. To learn more, see aka.ms/nsgrules."),
            ));
        }
    }
    Ok(())
}

/// [UNCONFIRMED code and text] more than 1,000 rules in one NSG.
pub fn too_many_rules(nsg: &ResourceId, count: usize) -> ArmError {
    rule_error(
        "SecurityRulesPerNetworkSecurityGroupLimitReached",
        format!("Network security group {nsg} would have {count} security rules, which exceeds the limit of {MAX_RULES_PER_NSG} security rules per network security group."),
    )
}

impl ResourceKind for SecurityRules {
    fn full_type(&self) -> &'static str {
        RULE_TYPE
    }

    fn put(
        &self,
        cx: &mut Cx,
        id: &ResourceId,
        body: &Value,
        _existing: Option<&Value>,
        _req: &ArmRequest,
    ) -> ArmResult<()> {
        let nsg_id = id
            .parent()
            .ok_or_else(|| ArmError::internal("security rule without parent"))?;
        let nsg = cx.require(&nsg_id)?;
        let location = nsg
            .get("location")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let props = validate(cx, id, &location, &properties(body)?)?;
        let mut keys: Vec<(String, i64, String)> = Vec::new();
        for s in cx.rx().children(&nsg_id, RULE_TYPE)? {
            let sid = crate::router::stored_id(&s)?;
            if sid.key() != id.key() {
                keys.push(rule_key(
                    sid.name(),
                    s.get("properties").unwrap_or(&Value::Null),
                ));
            }
        }
        if keys.len() + 1 > MAX_RULES_PER_NSG {
            return Err(too_many_rules(&nsg_id, keys.len() + 1));
        }
        keys.push(rule_key(id.name(), &props));
        check_conflicts(&keys)?;
        save(cx, id, &child(id, props))
    }

    fn render(&self, rx: &Rx, id: &ResourceId, stored: &Value) -> ArmResult<Value> {
        Ok(with_etag(stored.clone(), root_etag(rx, id)?.as_ref()))
    }

    fn refs(&self, _id: &ResourceId, stored: &Value) -> Vec<Ref> {
        let mut refs = Vec::new();
        for key in [
            "sourceApplicationSecurityGroups",
            "destinationApplicationSecurityGroups",
        ] {
            let list = stored
                .pointer(&format!("/properties/{key}"))
                .and_then(Value::as_array);
            for target in list
                .into_iter()
                .flatten()
                .filter_map(|r| r.get("id").and_then(Value::as_str))
            {
                refs.push(Ref::new("applicationSecurityGroup", target));
            }
        }
        refs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_ranges() {
        for ok in ["*", "0", "22", "65535", "80-443", "22-22"] {
            assert!(valid_port_range(ok), "{ok}");
        }
        for bad in [
            "",
            "65536",
            "443-80",
            "80,443",
            "80 443",
            "-1",
            "a",
            "1-",
            "-",
            "*-1",
            "0x50",
            "000000080",
        ] {
            assert!(!valid_port_range(bad), "{bad}");
        }
    }

    #[test]
    fn tags() {
        assert!(is_service_tag("Storage.EastUS", false));
        assert!(is_service_tag("storage", false));
        assert!(is_service_tag("AzureFrontDoor.Backend", false));
        assert!(!is_service_tag("VirtualNetwork", false));
        assert!(is_service_tag("VirtualNetwork", true));
        assert!(!is_service_tag("AzureBastionSubnet", true));
        assert!(!is_service_tag("Storage.Mars", true));
    }
}
