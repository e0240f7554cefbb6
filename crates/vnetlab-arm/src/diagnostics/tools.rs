//! The network tools `run-command` scripts call, answered from the data plane, with output
//! shaped like the real tools on Azure's Ubuntu 22.04 images: `ping` (iputils 20211215),
//! `curl` (7.81, progress meter on stderr since run-command's stdout is a file), `nc -z`
//! (netcat-openbsd), `nslookup`/`dig` (BIND 9.18 through systemd-resolved's stub
//! 127.0.0.53), `traceroute` (2.1), `hostname`, `whoami`.
//!
//! A tool either prints what the real one would (including its failures: 100% packet loss,
//! `Connection refused`, `Connection timed out`, NXDOMAIN), or, for what vnetlab cannot know
//! (hosts on the Internet or on-premises, public DNS names, options not emulated), returns
//! `NotSupportedByVnetlab` so the whole run-command fails loudly rather than invent an answer.

use super::watcher::{is_estate_name, reaches_outside};
use super::Jitter;
use crate::error::{ArmError, ArmResult};
use std::net::{IpAddr, Ipv4Addr};
use vnetlab_dataplane::{Flow, HopKind, Protocol, Walk};

/// What a command printed and its exit status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Out {
    pub stdout: String,
    pub stderr: String,
    pub status: i32,
}

impl Out {
    pub fn ok(stdout: impl Into<String>) -> Out {
        Out {
            stdout: stdout.into(),
            ..Out::default()
        }
    }

    pub fn err(stderr: impl Into<String>, status: i32) -> Out {
        Out {
            stdout: String::new(),
            stderr: stderr.into(),
            status,
        }
    }
}

/// A name lookup as a VM's resolver sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Found {
        fqdn: String,
        addresses: Vec<Ipv4Addr>,
    },
    NxDomain,
}

/// The VM a script runs on, and its view of the network (the data plane, or a fake in tests).
pub trait Net {
    /// The VM's host name (`osProfile.computerName`).
    fn hostname(&self) -> String;
    /// The VM's private addresses, primary first.
    fn private_ips(&self) -> Vec<IpAddr>;
    /// Resolves a name as the VM would (search suffix, linked private zones). Internet names
    /// vnetlab cannot answer for fail loudly.
    fn lookup(&self, name: &str) -> ArmResult<Lookup>;
    /// Walks a flow from this VM.
    fn walk(&self, flow: Flow) -> ArmResult<Walk>;
    /// The host name of the VM owning an address, if any (for the web page it serves).
    fn host_of(&self, ip: IpAddr) -> Option<String>;
    /// A seed unique to this run-command invocation (jitter varies between runs, never within a
    /// transcript replay).
    fn seed(&self) -> String;
    /// Seconds since the epoch (fixed in deterministic mode).
    fn now_unix(&self) -> i64;
}

/// Whether vnetlab answers for this name (see [`is_estate_name`]).
pub fn estate_name(name: &str, zones: &[String]) -> bool {
    is_estate_name(name, zones)
}

fn not_supported(what: impl AsRef<str>) -> ArmError {
    ArmError::not_supported(what)
}

/// What happened to a connection attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Reach {
    /// Delivered; the round trip, whether a service listens (TCP/UDP), NVAs crossed.
    Delivered {
        rtt_ms: f64,
        listening: Option<bool>,
        nvas: Vec<IpAddr>,
        return_nvas: usize,
    },
    /// Dropped on the way (NSG, route, peering flag…): the NVAs reached before the drop.
    Dropped { nvas: Vec<IpAddr> },
}

fn is_self(net: &dyn Net, ip: IpAddr) -> bool {
    ip.is_loopback() || net.private_ips().contains(&ip)
}

/// Sends a flow from the VM and classifies the outcome. Destinations outside the estate fail
/// loudly: vnetlab cannot know whether an Internet or on-premises host answers.
pub fn reach(
    net: &dyn Net,
    protocol: Protocol,
    dst: IpAddr,
    dst_port: u16,
    src_port: u16,
) -> ArmResult<Reach> {
    let src = net
        .private_ips()
        .first()
        .copied()
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    if dst.is_loopback() {
        // Loopback never leaves the VM; what listens there is what listens on its own address.
        if protocol == Protocol::Icmp {
            return Ok(Reach::Delivered {
                rtt_ms: 0.03,
                listening: None,
                nvas: vec![],
                return_nvas: 0,
            });
        }
        let w = net.walk(Flow {
            protocol,
            src,
            src_port,
            dst: src,
            dst_port,
        })?;
        return Ok(Reach::Delivered {
            rtt_ms: 0.05,
            listening: Some(w.service_listening.unwrap_or(false)),
            nvas: vec![],
            return_nvas: 0,
        });
    }
    let w = net.walk(Flow {
        protocol,
        src,
        src_port,
        dst,
        dst_port,
    })?;
    if w.delivered && reaches_outside(&w) {
        return Err(not_supported(format!(
            "Reaching {dst}, outside the emulated estate (on the Internet or on-premises),"
        )));
    }
    let nvas: Vec<IpAddr> = w
        .hops
        .iter()
        .filter(|h| h.kind == HopKind::VirtualAppliance)
        .filter_map(|h| h.address)
        .collect();
    if w.delivered {
        let return_nvas = w
            .return_hops
            .iter()
            .filter(|h| h.kind == HopKind::VirtualAppliance)
            .count();
        let self_hop = is_self(net, dst);
        Ok(Reach::Delivered {
            rtt_ms: w.rtt_ms.unwrap_or(if self_hop { 0.05 } else { 1.0 }),
            listening: w.service_listening,
            return_nvas: if w.return_hops.is_empty() {
                nvas.len()
            } else {
                return_nvas
            },
            nvas,
        })
    } else {
        Ok(Reach::Dropped { nvas })
    }
}

/// A destination argument resolved: the address and how tools print it.
struct Target {
    ip: IpAddr,
    /// The canonical name (`vm2.<suffix>.internal.cloudapp.net`), or the address itself.
    canonical: String,
    by_name: bool,
}

enum Resolution {
    Ok(Target),
    /// NXDOMAIN.
    Unknown,
}

fn resolve_target(net: &dyn Net, arg: &str) -> ArmResult<Resolution> {
    if let Ok(ip) = arg.parse::<IpAddr>() {
        if ip.is_ipv6() {
            return Err(not_supported(format!("IPv6 destinations ({arg})")));
        }
        return Ok(Resolution::Ok(Target {
            ip,
            canonical: ip.to_string(),
            by_name: false,
        }));
    }
    if arg.eq_ignore_ascii_case("localhost") {
        return Ok(Resolution::Ok(Target {
            ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            canonical: "localhost".into(),
            by_name: true,
        }));
    }
    match net.lookup(arg)? {
        Lookup::Found { fqdn, addresses } => match addresses.first() {
            Some(a) => Ok(Resolution::Ok(Target {
                ip: IpAddr::V4(*a),
                canonical: fqdn,
                by_name: true,
            })),
            None => Ok(Resolution::Unknown),
        },
        Lookup::NxDomain => Ok(Resolution::Unknown),
    }
}

/// Options with their values, and operands.
type Parsed = (Vec<(char, String)>, Vec<String>);

