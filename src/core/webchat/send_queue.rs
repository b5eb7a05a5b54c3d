//! The send queue: one send at a time, in order; an ambiguous failure is resolved by looking for the message's
//! echo before sending it again (the module doc of [`super`] explains how).

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SendState {
    Queued,
    InFlight,
    /// Failed ambiguously: re-read messages before sending again.
    Verify,
    Verifying,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Outgoing {
    /// Names this send in the requests made for it, so that a late answer is matched to its own send only.
    pub(super) seq: u32,
    pub(super) cmd: Option<u32>,
    pub(super) text: String,
    pub(super) state: SendState,
    /// It was sent at least once: `mark` and `after` are set.
    pub(super) sent: bool,
    /// Transcript length when it was first sent: its echo can only come after.
    pub(super) mark: usize,
    /// The newest message id when it was first sent: the `after` of a verification read.
    pub(super) after: Option<String>,
    /// A filtered message resolves with `undefined`, a plain one with the AJAX response.
    pub(super) filtered: bool,
}

impl Session {
    pub(super) fn enqueue(&mut self, cmd: Option<u32>, text: String, filtered: bool, ctx: Ctx) {
        self.send_seq = self.send_seq.wrapping_add(1);
        self.queue.push(Outgoing {
            seq: self.send_seq,
            cmd,
            text,
            state: SendState::Queued,
            sent: false,
            mark: 0,
            after: None,
            filtered,
        });
        self.pump(ctx);
    }

    /// Sending is possible: a conversation exists and, on sockets, the stream is open and caught up. A send made
    /// before the stream is attached would be stored without its echo ever reaching us (the stream carries only
    /// what is stored after it attaches), so the guest would never see its own message.
    pub(super) fn can_send(&self) -> bool {
        self.phase == Phase::Active
            && !self.disconnected
            && !self.holding()
            && (self.sock == Sock::Open || self.cfg().polling)
    }

    pub(super) fn pump(&mut self, _ctx: Ctx) {
        if !self.can_send() {
            return;
        }
        let mark = self.transcript.len();
        let last = self.transcript.last_id.clone();
        if self.queue.first().is_some_and(|h| !h.sent) {
            // A new send looks for echoes after `mark` only: claimed ids already delivered (before it) can no
            // longer be mistaken for its echo, so they are forgotten; a long chat does not keep every id it sent.
            let t = &self.transcript;
            self.claimed.retain(|id| !t.delivered(id));
        }
        let Some(head) = self.queue.first_mut() else {
            return;
        };
        match head.state {
            SendState::Queued => {
                if !head.sent {
                    // Only the first attempt sets where its echo can appear: a retry's echo may be the first
                    // attempt's, stored before the retry started.
                    head.sent = true;
                    head.mark = mark;
                    head.after = last;
                }
                head.state = SendState::InFlight;
                let (seq, t) = (head.seq, head.text.clone());
                self.send_text(seq, &t);
            }
            SendState::Verify => {
                // Already echoed (stream or catch-up)? Then it is done, and the next one may go.
                if self.claim_echo() {
                    self.pump(_ctx);
                    return;
                }
                head_state(&mut self.queue, SendState::Verifying);
                let (seq, after) = match self.queue.first() {
                    Some(h) => (h.seq, h.after.clone()),
                    None => return,
                };
                self.read_messages(after.as_deref(), None, 100, Fetch::Verify(seq));
            }
            SendState::InFlight | SendState::Verifying => {}
        }
    }

    /// Whether send `seq` is the head of the queue, in `state`: answers about any other send are stale.
    pub(super) fn head_is(&self, seq: u32, state: SendState) -> bool {
        self.queue
            .first()
            .is_some_and(|h| h.seq == seq && h.state == state)
    }

    /// If the head of the queue failed ambiguously and its echo is in the transcript, completes it.
    pub(super) fn claim_echo(&mut self) -> bool {
        let Some(head) = self.queue.first() else {
            return false;
        };
        if !matches!(head.state, SendState::Verify | SendState::Verifying) {
            return false;
        }
        let own = self.conv.member_id.as_str();
        let t = &self.transcript;
        let found = t
            .entries_from(head.mark)
            .find(|e| t.sender_of(e) == own && e.text == head.text && !self.claimed.contains(&e.id))
            .map(|e| t.wire(&e))
            .or_else(|| {
                t.waiting
                    .iter()
                    .find(|w| w.sender_id == own && w.body == head.text && !self.claimed.contains(&w.id))
                    .cloned()
            });
        match found {
            Some(w) => {
                self.claimed.push(w.id.clone());
                self.send_done(Ajax {
                    status: 200,
                    status_text: "success".into(),
                    body: AjaxBody::Message(w),
                });
                true
            }
            None => false,
        }
    }

    pub(super) fn send_done(&mut self, ajax: Ajax) {
        self.cancel(Timer::SendRetry);
        self.send_attempt = 0;
        if let Some(head) = pop_head(&mut self.queue) {
            if let Some(cmd) = head.cmd {
                // The vendor resolves `undefined`; the message itself comes with `messageReceived`.
                let _ = (ajax, head.filtered);
                self.resolve(cmd, Value::Undefined);
            }
        }
    }

    pub(super) fn on_send_result(&mut self, seq: u32, result: HttpResult, ctx: Ctx) {
        if !self.head_is(seq, SendState::InFlight) {
            // Not the request the head waits for (cannot happen while sends are serialized; kept as a guard):
            // an id it was stored under is still claimed, so no other send takes its echo.
            if let HttpResult::Ok {
                reply: Reply::Message(m),
                ..
            } = &result
            {
                self.claimed.push(m.id.clone());
            }
            return;
        }
        match result {
            HttpResult::Ok { status, reply } => {
                self.succeeded();
                if let Reply::Message(m) = &reply {
                    self.claimed.push(m.id.clone());
                }
                self.send_done(ajax_of(&HttpResult::Ok { status, reply }));
                self.pump(ctx);
            }
            r if is_transient(&r) => {
                let timed_out = matches!(&r, HttpResult::Network(w) if w == "timeout");
                self.fail(&r);
                self.failed();
                head_state(&mut self.queue, SendState::Verify);
                // Its echo may already be here (the server stored it, then the answer was lost).
                if self.claim_echo() {
                    self.pump(ctx);
                } else {
                    self.schedule_send_retry(ctx);
                    if timed_out {
                        // A request we stopped waiting for may still be on its way to being stored: give it as
                        // long again before reading whether it was, so a slow server is not sent a double.
                        let ms = self.backoff(self.cfg().reconnect_interval_ms, 0, ctx);
                        let wait = ms.max(self.cfg().request_timeout_ms.min(u64::from(u32::MAX)) as u32);
                        self.arm(Timer::SendRetry, wait);
                    }
                }
            }
            r => {
                // The server refused it (4xx): it was not stored; the caller learns why.
                let ajax = self.fail(&r);
                if let Some(head) = pop_head(&mut self.queue) {
                    if let Some(cmd) = head.cmd {
                        self.reject(cmd, Value::Ajax(ajax));
                    }
                }
                self.pump(ctx);
            }
        }
    }

    pub(super) fn schedule_send_retry(&mut self, ctx: Ctx) {
        let base = self.cfg().reconnect_interval_ms;
        let ms = self.backoff(base, self.send_attempt, ctx);
        self.send_attempt = self.send_attempt.saturating_add(1);
        self.arm(Timer::SendRetry, ms);
    }
}

pub(super) fn head_state(queue: &mut [Outgoing], state: SendState) {
    if let Some(h) = queue.first_mut() {
        h.state = state;
    }
}

/// Takes the head of the queue. A `Vec`, not a `VecDeque`: the queue is short (sends wait for one answer at a
/// time), so moving the rest down costs little, and a `VecDeque` costs the wasm its own ring-buffer code.
pub(super) fn pop_head(queue: &mut Vec<Outgoing>) -> Option<Outgoing> {
    if queue.is_empty() {
        None
    } else {
        Some(queue.remove(0))
    }
}
