//! The analytics collector: what `cxbridge.analytics` delivers to (docs/analytics.md). It keeps every envelope that
//! arrives, keyed by `id`, and counts duplicates, so a test can prove each event arrived exactly once.

use std::collections::HashSet;

use crate::util::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::util::{lock, media_type, ApiError, ApiResult};
use crate::Shared;

#[derive(Default)]
pub struct Collector {
    pub received: Vec<Value>,
    pub ids: HashSet<String>,
}

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/collector", get(list).post(collect).delete(clear))
        .route("/v1/batch", axum::routing::post(collect))
        .route("/collector/v1/batch", axum::routing::post(collect))
}

/// Accepts `[envelope, ...]`, a single envelope, or a Segment-style `{batch: [{messageId, ...}]}`; JSON sent
/// as `text/plain` too, since that is what `navigator.sendBeacon` sends for a string.
fn envelopes(value: Value) -> ApiResult<Vec<(String, Value)>> {
    let (items, key, prefix) = match value {
        Value::Array(items) => (items, "id", String::new()),
        Value::Object(mut m) => match m.remove("batch") {
            Some(Value::Array(items)) => (items, "messageId", "batch".to_string()),
            Some(_) => {
                return Err(ApiError::bad_field("batch", "Field 'batch' must be an array"));
            }
            None => (vec![Value::Object(m)], "id", String::new()),
        },
        _ => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad.request",
                "The body must be a JSON array of envelopes, an envelope, or {batch: [...]}",
            ))
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let field = format!("{prefix}[{i}].{key}");
        let Some(obj) = item.as_object() else {
            return Err(ApiError::bad_field(
                &format!("{prefix}[{i}]"),
                format!("Item {prefix}[{i}] must be an object"),
            ));
        };
        let id = match obj.get(key) {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(_) => {
                return Err(ApiError::bad_field(
                    &field,
                    format!("Field '{field}' must be a non-empty string"),
                ))
            }
            None => {
                return Err(ApiError::bad_field(
                    &field,
                    format!("Field '{field}' is required"),
                ))
            }
        };
        if key == "id" {
            if let Some(ev) = obj.get("event") {
                if !ev.get("name").is_some_and(Value::is_string) {
                    let f = format!("[{i}].event.name");
                    return Err(ApiError::bad_field(&f, format!("Field '{f}' must be a string")));
                }
            }
        }
        out.push((id, item));
    }
    Ok(out)
}

/// `?maxBytes=N` makes this request's collector refuse a body over N bytes with 413, as a collector or proxy
/// with a body limit does (16–64 KB is common): how a test shows that a client splits instead of dropping.
fn max_bytes(query: Option<&str>) -> ApiResult<Option<usize>> {
    let Some(v) = query
        .unwrap_or_default()
        .split('&')
        .find_map(|kv| kv.strip_prefix("maxBytes="))
    else {
        return Ok(None);
    };
    v.parse().map(Some).map_err(|_| {
        ApiError::bad_field(
            "maxBytes",
            format!("Query parameter 'maxBytes' must be a non-negative integer, not {v:?}"),
        )
    })
}

async fn collect(
    State(st): State<Shared>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    Body(body): Body,
) -> ApiResult<Response> {
    if let Some(max) = max_bytes(query.as_deref())? {
        if body.len() > max {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload.too.large",
                format!(
                    "The body is {} bytes; this collector takes at most {max} (maxBytes)",
                    body.len()
                ),
            ));
        }
    }
    match media_type(&headers).as_deref() {
        None | Some("application/json") | Some("text/plain") => {}
        Some(other) => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported.media.type",
                format!("Content-Type {other:?} is not supported; send application/json or text/plain"),
            ))
        }
    }
    let value: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad.request",
            format!("The body is not valid JSON: {e}"),
        )
    })?;
    let items = envelopes(value)?;
    let mut col = lock(&st.collector);
    let mut duplicates = 0;
    let accepted = items.len();
    for (id, item) in items {
        if !col.ids.insert(id) {
            duplicates += 1;
        }
        col.received.push(item);
    }
    Ok(Json(json!({"accepted": accepted, "duplicates": duplicates})).into_response())
}

async fn list(State(st): State<Shared>) -> Json<Value> {
    let col = lock(&st.collector);
    let count = col.received.len();
    let unique = col.ids.len();
    Json(json!({
        "received": col.received,
        "count": count,
        "unique": unique,
        "duplicates": count - unique,
    }))
}

async fn clear(State(st): State<Shared>) -> StatusCode {
    let mut col = lock(&st.collector);
    col.received.clear();
    col.ids.clear();
    StatusCode::NO_CONTENT
}
