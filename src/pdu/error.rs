//! Errors of the PDU layer. Framing errors ([`CodecError`]) end the session; body errors
//! ([`PduError`]) are answered and the session goes on (style habit 2).

use super::command::{CommandId, CommandStatus};
use super::tlv::TlvTag;
use super::Pdu;

/// A mandatory field, named as in SMPP 3.4 §5.2; it decides the status of a bad value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // the variants are the spec's field names
pub enum Field {
    SystemId,
    Password,
    SystemType,
    InterfaceVersion,
    AddrTon,
    AddrNpi,
    AddressRange,
    ServiceType,
    SourceAddrTon,
    SourceAddrNpi,
    SourceAddr,
    DestAddrTon,
    DestAddrNpi,
    DestinationAddr,
    EsmClass,
    ProtocolId,
    PriorityFlag,
    ScheduleDeliveryTime,
    ValidityPeriod,
    RegisteredDelivery,
    ReplaceIfPresentFlag,
    DataCoding,
    SmDefaultMsgId,
    SmLength,
    ShortMessage,
    MessageId,
    NumberOfDests,
    DestFlag,
    DlName,
    NoUnsuccess,
    ErrorStatusCode,
    FinalDate,
    MessageState,
    ErrorCode,
    EsmeAddrTon,
    EsmeAddrNpi,
    EsmeAddr,
}

impl Field {
    /// The spec name, e.g. `"source_addr"`.
    pub fn name(self) -> &'static str {
        use Field::*;
        match self {
            SystemId => "system_id",
            Password => "password",
            SystemType => "system_type",
            InterfaceVersion => "interface_version",
            AddrTon => "addr_ton",
            AddrNpi => "addr_npi",
            AddressRange => "address_range",
            ServiceType => "service_type",
            SourceAddrTon => "source_addr_ton",
            SourceAddrNpi => "source_addr_npi",
            SourceAddr => "source_addr",
            DestAddrTon => "dest_addr_ton",
            DestAddrNpi => "dest_addr_npi",
            DestinationAddr => "destination_addr",
            EsmClass => "esm_class",
            ProtocolId => "protocol_id",
            PriorityFlag => "priority_flag",
            ScheduleDeliveryTime => "schedule_delivery_time",
            ValidityPeriod => "validity_period",
            RegisteredDelivery => "registered_delivery",
            ReplaceIfPresentFlag => "replace_if_present_flag",
            DataCoding => "data_coding",
            SmDefaultMsgId => "sm_default_msg_id",
            SmLength => "sm_length",
            ShortMessage => "short_message",
            MessageId => "message_id",
            NumberOfDests => "number_of_dests",
            DestFlag => "dest_flag",
            DlName => "dl_name",
            NoUnsuccess => "no_unsuccess",
            ErrorStatusCode => "error_status_code",
            FinalDate => "final_date",
            MessageState => "message_state",
            ErrorCode => "error_code",
            EsmeAddrTon => "esme_addr_ton",
            EsmeAddrNpi => "esme_addr_npi",
            EsmeAddr => "esme_addr",
        }
    }

    /// The status for an invalid value of this field (SMPP 3.4 §5.1.3); fields without a
    /// dedicated code get ESME_RINVPARLEN.
    pub fn invalid_status(self) -> CommandStatus {
        use Field::*;
        match self {
            SystemId => CommandStatus::ESME_RINVSYSID,
            Password => CommandStatus::ESME_RINVPASWD,
            SystemType => CommandStatus::ESME_RINVSYSTYP,
            ServiceType => CommandStatus::ESME_RINVSERTYP,
            SourceAddr => CommandStatus::ESME_RINVSRCADR,
            DestinationAddr => CommandStatus::ESME_RINVDSTADR,
            MessageId => CommandStatus::ESME_RINVMSGID,
            ScheduleDeliveryTime => CommandStatus::ESME_RINVSCHED,
            ValidityPeriod => CommandStatus::ESME_RINVEXPIRY,
            DlName => CommandStatus::ESME_RINVDLNAME,
            NumberOfDests => CommandStatus::ESME_RINVNUMDESTS,
            DestFlag => CommandStatus::ESME_RINVDESTFLAG,
            SmLength | ShortMessage => CommandStatus::ESME_RINVMSGLEN,
            _ => CommandStatus::ESME_RINVPARLEN,
        }
    }
}

