//! The delivered messages as one compact byte log (see [`Log`]): what the transcript stores, and reads back from
//! any index.

use crate::core::guestchat::WireMessage;

/// Bytes per log chunk. Chunks are allocated once at this size and never grown, so a long chat never copies its
/// log to a doubled buffer (the old and the new one both live: the peak that wasm memory, which never shrinks,
/// would keep). 8 KB less talc's overhead (a 4-byte tag, rounded to its 16-byte unit), so a chunk takes exactly
/// 8 KB of the arena. A 64 KB chunk with that overhead needs two fresh pages whenever the arena's free tail is
/// short of it (the first one grew memory by 128 KB at chat start), and the last chunk's unused tail is memory
/// the chat keeps (half a chunk on average): with this encoding, 16 KB chunks ended a 10,000-message chat one
/// 64 KB page above 8 KB ones.
pub(super) const CHUNK: usize = 8 * 1024 - 16;
/// A position is remembered every this many messages, so reading from message `n` decodes at most this many first.
pub(super) const STRIDE: usize = 64;
/// `from` of a message whose sender is not a known member.
pub(super) const NO_MEMBER: u16 = u16::MAX;

/// The delivered messages as one byte log in fixed-size chunks. A record is:
/// `flags` (kind: 2 bits, from type: 2 bits, id is a lowercase UUID stored as 16 bytes: 1 bit, timestamp text
/// kept: 1 bit, for the guest's own messages; ms stored whole: 1 bit; same sender as the record before: 1 bit),
/// `from` (member index) unless the same, the timestamp in ms, the id (16 bytes, or its length and bytes), the
/// text (length and bytes), and the timestamp text when kept. Lengths and the member index are LEB128 varints,
/// and the ms a zigzag varint of the difference from the previous record's (a byte or two in a live chat),
/// stored whole as an f64 when it is not an integer. The first record of each stride, where reading from a mark
/// starts, refers to no record before it (ms whole, sender written). A 38-byte message is 56 bytes.
#[derive(Debug, Default)]
pub(super) struct Log {
    chunks: Vec<Vec<u8>>,
    pub(super) len: usize,
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
    pub(super) kind: u8,
    pub(super) from_type: u8,
    pub(super) from: u16,
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
    pub(super) fn push(&mut self, w: &WireMessage, kind: u8, from_type: u8, from: u16, own: bool) {
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
    pub(super) fn iter_from(&self, from: usize) -> LogIter<'_> {
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

pub(super) struct LogIter<'a> {
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
    pub(super) fn next_id_is(&mut self, id: &str) -> Option<bool> {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::transcript::kind_of;
    use super::super::transcript::tests::wire;
    use super::*;

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
}
