//! The shell of `ac('load', module, config, callback)` and `ac('forms:track', selector, options)` over
//! `core::autotrack`: copies the page's configuration with `page::plain_copy` (a getter or Proxy that throws
//! becomes an error naming the path), walks the copy through the core's checks, starts the module's watcher in
//! `js/autotrack.js`, and records what the core says each observation records, through the same path as
//! `ac('record')` and `ac('pageview')` (`web::ac::record_tracking`: analytics, with source `ac`).
//!
//! A callback given to `ac('load', …)` is called from a task of its own: with no argument once the module is
//! loaded, with an `Error` naming the problem when it is not. An unknown `ac()` method calls a trailing callback
//! with an `Error` the same way ([`fail_callback`]), so no page waits forever.

use js_sys::{Array, Function, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::autotrack::{
    check, sensitive, Autotrack, FormRule, Module, Spec, Want, FORM_OPTIONS, TRAIT,
};
use crate::core::journey::Method;
use crate::core::text::{concat, push_decimal};

use super::ac::{arg, console_error, get, record_tracking};
use super::page;

#[wasm_bindgen(module = "/js/autotrack.js")]
extern "C" {
    // None of these throws.
    #[wasm_bindgen(js_name = callLater)]
    fn call_later(callback: &JsValue, error: &JsValue, label: &str);
    fn watch(reporter: &Function, module: u32, id: u32, selector: &JsValue, at: f64);
    #[wasm_bindgen(js_name = selectorOk)]
    fn selector_ok(v: &JsValue) -> bool;
    /// Defines `o[k] = v` as an own data property (a field named `__proto__` stays a field).
    fn put(o: &Object, k: &str, v: &JsValue);
}

/// `js/autotrack.js`'s watcher numbers past the modules' (`Module as u32`).
const FORMS: u32 = 5;

#[derive(Default)]
struct State {
    core: Autotrack,
    /// Per module rule (id - 1): its copied configuration entry (`eventName`, `customAttributes`).
    entries: Vec<JsValue>,
    /// Per form rule (id - 1): its copied `customAttributes`.
    forms: Vec<JsValue>,
    /// Where the watchers report; made once, owned here for the page's life.
    reporter: Option<Closure<dyn FnMut(JsValue)>>,
}

leaked_state!(state: State);

#[inline(always)]
fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    f(&mut state().borrow_mut())
}

fn reporter() -> Function {
    with(|s| {
        s.reporter
            .get_or_insert_with(|| Closure::<dyn FnMut(JsValue)>::new(observed))
            .as_ref()
            .unchecked_ref::<Function>()
            .clone()
    })
}

/// Appends the fields `spec` (`key`, what it must be, whether it may be missing) of `obj`, itself an object (or
/// missing when `optional`), to `out`, each checked by the core; an error names the path
/// (`config.clickEvents[0].selector`).
fn walk(obj: &JsValue, at: &str, optional: bool, spec: &Spec, out: &mut Vec<JsValue>) -> Result<(), String> {
    check(&[at], Want::Object, optional, &arg(obj), true)?;
    for &(key, want, optional) in spec {
        let v = get(obj, key);
        let ok = want != Want::Selector || selector_ok(&v);
        check(&[at, ".", key], want, optional, &arg(&v), ok)?;
        out.push(v);
    }
    Ok(())
}

/// [`walk`] for each entry of `list` (when it is an array): per entry, its fields, then the entry itself.
fn each(list: &JsValue, path: &str, spec: &Spec) -> Result<Vec<JsValue>, String> {
    let mut out = Vec::new();
    if page::is_list(list) {
        // Our own copy: reading it runs no page code.
        let list: &Array = list.unchecked_ref();
        for i in 0..list.length() {
            let e = list.get(i);
            let mut at = concat(&[path, "["]);
            push_decimal(&mut at, i as usize);
            at.push(']');
            walk(&e, &at, false, spec, &mut out)?;
            out.push(e);
        }
    }
    Ok(out)
}

/// A bounded copy of a page value made of plain objects and arrays: reading it runs no page code.
fn copy(v: &JsValue, what: &str, depth: u32) -> Result<JsValue, String> {
    page::plain_copy(v, what, depth).map_err(|e| page::thrown_text(&e))
}

fn nth(v: &[JsValue], i: usize) -> JsValue {
    v.get(i).cloned().unwrap_or(JsValue::UNDEFINED)
}

/// A console error naming the call, and the page's callback (when it gave one) called from a task of its own,
/// with an `Error` carrying the same message when the call failed.
fn finish(callback: &JsValue, label: &str, result: Result<(), String>) {
    let error = match result {
        Ok(()) => JsValue::UNDEFINED,
        Err(e) => {
            let m = concat(&[label, ": ", &e]);
            console_error(&m);
            js_sys::Error::new(&m).into()
        }
    };
    if callback.is_function() {
        call_later(callback, &error, label);
    }
}

/// `ac('load', module, config, callback)`; `ac('load', module, callback)` when the module takes no config.
pub fn load(args: &Array) {
    let mut config = args.get(2);
    let mut callback = args.get(3);
    if config.is_function() && callback.is_undefined() {
        callback = std::mem::replace(&mut config, JsValue::UNDEFINED);
    }
    let (label, result) = match Module::parse(&arg(&args.get(1))) {
        Ok(m) => (
            concat(&["ac('load', '", m.row().0, "')"]),
            load_module(m, &config),
        ),
        Err(e) => ("ac('load')".into(), Err(e)),
    };
    finish(&callback, &label, result);
}

