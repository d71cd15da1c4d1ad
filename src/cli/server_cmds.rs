//! `smppd run` (with SIGHUP config reload), `smppd check-config` and `smppd hash-password`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::admin::LogControl;
use crate::config::{self, Config, Reloader};
use crate::server::ShutdownReport;

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
    // One subscriber for the process, with the reload handle the admin API's log-level
    // endpoint and config reloads steer.
    let log = match crate::admin::logging::init(&cfg.log) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("smppd: {e}");
            return ExitCode::FAILURE;
        }
    };
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
    runtime.block_on(serve(cfg, log))
}

async fn serve(cfg: Config, log: Arc<dyn LogControl>) -> ExitCode {
    let mut started = match crate::gateway::start(&cfg).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("cannot start: {e}");
            eprintln!("smppd: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    started.set_log_control(log);
    // Before the "listening" lines: a SIGHUP from then on reloads rather than kills.
    if let Err(e) = spawn_reload_on_sighup(started.reloader.clone()) {
        tracing::warn!(error = %e, "cannot handle SIGHUP; config reload only through the admin API");
    }
    if let Some(a) = started.admin_addr {
        println!("admin API listening on {a}");
    }
    for a in &started.client_addrs {
        // Scripts (and the measurement tools) read this line to find an ephemeral port.
        println!("smppd listening on {a}");
    }
    for sim in &started.sims {
        println!("simulated carrier listening on {}", sim.addr());
    }
    tracing::info!(config = %cfg, "smppd started");
    let shutdown = CancellationToken::new();
    tokio::spawn(signal_shutdown(shutdown.clone()));
    match started.serve(shutdown).await {
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

/// Reloads the config on every SIGHUP (`systemctl reload`), one reload at a time, off the
/// async threads (reading files and compiling lists block).
fn spawn_reload_on_sighup(reloader: Reloader) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut hup = signal(SignalKind::hangup())?;
        tokio::spawn(async move {
            while hup.recv().await.is_some() {
                tracing::info!("SIGHUP: reloading the config");
                let r = reloader.clone();
                // The outcome is logged by `reload` itself.
                let _ = tokio::task::spawn_blocking(move || r.reload()).await;
            }
        });
    }
    #[cfg(not(unix))]
    let _ = reloader;
    Ok(())
}
