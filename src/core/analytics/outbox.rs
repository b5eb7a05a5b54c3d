//! This page's outbox: what analytics holds, queues and stores between the events the areas record and the
//! collector, around [`Delivery`]'s policy.
//!
//! - **The early hold.** Events recorded before the first `configure` are held, [`EARLY_MAX`] at most (the oldest
//!   dropped and counted; the page is told once). The first `configure` releases them after any queue adopted from
//!   storage, before what is recorded later.
//! - **The consent hold.** While `consent: false`, dataLayer pushes are held (serialized), as many as the queue
//!   may hold (the oldest dropped and counted), and released when consent is given.
//! - **Persistence.** Each page instance owns one storage key holding [`Outbox::stored`]'s record:
//!   `{"t": last write ms, "closed": bool, "q": [envelopes], "dl": [held pushes]}`; nothing held or queued removes
//!   the key. `closed` is set by `pagehide` and kept by the writes that follow it until the page shows again (back
//!   from the bfcache).
//! - **Adoption.** The first `configure` takes over the keys of pages that closed or went silent for [`STALE_MS`]
//!   ([`is_adoptable`]), so a reload, a crash or a second tab never loses the queue of another; at worst an event
//!   is sent twice under one id (the collector de-duplicates by id).
//!
//! The shell performs: it serializes the envelopes, reads and writes localStorage, pushes onto the dataLayer and
//! sends. The outbox sees an envelope as its id and JSON text.

use super::config::{Config, Format};
use super::delivery::{Delivery, Policy, Refused, Settled};
use crate::core::text::push_uint;

/// How many events recorded before the first `configure` are held (the oldest are dropped beyond it).
pub const EARLY_MAX: usize = 200;

/// A stored queue not written for this long belongs to a page that died without `pagehide`.
pub const STALE_MS: f64 = 30_000.0;

/// What a Segment message adds around an envelope (`type`, `messageId`, `anonymousId`, `context`), at most.
pub const SEGMENT_EXTRA: u64 = 320;

/// Whether a stored queue another page left may be taken over: its page closed, or has not written it for
/// [`STALE_MS`]. `written_at` is its `t` (NaN for a record without one: taken), `now` the time.
pub fn is_adoptable(written_at: f64, closed: bool, now: f64) -> bool {
    let fresh = now - written_at < STALE_MS;
    closed || !fresh
}

/// What [`Outbox::queue`] did with an envelope.
#[derive(Debug, PartialEq, Eq)]
pub enum Queued {
    Yes,
    /// Already queued (a restored copy): nothing changes.
    Duplicate,
    /// Larger than `maxEventBytes` (the limit).
    TooLarge(u64),
}

/// A batch the collector refused: how many envelopes, and the JSON of the first (a 413 on one names it).
#[derive(Debug, PartialEq, Eq)]
pub struct Rejected {
    pub count: usize,
    pub first: Option<String>,
}

/// The outbox; `E` is an event as the shell recorded it, held before the first `configure`.
#[derive(Debug)]
pub struct Outbox<E> {
    config: Option<Config>,
    delivery: Delivery,
    /// The serialized envelope of every queued id. A plain list: the queue is bounded (1000 by default) and a
    /// map's generic code would cost the wasm more than the scans cost the page.
    payloads: Vec<(String, String)>,
    /// Serialized envelopes waiting for consent before their dataLayer push.
    held: Vec<String>,
    /// A ring once full: [`EARLY_MAX`] events, the oldest at `early_oldest`, so a page that never configures
    /// analytics pays no shift of the whole hold for each event it records (every CXBus publish is one).
    early: Vec<E>,
    early_oldest: usize,
    /// Dropped from the early and consent holds (the queue's own drops are [`Delivery`]'s).
    dropped: u64,
    closing: bool,
}

impl<E> Default for Outbox<E> {
    fn default() -> Self {
        Outbox::new()
    }
}

impl<E> Outbox<E> {
    pub const fn new() -> Self {
        Outbox {
            config: None,
            delivery: Delivery::new(Policy::DEFAULT),
            payloads: Vec::new(),
            held: Vec::new(),
            early: Vec::new(),
            early_oldest: 0,
            dropped: 0,
            closing: false,
        }
    }

    /// The configuration, once `configure` was called.
    pub fn config(&self) -> Option<&Config> {
        self.config.as_ref()
    }

    pub fn delivery(&self) -> &Delivery {
        &self.delivery
    }

    /// The delivery policy's inputs that are not the outbox's: the clock, answers, the page's lifecycle.
    pub fn delivery_mut(&mut self) -> &mut Delivery {
        &mut self.delivery
    }

