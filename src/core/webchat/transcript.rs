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

/// Bytes per log chunk. Chunks are allocated once at this size and never grown, so a long chat never copies its
/// log to a doubled buffer (the old and the new one both live: the peak that wasm memory, which never shrinks,
/// would keep). 8 KB less talc's overhead (a 4-byte tag, rounded to its 16-byte unit), so a chunk takes exactly
/// 8 KB of the arena. A 64 KB chunk with that overhead needs two fresh pages whenever the arena's free tail is
/// short of it (the first one grew memory by 128 KB at chat start), and the last chunk's unused tail is memory
/// the chat keeps (half a chunk on average): with this encoding, 16 KB chunks ended a 10,000-message chat one
/// 64 KB page above 8 KB ones.
const CHUNK: usize = 8 * 1024 - 16;
/// A position is remembered every this many messages, so reading from message `n` decodes at most this many first.
const STRIDE: usize = 64;
/// `from` of a message whose sender is not a known member.
const NO_MEMBER: u16 = u16::MAX;

const KINDS: [(&str, &str); 4] = [
    ("Message", "standard"),
    ("Notice", "notice"),
    ("ParticipantJoined", "member-join"),
    ("ParticipantLeft", "member-leave"),
];
/// The index in [`KINDS`] of a wire message's body type (unknown types are plain messages).
fn kind_of(w: &WireMessage) -> usize {
    KINDS.iter().position(|k| k.1 == w.body_type).unwrap_or(0)
}

const FROM_TYPES: [&str; 4] = ["Client", "Agent", "Bot", "External"];

/// The delivered messages as one byte log in fixed-size chunks. A record is:
/// `flags` (kind: 2 bits, from type: 2 bits, id is a lowercase UUID stored as 16 bytes: 1 bit, timestamp text
/// kept: 1 bit, for the guest's own messages; ms stored whole: 1 bit; same sender as the record before: 1 bit),
/// `from` (member index) unless the same, the timestamp in ms, the id (16 bytes, or its length and bytes), the
/// text (length and bytes), and the timestamp text when kept. Lengths and the member index are LEB128 varints,
/// and the ms a zigzag varint of the difference from the previous record's (a byte or two in a live chat),
/// stored whole as an f64 when it is not an integer. The first record of each stride, where reading from a mark
/// starts, refers to no record before it (ms whole, sender written). A 38-byte message is 56 bytes.
#[derive(Debug, Default)]
struct Log {
    chunks: Vec<Vec<u8>>,
    len: usize,
    /// (chunk, offset) of message `k * STRIDE`.
    marks: Vec<(u32, u32)>,
    /// The previous record's ms, as an integer: the next difference's base.
    base_ms: i64,
    /// The previous record's sender.
    prev_from: u16,
}

const F_UUID: u8 = 16;
const F_TS_TEXT: u8 = 32;
const F_MS_F64: u8 = 64;
const F_SAME_FROM: u8 = 128;

/// One decoded record.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: String,
    pub text: String,
    pub timestamp_ms: f64,
    pub timestamp: String,
    kind: u8,
    from_type: u8,
    from: u16,
}

impl Entry {
    pub fn body_type(&self) -> &'static str {
        KINDS.get(usize::from(self.kind)).map_or("standard", |k| k.1)
    }
}

/// LEB128: lengths, member indexes and time deltas are almost always one byte.
fn push_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn push_counted(out: &mut Vec<u8>, b: &[u8]) {
    push_varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

/// `ms` as an integer when that integer converts back to exactly `ms` (not for fractions, NaN, infinities or
/// -0): the decoder converts the same way, so a stored delta always reads back bit for bit.
fn integral_ms(ms: f64) -> Option<i64> {
    let i = ms as i64;
    ((i as f64).to_bits() == ms.to_bits()).then_some(i)
}

fn uuid_bytes(id: &str) -> Option<[u8; 16]> {
    let b = id.as_bytes();
    if b.len() != 36 {
        return None;
    }
    let mut out = [0u8; 16];
    let mut n = 0;
    let mut hi: Option<u8> = None;
    for (i, &c) in b.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if c != b'-' {
                return None;
            }
            continue;
        }
        let v = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => return None,
        };
        match hi.take() {
            None => hi = Some(v),
            Some(h) => {
                *out.get_mut(n)? = (h << 4) | v;
                n += 1;
            }
        }
    }
    Some(out)
}

