//! The Engage Digital embedded-UI shell: the window `message` listener over `core::embedded`.
//!
//! `cxbridge.embedded.listen({ allowedOrigins, frame, debug, allowAnyOrigin })` returns an [`EmbeddedListener`]
//! whose `stop()` removes its window listeners (`message` and `messageerror`) and frees their closure, so a page
//! can listen and stop any number of times without leaving a closure behind. Until `stop()`, the listener lives
//! even if the page drops the handle.
//!
//! - `allowedOrigins`: exact origins as `event.origin` spells them (`'https://acme.digital.ringcentral.com'`).
//!   An empty list, `'*'` or `'null'` is refused with an Error, unless `allowAnyOrigin: true` is given (then
//!   every origin but `"null"` passes: name a `frame` too).
//! - `frame`: the `<iframe>` element (or a window) whose messages are accepted; other windows are refused even
//!   from an allowed origin.
//! - `debug: true`: every accepted message is logged with `console.debug` as the vendor's first example logs it
//!   (`[Event Triggered] - <name>`, then the data as JSON) and every rejected one with `console.warn` and its
//!   reason. Without debug, only a vendor event from the expected frame whose payload is malformed is warned
//!   about; messages meant for someone else are counted, not logged.
//!
//! A known event whose payload differs from the catalog (a key missing, a null, another type) is accepted and
//! delivered like any other: each difference is a `console.warn` naming the event and the key, and the analytics
//! event carries them all as `catalogMismatch` (`['data.taskID: expected string, got null']`).
//!
//! Accepted events reach, in this order, the `cxbridge.embedded.on` callbacks (`cb(data, name)`, in the order
//! they were added; one that throws is reported with `console.error` and the others still run; one removed
//! during a dispatch is not called afterwards, one added is called from the next event on), the bus as
//! `EngageDigital.<name>` with `{name, data}`, and analytics with source `EngageDigitalEmbeddedUI`.
//!
//! `data` is always a fresh copy, built by defining properties (`Object.fromEntries`), never by assignment, so a
//! key such as `__proto__` or `constructor` arrives as an ordinary own property and reaches no prototype. With
//! several listeners active, a message is judged (and counted) by each.

use std::rc::Rc;

