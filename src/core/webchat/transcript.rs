//! The transcript and the members: messages de-duplicated by id (the same message may come from the stream, a
//! catch-up fetch after a reconnect, a poll and a restore), kept in arrival order, and who sent them.

pub use super::log::Entry;
use super::log::{Log, CHUNK, NO_MEMBER, STRIDE};
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
        FROM_TYPES
            .get(usize::from(self.type_index()))
            .copied()
            .unwrap_or("External")
    }

    /// Its `from.type`'s index in [`FROM_TYPES`], as stored.
    fn type_index(self) -> u8 {
        match self {
            Role::Client => 0,
            Role::Agent | Role::Supervisor => 1,
            Role::Bot => 2,
            Role::External => 3,
        }
    }
}

/// A member as far as we know it.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub id: String,
    pub name: String,
    /// `avatarImageUrl` ("" when none).
    pub avatar: String,
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
    /// The sender's avatar URL ("" when none: then the message has no `avatar`).
    pub avatar: String,
}

/// A `getAgents` entry, keyed by its member id.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentInfo {
    pub id: String,
    pub name: String,
    pub connected: bool,
    pub supervisor: bool,
    pub connected_time: Option<f64>,
    pub disconnected_time: Option<f64>,
}

#[derive(Debug, Default)]
pub struct Transcript {
    /// Every message delivered, in order, stored once and compactly (see [`Log`]): the wire original is needed
    /// only when a message is delivered (`originalMessages`), and the widget's shape is derived from the stored
    /// fields whenever `getTranscript` asks. A 10,000-message chat kept both forms as separate strings, ~600 B a
    /// message; this is ~20 B plus the text (a UUID id is 16 of them).
    log: Log,
    /// Ids delivered or waiting, as sorted 32-bit hashes (64-bit FNV-1a, folded): the de-duplication set, 4 bytes a
    /// message. Not a hash set (every
    /// hash-table instantiation costs the wasm about a kilobyte), and not a Vec of ids searched linearly, which
    /// made a long chat quadratic (a 10,000-message chat compared ids ~50 million times). A hash hit is confirmed
    /// against the messages themselves (newest first, where a duplicate usually is), so a collision can never
    /// drop a message.
    seen: Vec<u32>,
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

/// 64-bit FNV-1a folded to 32 bits: a few instructions a byte, and no hashing machinery in the wasm. A false hit
/// (about one lookup in 400,000 in a 10,000-message chat) costs only the confirmation.
fn fnv(s: &str) -> u32 {
    let h = s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    (h ^ (h >> 32)) as u32
}

/// How many hashes to add to a full `seen` of `len`: up to the next size whose allocation takes a whole number
/// of log chunks' room in the arena. The buffer it leaves behind is then a hole the next log chunks fill
/// exactly. Doubling kept up to half of it unused (24 KB at 10,000 messages) and 96 KB live while 8,192 hashes
/// were copied; growing by an eighth left ~20 odd-sized holes over a 10,000-message chat, with remainders that
/// nothing reused (wasm memory ended ~140 KB above what was allocated).
fn seen_growth(len: usize) -> usize {
    const BLOCK: usize = (CHUNK + 16) / 4;
    (len + 4) / BLOCK * BLOCK + BLOCK - 4 - len
}

const KINDS: [(&str, &str); 4] = [
    ("Message", "standard"),
    ("Notice", "notice"),
    ("ParticipantJoined", "member-join"),
    ("ParticipantLeft", "member-leave"),
];
/// The index in [`KINDS`] of a wire message's body type (unknown types are plain messages).
pub(super) fn kind_of(w: &WireMessage) -> usize {
    KINDS.iter().position(|k| k.1 == w.body_type).unwrap_or(0)
}

const FROM_TYPES: [&str; 4] = ["Client", "Agent", "Bot", "External"];

impl Entry {
    pub fn body_type(&self) -> &'static str {
        KINDS.get(usize::from(self.kind)).map_or("standard", |k| k.1)
    }
}

