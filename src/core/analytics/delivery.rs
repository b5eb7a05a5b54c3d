//! At-least-once delivery to the collector, as a state machine driven by the shell: "an envelope of n bytes was
//! queued", "now is t", "that batch ended with 503 / a network error / 200", "the page is going away".
//!
//! The design follows Segment analytics-next's batched dispatcher, made durable: batches close on size, on bytes
//! or on age; one batch is in flight at a time; a failed batch waits with exponential backoff and jitter (the
//! jitter is an input, so tests are exact) or the server's `Retry-After`; network errors, 5xx, 408 and 429 retry
//! forever; a 413 splits the batch and lowers the byte cap of every later one (below); other 4xx drop the batch
//! and count it; the queue is bounded (oldest dropped and counted) so it fits in localStorage; and every batch
//! fits in 64 KB so it may leave with `fetch(..., {keepalive: true})` or `navigator.sendBeacon` while the page
//! unloads. An entry leaves the queue only on a 2xx (or a drop), so a reload in the middle of a batch resends it:
//! the collector drops duplicates by envelope id.
//!
//! A 413 (Payload Too Large) refuses the body's size, not its events, so nothing is dropped for it while the
//! batch holds more than one envelope: the page learns a byte cap of at most half the refused body (kept for the
//! life of the page, as a collector's or proxy's body limit does not change), the envelopes go back in order, and
//! the next batch — the front of the queue under the cap — goes at once, with no backoff. Each 413 at least
//! halves the body, so the batches shrink until they pass or one envelope alone is refused; only that one is
//! rejected. The cap never stops a batch from carrying one envelope.

/// The limits and timings, from `configure` (see [`super::config`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// A batch closes at this many envelopes.
    pub batch_size: usize,
    /// ... or when its oldest envelope has waited this long.
    pub flush_interval_ms: u64,
    /// ... or when the next envelope would take the body past this. Below the 64 KiB keepalive/beacon quota.
    pub max_batch_bytes: u64,
    /// An envelope bigger than this is refused (it could never fit a beacon next to others).
    pub max_event_bytes: u64,
    /// The queue holds at most this many envelopes; the oldest are dropped beyond it.
    pub max_queue: usize,
    /// ... and at most this many bytes (localStorage holds about 5 MB per origin, shared with the page).
    pub max_queue_bytes: u64,
    /// The first retry waits about this long; each further one doubles it, up to `retry_max_ms`.
    pub retry_base_ms: u64,
    pub retry_max_ms: u64,
    /// Bytes a body adds around its envelopes (`[]` for the envelope array; more for Segment's wrapper).
    pub batch_overhead_bytes: u64,
}

/// The browsers' quota for a keepalive fetch or a beacon, in bytes.
pub const BEACON_LIMIT: u64 = 64 * 1024;

impl Policy {
    /// The defaults docs/analytics.md lists.
    pub const DEFAULT: Policy = Policy {
        batch_size: 10,
        flush_interval_ms: 5000,
        max_batch_bytes: 60_000,
        max_event_bytes: 32_000,
        max_queue: 1000,
        max_queue_bytes: 1_000_000,
        retry_base_ms: 1000,
        retry_max_ms: 60_000,
        batch_overhead_bytes: 2,
    };
}

impl Default for Policy {
    fn default() -> Self {
        Policy::DEFAULT
    }
}

/// How a batch's request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The request never got an answer (offline, DNS, CORS, aborted).
    NetworkError,
    /// An HTTP status, with `Retry-After` in milliseconds when the server sent one.
    Status {
        status: u16,
        retry_after_ms: Option<u64>,
    },
}

/// What the shell must send now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    /// Echo it back in [`Delivery::settle`].
    pub id: u64,
    /// The envelopes, oldest first.
    pub ids: Vec<String>,
    /// The body's size as the core reckons it.
    pub bytes: u64,
}

/// What a settled batch did to the queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settled {
    /// 2xx: these left the queue.
    Delivered(Vec<String>),
    /// A 4xx that retrying cannot fix: these left the queue, counted in [`Stats::rejected`].
    Rejected(Vec<String>),
    /// Kept; the next attempt is not before this time.
    RetryAt(u64),
    /// 413 on more than one envelope: all kept, in order; later batches stay under this many bytes and the
    /// next one is due at once.
    Split(u64),
    /// Not the batch in flight (already settled, or sent before a reload): nothing changed.
    Unknown,
}

/// Counters a person can read to see that nothing vanished unnoticed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub queued: u64,
    pub delivered: u64,
    /// Dropped after a non-retryable 4xx.
    pub rejected: u64,
    /// Dropped because the queue was full (the oldest go first).
    pub dropped: u64,
    /// Failed attempts that were retried.
    pub retries: u64,
}

#[derive(Clone, Debug)]
struct Entry {
    id: String,
    bytes: u64,
    /// When the envelope started waiting for its batch; restored envelopes are due at once.
    since: u64,
    /// Restored from storage: overdue, whatever the clock says.
    overdue: bool,
    in_flight: bool,
}

