//! The analytics shell: turns every event the areas [`record`] into an envelope, pushes it onto the page's
//! dataLayer, and carries it to the collector with the core's delivery policy (`core::analytics::delivery`):
//! `fetch` with `keepalive`, `navigator.sendBeacon` chunks when the page goes away, and a queue in localStorage
//! that the next page load picks up. CIF's `logAnalyticsEvent` lives here too (its `Microsoft.CIFramework` shim,
//! which must exist before the wasm does, is `js/cif.js`). The browser calls themselves are in `js/analytics.js`;
//! this module decides when to make them.
//!
//! Re-entrancy: a dataLayer push runs the tag manager's listeners synchronously, and `record` is called from
//! inside other areas' dispatches. So `record` only notes the event; a microtask does the rest, and no
//! `RefCell` borrow is held while page code runs.
//!
//! What is held, queued, stored and adopted is the core's outbox (`core::analytics::outbox`); here each page
//! instance's storage key is `cxbridge.analytics.q.<uuid>`, written with the outbox's record after every change.

use std::cell::RefCell;

use js_sys::{Array, Function, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::clock::Alarm;
use super::{js_error, page};

use crate::core::analytics::config::{Config, Format};
use crate::core::analytics::delivery::Outcome;
use crate::core::analytics::outbox::{self, Outbox, Queued};
use crate::core::analytics::problem::Problem;
use crate::core::analytics::{cif, push_joined, retry_after_seconds, AnalyticsError, Input, Source};
use crate::core::text::Readable;

/// The browser calls, in `js/analytics.js`: as web-sys glue they would cost the wasm several times their size.
#[wasm_bindgen(module = "/js/analytics.js")]
extern "C" {
    fn envelope(
        id: &str,
        source: &str,
        name: &str,
        data: &JsValue,
        correlation_id: &JsValue,
        mismatch: &JsValue,
        at: f64,
    ) -> Object;
    fn stringify(value: &JsValue, limit: f64) -> Option<String>;
    fn uuid() -> String;
    #[wasm_bindgen(js_name = pushDataLayer)]
    fn push_data_layer(layer: &str, env: &JsValue);
    #[wasm_bindgen(js_name = segmentBody)]
    fn segment_body(
        envelopes_json: &str,
        anonymous_id: &str,
        write_key: Option<String>,
        version: &str,
    ) -> String;
    /// Calls `answered(status)` with the HTTP status, or with -1 when the request failed.
    fn post(url: &str, body: &str, answered: &Function);
    /// The `Retry-After` header of the last answer `post` reported.
    #[wasm_bindgen(js_name = retryAfter)]
    fn retry_after_header() -> Option<String>;
    fn beacon(url: &str, body: &str) -> bool;
    /// Writes (or, for `None`, removes) a key; with `warn`, a failure is a console warning, the first time only.
    fn store(key: &str, text: Option<String>, warn: bool);
    /// The anonymous id kept in localStorage across visits, made and stored the first time.
    #[wasm_bindgen(js_name = storedAnonymousId)]
    fn stored_anonymous_id() -> String;
    /// The queues other pages left in storage under `prefix` (this page's key `own` aside), as read.
    #[wasm_bindgen(js_name = storedQueues)]
    fn stored_queues(prefix: &str, own: &str) -> Array;
    /// One page's stored queue, parsed (`core::analytics::outbox` describes the record).
    type StoredQueue;
    #[wasm_bindgen(method, getter)]
    fn key(this: &StoredQueue) -> String;
    /// When it was written (NaN when the record says nothing readable).
    #[wasm_bindgen(method, getter)]
    fn t(this: &StoredQueue) -> f64;
    #[wasm_bindgen(method, getter)]
    fn closed(this: &StoredQueue) -> bool;
    /// Its envelopes as `[id, json, id, json, …]` (those with a string id).
    #[wasm_bindgen(method, getter)]
    fn q(this: &StoredQueue) -> Array;
    /// Its held dataLayer pushes, as JSON.
    #[wasm_bindgen(method, getter)]
    fn dl(this: &StoredQueue) -> Array;
    /// Calls `on(0)` on `pagehide`, `on(1)` when the page is hidden, `on(2)` when it shows, `on(3)` on `online`.
    /// Returns the function that removes the listeners again.
    #[wasm_bindgen(js_name = listenPage)]
    fn listen_page(on: &Function) -> Function;
    #[wasm_bindgen(js_name = stats)]
    fn stats_object(
        queued: f64,
        delivered: f64,
        rejected: f64,
        dropped: f64,
        retries: f64,
        pending: f64,
        held: f64,
    ) -> JsValue;
    /// A pending promise whose resolvers `js/analytics.js` keeps (a `Promise::new` closure costs the wasm a shim).
    #[wasm_bindgen(js_name = promise)]
    fn new_promise() -> Promise;
    /// Resolves `p` with `value`, or rejects it with `value` (an `Error` from [`js_error`]).
    #[wasm_bindgen(js_name = settle)]
    fn settle_promise(p: &Promise, value: &JsValue, ok: bool);
    /// `console.warn(text)` (`warning`) or `console.error(text)`, never throwing.
    fn report(text: &str, warning: bool);
    /// The `source` of an envelope's JSON (`"undefined"` when it has none).
    #[wasm_bindgen(js_name = envelopeSource)]
    fn envelope_source(json: &str) -> String;
    /// The `event.name` of an envelope's JSON (`"undefined"` when it has none).
    #[wasm_bindgen(js_name = envelopeName)]
    fn envelope_name(json: &str) -> String;
}

const KEY_PREFIX: &str = "cxbridge.analytics.q.";

/// An event as recorded: cheap to keep (no id, no envelope yet), so recording costs a bus publish next to nothing
/// and the 200 held before `configure` cost only their references.
struct Recorded {
    source: Source,
    name: String,
    data: JsValue,
    /// CIF's `correlationId` as given (a string, or undefined/null for none: validated already).
    correlation_id: JsValue,
    /// An embedded event's differences from the catalog (an array of strings), or undefined.
    mismatch: JsValue,
    /// The envelope id when it had to be made at once (CIF's promise resolves to it before `configure`).
    id: Option<String>,
    /// `Date.now()` when it happened: the envelope's timestamp.
    at: f64,
    /// `logAnalyticsEvent`'s promise (its resolvers are kept in `js/analytics.js`), settled once the envelope is
    /// durably queued.
    settle: Option<Promise>,
}

struct State {
    /// The configuration, the early and consent holds, the queue and its payloads.
    outbox: Outbox<Recorded>,
    /// The batch whose fetch is out (its answer comes back through [`Callbacks`]), and its body's length: a 413
    /// on one envelope names it.
    in_flight: Option<(u64, usize)>,
    /// Recorded, not yet processed (see the module docs on re-entrancy).
    pending: Vec<Recorded>,
    drain_scheduled: bool,
    storage_key: Option<String>,
    anonymous_id: Option<String>,
    callbacks: Option<Callbacks>,
    listeners: Option<Listeners>,
}

/// The callbacks handed to the browser again and again (the drain microtask, the answer to the one fetch in
/// flight): made once, owned here for the life of the page.
struct Callbacks {
    /// `FnMut(JsValue)` like `answered`, though the microtask passes nothing: one closure type, one set of shims.
    drain: Closure<dyn FnMut(JsValue)>,
    /// The status, or -1 for a failed request: a `JsValue`, since a closure signature of its own would cost the
    /// glue a shim.
    answered: Closure<dyn FnMut(JsValue)>,
}

/// `pagehide`, `visibilitychange` and `online` listeners (added in `js/analytics.js`); removed on drop.
struct Listeners {
    remove: Function,
    _on: Closure<dyn FnMut(JsValue)>,
}

impl Drop for Listeners {
    fn drop(&mut self) {
        let _ = self.remove.call0(&JsValue::UNDEFINED);
    }
}

thread_local! {
    /// Lives as long as the module, so it is leaked once: [`state`] is the one `LocalKey::with` instance, where a
    /// `with` per call site would be a generic copy each (with the closure's drop glue for the unreachable case).
    static STATE: &'static RefCell<State> = Box::leak(Box::new(RefCell::new(State {
        outbox: Outbox::new(),
        in_flight: None,
        pending: Vec::new(),
        drain_scheduled: false,
        storage_key: None,
        anonymous_id: None,
        callbacks: None,
        listeners: None,
    })));
}