fn uuid_string(b: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(36);
    for (i, &x) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        for d in [x >> 4, x & 15] {
            s.push(char::from(HEX.get(usize::from(d)).copied().unwrap_or(b'0')));
        }
    }
    s
}

impl Log {
    /// `own`: the guest's message, whose timestamp text is kept for the answer of a send its echo completes (the
    /// widget's shape needs only the ms).
    fn push(&mut self, w: &WireMessage, kind: u8, from_type: u8, from: u16, own: bool) {
        let mut rec = Vec::with_capacity(24 + w.id.len() + w.body.len());
        let uuid = uuid_bytes(&w.id);
        // The first record of a stride is read first when reading from its mark: its ms is whole.
        let mid_stride = self.len % STRIDE != 0;
        let ms = integral_ms(w.timestamp_ms).filter(|_| mid_stride);
        let same_from = mid_stride && self.prev_from == from;
        let flags = (kind & 3)
            | ((from_type & 3) << 2)
            | (u8::from(uuid.is_some()) * F_UUID)
            | (u8::from(own) * F_TS_TEXT)
            | (u8::from(ms.is_none()) * F_MS_F64)
            | (u8::from(same_from) * F_SAME_FROM);
        rec.push(flags);
        if !same_from {
            push_varint(&mut rec, u64::from(from));
        }
        self.prev_from = from;
        match ms {
            Some(i) => {
                let d = i.wrapping_sub(self.base_ms);
                push_varint(&mut rec, ((d << 1) ^ (d >> 63)) as u64);
            }
            None => rec.extend_from_slice(&w.timestamp_ms.to_le_bytes()),
        }
        self.base_ms = w.timestamp_ms as i64;
        match uuid {
            Some(u) => rec.extend_from_slice(&u),
            None => push_counted(&mut rec, w.id.as_bytes()),
        }
        push_counted(&mut rec, w.body.as_bytes());
        if own {
            push_counted(&mut rec, w.timestamp.as_bytes());
        }
        let fits = self
            .chunks
            .last()
            .is_some_and(|c| c.capacity() - c.len() >= rec.len());
        if !fits {
            self.chunks.push(Vec::with_capacity(CHUNK.max(rec.len())));
        }
        let ci = self.chunks.len().saturating_sub(1);
        if let Some(c) = self.chunks.last_mut() {
            if self.len % STRIDE == 0 {
                self.marks.push((ci as u32, c.len() as u32));
            }
            c.extend_from_slice(&rec);
            self.len += 1;
        }
    }

    /// Messages from `from` on, oldest first.
    fn iter_from(&self, from: usize) -> LogIter<'_> {
        let (chunk, at) = self.marks.get(from / STRIDE).copied().unwrap_or((u32::MAX, 0));
        let mut it = LogIter {
            log: self,
            chunk: chunk as usize,
            at: at as usize,
            left: self.len.saturating_sub(from - from % STRIDE),
            base_ms: 0,
            prev_from: 0,
        };
        for _ in 0..from % STRIDE {
            if it.skip_one().is_none() {
                break;
            }
        }
        it
    }
}

struct LogIter<'a> {
    log: &'a Log,
    chunk: usize,
    at: usize,
    left: usize,
    /// The decoder's copies of [`Log::base_ms`] and [`Log::prev_from`].
    base_ms: i64,
    prev_from: u16,
}

