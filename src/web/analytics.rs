//! The analytics shell: turns every event the areas [`record`] into an envelope, pushes it onto the page's
//! dataLayer, and carries it to the collector with the core's delivery policy (`core::analytics::delivery`):
//! `fetch` with `keepalive`, `navigator.sendBeacon` chunks when the page goes away, and a queue in localStorage
//! that the next page load picks up. CIF's `logAnalyticsEvent` and its `Microsoft.CIFramework` shim live here too.
//!
//! Re-entrancy: a dataLayer push runs the tag manager's listeners synchronously, and `record` is called from
//! inside other areas' dispatches. So `record` only builds the envelope and queues it; a microtask does the rest,
//! and no `RefCell` borrow is held while page code runs.
//!
//! Storage: each page instance owns one key, `cxbridge.analytics.q.<uuid>`, holding
//! `{"t": last write ms, "closed": bool, "q": [envelopes], "dl": [envelopes held for the dataLayer]}`. A page that
//! configures analytics adopts the keys of pages that closed (`pagehide`) or went silent for [`STALE_MS`], so a
//! reload, a crash or a second tab never loses the queue of another; at worst an event is sent twice under one id.

use std::cell::RefCell;

use js_sys::{Array, Function, Object, Promise, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::analytics::config::{Config, Format};
use crate::core::analytics::delivery::{Delivery, Outcome, Refused, Settled};
use crate::core::analytics::{
    cif, data_layer_event, push_joined, push_u64, retry_after_seconds, uuid_v4, Input, Source,
};

const KEY_PREFIX: &str = "cxbridge.analytics.q.";
const ANON_KEY: &str = "cxbridge.analytics.anonymousId";
/// A queue key not written for this long belongs to a page that died without `pagehide`.
const STALE_MS: f64 = 30_000.0;
/// Events recorded before the first `configure` are held in memory, this many at most (oldest dropped).
const EARLY_MAX: usize = 200;
/// What a Segment message adds around an envelope (`type`, `messageId`, `anonymousId`, `context`), at most.
const SEGMENT_EXTRA: u64 = 320;

struct Recorded {
    id: String,
    source: Source,
    name: String,
    envelope: Object,
    /// `logAnalyticsEvent`'s promise, settled once the envelope is durably queued.
    settle: Option<(Function, Function)>,
}

/// The function `installCifShim` puts on `Microsoft.CIFramework`.
type CifShim = Closure<dyn Fn(JsValue, JsValue, JsValue) -> Promise>;

struct State {
    config: Option<Config>,
    delivery: Delivery,
    /// The serialized envelope of every queued id.
    payloads: Payloads,
    /// The batch whose fetch is out (its answer comes back through [`Callbacks`]).
    in_flight: Option<u64>,
    /// Serialized envelopes waiting for consent before their dataLayer push.
    held_dl: Vec<String>,
    /// Recorded, not yet processed (see the module docs on re-entrancy).
    pending: Vec<Recorded>,
    drain_scheduled: bool,
    /// Recorded before the first `configure`.
    early: Vec<Recorded>,
    dropped_early: u64,
    storage_key: Option<String>,
    /// `pagehide` fired: every later write (the `visibilitychange` that follows it) keeps the key marked closed,
    /// until the page shows again (back from the bfcache).
    closing: bool,
    storage_warned: bool,
    anonymous_id: Option<String>,
    timer: Option<i32>,
    callbacks: Option<Callbacks>,
    listeners: Option<Listeners>,
    shim: Option<CifShim>,
}

/// The callbacks handed to the browser again and again (the batch timer, the drain microtask, the answer to the
/// one fetch in flight): made once, owned here for the life of the page.
struct Callbacks {
    wake: Closure<dyn FnMut()>,
    drain: Closure<dyn FnMut()>,
    answered: Closure<dyn FnMut(JsValue)>,
    failed: Closure<dyn FnMut(JsValue)>,
}

/// Serialized envelopes by id. A plain list: the queue is bounded (1000 by default) and a map's generic code
/// would cost the wasm more than the scans cost the page.
struct Payloads(Vec<(String, String)>);

impl Payloads {
    fn get(&self, id: &str) -> Option<&String> {
        self.0.iter().find(|(k, _)| k == id).map(|(_, v)| v)
    }
    fn insert(&mut self, id: String, json: String) {
        self.remove(&id);
        self.0.push((id, json));
    }
    fn remove(&mut self, id: &str) {
        self.0.retain(|(k, _)| k != id);
    }
    fn total_len(&self) -> usize {
        self.0.iter().map(|(_, v)| v.len() + 1).sum()
    }
}

/// `pagehide`, `visibilitychange` and `online` listeners; removed on drop.
struct Listeners {
    window: web_sys::Window,
    pagehide: Closure<dyn FnMut(web_sys::Event)>,
    visibility: Closure<dyn FnMut(web_sys::Event)>,
    online: Closure<dyn FnMut(web_sys::Event)>,
}

impl Drop for Listeners {
    fn drop(&mut self) {
        let w = &self.window;
        let _ = w.remove_event_listener_with_callback("pagehide", self.pagehide.as_ref().unchecked_ref());
        let _ = w.remove_event_listener_with_callback("online", self.online.as_ref().unchecked_ref());
        if let Some(doc) = w.document() {
            let _ = doc.remove_event_listener_with_callback(
                "visibilitychange",
                self.visibility.as_ref().unchecked_ref(),
            );
        }
    }
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State {
        config: None,
        delivery: Delivery::new(Default::default()),
        payloads: Payloads(Vec::new()),
        in_flight: None,
        held_dl: Vec::new(),
        pending: Vec::new(),
        drain_scheduled: false,
        early: Vec::new(),
        dropped_early: 0,
        storage_key: None,
        closing: false,
        storage_warned: false,
        anonymous_id: None,
        timer: None,
        callbacks: None,
        listeners: None,
        shim: None,
    });
}

fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    STATE.with(|s| f(&mut s.borrow_mut()))
}

fn now() -> u64 {
    js_sys::Date::now() as u64
}

fn set(o: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(o, &JsValue::from_str(key), value);
}

fn get(o: &JsValue, key: &str) -> JsValue {
    Reflect::get(o, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn error(message: &str) -> JsValue {
    js_sys::Error::new(message).into()
}

/// `crypto.randomUUID()`, or a v4 UUID from `crypto.getRandomValues` where the page is not a secure context.
fn new_id() -> String {
    let crypto = web_sys::window().and_then(|w| w.crypto().ok());
    if let Some(c) = &crypto {
        let f = get(c, "randomUUID");
        if let Some(f) = f.dyn_ref::<Function>() {
            if let Some(id) = f.call0(c).ok().and_then(|v| v.as_string()) {
                return id;
            }
        }
    }
    let mut bytes = [0u8; 16];
    if let Some(c) = crypto {
        let _ = c.get_random_values_with_u8_array(&mut bytes);
    }
    if bytes == [0u8; 16] {
        for b in bytes.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    uuid_v4(bytes)
}

/// Converts a JS value into the core's [`Input`], `depth` containers deep.
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
    } else if Array::is_array(v) {
        if depth == 0 {
            return Input::Other("array");
        }
        Input::List(Array::from(v).iter().map(|x| to_input(&x, depth - 1)).collect())
    } else if v.is_function() {
        Input::Other("function")
    } else if v.is_object() {
        if depth == 0 {
            return Input::Other("object");
        }
        let entries = Object::entries(v.unchecked_ref());
        Input::Map(
            entries
                .iter()
                .map(|e| {
                    let e: Array = e.unchecked_into();
                    (
                        e.get(0).as_string().unwrap_or_default(),
                        to_input(&e.get(1), depth - 1),
                    )
                })
                .collect(),
        )
    } else if v.is_bigint() {
        Input::Other("bigint")
    } else if v.is_symbol() {
        Input::Other("symbol")
    } else {
        Input::Other("unknown")
    }
}

fn envelope(id: &str, source: Source, name: &str, data: &JsValue, correlation_id: Option<&str>) -> Object {
    let event = Object::new();
    set(&event, "name", &JsValue::from_str(name));
    set(&event, "data", data);
    if let Some(c) = correlation_id {
        set(&event, "correlationId", &JsValue::from_str(c));
    }
    let env = Object::new();
    set(&env, "id", &JsValue::from_str(id));
    set(&env, "source", &JsValue::from_str(source.as_str()));
    set(&env, "event", &event);
    set(&env, "timestamp", &js_sys::Date::new_0().to_iso_string());
    env
}

/// Where every area reports each event it emits; `source` is one of `ac`, `CXBus`, `EngageDigitalEmbeddedUI`,
/// `CIF`. Cheap and re-entrant: the envelope is built now (its id and timestamp are the moment of the event),
/// everything else happens in a microtask.
pub fn record(source: &str, name: &str, data: &JsValue) {
    let Some(source) = Source::parse(source) else {
        let mut m = String::from("cxbridge.analytics: unknown event source '");
        m.push_str(source);
        m.push('\'');
        web_sys::console::error_1(&JsValue::from_str(&m));
        return;
    };
    let filtered = with(|s| matches!(&s.config, Some(c) if !c.has_destination() || !c.accepts(source, name)));
    if filtered {
        return;
    }
    let id = new_id();
    let env = envelope(&id, source, name, data, None);
    enqueue(Recorded {
        id,
        source,
        name: name.to_string(),
        envelope: env,
        settle: None,
    });
}

/// Makes the [`Callbacks`] on first use: before anything can be sent or scheduled.
fn ensure_callbacks(s: &mut State) {
    if s.callbacks.is_none() {
        s.callbacks = Some(Callbacks {
            wake: Closure::new(pump),
            drain: Closure::new(drain),
            answered: Closure::new(answered),
            failed: Closure::new(|_: JsValue| settle_in_flight(Outcome::NetworkError)),
        });
    }
}

fn enqueue(r: Recorded) {
    let schedule = with(|s| {
        s.pending.push(r);
        let first = !s.drain_scheduled;
        s.drain_scheduled = true;
        ensure_callbacks(s);
        first.then(|| {
            s.callbacks
                .as_ref()
                .map(|c| c.drain.as_ref().unchecked_ref::<Function>().clone())
        })
    });
    if let (Some(Some(cb)), Some(w)) = (schedule, web_sys::window()) {
        w.queue_microtask(&cb);
    }
}

/// Processes what was recorded: held until the first `configure`, then filtered, pushed onto the dataLayer,
/// queued for the collector and persisted; `logAnalyticsEvent` promises settle after the write to storage.
fn drain() {
    loop {
        let (batch, config) = with(|s| {
            s.drain_scheduled = false;
            (std::mem::take(&mut s.pending), s.config.clone())
        });
        if batch.is_empty() {
            return;
        }
        let Some(config) = config else {
            hold_early(batch);
            continue;
        };
        let mut settled = Vec::new();
        for r in batch {
            let result = deliver(&config, &r);
            if let Some(settle) = r.settle {
                settled.push((settle, result.map(|()| r.id)));
            }
        }
        persist(false);
        pump();
        for ((resolve, reject), result) in settled {
            let _ = match result {
                Ok(id) => resolve.call1(&JsValue::UNDEFINED, &JsValue::from_str(&id)),
                Err(m) => reject.call1(&JsValue::UNDEFINED, &error(&m)),
            };
        }
    }
}

fn hold_early(batch: Vec<Recorded>) {
    let overflow = with(|s| {
        s.early.extend(batch);
        let excess = s.early.len().saturating_sub(EARLY_MAX);
        s.dropped_early += excess as u64;
        s.early.drain(..excess).collect::<Vec<_>>()
    });
    for r in overflow {
        if let Some((_, reject)) = r.settle {
            let _ = reject.call1(
                &JsValue::UNDEFINED,
                &error("logAnalyticsEvent: dropped: more than 200 events were recorded before cxbridge.analytics.configure()"),
            );
        }
    }
}

/// One envelope to its destinations under `config`. `Err` explains why it goes nowhere (for CIF's promise).
fn deliver(config: &Config, r: &Recorded) -> Result<(), String> {
    if !config.accepts(r.source, &r.name) {
        let mut m = String::from(
            "logAnalyticsEvent: CIF events are not delivered: configure({sources}) leaves out '",
        );
        m.push_str(r.source.as_str());
        m.push('\'');
        return Err(m);
    }
    if !config.has_destination() {
        return Err("logAnalyticsEvent: analytics has no destination: configure({endpoint}) or configure({dataLayer: true})".into());
    }
    let hold_dl = config.data_layer.is_some() && !config.consent;
    let json = if config.endpoint.is_some() || hold_dl {
        match JSON::stringify(&r.envelope).ok().and_then(|s| s.as_string()) {
            Some(j) => Some(j),
            None => {
                let mut m = String::from("cxbridge.analytics: the data of ");
                m.push_str(r.source.as_str());
                m.push_str(" event '");
                m.push_str(&r.name);
                m.push_str("' cannot be serialized as JSON (a cycle or a BigInt?); the event is dropped");
                web_sys::console::error_1(&JsValue::from_str(&m));
                return Err(m);
            }
        }
    } else {
        None
    };
    if let (Some(layer), false) = (&config.data_layer, hold_dl) {
        push_data_layer(layer, &r.envelope);
    }
    let segment = config.format == Format::Segment;
    let refused = with(|s| {
        if let (true, Some(j)) = (hold_dl, &json) {
            s.held_dl.push(j.clone());
            let excess = s.held_dl.len().saturating_sub(s.delivery.policy().max_queue);
            s.dropped_early += excess as u64;
            s.held_dl.drain(..excess);
        }
        let (Some(_), Some(j)) = (&config.endpoint, json) else {
            return None;
        };
        let bytes = j.len() as u64 + if segment { SEGMENT_EXTRA } else { 0 };
        match s.delivery.push(r.id.clone(), bytes, now()) {
            Ok(dropped) => {
                for d in dropped {
                    s.payloads.remove(&d);
                }
                s.payloads.insert(r.id.clone(), j);
                None
            }
            Err(Refused::Duplicate) => None,
            Err(Refused::TooLarge) => Some(s.delivery.policy().max_event_bytes),
        }
    });
    if let Some(max) = refused {
        let mut m = String::from("cxbridge.analytics: ");
        m.push_str(r.source.as_str());
        m.push_str(" event '");
        m.push_str(&r.name);
        m.push_str("' is larger than maxEventBytes (");
        push_u64(&mut m, max);
        m.push_str(" bytes); it is not sent to the collector");
        web_sys::console::error_1(&JsValue::from_str(&m));
        return Err(m);
    }
    Ok(())
}

/// `window[layer].push({event: 'cxbridge.<source>.<name>', id, source, name, timestamp, data})`, creating the
/// array when absent and never replacing what the page (or GTM, which wraps `push`) put there.
fn push_data_layer(layer: &str, env: &JsValue) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let mut target = get(&window, layer);
    if target.is_undefined() || target.is_null() {
        target = Array::new().into();
        set(&window, layer, &target);
    }
    let push = get(&target, "push");
    let Some(push) = push.dyn_ref::<Function>() else {
        let mut m = String::from("cxbridge.analytics: window.");
        m.push_str(layer);
        m.push_str(" exists but has no push(); it is left as it is and nothing is pushed");
        web_sys::console::error_1(&JsValue::from_str(&m));
        return;
    };
    let event = get(env, "event");
    let source = get(env, "source");
    let name = get(&event, "name").as_string().unwrap_or_default();
    let src = source
        .as_string()
        .and_then(|s| Source::parse(&s))
        .unwrap_or(Source::CXBus);
    let item = Object::new();
    set(&item, "event", &JsValue::from_str(&data_layer_event(src, &name)));
    set(&item, "id", &get(env, "id"));
    set(&item, "source", &source);
    set(&item, "name", &JsValue::from_str(&name));
    set(&item, "timestamp", &get(env, "timestamp"));
    set(&item, "data", &get(&event, "data"));
    let corr = get(&event, "correlationId");
    if !corr.is_undefined() {
        set(&item, "correlationId", &corr);
    }
    if let Err(e) = push.call1(&target, &item) {
        web_sys::console::error_2(
            &JsValue::from_str("cxbridge.analytics: a dataLayer listener threw:"),
            &e,
        );
    }
}

