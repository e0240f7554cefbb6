//! The client side of the wire: HTTPS to a `vnetlab serve`, as a Microsoft client would talk
//! to ARM. [`RemoteArm`] is the remote transport of `vnetlab az` (same [`ArmRequest`]s, sent
//! over HTTPS instead of in-process); [`Connector`]/[`Conn`] are the async connections it and
//! the load benchmark share.
//!
//! Built on hyper's client connection (the server already depends on hyper and
//! tokio-rustls) so that the TLS configuration is ours: the server's self-signed CA
//! certificate is trusted by pinning, which webpki-only clients refuse (see [`crate::tls`]).

use crate::tls;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::HeaderMap;
use hyper_util::rt::TokioIo;
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use rustls::pki_types::ServerName;
use serde_json::Value;
use std::cell::RefCell;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use vnetlab_arm::{ArmError, ArmRequest, ArmResponse, Method};

/// Characters escaped in a path segment (everything that would change the path's shape).
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// How long `vnetlab az` follows one long-running operation before giving up.
const LRO_DEADLINE: Duration = Duration::from_secs(600);

/// Where a server is: `https://host:port`.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// `https://127.0.0.1:18443`, no trailing slash.
    pub base: String,
    /// `127.0.0.1:18443`.
    pub authority: String,
    host: String,
    port: u16,
}

impl Endpoint {
    pub fn parse(url: &str) -> Result<Endpoint, String> {
        let rest = url.strip_prefix("https://").ok_or_else(|| {
            format!("'{url}' is not an https:// URL (vnetlab serve speaks HTTPS only)")
        })?;
        let authority = rest.split('/').next().unwrap_or("").to_string();
        let bad_port = || format!("bad port in '{url}'");
        let (host, port) = match authority.strip_prefix('[') {
            // [v6]:port
            Some(v6) => {
                let (h, after) = v6
                    .split_once(']')
                    .ok_or_else(|| format!("bad host in '{url}'"))?;
                let port = match after.strip_prefix(':') {
                    Some(p) => p.parse::<u16>().map_err(|_| bad_port())?,
                    None if after.is_empty() => 443,
                    None => return Err(bad_port()),
                };
                (h.to_string(), port)
            }
            None => match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), p.parse::<u16>().map_err(|_| bad_port())?),
                None => (authority.clone(), 443),
            },
        };
        if host.is_empty() {
            return Err(format!("no host in '{url}'"));
        }
        Ok(Endpoint {
            base: format!("https://{authority}"),
            authority,
            host,
            port,
        })
    }
}

/// Opens TLS connections to one endpoint.
#[derive(Clone)]
pub struct Connector {
    endpoint: Endpoint,
    tls: tokio_rustls::TlsConnector,
}

impl Connector {
    /// Trusts the certificates in the PEM files `trusted` (the server's `cert.pem`, a CA
    /// bundle); files that do not exist are skipped, but one must give a certificate.
    pub fn new(endpoint: Endpoint, trusted: &[PathBuf]) -> Result<Connector, String> {
        let mut certs = Vec::new();
        let mut problems = Vec::new();
        for path in trusted {
            match tls::load_certs(path) {
                Ok(c) => certs.extend(c),
                Err(e) => problems.push(e),
            }
        }
        if certs.is_empty() {
            return Err(format!(
                "no certificate to trust for {}: {}",
                endpoint.base,
                problems.join("; ")
            ));
        }
        Ok(Connector {
            endpoint,
            tls: tokio_rustls::TlsConnector::from(tls::client_config(certs)?),
        })
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    pub async fn connect(&self) -> Result<Conn, String> {
        let e = &self.endpoint;
        let unreachable =
            |what: String| format!("cannot reach vnetlab serve at {}: {what}", e.base);
        let host = if e.host.eq_ignore_ascii_case("localhost") {
            "127.0.0.1"
        } else {
            e.host.as_str()
        };
        let tcp = tokio::net::TcpStream::connect((host, e.port))
            .await
            .map_err(|err| unreachable(err.to_string()))?;
        let _ = tcp.set_nodelay(true);
        let name = ServerName::try_from(e.host.clone())
            .map_err(|err| unreachable(format!("bad server name: {err}")))?;
        let stream = self
            .tls
            .connect(name, tcp)
            .await
            .map_err(|err| unreachable(format!("TLS: {err}")))?;
        let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|err| unreachable(err.to_string()))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Conn {
            send,
            authority: e.authority.clone(),
        })
    }
}

