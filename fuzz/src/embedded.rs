//! Engage Digital embedded-UI messages: `listen()` options, then posted messages as the shell's bounded copy hands
//! them to the core. The copy's own bounds (depth, size, JSON-ness) are the walk's in `js/embedded.js`, tested
//! there (tests/js/embedded.test.mjs): what it refuses never reaches these rules.

use cxbridge::core::embedded::{self, Found, OriginPolicy, Rejection};
use cxbridge::core::text::Readable;

use crate::input::Src;

const ORIGINS: &[&str] = &[
    "https://acme.digital.ringcentral.com",
    "http://127.0.0.1:8080",
    "http://localhost:8080",
    "http://localhost:80",
    "https://acme.digital.ringcentral.com/",
    "https://ACME.digital.ringcentral.com",
    "http://[::1]:8080",
    "http://[::1",
    "null",
    "*",
    "",
    "https://",
    "http://a:",
    "http://a:0",
    "http://a:99999",
];

const EVENT_NAMES: &[&str] = &[
    "smcc:content:reply",
    "smcc:content:initiate_discussion",
    "smcc:content:intervention_opened",
    "smcc:content:intervention_closed",
    "smcc:content_thread:selected",
    "smcc:identity:show",
    "smcc:task:selected",
    "smcc:task:ring",
    "smcc:task:missed",
    "smcc:task:updated",
    "smcc:user:disconnected",
    "smcc:future:event",
    "smcc:",
    "smcc:bad name",
    "other:event",
    "*",
];

const KEYS: &[&str] = &[
    "Id",
    "author",
    "body",
    "channelId",
    "contentId",
    "contentThreadId",
    "firstIdentityId",
    "id",
    "identityId",
    "inReplyToAuthorId",
    "inReplyToId",
    "interventionId",
    "lastContentId",
    "lastIdentityContentBody",
    "queue",
    "sourceId",
    "taskID",
    "threadId",
    "identityAvatarUrl",
    "identitySignature",
    "lastIdentityContentCreatedAt",
    "lastUpdatedContentAt",
    "waitingForUser",
    "segmentIndex",
    "Timestamp",
    "x",
];

/// A JSON-like value as the shell's bounded copy of `event.data.data` sees it.
#[derive(Clone, Debug)]
enum Js {
    Undefined,
    Null,
    Bool,
    Number,
    Str,
    Array,
    Object(Vec<(String, Js)>),
    /// A function, symbol, bigint, Date, Map… (the copy refuses it; here, what `found` reports of it).
    Exotic,
}

fn js(s: &mut Src, depth: usize) -> Js {
    let kind = s.below(if depth > 40 { 7 } else { 10 });
    match kind {
        0 => Js::Undefined,
        1 => Js::Null,
        2 => Js::Bool,
        3 => Js::Number,
        4 | 5 => Js::Str,
        6 => Js::Exotic,
        7 => Js::Array,
        _ => {
            let n = s.below(5);
            Js::Object((0..n).map(|_| (s.str(KEYS), js(s, depth + 1))).collect())
        }
    }
}

fn found(data: &[(String, Js)], key: &str) -> Found {
    match data.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v) {
        None => Found::Missing,
        Some(Js::Undefined) => Found::Undefined,
        Some(Js::Null) => Found::Null,
        Some(Js::Bool) => Found::Boolean,
        Some(Js::Number) => Found::Number,
        Some(Js::Str) => Found::String,
        Some(Js::Array) => Found::Array,
        Some(Js::Object(_)) => Found::Object,
        Some(Js::Exotic) => Found::Other,
    }
}

/// `listen({allowedOrigins, allowAnyOrigin})`, then one posted message `{name, data}` from some origin: refused
/// with a reason, or accepted only from an allowed origin with a well-formed name and a payload of the documented
/// shape.
pub fn embedded_event(data: &[u8]) {
    let mut s = Src::new(data);
    let origins: Vec<Option<String>> = (0..s.below(4))
        .map(|_| if s.u8() < 240 { Some(s.str(ORIGINS)) } else { None })
        .collect();
    let allow_any = s.u8() < 32;
    let policy = match OriginPolicy::new(origins.clone(), allow_any) {
        Ok(p) => p,
        Err(e) => {
            assert!(e.message().starts_with("cxbridge.embedded.listen: "));
            return;
        }
    };
    for o in origins.iter().flatten() {
        if o != "*" && !allow_any {
            assert!(
                embedded::is_serialized_origin(o),
                "{o:?} was allowed but is not an origin"
            );
            assert_eq!(policy.check(o), Ok(()), "an allowed origin {o:?} is refused");
        }
    }
    while !s.is_empty() {
        let origin = s.str(ORIGINS);
        let name = s.str(EVENT_NAMES);
        let data = match s.below(8) {
            0 => None,
            _ => Some(js(&mut s, 0)),
        };
        let verdict = judge(&policy, &origin, &name, data.as_ref());
        match verdict {
            Ok(()) => {
                assert!(allow_any || origins.iter().flatten().any(|o| *o == origin));
                assert_ne!(origin, "null");
                assert!(name.starts_with("smcc:") && name.len() <= embedded::MAX_NAME_LEN);
            }
            Err(r) => {
                assert!(!r.describe().is_empty());
                let _ = r.is_malformed_event();
            }
        }
    }
}

fn judge(policy: &OriginPolicy, origin: &str, name: &str, data: Option<&Js>) -> Result<(), Rejection> {
    policy.check(origin)?;
    let spec = embedded::check_name(name)?;
    let entries: Vec<(String, Js)> = match data {
        None | Some(Js::Null) if spec.is_some_and(|s| s.keys.is_empty()) => Vec::new(),
        Some(Js::Object(entries)) => entries.clone(),
        _ => return Err(Rejection::DataNotObject),
    };
    if let Some(spec) = spec {
        // A payload that differs from the catalog is delivered all the same, each difference named.
        for m in embedded::compare_payload(spec, |key| found(&entries, key)) {
            assert!(m.describe().starts_with(spec.name));
            assert!(m.marker().starts_with("data."));
        }
    }
    Ok(())
}
