//! The RingCentral Engage Digital embedded UI: the `smcc:*` event catalog and the validation of posted messages.
//!
//! The vendor's own examples (docs/embedded.md) trust every `message` event a page receives. Here a message is
//! accepted only when it was dispatched by the browser, its origin is one the page listed, exactly, it comes from
//! the frame the page named, and it has the vendor's structure `{name: 'smcc:…', data: {…}}`.
//! The web shell decodes `event.data` and asks this module; nothing here touches the browser, so every rule is
//! tested natively.
//!
//! Rules the vendor's documentation is silent on, decided here:
//! - a known event whose payload differs from the catalog (a key missing, `null` where the catalog does not say
//!   "can be null", another type) is still delivered: each difference is a [`Mismatch`], warned about and marked on
//!   the analytics event, never a reason to lose the event (the vendor changes payloads; the page still needs
//!   them). Extra keys pass through (the vendor adds keys);
//! - a `Timestamp` is a number (the documented example is `1525856019.895`);
//! - an event whose catalog lists no keys (`smcc:user:disconnected`) may come without `data`;
//! - an `smcc:*` name not in the catalog passes through untyped (the vendor adds events);
//! - `data` must be JSON-like (plain objects, arrays, primitives), at most [`MAX_DEPTH`] levels deep and
//!   [`MAX_VALUES`] values in all, so that a cyclic or bottomless payload cannot reach the bus or analytics.
//!
//! The walk over `event.data` that applies those bounds is the shell's (`js/embedded.js`, tested there): reading a
//! page object without running its getters takes a Reflect call per property, which as wasm glue costs several
//! times the walk's size. The limits and every code the walk answers with are declared here and handed to it on
//! each call; it holds no number of its own.

/// How deep `data` may nest. Vendor payloads are flat; a cyclic payload hits this bound instead of a stack.
pub const MAX_DEPTH: usize = 32;
/// How many values (objects, arrays, primitives) `data` may hold in all.
pub const MAX_VALUES: usize = 10_000;
/// The longest event name accepted; vendor names are about 30 characters.
pub const MAX_NAME_LEN: usize = 128;
/// How many `allowedOrigins` `listen()` reads; a longer list is refused before any is copied.
pub const MAX_ORIGINS: usize = 1000;
/// Every vendor event name starts with this.
pub const PREFIX: &str = "smcc:";

/// The documented type of a catalog key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    String,
    /// Seconds since the epoch, as a number with a fraction (`1525856019.895`).
    Timestamp,
    Number,
    Boolean,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::Timestamp => "timestamp (number)",
            Kind::Number => "number",
            Kind::Boolean => "boolean",
        }
    }

    /// Whether a value of type `found` is one this key may hold.
    pub fn admits(self, found: Found, nullable: bool) -> bool {
        match found {
            Found::Null => nullable,
            Found::String => self == Kind::String,
            Found::Number => matches!(self, Kind::Number | Kind::Timestamp),
            Found::Boolean => self == Kind::Boolean,
            _ => false,
        }
    }
}

/// One key of an event payload, spelled as the vendor spells it (`Id`, `taskID`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub name: &'static str,
    pub kind: Kind,
    /// The vendor's table says "can be null".
    pub nullable: bool,
}

/// One event of the catalog.
#[derive(Debug, PartialEq, Eq)]
pub struct EventSpec {
    pub name: &'static str,
    pub keys: &'static [Key],
}

const fn s(name: &'static str) -> Key {
    Key {
        name,
        kind: Kind::String,
        nullable: false,
    }
}
const fn sn(name: &'static str) -> Key {
    Key {
        name,
        kind: Kind::String,
        nullable: true,
    }
}
const fn ts(name: &'static str) -> Key {
    Key {
        name,
        kind: Kind::Timestamp,
        nullable: false,
    }
}
const fn num(name: &'static str) -> Key {
    Key {
        name,
        kind: Kind::Number,
        nullable: false,
    }
}
const fn boolean(name: &'static str) -> Key {
    Key {
        name,
        kind: Kind::Boolean,
        nullable: false,
    }
}

