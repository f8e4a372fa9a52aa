//! Whether the figures a rule set carries hold together, as the compile
//! always writes them ([`RuleSet::figures_apart`]): a hand edit of the
//! figures, the rules left as they were, shows there (the fingerprint
//! covers the rules, not the figures).

use super::{RuleSet, SplitEvidence};

impl RuleSet {
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
