//! The route table: destination → carrier/province, then the first matching rule, then a
//! weighted pick among the available channels of its groups in failover order.

use std::fmt;
use std::sync::Arc;

use rand::Rng;

use super::carrier::{Carrier, Province};
use super::compile::{compile, Group, Rule};
use super::config::RoutingConfig;
use super::error::RoutingError;
use super::number::{normalize_with_hint, Number, NumberError, NumberHint};
use super::portability::PortabilityTable;
use super::prefix::PrefixTable;
use crate::message::MessageType;

/// Tells routing which upstream channels can take a message right now.
///
/// The upstream layer implements it from its live state (bound sessions, health checks, window
/// and TPS saturation). Any `Fn(&str) -> bool` closure is one, which makes "every channel but
/// the one that just failed" easy to express.
pub trait ChannelHealth {
    /// Whether `channel` is connected, healthy and not saturated.
    fn is_available(&self, channel: &str) -> bool;

    /// Why `channel` is unavailable, for explanations (`disconnected`, `saturated` …).
    fn unavailable_reason(&self, channel: &str) -> String {
        let _ = channel;
        "unavailable".to_string()
    }
}

impl<F: Fn(&str) -> bool> ChannelHealth for F {
    fn is_available(&self, channel: &str) -> bool {
        self(channel)
    }
}

/// Every channel available: what `smppd route` assumes without a running gateway.
#[derive(Debug, Clone, Copy, Default)]
pub struct AllAvailable;

impl ChannelHealth for AllAvailable {
    fn is_available(&self, _channel: &str) -> bool {
        true
    }
}

/// A message to route.
#[derive(Debug, Clone, Copy)]
pub struct RouteQuery<'a> {
    /// The submitting account's `system_id`.
    pub account: &'a str,
    /// `destination_addr` as the client sent it.
    pub destination: &'a str,
    /// What `dest_addr_ton` says about it.
    pub hint: NumberHint,
    /// The resolved message type (see [`super::message_type::resolve_message_type`]).
    pub message_type: MessageType,
}

/// Where the carrier of a destination came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CarrierSource {
    /// The shipped prefix table.
    PrefixTable,
    /// A ported-number override (wins over the prefix table).
    Override,
    /// A data-SIM segment's operator, for a prefix the table does not list
    /// ([`PrefixTable::segment_carrier`]).
    Segment,
    /// A mainland number whose prefix is in no table (carrier `unknown`).
    NotInTable,
    /// Not a mainland number: no carrier applies (`unknown`).
    International,
}

impl fmt::Display for CarrierSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CarrierSource::PrefixTable => "prefix table",
            CarrierSource::Override => "portability override",
            CarrierSource::Segment => "segment operator, prefix not in table",
            CarrierSource::NotInTable => "prefix not in table",
            CarrierSource::International => "international number",
        })
    }
}

/// A normalized destination with what routing knows about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// The normalized number.
    pub number: Number,
    /// The serving carrier (after portability overrides).
    pub carrier: Carrier,
    /// Where `carrier` came from.
    pub carrier_source: CarrierSource,
    /// The carrier the prefix table gives, when an override replaced it.
    pub prefix_carrier: Option<Carrier>,
    /// The number block's province, when known.
    pub province: Option<Province>,
}

/// Where a message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route<'t> {
    /// The index of the rule that matched.
    pub rule: usize,
    /// The rule's name, if it has one.
    pub rule_name: Option<&'t str>,
    /// The group the channel was picked from.
    pub group: &'t str,
    /// 0 for the rule's primary group, 1 for its first fallback …
    pub failover_level: usize,
    /// The chosen upstream channel.
    pub channel: &'t str,
}

/// A rule criterion, named for explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Criterion {
    Account,
    Carrier,
    Province,
    MessageType,
    Prefix,
    Country,
}

/// The compiled, validated route table with its lookup data.
#[derive(Debug, Clone)]
pub struct RouteTable {
    pub(crate) rules: Vec<Rule>,
    pub(crate) groups: Vec<Group>,
    pub(crate) prefixes: Arc<PrefixTable>,
    pub(crate) portability: Arc<PortabilityTable>,
}

