//! WebChatService: the chat session state machine over the Guest Chat API v2, sans I/O.
//!
//! The web shell feeds it inputs — a command ([`Session::command`]), an HTTP answer ([`Session::http`]), a socket
//! event ([`Session::socket_open`], [`Session::frame`], [`Session::socket_closed`]), the time when its next
//! deadline comes ([`Session::next_deadline`], [`Session::expire`]), a key press ([`Session::key`]) — each with
//! "now" and a random number ([`Ctx`]), and performs the [`Output`]s it returns: requests, socket opens and sends,
//! events to publish, deferreds to settle, storage writes, journey progress.
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
//!
//! The machine's state is [`Session`], here; its behaviour is split by concern, one `impl Session` each:
//! `lifecycle` (configuration, boot, start, end), `commands` (the vendor's commands), `send_queue` (sends
//! and their echoes), `stream` (the socket, liveness, reconnects and catch-ups), `history` (message reads and
//! delivery), `members` (presence and typing), `restore` (the snapshot and restoring after a reload),
//! `polling` and `offline` (counting failures); `transport` carries each request over the configured API. What
//! crosses its boundary is in `api`; the transcript
//! ([`transcript`]) stores messages in a byte log (`log`).

mod api;
mod commands;
pub mod config;
mod history;
mod lifecycle;
mod log;
pub mod member_info;
mod members;
mod messaging;
mod offline;
pub mod payload;
mod polling;
mod restore;
mod send_queue;
mod stream;
pub mod transcript;
mod transport;

use crate::core::guestchat::{Frame, Reply, Request, WireMember, WireMessage};
pub use api::*;
use config::Config;
pub use messaging::{GUEST, NO_MESSAGING_FILES, NO_TOKEN};
use send_queue::{head_state, pop_head, Outgoing, SendState};
use transcript::Transcript;

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
/// Whether an element with this `tagName` and `type` (absent: `text`) can preview what the guest types: a
/// textarea, or an input of a text-like type.
pub fn is_typing_input(tag: &str, kind: Option<&str>) -> bool {
    let kind = kind.unwrap_or("text").to_ascii_lowercase();
    match tag.to_ascii_lowercase().as_str() {
        "textarea" => true,
        "input" => matches!(kind.as_str(), "text" | "search" | "email" | "tel" | "url"),
        _ => false,
    }
}

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
/// `configure` while a chat runs: the chat in progress talks to the configured server.
pub const CONFIGURE_ACTIVE: &str =
    "WebChatService.configure: a chat session is active; configure before startChat or after it ends";
/// A command that arrived before the shell booted the session.
pub const NOT_READY: &str = "WebChatService is not ready";

/// WebChatService's own errors (not the vendor's rejections, which are plain strings as the shipped service
/// rejects with): a configuration that does not validate, a refusal of cxbridge's, or a page value that could
/// not be read (its text names the path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebChatError(pub String);

impl crate::core::text::Readable for WebChatError {
    fn message(self) -> String {
        self.0
    }
}

impl From<config::ConfigError> for WebChatError {
    fn from(e: config::ConfigError) -> Self {
        WebChatError(e.0)
    }
}

pub const RESTORING: &str = "Already restoring. Ignoring request.";
pub const RESTORE_ACTIVE: &str = "Chat session is already active, ignoring restore command.";

/// `registerPreProcessor` given anything but a function: the shipped widget's text, naming what came (its
/// `typeof`, `null` for null).
pub fn no_preprocessor(type_name: &str) -> String {
    crate::core::text::concat(&[
        "No preprocessor function provided. Type provided was '",
        type_name,
        "'.",
    ])
}

/// The client stops "typing" this long after its last key.
pub const CLIENT_TYPING_MS: u32 = 2000;
/// `agentTypingTimeout` this long after the agent's last typing indicator.
pub const AGENT_TYPING_MS: u32 = 3000;
/// While the guest keeps typing, the typing indicator is re-sent at most this often.
const TYPING_RESEND_MS: f64 = 2000.0;
/// The reconnect and retry backoff never exceeds this.
const MAX_BACKOFF_MS: f64 = 30_000.0;
/// Snapshot writes that only refresh "last seen alive" are spaced this far apart.
const SNAPSHOT_REFRESH_MS: f64 = 5000.0;

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
    queue: Vec<Outgoing>,
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
    /// The armed timers and their deadlines.
    timers: Vec<(Timer, f64)>,
    /// The time of the input being handled: timers are armed from it.
    now: f64,
    /// What the Web Messaging transport keeps (nothing with Guest Chat).
    wm: messaging::State,
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

