//! Route table behaviour: rule order, overrides, failover, weights, no-route, validation,
//! explanations.

use std::collections::HashMap;
use std::sync::Arc;

use rand::rngs::StdRng;
use rand::SeedableRng;
use smppd::message::MessageType;
use smppd::routing::{
    Carrier, CarrierSource, ChannelHealth, NumberHint, PortabilityTable, PrefixTable, RouteQuery,
    RouteTable, RoutingConfig, RoutingError, ESME_RINVDSTADR,
};

const CHANNELS: &[&str] = &["cm-a", "cm-b", "cu-a", "ct-a", "agg-1", "agg-2", "intl"];

const CONFIG: &str = r#"
[[rules]]
name = "vip account to aggregator"
accounts = ["vip"]
groups = ["agg"]

[[rules]]
name = "otp on mobile"
carriers = ["cmcc"]
message_types = ["otp"]
groups = ["cm", "agg"]

[[rules]]
name = "guangdong marketing"
provinces = ["广东"]
message_types = ["marketing"]
groups = ["agg"]

[[rules]]
name = "unicom"
carriers = ["cucc"]
groups = ["cu", "agg"]

[[rules]]
name = "telecom"
carriers = ["ctcc"]
groups = ["ct"]

[[rules]]
name = "hk and macau"
countries = ["HK", "MO"]
groups = ["intl"]

[[rules]]
name = "cmcc rest"
prefixes = ["13", "15", "18", "+8617"]
groups = ["cm"]

[groups.cm]
channels = [{ channel = "cm-a", weight = 3 }, { channel = "cm-b", weight = 1 }]
[groups.cu]
channels = [{ channel = "cu-a" }]
[groups.ct]
channels = [{ channel = "ct-a" }]
[groups.agg]
channels = [{ channel = "agg-1" }, { channel = "agg-2" }]
[groups.intl]
channels = [{ channel = "intl" }]
"#;

fn table() -> RouteTable {
    let config: RoutingConfig = toml::from_str(CONFIG).unwrap();
    RouteTable::new(&config, CHANNELS).unwrap()
}

fn q<'a>(account: &'a str, destination: &'a str, message_type: MessageType) -> RouteQuery<'a> {
    RouteQuery {
        account,
        destination,
        hint: NumberHint::Unknown,
        message_type,
    }
}

/// Channels marked down, with a reason.
struct Down(HashMap<&'static str, &'static str>);

impl ChannelHealth for Down {
    fn is_available(&self, channel: &str) -> bool {
        !self.0.contains_key(channel)
    }
    fn unavailable_reason(&self, channel: &str) -> String {
        self.0.get(channel).copied().unwrap_or("?").to_string()
    }
}

fn down(list: &[(&'static str, &'static str)]) -> Down {
    Down(list.iter().copied().collect())
}

fn rule_of(t: &RouteTable, query: RouteQuery<'_>) -> usize {
    let mut rng = StdRng::seed_from_u64(1);
    t.route(&query, &down(&[]), &mut rng).unwrap().1.rule
}

#[test]
fn first_matching_rule_wins() {
    let t = table();
    // 1380013: cmcc 北京. "vip" comes first whatever the number.
    assert_eq!(rule_of(&t, q("vip", "13800138000", MessageType::Otp)), 0);
    assert_eq!(rule_of(&t, q("acme", "13800138000", MessageType::Otp)), 1);
    // Not otp: falls through to the prefix rule.
    assert_eq!(
        rule_of(&t, q("acme", "13800138000", MessageType::SystemNotice)),
        6
    );
    // 1300000: cucc 山东.
    assert_eq!(rule_of(&t, q("acme", "13000001234", MessageType::Otp)), 3);
    // 1920000: cbn 广东: marketing matches the province rule before anything else.
    assert_eq!(
        rule_of(&t, q("acme", "19200001234", MessageType::Marketing)),
        2
    );
    // 1991234: ctcc 河北.
    assert_eq!(
        rule_of(&t, q("acme", "+86 199 1234 0000", MessageType::Marketing)),
        4
    );
    assert_eq!(
        rule_of(&t, q("acme", "+852 9123 4567", MessageType::Otp)),
        5
    );
}

