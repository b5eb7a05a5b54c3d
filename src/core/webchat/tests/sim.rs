//! The simulator: plays the shell (it keeps the armed timers, the open requests and the socket state) in
//! simulated time; the tests play the server.
// Without the Web Messaging transport, its helpers serve no case.
#![cfg_attr(not(feature = "webmessaging"), allow(dead_code))]

use std::collections::HashMap;

use crate::core::guestchat::{
    Created, MemberInfo, MessagePage, Method, RawFrame, Reply, Request, WireMember, WireMessage,
};
use crate::core::webchat::config::{Config, Value as Cv, MESSAGING_TYPE, TRANSPORT_TYPE};
use crate::core::webchat::*;

pub(super) const JWT: &str = "eyJ.SECRET.jwt";

pub(super) struct Sim {
    pub(super) s: Session,
    pub(super) now: f64,
    pub(super) random: f64,
    /// Open requests by id.
    pub(super) http: Vec<(u32, Request)>,
    pub(super) socket_open_urls: Vec<String>,
    pub(super) socket_closes: usize,
    pub(super) events: Vec<Event>,
    pub(super) resolved: Vec<(u32, Value)>,
    pub(super) rejected: Vec<(u32, Value)>,
    pub(super) stored: Option<Option<Snapshot>>,
    pub(super) journey: Vec<&'static str>,
    pub(super) all: Vec<Output>,
    pub(super) next_cmd: u32,
    /// Texts sent on the socket (Web Messaging's requests), in order.
    pub(super) sent: Vec<String>,
}

