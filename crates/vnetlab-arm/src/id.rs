//! ARM resource ids: `/subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{type}/{name}`
//! followed by any number of `{childType}/{childName}` pairs.
//!
//! ARM matches ids case-insensitively but answers with canonical casing for the segments it
//! owns (`resourceGroups`, `providers`, the type names) and the user's casing for names.

use crate::error::{ArmError, ArmResult};
use std::fmt;

/// Every resource type vnetlab knows, with its canonical spelling.
pub const KNOWN_TYPES: &[&str] = &[
    "Microsoft.Network/virtualNetworks",
    "Microsoft.Network/virtualNetworks/subnets",
    "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
    "Microsoft.Network/networkSecurityGroups",
    "Microsoft.Network/networkSecurityGroups/securityRules",
    "Microsoft.Network/networkSecurityGroups/defaultSecurityRules",
    "Microsoft.Network/applicationSecurityGroups",
    "Microsoft.Network/routeTables",
    "Microsoft.Network/routeTables/routes",
    "Microsoft.Network/networkInterfaces",
    "Microsoft.Network/networkInterfaces/ipConfigurations",
    "Microsoft.Network/publicIPAddresses",
    "Microsoft.Network/virtualNetworkGateways",
    "Microsoft.Network/localNetworkGateways",
    "Microsoft.Network/connections",
    "Microsoft.Network/privateDnsZones",
    "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
    "Microsoft.Network/privateDnsZones/A",
    "Microsoft.Network/networkWatchers",
    "Microsoft.Compute/virtualMachines",
];

/// The canonical spelling of a known type, matched case-insensitively.
pub fn canonical_type(t: &str) -> Option<&'static str> {
    KNOWN_TYPES
        .iter()
        .copied()
        .find(|k| k.eq_ignore_ascii_case(t))
}

/// A parsed resource id (tracked resource or a child of one).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResourceId {
    pub subscription: String,
    pub resource_group: String,
    /// Provider namespace, canonical (`Microsoft.Network`), or empty for the group itself.
    pub namespace: String,
    /// (type segment, name) pairs, outermost first; type segments canonical when known.
    pub segments: Vec<(String, String)>,
}

impl ResourceId {
    pub fn resource_group(subscription: &str, rg: &str) -> Self {
        ResourceId {
            subscription: subscription.to_string(),
            resource_group: rg.to_string(),
            namespace: String::new(),
            segments: Vec::new(),
        }
    }

    pub fn tracked(subscription: &str, rg: &str, full_type: &str, name: &str) -> Self {
        let (ns, t) = full_type.split_once('/').unwrap_or((full_type, ""));
        ResourceId {
            subscription: subscription.to_string(),
            resource_group: rg.to_string(),
            namespace: ns.to_string(),
            segments: vec![(t.to_string(), name.to_string())],
        }
    }

    /// A child of this resource.
    pub fn child(&self, type_segment: &str, name: &str) -> Self {
        let mut c = self.clone();
        c.segments
            .push((type_segment.to_string(), name.to_string()));
        c
    }

    /// Parses an id, canonicalising known segments. Accepts `resourcegroups` in any case and
    /// collapses duplicate slashes (az's generic client sends `Microsoft.Network//type`).
    pub fn parse(id: &str) -> ArmResult<Self> {
        let parts: Vec<&str> = id.split('/').filter(|p| !p.is_empty()).collect();
        let bad = || {
            ArmError::bad_request(
                "InvalidResourceId",
                format!("'{id}' is not a valid resource id."),
            )
        };
        if parts.len() < 4
            || !parts[0].eq_ignore_ascii_case("subscriptions")
            || !parts[2].eq_ignore_ascii_case("resourceGroups")
        {
            return Err(bad());
        }
        let mut rid = ResourceId::resource_group(parts[1], parts[3]);
        if parts.len() == 4 {
            return Ok(rid);
        }
        if parts.len() < 8
            || !parts[4].eq_ignore_ascii_case("providers")
            || !parts.len().is_multiple_of(2)
        {
            return Err(bad());
        }
        rid.namespace = canonical_namespace(parts[5]);
        for pair in parts[6..].chunks(2) {
            rid.segments
                .push((pair[0].to_string(), pair[1].to_string()));
        }
        // Canonicalise the type segments when the full type is known.
        let full = rid.full_type();
        if let Some(canon) = canonical_type(&full) {
            let canon_segments: Vec<&str> = canon.split('/').skip(1).collect();
            for (seg, c) in rid.segments.iter_mut().zip(canon_segments) {
                seg.0 = c.to_string();
            }
        }
        Ok(rid)
    }