/// One keep-alive HTTP/1.1 connection.
pub struct Conn {
    send: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    authority: String,
}

/// A raw answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Conn {
    pub fn is_closed(&self) -> bool {
        self.send.is_closed()
    }

    /// Sends one request; `target` is the path and query.
    pub async fn request(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: Option<Bytes>,
    ) -> Result<Answer, String> {
        self.send.ready().await.map_err(|e| e.to_string())?;
        let mut b = hyper::Request::builder()
            .method(method)
            .uri(target)
            .header("host", &self.authority)
            .header("accept", "application/json");
        if body.is_some() {
            b = b.header("content-type", "application/json");
        }
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let req = b
            .body(Full::new(body.unwrap_or_default()))
            .map_err(|e| e.to_string())?;
        let resp = self
            .send
            .send_request(req)
            .await
            .map_err(|e| e.to_string())?;
        let (parts, body) = resp.into_parts();
        let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
        Ok(Answer {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        })
    }
}

/// The subscription a server emulates.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: String,
    pub name: String,
    pub tenant_id: String,
}

/// ARM over HTTPS, blocking: the remote transport of `vnetlab az`. It follows long-running
/// operations to their end (a server in async mode answers 201/202 with operation URLs), so
/// its answers are those of the in-process router.
pub struct RemoteArm {
    rt: tokio::runtime::Runtime,
    connector: Connector,
    conn: RefCell<Option<Conn>>,
    subscription: Subscription,
}

