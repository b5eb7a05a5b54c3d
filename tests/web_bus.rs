//! Browser tests of the CXBus shell: the Rust API the built-in plugins use (`register_native_plugin`, `publish_as`,
//! `republish_as`), plugin handles driven from Rust, deferred chaining and asynchronous delivery.
// Tests read their own plain values, never a page's: the js-sys calls clippy.toml denies in the shell are fine here.
#![allow(clippy::disallowed_methods)]
#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::cell::RefCell;
use std::rc::Rc;

use cxbridge::web::bus::{self, NativeCommand, Plugin};
use cxbridge::web::deferred::Deferred;
use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Settles like the deferred: `Ok(value)` or `Err(reason)` (through its Promise/A+ `then`).
async fn settle(d: &Deferred) -> Result<JsValue, JsValue> {
    let d: &JsValue = d;
    JsFuture::from(Promise::resolve(d)).await
}

/// Lets the delivery microtask (and anything it queues) run.
async fn tick() {
    JsFuture::from(Promise::resolve(&JsValue::NULL)).await.unwrap();
}

fn message(err: JsValue) -> String {
    Reflect::get(&err, &"message".into())
        .unwrap()
        .as_string()
        .unwrap()
}

/// A JS function recording each event it receives into a JS array it returns too.
fn recorder() -> (Function, Array) {
    let seen = Array::new();
    let f = Function::new_with_args("e", "this.push(e)").bind0(&seen);
    (f, seen)
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &key.into()).unwrap()
}

#[wasm_bindgen_test]
async fn a_native_plugin_answers_its_commands_with_commander_and_data() {
    let seen: Rc<RefCell<Vec<(String, String)>>> = Rc::default();
    let log = seen.clone();
    bus::register_native_plugin(
        "NativeEcho",
        &["echo", "fail"],
        Rc::new(move |c: NativeCommand| {
            log.borrow_mut().push((c.command.clone(), c.commander.clone()));
            if c.command == "echo" {
                c.deferred.resolve(&c.data);
            } else {
                c.deferred.reject(&"no".into());
            }
        }),
    )
    .unwrap();
    let caller = Plugin::register("NativeCaller").unwrap();
    let ok = settle(&caller.command("NativeEcho.echo".into(), 42.into())).await;
    assert_eq!(ok.unwrap(), 42);
    let no = settle(&caller.command("NativeEcho.fail".into(), JsValue::UNDEFINED)).await;
    assert_eq!(no.unwrap_err(), "no");
    let unknown = settle(&caller.command("NativeEcho.other".into(), JsValue::UNDEFINED)).await;
    assert_eq!(message(unknown.unwrap_err()), "Command does not exist");
    assert_eq!(
        *seen.borrow(),
        vec![
            ("echo".to_string(), "NativeCaller".to_string()),
            ("fail".to_string(), "NativeCaller".to_string())
        ]
    );
    // The name is taken now.
    assert!(bus::register_native_plugin("NativeEcho", &[], Rc::new(|_| {})).is_err());
}

#[wasm_bindgen_test]
async fn a_native_handler_may_use_the_bus_while_it_runs() {
    // Re-entrancy: the handler publishes and sends another command before resolving.
    bus::register_native_plugin(
        "Reentrant",
        &["outer", "inner"],
        Rc::new(|c: NativeCommand| {
            if c.command == "outer" {
                bus::publish_as("Reentrant", "outerRan", &JsValue::TRUE);
                let inner = bus::bus_global()
                    .unwrap()
                    .command("Reentrant.inner".into(), 1.into());
                c.deferred.resolve(&inner);
            } else {
                c.deferred.resolve(&"inner done".into());
            }
        }),
    )
    .unwrap();
    let watcher = Plugin::register("ReentrantWatcher").unwrap();
    let (f, seen) = recorder();
    watcher.subscribe("Reentrant.outerRan".into(), f.into());
    let result = settle(&watcher.command("Reentrant.outer".into(), JsValue::UNDEFINED)).await;
    // The deferred resolved with the inner deferred itself (vendor deferreds do not adopt).
    assert_eq!(
        settle(&result.unwrap().unchecked_into()).await.unwrap(),
        "inner done"
    );
    tick().await;
    assert_eq!(seen.length(), 1);
}

