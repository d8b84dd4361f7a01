//! `WEFT_MAX_BODY`: a body over the limit is refused with 413 before anything parses it, in a way
//! every kind of client can read.
//!
//! A client that sends `Expect: 100-continue` gets the 413 at once and never sends its body. Many
//! clients (Python's `urllib`, most ERP HTTP stacks) write the whole body before they read: were the
//! connection closed with their body unread, they would see a broken pipe or a reset instead of the
//! reply. For them the rest of the body is read and dropped first, bounded in bytes and in time, so
//! the 413 reaches them; past the bounds the connection is closed.

use poem::http::StatusCode;
use poem::http::header::{CONNECTION, CONTENT_LENGTH, EXPECT};
use poem::web::Json;
use poem::{Body, IntoResponse, Request, Response};
use serde_json::json;
use std::time::Duration;
use tokio::io::AsyncReadExt;

/// At most this much of a refused body is read (and dropped) so that its sender reads the 413.
const DRAIN_BYTES: u64 = 64 * 1024 * 1024;
/// ... and for at most this long.
const DRAIN_TIME: Duration = Duration::from_secs(10);
/// The read buffer.
const CHUNK: usize = 16 * 1024;

/// Hold the request to `max_body`: `Ok` leaves a body within the limit in place (read into memory
/// when no length was declared), `Err` is the 413 to answer.
pub async fn limit_body(req: &mut Request, max_body: usize) -> Result<(), Response> {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(length) if length <= max_body as u64 => Ok(()),
        Some(length) => {
            // The sender waits for a go-ahead: it never sends the body, and hyper sends no
            // `100 Continue` for a body nobody reads.
            let waits = req
                .headers()
                .get(EXPECT)
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
            let drained = !waits && length <= DRAIN_BYTES && drain(req.take_body(), length).await;
            Err(too_large(max_body, drained))
        }
        None => {
            let body = req.take_body();
            // Most requests without a length have no body at all (GET): nothing to read.
            if body.is_empty() {
                req.set_body(body);
                return Ok(());
            }
            match read_at_most(body, max_body).await {
                Read::Whole(bytes) => {
                    req.set_body(bytes);
                    Ok(())
                }
                Read::TooLarge { drained } => Err(too_large(max_body, drained)),
            }
        }
    }
}

enum Read {
    Whole(Vec<u8>),
    /// Over the limit; `drained` when the rest was read to its end within the bounds.
    TooLarge {
        drained: bool,
    },
}

/// A body without a declared length (chunked): read up to `max_body`, then drain the rest.
async fn read_at_most(body: Body, max_body: usize) -> Read {
    let mut reader = body.into_async_read();
    let mut bytes = Vec::new();
    let mut chunk = vec![0u8; CHUNK];
    loop {
        match reader.read(&mut chunk).await {
            Ok(0) => return Read::Whole(bytes),
            Ok(n) if bytes.len() + n <= max_body => bytes.extend_from_slice(&chunk[..n]),
            Ok(_) => {
                let drained = discard(&mut reader, DRAIN_BYTES).await;
                return Read::TooLarge { drained };
            }
            // A body that breaks off while over-long or not: the reply is the 413 only when over.
            Err(_) => return Read::TooLarge { drained: false },
        }
    }
}

/// Read a declared-length body to its end and drop it; false if it did not end within the bounds.
async fn drain(body: Body, length: u64) -> bool {
    let mut reader = body.into_async_read();
    discard(&mut reader, length.min(DRAIN_BYTES)).await
}

/// Read and drop up to `limit` bytes; true when the body ended within `limit` and `DRAIN_TIME`.
async fn discard(reader: &mut (impl tokio::io::AsyncRead + Unpin), limit: u64) -> bool {
    let read_to_end = async {
        let mut chunk = vec![0u8; CHUNK];
        let mut seen = 0u64;
        loop {
            match reader.read(&mut chunk).await {
                Ok(0) => return true,
                Ok(n) => seen += n as u64,
                Err(_) => return false,
            }
            if seen > limit {
                return false;
            }
        }
    };
    tokio::time::timeout(DRAIN_TIME, read_to_end)
        .await
        .unwrap_or(false)
}

/// The 413 with the JSON error body of `/api/v1`; the connection closes unless the body was read.
fn too_large(max_body: usize, drained: bool) -> Response {
    let message = format!("the request body is larger than WEFT_MAX_BODY ({max_body} bytes)");
    let mut response = Json(json!({"error": {"code": "payload_too_large", "message": message}}))
        .with_status(StatusCode::PAYLOAD_TOO_LARGE)
        .into_response();
    if !drained {
        response
            .headers_mut()
            .insert(CONNECTION, "close".parse().expect("a header value"));
    }
    response
}
