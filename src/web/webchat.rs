//! The WebChatService shell: registers the plugin on the bus, turns commands, HTTP answers, socket frames and keys
//! into inputs of [`crate::core::webchat::Session`], and performs its outputs with `fetch`, `WebSocket` and
//! sessionStorage (through `js/webchat_io.js`, which calls back through one long-lived closure owned here). The
//! session's timers are one [`Alarm`], set to its next deadline after every input. Payloads go out as the core's
//! JSON (`core::webchat::payload`), made into objects in one crossing (`wcMake`, which also applies the page's
//! prefilters and preprocessors); answers, frames and the snapshot come in as `JSON.parse` made them and are read
//! by field name in the core ([`read::Json`], implemented here by `Js`). Page-supplied values (userData,
//! preprocessors, inputs) stay JS values.
//!
//! The JWT goes to the `Authorization` header, to sessionStorage (the restore snapshot), and to the page where the
//! shipped service gives it (`getSessionData`, `started`): nowhere else — not to analytics or the `dataLayer`
//! (`started` is recorded with the ids only: [`payload::started`]), the debug log, other events, localStorage or
//! cookies.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::bus::{self, NativeCommand};
use super::clock::{self, Alarm};
use super::deferred::Deferred;
use super::page::{self, global_at};
use crate::core::guestchat::{read, Expect, MemberInfo, RawFrame};
use crate::core::webchat::config::{self, Config, Value as Cv};
use crate::core::webchat::member_info;
use crate::core::webchat::{
    self as wc, payload, Command, Ctx, Event, Filter, HttpResult, Output, Session, Snapshot, Value, Verb,
};

const NS: &str = "WebChatService";

/// The Web Messaging transport's reading and token (only in a build with the `webmessaging` feature).
#[cfg(feature = "webmessaging")]
mod messaging;
// A 2xx answer is read by the reader of the API that was asked.
#[cfg(feature = "webmessaging")]
use messaging::reply;
#[cfg(not(feature = "webmessaging"))]
use read::reply;

#[wasm_bindgen(module = "/js/webchat_io.js")]
extern "C" {
    #[wasm_bindgen(js_name = wcInit)]
    fn wc_init(cb: &JsValue, answered: u32, failed: u32, opened: u32, frame: u32, closed: u32);
    #[wasm_bindgen(js_name = wcFetch)]
    fn wc_fetch(id: u32, method: &str, url: &str, bearer: Option<&str>, body: Option<&str>);
    #[wasm_bindgen(js_name = wcSocket)]
    fn wc_socket(url: &str, gen: u32) -> JsValue;
    #[wasm_bindgen(js_name = wcClose)]
    fn wc_close(ws: &JsValue);
    #[wasm_bindgen(js_name = wcListen)]
    fn wc_listen(target: &JsValue, kind: &str, event: u32) -> Function;
    #[wasm_bindgen(js_name = wcStored)]
    fn wc_stored() -> Option<String>;
    #[wasm_bindgen(js_name = wcStore)]
    fn wc_store(value: Option<&str>);
    #[wasm_bindgen(js_name = wcMake)]
    fn wc_make(json: &str) -> JsValue;
    #[wasm_bindgen(js_name = wcFilters)]
    fn wc_filters(json: &str);
    #[wasm_bindgen(js_name = wcRegexps)]
    fn wc_regexps() -> JsValue;
    #[wasm_bindgen(js_name = wcPre)]
    fn wc_pre(f: &Function);
    #[wasm_bindgen(js_name = wcParse)]
    fn wc_parse(text: &str) -> JsValue;
    #[wasm_bindgen(js_name = wcField)]
    fn wc_field(o: &JsValue, k: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = wcTime)]
    fn wc_time(v: &JsValue) -> f64;
    #[wasm_bindgen(js_name = wcStartOptions)]
    fn wc_start_options(data: &JsValue, base: &Object, json_max: u32) -> JsValue;
    #[wasm_bindgen(js_name = wcTypingInput)]
    fn wc_typing_input(data: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = wcRegexpsOf)]
    fn wc_regexps_of(v: &JsValue, many: bool) -> JsValue;
    #[wasm_bindgen(js_name = wcSend)]
    fn wc_send(ws: &JsValue, text: &str);
}

/// An event listener (calling the shell's one callback); removed when dropped.
struct Listener {
    remove: Function,
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.remove.call0(&JsValue::NULL);
    }
}

