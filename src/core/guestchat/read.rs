//! Reading what the server sent: a frame, an answer. The browser parses the JSON (`JSON.parse`, faster than
//! anything the wasm could carry); the core reads the parsed value by field name through [`Json`]
//! ([`crate::core::text`]'s reader, which the shell implements over a JS value and the tests over a small tree).
//! Which fields of the Guest Chat API mean what, and what an absent or mistyped one becomes, is decided here.

use super::{Created, Expect, MessagePage, RawFrame, Reply, WireMember, WireMessage};
/// The reader is the core's, shared with the other APIs read by field name; named here too for the shell.
pub use crate::core::text::{opt, text_of, Json};

/// A message (an object): id, `sender.id`, body, bodyType (`standard` when absent), timestamp and its ms.
pub fn message(m: &impl Json) -> WireMessage {
    let ts = m.field("timestamp");
    WireMessage {
        id: text_of(m, "id"),
        sender_id: text_of(&m.field("sender"), "id"),
        body: text_of(m, "body"),
        body_type: opt(m, "bodyType").unwrap_or_else(|| "standard".into()),
        timestamp_ms: ts.time(),
        timestamp: ts.text().unwrap_or_default(),
    }
}

/// A member: one with a string id, or none.
pub fn member(m: &impl Json) -> Option<WireMember> {
    Some(WireMember {
        id: opt(m, "id")?,
        display_name: opt(m, "displayName"),
        role: opt(m, "role"),
        state: opt(m, "state"),
        avatar_image_url: opt(m, "avatarImageUrl"),
    })
}

/// A stream frame (`parsed` when its text is JSON): topic, `metadata.type`, the body as a message when it has an
/// id or a sender, `eventBody.member`, and the heartbeat's text (or the raw text of a frame that is not JSON).
pub fn frame<J: Json>(parsed: Option<J>, raw: &str) -> RawFrame {
    let Some(v) = parsed else {
        return RawFrame {
            text: Some(raw.to_string()),
            ..Default::default()
        };
    };
    let body = v.field("eventBody");
    // (A body that is not an object has no fields: nothing of it is read.)
    let has_message = body.field("id").is_present() || body.field("sender").is_object();
    let m = body.field("member");
    RawFrame {
        topic: text_of(&v, "topicName"),
        kind: v.field("metadata").field("type").text(),
        message: has_message.then(|| message(&body)),
        member: member(&m),
        text: opt(&body, "message").or_else(|| opt(&v, "message")),
    }
}

