//! The wire ↔ [`ArmRequest`]/[`ArmResponse`] translation. No Azure rule lives here: only what
//! ARM's front door does before a resource provider sees a request (decode the path, require
//! an `api-version`, parse the JSON body) and after (absolute `nextLink`s).
//!
//! Every refusal is an ARM error body with a 4xx status, and a refused request never reaches
//! the router, so it changes nothing.

use percent_encoding::percent_decode_str;
use serde_json::Value;
use vnetlab_arm::{ArmError, ArmRequest, ArmResponse, Method};

/// The largest request body accepted. ARM refuses request content over 4 MB.
pub const MAX_BODY: usize = 4 * 1024 * 1024;
/// The longest request target (path and query) accepted.
pub const MAX_TARGET: usize = 8 * 1024;

/// A request translated for the router, with the `api-version` it was sent with (echoed in
/// the absolute URLs the server hands out: `nextLink`, operation URLs).
#[derive(Debug, Clone)]
pub struct Translated {
    pub request: ArmRequest,
    pub api_version: String,
}

/// Decodes a raw path (as on the request line) into the router's path. Each segment is
/// percent-decoded on its own, and a segment that decodes to something that could change the
/// shape of the path (`/`, `\`, `?`, `#`, a dot segment, a control character) is refused:
/// otherwise `rg%3F/x` would be routed as the group `rg`.
pub fn decode_path(raw: &str) -> Result<String, ArmError> {
    if raw.len() > MAX_TARGET {
        return Err(invalid_path("The request path is too long."));
    }
    if !raw.starts_with('/') {
        return Err(invalid_path("The request path must start with '/'."));
    }
    let mut out = String::with_capacity(raw.len());
    for seg in raw.split('/').skip(1) {
        let decoded = percent_decode_str(seg)
            .decode_utf8()
            .map_err(|_| invalid_path("The request path is not valid UTF-8 once decoded."))?;
        if decoded == "." || decoded == ".." {
            return Err(invalid_path(
                "The request path must not contain '.' or '..' segments.",
            ));
        }
        if decoded
            .chars()
            .any(|c| matches!(c, '/' | '\\' | '?' | '#') || c.is_control())
        {
            return Err(invalid_path(&format!(
                "The request path segment '{}' contains a character that is not allowed.",
                decoded.escape_debug()
            )));
        }
        out.push('/');
        out.push_str(&decoded);
    }
    Ok(out)
}

fn invalid_path(why: &str) -> ArmError {
    ArmError::bad_request("InvalidPath", why)
}

/// Splits a query string into pairs, taking `api-version` out. ARM requires an
/// `api-version` on every request; any well-formed one is accepted because clients send many
/// (az 2.91 sends 2022-01-01 … 2025-07-01, the SDK 2026-03-01) and the router is
/// version-independent.
pub fn split_query(raw: Option<&str>) -> Result<(String, Vec<(String, String)>), ArmError> {
    let mut api_version = None;
    let mut rest = Vec::new();
    for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        if k.eq_ignore_ascii_case("api-version") {
            if api_version.is_none() {
                api_version = Some(v.into_owned());
            }
        } else {
            rest.push((k.into_owned(), v.into_owned()));
        }
    }
    let Some(v) = api_version else {
        return Err(ArmError::bad_request(
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        ));
    };
    if !is_api_version(&v) {
        return Err(ArmError::bad_request(
            "InvalidApiVersionParameter",
            format!("The api-version '{}' is invalid. The supported versions are dates of the form 'yyyy-mm-dd', optionally followed by '-preview'.", v.escape_debug()),
        ));
    }
    Ok((v, rest))
}

