//! The stream: opening the socket, the heartbeat watchdog, reconnecting with backoff, the catch-up after a
//! reconnect (frames held meanwhile), and applying frames.

use super::transcript::Role;
use super::transport::Op;
use super::*;

impl Session {
    /// Opens the stream (sockets) or starts polling.
    pub(super) fn connect(&mut self) {
        if self.cfg().polling {
            self.start_polling();
            return;
        }
        self.sock = Sock::Opening;
        let url = self.conv.stream_uri.clone();
        self.out.push(Output::SocketOpen { url });
    }

    /// The socket opened.
    pub fn socket_open(&mut self, ctx: Ctx) {
        self.now = ctx.now;
        if self.sock != Sock::Opening || !self.is_active() {
            return;
        }
        if self.carry(Op::Configure) {
            // Open once the session answers (`messaging`).
            return;
        }
        self.sock = Sock::Open;
        self.attached(ctx);
    }

    /// The stream is open: reconnected (and catching up) if it had been lost, and sends may go.
    pub(super) fn attached(&mut self, ctx: Ctx) {
        self.reconnect_attempt = 0;
        self.succeeded();
        let hb = self.cfg().heartbeat_timeout_ms.min(u64::from(u32::MAX)) as u32;
        self.arm(Timer::Heartbeat, hb);
        if self.disconnected {
            self.disconnected = false;
            self.emit(Event::Reconnected);
            self.start_catch_up();
        } else if self.catch_up_on_open {
            self.start_catch_up();
        }
        self.catch_up_on_open = false;
        self.pump(ctx);
    }

    /// From the start of a catch-up until one succeeds: stream frames are held (those that come once its reads
    /// are sent are newer than what the reads answer) and sends wait. A failed catch-up keeps holding and is tried again: releasing the frames would
    /// deliver them ahead of the messages it had yet to read.
    pub(super) fn holding(&self) -> bool {
        self.catching_up > 0 || self.catch_up_failed
    }

    pub(super) fn start_catch_up(&mut self) {
        self.catching_up = 2;
        self.catch_up_failed = false;
        let after = self.transcript.last_id.clone();
        self.read_messages(after.as_deref(), None, 100, Fetch::CatchUp);
        if self.read_members(Fetch::CatchUp) {
            // The members read answers with everyone's state as it is now: a member change held until here (by a
            // catch-up that failed or was cut short) is older than that answer, and applied after it would undo it.
            self.held.retain(|f| !matches!(f, Frame::MemberChange(_)));
        } else {
            self.catching_up = 1;
        }
    }

    pub(super) fn catch_up_step(&mut self, ctx: Ctx) {
        self.catching_up = self.catching_up.saturating_sub(1);
        if self.catching_up > 0 {
            return;
        }
        if self.catch_up_failed {
            // Read again later, still holding what the stream sends meanwhile.
            let ms = self.backoff(self.cfg().reconnect_interval_ms, self.exceptions, ctx);
            self.arm(Timer::CatchUp, ms);
            return;
        }
        let held = std::mem::take(&mut self.held);
        for f in held {
            self.apply_frame(f, ctx);
            if !self.is_active() {
                return;
            }
        }
        self.deliver(false, ctx);
        self.pump(ctx);
    }

    /// The socket closed or failed (any reason).
    pub fn socket_closed(&mut self, ctx: Ctx) {
        self.now = ctx.now;
        if self.sock == Sock::Closed || !self.is_active() {
            self.sock = Sock::Closed;
            return;
        }
        let was_open = self.sock == Sock::Open;
        self.sock = Sock::Closed;
        self.socket_lost(ctx);
        if !self.is_active() {
            return;
        }
        // A Web Messaging restore's socket (opened for the JWT): its read failed with it and is retried by the
        // restore; the chat was not connected yet, so nothing is `disconnected`.
        if self.messaging() && self.phase == Phase::Restoring {
            return;
        }
        if !was_open {
            self.failed();
        }
        self.lost(ctx);
    }

