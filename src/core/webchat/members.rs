//! Members and typing: who is in the chat (presence events, lookups of members seen by id only), the agent's
//! typing indicators and the guest's.

use super::transcript::{self, ChatMessage, Role};
use super::*;

impl Session {
    pub(super) fn send_typing(&mut self, cmd: Option<u32>, ctx: Ctx) {
        self.last_typing_sent = ctx.now;
        self.send_typing_indicator(cmd);
    }

    /// A key in the registered typing-preview input.
    pub fn key(&mut self, ctx: Ctx) {
        self.now = ctx.now;
        if self.phase != Phase::Active {
            return;
        }
        self.client_typed(None, ctx);
    }

    /// The guest typed (a key, or `sendTyping`): `clientTypingStarted` once, an indicator at most every 2 s,
    /// `clientTypingStopped` 2 s after the last. A `sendTyping` within 2 s of the last indicator resolves at
    /// once without a request, as the vendor's.
    pub(super) fn client_typed(&mut self, cmd: Option<u32>, ctx: Ctx) {
        if !self.client_typing {
            self.client_typing = true;
            self.emit(Event::ClientTypingStarted);
        }
        if ctx.now - self.last_typing_sent >= TYPING_RESEND_MS {
            self.send_typing(cmd, ctx);
        } else if let Some(cmd) = cmd {
            self.resolve(cmd, Value::Undefined);
        }
        self.arm(Timer::ClientTyping, CLIENT_TYPING_MS);
    }

    pub(super) fn on_members(&mut self, fetch: Fetch, result: HttpResult, ctx: Ctx) {
        if !self.is_active() {
            return;
        }
        match result {
            HttpResult::Ok {
                reply: Reply::Members(list),
                ..
            } => {
                self.outcome(&fetch, true);
                let own = self.conv.member_id.clone();
                let restoring = fetch == Fetch::Restore;
                for m in &list {
                    self.transcript.learn(m, &own);
                }
                for m in &list {
                    let connected = m.state.as_deref() == Some("CONNECTED");
                    if restoring {
                        // Restoring: take the state as it is, without replaying connect events.
                        if let Some(x) = self.transcript.member_mut(&m.id) {
                            x.connected = connected;
                            if connected && x.connected_time.is_none() {
                                x.connected_time = Some(ctx.now);
                            }
                        }
                        if connected && m.id != own && self.journey {
                            self.engaged = true;
                        }
                        continue;
                    }
                    if m.state.as_deref() == Some("ALERTING") {
                        continue;
                    }
                    self.member_state(&m.id, connected, None, ctx);
                    if !self.is_active() {
                        return;
                    }
                }
                if restoring {
                    let own_gone = list
                        .iter()
                        .any(|m| m.id == own && m.state.as_deref() == Some("DISCONNECTED"));
                    if own_gone {
                        self.restore_gone(ctx);
                        return;
                    }
                    self.restore_step_done(ctx);
                    return;
                }
                self.deliver(false, ctx);
                self.fetch_done(fetch, ctx);
            }
            other => {
                if self.read_failed(&fetch, &other, ctx) {
                    return;
                }
                self.fetch_failed(fetch, ctx);
            }
        }
    }

    /// An indicator of `sender` typing: as the vendor, `agentTypingStarted` for every indicator.
    /// `agentTypingTimeout` comes 3 s after the last one (the vendor counts from the first of a burst, hiding a
    /// still-typing agent).
    pub(super) fn typing_from(&mut self, sender: &str, timestamp: f64) {
        self.typing_held = None;
        let (from_type, from_name, avatar) = match self.transcript.member(sender) {
            Some(x) => (x.role.from_type(), x.name.clone(), x.avatar.clone()),
            None => ("Agent", String::new(), String::new()),
        };
        let t = Typing {
            from_type,
            from_name,
            avatar,
            from_id: sender.to_string(),
            timestamp,
        };
        self.emit(Event::AgentTypingStarted(t.clone()));
        self.agent_typing = Some(t);
        self.typing_timeout_due = true;
        self.arm(Timer::AgentTyping, AGENT_TYPING_MS);
    }

