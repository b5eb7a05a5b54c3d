//! The listener registry behind `ac('on'|'once'|'off')`: who is subscribed, in which order, what on/once/off did,
//! and whether a listener may still run in a dispatch under way. The web shell's loop (`js/listeners.js`) only
//! calls the listeners of a [`Snapshot`] in order; when membership changes during a dispatch, or the snapshot has
//! a `once` in it, the shell asks [`Emitter::claim`] about each listener left. The rules:
//!
//! - **Order.** Listeners run in the order they subscribed, across every key an event matches (as the DOM does
//!   for one target): `ac('on', 'webchat:all', a)` then `ac('on', 'webchat:offered', b)` calls `a` before `b`.
//!   [`Emitter::snapshot`] gives that order.
//! - **Removed during a dispatch → not called later in that dispatch** (the DOM's rule; mitt and eventemitter3
//!   call it anyway): [`Emitter::take`] marks the subscription dead, and `claim` refuses a dead one.
//! - **Added during a dispatch → waits for the next dispatch.** A snapshot is never changed, only replaced.
//! - **Duplicates.** The same callback subscribed twice to the same key is one subscription (as
//!   `addEventListener`): it is called once, and the second `on`/`once` changes nothing (not even once-ness).
//! - **`once`** is unsubscribed by the `claim` right before its call, so a nested dispatch cannot run it again;
//!   `take` removes a `once` that has not fired yet.
//!
//! Generic over the key `K` (what listeners subscribe to) and the listener `L` (compared with `==` for `take`
//! and duplicates), so the payload never passes through here. Keys are small vectors searched linearly, not hash
//! maps: a page has a handful of keys, and hashing code would cost more wasm bytes than it saves time.

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

    /// The callback, whether or not it may run (the shell's loop calls it).
    pub fn callback(&self) -> &L {
        &self.callback
    }

    /// Whether it was subscribed with `once`: a dispatch must [`Emitter::claim`] it before its call.
    pub fn is_once(&self) -> bool {
        self.once
    }
}

/// The listeners one dispatch will consider, in order. Holding it does not borrow the emitter.
pub type Snapshot<L> = Rc<[Rc<Listener<L>>]>;

/// What [`Emitter::claim`] decided about a listener of a dispatch under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Call it.
    Run,
    /// Call it: it was a `once`, and is unsubscribed now (membership changed).
    Once,
    /// Do not call it: it was removed since the snapshot was taken, or a `once` already claimed.
    Skip,
}

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
}

