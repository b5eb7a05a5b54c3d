//! The Genesys Cloud Web Messaging guest API (docs/webmessaging.md): the requests a guest writes on its one
//! WebSocket, the history call, and ([`read`]) the frames and pages the service answers with.
//!
//! Requests are small JSON texts written with the core's writer ([`crate::core::text::Obj`]); what the service
//! sends is parsed by the browser and read by field name ([`read`]), as for the Guest Chat API.

pub mod read;

use crate::core::guestchat::{encode_component, Expect, Method, Request};
use crate::core::text::{push_uint, Obj};

/// Where a deployment's guest API lives: the socket and the REST API of its region.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Endpoint {
    /// The region's REST API, `https://api.<region>`, without a trailing slash (history).
    pub api_url: String,
    /// The socket without its query, `wss://webmessaging.<region>/v1`.
    pub socket_url: String,
    pub deployment_id: String,
}

impl Endpoint {
    /// The endpoint of `deployment_id` whose region's API is `api_url`: `https://api.<region>` has its socket at
    /// `wss://webmessaging.<region>/v1` (the service's own hosts); any other origin serves both itself, the
    /// socket at `ws(s)://<origin>/webmessaging/v1` (a local server such as the emulator).
    pub fn new(api_url: &str, deployment_id: &str) -> Endpoint {
        let api_url = api_url.trim_end_matches('/');
        let socket_url = match api_url.strip_prefix("https://api.") {
            Some(region) => crate::core::text::concat(&["wss://webmessaging.", region, "/v1"]),
            None => {
                let (scheme, rest) = match api_url.strip_prefix("https://") {
                    Some(rest) => ("wss://", rest),
                    None => ("ws://", api_url.strip_prefix("http://").unwrap_or(api_url)),
                };
                crate::core::text::concat(&[scheme, rest, "/webmessaging/v1"])
            }
        };
        Endpoint {
            api_url: api_url.to_string(),
            socket_url,
            deployment_id: deployment_id.to_string(),
        }
    }

    /// The socket to open: `…/v1?deploymentId=<id>`.
    pub fn socket(&self) -> String {
        crate::core::text::concat(&[
            &self.socket_url,
            "?deploymentId=",
            &encode_component(&self.deployment_id),
        ])
    }

    /// `GET /api/v2/webmessaging/messages?pageSize=&pageNumber=`, with the session's JWT (from `getJwt`) as the
    /// credential. Page 1 holds the newest messages.
    pub fn history(&self, jwt: &str, page_number: u32, page_size: u32) -> Request {
        let mut url = crate::core::text::concat(&[&self.api_url, "/api/v2/webmessaging/messages?pageSize="]);
        push_uint(&mut url, u64::from(page_size));
        url.push_str("&pageNumber=");
        push_uint(&mut url, u64::from(page_number));
        Request {
            method: Method::Get,
            url,
            bearer: Some(jwt.to_string()),
            body: None,
            expect: Expect::MessagingHistory,
        }
    }

    /// `configureSession`: attaches this socket to the session of `token` (a new one for a token the service
    /// has not seen; `start_new` starts a new conversation after a read-only one).
    pub fn configure_session(&self, token: &str, start_new: bool) -> String {
        let mut o = request("configureSession", token, None);
        o.str("deploymentId", &self.deployment_id);
        if start_new {
            o.bool("startNew", true);
        }
        o.finish()
    }
}

/// A request's common part: `action`, the session `token`, and the `tracingId` the answer will carry.
fn request(action: &str, token: &str, tracing_id: Option<&str>) -> Obj {
    let mut o = Obj::new();
    o.str("action", action);
    o.str("token", token);
    o.opt_str("tracingId", tracing_id);
    o
}

/// `onMessage` with the guest's text; its echo (an `Inbound` `StructuredMessage`) carries `tracing_id`.
pub fn text(token: &str, text: &str, tracing_id: &str) -> String {
    let mut o = request("onMessage", token, Some(tracing_id));
    o.open("message");
    o.str("type", "Text");
    o.str("text", text);
    o.close('}');
    o.finish()
}

/// An event the guest sends (`onMessage` with a message of type `Event`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuestEvent {
    /// The guest is typing (`Typing` `On`).
    Typing,
    /// The guest joins before saying anything (`Presence` `Join`, "autostart").
    Join,
    /// The guest clears the conversation (`Presence` `Clear`): it ends, and the token starts afresh.
    Clear,
}

