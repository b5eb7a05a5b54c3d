//! Analytics delivery: the sans-IO queue, batching, retry and 413-split policy (`core::analytics::delivery`),
//! driven by any schedule of pushes, clock changes, polls, answers, online/hide/unload/reload and `configure`
//! calls, against a model of where every envelope is ("analysts need every event, once").
//!
//! The driver plays the web shell (`web::analytics`) over the real outbox (`core::analytics::outbox`): it queues
//! envelopes' JSON, answers only the batch in flight, reports a body no longer than the core's estimate (the
//! Segment wrapper is estimated from above), fires the timer at `next_wake`, configures through `Config::merged`
//! and `Outbox::configure`, holds events before the first `configure` and dataLayer pushes without consent, and
//! on a reload adopts the stored queue into a new outbox as `adopt()` does.

use std::collections::HashMap;

use cxbridge::core::analytics::config::{Config, Format};
use cxbridge::core::analytics::delivery::{
    backoff_ms, Batch, Delivery, Outcome, Policy, Refused, Settled, Stats,
};
use cxbridge::core::analytics::outbox::{Outbox, Queued, EARLY_MAX, SEGMENT_EXTRA};
use cxbridge::core::analytics::Input;

use crate::json::is_json;

use crate::input::Src;

/// What happened to an envelope, once it was queued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    Queued,
    Delivered,
    Rejected,
    Dropped,
    /// Refused by `restore` on a reload (bigger than the new page's `maxEventBytes`).
    NotRestored,
}

/// The `Retry-After` cap of the core: past an hour it is ignored.
const MAX_RETRY_AFTER_MS: u64 = 3_600_000;

/// Each 413 on several envelopes at least halves the body, so from 60 000 bytes a run of splits is short.
const MAX_SPLITS_IN_A_ROW: u32 = 64;

struct Model {
    o: Outbox<u64>,
    config: Config,
    /// Whether `configure` was called on this page (before it, events are held).
    configured: bool,
    /// Events held before the first `configure`, and how many the hold dropped (with the consent hold's).
    early: Vec<u64>,
    hold_dropped: u64,
    /// dataLayer pushes held for consent.
    held: Vec<String>,
    now: u64,
    next_id: u64,
    /// Every id ever queued: its push order (across reloads), size and fate.
    seq: HashMap<String, u64>,
    bytes: HashMap<String, u64>,
    /// The JSON each queued id was queued with (its length plus the format's extra is its size).
    json: HashMap<String, String>,
    fate: HashMap<String, Fate>,
    /// The queue as the docs describe it, oldest first.
    queue: Vec<String>,
    /// The batch in flight: its id, the ids of it still queued, its estimate, its length when sent, the body
    /// size reported with `sent`.
    in_flight: Option<(u64, Vec<String>, u64, usize, u64)>,
    /// Every batch id this page handed out (a stale answer may name one).
    batches: Vec<u64>,
    consent: bool,
    cap: u64,
    failures: u32,
    last_network: bool,
    splits_in_a_row: u32,
    /// This page's counters, as `Stats` should show them.
    stats: Stats,
    /// The push order of the last envelope that left by a 2xx or a 4xx: batches leave in push order.
    last_left: Option<u64>,
}

impl Model {
    fn new() -> Self {
        Model {
            o: Outbox::new(),
            config: Config::default(),
            configured: false,
            early: Vec::new(),
            hold_dropped: 0,
            held: Vec::new(),
            now: 1_700_000_000_000,
            next_id: 0,
            seq: HashMap::new(),
            bytes: HashMap::new(),
            json: HashMap::new(),
            fate: HashMap::new(),
            queue: Vec::new(),
            in_flight: None,
            batches: Vec::new(),
            consent: true,
            cap: u64::MAX,
            failures: 0,
            last_network: false,
            splits_in_a_row: 0,
            stats: Stats::default(),
            last_left: None,
        }
    }

