//! A gradient-boosted trees teacher: histogram-based, multiclass softmax,
//! in the manner of scikit-learn's `HistGradientBoostingClassifier`.
//!
//! Each round fits one regression tree per class on the gradient and
//! hessian of the softmax loss (the tree learner of [`crate::tree`] with the
//! Newton criterion), on the same binned features as every other stage.
//! With two classes one tree per round serves both: the two classes'
//! gradients are each other's negation and their hessians equal, so the
//! second tree would be the first with its values negated.
//! A split of many categories is charged what it gains by chance beyond a
//! numeric threshold (`charge_categories`), so a column such as 51 US
//! states is split only where it carries signal.
//! Training rows are labelled by cross-fitting: two models, each trained on
//! half of the training rows, label the other half, so the labels the rules
//! learn from and are ranked by are never the model's memory of a row.
//! Validation and test rows are labelled by a model trained on all
//! training rows.

use rulec_datasets::Rng;

use crate::error::Error;
use crate::teach::{FittedTeacher, LabelData, Origin, Teacher, TeacherLabels, Tick, TrainingData};
use crate::tree::{self, Binned, Criterion, Node, Targets, Tree, TreeParams};

/// Boosting parameters.
#[derive(Clone, Debug)]
pub struct GbdtParams {
    /// Most boosting rounds.
    pub max_rounds: usize,
    /// Shrinkage of each tree's step.
    pub learning_rate: f64,
    /// Depth of each tree.
    pub max_depth: usize,
    /// Fewest rows per leaf.
    pub min_samples_leaf: usize,
    /// L2 penalty on leaf values.
    pub lambda: f64,
    /// Rounds without improvement of the held-out loss before stopping
    /// (used when there are more than 10,000 training rows, as scikit-learn
    /// does).
    pub patience: usize,
    /// Seed.
    pub seed: u64,
}

impl Default for GbdtParams {
    fn default() -> Self {
        GbdtParams {
            max_rounds: 100,
            learning_rate: 0.1,
            max_depth: 6,
            min_samples_leaf: 20,
            lambda: 1.0,
            patience: 10,
            seed: 0,
        }
    }
}

/// Gradient-boosted trees.
#[derive(Clone, Debug)]
pub struct Gbdt {
    /// Parameters.
    pub params: GbdtParams,
}

/// A fitted boosted model: per round, one tree per class with leaf values;
/// with two classes, one tree, whose value goes to the second class's score
/// and, negated, to the first's (see [`Gbdt::fit_trees`]).
struct Model {
    rounds: Vec<Vec<(Tree, Vec<f64>)>>,
    k: usize,
    prior: Vec<f64>,
}

impl Model {
    fn scores(&self, binned: &Binned, row: usize, out: &mut [f64]) {
        out.copy_from_slice(&self.prior);
        for round in &self.rounds {
            if let [(tree, values)] = round.as_slice() {
                let v = values[tree.leaf_of(binned, row)];
                out[1] += v;
                out[0] -= v;
                continue;
            }
            for (c, (tree, values)) in round.iter().enumerate() {
                out[c] += values[tree.leaf_of(binned, row)];
            }
        }
    }
}

fn softmax(scores: &[f64], out: &mut [f64]) {
    let max = scores.iter().copied().fold(f64::MIN, f64::max);
    let mut sum = 0.0;
    for (o, s) in out.iter_mut().zip(scores) {
        *o = (s - max).exp();
        sum += *o;
    }
    for o in out.iter_mut() {
        *o /= sum;
    }
}

