//! The Guest Chat API v2 REST endpoints, with the validation and error bodies of the real service.

use std::collections::HashMap;

use crate::util::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use crate::conversations::{AgentMode, Conversation, Member, Role, State as MState, API_PREFIX};
use crate::util::{
    base64url, bearer, json_object, lock, now_ms, opt_obj, opt_str, req_obj, req_str, uuid, ApiError,
    ApiResult,
};
use crate::{agent, Shared, Store};

pub const MAX_BODY_CHARS: usize = 4000;

pub fn router() -> Router<Shared> {
    let c = "/api/v2/webchat/guest/conversations";
    Router::new()
        .route(c, post(create))
        .route(&format!("{c}/{{cid}}/messages"), get(list_messages))
        .route(&format!("{c}/{{cid}}/messages/{{msg}}"), get(get_message))
        .route(&format!("{c}/{{cid}}/members"), get(list_members))
        .route(
            &format!("{c}/{{cid}}/members/{{mid}}"),
            get(get_member).delete(leave),
        )
        .route(
            &format!("{c}/{{cid}}/members/{{mid}}/messages"),
            post(send_message),
        )
        .route(&format!("{c}/{{cid}}/members/{{mid}}/typing"), post(typing))
        .route("/api/{*rest}", any(api_not_found))
        .method_not_allowed_fallback(method_not_allowed)
}

async fn api_not_found(uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not.found",
        format!("No Guest Chat API resource at {}", uri.path()),
    )
}

async fn method_not_allowed(method: axum::http::Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method.not.allowed",
        format!("{method} is not supported on {}", uri.path()),
    )
}

pub fn make_jwt(conversation_id: &str, member_id: &str) -> String {
    let header = base64url(br#"{"alg":"HS256","typ":"JWT"}"#);
    let iat = (now_ms() / 1000) as u64;
    let payload = json!({
        "iss": "cxbridge-emulator",
        "sub": member_id,
        "conversationId": conversation_id,
        "iat": iat,
        "exp": iat + 86_400,
    });
    let payload = base64url(payload.to_string().as_bytes());
    let sig = base64url(uuid().as_bytes());
    format!("{header}.{payload}.{sig}")
}

/// 401 without a Bearer token or with an unknown one, 404 for an unknown conversation, 401 for a token issued
/// for another conversation.
fn authorize(store: &Store, headers: &HeaderMap, cid: &str) -> ApiResult<()> {
    let token = bearer(headers)?;
    let Some(owner) = store.by_jwt.get(&token) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad.credentials",
            "Invalid login credentials: the JWT is not one this server issued.",
        ));
    };
    if !store.convs.contains_key(cid) {
        return Err(ApiError::not_found("conversation", cid));
    }
    if owner != cid {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad.credentials",
            "The JWT was issued for another conversation.",
        ));
    }
    Ok(())
}

fn conv<'a>(store: &'a Store, cid: &str) -> ApiResult<&'a Conversation> {
    store
        .convs
        .get(cid)
        .ok_or_else(|| ApiError::not_found("conversation", cid))
}

fn conv_mut<'a>(store: &'a mut Store, cid: &str) -> ApiResult<&'a mut Conversation> {
    store
        .convs
        .get_mut(cid)
        .ok_or_else(|| ApiError::not_found("conversation", cid))
}

/// The guest may act only as its own member; other members of the conversation exist but are not its to drive.
fn own_member(c: &Conversation, mid: &str) -> ApiResult<()> {
    if c.member(mid).is_none() {
        return Err(ApiError::not_found("member", mid));
    }
    if mid != c.customer_id {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "not.authorized",
            "The JWT does not allow acting as this member.",
        ));
    }
    Ok(())
}

fn must_be_connected(c: &Conversation, mid: &str) -> ApiResult<()> {
    if c.ended || !c.is_connected(mid) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "chat.error.member.state",
            "The member is DISCONNECTED: the conversation has ended.",
        ));
    }
    Ok(())
}

pub fn query(
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> ApiResult<HashMap<String, String>> {
    // The official SDK sends every optional parameter, unset ones as empty strings (`after=&before=`): the
    // real service reads those as absent, so must we.
    q.map(|Query(m)| m.into_iter().filter(|(_, v)| !v.is_empty()).collect())
        .map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad.request",
                format!("The query string is malformed: {e}"),
            )
        })
}

