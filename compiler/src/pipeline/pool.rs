//! Stage 3, propose: [`Taught`] → [`Pool`]. Candidate rules are distilled
//! from the teacher's labels on part of the training rows (the fit rows);
//! the rest (the rank rows) are kept to order them without flattery. The
//! user's proposals (`--proposals`) come first, under their own names.
//! Synthetic rows, a table of their own, feed a second pool here and go
//! no further: from this stage on, only real rows exist. Learned candidates
//! without a condition they do not need join the pool
//! ([`crate::generalise`]).
//!
//! For a numeric target the candidates are the leaves of regression trees
//! ([`crate::regress::pool`]), and the target's classes are their distinct
//! decisions.

use rulec_runtime::ir::{Policy, Rule, RuleSet, Target};

use crate::error::Error;
use crate::generalise;
use crate::params::{Certify, CompileParams, OrderMode, TeacherKind};
use crate::pipeline::scoring::Scoring;
use crate::pipeline::taught::{Answers, Synthetic};
use crate::pipeline::{Ingested, Taught};
use crate::progress::Progress;
use crate::propose::{self, PoolParams, PoolTargets};
use crate::split;
use crate::table::Table;
use crate::teach::TeacherLabels;
use crate::tree::Binned;
use crate::validate;

/// The candidates, in a rule set with no evidence yet.
pub struct Pool {
    /// The data, real rows only.
    pub data: Ingested,
    /// The teacher's answers for the real rows.
    pub answers: Answers,
    /// The teacher as the rule book names it.
    pub teacher: String,
    /// Proposals first, then learned candidates named `candidate_<i>`.
    pub set: RuleSet,
    /// How many of `set.rules` are the user's proposals.
    pub n_proposals: usize,
    /// Training rows the candidates were not fitted on, to order them.
    pub rank_rows: Vec<usize>,
    /// Indices in `set.rules` of the leaves of the tree on the teacher's
    /// probabilities, for the confidence order (class targets only).
    pub confidence_leaves: Vec<usize>,
}

