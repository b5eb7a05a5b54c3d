//! The Journey SDK's `ac()` shell over `core::emitter` and `core::journey`.
//! (Foundation placeholder: accepts the calls and reports that web action events are not implemented yet.)

use wasm_bindgen::prelude::*;

/// `ac(method, ...args)`, called by the loader with the arguments as an array.
#[wasm_bindgen]
pub fn ac(args: js_sys::Array) -> JsValue {
    let method = args.get(0).as_string().unwrap_or_default();
    web_sys::console::error_1(&JsValue::from_str(&format!(
        "ac: '{method}' is not implemented yet"
    )));
    JsValue::UNDEFINED
}

/// Where a chat started with `interactionData.journey` reports its progress, so that web action moves through
/// accepted → started → engaged → completed, or errored. `journey` is the `interactionData.journey` object;
/// `state` one of those state names; `error` the code and message for `errored`.
pub fn journey_chat_progress(journey: &JsValue, state: &str, error: Option<(i32, &str)>) {
    let _ = (journey, state, error);
}
