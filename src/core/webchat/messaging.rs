//! The Web Messaging transport (`genesys-web-messaging`, docs/webmessaging.md): the same session, commands and
//! events as over Guest Chat, carried by one socket and the history call.
//!
//! - **The socket is the stream and the request channel.** It opens first; `configureSession` with the guest's
//!   token attaches it to the session, and the stream counts as open (sends go, a reconnect catches up) only
//!   once the `SessionResponse` came. Requests that expect an answer (create, send, leave) are pending
//!   requests like HTTP ones, with the same deadline; their `tracingId` (`cx-<request id>`) matches the answer,
//!   which is handed to the session as an HTTP result (a refusal's code as its status), so sends keep their
//!   order, retries and echo checks unchanged. When the socket closes, the requests on it have failed.
//! - **Messages become the frames the session already applies**: the guest's own text (`Inbound`) is a message
//!   of the guest's member; an `Outbound` text is a message of an agent (or bot) member named by its sender, who
//!   is connected by saying something; `Typing` is the agent typing; `Presence Join`/`Disconnect` connect and
//!   disconnect the agent, and a read-only `Disconnect` ends the chat.
//! - **Liveness**: the service sends nothing while nobody speaks, so after `heartbeatTimeout` of silence one
//!   `echo` is sent; silence for as long again means the connection is lost.
//! - **Order**: the service does not keep it, so messages wait [`REORDER_MS`] after the first one waiting and go
//!   in `channel.time` order (typing at once); de-duplication by id keeps each once.
//! - **Reading what was missed**: history pages (newest first) are read until one reaches messages already
//!   seen, then applied oldest first. A reload reads them all (the snapshot keeps the token and the JWT) and
//!   takes who is in the chat from them.
//!
//! The session reaches this module only through [`run`], when a Web Messaging configuration is in force (which
//! only [`Config::parse_with_messaging`] makes, and only with the `webmessaging` feature).

use super::transport::Op;
use super::*;
use crate::core::guestchat::Created;
use crate::core::text::push_uint;
use crate::core::webmessaging::read::{
    Direction, Frame as WmFrame, HistoryPage, MessageEvent, Presence, StructuredMessage,
};
use crate::core::webmessaging::{self as wm, GuestEvent};

/// The guest's own member id: a messaging session has no member ids, so the session names the guest this.
pub const GUEST: &str = "guest";
/// `startChat` on a messaging configuration before the shell gave a token ([`Session::guest_token`]).
pub const NO_TOKEN: &str = "WebChatService: no Web Messaging session token was given";
/// `sendFile` on a messaging configuration: the attachment flow (`onAttachment`, an upload to the presigned URL,
/// then a message naming the attachment) is not carried; docs/webmessaging.md does not document it fully.
pub const NO_MESSAGING_FILES: &str = "WebChatService: sendFile is not supported over Web Messaging";

/// The `tracingId` of the liveness echo: its answer is liveness only.
const ECHO: &str = "cx-echo";
/// History pages are read this large (the service's maximum).
const HISTORY_PAGE: u32 = 100;
/// Messages that arrive within this many ms of the first one waiting are delivered in the order of their
/// `channel.time`, not of their arrival (the service does not keep order; a burst it reorders arrives
/// together).
const REORDER_MS: u32 = 200;

