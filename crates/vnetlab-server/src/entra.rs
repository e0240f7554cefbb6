//! The minimum of Entra ID (Azure AD) that clients need offline (real-clients.md §2, §4):
//! the tenant's OpenID configuration, the v2.0 (and v1) token endpoint for client
//! credentials, the managed-identity endpoints (App Service style `/msi/token` and IMDS style
//! `/metadata/identity/oauth2/token`), and the cloud metadata document `az cloud register`
//! reads without `--skip-endpoint-discovery`.
//!
//! Tokens are JWT-shaped (`header.claims.signature`) with `tid`, `oid`, `appid` and `exp`,
//! because the managed-identity path of az decodes `tid`; they are not signed — nothing
//! checks a signature, and the ARM side accepts any bearer token that has not expired.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

/// How long issued tokens live (AAD's default for app tokens).
pub const TOKEN_LIFETIME: i64 = 3599;

/// An Entra-side answer: status, body, and extra headers.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Answer {
    fn ok(body: Value) -> Self {
        Answer { status: 200, body }
    }

    /// AAD's OAuth error shape (not ARM's): `{"error", "error_description", "error_codes"}`.
    fn oauth_error(status: u16, error: &str, code: u32, description: &str) -> Self {
        Answer {
            status,
            body: json!({
                "error": error,
                "error_description": format!("AADSTS{code}: {description}"),
                "error_codes": [code],
            }),
        }
    }
}

/// What the server knows of its cloud.
#[derive(Debug, Clone)]
pub struct Cloud {
    /// `https://127.0.0.1:PORT` (no trailing slash).
    pub base: String,
    pub tenant_id: String,
}

/// A JWT-shaped access token.
pub fn mint_token(tenant: &str, app_id: &str, audience: &str, exp: i64) -> String {
    let oid = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, app_id.as_bytes()).to_string();
    let header = json!({ "typ": "JWT", "alg": "RS256", "kid": "vnetlab" });
    let claims = json!({
        "aud": audience,
        "iss": format!("https://sts.windows.net/{tenant}/"),
        "iat": exp - TOKEN_LIFETIME,
        "nbf": exp - TOKEN_LIFETIME,
        "exp": exp,
        "appid": app_id,
        "appidacr": "1",
        "idp": format!("https://sts.windows.net/{tenant}/"),
        "idtyp": "app",
        "oid": oid,
        "sub": oid,
        "tid": tenant,
        "ver": "1.0",
    });
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode("vnetlab-unsigned")
    )
}

/// The `exp` claim of a JWT-shaped token, if it is one.
pub fn token_expiry(token: &str) -> Option<i64> {
    let mut parts = token.split('.');
    let (_, claims, _) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || claims.len() > 16 * 1024 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(claims.trim_end_matches('=')).ok()?;
    serde_json::from_slice::<Value>(&bytes)
        .ok()?
        .get("exp")?
        .as_i64()
}

/// The audience a scope names: `https://management.core.windows.net//.default` →
/// `https://management.core.windows.net/` (az's scope has that double slash).
fn audience_of_scope(scope: &str) -> String {
    let first = scope.split_whitespace().next().unwrap_or("");
    first.strip_suffix("/.default").unwrap_or(first).to_string()
}

/// The tenant part of an authority path is ours, or a well-known alias.
fn tenant_known(cloud: &Cloud, tenant: &str) -> bool {
    tenant.eq_ignore_ascii_case(&cloud.tenant_id)
        || ["organizations", "common"]
            .iter()
            .any(|t| t.eq_ignore_ascii_case(tenant))
}

fn tenant_not_found(tenant: &str) -> Answer {
    Answer::oauth_error(
        400,
        "invalid_request",
        90002,
        &format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."),
    )
}

