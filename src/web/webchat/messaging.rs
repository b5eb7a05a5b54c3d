//! The shell's part of the Web Messaging transport (`genesys-web-messaging`, docs/webchat.md): only in a build
//! with the `webmessaging` feature. It decides nothing: the session (`core::webchat`) says when a socket opens
//! and what is written on it, and which request is a history read ([`Expect::MessagingHistory`]); this module
//! hands it the guest's token, reads what the service sends with the Web Messaging reader
//! (`core::webmessaging::read`) instead of Guest Chat's, and otherwise uses the shell's own performers (the one
//! socket, fetch, sessionStorage).

use wasm_bindgen::JsValue;

use super::{drive, with, Js};
use crate::core::guestchat::{read, Expect, Reply};
use crate::core::webmessaging::read as wm;

/// A fresh session token for the next chat, made by the browser's cryptographic random (`crypto.randomUUID()`,
/// the one UUID maker, `web::ac::new_uuid`): the token is the guest's credential. The session uses it only when
/// the chat it starts is a Web Messaging one.
pub(super) fn next_token() {
    let token = super::super::ac::new_uuid();
    with(|sh| sh.core.guest_token(token));
}

/// A 2xx answer, read as the request expects it: a history page by the Web Messaging reader, the rest by Guest
/// Chat's.
pub(super) fn reply(expect: Expect, parsed: Option<Js>) -> Option<Reply> {
    match expect {
        Expect::MessagingHistory => wm::reply(parsed),
        _ => read::reply(expect, parsed),
    }
}

/// A frame on the socket of a Web Messaging session (`v` parsed, undefined when the text was not JSON), handed
/// to the session; `false` when the session is not one (the frame is Guest Chat's).
pub(super) fn frame(v: &JsValue) -> bool {
    if with(|sh| sh.core.messaging()) != Some(true) {
        return false;
    }
    let frame = wm::frame(&Js(v.clone()));
    drive(|core, c| core.messaging_frame(frame, c));
    true
}
