//! The conversations the emulator holds: members, messages, and the event-stream sockets attached to each.
//! Every change to a conversation goes through a method here, so the stream frame and the stored state can
//! never disagree.

use std::collections::HashMap;

use axum::extract::ws::Utf8Bytes;
use serde_json::{json, Map, Value};
use tokio::sync::mpsc;

use crate::util::{iso, now_iso, now_ms, uuid};
use crate::webmessaging::wire;

pub const API_PREFIX: &str = "/api/v2/webchat/guest/conversations";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Customer,
    Agent,
    Acd,
    Workflow,
    /// Not a Guest Chat API role today: an emulator addition, so that a page's supervisor events can be tested.
    Supervisor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "CUSTOMER",
            Role::Agent => "AGENT",
            Role::Acd => "ACD",
            Role::Workflow => "WORKFLOW",
            Role::Supervisor => "SUPERVISOR",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Alerting,
    Connected,
    Disconnected,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Alerting => "ALERTING",
            State::Connected => "CONNECTED",
            State::Disconnected => "DISCONNECTED",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Member {
    pub id: String,
    pub display_name: String,
    pub role: Role,
    pub state: State,
    /// memberInfo fields other than displayName, echoed back as the real service does.
    pub info: Map<String, Value>,
    pub join_date: Option<String>,
    pub leave_date: Option<String>,
}

impl Member {
    pub fn new(display_name: &str, role: Role, state: State) -> Self {
        Member {
            id: uuid(),
            display_name: display_name.to_string(),
            role,
            state,
            info: Map::new(),
            join_date: None,
            leave_date: None,
        }
    }

    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(self.id));
        m.insert("displayName".into(), json!(self.display_name));
        for (k, v) in &self.info {
            m.insert(k.clone(), v.clone());
        }
        m.insert("role".into(), json!(self.role.as_str()));
        if let Some(d) = &self.join_date {
            m.insert("joinDate".into(), json!(d));
        }
        if let Some(d) = &self.leave_date {
            m.insert("leaveDate".into(), json!(d));
        }
        m.insert("authenticatedGuest".into(), json!(false));
        m.insert("state".into(), json!(self.state.as_str()));
        Value::Object(m)
    }
}

#[derive(Clone, Debug)]
pub struct Message {
    pub id: String,
    pub sender_id: String,
    pub body: String,
    pub body_type: String,
    pub timestamp: String,
}

impl Message {
    pub fn to_json(&self, conversation_id: &str) -> Value {
        json!({
            "id": self.id,
            "conversation": {"id": conversation_id, "selfUri": format!("{API_PREFIX}/{conversation_id}")},
            "sender": {"id": self.sender_id},
            "body": self.body,
            "bodyType": self.body_type,
            "timestamp": self.timestamp,
            "selfUri": format!("{API_PREFIX}/{conversation_id}/messages/{}", self.id),
        })
    }
}

/// What a socket task is told to do next.
#[derive(Clone, Debug)]
pub enum Out {
    Text(Utf8Bytes),
    /// Close with a close frame (the server ended the conversation).
    Close,
    /// Drop the TCP connection without a close frame, as a network failure would.
    Drop,
}

pub struct Socket {
    pub id: u64,
    pub tx: mpsc::UnboundedSender<Out>,
}

/// Which guest API the customer uses: the same conversation (members, messages, agent, console) is told to the
/// customer's sockets in that API's frames.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Wire {
    /// Guest Chat API v2: REST plus the `/channels/...` event stream.
    GuestChat,
    /// Web Messaging: one WebSocket per device, the session keyed by the guest's token (docs/webmessaging.md).
    WebMessaging { token: String },
}

/// Outbound Web Messaging frames held back by the out-of-order fault until `count` are held, then sent shuffled.
#[derive(Debug, Default)]
pub struct Shuffle {
    pub count: usize,
    pub held: Vec<Utf8Bytes>,
}

/// Who answers the customer: the scripted agent, or a person at /agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgentMode {
    Script,
    Human,
}

