//! The one entry point of every operation: an [`ArmRequest`] in, an [`ArmResponse`] out.
//!
//! Architecture Invariant: the CLI and the HTTPS server are adapters over [`Arm::handle`];
//! no Azure rule is implemented anywhere else.

use crate::cx::{not_found, Config, Cx, Rx};
use crate::error::{ArmError, ArmResult};
use crate::id::{canonical_type, ResourceId};
use crate::read_cache::{self, ReadCache};
use crate::request::{ArmRequest, ArmResponse, Method};
use crate::resources::{self, kind_for, ResourceKind};
use crate::store::Store;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::sync::Arc;

/// The emulated Azure Resource Manager over a store.
pub struct Arm<S> {
    pub store: S,
    pub config: Config,
    /// Rendered GET answers of the store's current snapshot (see `read_cache.rs`).
    read_cache: RefCell<ReadCache>,
}

/// What [`Arm::handle_json`] answers.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonAnswer {
    /// 200 with this body: compact JSON, byte for byte `serde_json::to_vec` of the body
    /// [`Arm::handle`] gives.
    Ok(Arc<[u8]>),
    /// Any other answer, as [`Arm::handle`] gives it.
    Response(ArmResponse),
}

/// What a request path addresses.
enum Target {
    Subscriptions,
    Subscription,
    /// `/subscriptions/S/providers/{ns}`: provider metadata.
    Provider(String),
    ResourceGroups,
    /// A list of tracked resources of a type: subscription-wide, or in one group.
    TrackedList {
        full_type: String,
        resource_group: Option<String>,
    },
    /// A list of children of a resource.
    ChildList {
        parent: ResourceId,
        full_type: String,
    },
    /// One resource (or resource group).
    Resource(ResourceId),
    /// A POST action on a resource (`…/effectiveRouteTable`).
    Action {
        id: ResourceId,
        action: String,
    },
    /// A GET of a named view under a resource (`…/instanceView`).
    View {
        id: ResourceId,
        view: String,
    },
}

impl<S: Store> Arm<S> {
    pub fn new(store: S, config: Config) -> Self {
        Arm {
            store,
            config,
            read_cache: RefCell::default(),
        }
    }

    /// Handles one request. Never panics on input; every failure is an ARM error body.
    pub fn handle(&self, req: &ArmRequest) -> ArmResponse {
        match self.dispatch(req) {
            Ok(resp) => resp,
            Err(e) => ArmResponse::error(&e),
        }
    }

    /// As [`Arm::handle`], for a front end that sends the answer as JSON: a GET of one
    /// resource comes already encoded, from the read cache when the state has not changed
    /// since the same GET was last answered (a repeated VNet GET then costs neither a
    /// rendering nor an encoding). Every other request is answered by `handle`.
    pub fn handle_json(&self, req: &ArmRequest) -> JsonAnswer {
        if req.method == Method::Get {
            let answer = self
                .parse_target(&req.path, req.method)
                .and_then(|target| match target {
                    Target::Resource(id) => self.get_resource_json(req, &id).map(Some),
                    _ => Ok(None),
                });
            match answer {
                Ok(Some(json)) => return JsonAnswer::Ok(json),
                Ok(None) => {}
                Err(e) => return JsonAnswer::Response(ArmResponse::error(&e)),
            }
        }
        JsonAnswer::Response(self.handle(req))
    }

