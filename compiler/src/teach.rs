//! Teach: the big model runs once and labels every row.
//!
//! A [`Teacher`] is fitted on the training rows ([`Teacher::fit`]) and
//! returns a [`FittedTeacher`] that labels rows with a class and a
//! confidence. Every stage after this one sees only those labels, never the
//! model. Training rows are labelled out-of-bag where the teacher supports
//! it, so the labels the rules learn from are the teacher's judgement and not
//! its memory of the training labels.

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

/// A model that can be fitted on training rows.
pub trait Teacher {
    /// Human-readable description with parameters, for the rule book.
    fn describe(&self) -> String;
    /// Fits on `data.splits.train` and labels every row of the table.
    fn fit_label(&self, data: &TrainingData<'_>) -> Result<TeacherLabels, Error>;
}

/// A teacher that already ran: its decisions are logged in a column of the
/// data (a production model, a Python pipeline, an LLM whose answers were
/// recorded). Every row is labelled with that column; it has no
/// probabilities (each decision counts as certain) and no known cost.
#[derive(Clone, Debug)]
pub struct Logged {
    /// The column's name.
    pub column: String,
}

impl Teacher for Logged {
    fn describe(&self) -> String {
        format!("decisions logged in column `{}`", self.column)
    }

    fn fit_label(&self, data: &TrainingData<'_>) -> Result<TeacherLabels, Error> {
        let k = data.table.n_classes();
        // Ingest guarantees the column is there when this teacher is chosen;
        // without it every row would get class 0, which tests would catch.
        let labels = data
            .table
            .teacher
            .clone()
            .unwrap_or_else(|| vec![0; data.table.n_rows()]);
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

    fn fit_label(&self, data: &TrainingData<'_>) -> Result<TeacherLabels, Error> {
        let table = data.table;
        let k = table.n_classes();
        let n = table.n_rows();
        let train = &data.splits.train;
        let n_features = table.columns.len();
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
                    Targets::Hard(&table.labels),
                    k,
                    &params,
                );
                let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                (data.tick)("teach: forest trees", d, n_trees);
                (tree, in_bag)
            })
            .collect();
        // Row blocks in parallel; within a block, tree after tree, so each
        // tree stays in cache while it walks the block's rows.
        let flat: Vec<(FlatTree, &[u64])> = fitted
            .iter()
            .map(|(tree, in_bag)| (FlatTree::new(tree), in_bag.as_slice()))
            .collect();
        const BLOCK: usize = 2048;
        let mut votes = vec![0f32; n * k];
        let mut comparisons = vec![0u32; n];
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
                        if in_bag[row / 64] >> (row % 64) & 1 == 0 {
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
        let mut trees: Vec<Tree> = fitted.into_iter().map(|(t, _)| t).collect();
        let mut labels = finish_votes(&votes, n, k);
        trees.truncate(TREES_FOR_CANDIDATES);
        labels.trees = trees;
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
