//! The listener registry behind `ac('on'|'once'|'off')`: who is subscribed, in which order, and what
//! on/once/off did. The dispatch loop itself is `js/listeners.js` (one event is one call across the wasm
//! boundary); it mirrors each [`Snapshot`] and `alive` flag, and the rules below hold between the two:
//!
//! - **Order.** Listeners run in the order they subscribed, across every key an event matches (as the DOM does
//!   for one target): `ac('on', 'webchat:all', a)` then `ac('on', 'webchat:offered', b)` calls `a` before `b`.
//!   [`Emitter::snapshot`] gives that order.
//! - **Removed during a dispatch → not called later in that dispatch** (the DOM's rule; mitt and eventemitter3
//!   call it anyway): [`Emitter::take`] hands back the subscription, dead, and the shell kills its JS record,
//!   which the loop checks right before each call.
//! - **Added during a dispatch → waits for the next dispatch.** A snapshot is never changed, only replaced.
//! - **Duplicates.** The same callback subscribed twice to the same key is one subscription (as
//!   `addEventListener`): it is called once, and the second `on`/`once` changes nothing (not even once-ness).
//! - **`once`** is claimed by the JS loop before its call (so nested dispatches cannot run it twice) and handed
//!   back with [`Emitter::retire`]; `take` removes a `once` that has not fired yet.
//!
//! Generic over the key `K` (what listeners subscribe to) and the listener `L` (compared with `==` for `take`
//! and duplicates), so the payload never passes through here.
//!
//! The hot path allocates nothing once warm: the snapshot for a given set of keys is cached as an `Rc` slice and
//! rebuilt only after a subscription changed. Keys and caches are small vectors searched linearly, not hash maps:
//! a page has a handful of keys, and hashing and sorting code would cost more wasm bytes than it saves time.

use std::cell::Cell;
use std::rc::Rc;

/// One subscription. The shell holds these (through a [`Snapshot`]) without borrowing the [`Emitter`].
#[derive(Debug)]
pub struct Listener<L> {
    seq: u64,
    callback: L,
    once: bool,
    alive: Cell<bool>,
}

impl<L> Listener<L> {
    /// Whether this subscription is still registered.
    pub fn is_alive(&self) -> bool {
        self.alive.get()
    }

    /// The callback, whether or not it may run (a shell that runs the dispatch loop itself mirrors it).
    pub fn callback(&self) -> &L {
        &self.callback
    }
}

/// The listeners one dispatch will consider, in order. Holding it does not borrow the emitter.
pub type Snapshot<L> = Rc<[Rc<Listener<L>>]>;

/// What `on`/`once` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subscribed {
    /// A new subscription.
    Added,
    /// That callback was already subscribed to that key; nothing changed.
    AlreadySubscribed,
}

/// The registry. `K` is what listeners subscribe to; `L` the listener, compared with `==`.
#[derive(Debug)]
pub struct Emitter<K, L> {
    by_key: Vec<(K, Vec<Rc<Listener<L>>>)>,
    next_seq: u64,
    cache: Vec<(Vec<K>, Snapshot<L>)>,
}

impl<K, L> Default for Emitter<K, L> {
    fn default() -> Self {
        Emitter {
            by_key: Vec::new(),
            next_seq: 0,
            cache: Vec::new(),
        }
    }
}

