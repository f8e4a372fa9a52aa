//! Sums and differences of columns as tests a candidate rule can make.
//!
//! A rule compares one column at a time, so where the teacher follows a
//! total (a customer's day, evening, night and international charges,
//! whose sum decides churn) or a difference (a bill's length less its
//! depth, which tells penguin species apart) rules can follow it only in
//! steps, and each step is a rule too small to certify. Before the
//! candidate trees are grown, [`search`] looks, on the fit rows only and
//! with their true labels, for the unweighted sums of numeric columns whose
//! best single cut separates the labels best (Gini impurity): the best
//! plain sum (every pair of the most telling columns as `a + b`, then one
//! column more while that helps) and the best sum that subtracts (pairs as
//! `a + b` and `a - b`, then one column more, added or subtracted). Each
//! is kept when its best cut beats the best cut of every single column by
//! [`MIN_GAIN`], so the trees may get both: a total and a margin can both
//! tell (`breast_cancer`: `mean concave points + worst concave points` and
//! `mean concave points - concave points error`), and the order, on rank
//! rows, takes the rules that cut either. The trees see each kept sum as
//! one more column ([`crate::tree::Binned::with_sums`]), and a split on it
//! becomes a [`Condition::Sum`](rulec_runtime::ir::Condition::Sum) test
//! such as `day_charge + eve_charge + night_charge < 62.4`. Candidates
//! with sums are ranked, ordered and certified as every other candidate
//! is.
//!
//! The search reads no validation or test row, and no label but the true
//! ones of the fit rows, which the trees on the true labels learn from too.
//! The teacher's labels were measured and not kept: the benchmark's
//! `mlc_churn` bill is a clear cut of the true labels (17 % purer than the
//! day charge alone in `scripts/experiments/sums.py`), while the
//! gradient-boosted teacher's cross-fitted labels blur it to 4.6 and 4.7 %
//! on seeds 0 and 1 (book: Benchmark, "Results with sums of columns").

use rayon::prelude::*;

use crate::table::{ColumnData, Table};

/// How much lower than the best single column's the best cut of a sum must
/// put the impurity, as a share of it, for the sum to be kept: 5 %.
///
/// On the benchmark's `mlc_churn` the bill (four charges) cuts at 0.176
/// against 0.213 for the best charge alone (17 % lower); on `telco_churn`
/// the best sum is no better than one column (0.3 %), as measured by
/// `scripts/experiments/sums.py` on the train split.
pub const MIN_GAIN: f64 = 0.05;

/// Smallest spread (standard deviation on the sampled fit rows) a term may
/// have, as a share of the widest term's: 5 %. A term below it barely moves
/// the total, so what it adds to a cut is a nudge fitted to the rows, and
/// it makes the rule harder to read (on `breast_cancer`, `worst compactness`,
/// spread 0.16, added to `worst perimeter`, spread 34). On `mlc_churn` the
/// international charge's spread is 8 % of the day charge's.
pub const MIN_SPREAD: f64 = 0.05;

/// How much lower each term after the first two must put the impurity,
/// as a share of what it was without it, to join the sum: 2 %; and in
/// rows, [`MIN_STEP_ROWS`]. A term that buys less is a nudge fitted to the
/// rows. On the benchmark's `mlc_churn` (train split) the international
/// charge takes the bill's impurity from 0.181 to 0.176 (2.8 %, about 15
/// of its 3,000 rows' worth); on `penguins` subtracting the year from
/// `bill_length_mm - bill_depth_mm` takes it from 0.2720 to 0.2691 on the
/// train split (1.0 %; both by `scripts/experiments/sum_steps.py`), and on
/// seeds 3 and 4 by over 2 % of their 144 fit rows' impurity but under two
/// rows' worth (the year joins there with `MIN_STEP_ROWS` at 0): a sum no
/// reader could account for.
pub const MIN_STEP: f64 = 0.02;

/// Least fall of the summed impurity (the sampled rows times the weighted
/// Gini impurity: the rows a guess drawn from each side's class shares
/// gets wrong, expected) for a term after the first two to join a sum.
pub const MIN_STEP_ROWS: f64 = 2.0;

/// Most columns a sum adds, for a rule a reader can follow.
pub const MAX_TERMS: usize = 6;

/// Most columns the search considers: the most telling on their own.
const MAX_COLUMNS: usize = 30;

/// Most fit rows the search reads (a seeded sample beyond that).
const MAX_ROWS: usize = 5000;

/// A sum of table columns (indices): those it adds, in the order it adds
/// them, then those it subtracts, in order; the first term is added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Terms {
    /// Columns added, at least one.
    pub plus: Vec<usize>,
    /// Columns subtracted after them.
    pub minus: Vec<usize>,
}

