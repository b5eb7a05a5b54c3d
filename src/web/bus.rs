//! The CXBus shell: `CXBus`, `_genesys.widgets.bus` and plugin handles over [`crate::core::bus`].
//!
//! The core decides (routing, buffering, hooks, sticky values); this module turns JS calls into core inputs and
//! performs the core's outputs: it runs hooks and handlers, settles deferreds and queues deliveries. The bus
//! lives in one thread-local `RefCell`, borrowed only to ask the core and never while page code runs: every
//! call snapshots what to do, releases the borrow, then calls out, so callbacks may use the bus again.
//!
//! Delivery is asynchronous, as a **microtask** (`js/deferred.js`, `deliverLater`): a publish returns before any
//! subscriber runs, and subscribers run before the next task (timer, network event). Every publish is also
//! reported to analytics as `CXBus` / `<Namespace>.<event>`.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::analytics;
use super::deferred::Deferred;
use super::js_error;
use super::page;
use crate::core::bus::{
    self as core, Bus, BusError, CommandRejection, Dispatch, Host, PluginId, Publication, Route, Unregistered,
};
use crate::core::text::{concat, Readable};

#[wasm_bindgen(module = "/js/deferred.js")]
extern "C" {
    /// `{fn, active}`: what queued deliveries check, so an unsubscribed callback is never called again.
    fn subscription(callback: &Function) -> JsValue;

    fn cancel(subscription: &JsValue);

    /// `console.warn(message, value)`.
    fn refused(message: &str, value: &JsValue);

    /// Whether two subscription records hold the same function.
    #[wasm_bindgen(js_name = sameCallback)]
    fn same_callback(a: &JsValue, b: &JsValue) -> bool;

    /// Queues the event `{time, publisher, event, data}` for each record of `subscribers` (an array the bus made:
    /// [`Js::snapshot`]). The event object is made there: one call a publish.
    #[wasm_bindgen(js_name = deliverLater)]
    fn deliver_later(subscribers: &JsValue, time: f64, publisher: &JsValue, event: &JsValue, data: &JsValue);

    /// `cache`: the loader may run this handler itself for the next commands of the same name from the same
    /// handle, until `forgetRoutes` (docs/architecture.md, "Rules that live in JS").
    #[wasm_bindgen(js_name = runCommand)]
    fn run_command(
        handler: &Function,
        time: f64,
        commander: &JsValue,
        command: &JsValue,
        deferred: &Deferred,
        data: &JsValue,
        cache: bool,
    );

    #[wasm_bindgen(js_name = runHooks)]
    fn run_hooks(hooks: &Array, data: &JsValue, deferred: &Deferred, cancelled: &str) -> JsValue;

    #[wasm_bindgen(js_name = debugPublish)]
    fn debug_publish(topic: &str, publisher: &str, data: &JsValue, subscribers: u32, sticky: bool);

    #[wasm_bindgen(js_name = debugCommand)]
    fn debug_command(command: &str, commander: &str, data: &JsValue, deferred: &Deferred);

    /// The loader's command cache forgets every route it kept ([`bus_route`]).
    #[wasm_bindgen(js_name = forgetRoutes)]
    fn forget_routes();
}

/// What runs a command: a page function, or a plugin implemented in Rust.
#[derive(Clone)]
pub enum Handler {
    Js {
        function: Function,
        /// `Namespace.command`, made once at registration for every `e.command`.
        command: JsValue,
    },
    Native {
        function: Rc<dyn Fn(NativeCommand)>,
        command: Rc<str>,
    },
}

/// A subscriber's `{fn, active}` record (what its queued deliveries check), or a before-hook's function. One
/// JS reference, so a publish clones one per subscriber. Records are equal when they hold the same function
/// (`unsubscribe(event, cb)`); hooks are never compared. The comparison runs inside the bus's borrow, which is
/// safe because it reads only our own records, never page code.
#[derive(Clone)]
pub struct Callback(JsValue);

impl PartialEq for Callback {
    fn eq(&self, other: &Self) -> bool {
        same_callback(&self.0, &other.0)
    }
}

/// The JS values the core juggles.
pub struct Js;

impl Host for Js {
    type Value = JsValue;
    type Deferred = Deferred;
    type Callback = Callback;
    type Handler = Handler;
    type Name = JsValue;
    type Subscribers = JsValue;

