//! `vnetlab serve` on the wire: authentication, the Entra endpoints, ARM answers and their
//! headers, etags, paging, both long-running-operation styles, and the remote transport.

mod support;

use serde_json::{json, Value};
use support::*;
use vnetlab_arm::ArmRequest;
use vnetlab_server::LroMode;

fn vnet_body(prefix: &str) -> Value {
    json!({"location": "eastus", "properties": {"addressSpace": {"addressPrefixes": [prefix]}}})
}

#[test]
fn requests_without_a_bearer_token_get_arms_401() {
    let lab = lab(LroMode::Sync, None);
    let mut c = lab.client();
    let r = c.send("GET", "/subscriptions?api-version=2022-12-01", &[], None);
    assert_eq!(r.status, 401);
    assert_eq!(r.error_code(), "AuthenticationFailed");
    assert!(r
        .header("www-authenticate")
        .is_some_and(|h| h.starts_with("Bearer authorization_uri=")));
    let r = c.send(
        "GET",
        "/subscriptions?api-version=2022-12-01",
        &[("authorization", "Basic eDp5")],
        None,
    );
    assert_eq!(r.status, 401);
    // An expired JWT-shaped token is refused as ARM does, so MSAL fetches a new one.
    let expired =
        vnetlab_server::entra::mint_token(TENANT, "app", "https://management.azure.com/", 1000);
    let auth = format!("Bearer {expired}");
    let r = c.send(
        "GET",
        "/subscriptions?api-version=2022-12-01",
        &[("authorization", &auth)],
        None,
    );
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (401, "ExpiredAuthenticationToken")
    );
    let r = c.send(
        "GET",
        "/subscriptions?api-version=2022-12-01",
        &[AUTH],
        None,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.body["value"][0]["subscriptionId"], SUB);
    assert_eq!(r.body["value"][0]["tenantId"], TENANT);
}

#[test]
fn entra_login_endpoints_answer_without_a_token() {
    let lab = lab(LroMode::Sync, None);
    let mut c = lab.client();
    let r = c.send(
        "GET",
        &format!("/{TENANT}/v2.0/.well-known/openid-configuration"),
        &[],
        None,
    );
    assert_eq!(r.status, 200);
    let token_endpoint = r.body["token_endpoint"].as_str().unwrap();
    assert_eq!(
        token_endpoint,
        format!("{}/{TENANT}/oauth2/v2.0/token", lab.base)
    );
    let form = "grant_type=client_credentials&client_id=11111111-1111-1111-1111-111111111111&client_secret=x&scope=https%3A%2F%2Fmanagement.core.windows.net%2F%2F.default";
    let r = c.send(
        "POST",
        &format!("/{TENANT}/oauth2/v2.0/token"),
        &[("content-type", "application/x-www-form-urlencoded")],
        Some(form.as_bytes()),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["token_type"], "Bearer");
    let token = r.body["access_token"].as_str().unwrap();
    assert_eq!(token.split('.').count(), 3);
    // The token it issued opens ARM.
    let auth = format!("Bearer {token}");
    let r = c.send(
        "GET",
        "/subscriptions?api-version=2022-12-01",
        &[("authorization", &auth)],
        None,
    );
    assert_eq!(r.status, 200);
    let r = c.send(
        "GET",
        "/msi/token?api-version=2019-08-01&resource=https://management.azure.com",
        &[("x-identity-header", "h")],
        None,
    );
    assert_eq!(r.status, 200);
    assert!(r.body["expires_on"].as_str().is_some());
    let r = c.send(
        "GET",
        "/metadata/endpoints?api-version=2022-09-01",
        &[],
        None,
    );
    assert_eq!(r.body["resourceManager"], format!("{}/", lab.base));
}

