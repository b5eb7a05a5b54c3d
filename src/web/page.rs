//! Page values: the only way the shell reads a value a page handed it in a way that can run page code (a getter,
//! a Proxy trap, a coercion, an iteration). Every function here either cannot throw or is imported with `catch`,
//! so page code never unwinds through a wasm frame (docs/architecture.md, "Page values"). The js-sys calls that
//! would run page code without `catch` (`Array::is_array`, `Array::from`, `Object::entries`, …) are denied by
//! clippy.toml everywhere else.

use js_sys::{Array, Function, Object};
use wasm_bindgen::prelude::*;

use crate::core::text;

/// At most this many items or keys are read from one array or object a page hands over.
pub const MAX_ITEMS: u32 = 10_000;

/// At most this many values are read from one page value in all, however they nest.
pub const MAX_NODES: u32 = 100_000;

#[wasm_bindgen(module = "/js/page.js")]
extern "C" {
    /// `console[level](v)`. Never throws, though the page replaced `console` or its methods with something that does.
    #[wasm_bindgen(js_name = toConsole)]
    fn to_console(level: &str, v: &JsValue);
    /// `Array.isArray(v)`; false for a revoked Proxy. Never throws.
    #[wasm_bindgen(js_name = isList)]
    pub fn is_list(v: &JsValue) -> bool;

    /// Whether `v` is a page's own data object (its prototype an `Object.prototype`, or null): not an array, a
    /// function, a DOM node, a typed array or `window`. Never throws.
    #[wasm_bindgen(js_name = isPlainObject)]
    pub fn is_plain_object(v: &JsValue) -> bool;

    /// A thrown value's text, without running page code that could throw again. Never throws.
    #[wasm_bindgen(js_name = thrownText)]
    pub fn thrown_text(err: &JsValue) -> String;

    /// Runs `f` in a microtask. Never throws, though the page replaced `queueMicrotask` with something that does.
    pub fn soon(f: &Function);

    /// How many code points the string `v` has. Never throws.
    #[wasm_bindgen(js_name = stringChars)]
    fn string_chars(v: &JsValue) -> u32;

    /// The first `limit` code points of the string `v`. Never throws.
    #[wasm_bindgen(js_name = stringHead)]
    fn string_head(v: &JsValue, limit: u32) -> JsValue;

    #[wasm_bindgen(catch, js_name = stringList)]
    fn string_list_js(v: &JsValue, what: &str, max: u32) -> Result<Array, JsValue>;

    #[wasm_bindgen(catch, js_name = plainCopy)]
    fn plain_copy_js(
        v: &JsValue,
        what: &str,
        depth: u32,
        max_items: u32,
        max_nodes: u32,
    ) -> Result<JsValue, JsValue>;

    /// The value at a dotted path below `root` (the global object when `root` is undefined): undefined where a
    /// step is not an object or its getter throws. Never throws.
    #[wasm_bindgen(js_name = globalAt)]
    pub fn global_at(dotted: &str, root: &JsValue) -> JsValue;

    #[wasm_bindgen(catch, js_name = assignFrom)]
    fn assign_from_js(target: &Object, source: &JsValue, what: &str, max: u32) -> Result<JsValue, JsValue>;
}

/// A page's array of strings (an item that is not a string is `None`), at most `max` items. The error is a JS
/// `Error` naming `what` and the problem.
pub fn string_list(v: &JsValue, what: &str, max: u32) -> Result<Vec<Option<String>>, JsValue> {
    Ok(strings(&string_list_js(v, what, max)?))
}

/// Our own plain array of strings and nulls (as `js/page.js`'s `stringList` makes it) as Rust strings: reading it
/// runs no page code.
pub fn strings(list: &Array) -> Vec<Option<String>> {
    let mut out = Vec::new();
    for s in list.iter() {
        out.push(s.as_string());
    }
    out
}

/// A copy of a page value made of plain objects, arrays and primitives, `depth` containers deep, bounded by
/// [`MAX_ITEMS`] and [`MAX_NODES`]. The error is a JS `Error` naming the path that threw or was too large.
pub fn plain_copy(v: &JsValue, what: &str, depth: u32) -> Result<JsValue, JsValue> {
    plain_copy_js(v, what, depth, MAX_ITEMS, MAX_NODES)
}

/// `Object.assign(target, source)` for a page's `source` of at most [`MAX_ITEMS`] keys; the error names `what`.
pub fn assign_from(target: &Object, source: &JsValue, what: &str) -> Result<(), JsValue> {
    assign_from_js(target, source, what, MAX_ITEMS).map(|_| ())
}

/// A page's value as an error text shows it: a string cut as [`text::shown`] cuts it, of which only the
/// characters shown are copied into the wasm (a 1 MB name stays in JS); anything else as it is, for the console
/// to show.
pub fn shown(v: &JsValue) -> JsValue {
    if !v.is_string() {
        return v.clone();
    }
    let chars = string_chars(v) as usize;
    // Our own string of at most SHOWN_CHARS characters: the only part copied into the wasm.
    let head = string_head(v, text::SHOWN_CHARS as u32)
        .as_string()
        .unwrap_or_default();
    JsValue::from_str(&text::shown_head(&head, chars))
}

/// Reports `v` with `console.error`, the one way the shell writes to the console from Rust.
pub fn console_error(v: &JsValue) {
    to_console("error", v);
}
