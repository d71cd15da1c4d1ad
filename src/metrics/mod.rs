//! (metrics: not built yet)
