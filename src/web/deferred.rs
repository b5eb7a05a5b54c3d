//! The vendor-compatible deferred lives in `js/deferred.js` (it is created on every command, and the loader's
//! stubs create it before the wasm exists); this is its import.

use wasm_bindgen::prelude::*;

use crate::core::text::Readable;

#[wasm_bindgen(module = "/js/deferred.js")]
extern "C" {
    /// A Genesys Widgets deferred: `done`, `fail`, `always`, `state`, and a Promise/A+ `then`.
    #[derive(Clone)]
    pub type Deferred;

    #[wasm_bindgen(constructor)]
    pub fn new() -> Deferred;

    #[wasm_bindgen(method)]
    pub fn resolve(this: &Deferred, value: &JsValue);

    #[wasm_bindgen(method)]
    pub fn reject(this: &Deferred, reason: &JsValue);

    #[wasm_bindgen(method)]
    pub fn state(this: &Deferred) -> String;
}

impl Deferred {
    /// A deferred already rejected with `e` as a JS `Error` ([`super::js_error`]).
    pub fn rejected(e: impl Readable) -> Deferred {
        let d = Deferred::new();
        d.reject(&super::js_error(e));
        d
    }

    /// A deferred already resolved with `value`.
    pub fn resolved(value: &JsValue) -> Deferred {
        let d = Deferred::new();
        d.resolve(value);
        d
    }
}
