//! Long-running operations, both ways (real-clients.md §5, azure-semantics.md §0).
//!
//! - [`LroMode::Sync`] (the default): every operation answers in its first response, 200/201
//!   with `provisioningState: "Succeeded"`, and clients make no extra request.
//! - [`LroMode::Async`]: Azure's shape. A PUT answers 200/201 with `provisioningState:
//!   "Updating"` and `Azure-AsyncOperation` + `Retry-After: 1`; a DELETE or POST action
//!   answers 202 with `Azure-AsyncOperation` + `Location` + `Retry-After: 1` (a resource group
//!   DELETE, a Microsoft.Resources operation, with `Location` only). The operation URL reports
//!   `InProgress` for the configured number of polls, then `Succeeded`.
//!
//! The operation itself has already run (one transaction, as every operation): the
//! asynchrony is in the answer only. Never `Retry-After: 0` — azure-core reads it as absent
//! and falls back to a 30 s interval.

use crate::Reply;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use vnetlab_arm::{ArmError, ArmRequest, ArmResponse, Method};

/// How many finished operations are remembered for polling (the oldest go first).
const REMEMBERED: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LroMode {
    Sync,
    /// Azure-style, reporting `InProgress` to this many polls before `Succeeded`.
    Async {
        in_progress_polls: u32,
    },
}

#[derive(Debug)]
enum Outcome {
    Put,
    Delete,
    GroupDelete,
    /// A POST action and its result body, served from the `Location` URL.
    Post(Option<Value>),
}

#[derive(Debug)]
struct Op {
    polls_left: u32,
    outcome: Outcome,
}

/// The operations of an async-mode server.
#[derive(Debug)]
pub struct Operations {
    mode: LroMode,
    inner: Mutex<(HashMap<String, Op>, VecDeque<String>)>,
}

impl Operations {
    pub fn new(mode: LroMode) -> Self {
        Operations {
            mode,
            inner: Mutex::new((HashMap::new(), VecDeque::new())),
        }
    }

    pub fn mode(&self) -> LroMode {
        self.mode
    }

