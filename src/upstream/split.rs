//! Per-channel preparation of a message: the source address rule, and splitting when this
//! carrier's limits (a smaller maximum length, or text it appends such as a signature) no
//! longer let the message fit the parts the client sent.

use super::config::{ChannelConfig, SourceAddrRule};
use super::outcome::OutboundMessage;
use super::wire;
use crate::pdu::SubmitSm;
use crate::text::{self, Coding, SplitOptions};

/// The submits to send on this channel for `msg`, in order.
pub(crate) fn prepare(cfg: &ChannelConfig, msg: &OutboundMessage) -> Vec<SubmitSm> {
    let mut base = msg.submit.clone();
    apply_source_rule(
        &mut base,
        &cfg.source_addr,
        msg.account_extension.as_deref(),
    );
    match split_parts(cfg, msg, &base) {
        Some(parts) => parts,
        None => vec![base],
    }
}

/// Rewrites `source_addr` to the channel's service code plus the account extension.
pub(crate) fn apply_source_rule(submit: &mut SubmitSm, rule: &SourceAddrRule, ext: Option<&str>) {
    if let Some(code) = &rule.service_code {
        let mut addr = code.clone();
        if rule.append_extension {
            addr.push_str(ext.unwrap_or(""));
        }
        // SMPP 3.4 §5.2.8: source_addr is at most 20 characters; an extension that does not
        // fit is cut rather than the submit refused (the carrier would refuse it anyway).
        let max = rule.max_len.min(20);
        addr.truncate(max);
        wire::set_source_addr(submit, &addr);
    }
    wire::set_source_ton_npi(submit, rule.ton, rule.npi);
}

/// Octets one character takes in `coding`'s per-part budget (SMPP carries GSM unpacked,
/// 160 septets in the 140 octets of an SMS).
fn octets_per_char(coding: Coding) -> f64 {
    match coding {
        Coding::Gsm7 => 7.0 / 8.0,
        Coding::Ucs2 | Coding::Gbk => 2.0,
        _ => 1.0,
    }
}

/// `None` when the message goes out as the client sent it.
fn split_parts(
    cfg: &ChannelConfig,
    msg: &OutboundMessage,
    base: &SubmitSm,
) -> Option<Vec<SubmitSm>> {
    let appended = cfg.split.appended_text.as_deref().unwrap_or("");
    if appended.is_empty() && cfg.split.max_octets.is_none() {
        return None;
    }
    // A client-segmented part already carries its own UDH; re-splitting it would produce
    // parts the handset cannot reassemble, so it goes as is.
    if wire::esm_class(base) & text::udh::ESM_CLASS_UDHI != 0 {
        return None;
    }
    let data_coding = wire::data_coding(base);
    let coding = Coding::from_data_coding(data_coding);
    if !coding.is_text() {
        return None;
    }
    let body = text::decode(data_coding, wire::message_bytes(base)).ok()?;
    // Room for the carrier's text plus whatever the carrier's smaller maximum takes away.
    let shrink = cfg
        .split
        .max_octets
        .map(|max| 140usize.saturating_sub(max))
        .unwrap_or(0);
    let reserve_chars =
        appended.chars().count() + (shrink as f64 / octets_per_char(coding)).ceil() as usize;
    let opts = SplitOptions {
        coding: Some(coding),
        // The concatenation reference only has to differ between concurrent long messages
        // to the same handset; the low bits of smppd's id do that.
        reference: (msg.message_id.as_u64() & 0xFF) as u16,
        reserve_chars,
        ..SplitOptions::default()
    };
    let segments = text::split(&body, &opts).ok()?;
    if segments.len() <= 1 {
        return None;
    }
    Some(
        segments
            .into_iter()
            .map(|seg| {
                let mut part = base.clone();
                wire::set_segment(&mut part, &seg);
                part
            })
            .collect(),
    )
}
