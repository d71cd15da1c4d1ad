//! `smppd run`, `smppd check-config` and `smppd hash-password`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::config::{self, Config};
use crate::message::MessageId;
use crate::pdu::{CancelSm, CommandStatus, DataSm, ReplaceSm, SubmitMulti, SubmitSm};
use crate::server::{BindInfo, Gateway, MultiOutcome, QueryOutcome, Server, ShutdownReport};

/// `smppd check-config FILE`: parse and validate, print a one-line summary or the error.
pub(crate) fn check_config(file: &Path) -> ExitCode {
    match Config::load(file) {
        Ok(cfg) => {
            println!("{}: ok: {cfg}", file.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// `smppd hash-password`: one line from stdin (so the password stays out of shell history
/// and `ps`), printed back as an argon2id PHC string.
pub(crate) fn hash_password() -> ExitCode {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("password (max {} characters): ", config::MAX_PASSWORD_LEN);
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    if let Err(e) = stdin.lock().read_line(&mut line) {
        eprintln!("cannot read the password from stdin: {e}");
        return ExitCode::FAILURE;
    }
    let password = line.trim_end_matches(['\r', '\n']);
    match config::hash_password(password) {
        Ok(phc) => {
            println!("{phc}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// `smppd run [--config FILE]`: validate the config, listen, serve until SIGTERM/SIGINT, then
/// shut down gracefully (stop accepting, unbind sessions, finish in-flight work).
pub(crate) fn run(file: Option<&Path>) -> ExitCode {
    let cfg = match file {
        Some(f) => Config::load(f),
        None => Config::embedded_default(),
    };
    let cfg = match cfg {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve(cfg))
}

async fn serve(cfg: Config) -> ExitCode {
    // TODO(integrator): replace with the real pipeline (policy → store → routing → upstream).
    tracing::warn!("submit path not wired yet: submits are refused with ESME_RSYSERR");
    let server = Server::new(&cfg.server, &cfg.accounts, Arc::new(UnwiredGateway));
    let listeners = match server.bind().await {
        Ok(l) => l,
        Err(e) => {
            tracing::error!("{e}");
            return ExitCode::FAILURE;
        }
    };
    for l in &listeners {
        if let Ok(a) = l.local_addr() {
            // Scripts (and the measurement tools) read this line to find an ephemeral port.
            println!("smppd listening on {a}");
        }
    }
    tracing::info!(config = %cfg, "smppd started");
    let shutdown = CancellationToken::new();
    tokio::spawn(signal_shutdown(shutdown.clone()));
    match server.serve(listeners, shutdown).await {
        ShutdownReport::Clean => {
            tracing::info!("stopped cleanly");
            ExitCode::SUCCESS
        }
        ShutdownReport::GraceExpired(left) => {
            tracing::warn!(left, "stopped with work abandoned after the grace period");
            ExitCode::FAILURE
        }
    }
}

/// Cancels `token` on the first SIGTERM or SIGINT.
async fn signal_shutdown(token: CancellationToken) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => tracing::info!("SIGTERM"),
                    _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT"),
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    token.cancel();
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Stands in for the submit pipeline until the integrator wires it: refuses every message
/// operation honestly instead of pretending to accept.
struct UnwiredGateway;

impl Gateway for UnwiredGateway {
    async fn submit_sm(&self, _: &BindInfo, _: Box<SubmitSm>) -> Result<MessageId, CommandStatus> {
        Err(CommandStatus::ESME_RSYSERR)
    }
    async fn data_sm(&self, _: &BindInfo, _: Box<DataSm>) -> Result<MessageId, CommandStatus> {
        Err(CommandStatus::ESME_RSYSERR)
    }
    async fn submit_multi(
        &self,
        _: &BindInfo,
        _: Box<SubmitMulti>,
    ) -> Result<MultiOutcome, CommandStatus> {
        Err(CommandStatus::ESME_RSYSERR)
    }
    async fn query_sm(&self, _: &BindInfo, _: MessageId) -> Result<QueryOutcome, CommandStatus> {
        Err(CommandStatus::ESME_RQUERYFAIL)
    }
    async fn cancel_sm(
        &self,
        _: &BindInfo,
        _: Option<MessageId>,
        _: CancelSm,
    ) -> Result<(), CommandStatus> {
        Err(CommandStatus::ESME_RCANCELFAIL)
    }
    async fn replace_sm(
        &self,
        _: &BindInfo,
        _: MessageId,
        _: Box<ReplaceSm>,
    ) -> Result<(), CommandStatus> {
        Err(CommandStatus::ESME_RREPLACEFAIL)
    }
}
