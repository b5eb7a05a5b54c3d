//! One guest WebSocket: requests in, answers and the conversation's frames out, in one ordered queue (answers are
//! queued like fan-out frames, so a `SessionResponse` always precedes what the session then tells the guest).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};
use tokio::sync::mpsc;

use super::{wire, Session};
use crate::conversations::{AgentMode, Conversation, Member, Out, Role, Socket, State as MState, Wire};
use crate::routes::{make_jwt, MAX_BODY_CHARS};
use crate::util::{lock, now_ms, uuid, ApiError};
use crate::{agent, faults, Shared};

/// The longest guest token the service accepts (docs/webmessaging.md).
const MAX_TOKEN_CHARS: usize = 2048;
/// `channel.metadata.customAttributes` may serialize to at most this many bytes.
const MAX_CUSTOM_ATTRIBUTE_BYTES: usize = 2048;
/// `onMessage` requests allowed per session per second.
const MESSAGES_PER_SECOND: usize = 2;
/// How long a JWT from `getJwt` is said to last.
const JWT_SECONDS: u64 = 86_400;

pub async fn upgrade(
    State(st): State<Shared>,
    q: Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let deployment = q
        .ok()
        .and_then(|Query(q)| q.get("deploymentId").cloned())
        .filter(|d| !d.trim().is_empty());
    let Some(deployment) = deployment else {
        return ApiError::bad_field(
            "deploymentId",
            "Query parameter 'deploymentId' is required: wss://webmessaging.<region>/v1?deploymentId=<id>",
        )
        .into_response();
    };
    match ws {
        Ok(ws) => ws.on_upgrade(move |socket| run(st, deployment, socket)),
        Err(e) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad.request",
            format!("This is a WebSocket endpoint: {e}"),
        )
        .into_response(),
    }
}

/// A failed request, as `{type: "response", class: "string", code, body: <text>}`.
struct Fail(u16, String);

type Answer = Result<(), Fail>;

fn fail(code: u16, text: impl Into<String>) -> Fail {
    Fail(code, text.into())
}

struct Conn {
    st: Shared,
    deployment: String,
    sid: u64,
    tx: mpsc::UnboundedSender<Out>,
    /// The token and conversation this socket is configured for.
    session: Option<(String, String)>,
}

async fn run(st: Shared, deployment: String, mut socket: WebSocket) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let sid = st.next_socket.fetch_add(1, Ordering::Relaxed);
    let mut conn = Conn {
        st: st.clone(),
        deployment,
        sid,
        tx,
        session: None,
    };
    let mut clean_close = false;
    loop {
        tokio::select! {
            out = rx.recv() => match out {
                Some(Out::Text(t)) => {
                    faults::wait_out_stall(&st).await;
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
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(t))) => conn.handle(t.as_str()),
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
        }
    }
    if clean_close {
        let _ = socket
            .send(Message::Close(Some(CloseFrame {
                code: 1000,
                reason: Utf8Bytes::from_static("the session was closed"),
            })))
            .await;
    }
    conn.detach();
}

fn opt_string<'a>(obj: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, Fail> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(fail(400, format!("Field '{key}' must be a string"))),
    }
}

impl Conn {
    fn reply(&self, frame: Value) {
        let _ = self.tx.send(Out::Text(Utf8Bytes::from(frame.to_string())));
    }

    fn respond(&self, class: &str, body: Value, tracing_id: Option<&str>) {
        let mut frame = json!({"type": "response", "class": class, "code": 200, "body": body});
        if let (Some(t), Some(o)) = (tracing_id, frame.as_object_mut()) {
            o.insert("tracingId".into(), json!(t));
        }
        self.reply(frame);
    }