use js_sys::{Array, Function, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::MessageEvent;

use super::js_error;
use crate::core::analytics::Source;
use crate::core::embedded::{
    self as core, EmbeddedError, EventSpec, Found, Mismatch, OriginPolicy, Rejection, Stats,
};

/// The walk over `event.data` and the objects handed back, in `js/embedded.js`: as web-sys glue (a Reflect call per
/// property read) they cost the wasm several times their size. The walk is handed core::embedded's limits and the
/// code of each answer it may give (`Rejection::code`, `Found::code`) on every call, and answers with one of them.
#[wasm_bindgen(module = "/js/embedded.js")]
extern "C" {
    /// `event.data.name` (a string), or the code of the failure (a number).
    #[wasm_bindgen(js_name = readName)]
    #[allow(clippy::too_many_arguments)]
    fn read_name(
        message: &JsValue,
        max_len: u32,
        prefix: &str,
        not_an_object: u32,
        name_missing: u32,
        name_not_string: u32,
        name_not_smcc: u32,
        name_malformed: u32,
        unreadable: u32,
    ) -> JsValue;
    /// The bounded copy of `event.data.data` (an object), or the code of the failure (a number).
    #[wasm_bindgen(js_name = copyData)]
    #[allow(clippy::too_many_arguments)]
    fn copy_data(
        message: &JsValue,
        optional: bool,
        max_depth: u32,
        max_values: u32,
        data_not_object: u32,
        too_deep: u32,
        too_large: u32,
        not_json: u32,
        unreadable: u32,
    ) -> JsValue;
    /// What the copy holds under `key`: the code of one of the `Found` variants it is handed.
    #[allow(clippy::too_many_arguments)]
    fn found(
        copy: &JsValue,
        key: &str,
        missing: u32,
        undefined: u32,
        null: u32,
        boolean: u32,
        number: u32,
        string: u32,
        array: u32,
        object: u32,
        other: u32,
    ) -> u32;
    #[wasm_bindgen(js_name = logAccepted)]
    fn log_accepted_js(prefix: &str, name: &JsValue, data: &JsValue);
    #[wasm_bindgen(js_name = stats)]
    fn stats_object(accepted: f64, rejected: f64) -> JsValue;
    /// The bus payload `{name, data}`.
    fn pair(name: &JsValue, data: &JsValue) -> JsValue;
    /// `console.warn('cxbridge.embedded: rejected a message from <origin>: <reason>', event.data)`.
    #[wasm_bindgen(js_name = warnRejected)]
    fn warn_rejected(event: &MessageEvent, reason: &str);
    /// One `console.warn` per line of `differences` (each `<name>: data.<key>: expected …`); returns the analytics
    /// marker, the lines without the event name, as an array.
    fn mismatched(event: &MessageEvent, differences: &str) -> JsValue;
    /// `console.error('cxbridge.embedded: a listener of <name> threw:', err)`.
    #[wasm_bindgen(js_name = reportThrown)]
    fn report_thrown(name: &JsValue, err: &JsValue);
    /// `{ allowAnyOrigin, debug, allowedOrigins: [origin or null…] }`, or the name of the option of the wrong type
    /// (`options`, `allowedOrigins`). Rust judges the origins.
    #[wasm_bindgen(js_name = readOptions, catch)]
    fn read_options(options: &JsValue, max_origins: u32) -> Result<JsValue, JsValue>;
    /// `listen()`'s options, as `readOptions` copied them.
    type ListenOptions;
    #[wasm_bindgen(method, getter, js_name = allowAnyOrigin)]
    fn allow_any_origin(this: &ListenOptions) -> bool;
    #[wasm_bindgen(method, getter)]
    fn debug(this: &ListenOptions) -> bool;
    #[wasm_bindgen(method, getter, js_name = allowedOrigins)]
    fn allowed_origins(this: &ListenOptions) -> Array;
    /// `options.frame`: null, the element or window, or false (neither).
    #[wasm_bindgen(js_name = readFrame, catch)]
    fn read_frame(options: &JsValue) -> Result<JsValue, JsValue>;
    /// The window a frame option stands for now (null: an iframe with none).
    #[wasm_bindgen(js_name = frameWindow)]
    fn frame_window(frame: &JsValue) -> JsValue;
    /// Adds the `message` and `messageerror` listener; returns its remover (None: no window), or what the page's
    /// `addEventListener` threw.
    #[wasm_bindgen(js_name = listenWindow, catch)]
    fn listen_window(listener: &JsValue) -> Result<Option<Function>, JsValue>;
}

const PREFIX: &str = "cxbridge.embedded: ";

/// The listeners' shared state: the counts, the `on`/`off` callbacks and the running listeners.
#[derive(Default)]
struct Shell {
    stats: Stats,
    registry: Registry,
    /// The next listener id, and the running listeners.
    active: (u32, Vec<Active>),
}

leaked_state!(shell: Shell);

#[inline(always)]
fn with<R>(f: impl FnOnce(&mut Shell) -> R) -> R {
    f(&mut shell().borrow_mut())
}

/// The `on`/`off` callbacks. Ids let a dispatch skip callbacks removed while it runs.
#[derive(Default)]
struct Registry {
    next: u32,
    entries: Vec<Entry>,
}

struct Entry {
    id: u32,
    name: String,
    callback: Function,
}

/// What one listener checks; immutable once built, so no borrow exists while a message is judged.
struct Screen {
    policy: OriginPolicy,
    /// The `<iframe>` element or the window given as `frame`.
    frame: Option<JsValue>,
    debug: bool,
}

struct Active {
    id: u32,
    /// Removes the window listeners (made in `js/embedded.js`).
    remove: Function,
    /// `FnMut(JsValue)`: the closure type analytics' callbacks have already (each closure type costs its own shims).
    closure: Closure<dyn FnMut(JsValue)>,
}

/// A running listener, as `cxbridge.embedded.listen()` returns it.
///
/// The window listener is owned by this module, not by the JS object: a page that drops the handle (as it may
/// drop the result of `addEventListener`) keeps listening, instead of going deaf whenever the garbage collector
/// finalizes the handle. `stop()` is what removes it.
#[wasm_bindgen]
pub struct EmbeddedListener {
    id: u32,
}

#[wasm_bindgen]
impl EmbeddedListener {
    /// Removes the window listener. Calling it again does nothing.
    pub fn stop(&self) {
        // Taken out before removeEventListener runs: a page that wrapped it may call stop() again from inside.
        let active = with(|s| {
            let a = &mut s.active.1;
            let i = a.iter().position(|x| x.id == self.id)?;
            Some(a.swap_remove(i))
        });
        if let Some(active) = active {
            let _ = active.remove.call0(&JsValue::UNDEFINED);
            drop(active.closure);
        }
    }
}

fn parse_options(options: &JsValue) -> Result<Screen, JsValue> {
    let read = read_options(options, core::MAX_ORIGINS as u32)?;
    if let Some(wrong) = read.as_string() {
        return Err(js_error(if wrong == "options" {
            EmbeddedError::OptionsNotObject
        } else {
            EmbeddedError::OriginsNotArray
        }));
    }
    let read: ListenOptions = read.unchecked_into();
    let origins = super::page::strings(&read.allowed_origins());
    let policy = OriginPolicy::new(origins, read.allow_any_origin()).map_err(js_error)?;
    let debug = read.debug();
    let frame = read_frame(options)?;
    if frame.as_bool() == Some(false) {
        return Err(js_error(EmbeddedError::NotAFrame));
    }
    Ok(Screen {
        policy,
        frame: (!frame.is_null()).then_some(frame),
        debug,
    })
}

/// `cxbridge.embedded.listen(options)`: starts listening; the handle's `stop()` ends it.
#[wasm_bindgen(js_name = embeddedListen)]
pub fn embedded_listen(options: JsValue) -> Result<EmbeddedListener, JsValue> {
    let screen = Rc::new(parse_options(&options)?);
    let closure =
        Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| on_message(&screen, event.unchecked_ref()));
    // `messageerror` is what the browser fires instead of `message` when it cannot deserialize the data: the
    // same listener counts it, so every message posted to the page ends as accepted or rejected.
    let remove = listen_window(closure.as_ref())?.ok_or_else(|| js_error(EmbeddedError::NoWindow))?;
    let id = with(|s| {
        let a = &mut s.active;
        let id = a.0;
        a.0 = id.wrapping_add(1);
        a.1.push(Active { id, remove, closure });
        id
    });
    Ok(EmbeddedListener { id })
}

