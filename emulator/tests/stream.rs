//! The event stream: frame shapes, routing on attach, the scripted agent, heartbeats, ping/pong, reconnects.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn attaching_the_stream_routes_the_chat_and_the_agent_greets_after_typing() {
    let emu = start(fast()).await;
    let a = emu.create("Ann").await;
    // Not routed while nobody listens: no ACD member, no agent, however long we wait.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (_, members) = emu.get(&format!("{API}/{}/members", a.id), Some(&a.jwt)).await;
    assert_eq!(members["total"], 1);

    let mut ws = open(&a.uri).await;
    let first = frame(&mut ws).await.unwrap();
    assert_eq!(
        first["topicName"],
        format!("v2.conversations.chats.{}.members", a.id)
    );
    assert_eq!(first["metadata"]["type"], "member-change");
    assert_eq!(
        first["eventBody"]["member"],
        json!({"id": a.member, "state": "CONNECTED"})
    );

    let (join, _) = until(&mut ws, |f| is_message(f, "member-join")).await;
    assert_eq!(
        join["topicName"],
        format!("v2.conversations.chats.{}.messages", a.id)
    );
    assert_eq!(join["eventBody"]["sender"]["id"], a.member.as_str());
    assert_eq!(join["eventBody"]["conversation"]["id"], a.id.as_str());

    // The agent is offered (ALERTING), connects, and only then types and greets.
    let (alerting, _) = until(&mut ws, |f| {
        f["eventBody"]["member"]["state"] == "ALERTING"
            && f["eventBody"]["member"]["id"] != first["eventBody"]["member"]["id"]
    })
    .await;
    let (greeting, skipped) = until(&mut ws, |f| is_message(f, "standard")).await;
    let agent_id = greeting["eventBody"]["sender"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        greeting["eventBody"]["body"],
        "Hello Ann, I'm Alex. How can I help you today?"
    );
    let typing_at = skipped
        .iter()
        .position(|f| f["metadata"]["type"] == "typing-indicator")
        .expect("typing before the greeting");
    let typing = &skipped[typing_at];
    assert_eq!(
        typing["topicName"],
        format!("v2.conversations.chats.{}.messages", a.id)
    );
    assert_eq!(typing["eventBody"]["sender"]["id"], agent_id.as_str());
    assert!(typing["eventBody"]["id"].is_string() && typing["eventBody"]["timestamp"].is_string());
    let _ = alerting;
    assert!(skipped
        .iter()
        .any(|f| f["eventBody"]["member"] == json!({"id": agent_id, "state": "CONNECTED"})));
    assert!(skipped
        .iter()
        .any(|f| is_message(f, "member-join") && f["eventBody"]["sender"]["id"] == agent_id.as_str()));

    // Each customer message comes back on the stream, then the agent types and answers it.
    let (s, sent) = emu.send(&a, "my router is broken").await;
    assert_eq!(s, 200);
    let (echo, _) = until(&mut ws, |f| is_message(f, "standard")).await;
    assert_eq!(echo["eventBody"]["id"], sent["id"]);
    assert_eq!(echo["eventBody"], sent);
    let (reply, skipped) = until(&mut ws, |f| is_message(f, "standard")).await;
    assert_eq!(reply["eventBody"]["body"], "You said: my router is broken");
    assert!(skipped
        .iter()
        .any(|f| f["metadata"]["type"] == "typing-indicator"));
}

#[tokio::test]
async fn guest_typing_reaches_the_stream() {
    let mut cfg = fast();
    cfg.manual_agent = true;
    let emu = start(cfg).await;
    let a = emu.create("Ann").await;
    let mut ws = open(&a.uri).await;
    let r = emu
        .http
        .post(emu.url(&format!("{API}/{}/members/{}/typing", a.id, a.member)))
        .bearer_auth(&a.jwt)
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    let (f, _) = until(&mut ws, |f| f["metadata"]["type"] == "typing-indicator").await;
    assert_eq!(f["eventBody"], body);
}