impl Transcript {
    pub fn clear(&mut self) {
        *self = Transcript::default();
    }

    /// How many messages were delivered.
    pub fn len(&self) -> usize {
        self.log.len
    }

    pub fn is_empty(&self) -> bool {
        self.log.len == 0
    }

    /// Accepts a message unless its id was seen; returns whether it was new.
    pub fn admit(&mut self, m: WireMessage) -> bool {
        if m.id.is_empty() {
            return false;
        }
        let h = fnv(&m.id);
        let at = match self.seen.binary_search(&h) {
            Ok(_) if self.confirmed(&m.id) => return false,
            Ok(at) | Err(at) => at,
        };
        if self.seen.len() == self.seen.capacity() {
            self.seen.reserve_exact(seen_growth(self.seen.len()));
        }
        self.seen.insert(at, h);
        self.last_id = Some(m.id.clone());
        self.waiting.push(m);
        true
    }

    pub fn has_seen(&self, id: &str) -> bool {
        self.hashed(id) && self.confirmed(id)
    }

    /// A hash hit confirmed: the waiting messages first, then the log.
    fn confirmed(&self, id: &str) -> bool {
        self.waiting.iter().any(|w| w.id == id) || self.logged(id)
    }

    fn hashed(&self, id: &str) -> bool {
        self.seen.binary_search(&fnv(id)).is_ok()
    }

    /// Whether message `id` was delivered (is in the log, not waiting).
    pub fn delivered(&self, id: &str) -> bool {
        self.hashed(id) && self.logged(id)
    }

    /// Whether the log holds `id`, newest stride first: a duplicate is almost always recent.
    fn logged(&self, id: &str) -> bool {
        let mut b = self.log.len.div_ceil(STRIDE);
        while b > 0 {
            b -= 1;
            let mut it = self.log.iter_from(b * STRIDE);
            for _ in 0..STRIDE {
                match it.next_id_is(id) {
                    Some(true) => return true,
                    Some(false) => {}
                    None => break,
                }
            }
        }
        false
    }

