//! The shell of `ac('load', module, config, callback)` and `ac('forms:track', selector, options)` over
//! `core::autotrack`: reads the page's configuration through `js/autotrack.js` (which catches whatever a getter
//! or Proxy throws and hands back plain data), lets the core validate it, starts the module's watcher there, and
//! records what the core says each observation records, through the same path as `ac('record')` and
//! `ac('pageview')` (`web::ac::record_tracking`: analytics, with source `ac`).
//!
//! A callback given to `ac('load', …)` is called from a task of its own: with no argument once the module is
//! loaded, with an `Error` naming the problem when it is not. An unknown `ac()` method calls a trailing callback
//! with an `Error` the same way ([`fail_callback`]), so no page waits forever.

use std::cell::RefCell;

use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::autotrack::{
    Autotrack, ConfigArgs, Field, FormArgs, FormEvent, Module, RuleArgs, Trigger, MAX_RULES,
};
use crate::core::guestchat::json::Obj;
use crate::core::journey::{concat, Arg, Method};

use super::ac::{console_error, record_tracking};

#[wasm_bindgen(module = "/js/autotrack.js")]
extern "C" {
    // None of these throws: each catches inside and returns what went wrong as a value.
    #[wasm_bindgen(js_name = readConfig)]
    fn read_config(
        module: &str,
        config: &JsValue,
        list_key: &str,
        field_key: &str,
        uses_selector: bool,
        max: u32,
    ) -> JsValue;
    #[wasm_bindgen(js_name = readForm)]
    fn read_form(selector: &JsValue, options: &JsValue, max: u32) -> JsValue;
    #[wasm_bindgen(js_name = callLater)]
    fn call_later(callback: &JsValue, message: Option<String>, label: &str);
    #[wasm_bindgen(js_name = watch)]
    fn watch_js(reporter: &Function, module: u32, id: u32, selector: Option<String>);
    /// A page value's kind, numbered as `Arg`'s; never throws (a revoked Proxy is an object).
    #[wasm_bindgen(js_name = kindOf)]
    fn kind_of(v: &JsValue) -> u8;
    /// `s` cut to its first `n` UTF-16 units.
    fn head(s: &JsValue, n: u32) -> JsValue;
    #[wasm_bindgen(js_name = formAttributes)]
    fn form_attributes(
        form_name: &str,
        data_json: Option<String>,
        traits_json: Option<String>,
        attrs: &JsValue,
    ) -> JsValue;
}

/// Observations `js/autotrack.js` reports, numbered as its watchers are (the module numbers, then forms).
const CLICK: u32 = 0;
const IDLE: u32 = 1;
const IN_VIEW: u32 = 2;
const SCROLL: u32 = 3;
const URL: u32 = 4;
const FORM: u32 = 5;

type Reporter = Closure<dyn FnMut(u32, JsValue, JsValue) -> JsValue>;

#[derive(Default)]
struct State {
    core: Autotrack,
    /// Each rule's `customAttributes`, copied when it was loaded (`undefined` when it has none).
    attrs: Vec<(u32, JsValue)>,
    /// Where the watchers report; made once, owned here for the page's life.
    reporter: Option<Reporter>,
}

thread_local! {
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
}

fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    STATE.with(|s| f(s.borrow_mut().get_or_insert_with(State::default)))
}

fn reporter() -> Function {
    with(|s| {
        s.reporter
            .get_or_insert_with(|| Closure::<dyn FnMut(u32, JsValue, JsValue) -> JsValue>::new(observed))
            .as_ref()
            .unchecked_ref::<Function>()
            .clone()
    })
}

/// A page value as far as validation needs it, read without running page code or throwing.
fn page_arg(v: &JsValue) -> Arg {
    let kind = kind_of(v);
    // A string is cut before it is copied into the wasm: no module name is anywhere near this long.
    arg_of(kind, &if kind == 4 { head(v, 1001) } else { v.clone() })
}

/// `core::journey::Arg` from a kind number (`kindOf`'s) and the value; only primitives are read.
fn arg_of(kind: u8, v: &JsValue) -> Arg {
    match kind {
        0 => Arg::Undefined,
        1 => Arg::Null,
        2 => Arg::Bool(v.as_bool().unwrap_or(false)),
        3 => Arg::Number(v.as_f64().unwrap_or(f64::NAN)),
        4 => Arg::Str(v.as_string().unwrap_or_default()),
        5 => Arg::Function,
        6 => Arg::Array,
        7 => Arg::Object,
        // Symbols and bigints: nothing a module accepts.
        _ => Arg::Bool(false),
    }
}

fn is_function(v: &JsValue) -> bool {
    kind_of(v) == 5
}

/// A cell of the plain arrays `js/autotrack.js` builds: `[kind, value]`, as `core::journey::Arg` numbers kinds.
struct Cells {
    a: Array,
    i: u32,
}

impl Cells {
    fn next(&mut self) -> JsValue {
        let v = self.a.get(self.i);
        self.i += 1;
        v
    }

