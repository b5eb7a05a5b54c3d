//! WebChatService: the chat session state machine over the Guest Chat API v2, sans I/O.
//!
//! The web shell feeds it inputs — a command ([`Session::command`]), an HTTP answer ([`Session::http`]), a socket
//! event ([`Session::socket_open`], [`Session::frame`], [`Session::socket_closed`]), a timer ([`Session::timer`]), a key press ([`Session::key`]) — each with "now"
//! and a random number ([`Ctx`]), and performs the [`Output`]s it returns: requests, socket opens and sends,
//! timers, events to publish, deferreds to settle, storage writes, journey progress.
//!
//! Reliability, in one place:
//! - **Liveness**: any stream frame re-arms a heartbeat watchdog; silence past `heartbeatTimeout` (or the socket
//!   closing) publishes `disconnected`, closes the socket and reconnects with exponential backoff and "equal
//!   jitter" (half fixed, half from the injected random number). Once open again: `reconnected`, then
//!   `GET messages?after=<last id>` (following `next`) and `GET members`; frames that arrive meanwhile are held
//!   and processed after the fetched messages, so order is kept; everything is de-duplicated by message id
//!   ([`transcript::Transcript::admit`]). A member seen only by id (member-change frames carry `{id, state}`) is
//!   looked up with `GET members/{id}`; messages after one from an unknown sender wait for it, in order.
//! - **Sends** go one at a time, in order, and wait while the stream is disconnected (or a catch-up runs); a send
//!   made while the chat is still being created or restored waits for it. A 4xx is final (the deferred rejects
//!   with the AJAX response). A 5xx, 408, 429, a network error or no answer within `requestTimeout` is
//!   ambiguous: the server may have stored the message. **How we know whether it did**: the service echoes the
//!   guest's own messages on its stream, and `GET messages` returns them; an own message (sender = our member)
//!   with the same body, seen since this send started, that no earlier send has claimed (sends claim the id the
//!   server answered with) is that message, because sends are serialized. So on an ambiguous failure the machine
//!   first looks for that echo; if none, it waits a backoff delay (after a timeout: at least `requestTimeout`
//!   again, so a slow request can land), re-reads `messages?after=<the newest id when the send started>`, and
//!   sends again only if the message is not there. The stream's echo arriving at any point completes it. Every
//!   answer is matched to its own send (a check still on its way when the echo completed its send says nothing
//!   of the next one), and sends go only while the stream is open and caught up (an echo stored before the
//!   stream attaches never reaches us). docs/webchat.md lists the interleavings; `soak_tests` explores them.
//! - **Offline**: consecutive failures of requests or reconnects count as poll exceptions (a poll counts once):
//!   the first publishes `connectionPending`, the `pollExceptionLimit`-th `chatServerWentOffline`; the next
//!   success publishes `chatServerBackOnline` and `connectionRestored`.
//! - **Restore**: the session (ids, JWT, stream URI, last id, prefilters) is written to storage as a
//!   [`Snapshot`] when it changes, on stream activity at most every `SNAPSHOT_REFRESH_MS`, and when the page
//!   hides (not per message: a restore re-reads the transcript from the server); a new page restores it within `restoreTimeout` of
//!   the last write: `GET members` and the transcript, newest page first then older ones (`before=`), replayed
//!   with `restoring: true` in pages of `maxMessagePageSize` (one event when `pagination` is false), then the
//!   stream opens and catches up. A 401/403/404 is `restoreFailed`; a 5xx or no answer is `restoredOffline`,
//!   retried with backoff until `chatServerBackOnline`. After `restoreTimeout`: `restoreTimeout`, and the
//!   snapshot is removed.
//! - **Polling** (`transport.polling`): no socket; every `pollInterval` a poll reads `messages?after=` and the
//!   members; failed polls back off. The service routes a chat to an agent only once a stream is attached, so
//!   against Genesys Cloud (and the emulator) a polling guest is not routed: polling is for reading a chat that
//!   another connection routed, or for servers that route without a stream.
//!
//! Shapes: the commands' results, rejection texts and events are those of the WebChatService that Genesys Widgets
//! 9.0.017 ships (docs/webchat.md lists them, and every deliberate difference with its reason): `startChat` and
//! `sendMessage` resolve `undefined`, `endChat` the leave's jqXHR; `getSessionData` and `started` carry the
//! session object, JWT included, as the vendor's do (the shell keeps it out of analytics and the debug log);
//! `getAgents` is a map by member id. Where the vendor is silent: failed requests reject with the AJAX response
//! object; `downloadFile` rejects with "This transport doesn't support file downloads."; supervisor events are
//! published for a member with role `SUPERVISOR`, which the Guest Chat API does not have today (the emulator can
//! add one); bots (`WORKFLOW`) and the queue (`ACD`) send messages but are not agents. Until it is configured,
//! every command is refused with [`NOT_CONFIGURED`] and nothing is published.

pub mod config;
pub mod transcript;

use std::collections::VecDeque;

use crate::core::guestchat::{Created, Frame, MemberInfo, Reply, Request, WireMember, WireMessage};
use config::Config;
use transcript::{AgentInfo, ChatMessage, Role, Transcript};

/// `sendMessage` without a chat: the vendor's text keeps its period.
pub const NO_SESSION: &str = "There is no active chat session.";
/// `endChat` without a chat: the vendor's text has no period.
pub const NO_SESSION_END: &str = "There is no active chat session";
/// `sendTyping` without a chat.
pub const NO_TYPING_SESSION: &str = "trying to send typing indicator when session is not active";
pub const NO_SESSION_SHORT: &str = "No active chat session.";
pub const ALREADY_ACTIVE: &str = "There is already an active chat session";
pub const NO_TEXT: &str = "No message text provided";
pub const NO_POLLING: &str = "This transport doesn't support polling.";
pub const NO_RESET_POLL: &str = "This transport doesn't support resetPollExceptions command.";
pub const NO_FILES: &str = "This transport doesn't support file uploads.";
pub const NO_DOWNLOADS: &str = "This transport doesn't support file downloads.";
pub const NO_CUSTOM_NOTICE: &str = "This transport doesn't support sendCustomNotice command.";
pub const NO_USERDATA_UPDATE: &str =
    "This transport doesn't support updating userData during an active chat session.";
pub const BAD_FILTERS: &str = "Missing or invalid filters provided. Please provide a regular expression or an array of regular expressions.";
pub const BAD_INPUT: &str = "Invalid value provided for the input property. An HTML element reference to a textarea or text input is required.";
pub const BAD_USERDATA: &str = "malformed data object provided in userData property.";
pub const PRIVATE_POLL: &str =
    "Access Denied to private command. Only WebChatService is allowed to invoke this command.";
pub const PRIVATE_RESTORE: &str = "Access Denied to private command. Only WebChatService is allowed to invoke this command in Non-Async mode.";
pub const POLL_BUSY: &str = "previous poll has not finished.";
/// `fetchHistory` without pagination (the shipped widget's text).
pub const HISTORY_OFF: &str = "Fetching chat history on scroll is not enabled.";
/// `fetchHistory` with pagination: every older message was already delivered (the shipped widget's text).
pub const HISTORY_DONE: &str = "No more messages to fetch";
pub const NOT_CONFIGURED: &str = "WebChatService is not configured: _genesys.widgets.webchat.transport is missing; call WebChatService.configure with it first";
pub const RESTORING: &str = "Already restoring. Ignoring request.";
pub const RESTORE_ACTIVE: &str = "Chat session is already active, ignoring restore command.";

/// The client stops "typing" this long after its last key (SPEC §3).
pub const CLIENT_TYPING_MS: u32 = 2000;
/// `agentTypingTimeout` this long after the agent's last typing indicator.
pub const AGENT_TYPING_MS: u32 = 3000;
/// While the guest keeps typing, the typing indicator is re-sent at most this often.
const TYPING_RESEND_MS: f64 = 2000.0;
/// The reconnect and retry backoff never exceeds this.
const MAX_BACKOFF_MS: f64 = 30_000.0;
/// Snapshot writes that only refresh "last seen alive" are spaced this far apart.
const SNAPSHOT_REFRESH_MS: f64 = 5000.0;

/// "Now", and a random number in [0, 1) for jitter: the only nondeterminism, injected.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    pub now: f64,
    pub random: f64,
}

/// A prefilter: a RegExp's `source` and `flags`, which is what survives a reload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub source: String,
    pub flags: String,
}

/// A WebChatService command, as the shell decoded its options.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    StartChat(MemberInfo),
    EndChat,
    SendMessage(Option<String>),
    SendFilteredMessage(Option<String>, Filter),
    AddPrefilter(Vec<Filter>),
    SendTyping,
    SendCustomNotice,
    SendFile,
    DownloadFile,
    FetchHistory,
    /// `internal`: the commander is WebChatService itself.
    Restore {
        internal: bool,
    },
    Poll {
        internal: bool,
    },
    StartPoll,
    StopPoll,
    ResetPollExceptions,
    UpdateUserData,
    GetTranscript,
    GetAgents,
    GetStats,
    GetSessionData,
    VerifySession,
}

/// What an HTTP request came to.
#[derive(Debug, Clone, PartialEq)]
pub enum HttpResult {
    /// A 2xx answer, decoded as the request's `expect` said.
    Ok { status: u16, reply: Reply },
    /// A non-2xx answer.
    Status {
        status: u16,
        status_text: String,
        text: String,
    },
    /// No answer: the network failed (`fetch` rejected).
    Network(String),
}