impl RouteTable {
    /// Validates `config` (channel names against `known_channels`) and builds the table over
    /// the embedded prefix data and an in-memory portability table.
    pub fn new(
        config: &RoutingConfig,
        known_channels: &[&str],
    ) -> Result<RouteTable, RoutingError> {
        let prefixes = PrefixTable::embedded().map_err(|e| RoutingError::PrefixData {
            line: 0,
            problem: e.to_string(),
        })?;
        let (rules, groups) = compile(config, known_channels)?;
        Ok(RouteTable {
            rules,
            groups,
            prefixes,
            portability: Arc::new(PortabilityTable::in_memory()),
        })
    }

    /// Uses a shared portability table (the one the relay teaches).
    pub fn with_portability(mut self, portability: Arc<PortabilityTable>) -> RouteTable {
        self.portability = portability;
        self
    }

    /// Uses another prefix table (tests, or a table loaded at run time).
    pub fn with_prefixes(mut self, prefixes: Arc<PrefixTable>) -> RouteTable {
        self.prefixes = prefixes;
        self
    }

    /// The portability table in use.
    pub fn portability(&self) -> &Arc<PortabilityTable> {
        &self.portability
    }

    /// Normalizes a destination and finds its carrier (override first) and province.
    pub fn resolve(
        &self,
        destination: &str,
        hint: NumberHint,
    ) -> Result<Destination, RoutingError> {
        let number = normalize_with_hint(destination, hint)?;
        let dest = self.describe(number);
        // `1[3-9]` + 9 digits is only the shape: a block the table does not know at all is
        // no mobile range, and a catch-all rule must not hand it to a carrier.
        if let (CarrierSource::NotInTable, Some(national)) =
            (dest.carrier_source, dest.number.national.as_deref())
        {
            if !self.prefixes.knows_block(national) {
                return Err(NumberError::UnallocatedRange {
                    national: national.to_owned(),
                    block: national[..4].to_owned(),
                }
                .into());
            }
        }
        Ok(dest)
    }

    /// Carrier and province of an already normalized number.
    pub fn describe(&self, number: Number) -> Destination {
        let Some(national) = number.national.as_deref() else {
            return Destination {
                number,
                carrier: Carrier::Unknown,
                carrier_source: CarrierSource::International,
                prefix_carrier: None,
                province: None,
            };
        };
        let info = self.prefixes.lookup(national);
        let province = info.and_then(|i| i.province);
        let (carrier, carrier_source, prefix_carrier) = match (self.portability.get(national), info)
        {
            (Some(ported), _) => (ported, CarrierSource::Override, info.map(|i| i.carrier)),
            (None, Some(i)) => (i.carrier, CarrierSource::PrefixTable, None),
            (None, None) => match PrefixTable::segment_carrier(national) {
                Some(c) => (c, CarrierSource::Segment, None),
                None => (Carrier::Unknown, CarrierSource::NotInTable, None),
            },
        };
        Destination {
            number,
            carrier,
            carrier_source,
            prefix_carrier,
            province,
        }
    }

    /// The first rule matching the message: what `submit_sm` checks before accepting it.
    /// `Err(NoRoute)` answers [`super::ESME_RINVDSTADR`].
    pub fn match_rule(
        &self,
        account: &str,
        dest: &Destination,
        message_type: MessageType,
    ) -> Result<usize, RoutingError> {
        self.rules
            .iter()
            .position(|r| first_mismatch(r, account, dest, message_type).is_none())
            .ok_or_else(|| RoutingError::NoRoute {
                number: dest.number.e164.clone(),
                account: account.to_string(),
                carrier: dest.carrier.to_string(),
                message_type,
            })
    }

