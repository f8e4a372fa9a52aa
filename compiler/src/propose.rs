//! Propose: candidate rules from a decision tree distilled on the teacher's
//! labels.
//!
//! Each leaf of the distilled tree becomes one candidate: the conjunction of
//! the tests on its path, simplified (one lower and one upper bound per
//! numeric column, one category set per categorical column), deciding the
//! teacher's majority class in the leaf. Candidates carry no evidence yet;
//! [`crate::validate`] measures them on held-out rows.

use rayon::prelude::*;
use rulec_runtime::ir::{CmpOp, Condition, Rule};

use crate::table::{ColumnData, Table};
use crate::tree::{self, BinKind, Binned, Criterion, Node, Targets, Test, Tree, TreeParams};

/// A candidate rule and where it came from.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// The rule (name assigned later).
    pub rule: Rule,
}

/// Parameters of the candidate pool.
#[derive(Clone, Debug)]
pub struct PoolParams {
    /// Deepest tree (most conditions per rule).
    pub max_depth: usize,
    /// Fewest training rows in a leaf.
    pub min_samples_leaf: usize,
    /// Extra trees on bootstrap samples of the training rows.
    pub bootstrap_trees: usize,
    /// Rows each tree learns from, at most (0: every row given): the trees
    /// on all rows then learn from a seeded sample of this many, and each
    /// extra tree draws a bootstrap sample of this many. Candidates are still
    /// ranked and certified on every held-out row.
    pub max_rows: usize,
    /// Seed.
    pub seed: u64,
}

/// What the trees of the pool learn from.
pub struct PoolTargets<'a> {
    /// The teacher's class probabilities per row (row-major).
    pub teacher_probs: &'a [f32],
    /// The teacher's label per row.
    pub teacher_labels: &'a [u32],
    /// The true label per row (only training rows are read).
    pub truth: &'a [u32],
    /// The teacher's own trees, whose paths (cut at the depth limit) are
    /// candidates too.
    pub teacher_trees: &'a [Tree],
}