const INTERVENTION: &[Key] = &[
    s("id"),
    s("authorId"),
    s("threadId"),
    s("inReplyToAuthorId"),
    s("inReplyToId"),
    s("interventionId"),
    ts("updatedAt"),
    s("sourceId"),
];

/// Every event of the vendor's "Event List", in its order, keys verbatim.
pub static CATALOG: &[EventSpec] = &[
    // Pull View
    EventSpec {
        name: "smcc:content:reply",
        keys: &[
            s("inReplyToId"),
            s("inReplyToAuthorId"),
            s("threadId"),
            s("interventionId"),
            s("firstIdentityId"),
            s("sourceId"),
            ts("lastUpdatedContentAt"),
        ],
    },
    EventSpec {
        name: "smcc:content:initiate_discussion",
        keys: &[s("body"), s("sourceId")],
    },
    EventSpec {
        name: "smcc:content:intervention_opened",
        keys: INTERVENTION,
    },
    EventSpec {
        name: "smcc:content:intervention_closed",
        keys: INTERVENTION,
    },
    EventSpec {
        name: "smcc:content_thread:selected",
        keys: &[s("id"), s("lastContentId"), s("firstIdentityId")],
    },
    EventSpec {
        name: "smcc:identity:show",
        keys: &[s("id"), s("threadId"), s("interventionId"), s("taskID")],
    },
    // Task View
    EventSpec {
        name: "smcc:task:selected",
        keys: &[
            s("Id"),
            s("contentId"),
            s("identityId"),
            s("interventionId"),
            s("sourceId"),
            s("queue"),
        ],
    },
    EventSpec {
        name: "smcc:task:ring",
        keys: &[
            s("Id"),
            s("contentId"),
            s("identityId"),
            s("interventionId"),
            s("sourceId"),
            s("queue"),
            s("body"),
            s("author"),
        ],
    },
    EventSpec {
        name: "smcc:task:missed",
        keys: &[
            s("Id"),
            s("contentId"),
            s("identityId"),
            s("interventionId"),
            s("sourceId"),
            s("queue"),
        ],
    },
    EventSpec {
        name: "smcc:task:updated",
        keys: &[
            s("Id"),
            s("channelId"),
            sn("contentId"),
            s("contentThreadId"),
            s("identityId"),
            sn("interventionId"),
            s("sourceId"),
            s("queue"),
            num("segmentIndex"),
            s("lastIdentityContentBody"),
            sn("lastIdentityContentCreatedAt"),
            boolean("waitingForUser"),
            sn("identitySignature"),
            sn("identityAvatarUrl"),
        ],
    },
    // Global Events
    EventSpec {
        name: "smcc:user:disconnected",
        keys: &[],
    },
];

/// The catalog entry for `name`, if the vendor documents it.
pub fn lookup(name: &str) -> Option<&'static EventSpec> {
    CATALOG.iter().find(|e| e.name == name)
}

/// What the shell found under a key: the JS type, refined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found {
    Missing,
    Undefined,
    Null,
    Boolean,
    Number,
    String,
    Array,
    Object,
    /// A function, symbol, bigint, or a value that could not be read.
    Other,
}

impl Found {
    /// Every variant, in declaration order: a variant's [`Found::code`] is its index here.
    pub const ALL: [Found; 9] = [
        Found::Missing,
        Found::Undefined,
        Found::Null,
        Found::Boolean,
        Found::Number,
        Found::String,
        Found::Array,
        Found::Object,
        Found::Other,
    ];

    /// The number this variant crosses the wasm boundary as: the shell hands the reader (`js/embedded.js`
    /// `found`) the code of each variant, which it answers with.
    pub const fn code(self) -> u32 {
        self as u32
    }

    /// The variant whose [`Found::code`] is `code`; a code no variant has reads as [`Found::Other`].
    pub fn from_code(code: u32) -> Found {
        Found::ALL.get(code as usize).copied().unwrap_or(Found::Other)
    }