/// What the messaging transport keeps beside the session.
#[derive(Debug, Default)]
pub(super) struct State {
    /// The token for the next new session, from the shell ([`Session::guest_token`]).
    pub(super) next_token: Option<String>,
    /// An echo was sent after a silence: the next silence means the connection is lost.
    pub(super) probing: bool,
    /// The history pages read so far for the read in progress, newest first.
    pub(super) pages: Vec<StructuredMessage>,
    /// The agent who spoke or joined last: whom a typing event without a sender is from.
    pub(super) last_agent: Option<String>,
    /// Messages waiting for the reorder window to close, with their `tracingId`s.
    pub(super) buffer: Vec<(StructuredMessage, Option<String>)>,
    /// History reads waiting for a JWT (pending as `Messages`, with the deadline of any request): one `getJwt`
    /// answers them all. (This and the next only with the feature, as `guest_name`: the session of a build
    /// without it keeps its size.)
    #[cfg(feature = "webmessaging")]
    pub(super) jwt_waiting: Vec<u32>,
    /// A 401 made the transport ask for a new JWT, and no history read was answered otherwise since: another 401
    /// is a refusal (once), not an expired credential.
    #[cfg(feature = "webmessaging")]
    pub(super) jwt_renewed: bool,
    /// The guest's name from the snapshot, for a restore ([`Snapshot::guest_name`]). (Only with the feature:
    /// the session of a build without it keeps its size.)
    #[cfg(feature = "webmessaging")]
    pub(super) guest_name: String,
}

/// The transport's requests and answers (stateless: the session holds the state).
struct WebMessaging;

fn tracing(id: u32) -> String {
    let mut t = String::from("cx-");
    push_uint(&mut t, u64::from(id));
    t
}

/// The request id a `tracingId` names, if it is one of ours.
fn traced(t: Option<&str>) -> Option<u32> {
    t?.strip_prefix("cx-")?.parse().ok()
}

/// A refusal as the HTTP result the session reads: 429 and 5xx are transient (the request may be retried),
/// the service's own codes (4000–4999, 5000) fold into 400 and 500.
fn refusal(code: u32, text: String) -> HttpResult {
    let status = match code {
        100..=599 => code as u16,
        5000..=5999 => 500,
        4029 => 429,
        _ => 400,
    };
    HttpResult::Status {
        status,
        status_text: text.clone(),
        text,
    }
}

impl Session {
    /// A fresh session token for the next messaging chat. The token is the guest's credential (whoever has it
    /// reads the conversation), so the shell makes it from the browser's cryptographic random
    /// (`crypto.randomUUID()`), not from [`Ctx::random`].
    pub fn guest_token(&mut self, token: String) {
        self.wm.next_token = Some(token);
    }

    fn wm_endpoint(&self) -> wm::Endpoint {
        match &self.cfg().transport {
            config::Transport::WebMessaging(m) => wm::Endpoint::new(&m.data_url, &m.deployment_id),
            config::Transport::GuestChat(_) => wm::Endpoint::default(),
        }
    }

    /// Registers a request carried by the socket: pending, with the deadline of any request; `None` when the
    /// socket is not attached (then it fails at once, by its deadline of 0).
    fn socket_request(&mut self, kind: Pending) -> Option<String> {
        let id = self.next_req;
        self.next_req = self.next_req.wrapping_add(1).max(1);
        self.pending.push((id, kind));
        if self.sock != Sock::Open {
            self.arm(Timer::Request(id), 0);
            return None;
        }
        let ms = self.cfg().request_timeout_ms.min(u64::from(u32::MAX)) as u32;
        self.arm(Timer::Request(id), ms);
        Some(tracing(id))
    }

    fn socket_send(&mut self, frame: String) {
        self.out.push(Output::SocketSend(frame));
    }

    /// The member of an outbound message's sender, learned (and its id remembered as the last agent).
    fn sender_of(&mut self, m: &StructuredMessage) -> String {
        let (prefix, role, fallback) = if m.bot {
            ("bot:", "WORKFLOW", "Bot")
        } else {
            ("agent:", "AGENT", "Agent")
        };
        let Some(name) = m.from_name.as_deref() else {
            if let Some(last) = self.wm.last_agent.clone() {
                return last;
            }
            return self.learn_sender(crate::core::text::concat(&[prefix, fallback]), fallback, role, m);
        };
        self.learn_sender(crate::core::text::concat(&[prefix, name]), name, role, m)
    }

    fn learn_sender(&mut self, id: String, name: &str, role: &str, m: &StructuredMessage) -> String {
        let own = self.conv.member_id.clone();
        self.transcript.learn(
            &WireMember {
                id: id.clone(),
                display_name: Some(name.to_string()),
                role: Some(role.to_string()),
                state: None,
                avatar_image_url: m.from_image.clone(),
            },
            &own,
        );
        self.wm.last_agent = Some(id.clone());
        id
    }