    fn dispatch(&self, req: &ArmRequest) -> ArmResult<ArmResponse> {
        let target = self.parse_target(&req.path, req.method)?;
        match (req.method, target) {
            (Method::Get, Target::Subscriptions) => Ok(ArmResponse::ok(
                json!({ "value": [self.subscription_body()] }),
            )),
            (Method::Get, Target::Subscription) => Ok(ArmResponse::ok(self.subscription_body())),
            (Method::Get, Target::Provider(ns)) => {
                Ok(ArmResponse::ok(resources::provider_body(&self.config, &ns)))
            }
            (Method::Get, Target::ResourceGroups) => self.read(|rx| {
                let groups = rx.txn.list(
                    "Microsoft.Resources/resourceGroups",
                    &self.config.subscription_id,
                    None,
                )?;
                self.page(req, groups, |g| Ok(g.clone()))
            }),
            (
                Method::Get,
                Target::TrackedList {
                    full_type,
                    resource_group,
                },
            ) => self.list_tracked(req, &full_type, resource_group.as_deref()),
            (Method::Get, Target::ChildList { parent, full_type }) => {
                self.list_children(req, &parent, &full_type)
            }
            (Method::Get, Target::Resource(id)) => self.get_resource(req, &id),
            (Method::Get, Target::View { id, view }) => self.read(|rx| {
                let kind = kind_of(&id)?;
                check_parents(rx, &id, "read")?;
                let stored = rx.get(&id)?.ok_or_else(|| not_found(&id))?;
                Ok(ArmResponse::ok(kind.view(rx, &id, &stored, &view)?))
            }),
            (Method::Head, Target::Resource(id)) => self.read(|rx| {
                Ok(if rx.get(&id)?.is_some() {
                    ArmResponse::no_content()
                } else {
                    ArmResponse {
                        status: 404,
                        body: None,
                    }
                })
            }),
            (Method::Put, Target::Resource(id)) => self.put(&id, req),
            (Method::Patch, Target::Resource(id)) => self.patch(&id, req),
            (Method::Delete, Target::Resource(id)) => self.delete(&id, req),
            (Method::Post, Target::Action { id, action }) => {
                let kind = kind_of(&id)?;
                let body = req.body.clone().unwrap_or(Value::Null);
                self.write(|cx| {
                    check_parents(&cx.rx(), &id, "action")?;
                    let stored = cx.require(&id)?;
                    kind.action(cx, &id, &stored, &action, &body)
                })
            }
            (m, _) => Err(ArmError::new(
                405,
                "MethodNotAllowed",
                format!(
                    "The requested resource does not support http method '{}'.",
                    method_name(m)
                ),
            )),
        }
    }

    /// GET of one resource, through the read cache (`read_cache.rs`): cached answers are
    /// those of the snapshot this read transaction sees, and only successful ones.
    fn get_resource(&self, req: &ArmRequest, id: &ResourceId) -> ArmResult<ArmResponse> {
        self.read(|rx| {
            let expand = req.query_value("$expand");
            let snapshot = rx.txn.snapshot()?;
            let cached =
                snapshot.and_then(|s| self.read_cache.borrow_mut().get(s, &req.path, expand));
            if let Some(body) = cached {
                return Ok(ArmResponse::ok(body));
            }
            let body = render_resource(rx, id, expand)?;
            if let Some(s) = snapshot {
                self.read_cache
                    .borrow_mut()
                    .put(s, &req.path, expand, body.clone(), None);
            }
            Ok(ArmResponse::ok(body))
        })
    }

    /// [`Arm::get_resource`]'s body, as compact JSON.
    fn get_resource_json(&self, req: &ArmRequest, id: &ResourceId) -> ArmResult<Arc<[u8]>> {
        self.read(|rx| {
            let expand = req.query_value("$expand");
            let snapshot = rx.txn.snapshot()?;
            let cached =
                snapshot.and_then(|s| self.read_cache.borrow_mut().get_json(s, &req.path, expand));
            if let Some(json) = cached {
                return Ok(json);
            }
            let body = render_resource(rx, id, expand)?;
            let json = read_cache::encode(&body);
            if let Some(s) = snapshot {
                self.read_cache
                    .borrow_mut()
                    .put(s, &req.path, expand, body, Some(json.clone()));
            }
            Ok(json)
        })
    }

    fn read<R>(&self, f: impl FnOnce(&Rx) -> ArmResult<R>) -> ArmResult<R> {
        self.store.read(|txn| {
            f(&Rx {
                txn,
                config: &self.config,
            })
        })
    }

    fn write<R>(&self, f: impl FnOnce(&mut Cx) -> ArmResult<R>) -> ArmResult<R> {
        self.store.write(|txn| {
            f(&mut Cx {
                txn,
                config: &self.config,
            })
        })
    }

    fn subscription_body(&self) -> Value {
        json!({
            "id": format!("/subscriptions/{}", self.config.subscription_id),
            "subscriptionId": self.config.subscription_id,
            "displayName": self.config.subscription_name,
            "state": "Enabled",
            "tenantId": self.config.tenant_id,
            "managedByTenants": [],
            "subscriptionPolicies": { "locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off" },
            "authorizationSource": "RoleBased",
        })
    }