    fn word(self) -> &'static str {
        match self {
            Found::Missing => "missing",
            Found::Undefined => "undefined",
            Found::Null => "null",
            Found::Boolean => "boolean",
            Found::Number => "number",
            Found::String => "string",
            Found::Array => "array",
            Found::Object => "object",
            Found::Other => "not a JSON value",
        }
    }
}

/// How a known event's payload differs from the catalog under one key. The event is delivered all the same; the
/// shell warns with [`Mismatch::describe`] and marks the analytics event with every [`Mismatch::marker`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mismatch {
    pub event: &'static str,
    pub key: &'static str,
    pub kind: Kind,
    pub nullable: bool,
    pub found: Found,
}

impl Mismatch {
    /// `data.taskID: expected string, got null`; `data.author: expected string, missing`.
    pub fn marker(&self) -> String {
        let mut out = String::with_capacity(64);
        out.push_str("data.");
        out.push_str(self.key);
        out.push_str(": expected ");
        out.push_str(self.kind.word());
        if self.nullable {
            out.push_str(" or null");
        }
        if self.found == Found::Missing {
            out.push_str(", missing");
        } else {
            out.push_str(", got ");
            out.push_str(self.found.word());
        }
        out
    }

    /// The console warning's text: `smcc:identity:show: data.taskID: expected string, got null`.
    pub fn describe(&self) -> String {
        let mut out = String::from(self.event);
        out.push_str(": ");
        out.push_str(&self.marker());
        out
    }
}

/// Why a message was not accepted. Every message that reaches a listener ends in exactly one accepted or one
/// rejected count; these are the reasons debug mode names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// Dispatched by a script (`dispatchEvent`), not by the browser: its origin and source are made up.
    Untrusted,
    /// `event.origin` is `"null"`: a sandboxed or `file:` frame, which any page can create.
    NullOrigin,
    /// `event.origin` is not one of `allowedOrigins`.
    Origin,
    /// `event.source` is not the window of the given frame.
    Source,
    /// `event.data` is not an object.
    NotAnObject,
    NameMissing,
    NameNotString,
    NameNotSmcc,
    /// Too long, or characters no event name has.
    NameMalformed,
    /// `event.data.data` is not an object.
    DataNotObject,
    TooDeep,
    TooLarge,
    /// A BigInt, Date, Map, Blob, function... somewhere in `data`.
    NotJson,
    /// Reading the message threw.
    Unreadable,
    /// The browser could not deserialize the data (`messageerror`).
    Undecodable,
}

impl Rejection {
    /// Every variant, in declaration order: a variant's [`Rejection::code`] is its index here.
    pub const ALL: [Rejection; 15] = [
        Rejection::Untrusted,
        Rejection::NullOrigin,
        Rejection::Origin,
        Rejection::Source,
        Rejection::NotAnObject,
        Rejection::NameMissing,
        Rejection::NameNotString,
        Rejection::NameNotSmcc,
        Rejection::NameMalformed,
        Rejection::DataNotObject,
        Rejection::TooDeep,
        Rejection::TooLarge,
        Rejection::NotJson,
        Rejection::Unreadable,
        Rejection::Undecodable,
    ];

    /// The number this variant crosses the wasm boundary as: the shell hands the reader (`js/embedded.js`) the
    /// code of each failure it may answer with.
    pub const fn code(self) -> u32 {
        self as u32
    }

    /// The variant whose [`Rejection::code`] is `code`; a code no variant has reads as [`Rejection::Unreadable`].
    pub fn from_code(code: u32) -> Rejection {
        Rejection::ALL
            .get(code as usize)
            .copied()
            .unwrap_or(Rejection::Unreadable)
    }

