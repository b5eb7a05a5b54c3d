//! The transport seam: every request the session makes of the server goes through here, and the configured
//! transport ([`Transport`], chosen by `transport.type`) says how it is carried. The session's concerns decide
//! *what* to ask (create, send, read what came after a message, …) and read the answers in one shape; each
//! transport turns the question into its API's request.

use super::*;
use crate::core::guestchat::MemberInfo;
use config::Transport;

impl Session {
    /// Creates the conversation for `startChat` (`config`: the configuration with its overrides).
    pub(super) fn open_chat(&mut self, cmd: u32, info: &MemberInfo, config: &Config) {
        let req = match &config.transport {
            Transport::GuestChat(ep) => ep.create(&config.routing, info, config.journey.as_ref()),
        };
        self.request(req, Pending::Create { cmd });
    }

    /// The guest leaves, which ends the chat.
    pub(super) fn leave_chat(&mut self, cmd: u32) {
        let req = match &self.cfg().transport {
            Transport::GuestChat(ep) => ep.leave(&self.conv.id, &self.conv.member_id, &self.conv.jwt),
        };
        self.request(req, Pending::Leave { cmd });
    }

    /// Sends the text of send `seq`.
    pub(super) fn send_text(&mut self, seq: u32, text: &str) {
        let req = match &self.cfg().transport {
            Transport::GuestChat(ep) => {
                ep.send_message(&self.conv.id, &self.conv.member_id, &self.conv.jwt, text)
            }
        };
        self.request(req, Pending::Send(seq));
    }

    /// Tells the agent the guest is typing.
    pub(super) fn send_typing_indicator(&mut self, cmd: Option<u32>) {
        let req = match &self.cfg().transport {
            Transport::GuestChat(ep) => ep.typing(&self.conv.id, &self.conv.member_id, &self.conv.jwt),
        };
        self.request(req, Pending::Typing { cmd });
    }

    /// Reads messages for `fetch`: those after message `after`, or (without it) the newest page of `max`,
    /// before message `before` if given.
    pub(super) fn read_messages(
        &mut self,
        after: Option<&str>,
        before: Option<&str>,
        max: u32,
        fetch: Fetch,
    ) {
        let req = match &self.cfg().transport {
            Transport::GuestChat(ep) => ep.messages(&self.conv.id, &self.conv.jwt, after, before, max),
        };
        self.request(req, Pending::Messages(fetch));
    }

    /// Reads who is in the chat for `fetch`.
    pub(super) fn read_members(&mut self, fetch: Fetch) {
        let req = match &self.cfg().transport {
            Transport::GuestChat(ep) => ep.members(&self.conv.id, &self.conv.jwt),
        };
        self.request(req, Pending::Members(fetch));
    }

    /// Asks who member `id` is (seen by id only).
    pub(super) fn read_member(&mut self, id: &str) {
        let req = match &self.cfg().transport {
            Transport::GuestChat(ep) => ep.member_info(&self.conv.id, id, &self.conv.jwt),
        };
        self.request(req, Pending::MemberInfo(id.to_string()));
    }
}
