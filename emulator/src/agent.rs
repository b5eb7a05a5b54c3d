//! The agent side: routing through the ACD queue, the scripted default agent, the endpoints behind the agent
//! console at `/agent` (a person answering by hand from a second tab), and the read-only inspection endpoints
//! tests use to see what the server holds.

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::util::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::conversations::{AgentMode, Conversation, Member, Role, State as MState};
use crate::routes::MAX_BODY_CHARS;
use crate::util::{json_object, lock, ApiError, ApiResult};
use crate::Shared;

const SCRIPT_AGENT: &str = "Alex";
const CONSOLE_AGENT: &str = "Sam (console)";
const BOT_GREETING: &str = "Hi, I'm the virtual assistant. Let me find an agent for you.";

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/agent", get(console_html))
        .route("/agent/", get(console_html))
        .route("/agent/agent.js", get(console_js))
        .route("/agent/agent.css", get(console_css))
        .route("/agent/customer", get(customer_html))
        .route("/agent/customer.js", get(customer_js))
        .route("/__emulator/agent/chats", get(list_chats))
        .route("/__emulator/agent/mode", get(get_mode).post(set_mode))
        .route("/__emulator/agent/chats/{cid}/join", post(human_join))
        .route("/__emulator/agent/chats/{cid}/messages", post(human_message))
        .route("/__emulator/agent/chats/{cid}/typing", post(human_typing))
        .route("/__emulator/agent/chats/{cid}/leave", post(human_leave))
        .route(
            "/__emulator/agent/chats/{cid}/supervisor/join",
            post(supervisor_join),
        )
        .route(
            "/__emulator/agent/chats/{cid}/supervisor/leave",
            post(supervisor_leave),
        )
        .route("/__emulator/conversations", get(list_conversations))
        .route("/__emulator/conversations/{cid}/messages", get(inspect_messages))
}

fn delay(st: &Shared) -> Duration {
    Duration::from_millis(st.cfg.agent_delay_ms)
}

fn half_delay(st: &Shared) -> Duration {
    Duration::from_millis(st.cfg.agent_delay_ms / 2)
}

/// Called once, when the first event-stream socket attaches: the customer is announced, the ACD queue member
/// joins, and (unless a person takes chats by hand) the scripted agent is on its way.
pub fn route(st: &Shared, cid: &str) {
    let manual = st.manual_agent.load(Ordering::Relaxed);
    {
        let mut store = lock(&st.store);
        let Some(c) = store.convs.get_mut(cid) else {
            return;
        };
        c.announce_customer();
        let queue = c
            .routing
            .get("targetAddress")
            .and_then(Value::as_str)
            .unwrap_or("Queue")
            .to_string();
        if queue.eq_ignore_ascii_case("bot") {
            // An inbound flow's bot (role WORKFLOW) speaks first, then hands over to the queue.
            let bot = c.add_member(Member::new("Bot", Role::Workflow, MState::Connected));
            c.typing(&bot);
            c.add_message(&bot, BOT_GREETING, "standard");
            c.set_state(&bot, MState::Disconnected);
        }
        let acd = c.add_member(Member::new(&queue, Role::Acd, MState::Connected));
        c.acd_id = Some(acd);
        if manual {
            c.mode = AgentMode::Human;
            return;
        }
    }
    let st = st.clone();
    let cid = cid.to_string();
    tokio::spawn(async move {
        tokio::time::sleep(delay(&st)).await;
        let name = {
            let mut store = lock(&st.store);
            let Some(c) = store.convs.get_mut(&cid) else {
                return;
            };
            if c.ended || c.agent_id.is_some() || c.mode == AgentMode::Human {
                return;
            }
            agent_joins(c, SCRIPT_AGENT);
            c.customer().map(|m| m.display_name.clone()).unwrap_or_default()
        };
        say(
            &st,
            &cid,
            format!("Hello {name}, I'm {SCRIPT_AGENT}. How can I help you today?"),
        )
        .await;
    });
}