    /// A person-readable reason, for debug mode and warnings.
    pub fn describe(&self) -> &'static str {
        match self {
            Rejection::Untrusted => {
                "the event was dispatched by a script, not by the browser (isTrusted is false)"
            }
            Rejection::NullOrigin => {
                "its origin is \"null\" (a sandboxed or file: frame), which is never accepted"
            }
            Rejection::Origin => "its origin is not one of allowedOrigins",
            Rejection::Source => "event.source is not the window of the given frame",
            Rejection::NotAnObject => "event.data is not an object {name, data}",
            Rejection::NameMissing => "event.data.name is missing",
            Rejection::NameNotString => "event.data.name is not a string",
            Rejection::NameNotSmcc => "event.data.name does not start with \"smcc:\"",
            Rejection::NameMalformed => {
                "event.data.name is not an event name (a-z, 0-9, _ : -, at most 128 characters)"
            }
            Rejection::DataNotObject => "event.data.data is not an object",
            Rejection::TooDeep => "event.data.data is nested more than 32 levels deep (or is cyclic)",
            Rejection::TooLarge => "event.data.data holds more than 10000 values",
            Rejection::NotJson => {
                "event.data.data holds a value that is not JSON data (a BigInt, Date, Map...)"
            }
            Rejection::Unreadable => "event.data could not be read",
            Rejection::Undecodable => {
                "the browser could not deserialize the posted data (a messageerror event)"
            }
        }
    }

    /// A rejection of what looks like a vendor event from the expected frame: worth a warning even outside
    /// debug mode (the vendor changed a payload). Other rejections are messages not meant for this listener.
    pub fn is_malformed_event(&self) -> bool {
        matches!(
            self,
            Rejection::DataNotObject | Rejection::TooDeep | Rejection::TooLarge | Rejection::NotJson
        )
    }
}

/// Checks an event name: `Ok(Some(spec))` for a catalog event, `Ok(None)` for an `smcc:*` name the catalog does
/// not know (passed through untyped).
pub fn check_name(name: &str) -> Result<Option<&'static EventSpec>, Rejection> {
    let Some(rest) = name.strip_prefix(PREFIX) else {
        return Err(Rejection::NameNotSmcc);
    };
    let well_formed = name.len() <= MAX_NAME_LEN
        && !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'-'));
    if !well_formed {
        return Err(Rejection::NameMalformed);
    }
    Ok(lookup(name))
}

/// Whether `on`/`off` may use `name`: `'*'` or a well-formed `smcc:*` name.
pub fn is_subscribable(name: &str) -> bool {
    name == "*" || check_name(name).is_ok()
}

/// Compares the payload of a known event with the catalog: `found(key)` says what the payload holds under `key`.
/// Every documented key that is missing or holds another type is one [`Mismatch`], in the catalog's order; an
/// empty list means the payload is as documented. Never a rejection: the event is delivered either way.
pub fn compare_payload(spec: &'static EventSpec, mut found: impl FnMut(&str) -> Found) -> Vec<Mismatch> {
    let mut out = Vec::new();
    for key in spec.keys {
        let f = found(key.name);
        if !key.kind.admits(f, key.nullable) {
            out.push(Mismatch {
                event: spec.name,
                key: key.name,
                kind: key.kind,
                nullable: key.nullable,
                found: f,
            });
        }
    }
    out
}

/// Why `listen`, `on` or `off` refused what the page passed: the embedded bridge's one error, which the shell
/// throws as a JS `Error` whose message is its `Readable::message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EmbeddedError {
    /// `listen(options)`: not an object.
    OptionsNotObject,
    /// `allowedOrigins` is neither an array nor absent.
    OriginsNotArray,
    NoOrigins,
    Wildcard,
    NullOrigin,
    NotAString(usize),
    NotAnOrigin(usize, String),
    /// `frame` is neither an `<iframe>` element nor a window.
    NotAFrame,
    /// `listen()` where there is no window to listen on.
    NoWindow,
    /// `on`/`off` (the method) with a name that is neither `'*'` nor an `smcc:*` event name.
    NotAnEventName(&'static str),
    /// `on` with a callback that is not a function.
    NotAFunction,
}

