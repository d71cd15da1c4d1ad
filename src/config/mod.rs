//! (config: not built yet)