struct Shell {
    core: Session,
    // Small keyed lists rather than hash maps: a handful of entries each, and no hash table code in the wasm.
    deferreds: Vec<(u32, Deferred)>,
    /// What to decode each open request's answer as.
    expects: Vec<(u32, Expect)>,
    next_cmd: u32,
    socket: JsValue,
    socket_gen: u32,
    /// How many of the core's prefilters `js/webchat_io.js` has compiled (it rebuilds them when this changes).
    synced_filters: usize,
    user_data: Object,
    /// The configuration object last applied: `startChat`'s overrides are read over it.
    config_root: JsValue,
    /// `transport.interactionData.journey`, for `ac()` progress.
    journey: JsValue,
    /// Registered typing-preview inputs (each once) and their key listeners.
    inputs: Vec<(JsValue, Listener)>,
    /// Events published before the loader replayed the page's queued calls; `None` once replayed.
    held: Option<Vec<Event>>,
    /// `pagehide` and `visibilitychange` on the window.
    _pagehide: Vec<Listener>,
    /// The one way back in from `js/webchat_io.js` (handed to it at boot): (what happened, a number, a number, two
    /// strings, a parsed JSON value), see [`on_event`]. One closure type instead of one per source: each costs the
    /// wasm its own call shims.
    _cb: Callback,
}

type Callback = Closure<dyn FnMut(u32, f64, u32, Option<String>, Option<String>, JsValue)>;

/// What `js/webchat_io.js` reports through the shell's one callback. The numbers are written only here:
/// `wcInit` hands the helper the kinds it reports by itself, and `wcListen` gets the kind of each listener.
#[derive(Clone, Copy)]
enum Io {
    /// A fetch answered: (id, status, statusText, the text unless it parsed, the parsed answer).
    Answered,
    /// A fetch that got no answer: (id, 0, why).
    Failed,
    /// The socket of generation `gen` opened: (gen).
    Opened,
    /// A frame on it: (gen, 0, -, -, the parsed frame, undefined when it is not JSON).
    Frame,
    /// It closed: (gen).
    Closed,
    /// The page was hidden or left (`pagehide`, `visibilitychange`).
    Hidden,
    /// A key in a typing-preview input.
    Key,
}

/// Every kind, in the order of its number.
const IO: [Io; 7] = [
    Io::Answered,
    Io::Failed,
    Io::Opened,
    Io::Frame,
    Io::Closed,
    Io::Hidden,
    Io::Key,
];
// (Checked when compiling, so indexing cannot fail at run time: each kind sits at its number.)
#[allow(clippy::indexing_slicing)]
const _: () = {
    let mut i = 0;
    while i < IO.len() {
        assert!(IO[i] as usize == i);
        i += 1;
    }
};

fn on_event(kind: u32, a: f64, b: u32, s1: Option<String>, s2: Option<String>, v: JsValue) {
    let Some(&kind) = IO.get(kind as usize) else {
        return;
    };
    match kind {
        Io::Answered | Io::Failed => on_fetch(a as u32, b as u16, matches!(kind, Io::Failed), s1, s2, v),
        Io::Opened | Io::Frame | Io::Closed => on_socket(a as u32, kind, v),
        Io::Hidden => drive(|core, c| core.page_hide(c)),
        Io::Key => drive(|core, c| core.key(c)),
    }
}

thread_local! {
    /// The shell lives as long as the module (its closures are the browser's way back in), so it is leaked once
    /// at boot: one thread-local read reaches it, instead of one generic `LocalKey::with` per call site.
    static SHELL: Cell<Option<&'static RefCell<Shell>>> = const { Cell::new(None) };
}

fn shell() -> Option<&'static RefCell<Shell>> {
    SHELL.with(Cell::get)
}

fn ctx() -> Ctx {
    Ctx {
        now: clock::now(),
        random: js_sys::Math::random(),
    }
}

/// Runs `f` on the shell with no borrow escaping; `None` before boot.
fn with<R>(f: impl FnOnce(&mut Shell) -> R) -> Option<R> {
    let mut b = shell()?.try_borrow_mut().ok()?;
    Some(f(&mut b))
}

/// Feeds one input to the core, then performs what it asked for (with no borrow held while JS runs).
fn drive(f: impl FnOnce(&mut Session, Ctx)) {
    with(|sh| f(&mut sh.core, ctx()));
    flush();
}

/// The non-generic half of [`drive`]: one copy of the output loop, not one per input kind. Then the alarm is set
/// to the session's next deadline.
#[inline(never)]
fn flush() {
    let outputs = with(|sh| sh.core.take_outputs()).unwrap_or_default();
    for o in outputs {
        perform(o);
    }
    let next = with(|sh| sh.core.next_deadline()).flatten();
    if let Some(alarm) = ALARM.with(Cell::get) {
        alarm.set(next);
    }
}

