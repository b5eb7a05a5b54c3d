//! The soak, natively: the session machine against a model of the Guest Chat server, under the same faults as
//! `npm run soak` (sends answered 503 before or after storing, sockets cut without a close frame, slow answers),
//! on simulated time, over many random schedules. Every schedule must end with each message stored once, in
//! sending order, every send resolved, and every stored message delivered once, in the server's order.
//!
//! The server model follows the emulator: `GET messages?after=` pages forward from a known id, without `after`
//! it is the newest page; a socket is attached (receives fan-out) before the client sees it open; a cut loses the
//! frames still on their way; an accept-then-fail stores the message, fans it out and answers 503.

use std::collections::BTreeMap;

use super::config::Config;
use super::*;
use crate::core::guestchat::{
    Created, MemberInfo, MessagePage, Method, RawFrame, Reply, WireMember, WireMessage,
};

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
}

#[derive(Debug, Clone)]
enum Ev {
    /// The page calls sendMessage.
    Send(u32),
    /// A request reaches the server.
    ServerHttp(u32, Request),
    /// Its answer reaches the client.
    ClientHttp(u32, HttpResult),
    /// The server attaches socket `gen` (before the client's `open`, as the emulator does).
    ServerAttach(u32),
    ClientOpen(u32),
    ClientFrame(u32, RawFrame),
    ClientClosed(u32),
    /// The server closes every socket without a close frame.
    Cut,
    AgentReply(String),
    Heartbeat,
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
    /// Chance that a read (messages, members) is answered 503.
    read_fail: f64,
}

struct World {
    rng: Rng,
    s: Session,
    now: f64,
    seq: u64,
    queue: BTreeMap<(u64, u64), Ev>,
    faults: Faults,
    faults_on: bool,
    // server
    stored: Vec<WireMessage>,
    next_id: u32,
    attached: Option<u32>,
    /// When the last frame to a socket is due: a socket delivers in order.
    frame_due: f64,
    /// When the current cut reaches the client: frames due after it are lost.
    cut_at: Option<(u32, f64)>,
    // client side
    gen: u32,
    client_open: Option<u32>,
    delivered: Vec<String>,
    settled: HashMap<u32, bool>,
    cmd_of: HashMap<u32, u32>,
    sends_posted: u32,
    trace: bool,
    seed: u64,
    /// Messages repeat one of this many texts (0: every text differs).
    repeat: u32,
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

fn cfg() -> Config {
    super::tests::sim::config(|_| {})
}

fn param<'a>(url: &'a str, key: &str) -> Option<&'a str> {
    let q = url.split_once('?')?.1;
    q.split('&')
        .find_map(|kv| kv.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
}

