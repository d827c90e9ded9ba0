//! The lab's fake apiserver as a client sees it over TLS: keep-alive requests, `/version`,
//! a refused malformed request, and a chunked watch stream that `timeoutSeconds` ends.

use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kubegate_balancer::probe_tls::ProbeTls;
use kubegate_config::model::CheckTls;
use kubegate_lab::apiserver::{self, Options};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

async fn connect(addr: SocketAddr) -> TlsStream<TcpStream> {
    let tls = ProbeTls::new(&CheckTls {
        ca_file: None,
        client_cert: None,
        client_key: None,
        server_name: None,
    })
    .expect("client settings");
    let tcp = TcpStream::connect(addr).await.expect("connect");
    TlsConnector::from(tls.config())
        .connect(tls.server_name(addr.ip()), tcp)
        .await
        .expect("handshake")
}

/// Everything the server sends until it closes, within `limit`.
async fn read_all(stream: &mut TlsStream<TcpStream>, limit: Duration) -> String {
    let mut out = Vec::new();
    let _ = tokio::time::timeout(limit, stream.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// The head of the answer at the start of `text`, and what follows it.
fn answer(text: &str) -> (kubegate_http::ResponseHead, &str) {
    let head = kubegate_http::parse_response(text.as_bytes(), 64 * 1024)
        .unwrap_or_else(|e| panic!("expected an answer head, got {e}: {text:?}"))
        .unwrap_or_else(|| panic!("expected a complete answer head, got {text:?}"));
    (head.clone(), &text[head.len..])
}

/// The `Content-Length` bytes of `rest`.
fn body<'a>(head: &kubegate_http::ResponseHead, rest: &'a str) -> &'a str {
    let length = head.header("content-length").expect("a Content-Length");
    let length: usize = std::str::from_utf8(length).unwrap().parse().unwrap();
    &rest[..length]
}

#[test]
fn requests_on_one_connection_and_a_refused_one() {
    let server = apiserver::serve(
        "127.0.0.1:0".parse().unwrap(),
        &["127.0.0.1"],
        Arc::new(AtomicBool::new(true)),
    )
    .unwrap();
    let addr = server.local_addr();
    runtime().block_on(async {
        let mut s = connect(addr).await;
        s.write_all(
            b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\nGET /version HTTP/1.1\r\nHost: x\r\n\
              Connection: close\r\n\r\n",
        )
        .await
        .unwrap();
        let text = read_all(&mut s, Duration::from_secs(2)).await;
        let (ready, rest) = answer(&text);
        assert_eq!((ready.code, body(&ready, rest)), (200, "ok"), "{text}");
        let (version, rest) = answer(&rest[body(&ready, rest).len()..]);
        assert_eq!(version.code, 200, "{text}");
        assert!(
            body(&version, rest).contains("\"gitVersion\":\"v1.33.0-kubegate-lab\""),
            "{text}"
        );

        let mut s = connect(addr).await;
        s.write_all(b"GET  /readyz HTTP/1.1\r\n\r\n").await.unwrap();
        let text = read_all(&mut s, Duration::from_secs(2)).await;
        let (refused, _) = answer(&text);
        assert_eq!(
            (refused.code, refused.reason.as_str()),
            (400, "Bad Request")
        );
    });
    assert_eq!(server.requests(), 2, "the malformed one is not counted");
}

#[test]
fn a_watch_streams_one_chunked_line_per_tick_until_its_timeout() {
    let mut options = Options::new(&["127.0.0.1"], Arc::new(AtomicBool::new(true)));
    options.watch_every = Duration::from_millis(50);
    let server = apiserver::serve_with("127.0.0.1:0".parse().unwrap(), options).unwrap();
    let started = Instant::now();
    let text = runtime().block_on(async {
        let mut s = connect(server.local_addr()).await;
        s.write_all(
            b"GET /api/v1/namespaces/default/pods?watch=1&timeoutSeconds=1 HTTP/1.1\r\n\
              Host: x\r\n\r\n",
        )
        .await
        .unwrap();
        read_all(&mut s, Duration::from_secs(3)).await
    });
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(2),
        "{took:?}"
    );
    let (head, body) = answer(&text);
    assert_eq!(
        head.header("transfer-encoding"),
        Some(&b"chunked"[..]),
        "{text}"
    );
    assert!(
        body.ends_with("0\r\n\r\n"),
        "the last chunk ends it: {body:?}"
    );
    // Walk the chunks: size line, data, CRLF.
    let mut rest = body;
    let mut lines = Vec::new();
    loop {
        let (size, after) = rest.split_once("\r\n").expect("a chunk size");
        let size = usize::from_str_radix(size, 16).expect("hex size");
        if size == 0 {
            break;
        }
        lines.push(&after[..size]);
        rest = after[size..].strip_prefix("\r\n").expect("chunk CRLF");
    }
    assert!(lines.len() >= 10, "about 20 events in 1 s: {}", lines.len());
    for (i, line) in lines.iter().enumerate() {
        let name = format!("\"name\":\"lab-{}\"", i + 1);
        assert!(
            line.starts_with("{\"type\":\"ADDED\"") && line.contains(&name),
            "{line}"
        );
        assert!(line.ends_with('\n'));
    }
}