/// The candidate pool, without duplicates: the leaves of trees of several
/// depths (a shallow tree gives short rules that cover much, a deep one
/// precise rules for hard regions) distilled from
/// - the teacher's class probabilities: leaves then separate regions by how
///   sure the teacher is, which is what finds the 97 % regions inside a
///   region the teacher labels all alike;
/// - the teacher's labels;
/// - the true labels of the training rows;
///
/// and of trees on bootstrap samples of the training rows with a random two
/// thirds of the columns per split (other split orders and feature choices).
pub fn pool(
    table: &Table,
    binned: &Binned,
    train: &[usize],
    targets: &PoolTargets<'_>,
    params: &PoolParams,
) -> Vec<Candidate> {
    let mut depths: Vec<usize> = [2, 3, 4, 6, params.max_depth]
        .into_iter()
        .filter(|&d| d <= params.max_depth)
        .collect();
    depths.dedup();
    let rows = tree_rows(train, params);
    let k = table.n_classes();
    let sources: [(Targets<'_>, &str); 3] = [
        (
            Targets::Soft(targets.teacher_probs),
            "tree on the teacher's probabilities",
        ),
        (
            Targets::Hard(targets.teacher_labels),
            "tree on the teacher's labels",
        ),
        (Targets::Hard(targets.truth), "tree on the true labels"),
    ];
    let nullable = nullable_columns(table, train);
    let mut out: Vec<Candidate> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut add = |tree: &Tree, origin: &str, out: &mut Vec<Candidate>| {
        for mut c in leaf_rules(tree, table, binned, &nullable) {
            if seen.insert(rule_key(&c.rule)) {
                c.rule.origin = Some(origin.to_string());
                out.push(c);
            }
        }
    };
    // CART is greedy: a node's split depends on its rows only, so the tree
    // cut at a smaller depth is the tree fitted to that depth. One tree per
    // source is fitted (in parallel, collected in order) and cut.
    let deepest = *depths.last().unwrap_or(&params.max_depth);
    let fitted: Vec<Tree> = sources
        .par_iter()
        .map(|(targets, _)| {
            let tree_params = TreeParams {
                max_depth: deepest,
                min_samples_leaf: params.min_samples_leaf,
                min_gain: 1e-5,
                max_features: None,
                seed: params.seed,
                criterion: Criterion::GiniCorrected,
            };
            tree::fit(binned, rows.clone(), *targets, k, &tree_params)
        })
        .collect();
    for (tree, (_, origin)) in fitted.iter().zip(&sources) {
        for &depth in &depths {
            add(&tree.truncate(depth), origin, &mut out);
        }
    }
    for tree in targets.teacher_trees {
        add(
            &tree.truncate(params.max_depth),
            "path of the teacher's own tree",
            &mut out,
        );
    }
    let n_features = binned.columns.len();
    let bootstrap: Vec<Tree> = (0..params.bootstrap_trees)
        .into_par_iter()
        .map(|b| {
            let mut rng = rulec_datasets::Rng::derive(params.seed, 7000 + b as u64);
            let draws = match params.max_rows {
                0 => train.len(),
                cap => cap.min(train.len()),
            };
            let mut sample: Vec<u32> = (0..draws)
                .map(|_| train[rng.below(train.len())] as u32)
                .collect();
            // In row order, so the tree's scans read memory in order.
            sample.sort_unstable();
            let tree_params = TreeParams {
                max_depth: depths[b % depths.len()].max(3),
                min_samples_leaf: params.min_samples_leaf,
                min_gain: 1e-5,
                max_features: Some((n_features * 2).div_ceil(3).max(1)),
                seed: rng.next_u64(),
                criterion: Criterion::GiniCorrected,
            };
            tree::fit(
                binned,
                sample,
                Targets::Soft(targets.teacher_probs),
                k,
                &tree_params,
            )
        })
        .collect();
    for tree in &bootstrap {
        add(
            tree,
            "tree on a bootstrap sample (teacher's probabilities)",
            &mut out,
        );
    }
    out
}

/// The leaves of one tree fitted to the teacher's probabilities on `train`
/// (as deep as `params.max_depth`, leaves of at least
/// `params.min_samples_leaf` rows, on at most `params.max_rows` of them):
/// rules each deciding the class the teacher favours in its leaf, for the
/// confidence order ([`crate::select::confidence_order`]). Fitted to the
/// probabilities, the tree's leaves part rows by how sure the teacher is,
/// so the most confident leaves draw the teacher's own threshold in boxes.
pub fn confidence_leaves(
    table: &Table,
    binned: &Binned,
    train: &[usize],
    teacher_probs: &[f32],
    params: &PoolParams,
) -> Vec<Candidate> {
    let tree_params = TreeParams {
        max_depth: params.max_depth,
        min_samples_leaf: params.min_samples_leaf,
        min_gain: 1e-5,
        max_features: None,
        seed: params.seed,
        criterion: Criterion::GiniCorrected,
    };
    let tree = tree::fit(
        binned,
        tree_rows(train, params),
        Targets::Soft(teacher_probs),
        table.n_classes(),
        &tree_params,
    );
    let mut out = leaf_rules(&tree, table, binned, &nullable_columns(table, train));
    for c in &mut out {
        c.rule.origin =
            Some("leaf of the tree on the teacher's probabilities, by its confidence".into());
    }
    out
}

/// The rows a tree learns from: `train`, or a seeded sample of
/// `params.max_rows` of them, in row order.
fn tree_rows(train: &[usize], params: &PoolParams) -> Vec<u32> {
    let mut rows: Vec<u32> = train.iter().map(|&r| r as u32).collect();
    if params.max_rows > 0 && rows.len() > params.max_rows {
        // Past this many rows a depth-limited tree barely changes, while
        // its scans of the columns stop fitting in the cache.
        let mut rng = rulec_datasets::Rng::derive(params.seed, 6000);
        rng.shuffle(&mut rows);
        rows.truncate(params.max_rows);
        rows.sort_unstable();
    }
    rows
}

/// The columns a rule may test with `is missing`: those missing in a row
/// the trees fit on (so in a training row, which the schema's nullable
/// columns come from). Synthetic rows (`--synthetic`) lie past the table's
/// own.
fn nullable_columns(table: &Table, train: &[usize]) -> Vec<bool> {
    table
        .columns()
        .iter()
        .map(|c| {
            train
                .iter()
                .any(|&r| r < c.data.len() && c.data.is_missing(r))
        })
        .collect()
}

/// What makes two candidates the same: their conditions as the DSL prints
/// them, and their decision (names and origins aside).
pub fn rule_key(rule: &Rule) -> String {
    format!(
        "{}\u{0}{}",
        rulec_runtime::dsl::print_conditions(&rule.conditions),
        rule.decision
    )
}

/// One candidate per leaf of `tree`, deciding the leaf's heaviest class,
/// and one for the leaf's rows missing a column of `nullable` (per table
/// column) where the path lets them through ([`missing_variants`]).
pub fn leaf_rules(
    tree: &Tree,
    table: &Table,
    binned: &Binned,
    nullable: &[bool],
) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (leaf, path) in tree.leaf_paths() {
        let counts = tree.counts(leaf);
        let total: f64 = counts.iter().sum();
        if total <= 0.0 {
            continue;
        }
        let class = counts
            .iter()
            .enumerate()
            .fold(
                (0, f64::MIN),
                |acc, (i, &c)| if c > acc.1 { (i, c) } else { acc },
            )
            .0;
        // A leaf reached through "unknown to the rules" cannot be a rule.
        let Some(conditions) = path_conditions(tree, table, binned, &path) else {
            continue;
        };
        for conditions in std::iter::once(conditions)
            .chain(missing_variants(tree, table, binned, nullable, &path))
        {
            out.push(Candidate {
                rule: Rule {
                    name: String::new(),
                    conditions,
                    decision: table.classes()[class].clone(),
                    origin: None,
                    evidence: None,
                },
            });
        }
    }
    out
}

