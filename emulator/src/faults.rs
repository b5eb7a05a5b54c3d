//! Fault injection for tests, live only with `--faults` or `CXBRIDGE_FAULTS=1`, under `/__emulator/faults`, a
//! path no Genesys client uses. It lets a test break the network the way production breaks it: sockets that
//! drop, heartbeats that stop, deliveries that stall or arrive out of order, requests that fail (before or after
//! the server acted) or hang.

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::util::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::conversations::{Out, Shuffle, Wire};
use crate::util::{json_object, lock, opt_str, req_str, ApiError, ApiResult};
use crate::webmessaging::wire;
use crate::Shared;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Answer `status` without touching the server state.
    Fail,
    /// Do the work (store the message, fan it out) and then answer `status` anyway: the response was "lost",
    /// which is how a client's retry logic gets caught sending twice.
    AcceptThenFail,
    /// Only wait `delayMs`, then serve normally.
    Delay,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Mode::Fail => "fail",
            Mode::AcceptThenFail => "accept-then-fail",
            Mode::Delay => "delay",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub path: String,
    pub method: Option<String>,
    pub status: StatusCode,
    pub remaining: u64,
    pub mode: Mode,
    pub delay_ms: u64,
}

impl Rule {
    fn to_json(&self) -> Value {
        json!({
            "path": self.path,
            "method": self.method,
            "status": self.status.as_u16(),
            "remaining": self.remaining,
            "mode": self.mode.as_str(),
            "delayMs": self.delay_ms,
        })
    }
}

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/__emulator/faults", get(status).delete(reset))
        .route("/__emulator/faults/requests", post(add_rule))
        .route("/__emulator/faults/drop-sockets", post(drop_sockets))
        .route("/__emulator/faults/heartbeats/stop", post(stop_heartbeats))
        .route("/__emulator/faults/heartbeats/start", post(start_heartbeats))
        .route(
            "/__emulator/faults/conversations/{cid}/disconnect-customer",
            post(disconnect_customer),
        )
        .route("/__emulator/faults/rules", delete(reset))
        .route("/__emulator/faults/stall", post(stall))
        .route("/__emulator/faults/out-of-order", post(out_of_order))
}

/// Waits while the stall fault holds deliveries; every socket calls it before sending a frame, so frames queue
/// (in order) meanwhile.
pub async fn wait_out_stall(st: &Shared) {
    loop {
        let until = *lock(&st.stall_until);
        match until {
            Some(t) if t > tokio::time::Instant::now() => tokio::time::sleep_until(t).await,
            _ => return,
        }
    }
}

fn enabled(st: &Shared) -> ApiResult<()> {
    if st.cfg.faults {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "faults.disabled",
            "Fault injection is off: start the emulator with --faults or CXBRIDGE_FAULTS=1.",
        ))
    }
}

/// Applied to the Guest Chat API and the event-stream upgrade only.
pub async fn middleware(State(st): State<Shared>, req: Request, next: Next) -> Response {
    let rule = {
        let mut rules = lock(&st.faults);
        let path = req.uri().path().to_string();
        let method = req.method().as_str().to_string();
        let hit = rules.iter().position(|r| {
            r.remaining > 0
                && path.contains(&r.path)
                && r.method.as_ref().is_none_or(|m| m.eq_ignore_ascii_case(&method))
        });
        match hit.and_then(|i| rules.get_mut(i).map(|r| (i, r))) {
            None => None,
            Some((i, r)) => {
                r.remaining -= 1;
                let out = r.clone();
                if r.remaining == 0 {
                    rules.remove(i);
                }
                Some(out)
            }
        }
    };
    let Some(rule) = rule else {
        return next.run(req).await;
    };
    if rule.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(rule.delay_ms)).await;
    }
    let injected = || {
        ApiError::new(
            rule.status,
            "emulator.fault.injected",
            format!(
                "Injected fault: {} {} for requests matching {:?}",
                rule.status.as_u16(),
                rule.mode.as_str(),
                rule.path
            ),
        )
        .into_response()
    };
    match rule.mode {
        Mode::Delay => next.run(req).await,
        Mode::Fail => injected(),
        Mode::AcceptThenFail => {
            let _ = next.run(req).await;
            injected()
        }
    }
}

async fn status(State(st): State<Shared>) -> ApiResult<Json<Value>> {
    enabled(&st)?;
    let rules: Vec<Value> = lock(&st.faults).iter().map(Rule::to_json).collect();
    Ok(Json(json!({
        "enabled": true,
        "heartbeats": st.heartbeats_on.load(Ordering::Relaxed),
        "stalled": lock(&st.stall_until).is_some_and(|t| t > tokio::time::Instant::now()),
        "rules": rules,
    })))
}

async fn reset(State(st): State<Shared>) -> ApiResult<Json<Value>> {
    enabled(&st)?;
    lock(&st.faults).clear();
    st.heartbeats_on.store(true, Ordering::Relaxed);
    *lock(&st.stall_until) = None;
    for c in lock(&st.store).convs.values_mut() {
        wire::release(c);
    }
    Ok(Json(json!({"rules": [], "heartbeats": true})))
}