fn state() -> &'static RefCell<State> {
    STATE.with(|s| *s)
}

fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    f(&mut state().borrow_mut())
}

fn now() -> u64 {
    js_sys::Date::now() as u64
}

/// Tells the page about `problem` on the console; returns its message (for a promise it rejects too).
fn tell(problem: Problem) -> String {
    let warning = problem.is_warning();
    let text = problem.message();
    report(&text, warning);
    text
}

/// Converts a JS value into the core's [`Input`], `depth` containers deep. `v` must be our own plain copy
/// ([`page::plain_copy`]): reading it runs no page code.
fn to_input(v: &JsValue, depth: u32) -> Input {
    if v.is_undefined() {
        Input::Missing
    } else if v.is_null() {
        Input::Null
    } else if let Some(b) = v.as_bool() {
        Input::Bool(b)
    } else if let Some(n) = v.as_f64() {
        Input::Number(n)
    } else if let Some(s) = v.as_string() {
        Input::Str(s)
    } else if page::is_list(v) {
        if depth == 0 {
            return Input::Other("array");
        }
        let list: &Array = v.unchecked_ref();
        let mut items = Vec::new();
        for x in list.iter() {
            items.push(to_input(&x, depth - 1));
        }
        Input::List(items)
    } else if v.is_function() {
        Input::Other("function")
    } else if v.is_object() {
        if depth == 0 {
            return Input::Other("object");
        }
        #[allow(clippy::disallowed_methods)] // a plain copy: its keys are data, with no getters or traps
        let entries = Object::entries(v.unchecked_ref());
        let mut map = Vec::new();
        for e in entries.iter() {
            let e: Array = e.unchecked_into();
            map.push((
                e.get(0).as_string().unwrap_or_default(),
                to_input(&e.get(1), depth - 1),
            ));
        }
        Input::Map(map)
    } else if v.is_bigint() {
        Input::Other("bigint")
    } else if v.is_symbol() {
        Input::Other("symbol")
    } else {
        Input::Other("unknown")
    }
}

