//! (pdu: not built yet)
