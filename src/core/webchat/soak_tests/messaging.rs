//! The soak's model of the Web Messaging service (docs/webmessaging.md, as the emulator serves it): one session
//! for the guest's token; `configureSession` attaches a socket to it (a new token starts it, the same token on a
//! later socket resumes it); `onMessage` stores the guest's text and answers with its echo (the request's
//! `tracingId`), or refuses it (5000, 429) before storing, or stores it, sends it without the `tracingId` and
//! answers 5000; the agent answers every
//! text; `getJwt` issues a JWT that the history call accepts for `jwt_ttl_s`; history pages run newest first.
//! Faults beyond Guest Chat's: messages delivered out of order (a burst, shuffled) or twice.

use super::*;
use crate::core::guestchat::read::tests::parse;
use crate::core::text::{opt, text_of as field, Json};
use crate::core::webmessaging::read::{
    Direction, HistoryPage, MessageEvent, Presence, SessionResponse, StructuredMessage,
};

/// What the service keeps.
#[derive(Debug, Default)]
pub(super) struct Server {
    /// The token's session exists (a later `configureSession` resumes it).
    session: bool,
    /// The conversation, in its true order: texts both ways and the agent's presence.
    history: Vec<StructuredMessage>,
    /// The last `channel.time` given: each later one is later.
    clock: f64,
    /// The JWTs issued, with when.
    jwts: Vec<(String, f64)>,
    /// Messages held to be delivered out of order, and how many more to hold.
    held: Vec<(u32, WmFrame)>,
    hold_more: u32,
}

impl World {
    /// A message of the conversation, stamped with the next `channel.time`.
    fn wm_message(
        &mut self,
        text: Option<&str>,
        direction: Direction,
        events: Vec<MessageEvent>,
    ) -> StructuredMessage {
        self.wm.clock = (self.wm.clock + 1.0).max(self.now);
        let id = format!("s{}", self.next_id);
        self.next_id += 1;
        StructuredMessage {
            id,
            text: text.map(str::to_string),
            direction,
            bot: false,
            time: String::new(),
            time_ms: self.wm.clock,
            from_name: (direction == Direction::Outbound).then(|| "Alice".to_string()),
            from_image: None,
            events,
            read_only: false,
        }
    }

    /// Keeps `m` in the history, and among the stored messages the soak checks what the transcript shows of it,
    /// as a Guest Chat history lists it: a text, or an agent's join or leave as its `member-join` /
    /// `member-leave` notice (the page's `ParticipantJoined` / `ParticipantLeft`), but not the read-only
    /// `Disconnect` that ends the conversation.
    fn keep(&mut self, m: &StructuredMessage) {
        self.wm.history.push(m.clone());
        let sender = if m.direction == Direction::Inbound {
            "M"
        } else {
            "A"
        };
        let presence = |p: Presence| m.events.contains(&MessageEvent::Presence(p));
        let (body, body_type) = match &m.text {
            Some(text) => (text.clone(), "standard"),
            None if m.direction == Direction::Outbound && presence(Presence::Join) => {
                (String::new(), "member-join")
            }
            None if m.direction == Direction::Outbound && !m.read_only && presence(Presence::Disconnect) => {
                (String::new(), "member-leave")
            }
            None => return,
        };
        self.stored.push(WireMessage {
            id: m.id.clone(),
            sender_id: sender.into(),
            body,
            body_type: body_type.into(),
            timestamp: String::new(),
            timestamp_ms: m.time_ms,
        });
    }

    pub(super) fn agent_says(&mut self, text: &str) {
        let m = self.wm_message(Some(text), Direction::Outbound, Vec::new());
        self.keep(&m);
        self.wm_fan_out(m, None);
    }

    /// A `StructuredMessage` to the session's socket: maybe held for an out-of-order burst, maybe twice.
    fn wm_fan_out(&mut self, message: StructuredMessage, tracing_id: Option<String>) {
        let Some(g) = self.attached else { return };
        let response = tracing_id.is_some();
        let f = WmFrame::Message {
            message,
            tracing_id,
            response,
        };
        if self.wm.hold_more > 0 {
            self.wm.hold_more -= 1;
            self.wm.held.push((g, f));
            if self.wm.hold_more == 0 {
                self.flush();
            }
            return;
        }
        if self.faults_on && self.rng.chance(self.faults.reorder) {
            self.wm.hold_more = 1 + self.rng.below(3) as u32;
            self.wm.held.push((g, f));
            let t = self.now + 150.0;
            self.at(t, Ev::Flush);
            return;
        }
        let twice = self.faults_on && self.rng.chance(self.faults.duplicate);
        if let Some(due) = self.down(g, Down::Messaging(f.clone())) {
            if twice {
                self.hit("duplicate");
                self.at(due, Ev::ClientFrame(g, Down::Messaging(f)));
            }
        }
    }

    /// The held messages go, together and shuffled: a burst the service reordered.
    pub(super) fn flush(&mut self) {
        self.wm.hold_more = 0;
        let mut held = std::mem::take(&mut self.wm.held);
        for i in (1..held.len()).rev() {
            let j = self.rng.below(i + 1);
            held.swap(i, j);
        }
        let Some(&(g, _)) = held.first() else { return };
        if held.len() > 1 {
            self.hit("burst");
        }
        let Some(due) = self.due(g) else { return };
        for (g, f) in held {
            self.at(due, Ev::ClientFrame(g, Down::Messaging(f)));
        }
    }

