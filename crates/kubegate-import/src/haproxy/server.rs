//! The parameters of `server` and `default-server` lines (`check inter 2000 rise 2 fall 5
//! weight 1 backup send-proxy-v2 …`). A server's parameters are the `default-server` lines of
//! its `defaults` and of its own section, then its own line.

use std::time::Duration;

use super::lexer::Line;
use crate::durations;
use crate::notes::Notes;

/// What kubegate can use of a server's parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    pub check: bool,
    pub inter: Option<Duration>,
    pub rise: Option<u32>,
    pub fall: Option<u32>,
    pub weight: Option<u32>,
    pub backup: bool,
    pub check_ssl: bool,
    /// haproxy opens TLS to the server (`ssl`).
    pub ssl: bool,
    /// 1 for `send-proxy`, 2 for `send-proxy-v2`.
    pub send_proxy: Option<u8>,
    pub disabled: bool,
    /// `port N`: checks go to another port.
    pub check_port: Option<String>,
    /// Parameters with no kubegate equivalent, once each.
    pub leftovers: Vec<String>,
}

/// Parameters followed by a value that kubegate does not use.
const WITH_VALUE: &[&str] = &[
    "addr",
    "agent-addr",
    "agent-inter",
    "agent-port",
    "agent-send",
    "alpn",
    "ca-file",
    "check-alpn",
    "check-proto",
    "check-sni",
    "ciphers",
    "ciphersuites",
    "client-sigalgs",
    "cookie",
    "crl-file",
    "crt",
    "curves",
    "downinter",
    "error-limit",
    "fastinter",
    "guid",
    "hash-key",
    "id",
    "init-addr",
    "log-bufsize",
    "log-proto",
    "max-reuse",
    "maxconn",
    "maxqueue",
    "minconn",
    "namespace",
    "npn",
    "observe",
    "on-error",
    "on-marked-down",
    "on-marked-up",
    "pool-conn-name",
    "pool-low-conn",
    "pool-max-conn",
    "pool-purge-delay",
    "proto",
    "proxy-v2-options",
    "redir",
    "resolve-net",
    "resolve-opts",
    "resolve-prefer",
    "resolvers",
    "set-proxy-v2-tlv-fmt",
    "shard",
    "sigalgs",
    "slowstart",
    "sni",
    "source",
    "socks4",
    "ssl-max-ver",
    "ssl-min-ver",
    "tcp-ut",
    "track",
    "usesrc",
    "verify",
    "verifyhost",
    "ws",
];

/// Parameters kubegate needs no equivalent for (it does not verify checked certificates
/// without a CA either).
const SILENT: &[&str] = &["verify", "enabled", "no-backup", "no-check-ssl", "no-ssl"];

/// Applies `words` (the parameters of one line) over `p`; bad values are error notes.
pub fn apply(p: &mut Params, words: &[String], line: &Line, notes: &mut Notes) {
    let mut it = words.iter();
    while let Some(word) = it.next() {
        let w = word.as_str();
        match w {
            "check" => p.check = true,
            "no-check" => p.check = false,
            "backup" => p.backup = true,
            "no-backup" => p.backup = false,
            "check-ssl" => p.check_ssl = true,
            "no-check-ssl" => p.check_ssl = false,
            "ssl" => p.ssl = true,
            "no-ssl" => p.ssl = false,
            "send-proxy" => p.send_proxy = Some(1),
            "send-proxy-v2" | "send-proxy-v2-ssl" | "send-proxy-v2-ssl-cn" => {
                p.send_proxy = Some(2)
            }
            "no-send-proxy" | "no-send-proxy-v2" => p.send_proxy = None,
            "disabled" => p.disabled = true,
            "enabled" => p.disabled = false,
            "inter" => p.inter = time(w, it.next(), line, notes).or(p.inter),
            "rise" => p.rise = count(w, it.next(), line, notes).or(p.rise),
            "fall" => p.fall = count(w, it.next(), line, notes).or(p.fall),
            "weight" => p.weight = count(w, it.next(), line, notes).or(p.weight),
            "port" => p.check_port = it.next().cloned(),
            _ => {
                if WITH_VALUE.contains(&w) {
                    it.next();
                }
                if !SILENT.contains(&w) && !p.leftovers.iter().any(|l| l == w) {
                    p.leftovers.push(w.to_string());
                }
            }
        }
    }
}

fn time(key: &str, value: Option<&String>, line: &Line, notes: &mut Notes) -> Option<Duration> {
    let text = value.map_or("", String::as_str);
    match durations::haproxy(text) {
        Ok(d) if !d.is_zero() => Some(durations::whole_ms(d, line.number, notes)),
        Ok(_) => {
            notes.error(
                line.number,
                format!("`{key} {text}` is zero; write a time like 2s"),
            );
            None
        }
        Err(why) => {
            notes.error(line.number, format!("`{key}`: {why}"));
            None
        }
    }
}

fn count(key: &str, value: Option<&String>, line: &Line, notes: &mut Notes) -> Option<u32> {
    let text = value.map_or("", String::as_str);
    match text.parse::<u32>() {
        Ok(n) => Some(n),
        Err(_) => {
            notes.error(
                line.number,
                format!("`{key}` needs a whole number, found {text:?}; write it like {key} 2"),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::lexer::lines;
    use super::*;

    fn params(text: &str) -> (Params, Vec<String>) {
        let l = lines(text).remove(0);
        let mut notes = Notes::new("t.cfg");
        let mut p = Params::default();
        apply(&mut p, &l.words[1..], &l, &mut notes);
        let texts = notes.finish().into_iter().map(|n| n.to_string()).collect();
        (p, texts)
    }

    #[test]
    fn reference_server_lines() {
        let (p, notes) =
            params("x weight 1 cookie 3 check inter 2000 rise 2 fall 5 send-proxy-v2 backup");
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(
            p,
            Params {
                check: true,
                inter: Some(Duration::from_secs(2)),
                rise: Some(2),
                fall: Some(5),
                weight: Some(1),
                backup: true,
                send_proxy: Some(2),
                leftovers: vec!["cookie".into()],
                ..Params::default()
            }
        );
    }

    #[test]
    fn bad_values_are_located_errors() {
        let (p, notes) = params("x check inter often rise\nnext");
        assert!(p.check && p.inter.is_none() && p.rise.is_none());
        assert_eq!(notes.len(), 2);
        assert!(notes[0].starts_with("t.cfg:1: error: `inter`: \"often\" is not an haproxy time"));
        assert_eq!(
            notes[1],
            "t.cfg:1: error: `rise` needs a whole number, found \"\"; write it like rise 2"
        );
    }

    #[test]
    fn check_ssl_verify_none_and_port() {
        let (p, notes) = params("x check check-ssl verify none port 6443 maxconn 100");
        assert!(notes.is_empty());
        assert!(p.check_ssl && !p.ssl);
        assert_eq!(p.check_port.as_deref(), Some("6443"));
        assert_eq!(p.leftovers, ["maxconn"]);
    }
}