pub(crate) fn config(f: impl Fn(&mut HashMap<&'static str, Cv>)) -> Config {
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

pub(super) fn msg(id: &str, sender: &str, body: &str) -> WireMessage {
    WireMessage {
        id: id.into(),
        sender_id: sender.into(),
        body: body.into(),
        body_type: "standard".into(),
        timestamp: "2026-01-01T00:00:00Z".into(),
        timestamp_ms: 1.0,
    }
}

pub(super) fn agent(id: &str, name: &str, state: &str) -> WireMember {
    WireMember {
        id: id.into(),
        display_name: Some(name.into()),
        role: Some("AGENT".into()),
        state: Some(state.into()),
        avatar_image_url: None,
    }
}

pub(super) fn me(state: &str) -> WireMember {
    WireMember {
        id: "M".into(),
        display_name: Some("Jonny".into()),
        role: Some("CUSTOMER".into()),
        state: Some(state.into()),
        avatar_image_url: None,
    }
}

pub(super) fn msg_frame(m: WireMessage) -> RawFrame {
    RawFrame {
        topic: "v2.conversations.chats.C.messages".into(),
        kind: Some("message".into()),
        message: Some(m),
        member: None,
    }
}

/// A `member-change` frame for `m`.
pub(super) fn member_frame(m: WireMember) -> RawFrame {
    RawFrame {
        topic: "v2.conversations.chats.C.members".into(),
        kind: Some("member-change".into()),
        member: Some(m),
        ..Default::default()
    }
}

pub(super) fn heartbeat() -> RawFrame {
    RawFrame {
        topic: "channel.metadata".into(),
        ..Default::default()
    }
}

/// The answer to `POST /conversations`: conversation `C`, member `M`, its event stream at `stream`.
pub(super) fn created(stream: &str) -> HttpResult {
    ok(Reply::Created(Created {
        conversation_id: "C".into(),
        member_id: "M".into(),
        jwt: JWT.into(),
        event_stream_uri: stream.into(),
    }))
}

pub(super) fn ok(reply: Reply) -> HttpResult {
    HttpResult::Ok { status: 200, reply }
}

pub(super) fn page(entities: Vec<WireMessage>) -> HttpResult {
    ok(Reply::Messages(MessagePage {
        entities,
        next: None,
        previous: None,
    }))
}

/// A page that says older messages exist.
pub(super) fn page_with_older(entities: Vec<WireMessage>) -> HttpResult {
    ok(Reply::Messages(MessagePage {
        entities,
        next: None,
        previous: Some("…?before=x".into()),
    }))
}

pub(super) fn status(n: u16) -> HttpResult {
    HttpResult::Status {
        status: n,
        status_text: "Service Unavailable".into(),
        text: "{}".into(),
    }
}

impl Sim {
    pub(super) fn new(cfg: Config) -> Sim {
        let mut sim = Sim {
            s: Session::new(),
            now: 1_000_000.0,
            random: 0.5,
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
            sent: Vec::new(),
        };
        let ctx = sim.ctx();
        sim.s.configure(cfg, ctx);
        sim.drain();
        sim
    }

    pub(super) fn ctx(&self) -> Ctx {
        Ctx {
            now: self.now,
            random: self.random,
        }
    }

    pub(super) fn drain(&mut self) {
        for o in self.s.take_outputs() {
            self.all.push(o.clone());
            match o {
                Output::Http { id, request } => self.http.push((id, request)),
                Output::SocketOpen { url } => self.socket_open_urls.push(url),
                Output::SocketSend(t) => self.sent.push(t),
                Output::SocketClose => self.socket_closes += 1,
                Output::Publish(e) => self.events.push(e),
                Output::Resolve { cmd, value } => self.resolved.push((cmd, value)),
                Output::Reject { cmd, value } => self.rejected.push((cmd, value)),
                Output::Store(s) => self.stored = Some(s),
                Output::Journey { state, .. } => self.journey.push(state),
            }
        }
    }

    pub(super) fn cmd(&mut self, c: Command) -> u32 {
        let id = self.next_cmd;
        self.next_cmd += 1;
        let ctx = self.ctx();
        self.s.command(id, c, ctx);
        self.drain();
        id
    }

    /// Advances simulated time, firing due timers in deadline order.
    pub(super) fn advance(&mut self, ms: f64) {
        let end = self.now + ms;
        loop {
            let next = self
                .s
                .timers()
                .iter()
                .filter(|(_, t)| *t <= end)
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .copied();
            let Some((timer, at)) = next else { break };
            self.now = at.max(self.now);
            let ctx = self.ctx();
            self.s.timer(timer, ctx);
            self.drain();
        }
        self.now = end;
    }

    /// When `timer` is due, if it is armed.
    pub(super) fn deadline(&self, timer: Timer) -> Option<f64> {
        self.s
            .timers()
            .iter()
            .find(|(t, _)| *t == timer)
            .map(|(_, at)| *at)
    }

    /// The open request whose method and URL match, removed from the open list.
    pub(super) fn take(&mut self, method: Method, url_part: &str) -> (u32, Request) {
        let pos = self
            .http
            .iter()
            .position(|(_, r)| r.method == method && r.url.contains(url_part))
            .unwrap_or_else(|| panic!("no open {method:?} {url_part}; open: {:?}", self.http));
        self.http.remove(pos)
    }

    pub(super) fn has(&self, method: Method, url_part: &str) -> bool {
        self.http
            .iter()
            .any(|(_, r)| r.method == method && r.url.contains(url_part))
    }

    pub(super) fn answer(&mut self, method: Method, url_part: &str, result: HttpResult) -> Request {
        let (id, r) = self.take(method, url_part);
        let ctx = self.ctx();
        self.s.http(id, result, ctx);
        self.drain();
        r
    }

    pub(super) fn open(&mut self) {
        let ctx = self.ctx();
        self.s.socket_open(ctx);
        self.drain();
    }

    pub(super) fn closed(&mut self) {
        let ctx = self.ctx();
        self.s.socket_closed(ctx);
        self.drain();
    }

    pub(super) fn frame(&mut self, f: RawFrame) {
        let ctx = self.ctx();
        self.s.frame(f, ctx);
        self.drain();
    }

    pub(super) fn names(&self) -> Vec<&'static str> {
        self.events.iter().map(Event::name).collect()
    }

    pub(super) fn clear_events(&mut self) {
        self.events.clear();
    }

    /// The texts delivered by `messageReceived`, in order, across all events so far.
    pub(super) fn texts(&self) -> Vec<String> {
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

    /// What `messageReceived` delivered, in order, as a transcript shows it: a message's text; a join or leave
    /// notice as its kind and who (`ParticipantJoined Alice`).
    pub(super) fn shown(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::MessageReceived { messages, .. } => Some(messages),
                _ => None,
            })
            .flatten()
            .map(|m| match m.kind {
                "Message" => m.text.clone(),
                kind => format!("{kind} {}", m.from_name),
            })
            .collect()
    }

    /// Starts a chat and opens the stream: the state every socket test starts from.
    pub(super) fn started(cfg: Config) -> Sim {
        let mut sim = Sim::new(cfg);
        sim.cmd(Command::StartChat(MemberInfo {
            display_name: Some("Jonny".into()),
            ..Default::default()
        }));
        sim.answer(Method::Post, "/conversations", created("ws://emu/stream"));
        sim.open();
        sim
    }

    pub(super) fn with_agent(cfg: Config) -> Sim {
        let mut sim = Sim::started(cfg);
        sim.frame(member_frame(agent("A", "Alice", "CONNECTED")));
        sim
    }
}

