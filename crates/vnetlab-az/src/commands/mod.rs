//! az commands: each turns its parsed arguments into ARM requests (exactly the requests
//! the real az 2.91 sends, where that matters) and returns the result az would print.
//!
//! Architecture Invariant: no Azure rule lives here. A command may shape a request and its
//! output (defaults, wrappers, name-to-id expansion, as the real CLI does client-side), but
//! validation and state changes belong to `vnetlab_arm`.

use crate::args::ParsedArgs;
use crate::client::ArmClient;
use crate::error::CliError;
use crate::output::TableTransformer;
use serde_json::{json, Map, Value};
use vnetlab_arm::{ArmRequest, ArmResponse, Method};

pub mod account;
pub mod generic_update;
pub mod group;
pub mod local_gateway;
pub mod network_asg;
pub mod network_nic;
pub mod network_nsg;
pub mod network_vnet;
pub mod network_watcher;
pub mod nic_effective;
pub mod nsg_rule;
pub mod peering;
pub mod private_dns;
pub mod public_ip;
pub mod route;
pub mod route_table;
pub mod subnet;
pub mod vm;
pub mod vm_run_command;
pub mod vnet_gateway;
pub mod vpn_connection;
pub mod watcher_diagnostics;

/// How a command's result is turned into az's printed shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// AAZ commands: `properties` flattened, nulls dropped, resourceGroup injected.
    Aaz,
    /// SDK/knack commands (`group`, `account`): nulls kept, nothing flattened.
    Sdk,
}

pub type Handler = fn(&mut Ctx) -> Result<Value, CliError>;

/// One implemented command.
pub struct CommandImpl {
    pub name: &'static str,
    pub handler: Handler,
    pub shape: Shape,
    pub table: Option<TableTransformer>,
}

/// Every implemented command, from every module.
pub fn all() -> Vec<CommandImpl> {
    let mut v = Vec::new();
    v.extend(group::commands());
    v.extend(account::commands());
    v.extend(network_vnet::commands());
    v.extend(subnet::commands());
    v.extend(peering::commands());
    v.extend(network_nsg::commands());
    v.extend(nsg_rule::commands());
    v.extend(network_asg::commands());
    v.extend(route_table::commands());
    v.extend(route::commands());
    v.extend(network_nic::commands());
    v.extend(public_ip::commands());
    v.extend(vnet_gateway::commands());
    v.extend(local_gateway::commands());
    v.extend(vpn_connection::commands());
    v.extend(private_dns::commands());
    v.extend(network_watcher::commands());
    v.extend(vm::commands());
    v.extend(nic_effective::commands());
    v.extend(watcher_diagnostics::commands());
    v.extend(vm_run_command::commands());
    v
}

/// The implementation of a command name (`network vnet create`), if vnetlab has one.
pub fn find(name: &str) -> Option<CommandImpl> {
    all().into_iter().find(|c| c.name == name)
}

/// What a command runs with.
pub struct Ctx<'a> {
    pub client: &'a dyn ArmClient,
    pub args: &'a ParsedArgs,
    /// `network vnet create`.
    pub command: &'a str,
    /// Lines printed to stderr as `WARNING: …` before the output.
    pub warnings: Vec<String>,
    /// Whether stdin is a terminal (confirmation prompts).
    pub interactive: bool,
}

impl<'a> Ctx<'a> {
    pub fn subscription(&self) -> String {
        self.client.subscription_id()
    }

    pub fn str(&self, dest: &str) -> Option<String> {
        self.args.str(dest).map(str::to_string)
    }

    pub fn flag(&self, dest: &str) -> Option<bool> {
        self.args.bool(dest)
    }

    pub fn list(&self, dest: &str) -> Option<Vec<String>> {
        self.args.list(dest).map(|l| l.to_vec())
    }

    pub fn given(&self, dest: &str) -> bool {
        self.args.is_given(dest)
    }

    pub fn is_null(&self, dest: &str) -> bool {
        matches!(
            self.args.values.get(dest),
            Some(crate::args::ArgValue::Null)
        )
    }

    /// A value that the AAZ layer requires at run time (`Missing required field: -n`).
    pub fn required(&self, dest: &str, flag: &str) -> Result<String, CliError> {
        self.str(dest).ok_or_else(|| {
            CliError::validation(format!(
                "InvalidArgumentValue: Missing required field: {flag}"
            ))
        })
    }

    pub fn resource_group(&self) -> Result<String, CliError> {
        self.required("resource_group", "-g")
    }

