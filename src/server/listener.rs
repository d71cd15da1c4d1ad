//! [`Server`]: accepts connections on the configured listeners (capped at `max_connections`),
//! spawns one session task each, and shuts down gracefully: stop accepting, unbind every
//! session, let in-flight work finish within `shutdown_grace`, return.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::auth::Authenticator;
use super::gateway::Gateway;
use super::registry::SessionRegistry;
use super::session::{Session, Shared};
use super::settings::ServerSettings;
use crate::config::Account;

/// The client-facing SMPP server.
pub struct Server<G: Gateway> {
    shared: Arc<Shared<G>>,
}

/// How a graceful shutdown ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShutdownReport {
    /// Every session unbound and every in-flight request finished.
    Clean,
    /// `shutdown_grace` ran out with this many tasks still running; they were abandoned.
    GraceExpired(usize),
}

impl<G: Gateway> Server<G> {
    /// A server for these settings and accounts, handing message operations to `gateway`.
    pub fn new(settings: &ServerSettings, accounts: &[Account], gateway: Arc<G>) -> Self {
        Server {
            shared: Arc::new(Shared {
                auth: Arc::new(Authenticator::new(accounts, &settings.auth)),
                registry: SessionRegistry::new(),
                gateway,
                submit_permits: Arc::new(Semaphore::new(settings.max_inflight_submits)),
                tracker: TaskTracker::new(),
                shutdown: CancellationToken::new(),
                settings: settings.clone(),
            }),
        }
    }

    /// The registry the receipt path uses to reach receiver binds.
    pub fn registry(&self) -> Arc<SessionRegistry> {
        Arc::clone(&self.shared.registry)
    }

    /// The bind authenticator (config reload replaces its accounts).
    pub fn authenticator(&self) -> Arc<Authenticator> {
        Arc::clone(&self.shared.auth)
    }

    /// Binds every `listen` address of the settings.
    pub async fn bind(&self) -> io::Result<Vec<TcpListener>> {
        let mut out = Vec::new();
        for addr in &self.shared.settings.listen {
            let l = TcpListener::bind(addr)
                .await
                .map_err(|e| io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}")))?;
            out.push(l);
        }
        Ok(out)
    }

    /// Serves `listeners` until `shutdown` is cancelled, then shuts down gracefully.
    pub async fn serve(
        self,
        listeners: Vec<TcpListener>,
        shutdown: CancellationToken,
    ) -> ShutdownReport {
        let connections = Arc::new(Semaphore::new(self.shared.settings.max_connections));
        let accept_tasks = TaskTracker::new();
        for listener in listeners {
            let shared = Arc::clone(&self.shared);
            let connections = Arc::clone(&connections);
            accept_tasks.spawn(accept_loop(listener, shared, connections));
        }
        accept_tasks.close();
        shutdown.cancelled().await;

        // 1. Stop accepting (the accept loops watch the same token), 2. sessions unbind
        // (they watch it too), 3. wait for sessions and their in-flight calls.
        tracing::info!("shutting down: no new connections, unbinding sessions");
        self.shared.shutdown.cancel();
        accept_tasks.wait().await;
        self.shared.tracker.close();
        let grace = self.shared.settings.shutdown_grace;
        match tokio::time::timeout(grace, self.shared.tracker.wait()).await {
            Ok(()) => ShutdownReport::Clean,
            Err(_) => {
                let left = self.shared.tracker.len();
                tracing::warn!(left, ?grace, "shutdown grace expired");
                ShutdownReport::GraceExpired(left)
            }
        }
    }
}

async fn accept_loop<G: Gateway>(
    listener: TcpListener,
    shared: Arc<Shared<G>>,
    connections: Arc<Semaphore>,
) {
    let local = listener.local_addr().ok();
    tracing::info!(?local, "listening");
    let mut backoff = Duration::from_millis(5);
    loop {
        // Waiting for a permit leaves further connections in the kernel backlog instead of
        // accepting more sockets than we will serve.
        let permit = tokio::select! {
            _ = shared.shutdown.cancelled() => return,
            p = Arc::clone(&connections).acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => return,
            },
        };
        let accepted = tokio::select! {
            _ = shared.shutdown.cancelled() => return,
            a = listener.accept() => a,
        };
        let (stream, peer): (_, SocketAddr) = match accepted {
            Ok(a) => {
                backoff = Duration::from_millis(5);
                a
            }
            Err(e) => {
                // EMFILE and friends: back off rather than spin.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
                continue;
            }
        };
        // SMPP is small request/response PDUs: do not let Nagle hold them back.
        let _ = stream.set_nodelay(true);
        let session = Session::new(stream, peer, Arc::clone(&shared));
        shared.tracker.spawn(async move {
            session.run().await;
            drop(permit);
        });
    }
}
