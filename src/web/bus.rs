//! The CXBus shell: `CXBus`, `_genesys.widgets.bus` and plugin handles over `core::bus`.
//! (Foundation placeholder: an empty bus on which every command is unknown. The CXBus issue fills it in.)

use wasm_bindgen::prelude::*;

use super::deferred::Deferred;

/// A plugin handle, as `CXBus.registerPlugin(name)` returns it.
#[wasm_bindgen]
pub struct Plugin {
    name: String,
}

#[wasm_bindgen]
impl Plugin {
    /// `plugin.command('Other.cmd', data)`: a deferred.
    pub fn command(&self, command: JsValue, _data: JsValue) -> Deferred {
        let _ = command;
        Deferred::rejected("Command does not exist")
    }

    /// The plugin's namespace.
    pub fn namespace(&self) -> String {
        self.name.clone()
    }
}

/// A command addressed to a plugin implemented in Rust (WebChatService), after routing and before-hooks.
pub struct NativeCommand {
    /// The command's name without the namespace, e.g. `startChat`.
    pub command: String,
    /// The namespace of the plugin that sent it, e.g. `CXBus` or `MyPlugin` (private commands check it).
    pub commander: String,
    /// The options, as the caller gave them (after any before-hook replaced them).
    pub data: JsValue,
    /// Resolve or reject it; the caller holds the same deferred.
    pub deferred: Deferred,
}

/// Registers a plugin whose commands are handled in Rust. `commands` are the names it answers; the bus
/// rejects others with "Command does not exist". The plugin is ready at once.
pub fn register_native_plugin(
    name: &str,
    commands: &[&str],
    handler: std::rc::Rc<dyn Fn(NativeCommand)>,
) -> Result<(), JsValue> {
    let _ = (name, commands, handler);
    Ok(())
}

/// Publishes `<namespace>.<event>` as the built-in plugin `namespace` would (WebChatService, EngageDigital).
pub fn publish_as(namespace: &str, event: &str, data: &JsValue) {
    let _ = (namespace, event, data);
}

/// Like [`publish_as`], but sticky: later subscribers get the last data at once (`ready`).
pub fn republish_as(namespace: &str, event: &str, data: &JsValue) {
    let _ = (namespace, event, data);
}

pub(crate) fn boot(_globals: bool) -> Result<(), JsValue> {
    Ok(())
}

pub(crate) fn after_replay(_globals: bool) -> Result<(), JsValue> {
    Ok(())
}

/// `CXBus.registerPlugin(name)`: a handle, or `false`.
#[wasm_bindgen(js_name = busRegisterPlugin)]
pub fn bus_register_plugin(name: JsValue) -> JsValue {
    match name.as_string() {
        Some(name) => Plugin { name }.into(),
        None => JsValue::FALSE,
    }
}

/// `CXBus.configure({debug})`.
#[wasm_bindgen(js_name = busConfigure)]
pub fn bus_configure(_config: JsValue) {}

/// The built-in `CXBus` plugin, which `CXBus.command/subscribe/data` act as.
#[wasm_bindgen(js_name = busGlobal)]
pub fn bus_global() -> Plugin {
    Plugin { name: "CXBus".into() }
}

/// `_genesys.widgets.bus`: a ready-made plugin handle.
#[wasm_bindgen(js_name = widgetsBus)]
pub fn widgets_bus() -> Plugin {
    Plugin {
        name: "WidgetsBus".into(),
    }
}