/// A page value as the core's [`Input`]: copied into plain data first (where the page's getters and traps run,
/// caught), then converted. The error is a JS `Error` naming what could not be read.
fn page_input(v: &JsValue, what: &str, depth: u32) -> Result<Input, JsValue> {
    Ok(to_input(&page::plain_copy(v, what, depth)?, depth))
}

/// Where every area reports each event it emits, under its own [`Source`]. Cheap and re-entrant: the event's
/// timestamp is the moment of this call, everything else happens in a microtask.
pub fn record(source: Source, name: &str, data: &JsValue) {
    record_at(source, name, data, js_sys::Date::now());
}

/// [`record`] of an event its source stamped `at` (ms) already: one clock read for both (every CXBus publish).
pub fn record_at(source: Source, name: &str, data: &JsValue, at: f64) {
    record_marked_at(source, name, data, &JsValue::UNDEFINED, at);
}

/// [`record`], with `mismatch` (an array of strings, or undefined) carried on the envelope's event as
/// `catalogMismatch`: how an embedded event's payload differs from the vendor's catalog.
pub fn record_marked(source: Source, name: &str, data: &JsValue, mismatch: &JsValue) {
    record_marked_at(source, name, data, mismatch, js_sys::Date::now());
}

fn record_marked_at(source: Source, name: &str, data: &JsValue, mismatch: &JsValue, at: f64) {
    let filtered =
        with(|s| matches!(s.outbox.config(), Some(c) if !c.has_destination() || !c.accepts(source, name)));
    if filtered {
        return;
    }
    enqueue(Recorded {
        source,
        name: name.to_string(),
        data: data.clone(),
        correlation_id: JsValue::UNDEFINED,
        mismatch: mismatch.clone(),
        id: None,
        at,
        settle: None,
    });
}

/// Makes the [`Callbacks`] on first use: before anything can be sent or scheduled.
fn ensure_callbacks(s: &mut State) {
    if s.callbacks.is_none() {
        s.callbacks = Some(Callbacks {
            drain: Closure::new(|_: JsValue| drain()),
            answered: Closure::new(answered),
        });
    }
}

