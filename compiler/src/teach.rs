//! Teach: the big model runs once and labels every row.
//!
//! A [`Teacher`] is fitted on the training rows ([`Teacher::fit`]) and
//! returns a [`FittedTeacher`] that labels the rows of any table with the
//! same columns ([`FittedTeacher::label`]) with a class, a confidence and
//! class probabilities. Every stage after this one sees only those labels,
//! never the model.
//!
//! A fitted teacher remembers which rows of the table it was fitted on it
//! learnt from: when it labels that table ([`Origin::Fitted`]), those rows
//! are labelled out-of-bag (the forest) or by cross-fitting (boosted trees,
//! the network), so the labels the rules learn from are the teacher's
//! judgement and not its memory of the training labels. Every row of any
//! other table ([`Origin::New`]: the synthetic rows of `--synthetic`) is new
//! to it and labelled by the whole model.

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;
use rulec_datasets::Rng;

use crate::error::Error;
use crate::split::Splits;
use crate::table::Table;
use crate::tree::{self, Binned, Criterion, FlatTree, Targets, Tree, TreeParams};

/// The teacher's answer for every row of the table.
#[derive(Clone, Debug)]
pub struct TeacherLabels {
    /// Class index per row.
    pub labels: Vec<u32>,
    /// Confidence in `[0, 1]` per row (the winning vote share).
    pub confidence: Vec<f32>,
    /// Class probabilities, row-major (`n_classes` per row).
    pub probs: Vec<f32>,
    /// Some of the teacher's own classification trees, when it has them:
    /// their paths are candidate rules too.
    pub trees: Vec<Tree>,
    /// Comparisons the full model makes to decide each row (its cost model).
    pub comparisons: Vec<u32>,
    /// Measured time to decide one row, in nanoseconds, on this machine
    /// (see [`time_per_row`]); `None` when not measured.
    pub ns_per_row: Option<f64>,
}

impl TeacherLabels {
    /// Labels of no row.
    pub fn empty() -> TeacherLabels {
        TeacherLabels {
            labels: Vec::new(),
            confidence: Vec::new(),
            probs: Vec::new(),
            trees: Vec::new(),
            comparisons: Vec::new(),
            ns_per_row: None,
        }
    }

    /// Appends the labels of `other`'s rows after these rows' (its trees
    /// and time are dropped: they describe the same model).
    pub fn append(&mut self, mut other: TeacherLabels) {
        self.labels.append(&mut other.labels);
        self.confidence.append(&mut other.confidence);
        self.probs.append(&mut other.probs);
        self.comparisons.append(&mut other.comparisons);
    }

    /// Splits off the labels of rows `at..` (the inverse of
    /// [`TeacherLabels::append`]); the trees and time stay here.
    pub fn split_off(&mut self, at: usize) -> TeacherLabels {
        let k = if self.labels.is_empty() {
            0
        } else {
            self.probs.len() / self.labels.len()
        };
        let at = at.min(self.labels.len());
        TeacherLabels {
            labels: self.labels.split_off(at),
            confidence: self.confidence.split_off(at.min(self.confidence.len())),
            probs: self.probs.split_off((at * k).min(self.probs.len())),
            trees: Vec::new(),
            // Empty when the teacher counts none.
            comparisons: self.comparisons.split_off(at.min(self.comparisons.len())),
            ns_per_row: None,
        }
    }
}

/// Rows timed by [`time_per_row`].
const TIMED_ROWS: usize = 2000;

/// Nanoseconds per row for `decide` over the first rows of a table of `n`
/// (at most 2,000), one thread, one row at a time: the teacher's cost per
/// decision as a service calling it would pay it.
pub fn time_per_row(n: usize, mut decide: impl FnMut(usize)) -> Option<f64> {
    let rows = n.min(TIMED_ROWS);
    if rows == 0 {
        return None;
    }
    let start = std::time::Instant::now();
    for row in 0..rows {
        decide(std::hint::black_box(row));
    }
    Some(start.elapsed().as_nanos() as f64 / rows as f64)
}