impl Terms {
    /// The sum as the rule book writes it: `a + b - c`.
    pub fn describe(&self, table: &Table) -> String {
        let names = |cols: &[usize]| -> Vec<&str> {
            cols.iter()
                .map(|&c| table.columns()[c].name.as_str())
                .collect()
        };
        rulec_runtime::ir::signed_sum(&names(&self.plus), &names(&self.minus))
    }
}

/// Row `i`'s sum `terms`, added then subtracted left to right as every
/// backend does; NaN (missing) when a term is missing.
pub fn values(table: &Table, terms: &Terms) -> Vec<f64> {
    let mut out = vec![0.0; table.n_rows()];
    let signed = terms
        .plus
        .iter()
        .map(|&c| (c, false))
        .chain(terms.minus.iter().map(|&c| (c, true)));
    for (k, (c, subtract)) in signed.enumerate() {
        let ColumnData::Numeric(column) = &table.columns()[c].data else {
            return vec![f64::NAN; table.n_rows()];
        };
        for (sum, &x) in out.iter_mut().zip(column) {
            *sum = match (k, subtract) {
                (0, _) => x,
                (_, false) => *sum + x,
                (_, true) => *sum - x,
            };
        }
    }
    out
}

/// The sums of numeric columns worth offering to the candidate trees: the
/// best plain sum, then the best that subtracts, each when its best cut
/// beats every single column's by [`MIN_GAIN`] (none, one or both), judged
/// on the true labels of `rows` (the fit rows) only; `hidden` are the
/// columns no rule may read (`--forbid`).
pub fn search(table: &Table, rows: &[usize], hidden: &[usize], seed: u64) -> Vec<Terms> {
    let (labels, n_classes) = (table.labels(), table.n_classes());
    let mut sample: Vec<usize> = rows.to_vec();
    if sample.len() > MAX_ROWS {
        let mut rng = rulec_datasets::Rng::derive(seed, 8000);
        rng.shuffle(&mut sample);
        sample.truncate(MAX_ROWS);
        sample.sort_unstable();
    }
    let y: Vec<u32> = sample.iter().map(|&r| labels[r]).collect();
    let column = |c: usize| -> Vec<f64> {
        match &table.columns()[c].data {
            ColumnData::Numeric(v) => sample.iter().map(|&r| v[r]).collect(),
            _ => Vec::new(),
        }
    };
    // The numeric columns a rule may read, by their own best cut.
    let mut singles: Vec<(f64, usize)> = (0..table.columns().len())
        .filter(|c| !hidden.contains(c))
        .filter(|&c| matches!(table.columns()[c].data, ColumnData::Numeric(_)))
        .filter_map(|c| best_cut(&column(c), &y, n_classes).map(|g| (g, c)))
        .collect();
    if singles.len() < 2 {
        return Vec::new();
    }
    singles.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let best_single = singles[0].0;
    singles.truncate(MAX_COLUMNS);
    let mut candidates: Vec<usize> = singles.iter().map(|s| s.1).collect();
    candidates.sort_unstable();
    let data: Vec<Vec<f64>> = candidates.iter().map(|&c| column(c)).collect();
    let spread: Vec<f64> = data.iter().map(|x| std_dev(x)).collect();
    // Terms as (candidate, subtracted), in the order chosen; the first is
    // added. The total adds every added term first, as [`values`] does.
    let balanced = |terms: &[(usize, bool)]| -> bool {
        let (lo, hi) = terms
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(lo, hi), &(t, _)| {
                (lo.min(spread[t]), hi.max(spread[t]))
            });
        lo >= MIN_SPREAD * hi
    };
    let impurity_of = |terms: &[(usize, bool)]| -> Option<f64> {
        if !balanced(terms) {
            return None;
        }
        let mut sum = data[terms[0].0].clone();
        let rest = terms[1..]
            .iter()
            .filter(|t| !t.1)
            .chain(terms.iter().filter(|t| t.1));
        for &(t, subtract) in rest {
            for (s, &x) in sum.iter_mut().zip(&data[t]) {
                if subtract {
                    *s -= x;
                } else {
                    *s += x;
                }
            }
        }
        best_cut(&sum, &y, n_classes)
    };
    // The best sum whose terms may take the signs `signs` (`false`: added):
    // every pair, then one term more while it earns its place.
    let grow = |signs: &[bool]| -> Option<(f64, Vec<(usize, bool)>)> {
        let pairs: Vec<Vec<(usize, bool)>> = (0..candidates.len())
            .flat_map(|a| (a + 1..candidates.len()).map(move |b| (a, b)))
            .flat_map(|(a, b)| signs.iter().map(move |&s| vec![(a, false), (b, s)]))
            .collect();
        let (mut best, mut chosen) = pairs
            .par_iter()
            .filter_map(|terms| impurity_of(terms).map(|g| (g, terms.clone())))
            .collect::<Vec<_>>()
            .into_iter()
            .min_by(|x, y| x.0.total_cmp(&y.0).then_with(|| x.1.cmp(&y.1)))?;
        while chosen.len() < MAX_TERMS.min(candidates.len()) {
            let step = (0..candidates.len())
                .filter(|t| !chosen.iter().any(|c| c.0 == *t))
                .flat_map(|t| signs.iter().map(move |&s| (t, s)))
                .filter_map(|term| {
                    let mut terms = chosen.clone();
                    terms.push(term);
                    impurity_of(&terms).map(|g| (g, terms))
                })
                .min_by(|x, y| x.0.total_cmp(&y.0).then_with(|| x.1.cmp(&y.1)));
            match step {
                Some((g, terms))
                    if g < best * (1.0 - MIN_STEP)
                        && (best - g) * y.len() as f64 >= MIN_STEP_ROWS =>
                {
                    best = g;
                    chosen = terms;
                }
                _ => break,
            }
        }
        Some((best, chosen))
    };
    // The best plain sum and the best that subtracts, each kept when it
    // beats every single column by `MIN_GAIN`.
    let plain = grow(&[false]);
    let signed = grow(&[false, true]).filter(|(_, terms)| terms.iter().any(|t| t.1));
    [plain, signed]
        .into_iter()
        .flatten()
        .filter(|(g, _)| *g < best_single * (1.0 - MIN_GAIN))
        .map(|(_, chosen)| {
            let side = |subtract: bool| {
                chosen
                    .iter()
                    .filter(|t| t.1 == subtract)
                    .map(|t| candidates[t.0])
                    .collect()
            };
            Terms {
                plus: side(false),
                minus: side(true),
            }
        })
        .collect()
}

