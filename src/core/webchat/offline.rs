//! Offline accounting: consecutive failures publish `connectionPending`, then `chatServerWentOffline`; the next
//! success brings the server back.

use super::*;

impl Session {
    pub(super) fn failed(&mut self) {
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

    pub(super) fn succeeded(&mut self) {
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
}