thread_local! {
    /// The session's timers: one alarm, set to the earliest. Made at boot and kept for the life of the module,
    /// as the shell is.
    static ALARM: Cell<Option<&'static Alarm>> = const { Cell::new(None) };
}

fn on_alarm() {
    // A timer that fired a little early fires nothing and is set again for the same deadline.
    if let Some(alarm) = ALARM.with(Cell::get) {
        alarm.fired();
    }
    drive(|core, c| core.expire(c));
}

/// Removes and returns the value under `key` in a keyed list.
fn take<K: PartialEq, V>(list: &mut Vec<(K, V)>, key: &K) -> Option<V> {
    let i = list.iter().position(|(k, _)| k == key)?;
    Some(list.swap_remove(i).1)
}

// ----- small JS helpers ---------------------------------------------------------------------------------------

fn obj() -> Object {
    Object::new()
}

fn get(o: &JsValue, k: &str) -> JsValue {
    if !o.is_object() {
        return JsValue::UNDEFINED;
    }
    // A fresh key string each time: cheaper in bytes than a cache, and a few per frame cost little.
    Reflect::get(o, &s(k)).unwrap_or(JsValue::UNDEFINED)
}

fn get_str(o: &JsValue, k: &'static str) -> Option<String> {
    get(o, k).as_string()
}

fn s(v: &str) -> JsValue {
    JsValue::from_str(v)
}

/// One of cxbridge's own errors, as a JS `Error` (`web::js_error`).
fn error(msg: &str) -> JsValue {
    super::js_error(wc::WebChatError(msg.to_owned()))
}

// ----- configuration ------------------------------------------------------------------------------------------

fn cfg_value(v: &JsValue) -> Cv {
    if v.is_undefined() {
        Cv::Missing
    } else if v.is_null() {
        Cv::Other("null")
    } else if let Some(b) = v.as_bool() {
        Cv::Bool(b)
    } else if let Some(n) = v.as_f64() {
        Cv::Number(n)
    } else if let Some(t) = v.as_string() {
        Cv::Str(t)
    } else if page::is_list(v) {
        // A page's array may be a Proxy whose traps throw: read through web::page, at most 1000 items.
        match page::string_list(v, "the array", 1000) {
            Ok(items) => Cv::Array(items),
            Err(_) => Cv::Other("array that cannot be read"),
        }
    } else if v.is_function() {
        Cv::Other("function")
    } else if v.is_object() {
        Cv::Object
    } else {
        Cv::Other("symbol")
    }
}

/// Validates a `_genesys.widgets.webchat`-shaped object.
fn read_config(root: &JsValue) -> Result<Config, config::ConfigError> {
    parse_config(root, None)
}

/// The one reader `Config::parse` is instantiated with (each closure type would be a copy of it in the wasm):
/// `transport.*` paths that `startChat`'s options `over` give (see [`start_override`]) are read there, the rest
/// under `root`.
fn parse_config(root: &JsValue, over: Option<&JsValue>) -> Result<Config, config::ConfigError> {
    let get = |p: &str| {
        let own = over.and_then(|data| {
            p.strip_prefix("transport.")
                .and_then(|rest| start_option(data, rest))
        });
        cfg_value(&own.unwrap_or_else(|| global_at(p, root)))
    };
    // A build with the transport reads either `transport.type`.
    #[cfg(feature = "webmessaging")]
    return Config::parse_with_messaging(&get);
    #[cfg(not(feature = "webmessaging"))]
    Config::parse(&get)
}

/// The value `startChat`'s options give for `transport.<path>`, if any: its `interactionData`, `deploymentKey`,
/// and `orgGuid` or `organizationId` (for either).
fn start_option(data: &JsValue, path: &str) -> Option<JsValue> {
    let v = match path {
        "orgGuid" | "organizationId" => {
            let g = global_at("orgGuid", data);
            if g.is_undefined() {
                global_at("organizationId", data)
            } else {
                g
            }
        }
        p if p == "deploymentKey" || p == "interactionData" || p.starts_with("interactionData.") => {
            global_at(p, data)
        }
        _ => return None,
    };
    (!v.is_undefined()).then_some(v)
}

/// Applies a validated configuration and keeps its page-side parts (userData, journey). Fails, changing
/// nothing, when the page's userData cannot be read.
fn apply_config(root: &JsValue, config: Config) -> Result<(), JsValue> {
    let ud = get(root, "userData");
    let journey = global_at("transport.interactionData.journey", root);
    // Copied before the shell is borrowed: the page's getters run here, and may throw.
    let user_data = if page::is_plain_object(&ud) {
        let copy = obj();
        page::assign_from(&copy, &ud, "the configuration's userData")?;
        Some(copy)
    } else {
        None
    };
    with(|sh| {
        if let Some(copy) = user_data {
            sh.user_data = copy;
        }
        sh.journey = journey;
        sh.config_root = root.clone();
    });
    // Configured: the name is WebChatService's for good.
    bus::set_yields(NS, false);
    drive(|core, c| core.configure(config, c));
    Ok(())
}