    fn wire(&self, m: &StructuredMessage, sender: String) -> WireMessage {
        WireMessage {
            id: m.id.clone(),
            sender_id: sender,
            body: m.text.clone().unwrap_or_default(),
            body_type: "standard".into(),
            timestamp: m.time.clone(),
            timestamp_ms: m.time_ms,
        }
    }

    /// A presence event as the notice Guest Chat stores for it (`member-join`, `member-leave`): the page shows
    /// `ParticipantJoined` / `ParticipantLeft` on both transports. `None` for an event without an id of its own
    /// (one that came with a text, which is the message).
    fn notice(&self, m: &StructuredMessage, sender: String, kind: &str) -> Option<WireMessage> {
        if m.id.is_empty() || m.text.is_some() {
            return None;
        }
        let mut w = self.wire(m, sender);
        w.body_type = kind.into();
        Some(w)
    }

    /// The frames a message means to the session (`live`: it just happened, so typing counts).
    fn frames_of(&mut self, m: &StructuredMessage, live: bool) -> Vec<Frame> {
        let mut out = Vec::new();
        let member = |id: &str, state: &str| {
            Frame::MemberChange(WireMember {
                id: id.to_string(),
                state: Some(state.to_string()),
                ..Default::default()
            })
        };
        if m.direction == Direction::Inbound {
            // The guest's own: its texts (its events — typing, autostart, clear — are its requests' echoes).
            if m.text.is_some() && !m.id.is_empty() {
                out.push(Frame::Message(self.wire(m, self.conv.member_id.clone())));
            }
            return out;
        }
        if m.text.is_some() {
            let from = self.sender_of(m);
            out.push(member(&from, "CONNECTED"));
            out.push(Frame::Message(self.wire(m, from)));
        }
        for e in &m.events {
            match e {
                MessageEvent::Typing { .. } if live => {
                    let from = self.sender_of(m);
                    out.push(Frame::Typing(self.wire(m, from)));
                }
                MessageEvent::Presence(Presence::Join) => {
                    let from = self.sender_of(m);
                    out.push(member(&from, "CONNECTED"));
                    out.extend(self.notice(m, from, "member-join").map(Frame::Message));
                }
                MessageEvent::Presence(Presence::Disconnect) if m.read_only => {
                    // The conversation is over: its agents leave, then the guest.
                    let agents: Vec<String> = self
                        .transcript
                        .members
                        .iter()
                        .filter(|x| x.connected && x.id != self.conv.member_id)
                        .map(|x| x.id.clone())
                        .collect();
                    for a in agents {
                        out.push(member(&a, "DISCONNECTED"));
                    }
                    out.push(member(&self.conv.member_id, "DISCONNECTED"));
                }
                MessageEvent::Presence(Presence::Disconnect) => {
                    let from = self.sender_of(m);
                    out.push(member(&from, "DISCONNECTED"));
                    out.extend(self.notice(m, from, "member-leave").map(Frame::Message));
                }
                _ => {}
            }
        }
        out
    }