    fn arg(&mut self) -> Arg {
        let kind = self.next().as_f64().unwrap_or(0.0) as u8;
        arg_of(kind, &self.next())
    }

    fn flag(&mut self) -> bool {
        self.next().as_bool().unwrap_or(false)
    }

    fn count(&mut self) -> usize {
        self.next()
            .as_f64()
            .filter(|n| *n >= 0.0)
            .map_or(0, |n| n as usize)
    }
}

/// `ac('load', module, config, callback)`; `ac('load', module, callback)` when the module takes no config.
pub fn load(args: &Array) {
    let mut config = args.get(2);
    let mut callback = args.get(3);
    if is_function(&config) && callback.is_undefined() {
        callback = std::mem::replace(&mut config, JsValue::UNDEFINED);
    }
    let module = match Module::parse(&page_arg(&args.get(1))) {
        Ok(m) => m,
        Err(e) => return failed(&callback, &e, "ac('load')"),
    };
    let label = concat(&["ac('load', '", module.name(), "')"]);
    match load_module(module, &config) {
        Ok(()) => {
            if is_function(&callback) {
                call_later(&callback, None, &label);
            }
        }
        Err(e) => failed(&callback, &e, &label),
    }
}

fn load_module(module: Module, config: &JsValue) -> Result<(), String> {
    let raw = read_config(
        module.name(),
        config,
        module.list_key(),
        module.field_key(),
        module.uses_selector(),
        MAX_RULES as u32,
    );
    if let Some(e) = raw.as_string() {
        return Err(e);
    }
    let mut c = Cells {
        a: raw.unchecked_into(),
        i: 0,
    };
    let cfg_arg = c.arg();
    let list = c.arg();
    let len = c.count();
    let mut rules = Vec::new();
    let mut copies = Vec::new();
    if list == Arg::Array {
        for _ in 0..len.min(MAX_RULES + 1) {
            let field = c.arg();
            let selector_ok = c.flag();
            let event_name = c.arg();
            let custom_attributes = c.arg();
            copies.push(c.next());
            rules.push(RuleArgs {
                field,
                selector_ok,
                event_name,
                custom_attributes,
            });
        }
    }
    let cfg = ConfigArgs {
        config: cfg_arg,
        list,
        len,
        rules,
    };
    let specs = crate::core::autotrack::validate(module, &cfg)?;
    let first_url_change = module == Module::UrlChange && !with(|s| s.core.url_change_loaded());
    let added = with(|s| {
        let added = s.core.load(module, specs.clone())?;
        for r in &added {
            // The attributes of the first entry that asked for this rule.
            let copy = specs
                .iter()
                .position(|sp| sp.trigger == r.trigger && sp.event_name == r.event_name)
                .and_then(|i| copies.get(i).cloned())
                .unwrap_or(JsValue::UNDEFINED);
            s.attrs.push((r.id, copy));
        }
        Ok::<_, String>(added)
    })?;
    let reporter = reporter();
    for r in added {
        let selector = match r.trigger {
            Trigger::Selector(s) => Some(s),
            _ => None,
        };
        watch_js(&reporter, module.index(), r.id, selector);
    }
    if first_url_change {
        watch_js(&reporter, URL, 0, None);
    }
    Ok(())
}

/// `ac('forms:track', selector, options)`.
pub fn forms_track(args: &Array) {
    let callback = args.get(3);
    let raw = read_form(&args.get(1), &args.get(2), MAX_RULES as u32);
    let result = match raw.as_string() {
        Some(e) => Err(e),
        None => track_form(raw.unchecked_into()),
    };
    match result {
        Ok(()) => {
            if is_function(&callback) {
                call_later(&callback, None, "ac('forms:track')");
            }
        }
        Err(e) => failed(&callback, &e, "ac('forms:track')"),
    }
}

fn track_form(a: Array) -> Result<(), String> {
    let mut c = Cells { a, i: 0 };
    let selector = c.arg();
    let selector_ok = c.flag();
    let options = c.arg();
    let form_name = c.arg();
    let capture_on_submit = c.arg();
    let capture_on_abandon = c.arg();
    let custom_attributes = c.arg();
    let copy = c.next();
    let traits_mapper = c.arg();
    let traits_len = c.count();
    let mut traits = Vec::new();
    if traits_mapper == Arg::Array {
        for _ in 0..traits_len.min(MAX_RULES) {
            traits.push((c.arg(), c.arg()));
        }
    }
    let rule = FormArgs {
        selector,
        selector_ok,
        options,
        form_name,
        capture_on_submit,
        capture_on_abandon,
        custom_attributes,
        traits_mapper,
        traits_len,
        traits,
    }
    .validate()?;
    let selector = rule.selector.clone();
    let (id, new) = with(|s| {
        let known = s.core.forms().iter().any(|f| f.selector == selector);
        let id = s.core.track_form(rule)?;
        s.attrs.retain(|(i, _)| *i != id);
        s.attrs.push((id, copy));
        Ok::<_, String>((id, !known))
    })?;
    if new {
        watch_js(&reporter(), FORM, id, Some(selector));
    }
    Ok(())
}