/// Splits `-c4`, `-c 4`, `-qc 4` style short options. `with_value` lists the options that
/// take a value. Returns (options, operands) or the first unknown option.
fn short_opts(args: &[String], with_value: &[char], flags: &[char]) -> Result<Parsed, String> {
    let mut opts = Vec::new();
    let mut operands = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "--" {
            operands.extend(args[i + 1..].iter().cloned());
            break;
        }
        if a.starts_with('-') && a.len() > 1 && !a.starts_with("--") {
            let chars: Vec<char> = a[1..].chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                if with_value.contains(&c) {
                    let rest: String = chars[j + 1..].iter().collect();
                    let value = if !rest.is_empty() {
                        rest
                    } else {
                        i += 1;
                        match args.get(i) {
                            Some(v) => v.clone(),
                            None => return Err(format!("option requires an argument -- '{c}'")),
                        }
                    };
                    opts.push((c, value));
                    break;
                } else if flags.contains(&c) {
                    opts.push((c, String::new()));
                    j += 1;
                } else {
                    return Err(format!("invalid option -- '{c}'"));
                }
            }
        } else if a.starts_with("--") {
            return Err(format!("unrecognized option '{a}'"));
        } else {
            operands.push(a.clone());
        }
        i += 1;
    }
    Ok((opts, operands))
}

// ---------------------------------------------------------------------------------------
// ping (iputils 20211215)

/// iputils' reply time: 3 decimals under 1 ms, 2 under 10, 1 under 100, none above.
fn ping_time(us: u64) -> String {
    if us >= 100_000 - 50 {
        format!("{}", (us + 500) / 1000)
    } else if us >= 10_000 - 5 {
        let t = us + 50;
        format!("{}.{}", t / 1000, (t % 1000) / 100)
    } else if us >= 1000 {
        let t = us + 5;
        format!("{}.{:02}", t / 1000, (t % 1000) / 10)
    } else {
        format!("{}.{:03}", us / 1000, us % 1000)
    }
}

