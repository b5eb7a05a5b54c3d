//! `_genesys.widgets.webchat`: what WebChatService reads from it, with its defaults, and errors that name the
//! field. The shell reads each path of [`PATHS`] from the page's object and hands over a [`Value`]; the core never
//! sees the JS object itself.

use crate::core::guestchat::{Endpoint, Journey, Routing};
use crate::core::text::push_uint;

/// Writes a number for an error message without float formatting: integers as digits, others approximately.
fn push_number(out: &mut String, n: f64) {
    if !n.is_finite() {
        out.push_str(if n.is_nan() { "NaN" } else { "Infinity" });
        return;
    }
    if n < 0.0 {
        out.push('-');
    }
    let a = n.abs();
    push_uint(out, a.trunc() as u64);
    let milli = (a.fract() * 1000.0).round() as u64;
    if milli > 0 && milli < 1000 {
        out.push('.');
        let mut digits = String::new();
        push_uint(&mut digits, milli + 1000);
        out.push_str(digits.get(1..).unwrap_or("").trim_end_matches('0'));
    }
}

/// A configuration value, as much as validation needs to know of it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Missing,
    Bool(bool),
    Number(f64),
    Str(String),
    /// An array, with its string items (non-strings are `None`, so a wrong item can be named).
    Array(Vec<Option<String>>),
    Object,
    /// Anything else, with its `typeof`-like name (`null`, `function`, …).
    Other(&'static str),
}

impl Value {
    fn type_name(&self) -> &'static str {
        match self {
            Value::Missing => "undefined",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::Str(_) => "string",
            Value::Array(_) => "array",
            Value::Object => "object",
            Value::Other(t) => t,
        }
    }
}

/// The dotted paths under `_genesys.widgets.webchat` that WebChatService reads.
pub const PATHS: &[&str] = &[
    "transport",
    "transport.type",
    "transport.dataURL",
    "transport.deploymentKey",
    "transport.deploymentId",
    "transport.orgGuid",
    "transport.organizationId",
    "transport.pagination",
    "transport.maxMessagePageSize",
    "transport.polling",
    "transport.pollInterval",
    "transport.heartbeatTimeout",
    "transport.reconnectInterval",
    "transport.requestTimeout",
    "transport.interactionData.routing.targetType",
    "transport.interactionData.routing.targetAddress",
    "transport.interactionData.routing.priority",
    "transport.interactionData.routing.skills",
    "transport.interactionData.routing.language",
    "transport.interactionData.journey",
    "transport.interactionData.journey.customerId",
    "transport.interactionData.journey.customerIdType",
    "transport.interactionData.journey.sessionId",
    "transport.interactionData.journey.actionId",
    "transport.interactionData.journey.actionMapId",
    "transport.interactionData.journey.actionMapVersion",
    "userData",
    "pollExceptionLimit",
    "restoreTimeout",
];

pub const TRANSPORT_TYPE: &str = "purecloud-v2-sockets";
/// The Web Messaging guest API (docs/webmessaging.md).
pub const MESSAGING_TYPE: &str = "genesys-web-messaging";

/// The API a chat is carried over (`transport.type`).
#[derive(Debug, Clone, PartialEq)]
pub enum Transport {
    /// `purecloud-v2-sockets`: the Guest Chat API v2.
    GuestChat(Endpoint),
    /// `genesys-web-messaging`: the Web Messaging guest API ([`Config::parse_with_messaging`]).
    WebMessaging(Messaging),
}

/// A Web Messaging configuration, and the transport that carries it: a configuration of this kind is made
/// only by [`Config::parse_with_messaging`], so a shell that never calls it links none of the transport.
#[derive(Debug, Clone, PartialEq)]
pub struct Messaging {
    /// The region's API, `https://api.<region>` (the socket's host is derived from it, see
    /// [`crate::core::webmessaging::Endpoint::new`]).
    pub data_url: String,
    pub deployment_id: String,
    /// Uninhabited in a build without the `webmessaging` feature: no such configuration can exist there, so the
    /// compiler drops every branch of the session that serves one.
    pub(super) _built: Built,
}

/// See [`Messaging::_built`].
#[cfg(feature = "webmessaging")]
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Built;
#[cfg(not(feature = "webmessaging"))]
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Built {}

