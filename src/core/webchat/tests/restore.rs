//! Restore after a reload: in time, offline, before the configuration, and a chat that ended meanwhile.

use super::sim::*;
use crate::core::guestchat::{MemberInfo, Method, Reply};
use crate::core::webchat::config::Value as Cv;
use crate::core::webchat::*;

// Guest Chat's `before=` paging; on both: `on_both_transports_a_reload_mid_chat_restores_everything_once`.
#[test]
fn a_reload_restores_within_restore_timeout_and_replays_in_pages() {
    let mut sim = Sim::with_agent(config(|m| {
        m.insert("transport.maxMessagePageSize", Cv::Number(2.0));
    }));
    for i in 1..=3 {
        sim.frame(msg_frame(msg(&i.to_string(), "A", &format!("m{i}"))));
    }
    sim.cmd(Command::AddPrefilter(vec![Filter {
        source: "secret".into(),
        flags: "i".into(),
    }]));
    let ctx = sim.ctx();
    sim.s.page_hide(ctx);
    sim.drain();
    let snap = sim.stored.clone().unwrap().unwrap();
    assert_eq!(snap.last_message_id.as_deref(), Some("3"));
    assert_eq!(snap.filters.len(), 1);

    // A new page, 30 s later.
    let mut page2 = Sim::new(config(|m| {
        m.insert("transport.maxMessagePageSize", Cv::Number(2.0));
    }));
    page2.now = sim.now + 30_000.0;
    let ctx = page2.ctx();
    page2.s.boot(Some(snap.clone()), ctx);
    page2.drain();
    assert_eq!(page2.s.filters().len(), 1);
    page2.answer(Method::Get, "/members?", members_answer());
    // Newest page first, then older pages until there are none.
    let r = page2.answer(
        Method::Get,
        "/messages?maxResults=2",
        page_with_older(vec![msg("2", "A", "m2"), msg("3", "A", "m3")]),
    );
    assert_eq!(r.bearer.as_deref(), Some(JWT));
    page2.answer(
        Method::Get,
        "/messages?before=2&maxResults=2",
        page(vec![msg("1", "A", "m1")]),
    );
    assert_eq!(
        page2.names(),
        // As the vendor, the restore says who is in the chat before the messages.
        vec![
            "ready",
            "capabilitiesChanged",
            "restored",
            "clientConnected",
            "agentConnected",
            "messageReceived",
            "messageReceived"
        ]
    );
    assert!(page2.events.iter().all(|e| match e {
        Event::MessageReceived { restoring, .. } => *restoring,
        _ => true,
    }));
    assert_eq!(page2.texts(), vec!["m1", "m2", "m3"]);
    // The stream opens, and catches up on what came while restoring.
    page2.open();
    page2.answer(Method::Get, "/messages?after=3&", page(vec![msg("4", "A", "m4")]));
    page2.answer(Method::Get, "/members?", ok(Reply::Members(vec![])));
    assert_eq!(page2.texts(), vec!["m1", "m2", "m3", "m4"]);
    let v = page2.cmd(Command::VerifySession);
    assert_eq!(page2.resolved.last(), Some(&(v, Value::SessionActive(true))));
    // The agent that was already there is announced once, by the restore, not again by the catch-up.
    assert_eq!(
        page2.names().iter().filter(|n| **n == "agentConnected").count(),
        1
    );

    // After restoreTimeout: nothing is restored and the snapshot is removed.
    let mut late = Sim::new(default_cfg());
    late.now = snap.saved_at + 60_001.0;
    let ctx = late.ctx();
    late.s.boot(Some(snap), ctx);
    late.drain();
    assert_eq!(
        late.names(),
        vec!["ready", "capabilitiesChanged", "restoreTimeout"]
    );
    assert_eq!(late.stored, Some(None));
    assert!(late.http.is_empty());
}

// Guest Chat spelled; on both transports in the soak (reads failing during reloads).
#[test]
fn a_restore_against_an_offline_server_says_so_and_retries() {
    let snap = Snapshot {
        conversation_id: "C".into(),
        member_id: "M".into(),
        jwt: JWT.into(),
        event_stream_uri: "ws://x".into(),
        saved_at: 1_000_000.0,
        ..Default::default()
    };
    let mut sim = Sim::new(default_cfg());
    let ctx = sim.ctx();
    sim.s.boot(Some(snap.clone()), ctx);
    sim.drain();
    sim.answer(Method::Get, "/members?", status(503));
    assert!(sim.names().contains(&"restoredOffline"));
    // The other half of that attempt is dropped; its late answer changes nothing.
    sim.answer(Method::Get, "/messages?", page(vec![msg("1", "M", "x")]));
    assert!(sim.http.is_empty() && sim.texts().is_empty());
    sim.advance(2000.0);
    sim.answer(
        Method::Get,
        "/members?",
        ok(Reply::Members(vec![me("CONNECTED")])),
    );
    sim.answer(Method::Get, "/messages?", page(vec![msg("1", "M", "x")]));
    assert!(sim.names().contains(&"chatServerBackOnline"));
    assert_eq!(sim.texts(), vec!["x"]);
    assert_eq!(sim.socket_open_urls.len(), 1);

    // A session the server no longer knows: restoreFailed.
    let mut gone = Sim::new(default_cfg());
    let ctx = gone.ctx();
    gone.s.boot(Some(snap), ctx);
    gone.drain();
    gone.answer(Method::Get, "/members?", status(404));
    assert!(gone.names().contains(&"restoreFailed"));
    assert_eq!(gone.stored, Some(None));
}

