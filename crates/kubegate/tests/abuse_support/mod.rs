//! Abusive clients of an admin endpoint, one thread each, until told to stop: heads sent a
//! byte at a time, connections that say nothing, floods of requests (pipelined ones, and
//! answers never read), heads and bodies larger than the endpoint accepts. Each keeps a tally
//! of what the endpoint did to it. Loopback only; every socket has short timeouts so the
//! threads notice the stop within a fraction of a second.
#![allow(dead_code)] // each test crate uses a different part

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// What the abusers saw: answers by status (`0`: closed without an answer) and counts of
/// other events, by name.
pub type Tally = BTreeMap<String, usize>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Half a request line (`GET /healthz HT`), then one more byte of a head that never
    /// ends every 100 ms.
    SlowHead,
    /// Holds [`IDLE_EACH`] connections that send nothing, reopening each one closed.
    Idle,
    /// Requests as fast as they are answered: the page, the API, probes, refusals,
    /// 50 pipelined requests in one write, a page asked for and never read.
    Flood,
    /// A head of 64 KiB (the endpoint accepts 8 KiB).
    HugeHead,
    /// Bodies: 10 MB announced, a chunked one, 1 MB sent unannounced after a GET.
    HugeBody,
}

pub const KINDS: [Kind; 5] = [
    Kind::SlowHead,
    Kind::Idle,
    Kind::Flood,
    Kind::HugeHead,
    Kind::HugeBody,
];

/// Connections each idle client holds.
pub const IDLE_EACH: usize = 5;

/// Starts one abuser of `kind` against `admin`; it ends when `stop` is set.
pub fn spawn(kind: Kind, n: usize, admin: SocketAddr, stop: Arc<AtomicBool>) -> JoinHandle<Tally> {
    thread::Builder::new()
        .name(format!("abuse-{kind:?}-{n}"))
        .stack_size(128 * 1024)
        .spawn(move || {
            let mut t = Tally::new();
            let mut step = n;
            while !stop.load(Ordering::Relaxed) {
                match kind {
                    Kind::SlowHead => slow_head(admin, &stop, &mut t),
                    Kind::Idle => idle(admin, &stop, &mut t),
                    Kind::Flood => flood(admin, step, &mut t),
                    Kind::HugeHead => huge_head(admin, &mut t),
                    Kind::HugeBody => huge_body(admin, step, &mut t),
                }
                step += 1;
            }
            t
        })
        .unwrap()
}

fn count(t: &mut Tally, what: impl Into<String>) {
    *t.entry(what.into()).or_default() += 1;
}

fn connect(admin: SocketAddr, t: &mut Tally) -> Option<TcpStream> {
    match TcpStream::connect_timeout(&admin, Duration::from_secs(1)) {
        Ok(c) => {
            c.set_read_timeout(Some(Duration::from_millis(300))).ok()?;
            c.set_write_timeout(Some(Duration::from_millis(300))).ok()?;
            Some(c)
        }
        Err(_) => {
            count(t, "connect failed");
            None
        }
    }
}

/// The status of the answer read so far (to its end, or as far as it came in `wait`).
fn answer(c: &mut TcpStream, wait: Duration) -> u16 {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let until = std::time::Instant::now() + wait;
    while std::time::Instant::now() < until {
        match c.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => break,
        }
    }
    kubegate_http::parse_status_prefix(&buf)
        .ok()
        .flatten()
        .unwrap_or(0)
}

