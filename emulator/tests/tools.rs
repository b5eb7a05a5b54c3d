//! The emulator's own tools: fault injection, the agent console endpoints, inspection, and the collector.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn faults_are_off_unless_enabled() {
    let mut cfg = fast();
    cfg.faults = false;
    let emu = start(cfg).await;
    let (s, v) = emu
        .post_json("/__emulator/faults/drop-sockets", &json!({}), None)
        .await;
    assert_eq!(s, 404);
    assert!(v["message"].as_str().unwrap().contains("CXBRIDGE_FAULTS=1"));
    let (s, _) = emu
        .post_json("/__emulator/faults/requests", &json!({"path": "/messages"}), None)
        .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn fail_next_requests_before_or_after_acting() {
    let mut cfg = fast();
    cfg.manual_agent = true;
    let emu = start(cfg).await;
    let a = emu.create("Ann").await;
    let _ws = open(&a.uri).await;
    let (s, rule) = emu
        .post_json(
            "/__emulator/faults/requests",
            &json!({"path": "/messages", "method": "POST", "status": 503, "count": 2}),
            None,
        )
        .await;
    assert_eq!(s, 200, "{rule}");
    assert_eq!(rule["remaining"], 2);
    // A GET on the same path is not matched.
    let (s, _) = emu.get(&format!("{API}/{}/messages", a.id), Some(&a.jwt)).await;
    assert_eq!(s, 200);
    for _ in 0..2 {
        let (s, v) = emu.send(&a, "lost").await;
        assert_eq!(s, 503);
        assert_eq!(v["code"], "emulator.fault.injected");
    }
    let (s, _) = emu.send(&a, "kept").await;
    assert_eq!(s, 200);
    emu.post_json(
        "/__emulator/faults/requests",
        &json!({"path": "/messages", "mode": "accept-then-fail", "status": 504}),
        None,
    )
    .await;
    let (s, _) = emu.send(&a, "stored anyway").await;
    assert_eq!(s, 504);
    let held = emu.stored(&a).await;
    let bodies: Vec<&str> = held["entities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["bodyType"] == "standard")
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["kept", "stored anyway"]);

    emu.post_json(
        "/__emulator/faults/requests",
        &json!({"path": "/members", "mode": "delay", "delayMs": 50}),
        None,
    )
    .await;
    let (s, _) = emu.get(&format!("{API}/{}/members", a.id), Some(&a.jwt)).await;
    assert_eq!(s, 200);
    for bad in [
        json!({}),
        json!({"path": "/x", "status": 200}),
        json!({"path": "/x", "mode": "explode"}),
        json!({"path": "/x", "count": -1}),
        json!({"path": "/x", "mode": "delay"}),
    ] {
        let (s, _) = emu.post_json("/__emulator/faults/requests", &bad, None).await;
        assert_eq!(s, 400, "{bad}");
    }
    let (_, status) = emu.get("/__emulator/faults", None).await;
    assert_eq!(status["rules"], json!([]));
}

