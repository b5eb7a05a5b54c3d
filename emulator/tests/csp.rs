//! `--csp`: the pages, the SDK and the test pages carry the strict policy; the API does not need it. Without the
//! flag nothing carries it, so the other e2e specs see the pages as a site without a policy would serve them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{fast, start};
use cxbridge_emulator::{Config, STRICT_CSP};

async fn csp_of(emu: &common::Emu, path: &str) -> (u16, Option<String>) {
    let r = emu.http.get(emu.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    let h = r
        .headers()
        .get("content-security-policy")
        .map(|v| v.to_str().unwrap().to_string());
    (status, h)
}

fn with_root(csp: bool) -> Config {
    Config {
        root: std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/..")),
        csp,
        ..fast()
    }
}

#[tokio::test]
async fn csp_flag_puts_the_strict_policy_on_pages_and_scripts() {
    let emu = start(with_root(true)).await;
    for path in ["/tests/blank.html", "/", "/dist/", "/favicon-missing.png"] {
        let (_, h) = csp_of(&emu, path).await;
        assert_eq!(h.as_deref(), Some(STRICT_CSP), "{path}");
    }
    assert_eq!(
        STRICT_CSP,
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'"
    );
    let (status, h) = csp_of(&emu, "/__emulator/conversations").await;
    assert_eq!(status, 200);
    assert_eq!(h, None, "the API is not a document");
}

#[tokio::test]
async fn without_the_flag_no_page_carries_a_policy() {
    let emu = start(with_root(false)).await;
    let (status, h) = csp_of(&emu, "/tests/blank.html").await;
    assert_eq!(status, 200);
    assert_eq!(h, None);
}