impl World {
    fn new(seed: u64, faults: Faults) -> World {
        let mut w = World {
            rng: Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1),
            s: Session::new(),
            now: 1_000_000.0,
            seq: 0,
            queue: BTreeMap::new(),
            faults,
            faults_on: true,
            stored: Vec::new(),
            next_id: 1,
            attached: None,
            frame_due: 0.0,
            cut_at: None,
            gen: 0,
            client_open: None,
            delivered: Vec::new(),
            settled: HashMap::new(),
            cmd_of: HashMap::new(),
            sends_posted: 0,
            seed,
            repeat: 0,
            trace: std::env::var("SOAK_TRACE").ok() == Some(seed.to_string()),
        };
        let ctx = w.ctx();
        w.s.configure(cfg(), ctx);
        w.drain();
        w
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
        if self.faults_on && !create && self.rng.chance(self.faults.slow) {
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
                    self.at(t, Ev::ServerHttp(id, request));
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
                    self.attached = None;
                }
                Output::SocketSend(_) => {}
                Output::Publish(Event::MessageReceived { original, .. }) => {
                    self.delivered.extend(original.into_iter().map(|m| m.id));
                }
                Output::Publish(_) | Output::Store(_) | Output::Journey { .. } => {}
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
                        panic!("seed {}: send {cmd} rejected: {value:?}", self.seed);
                    }
                }
            }
        }
    }

    // ----- the server ------------------------------------------------------------------------------------------

    fn fan_out(&mut self, frame: RawFrame) {
        let Some(g) = self.attached else { return };
        let due = (self.now + self.rng.between(0.5, 15.0)).max(self.frame_due);
        self.frame_due = due;
        if let Some((cg, cut)) = self.cut_at {
            if cg == g && due >= cut {
                return;
            }
        }
        self.at(due, Ev::ClientFrame(g, frame));
    }

    fn store(&mut self, sender: &str, body: &str) -> WireMessage {
        let m = WireMessage {
            id: format!("s{}", self.next_id),
            sender_id: sender.into(),
            body: body.into(),
            body_type: "standard".into(),
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

    fn members() -> Vec<WireMember> {
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
                state: Some("CONNECTED".into()),
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
                    return unavailable;
                }
                let m = self.store("M", &text);
                if self.faults_on && self.rng.chance(self.faults.accept_then_fail) {
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
            Method::Get if r.url.contains("/members?") => ok(Reply::Members(World::members())),
            Method::Get if r.url.contains("/members/") => {
                let id = r.url.rsplit('/').next().unwrap_or_default().to_string();
                match World::members().into_iter().find(|m| m.id == id) {
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
            Ev::ServerHttp(id, r) => {
                let result = self.serve(&r);
                let t = self.now + self.latency(false, &r);
                self.at(t, Ev::ClientHttp(id, result));
            }
            Ev::ClientHttp(id, result) => {
                let ctx = self.ctx();
                self.s.http(id, result, ctx);
            }
            Ev::ServerAttach(g) => {
                if g == self.gen && self.cut_at.is_none_or(|(cg, _)| cg != g) {
                    self.attached = Some(g);
                    self.frame_due = self.now;
                    self.fan_out(RawFrame {
                        topic: "v2.conversations.chats.C.members".into(),
                        kind: Some("member-change".into()),
                        member: World::members().pop(),
                        ..Default::default()
                    });
                }
            }
            Ev::ClientOpen(g) => {
                if g == self.gen {
                    self.client_open = Some(g);
                    let ctx = self.ctx();
                    self.s.socket_open(ctx);
                }
            }
            Ev::ClientFrame(g, f) => {
                if self.client_open == Some(g) {
                    let ctx = self.ctx();
                    self.s.frame(f, ctx);
                }
            }
            Ev::ClientClosed(g) => {
                if self.client_open == Some(g) {
                    self.client_open = None;
                    let ctx = self.ctx();
                    self.s.socket_closed(ctx);
                }
            }
            Ev::Cut => {
                if let Some(g) = self.attached.take() {
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
            Ev::AgentReply(text) => {
                self.store("A", &text);
            }
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
                        .then(format!("{:?}", a.0).cmp(&format!("{:?}", b.0)))
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
fn soak(seed: u64, n: u32, faults: Faults) -> World {
    soak_texts(seed, n, faults, 0)
}

fn soak_texts(seed: u64, n: u32, faults: Faults, repeat: u32) -> World {
    let mut w = World::new(seed, faults);
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
    let t = w.now + 5000.0;
    w.at(t, Ev::Heartbeat);
    let t = w.now + faults.cut_every_s * 1000.0 * w.rng.between(0.2, 1.0);
    w.at(t, Ev::Cut);
    let end = t0 + f64::from(n) * 50.0;
    w.run(end);
    w.faults_on = false;
    w.run(end + 120_000.0);
    w
}

fn check(seed: u64, w: &World, n: u32) {
    let own: Vec<&str> = w
        .stored
        .iter()
        .filter(|m| m.sender_id == "M")
        .map(|m| m.body.as_str())
        .collect();
    let want: Vec<String> = (0..n).map(|i| text_of(i, w.repeat)).collect();
    assert_eq!(
        own,
        want.iter().map(String::as_str).collect::<Vec<_>>(),
        "seed {seed}: the server stores each message once, in sending order"
    );
    for i in 0..n {
        assert_eq!(
            w.settled.get(&(1000 + i)),
            Some(&true),
            "seed {seed}: send {i} resolved"
        );
    }
    let server: Vec<&str> = w.stored.iter().map(|m| m.id.as_str()).collect();
    let client: Vec<&str> = w.delivered.iter().map(String::as_str).collect();
    if let Some(i) = server.iter().zip(&client).position(|(a, b)| a != b) {
        let lo = i.saturating_sub(3);
        eprintln!(
            "seed {seed}: first difference at {i}: server {:?}, client {:?} (lengths {} / {})",
            server.get(lo..(i + 6).min(server.len())),
            client.get(lo..(i + 6).min(client.len())),
            server.len(),
            client.len()
        );
    }
    assert_eq!(
        client, server,
        "seed {seed}: every stored message delivered once, in the server's order"
    );
}

const SOAK_FAULTS: Faults = Faults {
    fail: 0.025,
    accept_then_fail: 0.025,
    cut_every_s: 20.0,
    slow: 0.01,
    read_fail: 0.01,
};

#[test]
fn the_soak_schedule_stores_and_delivers_every_message_once_in_order() {
    for seed in 1..=40 {
        let w = soak(seed, 1200, SOAK_FAULTS);
        check(seed, &w, 1200);
    }
}

#[test]
fn dense_faults_over_many_schedules_never_double_a_send() {
    let faults = Faults {
        fail: 0.1,
        accept_then_fail: 0.15,
        cut_every_s: 2.0,
        slow: 0.05,
        read_fail: 0.1,
    };
    // SOAK_SEEDS=n explores more schedules.
    let seeds: u64 = std::env::var("SOAK_SEEDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300);
    for seed in 1..=seeds {
        let w = soak(seed, 200, faults);
        check(seed, &w, 200);
    }
}

#[test]
fn identical_texts_are_each_stored_once_under_dense_faults() {
    // Two texts, alternating, and some runs of the same one: an echo must be matched to the right send.
    let faults = Faults {
        fail: 0.1,
        accept_then_fail: 0.15,
        cut_every_s: 2.0,
        slow: 0.05,
        read_fail: 0.1,
    };
    let seeds: u64 = std::env::var("SOAK_SEEDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(150);
    for seed in 1..=seeds {
        for repeat in [1, 2] {
            let w = soak_texts(seed, 150, faults, repeat);
            check(seed, &w, 150);
        }
    }
}