/// Reports progress of a long step: `(what, done, total)`.
pub type Tick<'a> = &'a (dyn Fn(&str, u64, u64) + Sync);

/// A [`Tick`] that reports nothing.
pub fn no_tick(_: &str, _: u64, _: u64) {}

/// What a teacher learns from.
pub struct TrainingData<'a> {
    /// The whole table.
    pub table: &'a Table,
    /// Features binned on the training rows.
    pub binned: &'a Binned,
    /// The splits; only `train` may be learned from.
    pub splits: &'a Splits,
    /// Progress of training and labelling.
    pub tick: Tick<'a>,
}

/// A table for a fitted teacher to label.
pub struct LabelData<'a> {
    /// The rows to label: the table the teacher was fitted on, or another
    /// with the same columns.
    pub table: &'a Table,
    /// The table's features, binned with the cuts of the training rows.
    pub binned: &'a Binned,
    /// Whether `table` is the one the teacher was fitted on.
    pub origin: Origin,
    /// Progress of labelling.
    pub tick: Tick<'a>,
}

/// Which table a fitted teacher labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The table the teacher was fitted on: the rows it learnt from are
    /// labelled out-of-bag or by cross-fitting, the others by the whole
    /// model.
    Fitted,
    /// Another table with the same columns (synthetic rows): every row is
    /// new to the teacher and labelled by the whole model.
    New,
}

/// A model that can be fitted on training rows.
pub trait Teacher {
    /// Human-readable description with parameters, for the rule book.
    fn describe(&self) -> String;
    /// Whether its model was fitted elsewhere and every row is sent to it
    /// (an oracle program): then what it is asked for is every row of the
    /// table, not the training rows it would be fitted on.
    fn asks_for_every_row(&self) -> bool {
        false
    }
    /// Fits on `data.splits.train`; the fitted teacher then labels tables.
    fn fit(&self, data: &TrainingData<'_>) -> Result<Box<dyn FittedTeacher>, Error>;
}

/// A fitted teacher: it labels the table it was fitted on, and any other
/// table with the same columns.
pub trait FittedTeacher {
    /// Labels every row of `data.table`.
    fn label(&self, data: &LabelData<'_>) -> Result<TeacherLabels, Error>;
    /// Some of the teacher's own classification trees, when it has them:
    /// their paths are candidate rules too.
    fn trees(&self) -> &[Tree] {
        &[]
    }
}

/// Checks what a fitted teacher is asked to label: the binned features
/// are the table's rows, and a table labelled as [`Origin::Fitted`] has
/// the rows of the table the teacher was fitted on (`fitted` of them).
/// Only a bug can fail it.
pub(crate) fn check_label_data(data: &LabelData<'_>, fitted: usize) -> Result<(), Error> {
    let n = data.table.n_rows();
    if !data.binned.columns.is_empty() && data.binned.n_rows() != n {
        return Err(Error::Params(format!(
            "internal: a table of {n} rows to label with {} binned rows",
            data.binned.n_rows()
        )));
    }
    if data.origin == Origin::Fitted && n != fitted {
        return Err(Error::Params(format!(
            "internal: a teacher fitted on a table of {fitted} rows was asked to label it with {n} rows"
        )));
    }
    Ok(())
}

/// A teacher that already ran: its decisions are logged in a column of the
/// data (a production model, a Python pipeline, an LLM whose answers were
/// recorded). Every row is labelled with that column; it has no
/// probabilities (each decision counts as certain) and no known cost. It
/// cannot label rows that have no logged decision (synthetic rows).
#[derive(Clone, Debug)]
pub struct Logged {
    /// The column's name.
    pub column: String,
}

impl Teacher for Logged {
    fn describe(&self) -> String {
        format!("decisions logged in column `{}`", self.column)
    }