/// A [`Built`], where the build has the transport.
fn built() -> Option<Built> {
    #[cfg(feature = "webmessaging")]
    return Some(Built);
    #[cfg(not(feature = "webmessaging"))]
    None
}

/// A validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub transport: Transport,
    pub routing: Routing,
    pub journey: Option<Journey>,
    /// `transport.pagination` (true): restore pages of `max_message_page_size`; false restores in one event.
    pub pagination: bool,
    /// `transport.maxMessagePageSize` (100, the API's limit).
    pub max_message_page_size: u32,
    /// `transport.polling` (false): a project addition for networks that block WebSockets.
    pub polling: bool,
    /// `transport.pollInterval` ms (2000).
    pub poll_interval_ms: u64,
    /// `pollExceptionLimit` (5).
    pub poll_exception_limit: u32,
    /// `restoreTimeout` ms (60000).
    pub restore_timeout_ms: u64,
    /// `transport.heartbeatTimeout` ms (14000): stream silence after which the connection is presumed lost.
    pub heartbeat_timeout_ms: u64,
    /// `transport.reconnectInterval` ms (2000): the first reconnect delay, doubled per failure.
    pub reconnect_interval_ms: u64,
    /// `transport.requestTimeout` ms (15000): an HTTP request without an answer by then has failed.
    pub request_timeout_ms: u64,
}

/// The defaults, as a constant so the session can borrow them before it is configured.
pub static DEFAULTS: Config = Config {
    transport: Transport::GuestChat(Endpoint {
        data_url: String::new(),
        organization_id: String::new(),
        deployment_id: String::new(),
    }),
    routing: Routing {
        target_type: String::new(),
        target_address: String::new(),
        priority: None,
        skills: Vec::new(),
        language: None,
    },
    journey: None,
    pagination: true,
    max_message_page_size: 100,
    polling: false,
    poll_interval_ms: 2000,
    poll_exception_limit: 5,
    restore_timeout_ms: 60_000,
    heartbeat_timeout_ms: 14_000,
    reconnect_interval_ms: 2000,
    request_timeout_ms: 15_000,
};

impl Default for Config {
    fn default() -> Self {
        Config {
            transport: Transport::GuestChat(Endpoint::default()),
            routing: Routing::default(),
            journey: None,
            pagination: true,
            max_message_page_size: 100,
            polling: false,
            poll_interval_ms: 2000,
            poll_exception_limit: 5,
            restore_timeout_ms: 60_000,
            heartbeat_timeout_ms: 14_000,
            reconnect_interval_ms: 2000,
            request_timeout_ms: 15_000,
        }
    }
}

/// A configuration problem, naming the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl ConfigError {
    fn new(field: &str, problem: &str) -> Self {
        let mut s = String::from("WebChatService configuration: ");
        s.push_str(field);
        s.push(' ');
        s.push_str(problem);
        ConfigError(s)
    }

    fn wrong_type(field: &str, want: &str, got: &Value) -> Self {
        let mut p = String::from("must be ");
        p.push_str(want);
        p.push_str(", not ");
        p.push_str(got.type_name());
        ConfigError::new(field, &p)
    }
}

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

impl crate::core::text::Readable for ConfigError {
    fn message(self) -> String {
        self.0
    }
}

/// Reads fields and keeps the first problem met. Every check runs in a fixed order and only the first failure is
/// kept, so the reported error is the one an early return would give, without an error path (and its drops) at
/// each field: that plumbing was most of this module's wasm.
struct Reader<'a, F: Fn(&str) -> Value> {
    get: &'a F,
    err: Option<ConfigError>,
}

