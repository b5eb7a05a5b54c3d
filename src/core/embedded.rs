//! The RingCentral Engage Digital embedded UI: the `smcc:*` event catalog and the validation of posted messages.