fn load_module(m: Module, config: &JsValue) -> Result<(), String> {
    let (_, list_key, spec) = m.row();
    let mut rules = Vec::new();
    if m != Module::UrlChange {
        let config = copy(config, "config", 4)?;
        let mut list = Vec::new();
        walk(
            &config,
            "config",
            false,
            &[(list_key, Want::List, false)],
            &mut list,
        )?;
        // Every entry is checked before any is loaded: a bad configuration changes nothing. Per entry: its
        // field, eventName, customAttributes, then the entry.
        rules = each(&nth(&list, 0), &concat(&["config.", list_key]), spec)?;
    }
    // (The URL module's only configuration is that it is loaded; it is watched once.) `watch` calls no wasm
    // code synchronously (its first observations are reported from a task or a microtask), so it runs with the
    // state borrowed.
    let reporter = reporter();
    with(|s| {
        if m == Module::UrlChange && s.core.load_url_change() {
            watch(&reporter, m as u32, 0, &JsValue::UNDEFINED, 0.0);
        }
        let mut k = 0;
        while k + 3 < rules.len() {
            let field = nth(&rules, k);
            let at = field.as_f64().unwrap_or(0.0);
            s.entries.push(nth(&rules, k + 3));
            watch(&reporter, m as u32, s.core.add(m, at), &field, at);
            k += 4;
        }
    });
    Ok(())
}

/// `ac('forms:track', selector, options)`.
pub fn forms_track(args: &Array) {
    let selector = args.get(1);
    let result = track_form(&selector, &args.get(2));
    finish(&args.get(3), "ac('forms:track')", result);
}

fn track_form(selector: &JsValue, options: &JsValue) -> Result<(), String> {
    check(
        &["the selector"],
        Want::Selector,
        false,
        &arg(selector),
        selector_ok(selector),
    )?;
    let opts = copy(options, "options", 3)?;
    let mut o = Vec::new();
    walk(&opts, "options", true, FORM_OPTIONS, &mut o)?;
    let text = |v: JsValue| v.as_string().unwrap_or_default();
    let mut traits = Vec::new();
    let t = each(&nth(&o, 4), "options.traitsMapper", TRAIT)?;
    for k in 0..t.len() / 3 {
        traits.push((text(nth(&t, k * 3)), text(nth(&t, k * 3 + 1))));
    }
    let rule = FormRule {
        selector: text(selector.clone()),
        name: nth(&o, 0).as_string(),
        on_submit: nth(&o, 1).as_bool() != Some(false),
        on_abandon: nth(&o, 2).as_bool() == Some(true),
        traits,
    };
    let id = with(|s| {
        s.forms.push(nth(&o, 3));
        s.core.track_form(rule)
    });
    watch(&reporter(), FORMS, id, selector, 0.0);
    Ok(())
}

/// For a call `ac()` refused before knowing its method: a trailing callback hears of the error.
pub fn fail_callback(args: &Array, message: &str) {
    let n = args.length();
    if n < 2 {
        return;
    }
    let last = args.get(n - 1);
    if last.is_function() {
        call_later(&last, &js_sys::Error::new(message), "ac()");
    }
}

/// What `js/autotrack.js` observed (our own plain arrays): `[0, rule, a, b]` a rule's watcher fired
/// (`Autotrack::fired`); `[1, href, { location, title }]` the URL may have changed; `[2, rule, element,
/// submitted, the form's name or id, ...field name, type, value]` a form was submitted or abandoned. What to
/// record is decided with the state borrowed; it is recorded after (analytics runs page code: a dataLayer's push).
fn observed(msg: JsValue) {
    let a: Array = msg.unchecked_into();
    if let Some((method, first, second)) = with(|s| decide(s, &a)) {
        record_tracking(method, &first, &second);
    }
}

fn decide(s: &mut State, a: &Array) -> Option<(Method, JsValue, JsValue)> {
    let num = |i: u32| a.get(i).as_f64().unwrap_or(0.0);
    let text = |i: u32| a.get(i).as_string().unwrap_or_default();
    let rule = num(1) as u32;
    let at = (rule as usize).wrapping_sub(1);
    match num(0) as u32 {
        0 => {
            if !s.core.fired(rule, num(2), num(3)) {
                return None;
            }
            let e = s.entries.get(at)?;
            Some((Method::Record, get(e, "eventName"), get(e, "customAttributes")))
        }
        1 => s
            .core
            .url(&text(1))
            .then(|| (Method::Pageview, a.get(2), JsValue::UNDEFINED)),
        _ => {
            // `{ ...customAttributes, formName, formData?, traits? }`.
            let submitted = a.get(3).is_truthy();
            let (name, capture) = s.core.form_event(rule, num(2) as u32, submitted, &text(4))?;
            #[allow(clippy::disallowed_methods)]
            // our plain copy: its keys are data, with no getters or traps
            let attrs = Object::assign(&Object::new(), s.forms.get(at)?.unchecked_ref());
            put(&attrs, "formName", &JsValue::from_str(&name));
            if let Some(traits) = capture {
                let (data, mapped) = (Object::new(), Object::new());
                let mut i = 5;
                while i + 2 < a.length() {
                    let (field, value) = (text(i), a.get(i + 2));
                    if !sensitive(&field, &text(i + 1)) {
                        put(&data, &field, &value);
                        for (f, t) in traits {
                            if *f == field {
                                put(&mapped, t, &value);
                            }
                        }
                    }
                    i += 3;
                }
                put(&attrs, "formData", &data);
                if !traits.is_empty() {
                    put(&attrs, "traits", &mapped);
                }
            }
            let suffix = if submitted { ":submitted" } else { ":abandoned" };
            Some((Method::Record, concat(&[&name, suffix]).into(), attrs.into()))
        }
    }
}
