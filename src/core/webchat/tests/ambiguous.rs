//! Ambiguous sends under socket cuts: each interleaving of the echo with the 503 and the reconnect (the soak
//! found four messages stored twice; `soak_tests` explores thousands of random schedules, these pin the
//! interleavings it found, one by one).

use super::sim::*;
use crate::core::guestchat::{Method, Reply};
use crate::core::webchat::*;

// Guest Chat spelled (its stream echo vs its HTTP answer); on both transports in the soak (cuts, refusals).
#[test]
fn an_echo_arriving_while_its_check_is_on_the_way_does_not_resend_the_next_message() {
    // The interleaving behind the soak's doubles: "first" is stored, its answer is a 503 and its echo is late
    // (lost with a cut socket, brought by the catch-up, or just slow). The check (GET messages) goes out; the echo
    // arrives and completes "first"; "second" goes out; then the check's answer came back and used to be taken
    // for "second"'s: "second" was marked "not stored" and sent again while its first request was in flight.
    let mut sim = Sim::with_agent(default_cfg());
    sim.frame(msg_frame(msg("1", "A", "hello")));
    let a = sim.cmd(Command::SendMessage(Some("first".into())));
    let b = sim.cmd(Command::SendMessage(Some("second".into())));
    sim.answer(Method::Post, "/members/M/messages", status(503));
    sim.advance(2000.0);
    let (check, _) = sim.take(Method::Get, "/messages?after=1&");
    sim.frame(msg_frame(msg("2", "M", "first")));
    assert!(sim.resolved.iter().any(|(i, _)| *i == a));
    let (second, r) = sim.take(Method::Post, "/members/M/messages");
    assert!(r.body.unwrap().contains("second"));
    let ctx = sim.ctx();
    sim.s.http(check, page(vec![msg("2", "M", "first")]), ctx);
    sim.drain();
    assert!(
        !sim.has(Method::Post, "/members/M/messages"),
        "second is in flight: it is not sent again"
    );
    let ctx = sim.ctx();
    sim.s
        .http(second, ok(Reply::Message(msg("3", "M", "second"))), ctx);
    sim.drain();
    sim.frame(msg_frame(msg("3", "M", "second")));
    assert!(sim.resolved.iter().any(|(i, _)| *i == b));
    assert_eq!(sends(&sim), 2, "each message sent once");
    assert_eq!(sim.texts(), vec!["hello", "first", "second"]);
}

// Guest Chat spelled (its stream echo vs its HTTP answer); on both transports in the soak (cuts, refusals).
#[test]
fn an_echo_lost_with_the_socket_is_found_by_the_reconnect_catch_up() {
    let mut sim = Sim::with_agent(default_cfg());
    sim.frame(msg_frame(msg("1", "A", "hello")));
    let a = sim.cmd(Command::SendMessage(Some("first".into())));
    // The server stored "first"; the socket was cut before its echo; the answer is a 503.
    sim.closed();
    sim.answer(Method::Post, "/members/M/messages", status(503));
    sim.advance(5000.0);
    assert!(
        !sim.has(Method::Post, "/messages"),
        "nothing goes out while disconnected"
    );
    assert!(!sim.has(Method::Get, "/messages"));
    sim.open();
    sim.answer(
        Method::Get,
        "/messages?after=1&",
        page(vec![msg("2", "M", "first"), msg("3", "A", "You said: first")]),
    );
    sim.answer(Method::Get, "/members?", members_answer());
    assert!(sim.resolved.iter().any(|(i, _)| *i == a));
    sim.advance(60_000.0);
    assert_eq!(sends(&sim), 1, "found in the catch-up: not sent again");
    assert!(!sim.has(Method::Get, "/messages"), "and no check needed");
    assert_eq!(sim.texts(), vec!["hello", "first", "You said: first"]);
}

// Guest Chat spelled (its stream echo vs its HTTP answer); on both transports in the soak (cuts, refusals).
#[test]
fn an_echo_after_the_catch_up_is_found_by_the_check_and_not_sent_twice() {
    // The catch-up read happened before the stored message (or missed it); the check after it finds it.
    let mut sim = Sim::with_agent(default_cfg());
    sim.frame(msg_frame(msg("1", "A", "hello")));
    let a = sim.cmd(Command::SendMessage(Some("first".into())));
    sim.closed();
    sim.answer(Method::Post, "/members/M/messages", status(503));
    sim.advance(5000.0);
    sim.open();
    sim.answer(Method::Get, "/messages?after=1&", page(vec![]));
    sim.answer(Method::Get, "/members?", members_answer());
    // Caught up without it: the check reads after the last id seen before the send.
    sim.answer(
        Method::Get,
        "/messages?after=1&",
        page(vec![msg("2", "M", "first")]),
    );
    assert!(sim.resolved.iter().any(|(i, _)| *i == a));
    sim.frame(msg_frame(msg("2", "M", "first")));
    sim.advance(60_000.0);
    assert_eq!(sends(&sim), 1);
    assert_eq!(sim.texts(), vec!["hello", "first"]);
}

// Guest Chat spelled (its stream echo vs its HTTP answer); on both transports in the soak (cuts, refusals).
#[test]
fn a_send_never_stored_is_sent_again_once_after_the_cut_and_the_check() {
    let mut sim = Sim::with_agent(default_cfg());
    sim.frame(msg_frame(msg("1", "A", "hello")));
    let a = sim.cmd(Command::SendMessage(Some("first".into())));
    sim.closed();
    sim.answer(Method::Post, "/members/M/messages", status(503));
    sim.advance(5000.0);
    sim.open();
    sim.answer(Method::Get, "/messages?after=1&", page(vec![]));
    sim.answer(Method::Get, "/members?", members_answer());
    sim.answer(Method::Get, "/messages?after=1&", page(vec![]));
    sim.answer(
        Method::Post,
        "/members/M/messages",
        ok(Reply::Message(msg("2", "M", "first"))),
    );
    assert!(sim.resolved.iter().any(|(i, _)| *i == a));
    sim.frame(msg_frame(msg("2", "M", "first")));
    sim.advance(60_000.0);
    assert_eq!(sends(&sim), 2, "sent again exactly once");
    assert_eq!(sim.texts(), vec!["hello", "first"]);
}

// Guest Chat spelled (its stream echo vs its HTTP answer); on both transports in the soak (cuts, refusals).
#[test]
fn a_retry_looks_for_the_first_attempts_echo_too() {
    // The first message of a chat: nothing seen before it. Its first attempt was stored (503), a check found
    // nothing yet (the server is slow to list it), it is sent again and answered 503 again: the check must
    // still accept the echo of the first attempt, which came before the retry.
    let mut sim = Sim::started(default_cfg());
    let a = sim.cmd(Command::SendMessage(Some("first".into())));
    sim.answer(Method::Post, "/members/M/messages", status(503));
    sim.advance(2000.0);
    sim.answer(Method::Get, "/messages?", page(vec![]));
    // Sent again; meanwhile the first attempt's echo arrives; then the retry is answered 503 too.
    let (retry, _) = sim.take(Method::Post, "/members/M/messages");
    sim.frame(msg_frame(msg("9", "M", "first")));
    let ctx = sim.ctx();
    sim.s.http(retry, status(503), ctx);
    sim.drain();
    assert!(sim.resolved.iter().any(|(i, _)| *i == a));
    sim.advance(60_000.0);
    assert_eq!(sends(&sim), 2);
}
