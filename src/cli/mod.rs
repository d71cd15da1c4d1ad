//! The `smppd` command line: one subcommand per operator task.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    /// Run the upstream SMSC simulator (for tests, demos and benchmarks).
    Sim(crate::sim::cli::SimArgs),
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Version => {
            println!("smppd {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Command::Sim(args) => crate::sim::cli::run(&args),
    }
}
