//! The load generator of `vnetlab bench serve`: HTTPS requests from this process to a server
//! in another process, over loopback, bounded in time and count.
//!
//! Two shapes: a closed loop (each connection sends its next request when the last is
//! answered: the throughput ceiling), and an open loop at a fixed rate where each request's
//! latency counts from the moment it was due, not when it was sent, so a slow answer that
//! delays the next ones is charged to them too (no coordinated omission).

use crate::remote::{Conn, Connector};
use hyper::body::Bytes;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One request to send: method, target (path and query), body.
pub type MakeRequest = Arc<dyn Fn(u64) -> (&'static str, String, Option<Bytes>) + Send + Sync>;

/// What a run measured.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub requests: u64,
    /// Requests answered with a status outside 200..300, or not answered.
    pub errors: u64,
    pub elapsed: Duration,
    /// Sorted latencies in microseconds.
    latencies_us: Vec<u32>,
}

impl Stats {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The q-quantile latency in milliseconds (q in 0..=1).
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let i = ((self.latencies_us.len() - 1) as f64 * q).round() as usize;
        self.latencies_us[i] as f64 / 1e3
    }

    fn merge(parts: Vec<(u64, Vec<u32>)>, elapsed: Duration) -> Stats {
        let mut latencies_us = Vec::new();
        let mut errors = 0;
        for (e, l) in parts {
            errors += e;
            latencies_us.extend(l);
        }
        latencies_us.sort_unstable();
        Stats {
            requests: latencies_us.len() as u64,
            errors,
            elapsed,
            latencies_us,
        }
    }
}

const AUTH: (&str, &str) = ("authorization", "Bearer vnetlab-bench");

async fn send(conn: &mut Conn, make: &MakeRequest, n: u64) -> bool {
    let (method, target, body) = make(n);
    matches!(conn.request(method, &target, &[AUTH], body).await, Ok(a) if (200..300).contains(&a.status))
}

/// Closed loop over `connections` connections until `duration` passes or `max_requests`
/// have been sent.
pub async fn closed_loop(
    connector: Arc<Connector>,
    connections: usize,
    duration: Duration,
    max_requests: u64,
    make: MakeRequest,
) -> Result<Stats, String> {
    let mut conns = Vec::new();
    for _ in 0..connections {
        conns.push(connector.connect().await?);
    }
    let next = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::new();
    for mut conn in conns {
        let (next, make) = (next.clone(), make.clone());
        tasks.push(tokio::spawn(async move {
            let (mut errors, mut lat) = (0u64, Vec::new());
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n >= max_requests || Instant::now() >= deadline {
                    break;
                }
                let t = Instant::now();
                if send(&mut conn, &make, n).await {
                    lat.push(t.elapsed().as_micros().min(u32::MAX as u128) as u32);
                } else {
                    errors += 1;
                }
            }
            (errors, lat)
        }));
    }
    let mut parts = Vec::new();
    for t in tasks {
        parts.push(t.await.map_err(|e| e.to_string())?);
    }
    Ok(Stats::merge(parts, start.elapsed()))
}

/// Open loop: `rate` requests per second for `duration`, spread over `connections`
/// connections (request n is due at start + n/rate).
pub async fn open_loop(
    connector: Arc<Connector>,
    connections: usize,
    rate: f64,
    duration: Duration,
    make: MakeRequest,
) -> Result<Stats, String> {
    let total = (rate * duration.as_secs_f64()).round() as u64;
    let mut conns = Vec::new();
    for _ in 0..connections {
        conns.push(connector.connect().await?);
    }
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (j, mut conn) in conns.into_iter().enumerate() {
        let make = make.clone();
        let k = connections as u64;
        tasks.push(tokio::spawn(async move {
            let (mut errors, mut lat) = (0u64, Vec::new());
            let mut n = j as u64;
            while n < total {
                let due = start + Duration::from_secs_f64(n as f64 / rate);
                // Behind schedule (the last answer came late): the wait since `due` is the
                // server's doing and counts. On schedule: count from the wake-up, because
                // tokio's timer wakes up to a millisecond late and that is ours.
                let from = if Instant::now() >= due {
                    due
                } else {
                    tokio::time::sleep_until(due.into()).await;
                    Instant::now()
                };
                if send(&mut conn, &make, n).await {
                    lat.push(from.elapsed().as_micros().min(u32::MAX as u128) as u32);
                } else {
                    errors += 1;
                }
                n += k;
            }
            (errors, lat)
        }));
    }
    let mut parts = Vec::new();
    for t in tasks {
        parts.push(t.await.map_err(|e| e.to_string())?);
    }
    Ok(Stats::merge(parts, start.elapsed()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles() {
        let s = Stats::merge(
            vec![(1, vec![3000, 1000]), (0, vec![2000])],
            Duration::from_secs(2),
        );
        assert_eq!((s.requests, s.errors), (3, 1));
        assert_eq!(s.quantile_ms(0.5), 2.0);
        assert_eq!(s.quantile_ms(1.0), 3.0);
        assert_eq!(s.per_second(), 1.5);
    }
}