/// C's `%g` for a percentage (six significant digits, trailing zeros trimmed).
fn pct_g(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let digits = 6i32 - 1 - x.abs().log10().floor() as i32;
    let s = format!("{:.*}", digits.max(0) as usize, x);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn isqrt(n: u64) -> u64 {
    let mut x = (n as f64).sqrt() as u128;
    let n = u128::from(n);
    while x * x > n {
        x -= 1;
    }
    while (x + 1) * (x + 1) <= n {
        x += 1;
    }
    x as u64
}

fn parse_secs(v: &str) -> Option<f64> {
    v.parse::<f64>().ok().filter(|x| x.is_finite() && *x >= 0.0)
}

pub fn ping(net: &dyn Net, args: &[String]) -> ArmResult<Out> {
    let (opts, operands) = match short_opts(args, &['c', 'i', 'W', 'w', 's', 't'], &['q', 'n', '4'])
    {
        Ok(x) => x,
        Err(e) if e.starts_with("invalid option") || e.starts_with("unrecognized") => {
            return Err(not_supported(format!("ping {e}: this option")))
        }
        Err(e) => return Ok(Out::err(format!("ping: {e}\n"), 2)),
    };
    let mut count: Option<u64> = None;
    let mut interval = 1.0f64;
    let mut deadline: Option<f64> = None;
    let mut size: u64 = 56;
    let (mut quiet, mut numeric) = (false, false);
    for (o, v) in &opts {
        match o {
            'c' => match v.parse::<u64>() {
                Ok(n) if n >= 1 => count = Some(n),
                _ => {
                    return Ok(Out::err(
                        format!("ping: invalid argument: '{v}': out of range: 1 <= value <= 9223372036854775807\n"),
                        1,
                    ))
                }
            },
            'i' => match parse_secs(v) {
                Some(x) => interval = x,
                None => return Ok(Out::err(format!("ping: bad timing interval: {v}\n"), 1)),
            },
            'w' => match parse_secs(v) {
                Some(x) => deadline = Some(x),
                None => return Ok(Out::err(format!("ping: invalid argument: '{v}'\n"), 1)),
            },
            'W' if parse_secs(v).is_none() => {
                return Ok(Out::err(format!("ping: bad linger time: {v}\n"), 1));
            }
            's' => match v.parse::<u64>() {
                Ok(n) if n <= 65507 => size = n,
                _ => return Ok(Out::err(format!("ping: invalid argument: '{v}'\n"), 1)),
            },
            't' => {}
            'q' => quiet = true,
            'n' => numeric = true,
            _ => {}
        }
    }
    let Some(dest) = operands.first() else {
        return Ok(Out::err(
            "ping: usage error: Destination address required\n",
            1,
        ));
    };
    if operands.len() > 1 {
        return Err(not_supported("ping with several destinations"));
    }
    let sent = match (count, deadline) {
        (Some(c), None) => c,
        (Some(c), Some(d)) => c.min(((d / interval.max(0.001)).floor() as u64).max(1)),
        (None, Some(d)) => ((d / interval.max(0.001)).floor() as u64).max(1),
        (None, None) => {
            return Err(not_supported(
                "ping without -c or -w (it would run until run-command's 90-minute timeout)",
            ))
        }
    };
    if sent > 10_000 {
        return Err(not_supported(format!("ping -c {sent}")));
    }
    let target = match resolve_target(net, dest)? {
        Resolution::Ok(t) => t,
        Resolution::Unknown => {
            return Ok(Out::err(
                format!("ping: {dest}: Name or service not known\n"),
                2,
            ))
        }
    };
    let outcome = reach(net, Protocol::Icmp, target.ip, 0, 0)?;
    let mut jitter = Jitter::new(&format!("{}|ping|{}", net.seed(), target.ip));
    let mut out = format!(
        "PING {} ({}) {}({}) bytes of data.\n",
        target.canonical,
        target.ip,
        size,
        size + 28
    );
    let from = if target.by_name && !numeric {
        format!("{} ({})", target.canonical, target.ip)
    } else {
        target.ip.to_string()
    };
    let mut times: Vec<u64> = Vec::new();
    if let Reach::Delivered {
        rtt_ms,
        return_nvas,
        ..
    } = &outcome
    {
        let ttl = 64u64.saturating_sub(*return_nvas as u64);
        let base_us = (rtt_ms * 1000.0).max(20.0);
        for seq in 1..=sent {
            let mut f = 1.0 + (jitter.unit() * 0.065 - 0.025);
            if seq == 1 {
                f += jitter.unit() * 0.08;
            }
            let us = (base_us * f).round().max(15.0) as u64;
            times.push(us);
            if !quiet {
                out.push_str(&format!(
                    "{} bytes from {from}: icmp_seq={seq} ttl={ttl} time={} ms\n",
                    size + 8,
                    ping_time(us)
                ));
            }
        }
    }
    let received = times.len() as u64;
    // iputils' `time` runs from the first to the last transmission (0 for one packet).
    let elapsed_ms = ((sent.saturating_sub(1)) as f64 * interval * 1000.0).round() as u64
        + match (sent, received) {
            (1, _) => 0,
            (_, 0) => (sent - 1) * jitter.range(5, 25),
            _ => jitter.range(1, 6),
        };
    out.push_str(&format!(
        "\n--- {} ping statistics ---\n{sent} packets transmitted, {received} received, {}% packet loss, time {elapsed_ms}ms\n",
        target.canonical,
        pct_g((sent - received) as f64 * 100.0 / sent as f64)
    ));
    if received > 0 {
        // iputils' order of computation (integer microseconds, avoiding rounding errors).
        let n = u128::from(received);
        let sum: u128 = times.iter().map(|t| u128::from(*t)).sum();
        let sum2: u128 = times.iter().map(|t| u128::from(*t) * u128::from(*t)).sum();
        let avg = (sum / n) as u64;
        let var = sum2.saturating_sub(sum * sum / n) / n;
        let mdev = isqrt(u64::try_from(var).unwrap_or(u64::MAX));
        let (min, max) = (
            times.iter().copied().min().unwrap_or(0),
            times.iter().copied().max().unwrap_or(0),
        );
        out.push_str(&format!(
            "rtt min/avg/max/mdev = {}.{:03}/{}.{:03}/{}.{:03}/{}.{:03} ms\n",
            min / 1000,
            min % 1000,
            avg / 1000,
            avg % 1000,
            max / 1000,
            max % 1000,
            mdev / 1000,
            mdev % 1000
        ));
    } else {
        out.push('\n');
    }
    Ok(Out {
        stdout: out,
        stderr: String::new(),
        status: if received > 0 { 0 } else { 1 },
    })
}

// ---------------------------------------------------------------------------------------
// curl 7.81

/// curl's `max5data`: a size or speed in five characters.
fn max5(bytes: u64) -> String {
    const K: u64 = 1024;
    const M: u64 = 1024 * 1024;
    if bytes < 100_000 {
        format!("{bytes:5}")
    } else if bytes < 10_000 * K {
        format!("{:4}k", bytes / K)
    } else if bytes < 100 * M {
        format!("{:2}.{}M", bytes / M, (bytes % M) / (M / 10))
    } else {
        format!("{:4}M", bytes / M)
    }
}

const CURL_HEADER: &str = "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n                                 Dload  Upload   Total   Spent    Left  Speed\n";

/// One progress-meter line (without the leading `\r`).
fn curl_progress(total: u64, received: u64, speed: u64, spent_secs: Option<u64>) -> String {
    let pct = |part: u64| (part * 100).checked_div(total).unwrap_or(0);
    let spent = match spent_secs {
        Some(s) => format!("{:2}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60),
        None => "--:--:--".to_string(),
    };
    format!(
        "{:3} {}  {:3} {}  {:3} {}  {}  {} --:--:-- {} --:--:-- {}",
        pct(received),
        max5(total),
        pct(received),
        max5(received),
        0,
        max5(0),
        max5(speed),
        max5(0),
        spent,
        max5(if spent_secs.is_some() { 0 } else { speed })
    )
}

/// The page an emulated web server answers with.
pub fn web_page(host: &str, port: u16) -> String {
    format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<title>{host}</title>\n</head>\n<body>\n<h1>{host}</h1>\n<p>Served by vnetlab's emulated web server on port {port}.</p>\n</body>\n</html>\n"
    )
}

struct CurlOpts {
    silent: bool,
    show_error: bool,
    output_null: bool,
    write_out: Option<String>,
    head: bool,
    include: bool,
    max_time: Option<f64>,
    connect_timeout: Option<f64>,
    url: Option<String>,
}

/// Splits clusters of curl's short options (`-sSo /dev/null`, `-sI`, `-m5`) into single ones.
fn split_curl_clusters(args: &[String]) -> Vec<String> {
    const FLAGS: &str = "sSIiLkf4";
    const VALUED: &str = "owm";
    let mut out = Vec::new();
    for a in args {
        let body = a
            .strip_prefix('-')
            .filter(|b| !b.is_empty() && !b.starts_with('-'));
        let Some(body) = body.filter(|b| b.len() > 1) else {
            out.push(a.clone());
            continue;
        };
        let chars: Vec<char> = body.chars().collect();
        let mut pieces = Vec::new();
        let mut ok = true;
        for (k, c) in chars.iter().enumerate() {
            if FLAGS.contains(*c) {
                pieces.push(format!("-{c}"));
            } else if VALUED.contains(*c) {
                pieces.push(format!("-{c}"));
                let rest: String = chars[k + 1..].iter().collect();
                if !rest.is_empty() {
                    pieces.push(rest);
                }
                break;
            } else {
                ok = false;
                break;
            }
        }
        if ok {
            out.extend(pieces);
        } else {
            out.push(a.clone());
        }
    }
    out
}

fn parse_curl(args: &[String]) -> ArmResult<Result<CurlOpts, Out>> {
    let args = &split_curl_clusters(args)[..];
    let mut o = CurlOpts {
        silent: false,
        show_error: false,
        output_null: false,
        write_out: None,
        head: false,
        include: false,
        max_time: None,
        connect_timeout: None,
        url: None,
    };
    let mut i = 0;
    let value = |i: &mut usize, name: &str| -> Result<String, Out> {
        *i += 1;
        args.get(*i).cloned().ok_or_else(|| {
            Out::err(
                format!("curl: option {name}: requires parameter\ncurl: try 'curl --help' or 'curl --manual' for more information\n"),
                2,
            )
        })
    };
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "-s" | "--silent" => o.silent = true,
            "-S" | "--show-error" => o.show_error = true,
            "-I" | "--head" => o.head = true,
            "-i" | "--include" => o.include = true,
            "-L" | "--location" | "-k" | "--insecure" | "-f" | "--fail" | "-4" | "--ipv4" => {}
            "-o" | "--output" => match value(&mut i, a) {
                Ok(v) if v == "/dev/null" => o.output_null = true,
                Ok(v) => return Err(not_supported(format!("curl -o {v} (writing files)"))),
                Err(e) => return Ok(Err(e)),
            },
            "-w" | "--write-out" => match value(&mut i, a) {
                Ok(v) => o.write_out = Some(v),
                Err(e) => return Ok(Err(e)),
            },
            "-m" | "--max-time" => match value(&mut i, a) {
                Ok(v) => match parse_secs(&v) {
                    Some(x) => o.max_time = Some(x),
                    None => {
                        return Ok(Err(Out::err(
                            format!("curl: option {a}: expected a proper numerical parameter\ncurl: try 'curl --help' or 'curl --manual' for more information\n"),
                            2,
                        )))
                    }
                },
                Err(e) => return Ok(Err(e)),
            },
            "--connect-timeout" => match value(&mut i, a) {
                Ok(v) => match parse_secs(&v) {
                    Some(x) => o.connect_timeout = Some(x),
                    None => {
                        return Ok(Err(Out::err(
                            format!("curl: option {a}: expected a proper numerical parameter\ncurl: try 'curl --help' or 'curl --manual' for more information\n"),
                            2,
                        )))
                    }
                },
                Err(e) => return Ok(Err(e)),
            },
            _ if a.starts_with('-') && a.len() > 1 => {
                return Err(not_supported(format!("curl option {a}")))
            }
            _ => {
                if o.url.is_some() {
                    return Err(not_supported("curl with several URLs"));
                }
                o.url = Some(a.to_string());
            }
        }
        i += 1;
    }
    Ok(Ok(o))
}

/// `scheme://host:port/path` → (scheme, host, port).
fn parse_url(url: &str) -> Result<(String, String, u16), String> {
    let (scheme, rest) = match url.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        None => ("http".to_string(), url),
    };
    let default = match scheme.as_str() {
        "http" => 80,
        "https" => 443,
        other => return Err(other.to_string()),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h.to_string(), p.parse::<u16>().unwrap_or(default)),
        _ => (authority.to_string(), default),
    };
    Ok((scheme, host, port))
}

