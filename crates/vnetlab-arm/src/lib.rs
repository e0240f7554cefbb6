//! The vnetlab control plane: Azure Resource Manager for Microsoft.Network (plus the
//! minimum of Microsoft.Resources and Microsoft.Compute the labs use).
//!
//! Ground state is a set of ARM records in a [`store::Store`]; every operation is a request
//! to [`router::Arm::handle`], which validates it with Azure's rules and error codes and
//! writes the records in one transaction. Derived state (peering sync levels, back-references,
//! remote address spaces) is computed when a record is rendered, never stored as truth.
//!
//! Architecture Invariant: no I/O, no HTTP, no SQL, no CLI here.

pub mod cx;
pub mod diagnostics;
pub mod error;
pub mod id;
mod read_cache;
pub mod request;
pub mod resources;
pub mod router;
pub mod store;

pub use cx::Config;
pub use error::{ArmError, ArmResult};
pub use id::ResourceId;
pub use request::{ArmRequest, ArmResponse, Method};
pub use router::{Arm, JsonAnswer};
pub use store::{MemStore, Store, Txn};
