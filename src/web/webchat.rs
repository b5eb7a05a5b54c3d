//! The WebChatService shell: registers the plugin on the bus, turns commands, HTTP answers, socket frames, timers
//! and keys into inputs of [`crate::core::webchat::Session`], and performs its outputs with `fetch`, `WebSocket`,
//! `setTimeout` and sessionStorage (through `js/webchat_io.js`, which calls back through three long-lived
//! closures owned here). Page-supplied values (userData, RegExps, preprocessors, inputs) stay JS values here.
//!
//! The JWT goes to the `Authorization` header and to sessionStorage (the restore snapshot), nowhere else: not
//! to events, resolutions, logs, localStorage or cookies.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Function, Object, Reflect, RegExp, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::bus::{self, NativeCommand};
use super::deferred::Deferred;
use crate::core::guestchat::{
    Created, Expect, MemberInfo, MessagePage, RawFrame, Reply, WireMember, WireMessage,
};
use crate::core::webchat::config::{self, Config, Value as Cv};
use crate::core::webchat::transcript::{AgentInfo, ChatMessage};
use crate::core::webchat::{
    self as wc, Ajax, AjaxBody, Command, Ctx, Event, Filter, HttpResult, Output, Session, SessionData,
    Snapshot, Timer, Value,
};

const NS: &str = "WebChatService";
const STORAGE_KEY: &str = "cxbridge.webchat.session";

#[wasm_bindgen(module = "/js/webchat_io.js")]
extern "C" {
    #[wasm_bindgen(js_name = wcFetch)]
    fn wc_fetch(id: u32, method: &str, url: &str, bearer: Option<String>, body: Option<String>, cb: &JsValue);
    #[wasm_bindgen(js_name = wcSocket)]
    fn wc_socket(url: &str, gen: u32, cb: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = wcClose)]
    fn wc_close(ws: &JsValue);
    #[wasm_bindgen(js_name = wcTimer)]
    fn wc_timer(cb: &JsValue, ms: u32, key: f64) -> JsValue;
    #[wasm_bindgen(js_name = wcClearTimer)]
    fn wc_clear_timer(handle: &JsValue);
    #[wasm_bindgen(js_name = wcListen)]
    fn wc_listen(target: &JsValue, kind: &str, cb: &JsValue) -> Function;
    #[wasm_bindgen(js_name = wcStorage)]
    fn wc_storage(op: &str, key: &str, value: Option<String>) -> Option<String>;
}

/// An event listener; removed when dropped.
struct Listener {
    remove: Function,
    _cb: Closure<dyn FnMut(JsValue)>,
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
    timers: Vec<(Timer, JsValue)>,
    socket: JsValue,
    socket_gen: u32,
    /// Compiled prefilters, rebuilt when the core's list changes.
    regexps: Vec<RegExp>,
    preprocessors: Vec<Function>,
    user_data: Object,
    /// `transport.interactionData.journey`, for `ac()` progress.
    journey: JsValue,
    /// Registered typing-preview inputs (each once) and their key listeners.
    inputs: Vec<(JsValue, Listener)>,
    /// Events published before the loader replayed the page's queued calls; `None` once replayed.
    held: Option<Vec<Event>>,
    /// `pagehide` and `visibilitychange` on the window.
    _pagehide: Vec<Listener>,
    fetch_cb: JsValue,
    socket_cb: JsValue,
    timer_cb: JsValue,
    _closures: (FetchClosure, SocketClosure, Closure<dyn FnMut(f64)>),
}

type FetchClosure = Closure<dyn FnMut(u32, u16, String, String, JsValue)>;
type SocketClosure = Closure<dyn FnMut(u32, String, JsValue)>;

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
        now: js_sys::Date::now(),
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
    let outputs = with(|sh| {
        f(&mut sh.core, ctx());
        sh.core.take_outputs()
    })
    .unwrap_or_default();
    for o in outputs {
        perform(o);
    }
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

fn put(o: &Object, k: &'static str, v: &JsValue) {
    let _ = Reflect::set(o, &super::lit(k), v);
}

fn get(o: &JsValue, k: &'static str) -> JsValue {
    if !o.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(o, &super::lit(k)).unwrap_or(JsValue::UNDEFINED)
}

fn get_str(o: &JsValue, k: &'static str) -> Option<String> {
    get(o, k).as_string()
}

fn s(v: &str) -> JsValue {
    JsValue::from_str(v)
}

fn opt_num(v: Option<f64>) -> JsValue {
    v.map(JsValue::from_f64).unwrap_or(JsValue::NULL)
}

