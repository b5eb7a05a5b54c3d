//! The Genesys Cloud Guest Chat API v2: wire types, request building and event-stream frame classification.
//!
//! JSON is parsed by the browser (`JSON.parse`); [`read`] reads the few fields routed on from the parsed value into
//! these types, by name: the wasm then carries no JSON parser (`serde_json` would cost more bytes than every
//! helper together). Request bodies are small and flat, written with the core's writer ([`json`]).

pub mod read;

use crate::core::text::{self as json, Obj};

/// A message as the API returns it (`GET …/messages` entities, the `POST …/messages` answer, stream frames).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WireMessage {
    pub id: String,
    pub sender_id: String,
    pub body: String,
    /// `standard`, `notice`, `member-join`, `member-leave`.
    pub body_type: String,
    /// ISO-8601, as sent.
    pub timestamp: String,
    /// The same instant in ms since the epoch (the shell's `Date.parse`); 0 when unparsable.
    pub timestamp_ms: f64,
}

/// A conversation member (`GET …/members`, member-change frames).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WireMember {
    pub id: String,
    pub display_name: Option<String>,
    /// `AGENT`, `CUSTOMER`, `WORKFLOW`, `ACD` (frames may omit it).
    pub role: Option<String>,
    /// `CONNECTED`, `DISCONNECTED`, `ALERTING`.
    pub state: Option<String>,
    /// `avatarImageUrl` (agents may have one).
    pub avatar_image_url: Option<String>,
}

/// The answer to `POST …/conversations`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Created {
    pub conversation_id: String,
    pub member_id: String,
    pub jwt: String,
    pub event_stream_uri: String,
}

/// One page of `GET …/messages`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MessagePage {
    pub entities: Vec<WireMessage>,
    /// The `next` link or token, when the server says there is more.
    pub next: Option<String>,
    /// The `previousPage` link: older messages exist (a page read without `after` is the newest one).
    pub previous: Option<String>,
}

/// What a successful answer carried, decoded by the shell as the request's [`Expect`] says.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    None,
    Created(Created),
    Message(WireMessage),
    Messages(MessagePage),
    Members(Vec<WireMember>),
    Member(WireMember),
    /// A page of the Web Messaging history (the other transport's one REST read).
    MessagingHistory(crate::core::webmessaging::read::HistoryPage),
}

/// How the shell should decode a successful answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Nothing,
    Created,
    Message,
    Messages,
    Members,
    Member,
    MessagingHistory,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// An HTTP request for the shell to perform. `bearer` is the guest JWT: the shell puts it in the
/// `Authorization` header and nowhere else.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: Method,
    pub url: String,
    pub bearer: Option<String>,
    pub body: Option<String>,
    pub expect: Expect,
}

/// The routing target of a new conversation (`transport.interactionData.routing`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Routing {
    pub target_type: String,
    pub target_address: String,
    pub priority: Option<u8>,
    pub skills: Vec<String>,
    pub language: Option<String>,
}

/// `memberInfo` of a new conversation: the chat entry form plus userData as `customFields`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MemberInfo {
    pub display_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub avatar_image_url: Option<String>,
    /// userData flattened to strings, in the order given.
    pub custom_fields: Vec<(String, String)>,
}

/// `interactionData.journey`: links the chat to the web action that offered it (`journeyContext`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Journey {
    pub customer_id: Option<String>,
    pub customer_id_type: Option<String>,
    pub session_id: Option<String>,
    pub action_id: Option<String>,
    pub action_map_id: Option<String>,
    pub action_map_version: Option<f64>,
}

/// Where the API lives and who the deployment is.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Endpoint {
    /// `transport.dataURL`, without a trailing slash.
    pub data_url: String,
    pub organization_id: String,
    pub deployment_id: String,
}

const BASE: &str = "/api/v2/webchat/guest/conversations";

impl Endpoint {
    fn conversations(&self) -> String {
        let mut s = String::with_capacity(self.data_url.len() + BASE.len());
        s.push_str(self.data_url.trim_end_matches('/'));
        s.push_str(BASE);
        s
    }

    fn conversation(&self, cid: &str) -> String {
        let mut s = self.conversations();
        s.push('/');
        s.push_str(&encode_component(cid));
        s
    }

    fn member(&self, cid: &str, mid: &str) -> String {
        let mut s = self.conversation(cid);
        s.push_str("/members/");
        s.push_str(&encode_component(mid));
        s
    }

