//! The transport-neutral request and response that every operation goes through. The CLI
//! builds these in-process; the HTTPS server (a later adapter) builds them from the wire.

use crate::error::ArmError;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Put,
    Patch,
    Post,
    Delete,
    Head,
}

impl Method {
    pub fn parse(s: &str) -> Option<Method> {
        Some(match s.to_ascii_uppercase().as_str() {
            "GET" => Method::Get,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "POST" => Method::Post,
            "DELETE" => Method::Delete,
            "HEAD" => Method::Head,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct ArmRequest {
    pub method: Method,
    /// The path, e.g. `/subscriptions/S/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v`.
    pub path: String,
    /// Query parameters other than `api-version` (which is accepted and ignored).
    pub query: Vec<(String, String)>,
    /// `If-Match` header value, if any.
    pub if_match: Option<String>,
    /// `If-None-Match` header value, if any.
    pub if_none_match: Option<String>,
    pub body: Option<Value>,
}

impl ArmRequest {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        ArmRequest {
            method,
            path: path.into(),
            query: Vec::new(),
            if_match: None,
            if_none_match: None,
            body: None,
        }
    }

    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::Get, path)
    }

    pub fn put(path: impl Into<String>, body: Value) -> Self {
        Self::new(Method::Put, path).with_body(body)
    }

    pub fn post(path: impl Into<String>, body: Value) -> Self {
        Self::new(Method::Post, path).with_body(body)
    }

    pub fn delete(path: impl Into<String>) -> Self {
        Self::new(Method::Delete, path)
    }

    pub fn with_body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    pub fn with_query(mut self, key: &str, value: &str) -> Self {
        self.query.push((key.to_string(), value.to_string()));
        self
    }

    pub fn query_value(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ArmResponse {
    pub status: u16,
    pub body: Option<Value>,
}

impl ArmResponse {
    pub fn ok(body: Value) -> Self {
        ArmResponse {
            status: 200,
            body: Some(body),
        }
    }

    pub fn created(body: Value) -> Self {
        ArmResponse {
            status: 201,
            body: Some(body),
        }
    }

    pub fn no_content() -> Self {
        ArmResponse {
            status: 204,
            body: None,
        }
    }

    pub fn error(err: &ArmError) -> Self {
        ArmResponse {
            status: err.status,
            body: Some(err.to_body()),
        }
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The error this response carries, if it is one.
    pub fn to_error(&self) -> Option<ArmError> {
        if self.is_success() {
            return None;
        }
        let err = self.body.as_ref().and_then(|b| b.get("error"));
        let field = |k: &str| {
            err.and_then(|e| e.get(k))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let mut e = ArmError::new(self.status, field("code"), field("message"));
        if let Some(details) = err.and_then(|e| e.get("details")).and_then(Value::as_array) {
            e.details = details
                .iter()
                .map(|d| {
                    let f = |k: &str| d.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                    ArmError::new(self.status, f("code"), f("message"))
                })
                .collect();
        }
        Some(e)
    }
}