fn is_plain_object(v: &JsValue) -> bool {
    v.is_object() && !Array::is_array(v) && !v.is_function()
}

fn error(msg: &str) -> JsValue {
    js_sys::Error::new(msg).into()
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
    } else if Array::is_array(v) {
        Cv::Array(Array::from(v).iter().map(|x| x.as_string()).collect())
    } else if v.is_function() {
        Cv::Other("function")
    } else if v.is_object() {
        Cv::Object
    } else {
        Cv::Other("symbol")
    }
}

fn path(root: &JsValue, dotted: &str) -> JsValue {
    let mut cur = root.clone();
    for part in dotted.split('.') {
        if !cur.is_object() && !cur.is_function() {
            return JsValue::UNDEFINED;
        }
        // Read once, at configuration: not worth a cached key.
        cur = Reflect::get(&cur, &JsValue::from_str(part)).unwrap_or(JsValue::UNDEFINED);
    }
    cur
}

/// Validates a `_genesys.widgets.webchat`-shaped object.
fn read_config(root: &JsValue) -> Result<Config, config::ConfigError> {
    Config::parse(&|p: &str| cfg_value(&path(root, p)))
}

/// Applies a validated configuration and keeps its page-side parts (userData, journey).
fn apply_config(root: &JsValue, config: Config) {
    let ud = get(root, "userData");
    let journey = path(root, "transport.interactionData.journey");
    with(|sh| {
        if is_plain_object(&ud) {
            sh.user_data = Object::assign(&obj(), &Object::from(ud));
        }
        sh.journey = journey;
    });
    drive(|core, c| core.configure(config, c));
}

// ----- boot -----------------------------------------------------------------------------------------------------

