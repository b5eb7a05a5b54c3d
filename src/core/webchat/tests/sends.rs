//! The send queue: order, waiting for the stream, and ambiguous failures resolved by the echo.

use super::sim::*;
use crate::core::guestchat::{MemberInfo, Method, Reply};
use crate::core::webchat::*;

// Guest Chat spelled; on both: `on_both_transports_sends_made_offline_wait_and_go_in_order_once`.
#[test]
fn sends_while_disconnected_are_queued_and_flushed_in_order() {
    let mut sim = Sim::with_agent(default_cfg());
    sim.closed();
    let a = sim.cmd(Command::SendMessage(Some("first".into())));
    let b = sim.cmd(Command::SendMessage(Some("second".into())));
    assert!(
        !sim.has(Method::Post, "/messages"),
        "nothing is sent while disconnected"
    );
    sim.advance(2000.0);
    sim.open();
    assert!(
        !sim.has(Method::Post, "/messages"),
        "not before the catch-up is done"
    );
    sim.answer(Method::Get, "/messages?", page(vec![]));
    sim.answer(Method::Get, "/members?", ok(Reply::Members(vec![])));
    let r = sim.answer(
        Method::Post,
        "/members/M/messages",
        ok(Reply::Message(msg("10", "M", "first"))),
    );
    assert_eq!(
        r.body.as_deref(),
        Some(r#"{"body":"first","bodyType":"standard"}"#)
    );
    let r = sim.answer(
        Method::Post,
        "/members/M/messages",
        ok(Reply::Message(msg("11", "M", "second"))),
    );
    assert!(r.body.unwrap().contains("second"));
    let ids: Vec<u32> = sim.resolved.iter().map(|(i, _)| *i).collect();
    assert!(ids.ends_with(&[a, b]));
}

// Guest Chat spelled; on both: `on_both_transports_a_refused_send_is_retried_once_and_a_stored_one_not_at_all`.
#[test]
fn a_503_on_send_retries_once_the_server_is_known_not_to_have_it() {
    let mut sim = Sim::with_agent(default_cfg());
    sim.frame(msg_frame(msg("1", "A", "hello")));
    let c = sim.cmd(Command::SendMessage(Some("hi".into())));
    sim.answer(Method::Post, "/members/M/messages", status(503));
    assert!(sim.names().contains(&"error"));
    assert!(sim.resolved.iter().all(|(i, _)| *i != c));
    // Backoff, then a check: is "hi" stored after the last message we had seen before sending?
    sim.advance(1500.0);
    sim.answer(Method::Get, "/messages?after=1&", page(vec![]));
    // Not stored: sent again, once.
    sim.answer(
        Method::Post,
        "/members/M/messages",
        ok(Reply::Message(msg("2", "M", "hi"))),
    );
    assert!(!sim.has(Method::Post, "/messages"));
    assert_eq!(sim.resolved.iter().filter(|(i, _)| *i == c).count(), 1);
    // Its echo arrives and is shown once.
    sim.frame(msg_frame(msg("2", "M", "hi")));
    sim.frame(msg_frame(msg("2", "M", "hi")));
    assert_eq!(sim.texts(), vec!["hello", "hi"]);
}

// Guest Chat spelled; on both transports in the soak (answers slower than `requestTimeout`).
#[test]
fn a_timed_out_send_that_the_server_stored_is_not_sent_twice() {
    let mut sim = Sim::with_agent(default_cfg());
    let c = sim.cmd(Command::SendMessage(Some("ok".into())));
    let d = sim.cmd(Command::SendMessage(Some("ok".into())));
    // The first request is lost: it will never be answered.
    sim.take(Method::Post, "/members/M/messages");
    // The first request never answers: it times out after requestTimeout (15 s).
    sim.frame(heartbeat());
    sim.advance(10_000.0);
    sim.frame(heartbeat());
    sim.advance(5_000.0);
    assert!(sim.names().contains(&"error"));
    // The server did store it: the check (after waiting as long again as the timeout) finds it, so it is not
    // sent again.
    for _ in 0..3 {
        sim.frame(heartbeat());
        sim.advance(5_000.0);
    }
    sim.answer(Method::Get, "/messages?", page(vec![msg("5", "M", "ok")]));
    assert!(sim.resolved.iter().any(|(i, _)| *i == c));
    // The second, identical text is a different message: it is sent (once).
    let r = sim.answer(
        Method::Post,
        "/members/M/messages",
        ok(Reply::Message(msg("6", "M", "ok"))),
    );
    assert!(r.body.unwrap().contains("\"ok\""));
    assert!(sim.resolved.iter().any(|(i, _)| *i == d));
    assert!(!sim.has(Method::Post, "/messages"));
    // The late answer of the first request is ignored.
    assert_eq!(sim.texts(), vec!["ok"]);
}

// Guest Chat spelled (its stream echo vs its HTTP answer); on both transports in the soak (cuts, refusals).
#[test]
fn an_echo_during_the_backoff_completes_an_ambiguous_send() {
    let mut sim = Sim::with_agent(default_cfg());
    let c = sim.cmd(Command::SendMessage(Some("yo".into())));
    sim.answer(
        Method::Post,
        "/members/M/messages",
        HttpResult::Network("Failed to fetch".into()),
    );
    sim.frame(msg_frame(msg("7", "M", "yo")));
    assert!(sim.resolved.iter().any(|(i, _)| *i == c));
    sim.advance(5000.0);
    assert!(!sim.has(Method::Post, "/messages"));
    assert!(!sim.has(Method::Get, "/messages"));
}

// Prefilters are the page's, the same code whatever carries the send.
#[test]
fn filtered_messages_add_their_filter_and_resolve_without_a_response() {
    let mut sim = Sim::with_agent(default_cfg());
    let c = sim.cmd(Command::SendFilteredMessage(
        Some("code 1234".into()),
        Filter {
            source: "code \\d+".into(),
            flags: String::new(),
        },
    ));
    assert_eq!(sim.s.filters().len(), 1);
    sim.answer(
        Method::Post,
        "/members/M/messages",
        ok(Reply::Message(msg("1", "M", "code 1234"))),
    );
    assert_eq!(sim.resolved.last(), Some(&(c, Value::Undefined)));
    let snap = sim.stored.clone().unwrap().unwrap();
    assert_eq!(snap.filters[0].source, "code \\d+");
}

// Guest Chat spelled; on both: `on_both_transports_a_refused_send_is_retried_once_and_a_stored_one_not_at_all`.
#[test]
fn a_send_accepted_then_answered_503_completes_from_its_echo_without_a_resend() {
    let mut sim = Sim::with_agent(default_cfg());
    let c = sim.cmd(Command::SendMessage(Some("once".into())));
    // The server stored it and fanned it out, then the answer was lost.
    sim.frame(msg_frame(msg("e1", "M", "once")));
    sim.answer(Method::Post, "/members/M/messages", status(503));
    assert!(sim.resolved.iter().any(|(i, _)| *i == c));
    sim.advance(60_000.0);
    assert!(!sim.has(Method::Post, "/messages"));
    assert_eq!(sim.texts(), vec!["once"]);
}

// Not on Web Messaging: its chat is created on its stream, so nothing can be sent before the stream opens.
#[test]
fn a_message_sent_before_the_stream_opens_waits_for_it() {
    // Sent before the stream is attached, a message is stored without an echo ever reaching this page.
    let mut sim = Sim::new(default_cfg());
    sim.cmd(Command::StartChat(MemberInfo::default()));
    sim.answer(Method::Post, "/conversations", created("ws://emu/stream"));
    sim.cmd(Command::SendMessage(Some("early".into())));
    assert!(!sim.has(Method::Post, "/members/M/messages"));
    sim.open();
    assert!(sim.has(Method::Post, "/members/M/messages"));
}

// Guest Chat's typing request; Web Messaging's typing is an event answered at once (`messaging`).
#[test]
fn sends_resolve_undefined_and_typing_follows_the_vendor() {
    let mut sim = Sim::with_agent(default_cfg());
    let c = sim.cmd(Command::SendMessage(Some("hi".into())));
    sim.answer(
        Method::Post,
        "/members/M/messages",
        ok(Reply::Message(msg("8", "M", "hi"))),
    );
    assert!(sim.resolved.contains(&(c, Value::Undefined)));
    // sendTyping: `clientTypingStarted`, one indicator; again within 2 s: resolved with no request.
    sim.clear_events();
    let t1 = sim.cmd(Command::SendTyping);
    assert!(sim.has(Method::Post, "/members/M/typing"));
    sim.answer(Method::Post, "/members/M/typing", ok(Reply::None));
    assert!(sim.resolved.iter().any(|(i, _)| *i == t1));
    sim.advance(500.0);
    let t2 = sim.cmd(Command::SendTyping);
    assert!(!sim.has(Method::Post, "/members/M/typing"));
    assert!(sim.resolved.contains(&(t2, Value::Undefined)));
    sim.advance(2000.0);
    assert_eq!(sim.names(), vec!["clientTypingStarted", "clientTypingStopped"]);
}

// The same guarantees on both transports (the cases above are Guest Chat's, with its requests spelled out; the
// ones that depend on its HTTP answers — typing requests, filtered sends — are Guest Chat only, and Web
// Messaging's own are in `messaging`).

/// Sends made while the stream is down wait, go in order once it is back and caught up, each once.
#[test]
fn on_both_transports_sends_made_offline_wait_and_go_in_order_once() {
    for tr in TRANSPORTS {
        let mut sim = Sim::started_on(tr);
        sim.agent_joins(tr);
        sim.closed();
        let a = sim.cmd(Command::SendMessage(Some("first".into())));
        let b = sim.cmd(Command::SendMessage(Some("second".into())));
        assert_eq!(sim.sends_of(tr, "first"), 0, "{tr:?}: nothing goes while down");
        sim.reconnect(tr);
        assert_eq!(sim.sends_of(tr, "first"), 0, "{tr:?}: nor before the catch-up");
        sim.answer_read(tr, &[]);
        assert_eq!(sim.sends_of(tr, "first"), 1, "{tr:?}");
        assert_eq!(sim.sends_of(tr, "second"), 0, "{tr:?}: one at a time");
        sim.server_stores_send(tr, "m1", "first", 3);
        sim.server_stores_send(tr, "m2", "second", 4);
        let ids: Vec<u32> = sim.resolved.iter().map(|(i, _)| *i).collect();
        assert!(ids.ends_with(&[a, b]), "{tr:?}: {ids:?}");
        assert_eq!(
            (sim.sends_of(tr, "first"), sim.sends_of(tr, "second")),
            (1, 1),
            "{tr:?}"
        );
        assert_eq!(
            sim.shown(),
            ["ParticipantJoined Alice", "first", "second"],
            "{tr:?}"
        );
    }
}

/// A transient refusal is retried, once the check shows the server does not have it; a refusal of a message
/// the server did store (its echo came) is not: never doubled.
#[test]
fn on_both_transports_a_refused_send_is_retried_once_and_a_stored_one_not_at_all() {
    for tr in TRANSPORTS {
        let mut sim = Sim::started_on(tr);
        sim.agent_joins(tr);
        let c = sim.cmd(Command::SendMessage(Some("hi".into())));
        sim.refuse_send(tr);
        assert!(sim.resolved.iter().all(|(i, _)| *i != c), "{tr:?}");
        sim.advance(5000.0);
        // The check: not stored, so it goes again.
        sim.answer_read(tr, &[]);
        assert_eq!(sim.sends_of(tr, "hi"), 2, "{tr:?}");
        sim.server_stores_send(tr, "m1", "hi", 3);
        assert_eq!(sim.resolved.iter().filter(|(i, _)| *i == c).count(), 1, "{tr:?}");
        // Stored, echoed on the stream, then answered as failed: complete, not sent again.
        let d = sim.cmd(Command::SendMessage(Some("once".into())));
        sim.own_echo_pushed(tr, "m2", "once", 4);
        sim.refuse_send(tr);
        assert!(sim.resolved.iter().any(|(i, _)| *i == d), "{tr:?}");
        sim.advance(60_000.0);
        assert_eq!(sim.sends_of(tr, "once"), 1, "{tr:?}");
        assert_eq!(sim.shown(), ["ParticipantJoined Alice", "hi", "once"], "{tr:?}");
    }
}
