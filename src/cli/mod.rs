//! The `smppd` command line: one subcommand per operator task.

mod server_cmds;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bench;
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
    /// Load an SMPP server: bind sessions, submit, match receipts, print a JSON summary.
    Bench(Box<bench::BenchArgs>),
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
    /// Run the upstream SMSC simulator (for tests, demos and benchmarks).
    Sim(crate::sim::cli::SimArgs),
    /// Regenerate the shipped mobile prefix table from the shared CSV
    /// (see src/routing/data/README.md).
    GenPrefixes {
        /// The source CSV (prefix,province,city,carrier).
        #[arg(long)]
        from: PathBuf,
        /// Where to write the compact table.
        #[arg(long, default_value = "src/routing/data/cn_prefixes.txt")]
        out: PathBuf,
    },
    /// Judge TEXT as ACCOUNT would send it: print the verdict, the rule and the matched
    /// phrase, without sending (exit 0 accepted, 1 rejected, 2 config/account error).
    CheckText {
        /// Config file (TOML); without it, the embedded deploy/smppd.example.toml.
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// The account's system_id.
        #[arg(long)]
        account: String,
        /// The message type as `service_type` would give it (otp, marketing …).
        #[arg(long = "type")]
        message_type: Option<crate::message::MessageType>,
        /// The recipient, to consult the opt-out lists.
        #[arg(long)]
        to: Option<String>,
        /// The text.
        text: String,
    },
    /// Explain which rule and channel a message to NUMBER would take.
    Route {
        /// Config file (TOML).
        #[arg(long, short)]
        config: PathBuf,
        /// The destination number, in any form a client may send.
        number: String,
        /// The message type (otp, system_notice, business_notice, member_service, marketing,
        /// other, or an alias).
        #[arg(long = "type", default_value = "other")]
        message_type: crate::message::MessageType,
        /// The submitting account's system_id.
        #[arg(long, default_value = "")]
        account: String,
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
        Command::Bench(args) => bench::run(*args),
        Command::Decode { hex } => report(codec::decode(&hex)),
        Command::Encode { json } => report(codec::encode(&json)),
        Command::Run { config } => server_cmds::run(config.as_deref()),
        Command::CheckConfig { file } => server_cmds::check_config(&file),
        Command::CheckText {
            config,
            account,
            message_type,
            to,
            text,
        } => crate::policy::cli::check_text(
            config.as_deref(),
            &account,
            message_type,
            to.as_deref(),
            &text,
        ),
        Command::HashPassword => server_cmds::hash_password(),
        Command::Sim(args) => crate::sim::cli::run(&args),
        Command::GenPrefixes { from, out } => {
            report(crate::routing::cli::gen_prefixes(&from, &out))
        }
        Command::Route {
            config,
            number,
            message_type,
            account,
        } => report(
            crate::config::Config::load(&config)
                .map_err(|e| e.to_string())
                .and_then(|c| {
                    let names = c.upstream.channel_names();
                    crate::routing::cli::explain_route(
                        &c.routing,
                        &names,
                        &account,
                        &number,
                        message_type,
                    )
                }),
        ),
    }
}

/// Prints a subcommand's outcome and turns it into an exit code.
fn report(result: Result<String, String>) -> ExitCode {
    match result {
        Ok(msg) => {
            println!("{msg}");
            ExitCode::SUCCESS
        }
        Err(msg) => {
            eprintln!("smppd: {msg}");
            ExitCode::FAILURE
        }
    }
}
