//! The session machine driven with simulated time and injected faults: a small harness plays the shell (it keeps
//! the armed timers, the open requests and the socket state) and the tests play the server.

use std::collections::HashMap;

use super::config::{Config, Value as Cv, TRANSPORT_TYPE};
use super::*;
use crate::core::guestchat::{Journey, MessagePage, Method, RawFrame, WireMember, WireMessage};

const JWT: &str = "eyJ.SECRET.jwt";

struct Sim {
    s: Session,
    now: f64,
    random: f64,
    timers: HashMap<Timer, f64>,
    /// Open requests by id.
    http: Vec<(u32, Request)>,
    socket_open_urls: Vec<String>,
    socket_closes: usize,
    events: Vec<Event>,
    resolved: Vec<(u32, Value)>,
    rejected: Vec<(u32, Value)>,
    stored: Option<Option<Snapshot>>,
    journey: Vec<&'static str>,
    all: Vec<Output>,
    next_cmd: u32,
}

pub(super) fn config(f: impl Fn(&mut HashMap<&'static str, Cv>)) -> Config {
    let mut m: HashMap<&'static str, Cv> = HashMap::new();
    m.insert("transport", Cv::Object);
    m.insert("transport.type", Cv::Str(TRANSPORT_TYPE.into()));
    m.insert("transport.dataURL", Cv::Str("http://emu".into()));
    m.insert("transport.deploymentKey", Cv::Str("KEY".into()));
    m.insert("transport.orgGuid", Cv::Str("ORG".into()));
    m.insert(
        "transport.interactionData.routing.targetAddress",
        Cv::Str("Support".into()),
    );
    f(&mut m);
    Config::parse(&|p: &str| m.get(p).cloned().unwrap_or(Cv::Missing)).unwrap()
}

fn msg(id: &str, sender: &str, body: &str) -> WireMessage {
    WireMessage {
        id: id.into(),
        sender_id: sender.into(),
        body: body.into(),
        body_type: "standard".into(),
        timestamp: "2026-01-01T00:00:00Z".into(),
        timestamp_ms: 1.0,
    }
}

fn agent(id: &str, name: &str, state: &str) -> WireMember {
    WireMember {
        id: id.into(),
        display_name: Some(name.into()),
        role: Some("AGENT".into()),
        state: Some(state.into()),
        avatar_image_url: None,
    }
}

fn me(state: &str) -> WireMember {
    WireMember {
        id: "M".into(),
        display_name: Some("Jonny".into()),
        role: Some("CUSTOMER".into()),
        state: Some(state.into()),
        avatar_image_url: None,
    }
}

fn msg_frame(m: WireMessage) -> RawFrame {
    RawFrame {
        topic: "v2.conversations.chats.C.messages".into(),
        kind: Some("message".into()),
        message: Some(m),
        member: None,
        text: None,
    }
}

fn heartbeat() -> RawFrame {
    RawFrame {
        topic: "channel.metadata".into(),
        text: Some("WebSocket Heartbeat".into()),
        ..Default::default()
    }
}

fn ok(reply: Reply) -> HttpResult {
    HttpResult::Ok { status: 200, reply }
}

fn page(entities: Vec<WireMessage>) -> HttpResult {
    ok(Reply::Messages(MessagePage {
        entities,
        next: None,
        previous: None,
    }))
}

/// A page that says older messages exist.
fn page_with_older(entities: Vec<WireMessage>) -> HttpResult {
    ok(Reply::Messages(MessagePage {
        entities,
        next: None,
        previous: Some("…?before=x".into()),
    }))
}

fn status(n: u16) -> HttpResult {
    HttpResult::Status {
        status: n,
        status_text: "Service Unavailable".into(),
        text: "{}".into(),
    }
}

impl Sim {
    fn new(cfg: Config) -> Sim {
        let mut sim = Sim {
            s: Session::new(),
            now: 1_000_000.0,
            random: 0.5,
            timers: HashMap::new(),
            http: Vec::new(),
            socket_open_urls: Vec::new(),
            socket_closes: 0,
            events: Vec::new(),
            resolved: Vec::new(),
            rejected: Vec::new(),
            stored: None,
            journey: Vec::new(),
            all: Vec::new(),
            next_cmd: 1,
        };
        let ctx = sim.ctx();
        sim.s.configure(cfg, ctx);
        sim.drain();
        sim
    }

    fn ctx(&self) -> Ctx {
        Ctx {
            now: self.now,
            random: self.random,
        }
    }

    fn drain(&mut self) {
        for o in self.s.take_outputs() {
            self.all.push(o.clone());
            match o {
                Output::Http { id, request } => self.http.push((id, request)),
                Output::SocketOpen { url } => self.socket_open_urls.push(url),
                Output::SocketSend(_) => {}
                Output::SocketClose => self.socket_closes += 1,
                Output::Arm { timer, ms } => {
                    self.timers.insert(timer, self.now + f64::from(ms));
                }
                Output::Cancel(t) => {
                    self.timers.remove(&t);
                }
                Output::Publish(e) => self.events.push(e),
                Output::Resolve { cmd, value } => self.resolved.push((cmd, value)),
                Output::Reject { cmd, value } => self.rejected.push((cmd, value)),
                Output::Store(s) => self.stored = Some(s),
                Output::Journey { state, .. } => self.journey.push(state),
            }
        }
    }

    fn cmd(&mut self, c: Command) -> u32 {
        let id = self.next_cmd;
        self.next_cmd += 1;
        let ctx = self.ctx();
        self.s.command(id, c, ctx);
        self.drain();
        id
    }

    /// Advances simulated time, firing due timers in deadline order.
    fn advance(&mut self, ms: f64) {
        let end = self.now + ms;
        loop {
            let next = self
                .timers
                .iter()
                .filter(|(_, t)| **t <= end)
                .min_by(|a, b| a.1.total_cmp(b.1))
                .map(|(k, t)| (*k, *t));
            let Some((timer, at)) = next else { break };
            self.timers.remove(&timer);
            self.now = at.max(self.now);
            let ctx = self.ctx();
            self.s.timer(timer, ctx);
            self.drain();
        }
        self.now = end;
    }

    /// The open request whose method and URL match, removed from the open list.
    fn take(&mut self, method: Method, url_part: &str) -> (u32, Request) {
        let pos = self
            .http
            .iter()
            .position(|(_, r)| r.method == method && r.url.contains(url_part))
            .unwrap_or_else(|| panic!("no open {method:?} {url_part}; open: {:?}", self.http));
        self.http.remove(pos)
    }

    fn has(&self, method: Method, url_part: &str) -> bool {
        self.http
            .iter()
            .any(|(_, r)| r.method == method && r.url.contains(url_part))
    }

    fn answer(&mut self, method: Method, url_part: &str, result: HttpResult) -> Request {
        let (id, r) = self.take(method, url_part);
        let ctx = self.ctx();
        self.s.http(id, result, ctx);
        self.drain();
        r
    }

    fn open(&mut self) {
        let ctx = self.ctx();
        self.s.socket_open(ctx);
        self.drain();
    }

    fn closed(&mut self) {
        let ctx = self.ctx();
        self.s.socket_closed(ctx);
        self.drain();
    }

    fn frame(&mut self, f: RawFrame) {
        let ctx = self.ctx();
        self.s.frame(f, ctx);
        self.drain();
    }

    fn names(&self) -> Vec<&'static str> {
        self.events.iter().map(Event::name).collect()
    }

    fn clear_events(&mut self) {
        self.events.clear();
    }

    /// The texts delivered by `messageReceived`, in order, across all events so far.
    fn texts(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::MessageReceived { messages, .. } => Some(messages),
                _ => None,
            })
            .flatten()
            .map(|m| m.text.clone())
            .collect()
    }

    /// Starts a chat and opens the stream: the state every socket test starts from.
    fn started(cfg: Config) -> Sim {
        let mut sim = Sim::new(cfg);
        sim.cmd(Command::StartChat(MemberInfo {
            display_name: Some("Jonny".into()),
            ..Default::default()
        }));
        sim.answer(
            Method::Post,
            "/conversations",
            ok(Reply::Created(Created {
                conversation_id: "C".into(),
                member_id: "M".into(),
                jwt: JWT.into(),
                event_stream_uri: "ws://emu/stream".into(),
            })),
        );
        sim.open();
        sim
    }

    fn with_agent(cfg: Config) -> Sim {
        let mut sim = Sim::started(cfg);
        sim.frame(RawFrame {
            topic: "v2.conversations.chats.C.members".into(),
            kind: Some("member-change".into()),
            member: Some(agent("A", "Alice", "CONNECTED")),
            ..Default::default()
        });
        sim
    }
}

