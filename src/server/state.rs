//! The SMPP 3.4 session states (§2.2) and which client requests each one accepts (§13 of
//! `smpp34-reference.md`, spec §2.3 / §4): a pure table, no I/O.
//!
//! ```text
//!            bind_tx ok            bind_rx ok           bind_trx ok
//!   OPEN ───────────────▶ BOUND_TX  OPEN ─────▶ BOUND_RX  OPEN ─────▶ BOUND_TRX
//!    │                        │                    │                      │
//!    │ session_init timeout   └──── unbind (either side) ─────────────────┘
//!    ▼                                      ▼
//!  CLOSED ◀──────────────── UNBOUND (unbind_resp exchanged) ──▶ CLOSED
//! ```

use std::fmt;

use serde::Deserialize;

use crate::pdu::CommandId;

/// The three ways an ESME binds (SMPP 3.4 §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BindType {
    /// bind_transmitter: the client submits, receives nothing.
    Transmitter,
    /// bind_receiver: the client receives deliver_sm (receipts, MO), submits nothing.
    Receiver,
    /// bind_transceiver: both directions on one connection.
    Transceiver,
}

impl BindType {
    /// The state a successful bind of this type enters.
    pub const fn bound_state(self) -> SessionState {
        match self {
            BindType::Transmitter => SessionState::BoundTx,
            BindType::Receiver => SessionState::BoundRx,
            BindType::Transceiver => SessionState::BoundTrx,
        }
    }

    /// Whether smppd may push deliver_sm to a session bound this way.
    pub const fn receives(self) -> bool {
        matches!(self, BindType::Receiver | BindType::Transceiver)
    }

    /// The name used in config and logs.
    pub const fn as_str(self) -> &'static str {
        match self {
            BindType::Transmitter => "transmitter",
            BindType::Receiver => "receiver",
            BindType::Transceiver => "transceiver",
        }
    }
}

impl fmt::Display for BindType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// SMPP 3.4 §2.2 session states, as seen by smppd (the SMSC side).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionState {
    /// TCP connected, not bound yet.
    Open,
    /// Bound as transmitter.
    BoundTx,
    /// Bound as receiver.
    BoundRx,
    /// Bound as transceiver.
    BoundTrx,
    /// An unbind was sent or received; only the unbind/unbind_resp exchange remains.
    Unbound,
    /// The connection is closed.
    Closed,
}

impl SessionState {
    /// True in BOUND_TX, BOUND_RX and BOUND_TRX.
    pub const fn is_bound(self) -> bool {
        matches!(
            self,
            SessionState::BoundTx | SessionState::BoundRx | SessionState::BoundTrx
        )
    }
}

/// What the session must do with a request that arrived in some state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Process it.
    Accept,
    /// Answer its `_resp` with ESME_RINVBNDSTS (0x00000004): valid PDU, wrong state.
    WrongState,
    /// A bind on an already bound session: answer ESME_RALYBND (0x00000005), SMPP 3.4 §4.1.
    AlreadyBound,
    /// Not a request an ESME sends to an SMSC at all (e.g. outbind, alert_notification):
    /// answer generic_nack ESME_RINVCMDID.
    NotForSmsc,
}