pub(super) fn default_cfg() -> Config {
    config(|_| {})
}

pub(super) fn members_answer() -> HttpResult {
    members_with_agent("CONNECTED")
}

/// The members read: the guest connected, the agent Alice in `state`.
pub(super) fn members_with_agent(state: &str) -> HttpResult {
    ok(Reply::Members(vec![me("CONNECTED"), agent("A", "Alice", state)]))
}

pub(super) fn sends(sim: &Sim) -> usize {
    sim.all
        .iter()
        .filter(|o| matches!(o, Output::Http { request, .. } if request.method == Method::Post && request.url.ends_with("/members/M/messages")))
        .count()
}

/// Which API the simulated server speaks: the tests that mean the same on both run on each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tr {
    GuestChat,
    Messaging,
}

#[cfg(feature = "webmessaging")]
pub(crate) const TRANSPORTS: [Tr; 2] = [Tr::GuestChat, Tr::Messaging];
/// A build without the Web Messaging transport runs the shared cases on Guest Chat only.
#[cfg(not(feature = "webmessaging"))]
pub(crate) const TRANSPORTS: [Tr; 1] = [Tr::GuestChat];

impl Tr {
    /// The configuration the tests use for this transport.
    pub(crate) fn config(self) -> Config {
        match self {
            Tr::GuestChat => default_cfg(),
            Tr::Messaging => messaging_cfg(),
        }
    }
}

/// How long Web Messaging holds a message to put a burst in order (the session's reorder window).
pub(super) const REORDER: f64 = 200.0;

/// The guest's token in the messaging tests.
pub(super) const TOKEN: &str = "tok-1";

/// A Web Messaging configuration (the emulator's shape: one local origin).
pub(crate) fn messaging_cfg() -> Config {
    let mut m: HashMap<&'static str, Cv> = HashMap::new();
    m.insert("transport", Cv::Object);
    m.insert("transport.type", Cv::Str(MESSAGING_TYPE.into()));
    m.insert("transport.dataURL", Cv::Str("http://emu".into()));
    m.insert("transport.deploymentId", Cv::Str("DEP".into()));
    Config::parse_with_messaging(&|p: &str| m.get(p).cloned().unwrap_or(Cv::Missing)).unwrap()
}

/// An outbound text from agent `name`, at second `at` of the chat.
pub(super) fn wm_agent_text(id: &str, name: &str, text: &str, at: u32) -> String {
    [
        r#"{"type":"message","class":"StructuredMessage","code":200,"body":{"id":""#,
        id,
        r#"","type":"Text","text":""#,
        text,
        r#"","direction":"Outbound","originatingEntity":"Human","channel":{"time":"2026-01-01T00:00:"#,
        &format!("{at:02}"),
        r#".000Z","from":{"nickname":""#,
        name,
        r#""}}}}"#,
    ]
    .concat()
}

/// An outbound event message from agent `name` (`events` as JSON), maybe read-only.
pub(super) fn wm_agent_event(id: &str, name: &str, events: &str, read_only: bool, at: u32) -> String {
    [
        r#"{"type":"message","class":"StructuredMessage","code":200,"body":{"id":""#,
        id,
        r#"","type":"Event","direction":"Outbound","events":"#,
        events,
        if read_only {
            r#","metadata":{"readOnly":"true"}"#
        } else {
            ""
        },
        r#","channel":{"time":"2026-01-01T00:00:"#,
        &format!("{at:02}"),
        r#".000Z","from":{"nickname":""#,
        name,
        r#""}}}}"#,
    ]
    .concat()
}

