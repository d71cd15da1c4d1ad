//! Routing hot path: number normalization + prefix/portability lookup + rule match + weighted
//! channel pick, and the one-time parse of the embedded prefix table.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use rand::rngs::StdRng;
use rand::SeedableRng;
use smppd::message::MessageType;
use smppd::routing::{
    normalize, Carrier, NumberHint, PortabilityTable, PrefixTable, RouteQuery, RouteTable,
    RoutingConfig,
};

const CONFIG: &str = r#"
[[rules]]
accounts = ["vip"]
groups = ["agg"]
[[rules]]
carriers = ["cmcc"]
message_types = ["otp"]
groups = ["cm", "agg"]
[[rules]]
provinces = ["广东", "广西", "海南"]
message_types = ["marketing"]
groups = ["agg"]
[[rules]]
carriers = ["cucc"]
groups = ["cu", "agg"]
[[rules]]
carriers = ["ctcc"]
groups = ["ct", "agg"]
[[rules]]
groups = ["agg"]
[groups.cm]
channels = [{ channel = "cm-a", weight = 3 }, { channel = "cm-b", weight = 1 }]
[groups.cu]
channels = [{ channel = "cu-a" }]
[groups.ct]
channels = [{ channel = "ct-a" }]
[groups.agg]
channels = [{ channel = "agg-1" }, { channel = "agg-2" }]
"#;

fn bench(c: &mut Criterion) {
    let config: RoutingConfig = toml::from_str(CONFIG).expect("bench config");
    let channels = ["cm-a", "cm-b", "cu-a", "ct-a", "agg-1", "agg-2"];
    let ported = std::sync::Arc::new(PortabilityTable::in_memory());
    for i in 0..100_000u64 {
        let _ = ported.set(&format!("139{i:08}"), Carrier::Ctcc);
    }
    let table = RouteTable::new(&config, &channels)
        .expect("bench table")
        .with_portability(ported);
    let prefixes = PrefixTable::embedded().expect("embedded table");
    let numbers = [
        "13800138000",
        "+86 130 0000 1234",
        "8619912340000",
        "13900001234",
    ];
    let mut rng = StdRng::seed_from_u64(7);
    let up = |_: &str| true;

    c.bench_function("routing/normalize", |b| {
        b.iter(|| normalize(black_box("+86 138-0013-8000")))
    });
    c.bench_function("routing/prefix_lookup", |b| {
        b.iter(|| prefixes.lookup(black_box("13800138000")))
    });
    c.bench_function("routing/route (normalize+lookup+match+pick)", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % numbers.len();
            let query = RouteQuery {
                account: "acme",
                destination: numbers[i],
                hint: NumberHint::Unknown,
                message_type: MessageType::Otp,
            };
            let routed = table.route(black_box(&query), &up, &mut rng);
            black_box(routed.map(|(_, r)| r.channel.len()))
        })
    });
    c.bench_function("routing/parse_embedded_prefix_table", |b| {
        b.iter(|| PrefixTable::parse(black_box(PrefixTable::embedded_text())))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
