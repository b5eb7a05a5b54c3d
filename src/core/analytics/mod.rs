//! Analytics: every event the page sees (ac web actions, bus events, embedded `smcc:*` events, CIF's
//! `logAnalyticsEvent`) becomes an envelope `{id, source, event: {name, data}, timestamp}` delivered at least once
//! to a collector and/or `window.dataLayer`.
//!
//! The core decides; the shell (`web::analytics`) serializes with `JSON.stringify`, measures, stores and sends.
//! So the core sees an envelope only as its id and its byte length, and the page's payloads only as an [`Input`]
//! tree when it must validate them (configure options, CIF's `data`).

pub mod cif;
pub mod config;
pub mod delivery;
pub mod outbox;
pub mod problem;

/// Where an event came from: the `source` of its envelope, and the middle part of its dataLayer event name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Genesys Journey SDK web actions (`ac('on', ...)`).
    Ac,
    /// Genesys Widgets bus events.
    CXBus,
    /// RingCentral Engage Digital embedded UI `smcc:*` events.
    EngageDigitalEmbeddedUI,
    /// CIF `logAnalyticsEvent`.
    Cif,
}

impl Source {
    /// Every source, in the order the docs list them.
    pub const ALL: [Source; 4] = [
        Source::Ac,
        Source::CXBus,
        Source::EngageDigitalEmbeddedUI,
        Source::Cif,
    ];

    /// The wire name, as docs/analytics.md spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Ac => "ac",
            Source::CXBus => "CXBus",
            Source::EngageDigitalEmbeddedUI => "EngageDigitalEmbeddedUI",
            Source::Cif => "CIF",
        }
    }

    pub fn parse(name: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.as_str() == name)
    }

    fn bit(self) -> u8 {
        match self {
            Source::Ac => 1,
            Source::CXBus => 2,
            Source::EngageDigitalEmbeddedUI => 4,
            Source::Cif => 8,
        }
    }
}

/// Why `configure` options or CIF's `logAnalyticsEvent` arguments were refused: the whole message, naming the
/// option or the field. (Delivery problems are [`problem::Problem`], which can also be a warning.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnalyticsError(pub String);

impl From<String> for AnalyticsError {
    fn from(message: String) -> Self {
        AnalyticsError(message)
    }
}

impl crate::core::text::Readable for AnalyticsError {
    fn message(self) -> String {
        self.0
    }
}

/// A JS value as far as validation needs to see it. The shell converts only a few levels deep; below that a
/// container is [`Input::Other`] with its type name, which is enough to say "must be a string".
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// `undefined`, or a key that is not there.
    Missing,
    Null,
    Bool(bool),
    Number(f64),
    Str(String),
    List(Vec<Input>),
    Map(Vec<(String, Input)>),
    /// Anything else (a function, a symbol, a bigint, a container below the conversion depth), by type name.
    Other(&'static str),
}

static MISSING: Input = Input::Missing;

impl Input {
    /// The value under `key` of a map; [`Input::Missing`] for anything else.
    pub fn get(&self, key: &str) -> &Input {
        match self {
            Input::Map(entries) => entries
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v)
                .unwrap_or(&MISSING),
            _ => &MISSING,
        }
    }

    /// The name a JS developer would use for this value's type in an error message.
    pub fn type_name(&self) -> &'static str {
        match self {
            Input::Missing => "undefined",
            Input::Null => "null",
            Input::Bool(_) => "boolean",
            Input::Number(_) => "number",
            Input::Str(_) => "string",
            Input::List(_) => "array",
            Input::Map(_) => "object",
            Input::Other(t) => t,
        }
    }

    /// `undefined` and `null` both mean "not given" for optional fields.
    pub fn is_absent(&self) -> bool {
        matches!(self, Input::Missing | Input::Null)
    }
}

/// `Retry-After` as delta-seconds (RFC 9110 §10.2.3), in milliseconds. The HTTP-date form needs a date parser;
/// the shell hands that one to `Date.parse`.
pub fn retry_after_seconds(value: &str) -> Option<u64> {
    let mut secs: Option<u64> = None;
    let mut ended = false;
    for b in value.bytes() {
        match b {
            b'0'..=b'9' if !ended => {
                let n = secs.unwrap_or(0);
                secs = Some(n.saturating_mul(10).saturating_add(u64::from(b - b'0')));
            }
            b' ' | b'\t' => ended = secs.is_some(),
            _ => return None,
        }
    }
    secs.map(|s| s.saturating_mul(1000))
}

/// Appends `parts` separated by `sep` (what `join` does, without its generic code in the wasm).
pub fn push_joined<S: AsRef<str>>(out: &mut String, parts: &[S], sep: &str) {
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(p.as_ref());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_round_trip_their_wire_names() {
        for s in Source::ALL {
            assert_eq!(Source::parse(s.as_str()), Some(s));
        }
        assert_eq!(
            Source::parse("cif"),
            None,
            "names are case-sensitive, as docs/analytics.md spells them"
        );
    }

    #[test]
    fn retry_after_takes_delta_seconds_only() {
        assert_eq!(retry_after_seconds("3"), Some(3000));
        assert_eq!(retry_after_seconds(" 120 "), Some(120_000));
        assert_eq!(retry_after_seconds("-1"), None);
        assert_eq!(retry_after_seconds("1.5"), None);
        assert_eq!(
            retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT"),
            None,
            "dates are the shell's job"
        );
    }

    #[test]
    fn push_joined_separates_parts() {
        let mut s = String::new();
        push_joined(&mut s, &["a", "b", "c"], ", ");
        assert_eq!(s, "a, b, c");
    }

    #[test]
    fn input_get_is_missing_for_absent_keys_and_non_maps() {
        let m = Input::Map(vec![("a".into(), Input::Number(1.0))]);
        assert_eq!(m.get("a"), &Input::Number(1.0));
        assert_eq!(m.get("b"), &Input::Missing);
        assert_eq!(Input::Str("x".into()).get("a"), &Input::Missing);
    }
}