    /// The records as one JS array: a publish is then one call to `deliverLater`, whatever the number of
    /// subscribers.
    fn snapshot<'a>(callbacks: impl Iterator<Item = &'a Callback>) -> JsValue {
        let list = Array::new();
        for c in callbacks {
            list.push(&c.0);
        }
        list.into()
    }
}

struct State {
    bus: Bus<Js>,
    debug: bool,
    /// The bus's epoch and the debug flag when the loader's command cache was last told to forget.
    routes: (u32, bool),
}

thread_local! {
    /// Lives as long as the module, so it is leaked once: [`state`] is the one `LocalKey::with` instance, where a
    /// `with` per call site would be a generic copy each (with the closure's drop glue for the unreachable case).
    static STATE: &'static RefCell<State> = Box::leak(Box::new(RefCell::new(State {
        bus: Bus::new(),
        debug: false,
        routes: (0, false),
    })));
}

fn state() -> &'static RefCell<State> {
    STATE.with(|s| *s)
}

/// Runs `f` on the bus state. `f` must not call page code (see the module docs).
fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    let r = f(&mut state().borrow_mut());
    check_routes();
    r
}

/// Tells the loader's command cache to forget its routes when what a command runs may have changed (the core's
/// [`Bus::epoch`] moved) or debug mode changed (which logs every command from here).
fn check_routes() {
    let mut s = state().borrow_mut();
    let now = (s.bus.epoch(), s.debug);
    if s.routes != now {
        s.routes = now;
        forget_routes();
    }
}

/// A refused call: `false` for the caller, and a console warning naming the call and the problem, then the
/// value as error texts show it ([`page::shown`]: a long string is cut).
fn refuse(call: &str, why: &str, value: &JsValue) -> JsValue {
    refused(
        &concat(&["cxbridge: CXBus ", call, "() refused: ", why]),
        &page::shown(value),
    );
    JsValue::FALSE
}

fn reject(deferred: &Deferred, e: impl Readable) {
    deferred.reject(&js_error(e));
}

/// Performs a command's route: nothing (buffered), a rejection, or hooks then handler. `commander` is the
/// sender's name as a JS string when the command comes straight from `plugin.command`, outside debug mode: then,
/// without before-hooks, the loader may keep the handler to run the next commands of that name itself.
fn perform(route: Route<Js>, commander: Option<&JsValue>) {
    match route {
        Route::Buffered => {}
        Route::Reject { deferred, message } => reject(&deferred, message),
        Route::Unavailable { deferred, message } => reject(&deferred, message),
        Route::Run(dispatch) => run(dispatch, commander),
    }
}

fn run(d: Dispatch<Js>, commander: Option<&JsValue>) {
    let cache = commander.is_some() && d.hooks.is_empty();
    let data = if d.hooks.is_empty() {
        d.data
    } else {
        let hooks = Array::new();
        for h in &d.hooks {
            hooks.push(&h.0);
        }
        let out = run_hooks(&hooks, &d.data, &d.deferred, core::COMMAND_CANCELLED);
        if out.is_undefined() {
            return;
        }
        out
    };
    match d.handler {
        Handler::Js { function, command } => {
            let made;
            let commander = match commander {
                Some(c) => c,
                None => {
                    made = JsValue::from_str(&d.commander);
                    &made
                }
            };
            run_command(&function, d.time, commander, &command, &d.deferred, &data, cache)
        }
        Handler::Native { function, command } => function(NativeCommand {
            command: String::from(&*command),
            commander: String::from(&*d.commander),
            data,
            deferred: d.deferred,
        }),
    }
}

/// Delivers a publication: analytics first (when `record`), then the subscribers (asynchronously). `publisher`
/// is the publisher's name as a JS string when the caller has it at hand.
fn deliver(
    p: &Publication<Js>,
    publisher: Option<&JsValue>,
    data: &JsValue,
    time: f64,
    sticky: bool,
    debug: bool,
    record: bool,
) {
    if record {
        analytics::record_at(crate::core::analytics::Source::CXBus, &p.topic, data, time);
    }
    if debug {
        debug_publish(&p.topic, &p.publisher, data, p.count as u32, sticky);
    }
    let Some(subscribers) = &p.subscribers else {
        return;
    };
    let publisher = match publisher {
        Some(p) => p.clone(),
        None => JsValue::from_str(&p.publisher),
    };
    let topic = match &p.label {
        Some(label) => label.clone(),
        None => JsValue::from_str(&p.topic),
    };
    deliver_later(subscribers, time, &publisher, &topic, data);
}