#[test]
fn arm_answers_statuses_headers_and_canonical_ids() {
    let lab = lab(LroMode::Sync, None);
    let mut c = lab.client();
    // The resource SDK and az send `resourcegroups`; paths are case-insensitive.
    let r = c.arm(
        "PUT",
        &format!("/subscriptions/{SUB}/resourcegroups/rg"),
        Some(json!({"location": "eastus"})),
    );
    assert_eq!(r.status, 201);
    assert_eq!(r.body["id"], rg_path("rg"));
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    assert!(r.header("x-ms-request-id").is_some());
    let r = c.arm(
        "PUT",
        &format!("/subscriptions/{SUB}/resourcegroups/rg"),
        Some(json!({"location": "eastus"})),
    );
    assert_eq!(r.status, 200);
    let lower = format!(
        "/SUBSCRIPTIONS/{SUB}/resourcegroups/rg/providers/microsoft.network/VIRTUALNETWORKS/v1"
    );
    let r = c.arm("PUT", &lower, Some(vnet_body("10.1.0.0/16")));
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["id"], net("rg", "virtualNetworks/v1"));
    assert_eq!(r.body["properties"]["provisioningState"], "Succeeded");
    // Read-only fields in a PUT body (a GET-then-PUT update) are ignored.
    let mut got = c.arm("GET", &net("rg", "virtualNetworks/v1"), None).body;
    got["properties"]["resourceGuid"] = json!("not-a-guid");
    got["properties"]["provisioningState"] = json!("Failed");
    let r = c.arm("PUT", &net("rg", "virtualNetworks/v1"), Some(got));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["properties"]["provisioningState"], "Succeeded");
    assert_ne!(r.body["properties"]["resourceGuid"], "not-a-guid");
    // HEAD on a group: 204 / 404, no body.
    let r = c.arm("HEAD", &rg_path("rg"), None);
    assert_eq!((r.status, r.raw.len()), (204, 0));
    assert_eq!(c.arm("HEAD", &rg_path("nope"), None).status, 404);
    // Errors: ARM's shape and status.
    let r = c.arm("GET", &net("rg", "virtualNetworks/none"), None);
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (404, "ResourceNotFound")
    );
    let r = c.arm("GET", &net("nope", "virtualNetworks/v1"), None);
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (404, "ResourceGroupNotFound")
    );
    // Any well-formed api-version is accepted.
    for v in ["2015-06-15", "2099-01-01-preview"] {
        let r = c.send(
            "GET",
            &format!("{}?api-version={v}", rg_path("rg")),
            &[AUTH],
            None,
        );
        assert_eq!(r.status, 200, "{v}");
    }
    let r = c.arm("DELETE", &net("rg", "virtualNetworks/v1"), None);
    assert_eq!((r.status, r.raw.len()), (200, 0));
    assert_eq!(
        c.arm("DELETE", &net("rg", "virtualNetworks/v1"), None)
            .status,
        204
    );
}

#[test]
fn etags_are_honoured_with_412() {
    let lab = lab(LroMode::Sync, None);
    let mut c = lab.client();
    c.arm("PUT", &rg_path("rg"), Some(json!({"location": "eastus"})));
    let path = net("rg", "networkSecurityGroups/nsg");
    let created = c.arm("PUT", &path, Some(json!({"location": "eastus"})));
    let etag = created.body["etag"].as_str().unwrap().to_string();
    let none_match = [AUTH, ("if-none-match", "*")];
    let target = format!("{path}?api-version=2022-01-01");
    let body = br#"{"location": "eastus"}"#;
    let r = c.send("PUT", &target, &none_match, Some(body));
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (412, "PreconditionFailed")
    );
    let r = c.send(
        "PUT",
        &target,
        &[AUTH, ("if-match", "W/\"stale\"")],
        Some(body),
    );
    assert_eq!(r.status, 412);
    let r = c.send("PUT", &target, &[AUTH, ("if-match", &etag)], Some(body));
    assert_eq!(r.status, 200);
    assert_ne!(
        r.body["etag"].as_str().unwrap(),
        etag,
        "a change gives a new etag"
    );
    let r = c.send("DELETE", &target, &[AUTH, ("if-match", &etag)], None);
    assert_eq!(r.status, 412, "the old etag no longer matches");
    assert_eq!(c.arm("GET", &path, None).status, 200);
}

