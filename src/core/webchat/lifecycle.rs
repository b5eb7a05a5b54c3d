//! Configuration, boot, and a chat's life: created, left, or over (however it ended).

use super::*;
use crate::core::guestchat::{Created, MemberInfo};

impl Session {
    /// Sets the configuration; a snapshot waiting for it is restored now.
    pub fn configure(&mut self, config: Config, ctx: Ctx) {
        self.now = ctx.now;
        self.config = Some(config);
        if self.booted {
            self.announce();
        }
        if self.phase == Phase::RestorePending {
            self.phase = Phase::Idle;
            if let Some(s) = self.stored_snapshot.take() {
                self.begin_restore(s, ctx);
            }
        }
    }

    /// The page loaded with (maybe) a stored snapshot.
    pub fn boot(&mut self, snapshot: Option<Snapshot>, ctx: Ctx) {
        self.now = ctx.now;
        self.booted = true;
        if self.config.is_some() {
            self.announce();
        }
        let Some(s) = snapshot else { return };
        if self.config.is_none() {
            self.stored_snapshot = Some(s);
            self.phase = Phase::RestorePending;
            return;
        }
        self.begin_restore(s, ctx);
    }

    /// `ready`, then `capabilitiesChanged`: once, when the service is loaded and configured (an unconfigured
    /// service is silent: pages and analytics hear of it once it can chat).
    pub(super) fn announce(&mut self) {
        if std::mem::replace(&mut self.announced, true) {
            return;
        }
        self.emit(Event::Ready);
        let pagination = self.cfg().pagination;
        self.emit(Event::CapabilitiesChanged { pagination });
    }

    /// `startChat` whose options override the configured `interactionData`, `deploymentKey` or organization (as
    /// the shipped service reads them): `config` is the configuration with those overrides, used for this chat's
    /// creation only.
    pub fn start_chat_with(&mut self, cmd: u32, info: MemberInfo, config: Config, ctx: Ctx) {
        self.now = ctx.now;
        if self.config.is_none() {
            self.refuse(cmd, NOT_CONFIGURED);
            return;
        }
        self.start_chat(cmd, info, Some(config), ctx);
    }

    pub(super) fn start_chat(&mut self, cmd: u32, info: MemberInfo, over: Option<Config>, ctx: Ctx) {
        if self.is_active() || self.phase == Phase::RestorePending {
            self.refuse(cmd, ALREADY_ACTIVE);
            return;
        }
        let Some(config) = over.or_else(|| self.config.clone()) else {
            self.refuse(cmd, NOT_CONFIGURED);
            return;
        };
        self.reset_session();
        self.journey = config.journey.is_some();
        self.journey_progress("accepted", None);
        self.phase = Phase::Starting;
        self.conv.start_time = ctx.now;
        // The guest's own name, for `from.name` of its messages: the display name the server is given.
        let name = info.display_name.clone().unwrap_or_else(|| "Customer".into());
        self.transcript.learn(
            &WireMember {
                id: String::new(),
                display_name: Some(name),
                role: Some("CUSTOMER".into()),
                state: None,
                avatar_image_url: None,
            },
            "",
        );
        self.open_chat(cmd, &info, &config);
    }

    pub(super) fn reset_session(&mut self) {
        self.conv = Conversation::default();
        self.transcript.clear();
        self.queue.clear();
        self.claimed.clear();
        self.held.clear();
        self.catching_up = 0;
        self.catch_up_failed = false;
        self.disconnected = false;
        self.reconnect_attempt = 0;
        self.exceptions = 0;
        self.offline = false;
        self.pending_conn = false;
        self.polling = false;
        self.polls_in_flight = 0;
        self.agent_typing = None;
        self.typing_timeout_due = false;
        self.typing_held = None;
        self.client_typing = false;
        self.engaged = false;
        self.send_attempt = 0;
    }

    pub(super) fn end_chat(&mut self, cmd: u32) {
        if matches!(self.phase, Phase::Ending | Phase::Starting) {
            // Being created or already leaving: the first endChat settles with the answer; this one is refused.
            self.refuse(cmd, NO_SESSION_END);
            return;
        }
        if !matches!(self.phase, Phase::Active | Phase::Restoring) {
            // As the vendor: refused, and `clientDisconnected` + `ended` are still published (a page's "End"
            // button that closes its window on `ended` works whether or not a chat was running).
            self.refuse(cmd, NO_SESSION_END);
            self.emit(Event::ClientDisconnected);
            self.emit(Event::Ended);
            return;
        }
        self.phase = Phase::Ending;
        self.leave_chat(cmd);
    }