#[tokio::test]
async fn drop_sockets_cuts_streams_without_a_close_frame_and_heartbeats_stop() {
    let mut cfg = fast();
    cfg.heartbeat_ms = 30;
    cfg.manual_agent = true;
    let emu = start(cfg).await;
    let a = emu.create("Ann").await;
    let mut ws = open(&a.uri).await;
    until(&mut ws, |f| f["topicName"] == "channel.metadata").await;
    let (_, v) = emu
        .post_json("/__emulator/faults/drop-sockets", &json!({}), None)
        .await;
    assert_eq!(v["dropped"], 1);
    use futures_util::StreamExt;
    let mut saw_close_frame = false;
    while let Some(m) = ws.next().await {
        match m {
            Ok(tokio_tungstenite::tungstenite::Message::Close(_)) => saw_close_frame = true,
            Ok(_) => {}
            Err(_) => break,
        }
    }
    assert!(!saw_close_frame);

    let (_, v) = emu
        .post_json("/__emulator/faults/heartbeats/stop", &json!({}), None)
        .await;
    assert_eq!(v["heartbeats"], false);
    let mut ws = open(&a.uri).await;
    // With heartbeats stopped, the next frame is our pong, not a heartbeat.
    tokio::time::sleep(std::time::Duration::from_millis(120)).await;
    send_text(&mut ws, r#"{"message":"ping"}"#).await;
    let f = frame(&mut ws).await.unwrap();
    assert_eq!(f["eventBody"]["message"], "pong");
    emu.post_json("/__emulator/faults/heartbeats/start", &json!({}), None)
        .await;
    let (hb, _) = until(&mut ws, |f| f["eventBody"]["message"] == "WebSocket Heartbeat").await;
    assert_eq!(hb["topicName"], "channel.metadata");
    let r = emu
        .http
        .delete(emu.url("/__emulator/faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

#[tokio::test]
async fn disconnect_customer_from_the_server_side() {
    let emu = start(fast()).await;
    let a = emu.create("Ann").await;
    let mut ws = open(&a.uri).await;
    until(&mut ws, |f| is_message(f, "standard")).await;
    let (s, _) = emu
        .post_json(
            &format!("/__emulator/faults/conversations/{}/disconnect-customer", a.id),
            &json!({}),
            None,
        )
        .await;
    assert_eq!(s, 200);
    let (f, _) = until(&mut ws, |f| f["eventBody"]["member"]["id"] == a.member.as_str()).await;
    assert_eq!(f["eventBody"]["member"]["state"], "DISCONNECTED");
    let (s, _) = emu
        .post_json(
            "/__emulator/faults/conversations/nope/disconnect-customer",
            &json!({}),
            None,
        )
        .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn a_person_at_the_console_takes_waiting_chats() {
    let mut cfg = fast();
    cfg.manual_agent = true;
    let emu = start(cfg).await;
    let r = emu.http.get(emu.url("/agent")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().await.unwrap().contains("agent.js"));
    let a = emu.create("Ann").await;
    let (s, _) = emu
        .post_json(
            &format!("/__emulator/agent/chats/{}/join", a.id),
            &json!({}),
            None,
        )
        .await;
    assert_eq!(s, 409, "not routed before the stream is open");
    let mut ws = open(&a.uri).await;
    let (_, chats) = emu.get("/__emulator/agent/chats", None).await;
    assert_eq!(chats["manual"], true);
    assert_eq!(chats["chats"][0]["status"], "waiting");
    let (s, _) = emu
        .post_json(
            &format!("/__emulator/agent/chats/{}/messages", a.id),
            &json!({"body": "early"}),
            None,
        )
        .await;
    assert_eq!(s, 409, "join first");
    let (s, v) = emu
        .post_json(
            &format!("/__emulator/agent/chats/{}/join", a.id),
            &json!({}),
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "human");
    emu.post_json(
        &format!("/__emulator/agent/chats/{}/typing", a.id),
        &json!({}),
        None,
    )
    .await;
    let (s, _) = emu
        .post_json(
            &format!("/__emulator/agent/chats/{}/messages", a.id),
            &json!({"body": "Hi, Sam here"}),
            None,
        )
        .await;
    assert_eq!(s, 200);
    let (msg, skipped) = until(&mut ws, |f| is_message(f, "standard")).await;
    assert_eq!(msg["eventBody"]["body"], "Hi, Sam here");
    assert!(skipped
        .iter()
        .any(|f| f["metadata"]["type"] == "typing-indicator"));
    // No scripted answer in a human chat.
    emu.send(&a, "hello Sam").await;
    let (_, chats) = emu.get("/__emulator/agent/chats", None).await;
    let bodies: Vec<&str> = chats["chats"][0]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["bodyType"] == "standard")
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["Hi, Sam here", "hello Sam"]);
    let (s, _) = emu
        .post_json(
            &format!("/__emulator/agent/chats/{}/leave", a.id),
            &json!({}),
            None,
        )
        .await;
    assert_eq!(s, 200);
    until(&mut ws, |f| f["eventBody"]["member"]["id"] == a.member.as_str()).await;
    let (_, mode) = emu
        .post_json("/__emulator/agent/mode", &json!({"manual": false}), None)
        .await;
    assert_eq!(mode["manual"], false);
    let (s, _) = emu
        .post_json("/__emulator/agent/mode", &json!({"manual": "yes"}), None)
        .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn a_person_can_take_over_from_the_scripted_agent() {
    let emu = start(fast()).await;
    let a = emu.create("Ann").await;
    let mut ws = open(&a.uri).await;
    until(&mut ws, |f| is_message(f, "standard")).await;
    let (s, v) = emu
        .post_json(
            &format!("/__emulator/agent/chats/{}/join", a.id),
            &json!({}),
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["status"], "human");
    emu.send(&a, "are you a bot?").await;
    emu.post_json(
        &format!("/__emulator/agent/chats/{}/messages", a.id),
        &json!({"body": "No."}),
        None,
    )
    .await;
    let (_, _) = until(&mut ws, |f| is_text(f, "are you a bot?")).await;
    let (next, _) = until(&mut ws, |f| is_message(f, "standard")).await;
    assert_eq!(next["eventBody"]["body"], "No.");
}

#[tokio::test]
async fn inspection_shows_what_the_server_holds() {
    let emu = start(fast()).await;
    let a = emu.create("Ann").await;
    let (s, v) = emu
        .get(&format!("/__emulator/conversations/{}/messages", a.id), None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["status"], "created");
    assert_eq!(v["entities"], json!([]));
    let (s, _) = emu.get("/__emulator/conversations/nope/messages", None).await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn the_collector_keeps_envelopes_and_counts_duplicates() {
    let emu = start(fast()).await;
    let env = |id: &str| json!({"id": id, "source": "CIF", "event": {"name": "chat", "data": {}}, "timestamp": "2026-01-01T00:00:00.000Z"});
    let (s, v) = emu
        .post_json("/collector", &json!([env("a"), env("b")]), None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["accepted"], 2);
    // sendBeacon posts a string: text/plain
    let r = emu
        .http
        .post(emu.url("/collector"))
        .header("content-type", "text/plain;charset=UTF-8")
        .header("origin", format!("http://localhost:{}", emu.port))
        .body(json!([env("b"), env("c")]).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        format!("http://localhost:{}", emu.port).as_str()
    );
    let (s, _) = emu
        .post_json(
            "/v1/batch",
            &json!({"batch": [{"messageId": "d", "type": "track", "event": "x"}]}),
            None,
        )
        .await;
    assert_eq!(s, 200);
    let (_, got) = emu.get("/collector", None).await;
    assert_eq!(got["count"], 5);
    assert_eq!(got["unique"], 4);
    assert_eq!(got["duplicates"], 1);
    assert_eq!(got["received"][0]["id"], "a");

    for (body, ct) in [
        ("{", "application/json"),
        ("[{\"source\":\"CIF\"}]", "application/json"),
        ("[{\"id\":\"x\",\"event\":{\"name\":3}}]", "application/json"),
        ("{\"batch\":[{\"id\":\"x\"}]}", "application/json"),
        ("[1]", "application/json"),
        ("[]", "application/xml"),
    ] {
        let r = emu
            .http
            .post(emu.url("/collector"))
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error(), "{body}");
        let v: Value = r.json().await.unwrap();
        assert!(v["message"].is_string());
    }
    let r = emu.http.delete(emu.url("/collector")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 204);
    let (_, got) = emu.get("/collector", None).await;
    assert_eq!(got["count"], 0);
}

#[tokio::test]
async fn the_collector_refuses_a_body_over_max_bytes_with_413_and_keeps_nothing_of_it() {
    let emu = start(fast()).await;
    let env = |id: &str| json!({"id": id, "source": "CIF", "event": {"name": "chat", "data": {}}, "timestamp": "2026-01-01T00:00:00.000Z"});
    let one = json!([env("a")]).to_string();
    let two = json!([env("b"), env("c")]).to_string();
    let max = one.len().max(two.len() - 1);
    for (body, want) in [(&two, 413), (&one, 200)] {
        let r = emu
            .http
            .post(emu.url(&format!("/collector?maxBytes={max}")))
            .header("content-type", "text/plain")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), want);
        if want == 413 {
            let v: Value = r.json().await.unwrap();
            assert_eq!(v["code"], "payload.too.large");
        }
    }
    let r = emu
        .http
        .post(emu.url("/v1/batch?maxBytes=x"))
        .body(one.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let (_, got) = emu.get("/collector", None).await;
    assert_eq!(got["count"], 1, "only the body under the limit was kept");
    assert_eq!(got["received"][0]["id"], "a");
}

#[tokio::test]
async fn a_stall_holds_the_event_stream_then_delivers_in_order() {
    let emu = start(fast()).await;
    let a = emu.create("Ann").await;
    let mut ws = open(&a.uri).await;
    until(&mut ws, |f| is_message(f, "standard")).await;
    let (status, _) = emu
        .post_json("/__emulator/faults/stall", &json!({"ms": 600}), None)
        .await;
    assert_eq!(status, 200);
    let (_, faults) = emu.get("/__emulator/faults", None).await;
    assert_eq!(faults["stalled"], true);
    emu.send(&a, "one").await;
    emu.send(&a, "two").await;
    let early = tokio::time::timeout(std::time::Duration::from_millis(300), frame(&mut ws)).await;
    assert!(early.is_err(), "a frame arrived during the stall");
    let mine = |f: &Value| is_message(f, "standard") && f["eventBody"]["sender"]["id"] == a.member.as_str();
    let (one, _) = until(&mut ws, mine).await;
    assert_eq!(one["eventBody"]["body"], "one");
    let (two, _) = until(&mut ws, mine).await;
    assert_eq!(two["eventBody"]["body"], "two");
    let (status, _) = emu
        .post_json("/__emulator/faults/stall", &json!({"ms": 0}), None)
        .await;
    assert_eq!(status, 400);
}