/// A plugin handle, as `CXBus.registerPlugin(name)` returns it.
#[wasm_bindgen]
pub struct Plugin {
    id: PluginId,
    name: Rc<str>,
    /// The name as a JS string, made once for every `e.commander` and `e.publisher`.
    label: JsValue,
}

impl Plugin {
    /// Registers a plugin from Rust (tests, the built-in handles): the handle, or why not.
    pub fn register(name: &str) -> Result<Plugin, BusError> {
        let id = with(|s| s.bus.register_plugin(name))?;
        Ok(Plugin::handle(id, name))
    }

    /// A built-in plugin (`CXBus`, `WidgetsBus`): registered on first use and ready at once.
    fn builtin(name: &str) -> Result<Plugin, JsValue> {
        let existing = with(|s| s.bus.plugin(name));
        let id = match existing {
            Some(id) => id,
            None => {
                // Ready at once, without publishing `<name>.ready`: nothing waits for the built-ins.
                let plugin = Plugin::register(name).map_err(|e| bus_error(name, e))?;
                with(|s| s.bus.ready(plugin.id));
                plugin.id
            }
        };
        Ok(Plugin::handle(id, name))
    }

    fn handle(id: PluginId, name: &str) -> Plugin {
        Plugin {
            id,
            name: Rc::from(name),
            label: JsValue::from_str(name),
        }
    }
}

fn bus_error(name: &str, why: BusError) -> JsValue {
    js_error(Unregistered {
        what: "plugin",
        name,
        why,
    })
}

/// Every method of a plugin handle, by the name a page calls it with; its place here is its number across the
/// boundary. The loader reads the names at boot ([`plugin_methods`]) and puts each on the handles' prototype,
/// calling [`plugin_call`] with its place. `configure` is `CXBus.configure`, which only the global has.
const METHODS: [&str; 13] = [
    "publish",
    "republish",
    "subscribe",
    "unsubscribe",
    "command",
    "registerCommand",
    "registerEvents",
    "before",
    "data",
    "ready",
    "namespace",
    "registerPlugin",
    "configure",
];

/// The number of the method `name`, worked out when the crate is compiled: a name not in [`METHODS`] does not
/// build.
#[allow(clippy::indexing_slicing, clippy::panic)]
const fn method(name: &str) -> u32 {
    let name = name.as_bytes();
    let mut i = 0;
    'methods: while i < METHODS.len() {
        let m = METHODS[i].as_bytes();
        i += 1;
        if m.len() != name.len() {
            continue;
        }
        let mut j = 0;
        while j < m.len() {
            if m[j] != name[j] {
                continue 'methods;
            }
            j += 1;
        }
        return i as u32 - 1;
    }
    panic!("not a plugin method")
}

const PUBLISH: u32 = method("publish");
const REPUBLISH: u32 = method("republish");
const SUBSCRIBE: u32 = method("subscribe");
const UNSUBSCRIBE: u32 = method("unsubscribe");
const COMMAND: u32 = method("command");
const REGISTER_COMMAND: u32 = method("registerCommand");
const REGISTER_EVENTS: u32 = method("registerEvents");
const BEFORE: u32 = method("before");
const DATA: u32 = method("data");
const READY: u32 = method("ready");
const NAMESPACE: u32 = method("namespace");
const REGISTER_PLUGIN: u32 = method("registerPlugin");
const CONFIGURE: u32 = method("configure");

/// The plugin methods' names, in the order of their numbers ([`METHODS`]).
#[wasm_bindgen(js_name = pluginMethods)]
pub fn plugin_methods() -> Array {
    let names = Array::new();
    for m in METHODS {
        names.push(&JsValue::from_str(m));
    }
    names
}

/// How a plugin method with a name first refuses a value that is not a string.
const EVENT_NAME: &str = "an event name must be a string";
const COMMAND_NAME: &str = "a command name must be a string";

