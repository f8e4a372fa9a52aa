//! Production counters of a [`crate::Cascade`]: how much traffic each rule
//! takes, how much goes to the fallback, and how the shadow checks of each
//! rule against the fallback come out.
//!
//! The hot path only does relaxed atomic adds on counters that belong to
//! one rule set version; nothing is locked per decision.
//! A [`Snapshot`] reads them all at once (not atomically as a whole: a
//! decision in flight may show in one counter and not yet in another) and
//! renders them in the Prometheus text format.
//!
//! Per-rule counters belong to a version, because a reload brings new rules
//! under possibly old names; the totals add up every version the cascade
//! has run.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

use crate::stats::wilson_lower;

/// Counters of one rule in one version. Aligned to a cache line so that
/// threads hitting different rules do not slow each other down.
#[derive(Debug, Default)]
#[repr(align(64))]
pub(crate) struct RuleStats {
    /// Rows this rule covered and answered.
    pub(crate) hits: AtomicU64,
    /// Rows this rule covered while switched off: the fallback answered.
    pub(crate) rerouted: AtomicU64,
    /// Shadow checks, packed so that one atomic step updates both counts
    /// and a reader sees a consistent pair: checks in the high 32 bits,
    /// disagreements with the fallback in the low 32 bits.
    pub(crate) shadow: AtomicU64,
    /// Raised once the agreement test failed; stays raised.
    pub(crate) alarm: AtomicBool,
    /// Switched off after an alarm: its rows go to the fallback.
    pub(crate) off: AtomicBool,
}

/// Counters of one rule set version.
#[derive(Debug)]
pub(crate) struct VersionStats {
    pub(crate) rule_names: Vec<String>,
    pub(crate) rules: Vec<RuleStats>,
    /// Rows no rule covered, answered by the fallback.
    pub(crate) uncovered: AtomicU64,
    /// Decisions that failed because the fallback failed.
    pub(crate) fallback_errors: AtomicU64,
    /// Shadow checks that failed because the fallback failed.
    pub(crate) shadow_errors: AtomicU64,
}

impl VersionStats {
    pub(crate) fn new(rule_names: Vec<String>) -> VersionStats {
        let rules = rule_names.iter().map(|_| RuleStats::default()).collect();
        VersionStats {
            rule_names,
            rules,
            uncovered: AtomicU64::new(0),
            fallback_errors: AtomicU64::new(0),
            shadow_errors: AtomicU64::new(0),
        }
    }
}

/// The counters of a cascade at one moment.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// The running rule set version (1 for the set the cascade started with).
    pub version: u64,
    /// Reloads since the start.
    pub reloads: u64,
    /// The precision the running rules were certified at: the agreement
    /// bound a rule must keep.
    pub precision: f64,
    /// Totals over every version.
    pub totals: Totals,
    /// Per rule of the running version, in rule order.
    pub rules: Vec<RuleSnapshot>,
}

/// Decision counts over every version a cascade has run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Decisions answered by a rule.
    pub rules: u64,
    /// Decisions answered by the fallback: uncovered rows and rows of
    /// switched-off rules.
    pub fallback: u64,
    /// Of `fallback`, rows a switched-off rule covered.
    pub rerouted: u64,
    /// Decisions that failed because the fallback failed.
    pub fallback_errors: u64,
    /// Covered decisions also sent to the fallback.
    pub shadow_samples: u64,
    /// Of those, agreements.
    pub shadow_agreements: u64,
    /// Shadow checks that failed because the fallback failed.
    pub shadow_errors: u64,
}

impl Totals {
    /// Every decision asked for: answered or failed.
    pub fn decisions(&self) -> u64 {
        self.rules + self.fallback + self.fallback_errors
    }

    /// Share of answered decisions the rules took; 0 before any.
    pub fn coverage(&self) -> f64 {
        let answered = self.rules + self.fallback;
        if answered == 0 {
            0.0
        } else {
            self.rules as f64 / answered as f64
        }
    }
}

/// The counters of one rule.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleSnapshot {
    /// Index in the rule set.
    pub rule_idx: usize,
    /// The rule's name.
    pub name: String,
    /// Rows it answered.
    pub hits: u64,
    /// Rows it covered while switched off (the fallback answered them).
    pub rerouted: u64,
    /// Shadow checks.
    pub shadow_samples: u64,
    /// Shadow checks where the fallback agreed.
    pub shadow_agreements: u64,
    /// Wilson lower bound of the agreement at the rule set's confidence;
    /// 0 before any shadow check.
    pub agreement_lower_bound: f64,
    /// Wilson upper bound of the agreement at the same confidence, which
    /// the default alarm reads (`AlarmTest::Upper`); 1 before any shadow
    /// check.
    pub agreement_upper_bound: f64,
    /// Whether the agreement test failed.
    pub alarm: bool,
    /// Whether the rule is switched off.
    pub off: bool,
}

