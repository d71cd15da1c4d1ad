//! (loadgen: not built yet)