impl Plugin {
    /// Every plugin method. The checks the methods share (a name that must be a string, a callback that must be
    /// a function) are made once, here: one export carries all the methods, so one copy of each refusal serves
    /// them all.
    fn call(&self, method: u32, a: JsValue, b: JsValue) -> JsValue {
        let (why, callback) = match method {
            REGISTER_EVENTS => return self.register_events_impl(a).into(),
            READY => {
                let (_, routes) = with(|s| s.bus.ready(self.id));
                for route in routes {
                    perform(route, None);
                }
                return JsValue::UNDEFINED;
            }
            CONFIGURE => {
                bus_configure(a);
                return JsValue::UNDEFINED;
            }
            PUBLISH | REPUBLISH | UNSUBSCRIBE => (EVENT_NAME, ""),
            SUBSCRIBE => (EVENT_NAME, "the callback must be a function"),
            COMMAND => (COMMAND_NAME, ""),
            REGISTER_COMMAND => (COMMAND_NAME, "the handler must be a function"),
            BEFORE => (COMMAND_NAME, "the hook must be a function"),
            DATA => ("a data key must be a string", ""),
            REGISTER_PLUGIN => ("a plugin name must be a string", ""),
            // The name as a JS string was made once, at registration.
            NAMESPACE => return self.label.clone(),
            _ => return JsValue::UNDEFINED,
        };
        let call = METHODS.get(method as usize).copied().unwrap_or_default();
        let Some(name) = a.as_string() else {
            // A command answers with a deferred, even to a bad name.
            if method == COMMAND {
                let deferred = Deferred::new();
                reject(&deferred, CommandRejection(core::COMMAND_NOT_A_STRING));
                return deferred.into();
            }
            return refuse(call, why, &a);
        };
        if !callback.is_empty() && !b.is_function() {
            return refuse(call, callback, &a);
        }
        // Every refusal by the core is reported at the end, once.
        let result = match method {
            PUBLISH | REPUBLISH => self
                .publish_named(&name, &b, method == REPUBLISH)
                .map(|()| JsValue::TRUE),
            SUBSCRIBE => self.subscribe_named(&name, &a, b.unchecked_into()),
            UNSUBSCRIBE => {
                let callback = if b.is_undefined() || b.is_null() {
                    None
                } else if b.is_function() {
                    Some(Callback(subscription(b.unchecked_ref())))
                } else {
                    return refuse(call, "the callback must be a function", &a);
                };
                with(|s| s.bus.unsubscribe(self.id, &name, callback.as_ref())).map(|removed| {
                    for r in &removed {
                        cancel(&r.0);
                    }
                    (!removed.is_empty()).into()
                })
            }
            COMMAND => Ok(self.command_named(&name, b).into()),
            REGISTER_COMMAND => {
                let full = if core::has_dot(&name) {
                    name.clone()
                } else {
                    concat(&[&self.name, ".", &name])
                };
                let handler = Handler::Js {
                    function: b.unchecked_into(),
                    command: JsValue::from_str(&full),
                };
                with(|s| s.bus.register_command(self.id, &name, handler)).map(|()| JsValue::TRUE)
            }
            BEFORE => with(|s| s.bus.before(self.id, &name, Callback(b))).map(|()| JsValue::TRUE),
            DATA => self.data_named(&name, b),
            _ => Plugin::register(&name).map(JsValue::from),
        };
        result.unwrap_or_else(|e| refuse(call, e.why(), &a))
    }

    fn publish_named(&self, name: &str, data: &JsValue, sticky: bool) -> Result<(), BusError> {
        let now = js_sys::Date::now();
        let (result, debug) = with(|s| (s.bus.publish(self.id, name, data, sticky, now), s.debug));
        let p = result?;
        deliver(&p, Some(&self.label), data, now, sticky, debug, true);
        Ok(())
    }

    fn subscribe_named(&self, name: &str, event: &JsValue, callback: Function) -> Result<JsValue, BusError> {
        let subscriber = Callback(subscription(&callback));
        let result = with(|s| {
            s.bus
                .subscribe(self.id, name, event.clone(), subscriber.clone())
                .map(|sticky| sticky.map(|st| (st.publisher.clone(), st.time, st.data.clone())))
        });
        if let Some((publisher, time, data)) = result? {
            let publisher = JsValue::from_str(&publisher);
            let one = Js::snapshot(std::iter::once(&subscriber));
            deliver_later(&one, time, &publisher, event, &data);
        }
        Ok(event.clone())
    }

