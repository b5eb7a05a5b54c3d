//! The send queue: order, waiting for the stream, and ambiguous failures resolved by the echo.

use super::sim::*;
use crate::core::guestchat::{MemberInfo, Method, Reply};
use crate::core::webchat::*;

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
