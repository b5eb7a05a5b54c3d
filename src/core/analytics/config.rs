//! `cxbridge.analytics.configure(options)`: validation and merging. Calls merge (a later `configure({consent:
//! true})` keeps the endpoint given earlier) and are all-or-nothing: an invalid option leaves the previous
//! configuration untouched and the error names the option.

use super::delivery::Policy;
use super::{push_joined, AnalyticsError, Input, Source};
use crate::core::text::push_uint;

/// What goes over the wire to `endpoint`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A JSON array of envelopes (docs/analytics.md), what the emulator's collector takes.
    Envelope,
    /// Segment's `/v1/batch` body of `track` calls (also RudderStack's and Jitsu's).
    Segment,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub endpoint: Option<String>,
    /// The global the dataLayer pushes go to (`dataLayer` for `dataLayer: true`), or none.
    pub data_layer: Option<String>,
    sources: u8,
    /// Bus events to deliver, by exact name; `None` is all of them.
    pub bus_events: Option<Vec<String>>,
    pub format: Format,
    pub consent: bool,
    pub write_key: Option<String>,
    pub anonymous_id: Option<String>,
    pub policy: Policy,
}

const PREFIX: &str = "cxbridge.analytics.configure: ";

/// The option names `configure` knows; anything else is a typo worth an error.
pub const OPTIONS: [&str; 14] = [
    "endpoint",
    "dataLayer",
    "batchSize",
    "flushIntervalMs",
    "sources",
    "busEvents",
    "format",
    "consent",
    "writeKey",
    "anonymousId",
    "maxQueue",
    "retryBaseMs",
    "retryMaxMs",
    "maxEventBytes",
];

impl Default for Config {
    fn default() -> Self {
        Config {
            endpoint: None,
            data_layer: None,
            sources: 0x0f,
            bus_events: None,
            format: Format::Envelope,
            consent: true,
            write_key: None,
            anonymous_id: None,
            policy: Policy::default(),
        }
    }
}

impl Config {
    /// This configuration with `options` merged over it, or an error naming the first bad option.
    pub fn merged(&self, options: &Input) -> Result<Config, AnalyticsError> {
        let entries = match options {
            Input::Map(entries) => entries,
            o if o.is_absent() => return Err(msg("options must be an object, got ", o.type_name()).into()),
            o => return Err(msg("options must be an object, got ", o.type_name()).into()),
        };
        let mut c = self.clone();
        for (key, value) in entries {
            apply(&mut c, key, value)?;
        }
        if c.policy.retry_max_ms < c.policy.retry_base_ms {
            return Err(msg("retryMaxMs must be at least retryBaseMs", "").into());
        }
        if c.policy.max_queue < c.policy.batch_size {
            return Err(msg("maxQueue must be at least batchSize", "").into());
        }
        Ok(c)
    }

    /// Whether an event is delivered at all: its source is selected and, for the bus, its name is listed.
    pub fn accepts(&self, source: Source, name: &str) -> bool {
        if self.sources & source.bit() == 0 {
            return false;
        }
        match (&self.bus_events, source) {
            (Some(names), Source::CXBus) => names.iter().any(|n| n == name),
            _ => true,
        }
    }

    /// Whether the event goes anywhere at all once configured.
    pub fn has_destination(&self) -> bool {
        self.endpoint.is_some() || self.data_layer.is_some()
    }
}

/// What each option must be, in [`OPTIONS`] order: the words of its error, or for an integer its range.
const WANT: [&str; 14] = [
    "a non-empty string",
    "true, false or a global variable name",
    "",
    "",
    "an array of source names",
    "an array of bus event names",
    "'envelope' or 'segment'",
    "true or false",
    "a non-empty string",
    "a non-empty string",
    "",
    "",
    "",
    "",
];

/// The integer options' ranges, in [`OPTIONS`] order (`(0, 0)`: not an integer).
const RANGE: [(u32, u32); 14] = [
    (0, 0),
    (0, 0),
    (1, 1000),
    (0, 3_600_000),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (1, 10_000),
    (1, 600_000),
    (1, 3_600_000),
    (256, 60_000),
];

