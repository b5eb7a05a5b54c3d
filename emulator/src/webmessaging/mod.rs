//! Genesys Cloud Web Messaging, the guest side (docs/webmessaging.md): the WebSocket at `/webmessaging/v1` (and
//! `/v1`, where the vendor's SDK looks on a custom endpoint) and the history endpoint
//! `/api/v2/webmessaging/messages`. A session is keyed by the guest's token; its conversation is an ordinary
//! [`Conversation`] (so the scripted agent, the console and the faults work on it as on a Guest Chat), told to
//! the guest in Web Messaging frames by [`wire`].

pub mod socket;
pub mod wire;

use std::collections::{HashMap, VecDeque};

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::routes::{int_param, public_host, query};
use crate::util::{bearer, lock, ApiError, ApiResult};
use crate::Shared;

pub const HISTORY_PATH: &str = "/api/v2/webmessaging/messages";

/// What the emulator keeps per guest token.
#[derive(Debug)]
pub struct Session {
    /// The token's current conversation (a `startNew` or a clear replaces it).
    pub cid: String,
    pub deployment_id: String,
    /// When the last `onMessage` requests arrived, for the per-session rate limit.
    pub recent: VecDeque<tokio::time::Instant>,
}

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/webmessaging/v1", get(socket::upgrade))
        .route("/v1", get(socket::upgrade))
        .route(HISTORY_PATH, get(history))
        .route(
            "/webdeployments/v1/deployments/{deployment}/config.json",
            get(deployment_config),
        )
}

/// The deployment's configuration, as the vendor's messenger SDK reads it before it connects (real host:
/// `api-cdn.<region>`): endpoints pointing back at this server, conversation disconnect read-only, clear on.
async fn deployment_config(Path(deployment): Path<String>, headers: HeaderMap) -> Json<Value> {
    let host = public_host(&headers);
    Json(json!({
        "id": deployment,
        "version": "1",
        "languages": ["en-us"],
        "defaultLanguage": "en-us",
        "apiEndpoint": format!("http://{host}"),
        "messenger": {
            "enabled": true,
            "apps": {"conversations": {
                "messagingEndpoint": format!("ws://{host}/webmessaging"),
                "showAgentTypingIndicator": true,
                "showUserTypingIndicator": true,
                "conversationDisconnect": {"enabled": true, "type": "ReadOnly"},
                "conversationClear": {"enabled": true},
            }},
            "styles": {"primaryColor": "#1f6feb"},
            "launcherButton": {"visibility": "On"},
            "fileUpload": {"modes": []},
        },
        "journeyEvents": {"enabled": false},
        "status": "Active",
        "auth": {"enabled": false, "allowSessionUpgrade": false},
    }))
}

/// `GET /api/v2/webmessaging/messages?pageSize&pageNumber` with the session's JWT: the token's current
/// conversation, newest first.
async fn history(
    State(st): State<Shared>,
    headers: HeaderMap,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let jwt = bearer(&headers)?;
    let size = int_param(&q, "pageSize", 25, 100)?;
    let number = match q.get("pageNumber") {
        None => 1,
        Some(v) => v
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| {
                ApiError::bad_field(
                    "pageNumber",
                    format!("Query parameter 'pageNumber' must be an integer of at least 1, not {v:?}"),
                )
            })?,
    };
    let store = lock(&st.store);
    let Some(token) = store.wm_jwt.get(&jwt) else {
        return Err(ApiError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "bad.credentials",
            "Invalid login credentials: the JWT is not one this server issued (ask getJwt on the socket).",
        ));
    };
    let mut all: Vec<Value> = store
        .wm
        .get(token)
        .and_then(|s| store.convs.get(&s.cid))
        .map(wire::history)
        .unwrap_or_default();
    all.reverse();
    let total = all.len();
    let start = (number - 1).saturating_mul(size).min(total);
    let end = (start + size).min(total);
    let entities: Vec<Value> = all.get(start..end).unwrap_or_default().to_vec();
    Ok(Json(json!({
        "entities": entities,
        "pageSize": size,
        "pageNumber": number,
        "total": total,
        // 0 for an empty conversation, as the vendor SDK's own fixture has it (docs/webmessaging.md [S16]).
        "pageCount": total.div_ceil(size),
    }))
    .into_response())
}