#[test]
fn mvno_numbers_match_their_host_network() {
    let t = table();
    // 1705000 is mvno_cmcc: the "cmcc" rule applies.
    let (dest, route) = t
        .route(
            &q("acme", "17050001234", MessageType::Otp),
            &down(&[]),
            &mut StdRng::seed_from_u64(2),
        )
        .unwrap();
    assert_eq!(dest.carrier, Carrier::MvnoCmcc);
    assert_eq!(route.rule_name, Some("otp on mobile"));
}

#[test]
fn portability_override_wins_over_prefix_table() {
    let ported = Arc::new(PortabilityTable::in_memory());
    let t = table().with_portability(ported.clone());
    let mut rng = StdRng::seed_from_u64(3);
    let query = q("acme", "13800138000", MessageType::Otp);
    let (dest, route) = t.route(&query, &down(&[]), &mut rng).unwrap();
    assert_eq!(
        (dest.carrier, dest.carrier_source),
        (Carrier::Cmcc, CarrierSource::PrefixTable)
    );
    assert_eq!(route.group, "cm");

    // The relay learns that the number moved to China Telecom.
    assert!(ported
        .learn_ported("+8613800138000", Carrier::Ctcc)
        .unwrap());
    let (dest, route) = t.route(&query, &down(&[]), &mut rng).unwrap();
    assert_eq!(
        (dest.carrier, dest.carrier_source),
        (Carrier::Ctcc, CarrierSource::Override)
    );
    assert_eq!(dest.prefix_carrier, Some(Carrier::Cmcc));
    assert_eq!((route.rule_name, route.channel), (Some("telecom"), "ct-a"));
}

#[test]
fn unavailable_channels_are_skipped_then_next_group_takes_over() {
    let t = table();
    let query = q("acme", "13800138000", MessageType::Otp);
    let mut rng = StdRng::seed_from_u64(4);
    for _ in 0..50 {
        let (_, r) = t
            .route(&query, &down(&[("cm-a", "disconnected")]), &mut rng)
            .unwrap();
        assert_eq!((r.group, r.channel, r.failover_level), ("cm", "cm-b", 0));
    }
    let both = down(&[("cm-a", "disconnected"), ("cm-b", "saturated")]);
    let (_, r) = t.route(&query, &both, &mut rng).unwrap();
    assert_eq!((r.group, r.failover_level), ("agg", 1));
    assert!(r.channel.starts_with("agg-"));

    let all = down(&[("cm-a", "x"), ("cm-b", "x"), ("agg-1", "x"), ("agg-2", "x")]);
    let err = t.route(&query, &all, &mut rng).unwrap_err();
    assert!(
        matches!(&err, RoutingError::NoChannelAvailable { rule: 1, groups } if groups == &["cm", "agg"])
    );
    assert_eq!(
        err.submit_status(),
        None,
        "stored messages wait; not a submit rejection"
    );

    // A closure works as health: everything but the channel that just failed.
    let (_, r) = t.route(&query, &|c: &str| c != "cm-a", &mut rng).unwrap();
    assert_eq!(r.channel, "cm-b");
}