    fn command_named(&self, name: &str, data: JsValue) -> Deferred {
        let deferred = Deferred::new();
        let now = js_sys::Date::now();
        let debug = with(|s| s.debug);
        if debug {
            debug_command(name, &self.name, &data, &deferred);
        }
        let route = with(|s| s.bus.command(self.id, name, data, deferred.clone(), now));
        perform(route, (!debug).then_some(&self.label));
        deferred
    }

    fn register_events_impl(&self, names: JsValue) -> bool {
        if !page::is_list(&names) {
            refuse("registerEvents", "expected an array of event names", &names);
            return false;
        }
        let list = match page::string_list(&names, "the event names", page::MAX_ITEMS) {
            Ok(list) => list,
            Err(e) => {
                refuse("registerEvents", &page::thrown_text(&e), &names);
                return false;
            }
        };
        let mut strings = Vec::with_capacity(list.len());
        for v in list {
            match v {
                Some(s) => strings.push(s),
                None => {
                    refuse("registerEvents", "an event name must be a string", &names);
                    return false;
                }
            }
        }
        match with(|s| s.bus.register_events(self.id, strings.iter().map(String::as_str))) {
            Ok(()) => true,
            Err(e) => {
                refuse("registerEvents", e.why(), &names);
                false
            }
        }
    }

    fn data_named(&self, name: &str, value: JsValue) -> Result<JsValue, BusError> {
        if value.is_undefined() {
            return with(|s| {
                s.bus
                    .data(self.id, name)
                    .map(|v| v.cloned().unwrap_or(JsValue::UNDEFINED))
            });
        }
        let now = js_sys::Date::now();
        let (result, debug) = with(|s| (s.bus.set_data(self.id, name, value.clone(), now), s.debug));
        deliver(&result?, Some(&self.label), &value, now, false, debug, true);
        Ok(JsValue::TRUE)
    }

    /// `plugin.publish(event, data)`: `<Namespace>.<event>` to its subscribers; `false` (with a warning) for an
    /// event in another namespace or a malformed name.
    pub fn publish(&self, event: JsValue, data: JsValue) -> bool {
        self.call(PUBLISH, event, data).is_truthy()
    }

    /// `plugin.republish(event, data)`: like `publish`, and later subscribers get this data at once.
    pub fn republish(&self, event: JsValue, data: JsValue) -> bool {
        self.call(REPUBLISH, event, data).is_truthy()
    }

    /// `plugin.subscribe('Other.event', cb)`: the event name, or `false` with a warning.
    pub fn subscribe(&self, event: JsValue, callback: JsValue) -> JsValue {
        self.call(SUBSCRIBE, event, callback)
    }

    /// `plugin.unsubscribe(event)` removes this plugin's callbacks for the event; `(event, cb)` only `cb`.
    /// Returns whether anything was removed.
    pub fn unsubscribe(&self, event: JsValue, callback: JsValue) -> bool {
        self.call(UNSUBSCRIBE, event, callback).is_truthy()
    }

    /// `plugin.command('Other.cmd', data)`: a deferred. A name without a dot is this plugin's own command.
    pub fn command(&self, command: JsValue, data: JsValue) -> Deferred {
        self.call(COMMAND, command, data).unchecked_into()
    }

    /// `plugin.registerCommand(name, fn)`: `fn(e)` with `e = {time, commander, command, deferred, data}`.
    pub fn register_command(&self, name: JsValue, handler: JsValue) -> bool {
        self.call(REGISTER_COMMAND, name, handler).is_truthy()
    }

    /// `plugin.registerEvents([names])`: declares the plugin's events (publishing others is still allowed).
    pub fn register_events(&self, names: JsValue) -> bool {
        self.register_events_impl(names)
    }

    /// `plugin.before('Other.cmd', fn)`: `fn(options)` returns the options to use, or a non-object to cancel.
    pub fn before(&self, command: JsValue, hook: JsValue) -> bool {
        self.call(BEFORE, command, hook).is_truthy()
    }

    /// `plugin.data(key)` reads `Namespace.key` (or the plugin's own `key`); `plugin.data(key, value)` sets the
    /// plugin's own datum, publishes `<Namespace>.data.<key>` and returns `true`. `undefined` as the value reads.
    pub fn data(&self, key: JsValue, value: JsValue) -> JsValue {
        self.call(DATA, key, value)
    }

