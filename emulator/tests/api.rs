//! Every Guest Chat API v2 endpoint of the emulator, with the validation a client developer relies on.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use serde_json::{json, Value};

type Mutation = Box<dyn Fn(&mut Value)>;

fn error_names(v: &Value, field: &str) -> bool {
    v["message"].as_str().unwrap_or("").contains(field)
        && v["details"][0]["fieldName"].as_str() == Some(field)
}

#[tokio::test]
async fn create_answers_id_jwt_stream_uri_and_member() {
    let emu = start(fast()).await;
    let (status, v) = emu.post_json(API, &create_body("Ann"), None).await;
    assert_eq!(status, 200);
    assert!(v["id"].as_str().unwrap().len() >= 32);
    assert_eq!(v["jwt"].as_str().unwrap().split('.').count(), 3);
    let uri = v["eventStreamUri"].as_str().unwrap();
    assert!(
        uri.starts_with(&format!("ws://127.0.0.1:{}/channels/", emu.port)),
        "{uri}"
    );
    assert!(v["member"]["id"].is_string());
}

#[tokio::test]
async fn create_rejects_each_missing_or_mistyped_field_by_name() {
    let emu = start(fast()).await;
    let cases: Vec<(&str, Mutation)> = vec![
        (
            "organizationId",
            Box::new(|b| {
                b.as_object_mut().unwrap().remove("organizationId");
            }),
        ),
        ("deploymentId", Box::new(|b| b["deploymentId"] = json!(42))),
        (
            "routingTarget",
            Box::new(|b| {
                b.as_object_mut().unwrap().remove("routingTarget");
            }),
        ),
        (
            "routingTarget.targetType",
            Box::new(|b| b["routingTarget"]["targetType"] = json!("USER")),
        ),
        (
            "routingTarget.targetAddress",
            Box::new(|b| b["routingTarget"]["targetAddress"] = json!("")),
        ),
        (
            "routingTarget.priority",
            Box::new(|b| b["routingTarget"]["priority"] = json!("high")),
        ),
        (
            "routingTarget.skills",
            Box::new(|b| b["routingTarget"]["skills"] = json!("en")),
        ),
        ("memberInfo", Box::new(|b| b["memberInfo"] = json!("Ann"))),
        (
            "memberInfo.displayName",
            Box::new(|b| {
                b["memberInfo"].as_object_mut().unwrap().remove("displayName");
            }),
        ),
        (
            "memberInfo.email",
            Box::new(|b| b["memberInfo"]["email"] = json!(true)),
        ),
        (
            "memberInfo.customFields.plan",
            Box::new(|b| b["memberInfo"]["customFields"]["plan"] = json!(1)),
        ),
        (
            "journeyContext.customer",
            Box::new(|b| b["journeyContext"] = json!({})),
        ),
    ];
    for (field, mutate) in cases {
        let mut body = create_body("Ann");
        mutate(&mut body);
        let (status, v) = emu.post_json(API, &body, None).await;
        assert_eq!(status, 400, "{field}: {v}");
        assert!(error_names(&v, field), "{field}: {v}");
        assert_eq!(v["code"], "bad.request");
        assert_eq!(v["status"], 400);
    }
}

#[tokio::test]
async fn create_rejects_malformed_json_non_objects_and_wrong_content_type() {
    let emu = start(fast()).await;
    let r = emu
        .http
        .post(emu.url(API))
        .header("content-type", "application/json")
        .body("{\"organizationId\":")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let v: Value = r.json().await.unwrap();
    assert!(v["message"].as_str().unwrap().contains("not valid JSON"), "{v}");

    let r = emu
        .http
        .post(emu.url(API))
        .header("content-type", "application/json")
        .body("[1,2]")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);

    let r = emu
        .http
        .post(emu.url(API))
        .header("content-type", "text/plain")
        .body(create_body("Ann").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], "unsupported.media.type");

    let r = emu
        .http
        .post(emu.url(API))
        .body(create_body("Ann").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
}