fn write_out(fmt: &str, code: u16, ip: Option<IpAddr>, total_secs: f64, size: usize) -> String {
    let mut s = fmt
        .replace("%{http_code}", &format!("{code:03}"))
        .replace("%{response_code}", &format!("{code:03}"))
        .replace("%{time_total}", &format!("{total_secs:.6}"))
        .replace("%{size_download}", &size.to_string())
        .replace(
            "%{remote_ip}",
            &ip.map(|i| i.to_string()).unwrap_or_default(),
        );
    s = s.replace("\\n", "\n").replace("\\t", "\t");
    s
}

pub fn curl(net: &dyn Net, args: &[String]) -> ArmResult<Out> {
    let o = match parse_curl(args)? {
        Ok(o) => o,
        Err(out) => return Ok(out),
    };
    let Some(url) = o.url.clone() else {
        return Ok(Out::err(
            "curl: try 'curl --help' or 'curl --manual' for more information\n",
            2,
        ));
    };
    let (scheme, host, port) = match parse_url(&url) {
        Ok(x) => x,
        Err(s) => {
            return Ok(Out::err(
                format!("curl: (1) Protocol \"{s}\" not supported or disabled in libcurl\n"),
                1,
            ))
        }
    };
    let meter = !o.silent;
    let errors = !o.silent || o.show_error;
    let mut stderr = String::new();
    if meter {
        stderr.push_str(CURL_HEADER);
        stderr.push('\r');
        stderr.push_str(&curl_progress(0, 0, 0, None));
    }
    let fail = |mut stderr: String, msg: String, code: i32, wo: &Option<String>| {
        if meter {
            stderr.push('\n');
        }
        if errors {
            stderr.push_str(&msg);
        }
        Out {
            stdout: wo
                .as_ref()
                .map(|f| write_out(f, 0, None, 0.0, 0))
                .unwrap_or_default(),
            stderr,
            status: code,
        }
    };
    let target = match resolve_target(net, &host)? {
        Resolution::Ok(t) => t,
        Resolution::Unknown => {
            return Ok(fail(
                stderr,
                format!("curl: (6) Could not resolve host: {host}\n"),
                6,
                &o.write_out,
            ))
        }
    };
    let mut jitter = Jitter::new(&format!("{}|curl|{}|{port}", net.seed(), target.ip));
    let src_port = jitter.range(32768, 60999) as u16;
    let outcome = reach(net, Protocol::Tcp, target.ip, port, src_port)?;
    let limit = match (o.connect_timeout, o.max_time) {
        (Some(c), Some(m)) => Some(c.min(m)),
        (c, m) => c.or(m),
    };
    match outcome {
        Reach::Dropped { .. } => {
            // No answer to the SYN: curl's own limit, or the kernel's (6 SYN retries, ~130 s).
            let (ms, msg) = match limit {
                Some(l) => {
                    let ms = (l * 1000.0).round() as u64 + jitter.range(0, 1);
                    (
                        ms,
                        format!("curl: (28) Connection timed out after {ms} milliseconds\n"),
                    )
                }
                None => {
                    let ms = 129_000 + jitter.range(0, 999);
                    (
                        ms,
                        format!(
                            "curl: (28) Failed to connect to {host} port {port} after {ms} ms: Connection timed out\n"
                        ),
                    )
                }
            };
            if meter {
                for s in 1..=ms / 1000 {
                    stderr.push('\r');
                    stderr.push_str(&curl_progress(0, 0, 0, Some(s)));
                }
            }
            Ok(fail(stderr, msg, 28, &o.write_out))
        }
        Reach::Delivered {
            rtt_ms,
            listening: Some(false),
            ..
        } => {
            let ms = rtt_ms.round() as u64;
            Ok(fail(
                stderr,
                format!("curl: (7) Failed to connect to {host} port {port} after {ms} ms: Connection refused\n"),
                7,
                &o.write_out,
            ))
        }
        // sshd answers with its banner, which curl refuses as HTTP/0.9.
        Reach::Delivered { .. } if port == 22 && scheme == "http" => Ok(fail(
            stderr,
            "curl: (1) Received HTTP/0.9 when not allowed\n".to_string(),
            1,
            &o.write_out,
        )),
        Reach::Delivered { rtt_ms, .. } => {
            if scheme == "https" {
                return Err(not_supported(format!(
                    "curl over TLS to {host}:{port} (the emulated web server has no certificate)"
                )));
            }
            let server = net
                .host_of(target.ip)
                .unwrap_or_else(|| target.ip.to_string());
            let body = web_page(&server, port);
            let head = format!(
                "HTTP/1.1 200 OK\r\nServer: vnetlab\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: keep-alive\r\n\r\n",
                body.len()
            );
            let mut stdout = String::new();
            let shown_body = if o.head { "" } else { body.as_str() };
            if !o.output_null {
                if o.head || o.include {
                    stdout.push_str(&head);
                }
                stdout.push_str(shown_body);
            }
            let total_secs = (rtt_ms * 2.0 + 0.3) / 1000.0;
            if let Some(f) = &o.write_out {
                stdout.push_str(&write_out(
                    f,
                    200,
                    Some(target.ip),
                    total_secs,
                    shown_body.len(),
                ));
            }
            if meter {
                let size = if o.head { 0 } else { body.len() as u64 };
                let speed = ((size as f64) / total_secs.max(0.000_1)) as u64;
                stderr.push('\r');
                stderr.push_str(&curl_progress(size, size, speed, None));
                stderr.push('\n');
            }
            Ok(Out {
                stdout,
                stderr,
                status: 0,
            })
        }
    }
}

// ---------------------------------------------------------------------------------------
// nc (netcat-openbsd)

/// `/etc/services` names of common ports.
fn service_name(port: u16, udp: bool) -> &'static str {
    match (port, udp) {
        (21, false) => "ftp",
        (22, _) => "ssh",
        (23, false) => "telnet",
        (25, false) => "smtp",
        (53, _) => "domain",
        (80, _) => "http",
        (123, true) => "ntp",
        (443, _) => "https",
        (445, false) => "microsoft-ds",
        (1433, false) => "ms-sql-s",
        (3306, false) => "mysql",
        (3389, false) => "ms-wbt-server",
        (5432, false) => "postgresql",
        (6379, false) => "redis",
        (8080, false) => "http-alt",
        _ => "*",
    }
}