    /// A frame from the messaging socket (read by [`crate::core::webmessaging::read::frame`]).
    pub fn messaging_frame(&mut self, f: WmFrame, ctx: Ctx) {
        self.now = ctx.now;
        if self.sock == Sock::Closed || !self.is_active() || !self.messaging() {
            return;
        }
        self.wm.probing = false;
        if self.sock == Sock::Open && self.phase != Phase::Restoring {
            let hb = self.cfg().heartbeat_timeout_ms.min(u64::from(u32::MAX)) as u32;
            self.arm(Timer::Heartbeat, hb);
            if ctx.now - self.last_saved >= SNAPSHOT_REFRESH_MS {
                self.save(ctx.now);
            }
        }
        match f {
            WmFrame::Session(r) => self.session_answered(r, ctx),
            WmFrame::Message {
                message, tracing_id, ..
            } => {
                // While restoring, the socket only fetched the JWT: what it says is read from the history by the
                // catch-up that follows the restore.
                if tracing_id.as_deref() == Some(ECHO)
                    || self.sock != Sock::Open
                    || self.phase == Phase::Restoring
                {
                    return;
                }
                let typing_only = message.text.is_none()
                    && message
                        .events
                        .iter()
                        .all(|e| matches!(e, MessageEvent::Typing { .. }));
                if typing_only && self.wm.buffer.is_empty() {
                    // Typing is not part of the transcript: shown at once, unless it would overtake what waits
                    // (an agent's join is followed at once by its typing).
                    self.take_message(message, tracing_id, ctx);
                } else {
                    // The service does not keep order: what arrives within the window is put in order first.
                    if self.wm.buffer.is_empty() {
                        self.arm(Timer::Reorder, REORDER_MS);
                    }
                    self.wm.buffer.push((message, tracing_id));
                    return;
                }
                self.deliver(false, ctx);
                self.pump(ctx);
            }
            WmFrame::Jwt { jwt, .. } => {
                if jwt.is_empty() {
                    // Nothing to read with: the reads waiting for it fail by their deadline.
                    return;
                }
                self.conv.jwt = jwt;
                self.save(ctx.now);
                // The reads that waited for it go now.
                #[cfg(feature = "webmessaging")]
                for id in std::mem::take(&mut self.wm.jwt_waiting) {
                    let Some(pos) = self.pending.iter().position(|(i, _)| *i == id) else {
                        continue;
                    };
                    let (_, p) = self.pending.remove(pos);
                    self.cancel(Timer::Request(id));
                    if let Pending::Messages(fetch) = p {
                        WebMessaging.read_history(self, fetch);
                    }
                }
            }
            WmFrame::Error {
                code,
                text,
                tracing_id,
                retry_after_s,
            } => {
                let result = refusal(code, text);
                match traced(tracing_id.as_deref()) {
                    Some(id) if self.pending.iter().any(|(i, _)| *i == id) => {
                        self.http(id, result, ctx);
                        // Too many requests: the service says when to try again, and a send's retry waits that
                        // long at least (a minute at most).
                        let wait = retry_after_s.unwrap_or(0.0).clamp(0.0, 60.0) * 1000.0;
                        let due = self.now + wait;
                        if let Some(t) = self.timers.iter_mut().find(|(t, _)| *t == Timer::SendRetry) {
                            t.1 = t.1.max(due);
                        }
                    }
                    _ => {
                        self.fail(&result);
                    }
                }
            }
            WmFrame::SessionCleared => {
                self.release(ctx);
                if !self.is_active() {
                    return;
                }
                let leave = self
                    .pending
                    .iter()
                    .find(|(_, p)| matches!(p, Pending::Leave { .. }))
                    .map(|(id, _)| *id);
                match leave {
                    Some(id) => self.http(
                        id,
                        HttpResult::Ok {
                            status: 200,
                            reply: Reply::None,
                        },
                        ctx,
                    ),
                    None => self.finish(ctx),
                }
            }
            WmFrame::SessionExpired | WmFrame::LoggedOut => {
                self.release(ctx);
                self.finish(ctx);
            }
            // Another socket closed the session's connections: this socket closes too, and reconnects.
            WmFrame::ConnectionClosed | WmFrame::Other => {}
        }
    }

