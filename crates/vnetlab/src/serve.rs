//! `vnetlab serve` (the ARM HTTPS API on the state), `vnetlab connect` (the lines that point
//! the real az and the SDK at it) and the remote transport of `vnetlab az`.

use crate::state;
use serde_json::{json, Value};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use vnetlab_arm::{ArmRequest, ArmResponse};
use vnetlab_az::ArmClient;
use vnetlab_server::connect::{self, Connection};
use vnetlab_server::remote::RemoteArm;
use vnetlab_server::{tls, Backend, LroMode, Pool, ServeOptions, Server, Trivial};
use vnetlab_store::SqliteStore;

/// `vnetlab serve`'s options.
#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on (loopback only: the server accepts any bearer token).
    #[arg(long, default_value_t = SocketAddr::from(([127, 0, 0, 1], vnetlab_server::DEFAULT_PORT)))]
    pub listen: SocketAddr,
    /// Certificate (PEM) to serve instead of the generated one.
    #[arg(long, requires = "key")]
    pub cert: Option<PathBuf>,
    /// Private key (PEM) of --cert.
    #[arg(long, requires = "cert")]
    pub key: Option<PathBuf>,
    /// Long-running operations: `sync` answers every PUT/DELETE at once (200/201/200);
    /// `async` answers as Azure does (201 + Azure-AsyncOperation, 202 + Location, Retry-After: 1).
    #[arg(long, env = "VNETLAB_LRO", default_value = "sync", value_parser = ["sync", "async"])]
    pub lro: String,
    /// In async mode, how many polls an operation reports `InProgress` before `Succeeded`.
    #[arg(long, env = "VNETLAB_LRO_POLLS", default_value_t = 1)]
    pub lro_polls: u32,
    /// Items per page of list answers (`nextLink` beyond).
    #[arg(long, env = "VNETLAB_PAGE_SIZE", default_value_t = vnetlab_arm::cx::DEFAULT_PAGE_SIZE)]
    pub page_size: usize,
    /// Print one line per request on stderr.
    #[arg(long)]
    pub log: bool,
    /// Answer every ARM request with a constant (the load benchmark's baseline).
    #[arg(long, hide = true)]
    pub trivial: bool,
}

/// `vnetlab connect`'s options.
#[derive(clap::Args, Debug, Clone)]
pub struct ConnectArgs {
    /// The server (default: the one `vnetlab serve` last started on this state).
    #[arg(long, env = "VNETLAB_ENDPOINT")]
    pub endpoint: Option<String>,
    /// Its certificate (default: the one it recorded, else the state's generated one).
    #[arg(long)]
    pub cert: Option<PathBuf>,
    /// Print only the shell lines (for `eval "$(vnetlab connect --env)"`).
    #[arg(long, conflicts_with = "sdk")]
    pub env: bool,
    /// Print only the Python SDK snippet.
    #[arg(long)]
    pub sdk: bool,
}

fn state_dir() -> PathBuf {
    state::default_path()
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Where a running server records itself, beside the state.
fn server_record() -> PathBuf {
    state_dir().join("serve.json")
}

pub fn serve(args: ServeArgs) -> ExitCode {
    match serve_inner(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ERROR: {e}");
            ExitCode::from(1)
        }
    }
}