    fn fit(&self, _: &TrainingData<'_>) -> Result<Box<dyn FittedTeacher>, Error> {
        Ok(Box::new(self.clone()))
    }
}

impl FittedTeacher for Logged {
    fn label(&self, data: &LabelData<'_>) -> Result<TeacherLabels, Error> {
        let k = data.table.n_classes();
        // Ingest guarantees the column is there in the data when this
        // teacher is chosen; other tables (synthetic rows) have none.
        let Some(labels) = data.table.logged_labels().map(<[u32]>::to_vec) else {
            return Err(Error::Params(format!(
                "the decisions logged in column `{}` exist only for the rows of the data; they cannot label other rows",
                self.column
            )));
        };
        let mut probs = vec![0f32; labels.len() * k];
        for (i, &c) in labels.iter().enumerate() {
            probs[i * k + c as usize] = 1.0;
        }
        Ok(TeacherLabels {
            confidence: vec![1.0; labels.len()],
            labels,
            probs,
            trees: Vec::new(),
            comparisons: Vec::new(),
            ns_per_row: None,
        })
    }
}

/// How many of the forest's trees are kept to offer their paths as
/// candidate rules (used only with `--teacher-paths`).
const TREES_FOR_CANDIDATES: usize = 10;

/// Rows each tree learns from, at most, by default (`--tree-rows`): each
/// forest tree's bootstrap sample, and the distilled trees' sample (see
/// [`crate::propose::PoolParams::max_rows`]). Up to it (every benchmark
/// dataset, and the 200,000-row demo's 120,000 training rows) every tree
/// learns from as many rows as before; past it the trees stop growing with
/// the data, so fitting costs the same and labelling grows linearly with the
/// rows. Measured on generated shipping data (`scripts/scaling.sh`).
pub const DEFAULT_TREE_ROWS: usize = 200_000;

/// Random-forest parameters.
#[derive(Clone, Debug)]
pub struct ForestParams {
    /// Number of trees.
    pub n_trees: usize,
    /// Depth limit of each tree.
    pub max_depth: usize,
    /// Fewest rows per leaf.
    pub min_samples_leaf: usize,
    /// Rows drawn for each tree's bootstrap sample, at most (every training
    /// row when `None` or when there are fewer).
    pub max_samples: Option<usize>,
    /// Seed.
    pub seed: u64,
}

impl Default for ForestParams {
    fn default() -> Self {
        ForestParams {
            n_trees: 50,
            max_depth: 20,
            min_samples_leaf: 2,
            max_samples: None,
            seed: 0,
        }
    }
}

/// A random forest: bootstrap samples, √p features per split, averaged
/// class probabilities.
#[derive(Clone, Debug)]
pub struct Forest {
    /// Parameters.
    pub params: ForestParams,
}

impl Teacher for Forest {
    fn describe(&self) -> String {
        let p = &self.params;
        let sample = match p.max_samples {
            Some(m) => format!("bootstrap samples of at most {m} rows"),
            None => "bootstrap samples".to_string(),
        };
        format!(
            "random forest ({} trees, max depth {}, min leaf {}, {sample}, sqrt(features) per split, out-of-bag labels on train rows)",
            p.n_trees, p.max_depth, p.min_samples_leaf
        )
    }