pub struct Conversation {
    pub id: String,
    pub jwt: String,
    pub channel_id: String,
    pub customer_id: String,
    pub created: String,
    pub routing: Value,
    pub members: Vec<Member>,
    pub messages: Vec<Message>,
    pub positions: HashMap<String, usize>,
    pub sockets: Vec<Socket>,
    pub routed: bool,
    pub ended: bool,
    pub mode: AgentMode,
    pub agent_id: Option<String>,
    pub acd_id: Option<String>,
    pub customer_typing_at: Option<String>,
    pub wire: Wire,
    /// The last message timestamp handed out, in ms: timestamps are strictly increasing within a conversation,
    /// so a client that receives messages out of order can sort them by time.
    pub last_ms: u128,
    pub shuffle: Option<Shuffle>,
}

impl Conversation {
    pub fn new(customer: Member, routing: Value, jwt: String, mode: AgentMode) -> Self {
        let mut c = Conversation {
            id: uuid(),
            jwt,
            channel_id: format!("streaming-{}", uuid()),
            customer_id: customer.id.clone(),
            created: now_iso(),
            routing,
            members: Vec::new(),
            messages: Vec::new(),
            positions: HashMap::new(),
            sockets: Vec::new(),
            routed: false,
            ended: false,
            mode,
            agent_id: None,
            acd_id: None,
            customer_typing_at: None,
            wire: Wire::GuestChat,
            last_ms: 0,
            shuffle: None,
        };
        let mut customer = customer;
        customer.join_date = Some(c.created.clone());
        c.members.push(customer);
        c
    }

