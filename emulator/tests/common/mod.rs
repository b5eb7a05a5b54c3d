//! Test helpers: an in-process emulator on a free loopback port, an HTTP client, and an event-stream client.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::Duration;

use cxbridge_emulator::{new_state, serve, Config, Shared};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const API: &str = "/api/v2/webchat/guest/conversations";

pub struct Emu {
    pub base: String,
    pub port: u16,
    pub http: reqwest::Client,
    pub state: Shared,
}

pub fn fast() -> Config {
    Config {
        heartbeat_ms: 60_000,
        agent_delay_ms: 0,
        faults: true,
        ..Config::default()
    }
}

pub async fn start(cfg: Config) -> Emu {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let state = new_state(cfg);
    tokio::spawn(serve(listener, state.clone()));
    Emu {
        base: format!("http://127.0.0.1:{port}"),
        port,
        http: reqwest::Client::new(),
        state,
    }
}

pub fn create_body(name: &str) -> Value {
    json!({
        "organizationId": "org-1",
        "deploymentId": "dep-1",
        "routingTarget": {"targetType": "QUEUE", "targetAddress": "Support", "skills": ["en"], "priority": 2},
        "memberInfo": {"displayName": name, "email": "ann@example.com", "customFields": {"plan": "gold"}},
    })
}

pub struct Chat {
    pub id: String,
    pub jwt: String,
    pub uri: String,
    pub member: String,
}

impl Emu {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn post_json(&self, path: &str, body: &Value, jwt: Option<&str>) -> (u16, Value) {
        let mut r = self.http.post(self.url(path)).json(body);
        if let Some(j) = jwt {
            r = r.bearer_auth(j);
        }
        let resp = r.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn get(&self, path: &str, jwt: Option<&str>) -> (u16, Value) {
        let mut r = self.http.get(self.url(path));
        if let Some(j) = jwt {
            r = r.bearer_auth(j);
        }
        let resp = r.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn create(&self, name: &str) -> Chat {
        let (status, v) = self.post_json(API, &create_body(name), None).await;
        assert_eq!(status, 200, "{v}");
        Chat {
            id: v["id"].as_str().unwrap().to_string(),
            jwt: v["jwt"].as_str().unwrap().to_string(),
            uri: v["eventStreamUri"].as_str().unwrap().to_string(),
            member: v["member"]["id"].as_str().unwrap().to_string(),
        }
    }

    pub async fn send(&self, chat: &Chat, body: &str) -> (u16, Value) {
        self.post_json(
            &format!("{API}/{}/members/{}/messages", chat.id, chat.member),
            &json!({"body": body, "bodyType": "standard"}),
            Some(&chat.jwt),
        )
        .await
    }

    pub async fn stored(&self, chat: &Chat) -> Value {
        self.get(&format!("/__emulator/conversations/{}/messages", chat.id), None)
            .await
            .1
    }
}

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub async fn open(uri: &str) -> Ws {
    let (ws, _) = tokio_tungstenite::connect_async(uri).await.unwrap();
    ws
}

/// The next text frame as JSON. The timeout only keeps a broken server from hanging the suite.
pub async fn frame(ws: &mut Ws) -> Option<Value> {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
            Err(_) => panic!("no frame within 10 s"),
            Ok(None) | Ok(Some(Err(_))) => return None,
            Ok(Some(Ok(Message::Text(t)))) => return Some(serde_json::from_str(t.as_str()).unwrap()),
            Ok(Some(Ok(Message::Close(_)))) => return None,
            Ok(Some(Ok(_))) => {}
        }
    }
}

/// Skips frames until one matches; returns it and the frames skipped on the way.
pub async fn until(ws: &mut Ws, pred: impl Fn(&Value) -> bool) -> (Value, Vec<Value>) {
    let mut seen = Vec::new();
    loop {
        let f = frame(ws)
            .await
            .expect("the stream closed before the expected frame");
        if pred(&f) {
            return (f, seen);
        }
        seen.push(f);
    }
}

pub fn is_message(f: &Value, body_type: &str) -> bool {
    f["metadata"]["type"] == "message" && f["eventBody"]["bodyType"] == body_type
}

pub fn is_text(f: &Value, text: &str) -> bool {
    is_message(f, "standard") && f["eventBody"]["body"] == text
}

pub async fn send_text(ws: &mut Ws, text: &str) {
    ws.send(Message::Text(text.into())).await.unwrap();
}