/// An accepted message, ready to deliver.
struct Accepted {
    name: String,
    name_js: JsValue,
    spec: Option<&'static EventSpec>,
    data: JsValue,
    /// How the payload differs from the catalog (empty: as documented, or not a catalog event).
    differences: Vec<Mismatch>,
}

fn on_message(screen: &Screen, event: &MessageEvent) {
    let verdict = judge(screen, event);
    with(|s| s.stats.count(verdict.is_ok()));
    match verdict {
        Ok(accepted) => {
            if screen.debug {
                log_accepted(&accepted);
            }
            let marker = report_differences(event, &accepted.differences);
            deliver(&accepted, &marker);
        }
        Err(rejection) => {
            if screen.debug || rejection.is_malformed_event() {
                warn_rejected(event, rejection.describe());
            }
        }
    }
}

fn judge(screen: &Screen, event: &MessageEvent) -> Result<Accepted, Rejection> {
    // Before anything else: a script-made event can claim any origin and source, and its data may be a Proxy.
    if !event.is_trusted() {
        return Err(Rejection::Untrusted);
    }
    screen.policy.check(&event.origin())?;
    if let Some(frame) = &screen.frame {
        match event.source() {
            Some(source) if Object::is(&frame_window(frame), &source) => {}
            _ => return Err(Rejection::Source),
        }
    }
    if event.type_() == "messageerror" {
        return Err(Rejection::Undecodable);
    }
    decode(&event.data())
}

fn decode(message: &JsValue) -> Result<Accepted, Rejection> {
    let name_js = read_name(
        message,
        core::MAX_NAME_LEN as u32,
        core::PREFIX,
        Rejection::NotAnObject.code(),
        Rejection::NameMissing.code(),
        Rejection::NameNotString.code(),
        Rejection::NameNotSmcc.code(),
        Rejection::NameMalformed.code(),
        Rejection::Unreadable.code(),
    );
    let name = name_js
        .as_string()
        .ok_or_else(|| Rejection::from_code(name_js.as_f64().unwrap_or_default() as u32))?;
    let spec = core::check_name(&name)?;
    let data = copy_data(
        message,
        spec.is_some_and(|s| s.keys.is_empty()),
        core::MAX_DEPTH as u32,
        core::MAX_VALUES as u32,
        Rejection::DataNotObject.code(),
        Rejection::TooDeep.code(),
        Rejection::TooLarge.code(),
        Rejection::NotJson.code(),
        Rejection::Unreadable.code(),
    );
    if let Some(code) = data.as_f64() {
        return Err(Rejection::from_code(code as u32));
    }
    let differences = spec.map_or_else(Vec::new, |spec| {
        core::compare_payload(spec, |key| {
            Found::from_code(found(
                &data,
                key,
                Found::Missing.code(),
                Found::Undefined.code(),
                Found::Null.code(),
                Found::Boolean.code(),
                Found::Number.code(),
                Found::String.code(),
                Found::Array.code(),
                Found::Object.code(),
                Found::Other.code(),
            ))
        })
    });
    Ok(Accepted {
        name,
        name_js,
        spec,
        data,
        differences,
    })
}