    fn fit(&self, data: &TrainingData<'_>) -> Result<Box<dyn FittedTeacher>, Error> {
        let table = data.table;
        let k = table.n_classes();
        let n = table.n_rows();
        let train = &data.splits.train;
        let n_features = table.columns().len();
        let max_features = ((n_features as f64).sqrt().ceil() as usize).max(1);
        // Trees are fitted in parallel, each from its own seed; votes are
        // then summed per row in tree order, so the result does not depend
        // on the number of threads.
        let done = AtomicU64::new(0);
        let n_trees = self.params.n_trees as u64;
        let fitted: Vec<(Tree, Vec<u64>)> = (0..self.params.n_trees)
            .into_par_iter()
            .map(|t| {
                let mut rng = Rng::derive(self.params.seed, 1000 + t as u64);
                // Rows drawn with replacement, then listed in row order: the
                // same multiset (so the same tree), but the tree's scans of
                // the binned columns then read memory in order.
                let draws_n = self
                    .params
                    .max_samples
                    .map_or(train.len(), |m| m.min(train.len()));
                let mut draws = vec![0u32; n];
                for _ in 0..draws_n {
                    draws[train[rng.below(train.len())]] += 1;
                }
                let mut in_bag = vec![0u64; n.div_ceil(64)];
                let mut sample: Vec<u32> = Vec::with_capacity(draws_n);
                for (r, &d) in draws.iter().enumerate() {
                    if d > 0 {
                        in_bag[r / 64] |= 1 << (r % 64);
                        sample.extend(std::iter::repeat_n(r as u32, d as usize));
                    }
                }
                drop(draws);
                let params = TreeParams {
                    max_depth: self.params.max_depth,
                    min_samples_leaf: self.params.min_samples_leaf,
                    min_gain: 0.0,
                    max_features: Some(max_features),
                    seed: rng.next_u64(),
                    criterion: Criterion::Gini,
                };
                let tree = tree::fit(
                    data.binned,
                    sample,
                    Targets::Hard(table.labels()),
                    k,
                    &params,
                );
                let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                (data.tick)("teach: forest trees", d, n_trees);
                (tree, in_bag)
            })
            .collect();
        let trees = fitted
            .iter()
            .take(TREES_FOR_CANDIDATES)
            .map(|(t, _)| t.clone())
            .collect();
        Ok(Box::new(FittedForest {
            fitted,
            n_rows: n,
            k,
            trees,
        }))
    }
}

/// A fitted random forest: its trees, and the rows of the fitted table in
/// each tree's bootstrap sample.
struct FittedForest {
    /// Each tree with its in-bag rows of the fitted table (a bit per row).
    fitted: Vec<(Tree, Vec<u64>)>,
    /// Rows of the table it was fitted on.
    n_rows: usize,
    /// Classes.
    k: usize,
    /// The first trees, whose paths are candidates with `--teacher-paths`.
    trees: Vec<Tree>,
}

impl FittedTeacher for FittedForest {
    fn trees(&self) -> &[Tree] {
        &self.trees
    }