/// `v` if it is an array, else an empty one (`Array.from(undefined)` would throw).
fn array(v: &JsValue) -> Array {
    v.dyn_ref::<Array>().cloned().unwrap_or_default()
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Writes this page's queue to its storage key (`closed` on the way out). Nothing queued: the key is removed.
fn persist(closed: bool) {
    let plan = with(|s| {
        s.closing |= closed;
        let closed = s.closing;
        let key = s.storage_key.clone()?;
        if s.delivery.is_empty() && s.held_dl.is_empty() {
            return Some((key, None));
        }
        let mut text = String::with_capacity(64 + s.payloads.total_len());
        text.push_str("{\"t\":");
        push_u64(&mut text, now());
        text.push_str(",\"closed\":");
        text.push_str(if closed { "true" } else { "false" });
        text.push_str(",\"q\":[");
        for (i, id) in s.delivery.ids().enumerate() {
            if let Some(p) = s.payloads.get(id) {
                if i > 0 {
                    text.push(',');
                }
                text.push_str(p);
            }
        }
        text.push_str("],\"dl\":[");
        push_joined(&mut text, &s.held_dl, ",");
        text.push_str("]}");
        Some((key, Some(text)))
    });
    let Some((key, text)) = plan else { return };
    let Some(st) = storage() else {
        return warn_storage(&JsValue::from_str("localStorage is not available"));
    };
    let result = match text {
        Some(t) => st.set_item(&key, &t),
        None => st.remove_item(&key),
    };
    if let Err(e) = result {
        warn_storage(&e);
    }
}

fn warn_storage(e: &JsValue) {
    if with(|s| std::mem::replace(&mut s.storage_warned, true)) {
        return;
    }
    web_sys::console::warn_2(
        &JsValue::from_str(
            "cxbridge.analytics: the queue cannot be written to localStorage; events are kept in memory only and do not survive a reload:",
        ),
        e,
    );
}

/// Takes over the queues that closed or silent pages left in storage.
fn adopt() {
    let Some(st) = storage() else { return };
    let own = with(|s| s.storage_key.clone()).unwrap_or_default();
    let mut keys = Vec::new();
    for i in 0..st.length().unwrap_or(0) {
        if let Ok(Some(k)) = st.key(i) {
            if k.starts_with(KEY_PREFIX) && k != own {
                keys.push(k);
            }
        }
    }
    let t = js_sys::Date::now();
    let mut restored: Vec<(String, String)> = Vec::new();
    let mut held: Vec<String> = Vec::new();
    for k in keys {
        let Some(parsed) = st.get_item(&k).ok().flatten().and_then(|v| JSON::parse(&v).ok()) else {
            let _ = st.remove_item(&k);
            continue;
        };
        let closed = get(&parsed, "closed").as_bool() == Some(true);
        let written = get(&parsed, "t").as_f64().unwrap_or(0.0);
        if !closed && t - written < STALE_MS {
            continue;
        }
        for env in array(&get(&parsed, "q")).iter() {
            let id = get(&env, "id").as_string();
            let json = JSON::stringify(&env).ok().and_then(|s| s.as_string());
            if let (Some(id), Some(json)) = (id, json) {
                restored.push((id, json));
            }
        }
        for env in array(&get(&parsed, "dl")).iter() {
            if let Some(json) = JSON::stringify(&env).ok().and_then(|s| s.as_string()) {
                held.push(json);
            }
        }
        let _ = st.remove_item(&k);
    }
    with(|s| {
        let segment = matches!(&s.config, Some(c) if c.format == Format::Segment);
        for (id, json) in restored {
            let bytes = json.len() as u64 + if segment { SEGMENT_EXTRA } else { 0 };
            if let Ok(dropped) = s.delivery.restore(id.clone(), bytes) {
                for d in dropped {
                    s.payloads.remove(&d);
                }
                s.payloads.insert(id, json);
            }
        }
        s.held_dl.extend(held);
    });
}

/// Pushes the dataLayer events held for consent, once it is given.
fn release_held() {
    let (layer, held) = with(|s| match &s.config {
        Some(c) if c.consent => (c.data_layer.clone(), std::mem::take(&mut s.held_dl)),
        _ => (None, Vec::new()),
    });
    let Some(layer) = layer else { return };
    for json in held {
        if let Ok(env) = JSON::parse(&json) {
            push_data_layer(&layer, &env);
        }
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
        let config = s.config.as_ref()?;
        let url = config.endpoint.clone()?;
        let batch = s.delivery.poll(now())?;
        Some(Send {
            batch: batch.id,
            url,
            body_parts: batch
                .ids
                .iter()
                .filter_map(|id| s.payloads.get(id).cloned())
                .collect(),
            format: config.format,
            write_key: config.write_key.clone(),
            anonymous_id: s.anonymous_id.clone().unwrap_or_default(),
        })
    });
    if let Some(send) = send {
        post(send);
    }
    arm_timer();
}