impl Gbdt {
    /// Fits one model on `rows`; `tick` (when given) hears of each round.
    /// With two classes, `one_tree` fits one tree per round for both (what
    /// [`Teacher::fit`] does; the tests compare it with a tree per class).
    #[allow(clippy::too_many_arguments)]
    fn fit_trees(
        &self,
        binned: &Binned,
        rows: &[usize],
        labels: &[u32],
        k: usize,
        seed: u64,
        tick: Option<Tick<'_>>,
        one_tree: bool,
    ) -> Model {
        let p = &self.params;
        // Early stopping on a tenth of the rows when there are many.
        let (fit_rows, stop_rows): (Vec<usize>, Vec<usize>) = if rows.len() > 10_000 {
            let mut shuffled = rows.to_vec();
            Rng::derive(seed, 0x5354_4f50).shuffle(&mut shuffled);
            let n_stop = rows.len() / 10;
            let (a, b) = shuffled.split_at(n_stop);
            (b.to_vec(), a.to_vec())
        } else {
            (rows.to_vec(), Vec::new())
        };
        let mut counts = vec![1.0f64; k];
        for &r in &fit_rows {
            counts[labels[r] as usize] += 1.0;
        }
        let total: f64 = counts.iter().sum();
        let prior: Vec<f64> = counts.iter().map(|c| (c / total).ln()).collect();
        let n = binned.n_rows();
        // Scores for the fitting and stopping rows (indexed by table row).
        let mut scores = vec![0f64; n * k];
        for &r in fit_rows.iter().chain(&stop_rows) {
            scores[r * k..(r + 1) * k].copy_from_slice(&prior);
        }
        let mut gh = vec![0f32; n * 2];
        let mut probs = vec![0f64; k];
        let mut model = Model {
            rounds: Vec::new(),
            k,
            prior,
        };
        let (mut best_loss, mut best_rounds, mut since_best) = (f64::INFINITY, 0usize, 0usize);
        let fit_u32: Vec<u32> = fit_rows.iter().map(|&r| r as u32).collect();
        for round in 0..p.max_rounds {
            let mut trees = Vec::with_capacity(k);
            // Gradients for all classes come from this round's start.
            let mut all_probs = vec![0f64; fit_rows.len() * k];
            for (j, &r) in fit_rows.iter().enumerate() {
                softmax(&scores[r * k..(r + 1) * k], &mut probs);
                all_probs[j * k..(j + 1) * k].copy_from_slice(&probs);
            }
            // With two classes the second class's gradient is the first's
            // negated and their hessians are equal: the first class's tree
            // would make the same splits with its values negated. One tree
            // then does the work of both, at half the cost.
            let classes = if one_tree { 1..2 } else { 0..k };
            for c in classes {
                for (j, &r) in fit_rows.iter().enumerate() {
                    let pc = all_probs[j * k + c];
                    let y = f64::from(u8::from(labels[r] as usize == c));
                    gh[r * 2] = (pc - y) as f32;
                    gh[r * 2 + 1] = (pc * (1.0 - pc)).max(1e-6) as f32;
                }
                let params = TreeParams {
                    max_depth: p.max_depth,
                    min_samples_leaf: p.min_samples_leaf,
                    min_gain: 0.0,
                    max_features: None,
                    seed: seed ^ (round * k + c) as u64,
                    criterion: Criterion::Newton {
                        lambda: p.lambda,
                        charge_categories: true,
                    },
                };
                let tree = tree::fit(binned, fit_u32.clone(), Targets::Soft(&gh), 2, &params);
                let values: Vec<f64> = tree
                    .nodes
                    .iter()
                    .map(|node| match node {
                        Node::Leaf { counts } if counts.len() == 2 => {
                            -p.learning_rate * counts[0] / (counts[1] + p.lambda)
                        }
                        _ => 0.0,
                    })
                    .collect();
                for &r in fit_rows.iter().chain(&stop_rows) {
                    let v = values[tree.leaf_of(binned, r)];
                    scores[r * k + c] += v;
                    if one_tree {
                        scores[r * k] -= v;
                    }
                }
                trees.push((tree, values));
            }
            model.rounds.push(trees);
            if let Some(tick) = tick {
                tick(
                    "teach: boosting rounds",
                    round as u64 + 1,
                    p.max_rounds as u64,
                );
            }
            if !stop_rows.is_empty() {
                let loss: f64 = stop_rows
                    .iter()
                    .map(|&r| {
                        softmax(&scores[r * k..(r + 1) * k], &mut probs);
                        -probs[labels[r] as usize].max(1e-15).ln()
                    })
                    .sum();
                if loss < best_loss - 1e-7 * stop_rows.len() as f64 {
                    best_loss = loss;
                    best_rounds = round + 1;
                    since_best = 0;
                } else {
                    since_best += 1;
                    if since_best >= p.patience {
                        break;
                    }
                }
            } else {
                best_rounds = round + 1;
            }
        }
        model.rounds.truncate(best_rounds.max(1));
        model
    }
}

impl Teacher for Gbdt {
    fn describe(&self) -> String {
        let p = &self.params;
        format!(
            "gradient-boosted trees (up to {} rounds, learning rate {}, depth {}, min leaf {}, L2 {}, a split of L categories charged L - {} for what it gains by chance, early stopping on 10 % of training rows above 10,000; training rows labelled by 2-fold cross-fitting)",
            p.max_rounds, p.learning_rate, p.max_depth, p.min_samples_leaf, p.lambda, 1.0 + crate::tree::NUMERIC_CHANCE_DF
        )
    }