/// Queues a recorded event for the drain microtask, or holds it until the first `configure`.
fn enqueue(r: Recorded) {
    let schedule = with(|s| {
        if s.outbox.config().is_none() {
            return Some(Err(s.outbox.hold_early(r)));
        }
        s.pending.push(r);
        let first = !s.drain_scheduled;
        s.drain_scheduled = true;
        ensure_callbacks(s);
        first
            .then(|| {
                s.callbacks
                    .as_ref()
                    .map(|c| c.drain.as_ref().unchecked_ref::<Function>().clone())
            })
            .flatten()
            .map(Ok)
    });
    match schedule {
        Some(Ok(cb)) => super::page::soon(&cb),
        Some(Err(true)) => {
            tell(Problem::DroppedEarly);
        }
        _ => {}
    }
}

/// Processes what was recorded: held until the first `configure`, then filtered, pushed onto the dataLayer,
/// queued for the collector and persisted; `logAnalyticsEvent` promises settle after the write to storage.
fn drain() {
    loop {
        let (mut batch, config) = with(|s| {
            s.drain_scheduled = false;
            (std::mem::take(&mut s.pending), s.outbox.config().cloned())
        });
        if batch.is_empty() {
            return;
        }
        let Some(config) = config else { return };
        let mut settled = Vec::new();
        for r in &mut batch {
            let id = r.id.clone().unwrap_or_else(uuid);
            let env = envelope(
                &id,
                r.source.as_str(),
                &r.name,
                &r.data,
                &r.correlation_id,
                &r.mismatch,
                r.at,
            );
            let result = deliver(&config, r, &env, &id);
            if let Some(p) = r.settle.take() {
                settled.push((p, result, id));
            }
        }
        persist(false);
        pump();
        for (p, result, id) in &settled {
            match result {
                Ok(()) => settle_promise(p, &JsValue::from_str(id), true),
                Err(m) => settle_promise(p, &js_error(AnalyticsError(m.clone())), false),
            }
        }
    }
}

/// One envelope to its destinations under `config`. `Err` says why it goes nowhere (for CIF's promise): the
/// message of its [`Problem`]; the console has been told already where the problem is the page's.
fn deliver(config: &Config, r: &Recorded, env: &Object, id: &str) -> Result<(), String> {
    let (source, name) = (r.source.as_str(), r.name.as_str());
    if !config.accepts(r.source, name) {
        return Err(Problem::NotSelected { source }.message());
    }
    if !config.has_destination() {
        return Err(Problem::NoDestination.message());
    }
    let hold_dl = config.data_layer.is_some() && !config.consent;
    let json = if config.endpoint.is_some() || hold_dl {
        // Far enough above maxEventBytes that the exact check (in bytes, later) decides every event near it.
        match stringify(env, (config.policy.max_event_bytes as f64) * 4.0 + 4096.0) {
            Some(j) => Some(j),
            None => return Err(tell(Problem::NotJson { source, name })),
        }
    } else {
        None
    };
    if let (Some(layer), false) = (&config.data_layer, hold_dl) {
        push_data_layer(layer, env);
    }
    let queued = with(|s| {
        if let (true, Some(j)) = (hold_dl, &json) {
            s.outbox.hold_push(j.clone());
        }
        let (Some(_), Some(j)) = (&config.endpoint, json) else {
            return Queued::Yes;
        };
        s.outbox.queue(id.to_string(), j, now())
    });
    if let Queued::TooLarge(max) = queued {
        return Err(tell(Problem::TooLarge { source, name, max }));
    }
    Ok(())
}

/// Writes this page's queue to its storage key (`closed` on the way out). Nothing queued: the key is removed.
fn persist(closed: bool) {
    let plan = with(|s| {
        let text = s.outbox.stored(now(), closed);
        Some((s.storage_key.clone()?, text))
    });
    let Some((key, text)) = plan else { return };
    store(&key, text, true);
}

