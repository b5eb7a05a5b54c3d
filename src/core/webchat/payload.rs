//! The vendor-shaped payloads, as JSON: every event's data and every command's answer in the shape the shipped
//! WebChatService gives it, written with [`crate::core::text::Obj`]. The shell makes each into its object in one
//! crossing (`wcMake` in js/webchat_io.js), which also turns the two markers below into what JSON cannot say.

use super::transcript::{AgentInfo, ChatMessage};
use super::{Ajax, AjaxBody, Event, Filter, SessionData, Snapshot, Value};
use crate::core::guestchat::{iso_time, WireMessage};
use crate::core::text::Obj;

/// The value `wcMake` makes `undefined` (a key present with no value, as in the vendor's objects).
pub const UNDEFINED: &str = "\u{0}u";
/// The key `wcMake` turns into a jqXHR-like object (its methods added).
pub const XHR: &str = "\u{0}xhr";

/// Opens an object under `k`, or as the next array item when `k` is empty.
fn open(w: &mut Obj, k: &str) {
    if k.is_empty() {
        w.item();
    } else {
        w.open(k);
    }
}

/// A time, or `false` without one (the vendor's `getStats` and `disconnectedTime`).
fn time_or_false(w: &mut Obj, k: &str, v: Option<f64>) {
    match v {
        Some(v) => w.num(k, v),
        None => w.bool(k, false),
    }
}

/// The vendor's session object (`getSessionData`; `started`'s `data` with `full` false: its four keys). With
/// the JWT and the stream URL: [`started`] gives analytics and the debug log the ids only.
fn session(w: &mut Obj, k: &str, d: &SessionData, full: bool) {
    w.open(k);
    session_fields(w, d, full);
    w.close('}');
}

fn session_fields(w: &mut Obj, d: &SessionData, full: bool) {
    match d {
        SessionData::NoChat => {
            for key in [
                "jwt",
                "conversationId",
                "memberId",
                "WebSocketUrl",
                "lastMessageId",
            ] {
                w.str(key, UNDEFINED);
            }
            w.str("displayName", "");
            w.str("nextMsgURL", "");
        }
        SessionData::Live {
            jwt,
            conversation_id,
            member_id,
            web_socket_url,
            last_message_id,
            restored,
        } => {
            let restored = *restored && full;
            w.str("jwt", jwt);
            w.str("conversationId", conversation_id);
            w.str("memberId", member_id);
            if restored {
                w.str("displayName", "");
            }
            w.str("WebSocketUrl", web_socket_url);
            if restored {
                w.str("nextMsgURL", "");
            }
            if full {
                w.str("lastMessageId", last_message_id.as_deref().unwrap_or(UNDEFINED));
            }
        }
        SessionData::Ended => {}
    }
}

/// A server message as the stream's `eventBody` has it: `{id, sender: {id}, body, bodyType, timestamp,
/// conversation: {id}}`.
fn wire(w: &mut Obj, k: &str, m: &WireMessage, conversation: &str) {
    open(w, k);
    w.str("id", &m.id);
    w.open("sender");
    w.str("id", &m.sender_id);
    w.close('}');
    w.str("body", &m.body);
    w.str("bodyType", &m.body_type);
    if m.timestamp.is_empty() {
        // Kept as ms only (the transcript stores the text for the guest's own messages): the server's format.
        w.str("timestamp", &iso_time(m.timestamp_ms));
    } else {
        w.str("timestamp", &m.timestamp);
    }
    w.open("conversation");
    w.str("id", conversation);
    w.close('}');
    w.close('}');
}

/// A message as the vendor parses it: `{type, text, from: {id, name, type}, restoring, index, timestamp}`
/// (`index` and `timestamp` both the message's time in ms, as the vendor's).
fn message(w: &mut Obj, m: &ChatMessage, sender_id: &str, restoring: bool) {
    w.item();
    w.str("type", m.kind);
    w.str("text", &m.text);
    w.open("from");
    w.str("id", sender_id);
    w.str("name", &m.from_name);
    w.str("type", m.from_type);
    w.close('}');
    if !m.avatar.is_empty() {
        w.str("avatar", &m.avatar);
    }
    w.bool("restoring", restoring);
    w.num("index", m.timestamp);
    w.num("timestamp", m.timestamp);
    w.close('}');
}

/// `getAgents`' map: `{<member id>: {name, connected, supervisor, connectedTime, disconnectedTime}}`.
fn agents(w: &mut Obj, a: &[AgentInfo]) {
    w.open("agents");
    for x in a {
        w.open(&x.id);
        w.str("name", &x.name);
        w.bool("connected", x.connected);
        w.bool("supervisor", x.supervisor);
        match x.connected_time {
            Some(t) => w.num("connectedTime", t),
            None => w.str("connectedTime", UNDEFINED),
        }
        time_or_false(w, "disconnectedTime", x.disconnected_time);
        w.close('}');
    }
    w.close('}');
}

/// jQuery's `statusText` for the statuses a leave is answered with.
fn status_text(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        404 => "Not Found",
        _ => "success",
    }
}

/// A jQuery-like ajax answer; `wcMake` adds `responseJSON` after a `responseText` that parses.
fn ajax(w: &mut Obj, k: &str, a: &Ajax, conversation: &str) {
    w.open(k);
    ajax_fields(w, a, conversation);
    w.close('}');
}

fn ajax_fields(w: &mut Obj, a: &Ajax, conversation: &str) {
    w.num("status", f64::from(a.status));
    w.str("statusText", &a.status_text);
    match &a.body {
        AjaxBody::None => {}
        AjaxBody::Session {
            conversation_id,
            member_id,
        } => {
            w.open("responseJSON");
            w.str("id", conversation_id);
            w.open("member");
            w.str("id", member_id);
            w.close('}');
            w.close('}');
        }
        AjaxBody::Message(m) => wire(w, "responseJSON", m, conversation),
        AjaxBody::Text(t) => w.str("responseText", t),
    }
}