    /// A message from the socket, in its turn: what it means applied (or held during a catch-up), and the
    /// request it answers answered.
    fn take_message(&mut self, message: StructuredMessage, tracing_id: Option<String>, ctx: Ctx) {
        // The conversation ending while the guest clears it answers the guest's leave (the `SessionClearedEvent`
        // after it would reach a session already closed): its agents leave, then the leave is answered in place
        // of the guest's own leaving.
        let ended = message.read_only
            && message
                .events
                .contains(&MessageEvent::Presence(Presence::Disconnect));
        let leave = if ended {
            self.pending
                .iter()
                .find(|(_, p)| matches!(p, Pending::Leave { .. }))
                .map(|(id, _)| *id)
        } else {
            None
        };
        for f in self.frames_of(&message, true) {
            if let (Some(id), Frame::MemberChange(m)) = (leave, &f) {
                if m.id == self.conv.member_id {
                    let ok = HttpResult::Ok {
                        status: 200,
                        reply: Reply::None,
                    };
                    self.http(id, ok, ctx);
                    return;
                }
            }
            if self.holding() {
                self.held.push(f);
            } else {
                self.apply_frame(f, ctx);
            }
            if !self.is_active() {
                return;
            }
        }
        if let Some(id) = traced(tracing_id.as_deref()) {
            let own = self.conv.member_id.clone();
            let reply = if message.text.is_some() {
                Reply::Message(self.wire(&message, own))
            } else {
                Reply::None
            };
            self.http(id, HttpResult::Ok { status: 200, reply }, ctx);
        }
    }

    /// The reorder window closed (or the socket or session is going): what it held, oldest first.
    fn release(&mut self, ctx: Ctx) {
        self.cancel(Timer::Reorder);
        let mut held = std::mem::take(&mut self.wm.buffer);
        if held.is_empty() || !self.is_active() {
            return;
        }
        held.sort_by(|a, b| a.0.time_ms.total_cmp(&b.0.time_ms));
        for (m, t) in held {
            self.take_message(m, t, ctx);
            if !self.is_active() {
                return;
            }
        }
        self.deliver(false, ctx);
        self.pump(ctx);
    }

    /// The `SessionResponse`: the socket is attached to the session.
    fn session_answered(&mut self, r: wm::read::SessionResponse, ctx: Ctx) {
        if self.sock != Sock::Opening {
            return;
        }
        let create = self
            .pending
            .iter()
            .find(|(_, p)| matches!(p, Pending::Create { .. }))
            .map(|(id, _)| *id);
        if let Some(id) = create {
            if r.read_only {
                // The token's last conversation is over: start a new one.
                let frame = self.wm_endpoint().configure_session(&self.conv.id, true);
                self.socket_send(frame);
                return;
            }
            self.sock = Sock::Open;
            if !r.connected {
                self.http(
                    id,
                    refusal(400, "Web Messaging session not connected".into()),
                    ctx,
                );
                return;
            }
            let created = Created {
                conversation_id: self.conv.id.clone(),
                member_id: self.conv.member_id.clone(),
                jwt: String::new(),
                event_stream_uri: self.conv.stream_uri.clone(),
            };
            self.http(
                id,
                HttpResult::Ok {
                    status: 200,
                    reply: Reply::Created(created),
                },
                ctx,
            );
            // The guest is in the conversation (its leaving ends the chat).
            let own = self.conv.member_id.clone();
            self.apply_frame(
                Frame::MemberChange(WireMember {
                    id: own,
                    role: Some("CUSTOMER".into()),
                    state: Some("CONNECTED".into()),
                    ..Default::default()
                }),
                ctx,
            );
            let token = self.conv.id.clone();
            self.socket_send(wm::get_jwt(&token, "cx-jwt"));
            if r.new_session {
                // Autostart: the conversation is routed to an agent now, as a Guest Chat is once created.
                self.socket_send(wm::event(&token, GuestEvent::Join, "cx-join"));
            }
            return;
        }
        if self.phase == Phase::Restoring {
            // Opened by a restore for the JWT (a reload before `getJwt` answered, or an expired one): the token
            // alone names the session.
            if r.read_only || r.new_session || !r.connected {
                self.restore_gone(ctx);
                return;
            }
            self.sock = Sock::Open;
            #[cfg(feature = "webmessaging")]
            if !self.wm.jwt_waiting.is_empty() {
                let frame = wm::get_jwt(&self.conv.id, "cx-jwt");
                self.socket_send(frame);
            }
            return;
        }
        if r.read_only || r.new_session || !r.connected {
            // The conversation ended (or was forgotten) while the socket was away.
            self.finish(ctx);
            return;
        }
        self.sock = Sock::Open;
        self.attached(ctx);
    }

