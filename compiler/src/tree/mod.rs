//! A CART decision-tree learner on binned features, used both by the
//! random-forest teacher and to distil the teacher into rules.
//!
//! Why our own learner rather than linfa-trees or smartcore: rules need
//! splits that read well and mean the same thing in every backend. This
//! learner splits categorical columns into category sets (`zone in {..}`),
//! routes missing values instead of dropping rows, puts numeric thresholds
//! on round numbers between the two neighbouring observed values (`< 50`, not
//! `< 49.95`), and is fast enough (histograms of at most 254 bins) to train
//! a forest of 50 trees on 100,000s of rows in seconds.

use rulec_datasets::Rng;

mod binned;
mod flat;

pub use self::binned::{nice_between, BinKind, Binned, BinnedColumn, MAX_BINS, MISSING_BIN};
pub use self::flat::FlatTree;

/// Parameters of one tree.
#[derive(Clone, Debug)]
pub struct TreeParams {
    /// Deepest split level.
    pub max_depth: usize,
    /// Fewest rows in a leaf.
    pub min_samples_leaf: usize,
    /// Smallest impurity decrease worth a split, as a share of the rows at
    /// the root.
    pub min_gain: f64,
    /// Features tried per split (`None`: all).
    pub max_features: Option<usize>,
    /// Seed for feature sampling.
    pub seed: u64,
    /// What a split optimises.
    pub criterion: Criterion,
}

/// What a split optimises.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Criterion {
    /// Gini impurity of class weights (classification, distillation).
    #[default]
    Gini,
    /// Gini impurity, with what a category set gains by chance alone taken
    /// off its gain: a split of a node into the sets of `L` categories gains,
    /// on a target independent of the column, about `(L - 1)` times the
    /// node's Gini impurity (weight times impurity decrease is Pearson's
    /// chi-square statistic times the node's impurity, and that statistic
    /// has `L - 1` degrees of freedom). A category set is charged the
    /// `L - 2` degrees of freedom it has beyond a two-way split, so a column
    /// of 50 states splits only where the states carry signal, while a
    /// two-category column competes with numbers as before. For candidate
    /// rules: many-valued category sets that fit noise are the fragments
    /// that never hold on new rows.
    GiniCorrected,
    /// Newton step of a boosting round: targets are `[gradient, hessian]`
    /// per row, and the gain is that of XGBoost with L2 penalty `lambda`.
    Newton {
        /// L2 penalty on leaf values.
        lambda: f64,
        /// Take off a category set's gain what it gains by chance beyond a
        /// numeric threshold, for the log loss of a boosted classifier. A
        /// well-fitted model's gradients there have a variance equal to the
        /// hessian (`E[(p - y)^2] = p(1 - p)`), so on a column independent
        /// of the target each group's `G^2 / H` is a chi-square with one
        /// degree of freedom, and the best split of `L` categories (in
        /// Fisher's order) gains about `L - 1`. The best of a numeric
        /// column's ~250 thresholds gains about [`NUMERIC_CHANCE_DF`] by
        /// chance, so a category set is charged its degrees of freedom
        /// beyond that: a column of 51 states splits only where the states
        /// carry signal, and columns of up to five categories compete with
        /// numbers as before. Without it the gradient-boosted teacher was
        /// 2 points less accurate on `mlc_churn` (its `state` and
        /// `area_code`) than with both columns dropped. Off for squared
        /// loss, whose gradients are not on that scale.
        charge_categories: bool,
    },
}

/// Most classes whose shares order a categorical column's bins in one
/// node (Breiman's ordering, one pass per class): the most frequent in the
/// node. A target of up to this many classes is split exactly as with one
/// pass per class.
const MAX_CLASS_ORDERS: usize = 16;

/// What the best threshold of a numeric column gains by chance, in degrees
/// of freedom of a chi-square: the largest of a scan over about 254 bins,
/// roughly `2 ln ln 254 + 1`, rounded down. A category set's gain beyond a
/// two-way split's is charged only past this ([`Criterion::Newton`]).
pub const NUMERIC_CHANCE_DF: f64 = 4.0;

