//! Just enough HTTP/1.1 over a loopback `TcpStream` for the WebDriver wire protocol (JSON in,
//! JSON out) and for fetching a page: one request per connection, `Connection: close`, bodies
//! framed by `Content-Length`, chunked encoding or the end of the stream; heads parsed by
//! `kubegate_http`.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// The largest response accepted (a full-page screenshot in base64 fits easily).
const MAX_RESPONSE: usize = 64 << 20;
/// The largest response head accepted.
const MAX_HEAD: usize = 64 * 1024;

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one request and reads the whole answer; `timeout` bounds connecting and every read.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&[u8]>,
    timeout: Duration,
) -> io::Result<Response> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let body = body.unwrap_or_default();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if !body.is_empty() || method == "POST" {
        head.push_str("Content-Type: application/json; charset=utf-8\r\n");
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    read_response(&mut stream)
}

fn read_response(stream: &mut TcpStream) -> io::Result<Response> {
    let mut buf = Vec::new();
    let head = loop {
        match kubegate_http::parse_response(&buf, MAX_HEAD) {
            Ok(Some(head)) => break head,
            Ok(None) => {}
            Err(e) => return Err(invalid(&format!("bad response head: {e}"))),
        }
        if read_more(stream, &mut buf)? == 0 {
            return Err(invalid("the connection closed inside the headers"));
        }
    };
    let status = head.code;
    let headers: Vec<(String, String)> = head
        .headers
        .iter()
        .map(|h| {
            (
                h.name.clone(),
                String::from_utf8_lossy(&h.value).into_owned(),
            )
        })
        .collect();
    let mut response = Response {
        status,
        headers,
        body: buf[head.len..].to_vec(),
    };
    let chunked = response
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    if chunked {
        while !chunks_complete(&response.body)? {
            if read_more(stream, &mut response.body)? == 0 {
                return Err(invalid("the connection closed inside a chunked body"));
            }
        }
        response.body = dechunk(&response.body)?;
    } else if let Some(length) = response.header("content-length") {
        let length: usize = length.parse().map_err(|_| invalid("bad Content-Length"))?;
        if length > MAX_RESPONSE {
            return Err(invalid("response too large"));
        }
        while response.body.len() < length {
            if read_more(stream, &mut response.body)? == 0 {
                return Err(invalid("the connection closed inside the body"));
            }
        }
        response.body.truncate(length);
    } else {
        while read_more(stream, &mut response.body)? > 0 {}
    }
    Ok(response)
}

fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<usize> {
    if buf.len() > MAX_RESPONSE {
        return Err(invalid("response too large"));
    }
    let mut chunk = [0u8; 16 * 1024];
    let n = stream.read(&mut chunk)?;
    buf.extend_from_slice(&chunk[..n]);
    Ok(n)
}

/// Whether `body` holds the last (zero-size) chunk and the blank line after it.
fn chunks_complete(body: &[u8]) -> io::Result<bool> {
    let mut at = 0;
    loop {
        let Some(line_end) = find(&body[at..], b"\r\n") else {
            return Ok(false);
        };
        let size = chunk_size(&body[at..at + line_end])?;
        at += line_end + 2;
        if size == 0 {
            return Ok(find(&body[at..], b"\r\n").is_some());
        }
        at += size + 2;
        if at > body.len() {
            return Ok(false);
        }
    }
}

fn dechunk(body: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len());
    let mut at = 0;
    loop {
        let line_end = find(&body[at..], b"\r\n").ok_or_else(|| invalid("bad chunk"))?;
        let size = chunk_size(&body[at..at + line_end])?;
        at += line_end + 2;
        if size == 0 {
            return Ok(out);
        }
        let data = body
            .get(at..at + size)
            .ok_or_else(|| invalid("short chunk"))?;
        out.extend_from_slice(data);
        at += size + 2;
    }
}

fn chunk_size(line: &[u8]) -> io::Result<usize> {
    let line = std::str::from_utf8(line).map_err(|_| invalid("bad chunk size"))?;
    let hex = line.split(';').next().unwrap_or_default().trim();
    let size = usize::from_str_radix(hex, 16).map_err(|_| invalid("bad chunk size"))?;
    if size > MAX_RESPONSE {
        return Err(invalid("chunk too large"));
    }
    Ok(size)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_are_joined() {
        let body = b"4\r\nWiki\r\n6;x=y\r\npedia \r\n0\r\n\r\n";
        assert!(chunks_complete(body).unwrap());
        assert!(!chunks_complete(&body[..body.len() - 2]).unwrap());
        assert_eq!(dechunk(body).unwrap(), b"Wikipedia ");
    }
}
