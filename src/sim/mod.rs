//! (sim: not built yet)
