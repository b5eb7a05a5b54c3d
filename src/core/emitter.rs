//! The listener registry behind `ac('on'|'once'|'off')` (and any other emitter that wants the same rules), with
//! dispatch semantics defined once, because the peers all differ:
//!
//! - **Order.** Listeners run in the order they subscribed, across every key an event matches (as the DOM does
//!   for one target): `ac('on', 'webchat:all', a)` then `ac('on', 'webchat:offered', b)` calls `a` before `b`.
//! - **Removed during a dispatch → not called later in that dispatch** (the DOM's rule; mitt and eventemitter3
//!   call it anyway). Each subscription carries an `alive` flag that the dispatch checks right before the call.
//! - **Added during a dispatch → waits for the next dispatch.** A dispatch runs over a snapshot taken before
//!   the first call.
//! - **Duplicates.** The same callback subscribed twice to the same key is one subscription (as
//!   `addEventListener`): it is called once, and the second `on`/`once` changes nothing (not even once-ness).
//! - **`once`** fires at most once even if dispatches nest, and `off` removes a `once` that has not fired yet.
//! - **Errors** are the caller's: [`Snapshot::dispatch`] hands every listener's error back and keeps calling
//!   the others; the web shell reports them.
//!
//! Generic over the key `K` (what listeners subscribe to) and the listener `L` (compared with `==` for `off`
//! and duplicates), so the payload never passes through here: the shell calls `L` with its own `JsValue`.
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
    /// Shared with the emitter: set when a `once` fired, so the next mutable call purges it.
    fired: Rc<Cell<bool>>,
}

impl<L> Listener<L> {
    /// The callback if this subscription may run now. A `once` subscription is consumed by the claim, so a
    /// nested dispatch cannot run it a second time.
    pub fn claim(&self) -> Option<&L> {
        if !self.alive.get() {
            return None;
        }
        if self.once {
            self.alive.set(false);
            self.fired.set(true);
        }
        Some(&self.callback)
    }

    /// Whether this subscription is still registered.
    pub fn is_alive(&self) -> bool {
        self.alive.get()
    }
}

/// The listeners one dispatch will consider, in order. Holding it does not borrow the emitter.
pub type Snapshot<L> = Rc<[Rc<Listener<L>>]>;

/// Runs `call` for every listener of `snapshot` that is still alive when its turn comes; returns the errors,
/// in order, after every listener had its turn.
pub fn dispatch<L, E>(snapshot: &[Rc<Listener<L>>], mut call: impl FnMut(&L) -> Result<(), E>) -> Vec<E> {
    let mut errors = Vec::new();
    for listener in snapshot {
        if let Some(callback) = listener.claim() {
            if let Err(e) = call(callback) {
                errors.push(e);
            }
        }
    }
    errors
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
    fired: Rc<Cell<bool>>,
    cache: Vec<(Vec<K>, Snapshot<L>)>,
}

