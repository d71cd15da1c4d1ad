use super::*;

fn ev(content: u64, at: u32) -> Event {
    Event::new(content, at, 1 << TYPE_BITS | MessageType::Otp as u32)
}

/// Records `ev` for `key` the way the tracker does.
fn push(s: &mut Shard, key: u64, e: Event, cap: usize) {
    let mut n = s.number(key, e.at, cap);
    let change = n.push(e);
    s.apply(key, change);
}

fn contents(s: &mut Shard, key: u64) -> Vec<u64> {
    s.existing(key)
        .map(|n| n.iter().map(|e| e.content).collect())
        .unwrap_or_default()
}

#[test]
fn record_is_32_bytes_with_its_key() {
    assert_eq!(std::mem::size_of::<Event>(), 16);
    assert_eq!(std::mem::size_of::<(u64, Slot)>(), 32);
}

#[test]
fn inline_to_side_and_back_keeps_every_event_in_order() {
    let mut s = Shard::default();
    push(&mut s, 7, ev(1, 10), 100);
    assert!(s.more.is_empty(), "one event needs no side entry");
    for c in 2..=5 {
        push(&mut s, 7, ev(c, 10 * c as u32), 100);
    }
    assert_eq!(contents(&mut s, 7), [1, 2, 3, 4, 5]);
    assert_eq!(s.more.len(), 1);

    // Removing the inline event promotes the next one; a middle one just goes.
    let mut n = s.existing(7).unwrap();
    n.remove(0);
    n.remove(2);
    assert_eq!(n.len(), 3);
    assert_eq!(contents(&mut s, 7), [2, 3, 5]);

    // Pruning everything but the inline event drops the side entry.
    let mut n = s.existing(7).unwrap();
    n.retain(|e| e.content == 2);
    let change = n.tidy();
    s.apply(7, change);
    assert_eq!(contents(&mut s, 7), [2]);
    assert!(s.more.is_empty());

    // And the next event starts a new one.
    push(&mut s, 7, ev(6, 60), 100);
    assert_eq!(contents(&mut s, 7), [2, 6]);
    assert_eq!(s.more.len(), 1);
}

#[test]
fn pruning_the_inline_event_promotes_a_kept_one() {
    let mut s = Shard::default();
    for c in 1..=4 {
        push(&mut s, 9, ev(c, c as u32), 100);
    }
    let mut n = s.existing(9).unwrap();
    n.retain(|e| e.content % 2 == 0);
    assert_eq!(n.first().map(|e| e.content), Some(2));
    let change = n.tidy();
    s.apply(9, change);
    assert_eq!(contents(&mut s, 9), [2, 4]);
    let mut n = s.existing(9).unwrap();
    n.retain(|_| false);
    assert_eq!(n.len(), 0);
    let change = n.tidy();
    s.apply(9, change);
    assert!(s.more.is_empty());
    push(&mut s, 9, ev(8, 9), 100);
    assert_eq!(contents(&mut s, 9), [8]);
}

#[test]
fn eviction_drops_side_entries_with_their_numbers() {
    let mut s = Shard::default();
    for key in 0..1000u64 {
        let at = u32::try_from(key).unwrap();
        push(&mut s, key, ev(key, at), 64);
        push(&mut s, key, ev(key + 1, at), 64);
    }
    assert!(s.len() <= 64, "tracked {}", s.len());
    assert_eq!(s.more.len(), s.len());
    assert!(s.more.keys().all(|k| s.numbers.contains_key(k)));
    // The most recently active survive.
    assert_eq!(contents(&mut s, 999), [999, 1000]);
}

#[test]
fn idle_numbers_go_before_active_ones() {
    let mut s = Shard::default();
    let day = u32::try_from(DAY_MS).unwrap();
    push(&mut s, 1, ev(1, 0), 2);
    push(&mut s, 2, ev(2, day), 2);
    // Full: number 1 idled a day, so it goes, not number 2.
    push(&mut s, 3, ev(3, day + 1), 2);
    assert!(s.existing(1).is_none());
    assert_eq!(contents(&mut s, 2), [2]);
    assert_eq!(contents(&mut s, 3), [3]);
}

#[test]
fn epoch_moves_keep_recent_times_exact_and_clamp_old_ones() {
    let mut s = Shard::default();
    let t0 = 1_764_000_000_000;
    let a = s.clock(t0);
    assert_eq!(u64::from(a), HISTORY_MS);
    push(&mut s, 1, ev(1, a), 100);
    let recent = t0 + HISTORY_MS - 1;
    // Still fits: u32::MAX ms from the epoch.
    let r = s.clock(recent);
    push(&mut s, 1, ev(2, r), 100);
    // Past 2^32 ms from the epoch, it moves.
    let now = recent + 20_000;
    let n = s.clock(now);
    assert_eq!(u64::from(n), HISTORY_MS);
    assert_eq!(s.offset(recent), n - 20_000);
    let ats: Vec<u32> = s.existing(1).unwrap().iter().map(|e| e.at).collect();
    // The recent event is still exactly 20 s old; the old one is clamped to the
    // epoch (24.8 days old) instead of its true 24.8 days + 20 s.
    assert_eq!(ats, [0, n - 20_000]);
    assert_eq!(s.existing(1).unwrap().slot.last, n - 20_000);
}

#[test]
fn times_before_the_epoch_clamp_to_it() {
    let mut s = Shard::default();
    assert_eq!(s.clock(5), 5, "an epoch cannot precede 1970");
    let mut s = Shard::default();
    let t0 = 1_764_000_000_000;
    assert_eq!(u64::from(s.clock(t0)), HISTORY_MS);
    // A clock stepped back further than the kept history reads as the epoch.
    assert_eq!(s.clock(t0 - HISTORY_MS - 10), 0);
    assert_eq!(s.offset(t0 - HISTORY_MS + 10), 10);
}

#[test]
fn accounts_get_small_stable_ids() {
    let mut s = Shard::default();
    let a = s.stream(0xdead_beef, MessageType::Otp);
    let b = s.stream(0xfeed, MessageType::Marketing);
    assert_ne!(a, b);
    assert_eq!(s.stream(0xdead_beef, MessageType::Otp), a);
    assert_ne!(s.stream(0xdead_beef, MessageType::Marketing), a);
    assert_eq!(s.account_id(0xfeed), Some(1));
    assert_eq!(s.account_id(0xabc), None);
    assert_eq!(Event::new(0, 0, b).account(), 1);
}
