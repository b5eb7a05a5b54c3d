//! Reading what the Web Messaging service sent: a socket frame ([`frame`]) or a history page ([`history`]),
//! parsed by the browser and read by field name through the core's reader ([`Json`]). Which fields mean what, and
//! what an absent or mistyped one becomes, is decided here.

use crate::core::text::{opt, text_of, Json};

/// Whose side a message is from, as the service sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the guest (its own message, echoed).
    Inbound,
    /// To the guest (an agent or a bot).
    Outbound,
}

/// A `Presence` event's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Join,
    Disconnect,
    Clear,
    SignIn,
    Other,
}

/// One of a message's `events`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MessageEvent {
    /// `Typing` `On`, for `duration_ms` (0 when not given).
    Typing {
        duration_ms: f64,
    },
    Presence(Presence),
    Other,
}

/// A `StructuredMessage` body: a text, or events, from one side.
#[derive(Debug, Clone, PartialEq)]
pub struct StructuredMessage {
    pub id: String,
    /// The text of a `Text` message (`None` for events and structured content without one).
    pub text: Option<String>,
    pub direction: Direction,
    /// `originatingEntity: "Bot"`.
    pub bot: bool,
    /// `channel.time`, as sent (ISO 8601).
    pub time: String,
    /// The same instant in ms since the epoch; 0 when unparsable.
    pub time_ms: f64,
    /// `channel.from.nickname` (or first name): who sent it, as the service names them.
    pub from_name: Option<String>,
    /// `channel.from.image`.
    pub from_image: Option<String>,
    pub events: Vec<MessageEvent>,
    /// `metadata.readOnly == "true"`: with a `Disconnect`, the conversation is over.
    pub read_only: bool,
}

/// A `SessionResponse` body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SessionResponse {
    pub connected: bool,
    /// The token started a new session (else it resumed one).
    pub new_session: bool,
    /// The token's conversation is over: `startNew` starts another.
    pub read_only: bool,
}

/// A socket frame, by its `class`.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    Session(SessionResponse),
    /// A `StructuredMessage`: pushed (`response: false`), or answering a request (the guest's own text, the
    /// echo), with the request's `tracingId`.
    Message {
        message: StructuredMessage,
        tracing_id: Option<String>,
        response: bool,
    },
    Jwt {
        jwt: String,
        /// `exp` (seconds since the epoch).
        exp: f64,
    },
    /// A refused request: the frame's `code` (400, 4006, 4011, 429, …), the body's text (or `errorMessage`), and
    /// for 429 the seconds to wait.
    Error {
        code: u32,
        text: String,
        tracing_id: Option<String>,
        retry_after_s: Option<f64>,
    },
    SessionExpired,
    SessionCleared,
    ConnectionClosed,
    LoggedOut,
    /// Any other class (attachments, uploads): nothing the session acts on.
    Other,
}

/// One page of `GET /api/v2/webmessaging/messages`, entities as sent (newest first).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HistoryPage {
    pub entities: Vec<StructuredMessage>,
    pub page_number: u32,
    pub page_count: u32,
}

fn uint(v: &impl Json) -> u32 {
    v.number()
        .filter(|n| n.is_finite() && *n >= 0.0)
        .map_or(0, |n| n.min(f64::from(u32::MAX)) as u32)
}

/// A `StructuredMessage` body (an object).
pub fn message(m: &impl Json) -> StructuredMessage {
    let channel = m.field("channel");
    let from = channel.field("from");
    let time = channel.field("time");
    let mut events = Vec::new();
    for e in m.field("events").items() {
        events.push(match text_of(&e, "eventType").as_str() {
            "Typing" => MessageEvent::Typing {
                duration_ms: e.field("typing").field("duration").number().unwrap_or(0.0),
            },
            "Presence" => MessageEvent::Presence(match text_of(&e.field("presence"), "type").as_str() {
                "Join" => Presence::Join,
                "Disconnect" => Presence::Disconnect,
                "Clear" => Presence::Clear,
                "SignIn" => Presence::SignIn,
                _ => Presence::Other,
            }),
            _ => MessageEvent::Other,
        });
    }
    StructuredMessage {
        id: text_of(m, "id"),
        text: opt(m, "text"),
        direction: if opt(m, "direction").as_deref() == Some("Inbound") {
            Direction::Inbound
        } else {
            Direction::Outbound
        },
        bot: opt(m, "originatingEntity").as_deref() == Some("Bot"),
        time_ms: time.time(),
        time: time.text().unwrap_or_default(),
        from_name: opt(&from, "nickname").or_else(|| opt(&from, "firstName")),
        from_image: opt(&from, "image"),
        events,
        read_only: opt(&m.field("metadata"), "readOnly").as_deref() == Some("true"),
    }
}

