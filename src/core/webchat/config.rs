//! `_genesys.widgets.webchat`: what WebChatService reads from it, with its defaults, and errors that name the
//! field. The shell reads each path of [`PATHS`] from the page's object and hands over a [`Value`]; the core never
//! sees the JS object itself.

use crate::core::guestchat::json::push_uint;
use crate::core::guestchat::{Endpoint, Journey, Routing};

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

/// A validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub endpoint: Endpoint,
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
    endpoint: Endpoint {
        data_url: String::new(),
        organization_id: String::new(),
        deployment_id: String::new(),
    },
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
            endpoint: Endpoint::default(),
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

struct Reader<'a, F: Fn(&str) -> Value> {
    get: &'a F,
}

impl<F: Fn(&str) -> Value> Reader<'_, F> {
    fn opt_str(&self, path: &str) -> Result<Option<String>, ConfigError> {
        match (self.get)(path) {
            Value::Missing => Ok(None),
            Value::Str(s) => Ok(Some(s)),
            other => Err(ConfigError::wrong_type(path, "a string", &other)),
        }
    }

    fn req_str(&self, path: &str) -> Result<String, ConfigError> {
        match self.opt_str(path)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            Some(_) => Err(ConfigError::new(path, "must not be empty")),
            None => Err(ConfigError::new(path, "is required")),
        }
    }

    fn opt_bool(&self, path: &str, default: bool) -> Result<bool, ConfigError> {
        match (self.get)(path) {
            Value::Missing => Ok(default),
            Value::Bool(b) => Ok(b),
            other => Err(ConfigError::wrong_type(path, "a boolean", &other)),
        }
    }

    fn opt_int(&self, path: &str, default: u64, min: u64, max: u64) -> Result<u64, ConfigError> {
        match (self.get)(path) {
            Value::Missing => Ok(default),
            Value::Number(n) if n.fract() == 0.0 && n >= min as f64 && n <= max as f64 => Ok(n as u64),
            Value::Number(n) => {
                let mut p = String::from("must be an integer from ");
                push_uint(&mut p, min);
                p.push_str(" to ");
                push_uint(&mut p, max);
                p.push_str(", not ");
                push_number(&mut p, n);
                Err(ConfigError::new(path, &p))
            }
            other => Err(ConfigError::wrong_type(path, "a number", &other)),
        }
    }
}