/// Proposes candidate rules.
pub fn run(taught: Taught, p: &CompileParams, progress: &dyn Progress) -> Result<Pool, Error> {
    let Taught {
        data,
        binned,
        answers,
        synthetic,
        description,
    } = taught;
    let Ingested {
        table,
        splits,
        data_sha256,
        data_names,
    } = data;
    // Candidates are fitted on part of the training rows and ranked on the
    // rest, so that their ranking estimates are not flattered by the rows
    // they were fitted on.
    // `--forbid`: the trees see the forbidden columns as constant, so no
    // candidate they propose can read them.
    let hidden: Vec<usize> = table
        .columns()
        .iter()
        .enumerate()
        .filter(|(_, c)| p.forbid.contains(&c.name))
        .map(|(i, _)| i)
        .collect();
    let binned = if hidden.is_empty() {
        binned
    } else {
        binned.masked(&hidden)
    };
    let synthetic = synthetic.map(|s| Synthetic {
        binned: if hidden.is_empty() {
            s.binned
        } else {
            s.binned.masked(&hidden)
        },
        ..s
    });
    let (strata, n_strata) = table.strata();
    let (fit_rows, rank_rows) =
        split::holdout(&splits.train, strata, n_strata, p.rank_share, p.seed);
    // With a sum of columns for the class target's trees: the binning they
    // and the shifted thresholds read.
    let mut with_sums: Option<Binned> = None;
    let (candidates, answers) = match answers {
        Answers::Classes(teacher) => {
            progress.line("propose: distilling the teacher into candidate rules");
            // The best plain sum of columns and the best that subtracts,
            // each when it cuts the fit rows' true labels much better than
            // any column alone, become more columns for the trees
            // (`crate::sums`).
            let sums: Vec<crate::sums::Terms> = if p.sums {
                crate::sums::search(&table, &fit_rows, &hidden, p.seed)
            } else {
                Vec::new()
            };
            for terms in &sums {
                let what = if terms.minus.is_empty() {
                    "sum"
                } else {
                    "difference"
                };
                progress.line(&format!(
                    "propose: the trees may also cut the {what} {}",
                    terms.describe(&table)
                ));
            }
            if !sums.is_empty() {
                with_sums = Some(binned.with_sums(&table, &fit_rows, &sums));
            }
            let candidates = propose_classes(
                &table,
                with_sums.as_ref().unwrap_or(&binned),
                &fit_rows,
                &teacher,
                synthetic.as_ref(),
                p,
            );
            (candidates, Answers::Classes(teacher))
        }
        Answers::Values(teacher) => {
            progress
                .line("propose: regression trees on the teacher's predictions and the true values");
            let (Some(truth), Some(tolerance)) = (table.values(), p.tolerance) else {
                return Err(Error::Params(
                    "internal: a numeric target without values or tolerance".into(),
                ));
            };
            let candidates = crate::regress::pool(
                &table,
                &binned,
                &fit_rows,
                &teacher.values,
                truth,
                crate::regress::PoolSpec {
                    tolerance,
                    max_depth: p.max_depth,
                    min_leaf: coarse_leaf(p),
                    max_rows: p.tree_rows,
                    seed: p.seed,
                },
            );
            (candidates, Answers::Values(teacher))
        }
    };
    let classes =
        Scoring::new(&table, &answers, p.tolerance)?.classes(table.classes(), &candidates);
    let mut set = RuleSet::new(
        Target {
            name: table.target_name().to_string(),
            classes,
            tolerance: p.tolerance,
        },
        validate::features_from(&table, &splits.train),
        Vec::new(),
        p.precision,
        p.confidence,
    );
    set.policy = Policy {
        forbidden: p.forbid.clone(),
        teacher_forbidden: p.forbid_teacher,
    };
    // The user's proposals come first, under their own names; one that
    // reads a forbidden column contradicts `--forbid` and is refused.
    if let Some(file) = &p.proposals {
        set.rules = crate::rules_file::load_dsl_for(file, &set)?;
        for rule in &set.rules {
            if let Some(name) = rule
                .conditions
                .iter()
                .flat_map(|c| c.features())
                .find(|name| set.policy.forbids(name))
            {
                return Err(Error::Params(format!(
                    "{}: proposal `{}` reads `{name}`, a column given to --forbid",
                    file.display(),
                    rule.name,
                )));
            }
        }
    }
    let n_proposals = set.rules.len();
    // The teacher's own tree paths (`--teacher-paths`) were learnt with
    // every column; those that read a forbidden one are no candidates.
    set.rules.extend(
        candidates
            .into_iter()
            .filter(|rule| {
                !rule
                    .conditions
                    .iter()
                    .flat_map(|c| c.features())
                    .any(|name| p.forbid.iter().any(|f| f == name))
            })
            .enumerate()
            .map(|(i, rule)| Rule {
                name: format!("candidate_{i}"),
                ..rule
            }),
    );
    // Learned candidates without a condition they do not need, then every
    // learned candidate's purer cores (one threshold moved to where the
    // precision is above the target), judged on the fit rows (numeric
    // targets: not yet).
    if let Answers::Classes(teacher) = &answers {
        let wider = generalise::drop_one_condition(
            &set,
            n_proposals,
            &table,
            &fit_rows,
            teacher,
            p.precision,
        )?;
        add_candidates(&mut set, n_proposals, wider);
        let cores = generalise::shift_thresholds(
            &set,
            n_proposals,
            &generalise::Shift {
                table: &table,
                binned: with_sums.as_ref().unwrap_or(&binned),
                fit_rows: &fit_rows,
                teacher,
                precision: p.precision,
                min_rows: coarse_leaf(p),
            },
        )?;
        add_candidates(&mut set, n_proposals, cores);
    }
    // The leaves of one tree on the teacher's probabilities, for the
    // confidence order (`select::confidence_order`): those the pool holds
    // already are named by their index there, the others join it. Only a
    // set or per-class guarantee (not one per rule, each tested on its
    // own) without proposals (which go first in the greedy order), from a
    // teacher with probabilities (not a logged `column:`), has a second
    // order, unless `--order greedy` asks for none.
    let mut confidence_leaves = Vec::new();
    let second_order = p.order != OrderMode::Greedy
        && p.certify != Certify::Rule
        && n_proposals == 0
        && !matches!(p.teacher, TeacherKind::Column(_));
    if let (Answers::Classes(teacher), true) = (&answers, second_order) {
        let leaves = propose::confidence_leaves(
            &table,
            with_sums.as_ref().unwrap_or(&binned),
            &fit_rows,
            &teacher.probs,
            &PoolParams {
                max_depth: p.max_depth,
                min_samples_leaf: coarse_leaf(p),
                bootstrap_trees: 0,
                max_rows: p.tree_rows,
                seed: p.seed,
            },
        );
        let mut index: std::collections::HashMap<String, usize> = set
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| (propose::rule_key(r), i))
            .collect();
        let mut fresh = Vec::new();
        for c in leaves {
            let next = set.rules.len() + fresh.len();
            let i = *index.entry(propose::rule_key(&c.rule)).or_insert(next);
            if i == next {
                fresh.push(c.rule);
            }
            confidence_leaves.push(i);
        }
        add_candidates(&mut set, n_proposals, fresh);
    }
    Ok(Pool {
        data: Ingested {
            table,
            splits,
            data_sha256,
            data_names,
        },
        answers,
        teacher: description,
        set,
        n_proposals,
        rank_rows,
        confidence_leaves,
    })
}

/// Appends learned candidates to `set`, named on from the last one (the
/// first `n_proposals` rules are the user's, under their own names).
fn add_candidates(set: &mut RuleSet, n_proposals: usize, rules: Vec<Rule>) {
    let first = set.rules.len() - n_proposals;
    set.rules
        .extend(rules.into_iter().enumerate().map(|(i, rule)| Rule {
            name: format!("candidate_{}", first + i),
            ..rule
        }));
}

