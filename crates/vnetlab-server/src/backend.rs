//! What answers ARM requests behind the server.
//!
//! A store connection (`SqliteStore` holds a rusqlite `Connection`: `Send`, not `Sync`)
//! serves one request at a time, so the server keeps a [`Pool`] of routers, each on its own
//! connection to the same state file. SQLite in WAL mode lets their readers run at once and
//! serialises writers (`BEGIN IMMEDIATE` with a busy timeout), as it does for several
//! `vnetlab az` processes.

use serde_json::json;
use std::sync::Mutex;
use vnetlab_arm::{Arm, ArmError, ArmRequest, ArmResponse, Config, JsonAnswer, Method, Store};

/// Idle connections kept open for reuse; more are opened under load and closed after.
const MAX_IDLE: usize = 16;

/// Anything that answers ARM requests for the server. `handle` may block.
pub trait Backend: Send + Sync + 'static {
    fn handle(&self, req: &ArmRequest) -> ArmResponse;
    /// A read, answered as [`Arm::handle_json`] does: a GET of one resource may come
    /// already encoded.
    fn handle_read_json(&self, req: &ArmRequest) -> JsonAnswer {
        JsonAnswer::Response(self.handle(req))
    }
    /// The cloud this backend emulates (subscription, tenant).
    fn config(&self) -> &Config;
    /// Whether writes do blocking I/O (fsync) and must run off the async workers. Reads run
    /// on the worker that received them: a WAL read transaction does not wait, and the
    /// hand-off to the blocking pool and back cost more than most reads.
    fn blocking(&self) -> bool {
        true
    }
}

type Opener<S> = Box<dyn Fn() -> Result<S, String> + Send + Sync>;

/// Routers over connections to one store, opened on demand.
pub struct Pool<S> {
    open: Opener<S>,
    idle: Mutex<Vec<Arm<S>>>,
    /// Writes queue here rather than in SQLite's busy handler, whose sleeps (1, 2, 5, … 100 ms)
    /// made the p99 of concurrent PUTs ~20× their median. Other processes on the same state
    /// still meet SQLite's locking.
    writer: Mutex<()>,
    config: Config,
}

impl<S: Store + Send + 'static> Pool<S> {
    /// A pool whose connections `open` makes. One is opened now, so a state that cannot be
    /// opened fails at start, not on the first request.
    pub fn new(
        config: Config,
        open: impl Fn() -> Result<S, String> + Send + Sync + 'static,
    ) -> Result<Self, String> {
        let first = Arm::new(open()?, config.clone());
        Ok(Pool {
            open: Box::new(open),
            idle: Mutex::new(vec![first]),
            writer: Mutex::new(()),
            config,
        })
    }

    fn checkout(&self) -> Result<Arm<S>, String> {
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        match idle {
            Some(arm) => Ok(arm),
            None => Ok(Arm::new((self.open)()?, self.config.clone())),
        }
    }

    fn with_arm<R>(
        &self,
        f: impl FnOnce(&Arm<S>) -> R,
        unavailable: impl FnOnce(String) -> R,
    ) -> R {
        match self.checkout() {
            Ok(arm) => {
                let r = f(&arm);
                self.checkin(arm);
                r
            }
            Err(e) => unavailable(e),
        }
    }

    fn checkin(&self, arm: Arm<S>) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(arm);
        }
    }
}

impl<S: Store + Send + 'static> Backend for Pool<S> {
    fn handle(&self, req: &ArmRequest) -> ArmResponse {
        self.with_arm(
            |arm| {
                if is_read(req) {
                    arm.handle(req)
                } else {
                    let _one_writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
                    arm.handle(req)
                }
            },
            unavailable,
        )
    }

    fn handle_read_json(&self, req: &ArmRequest) -> JsonAnswer {
        if !is_read(req) {
            return JsonAnswer::Response(self.handle(req));
        }
        self.with_arm(
            |arm| arm.handle_json(req),
            |e| JsonAnswer::Response(unavailable(e)),
        )
    }

    fn config(&self) -> &Config {
        &self.config
    }
}

fn unavailable(e: String) -> ArmResponse {
    ArmResponse::error(&ArmError::new(
        503,
        "ServiceUnavailable",
        format!("The state could not be opened: {e}"),
    ))
}

/// GET and HEAD only read (a read transaction; WAL readers never wait for writers).
pub fn is_read(req: &ArmRequest) -> bool {
    matches!(req.method, Method::Get | Method::Head)
}

/// A constant answer with no store behind it: the baseline of the load benchmark, measuring
/// what the HTTP stack itself (TLS, HTTP/1.1, translation, serialisation) costs.
pub struct Trivial {
    pub config: Config,
}

impl Backend for Trivial {
    fn handle(&self, _req: &ArmRequest) -> ArmResponse {
        ArmResponse::ok(json!({ "name": "trivial" }))
    }

    fn config(&self) -> &Config {
        &self.config
    }

    fn blocking(&self) -> bool {
        false
    }
}