/// The widget's "AJAX Response Object": `{status, statusText, responseJSON | responseText}`, never the JWT.
#[derive(Debug, Clone, PartialEq)]
pub struct Ajax {
    pub status: u16,
    pub status_text: String,
    pub body: AjaxBody,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AjaxBody {
    None,
    /// The create answer without its JWT and stream URI.
    Session {
        conversation_id: String,
        member_id: String,
    },
    Message(WireMessage),
    Text(String),
}

/// `getSessionData`, and `started`'s `data`: the vendor's session object, JWT included (pages read it; it also
/// sits in sessionStorage). The shell keeps it out of analytics and debug logging.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum SessionData {
    /// No chat yet on this page: every key present, `undefined`, with `displayName` and `nextMsgURL` `""`.
    #[default]
    NoChat,
    /// A chat started here, or restored (`restored` adds `displayName: ""` and `nextMsgURL: ""`).
    Live {
        jwt: String,
        conversation_id: String,
        member_id: String,
        web_socket_url: String,
        last_message_id: Option<String>,
        restored: bool,
    },
    /// After the chat ended: `{}`.
    Ended,
}

/// `getStats`: the first and last transcript messages' times (`false` without messages).
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    pub agents: Vec<AgentInfo>,
    pub start_time: Option<f64>,
    pub end_time: Option<f64>,
    pub duration: Option<f64>,
}

/// A member as the server describes it (`agentConnected`'s `message`): `{id, displayName, role, customFields,
/// state, avatarImageUrl, lastEvent}`.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberEntity {
    pub id: String,
    pub display_name: String,
    /// `AGENT`, `SUPERVISOR`, `CUSTOMER`.
    pub role: &'static str,
    /// `CONNECTED` or `DISCONNECTED` (also its `lastEvent`).
    pub state: &'static str,
    pub avatar_image_url: String,
}

/// A deferred's settlement value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Undefined,
    /// A vendor message (rejections) — passed as a plain string, as the vendor does.
    Text(String),
    Ajax(Ajax),
    Filters(Vec<Filter>),
    /// `getTranscript`: `{messages, originalMessages}`, each message with its server original.
    Transcript(Vec<(WireMessage, ChatMessage)>),
    Agents(Vec<AgentInfo>),
    Stats(Stats),
    SessionData(SessionData),
    SessionActive(bool),
    /// `endChat`: the jqXHR of the `DELETE` (`readyState: 4`, `status`, `statusText`, `responseText: ""`).
    Xhr(u16),
    /// `updateUserData` before a session: the shell resolves with its merged userData object.
    UserData,
}

/// Who was typing, for the typing events.
#[derive(Debug, Clone, PartialEq)]
pub struct Typing {
    pub from_type: &'static str,
    pub from_name: String,
    pub from_id: String,
    pub avatar: String,
    pub timestamp: f64,
}

/// A WebChatService event to publish.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Ready,
    /// `{async: false, asyncClose: "hideChat", pagination, fileUpload: false}`, right after `ready`.
    CapabilitiesChanged {
        pagination: bool,
    },
    /// `{data: <session object>}`.
    Started(SessionData),
    /// `{}`, right after `started`.
    AjaxResponse,
    /// `{}`, just before every `ended`.
    ClientDisconnected,
    Ended,
    Restored,
    RestoreTimeout,
    RestoreFailed,
    RestoredOffline,
    MessageReceived {
        original: Vec<WireMessage>,
        messages: Vec<ChatMessage>,
        restoring: bool,
    },
    Error(Ajax),
    AgentTypingStarted(Typing),
    AgentTypingStopped(Typing),
    /// `{}`.
    AgentTypingTimeout,
    ClientTypingStarted,
    ClientTypingStopped,
    PollingStarted,
    PollingStopped,
    /// `agentConnected`, `agentDisconnected`, `supervisor*`, and `clientConnected` (restore only), with
    /// `{message, agents, numAgentsConnected}`.
    Presence {
        name: &'static str,
        member: MemberEntity,
        agents: Vec<AgentInfo>,
        connected: u32,
    },
    Disconnected,
    Reconnected,
    ChatServerWentOffline,
    ChatServerBackOnline,
    ConnectionPending,
    ConnectionRestored,
}

impl Event {
    pub fn name(&self) -> &'static str {
        match self {
            Event::Ready => "ready",
            Event::CapabilitiesChanged { .. } => "capabilitiesChanged",
            Event::Started(_) => "started",
            Event::AjaxResponse => "ajaxResponse",
            Event::ClientDisconnected => "clientDisconnected",
            Event::Ended => "ended",
            Event::Restored => "restored",
            Event::RestoreTimeout => "restoreTimeout",
            Event::RestoreFailed => "restoreFailed",
            Event::RestoredOffline => "restoredOffline",
            Event::MessageReceived { .. } => "messageReceived",
            Event::Error(_) => "error",
            Event::AgentTypingStarted(_) => "agentTypingStarted",
            Event::AgentTypingStopped(_) => "agentTypingStopped",
            Event::AgentTypingTimeout => "agentTypingTimeout",
            Event::ClientTypingStarted => "clientTypingStarted",
            Event::ClientTypingStopped => "clientTypingStopped",
            Event::PollingStarted => "pollingStarted",
            Event::PollingStopped => "pollingStopped",
            Event::Presence { name, .. } => name,
            Event::Disconnected => "disconnected",
            Event::Reconnected => "reconnected",
            Event::ChatServerWentOffline => "chatServerWentOffline",
            Event::ChatServerBackOnline => "chatServerBackOnline",
            Event::ConnectionPending => "connectionPending",
            Event::ConnectionRestored => "connectionRestored",
        }
    }
}

/// Every event name WebChatService publishes (for `registerEvents`).
pub const EVENTS: &[&str] = &[
    "ready",
    "capabilitiesChanged",
    "started",
    "ajaxResponse",
    "ended",
    "restored",
    "restoreTimeout",
    "restoreFailed",
    "restoredOffline",
    "messageReceived",
    "error",
    "agentTypingStarted",
    "agentTypingStopped",
    "agentTypingTimeout",
    "clientTypingStarted",
    "clientTypingStopped",
    "pollingStarted",
    "pollingStopped",
    "clientConnected",
    "clientDisconnected",
    "agentConnected",
    "agentDisconnected",
    "supervisorConnected",
    "supervisorDisconnected",
    "disconnected",
    "reconnected",
    "chatServerWentOffline",
    "chatServerBackOnline",
    "connectionPending",
    "connectionRestored",
];

/// Every command WebChatService answers.
pub const COMMANDS: &[&str] = &[
    "configure",
    "startChat",
    "endChat",
    "sendMessage",
    "sendCustomNotice",
    "sendTyping",
    "sendFilteredMessage",
    "addPrefilter",
    "updateUserData",
    "poll",
    "startPoll",
    "stopPoll",
    "resetPollExceptions",
    "restore",
    "getTranscript",
    "getAgents",
    "getStats",
    "sendFile",
    "downloadFile",
    "getSessionData",
    "fetchHistory",
    "registerTypingPreviewInput",
    "registerPreProcessor",
    "verifySession",
];

/// A timer the shell arms; arming one that is armed replaces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timer {
    Heartbeat,
    Reconnect,
    AgentTyping,
    ClientTyping,
    Poll,
    SendRetry,
    CatchUp,
    Restore,
    /// The deadline of request `n`.
    Request(u32),
}

/// What the shell must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    Http {
        id: u32,
        request: Request,
    },
    SocketOpen {
        url: String,
    },
    SocketSend(String),
    SocketClose,
    Arm {
        timer: Timer,
        ms: u32,
    },
    Cancel(Timer),
    Publish(Event),
    Resolve {
        cmd: u32,
        value: Value,
    },
    Reject {
        cmd: u32,
        value: Value,
    },
    /// Write (or with `None`, remove) the session snapshot in sessionStorage.
    Store(Option<Snapshot>),
    /// A journey-linked chat moved to `state` (`accepted`, `started`, `engaged`, `completed`, `errored`).
    Journey {
        state: &'static str,
        error: Option<(i32, String)>,
    },
}

/// What survives a reload, in sessionStorage only (it holds the JWT).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Snapshot {
    pub conversation_id: String,
    pub member_id: String,
    pub jwt: String,
    pub event_stream_uri: String,
    pub last_message_id: Option<String>,
    pub filters: Vec<Filter>,
    pub start_time: f64,
    /// When it was written: a new page restores it within `restoreTimeout` of this.
    pub saved_at: f64,
    pub journey: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Starting,
    /// Waiting for the configuration to restore a stored snapshot.
    RestorePending,
    Restoring,
    Active,
    Ending,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sock {
    Closed,
    Opening,
    Open,
}

#[derive(Debug, Clone, PartialEq)]
enum Fetch {
    /// Catching up after a reconnect or a poll: `GET messages?after=`.
    CatchUp,
    Poll,
    /// Restoring after a reload: the whole transcript, page by page.
    Restore,
    /// After an ambiguous send failure: did the server store send `n`? An answer for a send that is no longer
    /// the one verifying (its echo completed it meanwhile) must not touch the next one.
    Verify(u32),
}