pub fn int_param(q: &HashMap<String, String>, name: &str, default: usize, max: usize) -> ApiResult<usize> {
    match q.get(name) {
        None => Ok(default),
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(ApiError::bad_field(
                name,
                format!("Query parameter '{name}' must be an integer from 1 to {max}, not {v:?}"),
            )),
        },
    }
}

fn string_array(obj: &Map<String, Value>, path: &str, key: &str) -> ApiResult<Option<Vec<String>>> {
    let full = format!("{path}.{key}");
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => {
            let mut out = Vec::new();
            for (i, it) in items.iter().enumerate() {
                match it {
                    Value::String(s) => out.push(s.clone()),
                    _ => {
                        return Err(ApiError::bad_field(
                            &full,
                            format!("Field '{full}[{i}]' must be a string"),
                        ))
                    }
                }
            }
            Ok(Some(out))
        }
        Some(_) => Err(ApiError::bad_field(
            &full,
            format!("Field '{full}' must be an array of strings"),
        )),
    }
}

fn validate_journey(obj: &Map<String, Value>) -> ApiResult<()> {
    let Some(j) = opt_obj(obj, "", "journeyContext")? else {
        return Ok(());
    };
    let customer = req_obj(j, "journeyContext", "customer")?;
    req_str(customer, "journeyContext.customer", "id")?;
    req_str(customer, "journeyContext.customer", "idType")?;
    if let Some(s) = opt_obj(j, "journeyContext", "customerSession")? {
        req_str(s, "journeyContext.customerSession", "id")?;
        req_str(s, "journeyContext.customerSession", "type")?;
    }
    if let Some(a) = opt_obj(j, "journeyContext", "triggeringAction")? {
        req_str(a, "journeyContext.triggeringAction", "id")?;
        let map = req_obj(a, "journeyContext.triggeringAction", "actionMap")?;
        req_str(map, "journeyContext.triggeringAction.actionMap", "id")?;
        match map.get("version") {
            Some(Value::Number(n)) if n.is_i64() || n.is_u64() => {}
            _ => {
                return Err(ApiError::bad_field(
                    "journeyContext.triggeringAction.actionMap.version",
                    "Field 'journeyContext.triggeringAction.actionMap.version' must be an integer",
                ))
            }
        }
    }
    Ok(())
}

/// The host the client reached us on, so the stream URI works from 127.0.0.1 and localhost alike.
pub fn public_host(headers: &HeaderMap) -> String {
    headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".:-[]".contains(c))
        })
        .unwrap_or("127.0.0.1")
        .to_string()
}

async fn create(State(st): State<Shared>, headers: HeaderMap, Body(body): Body) -> ApiResult<Response> {
    let obj = json_object(&headers, &body)?;
    req_str(&obj, "", "organizationId")?;
    req_str(&obj, "", "deploymentId")?;
    let rt = req_obj(&obj, "", "routingTarget")?;
    let target_type = req_str(rt, "routingTarget", "targetType")?;
    if target_type != "QUEUE" {
        return Err(ApiError::bad_field(
            "routingTarget.targetType",
            format!("Field 'routingTarget.targetType' must be QUEUE, not {target_type:?}"),
        ));
    }
    req_str(rt, "routingTarget", "targetAddress")?;
    string_array(rt, "routingTarget", "skills")?;
    opt_str(rt, "routingTarget", "language")?;
    match rt.get("priority") {
        None | Some(Value::Null) => {}
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => {}
        Some(_) => {
            return Err(ApiError::bad_field(
                "routingTarget.priority",
                "Field 'routingTarget.priority' must be an integer",
            ))
        }
    }
    let mi = req_obj(&obj, "", "memberInfo")?;
    let display = req_str(mi, "memberInfo", "displayName")?;
    let mut customer = Member::new(&display, Role::Customer, MState::Connected);
    for key in ["firstName", "lastName", "email", "phoneNumber", "avatarImageUrl"] {
        if let Some(v) = opt_str(mi, "memberInfo", key)? {
            customer.info.insert(key.to_string(), Value::String(v));
        }
    }
    if let Some(cf) = opt_obj(mi, "memberInfo", "customFields")? {
        for (k, v) in cf {
            if !v.is_string() {
                let f = format!("memberInfo.customFields.{k}");
                return Err(ApiError::bad_field(&f, format!("Field '{f}' must be a string")));
            }
        }
        customer
            .info
            .insert("customFields".into(), Value::Object(cf.clone()));
    }
    opt_str(&obj, "", "memberAuthToken")?;
    validate_journey(&obj)?;

    let member_id = customer.id.clone();
    let mode = AgentMode::Script;
    let mut c = Conversation::new(customer, Value::Object(rt.clone()), String::new(), mode);
    c.jwt = make_jwt(&c.id, &member_id);
    let out = json!({
        "id": c.id,
        "jwt": c.jwt,
        "eventStreamUri": format!("ws://{}/channels/{}", public_host(&headers), c.channel_id),
        "member": {"id": member_id},
    });
    let mut store = lock(&st.store);
    store.by_channel.insert(c.channel_id.clone(), c.id.clone());
    store.by_jwt.insert(c.jwt.clone(), c.id.clone());
    store.order.push(c.id.clone());
    store.convs.insert(c.id.clone(), c);
    Ok(Json(out).into_response())
}