    /// A history page for `fetch`: more pages are read until one reaches what was already seen; then all of
    /// them are applied, oldest first.
    fn history_page(&mut self, fetch: Fetch, page: HistoryPage, ctx: Ctx) {
        self.outcome(&fetch, true);
        #[cfg(feature = "webmessaging")]
        {
            self.wm.jwt_renewed = false;
        }
        let reached = page.entities.iter().any(|m| self.transcript.has_seen(&m.id));
        let more = page.page_number < page.page_count && !reached;
        self.wm.pages.extend(page.entities);
        if more {
            let jwt = self.conv.jwt.clone();
            let req = self
                .wm_endpoint()
                .history(&jwt, page.page_number + 1, HISTORY_PAGE);
            self.request(req, Pending::Messages(fetch));
            return;
        }
        let mut all = std::mem::take(&mut self.wm.pages);
        // Newest first as read; the service's order is not the true one: `channel.time` is.
        all.reverse();
        all.sort_by(|a, b| a.time_ms.total_cmp(&b.time_ms));
        if fetch == Fetch::Restore {
            self.restore_from(all, ctx);
            return;
        }
        for m in &all {
            for f in self.frames_of(m, false) {
                self.apply_frame(f, ctx);
                if !self.is_active() {
                    return;
                }
            }
        }
        self.deliver(false, ctx);
        self.fetch_done(fetch, ctx);
    }
}

impl Session {
    /// A reload restores the chat from its whole history, oldest first: who is in it is what the messages say
    /// (an agent who spoke or joined, and did not leave), taken as it is without replaying presence events;
    /// a conversation that ended meanwhile (a read-only `Disconnect`) cannot be restored.
    fn restore_from(&mut self, all: Vec<StructuredMessage>, ctx: Ctx) {
        if self.phase != Phase::Restoring {
            return;
        }
        let own = self.conv.member_id.clone();
        #[cfg(feature = "webmessaging")]
        let name = std::mem::take(&mut self.wm.guest_name);
        #[cfg(not(feature = "webmessaging"))]
        let name = String::new();
        self.transcript.learn(
            &WireMember {
                id: own.clone(),
                role: Some("CUSTOMER".into()),
                display_name: (!name.is_empty()).then_some(name),
                ..Default::default()
            },
            &own,
        );
        let mut present = vec![(own.clone(), true)];
        for m in &all {
            if m.direction == Direction::Inbound {
                if m.text.is_some() && !m.id.is_empty() {
                    self.restore_messages.push(self.wire(m, own.clone()));
                }
                continue;
            }
            if m.read_only && m.events.contains(&MessageEvent::Presence(Presence::Disconnect)) {
                self.restore_gone(ctx);
                return;
            }
            let from = self.sender_of(m);
            let joined = m.text.is_some() || m.events.contains(&MessageEvent::Presence(Presence::Join));
            let left = m.events.contains(&MessageEvent::Presence(Presence::Disconnect));
            if joined || left {
                present.retain(|(id, _)| *id != from);
                present.push((from.clone(), joined && !left));
            }
            // Its join and leave notices, as a Guest Chat's history has them.
            let notice = if left {
                self.notice(m, from.clone(), "member-leave")
            } else if m.events.contains(&MessageEvent::Presence(Presence::Join)) {
                self.notice(m, from.clone(), "member-join")
            } else {
                None
            };
            self.restore_messages.extend(notice);
            if m.text.is_some() && !m.id.is_empty() {
                self.restore_messages.push(self.wire(m, from));
            }
        }
        for (id, connected) in present {
            if let Some(x) = self.transcript.member_mut(&id) {
                x.connected = connected;
                if connected {
                    x.connected_time = Some(ctx.now);
                }
            }
        }
        self.restore_step_done(ctx);
    }
}

