//! Whether the figures a rule set carries are its rules' own
//! ([`RuleSet::figures_doubt`]): the compile's fingerprint of the rules,
//! and whether the figures hold together, as the compile always writes
//! them ([`RuleSet::figures_apart`]): a hand edit of the figures, the rules
//! left as they were, shows there (the fingerprint covers the rules, not
//! the figures).

use super::{RuleSet, SplitEvidence};

/// Why a rule set's recorded figures may not be of its rules
/// ([`RuleSet::figures_doubt`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FiguresDoubt {
    /// The compile's fingerprint differs from the set's: edited since.
    Edited,
    /// Figures without the compile's fingerprint.
    NoFingerprint,
    /// Figures that do not hold together: a bound that is not the exact
    /// bound of its counts, or counts that do not add up between the rules,
    /// the set and its table of decisions. The compile writes them so they
    /// always do; the fingerprint covers the rules, not the figures.
    Inconsistent,
}

impl FiguresDoubt {
    /// The doubt in words, to follow the file's name ("`rules.json` ...").
    pub fn words(self) -> &'static str {
        match self {
            FiguresDoubt::Edited => {
                "was changed after the compile (the fingerprint of its rules, columns, \
                 certification and policy differs from the one the compile recorded): the figures \
                 it carries are those of the set as compiled, not of these rules"
            }
            FiguresDoubt::NoFingerprint => {
                "carries figures but not the compile's fingerprint of the rules they were measured \
                 on (provenance.compiled), so nothing confirms that they are these rules' figures"
            }
            FiguresDoubt::Inconsistent => {
                "carries figures that do not hold together (a bound that is not the exact bound of \
                 its counts, or counts that do not add up between the rules, the set and its table \
                 of decisions), as the compile never writes them: they were edited, and are not the \
                 figures the rules were measured with"
            }
        }
    }
}

impl RuleSet {
    /// Whether the set was edited after the compile: its provenance records
    /// the fingerprint of the set as compiled, and this set's differs.
    pub fn edited_after_compile(&self) -> bool {
        self.provenance
            .as_ref()
            .and_then(|p| p.compiled.as_deref())
            .is_some_and(|compiled| compiled != self.fingerprint())
    }

    /// Why the figures this set carries (its summary and the rules'
    /// evidence) may not be its own rules' figures: it was edited after
    /// the compile, it carries figures but no fingerprint of the rules
    /// they were measured on (deleted, or written by hand), or its figures
    /// do not hold together ([`RuleSet::figures_apart`]). `None` when the
    /// fingerprint confirms them, or when there are no figures.
    pub fn figures_doubt(&self) -> Option<FiguresDoubt> {
        let figures = self.summary.is_some() || self.rules.iter().any(|r| r.evidence.is_some());
        if !figures {
            return None;
        }
        match self.provenance.as_ref().and_then(|p| p.compiled.as_deref()) {
            Some(compiled) if compiled != self.fingerprint() => Some(FiguresDoubt::Edited),
            Some(_) if self.figures_apart().is_some() => Some(FiguresDoubt::Inconsistent),
            Some(_) => None,
            None => Some(FiguresDoubt::NoFingerprint),
        }
    }

    /// The first way the figures this set carries do not hold together,
    /// in words, or `None`: on each split, the rules' counts sum to the
    /// set's (each row counts for the first rule that covers it), the
    /// table of decisions holds the set's rows and its diagonal the right
    /// ones, and every exact bound is the Clopper–Pearson bound of its
    /// counts at the set's confidence.
    pub fn figures_apart(&self) -> Option<String> {
        let summary = self.summary.as_ref()?;
        let exact = self.certification.method == crate::stats::CLOPPER_PEARSON;
        let confidence = self.certification.confidence;
        let bound_apart = |e: &SplitEvidence| {
            exact
                && (e.precision_lower_bound
                    - crate::stats::clopper_pearson_lower(e.correct, e.support, confidence))
                .abs()
                    > 1e-9
        };
        for (split, figures) in [
            ("validation", Some(&summary.validation)),
            ("test", summary.test.as_ref()),
        ] {
            let Some(f) = figures else { continue };
            let covered = &f.covered;
            if bound_apart(covered) {
                return Some(format!(
                    "the set's {split} bound is not the exact bound of {} right of {}",
                    covered.correct, covered.support
                ));
            }
            if !f.confusion.is_empty() {
                let all: u64 = f.confusion.iter().flatten().sum();
                let right: u64 = (0..f.confusion.len())
                    .map(|i| f.confusion[i].get(i).copied().unwrap_or(0))
                    .sum();
                if (all, right) != (covered.support, covered.correct) {
                    return Some(format!(
                        "the {split} table of decisions holds {all} rows, {right} right, where the set's figures say {}, {} right",
                        covered.support, covered.correct
                    ));
                }
            }
            let rules: Option<Vec<&SplitEvidence>> = self
                .rules
                .iter()
                .map(|r| {
                    r.evidence.as_ref().and_then(|e| match split {
                        "validation" => Some(&e.validation),
                        _ => e.test.as_ref(),
                    })
                })
                .collect();
            let Some(rules) = rules else { continue };
            if let Some(r) = self.rules.iter().zip(&rules).find(|(_, e)| bound_apart(e)) {
                return Some(format!(
                    "rule `{}`'s {split} bound is not the exact bound of {} right of {}",
                    r.0.name, r.1.correct, r.1.support
                ));
            }
            let (support, correct) = rules
                .iter()
                .fold((0, 0), |(s, c), e| (s + e.support, c + e.correct));
            if (support, correct) != (covered.support, covered.correct) {
                return Some(format!(
                    "the rules' {split} rows add up to {support}, {correct} right, where the set's figures say {}, {} right",
                    covered.support, covered.correct
                ));
            }
        }
        None
    }
}