fn serve_inner(args: ServeArgs) -> Result<(), String> {
    if !args.listen.ip().is_loopback() {
        return Err(format!(
            "vnetlab serve listens on loopback addresses only (127.0.0.0/8, ::1), not {}: it accepts any bearer token.",
            args.listen.ip()
        ));
    }
    let path = state::default_path();
    let mut config = state::config();
    config.page_size = Some(args.page_size).filter(|n| *n > 0);
    let backend: Arc<dyn Backend> = if args.trivial {
        Arc::new(Trivial { config })
    } else {
        let p = path.clone();
        Arc::new(Pool::new(config, move || {
            SqliteStore::open(&p).map_err(|e| e.to_string())
        })?)
    };
    let (cert, key, created) = match (&args.cert, &args.key) {
        (Some(c), Some(k)) => (c.clone(), k.clone(), false),
        _ => {
            let f = tls::ensure_self_signed(&state_dir().join("tls"), args.listen.ip())?;
            (f.cert, f.key, f.created)
        }
    };
    let tls_config = tls::server_config(&cert, &key)?;
    let lro = match args.lro.as_str() {
        "async" => LroMode::Async {
            in_progress_polls: args.lro_polls,
        },
        _ => LroMode::Sync,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let opts = ServeOptions {
        listen: args.listen,
        tls: tls_config,
        lro,
        backend_concurrency: 8,
        log_requests: args.log,
    };
    let tenant = backend.config().tenant_id.clone();
    let subscription = backend.config().subscription_id.clone();
    let server = rt
        .block_on(Server::bind(opts, backend))
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let endpoint = format!("https://{}", server.local_addr());
    let record = server_record();
    let pid = std::process::id();
    if !args.trivial {
        let doc = json!({ "endpoint": endpoint, "cert": cert, "pid": pid, "state": path,
                          "tenantId": tenant, "subscriptionId": subscription });
        let _ = std::fs::write(&record, doc.to_string());
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "vnetlab serve: {endpoint} (state {})", path.display());
    let _ = writeln!(
        out,
        "certificate: {}{}",
        cert.display(),
        if created {
            " (created now; it is its own CA: clients trust this file)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        out,
        "long-running operations: {}",
        match lro {
            LroMode::Sync => "sync (answered at once)".to_string(),
            LroMode::Async { in_progress_polls } => format!(
                "async (Azure-AsyncOperation/Location, InProgress for {in_progress_polls} poll(s))"
            ),
        }
    );
    let _ = writeln!(
        out,
        "to point the real az or the SDK at it: vnetlab connect   (stop: Ctrl-C)"
    );
    let _ = out.flush();
    drop(out);
    rt.block_on(server.run(shutdown_signal()));
    // Remove the record only if it is still ours (another server may have replaced it).
    let ours = std::fs::read_to_string(&record)
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .is_some_and(|v| v["pid"] == json!(pid));
    if ours {
        let _ = std::fs::remove_file(&record);
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// The server `vnetlab serve` recorded on this state, if any: (endpoint, certificate).
fn recorded_server() -> Option<(String, PathBuf)> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(server_record()).ok()?).ok()?;
    Some((
        v["endpoint"].as_str()?.to_string(),
        PathBuf::from(v["cert"].as_str()?),
    ))
}

/// The certificates to trust for `endpoint`: the one its server recorded on this state, the
/// state's generated one, and az's own bundle (`REQUESTS_CA_BUNDLE`, which the lines
/// `vnetlab connect` prints point at the server's certificate).
fn trusted_certs(endpoint: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some((e, cert)) = recorded_server() {
        if e.eq_ignore_ascii_case(endpoint.trim_end_matches('/')) {
            out.push(cert);
        }
    }
    out.push(state_dir().join("tls").join("cert.pem"));
    if let Some(p) = std::env::var_os("REQUESTS_CA_BUNDLE").filter(|p| !p.is_empty()) {
        out.push(PathBuf::from(p));
    }
    out.retain(|p| p.is_file());
    out
}

pub fn connect(args: ConnectArgs) -> ExitCode {
    // Right after `vnetlab serve &` the server may still be starting: wait for it a moment.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match try_connect(&args) {
            Ok(code) => return code,
            Err(e) if std::time::Instant::now() >= deadline => {
                eprintln!("ERROR: {e}");
                return ExitCode::from(1);
            }
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(100)),
        }
    }
}

