//! Browser tests of `ac()`'s JS surface: what a page sees through `ac(...)` (payloads, dispatch rules, errors a
//! page can observe, re-entrancy, offer timeouts) and the hook WebChatService calls. Each test drives `ac` from
//! a JS function body, as a page would; the wasm `ac(argsArray)` export is wrapped exactly as js/loader.js does.
//! The tests share one page (and so one registry): each one uses its own action ids and removes its listeners.
// Tests read their own plain values, never a page's: the js-sys calls clippy.toml denies in the shell are fine here.
#![allow(clippy::disallowed_methods)]
#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Owns the JS `ac(...)` function for one test (the closure is dropped with it).
struct Page {
    ac: JsValue,
    _raw: Closure<dyn Fn(Array) -> JsValue>,
}

impl Page {
    fn new() -> Page {
        let raw = Closure::<dyn Fn(Array) -> JsValue>::new(cxbridge::web::ac::ac);
        let wrap = Function::new_with_args(
            "raw",
            "return function ac() { return raw(Array.from(arguments)); };",
        );
        let ac = wrap.call1(&JsValue::UNDEFINED, raw.as_ref()).unwrap();
        Page { ac, _raw: raw }
    }

    /// Runs `body` as a page script with `ac` in scope, plus `errors` (console.error first arguments, captured
    /// for the duration) and `observed` (the `cxbridge:error` events' details).
    fn run(&self, body: &str) -> JsValue {
        let wrapped = format!(
            "const errors = []; const observed = []; const orig = console.error;
             const onErr = (e) => observed.push(e.detail);
             console.error = (...a) => errors.push(String(a[0]));
             window.addEventListener('cxbridge:error', onErr);
             try {{ {body} }} finally {{ console.error = orig; window.removeEventListener('cxbridge:error', onErr); }}"
        );
        Function::new_with_args("ac", &wrapped)
            .call1(&JsValue::UNDEFINED, &self.ac)
            .unwrap()
    }

    async fn run_async(&self, body: &str) -> JsValue {
        let f = Function::new_with_args("ac", &format!("return (async () => {{ {body} }})();"));
        let p: Promise = f.call1(&JsValue::UNDEFINED, &self.ac).unwrap().unchecked_into();
        JsFuture::from(p).await.unwrap()
    }
}

fn json(v: &JsValue) -> String {
    js_sys::JSON::stringify(v).unwrap().as_string().unwrap()
}

#[wasm_bindgen_test]
fn an_offer_reaches_its_listeners_with_the_seed_payload() {
    let page = Page::new();
    let out = page.run(
        "const got = [];
         const cb = (evt) => got.push(evt);
         ac('on', 'webchat:all', cb);
         const id = ac('offer', { mediaType: 'webchat', actionMapId: 'map-1', actionMapVersion: 4, timeoutMs: 600000 });
         ac('accept', id);
         ac('off', 'webchat:all', cb);
         ac('ignore', id); // not legal any more, and nobody listens
         const e = got[0];
         const cookie = document.cookie.split('; ').find((c) => c.startsWith('_cxbridge_cid='));
         const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
         return { r: {
           states: got.map((x) => x.actionState),
           idMatches: e.actionId === id && uuid.test(id),
           fields: Object.keys(e).sort(),
           media: e.actionMediaType, mapId: e.actionMapId, version: e.actionMapVersion, idType: e.customerIdType,
           customerIsCookie: uuid.test(e.customerId) && cookie === '_cxbridge_cid=' + e.customerId,
           sessionIsStored: uuid.test(e.sessionId) && sessionStorage.getItem('_cxbridge_sid') === e.sessionId,
           sameVisitor: got[1].customerId === e.customerId && got[1].sessionId === e.sessionId,
         }, errors };",
    );
    assert_eq!(
        json(&Reflect::get(&out, &"r".into()).unwrap()),
        r#"{"states":["offered","accepted"],"idMatches":true,"fields":["actionId","actionMapId","actionMapVersion","actionMediaType","actionState","customerId","customerIdType","sessionId"],"media":"webchat","mapId":"map-1","version":4,"idType":"cookie","customerIsCookie":true,"sessionIsStored":true,"sameVisitor":true}"#
    );
    let errors = Array::from(&Reflect::get(&out, &"errors".into()).unwrap());
    assert_eq!(errors.length(), 1);
    let first = errors.get(0).as_string().unwrap();
    assert!(first.contains("is accepted; it cannot become ignored"), "{first}");
}