fn filters(w: &mut Obj, list: &[Filter]) {
    w.list("filters");
    for f in list {
        w.item();
        w.str("source", &f.source);
        w.str("flags", &f.flags);
        w.close('}');
    }
    w.close(']');
}

/// `{filters: [{source, flags}]}`: the prefilters for the page side to compile.
pub fn filter_list(list: &[Filter]) -> String {
    let mut w = Obj::new();
    filters(&mut w, list);
    w.finish()
}

/// `started`'s data, then what analytics and the debug log get of it: the ids only, never the JWT or the stream
/// URL (credentials).
pub fn started(d: &SessionData) -> (String, String) {
    let mut w = Obj::new();
    session(&mut w, "data", d, false);
    let mut p = Obj::new();
    p.open("data");
    if let SessionData::Live {
        conversation_id,
        member_id,
        ..
    } = d
    {
        p.str("conversationId", conversation_id);
        p.str("memberId", member_id);
    }
    p.close('}');
    (w.finish(), p.finish())
}

/// An event's data (`started`'s is [`started`]); `conversation` is the live chat's id ("" without one), which
/// the server messages name.
pub fn event(e: &Event, conversation: &str) -> String {
    let mut w = Obj::new();
    match e {
        Event::CapabilitiesChanged { pagination } => {
            w.bool("async", false);
            w.str("asyncClose", "hideChat");
            w.bool("pagination", *pagination);
            w.bool("fileUpload", false);
        }
        Event::MessageReceived {
            original,
            messages,
            restoring,
        } => {
            w.list("originalMessages");
            for m in original {
                wire(&mut w, "", m, conversation);
            }
            w.close(']');
            w.list("messages");
            for (m, wire) in messages.iter().zip(original) {
                message(&mut w, m, &wire.sender_id, *restoring);
            }
            w.close(']');
            w.bool("restoring", *restoring);
            w.str("sessionData", UNDEFINED);
            if *restoring {
                w.bool("oldMessages", false);
            } else {
                w.str("oldMessages", UNDEFINED);
            }
        }
        Event::Error(a) => {
            w.list("errors");
            w.item();
            w.num("code", f64::from(a.status));
            ajax(&mut w, "response", a, conversation);
            w.close('}');
            w.close(']');
        }
        Event::AgentTypingStarted(t) | Event::AgentTypingStopped(t) => {
            w.open("from");
            w.str("name", &t.from_name);
            w.str("id", &t.from_id);
            w.str("avatar", &t.avatar);
            w.close('}');
        }
        Event::Presence {
            member,
            agents: list,
            connected,
            ..
        } => {
            w.open("message");
            w.str("id", &member.id);
            w.str("displayName", &member.display_name);
            w.str("role", member.role);
            w.raw("customFields", "{}");
            w.str("state", member.state);
            w.str("avatarImageUrl", &member.avatar_image_url);
            w.str("lastEvent", member.state);
            w.close('}');
            agents(&mut w, list);
            w.num("numAgentsConnected", f64::from(*connected));
        }
        _ => {}
    }
    w.finish()
}

/// A command's answer as JSON; `None` for the values that are not JSON (`undefined`, a plain string, the
/// prefilters as RegExps, the page's userData object), which the shell gives itself.
pub fn value(v: &Value, conversation: &str) -> Option<String> {
    let mut w = Obj::new();
    match v {
        Value::Undefined | Value::Text(_) | Value::Filters(_) | Value::UserData => return None,
        Value::Ajax(a) => ajax_fields(&mut w, a, conversation),
        Value::Transcript(pairs) => {
            // `{messages, originalMessages}`: every message delivered so far, with its server original.
            w.list("messages");
            for (wire, m) in pairs {
                message(&mut w, m, &wire.sender_id, false);
            }
            w.close(']');
            w.list("originalMessages");
            for (m, _) in pairs {
                wire(&mut w, "", m, conversation);
            }
            w.close(']');
        }
        Value::Agents(a) => agents(&mut w, a),
        Value::Stats(st) => {
            agents(&mut w, &st.agents);
            time_or_false(&mut w, "startTime", st.start_time);
            time_or_false(&mut w, "endTime", st.end_time);
            time_or_false(&mut w, "duration", st.duration);
        }
        Value::SessionData(d) => session_fields(&mut w, d, true),
        Value::SessionActive(b) => w.bool("sessionActive", *b),
        Value::Xhr(status) => {
            // `wcMake` turns the marker into a jqXHR-like object (its methods added).
            w.num(XHR, 1.0);
            w.num("readyState", 4.0);
            w.num("status", f64::from(*status));
            w.str("statusText", status_text(*status));
            w.str("responseText", "");
        }
    }
    Some(w.finish())
}

/// The snapshot as sessionStorage keeps it (version 1).
pub fn snapshot(sn: &Snapshot) -> String {
    let mut w = Obj::new();
    w.num("v", 1.0);
    w.str("conversationId", &sn.conversation_id);
    w.str("memberId", &sn.member_id);
    w.str("jwt", &sn.jwt);
    w.str("eventStreamUri", &sn.event_stream_uri);
    match &sn.last_message_id {
        Some(id) => w.str("lastMessageId", id),
        None => w.raw("lastMessageId", "null"),
    }
    filters(&mut w, &sn.filters);
    w.num("startTime", sn.start_time);
    w.num("savedAt", sn.saved_at);
    w.bool("journey", sn.journey);
    #[cfg(feature = "webmessaging")]
    w.str("guestName", &sn.guest_name);
    w.finish()
}
