//! `smppd route`: why a message would take the route it takes.

use std::fmt;

use rand::Rng;

use super::compile::Rule;
use super::error::RoutingError;
use super::table::{first_mismatch, ChannelHealth, Criterion, Destination, RouteQuery, RouteTable};
use crate::message::MessageType;

/// The verdict of one rule, in table order, up to and including the one that matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleVerdict {
    /// `rule #2 ("otp on mobile")`.
    pub label: String,
    /// `Ok(why it matched)` or `Err(why not)`.
    pub verdict: Result<String, String>,
}

/// One channel of a group that was tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelVerdict {
    /// The channel.
    pub channel: String,
    /// Its configured weight.
    pub weight: u32,
    /// `None` when available, else why it was skipped.
    pub skipped: Option<String>,
}

/// One group of the matched rule's failover list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupVerdict {
    /// The group's name.
    pub group: String,
    /// Its channels.
    pub channels: Vec<ChannelVerdict>,
}

/// Everything routing decided about one message, for people.
#[derive(Debug)]
pub struct Explanation {
    /// The destination as given.
    pub input: String,
    /// The account.
    pub account: String,
    /// The message type used.
    pub message_type: MessageType,
    /// What the number resolved to, or why it is not a number.
    pub destination: Result<Destination, RoutingError>,
    /// Rules checked, in order, up to the match.
    pub rules: Vec<RuleVerdict>,
    /// The index of the matching rule.
    pub matched_rule: Option<usize>,
    /// The matched rule's groups as tried, in failover order (stops at the group used).
    pub groups: Vec<GroupVerdict>,
    /// `(group, channel)` chosen.
    pub chosen: Option<(String, String)>,
    /// Why the message cannot be routed, if it cannot.
    pub error: Option<RoutingError>,
}

impl RouteTable {
    /// Explains `query` assuming every channel is available (what `smppd route` can know).
    pub fn explain(&self, query: &RouteQuery<'_>) -> Explanation {
        self.explain_with(query, &super::table::AllAvailable, &mut rand::thread_rng())
    }

    /// Explains `query` against live channel health.
    pub fn explain_with<R: Rng + ?Sized>(
        &self,
        query: &RouteQuery<'_>,
        health: &dyn ChannelHealth,
        rng: &mut R,
    ) -> Explanation {
        let mut ex = Explanation {
            input: query.destination.to_string(),
            account: query.account.to_string(),
            message_type: query.message_type,
            destination: self.resolve(query.destination, query.hint),
            rules: Vec::new(),
            matched_rule: None,
            groups: Vec::new(),
            chosen: None,
            error: None,
        };
        let dest = match &ex.destination {
            Ok(dest) => dest,
            Err(_) => return ex,
        };
        for (i, rule) in self.rules.iter().enumerate() {
            let verdict = match first_mismatch(rule, query.account, dest, query.message_type) {
                None => Ok(why_matched(rule, query, dest)),
                Some(c) => Err(why_not(c, rule, query, dest)),
            };
            let matched = verdict.is_ok();
            ex.rules.push(RuleVerdict {
                label: rule.label(i),
                verdict,
            });
            if matched {
                ex.matched_rule = Some(i);
                break;
            }
        }
        let Some(rule) = ex.matched_rule else {
            ex.error = self
                .match_rule(query.account, dest, query.message_type)
                .err();
            return ex;
        };
        for g in &self.rules[rule].groups {
            let group = &self.groups[*g];
            let channels: Vec<ChannelVerdict> = group
                .channels
                .iter()
                .map(|(channel, weight)| ChannelVerdict {
                    channel: channel.clone(),
                    weight: *weight,
                    skipped: (!health.is_available(channel))
                        .then(|| health.unavailable_reason(channel)),
                })
                .collect();
            let any = channels.iter().any(|c| c.skipped.is_none());
            ex.groups.push(GroupVerdict {
                group: group.name.clone(),
                channels,
            });
            if any {
                break;
            }
        }
        match self.pick_channel(rule, health, rng) {
            Ok(route) => ex.chosen = Some((route.group.to_string(), route.channel.to_string())),
            Err(e) => ex.error = Some(e),
        }
        ex
    }
}

