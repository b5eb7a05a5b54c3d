//! The soak, natively: the session machine against a model of each server it speaks to (the Guest Chat API, and
//! the Web Messaging guest API in [`messaging`]), under the same faults as `npm run soak` (sends refused before
//! or after storing, sockets cut without a close frame, stalls, slow answers, failed reads) plus reloads, on
//! simulated time, over many random schedules. Every schedule must end with each message stored once, in sending
//! order, every send resolved (but those whose page went away first: stored at most once), and every stored
//! message delivered once, in the server's order (a reloaded page: what it restored, then what came live).
//!
//! The Guest Chat model follows the emulator: `GET messages?after=` pages forward from a known id, without `after`
//! it is the newest page; a socket is attached (receives fan-out) before the client sees it open; a cut loses the
//! frames still on their way; an accept-then-fail stores the message, fans it out and answers 503.

mod messaging;

use std::collections::{BTreeMap, HashSet};

use super::tests::sim::Tr;
use super::*;
use crate::core::guestchat::{
    Created, MemberInfo, MessagePage, Method, RawFrame, Reply, WireMember, WireMessage,
};
use crate::core::webmessaging::read::Frame as WmFrame;

/// xorshift64*: deterministic schedules from a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f()
    }
    fn chance(&mut self, p: f64) -> bool {
        self.f() < p
    }
    /// An index below `n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A frame on its way down a socket, in its API's shape.
#[derive(Debug, Clone)]
enum Down {
    Chat(RawFrame),
    Messaging(WmFrame),
}

#[derive(Debug, Clone)]
enum Ev {
    /// The page calls sendMessage.
    Send(u32),
    /// A request of page `page` reaches the server.
    ServerHttp(u32, u32, Request),
    /// Its answer reaches page `page` (gone when the page was reloaded meanwhile).
    ClientHttp(u32, u32, HttpResult),
    /// The server holds socket `gen`'s connection (and, for Guest Chat, attaches it: before the client's `open`,
    /// as the emulator does).
    ServerAttach(u32),
    ClientOpen(u32),
    ClientFrame(u32, Down),
    /// A text the client wrote on socket `gen` reaches the server (Web Messaging's requests).
    ServerSocket(u32, String),
    /// The server notices that socket `gen` closed (its page went away).
    ServerClose(u32),
    ClientClosed(u32),
    /// The server closes every socket without a close frame.
    Cut,
    AgentReply(String),
    /// Guest Chat: the agent leaves, or comes back (a member-change frame and a member-leave or member-join
    /// message, as the service sends them).
    AgentPresence,
    Heartbeat,
    /// The page reloads: a new session restores the chat from the snapshot the old one left.
    Reload,
    /// Web Messaging: the messages held to be delivered out of order go now.
    Flush,
}

/// What varies between schedules.
#[derive(Debug, Clone, Copy)]
struct Faults {
    /// Chance that a send is answered 503 without being stored.
    fail: f64,
    /// Chance that a send is stored, fanned out, and answered 503.
    accept_then_fail: f64,
    /// Mean seconds between socket cuts.
    cut_every_s: f64,
    /// Chance that a request or answer is slow (0.2–6 s); a fifth of those are very slow: past the client's
    /// 15 s request timeout, though still reaching the server within it (a server that stores a request after the
    /// client gave up twice over cannot be told from one that did not).
    slow: f64,
    /// Chance that a read (messages, members, history) is answered 503.
    read_fail: f64,
    /// Chance that a frame down a socket stalls it (0.5–8 s): it and every frame after it wait.
    stall: f64,
    /// Mean seconds between reloads (0: none).
    reload_every_s: f64,
    /// Web Messaging: chance that a message starts a burst of 2–4 delivered together, shuffled (the service does
    /// not keep order).
    reorder: f64,
    /// Web Messaging: chance that a message is delivered twice.
    duplicate: f64,
    /// Web Messaging: seconds a JWT is accepted by the history call (0: for ever). Longer than the slowest
    /// request can take: a JWT refused as soon as it came is a refusal, not an expiry.
    jwt_ttl_s: f64,
}

