//! A request answered before its body was read leaves its keep-alive connection usable: the
//! next request on the same socket gets its own answer. A body too large to drain is answered
//! with `Connection: close`. Spoken over a raw socket, headers and body in separate writes, as
//! the clients that showed the bug sent them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::TestServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One HTTP/1.1 answer read off the socket.
struct RawAnswer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl RawAnswer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one answer (status line, headers, a Content-Length body); `None` when the server
/// closed the socket first.
async fn read_answer(sock: &mut TcpStream, buf: &mut Vec<u8>) -> Option<RawAnswer> {
    let deadline = Duration::from_secs(10);
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let mut chunk = [0u8; 4096];
        let n = tokio::time::timeout(deadline, sock.read(&mut chunk))
            .await
            .expect("the server did not answer in time")
            .ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.trim().to_owned(), v.trim().to_owned())
        })
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, v)| v.parse().unwrap());
    while buf.len() < head_end + len {
        let mut chunk = [0u8; 4096];
        let n = tokio::time::timeout(deadline, sock.read(&mut chunk))
            .await
            .expect("the body did not arrive in time")
            .unwrap();
        assert!(n > 0, "the server closed the socket inside a body");
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8(buf[head_end..head_end + len].to_vec()).unwrap();
    buf.drain(..head_end + len);
    Some(RawAnswer {
        status,
        headers,
        body,
    })
}

fn host(t: &TestServer) -> String {
    t.server.addr.to_string()
}

/// Sends the head now and the body a moment later, so the handler answers before it arrives.
async fn send_in_two_writes(sock: &mut TcpStream, head: &str, body: &[u8]) {
    sock.write_all(head.as_bytes()).await.unwrap();
    sock.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(60)).await;
    sock.write_all(body).await.unwrap();
    sock.flush().await.unwrap();
}

fn me_request(t: &TestServer) -> String {
    format!(
        "GET /api/v1/me HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\r\n",
        host(t),
        t.owner
    )
}

#[tokio::test]
async fn refused_requests_with_unread_bodies_keep_the_connection_usable() {
    let t = TestServer::start().await;
    let body = br#"{"name": "Renamed"}"#;
    // Each of these is answered before its body is read.
    let refusals = [
        ("PATCH", "/api/v1/channels/1", "", 401),
        (
            "PATCH",
            "/api/v1/channels/1",
            "Authorization: Bearer not-a-token\r\n",
            401,
        ),
        ("POST", "/api/v1/no-such-route", "", 404),
        ("DELETE", "/api/v1/me", "", 405),
        (
            "POST",
            "/api/v1/custom-channel/webhook",
            "Authorization: Bearer wrong\r\n",
            401,
        ),
    ];
    let mut sock = TcpStream::connect(t.server.addr).await.unwrap();
    let mut buf = Vec::new();
    for (method, path, auth, status) in refusals {
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            host(&t),
            body.len()
        );
        send_in_two_writes(&mut sock, &head, body).await;
        let refused = read_answer(&mut sock, &mut buf)
            .await
            .unwrap_or_else(|| panic!("{method} {path}: the connection was closed"));
        assert_eq!(refused.status, status, "{method} {path}: {}", refused.body);
        assert_ne!(
            refused.header("connection"),
            Some("close"),
            "{method} {path}"
        );
        let err: serde_json::Value = serde_json::from_str(&refused.body).unwrap();
        assert!(err["error"]["code"].is_string(), "{}", refused.body);

        sock.write_all(me_request(&t).as_bytes()).await.unwrap();
        let next = read_answer(&mut sock, &mut buf)
            .await
            .unwrap_or_else(|| panic!("after {method} {path}: the next request was dropped"));
        assert_eq!(next.status, 200, "after {method} {path}: {}", next.body);
        assert!(next.body.contains("owner@example.com"), "{}", next.body);
    }
}

#[tokio::test]
async fn a_body_too_large_to_drain_is_answered_with_connection_close() {
    let t = TestServer::start().await;
    let size = 4 * 1024 * 1024;
    let mut sock = TcpStream::connect(t.server.addr).await.unwrap();
    let head = format!(
        "PATCH /api/v1/channels/1 HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n",
        host(&t)
    );
    sock.write_all(head.as_bytes()).await.unwrap();
    sock.write_all(&vec![b' '; 64 * 1024]).await.unwrap();
    let mut buf = Vec::new();
    let refused = read_answer(&mut sock, &mut buf).await.expect("an answer");
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(
        refused.header("connection"),
        Some("close"),
        "headers: {:?}",
        refused.headers
    );
    // The server keeps its word: nothing more is answered on this socket.
    let _ = sock.write_all(me_request(&t).as_bytes()).await;
    assert!(read_answer(&mut sock, &mut buf).await.is_none());

    // A body that trickles in slower than the drain waits also gets `Connection: close`.
    let mut slow = TcpStream::connect(t.server.addr).await.unwrap();
    let head = format!(
        "PATCH /api/v1/channels/1 HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{",
        host(&t)
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let refused = read_answer(&mut slow, &mut buf).await.expect("an answer");
    assert_eq!(refused.status, 401);
    assert_eq!(refused.header("connection"), Some("close"));
}

#[tokio::test]
async fn a_body_over_the_json_limit_is_refused_with_413_and_the_connection_survives() {
    let t = TestServer::start().await;
    let max = t.server.state.config.max_json_bytes;
    // Over the limit: whether the rest is drained or the connection closed, the client is told.
    let size = max + 10;
    let mut sock = TcpStream::connect(t.server.addr).await.unwrap();
    let head = format!(
        "POST /api/v1/snippets HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n",
        host(&t),
        t.owner
    );
    send_in_two_writes(&mut sock, &head, &vec![b' '; size]).await;
    let mut buf = Vec::new();
    let refused = read_answer(&mut sock, &mut buf).await.expect("an answer");
    assert_eq!(refused.status, 413, "{}", refused.body);
    sock.write_all(me_request(&t).as_bytes()).await.unwrap();
    let next = read_answer(&mut sock, &mut buf).await;
    match refused.header("connection") {
        Some("close") => assert!(next.is_none()),
        _ => assert_eq!(next.expect("the next answer").status, 200),
    }
}
