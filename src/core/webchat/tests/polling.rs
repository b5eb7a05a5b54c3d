//! Polling, and the offline accounting that failed polls and requests drive.

use super::sim::*;
use crate::core::guestchat::{MemberInfo, Method, Reply};
use crate::core::webchat::config::Value as Cv;
use crate::core::webchat::*;

// Not on Web Messaging: it has no polling (refused by its configuration).
#[test]
fn poll_exception_limit_takes_the_server_offline_and_back() {
    let mut sim = Sim::with_agent(default_cfg());
    sim.closed();
    sim.clear_events();
    for _ in 0..5 {
        sim.advance(40_000.0);
        sim.closed();
    }
    let names = sim.names();
    assert_eq!(names.iter().filter(|n| **n == "chatServerWentOffline").count(), 1);
    assert_eq!(names[0], "connectionPending");
    assert_eq!(names.last(), Some(&"chatServerWentOffline"));
    sim.advance(40_000.0);
    sim.open();
    assert_eq!(
        &sim.names()[names.len()..],
        &["chatServerBackOnline", "connectionRestored", "reconnected"]
    );
}

// Not on Web Messaging: it has no polling (refused by its configuration).
#[test]
fn polling_mode_reads_messages_on_a_timer() {
    let mut sim = Sim::new(config(|m| {
        m.insert("transport.polling", Cv::Bool(true));
        m.insert("transport.pollInterval", Cv::Number(1000.0));
    }));
    sim.cmd(Command::StartChat(MemberInfo::default()));
    sim.answer(Method::Post, "/conversations", created("ws://x"));
    assert!(sim.socket_open_urls.is_empty());
    assert!(sim.names().contains(&"pollingStarted"));
    sim.advance(1000.0);
    sim.answer(
        Method::Get,
        "/messages?maxResults",
        page(vec![msg("1", "M", "a")]),
    );
    sim.answer(
        Method::Get,
        "/members?",
        ok(Reply::Members(vec![me("CONNECTED")])),
    );
    assert_eq!(sim.texts(), vec!["a"]);
    sim.advance(1000.0);
    sim.answer(Method::Get, "/messages?after=1&", page(vec![msg("1", "M", "a")]));
    sim.answer(Method::Get, "/members?", ok(Reply::Members(vec![])));
    assert_eq!(sim.texts(), vec!["a"]);
    // poll (private, from WebChatService) while one is in flight is refused.
    sim.advance(1000.0);
    let p = sim.cmd(Command::Poll { internal: true });
    assert_eq!(sim.rejected.last(), Some(&(p, text(POLL_BUSY))));
    // Failures count toward pollExceptionLimit.
    sim.answer(Method::Get, "/messages?", status(503));
    sim.answer(Method::Get, "/members?", status(503));
    for _ in 0..4 {
        sim.advance(40_000.0);
        sim.answer(Method::Get, "/messages?", status(503));
        sim.answer(Method::Get, "/members?", status(503));
    }
    assert!(sim.names().contains(&"chatServerWentOffline"));
    let r = sim.cmd(Command::ResetPollExceptions);
    assert_eq!(sim.resolved.last(), Some(&(r, Value::Undefined)));
    let s = sim.cmd(Command::StopPoll);
    assert_eq!(sim.resolved.last(), Some(&(s, Value::Undefined)));
    assert_eq!(sim.names().last(), Some(&"pollingStopped"));
    sim.advance(40_000.0);
    sim.http.clear();
    sim.advance(40_000.0);
    assert!(sim.http.is_empty(), "no polling after stopPoll");
    let s = sim.cmd(Command::StartPoll);
    assert_eq!(sim.resolved.last(), Some(&(s, Value::Undefined)));
    assert_eq!(sim.names().last(), Some(&"pollingStarted"));
}