/// Takes over the queues that closed or silent pages left in storage.
fn adopt() {
    let own = with(|s| s.storage_key.clone()).unwrap_or_default();
    let at = js_sys::Date::now();
    let mut envelopes = Vec::new();
    let mut held = Vec::new();
    for stored in stored_queues(KEY_PREFIX, &own).iter() {
        let stored: StoredQueue = stored.unchecked_into();
        if !outbox::is_adoptable(stored.t(), stored.closed(), at) {
            continue;
        }
        // `[id, json, id, json, …]`, pairs of the strings in it.
        let mut id = None;
        for v in stored.q().iter() {
            if let Some(s) = v.as_string() {
                match id.take() {
                    None => id = Some(s),
                    Some(i) => envelopes.push((i, s)),
                }
            }
        }
        for v in stored.dl().iter() {
            held.extend(v.as_string());
        }
        store(&stored.key(), None, false);
    }
    let lost = with(|s| s.outbox.adopt(envelopes, held));
    for (json, bytes) in &lost {
        let (source, name) = (envelope_source(json), envelope_name(json));
        tell(Problem::RestoredTooLarge {
            source: &source,
            name: &name,
            bytes: *bytes,
        });
    }
}

/// Pushes the dataLayer events held for consent, once it is given.
fn release_held() {
    let (layer, held) = with(|s| {
        let held = s.outbox.take_held_pushes();
        (s.outbox.config().and_then(|c| c.data_layer.clone()), held)
    });
    let Some(layer) = layer else { return };
    for json in &held {
        push_data_layer(&layer, &JsValue::from_str(json));
    }
}

/// What a send needs, snapshotted so no borrow is held while fetch runs.
struct Send {
    batch: u64,
    url: String,
    body_parts: Vec<String>,
    format: Format,
    write_key: Option<String>,
    anonymous_id: String,
}

/// Sends the batch that is due, if any, and arms the timer for the next one.
fn pump() {
    let send = with(|s| {
        let url = s.outbox.config()?.endpoint.clone()?;
        let batch = s.outbox.delivery_mut().poll(now())?;
        let config = s.outbox.config()?;
        Some(Send {
            batch: batch.id,
            url,
            body_parts: s.outbox.payloads(&batch.ids),
            format: config.format,
            write_key: config.write_key.clone(),
            anonymous_id: s.anonymous_id.clone().unwrap_or_default(),
        })
    });
    if let Some(send) = send {
        send_now(send);
    }
    arm_timer();
}

thread_local! {
    /// The batch timer, set to the delivery's next wake.
    static BATCH_ALARM: Alarm = Alarm::new(on_alarm);
}

/// Sets the batch timer to `deadline`, or (`None`) notes that it fired. One `with` for both: each use of a lazy
/// thread-local repeats its initialiser in the wasm.
fn batch_alarm(deadline: Option<Option<f64>>) {
    BATCH_ALARM.with(|a| match deadline {
        Some(d) => a.set(d),
        None => a.fired(),
    });
}

fn on_alarm() {
    // A timer that fired a little early sends nothing and is set again for the same deadline.
    batch_alarm(None);
    pump();
}

/// Sets the batch timer to the delivery's next wake (cleared when nothing waits).
fn arm_timer() {
    let next = with(|s| {
        // Without an endpoint nothing can be sent: a due batch would wake the timer at once, forever.
        let sending = matches!(s.outbox.config(), Some(c) if c.endpoint.is_some());
        s.outbox.delivery().next_wake().filter(|_| sending)
    });
    batch_alarm(Some(next.map(|n| n as f64)));
}

fn body(send: &Send) -> String {
    let mut b = String::with_capacity(2 + send.body_parts.iter().map(|p| p.len() + 1).sum::<usize>());
    b.push('[');
    push_joined(&mut b, &send.body_parts, ",");
    b.push(']');
    match send.format {
        Format::Envelope => b,
        Format::Segment => segment_body(
            &b,
            &send.anonymous_id,
            send.write_key.clone(),
            env!("CARGO_PKG_VERSION"),
        ),
    }
}

fn send_now(send: Send) {
    let b = body(&send);
    let handlers = with(|s| {
        s.in_flight = Some((send.batch, b.len()));
        s.outbox.delivery_mut().sent(b.len() as u64);
        let c = s.callbacks.as_ref()?;
        Some(c.answered.as_ref().unchecked_ref::<Function>().clone())
    });
    if let Some(answered) = handlers {
        post(&send.url, &b, &answered);
    }
}

