//! One module per Azure resource type. Each implements [`ResourceKind`]: how a PUT is
//! validated and stored, how a stored record is rendered (read-only and derived fields,
//! embedded children), and what a DELETE does to its neighbours.

use crate::cx::{Config, Cx, Rx};
use crate::error::{ArmError, ArmResult};
use crate::id::ResourceId;
use crate::request::{ArmRequest, ArmResponse};
use crate::store::Ref;
use serde_json::{json, Map, Value};

pub mod application_security_group;
pub mod common;
pub mod connection;
pub mod local_network_gateway;
pub mod network_interface;
pub mod network_security_group;
pub mod network_watcher;
pub mod peering;
pub mod private_dns;
pub mod private_dns_link;
pub mod private_ip;
pub mod public_ip_address;
pub mod resource_group;
pub mod route;
pub mod route_table;
pub mod security_rule;
pub mod subnet;
pub mod virtual_machine;
pub mod virtual_network;
pub mod virtual_network_gateway;

pub use common::*;

/// The behaviour of one resource type.
pub trait ResourceKind: Sync {
    fn full_type(&self) -> &'static str;

    /// Validates a PUT body and writes the record(s). `existing` is the stored record, if any.
    /// Read-only properties in `body` are ignored.
    fn put(
        &self,
        cx: &mut Cx,
        id: &ResourceId,
        body: &Value,
        existing: Option<&Value>,
        req: &ArmRequest,
    ) -> ArmResult<()>;

    /// The response body for a stored record: derived properties filled in, children embedded.
    fn render(&self, rx: &Rx, id: &ResourceId, stored: &Value) -> ArmResult<Value>;

    /// Deletes the record after checking it may go, and updates what depended on it.
    fn delete(&self, cx: &mut Cx, id: &ResourceId, _stored: &Value) -> ArmResult<()> {
        cx.delete(id)?;
        Ok(())
    }

    /// The references a stored record holds (indexed for back-references and in-use checks).
    fn refs(&self, _id: &ResourceId, _stored: &Value) -> Vec<Ref> {
        Vec::new()
    }

    /// Children of `parent` of this type, as stored (for list endpoints).
    fn list_children(&self, rx: &Rx, parent: &ResourceId) -> ArmResult<Vec<Value>> {
        rx.children(parent, self.full_type())
    }

    /// The rendering with `$expand=…` (e.g. a VM's `instanceView`).
    fn render_expanded(
        &self,
        rx: &Rx,
        id: &ResourceId,
        stored: &Value,
        _expand: &str,
    ) -> ArmResult<Value> {
        self.render(rx, id, stored)
    }

    /// A GET of a named view under a resource (`…/{vm}/instanceView`, `…/{connection}/sharedkey`).
    fn view(&self, _rx: &Rx, id: &ResourceId, _stored: &Value, view: &str) -> ArmResult<Value> {
        Err(ArmError::not_supported(format!(
            "GET '{view}' on {}",
            id.full_type()
        )))
    }

    /// A POST action (`…/{name}/{action}`).
    fn action(
        &self,
        _cx: &mut Cx,
        id: &ResourceId,
        _stored: &Value,
        action: &str,
        _body: &Value,
    ) -> ArmResult<ArmResponse> {
        Err(ArmError::not_supported(format!(
            "The action '{action}' on {}",
            id.full_type()
        )))
    }
}

static KINDS: &[&dyn ResourceKind] = &[
    &resource_group::ResourceGroups,
    &virtual_network::VirtualNetworks,
    &subnet::Subnets,
    &peering::Peerings,
    &network_watcher::NetworkWatchers,
    &network_security_group::NetworkSecurityGroups,
    &network_security_group::DefaultSecurityRules,
    &security_rule::SecurityRules,
    &application_security_group::ApplicationSecurityGroups,
    &route_table::RouteTables,
    &route::Routes,
    &network_interface::NetworkInterfaces,
    &network_interface::NicIpConfigurations,
    &public_ip_address::PublicIpAddresses,
    &virtual_machine::VirtualMachines,
    &virtual_network_gateway::VirtualNetworkGateways,
    &local_network_gateway::LocalNetworkGateways,
    &connection::Connections,
    &private_dns::PrivateDnsZones,
    &private_dns::ARecordSets,
    &private_dns_link::VirtualNetworkLinks,
];

/// The implementation of a (canonical or not) full type name.
pub fn kind_for(full_type: &str) -> Option<&'static dyn ResourceKind> {
    KINDS
        .iter()
        .copied()
        .find(|k| k.full_type().eq_ignore_ascii_case(full_type))
}

/// The references of a stored record, via its kind.
pub fn refs_of(id: &ResourceId, stored: &Value) -> Vec<Ref> {
    kind_for(&id.full_type())
        .map(|k| k.refs(id, stored))
        .unwrap_or_default()
}

/// Stores a record with the references its kind declares.
pub fn save(cx: &mut Cx, id: &ResourceId, body: &Value) -> ArmResult<()> {
    let refs = refs_of(id, body);
    cx.put(id, body, &refs)
}

/// `GET /subscriptions/S/providers/{ns}`: enough provider metadata for clients that look up
/// api-versions (az's generic resource client does for `vm create`).
pub fn provider_body(config: &Config, ns: &str) -> Value {
    let canon = [
        "Microsoft.Network",
        "Microsoft.Compute",
        "Microsoft.Resources",
    ]
    .into_iter()
    .find(|k| k.eq_ignore_ascii_case(ns))
    .unwrap_or(ns);
    let types: Vec<Value> = crate::id::KNOWN_TYPES
        .iter()
        .filter_map(|t| t.strip_prefix(canon).and_then(|r| r.strip_prefix('/')))
        .map(|t| {
            json!({
                "resourceType": t,
                "locations": REGIONS.iter().map(|(_, display)| display).collect::<Vec<_>>(),
                "apiVersions": ["2025-07-01", "2025-05-01", "2024-07-01", "2024-05-01", "2023-11-01", "2022-01-01"],
            })
        })
        .collect();
    json!({
        "id": format!("/subscriptions/{}/providers/{canon}", config.subscription_id),
        "namespace": canon,
        "registrationState": "Registered",
        "registrationPolicy": "RegistrationRequired",
        "resourceTypes": types,
    })
}

/// Inserts `key: value` into a JSON object value, creating the object if needed.
pub fn set(obj: &mut Value, key: &str, value: Value) {
    if !obj.is_object() {
        *obj = Value::Object(Map::new());
    }
    if let Value::Object(m) = obj {
        m.insert(key.to_string(), value);
    }
}
