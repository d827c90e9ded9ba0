//! Fetches a TLS server's certificate chain: connect, handshake, read what it presented. Every
//! certificate is accepted (this is an inspection, and the apiserver's cluster CA is rarely
//! trusted where doctor runs); the handshake signature is still checked against the presented
//! key, so what is returned is what the server holds the key for.

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection};

use kubegate_balancer::probe_tls::AnyServerCert;

/// The chain `addr` presents (leaf first). `server_name` is sent in SNI when given, else the
/// IP address is used as the name. Connect and handshake are each bounded by `timeout`.
pub fn fetch_chain(
    addr: SocketAddr,
    server_name: Option<&str>,
    timeout: Duration,
) -> io::Result<Vec<CertificateDer<'static>>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let recorder = Arc::new(AnyServerCert::recording(provider.clone()));
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_no_client_auth();
    let name = match server_name {
        Some(n) => ServerName::try_from(n.to_owned()).map_err(|e| {
            io::Error::new(io::ErrorKind::InvalidInput, format!("server name {n}: {e}"))
        })?,
        None => ServerName::IpAddress(addr.ip().into()),
    };
    let mut conn = ClientConnection::new(Arc::new(config), name).map_err(io::Error::other)?;
    let mut tcp = TcpStream::connect_timeout(&addr, timeout)?;
    tcp.set_read_timeout(Some(timeout))?;
    tcp.set_write_timeout(Some(timeout))?;
    // Each read is bounded by the socket timeout, the whole handshake by the deadline (a
    // server trickling bytes cannot keep us here).
    let deadline = Instant::now() + timeout;
    while conn.is_handshaking() {
        if Instant::now() >= deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("no TLS handshake within {timeout:?}"),
            ));
        }
        conn.complete_io(&mut tcp).map_err(|e| match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => io::Error::new(
                io::ErrorKind::TimedOut,
                format!("no TLS handshake within {timeout:?}"),
            ),
            _ => e,
        })?;
    }
    let chain = recorder.chain();
    if chain.is_empty() {
        return Err(io::Error::other("the server presented no certificate"));
    }
    conn.send_close_notify();
    let _ = conn.complete_io(&mut tcp);
    Ok(chain)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    #[test]
    fn reads_the_chain_of_a_lab_apiserver() {
        let server = kubegate_lab::apiserver::serve(
            "127.0.0.1:0".parse().unwrap(),
            &["127.0.0.1", "kubernetes.default.svc"],
            Arc::new(AtomicBool::new(true)),
        )
        .unwrap();
        let chain = fetch_chain(server.local_addr(), None, Duration::from_secs(3)).unwrap();
        assert_eq!(chain.len(), 1, "the lab apiserver sends its leaf alone");
        let sans = super::super::sans::sans_of(&chain[0]).unwrap();
        assert_eq!(
            sans.ips,
            vec!["127.0.0.1".parse::<std::net::IpAddr>().unwrap()]
        );
        assert_eq!(sans.dns, vec!["kubernetes.default.svc".to_string()]);
    }

    #[test]
    fn a_silent_server_times_out() {
        // Accepts (the kernel completes the connection from the backlog) and never answers.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let started = Instant::now();
        let e = fetch_chain(
            silent.local_addr().unwrap(),
            None,
            Duration::from_millis(300),
        )
        .unwrap_err();
        assert!(
            matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ),
            "{e:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn a_closed_port_is_an_error() {
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = free.local_addr().unwrap();
        drop(free);
        assert!(fetch_chain(addr, None, Duration::from_secs(1)).is_err());
    }
}
