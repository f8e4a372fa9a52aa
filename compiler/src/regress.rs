//! Numeric targets: rules that predict a value, each decision counted right
//! when it lies within `--tolerance` of the true value.
//!
//! The stages are those of classification with one change of meaning:
//! "precision" is the share of covered rows predicted within the tolerance,
//! and everything downstream (the greedy order, the fixed-sequence
//! certification, compaction, the rule book, the generated crate) works on
//! that. The teacher is a regression forest (the tree learner's Newton
//! criterion on the squared loss, i.e. variance reduction) or a column of
//! logged predictions; candidates are the leaves of regression trees fitted
//! on the teacher's predictions and on the true values, each predicting the
//! roundest number within a quarter tolerance of its leaf's mean.
//!
//! This module holds what is numeric about the teacher and the candidates;
//! the stages are the class pipeline's (`pipeline`), and how a decision is
//! scored within the tolerance is `pipeline::scoring::Scoring::Within`.

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;
use rulec_datasets::Rng;
use rulec_runtime::dsl::print_number;
use rulec_runtime::ir::Rule;

use crate::error::Error;
use crate::propose;
use crate::split::Splits;
use crate::table::Table;
use crate::teach::{Origin, Tick};
use crate::tree::{self, nice_between, Binned, Criterion, Node, Targets, Tree, TreeParams};

/// Row-major `[gradient, hessian]` targets for fitting `values` by squared
/// loss from zero: a leaf's Newton step is then the mean of its values.
fn squared_loss_targets(values: &[f64]) -> Vec<f32> {
    values.iter().flat_map(|&y| [-y as f32, 1.0]).collect()
}

/// A target's values as the trees fit them: centred on their median over
/// the rows the trees are fitted on, in units of their spread there (the
/// median absolute deviation, scaled to a normal's standard deviation;
/// the standard deviation where half the values or more are one value). A
/// split's gain then does not depend on the target's unit: the trees stop
/// at gains under 1e-9, which values near 1e-12 never reach, and `f32`
/// targets keep their digits whatever the offset. The median and its
/// deviation, not the mean and the standard deviation, because one
/// sentinel value (a price of 999999999 among prices near 100) made the
/// standard deviation so large that no split among the other rows gained
/// 1e-9, and the forest predicted one value for all of them.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Scale {
    centre: f64,
    unit: f64,
}

/// How many deviations from the median a value is fitted at, at most
/// ([`Scale::targets`]).
const LIMIT: f64 = 1e4;

impl Scale {
    fn of(values: &[f64], rows: &[usize]) -> Scale {
        let finite = || rows.iter().map(|&r| values[r]).filter(|v| v.is_finite());
        if finite().next().is_none() {
            return Scale {
                centre: 0.0,
                unit: 1.0,
            };
        }
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            let m = v.len() / 2;
            if v.len() % 2 == 1 {
                v[m]
            } else {
                0.5 * (v[m - 1] + v[m])
            }
        };
        let centre = median(finite().collect());
        let mad = 1.4826 * median(finite().map(|v| (v - centre).abs()).collect());
        // Where half the values or more are the median itself, the
        // deviation of the others: still robust to one sentinel.
        let others: Vec<f64> = finite()
            .filter(|&v| v != centre)
            .map(|v| (v - centre).abs())
            .collect();
        let unit = if mad.is_finite() && mad > 0.0 {
            mad
        } else if others.is_empty() {
            1.0
        } else {
            1.4826 * median(others)
        };
        Scale {
            centre: if centre.is_finite() { centre } else { 0.0 },
            unit: if unit.is_finite() && unit > 0.0 {
                unit
            } else {
                1.0
            },
        }
    }

    /// The trees' targets for `values`, on this scale.
    fn targets(self, values: &[f64]) -> Vec<f32> {
        // At most 10,000 deviations from the median: a value further out
        // (a sentinel, 999999999 among prices near 100) is far out either
        // way, and fitted as that far it left the trees blind to the other
        // rows (a forest 40 % right where it was 99 %: measured on a table
        // whose prices are mostly one value); 1e150 made a leaf infinite.
        let scaled: Vec<f64> = values
            .iter()
            .map(|&y| ((y - self.centre) / self.unit).clamp(-LIMIT, LIMIT))
            .collect();
        squared_loss_targets(&scaled)
    }

    /// A value the trees fitted, back in the target's unit.
    fn value(self, fitted: f64) -> f64 {
        self.centre + self.unit * fitted
    }
}

