//! (policy: not built yet)