/// The fetch in flight got an HTTP answer, or (-1) failed.
fn answered(status: JsValue) {
    let status = status.as_f64().unwrap_or(-1.0);
    if status < 0.0 {
        return settle_in_flight(Outcome::NetworkError);
    }
    settle_in_flight(Outcome::Status {
        status: status as u16,
        retry_after_ms: retry_after_header().as_deref().and_then(retry_after_ms),
    });
}

/// `Retry-After` in either form: delta-seconds (the core parses it) or an HTTP-date.
fn retry_after_ms(value: &str) -> Option<u64> {
    retry_after_seconds(value).or_else(|| {
        let at = js_sys::Date::parse(value);
        at.is_finite().then(|| (at - js_sys::Date::now()).max(0.0) as u64)
    })
}

fn settle_in_flight(outcome: Outcome) {
    if let Some((batch, len)) = with(|s| s.in_flight.take()) {
        settle(batch, len, outcome);
    }
}

/// `len`: the length of the body sent. A 413 on a batch of several envelopes splits it in the core (nothing to
/// do here); on one envelope it is a rejection like any 4xx, with a message of its own naming the event and the
/// size refused.
fn settle(batch: u64, len: usize, outcome: Outcome) {
    let rejected = with(|s| {
        let settled = s
            .outbox
            .delivery_mut()
            .settle(batch, outcome, now(), js_sys::Math::random());
        s.outbox.settle(settled)
    });
    if let (Some(r), Outcome::Status { status, .. }) = (rejected, outcome) {
        let (n, first) = (r.count, r.first);
        if let Some(json) = first.filter(|_| status == 413 && n == 1) {
            let (source, name) = (envelope_source(&json), envelope_name(&json));
            tell(Problem::RefusedTooLarge {
                source: &source,
                name: &name,
                bytes: len as u64,
            });
        } else {
            tell(Problem::Refused {
                count: n as u64,
                status,
            });
        }
    }
    persist(false);
    pump();
}

/// The page is going away: what is pending leaves in beacons under the 64 KiB quota, and everything stays in
/// storage marked closed so the next page load sends it again (the collector de-duplicates by id).
fn on_pagehide() {
    drain();
    let plan = with(|s| {
        let c = s.outbox.config()?;
        let url = c.endpoint.clone()?;
        let mut chunks = Vec::new();
        for ids in &s.outbox.delivery().unload_chunks() {
            chunks.push(Send {
                batch: 0,
                url: url.clone(),
                body_parts: s.outbox.payloads(ids),
                format: c.format,
                write_key: c.write_key.clone(),
                anonymous_id: s.anonymous_id.clone().unwrap_or_default(),
            });
        }
        Some(chunks)
    });
    for chunk in &plan.unwrap_or_default() {
        if !beacon(&chunk.url, &body(chunk)) {
            break;
        }
    }
    persist(true);
}

fn on_hidden() {
    drain();
    with(|s| s.outbox.delivery_mut().request_flush());
    persist(false);
    pump();
}

fn install_listeners() {
    if with(|s| s.listeners.is_some()) {
        return;
    }
    // One closure, told which event by a number: a `JsValue` argument, since a closure signature of its own would
    // cost the glue a shim.
    let on = Closure::<dyn FnMut(JsValue)>::new(|event: JsValue| match event.as_f64() {
        Some(0.0) => on_pagehide(),
        Some(1.0) => on_hidden(),
        Some(2.0) => {
            with(|s| s.outbox.set_closing(false));
            persist(false);
        }
        _ => {
            with(|s| s.outbox.delivery_mut().online(now()));
            pump();
        }
    });
    let remove = listen_page(on.as_ref().unchecked_ref());
    with(|s| s.listeners = Some(Listeners { remove, _on: on }));
}

