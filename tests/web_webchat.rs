//! Browser tests of the WebChatService shell's decoding: configuration read from a real JS object (errors name the
//! field), event-stream frames as the service sends them, and the sessionStorage snapshot round trip.
// Tests read their own plain values, never a page's: the js-sys calls clippy.toml denies in the shell are fine here.
#![allow(clippy::disallowed_methods)]
#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cxbridge::core::webchat::{Filter, Snapshot};
use cxbridge::web::webchat::testing;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn js(src: &str) -> JsValue {
    js_sys::eval(&format!("({src})")).unwrap()
}

#[wasm_bindgen_test]
fn configuration_errors_name_the_field() {
    let ok = js(
        "{transport: {type: 'purecloud-v2-sockets', dataURL: 'https://api.mypurecloud.com', deploymentKey: 'K', \
         orgGuid: 'O', interactionData: {routing: {targetType: 'QUEUE', targetAddress: 'Support', priority: 2}}}, \
         userData: {customerId: '59606'}}",
    );
    assert_eq!(testing::config_error(&ok), None);
    let cases = [
        (
            "{transport: {type: 'purecloud-v2-sockets', deploymentKey: 'K', orgGuid: 'O'}}",
            "WebChatService configuration: transport.dataURL is required",
        ),
        (
            "{transport: {type: 'purecloud-v2-sockets', dataURL: 'http://x', orgGuid: 'O'}}",
            "WebChatService configuration: transport.deploymentKey is required",
        ),
        (
            "{transport: {type: 'purecloud-v2-sockets', dataURL: 'http://x', deploymentKey: 'K'}}",
            "WebChatService configuration: transport.orgGuid is required",
        ),
        (
            "{transport: {type: 'purecloud-v2-sockets', dataURL: 'http://x', deploymentKey: 'K', orgGuid: 'O', \
             interactionData: {routing: {targetAddress: 'S', priority: 11}}}}",
            "WebChatService configuration: transport.interactionData.routing.priority must be an integer from 0 to 10, not 11",
        ),
        (
            "{transport: {type: 'purecloud-v2-sockets', dataURL: 'http://x', deploymentKey: 'K', orgGuid: 'O', \
             interactionData: {routing: {targetAddress: 'S'}}}, userData: 'x'}",
            "WebChatService configuration: userData must be an object, not string",
        ),
        (
            "{transport: {type: 'purecloud-v2-sockets', dataURL: 'http://x', deploymentKey: 'K', orgGuid: 'O', \
             pagination: null, interactionData: {routing: {targetAddress: 'S'}}}}",
            "WebChatService configuration: transport.pagination must be a boolean, not null",
        ),
        (
            "{transport: {type: 'purecloud-v2-sockets', dataURL: 'http://x', deploymentKey: 'K', orgGuid: 'O', \
             interactionData: {routing: {targetAddress: 'S', skills: ['a', 1]}}}}",
            "WebChatService configuration: transport.interactionData.routing.skills[1] must be a string",
        ),
    ];
    // A skills array whose reads throw (a Proxy): an error, nothing thrown into the module.
    let hostile = js(
        "{transport: {type: 'purecloud-v2-sockets', dataURL: 'http://x', deploymentKey: 'K', orgGuid: 'O', \
         interactionData: {routing: {targetAddress: 'S', skills: new Proxy([], {get() { throw new Error('trap'); }})}}}}",
    );
    assert!(testing::config_error(&hostile).is_some());
    for (src, want) in cases {
        assert_eq!(testing::config_error(&js(src)).as_deref(), Some(want), "{src}");
    }
}

/// With the `webmessaging` feature, the shell reads a Web Messaging configuration (docs/webchat.md) and names what
/// it lacks; a build without it refuses the type.
#[wasm_bindgen_test]
fn a_web_messaging_configuration_is_read_with_the_feature() {
    let wm = js("{transport: {type: 'genesys-web-messaging', dataURL: 'https://api.mypurecloud.ie', deploymentId: 'D'}}");
    let missing = js("{transport: {type: 'genesys-web-messaging', dataURL: 'https://api.mypurecloud.ie'}}");
    #[cfg(feature = "webmessaging")]
    {
        assert_eq!(testing::config_error(&wm), None);
        assert_eq!(
            testing::config_error(&missing).as_deref(),
            Some("WebChatService configuration: transport.deploymentId is required")
        );
    }
    #[cfg(not(feature = "webmessaging"))]
    for v in [wm, missing] {
        assert!(testing::config_error(&v)
            .is_some_and(|e| e.contains("transport.type must be 'purecloud-v2-sockets'")));
    }
}