    fn policy(&self) -> &Policy {
        self.o.delivery().policy()
    }

    fn d(&mut self) -> &mut Delivery {
        self.o.delivery_mut()
    }

    /// What the outbox adds to an envelope's JSON length under the current format.
    fn extra(&self) -> u64 {
        match self.o.config() {
            Some(c) if c.format == Format::Segment => SEGMENT_EXTRA,
            _ => 0,
        }
    }

    fn limit(&self) -> u64 {
        self.cap.min(self.policy().max_batch_bytes)
    }

    fn in_flight_ids(&self) -> &[String] {
        self.in_flight.as_ref().map_or(&[], |f| f.1.as_slice())
    }

    fn is_in_flight(&self, id: &str) -> bool {
        self.in_flight_ids().iter().any(|i| i == id)
    }

    fn pending(&self) -> Vec<String> {
        self.queue
            .iter()
            .filter(|i| !self.is_in_flight(i))
            .cloned()
            .collect()
    }

    fn queue_bytes(&self) -> u64 {
        self.queue.iter().map(|i| self.bytes[i]).sum()
    }

    fn leave(&mut self, id: &str, fate: Fate) {
        let was = self.fate.insert(id.to_string(), fate);
        assert_eq!(
            was,
            Some(Fate::Queued),
            "{id} left the queue as {fate:?} but was {was:?}"
        );
        self.queue.retain(|i| i != id);
        if let Some(f) = &mut self.in_flight {
            f.1.retain(|i| i != id);
        }
    }

    /// The ids `evict` must drop to make room for `incoming` (one more entry of that many bytes, or none):
    /// the oldest not in flight first, the batch in flight last.
    fn expected_drops(&self, incoming: Option<u64>) -> Vec<String> {
        let p = self.policy();
        let mut queue = self.queue.clone();
        let mut bytes = self.queue_bytes();
        let mut out = Vec::new();
        let (extra, more) = incoming.map_or((0, 0), |b| (1, b));
        while !queue.is_empty()
            && (queue.len() + extra > p.max_queue || bytes.saturating_add(more) > p.max_queue_bytes)
        {
            let pos = queue.iter().position(|i| !self.is_in_flight(i)).unwrap_or(0);
            let id = queue.remove(pos);
            bytes -= self.bytes[&id];
            out.push(id);
        }
        out
    }

    fn drop_all(&mut self, dropped: &[String]) {
        for id in dropped {
            self.leave(id, Fate::Dropped);
        }
        self.stats.dropped += dropped.len() as u64;
    }

    fn fresh_id(&mut self, bytes: u64) -> String {
        let id = format!("e{}", self.next_id);
        self.seq.insert(id.clone(), self.next_id);
        self.bytes.insert(id.clone(), bytes);
        self.next_id += 1;
        id
    }

    /// An envelope whose JSON is `len` characters long (at least one); past what a page could hold, straight to
    /// the delivery policy by size.
    fn push(&mut self, len: u64) {
        let len = len.max(1);
        let bytes = len.saturating_add(self.extra());
        let id = self.fresh_id(bytes);
        let expected = self.expected_drops(Some(bytes));
        let result = if len <= 100_000 {
            let json = "1".repeat(len as usize);
            self.json.insert(id.clone(), json.clone());
            let before = self.ids();
            match self.o.queue(id.clone(), json, self.now) {
                Queued::Yes => {
                    assert_eq!(
                        gone(&before, &self.ids()),
                        sorted(&expected),
                        "the push dropped the wrong envelopes"
                    );
                    Ok(expected.clone())
                }
                Queued::Duplicate => Err(Refused::Duplicate),
                Queued::TooLarge(max) => {
                    assert_eq!(max, self.policy().max_event_bytes);
                    Err(Refused::TooLarge)
                }
            }
        } else {
            let now = self.now;
            self.d().push(id.clone(), bytes, now)
        };
        match result {
            Err(Refused::TooLarge) => {
                assert!(
                    bytes > self.policy().max_event_bytes,
                    "{bytes} B refused under maxEventBytes"
                );
            }
            Err(Refused::Duplicate) => panic!("a fresh id {id} refused as a duplicate"),
            Ok(dropped) => {
                assert!(bytes <= self.policy().max_event_bytes, "{bytes} B accepted");
                assert_eq!(
                    dropped, expected,
                    "a push of {bytes} B dropped the wrong envelopes"
                );
                self.drop_all(&dropped);
                self.queue.push(id.clone());
                self.fate.insert(id, Fate::Queued);
                self.stats.queued += 1;
            }
        }
    }

