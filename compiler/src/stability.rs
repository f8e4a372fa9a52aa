//! Stability (`--stability N`): would the same rules come back from other
//! training rows? The candidates and their certification are rerun on `N`
//! bootstrap resamples of the training rows (each the distinct rows of a
//! seeded draw with replacement, about 63 % of them; the teacher's labels
//! stay as they are, since the teacher runs once). A kept rule is found in
//! a resample when that compile kept an equivalent rule: the same decision,
//! and validation rows covered on their own overlapping by at least
//! [`MIN_OVERLAP`] (Jaccard index). A rule found in fewer than
//! [`UNSTABLE_BELOW`] of the resamples is flagged unstable: it owes its
//! place to the particular training rows more than to the data.

use rulec_datasets::Rng;
use rulec_runtime::ir::{Rule, RuleSet, RuleStability, Stability};

use crate::error::Error;
use crate::params::CompileParams;
use crate::pipeline::{certified, pool, Taught};
use crate::progress::{Progress, Silent};
use crate::table::Table;
use crate::validate::{self, EncodedRows};

/// Least Jaccard overlap of two rules' validation rows to be equivalent.
pub const MIN_OVERLAP: f64 = 0.5;
/// Share of resamples below which a rule is unstable.
pub const UNSTABLE_BELOW: f64 = 0.5;

/// The rules each of `p.stability` resampled compiles keeps.
pub fn resample(
    taught: &Taught,
    p: &CompileParams,
    progress: &dyn Progress,
) -> Result<Vec<Vec<Rule>>, Error> {
    let train = &taught.data.splits.train;
    let mut out = Vec::with_capacity(p.stability);
    for b in 0..p.stability {
        progress.tick(
            "stability: resampled compiles",
            b as u64,
            p.stability as u64,
        );
        let mut rng = Rng::derive(p.seed, 0x5354_4142_0000 + b as u64);
        let mut drawn: Vec<usize> = (0..train.len())
            .map(|_| train[rng.below(train.len())])
            .collect();
        drawn.sort_unstable();
        drawn.dedup();
        let mut copy = taught.clone();
        copy.data.splits.train = drawn;
        let pool = pool::run(copy, p, &Silent)?;
        let c = certified::run(pool, p, &Silent)?;
        out.push(
            c.kept
                .iter()
                .map(|&i| c.pool.set.rules[i].clone())
                .collect(),
        );
    }
    progress.tick(
        "stability: resampled compiles",
        p.stability as u64,
        p.stability as u64,
    );
    Ok(out)
}

/// Each rule of `set` against the resampled compiles' rules, on the
/// table's `validation` rows.
pub fn figures(
    set: &RuleSet,
    table: &Table,
    validation: &[usize],
    resampled: &[Vec<Rule>],
) -> Result<Stability, Error> {
    let rows = EncodedRows::new(table, validation);
    let own = validate::coverage(set, &rows)?;
    let mut equivalent = vec![0u64; set.rules.len()];
    for rules in resampled {
        let other = RuleSet {
            rules: rules
                .iter()
                .enumerate()
                .map(|(i, r)| Rule {
                    name: format!("r{i}"),
                    evidence: None,
                    ..r.clone()
                })
                .collect(),
            summary: None,
            rejected: Vec::new(),
            ..set.clone()
        };
        let theirs = validate::coverage(&other, &rows)?;
        for (i, rule) in set.rules.iter().enumerate() {
            let found = other.rules.iter().zip(&theirs).any(|(q, cov)| {
                q.decision == rule.decision && jaccard(&own[i], cov, rows.len()) >= MIN_OVERLAP
            });
            equivalent[i] += u64::from(found);
        }
    }
    Ok(Stability {
        resamples: resampled.len() as u64,
        min_overlap: MIN_OVERLAP,
        unstable_below: UNSTABLE_BELOW,
        rules: set
            .rules
            .iter()
            .zip(equivalent)
            .map(|(r, equivalent)| RuleStability {
                rule: r.name.clone(),
                equivalent,
                support: r.evidence.as_ref().map_or(0, |e| e.validation.support),
            })
            .collect(),
    })
}

/// Rows both cover over rows either covers (0 when neither covers any).
fn jaccard(a: &crate::select::Bits, b: &crate::select::Bits, n: usize) -> f64 {
    let (mut both, mut either) = (0u64, 0u64);
    for j in 0..n {
        let (x, y) = (a.get(j), b.get(j));
        both += u64::from(x && y);
        either += u64::from(x || y);
    }
    if either == 0 {
        0.0
    } else {
        both as f64 / either as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::select::Bits;

    #[test]
    fn jaccard_is_shared_over_either() {
        let mut a = Bits::new(10);
        let mut b = Bits::new(10);
        for i in 0..6 {
            a.set(i);
        }
        for i in 3..9 {
            b.set(i);
        }
        // Both: 3, 4, 5; either: 0..9.
        assert!((jaccard(&a, &b, 10) - 3.0 / 9.0).abs() < 1e-12);
        assert_eq!(jaccard(&Bits::new(10), &Bits::new(10), 10), 0.0);
        assert_eq!(jaccard(&a, &a, 10), 1.0);
    }

    #[test]
    fn the_overall_figure_weighs_rules_by_their_rows() {
        let st = Stability {
            resamples: 10,
            min_overlap: MIN_OVERLAP,
            unstable_below: UNSTABLE_BELOW,
            rules: vec![
                RuleStability {
                    rule: "a".into(),
                    equivalent: 10,
                    support: 300,
                },
                RuleStability {
                    rule: "b".into(),
                    equivalent: 2,
                    support: 100,
                },
            ],
        };
        assert!((st.overall() - (300.0 + 0.2 * 100.0) / 400.0).abs() < 1e-12);
        assert!(!st.unstable(&st.rules[0]) && st.unstable(&st.rules[1]));
    }
}
