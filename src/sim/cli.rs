//! `smppd sim`: run the carrier simulator from the command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use super::{IdFormat, SimConfig, Simulator};

/// Options of `smppd sim`; flags override the config file.
#[derive(Debug, Clone, clap::Args)]
pub struct SimArgs {
    /// TOML file with a `SimConfig`.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Listen address, e.g. 127.0.0.1:2775.
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// Delay before each submit_sm_resp (e.g. 5ms).
    #[arg(long, value_parser = humantime_serde::re::humantime::parse_duration)]
    pub latency: Option<Duration>,
    /// Delay before each delivery receipt (e.g. 200ms).
    #[arg(long, value_parser = humantime_serde::re::humantime::parse_duration)]
    pub receipt_delay: Option<Duration>,
    /// Fraction of receipts that say UNDELIV.
    #[arg(long)]
    pub undeliverable_rate: Option<f64>,
    /// Fraction of submits rejected.
    #[arg(long)]
    pub reject_rate: Option<f64>,
    /// Answer ESME_RTHROTTLED above this many submits per second.
    #[arg(long)]
    pub throttle_tps: Option<u32>,
    /// Carrier id format: hex, hex_lower, decimal, decimal_padded.
    #[arg(long, value_parser = parse_id_format)]
    pub id_format: Option<IdFormat>,
    /// Append accepted submits to this JSONL file.
    #[arg(long)]
    pub record: Option<PathBuf>,
}

fn parse_id_format(s: &str) -> Result<IdFormat, String> {
    serde_json::from_value(serde_json::Value::String(s.to_string()))
        .map_err(|_| format!("unknown id format {s:?} (hex, hex_lower, decimal, decimal_padded)"))
}

impl SimArgs {
    /// The configuration these options describe.
    pub fn to_config(&self) -> Result<SimConfig, String> {
        let mut cfg = match &self.config {
            Some(p) => SimConfig::from_file(p)?,
            None => SimConfig {
                listen: SocketAddr::from(([127, 0, 0, 1], 2775)),
                ..SimConfig::default()
            },
        };
        if let Some(v) = self.listen {
            cfg.listen = v;
        }
        if let Some(v) = self.latency {
            cfg.response_latency = v;
        }
        if let Some(v) = self.receipt_delay {
            cfg.receipt_delay = v;
        }
        if let Some(v) = self.undeliverable_rate {
            cfg.undeliverable_rate = v;
        }
        if let Some(v) = self.reject_rate {
            cfg.reject_rate = v;
        }
        if let Some(v) = self.throttle_tps {
            cfg.throttle_above_tps = v;
        }
        if let Some(v) = self.id_format {
            cfg.message_id_format = v;
        }
        if let Some(v) = &self.record {
            cfg.record_file = Some(v.clone());
        }
        Ok(cfg)
    }
}

/// Runs the simulator until Ctrl-C.
pub fn run(args: &SimArgs) -> ExitCode {
    let cfg = match args.to_config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("smppd sim: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("smppd sim: cannot start runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let handle = match Simulator::start(cfg).await {
            Ok(h) => h,
            Err(e) => {
                eprintln!("smppd sim: cannot listen: {e}");
                return ExitCode::FAILURE;
            }
        };
        // Scripts wait for this line to know the port.
        println!("smppd sim listening on {}", handle.addr());
        wait_for_stop().await;
        handle.shutdown().await;
        let s = handle.stats();
        let get = super::SimStats::get;
        println!(
            "smppd sim: submits {} accepted {} throttled {} rejected {} receipts {}",
            get(&s.submits),
            get(&s.accepted),
            get(&s.throttled),
            get(&s.rejected),
            get(&s.receipts_sent)
        );
        ExitCode::SUCCESS
    })
}

/// Ctrl-C, or SIGTERM where there is one (test harnesses and service managers send it).
async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
