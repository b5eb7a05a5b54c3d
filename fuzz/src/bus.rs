//! CXBus routing: plugins, commands, before-hooks, buffering until `ready()`, subscriptions, sticky events and
//! shared data, with any names a page can pass (CXBus is every other area's front door).

use std::collections::HashSet;

use cxbridge::core::bus::{Bus, Host, PluginId, Route};

use crate::input::Src;

struct Fuzz;

impl Host for Fuzz {
    type Value = u32;
    type Deferred = u32;
    type Callback = u32;
    type Handler = u32;
    type Name = String;
    type Subscribers = Vec<u32>;
    fn snapshot<'a>(callbacks: impl Iterator<Item = &'a u32>) -> Vec<u32> {
        callbacks.copied().collect()
    }
}

const NAMES: &[&str] = &[
    "A",
    "B",
    "WebChatService",
    "A.cmd",
    "B.cmd",
    "cmd",
    "A.ev",
    "B.ev",
    "ev",
    "A.data.k",
    "k",
    "A.",
    ".cmd",
    ".",
    "",
    "A.b.c",
    "WebChatService.poll",
    "WebChatService.restore",
    "ready",
    "A.ready",
];

/// Checks every route: a deferred is settled (run or rejected) at most once, and only one that was sent.
struct Ledger {
    sent: u32,
    settled: HashSet<u32>,
}

impl Ledger {
    fn route(&mut self, route: Route<Fuzz>) {
        let deferred = match route {
            Route::Run(d) => d.deferred,
            Route::Reject { deferred, message } => {
                assert!(!message.0.is_empty());
                deferred
            }
            Route::Unavailable { deferred, message } => {
                assert!(message.0.contains("cxbridge"));
                deferred
            }
            Route::Buffered => return,
        };
        assert!(deferred < self.sent, "deferred {deferred} was never sent");
        assert!(self.settled.insert(deferred), "deferred {deferred} routed twice");
    }
}

/// Any sequence of bus calls with any names: no panic, every command routed at most once, and a plugin's
/// publication is always in its own namespace.
pub fn bus_routing(data: &[u8]) {
    let mut s = Src::new(data);
    let mut bus: Bus<Fuzz> = Bus::new();
    let mut plugins: Vec<(PluginId, String)> = Vec::new();
    let mut ledger = Ledger {
        sent: 0,
        settled: HashSet::new(),
    };
    let mut next = 0u32;
    let mut now = 0.0;
    while !s.is_empty() {
        now += 1.0;
        next += 1;
        let op = s.below(11);
        if op == 0 || plugins.is_empty() {
            let name = s.str(NAMES);
            match bus.register_plugin(&name) {
                Ok(id) => {
                    assert!(!name.is_empty() && !name.contains('.'));
                    plugins.push((id, name));
                }
                Err(e) => assert!(!e.why().is_empty()),
            }
            continue;
        }
        let Some((id, own)) = s.pick(&plugins).cloned() else {
            continue;
        };
        let name = s.str(NAMES);
        match op {
            1 => {
                let _ = bus.register_command(id, &name, next);
            }
            2 => {
                let (_, routes) = bus.ready(id);
                for r in routes {
                    ledger.route(r);
                }
            }
            3 | 4 => {
                let deferred = ledger.sent;
                ledger.sent += 1;
                let r = bus.command(id, &name, next, deferred, now);
                ledger.route(r);
            }
            5 => {
                let _ = bus.before(id, &name, next);
            }
            6 => {
                let _ = bus.subscribe(id, &name, name.clone(), next % 8);
            }
            7 => {
                let cb = if s.bool() { Some(next % 8) } else { None };
                let _ = bus.unsubscribe(id, &name, cb.as_ref());
            }
            8 => {
                if let Ok(p) = bus.publish(id, &name, &next, s.bool(), now) {
                    assert!(
                        p.topic
                            .strip_prefix(own.as_str())
                            .is_some_and(|r| r.starts_with('.')),
                        "{own} published {:?} outside its namespace",
                        p.topic
                    );
                }
            }
            9 => {
                if let Ok(p) = bus.set_data(id, &name, next, now) {
                    assert!(p.topic.starts_with(own.as_str()), "{own} set {:?}", p.topic);
                }
                let _ = bus.data(id, &name);
            }
            _ => {
                let ns = s.str(NAMES);
                let _ = bus.publish_in(&ns, &name, &next, s.bool(), now);
                let _ = bus.register_events(id, [name.as_str(), ns.as_str()]);
            }
        }
    }
}
