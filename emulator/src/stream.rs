//! The event stream: the WebSocket at the `eventStreamUri` that create returns. Attaching the first socket is
//! what routes the conversation to an agent, as on the real service.

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::conversations::{Out, Socket};
use crate::util::{lock, ApiError};
use crate::{agent, Shared};

pub fn router() -> Router<Shared> {
    Router::new().route("/channels/{channel}", get(upgrade))
}

pub fn heartbeat_frame() -> String {
    json!({"topicName": "channel.metadata", "eventBody": {"message": "WebSocket Heartbeat"}}).to_string()
}

fn pong_frame() -> String {
    json!({"topicName": "channel.metadata", "eventBody": {"message": "pong"}}).to_string()
}

async fn upgrade(
    State(st): State<Shared>,
    Path(channel): Path<String>,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let cid = lock(&st.store).by_channel.get(&channel).cloned();
    let Some(cid) = cid else {
        return ApiError::not_found("channel", &channel).into_response();
    };
    match ws {
        Ok(ws) => {
            // Attached before the upgrade answer leaves, so that everything stored after the client sees the
            // socket open reaches it: a client that catches up (GET messages) right after `open` must not miss
            // a message stored between its read and a late attach. Frames wait in the channel meanwhile; if the
            // upgrade never completes, the closed channel detaches the socket at the next fan-out.
            let (tx, rx) = mpsc::unbounded_channel();
            let sid = st.next_socket.fetch_add(1, Ordering::Relaxed);
            let route = {
                let mut store = lock(&st.store);
                match store.convs.get_mut(&cid) {
                    None => None,
                    Some(c) if c.ended => None,
                    Some(c) => {
                        c.sockets.push(Socket { id: sid, tx });
                        let first = !c.routed;
                        c.routed = true;
                        Some(first)
                    }
                }
            };
            if route == Some(true) {
                agent::route(&st, &cid);
            }
            ws.on_upgrade(move |socket| run(st, cid, sid, rx, route.is_some(), socket))
        }
        Err(e) => ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "bad.request",
            format!("This is a WebSocket endpoint: {e}"),
        )
        .into_response(),
    }
}

async fn run(
    st: Shared,
    cid: String,
    sid: u64,
    mut rx: mpsc::UnboundedReceiver<Out>,
    attached: bool,
    mut socket: WebSocket,
) {
    if !attached {
        let _ = socket
            .send(Message::Close(Some(CloseFrame {
                code: 1000,
                reason: Utf8Bytes::from_static("the conversation has ended"),
            })))
            .await;
        return;
    }
    let period = Duration::from_millis(st.cfg.heartbeat_ms.max(1));
    let mut beat = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    let mut clean_close = false;
    loop {
        tokio::select! {
            out = rx.recv() => match out {
                Some(Out::Text(t)) => {
                    crate::faults::wait_out_stall(&st).await;
                    if socket.send(Message::Text(t)).await.is_err() {
                        break;
                    }
                }
                Some(Out::Close) => {
                    clean_close = true;
                    break;
                }
                Some(Out::Drop) | None => break,
            },
            _ = beat.tick() => {
                if st.heartbeats_on.load(Ordering::Relaxed) {
                    crate::faults::wait_out_stall(&st).await;
                    if socket.send(Message::Text(heartbeat_frame().into())).await.is_err() {
                        break;
                    }
                }
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(t))) => {
                    let is_ping = serde_json::from_str::<Value>(t.as_str())
                        .ok()
                        .and_then(|v| v.get("message").and_then(Value::as_str).map(|m| m == "ping"))
                        .unwrap_or(false);
                    if is_ping {
                        crate::faults::wait_out_stall(&st).await;
                        if socket.send(Message::Text(pong_frame().into())).await.is_err() {
                            break;
                        }
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
        }
    }
    if clean_close {
        let _ = socket
            .send(Message::Close(Some(CloseFrame {
                code: 1000,
                reason: Utf8Bytes::from_static("the conversation has ended"),
            })))
            .await;
    }
    if let Some(c) = lock(&st.store).convs.get_mut(&cid) {
        c.sockets.retain(|s| s.id != sid);
    }
}