/// Registers WebChatService when the page configures it (`_genesys.widgets.webchat`), as Genesys Widgets loads
/// it only then; a page without that object keeps the name free (it may register its own WebChatService). The
/// configuration may be incomplete at load and completed with `WebChatService.configure`.
pub(crate) fn boot(_globals: bool) -> Result<(), JsValue> {
    if with(|_| ()).is_some() {
        return Ok(());
    }
    let global: JsValue = js_sys::global().into();
    let webchat = path(&global, "_genesys.widgets.webchat");
    if !webchat.is_object() {
        return Ok(());
    }
    let ty = path(&webchat, "transport.type");
    if !ty.is_undefined() && ty.as_string().as_deref() != Some(config::TRANSPORT_TYPE) {
        web_sys::console::error_1(&s(
            "WebChatService configuration: transport.type must be 'purecloud-v2-sockets'; WebChatService is not loaded",
        ));
        return Ok(());
    }
    let fetch_closure = FetchClosure::new(on_fetch);
    let socket_closure = SocketClosure::new(on_socket);
    let timer_closure = Closure::<dyn FnMut(f64)>::new(on_timer);
    let shell = Shell {
        core: Session::new(),
        deferreds: Vec::new(),
        expects: Vec::new(),
        next_cmd: 1,
        timers: Vec::new(),
        socket: JsValue::NULL,
        socket_gen: 0,
        regexps: Vec::new(),
        preprocessors: Vec::new(),
        user_data: obj(),
        journey: JsValue::UNDEFINED,
        inputs: Vec::new(),
        held: Some(Vec::new()),
        _pagehide: Vec::new(),
        fetch_cb: fetch_closure.as_ref().clone(),
        socket_cb: socket_closure.as_ref().clone(),
        timer_cb: timer_closure.as_ref().clone(),
        _closures: (fetch_closure, socket_closure, timer_closure),
    };
    let leaked: &'static RefCell<Shell> = Box::leak(Box::new(RefCell::new(shell)));
    SHELL.with(|s| s.set(Some(leaked)));

    bus::register_native_plugin(NS, wc::COMMANDS, Rc::new(on_command))?;

    // Configuration as Genesys Widgets reads it: `_genesys.widgets.webchat` at load. An empty object means
    // "configured later"; anything else that is invalid is reported, naming the field.
    let empty = Object::keys(&Object::from(webchat.clone())).length() == 0;
    match read_config(&webchat) {
        Ok(c) => apply_config(&webchat, c),
        Err(e) if !empty => web_sys::console::error_1(&s(&e.0)),
        Err(_) => {}
    }

    // Remember when the page went away, so the next page measures restoreTimeout from then: on `pagehide`, and
    // when the tab is hidden (a mobile browser may discard a hidden tab without `pagehide`; the snapshot is no
    // longer written per message).
    // `visibilitychange` is fired at the document and bubbles to the window.
    if let Some(win) = web_sys::window() {
        let win = JsValue::from(win);
        for kind in ["pagehide", "visibilitychange"] {
            let cb = Closure::<dyn FnMut(JsValue)>::new(|_e: JsValue| drive(|core, c| core.page_hide(c)));
            let remove = wc_listen(&win, kind, cb.as_ref());
            with(|sh| sh._pagehide.push(Listener { remove, _cb: cb }));
        }
    }

    // A stored session is restored now, before the page's queued commands run (a queued startChat then meets
    // the restoring session), but what that publishes waits for `after_replay`: the page's queued
    // subscriptions are not in place yet.
    let snapshot = wc_storage("get", STORAGE_KEY, None).and_then(|t| read_snapshot(&t));
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
    let command = match nc.command.as_str() {
        "configure" => {
            if with(|sh| sh.core.is_active()) == Some(true) {
                // The chat in progress talks to the configured server; a new configuration is for the next one.
                nc.deferred.reject(&error(
                    "WebChatService.configure: a chat session is active; configure before startChat or after it ends",
                ));
                return;
            }
            match read_config(&data) {
                Ok(c) => {
                    apply_config(&data, c);
                    nc.deferred.resolve(&JsValue::UNDEFINED);
                }
                Err(e) => nc.deferred.reject(&error(&e.0)),
            }
            return;
        }
        "startChat" => match member_info(&data) {
            Ok(info) => Command::StartChat(info),
            Err(()) => {
                nc.deferred.reject(&s(wc::BAD_USERDATA));
                return;
            }
        },
        "endChat" => Command::EndChat,
        "sendMessage" => Command::SendMessage(message_text(&data)),
        "sendFilteredMessage" => {
            let re = get(&data, "regex");
            match re.dyn_ref::<RegExp>() {
                Some(r) => Command::SendFilteredMessage(message_text(&data), filter_of(r)),
                None => {
                    nc.deferred.reject(&s(wc::BAD_FILTERS));
                    return;
                }
            }
        }
        "addPrefilter" => {
            let f = get(&data, "filters");
            let list: Vec<JsValue> = if Array::is_array(&f) {
                Array::from(&f).iter().collect()
            } else {
                vec![f]
            };
            let filters: Option<Vec<Filter>> = list
                .iter()
                .map(|v| v.dyn_ref::<RegExp>().map(filter_of))
                .collect();
            Command::AddPrefilter(filters.unwrap_or_default())
        }
        "sendTyping" => Command::SendTyping,
        "sendCustomNotice" => Command::SendCustomNotice,
        "sendFile" => Command::SendFile,
        "downloadFile" => Command::DownloadFile,
        "fetchHistory" => Command::FetchHistory,
        "restore" => Command::Restore {
            internal: nc.commander == NS,
        },
        "poll" => Command::Poll {
            internal: nc.commander == NS,
        },
        "startPoll" => Command::StartPoll,
        "stopPoll" => Command::StopPoll,
        "resetPollExceptions" => Command::ResetPollExceptions,
        "updateUserData" => {
            if !is_plain_object(&data) {
                nc.deferred.reject(&s(wc::BAD_USERDATA));
                return;
            }
            let active = with(|sh| sh.core.is_active()).unwrap_or(false);
            if !active {
                with(|sh| {
                    Object::assign(&sh.user_data, &Object::from(data.clone()));
                });
            }
            Command::UpdateUserData
        }
        "getTranscript" => Command::GetTranscript,
        "getAgents" => Command::GetAgents,
        "getStats" => Command::GetStats,
        "getSessionData" => Command::GetSessionData,
        "verifySession" => Command::VerifySession,
        "registerTypingPreviewInput" => {
            register_typing_input(&data, &nc.deferred);
            return;
        }
        "registerPreProcessor" => {
            let f = get(&data, "preprocessor");
            match f.dyn_ref::<Function>() {
                Some(func) => {
                    let func = func.clone();
                    with(|sh| sh.preprocessors.push(func.clone()));
                    nc.deferred.resolve(&func);
                }
                None => {
                    let t = f.js_typeof().as_string().unwrap_or_default();
                    let t = if f.is_null() { "null".to_string() } else { t };
                    let mut m = String::from("No preprocessor function provided. Type provided was '");
                    m.push_str(&t);
                    m.push_str("'.");
                    nc.deferred.reject(&s(&m));
                }
            }
            return;
        }
        _ => {
            nc.deferred.reject(&error("Command does not exist"));
            return;
        }
    };
    let id = with(|sh| {
        let id = sh.next_cmd;
        sh.next_cmd = sh.next_cmd.wrapping_add(1);
        sh.deferreds.push((id, nc.deferred.clone()));
        id
    });
    match id {
        Some(id) => drive(|core, c| core.command(id, command, c)),
        None => nc.deferred.reject(&error("WebChatService is not ready")),
    }
}