fn leaf_mean(tree: &Tree, leaf: usize) -> f64 {
    match &tree.nodes[leaf] {
        Node::Leaf { counts } if counts.len() == 2 && counts[1] > 0.0 => -counts[0] / counts[1],
        _ => 0.0,
    }
}

// Squared-loss gradients are on the scale of the values, not of a
// chi-square: no charge for category sets.
const REGRESSION: Criterion = Criterion::Newton {
    lambda: 1e-9,
    charge_categories: false,
};

/// A regression forest: bootstrap samples, a third of the features (at
/// least three) per split, depth 20, leaves of at least 5 rows.
#[derive(Clone, Copy, Debug)]
pub struct RegressionForest {
    /// Number of trees.
    pub n_trees: usize,
    /// Rows of each bootstrap sample, at most (`--tree-rows`; 0: as many as
    /// there are training rows).
    pub tree_rows: usize,
    /// Seed.
    pub seed: u64,
}

impl RegressionForest {
    /// Fits on the training rows of `table`, learning `values` (one per
    /// row of the table).
    pub fn fit(
        &self,
        table: &Table,
        binned: &Binned,
        splits: &Splits,
        values: &[f64],
        tick: Tick<'_>,
    ) -> FittedRegressionForest {
        let n = table.n_rows();
        let train = &splits.train;
        let draws = bootstrap_draws(train.len(), self.tree_rows);
        let scale = Scale::of(values, train);
        let targets = scale.targets(values);
        // A third of the features per split, as R's randomForest takes for
        // regression, but at least three (every one of fewer): with two or
        // three columns a third is one, and a tree then splits on a column
        // drawn at random, however little it says (a planted step function
        // beside one noise column came out as 9 rules where its class
        // version gave 3).
        let p = table.columns().len();
        let max_features = p.div_ceil(3).max(p.min(3)).max(1);
        let done = AtomicU64::new(0);
        let fitted: Vec<(Tree, Vec<bool>)> = (0..self.n_trees)
            .into_par_iter()
            .map(|t| {
                let mut rng = Rng::derive(self.seed, 2000 + t as u64);
                let mut in_bag = vec![false; n];
                let sample: Vec<u32> = (0..draws)
                    .map(|_| {
                        let r = train[rng.below(train.len())];
                        in_bag[r] = true;
                        r as u32
                    })
                    .collect();
                let params = TreeParams {
                    max_depth: 20,
                    min_samples_leaf: 5,
                    min_gain: 0.0,
                    max_features: Some(max_features),
                    seed: rng.next_u64(),
                    criterion: REGRESSION,
                };
                let tree = tree::fit(binned, sample, Targets::Soft(&targets), 2, &params);
                let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                tick("teach: forest trees", d, self.n_trees as u64);
                (tree, in_bag)
            })
            .collect();
        FittedRegressionForest {
            fitted,
            n_rows: n,
            scale,
        }
    }
}

/// A fitted regression forest: its trees, each with the rows of the fitted
/// table in its bootstrap sample.
pub struct FittedRegressionForest {
    fitted: Vec<(Tree, Vec<bool>)>,
    n_rows: usize,
    scale: Scale,
}

impl FittedRegressionForest {
    /// Predictions for every row of `binned` (a table's features in the
    /// training rows' bins), and the comparisons the forest makes per row.
    /// On the table it was fitted on ([`Origin::Fitted`]) a training row is
    /// predicted by the trees whose sample left it out (every tree when
    /// none did); on another table every tree predicts.
    pub fn predict(
        &self,
        binned: &Binned,
        origin: Origin,
        tick: Tick<'_>,
    ) -> Result<(Vec<f64>, Vec<u32>), Error> {
        let n = binned.n_rows();
        if origin == Origin::Fitted && n != self.n_rows {
            return Err(Error::Params(format!(
                "internal: a regression forest fitted on {} rows was asked to predict them with {n} rows",
                self.n_rows
            )));
        }
        let (fitted, scale) = (&self.fitted, self.scale);
        let predicted = AtomicU64::new(0);
        Ok((0..n)
            .into_par_iter()
            .map(|row| {
                let d = predicted.fetch_add(1, Ordering::Relaxed) + 1;
                if d.is_multiple_of(65_536) || d == n as u64 {
                    tick("teach: predicting rows", d, n as u64);
                }
                let (mut oob, mut n_oob, mut all, mut cmp) = (0.0, 0u32, 0.0, 0u32);
                for (tree, in_bag) in fitted {
                    let (leaf, depth) = tree.leaf_and_depth(binned, row);
                    let v = leaf_mean(tree, leaf);
                    cmp += depth;
                    all += v;
                    if !(origin == Origin::Fitted && in_bag[row]) {
                        oob += v;
                        n_oob += 1;
                    }
                }
                let pred = if n_oob > 0 {
                    oob / f64::from(n_oob)
                } else {
                    all / fitted.len().max(1) as f64
                };
                (scale.value(pred), cmp)
            })
            .unzip())
    }
}

