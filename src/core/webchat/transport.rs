//! The transport seam: every request the session makes of the server goes through here, and the configured
//! transport ([`Transport`], chosen by `transport.type`) says how it is carried. The session's concerns decide
//! *what* to ask (create, send, read what came after a message, …) and read the answers in one shape; each
//! transport turns the question into its API's request.
//!
//! Guest Chat is the session's own (its requests are written here). Web Messaging's are in `super::messaging`,
//! reached through one entry ([`Session::carry`]); a build without the `webmessaging` feature cannot hold such a
//! configuration ([`config::Messaging`]), so it links none of that transport.

use super::*;
use crate::core::guestchat::MemberInfo;
use crate::core::webmessaging::read::HistoryPage;
use config::Transport;

/// What the session asks of the Web Messaging transport (`super::messaging`).
pub(super) enum Op<'a> {
    /// Open the socket of a new session for `startChat` `cmd`.
    OpenChat(u32),
    /// The socket opened: attach it to the session.
    Configure,
    Leave(u32),
    SendText(u32, &'a str),
    Typing(Option<u32>),
    /// Read the history for a fetch, newest page first.
    ReadHistory(Fetch),
    /// Nobody to ask who a member is: it is shown as what its messages say.
    ReadMember(&'a str),
    /// A history page answered for a fetch.
    History(Fetch, HistoryPage, Ctx),
    /// The stream was silent for `heartbeatTimeout`: answers `true` when a probe went out (wait once more),
    /// `false` when one already had.
    Probe,
    /// The socket closed: the requests it carried have failed.
    SocketLost(Ctx),
    /// The reorder window closed.
    Release(Ctx),
    /// A history read for a fetch failed (`true`: refused 401): answers `true` when a new JWT is being fetched
    /// for it. (Only with the feature: a JWT is Web Messaging's alone.)
    #[cfg(feature = "webmessaging")]
    ReadFailed(Fetch, bool),
}

impl Session {
    /// Whether Web Messaging is the configured transport.
    pub fn messaging(&self) -> bool {
        matches!(self.cfg().transport, Transport::WebMessaging(_))
    }

    /// Asks the Web Messaging transport, when it is the configured one; `false` when it is not (or it says no).
    /// One entry rather than one call per question: each call site costs the wasm ~0.1 KB gzip.
    #[inline(never)]
    pub(super) fn carry(&mut self, op: Op) -> bool {
        self.messaging() && super::messaging::run(self, op)
    }

    /// Creates the conversation for `startChat` (`config`: the configuration with its overrides).
    pub(super) fn open_chat(&mut self, cmd: u32, info: &MemberInfo, config: &Config) {
        let req = match &config.transport {
            Transport::GuestChat(ep) => ep.create(&config.routing, info, config.journey.as_ref()),
            Transport::WebMessaging(_) => {
                self.carry(Op::OpenChat(cmd));
                return;
            }
        };
        self.request(req, Pending::Create { cmd });
    }

    /// The guest leaves, which ends the chat.
    pub(super) fn leave_chat(&mut self, cmd: u32) {
        let req = match &self.cfg().transport {
            Transport::GuestChat(ep) => ep.leave(&self.conv.id, &self.conv.member_id, &self.conv.jwt),
            Transport::WebMessaging(_) => {
                self.carry(Op::Leave(cmd));
                return;
            }
        };
        self.request(req, Pending::Leave { cmd });
    }

    /// Sends the text of send `seq`.
    pub(super) fn send_text(&mut self, seq: u32, text: &str) {
        let req = match &self.cfg().transport {
            Transport::GuestChat(ep) => {
                ep.send_message(&self.conv.id, &self.conv.member_id, &self.conv.jwt, text)
            }
            Transport::WebMessaging(_) => {
                self.carry(Op::SendText(seq, text));
                return;
            }
        };
        self.request(req, Pending::Send(seq));
    }

    /// Tells the agent the guest is typing.
    pub(super) fn send_typing_indicator(&mut self, cmd: Option<u32>) {
        let req = match &self.cfg().transport {
            Transport::GuestChat(ep) => ep.typing(&self.conv.id, &self.conv.member_id, &self.conv.jwt),
            Transport::WebMessaging(_) => {
                self.carry(Op::Typing(cmd));
                return;
            }
        };
        self.request(req, Pending::Typing { cmd });
    }

    /// Reads messages for `fetch`: those after message `after`, or (without it) the newest page of `max`,
    /// before message `before` if given. (Web Messaging reads its history from the newest page until it meets
    /// what it has seen.)
    pub(super) fn read_messages(
        &mut self,
        after: Option<&str>,
        before: Option<&str>,
        max: u32,
        fetch: Fetch,
    ) {
        let req = match &self.cfg().transport {
            Transport::GuestChat(ep) => ep.messages(&self.conv.id, &self.conv.jwt, after, before, max),
            Transport::WebMessaging(_) => {
                self.carry(Op::ReadHistory(fetch));
                return;
            }
        };
        self.request(req, Pending::Messages(fetch));
    }

    /// Reads who is in the chat for `fetch`; `false` when the transport has no such read (Web Messaging names
    /// the members in their messages).
    pub(super) fn read_members(&mut self, fetch: Fetch) -> bool {
        let req = match &self.cfg().transport {
            Transport::GuestChat(ep) => ep.members(&self.conv.id, &self.conv.jwt),
            Transport::WebMessaging(_) => return false,
        };
        self.request(req, Pending::Members(fetch));
        true
    }

    /// Asks who member `id` is (seen by id only).
    pub(super) fn read_member(&mut self, id: &str) {
        let req = match &self.cfg().transport {
            Transport::GuestChat(ep) => ep.member_info(&self.conv.id, id, &self.conv.jwt),
            Transport::WebMessaging(_) => {
                self.carry(Op::ReadMember(id));
                return;
            }
        };
        self.request(req, Pending::MemberInfo(id.to_string()));
    }
}
