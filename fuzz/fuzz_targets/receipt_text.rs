//! Delivery-receipt text from a carrier's deliver_sm into `text::dlr`: no panic, a parsed id
//! is a piece of the input, and every round trip the module offers holds.
//!
//! The octets are read the way the relay reads them (`String::from_utf8_lossy` of the
//! payload, see `relay::carrier::read_receipt`).
//!
//! Run: `cargo +nightly fuzz run receipt_text -O -- -max_total_time=360 -max_len=1024`
//! Seed corpus: `fuzz/seed_corpus.sh` copies proto-fixtures/dlr/*.txt into
//! fuzz/corpus/receipt_text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smppd::text::dlr::{self, normalize_carrier_id, DeliveryReceipt, ReceiptDate, ReceiptIdForm};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(r) = dlr::parse(&text) {
        check_receipt(&text, &r);
    }
    // The date parser on its own: every token of the input, as the receipt parser would see
    // a `submit date:` value.
    for token in text.split_whitespace() {
        check_date(token);
    }
    check_date(&text);
});

fn check_receipt(input: &str, r: &DeliveryReceipt) {
    // `id` and `stat` are required (DlrError::MissingField); the id is copied from the text.
    assert!(!r.id.is_empty(), "parsed receipt without an id");
    assert!(input.contains(r.id.as_str()), "id {:?} not in the input", r.id);
    if let Some(t) = &r.text {
        assert!(input.contains(t.as_str()), "text {t:?} not in the input");
    }
    // DeliveryReceipt::format is the canonical form: it must parse back to the same receipt.
    let canonical = r.format();
    assert_eq!(
        dlr::parse(&canonical).as_ref(),
        Ok(r),
        "format → parse changed the receipt; canonical {canonical:?}"
    );
    // The canonical form is a fixed point of parse → format.
    assert_eq!(dlr::parse(&canonical).map(|r| r.format()), Ok(canonical));
    // Serde (the fixtures' and the store's form): dates as digits, stat as its text.
    let json = serde_json::to_string(r).expect("a receipt serializes");
    let back: DeliveryReceipt = serde_json::from_str(&json).expect("its JSON reads back");
    assert_eq!(&back, r, "serde round trip changed the receipt: {json}");
    for d in [r.submit_date, r.done_date].into_iter().flatten() {
        assert_eq!(ReceiptDate::parse(&d.to_string()), Ok(d));
    }
    // Carrier-id matching (module `dlr::id`): documented key sets.
    let key = normalize_carrier_id(&r.id);
    assert_eq!(ReceiptIdForm::Same.receipt_keys(&r.id), vec![key.clone()]);
    assert_eq!(
        normalize_carrier_id(&r.id.to_ascii_lowercase()),
        key,
        "normalisation is case-insensitive"
    );
    for form in [
        ReceiptIdForm::HexInRespDecimalInReceipt,
        ReceiptIdForm::DecimalInRespHexInReceipt,
        ReceiptIdForm::Auto,
    ] {
        let keys = form.receipt_keys(&r.id);
        assert!(!keys.is_empty());
        for (i, k) in keys.iter().enumerate() {
            assert!(!keys[..i].contains(k), "{form:?}: duplicate key {k}");
        }
        if form == ReceiptIdForm::Auto {
            assert_eq!(keys[0], key, "Auto tries the exact key first");
        }
    }
}

fn check_date(s: &str) {
    if let Ok(d) = ReceiptDate::parse(s) {
        // Kept in the shape it was written, so it formats back unchanged (dlr::date docs).
        assert_eq!(d.to_string(), s, "date {d:?} does not format back");
        assert!((1..=12).contains(&d.month) && (1..=31).contains(&d.day));
        assert!(d.hour <= 23 && d.minute <= 59 && d.second.is_none_or(|s| s <= 60));
        let serialized: String = d.into();
        assert_eq!(ReceiptDate::try_from(serialized), Ok(d));
    }
}