/// One option onto `c`. Each option only says whether its value was good; the error for a bad one is made in one
/// place from [`WANT`] and [`RANGE`] (per-option error paths were most of this reader's wasm). `c` is a copy that
/// is thrown away on an error, so a bad value may be stored before it is judged.
fn apply(c: &mut Config, key: &str, value: &Input) -> Result<(), String> {
    let Some(i) = OPTIONS.iter().position(|o| *o == key) else {
        let mut m = String::from(PREFIX);
        m.push_str("unknown option '");
        m.push_str(key);
        m.push_str("' (known: ");
        push_joined(&mut m, &OPTIONS, ", ");
        m.push(')');
        return Err(m);
    };
    let absent = value.is_absent();
    let text = match value {
        Input::Str(s) => Some(s.as_str()),
        _ => None,
    };
    let (min, max) = RANGE.get(i).copied().unwrap_or((0, 0));
    let int = match value {
        Input::Number(n) if n.fract() == 0.0 && *n >= f64::from(min) && *n <= f64::from(max) => {
            Some(*n as u64)
        }
        _ => None,
    };
    let ok = match i {
        0 => {
            if matches!(text, Some(s) if !endpoint_ok(s)) {
                return Err(msg(
                    "endpoint must be an http(s) URL or a path starting with '/'",
                    "",
                ));
            }
            c.endpoint = text.map(String::from);
            absent || text.is_some()
        }
        1 => {
            c.data_layer = match (value, text) {
                (Input::Bool(true), _) => Some("dataLayer".into()),
                (_, Some(s)) => Some(s.into()),
                _ => None,
            };
            matches!(value, Input::Bool(_)) || absent || text.is_some_and(is_identifier)
        }
        4 | 5 => {
            let bus = i == 5;
            let mut bits = 0x0f;
            let mut names = None;
            if let Input::List(items) = value {
                bits = 0;
                let mut list = Vec::with_capacity(items.len());
                for (j, item) in items.iter().enumerate() {
                    match item {
                        Input::Str(n) if bus && !n.is_empty() => list.push(n.clone()),
                        Input::Str(n) if !bus => match Source::parse(n) {
                            Some(s) => bits |= s.bit(),
                            None => return Err(unknown_source(j, n)),
                        },
                        other => {
                            let what = if bus {
                                "an event name such as 'WebChatService.started'"
                            } else {
                                "a source name"
                            };
                            return Err(expected(&index(key, j), what, other));
                        }
                    }
                }
                names = Some(list);
            }
            if bus {
                c.bus_events = names;
            } else {
                c.sources = bits;
            }
            absent || matches!(value, Input::List(_))
        }
        6 => {
            c.format = if text == Some("segment") {
                Format::Segment
            } else {
                Format::Envelope
            };
            absent || matches!(text, Some("envelope" | "segment"))
        }
        7 => {
            c.consent = matches!(value, Input::Bool(true));
            matches!(value, Input::Bool(_))
        }
        8 | 9 => {
            let s = text.filter(|s| !s.is_empty()).map(String::from);
            let ok = absent || s.is_some();
            if i == 8 {
                c.write_key = s;
            } else {
                c.anonymous_id = s;
            }
            ok
        }
        2 | 10 => {
            let n = int.unwrap_or(0) as usize;
            if i == 2 {
                c.policy.batch_size = n;
            } else {
                c.policy.max_queue = n;
            }
            int.is_some()
        }
        _ => {
            let p = &mut c.policy;
            *match i {
                3 => &mut p.flush_interval_ms,
                11 => &mut p.retry_base_ms,
                12 => &mut p.retry_max_ms,
                _ => &mut p.max_event_bytes,
            } = int.unwrap_or(0);
            int.is_some()
        }
    };
    if ok {
        return Ok(());
    }
    let mut what = String::from(WANT.get(i).copied().unwrap_or(""));
    if max > 0 {
        what.push_str("an integer from ");
        push_uint(&mut what, u64::from(min));
        what.push_str(" to ");
        push_uint(&mut what, u64::from(max));
    }
    let mut m = expected(key, &what, value);
    // Integers only: formatting any f64 would cost the wasm a float printer.
    if let (Input::Number(n), true) = (value, max > 0) {
        if n.fract() == 0.0 && n.abs() < 1e15 {
            m.push_str(" (");
            if *n < 0.0 {
                m.push('-');
            }
            push_uint(&mut m, n.abs() as u64);
            m.push(')');
        }
    }
    Err(m)
}

fn endpoint_ok(s: &str) -> bool {
    s.starts_with("https://") || s.starts_with("http://") || s.starts_with('/')
}

/// A name `window[name]` can sensibly hold for a tag manager (GTM allows renaming its dataLayer).
fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

fn unknown_source(i: usize, name: &str) -> String {
    let mut m = String::from(PREFIX);
    m.push_str(&index("sources", i));
    m.push_str(" is '");
    m.push_str(name);
    m.push_str("', not one of ac, CXBus, EngageDigitalEmbeddedUI, CIF");
    m
}

fn index(key: &str, i: usize) -> String {
    let mut s = String::from(key);
    s.push('[');
    push_uint(&mut s, i as u64);
    s.push(']');
    s
}

fn expected(key: &str, what: &str, got: &Input) -> String {
    let mut m = String::from(PREFIX);
    m.push_str(key);
    m.push_str(" must be ");
    m.push_str(what);
    m.push_str(", got ");
    m.push_str(got.type_name());
    m
}