// ----- boot -----------------------------------------------------------------------------------------------------

/// Configuration as Genesys Widgets reads it: `_genesys.widgets.webchat`, at load and again when widgets-core
/// starts. None, or one without a `transport`, means "configured later"; anything else that is invalid (a
/// `transport.type` this build does not carry first) is reported on the console, naming the field.
fn configure_from_global() {
    let webchat = global_at("_genesys.widgets.webchat", &JsValue::UNDEFINED);
    if !webchat.is_object() {
        return;
    }
    let later = global_at("transport", &webchat).is_undefined();
    match read_config(&webchat) {
        Ok(c) => {
            if let Err(e) = apply_config(&webchat, c) {
                page::console_error(&e);
            }
        }
        Err(e) if !later => page::console_error(&s(&e.0)),
        Err(_) => {}
    }
}

/// Registers WebChatService, always: configured from `_genesys.widgets.webchat` at load when the page has it (as
/// Genesys Widgets reads it), or later with `WebChatService.configure` (a page that sets it after load, an npm
/// app). Until it is configured its commands fail naming the missing configuration, and a page plugin that
/// registers as `WebChatService` (its own stand-in) takes the name.
pub(crate) fn boot(_globals: bool) -> Result<(), JsValue> {
    if with(|_| ()).is_some() {
        // Booted already (widgets-core starting later): configuration the page assigned meanwhile is used,
        // unless WebChatService was configured before.
        if with(|sh| sh.config_root.is_undefined()).unwrap_or(false) {
            configure_from_global();
        }
        return Ok(());
    }
    let callback = Callback::new(on_event);
    wc_init(
        callback.as_ref(),
        Io::Answered as u32,
        Io::Failed as u32,
        Io::Opened as u32,
        Io::Frame as u32,
        Io::Closed as u32,
    );
    let shell = Shell {
        core: Session::new(),
        deferreds: Vec::new(),
        expects: Vec::new(),
        next_cmd: 1,
        socket: JsValue::NULL,
        socket_gen: 0,
        synced_filters: 0,
        user_data: obj(),
        config_root: JsValue::UNDEFINED,
        journey: JsValue::UNDEFINED,
        inputs: Vec::new(),
        held: Some(Vec::new()),
        _pagehide: Vec::new(),
        _cb: callback,
    };
    let leaked: &'static RefCell<Shell> = Box::leak(Box::new(RefCell::new(shell)));
    SHELL.with(|s| s.set(Some(leaked)));
    let alarm: &'static Alarm = Box::leak(Box::new(Alarm::new(on_alarm)));
    ALARM.with(|a| a.set(Some(alarm)));

    bus::register_native_plugin(NS, &wc::COMMAND_NAMES, Rc::new(on_command))?;

    // Until configured, a page's own plugin named WebChatService may take the name.
    bus::set_yields(NS, true);
    configure_from_global();

    // Remember when the page went away, so the next page measures restoreTimeout from then: on `pagehide`, and
    // when the tab is hidden (a mobile browser may discard a hidden tab without `pagehide`; the snapshot is no
    // longer written per message).
    // `visibilitychange` is fired at the document and bubbles to the window.
    for kind in ["pagehide", "visibilitychange"] {
        let remove = wc_listen(&JsValue::NULL, kind, Io::Hidden as u32);
        with(|sh| sh._pagehide.push(Listener { remove }));
    }

    // A stored session is restored now, before the page's queued commands run (a queued startChat then meets
    // the restoring session), but what that publishes waits for `after_replay`: the page's queued
    // subscriptions are not in place yet.
    let snapshot = wc_stored().and_then(|t| read_snapshot(&t));
    drive(|core, c| core.boot(snapshot, c));
    Ok(())
}

/// After the calls queued before load were replayed (subscriptions included): publishes what boot held back.
pub(crate) fn after_replay() {
    let held = with(|sh| sh.held.take()).flatten().unwrap_or_default();
    for e in held {
        publish(e);
    }
}

// ----- commands -------------------------------------------------------------------------------------------------