/// Answers an Entra or metadata request, or `None` when the path is not one of ours.
/// `path` is decoded; `query` and `form` are the decoded pairs; `header` looks a header up.
pub fn answer(
    cloud: &Cloud,
    method: &str,
    path: &str,
    query: &[(String, String)],
    form: &[(String, String)],
    header: &dyn Fn(&str) -> Option<String>,
    now: i64,
) -> Option<Answer> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let lower: Vec<String> = segs.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = lower.iter().map(String::as_str).collect();
    let get = method.eq_ignore_ascii_case("GET");
    let post = method.eq_ignore_ascii_case("POST");
    let param = |pairs: &[(String, String)], k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    match l.as_slice() {
        ["metadata", "endpoints"] if get => Some(Answer::ok(cloud_metadata(cloud))),
        ["msi", "token"] if get => Some(managed_identity(
            cloud,
            param(query, "resource"),
            header("x-identity-header").is_some(),
            true,
            now,
        )),
        ["metadata", "identity", "oauth2", "token"] if get => Some(managed_identity(
            cloud,
            param(query, "resource"),
            header("metadata").is_some_and(|v| v.eq_ignore_ascii_case("true")),
            false,
            now,
        )),
        [_, "v2.0", ".well-known", "openid-configuration"] if get => {
            Some(openid_configuration(cloud, segs[0], true))
        }
        [_, ".well-known", "openid-configuration"] if get => {
            Some(openid_configuration(cloud, segs[0], false))
        }
        [_, "discovery", "v2.0", "keys"] | [_, "discovery", "keys"] if get => {
            Some(Answer::ok(json!({ "keys": [] })))
        }
        [_, "oauth2", "v2.0", "token"] if post => Some(token(cloud, segs[0], form, true, now)),
        [_, "oauth2", "token"] if post => Some(token(cloud, segs[0], form, false, now)),
        _ => None,
    }
}

fn openid_configuration(cloud: &Cloud, tenant: &str, v2: bool) -> Answer {
    if !tenant_known(cloud, tenant) {
        return tenant_not_found(tenant);
    }
    let b = &cloud.base;
    let t = &cloud.tenant_id;
    let (oauth, issuer) = if v2 {
        (format!("{b}/{t}/oauth2/v2.0"), format!("{b}/{t}/v2.0"))
    } else {
        (format!("{b}/{t}/oauth2"), format!("{b}/{t}/"))
    };
    Answer::ok(json!({
        "token_endpoint": format!("{oauth}/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{b}/{t}/discovery/{}keys", if v2 { "v2.0/" } else { "" }),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": issuer,
        "request_uri_parameter_supported": false,
        "authorization_endpoint": format!("{oauth}/authorize"),
        "device_authorization_endpoint": format!("{oauth}/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{oauth}/logout"),
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "tid", "oid"],
        "tenant_region_scope": "NA",
        "cloud_instance_name": "vnetlab.local",
        "cloud_graph_host_name": "graph.vnetlab.local",
        "msgraph_host": "graph.vnetlab.local",
    }))
}

