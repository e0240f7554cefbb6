//! VNet peering data-transfer list prices and the region → billing-zone map
//! (azure-semantics.md §9; sources there: Microsoft's Well-Architected cost guide, infracost's
//! `virtual_network_peering.go` zone map and golden prices).
//!
//! Billing rules: per GB crossing a peering, at both ends — the sender pays egress, the
//! receiver pays ingress. Same region: $0.01 each way. Across regions (global peering): egress
//! at the source region's zone rate, ingress at the destination's. No hourly or per-peering
//! fee; traffic inside one VNet is free.

/// A global-peering billing zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    Zone1,
    Zone2,
    Zone3,
    UsGov1,
}

impl Zone {
    pub fn name(self) -> &'static str {
        match self {
            Zone::Zone1 => "Zone 1",
            Zone::Zone2 => "Zone 2",
            Zone::Zone3 => "Zone 3",
            Zone::UsGov1 => "US Gov Zone 1",
        }
    }

    /// USD per GB, the same inbound and outbound. `None` where no price is confirmed.
    pub fn price_per_gb(self) -> Option<f64> {
        match self {
            Zone::Zone1 => Some(0.035),
            Zone::Zone2 => Some(0.09),
            // [UNCONFIRMED] in azure-semantics.md §9; used, and said so in the output.
            Zone::Zone3 => Some(0.16),
            Zone::UsGov1 => None,
        }
    }

    pub fn confirmed(self) -> bool {
        matches!(self, Zone::Zone1 | Zone::Zone2)
    }
}

/// Same-region peering, USD per GB, each of ingress and egress.
pub const INTRA_REGION_PER_GB: f64 = 0.01;

const ZONE1: &[&str] = &[
    "eastus",
    "eastus2",
    "centralus",
    "northcentralus",
    "southcentralus",
    "westcentralus",
    "westus",
    "westus2",
    "westus3",
    "canadacentral",
    "canadaeast",
    "northeurope",
    "westeurope",
    "uksouth",
    "ukwest",
    "francecentral",
    "francesouth",
    "germanywestcentral",
    "germanynorth",
    "norwayeast",
    "norwaywest",
    "swedencentral",
    "switzerlandnorth",
    "switzerlandwest",
    "polandcentral",
    "italynorth",
    "israelcentral",
    "qatarcentral",
    "australiacentral",
    "australiacentral2",
    "jioindiawest",
];
const ZONE2: &[&str] = &[
    "australiaeast",
    "australiasoutheast",
    "southeastasia",
    "eastasia",
    "japaneast",
    "japanwest",
    "koreacentral",
    "koreasouth",
    "centralindia",
    "southindia",
    "westindia",
    "jioindiacentral",
];
const ZONE3: &[&str] = &[
    "brazilsouth",
    "brazilsoutheast",
    "southafricanorth",
    "southafricawest",
    "uaenorth",
    "uaecentral",
];
const USGOV1: &[&str] = &["usgovvirginia", "usgovarizona", "usgovtexas"];

/// The billing zone of a region (lower case, no spaces), if the map knows it.
pub fn zone_of(region: &str) -> Option<Zone> {
    let r: String = region
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    let r = r.as_str();
    if ZONE1.contains(&r) {
        Some(Zone::Zone1)
    } else if ZONE2.contains(&r) {
        Some(Zone::Zone2)
    } else if ZONE3.contains(&r) {
        Some(Zone::Zone3)
    } else if USGOV1.contains(&r) {
        Some(Zone::UsGov1)
    } else {
        None
    }
}

/// The two charges of one GB crossing a peering from `from` to `to`: (egress rate, ingress
/// rate, how they were priced). `Err` explains a region without a zone or price.
pub fn crossing_rates(from: &str, to: &str) -> Result<(f64, f64, String), String> {
    if from.eq_ignore_ascii_case(to) {
        return Ok((
            INTRA_REGION_PER_GB,
            INTRA_REGION_PER_GB,
            format!("same region ({from}): $0.01/GB out + $0.01/GB in"),
        ));
    }
    let zf =
        zone_of(from).ok_or_else(|| format!("region '{from}' is not in the billing-zone map"))?;
    let zt = zone_of(to).ok_or_else(|| format!("region '{to}' is not in the billing-zone map"))?;
    let pf = zf.price_per_gb().ok_or_else(|| {
        format!(
            "no confirmed global peering price for {} ({from})",
            zf.name()
        )
    })?;
    let pt = zt
        .price_per_gb()
        .ok_or_else(|| format!("no confirmed global peering price for {} ({to})", zt.name()))?;
    let mut how = format!(
        "global peering: egress {} ({from}) ${pf}/GB + ingress {} ({to}) ${pt}/GB",
        zf.name(),
        zt.name()
    );
    if !zf.confirmed() || !zt.confirmed() {
        how.push_str(" [Zone 3 price UNCONFIRMED]");
    }
    Ok((pf, pt, how))
}

/// `$1,234.56`.
pub fn usd(x: f64) -> String {
    let cents = (x * 100.0).round() as i64;
    let (sign, cents) = if cents < 0 {
        ("-", -cents)
    } else {
        ("", cents)
    };
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}${grouped}.{:02}", cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_and_rates_follow_the_price_table() {
        assert_eq!(zone_of("East US"), Some(Zone::Zone1));
        assert_eq!(zone_of("japanwest"), Some(Zone::Zone2));
        assert_eq!(zone_of("brazilsouth"), Some(Zone::Zone3));
        assert_eq!(zone_of("mars"), None);
        assert_eq!(crossing_rates("eastus", "eastus").unwrap().0, 0.01);
        // West Europe → Japan West: $0.035 egress + $0.09 ingress (azure-semantics.md §9).
        let (e, i, _) = crossing_rates("westeurope", "japanwest").unwrap();
        assert_eq!((e, i), (0.035, 0.09));
        assert!(crossing_rates("usgovvirginia", "eastus")
            .unwrap_err()
            .contains("US Gov"));
        assert!(crossing_rates("brazilsouth", "eastus")
            .unwrap()
            .2
            .contains("UNCONFIRMED"));
    }

    #[test]
    fn dollars_print_with_grouping() {
        assert_eq!(usd(1792.0), "$1,792.00");
        assert_eq!(usd(0.355), "$0.36");
        assert_eq!(usd(1234567.891), "$1,234,567.89");
        assert_eq!(usd(0.0), "$0.00");
    }
}
