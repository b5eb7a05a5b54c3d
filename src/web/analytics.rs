//! The analytics shell: `window.dataLayer`, the HTTP collector and CIF's `logAnalyticsEvent`.
//! (Foundation placeholder.)

use wasm_bindgen::prelude::*;

const TODO: &str = "cxbridge.analytics is not implemented yet";

/// Where every area reports its events; analytics decides what to deliver where.
pub fn record(_source: &str, _name: &str, _data: &JsValue) {}

#[wasm_bindgen(js_name = analyticsConfigure)]
pub fn analytics_configure(_config: JsValue) -> Result<(), JsValue> {
    Err(js_sys::Error::new(TODO).into())
}

#[wasm_bindgen(js_name = logAnalyticsEvent)]
pub fn log_analytics_event(_data: JsValue, _name: JsValue, _correlation_id: JsValue) -> js_sys::Promise {
    js_sys::Promise::reject(&js_sys::Error::new(TODO).into())
}

#[wasm_bindgen(js_name = installCifShim)]
pub fn install_cif_shim() -> Result<(), JsValue> {
    Err(js_sys::Error::new(TODO).into())
}