fn log_accepted(accepted: &Accepted) {
    let mut text = String::from(PREFIX);
    if accepted.spec.is_none() {
        text.push_str("(not in the catalog, passed through untyped) ");
    } else if !accepted.differences.is_empty() {
        text.push_str("(differs from the catalog, delivered anyway) ");
    }
    log_accepted_js(&text, &accepted.name_js, &accepted.data);
}

/// Warns once per difference from the catalog; returns the analytics marker (undefined when there is none).
fn report_differences(event: &MessageEvent, differences: &[Mismatch]) -> JsValue {
    if differences.is_empty() {
        return JsValue::UNDEFINED;
    }
    let mut lines = String::new();
    for (i, d) in differences.iter().enumerate() {
        if i > 0 {
            lines.push('\n');
        }
        lines.push_str(&d.describe());
    }
    mismatched(event, &lines)
}

fn deliver(accepted: &Accepted, marker: &JsValue) {
    let name = accepted.name.as_str();
    // Snapshot, release, then call out: a callback may call on()/off() or stop().
    let targets = with(|s| {
        let mut targets = Vec::new();
        for e in &s.registry.entries {
            if e.name == name || e.name == "*" {
                targets.push((e.id, e.callback.clone()));
            }
        }
        targets
    });
    for (id, callback) in &targets {
        let live = with(|s| s.registry.entries.iter().any(|e| e.id == *id));
        if !live {
            continue;
        }
        if let Err(err) = callback.call2(&JsValue::UNDEFINED, &accepted.data, &accepted.name_js) {
            report_thrown(&accepted.name_js, &err);
        }
    }
    super::bus::publish_as_unrecorded("EngageDigital", name, &pair(&accepted.name_js, &accepted.data));
    super::analytics::record_marked(Source::EngageDigitalEmbeddedUI, name, &accepted.data, marker);
}

fn subscription(method: &'static str, name: &JsValue) -> Result<String, JsValue> {
    match name.as_string() {
        Some(n) if core::is_subscribable(&n) => Ok(n),
        _ => Err(js_error(EmbeddedError::NotAnEventName(method))),
    }
}

/// `cxbridge.embedded.on(name, cb)`: `cb(data, name)` for each accepted event of that name (`'*'`: all).
/// Adding the same callback for the same name twice keeps one.
#[wasm_bindgen(js_name = embeddedOn)]
pub fn embedded_on(name: JsValue, callback: JsValue) -> Result<(), JsValue> {
    let name = subscription("on", &name)?;
    let callback: Function = callback
        .dyn_into()
        .map_err(|_| js_error(EmbeddedError::NotAFunction))?;
    with(|s| {
        let r = &mut s.registry;
        let dup = r
            .entries
            .iter()
            .any(|e| e.name == name && Object::is(&e.callback, &callback));
        if !dup {
            let id = r.next;
            r.next = r.next.wrapping_add(1);
            r.entries.push(Entry { id, name, callback });
        }
    });
    Ok(())
}

/// `cxbridge.embedded.off(name, cb)`: removes that callback; without `cb`, every callback of that name.
#[wasm_bindgen(js_name = embeddedOff)]
pub fn embedded_off(name: JsValue, callback: JsValue) -> Result<(), JsValue> {
    let name = subscription("off", &name)?;
    let all = callback.is_undefined() || callback.is_null();
    with(|s| {
        s.registry
            .entries
            .retain(|e| !(e.name == name && (all || Object::is(&e.callback, &callback))))
    });
    Ok(())
}

/// `cxbridge.embedded.stats()`: `{ accepted, rejected }`, over every listener since the page loaded.
#[wasm_bindgen(js_name = embeddedStats)]
pub fn embedded_stats() -> JsValue {
    let stats = with(|s| s.stats);
    stats_object(stats.accepted as f64, stats.rejected as f64)
}
