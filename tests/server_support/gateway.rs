//! A small in-memory [`Gateway`] for the server tests: accepts every submit, allocates real
//! smppd ids, remembers messages per account so query/cancel/replace work on the account's own
//! messages only, and can hold submits to one destination to fill a window.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::Notify;

use smppd::message::{MessageId, MessageIdAllocator};
use smppd::pdu::{
    CancelSm, CommandStatus, DataSm, MessageState, ReplaceSm, SmppTime, SubmitMulti, SubmitSm,
};
use smppd::server::{BindInfo, Gateway, MultiOutcome, QueryOutcome};

/// Submits to this destination wait until [`MemoryGateway::release_held`].
pub const HOLD_DESTINATION: &str = "8600000000000";

/// One accepted message.
#[derive(Debug, Clone)]
pub struct Stored {
    pub system_id: String,
    pub destination: String,
    pub data_coding: u8,
    pub esm_class: u8,
    pub payload: Vec<u8>,
    pub state: MessageState,
}

#[derive(Default)]
pub struct MemoryGateway {
    ids: MessageIdAllocator,
    messages: Mutex<HashMap<MessageId, Stored>>,
    order: Mutex<Vec<MessageId>>,
    release: Notify,
    released: std::sync::atomic::AtomicBool,
}

impl MemoryGateway {
    pub fn new() -> Arc<Self> {
        Arc::new(MemoryGateway::default())
    }

    /// Messages in the order they were accepted.
    pub fn accepted(&self) -> Vec<(MessageId, Stored)> {
        let m = self.messages.lock();
        self.order
            .lock()
            .iter()
            .filter_map(|id| m.get(id).map(|s| (*id, s.clone())))
            .collect()
    }

    pub fn release_held(&self) {
        self.released
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.release.notify_waiters();
    }

    fn store(
        &self,
        bind: &BindInfo,
        destination: String,
        data_coding: u8,
        esm_class: u8,
        payload: Vec<u8>,
    ) -> MessageId {
        let id = self.ids.next_id();
        self.messages.lock().insert(
            id,
            Stored {
                system_id: bind.system_id().to_string(),
                destination,
                data_coding,
                esm_class,
                payload,
                state: MessageState::ENROUTE,
            },
        );
        self.order.lock().push(id);
        id
    }

    async fn hold_if_asked(&self, destination: &str) {
        while destination == HOLD_DESTINATION
            && !self.released.load(std::sync::atomic::Ordering::SeqCst)
        {
            let notified = self.release.notified();
            if self.released.load(std::sync::atomic::Ordering::SeqCst) {
                break;
            }
            notified.await;
        }
    }

    /// The account's own message, or None (another account's id looks unknown).
    fn own(&self, bind: &BindInfo, id: MessageId) -> Option<Stored> {
        self.messages
            .lock()
            .get(&id)
            .filter(|s| s.system_id == bind.system_id())
            .cloned()
    }
}

impl Gateway for MemoryGateway {
    async fn submit_sm(
        &self,
        bind: &BindInfo,
        pdu: Box<SubmitSm>,
    ) -> Result<MessageId, CommandStatus> {
        let dest = pdu.destination_addr.to_string_lossy();
        self.hold_if_asked(&dest).await;
        Ok(self.store(
            bind,
            dest,
            pdu.data_coding,
            pdu.esm_class,
            pdu.payload().to_vec(),
        ))
    }

    async fn data_sm(&self, bind: &BindInfo, pdu: Box<DataSm>) -> Result<MessageId, CommandStatus> {
        let payload = pdu
            .tlvs
            .message_payload()
            .map(|p| p.to_vec())
            .unwrap_or_default();
        Ok(self.store(
            bind,
            pdu.destination_addr.to_string_lossy(),
            pdu.data_coding,
            pdu.esm_class,
            payload,
        ))
    }

    async fn submit_multi(
        &self,
        bind: &BindInfo,
        pdu: Box<SubmitMulti>,
    ) -> Result<MultiOutcome, CommandStatus> {
        let id = self.store(
            bind,
            "multi".into(),
            pdu.data_coding,
            pdu.esm_class,
            pdu.short_message.to_vec(),
        );
        Ok(MultiOutcome {
            message_id: id,
            unsuccessful: vec![],
        })
    }

    async fn query_sm(
        &self,
        bind: &BindInfo,
        id: MessageId,
    ) -> Result<QueryOutcome, CommandStatus> {
        let s = self.own(bind, id).ok_or(CommandStatus::ESME_RQUERYFAIL)?;
        Ok(QueryOutcome {
            final_date: SmppTime::default(),
            message_state: s.state,
            error_code: 0,
        })
    }

    async fn cancel_sm(
        &self,
        bind: &BindInfo,
        id: Option<MessageId>,
        _pdu: CancelSm,
    ) -> Result<(), CommandStatus> {
        let id = id.ok_or(CommandStatus::ESME_RCANCELFAIL)?;
        self.own(bind, id).ok_or(CommandStatus::ESME_RCANCELFAIL)?;
        if let Some(s) = self.messages.lock().get_mut(&id) {
            s.state = MessageState::DELETED;
        }
        Ok(())
    }

    async fn replace_sm(
        &self,
        bind: &BindInfo,
        id: MessageId,
        pdu: Box<ReplaceSm>,
    ) -> Result<(), CommandStatus> {
        self.own(bind, id).ok_or(CommandStatus::ESME_RREPLACEFAIL)?;
        if let Some(s) = self.messages.lock().get_mut(&id) {
            s.payload = pdu.short_message.to_vec();
        }
        Ok(())
    }
}
