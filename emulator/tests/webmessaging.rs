//! Web Messaging against the emulator, through a small guest client written from docs/webmessaging.md: the
//! socket's requests and frames, resuming and starting anew, the agent console answering, history and its
//! paging, the faults (out-of-order, stall, drops, history 5xx), and the documented error shapes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::Duration;

use common::{fast, start, Emu};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const DEPLOYMENT: &str = "dep-wm";

/// A guest: one socket, one token.
struct Guest {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    token: String,
    deployment: String,
}

fn token() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl Guest {
    async fn connect(emu: &Emu, path: &str, deployment: &str, token: &str) -> Guest {
        let url = format!("ws://127.0.0.1:{}{path}?deploymentId={deployment}", emu.port);
        let (ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        Guest {
            ws,
            token: token.to_string(),
            deployment: deployment.to_string(),
        }
    }

    async fn send(&mut self, frame: Value) {
        self.ws
            .send(Message::Text(frame.to_string().into()))
            .await
            .unwrap();
    }

    async fn raw(&mut self, text: &str) {
        self.ws.send(Message::Text(text.into())).await.unwrap();
    }

    /// The next frame, or `None` if the socket closed; panics after 10 s of silence.
    async fn next(&mut self) -> Option<Value> {
        self.next_within(Duration::from_secs(10))
            .await
            .expect("no frame within 10 s")
    }

    /// `Err(())` when nothing arrived in time.
    async fn next_within(&mut self, wait: Duration) -> Result<Option<Value>, ()> {
        loop {
            match tokio::time::timeout(wait, self.ws.next()).await {
                Err(_) => return Err(()),
                Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Message::Close(_)))) => return Ok(None),
                Ok(Some(Ok(Message::Text(t)))) => return Ok(Some(serde_json::from_str(t.as_str()).unwrap())),
                Ok(Some(Ok(_))) => {}
            }
        }
    }

    async fn until(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        loop {
            let f = self
                .next()
                .await
                .unwrap_or_else(|| panic!("the socket closed before {what}"));
            if pred(&f) {
                return f;
            }
        }
    }

    async fn configure(&mut self, start_new: bool) -> Value {
        let (token, deployment) = (self.token.clone(), self.deployment.clone());
        self.send(json!({"action": "configureSession", "token": token, "deploymentId": deployment, "startNew": start_new, "tracingId": "cfg"}))
            .await;
        let f = self
            .until("SessionResponse", |f| f["class"] == "SessionResponse")
            .await;
        assert_eq!(f["type"], "response");
        assert_eq!(f["code"], 200);
        f["body"].clone()
    }

    async fn text(&mut self, text: &str, tracing: &str) {
        let token = self.token.clone();
        self.send(json!({"action": "onMessage", "token": token, "message": {"type": "Text", "text": text}, "tracingId": tracing}))
            .await;
    }

    async fn jwt(&mut self) -> String {
        let token = self.token.clone();
        self.send(json!({"action": "getJwt", "token": token, "tracingId": "jwt"}))
            .await;
        let f = self.until("JwtResponse", |f| f["class"] == "JwtResponse").await;
        assert_eq!(f["tracingId"], "jwt");
        assert!(f["body"]["exp"].as_u64().unwrap() > 1_700_000_000);
        f["body"]["jwt"].as_str().unwrap().to_string()
    }
}

fn structured(f: &Value) -> bool {
    f["class"] == "StructuredMessage" && f["type"] == "message"
}

fn outbound_text(f: &Value, text: &str) -> bool {
    structured(f)
        && f["body"]["direction"] == "Outbound"
        && f["body"]["type"] == "Text"
        && f["body"]["text"] == text
}

fn event(f: &Value, kind: &str, sub: &str) -> bool {
    let key = if kind == "Typing" { "typing" } else { "presence" };
    structured(f)
        && f["body"]["type"] == "Event"
        && f["body"]["direction"] == "Outbound"
        && f["body"]["events"][0]["eventType"] == kind
        && f["body"]["events"][0][key]["type"] == sub
}

