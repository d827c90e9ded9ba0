//! Opening one backend connection: a non-blocking `connect` whose outcome is read from the
//! socket's readiness. A failed connect raises `EPOLLERR` (with `EPOLLHUP`) on the socket, a
//! completed one only `EPOLLOUT`, so the `getsockopt(SO_ERROR)` that tokio's
//! `TcpSocket::connect` makes after every connect is needed only when the connect failed (to
//! tell why). `TCP_NODELAY` is set before the connect; the dead-peer options later (see the
//! proxy's watchdog).

use std::io;
use std::net::SocketAddr;
use std::os::fd::AsFd;

use socket2::{Domain, Protocol, Socket, Type};
use tokio::io::Interest;
use tokio::net::TcpStream;

use kubegate_sys::tcp;

/// A socket for `address`, non-blocking, with `TCP_NODELAY`. Errors here are local ones (the
/// descriptor limit), not the backend's fault.
pub fn socket(address: SocketAddr) -> io::Result<Socket> {
    let socket = Socket::new(
        Domain::for_address(address),
        Type::STREAM.nonblocking().cloexec(),
        Some(Protocol::TCP),
    )?;
    tcp::set_nodelay(socket.as_fd())?;
    Ok(socket)
}

/// Connect `socket` to `address`; resolves once the connection is established or has failed.
pub async fn connect(socket: Socket, address: SocketAddr) -> io::Result<TcpStream> {
    match socket.connect(&address.into()) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(e) => return Err(e),
    }
    let stream = TcpStream::from_std(socket.into())?;
    // While the handshake runs the socket reports nothing (no `EPOLLOUT` in SYN-SENT); the
    // first readiness is the outcome.
    let ready = stream.ready(Interest::WRITABLE | Interest::ERROR).await?;
    if ready.is_error() || ready.is_write_closed() {
        let why = stream.take_error()?;
        return Err(why.unwrap_or_else(|| io::ErrorKind::ConnectionRefused.into()));
    }
    Ok(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn connects_to_a_listener_and_reports_a_refusal_with_its_cause() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let open = listener.local_addr().unwrap();
        // A port that was just free: bound, then closed (nothing listens there now).
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        runtime().block_on(async {
            let stream = connect(socket(open).unwrap(), open)
                .await
                .expect("connects");
            assert_eq!(stream.peer_addr().unwrap(), open);
            assert!(stream.nodelay().unwrap(), "TCP_NODELAY set");
            let (accepted, from) = listener.accept().unwrap();
            assert_eq!(from, stream.local_addr().unwrap());
            drop(accepted);

            let err = connect(socket(closed).unwrap(), closed)
                .await
                .expect_err("nothing listens");
            assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
        });
    }
}
