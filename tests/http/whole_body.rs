//! A body over `WEFT_MAX_BODY` sent by clients that do not read while they write: each one reads the
//! 413 JSON reply, not a broken pipe. The clients are raw TCP sockets that write their whole request
//! (megabytes, more than the socket buffers hold) before reading a byte, as Python's `urllib` and
//! many ERP HTTP stacks do; and one that asks `Expect: 100-continue` and never sends its body.

use crate::support::{ADMIN_KEY, TestServer};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;
use weft_store::testing::backends;

const LIMIT: usize = 64 * 1024;
/// Far more than the kernel buffers between the two ends: unread, the writer would block and break.
const SENT: usize = 8 * 1024 * 1024;

/// Send `head` then `body` in full, only then read the reply to its end: (status line, JSON body).
fn write_all_then_read(address: &str, head: String, body: Vec<u8>) -> (String, Value) {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream
        .write_all(head.as_bytes())
        .expect("the head is written");
    stream
        .write_all(&body)
        .expect("the whole body is written, not a broken pipe");
    read_reply(stream)
}

fn read_reply(mut stream: TcpStream) -> (String, Value) {
    let mut reply = Vec::new();
    stream
        .read_to_end(&mut reply)
        .expect("the reply is read, not a reset");
    let text = String::from_utf8_lossy(&reply).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("a reply with a body");
    let status = head.lines().next().unwrap_or_default().to_string();
    let json = serde_json::from_str(body).unwrap_or_else(|_| panic!("a JSON body: {text}"));
    (status, json)
}

fn address(server: &TestServer) -> String {
    server.url.trim_start_matches("http://").to_string()
}

fn head(address: &str, length_header: &str, extra: &str) -> String {
    format!(
        "POST /api/create_data HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         x-api-key: {ADMIN_KEY}\r\n{length_header}\r\n{extra}Connection: close\r\n\r\n"
    )
}

fn assert_too_large((status, body): &(String, Value)) {
    assert!(status.starts_with("HTTP/1.1 413"), "{status} {body}");
    assert_eq!(body["error"]["code"], json!("payload_too_large"), "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&LIMIT.to_string()),
        "{body}"
    );
}

async fn server() -> TestServer {
    TestServer::start_with(backends()[0], &[("WEFT_MAX_BODY", &LIMIT.to_string())]).await
}

#[tokio::test]
async fn a_client_that_writes_a_declared_length_body_first_reads_the_413() {
    let server = server().await;
    let address = address(&server);
    let head = head(&address, &format!("Content-Length: {SENT}"), "");
    let reply =
        tokio::task::spawn_blocking(move || write_all_then_read(&address, head, vec![b' '; SENT]))
            .await
            .unwrap();
    assert_too_large(&reply);
}

#[tokio::test]
async fn a_client_that_writes_a_chunked_body_first_reads_the_413() {
    let server = server().await;
    let address = address(&server);
    let head = head(&address, "Transfer-Encoding: chunked", "");
    let chunk = vec![b' '; 64 * 1024];
    let mut body = Vec::new();
    for _ in 0..SENT / chunk.len() {
        body.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        body.extend_from_slice(&chunk);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"0\r\n\r\n");
    let reply = tokio::task::spawn_blocking(move || write_all_then_read(&address, head, body))
        .await
        .unwrap();
    assert_too_large(&reply);
}

#[tokio::test]
async fn a_client_that_expects_100_continue_gets_the_413_instead_and_keeps_its_body() {
    let server = server().await;
    let address = address(&server);
    let head = head(
        &address,
        &format!("Content-Length: {SENT}"),
        "Expect: 100-continue\r\n",
    );
    let reply = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(&address).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream.write_all(head.as_bytes()).unwrap();
        // No body is sent: the answer must come without it, and it is the 413, not `100 Continue`.
        read_reply(stream)
    })
    .await
    .unwrap();
    assert_too_large(&reply);
}

#[tokio::test]
async fn the_same_client_with_a_body_within_the_limit_is_answered() {
    let server = server().await;
    let address = address(&server);
    let payload =
        json!({"params": {"model": "res.partner", "vals": {"payload": {"name": "Small"}}}});
    let body = serde_json::to_vec(&payload).unwrap();
    let head = head(&address, &format!("Content-Length: {}", body.len()), "");
    let (status, reply) =
        tokio::task::spawn_blocking(move || write_all_then_read(&address, head, body))
            .await
            .unwrap();
    assert!(status.starts_with("HTTP/1.1 200"), "{status} {reply}");
    assert_eq!(reply["result"]["is_success"], json!(true), "{reply}");
}
