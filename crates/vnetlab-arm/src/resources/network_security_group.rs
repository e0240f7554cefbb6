//! `Microsoft.Network/networkSecurityGroups` and its read-only `defaultSecurityRules`
//! (azure-semantics.md §6).
//!
//! An NSG PUT carries its rules inline: rules absent from the body are deleted (as subnets in
//! a VNet PUT). The six default rules are stored as child records at creation (so that
//! `GET …/defaultSecurityRules/{name}` and the list work) and can be neither written nor
//! deleted. Rendering embeds `securityRules`, `defaultSecurityRules` (each with the NSG's
//! etag) and the back-references `subnets[]` / `networkInterfaces[]`, present only when
//! non-empty — the shape of raw ARM JSON for an NSG. `flushConnection` is echoed only when set.
//!
//! Sources: `stable/2025-07-01/networkSecurityGroup.json`; raw ARM NSG JSON in public
//! transcripts; live `az network nsg create` output (azure-semantics.md §6.2).

use super::application_security_group::tracked_base;
use super::security_rule::{self, RULE_TYPE};
use super::*;

pub struct NetworkSecurityGroups;
pub struct DefaultSecurityRules;

pub const NSG_TYPE: &str = "Microsoft.Network/networkSecurityGroups";
pub const DEFAULT_RULE_TYPE: &str = "Microsoft.Network/networkSecurityGroups/defaultSecurityRules";

/// (name, direction, priority, source, destination, access, description) — azure-semantics.md §6.2.
const DEFAULT_RULES: &[(&str, &str, i64, &str, &str, &str, &str)] = &[
    (
        "AllowVnetInBound",
        "Inbound",
        65000,
        "VirtualNetwork",
        "VirtualNetwork",
        "Allow",
        "Allow inbound traffic from all VMs in VNET",
    ),
    (
        "AllowAzureLoadBalancerInBound",
        "Inbound",
        65001,
        "AzureLoadBalancer",
        "*",
        "Allow",
        "Allow inbound traffic from azure load balancer",
    ),
    (
        "DenyAllInBound",
        "Inbound",
        65500,
        "*",
        "*",
        "Deny",
        "Deny all inbound traffic",
    ),
    (
        "AllowVnetOutBound",
        "Outbound",
        65000,
        "VirtualNetwork",
        "VirtualNetwork",
        "Allow",
        "Allow outbound traffic from all VMs to all VMs in VNET",
    ),
    (
        "AllowInternetOutBound",
        "Outbound",
        65001,
        "*",
        "Internet",
        "Allow",
        "Allow outbound traffic from all VMs to Internet",
    ),
    (
        "DenyAllOutBound",
        "Outbound",
        65500,
        "*",
        "*",
        "Deny",
        "Deny all outbound traffic",
    ),
];

/// The stored properties of one default rule.
fn default_rule_props(rule: &(&str, &str, i64, &str, &str, &str, &str)) -> Value {
    let (_, direction, priority, src, dst, access, description) = *rule;
    json!({
        "provisioningState": "Succeeded",
        "description": description,
        "protocol": "*",
        "sourcePortRange": "*",
        "destinationPortRange": "*",
        "sourceAddressPrefix": src,
        "destinationAddressPrefix": dst,
        "access": access,
        "priority": priority,
        "direction": direction,
        "sourcePortRanges": [],
        "destinationPortRanges": [],
        "sourceAddressPrefixes": [],
        "destinationAddressPrefixes": [],
    })
}

/// The subnets and network interfaces associated with an NSG (back-references).
pub fn associations(rx: &Rx, nsg: &ResourceId) -> ArmResult<(Vec<String>, Vec<String>)> {
    let mut subnets = Vec::new();
    let mut nics = Vec::new();
    for user in rx.referrers(nsg, "networkSecurityGroup")? {
        let t = ResourceId::parse(&user)
            .map(|r| r.full_type())
            .unwrap_or_default();
        if t.eq_ignore_ascii_case("Microsoft.Network/networkInterfaces") {
            nics.push(user);
        } else {
            subnets.push(user);
        }
    }
    Ok((subnets, nics))
}

fn refs_value(ids: &[String]) -> Value {
    Value::Array(ids.iter().map(|i| id_ref(i)).collect())
}

/// Applies the inline rule list of an NSG PUT: validate all, then create/update the listed
/// ones and delete the rest.
fn reconcile_rules(
    cx: &mut Cx,
    id: &ResourceId,
    location: &str,
    req_props: &Map<String, Value>,
    is_update: bool,
) -> ArmResult<()> {
    let entries = inline_children(
        id,
        req_props,
        "securityRules",
        "SecurityRule",
        "Security rule",
        "network security group",
    )?;
    if entries.len() > security_rule::MAX_RULES_PER_NSG {
        return Err(security_rule::too_many_rules(id, entries.len()));
    }
    let mut wanted: Vec<(ResourceId, Value)> = Vec::new();
    for (rid, props) in entries {
        let props = security_rule::validate(cx, &rid, location, &props)?;
        wanted.push((rid, props));
    }
    let keys: Vec<_> = wanted
        .iter()
        .map(|(rid, p)| security_rule::rule_key(rid.name(), p))
        .collect();
    security_rule::check_conflicts(&keys)?;
    replace_children(cx, id, RULE_TYPE, &wanted, is_update)
}

