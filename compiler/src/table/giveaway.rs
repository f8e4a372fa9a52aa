//! A column that gives the target away on its own: one cut of a number (its
//! missing values a side of their own), or the values of a column of few
//! categories (or, for three classes or more, of few numbers), that sorts
//! nearly every training row into its class. Such a
//! column is often a leak (recorded after the outcome, or computed from
//! it), and rules on it hold only as long as it is known when the decision
//! is made, which the user must say. Read on training rows only, as a note:
//! nothing is changed.

use super::{ColumnData, Table, MISSING_CODE};

/// Training rows read at most (evenly spaced): the share of rows one cut
/// sorts right needs no more to be told from 99.5 %.
const MAX_ROWS: usize = 50_000;

/// A column of more categories than this sorts rows by memory, not by a
/// rule: it is not read here.
const MAX_LEVELS: usize = 32;

/// The share of rows a column must sort right to be named.
const SHARE: f64 = 0.995;

/// Training rows outside the commonest class a table needs before a
/// column is named: on a handful of rows, a column sorts them all by
/// chance.
const MIN_OTHERS: usize = 30;

impl Table {
    /// A note for each feature column (not in `skip`) that alone sorts at
    /// least 99.5 % of the training rows `rows` into their classes, where
    /// the commonest class is under 99 % of them and at least 30 rows are
    /// of other classes: `column `x` alone gives
    /// the target away ...`. None for a numeric target.
    pub(crate) fn giveaway_notes(&self, rows: &[usize], skip: &[String]) -> Vec<String> {
        let labels = self.labels();
        let k = self.classes().len();
        if labels.is_empty() || k < 2 || rows.is_empty() {
            return Vec::new();
        }
        let step = rows.len().div_ceil(MAX_ROWS);
        let rows: Vec<usize> = rows.iter().step_by(step).copied().collect();
        let n = rows.len();
        let mut counts = vec![0usize; k];
        for &i in &rows {
            counts[labels[i] as usize] += 1;
        }
        let commonest = counts.iter().copied().max().unwrap_or(0);
        if commonest as f64 >= 0.99 * n as f64 || n - commonest < MIN_OTHERS {
            return Vec::new();
        }
        let mut notes = Vec::new();
        for col in self.columns() {
            if skip.contains(&col.name) {
                continue;
            }
            let Some((right, how)) = sorted_right(&col.data, &rows, labels, k) else {
                continue;
            };
            let share = right as f64 / n as f64;
            if share >= SHARE {
                notes.push(format!(
                    "{} on the training rows: {how} sorts {:.1} % of them into their classes, where the commonest class is {:.1} %. If it is recorded after the outcome, or computed from it, rules on it will not hold on new rows (leave it out with --forbid {}); if it is known when the decision is made, they stand",
                    rulec_codegen::book::giveaway_prefix(&col.name),
                    100.0 * share,
                    100.0 * commonest as f64 / n as f64,
                    crate::table::shell_word(&col.name),
                ));
            }
        }
        notes
    }
}

/// How many of `rows` the best use of one column sorts into their class,
/// and what that use is in words; `None` for a column of many categories.
fn sorted_right(
    data: &ColumnData,
    rows: &[usize],
    labels: &[u32],
    k: usize,
) -> Option<(usize, &'static str)> {
    // Each group's rows go to its commonest class.
    let grouped = |group: &dyn Fn(usize) -> usize, groups: usize| {
        let mut counts = vec![0usize; groups * k];
        for &i in rows {
            counts[group(i) * k + labels[i] as usize] += 1;
        }
        counts
            .chunks(k)
            .map(|c| c.iter().copied().max().unwrap_or(0))
            .sum::<usize>()
    };
    match data {
        ColumnData::Boolean(v) => Some((
            grouped(&|i| v[i].map_or(2, usize::from), 3),
            "its value (true, false or missing)",
        )),
        ColumnData::Categorical { codes, levels } => {
            if levels.len() > MAX_LEVELS {
                return None;
            }
            let missing = levels.len();
            let group = |i: usize| {
                let c = codes[i];
                if c == MISSING_CODE || c as usize >= levels.len() {
                    missing
                } else {
                    c as usize
                }
            };
            Some((
                grouped(&group, levels.len() + 1),
                "its category (or its being missing)",
            ))
        }
        ColumnData::Numeric(v) => {
            let cut = best_cut(v, rows, labels, k);
            // A column of a few numbers (codes) may give away a target of
            // three classes or more, which one cut cannot: each value its
            // own group, as a column of categories.
            let mut values: Vec<u64> = rows
                .iter()
                .filter(|&&i| !v[i].is_nan())
                .map(|&i| (v[i] + 0.0).to_bits())
                .collect();
            values.sort_unstable();
            values.dedup();
            if values.len() <= MAX_LEVELS && k > 2 {
                let missing = values.len();
                let group = |i: usize| {
                    if v[i].is_nan() {
                        missing
                    } else {
                        values
                            .binary_search(&(v[i] + 0.0).to_bits())
                            .unwrap_or(missing)
                    }
                };
                let by_value = grouped(&group, values.len() + 1);
                if by_value > cut {
                    return Some((by_value, "its value (or its being missing)"));
                }
            }
            Some((
                cut,
                "one cut of it (its missing values a side of their own)",
            ))
        }
    }
}