async fn history(emu: &Emu, jwt: Option<&str>, query: &str) -> (u16, Value) {
    emu.get(&format!("/api/v2/webmessaging/messages{query}"), jwt)
        .await
}

fn texts(page: &Value) -> Vec<String> {
    page["entities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "Text")
        .map(|e| e["text"].as_str().unwrap().to_string())
        .collect()
}

/// The Web Messaging conversation the console lists for the newest session.
async fn console_chat(emu: &Emu) -> Value {
    let (_, list) = emu.get("/__emulator/agent/chats", None).await;
    list["chats"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|c| c["channel"] == "webmessaging")
        .cloned()
        .expect("a Web Messaging chat in the console list")
}

#[tokio::test]
async fn a_session_is_routed_the_agent_joins_types_and_answers() {
    let emu = start(fast()).await;
    let mut g = Guest::connect(&emu, "/webmessaging/v1", DEPLOYMENT, &token()).await;
    let s = g.configure(false).await;
    assert_eq!(s["connected"], true);
    assert_eq!(s["newSession"], true);
    assert_eq!(s["readOnly"], false);

    let join = g
        .until("the agent's Join", |f| event(f, "Presence", "Join"))
        .await;
    assert_eq!(join["body"]["channel"]["from"]["nickname"], "Alex");
    let typing = g.until("typing", |f| event(f, "Typing", "On")).await;
    assert_eq!(typing["body"]["events"][0]["typing"]["duration"], 5000);
    let hello = g
        .until("the greeting", |f| structured(f) && f["body"]["type"] == "Text")
        .await;
    assert_eq!(hello["body"]["direction"], "Outbound");
    assert_eq!(hello["body"]["originatingEntity"], "Human");
    assert!(hello["body"]["text"].as_str().unwrap().contains("I'm Alex"));
    assert!(hello["body"]["channel"]["time"].as_str().unwrap().ends_with('Z'));

    g.text("my router is broken", "t-1").await;
    let mine = g
        .until("my own message", |f| {
            structured(f) && f["body"]["direction"] == "Inbound"
        })
        .await;
    assert_eq!(mine["tracingId"], "t-1");
    assert_eq!(mine["body"]["text"], "my router is broken");
    assert_eq!(mine["body"]["type"], "Text");
    g.until("typing before the answer", |f| event(f, "Typing", "On"))
        .await;
    g.until("the answer", |f| {
        outbound_text(f, "You said: my router is broken")
    })
    .await;

    // The console shows it as a Web Messaging chat, answered by the scripted agent, with the transcript.
    let chat = console_chat(&emu).await;
    assert_eq!(chat["status"], "scripted");
    assert_eq!(chat["routingTarget"]["targetAddress"], DEPLOYMENT);
}

#[tokio::test]
async fn the_same_token_resumes_and_history_returns_what_was_said_newest_first() {
    let emu = start(fast()).await;
    let t = token();
    let mut g = Guest::connect(&emu, "/webmessaging/v1", DEPLOYMENT, &t).await;
    g.configure(false).await;
    g.until("the greeting", |f| structured(f) && f["body"]["type"] == "Text")
        .await;
    g.text("first", "a").await;
    g.until("the first answer", |f| outbound_text(f, "You said: first"))
        .await;
    drop(g);

    // Another socket (a reload): the same session.
    let mut g = Guest::connect(&emu, "/v1", DEPLOYMENT, &t).await;
    let s = g.configure(false).await;
    assert_eq!(s["newSession"], false);
    assert_eq!(s["readOnly"], false);
    tokio::time::sleep(Duration::from_millis(600)).await;
    g.text("second", "b").await;
    g.until("the second answer", |f| outbound_text(f, "You said: second"))
        .await;

    let jwt = g.jwt().await;
    let (status, page) = history(&emu, Some(&jwt), "").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["pageSize"], 25);
    assert_eq!(page["pageNumber"], 1);
    let said = texts(&page);
    assert_eq!(
        said[..4],
        ["You said: second", "second", "You said: first", "first"].map(String::from)
    );
    assert!(said[4].contains("I'm Alex"));
    let entities = page["entities"].as_array().unwrap();
    assert_eq!(page["total"], entities.len());
    assert_eq!(page["pageCount"], 1);
    let second = entities.iter().find(|e| e["text"] == "second").unwrap();
    assert_eq!(second["direction"], "Inbound");
    let answer = entities.iter().find(|e| e["text"] == "You said: second").unwrap();
    assert_eq!(answer["direction"], "Outbound");
    assert_eq!(answer["originatingEntity"], "Human");
    assert!(entities
        .iter()
        .any(|e| e["type"] == "Event" && e["events"][0]["presence"]["type"] == "Join"));
    let times: Vec<&str> = entities
        .iter()
        .map(|e| e["channel"]["time"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] > w[1]), "newest first: {times:?}");

    // Paging: two per page, newest page first.
    let (_, p1) = history(&emu, Some(&jwt), "?pageSize=2&pageNumber=1").await;
    let (_, p2) = history(&emu, Some(&jwt), "?pageSize=2&pageNumber=2").await;
    assert_eq!(texts(&p1), ["You said: second", "second"]);
    assert_eq!(texts(&p2), ["You said: first", "first"]);
    assert_eq!(p1["total"], page["total"]);
    assert_eq!(p1["pageCount"], page["total"].as_u64().unwrap().div_ceil(2));
    let (_, beyond) = history(&emu, Some(&jwt), "?pageSize=2&pageNumber=99").await;
    assert_eq!(beyond["entities"], json!([]));

    // startNew: a new conversation for the same token, and history starts empty again (with the agent kept
    // away, nothing at all has been said in it yet).
    emu.post_json("/__emulator/agent/mode", &json!({"manual": true}), None)
        .await;
    let s = g.configure(true).await;
    assert_eq!(s["newSession"], true);
    let (_, fresh) = history(&emu, Some(&jwt), "").await;
    assert_eq!(fresh["entities"], json!([]), "{fresh}");
    assert_eq!(
        (fresh["total"].as_u64(), fresh["pageCount"].as_u64()),
        (Some(0), Some(0))
    );
}

