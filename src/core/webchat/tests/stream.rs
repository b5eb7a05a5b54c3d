//! The stream: heartbeat, reconnect with backoff, catch-ups and the frames held meanwhile.

use super::sim::*;
use crate::core::guestchat::{MessagePage, Method, RawFrame, Reply, WireMessage};
use crate::core::webchat::*;

// Guest Chat's heartbeats; Web Messaging probes silence with an echo (`messaging`).
#[test]
fn heartbeat_silence_disconnects_then_reconnects_with_backoff_and_catches_up() {
    let mut sim = Sim::with_agent(default_cfg());
    sim.frame(msg_frame(msg("1", "A", "one")));
    sim.clear_events();
    // Heartbeats keep it alive past the timeout.
    for _ in 0..3 {
        sim.advance(10_000.0);
        sim.frame(heartbeat());
    }
    assert!(sim.events.is_empty());
    // Then silence.
    sim.advance(14_000.0);
    assert_eq!(sim.names(), vec!["disconnected"]);
    assert_eq!(sim.socket_closes, 1);
    // Reconnect after 2 s × (0.5 + 0.5 × random): random = 0.5 → 1500 ms.
    assert_eq!(sim.deadline(Timer::Reconnect), Some(sim.now + 1500.0));
    sim.advance(1500.0);
    assert_eq!(sim.socket_open_urls.len(), 2);
    // The open fails: backoff doubles (4 s × 0.75 = 3 s) and it counts as a connection problem.
    sim.closed();
    assert_eq!(sim.deadline(Timer::Reconnect), Some(sim.now + 3000.0));
    sim.random = 0.0;
    sim.advance(3000.0);
    assert_eq!(sim.socket_open_urls.len(), 3);
    sim.open();
    assert_eq!(
        sim.names(),
        vec![
            "disconnected",
            "connectionPending",
            "connectionRestored",
            "reconnected"
        ]
    );
    // Catch-up: messages after the last id, and the members. A frame arriving meanwhile waits for it.
    sim.frame(msg_frame(msg("4", "A", "four")));
    let r = sim.answer(
        Method::Get,
        "/messages?after=1&",
        page(vec![
            msg("1", "A", "one"),
            msg("2", "A", "two"),
            msg("3", "A", "three"),
        ]),
    );
    assert_eq!(r.bearer.as_deref(), Some(JWT));
    assert_eq!(
        sim.texts(),
        vec!["two", "three"],
        "the frame that came meanwhile waits"
    );
    sim.answer(Method::Get, "/members?", members_answer());
    assert_eq!(sim.texts(), vec!["two", "three", "four"]);
    sim.frame(msg_frame(msg("3", "A", "three")));
    assert_eq!(sim.texts(), vec!["two", "three", "four"]);
}

// Guest Chat spelled; on both: `on_both_transports_a_drop_reconnects_with_backoff_and_catches_up_in_order`.
#[test]
fn a_socket_dropped_mid_message_loses_nothing() {
    let mut sim = Sim::with_agent(default_cfg());
    sim.frame(msg_frame(msg("1", "A", "one")));
    // The server stored "two" but the socket died before the frame was delivered.
    sim.closed();
    assert!(sim.names().contains(&"disconnected"));
    sim.advance(2000.0);
    sim.open();
    sim.answer(
        Method::Get,
        "/messages?after=1&",
        page(vec![msg("2", "A", "two")]),
    );
    sim.answer(
        Method::Get,
        "/members?",
        ok(Reply::Members(vec![me("CONNECTED")])),
    );
    assert_eq!(sim.texts(), vec!["one", "two"]);
}