#[wasm_bindgen_test]
fn stream_frames_decode_as_the_service_sends_them() {
    let f = testing::frame(
        r#"{"topicName":"v2.conversations.chats.C.messages","version":"2","eventBody":{"id":"m1","conversation":{"id":"C"},"sender":{"id":"A"},"body":"hi","bodyType":"standard","timestamp":"2026-01-01T00:00:01.000Z"},"metadata":{"CorrelationId":"x","type":"message"}}"#,
    );
    assert_eq!(f.topic, "v2.conversations.chats.C.messages");
    assert_eq!(f.kind.as_deref(), Some("message"));
    let m = f.message.unwrap();
    assert_eq!(
        (m.id.as_str(), m.sender_id.as_str(), m.body.as_str()),
        ("m1", "A", "hi")
    );
    assert_eq!(m.timestamp_ms, 1_767_225_601_000.0);
    let f = testing::frame(
        r#"{"topicName":"v2.conversations.chats.C.members","eventBody":{"member":{"id":"A","state":"CONNECTED","avatarImageUrl":"https://x.io/a.png"},"conversation":{"id":"C"}},"metadata":{"type":"member-change"}}"#,
    );
    let member = f.member.unwrap();
    assert_eq!(member.id, "A");
    assert_eq!(member.state.as_deref(), Some("CONNECTED"));
    assert_eq!(member.avatar_image_url.as_deref(), Some("https://x.io/a.png"));
    let f =
        testing::frame(r#"{"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}}"#);
    assert_eq!(f.text.as_deref(), Some("WebSocket Heartbeat"));
    assert!(f.message.is_none());
    let f = testing::frame("pong");
    assert_eq!(f.text.as_deref(), Some("pong"));
}

#[wasm_bindgen_test]
fn the_snapshot_survives_storage() {
    let s = Snapshot {
        conversation_id: "C".into(),
        member_id: "M".into(),
        jwt: "J".into(),
        event_stream_uri: "ws://x/channels/1".into(),
        last_message_id: Some("m9".into()),
        filters: vec![Filter {
            source: "code \\d+".into(),
            flags: "gi".into(),
        }],
        start_time: 5.0,
        saved_at: 6.0,
        journey: true,
        #[cfg(feature = "webmessaging")]
        guest_name: "Sam".into(),
    };
    assert_eq!(testing::snapshot_roundtrip(&s), Some(s));
}

/// WebChatService answers the vendor's commands, each routed by its name to its own verb.
#[wasm_bindgen_test]
fn the_command_list_is_the_vendors_and_each_name_routes_to_its_verb() {
    use cxbridge::core::webchat::{Verb, COMMANDS};
    for (name, verb) in COMMANDS {
        assert_eq!(Verb::named(name), Some(verb), "{name}");
    }
    assert_eq!(Verb::named("nope"), None);
    assert_eq!(
        COMMANDS.map(|c| c.0),
        [
            "configure",
            "startChat",
            "endChat",
            "sendMessage",
            "sendCustomNotice",
            "sendTyping",
            "sendFilteredMessage",
            "addPrefilter",
            "updateUserData",
            "poll",
            "startPoll",
            "stopPoll",
            "resetPollExceptions",
            "restore",
            "getTranscript",
            "getAgents",
            "getStats",
            "sendFile",
            "downloadFile",
            "getSessionData",
            "fetchHistory",
            "registerTypingPreviewInput",
            "registerPreProcessor",
            "verifySession",
        ]
    );
}

#[wasm_bindgen_test]
fn frames_keep_text_outside_the_basic_plane_and_length_markers_in_bodies() {
    let f = testing::frame(
        r#"{"topicName":"t","eventBody":{"id":"m2","sender":{"id":"A"},"body":"hé 😀 12:~ \u0000 end","timestamp":"x"},"metadata":{"type":"message"}}"#,
    );
    let m = f.message.unwrap();
    assert_eq!(m.body, "hé 😀 12:~ \u{0} end");
    assert_eq!((m.body_type.as_str(), m.timestamp_ms), ("standard", 0.0));
    assert!(f.member.is_none() && f.text.is_none());
}

#[wasm_bindgen_test]
fn member_info_flattens_user_data_as_strings() {
    let m = testing::member(&js(
        "{nickname: '', firstname: 'Ann', phonenumber: '555', subject: 'Help', \
         userData: {age: 42, vip: true, tags: ['a'], none: null, f() {}, note: 'n'}}",
    ))
    .unwrap();
    assert_eq!(m.display_name.as_deref(), Some("Ann"));
    assert_eq!(m.phone_number.as_deref(), Some("555"));
    assert_eq!(m.last_name, None);
    let fields: Vec<(&str, &str)> = m
        .custom_fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        fields,
        [
            ("age", "42"),
            ("vip", "true"),
            ("tags", "[\"a\"]"),
            ("note", "n"),
            ("subject", "Help")
        ]
    );
    assert!(testing::member(&js("{userData: 'nope'}")).is_none());
    assert!(testing::member(&js("{userData: [1]}")).is_none());
}

#[wasm_bindgen_test]
fn member_info_reads_the_form_as_the_shipped_widget_does_and_flat_options_too() {
    // The shipped widget reads the entry form from `form` only; its documentation shows flat options: both are read,
    // `form` winning, and with a form the customFields are the vendor's.
    let m = testing::member(&js(
        "{form: {nickname: 'Jo', firstname: 'Joanna', lastname: 'Smith', email: 'jo@x.io', subject: 'Help'}, \
         nickname: 'flat', lastname: 'Flat', userData: {extra: 'x'}}",
    ))
    .unwrap();
    assert_eq!(m.display_name.as_deref(), Some("Jo"));
    assert_eq!(m.first_name.as_deref(), Some("Joanna"));
    assert_eq!(m.last_name.as_deref(), Some("Smith"));
    assert_eq!(m.email.as_deref(), Some("jo@x.io"));
    let keys: Vec<&str> = m.custom_fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "firstName",
            "lastName",
            "nickname",
            "extra",
            "_genesys_source",
            "_genesys_referrer",
            "_genesys_url",
            "_genesys_pageTitle",
            "email",
            "subject"
        ]
    );
    assert!(m
        .custom_fields
        .contains(&("_genesys_source".into(), "web".into())));
    // Flat only: as before.
    let flat = testing::member(&js("{firstname: 'Ann'}")).unwrap();
    assert_eq!(flat.display_name.as_deref(), Some("Ann"));
    // A form whose getter throws: an error naming it, nothing thrown into the module.
    let hostile = js("{get form() { throw new Error('boom'); }}");
    assert!(testing::member(&hostile).is_none());
}