    fn remember(&self, outcome: Outcome, polls: u32) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let (map, order) = &mut *g;
        map.insert(
            id.clone(),
            Op {
                polls_left: polls,
                outcome,
            },
        );
        order.push_back(id.clone());
        while order.len() > REMEMBERED {
            if let Some(old) = order.pop_front() {
                map.remove(&old);
            }
        }
        id
    }

    /// The answer to a request the router has handled, in this server's LRO style.
    pub fn answer(
        &self,
        req: &ArmRequest,
        resp: ArmResponse,
        base: &str,
        api_version: &str,
    ) -> Reply {
        let LroMode::Async { in_progress_polls } = self.mode else {
            return Reply::arm(resp);
        };
        let segs: Vec<&str> = req.path.split('/').filter(|s| !s.is_empty()).collect();
        let is_group = segs.len() == 4;
        let sub = segs.get(1).copied().unwrap_or("");
        let ns = segs
            .iter()
            .position(|s| s.eq_ignore_ascii_case("providers"))
            .and_then(|i| segs.get(i + 1))
            .copied()
            .unwrap_or("Microsoft.Resources");
        let location = resp
            .body
            .as_ref()
            .and_then(|b| b.get("location"))
            .and_then(Value::as_str)
            .filter(|l| l.chars().all(|c| c.is_ascii_alphanumeric()))
            .unwrap_or("global")
            .to_string();
        let op_base = format!("{base}/subscriptions/{sub}/providers/{ns}/locations/{location}");
        let retry = ("Retry-After", "1".to_string());
        match (req.method, resp.status) {
            (Method::Put, 200 | 201) if !is_group => {
                let id = self.remember(Outcome::Put, in_progress_polls);
                let mut body = resp.body;
                if let Some(props) = body
                    .as_mut()
                    .and_then(|b| b.get_mut("properties"))
                    .and_then(Value::as_object_mut)
                {
                    if props.contains_key("provisioningState") {
                        props.insert("provisioningState".into(), json!("Updating"));
                    }
                }
                Reply {
                    status: resp.status,
                    body,
                    headers: vec![
                        (
                            "Azure-AsyncOperation",
                            format!("{op_base}/operations/{id}?api-version={api_version}"),
                        ),
                        retry,
                    ],
                    encoded: None,
                }
            }
            (Method::Delete, 200) if is_group => {
                let id = self.remember(Outcome::GroupDelete, in_progress_polls);
                Reply {
                    status: 202,
                    body: None,
                    headers: vec![
                        (
                            "Location",
                            format!(
                                "{base}/subscriptions/{sub}/operationresults/{id}?api-version={api_version}"
                            ),
                        ),
                        retry,
                    ],
                    encoded: None,
                }
            }
            (Method::Delete, 200) | (Method::Post, 200) => {
                let outcome = if req.method == Method::Delete {
                    Outcome::Delete
                } else {
                    Outcome::Post(resp.body)
                };
                let id = self.remember(outcome, in_progress_polls);
                Reply {
                    status: 202,
                    body: None,
                    headers: vec![
                        (
                            "Azure-AsyncOperation",
                            format!("{op_base}/operations/{id}?api-version={api_version}"),
                        ),
                        (
                            "Location",
                            format!("{op_base}/operationResults/{id}?api-version={api_version}"),
                        ),
                        retry,
                    ],
                    encoded: None,
                }
            }
            _ => Reply::arm(resp),
        }
    }

    /// Answers a poll of an operation URL this server handed out, or `None` when `path` is
    /// not one (it then goes to the router).
    pub fn poll(&self, path: &str) -> Option<Reply> {
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let lower = |i: usize| segs.get(i).map(|s| s.to_ascii_lowercase());
        let (id, status_url) = match segs.len() {
            // /subscriptions/S/providers/NS/locations/L/{operations|operationResults}/ID
            8 if lower(0).as_deref() == Some("subscriptions")
                && lower(2).as_deref() == Some("providers")
                && lower(4).as_deref() == Some("locations") =>
            {
                match lower(6).as_deref() {
                    Some("operations") => (segs[7], true),
                    Some("operationresults") => (segs[7], false),
                    _ => return None,
                }
            }
            // /subscriptions/S/operationresults/ID (resource group deletion)
            4 if lower(0).as_deref() == Some("subscriptions")
                && lower(2).as_deref() == Some("operationresults") =>
            {
                (segs[3], false)
            }
            _ => return None,
        };
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let Some(op) = g.0.get_mut(id) else {
            return Some(Reply::arm(ArmResponse::error(&ArmError::new(
                404,
                "OperationNotFound",
                format!("The operation '{id}' could not be found."),
            ))));
        };
        let running = op.polls_left > 0;
        op.polls_left = op.polls_left.saturating_sub(1);
        if status_url {
            let status = if running { "InProgress" } else { "Succeeded" };
            return Some(Reply {
                status: 200,
                body: Some(json!({ "status": status })),
                headers: if running {
                    vec![("Retry-After", "1".to_string())]
                } else {
                    Vec::new()
                },
                encoded: None,
            });
        }
        if running {
            return Some(Reply {
                status: 202,
                body: None,
                headers: vec![("Retry-After", "1".to_string())],
                encoded: None,
            });
        }
        Some(match &op.outcome {
            Outcome::Post(body) => Reply {
                status: 200,
                body: body.clone(),
                headers: Vec::new(),
                encoded: None,
            },
            Outcome::GroupDelete => Reply {
                status: 200,
                body: None,
                headers: Vec::new(),
                encoded: None,
            },
            Outcome::Put | Outcome::Delete => Reply {
                status: 204,
                body: None,
                headers: Vec::new(),
                encoded: None,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: &str = "https://127.0.0.1:9";

    fn header<'a>(r: &'a Reply, name: &str) -> Option<&'a str> {
        r.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn path_of(url: &str) -> &str {
        url.strip_prefix(B).unwrap().split('?').next().unwrap()
    }

    #[test]
    fn sync_mode_passes_answers_through() {
        let ops = Operations::new(LroMode::Sync);
        let req = ArmRequest::delete(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v",
        );
        let r = ops.answer(
            &req,
            ArmResponse {
                status: 200,
                body: None,
            },
            B,
            "x",
        );
        assert_eq!(r.status, 200);
        assert!(r.headers.is_empty());
    }

    #[test]
    fn async_put_reports_in_progress_then_succeeded() {
        let ops = Operations::new(LroMode::Async {
            in_progress_polls: 2,
        });
        let req = ArmRequest::put(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v",
            json!({}),
        );
        let resp = ArmResponse::created(
            json!({"location": "eastus", "properties": {"provisioningState": "Succeeded"}}),
        );
        let r = ops.answer(&req, resp, B, "2026-03-01");
        assert_eq!(r.status, 201);
        assert_eq!(
            r.body.as_ref().unwrap()["properties"]["provisioningState"],
            "Updating"
        );
        assert_eq!(header(&r, "retry-after"), Some("1"));
        let url = header(&r, "azure-asyncoperation").unwrap();
        assert!(url.contains("/providers/Microsoft.Network/locations/eastus/operations/"));
        assert!(url.ends_with("?api-version=2026-03-01"));
        let statuses: Vec<Value> = (0..3)
            .map(|_| ops.poll(path_of(url)).unwrap().body.unwrap()["status"].clone())
            .collect();
        assert_eq!(
            statuses,
            vec![json!("InProgress"), json!("InProgress"), json!("Succeeded")]
        );
    }

    #[test]
    fn async_delete_and_post_answer_202_with_both_headers() {
        let ops = Operations::new(LroMode::Async {
            in_progress_polls: 1,
        });
        let del = ArmRequest::delete(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v",
        );
        let r = ops.answer(
            &del,
            ArmResponse {
                status: 200,
                body: None,
            },
            B,
            "v",
        );
        assert_eq!(r.status, 202);
        let loc = header(&r, "location").unwrap().to_string();
        assert!(header(&r, "azure-asyncoperation").is_some());
        assert_eq!(ops.poll(path_of(&loc)).unwrap().status, 202);
        assert_eq!(ops.poll(path_of(&loc)).unwrap().status, 204);

        let post = ArmRequest::post(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/n/effectiveRouteTable",
            json!({}),
        );
        let r = ops.answer(&post, ArmResponse::ok(json!({"value": [1]})), B, "v");
        let loc = header(&r, "location").unwrap().to_string();
        let status = header(&r, "azure-asyncoperation").unwrap().to_string();
        assert_eq!(
            ops.poll(path_of(&status)).unwrap().body.unwrap()["status"],
            "InProgress"
        );
        let done = ops.poll(path_of(&loc)).unwrap();
        assert_eq!((done.status, done.body), (200, Some(json!({"value": [1]}))));

        let group = ArmRequest::delete("/subscriptions/s/resourceGroups/rg");
        let r = ops.answer(
            &group,
            ArmResponse {
                status: 200,
                body: None,
            },
            B,
            "v",
        );
        assert_eq!(r.status, 202);
        assert!(header(&r, "azure-asyncoperation").is_none());
        assert!(header(&r, "location")
            .unwrap()
            .contains("/subscriptions/s/operationresults/"));
    }

    #[test]
    fn errors_and_unknown_operations() {
        let ops = Operations::new(LroMode::Async {
            in_progress_polls: 1,
        });
        let req = ArmRequest::put(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v",
            json!({}),
        );
        let err = ArmResponse::error(&ArmError::bad_request("X", "y"));
        assert_eq!(ops.answer(&req, err.clone(), B, "v").status, 400);
        let r = ops
            .poll("/subscriptions/s/providers/Microsoft.Network/locations/eastus/operations/nope")
            .unwrap();
        assert_eq!(r.status, 404);
        assert!(ops.poll("/subscriptions/s/resourceGroups/rg").is_none());
    }
}