/// `{message: 'hi'}`; a bare string is accepted too.
fn message_text(data: &JsValue) -> Option<String> {
    data.as_string().or_else(|| get_str(data, "message"))
}

fn filter_of(r: &RegExp) -> Filter {
    Filter {
        source: r.source().into(),
        flags: r.flags().into(),
    }
}

/// The chat entry form and userData (config defaults merged with the command's) as `memberInfo`.
fn member_info(data: &JsValue) -> Result<MemberInfo, ()> {
    let ud = get(data, "userData");
    if !(ud.is_undefined() || ud.is_null() || is_plain_object(&ud)) {
        return Err(());
    }
    let base = with(|sh| sh.user_data.clone()).unwrap_or_else(obj);
    let merged = Object::assign(&obj(), &base);
    if is_plain_object(&ud) {
        Object::assign(&merged, &Object::from(ud));
    }
    let subject = get_str(data, "subject");
    if let Some(subj) = &subject {
        put(&merged, "subject", &s(subj));
    }
    let mut custom = Vec::new();
    for entry in Object::entries(&merged).iter() {
        let pair = Array::from(&entry);
        let (Some(k), v) = (pair.get(0).as_string(), pair.get(1)) else {
            continue;
        };
        let text = if let Some(t) = v.as_string() {
            t
        } else if v.is_undefined() || v.is_null() || v.is_function() {
            continue;
        } else if v.is_object() {
            JSON::stringify(&v)
                .ok()
                .and_then(|j| j.as_string())
                .unwrap_or_default()
        } else {
            js_sys::JsString::from(v).into()
        };
        custom.push((k, text));
    }
    let field = |k: &'static str| get_str(data, k).filter(|v| !v.is_empty());
    Ok(MemberInfo {
        display_name: field("nickname").or_else(|| field("firstname")),
        first_name: field("firstname"),
        last_name: field("lastname"),
        email: field("email"),
        phone_number: field("phoneNumber").or_else(|| field("phonenumber")),
        avatar_image_url: field("avatarImageUrl"),
        custom_fields: custom,
    })
}

/// `registerTypingPreviewInput({input})`: a textarea or text-like input (or a jQuery object holding one).
fn register_typing_input(data: &JsValue, deferred: &Deferred) {
    let mut input = get(data, "input");
    if input.is_object() && get_str(&input, "tagName").is_none() {
        // `$('input')`: the first element of a jQuery-like collection.
        input = get(&input, "0");
    }
    let ok = match get_str(&input, "tagName") {
        Some(tag) => {
            let tag = tag.to_ascii_lowercase();
            let ty = get_str(&input, "type")
                .unwrap_or_else(|| "text".into())
                .to_ascii_lowercase();
            tag == "textarea"
                || (tag == "input" && matches!(ty.as_str(), "text" | "search" | "email" | "tel" | "url"))
        }
        None => false,
    };
    if !ok {
        deferred.reject(&s(wc::BAD_INPUT));
        return;
    }
    let known = with(|sh| sh.inputs.iter().any(|(el, _)| Object::is(el, &input))).unwrap_or(false);
    if !known {
        let cb = Closure::<dyn FnMut(JsValue)>::new(|_e: JsValue| drive(|core, c| core.key(c)));
        let remove = wc_listen(&input, "keydown", cb.as_ref());
        with(|sh| sh.inputs.push((input, Listener { remove, _cb: cb })));
    }
    deferred.resolve(&JsValue::UNDEFINED);
}

// ----- outputs --------------------------------------------------------------------------------------------------