/// A socket frame (`{type, class, code, body, tracingId?}`).
pub fn frame(v: &impl Json) -> Frame {
    let body = v.field("body");
    let tracing_id = opt(v, "tracingId");
    let code = uint(&v.field("code"));
    match text_of(v, "class").as_str() {
        "SessionResponse" => Frame::Session(SessionResponse {
            connected: body.field("connected").is_true(),
            new_session: body.field("newSession").is_true(),
            read_only: body.field("readOnly").is_true(),
        }),
        "StructuredMessage" if body.is_object() => Frame::Message {
            message: message(&body),
            tracing_id,
            response: opt(v, "type").as_deref() == Some("response"),
        },
        "JwtResponse" => Frame::Jwt {
            jwt: text_of(&body, "jwt"),
            exp: body.field("exp").number().unwrap_or(0.0),
        },
        "TooManyRequestsErrorMessage" => Frame::Error {
            code,
            text: text_of(&body, "errorMessage"),
            tracing_id,
            retry_after_s: body.field("retryAfter").number(),
        },
        "string" => Frame::Error {
            code,
            text: body.text().unwrap_or_default(),
            tracing_id,
            retry_after_s: None,
        },
        "SessionExpiredEvent" => Frame::SessionExpired,
        "SessionClearedEvent" => Frame::SessionCleared,
        "ConnectionClosedEvent" => Frame::ConnectionClosed,
        "LogoutEvent" => Frame::LoggedOut,
        _ => Frame::Other,
    }
}

/// A 2xx answer to a Web Messaging request ([`crate::core::guestchat::Expect::MessagingHistory`]); `None`
/// when it is not an object.
pub fn reply<J: Json>(parsed: Option<J>) -> Option<crate::core::guestchat::Reply> {
    let v = parsed.filter(Json::is_object)?;
    Some(crate::core::guestchat::Reply::MessagingHistory(history(&v)))
}