    fn label(&self, data: &LabelData<'_>) -> Result<TeacherLabels, Error> {
        check_label_data(data, self.n_rows)?;
        let k = self.k;
        let n = data.table.n_rows();
        let own = data.origin == Origin::Fitted;
        let fitted = &self.fitted;
        // Row blocks in parallel; within a block, tree after tree, so each
        // tree stays in cache while it walks the block's rows.
        let flat: Vec<(FlatTree, &[u64])> = fitted
            .iter()
            .map(|(tree, in_bag)| (FlatTree::new(tree), in_bag.as_slice()))
            .collect();
        const BLOCK: usize = 2048;
        let mut votes = vec![0f32; n * k];
        let mut comparisons = vec![0u32; n];
        // Labelling takes most of the stage on large tables: it has its
        // own progress, rows labelled of all.
        let labelled = AtomicU64::new(0);
        votes
            .par_chunks_mut(BLOCK * k)
            .zip(comparisons.par_chunks_mut(BLOCK))
            .enumerate()
            .for_each(|(b, (v, cmp))| {
                let start = b * BLOCK;
                for (tree, in_bag) in &flat {
                    for (j, c) in cmp.iter_mut().enumerate() {
                        let row = start + j;
                        let (leaf, depth) = tree.leaf_and_depth(data.binned, row);
                        *c += depth;
                        if !(own && in_bag[row / 64] >> (row % 64) & 1 == 1) {
                            add_shares(tree.shares(leaf), &mut v[j * k..(j + 1) * k]);
                        }
                    }
                }
                // A training row that was in every bootstrap sample has no
                // out-of-bag vote (likely only with few trees): all trees vote.
                for j in 0..cmp.len() {
                    let row_votes = &mut v[j * k..(j + 1) * k];
                    if row_votes.iter().all(|&x| x == 0.0) {
                        for (tree, _) in &flat {
                            let (leaf, _) = tree.leaf_and_depth(data.binned, start + j);
                            add_shares(tree.shares(leaf), row_votes);
                        }
                    }
                }
                let rows = cmp.len() as u64;
                let done = labelled.fetch_add(rows, Ordering::Relaxed) + rows;
                (data.tick)("teach: labelling rows", done, n as u64);
            });
        let mut row_votes = vec![0f32; k];
        let ns_per_row = time_per_row(n, |row| {
            row_votes.fill(0.0);
            for (tree, _) in &flat {
                let (leaf, _) = tree.leaf_and_depth(data.binned, row);
                add_shares(tree.shares(leaf), &mut row_votes);
            }
            std::hint::black_box(&row_votes);
        });
        drop(flat);
        let mut labels = finish_votes(&votes, n, k);
        labels.comparisons = comparisons;
        labels.ns_per_row = ns_per_row;
        Ok(labels)
    }
}

fn add_shares(shares: &[f32], votes: &mut [f32]) {
    for (v, s) in votes.iter_mut().zip(shares) {
        *v += s;
    }
}

fn finish_votes(votes: &[f32], n: usize, k: usize) -> TeacherLabels {
    let mut labels = Vec::with_capacity(n);
    let mut confidence = Vec::with_capacity(n);
    let mut probs = Vec::with_capacity(n * k);
    for row in 0..n {
        let v = &votes[row * k..(row + 1) * k];
        let total: f32 = v.iter().sum();
        // Ties go to the lower class index, for determinism.
        let (best, &top) =
            v.iter().enumerate().fold(
                (0, &f32::MIN),
                |acc, (i, x)| if *x > *acc.1 { (i, x) } else { acc },
            );
        labels.push(best as u32);
        confidence.push(if total > 0.0 { top / total } else { 0.0 });
        probs.extend(v.iter().map(|x| {
            if total > 0.0 {
                x / total
            } else {
                1.0 / k as f32
            }
        }));
    }
    TeacherLabels {
        labels,
        confidence,
        probs,
        trees: Vec::new(),
        comparisons: Vec::new(),
        ns_per_row: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{Column, ColumnData, TargetData};

    /// Two classes split at x = 5, with a tenth of the labels flipped.
    fn table(n: usize) -> Table {
        let mut rng = Rng::new(7);
        let x: Vec<f64> = (0..n).map(|_| rng.f64() * 10.0).collect();
        let labels = x
            .iter()
            .map(|&v| u32::from(v > 5.0) ^ u32::from(rng.f64() < 0.1))
            .collect();
        Table::new(
            vec![Column {
                name: "x".into(),
                data: ColumnData::Numeric(x),
            }],
            "y".into(),
            TargetData::Classes {
                names: vec!["a".into(), "b".into()],
                labels,
                logged: None,
            },
        )
    }

    fn splits() -> Splits {
        Splits {
            train: (0..600).collect(),
            validation: (600..800).collect(),
            test: Vec::new(),
            method: String::new(),
        }
    }

    #[test]
    fn a_fitted_forest_labels_its_training_rows_out_of_bag_and_new_rows_with_every_tree() {
        let t = table(800);
        let splits = splits();
        let binned = Binned::new(&t, &splits.train);
        let forest = Forest {
            params: ForestParams {
                n_trees: 20,
                seed: 3,
                ..ForestParams::default()
            },
        };
        let fitted = forest
            .fit(&TrainingData {
                table: &t,
                binned: &binned,
                splits: &splits,
                tick: &no_tick,
            })
            .unwrap();
        assert_eq!(fitted.trees().len(), 10);
        let label = |origin| {
            fitted
                .label(&LabelData {
                    table: &t,
                    binned: &binned,
                    origin,
                    tick: &no_tick,
                })
                .unwrap()
        };
        let (own, new) = (label(Origin::Fitted), label(Origin::New));
        // Held-out rows: every tree votes either way.
        assert_eq!(own.probs[1200..], new.probs[1200..]);
        // Training rows: a deep forest remembers its flipped labels, the
        // out-of-bag votes do not.
        let agree = |l: &TeacherLabels| (0..600).filter(|&r| l.labels[r] == t.labels()[r]).count();
        assert!(agree(&new) > agree(&own), "{} {}", agree(&new), agree(&own));
        assert_eq!(own.comparisons, new.comparisons);
        // A table of other rows is not the fitted one.
        let fewer = Table::new(
            vec![Column {
                name: "x".into(),
                data: ColumnData::Numeric(match &t.columns()[0].data {
                    ColumnData::Numeric(x) => x[..700].to_vec(),
                    _ => unreachable!(),
                }),
            }],
            t.target_name().to_string(),
            TargetData::Classes {
                names: t.classes().to_vec(),
                labels: t.labels()[..700].to_vec(),
                logged: None,
            },
        );
        let fewer_binned = Binned::new(&fewer, &splits.train);
        let ask = |origin| {
            fitted.label(&LabelData {
                table: &fewer,
                binned: &fewer_binned,
                origin,
                tick: &no_tick,
            })
        };
        assert!(ask(Origin::Fitted).is_err());
        assert_eq!(ask(Origin::New).unwrap().labels.len(), 700);
    }

    #[test]
    fn labels_split_off_where_they_were_appended() {
        let t = table(800);
        let splits = splits();
        let binned = Binned::new(&t, &splits.train);
        let fitted = Forest {
            params: ForestParams {
                n_trees: 5,
                ..ForestParams::default()
            },
        }
        .fit(&TrainingData {
            table: &t,
            binned: &binned,
            splits: &splits,
            tick: &no_tick,
        })
        .unwrap();
        let label = |origin| {
            fitted
                .label(&LabelData {
                    table: &t,
                    binned: &binned,
                    origin,
                    tick: &no_tick,
                })
                .unwrap()
        };
        let (own, new) = (label(Origin::Fitted), label(Origin::New));
        let mut all = own.clone();
        all.append(new.clone());
        assert_eq!(all.labels.len(), 1600);
        assert_eq!(all.probs.len(), 3200);
        let back = all.split_off(800);
        assert_eq!(
            format!("{back:?}"),
            format!(
                "{:?}",
                TeacherLabels {
                    ns_per_row: None,
                    ..new
                }
            )
        );
        assert_eq!(all.probs, own.probs);
        assert_eq!(all.comparisons, own.comparisons);
        assert_eq!(TeacherLabels::empty().split_off(0).labels.len(), 0);
    }

    #[test]
    fn a_logged_teacher_labels_only_rows_with_a_logged_decision() {
        let t = table(800);
        let splits = splits();
        let binned = Binned::new(&t, &splits.train);
        let logged = Logged { column: "m".into() };
        let fitted = logged
            .fit(&TrainingData {
                table: &t,
                binned: &binned,
                splits: &splits,
                tick: &no_tick,
            })
            .unwrap();
        let label = |table: &Table| {
            fitted.label(&LabelData {
                table,
                binned: &binned,
                origin: Origin::New,
                tick: &no_tick,
            })
        };
        let err = label(&t).unwrap_err().to_string();
        assert!(err.contains("exist only for the rows of the data"), "{err}");
        let t = Table::new(
            t.columns().to_vec(),
            t.target_name().to_string(),
            TargetData::Classes {
                names: t.classes().to_vec(),
                labels: t.labels().to_vec(),
                logged: Some((0..800).map(|r| (r % 2) as u32).collect()),
            },
        );
        let out = label(&t).unwrap();
        assert_eq!(Some(out.labels.as_slice()), t.logged_labels());
        assert_eq!(out.probs[..4], [1.0, 0.0, 0.0, 1.0]);
    }
}