impl<F: Fn(&str) -> Value> Reader<'_, F> {
    fn fail(&mut self, e: ConfigError) {
        if self.err.is_none() {
            self.err = Some(e);
        }
    }

    fn wrong(&mut self, path: &str, want: &str, got: &Value) {
        if self.err.is_none() {
            self.err = Some(ConfigError::wrong_type(path, want, got));
        }
    }

    fn opt_str(&mut self, path: &str) -> Option<String> {
        match (self.get)(path) {
            Value::Missing => None,
            Value::Str(s) => Some(s),
            other => {
                self.wrong(path, "a string", &other);
                None
            }
        }
    }

    /// A string that is not blank; `or` is read instead when this one is missing or blank.
    fn req_str(&mut self, path: &str, or: Option<&str>) -> String {
        let mut v = self.opt_str(path);
        if let Some(other) = or {
            if !matches!(v.as_deref(), Some(s) if !super::is_blank(s)) {
                v = self.opt_str(other);
            }
        }
        match v {
            Some(s) if !super::is_blank(&s) => return s,
            Some(_) if or.is_none() => self.fail(ConfigError::new(path, "must not be empty")),
            _ => self.fail(ConfigError::new(path, "is required")),
        }
        String::new()
    }

    fn opt_bool(&mut self, path: &str, default: bool) -> bool {
        match (self.get)(path) {
            Value::Missing => default,
            Value::Bool(b) => b,
            other => {
                self.wrong(path, "a boolean", &other);
                default
            }
        }
    }

    fn opt_int(&mut self, path: &str, default: u64, min: u64, max: u64) -> u64 {
        match (self.get)(path) {
            Value::Missing => default,
            Value::Number(n) if n.fract() == 0.0 && n >= min as f64 && n <= max as f64 => n as u64,
            Value::Number(n) => {
                let mut p = String::from("must be an integer from ");
                push_uint(&mut p, min);
                p.push_str(" to ");
                push_uint(&mut p, max);
                p.push_str(", not ");
                push_number(&mut p, n);
                self.fail(ConfigError::new(path, &p));
                default
            }
            other => {
                self.wrong(path, "a number", &other);
                default
            }
        }
    }

    /// Whether the value at `path` is an object (missing is fine when `optional`).
    fn object(&mut self, path: &str, optional: bool) -> bool {
        match (self.get)(path) {
            Value::Object => true,
            Value::Missing if optional => false,
            Value::Missing => {
                self.fail(ConfigError::new(path, "is required"));
                false
            }
            other => {
                self.wrong(path, "an object", &other);
                false
            }
        }
    }
}

/// The numeric and boolean settings after the routing ones, in the order they are checked: (path, min, max), a
/// max of 0 meaning a boolean.
const TUNING: [(&str, u64, u64); 9] = [
    ("transport.pagination", 0, 0),
    ("transport.maxMessagePageSize", 1, 100),
    ("transport.polling", 0, 0),
    ("transport.pollInterval", 50, 600_000),
    ("pollExceptionLimit", 1, 1000),
    ("restoreTimeout", 0, 86_400_000),
    ("transport.heartbeatTimeout", 100, 600_000),
    ("transport.reconnectInterval", 10, 600_000),
    ("transport.requestTimeout", 100, 600_000),
];

impl Config {
    /// Validates a Guest Chat configuration (`purecloud-v2-sockets`) that `get` reads (one [`PATHS`] entry at a
    /// time); the error is the first problem in the order the fields are read here.
    pub fn parse<F: Fn(&str) -> Value>(get: &F) -> Result<Config, ConfigError> {
        Config::parse_as::<F, false>(get)
    }

    /// Validates a configuration of either transport, as its `transport.type` says: what a shell that carries
    /// Web Messaging reads (calling it links that transport).
    pub fn parse_with_messaging<F: Fn(&str) -> Value>(get: &F) -> Result<Config, ConfigError> {
        Config::parse_as::<F, true>(get)
    }