/// A class target's candidates, from the teacher's labels (and, with
/// synthetic rows, a second pool from the fit rows and the synthetic rows
/// together).
fn propose_classes(
    table: &Table,
    binned: &Binned,
    fit_rows: &[usize],
    teacher: &TeacherLabels,
    synthetic: Option<&Synthetic>,
    p: &CompileParams,
) -> Vec<Rule> {
    let teacher_trees: &[crate::tree::Tree] = if p.teacher_paths { &teacher.trees } else { &[] };
    let targets = PoolTargets {
        teacher_probs: &teacher.probs,
        teacher_labels: &teacher.labels,
        truth: table.labels(),
        teacher_trees,
    };
    let pool_params = PoolParams {
        max_depth: p.max_depth,
        min_samples_leaf: coarse_leaf(p),
        bootstrap_trees: p.bootstrap_trees,
        max_rows: p.tree_rows,
        seed: p.seed,
    };
    let mut candidates = propose::pool(table, binned, fit_rows, &targets, &pool_params);
    // The same trees grown again down to smaller leaves: a region the
    // coarse leaves cut across (kids >= 1 and married 10 years or more,
    // where the years married take five 0/1 columns of which two have under
    // 20 rows there) gets rules that are right on every row of it. The
    // order picks from both; see `fine_leaf`.
    if let Some(leaf) = fine_leaf(p, fit_rows.len()) {
        let fine = PoolParams {
            min_samples_leaf: leaf,
            ..pool_params.clone()
        };
        let more = propose::pool(table, binned, fit_rows, &targets, &fine);
        join_new(&mut candidates, more);
    }
    // With synthetic rows, a second pool learns from real and synthetic rows
    // together; its candidates join the first pool's, so the selection can
    // only gain from them (it ranks all on real rows). The trees see one
    // binning of the real rows followed by the synthetic ones, whose truth
    // is the teacher's label; the real table only names the columns.
    if let Some(synthetic) = synthetic {
        let n_real = table.n_rows();
        let both = binned.with_rows_of(&synthetic.binned);
        let mut with_synthetic = fit_rows.to_vec();
        with_synthetic.extend(n_real..n_real + synthetic.table.n_rows());
        let teacher_labels = [teacher.labels.as_slice(), &synthetic.labels.labels].concat();
        let truth = [table.labels(), &synthetic.labels.labels].concat();
        let teacher_probs = [teacher.probs.as_slice(), &synthetic.labels.probs].concat();
        let targets = PoolTargets {
            teacher_probs: &teacher_probs,
            teacher_labels: &teacher_labels,
            truth: &truth,
            teacher_trees,
        };
        let more = propose::pool(table, &both, &with_synthetic, &targets, &pool_params);
        join_new(&mut candidates, more);
    }
    candidates.into_iter().map(|c| c.rule).collect()
}

/// Appends to `candidates` those of `more` that are not already there (by
/// [`propose::rule_key`]), in their order.
fn join_new(candidates: &mut Vec<propose::Candidate>, more: Vec<propose::Candidate>) {
    let seen: std::collections::BTreeSet<String> = candidates
        .iter()
        .map(|c| propose::rule_key(&c.rule))
        .collect();
    candidates.extend(
        more.into_iter()
            .filter(|c| !seen.contains(&propose::rule_key(&c.rule))),
    );
}

/// Fewest training rows in a leaf of the coarse distilled trees: four times
/// `--min-leaf`. A class target's candidates come from trees grown twice:
/// with leaves of at least this many rows (large rules) and with leaves of
/// at least [`fine_leaf`] (rules that follow a region the coarse leaves cut
/// across). The shifted thresholds and a numeric target's regression trees
/// use this size only. With the default `--min-leaf 5`: 20 rows.
pub fn coarse_leaf(p: &CompileParams) -> usize {
    p.min_leaf.saturating_mul(4)
}

/// Fewest training rows in a leaf of the fine distilled trees, with `fit`
/// rows to fit them on: `--min-leaf`, or 0.2 % of the fit rows where that is
/// more. A leaf of fewer fit rows answers, on the rank rows, fewer than a
/// learned rule must add to join the order ([`crate::select::min_new_rows`]:
/// 0.2 % of the rank rows, which are 3/7 as many), so it could not be taken.
/// `None` when that reaches [`coarse_leaf`]: the trees are grown once. With
/// the defaults: leaves of 5 rows up to 2,500 fit rows, none past 10,000
/// (the demo's 200,000 rows, flights, diamonds).
///
/// Measured on seeds 0-4 against the coarse trees alone (the book's
/// benchmark chapter, "Results with leaves of two sizes").
pub fn fine_leaf(p: &CompileParams, fit: usize) -> Option<usize> {
    let leaf = p.min_leaf.max((fit as f64 * 0.002).ceil() as usize);
    (leaf < coarse_leaf(p)).then_some(leaf)
}