/// May a client *request* with this command_id be received in `state`?
///
/// Responses (bit 31 set) are matched against smppd's own outstanding requests by the
/// session, not by this table. Unknown command_ids are the caller's business (generic_nack
/// ESME_RINVCMDID), so they map to `NotForSmsc` here too.
pub fn admit(state: SessionState, command_id: CommandId) -> Admission {
    use SessionState::*;
    let tx = matches!(state, BoundTx | BoundTrx);
    let bound = state.is_bound();
    let ok = |allowed: bool| {
        if allowed {
            Admission::Accept
        } else {
            Admission::WrongState
        }
    };
    match command_id {
        // §4.1: binds only in OPEN; on a bound session the spec's answer is ESME_RALYBND.
        CommandId::BIND_RECEIVER | CommandId::BIND_TRANSMITTER | CommandId::BIND_TRANSCEIVER => {
            match state {
                Open => Admission::Accept,
                BoundTx | BoundRx | BoundTrx => Admission::AlreadyBound,
                Unbound | Closed => Admission::WrongState,
            }
        }
        // §4.4–4.10: ESME→SMSC message operations need a transmitting bind.
        CommandId::SUBMIT_SM
        | CommandId::SUBMIT_MULTI
        | CommandId::QUERY_SM
        | CommandId::CANCEL_SM
        | CommandId::REPLACE_SM
        | CommandId::DATA_SM => ok(tx),
        // §4.11 enquire_link: any bound state. Many 3.4 SMSCs (and SMPP 5.0) also answer it in
        // OPEN; doing so costs nothing and helps clients that probe before binding.
        CommandId::ENQUIRE_LINK => ok(bound || state == Open),
        // §4.2 unbind: any bound state.
        CommandId::UNBIND => ok(bound),
        // §4.6 deliver_sm flows SMSC→ESME only: a well-formed PDU that smppd accepts in no
        // state, so the client gets a deliver_sm_resp it can match rather than a generic_nack.
        CommandId::DELIVER_SM => Admission::WrongState,
        CommandId::OUTBIND | CommandId::ALERT_NOTIFICATION => Admission::NotForSmsc,
        _ => Admission::NotForSmsc,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SessionState::*;

    const ALL: [SessionState; 6] = [Open, BoundTx, BoundRx, BoundTrx, Unbound, Closed];

    #[test]
    fn binds_only_in_open_and_already_bound_when_bound() {
        for id in [
            CommandId::BIND_RECEIVER,
            CommandId::BIND_TRANSMITTER,
            CommandId::BIND_TRANSCEIVER,
        ] {
            assert_eq!(admit(Open, id), Admission::Accept);
            for s in [BoundTx, BoundRx, BoundTrx] {
                assert_eq!(admit(s, id), Admission::AlreadyBound);
            }
            assert_eq!(admit(Unbound, id), Admission::WrongState);
        }
    }

    #[test]
    fn message_operations_need_a_transmitting_bind() {
        for id in [
            CommandId::SUBMIT_SM,
            CommandId::SUBMIT_MULTI,
            CommandId::QUERY_SM,
            CommandId::CANCEL_SM,
            CommandId::REPLACE_SM,
            CommandId::DATA_SM,
        ] {
            for s in ALL {
                let expect = if matches!(s, BoundTx | BoundTrx) {
                    Admission::Accept
                } else {
                    Admission::WrongState
                };
                assert_eq!(admit(s, id), expect, "{id:?} in {s:?}");
            }
        }
    }

    #[test]
    fn link_management() {
        assert_eq!(admit(Open, CommandId::ENQUIRE_LINK), Admission::Accept);
        assert_eq!(admit(BoundRx, CommandId::ENQUIRE_LINK), Admission::Accept);
        assert_eq!(
            admit(Unbound, CommandId::ENQUIRE_LINK),
            Admission::WrongState
        );
        assert_eq!(admit(Open, CommandId::UNBIND), Admission::WrongState);
        assert_eq!(admit(BoundTrx, CommandId::UNBIND), Admission::Accept);
        assert_eq!(admit(Unbound, CommandId::UNBIND), Admission::WrongState);
    }

    #[test]
    fn smsc_only_and_unknown_commands() {
        assert_eq!(
            admit(BoundTrx, CommandId::DELIVER_SM),
            Admission::WrongState
        );
        assert_eq!(admit(Open, CommandId::OUTBIND), Admission::NotForSmsc);
        assert_eq!(
            admit(BoundRx, CommandId::ALERT_NOTIFICATION),
            Admission::NotForSmsc
        );
        assert_eq!(
            admit(BoundTx, CommandId(0x0000_0111)),
            Admission::NotForSmsc
        );
    }

    #[test]
    fn bind_types_enter_their_states() {
        assert_eq!(BindType::Transmitter.bound_state(), BoundTx);
        assert_eq!(BindType::Receiver.bound_state(), BoundRx);
        assert_eq!(BindType::Transceiver.bound_state(), BoundTrx);
        assert!(!BindType::Transmitter.receives());
        assert!(BindType::Transceiver.receives());
    }
}