impl VersionStats {
    /// Adds this version's counters to `totals`.
    pub(crate) fn add_to(&self, totals: &mut Totals) {
        for r in &self.rules {
            totals.rules += r.hits.load(Relaxed);
            let rerouted = r.rerouted.load(Relaxed);
            totals.rerouted += rerouted;
            totals.fallback += rerouted;
            let (samples, agreements) = unpack_shadow(r.shadow.load(Relaxed));
            totals.shadow_samples += samples;
            totals.shadow_agreements += agreements;
        }
        totals.fallback += self.uncovered.load(Relaxed);
        totals.fallback_errors += self.fallback_errors.load(Relaxed);
        totals.shadow_errors += self.shadow_errors.load(Relaxed);
    }

    /// The per-rule counters.
    pub(crate) fn rule_snapshots(&self, confidence: f64) -> Vec<RuleSnapshot> {
        self.rules
            .iter()
            .zip(&self.rule_names)
            .enumerate()
            .map(|(rule_idx, (r, name))| {
                // Agreements first: read after the samples they belong to,
                // they could exceed them; `wilson_lower` clamps anyway.
                let (shadow_samples, shadow_agreements) = unpack_shadow(r.shadow.load(Relaxed));
                RuleSnapshot {
                    rule_idx,
                    name: name.clone(),
                    hits: r.hits.load(Relaxed),
                    rerouted: r.rerouted.load(Relaxed),
                    shadow_samples,
                    shadow_agreements,
                    agreement_lower_bound: wilson_lower(
                        shadow_agreements,
                        shadow_samples,
                        confidence,
                    ),
                    // The upper bound of the agreement is one less the
                    // lower bound of the disagreement.
                    agreement_upper_bound: 1.0
                        - wilson_lower(
                            shadow_samples.saturating_sub(shadow_agreements),
                            shadow_samples,
                            confidence,
                        ),
                    alarm: r.alarm.load(Relaxed),
                    off: r.off.load(Relaxed),
                }
            })
            .collect()
    }
}

impl Snapshot {
    /// The snapshot in the Prometheus text exposition format (version
    /// 0.0.4): every metric with `# HELP` and `# TYPE`, names prefixed
    /// `rulec_`, per-rule series labelled with the rule's name and the
    /// version.
    pub fn to_prometheus(&self) -> String {
        let mut out = String::new();
        let t = &self.totals;
        let mut family = |name: &str, kind: &str, help: &str, series: &[(String, String)]| {
            let _ = writeln!(out, "# HELP rulec_{name} {}", escape_help(help));
            let _ = writeln!(out, "# TYPE rulec_{name} {kind}");
            for (labels, value) in series {
                let _ = writeln!(out, "rulec_{name}{labels} {value}");
            }
        };
        let plain = |v: u64| vec![(String::new(), v.to_string())];
        family(
            "decisions_total",
            "counter",
            "Decisions answered, by who answered them (rule or fallback), over every rule set version.",
            &[
                (labels(&[("source", "rule")]), t.rules.to_string()),
                (labels(&[("source", "fallback")]), t.fallback.to_string()),
            ],
        );
        family(
            "rerouted_total",
            "counter",
            "Decisions a switched-off rule covered, answered by the fallback instead.",
            &plain(t.rerouted),
        );
        family(
            "fallback_errors_total",
            "counter",
            "Decisions that failed because the fallback failed.",
            &plain(t.fallback_errors),
        );
        family(
            "shadow_samples_total",
            "counter",
            "Covered decisions also sent to the fallback to check the rule.",
            &plain(t.shadow_samples),
        );
        family(
            "shadow_agreements_total",
            "counter",
            "Shadow checks where the fallback gave the rule's class.",
            &plain(t.shadow_agreements),
        );
        family(
            "shadow_errors_total",
            "counter",
            "Shadow checks that failed because the fallback failed.",
            &plain(t.shadow_errors),
        );
        family(
            "rules_version",
            "gauge",
            "The running rule set version; 1 is the set loaded at start.",
            &plain(self.version),
        );
        family(
            "reloads_total",
            "counter",
            "Rule set reloads.",
            &plain(self.reloads),
        );
        family(
            "rules_precision",
            "gauge",
            "The precision the running rules were certified at.",
            &[(String::new(), float(self.precision))],
        );
        let version = self.version.to_string();
        let per_rule = |f: &dyn Fn(&RuleSnapshot) -> String| -> Vec<(String, String)> {
            self.rules
                .iter()
                .map(|r| (labels(&[("version", &version), ("rule", &r.name)]), f(r)))
                .collect()
        };
        family(
            "rule_decisions_total",
            "counter",
            "Decisions each rule of the running version answered.",
            &per_rule(&|r| r.hits.to_string()),
        );
        family(
            "rule_rerouted_total",
            "counter",
            "Decisions each rule covered while switched off.",
            &per_rule(&|r| r.rerouted.to_string()),
        );
        family(
            "rule_shadow_samples_total",
            "counter",
            "Shadow checks of each rule.",
            &per_rule(&|r| r.shadow_samples.to_string()),
        );
        family(
            "rule_shadow_agreements_total",
            "counter",
            "Shadow checks where the fallback agreed with the rule.",
            &per_rule(&|r| r.shadow_agreements.to_string()),
        );
        family(
            "rule_agreement_lower_bound",
            "gauge",
            "Wilson lower bound of each rule's agreement with the fallback.",
            &per_rule(&|r| float(r.agreement_lower_bound)),
        );
        family(
            "rule_agreement_upper_bound",
            "gauge",
            "Wilson upper bound of each rule's agreement with the fallback (the default alarm's).",
            &per_rule(&|r| float(r.agreement_upper_bound)),
        );
        family(
            "rule_alarm",
            "gauge",
            "1 when a rule's agreement with the fallback failed the test against the certified precision.",
            &per_rule(&|r| u8::from(r.alarm).to_string()),
        );
        family(
            "rule_switched_off",
            "gauge",
            "1 when a rule is switched off and its rows go to the fallback.",
            &per_rule(&|r| u8::from(r.off).to_string()),
        );
        out
    }
}