async fn send_message(
    State(st): State<Shared>,
    Path((cid, mid)): Path<(String, String)>,
    headers: HeaderMap,
    Body(body): Body,
) -> ApiResult<Response> {
    {
        let store = lock(&st.store);
        authorize(&store, &headers, &cid)?;
        own_member(conv(&store, &cid)?, &mid)?;
    }
    let obj = json_object(&headers, &body)?;
    let text = match obj.get("body") {
        None | Some(Value::Null) => return Err(ApiError::bad_field("body", "Field 'body' is required")),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(ApiError::bad_field("body", "Field 'body' must be a string")),
    };
    let n = text.chars().count();
    if n > MAX_BODY_CHARS {
        return Err(ApiError::bad_field(
            "body",
            format!("Field 'body' must be at most {MAX_BODY_CHARS} characters; it has {n}"),
        ));
    }
    let body_type = opt_str(&obj, "", "bodyType")?.unwrap_or_else(|| "standard".into());
    if body_type != "standard" && body_type != "notice" {
        return Err(ApiError::bad_field(
            "bodyType",
            format!("Field 'bodyType' must be 'standard' or 'notice', not {body_type:?}"),
        ));
    }
    if body_type == "standard" && text.trim().is_empty() {
        return Err(ApiError::bad_field("body", "Field 'body' must not be empty"));
    }
    let msg = {
        let mut store = lock(&st.store);
        // Checked again under the same lock as the write: the chat may have ended meanwhile.
        authorize(&store, &headers, &cid)?;
        let c = conv_mut(&mut store, &cid)?;
        must_be_connected(c, &mid)?;
        c.add_message(&mid, &text, &body_type).to_json(&cid)
    };
    if body_type == "standard" {
        agent::on_customer_message(&st, &cid, &text);
    }
    Ok(Json(msg).into_response())
}

