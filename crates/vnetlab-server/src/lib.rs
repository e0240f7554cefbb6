//! The HTTPS adapter of vnetlab: `vnetlab serve` and the client side of the same wire.
//!
//! The server turns each HTTPS request into an [`vnetlab_arm::ArmRequest`], runs it through
//! [`vnetlab_arm::Arm::handle`] — the same router `vnetlab az` uses in-process — and turns
//! the [`vnetlab_arm::ArmResponse`] back into HTTP. Around that it adds only what a wire needs:
//! TLS ([`tls`]), bearer-token checks and the Entra ID endpoints clients log in with
//! ([`entra`]), long-running-operation answers ([`lro`]), and absolute `nextLink`s.
//! [`remote`] is the client: the transport of `vnetlab az` in remote mode, and of the load
//! benchmark ([`loadgen`]).
//!
//! Architecture Invariant: no Azure rule lives here. What a resource accepts, refuses or
//! derives is decided by `vnetlab-arm`; this crate only moves requests and answers.

pub mod adapter;
pub mod backend;
pub mod connect;
pub mod entra;
pub mod loadgen;
pub mod lro;
pub mod remote;
pub mod server;
pub mod tls;

pub use backend::{Backend, Pool, Trivial};
pub use lro::LroMode;
pub use server::{ServeOptions, Server};

use serde_json::Value;
use vnetlab_arm::ArmResponse;

/// The default port of `vnetlab serve` (the one real-clients.md's recipe uses).
pub const DEFAULT_PORT: u16 = 18443;

/// An HTTP answer before serialisation: status, JSON body, extra headers.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: Option<Value>,
    pub headers: Vec<(&'static str, String)>,
    /// The body already encoded as JSON (`body` is then `None`): a GET answered from the
    /// router's read cache ([`vnetlab_arm::Arm::handle_json`]).
    pub encoded: Option<hyper::body::Bytes>,
}

impl Reply {
    pub fn arm(resp: ArmResponse) -> Self {
        Reply {
            status: resp.status,
            body: resp.body,
            headers: Vec::new(),
            encoded: None,
        }
    }
}
