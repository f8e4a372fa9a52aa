//! Synthetic rows for the teacher to label (`--synthetic N`): the tree
//! learner then sees the teacher's judgement where real rows are sparse.
//!
//! Rows are made the way MUNGE does it (Buciluǎ, Caruana and
//! Niculescu-Mizil, *Model compression*, KDD 2006): take a real training
//! row, find a near neighbour among a few other training rows, and for each
//! feature, with probability one half, move towards the neighbour: a number
//! is drawn from a normal centred on the neighbour's value with a spread of
//! half their distance (clamped to the range seen on training rows); a
//! category, a boolean or a missing value is taken from the neighbour. So a
//! synthetic value always lies within the feature's observed range and
//! categories.
//!
//! Synthetic rows are a table of their own, made after the split from the
//! training rows and never joined to the real table: they are in no split,
//! so they are never validation or test evidence. Their only label is the
//! teacher's.

use rulec_datasets::Rng;

use crate::table::{Column, ColumnData, Table};

/// Training rows compared to find a row's neighbour.
const NEIGHBOUR_CANDIDATES: usize = 24;
/// Probability that a feature moves towards the neighbour.
const SWAP: f64 = 0.5;
/// Spread of a perturbed number, as a share of the distance to the neighbour.
const SPREAD: f64 = 0.5;

/// A table of `n` synthetic rows made from the `train` rows of `table`,
/// with its columns (names, types and category levels); empty when `n` is
/// 0 or there are no training rows. It has no target (its only labels are
/// the teacher's), no split and no logged decisions.
pub fn augment(table: &Table, train: &[usize], n: usize, seed: u64) -> Table {
    let n = if train.is_empty() { 0 } else { n };
    let scales = scales(table, train);
    let mut rng = Rng::derive(seed, 0x5359_4e54);
    let mut pairs = Vec::with_capacity(n);
    for _ in 0..n {
        let base = train[rng.below(train.len())];
        let mut best = (f64::INFINITY, base);
        for _ in 0..NEIGHBOUR_CANDIDATES.min(train.len()) {
            let other = train[rng.below(train.len())];
            if other == base {
                continue;
            }
            let d = distance(table, &scales, base, other);
            if d < best.0 {
                best = (d, other);
            }
        }
        pairs.push((base, best.1));
    }
    let columns = table
        .columns()
        .iter()
        .enumerate()
        .map(|(j, col)| {
            let mut col_rng = Rng::derive(seed, 0x1000 + j as u64);
            let data = match &col.data {
                ColumnData::Numeric(v) => {
                    let (lo, hi, _) = scales[j];
                    ColumnData::Numeric(
                        pairs
                            .iter()
                            .map(|&(a, b)| {
                                let (x, y) = (v[a], v[b]);
                                if col_rng.f64() >= SWAP {
                                    x
                                } else if x.is_finite() && y.is_finite() {
                                    let sd = (x - y).abs() * SPREAD;
                                    (y + sd * col_rng.normal()).clamp(lo.min(hi), hi.max(lo))
                                } else {
                                    y
                                }
                            })
                            .collect(),
                    )
                }
                ColumnData::Boolean(v) => ColumnData::Boolean(
                    pairs
                        .iter()
                        .map(|&(a, b)| v[if col_rng.f64() < SWAP { b } else { a }])
                        .collect(),
                ),
                ColumnData::Categorical { codes, levels } => ColumnData::Categorical {
                    codes: pairs
                        .iter()
                        .map(|&(a, b)| codes[if col_rng.f64() < SWAP { b } else { a }])
                        .collect(),
                    levels: levels.clone(),
                },
            };
            Column {
                name: col.name.clone(),
                data,
            }
        })
        .collect();
    Table::features_only(columns, table.target_name().to_string())
}

/// Per numeric column: the smallest and largest finite training value and
/// the standard deviation (for distances); zeros for other columns.
fn scales(table: &Table, train: &[usize]) -> Vec<(f64, f64, f64)> {
    table
        .columns()
        .iter()
        .map(|col| match &col.data {
            ColumnData::Numeric(v) => {
                let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
                let (mut n, mut sum, mut sq) = (0f64, 0f64, 0f64);
                for &r in train {
                    let x = v[r];
                    if x.is_finite() {
                        lo = lo.min(x);
                        hi = hi.max(x);
                        n += 1.0;
                        sum += x;
                        sq += x * x;
                    }
                }
                if n == 0.0 {
                    return (0.0, 0.0, 0.0);
                }
                let mean = sum / n;
                let sd = (sq / n - mean * mean).max(0.0).sqrt();
                (lo, hi, sd)
            }
            _ => (0.0, 0.0, 0.0),
        })
        .collect()
}

