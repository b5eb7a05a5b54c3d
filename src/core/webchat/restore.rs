//! Restore: the snapshot written to storage, and a new page taking the chat over from it.

use super::transcript::Role;
use super::*;
use crate::core::guestchat::read::{opt, Json};

impl Session {
    pub(super) fn begin_restore(&mut self, s: Snapshot, ctx: Ctx) {
        let timeout = self.cfg().restore_timeout_ms as f64;
        // A Web Messaging session is named by its token alone: its JWT may not have come before the reload.
        if ctx.now - s.saved_at > timeout
            || s.conversation_id.is_empty()
            || (s.jwt.is_empty() && !self.messaging())
        {
            self.out.push(Output::Store(None));
            self.emit(Event::RestoreTimeout);
            return;
        }
        self.transcript.clear();
        #[cfg(feature = "webmessaging")]
        {
            self.wm.guest_name = s.guest_name;
        }
        self.conv = Conversation {
            id: s.conversation_id,
            member_id: s.member_id,
            jwt: s.jwt,
            stream_uri: s.event_stream_uri,
            start_time: s.start_time,
            end_time: None,
            restored: true,
        };
        self.filters = s.filters;
        self.journey = s.journey;
        self.phase = Phase::Restoring;
        self.restore_failures = 0;
        self.restore_fetch(None);
    }

    /// Reads the transcript newest page first, then older pages (`before` = the oldest id so far).
    pub(super) fn restore_fetch(&mut self, before: Option<String>) {
        if before.is_none() {
            self.restore_messages.clear();
            let _ = self.read_members(Fetch::Restore);
        }
        let page = self.cfg().max_message_page_size;
        self.read_messages(None, before.as_deref(), page, Fetch::Restore);
    }

