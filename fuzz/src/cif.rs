//! CIF `logAnalyticsEvent` arguments and `cxbridge.analytics.configure` options.

use cxbridge::core::analytics::{self, cif, Input};

use crate::input::Src;

const CIF_KEYS: &[&str] = &[
    "conversationId",
    "providerSessionId",
    "clientSessionId",
    "participantId",
    "events",
    "kpiEventName",
    "kpiEventReason",
    "eventTimestamp",
    "additionalData",
    "notificationResponseAction",
    "externalCorrelationId",
    "customData",
    "attribute",
    "value",
    "endpoint",
    "dataLayer",
    "batchSize",
    "flushIntervalMs",
    "maxQueue",
    "retryBaseMs",
    "retryMaxMs",
    "maxEventBytes",
    "sources",
    "consent",
    "format",
    "writeKey",
    "anonymousId",
    "busEvents",
    "__proto__",
];

const CIF_STRINGS: &[&str] = &[
    "conv-1",
    "ChatStarted",
    "",
    "https://collector.example/x",
    "http://127.0.0.1:8080/collector",
    "javascript:alert(1)",
    "/collector",
    "dataLayer",
    "my-layer",
    "ac",
    "CXBus",
    "CIF",
    "EngageDigitalEmbeddedUI",
    "segment",
    "envelope",
    "2026-01-01T00:00:00Z",
];

fn input(s: &mut Src, depth: usize) -> Input {
    match s.below(if depth > 8 { 7 } else { 10 }) {
        0 => Input::Missing,
        1 => Input::Null,
        2 => Input::Bool(s.bool()),
        3 => Input::Number(s.f64()),
        4 | 5 => Input::Str(s.str(CIF_STRINGS)),
        6 => Input::Other(s.pick(&["function", "symbol", "bigint"]).unwrap_or(&"function")),
        7 => Input::List((0..s.below(4)).map(|_| input(s, depth + 1)).collect()),
        _ => Input::Map(
            (0..s.below(6))
                .map(|_| (s.str(CIF_KEYS), input(s, depth + 1)))
                .collect(),
        ),
    }
}

/// A CIF payload that is mostly right, so the fuzzer reaches the nested checks.
fn cif_data(s: &mut Src) -> Input {
    let mut entries = vec![
        ("conversationId".to_string(), Input::Str("conv-1".into())),
        ("providerSessionId".to_string(), Input::Str("p-1".into())),
    ];
    let events = (0..s.below(3))
        .map(|_| {
            let mut e = vec![("kpiEventName".to_string(), Input::Str("ChatStarted".into()))];
            for _ in 0..s.below(4) {
                e.push((s.str(CIF_KEYS), input(s, 3)));
            }
            Input::Map(e)
        })
        .collect();
    entries.push(("events".to_string(), Input::List(events)));
    for _ in 0..s.below(3) {
        entries.push((s.str(CIF_KEYS), input(s, 1)));
    }
    Input::Map(entries)
}

/// `logAnalyticsEvent(data, eventName, correlationId)` and `analytics.configure(options)` with any values: either
/// accepted, or refused with a message that says which call and names the field.
pub fn cif_payload(data: &[u8]) {
    let mut s = Src::new(data);
    while !s.is_empty() {
        let d = if s.bool() {
            cif_data(&mut s)
        } else {
            input(&mut s, 0)
        };
        let name = input(&mut s, 6);
        let corr = input(&mut s, 6);
        if let Err(e) = cif::validate(&d, &name, &corr) {
            let e = e.0;
            assert!(e.starts_with("logAnalyticsEvent: "), "unexplained CIF error: {e}");
            assert!(
                ["data", "eventName", "correlationId"]
                    .iter()
                    .any(|f| e.contains(f)),
                "a CIF error must name the argument: {e}"
            );
        }
        let options = input(&mut s, 0);
        let base = analytics::config::Config::default();
        match base.merged(&options) {
            Ok(c) => {
                let _ = c.has_destination();
                for src in analytics::Source::ALL {
                    let _ = c.accepts(src, "x");
                }
            }
            Err(e) => assert!(!e.0.is_empty()),
        }
        let _ = analytics::retry_after_seconds(&s.str(&["120", " 5 ", "-1", "99999999999999999999999", ""]));
    }
}