/// Distance between two rows: squared standardised differences of numbers,
/// one for each other feature that differs (missing differs from present).
fn distance(table: &Table, scales: &[(f64, f64, f64)], a: usize, b: usize) -> f64 {
    table
        .columns()
        .iter()
        .zip(scales)
        .map(|(col, &(_, _, sd))| match &col.data {
            ColumnData::Numeric(v) => {
                let (x, y) = (v[a], v[b]);
                if x.is_finite() && y.is_finite() {
                    if sd > 0.0 {
                        ((x - y) / sd).powi(2)
                    } else {
                        0.0
                    }
                } else if x.is_nan() != y.is_nan() || x != y {
                    1.0
                } else {
                    0.0
                }
            }
            ColumnData::Boolean(v) => f64::from(u8::from(v[a] != v[b])),
            ColumnData::Categorical { codes, .. } => f64::from(u8::from(codes[a] != codes[b])),
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{TargetData, MISSING_CODE};

    fn table(n: usize) -> Table {
        let mut rng = Rng::new(5);
        Table::new(
            vec![
                Column {
                    name: "x".into(),
                    data: ColumnData::Numeric(
                        (0..n)
                            .map(|i| {
                                if i % 7 == 0 {
                                    f64::NAN
                                } else {
                                    10.0 + rng.f64() * 5.0
                                }
                            })
                            .collect(),
                    ),
                },
                Column {
                    name: "c".into(),
                    data: ColumnData::Categorical {
                        codes: (0..n)
                            .map(|i| {
                                if i % 5 == 0 {
                                    MISSING_CODE
                                } else {
                                    (i % 3) as u32
                                }
                            })
                            .collect(),
                        levels: vec!["a".into(), "b".into(), "c".into()],
                    },
                },
                Column {
                    name: "f".into(),
                    data: ColumnData::Boolean((0..n).map(|i| Some(i % 2 == 0)).collect()),
                },
            ],
            "y".into(),
            TargetData::Classes {
                names: vec!["A".into(), "B".into()],
                labels: (0..n).map(|i| (i % 2) as u32).collect(),
                logged: None,
            },
        )
    }

    #[test]
    fn synthetic_rows_are_a_table_of_their_own_within_what_training_rows_show_and_seeded() {
        let t = table(200);
        let train: Vec<usize> = (0..100).collect();
        let synthetic = augment(&t, &train, 500, 9);
        assert_eq!(synthetic.n_rows(), 500);
        assert!(synthetic.target().is_none() && synthetic.split().is_none());
        assert_eq!(synthetic.target_name(), t.target_name());
        let names = |t: &Table| {
            t.columns()
                .iter()
                .map(|c| c.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&synthetic), names(&t));
        assert!(synthetic.columns().iter().all(|c| c.data.len() == 500));
        let (ColumnData::Numeric(real), ColumnData::Numeric(x)) =
            (&t.columns()[0].data, &synthetic.columns()[0].data)
        else {
            unreachable!()
        };
        let (lo, hi) = train
            .iter()
            .map(|&r| real[r])
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
        for &v in x {
            assert!(
                v.is_nan() || (lo..=hi).contains(&v),
                "{v} outside [{lo}, {hi}]"
            );
        }
        // Some numbers are new values, not copies.
        assert!(x.iter().any(|v| !real[..100].contains(v)));
        // Categories keep the real table's levels.
        let ColumnData::Categorical { levels, .. } = &synthetic.columns()[1].data else {
            unreachable!()
        };
        assert_eq!(levels.len(), 3);
        // The same seed, the same rows; the real table is left alone.
        let again = augment(&t, &train, 500, 9);
        assert_eq!(
            format!("{:?}", again.columns()),
            format!("{:?}", synthetic.columns())
        );
        assert_eq!(
            format!("{:?}", t.columns()),
            format!("{:?}", table(200).columns())
        );
        assert_eq!(augment(&t, &[], 500, 9).n_rows(), 0);
        assert_eq!(augment(&t, &train, 0, 9).n_rows(), 0);
    }
}
