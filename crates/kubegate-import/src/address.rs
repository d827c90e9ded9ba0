//! Listening and backend addresses as haproxy and nginx write them (`*:9443`, `:9443`,
//! `[::]:6443`, `:::6443`, `10.0.0.51:6443`), turned into kubegate's `ADDRESS:PORT`. Shared by
//! both readers. kubegate resolves no names, so a hostname is an error the caller reports.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// `ADDRESS:PORT`, brackets around IPv6.
pub fn socket(ip: IpAddr, port: u16) -> String {
    match ip {
        IpAddr::V4(v4) => format!("{v4}:{port}"),
        IpAddr::V6(v6) => format!("[{v6}]:{port}"),
    }
}

/// Splits `HOST:PORT`: `[v6]:PORT`, `v6:PORT` (the last colon separates the port), `:PORT`.
/// `None` when there is no port.
pub fn split_host_port(text: &str) -> Option<(&str, &str)> {
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        return Some((host, after.strip_prefix(':')?));
    }
    text.rsplit_once(':')
}

/// A port number 1..65535.
pub fn port(text: &str) -> Result<u16, String> {
    match text.parse::<u16>() {
        Ok(p) if p > 0 && text.bytes().all(|b| b.is_ascii_digit()) => Ok(p),
        _ if text.contains('-') || text.contains(',') => Err(format!(
            "the port {text:?} is a range or list; a kubegate frontend listens on one port: \
             write one bind per port"
        )),
        _ => Err(format!("{text:?} is not a port (1 to 65535)")),
    }
}

/// A listening address: `HOST` empty or `*` is every address of the family (`0.0.0.0`, or `::`
/// when `v6_wildcard`).
pub fn listen(host: &str, port_text: &str, v6_wildcard: bool) -> Result<String, String> {
    let port = port(port_text)?;
    let ip = match host {
        "" | "*" if v6_wildcard => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        "" | "*" => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        _ => ip(host)?,
    };
    Ok(socket(ip, port))
}

/// A backend `IP:PORT`.
pub fn backend(text: &str) -> Result<String, String> {
    let Some((host, port_text)) = split_host_port(text) else {
        return Err(format!(
            "{text:?} has no port; kubegate connects to a fixed port: write it as IP:PORT, like \
             10.0.0.51:6443"
        ));
    };
    let port = port(port_text)?;
    Ok(socket(ip(host)?, port))
}

/// An IP address; a name gets the fix (kubegate resolves no names).
pub fn ip(host: &str) -> Result<IpAddr, String> {
    host.parse::<IpAddr>().map_err(|_| {
        format!(
            "{host:?} is not an IP address; kubegate does not resolve names: write the \
             address itself, like 10.0.0.51"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listening_addresses() {
        assert_eq!(listen("*", "9443", false).unwrap(), "0.0.0.0:9443");
        assert_eq!(listen("", "9443", false).unwrap(), "0.0.0.0:9443");
        assert_eq!(listen("", "6443", true).unwrap(), "[::]:6443");
        assert_eq!(
            listen("10.0.0.50", "6443", false).unwrap(),
            "10.0.0.50:6443"
        );
        assert!(listen("lb.example", "6443", false)
            .unwrap_err()
            .contains("not an IP"));
        assert!(listen("*", "80-81", false).unwrap_err().contains("range"));
        assert!(listen("*", "0", false).unwrap_err().contains("not a port"));
        assert!(listen("*", "+80", false).is_err());
    }

    #[test]
    fn host_and_port_split() {
        assert_eq!(split_host_port("[::]:6443"), Some(("::", "6443")));
        assert_eq!(split_host_port(":::6443"), Some(("::", "6443")));
        assert_eq!(split_host_port(":9443"), Some(("", "9443")));
        assert_eq!(split_host_port("[::1]"), None);
        assert_eq!(split_host_port("10.0.0.1"), None);
    }

    #[test]
    fn backends() {
        assert_eq!(backend("10.0.0.51:6443").unwrap(), "10.0.0.51:6443");
        assert_eq!(backend("[fd00::1]:6443").unwrap(), "[fd00::1]:6443");
        assert!(backend("xxx.16.106.208:6443")
            .unwrap_err()
            .contains("\"xxx.16.106.208\" is not an IP address"));
        assert!(backend("10.0.0.51").unwrap_err().contains("has no port"));
    }
}