/// The rows of a leaf whose value of a column is missing, as rules of their
/// own. A tree routes missing values along one side of a threshold or a
/// category set (`x < 0`, missing going with it); the rule of the path
/// says `x < 0`, which a missing value never satisfies, so those rows of
/// the leaf were answered by no candidate: where 40 % of the rows missed
/// `x` and all of them were of one class, every rule left them to the
/// fallback. For each column whose every test on the path lets missing
/// values through, the path's conditions with that column's tests replaced
/// by `x is missing`.
fn missing_variants(
    tree: &Tree,
    table: &Table,
    binned: &Binned,
    nullable: &[bool],
    path: &[(usize, bool)],
) -> Vec<Vec<Condition>> {
    let n_columns = table.columns().len();
    let mut columns: Vec<usize> = Vec::new();
    for &(node, _) in path {
        if let Node::Split { feature, .. } = &tree.nodes[node] {
            if *feature < n_columns && nullable[*feature] && !columns.contains(feature) {
                columns.push(*feature);
            }
        }
    }
    let mut out = Vec::new();
    for f in columns {
        // Missing values reach the leaf only when every test of `f` on the
        // path sends them its way; an `is missing` test already names them.
        let passes = path
            .iter()
            .all(|&(node, went_left)| match &tree.nodes[node] {
                Node::Split {
                    feature,
                    test,
                    missing_left,
                    ..
                } if *feature == f => {
                    !matches!(test, Test::IsMissing) && *missing_left == went_left
                }
                _ => true,
            });
        if !passes {
            continue;
        }
        let others: Vec<(usize, bool)> = path
            .iter()
            .copied()
            .filter(|&(node, _)| !matches!(&tree.nodes[node], Node::Split { feature, .. } if *feature == f))
            .collect();
        let Some(mut conditions) = path_conditions(tree, table, binned, &others) else {
            continue;
        };
        conditions.push(Condition::Missing {
            feature: table.columns()[f].name.clone(),
        });
        out.push(simplify(conditions, table));
    }
    out
}