fn default_cfg() -> Config {
    config(|_| {})
}

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
    sim.s.http(
        id,
        ok(Reply::Created(Created {
            conversation_id: "C".into(),
            member_id: "M".into(),
            jwt: JWT.into(),
            event_stream_uri: "ws://emu/stream".into(),
        })),
        ctx,
    );
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
    let mut sim = Sim::new(default_cfg());
    let cases = vec![
        (Command::EndChat, NO_SESSION_END),
        (Command::SendMessage(Some("hi".into())), NO_SESSION),
        (Command::SendMessage(None), NO_TEXT),
        (Command::SendMessage(Some("  ".into())), NO_TEXT),
        (Command::SendTyping, NO_TYPING_SESSION),
        (Command::SendCustomNotice, NO_CUSTOM_NOTICE),
        (Command::SendFile, NO_FILES),
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
            "{c:?} should reject with {want:?}"
        );
    }
    let v = sim.cmd(Command::VerifySession);
    assert_eq!(sim.resolved.last(), Some(&(v, Value::SessionActive(false))));
    let u = sim.cmd(Command::UpdateUserData);
    assert_eq!(sim.resolved.last(), Some(&(u, Value::UserData)));
    // Not configured yet: every command says which configuration is missing, and nothing else happens.
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

#[test]
fn agents_connect_and_disconnect_with_counts() {
    let mut sim = Sim::new(config(|m| {
        m.insert("transport.interactionData.journey", Cv::Object);
    }));
    sim.cmd(Command::StartChat(MemberInfo::default()));
    sim.answer(
        Method::Post,
        "/conversations",
        ok(Reply::Created(Created {
            conversation_id: "C".into(),
            member_id: "M".into(),
            jwt: JWT.into(),
            event_stream_uri: "ws://x".into(),
        })),
    );
    sim.open();
    sim.clear_events();
    let change = |m: WireMember| RawFrame {
        topic: "v2.conversations.chats.C.members".into(),
        kind: Some("member-change".into()),
        member: Some(m),
        ..Default::default()
    };
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
    sim.clear_events();
    // The agent types: started, then a timeout 3 s after the last indicator.
    let typing = RawFrame {
        topic: "v2.conversations.chats.C.messages".into(),
        kind: Some("typing-indicator".into()),
        message: Some(msg("", "A", "")),
        ..Default::default()
    };
    // As the vendor, every indicator publishes `agentTypingStarted`; the timeout counts from the last one
    // (the vendor's from the first, which hides an agent still typing).
    sim.frame(typing.clone());
    sim.advance(2000.0);
    sim.frame(typing.clone());
    sim.advance(2999.0);
    assert_eq!(sim.names(), vec!["agentTypingStarted", "agentTypingStarted"]);
    sim.advance(1.0);
    assert_eq!(
        sim.names(),
        vec!["agentTypingStarted", "agentTypingStarted", "agentTypingTimeout"]
    );
    sim.clear_events();
    // A message from the agent ends its typing (`agentTypingStopped`); `agentTypingTimeout` still follows,
    // as pages written for the vendor hide their indicator on it.
    sim.frame(typing);
    sim.frame(msg_frame(msg("9", "A", "done")));
    assert_eq!(
        sim.names(),
        vec!["agentTypingStarted", "agentTypingStopped", "messageReceived"]
    );
    match &sim.events[0] {
        Event::AgentTypingStarted(t) => {
            assert_eq!((t.from_name.as_str(), t.from_id.as_str()), ("Alice", "A"))
        }
        e => panic!("{e:?}"),
    }
    sim.advance(3000.0);
    assert_eq!(sim.names().last(), Some(&"agentTypingTimeout"));
}

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
    assert_eq!(sim.timers.get(&Timer::Reconnect), Some(&(sim.now + 1500.0)));
    sim.advance(1500.0);
    assert_eq!(sim.socket_open_urls.len(), 2);
    // The open fails: backoff doubles (4 s × 0.75 = 3 s) and it counts as a connection problem.
    sim.closed();
    assert_eq!(sim.timers.get(&Timer::Reconnect), Some(&(sim.now + 3000.0)));
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
    sim.answer(
        Method::Get,
        "/members?",
        ok(Reply::Members(vec![
            me("CONNECTED"),
            agent("A", "Alice", "CONNECTED"),
        ])),
    );
    assert_eq!(sim.texts(), vec!["two", "three", "four"]);
    sim.frame(msg_frame(msg("3", "A", "three")));
    assert_eq!(sim.texts(), vec!["two", "three", "four"]);
}

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
    page2.answer(
        Method::Get,
        "/members?",
        ok(Reply::Members(vec![
            me("CONNECTED"),
            agent("A", "Alice", "CONNECTED"),
        ])),
    );
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

