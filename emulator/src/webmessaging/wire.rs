//! How a conversation is told to a Web Messaging guest: each stored message (and each typing indicator) becomes
//! a `StructuredMessage` (docs/webmessaging.md). The live frames and the history endpoint both come from
//! [`structured`], so what the guest saw and what history returns can never disagree.

use axum::extract::ws::Utf8Bytes;
use serde_json::{json, Value};

use crate::conversations::{Conversation, Message, Role};
use crate::util::uuid;

/// How long an agent's typing indicator lasts, as the real service announces it.
const TYPING_MS: u64 = 5000;

/// A pushed frame: `{type: "message", class, code: 200, body}`, with the request's `tracingId` when one caused it.
pub fn pushed(class: &str, body: Value, tracing_id: Option<&str>) -> Value {
    let mut frame = json!({"type": "message", "class": class, "code": 200, "body": body});
    if let (Some(t), Some(o)) = (tracing_id, frame.as_object_mut()) {
        o.insert("tracingId".into(), json!(t));
    }
    frame
}

/// A flow's bot (role `WORKFLOW`) is a `Bot`; everyone else who speaks to the guest is a `Human`.
fn originating_entity(role: Option<Role>) -> &'static str {
    if role == Some(Role::Workflow) {
        "Bot"
    } else {
        "Human"
    }
}

/// The `StructuredMessage` body a stored message is to the guest, or `None` for what the guest is not told
/// (member-changes, the ACD queue, members other than agents joining, departures before the end).
pub fn structured(c: &Conversation, msg: &Message) -> Option<Value> {
    let inbound = msg.sender_id == c.customer_id;
    let sender = c.member(&msg.sender_id)?;
    let channel = |from: bool| {
        let mut ch = json!({"time": msg.timestamp, "messageId": msg.id});
        if let (true, Some(o)) = (from, ch.as_object_mut()) {
            o.insert("from".into(), json!({"nickname": sender.display_name}));
        }
        ch
    };
    match (msg.body_type.as_str(), inbound) {
        ("standard", true) => Some(json!({
            "id": msg.id,
            "type": "Text",
            "text": msg.body,
            "direction": "Inbound",
            "originatingEntity": "Human",
            "channel": channel(false),
        })),
        ("standard", false) => Some(json!({
            "id": msg.id,
            "type": "Text",
            "text": msg.body,
            "direction": "Outbound",
            "originatingEntity": originating_entity(Some(sender.role)),
            "channel": channel(true),
        })),
        ("member-join", false) if matches!(sender.role, Role::Agent | Role::Supervisor) => Some(json!({
            "id": msg.id,
            "type": "Event",
            "direction": "Outbound",
            "originatingEntity": "Human",
            "channel": channel(true),
            "events": [{"eventType": "Presence", "presence": {"type": "Join"}}],
        })),
        // The guest's own departure is only ever stored when the conversation ends: that is the one
        // Disconnect the guest is told, and it makes the session read-only.
        ("member-leave", true) => Some(json!({
            "id": msg.id,
            "type": "Event",
            "direction": "Outbound",
            "channel": channel(false),
            "events": [{"eventType": "Presence", "presence": {"type": "Disconnect"}}],
            "metadata": {"readOnly": "true"},
        })),
        _ => None,
    }
}

/// The conversation as history returns it: chronological.
pub fn history(c: &Conversation) -> Vec<Value> {
    c.messages.iter().filter_map(|m| structured(c, m)).collect()
}

/// A message was stored: the guest's own text goes back to every socket of the session with the request's
/// tracing id; what others said is outbound (and subject to the out-of-order fault).
pub fn on_message(c: &mut Conversation, msg: &Message, tracing_id: Option<&str>) {
    let Some(body) = structured(c, msg) else {
        return;
    };
    if msg.sender_id == c.customer_id && msg.body_type == "standard" {
        c.send(pushed("StructuredMessage", body, tracing_id));
    } else {
        outbound(c, pushed("StructuredMessage", body, None));
    }
}

/// The guest's autostart (an inbound `Presence Join`) comes back to the session's sockets, as its texts do; it is
/// not stored, so history does not show it.
pub fn on_autostart(c: &mut Conversation, tracing_id: Option<&str>) {
    let time = c.next_timestamp();
    let body = json!({
        "id": uuid(),
        "type": "Event",
        "direction": "Inbound",
        "originatingEntity": "Human",
        "channel": {"time": time},
        "events": [{"eventType": "Presence", "presence": {"type": "Join"}}],
    });
    c.send(pushed("StructuredMessage", body, tracing_id));
}

/// Someone typed: an agent's typing reaches the guest; the guest's own is only recorded (for the console).
pub fn on_typing(c: &mut Conversation, sender_id: &str) {
    if sender_id == c.customer_id {
        return;
    }
    let time = c.next_timestamp();
    let sender = c.member(sender_id);
    let from = sender.map(|m| m.display_name.clone());
    let entity = originating_entity(sender.map(|m| m.role));
    let body = json!({
        "id": uuid(),
        "type": "Event",
        "direction": "Outbound",
        "originatingEntity": entity,
        "channel": {"time": time, "from": {"nickname": from}},
        "events": [{"eventType": "Typing", "typing": {"type": "On", "duration": TYPING_MS}}],
    });
    outbound(c, pushed("StructuredMessage", body, None));
}

/// Sends an outbound frame, or holds it while the out-of-order fault is armed; the hold is let go, shuffled,
/// once it is full.
fn outbound(c: &mut Conversation, frame: Value) {
    let text = Utf8Bytes::from(frame.to_string());
    let Some(s) = c.shuffle.as_mut() else {
        c.send_text(text);
        return;
    };
    s.held.push(text);
    if s.held.len() < s.count {
        return;
    }
    let held = c.shuffle.take().map(|s| s.held).unwrap_or_default();
    for t in shuffled(held) {
        c.send_text(t);
    }
}

/// Lets held frames go in their true order (the fault was reset before the hold filled).
pub fn release(c: &mut Conversation) {
    for t in c.shuffle.take().map(|s| s.held).unwrap_or_default() {
        c.send_text(t);
    }
}

/// A random permutation that is never the original order (for two or more items).
fn shuffled<T>(mut items: Vec<T>) -> Vec<T> {
    let n = items.len();
    if n < 2 {
        return items;
    }
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        // A v4 UUID is 122 random bits: enough randomness for a test fault without another dependency.
        let j = (uuid::Uuid::new_v4().as_u128() % (i as u128 + 1)) as usize;
        order.swap(i, j);
    }
    if order.iter().enumerate().all(|(i, &o)| i == o) {
        order.rotate_left(1);
    }
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    order
        .into_iter()
        .filter_map(|i| slots.get_mut(i).and_then(Option::take))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::shuffled;

    #[test]
    fn a_shuffle_keeps_every_item_and_never_the_original_order() {
        for n in 2..8 {
            for _ in 0..50 {
                let out = shuffled((0..n).collect::<Vec<_>>());
                assert_ne!(out, (0..n).collect::<Vec<_>>());
                let mut sorted = out.clone();
                sorted.sort_unstable();
                assert_eq!(sorted, (0..n).collect::<Vec<_>>());
            }
        }
    }
}