#[tokio::test]
async fn a_person_at_the_console_joins_types_answers_and_leaves() {
    let emu = start(fast()).await;
    emu.post_json("/__emulator/agent/mode", &json!({"manual": true}), None)
        .await;
    let t = token();
    let mut g = Guest::connect(&emu, "/webmessaging/v1", DEPLOYMENT, &t).await;
    g.configure(false).await;
    let chat = console_chat(&emu).await;
    assert_eq!(chat["status"], "waiting");
    let cid = chat["id"].as_str().unwrap().to_string();
    let agent = format!("/__emulator/agent/chats/{cid}");

    g.text("anyone there?", "q").await;
    g.until("my own message", |f| {
        structured(f) && f["body"]["direction"] == "Inbound"
    })
    .await;
    let (status, _) = emu.post_json(&format!("{agent}/join"), &json!({}), None).await;
    assert_eq!(status, 200);
    let join = g.until("Join", |f| event(f, "Presence", "Join")).await;
    assert_eq!(join["body"]["channel"]["from"]["nickname"], "Sam (console)");
    emu.post_json(&format!("{agent}/typing"), &json!({}), None).await;
    g.until("typing", |f| event(f, "Typing", "On")).await;
    let (status, _) = emu
        .post_json(
            &format!("{agent}/messages"),
            &json!({"body": "Hi, Sam here"}),
            None,
        )
        .await;
    assert_eq!(status, 200);
    g.until("Sam's answer", |f| outbound_text(f, "Hi, Sam here"))
        .await;

    // Autostart: the guest's Presence Join comes back inbound, with its tracing id.
    let tk = g.token.clone();
    g.send(json!({"action": "onMessage", "token": tk, "tracingId": "auto", "message": {"type": "Event", "events": [{"eventType": "Presence", "presence": {"type": "Join"}}]}}))
        .await;
    let auto = g
        .until("the autostart echo", |f| {
            structured(f) && f["body"]["direction"] == "Inbound" && f["body"]["type"] == "Event"
        })
        .await;
    assert_eq!(auto["tracingId"], "auto");
    assert_eq!(auto["body"]["events"][0]["presence"]["type"], "Join");
    tokio::time::sleep(Duration::from_millis(1100)).await;

    // The guest's typing reaches the console, not the guest.
    let tk = g.token.clone();
    g.send(json!({"action": "onMessage", "token": tk, "message": {"type": "Event", "events": [{"eventType": "Typing", "typing": {"type": "On"}}]}}))
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(console_chat(&emu).await["customerTypingAt"].is_string());

    emu.post_json(&format!("{agent}/leave"), &json!({}), None).await;
    let bye = g
        .until("Disconnect", |f| event(f, "Presence", "Disconnect"))
        .await;
    assert_eq!(bye["body"]["metadata"]["readOnly"], "true");
    assert_eq!(console_chat(&emu).await["status"], "ended");

    // Read-only now: sending is refused, configuring again says so, startNew begins again.
    g.text("hello?", "late").await;
    let err = g.until("an error", |f| f["class"] == "string").await;
    assert_eq!(err["code"], 4006);
    assert_eq!(err["tracingId"], "late");
    let mut again = Guest::connect(&emu, "/webmessaging/v1", DEPLOYMENT, &t).await;
    let s = again.configure(false).await;
    assert_eq!(s["readOnly"], true);
    assert_eq!(s["newSession"], false);
    let s = again.configure(true).await;
    assert_eq!(s["newSession"], true);
    assert_eq!(s["readOnly"], false);
}