    /// Envelopes dropped from the holds, for `stats().dropped` (next to the queue's own).
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Events held: for consent, and for the first `configure`.
    pub fn held(&self) -> usize {
        self.held.len() + self.early.len()
    }

    /// Holds an event recorded before the first `configure`. `true` for the page's first drop, which the page is
    /// told about.
    pub fn hold_early(&mut self, event: E) -> bool {
        if self.early.len() < EARLY_MAX {
            self.early.push(event);
            return false;
        }
        if let Some(oldest) = self.early.get_mut(self.early_oldest) {
            *oldest = event;
        }
        self.early_oldest = (self.early_oldest + 1) % EARLY_MAX;
        self.dropped += 1;
        self.dropped == 1
    }

    /// Takes `merged` as the configuration: the delivery policy with the body overhead of its format, the
    /// consent, and a new collector forgets what a 413 taught about the old one. Returns whether this was the
    /// first `configure`: then the shell adopts stored queues ([`Outbox::adopt`]) and releases the early hold
    /// ([`Outbox::take_early`]).
    pub fn configure(&mut self, merged: Config) -> bool {
        let mut policy = merged.policy.clone();
        policy.batch_overhead_bytes = match merged.format {
            Format::Envelope => 2,
            Format::Segment => 96 + merged.write_key.as_ref().map_or(0, |k| k.len() as u64),
        };
        let first = self.config.is_none();
        if matches!(&self.config, Some(c) if c.endpoint != merged.endpoint) {
            self.delivery.forget_cap();
        }
        for d in &self.delivery.set_policy(policy) {
            self.remove_payload(d);
        }
        self.delivery.set_consent(merged.consent);
        self.config = Some(merged);
        first
    }

    /// The events held for the first `configure`, oldest first; they go after the adopted queue.
    pub fn take_early(&mut self) -> Vec<E> {
        let mut early = std::mem::take(&mut self.early);
        // Rotated by three reversals: the oldest first.
        if let Some((newer, older)) = early.split_at_mut_checked(std::mem::take(&mut self.early_oldest)) {
            newer.reverse();
            older.reverse();
            early.reverse();
        }
        early
    }

    /// How many bytes the envelope's JSON counts for in a batch of the configured format.
    fn bytes(&self, json: &str) -> u64 {
        let segment = matches!(&self.config, Some(c) if c.format == Format::Segment);
        json.len() as u64 + if segment { SEGMENT_EXTRA } else { 0 }
    }

    /// Queues an envelope for the collector.
    pub fn queue(&mut self, id: String, json: String, now: u64) -> Queued {
        match self.delivery.push(id.clone(), self.bytes(&json), now) {
            Ok(dropped) => {
                for d in &dropped {
                    self.remove_payload(d);
                }
                self.payloads.push((id, json));
                Queued::Yes
            }
            Err(Refused::Duplicate) => Queued::Duplicate,
            Err(Refused::TooLarge) => Queued::TooLarge(self.delivery.policy().max_event_bytes),
        }
    }

    /// Holds a dataLayer push until consent is given; beyond the queue's bound the oldest are dropped.
    pub fn hold_push(&mut self, json: String) {
        self.held.push(json);
        let excess = self.held.len().saturating_sub(self.delivery.policy().max_queue);
        if excess > 0 {
            self.dropped += excess as u64;
            self.held = self.held.split_off(excess);
        }
    }

    /// The dataLayer pushes held, to push now that consent is given (none while it is withheld). Without a
    /// dataLayer configured they go nowhere: a restored page's pushes are not kept for a layer that never comes.
    pub fn take_held_pushes(&mut self) -> Vec<String> {
        match &self.config {
            Some(c) if c.consent => std::mem::take(&mut self.held),
            _ => Vec::new(),
        }
    }

    /// The serialized envelopes of `ids`, in that order.
    pub fn payloads(&self, ids: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        for id in ids {
            out.extend(self.payload(id).cloned());
        }
        out
    }

    fn payload(&self, id: &str) -> Option<&String> {
        self.payloads.iter().find(|(k, _)| k == id).map(|(_, v)| v)
    }

    fn remove_payload(&mut self, id: &str) {
        self.payloads.retain(|(k, _)| k != id);
    }