struct World {
    rng: Rng,
    tr: Tr,
    s: Session,
    now: f64,
    seq: u64,
    queue: BTreeMap<(u64, u64), Ev>,
    faults: Faults,
    faults_on: bool,
    // server
    /// The messages stored, in the server's order (Web Messaging: its history's texts and agents' joins and
    /// leaves, as the transcript shows them).
    stored: Vec<WireMessage>,
    /// Guest Chat: whether the agent is in the conversation now.
    agent_here: bool,
    next_id: u32,
    /// The socket whose connection the server holds.
    live: Option<u32>,
    /// The socket that receives the conversation's fan-out.
    attached: Option<u32>,
    /// When the last frame to a socket is due: a socket delivers in order.
    frame_due: f64,
    /// When the current cut reaches the client: frames due after it are lost.
    cut_at: Option<(u32, f64)>,
    /// When the last text up the client's socket reaches the server: a socket delivers in order.
    up_due: f64,
    wm: messaging::Server,
    // client side
    gen: u32,
    client_open: Option<u32>,
    /// The page (its requests' answers reach only it).
    page: u32,
    /// What the page stored last: the next page restores from it.
    snapshot: Option<Snapshot>,
    /// Sends whose page went away before they settled.
    lost: HashSet<u32>,
    /// The ids the current page delivered, in order.
    delivered: Vec<String>,
    settled: HashMap<u32, bool>,
    cmd_of: HashMap<u32, u32>,
    sends_posted: u32,
    trace: bool,
    seed: u64,
    /// Messages repeat one of this many texts (0: every text differs).
    repeat: u32,
    /// How often each fault (and each recovery) happened: a soak whose faults never fire proves nothing.
    hits: BTreeMap<&'static str, u32>,
}

/// The text of message `i`: identical texts are the hard case for recognising an echo.
fn text_of(i: u32, repeat: u32) -> String {
    if repeat == 0 {
        format!("soak {i}")
    } else {
        format!("same {}", i % repeat)
    }
}

use std::collections::HashMap;

fn param<'a>(url: &'a str, key: &str) -> Option<&'a str> {
    let q = url.split_once('?')?.1;
    q.split('&')
        .find_map(|kv| kv.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
}

