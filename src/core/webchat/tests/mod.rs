//! The session machine driven with simulated time and injected faults: [`sim`] plays the shell, the tests play
//! the server. One file per concern of the machine.

mod ambiguous;
mod lifecycle;
mod members;
#[cfg(feature = "webmessaging")]
mod messaging;
mod polling;
mod restore;
mod sends;
pub(super) mod sim;
mod stream;