    fn handle(&mut self, text: &str) {
        let parsed: Result<Map<String, Value>, Fail> = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(o)) => Ok(o),
            Ok(_) => Err(fail(400, "Request failed: the frame must be a JSON object")),
            Err(e) => Err(fail(400, format!("Request failed: the frame is not JSON: {e}"))),
        };
        let obj = match parsed {
            Ok(o) => o,
            Err(f) => return self.answer_fail(f, None),
        };
        let tracing_id = match opt_string(&obj, "tracingId") {
            Ok(t) => t.map(str::to_string),
            Err(f) => return self.answer_fail(f, None),
        };
        if let Err(f) = self.dispatch(&obj, tracing_id.as_deref()) {
            self.answer_fail(f, tracing_id.as_deref());
        }
    }

    fn answer_fail(&self, Fail(code, text): Fail, tracing_id: Option<&str>) {
        let mut frame = json!({"type": "response", "class": "string", "code": code, "body": text});
        if let (Some(t), Some(o)) = (tracing_id, frame.as_object_mut()) {
            o.insert("tracingId".into(), json!(t));
        }
        self.reply(frame);
    }

    fn dispatch(&mut self, obj: &Map<String, Value>, tracing_id: Option<&str>) -> Answer {
        let action = opt_string(obj, "action")?.ok_or_else(|| fail(400, "Field 'action' is required"))?;
        let token = opt_string(obj, "token")?.unwrap_or_default();
        if token.trim().is_empty() {
            return Err(fail(400, "Field 'token' is required"));
        }
        if token.chars().count() > MAX_TOKEN_CHARS {
            return Err(fail(
                400,
                format!("Field 'token' must be at most {MAX_TOKEN_CHARS} characters"),
            ));
        }
        match action {
            "configureSession" => self.configure(obj, token, tracing_id),
            "echo" => {
                let text = obj
                    .get("message")
                    .and_then(|m| m.get("text"))
                    .and_then(Value::as_str)
                    .unwrap_or("ping");
                let body = json!({"id": uuid(), "type": "Text", "text": text, "direction": "Inbound"});
                self.respond("StructuredMessage", body, tracing_id);
                Ok(())
            }
            "onMessage" => self.on_message(obj, token, tracing_id),
            "getJwt" => self.get_jwt(token, tracing_id),
            "closeSession" => self.close_session(token, tracing_id),
            "configureAuthenticatedSession" | "onAttachment" | "getAttachment" | "deleteAttachment" => {
                Err(fail(
                    4000,
                    format!("Feature unavailable: the emulator does not support {action}"),
                ))
            }
            other => Err(fail(400, format!("Request failed: unknown action {other:?}"))),
        }
    }

    /// The conversation of the session this socket configured for `token`.
    fn configured(&self, token: &str) -> Result<String, Fail> {
        match &self.session {
            Some((t, cid)) if t == token => Ok(cid.clone()),
            _ => Err(fail(
                4007,
                "Session not found: send configureSession with this token first",
            )),
        }
    }

    fn configure(&mut self, obj: &Map<String, Value>, token: &str, tracing_id: Option<&str>) -> Answer {
        let deployment = opt_string(obj, "deploymentId")?.unwrap_or_default();
        if deployment != self.deployment {
            return Err(fail(
                400,
                format!(
                    "Field 'deploymentId' must be the socket's deployment {:?}",
                    self.deployment
                ),
            ));
        }
        let start_new = match obj.get("startNew") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(fail(400, "Field 'startNew' must be a boolean")),
        };
        match obj.get("journeyContext") {
            None | Some(Value::Null) | Some(Value::Object(_)) => {}
            Some(_) => return Err(fail(400, "Field 'journeyContext' must be an object")),
        }
        self.detach();
        let (cid, new_session, read_only) = {
            let mut store = lock(&self.st.store);
            let existing = store
                .wm
                .get(token)
                .map(|s| s.cid.clone())
                .filter(|cid| store.convs.contains_key(cid));
            match existing {
                Some(cid) if !start_new => {
                    let ended = store.convs.get(&cid).is_some_and(|c| c.ended);
                    (cid, false, ended)
                }
                old => {
                    if let Some(c) = old.and_then(|cid| store.convs.get_mut(&cid)) {
                        c.end();
                    }
                    let c = new_conversation(token, &self.deployment);
                    let cid = c.id.clone();
                    store.order.push(cid.clone());
                    store.convs.insert(cid.clone(), c);
                    store.wm.insert(
                        token.to_string(),
                        Session {
                            cid: cid.clone(),
                            deployment_id: self.deployment.clone(),
                            recent: VecDeque::new(),
                        },
                    );
                    (cid, true, false)
                }
            }
        };
        // Queued before the socket attaches: the answer precedes everything the session tells it.
        self.respond(
            "SessionResponse",
            json!({
                "connected": true,
                "newSession": new_session,
                "readOnly": read_only,
                "maxCustomDataBytes": MAX_CUSTOM_ATTRIBUTE_BYTES,
                "clearedExistingSession": false,
            }),
            tracing_id,
        );
        if let Some(c) = lock(&self.st.store).convs.get_mut(&cid) {
            c.sockets.push(Socket {
                id: self.sid,
                tx: self.tx.clone(),
            });
        }
        self.session = Some((token.to_string(), cid.clone()));
        if new_session {
            agent::route(&self.st, &cid);
        }
        Ok(())
    }

    fn on_message(&mut self, obj: &Map<String, Value>, token: &str, tracing_id: Option<&str>) -> Answer {
        let cid = self.configured(token)?;
        let message = match obj.get("message") {
            Some(Value::Object(m)) => m,
            _ => return Err(fail(400, "Field 'message' is required and must be an object")),
        };
        let kind = opt_string(message, "type")?.unwrap_or_default();
        let attributes = message
            .get("channel")
            .and_then(|c| c.get("metadata"))
            .and_then(|m| m.get("customAttributes"));
        if let Some(a) = attributes {
            let bytes = a.to_string().len();
            if bytes > MAX_CUSTOM_ATTRIBUTE_BYTES {
                return Err(fail(
                    4013,
                    format!("Custom Attributes in channel metadata is larger than {MAX_CUSTOM_ATTRIBUTE_BYTES} bytes ({bytes})"),
                ));
            }
        }
        enum Act {
            Text(String),
            Typing,
            Join,
            Clear,
        }
        let act = match kind {
            "Text" => {
                let text = opt_string(message, "text")?
                    .ok_or_else(|| fail(400, "Field 'message.text' is required for a Text message"))?;
                let n = text.chars().count();
                if n > MAX_BODY_CHARS {
                    return Err(fail(
                        4011,
                        format!("Message too long: at most {MAX_BODY_CHARS} characters, this one has {n}"),
                    ));
                }
                if text.trim().is_empty() {
                    return Err(fail(400, "Field 'message.text' must not be empty"));
                }
                Act::Text(text.to_string())
            }
            "Event" => {
                let event = match message.get("events") {
                    Some(Value::Array(events)) if events.len() == 1 => events.first(),
                    _ => None,
                }
                .ok_or_else(|| fail(400, "Field 'message.events' must be an array of one event"))?;
                let event_type = event.get("eventType").and_then(Value::as_str);
                let sub = |key: &str| event.get(key).and_then(|e| e.get("type")).and_then(Value::as_str);
                match (event_type, sub("typing"), sub("presence")) {
                    (Some("Typing"), Some("On"), _) => Act::Typing,
                    (Some("Presence"), _, Some("Join")) => Act::Join,
                    (Some("Presence"), _, Some("Clear")) => Act::Clear,
                    _ => return Err(fail(400, format!("Request failed: unsupported event {event}"))),
                }
            }
            other => {
                return Err(fail(
                    400,
                    format!("Field 'message.type' must be Text or Event, not {other:?}"),
                ))
            }
        };
        let mut store = lock(&self.st.store);
        // A refused request does not count against the rate: the read-only check comes first.
        if store.convs.get(&cid).is_none_or(|c| c.ended) {
            return Err(fail(
                4006,
                "The conversation has ended and the session is read-only: configure it with startNew: true",
            ));
        }
        if let Some(session) = store.wm.get_mut(token) {
            let now = tokio::time::Instant::now();
            while session
                .recent
                .front()
                .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
            {
                session.recent.pop_front();
            }
            if session.recent.len() >= MESSAGES_PER_SECOND {
                let mut frame = json!({
                    "type": "response",
                    "class": "TooManyRequestsErrorMessage",
                    "code": 429,
                    "body": {"retryAfter": 1, "errorCode": 4029, "errorMessage": "Message rate too high for this session"},
                });
                if let (Some(t), Some(o)) = (tracing_id, frame.as_object_mut()) {
                    o.insert("tracingId".into(), json!(t));
                }
                self.reply(frame);
                return Ok(());
            }
            session.recent.push_back(now);
        }
        let c = store
            .convs
            .get_mut(&cid)
            .ok_or_else(|| fail(4007, "Session not found"))?;
        let customer = c.customer_id.clone();
        match act {
            Act::Text(text) => {
                c.add_message_traced(&customer, &text, "standard", tracing_id);
                drop(store);
                agent::on_customer_message(&self.st, &cid, &text);
            }
            Act::Typing => {
                c.typing(&customer);
            }
            Act::Join => wire::on_autostart(c, tracing_id),
            Act::Clear => {
                c.end();
                c.send(wire::pushed("SessionClearedEvent", json!({}), None));
                store.wm.remove(token);
            }
        }
        Ok(())
    }

    fn get_jwt(&self, token: &str, tracing_id: Option<&str>) -> Answer {
        let cid = self.configured(token)?;
        let mut store = lock(&self.st.store);
        let member = store
            .convs
            .get(&cid)
            .map(|c| c.customer_id.clone())
            .unwrap_or_default();
        let jwt = make_jwt(&cid, &member);
        store.wm_jwt.insert(jwt.clone(), token.to_string());
        let exp = (now_ms() / 1000) as u64 + JWT_SECONDS;
        self.respond("JwtResponse", json!({"jwt": jwt, "exp": exp}), tracing_id);
        Ok(())
    }

    /// The session's other sockets are told and closed; this one stays configured.
    fn close_session(&self, token: &str, tracing_id: Option<&str>) -> Answer {
        let cid = self.configured(token)?;
        let mut store = lock(&self.st.store);
        let c = store
            .convs
            .get_mut(&cid)
            .ok_or_else(|| fail(4007, "Session not found"))?;
        let closed = wire::pushed("ConnectionClosedEvent", json!({}), None).to_string();
        let sid = self.sid;
        c.sockets.retain(|s| {
            if s.id == sid {
                return true;
            }
            let _ = s.tx.send(Out::Text(Utf8Bytes::from(closed.clone())));
            let _ = s.tx.send(Out::Close);
            false
        });
        let read_only = c.ended;
        self.respond(
            "SessionResponse",
            json!({"connected": false, "newSession": false, "readOnly": read_only}),
            tracing_id,
        );
        Ok(())
    }

    fn detach(&mut self) {
        if let Some((_, cid)) = self.session.take() {
            if let Some(c) = lock(&self.st.store).convs.get_mut(&cid) {
                c.sockets.retain(|s| s.id != self.sid);
            }
        }
    }
}

/// A new conversation for a guest token, routed at once (a Web Messaging guest is in the queue as soon as its
/// session is configured): the ACD queue is named after the deployment.
fn new_conversation(token: &str, deployment: &str) -> Conversation {
    let customer = Member::new("Guest", Role::Customer, MState::Connected);
    let routing = json!({"targetType": "QUEUE", "targetAddress": deployment});
    let mut c = Conversation::new(customer, routing, String::new(), AgentMode::Script);
    c.wire = Wire::WebMessaging {
        token: token.to_string(),
    };
    c.routed = true;
    c
}