    fn fit(&self, data: &TrainingData<'_>) -> Result<Box<dyn FittedTeacher>, Error> {
        let table = data.table;
        let k = table.n_classes();
        let n = table.n_rows();
        let train = &data.splits.train;
        let labels = table.labels();
        let seed = self.params.seed;

        // Two halves of the training rows, each labelled by a model of the other.
        let mut shuffled = train.clone();
        Rng::derive(seed, 0x4352_4f53).shuffle(&mut shuffled);
        let (a, b) = shuffled.split_at(shuffled.len() / 2);
        let (mut a, mut b) = (a.to_vec(), b.to_vec());
        a.sort_unstable();
        b.sort_unstable();
        // The three models are independent: fit them side by side.
        let (full, (on_a, on_b)) = rayon::join(
            || self.fit_trees(data.binned, train, labels, k, seed, Some(data.tick), k == 2),
            || {
                rayon::join(
                    || self.fit_trees(data.binned, &a, labels, k, seed ^ 1, None, k == 2),
                    || self.fit_trees(data.binned, &b, labels, k, seed ^ 2, None, k == 2),
                )
            },
        );
        debug_assert_eq!(full.k, k);
        let mut which = vec![Which::Full; n];
        for &r in &a {
            which[r] = Which::OnB;
        }
        for &r in &b {
            which[r] = Which::OnA;
        }
        Ok(Box::new(FittedGbdt {
            full,
            on_a,
            on_b,
            which,
        }))
    }
}

/// Which model labels a row of the fitted table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Which {
    /// The model of all training rows (rows it did not learn from).
    Full,
    /// The model of half `a` (rows of half `b`).
    OnA,
    /// The model of half `b` (rows of half `a`).
    OnB,
}

/// Fitted boosted trees: the model of all training rows and the two
/// cross-fitted models of half of them each.
struct FittedGbdt {
    full: Model,
    on_a: Model,
    on_b: Model,
    /// The model of each row of the fitted table.
    which: Vec<Which>,
}