/// `cxbridge.analytics.configure(options)`: see docs/analytics.md. Throws an Error naming the bad option.
#[wasm_bindgen(js_name = analyticsConfigure)]
pub fn analytics_configure(options: JsValue) -> Result<(), JsValue> {
    let input = page_input(&options, "options", 2)?;
    let merged = with(|s| s.outbox.config().cloned().unwrap_or_default().merged(&input)).map_err(js_error)?;
    let first = with(|s| s.outbox.config().is_none());
    let anon = (merged.format == Format::Segment)
        .then(|| merged.anonymous_id.clone().unwrap_or_else(stored_anonymous_id));
    let consent = merged.consent;
    let key = first.then(|| {
        let mut k = String::from(KEY_PREFIX);
        k.push_str(&uuid());
        k
    });
    with(|s| {
        ensure_callbacks(s);
        if anon.is_some() {
            s.anonymous_id = anon;
        }
        if key.is_some() {
            s.storage_key = key;
        }
        s.outbox.configure(merged);
    });
    if first {
        install_listeners();
        adopt();
        // What was recorded before this call goes now, after the older restored queue.
        let early = with(|s| s.outbox.take_early());
        if !early.is_empty() {
            with(|s| {
                let mut newer = std::mem::replace(&mut s.pending, early);
                s.pending.append(&mut newer);
            });
        }
    }
    // Consent given now, or restored pushes from a page that closed while it was withheld.
    if consent {
        release_held();
    }
    drain();
    persist(false);
    pump();
    Ok(())
}

/// CIF's `logAnalyticsEvent(data, eventName, correlationId)`: rejects naming a missing argument or a mistyped
/// field; warns naming the expected fields that are absent (`data.conversationId`, …) and records the event all
/// the same. Resolves to the envelope id once the event is recorded: durably queued (written to localStorage, or
/// pushed when only a dataLayer is configured), or, before the first `configure`, held for it.
#[wasm_bindgen(js_name = logAnalyticsEvent)]
pub fn log_analytics_event(data: JsValue, event_name: JsValue, correlation_id: JsValue) -> Promise {
    let promise = new_promise();
    log_into(data, event_name, correlation_id, promise.clone());
    promise
}

/// [`log_analytics_event`] settling a promise made in `js/analytics.js`.
fn log_into(data: JsValue, event_name: JsValue, correlation_id: JsValue, promise: Promise) {
    let read = page_input(&data, "data", cif::DATA_DEPTH).and_then(|d| {
        Ok((
            d,
            page_input(&event_name, "eventName", 0)?,
            page_input(&correlation_id, "correlationId", 0)?,
        ))
    });
    let (data_in, name_in, correlation_in) = match read {
        Ok(read) => read,
        // page.js's reader threw a JS `Error` naming the path: the promise rejects with it, as configure throws it.
        Err(e) => return settle_promise(&promise, &e, false),
    };
    let check = cif::validate(&data_in, &name_in, &correlation_in);
    let absent = match check {
        Ok(absent) => absent,
        Err(e) => return settle_promise(&promise, &js_error(e), false),
    };
    let name = event_name.as_string().unwrap_or_default();
    if !absent.is_empty() {
        report(&cif::missing_warning(&name, &absent), true);
    }
    // Before the first configure() the event is held, and the promise resolves now, to the id it will be sent
    // under: a CIF page does not know about configure() and must not wait on it.
    let early = with(|s| s.outbox.config().is_none()).then(uuid);
    if let Some(id) = &early {
        settle_promise(&promise, &JsValue::from_str(id), true);
    }
    enqueue(Recorded {
        source: Source::Cif,
        name,
        data,
        correlation_id,
        mismatch: JsValue::UNDEFINED,
        settle: early.is_none().then_some(promise),
        id: early,
        at: js_sys::Date::now(),
    });
}

/// Counters for `cxbridge.analytics.stats()`: `{queued, delivered, rejected, dropped, retries, pending, held}`.
#[wasm_bindgen(js_name = analyticsStats)]
pub fn analytics_stats() -> JsValue {
    let (st, pending, held, dropped_early) = with(|s| {
        let o = &s.outbox;
        (o.delivery().stats(), o.delivery().len(), o.held(), o.dropped())
    });
    stats_object(
        st.queued as f64,
        st.delivered as f64,
        st.rejected as f64,
        (st.dropped + dropped_early) as f64,
        st.retries as f64,
        pending as f64,
        held as f64,
    )
}
