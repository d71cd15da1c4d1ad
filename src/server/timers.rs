//! SMPP 3.4 §7.2 session timers, as plain deadline arithmetic (no tokio), so the rules can be
//! tested without sockets or sleeps. The response_timer lives in [`super::window`].

use std::time::{Duration, Instant};

use super::state::SessionState;

/// What a timer asks the session to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimerEvent {
    /// session_init_timer: still OPEN (not bound): close the connection.
    SessionInitExpired,
    /// enquire_link_timer: bound and quiet: send an enquire_link.
    EnquireLinkDue,
    /// inactivity_timer: nothing at all from the client: unbind and close.
    Inactive,
}

/// The session's own timers.
#[derive(Debug, Clone)]
pub(crate) struct Timers {
    session_init: Duration,
    enquire_link: Duration,
    inactivity: Duration,
    connected: Instant,
    last_rx: Instant,
}

impl Timers {
    pub(crate) fn new(
        now: Instant,
        session_init: Duration,
        enquire_link: Duration,
        inactivity: Duration,
    ) -> Self {
        Timers {
            session_init,
            enquire_link,
            inactivity,
            connected: now,
            last_rx: now,
        }
    }

    /// Any PDU from the client, including responses, shows the link is alive.
    pub(crate) fn on_receive(&mut self, now: Instant) {
        self.last_rx = now;
    }

    /// When the next timer is due, given the state and whether an enquire_link of ours is
    /// already waiting for its answer (then only the response timer and inactivity apply).
    pub(crate) fn next_deadline(
        &self,
        state: SessionState,
        enquire_pending: bool,
    ) -> Option<Instant> {
        match state {
            SessionState::Open => Some(self.connected + self.session_init),
            s if s.is_bound() => {
                let inactive = self.last_rx + self.inactivity;
                if enquire_pending {
                    Some(inactive)
                } else {
                    Some(inactive.min(self.last_rx + self.enquire_link))
                }
            }
            _ => None,
        }
    }

    /// The timer that has fired at `now`, if any. Inactivity wins over enquire_link.
    pub(crate) fn due(
        &self,
        now: Instant,
        state: SessionState,
        enquire_pending: bool,
    ) -> Option<TimerEvent> {
        match state {
            SessionState::Open if now >= self.connected + self.session_init => {
                Some(TimerEvent::SessionInitExpired)
            }
            s if s.is_bound() => {
                if now >= self.last_rx + self.inactivity {
                    Some(TimerEvent::Inactive)
                } else if !enquire_pending && now >= self.last_rx + self.enquire_link {
                    Some(TimerEvent::EnquireLinkDue)
                } else {
                    None
                }
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn unbound_connection_is_closed_after_session_init() {
        let t0 = Instant::now();
        let t = Timers::new(t0, secs(10), secs(30), secs(90));
        assert_eq!(
            t.next_deadline(SessionState::Open, false),
            Some(t0 + secs(10))
        );
        assert_eq!(t.due(t0 + secs(9), SessionState::Open, false), None);
        assert_eq!(
            t.due(t0 + secs(10), SessionState::Open, false),
            Some(TimerEvent::SessionInitExpired)
        );
    }

    #[test]
    fn quiet_bound_session_gets_enquire_link_then_inactivity() {
        let t0 = Instant::now();
        let mut t = Timers::new(t0, secs(10), secs(30), secs(90));
        t.on_receive(t0 + secs(5)); // the bind
        let s = SessionState::BoundTrx;
        assert_eq!(t.next_deadline(s, false), Some(t0 + secs(35)));
        assert_eq!(
            t.due(t0 + secs(35), s, false),
            Some(TimerEvent::EnquireLinkDue)
        );
        // While our enquire_link is outstanding only inactivity remains.
        assert_eq!(t.next_deadline(s, true), Some(t0 + secs(95)));
        assert_eq!(t.due(t0 + secs(60), s, true), None);
        // An answer resets everything.
        t.on_receive(t0 + secs(36));
        assert_eq!(t.due(t0 + secs(60), s, false), None);
        assert_eq!(t.due(t0 + secs(126), s, true), Some(TimerEvent::Inactive));
        assert_eq!(t.next_deadline(SessionState::Unbound, false), None);
    }
}