    /// Picks a channel for rule `rule`: a weighted pick among the available channels of the
    /// first group that has any. `Err(NoChannelAvailable)` when none has.
    pub fn pick_channel<R: Rng + ?Sized>(
        &self,
        rule: usize,
        health: &dyn ChannelHealth,
        rng: &mut R,
    ) -> Result<Route<'_>, RoutingError> {
        let r = self
            .rules
            .get(rule)
            .ok_or_else(|| RoutingError::Config(format!("no rule #{rule}")))?;
        for (level, g) in r.groups.iter().enumerate() {
            let group = &self.groups[*g];
            if let Some(channel) = weighted_pick(group, health, rng) {
                return Ok(Route {
                    rule,
                    rule_name: r.name.as_deref(),
                    group: &group.name,
                    failover_level: level,
                    channel,
                });
            }
        }
        Err(RoutingError::NoChannelAvailable {
            rule,
            groups: r
                .groups
                .iter()
                .map(|g| self.groups[*g].name.clone())
                .collect(),
        })
    }

    /// Resolves, matches and picks in one go.
    pub fn route<R: Rng + ?Sized>(
        &self,
        query: &RouteQuery<'_>,
        health: &dyn ChannelHealth,
        rng: &mut R,
    ) -> Result<(Destination, Route<'_>), RoutingError> {
        let dest = self.resolve(query.destination, query.hint)?;
        let rule = self.match_rule(query.account, &dest, query.message_type)?;
        let route = self.pick_channel(rule, health, rng)?;
        Ok((dest, route))
    }
}

/// Weighted random choice among the group's available channels in one pass (weighted
/// reservoir sampling: keep the i-th candidate with probability wᵢ / Σw so far), so health is
/// asked once per channel and nothing is allocated.
fn weighted_pick<'g, R: Rng + ?Sized>(
    group: &'g Group,
    health: &dyn ChannelHealth,
    rng: &mut R,
) -> Option<&'g str> {
    let mut total: u64 = 0;
    let mut chosen = None;
    for (channel, weight) in &group.channels {
        if !health.is_available(channel) {
            continue;
        }
        total += u64::from(*weight);
        if rng.gen_range(0..total) < u64::from(*weight) {
            chosen = Some(channel.as_str());
        }
    }
    chosen
}

/// The first criterion of `rule` that the message fails, or `None` when the rule matches.
pub(crate) fn first_mismatch(
    rule: &Rule,
    account: &str,
    dest: &Destination,
    message_type: MessageType,
) -> Option<Criterion> {
    if !rule.accounts.is_empty() && !rule.accounts.iter().any(|a| a == account) {
        return Some(Criterion::Account);
    }
    if !rule.carriers.is_empty() && !carrier_matches(&rule.carriers, dest) {
        return Some(Criterion::Carrier);
    }
    if !rule.provinces.is_empty() && !dest.province.is_some_and(|p| rule.provinces.contains(&p)) {
        return Some(Criterion::Province);
    }
    if !rule.message_types.is_empty() && !rule.message_types.contains(&message_type) {
        return Some(Criterion::MessageType);
    }
    if !rule.prefixes.is_empty()
        && !rule
            .prefixes
            .iter()
            .any(|p| prefix_matches(p, &dest.number))
    {
        return Some(Criterion::Prefix);
    }
    if !dest.number.is_mainland_mobile() && !rule.abroad {
        return Some(Criterion::Country);
    }
    if !rule.countries.is_empty() && !rule.countries.iter().any(|c| c == dest.number.country) {
        return Some(Criterion::Country);
    }
    None
}

/// A host operator matches its MVNOs' numbers; an MVNO matches only itself.
fn carrier_matches(carriers: &[Carrier], dest: &Destination) -> bool {
    dest.number.is_mainland_mobile()
        && carriers
            .iter()
            .any(|c| *c == dest.carrier || *c == dest.carrier.host_network())
}

fn prefix_matches(prefix: &str, number: &Number) -> bool {
    match (prefix.strip_prefix('+'), &number.national) {
        (Some(p), _) => number.e164_digits().starts_with(p),
        (None, Some(national)) => national.starts_with(prefix),
        (None, None) => number.e164_digits().starts_with(prefix),
    }
}