impl World {
    fn new(tr: Tr, seed: u64, faults: Faults) -> World {
        let mut w = World {
            rng: Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1),
            tr,
            s: Session::new(),
            now: 1_000_000.0,
            seq: 0,
            queue: BTreeMap::new(),
            faults,
            faults_on: true,
            stored: Vec::new(),
            agent_here: true,
            next_id: 1,
            live: None,
            attached: None,
            frame_due: 0.0,
            cut_at: None,
            up_due: 0.0,
            wm: messaging::Server::default(),
            gen: 0,
            client_open: None,
            page: 0,
            snapshot: None,
            lost: HashSet::new(),
            delivered: Vec::new(),
            settled: HashMap::new(),
            cmd_of: HashMap::new(),
            sends_posted: 0,
            seed,
            repeat: 0,
            hits: BTreeMap::new(),
            // SOAK_TRACE=<seed> (or <transport>:<seed>, e.g. Messaging:3) prints that schedule's events.
            trace: std::env::var("SOAK_TRACE")
                .is_ok_and(|t| t == seed.to_string() || t == format!("{tr:?}:{seed}")),
        };
        w.boot(None);
        w
    }

    /// A page loads: a session configured for the transport, restoring `snapshot` if any.
    fn boot(&mut self, snapshot: Option<Snapshot>) {
        self.s = Session::new();
        if self.tr == Tr::Messaging {
            self.s.guest_token("soak-token".into());
        }
        let ctx = self.ctx();
        self.s.configure(self.tr.config(), ctx);
        if snapshot.is_some() {
            let ctx = self.ctx();
            self.s.boot(snapshot, ctx);
        }
        self.drain();
    }

    /// The page reloads. What it had delivered is a prefix of the server's order (nothing doubled or skipped);
    /// its unsettled sends are lost with it (stored at most once); the server notices its socket close a little
    /// later (a send on its way still lands).
    fn reload(&mut self) {
        if self.faults_on && self.faults.reload_every_s > 0.0 {
            let t = self.now + self.rng.between(0.2, 2.0) * self.faults.reload_every_s * 1000.0;
            self.at(t, Ev::Reload);
        }
        if self.snapshot.is_none() {
            return;
        }
        self.hit("reload");
        let ctx = self.ctx();
        self.s.page_hide(ctx);
        self.drain();
        let server: Vec<&str> = self.stored.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(
            server.get(..self.delivered.len()),
            Some(&self.delivered.iter().map(String::as_str).collect::<Vec<_>>()[..]),
            "seed {}: a page delivers the server's messages once each, in order (page {})",
            self.seed,
            self.page
        );
        self.delivered.clear();
        let unsettled: Vec<u32> = self
            .cmd_of
            .iter()
            .filter(|(cmd, _)| !self.settled.contains_key(cmd))
            .map(|(_, n)| *n)
            .collect();
        for n in unsettled {
            if self.lost.insert(n) {
                self.hit("send lost with its page");
            }
        }
        if let Some(g) = self.client_open.take() {
            let t = self.now + self.rng.between(0.5, 20.0);
            self.at(t, Ev::ServerClose(g));
        }
        self.page += 1;
        let snapshot = self.snapshot.clone();
        self.boot(snapshot);
    }

    /// `startChat` has not settled: the chat is created on a good day (over Web Messaging the socket carries
    /// the creation, so it is neither cut nor stalled meanwhile); a create that fails is another test.
    fn starting(&self) -> bool {
        !self.settled.contains_key(&1)
    }

    fn hit(&mut self, what: &'static str) {
        *self.hits.entry(what).or_default() += 1;
    }

    fn ctx(&mut self) -> Ctx {
        Ctx {
            now: self.now,
            random: self.rng.f(),
        }
    }

    fn at(&mut self, t: f64, ev: Ev) {
        self.seq += 1;
        // Microsecond keys keep the order total and deterministic.
        self.queue.insert(((t * 1000.0) as u64, self.seq), ev);
    }

    /// `up`: on the way to the server.
    fn latency(&mut self, up: bool, r: &Request) -> f64 {
        // The chat is created on a good day: a create that times out fails startChat, which is another test.
        let create = r.url.ends_with("/conversations");
        self.delay(up, create)
    }

    /// How long a request or answer takes (`up`: on the way to the server); `calm`: never slow.
    fn delay(&mut self, up: bool, calm: bool) -> f64 {
        if self.faults_on && !calm && self.rng.chance(self.faults.slow) {
            if self.rng.chance(0.2) {
                if up {
                    self.rng.between(6000.0, 14_000.0)
                } else {
                    self.rng.between(6000.0, 20_000.0)
                }
            } else {
                self.rng.between(200.0, 6000.0)
            }
        } else {
            self.rng.between(0.5, 25.0)
        }
    }

    fn drain(&mut self) {
        for o in self.s.take_outputs() {
            match o {
                Output::Http { id, request } => {
                    let t = self.now + self.latency(true, &request);
                    self.at(t, Ev::ServerHttp(self.page, id, request));
                }
                Output::SocketOpen { .. } => {
                    self.gen += 1;
                    let g = self.gen;
                    let t = self.now + self.rng.between(1.0, 30.0);
                    self.at(t, Ev::ServerAttach(g));
                    let t2 = t + self.rng.between(0.5, 10.0);
                    self.at(t2, Ev::ClientOpen(g));
                }
                Output::SocketClose => {
                    self.client_open = None;
                    // The server notices a little later; frames sent meanwhile are lost.
                    self.live = None;
                    self.attached = None;
                }
                Output::SocketSend(text) => {
                    if let Some(g) = self.client_open {
                        // The chat is configured on a good day, as it is created over Guest Chat.
                        let calm = text.contains(r#""action":"configureSession""#);
                        let t = (self.now + self.delay(true, calm)).max(self.up_due);
                        self.up_due = t;
                        self.at(t, Ev::ServerSocket(g, text));
                    }
                }
                Output::Publish(Event::MessageReceived { original, .. }) => {
                    self.delivered.extend(original.into_iter().map(|m| m.id));
                }
                Output::Store(s) => self.snapshot = s,
                Output::Publish(Event::Restored) => self.hit("restored"),
                Output::Publish(Event::Reconnected) => self.hit("reconnected"),
                Output::Publish(_) | Output::Journey { .. } => {}
                Output::Resolve { cmd, .. } => {
                    assert!(
                        self.settled.insert(cmd, true).is_none(),
                        "command {cmd} settled twice"
                    );
                }
                Output::Reject { cmd, value } => {
                    assert!(
                        self.settled.insert(cmd, false).is_none(),
                        "command {cmd} settled twice"
                    );
                    if self.cmd_of.contains_key(&cmd) {
                        panic!("{:?} seed {}: send {cmd} rejected: {value:?}", self.tr, self.seed);
                    }
                }
            }
        }
    }

    // ----- the server ------------------------------------------------------------------------------------------

    fn fan_out(&mut self, frame: RawFrame) {
        let Some(g) = self.attached else { return };
        self.down(g, Down::Chat(frame));
    }

    /// Sends `frame` down socket `g`, after those already on their way (a stall holds it and them); a cut loses
    /// it. Returns when it arrives (`None`: lost).
    fn down(&mut self, g: u32, frame: Down) -> Option<f64> {
        let due = self.due(g)?;
        self.at(due, Ev::ClientFrame(g, frame));
        Some(due)
    }

    /// When the next frame down socket `g` arrives (`None`: lost to a cut).
    fn due(&mut self, g: u32) -> Option<f64> {
        let mut due = (self.now + self.rng.between(0.5, 15.0)).max(self.frame_due);
        if self.faults_on && !self.starting() && self.rng.chance(self.faults.stall) {
            self.hit("stall");
            due += self.rng.between(500.0, 8000.0);
        }
        self.frame_due = due;
        if let Some((cg, cut)) = self.cut_at {
            if cg == g && due >= cut {
                return None;
            }
        }
        Some(due)
    }

    fn store(&mut self, sender: &str, body: &str) -> WireMessage {
        self.store_as(sender, body, "standard")
    }

    fn store_as(&mut self, sender: &str, body: &str, body_type: &str) -> WireMessage {
        let m = WireMessage {
            id: format!("s{}", self.next_id),
            sender_id: sender.into(),
            body: body.into(),
            body_type: body_type.into(),
            timestamp: String::new(),
            timestamp_ms: self.now,
        };
        self.next_id += 1;
        self.stored.push(m.clone());
        self.fan_out(RawFrame {
            topic: "v2.conversations.chats.C.messages".into(),
            kind: Some("message".into()),
            message: Some(m.clone()),
            member: None,
        });
        if sender == "M" {
            let t = self.now + 200.0;
            self.at(t, Ev::AgentReply(format!("You said: {body}")));
        }
        m
    }

    /// The conversation's members: the guest, and the agent as it is now.
    fn members(&self) -> Vec<WireMember> {
        vec![
            WireMember {
                id: "M".into(),
                display_name: Some("Soak".into()),
                role: Some("CUSTOMER".into()),
                state: Some("CONNECTED".into()),
                avatar_image_url: None,
            },
            WireMember {
                id: "A".into(),
                display_name: Some("Alice".into()),
                role: Some("AGENT".into()),
                state: Some(
                    if self.agent_here {
                        "CONNECTED"
                    } else {
                        "DISCONNECTED"
                    }
                    .into(),
                ),
                avatar_image_url: None,
            },
        ]
    }

    fn serve(&mut self, r: &Request) -> HttpResult {
        let ok = |reply| HttpResult::Ok { status: 200, reply };
        let unavailable = HttpResult::Status {
            status: 503,
            status_text: "Service Unavailable".into(),
            text: "{}".into(),
        };
        match r.method {
            Method::Post if r.url.ends_with("/conversations") => ok(Reply::Created(Created {
                conversation_id: "C".into(),
                member_id: "M".into(),
                jwt: "JWT".into(),
                event_stream_uri: "ws://emu/stream".into(),
            })),
            Method::Post if r.url.ends_with("/members/M/messages") => {
                let body = r.body.clone().unwrap_or_default();
                let text = body
                    .strip_prefix(r#"{"body":""#)
                    .and_then(|b| b.split_once('"'))
                    .map(|(t, _)| t.to_string())
                    .unwrap_or_default();
                self.sends_posted += 1;
                if self.faults_on && self.rng.chance(self.faults.fail) {
                    self.hit("send refused");
                    return unavailable;
                }
                let m = self.store("M", &text);
                if self.faults_on && self.rng.chance(self.faults.accept_then_fail) {
                    self.hit("send stored, refused");
                    return unavailable;
                }
                ok(Reply::Message(m))
            }
            Method::Get if self.faults_on && self.rng.chance(self.faults.read_fail) => unavailable,
            Method::Get if r.url.contains("/messages?") => {
                let pos = |key: &str| -> Result<Option<usize>, ()> {
                    match param(&r.url, key) {
                        None => Ok(None),
                        Some(id) => self.stored.iter().position(|m| m.id == id).map(Some).ok_or(()),
                    }
                };
                let (Ok(after), Ok(before)) = (pos("after"), pos("before")) else {
                    return HttpResult::Status {
                        status: 400,
                        status_text: "Bad Request".into(),
                        text: "no such message".into(),
                    };
                };
                let max: usize = param(&r.url, "maxResults")
                    .and_then(|m| m.parse().ok())
                    .unwrap_or(100);
                let len = self.stored.len();
                let lo = after.map_or(0, |p| p + 1);
                let hi = before.unwrap_or(len).max(lo);
                let (start, end) = if after.is_some() && before.is_none() {
                    (lo, (lo + max).min(hi))
                } else {
                    (hi.saturating_sub(max).max(lo), hi)
                };
                let entities = self.stored.get(start..end).unwrap_or_default().to_vec();
                ok(Reply::Messages(MessagePage {
                    next: (end < len).then(|| "next".to_string()),
                    previous: (start > 0).then(|| "previous".to_string()),
                    entities,
                }))
            }
            Method::Get if r.url.contains("/members?") => ok(Reply::Members(self.members())),
            Method::Get if r.url.contains("/members/") => {
                let id = r.url.rsplit('/').next().unwrap_or_default().to_string();
                match self.members().into_iter().find(|m| m.id == id) {
                    Some(m) => ok(Reply::Member(m)),
                    None => HttpResult::Status {
                        status: 404,
                        status_text: "Not Found".into(),
                        text: String::new(),
                    },
                }
            }
            _ => ok(Reply::None),
        }
    }

    // ----- the loop --------------------------------------------------------------------------------------------

    fn step(&mut self, ev: Ev) {
        if self.trace {
            let short = format!("{ev:?}");
            eprintln!(
                "{:>10.1} {}",
                self.now - 1_000_000.0,
                short.get(..short.len().min(260)).unwrap_or("")
            );
        }
        match ev {
            Ev::Send(n) => {
                let cmd = 1000 + n;
                self.cmd_of.insert(cmd, n);
                let ctx = self.ctx();
                self.s
                    .command(cmd, Command::SendMessage(Some(text_of(n, self.repeat))), ctx);
            }
            Ev::ServerHttp(page, id, r) => {
                let result = match self.tr {
                    Tr::GuestChat => self.serve(&r),
                    Tr::Messaging => self.serve_history(&r),
                };
                let t = self.now + self.latency(false, &r);
                self.at(t, Ev::ClientHttp(page, id, result));
            }
            Ev::ClientHttp(page, id, result) => {
                if page == self.page {
                    let ctx = self.ctx();
                    self.s.http(id, result, ctx);
                }
            }
            Ev::ServerAttach(g) if self.tr == Tr::Messaging => {
                if g == self.gen && self.cut_at.is_none_or(|(cg, _)| cg != g) {
                    // The session's fan-out reaches it once it is configured.
                    self.live = Some(g);
                    self.frame_due = self.now;
                }
            }
            Ev::ServerAttach(g) => {
                if g == self.gen && self.cut_at.is_none_or(|(cg, _)| cg != g) {
                    self.live = Some(g);
                    self.attached = Some(g);
                    self.frame_due = self.now;
                    self.fan_out(RawFrame {
                        topic: "v2.conversations.chats.C.members".into(),
                        kind: Some("member-change".into()),
                        member: self.members().pop(),
                        ..Default::default()
                    });
                }
            }
            Ev::ClientOpen(g) => {
                if g == self.gen {
                    self.client_open = Some(g);
                    self.up_due = self.now;
                    let ctx = self.ctx();
                    self.s.socket_open(ctx);
                }
            }
            Ev::ClientFrame(g, f) => {
                if self.client_open == Some(g) {
                    let ctx = self.ctx();
                    match f {
                        Down::Chat(f) => self.s.frame(f, ctx),
                        Down::Messaging(f) => self.s.messaging_frame(f, ctx),
                    }
                }
            }
            Ev::ServerSocket(g, text) => {
                if self.live == Some(g) {
                    self.serve_socket(g, &text);
                }
            }
            Ev::ServerClose(g) => {
                if self.live == Some(g) {
                    self.live = None;
                    self.attached = None;
                }
            }
            Ev::ClientClosed(g) => {
                let opening = self
                    .queue
                    .values()
                    .any(|e| matches!(e, Ev::ClientOpen(o) if *o == g));
                if opening {
                    // A socket cut as it opened: the page sees it open, then close.
                    let t = self.now + 1.0;
                    self.at(t, Ev::ClientClosed(g));
                } else if self.client_open == Some(g) {
                    self.client_open = None;
                    let ctx = self.ctx();
                    self.s.socket_closed(ctx);
                }
            }
            Ev::Cut => {
                let starting = self.starting();
                if let Some(g) = self.live.take_if(|_| !starting) {
                    self.attached = None;
                    let t = self.now + self.rng.between(0.5, 20.0);
                    self.cut_at = Some((g, t));
                    // Frames already due after the close are lost with the connection.
                    self.queue
                        .retain(|(k, _), e| !matches!(e, Ev::ClientFrame(fg, _) if *fg == g && *k as f64 / 1000.0 >= t));
                    self.at(t, Ev::ClientClosed(g));
                }
                if self.faults_on {
                    let t = self.now + self.rng.between(0.2, 2.0) * self.faults.cut_every_s * 1000.0;
                    self.at(t, Ev::Cut);
                }
            }
            Ev::AgentReply(text) => match self.tr {
                // (An agent who left does not answer.)
                Tr::GuestChat if self.agent_here => {
                    self.store("A", &text);
                }
                Tr::GuestChat => {}
                Tr::Messaging => self.agent_says(&text),
            },
            Ev::AgentPresence => {
                self.agent_here = !self.agent_here;
                self.hit(if self.agent_here {
                    "agent back"
                } else {
                    "agent left"
                });
                self.fan_out(RawFrame {
                    topic: "v2.conversations.chats.C.members".into(),
                    kind: Some("member-change".into()),
                    member: self.members().pop(),
                    ..Default::default()
                });
                let kind = if self.agent_here {
                    "member-join"
                } else {
                    "member-leave"
                };
                self.store_as("A", "", kind);
                if self.faults_on {
                    let t = self.now + self.rng.between(2000.0, 8000.0);
                    self.at(t, Ev::AgentPresence);
                }
            }
            Ev::Reload => self.reload(),
            Ev::Flush => self.flush(),
            Ev::Heartbeat => {
                self.fan_out(RawFrame {
                    topic: "channel.metadata".into(),
                    ..Default::default()
                });
                let t = self.now + 5000.0;
                self.at(t, Ev::Heartbeat);
            }
        }
        self.drain();
    }

    /// Runs until `until`, firing client timers and world events in time order.
    fn run(&mut self, until: f64) {
        loop {
            let timer = self
                .s
                .timers()
                .iter()
                .min_by(|a, b| {
                    a.1.total_cmp(&b.1)
                        .then_with(|| format!("{:?}", a.0).cmp(&format!("{:?}", b.0)))
                })
                .copied();
            let ev = self.queue.keys().next().copied();
            let ev_t = ev.map(|(k, _)| k as f64 / 1000.0);
            match (timer, ev_t) {
                (Some((k, t)), e) if t <= until && e.is_none_or(|e| t < e) => {
                    self.now = self.now.max(t);
                    if self.trace {
                        eprintln!("{:>10.1} timer {k:?}", self.now - 1_000_000.0);
                    }
                    let ctx = self.ctx();
                    self.s.timer(k, ctx);
                    self.drain();
                }
                (_, Some(t)) if t <= until => {
                    let key = ev.unwrap();
                    let e = self.queue.remove(&key).unwrap();
                    self.now = self.now.max(t);
                    self.step(e);
                }
                _ => break,
            }
        }
        self.now = self.now.max(until);
    }
}

/// One schedule: start, send `n` messages at 20/s under faults, then let everything settle without faults.
fn soak(tr: Tr, seed: u64, n: u32, faults: Faults) -> World {
    soak_texts(tr, seed, n, faults, 0)
}

fn soak_texts(tr: Tr, seed: u64, n: u32, faults: Faults, repeat: u32) -> World {
    let mut w = World::new(tr, seed, faults);
    w.repeat = repeat;
    let ctx = w.ctx();
    w.s.command(
        1,
        Command::StartChat(MemberInfo {
            display_name: Some("Soak".into()),
            ..Default::default()
        }),
        ctx,
    );
    w.drain();
    let t0 = w.now + 100.0;
    for i in 0..n {
        w.at(t0 + f64::from(i) * 50.0, Ev::Send(i));
    }
    if tr == Tr::GuestChat {
        // The Guest Chat service sends heartbeats; Web Messaging's is silent while nobody speaks.
        let t = w.now + 5000.0;
        w.at(t, Ev::Heartbeat);
        // The agent leaves and comes back now and then (Web Messaging's model has its agent's own presence).
        let t = t0 + w.rng.between(1000.0, 6000.0);
        w.at(t, Ev::AgentPresence);
    }
    let t = w.now + faults.cut_every_s * 1000.0 * w.rng.between(0.2, 1.0);
    w.at(t, Ev::Cut);
    if faults.reload_every_s > 0.0 {
        let t = t0 + faults.reload_every_s * 1000.0 * w.rng.between(0.2, 1.0);
        w.at(t, Ev::Reload);
    }
    let end = t0 + f64::from(n) * 50.0;
    w.run(end);
    w.faults_on = false;
    w.run(end + 120_000.0);
    // Web Messaging resolves a send once its echo leaves the reorder window, so a long queue drains at about
    // 5 sends a second: it is given the time (the checks say whether everything came).
    let settled = |w: &World| (0..n).all(|i| w.settled.contains_key(&(1000 + i)) || w.lost.contains(&i));
    while !settled(&w) && w.now < end + 900_000.0 {
        let t = w.now + 10_000.0;
        w.run(t);
    }
    w.run(w.now + 30_000.0);
    w
}

/// Whether `stored` is `want` in order, each once, but for the `lost` sends: a send lost with its page is stored
/// at most once, and anywhere (it may have been on its way for a while).
fn stored_in_order(stored: &[&str], want: &[String], lost: &HashSet<u32>) -> bool {
    let lost_texts: Vec<&str> = (0..want.len() as u32)
        .filter(|i| lost.contains(i))
        .filter_map(|i| want.get(i as usize).map(String::as_str))
        .collect();
    let kept: Vec<&str> = stored
        .iter()
        .copied()
        .filter(|s| !lost_texts.contains(s))
        .collect();
    let wanted: Vec<&str> = want
        .iter()
        .map(String::as_str)
        .filter(|s| !lost_texts.contains(s))
        .collect();
    let once = lost_texts
        .iter()
        .all(|t| stored.iter().filter(|s| *s == t).count() <= 1);
    kept == wanted && once
}

fn check(seed: u64, w: &World, n: u32) {
    let tr = w.tr;
    let own: Vec<&str> = w
        .stored
        .iter()
        .filter(|m| m.sender_id == "M")
        .map(|m| m.body.as_str())
        .collect();
    let want: Vec<String> = (0..n).map(|i| text_of(i, w.repeat)).collect();
    if w.lost.is_empty() {
        if let Some(i) = own
            .iter()
            .zip(&want)
            .position(|(a, b)| a != b)
            .or((own.len() != want.len()).then(|| own.len().min(want.len())))
        {
            eprintln!(
                "{tr:?} seed {seed}: first stored difference at {i}: {:?} (stored {} of {n})",
                own.get(i.saturating_sub(2)..(i + 4).min(own.len())),
                own.len()
            );
        }
        assert_eq!(
            own,
            want.iter().map(String::as_str).collect::<Vec<_>>(),
            "{tr:?} seed {seed}: the server stores each message once, in sending order"
        );
    } else {
        // Identical texts would make "which send is this" ambiguous: schedules with reloads send distinct ones.
        assert_eq!(w.repeat, 0);
        assert!(
            stored_in_order(&own, &want, &w.lost),
            "{tr:?} seed {seed}: the server stores each message once, in sending order, but sends lost with a \
             page (lost: {:?}; stored {own:?})",
            w.lost
        );
    }
    for i in 0..n {
        if !w.lost.contains(&i) {
            assert_eq!(
                w.settled.get(&(1000 + i)),
                Some(&true),
                "{tr:?} seed {seed}: send {i} resolved"
            );
        }
    }
    let server: Vec<&str> = w.stored.iter().map(|m| m.id.as_str()).collect();
    let client: Vec<&str> = w.delivered.iter().map(String::as_str).collect();
    if let Some(i) = server.iter().zip(&client).position(|(a, b)| a != b) {
        let lo = i.saturating_sub(3);
        eprintln!(
            "{tr:?} seed {seed}: first difference at {i}: server {:?}, client {:?} (lengths {} / {})",
            server.get(lo..(i + 6).min(server.len())),
            client.get(lo..(i + 6).min(client.len())),
            server.len(),
            client.len()
        );
    }
    assert_eq!(
        client, server,
        "{tr:?} seed {seed}: every stored message delivered once, in the server's order"
    );
    if tr == Tr::GuestChat {
        // The agent's comings and goings, however cut, stalled or reloaded: the page ends knowing what the server
        // knows (its notices are stored messages, checked above).
        assert_eq!(
            w.s.transcript.member("A").map(|m| m.connected),
            Some(w.agent_here),
            "{tr:?} seed {seed}: the page knows the agent as present exactly when it is"
        );
    }
}

/// The faults (and recoveries) that every run of `tr` must have met somewhere.
fn assert_hit(tr: Tr, hits: &BTreeMap<&'static str, u32>, want: &[&str]) {
    for w in want {
        assert!(
            hits.get(w).is_some_and(|n| *n > 0),
            "{tr:?}: no schedule met \"{w}\": {hits:?}"
        );
    }
}

fn add(total: &mut BTreeMap<&'static str, u32>, w: &World) {
    for (k, v) in &w.hits {
        *total.entry(k).or_default() += v;
    }
}

/// What both transports' schedules meet under dense faults; Web Messaging's also meet its own.
fn dense_hits(tr: Tr) -> Vec<&'static str> {
    let mut want = vec!["send refused", "send stored, refused", "stall", "reconnected"];
    match tr {
        Tr::Messaging => want.extend(["burst", "duplicate", "jwt expired"]),
        Tr::GuestChat => want.extend(["agent left", "agent back"]),
    }
    want
}