    /// `POST …/conversations`: the only call without a JWT.
    pub fn create(&self, routing: &Routing, member: &MemberInfo, journey: Option<&Journey>) -> Request {
        let mut route = Obj::new();
        route.str("targetType", &routing.target_type);
        route.str("targetAddress", &routing.target_address);
        if !routing.skills.is_empty() {
            route.str_array("skills", &routing.skills);
        }
        route.opt_str("language", routing.language.as_deref());
        if let Some(p) = routing.priority {
            route.num("priority", f64::from(p));
        }
        let mut info = Obj::new();
        // The API requires a display name; the widget's form makes nickname optional.
        info.str(
            "displayName",
            member.display_name.as_deref().unwrap_or("Customer"),
        );
        info.opt_str("firstName", member.first_name.as_deref());
        info.opt_str("lastName", member.last_name.as_deref());
        info.opt_str("email", member.email.as_deref());
        info.opt_str("phoneNumber", member.phone_number.as_deref());
        info.opt_str("avatarImageUrl", member.avatar_image_url.as_deref());
        if !member.custom_fields.is_empty() {
            let mut cf = Obj::new();
            for (k, v) in &member.custom_fields {
                cf.str(k, v);
            }
            info.raw("customFields", &cf.finish());
        }
        let mut body = Obj::new();
        body.str("organizationId", &self.organization_id);
        body.str("deploymentId", &self.deployment_id);
        body.raw("routingTarget", &route.finish());
        body.raw("memberInfo", &info.finish());
        if let Some(ctx) = journey.and_then(journey_context) {
            body.raw("journeyContext", &ctx);
        }
        Request {
            method: Method::Post,
            url: self.conversations(),
            bearer: None,
            body: Some(body.finish()),
            expect: Expect::Created,
        }
    }

    /// `POST …/members/{mid}/messages`.
    pub fn send_message(&self, cid: &str, mid: &str, jwt: &str, text: &str) -> Request {
        let mut body = Obj::new();
        body.str("body", text);
        body.str("bodyType", "standard");
        let mut url = self.member(cid, mid);
        url.push_str("/messages");
        Request {
            method: Method::Post,
            url,
            bearer: Some(jwt.to_string()),
            body: Some(body.finish()),
            expect: Expect::Message,
        }
    }

    /// `POST …/members/{mid}/typing`.
    pub fn typing(&self, cid: &str, mid: &str, jwt: &str) -> Request {
        let mut url = self.member(cid, mid);
        url.push_str("/typing");
        Request {
            method: Method::Post,
            url,
            bearer: Some(jwt.to_string()),
            body: None,
            expect: Expect::Nothing,
        }
    }

    /// `GET …/messages?after=…|before=…&maxResults=…&sortOrder=ascending`: oldest first within the page. With
    /// `after` the page starts right after that message (catching up); without it the page is the newest
    /// messages (before `before`, if given), and `previousPage` says whether older ones exist (restoring).
    pub fn messages(
        &self,
        cid: &str,
        jwt: &str,
        after: Option<&str>,
        before: Option<&str>,
        max: u32,
    ) -> Request {
        let mut url = self.conversation(cid);
        url.push_str("/messages?");
        if let Some(v) = after {
            url.push_str("after=");
            url.push_str(&encode_component(v));
            url.push('&');
        }
        if let Some(v) = before {
            url.push_str("before=");
            url.push_str(&encode_component(v));
            url.push('&');
        }
        url.push_str("maxResults=");
        json::push_uint(&mut url, u64::from(max));
        url.push_str("&sortOrder=ascending");
        Request {
            method: Method::Get,
            url,
            bearer: Some(jwt.to_string()),
            body: None,
            expect: Expect::Messages,
        }
    }

    /// `GET …/members?pageSize=100`.
    pub fn members(&self, cid: &str, jwt: &str) -> Request {
        let mut url = self.conversation(cid);
        url.push_str("/members?pageSize=100&pageNumber=1");
        Request {
            method: Method::Get,
            url,
            bearer: Some(jwt.to_string()),
            body: None,
            expect: Expect::Members,
        }
    }

    /// `GET …/members/{mid}`: who sent a message we have no member for yet.
    pub fn member_info(&self, cid: &str, mid: &str, jwt: &str) -> Request {
        Request {
            method: Method::Get,
            url: self.member(cid, mid),
            bearer: Some(jwt.to_string()),
            body: None,
            expect: Expect::Member,
        }
    }

