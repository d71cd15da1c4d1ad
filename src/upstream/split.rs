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

/// Characters of `coding` to reserve so that no `short_message` exceeds `max_octets`.
///
/// `text::split` budgets 140 octets per SMS (160 GSM septets, carried one per octet over SMPP,
/// SMPP 3.4 §5.2.19), so the reserve is the difference in that coding's units: septets for GSM,
/// 2-octet characters for UCS-2/GBK, octets otherwise.
fn shrink_chars(coding: Coding, max_octets: usize) -> usize {
    match coding {
        Coding::Gsm7 => 160usize.saturating_sub(max_octets),
        Coding::Ucs2 | Coding::Gbk => 140usize.saturating_sub(max_octets).div_ceil(2),
        _ => 140usize.saturating_sub(max_octets),
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
    let reserve_chars = appended.chars().count()
        + cfg
            .split
            .max_octets
            .map(|max| shrink_chars(coding, max))
            .unwrap_or(0);
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
