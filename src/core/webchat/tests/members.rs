//! Delivery, members and typing: messages once and in order, presence events, lookups, typing indicators.

use super::sim::*;
use crate::core::guestchat::{MemberInfo, Method, RawFrame, Reply, WireMember};
use crate::core::webchat::config::Value as Cv;
use crate::core::webchat::transcript::AgentInfo;
use crate::core::webchat::*;

// Guest Chat's member lookups; Web Messaging names the sender in each message.
#[test]
fn messages_are_delivered_once_in_order_with_their_senders() {
    let mut sim = Sim::started(default_cfg());
    sim.clear_events();
    // A message from a member we do not know yet: held until we know who it is.
    sim.frame(msg_frame(msg("1", "A", "Hello, I am Alice")));
    assert!(sim.texts().is_empty());
    sim.frame(msg_frame(msg("2", "M", "hi Alice")));
    assert!(sim.texts().is_empty(), "order is kept behind the unknown sender");
    sim.answer(
        Method::Get,
        "/members/A",
        ok(Reply::Member(agent("A", "Alice", "CONNECTED"))),
    );
    assert_eq!(sim.texts(), vec!["Hello, I am Alice", "hi Alice"]);
    // The same message again (a duplicate frame) is not delivered twice.
    sim.frame(msg_frame(msg("2", "M", "hi Alice")));
    assert_eq!(sim.texts().len(), 2);
    let Event::MessageReceived {
        original,
        messages,
        restoring,
    } = sim
        .events
        .iter()
        .find(|e| e.name() == "messageReceived")
        .unwrap()
        .clone()
    else {
        unreachable!()
    };
    assert!(!restoring);
    assert_eq!(original[0].id, "1");
    assert_eq!(messages[0].from_type, "Agent");
    assert_eq!(messages[0].from_name, "Alice");
    assert_eq!(messages[0].kind, "Message");
    assert_eq!(messages[0].index, 0);
    assert_eq!(messages[1].from_type, "Client");
    assert_eq!(messages[1].from_name, "Jonny");
    assert_eq!(messages[1].index, 1);
    assert!(sim.names().contains(&"agentConnected"));
    let t = sim.cmd(Command::GetTranscript);
    match &sim.resolved.last().unwrap() {
        (id, Value::Transcript(m)) => {
            assert_eq!(*id, t);
            assert_eq!(m.len(), 2);
        }
        other => panic!("{other:?}"),
    }
}

// Guest Chat's member changes; on both: `on_both_transports_an_agent_joins_and_leaves`.
#[test]
fn agents_connect_and_disconnect_with_counts() {
    let mut sim = Sim::new(config(|m| {
        m.insert("transport.interactionData.journey", Cv::Object);
    }));
    sim.cmd(Command::StartChat(MemberInfo::default()));
    sim.answer(Method::Post, "/conversations", created("ws://x"));
    sim.open();
    sim.clear_events();
    let change = |m: WireMember| member_frame(m);
    sim.frame(change(me("CONNECTED")));
    sim.frame(change(agent("A", "Alice", "CONNECTED")));
    sim.frame(change(agent("A", "Alice", "CONNECTED"))); // repeated: no second event
    sim.frame(change(agent("B", "Bob", "CONNECTED")));
    sim.frame(change(agent("A", "Alice", "DISCONNECTED")));
    assert_eq!(
        sim.names(),
        // The vendor publishes `clientConnected` only during a restore.
        vec!["agentConnected", "agentConnected", "agentDisconnected"]
    );
    match &sim.events[2] {
        Event::Presence {
            member,
            agents,
            connected,
            ..
        } => {
            assert_eq!(*connected, 1);
            assert_eq!(agents.len(), 2);
            assert_eq!(
                *member,
                MemberEntity {
                    id: "A".into(),
                    display_name: "Alice".into(),
                    role: "AGENT",
                    state: "DISCONNECTED",
                    avatar_image_url: String::new(),
                }
            );
        }
        e => panic!("{e:?}"),
    }
    assert_eq!(sim.journey, vec!["accepted", "started", "engaged"]);
    sim.cmd(Command::GetAgents);
    match &sim.resolved.last().unwrap().1 {
        Value::Agents(a) => {
            assert_eq!(a[0].name, "Alice");
            assert!(!a[0].connected && a[0].disconnected_time.is_some());
            assert!(a[1].connected && !a[1].supervisor);
        }
        v => panic!("{v:?}"),
    }
    // The guest's own member leaving ends the chat.
    sim.frame(change(me("DISCONNECTED")));
    assert!(sim.names().ends_with(&["clientDisconnected", "ended"]));
    assert_eq!(sim.stored, Some(None));
    assert_eq!(sim.journey.last(), Some(&"completed"));
    assert_eq!(sim.socket_closes, 1);
}