/// Whether `s` is empty or only whitespace (`s.trim().is_empty()`, read forwards: `trim` brings its own
/// two-ended search into the wasm).
fn is_blank(s: &str) -> bool {
    s.chars().all(char::is_whitespace)
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
            queue: Vec::new(),
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
            timers: Vec::new(),
            now: 0.0,
            wm: messaging::State::default(),
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

    /// The live chat's conversation id ("" before a chat, and after it ended): what its messages' payloads name.
    pub fn conversation(&self) -> &str {
        if self.is_active() {
            &self.conv.id
        } else {
            ""
        }
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

    /// Arms `timer` to fire `ms` from now, replacing its deadline if it was armed. Out of line: ~20 call sites.
    #[inline(never)]
    fn arm(&mut self, timer: Timer, ms: u32) {
        let at = self.now + f64::from(ms);
        match self.timers.iter_mut().find(|(t, _)| *t == timer) {
            Some(entry) => entry.1 = at,
            None => self.timers.push((timer, at)),
        }
    }

    #[inline(never)]
    fn cancel(&mut self, timer: Timer) {
        // Each timer is armed once at most, and their order does not matter.
        if let Some(i) = self.timers.iter().position(|(t, _)| *t == timer) {
            self.timers.swap_remove(i);
        }
    }

    /// The armed timers and their deadlines (ms on the clock of [`Ctx::now`]).
    pub fn timers(&self) -> &[(Timer, f64)] {
        &self.timers
    }

    /// When the machine next needs to be told the time ([`Session::expire`]); `None` when no timer is armed.
    pub fn next_deadline(&self) -> Option<f64> {
        self.timers.iter().map(|(_, at)| *at).reduce(f64::min)
    }

    /// The time has come for every timer due by `ctx.now`: each fires, earliest first. At most as many fire as
    /// were armed, so a timer armed due while they fire cannot keep this going; it waits for the next call.
    pub fn expire(&mut self, ctx: Ctx) {
        for _ in 0..self.timers.len() {
            let due = self
                .timers
                .iter()
                .filter(|(_, at)| *at <= ctx.now)
                .min_by(|a, b| a.1.total_cmp(&b.1));
            let Some(&(timer, _)) = due else { break };
            self.timer(timer, ctx);
        }
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

    pub fn http(&mut self, id: u32, result: HttpResult, ctx: Ctx) {
        self.now = ctx.now;
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
            Pending::MemberInfo(mid) => self.on_member_info(mid, result, ctx),
        }
    }

    /// `timer` fires (it is disarmed first; what it does may arm it again).
    pub fn timer(&mut self, timer: Timer, ctx: Ctx) {
        self.now = ctx.now;
        self.cancel(timer);
        match timer {
            Timer::Request(id) => {
                if self.pending.iter().any(|(i, _)| *i == id) {
                    self.http(id, HttpResult::Network("timeout".into()), ctx);
                }
            }
            Timer::Heartbeat => {
                // Opening: Web Messaging's socket waits for its session's answer (`messaging`).
                let waiting = self.messaging() && self.sock == Sock::Opening;
                if (self.sock == Sock::Open || waiting) && self.is_active() {
                    if self.carry(transport::Op::Probe) {
                        return;
                    }
                    self.sock = Sock::Closed;
                    self.out.push(Output::SocketClose);
                    self.socket_lost(ctx);
                    // A Web Messaging restore's socket: as in `socket_closed`.
                    if self.is_active() && !(self.messaging() && self.phase == Phase::Restoring) {
                        self.lost(ctx);
                    }
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
            Timer::Reorder => {
                self.carry(transport::Op::Release(ctx));
            }
        }
    }
}

#[cfg(test)]
mod soak_tests;
#[cfg(test)]
mod tests;