#[test]
fn weights_share_traffic_proportionally() {
    let t = table();
    let query = q("acme", "13800138000", MessageType::Otp);
    let mut rng = StdRng::seed_from_u64(42);
    let n = 40_000;
    let mut a = 0;
    for _ in 0..n {
        let (_, r) = t.route(&query, &down(&[]), &mut rng).unwrap();
        a += usize::from(r.channel == "cm-a");
    }
    // Weights 3:1 → 75 %. Binomial sd = sqrt(n·p·q) ≈ 87 picks (0.22 %); allow ±1 %.
    let share = a as f64 / n as f64;
    assert!((0.74..0.76).contains(&share), "cm-a share {share}");

    // Equal weights in the two-member aggregator group.
    let mut agg1 = 0;
    for _ in 0..n {
        let (_, r) = t
            .route(
                &q("vip", "13800138000", MessageType::Otp),
                &down(&[]),
                &mut rng,
            )
            .unwrap();
        agg1 += usize::from(r.channel == "agg-1");
    }
    let share = agg1 as f64 / n as f64;
    assert!((0.49..0.51).contains(&share), "agg-1 share {share}");
}

#[test]
fn no_route_and_bad_numbers_are_rejected_with_esme_rinvdstadr() {
    let t = table();
    let mut rng = StdRng::seed_from_u64(5);
    // cbn number, not marketing in 广东: no rule for 19x cbn otp.
    let err = t
        .route(
            &q("acme", "19200001234", MessageType::Otp),
            &down(&[]),
            &mut rng,
        )
        .unwrap_err();
    assert!(matches!(err, RoutingError::NoRoute { .. }), "{err}");
    assert_eq!(err.submit_status(), Some(ESME_RINVDSTADR));
    // US number: no rule for US.
    let err = t
        .route(
            &q("acme", "+1 415 555 2671", MessageType::Otp),
            &down(&[]),
            &mut rng,
        )
        .unwrap_err();
    assert!(matches!(err, RoutingError::NoRoute { .. }));
    let err = t
        .route(
            &q("acme", "1380013800x", MessageType::Otp),
            &down(&[]),
            &mut rng,
        )
        .unwrap_err();
    assert!(matches!(err, RoutingError::InvalidNumber(_)));
    assert_eq!(err.submit_status(), Some(ESME_RINVDSTADR));
    assert!(err.to_string().contains("letter 'x'"), "{err}");
}