/// A 2xx answer as the request expects it (`parsed` when its text is JSON); `None` when it does not fit.
pub fn reply<J: Json>(expect: Expect, parsed: Option<J>) -> Option<Reply> {
    if expect == Expect::Nothing {
        return Some(Reply::None);
    }
    let v = parsed?;
    Some(match expect {
        Expect::Nothing => Reply::None,
        Expect::Created => Reply::Created(Created {
            conversation_id: opt(&v, "id")?,
            member_id: v.field("member").field("id").text()?,
            jwt: opt(&v, "jwt")?,
            event_stream_uri: opt(&v, "eventStreamUri")?,
        }),
        Expect::Message => {
            if !v.is_object() {
                return None;
            }
            Reply::Message(message(&v))
        }
        Expect::Messages => {
            let mut entities = Vec::new();
            for m in v.field("entities").items() {
                if m.is_object() {
                    entities.push(message(&m));
                }
            }
            Reply::Messages(MessagePage {
                entities,
                next: opt(&v, "next").filter(|s| !s.is_empty()),
                previous: opt(&v, "previousPage").filter(|s| !s.is_empty()),
            })
        }
        Expect::Members => {
            let mut list = Vec::new();
            for m in v.field("entities").items() {
                list.extend(member(&m));
            }
            Reply::Members(list)
        }
        Expect::Member => Reply::Member(member(&v)?),
        // The other API's answer, read by its own reader (`webmessaging::read::reply`): a shell that carries
        // that transport asks it, and one that does not links none of it.
        Expect::MessagingHistory => return None,
    })
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A parsed JSON value for the tests.
    #[derive(Debug, Clone, PartialEq)]
    pub enum T {
        None,
        Null,
        Bool(bool),
        Num(f64),
        Str(String),
        Arr(Vec<T>),
        Obj(Vec<(String, T)>),
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)` as ms since the epoch, as `Date.parse` reads the timestamps the server
    /// writes; 0 for anything else.
    fn iso_ms(s: &str) -> f64 {
        let b = s.as_bytes();
        let num = |from: usize, len: usize| -> Option<i64> {
            let d = b.get(from..from + len)?;
            d.iter().try_fold(0i64, |a, c| {
                c.is_ascii_digit().then(|| a * 10 + i64::from(c - b'0'))
            })
        };
        let sep = |at: usize, c: u8| b.get(at) == Some(&c);
        let parse = || -> Option<f64> {
            if !(sep(4, b'-')
                && sep(7, b'-')
                && (sep(10, b'T') || sep(10, b't'))
                && sep(13, b':')
                && sep(16, b':'))
            {
                return None;
            }
            let (y, mo, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
            let (h, mi, sec) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
            if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 24 || mi > 59 || sec > 59 {
                return None;
            }
            let mut at = 19;
            let mut ms = 0i64;
            if sep(at, b'.') {
                at += 1;
                let mut scale = 100;
                while let Some(c) = b.get(at).filter(|c| c.is_ascii_digit()) {
                    ms += i64::from(c - b'0') * scale;
                    scale /= 10;
                    at += 1;
                }
            }
            let offset = match b.get(at) {
                Some(b'Z' | b'z') if at + 1 == b.len() => 0,
                Some(&c @ (b'+' | b'-')) if at + 6 == b.len() && sep(at + 3, b':') => {
                    let o = num(at + 1, 2)? * 60 + num(at + 4, 2)?;
                    if c == b'+' {
                        o
                    } else {
                        -o
                    }
                }
                _ => return None,
            };
            // Howard Hinnant's days-from-civil.
            let y = if mo <= 2 { y - 1 } else { y };
            let era = y.div_euclid(400);
            let yoe = y - era * 400;
            let mp = (mo + 9) % 12;
            let doy = (153 * mp + 2) / 5 + d - 1;
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
            let days = era * 146_097 + doe - 719_468;
            let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset * 60;
            Some((secs * 1000 + ms) as f64)
        };
        parse().unwrap_or(0.0)
    }

    /// A JSON text as the browser's `JSON.parse` would give it, for tests that write frames down as text.
    /// Panics on anything that is not JSON.
    pub fn parse(text: &str) -> T {
        let b = text.as_bytes();
        let mut at = 0;
        let v = value(b, &mut at);
        skip(b, &mut at);
        assert_eq!(at, b.len(), "trailing text in {text}");
        v
    }

    fn skip(b: &[u8], at: &mut usize) {
        while b.get(*at).is_some_and(|c| c.is_ascii_whitespace()) {
            *at += 1;
        }
    }

    fn value(b: &[u8], at: &mut usize) -> T {
        skip(b, at);
        let rest = &b[*at..];
        for (word, v) in [
            ("null", T::Null),
            ("true", T::Bool(true)),
            ("false", T::Bool(false)),
        ] {
            if rest.starts_with(word.as_bytes()) {
                *at += word.len();
                return v;
            }
        }
        match rest.first() {
            Some(b'"') => T::Str(string(b, at)),
            Some(b'[') => {
                *at += 1;
                let mut items = Vec::new();
                loop {
                    skip(b, at);
                    match b[*at] {
                        b']' => {
                            *at += 1;
                            return T::Arr(items);
                        }
                        b',' => *at += 1,
                        _ => items.push(value(b, at)),
                    }
                }
            }
            Some(b'{') => {
                *at += 1;
                let mut fields = Vec::new();
                loop {
                    skip(b, at);
                    match b[*at] {
                        b'}' => {
                            *at += 1;
                            return T::Obj(fields);
                        }
                        b',' => *at += 1,
                        _ => {
                            let k = string(b, at);
                            skip(b, at);
                            assert_eq!(b[*at], b':');
                            *at += 1;
                            fields.push((k, value(b, at)));
                        }
                    }
                }
            }
            _ => {
                let start = *at;
                while b.get(*at).is_some_and(|c| b"+-.eE0123456789".contains(c)) {
                    *at += 1;
                }
                let n = std::str::from_utf8(&b[start..*at]).unwrap_or("");
                T::Num(n.parse().unwrap_or_else(|_| panic!("not JSON at {start}")))
            }
        }
    }

    fn string(b: &[u8], at: &mut usize) -> String {
        assert_eq!(b[*at], b'"');
        *at += 1;
        let mut out = Vec::new();
        loop {
            let c = b[*at];
            *at += 1;
            match c {
                b'"' => return String::from_utf8(out).unwrap_or_default(),
                b'\\' => {
                    let e = b[*at];
                    *at += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let hex = std::str::from_utf8(&b[*at..*at + 4]).unwrap_or("0");
                            *at += 4;
                            let ch = char::from_u32(u32::from_str_radix(hex, 16).unwrap_or(0xFFFD))
                                .unwrap_or('\u{FFFD}');
                            out.extend_from_slice(ch.to_string().as_bytes());
                        }
                        other => out.push(other),
                    }
                }
                c => out.push(c),
            }
        }
    }

    #[test]
    fn the_test_parser_reads_json_text() {
        assert_eq!(
            parse(r#" {"a": [1, -2.5e1, "x\"y\u00e9"], "b": {"c": null, "d": true}, "e": false} "#),
            o(&[
                ("a", T::Arr(vec![T::Num(1.0), T::Num(-25.0), s("x\"yé")])),
                ("b", o(&[("c", T::Null), ("d", T::Bool(true))])),
                ("e", T::Bool(false)),
            ])
        );
    }

    pub fn s(v: &str) -> T {
        T::Str(v.into())
    }

    pub fn o(fields: &[(&str, T)]) -> T {
        T::Obj(fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    impl Json for T {
        fn field(&self, k: &str) -> T {
            match self {
                T::Obj(f) => f.iter().find(|(n, _)| n == k).map_or(T::None, |(_, v)| v.clone()),
                _ => T::None,
            }
        }
        fn text(&self) -> Option<String> {
            match self {
                T::Str(v) => Some(v.clone()),
                _ => None,
            }
        }
        fn number(&self) -> Option<f64> {
            match self {
                T::Num(n) => Some(*n),
                _ => None,
            }
        }
        fn is_object(&self) -> bool {
            matches!(self, T::Obj(_) | T::Arr(_))
        }
        fn is_true(&self) -> bool {
            *self == T::Bool(true)
        }
        fn items(&self) -> Vec<T> {
            match self {
                T::Arr(v) => v.clone(),
                _ => Vec::new(),
            }
        }
        fn is_present(&self) -> bool {
            *self != T::None
        }
        fn time(&self) -> f64 {
            self.text().map_or(0.0, |t| iso_ms(&t))
        }
    }

    #[test]
    fn iso_timestamps_read_as_date_parse_reads_them() {
        assert_eq!(iso_ms("2026-01-01T00:00:01.000Z"), 1_767_225_601_000.0);
        assert_eq!(iso_ms("2026-01-01T00:00:01Z"), 1_767_225_601_000.0);
        assert_eq!(iso_ms("2026-01-01T01:00:01.5+01:00"), 1_767_225_601_500.0);
        assert_eq!(iso_ms("2000-02-29T00:00:00.123Z"), 951_782_400_123.0);
        assert_eq!(iso_ms("1970-01-01T00:00:00.000Z"), 0.0);
        for bad in [
            "",
            "x",
            "2026-13-01T00:00:00Z",
            "2026-01-01 00:00:00Z",
            "2026-01-01T00:00:00",
        ] {
            assert_eq!(iso_ms(bad), 0.0, "{bad}");
        }
        for ms in [0.0, 951_782_400_123.0, 1_798_761_599_999.0] {
            assert_eq!(iso_ms(&super::super::iso_time(ms)), ms);
        }
    }

    #[test]
    fn frames_read_their_fields_and_defaults() {
        let f = frame(
            Some(o(&[
                ("topicName", s("v2.conversations.chats.C.messages")),
                (
                    "eventBody",
                    o(&[
                        ("id", s("m1")),
                        ("sender", o(&[("id", s("A"))])),
                        ("body", s("hi")),
                        ("timestamp", s("2026-01-01T00:00:01.000Z")),
                    ]),
                ),
                ("metadata", o(&[("type", s("message"))])),
            ])),
            "",
        );
        assert_eq!(f.kind.as_deref(), Some("message"));
        let m = f.message.unwrap_or_default();
        assert_eq!(
            (m.id.as_str(), m.sender_id.as_str(), m.body_type.as_str()),
            ("m1", "A", "standard")
        );
        assert_eq!(m.timestamp_ms, 1_767_225_601_000.0);
        assert_eq!(f.member, None);
        let pong = frame::<T>(None, "pong");
        assert_eq!((pong.topic.as_str(), pong.text.as_deref()), ("", Some("pong")));
        let hb = frame(
            Some(o(&[("eventBody", o(&[("message", s("WebSocket Heartbeat"))]))])),
            "",
        );
        assert_eq!(
            (hb.message.is_none(), hb.text.as_deref()),
            (true, Some("WebSocket Heartbeat"))
        );
        let member_only = frame(
            Some(o(&[(
                "eventBody",
                o(&[("member", o(&[("state", s("CONNECTED"))]))]),
            )])),
            "",
        );
        assert_eq!(member_only.member, None);
    }

    #[test]
    fn answers_fit_what_was_expected_or_not_at_all() {
        assert_eq!(reply::<T>(Expect::Nothing, None), Some(Reply::None));
        assert_eq!(reply::<T>(Expect::Message, None), None);
        assert_eq!(reply(Expect::Created, Some(o(&[("id", s("C"))]))), None);
        let page = reply(
            Expect::Messages,
            Some(o(&[
                ("entities", T::Arr(vec![o(&[("id", s("m1"))]), s("junk")])),
                ("next", s("")),
                ("previousPage", s("/older")),
            ])),
        );
        let Some(Reply::Messages(p)) = page else {
            panic!("{page:?}")
        };
        assert_eq!(
            (p.entities.len(), p.next, p.previous.as_deref()),
            (1, None, Some("/older"))
        );
        let members = reply(
            Expect::Members,
            Some(o(&[(
                "entities",
                T::Arr(vec![o(&[("id", s("A"))]), o(&[("id", T::Num(1.0))])]),
            )])),
        );
        assert!(matches!(members, Some(Reply::Members(m)) if m.len() == 1));
        assert_eq!(reply(Expect::Member, Some(T::Null)), None);
    }
}