/// `yyyy-mm-dd` with an optional `-suffix` of letters (`-preview`, `-beta`).
fn is_api_version(v: &str) -> bool {
    let (date, suffix) = match v.get(10..) {
        Some("") => (v, ""),
        Some(s) if s.starts_with('-') => (&v[..10], &s[1..]),
        _ => return false,
    };
    let b = date.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && (v.len() == 10 || (1..=20).contains(&suffix.len()))
        && suffix.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The JSON body of a request. Empty means none; anything else must parse.
pub fn parse_body(method: Method, bytes: &[u8]) -> Result<Option<Value>, ArmError> {
    if !matches!(method, Method::Put | Method::Patch | Method::Post) {
        return Ok(None);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(bytes).map(Some).map_err(|e| {
        ArmError::bad_request(
            "InvalidRequestContent",
            format!("The request content was invalid and could not be deserialized: '{e}'."),
        )
    })
}

/// The whole translation of one request.
pub fn translate(
    method: &str,
    raw_path: &str,
    raw_query: Option<&str>,
    if_match: Option<&str>,
    if_none_match: Option<&str>,
    body: &[u8],
) -> Result<Translated, ArmError> {
    let method = Method::parse(method).ok_or_else(|| {
        ArmError::new(
            405,
            "MethodNotAllowed",
            format!(
                "The requested resource does not support http method '{}'.",
                method.escape_debug()
            ),
        )
    })?;
    let path = decode_path(raw_path)?;
    if raw_query.is_some_and(|q| q.len() > MAX_TARGET) {
        return Err(ArmError::bad_request(
            "InvalidQueryString",
            "The query string is too long.",
        ));
    }
    let (api_version, query) = split_query(raw_query)?;
    let body = parse_body(method, body)?;
    Ok(Translated {
        request: ArmRequest {
            method,
            path,
            query,
            if_match: if_match.map(str::to_string),
            if_none_match: if_none_match.map(str::to_string),
            body,
        },
        api_version,
    })
}

/// Makes a router-relative `nextLink` (`/subscriptions/…?$skiptoken=…`) absolute on this
/// server, carrying the request's api-version: clients follow it verbatim.
pub fn absolutize_next_link(resp: &mut ArmResponse, base: &str, api_version: &str) {
    let Some(Value::Object(body)) = resp.body.as_mut() else {
        return;
    };
    let Some(Value::String(link)) = body.get_mut("nextLink") else {
        return;
    };
    if link.starts_with('/') {
        let sep = if link.contains('?') { '&' } else { '?' };
        *link = format!("{base}{link}{sep}api-version={api_version}");
    }
}

/// ARM's 401 for a request without a usable bearer token.
pub fn unauthorized(code: &str, message: &str) -> ArmResponse {
    ArmResponse::error(&ArmError::new(401, code, message))
}

/// Checks the `Authorization` header. Any bearer token is accepted (the SDK recipe in
/// real-clients.md §2.1 sends `fake-token`), except a JWT-shaped one whose `exp` has passed:
/// ARM refuses those, and the refusal is what makes MSAL fetch a new token.
pub fn check_bearer(header: Option<&str>, now: i64) -> Result<(), ArmResponse> {
    let Some(h) = header else {
        return Err(unauthorized(
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
        ));
    };
    let token = match h.split_once(' ') {
        Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") && !t.trim().is_empty() => {
            t.trim()
        }
        _ => return Err(unauthorized(
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is provided in an invalid format.",
        )),
    };
    if let Some(exp) = crate::entra::token_expiry(token) {
        if exp < now {
            return Err(unauthorized(
                "ExpiredAuthenticationToken",
                &format!("The access token expiry UTC time '{exp}' (Unix seconds) is earlier than current UTC time '{now}'."),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_decode_per_segment_and_refuse_tricks() {
        assert_eq!(
            decode_path("/subscriptions/s/resourcegroups/my%2Drg").unwrap(),
            "/subscriptions/s/resourcegroups/my-rg"
        );
        assert_eq!(decode_path("/a//b").unwrap(), "/a//b");
        for bad in [
            "/subscriptions/s/resourceGroups/rg%3F/x",
            "/subscriptions/s/resourceGroups/rg%2Fproviders",
            "/subscriptions/s/resourceGroups/..",
            "/subscriptions/s/resourceGroups/%2e%2E",
            "/subscriptions/s/resourceGroups/a%00b",
            "/subscriptions/s/resourceGroups/a%5Cb",
            "/subscriptions/s/resourceGroups/%ff",
            "relative",
        ] {
            let e = decode_path(bad).unwrap_err();
            assert_eq!((e.status, e.code.as_str()), (400, "InvalidPath"), "{bad}");
        }
    }

    #[test]
    fn api_version_is_required_and_well_formed() {
        let (v, rest) = split_query(Some("api-version=2025-07-01&%24top=5")).unwrap();
        assert_eq!(v, "2025-07-01");
        assert_eq!(rest, vec![("$top".to_string(), "5".to_string())]);
        assert!(split_query(Some("API-VERSION=2024-03-01-preview")).is_ok());
        assert_eq!(
            split_query(None).unwrap_err().code,
            "MissingApiVersionParameter"
        );
        for bad in [
            "x",
            "2025-7-01",
            "2025-07-01x",
            "2025-07-01-",
            "2025-07-01-pré",
        ] {
            let e = split_query(Some(&format!("api-version={bad}"))).unwrap_err();
            assert_eq!(e.code, "InvalidApiVersionParameter", "{bad}");
        }
    }

    #[test]
    fn bodies_parse_or_fail_as_arm_does() {
        assert_eq!(parse_body(Method::Put, b"  ").unwrap(), None);
        assert_eq!(parse_body(Method::Get, b"{oops").unwrap(), None);
        assert_eq!(
            parse_body(Method::Put, br#"{"a":1}"#).unwrap(),
            Some(json!({"a": 1}))
        );
        let e = parse_body(Method::Put, b"{oops").unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (400, "InvalidRequestContent"));
        let deep = "[".repeat(10_000);
        assert_eq!(
            parse_body(Method::Post, deep.as_bytes())
                .unwrap_err()
                .status,
            400
        );
    }

    #[test]
    fn next_links_become_absolute_with_the_api_version() {
        let mut r = ArmResponse::ok(
            json!({"value": [], "nextLink": "/subscriptions/s/resourcegroups?$skiptoken=2"}),
        );
        absolutize_next_link(&mut r, "https://127.0.0.1:1", "2024-11-01");
        assert_eq!(
            r.body.unwrap()["nextLink"],
            "https://127.0.0.1:1/subscriptions/s/resourcegroups?$skiptoken=2&api-version=2024-11-01"
        );
    }

    #[test]
    fn bearer_tokens() {
        assert_eq!(check_bearer(None, 0).unwrap_err().status, 401);
        assert_eq!(check_bearer(Some("Basic abc"), 0).unwrap_err().status, 401);
        assert_eq!(check_bearer(Some("Bearer "), 0).unwrap_err().status, 401);
        assert!(check_bearer(Some("Bearer fake-token"), 0).is_ok());
        let token = crate::entra::mint_token("t", "app", "https://management.azure.com/", 100);
        assert!(check_bearer(Some(&format!("Bearer {token}")), 50).is_ok());
        let e = check_bearer(Some(&format!("bearer {token}")), 200).unwrap_err();
        assert_eq!(e.to_error().unwrap().code, "ExpiredAuthenticationToken");
    }
}