/// An agent answers the offer (ALERTING, then CONNECTED) and the ACD member leaves, as in a real transfer
/// from queue to agent.
fn agent_joins(c: &mut Conversation, name: &str) {
    let id = c.add_member(Member::new(name, Role::Agent, MState::Alerting));
    c.set_state(&id, MState::Connected);
    c.agent_id = Some(id);
    if let Some(acd) = c.acd_id.clone() {
        c.set_state(&acd, MState::Disconnected);
    }
}

fn scripted_agent(c: &Conversation) -> Option<String> {
    if c.ended || c.mode != AgentMode::Script || !c.agent_connected() {
        return None;
    }
    c.agent_id.clone()
}

/// The scripted agent types, pauses, then says `text` — unless the chat ended or a person took over meanwhile.
async fn say(st: &Shared, cid: &str, text: String) {
    {
        let mut store = lock(&st.store);
        let Some(c) = store.convs.get_mut(cid) else {
            return;
        };
        let Some(aid) = scripted_agent(c) else {
            return;
        };
        c.typing(&aid);
    }
    tokio::time::sleep(half_delay(st)).await;
    let mut store = lock(&st.store);
    let Some(c) = store.convs.get_mut(cid) else {
        return;
    };
    if let Some(aid) = scripted_agent(c) {
        c.add_message(&aid, &text, "standard");
    }
}

/// The scripted agent answers every customer message; `/leave` makes it leave, which ends the chat.
pub fn on_customer_message(st: &Shared, cid: &str, text: &str) {
    {
        let store = lock(&st.store);
        if store.convs.get(cid).and_then(scripted_agent).is_none() {
            return;
        }
    }
    let st = st.clone();
    let cid = cid.to_string();
    let text = text.trim().to_string();
    tokio::spawn(async move {
        tokio::time::sleep(half_delay(&st)).await;
        if text == "/leave" {
            let mut store = lock(&st.store);
            if let Some(c) = store.convs.get_mut(&cid) {
                if scripted_agent(c).is_some() {
                    c.end();
                }
            }
            return;
        }
        let quoted: String = text.chars().take(MAX_BODY_CHARS - 100).collect();
        say(&st, &cid, format!("You said: {quoted}")).await;
    });
}

async fn console_html() -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        include_str!("../console/agent.html"),
    )
        .into_response()
}

async fn console_js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../console/agent.js"),
    )
        .into_response()
}

async fn console_css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../console/agent.css"),
    )
        .into_response()
}

/// A bare customer page over the raw API, so a person can try the console without the SDK.
async fn customer_html() -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        include_str!("../console/customer.html"),
    )
        .into_response()
}

async fn customer_js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../console/customer.js"),
    )
        .into_response()
}

async fn list_chats(State(st): State<Shared>) -> Json<Value> {
    let store = lock(&st.store);
    let chats: Vec<Value> = store
        .order
        .iter()
        .filter_map(|id| store.convs.get(id))
        .map(Conversation::to_json)
        .collect();
    Json(json!({"manual": st.manual_agent.load(Ordering::Relaxed), "chats": chats}))
}

async fn get_mode(State(st): State<Shared>) -> Json<Value> {
    Json(json!({"manual": st.manual_agent.load(Ordering::Relaxed)}))
}

async fn set_mode(State(st): State<Shared>, headers: HeaderMap, Body(body): Body) -> ApiResult<Json<Value>> {
    let obj = json_object(&headers, &body)?;
    let Some(manual) = obj.get("manual").and_then(Value::as_bool) else {
        return Err(ApiError::bad_field(
            "manual",
            "Field 'manual' is required and must be a boolean",
        ));
    };
    st.manual_agent.store(manual, Ordering::Relaxed);
    Ok(Json(json!({"manual": manual})))
}

fn with_conv<T>(st: &Shared, cid: &str, f: impl FnOnce(&mut Conversation) -> ApiResult<T>) -> ApiResult<T> {
    let mut store = lock(&st.store);
    let c = store
        .convs
        .get_mut(cid)
        .ok_or_else(|| ApiError::not_found("conversation", cid))?;
    if c.ended {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conversation.ended",
            "The conversation has ended.",
        ));
    }
    f(c)
}