fn on_command(nc: NativeCommand) {
    let data = nc.data.clone();
    let verb = Verb::named(&nc.command);
    if verb.is_some_and(|v| v != Verb::Configure) && with(|sh| sh.core.config().is_none()) == Some(true) {
        // Not configured yet: every command but `configure` says what is missing.
        nc.deferred.reject(&s(wc::NOT_CONFIGURED));
        return;
    }
    // A token for the chat, should its transport be Web Messaging.
    #[cfg(feature = "webmessaging")]
    if verb == Some(Verb::StartChat) {
        messaging::next_token();
    }
    let command = match verb {
        Some(Verb::Configure) => {
            if with(|sh| sh.core.is_active()) == Some(true) {
                // The chat in progress talks to the configured server; a new configuration is for the next one.
                nc.deferred.reject(&error(wc::CONFIGURE_ACTIVE));
                return;
            }
            match read_config(&data) {
                Ok(c) => match apply_config(&data, c) {
                    Ok(()) => nc.deferred.resolve(&JsValue::UNDEFINED),
                    Err(e) => nc.deferred.reject(&e),
                },
                Err(e) => nc.deferred.reject(&super::js_error(e)),
            }
            return;
        }
        Some(Verb::StartChat) => match member_info(&data) {
            Ok(info) => match start_override(&data) {
                None => Command::StartChat(info),
                Some(Ok(config)) => {
                    if let Some(id) = keep_deferred(&nc.deferred) {
                        drive(|core, c| core.start_chat_with(id, info, config, c));
                    }
                    return;
                }
                Some(Err(e)) => {
                    nc.deferred.reject(&super::js_error(e));
                    return;
                }
            },
            Err(e) => {
                nc.deferred.reject(&e);
                return;
            }
        },
        Some(Verb::EndChat) => Command::EndChat,
        Some(Verb::SendMessage) => Command::SendMessage(message_text(&data)),
        Some(Verb::SendFilteredMessage) => {
            match regexps(&get(&data, "regex"), false).and_then(|mut l| l.pop()) {
                Some(f) => Command::SendFilteredMessage(message_text(&data), f),
                None => {
                    nc.deferred.reject(&s(wc::BAD_FILTERS));
                    return;
                }
            }
        }
        Some(Verb::AddPrefilter) => {
            Command::AddPrefilter(regexps(&get(&data, "filters"), true).unwrap_or_default())
        }
        Some(Verb::SendTyping) => Command::SendTyping,
        Some(Verb::SendCustomNotice) => Command::SendCustomNotice,
        Some(Verb::SendFile) => Command::SendFile,
        Some(Verb::DownloadFile) => Command::DownloadFile,
        Some(Verb::FetchHistory) => Command::FetchHistory,
        Some(Verb::Restore) => Command::Restore {
            internal: nc.commander == NS,
        },
        Some(Verb::Poll) => Command::Poll {
            internal: nc.commander == NS,
        },
        Some(Verb::StartPoll) => Command::StartPoll,
        Some(Verb::StopPoll) => Command::StopPoll,
        Some(Verb::ResetPollExceptions) => Command::ResetPollExceptions,
        Some(Verb::UpdateUserData) => {
            if !page::is_plain_object(&data) {
                nc.deferred.reject(&s(wc::BAD_USERDATA));
                return;
            }
            // Read before the shell is borrowed: the page's getters run here, and may throw.
            let copy = obj();
            if let Err(e) = page::assign_from(&copy, &data, "the userData") {
                nc.deferred.reject(&e);
                return;
            }
            let active = with(|sh| sh.core.is_active()).unwrap_or(false);
            if !active {
                let user_data = with(|sh| sh.user_data.clone());
                if let Some(user_data) = user_data {
                    // Our own plain objects: no page code runs.
                    let _ = page::assign_from(&user_data, &copy, "the userData");
                }
            }
            Command::UpdateUserData
        }
        Some(Verb::GetTranscript) => Command::GetTranscript,
        Some(Verb::GetAgents) => Command::GetAgents,
        Some(Verb::GetStats) => Command::GetStats,
        Some(Verb::GetSessionData) => Command::GetSessionData,
        Some(Verb::VerifySession) => Command::VerifySession,
        Some(Verb::RegisterTypingPreviewInput) => {
            register_typing_input(&data, &nc.deferred);
            return;
        }
        Some(Verb::RegisterPreProcessor) => {
            let f = get(&data, "preprocessor");
            match f.dyn_ref::<Function>() {
                Some(pre) => {
                    wc_pre(pre);
                    nc.deferred.resolve(&f);
                }
                None => {
                    let type_name = if f.is_null() {
                        "null".to_string()
                    } else {
                        f.js_typeof().as_string().unwrap_or_default()
                    };
                    nc.deferred.reject(&s(&wc::no_preprocessor(&type_name)));
                }
            }
            return;
        }
        _ => {
            nc.deferred
                .reject(&error(crate::core::bus::COMMAND_DOES_NOT_EXIST));
            return;
        }
    };
    if let Some(id) = keep_deferred(&nc.deferred) {
        drive(|core, c| core.command(id, command, c));
    }
}