    fn parse_as<F: Fn(&str) -> Value, const MESSAGING: bool>(get: &F) -> Result<Config, ConfigError> {
        let mut r = Reader { get, err: None };
        let mut c = Config::default();
        r.object("transport", false);
        let ty = r.req_str("transport.type", None);
        let built = if MESSAGING && ty == MESSAGING_TYPE {
            built()
        } else {
            None
        };
        let messaging = built.is_some();
        if ty != TRANSPORT_TYPE && !messaging {
            let p = if MESSAGING {
                crate::core::text::concat(&[
                    "must be '",
                    TRANSPORT_TYPE,
                    "' or '",
                    MESSAGING_TYPE,
                    "', not '",
                    &ty,
                    "'",
                ])
            } else {
                crate::core::text::concat(&["must be '", TRANSPORT_TYPE, "', not '", &ty, "'"])
            };
            r.fail(ConfigError::new("transport.type", &p));
        }
        let data_url = r.req_str("transport.dataURL", None);
        if !(data_url.starts_with("https://") || data_url.starts_with("http://")) {
            r.fail(ConfigError::new("transport.dataURL", "must be an http(s) URL"));
        }
        let data_url = data_url.trim_end_matches('/').to_string();
        if let Some(_built) = built {
            // The deployment routes the conversation (its Architect flow): no organization, no routing target.
            c.transport = Transport::WebMessaging(Messaging {
                data_url,
                deployment_id: r.req_str("transport.deploymentId", Some("transport.deploymentKey")),
                _built,
            });
        } else {
            let deployment_id = r.req_str("transport.deploymentKey", None);
            c.transport = Transport::GuestChat(Endpoint {
                data_url,
                deployment_id,
                organization_id: r.req_str("transport.orgGuid", Some("transport.organizationId")),
            });
        }
        if let Some(t) = r.opt_str("transport.interactionData.routing.targetType") {
            c.routing.target_type = t;
        } else {
            c.routing.target_type.push_str("QUEUE");
        }
        if messaging {
            c.routing.target_address = r
                .opt_str("transport.interactionData.routing.targetAddress")
                .unwrap_or_default();
        } else {
            c.routing.target_address = r.req_str("transport.interactionData.routing.targetAddress", None);
        }
        if get("transport.interactionData.routing.priority") != Value::Missing {
            c.routing.priority =
                Some(r.opt_int("transport.interactionData.routing.priority", 0, 0, 10) as u8);
        }
        match get("transport.interactionData.routing.skills") {
            Value::Missing => {}
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Some(s) => c.routing.skills.push(s.clone()),
                        None => {
                            let mut f = String::from("transport.interactionData.routing.skills[");
                            push_uint(&mut f, i as u64);
                            f.push(']');
                            r.fail(ConfigError::new(&f, "must be a string"));
                            break;
                        }
                    }
                }
            }
            other => r.wrong(
                "transport.interactionData.routing.skills",
                "an array of strings",
                &other,
            ),
        }
        c.routing.language = r.opt_str("transport.interactionData.routing.language");
        if r.object("transport.interactionData.journey", true) {
            let mut j = Journey {
                customer_id: r.opt_str("transport.interactionData.journey.customerId"),
                customer_id_type: r.opt_str("transport.interactionData.journey.customerIdType"),
                session_id: r.opt_str("transport.interactionData.journey.sessionId"),
                action_id: r.opt_str("transport.interactionData.journey.actionId"),
                action_map_id: r.opt_str("transport.interactionData.journey.actionMapId"),
                action_map_version: None,
            };
            match get("transport.interactionData.journey.actionMapVersion") {
                Value::Missing => {}
                Value::Number(n) => j.action_map_version = Some(n),
                other => r.wrong(
                    "transport.interactionData.journey.actionMapVersion",
                    "a number",
                    &other,
                ),
            }
            c.journey = Some(j);
        }
        r.object("userData", true);
        let mut v = [
            u64::from(c.pagination),
            u64::from(c.max_message_page_size),
            u64::from(c.polling),
            c.poll_interval_ms,
            u64::from(c.poll_exception_limit),
            c.restore_timeout_ms,
            c.heartbeat_timeout_ms,
            c.reconnect_interval_ms,
            c.request_timeout_ms,
        ];
        for (slot, (path, min, max)) in v.iter_mut().zip(TUNING) {
            *slot = if max == 0 {
                u64::from(r.opt_bool(path, *slot != 0))
            } else {
                r.opt_int(path, *slot, min, max)
            };
        }
        let [pagination, page, polling, poll, limit, restore, heartbeat, reconnect, request] = v;
        c.pagination = pagination != 0;
        c.max_message_page_size = page as u32;
        c.polling = polling != 0;
        c.poll_interval_ms = poll;
        c.poll_exception_limit = limit as u32;
        c.restore_timeout_ms = restore;
        c.heartbeat_timeout_ms = heartbeat;
        c.reconnect_interval_ms = reconnect;
        c.request_timeout_ms = request;
        if messaging && c.polling {
            // Everything of a messaging session comes over its socket: there is nothing to poll.
            r.fail(ConfigError::new(
                "transport.polling",
                "must be false with 'genesys-web-messaging' (it has no polling)",
            ));
        }
        match r.err {
            Some(e) => Err(e),
            None => Ok(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    pub fn base() -> HashMap<&'static str, Value> {
        let mut m = HashMap::new();
        m.insert("transport", Value::Object);
        m.insert("transport.type", Value::Str(TRANSPORT_TYPE.into()));
        m.insert("transport.dataURL", Value::Str("http://127.0.0.1:1/".into()));
        m.insert("transport.deploymentKey", Value::Str("KEY".into()));
        m.insert("transport.orgGuid", Value::Str("ORG".into()));
        m.insert(
            "transport.interactionData.routing.targetAddress",
            Value::Str("Support".into()),
        );
        m
    }

    /// The Guest Chat endpoint of a configuration of that transport.
    pub fn guest_chat(c: &Config) -> &Endpoint {
        match &c.transport {
            Transport::GuestChat(ep) => ep,
            other => panic!("not Guest Chat: {other:?}"),
        }
    }

    fn parse(m: &HashMap<&'static str, Value>) -> Result<Config, ConfigError> {
        Config::parse(&|p: &str| m.get(p).cloned().unwrap_or(Value::Missing))
    }

    #[test]
    fn the_seed_example_is_valid_and_gets_the_defaults() {
        let mut m = base();
        m.insert("transport.interactionData.routing.priority", Value::Number(2.0));
        let c = parse(&m).unwrap();
        assert_eq!(guest_chat(&c).data_url, "http://127.0.0.1:1");
        assert_eq!(c.routing.target_type, "QUEUE");
        assert_eq!(c.routing.priority, Some(2));
        assert_eq!(c.max_message_page_size, 100);
        assert_eq!(c.poll_exception_limit, 5);
        assert_eq!(c.restore_timeout_ms, 60_000);
        assert!(c.pagination && !c.polling);
    }

    #[test]
    fn the_first_problem_in_reading_order_is_the_one_reported() {
        let mut m = base();
        m.insert("transport.interactionData.routing.priority", Value::Number(11.0));
        m.insert("transport.dataURL", Value::Missing);
        m.insert("restoreTimeout", Value::Str("1".into()));
        assert_eq!(
            parse(&m).unwrap_err().0,
            "WebChatService configuration: transport.dataURL is required"
        );
        let mut m = base();
        m.insert("transport.orgGuid", Value::Number(1.0));
        m.insert("transport.organizationId", Value::Str("O2".into()));
        assert_eq!(
            parse(&m).unwrap_err().0,
            "WebChatService configuration: transport.orgGuid must be a string, not number"
        );
        let mut m = base();
        m.insert("transport.orgGuid", Value::Str(" ".into()));
        assert_eq!(
            parse(&m).unwrap_err().0,
            "WebChatService configuration: transport.orgGuid is required"
        );
        let mut m = base();
        m.insert("transport.deploymentKey", Value::Str(" ".into()));
        assert_eq!(
            parse(&m).unwrap_err().0,
            "WebChatService configuration: transport.deploymentKey must not be empty"
        );
        let mut m = base();
        m.insert("transport.interactionData.journey", Value::Object);
        m.insert(
            "transport.interactionData.journey.actionId",
            Value::Str("A".into()),
        );
        m.insert(
            "transport.interactionData.journey.actionMapVersion",
            Value::Number(3.0),
        );
        m.insert("transport.polling", Value::Bool(true));
        m.insert("transport.pollInterval", Value::Number(500.0));
        let c = parse(&m).unwrap();
        let j = c.journey.unwrap();
        assert_eq!(
            (j.action_id.as_deref(), j.action_map_version),
            (Some("A"), Some(3.0))
        );
        assert!(c.polling && c.pagination);
        assert_eq!((c.poll_interval_ms, c.request_timeout_ms), (500, 15_000));
        m.insert("transport.interactionData.journey", Value::Str("x".into()));
        assert_eq!(
            parse(&m).unwrap_err().0,
            "WebChatService configuration: transport.interactionData.journey must be an object, not string"
        );
    }

    #[test]
    fn errors_name_the_field() {
        let cases: Vec<(&str, Value, &str)> = vec![
            ("transport.dataURL", Value::Missing, "WebChatService configuration: transport.dataURL is required"),
            ("transport.deploymentKey", Value::Missing, "WebChatService configuration: transport.deploymentKey is required"),
            ("transport.orgGuid", Value::Missing, "WebChatService configuration: transport.orgGuid is required"),
            ("transport.interactionData.routing.priority", Value::Number(11.0), "WebChatService configuration: transport.interactionData.routing.priority must be an integer from 0 to 10, not 11"),
            ("transport.interactionData.routing.priority", Value::Str("2".into()), "WebChatService configuration: transport.interactionData.routing.priority must be a number, not string"),
            ("transport.pagination", Value::Str("yes".into()), "WebChatService configuration: transport.pagination must be a boolean, not string"),
            ("transport.dataURL", Value::Number(1.0), "WebChatService configuration: transport.dataURL must be a string, not number"),
            ("transport.type", Value::Str("purecloud-v2".into()), "WebChatService configuration: transport.type must be 'purecloud-v2-sockets', not 'purecloud-v2'"),
            ("transport.interactionData.routing.skills", Value::Array(vec![Some("a".into()), None]), "WebChatService configuration: transport.interactionData.routing.skills[1] must be a string"),
        ];
        for (path, v, msg) in cases {
            let mut m = base();
            m.insert(path, v);
            assert_eq!(parse(&m).unwrap_err().0, msg);
        }
        let mut m = base();
        m.insert("transport.orgGuid", Value::Missing);
        m.insert("transport.organizationId", Value::Str("O2".into()));
        assert_eq!(guest_chat(&parse(&m).unwrap()).organization_id, "O2");
        assert_eq!(
            Config::parse(&|_: &str| Value::Missing).unwrap_err().0,
            "WebChatService configuration: transport is required"
        );
    }

    // Only a build with the transport holds such a configuration.
    #[cfg(feature = "webmessaging")]
    #[test]
    fn web_messaging_needs_a_deployment_id_and_the_regions_api() {
        let mut m = HashMap::new();
        m.insert("transport", Value::Object);
        m.insert("transport.type", Value::Str(MESSAGING_TYPE.into()));
        m.insert(
            "transport.dataURL",
            Value::Str("https://api.mypurecloud.ie/".into()),
        );
        m.insert("transport.deploymentId", Value::Str("DEP".into()));
        // A shell without the transport reads Guest Chat only.
        assert_eq!(
            parse(&m).unwrap_err().0,
            "WebChatService configuration: transport.type must be 'purecloud-v2-sockets', not 'genesys-web-messaging'"
        );
        let parse = |m: &HashMap<&'static str, Value>| {
            Config::parse_with_messaging(&|p: &str| m.get(p).cloned().unwrap_or(Value::Missing))
        };
        assert!(matches!(
            parse(&m).unwrap().transport,
            Transport::WebMessaging(w) if w.data_url == "https://api.mypurecloud.ie" && w.deployment_id == "DEP"
        ));
        m.insert("transport.type", Value::Str("x".into()));
        assert_eq!(
            parse(&m).unwrap_err().0,
            "WebChatService configuration: transport.type must be 'purecloud-v2-sockets' or 'genesys-web-messaging', not 'x'"
        );
        m.insert("transport.type", Value::Str(MESSAGING_TYPE.into()));
        // `deploymentKey` (the Guest Chat name) is read when `deploymentId` is not given.
        m.remove("transport.deploymentId");
        m.insert("transport.deploymentKey", Value::Str("KEY".into()));
        assert!(matches!(
            parse(&m).unwrap().transport,
            Transport::WebMessaging(w) if w.deployment_id == "KEY"
        ));
        m.remove("transport.deploymentKey");
        assert_eq!(
            parse(&m).unwrap_err().0,
            "WebChatService configuration: transport.deploymentId is required"
        );
        m.insert("transport.deploymentId", Value::Str("DEP".into()));
        m.insert("transport.polling", Value::Bool(true));
        assert_eq!(
            parse(&m).unwrap_err().0,
            "WebChatService configuration: transport.polling must be false with 'genesys-web-messaging' (it has no polling)"
        );
        m.remove("transport.polling");
        m.remove("transport.dataURL");
        assert_eq!(
            parse(&m).unwrap_err().0,
            "WebChatService configuration: transport.dataURL is required"
        );
    }
}
