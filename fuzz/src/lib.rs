//! Fuzz drivers: each turns arbitrary bytes into inputs for one sans-IO core area and checks what must hold for
//! every input — no panic (under `panic = "abort"` a panic is a `RuntimeError: unreachable` that kills the page's
//! wasm), errors that name the problem, and the area's own invariants.
//!
//! The same functions run twice: under libFuzzer (`cargo fuzz run <target>`, `fuzz_targets/*.rs`), and bounded in
//! `npm test` (`tests/fuzz_corpus.rs` includes this file and replays the committed corpus plus generated inputs).
//! Bytes are read with [`Src`], which never fails: when the input runs out every read returns its smallest
//! value, so any byte string is a valid input and libFuzzer's mutations stay meaningful.
//!
//! The drivers play the web shell honestly: they answer only requests the core asked for, fire only timers it
//! armed, deliver frames only on a socket it opened. Inputs the browser can never produce are not interesting.

use cxbridge::core::analytics::{self, cif, Input};
use cxbridge::core::embedded::{self, Budget, Found, OriginPolicy, Rejection};
use cxbridge::core::guestchat::{
    Created, Expect, Frame, MemberInfo, MessagePage, RawFrame, Reply, WireMember, WireMessage,
};
use cxbridge::core::webchat::config::{Config, Value as Cv, PATHS};
use cxbridge::core::webchat::{
    Command, Ctx, Event, Filter, HttpResult, Output, Session, Snapshot, Timer, Value,
};