    /// `DELETE …/members/{mid}`: the guest leaves, which ends the chat.
    pub fn leave(&self, cid: &str, mid: &str, jwt: &str) -> Request {
        Request {
            method: Method::Delete,
            url: self.member(cid, mid),
            bearer: Some(jwt.to_string()),
            body: None,
            expect: Expect::Nothing,
        }
    }
}

/// `journeyContext`, with each part only when its required ids are known (the service rejects a part without
/// them); `None` when nothing is known.
fn journey_context(j: &Journey) -> Option<String> {
    let mut ctx = Obj::new();
    let mut any = false;
    if let Some(id) = j.customer_id.as_deref() {
        let mut customer = Obj::new();
        customer.str("id", id);
        customer.str("idType", j.customer_id_type.as_deref().unwrap_or("cookie"));
        ctx.raw("customer", &customer.finish());
        any = true;
        // A session belongs to a customer.
        if let Some(sid) = j.session_id.as_deref() {
            let mut session = Obj::new();
            session.str("id", sid);
            session.str("type", "web");
            ctx.raw("customerSession", &session.finish());
        }
    }
    if let (Some(aid), Some(mid)) = (j.action_id.as_deref(), j.action_map_id.as_deref()) {
        let mut map = Obj::new();
        map.str("id", mid);
        map.num("version", j.action_map_version.unwrap_or(1.0));
        let mut action = Obj::new();
        action.str("id", aid);
        action.raw("actionMap", &map.finish());
        ctx.raw("triggeringAction", &action.finish());
        any = true;
    }
    any.then(|| ctx.finish())
}

/// Percent-encodes an id for a path segment or query value (ids are UUIDs, but nothing trusts that).
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            for d in [b >> 4, b & 15] {
                out.push(char::from(HEX.get(usize::from(d)).copied().unwrap_or(b'0')));
            }
        }
    }
    out
}

/// What the shell copied out of one event-stream frame: the topic and metadata type, and whichever of the
/// message-like and member-like fields `eventBody` had.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RawFrame {
    pub topic: String,
    pub kind: Option<String>,
    /// `eventBody` read as a message (id, sender.id, body, bodyType, timestamp), if it had an id or sender.
    pub message: Option<WireMessage>,
    /// `eventBody.member`, if present.
    pub member: Option<WireMember>,
}

/// An event-stream frame, classified.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    Message(WireMessage),
    Typing(WireMessage),
    MemberChange(WireMember),
    /// Heartbeats, pongs, and frames of other topics: liveness only.
    Liveness,
    /// A frame of this conversation that could not be read (no message id, no member id): something was said
    /// that we could not see, so the client should re-read what it missed.
    Garbled,
}

impl Frame {
    /// Classifies a frame. Frames for another conversation are liveness only.
    pub fn classify(raw: RawFrame, conversation_id: &str) -> Frame {
        let topic = raw.topic.as_str();
        let Some(rest) = topic.strip_prefix("v2.conversations.chats.") else {
            return Frame::Liveness;
        };
        // A byte scan, not `rsplit_once('.')`: that brings `str`'s reverse `memchr` into the wasm for one short
        // topic a frame.
        let Some(dot) = rest.bytes().rposition(|b| b == b'.') else {
            return Frame::Liveness;
        };
        let (Some(cid), Some(what)) = (rest.get(..dot), rest.get(dot + 1..)) else {
            return Frame::Liveness;
        };
        if cid != conversation_id {
            return Frame::Liveness;
        }
        match (what, raw.kind.as_deref()) {
            ("messages", Some("typing-indicator")) => match raw.message {
                Some(m) => Frame::Typing(m),
                None => Frame::Liveness,
            },
            ("messages", _) => match raw.message {
                Some(m) if !m.id.is_empty() => Frame::Message(m),
                _ => Frame::Garbled,
            },
            ("members", _) => match raw.member {
                Some(m) if !m.id.is_empty() => Frame::MemberChange(m),
                _ => Frame::Garbled,
            },
            _ => Frame::Liveness,
        }
    }
}

/// `ms` since the epoch as ISO 8601 UTC with milliseconds (`2026-01-02T03:04:05.678Z`), as Genesys writes
/// message timestamps.
pub fn iso_time(ms: f64) -> String {
    let ms = if ms.is_finite() { ms as i64 } else { 0 };
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let mut out = String::with_capacity(24);
    digits(&mut out, year, 4, '-');
    digits(&mut out, month, 2, '-');
    digits(&mut out, day, 2, 'T');
    digits(&mut out, rem / 3_600_000, 2, ':');
    digits(&mut out, rem / 60_000 % 60, 2, ':');
    digits(&mut out, rem / 1000 % 60, 2, '.');
    digits(&mut out, rem % 1000, 3, 'Z');
    out
}