    fn push_duplicate(&mut self, s: &mut Src) {
        let Some(id) = s.pick(&self.queue).cloned() else {
            return;
        };
        if 1 + self.extra() > self.policy().max_event_bytes {
            // Refused for its size before it is compared.
            return;
        }
        let before = self.o.delivery().stats();
        assert_eq!(
            self.o.queue(id.clone(), "1".into(), self.now),
            Queued::Duplicate,
            "{id} is queued"
        );
        assert_eq!(self.o.delivery().stats(), before);
    }

    /// A poll as `pump()` does it, with the batch handed to `send_now` (which reports the body's size).
    fn poll(&mut self, s: &mut Src, from_timer: bool) {
        let wake = self.o.delivery().next_wake();
        let now = self.now;
        let r = self.d().poll(now);
        match r {
            None => {
                if from_timer {
                    panic!(
                        "the timer fired at next_wake {wake:?} (now {}) and nothing was sent",
                        self.now
                    );
                }
                // The shell re-arms its timer at next_wake: one not in the future would fire at once, forever.
                if let Some(t) = self.o.delivery().next_wake() {
                    assert!(
                        t > self.now,
                        "poll sent nothing at {} yet next_wake is {t}: a tight loop",
                        self.now
                    );
                }
            }
            Some(b) => {
                assert!(self.consent, "a batch without consent");
                assert!(self.in_flight.is_none(), "a second batch in flight");
                self.check_batch(&b);
                assert_eq!(
                    self.o.payloads(&b.ids),
                    b.ids
                        .iter()
                        .filter_map(|i| self.json.get(i).cloned())
                        .collect::<Vec<_>>(),
                    "the batch's bodies are its envelopes' JSON"
                );
                assert_eq!(self.d().poll(now), None, "polling twice sent twice");
                assert_eq!(
                    self.o.delivery().next_wake(),
                    None,
                    "a timer while a batch is in flight"
                );
                let sent = match s.below(5) {
                    0 => None,
                    1 => Some(b.bytes),
                    2 => Some(b.bytes / 4 * 3),
                    3 => Some(s.below(usize::MAX) as u64 % (b.bytes + 1)),
                    _ => Some(b.bytes.saturating_sub(s.below(200) as u64)),
                };
                if let Some(n) = sent {
                    self.d().sent(n);
                }
                self.batches.push(b.id);
                self.in_flight = Some((b.id, b.ids.clone(), b.bytes, b.ids.len(), sent.unwrap_or(b.bytes)));
            }
        }
    }

    fn check_batch(&self, b: &Batch) {
        let p = self.policy();
        let k = b.ids.len();
        assert!(k >= 1, "an empty batch");
        assert!(k <= p.batch_size, "{k} envelopes over batchSize {}", p.batch_size);
        assert!(
            self.batches.iter().all(|&old| old != b.id),
            "batch id {} reused",
            b.id
        );
        let front = self.queue.get(..k).unwrap_or(&[]);
        assert_eq!(b.ids, front, "a batch is the front of the queue, in order");
        let body: u64 =
            p.batch_overhead_bytes + b.ids.iter().map(|i| self.bytes[i]).sum::<u64>() + (k as u64 - 1);
        assert_eq!(b.bytes, body, "the body estimate");
        let limit = self.limit();
        if k > 1 {
            assert!(
                b.bytes <= limit,
                "{k} envelopes in {} B, over the limit {limit}",
                b.bytes
            );
        }
        // Greedy: the next envelope would not have fitted.
        if let Some(next) = self.queue.get(k) {
            if k < p.batch_size {
                assert!(
                    b.bytes + 1 + self.bytes[next] > limit,
                    "batch of {k} ({} B) closed with room for {next} under {limit}",
                    b.bytes
                );
            }
        }
    }