    /// `/subscriptions/S/resourceGroups/rg/providers/Microsoft.Network/{path}`.
    pub fn network_path(&self, rg: &str, path: &str) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{rg}/providers/Microsoft.Network/{path}",
            self.subscription()
        )
    }

    pub fn group_path(&self, rg: &str) -> String {
        format!("/subscriptions/{}/resourceGroups/{rg}", self.subscription())
    }

    /// A name-or-id argument: a bare name becomes an id of `type_segment` in `rg`.
    pub fn name_or_id(&self, value: &str, rg: &str, type_segment: &str) -> String {
        if value.starts_with('/') {
            value.to_string()
        } else {
            self.network_path(rg, &format!("{type_segment}/{value}"))
        }
    }

    /// Sends a request; an error response becomes az's service error.
    pub fn send(&self, req: ArmRequest) -> Result<ArmResponse, CliError> {
        let resp = self.client.send(&req);
        if resp.is_success() {
            Ok(resp)
        } else {
            Err(service_error(&resp))
        }
    }

    pub fn get(&self, path: &str) -> Result<Value, CliError> {
        Ok(self
            .send(ArmRequest::get(path))?
            .body
            .unwrap_or(Value::Null))
    }

    pub fn put(&self, path: &str, body: Value) -> Result<Value, CliError> {
        Ok(self
            .send(ArmRequest::put(path, body))?
            .body
            .unwrap_or(Value::Null))
    }

    pub fn delete(&self, path: &str) -> Result<Value, CliError> {
        self.send(ArmRequest::new(Method::Delete, path))?;
        Ok(Value::Null)
    }

    /// A list endpoint's items (`value`), following `nextLink` paging as az's pagers do.
    pub fn list_all(&self, path: &str) -> Result<Value, CliError> {
        let mut items = Vec::new();
        let mut req = ArmRequest::get(path);
        // A server that keeps handing out links is cut off rather than followed forever.
        for _ in 0..100_000 {
            let body = self.send(req)?.body.unwrap_or(Value::Null);
            if let Some(Value::Array(page)) = body.get("value") {
                items.extend(page.iter().cloned());
            }
            match body.get("nextLink").and_then(Value::as_str) {
                Some(link) if !link.is_empty() => req = next_link_request(link),
                _ => break,
            }
        }
        Ok(Value::Array(items))
    }

    /// The location for a create: `-l`, else the resource group's (az GETs the group).
    pub fn location_or_group(&self, rg: &str) -> Result<String, CliError> {
        match self.str("location") {
            Some(l) => Ok(l),
            None => {
                let g = self.get(&self.group_path(rg))?;
                Ok(g.get("location")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string())
            }
        }
    }

    /// `--no-wait` (an AAZ bool): the request is sent, nothing is printed.
    pub fn no_wait(&self) -> bool {
        self.flag("no_wait") == Some(true)
    }

    /// `--tags` on an AAZ `update`: `Some(None)` removes the tags (`null`), `Some(Some(t))`
    /// replaces them; [`apply_tags`] applies the answer to the resource.
    pub fn update_tags(&self) -> Result<Option<Option<Value>>, CliError> {
        if self.is_null("tags") {
            return Ok(Some(None));
        }
        Ok(self.aaz_tags()?.map(Some))
    }

    /// `--tags` on AAZ commands: every item must be `key=value`.
    pub fn aaz_tags(&self) -> Result<Option<Value>, CliError> {
        let Some(items) = self.list("tags") else {
            return Ok(None);
        };
        let mut m = Map::new();
        for item in items {
            if item.is_empty() {
                continue;
            }
            let Some((k, v)) = item.split_once('=') else {
                return Err(CliError::validation(format!(
                    "Failed to parse '--tags' argument: dict type value expected, got '{item}'(<class 'str'>)"
                )));
            };
            m.insert(k.to_string(), Value::String(v.to_string()));
        }
        Ok(Some(Value::Object(m)))
    }

    /// `--tags` on knack/SDK commands: `a=b c` → `{"a": "b", "c": ""}`; `''` clears.
    pub fn knack_tags(&self) -> Option<Value> {
        let items = self.list("tags")?;
        let mut m = Map::new();
        for item in items {
            if item.is_empty() {
                continue;
            }
            let (k, v) = item.split_once('=').unwrap_or((item.as_str(), ""));
            m.insert(k.to_string(), Value::String(v.to_string()));
        }
        Some(Value::Object(m))
    }

    /// The ids a show/update/delete targets: `--ids`, or the one built from `-g`/names.
    pub fn targets(
        &self,
        build: impl Fn(&Self) -> Result<String, CliError>,
    ) -> Result<Vec<String>, CliError> {
        match self.list("ids") {
            Some(ids) if !ids.is_empty() => Ok(ids),
            _ => Ok(vec![build(self)?]),
        }
    }
}