async fn typing(
    State(st): State<Shared>,
    Path((cid, mid)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let mut store = lock(&st.store);
    authorize(&store, &headers, &cid)?;
    let c = conv_mut(&mut store, &cid)?;
    own_member(c, &mid)?;
    must_be_connected(c, &mid)?;
    Ok(Json(c.typing(&mid)).into_response())
}

async fn list_messages(
    State(st): State<Shared>,
    Path(cid): Path<String>,
    headers: HeaderMap,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let store = lock(&st.store);
    authorize(&store, &headers, &cid)?;
    let c = conv(&store, &cid)?;
    let max = int_param(&q, "maxResults", 100, 100)?;
    let descending = match q.get("sortOrder").map(String::as_str) {
        None | Some("ascending") => false,
        Some("descending") => true,
        Some(other) => {
            return Err(ApiError::bad_field(
                "sortOrder",
                format!("Query parameter 'sortOrder' must be 'ascending' or 'descending', not {other:?}"),
            ))
        }
    };
    let pos = |name: &str| -> ApiResult<Option<usize>> {
        match q.get(name) {
            None => Ok(None),
            Some(id) => c.positions.get(id).copied().map(Some).ok_or_else(|| {
                ApiError::bad_field(
                    name,
                    format!("Query parameter '{name}': no message {id:?} in this conversation"),
                )
            }),
        }
    };
    let after = pos("after")?;
    let before = pos("before")?;
    let len = c.messages.len();
    let lo = after.map_or(0, |p| p + 1);
    let hi = before.unwrap_or(len).max(lo);
    // `after` pages forward from a known message; otherwise the page is the newest messages of the window,
    // which is what a client rebuilding history wants first.
    let (start, end) = if after.is_some() && before.is_none() {
        (lo, (lo + max).min(hi))
    } else {
        (hi.saturating_sub(max).max(lo), hi)
    };
    let page: Vec<&crate::conversations::Message> =
        c.messages.get(start..end).unwrap_or_default().iter().collect();
    let base = format!("{API_PREFIX}/{cid}/messages");
    let order = if descending { "descending" } else { "ascending" };
    let previous = if start > 0 {
        page.first()
            .map(|m| format!("{base}?before={}&maxResults={max}&sortOrder={order}", m.id))
    } else {
        None
    };
    let next = if end < len {
        page.last()
            .map(|m| format!("{base}?after={}&maxResults={max}&sortOrder={order}", m.id))
    } else {
        None
    };
    let mut entities: Vec<Value> = page.iter().map(|m| m.to_json(&cid)).collect();
    if descending {
        entities.reverse();
    }
    let mut out = json!({
        "pageSize": entities.len(),
        "entities": entities,
        "selfUri": base,
    });
    if let Some(p) = previous {
        if let Some(o) = out.as_object_mut() {
            o.insert("previousPage".into(), json!(p));
        }
    }
    if let Some(n) = next {
        if let Some(o) = out.as_object_mut() {
            o.insert("next".into(), json!(n));
        }
    }
    Ok(Json(out).into_response())
}

async fn get_message(
    State(st): State<Shared>,
    Path((cid, msg)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let store = lock(&st.store);
    authorize(&store, &headers, &cid)?;
    let c = conv(&store, &cid)?;
    let m = c
        .positions
        .get(&msg)
        .and_then(|p| c.messages.get(*p))
        .ok_or_else(|| ApiError::not_found("message", &msg))?;
    Ok(Json(m.to_json(&cid)).into_response())
}

async fn list_members(
    State(st): State<Shared>,
    Path(cid): Path<String>,
    headers: HeaderMap,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let store = lock(&st.store);
    authorize(&store, &headers, &cid)?;
    let c = conv(&store, &cid)?;
    let size = int_param(&q, "pageSize", 25, 100)?;
    let number = int_param(&q, "pageNumber", 1, usize::MAX)?;
    let exclude = match q.get("excludeDisconnectedMembers").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(ApiError::bad_field(
                "excludeDisconnectedMembers",
                format!("Query parameter 'excludeDisconnectedMembers' must be true or false, not {other:?}"),
            ))
        }
    };
    let all: Vec<Value> = c
        .members
        .iter()
        .filter(|m| !exclude || m.state != MState::Disconnected)
        .map(Member::to_json)
        .collect();
    let total = all.len();
    let page_count = total.div_ceil(size).max(1);
    let start = (number - 1).saturating_mul(size).min(total);
    let end = (start + size).min(total);
    let entities: Vec<Value> = all.get(start..end).unwrap_or_default().to_vec();
    let base = format!("{API_PREFIX}/{cid}/members");
    let uri = |n: usize| format!("{base}?pageSize={size}&pageNumber={n}");
    let mut out = json!({
        "entities": entities,
        "pageSize": size,
        "pageNumber": number,
        "total": total,
        "pageCount": page_count,
        "firstUri": uri(1),
        "lastUri": uri(page_count),
        "selfUri": uri(number),
    });
    if number < page_count {
        if let Some(o) = out.as_object_mut() {
            o.insert("nextUri".into(), json!(uri(number + 1)));
        }
    }
    if number > 1 {
        if let Some(o) = out.as_object_mut() {
            o.insert("previousUri".into(), json!(uri(number - 1)));
        }
    }
    Ok(Json(out).into_response())
}

async fn get_member(
    State(st): State<Shared>,
    Path((cid, mid)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let store = lock(&st.store);
    authorize(&store, &headers, &cid)?;
    let m = conv(&store, &cid)?
        .member(&mid)
        .ok_or_else(|| ApiError::not_found("member", &mid))?;
    Ok(Json(m.to_json()).into_response())
}

async fn leave(
    State(st): State<Shared>,
    Path((cid, mid)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let mut store = lock(&st.store);
    authorize(&store, &headers, &cid)?;
    let c = conv_mut(&mut store, &cid)?;
    own_member(c, &mid)?;
    c.end();
    Ok(StatusCode::NO_CONTENT.into_response())
}
