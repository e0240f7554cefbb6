//! Everything that consumes the compiled data plane, implemented once as ARM operations so the
//! CLI and the HTTPS server share them (az-cli-surface.md §11.1–11.2, §17, §20;
//! azure-semantics.md §5.5, §6.5, §7):
//!
//! * [`effective`] — `POST …/networkInterfaces/{nic}/effectiveRouteTable` and
//!   `…/effectiveNetworkSecurityGroups`;
//! * [`watcher`] — `POST …/networkWatchers/{nw}/ipFlowVerify`, `nextHop`, `connectivityCheck`;
//! * [`run_command`] — `POST …/virtualMachines/{vm}/runCommand` (`RunShellScript`), whose script
//!   is interpreted by [`shell`] with the network tools of [`tools`] answered from the model.
//!
//! The estate is loaded from the store and compiled in one place, [`compile`]: every record of
//! the types the engine reads, rendered in the ARM wire shape (derived state included), each id
//! once. Engine answers are data; the modules here only validate requests and shape responses.
//!
//! Architecture Invariant: no I/O here either; time and randomness do not leak into answers
//! (jitter and ids are derived from the request, so transcripts are stable).

use crate::cx::Rx;
use crate::error::{ArmError, ArmResult};
use crate::id::{key_of, ResourceId};
use crate::resources::{kind_for, virtual_machine};
use serde_json::Value;
use std::collections::HashSet;
use vnetlab_dataplane::{DataPlane, Estate, ModelError, QueryError};

pub mod effective;
pub mod run_command;
pub mod shell;
pub mod tools;
pub mod watcher;

/// Every record the engine reads, across the subscription, in the ARM wire shape (rendered:
/// peering states, back-references and a VM's instance view with its power state included),
/// each id once even when `record_types` names a type twice or in two casings.
pub fn estate_records(rx: &Rx) -> ArmResult<Vec<Value>> {
    let sub = rx.config.subscription_id.clone();
    let mut types_seen: HashSet<String> = HashSet::new();
    let mut ids_seen: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for t in Estate::record_types() {
        if !types_seen.insert(t.to_ascii_lowercase()) {
            continue;
        }
        for stored in rx.txn.list(t, &sub, None)? {
            let Some(raw_id) = stored.get("id").and_then(Value::as_str) else {
                continue;
            };
            if !ids_seen.insert(key_of(raw_id)) {
                continue;
            }
            let rendered = match (kind_for(t), ResourceId::parse(raw_id)) {
                (Some(_), Ok(id)) if t.eq_ignore_ascii_case(virtual_machine::VM_TYPE) => {
                    virtual_machine::render_with_instance_view(rx, &id, &stored)?
                }
                (Some(kind), Ok(id)) => kind.render(rx, &id, &stored)?,
                _ => stored,
            };
            out.push(rendered);
        }
    }
    Ok(out)
}

/// Loads the estate from the store and compiles it: the one way every diagnostic gets a
/// data plane.
pub fn compile(rx: &Rx) -> ArmResult<DataPlane> {
    let estate = Estate::from_records(estate_records(rx)?).map_err(model_error)?;
    Ok(DataPlane::compile(&estate))
}

/// The engine could not model the stored estate: an internal error, never the caller's.
pub fn model_error(e: ModelError) -> ArmError {
    ArmError::internal(format!(
        "vnetlab could not model the estate for the data plane: {}",
        e.0
    ))
}

/// The engine's refusal as an ARM error. `Invalid` becomes the caller-supplied 400 (each
/// operation words its own); `NotSupported` fails loudly.
pub fn query_error(e: QueryError, invalid: impl FnOnce(String) -> ArmError) -> ArmError {
    match e {
        QueryError::NotFound(what) => ArmError::new(404, "NotFound", format!("{what} not found.")),
        QueryError::Invalid(why) => invalid(why),
        QueryError::NotSupported(what) => ArmError::not_supported(what),
    }
}

