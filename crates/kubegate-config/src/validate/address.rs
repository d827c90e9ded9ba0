//! Listening and backend addresses of frontends: `A:P` / `[A6]:P`, port required and non-zero,
//! host names not resolved; a VIP's address written without a port is named as such.

use std::net::{IpAddr, SocketAddr};

use super::super::model::{BgpVip, Vip};
use super::super::scalar::Scalar;

pub fn bracketed(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(a) => a.to_string(),
        IpAddr::V6(a) => format!("[{a}]"),
    }
}

/// `A:P` / `[A6]:P` with a port; host names are not resolved.
fn socket_address(s: &Scalar, role: &str, example: &str) -> Result<SocketAddr, String> {
    if let Scalar::Int(n) = s {
        return Err(format!(
            "{n} is a port alone; write ADDRESS:PORT, like 10.0.0.50:{n}"
        ));
    }
    let t = s.text()?;
    match t.parse::<SocketAddr>() {
        Ok(a) if a.port() == 0 => Err(format!(
            "{t:?} has port 0; write the port {role}, like {}:{}",
            bracketed(a.ip()),
            example
        )),
        Ok(a) if a.ip().is_multicast() => Err(format!(
            "{} is a multicast address; write a unicast address {role}",
            a.ip()
        )),
        Ok(a) => Ok(a),
        Err(_) => match t.parse::<IpAddr>() {
            Ok(IpAddr::V6(a)) => Err(format!(
                "{t:?} has no port; write IPv6 addresses in brackets with the port, like [{a}]:{example}"
            )),
            Ok(a) => Err(format!("{t:?} has no port; write ADDRESS:PORT, like {a}:{example}")),
            Err(_) => Err(format!(
                "{t:?} is not ADDRESS:PORT; write it like 10.0.0.50:{example} or [fd00::50]:{example} (host names are not resolved)"
            )),
        },
    }
}

/// Where a frontend listens; a VIP's address without a port is named as such.
pub fn bind_address(s: &Scalar, vips: &[Vip], bgp_vips: &[BgpVip]) -> Result<SocketAddr, String> {
    let ip = s.text().ok().and_then(|t| t.parse::<IpAddr>().ok());
    let vip = ip.and_then(|ip| {
        let vrrp = vips.iter().find(|v| v.has_address(ip)).map(|v| &v.name);
        let bgp = || bgp_vips.iter().find(|v| v.address == ip).map(|v| &v.name);
        vrrp.or_else(bgp).map(|name| (name, ip))
    });
    if let Some((name, ip)) = vip {
        return Err(format!(
            "{ip} is VIP {name}'s address; a frontend binding the VIP's address must use a port, like {}:8443",
            bracketed(ip)
        ));
    }
    socket_address(s, "to listen on", "8443")
}

pub fn backend_address(s: &Scalar) -> Result<SocketAddr, String> {
    let a = socket_address(s, "of the server", "6443")?;
    if a.ip().is_unspecified() {
        return Err(format!(
            "{} cannot be a backend; write the server's own address",
            a.ip()
        ));
    }
    Ok(a)
}