/// Keeps a command's deferred until the core settles it; its id, or `None` (rejected) before boot.
fn keep_deferred(deferred: &Deferred) -> Option<u32> {
    let id = with(|sh| {
        let id = sh.next_cmd;
        sh.next_cmd = sh.next_cmd.wrapping_add(1);
        sh.deferreds.push((id, deferred.clone()));
        id
    });
    if id.is_none() {
        deferred.reject(&error(wc::NOT_READY));
    }
    id
}

/// `startChat`'s own `interactionData`, `deploymentKey`, `orgGuid`/`organizationId`, which the shipped service
/// reads over the configuration's `transport`: the configuration for this chat, or `None` when it has none.
fn start_override(data: &JsValue) -> Option<Result<Config, config::ConfigError>> {
    const KEYS: [&str; 4] = ["interactionData", "deploymentKey", "orgGuid", "organizationId"];
    // (`global_at` below a root that is not an object would read a global.)
    if !data.is_object() || KEYS.iter().all(|k| global_at(k, data).is_undefined()) {
        return None;
    }
    let root = with(|sh| sh.config_root.clone()).unwrap_or(JsValue::UNDEFINED);
    if !root.is_object() {
        return None;
    }
    Some(parse_config(&root, Some(data)))
}

/// `{message: 'hi'}`; a bare string is accepted too.
fn message_text(data: &JsValue) -> Option<String> {
    data.as_string().or_else(|| get_str(data, "message"))
}

/// A Genesys error body (`{message, code, status, …}`) as its readable part; any other text as itself.
fn readable(text: String) -> String {
    parsed(wc_parse(&text))
        .and_then(|v| read::opt(&v, "message"))
        .unwrap_or(text)
}

/// A RegExp (or, when `many`, an array of them) as filters; `None` when one is not a RegExp.
fn regexps(v: &JsValue, many: bool) -> Option<Vec<Filter>> {
    let list = wc_regexps_of(v, many);
    (!list.is_null()).then(|| Filter::read_list(&Js(list)))
}

/// The chat entry form and userData (config defaults merged with the command's) as `memberInfo`
/// ([`member_info::member_info`], from what `wcStartOptions` read); `Err` (the rejection) when the command's
/// userData is not an object or reading the options threw.
fn member_info(data: &JsValue) -> Result<MemberInfo, JsValue> {
    let base = with(|sh| sh.user_data.clone()).unwrap_or_else(obj);
    let v = wc_start_options(data, &base, member_info::JSON_MAX);
    if let Some(why) = v.as_string() {
        return Err(error(&why));
    }
    member_info::member_info(&Js(v)).map_err(s)
}

/// `registerTypingPreviewInput({input})`: a textarea or text-like input (or a jQuery object holding one).
fn register_typing_input(data: &JsValue, deferred: &Deferred) {
    let read = read::Json::items(&Js(wc_typing_input(data)));
    let text = |i: usize| read.get(i).and_then(|v| v.0.as_string());
    let input = match (read.first(), text(1)) {
        (Some(el), Some(tag)) if wc::is_typing_input(&tag, text(2).as_deref()) => el.0.clone(),
        _ => {
            deferred.reject(&s(wc::BAD_INPUT));
            return;
        }
    };
    let known = with(|sh| sh.inputs.iter().any(|(el, _)| Object::is(el, &input))).unwrap_or(false);
    if !known {
        let remove = wc_listen(&input, "keydown", Io::Key as u32);
        with(|sh| sh.inputs.push((input, Listener { remove })));
    }
    deferred.resolve(&JsValue::UNDEFINED);
}

// ----- outputs --------------------------------------------------------------------------------------------------

