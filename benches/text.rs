//! Text-layer costs on the submit path: coding choice + segmentation of a long Chinese
//! message, and receipt parsing on the return path.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use smppd::text::{self, dlr, SplitOptions};

fn chinese_300() -> String {
    let base = "【示例】尊敬的客户，您的验证码是123456，5分钟内有效。如非本人操作，请忽略本短信。";
    base.chars().cycle().take(300).collect()
}

fn bench_split(c: &mut Criterion) {
    let t = chinese_300();
    let opts = SplitOptions {
        reference: 42,
        ..SplitOptions::default()
    };
    c.bench_function("text/choose_coding+split 300 zh chars", |b| {
        b.iter(|| {
            let coding = text::choose_coding(black_box(&t));
            let opts = SplitOptions {
                coding: Some(coding),
                ..opts.clone()
            };
            text::split(black_box(&t), &opts)
        })
    });
}

fn bench_dlr(c: &mut Criterion) {
    let receipt = "id:6C7C7DE28BB3E961947700000000FE37 sub:001 dlvrd:001 submit date:2406011230 \
                   done date:240601123105 stat:DELIVRD err:000 text:【示例】您的验证码";
    c.bench_function("text/dlr parse", |b| {
        b.iter(|| dlr::parse(black_box(receipt)))
    });
    let parsed = dlr::parse(receipt);
    c.bench_function("text/dlr format", |b| {
        b.iter(|| black_box(&parsed).as_ref().map(|r| r.format()))
    });
}

criterion_group!(benches, bench_split, bench_dlr);
criterion_main!(benches);
