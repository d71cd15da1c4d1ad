//! (routing: not built yet)
