//! The `smppd` command line: one subcommand per operator task.

mod server_cmds;

use std::path::PathBuf;
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
    /// Run the gateway (with no --config: the embedded deploy/smppd.example.toml).
    Run {
        /// Config file (TOML).
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Validate a config file and exit (status 0 if valid, 1 with the reason if not).
    CheckConfig {
        /// Config file (TOML).
        file: PathBuf,
    },
    /// Read a password from stdin and print its argon2id hash for `password_hash`.
    HashPassword,
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Version => {
            println!("smppd {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Command::Run { config } => server_cmds::run(config.as_deref()),
        Command::CheckConfig { file } => server_cmds::check_config(&file),
        Command::HashPassword => server_cmds::hash_password(),
    }
}