/// The standard deviation of the values that are not missing (0 for
/// fewer than two).
fn std_dev(x: &[f64]) -> f64 {
    let present: Vec<f64> = x.iter().copied().filter(|v| !v.is_nan()).collect();
    if present.len() < 2 {
        return 0.0;
    }
    let n = present.len() as f64;
    let mean = present.iter().sum::<f64>() / n;
    (present.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0)).sqrt()
}

/// The weighted Gini impurity of the best single cut `x < t` of `x`, the
/// rows whose `x` is missing (NaN) a group of their own; `None` when no cut
/// exists (fewer than two distinct values).
fn best_cut(x: &[f64], y: &[u32], n_classes: usize) -> Option<f64> {
    let mut present: Vec<(f64, u32)> = Vec::with_capacity(x.len());
    let mut missing = vec![0usize; n_classes];
    for (&v, &label) in x.iter().zip(y) {
        if v.is_nan() {
            missing[label as usize] += 1;
        } else {
            present.push((v, label));
        }
    }
    present.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = x.len() as f64;
    let n_missing: usize = missing.iter().sum();
    let gini_part = |counts: &[usize], total: usize| -> f64 {
        // total × impurity: total − Σ c² / total.
        if total == 0 {
            return 0.0;
        }
        let sq: f64 = counts.iter().map(|&c| (c * c) as f64).sum();
        total as f64 - sq / total as f64
    };
    let missing_part = gini_part(&missing, n_missing);
    let mut right = vec![0usize; n_classes];
    for &(_, label) in &present {
        right[label as usize] += 1;
    }
    let mut left = vec![0usize; n_classes];
    let (mut sq_left, mut sq_right) = (0.0f64, right.iter().map(|&c| (c * c) as f64).sum::<f64>());
    let m = present.len();
    let mut best: Option<f64> = None;
    for i in 0..m.saturating_sub(1) {
        let label = present[i].1 as usize;
        sq_left += (2 * left[label] + 1) as f64;
        left[label] += 1;
        sq_right -= (2 * right[label] - 1) as f64;
        right[label] -= 1;
        if present[i].0 == present[i + 1].0 {
            continue;
        }
        let (nl, nr) = ((i + 1) as f64, (m - i - 1) as f64);
        let g = (nl - sq_left / nl + nr - sq_right / nr + missing_part) / n;
        if best.is_none_or(|b| g < b) {
            best = Some(g);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{Column, TargetData};

    /// `n` rows of numeric columns `a`, `b`, `c` (seeded uniform on 0..10)
    /// and a class that is 1 exactly where `label(a, b, c)`.
    fn table(n: usize, label: fn(f64, f64, f64) -> bool) -> Table {
        let mut rng = rulec_datasets::Rng::derive(7, 1);
        let rows: Vec<[f64; 3]> = (0..n)
            .map(|_| [rng.f64() * 10.0, rng.f64() * 10.0, rng.f64() * 10.0])
            .collect();
        let column = |i: usize, name: &str| Column {
            name: name.into(),
            data: ColumnData::Numeric(rows.iter().map(|r| r[i]).collect()),
        };
        Table::new(
            vec![column(0, "a"), column(1, "b"), column(2, "c")],
            "y".into(),
            TargetData::Classes {
                names: vec!["no".into(), "yes".into()],
                labels: rows
                    .iter()
                    .map(|r| u32::from(label(r[0], r[1], r[2])))
                    .collect(),
                logged: None,
            },
        )
    }

    #[test]
    fn a_margin_is_found_as_a_difference_of_two_columns_and_no_more() {
        let t = table(1000, |a, b, _| a - b > 1.0);
        let rows: Vec<usize> = (0..1000).collect();
        let found = search(&t, &rows, &[], 0);
        let [terms] = found.as_slice() else {
            panic!("one sum: {found:?}");
        };
        assert_eq!(
            *terms,
            Terms {
                plus: vec![0],
                minus: vec![1]
            }
        );
        assert_eq!(terms.describe(&t), "a - b");
        // Added, then subtracted, row by row.
        let col = |i: usize| match &t.columns()[i].data {
            ColumnData::Numeric(v) => v.clone(),
            _ => unreachable!(),
        };
        let (a, b) = (col(0), col(1));
        assert!(values(&t, terms)
            .iter()
            .enumerate()
            .all(|(r, v)| *v == a[r] - b[r]));
        // A forbidden term is never in it; on labels no sum explains,
        // nothing is offered.
        assert!(search(&t, &rows, &[1], 0).is_empty());
        let one = table(1000, |a, _, _| a > 5.0);
        assert!(search(&one, &rows, &[], 0).is_empty());
    }

    #[test]
    fn a_total_stays_a_plain_sum() {
        let t = table(1000, |a, b, c| a + b + c > 15.0);
        let rows: Vec<usize> = (0..1000).collect();
        let found = search(&t, &rows, &[], 0);
        // One sum: every column added, in the order the search took them;
        // no sum that subtracts comes near it.
        let [terms] = found.as_slice() else {
            panic!("one sum: {found:?}");
        };
        let mut plus = terms.plus.clone();
        plus.sort_unstable();
        assert_eq!((plus, terms.minus.len()), (vec![0, 1, 2], 0));
    }

    #[test]
    fn a_total_and_a_margin_that_both_tell_are_both_offered() {
        // Yes where the total of a and b is high and a exceeds c: the best
        // plain sum (the total) and the best sum that subtracts (one that
        // leans on both conditions) each cut far better than any column
        // alone, and the trees get both, the plain sum first.
        let t = table(2000, |a, b, c| a + b > 10.0 && a - c > 0.0);
        let rows: Vec<usize> = (0..2000).collect();
        let found = search(&t, &rows, &[], 0);
        let described: Vec<String> = found.iter().map(|terms| terms.describe(&t)).collect();
        assert_eq!(described, ["a + b", "a + b - c"], "{found:?}");
    }

    #[test]
    fn best_cut_is_the_weighted_gini_of_the_best_split() {
        // 0 0 | 1 1: a pure cut.
        assert_eq!(best_cut(&[1.0, 2.0, 3.0, 4.0], &[0, 0, 1, 1], 2), Some(0.0));
        // Ties cannot be split: one distinct value, no cut.
        assert_eq!(best_cut(&[1.0, 1.0], &[0, 1], 2), None);
        // 0 | 1 0 1 with a missing 1: (0 + 3 × (1 − 5/9) + 0) / 5.
        let g = best_cut(&[1.0, 2.0, 3.0, 4.0, f64::NAN], &[0, 1, 0, 1, 1], 2).unwrap();
        let by_hand = [
            // cut after 1: left {0}, right {1, 0, 1}
            (3.0 - 5.0 / 3.0) / 5.0,
            // cut after 2: left {0, 1}, right {0, 1}
            (1.0 + 1.0) / 5.0,
            // cut after 3: left {0, 1, 0}, right {1}
            (3.0 - 5.0 / 3.0) / 5.0,
        ];
        let expected = by_hand.iter().cloned().fold(f64::INFINITY, f64::min);
        assert!((g - expected).abs() < 1e-12, "{g} {expected}");
    }
}