    fn answer(&mut self, s: &mut Src) {
        let Some((batch, _, _, len, sent)) = self.in_flight.clone() else {
            return;
        };
        let outcome = match s.below(12) {
            0 | 1 => Outcome::NetworkError,
            n => {
                let status = match n {
                    2 | 3 => *s.pick(&[200u16, 201, 202, 204, 299]).unwrap_or(&200),
                    4 => *s.pick(&[500u16, 502, 503, 504, 599]).unwrap_or(&500),
                    5 => 408,
                    6 => 429,
                    7 | 8 => 413,
                    9 => *s.pick(&[400u16, 401, 403, 404, 410, 422, 499]).unwrap_or(&400),
                    _ => *s.pick(&[0u16, 100, 302, 304, 600, 999]).unwrap_or(&0),
                };
                let retry_after_ms = match s.below(7) {
                    0..=2 => None,
                    3 => Some(0),
                    4 => Some(s.below(100_000) as u64),
                    5 => Some(
                        *s.pick(&[MAX_RETRY_AFTER_MS, MAX_RETRY_AFTER_MS + 1])
                            .unwrap_or(&0),
                    ),
                    _ => Some(u64::MAX - s.below(3) as u64),
                };
                Outcome::Status {
                    status,
                    retry_after_ms,
                }
            }
        };
        let jitter = if s.bool() {
            f64::from(s.u8()) / 256.0
        } else {
            s.f64()
        };
        let ids = self.in_flight_ids().to_vec();
        let now = self.now;
        let settled = self.d().settle(batch, outcome, now, jitter);
        // The shell hands the answer to the outbox, which lets the payloads go.
        let rejected = self.o.settle(settled.clone());
        assert_eq!(
            rejected.map(|r| r.count),
            match &settled {
                Settled::Rejected(ids) => Some(ids.len()),
                _ => None,
            }
        );
        self.in_flight = None;
        let (status, retry_after) = match outcome {
            Outcome::NetworkError => (None, None),
            Outcome::Status {
                status,
                retry_after_ms,
            } => (Some(status), retry_after_ms),
        };
        let success = matches!(status, Some(200..=299));
        let refused = matches!(status, Some(st @ 400..=499) if st != 408 && st != 429);
        let split = status == Some(413) && len >= 2;
        match settled {
            Settled::Delivered(got) => {
                assert!(success, "{outcome:?} delivered");
                assert_eq!(got, ids, "a 2xx delivers the batch in flight");
                self.left(&got, Fate::Delivered);
                self.stats.delivered += got.len() as u64;
            }
            Settled::Rejected(got) => {
                assert!(refused && !split, "{outcome:?} on {len} rejected");
                assert_eq!(got, ids, "a 4xx rejects the batch in flight");
                self.left(&got, Fate::Rejected);
                self.stats.rejected += got.len() as u64;
            }
            Settled::Split(limit) => {
                assert!(split, "{outcome:?} on {len} split");
                self.cap = self.cap.min(sent / 2);
                assert_eq!(limit, self.limit(), "the limit after a 413 on {sent} B");
                self.failures = 0;
                self.splits_in_a_row += 1;
                assert!(
                    self.splits_in_a_row <= MAX_SPLITS_IN_A_ROW,
                    "{} splits in a row: the 413 split does not end",
                    self.splits_in_a_row
                );
                if self.consent && !ids.is_empty() {
                    assert_eq!(self.o.delivery().next_wake(), Some(0), "a split goes at once");
                }
            }
            Settled::RetryAt(at) => {
                assert!(!success && !refused, "{outcome:?} retried");
                self.failures = self.failures.saturating_add(1);
                self.last_network = status.is_none();
                self.stats.retries += 1;
                let wait = backoff_ms(self.policy(), self.failures, jitter)
                    .max(retry_after.unwrap_or(0).min(MAX_RETRY_AFTER_MS));
                assert_eq!(at, self.now.saturating_add(wait), "the retry time");
                if self.consent && !self.queue.is_empty() {
                    assert_eq!(
                        self.o.delivery().next_wake(),
                        Some(at),
                        "the timer waits for the retry"
                    );
                }
            }
            Settled::Unknown => panic!("the batch in flight {batch} was unknown"),
        }
    }