impl crate::core::text::Readable for EmbeddedError {
    fn message(self) -> String {
        let mut out = String::from("cxbridge.embedded.");
        out.push_str(match &self {
            EmbeddedError::NotAnEventName(method) => method,
            EmbeddedError::NotAFunction => "on",
            _ => "listen",
        });
        out.push_str(": ");
        match &self {
            EmbeddedError::OptionsNotObject => {
                out.push_str("options must be an object { allowedOrigins: ['https://…'], frame }")
            }
            EmbeddedError::OriginsNotArray => out.push_str(
                "allowedOrigins must be an array of exact origins, e.g. ['https://acme.digital.ringcentral.com']",
            ),
            EmbeddedError::NoOrigins => out.push_str(
                "allowedOrigins is empty, so no message could ever be accepted: list the exact origins of the \
                 embedded UI (e.g. 'https://acme.digital.ringcentral.com'), or pass allowAnyOrigin: true to accept \
                 every origin",
            ),
            EmbeddedError::Wildcard => out.push_str(
                "'*' in allowedOrigins would accept messages from any site: list exact origins, or pass \
                 allowAnyOrigin: true if that is really meant",
            ),
            EmbeddedError::NullOrigin => out.push_str(
                "the origin 'null' is never accepted: it is the origin of sandboxed and file: frames, which any \
                 page can create",
            ),
            EmbeddedError::NotAString(i) => {
                out.push_str("allowedOrigins[");
                crate::core::text::push_decimal(&mut out, *i);
                out.push_str("] is not a string");
            }
            EmbeddedError::NotAnOrigin(i, value) => {
                out.push_str("allowedOrigins[");
                crate::core::text::push_decimal(&mut out, *i);
                out.push_str("] '");
                out.push_str(value);
                out.push_str(
                    "' is not an origin as event.origin spells it: scheme://host[:port], lowercase, with no path, \
                     no trailing slash and no default port",
                );
            }
            EmbeddedError::NotAFrame => {
                out.push_str("frame must be the <iframe> element of the embedded UI, or its window")
            }
            EmbeddedError::NoWindow => out.push_str("there is no window"),
            EmbeddedError::NotAnEventName(_) => out.push_str(
                "the name must be an smcc:* event name, e.g. 'smcc:task:ring', or '*' for every event",
            ),
            EmbeddedError::NotAFunction => out.push_str("the callback must be a function"),
        }
        out
    }
}

/// Which origins a listener accepts. Matching is string equality with `event.origin`: no prefix, suffix,
/// substring or pattern, so `http://127.0.0.1` never matches `http://127.0.0.1:8080` nor the reverse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OriginPolicy {
    allowed: Vec<String>,
    any: bool,
}

impl OriginPolicy {
    /// `origins` as the page gave them (`None` for an item that is not a string). `allow_any` is the documented
    /// opt-in (`allowAnyOrigin: true`) without which an empty list or `'*'` is refused.
    pub fn new(origins: Vec<Option<String>>, allow_any: bool) -> Result<Self, EmbeddedError> {
        let mut allowed = Vec::with_capacity(origins.len());
        for (i, origin) in origins.into_iter().enumerate() {
            let origin = origin.ok_or(EmbeddedError::NotAString(i))?;
            if origin == "*" {
                if allow_any {
                    continue;
                }
                return Err(EmbeddedError::Wildcard);
            }
            if origin == "null" {
                return Err(EmbeddedError::NullOrigin);
            }
            if !is_serialized_origin(&origin) {
                return Err(EmbeddedError::NotAnOrigin(i, origin));
            }
            allowed.push(origin);
        }
        if allowed.is_empty() && !allow_any {
            return Err(EmbeddedError::NoOrigins);
        }
        Ok(OriginPolicy {
            allowed,
            any: allow_any,
        })
    }

    /// Whether a message from `origin` (as `event.origin` gives it) may be accepted.
    pub fn check(&self, origin: &str) -> Result<(), Rejection> {
        if origin == "null" {
            return Err(Rejection::NullOrigin);
        }
        if self.any || self.allowed.iter().any(|a| a == origin) {
            Ok(())
        } else {
            Err(Rejection::Origin)
        }
    }
}