// Before a configuration there is no transport: the same code for both.
#[test]
fn a_snapshot_waits_for_the_configuration() {
    let mut s = Session::new();
    let ctx = Ctx {
        now: 10.0,
        random: 0.0,
    };
    s.boot(
        Some(Snapshot {
            conversation_id: "C".into(),
            member_id: "M".into(),
            jwt: JWT.into(),
            saved_at: 5.0,
            ..Default::default()
        }),
        ctx,
    );
    // Unconfigured, the service is silent: `ready` and `capabilitiesChanged` come with the configuration,
    // then the restore.
    assert_eq!(s.take_outputs(), vec![]);
    s.configure(default_cfg(), ctx);
    let out = s.take_outputs();
    assert_eq!(
        out[..2],
        [
            Output::Publish(Event::Ready),
            Output::Publish(Event::CapabilitiesChanged { pagination: true })
        ]
    );
    assert!(out
        .iter()
        .any(|o| matches!(o, Output::Http { request, .. } if request.url.contains("/members"))));
    // Configured again: not announced twice.
    s.configure(default_cfg(), ctx);
    assert!(!s
        .take_outputs()
        .iter()
        .any(|o| matches!(o, Output::Publish(Event::Ready))));
}

// The replay's paging is the same code for both.
#[test]
fn without_pagination_a_restore_replays_in_one_event() {
    let snap = Snapshot {
        conversation_id: "C".into(),
        member_id: "M".into(),
        jwt: JWT.into(),
        event_stream_uri: "ws://x".into(),
        saved_at: 1_000_000.0,
        ..Default::default()
    };
    let mut sim = Sim::new(config(|m| {
        m.insert("transport.pagination", Cv::Bool(false));
        m.insert("transport.maxMessagePageSize", Cv::Number(2.0));
    }));
    let ctx = sim.ctx();
    sim.s.boot(Some(snap), ctx);
    sim.drain();
    sim.answer(
        Method::Get,
        "/members?",
        ok(Reply::Members(vec![me("CONNECTED")])),
    );
    sim.answer(
        Method::Get,
        "/messages?maxResults=2",
        page_with_older(vec![msg("2", "M", "b"), msg("3", "M", "c")]),
    );
    sim.answer(Method::Get, "/messages?before=2&", page(vec![msg("1", "M", "a")]));
    assert_eq!(
        sim.names(),
        vec![
            "ready",
            "capabilitiesChanged",
            "restored",
            "clientConnected",
            "messageReceived"
        ]
    );
    assert_eq!(sim.texts(), vec!["a", "b", "c"]);
}

// Guest Chat's 404; Web Messaging's ended chat is a read-only `Disconnect` (`messaging`).
#[test]
fn a_chat_that_ended_while_the_page_was_away_is_not_restored() {
    let snap = Snapshot {
        conversation_id: "C".into(),
        member_id: "M".into(),
        jwt: JWT.into(),
        event_stream_uri: "ws://x".into(),
        saved_at: 1_000_000.0,
        ..Default::default()
    };
    let mut sim = Sim::new(default_cfg());
    let ctx = sim.ctx();
    sim.s.boot(Some(snap), ctx);
    sim.drain();
    // A startChat queued by the page before load meets the restoring session.
    let c = sim.cmd(Command::StartChat(MemberInfo::default()));
    assert_eq!(sim.rejected.last(), Some(&(c, text(ALREADY_ACTIVE))));
    sim.answer(
        Method::Get,
        "/members?",
        ok(Reply::Members(vec![me("DISCONNECTED")])),
    );
    assert_eq!(sim.names(), vec!["ready", "capabilitiesChanged", "restoreFailed"]);
    assert_eq!(sim.stored, Some(None));
    assert!(sim.socket_open_urls.is_empty());
    let v = sim.cmd(Command::VerifySession);
    assert_eq!(sim.resolved.last(), Some(&(v, Value::SessionActive(false))));
}