    /// A 2xx or a 4xx: the batch leaves, after everything that left before it in push order.
    fn left(&mut self, ids: &[String], fate: Fate) {
        for id in ids {
            let n = self.seq[id];
            assert!(
                self.last_left.map_or(true, |l| l < n),
                "{id} left after a newer envelope"
            );
            self.last_left = Some(n);
            self.leave(id, fate);
        }
        self.failures = 0;
        self.splits_in_a_row = 0;
    }

    /// An answer for a batch that is not in flight (a stale one, or one of the previous page): nothing changes.
    fn stale_answer(&mut self, s: &mut Src) {
        let batch = match s.below(3) {
            0 => s.pick(&self.batches).copied().unwrap_or(0),
            1 => 0,
            _ => u64::MAX,
        };
        if self.in_flight.as_ref().is_some_and(|f| f.0 == batch) {
            return;
        }
        let (ids, stats, wake) = (
            self.ids(),
            self.o.delivery().stats(),
            self.o.delivery().next_wake(),
        );
        let outcome = Outcome::Status {
            status: 200,
            retry_after_ms: None,
        };
        let now = self.now;
        assert_eq!(self.d().settle(batch, outcome, now, 0.5), Settled::Unknown);
        assert_eq!(
            (
                self.ids(),
                self.o.delivery().stats(),
                self.o.delivery().next_wake()
            ),
            (ids, stats, wake)
        );
    }

    fn ids(&self) -> Vec<String> {
        self.o.delivery().ids().map(String::from).collect()
    }

    fn advance(&mut self, s: &mut Src) {
        self.now = match s.below(8) {
            0..=2 => self.now.saturating_add(s.below(2_000) as u64),
            3 => self.now.saturating_add(s.below(100_000) as u64 * 100),
            4 => self
                .o
                .delivery()
                .next_wake()
                .map_or(self.now, |t| t.max(self.now)),
            // The wall clock moved back (Date.now, not a monotonic clock).
            5 => self.now.saturating_sub(s.below(100_000) as u64),
            6 => u64::MAX - s.below(10_000) as u64,
            _ => s.below(10_000) as u64,
        };
    }

    fn online(&mut self) {
        let now = self.now;
        self.d().online(now);
        let waiting = self.last_network && self.failures > 0 && self.consent && self.in_flight.is_none();
        if waiting && !self.pending().is_empty() {
            assert_eq!(
                self.o.delivery().next_wake(),
                Some(self.now),
                "online cuts a network backoff short"
            );
        }
    }

    fn hide(&mut self) {
        self.d().request_flush();
        if self.consent && self.in_flight.is_none() && !self.queue.is_empty() && self.failures == 0 {
            assert_eq!(
                self.o.delivery().next_wake(),
                Some(0),
                "a hidden page flushes at once"
            );
        }
    }