/// The most of `rows` one threshold on `v` sorts right (each side to its
/// commonest class), the missing values a third side.
fn best_cut(v: &[f64], rows: &[usize], labels: &[u32], k: usize) -> usize {
    let mut missing = vec![0usize; k];
    let mut present: Vec<(f64, u32)> = Vec::with_capacity(rows.len());
    for &i in rows {
        if v[i].is_nan() {
            missing[labels[i] as usize] += 1;
        } else {
            present.push((v[i], labels[i]));
        }
    }
    let missing_right = missing.iter().copied().max().unwrap_or(0);
    present.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut right_side = vec![0usize; k];
    for &(_, y) in &present {
        right_side[y as usize] += 1;
    }
    let mut left_side = vec![0usize; k];
    let max = |c: &[usize]| c.iter().copied().max().unwrap_or(0);
    // No cut: every present row on one side.
    let mut best = max(&right_side);
    for j in 0..present.len() {
        let y = present[j].1 as usize;
        left_side[y] += 1;
        right_side[y] -= 1;
        // A cut only between different values.
        if j + 1 < present.len() && present[j + 1].0 > present[j].0 {
            best = best.max(max(&left_side) + max(&right_side));
        }
    }
    best + missing_right
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_cut_and_missing_values_are_read_as_the_rules_would() {
        let labels = [0u32, 0, 0, 1, 1, 1, 0, 1];
        let rows: Vec<usize> = (0..8).collect();
        // A cut at 3.5 sorts every row but the last two, missing ones right.
        let v = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, f64::NAN, f64::NAN];
        assert_eq!(best_cut(&v, &rows, &labels, 2), 7);
        // Without a cut between equal values: all 1.0, the commonest wins.
        let same = [1.0; 8];
        assert_eq!(best_cut(&same, &rows, &labels, 2), 4);
        let codes = ColumnData::Categorical {
            codes: vec![0, 0, 0, 1, 1, 1, MISSING_CODE, 1],
            levels: vec!["a".into(), "b".into()],
        };
        assert_eq!(
            sorted_right(&codes, &rows, &labels, 2).map(|r| r.0),
            Some(8)
        );
        let many = ColumnData::Categorical {
            codes: (0..8).collect(),
            levels: (0..40).map(|i| i.to_string()).collect(),
        };
        assert_eq!(sorted_right(&many, &rows, &labels, 2), None);
        // Three classes coded by three numbers out of order: no one cut
        // sorts them, each value does.
        let three = [2u32, 0, 1, 2, 0, 1, 2, 0];
        let codes = ColumnData::Numeric(vec![2.75, 1.5, 0.25, 2.75, 1.5, 0.25, 2.75, 1.5]);
        assert_eq!(
            sorted_right(&codes, &rows, &three, 3),
            Some((8, "its value (or its being missing)"))
        );
        assert_eq!(
            best_cut(
                &[2.75, 1.5, 0.25, 2.75, 1.5, 0.25, 2.75, 1.5],
                &rows,
                &three,
                3
            ),
            6
        );
    }
}