/// A reader over the fuzz input that never fails.
pub struct Src<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Src<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Src { data, pos: 0 }
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    pub fn u8(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        let v = (usize::from(self.u8()) << 8) | usize::from(self.u8());
        v % n
    }

    pub fn pick<'b, T>(&mut self, items: &'b [T]) -> Option<&'b T> {
        let i = self.below(items.len());
        items.get(i)
    }

    /// A number a page might pass: mostly edge cases, sometimes any f64 bit pattern.
    pub fn f64(&mut self) -> f64 {
        const EDGES: [f64; 24] = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            2.0,
            10.0,
            100.0,
            101.0,
            255.0,
            256.0,
            1000.0,
            4000.0,
            65535.0,
            65536.0,
            4294967295.0,
            4294967296.0,
            9007199254740991.0,
            1e300,
            -1e300,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1525856019.895,
        ];
        if self.u8() < 200 {
            return EDGES.get(self.below(EDGES.len())).copied().unwrap_or(0.0);
        }
        let mut b = [0u8; 8];
        for x in &mut b {
            *x = self.u8();
        }
        f64::from_le_bytes(b)
    }

    /// A string: a dictionary word (the area's vocabulary) or raw bytes, lossily decoded as UTF-8 as a JS string
    /// copied into wasm would be.
    pub fn str(&mut self, dict: &[&str]) -> String {
        let tag = self.u8();
        if tag < 160 && !dict.is_empty() {
            return self.pick(dict).copied().unwrap_or("").to_string();
        }
        let len = match tag {
            250..=255 => usize::from(self.u8()) * 64,
            _ => usize::from(self.u8() % 48),
        };
        let start = self.pos.min(self.data.len());
        let end = (start + len).min(self.data.len());
        self.pos = start + len;
        let raw = self.data.get(start..end).unwrap_or(&[]);
        let mut out = String::from_utf8_lossy(raw).into_owned();
        // The guest JWT is never something a page or server says: any occurrence in an output is a leak.
        while out.contains(SECRET) {
            out = out.replace(SECRET, "");
        }
        out
    }

    pub fn opt_str(&mut self, dict: &[&str]) -> Option<String> {
        if self.bool() {
            Some(self.str(dict))
        } else {
            None
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Guest Chat frames through the WebChatService session machine

/// The guest JWT the server hands out. It may appear only in the `Authorization` header and in the session
/// snapshot: [`Src::str`] never produces it, so seeing it anywhere else is a leak.
pub const SECRET: &str = "eyJ.SECRET.jwt";

const IDS: &[&str] = &["C", "M", "A", "B", "m1", "m2", "m3", "m4", "", "C.messages", "X"];
const TOPICS: &[&str] = &[
    "v2.conversations.chats.C.messages",
    "v2.conversations.chats.C.members",
    "channel.metadata",
    "v2.conversations.chats.X.messages",
    "v2.conversations.chats..messages",
    "v2.conversations.chats.C",
    "v2.conversations.chats.C.messages.extra",
    "v2.conversations.chats.",
    "",
];
const KINDS: &[&str] = &["message", "typing-indicator", "member-change", ""];
const STATES: &[&str] = &["CONNECTED", "DISCONNECTED", "ALERTING", "connected", ""];
const ROLES: &[&str] = &["AGENT", "CUSTOMER", "WORKFLOW", "ACD", "agent", ""];
const BODY_TYPES: &[&str] = &["standard", "notice", "member-join", "member-leave", ""];
const TEXTS: &[&str] = &[
    "hello",
    "You said: hello",
    "WebSocket Heartbeat",
    "pong",
    "",
    "2026-01-01T00:00:00Z",
    "<script>alert(1)</script>",
    "\"quoted\" \\ back\u{0}slash\n",
    "Alex",
];

fn wire_message(s: &mut Src) -> WireMessage {
    WireMessage {
        id: s.str(IDS),
        sender_id: s.str(IDS),
        body: s.str(TEXTS),
        body_type: s.str(BODY_TYPES),
        timestamp: s.str(TEXTS),
        timestamp_ms: s.f64(),
    }
}

fn wire_member(s: &mut Src) -> WireMember {
    WireMember {
        id: s.str(IDS),
        display_name: s.opt_str(TEXTS),
        role: s.opt_str(ROLES),
        state: s.opt_str(STATES),
    }
}

/// A frame as the shell copies it out of `JSON.parse(event.data)`.
pub fn raw_frame(s: &mut Src) -> RawFrame {
    RawFrame {
        topic: s.str(TOPICS),
        kind: s.opt_str(KINDS),
        message: if s.bool() { Some(wire_message(s)) } else { None },
        member: if s.bool() { Some(wire_member(s)) } else { None },
        text: s.opt_str(TEXTS),
    }
}

fn reply(s: &mut Src, expect: Expect) -> Reply {
    // Mostly what was asked for; sometimes another shape (a server that answers something else).
    let kind = if s.u8() < 220 {
        expect
    } else {
        *s.pick(&EXPECTS).unwrap_or(&Expect::Nothing)
    };
    match kind {
        Expect::Nothing => Reply::None,
        Expect::Created => Reply::Created(Created {
            conversation_id: s.str(IDS),
            member_id: s.str(IDS),
            jwt: SECRET.into(),
            event_stream_uri: s.str(&["ws://emu/channels/streaming-1", ""]),
        }),
        Expect::Message => Reply::Message(wire_message(s)),
        Expect::Messages => {
            let n = s.below(6);
            Reply::Messages(MessagePage {
                entities: (0..n).map(|_| wire_message(s)).collect(),
                next: s.opt_str(&["?after=m2"]),
                previous: s.opt_str(&["?before=m1"]),
            })
        }
        Expect::Members => {
            let n = s.below(5);
            Reply::Members((0..n).map(|_| wire_member(s)).collect())
        }
        Expect::Member => Reply::Member(wire_member(s)),
    }
}

const EXPECTS: [Expect; 6] = [
    Expect::Nothing,
    Expect::Created,
    Expect::Message,
    Expect::Messages,
    Expect::Members,
    Expect::Member,
];

fn filter(s: &mut Src) -> Filter {
    Filter {
        source: s.str(&["\\d{4}", "secret", ".*", "("]),
        flags: s.str(&["g", "gi", ""]),
    }
}

fn command(s: &mut Src) -> Command {
    match s.below(24) {
        0 => Command::StartChat(MemberInfo {
            display_name: s.opt_str(TEXTS),
            first_name: s.opt_str(TEXTS),
            email: s.opt_str(&["ann@example.com"]),
            custom_fields: if s.bool() {
                vec![(s.str(&["plan"]), s.str(TEXTS))]
            } else {
                Vec::new()
            },
            ..Default::default()
        }),
        1 => Command::EndChat,
        2..=5 => Command::SendMessage(s.opt_str(TEXTS)),
        6 => Command::SendFilteredMessage(s.opt_str(TEXTS), filter(s)),
        7 => Command::AddPrefilter((0..s.below(3)).map(|_| filter(s)).collect()),
        8 => Command::SendTyping,
        9 => Command::SendCustomNotice,
        10 => Command::SendFile,
        11 => Command::DownloadFile,
        12 => Command::FetchHistory,
        13 => Command::Restore { internal: s.bool() },
        14 => Command::Poll { internal: s.bool() },
        15 => Command::StartPoll,
        16 => Command::StopPoll,
        17 => Command::ResetPollExceptions,
        18 => Command::UpdateUserData,
        19 => Command::GetTranscript,
        20 => Command::GetAgents,
        21 => Command::GetStats,
        22 => Command::GetSessionData,
        _ => Command::VerifySession,
    }
}

#[derive(PartialEq)]
enum Sock {
    None,
    Opening,
    Open,
}

/// Plays the web shell around a [`Session`]: keeps the open requests, armed timers and socket state, and checks
/// the outputs.
struct Shell {
    session: Session,
    now: f64,
    requests: Vec<(u32, Expect)>,
    /// Armed timers and their deadlines, in arming order (a Vec, so runs are reproducible).
    timers: Vec<(Timer, f64)>,
    sock: Sock,
    commands: u32,
    settled: Vec<u32>,
    /// Ids delivered by `messageReceived` (not restoring) in the current conversation.
    delivered: Vec<String>,
}

impl Shell {
    fn ctx(&self, s: &mut Src) -> Ctx {
        Ctx {
            now: self.now,
            random: f64::from(s.u8()) / 256.0,
        }
    }

    fn drain(&mut self) {
        for o in self.session.take_outputs() {
            match o {
                Output::Http { id, request } => {
                    assert!(
                        !request.url.contains(SECRET),
                        "the JWT must never be put in a URL: {}",
                        request.url
                    );
                    if let Some(body) = &request.body {
                        assert!(is_json(body), "request body is not JSON: {body}");
                        assert!(!body.contains(SECRET), "the JWT must never be in a body: {body}");
                    }
                    self.requests.push((id, request.expect));
                }
                Output::SocketOpen { url } => {
                    assert!(!url.contains(SECRET), "the JWT must never be in the socket URL");
                    self.sock = Sock::Opening;
                }
                Output::SocketSend(text) => assert!(is_json(&text), "socket frame is not JSON: {text}"),
                Output::SocketClose => self.sock = Sock::None,
                Output::Arm { timer, ms } => {
                    self.timers.retain(|(t, _)| *t != timer);
                    self.timers.push((timer, self.now + f64::from(ms)));
                }
                Output::Cancel(timer) => self.timers.retain(|(t, _)| *t != timer),
                Output::Publish(event) => self.published(event),
                Output::Resolve { cmd, value } | Output::Reject { cmd, value } => {
                    assert!(
                        cmd >= 1 && cmd <= self.commands,
                        "settled command {cmd} was never sent"
                    );
                    assert!(!self.settled.contains(&cmd), "command {cmd} settled twice");
                    self.settled.push(cmd);
                    if let Value::Text(t) = &value {
                        assert!(!t.contains(SECRET), "the JWT must never be in a message");
                    }
                }
                Output::Store(_) | Output::Journey { .. } => {}
            }
        }
    }

    fn published(&mut self, event: Event) {
        match event {
            Event::Started(_) | Event::Ended => self.delivered.clear(),
            Event::MessageReceived {
                messages,
                restoring: false,
                ..
            } => {
                for m in messages {
                    if m.id.is_empty() || m.kind != "Message" {
                        continue;
                    }
                    assert!(
                        !self.delivered.contains(&m.id),
                        "message {:?} delivered twice",
                        m.id
                    );
                    self.delivered.push(m.id);
                }
            }
            Event::Error(ajax) => {
                if let cxbridge::core::webchat::AjaxBody::Text(t) = &ajax.body {
                    assert!(!t.contains(SECRET), "the JWT must never be in an error");
                }
            }
            _ => {}
        }
    }

    fn step(&mut self, s: &mut Src) {
        match s.below(14) {
            0..=3 if self.sock == Sock::Open => {
                let raw = raw_frame(s);
                let _ = Frame::classify(raw.clone(), "C");
                let ctx = self.ctx(s);
                self.session.frame(raw, ctx);
            }
            4..=5 if !self.requests.is_empty() => {
                let i = s.below(self.requests.len());
                let (id, expect) = self.requests.remove(i);
                let result = match s.below(8) {
                    0..=4 => HttpResult::Ok {
                        status: *s.pick(&[200u16, 201, 204]).unwrap_or(&200),
                        reply: reply(s, expect),
                    },
                    5 | 6 => HttpResult::Status {
                        status: *s
                            .pick(&[400u16, 401, 403, 404, 408, 429, 500, 503, 0, 999])
                            .unwrap_or(&503),
                        status_text: s.str(TEXTS),
                        text: s.str(&["{}", "{\"message\":\"x\"}", ""]),
                    },
                    _ => HttpResult::Network(s.str(&["Failed to fetch"])),
                };
                let ctx = self.ctx(s);
                self.session.http(id, result, ctx);
            }
            6 if self.sock == Sock::Opening => {
                self.sock = Sock::Open;
                let ctx = self.ctx(s);
                self.session.socket_open(ctx);
            }
            7 if self.sock != Sock::None => {
                self.sock = Sock::None;
                let ctx = self.ctx(s);
                self.session.socket_closed(ctx);
            }
            8 if !self.timers.is_empty() => {
                // The timer due first fires, as setTimeout would.
                let (i, _) = self
                    .timers
                    .iter()
                    .enumerate()
                    .min_by(|a, b| a.1 .1.total_cmp(&b.1 .1))
                    .unwrap_or((0, &(Timer::Heartbeat, 0.0)));
                let (timer, at) = self.timers.remove(i);
                self.now = self.now.max(at);
                let ctx = self.ctx(s);
                self.session.timer(timer, ctx);
            }
            9 => {
                self.now += *s
                    .pick(&[0.0, 1.0, 500.0, 2000.0, 3000.0, 15000.0, 61000.0])
                    .unwrap_or(&0.0);
            }
            10 => {
                let ctx = self.ctx(s);
                self.session.key(ctx);
            }
            11 if s.u8() < 16 => {
                let ctx = self.ctx(s);
                self.session.page_hide(ctx);
            }
            _ => {
                self.commands += 1;
                let c = command(s);
                let ctx = self.ctx(s);
                self.session.command(self.commands, c, ctx);
            }
        }
        self.drain();
    }
}

fn webchat_config_values() -> Config {
    let get = |p: &str| match p {
        "transport" => Cv::Object,
        "transport.type" => Cv::Str("purecloud-v2-sockets".into()),
        "transport.dataURL" => Cv::Str("http://emu".into()),
        "transport.deploymentKey" => Cv::Str("KEY".into()),
        "transport.orgGuid" => Cv::Str("ORG".into()),
        "transport.interactionData.routing.targetAddress" => Cv::Str("Support".into()),
        _ => Cv::Missing,
    };
    match Config::parse(&get) {
        Ok(c) => c,
        Err(e) => unreachable_config(&e.0),
    }
}

#[allow(clippy::panic)]
fn unreachable_config(e: &str) -> ! {
    panic!("the fixed fuzz configuration is refused: {e}")
}

/// Guest Chat v2 event-stream frames, HTTP answers, socket drops and timers, in any order, through the
/// WebChatService session machine (which classifies each frame with [`Frame::classify`]).
pub fn guestchat_frame(data: &[u8]) {
    let mut s = Src::new(data);
    let mut shell = Shell {
        session: Session::new(),
        now: 1_000_000.0,
        requests: Vec::new(),
        timers: Vec::new(),
        sock: Sock::None,
        commands: 0,
        settled: Vec::new(),
        delivered: Vec::new(),
    };
    let ctx = shell.ctx(&mut s);
    shell.session.configure(webchat_config_values(), ctx);
    // Sometimes a page that reloads mid-chat: a stored snapshot to restore.
    if s.u8() < 64 {
        let snap = Snapshot {
            conversation_id: s.str(IDS),
            member_id: s.str(IDS),
            jwt: SECRET.into(),
            event_stream_uri: "ws://emu/channels/streaming-1".into(),
            last_message_id: s.opt_str(IDS),
            filters: Vec::new(),
            start_time: s.f64(),
            saved_at: shell.now - f64::from(s.u8()) * 1000.0,
            journey: s.bool(),
        };
        let ctx = shell.ctx(&mut s);
        shell.session.boot(Some(snap), ctx);
    } else {
        let ctx = shell.ctx(&mut s);
        shell.session.boot(None, ctx);
    }
    shell.drain();
    let mut steps = 0;
    while !s.is_empty() && steps < 4096 {
        shell.step(&mut s);
        steps += 1;
    }
}

// ---------------------------------------------------------------------------------------------------------------
// WebChatService configuration

const CONFIG_STRINGS: &[&str] = &[
    "purecloud-v2-sockets",
    "http://emu",
    "https://api.mypurecloud.com",
    "ftp://x",
    "",
    "   ",
    "QUEUE",
    "Support",
    "en-us",
    "KEY",
    "ORG",
    "\"}{",
];

fn config_value(s: &mut Src) -> Cv {
    match s.below(10) {
        0 | 1 => Cv::Missing,
        2 => Cv::Bool(s.bool()),
        3 | 4 => Cv::Number(s.f64()),
        5..=7 => Cv::Str(s.str(CONFIG_STRINGS)),
        8 => Cv::Array((0..s.below(4)).map(|_| s.opt_str(CONFIG_STRINGS)).collect()),
        _ => {
            if s.bool() {
                Cv::Object
            } else {
                Cv::Other(
                    s.pick(&["null", "function", "symbol", "bigint"])
                        .unwrap_or(&"null"),
                )
            }
        }
    }
}

/// `_genesys.widgets.webchat` with any value at any path WebChatService reads: a configuration, or an error that
/// names one of those paths; a valid one must build well-formed create requests.
pub fn webchat_config(data: &[u8]) {
    let mut s = Src::new(data);
    // Start from a valid configuration and disturb some paths, so the fuzzer reaches the later checks.
    let mut values: Vec<(&str, Cv)> = Vec::new();
    for (path, v) in [
        ("transport", Cv::Object),
        ("transport.type", Cv::Str("purecloud-v2-sockets".into())),
        ("transport.dataURL", Cv::Str("http://emu".into())),
        ("transport.deploymentKey", Cv::Str("KEY".into())),
        ("transport.orgGuid", Cv::Str("ORG".into())),
        (
            "transport.interactionData.routing.targetAddress",
            Cv::Str("Support".into()),
        ),
    ] {
        values.push((path, v));
    }
    while !s.is_empty() {
        let Some(path) = s.pick(PATHS).copied() else { break };
        let v = config_value(&mut s);
        values.retain(|(p, _)| *p != path);
        values.push((path, v));
    }
    let get = |p: &str| {
        values
            .iter()
            .find(|(q, _)| *q == p)
            .map(|(_, v)| v.clone())
            .unwrap_or(Cv::Missing)
    };
    match Config::parse(&get) {
        Ok(config) => {
            let r = config.endpoint.create(
                &config.routing,
                &MemberInfo {
                    display_name: Some("Ann \"A\" \\ \u{1}".into()),
                    ..Default::default()
                },
                config.journey.as_ref(),
            );
            let body = r.body.unwrap_or_default();
            assert!(is_json(&body), "create body is not JSON: {body}");
        }
        Err(e) => {
            let prefix = "WebChatService configuration: ";
            assert!(
                e.0.starts_with(prefix),
                "unexplained configuration error: {}",
                e.0
            );
            assert!(
                PATHS
                    .iter()
                    .any(|p| e.0.get(prefix.len()..).is_some_and(|rest| rest.starts_with(p))),
                "a configuration error must name the path: {}",
                e.0
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Embedded UI messages

const ORIGINS: &[&str] = &[
    "https://acme.digital.ringcentral.com",
    "http://127.0.0.1:8080",
    "http://localhost:8080",
    "http://localhost:80",
    "https://acme.digital.ringcentral.com/",
    "https://ACME.digital.ringcentral.com",
    "http://[::1]:8080",
    "http://[::1",
    "null",
    "*",
    "",
    "https://",
    "http://a:",
    "http://a:0",
    "http://a:99999",
];

const EVENT_NAMES: &[&str] = &[
    "smcc:content:reply",
    "smcc:content:initiate_discussion",
    "smcc:content:intervention_opened",
    "smcc:content:intervention_closed",
    "smcc:content_thread:selected",
    "smcc:identity:show",
    "smcc:task:selected",
    "smcc:task:ring",
    "smcc:task:missed",
    "smcc:task:updated",
    "smcc:user:disconnected",
    "smcc:future:event",
    "smcc:",
    "smcc:bad name",
    "other:event",
    "*",
];

const KEYS: &[&str] = &[
    "Id",
    "author",
    "body",
    "channelId",
    "contentId",
    "contentThreadId",
    "firstIdentityId",
    "id",
    "identityId",
    "inReplyToAuthorId",
    "inReplyToId",
    "interventionId",
    "lastContentId",
    "lastIdentityContentBody",
    "queue",
    "sourceId",
    "taskID",
    "threadId",
    "identityAvatarUrl",
    "identitySignature",
    "lastIdentityContentCreatedAt",
    "lastUpdatedContentAt",
    "waitingForUser",
    "segmentIndex",
    "Timestamp",
    "x",
];

/// A JSON-like value as the shell's bounded copy of `event.data.data` sees it.
#[derive(Clone, Debug)]
enum Js {
    Undefined,
    Null,
    Bool,
    Number,
    Str,
    Array(Vec<Js>),
    Object(Vec<(String, Js)>),
    /// A function, symbol, bigint, Date, Map… (refused as not JSON).
    Exotic,
    /// A getter (read without running it: refused as unreadable).
    Getter,
}

fn js(s: &mut Src, depth: usize) -> Js {
    let kind = s.below(if depth > 40 { 7 } else { 10 });
    match kind {
        0 => Js::Undefined,
        1 => Js::Null,
        2 => Js::Bool,
        3 => Js::Number,
        4 | 5 => Js::Str,
        6 => {
            if s.u8() < 8 {
                Js::Getter
            } else {
                Js::Exotic
            }
        }
        7 => {
            // Sometimes a wide array, to reach the size budget.
            let n = if s.u8() == 255 { 20_000 } else { s.below(4) };
            Js::Array(vec![Js::Null; n])
        }
        _ => {
            let n = s.below(5);
            Js::Object((0..n).map(|_| (s.str(KEYS), js(s, depth + 1))).collect())
        }
    }
}

/// Mirrors `web::embedded::copy`: every value entered in the budget, containers reserved before their walk.
fn copy(v: &Js, depth: usize, budget: &mut Budget) -> Result<(), Rejection> {
    budget.enter(depth)?;
    match v {
        Js::Exotic => Err(Rejection::NotJson),
        Js::Getter => Err(Rejection::Unreadable),
        Js::Array(items) => {
            budget.reserve(items.len())?;
            budget.release(items.len());
            for i in items {
                copy(i, depth + 1, budget)?;
            }
            Ok(())
        }
        Js::Object(entries) => {
            budget.reserve(entries.len())?;
            budget.release(entries.len());
            for (_, i) in entries {
                copy(i, depth + 1, budget)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn found(data: &[(String, Js)], key: &str) -> Found {
    match data.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v) {
        None => Found::Missing,
        Some(Js::Undefined) => Found::Undefined,
        Some(Js::Null) => Found::Null,
        Some(Js::Bool) => Found::Boolean,
        Some(Js::Number) => Found::Number,
        Some(Js::Str) => Found::String,
        Some(Js::Array(_)) => Found::Array,
        Some(Js::Object(_)) => Found::Object,
        Some(Js::Exotic | Js::Getter) => Found::Other,
    }
}

/// A deeply nested value: a cyclic object as the bounded copy meets it.
fn nest(depth: usize) -> Js {
    let mut v = Js::Null;
    for _ in 0..depth {
        v = Js::Object(vec![("self".into(), v)]);
    }
    v
}

/// `listen({allowedOrigins, allowAnyOrigin})`, then one posted message `{name, data}` from some origin: refused
/// with a reason, or accepted only from an allowed origin with a well-formed name and a payload of the documented
/// shape.
pub fn embedded_event(data: &[u8]) {
    let mut s = Src::new(data);
    let origins: Vec<Option<String>> = (0..s.below(4))
        .map(|_| if s.u8() < 240 { Some(s.str(ORIGINS)) } else { None })
        .collect();
    let allow_any = s.u8() < 32;
    let policy = match OriginPolicy::new(origins.clone(), allow_any) {
        Ok(p) => p,
        Err(e) => {
            assert!(e.describe().starts_with("cxbridge.embedded.listen: "));
            return;
        }
    };
    for o in origins.iter().flatten() {
        if o != "*" && !allow_any {
            assert!(
                embedded::is_serialized_origin(o),
                "{o:?} was allowed but is not an origin"
            );
            assert_eq!(policy.check(o), Ok(()), "an allowed origin {o:?} is refused");
        }
    }
    while !s.is_empty() {
        let origin = s.str(ORIGINS);
        let name = s.str(EVENT_NAMES);
        let data = match s.below(8) {
            0 => None,
            1 => Some(nest(33 + s.below(8))),
            _ => Some(js(&mut s, 0)),
        };
        let verdict = judge(&policy, &origin, &name, data.as_ref());
        match verdict {
            Ok(()) => {
                assert!(allow_any || origins.iter().flatten().any(|o| *o == origin));
                assert_ne!(origin, "null");
                assert!(name.starts_with("smcc:") && name.len() <= embedded::MAX_NAME_LEN);
            }
            Err(r) => {
                assert!(!r.describe().is_empty());
                let _ = r.is_malformed_event();
            }
        }
    }
}

fn judge(policy: &OriginPolicy, origin: &str, name: &str, data: Option<&Js>) -> Result<(), Rejection> {
    policy.check(origin)?;
    let spec = embedded::check_name(name)?;
    let entries: Vec<(String, Js)> = match data {
        None | Some(Js::Null) if spec.is_some_and(|s| s.keys.is_empty()) => Vec::new(),
        Some(v @ Js::Object(entries)) => {
            copy(v, 0, &mut Budget::new())?;
            entries.clone()
        }
        _ => return Err(Rejection::DataNotObject),
    };
    if let Some(spec) = spec {
        embedded::check_payload(spec, |key| found(&entries, key))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------------
// CIF logAnalyticsEvent and analytics.configure

const CIF_KEYS: &[&str] = &[
    "conversationId",
    "providerSessionId",
    "clientSessionId",
    "participantId",
    "events",
    "kpiEventName",
    "kpiEventReason",
    "eventTimestamp",
    "additionalData",
    "notificationResponseAction",
    "externalCorrelationId",
    "customData",
    "attribute",
    "value",
    "endpoint",
    "dataLayer",
    "batchSize",
    "flushIntervalMs",
    "maxQueue",
    "retryBaseMs",
    "retryMaxMs",
    "maxEventBytes",
    "sources",
    "consent",
    "format",
    "writeKey",
    "anonymousId",
    "busEvents",
    "__proto__",
];

const CIF_STRINGS: &[&str] = &[
    "conv-1",
    "ChatStarted",
    "",
    "https://collector.example/x",
    "http://127.0.0.1:8080/collector",
    "javascript:alert(1)",
    "/collector",
    "dataLayer",
    "my-layer",
    "ac",
    "CXBus",
    "CIF",
    "EngageDigitalEmbeddedUI",
    "segment",
    "envelope",
    "2026-01-01T00:00:00Z",
];

fn input(s: &mut Src, depth: usize) -> Input {
    match s.below(if depth > 8 { 7 } else { 10 }) {
        0 => Input::Missing,
        1 => Input::Null,
        2 => Input::Bool(s.bool()),
        3 => Input::Number(s.f64()),
        4 | 5 => Input::Str(s.str(CIF_STRINGS)),
        6 => Input::Other(s.pick(&["function", "symbol", "bigint"]).unwrap_or(&"function")),
        7 => Input::List((0..s.below(4)).map(|_| input(s, depth + 1)).collect()),
        _ => Input::Map(
            (0..s.below(6))
                .map(|_| (s.str(CIF_KEYS), input(s, depth + 1)))
                .collect(),
        ),
    }
}

/// A CIF payload that is mostly right, so the fuzzer reaches the nested checks.
fn cif_data(s: &mut Src) -> Input {
    let mut entries = vec![
        ("conversationId".to_string(), Input::Str("conv-1".into())),
        ("providerSessionId".to_string(), Input::Str("p-1".into())),
    ];
    let events = (0..s.below(3))
        .map(|_| {
            let mut e = vec![("kpiEventName".to_string(), Input::Str("ChatStarted".into()))];
            for _ in 0..s.below(4) {
                e.push((s.str(CIF_KEYS), input(s, 3)));
            }
            Input::Map(e)
        })
        .collect();
    entries.push(("events".to_string(), Input::List(events)));
    for _ in 0..s.below(3) {
        entries.push((s.str(CIF_KEYS), input(s, 1)));
    }
    Input::Map(entries)
}

/// `logAnalyticsEvent(data, eventName, correlationId)` and `analytics.configure(options)` with any values: either
/// accepted, or refused with a message that says which call and names the field.
pub fn cif_payload(data: &[u8]) {
    let mut s = Src::new(data);
    while !s.is_empty() {
        let d = if s.bool() {
            cif_data(&mut s)
        } else {
            input(&mut s, 0)
        };
        let name = input(&mut s, 6);
        let corr = input(&mut s, 6);
        if let Err(e) = cif::validate(&d, &name, &corr) {
            assert!(e.starts_with("logAnalyticsEvent: "), "unexplained CIF error: {e}");
            assert!(
                ["data", "eventName", "correlationId"]
                    .iter()
                    .any(|f| e.contains(f)),
                "a CIF error must name the argument: {e}"
            );
        }
        let options = input(&mut s, 0);
        let base = analytics::config::Config::default();
        match base.merged(&options) {
            Ok(c) => {
                let _ = c.has_destination();
                for src in analytics::Source::ALL {
                    let _ = c.accepts(src, "x");
                }
            }
            Err(e) => assert!(!e.is_empty()),
        }
        let _ = analytics::retry_after_seconds(&s.str(&["120", " 5 ", "-1", "99999999999999999999999", ""]));
    }
}

// ---------------------------------------------------------------------------------------------------------------

/// Whether `s` is one well-formed JSON value (RFC 8259), so a request body the core wrote by hand parses.
pub fn is_json(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let ok = value(b, &mut i, 0);
    ws(b, &mut i);
    ok && i == b.len()
}

fn ws(b: &[u8], i: &mut usize) {
    while matches!(b.get(*i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        *i += 1;
    }
}

fn lit(b: &[u8], i: &mut usize, word: &[u8]) -> bool {
    if b.get(*i..*i + word.len()) == Some(word) {
        *i += word.len();
        true
    } else {
        false
    }
}

fn value(b: &[u8], i: &mut usize, depth: usize) -> bool {
    if depth > 64 {
        return false;
    }
    ws(b, i);
    match b.get(*i) {
        Some(b'{') => {
            *i += 1;
            ws(b, i);
            if b.get(*i) == Some(&b'}') {
                *i += 1;
                return true;
            }
            loop {
                ws(b, i);
                if !string(b, i) {
                    return false;
                }
                ws(b, i);
                if b.get(*i) != Some(&b':') {
                    return false;
                }
                *i += 1;
                if !value(b, i, depth + 1) {
                    return false;
                }
                ws(b, i);
                match b.get(*i) {
                    Some(b',') => *i += 1,
                    Some(b'}') => {
                        *i += 1;
                        return true;
                    }
                    _ => return false,
                }
            }
        }
        Some(b'[') => {
            *i += 1;
            ws(b, i);
            if b.get(*i) == Some(&b']') {
                *i += 1;
                return true;
            }
            loop {
                if !value(b, i, depth + 1) {
                    return false;
                }
                ws(b, i);
                match b.get(*i) {
                    Some(b',') => *i += 1,
                    Some(b']') => {
                        *i += 1;
                        return true;
                    }
                    _ => return false,
                }
            }
        }
        Some(b'"') => string(b, i),
        Some(b't') => lit(b, i, b"true"),
        Some(b'f') => lit(b, i, b"false"),
        Some(b'n') => lit(b, i, b"null"),
        Some(b'-' | b'0'..=b'9') => number(b, i),
        _ => false,
    }
}

fn string(b: &[u8], i: &mut usize) -> bool {
    if b.get(*i) != Some(&b'"') {
        return false;
    }
    *i += 1;
    loop {
        match b.get(*i) {
            None => return false,
            Some(b'"') => {
                *i += 1;
                return true;
            }
            Some(b'\\') => {
                *i += 1;
                match b.get(*i) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => *i += 1,
                    Some(b'u') => {
                        let hex = b.get(*i + 1..*i + 5);
                        if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                            return false;
                        }
                        *i += 5;
                    }
                    _ => return false,
                }
            }
            Some(c) if *c < 0x20 => return false,
            Some(_) => *i += 1,
        }
    }
}

fn number(b: &[u8], i: &mut usize) -> bool {
    let digits = |b: &[u8], i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    if b.get(*i) == Some(&b'-') {
        *i += 1;
    }
    if b.get(*i) == Some(&b'0') {
        *i += 1;
    } else if !digits(b, i) {
        return false;
    }
    if b.get(*i) == Some(&b'.') {
        *i += 1;
        if !digits(b, i) {
            return false;
        }
    }
    if matches!(b.get(*i), Some(b'e' | b'E')) {
        *i += 1;
        if matches!(b.get(*i), Some(b'+' | b'-')) {
            *i += 1;
        }
        if !digits(b, i) {
            return false;
        }
    }
    true
}