/// The simplified conditions of the path to a leaf; `None` when the path
/// goes through values a rule cannot name: the missing-value branch of a
/// column that has no missing value holds only categories unknown to the
/// rules (rare levels past `--max-categories`, levels unseen when fitting),
/// which no condition selects. See: #19.
pub fn path_conditions(
    tree: &Tree,
    table: &Table,
    binned: &Binned,
    path: &[(usize, bool)],
) -> Option<Vec<Condition>> {
    let mut conditions = Vec::new();
    for &(node, went_left) in path {
        if let Node::Split { feature, test, .. } = &tree.nodes[node] {
            if matches!(test, Test::IsMissing)
                && went_left
                && (!binned.columns[*feature].has_missing || *feature >= table.columns().len())
            {
                // No condition names a missing sum either.
                return None;
            }
            if let Some(c) = path_condition(table, binned, *feature, test, went_left) {
                conditions.push(c);
            }
        }
    }
    Some(simplify(conditions, table))
}

fn path_condition(
    table: &Table,
    binned: &Binned,
    feature: usize,
    test: &Test,
    went_left: bool,
) -> Option<Condition> {
    let n_columns = table.columns().len();
    if feature >= n_columns {
        // A sum of table columns ([`Binned::sums`]).
        let terms = binned.sums.get(feature - n_columns)?;
        let BinKind::Numeric { cuts } = &binned.columns[feature].kind else {
            return None;
        };
        let Test::LeBin(t) = test else {
            return None;
        };
        let names = |cols: &[usize]| {
            cols.iter()
                .map(|&c| table.columns()[c].name.clone())
                .collect()
        };
        return Some(Condition::Sum {
            features: names(&terms.plus),
            minus: names(&terms.minus),
            op: if went_left { CmpOp::Lt } else { CmpOp::Ge },
            value: cuts[*t as usize],
        });
    }
    let name = table.columns()[feature].name.clone();
    match (test, &binned.columns[feature].kind) {
        (Test::IsMissing, _) => went_left.then_some(Condition::Missing { feature: name }),
        (Test::LeBin(t), BinKind::Numeric { cuts }) => Some(Condition::Cmp {
            feature: name,
            op: if went_left { CmpOp::Lt } else { CmpOp::Ge },
            value: cuts[*t as usize],
        }),
        (Test::LeBin(_), BinKind::Boolean) => Some(Condition::Is {
            feature: name,
            value: !went_left,
        }),
        (Test::InBins(set), BinKind::Categorical { bin_levels }) => {
            let ColumnData::Categorical { levels, .. } = &table.columns()[feature].data else {
                return None;
            };
            let chosen: Vec<String> = bin_levels
                .iter()
                .enumerate()
                .filter(|(b, _)| set.contains(&(*b as u8)) == went_left)
                .flat_map(|(_, ls)| ls.iter().map(|&l| levels[l as usize].clone()))
                .collect();
            Some(Condition::In {
                feature: name,
                values: chosen,
            })
        }
        _ => None,
    }
}

/// [`simplify`] against an IR schema rather than a table.
pub fn simplify_schema(
    conditions: Vec<Condition>,
    features: &[rulec_runtime::ir::Feature],
) -> Vec<Condition> {
    let levels = |name: &str| -> Vec<String> {
        features
            .iter()
            .find(|f| f.name == name)
            .and_then(|f| match &f.kind {
                rulec_runtime::ir::FeatureKind::Categorical { categories } => {
                    Some(categories.clone())
                }
                _ => None,
            })
            .unwrap_or_default()
    };
    simplify_with(conditions, &levels)
}

