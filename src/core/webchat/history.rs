//! Reading messages (catch-ups, polls, restore pages, send checks) and delivering what the transcript releases.

use super::*;

impl Session {
    pub(super) fn on_messages(&mut self, fetch: Fetch, result: HttpResult, ctx: Ctx) {
        if !self.is_active() {
            return;
        }
        match result {
            HttpResult::Ok {
                reply: Reply::Messages(page),
                ..
            } => {
                self.outcome(&fetch, true);
                let full = page.entities.len() as u32 >= self.page_size(&fetch) || page.next.is_some();
                let last = page.entities.last().map(|m| m.id.clone());
                if fetch == Fetch::Restore {
                    let first = page.entities.first().map(|m| m.id.clone());
                    let has_older = page.previous.is_some();
                    let mut older = page.entities;
                    older.append(&mut self.restore_messages);
                    self.restore_messages = older;
                    match (has_older, first) {
                        (true, Some(first)) => self.restore_fetch(Some(first)),
                        _ => self.restore_step_done(ctx),
                    }
                    return;
                }
                for m in page.entities {
                    self.transcript.admit(m);
                }
                if let (true, Some(after)) = (full, last) {
                    // More after this page: keep reading, from this page's end (not the newest id admitted,
                    // which a stream frame may have moved past messages not read yet, or left behind this page
                    // when all of it was seen), before releasing held frames.
                    self.read_messages(Some(&after), None, 100, fetch);
                    return;
                }
                self.deliver(false, ctx);
                self.fetch_done(fetch, ctx);
            }
            HttpResult::Ok {
                reply: Reply::MessagingHistory(page),
                ..
            } => {
                self.carry(super::transport::Op::History(fetch, page, ctx));
            }
            other => {
                // Web Messaging's JWT expires: a new one is fetched and the read made again.
                #[cfg(feature = "webmessaging")]
                {
                    let unauthorized = matches!(other, HttpResult::Status { status: 401, .. });
                    if self.messaging()
                        && self.carry(super::transport::Op::ReadFailed(fetch.clone(), unauthorized))
                    {
                        return;
                    }
                }
                if self.read_failed(&fetch, &other, ctx) {
                    return;
                }
                if let Fetch::Verify(seq) = fetch {
                    if self.head_is(seq, SendState::Verifying) {
                        head_state(&mut self.queue, SendState::Verify);
                        self.schedule_send_retry(ctx);
                    }
                }
                self.fetch_failed(fetch, ctx);
            }
        }
    }

    /// What every failed read does first: the failure published, a transient one counted against its fetch,
    /// and a restore's read handed to the restore. `true` when the restore took it (nothing more to do).
    pub(super) fn read_failed(&mut self, fetch: &Fetch, result: &HttpResult, ctx: Ctx) -> bool {
        self.fail(result);
        if is_transient(result) {
            self.outcome(fetch, false);
        }
        if *fetch == Fetch::Restore {
            self.restore_failed_attempt(result, ctx);
            return true;
        }
        false
    }

    pub(super) fn page_size(&self, fetch: &Fetch) -> u32 {
        match fetch {
            Fetch::Restore => self.cfg().max_message_page_size,
            _ => 100,
        }
    }

    pub(super) fn fetch_done(&mut self, fetch: Fetch, ctx: Ctx) {
        match fetch {
            Fetch::CatchUp => self.catch_up_step(ctx),
            Fetch::Poll => self.poll_step(true, ctx),
            Fetch::Verify(seq) => {
                // Its echo may have completed it while this read was on its way (from the stream or a
                // catch-up): then the head is another send, which this read says nothing about.
                if self.head_is(seq, SendState::Verifying) && !self.claim_echo() {
                    // Not stored: send it again, now.
                    head_state(&mut self.queue, SendState::Queued);
                }
                self.pump(ctx);
            }
            Fetch::Restore => {}
        }
    }

    pub(super) fn fetch_failed(&mut self, fetch: Fetch, ctx: Ctx) {
        match fetch {
            Fetch::CatchUp => {
                self.catch_up_failed = true;
                self.catch_up_step(ctx);
            }
            Fetch::Poll => self.poll_step(false, ctx),
            Fetch::Verify(_) | Fetch::Restore => {}
        }
    }

    /// Publishes what the transcript can release: messages whose senders are known, in order, once each.
    pub(super) fn deliver(&mut self, restoring: bool, ctx: Ctx) {
        let own = self.conv.member_id.clone();
        let mut unknown = Vec::new();
        let released = self.transcript.release(&own, &mut unknown);
        for id in unknown {
            self.ask_member(&id);
        }
        if released.is_empty() {
            return;
        }
        // An agent's message ends its typing: `agentTypingStopped` (documented); `agentTypingTimeout` still follows on
        // its timer, as pages written for the vendor hide their indicator on it.
        if let Some(t) = self.agent_typing.clone() {
            if released
                .iter()
                .any(|(w, c)| w.sender_id != own && c.kind == "Message")
            {
                self.agent_typing = None;
                self.emit(Event::AgentTypingStopped(t));
            }
        }
        // Our own echo claims an ambiguous send.
        self.claim_echo();
        let page = if restoring && self.cfg().pagination {
            self.cfg().max_message_page_size.max(1) as usize
        } else {
            usize::MAX
        };
        for chunk in released.chunks(page) {
            let mut original = Vec::with_capacity(chunk.len());
            let mut messages = Vec::with_capacity(chunk.len());
            for (w, c) in chunk {
                original.push(w.clone());
                messages.push(c.clone());
            }
            self.emit(Event::MessageReceived {
                original,
                messages,
                restoring,
            });
            if !restoring {
                for (w, c) in chunk {
                    if w.body_type == "member-join" || w.body_type == "member-leave" {
                        let joined = w.body_type == "member-join";
                        self.member_state(&w.sender_id.clone(), joined, Some(c.clone()), ctx);
                        if !self.is_active() {
                            return;
                        }
                    }
                }
            }
        }
        // No snapshot write per message: a restore re-reads the transcript from the server, so the snapshot only
        // changes with the session itself (written then), and "last alive" is refreshed by stream activity at
        // most every SNAPSHOT_REFRESH_MS and when the page hides. Writing it per message cost ~30 µs each.
    }
}