    pub(super) fn on_created(&mut self, cmd: u32, result: HttpResult, ctx: Ctx) {
        if self.phase != Phase::Starting {
            return;
        }
        match result {
            HttpResult::Ok {
                reply: Reply::Created(c),
                status,
            } => {
                self.succeeded();
                let Created {
                    conversation_id,
                    member_id,
                    jwt,
                    event_stream_uri,
                } = c.clone();
                self.conv.id = conversation_id;
                self.conv.member_id = member_id.clone();
                self.conv.jwt = jwt;
                self.conv.stream_uri = event_stream_uri;
                // The name given at startChat was recorded under "" before the member id was known.
                if let Some(pos) = self.transcript.members.iter().position(|m| m.id.is_empty()) {
                    if let Some(m) = self.transcript.members.get_mut(pos) {
                        m.id = member_id;
                    }
                }
                self.phase = Phase::Active;
                let _ = (status, c);
                // The vendor resolves `undefined`, then publishes `started` with the session object and
                // `ajaxResponse`.
                self.resolve(cmd, Value::Undefined);
                let data = self.session_data();
                self.emit(Event::Started(data));
                self.emit(Event::AjaxResponse);
                self.journey_progress("started", None);
                self.save(ctx.now);
                if self.sock == Sock::Open {
                    // The transport's socket carried the creation (Web Messaging): the stream is open.
                    self.attached(ctx);
                } else {
                    self.connect();
                }
                self.pump(ctx);
            }
            other => {
                let ajax = self.fail(&other);
                self.phase = Phase::Idle;
                if self.sock != Sock::Closed {
                    // The socket that carried the creation (Web Messaging).
                    self.sock = Sock::Closed;
                    self.out.push(Output::SocketClose);
                }
                self.reject(cmd, Value::Ajax(ajax.clone()));
                let msg = match &ajax.body {
                    AjaxBody::Text(t) if !t.is_empty() => t.clone(),
                    _ => ajax.status_text.clone(),
                };
                self.journey_progress("errored", Some((i32::from(ajax.status), msg)));
                self.drop_queue();
            }
        }
    }

    pub(super) fn on_left(&mut self, cmd: u32, result: HttpResult, ctx: Ctx) {
        match result {
            HttpResult::Ok { .. } | HttpResult::Status { status: 404, .. } => {
                let status = match &result {
                    HttpResult::Ok { status, .. } | HttpResult::Status { status, .. } => *status,
                    HttpResult::Network(_) => 0,
                };
                self.resolve(cmd, Value::Xhr(status));
                self.finish(ctx);
            }
            other => {
                let ajax = self.fail(&other);
                self.phase = Phase::Active;
                self.reject(cmd, Value::Ajax(ajax));
            }
        }
    }

    /// The chat is over (we left, or the server says our member is disconnected).
    pub(super) fn finish(&mut self, ctx: Ctx) {
        if !self.is_active() {
            return;
        }
        self.phase = Phase::Idle;
        self.conv.end_time = Some(ctx.now);
        if self.sock != Sock::Closed {
            self.sock = Sock::Closed;
            self.out.push(Output::SocketClose);
        }
        for t in [
            Timer::Heartbeat,
            Timer::Reconnect,
            Timer::AgentTyping,
            Timer::ClientTyping,
            Timer::Poll,
            Timer::SendRetry,
            Timer::CatchUp,
            Timer::Reorder,
        ] {
            self.cancel(t);
        }
        if self.polling {
            self.polling = false;
            self.emit(Event::PollingStopped);
        }
        self.drop_queue();
        // Lookups and fetches still in flight belong to the chat that is over: their answers must not reach the
        // next chat (found by the guestchat_frame fuzz target). Requests whose command still waits are kept.
        self.drop_pending(&|p| {
            !matches!(
                p,
                Pending::Create { .. } | Pending::Leave { .. } | Pending::Typing { cmd: Some(_) }
            )
        });
        self.out.push(Output::Store(None));
        self.conv.jwt.clear();
        // As the vendor: the transcript and the agents are emptied when the chat ends.
        self.transcript.clear();
        self.emit(Event::ClientDisconnected);
        self.emit(Event::Ended);
        self.journey_progress("completed", None);
    }

    /// Forgets the requests in flight that `stale` picks: their answers will be ignored, their timeouts disarmed.
    /// `dyn`: one instance of the `retain` below for every caller.
    pub(super) fn drop_pending(&mut self, stale: &dyn Fn(&Pending) -> bool) {
        let mut gone = Vec::new();
        self.pending.retain(|(id, p)| {
            let drop = stale(p);
            if drop {
                gone.push(*id);
            }
            !drop
        });
        for &id in &gone {
            self.cancel(Timer::Request(id));
        }
    }

    pub(super) fn drop_queue(&mut self) {
        while let Some(o) = pop_head(&mut self.queue) {
            if let Some(cmd) = o.cmd {
                self.refuse(cmd, NO_SESSION);
            }
        }
    }
}