impl Criterion {
    /// The loss of the two sides of a split, the left side's weights given
    /// and the right side's the rest of `total`; without allocating, as it
    /// runs for every candidate threshold.
    #[inline]
    fn split_loss(self, total: &[f64], left: &[f64]) -> f64 {
        match self {
            Criterion::Gini | Criterion::GiniCorrected => {
                let (mut nl, mut nr, mut sl, mut sr) = (0.0, 0.0, 0.0, 0.0);
                for (t, l) in total.iter().zip(left) {
                    let r = t - l;
                    nl += l;
                    nr += r;
                    sl += l * l;
                    sr += r * r;
                }
                let side = |n: f64, sq: f64| if n > 0.0 { n - sq / n } else { 0.0 };
                side(nl, sl) + side(nr, sr)
            }
            Criterion::Newton { lambda, .. } => {
                let (gl, hl) = (left[0], left[1]);
                let (gr, hr) = (total[0] - gl, total[1] - hl);
                -(gl * gl) / (hl + lambda) - (gr * gr) / (hr + lambda)
            }
        }
    }

    /// A loss to minimise: Gini impurity times the weight, or the negated
    /// Newton score `-G^2 / (H + lambda)`.
    fn impurity(self, counts: &[f64]) -> f64 {
        match self {
            Criterion::Gini | Criterion::GiniCorrected => impurity(counts),
            Criterion::Newton { lambda, .. } => -(counts[0] * counts[0]) / (counts[1] + lambda),
        }
    }
}

/// Which way a split sends rows.
#[derive(Clone, Debug, PartialEq)]
pub enum Test {
    /// Numeric or boolean: bins `<= t` go left.
    LeBin(u8),
    /// Categorical: bins in the set go left.
    InBins(Vec<u8>),
    /// Missing goes left, present goes right.
    IsMissing,
}

/// A tree node.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// Class weights of the fitting rows that reached it (counts for hard
    /// labels, summed probabilities for soft ones).
    Leaf {
        /// Weight per class.
        counts: Vec<f64>,
    },
    /// An internal node.
    Split {
        /// Feature column.
        feature: usize,
        /// The test.
        test: Test,
        /// Where missing values go (for tests other than `IsMissing`).
        missing_left: bool,
        /// Left child index.
        left: usize,
        /// Right child index.
        right: usize,
    },
}

/// A fitted tree. Node 0 is the root.
#[derive(Clone, Debug)]
pub struct Tree {
    /// Nodes, depth-first.
    pub nodes: Vec<Node>,
    /// Number of classes.
    pub n_classes: usize,
}

impl Tree {
    /// Index of the leaf row `row` of `binned` reaches.
    #[inline]
    pub fn leaf_of(&self, binned: &Binned, row: usize) -> usize {
        let mut i = 0;
        loop {
            match &self.nodes[i] {
                Node::Leaf { .. } => return i,
                Node::Split {
                    feature,
                    test,
                    missing_left,
                    left,
                    right,
                } => {
                    let bin = binned.columns[*feature].bins[row];
                    i = if goes_left(test, *missing_left, bin) {
                        *left
                    } else {
                        *right
                    };
                }
            }
        }
    }

    /// Number of splits on the path of row `row` (comparisons to decide it).
    pub fn depth_of(&self, binned: &Binned, row: usize) -> u32 {
        self.leaf_and_depth(binned, row).1
    }

    /// The leaf row `row` reaches and the number of splits on the way.
    #[inline]
    pub fn leaf_and_depth(&self, binned: &Binned, row: usize) -> (usize, u32) {
        let mut i = 0;
        let mut depth = 0;
        while let Node::Split {
            feature,
            test,
            missing_left,
            left,
            right,
        } = &self.nodes[i]
        {
            let bin = binned.columns[*feature].bins[row];
            i = if goes_left(test, *missing_left, bin) {
                *left
            } else {
                *right
            };
            depth += 1;
        }
        (i, depth)
    }