/// The request a `nextLink` names: an absolute link (`https://host/path?query`, from a
/// server) or a relative one (`/path?query`, from the in-process router) becomes the same
/// path and query; the transport adds the api-version again.
fn next_link_request(link: &str) -> ArmRequest {
    let rest = match link.split_once("://") {
        Some((_, after)) => after.find('/').map_or("/", |i| &after[i..]),
        None => link,
    };
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mut req = ArmRequest::get(path);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (percent_decode(k), percent_decode(v));
        if !k.eq_ignore_ascii_case("api-version") {
            req = req.with_query(&k, &v);
        }
    }
    req
}

/// `%XX` escapes and `+` of a query component (lossy on invalid UTF-8).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let escaped = match b.get(i..i + 3) {
            Some([b'%', h, l]) => hex(*h).zip(hex(*l)).map(|(h, l)| (h * 16 + l) as u8),
            _ => None,
        };
        match (escaped, b[i]) {
            (Some(byte), _) => {
                out.push(byte);
                i += 3;
            }
            (None, b'+') => {
                out.push(b' ');
                i += 1;
            }
            (None, c) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// az's rendering of an ARM error (azure-core `HttpResponseError` + `ODataV4Format`):
/// exit 3 for 404, 1 otherwise.
pub fn service_error(resp: &ArmResponse) -> CliError {
    let e = resp
        .to_error()
        .unwrap_or_else(|| vnetlab_arm::ArmError::internal("unexpected response"));
    let (code, message) = if e.code.is_empty() {
        (
            "Unknown".to_string(),
            format!("Operation returned an invalid status code {}", resp.status),
        )
    } else {
        (e.code.clone(), e.message.clone())
    };
    let mut text = format!("ERROR: ({code}) {message}\nCode: {code}\nMessage: {message}\n");
    if !e.details.is_empty() {
        text.push_str("Exception Details:");
        for d in &e.details {
            text.push_str(&format!(
                "\t({}) {}\n\tCode: {}\n\tMessage: {}\n",
                d.code, d.message, d.code, d.message
            ));
        }
    }
    CliError::raw(if resp.status == 404 { 3 } else { 1 }, text)
}

/// Runs every target of a show-like command: one result, or a list with `--ids` of several.
pub fn for_each_target(
    _ctx: &Ctx,
    paths: Vec<String>,
    f: impl Fn(&str) -> Result<Value, CliError>,
) -> Result<Value, CliError> {
    if paths.len() == 1 {
        return f(&paths[0]);
    }
    paths
        .iter()
        .map(|p| f(p))
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

/// Reads a string field of a (flattened or ARM) object.
pub fn s<'v>(v: &'v Value, pointer: &str) -> &'v str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

/// A `{ "id": … }` reference.
pub fn id_ref(id: &str) -> Value {
    json!({ "id": id })
}

/// Applies what [`Ctx::update_tags`] parsed to a resource.
pub(crate) fn apply_tags(resource: &mut Value, tags: &Option<Option<Value>>) {
    let Some(m) = resource.as_object_mut() else {
        return;
    };
    match tags {
        Some(None) => {
            m.remove("tags");
        }
        Some(Some(t)) => {
            m.insert("tags".into(), t.clone());
        }
        None => {}
    }
}

#[cfg(test)]
mod next_link_tests {
    use super::*;

    #[test]
    fn next_links_become_requests_on_either_transport() {
        let r = next_link_request("https://127.0.0.1:18443/subscriptions/s/resourcegroups?%24skiptoken=100&api-version=2024-11-01");
        assert_eq!(r.path, "/subscriptions/s/resourcegroups");
        assert_eq!(r.query, vec![("$skiptoken".to_string(), "100".to_string())]);
        let r = next_link_request(
            "/subscriptions/s/providers/Microsoft.Network/virtualNetworks?$skiptoken=2",
        );
        assert_eq!(
            r.path,
            "/subscriptions/s/providers/Microsoft.Network/virtualNetworks"
        );
        assert_eq!(r.query_value("$skiptoken"), Some("2"));
        assert_eq!(percent_decode("a%2Fb+c%zz%4"), "a/b c%zz%4");
    }
}