pub fn nc(net: &dyn Net, args: &[String]) -> ArmResult<Out> {
    let (opts, operands) = match short_opts(args, &['w'], &['z', 'v', 'u', 'n', '4']) {
        Ok(x) => x,
        Err(e) if e.starts_with("invalid option") || e.starts_with("unrecognized") => {
            return Err(not_supported(format!("nc {e}: this option")))
        }
        Err(e) => return Ok(Out::err(format!("nc: {e}\n"), 1)),
    };
    let has = |c: char| opts.iter().any(|(o, _)| *o == c);
    let timeout = opts
        .iter()
        .find(|(o, _)| *o == 'w')
        .and_then(|(_, v)| v.parse::<u64>().ok());
    if !has('z') {
        return Err(not_supported("nc without -z (an interactive connection)"));
    }
    let (verbose, udp) = (has('v'), has('u'));
    let [host, port_arg] = operands.as_slice() else {
        return Err(not_supported(
            "nc with these operands (one host and one port are)",
        ));
    };
    let Ok(port) = port_arg.parse::<u16>() else {
        return Err(not_supported(format!(
            "nc port ranges or service names ({port_arg})"
        )));
    };
    let proto = if udp { "udp" } else { "tcp" };
    let target = match resolve_target(net, host)? {
        Resolution::Ok(t) => t,
        Resolution::Unknown => {
            return Ok(Out::err(
                format!(
                    "nc: getaddrinfo for host \"{host}\" port {port}: Name or service not known\n"
                ),
                1,
            ))
        }
    };
    let shown = if target.by_name
        && target.canonical != target.ip.to_string()
        && host != &target.ip.to_string()
    {
        format!("{host} ({})", target.ip)
    } else {
        host.clone()
    };
    let mut jitter = Jitter::new(&format!("{}|nc|{}|{port}", net.seed(), target.ip));
    let outcome = reach(
        net,
        if udp { Protocol::Udp } else { Protocol::Tcp },
        target.ip,
        port,
        jitter.range(32768, 60999) as u16,
    )?;
    let success = format!(
        "Connection to {shown} {port} port [{proto}/{}] succeeded!\n",
        service_name(port, udp)
    );
    let say = |s: String, status: i32| Out {
        stdout: String::new(),
        stderr: if verbose { s } else { String::new() },
        status,
    };
    Ok(match outcome {
        // UDP has no handshake: netcat reports success unless told otherwise.
        _ if udp => say(success, 0),
        Reach::Delivered {
            listening: Some(false),
            ..
        } => Out::err(
            format!("nc: connect to {host} port {port} ({proto}) failed: Connection refused\n"),
            1,
        ),
        Reach::Delivered { .. } => say(success, 0),
        Reach::Dropped { .. } => match timeout {
            Some(_) => Out::err(
                format!("nc: connect to {host} port {port} ({proto}) timed out: Operation now in progress\n"),
                1,
            ),
            None => Out::err(
                format!("nc: connect to {host} port {port} ({proto}) failed: Connection timed out\n"),
                1,
            ),
        },
    })
}

// ---------------------------------------------------------------------------------------
// nslookup / dig (BIND 9.18 via systemd-resolved's stub)

const STUB: &str = "127.0.0.53";
const AZURE_DNS: &str = "168.63.129.16";

pub fn nslookup(net: &dyn Net, args: &[String]) -> ArmResult<Out> {
    if let Some(o) = args.iter().find(|a| a.starts_with('-')) {
        return Err(not_supported(format!("nslookup option {o}")));
    }
    let (name, server) = match args {
        [n] => (n, STUB),
        [n, s] if s == AZURE_DNS || s == STUB => (n, s.as_str()),
        [_, s] => {
            return Err(not_supported(format!(
                "nslookup through the DNS server {s}"
            )))
        }
        _ => {
            return Err(not_supported(
                "nslookup in interactive mode or with these arguments",
            ))
        }
    };
    if name.parse::<IpAddr>().is_ok() {
        return Err(not_supported(format!("reverse lookups (nslookup {name})")));
    }
    let mut out = format!("Server:\t\t{server}\nAddress:\t{server}#53\n\n");
    match net.lookup(name)? {
        Lookup::Found { fqdn, addresses } if !addresses.is_empty() => {
            out.push_str("Non-authoritative answer:\n");
            for a in &addresses {
                out.push_str(&format!("Name:\t{fqdn}\nAddress: {a}\n"));
            }
            out.push('\n');
            Ok(Out::ok(out))
        }
        _ => {
            out.push_str(&format!("** server can't find {name}: NXDOMAIN\n\n"));
            Ok(Out {
                stdout: out,
                stderr: String::new(),
                status: 1,
            })
        }
    }
}

