//! The simulator: plays the shell (it keeps the armed timers, the open requests and the socket state) in
//! simulated time; the tests play the server.

use std::collections::HashMap;

use crate::core::guestchat::{
    Created, MemberInfo, MessagePage, Method, RawFrame, Reply, Request, WireMember, WireMessage,
};
use crate::core::webchat::config::{Config, Value as Cv, TRANSPORT_TYPE};
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
        text: None,
    }
}

pub(super) fn heartbeat() -> RawFrame {
    RawFrame {
        topic: "channel.metadata".into(),
        text: Some("WebSocket Heartbeat".into()),
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
                Output::SocketSend(_) => {}
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
        sim.frame(RawFrame {
            topic: "v2.conversations.chats.C.members".into(),
            kind: Some("member-change".into()),
            member: Some(agent("A", "Alice", "CONNECTED")),
            ..Default::default()
        });
        sim
    }
}

pub(super) fn default_cfg() -> Config {
    config(|_| {})
}

pub(super) fn members_answer() -> HttpResult {
    ok(Reply::Members(vec![
        me("CONNECTED"),
        agent("A", "Alice", "CONNECTED"),
    ]))
}

pub(super) fn sends(sim: &Sim) -> usize {
    sim.all
        .iter()
        .filter(|o| matches!(o, Output::Http { request, .. } if request.method == Method::Post && request.url.ends_with("/members/M/messages")))
        .count()
}
