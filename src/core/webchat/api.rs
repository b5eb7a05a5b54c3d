//! What crosses the session machine's boundary: its inputs (commands, HTTP results, "now"), its outputs
//! (requests, socket work, events, settlements, storage writes, journey progress) and its timers.

use crate::core::guestchat::{MemberInfo, Reply, Request, WireMessage};

use super::transcript::{AgentInfo, ChatMessage};

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

/// A WebChatService command, named: what the bus routes here by its vendor name ([`COMMANDS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Configure,
    StartChat,
    EndChat,
    SendMessage,
    SendCustomNotice,
    SendTyping,
    SendFilteredMessage,
    AddPrefilter,
    UpdateUserData,
    Poll,
    StartPoll,
    StopPoll,
    ResetPollExceptions,
    Restore,
    GetTranscript,
    GetAgents,
    GetStats,
    SendFile,
    DownloadFile,
    GetSessionData,
    FetchHistory,
    RegisterTypingPreviewInput,
    RegisterPreProcessor,
    VerifySession,
}

/// Every command WebChatService answers, by the vendor's name.
pub const COMMANDS: [(&str, Verb); 24] = [
    ("configure", Verb::Configure),
    ("startChat", Verb::StartChat),
    ("endChat", Verb::EndChat),
    ("sendMessage", Verb::SendMessage),
    ("sendCustomNotice", Verb::SendCustomNotice),
    ("sendTyping", Verb::SendTyping),
    ("sendFilteredMessage", Verb::SendFilteredMessage),
    ("addPrefilter", Verb::AddPrefilter),
    ("updateUserData", Verb::UpdateUserData),
    ("poll", Verb::Poll),
    ("startPoll", Verb::StartPoll),
    ("stopPoll", Verb::StopPoll),
    ("resetPollExceptions", Verb::ResetPollExceptions),
    ("restore", Verb::Restore),
    ("getTranscript", Verb::GetTranscript),
    ("getAgents", Verb::GetAgents),
    ("getStats", Verb::GetStats),
    ("sendFile", Verb::SendFile),
    ("downloadFile", Verb::DownloadFile),
    ("getSessionData", Verb::GetSessionData),
    ("fetchHistory", Verb::FetchHistory),
    ("registerTypingPreviewInput", Verb::RegisterTypingPreviewInput),
    ("registerPreProcessor", Verb::RegisterPreProcessor),
    ("verifySession", Verb::VerifySession),
];

/// The names of [`COMMANDS`] alone (what the bus registers), taken from it when compiling.
pub const COMMAND_NAMES: [&str; COMMANDS.len()] = {
    let mut names = [""; COMMANDS.len()];
    let mut i = 0;
    while i < COMMANDS.len() {
        // Compile-time only: an index out of range would not compile.
        #[allow(clippy::indexing_slicing)]
        {
            names[i] = COMMANDS[i].0;
        }
        i += 1;
    }
    names
};

impl Verb {
    /// The command the bus routed by `name`; `None` for a name WebChatService does not answer.
    pub fn named(name: &str) -> Option<Verb> {
        COMMANDS.iter().find(|c| c.0 == name).map(|c| c.1)
    }
}

/// A timer of the machine; arming one that is armed replaces its deadline. The shell keeps one alarm for the
/// earliest ([`super::Session::next_deadline`]).
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
    /// Web Messaging's reorder window closed.
    Reorder,
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
    /// The guest's own name (`from.name` of its messages): a Web Messaging history does not say it, where a Guest
    /// Chat restore reads it from the members.
    #[cfg(feature = "webmessaging")]
    pub guest_name: String,
}
