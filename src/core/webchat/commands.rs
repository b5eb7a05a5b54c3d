//! The vendor's commands: each refused with the vendor's text, answered at once, or handed to its concern.

use super::*;

impl Session {
    pub fn command(&mut self, cmd: u32, command: Command, ctx: Ctx) {
        self.now = ctx.now;
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
                Some(t) if !is_blank(&t) => {
                    if self.is_active() && self.phase != Phase::Ending {
                        self.enqueue(Some(cmd), t, false, ctx);
                    } else {
                        self.refuse(cmd, NO_SESSION);
                    }
                }
                _ => self.refuse(cmd, NO_TEXT),
            },
            Command::SendFilteredMessage(t, filter) => match t {
                Some(t) if !is_blank(&t) => {
                    if self.is_active() && self.phase != Phase::Ending {
                        self.add_filters(&[filter], ctx);
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
                    self.add_filters(&filters, ctx);
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
            Command::SendFile if self.messaging() => self.refuse(cmd, NO_MESSAGING_FILES),
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

    pub(super) fn add_filters(&mut self, filters: &[Filter], ctx: Ctx) {
        for f in filters {
            if !self.filters.contains(f) {
                self.filters.push(f.clone());
            }
        }
        self.save(ctx.now);
    }
}
