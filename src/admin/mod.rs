//! (admin: not built yet)
