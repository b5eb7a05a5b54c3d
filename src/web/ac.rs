//! The Journey SDK's `ac()` shell over `core::emitter` and `core::journey`: turns `ac(...)` calls into core
//! inputs, builds the documented event payload, calls the page's listeners, and arms the one offer-timeout timer.
//!
//! What a page can rely on (docs/ac.md says it at length):
//! - `ac('on'|'once'|'off', '<mediaType>:<state>'|'<mediaType>:all', cb)`: dispatch rules in `core::emitter`.
//!   A bad call is a `console.error` naming the problem and changes nothing.
//! - Events raised while listeners run (a listener that calls `ac('accept', id)`) are delivered after the
//!   current event reached every listener, in order: every listener sees an action's states in lifecycle order.
//! - A listener that throws: the others still run; the error goes to `console.error` **and** to a
//!   `cxbridge:error` `CustomEvent` on `window` whose `detail` is `{ source: 'ac', event, error }`.
//! - `ac('offer', { mediaType, actionMapId, actionMapVersion, actionId?, timeoutMs? })` (cxbridge's own) returns
//!   the action id; `ac('accept'|'reject'|'ignore', actionId)` returns whether the action moved.
//! - `init`, `pageview`, `record`, `identify` are validated and reported to analytics with source `ac`;
//!   `identify` is attached (as `identity`) to the next `pageview` or `record`.
//! - `customerId` is the `_cxbridge_cid` first-party cookie (UUID v4, two years, `SameSite=Lax`); `sessionId`
//!   lives in `sessionStorage` for the browsing session. Both fall back to a page-lifetime id where storage is
//!   refused (sandboxed frames).

use std::rc::Rc;

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;

use crate::core::emitter::{self, Claim, Emitter};
use crate::core::journey::{
    self, Arg, ChatLink, Event, MediaType, Method, OfferArgs, State, Topic, MEDIA, STATES, TOPICS,
};
use crate::core::text::{self, concat};

use super::analytics;
use super::clock::{self, Alarm};
use super::page;

// The few things that are cheaper to say in JS than through wasm-bindgen's per-property calls: building the event
// payload in one call, and a tracking call's data (the visitor's ids are `visitorIds`, below).
#[wasm_bindgen(inline_js = r#"
export function payload(id, state, media, mapId, version, cid, sid, code, message) {
  const e = { actionId: id, actionState: state, actionMediaType: media, actionMapId: mapId,
    actionMapVersion: version, customerId: cid, customerIdType: 'cookie', sessionId: sid };
  if (code !== undefined) { e.errorCode = code; e.errorMessage = message; }
  return e;
}
export function trackData(method, a, b, cid, sid, identity) {
  let region;
  try { region = b && b.region; } catch (_) {}
  const d = method === 'init' ? { organizationId: a, region, options: b }
    : method === 'pageview' ? { attributes: a }
    : method === 'record' ? { eventName: a, attributes: b }
    : { loginId: a, traits: b };
  for (const k of Object.keys(d)) if (d[k] === undefined) delete d[k];
  d.customerId = cid; d.customerIdType = 'cookie'; d.sessionId = sid;
  if (identity !== undefined) d.identity = identity;
  return d;
}
"#)]
extern "C" {
    #[allow(clippy::too_many_arguments)]
    fn payload(
        id: &str,
        state: &str,
        media: &str,
        map_id: &str,
        version: u32,
        customer_id: &JsValue,
        session_id: &JsValue,
        code: Option<i32>,
        message: Option<String>,
    ) -> JsValue;
    #[wasm_bindgen(js_name = trackData)]
    fn track_data(
        method: &str,
        a: &JsValue,
        b: &JsValue,
        customer_id: &JsValue,
        session_id: &JsValue,
        identity: &JsValue,
    ) -> JsValue;
}

// The visitor's ids live with analytics' other stored ids (one UUID maker for both).
#[wasm_bindgen(module = "/js/analytics.js")]
extern "C" {
    fn uuid() -> String;
    #[wasm_bindgen(js_name = visitorIds)]
    fn visitor_ids() -> Array;
}