    fn list_tracked(
        &self,
        req: &ArmRequest,
        full_type: &str,
        resource_group: Option<&str>,
    ) -> ArmResult<ArmResponse> {
        let kind = kind_for(full_type).ok_or_else(|| unknown_type(full_type))?;
        self.read(|rx| {
            if let Some(rg) = resource_group {
                let rg_id = ResourceId::resource_group(&self.config.subscription_id, rg);
                rx.get(&rg_id)?.ok_or_else(|| not_found(&rg_id))?;
            }
            let stored = rx
                .txn
                .list(full_type, &self.config.subscription_id, resource_group)?;
            self.page(req, stored, |s| kind.render(rx, &stored_id(s)?, s))
        })
    }

    fn list_children(
        &self,
        req: &ArmRequest,
        parent: &ResourceId,
        full_type: &str,
    ) -> ArmResult<ArmResponse> {
        let kind = kind_for(full_type).ok_or_else(|| unknown_type(full_type))?;
        self.read(|rx| {
            check_parents(rx, parent, "read")?;
            rx.get(parent)?.ok_or_else(|| not_found(parent))?;
            let stored = kind.list_children(rx, parent)?;
            self.page(req, stored, |s| kind.render(rx, &stored_id(s)?, s))
        })
    }

    /// One page of a list (`x-ms-pageable`): at most `config.page_size` items from the
    /// `$skiptoken` on, rendered, and a `nextLink` (relative to the server: the HTTPS adapter
    /// makes it absolute) while items remain. The token is the offset into the list in
    /// creation order; like ARM's, it is opaque to clients and not a snapshot.
    fn page(
        &self,
        req: &ArmRequest,
        items: Vec<Value>,
        render: impl Fn(&Value) -> ArmResult<Value>,
    ) -> ArmResult<ArmResponse> {
        let start = match req.query_value("$skiptoken") {
            None => 0,
            Some(t) => t.parse::<usize>().map_err(|_| {
                ArmError::bad_request(
                    "InvalidSkipToken",
                    format!("The skip token '{}' is not valid.", t.escape_debug()),
                )
            })?,
        }
        .min(items.len());
        let end = match self.config.page_size {
            Some(n) if n > 0 => start.saturating_add(n).min(items.len()),
            _ => items.len(),
        };
        let value = items[start..end]
            .iter()
            .map(render)
            .collect::<ArmResult<Vec<_>>>()?;
        let mut body = json!({ "value": value });
        if end < items.len() {
            let path = req.path.split('?').next().unwrap_or("");
            body["nextLink"] = json!(format!("{path}?$skiptoken={end}"));
        }
        Ok(ArmResponse::ok(body))
    }

    fn put(&self, id: &ResourceId, req: &ArmRequest) -> ArmResult<ArmResponse> {
        let kind = kind_of(id)?;
        let body = match &req.body {
            Some(Value::Object(_)) => req.body.clone().unwrap_or(Value::Null),
            Some(_) => return Err(ArmError::invalid_request_format("The request content was invalid and could not be deserialized: the body must be a JSON object.")),
            None => return Err(ArmError::invalid_request_format("The request content was invalid and could not be deserialized: the body is empty.")),
        };
        self.write(|cx| {
            check_parents(&cx.rx(), id, "write")?;
            let existing = cx.get(id)?;
            check_preconditions(req, id, existing.as_ref(), &cx.rx())?;
            resources::validate_name(id)?;
            kind.put(cx, id, &body, existing.as_ref(), req)?;
            if !id.is_resource_group() {
                cx.touch(&id.tracked_root())?;
            }
            let stored = cx.require(id)?;
            let rendered = kind.render(&cx.rx(), id, &stored)?;
            Ok(if existing.is_some() {
                ArmResponse::ok(rendered)
            } else {
                ArmResponse::created(rendered)
            })
        })
    }

    /// PATCH on a tracked resource updates its tags only (ARM `TagsObject`).
    fn patch(&self, id: &ResourceId, req: &ArmRequest) -> ArmResult<ArmResponse> {
        let kind = kind_of(id)?;
        if id.segments.len() > 1 {
            return Err(ArmError::not_supported("PATCH of a child resource"));
        }
        self.write(|cx| {
            check_parents(&cx.rx(), id, "write")?;
            let mut stored = cx.require(id)?;
            check_preconditions(req, id, Some(&stored), &cx.rx())?;
            if let Some(tags) = req.body.as_ref().and_then(|b| b.get("tags")) {
                stored["tags"] = resources::validate_tags(tags)?;
            }
            let refs = resources::refs_of(id, &stored);
            cx.put(id, &stored, &refs)?;
            cx.touch(id)?;
            let stored = cx.require(id)?;
            Ok(ArmResponse::ok(kind.render(&cx.rx(), id, &stored)?))
        })
    }