fn arm_timer() {
    let Some(window) = web_sys::window() else { return };
    let (old, next, cb) = with(|s| {
        let cb = s
            .callbacks
            .as_ref()
            .map(|c| c.wake.as_ref().unchecked_ref::<Function>().clone());
        // Without an endpoint nothing can be sent: a due batch would wake the timer at once, forever.
        let sending = matches!(&s.config, Some(c) if c.endpoint.is_some());
        (s.timer.take(), s.delivery.next_wake().filter(|_| sending), cb)
    });
    if let Some(h) = old {
        window.clear_timeout_with_handle(h);
    }
    let (Some(next), Some(cb)) = (next, cb) else {
        return;
    };
    let delay = next.saturating_sub(now()).min(i32::MAX as u64) as i32;
    if let Ok(h) = window.set_timeout_with_callback_and_timeout_and_arguments_0(&cb, delay) {
        with(|s| s.timer = Some(h));
    }
}

fn body(send: &Send) -> Option<String> {
    match send.format {
        Format::Envelope => {
            let mut b = String::with_capacity(2 + send.body_parts.iter().map(|p| p.len() + 1).sum::<usize>());
            b.push('[');
            push_joined(&mut b, &send.body_parts, ",");
            b.push(']');
            Some(b)
        }
        Format::Segment => {
            let batch = Array::new();
            for part in &send.body_parts {
                if let Ok(env) = JSON::parse(part) {
                    batch.push(&segment_message(&env, &send.anonymous_id));
                }
            }
            let wrapper = Object::new();
            set(&wrapper, "batch", &batch);
            set(&wrapper, "sentAt", &js_sys::Date::new_0().to_iso_string());
            if let Some(k) = &send.write_key {
                set(&wrapper, "writeKey", &JsValue::from_str(k));
            }
            JSON::stringify(&wrapper).ok().and_then(|s| s.as_string())
        }
    }
}