#[test]
fn typing_follows_keys_and_indicators() {
    let mut sim = Sim::with_agent(default_cfg());
    sim.clear_events();
    // The guest types: started once, one typing request, stopped 2 s after the last key.
    let ctx = sim.ctx();
    sim.s.key(ctx);
    sim.drain();
    assert!(sim.has(Method::Post, "/members/M/typing"));
    sim.answer(Method::Post, "/members/M/typing", ok(Reply::None));
    sim.advance(1500.0);
    let ctx = sim.ctx();
    sim.s.key(ctx);
    sim.drain();
    assert!(!sim.has(Method::Post, "/typing"), "no second request within 2 s");
    sim.advance(1999.0);
    assert_eq!(sim.names(), vec!["clientTypingStarted"]);
    sim.advance(1.0);
    assert_eq!(sim.names(), vec!["clientTypingStarted", "clientTypingStopped"]);
    for tr in TRANSPORTS {
        agent_typing_on(tr);
    }
}

/// The agent types: started, then a timeout 3 s after the last indicator (on every transport).
fn agent_typing_on(tr: Tr) {
    let mut sim = Sim::started_on(tr);
    sim.agent_joins(tr);
    sim.clear_events();
    // As the vendor, every indicator publishes `agentTypingStarted`; the timeout counts from the last one
    // (the vendor's from the first, which hides an agent still typing).
    sim.agent_types(tr);
    sim.advance(2000.0);
    sim.agent_types(tr);
    sim.advance(2999.0);
    assert_eq!(
        sim.names(),
        vec!["agentTypingStarted", "agentTypingStarted"],
        "{tr:?}"
    );
    sim.advance(1.0);
    assert_eq!(
        sim.names(),
        vec!["agentTypingStarted", "agentTypingStarted", "agentTypingTimeout"],
        "{tr:?}"
    );
    sim.clear_events();
    // A message from the agent ends its typing (`agentTypingStopped`); `agentTypingTimeout` still follows,
    // as pages written for the vendor hide their indicator on it.
    sim.agent_types(tr);
    sim.agent_says(tr, "9", "done", 9);
    assert_eq!(
        sim.names(),
        vec!["agentTypingStarted", "agentTypingStopped", "messageReceived"],
        "{tr:?}"
    );
    let agent_id = if tr == Tr::GuestChat { "A" } else { "agent:Alice" };
    match &sim.events[0] {
        Event::AgentTypingStarted(t) => {
            assert_eq!((t.from_name.as_str(), t.from_id.as_str()), ("Alice", agent_id))
        }
        e => panic!("{e:?}"),
    }
    sim.advance(3000.0);
    assert_eq!(sim.names().last(), Some(&"agentTypingTimeout"), "{tr:?}");
}

