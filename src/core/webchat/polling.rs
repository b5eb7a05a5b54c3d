//! Polling (`transport.polling`): no socket; messages and members read on a timer, backing off on failures.

use super::*;

impl Session {
    pub(super) fn start_polling(&mut self) {
        if self.polling {
            return;
        }
        self.polling = true;
        self.emit(Event::PollingStarted);
        let ms = self.cfg().poll_interval_ms.min(u64::from(u32::MAX)) as u32;
        self.arm(Timer::Poll, ms);
    }

    pub(super) fn stop_polling(&mut self) {
        if !self.polling {
            return;
        }
        self.polling = false;
        self.cancel(Timer::Poll);
        self.emit(Event::PollingStopped);
    }

    pub(super) fn poll_now(&mut self) {
        if self.polls_in_flight > 0 {
            return;
        }
        self.polls_in_flight = 2;
        let after = self.transcript.last_id.clone();
        self.read_messages(after.as_deref(), None, 100, Fetch::Poll);
        let _ = self.read_members(Fetch::Poll);
    }

    /// Counts a request toward the offline accounting; a poll (messages + members) counts once, as a whole.
    pub(super) fn outcome(&mut self, fetch: &Fetch, ok: bool) {
        if *fetch == Fetch::Poll {
            self.poll_failed |= !ok;
        } else if ok {
            self.succeeded();
        } else {
            self.failed();
        }
    }

    pub(super) fn poll_step(&mut self, _ok: bool, ctx: Ctx) {
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
}