/// `v` zero-padded to `width` digits, then `sep`.
fn digits(out: &mut String, v: i64, width: usize, sep: char) {
    let mut t = String::new();
    json::push_uint(&mut t, v.unsigned_abs());
    for _ in t.len()..width {
        out.push('0');
    }
    out.push_str(&t);
    out.push(sep);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep() -> Endpoint {
        Endpoint {
            data_url: "http://127.0.0.1:9/".into(),
            organization_id: "ORG".into(),
            deployment_id: "KEY".into(),
        }
    }

    #[test]
    fn create_body_carries_routing_member_info_and_journey() {
        let r = ep().create(
            &Routing {
                target_type: "QUEUE".into(),
                target_address: "Support".into(),
                priority: Some(2),
                skills: vec!["Computers".into()],
                language: None,
            },
            &MemberInfo {
                display_name: Some("Jonny \"J\"".into()),
                custom_fields: vec![("customerId".into(), "59606".into())],
                ..Default::default()
            },
            Some(&Journey {
                customer_id: Some("c".into()),
                session_id: Some("s".into()),
                action_id: Some("a".into()),
                action_map_id: Some("m".into()),
                action_map_version: Some(3.0),
                ..Default::default()
            }),
        );
        assert_eq!(r.url, "http://127.0.0.1:9/api/v2/webchat/guest/conversations");
        assert_eq!(r.bearer, None);
        assert_eq!(
            r.body.unwrap(),
            r#"{"organizationId":"ORG","deploymentId":"KEY","routingTarget":{"targetType":"QUEUE","targetAddress":"Support","skills":["Computers"],"priority":2},"memberInfo":{"displayName":"Jonny \"J\"","customFields":{"customerId":"59606"}},"journeyContext":{"customer":{"id":"c","idType":"cookie"},"customerSession":{"id":"s","type":"web"},"triggeringAction":{"id":"a","actionMap":{"id":"m","version":3}}}}"#
        );
    }

    #[test]
    fn paths_encode_ids_and_carry_the_jwt_only_as_bearer() {
        let r = ep().messages("c 1", "JWT", Some("m/2"), None, 50);
        assert_eq!(
            r.url,
            "http://127.0.0.1:9/api/v2/webchat/guest/conversations/c%201/messages?after=m%2F2&maxResults=50&sortOrder=ascending"
        );
        assert_eq!(r.bearer.as_deref(), Some("JWT"));
        assert!(!r.url.contains("JWT"));
        let s = ep().send_message("c", "m", "JWT", "hi");
        assert_eq!(s.body.as_deref(), Some(r#"{"body":"hi","bodyType":"standard"}"#));
        assert!(s.url.ends_with("/conversations/c/members/m/messages"));
    }

    #[test]
    fn frames_are_classified_by_topic_and_conversation() {
        let msg = WireMessage {
            id: "1".into(),
            ..Default::default()
        };
        let f = |topic: &str, kind: Option<&str>| RawFrame {
            topic: topic.into(),
            kind: kind.map(Into::into),
            message: Some(msg.clone()),
            member: Some(WireMember {
                id: "a".into(),
                ..Default::default()
            }),
        };
        assert_eq!(
            Frame::classify(f("v2.conversations.chats.C.messages", Some("message")), "C"),
            Frame::Message(msg.clone())
        );
        assert_eq!(
            Frame::classify(
                f("v2.conversations.chats.C.messages", Some("typing-indicator")),
                "C"
            ),
            Frame::Typing(msg.clone())
        );
        assert!(matches!(
            Frame::classify(f("v2.conversations.chats.C.members", Some("member-change")), "C"),
            Frame::MemberChange(_)
        ));
        assert_eq!(
            Frame::classify(f("v2.conversations.chats.OTHER.messages", None), "C"),
            Frame::Liveness
        );
        assert_eq!(Frame::classify(f("channel.metadata", None), "C"), Frame::Liveness);
    }

    #[test]
    fn iso_time_writes_the_servers_format() {
        assert_eq!(iso_time(0.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_time(1_767_225_601_000.0), "2026-01-01T00:00:01.000Z");
        assert_eq!(iso_time(951_782_400_123.0), "2000-02-29T00:00:00.123Z");
        assert_eq!(iso_time(1_798_761_599_999.0), "2026-12-31T23:59:59.999Z");
        assert_eq!(iso_time(f64::NAN), "1970-01-01T00:00:00.000Z");
    }
}