// Not on Web Messaging: each message names its sender, no member is known by id only.
#[test]
fn an_agent_announced_by_id_only_is_named_before_its_join_is_shown() {
    // The service's member-change frames carry only {id, state}; the member-join message follows.
    let mut sim = Sim::started(default_cfg());
    sim.clear_events();
    let change = |id: &str, state: &str| RawFrame {
        topic: "v2.conversations.chats.C.members".into(),
        kind: Some("member-change".into()),
        member: Some(WireMember {
            id: id.into(),
            state: Some(state.into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    sim.frame(change("A", "ALERTING"));
    sim.frame(change("A", "CONNECTED"));
    let mut join = msg("j1", "A", "");
    join.body_type = "member-join".into();
    sim.frame(msg_frame(join));
    assert!(sim.events.is_empty(), "waits for who A is");
    sim.answer(
        Method::Get,
        "/members/A",
        ok(Reply::Member(agent("A", "Alex", "CONNECTED"))),
    );
    assert_eq!(sim.names(), vec!["agentConnected", "messageReceived"]);
    match &sim.events[1] {
        Event::MessageReceived { messages, .. } => {
            assert_eq!(messages[0].kind, "ParticipantJoined");
            assert_eq!(messages[0].from_name, "Alex");
            assert_eq!(messages[0].from_type, "Agent");
        }
        e => panic!("{e:?}"),
    }
    assert!(!sim.has(Method::Get, "/members/A"), "asked once");
}

// Not on Web Messaging: it has no supervisor role.
#[test]
fn a_supervisor_member_publishes_supervisor_events() {
    let mut sim = Sim::with_agent(default_cfg());
    sim.clear_events();
    let sup = |state: &str| RawFrame {
        topic: "v2.conversations.chats.C.members".into(),
        kind: Some("member-change".into()),
        member: Some(WireMember {
            id: "S".into(),
            display_name: Some("Pat".into()),
            role: Some("SUPERVISOR".into()),
            state: Some(state.into()),
            avatar_image_url: None,
        }),
        ..Default::default()
    };
    sim.frame(sup("CONNECTED"));
    sim.frame(sup("DISCONNECTED"));
    let presence: Vec<(&str, Vec<AgentInfo>, u32)> = sim
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Presence {
                name,
                agents,
                connected,
                ..
            } => Some((*name, agents.clone(), *connected)),
            _ => None,
        })
        .collect();
    assert_eq!(presence.len(), 2);
    assert_eq!(presence[0].0, "supervisorConnected");
    assert_eq!(presence[0].2, 2, "the agent and the supervisor");
    assert!(presence[0]
        .1
        .iter()
        .any(|a| a.name == "Pat" && a.supervisor && a.connected));
    assert_eq!(presence[1].0, "supervisorDisconnected");
    assert_eq!(presence[1].2, 1);
}

// Not on Web Messaging: its typing event names its sender.
#[test]
fn an_agent_typing_before_it_is_known_is_announced_with_its_name() {
    // The typing indicator can come while the agent (announced by id only) is being looked up: the vendor
    // announces typing only from a known agent, so it is announced, named, once the answer comes.
    let mut sim = Sim::started(default_cfg());
    sim.frame(RawFrame {
        topic: "v2.conversations.chats.C.members".into(),
        kind: Some("member-change".into()),
        member: Some(WireMember {
            id: "A".into(),
            state: Some("CONNECTED".into()),
            ..Default::default()
        }),
        ..Default::default()
    });
    sim.clear_events();
    sim.frame(RawFrame {
        topic: "v2.conversations.chats.C.messages".into(),
        kind: Some("typing-indicator".into()),
        message: Some(msg("", "A", "")),
        ..Default::default()
    });
    assert!(sim.events.is_empty(), "waits for who A is");
    sim.answer(
        Method::Get,
        "/members/A",
        ok(Reply::Member(agent("A", "Alex", "CONNECTED"))),
    );
    assert_eq!(sim.names(), vec!["agentConnected", "agentTypingStarted"]);
    match &sim.events[1] {
        Event::AgentTypingStarted(t) => {
            assert_eq!((t.from_name.as_str(), t.from_id.as_str()), ("Alex", "A"))
        }
        e => panic!("{e:?}"),
    }
    sim.advance(3000.0);
    assert_eq!(sim.names().last(), Some(&"agentTypingTimeout"));
}

// Guest Chat's member avatar; Web Messaging's comes with each message (`channel.from.image`).
#[test]
fn an_agents_avatar_reaches_its_messages_typing_and_presence() {
    let mut sim = Sim::started(default_cfg());
    sim.frame(RawFrame {
        topic: "v2.conversations.chats.C.members".into(),
        kind: Some("member-change".into()),
        member: Some(WireMember {
            avatar_image_url: Some("https://x.io/a.png".into()),
            ..agent("A", "Alice", "CONNECTED")
        }),
        ..Default::default()
    });
    sim.frame(RawFrame {
        topic: "v2.conversations.chats.C.messages".into(),
        kind: Some("typing-indicator".into()),
        message: Some(msg("", "A", "")),
        ..Default::default()
    });
    sim.frame(msg_frame(msg("1", "A", "hi")));
    sim.frame(msg_frame(msg("2", "M", "hello")));
    let mut seen = (false, false, false);
    for e in &sim.events {
        match e {
            Event::Presence { member, .. } => seen.0 = member.avatar_image_url == "https://x.io/a.png",
            Event::AgentTypingStarted(t) => seen.1 = t.avatar == "https://x.io/a.png",
            Event::MessageReceived { messages, .. } => {
                for m in messages {
                    // Only a sender with an avatar gives its messages one.
                    let want = if m.from_type == "Agent" {
                        "https://x.io/a.png"
                    } else {
                        ""
                    };
                    assert_eq!(m.avatar, want, "{m:?}");
                    seen.2 |= m.from_type == "Agent";
                }
            }
            _ => {}
        }
    }
    assert_eq!(seen, (true, true, true));
}

// On both transports. (Guest Chat only, above: members known by id only, supervisors and avatars by member —
// Web Messaging names the sender in each message and has no roles beyond agent and bot.)

/// An agent joining and leaving is `agentConnected` / `agentDisconnected` and a `ParticipantJoined` /
/// `ParticipantLeft` message, and `getAgents` says so; the chat goes on.
#[test]
fn on_both_transports_an_agent_joins_and_leaves() {
    for tr in TRANSPORTS {
        let mut sim = Sim::started_on(tr);
        sim.clear_events();
        sim.agent_joins(tr);
        sim.agent_joins(tr);
        sim.agent_leaves(tr);
        // Each also a notice in the transcript, as the service stores them; the join repeated (the same stored
        // message) is neither.
        assert_eq!(
            sim.names(),
            [
                "agentConnected",
                "messageReceived",
                "agentDisconnected",
                "messageReceived"
            ],
            "{tr:?}"
        );
        assert_eq!(
            sim.shown(),
            ["ParticipantJoined Alice", "ParticipantLeft Alice"],
            "{tr:?}"
        );
        assert!(sim.s.is_active(), "{tr:?}");
        sim.cmd(Command::GetAgents);
        match &sim.resolved.last().map(|(_, v)| v) {
            Some(Value::Agents(a)) => {
                assert_eq!(a.len(), 1, "{tr:?}");
                assert_eq!(a[0].name, "Alice", "{tr:?}");
                assert!(!a[0].connected && a[0].disconnected_time.is_some(), "{tr:?}");
            }
            v => panic!("{tr:?}: {v:?}"),
        }
        // Back, by speaking (Web Messaging) or by joining again (its notice is the same message `j1` again here:
        // not shown twice).
        sim.agent_joins(tr);
        sim.agent_says(tr, "m1", "back", 9);
        assert_eq!(
            sim.names(),
            [
                "agentConnected",
                "messageReceived",
                "agentDisconnected",
                "messageReceived",
                "agentConnected",
                "messageReceived"
            ],
            "{tr:?}"
        );
        assert_eq!(
            sim.shown(),
            ["ParticipantJoined Alice", "ParticipantLeft Alice", "back"],
            "{tr:?}"
        );
    }
}