#[wasm_bindgen_test]
fn a_bad_subscription_is_a_console_error_and_changes_nothing() {
    let page = Page::new();
    let out = page.run(
        "let calls = 0;
         const cb = () => calls++;
         const r = [
           ac('on', 'webchat:nope', cb),
           ac('on', 'chat:all', cb),
           ac('on', 'content-offer:engaged', cb),
           ac('on', 'webchat:all'),
           ac('once', 'webchat:all', 'not a function'),
           ac('off', 42, cb),
           ac('subscribe', 'webchat:all', cb),
           ac(),
         ];
         ac('offer', { mediaType: 'webchat', actionMapId: 'm', actionMapVersion: 1, actionId: 'bad-sub-1' });
         return { calls, returned: r.every((x) => x === undefined), errors };",
    );
    assert_eq!(Reflect::get(&out, &"calls".into()).unwrap(), 0);
    assert_eq!(Reflect::get(&out, &"returned".into()).unwrap(), true);
    let errors: Vec<String> = Array::from(&Reflect::get(&out, &"errors".into()).unwrap())
        .iter()
        .map(|e| e.as_string().unwrap())
        .collect();
    let want = [
        "ac('on'): unknown event name 'webchat:nope'",
        "ac('on'): unknown event name 'chat:all'",
        "a content-offer action has no state 'engaged'",
        "the callback must be a function, got undefined",
        "the callback must be a function, got a string",
        "the event name must be a string such as 'webchat:all', got a number",
        "ac('subscribe'): unknown method",
        "the method must be a string",
    ];
    assert_eq!(errors.len(), want.len(), "{errors:?}");
    for (e, w) in errors.iter().zip(want) {
        assert!(e.contains(w), "{e:?} should contain {w:?}");
    }
}

#[wasm_bindgen_test]
fn a_1_mb_bad_value_is_not_logged_in_full() {
    let page = Page::new();
    let out = page.run(
        "const huge = 'x'.repeat(1 << 20);
         ac('on', huge, () => {});
         ac(huge);
         ac('accept', huge);
         ac('offer', { mediaType: huge, actionMapId: 'm', actionMapVersion: 1 });
         return errors;",
    );
    let errors: Vec<String> = Array::from(&out).iter().map(|e| e.as_string().unwrap()).collect();
    assert_eq!(errors.len(), 4, "{errors:?}");
    let cut = format!("'{}…(1048576 chars)'", "x".repeat(60));
    for e in &errors {
        assert!(e.len() < 400, "{} bytes: {}", e.len(), &e[..200]);
        assert!(e.contains(&cut), "{e}");
    }
}

#[wasm_bindgen_test]
fn removal_and_addition_during_a_dispatch_follow_the_dom_rules() {
    let page = Page::new();
    let out = page.run(
        "const log = [];
         const b = () => log.push('b');
         const late = () => log.push('late');
         const a = () => { log.push('a'); ac('off', 'webchat:offered', b); ac('on', 'webchat:offered', late); };
         ac('on', 'webchat:offered', a);
         ac('on', 'webchat:offered', b);
         ac('offer', { mediaType: 'webchat', actionMapId: 'm', actionMapVersion: 1, actionId: 'dom-1' });
         log.push('|');
         ac('offer', { mediaType: 'webchat', actionMapId: 'm', actionMapVersion: 1, actionId: 'dom-2' });
         for (const f of [a, b, late]) ac('off', 'webchat:offered', f);
         return log.join(' ');",
    );
    assert_eq!(out.as_string().unwrap(), "a | a late");
}

#[wasm_bindgen_test]
fn duplicates_are_called_once_and_off_cancels_a_pending_once() {
    let page = Page::new();
    let out = page.run(
        "const log = [];
         const x = (e) => log.push('x:' + e.actionId);
         const y = (e) => log.push('y:' + e.actionId);
         ac('on', 'content-offer:offered', x);
         ac('on', 'content-offer:offered', x);
         ac('once', 'content-offer:offered', y);
         ac('off', 'content-offer:offered', y);
         const z = (e) => log.push('z:' + e.actionId);
         ac('once', 'content-offer:all', z);
         ac('offer', { mediaType: 'content-offer', actionMapId: 'm', actionMapVersion: 1, actionId: 'dup-1' });
         ac('offer', { mediaType: 'content-offer', actionMapId: 'm', actionMapVersion: 1, actionId: 'dup-2' });
         ac('off', 'content-offer:offered', x);
         return log.join(' ');",
    );
    assert_eq!(out.as_string().unwrap(), "x:dup-1 z:dup-1 x:dup-2");
}

