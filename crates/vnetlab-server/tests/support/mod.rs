//! A server on loopback over a fresh SQLite state, and a raw HTTPS client for it.

#![allow(dead_code)]

use hyper::body::Bytes;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use vnetlab_arm::Config;
use vnetlab_server::remote::{Conn, Connector, Endpoint, RemoteArm};
use vnetlab_server::server::{spawn, Running};
use vnetlab_server::{tls, LroMode, Pool, ServeOptions};
use vnetlab_store::SqliteStore;

pub const SUB: &str = vnetlab_arm::cx::DEFAULT_SUBSCRIPTION_ID;
pub const TENANT: &str = vnetlab_arm::cx::DEFAULT_TENANT_ID;

pub struct Lab {
    pub dir: PathBuf,
    pub cert: PathBuf,
    pub server: Option<Running>,
    pub base: String,
}

impl Drop for Lab {
    fn drop(&mut self) {
        self.server.take();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn lab(lro: LroMode, page_size: Option<usize>) -> Lab {
    let dir = std::env::temp_dir().join(format!("vnetlab-server-test-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let files = tls::ensure_self_signed(&dir.join("tls"), "127.0.0.1".parse().unwrap()).unwrap();
    let db = dir.join("state.db");
    let config = Config {
        deterministic: true,
        page_size,
        ..Config::default()
    };
    let pool = Pool::new(config, move || {
        SqliteStore::open(&db).map_err(|e| e.to_string())
    })
    .unwrap();
    let opts = ServeOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        tls: tls::server_config(&files.cert, &files.key).unwrap(),
        lro,
        backend_concurrency: 8,
        log_requests: false,
    };
    let server = spawn(opts, Arc::new(pool)).unwrap();
    let base = format!("https://{}", server.addr);
    Lab {
        dir,
        cert: files.cert,
        server: Some(server),
        base,
    }
}

/// A blocking raw client: one connection, no LRO following, no token unless given.
pub struct Client {
    rt: tokio::runtime::Runtime,
    conn: Conn,
    connector: Connector,
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Value,
    pub raw: Bytes,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The ARM error code, asserting the body has ARM's error shape.
    pub fn error_code(&self) -> String {
        let code = self.body["error"]["code"].as_str();
        let msg = self.body["error"]["message"].as_str();
        assert!(
            code.is_some_and(|c| !c.is_empty()) && msg.is_some(),
            "not an ARM error body ({}): {}",
            self.status,
            String::from_utf8_lossy(&self.raw)
        );
        code.unwrap().to_string()
    }
}

impl Lab {
    pub fn client(&self) -> Client {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let connector = Connector::new(
            Endpoint::parse(&self.base).unwrap(),
            std::slice::from_ref(&self.cert),
        )
        .unwrap();
        let conn = rt.block_on(connector.connect()).unwrap();
        Client {
            rt,
            conn,
            connector,
        }
    }

    pub fn remote(&self) -> RemoteArm {
        RemoteArm::connect(&self.base, std::slice::from_ref(&self.cert)).unwrap()
    }
}

pub const AUTH: (&str, &str) = ("authorization", "Bearer test-token");

impl Client {
    pub fn send(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Resp {
        if self.conn.is_closed() {
            self.conn = self.rt.block_on(self.connector.connect()).unwrap();
        }
        let a = self
            .rt
            .block_on(
                self.conn
                    .request(method, target, headers, body.map(Bytes::copy_from_slice)),
            )
            .unwrap();
        let body = serde_json::from_slice(&a.body).unwrap_or(Value::Null);
        Resp {
            status: a.status,
            headers: a.headers,
            body,
            raw: a.body,
        }
    }

    /// An authenticated ARM request with the api-version added.
    pub fn arm(&mut self, method: &str, path: &str, body: Option<Value>) -> Resp {
        let sep = if path.contains('?') { '&' } else { '?' };
        let target = format!("{path}{sep}api-version=2026-03-01");
        let bytes = body.map(|b| b.to_string().into_bytes());
        self.send(method, &target, &[AUTH], bytes.as_deref())
    }
}

pub fn rg_path(rg: &str) -> String {
    format!("/subscriptions/{SUB}/resourceGroups/{rg}")
}

pub fn net(rg: &str, rest: &str) -> String {
    format!("{}/providers/Microsoft.Network/{rest}", rg_path(rg))
}
