//! A raw HTTP/1.1 client on one keep-alive socket, so that the fuzzer sees exactly what the
//! server does with a connection: an answer that says `Connection: close` ends it politely; a
//! socket that closes or resets without a complete answer is a dropped connection.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ANSWER_TIMEOUT: Duration = Duration::from_secs(20);

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub struct Connection {
    addr: SocketAddr,
    sock: Option<TcpStream>,
    buf: Vec<u8>,
    /// Connections the server ended politely (`Connection: close`).
    pub closed_politely: u64,
}

impl Connection {
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            sock: None,
            buf: Vec::new(),
            closed_politely: 0,
        }
    }

    /// Sends one request (writing and reading at once, so an early answer is seen while a
    /// large body is still going out) and reads its answer.
    /// Whether the next request goes on the same socket.
    pub fn is_open(&self) -> bool {
        self.sock.is_some()
    }

    /// With `pause_after`, the first that many bytes (the head) go out, then a short pause,
    /// then the rest: the handler may answer before the body arrives.
    pub async fn exchange(
        &mut self,
        request: &[u8],
        pause_after: Option<usize>,
    ) -> Result<Reply, String> {
        if self.sock.is_none() {
            let sock = TcpStream::connect(self.addr)
                .await
                .map_err(|e| format!("cannot connect: {e}"))?;
            sock.set_nodelay(true).ok();
            self.sock = Some(sock);
            self.buf.clear();
        }
        let Some(sock) = self.sock.as_mut() else {
            return Err("no socket".into());
        };
        let (mut rd, mut wr) = sock.split();
        let write = async {
            let (first, rest) = request.split_at(pause_after.unwrap_or(0).min(request.len()));
            if !first.is_empty() {
                wr.write_all(first).await?;
                wr.flush().await?;
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            let r = wr.write_all(rest).await;
            let _ = wr.flush().await;
            r
        };
        let read = tokio::time::timeout(ANSWER_TIMEOUT, read_reply(&mut rd, &mut self.buf));
        let (written, answer) = tokio::join!(write, read);
        let answer = match answer {
            Err(_) => Err(format!("no answer within {} s", ANSWER_TIMEOUT.as_secs())),
            Ok(a) => a,
        };
        match answer {
            Ok(reply) => {
                if reply
                    .header("connection")
                    .is_some_and(|v| v.eq_ignore_ascii_case("close"))
                {
                    self.sock = None;
                    self.closed_politely += 1;
                }
                Ok(reply)
            }
            Err(why) => {
                self.sock = None;
                let write_note = match written {
                    Ok(()) => String::new(),
                    Err(e) => format!(" (writing failed: {e})"),
                };
                Err(format!("{why}{write_note}"))
            }
        }
    }
}

async fn fill<R: AsyncReadExt + Unpin>(rd: &mut R, buf: &mut Vec<u8>) -> Result<(), String> {
    let mut chunk = [0u8; 16 * 1024];
    match rd.read(&mut chunk).await {
        Ok(0) => Err("the server closed the connection without a complete answer".into()),
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            Ok(())
        }
        Err(e) => Err(format!("the connection broke: {e}")),
    }
}

async fn read_reply<R: AsyncReadExt + Unpin>(
    rd: &mut R,
    buf: &mut Vec<u8>,
) -> Result<Reply, String> {
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        fill(rd, buf).await?;
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    buf.drain(..head_end);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("not an HTTP status line: {status_line:?}"))?;
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let find = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let body = if status == 204 || status == 304 || (100..200).contains(&status) {
        Vec::new()
    } else if let Some(len) = find("content-length") {
        let len: usize = len
            .parse()
            .map_err(|_| format!("bad Content-Length {len:?}"))?;
        while buf.len() < len {
            fill(rd, buf).await?;
        }
        buf.drain(..len).collect()
    } else if find("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        read_chunked(rd, buf).await?
    } else {
        return Err(format!("an answer ({status}) without a length"));
    };
    Ok(Reply {
        status,
        headers,
        body,
    })
}

async fn read_chunked<R: AsyncReadExt + Unpin>(
    rd: &mut R,
    buf: &mut Vec<u8>,
) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line_end = loop {
            if let Some(i) = buf.windows(2).position(|w| w == b"\r\n") {
                break i;
            }
            fill(rd, buf).await?;
        };
        let size_text = String::from_utf8_lossy(&buf[..line_end]).into_owned();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| format!("bad chunk size {size_text:?}"))?;
        buf.drain(..line_end + 2);
        if size == 0 {
            // Trailers (none expected), then the blank line.
            loop {
                if let Some(i) = buf.windows(2).position(|w| w == b"\r\n") {
                    buf.drain(..i + 2);
                    if i == 0 {
                        return Ok(body);
                    }
                } else {
                    fill(rd, buf).await?;
                }
            }
        }
        while buf.len() < size + 2 {
            fill(rd, buf).await?;
        }
        body.extend(buf.drain(..size));
        buf.drain(..2);
    }
}
