//! Browser tests of the embedded-UI shell: listen()'s refusals, on/off, and a message posted by the page to itself
//! (same origin, source = the window) going through the real `message` event. Cross-origin runs are in
//! tests/e2e/embedded.spec.mjs.
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

use cxbridge::web::embedded::{embedded_listen, embedded_off, embedded_on, embedded_stats};
use js_sys::{Array, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &JsValue::from_str(k), v).unwrap();
    }
    o.into()
}

fn origins(list: &[&str]) -> JsValue {
    list.iter()
        .map(|s| JsValue::from_str(s))
        .collect::<Array>()
        .into()
}

fn message_of(err: JsValue) -> String {
    err.dyn_into::<js_sys::Error>().unwrap().message().into()
}

fn stats() -> (f64, f64) {
    let s = embedded_stats();
    let get = |k: &str| Reflect::get(&s, &JsValue::from_str(k)).unwrap().as_f64().unwrap();
    (get("accepted"), get("rejected"))
}

fn own_origin() -> String {
    web_sys::window().unwrap().location().origin().unwrap()
}

/// A listener that removes itself: it holds the slot its own closure lives in.
type SelfRemoving = Rc<RefCell<Option<Closure<dyn FnMut()>>>>;

/// Posts `message` to this window and resolves after every `message` listener registered before has seen it.
async fn post_to_self(message: &JsValue) {
    let window = web_sys::window().unwrap();
    let promise = Promise::new(&mut |resolve, _| {
        let target = window.clone();
        let cb: SelfRemoving = Rc::new(RefCell::new(None));
        let cb2 = cb.clone();
        *cb.borrow_mut() = Some(Closure::new(move || {
            resolve.call0(&JsValue::UNDEFINED).unwrap();
            if let Some(c) = cb2.borrow_mut().take() {
                target
                    .remove_event_listener_with_callback("message", c.as_ref().unchecked_ref())
                    .unwrap();
            }
        }));
        window
            .add_event_listener_with_callback(
                "message",
                cb.borrow().as_ref().unwrap().as_ref().unchecked_ref(),
            )
            .unwrap();
    });
    window.post_message(message, &own_origin()).unwrap();
    JsFuture::from(promise).await.unwrap();
}

fn ring() -> JsValue {
    let data = obj(&[
        ("Id", "59709e1d367b6875d7".into()),
        ("contentId", "c".into()),
        ("identityId", "i".into()),
        ("interventionId", "v".into()),
        ("sourceId", "s".into()),
        ("queue", "global".into()),
        ("body", "bonjour".into()),
        ("author", "Martin Martin".into()),
    ]);
    obj(&[("name", "smcc:task:ring".into()), ("data", data)])
}

#[wasm_bindgen_test]
fn listen_refuses_what_could_never_or_should_never_match() {
    let cases: [(JsValue, &str); 5] = [
        (
            obj(&[("allowedOrigins", origins(&[]))]),
            "allowedOrigins is empty",
        ),
        (
            obj(&[("allowedOrigins", origins(&["*"]))]),
            "'*' in allowedOrigins",
        ),
        (
            obj(&[
                ("allowedOrigins", origins(&["null"])),
                ("allowAnyOrigin", true.into()),
            ]),
            "the origin 'null' is never accepted",
        ),
        (
            obj(&[(
                "allowedOrigins",
                origins(&["https://acme.digital.ringcentral.com/"]),
            )]),
            "is not an origin as event.origin spells it",
        ),
        (
            JsValue::from_str("https://a.example"),
            "options must be an object",
        ),
    ];
    for (options, expected) in cases {
        let err = embedded_listen(options).err().expect("refused");
        let msg = message_of(err);
        assert!(msg.starts_with("cxbridge.embedded.listen: "), "{msg}");
        assert!(msg.contains(expected), "{msg}");
    }
    let any = embedded_listen(obj(&[
        ("allowedOrigins", origins(&["*"])),
        ("allowAnyOrigin", true.into()),
    ]));
    any.unwrap().stop();
}

#[wasm_bindgen_test]
fn on_and_off_take_smcc_names_or_star_and_functions() {
    let f = js_sys::Function::new_no_args("");
    assert!(embedded_on("smcc:task:ring".into(), f.clone().into()).is_ok());
    assert!(embedded_on("*".into(), f.clone().into()).is_ok());
    let err = embedded_on("webchat:all".into(), f.clone().into()).unwrap_err();
    assert!(message_of(err).contains("must be an smcc:* event name"));
    let err = embedded_on("smcc:task:ring".into(), JsValue::from(3)).unwrap_err();
    assert!(message_of(err).contains("the callback must be a function"));
    assert!(embedded_off("smcc:task:ring".into(), f.clone().into()).is_ok());
    assert!(embedded_off("*".into(), JsValue::UNDEFINED).is_ok());
}

#[wasm_bindgen_test]
async fn a_message_from_an_allowed_origin_and_window_reaches_on_and_stop_ends_listening() {
    let window = web_sys::window().unwrap();
    let got: Rc<RefCell<Vec<(String, String)>>> = Rc::new(RefCell::new(Vec::new()));
    let got2 = got.clone();
    let cb = Closure::<dyn FnMut(JsValue, JsValue)>::new(move |data: JsValue, name: JsValue| {
        let id = Reflect::get(&data, &JsValue::from_str("Id")).unwrap();
        got2.borrow_mut()
            .push((name.as_string().unwrap(), id.as_string().unwrap()));
    });
    let cb_js: JsValue = cb.as_ref().clone();
    embedded_on("smcc:task:ring".into(), cb_js.clone()).unwrap();
    let handle = embedded_listen(obj(&[
        ("allowedOrigins", origins(&[&own_origin()])),
        ("frame", window.clone().into()),
    ]))
    .unwrap();

    let (a0, r0) = stats();
    post_to_self(&ring()).await;
    assert_eq!(stats(), (a0 + 1.0, r0));
    assert_eq!(
        got.borrow().as_slice(),
        [("smcc:task:ring".to_string(), "59709e1d367b6875d7".to_string())]
    );

    // A known event whose payload differs from the catalog is delivered all the same; a non-smcc name and a
    // `data` that is not an object are rejected.
    let off_catalog = obj(&[
        ("name", "smcc:task:ring".into()),
        ("data", obj(&[("Id", "t-2".into()), ("author", JsValue::NULL)])),
    ]);
    post_to_self(&off_catalog).await;
    post_to_self(&obj(&[("name", "other".into()), ("data", obj(&[]))])).await;
    post_to_self(&obj(&[("name", "smcc:task:ring".into()), ("data", 1.into())])).await;
    assert_eq!(stats(), (a0 + 2.0, r0 + 2.0));
    assert_eq!(
        got.borrow().last().unwrap(),
        &("smcc:task:ring".to_string(), "t-2".to_string())
    );

    handle.stop();
    handle.stop();
    post_to_self(&ring()).await;
    assert_eq!(stats(), (a0 + 2.0, r0 + 2.0));
    assert_eq!(got.borrow().len(), 2);
    embedded_off("smcc:task:ring".into(), cb_js).unwrap();
}
