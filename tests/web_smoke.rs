//! Browser tests of the web shell's foundation: the wasm instantiates in Chromium and its JS imports resolve.
// Tests read their own plain values, never a page's: the js-sys calls clippy.toml denies in the shell are fine here.
#![allow(clippy::disallowed_methods)]
#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cxbridge::core::bus::CommandRejection;
use cxbridge::web::deferred::Deferred;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn the_vendor_deferred_is_importable_and_settles_once() {
    let d = Deferred::new();
    assert_eq!(d.state(), "pending");
    d.resolve(&1.into());
    d.reject(&2.into());
    assert_eq!(d.state(), "resolved");
    assert_eq!(Deferred::rejected(CommandRejection("nope")).state(), "rejected");
}
