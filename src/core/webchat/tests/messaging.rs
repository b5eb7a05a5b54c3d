//! The same chat over both transports (the same commands give the same events), and what only Web Messaging
//! has: a session on one socket, its refusals and its ending.

use super::sim::*;
use crate::core::guestchat::{MemberInfo, Method};
use crate::core::webchat::*;

/// A whole chat, scripted the same on both transports: the page sees the same events and results.
#[test]
fn a_chat_gives_the_same_events_on_both_transports() {
    let mut seen = Vec::new();
    for tr in TRANSPORTS {
        let mut sim = Sim::started_on(tr);
        assert_eq!(sim.names(), ["started", "ajaxResponse"], "{tr:?}");
        assert!(matches!(sim.resolved[..], [(_, Value::Undefined)]), "{tr:?}");
        sim.agent_joins(tr);
        sim.agent_says(tr, "m1", "Hello, I am Alice", 2);
        sim.agent_types(tr);
        let send = sim.cmd(Command::SendMessage(Some("hi".into())));
        sim.server_stores_send(tr, "m2", "hi", 3);
        assert_eq!(sim.resolved.last(), Some(&(send, Value::Undefined)), "{tr:?}");
        let texts: Vec<(&str, String, &str, String)> = sim
            .events
            .iter()
            .filter_map(|e| match e {
                Event::MessageReceived { messages, .. } => Some(messages),
                _ => None,
            })
            .flatten()
            .map(|m| (m.kind, m.text.clone(), m.from_type, m.from_name.clone()))
            .collect();
        assert_eq!(
            texts,
            [
                ("ParticipantJoined", "".into(), "Agent", "Alice".into()),
                ("Message", "Hello, I am Alice".into(), "Agent", "Alice".into()),
                ("Message", "hi".into(), "Client", "Jonny".into())
            ],
            "{tr:?}"
        );
        let agents = sim.cmd(Command::GetAgents);
        assert!(
            matches!(&sim.resolved.last(), Some((c, Value::Agents(a))) if *c == agents && a.len() == 1 && a[0].name == "Alice" && a[0].connected),
            "{tr:?}: {:?}",
            sim.resolved.last()
        );
        sim.agent_ends_chat(tr);
        assert!(!sim.s.is_active(), "{tr:?}");
        seen.push(sim.names());
    }
    assert_eq!(
        seen[0],
        [
            "started",
            "ajaxResponse",
            "agentConnected",
            "messageReceived",
            "messageReceived",
            "agentTypingStarted",
            "messageReceived",
            "agentDisconnected",
            "clientDisconnected",
            "ended"
        ]
    );
    assert_eq!(seen[0], seen[1]);
}