#[tokio::test]
async fn the_out_of_order_switch_shuffles_the_next_messages_and_history_keeps_the_true_order() {
    let emu = start(fast()).await;
    emu.post_json("/__emulator/agent/mode", &json!({"manual": true}), None)
        .await;
    let t = token();
    let mut g = Guest::connect(&emu, "/webmessaging/v1", DEPLOYMENT, &t).await;
    g.configure(false).await;
    let cid = console_chat(&emu).await["id"].as_str().unwrap().to_string();
    let agent = format!("/__emulator/agent/chats/{cid}");
    emu.post_json(&format!("{agent}/join"), &json!({}), None).await;
    g.until("Join", |f| event(f, "Presence", "Join")).await;

    let (status, armed) = emu
        .post_json(
            "/__emulator/faults/out-of-order",
            &json!({"count": 4, "token": t}),
            None,
        )
        .await;
    assert_eq!(status, 200, "{armed}");
    assert_eq!(armed["armed"], 1);
    let sent = ["one", "two", "three", "four"];
    for s in sent {
        emu.post_json(&format!("{agent}/messages"), &json!({"body": s}), None)
            .await;
    }
    let mut got = Vec::new();
    while got.len() < 4 {
        let f = g.next().await.unwrap();
        if structured(&f) && f["body"]["type"] == "Text" {
            got.push(f["body"].clone());
        }
    }
    let order: Vec<&str> = got.iter().map(|b| b["text"].as_str().unwrap()).collect();
    assert_ne!(order, sent, "delivered in the original order");
    // channel.time restores the true order.
    got.sort_by(|a, b| a["channel"]["time"].as_str().cmp(&b["channel"]["time"].as_str()));
    let sorted: Vec<&str> = got.iter().map(|b| b["text"].as_str().unwrap()).collect();
    assert_eq!(sorted, sent);

    // The switch is spent: the next message arrives at once.
    emu.post_json(&format!("{agent}/messages"), &json!({"body": "five"}), None)
        .await;
    g.until("five", |f| outbound_text(f, "five")).await;
    let jwt = g.jwt().await;
    let (_, page) = history(&emu, Some(&jwt), "").await;
    assert_eq!(texts(&page), ["five", "four", "three", "two", "one"]);

    // Without a live session to arm: 404.
    let (status, _) = emu
        .post_json(
            "/__emulator/faults/out-of-order",
            &json!({"count": 2, "token": "nobody"}),
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = emu
        .post_json("/__emulator/faults/out-of-order", &json!({"count": 1}), None)
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_reset_releases_held_messages_in_order_and_a_stall_holds_every_delivery() {
    let emu = start(fast()).await;
    emu.post_json("/__emulator/agent/mode", &json!({"manual": true}), None)
        .await;
    let mut g = Guest::connect(&emu, "/webmessaging/v1", DEPLOYMENT, &token()).await;
    g.configure(false).await;
    let cid = console_chat(&emu).await["id"].as_str().unwrap().to_string();
    let agent = format!("/__emulator/agent/chats/{cid}");
    emu.post_json(&format!("{agent}/join"), &json!({}), None).await;
    g.until("Join", |f| event(f, "Presence", "Join")).await;

    emu.post_json("/__emulator/faults/out-of-order", &json!({"count": 5}), None)
        .await;
    emu.post_json(&format!("{agent}/messages"), &json!({"body": "a"}), None)
        .await;
    emu.post_json(&format!("{agent}/messages"), &json!({"body": "b"}), None)
        .await;
    assert!(g.next_within(Duration::from_millis(200)).await.is_err(), "held");
    emu.http
        .delete(emu.url("/__emulator/faults"))
        .send()
        .await
        .unwrap();
    g.until("a", |f| outbound_text(f, "a")).await;
    let b = g.next().await.unwrap();
    assert!(outbound_text(&b, "b"), "{b}");

    let (status, _) = emu
        .post_json("/__emulator/faults/stall", &json!({"ms": 600}), None)
        .await;
    assert_eq!(status, 200);
    emu.post_json(&format!("{agent}/messages"), &json!({"body": "late"}), None)
        .await;
    assert!(
        g.next_within(Duration::from_millis(300)).await.is_err(),
        "stalled"
    );
    let f = g.next().await.unwrap();
    assert!(outbound_text(&f, "late"), "{f}");
}

#[tokio::test]
async fn dropped_sockets_reconnect_to_the_same_session() {
    let emu = start(fast()).await;
    let t = token();
    let mut g = Guest::connect(&emu, "/webmessaging/v1", DEPLOYMENT, &t).await;
    g.configure(false).await;
    g.until("the greeting", |f| structured(f) && f["body"]["type"] == "Text")
        .await;
    let (_, dropped) = emu
        .post_json("/__emulator/faults/drop-sockets", &json!({}), None)
        .await;
    assert_eq!(dropped["dropped"], 1);
    assert_eq!(g.next().await, None);
    let mut g = Guest::connect(&emu, "/webmessaging/v1", DEPLOYMENT, &t).await;
    assert_eq!(g.configure(false).await["newSession"], false);
}

#[tokio::test]
async fn history_fails_with_5xx_under_a_fault_rule_and_checks_its_credentials() {
    let emu = start(fast()).await;
    let mut g = Guest::connect(&emu, "/webmessaging/v1", DEPLOYMENT, &token()).await;
    g.configure(false).await;
    let jwt = g.jwt().await;
    let (status, _) = emu
        .post_json(
            "/__emulator/faults/requests",
            &json!({"path": "/api/v2/webmessaging/messages", "status": 503}),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = history(&emu, Some(&jwt), "").await;
    assert_eq!(status, 503);
    assert_eq!(body["code"], "emulator.fault.injected");
    assert_eq!(body["status"], 503);
    let (status, _) = history(&emu, Some(&jwt), "").await;
    assert_eq!(status, 200);

    let (status, body) = history(&emu, None, "").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("authentication.required"))
    );
    let (status, body) = history(&emu, Some("not-a-jwt"), "").await;
    assert_eq!((status, body["code"].as_str()), (401, Some("bad.credentials")));
    let (status, body) = history(&emu, Some(&jwt), "?pageSize=0").await;
    assert_eq!((status, body["code"].as_str()), (400, Some("bad.request")));
    assert_eq!(body["details"][0]["fieldName"], "pageSize");
    let (status, _) = history(&emu, Some(&jwt), "?pageNumber=0").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn malformed_and_refused_requests_get_the_documented_error_shape() {
    let emu = start(fast()).await;
    let t = token();
    let mut g = Guest::connect(&emu, "/webmessaging/v1", DEPLOYMENT, &t).await;

    let is_error = |f: &Value, code: u16| {
        f["type"] == "response" && f["class"] == "string" && f["code"] == code && f["body"].is_string()
    };
    g.raw("this is not json").await;
    let f = g.next().await.unwrap();
    assert!(is_error(&f, 400), "{f}");
    g.raw("[1, 2]").await;
    assert!(is_error(&g.next().await.unwrap(), 400));
    g.send(json!({"action": "dance", "token": t, "tracingId": "x"}))
        .await;
    let f = g.next().await.unwrap();
    assert!(is_error(&f, 400) && f["tracingId"] == "x", "{f}");
    g.send(json!({"action": "onMessage", "message": {"type": "Text", "text": "hi"}}))
        .await;
    assert!(is_error(&g.next().await.unwrap(), 400), "no token");
    g.send(
        json!({"action": "onMessage", "token": "x".repeat(2049), "message": {"type": "Text", "text": "hi"}}),
    )
    .await;
    assert!(is_error(&g.next().await.unwrap(), 400), "token too long");
    g.text("before configuring", "early").await;
    assert!(is_error(&g.next().await.unwrap(), 4007));
    g.send(json!({"action": "configureSession", "token": t, "deploymentId": "another"}))
        .await;
    assert!(is_error(&g.next().await.unwrap(), 400), "deployment mismatch");

    // echo works at any time and copies the tracing id.
    g.send(
        json!({"action": "echo", "token": t, "message": {"type": "Text", "text": "ping"}, "tracingId": "hc"}),
    )
    .await;
    let f = g.next().await.unwrap();
    assert_eq!(
        (f["type"].as_str(), f["class"].as_str(), f["tracingId"].as_str()),
        (Some("response"), Some("StructuredMessage"), Some("hc"))
    );
    assert_eq!(f["body"]["text"], "ping");

    g.configure(false).await;
    g.text(&"x".repeat(4001), "long").await;
    let f = g.until("an error", |f| f["class"] == "string").await;
    assert!(is_error(&f, 4011), "{f}");
    g.send(json!({"action": "onMessage", "token": t, "message": {"type": "Text", "text": "hi", "channel": {"metadata": {"customAttributes": {"big": "y".repeat(3000)}}}}}))
        .await;
    let f = g.until("an error", |f| f["class"] == "string").await;
    assert!(is_error(&f, 4013), "{f}");
    g.send(json!({"action": "onMessage", "token": t, "message": {"type": "Carousel"}}))
        .await;
    assert!(is_error(
        &g.until("an error", |f| f["class"] == "string").await,
        400
    ));
    g.send(json!({"action": "onAttachment", "token": t, "attachmentId": "a", "fileName": "f.png", "fileType": "image/png"}))
        .await;
    assert!(is_error(
        &g.until("an error", |f| f["class"] == "string").await,
        4000
    ));

    // The upgrade itself needs a deployment id.
    let r = emu.http.get(emu.url("/webmessaging/v1")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
}

#[tokio::test]
async fn more_than_two_messages_a_second_are_refused_with_retry_after() {
    let emu = start(cxbridge_emulator::Config {
        agent_delay_ms: 60_000,
        ..fast()
    })
    .await;
    let t = token();
    let mut g = Guest::connect(&emu, "/webmessaging/v1", DEPLOYMENT, &t).await;
    g.configure(false).await;
    for (i, text) in ["one", "two", "three"].iter().enumerate() {
        g.text(text, &format!("r{i}")).await;
    }
    let limited = g
        .until("the rate limit", |f| f["class"] == "TooManyRequestsErrorMessage")
        .await;
    assert_eq!(limited["type"], "response");
    assert_eq!(limited["code"], 429);
    assert_eq!(limited["tracingId"], "r2");
    assert_eq!(limited["body"]["errorCode"], 4029);
    assert!(limited["body"]["retryAfter"].as_u64().unwrap() >= 1);
    assert!(limited["body"]["errorMessage"].is_string());
    tokio::time::sleep(Duration::from_millis(1100)).await;
    g.text("again", "r3").await;
    let mine = g
        .until("my message", |f| structured(f) && f["body"]["text"] == "again")
        .await;
    assert_eq!(mine["tracingId"], "r3");
}

#[tokio::test]
async fn a_bot_deployment_speaks_first_and_clear_and_close_session_end_things() {
    let emu = start(fast()).await;
    let t = token();
    let mut g = Guest::connect(&emu, "/webmessaging/v1", "Bot", &t).await;
    g.configure(false).await;
    let bot = g
        .until("the bot", |f| structured(f) && f["body"]["type"] == "Text")
        .await;
    assert_eq!(bot["body"]["originatingEntity"], "Bot");
    g.until("the agent", |f| event(f, "Presence", "Join")).await;

    // A second device on the same session; closeSession from the first closes it.
    let mut other = Guest::connect(&emu, "/webmessaging/v1", "Bot", &t).await;
    assert_eq!(other.configure(false).await["newSession"], false);
    g.send(json!({"action": "closeSession", "token": t, "closeAllConnections": true, "tracingId": "close"}))
        .await;
    let s = g
        .until("SessionResponse", |f| f["class"] == "SessionResponse")
        .await;
    assert_eq!(s["body"]["connected"], false);
    assert_eq!(s["tracingId"], "close");
    other
        .until("ConnectionClosedEvent", |f| f["class"] == "ConnectionClosedEvent")
        .await;
    assert_eq!(other.next().await, None);

    // Clearing the conversation: SessionClearedEvent, and the token starts afresh.
    g.send(json!({"action": "onMessage", "token": t, "message": {"type": "Event", "events": [{"eventType": "Presence", "presence": {"type": "Clear"}}]}}))
        .await;
    let cleared = g
        .until("SessionClearedEvent", |f| f["class"] == "SessionClearedEvent")
        .await;
    assert_eq!(cleared["type"], "message");
    assert_eq!(g.configure(false).await["newSession"], true);
}

#[tokio::test]
async fn the_deployment_config_points_back_at_the_emulator() {
    let emu = start(fast()).await;
    let (status, cfg) = emu
        .get("/webdeployments/v1/deployments/dep-wm/config.json", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(cfg["id"], "dep-wm");
    assert_eq!(cfg["status"], "Active");
    assert_eq!(cfg["apiEndpoint"], emu.base);
    let endpoint = cfg["messenger"]["apps"]["conversations"]["messagingEndpoint"]
        .as_str()
        .unwrap();
    assert_eq!(endpoint, format!("ws://127.0.0.1:{}/webmessaging", emu.port));
    // The endpoint plus `/v1` is where a guest connects.
    let mut g = Guest::connect(&emu, "/webmessaging/v1", "dep-wm", &token()).await;
    assert_eq!(g.configure(false).await["newSession"], true);
    assert_eq!(
        cfg["messenger"]["apps"]["conversations"]["conversationDisconnect"]["type"],
        "ReadOnly"
    );
}