    /// Every leaf with the path to it: (split node, went left).
    pub fn leaf_paths(&self) -> Vec<(usize, Vec<(usize, bool)>)> {
        let mut out = Vec::new();
        let mut stack = vec![(0usize, Vec::new())];
        while let Some((i, path)) = stack.pop() {
            match &self.nodes[i] {
                Node::Leaf { .. } => out.push((i, path)),
                Node::Split { left, right, .. } => {
                    let mut r = path.clone();
                    r.push((i, false));
                    stack.push((*right, r));
                    let mut l = path;
                    l.push((i, true));
                    stack.push((*left, l));
                }
            }
        }
        out
    }

    /// The same tree cut at `depth`: nodes at that depth become leaves
    /// holding the weights of every leaf below them.
    pub fn truncate(&self, depth: usize) -> Tree {
        fn build(src: &Tree, i: usize, depth: usize, out: &mut Vec<Node>) -> (usize, Vec<f64>) {
            let idx = out.len();
            out.push(Node::Leaf { counts: Vec::new() });
            match &src.nodes[i] {
                Node::Leaf { counts } => {
                    out[idx] = Node::Leaf {
                        counts: counts.clone(),
                    };
                    (idx, counts.clone())
                }
                Node::Split {
                    feature,
                    test,
                    missing_left,
                    left,
                    right,
                } => {
                    let mut sub = Vec::new();
                    let (l, lc) = build(src, *left, depth.saturating_sub(1), &mut sub);
                    let (r, rc) = build(src, *right, depth.saturating_sub(1), &mut sub);
                    let total: Vec<f64> = lc.iter().zip(&rc).map(|(a, b)| a + b).collect();
                    if depth == 0 {
                        out[idx] = Node::Leaf {
                            counts: total.clone(),
                        };
                    } else {
                        // Children were numbered from 0 in `sub`: shift them.
                        let base = out.len();
                        let shift = |node: Node| match node {
                            Node::Split {
                                feature,
                                test,
                                missing_left,
                                left,
                                right,
                            } => Node::Split {
                                feature,
                                test,
                                missing_left,
                                left: left + base,
                                right: right + base,
                            },
                            leaf => leaf,
                        };
                        out.extend(sub.into_iter().map(shift));
                        out[idx] = Node::Split {
                            feature: *feature,
                            test: test.clone(),
                            missing_left: *missing_left,
                            left: l + base,
                            right: r + base,
                        };
                    }
                    (idx, total)
                }
            }
        }
        let mut nodes = Vec::new();
        build(self, 0, depth, &mut nodes);
        Tree {
            nodes,
            n_classes: self.n_classes,
        }
    }

    /// Class weights at leaf `leaf`.
    pub fn counts(&self, leaf: usize) -> &[f64] {
        match &self.nodes[leaf] {
            Node::Leaf { counts } => counts,
            Node::Split { .. } => &[],
        }
    }
}
#[inline]
fn goes_left(test: &Test, missing_left: bool, bin: u8) -> bool {
    match test {
        Test::IsMissing => bin == MISSING_BIN,
        _ if bin == MISSING_BIN => missing_left,
        Test::LeBin(t) => bin <= *t,
        Test::InBins(set) => set.contains(&bin),
    }
}

/// What a tree learns to predict, per table row.
#[derive(Clone, Copy, Debug)]
pub enum Targets<'a> {
    /// A class index per row.
    Hard(&'a [u32]),
    /// A probability per class per row (row-major, `n_classes` per row):
    /// the tree then separates regions by how sure the teacher is, not
    /// only by what it decides.
    Soft(&'a [f32]),
}

impl Targets<'_> {
    #[inline]
    fn add(&self, row: usize, k: usize, into: &mut [f64]) {
        match self {
            Targets::Hard(labels) => into[labels[row] as usize] += 1.0,
            Targets::Soft(p) => {
                for (c, x) in into.iter_mut().enumerate() {
                    *x += f64::from(p[row * k + c]);
                }
            }
        }
    }
}