/// Carries out what the session asks of the transport ([`Session::carry`]); `false` when it says no.
pub(super) fn run(s: &mut Session, op: Op) -> bool {
    let t = WebMessaging;
    match op {
        Op::OpenChat(cmd) => t.open_chat(s, cmd),
        Op::Configure => t.configure_session(s),
        Op::Leave(cmd) => t.leave_chat(s, cmd),
        Op::SendText(seq, text) => t.send_text(s, seq, text),
        Op::Typing(cmd) => t.send_typing(s, cmd),
        Op::ReadHistory(fetch) => t.read_history(s, fetch),
        Op::ReadMember(id) => t.read_member(s, id),
        Op::History(fetch, page, ctx) => s.history_page(fetch, page, ctx),
        Op::Probe => return t.probe(s),
        Op::SocketLost(ctx) => t.socket_lost(s, ctx),
        Op::Release(ctx) => s.release(ctx),
        #[cfg(feature = "webmessaging")]
        Op::ReadFailed(fetch, unauthorized) => return t.read_failed(s, fetch, unauthorized),
    }
    true
}

impl WebMessaging {
    fn open_chat(&self, s: &mut Session, cmd: u32) {
        let Some(token) = s.wm.next_token.take() else {
            s.phase = Phase::Idle;
            s.refuse(cmd, NO_TOKEN);
            s.journey_progress("errored", None);
            return;
        };
        let ep = s.wm_endpoint();
        s.conv.id = token;
        s.conv.member_id = GUEST.into();
        s.conv.stream_uri = ep.socket();
        s.wm.last_agent = None;
        s.wm.pages.clear();
        s.wm.buffer.clear();
        #[cfg(feature = "webmessaging")]
        {
            s.wm.jwt_waiting.clear();
            s.wm.jwt_renewed = false;
        }
        let id = s.next_req;
        s.next_req = s.next_req.wrapping_add(1).max(1);
        s.pending.push((id, Pending::Create { cmd }));
        let ms = s.cfg().request_timeout_ms.min(u64::from(u32::MAX)) as u32;
        s.arm(Timer::Request(id), ms);
        s.connect();
    }

    fn configure_session(&self, s: &mut Session) {
        let frame = s.wm_endpoint().configure_session(&s.conv.id, false);
        s.socket_send(frame);
        if s.phase != Phase::Starting {
            // A socket that opened but whose session never answers is lost like a silent one (a new chat's
            // configuration has the create's deadline instead).
            let hb = s.cfg().heartbeat_timeout_ms.min(u64::from(u32::MAX)) as u32;
            s.arm(Timer::Heartbeat, hb);
        }
    }

    fn leave_chat(&self, s: &mut Session, cmd: u32) {
        if let Some(t) = s.socket_request(Pending::Leave { cmd }) {
            let frame = wm::event(&s.conv.id, GuestEvent::Clear, &t);
            s.socket_send(frame);
        }
    }

    fn send_text(&self, s: &mut Session, seq: u32, text: &str) {
        if let Some(t) = s.socket_request(Pending::Send(seq)) {
            let frame = wm::text(&s.conv.id, text, &t);
            s.socket_send(frame);
        }
    }

    fn send_typing(&self, s: &mut Session, cmd: Option<u32>) {
        let result = if s.sock == Sock::Open {
            let frame = wm::event(&s.conv.id, GuestEvent::Typing, "cx-typing");
            s.socket_send(frame);
            s.succeeded();
            HttpResult::Ok {
                status: 200,
                reply: Reply::None,
            }
        } else {
            HttpResult::Network("not connected".into())
        };
        let ajax = if matches!(result, HttpResult::Ok { .. }) {
            ajax_of(&result)
        } else {
            s.fail(&result)
        };
        if let Some(cmd) = cmd {
            if ajax.status == 200 {
                s.resolve(cmd, Value::Ajax(ajax));
            } else {
                s.reject(cmd, Value::Ajax(ajax));
            }
        }
    }

    fn read_history(&self, s: &mut Session, fetch: Fetch) {
        s.wm.pages.clear();
        if s.conv.jwt.is_empty() {
            self.await_jwt(s, fetch);
            return;
        }
        let req = s.wm_endpoint().history(&s.conv.jwt, 1, HISTORY_PAGE);
        s.request(req, Pending::Messages(fetch));
    }

