//! Numeric targets (`--tolerance`): the regression teacher, regression-tree
//! candidates, and evidence where a decision is right within the tolerance
//! of the true value (see [`crate::regress`]).
//!
//! FIXME(#16): this is still a second copy of the class pipeline's stages
//! (labelling, pool, truth bits, ordered evidence). `CompileParams::check`
//! refuses what it does not apply (teachers other than `forest` and
//! `column:`, `--proposals`, `--teacher-paths`, `--tree-rows`,
//! `--bootstrap-trees`); it does not cache the teacher's predictions. It is
//! to become the class pipeline parameterised by how a decision is scored.

use rulec_runtime::ir::{Rule, RuleSet, SetFigures, Summary, Target};

use crate::error::Error;
use crate::params::{CompileParams, TeacherKind};
use crate::pipeline::assemble::{cost_model, name_rules};
use crate::pipeline::certified::{certify, record_certification};
use crate::progress::Progress;
use crate::select::{self, CoverageTable};
use crate::split;
use crate::tree::Binned;
use crate::validate::{self, EncodedRows};

/// The pipeline for a numeric target: returns the
/// rule set with evidence and summary, the set figures per split, the number
/// of candidates and the teacher's description.
#[allow(clippy::type_complexity)]
pub(crate) fn compile(
    table: &crate::table::Table,
    splits: &split::Splits,
    p: &CompileParams,
    tolerance: f64,
    progress: &dyn Progress,
) -> Result<(RuleSet, SetFigures, Option<SetFigures>, u64, String), Error> {
    use crate::regress;
    let Some(values) = table.values.as_ref() else {
        return Err(Error::Params(
            "internal: a numeric target without values".into(),
        ));
    };
    // `CompileParams::check` refused the teachers, proposals and options
    // this copy does not apply.
    let binned = Binned::new(table, &splits.train);
    let (teacher, comparisons, teacher_desc) = match (&p.teacher, &table.teacher_values) {
        (TeacherKind::Column(c), Some(t)) => (
            t.clone(),
            Vec::new(),
            format!("predictions logged in column `{c}`"),
        ),
        _ => {
            let desc = format!(
                "regression forest ({} trees, max depth 20, min leaf 5, a third of the features per split, out-of-bag predictions on train rows)",
                p.n_trees
            );
            progress.line(&format!(
                "teach: {desc} on {} training rows",
                splits.train.len()
            ));
            let (pred, cmp) =
                regress::forest_predict(table, &binned, splits, values, p.n_trees, p.seed);
            (pred, cmp, desc)
        }
    };
    progress.line("propose: regression trees on the teacher's predictions and the true values");
    let (fit_rows, rank_rows) = split::holdout(
        &splits.train,
        &table.labels,
        table.n_classes(),
        p.rank_share,
        p.seed,
    );
    let candidates = regress::pool(
        table,
        &binned,
        &fit_rows,
        &teacher,
        values,
        regress::PoolSpec {
            tolerance,
            max_depth: p.max_depth,
            min_leaf: p.min_leaf,
        },
    );
    let mut set = RuleSet::new(
        Target {
            name: table.target_name.clone(),
            classes: regress::decision_values(&candidates),
            tolerance: Some(tolerance),
        },
        validate::features(table),
        candidates
            .into_iter()
            .enumerate()
            .map(|(i, r)| Rule {
                name: format!("candidate_{i}"),
                ..r
            })
            .collect(),
        p.precision,
        p.confidence,
    );
    let n_candidates = set.rules.len() as u64;
    progress.line(&format!(
        "validate: {n_candidates} candidates, within ±{tolerance} counting as right"
    ));
    let rank = EncodedRows::new(table, &rank_rows);
    let valid = EncodedRows::new(table, &splits.validation);
    let test = EncodedRows::new(table, &splits.test);
    let decisions: Vec<u32> = (0..set.rules.len() as u32).collect();
    let cov_rank = validate::coverage(&set, &rank)?;
    let truth_rank = regress::within_bits(&set, &rank, values, tolerance);
    let teacher_rank: Vec<Vec<f32>> = set
        .rules
        .iter()
        .map(|r| {
            let v: f64 = r.decision.parse().unwrap_or(f64::NAN);
            rank.rows
                .iter()
                .map(|&row| {
                    if (teacher[row] - v).abs() <= tolerance {
                        1.0
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    let order = select::greedy_order(
        &CoverageTable {
            covers: &cov_rank,
            decisions: &decisions,
            truth: &truth_rank,
            teacher: Some(&teacher_rank),
        },
        &select::OrderParams {
            precision: p.precision,
            floor: select::rule_floor(p.precision),
            confidence: p.confidence,
            max_rules: p.max_rules,
            pinned: 0,
        },
    );
    let cov_valid = validate::coverage(&set, &valid)?;
    let truth_valid = regress::within_bits(&set, &valid, values, tolerance);
    let valid_table = CoverageTable {
        covers: &cov_valid,
        decisions: &decisions,
        truth: &truth_valid,
        teacher: None,
    };
    let (kept, tests) = certify(&order, &valid_table, p);
    record_certification(&mut set, &tests, p);
    let chosen: Vec<Rule> = kept.iter().map(|&i| set.rules[i].clone()).collect();
    let compacted = crate::compact::compact(chosen, &set.features);
    set.rules = compacted;
    // Learned rules that answer no validation row have no evidence: out.
    let (per_rule, _) =
        regress::ordered_evidence(&set, &valid, values, &teacher, tolerance, p.confidence)?;
    set.rules = set
        .rules
        .drain(..)
        .zip(per_rule)
        .filter(|(_, e)| e.support > 0)
        .map(|(r, _)| r)
        .collect();
    set.rules = name_rules(std::mem::take(&mut set.rules));
    for rule in &mut set.rules {
        if let Some(rest) = rule.name.strip_prefix("class_") {
            rule.name = format!("value_{rest}");
        }
    }
    set.target.classes = regress::decision_values(&set.rules);
    let (val_rules, val_fig) =
        regress::ordered_evidence(&set, &valid, values, &teacher, tolerance, p.confidence)?;
    let test_res = if test.is_empty() {
        None
    } else {
        Some(regress::ordered_evidence(
            &set,
            &test,
            values,
            &teacher,
            tolerance,
            p.confidence,
        )?)
    };
    for (i, rule) in set.rules.iter_mut().enumerate() {
        rule.evidence = Some(rulec_runtime::ir::Evidence {
            validation: val_rules[i].clone(),
            test: test_res.as_ref().map(|(r, _)| r[i].clone()),
            examples: Vec::new(),
        });
    }
    let test_fig = test_res.map(|(_, f)| f);
    set.summary = Some(Summary {
        validation: val_fig.clone(),
        test: test_fig.clone(),
        candidates: n_candidates,
        curve: Vec::new(),
        cost: if comparisons.is_empty() {
            None
        } else {
            Some(cost_model(&set, &valid, &comparisons)?)
        },
        measured_cost: None,
    });
    Ok((set, val_fig, test_fig, n_candidates, teacher_desc))
}
