//! The HTTPS server: rustls over tokio, HTTP/1.1 with keep-alive (hyper), one handler.
//!
//! A request is answered in this order: the Entra ID and metadata endpoints (no token
//! needed, as on login.microsoftonline.com), then the bearer-token check (ARM's 401), then
//! polls of operation URLs this server handed out, then the router. Reads (GET, HEAD) run on
//! the worker that received them; writes wait for an fsync, so they run on tokio's blocking
//! pool, at most `backend_concurrency` at once.

use crate::adapter::{self, MAX_BODY};
use crate::backend::Backend;
use crate::entra::{self, Cloud};
use crate::lro::{LroMode, Operations};
use crate::Reply;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderMap, HeaderValue};
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use vnetlab_arm::{ArmError, ArmResponse, JsonAnswer};

/// Open connections at once; more wait in the listen backlog.
const MAX_CONNECTIONS: usize = 1024;
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a client may take to send a request's headers, and then its body (slow-loris
/// guards).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
const BODY_READ_TIMEOUT: Duration = Duration::from_secs(60);

/// How to serve.
#[derive(Clone)]
pub struct ServeOptions {
    pub listen: SocketAddr,
    pub tls: Arc<rustls::ServerConfig>,
    pub lro: LroMode,
    /// Writes handed to the blocking pool at once (each holds a store connection).
    pub backend_concurrency: usize,
    /// One line per request on stderr.
    pub log_requests: bool,
}

struct State {
    backend: Arc<dyn Backend>,
    ops: Operations,
    tenant_id: String,
    listen: SocketAddr,
    permits: Semaphore,
    log_requests: bool,
}

/// A bound server, not yet accepting.
pub struct Server {
    listener: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    state: Arc<State>,
}

impl Server {
    pub async fn bind(opts: ServeOptions, backend: Arc<dyn Backend>) -> std::io::Result<Server> {
        let listener = TcpListener::bind(opts.listen).await?;
        let listen = listener.local_addr()?;
        Ok(Server {
            listener,
            acceptor: tokio_rustls::TlsAcceptor::from(opts.tls),
            state: Arc::new(State {
                tenant_id: backend.config().tenant_id.clone(),
                backend,
                ops: Operations::new(opts.lro),
                listen,
                permits: Semaphore::new(opts.backend_concurrency.max(1)),
                log_requests: opts.log_requests,
            }),
        })
    }

    /// The address actually bound (the port, when asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.state.listen
    }

    /// Accepts connections until `shutdown` completes.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let connections = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        tokio::pin!(shutdown);
        loop {
            let permit = tokio::select! {
                _ = &mut shutdown => return,
                p = connections.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => return },
            };
            let accepted = tokio::select! {
                _ = &mut shutdown => return,
                a = self.listener.accept() => a,
            };
            let tcp = match accepted {
                Ok((tcp, _)) => tcp,
                Err(_) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            };
            let _ = tcp.set_nodelay(true);
            let acceptor = self.acceptor.clone();
            let state = self.state.clone();
            tokio::spawn(async move {
                let _permit = permit;
                let Ok(Ok(tls)) =
                    tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await
                else {
                    return;
                };
                let svc = hyper::service::service_fn(move |req| handle(state.clone(), req));
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEADER_READ_TIMEOUT)
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(tls), svc)
                    .await;
            });
        }
    }
}

/// Runs a server on its own runtime thread (tests and in-process tools). Returns the bound
/// address and a handle whose drop stops the server.
pub fn spawn(opts: ServeOptions, backend: Arc<dyn Backend>) -> std::io::Result<Running> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let server = rt.block_on(Server::bind(opts, backend))?;
    let addr = server.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    rt.spawn(server.run(async move {
        let _ = stopped.await;
    }));
    Ok(Running {
        addr,
        stop: Some(stop),
        rt: Some(rt),
    })
}

/// A server started by [`spawn`].
pub struct Running {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    rt: Option<tokio::runtime::Runtime>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(rt) = self.rt.take() {
            rt.shutdown_timeout(Duration::from_secs(2));
        }
    }
}

async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let reply = if declared.is_some_and(|n| n > DRAIN_LIMIT as u64) {
        too_large()
    } else {
        match tokio::time::timeout(BODY_READ_TIMEOUT, read_body(body)).await {
            Ok(Ok(bytes)) => route(&state, &parts, &bytes).await,
            Ok(Err(reply)) => reply,
            Err(_) => Reply::arm(ArmResponse::error(&ArmError::new(
                408,
                "RequestTimeout",
                "The request content was not received in time.",
            ))),
        }
    };
    if state.log_requests {
        eprintln!(
            "{} {} -> {} ({:.1} ms)",
            parts.method,
            parts.uri,
            reply.status,
            started.elapsed().as_secs_f64() * 1e3
        );
    }
    Ok(to_http(reply, &parts.headers, &parts.method))
}

/// An oversized body is still read (and dropped) up to this size, so that the client, which
/// is busy sending it, gets to read the 413 instead of a broken connection.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

async fn read_body(mut body: Incoming) -> Result<Vec<u8>, Reply> {
    let mut buf = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| {
            Reply::arm(ArmResponse::error(&ArmError::bad_request(
                "InvalidRequestContent",
                "The request content could not be read.",
            )))
        })?;
        if let Ok(data) = frame.into_data() {
            seen = seen.saturating_add(data.len());
            if seen <= MAX_BODY {
                buf.extend_from_slice(&data);
            } else if seen > DRAIN_LIMIT {
                break;
            }
        }
    }
    if seen > MAX_BODY {
        return Err(too_large());
    }
    Ok(buf)
}