/// A console error, and the page's callback (when it gave one) called with an `Error` from a task of its own.
fn failed(callback: &JsValue, message: &str, label: &str) {
    console_error(message);
    if is_function(callback) {
        call_later(callback, Some(message.to_string()), label);
    }
}

/// For a call `ac()` refused before knowing its method: a trailing callback hears of the error.
pub fn fail_callback(args: &Array, message: &str) {
    let n = args.length();
    if n < 2 {
        return;
    }
    let last = args.get(n - 1);
    if is_function(&last) {
        call_later(&last, Some(message.to_string()), "ac()");
    }
}

/// Where `js/autotrack.js` reports what it observed (see the numbers above); answers what the watcher needs to
/// know next (the idle deadline, the next scroll depth; -1 for nothing).
fn observed(kind: u32, a: JsValue, b: JsValue) -> JsValue {
    match kind {
        CLICK => {
            let ids = ids_of(&a);
            let due = with(|s| s.core.clicked(&ids));
            record_rules(&due);
        }
        IDLE => {
            let (now, last) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
            let (due, next) = with(|s| s.core.idle(now, last));
            record_rules(&due);
            return JsValue::from_f64(next.unwrap_or(-1.0));
        }
        IN_VIEW => {
            let (rule, el) = (a.as_f64().unwrap_or(0.0) as u32, b.as_f64().unwrap_or(0.0) as u32);
            if with(|s| s.core.in_view(rule, el)) {
                record_rules(&[rule]);
            }
        }
        SCROLL => {
            let (due, next) = with(|s| s.core.scrolled(a.as_f64().unwrap_or(0.0)));
            record_rules(&due);
            return JsValue::from_f64(next.unwrap_or(-1.0));
        }
        URL => {
            // `b`: the pageview's attributes, `{ location, title }`, made by the watcher.
            let href = a.as_string().unwrap_or_default();
            if with(|s| s.core.url(&href)) {
                record_tracking(Method::Pageview, &b, &JsValue::UNDEFINED);
            }
        }
        FORM => form_observed(&a),
        _ => {}
    }
    JsValue::UNDEFINED
}

fn ids_of(a: &JsValue) -> Vec<u32> {
    // Our own arrays (js/autotrack.js builds them): no page code runs.
    if !super::page::is_list(a) {
        return Vec::new();
    }
    let a: &Array = a.unchecked_ref();
    (0..a.length().min(MAX_RULES as u32 * 5))
        .filter_map(|i| a.get(i).as_f64())
        .map(|n| n as u32)
        .collect()
}

/// Records each rule's event with its `customAttributes`, as `ac('record', eventName, customAttributes)`.
fn record_rules(ids: &[u32]) {
    let found: Vec<(String, JsValue)> = with(|s| {
        ids.iter()
            .filter_map(|id| Some((s.core.rule(*id)?.event_name.clone(), attrs_of(s, *id))))
            .collect()
    });
    for (name, attrs) in found {
        record_tracking(Method::Record, &JsValue::from_str(&name), &attrs);
    }
}

fn attrs_of(s: &State, id: u32) -> JsValue {
    s.attrs
        .iter()
        .find(|(i, _)| *i == id)
        .map_or(JsValue::UNDEFINED, |(_, a)| a.clone())
}

/// `[rule, element, event (0 submitted, 1 abandoned), the form's name or id, ...name, type, value]`.
fn form_observed(a: &JsValue) {
    if !super::page::is_list(a) {
        return;
    }
    let a: &Array = a.unchecked_ref();
    let num = |i: u32| a.get(i).as_f64().unwrap_or(0.0) as u32;
    let text = |i: u32| a.get(i).as_string().unwrap_or_default();
    let (rule, element) = (num(0), num(1));
    let event = if num(2) == 0 {
        FormEvent::Submitted
    } else {
        FormEvent::Abandoned
    };
    let dom_name = text(3);
    let n = a.length().min(4 + 3 * crate::core::autotrack::MAX_FIELDS as u32);
    let mut fields = Vec::new();
    let mut i = 4;
    while i + 2 < n {
        fields.push(Field {
            name: text(i),
            kind: text(i + 1),
            value: text(i + 2),
        });
        i += 3;
    }
    let decided = with(|s| {
        let record = s.core.form_event(rule, element, event, &dom_name, &fields)?;
        Some((record, attrs_of(s, rule)))
    });
    let Some((record, attrs)) = decided else {
        return;
    };
    // As JSON objects (the core's writer: no per-string glue), parsed on the JS side.
    let json = |pairs: Vec<(String, String)>| {
        let mut o = Obj::new();
        for (k, v) in &pairs {
            o.str(k, v);
        }
        o.finish()
    };
    let traits = (!record.traits.is_empty()).then(|| json(record.traits));
    let attributes = form_attributes(&record.form_name, record.data.map(json), traits, &attrs);
    record_tracking(
        Method::Record,
        &JsValue::from_str(&record.event_name),
        &attributes,
    );
}
