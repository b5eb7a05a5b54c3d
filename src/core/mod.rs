//! The sans-IO core: takes inputs (a call, a decoded frame, "now is t", "this request failed") and returns
//! outputs (events to publish, requests to send) and when it next needs to be told the time (each area's next
//! deadline; the shell arms the timer). Nothing here touches the browser.

pub mod analytics;
pub mod autotrack;
pub mod bus;
pub mod embedded;
pub mod emitter;
pub mod guestchat;
pub mod journey;
pub mod text;
pub mod webchat;
pub mod webmessaging;
pub mod widgets;