/// Found by the guestchat_frame fuzz target: a member lookup still in flight when the chat ended answered
/// afterwards, and its held message was published after `ended` (and another lookup was sent with the cleared
/// JWT). An answer that arrives after the end belongs to a chat that is over.
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

#[test]
fn polling_mode_reads_messages_on_a_timer() {
    let mut sim = Sim::new(config(|m| {
        m.insert("transport.polling", Cv::Bool(true));
        m.insert("transport.pollInterval", Cv::Number(1000.0));
    }));
    sim.cmd(Command::StartChat(MemberInfo::default()));
    sim.answer(
        Method::Post,
        "/conversations",
        ok(Reply::Created(Created {
            conversation_id: "C".into(),
            member_id: "M".into(),
            jwt: JWT.into(),
            event_stream_uri: "ws://x".into(),
        })),
    );
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

// ----- ambiguous sends under socket cuts: each interleaving of the echo with the 503 and the reconnect ----------
// (the soak found four messages stored twice; `soak_tests` explores thousands of random schedules, these pin the
// interleavings it found, one by one)

fn members_answer() -> HttpResult {
    ok(Reply::Members(vec![
        me("CONNECTED"),
        agent("A", "Alice", "CONNECTED"),
    ]))
}

fn sends(sim: &Sim) -> usize {
    sim.all
        .iter()
        .filter(|o| matches!(o, Output::Http { request, .. } if request.method == Method::Post && request.url.ends_with("/members/M/messages")))
        .count()
}

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

#[test]
fn a_message_sent_before_the_stream_opens_waits_for_it() {
    // Sent before the stream is attached, a message is stored without an echo ever reaching this page.
    let mut sim = Sim::new(default_cfg());
    sim.cmd(Command::StartChat(MemberInfo::default()));
    sim.answer(
        Method::Post,
        "/conversations",
        ok(Reply::Created(Created {
            conversation_id: "C".into(),
            member_id: "M".into(),
            jwt: JWT.into(),
            event_stream_uri: "ws://emu/stream".into(),
        })),
    );
    sim.cmd(Command::SendMessage(Some("early".into())));
    assert!(!sim.has(Method::Post, "/members/M/messages"));
    sim.open();
    assert!(sim.has(Method::Post, "/members/M/messages"));
}

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

#[test]
fn end_chat_while_the_chat_is_being_created_publishes_nothing() {
    let mut sim = Sim::new(default_cfg());
    sim.cmd(Command::StartChat(MemberInfo::default()));
    sim.clear_events();
    let e = sim.cmd(Command::EndChat);
    assert_eq!(sim.rejected.last(), Some(&(e, text(NO_SESSION_END))));
    assert!(sim.names().is_empty());
}

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
