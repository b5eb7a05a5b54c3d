//! CIF `logAnalyticsEvent(data, eventName, correlationId)` validation, as CIF pages call it.
//!
//! Microsoft documents `data` and `eventName` as required and asks pages to "be sure to include" `conversationId`
//! and `providerSessionId` in `data`; Microsoft's own sample integration (the Twilio CIF v2 sample) calls
//! `logAnalyticsEvent({events: [{kpiEventName, kpiEventReason}]}, eventName)` without either, and its library
//! forwards that to Dynamics 365 as it is. So here:
//! - a missing argument (`data`, `eventName`) or a value of the wrong type anywhere is a rejection whose message
//!   names the field, path included (`data.events[1].customData[0].attribute`);
//! - a field the structure expects that is absent (`null`, `undefined` or an empty string) is not: the event is
//!   recorded, and [`missing_warning`] names every such field for a console warning.

use super::{AnalyticsError, Input};
use crate::core::text::push_uint;

const PREFIX: &str = "logAnalyticsEvent: ";

/// Depth the shell must convert `data` to for [`validate`] to see every field it checks
/// (`data.events[i].customData[j].value`).
pub const DATA_DEPTH: u32 = 6;

/// Checks the three arguments. `Ok` means the event may be recorded as `{source: 'CIF', event: {name: eventName,
/// data}}`; it holds the paths of the expected fields that are absent (`data.conversationId`, …), in the order of
/// the structure, for [`missing_warning`].
pub fn validate(
    data: &Input,
    event_name: &Input,
    correlation_id: &Input,
) -> Result<Vec<String>, AnalyticsError> {
    match data {
        Input::Map(_) => {}
        d if d.is_absent() => return Err(missing("data", "").into()),
        other => return Err(mistyped("data", "", "an object", other).into()),
    }
    match event_name {
        Input::Str(s) if !s.is_empty() => {}
        Input::Str(_) => return Err(empty("eventName", "").into()),
        e if e.is_absent() => return Err(missing("eventName", "").into()),
        other => return Err(mistyped("eventName", "", "a string", other).into()),
    }
    match correlation_id {
        Input::Str(_) => {}
        c if c.is_absent() => {}
        other => return Err(mistyped("correlationId", "", "a string (a GUID)", other).into()),
    }
    let mut absent = Vec::new();
    expected_string(data, "conversationId", "data", &mut absent)?;
    expected_string(data, "providerSessionId", "data", &mut absent)?;
    optional_string(data, "clientSessionId", "data")?;
    optional_string(data, "participantId", "data")?;
    match data.get("events") {
        Input::List(events) => {
            for (i, event) in events.iter().enumerate() {
                validate_event(event, i, &mut absent)?;
            }
        }
        e if e.is_absent() => {}
        other => return Err(mistyped("data.events", "", "an array", other).into()),
    }
    Ok(absent)
}

/// The console warning for an event recorded without the fields in `absent` (as [`validate`] listed them).
pub fn missing_warning(event_name: &str, absent: &[String]) -> String {
    let mut s = String::from(PREFIX);
    s.push_str("event '");
    s.push_str(event_name);
    s.push_str("' is recorded without ");
    super::push_joined(&mut s, absent, ", ");
    s.push_str(
        " (missing or empty), which the CIF data structure expects: Dynamics 365 asks for conversationId and \
         providerSessionId in every event",
    );
    s
}

fn validate_event(event: &Input, i: usize, absent: &mut Vec<String>) -> Result<(), String> {
    let path = indexed("data.events", i);
    if !matches!(event, Input::Map(_)) {
        return Err(mistyped(&path, "", "an object", event));
    }
    expected_string(event, "kpiEventName", &path, absent)?;
    for key in [
        "kpiEventReason",
        "notificationResponseAction",
        "externalCorrelationId",
    ] {
        optional_string(event, key, &path)?;
    }
    match event.get("eventTimestamp") {
        Input::Str(_) | Input::Number(_) => {}
        t if t.is_absent() => {}
        other => return Err(mistyped(&path, "eventTimestamp", "a string or a number", other)),
    }
    match event.get("additionalData") {
        Input::Str(_) | Input::Map(_) => {}
        a if a.is_absent() => {}
        other => return Err(mistyped(&path, "additionalData", "a string or an object", other)),
    }
    match event.get("customData") {
        Input::List(items) => {
            let list = field(&path, "customData");
            for (j, item) in items.iter().enumerate() {
                let item_path = indexed(&list, j);
                if !matches!(item, Input::Map(_)) {
                    return Err(mistyped(&item_path, "", "an object {attribute, value}", item));
                }
                expected_string(item, "attribute", &item_path, absent)?;
                match item.get("value") {
                    Input::Str(_) | Input::Number(_) | Input::Bool(_) | Input::Null => {}
                    Input::Missing => absent.push(field(&item_path, "value")),
                    other => {
                        return Err(mistyped(
                            &item_path,
                            "value",
                            "a string, a number or a boolean",
                            other,
                        ))
                    }
                }
            }
            Ok(())
        }
        c if c.is_absent() => Ok(()),
        other => Err(mistyped(&path, "customData", "an array", other)),
    }
}