impl RemoteArm {
    /// Connects to `endpoint`, trusting the certificates in `trusted`, and reads the
    /// subscription it serves.
    pub fn connect(endpoint: &str, trusted: &[PathBuf]) -> Result<RemoteArm, String> {
        let connector = Connector::new(Endpoint::parse(endpoint)?, trusted)?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let mut remote = RemoteArm {
            rt,
            connector,
            conn: RefCell::new(None),
            subscription: Subscription {
                id: String::new(),
                name: String::new(),
                tenant_id: String::new(),
            },
        };
        let (status, body) =
            remote.exchange("GET", "/subscriptions?api-version=2022-12-01", None, &[])?;
        let first = body
            .as_ref()
            .and_then(|b| b.get("value"))
            .and_then(|v| v.get(0))
            .filter(|_| status == 200)
            .ok_or_else(|| {
                format!(
                    "{} did not answer GET /subscriptions like vnetlab serve (HTTP {status})",
                    remote.connector.endpoint.base
                )
            })?;
        let field = |k: &str| {
            first
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        remote.subscription = Subscription {
            id: field("subscriptionId"),
            name: field("displayName"),
            tenant_id: field("tenantId"),
        };
        Ok(remote)
    }

    pub fn subscription(&self) -> &Subscription {
        &self.subscription
    }

    pub fn endpoint(&self) -> &Endpoint {
        self.connector.endpoint()
    }

    /// Sends one ARM request and follows its long-running operation, if any.
    pub fn send(&self, req: &ArmRequest) -> ArmResponse {
        match self.send_following(req) {
            Ok(resp) => resp,
            Err(e) => ArmResponse::error(&ArmError::new(503, "ServiceUnavailable", e)),
        }
    }

    fn send_following(&self, req: &ArmRequest) -> Result<ArmResponse, String> {
        let method = method_name(req.method);
        let target = target_of(req);
        let body = req.body.as_ref().map(|b| b.to_string());
        let mut headers = Vec::new();
        if let Some(v) = &req.if_match {
            headers.push(("if-match", v.as_str()));
        }
        if let Some(v) = &req.if_none_match {
            headers.push(("if-none-match", v.as_str()));
        }
        let first = self.raw(method, &target, body, &headers)?;
        let header = |name: &str| {
            first
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let operation = header("azure-asyncoperation");
        let location = header("location");
        let success = (200..300).contains(&first.status);
        if !success || (operation.is_none() && !(first.status == 202 && location.is_some())) {
            return Ok(ArmResponse {
                status: first.status,
                body: json_body(&first.body)?,
            });
        }
        let deadline = Instant::now() + LRO_DEADLINE;
        if let Some(op) = &operation {
            loop {
                let a = self.raw("GET", &self.local_target(op)?, None, &[])?;
                let body = json_body(&a.body)?.unwrap_or(Value::Null);
                match body.get("status").and_then(Value::as_str) {
                    Some(s) if s.eq_ignore_ascii_case("Succeeded") => break,
                    Some(s)
                        if s.eq_ignore_ascii_case("Failed")
                            || s.eq_ignore_ascii_case("Canceled") =>
                    {
                        let error = body.get("error").cloned().unwrap_or(Value::Null);
                        return Ok(ArmResponse {
                            status: 400,
                            body: Some(serde_json::json!({ "error": error })),
                        });
                    }
                    _ if a.status >= 400 => {
                        return Ok(ArmResponse {
                            status: a.status,
                            body: Some(body),
                        })
                    }
                    _ => self.wait(&a.headers, deadline)?,
                }
            }
        }
        match req.method {
            // final-state-via: azure-async-operation — the resource itself, read back.
            Method::Put | Method::Patch => {
                let a = self.raw("GET", &target, None, &[])?;
                Ok(ArmResponse {
                    status: if (200..300).contains(&a.status) {
                        first.status
                    } else {
                        a.status
                    },
                    body: json_body(&a.body)?,
                })
            }
            // final-state-via: location — the result, or nothing for a deletion.
            _ => {
                let Some(loc) = &location else {
                    return Ok(ArmResponse {
                        status: 200,
                        body: None,
                    });
                };
                loop {
                    let a = self.raw("GET", &self.local_target(loc)?, None, &[])?;
                    if a.status == 202 {
                        self.wait(&a.headers, deadline)?;
                        continue;
                    }
                    let body = json_body(&a.body)?;
                    return Ok(match a.status {
                        200..=299 => ArmResponse { status: 200, body },
                        s => ArmResponse { status: s, body },
                    });
                }
            }
        }
    }

    fn wait(&self, headers: &HeaderMap, deadline: Instant) -> Result<(), String> {
        if Instant::now() > deadline {
            return Err("the long-running operation did not finish in 10 minutes".into());
        }
        let secs = headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|s| *s > 0)
            .unwrap_or(1)
            .min(30);
        std::thread::sleep(Duration::from_secs(secs));
        Ok(())
    }

    /// The path and query of a URL this server handed out; URLs on other hosts are refused.
    fn local_target(&self, url: &str) -> Result<String, String> {
        let base = &self.connector.endpoint.base;
        match url.get(..base.len()) {
            Some(prefix) if prefix.eq_ignore_ascii_case(base) => {
                let rest = &url[base.len()..];
                Ok(if rest.starts_with('/') {
                    rest.to_string()
                } else {
                    format!("/{rest}")
                })
            }
            _ => Err(format!(
                "the server handed out a URL on another host: {url}"
            )),
        }
    }

    fn exchange(
        &self,
        method: &str,
        target: &str,
        body: Option<String>,
        headers: &[(&str, &str)],
    ) -> Result<(u16, Option<Value>), String> {
        let a = self.raw(method, target, body, headers)?;
        Ok((a.status, json_body(&a.body)?))
    }

    /// One request on the kept-alive connection, reconnecting once if the server closed it.
    fn raw(
        &self,
        method: &str,
        target: &str,
        body: Option<String>,
        headers: &[(&str, &str)],
    ) -> Result<Answer, String> {
        let mut all: Vec<(&str, &str)> = vec![
            // Any bearer token is accepted by vnetlab serve; a real client would have fetched
            // one from the token endpoint.
            ("authorization", "Bearer vnetlab-az"),
            (
                "user-agent",
                concat!("vnetlab-az/", env!("CARGO_PKG_VERSION")),
            ),
        ];
        all.extend_from_slice(headers);
        self.rt.block_on(async {
            for attempt in 0..2 {
                let reuse = self.conn.borrow().as_ref().is_some_and(|c| !c.is_closed());
                if !reuse {
                    *self.conn.borrow_mut() = Some(self.connector.connect().await?);
                }
                let mut conn = self.conn.borrow_mut().take().expect("connected above");
                match conn
                    .request(method, target, &all, body.clone().map(Bytes::from))
                    .await
                {
                    Ok(a) => {
                        *self.conn.borrow_mut() = Some(conn);
                        return Ok(a);
                    }
                    // A kept-alive connection the server had closed: once more, afresh.
                    Err(_) if reuse && attempt == 0 => continue,
                    Err(e) => {
                        return Err(format!(
                            "cannot reach vnetlab serve at {}: {e}",
                            self.connector.endpoint.base
                        ))
                    }
                }
            }
            Err("unreachable".to_string())
        })
    }
}

fn json_body(bytes: &Bytes) -> Result<Option<Value>, String> {
    if bytes.is_empty() {
        return Ok(None);
    }
    serde_json::from_slice(bytes)
        .map(Some)
        .map_err(|e| format!("the server answered with a body that is not JSON: {e}"))
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::Get => "GET",
        Method::Put => "PUT",
        Method::Patch => "PATCH",
        Method::Post => "POST",
        Method::Delete => "DELETE",
        Method::Head => "HEAD",
    }
}

