//! Starting, ending and reading a chat: the vendor's shapes and refusals, and answers that outlive their chat.

use super::sim::*;
use crate::core::guestchat::{Journey, MemberInfo, Method, Reply};
use crate::core::webchat::config::Value as Cv;
use crate::core::webchat::*;

// Guest Chat's create request; Web Messaging's start: `a_messaging_session_is_configured_on_its_socket_then_routed`.
#[test]
fn start_chat_creates_the_conversation_then_opens_the_stream() {
    let mut sim = Sim::new(config(|m| {
        m.insert("transport.interactionData.journey", Cv::Object);
        m.insert(
            "transport.interactionData.journey.actionId",
            Cv::Str("act".into()),
        );
        m.insert(
            "transport.interactionData.journey.actionMapId",
            Cv::Str("map".into()),
        );
    }));
    let c = sim.cmd(Command::StartChat(MemberInfo {
        display_name: Some("Jonny".into()),
        first_name: Some("Johnathan".into()),
        ..Default::default()
    }));
    assert_eq!(sim.journey, vec!["accepted"]);
    let (id, req) = sim.take(Method::Post, "/api/v2/webchat/guest/conversations");
    assert_eq!(req.bearer, None);
    let body = req.body.clone().unwrap();
    assert!(body.contains(r#""routingTarget":{"targetType":"QUEUE","targetAddress":"Support"}"#));
    assert!(body.contains(r#""displayName":"Jonny","firstName":"Johnathan""#));
    assert!(body.contains(r#""triggeringAction":{"id":"act""#));
    // The stream is not open before the conversation exists.
    assert!(sim.socket_open_urls.is_empty());
    let ctx = sim.ctx();
    sim.s.http(id, created("ws://emu/stream"), ctx);
    sim.drain();
    assert_eq!(sim.socket_open_urls, vec!["ws://emu/stream"]);
    // As the vendor: startChat resolves `undefined`, then `started` with the session object, then
    // `ajaxResponse`.
    assert_eq!(sim.names(), vec!["started", "ajaxResponse"]);
    assert_eq!(sim.resolved, vec![(c, Value::Undefined)]);
    assert_eq!(
        sim.events[0],
        Event::Started(SessionData::Live {
            jwt: JWT.into(),
            conversation_id: "C".into(),
            member_id: "M".into(),
            web_socket_url: "ws://emu/stream".into(),
            last_message_id: None,
            restored: false,
        })
    );
    assert_eq!(sim.journey, vec!["accepted", "started"]);
    let snap = sim.stored.clone().unwrap().unwrap();
    assert_eq!(snap.conversation_id, "C");
    assert_eq!(snap.jwt, JWT);
    // The JWT is given where the vendor gives it (`started`, `getSessionData`), nowhere else.
    let visible = format!("{:?}{:?}{:?}", &sim.events[1..], sim.resolved, sim.rejected);
    assert!(!visible.contains(JWT));
    // A second start is refused with the vendor text.
    let again = sim.cmd(Command::StartChat(MemberInfo::default()));
    assert_eq!(sim.rejected, vec![(again, text(ALREADY_ACTIVE))]);
}

#[test]
fn vendor_rejections_are_exact() {
    for tr in TRANSPORTS {
        vendor_rejections_on(tr);
    }
    not_configured_rejections();
}

/// Without a chat, every transport refuses as the vendor does.
fn vendor_rejections_on(tr: Tr) {
    let mut sim = Sim::new(tr.config());
    let cases = vec![
        (Command::EndChat, NO_SESSION_END),
        (Command::SendMessage(Some("hi".into())), NO_SESSION),
        (Command::SendMessage(None), NO_TEXT),
        (Command::SendMessage(Some("  ".into())), NO_TEXT),
        (Command::SendTyping, NO_TYPING_SESSION),
        (Command::SendCustomNotice, NO_CUSTOM_NOTICE),
        (
            Command::SendFile,
            // The attachment flow is not carried over Web Messaging: said as such, not with the vendor's text.
            if tr == Tr::Messaging {
                NO_MESSAGING_FILES
            } else {
                NO_FILES
            },
        ),
        (Command::DownloadFile, NO_DOWNLOADS),
        (Command::Poll { internal: false }, PRIVATE_POLL),
        (Command::Poll { internal: true }, NO_POLLING),
        (Command::StartPoll, NO_POLLING),
        (Command::StopPoll, NO_POLLING),
        (Command::ResetPollExceptions, NO_RESET_POLL),
        (Command::Restore { internal: false }, PRIVATE_RESTORE),
        (Command::FetchHistory, HISTORY_DONE),
        (Command::AddPrefilter(vec![]), BAD_FILTERS),
        (
            Command::SendFilteredMessage(
                Some("x".into()),
                Filter {
                    source: "x".into(),
                    flags: String::new(),
                },
            ),
            NO_SESSION_SHORT,
        ),
    ];
    for (c, want) in cases {
        let id = sim.cmd(c.clone());
        assert_eq!(
            sim.rejected.last(),
            Some(&(id, text(want))),
            "{tr:?}: {c:?} should reject with {want:?}"
        );
    }
    let v = sim.cmd(Command::VerifySession);
    assert_eq!(sim.resolved.last(), Some(&(v, Value::SessionActive(false))));
    let u = sim.cmd(Command::UpdateUserData);
    assert_eq!(sim.resolved.last(), Some(&(u, Value::UserData)));
}

/// Not configured yet: every command says which configuration is missing, and nothing else happens.
fn not_configured_rejections() {
    let mut fresh = Session::new();
    let ctx = Ctx {
        now: 0.0,
        random: 0.0,
    };
    let all = [
        Command::StartChat(MemberInfo::default()),
        Command::EndChat,
        Command::SendMessage(Some("hi".into())),
        Command::SendTyping,
        Command::GetTranscript,
        Command::GetAgents,
        Command::GetSessionData,
        Command::GetStats,
        Command::VerifySession,
    ];
    for (i, c) in all.into_iter().enumerate() {
        fresh.command(i as u32, c, ctx);
        assert_eq!(
            fresh.take_outputs(),
            vec![Output::Reject {
                cmd: i as u32,
                value: text(NOT_CONFIGURED)
            }]
        );
    }
    assert!(NOT_CONFIGURED.contains("_genesys.widgets.webchat.transport"));
    assert!(NOT_CONFIGURED.contains("WebChatService.configure"));
}

/// Found by the guestchat_frame fuzz target: a member lookup still in flight when the chat ended answered
/// afterwards, and its held message was published after `ended` (and another lookup was sent with the cleared
/// JWT). An answer that arrives after the end belongs to a chat that is over.
// Not on Web Messaging: it has no member lookups.
#[test]
fn a_member_lookup_answered_after_the_end_publishes_nothing_and_asks_nothing() {
    let mut sim = Sim::started(default_cfg());
    sim.frame(msg_frame(msg("1", "A", "held until we know A")));
    assert!(sim.has(Method::Get, "/members/A"));
    let c = sim.cmd(Command::EndChat);
    sim.answer(Method::Delete, "/conversations/C/members/M", ok(Reply::None));
    assert!(sim.names().ends_with(&["ended"]));
    assert!(sim.resolved.iter().any(|(i, _)| *i == c));
    sim.clear_events();
    let open_before = sim.http.len();
    sim.answer(Method::Get, "/members/A", status(503));
    assert_eq!(
        sim.names(),
        Vec::<&str>::new(),
        "nothing is published after ended"
    );
    assert_eq!(sim.http.len(), open_before - 1, "no request for the ended chat");
}

/// Found by the guestchat_frame fuzz target: answers to the ended chat's lookups arrived while the next chat was
/// starting, and were taken for the new chat's (messages delivered into it, requests with an empty conversation id).
// Guest Chat's HTTP answers; Web Messaging's requests end with their socket, closed at the end.
#[test]
fn the_next_chat_ignores_answers_meant_for_the_one_that_ended() {
    let mut sim = Sim::started(default_cfg());
    sim.frame(msg_frame(msg("1", "A", "held until we know A")));
    let (lookup, _) = sim.take(Method::Get, "/members/A");
    sim.cmd(Command::EndChat);
    sim.answer(Method::Delete, "/conversations/C/members/M", ok(Reply::None));
    sim.cmd(Command::StartChat(MemberInfo::default()));
    assert!(sim.has(Method::Post, "/conversations"));
    sim.clear_events();
    let open_before = sim.http.len();
    let ctx = sim.ctx();
    sim.s
        .http(lookup, ok(Reply::Member(agent("A", "Alice", "CONNECTED"))), ctx);
    sim.drain();
    assert_eq!(sim.names(), Vec::<&str>::new());
    assert_eq!(sim.http.len(), open_before, "no request for the ended chat");
}

// Guest Chat spelled; on both: `on_both_transports_a_chat_ends_and_another_starts`.
#[test]
fn end_chat_leaves_and_ends() {
    let mut sim = Sim::with_agent(default_cfg());
    let c = sim.cmd(Command::EndChat);
    sim.answer(Method::Delete, "/conversations/C/members/M", ok(Reply::None));
    assert!(sim.names().ends_with(&["clientDisconnected", "ended"]));
    // The vendor's jqXHR of the DELETE.
    assert!(sim.resolved.contains(&(c, Value::Xhr(200))));
    assert_eq!(sim.stored, Some(None));
    // Again, with no chat: refused with the vendor's text (no period), and, as the vendor,
    // `clientDisconnected` and `ended` are published all the same.
    sim.clear_events();
    let again = sim.cmd(Command::EndChat);
    assert_eq!(sim.rejected.last(), Some(&(again, text(NO_SESSION_END))));
    assert_eq!(sim.names(), vec!["clientDisconnected", "ended"]);
    // After the end, as the vendor: the session object is `{}`, the transcript, agents and stats are empty.
    sim.cmd(Command::GetSessionData);
    assert_eq!(
        sim.resolved.last().unwrap().1,
        Value::SessionData(SessionData::Ended)
    );
    sim.cmd(Command::GetTranscript);
    assert_eq!(sim.resolved.last().unwrap().1, Value::Transcript(vec![]));
    sim.cmd(Command::GetStats);
    match &sim.resolved.last().unwrap().1 {
        Value::Stats(s) => {
            assert!(s.start_time.is_none() && s.end_time.is_none() && s.duration.is_none());
            assert!(s.agents.is_empty());
        }
        v => panic!("{v:?}"),
    }
}

// Guest Chat's create refused; Web Messaging's journey is the same code (`errored` when its start fails).
#[test]
fn journey_errors_when_the_conversation_cannot_be_created() {
    let mut sim = Sim::new(config(|m| {
        m.insert("transport.interactionData.journey", Cv::Object);
    }));
    let _ = Journey::default();
    let c = sim.cmd(Command::StartChat(MemberInfo::default()));
    let q = sim.cmd(Command::SendMessage(Some("early".into())));
    sim.answer(Method::Post, "/conversations", status(400));
    assert_eq!(sim.journey, vec!["accepted", "errored"]);
    assert!(sim.rejected.iter().any(|(i, _)| *i == c));
    assert_eq!(sim.rejected.last(), Some(&(q, text(NO_SESSION))));
    assert!(sim.names().contains(&"error"));
    // And a new chat can start.
    sim.cmd(Command::StartChat(MemberInfo::default()));
    assert!(sim.has(Method::Post, "/conversations"));
}

// The same code for both; Web Messaging's ids: `a_messaging_session_is_configured_on_its_socket_then_routed`.
#[test]
fn the_session_object_is_the_vendors_before_during_and_after_a_chat() {
    let mut sim = Sim::new(default_cfg());
    sim.cmd(Command::GetSessionData);
    assert_eq!(
        sim.resolved.last().unwrap().1,
        Value::SessionData(SessionData::NoChat)
    );
    let mut sim = Sim::with_agent(default_cfg());
    sim.frame(msg_frame(msg("7", "A", "hello")));
    sim.cmd(Command::GetSessionData);
    assert_eq!(
        sim.resolved.last().unwrap().1,
        Value::SessionData(SessionData::Live {
            jwt: JWT.into(),
            conversation_id: "C".into(),
            member_id: "M".into(),
            web_socket_url: "ws://emu/stream".into(),
            last_message_id: Some("7".into()),
            restored: false,
        })
    );
    // Restored on a new page: the same session, marked restored (the vendor's object has two more keys).
    let snap = sim.s.snapshot(sim.now);
    let mut page2 = Sim::new(default_cfg());
    page2.now = sim.now;
    let ctx = page2.ctx();
    page2.s.boot(Some(snap), ctx);
    page2.drain();
    page2.answer(Method::Get, "/members?", members_answer());
    page2.answer(Method::Get, "/messages?", page(vec![msg("7", "A", "hello")]));
    page2.cmd(Command::GetSessionData);
    match &page2.resolved.last().unwrap().1 {
        Value::SessionData(SessionData::Live { jwt, restored, .. }) => {
            assert_eq!((jwt.as_str(), *restored), (JWT, true))
        }
        v => panic!("{v:?}"),
    }
}

// The same code for both (the transcript and members).
#[test]
fn read_commands_answer_in_the_vendors_shapes() {
    let mut sim = Sim::with_agent(default_cfg());
    sim.frame(msg_frame(msg("7", "A", "hello")));
    // getAgents: one entry per agent, keyed by member id; not disconnected yet.
    sim.cmd(Command::GetAgents);
    match &sim.resolved.last().unwrap().1 {
        Value::Agents(a) => {
            assert_eq!(a.len(), 1);
            assert_eq!((a[0].id.as_str(), a[0].name.as_str()), ("A", "Alice"));
            assert!(a[0].connected && !a[0].supervisor);
            assert!(a[0].connected_time.is_some() && a[0].disconnected_time.is_none());
        }
        v => panic!("{v:?}"),
    }
    // getTranscript: every delivered message with its server original (sender id included).
    sim.cmd(Command::GetTranscript);
    match &sim.resolved.last().unwrap().1 {
        Value::Transcript(t) => {
            let last = t.last().unwrap();
            assert_eq!(
                (
                    last.0.id.as_str(),
                    last.0.sender_id.as_str(),
                    last.0.body.as_str()
                ),
                ("7", "A", "hello")
            );
            assert_eq!(
                (last.1.kind, last.1.from_type, last.1.from_name.as_str()),
                ("Message", "Agent", "Alice")
            );
        }
        v => panic!("{v:?}"),
    }
    // getStats: from the first to the last message's time.
    sim.cmd(Command::GetStats);
    match &sim.resolved.last().unwrap().1 {
        Value::Stats(s) => {
            assert_eq!(
                (s.start_time, s.end_time, s.duration),
                (Some(1.0), Some(1.0), Some(0.0))
            )
        }
        v => panic!("{v:?}"),
    }
}

// The phase decides, not the transport: the same code for both.
#[test]
fn end_chat_while_the_chat_is_being_created_publishes_nothing() {
    let mut sim = Sim::new(default_cfg());
    sim.cmd(Command::StartChat(MemberInfo::default()));
    sim.clear_events();
    let e = sim.cmd(Command::EndChat);
    assert_eq!(sim.rejected.last(), Some(&(e, text(NO_SESSION_END))));
    assert!(sim.names().is_empty());
}

// Not on Web Messaging: it has no routing (the deployment's flow routes).
#[test]
fn start_chat_options_can_override_the_configured_routing_for_that_chat() {
    let mut sim = Sim::new(default_cfg());
    let over = config(|m| {
        m.insert(
            "transport.interactionData.routing.targetAddress",
            Cv::Str("Sales".into()),
        );
    });
    let ctx = sim.ctx();
    sim.s.start_chat_with(1, MemberInfo::default(), over, ctx);
    sim.drain();
    let (_, req) = sim.take(Method::Post, "/api/v2/webchat/guest/conversations");
    assert!(req.body.unwrap().contains(r#""targetAddress":"Sales""#));
    // Unconfigured: refused like every command.
    let mut fresh = Session::new();
    fresh.start_chat_with(2, MemberInfo::default(), default_cfg(), ctx);
    assert_eq!(
        fresh.take_outputs(),
        vec![Output::Reject {
            cmd: 2,
            value: text(NOT_CONFIGURED)
        }]
    );
}

// On both transports. (Guest Chat only, above: its create request and routing overrides, the journey of a
// create that fails, and answers of a member lookup — Web Messaging's session has no create call, routing or
// member lookups; its start and refusals are in `messaging`.)

/// The guest ends the chat: resolved, `clientDisconnected` and `ended`, the snapshot removed; a new chat then
/// starts afresh, without what the first one said.
#[test]
fn on_both_transports_a_chat_ends_and_another_starts() {
    for tr in TRANSPORTS {
        let mut sim = Sim::started_on(tr);
        sim.agent_joins(tr);
        sim.agent_says(tr, "m1", "bye", 2);
        sim.clear_events();
        let c = sim.guest_ends_chat(tr);
        assert_eq!(sim.resolved.last(), Some(&(c, Value::Xhr(200))), "{tr:?}");
        assert!(
            sim.names().ends_with(&["clientDisconnected", "ended"]),
            "{tr:?}: {:?}",
            sim.names()
        );
        assert_eq!(sim.stored, Some(None), "{tr:?}");
        assert!(!sim.s.is_active(), "{tr:?}");
        sim.cmd(Command::GetTranscript);
        assert_eq!(
            sim.resolved.last().map(|(_, v)| v),
            Some(&Value::Transcript(vec![])),
            "{tr:?}"
        );
        // Again.
        sim.clear_events();
        if tr == Tr::Messaging {
            sim.s.guest_token("tok-2".into());
        }
        let d = sim.cmd(Command::StartChat(MemberInfo::default()));
        match tr {
            Tr::GuestChat => {
                sim.answer(Method::Post, "/conversations", created("ws://emu/stream"));
                sim.open();
            }
            Tr::Messaging => {
                sim.open();
                sim.wm(&wm_session(true, false));
            }
        }
        assert_eq!(sim.resolved.last(), Some(&(d, Value::Undefined)), "{tr:?}");
        assert_eq!(sim.names(), ["started", "ajaxResponse"], "{tr:?}");
        sim.agent_joins(tr);
        sim.agent_says(tr, "m9", "hello again", 10);
        // Afresh: the new chat's join and text, nothing of the first chat's.
        assert_eq!(sim.shown(), ["ParticipantJoined Alice", "hello again"], "{tr:?}");
    }
}