    /// `Microsoft.Network/virtualNetworks/subnets`, or `Microsoft.Resources/resourceGroups`.
    pub fn full_type(&self) -> String {
        if self.segments.is_empty() {
            return "Microsoft.Resources/resourceGroups".to_string();
        }
        let mut t = self.namespace.clone();
        for (seg, _) in &self.segments {
            t.push('/');
            t.push_str(seg);
        }
        t
    }

    pub fn name(&self) -> &str {
        self.segments
            .last()
            .map(|(_, n)| n.as_str())
            .unwrap_or(&self.resource_group)
    }

    pub fn is_resource_group(&self) -> bool {
        self.segments.is_empty()
    }

    /// The id one level up (a subnet's VNet; a VNet's resource group).
    pub fn parent(&self) -> Option<ResourceId> {
        if self.segments.is_empty() {
            return None;
        }
        let mut p = self.clone();
        p.segments.pop();
        if p.segments.is_empty() {
            p.namespace.clear();
        }
        Some(p)
    }

    /// The top-level tracked resource this id belongs to (itself if tracked).
    pub fn tracked_root(&self) -> ResourceId {
        let mut r = self.clone();
        r.segments.truncate(1);
        r
    }

    /// The case-insensitive key used for lookups.
    pub fn key(&self) -> String {
        self.to_string().to_ascii_lowercase()
    }

    pub fn resource_group_id(&self) -> ResourceId {
        ResourceId::resource_group(&self.subscription, &self.resource_group)
    }
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "/subscriptions/{}/resourceGroups/{}",
            self.subscription, self.resource_group
        )?;
        if self.segments.is_empty() {
            return Ok(());
        }
        write!(f, "/providers/{}", self.namespace)?;
        for (t, n) in &self.segments {
            write!(f, "/{t}/{n}")?;
        }
        Ok(())
    }
}

fn canonical_namespace(ns: &str) -> String {
    for known in [
        "Microsoft.Network",
        "Microsoft.Compute",
        "Microsoft.Resources",
    ] {
        if known.eq_ignore_ascii_case(ns) {
            return known.to_string();
        }
    }
    ns.to_string()
}

/// The lower-cased key of an id string (for ids taken from request bodies).
pub fn key_of(id: &str) -> String {
    match ResourceId::parse(id) {
        Ok(r) => r.key(),
        Err(_) => id.to_ascii_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_canonicalises() {
        let id = ResourceId::parse(
            "/subscriptions/S/resourcegroups/rg1/providers/microsoft.network//VIRTUALNETWORKS/v1/SUBNETS/s1",
        )
        .unwrap();
        assert_eq!(
            id.to_string(),
            "/subscriptions/S/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/v1/subnets/s1"
        );
        assert_eq!(id.full_type(), "Microsoft.Network/virtualNetworks/subnets");
        assert_eq!(id.name(), "s1");
        assert_eq!(id.parent().unwrap().name(), "v1");
        assert_eq!(
            id.tracked_root().full_type(),
            "Microsoft.Network/virtualNetworks"
        );
        assert!(ResourceId::parse("/subscriptions/S/resourceGroups/rg")
            .unwrap()
            .is_resource_group());
        assert!(ResourceId::parse("/subscriptions/S").is_err());
        assert!(ResourceId::parse("/subscriptions/S/resourceGroups/rg/providers/X/y").is_err());
    }
}
