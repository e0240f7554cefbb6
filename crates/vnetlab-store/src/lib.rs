//! The embedded default store: ARM records in one SQLite database file.
//!
//! - Durable: WAL journal with `synchronous=FULL`, so a write acknowledged to the user has
//!   reached the disk (it survives `kill -9` and power loss of the process).
//! - Transactional: every operation runs in one SQLite transaction (`BEGIN IMMEDIATE` for
//!   writes), so a peering PUT updates both links or neither.
//! - Safe for several `vnetlab` processes at once: SQLite's file locking serialises writers;
//!   readers never block in WAL mode; a busy writer is waited for (`busy_timeout`).
//! - Fast at 10,000+ resources: records are rows keyed by lower-cased id with indexes on
//!   parent and type, and references live in their own indexed table, so one command reads
//!   only the rows it needs.

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;
use std::cell::Cell;
use std::path::{Path, PathBuf};
use vnetlab_arm::store::{new_snapshot_number, Ref, Store, Txn};
use vnetlab_arm::{ArmError, ArmResult, ResourceId};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS resources (
    key    TEXT PRIMARY KEY,
    parent TEXT NOT NULL,
    type   TEXT NOT NULL,
    sub    TEXT NOT NULL,
    rg     TEXT NOT NULL,
    body   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS resources_by_parent ON resources(parent, type);
CREATE INDEX IF NOT EXISTS resources_by_type ON resources(type, sub, rg);
CREATE TABLE IF NOT EXISTS refs (
    src  TEXT NOT NULL,
    dst  TEXT NOT NULL,
    kind TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS refs_by_dst ON refs(dst);
CREATE INDEX IF NOT EXISTS refs_by_src ON refs(src);
CREATE TABLE IF NOT EXISTS meta (
    k TEXT PRIMARY KEY,
    v INTEGER NOT NULL
);
";

/// Prepared statements kept per connection: every statement this file runs (about twenty)
/// stays prepared, where rusqlite's default of 16 would evict and re-prepare them in turn.
const STATEMENT_CACHE: usize = 32;

/// A vnetlab state file.
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    snapshot: Snapshot,
}

/// The number [`Txn::snapshot`] gives a read transaction, and what it was derived from.
///
/// SQLite's `PRAGMA data_version` changes, as seen by one connection, whenever *another*
/// connection (in this process or any other) has committed since it last looked; it does not
/// change for the connection's own commits. So the number is renewed when the data version
/// moves, and after every write transaction of this connection.
#[derive(Default)]
struct Snapshot {
    /// 0: renew at the next read.
    number: Cell<u64>,
    data_version: Cell<Option<i64>>,
}

/// Why a state file could not be opened.
#[derive(Debug)]
pub struct OpenError(pub String);

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OpenError {}

impl SqliteStore {
    /// Opens (creating if needed) the state file at `path`, and its parent directory.
    pub fn open(path: &Path) -> Result<Self, OpenError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| OpenError(format!("cannot create {}: {e}", dir.display())))?;
        }
        let conn = Connection::open(path)
            .map_err(|e| OpenError(format!("cannot open state {}: {e}", path.display())))?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(sql_open)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sql_open)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(sql_open)?;
        conn.execute_batch(SCHEMA).map_err(sql_open)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(SqliteStore {
            conn,
            path: path.to_path_buf(),
            snapshot: Snapshot::default(),
        })
    }

    /// An in-memory database (tests and benchmarks of the SQL path without disk).
    pub fn in_memory() -> Result<Self, OpenError> {
        let conn = Connection::open_in_memory().map_err(sql_open)?;
        conn.execute_batch(SCHEMA).map_err(sql_open)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(SqliteStore {
            conn,
            path: PathBuf::from(":memory:"),
            snapshot: Snapshot::default(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of records (resources and child resources).
    pub fn record_count(&self) -> Result<u64, OpenError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM resources", [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(sql_open)
    }

    fn run<R>(
        &self,
        begin: &str,
        snapshot: Option<&Snapshot>,
        f: impl FnOnce(&mut SqlTxn) -> ArmResult<R>,
    ) -> ArmResult<R> {
        // Cached statements: preparing BEGIN and COMMIT anew cost more than running them.
        self.exec(begin).map_err(sql)?;
        let mut txn = SqlTxn {
            conn: &self.conn,
            snapshot,
        };
        match f(&mut txn) {
            Ok(r) => {
                self.exec("COMMIT").map_err(|e| {
                    let _ = self.exec("ROLLBACK");
                    sql(e)
                })?;
                Ok(r)
            }
            Err(e) => {
                let _ = self.exec("ROLLBACK");
                Err(e)
            }
        }
    }

    fn exec(&self, statement: &str) -> rusqlite::Result<()> {
        self.conn.prepare_cached(statement)?.execute([]).map(drop)
    }
}

impl Store for SqliteStore {
    fn read<R>(&self, f: impl FnOnce(&dyn Txn) -> ArmResult<R>) -> ArmResult<R> {
        self.run("BEGIN DEFERRED", Some(&self.snapshot), |t| f(t))
    }

    fn write<R>(&self, f: impl FnOnce(&mut dyn Txn) -> ArmResult<R>) -> ArmResult<R> {
        let r = self.run("BEGIN IMMEDIATE", None, |t| f(t));
        // Committed or not, what this connection reads next is a new state: its own commits
        // do not move `data_version`.
        self.snapshot.number.set(0);
        r
    }
}

fn sql_open(e: rusqlite::Error) -> OpenError {
    OpenError(format!("state database error: {e}"))
}

fn sql(e: rusqlite::Error) -> ArmError {
    if let rusqlite::Error::SqliteFailure(f, _) = &e {
        if f.code == rusqlite::ErrorCode::DatabaseBusy
            || f.code == rusqlite::ErrorCode::DatabaseLocked
        {
            return ArmError::conflict(
                "AnotherOperationInProgress",
                "Another operation on this state is in progress; try again.",
            );
        }
    }
    ArmError::internal(format!("state database error: {e}"))
}

fn parse_body(text: String) -> ArmResult<Value> {
    serde_json::from_str(&text)
        .map_err(|e| ArmError::internal(format!("corrupt record in state: {e}")))
}

struct SqlTxn<'a> {
    conn: &'a Connection,
    /// Set in read transactions only.
    snapshot: Option<&'a Snapshot>,
}

/// The key range `[key/, key0)` holds exactly the descendants of `key` ('0' follows '/').
fn descendant_bounds(key: &str) -> (String, String) {
    (format!("{key}/"), format!("{key}0"))
}

impl Txn for SqlTxn<'_> {
    fn get(&self, key: &str) -> ArmResult<Option<Value>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT body FROM resources WHERE key = ?1")
            .map_err(sql)?;
        let body: Option<String> = st.query_row([key], |r| r.get(0)).optional().map_err(sql)?;
        body.map(parse_body).transpose()
    }

    fn put(&mut self, id: &ResourceId, body: &Value, refs: &[Ref]) -> ArmResult<()> {
        let key = id.key();
        let parent = id.parent().map(|p| p.key()).unwrap_or_default();
        let text = serde_json::to_string(body).map_err(|e| ArmError::internal(e.to_string()))?;
        self.conn
            .prepare_cached(
                "INSERT INTO resources (key, parent, type, sub, rg, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(key) DO UPDATE SET body = excluded.body",
            )
            .map_err(sql)?
            .execute(params![
                key,
                parent,
                id.full_type().to_ascii_lowercase(),
                id.subscription.to_ascii_lowercase(),
                id.resource_group.to_ascii_lowercase(),
                text
            ])
            .map_err(sql)?;
        self.conn
            .prepare_cached("DELETE FROM refs WHERE src = ?1")
            .map_err(sql)?
            .execute([&key])
            .map_err(sql)?;
        let mut ins = self
            .conn
            .prepare_cached("INSERT INTO refs (src, dst, kind) VALUES (?1, ?2, ?3)")
            .map_err(sql)?;
        for r in refs {
            ins.execute(params![key, r.target_key, r.kind])
                .map_err(sql)?;
        }
        Ok(())
    }

    fn delete(&mut self, key: &str) -> ArmResult<bool> {
        let (lo, hi) = descendant_bounds(key);
        let n = self
            .conn
            .prepare_cached("DELETE FROM resources WHERE key = ?1")
            .map_err(sql)?
            .execute([key])
            .map_err(sql)?;
        self.conn
            .prepare_cached("DELETE FROM resources WHERE key >= ?1 AND key < ?2")
            .map_err(sql)?
            .execute([&lo, &hi])
            .map_err(sql)?;
        self.conn
            .prepare_cached("DELETE FROM refs WHERE src = ?1 OR (src >= ?2 AND src < ?3)")
            .map_err(sql)?
            .execute([key, &lo, &hi])
            .map_err(sql)?;
        Ok(n > 0)
    }

    fn children(&self, parent_key: &str, full_type: &str) -> ArmResult<Vec<Value>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT body FROM resources WHERE parent = ?1 AND type = ?2 ORDER BY rowid",
            )
            .map_err(sql)?;
        let rows = st
            .query_map([parent_key, &full_type.to_ascii_lowercase()], |r| {
                r.get::<_, String>(0)
            })
            .map_err(sql)?;
        rows.map(|r| r.map_err(sql).and_then(parse_body)).collect()
    }

    fn list(
        &self,
        full_type: &str,
        subscription: &str,
        resource_group: Option<&str>,
    ) -> ArmResult<Vec<Value>> {
        let t = full_type.to_ascii_lowercase();
        let sub = subscription.to_ascii_lowercase();
        let bodies: Vec<String> = match resource_group {
            Some(rg) => {
                let mut st = self
                    .conn
                    .prepare_cached("SELECT body FROM resources WHERE type = ?1 AND sub = ?2 AND rg = ?3 ORDER BY rowid")
                    .map_err(sql)?;
                let rows = st
                    .query_map([&t, &sub, &rg.to_ascii_lowercase()], |r| r.get(0))
                    .map_err(sql)?;
                rows.collect::<Result<_, _>>().map_err(sql)?
            }
            None => {
                let mut st = self
                    .conn
                    .prepare_cached(
                        "SELECT body FROM resources WHERE type = ?1 AND sub = ?2 ORDER BY rowid",
                    )
                    .map_err(sql)?;
                let rows = st.query_map([&t, &sub], |r| r.get(0)).map_err(sql)?;
                rows.collect::<Result<_, _>>().map_err(sql)?
            }
        };
        bodies.into_iter().map(parse_body).collect()
    }

    fn referrers(&self, target_key: &str) -> ArmResult<Vec<(String, String)>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT refs.src, refs.kind FROM refs JOIN resources ON resources.key = refs.src WHERE refs.dst = ?1 ORDER BY resources.rowid")
            .map_err(sql)?;
        let rows = st
            .query_map([target_key], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(sql)?;
        rows.collect::<Result<_, _>>().map_err(sql)
    }

    fn next_sequence(&mut self) -> ArmResult<u64> {
        self.conn
            .prepare_cached("INSERT INTO meta (k, v) VALUES ('sequence', 1) ON CONFLICT(k) DO UPDATE SET v = v + 1")
            .map_err(sql)?
            .execute([])
            .map_err(sql)?;
        let v: i64 = self
            .conn
            .query_row("SELECT v FROM meta WHERE k = 'sequence'", [], |r| r.get(0))
            .map_err(sql)?;
        Ok(v as u64)
    }

    fn snapshot(&self) -> ArmResult<Option<u64>> {
        let Some(snap) = self.snapshot else {
            return Ok(None);
        };
        // Inside the read transaction: the pragma starts it if no statement has yet, and
        // either way reports the version of the snapshot this transaction reads.
        let version: i64 = self
            .conn
            .prepare_cached("PRAGMA data_version")
            .map_err(sql)?
            .query_row([], |r| r.get(0))
            .map_err(sql)?;
        if snap.data_version.get() != Some(version) || snap.number.get() == 0 {
            snap.data_version.set(Some(version));
            snap.number.set(new_snapshot_number());
        }
        Ok(Some(snap.number.get()))
    }
}
