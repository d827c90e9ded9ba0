//! The campaign's watcher: a thread that samples who holds each VIP every [`SAMPLE`] (by
//! reading the balancer hosts' addresses) and asks each running kubegate's admin endpoint for
//! `/healthz` every second, without touching the stage the faults are applied to.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::judge::Sample;
use crate::netns;

/// How often the holders are read.
pub const SAMPLE: Duration = Duration::from_millis(100);
/// How often, and after how long a start, an admin endpoint must answer `/healthz`.
const HEALTH_EVERY: Duration = Duration::from_secs(1);
const HEALTH_GRACE: Duration = Duration::from_secs(3);
/// Where the lab's daemons serve their admin endpoint (the product's default).
const ADMIN: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 9099);

/// Balancer hosts whose admin endpoint must answer, with when they started.
pub type Running = Arc<Mutex<BTreeMap<String, Instant>>>;

/// What the watcher saw.
#[derive(Debug, Default)]
pub struct Seen {
    pub samples: Vec<Sample>,
    pub admin_silent: Vec<(u64, String, String)>,
}

/// The watcher thread; `finish` stops it and hands over what it saw.
pub struct Watch {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Seen>>,
}

/// Starts watching `hosts` (lab name, namespace name) for the `vips`; times are ms after
/// `t0`. With `running`, admin endpoints are asked too.
pub fn start(
    hosts: Vec<(String, String)>,
    vips: Vec<Ipv4Addr>,
    running: Option<Running>,
    t0: Instant,
) -> Watch {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let thread = thread::spawn(move || {
        let mut seen = Seen::default();
        let mut next_health = Instant::now() + HEALTH_EVERY;
        while !flag.load(Ordering::SeqCst) {
            let at_ms = t0.elapsed().as_millis() as u64;
            let per_host: Vec<(String, Vec<Ipv4Addr>)> = hosts
                .iter()
                .map(|(name, ns)| (name.clone(), addresses(ns)))
                .collect();
            seen.samples.push(Sample {
                at_ms,
                holders: vips
                    .iter()
                    .map(|vip| {
                        per_host
                            .iter()
                            .filter(|(_, a)| a.contains(vip))
                            .map(|(h, _)| h.clone())
                            .collect()
                    })
                    .collect(),
            });
            if let Some(running) = running.as_ref().filter(|_| Instant::now() >= next_health) {
                next_health += HEALTH_EVERY;
                let due: Vec<String> = running
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .iter()
                    .filter(|(_, since)| since.elapsed() >= HEALTH_GRACE)
                    .map(|(h, _)| h.clone())
                    .collect();
                for host in due {
                    let ns = hosts.iter().find(|(h, _)| *h == host).map(|(_, n)| n);
                    let answer = ns.map_or(Err("no namespace".to_string()), |n| healthz(n));
                    // Still meant to run? (A stop may have come while we asked.)
                    let still = running
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .contains_key(&host);
                    if let (Err(why), true) = (answer, still) {
                        seen.admin_silent
                            .push((t0.elapsed().as_millis() as u64, host, why));
                    }
                }
            }
            thread::sleep(SAMPLE);
        }
        seen
    });
    Watch {
        stop,
        thread: Some(thread),
    }
}

impl Watch {
    pub fn finish(mut self) -> Seen {
        self.stop.store(true, Ordering::SeqCst);
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The IPv4 addresses on `eth0` of namespace `ns` (none when it cannot be read).
fn addresses(ns: &str) -> Vec<Ipv4Addr> {
    let out = std::process::Command::new("ip")
        .args(["-n", ns, "-o", "-4", "addr", "show", "dev", "eth0"])
        .output();
    let Ok(out) = out else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace().skip_while(|w| *w != "inet").skip(1);
            words.next()?.split('/').next()?.parse().ok()
        })
        .collect()
}

/// `GET /healthz` on the admin endpoint in namespace `ns`: `Ok` for a 200 within 2 s.
fn healthz(ns: &str) -> Result<(), String> {
    let answer = netns::enter_named(ns, || -> std::io::Result<String> {
        let mut s = TcpStream::connect_timeout(&ADMIN, Duration::from_secs(2))?;
        s.set_read_timeout(Some(Duration::from_secs(2)))?;
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n")?;
        let mut head = [0u8; 16];
        let n = s.read(&mut head)?;
        Ok(String::from_utf8_lossy(&head[..n]).into_owned())
    })
    .map_err(|e| e.to_string())?
    .map_err(|e| e.to_string())?;
    if answer.starts_with("HTTP/1.1 200") {
        Ok(())
    } else {
        Err(format!(
            "answered {:?}",
            answer.lines().next().unwrap_or_default()
        ))
    }
}
