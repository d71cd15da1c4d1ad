//! The `smppd` command line: one subcommand per operator task.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bench;

/// smppd: a carrier-facing SMPP 3.4 SMS gateway.
#[derive(Debug, Parser)]
#[command(name = "smppd", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the version and exit.
    Version,
    /// Load an SMPP server: bind sessions, submit, match receipts, print a JSON summary.
    Bench(Box<bench::BenchArgs>),
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Version => {
            println!("smppd {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Command::Bench(args) => bench::run(*args),
    }
}
