//! argon2 verification on a few dedicated threads. Each run needs ~19 MiB and tens of ms of
//! CPU: a fixed pool bounds both (the blocking pool would spread the memory over up to 512
//! threads' malloc arenas) and keeps the async workers free for sessions.

use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::{mpsc, oneshot};

use crate::config::Credential;

struct Job {
    /// `None`: check against the dummy hash (unknown system_id), for equal cost.
    credential: Option<Credential>,
    password: Vec<u8>,
    done: oneshot::Sender<bool>,
}

/// Handle to the verification threads; they exit when it is dropped.
pub(crate) struct Verifier {
    jobs: mpsc::Sender<Job>,
}

impl Verifier {
    /// Starts `threads` verification threads with a bounded queue in front of them.
    pub(crate) fn new(threads: usize) -> Self {
        let threads = threads.max(1);
        let (jobs, rx) = mpsc::channel::<Job>(threads * 16);
        // One receiver shared by the threads: whoever holds the lock waits for the next job.
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads {
            let rx = Arc::clone(&rx);
            let spawned = std::thread::Builder::new()
                .name(format!("smppd-argon2-{i}"))
                .spawn(move || loop {
                    let job = {
                        let mut guard = rx.lock().unwrap_or_else(|p| p.into_inner());
                        guard.blocking_recv()
                    };
                    let Some(job) = job else { return };
                    let ok = match &job.credential {
                        Some(c) => c.verify(&job.password),
                        None => dummy_credential().verify(&job.password),
                    };
                    let _ = job.done.send(ok);
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password verification thread");
            }
        }
        Verifier { jobs }
    }

    /// Verifies `password`; waits for a free thread (the caller bounds the wait).
    pub(crate) async fn verify(&self, credential: Option<&Credential>, password: &[u8]) -> bool {
        let (done, answer) = oneshot::channel();
        let job = Job {
            credential: credential.cloned(),
            password: password.to_vec(),
            done,
        };
        if self.jobs.send(job).await.is_err() {
            return false;
        }
        answer.await.unwrap_or(false)
    }
}

/// An argon2 hash of a random password nobody knows, with the default parameters.
fn dummy_credential() -> &'static Credential {
    static DUMMY: OnceLock<Credential> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let hash = crate::config::hash_password(&format!("{:08x}", rand::random::<u32>()))
            .unwrap_or_default();
        Credential::Argon2(hash)
    })
}
