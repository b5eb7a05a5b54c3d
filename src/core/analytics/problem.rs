//! What analytics tells the page when an event goes nowhere: each problem and its message, in one place. The shell
//! writes the message to the console (an error, or a warning where [`Problem::is_warning`]), or rejects
//! `logAnalyticsEvent`'s promise with it.

use super::outbox::EARLY_MAX;
use crate::core::text::{concat, push_uint, Readable};

/// An event that goes nowhere, or an envelope the collector or a smaller limit refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem<'a> {
    /// CIF's event, when `configure({sources})` leaves CIF out.
    NotSelected { source: &'a str },
    /// CIF's event, when neither an endpoint nor a dataLayer is configured.
    NoDestination,
    /// `JSON.stringify` failed (or the text ran far past `maxEventBytes`).
    NotJson { source: &'a str, name: &'a str },
    /// The envelope is larger than `maxEventBytes` (`max`).
    TooLarge {
        source: &'a str,
        name: &'a str,
        max: u64,
    },
    /// The first event dropped of those held for the first `configure` (once per page).
    DroppedEarly,
    /// The collector refused a batch of `count` envelopes with HTTP `status`.
    Refused { count: u64, status: u16 },
    /// The collector refused one envelope with 413, in a body of `bytes`.
    RefusedTooLarge {
        source: &'a str,
        name: &'a str,
        bytes: u64,
    },
    /// An envelope an earlier page queued is larger than `maxEventBytes` allows now (`bytes`).
    RestoredTooLarge {
        source: &'a str,
        name: &'a str,
        bytes: u64,
    },
}

impl Problem<'_> {
    /// The page is told with `console.warn` rather than `console.error`.
    pub fn is_warning(&self) -> bool {
        matches!(self, Problem::DroppedEarly)
    }
}

impl Readable for Problem<'_> {
    fn message(self) -> String {
        const A: &str = "cxbridge.analytics: ";
        let mut out = String::new();
        match self {
            Problem::NotSelected { source } => {
                out = concat(&[
                    "logAnalyticsEvent: CIF events are not delivered: configure({sources}) leaves out '",
                    source,
                    "'",
                ]);
            }
            Problem::NoDestination => out.push_str(
                "logAnalyticsEvent: analytics has no destination: configure({endpoint}) or configure({dataLayer: true})",
            ),
            Problem::NotJson { source, name } => {
                out.push_str(A);
                out.push_str("the data of ");
                push_event(&mut out, source, name);
                out.push_str(
                    " cannot be serialized as JSON (a cycle, a BigInt, a getter that throws, or far larger than \
                     maxEventBytes); the event is dropped",
                );
            }
            Problem::TooLarge { source, name, max } => {
                out.push_str(A);
                push_event(&mut out, source, name);
                out.push_str(" is larger than maxEventBytes (");
                push_uint(&mut out, max);
                out.push_str(" bytes); it is not sent to the collector");
            }
            Problem::DroppedEarly => {
                out.push_str(A);
                out.push_str("more than ");
                push_uint(&mut out, EARLY_MAX as u64);
                out.push_str(
                    " events were recorded before cxbridge.analytics.configure(); the oldest are dropped (counted \
                     in stats().dropped)",
                );
            }
            Problem::Refused { count, status } => {
                out.push_str(A);
                out.push_str("the collector refused a batch of ");
                push_uint(&mut out, count);
                out.push_str(" events with HTTP ");
                push_uint(&mut out, u64::from(status));
                out.push_str("; they are dropped (counted in stats().rejected)");
            }
            Problem::RefusedTooLarge { source, name, bytes } => {
                out.push_str(A);
                out.push_str("the collector refused one event as too large (HTTP 413): ");
                push_event(&mut out, source, name);
                out.push_str(", a body of ");
                push_uint(&mut out, bytes);
                out.push_str(" bytes; it is dropped (counted in stats().rejected)");
            }
            Problem::RestoredTooLarge { source, name, bytes } => {
                out.push_str(A);
                out.push_str("an event queued by an earlier page is larger than maxEventBytes now allows: ");
                push_event(&mut out, source, name);
                out.push_str(", ");
                push_uint(&mut out, bytes);
                out.push_str(" bytes; it is dropped (counted in stats().dropped)");
            }
        }
        out
    }
}

/// `CIF event 'name'`.
fn push_event(out: &mut String, source: &str, name: &str) {
    out.push_str(source);
    out.push_str(" event '");
    out.push_str(name);
    out.push('\'');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_problem_says_what_and_how_it_is_counted() {
        let cases = [
            (
                Problem::NotSelected { source: "CIF" },
                "logAnalyticsEvent: CIF events are not delivered: configure({sources}) leaves out 'CIF'",
            ),
            (
                Problem::NoDestination,
                "logAnalyticsEvent: analytics has no destination: configure({endpoint}) or configure({dataLayer: true})",
            ),
            (
                Problem::NotJson { source: "ac", name: "x" },
                "cxbridge.analytics: the data of ac event 'x' cannot be serialized as JSON (a cycle, a BigInt, a \
                 getter that throws, or far larger than maxEventBytes); the event is dropped",
            ),
            (
                Problem::TooLarge { source: "CIF", name: "big", max: 32000 },
                "cxbridge.analytics: CIF event 'big' is larger than maxEventBytes (32000 bytes); it is not sent to \
                 the collector",
            ),
            (
                Problem::DroppedEarly,
                "cxbridge.analytics: more than 200 events were recorded before cxbridge.analytics.configure(); the \
                 oldest are dropped (counted in stats().dropped)",
            ),
            (
                Problem::Refused { count: 3, status: 400 },
                "cxbridge.analytics: the collector refused a batch of 3 events with HTTP 400; they are dropped \
                 (counted in stats().rejected)",
            ),
            (
                Problem::RefusedTooLarge { source: "CXBus", name: "e", bytes: 900 },
                "cxbridge.analytics: the collector refused one event as too large (HTTP 413): CXBus event 'e', a \
                 body of 900 bytes; it is dropped (counted in stats().rejected)",
            ),
            (
                Problem::RestoredTooLarge { source: "ac", name: "n", bytes: 70000 },
                "cxbridge.analytics: an event queued by an earlier page is larger than maxEventBytes now allows: ac \
                 event 'n', 70000 bytes; it is dropped (counted in stats().dropped)",
            ),
        ];
        for (p, text) in cases {
            assert_eq!(p.is_warning(), p == Problem::DroppedEarly);
            assert_eq!(p.message(), text);
        }
    }
}