    fn delete(&self, id: &ResourceId, req: &ArmRequest) -> ArmResult<ArmResponse> {
        let kind = kind_of(id)?;
        self.write(|cx| {
            if !id.is_resource_group() {
                let rg = id.resource_group_id();
                cx.get(&rg)?.ok_or_else(|| not_found(&rg))?;
            }
            // ARM answers 204 for a resource that is already gone, but 404 for a missing group
            // (whether the group itself or the group of the resource).
            let Some(stored) = cx.get(id)? else {
                if id.is_resource_group() {
                    return Err(not_found(id));
                }
                return Ok(ArmResponse::no_content());
            };
            check_preconditions(req, id, Some(&stored), &cx.rx())?;
            kind.delete(cx, id, &stored)?;
            if id.segments.len() > 1 {
                cx.touch(&id.tracked_root())?;
            }
            Ok(ArmResponse {
                status: 200,
                body: None,
            })
        })
    }

    fn parse_target(&self, path: &str, method: Method) -> ArmResult<Target> {
        let path = path.split('?').next().unwrap_or("");
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        let bad_path = || {
            ArmError::new(
                404,
                "InvalidPath",
                format!("The path '{path}' is not a valid Azure Resource Manager path."),
            )
        };
        if parts.is_empty() || !parts[0].eq_ignore_ascii_case("subscriptions") {
            return Err(bad_path());
        }
        if parts.len() == 1 {
            return Ok(Target::Subscriptions);
        }
        if !parts[1].eq_ignore_ascii_case(&self.config.subscription_id) {
            return Err(ArmError::new(
                404,
                "SubscriptionNotFound",
                format!("The subscription '{}' could not be found.", parts[1]),
            ));
        }
        let rest = &parts[2..];
        match rest {
            [] => Ok(Target::Subscription),
            [p, ns] if p.eq_ignore_ascii_case("providers") => Ok(Target::Provider(ns.to_string())),
            [p, ns, t] if p.eq_ignore_ascii_case("providers") => Ok(Target::TrackedList {
                full_type: resolve_type(ns, &[t])?,
                resource_group: None,
            }),
            [g] if g.eq_ignore_ascii_case("resourceGroups") => Ok(Target::ResourceGroups),
            [g, rg, tail @ ..] if g.eq_ignore_ascii_case("resourceGroups") => {
                let rg = rg.to_string();
                match tail {
                    [] => Ok(Target::Resource(ResourceId::resource_group(
                        &self.config.subscription_id,
                        &rg,
                    ))),
                    [p, ns, t] if p.eq_ignore_ascii_case("providers") => Ok(Target::TrackedList {
                        full_type: resolve_type(ns, &[t])?,
                        resource_group: Some(rg),
                    }),
                    [p, ns, segs @ ..]
                        if p.eq_ignore_ascii_case("providers") && segs.len() >= 2 =>
                    {
                        let pairs = segs.len() / 2;
                        let full_id = format!(
                            "/subscriptions/{}/resourceGroups/{}/providers/{}/{}",
                            self.config.subscription_id,
                            rg,
                            ns,
                            segs[..pairs * 2].join("/")
                        );
                        let id = ResourceId::parse(&full_id)?;
                        if segs.len().is_multiple_of(2) {
                            kind_of(&id)?;
                            return Ok(Target::Resource(id));
                        }
                        let last = segs[segs.len() - 1];
                        let child_type = format!("{}/{}", id.full_type(), last);
                        match canonical_type(&child_type) {
                            Some(t) if method == Method::Get => Ok(Target::ChildList {
                                parent: id,
                                full_type: t.to_string(),
                            }),
                            Some(t) => Err(unknown_type(t)),
                            None if method == Method::Post => Ok(Target::Action {
                                id,
                                action: last.to_string(),
                            }),
                            None if method == Method::Get => Ok(Target::View {
                                id,
                                view: last.to_string(),
                            }),
                            None => Err(unknown_type(&child_type)),
                        }
                    }
                    _ => Err(bad_path()),
                }
            }
            _ => Err(bad_path()),
        }
    }
}