#[wasm_bindgen_test]
async fn publish_as_reaches_subscribers_asynchronously_with_the_vendor_event_shape() {
    let sub = Plugin::register("ShapeSub").unwrap();
    let (f, seen) = recorder();
    assert_eq!(sub.subscribe("Shape.started".into(), f.into()), "Shape.started");
    let data = js_sys::Object::new();
    bus::publish_as("Shape", "started", &data);
    assert_eq!(seen.length(), 0, "delivery is asynchronous");
    tick().await;
    assert_eq!(seen.length(), 1);
    let e = seen.get(0);
    assert_eq!(get(&e, "publisher"), "Shape");
    assert_eq!(get(&e, "event"), "Shape.started");
    assert_eq!(get(&e, "data"), JsValue::from(data));
    assert!(get(&e, "time").as_f64().unwrap() > 0.0);
}

#[wasm_bindgen_test]
async fn republish_as_is_sticky_for_later_subscribers() {
    bus::republish_as("StickyNative", "ready", &"first".into());
    bus::republish_as("StickyNative", "ready", &"last".into());
    bus::publish_as("StickyNative", "plain", &"gone".into());
    let late = Plugin::register("StickyLate").unwrap();
    let (f, seen) = recorder();
    late.subscribe("StickyNative.ready".into(), f.clone().into());
    late.subscribe("StickyNative.plain".into(), f.into());
    tick().await;
    assert_eq!(seen.length(), 1);
    assert_eq!(get(&seen.get(0), "data"), "last");
}

#[wasm_bindgen_test]
async fn commands_wait_for_ready_and_before_hooks_rewrite_or_cancel() {
    let slow = Plugin::register("HookSlow").unwrap();
    let handler = Function::new_with_args("e", "e.deferred.resolve(e.data)");
    assert!(slow.register_command("go".into(), handler.into()));
    let caller = Plugin::register("HookCaller").unwrap();
    let hook = Function::new_with_args("d", "return { n: d.n + 1 }");
    assert!(caller.before("HookSlow.go".into(), hook.into()));
    let data = js_sys::Object::new();
    Reflect::set(&data, &"n".into(), &1.into()).unwrap();
    let waiting = caller.command("HookSlow.go".into(), data.into());
    assert_eq!(waiting.state(), "pending");
    slow.ready();
    let out = settle(&waiting).await.unwrap();
    assert_eq!(get(&out, "n"), 2);
    assert!(caller.before("HookSlow.go".into(), Function::new_no_args("return 0").into()));
    let cancelled = settle(&caller.command("HookSlow.go".into(), js_sys::Object::new().into())).await;
    assert_eq!(
        message(cancelled.unwrap_err()),
        "Command was cancelled by a 'before' function."
    );
}

#[wasm_bindgen_test]
async fn deferreds_chain_with_then_and_keep_vendor_done_after_settlement() {
    let p = Plugin::register("ChainPlugin").unwrap();
    p.register_command(
        "one".into(),
        Function::new_with_args("e", "e.deferred.resolve(1)").into(),
    );
    p.ready();
    let d = p.command("one".into(), JsValue::UNDEFINED);
    let chain = Function::new_with_args(
        "d",
        "return d.then(v => v + 1).then(v => v * 10).then(v => { const seen = []; d.done(x => seen.push(x)); return [v, seen[0]]; })",
    );
    let out = JsFuture::from(
        chain
            .call1(&JsValue::NULL, &d)
            .unwrap()
            .unchecked_into::<Promise>(),
    )
    .await
    .unwrap();
    let out = Array::from(&out);
    assert_eq!(out.get(0), 20);
    assert_eq!(out.get(1), 1, "done() after settlement still fires, at once");
}

#[wasm_bindgen_test]
async fn unsubscribe_by_event_or_by_callback() {
    let p = Plugin::register("UnsubPub").unwrap();
    let s = Plugin::register("UnsubSub").unwrap();
    let (f1, seen1) = recorder();
    let (f2, seen2) = recorder();
    s.subscribe("UnsubPub.e".into(), f1.clone().into());
    s.subscribe("UnsubPub.e".into(), f2.clone().into());
    assert!(s.unsubscribe("UnsubPub.e".into(), f1.into()));
    p.publish("e".into(), JsValue::UNDEFINED);
    tick().await;
    assert_eq!((seen1.length(), seen2.length()), (0, 1));
    assert!(s.unsubscribe("UnsubPub.e".into(), JsValue::UNDEFINED));
    p.publish("e".into(), JsValue::UNDEFINED);
    tick().await;
    assert_eq!(seen2.length(), 1);
    assert!(!s.unsubscribe("UnsubPub.e".into(), JsValue::UNDEFINED));
}