fn try_connect(args: &ConnectArgs) -> Result<ExitCode, String> {
    let recorded = recorded_server();
    let Some(endpoint) = args
        .endpoint
        .clone()
        .filter(|e| !e.is_empty())
        .or_else(|| recorded.as_ref().map(|(e, _)| e.clone()))
    else {
        return Err(format!("no running vnetlab serve found for the state {} (start one with `vnetlab serve`, or give --endpoint).", state::default_path().display()));
    };
    let endpoint = endpoint.trim_end_matches('/').to_string();
    let trusted = match &args.cert {
        Some(c) => vec![c.clone()],
        None => trusted_certs(&endpoint),
    };
    let remote = RemoteArm::connect(&endpoint, &trusted)?;
    // The file the printed lines trust: the server's own certificate, not a system bundle.
    let cert = trusted.first().cloned().unwrap_or_default();
    let cert = std::fs::canonicalize(&cert).unwrap_or(cert);
    let c = Connection {
        endpoint,
        cert,
        tenant_id: remote.subscription().tenant_id.clone(),
        subscription_id: remote.subscription().id.clone(),
        az_config_dir: state_dir().join("azure-cli"),
        az_version: if args.sdk {
            None
        } else {
            connect::detect_az_version()
        },
    };
    let mut out = String::new();
    if !args.sdk {
        out.push_str(&connect::shell_lines(&c));
    }
    if !args.sdk && !args.env {
        out.push_str("\n# ---- Python SDK (save as a .py file; `vnetlab connect --sdk` prints only this) ----\n");
    }
    if !args.env {
        out.push_str(&connect::sdk_snippet(&c));
    }
    let _ = std::io::stdout().write_all(out.as_bytes());
    Ok(ExitCode::SUCCESS)
}

/// The remote transport of `vnetlab az`.
pub struct Remote(RemoteArm);

impl ArmClient for Remote {
    fn send(&self, req: &ArmRequest) -> ArmResponse {
        self.0.send(req)
    }

    fn subscription_id(&self) -> String {
        self.0.subscription().id.clone()
    }

    fn tenant_id(&self) -> String {
        self.0.subscription().tenant_id.clone()
    }

    fn subscription_name(&self) -> String {
        self.0.subscription().name.clone()
    }
}

/// Connects `vnetlab az` to a server.
pub fn remote_client(endpoint: &str) -> Result<Remote, String> {
    let endpoint = endpoint.trim_end_matches('/');
    RemoteArm::connect(endpoint, &trusted_certs(endpoint)).map(Remote)
}

/// Splits a leading `--endpoint URL` / `--endpoint=URL` off `vnetlab az`'s arguments (only
/// before the command words, where az itself has no such option).
pub fn take_endpoint_flag(args: &[String]) -> (Option<String>, &[String]) {
    match args.first().map(String::as_str) {
        Some("--endpoint") if args.len() >= 2 => (Some(args[1].clone()), &args[2..]),
        Some(a) if a.starts_with("--endpoint=") => {
            (Some(a["--endpoint=".len()..].to_string()), &args[1..])
        }
        _ => (None, args),
    }
}

/// A `vnetlab serve` child process on a state directory, listening on a free loopback port;
/// stopped (by its PID) when dropped. For the scenario runner's remote transport and the
/// load benchmark.
pub struct ChildServer {
    child: std::process::Child,
    pub endpoint: String,
}

impl ChildServer {
    pub fn start(dir: &Path, extra: &[&str], envs: &[(&str, &str)]) -> Result<ChildServer, String> {
        use std::io::BufRead;
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut child = std::process::Command::new(exe)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .env("VNETLAB_STATE", dir.join("state.db"))
            .envs(envs.iter().copied())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start vnetlab serve: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut first = String::new();
        let _ = std::io::BufReader::new(stdout).read_line(&mut first);
        let endpoint = first
            .strip_prefix("vnetlab serve: ")
            .and_then(|r| r.split_whitespace().next())
            .map(str::to_string);
        let server = ChildServer {
            child,
            endpoint: endpoint.clone().unwrap_or_default(),
        };
        match endpoint {
            Some(_) => Ok(server),
            None => Err(format!(
                "vnetlab serve did not start (it printed {first:?})"
            )),
        }
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