    /// `plugin.ready()`: runs the commands buffered meanwhile, in order. It publishes nothing: as in the vendor's
    /// extension example, a plugin announces itself with `republish('ready')`, so `ready()` adding a second
    /// `<Namespace>.ready` would deliver it twice.
    pub fn ready(&self) {
        self.call(READY, JsValue::UNDEFINED, JsValue::UNDEFINED);
    }

    /// The plugin's namespace.
    pub fn namespace(&self) -> String {
        String::from(&*self.name)
    }

    /// `_genesys.widgets.bus.registerPlugin(name)`, as `CXBus.registerPlugin`.
    pub fn register_plugin(&self, name: JsValue) -> JsValue {
        self.call(REGISTER_PLUGIN, name, JsValue::UNDEFINED)
    }
}

/// Every plugin method, in one export: the loader puts `publish`, `subscribe`, … on the handles' prototype, each
/// calling this with its number (its place in [`METHODS`]). One export instead of twelve: each had its own
/// wasm-bindgen shim with the arguments' conversions, and wasm-opt copied the method's body into it.
#[wasm_bindgen(js_name = pluginCall)]
pub fn plugin_call(plugin: &Plugin, method: u32, a: JsValue, b: JsValue) -> JsValue {
    plugin.call(method, a, b)
}

/// A command addressed to a plugin implemented in Rust (WebChatService), after routing and before-hooks.
pub struct NativeCommand {
    /// The command's name without the namespace, e.g. `startChat`.
    pub command: String,
    /// The namespace of the plugin that sent it, e.g. `CXBus` or `MyPlugin` (private commands check it).
    pub commander: String,
    /// The options, as the caller gave them (after any before-hook replaced them).
    pub data: JsValue,
    /// Resolve or reject it; the caller holds the same deferred.
    pub deferred: Deferred,
}

/// Registers a plugin whose commands are handled in Rust. `commands` are the names it answers; the bus
/// rejects others with "Command does not exist". The plugin is ready at once (it does not publish
/// `<name>.ready` itself: the plugin republishes it when it is really ready).
pub fn register_native_plugin(
    name: &str,
    commands: &[&str],
    handler: Rc<dyn Fn(NativeCommand)>,
) -> Result<(), JsValue> {
    let id = with(|s| s.bus.register_plugin(name)).map_err(|e| bus_error(name, e))?;
    let mut result = Ok(());
    for command in commands {
        let h = Handler::Native {
            function: handler.clone(),
            command: Rc::from(*command),
        };
        if let Err(e) = with(|s| s.bus.register_command(id, command, h)) {
            result = Err(js_error(Unregistered {
                what: "command",
                name: command,
                why: e,
            }));
        }
    }
    // Ready even after a refused command name, so the others work and nothing waits forever.
    let (_, routes) = with(|s| s.bus.ready(id));
    for route in routes {
        perform(route, None);
    }
    result
}

fn publish_in(namespace: &str, event: &str, data: &JsValue, sticky: bool, record: bool) {
    let now = js_sys::Date::now();
    let (result, debug) = with(|s| (s.bus.publish_in(namespace, event, data, sticky, now), s.debug));
    match result {
        Ok(p) => deliver(&p, None, data, now, sticky, debug, record),
        Err(e) => {
            refuse("publish", e.why(), &JsValue::from_str(event));
        }
    }
}

/// Whether the built-in plugin `name` gives its name up to a page plugin that registers under it (see
/// [`crate::core::bus::Bus::set_yields`]).
pub fn set_yields(name: &str, yields: bool) {
    with(|s| s.bus.set_yields(name, yields));
}

/// Whether the built-in plugin `name` gave its name up to a page plugin.
pub fn yielded(name: &str) -> bool {
    with(|s| s.bus.yielded(name))
}

/// Publishes `<namespace>.<event>` with `public` — a copy without credentials — for analytics and the debug log.
pub fn publish_as_public(namespace: &str, event: &str, data: &JsValue, public: &JsValue) {
    let now = js_sys::Date::now();
    let (result, debug) = with(|s| (s.bus.publish_in(namespace, event, data, false, now), s.debug));
    match result {
        Ok(p) => {
            analytics::record_at(crate::core::analytics::Source::CXBus, &p.topic, public, now);
            if debug {
                debug_publish(&p.topic, &p.publisher, public, p.count as u32, false);
            }
            deliver(&p, None, data, now, false, false, false);
        }
        Err(e) => {
            refuse("publish", e.why(), &JsValue::from_str(event));
        }
    }
}

