//! (upstream: not built yet)
