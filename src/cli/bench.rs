//! `smppd bench`: runs the load tool ([`crate::loadgen`]) and prints its summary.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::loadgen::{self, BenchConfig};

/// Arguments of `smppd bench`.
#[derive(Debug, clap::Args)]
pub(crate) struct BenchArgs {
    #[command(flatten)]
    config: BenchConfig,
    /// Write the JSON summary to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Worker threads of the tool's runtime (1 = one core, leaving the rest to the server).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// No progress line and no human-readable report on stderr.
    #[arg(long)]
    quiet: bool,
}

pub(crate) fn run(args: BenchArgs) -> ExitCode {
    let rt = if args.threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.threads)
            .enable_all()
            .build()
    };
    let rt = match rt {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("smppd bench: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let summary = match rt.block_on(loadgen::run(args.config, !args.quiet)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("smppd bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    if !args.quiet {
        eprint!("{}", summary.report());
    }
    let json = match serde_json::to_string_pretty(&summary) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("smppd bench: cannot serialize the summary: {e}");
            return ExitCode::FAILURE;
        }
    };
    match args.json {
        Some(path) => {
            if let Err(e) = std::fs::write(&path, json + "\n") {
                eprintln!("smppd bench: write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
        None => println!("{json}"),
    }
    ExitCode::SUCCESS
}