    /// `pagehide`: beacons for what is pending; then the page either comes back (bfcache) or reloads.
    fn unload(&mut self, s: &mut Src) {
        let chunks = self.o.delivery().unload_chunks();
        if !self.consent {
            assert!(chunks.is_empty(), "beacons without consent");
        } else {
            let limit = self
                .limit()
                .min(cxbridge::core::analytics::delivery::BEACON_LIMIT);
            let p = self.policy();
            for c in &chunks {
                assert!(!c.is_empty(), "an empty beacon");
                let body = p.batch_overhead_bytes
                    + c.iter().map(|i| self.bytes[i]).sum::<u64>()
                    + (c.len() as u64 - 1);
                if c.len() > 1 {
                    assert!(body <= limit, "a beacon of {} in {body} B over {limit}", c.len());
                }
            }
            let all: Vec<String> = chunks.concat();
            assert_eq!(all, self.pending(), "the beacons carry what is pending, in order");
        }
        assert_eq!(self.ids(), self.queue, "beaconed envelopes stay queued");
        if s.bool() {
            self.reload(s);
        }
    }

    /// A new page: the stored record is written on the way out, and the new page's first `configure` adopts
    /// what it holds into a fresh outbox, as `adopt()` does; the old page's answers never come.
    fn reload(&mut self, s: &mut Src) {
        // The new page's options, applied as the old page's last configure (so the record reflects them).
        if s.bool() {
            self.configure(s);
        }
        let now = self.now;
        let stored = self.o.stored(now, true);
        let persisted = std::mem::take(&mut self.queue);
        let by_size: Vec<String> = persisted
            .iter()
            .filter(|i| !self.json.contains_key(*i))
            .cloned()
            .collect();
        assert!(
            by_size.is_empty(),
            "only envelopes with JSON are queued: {by_size:?}"
        );
        match &stored {
            None => assert!(
                persisted.is_empty() && self.held.is_empty(),
                "a queue and no record"
            ),
            Some(text) => {
                assert!(
                    is_json(text),
                    "the stored record is JSON: {}",
                    &text[..text.len().min(200)]
                );
                assert!(
                    text.contains("\"closed\":true"),
                    "written on pagehide, it says closed"
                );
            }
        }
        let envelopes: Vec<(String, String)> = persisted
            .iter()
            .map(|i| (i.clone(), self.json[i].clone()))
            .collect();
        let held = std::mem::take(&mut self.held);
        self.o = Outbox::new();
        assert!(
            self.o.configure(self.config.clone()),
            "the new page's first configure"
        );
        self.configured = true;
        self.in_flight = None;
        self.batches.clear();
        self.cap = u64::MAX;
        self.failures = 0;
        self.last_network = false;
        self.splits_in_a_row = 0;
        self.stats = Stats::default();
        self.early.clear();
        self.hold_dropped = 0;
        let extra = self.extra();
        let mut expected_lost = Vec::new();
        for (id, json) in &envelopes {
            let bytes = json.len() as u64 + extra;
            self.bytes.insert(id.clone(), bytes);
            if bytes > self.policy().max_event_bytes {
                expected_lost.push((json.clone(), bytes));
                self.fate.insert(id.clone(), Fate::NotRestored);
                // Lost on the way to this page: counted as queued and dropped, so stats() shows it.
                self.stats.queued += 1;
                self.stats.dropped += 1;
                continue;
            }
            let expected = self.expected_drops(Some(bytes));
            self.drop_all(&expected);
            self.queue.push(id.clone());
            self.stats.queued += 1;
        }
        let lost = self.o.adopt(envelopes, held.clone());
        assert_eq!(lost, expected_lost, "what no longer fits is told");
        self.held = held;
    }

    /// An event recorded before the first `configure`: held, the newest EARLY_MAX at most.
    fn hold_early(&mut self) {
        let n = self.next_id;
        self.next_id += 1;
        let first_drop = self.o.hold_early(n);
        self.early.push(n);
        let dropped = self.early.len() > EARLY_MAX;
        if dropped {
            self.early.remove(0);
            self.hold_dropped += 1;
        }
        assert_eq!(
            first_drop,
            dropped && self.hold_dropped == 1,
            "the first drop, and only it, is told"
        );
    }

