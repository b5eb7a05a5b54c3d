//! The listener registry behind `ac('on'|'once'|'off')` and the bus's subscriptions, with defined dispatch
//! semantics (removal and addition during a dispatch, `once`, duplicate subscriptions).