/// One envelope as a Segment `track` call (docs/analytics.md has the table).
fn segment_message(env: &JsValue, anonymous_id: &str) -> Object {
    let event = get(env, "event");
    let data = get(&event, "data");
    let properties: JsValue = if data.is_object() && !Array::is_array(&data) {
        data
    } else {
        let p = Object::new();
        if !data.is_undefined() {
            set(&p, "value", &data);
        }
        p.into()
    };
    let cx = Object::new();
    set(&cx, "source", &get(env, "source"));
    let corr = get(&event, "correlationId");
    if !corr.is_undefined() {
        set(&cx, "correlationId", &corr);
    }
    let library = Object::new();
    set(&library, "name", &JsValue::from_str("cxbridge"));
    set(&library, "version", &JsValue::from_str(env!("CARGO_PKG_VERSION")));
    let context = Object::new();
    set(&context, "library", &library);
    set(&context, "cxbridge", &cx);
    let m = Object::new();
    set(&m, "type", &JsValue::from_str("track"));
    set(&m, "event", &get(&event, "name"));
    set(&m, "properties", &properties);
    set(&m, "messageId", &get(env, "id"));
    set(&m, "timestamp", &get(env, "timestamp"));
    set(&m, "anonymousId", &JsValue::from_str(anonymous_id));
    set(&m, "context", &context);
    m
}