/// Fits a tree on `rows` (repeats allowed: a bootstrap sample).
pub fn fit(
    binned: &Binned,
    mut rows: Vec<u32>,
    targets: Targets<'_>,
    n_classes: usize,
    params: &TreeParams,
) -> Tree {
    let mut rng = Rng::new(params.seed);
    let root_n = rows.len().max(1) as f64;
    let mut nodes = vec![Node::Leaf { counts: Vec::new() }];
    // (node, start, end, depth)
    let mut stack = vec![(0usize, 0usize, rows.len(), 0usize)];
    let n_features = binned.columns.len();
    let mut features: Vec<usize> = (0..n_features).collect();
    let mut right_rows: Vec<u32> = Vec::new();
    let mut scratch = Scratch::new(n_classes);
    while let Some((node, start, end, depth)) = stack.pop() {
        let slice = &rows[start..end];
        let mut counts = vec![0f64; n_classes];
        for &r in slice {
            targets.add(r as usize, n_classes, &mut counts);
        }
        let n = slice.len();
        let pure = matches!(params.criterion, Criterion::Gini | Criterion::GiniCorrected)
            && counts.iter().filter(|&&c| c > 1e-9).count() <= 1;
        let mut best: Option<Candidate> = None;
        if depth < params.max_depth && n >= 2 * params.min_samples_leaf.max(1) && !pure {
            // Like scikit-learn: sample `max_features` features (a lazy
            // Fisher–Yates draw), and only when none of them gives a valid
            // split keep drawing, so a node does not stop growing just
            // because its sampled features are constant in it.
            let m = params.max_features.unwrap_or(n_features).min(n_features);
            if m >= n_features {
                features.sort_unstable();
            }
            let parent = params.criterion.impurity(&counts);
            for i in 0..n_features {
                if i >= m && best.is_some() {
                    break;
                }
                if m < n_features {
                    let j = i + rng.below(n_features - i);
                    features.swap(i, j);
                }
                let f = features[i];
                if let Some(c) = best_split(
                    binned,
                    f,
                    slice,
                    targets,
                    n_classes,
                    params,
                    parent,
                    &mut scratch,
                ) {
                    let better = match &best {
                        None => true,
                        Some(b) => c.gain > b.gain || (c.gain == b.gain && c.feature < b.feature),
                    };
                    if better {
                        best = Some(c);
                    }
                }
            }
            if let Some(b) = &best {
                if b.gain < params.min_gain * root_n || b.gain <= 1e-9 {
                    best = None;
                }
            }
        }
        match best {
            None => nodes[node] = Node::Leaf { counts },
            Some(c) => {
                let col = &binned.columns[c.feature];
                // A stable partition: rows keep their order on both sides,
                // so scans of the binned columns stay in memory order.
                let slice = &mut rows[start..end];
                right_rows.clear();
                let mut mid = 0;
                for i in 0..slice.len() {
                    let r = slice[i];
                    if goes_left(&c.test, c.missing_left, col.bins[r as usize]) {
                        slice[mid] = r;
                        mid += 1;
                    } else {
                        right_rows.push(r);
                    }
                }
                slice[mid..].copy_from_slice(&right_rows);
                let left = nodes.len();
                nodes.push(Node::Leaf { counts: Vec::new() });
                let right = nodes.len();
                nodes.push(Node::Leaf { counts: Vec::new() });
                nodes[node] = Node::Split {
                    feature: c.feature,
                    test: c.test,
                    missing_left: c.missing_left,
                    left,
                    right,
                };
                stack.push((right, start + mid, end, depth + 1));
                stack.push((left, start, start + mid, depth + 1));
            }
        }
    }
    Tree { nodes, n_classes }
}

struct Candidate {
    feature: usize,
    test: Test,
    missing_left: bool,
    gain: f64,
}

/// Gini impurity times the weight: `n - sum(c^2) / n`.
fn impurity(counts: &[f64]) -> f64 {
    let n: f64 = counts.iter().sum();
    if n <= 0.0 {
        return 0.0;
    }
    n - counts.iter().map(|c| c * c).sum::<f64>() / n
}

/// Histogram buffers reused across the nodes of one fit: most nodes are
/// small, and zeroing a 255-bin histogram per node and feature used to cost
/// more than filling it.
struct Scratch {
    /// Weights per bin and class (`(MAX_BINS + 1) * k`), zero between uses.
    hist: Vec<f64>,
    /// Rows per bin, zero between uses.
    hist_rows: Vec<u32>,
    /// Bins the current node's rows fall in.
    touched: Vec<usize>,
}