    /// A member is (dis)connected: publishes the presence event on a change of state.
    pub(super) fn member_state(&mut self, id: &str, connected: bool, message: Option<ChatMessage>, ctx: Ctx) {
        let own = self.conv.member_id.clone();
        let asked = self.transcript.asked.iter().any(|a| a == id);
        let Some(m) = self.transcript.member_mut(id) else {
            // Unknown member: ask who it is, then apply.
            self.transcript.members.push(transcript::Member {
                id: id.to_string(),
                name: String::new(),
                avatar: String::new(),
                role: Role::External,
                connected: false,
                connected_time: None,
                disconnected_time: None,
                pending_state: Some((connected, message)),
            });
            self.ask_member(id);
            return;
        };
        if m.role == Role::External && !asked && id != own {
            m.pending_state = Some((connected, message));
            self.ask_member(id);
            return;
        }
        if m.connected == connected {
            return;
        }
        m.connected = connected;
        if connected {
            m.connected_time = Some(ctx.now);
        } else {
            m.disconnected_time = Some(ctx.now);
        }
        let role = m.role;
        let name = m.name.clone();
        let _ = message;
        if id == own {
            // The guest's own member: no event while live (the vendor publishes `clientConnected` only during a
            // restore); disconnected means the chat is over (`clientDisconnected`, `ended`).
            if !connected {
                self.finish(ctx);
            }
            return;
        }
        let event = match (role, connected) {
            (Role::Supervisor, true) => "supervisorConnected",
            (Role::Supervisor, false) => "supervisorDisconnected",
            (Role::Agent, true) => "agentConnected",
            (Role::Agent, false) => "agentDisconnected",
            // Bots, the queue and other customers are not agents.
            _ => return,
        };
        self.presence(event, id, name, role, connected);
        if connected && matches!(role, Role::Agent | Role::Supervisor) && !self.engaged {
            self.engaged = true;
            self.journey_progress("engaged", None);
        }
    }

    /// Publishes a presence event: `{message: <the member as the server describes it>, agents, …}`.
    pub(super) fn presence(
        &mut self,
        event: &'static str,
        id: &str,
        name: String,
        role: Role,
        connected: bool,
    ) {
        let member = MemberEntity {
            id: id.to_string(),
            display_name: name,
            role: match role {
                Role::Agent => "AGENT",
                Role::Supervisor => "SUPERVISOR",
                _ => "CUSTOMER",
            },
            state: if connected { "CONNECTED" } else { "DISCONNECTED" },
            avatar_image_url: self
                .transcript
                .member(id)
                .map(|m| m.avatar.clone())
                .unwrap_or_default(),
        };
        let agents = self.transcript.agents();
        let n = self.transcript.agents_connected();
        self.emit(Event::Presence {
            name: event,
            member,
            agents,
            connected: n,
        });
    }

    pub(super) fn ask_member(&mut self, id: &str) {
        if !self.transcript.asked.iter().any(|a| a == id) {
            self.transcript.asked.push(id.to_string());
            self.transcript.awaiting.push(id.to_string());
            self.read_member(id);
        }
    }

    /// The answer to a lookup of a member seen by id only: its messages, state and typing waited for it.
    pub(super) fn on_member_info(&mut self, mid: String, result: HttpResult, ctx: Ctx) {
        self.transcript.awaiting.retain(|a| *a != mid);
        // A lookup answered after the chat ended belongs to a chat that is over: nothing to show or ask.
        if !self.is_active() {
            return;
        }
        match result {
            HttpResult::Ok {
                reply: Reply::Member(m),
                ..
            } => {
                self.succeeded();
                let own = self.conv.member_id.clone();
                self.transcript.learn(&m, &own);
                if let Some(state) = m.state.as_deref() {
                    self.member_state(&m.id, state == "CONNECTED", None, ctx);
                }
            }
            _ => {
                // Unknown sender: show the message as External rather than hold it forever.
                let own = self.conv.member_id.clone();
                self.transcript.learn(
                    &WireMember {
                        id: mid.clone(),
                        ..Default::default()
                    },
                    &own,
                );
            }
        }
        if let Some(m) = self.transcript.member_mut(&mid) {
            if let Some((c, msg)) = m.pending_state.take() {
                self.member_state(&mid, c, msg, ctx);
            }
        }
        if let Some((who, at)) = self.typing_held.clone() {
            if who == mid && self.is_active() {
                self.typing_from(&who, at);
            }
        }
        self.deliver(false, ctx);
    }
}