    pub(super) fn snapshot(&self, now: f64) -> Snapshot {
        Snapshot {
            conversation_id: self.conv.id.clone(),
            member_id: self.conv.member_id.clone(),
            jwt: self.conv.jwt.clone(),
            event_stream_uri: self.conv.stream_uri.clone(),
            last_message_id: self.transcript.last_id.clone(),
            filters: self.filters.clone(),
            start_time: self.conv.start_time,
            saved_at: now,
            journey: self.journey,
            // A restore under way (a JWT fetched, the page going away) carries the name until the transcript
            // learns the guest from it.
            #[cfg(feature = "webmessaging")]
            guest_name: self
                .transcript
                .member(&self.conv.member_id)
                .map(|m| m.name.clone())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| self.wm.guest_name.clone()),
        }
    }

    pub(super) fn save(&mut self, now: f64) {
        if matches!(self.phase, Phase::Active | Phase::Restoring | Phase::Ending) {
            self.last_saved = now;
            let s = self.snapshot(now);
            self.out.push(Output::Store(Some(s)));
        }
    }

    /// The page is going away: record "last alive" so the next page measures `restoreTimeout` from now.
    pub fn page_hide(&mut self, ctx: Ctx) {
        self.now = ctx.now;
        self.save(ctx.now);
    }

    pub(super) fn restore_step_done(&mut self, ctx: Ctx) {
        if self.phase != Phase::Restoring {
            return;
        }
        // Both the members and the last message page must have answered.
        if self.pending.iter().any(|(_, p)| {
            matches!(
                p,
                Pending::Messages(Fetch::Restore) | Pending::Members(Fetch::Restore)
            )
        }) {
            return;
        }
        let was_offline = self.offline;
        self.phase = Phase::Active;
        if self.restore_failures == 0 {
            self.emit(Event::Restored);
        }
        self.restore_failures = 0;
        // As the vendor, a restore tells who is in the chat: `agentConnected` (or `supervisorConnected`) per
        // connected agent and `clientConnected` for the guest, before the restored messages.
        let own = self.conv.member_id.clone();
        // By index, not over a collected copy: `presence` reads the members while they are walked.
        let mut i = 0;
        while let Some(m) = self.transcript.members.get(i) {
            i += 1;
            if !(m.connected && (m.id == own || matches!(m.role, Role::Agent | Role::Supervisor))) {
                continue;
            }
            let (id, name, role) = (m.id.clone(), m.name.clone(), m.role);
            let event = match role {
                Role::Agent => "agentConnected",
                Role::Supervisor => "supervisorConnected",
                _ => "clientConnected",
            };
            self.presence(event, &id, name, role, true);
        }
        let _ = was_offline;
        let msgs = std::mem::take(&mut self.restore_messages);
        for m in msgs {
            self.transcript.admit(m);
        }
        self.deliver(true, ctx);
        self.save(ctx.now);
        self.catch_up_on_open = true;
        match self.sock {
            // Web Messaging opened its socket to fetch the JWT: it is attached (or will be when it answers).
            Sock::Open if self.messaging() => self.attached(ctx),
            Sock::Opening if self.messaging() => {}
            _ => self.connect(),
        }
        self.pump(ctx);
    }

    pub(super) fn restore_gone(&mut self, ctx: Ctx) {
        self.drop_pending(&|p| {
            matches!(
                p,
                Pending::Messages(Fetch::Restore) | Pending::Members(Fetch::Restore)
            )
        });
        self.phase = Phase::Idle;
        if self.messaging() && self.sock != Sock::Closed {
            // The socket a Web Messaging restore opened for its JWT.
            self.sock = Sock::Closed;
            self.out.push(Output::SocketClose);
        }
        self.out.push(Output::Store(None));
        self.emit(Event::RestoreFailed);
        self.conv.end_time = Some(ctx.now);
        self.drop_queue();
    }

    pub(super) fn restore_failed_attempt(&mut self, result: &HttpResult, ctx: Ctx) {
        if self.phase != Phase::Restoring {
            return;
        }
        // Drop the other half of this attempt; a retry starts both again.
        self.drop_pending(&|p| {
            matches!(
                p,
                Pending::Messages(Fetch::Restore) | Pending::Members(Fetch::Restore)
            )
        });
        if is_transient(result) {
            if self.restore_failures == 0 {
                self.emit(Event::RestoredOffline);
                if !self.offline {
                    self.offline = true;
                }
            }
            self.restore_failures = self.restore_failures.saturating_add(1);
            let ms = self.backoff(
                self.cfg().reconnect_interval_ms,
                self.restore_failures.saturating_sub(1),
                ctx,
            );
            self.arm(Timer::Restore, ms);
        } else {
            // 401/403/404: the session is gone.
            self.restore_gone(ctx);
        }
    }
}

impl Filter {
    /// A list of `{source, flags}` (the stored prefilters, or the page's RegExps as the shell read them): items
    /// without a string `source` are skipped.
    pub fn read_list(v: &impl Json) -> Vec<Filter> {
        let mut list = Vec::new();
        for f in v.items() {
            if let Some(source) = opt(&f, "source") {
                list.push(Filter {
                    source,
                    flags: opt(&f, "flags").unwrap_or_default(),
                });
            }
        }
        list
    }
}

impl Snapshot {
    /// The stored session (version 1, as [`super::payload::snapshot`] writes it), or `None` when it is not one:
    /// the ids and the JWT must be strings and `savedAt` a number.
    pub fn read(v: &impl Json) -> Option<Snapshot> {
        if v.field("v").number() != Some(1.0) {
            return None;
        }
        Some(Snapshot {
            conversation_id: opt(v, "conversationId")?,
            member_id: opt(v, "memberId")?,
            jwt: opt(v, "jwt")?,
            event_stream_uri: opt(v, "eventStreamUri").unwrap_or_default(),
            last_message_id: opt(v, "lastMessageId"),
            filters: Filter::read_list(&v.field("filters")),
            start_time: v.field("startTime").number().unwrap_or(0.0).trunc(),
            saved_at: v.field("savedAt").number()?.trunc(),
            journey: v.field("journey").is_true(),
            #[cfg(feature = "webmessaging")]
            guest_name: opt(v, "guestName").unwrap_or_default(),
        })
    }
}
