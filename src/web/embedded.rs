//! The Engage Digital embedded-UI shell: the `message` listener over `core::embedded`.
//! (Foundation placeholder.)

use wasm_bindgen::prelude::*;

const TODO: &str = "cxbridge.embedded is not implemented yet";

/// A running listener; `stop()` removes it.
#[wasm_bindgen]
pub struct EmbeddedListener {}

#[wasm_bindgen]
impl EmbeddedListener {
    pub fn stop(&self) {}
}

#[wasm_bindgen(js_name = embeddedListen)]
pub fn embedded_listen(_options: JsValue) -> Result<EmbeddedListener, JsValue> {
    Err(js_sys::Error::new(TODO).into())
}

#[wasm_bindgen(js_name = embeddedOn)]
pub fn embedded_on(_name: JsValue, _cb: JsValue) -> Result<(), JsValue> {
    Err(js_sys::Error::new(TODO).into())
}

#[wasm_bindgen(js_name = embeddedOff)]
pub fn embedded_off(_name: JsValue, _cb: JsValue) -> Result<(), JsValue> {
    Err(js_sys::Error::new(TODO).into())
}

#[wasm_bindgen(js_name = embeddedStats)]
pub fn embedded_stats() -> JsValue {
    JsValue::UNDEFINED
}