impl FittedTeacher for FittedGbdt {
    fn label(&self, data: &LabelData<'_>) -> Result<TeacherLabels, Error> {
        crate::teach::check_label_data(data, self.which.len())?;
        let k = self.full.k;
        let n = data.table.n_rows();
        let full = &self.full;
        let model = |row: usize| match data.origin {
            Origin::New => full,
            Origin::Fitted => match self.which[row] {
                Which::Full => full,
                Which::OnA => &self.on_a,
                Which::OnB => &self.on_b,
            },
        };
        let mut out_labels = Vec::with_capacity(n);
        let mut confidence = Vec::with_capacity(n);
        let mut probs_out = Vec::with_capacity(n * k);
        let (mut scores, mut probs) = (vec![0f64; k], vec![0f64; k]);
        for row in 0..n {
            model(row).scores(data.binned, row, &mut scores);
            softmax(&scores, &mut probs);
            let (best, top) =
                probs.iter().enumerate().fold(
                    (0, f64::MIN),
                    |acc, (i, &p)| if p > acc.1 { (i, p) } else { acc },
                );
            out_labels.push(best as u32);
            confidence.push(top as f32);
            probs_out.extend(probs.iter().map(|&p| p as f32));
        }
        let ns_per_row = crate::teach::time_per_row(n, |row| {
            full.scores(data.binned, row, &mut scores);
            softmax(&scores, &mut probs);
            std::hint::black_box(&probs);
        });
        Ok(TeacherLabels {
            ns_per_row,
            labels: out_labels,
            confidence,
            probs: probs_out,
            // Boosted trees fit gradients, not classes: no paths to offer.
            trees: Vec::new(),
            comparisons: (0..n)
                .map(|row| {
                    full.rounds
                        .iter()
                        .flatten()
                        .map(|(tree, _)| tree.depth_of(data.binned, row))
                        .sum()
                })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::split::Splits;
    use crate::table::{Column, ColumnData, Table, TargetData, MISSING_CODE};

    /// A table of numeric columns `x` and `z`, `more` columns besides, and
    /// a class target of `classes` with `labels`.
    fn table_of(
        x: Vec<f64>,
        z: Vec<f64>,
        more: Vec<Column>,
        classes: &[&str],
        labels: Vec<u32>,
    ) -> Table {
        let mut columns = vec![Column::numeric("x", x), Column::numeric("z", z)];
        columns.extend(more);
        Table::new(
            columns,
            "y".into(),
            TargetData::Classes {
                names: classes.iter().map(|c| c.to_string()).collect(),
                labels,
                logged: None,
            },
        )
    }

    /// Three classes by two thresholds on x, and a distractor column.
    fn table(n: usize) -> Table {
        let mut rng = Rng::new(3);
        let x: Vec<f64> = (0..n).map(|_| rng.f64() * 30.0).collect();
        let z: Vec<f64> = (0..n).map(|_| rng.f64()).collect();
        let labels = x
            .iter()
            .map(|&v| (v / 10.0).floor().min(2.0) as u32)
            .collect();
        table_of(x, z, Vec::new(), &["a", "b", "c"], labels)
    }

    #[test]
    fn one_tree_per_round_for_two_classes_is_the_softmax_of_two() {
        // Two noisy classes, by two numbers and a column of categories with
        // missing values: the model of one tree per round and the model
        // of a tree per class are the same in exact arithmetic; in floating
        // point their probabilities agree to rounding.
        let n = 3000;
        let mut rng = Rng::new(5);
        let x: Vec<f64> = (0..n).map(|_| rng.f64() * 30.0).collect();
        let z: Vec<f64> = (0..n).map(|_| rng.f64()).collect();
        // A column of 12 categories (one in 20 missing), half of which
        // raise the chance of the second class.
        let codes: Vec<u32> = (0..n)
            .map(|_| {
                if rng.below(20) == 0 {
                    MISSING_CODE
                } else {
                    rng.below(12) as u32
                }
            })
            .collect();
        let labels: Vec<u32> = (0..n)
            .map(|i| {
                let lift = if codes[i].is_multiple_of(2) { 6.0 } else { 0.0 };
                u32::from(x[i] + 10.0 * z[i] + lift + 8.0 * rng.f64() > 25.0)
            })
            .collect();
        let categories = Column {
            name: "c".into(),
            data: ColumnData::Categorical {
                codes,
                levels: (0..12).map(|l| format!("l{l:02}")).collect(),
            },
        };
        let t = table_of(x, z, vec![categories], &["a", "b"], labels.clone());
        let rows: Vec<usize> = (0..2000).collect();
        let binned = Binned::new(&t, &rows);
        let g = Gbdt {
            params: GbdtParams::default(),
        };
        let one = g.fit_trees(&binned, &rows, &labels, 2, 1, None, true);
        let two = g.fit_trees(&binned, &rows, &labels, 2, 1, None, false);
        assert_eq!(one.rounds.len(), two.rounds.len());
        assert!(one.rounds.iter().all(|r| r.len() == 1));
        assert!(two.rounds.iter().all(|r| r.len() == 2));
        let (mut a, mut b, mut pa, mut pb) = ([0.0; 2], [0.0; 2], [0.0; 2], [0.0; 2]);
        let mut worst = 0f64;
        for row in 0..n {
            one.scores(&binned, row, &mut a);
            two.scores(&binned, row, &mut b);
            softmax(&a, &mut pa);
            softmax(&b, &mut pb);
            worst = worst.max((pa[1] - pb[1]).abs());
        }
        assert!(worst < 1e-4, "largest difference {worst}");
        // And it learns: most held-out rows right.
        let right = (2000..n)
            .filter(|&r| {
                one.scores(&binned, r, &mut a);
                u32::from(a[1] > a[0]) == labels[r]
            })
            .count();
        assert!(right >= 800, "{right}/1000");
    }

    #[test]
    fn learns_a_clean_multiclass_problem_and_is_deterministic() {
        let t = table(3000);
        let splits = Splits {
            train: (0..2000).collect(),
            validation: (2000..2500).collect(),
            test: (2500..3000).collect(),
            method: String::new(),
        };
        let binned = Binned::new(&t, &splits.train);
        let data = TrainingData {
            table: &t,
            binned: &binned,
            splits: &splits,
            tick: &crate::teach::no_tick,
        };
        let g = Gbdt {
            params: GbdtParams::default(),
        };
        let fitted = g.fit(&data).unwrap();
        let label = |origin| {
            fitted
                .label(&LabelData {
                    table: &t,
                    binned: &binned,
                    origin,
                    tick: &crate::teach::no_tick,
                })
                .unwrap()
        };
        let out = label(Origin::Fitted);
        let right = (2500..3000)
            .filter(|&r| out.labels[r] == t.labels()[r])
            .count();
        assert!(right >= 490, "test accuracy {right}/500");
        // Cross-fitted training labels are still good, and probabilities sum to one.
        let right_train = (0..2000)
            .filter(|&r| out.labels[r] == t.labels()[r])
            .count();
        assert!(right_train >= 1950, "train {right_train}/2000");
        let sum: f32 = out.probs[..3].iter().sum();
        assert!((sum - 1.0).abs() < 1e-4);
        let again = g.fit(&data).unwrap();
        let again = again
            .label(&LabelData {
                table: &t,
                binned: &binned,
                origin: Origin::Fitted,
                tick: &crate::teach::no_tick,
            })
            .unwrap();
        assert_eq!(again.probs, out.probs);
        // The same rows as a table new to the model: every row by the full
        // model, so held-out rows get the same answer and training rows
        // their in-sample one, not the cross-fitted one.
        let new = label(Origin::New);
        assert_eq!(new.probs[2000 * 3..], out.probs[2000 * 3..]);
        assert_ne!(new.probs[..2000 * 3], out.probs[..2000 * 3]);
        assert_eq!(new.comparisons, out.comparisons);
    }
}
