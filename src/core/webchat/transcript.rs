//! The transcript and the members: messages de-duplicated by id (the same message may come from the stream, a
//! catch-up fetch after a reconnect, a poll and a restore), kept in arrival order, and who sent them.

use crate::core::guestchat::{WireMember, WireMessage};

/// A member's role, as the widget classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The guest (this page) or another customer.
    Client,
    Agent,
    Supervisor,
    /// `WORKFLOW`.
    Bot,
    /// `ACD` or anything unknown.
    External,
}

impl Role {
    pub fn from_wire(role: Option<&str>) -> Role {
        match role {
            Some("AGENT") => Role::Agent,
            Some("SUPERVISOR") => Role::Supervisor,
            Some("CUSTOMER") => Role::Client,
            Some("WORKFLOW") => Role::Bot,
            _ => Role::External,
        }
    }

    /// `from.type` of a widget message.
    pub fn from_type(self) -> &'static str {
        match self {
            Role::Client => "Client",
            Role::Agent | Role::Supervisor => "Agent",
            Role::Bot => "Bot",
            Role::External => "External",
        }
    }
}

/// A member as far as we know it.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub connected: bool,
    pub connected_time: Option<f64>,
    pub disconnected_time: Option<f64>,
    /// A state reported before the member's role was known, applied once it is.
    pub pending_state: Option<(bool, Option<ChatMessage>)>,
}

/// A widget message: `{type, text, index, timestamp, id, from: {type, name}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatMessage {
    /// `Message`, `Notice`, `ParticipantJoined`, `ParticipantLeft`.
    pub kind: &'static str,
    pub text: String,
    pub index: u32,
    pub timestamp: f64,
    pub id: String,
    pub from_type: &'static str,
    pub from_name: String,
}

/// `getAgents` item.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentInfo {
    pub name: String,
    pub connected: bool,
    pub supervisor: bool,
    pub connected_time: Option<f64>,
    pub disconnected_time: Option<f64>,
}

#[derive(Debug, Default)]
pub struct Transcript {
    /// Every message delivered, in order, with the wire original.
    pub messages: Vec<(WireMessage, ChatMessage)>,
    /// Ids delivered or waiting: the de-duplication set. A Vec, not a hash set: a chat holds hundreds of
    /// messages at most, and every hash-table instantiation costs the wasm about a kilobyte.
    seen: Vec<String>,
    /// Unique messages waiting for their sender to be known, in arrival order.
    pub waiting: Vec<WireMessage>,
    pub members: Vec<Member>,
    /// Member ids whose details were asked for.
    pub asked: Vec<String>,
    /// Member ids whose details are being fetched: their messages wait.
    pub awaiting: Vec<String>,
    /// The id of the newest message seen (stream, fetch or poll): the `after` of the next catch-up.
    pub last_id: Option<String>,
}

impl Transcript {
    pub fn clear(&mut self) {
        *self = Transcript::default();
    }

    /// Accepts a message unless its id was seen; returns whether it was new.
    pub fn admit(&mut self, m: WireMessage) -> bool {
        if m.id.is_empty() || self.seen.contains(&m.id) {
            return false;
        }
        self.seen.push(m.id.clone());
        self.last_id = Some(m.id.clone());
        self.waiting.push(m);
        true
    }

    pub fn has_seen(&self, id: &str) -> bool {
        self.seen.iter().any(|s| s == id)
    }

    pub fn member(&self, id: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.id == id)
    }

    pub fn member_mut(&mut self, id: &str) -> Option<&mut Member> {
        self.members.iter_mut().find(|m| m.id == id)
    }

    /// Records what the server says of a member (name, role).
    pub fn learn(&mut self, w: &WireMember, own_id: &str) {
        let role = if w.id == own_id {
            Role::Client
        } else {
            Role::from_wire(w.role.as_deref())
        };
        if self.member(&w.id).is_none() {
            self.members.push(Member {
                id: w.id.clone(),
                name: String::new(),
                role,
                connected: false,
                connected_time: None,
                disconnected_time: None,
                pending_state: None,
            });
        }
        if w.role.is_some() {
            // Its role is known: no need to ask the server who it is.
            if !self.asked.contains(&w.id) {
                self.asked.push(w.id.clone());
            }
        }
        if let Some(m) = self.member_mut(&w.id) {
            if let Some(n) = &w.display_name {
                m.name = n.clone();
            }
            if w.role.is_some() || w.id == own_id {
                m.role = role;
            }
        }
    }

    /// Takes the longest prefix of waiting messages whose senders are known, converted, in order.
    /// `unknown` collects senders to ask the server about.
    pub fn release(&mut self, own_id: &str, unknown: &mut Vec<String>) -> Vec<(WireMessage, ChatMessage)> {
        let mut out = Vec::new();
        let mut n = 0;
        for w in &self.waiting {
            let unknown_sender = self.member(&w.sender_id).is_none() || self.awaiting.contains(&w.sender_id);
            if w.sender_id != own_id && unknown_sender && !w.sender_id.is_empty() {
                if !self.asked.contains(&w.sender_id) && !unknown.contains(&w.sender_id) {
                    unknown.push(w.sender_id.clone());
                }
                break;
            }
            n += 1;
        }
        let ready: Vec<WireMessage> = self.waiting.drain(..n.min(self.waiting.len())).collect();
        for w in ready {
            let c = self.convert(&w, own_id);
            self.messages.push((w.clone(), c.clone()));
            out.push((w, c));
        }
        out
    }

    /// Converts a wire message to the widget's shape, using what is known of its sender.
    pub fn convert(&self, w: &WireMessage, own_id: &str) -> ChatMessage {
        let (from_type, from_name) = if w.sender_id == own_id {
            let name = self.member(own_id).map(|m| m.name.clone()).unwrap_or_default();
            ("Client", name)
        } else {
            match self.member(&w.sender_id) {
                Some(m) => (m.role.from_type(), m.name.clone()),
                None => ("External", String::new()),
            }
        };
        let kind = match w.body_type.as_str() {
            "member-join" => "ParticipantJoined",
            "member-leave" => "ParticipantLeft",
            "notice" => "Notice",
            _ => "Message",
        };
        ChatMessage {
            kind,
            text: w.body.clone(),
            index: self.messages.len() as u32,
            timestamp: w.timestamp_ms,
            id: w.id.clone(),
            from_type,
            from_name,
        }
    }

    /// Agents and supervisors that took part, for `getAgents` and connect events.
    pub fn agents(&self) -> Vec<AgentInfo> {
        self.members
            .iter()
            .filter(|m| matches!(m.role, Role::Agent | Role::Supervisor) && m.connected_time.is_some())
            .map(|m| AgentInfo {
                name: m.name.clone(),
                connected: m.connected,
                supervisor: m.role == Role::Supervisor,
                connected_time: m.connected_time,
                disconnected_time: m.disconnected_time,
            })
            .collect()
    }

    pub fn agents_connected(&self) -> u32 {
        self.members
            .iter()
            .filter(|m| matches!(m.role, Role::Agent | Role::Supervisor) && m.connected)
            .count() as u32
    }
}