impl LogIter<'_> {
    fn bytes(&self) -> &[u8] {
        self.log
            .chunks
            .get(self.chunk)
            .and_then(|c| c.get(self.at..))
            .unwrap_or_default()
    }

    /// Reads the next record's fields as borrowed slices: (flags, from, ms, id, text, timestamp text).
    fn raw(&mut self) -> Option<RawRecord<'_>> {
        if self.left == 0 {
            return None;
        }
        if self.bytes().is_empty() {
            self.chunk += 1;
            self.at = 0;
        }
        let mut c = Cursor {
            b: self.log.chunks.get(self.chunk).and_then(|c| c.get(self.at..))?,
            p: 0,
        };
        let flags = *c.b.first()?;
        c.p = 1;
        let from = if flags & F_SAME_FROM != 0 {
            self.prev_from
        } else {
            c.varint()? as u16
        };
        self.prev_from = from;
        let ms = if flags & F_MS_F64 != 0 {
            f64::from_le_bytes(c.take(8)?.try_into().ok()?)
        } else {
            let z = c.varint()?;
            self.base_ms.wrapping_add((z >> 1) as i64 ^ -((z & 1) as i64)) as f64
        };
        self.base_ms = ms as i64;
        let id = if flags & F_UUID != 0 {
            RawId::Uuid(c.take(16)?)
        } else {
            RawId::Text(c.counted()?)
        };
        let text = c.counted()?;
        let ts = if flags & F_TS_TEXT != 0 { c.counted()? } else { &[] };
        self.at += c.p;
        self.left -= 1;
        Some((flags, from, ms, id, text, ts))
    }

    fn skip_one(&mut self) -> Option<()> {
        self.raw().map(|_| ())
    }

    /// The next record's id equals `id` (without decoding anything else); `None` at the end.
    fn next_id_is(&mut self, id: &str) -> Option<bool> {
        let (_, _, _, raw, _, _) = self.raw()?;
        Some(match raw {
            RawId::Uuid(b) => uuid_bytes(id).is_some_and(|u| u == b),
            RawId::Text(t) => t == id.as_bytes(),
        })
    }
}

/// (flags, from, ms, id, text, timestamp text) of one record, borrowed from the log.
type RawRecord<'a> = (u8, u16, f64, RawId<'a>, &'a [u8], &'a [u8]);

struct Cursor<'a> {
    b: &'a [u8],
    p: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.p..self.p.checked_add(n)?)?;
        self.p += n;
        Some(s)
    }

    fn varint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        let mut shift = 0u32;
        loop {
            let b = *self.b.get(self.p)?;
            self.p += 1;
            v |= u64::from(b & 0x7f).wrapping_shl(shift);
            if b < 0x80 {
                return Some(v);
            }
            shift += 7;
        }
    }

    /// A varint length and that many bytes.
    fn counted(&mut self) -> Option<&'a [u8]> {
        let n = self.varint()?;
        self.take(n as usize)
    }
}

/// The log holds only what came from `&str`s, so this never fails; it is checked rather than assumed.
fn utf8(b: &[u8]) -> String {
    std::str::from_utf8(b).unwrap_or_default().to_string()
}

