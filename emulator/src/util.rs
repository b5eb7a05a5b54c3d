//! Small shared pieces: the Genesys error body, ISO-8601 time, ids, and JSON field checks
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
    let ms = i64::try_from(ms).unwrap_or(i64::MAX);
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub fn now_iso() -> String {
    iso(now_ms())
}

/// Base64url without padding, as JWT segments are written.
pub fn base64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
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

/// The token of an `Authorization: Bearer <token>` header (either case of `bearer`, as clients send both); 401
/// `authentication.required` without one.
pub fn bearer(headers: &HeaderMap) -> ApiResult<String> {
    let raw = headers
        .get(axum::http::header::AUTHORIZATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).to_string());
    let Some(raw) = raw else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "authentication.required",
            "No authentication bearer token specified in authorization header.",
        ));
    };
    let token = raw
        .strip_prefix("Bearer ")
        .or_else(|| raw.strip_prefix("bearer "))
        .map(str::trim);
    match token.filter(|t| !t.is_empty()) {
        Some(t) => Ok(t.to_string()),
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "authentication.required",
            format!("The authorization header must be 'Bearer <jwt>', not {raw:?}."),
        )),
    }
}

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

#[cfg(test)]
mod tests {
    use super::{base64url, iso};

    #[test]
    fn timestamps_are_genesys_iso_with_milliseconds() {
        assert_eq!(iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso(1_795_372_229_123), "2026-11-22T18:30:29.123Z");
    }

    #[test]
    fn base64url_has_no_padding_and_url_safe_letters() {
        assert_eq!(base64url(b"\xfb\xff"), "-_8");
        assert_eq!(base64url(br#"{"alg":"HS256"}"#), "eyJhbGciOiJIUzI1NiJ9");
    }
}