    /// A history read for `fetch` waits for the session's JWT, asked for on the socket (opened for it while
    /// restoring). It is pending like any read, with the same deadline (at once when there is no socket to ask
    /// on), so a JWT that never comes fails it as an unanswered read would.
    fn await_jwt(&self, s: &mut Session, fetch: Fetch) {
        let id = s.next_req;
        s.next_req = s.next_req.wrapping_add(1).max(1);
        s.pending.push((id, Pending::Messages(fetch)));
        #[cfg(feature = "webmessaging")]
        let first = {
            let pending = &s.pending;
            s.wm.jwt_waiting.retain(|w| pending.iter().any(|(i, _)| i == w));
            let first = s.wm.jwt_waiting.is_empty();
            s.wm.jwt_waiting.push(id);
            first
        };
        #[cfg(not(feature = "webmessaging"))]
        let first = true;
        let restoring = s.phase == Phase::Restoring;
        let ms = if s.sock == Sock::Open || restoring {
            s.cfg().request_timeout_ms.min(u64::from(u32::MAX)) as u32
        } else {
            0
        };
        s.arm(Timer::Request(id), ms);
        match s.sock {
            Sock::Open if first => {
                let frame = wm::get_jwt(&s.conv.id, "cx-jwt");
                s.socket_send(frame);
            }
            Sock::Closed if restoring => s.connect(),
            // Asked once the session answers (restoring), or failing at its deadline.
            _ => {}
        }
    }

    /// A history read failed. Refused 401, the JWT expired: a new one is asked for and the read made again with
    /// it; `false` (the failure stands) for any other failure, and when the JWT just renewed was refused too. The
    /// read's own retry (after its backoff) renews again: a JWT can expire while a slow read carries it, and a
    /// session that refuses every JWT costs one `getJwt` per retry, not a loop.
    #[cfg(feature = "webmessaging")]
    fn read_failed(&self, s: &mut Session, fetch: Fetch, unauthorized: bool) -> bool {
        if !unauthorized {
            // The JWT was not refused: a later 401 is its expiry.
            s.wm.jwt_renewed = false;
            return false;
        }
        let pending = &s.pending;
        let renewing =
            s.wm.jwt_waiting
                .iter()
                .any(|w| pending.iter().any(|(i, _)| i == w));
        if s.wm.jwt_renewed && !renewing {
            s.wm.jwt_renewed = false;
            return false;
        }
        s.wm.jwt_renewed = true;
        s.conv.jwt.clear();
        self.read_history(s, fetch);
        true
    }

    fn read_member(&self, s: &mut Session, id: &str) {
        s.transcript.awaiting.retain(|a| a != id);
    }

    fn probe(&self, s: &mut Session) -> bool {
        if s.sock != Sock::Open || std::mem::replace(&mut s.wm.probing, true) {
            return false;
        }
        let frame = wm::echo(&s.conv.id, ECHO);
        s.socket_send(frame);
        let hb = s.cfg().heartbeat_timeout_ms.min(u64::from(u32::MAX)) as u32;
        s.arm(Timer::Heartbeat, hb);
        true
    }

    fn socket_lost(&self, s: &mut Session, ctx: Ctx) {
        s.wm.probing = false;
        // What arrived before the socket closed is delivered (and answers its requests) before they fail.
        s.release(ctx);
        #[cfg(feature = "webmessaging")]
        let waiting = std::mem::take(&mut s.wm.jwt_waiting);
        #[cfg(not(feature = "webmessaging"))]
        let waiting: Vec<u32> = Vec::new();
        let on_socket: Vec<u32> = s
            .pending
            .iter()
            .filter(|(id, p)| {
                matches!(
                    p,
                    Pending::Create { .. } | Pending::Send(_) | Pending::Leave { .. }
                ) || waiting.contains(id)
            })
            .map(|(id, _)| *id)
            .collect();
        for id in on_socket {
            s.http(id, HttpResult::Network("socket closed".into()), ctx);
        }
    }
}