fn too_large() -> Reply {
    Reply::arm(ArmResponse::error(&ArmError::new(
        413,
        "RequestContentTooLarge",
        format!("The request content size exceeds the maximum of {MAX_BODY} bytes."),
    )))
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `https://{Host}`: the absolute URLs handed out must be on the host and port the client
/// used. A Host header that is not a plain host[:port] falls back to the bound address.
fn base_url(headers: &HeaderMap, listen: SocketAddr) -> String {
    let host = header_str(headers, "host").filter(|h| {
        !h.is_empty()
            && h.len() < 256
            && h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    });
    match host {
        Some(h) => format!("https://{h}"),
        None => format!("https://{listen}"),
    }
}

async fn route(state: &Arc<State>, parts: &hyper::http::request::Parts, body: &[u8]) -> Reply {
    let base = base_url(&parts.headers, state.listen);
    let raw_path = parts.uri.path();
    let raw_query = parts.uri.query();
    let path = match adapter::decode_path(raw_path) {
        Ok(p) => p,
        Err(e) => return Reply::arm(ArmResponse::error(&e)),
    };

    let cloud = Cloud {
        base: base.clone(),
        tenant_id: state.tenant_id.clone(),
    };
    let query: Vec<(String, String)> = form_urlencoded::parse(raw_query.unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    let form: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    let header = |name: &str| header_str(&parts.headers, name).map(str::to_string);
    let now = crate::tls::unix_now();
    if let Some(a) = entra::answer(
        &cloud,
        parts.method.as_str(),
        &path,
        &query,
        &form,
        &header,
        now,
    ) {
        return Reply {
            status: a.status,
            body: Some(a.body),
            headers: vec![("Cache-Control", "no-store".to_string())],
            encoded: None,
        };
    }

    if let Err(resp) = adapter::check_bearer(header_str(&parts.headers, "authorization"), now) {
        let mut reply = Reply::arm(resp);
        reply.headers.push((
            "WWW-Authenticate",
            format!(
                "Bearer authorization_uri=\"{base}/{}\", error=\"invalid_token\", error_description=\"The authentication failed because of missing 'Authorization' header.\"",
                state.tenant_id
            ),
        ));
        return reply;
    }

    if parts.method == hyper::Method::GET {
        if let Some(reply) = state.ops.poll(&path) {
            return reply;
        }
    }

    let translated = match adapter::translate(
        parts.method.as_str(),
        raw_path,
        raw_query,
        header_str(&parts.headers, "if-match"),
        header_str(&parts.headers, "if-none-match"),
        body,
    ) {
        Ok(t) => t,
        Err(e) => return Reply::arm(ArmResponse::error(&e)),
    };
    let req = translated.request;
    let mut resp = if state.backend.blocking() && !crate::backend::is_read(&req) {
        let Ok(_permit) = state.permits.acquire().await else {
            return Reply::arm(ArmResponse::error(&ArmError::internal("shutting down")));
        };
        let backend = state.backend.clone();
        let req = req.clone();
        match tokio::task::spawn_blocking(move || backend.handle(&req)).await {
            Ok(resp) => resp,
            // A panic in the router is a bug; the server keeps serving and says so.
            Err(_) => ArmResponse::error(&ArmError::internal(
                "The request failed unexpectedly inside vnetlab (a bug: please report it).",
            )),
        }
    } else {
        match state.backend.handle_read_json(&req) {
            // A GET of one resource: no nextLink to make absolute, and no LRO answer.
            JsonAnswer::Ok(json) => {
                return Reply {
                    status: 200,
                    body: None,
                    headers: Vec::new(),
                    encoded: Some(Bytes::from_owner(json)),
                }
            }
            JsonAnswer::Response(resp) => resp,
        }
    };
    adapter::absolutize_next_link(&mut resp, &base, &translated.api_version);
    state.ops.answer(&req, resp, &base, &translated.api_version)
}

fn to_http(reply: Reply, req_headers: &HeaderMap, method: &hyper::Method) -> Response<Full<Bytes>> {
    let body = match (
        &reply.body,
        reply.encoded,
        method == hyper::Method::HEAD || reply.status == 204,
    ) {
        (_, Some(encoded), false) => encoded,
        (Some(v), None, false) => Bytes::from(serde_json::to_vec(v).unwrap_or_default()),
        _ => Bytes::new(),
    };
    let has_body = !body.is_empty();
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = hyper::StatusCode::from_u16(reply.status)
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let h = resp.headers_mut();
    if has_body {
        h.insert(
            hyper::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
    }
    h.insert(
        hyper::header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache"),
    );
    let request_id = uuid::Uuid::new_v4().to_string();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        h.insert("x-ms-request-id", v);
    }
    let correlation = req_headers
        .get("x-ms-correlation-request-id")
        .cloned()
        .or_else(|| HeaderValue::from_str(&request_id).ok());
    if let Some(v) = correlation {
        h.insert("x-ms-correlation-request-id", v);
    }
    if let Some(v) = req_headers.get("x-ms-client-request-id") {
        h.insert("x-ms-client-request-id", v.clone());
    }
    for (name, value) in reply.headers {
        // `from_bytes` lower-cases (HTTP/1.1 header names are case-insensitive).
        if let (Ok(n), Ok(v)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            h.insert(n, v);
        }
    }
    resp
}