    /// An answer to a request on socket `g`.
    fn answer(&mut self, g: u32, f: WmFrame) {
        self.down(g, Down::Messaging(f));
    }

    /// A text the client wrote on socket `g`, as the service reads it.
    pub(super) fn serve_socket(&mut self, g: u32, text: &str) {
        let v = parse(text);
        let tracing_id = opt(&v, "tracingId");
        match field(&v, "action").as_str() {
            "configureSession" => {
                let new_session = !self.wm.session;
                self.wm.session = true;
                self.attached = Some(g);
                self.answer(
                    g,
                    WmFrame::Session(SessionResponse {
                        connected: true,
                        new_session,
                        read_only: false,
                    }),
                );
            }
            "getJwt" => {
                let jwt = format!("JWT{}", self.wm.jwts.len() + 1);
                self.wm.jwts.push((jwt.clone(), self.now));
                self.answer(g, WmFrame::Jwt { jwt, exp: 0.0 });
            }
            "echo" => {
                let m = StructuredMessage {
                    id: String::new(),
                    text: Some("ping".into()),
                    direction: Direction::Inbound,
                    bot: false,
                    time: String::new(),
                    time_ms: 0.0,
                    from_name: None,
                    from_image: None,
                    events: Vec::new(),
                    read_only: false,
                };
                self.answer(
                    g,
                    WmFrame::Message {
                        message: m,
                        tracing_id,
                        response: true,
                    },
                );
            }
            "onMessage" => {
                let message = v.field("message");
                if field(&message, "type") == "Text" {
                    self.send(g, &field(&message, "text"), tracing_id);
                } else if text.contains(r#""presence":{"type":"Join"}"#) {
                    // Autostart: the echo, and the agent joins.
                    let m = self.wm_message(
                        None,
                        Direction::Inbound,
                        vec![MessageEvent::Presence(Presence::Join)],
                    );
                    self.wm_fan_out(m, tracing_id);
                    let join = self.wm_message(
                        None,
                        Direction::Outbound,
                        vec![MessageEvent::Presence(Presence::Join)],
                    );
                    self.keep(&join);
                    self.wm_fan_out(join, None);
                }
            }
            _ => {}
        }
    }

    /// The guest's text: refused, stored and answered, or stored and answered as a failure.
    fn send(&mut self, g: u32, text: &str, tracing_id: Option<String>) {
        self.sends_posted += 1;
        let refused = |code: u32| WmFrame::Error {
            code,
            text: "Unexpected error".into(),
            tracing_id: tracing_id.clone(),
            retry_after_s: (code == 429).then_some(1.0),
        };
        if self.faults_on && self.rng.chance(self.faults.fail) {
            self.hit("send refused");
            let code = if self.rng.chance(0.5) { 429 } else { 5000 };
            self.answer(g, refused(code));
            return;
        }
        let m = self.wm_message(Some(text), Direction::Inbound, Vec::new());
        self.keep(&m);
        if self.faults_on && self.rng.chance(self.faults.accept_then_fail) {
            // Stored and sent to the session's sockets, but the request is answered as failed.
            self.hit("send stored, refused");
            self.wm_fan_out(m, None);
            self.answer(g, refused(5000));
        } else {
            self.wm_fan_out(m, tracing_id);
        }
        let t = self.now + 200.0;
        self.at(t, Ev::AgentReply(format!("You said: {text}")));
    }

    /// `GET /api/v2/webmessaging/messages`: the JWT checked, then a page, newest first.
    pub(super) fn serve_history(&mut self, r: &Request) -> HttpResult {
        let refused = |status: u16, text: &str| HttpResult::Status {
            status,
            status_text: text.into(),
            text: "{}".into(),
        };
        if !r.url.contains("/api/v2/webmessaging/messages?") {
            return refused(404, "Not Found");
        }
        let ttl = self.faults.jwt_ttl_s * 1000.0;
        let now = self.now;
        let valid = self
            .wm
            .jwts
            .iter()
            .any(|(jwt, at)| r.bearer.as_deref() == Some(jwt.as_str()) && (ttl == 0.0 || now - at < ttl));
        if !valid {
            self.hit("jwt expired");
            return refused(401, "Unauthorized");
        }
        if self.faults_on && self.rng.chance(self.faults.read_fail) {
            return refused(503, "Service Unavailable");
        }
        let size: usize = param(&r.url, "pageSize")
            .and_then(|n| n.parse().ok())
            .unwrap_or(25)
            .max(1);
        let number: usize = param(&r.url, "pageNumber")
            .and_then(|n| n.parse().ok())
            .unwrap_or(1)
            .max(1);
        let total = self.wm.history.len();
        let entities = self
            .wm
            .history
            .iter()
            .rev()
            .skip((number - 1) * size)
            .take(size)
            .cloned()
            .collect();
        HttpResult::Ok {
            status: 200,
            reply: Reply::MessagingHistory(HistoryPage {
                entities,
                page_number: number as u32,
                page_count: total.div_ceil(size) as u32,
            }),
        }
    }
}