/// Publishes `<namespace>.<event>` as the built-in plugin `namespace` would (WebChatService, EngageDigital).
pub fn publish_as(namespace: &str, event: &str, data: &JsValue) {
    publish_in(namespace, event, data, false, true);
}

/// [`publish_as`] for a source that reports its events to analytics itself (the embedded bridge records them as
/// `EngageDigitalEmbeddedUI`), so each event reaches analytics once, under the source that produced it — and a
/// page plugin that happens to be named like that source keeps its own events recorded.
pub fn publish_as_unrecorded(namespace: &str, event: &str, data: &JsValue) {
    publish_in(namespace, event, data, false, false);
}

/// Like [`publish_as`], but sticky: later subscribers get the last data at once (`ready`).
pub fn republish_as(namespace: &str, event: &str, data: &JsValue) {
    publish_in(namespace, event, data, true, true);
}

/// Creates the built-in plugins; with globals, honours `_genesys.widgets.main.debug` as Genesys Widgets does.
pub(crate) fn boot(globals: bool) -> Result<(), JsValue> {
    Plugin::builtin(CXBUS)?;
    Plugin::builtin(WIDGETS_BUS)?;
    if globals {
        read_main_debug();
    }
    Ok(())
}

/// `_genesys.widgets.main.debug: true` turns debug mode on (read at boot, and again when widgets-core starts:
/// a configuration assigned after the bundle counts). `onReady` and the extensions are js/widgets.js's.
pub(crate) fn read_main_debug() {
    if page::global_at("_genesys.widgets.main.debug", &JsValue::UNDEFINED).as_bool() == Some(true) {
        with(|s| s.debug = true);
    }
}

/// Whether a plugin named `name` is registered (ready or not).
pub(crate) fn has_plugin(name: &str) -> bool {
    with(|s| s.bus.plugin(name).is_some())
}

/// widgets-core's `App.ready`, republished (sticky) once when widgets-core starts, with `{}` as its data. A
/// lifecycle signal of the loader, not a page's event: analytics does not record it. Nothing when a plugin named
/// `App` is registered already (the page's own, or an earlier start).
pub(crate) fn republish_app_ready() -> Result<(), JsValue> {
    if has_plugin(APP) {
        return Ok(());
    }
    Plugin::builtin(APP)?;
    publish_in(APP, "ready", &js_sys::Object::new().into(), true, false);
    Ok(())
}

const CXBUS: &str = "CXBus";
const WIDGETS_BUS: &str = "WidgetsBus";
const APP: &str = "App";

/// `CXBus.registerPlugin(name)`: a handle, or `false` (with a warning) when the name is not a string, is
/// malformed or is taken.
pub fn bus_register_plugin(name: JsValue) -> JsValue {
    match bus_global() {
        Ok(cxbus) => cxbus.register_plugin(name),
        Err(e) => e,
    }
}

/// `CXBus.configure({debug, pluginsPath, pluginFilenameFormat})`; the vendor's other options are accepted and
/// have nothing to change here.
pub fn bus_configure(config: JsValue) {
    if !config.is_object() {
        refuse("configure", "expected an object such as {debug: true}", &config);
        return;
    }
    let debug = js_sys::Reflect::get(&config, &JsValue::from_str("debug")).unwrap_or(JsValue::UNDEFINED);
    if !debug.is_undefined() {
        let on = debug.is_truthy();
        with(|s| s.debug = on);
    }
    super::widgets::configure(&config);
}

/// The built-in `CXBus` plugin, which `CXBus.command/subscribe/data` act as.
pub fn bus_global() -> Result<Plugin, JsValue> {
    Plugin::builtin(CXBUS)
}

/// `_genesys.widgets.bus`: a ready-made plugin handle.
pub fn widgets_bus() -> Result<Plugin, JsValue> {
    Plugin::builtin(WIDGETS_BUS)
}

/// The loader's handle of [`widgets_bus`] or, with `false`, of [`bus_global`]: one export for both.
#[wasm_bindgen(js_name = busHandle)]
pub fn bus_handle(widgets: bool) -> Result<Plugin, JsValue> {
    Plugin::builtin(if widgets { WIDGETS_BUS } else { CXBUS })
}