/// `SOAK_SEEDS=n` explores more schedules than `default`.
fn seeds(default: u64) -> u64 {
    std::env::var("SOAK_SEEDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

const SOAK_FAULTS: Faults = Faults {
    fail: 0.025,
    accept_then_fail: 0.025,
    cut_every_s: 20.0,
    slow: 0.01,
    read_fail: 0.01,
    stall: 0.0,
    reload_every_s: 0.0,
    reorder: 0.02,
    duplicate: 0.01,
    jwt_ttl_s: 0.0,
};

const DENSE_FAULTS: Faults = Faults {
    fail: 0.1,
    accept_then_fail: 0.15,
    cut_every_s: 2.0,
    slow: 0.05,
    read_fail: 0.1,
    stall: 0.02,
    reload_every_s: 0.0,
    reorder: 0.1,
    duplicate: 0.05,
    jwt_ttl_s: 25.0,
};

#[test]
fn the_soak_schedule_stores_and_delivers_every_message_once_in_order() {
    for tr in super::tests::sim::TRANSPORTS {
        let mut hits = BTreeMap::new();
        // Web Messaging's schedules are five times as long (a send resolves once its echo leaves the reorder
        // window), and its transcript checks cost more per message: fewer of them, as many messages.
        let seeds = if tr == Tr::Messaging { 10 } else { 40 };
        for seed in 1..=seeds {
            let w = soak(tr, seed, 1200, SOAK_FAULTS);
            check(seed, &w, 1200);
            add(&mut hits, &w);
        }
        assert_hit(
            tr,
            &hits,
            &["send refused", "send stored, refused", "reconnected"],
        );
    }
}

#[test]
fn dense_faults_over_many_schedules_never_double_a_send() {
    for tr in super::tests::sim::TRANSPORTS {
        let mut hits = BTreeMap::new();
        for seed in 1..=seeds(300) {
            let w = soak(tr, seed, 200, DENSE_FAULTS);
            check(seed, &w, 200);
            add(&mut hits, &w);
        }
        assert_hit(tr, &hits, &dense_hits(tr));
    }
}

#[test]
fn identical_texts_are_each_stored_once_under_dense_faults() {
    // Two texts, alternating, and some runs of the same one: an echo must be matched to the right send.
    for tr in super::tests::sim::TRANSPORTS {
        for seed in 1..=seeds(150) {
            for repeat in [1, 2] {
                let w = soak_texts(tr, seed, 150, DENSE_FAULTS, repeat);
                check(seed, &w, 150);
            }
        }
    }
}

#[test]
fn reloads_under_dense_faults_lose_and_double_nothing() {
    // Reloads mid-chat, some while a send is on its way: what a page delivered, and what the last page restored
    // and received, is the server's order once each; a send lost with its page is stored at most once.
    let faults = Faults {
        reload_every_s: 8.0,
        ..DENSE_FAULTS
    };
    for tr in super::tests::sim::TRANSPORTS {
        let mut hits = BTreeMap::new();
        for seed in 1..=seeds(100) {
            let w = soak(tr, seed, 400, faults);
            check(seed, &w, 400);
            add(&mut hits, &w);
        }
        let mut want = dense_hits(tr);
        want.extend(["reload", "restored", "send lost with its page"]);
        assert_hit(tr, &hits, &want);
    }
}