/// Rows drawn for each bootstrap sample of `train` rows with `--tree-rows`
/// at `tree_rows` (0: no limit).
pub fn bootstrap_draws(train: usize, tree_rows: usize) -> usize {
    match tree_rows {
        0 => train,
        cap => cap.min(train),
    }
}

/// What shapes the candidate pool.
#[derive(Clone, Copy, Debug)]
pub struct PoolSpec {
    /// A decision is right within this distance of the true value.
    pub tolerance: f64,
    /// Deepest tree (most conditions per rule).
    pub max_depth: usize,
    /// Fewest training rows in a leaf.
    pub min_leaf: usize,
    /// Rows the trees learn from, at most (`--tree-rows`; 0: every fit
    /// row): past it, a seeded sample of the fit rows.
    pub max_rows: usize,
    /// Seed of that sample.
    pub seed: u64,
}

/// Candidate rules: leaves of regression trees of several depths on the
/// teacher's predictions and on the true values of `fit_rows`.
pub fn pool(
    table: &Table,
    binned: &Binned,
    fit_rows: &[usize],
    teacher: &[f64],
    truth: &[f64],
    spec: PoolSpec,
) -> Vec<Rule> {
    let PoolSpec {
        tolerance,
        max_depth,
        min_leaf,
        max_rows,
        seed,
    } = spec;
    let mut depths: Vec<usize> = [2, 3, 4, 6, max_depth]
        .into_iter()
        .filter(|&d| d <= max_depth)
        .collect();
    depths.dedup();
    let mut rows: Vec<u32> = fit_rows.iter().map(|&r| r as u32).collect();
    if max_rows > 0 && rows.len() > max_rows {
        // As the class pool does (`propose::pool`): past this many rows a
        // depth-limited tree barely changes.
        let mut rng = Rng::derive(seed, 6000);
        rng.shuffle(&mut rows);
        rows.truncate(max_rows);
        rows.sort_unstable();
    }
    let mut out: Vec<Rule> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (values, origin) in [
        (teacher, "regression tree on the teacher's predictions"),
        (truth, "regression tree on the true values"),
    ] {
        let fit: Vec<usize> = rows.iter().map(|&r| r as usize).collect();
        let scale = Scale::of(values, &fit);
        let targets = scale.targets(values);
        for &depth in &depths {
            let params = TreeParams {
                max_depth: depth,
                min_samples_leaf: min_leaf,
                min_gain: 0.0,
                max_features: None,
                seed: 0,
                criterion: REGRESSION,
            };
            let tree = tree::fit(binned, rows.clone(), Targets::Soft(&targets), 2, &params);
            for (leaf, path) in tree.leaf_paths() {
                let mean = scale.value(leaf_mean(&tree, leaf));
                // The roundest number within a quarter tolerance of the
                // mean, the nearest to it among equally round ones.
                let value = roundest_near(mean, tolerance / 4.0);
                let Some(conditions) = propose::path_conditions(&tree, table, binned, &path) else {
                    continue;
                };
                let rule = Rule {
                    name: String::new(),
                    conditions,
                    decision: print_number(value),
                    origin: Some(origin.to_string()),
                    evidence: None,
                };
                let key = format!(
                    "{}\u{0}{}",
                    rulec_runtime::dsl::print_conditions(&rule.conditions),
                    rule.decision
                );
                if seen.insert(key) {
                    out.push(rule);
                }
            }
        }
    }
    out
}

/// The distinct decisions of `rules`, in increasing numeric order: the
/// "classes" of a numeric target.
pub fn decision_values(rules: &[Rule]) -> Vec<String> {
    let mut values: Vec<(f64, String)> = rules
        .iter()
        .map(|r| {
            (
                r.decision.parse::<f64>().unwrap_or(f64::NAN),
                r.decision.clone(),
            )
        })
        .collect();
    values.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    values.dedup_by(|a, b| a.1 == b.1);
    values.into_iter().map(|(_, s)| s).collect()
}