/// `Thu Jan 01 00:00:00 UTC 2026` (dig's `WHEN:`).
fn ctime_utc(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let mon = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(month - 1).clamp(0, 11) as usize];
    format!(
        "{weekday} {mon} {day:02} {:02}:{:02}:{:02} UTC {year}",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// BIND's column layout: pad with tabs to the next multiple of 8 at or after `col`.
fn tab_to(line: &mut String, col: usize) {
    let mut len = line.chars().fold(
        0usize,
        |c, ch| {
            if ch == '\t' {
                (c / 8 + 1) * 8
            } else {
                c + 1
            }
        },
    );
    if len >= col {
        line.push('\t');
        return;
    }
    while len < col {
        line.push('\t');
        len = (len / 8 + 1) * 8;
    }
}

fn wire_len(fqdn: &str) -> usize {
    fqdn.trim_end_matches('.')
        .split('.')
        .map(|l| l.len() + 1)
        .sum::<usize>()
        + 1
}

pub fn dig(net: &dyn Net, args: &[String]) -> ArmResult<Out> {
    let mut short = false;
    let mut name: Option<String> = None;
    for a in args {
        match a.as_str() {
            "+short" => short = true,
            "A" | "a" | "IN" | "in" => {}
            s if s.starts_with('@') => {
                let server = &s[1..];
                if server != AZURE_DNS && server != STUB {
                    return Err(not_supported(format!(
                        "dig through the DNS server {server}"
                    )));
                }
            }
            s if s.starts_with('+') || s.starts_with('-') => {
                return Err(not_supported(format!("dig option {s}")))
            }
            s => {
                if name.is_some() {
                    return Err(not_supported(format!(
                        "dig with several names or the record type {s}"
                    )));
                }
                name = Some(s.to_string());
            }
        }
    }
    let Some(name) = name else {
        return Err(not_supported("dig without a name (the root NS query)"));
    };
    if !name.trim_end_matches('.').contains('.') {
        return Err(not_supported(format!(
            "dig of the single-label name '{name}' (dig does not apply the search suffix)"
        )));
    }
    let answer = net.lookup(&name)?;
    let (fqdn, addrs) = match &answer {
        Lookup::Found { fqdn, addresses } => (fqdn.clone(), addresses.clone()),
        Lookup::NxDomain => (name.clone(), vec![]),
    };
    if short {
        return Ok(Out::ok(
            addrs.iter().map(|a| format!("{a}\n")).collect::<String>(),
        ));
    }
    let mut jitter = Jitter::new(&format!("{}|dig|{name}", net.seed()));
    let q = format!("{}.", name.trim_end_matches('.'));
    let a = format!("{}.", fqdn.trim_end_matches('.'));
    let status = if addrs.is_empty() {
        "NXDOMAIN"
    } else {
        "NOERROR"
    };
    let mut out = format!(
        "\n; <<>> DiG 9.18.30-0ubuntu0.22.04.2-Ubuntu <<>> {}\n;; global options: +cmd\n;; Got answer:\n;; ->>HEADER<<- opcode: QUERY, status: {status}, id: {}\n;; flags: qr rd ra; QUERY: 1, ANSWER: {}, AUTHORITY: 0, ADDITIONAL: 1\n\n;; OPT PSEUDOSECTION:\n; EDNS: version: 0, flags:; udp: 65494\n;; QUESTION SECTION:\n",
        args.join(" "),
        jitter.range(1, 65535),
        addrs.len()
    );
    let mut qline = format!(";{q}");
    tab_to(&mut qline, 32);
    qline.push_str("IN\tA\n");
    out.push_str(&qline);
    if !addrs.is_empty() {
        out.push_str("\n;; ANSWER SECTION:\n");
        for addr in &addrs {
            let mut l = a.clone();
            tab_to(&mut l, 24);
            l.push_str("10");
            tab_to(&mut l, 32);
            l.push_str("IN");
            tab_to(&mut l, 40);
            l.push('A');
            tab_to(&mut l, 48);
            l.push_str(&format!("{addr}\n"));
            out.push_str(&l);
        }
    }
    let size = 12 + wire_len(&q) + 4 + addrs.len() * 16 + 11;
    out.push_str(&format!(
        "\n;; Query time: {} msec\n;; SERVER: {STUB}#53({STUB}) (UDP)\n;; WHEN: {}\n;; MSG SIZE  rcvd: {size}\n\n",
        jitter.range(0, 4),
        ctime_utc(net.now_unix())
    ));
    Ok(Out::ok(out))
}

// ---------------------------------------------------------------------------------------
// traceroute 2.1

pub fn traceroute(net: &dyn Net, args: &[String]) -> ArmResult<Out> {
    let (opts, operands) = match short_opts(args, &['m', 'w', 'q', 'p'], &['n', 'I', 'T', '4']) {
        Ok(x) => x,
        Err(e) if e.starts_with("invalid option") || e.starts_with("unrecognized") => {
            return Err(not_supported(format!("traceroute {e}: this option")))
        }
        Err(e) => return Ok(Out::err(format!("traceroute: {e}\n"), 2)),
    };
    let has = |c: char| opts.iter().any(|(o, _)| *o == c);
    let get = |c: char| opts.iter().find(|(o, _)| *o == c).map(|(_, v)| v.clone());
    let max_hops: u64 = get('m')
        .and_then(|v| v.parse().ok())
        .unwrap_or(30)
        .clamp(1, 255);
    let queries: usize = get('q')
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .clamp(1, 10);
    let numeric = has('n');
    let Some(dest) = operands.first() else {
        return Ok(Out::err("Specify \"host\" missing argument.\n", 2));
    };
    let target = match resolve_target(net, dest)? {
        Resolution::Ok(t) => t,
        Resolution::Unknown => {
            return Ok(Out::err(
                format!("{dest}: Name or service not known\nCannot handle \"host\" cmdline arg `{dest}' on position 1 (argc 1)\n"),
                2,
            ))
        }
    };
    let (protocol, port) = if has('I') {
        (Protocol::Icmp, 0)
    } else if has('T') {
        (
            Protocol::Tcp,
            get('p').and_then(|v| v.parse().ok()).unwrap_or(80),
        )
    } else {
        (
            Protocol::Udp,
            get('p').and_then(|v| v.parse().ok()).unwrap_or(33434),
        )
    };
    let mut jitter = Jitter::new(&format!("{}|traceroute|{}", net.seed(), target.ip));
    let outcome = reach(
        net,
        protocol,
        target.ip,
        port,
        jitter.range(32768, 60999) as u16,
    )?;
    let mut out = format!(
        "traceroute to {} ({}), {max_hops} hops max, 60 byte packets\n",
        if target.by_name {
            dest.as_str()
        } else {
            &target.canonical
        },
        target.ip
    );
    let name_of = |ip: IpAddr| {
        if numeric {
            ip.to_string()
        } else {
            format!("{ip} ({ip})")
        }
    };
    let line = |out: &mut String, ttl: u64, ip: IpAddr, base_ms: f64, jitter: &mut Jitter| {
        out.push_str(&format!("{ttl:2}  {}", name_of(ip)));
        for _ in 0..queries {
            let ms = base_ms * (0.97 + jitter.unit() * 0.08);
            out.push_str(&format!("  {ms:.3} ms"));
        }
        out.push('\n');
    };
    let (nvas, reached, rtt) = match &outcome {
        Reach::Delivered { nvas, rtt_ms, .. } => (nvas.clone(), true, *rtt_ms),
        Reach::Dropped { nvas } => (nvas.clone(), false, 1.0),
    };
    let mut ttl = 0u64;
    for (i, nva) in nvas.iter().enumerate() {
        ttl += 1;
        if ttl > max_hops {
            break;
        }
        let frac = (i + 1) as f64 / (nvas.len() + 1) as f64;
        line(&mut out, ttl, *nva, (rtt * frac).max(0.4), &mut jitter);
    }
    if reached && ttl < max_hops {
        ttl += 1;
        line(&mut out, ttl, target.ip, rtt.max(0.5), &mut jitter);
    } else {
        while ttl < max_hops {
            ttl += 1;
            out.push_str(&format!("{ttl:2} {}\n", " *".repeat(queries)));
        }
    }
    Ok(Out::ok(out))
}

// ---------------------------------------------------------------------------------------
// hostname, whoami

pub fn hostname(net: &dyn Net, args: &[String]) -> ArmResult<Out> {
    match args {
        [] => Ok(Out::ok(format!("{}\n", net.hostname()))),
        [a] if a == "-I" || a == "--all-ip-addresses" => Ok(Out::ok(format!(
            "{}\n",
            net.private_ips()
                .iter()
                .map(|i| format!("{i} "))
                .collect::<String>()
        ))),
        [a] if a == "-s" || a == "--short" => Ok(Out::ok(format!(
            "{}\n",
            net.hostname().split('.').next().unwrap_or_default()
        ))),
        _ => Err(not_supported(format!("hostname {}", args.join(" ")))),
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use vnetlab_dataplane::Hop;

    /// A fake network: `10.2.0.4` answers (22 listens, 80 does not), `10.3.0.4` is blocked,
    /// `10.4.0.4` sits behind the NVA `10.0.2.4`, `8.8.8.8` is on the Internet.
    pub struct FakeNet;

    fn hop(kind: HopKind, addr: &str) -> Hop {
        Hop {
            kind,
            resource_id: "/x".into(),
            address: addr.parse().ok(),
            decisions: vec![],
        }
    }

    impl Net for FakeNet {
        fn hostname(&self) -> String {
            "MainVM".into()
        }
        fn private_ips(&self) -> Vec<IpAddr> {
            vec!["10.1.0.4".parse().unwrap()]
        }
        fn lookup(&self, name: &str) -> ArmResult<Lookup> {
            match name {
                "remotevm" | "RemoteVM" => Ok(Lookup::Found {
                    fqdn: "remotevm.abc.bx.internal.cloudapp.net".into(),
                    addresses: vec!["10.2.0.4".parse().unwrap()],
                }),
                "db.contoso.internal" => Ok(Lookup::Found {
                    fqdn: "db.contoso.internal".into(),
                    addresses: vec!["10.2.0.5".parse().unwrap()],
                }),
                n if estate_name(n, &["contoso.internal".into()]) => Ok(Lookup::NxDomain),
                n => Err(ArmError::not_supported(format!(
                    "Resolving the Internet name '{n}'"
                ))),
            }
        }
        fn walk(&self, flow: Flow) -> ArmResult<Walk> {
            let dst = flow.dst.to_string();
            let mut w = Walk {
                flow,
                delivered: true,
                hops: vec![
                    hop(HopKind::Source, "10.1.0.4"),
                    hop(HopKind::VnetLocal, &dst),
                ],
                return_hops: vec![],
                blockers: vec![],
                rtt_ms: Some(68.6),
                warnings: vec![],
                service_listening: match flow.protocol {
                    Protocol::Icmp => None,
                    _ => Some(flow.dst_port == 22 || flow.dst_port == 8080),
                },
            };
            match dst.as_str() {
                "10.3.0.4" => {
                    w.delivered = false;
                    w.rtt_ms = None;
                    w.service_listening = None;
                }
                "10.4.0.4" => {
                    w.hops.insert(1, hop(HopKind::VirtualAppliance, "10.0.2.4"));
                    w.rtt_ms = Some(1.5);
                }
                "8.8.8.8" => w.hops[1] = hop(HopKind::Internet, "8.8.8.8"),
                "10.1.0.4" => w.rtt_ms = Some(0.05),
                _ => {}
            }
            Ok(w)
        }
        fn host_of(&self, ip: IpAddr) -> Option<String> {
            (ip.to_string() == "10.2.0.4").then(|| "RemoteVM".to_string())
        }
        fn seed(&self) -> String {
            "seed".into()
        }
        fn now_unix(&self) -> i64 {
            1_767_225_600
        }
    }

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn ping_prints_iputils_transcripts() {
        let o = ping(&FakeNet, &args("-c 4 10.2.0.4")).unwrap();
        assert_eq!(o.status, 0);
        let lines: Vec<&str> = o.stdout.lines().collect();
        assert_eq!(lines[0], "PING 10.2.0.4 (10.2.0.4) 56(84) bytes of data.");
        for (i, l) in lines[1..5].iter().enumerate() {
            assert!(
                l.starts_with(&format!(
                    "64 bytes from 10.2.0.4: icmp_seq={} ttl=64 time=",
                    i + 1
                )),
                "{l}"
            );
            assert!(l.ends_with(" ms"));
            let t: f64 = l
                .rsplit("time=")
                .next()
                .unwrap()
                .trim_end_matches(" ms")
                .parse()
                .unwrap();
            assert!((65.0..78.0).contains(&t), "{t}");
            // Between 10 and 100 ms iputils prints one decimal.
            assert_eq!(
                l.rsplit("time=")
                    .next()
                    .unwrap()
                    .split('.')
                    .nth(1)
                    .unwrap()
                    .len(),
                "1 ms".len()
            );
        }
        assert_eq!(lines[5], "");
        assert_eq!(lines[6], "--- 10.2.0.4 ping statistics ---");
        assert!(
            lines[7].starts_with("4 packets transmitted, 4 received, 0% packet loss, time 30"),
            "{}",
            lines[7]
        );
        assert!(
            lines[8].starts_with("rtt min/avg/max/mdev = "),
            "{}",
            lines[8]
        );
        // mdev is small next to the spread of four samples within a few percent.
        let mdev: f64 = lines[8]
            .rsplit('/')
            .next()
            .unwrap()
            .trim_end_matches(" ms")
            .parse()
            .unwrap();
        assert!(mdev < 5.0, "{mdev}");
        assert_eq!(lines.len(), 9);
        // Deterministic.
        assert_eq!(ping(&FakeNet, &args("-c 4 10.2.0.4")).unwrap(), o);
    }

    #[test]
    fn ping_of_a_blocked_host_loses_every_packet() {
        let o = ping(&FakeNet, &args("-c 3 10.3.0.4")).unwrap();
        assert_eq!(o.status, 1);
        let lines: Vec<&str> = o.stdout.lines().collect();
        assert_eq!(lines[0], "PING 10.3.0.4 (10.3.0.4) 56(84) bytes of data.");
        assert_eq!(lines[1], "");
        assert_eq!(lines[2], "--- 10.3.0.4 ping statistics ---");
        assert!(
            lines[3].starts_with("3 packets transmitted, 0 received, 100% packet loss, time 20")
        );
        assert!(o.stdout.ends_with("ms\n\n"));
    }

    #[test]
    fn ping_by_name_uses_the_canonical_name_and_nvas_lower_the_ttl() {
        let o = ping(&FakeNet, &args("-c1 remotevm")).unwrap();
        assert!(o.stdout.starts_with("PING remotevm.abc.bx.internal.cloudapp.net (10.2.0.4) 56(84) bytes of data.\n64 bytes from remotevm.abc.bx.internal.cloudapp.net (10.2.0.4): icmp_seq=1 ttl=64"));
        let o = ping(&FakeNet, &args("-n -c1 -s 100 10.4.0.4")).unwrap();
        assert!(
            o.stdout.contains(
                "100(128) bytes of data.\n108 bytes from 10.4.0.4: icmp_seq=1 ttl=63 time=1."
            ),
            "{}",
            o.stdout
        );
        let o = ping(&FakeNet, &args("-c 2 -q 10.2.0.4")).unwrap();
        assert!(!o.stdout.contains("bytes from"));
        assert!(o.stdout.contains("2 packets transmitted, 2 received"));
    }

    #[test]
    fn ping_failures_are_the_real_ones_or_loud() {
        let o = ping(&FakeNet, &args("-c 1 nosuchvm")).unwrap();
        assert_eq!(
            (o.stderr.as_str(), o.status),
            ("ping: nosuchvm: Name or service not known\n", 2)
        );
        assert_eq!(ping(&FakeNet, &args("-c 1")).unwrap().status, 1);
        let e = ping(&FakeNet, &args("10.2.0.4")).unwrap_err();
        assert_eq!(e.code, "NotSupportedByVnetlab");
        let e = ping(&FakeNet, &args("-c 1 8.8.8.8")).unwrap_err();
        assert!(
            e.message.contains("outside the emulated estate"),
            "{}",
            e.message
        );
        let e = ping(&FakeNet, &args("-c 1 www.bing.com")).unwrap_err();
        assert!(e.message.contains("Internet name"));
        assert_eq!(ping(&FakeNet, &args("-c 0 10.2.0.4")).unwrap().status, 1);
        assert_eq!(
            ping(&FakeNet, &args("-w 3 10.2.0.4"))
                .unwrap()
                .stdout
                .matches("bytes from")
                .count(),
            3
        );
    }

    #[test]
    fn ping_time_and_percent_formats_follow_iputils_and_c() {
        assert_eq!(ping_time(45), "0.045");
        assert_eq!(ping_time(1234), "1.23");
        assert_eq!(ping_time(11_234), "11.2");
        assert_eq!(ping_time(145_600), "146");
        assert_eq!(pct_g(0.0), "0");
        assert_eq!(pct_g(100.0), "100");
        assert_eq!(pct_g(100.0 / 3.0), "33.3333");
        assert_eq!(pct_g(25.0), "25");
        assert_eq!(isqrt(99), 9);
        assert_eq!(isqrt(u64::MAX), 4_294_967_295);
    }

    #[test]
    fn curl_shows_the_page_refusals_and_timeouts() {
        let o = curl(&FakeNet, &args("-s http://10.2.0.4:8080/")).unwrap();
        assert_eq!(o.status, 0);
        assert!(o.stdout.contains("<h1>RemoteVM</h1>"));
        assert_eq!(o.stderr, "");
        let o = curl(&FakeNet, &args("10.2.0.4")).unwrap();
        assert_eq!(o.status, 7);
        assert!(o.stderr.starts_with(CURL_HEADER));
        assert!(o.stderr.ends_with("\ncurl: (7) Failed to connect to 10.2.0.4 port 80 after 69 ms: Connection refused\n"), "{:?}", o.stderr);
        let o = curl(&FakeNet, &args("-sS --connect-timeout 5 http://10.3.0.4")).unwrap();
        assert!(
            o.stderr
                .starts_with("curl: (28) Connection timed out after 500"),
            "{}",
            o.stderr
        );
        assert_eq!(o.status, 28);
        let o = curl(&FakeNet, &args("-s http://10.3.0.4")).unwrap();
        assert_eq!((o.stderr.as_str(), o.status), ("", 28));
        let o = curl(&FakeNet, &args("http://10.3.0.4")).unwrap();
        assert!(
            o.stderr
                .contains("curl: (28) Failed to connect to 10.3.0.4 port 80 after 129"),
            "{}",
            o.stderr
        );
        assert!(
            o.stderr.contains(" 0:02:09 "),
            "one progress update per second"
        );
        let o = curl(
            &FakeNet,
            &args("-s -o /dev/null -w %{http_code} http://remotevm:8080"),
        )
        .unwrap();
        assert_eq!(o.stdout, "200");
        let o = curl(&FakeNet, &args("-sI http://10.2.0.4:8080")).unwrap();
        assert!(o.stdout.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(!o.stdout.contains("<html>"));
        let o = curl(&FakeNet, &args("-sS http://10.2.0.4:22")).unwrap();
        assert_eq!(
            (o.stderr.as_str(), o.status),
            ("curl: (1) Received HTTP/0.9 when not allowed\n", 1)
        );
        let o = curl(&FakeNet, &args("-s http://nosuchvm")).unwrap();
        assert_eq!((o.stderr.as_str(), o.status), ("", 6));
        let o = curl(&FakeNet, &args("http://nosuchvm")).unwrap();
        assert!(o
            .stderr
            .ends_with("\ncurl: (6) Could not resolve host: nosuchvm\n"));
        assert_eq!(
            curl(&FakeNet, &args("-v http://10.2.0.4"))
                .unwrap_err()
                .code,
            "NotSupportedByVnetlab"
        );
        assert_eq!(
            curl(&FakeNet, &args("https://10.2.0.4:8080"))
                .unwrap_err()
                .code,
            "NotSupportedByVnetlab"
        );
    }

    #[test]
    fn curl_progress_meter_matches_curls_layout() {
        assert_eq!(
            curl_progress(0, 0, 0, None),
            "  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0"
        );
        assert_eq!(
            curl_progress(612, 612, 611_328, None),
            "100   612  100   612    0     0   597k      0 --:--:-- --:--:-- --:--:--  597k"
        );
        assert_eq!(max5(123_456_789), " 117M");
    }

    #[test]
    fn nc_reports_like_netcat_openbsd() {
        let o = nc(&FakeNet, &args("-zv 10.2.0.4 22")).unwrap();
        assert_eq!(
            (o.stderr.as_str(), o.status),
            ("Connection to 10.2.0.4 22 port [tcp/ssh] succeeded!\n", 0)
        );
        let o = nc(&FakeNet, &args("-z -v remotevm 22")).unwrap();
        assert_eq!(
            o.stderr,
            "Connection to remotevm (10.2.0.4) 22 port [tcp/ssh] succeeded!\n"
        );
        let o = nc(&FakeNet, &args("-zv 10.2.0.4 80")).unwrap();
        assert_eq!(
            (o.stderr.as_str(), o.status),
            (
                "nc: connect to 10.2.0.4 port 80 (tcp) failed: Connection refused\n",
                1
            )
        );
        let o = nc(&FakeNet, &args("-zv -w 3 10.3.0.4 22")).unwrap();
        assert_eq!(
            o.stderr,
            "nc: connect to 10.3.0.4 port 22 (tcp) timed out: Operation now in progress\n"
        );
        let o = nc(&FakeNet, &args("-zv 10.3.0.4 22")).unwrap();
        assert_eq!(
            o.stderr,
            "nc: connect to 10.3.0.4 port 22 (tcp) failed: Connection timed out\n"
        );
        let o = nc(&FakeNet, &args("-z 10.2.0.4 22")).unwrap();
        assert_eq!((o.stderr.as_str(), o.status), ("", 0));
        let o = nc(&FakeNet, &args("-zv 10.2.0.4 8081")).unwrap();
        assert!(o.stderr.contains("[tcp/*]") || o.status == 1);
        assert!(nc(&FakeNet, &args("10.2.0.4 22")).is_err());
    }

    #[test]
    fn nslookup_and_dig_answer_from_the_estate() {
        let o = nslookup(&FakeNet, &args("remotevm")).unwrap();
        assert_eq!(
            o.stdout,
            "Server:\t\t127.0.0.53\nAddress:\t127.0.0.53#53\n\nNon-authoritative answer:\nName:\tremotevm.abc.bx.internal.cloudapp.net\nAddress: 10.2.0.4\n\n"
        );
        let o = nslookup(&FakeNet, &args("nosuchvm")).unwrap();
        assert_eq!(o.status, 1);
        assert!(o
            .stdout
            .contains("** server can't find nosuchvm: NXDOMAIN\n"));
        assert!(nslookup(&FakeNet, &args("www.bing.com")).is_err());
        let o = dig(&FakeNet, &args("+short db.contoso.internal")).unwrap();
        assert_eq!(o.stdout, "10.2.0.5\n");
        let o = dig(&FakeNet, &args("db.contoso.internal")).unwrap();
        assert!(
            o.stdout.contains(";db.contoso.internal.\t\tIN\tA\n"),
            "{}",
            o.stdout
        );
        assert!(
            o.stdout
                .contains("db.contoso.internal.\t10\tIN\tA\t10.2.0.5\n"),
            "{}",
            o.stdout
        );
        assert!(o.stdout.contains(";; WHEN: Thu Jan 01 00:00:00 UTC 2026\n"));
        assert!(o.stdout.contains("status: NOERROR"));
        let o = dig(&FakeNet, &args("nope.contoso.internal")).unwrap();
        assert!(o.stdout.contains("status: NXDOMAIN"));
        assert!(dig(&FakeNet, &args("remotevm")).is_err());
    }

    #[test]
    fn traceroute_lists_nvas_then_the_destination() {
        let o = traceroute(&FakeNet, &args("10.4.0.4")).unwrap();
        let lines: Vec<&str> = o.stdout.lines().collect();
        assert_eq!(
            lines[0],
            "traceroute to 10.4.0.4 (10.4.0.4), 30 hops max, 60 byte packets"
        );
        assert!(
            lines[1].starts_with(" 1  10.0.2.4 (10.0.2.4)  "),
            "{}",
            lines[1]
        );
        assert!(lines[2].starts_with(" 2  10.4.0.4 (10.4.0.4)  "));
        assert_eq!(lines.len(), 3);
        let o = traceroute(&FakeNet, &args("-n -m 3 10.3.0.4")).unwrap();
        assert_eq!(
            o.stdout.lines().skip(1).collect::<Vec<_>>(),
            vec![" 1  * * *", " 2  * * *", " 3  * * *"]
        );
    }

    #[test]
    fn hostname_and_dates() {
        assert_eq!(hostname(&FakeNet, &[]).unwrap().stdout, "MainVM\n");
        assert_eq!(
            hostname(&FakeNet, &args("-I")).unwrap().stdout,
            "10.1.0.4 \n"
        );
        assert_eq!(ctime_utc(1_767_225_600), "Thu Jan 01 00:00:00 UTC 2026");
        assert_eq!(ctime_utc(0), "Thu Jan 01 00:00:00 UTC 1970");
        assert_eq!(ctime_utc(1_763_728_496), "Fri Nov 21 12:34:56 UTC 2025");
    }
}