#[derive(Debug, Clone, PartialEq)]
enum Pending {
    Create {
        cmd: u32,
    },
    /// The POST of send `n` (see [`Outgoing::seq`]).
    Send(u32),
    Typing {
        cmd: Option<u32>,
    },
    Leave {
        cmd: u32,
    },
    Messages(Fetch),
    Members(Fetch),
    MemberInfo(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SendState {
    Queued,
    InFlight,
    /// Failed ambiguously: re-read messages before sending again.
    Verify,
    Verifying,
}

#[derive(Debug, Clone, PartialEq)]
struct Outgoing {
    /// Names this send in the requests made for it, so that a late answer is matched to its own send only.
    seq: u32,
    cmd: Option<u32>,
    text: String,
    state: SendState,
    /// It was sent at least once: `mark` and `after` are set.
    sent: bool,
    /// Transcript length when it was first sent: its echo can only come after.
    mark: usize,
    /// The newest message id when it was first sent: the `after` of a verification read.
    after: Option<String>,
    /// A filtered message resolves with `undefined`, a plain one with the AJAX response.
    filtered: bool,
}

#[derive(Debug, Default)]
struct Conversation {
    id: String,
    member_id: String,
    jwt: String,
    stream_uri: String,
    start_time: f64,
    end_time: Option<f64>,
    /// Restored after a reload (the vendor's restored session object has two more keys).
    restored: bool,
}

/// The WebChatService session machine.
#[derive(Debug)]
pub struct Session {
    config: Option<Config>,
    phase: Phase,
    conv: Conversation,
    pub transcript: Transcript,
    filters: Vec<Filter>,
    out: Vec<Output>,
    next_req: u32,
    pending: Vec<(u32, Pending)>,
    sock: Sock,
    /// `disconnected` was published and `reconnected` is due.
    disconnected: bool,
    reconnect_attempt: u32,
    /// Requests of the catch-up in flight (messages, members).
    catching_up: u8,
    /// A request of the catch-up in flight failed.
    catch_up_failed: bool,
    held: Vec<Frame>,
    queue: VecDeque<Outgoing>,
    /// The last [`Outgoing::seq`] given.
    send_seq: u32,
    send_attempt: u32,
    /// Own message ids already attributed to a send.
    claimed: Vec<String>,
    exceptions: u32,
    offline: bool,
    pending_conn: bool,
    polling: bool,
    polls_in_flight: u8,
    poll_cmd: Option<u32>,
    /// A request of the poll in flight failed.
    poll_failed: bool,
    agent_typing: Option<Typing>,
    /// An agent typing indicator came and its `agentTypingTimeout` is still due.
    typing_timeout_due: bool,
    /// A typing indicator from a member being looked up: (its id, its time), announced once it is known.
    typing_held: Option<(String, f64)>,
    client_typing: bool,
    last_typing_sent: f64,
    stored_snapshot: Option<Snapshot>,
    last_saved: f64,
    journey: bool,
    engaged: bool,
    restore_messages: Vec<WireMessage>,
    restore_failures: u32,
    /// After a restore, the stream's first open also catches up (messages may have come while fetching).
    catch_up_on_open: bool,
    /// The page loaded ([`Session::boot`]).
    booted: bool,
    /// `ready` and `capabilitiesChanged` were published.
    announced: bool,
}

impl Default for Session {
    fn default() -> Self {
        Session::new()
    }
}

fn ajax_of(result: &HttpResult) -> Ajax {
    match result {
        HttpResult::Ok { status, reply } => Ajax {
            status: *status,
            status_text: "success".into(),
            body: match reply {
                Reply::Message(m) => AjaxBody::Message(m.clone()),
                Reply::Created(c) => AjaxBody::Session {
                    conversation_id: c.conversation_id.clone(),
                    member_id: c.member_id.clone(),
                },
                _ => AjaxBody::None,
            },
        },
        HttpResult::Status {
            status,
            status_text,
            text,
        } => Ajax {
            status: *status,
            status_text: status_text.clone(),
            body: AjaxBody::Text(text.clone()),
        },
        HttpResult::Network(why) => Ajax {
            status: 0,
            status_text: why.clone(),
            body: AjaxBody::None,
        },
    }
}

/// A failure that may or may not have reached the server: retry (carefully), and count it.
fn is_transient(result: &HttpResult) -> bool {
    match result {
        HttpResult::Ok { .. } => false,
        HttpResult::Status { status, .. } => *status >= 500 || *status == 408 || *status == 429,
        HttpResult::Network(_) => true,
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

impl Session {
    pub fn new() -> Self {
        Session {
            config: None,
            phase: Phase::Idle,
            conv: Conversation::default(),
            transcript: Transcript::default(),
            filters: Vec::new(),
            out: Vec::new(),
            next_req: 1,
            pending: Vec::new(),
            sock: Sock::Closed,
            disconnected: false,
            reconnect_attempt: 0,
            catching_up: 0,
            catch_up_failed: false,
            held: Vec::new(),
            queue: VecDeque::new(),
            send_seq: 0,
            send_attempt: 0,
            claimed: Default::default(),
            exceptions: 0,
            offline: false,
            pending_conn: false,
            polling: false,
            polls_in_flight: 0,
            poll_cmd: None,
            poll_failed: false,
            agent_typing: None,
            typing_timeout_due: false,
            typing_held: None,
            client_typing: false,
            last_typing_sent: f64::NEG_INFINITY,
            stored_snapshot: None,
            last_saved: 0.0,
            journey: false,
            engaged: false,
            restore_messages: Vec::new(),
            restore_failures: 0,
            catch_up_on_open: false,
            booted: false,
            announced: false,
        }
    }

    /// The outputs produced so far, in order; the shell performs them.
    pub fn take_outputs(&mut self) -> Vec<Output> {
        std::mem::take(&mut self.out)
    }

    pub fn config(&self) -> Option<&Config> {
        self.config.as_ref()
    }

    pub fn filters(&self) -> &[Filter] {
        &self.filters
    }

    /// A session exists (starting, restoring or running).
    pub fn is_active(&self) -> bool {
        matches!(
            self.phase,
            Phase::Starting | Phase::Restoring | Phase::Active | Phase::Ending
        )
    }

    /// The vendor's session object: `undefined` fields before a chat, the live session during one, `{}` after.
    pub fn session_data(&self) -> SessionData {
        if self.conv.id.is_empty() || !self.is_active() {
            return if self.conv.end_time.is_some() {
                SessionData::Ended
            } else {
                SessionData::NoChat
            };
        }
        SessionData::Live {
            jwt: self.conv.jwt.clone(),
            conversation_id: self.conv.id.clone(),
            member_id: self.conv.member_id.clone(),
            web_socket_url: self.conv.stream_uri.clone(),
            last_message_id: self.transcript.last_id.clone(),
            restored: self.conv.restored,
        }
    }

    fn emit(&mut self, e: Event) {
        self.out.push(Output::Publish(e));
    }

    fn resolve(&mut self, cmd: u32, value: Value) {
        self.out.push(Output::Resolve { cmd, value });
    }

    fn reject(&mut self, cmd: u32, value: Value) {
        self.out.push(Output::Reject { cmd, value });
    }

    /// A command refused with one of the vendor's messages: one out-of-line call per refusal instead of building
    /// the message and the value at each of the ~25 sites (smaller wasm).
    #[inline(never)]
    fn refuse(&mut self, cmd: u32, message: &'static str) {
        self.reject(cmd, text(message));
    }

    /// A failed request published as the widget's `error` event; its answer returned for the command it fails.
    #[inline(never)]
    fn fail(&mut self, result: &HttpResult) -> Ajax {
        let ajax = ajax_of(result);
        self.emit(Event::Error(ajax.clone()));
        ajax
    }

    fn arm(&mut self, timer: Timer, ms: u32) {
        self.out.push(Output::Arm { timer, ms });
    }

    fn cancel(&mut self, timer: Timer) {
        self.out.push(Output::Cancel(timer));
    }

    fn journey_progress(&mut self, state: &'static str, error: Option<(i32, String)>) {
        if self.journey {
            self.out.push(Output::Journey { state, error });
        }
    }

    fn cfg(&self) -> &Config {
        self.config.as_ref().unwrap_or(&config::DEFAULTS)
    }

    fn request(&mut self, request: Request, kind: Pending) -> u32 {
        let id = self.next_req;
        self.next_req = self.next_req.wrapping_add(1).max(1);
        self.pending.push((id, kind));
        let ms = self.cfg().request_timeout_ms.min(u64::from(u32::MAX)) as u32;
        self.out.push(Output::Http { id, request });
        self.arm(Timer::Request(id), ms);
        id
    }

    fn backoff(&self, base: u64, attempt: u32, ctx: Ctx) -> u32 {
        let exp = (base as f64) * 2f64.powi(attempt.min(16) as i32);
        let capped = exp.min(MAX_BACKOFF_MS);
        // "Equal jitter": half fixed, half random, so retries of many clients spread out but never collapse to 0.
        let r = ctx.random.clamp(0.0, 1.0);
        (capped * (0.5 + 0.5 * r)).max(1.0) as u32
    }

    // ----- configuration and boot -------------------------------------------------------------------------

    /// Sets the configuration; a snapshot waiting for it is restored now.
    pub fn configure(&mut self, config: Config, ctx: Ctx) {
        self.config = Some(config);
        if self.booted {
            self.announce();
        }
        if self.phase == Phase::RestorePending {
            self.phase = Phase::Idle;
            if let Some(s) = self.stored_snapshot.take() {
                self.begin_restore(s, ctx);
            }
        }
    }

    /// The page loaded with (maybe) a stored snapshot.
    pub fn boot(&mut self, snapshot: Option<Snapshot>, ctx: Ctx) {
        self.booted = true;
        if self.config.is_some() {
            self.announce();
        }
        let Some(s) = snapshot else { return };
        if self.config.is_none() {
            self.stored_snapshot = Some(s);
            self.phase = Phase::RestorePending;
            return;
        }
        self.begin_restore(s, ctx);
    }

    /// `ready`, then `capabilitiesChanged`: once, when the service is loaded and configured (an unconfigured
    /// service is silent: pages and analytics hear of it once it can chat).
    fn announce(&mut self) {
        if std::mem::replace(&mut self.announced, true) {
            return;
        }
        self.emit(Event::Ready);
        let pagination = self.cfg().pagination;
        self.emit(Event::CapabilitiesChanged { pagination });
    }

    fn begin_restore(&mut self, s: Snapshot, ctx: Ctx) {
        let timeout = self.cfg().restore_timeout_ms as f64;
        if ctx.now - s.saved_at > timeout || s.conversation_id.is_empty() || s.jwt.is_empty() {
            self.out.push(Output::Store(None));
            self.emit(Event::RestoreTimeout);
            return;
        }
        self.transcript.clear();
        self.conv = Conversation {
            id: s.conversation_id,
            member_id: s.member_id,
            jwt: s.jwt,
            stream_uri: s.event_stream_uri,
            start_time: s.start_time,
            end_time: None,
            restored: true,
        };
        self.filters = s.filters;
        self.journey = s.journey;
        self.phase = Phase::Restoring;
        self.restore_failures = 0;
        self.restore_fetch(None);
    }

    /// Reads the transcript newest page first, then older pages (`before` = the oldest id so far).
    fn restore_fetch(&mut self, before: Option<String>) {
        if before.is_none() {
            self.restore_messages.clear();
            let req = self.cfg().endpoint.members(&self.conv.id, &self.conv.jwt);
            self.request(req, Pending::Members(Fetch::Restore));
        }
        let page = self.cfg().max_message_page_size;
        let req = self
            .cfg()
            .endpoint
            .messages(&self.conv.id, &self.conv.jwt, None, before.as_deref(), page);
        self.request(req, Pending::Messages(Fetch::Restore));
    }

    fn snapshot(&self, now: f64) -> Snapshot {
        Snapshot {
            conversation_id: self.conv.id.clone(),
            member_id: self.conv.member_id.clone(),
            jwt: self.conv.jwt.clone(),
            event_stream_uri: self.conv.stream_uri.clone(),
            last_message_id: self.transcript.last_id.clone(),
            filters: self.filters.clone(),
            start_time: self.conv.start_time,
            saved_at: now,
            journey: self.journey,
        }
    }

    fn save(&mut self, now: f64) {
        if matches!(self.phase, Phase::Active | Phase::Restoring | Phase::Ending) {
            self.last_saved = now;
            let s = self.snapshot(now);
            self.out.push(Output::Store(Some(s)));
        }
    }

    /// The page is going away: record "last alive" so the next page measures `restoreTimeout` from now.
    pub fn page_hide(&mut self, ctx: Ctx) {
        self.save(ctx.now);
    }

    // ----- commands -------------------------------------------------------------------------------------------

    pub fn command(&mut self, cmd: u32, command: Command, ctx: Ctx) {
        if self.config.is_none() {
            // Registered before it is configured (a page without `_genesys.widgets.webchat` at load, or an npm
            // app): every command says which configuration is missing.
            self.refuse(cmd, NOT_CONFIGURED);
            return;
        }
        match command {
            Command::StartChat(info) => self.start_chat(cmd, info, None, ctx),
            Command::EndChat => self.end_chat(cmd),
            Command::SendMessage(t) => match t {
                Some(t) if !t.trim().is_empty() => {
                    if self.is_active() && self.phase != Phase::Ending {
                        self.enqueue(Some(cmd), t, false, ctx);
                    } else {
                        self.refuse(cmd, NO_SESSION);
                    }
                }
                _ => self.refuse(cmd, NO_TEXT),
            },
            Command::SendFilteredMessage(t, filter) => match t {
                Some(t) if !t.trim().is_empty() => {
                    if self.is_active() && self.phase != Phase::Ending {
                        self.add_filters(vec![filter], ctx);
                        self.enqueue(Some(cmd), t, true, ctx);
                    } else {
                        self.refuse(cmd, NO_SESSION_SHORT);
                    }
                }
                _ => self.refuse(cmd, NO_TEXT),
            },
            Command::AddPrefilter(filters) => {
                if filters.is_empty() {
                    self.refuse(cmd, BAD_FILTERS);
                } else {
                    self.add_filters(filters, ctx);
                    let all = self.filters.clone();
                    self.resolve(cmd, Value::Filters(all));
                }
            }
            Command::SendTyping => {
                if self.phase == Phase::Active {
                    self.client_typed(Some(cmd), ctx);
                } else {
                    self.refuse(cmd, NO_TYPING_SESSION);
                }
            }
            Command::SendCustomNotice => self.refuse(cmd, NO_CUSTOM_NOTICE),
            Command::SendFile => self.refuse(cmd, NO_FILES),
            Command::DownloadFile => self.refuse(cmd, NO_DOWNLOADS),
            Command::FetchHistory => {
                // A restore delivers the whole transcript, so there is never an older page left to fetch.
                let text = if self.cfg().pagination {
                    HISTORY_DONE
                } else {
                    HISTORY_OFF
                };
                self.refuse(cmd, text);
            }
            Command::Restore { internal } => {
                if !internal {
                    self.refuse(cmd, PRIVATE_RESTORE);
                } else if self.phase == Phase::Restoring {
                    self.refuse(cmd, RESTORING);
                } else if self.is_active() {
                    self.refuse(cmd, RESTORE_ACTIVE);
                } else {
                    self.reject(cmd, Value::Undefined);
                }
            }
            Command::Poll { internal } => {
                if !internal {
                    self.refuse(cmd, PRIVATE_POLL);
                } else if !self.cfg().polling {
                    self.refuse(cmd, NO_POLLING);
                } else if self.phase != Phase::Active {
                    self.refuse(cmd, NO_SESSION_SHORT);
                } else if self.polls_in_flight > 0 {
                    self.refuse(cmd, POLL_BUSY);
                } else {
                    self.poll_cmd = Some(cmd);
                    self.poll_now();
                }
            }
            poll @ (Command::StartPoll | Command::StopPoll) => {
                if !self.cfg().polling {
                    self.refuse(cmd, NO_POLLING);
                } else if self.phase != Phase::Active {
                    self.refuse(cmd, NO_SESSION_SHORT);
                } else {
                    if matches!(poll, Command::StartPoll) {
                        self.start_polling();
                    } else {
                        self.stop_polling();
                    }
                    self.resolve(cmd, Value::Undefined);
                }
            }
            Command::ResetPollExceptions => {
                if !self.cfg().polling {
                    self.refuse(cmd, NO_RESET_POLL);
                } else {
                    self.exceptions = 0;
                    self.resolve(cmd, Value::Undefined);
                }
            }
            Command::UpdateUserData => {
                if self.is_active() {
                    self.refuse(cmd, NO_USERDATA_UPDATE);
                } else {
                    self.resolve(cmd, Value::UserData);
                }
            }
            Command::GetTranscript => {
                let t = self.transcript.chat_messages_with_wire();
                self.resolve(cmd, Value::Transcript(t));
            }
            Command::GetAgents => {
                let a = self.transcript.agents();
                self.resolve(cmd, Value::Agents(a));
            }
            Command::GetStats => {
                // The vendor's: the first and last transcript messages' times, `false` without messages.
                let (start, end) = self.transcript.first_last_ms();
                let duration = match (start, end) {
                    (Some(s), Some(e)) => Some(e - s),
                    _ => None,
                };
                let agents = self.transcript.agents();
                self.resolve(
                    cmd,
                    Value::Stats(Stats {
                        agents,
                        start_time: start,
                        end_time: end,
                        duration,
                    }),
                );
            }
            Command::GetSessionData => {
                let d = self.session_data();
                self.resolve(cmd, Value::SessionData(d));
            }
            Command::VerifySession => {
                let a = self.is_active();
                self.resolve(cmd, Value::SessionActive(a));
            }
        }
    }

    fn add_filters(&mut self, filters: Vec<Filter>, ctx: Ctx) {
        for f in filters {
            if !self.filters.contains(&f) {
                self.filters.push(f);
            }
        }
        self.save(ctx.now);
    }

    /// `startChat` whose options override the configured `interactionData`, `deploymentKey` or organization (as
    /// the shipped service reads them): `config` is the configuration with those overrides, used for this chat's
    /// creation only.
    pub fn start_chat_with(&mut self, cmd: u32, info: MemberInfo, config: Config, ctx: Ctx) {
        if self.config.is_none() {
            self.refuse(cmd, NOT_CONFIGURED);
            return;
        }
        self.start_chat(cmd, info, Some(config), ctx);
    }

    fn start_chat(&mut self, cmd: u32, info: MemberInfo, over: Option<Config>, ctx: Ctx) {
        if self.is_active() || self.phase == Phase::RestorePending {
            self.refuse(cmd, ALREADY_ACTIVE);
            return;
        }
        let Some(config) = over.or_else(|| self.config.clone()) else {
            self.refuse(cmd, NOT_CONFIGURED);
            return;
        };
        self.reset_session();
        self.journey = config.journey.is_some();
        self.journey_progress("accepted", None);
        self.phase = Phase::Starting;
        self.conv.start_time = ctx.now;
        // The guest's own name, for `from.name` of its messages: the display name the server is given.
        let name = info.display_name.clone().unwrap_or_else(|| "Customer".into());
        self.transcript.learn(
            &WireMember {
                id: String::new(),
                display_name: Some(name),
                role: Some("CUSTOMER".into()),
                state: None,
                avatar_image_url: None,
            },
            "",
        );
        let req = config
            .endpoint
            .create(&config.routing, &info, config.journey.as_ref());
        self.request(req, Pending::Create { cmd });
    }

    fn reset_session(&mut self) {
        self.conv = Conversation::default();
        self.transcript.clear();
        self.queue.clear();
        self.claimed.clear();
        self.held.clear();
        self.catching_up = 0;
        self.catch_up_failed = false;
        self.disconnected = false;
        self.reconnect_attempt = 0;
        self.exceptions = 0;
        self.offline = false;
        self.pending_conn = false;
        self.polling = false;
        self.polls_in_flight = 0;
        self.agent_typing = None;
        self.typing_timeout_due = false;
        self.typing_held = None;
        self.client_typing = false;
        self.engaged = false;
        self.send_attempt = 0;
    }

    fn end_chat(&mut self, cmd: u32) {
        if matches!(self.phase, Phase::Ending | Phase::Starting) {
            // Being created or already leaving: the first endChat settles with the answer; this one is refused.
            self.refuse(cmd, NO_SESSION_END);
            return;
        }
        if !matches!(self.phase, Phase::Active | Phase::Restoring) {
            // As the vendor: refused, and `clientDisconnected` + `ended` are still published (a page's "End"
            // button that closes its window on `ended` works whether or not a chat was running).
            self.refuse(cmd, NO_SESSION_END);
            self.emit(Event::ClientDisconnected);
            self.emit(Event::Ended);
            return;
        }
        self.phase = Phase::Ending;
        let req = self
            .cfg()
            .endpoint
            .leave(&self.conv.id, &self.conv.member_id, &self.conv.jwt);
        self.request(req, Pending::Leave { cmd });
    }

    fn send_typing(&mut self, cmd: Option<u32>, ctx: Ctx) {
        self.last_typing_sent = ctx.now;
        let req = self
            .cfg()
            .endpoint
            .typing(&self.conv.id, &self.conv.member_id, &self.conv.jwt);
        self.request(req, Pending::Typing { cmd });
    }

    /// A key in the registered typing-preview input.
    pub fn key(&mut self, ctx: Ctx) {
        if self.phase != Phase::Active {
            return;
        }
        self.client_typed(None, ctx);
    }

    /// The guest typed (a key, or `sendTyping`): `clientTypingStarted` once, an indicator at most every 2 s,
    /// `clientTypingStopped` 2 s after the last. A `sendTyping` within 2 s of the last indicator resolves at
    /// once without a request, as the vendor's.
    fn client_typed(&mut self, cmd: Option<u32>, ctx: Ctx) {
        if !self.client_typing {
            self.client_typing = true;
            self.emit(Event::ClientTypingStarted);
        }
        if ctx.now - self.last_typing_sent >= TYPING_RESEND_MS {
            self.send_typing(cmd, ctx);
        } else if let Some(cmd) = cmd {
            self.resolve(cmd, Value::Undefined);
        }
        self.arm(Timer::ClientTyping, CLIENT_TYPING_MS);
    }

    // ----- the send queue -------------------------------------------------------------------------------------

    fn enqueue(&mut self, cmd: Option<u32>, text: String, filtered: bool, ctx: Ctx) {
        self.send_seq = self.send_seq.wrapping_add(1);
        self.queue.push_back(Outgoing {
            seq: self.send_seq,
            cmd,
            text,
            state: SendState::Queued,
            sent: false,
            mark: 0,
            after: None,
            filtered,
        });
        self.pump(ctx);
    }

    /// Sending is possible: a conversation exists and, on sockets, the stream is open and caught up. A send made
    /// before the stream is attached would be stored without its echo ever reaching us (the stream carries only
    /// what is stored after it attaches), so the guest would never see its own message.
    fn can_send(&self) -> bool {
        self.phase == Phase::Active
            && !self.disconnected
            && !self.holding()
            && (self.sock == Sock::Open || self.cfg().polling)
    }

    fn pump(&mut self, _ctx: Ctx) {
        if !self.can_send() {
            return;
        }
        let mark = self.transcript.len();
        let last = self.transcript.last_id.clone();
        if self.queue.front().is_some_and(|h| !h.sent) {
            // A new send looks for echoes after `mark` only: claimed ids already delivered (before it) can no
            // longer be mistaken for its echo, so they are forgotten; a long chat does not keep every id it sent.
            let t = &self.transcript;
            self.claimed.retain(|id| !t.delivered(id));
        }
        let Some(head) = self.queue.front_mut() else {
            return;
        };
        match head.state {
            SendState::Queued => {
                if !head.sent {
                    // Only the first attempt sets where its echo can appear: a retry's echo may be the first
                    // attempt's, stored before the retry started.
                    head.sent = true;
                    head.mark = mark;
                    head.after = last;
                }
                head.state = SendState::InFlight;
                let (seq, t) = (head.seq, head.text.clone());
                let req =
                    self.cfg()
                        .endpoint
                        .send_message(&self.conv.id, &self.conv.member_id, &self.conv.jwt, &t);
                self.request(req, Pending::Send(seq));
            }
            SendState::Verify => {
                // Already echoed (stream or catch-up)? Then it is done, and the next one may go.
                if self.claim_echo() {
                    self.pump(_ctx);
                    return;
                }
                head_state(&mut self.queue, SendState::Verifying);
                let (seq, after) = match self.queue.front() {
                    Some(h) => (h.seq, h.after.clone()),
                    None => return,
                };
                let req =
                    self.cfg()
                        .endpoint
                        .messages(&self.conv.id, &self.conv.jwt, after.as_deref(), None, 100);
                self.request(req, Pending::Messages(Fetch::Verify(seq)));
            }
            SendState::InFlight | SendState::Verifying => {}
        }
    }

    /// Whether send `seq` is the head of the queue, in `state`: answers about any other send are stale.
    fn head_is(&self, seq: u32, state: SendState) -> bool {
        self.queue
            .front()
            .is_some_and(|h| h.seq == seq && h.state == state)
    }

    /// If the head of the queue failed ambiguously and its echo is in the transcript, completes it.
    fn claim_echo(&mut self) -> bool {
        let Some(head) = self.queue.front() else {
            return false;
        };
        if !matches!(head.state, SendState::Verify | SendState::Verifying) {
            return false;
        }
        let own = self.conv.member_id.as_str();
        let t = &self.transcript;
        let found = t
            .entries_from(head.mark)
            .find(|e| t.sender_of(e) == own && e.text == head.text && !self.claimed.contains(&e.id))
            .map(|e| t.wire(&e))
            .or_else(|| {
                t.waiting
                    .iter()
                    .find(|w| w.sender_id == own && w.body == head.text && !self.claimed.contains(&w.id))
                    .cloned()
            });
        match found {
            Some(w) => {
                self.claimed.push(w.id.clone());
                self.send_done(Ajax {
                    status: 200,
                    status_text: "success".into(),
                    body: AjaxBody::Message(w),
                });
                true
            }
            None => false,
        }
    }

    fn send_done(&mut self, ajax: Ajax) {
        self.cancel(Timer::SendRetry);
        self.send_attempt = 0;
        if let Some(head) = self.queue.pop_front() {
            if let Some(cmd) = head.cmd {
                // The vendor resolves `undefined`; the message itself comes with `messageReceived`.
                let _ = (ajax, head.filtered);
                self.resolve(cmd, Value::Undefined);
            }
        }
    }

    fn on_send_result(&mut self, seq: u32, result: HttpResult, ctx: Ctx) {
        if !self.head_is(seq, SendState::InFlight) {
            // Not the request the head waits for (cannot happen while sends are serialized; kept as a guard):
            // an id it was stored under is still claimed, so no other send takes its echo.
            if let HttpResult::Ok {
                reply: Reply::Message(m),
                ..
            } = &result
            {
                self.claimed.push(m.id.clone());
            }
            return;
        }
        match result {
            HttpResult::Ok { status, reply } => {
                self.succeeded();
                if let Reply::Message(m) = &reply {
                    self.claimed.push(m.id.clone());
                }
                self.send_done(ajax_of(&HttpResult::Ok { status, reply }));
                self.pump(ctx);
            }
            r if is_transient(&r) => {
                let timed_out = matches!(&r, HttpResult::Network(w) if w == "timeout");
                self.fail(&r);
                self.failed();
                head_state(&mut self.queue, SendState::Verify);
                // Its echo may already be here (the server stored it, then the answer was lost).
                if self.claim_echo() {
                    self.pump(ctx);
                } else {
                    self.schedule_send_retry(ctx);
                    if timed_out {
                        // A request we stopped waiting for may still be on its way to being stored: give it as
                        // long again before reading whether it was, so a slow server is not sent a double.
                        let ms = self.backoff(self.cfg().reconnect_interval_ms, 0, ctx);
                        let wait = ms.max(self.cfg().request_timeout_ms.min(u64::from(u32::MAX)) as u32);
                        self.arm(Timer::SendRetry, wait);
                    }
                }
            }
            r => {
                // The server refused it (4xx): it was not stored; the caller learns why.
                let ajax = self.fail(&r);
                if let Some(head) = self.queue.pop_front() {
                    if let Some(cmd) = head.cmd {
                        self.reject(cmd, Value::Ajax(ajax));
                    }
                }
                self.pump(ctx);
            }
        }
    }

    fn schedule_send_retry(&mut self, ctx: Ctx) {
        let base = self.cfg().reconnect_interval_ms;
        let ms = self.backoff(base, self.send_attempt, ctx);
        self.send_attempt = self.send_attempt.saturating_add(1);
        self.arm(Timer::SendRetry, ms);
    }

    // ----- HTTP answers ---------------------------------------------------------------------------------------

    pub fn http(&mut self, id: u32, result: HttpResult, ctx: Ctx) {
        let Some(pos) = self.pending.iter().position(|(i, _)| *i == id) else {
            return; // timed out already, or from an ended session
        };
        let (_, kind) = self.pending.remove(pos);
        self.cancel(Timer::Request(id));
        match kind {
            Pending::Create { cmd } => self.on_created(cmd, result, ctx),
            Pending::Send(seq) => {
                if self.phase == Phase::Active || self.phase == Phase::Ending {
                    self.on_send_result(seq, result, ctx);
                }
            }
            Pending::Typing { cmd } => {
                let ok = matches!(result, HttpResult::Ok { .. });
                let ajax = if ok {
                    self.succeeded();
                    ajax_of(&result)
                } else {
                    self.fail(&result)
                };
                if let Some(cmd) = cmd {
                    if ok {
                        self.resolve(cmd, Value::Ajax(ajax));
                    } else {
                        self.reject(cmd, Value::Ajax(ajax));
                    }
                }
            }
            Pending::Leave { cmd } => self.on_left(cmd, result, ctx),
            Pending::Messages(f) => self.on_messages(f, result, ctx),
            Pending::Members(f) => self.on_members(f, result, ctx),
            Pending::MemberInfo(mid) => {
                self.transcript.awaiting.retain(|a| *a != mid);
                // A lookup answered after the chat ended belongs to a chat that is over: nothing to show or ask.
                if !self.is_active() {
                    return;
                }
                match result {
                    HttpResult::Ok {
                        reply: Reply::Member(m),
                        ..
                    } => {
                        self.succeeded();
                        let own = self.conv.member_id.clone();
                        self.transcript.learn(&m, &own);
                        if let Some(state) = m.state.as_deref() {
                            self.member_state(&m.id, state == "CONNECTED", None, ctx);
                        }
                    }
                    _ => {
                        // Unknown sender: show the message as External rather than hold it forever.
                        let own = self.conv.member_id.clone();
                        self.transcript.learn(
                            &WireMember {
                                id: mid.clone(),
                                ..Default::default()
                            },
                            &own,
                        );
                    }
                }
                if let Some(m) = self.transcript.member_mut(&mid) {
                    if let Some((c, msg)) = m.pending_state.take() {
                        self.member_state(&mid, c, msg, ctx);
                    }
                }
                if let Some((who, at)) = self.typing_held.clone() {
                    if who == mid && self.is_active() {
                        self.typing_from(&who, at);
                    }
                }
                self.deliver(false, ctx);
            }
        }
    }

    fn on_created(&mut self, cmd: u32, result: HttpResult, ctx: Ctx) {
        if self.phase != Phase::Starting {
            return;
        }
        match result {
            HttpResult::Ok {
                reply: Reply::Created(c),
                status,
            } => {
                self.succeeded();
                let Created {
                    conversation_id,
                    member_id,
                    jwt,
                    event_stream_uri,
                } = c.clone();
                self.conv.id = conversation_id;
                self.conv.member_id = member_id.clone();
                self.conv.jwt = jwt;
                self.conv.stream_uri = event_stream_uri;
                // The name given at startChat was recorded under "" before the member id was known.
                if let Some(pos) = self.transcript.members.iter().position(|m| m.id.is_empty()) {
                    if let Some(m) = self.transcript.members.get_mut(pos) {
                        m.id = member_id;
                    }
                }
                self.phase = Phase::Active;
                let _ = (status, c);
                // The vendor resolves `undefined`, then publishes `started` with the session object and
                // `ajaxResponse`.
                self.resolve(cmd, Value::Undefined);
                let data = self.session_data();
                self.emit(Event::Started(data));
                self.emit(Event::AjaxResponse);
                self.journey_progress("started", None);
                self.save(ctx.now);
                self.connect();
                self.pump(ctx);
            }
            other => {
                let ajax = self.fail(&other);
                self.phase = Phase::Idle;
                self.reject(cmd, Value::Ajax(ajax.clone()));
                let msg = match &ajax.body {
                    AjaxBody::Text(t) if !t.is_empty() => t.clone(),
                    _ => ajax.status_text.clone(),
                };
                self.journey_progress("errored", Some((i32::from(ajax.status), msg)));
                self.drop_queue();
            }
        }
    }

    /// Opens the stream (sockets) or starts polling.
    fn connect(&mut self) {
        if self.cfg().polling {
            self.start_polling();
            return;
        }
        self.sock = Sock::Opening;
        let url = self.conv.stream_uri.clone();
        self.out.push(Output::SocketOpen { url });
    }

    fn on_left(&mut self, cmd: u32, result: HttpResult, ctx: Ctx) {
        match result {
            HttpResult::Ok { .. } | HttpResult::Status { status: 404, .. } => {
                let status = match &result {
                    HttpResult::Ok { status, .. } | HttpResult::Status { status, .. } => *status,
                    HttpResult::Network(_) => 0,
                };
                self.resolve(cmd, Value::Xhr(status));
                self.finish(ctx);
            }
            other => {
                let ajax = self.fail(&other);
                self.phase = Phase::Active;
                self.reject(cmd, Value::Ajax(ajax));
            }
        }
    }

    /// The chat is over (we left, or the server says our member is disconnected).
    fn finish(&mut self, ctx: Ctx) {
        if !self.is_active() {
            return;
        }
        self.phase = Phase::Idle;
        self.conv.end_time = Some(ctx.now);
        if self.sock != Sock::Closed {
            self.sock = Sock::Closed;
            self.out.push(Output::SocketClose);
        }
        for t in [
            Timer::Heartbeat,
            Timer::Reconnect,
            Timer::AgentTyping,
            Timer::ClientTyping,
            Timer::Poll,
            Timer::SendRetry,
            Timer::CatchUp,
        ] {
            self.cancel(t);
        }
        if self.polling {
            self.polling = false;
            self.emit(Event::PollingStopped);
        }
        self.drop_queue();
        // Lookups and fetches still in flight belong to the chat that is over: their answers must not reach the
        // next chat (found by the guestchat_frame fuzz target). Requests whose command still waits are kept.
        self.drop_pending(|p| {
            !matches!(
                p,
                Pending::Create { .. } | Pending::Leave { .. } | Pending::Typing { cmd: Some(_) }
            )
        });
        self.out.push(Output::Store(None));
        self.conv.jwt.clear();
        // As the vendor: the transcript and the agents are emptied when the chat ends.
        self.transcript.clear();
        self.emit(Event::ClientDisconnected);
        self.emit(Event::Ended);
        self.journey_progress("completed", None);
    }

    /// Forgets the requests in flight that `stale` picks: their answers will be ignored.
    fn drop_pending(&mut self, stale: impl Fn(&Pending) -> bool) {
        let mut gone = Vec::new();
        self.pending.retain(|(id, p)| {
            let drop = stale(p);
            if drop {
                gone.push(*id);
            }
            !drop
        });
        for id in gone {
            self.cancel(Timer::Request(id));
        }
    }

    fn drop_queue(&mut self) {
        while let Some(o) = self.queue.pop_front() {
            if let Some(cmd) = o.cmd {
                self.refuse(cmd, NO_SESSION);
            }
        }
    }

    fn on_messages(&mut self, fetch: Fetch, result: HttpResult, ctx: Ctx) {
        if !self.is_active() {
            return;
        }
        match result {
            HttpResult::Ok {
                reply: Reply::Messages(page),
                ..
            } => {
                self.outcome(&fetch, true);
                let full = page.entities.len() as u32 >= self.page_size(&fetch) || page.next.is_some();
                let last = page.entities.last().map(|m| m.id.clone());
                if fetch == Fetch::Restore {
                    let first = page.entities.first().map(|m| m.id.clone());
                    let has_older = page.previous.is_some();
                    let mut older = page.entities;
                    older.append(&mut self.restore_messages);
                    self.restore_messages = older;
                    match (has_older, first) {
                        (true, Some(first)) => self.restore_fetch(Some(first)),
                        _ => self.restore_step_done(ctx),
                    }
                    return;
                }
                for m in page.entities {
                    self.transcript.admit(m);
                }
                if let (true, Some(after)) = (full, last) {
                    // More after this page: keep reading, from this page's end (not the newest id admitted,
                    // which a stream frame may have moved past messages not read yet, or left behind this page
                    // when all of it was seen), before releasing held frames.
                    let req =
                        self.cfg()
                            .endpoint
                            .messages(&self.conv.id, &self.conv.jwt, Some(&after), None, 100);
                    self.request(req, Pending::Messages(fetch));
                    return;
                }
                self.deliver(false, ctx);
                self.fetch_done(fetch, ctx);
            }
            other => {
                self.fail(&other);
                if is_transient(&other) {
                    self.outcome(&fetch, false);
                }
                if fetch == Fetch::Restore {
                    self.restore_failed_attempt(&other, ctx);
                    return;
                }
                if let Fetch::Verify(seq) = fetch {
                    if self.head_is(seq, SendState::Verifying) {
                        head_state(&mut self.queue, SendState::Verify);
                        self.schedule_send_retry(ctx);
                    }
                }
                self.fetch_failed(fetch, ctx);
            }
        }
    }

    fn page_size(&self, fetch: &Fetch) -> u32 {
        match fetch {
            Fetch::Restore => self.cfg().max_message_page_size,
            _ => 100,
        }
    }

    fn fetch_done(&mut self, fetch: Fetch, ctx: Ctx) {
        match fetch {
            Fetch::CatchUp => self.catch_up_step(ctx),
            Fetch::Poll => self.poll_step(true, ctx),
            Fetch::Verify(seq) => {
                // Its echo may have completed it while this read was on its way (from the stream or a
                // catch-up): then the head is another send, which this read says nothing about.
                if self.head_is(seq, SendState::Verifying) && !self.claim_echo() {
                    // Not stored: send it again, now.
                    head_state(&mut self.queue, SendState::Queued);
                }
                self.pump(ctx);
            }
            Fetch::Restore => {}
        }
    }

    fn fetch_failed(&mut self, fetch: Fetch, ctx: Ctx) {
        match fetch {
            Fetch::CatchUp => {
                self.catch_up_failed = true;
                self.catch_up_step(ctx);
            }
            Fetch::Poll => self.poll_step(false, ctx),
            Fetch::Verify(_) | Fetch::Restore => {}
        }
    }

    fn on_members(&mut self, fetch: Fetch, result: HttpResult, ctx: Ctx) {
        if !self.is_active() {
            return;
        }
        match result {
            HttpResult::Ok {
                reply: Reply::Members(list),
                ..
            } => {
                self.outcome(&fetch, true);
                let own = self.conv.member_id.clone();
                let restoring = fetch == Fetch::Restore;
                for m in &list {
                    self.transcript.learn(m, &own);
                }
                for m in &list {
                    let connected = m.state.as_deref() == Some("CONNECTED");
                    if restoring {
                        // Restoring: take the state as it is, without replaying connect events.
                        if let Some(x) = self.transcript.member_mut(&m.id) {
                            x.connected = connected;
                            if connected && x.connected_time.is_none() {
                                x.connected_time = Some(ctx.now);
                            }
                        }
                        if connected && m.id != own && self.journey {
                            self.engaged = true;
                        }
                        continue;
                    }
                    if m.state.as_deref() == Some("ALERTING") {
                        continue;
                    }
                    self.member_state(&m.id, connected, None, ctx);
                    if !self.is_active() {
                        return;
                    }
                }
                if restoring {
                    let own_gone = list
                        .iter()
                        .any(|m| m.id == own && m.state.as_deref() == Some("DISCONNECTED"));
                    if own_gone {
                        self.restore_gone(ctx);
                        return;
                    }
                    self.restore_step_done(ctx);
                    return;
                }
                self.deliver(false, ctx);
                self.fetch_done(fetch, ctx);
            }
            other => {
                self.fail(&other);
                if is_transient(&other) {
                    self.outcome(&fetch, false);
                }
                if fetch == Fetch::Restore {
                    self.restore_failed_attempt(&other, ctx);
                    return;
                }
                self.fetch_failed(fetch, ctx);
            }
        }
    }

    // ----- restore --------------------------------------------------------------------------------------------

    fn restore_step_done(&mut self, ctx: Ctx) {
        if self.phase != Phase::Restoring {
            return;
        }
        // Both the members and the last message page must have answered.
        if self.pending.iter().any(|(_, p)| {
            matches!(
                p,
                Pending::Messages(Fetch::Restore) | Pending::Members(Fetch::Restore)
            )
        }) {
            return;
        }
        let was_offline = self.offline;
        self.phase = Phase::Active;
        if self.restore_failures == 0 {
            self.emit(Event::Restored);
        }
        self.restore_failures = 0;
        // As the vendor, a restore tells who is in the chat: `agentConnected` (or `supervisorConnected`) per
        // connected agent and `clientConnected` for the guest, before the restored messages.
        let own = self.conv.member_id.clone();
        let present: Vec<(String, String, Role)> = self
            .transcript
            .members
            .iter()
            .filter(|m| m.connected && (m.id == own || matches!(m.role, Role::Agent | Role::Supervisor)))
            .map(|m| (m.id.clone(), m.name.clone(), m.role))
            .collect();
        for (id, name, role) in present {
            let event = match role {
                Role::Agent => "agentConnected",
                Role::Supervisor => "supervisorConnected",
                _ => "clientConnected",
            };
            self.presence(event, &id, name, role, true);
        }
        let _ = was_offline;
        let msgs = std::mem::take(&mut self.restore_messages);
        for m in msgs {
            self.transcript.admit(m);
        }
        self.deliver(true, ctx);
        self.save(ctx.now);
        self.catch_up_on_open = true;
        self.connect();
        self.pump(ctx);
    }

    fn restore_gone(&mut self, ctx: Ctx) {
        self.pending.retain(|(_, p)| {
            !matches!(
                p,
                Pending::Messages(Fetch::Restore) | Pending::Members(Fetch::Restore)
            )
        });
        self.phase = Phase::Idle;
        self.out.push(Output::Store(None));
        self.emit(Event::RestoreFailed);
        self.conv.end_time = Some(ctx.now);
        self.drop_queue();
    }

    fn restore_failed_attempt(&mut self, result: &HttpResult, ctx: Ctx) {
        if self.phase != Phase::Restoring {
            return;
        }
        // Drop the other half of this attempt; a retry starts both again.
        self.drop_pending(|p| {
            matches!(
                p,
                Pending::Messages(Fetch::Restore) | Pending::Members(Fetch::Restore)
            )
        });
        if is_transient(result) {
            if self.restore_failures == 0 {
                self.emit(Event::RestoredOffline);
                if !self.offline {
                    self.offline = true;
                }
            }
            self.restore_failures = self.restore_failures.saturating_add(1);
            let ms = self.backoff(
                self.cfg().reconnect_interval_ms,
                self.restore_failures.saturating_sub(1),
                ctx,
            );
            self.arm(Timer::Restore, ms);
        } else {
            // 401/403/404: the session is gone.
            self.restore_gone(ctx);
        }
    }

    // ----- the stream -----------------------------------------------------------------------------------------

    /// The socket opened.
    pub fn socket_open(&mut self, ctx: Ctx) {
        if self.sock != Sock::Opening || !self.is_active() {
            return;
        }
        self.sock = Sock::Open;
        self.reconnect_attempt = 0;
        self.succeeded();
        let hb = self.cfg().heartbeat_timeout_ms.min(u64::from(u32::MAX)) as u32;
        self.arm(Timer::Heartbeat, hb);
        if self.disconnected {
            self.disconnected = false;
            self.emit(Event::Reconnected);
            self.start_catch_up();
        } else if self.catch_up_on_open {
            self.start_catch_up();
        }
        self.catch_up_on_open = false;
        self.pump(ctx);
    }

    /// From the start of a catch-up until one succeeds: stream frames are held (they are newer than what it
    /// reads) and sends wait. A failed catch-up keeps holding and is tried again: releasing the frames would
    /// deliver them ahead of the messages it had yet to read.
    fn holding(&self) -> bool {
        self.catching_up > 0 || self.catch_up_failed
    }

    fn start_catch_up(&mut self) {
        self.catching_up = 2;
        self.catch_up_failed = false;
        let after = self.transcript.last_id.clone();
        let req = self
            .cfg()
            .endpoint
            .messages(&self.conv.id, &self.conv.jwt, after.as_deref(), None, 100);
        self.request(req, Pending::Messages(Fetch::CatchUp));
        let req = self.cfg().endpoint.members(&self.conv.id, &self.conv.jwt);
        self.request(req, Pending::Members(Fetch::CatchUp));
    }

    fn catch_up_step(&mut self, ctx: Ctx) {
        self.catching_up = self.catching_up.saturating_sub(1);
        if self.catching_up > 0 {
            return;
        }
        if self.catch_up_failed {
            // Read again later, still holding what the stream sends meanwhile.
            let ms = self.backoff(self.cfg().reconnect_interval_ms, self.exceptions, ctx);
            self.arm(Timer::CatchUp, ms);
            return;
        }
        let held = std::mem::take(&mut self.held);
        for f in held {
            self.apply_frame(f, ctx);
            if !self.is_active() {
                return;
            }
        }
        self.deliver(false, ctx);
        self.pump(ctx);
    }

    /// The socket closed or failed (any reason).
    pub fn socket_closed(&mut self, ctx: Ctx) {
        if self.sock == Sock::Closed || !self.is_active() {
            self.sock = Sock::Closed;
            return;
        }
        let was_open = self.sock == Sock::Open;
        self.sock = Sock::Closed;
        if !was_open {
            self.failed();
        }
        self.lost(ctx);
    }

    fn lost(&mut self, ctx: Ctx) {
        self.cancel(Timer::Heartbeat);
        if !self.disconnected {
            self.disconnected = true;
            self.emit(Event::Disconnected);
        }
        // Held frames of an unfinished catch-up are kept; the next catch-up re-reads them anyway. Its requests
        // still in flight are forgotten: answered during the next catch-up, they would count as that one's and
        // end it early, releasing sends and stream frames before the messages it fetches (found by the soak
        // model: a frame delivered ahead of older messages).
        self.catching_up = 0;
        self.catch_up_failed = false;
        self.cancel(Timer::CatchUp);
        self.drop_pending(|p| {
            matches!(
                p,
                Pending::Messages(Fetch::CatchUp) | Pending::Members(Fetch::CatchUp)
            )
        });
        let ms = self.backoff(self.cfg().reconnect_interval_ms, self.reconnect_attempt, ctx);
        self.reconnect_attempt = self.reconnect_attempt.saturating_add(1);
        self.arm(Timer::Reconnect, ms);
    }

    /// A text frame arrived (already decoded into a [`crate::core::guestchat::RawFrame`] and classified).
    pub fn frame(&mut self, raw: crate::core::guestchat::RawFrame, ctx: Ctx) {
        if self.sock != Sock::Open || !self.is_active() {
            return;
        }
        let hb = self.cfg().heartbeat_timeout_ms.min(u64::from(u32::MAX)) as u32;
        self.arm(Timer::Heartbeat, hb);
        if ctx.now - self.last_saved >= SNAPSHOT_REFRESH_MS {
            self.save(ctx.now);
        }
        let f = Frame::classify(raw, &self.conv.id);
        if f == Frame::Liveness {
            return;
        }
        if self.holding() {
            self.held.push(f);
            return;
        }
        self.apply_frame(f, ctx);
        self.deliver(false, ctx);
        self.pump(ctx);
    }

    fn apply_frame(&mut self, f: Frame, ctx: Ctx) {
        match f {
            Frame::Message(m) => {
                self.transcript.admit(m);
            }
            Frame::Typing(m) => {
                if m.sender_id == self.conv.member_id {
                    return;
                }
                let timestamp = if m.timestamp_ms > 0.0 {
                    m.timestamp_ms
                } else {
                    ctx.now
                };
                let known = self
                    .transcript
                    .member(&m.sender_id)
                    .is_some_and(|x| !self.transcript.awaiting.contains(&x.id) && x.role != Role::External);
                if !known {
                    // Who is typing is not known yet (its member change came with an id only): ask, and
                    // announce the indicator with its name once the answer comes.
                    self.typing_held = Some((m.sender_id.clone(), timestamp));
                    self.ask_member(&m.sender_id);
                    if !self.transcript.awaiting.contains(&m.sender_id) {
                        // Already asked and answered: it is what it is.
                        self.typing_from(&m.sender_id, timestamp);
                    }
                    return;
                }
                self.typing_from(&m.sender_id, timestamp);
            }

            Frame::MemberChange(m) => {
                let own = self.conv.member_id.clone();
                let known = self.transcript.member(&m.id).is_some();
                if known || m.role.is_some() || m.id == own {
                    self.transcript.learn(&m, &own);
                }
                match m.state.as_deref() {
                    Some("CONNECTED") => self.member_state(&m.id, true, None, ctx),
                    Some("DISCONNECTED") => self.member_state(&m.id, false, None, ctx),
                    _ => {}
                }
            }
            Frame::Liveness => {}
            Frame::Garbled => {
                // Re-read what we could not see; held frames and de-duplication keep the order and the count.
                if !self.holding() && self.sock == Sock::Open {
                    self.start_catch_up();
                }
            }
        }
    }

    /// An indicator of `sender` typing: as the vendor, `agentTypingStarted` for every indicator.
    /// `agentTypingTimeout` comes 3 s after the last one (the vendor counts from the first of a burst, hiding a
    /// still-typing agent).
    fn typing_from(&mut self, sender: &str, timestamp: f64) {
        self.typing_held = None;
        let (from_type, from_name, avatar) = match self.transcript.member(sender) {
            Some(x) => (x.role.from_type(), x.name.clone(), x.avatar.clone()),
            None => ("Agent", String::new(), String::new()),
        };
        let t = Typing {
            from_type,
            from_name,
            avatar,
            from_id: sender.to_string(),
            timestamp,
        };
        self.emit(Event::AgentTypingStarted(t.clone()));
        self.agent_typing = Some(t);
        self.typing_timeout_due = true;
        self.arm(Timer::AgentTyping, AGENT_TYPING_MS);
    }

    /// A member is (dis)connected: publishes the presence event on a change of state.
    fn member_state(&mut self, id: &str, connected: bool, message: Option<ChatMessage>, ctx: Ctx) {
        let own = self.conv.member_id.clone();
        let asked = self.transcript.asked.iter().any(|a| a == id);
        let Some(m) = self.transcript.member_mut(id) else {
            // Unknown member: ask who it is, then apply.
            self.transcript.members.push(transcript::Member {
                id: id.to_string(),
                name: String::new(),
                avatar: String::new(),
                role: Role::External,
                connected: false,
                connected_time: None,
                disconnected_time: None,
                pending_state: Some((connected, message)),
            });
            self.ask_member(id);
            return;
        };
        if m.role == Role::External && !asked && id != own {
            m.pending_state = Some((connected, message));
            self.ask_member(id);
            return;
        }
        if m.connected == connected {
            return;
        }
        m.connected = connected;
        if connected {
            m.connected_time = Some(ctx.now);
        } else {
            m.disconnected_time = Some(ctx.now);
        }
        let role = m.role;
        let name = m.name.clone();
        let _ = message;
        if id == own {
            // The guest's own member: no event while live (the vendor publishes `clientConnected` only during a
            // restore); disconnected means the chat is over (`clientDisconnected`, `ended`).
            if !connected {
                self.finish(ctx);
            }
            return;
        }
        let event = match (role, connected) {
            (Role::Supervisor, true) => "supervisorConnected",
            (Role::Supervisor, false) => "supervisorDisconnected",
            (Role::Agent, true) => "agentConnected",
            (Role::Agent, false) => "agentDisconnected",
            // Bots, the queue and other customers are not agents.
            _ => return,
        };
        self.presence(event, id, name, role, connected);
        if connected && matches!(role, Role::Agent | Role::Supervisor) && !self.engaged {
            self.engaged = true;
            self.journey_progress("engaged", None);
        }
    }

    /// Publishes a presence event: `{message: <the member as the server describes it>, agents, …}`.
    fn presence(&mut self, event: &'static str, id: &str, name: String, role: Role, connected: bool) {
        let member = MemberEntity {
            id: id.to_string(),
            display_name: name,
            role: match role {
                Role::Agent => "AGENT",
                Role::Supervisor => "SUPERVISOR",
                _ => "CUSTOMER",
            },
            state: if connected { "CONNECTED" } else { "DISCONNECTED" },
            avatar_image_url: self
                .transcript
                .member(id)
                .map(|m| m.avatar.clone())
                .unwrap_or_default(),
        };
        let agents = self.transcript.agents();
        let n = self.transcript.agents_connected();
        self.emit(Event::Presence {
            name: event,
            member,
            agents,
            connected: n,
        });
    }

    fn ask_member(&mut self, id: &str) {
        if !self.transcript.asked.iter().any(|a| a == id) {
            self.transcript.asked.push(id.to_string());
            self.transcript.awaiting.push(id.to_string());
            let req = self.cfg().endpoint.member_info(&self.conv.id, id, &self.conv.jwt);
            self.request(req, Pending::MemberInfo(id.to_string()));
        }
    }

    /// Publishes what the transcript can release: messages whose senders are known, in order, once each.
    fn deliver(&mut self, restoring: bool, ctx: Ctx) {
        let own = self.conv.member_id.clone();
        let mut unknown = Vec::new();
        let released = self.transcript.release(&own, &mut unknown);
        for id in unknown {
            self.ask_member(&id);
        }
        if released.is_empty() {
            return;
        }
        // An agent's message ends its typing: `agentTypingStopped` (documented); `agentTypingTimeout` still follows on
        // its timer, as pages written for the vendor hide their indicator on it.
        if let Some(t) = self.agent_typing.clone() {
            if released
                .iter()
                .any(|(w, c)| w.sender_id != own && c.kind == "Message")
            {
                self.agent_typing = None;
                self.emit(Event::AgentTypingStopped(t));
            }
        }
        // Our own echo claims an ambiguous send.
        self.claim_echo();
        let page = if restoring && self.cfg().pagination {
            self.cfg().max_message_page_size.max(1) as usize
        } else {
            usize::MAX
        };
        let mut it = released.into_iter().peekable();
        while it.peek().is_some() {
            let chunk: Vec<(WireMessage, ChatMessage)> = it.by_ref().take(page).collect();
            let (original, messages): (Vec<_>, Vec<_>) = chunk.iter().cloned().unzip();
            self.emit(Event::MessageReceived {
                original,
                messages,
                restoring,
            });
            if !restoring {
                for (w, c) in &chunk {
                    if w.body_type == "member-join" || w.body_type == "member-leave" {
                        let joined = w.body_type == "member-join";
                        self.member_state(&w.sender_id.clone(), joined, Some(c.clone()), ctx);
                        if !self.is_active() {
                            return;
                        }
                    }
                }
            }
        }
        // No snapshot write per message: a restore re-reads the transcript from the server, so the snapshot only
        // changes with the session itself (written then), and "last alive" is refreshed by stream activity at
        // most every SNAPSHOT_REFRESH_MS and when the page hides. Writing it per message cost ~30 µs each.
    }

    // ----- polling --------------------------------------------------------------------------------------------

    fn start_polling(&mut self) {
        if self.polling {
            return;
        }
        self.polling = true;
        self.emit(Event::PollingStarted);
        let ms = self.cfg().poll_interval_ms.min(u64::from(u32::MAX)) as u32;
        self.arm(Timer::Poll, ms);
    }

    fn stop_polling(&mut self) {
        if !self.polling {
            return;
        }
        self.polling = false;
        self.cancel(Timer::Poll);
        self.emit(Event::PollingStopped);
    }

    fn poll_now(&mut self) {
        if self.polls_in_flight > 0 {
            return;
        }
        self.polls_in_flight = 2;
        let after = self.transcript.last_id.clone();
        let req = self
            .cfg()
            .endpoint
            .messages(&self.conv.id, &self.conv.jwt, after.as_deref(), None, 100);
        self.request(req, Pending::Messages(Fetch::Poll));
        let req = self.cfg().endpoint.members(&self.conv.id, &self.conv.jwt);
        self.request(req, Pending::Members(Fetch::Poll));
    }

    /// Counts a request toward the offline accounting; a poll (messages + members) counts once, as a whole.
    fn outcome(&mut self, fetch: &Fetch, ok: bool) {
        if *fetch == Fetch::Poll {
            self.poll_failed |= !ok;
        } else if ok {
            self.succeeded();
        } else {
            self.failed();
        }
    }

    fn poll_step(&mut self, _ok: bool, ctx: Ctx) {
        self.polls_in_flight = self.polls_in_flight.saturating_sub(1);
        if self.polls_in_flight > 0 {
            return;
        }
        if std::mem::take(&mut self.poll_failed) {
            self.failed();
        } else {
            self.succeeded();
        }
        if let Some(cmd) = self.poll_cmd.take() {
            self.resolve(cmd, Value::Undefined);
        }
        if self.phase == Phase::Active {
            if ctx.now - self.last_saved >= SNAPSHOT_REFRESH_MS {
                self.save(ctx.now);
            }
            self.pump(ctx);
            if self.polling {
                let ms = if self.exceptions > 0 {
                    self.backoff(self.cfg().poll_interval_ms, self.exceptions - 1, ctx)
                } else {
                    self.cfg().poll_interval_ms.min(u64::from(u32::MAX)) as u32
                };
                self.arm(Timer::Poll, ms);
            }
        }
    }

    // ----- offline accounting ---------------------------------------------------------------------------------

    fn failed(&mut self) {
        self.exceptions = self.exceptions.saturating_add(1);
        if !self.pending_conn && !self.offline {
            self.pending_conn = true;
            self.emit(Event::ConnectionPending);
        }
        if !self.offline && self.exceptions >= self.cfg().poll_exception_limit {
            self.offline = true;
            self.emit(Event::ChatServerWentOffline);
        }
    }

    fn succeeded(&mut self) {
        self.exceptions = 0;
        if self.offline {
            self.offline = false;
            self.pending_conn = false;
            self.emit(Event::ChatServerBackOnline);
            self.emit(Event::ConnectionRestored);
        } else if self.pending_conn {
            self.pending_conn = false;
            self.emit(Event::ConnectionRestored);
        }
    }

    // ----- timers ---------------------------------------------------------------------------------------------

    pub fn timer(&mut self, timer: Timer, ctx: Ctx) {
        match timer {
            Timer::Request(id) => {
                if self.pending.iter().any(|(i, _)| *i == id) {
                    self.http(id, HttpResult::Network("timeout".into()), ctx);
                }
            }
            Timer::Heartbeat => {
                if self.sock == Sock::Open && self.is_active() {
                    self.sock = Sock::Closed;
                    self.out.push(Output::SocketClose);
                    self.lost(ctx);
                }
            }
            Timer::Reconnect => {
                if self.is_active() && self.sock == Sock::Closed && !self.cfg().polling {
                    self.connect();
                }
            }
            Timer::CatchUp => {
                if self.phase == Phase::Active && self.sock == Sock::Open && self.catching_up == 0 {
                    self.start_catch_up();
                }
            }
            Timer::AgentTyping => {
                self.agent_typing = None;
                if std::mem::take(&mut self.typing_timeout_due) {
                    self.emit(Event::AgentTypingTimeout);
                }
            }
            Timer::ClientTyping => {
                if self.client_typing {
                    self.client_typing = false;
                    self.emit(Event::ClientTypingStopped);
                }
            }
            Timer::Poll => {
                if self.phase == Phase::Active && self.polling {
                    self.poll_now();
                }
            }
            Timer::SendRetry => self.pump(ctx),
            Timer::Restore => {
                if self.phase == Phase::Restoring {
                    self.restore_fetch(None);
                }
            }
        }
    }
}

fn head_state(queue: &mut VecDeque<Outgoing>, state: SendState) {
    if let Some(h) = queue.front_mut() {
        h.state = state;
    }
}

#[cfg(test)]
mod soak_tests;
#[cfg(test)]
mod tests;