impl<K, L> Default for Emitter<K, L> {
    fn default() -> Self {
        Emitter {
            by_key: Vec::new(),
            next_seq: 0,
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

    /// `off`: unsubscribes `callback` from `key` and hands back the subscription it removed, now dead (a dispatch
    /// under way holding it will not call it).
    pub fn take(&mut self, key: &K, callback: &L) -> Option<Rc<Listener<L>>> {
        let list = self
            .by_key
            .iter_mut()
            .find(|(k, _)| k == key)
            .map(|(_, list)| list)?;
        let pos = list.iter().position(|l| l.callback == *callback)?;
        // An emptied list stays (keys are few and come back): re-subscribing then costs no allocation.
        let removed = list.remove(pos);
        removed.alive.set(false);
        Some(removed)
    }

    /// Whether a dispatch may call `listener` now: it is still subscribed. A `once` is unsubscribed by this
    /// claim, so no dispatch (a nested one, or the next) calls it again; whether membership changed is
    /// [`Claim::Once`].
    pub fn claim(&mut self, listener: &Listener<L>) -> Claim {
        if !listener.is_alive() {
            return Claim::Skip;
        }
        if !listener.once {
            return Claim::Run;
        }
        listener.alive.set(false);
        // Sequence numbers are unique: the listener is in one list, once.
        for (_, list) in &mut self.by_key {
            if let Some(i) = list.iter().position(|l| l.seq == listener.seq) {
                list.remove(i);
            }
        }
        Claim::Once
    }

    /// The listeners of an event that matches `keys`, in subscription order.
    pub fn snapshot(&self, keys: &[K]) -> Snapshot<L> {
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
        all.into()
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
        if list.iter().any(|l| l.callback == callback) {
            return Subscribed::AlreadySubscribed;
        }
        list.push(Rc::new(Listener {
            seq: self.next_seq,
            callback,
            once,
            alive: Cell::new(true),
        }));
        self.next_seq += 1;
        Subscribed::Added
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The callbacks of a snapshot, in the order the shell's loop calls them.
    fn names(e: &Emitter<&'static str, &'static str>, keys: &[&'static str]) -> Vec<&'static str> {
        e.snapshot(keys).iter().map(|l| *l.callback()).collect()
    }

    #[test]
    fn listeners_run_in_subscription_order_across_keys() {
        let mut e = Emitter::new();
        e.on("all", "a");
        e.on("offered", "b");
        e.on("all", "c");
        assert_eq!(names(&e, &["offered", "all"]), ["a", "b", "c"]);
        assert_eq!(names(&e, &["all"]), ["a", "c"]);
    }

    #[test]
    fn a_removed_listener_is_dead_in_a_snapshot_taken_before_and_absent_from_the_next() {
        let mut e = Emitter::new();
        e.on("e", "remover");
        e.on("e", "victim");
        let during = e.snapshot(&["e"]);
        let taken = e.take(&"e", &"victim");
        assert!(taken.is_some_and(|l| !l.is_alive() && *l.callback() == "victim"));
        // The dispatch under way holds `during`: the victim is there, dead, and not to be called.
        let victim = during.iter().find(|l| *l.callback() == "victim");
        assert!(victim.is_some_and(|l| !l.is_alive() && e.claim(l) == Claim::Skip));
        assert_eq!(names(&e, &["e"]), ["remover"]);
        assert!(e.take(&"e", &"victim").is_none(), "removed once, gone");
    }

    #[test]
    fn a_listener_added_after_a_snapshot_waits_for_the_next_one() {
        let mut e = Emitter::new();
        e.on("e", "adder");
        let during = e.snapshot(&["e"]);
        e.on("e", "late");
        assert_eq!(during.len(), 1, "a snapshot is never changed, only replaced");
        assert_eq!(names(&e, &["e"]), ["adder", "late"]);
    }

    #[test]
    fn the_same_callback_subscribed_twice_is_one_subscription() {
        let mut e = Emitter::new();
        assert_eq!(e.on("e", "x"), Subscribed::Added);
        assert_eq!(e.on("e", "x"), Subscribed::AlreadySubscribed);
        assert_eq!(e.once("e", "x"), Subscribed::AlreadySubscribed);
        assert_eq!(names(&e, &["e"]), ["x"]);
        // Not even once-ness changed: a dispatch that runs it does not unsubscribe it.
        let during = e.snapshot(&["e"]);
        assert!(during.iter().all(|l| e.claim(l) == Claim::Run));
        assert_eq!(names(&e, &["e"]), ["x"]);
        // One off removes it: there was only one subscription.
        assert!(e.take(&"e", &"x").is_some());
        assert!(e.take(&"e", &"x").is_none());
    }

    #[test]
    fn the_same_key_listed_twice_lists_each_listener_once() {
        let mut e = Emitter::new();
        e.on("e", "x");
        assert_eq!(names(&e, &["e", "e"]), ["x"]);
    }

    #[test]
    fn a_once_is_unsubscribed_when_claimed_and_can_be_subscribed_again() {
        let mut e = Emitter::new();
        e.once("e", "x");
        e.on("e", "y");
        let during = e.snapshot(&["e"]);
        let claims: Vec<Claim> = during.iter().map(|l| e.claim(l)).collect();
        assert_eq!(
            claims,
            [Claim::Once, Claim::Run],
            "an `on` stays, the `once` goes"
        );
        // A nested dispatch, or the same one asking again, does not run it twice.
        assert_eq!(names(&e, &["e"]), ["y"]);
        assert!(during.iter().all(|l| l.is_once() != (e.claim(l) == Claim::Run)));
        assert_eq!(e.once("e", "x"), Subscribed::Added);
        assert_eq!(names(&e, &["e"]), ["y", "x"]);
    }

    #[test]
    fn off_removes_a_once_that_has_not_fired() {
        let mut e = Emitter::new();
        e.once("e", "x");
        let during = e.snapshot(&["e"]);
        assert!(e.take(&"e", &"x").is_some());
        assert!(names(&e, &["e"]).is_empty());
        // A dispatch under way that had not reached it yet skips it.
        assert!(during.iter().all(|l| e.claim(l) == Claim::Skip));
    }

    #[test]
    fn a_once_subscribed_to_two_keys_is_claimed_per_key() {
        let mut e = Emitter::new();
        e.once("all", "x");
        e.once("offered", "x");
        let during = e.snapshot(&["offered", "all"]);
        assert_eq!(during.len(), 2, "two subscriptions: called once per name");
        assert!(during.iter().all(|l| e.claim(l) == Claim::Once));
        assert!(names(&e, &["offered", "all"]).is_empty());
    }
}