    /// The delivered messages from index `from` on, as stored.
    pub fn entries_from(&self, from: usize) -> impl Iterator<Item = Entry> + '_ {
        self.log.iter_from(from)
    }

    /// The member id a stored message was from ("" when unknown).
    pub fn sender_of(&self, e: &Entry) -> &str {
        self.members
            .get(usize::from(e.from))
            .map_or("", |m| m.id.as_str())
    }

    /// The widget's shape of a stored message (`getTranscript`): the sender's name as known now.
    pub fn chat_message(&self, e: Entry, index: usize) -> ChatMessage {
        ChatMessage {
            kind: KINDS.get(usize::from(e.kind)).map_or("Message", |k| k.0),
            text: e.text,
            index: index as u32,
            timestamp: e.timestamp_ms,
            id: e.id,
            from_type: FROM_TYPES
                .get(usize::from(e.from_type))
                .copied()
                .unwrap_or("External"),
            from_name: self
                .members
                .get(usize::from(e.from))
                .map(|m| m.name.clone())
                .unwrap_or_default(),
            avatar: self
                .members
                .get(usize::from(e.from))
                .map(|m| m.avatar.clone())
                .unwrap_or_default(),
        }
    }

    /// Every delivered message in the widget's shape.
    pub fn chat_messages(&self) -> Vec<ChatMessage> {
        let mut out = Vec::with_capacity(self.log.len);
        // A message's index is its position: the number pushed before it.
        for e in self.log.iter_from(0) {
            out.push(self.chat_message(e, out.len()));
        }
        out
    }

    /// Every delivered message in the widget's shape, with its server original (`getTranscript`).
    pub fn chat_messages_with_wire(&self) -> Vec<(WireMessage, ChatMessage)> {
        let mut out = Vec::with_capacity(self.log.len);
        for e in self.log.iter_from(0) {
            out.push((self.wire(&e), self.chat_message(e, out.len())));
        }
        out
    }

    /// The times of the first and the last delivered message (`getStats`).
    pub fn first_last_ms(&self) -> (Option<f64>, Option<f64>) {
        let first = self.log.iter_from(0).next().map(|e| e.timestamp_ms);
        let last = self
            .log
            .iter_from(self.log.len.saturating_sub(1))
            .next()
            .map(|e| e.timestamp_ms);
        (first, last)
    }

    /// The wire form of a stored message (the AJAX answer of a send completed by its echo).
    pub fn wire(&self, e: &Entry) -> WireMessage {
        WireMessage {
            id: e.id.clone(),
            sender_id: self.sender_of(e).to_string(),
            body: e.text.clone(),
            body_type: e.body_type().to_string(),
            timestamp: e.timestamp.clone(),
            timestamp_ms: e.timestamp_ms,
        }
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
                avatar: String::new(),
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
            if let Some(a) = &w.avatar_image_url {
                m.avatar = a.clone();
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
        let rest = self.waiting.split_off(n.min(self.waiting.len()));
        let ready = std::mem::replace(&mut self.waiting, rest);
        if !own_id.is_empty() && self.member(own_id).is_none() && ready.iter().any(|w| w.sender_id == own_id)
        {
            // Stored messages name their sender by member index: the guest needs one too (it has none when it
            // gave no nickname and no member list was read yet).
            self.members.push(Member {
                id: own_id.to_string(),
                name: String::new(),
                avatar: String::new(),
                role: Role::Client,
                connected: false,
                connected_time: None,
                disconnected_time: None,
                pending_state: None,
            });
        }
        for w in ready {
            let (c, from_type) = self.convert(&w, own_id);
            let kind = kind_of(&w) as u8;
            let from = self
                .members
                .iter()
                .position(|m| m.id == w.sender_id)
                .and_then(|i| u16::try_from(i).ok())
                .unwrap_or(NO_MEMBER);
            self.log.push(&w, kind, from_type, from, w.sender_id == own_id);
            out.push((w, c));
        }
        out
    }

    /// Converts a wire message to the widget's shape, using what is known of its sender; and its `from.type`'s
    /// index, as stored.
    fn convert(&self, w: &WireMessage, own_id: &str) -> (ChatMessage, u8) {
        let (role, from_name, avatar) = if w.sender_id == own_id {
            let (name, avatar) = self
                .member(own_id)
                .map(|m| (m.name.clone(), m.avatar.clone()))
                .unwrap_or_default();
            (Role::Client, name, avatar)
        } else {
            match self.member(&w.sender_id) {
                Some(m) => (m.role, m.name.clone(), m.avatar.clone()),
                None => (Role::External, String::new(), String::new()),
            }
        };
        let c = ChatMessage {
            kind: KINDS.get(kind_of(w)).map_or("Message", |k| k.0),
            text: w.body.clone(),
            index: self.log.len as u32,
            timestamp: w.timestamp_ms,
            id: w.id.clone(),
            from_type: role.from_type(),
            from_name,
            avatar,
        };
        (c, role.type_index())
    }

    /// Agents and supervisors that took part, for `getAgents` and connect events.
    pub fn agents(&self) -> Vec<AgentInfo> {
        let mut out = Vec::new();
        for m in &self.members {
            if matches!(m.role, Role::Agent | Role::Supervisor) && m.connected_time.is_some() {
                out.push(AgentInfo {
                    id: m.id.clone(),
                    name: m.name.clone(),
                    connected: m.connected,
                    supervisor: m.role == Role::Supervisor,
                    connected_time: m.connected_time,
                    disconnected_time: m.disconnected_time,
                });
            }
        }
        out
    }

    pub fn agents_connected(&self) -> u32 {
        self.members
            .iter()
            .filter(|m| matches!(m.role, Role::Agent | Role::Supervisor) && m.connected)
            .count() as u32
    }
}