fn post(send: Send) {
    let Some(window) = web_sys::window() else { return };
    let Some(b) = body(&send) else {
        settle(send.batch, Outcome::NetworkError);
        return;
    };
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    // A string body goes as text/plain: a CORS "simple" request, so no preflight (which keepalive requests
    // may not make) — as Segment's own browser library does.
    init.set_body(&JsValue::from_str(&b));
    set(&init, "keepalive", &JsValue::TRUE);
    let promise = window.fetch_with_str_and_init(&send.url, &init);
    let batch = send.batch;
    let handlers = with(|s| {
        s.in_flight = Some(batch);
        let c = s.callbacks.as_ref()?;
        Some((c.answered.as_ref().clone(), c.failed.as_ref().clone()))
    });
    if let (Some((ok, failed)), Some(then)) = (handlers, get(&promise, "then").dyn_ref::<Function>()) {
        let _ = then.call2(&promise, &ok, &failed);
    }
}

/// The fetch in flight got an HTTP answer.
fn answered(resp: JsValue) {
    let Some(resp) = resp.dyn_ref::<web_sys::Response>() else {
        return settle_in_flight(Outcome::NetworkError);
    };
    let retry_after_ms = resp
        .headers()
        .get("Retry-After")
        .ok()
        .flatten()
        .and_then(|v| retry_after_ms(&v));
    settle_in_flight(Outcome::Status {
        status: resp.status(),
        retry_after_ms,
    });
}

fn settle_in_flight(outcome: Outcome) {
    if let Some(batch) = with(|s| s.in_flight.take()) {
        settle(batch, outcome);
    }
}

/// `Retry-After` in either form: delta-seconds (the core parses it) or an HTTP-date.
fn retry_after_ms(value: &str) -> Option<u64> {
    retry_after_seconds(value).or_else(|| {
        let at = js_sys::Date::parse(value);
        at.is_finite().then(|| (at - js_sys::Date::now()).max(0.0) as u64)
    })
}