impl Scratch {
    fn new(k: usize) -> Scratch {
        Scratch {
            hist: vec![0.0; (MAX_BINS + 1) * k],
            hist_rows: vec![0; MAX_BINS + 1],
            touched: Vec::new(),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn best_split(
    binned: &Binned,
    feature: usize,
    rows: &[u32],
    targets: Targets<'_>,
    k: usize,
    params: &TreeParams,
    parent: f64,
    scratch: &mut Scratch,
) -> Option<Candidate> {
    let col = &binned.columns[feature];
    let nb = col.n_bins;
    // hist[bin * k + class] (weights) and hist_rows[bin]; bin nb holds
    // missing values. Only the bins the rows fall in are touched, and only
    // they are zeroed again at the end.
    let Scratch {
        hist,
        hist_rows,
        touched,
    } = scratch;
    touched.clear();
    for &r in rows {
        let b = col.bins[r as usize];
        let b = if b == MISSING_BIN { nb } else { b as usize };
        if hist_rows[b] == 0 {
            touched.push(b);
        }
        targets.add(r as usize, k, &mut hist[b * k..(b + 1) * k]);
        hist_rows[b] += 1;
    }
    touched.sort_unstable();
    let best = split_from_histogram(
        feature,
        col,
        rows.len() as u32,
        k,
        params,
        parent,
        hist,
        hist_rows,
        touched,
    );
    for &b in touched.iter() {
        hist[b * k..(b + 1) * k].fill(0.0);
        hist_rows[b] = 0;
    }
    best
}

/// The best split of one column's histogram (see [`best_split`]);
/// `present` lists the bins with rows, ascending, the missing bin `nb`
/// last when there is one.
#[allow(clippy::too_many_arguments)]
fn split_from_histogram(
    feature: usize,
    col: &BinnedColumn,
    total_rows: u32,
    k: usize,
    params: &TreeParams,
    parent: f64,
    hist: &[f64],
    hist_rows: &[u32],
    present: &[usize],
) -> Option<Candidate> {
    let nb = col.n_bins;
    let missing: Vec<f64> = hist[nb * k..(nb + 1) * k].to_vec();
    let n_missing = hist_rows[nb];
    let present = match present.last() {
        Some(&last) if last == nb => &present[..present.len() - 1],
        _ => present,
    };
    let total: Vec<f64> = (0..k)
        .map(|c| present.iter().map(|&b| hist[b * k + c]).sum::<f64>() + missing[c])
        .collect();
    let min_leaf = params.min_samples_leaf.max(1) as u32;
    let mut best: Option<Candidate> = None;
    let categorical = matches!(col.kind, BinKind::Categorical { .. });
    // What a category set gains by chance beyond a two-way split (see
    // `Criterion::GiniCorrected`): the node's impurity (`parent` is weight
    // times impurity) per extra degree of freedom.
    let chance_gain = match params.criterion {
        Criterion::GiniCorrected if categorical => {
            let weight: f64 = total.iter().sum();
            let levels = present.len().saturating_sub(2) as f64;
            if weight > 0.0 {
                levels * parent / weight
            } else {
                0.0
            }
        }
        Criterion::Newton {
            lambda,
            charge_categories: true,
        } if categorical => {
            // The best split of `L` categories gains about `L - 1` by
            // chance; beyond what a numeric column's best threshold gains
            // by chance (`NUMERIC_CHANCE_DF`), it is charged, shrunk by the
            // penalty as the gains are.
            let levels = (present.len() as f64 - 1.0 - NUMERIC_CHANCE_DF).max(0.0);
            let h = total[1];
            if h > 0.0 {
                levels * h / (h + lambda)
            } else {
                0.0
            }
        }
        _ => 0.0,
    };
    let consider = |left: &[f64],
                    left_rows: u32,
                    test: &dyn Fn() -> Test,
                    missing_left: bool,
                    charge: f64,
                    best: &mut Option<Candidate>| {
        if left_rows < min_leaf || total_rows - left_rows < min_leaf {
            return;
        }
        let gain = parent - params.criterion.split_loss(&total, left) - charge;
        if best.as_ref().is_none_or(|b| gain > b.gain) {
            *best = Some(Candidate {
                feature,
                test: test(),
                missing_left,
                gain,
            });
        }
    };
    if n_missing > 0 {
        consider(
            &missing,
            n_missing,
            &|| Test::IsMissing,
            true,
            0.0,
            &mut best,
        );
    }
    // Bin orders to scan: the natural one for numbers and booleans; for
    // categories, by the share of each class (Breiman's ordering, one pass
    // per class for multiclass targets).
    let orders: Vec<Vec<usize>> = match &col.kind {
        BinKind::Numeric { .. } | BinKind::Boolean => vec![present.to_vec()],
        BinKind::Categorical { .. } if matches!(params.criterion, Criterion::Newton { .. }) => {
            // Ordered by each category's own Newton step (Fisher's ordering).
            let mut order: Vec<usize> = present.to_vec();
            let step = |b: usize| hist[b * k] / (hist[b * k + 1] + 1e-9);
            order.sort_by(|&a, &b| step(a).total_cmp(&step(b)).then(a.cmp(&b)));
            vec![order]
        }
        BinKind::Categorical { .. } => {
            // Classes absent from the node all give the bins' own order: it
            // is scanned once. Past `MAX_CLASS_ORDERS` classes in the node,
            // only the most frequent ones order the bins (each pass costs
            // `k` per bin, so a target of thousands of classes made the
            // forest take minutes on a few thousand rows).
            let passes: Vec<usize> = if k == 2 {
                vec![0]
            } else {
                let mut passes: Vec<usize> = (0..k).filter(|&c| total[c] > 0.0).collect();
                if passes.len() > MAX_CLASS_ORDERS {
                    passes.sort_by(|&a, &b| total[b].total_cmp(&total[a]).then(a.cmp(&b)));
                    passes.truncate(MAX_CLASS_ORDERS);
                    passes.sort_unstable();
                }
                if let Some(c) = (0..k).find(|&c| total[c] <= 0.0) {
                    let at = passes.partition_point(|&p| p < c);
                    passes.insert(at, c);
                }
                passes
            };
            passes
                .into_iter()
                .map(|class| {
                    let mut order = present.to_vec();
                    let share = |b: usize| {
                        let n: f64 = hist[b * k..(b + 1) * k].iter().sum();
                        hist[b * k + class] / n.max(1e-12)
                    };
                    order.sort_by(|&a, &b| share(a).total_cmp(&share(b)).then(a.cmp(&b)));
                    order
                })
                .collect()
        }
    };
    for order in &orders {
        let mut left = vec![0f64; k];
        let mut left_rows = 0u32;
        for (pos, &b) in order.iter().enumerate().take(order.len().saturating_sub(1)) {
            for c in 0..k {
                left[c] += hist[b * k + c];
            }
            left_rows += hist_rows[b];
            if hist_rows[b] == 0 {
                continue;
            }
            let test = || {
                if categorical {
                    let mut set: Vec<u8> = order[..=pos].iter().map(|&b| b as u8).collect();
                    set.sort_unstable();
                    Test::InBins(set)
                } else {
                    Test::LeBin(b as u8)
                }
            };
            // Where a missing value (or a category the fitting rows never
            // had) goes when the node's rows had none to learn it from: to
            // the side with more of them, as scikit-learn's histogram
            // boosting does, not always to one side. Sent right always, the
            // unseen districts of a new file all followed the rarer class.
            let bigger_left = n_missing == 0 && 2 * left_rows > total_rows;
            consider(&left, left_rows, &test, bigger_left, chance_gain, &mut best);
            if n_missing > 0 {
                let with_missing: Vec<f64> =
                    left.iter().zip(&missing).map(|(l, m)| l + m).collect();
                consider(
                    &with_missing,
                    left_rows + n_missing,
                    &test,
                    true,
                    chance_gain,
                    &mut best,
                );
            }
        }
    }
    best
}

#[cfg(test)]
mod tests;