/// `{name="value",..}` with escaped values, or nothing without labels.
fn labels(pairs: &[(&str, &str)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let inner: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape_label_value(v)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

/// A label value as the text format wants it: backslash, double quote and
/// line feed escaped. Rule names cannot hold them today, but the format
/// must not break if names ever can.
pub fn escape_label_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Help text escaping: backslash and line feed.
fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

/// A sample value: Prometheus spells the special floats its own way.
fn float(x: f64) -> String {
    if x.is_nan() {
        "NaN".to_string()
    } else if x == f64::INFINITY {
        "+Inf".to_string()
    } else if x == f64::NEG_INFINITY {
        "-Inf".to_string()
    } else {
        format!("{x}")
    }
}

/// One shadow check in the packed counter: a check, and a disagreement
/// when the fallback disagreed.
pub(crate) fn shadow_step(agreed: bool) -> u64 {
    (1 << 32) | u64::from(!agreed)
}

/// (checks, agreements) from the packed counter.
pub(crate) fn unpack_shadow(packed: u64) -> (u64, u64) {
    let samples = packed >> 32;
    let disagreements = (packed & 0xffff_ffff).min(samples);
    (samples, samples - disagreements)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label_value(r#"a\b"c"#), r#"a\\b\"c"#);
        assert_eq!(escape_label_value("x\ny"), "x\\ny");
        assert_eq!(labels(&[("rule", "q\"")]), "{rule=\"q\\\"\"}".to_string());
    }

    #[test]
    fn prometheus_text_has_help_and_type_for_every_family() {
        let snap = Snapshot {
            version: 2,
            reloads: 1,
            precision: 0.95,
            totals: Totals {
                rules: 7,
                fallback: 3,
                ..Totals::default()
            },
            rules: vec![RuleSnapshot {
                rule_idx: 0,
                name: "odd\"name\\".to_string(),
                hits: 7,
                rerouted: 0,
                shadow_samples: 0,
                shadow_agreements: 0,
                agreement_lower_bound: 0.0,
                agreement_upper_bound: 1.0,
                alarm: false,
                off: false,
            }],
        };
        let text = snap.to_prometheus();
        assert!(
            text.contains("rulec_decisions_total{source=\"rule\"} 7\n"),
            "{text}"
        );
        assert!(text.contains("rulec_decisions_total{source=\"fallback\"} 3\n"));
        assert!(
            text.contains("rulec_rule_decisions_total{version=\"2\",rule=\"odd\\\"name\\\\\"} 7\n")
        );
        // Every sample line belongs to a family declared just before it.
        let mut declared = None;
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let name = rest.split(' ').next().unwrap();
                declared = Some(name.to_string());
            } else if !line.starts_with('#') {
                let name = line.split(['{', ' ']).next().unwrap();
                assert_eq!(Some(name.to_string()), declared, "{line}");
            }
        }
        let helps = text.lines().filter(|l| l.starts_with("# HELP ")).count();
        let types = text.lines().filter(|l| l.starts_with("# TYPE ")).count();
        assert_eq!(helps, types);
    }
}