/// Why an envelope was refused at the door.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// Bigger than [`Policy::max_event_bytes`].
    TooLarge,
    /// Already queued (a restored copy of one this page holds).
    Duplicate,
}

#[derive(Debug)]
pub struct Delivery {
    policy: Policy,
    queue: Vec<Entry>,
    queue_bytes: u64,
    in_flight: Option<u64>,
    /// The body size (as sent, see [`Delivery::sent`]) and length of the batch in flight: a 413 learns from them.
    in_flight_size: (u64, usize),
    /// What a 413 taught about the collector's body limit (`u64::MAX`: nothing yet).
    cap: u64,
    next_batch: u64,
    failures: u32,
    retry_at: Option<u64>,
    last_was_network: bool,
    consent: bool,
    flush_now: bool,
    stats: Stats,
}

impl Delivery {
    pub const fn new(policy: Policy) -> Self {
        Delivery {
            policy,
            queue: Vec::new(),
            queue_bytes: 0,
            in_flight: None,
            in_flight_size: (0, 0),
            cap: u64::MAX,
            next_batch: 1,
            failures: 0,
            retry_at: None,
            last_was_network: false,
            consent: true,
            flush_now: false,
            stats: Stats {
                queued: 0,
                delivered: 0,
                rejected: 0,
                dropped: 0,
                retries: 0,
            },
        }
    }