/// The stored power state of a VM record (`running`, `stopped`, `deallocated`).
pub fn power_state(vm: &Value) -> &str {
    virtual_machine::power_state(vm)
}

/// [UNCONFIRMED code and text] The Network RP's refusal to diagnose a VM that is not running
/// (the requirement itself is documented: azure-semantics.md §4, §7.1).
pub fn vm_not_running(vm_id: &str, state: &str, operation: &str) -> ArmError {
    ArmError::bad_request(
        "VirtualMachineNotRunning",
        format!(
            "{operation} requires a running virtual machine; virtual machine '{vm_id}' is {state}."
        ),
    )
}

/// `InvalidRequestFormat` for a required property that is absent (JSON.NET's wording).
pub fn missing_property(path: &str) -> ArmError {
    ArmError::invalid_request_format("Cannot parse the request.").with_details(vec![
        ArmError::bad_request(
            "MissingJsonProperty",
            format!("Required property '{path}' not found in JSON. Path ''."),
        ),
    ])
}

/// A required string property of a request object.
pub fn required_str<'a>(
    body: &'a serde_json::Map<String, Value>,
    key: &str,
    path: &str,
) -> ArmResult<&'a str> {
    match body.get(key) {
        None | Some(Value::Null) => Err(missing_property(path)),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(crate::resources::type_error(path, "String")),
    }
}

/// An optional string property of a request object.
pub fn optional_str<'a>(
    body: &'a serde_json::Map<String, Value>,
    key: &str,
    path: &str,
) -> ArmResult<Option<&'a str>> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(crate::resources::type_error(path, "String")),
    }
}

/// The request body as an object (`{}` when absent).
pub fn body_object(body: &Value) -> ArmResult<serde_json::Map<String, Value>> {
    match body {
        Value::Null => Ok(serde_json::Map::new()),
        Value::Object(m) => Ok(m.clone()),
        _ => Err(ArmError::invalid_request_format(
            "The request content was invalid and could not be deserialized: the body must be a JSON object.",
        )),
    }
}

/// A small deterministic pseudo-random stream (SplitMix64) seeded from the question asked, so
/// jitter looks natural yet a transcript never changes between runs.
#[derive(Debug, Clone)]
pub struct Jitter(u64);

impl Jitter {
    pub fn new(seed: &str) -> Self {
        Jitter(crate::resources::stable_hash(seed))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// An integer in `[lo, hi]`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.next_u64() % (hi - lo + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_is_deterministic_and_in_range() {
        let mut a = Jitter::new("x");
        let mut b = Jitter::new("x");
        for _ in 0..100 {
            let (x, y) = (a.unit(), b.unit());
            assert_eq!(x, y);
            assert!((0.0..1.0).contains(&x));
            let r = a.range(3, 5);
            assert_eq!(r, b.range(3, 5));
            assert!((3..=5).contains(&r));
        }
        assert_ne!(Jitter::new("x").next_u64(), Jitter::new("y").next_u64());
    }

    #[test]
    fn query_errors_map_to_arm_errors() {
        let e = query_error(QueryError::NotSupported("packet walks".into()), |_| {
            ArmError::internal("unused")
        });
        assert_eq!(e.code, "NotSupportedByVnetlab");
        assert_eq!(e.message, "packet walks is not supported by vnetlab yet.");
        let e = query_error(QueryError::Invalid("bad".into()), |why| {
            ArmError::bad_request("InvalidThing", why)
        });
        assert_eq!(
            (e.status, e.code.as_str(), e.message.as_str()),
            (400, "InvalidThing", "bad")
        );
        let e = query_error(QueryError::NotFound("NIC x".into()), |_| {
            ArmError::internal("")
        });
        assert_eq!(e.status, 404);
    }

    #[test]
    fn missing_property_is_an_arm_request_format_error() {
        let e = missing_property("direction");
        assert_eq!(e.code, "InvalidRequestFormat");
        assert_eq!(e.details[0].code, "MissingJsonProperty");
        assert!(e.details[0].message.contains("'direction'"));
    }
}