/// One resource as a GET answers it: its parents must exist, then it is rendered.
fn render_resource(rx: &Rx, id: &ResourceId, expand: Option<&str>) -> ArmResult<Value> {
    let kind = kind_of(id)?;
    check_parents(rx, id, "read")?;
    let stored = rx.get(id)?.ok_or_else(|| not_found(id))?;
    match expand {
        Some(expand) => kind.render_expanded(rx, id, &stored, expand),
        None => kind.render(rx, id, &stored),
    }
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::Get => "GET",
        Method::Put => "PUT",
        Method::Patch => "PATCH",
        Method::Post => "POST",
        Method::Delete => "DELETE",
        Method::Head => "HEAD",
    }
}

fn resolve_type(ns: &str, segs: &[&str]) -> ArmResult<String> {
    let t = format!("{ns}/{}", segs.join("/"));
    canonical_type(&t)
        .map(str::to_string)
        .ok_or_else(|| unknown_type(&t))
}

fn kind_of(id: &ResourceId) -> ArmResult<&'static dyn ResourceKind> {
    let t = id.full_type();
    kind_for(&t).ok_or_else(|| unknown_type(&t))
}

fn unknown_type(t: &str) -> ArmError {
    let ns = t.split('/').next().unwrap_or("");
    if ns.eq_ignore_ascii_case("Microsoft.Network") || ns.eq_ignore_ascii_case("Microsoft.Compute")
    {
        ArmError::not_supported(format!("Resource type '{t}'"))
    } else {
        ArmError::bad_request(
            "InvalidResourceType",
            format!("The resource type '{t}' could not be found in the namespace '{ns}'."),
        )
    }
}

pub(crate) fn stored_id(stored: &Value) -> ArmResult<ResourceId> {
    let id = stored
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| ArmError::internal("stored record without id"))?;
    ResourceId::parse(id)
}

/// The resource group, then every parent, must exist: ARM answers 404 for the first one missing.
fn check_parents(rx: &Rx, id: &ResourceId, op: &str) -> ArmResult<()> {
    if id.is_resource_group() {
        return Ok(());
    }
    let rg = id.resource_group_id();
    if rx.get(&rg)?.is_none() {
        return Err(not_found(&rg));
    }
    let mut ancestors = Vec::new();
    let mut cur = id.parent();
    while let Some(p) = cur {
        if p.is_resource_group() {
            break;
        }
        cur = p.parent();
        ancestors.push(p);
    }
    for p in ancestors.iter().rev() {
        if rx.get(p)?.is_none() {
            let child_type = id.full_type();
            let short = child_type
                .split_once('/')
                .map(|(_, t)| t)
                .unwrap_or(&child_type);
            return Err(ArmError::new(
                404,
                "ParentResourceNotFound",
                format!("Failed to perform '{op}' on resource(s) of type '{short}', because the parent resource '{p}' could not be found."),
            ));
        }
    }
    Ok(())
}

/// `If-Match` / `If-None-Match` against the tracked resource's etag (412 on mismatch).
fn check_preconditions(
    req: &ArmRequest,
    id: &ResourceId,
    existing: Option<&Value>,
    rx: &Rx,
) -> ArmResult<()> {
    let current_etag = match existing {
        None => None,
        Some(_) => {
            let root = if id.is_resource_group() {
                id.clone()
            } else {
                id.tracked_root()
            };
            rx.get(&root)?
                .and_then(|r| r.get("etag").and_then(Value::as_str).map(str::to_string))
        }
    };
    let failed = || {
        ArmError::new(
            412,
            "PreconditionFailed",
            "The condition specified using HTTP conditional header(s) is not met.",
        )
    };
    if let Some(m) = &req.if_match {
        let ok = match &current_etag {
            Some(e) => m.trim() == "*" || m.split(',').any(|t| t.trim() == e),
            None => false,
        };
        if !ok {
            return Err(failed());
        }
    }
    if let Some(m) = &req.if_none_match {
        if existing.is_some()
            && (m.trim() == "*"
                || current_etag
                    .as_deref()
                    .is_some_and(|e| m.split(',').any(|t| t.trim() == e)))
        {
            return Err(failed());
        }
    }
    Ok(())
}
