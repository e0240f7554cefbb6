//! ARM's error body (`CloudError`): `{"error": {"code", "message", "details"?, "target"?}}` with
//! an HTTP status. Codes and message templates are Azure's own (azure-semantics.md §3); the
//! constructors here are the one place each template is written.

use serde_json::{json, Value};
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub struct ArmError {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub details: Vec<ArmError>,
}

pub type ArmResult<T> = Result<T, ArmError>;

impl ArmError {
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        ArmError {
            status,
            code: code.into(),
            message: message.into(),
            details: Vec::new(),
        }
    }

    pub fn bad_request(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(400, code, message)
    }

    pub fn conflict(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(409, code, message)
    }

    pub fn resource_group_not_found(rg: &str) -> Self {
        Self::new(
            404,
            "ResourceGroupNotFound",
            format!("Resource group '{rg}' could not be found."),
        )
    }

    /// ARM's 404 for a tracked (top-level) resource.
    pub fn resource_not_found(type_name: &str, name: &str, rg: &str) -> Self {
        Self::new(
            404,
            "ResourceNotFound",
            format!("The Resource '{type_name}/{name}' under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"),
        )
    }

    /// Network RP's 404 for a child resource (subnet, peering, rule, route, ipconfig).
    /// [UNCONFIRMED exact text; azure-semantics.md §13.4] — the shape seen from the Network RP.
    pub fn child_not_found(id: &str) -> Self {
        Self::new(404, "NotFound", format!("Resource {id} not found."))
    }

    pub fn invalid_request_format(message: impl Into<String>) -> Self {
        Self::bad_request("InvalidRequestFormat", message)
    }

    /// Behaviour Azure has that vnetlab does not emulate yet: fail loudly, never succeed silently.
    pub fn not_supported(what: impl AsRef<str>) -> Self {
        Self::bad_request(
            "NotSupportedByVnetlab",
            format!("{} is not supported by vnetlab yet.", what.as_ref()),
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "InternalServerError", message)
    }

    pub fn with_details(mut self, details: Vec<ArmError>) -> Self {
        self.details = details;
        self
    }

    /// The wire body.
    pub fn to_body(&self) -> Value {
        let mut inner = json!({ "code": self.code, "message": self.message });
        if !self.details.is_empty() {
            inner["details"] = Value::Array(
                self.details
                    .iter()
                    .map(|d| d.to_body()["error"].clone())
                    .collect(),
            );
        }
        json!({ "error": inner })
    }
}

impl fmt::Display for ArmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({}) {}", self.code, self.message)
    }
}

impl std::error::Error for ArmError {}