    /// The socket closed: requests it carried (Web Messaging's) have failed.
    pub(super) fn socket_lost(&mut self, ctx: Ctx) {
        self.carry(Op::SocketLost(ctx));
    }

    pub(super) fn lost(&mut self, ctx: Ctx) {
        self.cancel(Timer::Heartbeat);
        if !self.disconnected {
            self.disconnected = true;
            self.emit(Event::Disconnected);
        }
        // Held frames of an unfinished catch-up are kept; the next catch-up re-reads them anyway. Its requests
        // still in flight are forgotten: answered during the next catch-up, they would count as that one's and
        // end it early, releasing sends and stream frames before the messages it fetches (found by the soak
        // model: a frame delivered ahead of older messages).
        self.catching_up = 0;
        self.catch_up_failed = false;
        self.cancel(Timer::CatchUp);
        self.drop_pending(&|p| {
            matches!(
                p,
                Pending::Messages(Fetch::CatchUp) | Pending::Members(Fetch::CatchUp)
            )
        });
        let ms = self.backoff(self.cfg().reconnect_interval_ms, self.reconnect_attempt, ctx);
        self.reconnect_attempt = self.reconnect_attempt.saturating_add(1);
        self.arm(Timer::Reconnect, ms);
    }

    /// A text frame arrived (already decoded into a [`crate::core::guestchat::RawFrame`] and classified).
    pub fn frame(&mut self, raw: crate::core::guestchat::RawFrame, ctx: Ctx) {
        self.now = ctx.now;
        if self.sock != Sock::Open || !self.is_active() {
            return;
        }
        let hb = self.cfg().heartbeat_timeout_ms.min(u64::from(u32::MAX)) as u32;
        self.arm(Timer::Heartbeat, hb);
        if ctx.now - self.last_saved >= SNAPSHOT_REFRESH_MS {
            self.save(ctx.now);
        }
        let f = Frame::classify(raw, &self.conv.id);
        if f == Frame::Liveness {
            return;
        }
        if self.holding() {
            self.held.push(f);
            return;
        }
        self.apply_frame(f, ctx);
        self.deliver(false, ctx);
        self.pump(ctx);
    }

    pub(super) fn apply_frame(&mut self, f: Frame, ctx: Ctx) {
        match f {
            Frame::Message(m) => {
                self.transcript.admit(m);
            }
            Frame::Typing(m) => {
                if m.sender_id == self.conv.member_id {
                    return;
                }
                let timestamp = if m.timestamp_ms > 0.0 {
                    m.timestamp_ms
                } else {
                    ctx.now
                };
                let known = self
                    .transcript
                    .member(&m.sender_id)
                    .is_some_and(|x| !self.transcript.awaiting.contains(&x.id) && x.role != Role::External);
                if !known {
                    // Who is typing is not known yet (its member change came with an id only): ask, and
                    // announce the indicator with its name once the answer comes.
                    self.typing_held = Some((m.sender_id.clone(), timestamp));
                    self.ask_member(&m.sender_id);
                    if !self.transcript.awaiting.contains(&m.sender_id) {
                        // Already asked and answered: it is what it is.
                        self.typing_from(&m.sender_id, timestamp);
                    }
                    return;
                }
                self.typing_from(&m.sender_id, timestamp);
            }

            Frame::MemberChange(m) => {
                let own = self.conv.member_id.clone();
                let known = self.transcript.member(&m.id).is_some();
                if known || m.role.is_some() || m.id == own {
                    self.transcript.learn(&m, &own);
                }
                match m.state.as_deref() {
                    Some("CONNECTED") => self.member_state(&m.id, true, None, ctx),
                    Some("DISCONNECTED") => self.member_state(&m.id, false, None, ctx),
                    _ => {}
                }
            }
            Frame::Liveness => {}
            Frame::Garbled => {
                // Re-read what we could not see; held frames and de-duplication keep the order and the count.
                if !self.holding() && self.sock == Sock::Open {
                    self.start_catch_up();
                }
            }
        }
    }
}