impl<K: PartialEq + Clone, L: PartialEq> Emitter<K, L> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Subscribes `callback` to `key` until `off`.
    pub fn on(&mut self, key: K, callback: L) -> Subscribed {
        self.subscribe(key, callback, false)
    }

    /// Subscribes `callback` to the next dispatch that matches `key` only.
    pub fn once(&mut self, key: K, callback: L) -> Subscribed {
        self.subscribe(key, callback, true)
    }

    /// `off`: unsubscribes `callback` from `key` and hands back the subscription it removed, dead, so the shell
    /// can mark its JS record dead too (a dispatch under way then skips it).
    pub fn take(&mut self, key: &K, callback: &L) -> Option<Rc<Listener<L>>> {
        let list = self
            .by_key
            .iter_mut()
            .find(|(k, _)| k == key)
            .map(|(_, list)| list)?;
        let pos = list
            .iter()
            .position(|l| l.is_alive() && l.callback == *callback)?;
        // An emptied list stays (keys are few and come back): re-subscribing then costs no allocation.
        let removed = list.remove(pos);
        removed.alive.set(false);
        self.cache.clear();
        Some(removed)
    }

    /// Removes the `once` subscriptions that `ran` says a dispatch run outside this module already claimed (the
    /// web shell's dispatch loop is in JS and marks its own records). Whether anything was removed.
    pub fn retire(&mut self, mut ran: impl FnMut(&L) -> bool) -> bool {
        let mut removed = false;
        for (_, list) in &mut self.by_key {
            list.retain(|l| {
                let gone = l.once && l.is_alive() && ran(&l.callback);
                if gone {
                    l.alive.set(false);
                    removed = true;
                }
                !gone && l.is_alive()
            });
        }
        if removed {
            self.cache.clear();
        }
        removed
    }

    /// The listeners of an event that matches `keys`, in subscription order. Cached per `keys` until a
    /// subscription changes, so a warm dispatch costs a short search and an `Rc` clone.
    pub fn snapshot(&mut self, keys: &[K]) -> Snapshot<L> {
        if let Some((_, hit)) = self.cache.iter().find(|(k, _)| k.as_slice() == keys) {
            return Rc::clone(hit);
        }
        // Each key's list is in subscription order; put them together (a key given twice counts once), then an
        // insertion sort by subscription order: the lists are short and already sorted runs.
        let mut all: Vec<Rc<Listener<L>>> = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            if keys.iter().take(i).any(|earlier| earlier == k) {
                continue;
            }
            if let Some(list) = self.list(k) {
                all.extend(list.iter().cloned());
            }
        }
        for i in 1..all.len() {
            let mut j = i;
            while j > 0 && all.get(j - 1).zip(all.get(j)).is_some_and(|(a, b)| a.seq > b.seq) {
                all.swap(j - 1, j);
                j -= 1;
            }
        }
        let snapshot: Snapshot<L> = all.into();
        self.cache.push((keys.to_vec(), Rc::clone(&snapshot)));
        snapshot
    }

    fn list(&self, key: &K) -> Option<&[Rc<Listener<L>>]> {
        self.by_key
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, list)| list.as_slice())
    }

    fn subscribe(&mut self, key: K, callback: L, once: bool) -> Subscribed {
        let k = match self.by_key.iter().position(|(k, _)| *k == key) {
            Some(k) => k,
            None => {
                self.by_key.push((key, Vec::new()));
                self.by_key.len() - 1
            }
        };
        let Some((_, list)) = self.by_key.get_mut(k) else {
            return Subscribed::AlreadySubscribed;
        };
        if list.iter().any(|l| l.is_alive() && l.callback == callback) {
            return Subscribed::AlreadySubscribed;
        }
        list.push(Rc::new(Listener {
            seq: self.next_seq,
            callback,
            once,
            alive: Cell::new(true),
        }));
        self.next_seq += 1;
        self.cache.clear();
        Subscribed::Added
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The callbacks of a snapshot, in the order the JS loop calls them.
    fn names(e: &mut Emitter<&'static str, &'static str>, keys: &[&'static str]) -> Vec<&'static str> {
        e.snapshot(keys).iter().map(|l| *l.callback()).collect()
    }

    #[test]
    fn listeners_run_in_subscription_order_across_keys() {
        let mut e = Emitter::new();
        e.on("all", "a");
        e.on("offered", "b");
        e.on("all", "c");
        assert_eq!(names(&mut e, &["offered", "all"]), ["a", "b", "c"]);
        assert_eq!(names(&mut e, &["all"]), ["a", "c"]);
    }

    #[test]
    fn a_removed_listener_is_dead_in_a_snapshot_taken_before_and_absent_from_the_next() {
        let mut e = Emitter::new();
        e.on("e", "remover");
        e.on("e", "victim");
        let during = e.snapshot(&["e"]);
        let taken = e.take(&"e", &"victim");
        assert!(taken.is_some_and(|l| !l.is_alive() && *l.callback() == "victim"));
        // The dispatch under way holds `during`: the victim is there, dead, so the loop skips it.
        assert!(during.iter().any(|l| *l.callback() == "victim" && !l.is_alive()));
        assert_eq!(names(&mut e, &["e"]), ["remover"]);
        assert!(e.take(&"e", &"victim").is_none(), "removed once, gone");
    }

    #[test]
    fn a_listener_added_after_a_snapshot_waits_for_the_next_one() {
        let mut e = Emitter::new();
        e.on("e", "adder");
        let during = e.snapshot(&["e"]);
        e.on("e", "late");
        assert_eq!(during.len(), 1, "a snapshot is never changed, only replaced");
        assert_eq!(names(&mut e, &["e"]), ["adder", "late"]);
    }

    #[test]
    fn the_same_callback_subscribed_twice_is_one_subscription() {
        let mut e = Emitter::new();
        assert_eq!(e.on("e", "x"), Subscribed::Added);
        assert_eq!(e.on("e", "x"), Subscribed::AlreadySubscribed);
        assert_eq!(e.once("e", "x"), Subscribed::AlreadySubscribed);
        assert_eq!(names(&mut e, &["e"]), ["x"]);
        // Not even once-ness changed: a dispatch that ran it does not retire it.
        assert!(!e.retire(|_| true));
        // One off removes it: there was only one subscription.
        assert!(e.take(&"e", &"x").is_some());
        assert!(e.take(&"e", &"x").is_none());
    }

    #[test]
    fn the_same_key_listed_twice_lists_each_listener_once() {
        let mut e = Emitter::new();
        e.on("e", "x");
        assert_eq!(names(&mut e, &["e", "e"]), ["x"]);
    }

    #[test]
    fn a_once_the_loop_ran_is_retired_and_can_be_subscribed_again() {
        let mut e = Emitter::new();
        e.once("e", "x");
        e.on("e", "y");
        // The JS loop ran "x" (a once) and marked its record: retire drops it, and only it; an `on` is never
        // retired, whatever the loop says.
        assert!(!e.retire(|cb| *cb == "y"));
        assert!(e.retire(|cb| *cb == "x"));
        assert_eq!(names(&mut e, &["e"]), ["y"]);
        assert_eq!(e.once("e", "x"), Subscribed::Added);
        assert_eq!(names(&mut e, &["e"]), ["y", "x"]);
    }

    #[test]
    fn off_removes_a_once_that_has_not_fired() {
        let mut e = Emitter::new();
        e.once("e", "x");
        assert!(e.take(&"e", &"x").is_some());
        assert!(names(&mut e, &["e"]).is_empty());
        assert!(!e.retire(|_| true));
    }

    #[test]
    fn the_snapshot_is_cached_until_a_subscription_changes() {
        let mut e: Emitter<&str, u32> = Emitter::new();
        e.on("a", 1);
        let s1 = e.snapshot(&["a", "b"]);
        let s2 = e.snapshot(&["a", "b"]);
        assert!(Rc::ptr_eq(&s1, &s2));
        e.on("b", 2);
        let s3 = e.snapshot(&["a", "b"]);
        assert!(!Rc::ptr_eq(&s1, &s3));
        assert_eq!(s3.len(), 2);
        // A retired once and a take each drop the cache.
        e.once("a", 3);
        let s4 = e.snapshot(&["a"]);
        assert_eq!(s4.len(), 2);
        assert!(e.retire(|cb| *cb == 3));
        assert_eq!(e.snapshot(&["a"]).len(), 1);
        assert!(e.take(&"a", &1).is_some());
        assert!(e.snapshot(&["a"]).is_empty());
    }
}
