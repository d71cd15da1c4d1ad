//! `smppd run`, `smppd check-config` and `smppd hash-password`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use crate::config::{self, Config};

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

/// `smppd run [--config FILE]`.
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
    eprintln!("smppd: config ok ({cfg}); the server starts once sessions land");
    ExitCode::FAILURE
}