#[test]
fn validation_names_the_rule_and_the_problem() {
    let bad = r#"
[[rules]]
provinces = ["广州"]
groups = ["g"]
[[rules]]
groups = ["g", "nope"]
[[rules]]
countries = ["XX"]
prefixes = ["13a"]
groups = ["g"]
[[rules]]
groups = ["g"]
[groups.g]
channels = [{ channel = "cm-a" }, { channel = "cm-z" }, { channel = "cm-b", weight = 0 }]
[portability.ported_error_codes]
cmcc = ["MK:0032"]
cm-a = ["E1"]
nobody = ["E2"]
"#;
    let config: RoutingConfig = toml::from_str(bad).unwrap();
    let err = RouteTable::new(&config, CHANNELS).unwrap_err().to_string();
    assert_eq!(config.validate(CHANNELS).unwrap_err().to_string(), err);
    assert!(!err.contains("\"cmcc\" is neither"), "{err}");
    assert!(!err.contains("\"cm-a\" is neither"), "{err}");
    for expected in [
        "portability.ported_error_codes: \"nobody\" is neither a channel",
        "rule #0: unknown province \"广州\"",
        "rule #1: unknown group \"nope\" (known groups: g)",
        "rule #2: unknown country \"XX\"",
        "rule #2: prefix \"13a\" must be digits",
        "rule #2: can never match: rule #1 before it matches every message",
        "group \"g\": unknown channel \"cm-z\" (known channels: agg-1, agg-2, cm-a, cm-b, ct-a, cu-a, intl)",
        "group \"g\": channel \"cm-b\" has weight 0",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    let err = RouteTable::new(&RoutingConfig::default(), CHANNELS)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no rules"), "{err}");
    assert!(
        toml::from_str::<RoutingConfig>("[[rules]]\ngroups = []\ncarrier = [\"cmcc\"]\n").is_err()
    );
    assert!(toml::from_str::<RoutingConfig>(
        "[[rules]]\ngroups = [\"g\"]\ncarriers = [\"orange\"]\n"
    )
    .is_err());
}

#[test]
fn explanation_shows_number_carrier_rules_and_channels() {
    let t = table();
    let query = q("acme", "+86 138-0013-8000", MessageType::Otp);
    let health = down(&[("cm-a", "disconnected"), ("cm-b", "saturated")]);
    let ex = t.explain_with(&query, &health, &mut StdRng::seed_from_u64(6));
    assert_eq!(ex.matched_rule, Some(1));
    let text = ex.to_string();
    for expected in [
        "+8613800138000 (mainland mobile 13800138000)",
        "carrier:     cmcc (prefix table)",
        "province:    北京",
        "rule #0 (\"vip account to aggregator\"): no: account \"acme\" not in [vip]",
        "rule #1 (\"otp on mobile\"): MATCH: carrier cmcc in [cmcc]; type otp in [otp]",
        "cm-a weight 3: skipped: disconnected",
        "cm-b weight 1: skipped: saturated",
        "group \"agg\" (fallback 1):",
        "agg-1 weight 1: available, 50% of traffic",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(text.contains("route:       channel \"agg-"), "{text}");

    let text = t
        .explain(&q("acme", "19200001234", MessageType::Otp))
        .to_string();
    assert!(text.contains("REJECTED: no route"), "{text}");
    assert!(text.contains("carrier:     cbn (prefix table)"), "{text}");
    let text = t.explain(&q("acme", "12345", MessageType::Otp)).to_string();
    assert!(text.contains("REJECTED: bad destination number"), "{text}");
}

/// cn-sms-rules.md §7 and the data README: 140–144 are 13-digit IoT segments, 154/160/163/
/// 164/168/169/179/194 and 1611–1619/1741–1749 are not mobile ranges at all, so no 11-digit
/// number there can receive an SMS. A catch-all rule (the example config's "everything-else")
/// must not send them to a carrier: rejected at submit with ESME_RINVDSTADR, saying why.
/// A prefix merely missing inside an allocated block (phone.dat does not list every 149
/// prefix) is still a valid number and still routes.
#[test]
fn numbers_in_unallocated_ranges_are_refused_not_routed_by_a_catch_all() {
    let config: RoutingConfig = toml::from_str(
        "[[rules]]\nname = \"everything-else\"\ngroups = [\"agg\"]\n\
         [groups.agg]\nchannels = [{ channel = \"agg-1\" }]\n",
    )
    .unwrap();
    let t = RouteTable::new(&config, CHANNELS).unwrap();
    let mut rng = StdRng::seed_from_u64(7);
    for bad in [
        "16012345678",
        "14412345678",
        "8614412345678",
        "+86 154 0000 1234",
        "19400001234",
        "17900001234",
        "16110001234",
        "17410001234",
    ] {
        let err = t
            .route(&q("acme", bad, MessageType::Otp), &down(&[]), &mut rng)
            .unwrap_err();
        assert!(
            matches!(err, RoutingError::InvalidNumber(_)),
            "{bad}: {err}"
        );
        assert_eq!(err.submit_status(), Some(ESME_RINVDSTADR), "{bad}");
        assert!(err.to_string().contains("not an allocated"), "{bad}: {err}");
    }
    for good in [
        "14900012345",
        "17400012345",
        "16100012345",
        "19212345678",
        "18612345678",
    ] {
        let (dest, route) = t
            .route(&q("acme", good, MessageType::Otp), &down(&[]), &mut rng)
            .unwrap_or_else(|e| panic!("{good}: {e}"));
        assert_eq!(route.channel, "agg-1", "{good}");
        assert_eq!(dest.number.national.as_deref(), Some(good));
    }
}

/// A mainland A2P gateway's channels (106 service codes) cannot deliver abroad. A catch-all
/// rule ("everything-else", as in deploy/smppd.example.toml) is written for mainland traffic;
/// it must not hand `+44 …` to a domestic channel to be billed and fail. International
/// numbers route only through rules that name them (`countries`, or a `+` prefix), which may
/// come after the catch-all; otherwise they are refused with ESME_RINVDSTADR.
#[test]
fn international_numbers_route_only_by_rules_that_name_them() {
    let config = |extra: &str| -> RoutingConfig {
        toml::from_str(&format!(
            "[[rules]]\nname = \"china-mobile\"\ncarriers = [\"cmcc\"]\ngroups = [\"cm\"]\n\
             [[rules]]\nname = \"everything-else\"\ngroups = [\"agg\"]\n{extra}\
             [groups.cm]\nchannels = [{{ channel = \"cm-a\" }}]\n\
             [groups.agg]\nchannels = [{{ channel = \"agg-1\" }}]\n\
             [groups.intl]\nchannels = [{{ channel = \"intl\" }}]\n"
        ))
        .unwrap()
    };
    let mut rng = StdRng::seed_from_u64(11);
    let t = RouteTable::new(&config(""), CHANNELS).unwrap();
    for abroad in ["+44 7911 123456", "00852 9123 4567", "+1 415 555 2671"] {
        let err = t
            .route(&q("acme", abroad, MessageType::Otp), &down(&[]), &mut rng)
            .unwrap_err();
        assert!(
            matches!(err, RoutingError::NoRoute { .. }),
            "{abroad}: {err}"
        );
        assert_eq!(err.submit_status(), Some(ESME_RINVDSTADR));
    }
    // Mainland numbers of no listed carrier still take the catch-all.
    let (_, r) = t
        .route(
            &q("acme", "13000001234", MessageType::Otp),
            &down(&[]),
            &mut rng,
        )
        .unwrap();
    assert_eq!(r.channel, "agg-1");

    // Named after the catch-all: valid (not "can never match") and used.
    let t = RouteTable::new(
        &config(
            "[[rules]]\nname = \"uk\"\ncountries = [\"GB\"]\ngroups = [\"intl\"]\n\
             [[rules]]\nname = \"hk\"\nprefixes = [\"+852\"]\ngroups = [\"intl\"]\n",
        ),
        CHANNELS,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for abroad in ["+44 7911 123456", "00852 9123 4567"] {
        let (_, r) = t
            .route(&q("acme", abroad, MessageType::Otp), &down(&[]), &mut rng)
            .unwrap_or_else(|e| panic!("{abroad}: {e}"));
        assert_eq!(r.channel, "intl", "{abroad}");
    }
    assert!(t
        .route(
            &q("acme", "+1 415 555 2671", MessageType::Otp),
            &down(&[]),
            &mut rng
        )
        .is_err());
}

/// Data-SIM segments 146/148/149 are allocated whole to one operator (China Unicom, China
/// Mobile, China Telecom), but the shipped table lists only the prefixes phone.dat knows
/// (149: 3,729 of 10,000). A 149 number outside them is still a China Telecom number and must
/// take the China Telecom rule, not be refused or sent to a catch-all as carrier `unknown`.
#[test]
fn data_sim_numbers_missing_from_the_table_take_their_segments_operator() {
    let t = table();
    let mut rng = StdRng::seed_from_u64(13);
    assert!(PrefixTable::embedded()
        .unwrap()
        .lookup("14900012345")
        .is_none());
    let (dest, route) = t
        .route(
            &q("acme", "+86 149 0001 2345", MessageType::Otp),
            &down(&[]),
            &mut rng,
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(dest.carrier, Carrier::Ctcc);
    assert_eq!(dest.carrier_source, CarrierSource::Segment);
    assert_eq!(route.channel, "ct-a");
    // Listed prefixes keep the table's answer.
    let dest = t.resolve("14900012345", NumberHint::Unknown).unwrap();
    assert_eq!(dest.province, None);
    let dest = t.resolve("14600012345", NumberHint::Unknown).unwrap();
    assert_eq!(
        (dest.carrier, dest.carrier_source),
        (Carrier::Cucc, CarrierSource::PrefixTable)
    );
}
