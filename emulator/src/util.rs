//! Small shared pieces: the Genesys error body, ISO-8601 time without a date crate, ids, and JSON field checks
//! that name the offending field the way a client developer needs to see it.

use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

/// A poisoned lock only means another request panicked mid-update; the emulator keeps serving the data as is
/// rather than turning every later request into a 500.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

/// `2026-11-22T18:30:29.123Z`, the format Genesys Cloud uses for every timestamp.
pub fn iso(ms: u128) -> String {
    let secs = (ms / 1000) as i64;
    let milli = (ms % 1000) as u32;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{milli:03}Z",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

pub fn now_iso() -> String {
    iso(now_ms())
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m as u32, d as u32)
}

pub fn base64url(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 3);
    for chunk in bytes.chunks(3) {
        let b0 = chunk.first().copied().unwrap_or(0) as u32;
        let b1 = chunk.get(1).copied().unwrap_or(0) as u32;
        let b2 = chunk.get(2).copied().unwrap_or(0) as u32;
        let n = (b0 << 16) | (b1 << 8) | b2;
        let take = chunk.len() + 1;
        for i in 0..take {
            let idx = ((n >> (18 - 6 * i)) & 63) as usize;
            if let Some(c) = T.get(idx) {
                out.push(*c as char);
            }
        }
    }
    out
}

/// An error answered with Genesys Cloud's `ErrorBody` shape (`message`, `code`, `status`, `contextId`,
/// `details`), so the official client surfaces it as it would a real one.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }
    pub fn bad_field(field: &str, message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "bad.request",
            message: message.into(),
            field: Some(field.to_string()),
        }
    }
    pub fn not_found(what: &str, id: &str) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not.found",
            format!("The requested {what} was not found: {id}"),
        )
    }
    pub fn body(&self) -> Value {
        let mut details = Vec::new();
        if let Some(f) = &self.field {
            details.push(json!({"errorCode": self.code, "fieldName": f}));
        }
        json!({
            "message": self.message,
            "code": self.code,
            "status": self.status.as_u16(),
            "contextId": uuid(),
            "details": details,
            "errors": [],
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The media type of a request without its parameters, lower-cased; `None` when absent.
pub fn media_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).to_string())
        .map(|s| {
            s.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
}

/// Parses a JSON object body; the Guest Chat API only accepts `application/json`.
pub fn json_object(headers: &HeaderMap, bytes: &[u8]) -> ApiResult<Map<String, Value>> {
    match media_type(headers).as_deref() {
        Some("application/json") => {}
        Some(other) => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported.media.type",
                format!("Content-Type {other:?} is not supported; send application/json"),
            ))
        }
        None => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported.media.type",
                "Content-Type is missing; send application/json",
            ))
        }
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad.request",
            format!("The request body is not valid JSON: {e}"),
        )
    })?;
    match value {
        Value::Object(m) => Ok(m),
        _ => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad.request",
            "The request body must be a JSON object",
        )),
    }
}

fn join_path(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

pub fn req_str(obj: &Map<String, Value>, prefix: &str, key: &str) -> ApiResult<String> {
    let path = join_path(prefix, key);
    match obj.get(key) {
        None | Some(Value::Null) => Err(ApiError::bad_field(&path, format!("Field '{path}' is required"))),
        Some(Value::String(s)) if s.trim().is_empty() => Err(ApiError::bad_field(
            &path,
            format!("Field '{path}' must not be empty"),
        )),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(ApiError::bad_field(
            &path,
            format!("Field '{path}' must be a string"),
        )),
    }
}

pub fn opt_str(obj: &Map<String, Value>, prefix: &str, key: &str) -> ApiResult<Option<String>> {
    let path = join_path(prefix, key);
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::bad_field(
            &path,
            format!("Field '{path}' must be a string"),
        )),
    }
}

pub fn req_obj<'a>(
    obj: &'a Map<String, Value>,
    prefix: &str,
    key: &str,
) -> ApiResult<&'a Map<String, Value>> {
    let path = join_path(prefix, key);
    match obj.get(key) {
        None | Some(Value::Null) => Err(ApiError::bad_field(&path, format!("Field '{path}' is required"))),
        Some(Value::Object(m)) => Ok(m),
        Some(_) => Err(ApiError::bad_field(
            &path,
            format!("Field '{path}' must be an object"),
        )),
    }
}

pub fn opt_obj<'a>(
    obj: &'a Map<String, Value>,
    prefix: &str,
    key: &str,
) -> ApiResult<Option<&'a Map<String, Value>>> {
    let path = join_path(prefix, key);
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(ApiError::bad_field(
            &path,
            format!("Field '{path}' must be an object"),
        )),
    }
}

/// A request body whose rejections (too large, unreadable) are answered with the JSON `ErrorBody` too.
pub struct Body(pub axum::body::Bytes);

impl<S: Send + Sync> axum::extract::FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::body::Bytes::from_request(req, state)
            .await
            .map(Body)
            .map_err(|e| {
                let status = e.status();
                let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
                    "payload.too.large"
                } else {
                    "bad.request"
                };
                ApiError::new(
                    status,
                    code,
                    format!("The request body was refused: {}", e.body_text()),
                )
            })
    }
}