fn msg(a: &str, b: &str) -> String {
    let mut m = String::from(PREFIX);
    m.push_str(a);
    m.push_str(b);
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(entries: Vec<(&str, Input)>) -> Input {
        Input::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
    fn s(v: &str) -> Input {
        Input::Str(v.into())
    }

    #[test]
    fn the_api_md_options_are_accepted() {
        let c = Config::default()
            .merged(&opts(vec![
                ("endpoint", s("http://127.0.0.1:8080/collector")),
                ("dataLayer", Input::Bool(true)),
                ("batchSize", Input::Number(5.0)),
                ("flushIntervalMs", Input::Number(250.0)),
                ("sources", Input::List(vec![s("ac"), s("CIF")])),
            ]))
            .unwrap();
        assert_eq!(c.endpoint.as_deref(), Some("http://127.0.0.1:8080/collector"));
        assert_eq!(c.data_layer.as_deref(), Some("dataLayer"));
        assert_eq!(c.policy.batch_size, 5);
        assert_eq!(c.policy.flush_interval_ms, 250);
        assert!(c.accepts(Source::Ac, "webchat:offered"));
        assert!(c.accepts(Source::Cif, "X"));
        assert!(!c.accepts(Source::CXBus, "WebChatService.started"));
    }

    #[test]
    fn later_calls_merge_so_consent_can_be_given_alone() {
        let c = Config::default()
            .merged(&opts(vec![
                ("endpoint", s("/collector")),
                ("consent", Input::Bool(false)),
            ]))
            .unwrap();
        let c = c.merged(&opts(vec![("consent", Input::Bool(true))])).unwrap();
        assert_eq!(c.endpoint.as_deref(), Some("/collector"));
        assert!(c.consent);
    }

    #[test]
    fn errors_name_the_option_and_leave_the_config_alone() {
        let base = Config::default();
        let e = base
            .merged(&opts(vec![("batchSize", Input::Number(0.0))]))
            .unwrap_err()
            .0;
        assert_eq!(
            e,
            "cxbridge.analytics.configure: batchSize must be an integer from 1 to 1000, got number (0)"
        );
        let e = base
            .merged(&opts(vec![("flushIntervalMs", s("5s"))]))
            .unwrap_err()
            .0;
        assert_eq!(
            e,
            "cxbridge.analytics.configure: flushIntervalMs must be an integer from 0 to 3600000, got string"
        );
        let e = base
            .merged(&opts(vec![("sources", Input::List(vec![s("ac"), s("cif")]))]))
            .unwrap_err()
            .0;
        assert_eq!(
            e,
            "cxbridge.analytics.configure: sources[1] is 'cif', not one of ac, CXBus, EngageDigitalEmbeddedUI, CIF"
        );
        let e = base.merged(&opts(vec![("endPoint", s("/x"))])).unwrap_err().0;
        assert!(e.starts_with("cxbridge.analytics.configure: unknown option 'endPoint' (known: endpoint,"));
        let e = base
            .merged(&opts(vec![("endpoint", s("ftp://x"))]))
            .unwrap_err()
            .0;
        assert_eq!(
            e,
            "cxbridge.analytics.configure: endpoint must be an http(s) URL or a path starting with '/'"
        );
        let e = base.merged(&s("x")).unwrap_err().0;
        assert_eq!(
            e,
            "cxbridge.analytics.configure: options must be an object, got string"
        );
        let e = base
            .merged(&opts(vec![("format", s("amplitude"))]))
            .unwrap_err()
            .0;
        assert_eq!(
            e,
            "cxbridge.analytics.configure: format must be 'envelope' or 'segment', got string"
        );
        let e = base
            .merged(&opts(vec![("dataLayer", s("not a name"))]))
            .unwrap_err()
            .0;
        assert!(e.contains("dataLayer must be true, false or a global variable name"));
        let e = base
            .merged(&opts(vec![
                ("retryBaseMs", Input::Number(5000.0)),
                ("retryMaxMs", Input::Number(1000.0)),
            ]))
            .unwrap_err()
            .0;
        assert_eq!(
            e,
            "cxbridge.analytics.configure: retryMaxMs must be at least retryBaseMs"
        );
    }

    #[test]
    fn bus_events_narrow_the_bus_only() {
        let c = Config::default()
            .merged(&opts(vec![(
                "busEvents",
                Input::List(vec![s("WebChatService.started")]),
            )]))
            .unwrap();
        assert!(c.accepts(Source::CXBus, "WebChatService.started"));
        assert!(!c.accepts(Source::CXBus, "WebChatService.ended"));
        assert!(c.accepts(Source::Ac, "webchat:offered"));
    }

    #[test]
    fn a_renamed_data_layer_and_segment_format() {
        let c = Config::default()
            .merged(&opts(vec![
                ("dataLayer", s("gtmLayer")),
                ("format", s("segment")),
                ("writeKey", s("WK")),
            ]))
            .unwrap();
        assert_eq!(c.data_layer.as_deref(), Some("gtmLayer"));
        assert_eq!(c.format, Format::Segment);
        assert_eq!(c.write_key.as_deref(), Some("WK"));
        assert!(c.has_destination());
        assert!(!Config::default().has_destination());
    }
}
