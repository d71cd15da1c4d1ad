//! The `smppd` command line: one subcommand per operator task.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod codec;

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
    /// Decode one SMPP PDU given as hex (or `-` for stdin) and print it as JSON.
    Decode {
        /// The PDU octets in hex; spaces, colons and a 0x prefix are ignored.
        hex: String,
    },
    /// Encode one SMPP PDU given as JSON (or `-` for stdin), as printed by `decode`, to hex.
    Encode {
        /// The PDU as JSON.
        json: String,
    },
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Version => {
            println!("smppd {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Command::Decode { hex } => codec::run(codec::decode(&hex)),
        Command::Encode { json } => codec::run(codec::encode(&json)),
    }
}
