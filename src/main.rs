//! The `smppd` binary: parses the command line and hands over to [`smppd::cli`].

fn main() -> std::process::ExitCode {
    smppd::cli::main()
}