    /// A dataLayer push while consent is withheld, or the release once it is given.
    fn push_layer(&mut self, s: &mut Src) {
        if self.consent || !self.configured || s.bool() {
            let released = self.o.take_held_pushes();
            if self.consent && self.configured {
                assert_eq!(
                    released,
                    std::mem::take(&mut self.held),
                    "the held pushes, in order"
                );
            } else {
                assert!(released.is_empty(), "pushes released without consent");
            }
            return;
        }
        let json = format!("{{\"p\":{}}}", self.next_id);
        self.next_id += 1;
        self.o.hold_push(json.clone());
        self.held.push(json);
        let excess = self.held.len().saturating_sub(self.policy().max_queue);
        self.held.drain(..excess);
        self.hold_dropped += excess as u64;
    }

    /// `cxbridge.analytics.configure(options)` with a few options, valid or not.
    fn configure(&mut self, s: &mut Src) {
        let mut entries = Vec::new();
        for _ in 0..1 + s.below(3) {
            let (key, value) = match s.below(9) {
                0 => (
                    "batchSize",
                    num(s, &[0.0, 1.0, 2.0, 3.0, 10.0, 100.0, 1000.0, 1001.0]),
                ),
                1 => ("maxQueue", num(s, &[1.0, 2.0, 3.0, 5.0, 10.0, 100.0, 10_000.0])),
                2 => ("flushIntervalMs", num(s, &[0.0, 1.0, 100.0, 5000.0, 3_600_000.0])),
                3 => ("retryBaseMs", num(s, &[1.0, 2.0, 100.0, 1000.0, 600_000.0])),
                4 => ("retryMaxMs", num(s, &[1.0, 2.0, 1000.0, 60_000.0, 3_600_000.0])),
                5 => (
                    "maxEventBytes",
                    num(s, &[255.0, 256.0, 300.0, 1000.0, 32_000.0, 60_000.0]),
                ),
                6 => ("consent", Input::Bool(s.bool())),
                7 => (
                    "format",
                    Input::Str(
                        s.pick(&["envelope", "segment"])
                            .unwrap_or(&"envelope")
                            .to_string(),
                    ),
                ),
                _ => (
                    "endpoint",
                    Input::Str(
                        s.pick(&["/collector", "https://b.example/c"])
                            .unwrap_or(&"/c")
                            .to_string(),
                    ),
                ),
            };
            entries.push((key.to_string(), value));
        }
        if s.bool() {
            entries.push(("writeKey".to_string(), Input::Str("k".repeat(s.below(64)))));
        }
        let Ok(merged) = self.config.merged(&Input::Map(entries)) else {
            return;
        };
        // A new collector forgets what a 413 taught about the old one (the first configure has no old one).
        if self.configured && merged.endpoint != self.config.endpoint {
            self.cap = u64::MAX;
            self.splits_in_a_row = 0;
        }
        let before = self.ids();
        let first = self.o.configure(merged.clone());
        assert_eq!(first, !self.configured, "only the first configure is first");
        if first {
            assert_eq!(
                self.o.take_early(),
                std::mem::take(&mut self.early),
                "the early hold, oldest first"
            );
        }
        self.configured = true;
        let overhead = match merged.format {
            Format::Envelope => 2,
            Format::Segment => 96 + merged.write_key.as_ref().map_or(0, |k| k.len() as u64),
        };
        assert_eq!(
            self.policy().batch_overhead_bytes,
            overhead,
            "the body overhead of the format"
        );
        // The model is checked with the new limits in place (`policy()` reads them back from the core).
        let after = self.ids();
        let expected = self.expected_drops(None);
        assert_eq!(
            gone(&before, &after),
            sorted(&expected),
            "a smaller queue drops the oldest"
        );
        self.drop_all(&expected);
        self.consent = merged.consent;
        self.config = merged;
    }