#[wasm_bindgen_test]
fn a_once_that_fired_can_subscribe_again_whatever_path_the_call_takes() {
    // The first call with a name is validated and parsed; later ones take the fast path (the name is known).
    // Either way a `once` that fired is gone: subscribing it again adds it, and it fires once more.
    let page = Page::new();
    let out = page.run(
        "const log = [];
         const w = (e) => log.push('w:' + e.actionId);
         const raise = (id) => {
           ac('offer', { mediaType: 'content-offer', actionMapId: 'm', actionMapVersion: 1, actionId: id });
           ac('accept', id);
         };
         ac('once', 'content-offer:accepted', w);
         raise('again-1');
         ac('once', 'content-offer:accepted', w);
         raise('again-2');
         raise('again-3');
         ac('once', 'content-offer:accepted', w);
         ac('off', 'content-offer:accepted', w);
         raise('again-4');
         return log.join(' ');",
    );
    assert_eq!(out.as_string().unwrap(), "w:again-1 w:again-2");
}

#[wasm_bindgen_test]
fn a_throwing_listener_does_not_stop_the_others_and_is_reported_twice_over() {
    let page = Page::new();
    let out = page.run(
        "const log = [];
         const bad = () => { throw new Error('listener bug'); };
         const good = (e) => log.push(e.actionState);
         ac('on', 'webchat:offered', bad);
         ac('on', 'webchat:offered', good);
         ac('offer', { mediaType: 'webchat', actionMapId: 'm', actionMapVersion: 1, actionId: 'throw-1' });
         ac('off', 'webchat:offered', bad);
         ac('off', 'webchat:offered', good);
         return { log, errors, observed: observed.map((d) => [d.source, d.event, d.error.message]) };",
    );
    assert_eq!(
        json(&Reflect::get(&out, &"log".into()).unwrap()),
        r#"["offered"]"#
    );
    assert_eq!(
        json(&Reflect::get(&out, &"observed".into()).unwrap()),
        r#"[["ac","webchat:offered","listener bug"]]"#
    );
    let errors = json(&Reflect::get(&out, &"errors".into()).unwrap());
    assert!(errors.contains("a 'webchat:offered' listener threw"), "{errors}");
}

#[wasm_bindgen_test]
fn listeners_may_call_ac_and_every_listener_sees_states_in_order() {
    let page = Page::new();
    let out = page.run(
        "const log = [];
         const extra = (e) => log.push('extra:' + e.actionState);
         const onceAccepted = (e) => log.push('once:' + e.actionState);
         // The first listener answers the offer and subscribes another listener, from inside the dispatch.
         const first = (e) => {
           log.push('first:' + e.actionState);
           if (e.actionState === 'offered') {
             log.push('accept=' + ac('accept', e.actionId));
             ac('on', 'webchat:all', extra);
             ac('once', 'webchat:accepted', onceAccepted);
             ac('off', 'webchat:all', first);
           }
         };
         const second = (e) => log.push('second:' + e.actionState);
         ac('on', 'webchat:all', first);
         ac('on', 'webchat:all', second);
         ac('offer', { mediaType: 'webchat', actionMapId: 'm', actionMapVersion: 1, actionId: 'reenter-1' });
         ac('off', 'webchat:all', second);
         ac('off', 'webchat:all', extra);
         return log.join(' ');",
    );
    // `accept` moved the action at once (true), but `accepted` is delivered after every listener saw `offered`.
    assert_eq!(
        out.as_string().unwrap(),
        "first:offered accept=true second:offered second:accepted extra:accepted once:accepted"
    );
}

#[wasm_bindgen_test]
fn answers_report_whether_the_action_moved() {
    let page = Page::new();
    let out = page.run(
        "const o = (id, media) => ac('offer', { mediaType: media || 'webchat', actionMapId: 'm', actionMapVersion: 2, actionId: id });
         o('ans-1'); o('ans-2'); o('ans-3', 'content-offer');
         const r = [
           ac('reject', 'ans-1'), ac('accept', 'ans-1'),
           ac('ignore', 'ans-2'),
           ac('accept', 'ans-3'), ac('ignore', 'ans-3'),
           ac('accept', 'no-such-action'), ac('accept'),
           o('ans-1'),
         ];
         return { r, errors: errors.length };",
    );
    assert_eq!(
        json(&out),
        r#"{"r":[true,false,true,true,false,false,false,null],"errors":5}"#
    );
}

#[wasm_bindgen_test]
fn offers_are_validated() {
    let page = Page::new();
    let out = page.run(
        "const r = [
           ac('offer'),
           ac('offer', { mediaType: 'voice', actionMapId: 'm', actionMapVersion: 1 }),
           ac('offer', { mediaType: 'webchat', actionMapVersion: 1 }),
           ac('offer', { mediaType: 'webchat', actionMapId: 'm', actionMapVersion: '1' }),
           ac('offer', { mediaType: 'content-offer', actionMapId: 'm', actionMapVersion: 1, timeoutMs: 10 }),
         ];
         return { r: r.map(String), errors };",
    );
    let s = json(&out);
    assert!(
        s.contains(r#""r":["undefined","undefined","undefined","undefined","undefined"]"#),
        "{s}"
    );
    for w in [
        "options must be an object",
        "unknown mediaType 'voice'",
        "actionMapId",
        "actionMapVersion",
        "does not time out",
    ] {
        assert!(s.contains(w), "{s} should mention {w}");
    }
}