    pub fn member(&self, id: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.id == id)
    }

    pub fn customer(&self) -> Option<&Member> {
        self.member(&self.customer_id)
    }

    pub fn is_connected(&self, id: &str) -> bool {
        self.member(id).is_some_and(|m| m.state == State::Connected)
    }

    pub fn agent_connected(&self) -> bool {
        self.agent_id.as_deref().is_some_and(|a| self.is_connected(a))
    }

    pub fn send(&mut self, frame: Value) {
        self.send_text(Utf8Bytes::from(frame.to_string()));
    }

    pub fn send_text(&mut self, text: Utf8Bytes) {
        self.sockets
            .retain(|s| s.tx.send(Out::Text(text.clone())).is_ok());
    }

    pub fn is_web_messaging(&self) -> bool {
        matches!(self.wire, Wire::WebMessaging { .. })
    }

    /// A strictly increasing timestamp for the next message.
    pub fn next_timestamp(&mut self) -> String {
        let ms = now_ms().max(self.last_ms + 1);
        self.last_ms = ms;
        iso(ms)
    }

    pub fn message_topic(&self) -> String {
        format!("v2.conversations.chats.{}.messages", self.id)
    }

    pub fn add_message(&mut self, sender_id: &str, body: &str, body_type: &str) -> Message {
        self.add_message_traced(sender_id, body, body_type, None)
    }

    /// Stores a message and tells the sockets; `tracing_id` is the Web Messaging request that caused it, copied
    /// into the frame so the guest can match its own message to its request.
    pub fn add_message_traced(
        &mut self,
        sender_id: &str,
        body: &str,
        body_type: &str,
        tracing_id: Option<&str>,
    ) -> Message {
        let msg = Message {
            id: uuid(),
            sender_id: sender_id.to_string(),
            body: body.to_string(),
            body_type: body_type.to_string(),
            timestamp: self.next_timestamp(),
        };
        self.positions.insert(msg.id.clone(), self.messages.len());
        self.messages.push(msg.clone());
        if self.is_web_messaging() {
            wire::on_message(self, &msg, tracing_id);
            return msg;
        }
        let frame = json!({
            "topicName": self.message_topic(),
            "version": "2",
            "eventBody": msg.to_json(&self.id),
            "metadata": {"CorrelationId": uuid(), "type": "message"},
        });
        self.send(frame);
        msg
    }

    /// Sends a typing indicator on the stream and returns the `WebChatTyping` body.
    pub fn typing(&mut self, sender_id: &str) -> Value {
        let body = json!({
            "id": uuid(),
            "conversation": {"id": self.id, "selfUri": format!("{API_PREFIX}/{}", self.id)},
            "sender": {"id": sender_id},
            "timestamp": now_iso(),
        });
        if sender_id == self.customer_id {
            self.customer_typing_at = Some(now_iso());
        }
        if self.is_web_messaging() {
            wire::on_typing(self, sender_id);
            return body;
        }
        let frame = json!({
            "topicName": self.message_topic(),
            "version": "2",
            "eventBody": body.clone(),
            "metadata": {"CorrelationId": uuid(), "type": "typing-indicator"},
        });
        self.send(frame);
        body
    }

    fn member_change(&mut self, member_id: &str, state: State) {
        // Web Messaging has no member-change frames: presence is told by the member-join/leave messages.
        if self.is_web_messaging() {
            return;
        }
        let frame = json!({
            "topicName": format!("v2.conversations.chats.{}.members", self.id),
            "version": "2",
            "eventBody": {
                "member": {"id": member_id, "state": state.as_str()},
                "conversation": {"id": self.id, "selfUri": format!("{API_PREFIX}/{}", self.id)},
                "timestamp": now_iso(),
            },
            "metadata": {"CorrelationId": uuid(), "type": "member-change"},
        });
        self.send(frame);
    }

    /// Adds a member that starts ALERTING or CONNECTED, with the frames the real service sends.
    pub fn add_member(&mut self, member: Member) -> String {
        let id = member.id.clone();
        let state = member.state;
        self.members.push(Member {
            state: State::Alerting,
            ..member
        });
        self.member_change(&id, State::Alerting);
        if state == State::Connected {
            self.set_state(&id, State::Connected);
        }
        id
    }

    /// Moves a member to a new state: a member-change frame, and a member-join or member-leave message.
    pub fn set_state(&mut self, member_id: &str, state: State) {
        let now = now_iso();
        let Some(m) = self.members.iter_mut().find(|m| m.id == member_id) else {
            return;
        };
        if m.state == state {
            return;
        }
        m.state = state;
        match state {
            State::Connected => {
                if m.join_date.is_none() {
                    m.join_date = Some(now);
                }
            }
            State::Disconnected => m.leave_date = Some(now),
            State::Alerting => {}
        }
        self.member_change(member_id, state);
        match state {
            State::Connected => {
                self.add_message(member_id, "", "member-join");
            }
            State::Disconnected => {
                self.add_message(member_id, "", "member-leave");
            }
            State::Alerting => {}
        }
    }

    /// The customer is CONNECTED from creation, but the real service announces it (member-change and
    /// member-join) only once the conversation is routed, i.e. once the stream is attached.
    pub fn announce_customer(&mut self) {
        let cid = self.customer_id.clone();
        self.member_change(&cid, State::Connected);
        self.add_message(&cid, "", "member-join");
    }

    /// The conversation ends: everyone still present leaves, the agent first, and the Guest Chat sockets close
    /// (a Web Messaging session outlives its conversation: its sockets stay, read-only).
    pub fn end(&mut self) {
        if self.ended {
            return;
        }
        // Set first, so that the departures below are told as the end of the conversation.
        self.ended = true;
        let present: Vec<String> = self
            .members
            .iter()
            .filter(|m| m.state != State::Disconnected && m.id != self.customer_id)
            .map(|m| m.id.clone())
            .collect();
        for id in present {
            self.set_state(&id, State::Disconnected);
        }
        let cid = self.customer_id.clone();
        self.set_state(&cid, State::Disconnected);
        if !self.is_web_messaging() {
            self.close_sockets(Out::Close);
        }
    }

    pub fn close_sockets(&mut self, how: Out) -> usize {
        let n = self.sockets.len();
        for s in self.sockets.drain(..) {
            let _ = s.tx.send(how.clone());
        }
        n
    }

    /// A summary for the agent console and the test inspection endpoint.
    pub fn to_json(&self) -> Value {
        let status = if self.ended {
            "ended"
        } else if !self.routed {
            "created"
        } else if self.agent_id.is_none() {
            "waiting"
        } else if self.mode == AgentMode::Human {
            "human"
        } else {
            "scripted"
        };
        json!({
            "id": self.id,
            "channel": if self.is_web_messaging() { "webmessaging" } else { "webchat" },
            "status": status,
            "created": self.created,
            "routingTarget": self.routing,
            "customer": self.customer().map(Member::to_json),
            "agentId": self.agent_id,
            "customerTypingAt": self.customer_typing_at,
            "sockets": self.sockets.len(),
            "members": self.members.iter().map(Member::to_json).collect::<Vec<_>>(),
            "messages": self.messages.iter().map(|m| m.to_json(&self.id)).collect::<Vec<_>>(),
        })
    }
}
