//! (relay: not built yet)