fn perform(o: Output) {
    match o {
        Output::Http { id, request } => {
            if with(|sh| sh.expects.push((id, request.expect))).is_some() {
                wc_fetch(
                    id,
                    request.method.as_str(),
                    &request.url,
                    request.bearer.as_deref(),
                    request.body.as_deref(),
                );
            }
        }
        Output::SocketOpen { url } => {
            let prev = with(|sh| {
                sh.socket_gen = sh.socket_gen.wrapping_add(1);
                (std::mem::replace(&mut sh.socket, JsValue::NULL), sh.socket_gen)
            });
            if let Some((old, gen)) = prev {
                wc_close(&old);
                let ws = wc_socket(&url, gen);
                with(|sh| sh.socket = ws);
            }
        }
        Output::SocketSend(text) => {
            let ws = with(|sh| sh.socket.clone()).unwrap_or(JsValue::NULL);
            wc_send(&ws, &text);
        }
        Output::SocketClose => {
            let ws = with(|sh| {
                sh.socket_gen = sh.socket_gen.wrapping_add(1);
                std::mem::replace(&mut sh.socket, JsValue::NULL)
            });
            if let Some(ws) = ws {
                wc_close(&ws);
            }
        }
        Output::Publish(e) => {
            let e = with(|sh| match sh.held.as_mut() {
                Some(list) => {
                    list.push(e);
                    None
                }
                None => Some(e),
            })
            .flatten();
            if let Some(e) = e {
                publish(e);
            }
        }
        Output::Resolve { cmd, value } => settle(cmd, value, true),
        Output::Reject { cmd, value } => settle(cmd, value, false),
        Output::Store(snap) => wc_store(snap.map(|snap| payload::snapshot(&snap)).as_deref()),
        Output::Journey { state, error } => {
            let journey = with(|sh| sh.journey.clone()).unwrap_or(JsValue::UNDEFINED);
            if journey.is_object() {
                // A Genesys error body is `{message, code, status, …}`: its `message` is the readable part.
                let error = error.map(|(c, m)| (c, readable(m)));
                let err = error.as_ref().map(|(c, m)| (*c, m.as_str()));
                super::ac::journey_chat_progress(&journey, state, err);
            }
        }
    }
}

fn settle(cmd: u32, value: Value, ok: bool) {
    let Some(Some(d)) = with(|sh| take(&mut sh.deferreds, &cmd)) else {
        return;
    };
    let v = value_js(value);
    if ok {
        d.resolve(&v);
    } else {
        d.reject(&v);
    }
}

fn value_js(v: Value) -> JsValue {
    match v {
        Value::Undefined => JsValue::UNDEFINED,
        Value::Text(t) => s(&t),
        Value::Filters(_) => {
            sync_regexps();
            wc_regexps()
        }
        Value::UserData => with(|sh| sh.user_data.clone())
            .map(JsValue::from)
            .unwrap_or(JsValue::UNDEFINED),
        v => match payload::value(&v, &conversation()) {
            Some(json) => make(&json),
            None => JsValue::UNDEFINED,
        },
    }
}

// ----- payloads -------------------------------------------------------------------------------------------------

/// The page-side object for a payload the core wrote as JSON (null when every message of a `messageReceived`
/// was prefiltered away).
fn make(json: &str) -> JsValue {
    sync_regexps();
    wc_make(json)
}

/// The live chat's conversation id, for the payloads' server messages.
fn conversation() -> String {
    with(|sh| sh.core.conversation().to_string()).unwrap_or_default()
}

/// Writes the core's prefilters to the page side when its list changed (the list is what survives a reload).
fn sync_regexps() {
    let json = with(|sh| {
        let filters = sh.core.filters();
        if sh.synced_filters == filters.len() {
            return None;
        }
        sh.synced_filters = filters.len();
        Some(payload::filter_list(filters))
    })
    .flatten();
    if let Some(json) = json {
        wc_filters(&json);
    }
}

fn publish(e: Event) {
    if bus::yielded(NS) {
        return; // a page plugin took the name while WebChatService was unconfigured
    }
    let name = e.name();
    if let Event::Started(d) = &e {
        // Analytics and the debug log get the ids only: the JWT and the stream URL are credentials.
        let (data, public) = payload::started(d);
        let data = make(&data);
        let public = make(&public);
        bus::publish_as_public(NS, name, &data, &public);
        return;
    }
    let data = make(&payload::event(&e, &conversation()));
    if data.is_null() {
        return; // every message was prefiltered: nothing to show
    }
    // The bus reports every publication to analytics itself.
    if let Event::Ready = e {
        bus::republish_as(NS, name, &data);
    } else {
        bus::publish_as(NS, name, &data);
    }
}

// ----- inputs from the browser ----------------------------------------------------------------------------------

/// A parsed JSON value as the core reads it ([`read::Json`]). The values are the shell's own (`JSON.parse`
/// results, or what a JS helper built), and only their own fields are read (`wcField`): nothing a page put on
/// `Object.prototype` is, so every value met is plain data and every array a real one.
struct Js(JsValue);