fn settle(batch: u64, outcome: Outcome) {
    let rejected = with(|s| {
        let result = s.delivery.settle(batch, outcome, now(), js_sys::Math::random());
        match result {
            Settled::Delivered(ids) => {
                for id in ids {
                    s.payloads.remove(&id);
                }
                None
            }
            Settled::Rejected(ids) => {
                let n = ids.len();
                for id in ids {
                    s.payloads.remove(&id);
                }
                Some(n)
            }
            Settled::RetryAt(_) | Settled::Unknown => None,
        }
    });
    if let (Some(n), Outcome::Status { status, .. }) = (rejected, outcome) {
        let mut m = String::from("cxbridge.analytics: the collector refused a batch of ");
        push_u64(&mut m, n as u64);
        m.push_str(" events with HTTP ");
        push_u64(&mut m, u64::from(status));
        m.push_str("; they are dropped (counted in stats().rejected)");
        web_sys::console::error_1(&JsValue::from_str(&m));
    }
    persist(false);
    pump();
}

/// The page is going away: what is pending leaves in beacons under the 64 KiB quota, and everything stays in
/// storage marked closed so the next page load sends it again (the collector de-duplicates by id).
fn on_pagehide() {
    drain();
    let plan = with(|s| {
        let c = s.config.as_ref()?;
        let url = c.endpoint.clone()?;
        let chunks: Vec<Send> = s
            .delivery
            .unload_chunks()
            .into_iter()
            .map(|ids| Send {
                batch: 0,
                url: url.clone(),
                body_parts: ids.iter().filter_map(|id| s.payloads.get(id).cloned()).collect(),
                format: c.format,
                write_key: c.write_key.clone(),
                anonymous_id: s.anonymous_id.clone().unwrap_or_default(),
            })
            .collect();
        Some(chunks)
    });
    if let (Some(chunks), Some(window)) = (plan, web_sys::window()) {
        let navigator = window.navigator();
        for chunk in chunks {
            let Some(b) = body(&chunk) else { continue };
            if navigator.send_beacon_with_opt_str(&chunk.url, Some(&b)) != Ok(true) {
                break;
            }
        }
    }
    persist(true);
}

fn on_hidden() {
    drain();
    with(|s| s.delivery.request_flush());
    persist(false);
    pump();
}

fn install_listeners() {
    let Some(window) = web_sys::window() else { return };
    if with(|s| s.listeners.is_some()) {
        return;
    }
    let pagehide = Closure::<dyn FnMut(web_sys::Event)>::new(|_| on_pagehide());
    let visibility = Closure::<dyn FnMut(web_sys::Event)>::new(|_| {
        let hidden = web_sys::window()
            .and_then(|w| w.document())
            .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Hidden);
        if hidden {
            on_hidden();
        } else {
            with(|s| s.closing = false);
            persist(false);
        }
    });
    let online = Closure::<dyn FnMut(web_sys::Event)>::new(|_| {
        with(|s| s.delivery.online(now()));
        pump();
    });
    let _ = window.add_event_listener_with_callback("pagehide", pagehide.as_ref().unchecked_ref());
    let _ = window.add_event_listener_with_callback("online", online.as_ref().unchecked_ref());
    if let Some(doc) = window.document() {
        let _ = doc.add_event_listener_with_callback("visibilitychange", visibility.as_ref().unchecked_ref());
    }
    with(|s| {
        s.listeners = Some(Listeners {
            window,
            pagehide,
            visibility,
            online,
        })
    });
}

/// The anonymous id Segment requires: the configured one, else one kept in localStorage across visits.
fn anonymous_id(config: &Config) -> String {
    if let Some(a) = &config.anonymous_id {
        return a.clone();
    }
    let st = storage();
    if let Some(a) = st.as_ref().and_then(|s| s.get_item(ANON_KEY).ok().flatten()) {
        return a;
    }
    let a = new_id();
    if let Some(s) = st {
        let _ = s.set_item(ANON_KEY, &a);
    }
    a
}