// Not on Web Messaging: a frame it cannot read is nothing to act on (no topic whose message was missed).
#[test]
fn a_frame_that_cannot_be_read_makes_the_client_re_read_what_it_missed() {
    let mut sim = Sim::with_agent(default_cfg());
    sim.frame(msg_frame(msg("1", "A", "one")));
    sim.frame(RawFrame {
        topic: "v2.conversations.chats.C.messages".into(),
        kind: Some("message".into()),
        ..Default::default()
    });
    sim.frame(msg_frame(msg("3", "A", "three")));
    sim.answer(
        Method::Get,
        "/messages?after=1&",
        page(vec![msg("2", "A", "two"), msg("3", "A", "three")]),
    );
    sim.answer(Method::Get, "/members?", ok(Reply::Members(vec![])));
    assert_eq!(sim.texts(), vec!["one", "two", "three"]);
}

// Guest Chat's two catch-up reads (messages, members); Web Messaging's one read is the soak's (cuts mid-catch-up).
#[test]
fn answers_of_a_catch_up_cut_short_do_not_end_the_next_one() {
    let mut sim = Sim::with_agent(default_cfg());
    sim.frame(msg_frame(msg("1", "A", "hello")));
    sim.closed();
    sim.advance(3000.0);
    sim.open();
    // Cut again while the first catch-up is on its way; reconnected, a second one starts.
    let (old_messages, _) = sim.take(Method::Get, "/messages?after=1&");
    let (old_members, _) = sim.take(Method::Get, "/members?");
    sim.closed();
    sim.advance(5000.0);
    sim.open();
    let a = sim.cmd(Command::SendMessage(Some("mine".into())));
    // The first catch-up's answers arrive now: they must not count as the second's.
    let ctx = sim.ctx();
    sim.s.http(old_messages, page(vec![]), ctx);
    sim.s.http(old_members, members_answer(), ctx);
    sim.drain();
    sim.frame(msg_frame(msg("3", "A", "newer")));
    assert_eq!(
        sim.texts(),
        vec!["hello"],
        "the newer frame waits for the catch-up"
    );
    assert!(!sim.has(Method::Post, "/messages"), "and so does the send");
    sim.answer(
        Method::Get,
        "/messages?after=1&",
        page(vec![msg("2", "A", "missed")]),
    );
    sim.answer(Method::Get, "/members?", members_answer());
    assert_eq!(sim.texts(), vec!["hello", "missed", "newer"]);
    sim.answer(
        Method::Post,
        "/members/M/messages",
        ok(Reply::Message(msg("4", "M", "mine"))),
    );
    assert!(sim.resolved.iter().any(|(i, _)| *i == a));
}

// Guest Chat spelled; on both transports in the soak (failed reads while frames arrive).
#[test]
fn a_failed_catch_up_keeps_holding_newer_frames_and_reads_again() {
    let mut sim = Sim::with_agent(default_cfg());
    sim.frame(msg_frame(msg("1", "A", "hello")));
    sim.closed();
    sim.advance(3000.0);
    sim.open();
    sim.frame(msg_frame(msg("3", "A", "newer")));
    sim.answer(Method::Get, "/messages?after=1&", status(503));
    sim.answer(Method::Get, "/members?", members_answer());
    assert_eq!(
        sim.texts(),
        vec!["hello"],
        "not delivered ahead of what is missing"
    );
    sim.advance(5000.0);
    sim.answer(
        Method::Get,
        "/messages?after=1&",
        page(vec![msg("2", "A", "missed"), msg("3", "A", "newer")]),
    );
    sim.answer(Method::Get, "/members?", members_answer());
    assert_eq!(sim.texts(), vec!["hello", "missed", "newer"]);
}

// Guest Chat: its member changes come as frames and its catch-up reads the members (the soak finds this too).
#[test]
fn a_member_change_held_before_a_catch_up_does_not_undo_what_it_reads() {
    let mut sim = Sim::with_agent(default_cfg());
    sim.closed();
    sim.advance(3000.0);
    sim.open();
    // Held while the first catch-up reads: the agent as it was then.
    sim.frame(member_frame(agent("A", "Alice", "CONNECTED")));
    sim.answer(Method::Get, "/messages?", status(503));
    sim.answer(Method::Get, "/members?", members_answer());
    sim.clear_events();
    // The agent left meanwhile; the next catch-up reads that.
    sim.advance(5000.0);
    let mut leave = msg("2", "A", "");
    leave.body_type = "member-leave".into();
    sim.answer(Method::Get, "/messages?", page(vec![leave]));
    sim.answer(Method::Get, "/members?", members_with_agent("DISCONNECTED"));
    assert_eq!(
        sim.names(),
        vec!["messageReceived", "agentDisconnected"],
        "the agent left once, and is not brought back by the older frame"
    );
}

