//! A request answered before its body was read (a 401 on `PATCH /channels/1`, a 404, a 413)
//! must not poison its keep-alive connection. hyper closes such a connection silently when the
//! rest of the body has not arrived yet, and the client's next request on it fails. This layer
//! takes back the unread body once the handler is done, reads a small remainder (bounded in
//! size and time) so the connection stays usable, and otherwise says `Connection: close` so the
//! client knows to open a new one.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use http_body::{Frame, SizeHint};

/// At most this much of an unread body is read and thrown away.
pub const DRAIN_MAX_BYTES: u64 = 256 * 1024;
/// And for at most this long; a client that sends slower gets `Connection: close`.
pub const DRAIN_MAX_TIME: Duration = Duration::from_secs(2);

type Unread = Arc<Mutex<Option<Body>>>;

/// The request body as the handler sees it; when dropped unfinished, it hands the rest back.
struct Watched {
    inner: Option<Body>,
    finished: bool,
    unread: Unread,
}

impl HttpBody for Watched {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let Some(inner) = self.inner.as_mut() else {
            return Poll::Ready(None);
        };
        let polled = Pin::new(inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) {
            self.finished = true;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.finished || self.inner.as_ref().is_none_or(HttpBody::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner
            .as_ref()
            .map_or_else(|| SizeHint::with_exact(0), HttpBody::size_hint)
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        if let Some(body) = self.inner.take()
            && !self.finished
            && !body.is_end_stream()
        {
            *self.unread.lock().unwrap_or_else(|e| e.into_inner()) = Some(body);
        }
    }
}

/// The middleware (`axum::middleware::from_fn(keep_connection_usable)`).
pub async fn keep_connection_usable(req: Request, next: Next) -> Response {
    if req.body().is_end_stream() {
        return next.run(req).await;
    }
    // A client waiting for `100 Continue` has sent nothing yet: reading would invite the
    // whole body, so such a connection is simply closed.
    let expects_continue = req
        .headers()
        .get(header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let unread = Unread::default();
    let req = req.map(|body| {
        Body::new(Watched {
            inner: Some(body),
            finished: false,
            unread: unread.clone(),
        })
    });
    let mut res = next.run(req).await;
    let rest = unread.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(rest) = rest {
        let usable = !expects_continue && drain(rest).await;
        if !usable {
            res.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
    }
    res
}

/// Reads and discards the rest of a body; whether it ended within the bounds.
async fn drain(mut body: Body) -> bool {
    if body.size_hint().lower() > DRAIN_MAX_BYTES {
        return false;
    }
    let read_all = async {
        let mut seen: u64 = 0;
        loop {
            match std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
                None => return true,
                Some(Err(_)) => return false,
                Some(Ok(frame)) => {
                    if let Some(data) = frame.data_ref() {
                        seen = seen.saturating_add(u64::try_from(data.len()).unwrap_or(u64::MAX));
                        if seen > DRAIN_MAX_BYTES {
                            return false;
                        }
                    }
                }
            }
        }
    };
    tokio::time::timeout(DRAIN_MAX_TIME, read_all)
        .await
        .unwrap_or(false)
}