#[test]
fn lists_page_with_absolute_next_links() {
    let lab = lab(LroMode::Sync, Some(2));
    let mut c = lab.client();
    c.arm("PUT", &rg_path("rg"), Some(json!({"location": "eastus"})));
    for i in 0..5 {
        let r = c.arm(
            "PUT",
            &net("rg", &format!("virtualNetworks/v{i}")),
            Some(vnet_body(&format!("10.{i}.0.0/16"))),
        );
        assert_eq!(r.status, 201);
    }
    let mut names = Vec::new();
    let mut target = format!("{}?api-version=2026-03-01", net("rg", "virtualNetworks"));
    let mut pages = 0;
    loop {
        let r = c.send("GET", &target, &[AUTH], None);
        assert_eq!(r.status, 200);
        pages += 1;
        names.extend(
            r.body["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["name"].as_str().unwrap().to_string()),
        );
        let Some(link) = r.body.get("nextLink").and_then(Value::as_str) else {
            break;
        };
        assert!(link.starts_with(&lab.base), "{link}");
        assert!(link.contains("api-version=2026-03-01"), "{link}");
        target = link[lab.base.len()..].to_string();
    }
    assert_eq!(
        (pages, names),
        (
            3,
            vec!["v0", "v1", "v2", "v3", "v4"]
                .into_iter()
                .map(String::from)
                .collect::<Vec<_>>()
        )
    );
    // The remote transport (vnetlab az's) sees the same items through az's pager.
    let remote = lab.remote();
    let r = remote.send(&ArmRequest::get(net("rg", "virtualNetworks")));
    assert_eq!(r.body.unwrap()["value"].as_array().unwrap().len(), 2);
}

#[test]
fn async_operations_look_like_azure_and_the_remote_transport_follows_them() {
    let lab = lab(
        LroMode::Async {
            in_progress_polls: 1,
        },
        None,
    );
    let mut c = lab.client();
    // Resource groups are synchronous in ARM.
    let r = c.arm("PUT", &rg_path("rg"), Some(json!({"location": "eastus"})));
    assert_eq!(r.status, 201);
    assert!(r.header("azure-asyncoperation").is_none());
    let r = c.arm(
        "PUT",
        &net("rg", "virtualNetworks/v1"),
        Some(vnet_body("10.1.0.0/16")),
    );
    assert_eq!(r.status, 201);
    assert_eq!(r.body["properties"]["provisioningState"], "Updating");
    assert_eq!(r.header("retry-after"), Some("1"));
    let op = r.header("azure-asyncoperation").unwrap().to_string();
    assert!(
        op.starts_with(&format!(
            "{}/subscriptions/{SUB}/providers/Microsoft.Network/locations/eastus/operations/",
            lab.base
        )),
        "{op}"
    );
    let poll = |c: &mut Client, url: &str| c.send("GET", &url[lab.base.len()..], &[AUTH], None);
    assert_eq!(poll(&mut c, &op).body["status"], "InProgress");
    assert_eq!(poll(&mut c, &op).body["status"], "Succeeded");
    let r = c.arm("DELETE", &net("rg", "virtualNetworks/v1"), None);
    assert_eq!(r.status, 202);
    let loc = r.header("location").unwrap().to_string();
    assert_eq!(poll(&mut c, &loc).status, 202);
    assert_eq!(poll(&mut c, &loc).status, 204);
    // The remote transport waits the operation out and answers as the in-process router.
    let remote = lab.remote();
    let started = std::time::Instant::now();
    let r = remote.send(&ArmRequest::put(
        net("rg", "virtualNetworks/v2"),
        vnet_body("10.2.0.0/16"),
    ));
    assert_eq!(r.status, 201);
    assert_eq!(
        r.body.unwrap()["properties"]["provisioningState"],
        "Succeeded"
    );
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(900),
        "Retry-After: 1 was honoured"
    );
    let r = remote.send(&ArmRequest::delete(net("rg", "virtualNetworks/v2")));
    assert_eq!((r.status, r.body), (200, None));
    let r = remote.send(&ArmRequest::delete(rg_path("rg")));
    assert_eq!(r.status, 200);
    assert_eq!(c.arm("HEAD", &rg_path("rg"), None).status, 404);
}

#[test]
fn concurrent_writers_all_succeed() {
    let lab = lab(LroMode::Sync, None);
    lab.client()
        .arm("PUT", &rg_path("rg"), Some(json!({"location": "eastus"})));
    std::thread::scope(|s| {
        for t in 0..6 {
            let lab = &lab;
            s.spawn(move || {
                let mut c = lab.client();
                for i in 0..15 {
                    let r = c.arm(
                        "PUT",
                        &net("rg", &format!("virtualNetworks/t{t}-{i}")),
                        Some(vnet_body(&format!("10.{t}.{i}.0/24"))),
                    );
                    assert_eq!(r.status, 201, "{}", r.body);
                }
            });
        }
    });
    let r = lab.client().arm("GET", &net("rg", "virtualNetworks"), None);
    assert_eq!(r.body["value"].as_array().unwrap().len(), 90);
}

/// A certificate of the user's own — here real-clients.md's `openssl req` recipe: RSA, and a
/// CA certificate served as the leaf, which webpki alone refuses — is served, and the remote
/// transport trusts it by pinning.
#[test]
fn a_users_own_openssl_certificate_is_served_and_trusted() {
    let dir = std::env::temp_dir().join(format!("vnetlab-usercert-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
        ])
        .args(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
        .args(["-addext", "basicConstraints=critical,CA:TRUE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output();
    if !made.as_ref().is_ok_and(|o| o.status.success()) {
        eprintln!("SKIPPED: no openssl binary to make a certificate with");
        return;
    }
    let db = dir.join("state.db");
    let pool = vnetlab_server::Pool::new(vnetlab_arm::Config::default(), move || {
        vnetlab_store::SqliteStore::open(&db).map_err(|e| e.to_string())
    })
    .unwrap();
    let opts = vnetlab_server::ServeOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        tls: vnetlab_server::tls::server_config(&cert, &key).unwrap(),
        lro: LroMode::Sync,
        backend_concurrency: 2,
        log_requests: false,
    };
    let server = vnetlab_server::server::spawn(opts, std::sync::Arc::new(pool)).unwrap();
    let base = format!("https://{}", server.addr);
    let remote = vnetlab_server::remote::RemoteArm::connect(&base, std::slice::from_ref(&cert))
        .expect("the pinned user certificate is trusted");
    assert_eq!(remote.subscription().id, SUB);
    // Trusting some other certificate instead fails the handshake.
    let other = lab(LroMode::Sync, None);
    let refused =
        vnetlab_server::remote::RemoteArm::connect(&base, std::slice::from_ref(&other.cert));
    assert!(refused.is_err_and(|e| e.contains("TLS")));
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