// Guest Chat's forward paging; Web Messaging reads newest first until it meets what it has (`messaging`).
#[test]
fn a_catch_up_longer_than_a_page_reads_on_from_the_page_end() {
    let mut sim = Sim::with_agent(default_cfg());
    sim.frame(msg_frame(msg("m0", "A", "hello")));
    sim.closed();
    sim.advance(3000.0);
    sim.open();
    // A frame newer than everything missed arrives during the catch-up.
    sim.frame(msg_frame(msg("m150", "A", "newest")));
    let full: Vec<WireMessage> = (1..=100)
        .map(|i| msg(&format!("m{i}"), "A", &format!("n{i}")))
        .collect();
    sim.answer(
        Method::Get,
        "/messages?after=m0&",
        ok(Reply::Messages(MessagePage {
            entities: full,
            next: Some("…".into()),
            previous: None,
        })),
    );
    let rest: Vec<WireMessage> = (101..=150)
        .map(|i| msg(&format!("m{i}"), "A", &format!("n{i}")))
        .collect();
    sim.answer(Method::Get, "/messages?after=m100&", page(rest));
    sim.answer(Method::Get, "/members?", members_answer());
    let texts = sim.texts();
    assert_eq!(texts.len(), 151);
    assert_eq!(texts.last().map(String::as_str), Some("n150"));
}

// On both transports. (Guest Chat only, above: its heartbeats, a frame it cannot read — Web Messaging's
// unreadable frames are nothing to act on —, and its forward paging; Web Messaging's silence probe and history
// paging are in `messaging`.)

/// A dropped stream reconnects with backoff, reads what it missed, in order, each once; what the stream says
/// meanwhile waits for it.
#[test]
fn on_both_transports_a_drop_reconnects_with_backoff_and_catches_up_in_order() {
    for tr in TRANSPORTS {
        let mut sim = Sim::started_on(tr);
        sim.agent_joins(tr);
        sim.agent_says(tr, "m1", "one", 2);
        sim.clear_events();
        sim.closed();
        assert_eq!(sim.names(), ["disconnected"], "{tr:?}");
        // 2 s × (0.5 + 0.5 × random): random = 0.5 → 1500 ms.
        assert_eq!(sim.deadline(Timer::Reconnect), Some(sim.now + 1500.0), "{tr:?}");
        sim.advance(1499.0);
        assert_eq!(sim.socket_open_urls.len(), 1, "{tr:?}");
        sim.reconnect(tr);
        assert_eq!(sim.socket_open_urls.len(), 2, "{tr:?}");
        assert_eq!(sim.names(), ["disconnected", "reconnected"], "{tr:?}");
        // Said while the catch-up reads: held until it is done.
        match tr {
            Tr::GuestChat => sim.frame(msg_frame(msg("m4", "A", "four"))),
            Tr::Messaging => {
                sim.wm(&wm_agent_text("m4", "Alice", "four", 5));
                sim.advance(REORDER);
            }
        }
        assert!(sim.texts().is_empty(), "{tr:?}");
        sim.answer_read(
            tr,
            &[
                ("m1", true, "one", 2),
                ("m2", true, "two", 3),
                ("m3", true, "three", 4),
            ],
        );
        assert_eq!(sim.texts(), ["two", "three", "four"], "{tr:?}");
        // Again on the stream: once.
        sim.agent_says(tr, "m3", "three", 4);
        assert_eq!(sim.texts(), ["two", "three", "four"], "{tr:?}");
    }
}
