//! The routing side of `smppd` subcommands: plain functions returning the text to print, so the
//! CLI stays a thin argument parser and these stay testable.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use super::config::RoutingConfig;
use super::number::NumberHint;
use super::portability::PortabilityTable;
use super::prefix::PrefixTable;
use super::prefix_gen::{table_from_csv, write_compact};
use super::table::{RouteQuery, RouteTable};
use crate::message::MessageType;

/// `smppd gen-prefixes --from CSV --out FILE`: rebuilds the compact prefix table.
pub fn gen_prefixes(from: &Path, out: &Path) -> Result<String, String> {
    let started = Instant::now();
    let csv = std::fs::read_to_string(from).map_err(|e| format!("{}: {e}", from.display()))?;
    let table = table_from_csv(&csv).map_err(|e| format!("{}: {e}", from.display()))?;
    let source = from.file_name().map_or_else(
        || from.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let text = write_compact(&table, &source);
    // Parse our own output back before replacing the shipped file with it.
    PrefixTable::parse(&text).map_err(|e| format!("generated data does not parse: {e}"))?;
    std::fs::write(out, &text).map_err(|e| format!("{}: {e}", out.display()))?;
    Ok(format!(
        "wrote {}: {} prefixes in {} runs, {} bytes, in {:.0?}",
        out.display(),
        table.prefixes(),
        table.runs(),
        text.len(),
        started.elapsed()
    ))
}

/// `smppd route --config FILE NUMBER --type TYPE [--account ID]`: the explanation text, given
/// the routing section and channel names the config loader produced. Loads the portability
/// file the config names, so ported numbers are explained as they would be routed.
pub fn explain_route(
    config: &RoutingConfig,
    known_channels: &[&str],
    account: &str,
    number: &str,
    message_type: MessageType,
) -> Result<String, String> {
    // Read-only: explaining must not create or append to the gateway's portability file.
    let portability = match &config.portability.file {
        Some(path) => PortabilityTable::snapshot(path).map_err(|e| e.to_string())?,
        None => PortabilityTable::in_memory(),
    };
    let table = RouteTable::new(config, known_channels)
        .map_err(|e| e.to_string())?
        .with_portability(Arc::new(portability));
    let query = RouteQuery {
        account,
        destination: number,
        hint: NumberHint::Unknown,
        message_type,
    };
    Ok(table.explain(&query).to_string())
}