thread_local! {
    /// The readers' keys as JS strings, each made once. A key that crosses as `&str` is decoded by the glue
    /// (a `TextDecoder` call) on every read: reading a frame read ~15 fields, and those decodes were its largest
    /// cost (docs/performance.md). The keys are the readers' literals: a few dozen, kept for the module's life.
    static KEYS: RefCell<Vec<(Box<str>, JsValue)>> = const { RefCell::new(Vec::new()) };
}

impl read::Json for Js {
    fn field(&self, k: &str) -> Js {
        Js(KEYS.with(|keys| {
            let mut keys = keys.borrow_mut();
            let i = match keys.iter().position(|(key, _)| **key == *k) {
                Some(i) => i,
                None => {
                    keys.push((k.into(), s(k)));
                    keys.len() - 1
                }
            };
            // (`wcField` runs no page code and never calls back: the borrow cannot be met again.)
            keys.get(i)
                .map_or(JsValue::UNDEFINED, |(_, key)| wc_field(&self.0, key))
        }))
    }

    fn text(&self) -> Option<String> {
        self.0.as_string()
    }

    fn number(&self) -> Option<f64> {
        self.0.as_f64()
    }

    fn is_object(&self) -> bool {
        self.0.is_object()
    }

    fn is_true(&self) -> bool {
        self.0.as_bool() == Some(true)
    }

    fn items(&self) -> Vec<Js> {
        // Only the shell's own arrays come here (`JSON.parse` results, arrays a JS helper built): no Proxy, no
        // getter, so reading them runs no page code.
        if !page::is_list(&self.0) {
            return Vec::new();
        }
        let list: &js_sys::Array = self.0.unchecked_ref();
        let mut items = Vec::new();
        for i in 0..list.length().min(page::MAX_ITEMS) {
            items.push(Js(list.get(i)));
        }
        items
    }

    fn is_present(&self) -> bool {
        !self.0.is_undefined()
    }

    fn time(&self) -> f64 {
        wc_time(&self.0)
    }
}

/// The parsed JSON in `v`, if the text was JSON (`undefined` when it was not).
fn parsed(v: JsValue) -> Option<Js> {
    (!v.is_undefined()).then_some(Js(v))
}

/// An answer (`status_text`, and `text` unless `body` parsed as JSON), or with `failed` no answer (`status_text`
/// says why).
fn on_fetch(
    id: u32,
    status: u16,
    failed: bool,
    status_text: Option<String>,
    text: Option<String>,
    body: JsValue,
) {
    let expect = with(|sh| take(&mut sh.expects, &id)).flatten();
    let Some(expect) = expect else { return };
    let status_text = status_text.unwrap_or_default();
    let text = text.unwrap_or_default();
    let result = if failed {
        HttpResult::Network(status_text)
    } else if (200..300).contains(&status) {
        match reply(expect, parsed(body)) {
            Some(reply) => HttpResult::Ok { status, reply },
            None => HttpResult::Status {
                status,
                status_text: "parsererror".into(),
                text,
            },
        }
    } else {
        HttpResult::Status {
            status,
            status_text,
            text,
        }
    };
    drive(|core, c| core.http(id, result, c));
}

/// A socket event: opened, a frame (`v` parsed; undefined when it is not JSON), closed.
fn on_socket(gen: u32, kind: Io, v: JsValue) {
    if with(|sh| sh.socket_gen) != Some(gen) {
        return; // a socket we already closed
    }
    match kind {
        Io::Opened => drive(|core, c| core.socket_open(c)),
        Io::Frame => {
            #[cfg(feature = "webmessaging")]
            if messaging::frame(&v) {
                return;
            }
            // (A frame that was not JSON is undefined: it reads as nothing.)
            let frame = read::frame(&Js(v));
            drive(|core, c| core.frame(frame, c));
        }
        _ => {
            with(|sh| sh.socket = JsValue::NULL);
            drive(|core, c| core.socket_closed(c));
        }
    }
}

// ----- the snapshot in sessionStorage ---------------------------------------------------------------------------

fn read_snapshot(text: &str) -> Option<Snapshot> {
    Snapshot::read(&parsed(wc_parse(text))?)
}

/// Test hooks for the browser tests: configuration errors and frame decoding without a bus.
#[doc(hidden)]
pub mod testing {
    use super::*;

    pub fn config_error(webchat: &JsValue) -> Option<String> {
        read_config(webchat).err().map(|e| e.0)
    }

    pub fn member(data: &JsValue) -> Option<MemberInfo> {
        member_info(data).ok()
    }

    pub fn frame(text: &str) -> RawFrame {
        read::frame(&Js(wc_parse(text)))
    }

    pub fn snapshot_roundtrip(sn: &Snapshot) -> Option<Snapshot> {
        read_snapshot(&payload::snapshot(sn))
    }
}