    /// The answer to a batch: delivered or rejected envelopes leave with their payloads. `Some` for a rejection.
    pub fn settle(&mut self, settled: Settled) -> Option<Rejected> {
        match settled {
            Settled::Delivered(ids) => {
                for id in &ids {
                    self.remove_payload(id);
                }
                None
            }
            Settled::Rejected(ids) => {
                let first = ids.first().and_then(|id| self.payload(id)).cloned();
                for id in &ids {
                    self.remove_payload(id);
                }
                Some(Rejected {
                    count: ids.len(),
                    first,
                })
            }
            Settled::RetryAt(_) | Settled::Split(_) | Settled::Unknown => None,
        }
    }

    /// `pagehide` (`closing`), or the page shows again.
    pub fn set_closing(&mut self, closing: bool) {
        self.closing = closing;
    }

    /// The record to write under this page's key at `now`: `None` when nothing is queued or held (the key is
    /// removed). `closed` for the write on `pagehide`; a page closing stays closed until it shows again.
    pub fn stored(&mut self, now: u64, closed: bool) -> Option<String> {
        self.closing |= closed;
        if self.delivery.is_empty() && self.held.is_empty() {
            return None;
        }
        let mut text =
            String::with_capacity(64 + self.payloads.iter().map(|(_, v)| v.len() + 1).sum::<usize>());
        text.push_str("{\"t\":");
        push_uint(&mut text, now);
        text.push_str(",\"closed\":");
        text.push_str(if self.closing { "true" } else { "false" });
        text.push_str(",\"q\":[");
        let mut first = true;
        for id in self.delivery.ids() {
            if let Some((_, p)) = self.payloads.iter().find(|(k, _)| k == id) {
                if !first {
                    text.push(',');
                }
                first = false;
                text.push_str(p);
            }
        }
        text.push_str("],\"dl\":[");
        super::push_joined(&mut text, &self.held, ",");
        text.push_str("]}");
        Some(text)
    }

