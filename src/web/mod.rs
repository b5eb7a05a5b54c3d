//! The web shell: the only code that imports `web-sys` / `js-sys`. One module per core area; each turns JS calls
//! into core inputs and performs the core's outputs. The JS loader (`js/loader.js`, `realApi`) is the one place
//! that knows the names these modules export.

use wasm_bindgen::prelude::*;

pub mod ac;
pub mod analytics;
pub mod bus;
pub mod deferred;
pub mod embedded;
pub mod webchat;

/// Options the loader passes to [`boot`] and [`after_replay`].
struct BootOptions {
    /// The script-tag bundle sets this; the npm `load()` only when asked. Without it nothing touches a global.
    globals: bool,
}

impl BootOptions {
    fn from_js(options: &JsValue) -> Self {
        let globals = js_sys::Reflect::get(options, &JsValue::from_str("globals"))
            .map(|v| v.as_bool() == Some(true))
            .unwrap_or(false);
        BootOptions { globals }
    }
}

/// Called once the wasm is instantiated, before the calls queued by the stubs are replayed: builds the bus and
/// registers the built-in plugins, reading the page's `_genesys.widgets` configuration as Genesys Widgets does.
#[wasm_bindgen]
pub fn boot(options: JsValue) -> Result<(), JsValue> {
    let options = BootOptions::from_js(&options);
    bus::boot(options.globals)?;
    webchat::boot(options.globals)?;
    Ok(())
}

/// Called after the queued calls were replayed: the moment the page may be told that everything is ready
/// (`_genesys.widgets.onReady(bus)`).
#[wasm_bindgen(js_name = afterReplay)]
pub fn after_replay(options: JsValue) -> Result<(), JsValue> {
    let options = BootOptions::from_js(&options);
    bus::after_replay(options.globals)?;
    webchat::after_replay();
    Ok(())
}

/// The crate version, as the loader's `cxbridge.version` reports it.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
