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

#[test]
fn a_typing_preview_input_is_a_textarea_or_a_text_like_input() {
    use crate::core::webchat::is_typing_input;
    assert!(is_typing_input("TEXTAREA", Some("textarea")));
    assert!(is_typing_input("INPUT", None));
    for kind in ["text", "Search", "email", "tel", "url"] {
        assert!(is_typing_input("input", Some(kind)), "{kind}");
    }
    assert!(!is_typing_input("INPUT", Some("password")));
    assert!(!is_typing_input("INPUT", Some("checkbox")));
    assert!(!is_typing_input("DIV", None));
    assert!(!is_typing_input("BUTTON", Some("text")));
}
