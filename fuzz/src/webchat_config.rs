//! `_genesys.widgets.webchat`: any value at any path WebChatService reads.

use cxbridge::core::guestchat::MemberInfo;
use cxbridge::core::webchat::config::{Config, Transport, Value as Cv, PATHS};

use crate::input::Src;
use crate::json::is_json;

const CONFIG_STRINGS: &[&str] = &[
    "purecloud-v2-sockets",
    "http://emu",
    "https://api.mypurecloud.com",
    "ftp://x",
    "",
    "   ",
    "QUEUE",
    "Support",
    "en-us",
    "KEY",
    "ORG",
    "\"}{",
];

fn config_value(s: &mut Src) -> Cv {
    match s.below(10) {
        0 | 1 => Cv::Missing,
        2 => Cv::Bool(s.bool()),
        3 | 4 => Cv::Number(s.f64()),
        5..=7 => Cv::Str(s.str(CONFIG_STRINGS)),
        8 => Cv::Array((0..s.below(4)).map(|_| s.opt_str(CONFIG_STRINGS)).collect()),
        _ => {
            if s.bool() {
                Cv::Object
            } else {
                Cv::Other(
                    s.pick(&["null", "function", "symbol", "bigint"])
                        .unwrap_or(&"null"),
                )
            }
        }
    }
}

/// `_genesys.widgets.webchat` with any value at any path WebChatService reads: a configuration, or an error that
/// names one of those paths; a valid one must build well-formed create requests.
pub fn webchat_config(data: &[u8]) {
    let mut s = Src::new(data);
    // Start from a valid configuration and disturb some paths, so the fuzzer reaches the later checks.
    let mut values: Vec<(&str, Cv)> = Vec::new();
    for (path, v) in [
        ("transport", Cv::Object),
        ("transport.type", Cv::Str("purecloud-v2-sockets".into())),
        ("transport.dataURL", Cv::Str("http://emu".into())),
        ("transport.deploymentKey", Cv::Str("KEY".into())),
        ("transport.orgGuid", Cv::Str("ORG".into())),
        (
            "transport.interactionData.routing.targetAddress",
            Cv::Str("Support".into()),
        ),
    ] {
        values.push((path, v));
    }
    while !s.is_empty() {
        let Some(path) = s.pick(PATHS).copied() else { break };
        let v = config_value(&mut s);
        values.retain(|(p, _)| *p != path);
        values.push((path, v));
    }
    let get = |p: &str| {
        values
            .iter()
            .find(|(q, _)| *q == p)
            .map(|(_, v)| v.clone())
            .unwrap_or(Cv::Missing)
    };
    match Config::parse(&get) {
        Ok(config) => {
            if let Transport::GuestChat(endpoint) = &config.transport {
                let r = endpoint.create(
                    &config.routing,
                    &MemberInfo {
                        display_name: Some("Ann \"A\" \\ \u{1}".into()),
                        ..Default::default()
                    },
                    config.journey.as_ref(),
                );
                let body = r.body.unwrap_or_default();
                assert!(is_json(&body), "create body is not JSON: {body}");
            }
        }
        Err(e) => {
            let prefix = "WebChatService configuration: ";
            assert!(
                e.0.starts_with(prefix),
                "unexplained configuration error: {}",
                e.0
            );
            assert!(
                PATHS
                    .iter()
                    .any(|p| e.0.get(prefix.len()..).is_some_and(|rest| rest.starts_with(p))),
                "a configuration error must name the path: {}",
                e.0
            );
        }
    }
}