/// Whether `s` is spelled as a browser serializes an origin (`event.origin`): `scheme://host[:port]` with a
/// lowercase scheme and host, no path, no trailing slash, no credentials and no default port. A list entry in
/// any other spelling could never match exactly, so `listen()` says so instead of silently accepting nothing.
pub fn is_serialized_origin(s: &str) -> bool {
    // Bytes, not str patterns: a str searcher and its slicing panics cost kilobytes of wasm.
    let b = s.as_bytes();
    let Some(colon) = b.iter().position(|&c| c == b':') else {
        return false;
    };
    let (scheme, rest) = b.split_at(colon);
    let Some(rest) = rest.strip_prefix(b"://") else {
        return false;
    };
    let scheme_ok = scheme.first().is_some_and(|c| c.is_ascii_lowercase())
        && scheme
            .iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'+' | b'-' | b'.'));
    if !scheme_ok {
        return false;
    }
    let (host_ok, port) = if let Some(v6) = rest.strip_prefix(b"[") {
        let Some(close) = v6.iter().position(|&c| c == b']') else {
            return false;
        };
        let (inner, after) = v6.split_at(close);
        let ok = !inner.is_empty()
            && inner
                .iter()
                .all(|&c| matches!(c, b'0'..=b'9' | b'a'..=b'f' | b':' | b'.'));
        match after.get(1..).unwrap_or_default() {
            [] => (ok, None),
            [b':', p @ ..] => (ok, Some(p)),
            _ => return false,
        }
    } else {
        let (host, port) = match rest.iter().position(|&c| c == b':') {
            Some(i) => {
                let (h, p) = rest.split_at(i);
                (h, p.get(1..))
            }
            None => (rest, None),
        };
        let ok = host.first().is_some_and(|&c| c != b'.')
            && host
                .iter()
                .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'_'));
        (ok, port)
    };
    if !host_ok {
        return false;
    }
    match port {
        None => true,
        Some(p) => {
            if p.is_empty() || p.len() > 5 || p.first() == Some(&b'0') {
                return false;
            }
            let mut n: u32 = 0;
            for &c in p {
                if !c.is_ascii_digit() {
                    return false;
                }
                n = n * 10 + u32::from(c - b'0');
            }
            let default = matches!((scheme, n), (b"http" | b"ws", 80) | (b"https" | b"wss", 443));
            n <= 65_535 && !default
        }
    }
}

/// The counters `cxbridge.embedded.stats()` reports: every message a listener saw is exactly one of the two.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub accepted: u64,
    pub rejected: u64,
}