    /// What must hold after every step.
    fn check(&self) {
        let p = self.policy();
        assert_eq!(self.ids(), self.queue, "the queue, in push order");
        assert_eq!(self.o.delivery().len(), self.queue.len());
        assert!(
            self.queue.len() <= p.max_queue,
            "{} queued over maxQueue {}",
            self.queue.len(),
            p.max_queue
        );
        assert!(
            self.queue_bytes() <= p.max_queue_bytes,
            "the queue over its byte bound"
        );
        let stats = self.o.delivery().stats();
        assert_eq!(stats, self.stats, "the counters");
        assert_eq!(self.o.dropped(), self.hold_dropped, "the holds' drops");
        assert_eq!(self.o.held(), self.early.len() + self.held.len(), "what is held");
        assert_eq!(
            stats.queued - stats.delivered - stats.rejected - stats.dropped,
            self.queue.len() as u64,
            "every envelope queued is queued still, delivered, rejected or dropped"
        );
        let queued = self.fate.values().filter(|f| **f == Fate::Queued).count();
        assert_eq!(queued, self.queue.len(), "an envelope vanished");
        let wake = self.o.delivery().next_wake();
        if !self.consent || self.in_flight.is_some() || self.pending().is_empty() {
            assert_eq!(wake, None, "a timer with nothing to send");
        } else {
            assert!(
                wake.is_some(),
                "envelopes pending and no timer: they wait forever"
            );
        }
    }
}

/// The ids of `before` no longer in `after`, sorted (the outbox does not say in which order it dropped them).
fn gone(before: &[String], after: &[String]) -> Vec<String> {
    sorted(
        &before
            .iter()
            .filter(|i| !after.contains(i))
            .cloned()
            .collect::<Vec<_>>(),
    )
}

fn sorted(ids: &[String]) -> Vec<String> {
    let mut v = ids.to_vec();
    v.sort();
    v
}

fn num(s: &mut Src, values: &[f64]) -> Input {
    Input::Number(*s.pick(values).unwrap_or(&1.0))
}

/// An envelope size: mostly ordinary, sometimes at or past the limits.
fn size(s: &mut Src, max_event: u64) -> u64 {
    match s.below(8) {
        0..=3 => 2 + s.below(300) as u64,
        4 => s.below(60_001) as u64,
        5 => (max_event + 2).saturating_sub(s.below(5) as u64),
        6 => u64::MAX - s.below(3) as u64,
        _ => s.below(3) as u64,
    }
}

/// Any schedule of what the page, the browser and the collector do; the model checked after every step.
pub fn analytics_delivery(data: &[u8]) {
    let mut s = Src::new(data);
    let mut m = Model::new();
    if s.bool() {
        m.configure(&mut s);
    }
    let mut steps = 0;
    while !s.is_empty() && steps < 2_000 {
        steps += 1;
        match s.below(16) {
            0..=3 => {
                let max = m.policy().max_event_bytes;
                let n = size(&mut s, max);
                m.push(n);
            }
            4 => m.push_duplicate(&mut s),
            5 | 6 => m.advance(&mut s),
            7 | 8 => m.poll(&mut s, false),
            9 => {
                // The timer the shell armed at next_wake fires.
                if let Some(t) = m.o.delivery().next_wake() {
                    m.now = m.now.max(t);
                    m.poll(&mut s, true);
                }
            }
            10 | 11 => m.answer(&mut s),
            12 => m.stale_answer(&mut s),
            13 => match s.below(4) {
                0 => m.online(),
                1 => m.hide(),
                2 if !m.configured => m.hold_early(),
                _ => m.push_layer(&mut s),
            },
            14 => m.unload(&mut s),
            _ => m.configure(&mut s),
        }
        m.check();
    }
}