/// `cxbridge.analytics.configure(options)`: see docs/analytics.md. Throws an Error naming the bad option.
#[wasm_bindgen(js_name = analyticsConfigure)]
pub fn analytics_configure(options: JsValue) -> Result<(), JsValue> {
    let input = to_input(&options, 2);
    let (first, merged) = with(|s| {
        let base = s.config.clone().unwrap_or_default();
        base.merged(&input).map(|m| (s.config.is_none(), m))
    })
    .map_err(|m| error(&m))?;
    let mut policy = merged.policy.clone();
    policy.batch_overhead_bytes = match merged.format {
        Format::Envelope => 2,
        Format::Segment => 96 + merged.write_key.as_ref().map_or(0, |k| k.len() as u64),
    };
    let anon = (merged.format == Format::Segment).then(|| anonymous_id(&merged));
    let consent = merged.consent;
    let key = first.then(|| {
        let mut k = String::from(KEY_PREFIX);
        k.push_str(&new_id());
        k
    });
    with(|s| {
        ensure_callbacks(s);
        for d in s.delivery.set_policy(policy) {
            s.payloads.remove(&d);
        }
        s.delivery.set_consent(consent);
        if anon.is_some() {
            s.anonymous_id = anon;
        }
        if key.is_some() {
            s.storage_key = key;
        }
        s.config = Some(merged);
    });
    if first {
        install_listeners();
        adopt();
        // What was recorded before this call goes now, after the older restored queue.
        let early = with(|s| std::mem::take(&mut s.early));
        if !early.is_empty() {
            with(|s| {
                let newer = std::mem::take(&mut s.pending);
                s.pending = early;
                s.pending.extend(newer);
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

/// CIF's `logAnalyticsEvent(data, eventName, correlationId)`: rejects naming the bad field; resolves to the
/// envelope id once the event is durably queued (written to localStorage, or pushed when only a dataLayer is
/// configured). Before the first `configure` the promise waits for it.
#[wasm_bindgen(js_name = logAnalyticsEvent)]
pub fn log_analytics_event(data: JsValue, event_name: JsValue, correlation_id: JsValue) -> Promise {
    let check = cif::validate(
        &to_input(&data, cif::DATA_DEPTH),
        &to_input(&event_name, 0),
        &to_input(&correlation_id, 0),
    );
    if let Err(m) = check {
        return Promise::reject(&error(&m));
    }
    let name = event_name.as_string().unwrap_or_default();
    let correlation = correlation_id.as_string();
    let id = new_id();
    let env = envelope(&id, Source::Cif, &name, &data, correlation.as_deref());
    let mut settle = None;
    let promise = Promise::new(&mut |resolve, reject| settle = Some((resolve, reject)));
    enqueue(Recorded {
        id,
        source: Source::Cif,
        name,
        envelope: env,
        settle,
    });
    promise
}

/// Defines `Microsoft.CIFramework.logAnalyticsEvent` when the page has no CIF library of its own; returns whether
/// the shim is in place (false: a real `Microsoft.CIFramework` is there and is left untouched).
#[wasm_bindgen(js_name = installCifShim)]
pub fn install_cif_shim() -> Result<bool, JsValue> {
    let window = web_sys::window().ok_or_else(|| error("installCifShim: no window"))?;
    let mut microsoft = get(&window, "Microsoft");
    let existing = get(&microsoft, "CIFramework");
    if !existing.is_undefined() && !existing.is_null() {
        return Ok(get(&existing, "__cxbridgeShim").as_bool() == Some(true));
    }
    if microsoft.is_undefined() || microsoft.is_null() {
        microsoft = Object::new().into();
        set(window.unchecked_ref(), "Microsoft", &microsoft);
    }
    let f = with(|s| {
        s.shim
            .get_or_insert_with(|| Closure::new(log_analytics_event))
            .as_ref()
            .clone()
    });
    let cif = Object::new();
    set(&cif, "logAnalyticsEvent", &f);
    set(&cif, "__cxbridgeShim", &JsValue::TRUE);
    set(microsoft.unchecked_ref(), "CIFramework", &cif);
    Ok(true)
}

/// Counters for `cxbridge.analytics.stats()`: `{queued, delivered, rejected, dropped, retries, pending, held}`.
#[wasm_bindgen(js_name = analyticsStats)]
pub fn analytics_stats() -> JsValue {
    let (st, pending, held, dropped_early) = with(|s| {
        (
            s.delivery.stats(),
            s.delivery.len(),
            s.held_dl.len() + s.early.len(),
            s.dropped_early,
        )
    });
    let o = Object::new();
    let n = |k: &str, v: f64| set(&o, k, &JsValue::from_f64(v));
    n("queued", st.queued as f64);
    n("delivered", st.delivered as f64);
    n("rejected", st.rejected as f64);
    n("dropped", (st.dropped + dropped_early) as f64);
    n("retries", st.retries as f64);
    n("pending", pending as f64);
    n("held", held as f64);
    o.into()
}
