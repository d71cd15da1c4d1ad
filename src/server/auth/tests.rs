use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Params, Version};

use super::*;
use crate::config::Config;

fn settings() -> AuthSettings {
    AuthSettings {
        failure_threshold: 3,
        failure_window: Duration::from_secs(60),
        lockout_base: Duration::from_secs(10),
        lockout_max: Duration::from_secs(25),
        binds_per_second: 2.0,
        bind_burst: 4,
        max_tracked_addresses: 8,
        max_concurrent_verifications: 2,
        dead_session_probe: Duration::from_secs(1),
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn token_bucket_allows_a_burst_then_the_rate() {
    let mut g = AddressGuard::new(settings());
    let t0 = Instant::now();
    for _ in 0..4 {
        assert_eq!(g.admit(ip("10.0.0.1"), t0), Ok(()));
    }
    assert_eq!(g.admit(ip("10.0.0.1"), t0), Err(BindRejection::RateLimited));
    // Another address has its own bucket.
    assert_eq!(g.admit(ip("10.0.0.2"), t0), Ok(()));
    // 2/s: after 0.5 s one more token.
    let t1 = t0 + Duration::from_millis(500);
    assert_eq!(g.admit(ip("10.0.0.1"), t1), Ok(()));
    assert_eq!(g.admit(ip("10.0.0.1"), t1), Err(BindRejection::RateLimited));
}

#[test]
fn failures_lock_out_with_doubling_backoff_capped() {
    let mut g = AddressGuard::new(AuthSettings {
        binds_per_second: 1000.0,
        bind_burst: 1000,
        ..settings()
    });
    let a = ip("192.0.2.9");
    let mut now = Instant::now();
    let mut lock_lengths = vec![];
    for _ in 0..3 {
        for _ in 0..3 {
            assert_eq!(g.admit(a, now), Ok(()));
            g.failure(a, now);
        }
        assert_eq!(g.admit(a, now), Err(BindRejection::LockedOut));
        let mut t = now;
        while g.admit(a, t) == Err(BindRejection::LockedOut) {
            t += Duration::from_secs(1);
        }
        lock_lengths.push((t - now).as_secs());
        now = t;
    }
    assert_eq!(lock_lengths, vec![10, 20, 25]);
    // A success resets the backoff.
    g.success(a);
    for _ in 0..3 {
        g.failure(a, now);
    }
    assert_eq!(g.admit(a, now + Duration::from_secs(10)), Ok(()));
}

#[test]
fn tracked_addresses_stay_bounded() {
    let mut g = AddressGuard::new(settings());
    let t0 = Instant::now();
    for i in 0..100u8 {
        let _ = g.admit(
            IpAddr::from([10, 1, 0, i]),
            t0 + Duration::from_secs(120 * u64::from(i)),
        );
    }
    assert!(g.addrs.len() <= 8, "{}", g.addrs.len());
}

fn authenticator() -> Authenticator {
    let cheap = Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(8, 1, 1, None).unwrap(),
    );
    let hash = crate::config::hash_password_with("good", cheap).unwrap();
    let text = format!(
        r#"
[[accounts]]
system_id = "acme"
password_hash = "{hash}"
allowed_ips = ["127.0.0.0/8"]
allowed_bind_types = ["transmitter", "receiver"]
[[accounts]]
system_id = "demo"
password = "demo"
insecure_plain_password = true
allowed_ips = ["::/0", "0.0.0.0/0"]
"#
    );
    let cfg = Config::parse(&text, "t.toml").unwrap();
    Authenticator::new(&cfg.accounts, &settings())
}

fn attempt(id: &str, pw: &str, bt: BindType, peer: &str) -> BindAttempt {
    BindAttempt {
        system_id: id.into(),
        password: pw.as_bytes().to_vec(),
        bind_type: bt,
        peer: ip(peer),
    }
}

#[tokio::test]
async fn every_cause_gets_its_documented_status() {
    let auth = authenticator();
    let ok = auth
        .authenticate(&attempt("acme", "good", BindType::Transmitter, "127.0.0.1"))
        .await
        .unwrap();
    assert_eq!(ok.system_id, "acme");
    // Second time served from the verified cache, same answer.
    assert!(auth
        .authenticate(&attempt("acme", "good", BindType::Receiver, "127.0.0.2"))
        .await
        .is_ok());
    let cases = [
        (
            attempt("acme", "bad", BindType::Transmitter, "127.0.0.3"),
            BindRejection::WrongPassword,
        ),
        (
            attempt("nobody", "good", BindType::Transmitter, "127.0.0.4"),
            BindRejection::UnknownSystemId,
        ),
        (
            attempt("acme", "good", BindType::Transmitter, "10.9.9.9"),
            BindRejection::AddressNotAllowed,
        ),
        (
            attempt("acme", "good", BindType::Transceiver, "127.0.0.5"),
            BindRejection::BindTypeNotAllowed,
        ),
    ];
    for (a, want) in cases {
        assert_eq!(auth.authenticate(&a).await.unwrap_err(), want, "{a:?}");
    }
    // Probing cannot tell unknown ids, bad passwords and foreign addresses apart.
    assert_eq!(
        BindRejection::UnknownSystemId.command_status(),
        CommandStatus::ESME_RINVPASWD
    );
    assert_eq!(
        BindRejection::WrongPassword.command_status(),
        CommandStatus::ESME_RINVPASWD
    );
    assert_eq!(
        BindRejection::AddressNotAllowed.command_status(),
        CommandStatus::ESME_RINVPASWD
    );
    assert_eq!(
        BindRejection::BindTypeNotAllowed.command_status(),
        CommandStatus::ESME_RBINDFAIL
    );
    // IPv4-mapped peers count as their IPv4 address.
    assert!(auth
        .authenticate(&attempt(
            "acme",
            "good",
            BindType::Transmitter,
            "::ffff:127.0.0.9"
        ))
        .await
        .is_ok());
}

#[tokio::test]
async fn repeated_failures_lock_the_address_even_for_good_credentials() {
    let auth = authenticator();
    for _ in 0..3 {
        let e = auth
            .authenticate(&attempt(
                "demo",
                "nope",
                BindType::Transceiver,
                "198.51.100.1",
            ))
            .await
            .unwrap_err();
        assert_eq!(e, BindRejection::WrongPassword);
    }
    let e = auth
        .authenticate(&attempt(
            "demo",
            "demo",
            BindType::Transceiver,
            "198.51.100.1",
        ))
        .await
        .unwrap_err();
    assert_eq!(e, BindRejection::LockedOut);
    // Other addresses are unaffected.
    assert!(auth
        .authenticate(&attempt(
            "demo",
            "demo",
            BindType::Transceiver,
            "198.51.100.2"
        ))
        .await
        .is_ok());
}

#[tokio::test]
async fn replaced_accounts_judge_the_next_bind_and_forget_cached_passwords() {
    let auth = authenticator();
    let good = attempt("acme", "good", BindType::Transmitter, "127.0.0.1");
    assert!(
        auth.authenticate(&good).await.is_ok(),
        "verified and cached"
    );

    let cheap = Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(8, 1, 1, None).unwrap(),
    );
    let hash = crate::config::hash_password_with("better", cheap).unwrap();
    let text = format!(
        r#"
[[accounts]]
system_id = "acme"
password_hash = "{hash}"
allowed_ips = ["127.0.0.0/8"]
[[accounts]]
system_id = "newbie"
password = "nb"
insecure_plain_password = true
allowed_ips = ["127.0.0.1"]
"#
    );
    let cfg = Config::parse(&text, "t.toml").unwrap();
    let changes = auth.replace_accounts(&cfg.accounts);
    assert_eq!(changes.password_changed, ["acme"]);
    assert_eq!(changes.added, ["newbie"]);
    assert_eq!(changes.removed, ["demo"]);
    assert!(changes.changed.is_empty());

    assert_eq!(
        auth.authenticate(&good).await.unwrap_err(),
        BindRejection::WrongPassword,
        "the cached old password no longer works"
    );
    let better = attempt("acme", "better", BindType::Receiver, "127.0.0.1");
    assert!(auth.authenticate(&better).await.is_ok());
    let demo = attempt("demo", "demo", BindType::Transmitter, "127.0.0.1");
    assert_eq!(
        auth.authenticate(&demo).await.unwrap_err(),
        BindRejection::UnknownSystemId
    );
    assert!(auth.replace_accounts(&cfg.accounts).is_empty());
}
