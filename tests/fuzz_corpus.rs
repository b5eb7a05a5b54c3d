//! The bounded version of the cargo-fuzz targets (fuzz/), run by `npm test`: every driver of `fuzz/src/lib.rs`
//! on the committed, minimized corpus of its target (`fuzz/seeds/<target>.bin`: what the 10-minute runs found
//! interesting, packed by fuzz/pack.mjs) and on a fixed set of generated inputs. The long runs are
//! `bash fuzz/run.sh` (docs/reliability.md, "Fuzzing").
#![cfg(not(target_arch = "wasm32"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    dead_code
)]

// The driver modules of fuzz/src, at this crate's root as in the fuzz crate (they refer to `crate::input`).
#[path = "../fuzz/src/bus.rs"]
mod bus;
#[path = "../fuzz/src/cif.rs"]
mod cif;
#[path = "../fuzz/src/delivery.rs"]
mod delivery;
#[path = "../fuzz/src/embedded.rs"]
mod embedded;
#[path = "../fuzz/src/guestchat.rs"]
mod guestchat;
#[path = "../fuzz/src/input.rs"]
mod input;
#[path = "../fuzz/src/json.rs"]
mod json;
#[path = "../fuzz/src/webchat_config.rs"]
mod webchat_config;

use std::path::Path;

/// Inputs from a fixed xorshift sequence: the same every run, so a failure reproduces.
fn generated(seed: u64, count: usize) -> Vec<Vec<u8>> {
    let mut x = seed | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..count)
        .map(|i| {
            let len = [0, 1, 2, 7, 31, 64, 200, 511][i % 8];
            (0..len).map(|_| next() as u8).collect()
        })
        .collect()
}

/// The minimized corpus of `target` as fuzz/pack.mjs packed it: records of `[u32 LE length][bytes]`.
fn corpus(target: &str) -> Vec<Vec<u8>> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(format!("{target}.bin"));
    let Ok(packed) = std::fs::read(&file) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut rest = packed.as_slice();
    while rest.len() >= 4 {
        let len = u32::from_le_bytes(rest[..4].try_into().unwrap()) as usize;
        assert!(rest.len() >= 4 + len, "{} is truncated", file.display());
        out.push(rest[4..4 + len].to_vec());
        rest = &rest[4 + len..];
    }
    out
}

/// Inputs that once failed (fuzz/regressions/<target>/), kept whatever the corpus minimization keeps.
fn regressions(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    files.sort();
    files.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

fn run(target: &str, driver: fn(&[u8]), seed: u64) {
    let mut inputs = regressions(target);
    inputs.extend(corpus(target));
    let from_files = inputs.len();
    inputs.extend(generated(seed, 4000));
    for input in &inputs {
        driver(input);
    }
    eprintln!(
        "{target}: {} inputs ({from_files} from fuzz/regressions/{target}/ and fuzz/seeds/{target}.bin)",
        inputs.len()
    );
}

#[test]
fn guestchat_frames_through_the_session_machine_never_panic_duplicate_or_leak_the_jwt() {
    run("guestchat_frame", guestchat::guestchat_frame, 0x5eed_0001);
}

#[test]
fn webchat_configuration_is_accepted_or_refused_naming_the_field() {
    run("webchat_config", webchat_config::webchat_config, 0x5eed_0002);
}

#[test]
fn embedded_messages_are_accepted_only_from_allowed_origins_with_valid_payloads() {
    run("embedded_event", embedded::embedded_event, 0x5eed_0003);
}

#[test]
fn cif_payloads_and_analytics_options_are_accepted_or_refused_naming_the_field() {
    run("cif_payload", cif::cif_payload, 0x5eed_0004);
}

#[test]
fn cxbus_routes_every_command_at_most_once_and_keeps_plugins_in_their_namespace() {
    run("bus_routing", bus::bus_routing, 0x5eed_0005);
}

#[test]
fn analytics_delivery_loses_no_event_delivers_none_twice_and_never_spins() {
    run("analytics_delivery", delivery::analytics_delivery, 0x5eed_0006);
}

#[test]
fn the_json_checker_used_by_the_drivers_is_right() {
    for ok in [
        "{}",
        "[]",
        r#"{"a":[1,-2.5e3,true,false,null,"x\"\\\u00e9"]}"#,
        " 0 ",
    ] {
        assert!(json::is_json(ok), "{ok}");
    }
    for bad in [
        "",
        "{",
        r#"{"a":}"#,
        "[1,]",
        "01",
        "\"\u{1}\"",
        r#""\x""#,
        "{} {}",
        "tru",
    ] {
        assert!(!json::is_json(bad), "{bad}");
    }
}
