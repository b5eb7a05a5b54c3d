//! The web shell: the only code that imports `web-sys` / `js-sys`. One module per core area; each turns JS calls
//! into core inputs and performs the core's outputs. The JS side calls the exports by name: the page-facing API in
//! `js/loader.js` (`realApi`), and the exports the JS performers need where they need them (`boot` and
//! `afterReplay` in the entries, `ac` and `acListen` in `js/listeners.js`, the `widgets*` exports in
//! `js/widgets.js`).

use wasm_bindgen::prelude::*;

use crate::core::text::Readable;

/// An area's shell state, made on first use: it lives as long as the module, so it is leaked once, and `$name()`
/// is the one `LocalKey::with` instance (a `with` per call site would be a generic copy each, with the closure's
/// drop glue for the unreachable case).
macro_rules! leaked_state {
    ($name:ident: $ty:ty) => {
        fn $name() -> &'static ::std::cell::RefCell<$ty> {
            thread_local! {
                static STATE: &'static ::std::cell::RefCell<$ty> = Box::leak(Box::default());
            }
            STATE.with(|s| *s)
        }
    };
}

pub mod ac;
pub mod analytics;
pub mod autotrack;
pub mod bus;
pub mod clock;
pub mod deferred;
pub mod embedded;
pub mod page;
pub mod webchat;
pub mod widgets;

/// The one conversion of an area's error into what a page catches: a JS `Error` whose message is the error's
/// [`Readable::message`]. Thrown (`Err` of an export), or the reason a deferred or promise is rejected with.
pub fn js_error(e: impl Readable) -> JsValue {
    error_with(&e.message())
}

/// [`js_error`]'s one body: the generic part above is only the call to `message`, so each error type adds a
/// call rather than a copy of this (and no vtable, as `dyn Readable` would).
fn error_with(message: &str) -> JsValue {
    js_sys::Error::new(message).into()
}

/// Called once the wasm is instantiated, before the calls queued by the stubs are replayed: builds the bus and
/// registers the built-in plugins, reading the page's `_genesys.widgets` configuration as Genesys Widgets does.
/// `globals`: the script-tag bundle sets it; the npm `load()` only when asked. Without it nothing touches a global.
/// (A plain `bool` rather than an options object: reading a property from Rust costs the wasm more than it says.)
#[wasm_bindgen]
pub fn boot(globals: bool) -> Result<(), JsValue> {
    bus::boot(globals)?;
    webchat::boot(globals)?;
    Ok(())
}

/// Called after the queued calls were replayed (subscriptions included): WebChatService publishes what it held
/// back. widgets-core's start (`onReady`, the extensions) follows, from js/widgets.js.
#[wasm_bindgen(js_name = afterReplay)]
pub fn after_replay(_globals: bool) -> Result<(), JsValue> {
    widgets::replayed();
    webchat::after_replay();
    Ok(())
}

/// talc instead of std's dlmalloc: 1.9 KB gzip less wasm and O(1) allocation; a 10,000-message chat peaks at 7.5 MB
/// of wasm memory against dlmalloc's 7.2. (lol_alloc was 0.5 KB smaller still, but its free list is walked on
/// every allocation and free.) In-place realloc is left out for size: a growing `Vec` is copied instead.
#[cfg(not(target_feature = "atomics"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
