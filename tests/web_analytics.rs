//! Browser tests of the analytics shell: CIF's promise, the dataLayer, and delivery through a stand-in
//! `fetch` (the real collector is exercised end to end in tests/e2e/analytics.spec.mjs). The shell's state is one
//! per page, so each test configures what it needs and leaves no endpoint behind.
// Tests read their own plain values, never a page's: the js-sys calls clippy.toml denies in the shell are fine here.
#![allow(clippy::disallowed_methods)]
#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cxbridge::core::analytics::Source;
use cxbridge::web::analytics::{analytics_configure, analytics_stats, log_analytics_event, record};
use js_sys::{Array, Function, Promise, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn obj(json: &str) -> JsValue {
    JSON::parse(json).unwrap()
}

fn get(o: &JsValue, k: &str) -> JsValue {
    Reflect::get(o, &k.into()).unwrap()
}

fn window() -> web_sys::Window {
    web_sys::window().unwrap()
}

async fn sleep(ms: i32) {
    let p = Promise::new(&mut |resolve, _| {
        window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    JsFuture::from(p).await.unwrap();
}

async fn rejection(p: Promise) -> String {
    let err = JsFuture::from(p).await.expect_err("must reject");
    get(&err, "message").as_string().unwrap()
}

fn cif_data() -> JsValue {
    obj(
        r#"{"conversationId":"conv-1","providerSessionId":"prov-1","events":[{"kpiEventName":"Accept","customData":[{"attribute":"queue","value":"vip"}]}]}"#,
    )
}

fn data_layer_events() -> Vec<String> {
    let dl = get(&window(), "dataLayer");
    Array::from(&dl)
        .iter()
        .filter_map(|i| get(&i, "event").as_string())
        .collect()
}

#[wasm_bindgen_test]
async fn log_analytics_event_rejects_naming_the_field() {
    assert_eq!(
        rejection(log_analytics_event(
            JsValue::UNDEFINED,
            "E".into(),
            JsValue::UNDEFINED
        ))
        .await,
        "logAnalyticsEvent: data is required"
    );
    assert_eq!(
        rejection(log_analytics_event(
            obj(r#"{"conversationId":"c","providerSessionId":7}"#),
            "E".into(),
            JsValue::UNDEFINED
        ))
        .await,
        "logAnalyticsEvent: data.providerSessionId must be a string, got number"
    );
    assert_eq!(
        rejection(log_analytics_event(
            cif_data(),
            JsValue::UNDEFINED,
            JsValue::UNDEFINED
        ))
        .await,
        "logAnalyticsEvent: eventName is required"
    );
    assert_eq!(
        rejection(log_analytics_event(
            obj(r#"{"conversationId":"c","providerSessionId":"p","events":[{"kpiEventName":"A","customData":{"a":1}}]}"#),
            "E".into(),
            JsValue::UNDEFINED
        ))
        .await,
        "logAnalyticsEvent: data.events[0].customData must be an array, got object"
    );
}

#[wasm_bindgen_test]
fn configure_throws_naming_the_option() {
    let err = analytics_configure(obj(r#"{"batchSize":0}"#)).unwrap_err();
    assert_eq!(
        get(&err, "message").as_string().unwrap(),
        "cxbridge.analytics.configure: batchSize must be an integer from 1 to 1000, got number (0)"
    );
    let err = analytics_configure(obj(r#"{"sources":["ac","Genesys"]}"#)).unwrap_err();
    assert!(get(&err, "message")
        .as_string()
        .unwrap()
        .contains("sources[1] is 'Genesys'"));
}

#[wasm_bindgen_test]
async fn events_reach_the_existing_data_layer_without_replacing_it() {
    let existing = Array::new();
    existing.push(&obj(r#"{"event":"gtm.js"}"#));
    Reflect::set(&window(), &"dataLayer".into(), &existing).unwrap();
    analytics_configure(obj(r#"{"dataLayer":true,"endpoint":null,"consent":true}"#)).unwrap();
    record(
        Source::Ac,
        "webchat:offered",
        &obj(r#"{"actionState":"offered"}"#),
    );
    let id = JsFuture::from(log_analytics_event(
        cif_data(),
        "CustomEvent".into(),
        "corr-1".into(),
    ))
    .await
    .unwrap()
    .as_string()
    .unwrap();
    assert_eq!(id.len(), 36, "resolves to the envelope's UUID");
    let dl = get(&window(), "dataLayer");
    assert!(dl == JsValue::from(existing), "the page's array is kept");
    let events = data_layer_events();
    assert_eq!(
        &events[events.len() - 2..],
        &["cxbridge.ac.webchat:offered", "cxbridge.CIF.CustomEvent"]
    );
    let last = Array::from(&dl).pop();
    assert_eq!(get(&last, "id").as_string().unwrap(), id);
    assert_eq!(get(&last, "correlationId").as_string().unwrap(), "corr-1");
    assert_eq!(
        get(&get(&last, "data"), "conversationId").as_string().unwrap(),
        "conv-1"
    );
}

#[wasm_bindgen_test]
async fn consent_withheld_holds_data_layer_pushes_until_given() {
    analytics_configure(obj(r#"{"dataLayer":true,"endpoint":null,"consent":false}"#)).unwrap();
    let before = data_layer_events().len();
    record(
        Source::EngageDigitalEmbeddedUI,
        "smcc:task:ring",
        &obj(r#"{"Id":"t1"}"#),
    );
    sleep(0).await;
    assert_eq!(
        data_layer_events().len(),
        before,
        "nothing pushed without consent"
    );
    assert!(get(&analytics_stats(), "held").as_f64().unwrap() >= 1.0);
    analytics_configure(obj(r#"{"consent":true}"#)).unwrap();
    assert_eq!(
        data_layer_events().last().unwrap(),
        "cxbridge.EngageDigitalEmbeddedUI.smcc:task:ring"
    );
}

/// A stand-in `fetch` answering with the statuses in `script`, then 200; records every body.
fn stub_fetch(script: &str) -> Function {
    let f = Function::new_with_args(
        "statuses",
        "const calls = []; const fake = (url, init) => { calls.push({url, body: init.body, keepalive: init.keepalive}); \
         const status = statuses.length ? statuses.shift() : 200; \
         return Promise.resolve(new Response(null, {status, headers: status === 429 ? {'Retry-After': '0'} : {}})); }; \
         fake.calls = calls; fake.statuses = statuses; return fake;",
    );
    f.call1(&JsValue::NULL, &obj(script)).unwrap().unchecked_into()
}

#[wasm_bindgen_test]
async fn batches_retry_503_and_429_and_arrive_once_each() {
    let w = window();
    let real_fetch = get(&w, "fetch");
    let fake = stub_fetch("[]");
    Reflect::set(&w, &"fetch".into(), &fake).unwrap();
    analytics_configure(obj(
        r#"{"endpoint":"/collector","dataLayer":false,"batchSize":3,"flushIntervalMs":20,"retryBaseMs":10,"retryMaxMs":40}"#,
    ))
    .unwrap();
    // Whatever another test left queued goes first, answered 200; then this test's script starts.
    for _ in 0..100 {
        if get(&analytics_stats(), "pending").as_f64().unwrap() == 0.0 {
            break;
        }
        sleep(20).await;
    }
    let delivered_before = get(&analytics_stats(), "delivered").as_f64().unwrap();
    Reflect::set(&get(&fake, "calls"), &"length".into(), &0.into()).unwrap();
    let statuses: Array = get(&fake, "statuses").unchecked_into();
    statuses.push(&503.into());
    statuses.push(&429.into());
    for i in 0..4 {
        record(Source::CXBus, "WebChatService.messageReceived", &JsValue::from(i));
    }
    for _ in 0..100 {
        sleep(20).await;
        if get(&analytics_stats(), "delivered").as_f64().unwrap() - delivered_before >= 4.0 {
            break;
        }
    }
    analytics_configure(obj(r#"{"endpoint":null}"#)).unwrap();
    Reflect::set(&w, &"fetch".into(), &real_fetch).unwrap();

    let calls = Array::from(&get(&fake, "calls"));
    let mut attempts: Vec<Vec<String>> = Vec::new();
    for c in calls.iter() {
        assert_eq!(get(&c, "url").as_string().unwrap(), "/collector");
        assert_eq!(get(&c, "keepalive"), JsValue::TRUE);
        let body = JSON::parse(&get(&c, "body").as_string().unwrap()).unwrap();
        attempts.push(
            // Another test may have left an `ac` event queued: only this test's bus events are counted.
            Array::from(&body)
                .iter()
                .filter(|e| get(e, "source").as_string().as_deref() == Some("CXBus"))
                .map(|e| get(&e, "id").as_string().unwrap())
                .collect(),
        );
    }
    assert!(attempts.len() >= 4, "503, 429, then two good batches");
    assert_eq!(attempts[0], attempts[1], "a retry resends the same ids");
    assert_eq!(attempts[1], attempts[2]);
    assert_eq!(attempts[2].len(), 3, "batches close at batchSize");
    let mut delivered: Vec<String> = attempts[2..].concat();
    delivered.sort();
    delivered.dedup();
    assert_eq!(delivered.len(), 4);
    let stats = analytics_stats();
    assert!(get(&stats, "retries").as_f64().unwrap() >= 2.0);
    assert_eq!(get(&stats, "pending").as_f64().unwrap(), 0.0);
}

#[wasm_bindgen_test]
async fn the_queue_is_persisted_while_consent_is_withheld() {
    analytics_configure(obj(r#"{"endpoint":"/collector","consent":false}"#)).unwrap();
    record(
        Source::Ac,
        "webchat:accepted",
        &obj(r#"{"actionState":"accepted"}"#),
    );
    sleep(0).await;
    let stored: Array = Function::new_no_args(
        "return Object.keys(localStorage).filter((k) => k.startsWith('cxbridge.analytics.q.')).map((k) => localStorage.getItem(k))",
    )
    .call0(&JsValue::NULL)
    .unwrap()
    .unchecked_into();
    let found = stored.iter().any(|v| {
        let v = JSON::parse(&v.as_string().unwrap()).unwrap();
        Array::from(&get(&v, "q"))
            .iter()
            .any(|e| get(&get(&e, "event"), "name").as_string().as_deref() == Some("webchat:accepted"))
    });
    analytics_configure(obj(r#"{"endpoint":null,"consent":true}"#)).unwrap();
    assert!(found, "the held event is in localStorage");
}

/// The stored queues of this page, parsed.
fn stored_queues() -> Vec<JsValue> {
    let stored: Array = Function::new_no_args(
        "return Object.keys(localStorage).filter((k) => k.startsWith('cxbridge.analytics.q.')).map((k) => localStorage.getItem(k))",
    )
    .call0(&JsValue::NULL)
    .unwrap()
    .unchecked_into();
    stored
        .iter()
        .map(|v| JSON::parse(&v.as_string().unwrap()).unwrap())
        .collect()
}

#[wasm_bindgen_test]
async fn pagehide_marks_the_stored_queue_closed_and_showing_the_page_again_reopens_it() {
    analytics_configure(obj(r#"{"endpoint":"/collector","consent":false}"#)).unwrap();
    record(
        Source::Ac,
        "webchat:offered",
        &obj(r#"{"actionState":"offered"}"#),
    );
    sleep(0).await;
    let closed = |queues: &[JsValue]| -> Vec<bool> {
        queues
            .iter()
            .filter(|q| {
                Array::from(&get(q, "q"))
                    .iter()
                    .any(|e| get(&get(&e, "event"), "name").as_string().as_deref() == Some("webchat:offered"))
            })
            .map(|q| get(q, "closed").as_bool().unwrap())
            .collect()
    };
    assert_eq!(closed(&stored_queues()), [false], "an open page's queue");
    let dispatch = Function::new_with_args("target, type", "target.dispatchEvent(new Event(type))");
    dispatch
        .call2(&JsValue::NULL, &window(), &"pagehide".into())
        .unwrap();
    let after_hide = closed(&stored_queues());
    let document: JsValue = window().document().unwrap().into();
    dispatch
        .call2(&JsValue::NULL, &document, &"visibilitychange".into())
        .unwrap();
    let after_show = closed(&stored_queues());
    analytics_configure(obj(r#"{"endpoint":null,"consent":true}"#)).unwrap();
    assert_eq!(after_hide, [true], "pagehide: the next page load may adopt it");
    assert_eq!(
        after_show,
        [false],
        "visible again (back from the bfcache): this page's own again"
    );
}