    /// A new configuration; a smaller queue drops its oldest at once. Returns the dropped ids.
    pub fn set_policy(&mut self, policy: Policy) -> Vec<String> {
        self.policy = policy;
        self.evict(None)
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Another collector (a new endpoint): what a 413 taught about the old one no longer applies.
    pub fn forget_cap(&mut self) {
        self.cap = u64::MAX;
    }

    /// The most bytes a body may have: the policy's limit, or less once a 413 taught that this collector takes less.
    fn limit(&self) -> u64 {
        self.cap.min(self.policy.max_batch_bytes)
    }

    /// Consent withheld: nothing is sent (in flight aside), nothing is lost.
    pub fn set_consent(&mut self, consent: bool) {
        self.consent = consent;
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    pub fn len(&self) -> usize {
        self.queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    pub fn contains(&self, id: &str) -> bool {
        self.queue.iter().any(|e| e.id == id)
    }

    /// The queued ids, oldest first: the order the shell persists them in.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.queue.iter().map(|e| e.id.as_str())
    }

    /// Queues a new envelope of `bytes` bytes. Returns the ids dropped to make room (oldest first).
    pub fn push(&mut self, id: String, bytes: u64, now: u64) -> Result<Vec<String>, Refused> {
        self.push_at(id, bytes, now, false)
    }

    /// Queues an envelope found in storage (a previous page's): due at once, as its batch may be long overdue.
    /// One now too large (this page lowered `maxEventBytes`, or sends Segment's larger messages) was an event
    /// queued and is now lost: it counts as queued and dropped, so `stats()` shows it, and the shell says so.
    pub fn restore(&mut self, id: String, bytes: u64) -> Result<Vec<String>, Refused> {
        let r = self.push_at(id, bytes, 0, true);
        if r == Err(Refused::TooLarge) {
            self.stats.queued += 1;
            self.stats.dropped += 1;
        }
        r
    }

    fn push_at(&mut self, id: String, bytes: u64, since: u64, overdue: bool) -> Result<Vec<String>, Refused> {
        if bytes > self.policy.max_event_bytes {
            return Err(Refused::TooLarge);
        }
        if self.contains(&id) {
            return Err(Refused::Duplicate);
        }
        let dropped = self.evict(Some(bytes));
        self.queue.push(Entry {
            id,
            bytes,
            since,
            overdue,
            in_flight: false,
        });
        self.queue_bytes += bytes;
        self.stats.queued += 1;
        Ok(dropped)
    }

    /// Makes room for one more entry of `incoming` bytes (none: a new policy only), oldest first; an entry in
    /// flight goes last. The entry counts whatever its size: a zero-byte envelope is still one more in the queue.
    fn evict(&mut self, incoming: Option<u64>) -> Vec<String> {
        let mut dropped = Vec::new();
        let (extra, more) = incoming.map_or((0, 0), |b| (1, b));
        let room = |d: &Delivery| {
            d.queue.len() + extra <= d.policy.max_queue && d.queue_bytes + more <= d.policy.max_queue_bytes
        };
        while !self.queue.is_empty() && !room(self) {
            let pos = self.queue.iter().position(|e| !e.in_flight).unwrap_or(0);
            if pos < self.queue.len() {
                let e = self.queue.remove(pos);
                self.queue_bytes -= e.bytes;
                self.stats.dropped += 1;
                dropped.push(e.id);
            }
        }
        dropped
    }

    /// Asks for everything pending to go now, ignoring the batch timer (the page was hidden). Backoff and
    /// consent still apply.
    pub fn request_flush(&mut self) {
        self.flush_now = true;
    }

    /// The browser says it is online again: a retry waiting out a network error may go at once.
    pub fn online(&mut self, now: u64) {
        if self.last_was_network && self.retry_at.is_some() {
            self.retry_at = Some(now);
        }
    }

    fn pending(&self) -> impl Iterator<Item = &Entry> {
        self.queue.iter().filter(|e| !e.in_flight)
    }

    /// Whether a batch is due: full by count or bytes, old enough, a flush was asked, or a retry is due.
    fn due(&self, now: u64) -> bool {
        let mut count = 0;
        let mut bytes = self.policy.batch_overhead_bytes;
        let mut oldest = None;
        let mut overdue = false;
        for e in self.pending() {
            count += 1;
            overdue |= e.overdue;
            bytes += e.bytes + 1;
            oldest = Some(oldest.map_or(e.since, |o: u64| o.min(e.since)));
        }
        let Some(oldest) = oldest else { return false };
        self.flush_now
            || overdue
            || self.failures > 0
            || count >= self.policy.batch_size
            || bytes >= self.limit()
            || now >= oldest.saturating_add(self.policy.flush_interval_ms)
    }

    /// The batch to send now, if any; it is then in flight until [`Delivery::settle`].
    pub fn poll(&mut self, now: u64) -> Option<Batch> {
        if !self.consent || self.in_flight.is_some() {
            return None;
        }
        if matches!(self.retry_at, Some(t) if now < t) {
            return None;
        }
        if !self.due(now) {
            return None;
        }
        let mut ids = Vec::new();
        let mut bytes = self.policy.batch_overhead_bytes;
        let limit = self.limit();
        let size = self.policy.batch_size;
        for e in self.queue.iter_mut().filter(|e| !e.in_flight) {
            let add = e.bytes + u64::from(!ids.is_empty());
            if ids.len() >= size || (!ids.is_empty() && bytes + add > limit) {
                break;
            }
            e.in_flight = true;
            bytes += add;
            ids.push(e.id.clone());
        }
        if ids.is_empty() {
            return None;
        }
        // A flush asked while hidden covers what was pending then; the next poll sends the rest.
        if self.pending().next().is_none() {
            self.flush_now = false;
        }
        let id = self.next_batch;
        self.next_batch += 1;
        self.in_flight = Some(id);
        self.in_flight_size = (bytes, ids.len());
        Some(Batch { id, ids, bytes })
    }

    /// The body of the batch in flight as sent is `bytes` long. Segment's wrapper is only estimated at poll time
    /// (from above); a 413 halves what was really refused, so the cap holds the later bodies under half of it.
    pub fn sent(&mut self, bytes: u64) {
        self.in_flight_size.0 = bytes;
    }

    /// When the shell should call [`Delivery::poll`] next, if nothing else happens first.
    pub fn next_wake(&self) -> Option<u64> {
        if !self.consent || self.in_flight.is_some() {
            return None;
        }
        let oldest = self.pending().map(|e| e.since).min()?;
        if let Some(t) = self.retry_at {
            return Some(t);
        }
        if self.flush_now || self.failures > 0 || self.pending().any(|e| e.overdue) {
            return Some(0);
        }
        Some(oldest.saturating_add(self.policy.flush_interval_ms))
    }

    /// Records how batch `batch` ended. `jitter` in [0, 1] spreads the retries of many pages apart.
    pub fn settle(&mut self, batch: u64, outcome: Outcome, now: u64, jitter: f64) -> Settled {
        if self.in_flight != Some(batch) {
            return Settled::Unknown;
        }
        self.in_flight = None;
        let retry_after = match outcome {
            Outcome::Status { status, .. } if (200..300).contains(&status) => {
                let ids = self.take_in_flight();
                self.stats.delivered += ids.len() as u64;
                self.failures = 0;
                self.retry_at = None;
                return Settled::Delivered(ids);
            }
            // A 413 on several envelopes is split below.
            Outcome::Status { status, .. }
                if (400..500).contains(&status)
                    && status != 408
                    && status != 429
                    && (status != 413 || self.in_flight_size.1 < 2) =>
            {
                let ids = self.take_in_flight();
                self.stats.rejected += ids.len() as u64;
                self.failures = 0;
                self.retry_at = None;
                return Settled::Rejected(ids);
            }
            Outcome::Status { retry_after_ms, .. } => {
                self.last_was_network = false;
                retry_after_ms
            }
            Outcome::NetworkError => {
                self.last_was_network = true;
                None
            }
        };
        let split = matches!(outcome, Outcome::Status { status: 413, .. });
        for e in self.queue.iter_mut() {
            // A split's envelopes were due already: they stay due, whatever made their batch close.
            e.overdue |= split && e.in_flight;
            e.in_flight = false;
        }
        if split {
            // Not a failure of the collector: no backoff.
            self.cap = self.cap.min(self.in_flight_size.0 / 2);
            self.failures = 0;
            self.retry_at = None;
            return Settled::Split(self.limit());
        }
        self.failures = self.failures.saturating_add(1);
        self.stats.retries += 1;
        let wait = backoff_ms(&self.policy, self.failures, jitter)
            .max(retry_after.unwrap_or(0).min(MAX_RETRY_AFTER_MS));
        let at = now.saturating_add(wait);
        self.retry_at = Some(at);
        Settled::RetryAt(at)
    }

    fn take_in_flight(&mut self) -> Vec<String> {
        let mut ids = Vec::new();
        let mut bytes = 0;
        self.queue.retain(|e| {
            if e.in_flight {
                ids.push(e.id.clone());
                bytes += e.bytes;
                false
            } else {
                true
            }
        });
        self.queue_bytes -= bytes;
        ids
    }

    /// The page is going away: the pending envelopes (not the one batch already in flight, which a keepalive
    /// fetch carries on) cut into bodies that fit the 64 KiB beacon quota and the cap a 413 taught. They stay
    /// queued: whether a beacon arrives is never known, so the next page load sends them again and the collector
    /// drops the duplicates.
    pub fn unload_chunks(&self) -> Vec<Vec<String>> {
        if !self.consent {
            return Vec::new();
        }
        // Under the learned cap too: a beacon the collector refuses with 413 is a beacon wasted, unseen.
        let limit = self.limit().min(BEACON_LIMIT);
        let mut chunks: Vec<Vec<String>> = Vec::new();
        let mut current: Vec<String> = Vec::new();
        let mut bytes = self.policy.batch_overhead_bytes;
        for e in self.pending() {
            let add = e.bytes + u64::from(!current.is_empty());
            if !current.is_empty() && bytes + add > limit {
                chunks.push(std::mem::take(&mut current));
                bytes = self.policy.batch_overhead_bytes;
            }
            bytes += e.bytes + u64::from(!current.is_empty());
            current.push(e.id.clone());
        }
        if !current.is_empty() {
            chunks.push(current);
        }
        chunks
    }
}

/// Past an hour a `Retry-After` is more likely a misconfigured server than a plan.
const MAX_RETRY_AFTER_MS: u64 = 3_600_000;

/// The wait before attempt `failures + 1`: base·2^(failures−1) capped at `retry_max_ms`, then "equal jitter" —
/// half of it fixed, half of it scaled by `jitter` — so retries never bunch at zero yet spread across pages.
pub fn backoff_ms(policy: &Policy, failures: u32, jitter: f64) -> u64 {
    let exp = failures.saturating_sub(1).min(30);
    let full = policy
        .retry_base_ms
        .saturating_mul(1u64 << exp)
        .min(policy.retry_max_ms);
    let half = full / 2;
    let j = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    half + ((full - half) as f64 * j) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy {
            batch_size: 3,
            flush_interval_ms: 1000,
            max_batch_bytes: 1000,
            max_event_bytes: 400,
            max_queue: 10,
            max_queue_bytes: 100_000,
            retry_base_ms: 100,
            retry_max_ms: 1000,
            batch_overhead_bytes: 2,
        }
    }

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn push(d: &mut Delivery, id: &str, now: u64) {
        d.push(id.into(), 10, now).unwrap();
    }

    #[test]
    fn a_batch_closes_when_full_by_count() {
        let mut d = Delivery::new(policy());
        push(&mut d, "a", 0);
        push(&mut d, "b", 0);
        assert_eq!(d.poll(0), None, "two of three, and not old enough");
        push(&mut d, "c", 0);
        push(&mut d, "d", 0);
        let b = d.poll(0).unwrap();
        assert_eq!(b.ids, ids(&["a", "b", "c"]));
        assert_eq!(b.bytes, 2 + 30 + 2);
        assert_eq!(d.poll(0), None, "one batch in flight at a time");
    }

    #[test]
    fn a_batch_closes_when_its_oldest_event_is_old_enough() {
        let mut d = Delivery::new(policy());
        push(&mut d, "a", 100);
        push(&mut d, "b", 600);
        assert_eq!(d.next_wake(), Some(1100));
        assert_eq!(d.poll(1099), None);
        assert_eq!(d.poll(1100).unwrap().ids, ids(&["a", "b"]));
    }

    #[test]
    fn a_batch_closes_by_bytes_and_never_passes_the_byte_limit() {
        let mut d = Delivery::new(policy());
        for id in ["a", "b", "c"] {
            d.push(id.into(), 400, 0).unwrap();
        }
        // 2 + 400 + 1 + 400 = 803; a third would make 1204 > 1000.
        assert_eq!(d.poll(0).unwrap().ids, ids(&["a", "b"]));
        assert_eq!(
            d.push("big".into(), 401, 0),
            Err(Refused::TooLarge),
            "bigger than maxEventBytes"
        );
    }

    #[test]
    fn a_2xx_removes_the_batch_and_the_rest_follows() {
        let mut d = Delivery::new(policy());
        for id in ["a", "b", "c", "d"] {
            push(&mut d, id, 0);
        }
        let b = d.poll(0).unwrap();
        let s = d.settle(
            b.id,
            Outcome::Status {
                status: 200,
                retry_after_ms: None,
            },
            5,
            0.5,
        );
        assert_eq!(s, Settled::Delivered(ids(&["a", "b", "c"])));
        assert_eq!(d.ids().collect::<Vec<_>>(), vec!["d"]);
        assert_eq!(d.poll(5), None, "d waits for its own batch");
        assert_eq!(d.poll(1000).unwrap().ids, ids(&["d"]));
        assert_eq!(d.stats().delivered, 3);
    }

    #[test]
    fn retryable_failures_back_off_exponentially_with_jitter() {
        let mut d = Delivery::new(policy());
        for id in ["a", "b", "c"] {
            push(&mut d, id, 0);
        }
        let mut now = 0;
        let mut waits = Vec::new();
        for outcome in [
            Outcome::NetworkError,
            Outcome::Status {
                status: 503,
                retry_after_ms: None,
            },
            Outcome::Status {
                status: 500,
                retry_after_ms: None,
            },
            Outcome::Status {
                status: 408,
                retry_after_ms: None,
            },
            Outcome::Status {
                status: 429,
                retry_after_ms: None,
            },
            Outcome::NetworkError,
        ] {
            let b = d.poll(now).unwrap();
            assert_eq!(b.ids, ids(&["a", "b", "c"]), "the same batch again");
            let Settled::RetryAt(at) = d.settle(b.id, outcome, now, 0.0) else {
                panic!("{outcome:?} must retry")
            };
            waits.push(at - now);
            assert_eq!(d.poll(at - 1), None, "not before the backoff ends");
            now = at;
        }
        // jitter 0 → half of base·2^n: 50, 100, 200, 400, then the 1000 cap halved.
        assert_eq!(waits, vec![50, 100, 200, 400, 500, 500]);
        assert_eq!(d.stats().retries, 6);
        let b = d.poll(now).unwrap();
        d.settle(
            b.id,
            Outcome::Status {
                status: 204,
                retry_after_ms: None,
            },
            now,
            0.0,
        );
        assert!(d.is_empty());
        assert_eq!(d.stats().delivered, 3);
    }

    #[test]
    fn jitter_spreads_the_wait_over_its_upper_half() {
        let p = policy();
        assert_eq!(backoff_ms(&p, 1, 0.0), 50);
        assert_eq!(backoff_ms(&p, 1, 1.0), 100);
        assert_eq!(backoff_ms(&p, 3, 0.5), 300);
        assert_eq!(backoff_ms(&p, 40, 1.0), 1000, "capped, no overflow");
        assert_eq!(backoff_ms(&p, 1, f64::NAN), 50);
        assert_eq!(backoff_ms(&p, 1, 7.0), 100);
    }

    #[test]
    fn retry_after_is_honoured_when_longer_than_the_backoff() {
        let mut d = Delivery::new(policy());
        for id in ["a", "b", "c"] {
            push(&mut d, id, 0);
        }
        let b = d.poll(0).unwrap();
        let s = d.settle(
            b.id,
            Outcome::Status {
                status: 429,
                retry_after_ms: Some(7000),
            },
            10,
            0.0,
        );
        assert_eq!(s, Settled::RetryAt(7010));
        assert_eq!(d.next_wake(), Some(7010));
        assert_eq!(d.poll(7009), None);
        let b = d.poll(7010).unwrap();
        let s = d.settle(
            b.id,
            Outcome::Status {
                status: 503,
                retry_after_ms: Some(1),
            },
            7010,
            0.0,
        );
        assert_eq!(
            s,
            Settled::RetryAt(7110),
            "a shorter Retry-After does not undercut the backoff"
        );
    }

    #[test]
    fn other_4xx_drop_the_batch_and_count_it() {
        let mut d = Delivery::new(policy());
        for id in ["a", "b", "c", "d"] {
            push(&mut d, id, 0);
        }
        let b = d.poll(0).unwrap();
        let s = d.settle(
            b.id,
            Outcome::Status {
                status: 400,
                retry_after_ms: None,
            },
            0,
            0.0,
        );
        assert_eq!(s, Settled::Rejected(ids(&["a", "b", "c"])));
        assert_eq!(d.stats().rejected, 3);
        assert_eq!(d.ids().collect::<Vec<_>>(), vec!["d"]);
    }

    #[test]
    fn a_full_queue_drops_its_oldest_and_counts_them() {
        let mut p = policy();
        p.max_queue = 3;
        let mut d = Delivery::new(p);
        for id in ["a", "b", "c"] {
            push(&mut d, id, 0);
        }
        assert_eq!(d.push("d".into(), 10, 0), Ok(ids(&["a"])));
        assert_eq!(d.ids().collect::<Vec<_>>(), vec!["b", "c", "d"]);
        assert_eq!(d.stats().dropped, 1);
    }

    #[test]
    fn a_full_queue_spares_the_batch_in_flight() {
        let mut p = policy();
        p.max_queue = 4;
        p.batch_size = 2;
        let mut d = Delivery::new(p);
        for id in ["a", "b", "c", "d"] {
            push(&mut d, id, 0);
        }
        let b = d.poll(0).unwrap();
        assert_eq!(b.ids, ids(&["a", "b"]));
        assert_eq!(d.push("e".into(), 10, 0), Ok(ids(&["c"])));
        assert_eq!(
            d.settle(
                b.id,
                Outcome::Status {
                    status: 200,
                    retry_after_ms: None
                },
                0,
                0.0
            ),
            Settled::Delivered(ids(&["a", "b"]))
        );
    }

    #[test]
    fn a_smaller_max_queue_drops_the_oldest_at_once() {
        let mut d = Delivery::new(policy());
        for id in ["a", "b", "c", "d"] {
            push(&mut d, id, 0);
        }
        let mut p = policy();
        p.max_queue = 2;
        assert_eq!(d.set_policy(p), ids(&["a", "b"]));
        assert_eq!(d.ids().collect::<Vec<_>>(), vec!["c", "d"]);
        assert_eq!(d.stats().dropped, 2);
    }

    #[test]
    fn a_full_queue_makes_room_for_an_envelope_of_zero_bytes_too() {
        // Found by the analytics_delivery fuzz target: an empty envelope was not counted as an entry, so the
        // queue grew past maxQueue.
        let mut p = policy();
        p.max_queue = 2;
        let mut d = Delivery::new(p);
        push(&mut d, "a", 0);
        push(&mut d, "b", 0);
        assert_eq!(d.push("c".into(), 0, 0), Ok(ids(&["a"])));
        assert_eq!(d.len(), 2);
        assert_eq!(d.restore("r".into(), 0), Ok(ids(&["b"])));
        assert_eq!(d.ids().collect::<Vec<_>>(), vec!["c", "r"]);
    }

    #[test]
    fn the_queue_is_bounded_in_bytes_too() {
        let mut p = policy();
        p.max_queue_bytes = 25;
        let mut d = Delivery::new(p);
        push(&mut d, "a", 0);
        push(&mut d, "b", 0);
        assert_eq!(d.push("c".into(), 10, 0), Ok(ids(&["a"])));
    }

    #[test]
    fn consent_withheld_holds_everything_and_loses_nothing() {
        let mut d = Delivery::new(policy());
        d.set_consent(false);
        for id in ["a", "b", "c", "d"] {
            push(&mut d, id, 0);
        }
        assert_eq!(d.poll(10_000), None);
        assert_eq!(d.next_wake(), None);
        assert!(d.unload_chunks().is_empty(), "no beacon either");
        d.set_consent(true);
        assert_eq!(d.poll(10_000).unwrap().ids, ids(&["a", "b", "c"]));
    }

    #[test]
    fn a_restored_event_now_too_large_counts_as_dropped() {
        let mut d = Delivery::new(policy());
        assert_eq!(
            d.restore("big".into(), policy().max_event_bytes + 1),
            Err(Refused::TooLarge)
        );
        d.restore("a".into(), 10).unwrap();
        let st = d.stats();
        assert_eq!((st.queued, st.dropped, d.len()), (2, 1, 1));
        // Refused at the door for a new event, it was never queued: nothing to count.
        assert_eq!(
            d.push("big2".into(), policy().max_event_bytes + 1, 0),
            Err(Refused::TooLarge)
        );
        assert_eq!(d.stats().dropped, 1);
    }

    #[test]
    fn restored_events_are_due_at_once_and_not_doubled() {
        let mut d = Delivery::new(policy());
        d.restore("a".into(), 10).unwrap();
        assert_eq!(d.restore("a".into(), 10), Err(Refused::Duplicate));
        assert_eq!(d.poll(1).unwrap().ids, ids(&["a"]));
    }

    #[test]
    fn a_settle_for_an_unknown_batch_changes_nothing() {
        let mut d = Delivery::new(policy());
        push(&mut d, "a", 0);
        assert_eq!(d.settle(42, Outcome::NetworkError, 0, 0.0), Settled::Unknown);
        assert_eq!(d.len(), 1);
    }

    #[test]
    fn a_flush_request_sends_what_is_pending_without_waiting() {
        let mut d = Delivery::new(policy());
        push(&mut d, "a", 0);
        d.request_flush();
        assert_eq!(d.next_wake(), Some(0));
        assert_eq!(d.poll(1).unwrap().ids, ids(&["a"]));
    }

    #[test]
    fn coming_back_online_cuts_a_network_backoff_short() {
        let mut d = Delivery::new(policy());
        push(&mut d, "a", 0);
        let b = d.poll(1000).unwrap();
        let Settled::RetryAt(at) = d.settle(b.id, Outcome::NetworkError, 1000, 1.0) else {
            panic!()
        };
        assert_eq!(at, 1100);
        d.online(1010);
        assert!(d.poll(1010).is_some());
    }

    #[test]
    fn unload_chunks_fit_the_beacon_quota_and_skip_the_batch_in_flight() {
        let mut p = policy();
        p.max_batch_bytes = 60_000;
        p.max_event_bytes = 32_000;
        p.batch_size = 2;
        p.max_queue_bytes = 1_000_000;
        let mut d = Delivery::new(p);
        for id in ["a", "b"] {
            d.push(id.into(), 100, 0).unwrap();
        }
        let b = d.poll(0).unwrap();
        assert_eq!(b.ids, ids(&["a", "b"]));
        for id in ["c", "d", "e", "f"] {
            d.push(id.into(), 25_000, 0).unwrap();
        }
        let chunks = d.unload_chunks();
        assert_eq!(chunks, vec![ids(&["c", "d"]), ids(&["e", "f"])]);
        assert_eq!(d.len(), 6, "beaconed events stay queued until a 2xx is seen");
    }

    fn status(status: u16) -> Outcome {
        Outcome::Status {
            status,
            retry_after_ms: None,
        }
    }

    /// A collector that answers 413 to a body over `limit` bytes and 200 otherwise, driven until the queue is
    /// empty. Returns each request's envelope count and status, and the ids delivered and rejected, in order.
    fn drain_into(d: &mut Delivery, limit: u64, now: u64) -> Drained {
        drain_sent(d, limit, now, |bytes| bytes)
    }

    type Drained = (Vec<(usize, u16)>, Vec<String>, Vec<String>);

    /// [`drain_into`] where the body really sent is `real(the core's estimate)` bytes long.
    fn drain_sent(d: &mut Delivery, limit: u64, now: u64, real: impl Fn(u64) -> u64) -> Drained {
        let (mut requests, mut delivered, mut rejected) = (Vec::new(), Vec::new(), Vec::new());
        while let Some(b) = d.poll(now) {
            let sent = real(b.bytes);
            d.sent(sent);
            let code = if sent > limit { 413 } else { 200 };
            requests.push((b.ids.len(), code));
            match d.settle(b.id, status(code), now, 0.0) {
                Settled::Delivered(ids) => delivered.extend(ids),
                Settled::Rejected(ids) => rejected.extend(ids),
                Settled::Split(_) => {}
                other => panic!("unexpected {other:?}"),
            }
            assert!(requests.len() < 100, "no endless loop");
        }
        (requests, delivered, rejected)
    }

    fn ten(d: &mut Delivery, prefix: &str, bytes: u64, now: u64) -> Vec<String> {
        (0..10)
            .map(|i| {
                let id = format!("{prefix}{i}");
                d.push(id.clone(), bytes, now).unwrap();
                id
            })
            .collect()
    }

    fn policy_of_ten() -> Policy {
        Policy {
            batch_size: 10,
            max_batch_bytes: 60_000,
            max_event_bytes: 32_000,
            ..policy()
        }
    }

    #[test]
    fn a_413_on_a_batch_of_ten_halves_it_until_it_passes_and_drops_nothing() {
        let mut d = Delivery::new(policy_of_ten());
        let all = ten(&mut d, "e", 100, 0);
        // The body is 2 + 10·100 + 9 = 1011 bytes; this collector takes 250.
        let b = d.poll(0).unwrap();
        assert_eq!(b.bytes, 1011);
        assert_eq!(d.settle(b.id, status(413), 0, 0.0), Settled::Split(505));
        assert_eq!(d.next_wake(), Some(0), "the split goes at once, no backoff");
        assert_eq!(d.stats().retries, 0, "a split is not a failed attempt");
        let (requests, delivered, rejected) = drain_into(&mut d, 250, 0);
        // 4 envelopes (405 B) are still too many: the cap halves again to 202, one envelope (103 B) a body.
        let mut expected = vec![(4, 413)];
        expected.extend([(1, 200); 10]);
        assert_eq!(requests, expected);
        assert_eq!(delivered, all, "every envelope, once, in order");
        assert!(rejected.is_empty());
        assert_eq!(d.stats().delivered, 10);
        assert_eq!(d.stats().rejected, 0);
    }

    #[test]
    fn a_split_sends_the_front_of_the_batch_first_and_the_rest_right_after() {
        let mut d = Delivery::new(policy_of_ten());
        let all = ten(&mut d, "e", 100, 0);
        // A collector taking 450 bytes: 10 → 413, then 4 + 4 + 2 under the 505-byte cap.
        let (requests, delivered, _) = drain_into(&mut d, 450, 0);
        assert_eq!(requests, vec![(10, 413), (4, 200), (4, 200), (2, 200)]);
        assert_eq!(delivered, all);
    }

    #[test]
    fn a_413_on_one_envelope_rejects_it_and_the_next_ones_are_still_delivered() {
        let mut d = Delivery::new(policy());
        push(&mut d, "a", 0);
        d.push("big".into(), 390, 0).unwrap();
        push(&mut d, "c", 0);
        push(&mut d, "d", 0);
        let (requests, delivered, rejected) = drain_into(&mut d, 200, 1000);
        // [a, big, c] is 414 B → split under 207 B: [a], then [big] alone is refused, then [c, d].
        assert_eq!(requests, vec![(3, 413), (1, 200), (1, 413), (2, 200)]);
        assert_eq!(delivered, ids(&["a", "c", "d"]));
        assert_eq!(rejected, ids(&["big"]));
        assert_eq!(d.stats().rejected, 1);
        assert_eq!(d.stats().delivered, 3);

        // A batch of one refused at once: rejected as any other 4xx, nothing else touched.
        let mut d = Delivery::new(policy());
        d.push("big".into(), 390, 0).unwrap();
        let b = d.poll(1000).unwrap();
        assert_eq!(
            d.settle(b.id, status(413), 1000, 0.0),
            Settled::Rejected(ids(&["big"]))
        );
        assert!(d.is_empty());
    }

    #[test]
    fn the_learned_cap_applies_to_later_batches_and_beacons_until_the_collector_changes() {
        let mut d = Delivery::new(policy_of_ten());
        ten(&mut d, "a", 100, 0);
        let b = d.poll(0).unwrap();
        assert_eq!(d.settle(b.id, status(413), 0, 0.0), Settled::Split(505));
        drain_into(&mut d, 10_000, 0);
        // Later events: a batch closes as soon as it reaches the cap, not at 10 envelopes or after the interval.
        ten(&mut d, "b", 100, 50_000);
        let b = d.poll(50_000).unwrap();
        assert_eq!(b.ids.len(), 4);
        assert!(b.bytes <= 505);
        d.settle(b.id, status(200), 50_000, 0.0);
        // The unload beacons respect it too: each chunk under 505 B.
        assert_eq!(
            d.unload_chunks().iter().map(Vec::len).collect::<Vec<_>>(),
            vec![4, 2]
        );
        // A second 413 lowers it again; a new endpoint (another collector) starts from the policy once more.
        let b = d.poll(50_000).unwrap();
        assert_eq!(d.settle(b.id, status(413), 50_000, 0.0), Settled::Split(202));
        d.forget_cap();
        assert_eq!(
            d.unload_chunks(),
            vec![ids(&["b4", "b5", "b6", "b7", "b8", "b9"])]
        );
    }

    #[test]
    fn a_413_then_a_network_error_then_a_2xx_loses_nothing() {
        let mut d = Delivery::new(policy());
        for id in ["a", "b", "c", "d"] {
            d.push(id.into(), 100, 0).unwrap();
        }
        let b = d.poll(0).unwrap();
        assert_eq!(b.ids, ids(&["a", "b", "c"]));
        assert_eq!(d.settle(b.id, status(413), 0, 0.0), Settled::Split(152));
        let b = d.poll(0).unwrap();
        assert_eq!(b.ids, ids(&["a"]), "the front of the refused batch, at once");
        assert_eq!(
            d.settle(b.id, Outcome::NetworkError, 0, 0.0),
            Settled::RetryAt(50)
        );
        assert_eq!(d.poll(49), None, "a network error still backs off");
        let b = d.poll(50).unwrap();
        assert_eq!(b.ids, ids(&["a"]), "the same envelope again, under the same id");
        assert_eq!(
            d.settle(b.id, status(200), 50, 0.0),
            Settled::Delivered(ids(&["a"]))
        );
        let (requests, delivered, _) = drain_into(&mut d, 10_000, 50);
        assert_eq!(
            requests,
            vec![(1, 200), (1, 200)],
            "the rest of the refused batch, at once"
        );
        assert_eq!(delivered, ids(&["b", "c"]));
        assert_eq!(
            d.poll(50),
            None,
            "d was not in it: it waits for its own batch as usual"
        );
        let b = d.poll(1000).unwrap();
        assert_eq!(b.ids, ids(&["d"]));
        d.settle(b.id, status(200), 1000, 0.0);
        assert_eq!(d.stats().delivered, 4);
        assert_eq!(d.stats().retries, 1);
    }

    #[test]
    fn a_split_works_with_the_segment_wrapper_around_the_body() {
        let mut p = policy_of_ten();
        p.batch_overhead_bytes = 98;
        let mut d = Delivery::new(p);
        let all = ten(&mut d, "s", 400, 0);
        // The core reckons Segment's wrapper from above; the body really sent is, say, 3/4 of its estimate. The
        // cap is half of what was really refused: 98 + 4000 + 9 = 4107 B estimated, 3080 B sent → cap 1540, so
        // 3 envelopes (1300 B estimated, 975 B sent) a body, each at most half the refused one.
        let (requests, delivered, rejected) = drain_sent(&mut d, 1500, 0, |b| b * 3 / 4);
        assert_eq!(requests, vec![(10, 413), (3, 200), (3, 200), (3, 200), (1, 200)]);
        assert_eq!(delivered, all);
        assert!(rejected.is_empty());
    }

    #[test]
    fn a_reload_mid_batch_resends_it_under_the_same_ids() {
        // Page 1 sends a batch and unloads before the answer.
        let mut page1 = Delivery::new(policy());
        for id in ["a", "b", "c", "d"] {
            push(&mut page1, id, 0);
        }
        let sent = page1.poll(0).unwrap().ids;
        let persisted: Vec<String> = page1.ids().map(String::from).collect();
        // Page 2 restores the persisted queue: the batch in flight is in it.
        let mut page2 = Delivery::new(policy());
        for id in persisted {
            page2.restore(id, 10).unwrap();
        }
        let again = page2.poll(0).unwrap().ids;
        assert_eq!(again, sent, "same ids, so the collector drops the duplicates");
    }
}