#[wasm_bindgen_test]
async fn an_unanswered_offer_times_out_and_an_answered_one_does_not() {
    let page = Page::new();
    let out = page
        .run_async(
            "const log = [];
             const cb = (e) => log.push(e.actionId + ':' + e.actionState);
             ac('on', 'webchat:all', cb);
             const done = new Promise((resolve) => ac('once', 'webchat:timedout', resolve));
             ac('offer', { mediaType: 'webchat', actionMapId: 'm', actionMapVersion: 1, actionId: 'to-answered', timeoutMs: 5 });
             ac('accept', 'to-answered');
             ac('offer', { mediaType: 'webchat', actionMapId: 'm', actionMapVersion: 1, actionId: 'to-late', timeoutMs: 40 });
             const evt = await done;
             ac('off', 'webchat:all', cb);
             return { log: log.join(' '), late: ac('accept', 'to-late'), timedout: evt.actionId };",
        )
        .await;
    assert_eq!(
        json(&out),
        r#"{"log":"to-answered:offered to-answered:accepted to-late:offered to-late:timedout","late":false,"timedout":"to-late"}"#
    );
}

#[wasm_bindgen_test]
fn a_linked_chat_drives_its_web_action() {
    let page = Page::new();
    page.run(
        "window.__chatLog = [];
         window.__chatCb = (e) => __chatLog.push(e.actionState + (e.errorCode ? '(' + e.errorCode + ' ' + e.errorMessage + ')' : ''));
         ac('on', 'webchat:all', __chatCb);
         ac('offer', { mediaType: 'webchat', actionMapId: 'm', actionMapVersion: 1, actionId: 'chat-1' });",
    );
    let journey = |id: &str| {
        js_sys::eval(&format!(
            "({{ customerId: 'c', customerIdType: 'cookie', sessionId: 's', actionId: '{id}', actionMapId: 'map-9', actionMapVersion: 9 }})"
        ))
        .unwrap()
    };
    use cxbridge::web::ac::journey_chat_progress as progress;
    progress(&journey("chat-1"), "accepted", None);
    progress(&journey("chat-1"), "started", None);
    progress(&journey("chat-1"), "started", None);
    progress(&journey("chat-1"), "engaged", None);
    progress(&journey("chat-1"), "completed", None);
    // A chat whose action this page never offered, and that fails.
    progress(&journey("chat-2"), "started", None);
    progress(&journey("chat-2"), "errored", Some((503, "Service Unavailable")));
    let out = page.run(
        "ac('off', 'webchat:all', __chatCb);
         return __chatLog.join(' ');",
    );
    assert_eq!(
        out.as_string().unwrap(),
        "offered accepted started engaged completed accepted started errored(503 Service Unavailable)"
    );
}

#[wasm_bindgen_test]
fn tracking_calls_are_validated() {
    let page = Page::new();
    let out = page.run(
        "ac('init', 'org-id', { region: 'use1' });
         ac('identify', 'ann@example.com', { plan: 'gold' });
         ac('pageview');
         ac('pageview', { title: 'Home' });
         ac('record', 'clicked', { button: 'buy' });
         const ok = errors.length;
         ac('init');
         ac('pageview', 'Home');
         ac('record');
         ac('identify', 'me', 'gold');
         return { ok, errors };",
    );
    let s = json(&out);
    assert!(s.starts_with(r#"{"ok":0,"#), "{s}");
    for w in [
        "ac('init'): the organization id",
        "ac('pageview'): the attributes",
        "ac('record'): the event name",
        "ac('identify'): the traits",
    ] {
        assert!(s.contains(w), "{s} should mention {w}");
    }
}

#[wasm_bindgen_test]
fn action_ids_are_uuid_v4_even_without_crypto_random_uuid() {
    let page = Page::new();
    let out = page.run(
        "const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
         // An insecure context (plain http, not localhost) has getRandomValues but no randomUUID.
         Object.defineProperty(crypto, 'randomUUID', { value: undefined, configurable: true });
         let ids;
         try {
           ids = [1, 2, 3].map(() => ac('offer', { mediaType: 'content-offer', actionMapId: 'm', actionMapVersion: 1 }));
         } finally {
           delete crypto.randomUUID;
         }
         return ids.every((id) => uuid.test(id)) && new Set(ids).size === 3 && typeof crypto.randomUUID === 'function';",
    );
    assert_eq!(out, true);
}