    /// Takes over what adoptable stored queues held: their envelopes (`(id, json)`, in their order) are queued
    /// again, due at once; their held pushes are held here. Returns the envelopes now larger than `maxEventBytes`
    /// allows, with their size: lost (counted as dropped), for the page to be told.
    pub fn adopt(&mut self, envelopes: Vec<(String, String)>, mut held: Vec<String>) -> Vec<(String, u64)> {
        let mut lost = Vec::new();
        for (id, json) in envelopes {
            let bytes = self.bytes(&json);
            match self.delivery.restore(id.clone(), bytes) {
                Ok(dropped) => {
                    for d in &dropped {
                        self.remove_payload(d);
                    }
                    self.payloads.push((id, json));
                }
                Err(Refused::TooLarge) => lost.push((json, bytes)),
                // A copy of one this page holds already: nothing lost.
                Err(Refused::Duplicate) => {}
            }
        }
        self.held.append(&mut held);
        lost
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::analytics::delivery::Outcome;
    use crate::core::analytics::Input;

    fn config(options: &[(&str, Input)]) -> Config {
        let entries = options.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        Config::default().merged(&Input::Map(entries)).unwrap()
    }

    fn endpoint() -> (&'static str, Input) {
        ("endpoint", Input::Str("/c".into()))
    }

    #[test]
    fn the_early_hold_keeps_the_newest_200_and_says_so_once() {
        let mut o: Outbox<u32> = Outbox::new();
        for i in 0..EARLY_MAX as u32 {
            assert!(!o.hold_early(i));
        }
        assert!(o.hold_early(200), "the first drop is told");
        assert!(!o.hold_early(201), "once");
        assert_eq!((o.held(), o.dropped()), (EARLY_MAX, 2));
        assert!(o.configure(config(&[endpoint()])));
        let early = o.take_early();
        assert_eq!(early, (2..202).collect::<Vec<u32>>(), "oldest first");
        assert!(
            !o.configure(config(&[endpoint()])),
            "only the first configure is first"
        );
    }

    #[test]
    fn the_early_hold_stays_in_order_however_often_it_wraps() {
        let mut o: Outbox<u32> = Outbox::new();
        for i in 0..(2 * EARLY_MAX as u32 + 37) {
            o.hold_early(i);
        }
        let from = EARLY_MAX as u32 + 37;
        assert_eq!(
            o.take_early(),
            (from..from + EARLY_MAX as u32).collect::<Vec<u32>>()
        );
        assert!(
            !o.hold_early(7),
            "an empty hold takes events again from the start"
        );
        assert_eq!(o.take_early(), vec![7]);
    }

    #[test]
    fn configure_derives_the_body_overhead_from_the_format() {
        let mut o: Outbox<()> = Outbox::new();
        o.configure(config(&[endpoint()]));
        assert_eq!(o.delivery().policy().batch_overhead_bytes, 2);
        o.configure(config(&[
            endpoint(),
            ("format", Input::Str("segment".into())),
            ("writeKey", Input::Str("WK".into())),
        ]));
        assert_eq!(o.delivery().policy().batch_overhead_bytes, 98);
        // Segment's messages are bigger than the envelopes: each counts SEGMENT_EXTRA more.
        assert_eq!(o.queue("a".into(), "x".repeat(10), 0), Queued::Yes);
        assert_eq!(
            o.delivery_mut().poll(u64::MAX / 2).map(|b| b.bytes),
            Some(98 + 10 + SEGMENT_EXTRA)
        );
    }

    #[test]
    fn pushes_wait_for_consent_within_the_queue_bound() {
        let mut o: Outbox<()> = Outbox::new();
        o.configure(config(&[
            ("dataLayer", Input::Bool(true)),
            ("consent", Input::Bool(false)),
            ("batchSize", Input::Number(1.0)),
            ("maxQueue", Input::Number(2.0)),
        ]));
        for j in ["1", "2", "3"] {
            o.hold_push(j.into());
        }
        assert_eq!((o.held(), o.dropped()), (2, 1));
        assert_eq!(o.take_held_pushes(), Vec::<String>::new(), "not without consent");
        o.configure(config(&[
            ("dataLayer", Input::Bool(true)),
            ("consent", Input::Bool(true)),
        ]));
        assert_eq!(o.take_held_pushes(), ["2", "3"]);
        assert_eq!(o.held(), 0);
    }

    #[test]
    fn the_stored_record_holds_the_queue_in_order_and_stays_closed_until_shown() {
        let mut o: Outbox<()> = Outbox::new();
        o.configure(config(&[endpoint()]));
        assert_eq!(o.stored(5, false), None, "nothing to keep: the key is removed");
        o.queue("a".into(), "{\"id\":\"a\"}".into(), 0);
        o.queue("b".into(), "{\"id\":\"b\"}".into(), 0);
        o.hold_push("{\"id\":\"c\"}".into());
        assert_eq!(
            o.stored(7, false).as_deref(),
            Some("{\"t\":7,\"closed\":false,\"q\":[{\"id\":\"a\"},{\"id\":\"b\"}],\"dl\":[{\"id\":\"c\"}]}")
        );
        assert!(o.stored(8, true).unwrap().contains("\"closed\":true"));
        assert!(
            o.stored(9, false).unwrap().contains("\"closed\":true"),
            "the hide after pagehide"
        );
        o.set_closing(false);
        assert!(
            o.stored(10, false).unwrap().contains("\"closed\":false"),
            "shown again"
        );
    }

    #[test]
    fn adoption_takes_closed_or_silent_queues_and_tells_what_no_longer_fits() {
        assert!(is_adoptable(0.0, true, 1.0));
        assert!(!is_adoptable(0.0, false, STALE_MS - 1.0));
        assert!(is_adoptable(0.0, false, STALE_MS));
        assert!(is_adoptable(f64::NAN, false, 1.0), "a record without a time");
        let mut o: Outbox<()> = Outbox::new();
        o.configure(config(&[endpoint(), ("maxEventBytes", Input::Number(256.0))]));
        o.queue("a".into(), "A".into(), 0);
        let big = "x".repeat(300);
        let lost = o.adopt(
            vec![
                ("a".into(), "A".into()),
                ("b".into(), "B".into()),
                ("c".into(), big.clone()),
            ],
            vec!["D".into()],
        );
        assert_eq!(lost, [(big, 300)]);
        assert_eq!(o.delivery().ids().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(o.delivery().stats().dropped, 1, "the lost one counts as dropped");
        assert_eq!(o.held(), 1);
    }

    #[test]
    fn answers_take_the_payloads_with_them() {
        let mut o: Outbox<()> = Outbox::new();
        o.configure(config(&[endpoint(), ("batchSize", Input::Number(1.0))]));
        o.queue("a".into(), "A".into(), 0);
        o.queue("b".into(), "B".into(), 0);
        let batch = o.delivery_mut().poll(0).unwrap();
        assert_eq!(o.payloads(&batch.ids), ["A"]);
        let s = o.delivery_mut().settle(
            batch.id,
            Outcome::Status {
                status: 400,
                retry_after_ms: None,
            },
            0,
            0.5,
        );
        assert_eq!(
            o.settle(s),
            Some(Rejected {
                count: 1,
                first: Some("A".into())
            })
        );
        assert_eq!(
            o.stored(1, false).as_deref(),
            Some("{\"t\":1,\"closed\":false,\"q\":[B],\"dl\":[]}")
        );
    }
}