impl Stats {
    pub fn count(&mut self, accepted: bool) {
        if accepted {
            self.accepted = self.accepted.saturating_add(1);
        } else {
            self.rejected = self.rejected.saturating_add(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::text::Readable;

    fn policy(list: &[&str]) -> Result<OriginPolicy, EmbeddedError> {
        OriginPolicy::new(list.iter().map(|s| Some(s.to_string())).collect(), false)
    }

    #[test]
    fn the_catalog_has_every_documented_event_with_keys_verbatim() {
        let names: Vec<_> = CATALOG.iter().map(|e| e.name).collect();
        assert_eq!(
            names,
            [
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
            ]
        );
        let ring = lookup("smcc:task:ring").unwrap();
        assert_eq!(ring.keys.first().unwrap().name, "Id");
        let show = lookup("smcc:identity:show").unwrap();
        assert!(show.keys.iter().any(|k| k.name == "taskID"));
        let updated = lookup("smcc:task:updated").unwrap();
        let nullable: Vec<_> = updated
            .keys
            .iter()
            .filter(|k| k.nullable)
            .map(|k| k.name)
            .collect();
        assert_eq!(
            nullable,
            [
                "contentId",
                "interventionId",
                "lastIdentityContentCreatedAt",
                "identitySignature",
                "identityAvatarUrl"
            ]
        );
        assert_eq!(updated.keys.len(), 14);
    }

    #[test]
    fn origins_match_exactly_and_never_by_prefix_suffix_or_substring() {
        let p = policy(&["http://127.0.0.1:8080"]).unwrap();
        assert_eq!(p.check("http://127.0.0.1:8080"), Ok(()));
        for other in [
            "http://127.0.0.1",
            "http://127.0.0.1:80800",
            "http://127.0.0.1:8080.evil",
            "http://evil.127.0.0.1:8080",
            "https://127.0.0.1:8080",
            "http://127.0.0.1:808",
            "http://127a0a0a1:8080",
            "HTTP://127.0.0.1:8080",
            "",
        ] {
            assert_eq!(p.check(other), Err(Rejection::Origin), "{other}");
        }
        assert_eq!(p.check("null"), Err(Rejection::NullOrigin));
    }

    #[test]
    fn null_is_refused_even_when_any_origin_is_allowed() {
        let p = OriginPolicy::new(vec![Some("*".into())], true).unwrap();
        assert_eq!(p.check("https://anything.example"), Ok(()));
        assert_eq!(p.check("null"), Err(Rejection::NullOrigin));
        let p = OriginPolicy::new(vec![], true).unwrap();
        assert_eq!(p.check("null"), Err(Rejection::NullOrigin));
    }

    #[test]
    fn listen_refuses_empty_wildcard_null_and_misspelled_origins() {
        assert_eq!(policy(&[]), Err(EmbeddedError::NoOrigins));
        assert_eq!(policy(&["*"]), Err(EmbeddedError::Wildcard));
        assert_eq!(policy(&["https://a.example", "*"]), Err(EmbeddedError::Wildcard));
        assert_eq!(policy(&["null"]), Err(EmbeddedError::NullOrigin));
        assert_eq!(
            OriginPolicy::new(vec![Some("https://a.example".into()), None], false),
            Err(EmbeddedError::NotAString(1))
        );
        for bad in [
            "https://a.example/",
            "https://a.example/path",
            "https://A.example",
            "a.example",
            "https://",
            "https://a.example:443",
            "http://a.example:80",
            "https://a.example:0443",
            "https://a.example:99999",
            "https://user@a.example",
            "https://a.example?x",
            "https://*.example",
            " https://a.example",
        ] {
            assert!(
                matches!(policy(&[bad]), Err(EmbeddedError::NotAnOrigin(0, _))),
                "{bad}"
            );
        }
        for good in [
            "https://acme.digital.ringcentral.com",
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:8080",
            "https://a.example:8443",
        ] {
            assert!(policy(&[good]).is_ok(), "{good}");
        }
        let msg = EmbeddedError::NotAnOrigin(12, "x".into()).message();
        assert!(
            msg.starts_with("cxbridge.embedded.listen: allowedOrigins[12] 'x' is not an origin"),
            "{msg}"
        );
        assert!(EmbeddedError::NoOrigins
            .message()
            .contains("allowAnyOrigin: true"));
        assert_eq!(
            EmbeddedError::NotAnEventName("off").message(),
            "cxbridge.embedded.off: the name must be an smcc:* event name, e.g. 'smcc:task:ring', or '*' for \
             every event"
        );
        assert_eq!(
            EmbeddedError::NotAFunction.message(),
            "cxbridge.embedded.on: the callback must be a function"
        );
        assert_eq!(
            EmbeddedError::OptionsNotObject.message(),
            "cxbridge.embedded.listen: options must be an object { allowedOrigins: ['https://…'], frame }"
        );
    }

    #[test]
    fn names_must_be_smcc_and_well_formed_unknown_ones_pass_untyped() {
        assert_eq!(check_name("smcc:task:ring"), Ok(lookup("smcc:task:ring")));
        assert_eq!(check_name("smcc:task:new_thing"), Ok(None));
        assert_eq!(check_name("task:ring"), Err(Rejection::NameNotSmcc));
        assert_eq!(check_name("SMCC:task:ring"), Err(Rejection::NameNotSmcc));
        assert_eq!(check_name("smcc:"), Err(Rejection::NameMalformed));
        assert_eq!(check_name("smcc:a b"), Err(Rejection::NameMalformed));
        assert_eq!(check_name("smcc:__proto__.x"), Err(Rejection::NameMalformed));
        let long = "smcc:".to_string() + &"a".repeat(200);
        assert_eq!(check_name(&long), Err(Rejection::NameMalformed));
        assert!(is_subscribable("*"));
        assert!(is_subscribable("smcc:anything"));
        assert!(!is_subscribable("webchat:all"));
    }

    fn markers(list: &[Mismatch]) -> Vec<String> {
        list.iter().map(Mismatch::marker).collect()
    }

    #[test]
    fn payloads_are_compared_with_the_catalog_nullable_only_where_the_vendor_says() {
        let updated = lookup("smcc:task:updated").unwrap();
        let good = |key: &str| match key {
            "segmentIndex" => Found::Number,
            "waitingForUser" => Found::Boolean,
            "contentId" | "identityAvatarUrl" => Found::Null,
            _ => Found::String,
        };
        assert_eq!(compare_payload(updated, good), vec![]);
        let null_id = |key: &str| if key == "Id" { Found::Null } else { good(key) };
        let diff = compare_payload(updated, null_id);
        assert_eq!(markers(&diff), ["data.Id: expected string, got null"]);
        assert_eq!(
            diff.first().unwrap().describe(),
            "smcc:task:updated: data.Id: expected string, got null"
        );
        let missing = |key: &str| {
            if key == "waitingForUser" {
                Found::Missing
            } else {
                good(key)
            }
        };
        assert_eq!(
            markers(&compare_payload(updated, missing)),
            ["data.waitingForUser: expected boolean, missing"]
        );
        let reply = lookup("smcc:content:reply").unwrap();
        assert_eq!(
            markers(&compare_payload(reply, |_: &str| Found::String)),
            ["data.lastUpdatedContentAt: expected timestamp (number), got string"]
        );
        let stamp_number = |key: &str| {
            if key == "lastUpdatedContentAt" {
                Found::Number
            } else {
                Found::String
            }
        };
        assert_eq!(compare_payload(reply, stamp_number), vec![]);
        assert_eq!(
            markers(&compare_payload(updated, |k| if k == "contentId" {
                Found::Number
            } else {
                good(k)
            })),
            ["data.contentId: expected string or null, got number"]
        );
        assert_eq!(
            compare_payload(lookup("smcc:user:disconnected").unwrap(), |_| Found::Missing),
            vec![]
        );
    }

    #[test]
    fn every_difference_is_listed_in_the_catalogs_order() {
        let show = lookup("smcc:identity:show").unwrap();
        let diff = compare_payload(show, |k| match k {
            "taskID" => Found::Null,
            "threadId" => Found::Missing,
            "interventionId" => Found::Array,
            _ => Found::String,
        });
        assert_eq!(
            markers(&diff),
            [
                "data.threadId: expected string, missing",
                "data.interventionId: expected string, got array",
                "data.taskID: expected string, got null",
            ]
        );
        let ring = lookup("smcc:task:ring").unwrap();
        assert_eq!(compare_payload(ring, |_| Found::Other).len(), ring.keys.len());
        assert_eq!(
            compare_payload(ring, |_| Found::Other).first().unwrap().marker(),
            "data.Id: expected string, got not a JSON value"
        );
    }

    #[test]
    fn every_code_maps_back_to_its_variant() {
        for (i, r) in Rejection::ALL.into_iter().enumerate() {
            assert_eq!(r.code() as usize, i);
            assert_eq!(Rejection::from_code(r.code()), r);
        }
        assert_eq!(Rejection::from_code(99), Rejection::Unreadable);
        for (i, f) in Found::ALL.into_iter().enumerate() {
            assert_eq!(f.code() as usize, i);
            assert_eq!(Found::from_code(f.code()), f);
        }
        assert_eq!(Found::from_code(99), Found::Other);
    }

    #[test]
    fn counters_add_up() {
        let mut s = Stats::default();
        s.count(true);
        s.count(false);
        s.count(false);
        assert_eq!(
            s,
            Stats {
                accepted: 1,
                rejected: 2
            }
        );
    }

    #[test]
    fn only_payload_faults_count_as_malformed_vendor_events() {
        assert!(!Rejection::Origin.is_malformed_event());
        assert!(!Rejection::NameNotSmcc.is_malformed_event());
        assert!(Rejection::DataNotObject.is_malformed_event());
        assert!(Rejection::TooDeep.is_malformed_event());
    }
}
