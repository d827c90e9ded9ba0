//! The CLI's side of the admin endpoint (`kubegate status`, `backend`, `handover`, `reload`): where the
//! daemon answers and with which token, one blocking HTTP/1.1 request, errors that say what
//! to do.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};

use super::auth::Token;
use kubegate_config::model::DEFAULT_ADMIN_BIND;

/// Largest answer read (the status of a big daemon is far smaller).
const MAX_ANSWER: u64 = 16 * 1024 * 1024;
const TIMEOUT: Duration = Duration::from_secs(5);

/// Where to ask and with what.
#[derive(Debug, Clone)]
pub struct Target {
    pub addr: SocketAddr,
    pub token: Option<Token>,
}

impl Target {
    /// From the command line: `--admin` wins over the config's `admin.bind`, which wins over
    /// the default; `--token-file` wins over the config's `admin.token_file`.
    pub fn resolve(
        admin: Option<SocketAddr>,
        config: Option<&Path>,
        token_file: Option<&Path>,
    ) -> Result<Target> {
        let cluster = match config {
            Some(path) => Some(crate::host::load_config(path).map_err(|e| anyhow!("{e}"))?),
            None => None,
        };
        let addr = match (admin, &cluster) {
            (Some(a), _) => a,
            (None, Some(c)) => c.admin.bind.ok_or_else(|| {
                anyhow!(
                    "{}: admin.bind is off, so no daemon of this file answers; set admin.bind \
                     and restart kubegate",
                    c.source.display()
                )
            })?,
            (None, None) => DEFAULT_ADMIN_BIND,
        };
        let token_path = token_file
            .map(Path::to_path_buf)
            .or_else(|| cluster.as_ref().and_then(|c| c.admin.token_file.clone()));
        let token = match token_path {
            Some(p) => Some(Token::load(&p)?),
            None => None,
        };
        Ok(Target {
            addr: reachable(addr),
            token,
        })
    }

    /// One request; the status code and the body.
    pub fn request(&self, method: &str, path: &str) -> Result<(u16, String)> {
        self.exchange(method, path, TIMEOUT, None)
    }

    /// One request answered in full within `within` (connect, send and read together), as
    /// asking a peer needs: a node that does not answer, or answers slowly, costs at most that.
    pub fn request_within(
        &self,
        method: &str,
        path: &str,
        within: Duration,
    ) -> Result<(u16, String)> {
        let deadline = std::time::Instant::now() + within;
        self.exchange(method, path, within, Some(deadline))
            .map_err(|e| match std::time::Instant::now() >= deadline {
                true => anyhow!(
                    "{} gave no complete answer within {within:?} ({e:#})",
                    self.addr
                ),
                false => e,
            })
    }

    /// `timeout` bounds the connect and each read and write; `deadline` the whole exchange.
    fn exchange(
        &self,
        method: &str,
        path: &str,
        timeout: Duration,
        deadline: Option<std::time::Instant>,
    ) -> Result<(u16, String)> {
        let left = || match deadline {
            Some(d) => d
                .saturating_duration_since(std::time::Instant::now())
                .max(Duration::from_millis(1)),
            None => timeout,
        };
        let mut stream = TcpStream::connect_timeout(&self.addr, left()).map_err(|e| {
            anyhow!(
                "no daemon answers on {}: is kubegate running? is admin.bind elsewhere? (use \
                 --admin ADDR or --config FILE) ({e})",
                self.addr
            )
        })?;
        stream.set_read_timeout(Some(left()))?;
        stream.set_write_timeout(Some(left()))?;
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: kubegate/{}\r\n\
             Content-Length: 0\r\nConnection: close\r\n",
            self.addr,
            env!("CARGO_PKG_VERSION")
        );
        if let Some(t) = &self.token {
            head.push_str("Authorization: Bearer ");
            head.push_str(&String::from_utf8_lossy(t.expose()));
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        let mut answer = Vec::new();
        let mut chunk = [0u8; 16 * 1024];
        loop {
            if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
                bail!("{} did not finish its answer in time", self.addr);
            }
            stream.set_read_timeout(Some(left()))?;
            let n = stream
                .read(&mut chunk)
                .with_context(|| format!("reading the answer of {}", self.addr))?;
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&chunk[..n]);
            if answer.len() as u64 > MAX_ANSWER {
                bail!(
                    "the answer of {} is larger than {MAX_ANSWER} bytes",
                    self.addr
                );
            }
        }
        parse_answer(&answer).with_context(|| format!("the answer of {}", self.addr))
    }

    /// A request whose answer must be 200; otherwise the daemon's `error` becomes ours.
    pub fn expect_ok(&self, method: &str, path: &str) -> Result<String> {
        let (status, body) = self.request(method, path)?;
        if status == 200 {
            return Ok(body);
        }
        Err(self.refusal(status, &body))
    }

    /// A non-200 answer as an error: the daemon's `error` with a hint for a missing token.
    pub fn refusal(&self, status: u16, body: &str) -> anyhow::Error {
        let message = serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
            .unwrap_or_else(|| body.trim().to_string());
        let hint = match (status, &self.token) {
            (401, None) => " (pass --token-file FILE, or --config FILE with admin.token_file)",
            _ => "",
        };
        anyhow!("{} answered {status}: {message}{hint}", self.addr)
    }
}

/// An unspecified bind (`0.0.0.0`, `::`) is asked on loopback.
pub fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(a) if a.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
        }
        IpAddr::V6(a) if a.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), addr.port())
        }
        _ => addr,
    }
}

/// Largest answer head read.
const MAX_HEAD: usize = 64 * 1024;

fn parse_answer(bytes: &[u8]) -> Result<(u16, String)> {
    let head = match kubegate_http::parse_response(bytes, MAX_HEAD) {
        Ok(Some(head)) => head,
        Ok(None) => bail!("not an HTTP answer"),
        Err(e) => bail!("no HTTP status line ({e})"),
    };
    let body = String::from_utf8_lossy(&bytes[head.len..]).into_owned();
    Ok((head.code, body))
}

/// A path segment with everything but unreserved characters and `:` percent-encoded.
pub fn segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b':') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_and_garbage_is_named() {
        let (status, body) = parse_answer(b"HTTP/1.1 401 Unauthorized\r\nA: b\r\n\r\n{}").unwrap();
        assert_eq!((status, body.as_str()), (401, "{}"));
        let cut = parse_answer(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n").unwrap_err();
        assert_eq!(cut.to_string(), "not an HTTP answer");
        for garbage in [
            &b"SSH-2.0-x\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\nnocolon\r\n\r\n",
        ] {
            let e = parse_answer(garbage).unwrap_err().to_string();
            assert!(
                e.starts_with("no HTTP status line"),
                "{garbage:?} gave {e:?}"
            );
        }
        let huge = [b"HTTP/1.1 200 OK\r\nX: ".as_slice(), &vec![b'a'; MAX_HEAD]].concat();
        let e = parse_answer(&huge).unwrap_err().to_string();
        assert_eq!(e, "no HTTP status line (head too large)");
    }
}