/// A string the structure expects: absent or empty is noted in `absent`, another type is an error.
fn expected_string(parent: &Input, key: &str, path: &str, absent: &mut Vec<String>) -> Result<(), String> {
    match parent.get(key) {
        Input::Str(s) if !s.is_empty() => Ok(()),
        Input::Str(_) => {
            absent.push(field(path, key));
            Ok(())
        }
        v if v.is_absent() => {
            absent.push(field(path, key));
            Ok(())
        }
        other => Err(mistyped(path, key, "a string", other)),
    }
}

fn optional_string(parent: &Input, key: &str, path: &str) -> Result<(), String> {
    match parent.get(key) {
        Input::Str(_) => Ok(()),
        v if v.is_absent() => Ok(()),
        other => Err(mistyped(path, key, "a string", other)),
    }
}

fn field(path: &str, key: &str) -> String {
    let mut s = String::with_capacity(path.len() + key.len() + 1);
    s.push_str(path);
    s.push('.');
    s.push_str(key);
    s
}

fn indexed(path: &str, i: usize) -> String {
    let mut s = String::from(path);
    s.push('[');
    push_uint(&mut s, i as u64);
    s.push(']');
    s
}

/// `logAnalyticsEvent: <path>[.<key>]`: the key is appended here rather than joined into a path first, which
/// saved every call site a String of its own.
fn start(path: &str, key: &str) -> String {
    let mut s = String::from(PREFIX);
    s.push_str(path);
    if !key.is_empty() {
        s.push('.');
        s.push_str(key);
    }
    s
}

fn missing(path: &str, key: &str) -> String {
    let mut s = start(path, key);
    s.push_str(" is required");
    s
}

fn empty(path: &str, key: &str) -> String {
    let mut s = start(path, key);
    s.push_str(" must not be empty");
    s
}