fn token(cloud: &Cloud, tenant: &str, form: &[(String, String)], v2: bool, now: i64) -> Answer {
    if !tenant_known(cloud, tenant) {
        return tenant_not_found(tenant);
    }
    let field = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    match field("grant_type") {
        Some("client_credentials") => {}
        Some(other) => {
            return Answer::oauth_error(
                400,
                "unsupported_grant_type",
                70003,
                &format!("The app requested an unsupported grant type '{other}'. vnetlab serve issues tokens for client credentials only (az login --service-principal, ClientSecretCredential)."),
            )
        }
        None => {
            return Answer::oauth_error(
                400,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'grant_type'.",
            )
        }
    }
    let Some(client_id) = field("client_id") else {
        return Answer::oauth_error(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    };
    if field("client_secret").is_none() && field("client_assertion").is_none() {
        return Answer::oauth_error(
            401,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        );
    }
    let audience = if v2 {
        field("scope").map(audience_of_scope)
    } else {
        field("resource").map(str::to_string)
    };
    let Some(audience) = audience else {
        let what = if v2 { "scope" } else { "resource" };
        return Answer::oauth_error(
            400,
            "invalid_request",
            900144,
            &format!("The request body must contain the following parameter: '{what}'."),
        );
    };
    let exp = now + TOKEN_LIFETIME;
    let access_token = mint_token(&cloud.tenant_id, client_id, &audience, exp);
    let mut body = json!({
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME,
        "ext_expires_in": TOKEN_LIFETIME,
        "access_token": access_token,
    });
    if !v2 {
        body["expires_on"] = json!(exp.to_string());
        body["resource"] = json!(audience);
    }
    Answer::ok(body)
}

/// The managed-identity endpoints. App Service style requires `X-IDENTITY-HEADER`, IMDS
/// style `Metadata: true`; both need `resource`.
fn managed_identity(
    cloud: &Cloud,
    resource: Option<String>,
    header_ok: bool,
    app_service: bool,
    now: i64,
) -> Answer {
    if !header_ok {
        let (status, message) = if app_service {
            (401, "The X-IDENTITY-HEADER header is required.")
        } else {
            (400, "Required metadata header not specified")
        };
        return Answer {
            status,
            body: json!({ "error": "invalid_request", "error_description": message }),
        };
    }
    let Some(resource) = resource.filter(|r| !r.is_empty()) else {
        return Answer {
            status: 400,
            body: json!({ "error": "invalid_request", "error_description": "Required query variable 'resource' is missing" }),
        };
    };
    let client_id = "00000000-0000-0000-0000-00000000001d";
    let exp = now + TOKEN_LIFETIME;
    Answer::ok(json!({
        "access_token": mint_token(&cloud.tenant_id, client_id, &resource, exp),
        "client_id": client_id,
        "expires_in": TOKEN_LIFETIME.to_string(),
        "expires_on": exp.to_string(),
        "ext_expires_in": TOKEN_LIFETIME.to_string(),
        "not_before": (exp - TOKEN_LIFETIME).to_string(),
        "resource": resource,
        "token_type": "Bearer",
    }))
}

/// `GET /metadata/endpoints`: the fields az's `_arm_to_cli_mapper` reads.
fn cloud_metadata(cloud: &Cloud) -> Value {
    let b = &cloud.base;
    json!({
        "name": "vnetlab",
        "portal": b,
        "resourceManager": format!("{b}/"),
        "authentication": {
            "loginEndpoint": b,
            "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
            "tenant": "common",
            "identityProvider": "AAD",
        },
        "suffixes": {},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cloud() -> Cloud {
        Cloud {
            base: "https://127.0.0.1:1".into(),
            tenant_id: "tid".into(),
        }
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    fn no_header(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn client_credentials_token_carries_the_claims() {
        let form = pairs(&[
            ("grant_type", "client_credentials"),
            ("client_id", "app-1"),
            ("client_secret", "x"),
            ("scope", "https://management.core.windows.net//.default"),
        ]);
        let a = answer(
            &cloud(),
            "POST",
            "/tid/oauth2/v2.0/token",
            &[],
            &form,
            &no_header,
            1000,
        )
        .unwrap();
        assert_eq!(a.status, 200);
        let token = a.body["access_token"].as_str().unwrap();
        assert_eq!(token_expiry(token), Some(1000 + TOKEN_LIFETIME));
        let claims: Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(token.split('.').nth(1).unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(claims["tid"], "tid");
        assert_eq!(claims["appid"], "app-1");
        assert_eq!(claims["aud"], "https://management.core.windows.net/");
        assert!(claims["oid"].as_str().is_some_and(|o| o.len() == 36));
    }

    #[test]
    fn token_errors_are_aad_shaped() {
        let call = |form: &[(&str, &str)], path: &str| {
            answer(&cloud(), "POST", path, &[], &pairs(form), &no_header, 0).unwrap()
        };
        let a = call(&[("grant_type", "password")], "/tid/oauth2/v2.0/token");
        assert_eq!(
            (a.status, a.body["error"].as_str()),
            (400, Some("unsupported_grant_type"))
        );
        let a = call(
            &[("grant_type", "client_credentials")],
            "/tid/oauth2/v2.0/token",
        );
        assert!(a.body["error_description"]
            .as_str()
            .unwrap()
            .contains("'client_id'"));
        let a = call(
            &[("grant_type", "client_credentials")],
            "/other/oauth2/v2.0/token",
        );
        assert!(a.body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS90002"));
    }

    #[test]
    fn discovery_and_identity_endpoints() {
        let a = answer(
            &cloud(),
            "GET",
            "/TID/v2.0/.well-known/openid-configuration",
            &[],
            &[],
            &no_header,
            0,
        )
        .unwrap();
        assert_eq!(
            a.body["token_endpoint"],
            "https://127.0.0.1:1/tid/oauth2/v2.0/token"
        );
        let q = pairs(&[("resource", "https://management.azure.com")]);
        let a = answer(&cloud(), "GET", "/msi/token", &q, &[], &no_header, 0).unwrap();
        assert_eq!(a.status, 401);
        let with = |n: &str| (n == "x-identity-header").then(|| "h".to_string());
        let a = answer(&cloud(), "GET", "/msi/token", &q, &[], &with, 0).unwrap();
        assert_eq!(a.status, 200);
        assert_eq!(a.body["expires_on"], TOKEN_LIFETIME.to_string());
        assert!(answer(
            &cloud(),
            "GET",
            "/subscriptions/x/resourceGroups",
            &[],
            &[],
            &no_header,
            0
        )
        .is_none());
        let m = answer(
            &cloud(),
            "GET",
            "/metadata/endpoints",
            &[],
            &[],
            &no_header,
            0,
        )
        .unwrap();
        assert_eq!(
            m.body["authentication"]["loginEndpoint"],
            "https://127.0.0.1:1"
        );
    }
}