/// The echo of the guest's own text, answering the request traced `tracing`.
pub(super) fn wm_own_text(id: &str, text: &str, tracing: &str, at: u32) -> String {
    [
        r#"{"type":"response","class":"StructuredMessage","code":200,"body":{"id":""#,
        id,
        r#"","type":"Text","text":""#,
        text,
        r#"","direction":"Inbound","originatingEntity":"Human","channel":{"time":"2026-01-01T00:00:"#,
        &format!("{at:02}"),
        r#".000Z"}},"tracingId":""#,
        tracing,
        r#""}"#,
    ]
    .concat()
}

pub(super) fn wm_session(new_session: bool, read_only: bool) -> String {
    [
        r#"{"type":"response","class":"SessionResponse","code":200,"body":{"connected":true,"newSession":"#,
        if new_session { "true" } else { "false" },
        r#","readOnly":"#,
        if read_only { "true" } else { "false" },
        "}}",
    ]
    .concat()
}

impl Sim {
    /// A session of `tr` with the chat started and its stream open.
    pub(super) fn started_on(tr: Tr) -> Sim {
        match tr {
            Tr::GuestChat => {
                let mut sim = Sim::started(default_cfg());
                // The service reports the guest's member connected once the stream attaches.
                sim.frame(member_frame(me("CONNECTED")));
                sim
            }
            Tr::Messaging => {
                let mut sim = Sim::messaging();
                sim.cmd(Command::StartChat(MemberInfo {
                    display_name: Some("Jonny".into()),
                    ..Default::default()
                }));
                sim.open();
                sim.wm(&wm_session(true, false));
                sim.wm(r#"{"type":"response","class":"JwtResponse","code":200,"body":{"jwt":"eyJ.SECRET.jwt","exp":1}}"#);
                sim
            }
        }
    }

    /// A session configured for Web Messaging, a token given, not started.
    pub(super) fn messaging() -> Sim {
        let mut sim = Sim::new(messaging_cfg());
        sim.s.guest_token(TOKEN.into());
        sim
    }

    /// A frame from the messaging socket, as JSON text.
    pub(super) fn wm(&mut self, text: &str) {
        let f = crate::core::webmessaging::read::frame(&crate::core::guestchat::read::tests::parse(text));
        let ctx = self.ctx();
        self.s.messaging_frame(f, ctx);
        self.drain();
    }

    /// The `tracingId` of the last request sent on the socket.
    pub(super) fn last_tracing(&self) -> String {
        let last = self.sent.last().cloned().unwrap_or_default();
        let at = last.find(r#""tracingId":""#).map(|i| i + 13).unwrap_or(0);
        last[at..].split('"').next().unwrap_or("").to_string()
    }

    /// The agent Alice joins.
    pub(super) fn agent_joins(&mut self, tr: Tr) {
        match tr {
            Tr::GuestChat => {
                self.frame(member_frame(agent("A", "Alice", "CONNECTED")));
                // The service stores the join as a message too (the page's `ParticipantJoined`).
                let mut join = msg("j1", "A", "");
                join.body_type = "member-join".into();
                self.frame(msg_frame(join));
            }
            Tr::Messaging => self.wm(&wm_agent_event(
                "j1",
                "Alice",
                r#"[{"eventType":"Presence","presence":{"type":"Join"}}]"#,
                false,
                1,
            )),
        }
        if tr == Tr::Messaging {
            // Past the reorder window.
            self.advance(REORDER);
        }
    }

    /// Alice says `text` (message `id`, at second `at`).
    pub(super) fn agent_says(&mut self, tr: Tr, id: &str, text: &str, at: u32) {
        match tr {
            Tr::GuestChat => self.frame(msg_frame(msg(id, "A", text))),
            Tr::Messaging => self.wm(&wm_agent_text(id, "Alice", text, at)),
        }
        if tr == Tr::Messaging {
            // Past the reorder window.
            self.advance(REORDER);
        }
    }

    pub(super) fn agent_types(&mut self, tr: Tr) {
        match tr {
            Tr::GuestChat => self.frame(RawFrame {
                topic: "v2.conversations.chats.C.messages".into(),
                kind: Some("typing-indicator".into()),
                message: Some(msg("", "A", "")),
                ..Default::default()
            }),
            Tr::Messaging => self.wm(&wm_agent_event(
                "t1",
                "Alice",
                r#"[{"eventType":"Typing","typing":{"type":"On","duration":5000}}]"#,
                false,
                2,
            )),
        }
    }

    /// The server stores the guest's send in flight as message `id` and says so.
    pub(super) fn server_stores_send(&mut self, tr: Tr, id: &str, text: &str, at: u32) {
        match tr {
            Tr::GuestChat => {
                self.answer(
                    Method::Post,
                    "/members/M/messages",
                    ok(Reply::Message(msg(id, "M", text))),
                );
                self.frame(msg_frame(msg(id, "M", text)));
            }
            Tr::Messaging => {
                let t = self.last_tracing();
                self.wm(&wm_own_text(id, text, &t, at));
            }
        }
        if tr == Tr::Messaging {
            // Past the reorder window.
            self.advance(REORDER);
        }
    }

    /// The agent leaves and the conversation is over.
    pub(super) fn agent_ends_chat(&mut self, tr: Tr) {
        match tr {
            Tr::GuestChat => {
                for m in [agent("A", "Alice", "DISCONNECTED"), me("DISCONNECTED")] {
                    self.frame(member_frame(m));
                }
            }
            Tr::Messaging => self.wm(&wm_agent_event(
                "d1",
                "Alice",
                r#"[{"eventType":"Presence","presence":{"type":"Disconnect"}}]"#,
                true,
                9,
            )),
        }
        if tr == Tr::Messaging {
            // Past the reorder window.
            self.advance(REORDER);
        }
    }
}

/// A message as a shared case states it: its id, whether the agent Alice said it (else the guest), its text,
/// and its second in the chat (Web Messaging orders by it).
pub(super) type Said<'a> = (&'a str, bool, &'a str, u32);

/// The history path Web Messaging reads (its first page, the only one the shared cases need).
pub(super) const WM_HISTORY: &str = "/api/v2/webmessaging/messages?pageSize=100&pageNumber=1";

/// A Web Messaging message body (JSON) for `said`.
pub(super) fn wm_body(said: Said) -> String {
    let (id, agent, text, at) = said;
    let frame = if agent {
        wm_agent_text(id, "Alice", text, at)
    } else {
        wm_own_text(id, text, "", at)
    };
    let body = frame.split_once(r#""body":"#).map(|(_, b)| b).unwrap_or("");
    let end = body.rfind("},\"tracingId\"").map_or(body.len() - 1, |i| i + 1);
    body[..end].to_string()
}

/// A Web Messaging history page (`entities`: message bodies, newest first).
pub(super) fn wm_history(entities: &[impl AsRef<str>]) -> HttpResult {
    let text = [
        "{\"entities\":[",
        &entities
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<&str>>()
            .join(","),
        "],\"pageSize\":100,\"pageNumber\":1,\"pageCount\":1}",
    ]
    .concat();
    let parsed = crate::core::guestchat::read::tests::parse(&text);
    match crate::core::webmessaging::read::reply(Some(parsed)) {
        Some(reply) => HttpResult::Ok { status: 200, reply },
        None => panic!("not a page: {text}"),
    }
}

impl Sim {
    /// The open message read (a catch-up, a send's check, a restore) answered with `said`, oldest first; a
    /// catch-up's or restore's member read too (Guest Chat). Returns the message read.
    pub(super) fn answer_read(&mut self, tr: Tr, said: &[Said]) -> Request {
        match tr {
            Tr::GuestChat => {
                let msgs = said
                    .iter()
                    .map(|&(id, agent, text, _)| msg(id, if agent { "A" } else { "M" }, text))
                    .collect();
                let r = self.answer(Method::Get, "/messages?", page(msgs));
                if self.has(Method::Get, "/members?") {
                    self.answer(Method::Get, "/members?", members_answer());
                }
                r
            }
            Tr::Messaging => {
                let bodies: Vec<String> = said.iter().rev().map(|s| wm_body(*s)).collect();
                self.answer(Method::Get, WM_HISTORY, wm_history(&bodies))
            }
        }
    }

    /// After the socket dropped: the backoff passes, a socket opens (and, over Web Messaging, the session
    /// answers).
    pub(super) fn reconnect(&mut self, tr: Tr) {
        self.advance(2000.0);
        self.open();
        if tr == Tr::Messaging {
            self.wm(&wm_session(false, false));
        }
    }

    /// The send in flight is refused as a transient failure, before the server stored it (503; Web Messaging:
    /// code 5000).
    pub(super) fn refuse_send(&mut self, tr: Tr) {
        match tr {
            Tr::GuestChat => {
                self.answer(Method::Post, "/members/M/messages", status(503));
            }
            Tr::Messaging => {
                let t = self.last_tracing();
                self.wm(
                    &[
                        r#"{"type":"response","class":"string","code":5000,"body":"Unexpected error","tracingId":""#,
                        &t,
                        r#""}"#,
                    ]
                    .concat(),
                );
            }
        }
    }

    /// The server stored the guest's text and sends it to the session's stream, without answering the request
    /// (Web Messaging: a pushed `Inbound` message, no `tracingId`).
    pub(super) fn own_echo_pushed(&mut self, tr: Tr, id: &str, text: &str, at: u32) {
        match tr {
            Tr::GuestChat => self.frame(msg_frame(msg(id, "M", text))),
            Tr::Messaging => {
                let body = wm_body((id, false, text, at));
                self.wm(&[
                    r#"{"type":"message","class":"StructuredMessage","code":200,"body":"#,
                    &body,
                    "}",
                ]
                .concat());
                self.advance(REORDER);
            }
        }
    }

    /// How many times the guest's `text` was sent to the server.
    pub(super) fn sends_of(&self, tr: Tr, text: &str) -> usize {
        match tr {
            Tr::GuestChat => {
                let body = format!(r#"{{"body":"{text}","#);
                self.all
                    .iter()
                    .filter(|o| {
                        matches!(o, Output::Http { request, .. } if request.method == Method::Post
                        && request.url.ends_with("/members/M/messages")
                        && request.body.as_deref().is_some_and(|b| b.starts_with(&body)))
                    })
                    .count()
            }
            Tr::Messaging => {
                let needle = format!(r#""type":"Text","text":"{text}""#);
                self.sent.iter().filter(|s| s.contains(&needle)).count()
            }
        }
    }

    /// The agent Alice leaves (the chat goes on).
    pub(super) fn agent_leaves(&mut self, tr: Tr) {
        match tr {
            Tr::GuestChat => {
                self.frame(member_frame(agent("A", "Alice", "DISCONNECTED")));
                // The service stores the leave as a message too (the page's `ParticipantLeft`).
                let mut leave = msg("l1", "A", "");
                leave.body_type = "member-leave".into();
                self.frame(msg_frame(leave));
            }
            Tr::Messaging => {
                self.wm(&wm_agent_event(
                    "l1",
                    "Alice",
                    r#"[{"eventType":"Presence","presence":{"type":"Disconnect"}}]"#,
                    false,
                    8,
                ));
                self.advance(REORDER);
            }
        }
    }

    /// The guest ends the chat and the server agrees.
    pub(super) fn guest_ends_chat(&mut self, tr: Tr) -> u32 {
        let c = self.cmd(Command::EndChat);
        match tr {
            Tr::GuestChat => {
                self.answer(Method::Delete, "/conversations/C/members/M", ok(Reply::None));
            }
            Tr::Messaging => {
                self.wm(r#"{"type":"message","class":"SessionClearedEvent","code":200,"body":{}}"#)
            }
        }
        c
    }

    /// The page reloads: a new page (10 s later) boots from the snapshot this one left.
    pub(super) fn reload(&mut self, tr: Tr) -> Sim {
        let ctx = self.ctx();
        self.s.page_hide(ctx);
        self.drain();
        let snap = self.stored.clone().flatten();
        let mut page2 = Sim::new(tr.config());
        page2.now = self.now + 10_000.0;
        let ctx = page2.ctx();
        page2.s.boot(snap, ctx);
        page2.drain();
        page2
    }

    /// A restore's reads answered with `said` (the whole conversation, oldest first), then its stream opened
    /// and caught up.
    pub(super) fn restore_from(&mut self, tr: Tr, said: &[Said]) {
        self.answer_read(tr, said);
        self.reconnect_open(tr);
        self.answer_read(tr, said);
        if tr == Tr::Messaging {
            self.advance(REORDER);
        }
    }

    fn reconnect_open(&mut self, tr: Tr) {
        self.open();
        if tr == Tr::Messaging {
            self.wm(&wm_session(false, false));
        }
    }
}