/// Merges conditions on the same column: the tightest numeric bounds, the
/// intersection of category sets; keeps the first-seen column order, and
/// writes a category set as `not in` when that lists fewer values.
pub fn simplify(conditions: Vec<Condition>, table: &Table) -> Vec<Condition> {
    let levels = |name: &str| -> Vec<String> {
        table
            .columns()
            .iter()
            .find(|c| c.name == name)
            .and_then(|c| match &c.data {
                ColumnData::Categorical { levels, .. } => Some(levels.clone()),
                _ => None,
            })
            .unwrap_or_default()
    };
    simplify_with(conditions, &levels)
}

fn simplify_with(
    conditions: Vec<Condition>,
    levels: &dyn Fn(&str) -> Vec<String>,
) -> Vec<Condition> {
    // Grouped by what they read: a column, or a sum's terms.
    let group = Condition::terms_key;
    let mut order: Vec<String> = Vec::new();
    for c in &conditions {
        if !order.iter().any(|f| *f == group(c)) {
            order.push(group(c));
        }
    }
    let mut out = Vec::new();
    for feature in order {
        let on: Vec<&Condition> = conditions.iter().filter(|c| group(c) == feature).collect();
        let sum = on.iter().find_map(|c| match c {
            Condition::Sum {
                features, minus, ..
            } => Some((features.clone(), minus.clone())),
            _ => None,
        });
        let mut lower: Option<(CmpOp, f64)> = None;
        let mut upper: Option<(CmpOp, f64)> = None;
        let mut set: Option<Vec<String>> = None;
        let mut rest: Vec<Condition> = Vec::new();
        for c in on {
            match c {
                Condition::Cmp { op, value, .. } | Condition::Sum { op, value, .. } => {
                    let slot = if op.is_lower_bound() {
                        &mut lower
                    } else {
                        &mut upper
                    };
                    *slot = Some(match *slot {
                        None => (*op, *value),
                        Some(prev) => tighter(prev, (*op, *value)),
                    });
                }
                Condition::In { values, .. } => {
                    set = Some(match set {
                        None => values.clone(),
                        Some(s) => {
                            // A set, not a scan of the list: tens of
                            // thousands of levels made this quadratic.
                            let keep: std::collections::HashSet<&String> = values.iter().collect();
                            s.into_iter().filter(|v| keep.contains(v)).collect()
                        }
                    });
                }
                other => {
                    if !rest.contains(other) {
                        rest.push(other.clone());
                    }
                }
            }
        }
        for (op, value) in [lower, upper].into_iter().flatten() {
            out.push(match &sum {
                Some((features, minus)) => Condition::Sum {
                    features: features.clone(),
                    minus: minus.clone(),
                    op,
                    value,
                },
                None => Condition::Cmp {
                    feature: feature.clone(),
                    op,
                    value,
                },
            });
        }
        if let Some(mut values) = set {
            values.sort();
            let all = levels(&feature);
            let listed: std::collections::HashSet<&String> = values.iter().collect();
            let complement: Vec<String> = all
                .iter()
                .filter(|l| !listed.contains(l))
                .cloned()
                .collect();
            if !complement.is_empty() && complement.len() < values.len() {
                out.push(Condition::NotIn {
                    feature: feature.clone(),
                    values: complement,
                });
            } else {
                out.push(Condition::In {
                    feature: feature.clone(),
                    values,
                });
            }
        }
        out.extend(rest);
    }
    out
}

/// Of two bounds on the same side, the one that admits fewer values.
fn tighter(a: (CmpOp, f64), b: (CmpOp, f64)) -> (CmpOp, f64) {
    use std::cmp::Ordering::*;
    match (a.1.total_cmp(&b.1), a.0.is_lower_bound()) {
        (Less, true) => b,
        (Greater, true) => a,
        (Less, false) => a,
        (Greater, false) => b,
        // Same value: the strict operator is tighter.
        (Equal, _) => {
            if matches!(a.0, CmpOp::Lt | CmpOp::Gt) {
                a
            } else {
                b
            }
        }
    }
}