#[test]
fn a_messaging_session_is_configured_on_its_socket_then_routed() {
    let mut sim = Sim::messaging();
    let c = sim.cmd(Command::StartChat(MemberInfo::default()));
    // No REST call: the socket is opened, and the session configured once it is open.
    assert!(sim.http.is_empty());
    assert_eq!(
        sim.socket_open_urls,
        ["ws://emu/webmessaging/v1?deploymentId=DEP"]
    );
    assert!(sim.sent.is_empty());
    sim.open();
    assert_eq!(
        sim.sent,
        [r#"{"action":"configureSession","token":"tok-1","deploymentId":"DEP"}"#]
    );
    assert!(sim.events.is_empty() && sim.resolved.is_empty());
    sim.wm(&wm_session(true, false));
    assert_eq!(sim.resolved, [(c, Value::Undefined)]);
    assert_eq!(sim.names(), ["started", "ajaxResponse"]);
    // The session's JWT (for history) is asked for, and the conversation autostarted so an agent is routed.
    assert_eq!(
        sim.sent[1..],
        [
            r#"{"action":"getJwt","token":"tok-1","tracingId":"cx-jwt"}"#.to_string(),
            r#"{"action":"onMessage","token":"tok-1","tracingId":"cx-join","message":{"type":"Event","events":[{"eventType":"Presence","presence":{"type":"Join"}}]}}"#.to_string(),
        ]
    );
    // The echo of the autostart is the guest's own event: nothing to show.
    sim.wm(r#"{"type":"response","class":"StructuredMessage","code":200,"body":{"id":"e0","type":"Event","direction":"Inbound","events":[{"eventType":"Presence","presence":{"type":"Join"}}],"channel":{"time":"2026-01-01T00:00:00.500Z"}},"tracingId":"cx-join"}"#);
    assert_eq!(sim.names(), ["started", "ajaxResponse"]);
    sim.wm(r#"{"type":"response","class":"JwtResponse","code":200,"body":{"jwt":"eyJ.SECRET.jwt","exp":1767225601}}"#);
    let data = sim.cmd(Command::GetSessionData);
    assert!(matches!(
        &sim.resolved.last(),
        Some((c, Value::SessionData(SessionData::Live { jwt, conversation_id, member_id, .. })))
            if *c == data && jwt == JWT && conversation_id == TOKEN && member_id == GUEST
    ));
    // The snapshot keeps the token and the JWT for a reload.
    let snap = sim.stored.clone().flatten().unwrap_or_default();
    assert_eq!((snap.conversation_id.as_str(), snap.jwt.as_str()), (TOKEN, JWT));
}

#[test]
fn sends_go_on_the_socket_one_at_a_time_and_refusals_reject() {
    let mut sim = Sim::started_on(Tr::Messaging);
    sim.sent.clear();
    let a = sim.cmd(Command::SendMessage(Some("one".into())));
    let b = sim.cmd(Command::SendMessage(Some("two".into())));
    assert_eq!(sim.sent.len(), 1, "one at a time: {:?}", sim.sent);
    let t = sim.last_tracing();
    assert!(sim.sent[0].contains(r#""action":"onMessage""#) && sim.sent[0].contains(r#""text":"one""#));
    // Too long: refused (final), and the next send goes.
    sim.wm(&[
        r#"{"type":"response","class":"string","code":4011,"body":"Message too long","tracingId":""#,
        &t,
        r#""}"#,
    ]
    .concat());
    assert!(matches!(
        &sim.rejected[..],
        [(c, Value::Ajax(Ajax { status: 400, .. }))] if *c == a
    ));
    assert_eq!(sim.sent.len(), 2);
    assert!(sim.sent[1].contains(r#""text":"two""#));
    sim.server_stores_send(Tr::Messaging, "m2", "two", 4);
    assert_eq!(sim.resolved.last(), Some(&(b, Value::Undefined)));
    assert_eq!(sim.texts(), ["two"]);
    // A typing indicator is an event on the socket, answered at once.
    let typing = sim.cmd(Command::SendTyping);
    assert!(sim
        .sent
        .last()
        .is_some_and(|s| s.contains(r#""eventType":"Typing""#)));
    assert!(matches!(&sim.resolved.last(), Some((c, Value::Ajax(_))) if *c == typing));
}

#[test]
fn a_rate_limited_send_is_sent_again_once_history_shows_it_was_not_stored() {
    let mut sim = Sim::started_on(Tr::Messaging);
    let a = sim.cmd(Command::SendMessage(Some("one".into())));
    let t = sim.last_tracing();
    sim.wm(&[
        r#"{"type":"response","class":"TooManyRequestsErrorMessage","code":429,"body":{"retryAfter":1,"errorCode":4029,"errorMessage":"Message rate too high"},"tracingId":""#,
        &t,
        r#""}"#,
    ]
    .concat());
    assert!(sim.rejected.is_empty());
    sim.advance(5000.0);
    // Was it stored after all? The history says no: it is sent again.
    let r = sim.answer(
        Method::Get,
        "/api/v2/webmessaging/messages?pageSize=100&pageNumber=1",
        HttpResult::Ok {
            status: 200,
            reply: crate::core::guestchat::Reply::MessagingHistory(Default::default()),
        },
    );
    assert_eq!(r.bearer.as_deref(), Some(JWT));
    let resent: Vec<&String> = sim
        .sent
        .iter()
        .filter(|s| s.contains(r#""text":"one""#))
        .collect();
    assert_eq!(resent.len(), 2);
    sim.server_stores_send(Tr::Messaging, "m1", "one", 5);
    assert_eq!(sim.resolved.last(), Some(&(a, Value::Undefined)));
    assert_eq!(sim.texts(), ["one"]);
}

#[test]
fn end_chat_clears_the_conversation() {
    let mut sim = Sim::started_on(Tr::Messaging);
    sim.clear_events();
    let c = sim.cmd(Command::EndChat);
    assert!(sim
        .sent
        .last()
        .is_some_and(|s| s.contains(r#""presence":{"type":"Clear"}"#)));
    sim.wm(r#"{"type":"message","class":"SessionClearedEvent","code":200,"body":{}}"#);
    assert_eq!(sim.resolved.last(), Some(&(c, Value::Xhr(200))));
    assert_eq!(sim.names(), ["clientDisconnected", "ended"]);
    assert_eq!(sim.socket_closes, 1);
    assert_eq!(sim.stored, Some(None));
}

#[test]
fn end_chat_is_answered_by_the_end_of_the_conversation_too() {
    // The service may say the conversation is over (a read-only `Disconnect`) before `SessionClearedEvent`:
    // either answers the guest's leave, once; its agents leave first, as over Guest Chat.
    let mut sim = Sim::started_on(Tr::Messaging);
    sim.agent_joins(Tr::Messaging);
    sim.clear_events();
    let c = sim.cmd(Command::EndChat);
    sim.wm(&wm_agent_event(
        "d1",
        "Alice",
        r#"[{"eventType":"Presence","presence":{"type":"Disconnect"}}]"#,
        true,
        9,
    ));
    sim.wm(r#"{"type":"message","class":"SessionClearedEvent","code":200,"body":{}}"#);
    let answers: Vec<_> = sim.resolved.iter().filter(|(id, _)| *id == c).collect();
    assert_eq!(answers, [&(c, Value::Xhr(200))]);
    assert!(sim.rejected.iter().all(|(id, _)| *id != c));
    assert_eq!(sim.names(), ["agentDisconnected", "clientDisconnected", "ended"]);
    assert_eq!(sim.socket_closes, 1);
}

#[test]
fn an_agents_typing_does_not_overtake_its_join() {
    let mut sim = Sim::started_on(Tr::Messaging);
    sim.clear_events();
    let join = r#"[{"eventType":"Presence","presence":{"type":"Join"}}]"#;
    let typing = r#"[{"eventType":"Typing","typing":{"type":"On","duration":5000}}]"#;
    sim.wm(&wm_agent_event("j1", "Alice", join, false, 1));
    sim.wm(&wm_agent_event("t1", "Alice", typing, false, 1));
    assert!(sim.names().is_empty(), "both wait for the reorder window");
    sim.advance(REORDER);
    // (The join notice goes out with what the window released, after it.)
    assert_eq!(
        sim.names(),
        ["agentConnected", "agentTypingStarted", "messageReceived"]
    );
    // With nothing waiting, typing is shown at once.
    sim.clear_events();
    sim.wm(&wm_agent_event("t2", "Alice", typing, false, 2));
    assert_eq!(sim.names(), ["agentTypingStarted"]);
}

#[test]
fn without_a_token_start_chat_says_why() {
    let mut sim = Sim::new(messaging_cfg());
    let d = sim.cmd(Command::StartChat(MemberInfo::default()));
    assert_eq!(sim.rejected, [(d, Value::Text(NO_TOKEN.into()))]);
    assert!(!sim.s.is_active() && sim.socket_open_urls.is_empty());
    // A token given: the chat starts.
    sim.s.guest_token(TOKEN.into());
    sim.cmd(Command::StartChat(MemberInfo::default()));
    assert_eq!(sim.socket_open_urls.len(), 1);
}

#[test]
fn a_socket_that_fails_before_the_session_answers_rejects_start_chat() {
    let mut sim = Sim::messaging();
    let c = sim.cmd(Command::StartChat(MemberInfo::default()));
    sim.open();
    sim.closed();
    assert!(matches!(&sim.rejected[..], [(r, Value::Ajax(Ajax { status: 0, .. }))] if *r == c));
    assert!(!sim.s.is_active());
    // And a socket that never opens: the request deadline.
    sim.s.guest_token("tok-2".into());
    let d = sim.cmd(Command::StartChat(MemberInfo::default()));
    sim.advance(15_000.0);
    assert!(matches!(&sim.rejected.last(), Some((r, Value::Ajax(_))) if *r == d));
    assert_eq!(sim.socket_closes, 1);
}

#[test]
fn a_read_only_session_starts_a_new_conversation() {
    let mut sim = Sim::messaging();
    let c = sim.cmd(Command::StartChat(MemberInfo::default()));
    sim.open();
    sim.wm(&wm_session(false, true));
    assert!(sim.sent.last().is_some_and(|s| s.contains(r#""startNew":true"#)));
    assert!(sim.resolved.is_empty());
    sim.wm(&wm_session(true, false));
    assert_eq!(sim.resolved, [(c, Value::Undefined)]);
}

/// A message body of agent Alice (`text`, at second `at`).
fn agent_body(id: &str, text: &str, at: u32) -> String {
    let frame = wm_agent_text(id, "Alice", text, at);
    let body = frame.split_once(r#""body":"#).map(|(_, b)| b).unwrap_or("");
    body[..body.len() - 1].to_string()
}

const HISTORY: &str = "/api/v2/webmessaging/messages?pageSize=100&pageNumber=1";

#[test]
fn messages_out_of_order_are_delivered_in_order_and_once() {
    let mut sim = Sim::started_on(Tr::Messaging);
    sim.agent_joins(Tr::Messaging);
    sim.clear_events();
    // The service delivers a burst shuffled, one of them twice.
    for (id, text, at) in [
        ("m5", "three", 5),
        ("m3", "one", 3),
        ("m4", "two", 4),
        ("m3", "one", 3),
    ] {
        sim.wm(&wm_agent_text(id, "Alice", text, at));
    }
    assert!(sim.texts().is_empty(), "held for the reorder window");
    sim.advance(REORDER);
    assert_eq!(sim.texts(), ["one", "two", "three"]);
    let late = sim.cmd(Command::GetTranscript);
    // The agent's join notice, then the three, once each.
    assert!(matches!(&sim.resolved.last(), Some((c, Value::Transcript(t))) if *c == late && t.len() == 4));
}

#[test]
fn a_dropped_socket_reconnects_with_the_same_token_and_reads_what_it_missed() {
    let mut sim = Sim::started_on(Tr::Messaging);
    sim.agent_joins(Tr::Messaging);
    sim.agent_says(Tr::Messaging, "m1", "hi", 2);
    sim.clear_events();
    sim.sent.clear();
    sim.closed();
    assert_eq!(sim.names(), ["disconnected"]);
    // A send made meanwhile waits for the stream.
    let send = sim.cmd(Command::SendMessage(Some("still there?".into())));
    assert!(sim.sent.is_empty());
    sim.advance(2000.0);
    assert_eq!(sim.socket_open_urls.len(), 2);
    assert_eq!(sim.socket_open_urls[1], sim.socket_open_urls[0]);
    sim.open();
    assert_eq!(
        sim.sent,
        [r#"{"action":"configureSession","token":"tok-1","deploymentId":"DEP"}"#]
    );
    sim.wm(&wm_session(false, false));
    assert_eq!(sim.names(), ["disconnected", "reconnected"]);
    // What was said while away comes from the history (with the session's JWT), in the order of its times.
    let r = sim.answer(
        Method::Get,
        HISTORY,
        wm_history(&[
            &agent_body("m3", "hello?", 4),
            &agent_body("m2", "are you there?", 3),
            &agent_body("m1", "hi", 2),
        ]),
    );
    assert_eq!(r.bearer.as_deref(), Some(JWT));
    assert_eq!(sim.texts(), ["are you there?", "hello?"]);
    // Caught up: the waiting send goes.
    assert!(sim.sent.last().is_some_and(|s| s.contains("still there?")));
    sim.server_stores_send(Tr::Messaging, "m6", "still there?", 6);
    assert_eq!(sim.resolved.last(), Some(&(send, Value::Undefined)));
}

#[test]
fn a_send_whose_socket_dropped_is_found_in_history_not_sent_twice() {
    let mut sim = Sim::started_on(Tr::Messaging);
    let send = sim.cmd(Command::SendMessage(Some("once".into())));
    sim.closed();
    sim.advance(2000.0);
    sim.open();
    sim.wm(&wm_session(false, false));
    // The service had stored it before the socket dropped: the catch-up finds it, and it is not sent again.
    let own = r#"{"id":"m1","type":"Text","text":"once","direction":"Inbound","channel":{"time":"2026-01-01T00:00:03.000Z"}}"#;
    sim.answer(Method::Get, HISTORY, wm_history(&[own]));
    sim.advance(30_000.0);
    while sim.has(Method::Get, HISTORY) {
        sim.answer(Method::Get, HISTORY, wm_history(&[own]));
    }
    assert_eq!(sim.resolved.last(), Some(&(send, Value::Undefined)));
    assert_eq!(
        sim.sent.iter().filter(|s| s.contains(r#""text":"once""#)).count(),
        1
    );
    assert_eq!(sim.texts(), ["once"]);
}

#[test]
fn a_conversation_that_ended_while_away_ends_on_reconnect() {
    let mut sim = Sim::started_on(Tr::Messaging);
    sim.closed();
    sim.advance(2000.0);
    sim.open();
    sim.clear_events();
    sim.wm(&wm_session(false, true));
    assert_eq!(sim.names(), ["clientDisconnected", "ended"]);
}

#[test]
fn silence_is_probed_with_an_echo_before_the_connection_counts_as_lost() {
    let mut sim = Sim::started_on(Tr::Messaging);
    sim.sent.clear();
    sim.clear_events();
    sim.advance(14_000.0);
    assert_eq!(
        sim.sent,
        [
            r#"{"action":"echo","token":"tok-1","tracingId":"cx-echo","message":{"type":"Text","text":"ping"}}"#
        ]
    );
    // Its answer is liveness only.
    sim.wm(r#"{"type":"response","class":"StructuredMessage","code":200,"body":{"id":"p","type":"Text","text":"ping","direction":"Inbound"},"tracingId":"cx-echo"}"#);
    assert!(sim.events.is_empty() && sim.texts().is_empty());
    sim.advance(14_000.0);
    assert_eq!(sim.sent.len(), 2);
    assert!(sim.events.is_empty());
    // No answer to the second: lost.
    sim.advance(14_000.0);
    assert_eq!(sim.names(), ["disconnected"]);
    assert_eq!(sim.socket_closes, 1);
}

#[test]
fn a_reload_restores_the_chat_from_the_token_and_its_history() {
    let mut sim = Sim::started_on(Tr::Messaging);
    sim.agent_joins(Tr::Messaging);
    sim.agent_says(Tr::Messaging, "m1", "hi", 2);
    let ctx = sim.ctx();
    sim.s.page_hide(ctx);
    sim.drain();
    let snap = sim.stored.clone().flatten().unwrap_or_default();
    assert_eq!((snap.conversation_id.as_str(), snap.jwt.as_str()), (TOKEN, JWT));

    let mut page2 = Sim::new(messaging_cfg());
    page2.now = sim.now + 10_000.0;
    let ctx = page2.ctx();
    page2.s.boot(Some(snap.clone()), ctx);
    page2.drain();
    let own = r#"{"id":"m2","type":"Text","text":"hello","direction":"Inbound","channel":{"time":"2026-01-01T00:00:03.000Z"}}"#;
    let join = r#"{"id":"j1","type":"Event","direction":"Outbound","events":[{"eventType":"Presence","presence":{"type":"Join"}}],"channel":{"time":"2026-01-01T00:00:01.000Z","from":{"nickname":"Alice"}}}"#;
    let r = page2.answer(
        Method::Get,
        HISTORY,
        wm_history(&[own, &agent_body("m1", "hi", 2), join]),
    );
    assert_eq!(r.bearer.as_deref(), Some(JWT));
    assert_eq!(
        page2.names(),
        [
            "ready",
            "capabilitiesChanged",
            "restored",
            "clientConnected",
            "agentConnected",
            "messageReceived"
        ]
    );
    assert!(matches!(
        &page2.events[5],
        Event::MessageReceived { messages, restoring: true, .. }
            if messages.iter().map(|m| (m.kind, m.text.as_str(), m.from_type)).collect::<Vec<_>>()
                == [("ParticipantJoined", "", "Agent"), ("Message", "hi", "Agent"), ("Message", "hello", "Client")]
    ));
    // The guest keeps its name: the history does not say it, the snapshot does.
    #[cfg(feature = "webmessaging")]
    assert_eq!(snap.guest_name, "Jonny");
    assert!(matches!(
        &page2.events[5],
        Event::MessageReceived { messages, .. } if messages.iter().all(|m| m.from_type != "Client" || m.from_name == "Jonny")
    ));
    // Then the socket, attached to the same session, catches up.
    assert_eq!(
        page2.socket_open_urls,
        std::slice::from_ref(&snap.event_stream_uri)
    );
    page2.open();
    assert!(page2.sent[0].contains(r#""token":"tok-1""#) && !page2.sent[0].contains("startNew"));
    page2.wm(&wm_session(false, false));
    page2.answer(
        Method::Get,
        HISTORY,
        wm_history(&[own, &agent_body("m1", "hi", 2), join]),
    );
    // What the restore showed (the join notice, the two texts), once each: the catch-up found nothing new.
    assert_eq!(page2.texts(), ["", "hi", "hello"]);
    let send = page2.cmd(Command::SendMessage(Some("back".into())));
    assert!(page2.sent.last().is_some_and(|s| s.contains(r#""text":"back""#)));
    page2.server_stores_send(Tr::Messaging, "m3", "back", 5);
    assert_eq!(page2.resolved.last(), Some(&(send, Value::Undefined)));

    // A conversation that ended before the reload cannot be restored.
    let mut page3 = Sim::new(messaging_cfg());
    page3.now = page2.now;
    let ctx = page3.ctx();
    page3.s.boot(Some(snap), ctx);
    page3.drain();
    let over = r#"{"id":"d1","type":"Event","direction":"Outbound","events":[{"eventType":"Presence","presence":{"type":"Disconnect"}}],"metadata":{"readOnly":"true"},"channel":{"time":"2026-01-01T00:00:09.000Z"}}"#;
    page3.answer(
        Method::Get,
        HISTORY,
        wm_history(&[over, &agent_body("m1", "hi", 2)]),
    );
    assert_eq!(page3.names(), ["ready", "capabilitiesChanged", "restoreFailed"]);
    assert_eq!(page3.stored, Some(None));
    assert!(page3.socket_open_urls.is_empty());
}

fn unauthorized() -> HttpResult {
    HttpResult::Status {
        status: 401,
        status_text: "Unauthorized".into(),
        text: r#"{"code":"bad.credentials"}"#.into(),
    }
}

#[test]
fn an_expired_jwt_is_renewed_and_the_history_read_again() {
    let mut sim = Sim::started_on(Tr::Messaging);
    sim.agent_joins(Tr::Messaging);
    sim.closed();
    sim.advance(2000.0);
    sim.open();
    sim.wm(&wm_session(false, false));
    sim.clear_events();
    sim.sent.clear();
    // The catch-up's read is refused: the JWT expired. A new one is asked for, and the read made with it.
    sim.answer(Method::Get, HISTORY, unauthorized());
    assert_eq!(
        sim.sent,
        [r#"{"action":"getJwt","token":"tok-1","tracingId":"cx-jwt"}"#]
    );
    assert!(!sim.has(Method::Get, HISTORY));
    assert!(
        sim.events.is_empty(),
        "no error for an expired credential: {:?}",
        sim.names()
    );
    sim.wm(r#"{"type":"response","class":"JwtResponse","code":200,"body":{"jwt":"eyJ.NEW.jwt","exp":1}}"#);
    let r = sim.answer(Method::Get, HISTORY, wm_history(&[&agent_body("m1", "back", 3)]));
    assert_eq!(r.bearer.as_deref(), Some("eyJ.NEW.jwt"));
    assert_eq!(sim.texts(), ["back"]);
    assert_eq!(
        sim.stored.clone().flatten().unwrap_or_default().jwt,
        "eyJ.NEW.jwt"
    );
    // A new JWT refused too is a refusal: published, and the catch-up tried again later (not a loop of getJwt).
    sim.closed();
    sim.advance(2000.0);
    sim.open();
    sim.wm(&wm_session(false, false));
    sim.answer(Method::Get, HISTORY, unauthorized());
    sim.wm(r#"{"type":"response","class":"JwtResponse","code":200,"body":{"jwt":"eyJ.NEWER.jwt","exp":1}}"#);
    sim.sent.clear();
    sim.clear_events();
    sim.answer(Method::Get, HISTORY, unauthorized());
    assert!(sim.sent.is_empty());
    assert!(sim.names().contains(&"error"));
}

/// A chat started as `info` whose page goes before `getJwt` answered (the snapshot has the token, no JWT), and
/// the next page, booted from that snapshot 5 s later: (the snapshot, the next page).
fn gone_before_the_jwt(info: MemberInfo) -> (Snapshot, Sim) {
    let mut sim = Sim::messaging();
    sim.cmd(Command::StartChat(info));
    sim.open();
    sim.wm(&wm_session(true, false));
    let ctx = sim.ctx();
    sim.s.page_hide(ctx);
    sim.drain();
    let snap = sim.stored.clone().flatten().unwrap_or_default();
    let mut page2 = Sim::new(messaging_cfg());
    page2.now = sim.now + 5000.0;
    let ctx = page2.ctx();
    page2.s.boot(Some(snap.clone()), ctx);
    page2.drain();
    (snap, page2)
}

#[test]
fn a_reload_before_the_jwt_came_restores_with_the_token_alone() {
    let (snap, mut page2) = gone_before_the_jwt(MemberInfo::default());
    assert_eq!((snap.conversation_id.as_str(), snap.jwt.as_str()), (TOKEN, ""));
    // No history call without a JWT: the socket opens to configure the same token and ask for one.
    assert!(page2.http.is_empty());
    assert_eq!(
        page2.socket_open_urls,
        std::slice::from_ref(&snap.event_stream_uri)
    );
    page2.open();
    assert_eq!(
        page2.sent,
        [r#"{"action":"configureSession","token":"tok-1","deploymentId":"DEP"}"#]
    );
    page2.wm(&wm_session(false, false));
    assert!(page2.sent[1].contains(r#""action":"getJwt""#));
    // What the socket says meanwhile is read from the history after the restore.
    page2.wm(&wm_agent_text("m1", "Alice", "hi", 2));
    page2.wm(
        r#"{"type":"response","class":"JwtResponse","code":200,"body":{"jwt":"eyJ.SECRET.jwt","exp":1}}"#,
    );
    let r = page2.answer(Method::Get, HISTORY, wm_history(&[&agent_body("m1", "hi", 2)]));
    assert_eq!(r.bearer.as_deref(), Some(JWT));
    assert_eq!(
        page2.names(),
        [
            "ready",
            "capabilitiesChanged",
            "restored",
            "clientConnected",
            "agentConnected",
            "messageReceived"
        ]
    );
    // The socket that fetched the JWT is the chat's: attached at once, it catches up, nothing shown twice.
    assert_eq!(page2.socket_open_urls.len(), 1);
    page2.answer(Method::Get, HISTORY, wm_history(&[&agent_body("m1", "hi", 2)]));
    page2.advance(REORDER);
    assert_eq!(page2.texts(), ["hi"]);
    let send = page2.cmd(Command::SendMessage(Some("back".into())));
    page2.server_stores_send(Tr::Messaging, "m3", "back", 5);
    assert_eq!(page2.resolved.last(), Some(&(send, Value::Undefined)));

    // A token whose conversation is over by then: `restoreFailed`, and the socket closes.
    let mut page3 = Sim::new(messaging_cfg());
    page3.now = page2.now;
    let ctx = page3.ctx();
    page3.s.boot(Some(snap), ctx);
    page3.drain();
    page3.open();
    page3.wm(&wm_session(false, true));
    assert_eq!(page3.names(), ["ready", "capabilitiesChanged", "restoreFailed"]);
    assert_eq!((page3.stored.clone(), page3.socket_closes), (Some(None), 1));
}

/// What a page stores while its restore is under way (the JWT it fetched, or its going away before the history
/// came) keeps the guest's name: a page after it restores the guest as it was.
#[test]
fn a_snapshot_written_during_a_restore_keeps_the_guests_name() {
    let (snap, mut page2) = gone_before_the_jwt(MemberInfo {
        display_name: Some("Jonny".into()),
        ..Default::default()
    });
    assert_eq!((snap.guest_name.as_str(), snap.jwt.as_str()), ("Jonny", ""));
    page2.open();
    page2.wm(&wm_session(false, false));
    page2.wm(
        r#"{"type":"response","class":"JwtResponse","code":200,"body":{"jwt":"eyJ.SECRET.jwt","exp":1}}"#,
    );
    // The JWT is stored at once, the history not read yet.
    let with_jwt = page2.stored.clone().flatten().unwrap_or_default();
    assert_eq!(
        (with_jwt.guest_name.as_str(), with_jwt.jwt.as_str()),
        ("Jonny", JWT)
    );
    let ctx = page2.ctx();
    page2.s.page_hide(ctx);
    page2.drain();
    let snap2 = page2.stored.clone().flatten().unwrap_or_default();
    assert_eq!(snap2.guest_name, "Jonny");

    // The page after it shows the guest's own messages under its name.
    let mut page3 = Sim::new(messaging_cfg());
    page3.now = page2.now + 5000.0;
    let ctx = page3.ctx();
    page3.s.boot(Some(snap2), ctx);
    page3.drain();
    let own = r#"{"id":"m2","type":"Text","text":"hello","direction":"Inbound","channel":{"time":"2026-01-01T00:00:03.000Z"}}"#;
    page3.answer(Method::Get, HISTORY, wm_history(&[own]));
    assert!(page3.events.iter().any(|e| matches!(
        e,
        Event::MessageReceived { messages, .. }
            if messages.iter().any(|m| m.from_type == "Client" && m.from_name == "Jonny")
    )));
}

#[test]
fn a_restore_whose_jwt_socket_drops_retries_it() {
    let (_, mut page2) = gone_before_the_jwt(MemberInfo::default());
    page2.open();
    page2.closed();
    // Not connected yet, so not `disconnected`: the restore's read failed (as a failed history read would),
    // it is offline and tries again.
    assert_eq!(
        page2.names(),
        [
            "ready",
            "capabilitiesChanged",
            "error",
            "connectionPending",
            "restoredOffline"
        ]
    );
    page2.advance(10_000.0);
    assert_eq!(page2.socket_open_urls.len(), 2);
    page2.open();
    page2.wm(&wm_session(false, false));
    page2.wm(
        r#"{"type":"response","class":"JwtResponse","code":200,"body":{"jwt":"eyJ.SECRET.jwt","exp":1}}"#,
    );
    page2.answer(Method::Get, HISTORY, wm_history(&[] as &[&str]));
    assert!(page2.s.is_active());
    assert!(
        page2.names().contains(&"chatServerBackOnline"),
        "{:?}",
        page2.names()
    );
}

#[test]
fn send_file_says_it_is_not_carried() {
    let mut sim = Sim::started_on(Tr::Messaging);
    let c = sim.cmd(Command::SendFile);
    assert_eq!(sim.rejected, [(c, Value::Text(NO_MESSAGING_FILES.into()))]);
}

#[test]
fn a_reconnect_whose_session_never_answers_is_lost_and_tried_again() {
    let mut sim = Sim::started_on(Tr::Messaging);
    sim.closed();
    sim.advance(2000.0);
    sim.open();
    sim.clear_events();
    // The socket opened, but `configureSession` is never answered: after `heartbeatTimeout`, it is closed and
    // another one opened (not waited on for ever).
    sim.advance(14_000.0);
    assert_eq!(sim.socket_closes, 1);
    sim.advance(5000.0);
    assert_eq!(sim.socket_open_urls.len(), 3);
    sim.open();
    sim.wm(&wm_session(false, false));
    assert_eq!(sim.names(), ["reconnected"]);
}

#[test]
fn a_restore_whose_jwt_expired_renews_it_on_the_socket() {
    let mut sim = Sim::started_on(Tr::Messaging);
    sim.agent_joins(Tr::Messaging);
    sim.agent_says(Tr::Messaging, "m1", "hi", 2);
    let mut page2 = sim.reload(Tr::Messaging);
    page2.answer(Method::Get, HISTORY, unauthorized());
    // Not `restoreFailed`: the socket opens for a new JWT, and the history is read with it.
    assert_eq!(page2.names(), ["ready", "capabilitiesChanged"]);
    assert_eq!(page2.socket_open_urls.len(), 1);
    page2.open();
    page2.wm(&wm_session(false, false));
    assert!(page2
        .sent
        .last()
        .is_some_and(|s| s.contains(r#""action":"getJwt""#)));
    page2.wm(r#"{"type":"response","class":"JwtResponse","code":200,"body":{"jwt":"eyJ.NEW.jwt","exp":1}}"#);
    let r = page2.answer(Method::Get, HISTORY, wm_history(&[&agent_body("m1", "hi", 2)]));
    assert_eq!(r.bearer.as_deref(), Some("eyJ.NEW.jwt"));
    assert!(page2.names().contains(&"restored"));
    // The same socket is the chat's: no second one, and it catches up.
    page2.answer(Method::Get, HISTORY, wm_history(&[&agent_body("m1", "hi", 2)]));
    assert_eq!(
        (page2.socket_open_urls.len(), page2.texts()),
        (1, vec!["hi".to_string()])
    );
    assert!(page2.s.is_active());
}

#[test]
fn a_rate_limited_send_waits_as_long_as_the_service_says() {
    let mut sim = Sim::started_on(Tr::Messaging);
    sim.cmd(Command::SendMessage(Some("one".into())));
    let t = sim.last_tracing();
    sim.wm(&[
        r#"{"type":"response","class":"TooManyRequestsErrorMessage","code":429,"body":{"retryAfter":10,"errorCode":4029,"errorMessage":"Message rate too high"},"tracingId":""#,
        &t,
        r#""}"#,
    ]
    .concat());
    // Not before `retryAfter` (10 s; the backoff alone would have checked after 1.5 s).
    sim.advance(9_900.0);
    assert!(!sim.has(Method::Get, HISTORY));
    sim.advance(200.0);
    assert!(sim.has(Method::Get, HISTORY));
}
