//! Fuzz drivers: each turns arbitrary bytes into inputs for one sans-IO core area and checks what must hold for
//! every input — no panic (under `panic = "abort"` a panic is a `RuntimeError: unreachable` that kills the page's
//! wasm), errors that name the problem, and the area's own invariants.
//!
//! The same functions run twice: under libFuzzer (`cargo fuzz run <target>`, `fuzz_targets/*.rs`), and bounded in
//! `npm test` (`tests/fuzz_corpus.rs` includes these modules and replays the committed corpus plus generated
//! inputs).
//! Bytes are read with [`Src`], which never fails: when the input runs out every read returns its smallest
//! value, so any byte string is a valid input and libFuzzer's mutations stay meaningful.
//!
//! The drivers play the web shell honestly: they answer only requests the core asked for, fire only timers it
//! armed, deliver frames only on a socket it opened. Inputs the browser can never produce are not interesting.

pub mod bus;
pub mod cif;
pub mod delivery;
pub mod embedded;
pub mod guestchat;
pub mod input;
pub mod json;
pub mod webchat_config;

pub use bus::bus_routing;
pub use cif::cif_payload;
pub use delivery::analytics_delivery;
pub use embedded::embedded_event;
pub use guestchat::guestchat_frame;
pub use input::{Src, SECRET};
pub use json::is_json;
pub use webchat_config::webchat_config;