fn human_agent(c: &Conversation) -> ApiResult<String> {
    match &c.agent_id {
        Some(a) if c.mode == AgentMode::Human && c.agent_connected() => Ok(a.clone()),
        _ => Err(ApiError::new(
            StatusCode::CONFLICT,
            "agent.not.joined",
            "Join the chat first.",
        )),
    }
}

/// An agent or supervisor can only join once the customer's stream has attached (the chat is routed then).
fn require_routed(c: &Conversation) -> ApiResult<()> {
    if c.routed {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::CONFLICT,
        "conversation.not.routed",
        "The customer has not opened the event stream yet.",
    ))
}

/// A person takes the chat: joins it if no agent has yet, or takes it over from the scripted agent.
async fn human_join(State(st): State<Shared>, Path(cid): Path<String>) -> ApiResult<Json<Value>> {
    with_conv(&st, &cid, |c| {
        require_routed(c)?;
        c.mode = AgentMode::Human;
        if !c.agent_connected() {
            agent_joins(c, CONSOLE_AGENT);
        }
        Ok(Json(c.to_json()))
    })
}

async fn human_message(
    State(st): State<Shared>,
    Path(cid): Path<String>,
    headers: HeaderMap,
    Body(body): Body,
) -> ApiResult<Json<Value>> {
    let obj = json_object(&headers, &body)?;
    let text = crate::util::req_str(&obj, "", "body")?;
    if text.chars().count() > MAX_BODY_CHARS {
        return Err(ApiError::bad_field(
            "body",
            format!("Field 'body' must be at most {MAX_BODY_CHARS} characters"),
        ));
    }
    with_conv(&st, &cid, |c| {
        let aid = human_agent(c)?;
        Ok(Json(c.add_message(&aid, &text, "standard").to_json(&cid)))
    })
}

async fn human_typing(State(st): State<Shared>, Path(cid): Path<String>) -> ApiResult<Json<Value>> {
    with_conv(&st, &cid, |c| {
        let aid = human_agent(c)?;
        Ok(Json(c.typing(&aid)))
    })
}

async fn human_leave(State(st): State<Shared>, Path(cid): Path<String>) -> ApiResult<Json<Value>> {
    with_conv(&st, &cid, |c| {
        human_agent(c)?;
        c.end();
        Ok(Json(c.to_json()))
    })
}

const SUPERVISOR: &str = "Pat (supervisor)";

fn supervisor(c: &Conversation) -> Option<String> {
    c.members
        .iter()
        .find(|m| m.role == Role::Supervisor && m.state == MState::Connected)
        .map(|m| m.id.clone())
}

/// A supervisor (role `SUPERVISOR`, which the Guest Chat API does not have today) joins a routed chat, as a page
/// written for Genesys Widgets' supervisor events would see one.
async fn supervisor_join(State(st): State<Shared>, Path(cid): Path<String>) -> ApiResult<Json<Value>> {
    with_conv(&st, &cid, |c| {
        require_routed(c)?;
        if supervisor(c).is_none() {
            c.add_member(Member::new(SUPERVISOR, Role::Supervisor, MState::Connected));
        }
        Ok(Json(c.to_json()))
    })
}

async fn supervisor_leave(State(st): State<Shared>, Path(cid): Path<String>) -> ApiResult<Json<Value>> {
    with_conv(&st, &cid, |c| {
        let id = supervisor(c).ok_or_else(|| {
            ApiError::new(
                StatusCode::CONFLICT,
                "supervisor.not.joined",
                "No supervisor is in this chat.",
            )
        })?;
        c.set_state(&id, MState::Disconnected);
        Ok(Json(c.to_json()))
    })
}

async fn list_conversations(State(st): State<Shared>) -> Json<Value> {
    list_chats(State(st)).await
}

async fn inspect_messages(State(st): State<Shared>, Path(cid): Path<String>) -> ApiResult<Json<Value>> {
    let store = lock(&st.store);
    let c = store
        .convs
        .get(&cid)
        .ok_or_else(|| ApiError::not_found("conversation", &cid))?;
    let v = c.to_json();
    Ok(Json(json!({
        "id": cid,
        "status": v.get("status"),
        "entities": v.get("messages"),
        "members": v.get("members"),
    })))
}