/// The api-version sent for a path. The server accepts any; these are the versions az 2.91
/// sends for the same requests (real-clients.md §4).
fn api_version_for(path: &str) -> &'static str {
    let p = path.to_ascii_lowercase();
    if p.contains("/providers/microsoft.network/") {
        "2025-07-01"
    } else if p.contains("/providers/microsoft.compute/") {
        "2024-11-01"
    } else if p.trim_end_matches('/') == "/subscriptions" {
        "2022-12-01"
    } else {
        "2024-11-01"
    }
}

/// The request target: each path segment escaped, the query form-encoded.
pub fn target_of(req: &ArmRequest) -> String {
    let (path, inline_query) = match req.path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (req.path.as_str(), None),
    };
    let mut out = String::with_capacity(path.len() + 32);
    for seg in path.split('/').skip(1) {
        out.push('/');
        out.extend(utf8_percent_encode(seg, SEGMENT));
    }
    if out.is_empty() {
        out.push('/');
    }
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("api-version", api_version_for(path));
    let inline = form_urlencoded::parse(inline_query.unwrap_or("").as_bytes())
        .filter(|(k, _)| !k.eq_ignore_ascii_case("api-version"));
    for (k, v) in req
        .query
        .iter()
        .map(|(k, v)| (k.as_str().into(), v.as_str().into()))
        .chain(inline)
    {
        q.append_pair(&k, &v);
    }
    out.push('?');
    out.push_str(&q.finish());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_parse() {
        let e = Endpoint::parse("https://127.0.0.1:18443/").unwrap();
        assert_eq!(
            (e.host.as_str(), e.port, e.base.as_str()),
            ("127.0.0.1", 18443, "https://127.0.0.1:18443")
        );
        let e = Endpoint::parse("https://localhost").unwrap();
        assert_eq!((e.host.as_str(), e.port), ("localhost", 443));
        let e = Endpoint::parse("https://[::1]:9").unwrap();
        assert_eq!((e.host.as_str(), e.port), ("::1", 9));
        assert!(Endpoint::parse("http://127.0.0.1:1").is_err());
        assert!(Endpoint::parse("https://:1").is_err());
    }

    #[test]
    fn targets_escape_segments_and_carry_the_query() {
        let req = ArmRequest::get("/subscriptions/s/resourceGroups/a b/x%y")
            .with_query("$skiptoken", "2&3");
        assert_eq!(
            target_of(&req),
            "/subscriptions/s/resourceGroups/a%20b/x%25y?api-version=2024-11-01&%24skiptoken=2%263"
        );
    }
}