/// The stored snapshot is read back whole, and anything that is not one (another version, an id or the JWT
/// missing, no `savedAt`) is not restored.
// The snapshot's format is the same for both.
#[test]
fn the_stored_snapshot_is_read_back_and_anything_else_is_refused() {
    use crate::core::guestchat::read::tests::{o, s, T};
    let stored = o(&[
        ("v", T::Num(1.0)),
        ("conversationId", s("C")),
        ("memberId", s("M")),
        ("jwt", s("J")),
        ("eventStreamUri", s("ws://x")),
        ("lastMessageId", T::Null),
        (
            "filters",
            T::Arr(vec![
                o(&[("source", s("code \\d+")), ("flags", s("gi"))]),
                o(&[("flags", s("g"))]),
                o(&[("source", s("x"))]),
            ]),
        ),
        ("startTime", T::Num(5.0)),
        ("savedAt", T::Num(6.0)),
        ("journey", T::Bool(true)),
    ]);
    let sn = Snapshot::read(&stored).expect("a snapshot");
    assert_eq!(
        (
            sn.conversation_id.as_str(),
            sn.member_id.as_str(),
            sn.jwt.as_str()
        ),
        ("C", "M", "J")
    );
    assert_eq!(
        (sn.last_message_id, sn.start_time, sn.saved_at, sn.journey),
        (None, 5.0, 6.0, true)
    );
    // A filter without a source is skipped; one without flags has none.
    assert_eq!(
        sn.filters,
        [
            Filter {
                source: "code \\d+".into(),
                flags: "gi".into()
            },
            Filter {
                source: "x".into(),
                flags: String::new()
            }
        ]
    );
    let without = |key: &str| match &stored {
        T::Obj(f) => T::Obj(f.iter().filter(|(k, _)| k != key).cloned().collect()),
        other => other.clone(),
    };
    for key in ["v", "conversationId", "memberId", "jwt", "savedAt"] {
        assert_eq!(Snapshot::read(&without(key)), None, "without {key}");
    }
    let other_version = match &stored {
        T::Obj(f) => T::Obj(
            f.iter()
                .map(|(k, v)| (k.clone(), if k == "v" { T::Num(2.0) } else { v.clone() }))
                .collect(),
        ),
        other => other.clone(),
    };
    assert_eq!(Snapshot::read(&other_version), None);
    assert_eq!(Snapshot::read(&s("not an object")), None);
}

// On both transports. (Guest Chat only, above: its member read and `before=` paging, prefilters in the snapshot,
// and a snapshot read before the configuration; Web Messaging's restore from its history, and without its JWT,
// is in `messaging`.)

/// A reload mid-chat restores what was said, once, in order, then the stream catches up and sends go.
#[test]
fn on_both_transports_a_reload_mid_chat_restores_everything_once() {
    for tr in TRANSPORTS {
        let mut sim = Sim::started_on(tr);
        sim.agent_joins(tr);
        sim.agent_says(tr, "m1", "hello", 2);
        sim.cmd(Command::SendMessage(Some("hi".into())));
        sim.server_stores_send(tr, "m2", "hi", 3);
        let mut page2 = sim.reload(tr);
        page2.restore_from(tr, &[("m1", true, "hello", 2), ("m2", false, "hi", 3)]);
        assert!(page2.names().contains(&"restored"), "{tr:?}: {:?}", page2.names());
        assert_eq!(page2.texts(), ["hello", "hi"], "{tr:?}");
        assert!(page2.events.iter().all(|e| match e {
            Event::MessageReceived { restoring, .. } => *restoring,
            _ => true,
        }));
        let c = page2.cmd(Command::SendMessage(Some("back".into())));
        page2.server_stores_send(tr, "m3", "back", 4);
        assert_eq!(page2.resolved.last(), Some(&(c, Value::Undefined)), "{tr:?}");
        assert_eq!(page2.texts(), ["hello", "hi", "back"], "{tr:?}");
    }
}

/// A reload while a send is on its way: the new page shows it once if the server stored it, and sends nothing
/// again (the send's page is gone; the new page never knew it).
#[test]
fn on_both_transports_a_reload_during_a_send_shows_it_once_and_sends_nothing_again() {
    for tr in TRANSPORTS {
        let mut sim = Sim::started_on(tr);
        sim.agent_joins(tr);
        sim.cmd(Command::SendMessage(Some("in flight".into())));
        assert_eq!(sim.sends_of(tr, "in flight"), 1, "{tr:?}");
        let mut page2 = sim.reload(tr);
        // The server stored it; its answer went to the page that is gone.
        let said = [("m1", false, "in flight", 3)];
        page2.restore_from(tr, &said);
        page2.advance(60_000.0);
        assert_eq!(page2.texts(), ["in flight"], "{tr:?}");
        assert_eq!(page2.sends_of(tr, "in flight"), 0, "{tr:?}");
    }
}