// The dispatch loop, on the JS side (see js/listeners.js for why); it calls the functions this shell lists.
#[wasm_bindgen(module = "/js/listeners.js")]
extern "C" {
    #[wasm_bindgen(js_name = fnId)]
    fn fn_id(callback: &JsValue) -> u32;
    fn changed();
    #[wasm_bindgen(js_name = setList)]
    fn set_list(slot: u32, fns: Array, once: bool);
    #[wasm_bindgen(js_name = dispatch)]
    fn dispatch_js(slot: u32, payload: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = carriedErrors)]
    fn carried_errors() -> Array;
    #[wasm_bindgen(js_name = callListener)]
    fn call_listener(callback: &JsValue, payload: &JsValue, errors: &Array);
    #[wasm_bindgen(js_name = reportThrown)]
    fn report_thrown(name: &JsValue, errors: &Array);
    fn learn(name: &JsValue, topic: u32);
}

/// A page's listener: the number js/listeners.js gave its function (`fnId`: the same function, the same
/// number, so comparing needs no call into JS) and the function.
#[derive(Clone)]
struct Callback {
    id: u32,
    function: JsValue,
}

impl PartialEq for Callback {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

/// The JS lists: one slot per event (`media × state`: its `'<media>:<state>'` and `'<media>:all'` listeners
/// together) and one per topic (the benchmark hook dispatches to one name's listeners).
fn event_slot(media: MediaType, state: State) -> usize {
    TOPICS + media as usize * STATES.len() + state as usize
}

/// The visitor's ids, kept as JS strings so every payload reuses them.
#[derive(Clone)]
struct Visitor {
    customer_id: JsValue,
    session_id: JsValue,
}

#[derive(Default)]
struct Shell {
    emitter: Emitter<Topic, Callback>,
    journey: journey::Journey,
    visitor: Option<Visitor>,
    /// What `ac('identify', …)` gave, until the next `pageview`/`record` carries it.
    identity: Option<JsValue>,
    /// Events waiting for the dispatch under way to finish.
    queue: Vec<Event>,
    dispatching: bool,
    /// Per slot, the snapshot its JS list was made from (and the name errors are reported under): what a
    /// dispatch that the JS loop hands back continues over.
    handed: Vec<(usize, Snapshot, JsValue)>,
}

type Snapshot = emitter::Snapshot<Callback>;

leaked_state!(shell: Shell);

#[inline(always)]
fn with<R>(f: impl FnOnce(&mut Shell) -> R) -> R {
    f(&mut shell().borrow_mut())
}

pub(crate) fn console_error(message: &str) {
    page::console_error(&JsValue::from_str(message));
}

/// Reads a JS value as far as validation needs.
pub(crate) fn arg(v: &JsValue) -> Arg {
    if v.is_undefined() {
        Arg::Undefined
    } else if v.is_null() {
        Arg::Null
    } else if let Some(b) = v.as_bool() {
        Arg::Bool(b)
    } else if let Some(n) = v.as_f64() {
        Arg::Number(n)
    } else if let Some(s) = v.as_string() {
        Arg::Str(s)
    } else if v.is_function() {
        Arg::Function
    } else if page::is_list(v) {
        Arg::Array
    } else if v.is_object() {
        Arg::Object
    } else {
        // Symbols and bigints: nothing ac() accepts.
        Arg::Bool(false)
    }
}

pub(crate) fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `ac('on'|'once'|'off', name, fn)` for a name seen before, classified by `acEntry` in js/listeners.js (which
/// has dropped its lists already): `topic` is the number [`learn`] gave the name, `id` the function's number,
/// `callback` the function for `on` and `once` (`once` says which), `undefined` for `off`. No string crosses,
/// nothing is parsed, and nothing calls back into JS.
#[wasm_bindgen(js_name = acListen)]
pub fn ac_listen(topic: u32, id: u32, callback: JsValue, once: bool) {
    let method = match (callback.is_undefined(), once) {
        (true, _) => Method::Off,
        (false, true) => Method::Once,
        (false, false) => Method::On,
    };
    if let Some(topic) = Topic::from_index(topic as usize) {
        subscribe(
            method,
            topic,
            Callback {
                id,
                function: callback,
            },
        );
    }
}

/// `ac(method, ...args)`, called by the loader with the arguments as an array. Never throws: a bad call is a
/// console error and returns `undefined` (`false` for `accept`/`reject`/`ignore`).
#[wasm_bindgen]
pub fn ac(args: Array) -> JsValue {
    let method = match Method::parse(&arg(&args.get(0))) {
        Ok(m) => m,
        Err(e) => {
            console_error(&e.0);
            // A page waiting on a callback (`ac('dom', 'ready', cb)`) hears of the error instead of waiting.
            super::autotrack::fail_callback(&args, &e.0);
            return JsValue::UNDEFINED;
        }
    };
    match method {
        Method::On | Method::Once | Method::Off => {
            listen(method, &args.get(1), &args.get(2));
            JsValue::UNDEFINED
        }
        Method::Init | Method::Pageview | Method::Record | Method::Identify => {
            track(method, &args);
            JsValue::UNDEFINED
        }
        Method::Load => {
            super::autotrack::load(&args);
            JsValue::UNDEFINED
        }
        Method::FormsTrack => {
            super::autotrack::forms_track(&args);
            JsValue::UNDEFINED
        }
        Method::Offer => offer(&args.get(1)),
        Method::Accept | Method::Reject | Method::Ignore => answer(method, &args.get(1)),
    }
}

fn listen(method: Method, name: &JsValue, callback: &JsValue) {
    let topic = match method.check_listener(&arg(name), &arg(callback)) {
        Ok(t) => t,
        Err(e) => return console_error(&e.0),
    };
    // The next call with this name (a string: it passed) takes the fast path in `ac`: no string copy, no parse.
    learn(name, topic.index() as u32);
    let callback = Callback {
        id: fn_id(callback),
        function: callback.clone(),
    };
    subscribe(method, topic, callback);
    changed();
}

/// on/once/off on the emitter (the caller drops the JS lists).
fn subscribe(method: Method, topic: Topic, callback: Callback) {
    with(|s| match method {
        Method::Off => {
            // Dead from now on: a dispatch under way that has not reached it skips it.
            s.emitter.take(&topic, &callback);
        }
        Method::Once => {
            s.emitter.once(topic, callback);
        }
        _ => {
            s.emitter.on(topic, callback);
        }
    });
}

/// Delivers `payload` to the listeners of `slot`: one call into JS that runs the loop (js/listeners.js); a
/// second one when the slot's JS list had to be made first; then, when the loop handed the rest back (a `once`
/// in the list, membership changed during a call, or a listener threw), the listeners left, each as the emitter
/// decides, and the report of what they threw. Called without a borrow held.
fn deliver(slot: usize, list: SlotList, payload: &JsValue) {
    let mut done = dispatch_js(slot as u32, payload);
    if done.is_undefined() {
        if !refresh(slot, list) {
            return;
        }
        done = dispatch_js(slot as u32, payload);
    }
    if let Some(from) = done.as_f64() {
        finish(slot, from as usize, payload);
    }
}

/// The rest of a dispatch the JS loop handed back at listener `from` of the slot's list: each listener left is
/// called if the emitter says it may be (`claim`: not removed meanwhile; a `once` not claimed already), then what
/// every listener threw is reported, in order.
fn finish(slot: usize, from: usize, payload: &JsValue) {
    // Taken first, whatever follows: they belong to this dispatch only.
    let errors = carried_errors();
    let Some((snapshot, name)) = with(|s| {
        s.handed
            .iter()
            .find(|(k, _, _)| *k == slot)
            .map(|(_, snapshot, name)| (Rc::clone(snapshot), name.clone()))
    }) else {
        return;
    };
    for l in snapshot.iter().skip(from) {
        match with(|s| s.emitter.claim(l)) {
            Claim::Skip => continue,
            Claim::Once => changed(),
            Claim::Run => {}
        }
        call_listener(&l.callback().function, payload, &errors);
    }
    report_thrown(&name, &errors);
}

/// The listeners of an event slot: its `'<media>:<state>'` and `'<media>:all'` ones together.
fn event_list(e: &Emitter<Topic, Callback>, slot: usize) -> Option<(Snapshot, String)> {
    let i = slot.checked_sub(TOPICS)?;
    let media = MEDIA.get(i / STATES.len())?.0;
    let state = STATES.get(i % STATES.len())?.0;
    Some((
        e.snapshot(&Topic::keys(media, state)),
        journey::event_name(media, state),
    ))
}

/// The listeners of a topic slot (the benchmark hook dispatches to one name's listeners).
#[cfg(feature = "bench")]
fn topic_list(e: &Emitter<Topic, Callback>, slot: usize) -> Option<(Snapshot, String)> {
    Topic::from_index(slot).map(|t| (e.snapshot(&[t]), t.name()))
}

/// Gives a slot's snapshot and name, `None` for a slot that does not exist.
type SlotList = fn(&Emitter<Topic, Callback>, usize) -> Option<(Snapshot, String)>;

/// Hands the JS side the list of `slot` after a change of membership (JS drops its lists on every change):
/// whether the slot can be dispatched.
fn refresh(slot: usize, list: SlotList) -> bool {
    with(|s| {
        let Some((snapshot, name)) = list(&s.emitter, slot) else {
            return false;
        };
        let fns = Array::new();
        for l in snapshot.iter() {
            fns.push(&l.callback().function);
        }
        set_list(slot as u32, fns, snapshot.iter().any(|l| l.is_once()));
        let name = JsValue::from_str(&name);
        match s.handed.iter_mut().find(|(k, _, _)| *k == slot) {
            Some(h) => *h = (slot, snapshot, name),
            None => s.handed.push((slot, snapshot, name)),
        }
        true
    })
}

fn track(method: Method, args: &Array) {
    // Tracking calls take at most two arguments; more are ignored, as the vendor's SDK does.
    let (first, second) = (args.get(1), args.get(2));
    if let Err(e) = method.check_tracking(&[arg(&first), arg(&second)]) {
        return console_error(&e.0);
    }
    record_tracking(method, &first, &second);
}

/// Reports a valid tracking call (`init`, `pageview`, `record`, `identify`) to analytics with source `ac`, as
/// `ac(method, first, second)` does: the autotrack modules record through here too.
pub(crate) fn record_tracking(method: Method, first: &JsValue, second: &JsValue) {
    // `identify` is kept for the next `pageview` or `record`, which carries it as `identity`.
    let identity = match method {
        Method::Pageview | Method::Record => with(|s| s.identity.take()),
        _ => None,
    };
    let visitor = visitor();
    let data = track_data(
        method.name(),
        first,
        second,
        &visitor.customer_id,
        &visitor.session_id,
        identity.as_ref().unwrap_or(&JsValue::UNDEFINED),
    );
    if method == Method::Identify {
        with(|s| s.identity = Some(data.clone()));
    }
    analytics::record(crate::core::analytics::Source::Ac, method.name(), &data);
}

fn offer(options: &JsValue) -> JsValue {
    if !matches!(arg(options), Arg::Object) {
        console_error(&concat(&[
            "ac('offer', options): options must be an object { mediaType, actionMapId, actionMapVersion }, got ",
            arg(options).kind(),
        ]));
        return JsValue::UNDEFINED;
    }
    let args = OfferArgs {
        media_type: arg(&get(options, "mediaType")),
        action_map_id: arg(&get(options, "actionMapId")),
        action_map_version: arg(&get(options, "actionMapVersion")),
        action_id: arg(&get(options, "actionId")),
        timeout_ms: arg(&get(options, "timeoutMs")),
    };
    let offer = match args.validate(new_uuid) {
        Ok(o) => o,
        Err(e) => {
            console_error(&e.0);
            return JsValue::UNDEFINED;
        }
    };
    let id = JsValue::from_str(&offer.action_id);
    match with(|s| s.journey.offer(offer, js_sys::Date::now())) {
        Ok(events) => {
            sync_timer();
            emit(events);
            id
        }
        Err(e) => {
            console_error(&e.0);
            JsValue::UNDEFINED
        }
    }
}

fn answer(method: Method, action_id: &JsValue) -> JsValue {
    let (id, to) = match method.check_answer(&arg(action_id)) {
        Ok(x) => x,
        Err(e) => {
            console_error(&e.0);
            return JsValue::FALSE;
        }
    };
    match with(|s| s.journey.transition(&id, to, None)) {
        Ok(events) => {
            sync_timer();
            emit(events);
            JsValue::TRUE
        }
        Err(e) => {
            console_error(&concat(&[
                "ac('",
                method.name(),
                "', '",
                &text::shown(&id),
                "'): ",
                &e.0,
            ]));
            JsValue::FALSE
        }
    }
}

/// Where a chat started with `interactionData.journey` reports its progress, so that web action moves through
/// accepted → started → engaged → completed, or errored. `journey` is the `interactionData.journey` object
/// (`{ actionId, actionMapId, actionMapVersion, … }`); `state` one of those state names; `error` the code and
/// message for `errored`. Steps a report skips are filled in; repeating a state, or reporting an earlier one
/// (a restored chat), changes nothing. An action the page never offered is adopted as a web chat.
pub fn journey_chat_progress(journey: &JsValue, state: &str, error: Option<(i32, &str)>) {
    let Some(to) = State::parse(state) else {
        return console_error(&concat(&[
            "ac: a chat reported the unknown web action state '",
            &text::shown(state),
            "'",
        ]));
    };
    let action_id = match arg(&get(journey, "actionId")) {
        Arg::Str(s) if !s.is_empty() => s,
        other => {
            return console_error(&concat(&[
                "ac: interactionData.journey.actionId must be a non-empty string to link the chat to a web action, \
                 got ",
                other.kind(),
            ]))
        }
    };
    let action_map_id = get(journey, "actionMapId").as_string().unwrap_or_default();
    let action_map_version = get(journey, "actionMapVersion")
        .as_f64()
        .filter(|v| v.fract() == 0.0 && *v >= 1.0 && *v <= f64::from(u32::MAX))
        .map_or(1, |v| v as u32);
    let link = ChatLink {
        action_id,
        action_map_id,
        action_map_version,
    };
    let error = error.map(|(code, message)| (code, message.to_string()));
    match with(|s| s.journey.chat_progress(link, to, error)) {
        Ok(events) => {
            sync_timer();
            emit(events);
        }
        Err(e) => console_error(&concat(&[
            "ac: the linked chat reported '",
            &text::shown(state),
            "': ",
            &e.0,
        ])),
    }
}

/// Delivers events in order. Events raised while a dispatch is under way (by a listener) are queued and
/// delivered by the outermost call once the current event reached all its listeners.
fn emit(mut events: Vec<Event>) {
    if events.is_empty() {
        return;
    }
    let outermost = with(|s| {
        s.queue.append(&mut events);
        !std::mem::replace(&mut s.dispatching, true)
    });
    if !outermost {
        return;
    }
    loop {
        // A short queue: remove(0) costs less wasm than a VecDeque.
        let next = with(|s| {
            let next = (!s.queue.is_empty()).then(|| s.queue.remove(0));
            s.dispatching = next.is_some();
            next
        });
        let Some(event) = next else {
            break;
        };
        let name = event.name();
        let payload = event_payload(&event);
        analytics::record(crate::core::analytics::Source::Ac, &name, &payload);
        deliver(event_slot(event.action.media, event.state), event_list, &payload);
    }
}

/// The documented payload for one event. One object per event, shared by its listeners (the vendor's own example
/// adds `conversationId` to it).
fn event_payload(event: &Event) -> JsValue {
    let visitor = visitor();
    let a = &event.action;
    let (code, message) = match &event.error {
        Some((code, message)) => (Some(*code), Some(message.clone())),
        None => (None, None),
    };
    payload(
        &a.action_id,
        event.state.name(),
        a.media.name(),
        &a.action_map_id,
        a.action_map_version,
        &visitor.customer_id,
        &visitor.session_id,
        code,
        message,
    )
}

// ---------------------------------------------------------------------------------------------------------
// The offer timer: one setTimeout for the core's next deadline
// ---------------------------------------------------------------------------------------------------------

thread_local! {
    /// The offer timer, set to the journey's next deadline.
    static OFFER_ALARM: Alarm = Alarm::new(on_tick);
}

/// Sets the offer timer to the core's next deadline (cleared when no offer waits).
fn sync_timer() {
    let want = with(|s| s.journey.next_deadline());
    OFFER_ALARM.with(|a| a.set(want));
}

fn on_tick() {
    // A timer that fired a little early times nothing out and is set again for the same deadline.
    OFFER_ALARM.with(Alarm::fired);
    let events = with(|s| s.journey.expire(clock::now()));
    sync_timer();
    emit(events);
}

// ---------------------------------------------------------------------------------------------------------
// The visitor: customerId (first-party cookie) and sessionId (sessionStorage)
// ---------------------------------------------------------------------------------------------------------

fn visitor() -> Visitor {
    if let Some(v) = with(|s| s.visitor.clone()) {
        return v;
    }
    // Read (and the cookie renewed) in one call: what the ids are is the JS helper's `visitorIds`.
    let ids = visitor_ids();
    let v = Visitor {
        customer_id: ids.get(0),
        session_id: ids.get(1),
    };
    with(|s| s.visitor = Some(v.clone()));
    v
}

/// A UUID v4: `crypto.randomUUID()`, or the same from `crypto.getRandomValues()` where `randomUUID` is missing
/// (pages served over plain http from a non-local host are not a secure context).
pub fn new_uuid() -> String {
    uuid()
}

/// Benchmark hook (`npm run bench`'s own build only, never in dist/): the number of the topic `name` plus one
/// (0 when it is not a topic), which the page keeps, as `ac('on', …)` keeps names it has seen, so a dispatch
/// carries no string.
#[cfg(feature = "bench")]
#[wasm_bindgen(js_name = acBenchTopic)]
pub fn ac_bench_topic(name: &str) -> u32 {
    Topic::parse(name).map_or(0, |t| t.index() as u32 + 1)
}

/// Benchmark hook: brings the JS list of topic number `topic` (from `acBenchTopic`) up to date, as a web action
/// event's is when the JS side finds its list dropped (a subscription changed): 0 for no topic, else `topic`. The page then runs the same loop (`dispatch` in js/listeners.js) with its payload.
/// The emitter is measured beside mitt, eventemitter3 and nanoevents doing the same work: an event raised in
/// the wasm crosses once, into the loop; an emit from JS crosses only when membership changed since.
#[cfg(feature = "bench")]
#[wasm_bindgen(js_name = acBenchPrepare)]
pub fn ac_bench_prepare(topic: u32) -> u32 {
    // A topic's slot is its number (event slots come after them).
    match (topic as usize).checked_sub(1) {
        Some(slot) if refresh(slot, topic_list) => topic,
        _ => 0,
    }
}

/// Benchmark hook: the rest of a dispatch of topic number `topic` that the JS loop handed back at listener
/// `from` (a `once` in the list, or membership changed during a call), as a web action event's is finished.
#[cfg(feature = "bench")]
#[wasm_bindgen(js_name = acBenchFinish)]
pub fn ac_bench_finish(topic: u32, from: u32, payload: &JsValue) {
    if let Some(slot) = (topic as usize).checked_sub(1) {
        finish(slot, from as usize, payload);
    }
}
