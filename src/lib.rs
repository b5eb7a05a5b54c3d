//! cxbridge: the browser APIs of the contact-center platforms a page already uses — the Genesys Journey SDK's
//! `ac()`, the Genesys Widgets CXBus and its WebChatService, the RingCentral Engage Digital embedded-UI events and
//! CIF's `logAnalyticsEvent` — in one small wasm module.
//!
//! [`core`] decides everything and is plain Rust (no browser, no clock, no I/O), tested natively.
//! `web` (wasm32 only) is the thin shell that turns JS calls into core inputs and performs the core's outputs.
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod core;
#[cfg(target_arch = "wasm32")]
pub mod web;
