//! `admin::logging`: the global subscriber's filter changes at run time through the handle
//! the admin API uses (own test binary: a process has one global subscriber).

use smppd::admin::logging::{self, LogConfig, LogError, LogFormat};
use tracing::Level;

#[test]
fn filter_changes_at_run_time_and_bad_input_is_refused() {
    std::env::remove_var("RUST_LOG");
    let bad = LogConfig {
        format: LogFormat::Json,
        filter: Some("smppd=loud".into()),
    };
    assert!(matches!(logging::init(&bad), Err(LogError::Filter(..))));

    let config: LogConfig = toml::from_str("format = \"json\"\nfilter = \"warn\"").unwrap();
    let log = logging::init(&config).unwrap();
    assert_eq!(log.current(), "warn");
    assert!(!tracing::enabled!(Level::INFO));
    assert!(tracing::enabled!(Level::WARN));

    log.set("debug,smppd=trace").unwrap();
    assert!(tracing::enabled!(Level::DEBUG));
    assert!(log.current().contains("smppd=trace"));
    assert!(log.set("nonsense=loud").is_err());
    assert!(log.current().contains("smppd=trace"), "old filter stays");

    assert!(matches!(
        logging::init(&config),
        Err(LogError::AlreadySet(_))
    ));
    assert!(toml::from_str::<LogConfig>("fromat = \"json\"").is_err());
}
