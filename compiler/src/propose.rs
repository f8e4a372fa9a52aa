//! Propose: candidate rules from a decision tree distilled on the teacher's
//! labels.
//!
//! Each leaf of the distilled tree becomes one candidate: the conjunction of
//! the tests on its path, simplified (one lower and one upper bound per
//! numeric column, one category set per categorical column), deciding the
//! teacher's majority class in the leaf. Candidates carry no evidence yet;
//! [`crate::validate`] measures them on held-out rows.

use rulec_runtime::ir::{CmpOp, Condition, Rule};

use crate::table::{ColumnData, Table};
use crate::tree::{self, BinKind, Binned, Node, Test, Tree, TreeParams};

/// Distillation parameters.
#[derive(Clone, Debug)]
pub struct DistilParams {
    /// Depth of the distilled tree: the most conditions a rule can have.
    pub max_depth: usize,
    /// Fewest training rows in a leaf.
    pub min_samples_leaf: usize,
    /// Seed.
    pub seed: u64,
}

/// A candidate rule and where it came from.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// The rule (name assigned later).
    pub rule: Rule,
    /// Training rows in its leaf.
    pub train_support: u32,
}

/// Distils the teacher's labels on `train` rows into a tree and returns one
/// candidate per leaf.
pub fn distil(
    table: &Table,
    binned: &Binned,
    train: &[usize],
    teacher_labels: &[u32],
    params: &DistilParams,
) -> Vec<Candidate> {
    let tree_params = TreeParams {
        max_depth: params.max_depth,
        min_samples_leaf: params.min_samples_leaf,
        min_gain: 1e-4,
        max_features: None,
        seed: params.seed,
    };
    let rows: Vec<u32> = train.iter().map(|&r| r as u32).collect();
    let tree = tree::fit(
        binned,
        rows,
        teacher_labels,
        table.n_classes(),
        &tree_params,
    );
    leaf_rules(&tree, table, binned)
}

/// One candidate per leaf of `tree`.
pub fn leaf_rules(tree: &Tree, table: &Table, binned: &Binned) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (leaf, path) in tree.leaf_paths() {
        let counts = tree.counts(leaf);
        let total: u32 = counts.iter().sum();
        if total == 0 {
            continue;
        }
        let class = counts
            .iter()
            .enumerate()
            .fold((0, 0), |acc, (i, &c)| if c > acc.1 { (i, c) } else { acc })
            .0;
        let mut conditions = Vec::new();
        for (node, went_left) in path {
            if let Node::Split { feature, test, .. } = &tree.nodes[node] {
                if let Some(c) = path_condition(table, binned, *feature, test, went_left) {
                    conditions.push(c);
                }
            }
        }
        out.push(Candidate {
            rule: Rule {
                name: String::new(),
                conditions: simplify(conditions, table),
                decision: table.classes[class].clone(),
                origin: Some("distilled tree".into()),
                evidence: None,
            },
            train_support: total,
        });
    }
    out
}

fn path_condition(
    table: &Table,
    binned: &Binned,
    feature: usize,
    test: &Test,
    went_left: bool,
) -> Option<Condition> {
    let name = table.columns[feature].name.clone();
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
            let ColumnData::Categorical { levels, .. } = &table.columns[feature].data else {
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

/// Merges conditions on the same column: the tightest numeric bounds, the
/// intersection of category sets; keeps the first-seen column order, and
/// writes a category set as `not in` when that lists fewer values.
pub fn simplify(conditions: Vec<Condition>, table: &Table) -> Vec<Condition> {
    let mut order: Vec<String> = Vec::new();
    for c in &conditions {
        if !order.iter().any(|f| f == c.feature()) {
            order.push(c.feature().to_string());
        }
    }
    let mut out = Vec::new();
    for feature in order {
        let on: Vec<&Condition> = conditions
            .iter()
            .filter(|c| c.feature() == feature)
            .collect();
        let mut lower: Option<(CmpOp, f64)> = None;
        let mut upper: Option<(CmpOp, f64)> = None;
        let mut set: Option<Vec<String>> = None;
        let mut rest: Vec<Condition> = Vec::new();
        for c in on {
            match c {
                Condition::Cmp { op, value, .. } => {
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
                        Some(s) => s.into_iter().filter(|v| values.contains(v)).collect(),
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
            out.push(Condition::Cmp {
                feature: feature.clone(),
                op,
                value,
            });
        }
        if let Some(mut values) = set {
            values.sort();
            let all = table
                .columns
                .iter()
                .find(|c| c.name == feature)
                .and_then(|c| match &c.data {
                    ColumnData::Categorical { levels, .. } => Some(levels.clone()),
                    _ => None,
                })
                .unwrap_or_default();
            let complement: Vec<String> = all
                .iter()
                .filter(|l| !values.contains(l))
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