/// Stores the six default rules under a new NSG (in Azure's order).
fn create_default_rules(cx: &mut Cx, id: &ResourceId) -> ArmResult<()> {
    for rule in DEFAULT_RULES {
        let rid = id.child("defaultSecurityRules", rule.0);
        if cx.get(&rid)?.is_none() {
            save(cx, &rid, &child(&rid, default_rule_props(rule)))?;
        }
    }
    Ok(())
}

impl ResourceKind for NetworkSecurityGroups {
    fn full_type(&self) -> &'static str {
        NSG_TYPE
    }

    fn put(
        &self,
        cx: &mut Cx,
        id: &ResourceId,
        body: &Value,
        existing: Option<&Value>,
        _req: &ArmRequest,
    ) -> ArmResult<()> {
        let base = tracked_base(cx, id, body, existing, NSG_TYPE)?;
        let req_props = properties(body)?;
        let mut props = Map::new();
        props.insert("provisioningState".into(), json!("Succeeded"));
        props.insert("resourceGuid".into(), json!(base.guid));
        if let Some(flush) = opt_bool(&req_props, "flushConnection")? {
            props.insert("flushConnection".into(), json!(flush));
        }
        let etag = cx.etag()?;
        save(
            cx,
            id,
            &tracked(id, &base.location, &base.tags, &etag, Value::Object(props)),
        )?;
        create_default_rules(cx, id)?;
        reconcile_rules(cx, id, &base.location, &req_props, existing.is_some())
    }

    fn render(&self, rx: &Rx, id: &ResourceId, stored: &Value) -> ArmResult<Value> {
        let mut out = stored.clone();
        let etag = stored.get("etag");
        let rules: Vec<Value> = rx
            .children(id, RULE_TYPE)?
            .into_iter()
            .map(|r| with_etag(r, etag))
            .collect();
        let defaults: Vec<Value> = rx
            .children(id, DEFAULT_RULE_TYPE)?
            .into_iter()
            .map(|r| with_etag(r, etag))
            .collect();
        let (subnets, nics) = associations(rx, id)?;
        if let Some(p) = out.get_mut("properties").and_then(Value::as_object_mut) {
            // Keep Azure's order: provisioningState, resourceGuid, rules, defaults, back-refs.
            let flush = p.remove("flushConnection");
            p.insert("securityRules".into(), Value::Array(rules));
            p.insert("defaultSecurityRules".into(), Value::Array(defaults));
            if !nics.is_empty() {
                p.insert("networkInterfaces".into(), refs_value(&nics));
            }
            if !subnets.is_empty() {
                p.insert("subnets".into(), refs_value(&subnets));
            }
            if let Some(f) = flush {
                p.insert("flushConnection".into(), f);
            }
        }
        Ok(out)
    }

    fn delete(&self, cx: &mut Cx, id: &ResourceId, _stored: &Value) -> ArmResult<()> {
        let (subnets, nics) = associations(&cx.rx(), id)?;
        if !subnets.is_empty() || !nics.is_empty() {
            let users: Vec<String> = subnets.into_iter().chain(nics).collect();
            // Text confirmed (DataBiosphere/terra-workspace-manager#502, pulumi-azure-native#3051);
            // the separator between several ids is [UNCONFIRMED].
            return Err(ArmError::bad_request(
                "InUseNetworkSecurityGroupCannotBeDeleted",
                format!(
                    "Network security group {id} cannot be deleted because it is in use by the following resources: {}. In order to delete the Network security group, remove the association with the resource(s).",
                    users.join(", ")
                ),
            ));
        }
        cx.delete(id)?;
        Ok(())
    }
}

/// The default rules exist for every NSG and are read-only: GET and list only
/// (`DefaultSecurityRules_Get|List`), so PUT and DELETE are refused as unsupported methods.
impl ResourceKind for DefaultSecurityRules {
    fn full_type(&self) -> &'static str {
        DEFAULT_RULE_TYPE
    }

    fn put(
        &self,
        _cx: &mut Cx,
        _id: &ResourceId,
        _body: &Value,
        _existing: Option<&Value>,
        _req: &ArmRequest,
    ) -> ArmResult<()> {
        Err(ArmError::new(
            405,
            "MethodNotAllowed",
            "The requested resource does not support http method 'PUT'.",
        ))
    }

    fn render(&self, rx: &Rx, id: &ResourceId, stored: &Value) -> ArmResult<Value> {
        Ok(with_etag(stored.clone(), root_etag(rx, id)?.as_ref()))
    }

    fn delete(&self, _cx: &mut Cx, _id: &ResourceId, _stored: &Value) -> ArmResult<()> {
        Err(ArmError::new(
            405,
            "MethodNotAllowed",
            "The requested resource does not support http method 'DELETE'.",
        ))
    }
}