enum RawId<'a> {
    Uuid(&'a [u8]),
    Text(&'a [u8]),
}

impl Iterator for LogIter<'_> {
    type Item = Entry;

    fn next(&mut self) -> Option<Entry> {
        let (flags, from, ms, id, text, ts) = self.raw()?;
        let id = match id {
            RawId::Uuid(b) => uuid_string(b),
            RawId::Text(t) => utf8(t),
        };
        let text = utf8(text);
        let timestamp = utf8(ts);
        Some(Entry {
            id,
            text,
            timestamp_ms: ms,
            timestamp,
            kind: flags & 3,
            from_type: (flags >> 2) & 3,
            from,
        })
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
        self.log
            .iter_from(0)
            .enumerate()
            .map(|(i, e)| self.chat_message(e, i))
            .collect()
    }

    /// Every delivered message in the widget's shape, with its server original (`getTranscript`).
    pub fn chat_messages_with_wire(&self) -> Vec<(WireMessage, ChatMessage)> {
        self.log
            .iter_from(0)
            .enumerate()
            .map(|(i, e)| (self.wire(&e), self.chat_message(e, i)))
            .collect()
    }

    /// The times of the first and the last delivered message (`getStats`).
    pub fn first_last_ms(&self) -> (Option<f64>, Option<f64>) {
        let first = self.log.iter_from(0).next().map(|e| e.timestamp_ms);
        let last = self
            .log
            .iter_from(self.log.len.saturating_sub(1))
            .last()
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
        let ready: Vec<WireMessage> = self.waiting.drain(..n.min(self.waiting.len())).collect();
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
        self.members
            .iter()
            .filter(|m| matches!(m.role, Role::Agent | Role::Supervisor) && m.connected_time.is_some())
            .map(|m| AgentInfo {
                id: m.id.clone(),
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn wire(id: &str, sender: &str, body: &str, ts: &str, ms: f64) -> WireMessage {
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

    /// What a record must give back: everything but the timestamp text of others' messages, ms bit for bit.
    type Stored = (String, String, u64, String, u8, u8, u16);

    fn stored(e: &Entry) -> Stored {
        let ms = e.timestamp_ms.to_bits();
        (
            e.id.clone(),
            e.text.clone(),
            ms,
            e.timestamp.clone(),
            e.kind,
            e.from_type,
            e.from,
        )
    }

    /// Pushes `(message, from)` pairs straight into a log, then reads it back from every index: each read must be
    /// the same suffix (a read starts at the nearest mark, so this crosses every stride and chunk boundary).
    fn round_trip(msgs: &[(WireMessage, u16)]) -> Log {
        let mut log = Log::default();
        let mut want: Vec<Stored> = Vec::new();
        for (i, (w, from)) in msgs.iter().enumerate() {
            let own = i % 5 == 0;
            let kind = kind_of(w) as u8;
            log.push(w, kind, (i % 4) as u8, *from, own);
            let ts = if own { w.timestamp.clone() } else { String::new() };
            let ms = w.timestamp_ms.to_bits();
            want.push((w.id.clone(), w.body.clone(), ms, ts, kind, (i % 4) as u8, *from));
        }
        assert_eq!(log.len, msgs.len());
        for from in 0..=msgs.len() {
            let got: Vec<Stored> = log.iter_from(from).map(|e| stored(&e)).collect();
            assert_eq!(got, want[from..], "reading from {from}");
        }
        log
    }

    fn uuid(i: usize) -> String {
        format!("{:08x}-1b2c-4d3e-8f90-a1b2c3d4e5f6", i)
    }

    #[test]
    fn timestamps_read_back_bit_for_bit_whatever_their_difference() {
        let base = 1_795_469_511_000.0;
        let odd = [
            base,
            base,                // zero difference
            base - 86_400_000.0, // negative
            base + 1.0,
            base + 0.5, // not an integer: stored whole
            base + 2.0, // after a whole one, the difference is from its integer part
            0.0,
            -0.0, // converts to 0 and back to +0: stored whole
            -1.0,
            9_007_199_254_740_992.0, // 2^53
            -9_007_199_254_740_992.0,
            9.223_372_036_854_776e18, // 2^63: the saturated i64 converts back to it exactly
            -9.223_372_036_854_776e18,
            1e300, // beyond i64
            -1e300,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            5e-324,
            base,
            1.5,
            -2.5,
            base + 3.0,
        ];
        let msgs: Vec<(WireMessage, u16)> = (0..300)
            .map(|i| {
                let ms = odd[i % odd.len()];
                (
                    wire(&uuid(i), "A", &format!("m{i}"), "2026-11-23T21:31:51.000Z", ms),
                    0,
                )
            })
            .collect();
        round_trip(&msgs);
        // A live chat's ms differences are small: a record of a 38-byte message from the same agent is 56 bytes.
        let live: Vec<(WireMessage, u16)> = (0..200)
            .map(|i| {
                let ms = base + (i * 37 % 100) as f64;
                let body = "bench -1 0 message 1234 of a long chat";
                (wire(&uuid(i), "A", body, "", ms), 3)
            })
            .collect();
        let mut log = Log::default();
        for (w, from) in &live {
            log.push(w, 0, 1, *from, false);
        }
        let bytes: usize = log.chunks.iter().map(Vec::len).sum();
        // 200 records: each 1 + 1 (ms) + 16 + 1 + 38, and the 4 stride starts add their sender and an f64 ms.
        assert_eq!(bytes, 200 * 57 + 4 * (1 + 8 - 1));
    }

    #[test]
    fn ids_texts_and_senders_of_every_size_read_back_across_strides_and_chunks() {
        let sizes = [
            0usize,
            1,
            127,
            128,
            300,
            16_383,
            16_384,
            CHUNK - 40,
            CHUNK,
            CHUNK + 10,
            3 * CHUNK,
        ];
        let mut msgs = Vec::new();
        for i in 0..400usize {
            let id = match i % 4 {
                0 => uuid(i),
                1 => format!("not-a-uuid-{i}"),
                // Upper case is not stored as bytes (it would come back lower case).
                2 => uuid(i).to_uppercase(),
                _ => format!("{}-{}", "x".repeat(130), i), // a length of two varint bytes
            };
            let body = if i % 9 == 0 {
                "y".repeat(sizes[i / 9 % sizes.len()])
            } else if i % 9 == 1 {
                "héllo ✓ — ünïcode".repeat(i % 5)
            } else {
                format!("message {i}")
            };
            // Runs of one sender, changes, member indexes of one to three varint bytes, and no member.
            let from = match i / 3 % 5 {
                0 => 0,
                1 => 127,
                2 => 128,
                3 => 20_000,
                _ => NO_MEMBER,
            };
            let mut w = wire(
                &id,
                "A",
                &body,
                &format!("2026-11-23T21:31:{:02}.{:03}Z", i % 60, i),
                1e12 + i as f64,
            );
            w.body_type = ["standard", "notice", "member-join", "member-leave", "other"][i % 5].into();
            msgs.push((w, from));
        }
        let log = round_trip(&msgs);
        assert!(log.chunks.len() > 10);
        // A text larger than a chunk gets a chunk of its own size, and chunks are never grown past their size.
        assert!(log.chunks.iter().any(|c| c.capacity() >= 3 * CHUNK));
        assert!(log.chunks.iter().all(|c| c.len() <= c.capacity().max(CHUNK)));
    }

    #[test]
    fn a_chunk_filled_to_the_byte_is_followed_by_a_new_one() {
        // Records sized so that the first chunk ends exactly full: 1 + 1 + 8 (ms whole at a stride start) + 16
        // + 2 (a length of 200 or more) + text.
        let first = 1 + 1 + 8 + 16 + 2;
        let body = "z".repeat(CHUNK - first);
        let msgs: Vec<(WireMessage, u16)> = (0..3)
            .map(|i| {
                (
                    wire(&uuid(i), "A", if i == 0 { &body } else { "after" }, "", 1e12),
                    0,
                )
            })
            .collect();
        let mut log = Log::default();
        for (w, from) in &msgs {
            log.push(w, 0, 0, *from, false);
        }
        assert_eq!(log.chunks.first().map(Vec::len), Some(CHUNK));
        assert_eq!(log.chunks.len(), 2);
        assert_eq!(
            log.iter_from(1).map(|e| e.text).collect::<Vec<_>>(),
            ["after", "after"]
        );
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