fn list<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn why_not(c: Criterion, rule: &Rule, q: &RouteQuery<'_>, d: &Destination) -> String {
    match c {
        Criterion::Account => format!(
            "account {:?} not in [{}]",
            q.account,
            rule.accounts.join(", ")
        ),
        Criterion::Carrier if !d.number.is_mainland_mobile() => {
            format!(
                "carrier rule [{}] does not apply to an international number",
                list(&rule.carriers)
            )
        }
        Criterion::Carrier => format!("carrier {} not in [{}]", d.carrier, list(&rule.carriers)),
        Criterion::Province => match d.province {
            Some(p) => format!("province {p} not in [{}]", list(&rule.provinces)),
            None => format!("province unknown, rule wants [{}]", list(&rule.provinces)),
        },
        Criterion::MessageType => {
            format!(
                "type {} not in [{}]",
                q.message_type,
                list(&rule.message_types)
            )
        }
        Criterion::Prefix => format!(
            "number matches none of the prefixes [{}]",
            rule.prefixes.join(", ")
        ),
        Criterion::Country if !rule.abroad => format!(
            "country {}: the rule names no other country, so it matches mainland numbers only",
            d.number.country
        ),
        Criterion::Country => format!(
            "country {} not in [{}]",
            d.number.country,
            rule.countries.join(", ")
        ),
    }
}

fn why_matched(rule: &Rule, q: &RouteQuery<'_>, d: &Destination) -> String {
    let mut why = Vec::new();
    if !rule.accounts.is_empty() {
        why.push(format!("account {:?}", q.account));
    }
    if !rule.carriers.is_empty() {
        why.push(format!(
            "carrier {} in [{}]",
            d.carrier,
            list(&rule.carriers)
        ));
    }
    if let (false, Some(p)) = (rule.provinces.is_empty(), d.province) {
        why.push(format!("province {p} in [{}]", list(&rule.provinces)));
    }
    if !rule.message_types.is_empty() {
        why.push(format!(
            "type {} in [{}]",
            q.message_type,
            list(&rule.message_types)
        ));
    }
    if !rule.prefixes.is_empty() {
        why.push(format!("prefix in [{}]", rule.prefixes.join(", ")));
    }
    if !rule.countries.is_empty() {
        why.push(format!("country {}", d.number.country));
    }
    if why.is_empty() {
        why.push("catch-all rule (no criteria)".to_string());
    }
    why.join("; ")
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "destination: {:?}  account: {:?}  type: {}",
            self.input, self.account, self.message_type
        )?;
        let dest = match &self.destination {
            Ok(d) => d,
            Err(e) => {
                return writeln!(f, "REJECTED: {e} (submit_sm answered ESME_RINVDSTADR 0x0B)")
            }
        };
        let n = &dest.number;
        match &n.national {
            Some(national) => writeln!(f, "number:      {} (mainland mobile {national})", n.e164)?,
            None => writeln!(f, "number:      {} (country {})", n.e164, n.country)?,
        }
        let mut carrier = format!("{} ({})", dest.carrier, dest.carrier_source);
        if let Some(orig) = dest.prefix_carrier {
            carrier.push_str(&format!(", prefix table says {orig}"));
        }
        if dest.carrier.host_network() != dest.carrier {
            carrier.push_str(&format!(", host network {}", dest.carrier.host_network()));
        }
        writeln!(f, "carrier:     {carrier}")?;
        let province = dest.province.map_or("unknown", |p| p.as_str());
        writeln!(f, "province:    {province}")?;
        writeln!(f, "rules:")?;
        for r in &self.rules {
            match &r.verdict {
                Ok(why) => writeln!(f, "  {}: MATCH: {why}", r.label)?,
                Err(why) => writeln!(f, "  {}: no: {why}", r.label)?,
            }
        }
        for (level, g) in self.groups.iter().enumerate() {
            let role = if level == 0 {
                "primary".to_string()
            } else {
                format!("fallback {level}")
            };
            writeln!(f, "group {:?} ({role}):", g.group)?;
            let total: u32 = g
                .channels
                .iter()
                .filter(|c| c.skipped.is_none())
                .map(|c| c.weight)
                .sum();
            for c in &g.channels {
                match &c.skipped {
                    Some(why) => {
                        writeln!(f, "  {} weight {}: skipped: {why}", c.channel, c.weight)?
                    }
                    None => {
                        let share = f64::from(c.weight) * 100.0 / f64::from(total.max(1));
                        writeln!(
                            f,
                            "  {} weight {}: available, {share:.0}% of traffic",
                            c.channel, c.weight
                        )?;
                    }
                }
            }
        }
        match (&self.chosen, &self.error) {
            (Some((group, channel)), _) => {
                writeln!(f, "route:       channel {channel:?} (group {group:?})")
            }
            (None, Some(e @ RoutingError::NoRoute { .. })) => {
                writeln!(f, "REJECTED: {e} (submit_sm answered ESME_RINVDSTADR 0x0B)")
            }
            (None, Some(e)) => writeln!(f, "NOT SENT NOW: {e} (the message is kept and retried)"),
            (None, None) => writeln!(f, "route:       none"),
        }
    }
}