impl Config {
    /// Validates the configuration that `get` reads (one [`PATHS`] entry at a time), field by field in a fixed
    /// order (the first problem is the one reported). Fields are written into one `Config` as they pass, so an
    /// early return drops one value rather than every string read so far (drop code at each `?` was most of
    /// this function's wasm).
    pub fn parse<F: Fn(&str) -> Value>(get: &F) -> Result<Config, ConfigError> {
        let r = Reader { get };
        let mut c = Config::default();
        match get("transport") {
            Value::Object => {}
            Value::Missing => return Err(ConfigError::new("transport", "is required")),
            other => return Err(ConfigError::wrong_type("transport", "an object", &other)),
        }
        let ty = r.req_str("transport.type")?;
        if ty != TRANSPORT_TYPE {
            let mut p = String::from("must be '");
            p.push_str(TRANSPORT_TYPE);
            p.push_str("', not '");
            p.push_str(&ty);
            p.push('\'');
            return Err(ConfigError::new("transport.type", &p));
        }
        let data_url = r.req_str("transport.dataURL")?;
        if !(data_url.starts_with("https://") || data_url.starts_with("http://")) {
            return Err(ConfigError::new("transport.dataURL", "must be an http(s) URL"));
        }
        c.endpoint.data_url = data_url.trim_end_matches('/').to_string();
        c.endpoint.deployment_id = r.req_str("transport.deploymentKey")?;
        c.endpoint.organization_id = match r.opt_str("transport.orgGuid")? {
            Some(s) if !s.trim().is_empty() => s,
            _ => match r.opt_str("transport.organizationId")? {
                Some(s) if !s.trim().is_empty() => s,
                _ => return Err(ConfigError::new("transport.orgGuid", "is required")),
            },
        };
        c.routing.target_type = r
            .opt_str("transport.interactionData.routing.targetType")?
            .unwrap_or_else(|| "QUEUE".into());
        c.routing.target_address = r.req_str("transport.interactionData.routing.targetAddress")?;
        if get("transport.interactionData.routing.priority") != Value::Missing {
            c.routing.priority =
                Some(r.opt_int("transport.interactionData.routing.priority", 0, 0, 10)? as u8);
        }
        match get("transport.interactionData.routing.skills") {
            Value::Missing => {}
            Value::Array(items) => {
                for (i, item) in items.into_iter().enumerate() {
                    match item {
                        Some(s) => c.routing.skills.push(s),
                        None => {
                            let mut f = String::from("transport.interactionData.routing.skills[");
                            push_uint(&mut f, i as u64);
                            f.push(']');
                            return Err(ConfigError::new(&f, "must be a string"));
                        }
                    }
                }
            }
            other => {
                return Err(ConfigError::wrong_type(
                    "transport.interactionData.routing.skills",
                    "an array of strings",
                    &other,
                ))
            }
        }
        c.routing.language = r.opt_str("transport.interactionData.routing.language")?;
        match get("transport.interactionData.journey") {
            Value::Missing => {}
            Value::Object => {
                let j = c.journey.insert(Journey::default());
                j.customer_id = r.opt_str("transport.interactionData.journey.customerId")?;
                j.customer_id_type = r.opt_str("transport.interactionData.journey.customerIdType")?;
                j.session_id = r.opt_str("transport.interactionData.journey.sessionId")?;
                j.action_id = r.opt_str("transport.interactionData.journey.actionId")?;
                j.action_map_id = r.opt_str("transport.interactionData.journey.actionMapId")?;
                j.action_map_version = match get("transport.interactionData.journey.actionMapVersion") {
                    Value::Missing => None,
                    Value::Number(n) => Some(n),
                    other => {
                        return Err(ConfigError::wrong_type(
                            "transport.interactionData.journey.actionMapVersion",
                            "a number",
                            &other,
                        ))
                    }
                };
            }
            other => {
                return Err(ConfigError::wrong_type(
                    "transport.interactionData.journey",
                    "an object",
                    &other,
                ))
            }
        }
        match get("userData") {
            Value::Missing | Value::Object => {}
            other => return Err(ConfigError::wrong_type("userData", "an object", &other)),
        }
        c.pagination = r.opt_bool("transport.pagination", c.pagination)?;
        c.max_message_page_size = r.opt_int("transport.maxMessagePageSize", 100, 1, 100)? as u32;
        c.polling = r.opt_bool("transport.polling", c.polling)?;
        c.poll_interval_ms = r.opt_int("transport.pollInterval", c.poll_interval_ms, 50, 600_000)?;
        c.poll_exception_limit = r.opt_int("pollExceptionLimit", 5, 1, 1000)? as u32;
        c.restore_timeout_ms = r.opt_int("restoreTimeout", c.restore_timeout_ms, 0, 86_400_000)?;
        c.heartbeat_timeout_ms =
            r.opt_int("transport.heartbeatTimeout", c.heartbeat_timeout_ms, 100, 600_000)?;
        c.reconnect_interval_ms = r.opt_int(
            "transport.reconnectInterval",
            c.reconnect_interval_ms,
            10,
            600_000,
        )?;
        c.request_timeout_ms = r.opt_int("transport.requestTimeout", c.request_timeout_ms, 100, 600_000)?;
        Ok(c)
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

    fn parse(m: &HashMap<&'static str, Value>) -> Result<Config, ConfigError> {
        Config::parse(&|p: &str| m.get(p).cloned().unwrap_or(Value::Missing))
    }

    #[test]
    fn the_seed_example_is_valid_and_gets_the_defaults() {
        let mut m = base();
        m.insert("transport.interactionData.routing.priority", Value::Number(2.0));
        let c = parse(&m).unwrap();
        assert_eq!(c.endpoint.data_url, "http://127.0.0.1:1");
        assert_eq!(c.routing.target_type, "QUEUE");
        assert_eq!(c.routing.priority, Some(2));
        assert_eq!(c.max_message_page_size, 100);
        assert_eq!(c.poll_exception_limit, 5);
        assert_eq!(c.restore_timeout_ms, 60_000);
        assert!(c.pagination && !c.polling);
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
        assert_eq!(parse(&m).unwrap().endpoint.organization_id, "O2");
        assert_eq!(
            Config::parse(&|_: &str| Value::Missing).unwrap_err().0,
            "WebChatService configuration: transport is required"
        );
    }
}
