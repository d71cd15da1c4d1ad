//! The client-facing SMPP server: listener, bind authentication, one session task per
//! connection, windows and timers, and the registry that routes deliver_sm to receiver binds.

mod auth;
mod settings;
mod state;
mod timers;
mod window;

pub use auth::{Authenticator, BindAttempt, BindRejection};
pub use settings::{AuthSettings, ServerSettings};
pub use state::{admit, Admission, BindType, SessionState};
