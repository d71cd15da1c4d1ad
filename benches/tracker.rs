//! The per-recipient `FrequencyTracker`: memory held per tracked number, and the
//! cost of one `check_and_record`.
//!
//! Memory is measured first, deterministically, with a counting global allocator
//! (bytes requested from the allocator and live allocations, so the figures do not
//! depend on the malloc in use): N distinct numbers with one message each, the same
//! with two and eight messages each, and a tracker filled past its bound. Then two
//! criterion benches time `check_and_record`:
//! - `fresh`: a new number on every call (what `smppd bench` sends: almost every
//!   message goes to a new random recipient), filling and evicting a 1 M tracker;
//! - `revisit`: 50,000 numbers visited in turn, 100 ms of clock per call, so each
//!   number holds up to ~17 events of three types and every limit is scanned.
//!
//! Limits are the shipped defaults (cn-sms-rules.md §5): the OTP windows, 30 s
//! duplicate window, 40 a day across accounts, retention one day.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Duration;

use criterion::{Criterion, Throughput};
use smppd::message::MessageType;
use smppd::policy::recipients::{Entry, FrequencyTracker, Limits};
use smppd::policy::settings::FrequencySettings;

/// Counts bytes and allocations live through the system allocator.
struct Counting;

static BYTES: AtomicIsize = AtomicIsize::new(0);
static ALLOCS: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the counters
// are only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        ALLOCS.fetch_sub(1, Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        BYTES.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const DAY_MS: u64 = 86_400_000;
const START_MS: u64 = 1_764_000_000_000;

/// The i-th of a fixed sequence of distinct 11-digit mobile numbers, scattered
/// (an odd multiplier mod 10^9 is a bijection) so keys do not arrive in order.
fn number(i: u64) -> String {
    let n = i.wrapping_mul(387_420_489) % 1_000_000_000;
    format!("1{}{:09}", 3 + i % 7, n)
}

struct Load {
    settings: FrequencySettings,
}

impl Load {
    fn limits(&self, t: MessageType) -> Limits<'_> {
        Limits {
            rates: self.settings.for_type(t),
            daily_cap: Some(40),
            duplicate_window_ms: 30_000,
            retention_ms: self.settings.longest_window().as_millis() as u64,
        }
    }

    /// Records one message; `Ok` or the refusal, which the benches only count.
    fn send(&self, t: &FrequencyTracker, n: &str, ty: MessageType, seq: u64, now: u64) -> bool {
        let e = Entry {
            account: if seq.is_multiple_of(2) {
                "shop"
            } else {
                "bank"
            },
            number: n,
            message_type: ty,
            content: seq,
            now_ms: now,
            day: ((now + 8 * 3_600_000) / DAY_MS) as i64,
        };
        t.check_and_record(&e, self.limits(ty)).is_ok()
    }
}

fn live() -> (isize, isize) {
    (
        BYTES.load(Ordering::Relaxed),
        ALLOCS.load(Ordering::Relaxed),
    )
}

/// Fills a tracker bounded at `bound` with `numbers` distinct numbers, `each`
/// messages per number (one minute apart, alternating OTP and notices so no limit
/// refuses them), and prints bytes and allocations per tracked number.
fn measure(load: &Load, bound: usize, numbers: u64, each: u64) {
    let (b0, a0) = live();
    let t = FrequencyTracker::new(bound);
    let mut refused = 0;
    for round in 0..each {
        for i in 0..numbers {
            let ty = if round % 2 == 0 {
                MessageType::Otp
            } else {
                MessageType::BusinessNotice
            };
            let now = START_MS + round * 61_000 + i / 1000;
            if !load.send(&t, &number(i), ty, i * 64 + round, now) {
                refused += 1;
            }
        }
    }
    let (b1, a1) = live();
    let tracked = t.len();
    println!(
        "tracker memory: bound {bound:>9}, {numbers:>9} numbers x {each} msg: tracked {tracked:>9}, \
         {:>6.1} B/number requested, {:.2} allocations/number, refused {refused}",
        (b1 - b0) as f64 / tracked as f64,
        (a1 - a0) as f64 / tracked as f64,
    );
    drop(black_box(t));
}

/// `scale` divides every count (1 under `cargo bench`; `cargo test` runs a small
/// version so the bench stays exercised without taking minutes unoptimised).
fn memory(load: &Load, scale: u64) {
    let bound = (1_000_000 / scale) as usize;
    measure(load, bound, 100_000 / scale, 1);
    measure(load, bound, 500_000 / scale, 1);
    measure(load, bound, 2_000_000 / scale, 1);
    measure(load, bound, 100_000 / scale, 2);
    measure(load, bound, 100_000 / scale, 8);
}

fn cpu(c: &mut Criterion, load: &Load, scale: u64) {
    let mut g = c.benchmark_group("tracker");
    g.throughput(Throughput::Elements(1));
    g.measurement_time(Duration::from_secs(8));

    let pool = 2_000_000 / scale;
    let fresh = FrequencyTracker::new((1_000_000 / scale) as usize);
    let names: Vec<String> = (0..pool).map(number).collect();
    let mut i = 0u64;
    g.bench_function("check_and_record/fresh", |b| {
        b.iter(|| {
            i += 1;
            let n = &names[(i % pool) as usize];
            black_box(load.send(&fresh, n, MessageType::Otp, i, START_MS + i))
        })
    });

    let visited = 50_000 / scale;
    let revisit = FrequencyTracker::new((1_000_000 / scale) as usize);
    let types = [
        MessageType::Other,
        MessageType::SystemNotice,
        MessageType::BusinessNotice,
    ];
    let mut i = 0u64;
    g.bench_function("check_and_record/revisit", |b| {
        b.iter(|| {
            i += 1;
            let n = &names[(i % visited) as usize];
            let ty = types[((i / visited) % 3) as usize];
            black_box(load.send(&revisit, n, ty, i, START_MS + i * 100))
        })
    });
    g.finish();
}

fn main() {
    let load = Load {
        settings: FrequencySettings::default(),
    };
    let scale = if std::env::args().any(|a| a == "--bench") {
        1
    } else {
        100
    };
    memory(&load, scale);
    let mut c = Criterion::default().configure_from_args();
    cpu(&mut c, &load, scale);
    c.final_summary();
}