#[wasm_bindgen_test]
fn refused_calls_return_false_instead_of_throwing() {
    let p = Plugin::register("Refusals").unwrap();
    assert!(Plugin::register("Refusals").is_err());
    assert_eq!(bus::bus_register_plugin(JsValue::from(3)), JsValue::FALSE);
    assert!(!p.publish("Other.x".into(), JsValue::UNDEFINED));
    assert_eq!(
        p.subscribe("bad".into(), Function::new_no_args("").into()),
        JsValue::FALSE
    );
    assert_eq!(p.subscribe("Refusals.x".into(), JsValue::from(1)), JsValue::FALSE);
    assert!(!p.register_command("x".into(), JsValue::NULL));
    let handler = Function::new_with_args("e", "e.deferred.resolve()");
    assert!(p.register_command("x".into(), handler.clone().into()));
    assert!(!p.register_command("x".into(), handler.into()), "taken");
    assert!(!p.register_events(JsValue::from("x")));
    assert!(p.register_events(Array::of2(&"a".into(), &"b".into()).into()));
    assert_eq!(p.namespace(), "Refusals");
}

#[wasm_bindgen_test]
async fn a_refused_native_command_name_is_an_error_but_the_others_still_work() {
    let result = bus::register_native_plugin(
        "PartlyBad",
        &["ok", "bad.name"],
        Rc::new(|c: NativeCommand| c.deferred.resolve(&"fine".into())),
    );
    assert!(message(result.unwrap_err()).contains("bad.name"));
    let caller = Plugin::register("PartlyBadCaller").unwrap();
    let ok = settle(&caller.command("PartlyBad.ok".into(), JsValue::UNDEFINED)).await;
    assert_eq!(ok.unwrap(), "fine");
}

#[wasm_bindgen_test]
fn a_1_mb_bad_name_is_not_logged_in_full() {
    let huge = "x".repeat(1 << 20);
    let warned = Array::new();
    let console: JsValue = Reflect::get(&js_sys::global(), &"console".into()).unwrap();
    let orig = Reflect::get(&console, &"warn".into()).unwrap();
    let record = Function::new_with_args("m, v", "this.push(String(v))").bind0(&warned);
    Reflect::set(&console, &"warn".into(), &record).unwrap();
    let p = Plugin::register("HugeNames").unwrap();
    let refused = p.subscribe(huge.clone().into(), JsValue::from(1));
    Reflect::set(&console, &"warn".into(), &orig).unwrap();
    assert_eq!(refused, JsValue::FALSE);
    assert_eq!(warned.length(), 1);
    let cut = format!("{}…(1048576 chars)", "x".repeat(60));
    assert_eq!(warned.get(0).as_string().unwrap(), cut);
    // An Error that names the plugin: cut the same way.
    let taken = "y".repeat(1 << 20);
    Plugin::register(&taken).unwrap();
    let e = message(bus::register_native_plugin(&taken, &["x"], Rc::new(|_: NativeCommand| {})).unwrap_err());
    assert!(e.len() < 300, "{} bytes", e.len());
    assert!(
        e.contains(&format!("'{}…(1048576 chars)'", "y".repeat(60))),
        "{e}"
    );
}

#[wasm_bindgen_test]
fn a_value_with_emoji_is_cut_at_the_same_character_by_the_warning_and_the_error() {
    // 80 characters, 159 UTF-16 units: counting units would cut after 29 emoji and half of the 30th.
    let name = ["a", &"😀".repeat(79)].concat();
    let want = ["a", &"😀".repeat(59), "…(80 chars)"].concat();
    // A refused subscribe warns with the value cut by core::text from its head (page::shown): the whole value is
    // never copied into the wasm.
    let warned = Array::new();
    let console: JsValue = Reflect::get(&js_sys::global(), &"console".into()).unwrap();
    let orig = Reflect::get(&console, &"warn".into()).unwrap();
    let record = Function::new_with_args("m, v", "this.push(String(v))").bind0(&warned);
    Reflect::set(&console, &"warn".into(), &record).unwrap();
    let p = Plugin::register("EmojiNames").unwrap();
    let refused = p.subscribe(name.clone().into(), JsValue::from(1));
    Reflect::set(&console, &"warn".into(), &orig).unwrap();
    assert_eq!(refused, JsValue::FALSE);
    assert_eq!(warned.length(), 1);
    assert_eq!(warned.get(0).as_string().unwrap(), want);
    // A plugin name taken: the Error is built in Rust (journey::shown).
    Plugin::register(&name).unwrap();
    let e = message(bus::register_native_plugin(&name, &["x"], Rc::new(|_: NativeCommand| {})).unwrap_err());
    assert!(e.contains(&["'", &want, "'"].concat()), "{e}");
}