#[cfg(test)]
pub(super) mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    pub(in super::super) fn wire(id: &str, sender: &str, body: &str, ts: &str, ms: f64) -> WireMessage {
        WireMessage {
            id: id.into(),
            sender_id: sender.into(),
            body: body.into(),
            body_type: "standard".into(),
            timestamp: ts.into(),
            timestamp_ms: ms,
        }
    }

    #[test]
    fn stored_messages_read_back_exactly_whatever_their_ids_and_timestamps() {
        let mut t = Transcript::default();
        t.learn(
            &WireMember {
                id: "A".into(),
                display_name: Some("Alice".into()),
                role: Some("AGENT".into()),
                state: None,
                avatar_image_url: None,
            },
            "M",
        );
        let mut sent = Vec::new();
        for i in 0..1000u32 {
            let id = if i % 3 == 0 {
                format!("0f8e{i:04}-1b2c-4d3e-8f90-a1b2c3d4e5f6")
            } else if i % 3 == 1 {
                format!("not-a-uuid-{i}")
            } else {
                // Upper case is not stored as bytes (it would come back lower case).
                format!("0F8E{i:04}-1B2C-4D3E-8F90-A1B2C3D4E5F6")
            };
            let ms = 1_795_469_511_000.0 + f64::from(i);
            let ts = format!("2026-11-23T21:31:51.{:03}Z", i % 1000);
            // Some texts larger than a chunk, and one with non-ASCII.
            let body = match i {
                500 => "x".repeat(CHUNK + 10),
                7 => "héllo ✓".to_string(),
                _ => format!("message {i}"),
            };
            let sender = if i % 2 == 0 { "A" } else { "M" };
            let w = wire(&id, sender, &body, &ts, ms);
            assert!(t.admit(w.clone()));
            // Only the guest's own messages keep their timestamp text (the ms is kept for all).
            let mut kept = w.clone();
            if sender != "M" {
                kept.timestamp = String::new();
            }
            sent.push(kept);
        }
        let mut unknown = Vec::new();
        let out = t.release("M", &mut unknown);
        assert_eq!(out.len(), 1000);
        assert_eq!(t.len(), 1000);
        let back: Vec<WireMessage> = t.entries_from(0).map(|e| t.wire(&e)).collect();
        assert_eq!(back.len(), sent.len());
        for (b, s) in back.iter().zip(&sent) {
            assert_eq!(b, s);
        }
        // Reading from the middle, across a stride and a chunk.
        let from: Vec<String> = t.entries_from(499).take(3).map(|e| e.id).collect();
        assert_eq!(
            from,
            vec![sent[499].id.clone(), sent[500].id.clone(), sent[501].id.clone()]
        );
        let chat = t.chat_messages();
        assert_eq!(chat[7].text, "héllo ✓");
        assert_eq!(chat[8].from_name, "Alice");
        assert_eq!(chat[8].from_type, "Agent");
        assert_eq!(chat[9].from_type, "Client");
        assert_eq!(chat[999].index, 999);
        // De-duplication still confirms against the stored ids.
        for w in &sent {
            assert!(t.has_seen(&w.id));
            assert!(t.delivered(&w.id));
            assert!(!t.admit(w.clone()));
        }
        assert!(!t.has_seen("0f8e9999-1b2c-4d3e-8f90-a1b2c3d4e5f6"));
        assert_eq!(t.entries_from(1000).count(), 0);
        assert_eq!(t.entries_from(2000).count(), 0);
    }

    fn uuid(i: usize) -> String {
        format!("{:08x}-1b2c-4d3e-8f90-a1b2c3d4e5f6", i)
    }

    #[test]
    fn seen_grows_to_whole_chunks_of_the_arena() {
        let mut t = Transcript::default();
        let mut caps = Vec::new();
        for i in 0..5000 {
            assert!(t.admit(wire(&uuid(i), "A", "m", "", 1e12)));
            if caps.last() != Some(&t.seen.capacity()) {
                caps.push(t.seen.capacity());
            }
        }
        // 4 bytes each, plus talc's 4-byte tag: 8 KB, 16 KB and 24 KB of the arena.
        assert_eq!(caps, [2044, 4092, 6140]);
        for i in 0..5000 {
            assert!(!t.admit(wire(&uuid(i), "A", "m", "", 1e12)));
        }
    }
}
