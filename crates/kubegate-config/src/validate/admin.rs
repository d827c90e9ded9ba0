//! `admin:` — where the status page, JSON API and `/metrics` listen (`bind`, default
//! 127.0.0.1:9099, `off` to switch the endpoint off) and the file holding the operator token
//! (`token_file`). A bind that is not on loopback needs the token: the file is refused without it.

use std::net::SocketAddr;
use std::path::PathBuf;

use super::super::model::{Admin, DEFAULT_ADMIN_BIND};
use super::super::raw::{RawAdmin, Sp};
use super::super::scalar::Scalar;
use super::diag::{join, Diag};

pub fn admin(d: &mut Diag, raw: Option<&Sp<RawAdmin>>) -> Admin {
    let Some(raw) = raw else {
        return Admin::default();
    };
    let path = "admin";
    let r = &raw.value;
    let bind = match &r.bind {
        None => Some(DEFAULT_ADMIN_BIND),
        Some(v) if v.value == Scalar::Null => Some(DEFAULT_ADMIN_BIND),
        Some(v) => match bind(&v.value) {
            Ok(b) => b,
            Err(msg) => {
                d.err(&v.referenced, &join(path, "bind"), msg);
                None
            }
        },
    };
    let token_file = d.opt(r.token_file.as_ref(), &join(path, "token_file"), |s| {
        let t = s.text()?;
        if t.is_empty() {
            return Err("the path is empty; write the file holding the token, like \
                        /etc/kubegate/admin-token"
                .into());
        }
        Ok(PathBuf::from(t))
    });
    if let (Some(b), None) = (bind, &token_file) {
        if !b.ip().is_loopback() {
            let loc = r.bind.as_ref().map_or(raw.referenced, |v| v.referenced);
            d.err(
                &loc,
                &join(path, "bind"),
                format!(
                    "{b} is not a loopback address, so the endpoint needs a token: add \
                     `token_file: /etc/kubegate/admin-token` (a file holding a long random \
                     secret, readable by its owner only, e.g. from `head -c 32 /dev/urandom | \
                     base64`, then `chmod 600`), or bind \
                     127.0.0.1:{}",
                    b.port()
                ),
            );
        }
    }
    Admin { bind, token_file }
}

/// `ADDRESS:PORT`, or `off` (also YAML's `false`) for no endpoint.
fn bind(s: &Scalar) -> Result<Option<SocketAddr>, String> {
    match s {
        Scalar::Bool(false) => return Ok(None),
        Scalar::Str(t) if matches!(t.as_str(), "off" | "none" | "false") => return Ok(None),
        Scalar::Int(n) => {
            return Err(format!(
                "{n} is a port alone; write ADDRESS:PORT, like 127.0.0.1:{n}, or `off`"
            ))
        }
        _ => {}
    }
    let t = s.text()?;
    match t.parse::<SocketAddr>() {
        Ok(a) if a.port() == 0 => Err(format!(
            "{t:?} has port 0; write the port to listen on, like 127.0.0.1:9099"
        )),
        Ok(a) if a.ip().is_multicast() => Err(format!(
            "{} is a multicast address; write a local address, like 127.0.0.1:9099",
            a.ip()
        )),
        Ok(a) => Ok(Some(a)),
        Err(_) => Err(format!(
            "{t:?} is not ADDRESS:PORT; write it like 127.0.0.1:9099 or [::1]:9099, or `off` \
             for no admin endpoint"
        )),
    }
}
