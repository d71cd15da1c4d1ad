//! (server: not built yet)