/// `onMessage` with one event.
pub fn event(token: &str, e: GuestEvent, tracing_id: &str) -> String {
    let (kind, key, value) = match e {
        GuestEvent::Typing => ("Typing", "typing", "On"),
        GuestEvent::Join => ("Presence", "presence", "Join"),
        GuestEvent::Clear => ("Presence", "presence", "Clear"),
    };
    let mut o = request("onMessage", token, Some(tracing_id));
    o.open("message");
    o.str("type", "Event");
    o.list("events");
    o.item();
    o.str("eventType", kind);
    o.open(key);
    o.str("type", value);
    o.close('}');
    o.close('}');
    o.close(']');
    o.close('}');
    o.finish()
}

/// `echo`: the health check; its answer is a `StructuredMessage` response carrying `tracing_id`.
pub fn echo(token: &str, tracing_id: &str) -> String {
    let mut o = request("echo", token, Some(tracing_id));
    o.open("message");
    o.str("type", "Text");
    o.str("text", "ping");
    o.close('}');
    o.finish()
}

/// `getJwt`: the session's JWT, the credential of the history call.
pub fn get_jwt(token: &str, tracing_id: &str) -> String {
    request("getJwt", token, Some(tracing_id)).finish()
}

/// `closeSession`: the session's sockets are closed (the conversation itself goes on).
pub fn close_session(token: &str) -> String {
    let mut o = request("closeSession", token, None);
    o.bool("closeAllConnections", true);
    o.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_socket_and_history_live_on_the_regions_hosts_or_on_one_local_origin() {
        let e = Endpoint::new("https://api.mypurecloud.ie/", "d 1");
        assert_eq!(
            e.socket(),
            "wss://webmessaging.mypurecloud.ie/v1?deploymentId=d%201"
        );
        let h = e.history("JWT", 2, 25);
        assert_eq!(
            h.url,
            "https://api.mypurecloud.ie/api/v2/webmessaging/messages?pageSize=25&pageNumber=2"
        );
        assert_eq!((h.method, h.bearer.as_deref()), (Method::Get, Some("JWT")));
        assert!(!h.url.contains("JWT"));
        let local = Endpoint::new("http://127.0.0.1:8080", "D");
        assert_eq!(
            local.socket(),
            "ws://127.0.0.1:8080/webmessaging/v1?deploymentId=D"
        );
        assert!(local
            .history("J", 1, 100)
            .url
            .starts_with("http://127.0.0.1:8080/api/v2/webmessaging/messages?"));
        assert_eq!(
            Endpoint::new("https://chat.example.com", "D").socket(),
            "wss://chat.example.com/webmessaging/v1?deploymentId=D"
        );
    }

    #[test]
    fn requests_are_the_documented_frames() {
        let e = Endpoint::new("https://api.usw2.pure.cloud", "DEP");
        assert_eq!(
            e.configure_session("T", false),
            r#"{"action":"configureSession","token":"T","deploymentId":"DEP"}"#
        );
        assert_eq!(
            e.configure_session("T", true),
            r#"{"action":"configureSession","token":"T","deploymentId":"DEP","startNew":true}"#
        );
        assert_eq!(
            text("T", "say \"hi\"", "t1"),
            r#"{"action":"onMessage","token":"T","tracingId":"t1","message":{"type":"Text","text":"say \"hi\""}}"#
        );
        assert_eq!(
            event("T", GuestEvent::Typing, "t2"),
            r#"{"action":"onMessage","token":"T","tracingId":"t2","message":{"type":"Event","events":[{"eventType":"Typing","typing":{"type":"On"}}]}}"#
        );
        assert_eq!(
            event("T", GuestEvent::Join, "t3"),
            r#"{"action":"onMessage","token":"T","tracingId":"t3","message":{"type":"Event","events":[{"eventType":"Presence","presence":{"type":"Join"}}]}}"#
        );
        assert!(event("T", GuestEvent::Clear, "t4").contains(r#""presence":{"type":"Clear"}"#));
        assert_eq!(
            echo("T", "t5"),
            r#"{"action":"echo","token":"T","tracingId":"t5","message":{"type":"Text","text":"ping"}}"#
        );
        assert_eq!(
            get_jwt("T", "t6"),
            r#"{"action":"getJwt","token":"T","tracingId":"t6"}"#
        );
        assert_eq!(
            close_session("T"),
            r#"{"action":"closeSession","token":"T","closeAllConnections":true}"#
        );
    }
}