fn mistyped(path: &str, key: &str, expected: &str, got: &Input) -> String {
    let mut s = start(path, key);
    s.push_str(" must be ");
    s.push_str(expected);
    s.push_str(", got ");
    s.push_str(got.type_name());
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Input {
        Input::Str(v.into())
    }
    fn map(entries: Vec<(&str, Input)>) -> Input {
        Input::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
    fn seed_data() -> Input {
        // The structure of Microsoft's documented `data` parameter, every field present.
        map(vec![
            ("conversationId", s("conv-1")),
            ("providerSessionId", s("prov-1")),
            ("clientSessionId", s("client-1")),
            ("participantId", s("part-1")),
            (
                "events",
                Input::List(vec![map(vec![
                    ("kpiEventName", s("Accept")),
                    ("kpiEventReason", s("agent accepted")),
                    ("eventTimestamp", s("2026-11-22T10:00:00Z")),
                    ("additionalData", s("{}")),
                    ("notificationResponseAction", s("Accept")),
                    ("externalCorrelationId", s("ext-1")),
                    (
                        "customData",
                        Input::List(vec![map(vec![("attribute", s("queue")), ("value", s("vip"))])]),
                    ),
                ])]),
            ),
        ])
    }

    fn err(data: &Input) -> String {
        validate(data, &s("CustomEvent"), &Input::Missing).unwrap_err().0
    }

    fn absent(data: &Input) -> Vec<String> {
        validate(data, &s("CustomEvent"), &Input::Missing).unwrap()
    }

    #[test]
    fn the_documented_structure_is_accepted_with_nothing_absent() {
        assert_eq!(validate(&seed_data(), &s("CustomEvent"), &s("corr")), Ok(vec![]));
        let minimal = map(vec![("conversationId", s("c")), ("providerSessionId", s("p"))]);
        assert_eq!(validate(&minimal, &s("E"), &Input::Missing), Ok(vec![]));
    }

    #[test]
    fn missing_arguments_are_named() {
        assert_eq!(
            validate(&Input::Missing, &s("E"), &Input::Missing).unwrap_err().0,
            "logAnalyticsEvent: data is required"
        );
        assert_eq!(
            validate(&s("x"), &s("E"), &Input::Missing).unwrap_err().0,
            "logAnalyticsEvent: data must be an object, got string"
        );
        assert_eq!(
            validate(&Input::List(vec![]), &s("E"), &Input::Missing)
                .unwrap_err()
                .0,
            "logAnalyticsEvent: data must be an object, got array"
        );
        assert_eq!(
            validate(&seed_data(), &Input::Missing, &Input::Missing)
                .unwrap_err()
                .0,
            "logAnalyticsEvent: eventName is required"
        );
        assert_eq!(
            validate(&seed_data(), &Input::Number(3.0), &Input::Missing)
                .unwrap_err()
                .0,
            "logAnalyticsEvent: eventName must be a string, got number"
        );
        assert_eq!(
            validate(&seed_data(), &s("E"), &Input::Bool(true)).unwrap_err().0,
            "logAnalyticsEvent: correlationId must be a string (a GUID), got boolean"
        );
    }

    #[test]
    fn microsofts_own_sample_call_is_recorded_and_its_absent_ids_named() {
        // The Twilio CIF v2 sample's hold/unhold event: no conversationId, no providerSessionId.
        let sample = map(vec![(
            "events",
            Input::List(vec![map(vec![
                ("kpiEventName", s("CallHold")),
                ("kpiEventReason", s("CallHold")),
            ])]),
        )]);
        let absent = validate(&sample, &s("CallHold"), &Input::Missing).unwrap();
        assert_eq!(absent, ["data.conversationId", "data.providerSessionId"]);
        assert_eq!(
            missing_warning("CallHold", &absent),
            "logAnalyticsEvent: event 'CallHold' is recorded without data.conversationId, data.providerSessionId \
             (missing or empty), which the CIF data structure expects: Dynamics 365 asks for conversationId and \
             providerSessionId in every event"
        );
    }

    #[test]
    fn absent_or_empty_expected_fields_are_listed_and_wrong_types_rejected() {
        let mut d = seed_data();
        if let Input::Map(e) = &mut d {
            e.retain(|(k, _)| k != "conversationId");
        }
        assert_eq!(absent(&d), ["data.conversationId"]);
        let d = map(vec![
            ("conversationId", Input::Null),
            ("providerSessionId", s("")),
        ]);
        assert_eq!(absent(&d), ["data.conversationId", "data.providerSessionId"]);
        let d = map(vec![
            ("conversationId", Input::Number(7.0)),
            ("providerSessionId", s("p")),
        ]);
        assert_eq!(
            err(&d),
            "logAnalyticsEvent: data.conversationId must be a string, got number"
        );
        let d = map(vec![
            ("conversationId", s("c")),
            ("providerSessionId", Input::Bool(true)),
        ]);
        assert_eq!(
            err(&d),
            "logAnalyticsEvent: data.providerSessionId must be a string, got boolean"
        );
        let d = map(vec![(
            "events",
            Input::List(vec![
                map(vec![("kpiEventName", s("A"))]),
                map(vec![(
                    "customData",
                    Input::List(vec![map(vec![]), map(vec![("attribute", s("a"))])]),
                )]),
            ]),
        )]);
        assert_eq!(
            absent(&d),
            [
                "data.conversationId",
                "data.providerSessionId",
                "data.events[1].kpiEventName",
                "data.events[1].customData[0].attribute",
                "data.events[1].customData[0].value",
                "data.events[1].customData[1].value",
            ]
        );
    }

    #[test]
    fn malformed_events_are_named_with_their_path() {
        let base = |events: Input| {
            map(vec![
                ("conversationId", s("c")),
                ("providerSessionId", s("p")),
                ("events", events),
            ])
        };
        assert_eq!(
            err(&base(map(vec![]))),
            "logAnalyticsEvent: data.events must be an array, got object"
        );
        assert_eq!(
            err(&base(Input::List(vec![s("x")]))),
            "logAnalyticsEvent: data.events[0] must be an object, got string"
        );
        let ok = map(vec![("kpiEventName", s("A"))]);
        assert_eq!(
            err(&base(Input::List(vec![
                ok,
                map(vec![("kpiEventName", Input::Bool(false))])
            ]))),
            "logAnalyticsEvent: data.events[1].kpiEventName must be a string, got boolean"
        );
        assert_eq!(
            err(&base(Input::List(vec![map(vec![
                ("kpiEventName", s("A")),
                ("kpiEventReason", Input::Number(1.0)),
            ])]))),
            "logAnalyticsEvent: data.events[0].kpiEventReason must be a string, got number"
        );
        assert_eq!(
            err(&base(Input::List(vec![map(vec![
                ("kpiEventName", s("A")),
                ("customData", map(vec![])),
            ])]))),
            "logAnalyticsEvent: data.events[0].customData must be an array, got object"
        );
        assert_eq!(
            err(&base(Input::List(vec![map(vec![
                ("kpiEventName", s("A")),
                (
                    "customData",
                    Input::List(vec![map(vec![("attribute", Input::Number(2.0))])]),
                ),
            ])]))),
            "logAnalyticsEvent: data.events[0].customData[0].attribute must be a string, got number"
        );
        assert_eq!(
            err(&base(Input::List(vec![map(vec![
                ("kpiEventName", s("A")),
                (
                    "customData",
                    Input::List(vec![map(vec![
                        ("attribute", s("a")),
                        ("value", Input::Other("object"))
                    ])]),
                ),
            ])]))),
            "logAnalyticsEvent: data.events[0].customData[0].value must be a string, a number or a boolean, got object"
        );
    }

    #[test]
    fn optional_fields_may_be_null_and_timestamps_may_be_numbers() {
        let d = map(vec![
            ("conversationId", s("c")),
            ("providerSessionId", s("p")),
            ("participantId", Input::Null),
            (
                "events",
                Input::List(vec![map(vec![
                    ("kpiEventName", s("A")),
                    ("eventTimestamp", Input::Number(1.7e12)),
                    ("additionalData", map(vec![])),
                    ("externalCorrelationId", Input::Null),
                ])]),
            ),
        ]);
        assert_eq!(validate(&d, &s("E"), &Input::Null), Ok(vec![]));
    }
}