/// What is wrong with a PDU body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PduErrorKind {
    /// `command_length` disagrees with the frame (ESME_RINVCMDLEN).
    #[error("command_length {command_length} does not match the {frame_len}-octet frame")]
    LengthMismatch {
        /// The header's command_length.
        command_length: u32,
        /// The octets actually handed to the decoder.
        frame_len: usize,
    },
    /// Not an SMPP 3.4 command_id (ESME_RINVCMDID).
    #[error("unknown command_id")]
    UnknownCommandId,
    /// The body ends inside a mandatory field (ESME_RINVCMDLEN).
    #[error("body ends inside mandatory field {}", .0.name())]
    Truncated(Field),
    /// A C-octet string has no NUL within its maximum length (field status).
    #[error("{} longer than its maximum of {max} octets", .field.name())]
    TooLong {
        /// The field.
        field: Field,
        /// Its maximum length including the NUL.
        max: usize,
    },
    /// The body ends inside a C-octet string, before its NUL and its maximum length (field
    /// status, as for an over-long value; the session answers it with generic_nack because
    /// the frame was cut short).
    #[error("body ends inside {} before its NUL", .0.name())]
    Unterminated(Field),
    /// A time field is neither NULL nor `YYMMDDhhmmsstnnp` (field status).
    #[error("{} is not an SMPP time", .0.name())]
    BadTime(Field),
    /// `sm_length` exceeds 254 or the octets left in the body (ESME_RINVMSGLEN).
    #[error("sm_length {0} exceeds 254 or the rest of the body")]
    BadSmLength(u8),
    /// number_of_dests is 0 (ESME_RINVNUMDESTS).
    #[error("number_of_dests is 0")]
    NoDestinations,
    /// dest_flag is neither 1 (SME address) nor 2 (distribution list) (ESME_RINVDESTFLAG).
    #[error("dest_flag {0} is neither 1 nor 2")]
    BadDestFlag(u8),
    /// Octets after the mandatory fields of a PDU that carries no TLVs (ESME_RINVCMDLEN).
    #[error("{0} octets after the last mandatory field")]
    TrailingBytes(usize),
    /// Fewer than 4 octets left for a TLV header, or a TLV length past the body end
    /// (ESME_RINVOPTPARSTREAM).
    #[error("malformed TLV stream")]
    TlvStream,
    /// A typed TLV whose length is outside the spec's range (ESME_RINVPARLEN).
    #[error("TLV {0:?} has an invalid length")]
    TlvLength(TlvTag),
}

/// A PDU whose body could not be decoded. Carries what the session needs to answer: the
/// header's command_id and sequence_number (when the frame had a header) and the status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {kind} (seq {sequence_number:?}, {status})", command_id.map(|c| c.to_string()).unwrap_or_else(|| "?".into()))]
pub struct PduError {
    /// The header's command_id, when at least 8 octets arrived.
    pub command_id: Option<CommandId>,
    /// The header's sequence_number, when the 16-octet header arrived.
    pub sequence_number: Option<u32>,
    /// The header's own command_status, when the 16-octet header arrived: for a response
    /// whose body did not decode, the peer's verdict still stands.
    pub header_status: Option<CommandStatus>,
    /// The command_status to answer with.
    pub status: CommandStatus,
    /// The detail.
    pub kind: PduErrorKind,
}

impl PduErrorKind {
    /// The one mapping from error kind to command_status (style habit 3).
    pub fn status(&self) -> CommandStatus {
        match self {
            PduErrorKind::LengthMismatch { .. }
            | PduErrorKind::Truncated(_)
            | PduErrorKind::TrailingBytes(_) => CommandStatus::ESME_RINVCMDLEN,
            PduErrorKind::UnknownCommandId => CommandStatus::ESME_RINVCMDID,
            PduErrorKind::TooLong { field, .. }
            | PduErrorKind::Unterminated(field)
            | PduErrorKind::BadTime(field) => field.invalid_status(),
            PduErrorKind::BadSmLength(_) => CommandStatus::ESME_RINVMSGLEN,
            PduErrorKind::NoDestinations => CommandStatus::ESME_RINVNUMDESTS,
            PduErrorKind::BadDestFlag(_) => CommandStatus::ESME_RINVDESTFLAG,
            PduErrorKind::TlvStream => CommandStatus::ESME_RINVOPTPARSTREAM,
            PduErrorKind::TlvLength(_) => CommandStatus::ESME_RINVPARLEN,
        }
    }
}

impl PduError {
    pub(crate) fn new(
        command_id: Option<CommandId>,
        sequence_number: Option<u32>,
        header_status: Option<CommandStatus>,
        kind: PduErrorKind,
    ) -> Self {
        PduError {
            command_id,
            sequence_number,
            header_status,
            status: kind.status(),
            kind,
        }
    }

    /// The PDU to send back: the matching `*_resp` with [`Self::status`] for a known request,
    /// `generic_nack` for an unknown command_id (SMPP 3.4 §3.3). `None` when the bad PDU was
    /// itself a response, outbind or alert_notification (nothing is answered to those) or when
    /// no sequence number could be read.
    pub fn response(&self) -> Option<Pdu> {
        let seq = self.sequence_number?;
        let id = self.command_id?;
        if matches!(self.kind, PduErrorKind::UnknownCommandId) {
            return (!id.is_response()).then(|| Pdu::generic_nack(seq, self.status));
        }
        Pdu::response_to(id, seq, self.status)
    }
}

/// Fatal framing errors of [`super::SmppCodec`]: the byte stream can no longer be trusted.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// command_length below 16 or above the configured maximum (SMPP 3.4 §3.2). The session
    /// should send `generic_nack(ESME_RINVCMDLEN)` and close.
    #[error("command_length {command_length} outside 16..={max}")]
    InvalidCommandLength {
        /// The length read from the stream.
        command_length: u32,
        /// The configured maximum.
        max: u32,
        /// The sequence number, when the 16-octet header was already buffered.
        sequence_number: Option<u32>,
    },
    /// The socket failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

impl CodecError {
    /// The status to put in the closing generic_nack.
    pub fn status(&self) -> CommandStatus {
        match self {
            CodecError::InvalidCommandLength { .. } => CommandStatus::ESME_RINVCMDLEN,
            CodecError::Io(_) => CommandStatus::ESME_RSYSERR,
        }
    }
}