impl<K, L> Default for Emitter<K, L> {
    fn default() -> Self {
        Emitter {
            by_key: Vec::new(),
            next_seq: 0,
            fired: Rc::new(Cell::new(false)),
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

    /// Unsubscribes `callback` from `key`; whether it was subscribed. It is not called again, even later in a
    /// dispatch already under way.
    pub fn off(&mut self, key: &K, callback: &L) -> bool {
        self.purge_fired();
        let Some(k) = self.by_key.iter().position(|(k, _)| k == key) else {
            return false;
        };
        let Some((_, list)) = self.by_key.get_mut(k) else {
            return false;
        };
        let Some(pos) = list.iter().position(|l| l.is_alive() && l.callback == *callback) else {
            return false;
        };
        let removed = list.remove(pos);
        removed.alive.set(false);
        if list.is_empty() {
            self.by_key.remove(k);
        }
        self.cache.clear();
        true
    }

    /// How many live subscriptions `key` has.
    pub fn count(&self, key: &K) -> usize {
        self.list(key)
            .map_or(0, |list| list.iter().filter(|l| l.is_alive()).count())
    }

    /// Whether any listener at all is subscribed (lets the shell skip building a payload nobody receives).
    pub fn is_empty(&self) -> bool {
        self.by_key
            .iter()
            .all(|(_, list)| list.iter().all(|l| !l.is_alive()))
    }

    /// The listeners of an event that matches `keys`, in subscription order. Cached per `keys` until a
    /// subscription changes, so a warm dispatch costs a short search and an `Rc` clone.
    pub fn snapshot(&mut self, keys: &[K]) -> Snapshot<L> {
        self.purge_fired();
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
        self.purge_fired();
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
            fired: Rc::clone(&self.fired),
        }));
        self.next_seq += 1;
        self.cache.clear();
        Subscribed::Added
    }

    /// Drops the `once` subscriptions that fired since the last call (they could not be removed then: the
    /// dispatch does not borrow the emitter).
    fn purge_fired(&mut self) {
        if !self.fired.replace(false) {
            return;
        }
        self.by_key.retain_mut(|(_, list)| {
            list.retain(|l| l.is_alive());
            !list.is_empty()
        });
        self.cache.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    /// A listener as a test writes it: a name (for `==`) and what it does when called.
    #[derive(Clone)]
    struct Cb(&'static str, Rc<dyn Fn()>);
    impl PartialEq for Cb {
        fn eq(&self, other: &Self) -> bool {
            self.0 == other.0
        }
    }

    type Bus = Rc<RefCell<Emitter<&'static str, Cb>>>;

    fn bus() -> Bus {
        Rc::new(RefCell::new(Emitter::new()))
    }

    /// Dispatches as the web shell does: snapshot under a short borrow, release, then call.
    fn emit(bus: &Bus, keys: &[&'static str]) {
        let snap = bus.borrow_mut().snapshot(keys);
        let errors: Vec<()> = dispatch(&snap, |cb: &Cb| {
            (cb.1)();
            Ok(())
        });
        assert!(errors.is_empty());
    }

    fn logger() -> (Rc<RefCell<Vec<&'static str>>>, impl Fn(&'static str) -> Cb) {
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = Rc::clone(&log);
        (log, move |name| {
            let l = Rc::clone(&l);
            Cb(name, Rc::new(move || l.borrow_mut().push(name)))
        })
    }

    #[test]
    fn listeners_run_in_subscription_order_across_keys() {
        let b = bus();
        let (log, cb) = logger();
        b.borrow_mut().on("all", cb("a"));
        b.borrow_mut().on("offered", cb("b"));
        b.borrow_mut().on("all", cb("c"));
        emit(&b, &["offered", "all"]);
        assert_eq!(*log.borrow(), ["a", "b", "c"]);
    }

    #[test]
    fn a_callback_removed_during_a_dispatch_is_not_called_later_in_it() {
        let b = bus();
        let (log, cb) = logger();
        let b2 = Rc::clone(&b);
        let victim = cb("victim");
        let v2 = victim.clone();
        b.borrow_mut().on(
            "e",
            Cb(
                "remover",
                Rc::new(move || {
                    b2.borrow_mut().off(&"e", &v2);
                }),
            ),
        );
        b.borrow_mut().on("e", victim);
        emit(&b, &["e"]);
        emit(&b, &["e"]);
        assert!(log.borrow().is_empty());
    }

    #[test]
    fn a_callback_added_during_a_dispatch_waits_for_the_next_one() {
        let b = bus();
        let (log, cb) = logger();
        let b2 = Rc::clone(&b);
        let late = cb("late");
        b.borrow_mut().on(
            "e",
            Cb(
                "adder",
                Rc::new(move || {
                    b2.borrow_mut().on("e", late.clone());
                }),
            ),
        );
        emit(&b, &["e"]);
        assert!(log.borrow().is_empty());
        emit(&b, &["e"]);
        assert_eq!(*log.borrow(), ["late"]);
    }

    #[test]
    fn the_same_callback_subscribed_twice_is_called_once() {
        let b = bus();
        let (log, cb) = logger();
        assert_eq!(b.borrow_mut().on("e", cb("x")), Subscribed::Added);
        assert_eq!(b.borrow_mut().on("e", cb("x")), Subscribed::AlreadySubscribed);
        assert_eq!(b.borrow_mut().once("e", cb("x")), Subscribed::AlreadySubscribed);
        emit(&b, &["e"]);
        emit(&b, &["e"]);
        assert_eq!(*log.borrow(), ["x", "x"]);
        // One off removes it: there was only one subscription.
        assert!(b.borrow_mut().off(&"e", &cb("x")));
        assert!(!b.borrow_mut().off(&"e", &cb("x")));
    }

    #[test]
    fn the_same_key_listed_twice_does_not_call_twice() {
        let b = bus();
        let (log, cb) = logger();
        b.borrow_mut().on("e", cb("x"));
        emit(&b, &["e", "e"]);
        assert_eq!(*log.borrow(), ["x"]);
    }

    #[test]
    fn once_fires_once_and_can_be_subscribed_again_after() {
        let b = bus();
        let (log, cb) = logger();
        b.borrow_mut().once("e", cb("x"));
        emit(&b, &["e"]);
        emit(&b, &["e"]);
        assert_eq!(*log.borrow(), ["x"]);
        assert_eq!(b.borrow().count(&"e"), 0);
        assert_eq!(b.borrow_mut().once("e", cb("x")), Subscribed::Added);
        emit(&b, &["e"]);
        assert_eq!(*log.borrow(), ["x", "x"]);
    }

    #[test]
    fn off_removes_a_once_that_has_not_fired() {
        let b = bus();
        let (log, cb) = logger();
        b.borrow_mut().once("e", cb("x"));
        assert!(b.borrow_mut().off(&"e", &cb("x")));
        emit(&b, &["e"]);
        assert!(log.borrow().is_empty());
    }

    #[test]
    fn once_fires_once_even_when_dispatches_nest() {
        let b = bus();
        let (log, cb) = logger();
        let b2 = Rc::clone(&b);
        // The first listener re-emits the same event from inside the dispatch.
        let depth = Rc::new(Cell::new(0));
        b.borrow_mut().on(
            "e",
            Cb(
                "nester",
                Rc::new(move || {
                    if depth.replace(depth.get() + 1) == 0 {
                        emit(&b2, &["e"]);
                    }
                }),
            ),
        );
        b.borrow_mut().once("e", cb("once"));
        emit(&b, &["e"]);
        assert_eq!(*log.borrow(), ["once"]);
    }

    #[test]
    fn a_failing_listener_does_not_stop_the_others_and_its_error_comes_back() {
        let mut e: Emitter<&str, &str> = Emitter::new();
        e.on("e", "ok1");
        e.on("e", "bad");
        e.on("e", "ok2");
        let snap = e.snapshot(&["e"]);
        let mut called = Vec::new();
        let errors = dispatch(&snap, |l: &&str| {
            called.push(*l);
            if *l == "bad" {
                Err("boom")
            } else {
                Ok(())
            }
        });
        assert_eq!(called, ["ok1", "bad", "ok2"]);
        assert_eq!(errors, ["boom"]);
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
        // A once that fired is purged from the next snapshot.
        e.once("a", 3);
        let s4 = e.snapshot(&["a"]);
        assert_eq!(dispatch(&s4, |_| Err::<(), ()>(())).len(), 2);
        assert_eq!(e.snapshot(&["a"]).len(), 1);
        assert!(!e.is_empty());
        e.off(&"a", &1);
        e.off(&"b", &2);
        assert!(e.is_empty());
    }
}
