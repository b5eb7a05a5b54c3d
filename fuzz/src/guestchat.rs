//! Guest Chat v2 event-stream frames, HTTP answers, socket drops and timers through the WebChatService session
//! machine, which classifies each frame.

use cxbridge::core::guestchat::{
    Created, Expect, Frame, MemberInfo, MessagePage, RawFrame, Reply, WireMember, WireMessage,
};
use cxbridge::core::webchat::config::{Config, Value as Cv};
use cxbridge::core::webchat::{Command, Ctx, Event, Filter, HttpResult, Output, Session, Snapshot, Value};

use crate::input::{Src, SECRET};
use crate::json::is_json;

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
        avatar_image_url: s.opt_str(TEXTS),
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
        // The other transport's read: an empty page (this target drives Guest Chat sessions).
        Expect::MessagingHistory => Reply::MessagingHistory(Default::default()),
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

/// Plays the web shell around a [`Session`]: keeps the open requests and socket state, fires its timers, and checks
/// the outputs.
struct Shell {
    session: Session,
    now: f64,
    requests: Vec<(u32, Expect)>,
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

    /// `startChat`, the create answered, the stream opened: what every real chat goes through first.
    fn start_chat(&mut self, s: &mut Src) {
        self.commands += 1;
        let ctx = self.ctx(s);
        let member = MemberInfo {
            display_name: Some("Ann".into()),
            ..Default::default()
        };
        self.session
            .command(self.commands, Command::StartChat(member), ctx);
        self.drain();
        if let Some(i) = self.requests.iter().position(|(_, e)| *e == Expect::Created) {
            let (id, _) = self.requests.remove(i);
            let created = Created {
                conversation_id: "C".into(),
                member_id: "M".into(),
                jwt: SECRET.into(),
                event_stream_uri: "ws://emu/channels/streaming-1".into(),
            };
            let ctx = self.ctx(s);
            let reply = Reply::Created(created);
            self.session.http(id, HttpResult::Ok { status: 200, reply }, ctx);
            self.drain();
        }
        if self.sock == Sock::Opening {
            self.sock = Sock::Open;
            let ctx = self.ctx(s);
            self.session.socket_open(ctx);
            self.drain();
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
            8 if self.session.next_deadline().is_some() => {
                // The timers due first fire, as the shell's alarm would.
                self.now = self.now.max(self.session.next_deadline().unwrap_or(0.0));
                let ctx = self.ctx(s);
                self.session.expire(ctx);
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
        sock: Sock::None,
        commands: 0,
        settled: Vec::new(),
        delivered: Vec::new(),
    };
    let ctx = shell.ctx(&mut s);
    shell.session.configure(webchat_config_values(), ctx);
    // Sometimes a page that reloads mid-chat: a stored snapshot to restore.
    if s.u8() < 64 {
        // (A build with Web Messaging has one more field, the guest's name: left empty.)
        #[allow(clippy::needless_update)]
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
            ..Default::default()
        };
        let ctx = shell.ctx(&mut s);
        shell.session.boot(Some(snap), ctx);
    } else {
        let ctx = shell.ctx(&mut s);
        shell.session.boot(None, ctx);
    }
    shell.drain();
    // Most inputs start from a chat in progress (started, stream open), so the search spends its time there.
    if s.u8() < 160 {
        shell.start_chat(&mut s);
    }
    let mut steps = 0;
    while !s.is_empty() && steps < 4096 {
        shell.step(&mut s);
        steps += 1;
    }
}
