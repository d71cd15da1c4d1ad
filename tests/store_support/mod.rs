//! Helpers shared by the store integration tests.
#![allow(dead_code)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use smppd::message::{MessageId, MessageType};
use smppd::store::{
    Address, CarrierReceipt, CarrierSubmit, FinalReport, FinalSource, FinalState, FsyncPolicy,
    NewMessage, Rejection, ResendPayload, Route, SqliteStore, StoreConfig,
};

/// A fixed clock origin: 2026-11-28T00:00:00Z.
pub const T0: u64 = 1_795_824_000;

pub fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(T0 + secs)
}

/// An id allocated in second `secs` after T0, sequence `seq`.
pub fn id(secs: u64, seq: u64) -> MessageId {
    MessageId::from_u64(((T0 + secs) << 28) | seq)
}

pub fn config(dir: &std::path::Path, fsync: FsyncPolicy) -> StoreConfig {
    StoreConfig {
        path: dir.join("store.db"),
        fsync,
        stats_utc_offset_minutes: 0,
        ..StoreConfig::default()
    }
}

pub fn open(dir: &std::path::Path) -> SqliteStore {
    SqliteStore::open(&config(dir, FsyncPolicy::Always)).unwrap()
}

pub fn message(id: MessageId, account: &str, dest: &str, secs: u64) -> NewMessage {
    NewMessage {
        id,
        account: account.into(),
        bind: format!("{account}#1"),
        message_type: MessageType::Otp,
        segments: 1,
        concat: None,
        payload: ResendPayload {
            source: Address {
                ton: 5,
                npi: 0,
                addr: "106900001".into(),
            },
            destination: Address {
                ton: 1,
                npi: 1,
                addr: dest.into(),
            },
            registered_delivery: 1,
            data_coding: 8,
            short_message: "【示例】您的验证码是 123456"
                .encode_utf16()
                .flat_map(u16::to_be_bytes)
                .collect(),
            tlvs: vec![0x14, 0x27, 0x00, 0x01, 0x01],
            ..ResendPayload::default()
        },
        validity_deadline: Some(at(secs + 3600)),
        accepted_at: at(secs),
        reported_id: None,
    }
}

pub fn rejection(account: &str, dest: &str, reason: &str, secs: u64) -> Rejection {
    Rejection {
        id: None,
        account: account.into(),
        bind: format!("{account}#1"),
        message_type: MessageType::Otp,
        source: "106900001".into(),
        destination: dest.into(),
        segments: 1,
        reason: reason.into(),
        command_status: 0x45,
        at: at(secs),
    }
}

pub fn submit_resp(part: u16, carrier_id: &str, secs: u64) -> CarrierSubmit {
    CarrierSubmit {
        part,
        channel: "cmcc-a".into(),
        carrier_message_id: Some(carrier_id.into()),
        command_status: 0,
        raw_resp: [
            &[0, 0, 0, 0x1a, 0x80, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 7][..],
            carrier_id.as_bytes(),
            &[0],
        ]
        .concat(),
        at: at(secs),
    }
}

pub fn carrier_final(state: FinalState, secs: u64) -> FinalReport {
    FinalReport {
        state,
        reason: Some(format!("stat:{}", state.as_str())),
        at: at(secs),
        source: FinalSource::Carrier(CarrierReceipt {
            part: Some(0),
            channel: "cmcc-a".into(),
            raw_pdu: format!("id:X stat:{}", state.as_str()).into_bytes(),
            at: at(secs),
        }),
    }
}

pub fn generated_final(state: FinalState, secs: u64) -> FinalReport {
    FinalReport {
        state,
        reason: Some("validity period passed".into()),
        at: at(secs),
        source: FinalSource::GeneratedBySmppd,
    }
}

/// A route on `channel` to China Mobile in Guangdong.
pub fn route(channel: &str) -> Route {
    Route {
        channel: channel.into(),
        carrier: Some("cmcc".into()),
        province: Some("guangdong".into()),
    }
}