#[tokio::test]
async fn heartbeats_arrive_and_ping_is_answered_with_pong() {
    let mut cfg = fast();
    cfg.heartbeat_ms = 50;
    cfg.manual_agent = true;
    let emu = start(cfg).await;
    let a = emu.create("Ann").await;
    let mut ws = open(&a.uri).await;
    let (hb, _) = until(&mut ws, |f| f["topicName"] == "channel.metadata").await;
    assert_eq!(
        hb,
        json!({"topicName": "channel.metadata", "eventBody": {"message": "WebSocket Heartbeat"}})
    );
    send_text(&mut ws, r#"{"message":"ping"}"#).await;
    send_text(&mut ws, "not json at all").await;
    let (pong, _) = until(&mut ws, |f| f["eventBody"]["message"] == "pong").await;
    assert_eq!(pong["topicName"], "channel.metadata");
}

#[tokio::test]
async fn a_second_socket_does_not_route_again_and_history_fills_the_gap() {
    let emu = start(fast()).await;
    let a = emu.create("Ann").await;
    let mut ws = open(&a.uri).await;
    let (greeting, _) = until(&mut ws, |f| is_message(f, "standard")).await;
    drop(ws);
    let (_, sent) = emu.send(&a, "while away").await;
    let _ws2 = open(&a.uri).await;
    // The agent may answer before or after the second socket attaches: either way the history after the last
    // message the client saw holds both the message sent while away and the answer (the reconnect's catch-up).
    let last = greeting["eventBody"]["id"].as_str().unwrap();
    let mut missed = Value::Null;
    for _ in 0..100 {
        (_, missed) = emu
            .get(&format!("{API}/{}/messages?after={last}", a.id), Some(&a.jwt))
            .await;
        let answered = missed["entities"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["body"] == "You said: while away");
        if answered {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let entities = missed["entities"].as_array().unwrap();
    assert!(entities.iter().any(|m| m["id"] == sent["id"]));
    assert!(entities.iter().any(|m| m["body"] == "You said: while away"));
    let (_, members) = emu.get(&format!("{API}/{}/members", a.id), Some(&a.jwt)).await;
    assert_eq!(
        members["entities"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["role"] == "AGENT")
            .count(),
        1
    );
}

#[tokio::test]
async fn the_agent_leaving_ends_the_chat() {
    let emu = start(fast()).await;
    let a = emu.create("Ann").await;
    let mut ws = open(&a.uri).await;
    until(&mut ws, |f| is_message(f, "standard")).await;
    emu.send(&a, "/leave").await;
    let (leave, _) = until(&mut ws, |f| is_message(f, "member-leave")).await;
    assert_ne!(
        leave["eventBody"]["sender"]["id"],
        a.member.as_str(),
        "the agent leaves first"
    );
    let (me, _) = until(&mut ws, |f| f["eventBody"]["member"]["id"] == a.member.as_str()).await;
    assert_eq!(me["eventBody"]["member"]["state"], "DISCONNECTED");
    let mut rest = Vec::new();
    while let Some(f) = frame(&mut ws).await {
        rest.push(f);
    }
    assert!(rest.iter().any(|f| is_message(f, "member-leave")));
}

#[tokio::test]
async fn a_stream_opened_after_the_end_is_closed_at_once() {
    let emu = start(fast()).await;
    let a = emu.create("Ann").await;
    let r = emu
        .http
        .delete(emu.url(&format!("{API}/{}/members/{}", a.id, a.member)))
        .bearer_auth(&a.jwt)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    let mut ws = open(&a.uri).await;
    assert!(frame(&mut ws).await.is_none());
}

#[tokio::test]
async fn the_bot_queue_has_a_workflow_member_speak_first() {
    let emu = start(fast()).await;
    let mut body = create_body("Ann");
    body["routingTarget"]["targetAddress"] = json!("Bot");
    let (_, v) = emu.post_json(API, &body, None).await;
    let cid = v["id"].as_str().unwrap();
    let jwt = v["jwt"].as_str().unwrap();
    let mut ws = open(v["eventStreamUri"].as_str().unwrap()).await;
    let (bot, _) = until(&mut ws, |f| is_message(f, "standard")).await;
    assert_eq!(
        bot["eventBody"]["body"],
        "Hi, I'm the virtual assistant. Let me find an agent for you."
    );
    let (agent, _) = until(&mut ws, |f| is_message(f, "standard")).await;
    assert_eq!(
        agent["eventBody"]["body"],
        "Hello Ann, I'm Alex. How can I help you today?"
    );
    let (_, members) = emu.get(&format!("{API}/{cid}/members"), Some(jwt)).await;
    let roles: Vec<(&str, &str)> = members["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["role"].as_str().unwrap(), m["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        roles,
        [
            ("CUSTOMER", "CONNECTED"),
            ("WORKFLOW", "DISCONNECTED"),
            ("ACD", "DISCONNECTED"),
            ("AGENT", "CONNECTED")
        ]
    );
    let bot_id = bot["eventBody"]["sender"]["id"].as_str().unwrap();
    let (_, m) = emu.get(&format!("{API}/{cid}/members/{bot_id}"), Some(jwt)).await;
    assert_eq!(m["role"], "WORKFLOW");
}
