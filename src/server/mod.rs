//! The client-facing SMPP server: listener, bind authentication, one session task per
//! connection, windows and timers, and the registry that routes deliver_sm to receiver binds.

mod auth;
mod checks;
mod gateway;
mod listener;
mod registry;
mod session;
mod settings;
mod state;
mod timers;
mod window;

pub use auth::{AccountChanges, Authenticator, BindAttempt, BindRejection};
pub use gateway::{BindInfo, Gateway, MultiOutcome, QueryOutcome};
pub use listener::{Server, ShutdownReport};
pub use registry::{DeliverError, SessionRegistry};
pub use settings::{AuthSettings, ServerSettings};
pub use state::{admit, Admission, BindType, SessionState};