#[tokio::test]
async fn every_conversation_endpoint_wants_the_conversations_own_jwt() {
    let emu = start(fast()).await;
    let a = emu.create("Ann").await;
    let b = emu.create("Bob").await;
    let paths = [
        format!("{API}/{}/messages", a.id),
        format!("{API}/{}/members", a.id),
        format!("{API}/{}/members/{}", a.id, a.member),
    ];
    for p in &paths {
        let (s, v) = emu.get(p, None).await;
        assert_eq!(s, 401, "{p}");
        assert_eq!(v["code"], "authentication.required");
        let (s, v) = emu.get(p, Some("not-a-token")).await;
        assert_eq!(s, 401, "{p}");
        assert_eq!(v["code"], "bad.credentials");
        let (s, _) = emu.get(p, Some(&b.jwt)).await;
        assert_eq!(s, 401, "{p} with another conversation's jwt");
        let (s, _) = emu.get(p, Some(&a.jwt)).await;
        assert_eq!(s, 200, "{p}");
    }
    let r = emu
        .http
        .post(emu.url(&format!("{API}/{}/members/{}/typing", a.id, a.member)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = emu
        .http
        .delete(emu.url(&format!("{API}/{}/members/{}", a.id, a.member)))
        .bearer_auth(&b.jwt)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let (s, _) = emu
        .post_json(
            &format!("{API}/{}/members/{}/messages", a.id, a.member),
            &json!({"body": "x"}),
            None,
        )
        .await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn unknown_ids_are_404_with_a_json_body() {
    let emu = start(fast()).await;
    let a = emu.create("Ann").await;
    let (s, v) = emu.get(&format!("{API}/nope/messages"), Some(&a.jwt)).await;
    assert_eq!(s, 404);
    assert_eq!(v["code"], "not.found");
    let (s, _) = emu
        .get(&format!("{API}/{}/members/nope", a.id), Some(&a.jwt))
        .await;
    assert_eq!(s, 404);
    let (s, _) = emu
        .get(&format!("{API}/{}/messages/nope", a.id), Some(&a.jwt))
        .await;
    assert_eq!(s, 404);
    let (s, _) = emu
        .post_json(
            &format!("{API}/{}/members/nope/messages", a.id),
            &json!({"body": "x"}),
            Some(&a.jwt),
        )
        .await;
    assert_eq!(s, 404);
    let (s, v) = emu.get("/api/v2/unknown/thing", None).await;
    assert_eq!(s, 404);
    assert_eq!(v["code"], "not.found");
    let r = emu.http.put(emu.url(API)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 405);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], "method.not.allowed");
    let r = emu
        .http
        .get(emu.url("/channels/streaming-nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
}

#[tokio::test]
async fn send_message_validates_body_type_length_and_sender() {
    let emu = start(fast()).await;
    let a = emu.create("Ann").await;
    let _ws = open(&a.uri).await;
    let path = format!("{API}/{}/members/{}/messages", a.id, a.member);
    let exactly = "é".repeat(4000);
    let (s, v) = emu
        .post_json(&path, &json!({"body": exactly}), Some(&a.jwt))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["body"].as_str().unwrap().chars().count(), 4000);
    assert_eq!(v["bodyType"], "standard");
    assert_eq!(v["sender"]["id"], a.member.as_str());
    assert_eq!(v["conversation"]["id"], a.id.as_str());
    assert!(v["timestamp"].as_str().unwrap().ends_with('Z'));

    let (s, v) = emu
        .post_json(&path, &json!({"body": "x".repeat(4001)}), Some(&a.jwt))
        .await;
    assert_eq!(s, 400);
    assert!(error_names(&v, "body"), "{v}");
    for (body, field) in [
        (json!({}), "body"),
        (json!({"body": 5}), "body"),
        (json!({"body": "  "}), "body"),
        (json!({"body": "hi", "bodyType": "member-join"}), "bodyType"),
        (json!({"body": "hi", "bodyType": 3}), "bodyType"),
    ] {
        let (s, v) = emu.post_json(&path, &body, Some(&a.jwt)).await;
        assert_eq!(s, 400, "{body}");
        assert!(error_names(&v, field), "{body}: {v}");
    }
    let r = emu
        .http
        .post(emu.url(&path))
        .bearer_auth(&a.jwt)
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let r = emu
        .http
        .post(emu.url(&path))
        .bearer_auth(&a.jwt)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("body=hi")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
    let (s, v) = emu
        .post_json(
            &path,
            &json!({"body": "notice", "bodyType": "notice"}),
            Some(&a.jwt),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["bodyType"], "notice");

    // The agent is a member of the conversation, but the guest's JWT cannot speak for it.
    let (_, members) = emu.get(&format!("{API}/{}/members", a.id), Some(&a.jwt)).await;
    let acd = members["entities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "ACD")
        .unwrap();
    let (s, v) = emu
        .post_json(
            &format!("{API}/{}/members/{}/messages", a.id, acd["id"].as_str().unwrap()),
            &json!({"body": "x"}),
            Some(&a.jwt),
        )
        .await;
    assert_eq!(s, 403, "{v}");
}

#[tokio::test]
async fn typing_answers_a_webchat_typing_body() {
    let emu = start(fast()).await;
    let a = emu.create("Ann").await;
    let r = emu
        .http
        .post(emu.url(&format!("{API}/{}/members/{}/typing", a.id, a.member)))
        .bearer_auth(&a.jwt)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().await.unwrap();
    assert!(v["id"].is_string());
    assert_eq!(v["conversation"]["id"], a.id.as_str());
    assert_eq!(v["sender"]["id"], a.member.as_str());
    assert!(v["timestamp"].is_string());
}

#[tokio::test]
async fn messages_page_with_after_before_max_results_and_links() {
    let mut cfg = fast();
    cfg.manual_agent = true; // no agent replies: the history is exactly what this test sends
    let emu = start(cfg).await;
    let a = emu.create("Ann").await;
    let _ws = open(&a.uri).await;
    let mut sent = Vec::new();
    for i in 0..5 {
        let (_, v) = emu.send(&a, &format!("m{i}")).await;
        sent.push(v["id"].as_str().unwrap().to_string());
    }
    let base = format!("{API}/{}/messages", a.id);
    let (s, all) = emu.get(&base, Some(&a.jwt)).await;
    assert_eq!(s, 200);
    // member-join of the customer and of the ACD queue, then the five messages
    let bodies: Vec<&str> = all["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["", "", "m0", "m1", "m2", "m3", "m4"]);
    assert!(all.get("previousPage").is_none() && all.get("next").is_none());

    // The official SDK sends unset parameters as empty strings; they mean "absent".
    let (s, same) = emu
        .get(
            &format!("{base}?after=&before=&sortOrder=ascending&maxResults=100"),
            Some(&a.jwt),
        )
        .await;
    assert_eq!(s, 200, "{same}");
    assert_eq!(same["entities"], all["entities"]);

    let (_, p) = emu.get(&format!("{base}?maxResults=2"), Some(&a.jwt)).await;
    let ids: Vec<&str> = p["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [sent[3].as_str(), sent[4].as_str()]);
    assert_eq!(p["pageSize"], 2);
    let prev = p["previousPage"].as_str().unwrap();
    let (_, p2) = emu.get(prev, Some(&a.jwt)).await;
    let ids: Vec<&str> = p2["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [sent[1].as_str(), sent[2].as_str()]);
    assert!(p2["next"].is_string());

    let (_, after) = emu.get(&format!("{base}?after={}", sent[2]), Some(&a.jwt)).await;
    let ids: Vec<&str> = after["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [sent[3].as_str(), sent[4].as_str()]);

    let (_, page) = emu
        .get(&format!("{base}?after={}&maxResults=1", sent[0]), Some(&a.jwt))
        .await;
    assert_eq!(page["entities"][0]["id"], sent[1].as_str());
    let (_, page) = emu.get(page["next"].as_str().unwrap(), Some(&a.jwt)).await;
    assert_eq!(page["entities"][0]["id"], sent[2].as_str());

    let (_, between) = emu
        .get(
            &format!("{base}?after={}&before={}", sent[0], sent[3]),
            Some(&a.jwt),
        )
        .await;
    assert_eq!(between["entities"].as_array().unwrap().len(), 2);

    let (_, desc) = emu
        .get(&format!("{base}?maxResults=2&sortOrder=descending"), Some(&a.jwt))
        .await;
    assert_eq!(desc["entities"][0]["id"], sent[4].as_str());

    let (s, one) = emu.get(&format!("{base}/{}", sent[1]), Some(&a.jwt)).await;
    assert_eq!(s, 200);
    assert_eq!(one["body"], "m1");

    for (q, field) in [
        ("maxResults=0", "maxResults"),
        ("maxResults=101", "maxResults"),
        ("maxResults=ten", "maxResults"),
        ("sortOrder=up", "sortOrder"),
        ("after=unknown", "after"),
        ("before=unknown", "before"),
    ] {
        let (s, v) = emu.get(&format!("{base}?{q}"), Some(&a.jwt)).await;
        assert_eq!(s, 400, "{q}");
        assert!(error_names(&v, field), "{q}: {v}");
    }
}

#[tokio::test]
async fn members_have_roles_states_and_pages() {
    let emu = start(fast()).await;
    let a = emu.create("Ann").await;
    let (_, before) = emu.get(&format!("{API}/{}/members", a.id), Some(&a.jwt)).await;
    assert_eq!(
        before["total"], 1,
        "nobody but the guest before the stream is open: {before}"
    );
    let customer = &before["entities"][0];
    assert_eq!(customer["role"], "CUSTOMER");
    assert_eq!(customer["state"], "CONNECTED");
    assert_eq!(customer["displayName"], "Ann");
    assert_eq!(customer["email"], "ann@example.com");
    assert_eq!(customer["customFields"]["plan"], "gold");

    let mut ws = open(&a.uri).await;
    until(&mut ws, |f| {
        is_text(f, "Hello Ann, I'm Alex. How can I help you today?")
    })
    .await;
    let base = format!("{API}/{}/members", a.id);
    let (_, all) = emu.get(&base, Some(&a.jwt)).await;
    let roles: Vec<(&str, &str)> = all["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["role"].as_str().unwrap(), m["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        roles,
        [
            ("CUSTOMER", "CONNECTED"),
            ("ACD", "DISCONNECTED"),
            ("AGENT", "CONNECTED")
        ]
    );
    let (_, connected) = emu
        .get(&format!("{base}?excludeDisconnectedMembers=true"), Some(&a.jwt))
        .await;
    assert_eq!(connected["total"], 2);
    let (_, p) = emu
        .get(&format!("{base}?pageSize=1&pageNumber=2"), Some(&a.jwt))
        .await;
    assert_eq!(p["entities"][0]["role"], "ACD");
    assert_eq!(p["pageCount"], 3);
    assert!(p["nextUri"].is_string() && p["previousUri"].is_string());
    let agent_id = all["entities"][2]["id"].as_str().unwrap();
    let (s, agent) = emu.get(&format!("{base}/{agent_id}"), Some(&a.jwt)).await;
    assert_eq!(s, 200);
    assert_eq!(agent["displayName"], "Alex");
    assert!(agent["joinDate"].is_string());
    for q in ["pageSize=0", "pageNumber=0", "excludeDisconnectedMembers=maybe"] {
        let (s, _) = emu.get(&format!("{base}?{q}"), Some(&a.jwt)).await;
        assert_eq!(s, 400, "{q}");
    }
}

#[tokio::test]
async fn leaving_ends_the_chat_for_everyone() {
    let emu = start(fast()).await;
    let a = emu.create("Ann").await;
    let mut ws = open(&a.uri).await;
    until(&mut ws, |f| is_message(f, "standard")).await;
    let r = emu
        .http
        .delete(emu.url(&format!("{API}/{}/members/{}", a.id, a.member)))
        .bearer_auth(&a.jwt)
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    let (f, _) = until(&mut ws, |f| {
        f["metadata"]["type"] == "member-change" && f["eventBody"]["member"]["id"] == a.member.as_str()
    })
    .await;
    assert_eq!(f["eventBody"]["member"]["state"], "DISCONNECTED");
    let (f, _) = until(&mut ws, |f| is_message(f, "member-leave")).await;
    assert_eq!(f["eventBody"]["sender"]["id"], a.member.as_str());
    assert!(frame(&mut ws).await.is_none(), "the server closes the stream");
    let (s, v) = emu.send(&a, "still there?").await;
    assert_eq!(s, 400);
    assert_eq!(v["code"], "chat.error.member.state");
    let (_, me) = emu
        .get(&format!("{API}/{}/members/{}", a.id, a.member), Some(&a.jwt))
        .await;
    assert_eq!(me["state"], "DISCONNECTED");
    assert!(me["leaveDate"].is_string());
}

#[tokio::test]
async fn cors_preflight_and_headers_for_both_origins() {
    let emu = start(fast()).await;
    for origin in [
        format!("http://127.0.0.1:{}", emu.port),
        format!("http://localhost:{}", emu.port),
    ] {
        let r = emu
            .http
            .request(reqwest::Method::OPTIONS, emu.url(API))
            .header("origin", &origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization,content-type")
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        assert_eq!(r.headers()["access-control-allow-origin"], origin.as_str());
        let allowed = r.headers()["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase();
        assert!(allowed.contains("authorization"));
        let r = emu
            .http
            .post(emu.url(API))
            .header("origin", &origin)
            .json(&create_body("Ann"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["access-control-allow-origin"], origin.as_str());
    }
}

/// Whatever a client throws at it, the emulator answers with a 4xx and a JSON body: never a 5xx, never a hang.
#[tokio::test]
async fn garbage_input_never_gets_a_5xx() {
    let emu = start(fast()).await;
    let a = emu.create("Ann").await;
    let paths = [
        API.to_string(),
        format!("{API}/{}/members/{}/messages", a.id, a.member),
        format!("{API}/{}/members/{}/typing", a.id, a.member),
        "/collector".to_string(),
        "/__emulator/faults/requests".to_string(),
        "/__emulator/agent/mode".to_string(),
        format!("/__emulator/agent/chats/{}/messages", a.id),
    ];
    let bodies: [&[u8]; 9] = [
        b"",
        b"null",
        b"\"just a string\"",
        b"{\"body\": {\"nested\": [1, 2, {}]}}",
        b"{\"organizationId\": null, \"routingTarget\": [], \"memberInfo\": 7}",
        b"\xff\xfe\x00garbage",
        b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
        b"{\"body\": \"\\ud800\"}",
        b"{\"a\":1,\"a\":2}",
    ];
    for p in &paths {
        for body in bodies {
            for ct in ["application/json", "text/plain", "application/octet-stream"] {
                let r = emu
                    .http
                    .post(emu.url(p))
                    .bearer_auth(&a.jwt)
                    .header("content-type", ct)
                    .body(body.to_vec())
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                assert!(status < 500, "{p} {ct} {body:?} -> {status}");
                if status >= 400 {
                    let v: Value = r.json().await.unwrap_or(Value::Null);
                    assert!(
                        v["message"].is_string(),
                        "{p} {ct} {body:?} -> {status} without a JSON message"
                    );
                }
            }
        }
    }
    let long = "x".repeat(3_000_000);
    let r = emu
        .http
        .post(emu.url(&paths[1]))
        .bearer_auth(&a.jwt)
        .json(&json!({"body": long}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], "payload.too.large");
    let r = emu
        .http
        .get(
            emu.url(
                &a.uri
                    .replace("ws://127.0.0.1", "")
                    .replace(&format!(":{}", emu.port), ""),
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400, "a plain GET on the stream URI");
}
