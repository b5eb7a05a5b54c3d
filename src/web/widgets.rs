//! Genesys Widgets' loader in the shell: `CXBus.configure({pluginsPath})`, `CXBus.loadPlugin(name)` as
//! [`crate::core::widgets`] decides it, and what widgets-core's start needs from Rust. js/widgets.js performs the
//! rest (script elements, the page's extensions and `onReady`), outside any wasm frame.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

use super::{bus, js_error, page, webchat};
use crate::core::widgets::{self as core, Load};

struct Config {
    /// `pluginsPath`, with its trailing slash; empty when the page configured none.
    plugins_path: String,
    /// `pluginFilenameFormat`; empty for the vendor's default.
    filename_format: String,
    /// Whether the calls queued before the wasm was ready have been replayed (`afterReplay`).
    replayed: bool,
}

thread_local! {
    static CONFIG: RefCell<Config> = const {
        RefCell::new(Config { plugins_path: String::new(), filename_format: String::new(), replayed: false })
    };
}

/// The longest `pluginsPath` or `pluginFilenameFormat` kept (a page's string, bounded before it is copied).
const PATH_LIMIT: u32 = 2048;

/// Reads `key` of the page's configuration object: a string of at most [`PATH_LIMIT`] UTF-16 units (measured
/// before it is copied), or `None` (a longer one is ignored, as a value of the wrong type is).
fn string_option(config: &JsValue, key: &str) -> Option<String> {
    let v = js_sys::Reflect::get(config, &JsValue::from_str(key)).ok()?;
    let s = v.dyn_ref::<js_sys::JsString>()?;
    if s.length() > PATH_LIMIT {
        return None;
    }
    s.as_string()
}

/// The loader options of `CXBus.configure(config)` (an object: [`bus::bus_configure`] checked).
pub(crate) fn configure(config: &JsValue) {
    if let Some(path) = string_option(config, "pluginsPath") {
        let path = core::plugins_path(&path);
        CONFIG.with(|c| c.borrow_mut().plugins_path = path);
    }
    if let Some(format) = string_option(config, "pluginFilenameFormat") {
        CONFIG.with(|c| c.borrow_mut().filename_format = format);
    }
}

/// The queued calls were replayed: from now on a WebChatService started late publishes at once.
pub(crate) fn replayed() {
    CONFIG.with(|c| c.borrow_mut().replayed = true);
}

/// Registers WebChatService if the page has configured it since the wasm booted (a configuration assigned
/// after the bundle, or by a file `CXBus.loadFile` ran); a no-op once it is registered.
fn boot_webchat() -> Result<(), JsValue> {
    webchat::boot(true)?;
    if CONFIG.with(|c| c.borrow().replayed) {
        webchat::after_replay();
    }
    Ok(())
}

/// What `CXBus.loadPlugin(name)` does, for js/widgets.js: `true` to start widgets-core, a string for the URL of
/// the page's plugin file to load, `undefined` when the plugin is provided (the bus, a registered service), an
/// `Error` to fail with. `name` is a string of at most 200 characters (the caller checked). `globals`: the page's
/// `_genesys` may be read.
#[wasm_bindgen(js_name = widgetsPlugin)]
pub fn widgets_plugin(name: &str, globals: bool) -> Result<JsValue, JsValue> {
    let load = CONFIG.with(|c| {
        let c = c.borrow();
        core::load_plugin(name, &c.plugins_path, &c.filename_format)
    });
    let refusal = match load {
        Load::Core => return Ok(JsValue::TRUE),
        Load::Bus => return Ok(JsValue::UNDEFINED),
        Load::File(url) => return Ok(JsValue::from_str(&url)),
        Load::Refused(refusal) => refusal,
        Load::Service(namespace) => {
            // Loading the service reads its configuration now, as the vendor's plugin file does when it runs.
            if globals {
                boot_webchat()?;
            }
            if bus::has_plugin(namespace) {
                return Ok(JsValue::UNDEFINED);
            }
            core::service_unconfigured(name)
        }
    };
    Err(js_error(refusal))
}

/// widgets-core's `App.ready`, once: after the extensions, before `onReady` (js/widgets.js calls it there).
#[wasm_bindgen(js_name = widgetsAppReady)]
pub fn widgets_app_ready() -> Result<(), JsValue> {
    bus::republish_app_ready()
}

/// widgets-core's start, from Rust's side: `main.debug`, and WebChatService when the page configured it after
/// the wasm booted. `globals` false reads nothing.
#[wasm_bindgen(js_name = widgetsStart)]
pub fn widgets_start(globals: bool) -> Result<(), JsValue> {
    if !globals {
        return Ok(());
    }
    bus::read_main_debug();
    boot_webchat()
}

/// A page's value as error texts show it ([`page::shown`]: a long string cut to its first characters and its
/// length), for the messages js/widgets.js writes about extension names and file URLs.
#[wasm_bindgen(js_name = textShown)]
pub fn text_shown(value: &JsValue) -> JsValue {
    page::shown(value)
}