fn slow_head(admin: SocketAddr, stop: &AtomicBool, t: &mut Tally) {
    let Some(mut c) = connect(admin, t) else {
        return;
    };
    let head = [&b"GET /healthz HTTP/1.1\r\nX-Slow: "[..], &[b'a'; 256][..]].concat();
    if c.write_all(&head[..15]).is_err() {
        return;
    }
    let mut buf = [0u8; 512];
    for byte in &head[15..] {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        thread::sleep(Duration::from_millis(100));
        if c.write_all(std::slice::from_ref(byte)).is_err() {
            break;
        }
        // A server that gave up has answered (408, or 503 when evicted) or closed.
        match c.read(&mut buf) {
            Ok(0) => {
                count(t, "closed");
                return;
            }
            Ok(n) => {
                let code = kubegate_http::parse_status_prefix(&buf[..n]).ok().flatten();
                count(t, format!("{}", code.unwrap_or(0)));
                return;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => {
                count(t, "reset");
                return;
            }
        }
    }
}

fn idle(admin: SocketAddr, stop: &AtomicBool, t: &mut Tally) {
    let mut held: Vec<TcpStream> = (0..IDLE_EACH).filter_map(|_| connect(admin, t)).collect();
    let mut buf = [0u8; 512];
    while !stop.load(Ordering::Relaxed) && !held.is_empty() {
        let mut i = 0;
        while i < held.len() {
            match held[i].read(&mut buf) {
                Err(e)
                    if e.kind() == std::io::ErrorKind::WouldBlock
                        || e.kind() == std::io::ErrorKind::TimedOut =>
                {
                    i += 1;
                }
                Ok(n) => {
                    let code = kubegate_http::parse_status_prefix(&buf[..n]).ok().flatten();
                    count(t, format!("{}", code.unwrap_or(0)));
                    held.swap_remove(i);
                }
                Err(_) => {
                    count(t, "reset");
                    held.swap_remove(i);
                }
            }
            if stop.load(Ordering::Relaxed) {
                return;
            }
        }
        // Reopen what the server closed.
        while held.len() < IDLE_EACH {
            match connect(admin, t) {
                Some(c) => held.push(c),
                None => break,
            }
        }
    }
}

const FLOOD: [&str; 7] = [
    "GET / HTTP/1.1\r\n\r\n",
    "GET /metrics HTTP/1.1\r\n\r\n",
    "GET /api/v1/status HTTP/1.1\r\n\r\n",
    "GET /healthz HTTP/1.1\r\n\r\n",
    "POST /api/v1/reload HTTP/1.1\r\nAuthorization: Bearer guess\r\n\r\n",
    "GET /nowhere HTTP/1.1\r\n\r\n",
    "GET /readyz HTTP/1.1\r\n\r\n",
];

fn flood(admin: SocketAddr, step: usize, t: &mut Tally) {
    let Some(mut c) = connect(admin, t) else {
        return;
    };
    let request = match step % 9 {
        // 50 requests in one write: the endpoint answers one and closes.
        7 => FLOOD[0].repeat(50),
        // The page asked for, its answer never read.
        8 => {
            let _ = c.write_all(FLOOD[0].as_bytes());
            count(t, "unread");
            thread::sleep(Duration::from_millis(50));
            return;
        }
        i => FLOOD[i].to_string(),
    };
    if c.write_all(request.as_bytes()).is_err() {
        count(t, "write failed");
        return;
    }
    let code = answer(&mut c, Duration::from_secs(5));
    count(t, format!("{code}"));
    thread::sleep(Duration::from_millis(5));
}

fn huge_head(admin: SocketAddr, t: &mut Tally) {
    let Some(mut c) = connect(admin, t) else {
        return;
    };
    let _ = c.write_all(b"GET / HTTP/1.1\r\nX-Filler: ");
    let filler = [b'a'; 4096];
    for _ in 0..16 {
        if c.write_all(&filler).is_err() {
            break;
        }
    }
    let code = answer(&mut c, Duration::from_secs(2));
    count(t, format!("{code}"));
}

fn huge_body(admin: SocketAddr, step: usize, t: &mut Tally) {
    let Some(mut c) = connect(admin, t) else {
        return;
    };
    let head: &[u8] = match step % 3 {
        0 => b"POST /api/v1/reload HTTP/1.1\r\nContent-Length: 10000000\r\n\r\n",
        1 => b"POST /api/v1/reload HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        _ => b"GET /readyz HTTP/1.1\r\n\r\n",
    };
    let _ = c.write_all(head);
    let junk = [b'z'; 16 * 1024];
    for _ in 0..64 {
        if c.write_all(&junk).is_err() {
            break;
        }
    }
    let code = answer(&mut c, Duration::from_secs(2));
    count(t, format!("{code}"));
}