/// A history page (`{entities, pageSize, pageNumber, total, pageCount}`); entities that are not objects are
/// skipped.
pub fn history(v: &impl Json) -> HistoryPage {
    let mut entities = Vec::new();
    for m in v.field("entities").items() {
        if m.is_object() {
            entities.push(message(&m));
        }
    }
    HistoryPage {
        entities,
        page_number: uint(&v.field("pageNumber")),
        page_count: uint(&v.field("pageCount")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::guestchat::read::tests::parse;

    fn read(text: &str) -> Frame {
        frame(&parse(text))
    }

    #[test]
    fn a_session_response_says_new_resumed_or_read_only() {
        assert_eq!(
            read(
                r#"{"type":"response","class":"SessionResponse","code":200,"body":{"connected":true,"newSession":true}}"#
            ),
            Frame::Session(SessionResponse {
                connected: true,
                new_session: true,
                read_only: false
            })
        );
        assert_eq!(
            read(
                r#"{"type":"response","class":"SessionResponse","code":200,"body":{"connected":true,"newSession":false,"readOnly":true,"maxCustomDataBytes":2048}}"#
            ),
            Frame::Session(SessionResponse {
                connected: true,
                new_session: false,
                read_only: true
            })
        );
    }

    #[test]
    fn messages_read_their_side_sender_time_and_events() {
        let f = read(
            r#"{"type":"message","class":"StructuredMessage","code":200,"body":{"id":"m1","type":"Text","text":"Hello, I am Alex","direction":"Outbound","originatingEntity":"Human","channel":{"time":"2026-01-01T00:00:01.000Z","messageId":"m1","from":{"nickname":"Alex","image":"https://x/a.png"}}}}"#,
        );
        let Frame::Message {
            message: m,
            tracing_id,
            response,
        } = f
        else {
            panic!("{f:?}")
        };
        assert_eq!((tracing_id, response), (None, false));
        assert_eq!(m.id, "m1");
        assert_eq!(m.text.as_deref(), Some("Hello, I am Alex"));
        assert_eq!(
            (m.direction, m.bot, m.read_only),
            (Direction::Outbound, false, false)
        );
        assert_eq!(m.time_ms, 1_767_225_601_000.0);
        assert_eq!(m.time, "2026-01-01T00:00:01.000Z");
        assert_eq!(
            (m.from_name.as_deref(), m.from_image.as_deref()),
            (Some("Alex"), Some("https://x/a.png"))
        );
        // The guest's own text comes back as the answer to its request, with the request's tracingId.
        let own = read(
            r#"{"type":"response","class":"StructuredMessage","code":200,"body":{"id":"m2","type":"Text","text":"hi","direction":"Inbound","originatingEntity":"Human","channel":{"time":"2026-01-01T00:00:02.000Z"}},"tracingId":"t1"}"#,
        );
        assert!(matches!(
            own,
            Frame::Message { ref message, ref tracing_id, response: true }
                if message.direction == Direction::Inbound && tracing_id.as_deref() == Some("t1")
        ));
        let bot = read(
            r#"{"type":"message","class":"StructuredMessage","code":200,"body":{"id":"b","type":"Text","text":"How can I help?","direction":"Outbound","originatingEntity":"Bot","channel":{"time":"2026-01-01T00:00:03.000Z"}}}"#,
        );
        assert!(matches!(bot, Frame::Message { ref message, .. } if message.bot));
        let typing = read(
            r#"{"type":"message","class":"StructuredMessage","code":200,"body":{"id":"e1","type":"Event","direction":"Outbound","events":[{"eventType":"Typing","typing":{"type":"On","duration":5000}}],"channel":{"time":"2026-01-01T00:00:04.000Z"}}}"#,
        );
        assert!(matches!(typing, Frame::Message { ref message, .. }
            if message.events == [MessageEvent::Typing { duration_ms: 5000.0 }] && message.text.is_none()));
        let over = read(
            r#"{"type":"message","class":"StructuredMessage","code":200,"body":{"id":"e2","type":"Event","direction":"Outbound","events":[{"eventType":"Presence","presence":{"type":"Disconnect"}}],"metadata":{"readOnly":"true"},"channel":{"time":"2026-01-01T00:00:05.000Z"}}}"#,
        );
        assert!(matches!(over, Frame::Message { ref message, .. }
            if message.events == [MessageEvent::Presence(Presence::Disconnect)] && message.read_only));
        let joined = message(&parse(
            r#"{"id":"e3","type":"Event","direction":"Outbound","events":[{"eventType":"Presence","presence":{"type":"Join"}},{"eventType":"Unknown"}],"channel":{"time":"x"}}"#,
        ));
        assert_eq!(
            joined.events,
            [MessageEvent::Presence(Presence::Join), MessageEvent::Other]
        );
        assert_eq!(joined.time_ms, 0.0);
    }

    #[test]
    fn errors_keep_their_code_text_and_wait() {
        assert_eq!(
            read(
                r#"{"type":"response","class":"string","code":4011,"body":"Message exceeds maximum length","tracingId":"t9"}"#
            ),
            Frame::Error {
                code: 4011,
                text: "Message exceeds maximum length".into(),
                tracing_id: Some("t9".into()),
                retry_after_s: None
            }
        );
        assert_eq!(
            read(
                r#"{"type":"response","class":"TooManyRequestsErrorMessage","code":429,"body":{"retryAfter":3,"errorCode":4029,"errorMessage":"Message rate too high for this session"}}"#
            ),
            Frame::Error {
                code: 429,
                text: "Message rate too high for this session".into(),
                tracing_id: None,
                retry_after_s: Some(3.0)
            }
        );
    }

    #[test]
    fn other_classes_are_named_or_ignored() {
        assert_eq!(
            read(
                r#"{"type":"response","class":"JwtResponse","code":200,"body":{"jwt":"eyJ","exp":1767225601}}"#
            ),
            Frame::Jwt {
                jwt: "eyJ".into(),
                exp: 1_767_225_601.0
            }
        );
        for (class, want) in [
            ("SessionExpiredEvent", Frame::SessionExpired),
            ("SessionClearedEvent", Frame::SessionCleared),
            ("ConnectionClosedEvent", Frame::ConnectionClosed),
            ("LogoutEvent", Frame::LoggedOut),
            ("PresignedUrlResponse", Frame::Other),
        ] {
            let text = [
                r#"{"type":"message","class":""#,
                class,
                r#"","code":200,"body":{}}"#,
            ]
            .concat();
            assert_eq!(read(&text), want, "{class}");
        }
        // A message class without a body object, and a value that is not a frame, are nothing to act on.
        assert_eq!(
            read(r#"{"type":"message","class":"StructuredMessage","code":200,"body":"x"}"#),
            Frame::Other
        );
        assert_eq!(read("[1,2]"), Frame::Other);
        assert_eq!(read("null"), Frame::Other);
    }

    #[test]
    fn a_history_page_lists_messages_newest_first_with_its_place() {
        let p = history(&parse(
            r#"{"entities":[
                {"id":"m2","type":"Text","text":"You said: hi","direction":"Outbound","originatingEntity":"Human","channel":{"time":"2026-01-01T00:00:02.000Z","from":{"nickname":"Alex"}}},
                {"id":"m1","type":"Text","text":"hi","direction":"Inbound","channel":{"time":"2026-01-01T00:00:01.000Z"}},
                "junk"
            ],"pageSize":25,"pageNumber":1,"total":2,"pageCount":1}"#,
        ));
        assert_eq!((p.page_number, p.page_count), (1, 1));
        let ids: Vec<&str> = p.entities.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["m2", "m1"]);
        assert_eq!(p.entities[1].direction, Direction::Inbound);
        assert!(matches!(
            reply(Some(parse(r#"{"entities":[{"id":"m1"}],"pageNumber":1,"pageCount":1}"#))),
            Some(crate::core::guestchat::Reply::MessagingHistory(HistoryPage { ref entities, .. })) if entities.len() == 1
        ));
        assert_eq!(reply(Some(parse(r#""x""#))), None);
        let empty = history(&parse(
            r#"{"entities":[],"pageSize":25,"pageNumber":1,"total":0,"pageCount":0}"#,
        ));
        assert_eq!((empty.entities.len(), empty.page_count), (0, 0));
    }
}
