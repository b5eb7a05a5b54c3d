//! The WebChatService shell: registers the plugin on the bus and performs the session machine's I/O
//! (fetch, WebSocket, timers, sessionStorage). (Foundation placeholder.)

use wasm_bindgen::prelude::*;

pub(crate) fn boot(_globals: bool) -> Result<(), JsValue> {
    Ok(())
}
