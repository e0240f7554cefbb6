//! `Microsoft.Network/routeTables` (azure-semantics.md §5.3).
//!
//! A route table PUT carries its routes inline: routes absent from the body are deleted.
//! Rendering embeds `routes` (each with the table's etag) and the back-reference `subnets[]`
//! (only when non-empty), as raw ARM does (`RouteTablePropertiesFormat`,
//! `stable/2025-07-01/routeTable.json`; live `az network route-table create` output).

use super::application_security_group::tracked_base;
use super::route::{self, ROUTE_TYPE};
use super::*;

pub struct RouteTables;

pub const ROUTE_TABLE_TYPE: &str = "Microsoft.Network/routeTables";

/// The subnets associated with a route table.
pub fn subnets_using(rx: &Rx, table: &ResourceId) -> ArmResult<Vec<String>> {
    rx.referrers(table, "routeTable")
}

/// Applies the inline route list of a table PUT: validate all, then create/update the listed
/// ones and delete the rest.
fn reconcile_routes(
    cx: &mut Cx,
    id: &ResourceId,
    req_props: &Map<String, Value>,
    is_update: bool,
) -> ArmResult<()> {
    let mut wanted: Vec<(ResourceId, Value)> = Vec::new();
    for (rid, props) in inline_children(id, req_props, "routes", "Route", "Route", "route table")? {
        let props = route::validate(&rid, &props)?;
        wanted.push((rid, props));
    }
    let named: Vec<(String, Value)> = wanted
        .iter()
        .map(|(rid, p)| (rid.name().to_string(), p.clone()))
        .collect();
    route::check_table(id, &named)?;
    replace_children(cx, id, ROUTE_TYPE, &wanted, is_update)
}

impl ResourceKind for RouteTables {
    fn full_type(&self) -> &'static str {
        ROUTE_TABLE_TYPE
    }

    fn put(
        &self,
        cx: &mut Cx,
        id: &ResourceId,
        body: &Value,
        existing: Option<&Value>,
        _req: &ArmRequest,
    ) -> ArmResult<()> {
        let base = tracked_base(cx, id, body, existing, ROUTE_TABLE_TYPE)?;
        let req_props = properties(body)?;
        let disable_bgp = opt_bool(&req_props, "disableBgpRoutePropagation")?.unwrap_or(false);
        let props = json!({
            "provisioningState": "Succeeded",
            "resourceGuid": base.guid,
            "disableBgpRoutePropagation": disable_bgp,
        });
        let etag = cx.etag()?;
        save(
            cx,
            id,
            &tracked(id, &base.location, &base.tags, &etag, props),
        )?;
        reconcile_routes(cx, id, &req_props, existing.is_some())
    }

    fn render(&self, rx: &Rx, id: &ResourceId, stored: &Value) -> ArmResult<Value> {
        let mut out = stored.clone();
        let etag = stored.get("etag");
        let routes: Vec<Value> = rx
            .children(id, ROUTE_TYPE)?
            .into_iter()
            .map(|r| with_etag(r, etag))
            .collect();
        let subnets = subnets_using(rx, id)?;
        if let Some(p) = out.get_mut("properties").and_then(Value::as_object_mut) {
            p.insert("routes".into(), Value::Array(routes));
            if !subnets.is_empty() {
                p.insert(
                    "subnets".into(),
                    Value::Array(subnets.iter().map(|s| id_ref(s)).collect()),
                );
            }
        }
        Ok(out)
    }

    fn delete(&self, cx: &mut Cx, id: &ResourceId, _stored: &Value) -> ArmResult<()> {
        let subnets = subnets_using(&cx.rx(), id)?;
        if !subnets.is_empty() {
            // [UNCONFIRMED code and text]: the code follows ARM's InUse*CannotBeDeleted family,
            // the text is modelled on the NSG's (confirmed) one.
            return Err(ArmError::bad_request(
                "InUseRouteTableCannotBeDeleted",
                format!(
                    "Route table {id} cannot be deleted because it is in use by the following resources: {}. In order to delete the route table, remove the association with the resource(s).",
                    subnets.join(", ")
                ),
            ));
        }
        cx.delete(id)?;
        Ok(())
    }
}