fn perform(o: Output) {
    match o {
        Output::Http { id, request } => {
            let cb = with(|sh| {
                sh.expects.push((id, request.expect));
                sh.fetch_cb.clone()
            });
            if let Some(cb) = cb {
                wc_fetch(
                    id,
                    request.method.as_str(),
                    &request.url,
                    request.bearer,
                    request.body,
                    &cb,
                );
            }
        }
        Output::SocketOpen { url } => {
            let prev = with(|sh| {
                sh.socket_gen = sh.socket_gen.wrapping_add(1);
                (
                    std::mem::replace(&mut sh.socket, JsValue::NULL),
                    sh.socket_gen,
                    sh.socket_cb.clone(),
                )
            });
            if let Some((old, gen, cb)) = prev {
                wc_close(&old);
                let ws = wc_socket(&url, gen, &cb);
                with(|sh| sh.socket = ws);
            }
        }
        Output::SocketSend(text) => {
            let ws = with(|sh| sh.socket.clone()).unwrap_or(JsValue::NULL);
            if let Some(send) = get(&ws, "send").dyn_ref::<Function>() {
                let _ = send.call1(&ws, &s(&text));
            }
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
        Output::Arm { timer, ms } => {
            let prev = with(|sh| (take(&mut sh.timers, &timer), sh.timer_cb.clone()));
            if let Some((old, cb)) = prev {
                if let Some(h) = old {
                    wc_clear_timer(&h);
                }
                let h = wc_timer(&cb, ms, timer_key(timer));
                with(|sh| sh.timers.push((timer, h)));
            }
        }
        Output::Cancel(timer) => {
            if let Some(Some(h)) = with(|sh| take(&mut sh.timers, &timer)) {
                wc_clear_timer(&h);
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
        Output::Store(snap) => match snap {
            Some(snap) => {
                let text = JSON::stringify(&snapshot_js(&snap))
                    .ok()
                    .and_then(|t| t.as_string());
                wc_storage("set", STORAGE_KEY, text);
            }
            None => {
                wc_storage("remove", STORAGE_KEY, None);
            }
        },
        Output::Journey { state, error } => {
            let journey = with(|sh| sh.journey.clone()).unwrap_or(JsValue::UNDEFINED);
            if journey.is_object() {
                // A Genesys error body is `{message, code, status, …}`: its `message` is the readable part.
                let error = error.map(|(c, m)| {
                    let readable = JSON::parse(&m).ok().and_then(|v| get_str(&v, "message"));
                    (c, readable.unwrap_or(m))
                });
                let err = error.as_ref().map(|(c, m)| (*c, m.as_str()));
                super::ac::journey_chat_progress(&journey, state, err);
            }
        }
    }
}

fn timer_key(t: Timer) -> f64 {
    match t {
        Timer::Heartbeat => 1.0,
        Timer::Reconnect => 2.0,
        Timer::AgentTyping => 3.0,
        Timer::ClientTyping => 4.0,
        Timer::Poll => 5.0,
        Timer::SendRetry => 6.0,
        Timer::CatchUp => 7.0,
        Timer::Restore => 8.0,
        Timer::Request(n) => 16.0 + f64::from(n),
    }
}

fn timer_of(key: f64) -> Option<Timer> {
    Some(match key as u64 {
        1 => Timer::Heartbeat,
        2 => Timer::Reconnect,
        3 => Timer::AgentTyping,
        4 => Timer::ClientTyping,
        5 => Timer::Poll,
        6 => Timer::SendRetry,
        7 => Timer::CatchUp,
        8 => Timer::Restore,
        n if n >= 16 => Timer::Request(u32::try_from(n - 16).ok()?),
        _ => return None,
    })
}

fn on_timer(key: f64) {
    let Some(timer) = timer_of(key) else { return };
    with(|sh| take(&mut sh.timers, &timer));
    drive(|core, c| core.timer(timer, c));
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
        Value::Ajax(a) => ajax_js(&a),
        Value::Filters(_) => {
            sync_regexps();
            let arr = Array::new();
            for r in with(|sh| sh.regexps.clone()).unwrap_or_default() {
                arr.push(&r);
            }
            arr.into()
        }
        Value::Transcript(msgs) => {
            let o = obj();
            put(&o, "messages", &visible_messages(&msgs).into());
            o.into()
        }
        Value::Agents(a) => agents_js(&a).into(),
        Value::Stats(st) => {
            let o = obj();
            put(&o, "agents", &agents_js(&st.agents).into());
            put(&o, "startTime", &opt_num(st.start_time));
            put(&o, "endTime", &opt_num(st.end_time));
            put(&o, "duration", &opt_num(st.duration));
            o.into()
        }
        Value::SessionData(d) => session_js(&d),
        Value::SessionActive(b) => {
            let o = obj();
            put(&o, "sessionActive", &JsValue::from_bool(b));
            o.into()
        }
        Value::UserData => with(|sh| sh.user_data.clone())
            .map(JsValue::from)
            .unwrap_or(JsValue::UNDEFINED),
    }
}

// ----- payloads -------------------------------------------------------------------------------------------------

fn session_js(d: &SessionData) -> JsValue {
    let o = obj();
    if let (Some(c), Some(m)) = (&d.conversation_id, &d.member_id) {
        put(&o, "conversationId", &s(c));
        put(&o, "memberId", &s(m));
    }
    o.into()
}

fn current_session() -> JsValue {
    let d = with(|sh| sh.core.session_data()).unwrap_or_default();
    session_js(&d)
}

fn wire_js(m: &WireMessage, conversation: &JsValue) -> JsValue {
    let o = obj();
    put(&o, "id", &s(&m.id));
    let c = obj();
    put(&c, "id", conversation);
    put(&o, "conversation", &c);
    let sender = obj();
    put(&sender, "id", &s(&m.sender_id));
    put(&o, "sender", &sender);
    put(&o, "body", &s(&m.body));
    put(&o, "bodyType", &s(&m.body_type));
    put(&o, "timestamp", &s(&m.timestamp));
    o.into()
}

fn message_js(m: &ChatMessage) -> Object {
    let o = obj();
    put(&o, "type", &super::lit(m.kind));
    put(&o, "text", &s(&m.text));
    put(&o, "index", &JsValue::from(m.index));
    put(&o, "timestamp", &JsValue::from_f64(m.timestamp));
    put(&o, "id", &s(&m.id));
    let from = obj();
    put(&from, "type", &super::lit(m.from_type));
    put(&from, "name", &s(&m.from_name));
    put(&o, "from", &from);
    o
}

fn agents_js(a: &[AgentInfo]) -> Array {
    let arr = Array::new();
    for x in a {
        let o = obj();
        put(&o, "name", &s(&x.name));
        put(&o, "connected", &JsValue::from_bool(x.connected));
        put(&o, "supervisor", &JsValue::from_bool(x.supervisor));
        put(&o, "connectedTime", &opt_num(x.connected_time));
        put(&o, "disconnectedTime", &opt_num(x.disconnected_time));
        arr.push(&o);
    }
    arr
}

fn ajax_js(a: &Ajax) -> JsValue {
    let o = obj();
    put(&o, "status", &JsValue::from(a.status));
    put(&o, "statusText", &s(&a.status_text));
    match &a.body {
        AjaxBody::None => {}
        AjaxBody::Session {
            conversation_id,
            member_id,
        } => {
            let j = obj();
            put(&j, "id", &s(conversation_id));
            let m = obj();
            put(&m, "id", &s(member_id));
            put(&j, "member", &m);
            put(&o, "responseJSON", &j);
        }
        AjaxBody::Message(m) => {
            let cid = current_session();
            put(&o, "responseJSON", &wire_js(m, &get(&cid, "conversationId")));
        }
        AjaxBody::Text(t) => {
            put(&o, "responseText", &s(t));
            if let Ok(j) = JSON::parse(t) {
                put(&o, "responseJSON", &j);
            }
        }
    }
    o.into()
}

/// Keeps the compiled prefilters in step with the core's list (which is what survives a reload).
fn sync_regexps() {
    with(|sh| {
        let filters = sh.core.filters();
        if sh.regexps.len() != filters.len() {
            sh.regexps = filters.iter().map(|f| RegExp::new(&f.source, &f.flags)).collect();
        }
    });
}

fn hidden(regexps: &[RegExp], text: &str) -> bool {
    regexps.iter().any(|r| {
        r.set_last_index(0);
        r.test(text)
    })
}

/// Messages as the page sees them: prefiltered ones hidden, then each preprocessor applied in order.
fn visible_messages(msgs: &[ChatMessage]) -> Array {
    sync_regexps();
    let (regexps, pre) = with(|sh| (sh.regexps.clone(), sh.preprocessors.clone())).unwrap_or_default();
    let arr = Array::new();
    for m in msgs {
        if hidden(&regexps, &m.text) {
            continue;
        }
        let mut v: JsValue = message_js(m).into();
        for f in &pre {
            match f.call1(&JsValue::UNDEFINED, &v) {
                Ok(r) if r.is_object() => v = r,
                Ok(_) => {}
                Err(e) => web_sys::console::error_2(&s("WebChatService: a preprocessor threw"), &e),
            }
        }
        arr.push(&v);
    }
    arr
}

fn presence_js(message: &ChatMessage, agents: &[AgentInfo], n: u32) -> JsValue {
    let o = obj();
    put(&o, "message", &message_js(message));
    put(&o, "agents", &agents_js(agents));
    put(&o, "numAgentsConnected", &JsValue::from(n));
    o.into()
}

fn typing_js(t: &wc::Typing) -> JsValue {
    let o = obj();
    let from = obj();
    put(&from, "type", &super::lit(t.from_type));
    put(&from, "name", &s(&t.from_name));
    put(&o, "from", &from);
    put(&o, "timestamp", &JsValue::from_f64(t.timestamp));
    o.into()
}

fn publish(e: Event) {
    let name = e.name();
    let data: JsValue = match &e {
        Event::Started(a) => ajax_js(a),
        Event::MessageReceived {
            original,
            messages,
            restoring,
        } => {
            let session = current_session();
            let cid = get(&session, "conversationId");
            let visible = visible_messages(messages);
            if visible.length() == 0 {
                return; // every message was prefiltered: nothing to show
            }
            let orig = Array::new();
            for m in original {
                orig.push(&wire_js(m, &cid));
            }
            let o = obj();
            put(&o, "originalMessages", &orig);
            put(&o, "messages", &visible);
            put(&o, "restoring", &JsValue::from_bool(*restoring));
            put(&o, "sessionData", &session);
            o.into()
        }
        Event::Error(a) => {
            let o = obj();
            let item = obj();
            put(&item, "code", &JsValue::from(a.status));
            put(&item, "response", &ajax_js(a));
            put(&o, "errors", &Array::of1(&item));
            o.into()
        }
        Event::AgentTypingStarted(t) | Event::AgentTypingStopped(t) | Event::AgentTypingTimeout(t) => {
            typing_js(t)
        }
        Event::Presence {
            message,
            agents,
            connected,
            ..
        } => presence_js(message, agents, *connected),
        _ => obj().into(),
    };
    // The bus reports every publication to analytics itself.
    if let Event::Ready = e {
        bus::republish_as(NS, name, &data);
    } else {
        bus::publish_as(NS, name, &data);
    }
}

// ----- inputs from the browser ----------------------------------------------------------------------------------

fn on_fetch(id: u32, status: u16, status_text: String, text: String, err: JsValue) {
    let expect = with(|sh| take(&mut sh.expects, &id)).flatten();
    let Some(expect) = expect else { return };
    let result = if let Some(why) = err.as_string() {
        HttpResult::Network(why)
    } else if (200..300).contains(&status) {
        match decode_reply(expect, &text) {
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

fn decode_reply(expect: Expect, text: &str) -> Option<Reply> {
    if expect == Expect::Nothing {
        return Some(Reply::None);
    }
    let v = JSON::parse(text).ok()?;
    Some(match expect {
        Expect::Nothing => Reply::None,
        Expect::Created => Reply::Created(Created {
            conversation_id: get_str(&v, "id")?,
            member_id: get_str(&get(&v, "member"), "id")?,
            jwt: get_str(&v, "jwt")?,
            event_stream_uri: get_str(&v, "eventStreamUri")?,
        }),
        Expect::Message => Reply::Message(wire_message(&v)?),
        Expect::Messages => {
            let entities = get(&v, "entities");
            let list = if Array::is_array(&entities) {
                Array::from(&entities)
                    .iter()
                    .filter_map(|m| wire_message(&m))
                    .collect()
            } else {
                Vec::new()
            };
            Reply::Messages(MessagePage {
                entities: list,
                next: get_str(&v, "next").filter(|n| !n.is_empty()),
                previous: get_str(&v, "previousPage").filter(|n| !n.is_empty()),
            })
        }
        Expect::Members => {
            let entities = get(&v, "entities");
            let list = if Array::is_array(&entities) {
                Array::from(&entities)
                    .iter()
                    .filter_map(|m| wire_member(&m))
                    .collect()
            } else {
                Vec::new()
            };
            Reply::Members(list)
        }
        Expect::Member => Reply::Member(wire_member(&v)?),
    })
}

fn wire_message(v: &JsValue) -> Option<WireMessage> {
    if !v.is_object() {
        return None;
    }
    let timestamp = get_str(v, "timestamp").unwrap_or_default();
    let ms = js_sys::Date::parse(&timestamp);
    Some(WireMessage {
        id: get_str(v, "id").unwrap_or_default(),
        sender_id: get_str(&get(v, "sender"), "id").unwrap_or_default(),
        body: get_str(v, "body").unwrap_or_default(),
        body_type: get_str(v, "bodyType").unwrap_or_else(|| "standard".into()),
        timestamp,
        timestamp_ms: if ms.is_finite() { ms } else { 0.0 },
    })
}

fn wire_member(v: &JsValue) -> Option<WireMember> {
    Some(WireMember {
        id: get_str(v, "id")?,
        display_name: get_str(v, "displayName"),
        role: get_str(v, "role"),
        state: get_str(v, "state"),
    })
}

fn on_socket(gen: u32, kind: String, data: JsValue) {
    if with(|sh| sh.socket_gen) != Some(gen) {
        return; // a socket we already closed
    }
    match kind.as_str() {
        "open" => drive(|core, c| core.socket_open(c)),
        "message" => {
            let text = data.as_string().unwrap_or_default();
            let frame = decode_frame(&text);
            drive(|core, c| core.frame(frame, c));
        }
        _ => {
            with(|sh| sh.socket = JsValue::NULL);
            drive(|core, c| core.socket_closed(c));
        }
    }
}

fn decode_frame(text: &str) -> RawFrame {
    let Ok(v) = JSON::parse(text) else {
        return RawFrame {
            text: Some(text.to_string()),
            ..Default::default()
        };
    };
    let body = get(&v, "eventBody");
    let has_message =
        body.is_object() && (!get(&body, "id").is_undefined() || get(&body, "sender").is_object());
    let member = get(&body, "member");
    RawFrame {
        topic: get_str(&v, "topicName").unwrap_or_default(),
        kind: get_str(&get(&v, "metadata"), "type"),
        message: if has_message { wire_message(&body) } else { None },
        member: if member.is_object() {
            wire_member(&member)
        } else {
            None
        },
        text: get_str(&body, "message").or_else(|| get_str(&v, "message")),
    }
}

// ----- the snapshot in sessionStorage ---------------------------------------------------------------------------

fn snapshot_js(sn: &Snapshot) -> JsValue {
    let o = obj();
    put(&o, "v", &JsValue::from(1));
    put(&o, "conversationId", &s(&sn.conversation_id));
    put(&o, "memberId", &s(&sn.member_id));
    put(&o, "jwt", &s(&sn.jwt));
    put(&o, "eventStreamUri", &s(&sn.event_stream_uri));
    put(
        &o,
        "lastMessageId",
        &sn.last_message_id.as_deref().map(s).unwrap_or(JsValue::NULL),
    );
    let filters = Array::new();
    for f in &sn.filters {
        let x = obj();
        put(&x, "source", &s(&f.source));
        put(&x, "flags", &s(&f.flags));
        filters.push(&x);
    }
    put(&o, "filters", &filters);
    put(&o, "startTime", &JsValue::from_f64(sn.start_time));
    put(&o, "savedAt", &JsValue::from_f64(sn.saved_at));
    put(&o, "journey", &JsValue::from_bool(sn.journey));
    o.into()
}

fn read_snapshot(text: &str) -> Option<Snapshot> {
    let v = JSON::parse(text).ok()?;
    if get(&v, "v").as_f64() != Some(1.0) {
        return None;
    }
    let filters_v = get(&v, "filters");
    let filters = if Array::is_array(&filters_v) {
        Array::from(&filters_v)
            .iter()
            .filter_map(|f| {
                Some(Filter {
                    source: get_str(&f, "source")?,
                    flags: get_str(&f, "flags").unwrap_or_default(),
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    Some(Snapshot {
        conversation_id: get_str(&v, "conversationId")?,
        member_id: get_str(&v, "memberId")?,
        jwt: get_str(&v, "jwt")?,
        event_stream_uri: get_str(&v, "eventStreamUri").unwrap_or_default(),
        last_message_id: get_str(&v, "lastMessageId"),
        filters,
        start_time: get(&v, "startTime").as_f64().unwrap_or(0.0),
        saved_at: get(&v, "savedAt").as_f64()?,
        journey: get(&v, "journey").as_bool().unwrap_or(false),
    })
}

/// Test hooks for the browser tests: configuration errors and frame decoding without a bus.
#[doc(hidden)]
pub mod testing {
    use super::*;

    pub fn config_error(webchat: &JsValue) -> Option<String> {
        read_config(webchat).err().map(|e| e.0)
    }

    pub fn frame(text: &str) -> RawFrame {
        decode_frame(text)
    }

    pub fn snapshot_roundtrip(sn: &Snapshot) -> Option<Snapshot> {
        let t = JSON::stringify(&snapshot_js(sn)).ok()?.as_string()?;
        read_snapshot(&t)
    }
}