/// `{path, method?, status?, count?, mode?, delayMs?}`: the next `count` requests whose path contains `path`.
async fn add_rule(State(st): State<Shared>, headers: HeaderMap, Body(body): Body) -> ApiResult<Json<Value>> {
    enabled(&st)?;
    let obj = json_object(&headers, &body)?;
    let path = req_str(&obj, "", "path")?;
    let method = opt_str(&obj, "", "method")?;
    let mode = match opt_str(&obj, "", "mode")?.as_deref() {
        None | Some("fail") => Mode::Fail,
        Some("accept-then-fail") => Mode::AcceptThenFail,
        Some("delay") => Mode::Delay,
        Some(other) => {
            return Err(ApiError::bad_field(
                "mode",
                format!("Field 'mode' must be fail, accept-then-fail or delay, not {other:?}"),
            ))
        }
    };
    let uint = |key: &str, default: u64| -> ApiResult<u64> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => v.as_u64().ok_or_else(|| {
                ApiError::bad_field(key, format!("Field '{key}' must be a non-negative integer"))
            }),
        }
    };
    let count = uint("count", 1)?;
    let delay_ms = uint("delayMs", 0)?;
    let code = uint("status", 503)?;
    let status = u16::try_from(code)
        .ok()
        .filter(|c| (400..=599).contains(c))
        .and_then(|c| StatusCode::from_u16(c).ok())
        .ok_or_else(|| ApiError::bad_field("status", "Field 'status' must be from 400 to 599"))?;
    if mode == Mode::Delay && delay_ms == 0 {
        return Err(ApiError::bad_field(
            "delayMs",
            "Field 'delayMs' must be positive for mode delay",
        ));
    }
    let rule = Rule {
        path,
        method,
        status,
        remaining: count,
        mode,
        delay_ms,
    };
    let out = rule.to_json();
    lock(&st.faults).push(rule);
    Ok(Json(out))
}

async fn drop_sockets(State(st): State<Shared>) -> ApiResult<Json<Value>> {
    enabled(&st)?;
    let mut store = lock(&st.store);
    let dropped: usize = store.convs.values_mut().map(|c| c.close_sockets(Out::Drop)).sum();
    Ok(Json(json!({"dropped": dropped})))
}

async fn stop_heartbeats(State(st): State<Shared>) -> ApiResult<Json<Value>> {
    enabled(&st)?;
    st.heartbeats_on.store(false, Ordering::Relaxed);
    Ok(Json(json!({"heartbeats": false})))
}

async fn start_heartbeats(State(st): State<Shared>) -> ApiResult<Json<Value>> {
    enabled(&st)?;
    st.heartbeats_on.store(true, Ordering::Relaxed);
    Ok(Json(json!({"heartbeats": true})))
}

/// The server ends the customer's session on its own (as an idle timeout would): every member leaves, with
/// the usual frames, and the sockets close.
async fn disconnect_customer(State(st): State<Shared>, Path(cid): Path<String>) -> ApiResult<Json<Value>> {
    enabled(&st)?;
    let mut store = lock(&st.store);
    let c = store
        .convs
        .get_mut(&cid)
        .ok_or_else(|| ApiError::not_found("conversation", &cid))?;
    c.end();
    Ok(Json(c.to_json()))
}

/// `{ms}`: no socket (Guest Chat stream or Web Messaging) delivers anything for `ms`; then everything held goes
/// out in order.
async fn stall(State(st): State<Shared>, headers: HeaderMap, Body(body): Body) -> ApiResult<Json<Value>> {
    enabled(&st)?;
    let obj = json_object(&headers, &body)?;
    let ms = obj
        .get("ms")
        .and_then(Value::as_u64)
        .filter(|ms| *ms > 0)
        .ok_or_else(|| ApiError::bad_field("ms", "Field 'ms' is required and must be a positive integer"))?;
    *lock(&st.stall_until) = Some(tokio::time::Instant::now() + Duration::from_millis(ms));
    Ok(Json(json!({"stalledMs": ms})))
}

/// `{count, token?}`: the next `count` outbound Web Messaging messages of the session with that guest token (or
/// of every active Web Messaging session) are held, then delivered in a shuffled order.
async fn out_of_order(
    State(st): State<Shared>,
    headers: HeaderMap,
    Body(body): Body,
) -> ApiResult<Json<Value>> {
    enabled(&st)?;
    let obj = json_object(&headers, &body)?;
    let count = obj
        .get("count")
        .and_then(Value::as_u64)
        .filter(|n| *n >= 2)
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| {
            ApiError::bad_field(
                "count",
                "Field 'count' is required and must be an integer of at least 2",
            )
        })?;
    let token = opt_str(&obj, "", "token")?;
    let mut store = lock(&st.store);
    let mut armed = 0;
    for c in store.convs.values_mut() {
        let mine = match (&c.wire, &token) {
            (Wire::GuestChat, _) => false,
            (Wire::WebMessaging { .. }, None) => true,
            (Wire::WebMessaging { token: t }, Some(want)) => t == want,
        };
        if mine && !c.ended {
            wire::release(c);
            c.shuffle = Some(Shuffle {
                count,
                held: Vec::new(),
            });
            armed += 1;
        }
    }
    if armed == 0 {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not.found",
            "No active Web Messaging session to hold messages of",
        ));
    }
    Ok(Json(json!({"armed": armed, "count": count})))
}
