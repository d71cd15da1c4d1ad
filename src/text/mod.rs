//! (text: not built yet)