/// The roundest number within `half` of `mean` (over `(mean − half,
/// mean + half]`, the fewest significant digits) and, among equally round
/// ones, the nearest to `mean`: a region whose rows are all 2.7 decides
/// 2.7, not 2.6, though both are as round and within a quarter tolerance.
fn roundest_near(mean: f64, half: f64) -> f64 {
    let (a, b) = (mean - half, mean + half);
    if !(a.is_finite() && b.is_finite()) || a >= b {
        return nice_between(a, b);
    }
    let magnitude = a.abs().max(b.abs()).max(f64::MIN_POSITIVE);
    let top = magnitude.log10().floor() as i32 + 1;
    for e in (top - 18..=top).rev() {
        let step = 10f64.powi(e);
        let (lo, hi) = ((a / step).floor() as i128, (b / step).ceil() as i128);
        let mut best: Option<f64> = None;
        for k in lo..=hi {
            let Ok(c) = format!("{k}e{e}").parse::<f64>() else {
                continue;
            };
            if a < c && c <= b && best.is_none_or(|x| (c - mean).abs() < (x - mean).abs()) {
                best = Some(c);
            }
        }
        if let Some(c) = best {
            return c;
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{Column, ColumnData, TargetData};
    use crate::teach::no_tick;

    #[test]
    fn a_regression_tree_predicts_leaf_means() {
        let x: Vec<f64> = (0..400).map(|i| f64::from(i) * 0.25).collect();
        let y: Vec<f64> = x
            .iter()
            .map(|&v| if v < 40.0 { 10.0 } else { 30.0 })
            .collect();
        let table = Table::new(
            vec![Column {
                name: "x".into(),
                data: ColumnData::Numeric(x.clone()),
            }],
            "y".into(),
            TargetData::Values {
                values: y.clone(),
                strata: vec![0; 400],
                logged: None,
            },
        );
        let rows: Vec<usize> = (0..400).collect();
        let binned = Binned::new(&table, &rows);
        let targets = squared_loss_targets(&y);
        let params = TreeParams {
            max_depth: 1,
            min_samples_leaf: 5,
            min_gain: 0.0,
            max_features: None,
            seed: 0,
            criterion: REGRESSION,
        };
        let tree = tree::fit(
            &binned,
            (0..400).collect(),
            Targets::Soft(&targets),
            2,
            &params,
        );
        let means: Vec<f64> = tree
            .leaf_paths()
            .iter()
            .map(|(l, _)| leaf_mean(&tree, *l))
            .collect();
        assert_eq!(means, vec![10.0, 30.0]);
        let splits = Splits {
            train: (0..300).collect(),
            validation: (300..350).collect(),
            test: (350..400).collect(),
            method: String::new(),
        };
        let forest = RegressionForest {
            n_trees: 20,
            tree_rows: 0,
            seed: 0,
        }
        .fit(&table, &binned, &splits, &y, &no_tick);
        let (pred, cmp) = forest.predict(&binned, Origin::Fitted, &no_tick).unwrap();
        let off = (0..400).filter(|&r| (pred[r] - y[r]).abs() > 2.0).count();
        assert!(
            off < 20,
            "{off} rows off by more than 2: {:?}",
            &pred[150..170]
        );
        // As rows new to it, every tree predicts: held-out rows as before,
        // training rows no longer out-of-bag.
        let (new, new_cmp) = forest.predict(&binned, Origin::New, &no_tick).unwrap();
        assert_eq!(new[300..], pred[300..]);
        assert_ne!(new[..300], pred[..300]);
        assert_eq!(new_cmp, cmp);
        // Fewer rows are not the fitted table.
        let first = Binned::new(
            &Table::new(
                vec![Column {
                    name: "x".into(),
                    data: ColumnData::Numeric(x[..100].to_vec()),
                }],
                "y".into(),
                TargetData::Values {
                    values: y[..100].to_vec(),
                    strata: vec![0; 100],
                    logged: None,
                },
            ),
            &rows[..100],
        );
        assert!(forest.predict(&first, Origin::Fitted, &no_tick).is_err());
    }

    #[test]
    fn a_value_is_the_roundest_and_then_the_nearest() {
        assert_eq!(roundest_near(2.7, 0.125), 2.7);
        assert_eq!(roundest_near(-2.7, 0.125), -2.7);
        assert_eq!(roundest_near(1.5, 0.125), 1.5);
        assert_eq!(roundest_near(-12.5, 0.125), -12.5);
        // A rounder number within reach wins over a nearer one.
        assert_eq!(roundest_near(9.9, 0.25), 10.0);
        assert_eq!(roundest_near(0.0, 0.25), 0.0);
        assert_eq!(roundest_near(1234.0, 10.0), 1230.0);
    }
}
