//! The reasons for each decision: every kept rule's conditions ranked by
//! how much each one matters, measured on the validation rows
//! ([`rulec_runtime::ir::Reason`]).
//!
//! A rule is measured on its own (every validation row it covers, whatever
//! the rules before it answer), with all its conditions and without each
//! one in turn: the rows only that condition keeps out, and how many of
//! them the rule would decide wrongly. Conditions are ranked by the
//! precision each buys (precision with every condition minus precision
//! without it), then by the wrong decisions it prevents, then in rule
//! order. The book prints the ranking and the generated crate carries it
//! as `REASONS`, so a service can state the reasons for a decision.

use rulec_runtime::ir::{Reason, Rule, RuleSet};
use rulec_runtime::Evaluator;

use crate::error::Error;
use crate::validate::EncodedRows;

/// Records the reasons of every rule of `set` in its evidence, from the
/// encoded validation `rows` and their true class (`truth[table row]`).
/// Rules without evidence are left alone.
pub fn attach(set: &mut RuleSet, rows: &EncodedRows, truth: &[u32]) -> Result<(), Error> {
    let reasons: Vec<Vec<Reason>> = set
        .rules
        .iter()
        .map(|rule| rank(set, rule, rows, truth))
        .collect::<Result<_, _>>()?;
    for (rule, reasons) in set.rules.iter_mut().zip(reasons) {
        if let Some(e) = rule.evidence.as_mut() {
            e.reasons = reasons;
        }
    }
    Ok(())
}

/// The ranked reasons of one rule.
fn rank(
    set: &RuleSet,
    rule: &Rule,
    rows: &EncodedRows,
    truth: &[u32],
) -> Result<Vec<Reason>, Error> {
    let k = rule.conditions.len();
    if k == 0 {
        return Ok(Vec::new());
    }
    let Some(decision) = set.class_index(&rule.decision) else {
        return Ok(Vec::new());
    };
    // One single-condition rule per condition, so the interpreter tests
    // each condition with the same semantics as the rule.
    let probe = RuleSet {
        rules: rule
            .conditions
            .iter()
            .enumerate()
            .map(|(i, c)| Rule {
                name: format!("c{i}"),
                conditions: vec![c.clone()],
                decision: rule.decision.clone(),
                origin: None,
                evidence: None,
            })
            .collect(),
        summary: None,
        rejected: Vec::new(),
        provenance: None,
        ..set.clone()
    };
    let eval = Evaluator::new(&probe)?;
    let (mut rows_with, mut correct_with) = (0u64, 0u64);
    let mut excluded = vec![0u64; k];
    let mut excluded_wrong = vec![0u64; k];
    for j in 0..rows.len() {
        let row = rows.row(j);
        let mut failed = None;
        let mut n_failed = 0;
        for i in 0..k {
            if !eval.rule_covers(i, row) {
                n_failed += 1;
                failed = Some(i);
                if n_failed > 1 {
                    break;
                }
            }
        }
        let right = truth
            .get(rows.rows[j])
            .is_some_and(|&t| t as usize == decision);
        match (n_failed, failed) {
            (0, _) => {
                rows_with += 1;
                correct_with += u64::from(right);
            }
            (1, Some(i)) => {
                excluded[i] += 1;
                excluded_wrong[i] += u64::from(!right);
            }
            _ => {}
        }
    }
    let mut reasons: Vec<Reason> = (0..k)
        .map(|i| Reason {
            condition: i,
            rows_with,
            correct_with,
            excluded: excluded[i],
            excluded_wrong: excluded_wrong[i],
        })
        .collect();
    reasons.sort_by(|a, b| {
        b.precision_gain()
            .total_cmp(&a.precision_gain())
            .then(b.excluded_wrong.cmp(&a.excluded_wrong))
            .then(a.condition.cmp(&b.condition))
    });
    Ok(reasons)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rulec_runtime::ir::{
        CmpOp, Condition, Evidence, Feature, FeatureKind, SplitEvidence, Target,
    };

    use crate::table::{Column, Table, TargetData};

    /// `x` decides (below 5 is `yes` nine times in ten), `z` barely does:
    /// the rule `x < 5 and z < 100` has `x` as its first reason.
    #[test]
    fn the_condition_that_decides_comes_first() {
        let n = 400;
        let x: Vec<f64> = (0..n).map(|i| (i % 10) as f64).collect();
        let z: Vec<f64> = (0..n).map(|i| (i % 7) as f64 * 10.0 + 50.0).collect();
        let labels: Vec<u32> = (0..n)
            .map(|i| {
                let yes = if x[i] < 5.0 { i % 10 != 0 } else { i % 10 == 9 };
                u32::from(yes)
            })
            .collect();
        let table = Table::new(
            vec![Column::numeric("x", x), Column::numeric("z", z)],
            "y".into(),
            TargetData::Classes {
                names: vec!["no".into(), "yes".into()],
                labels: labels.clone(),
                logged: None,
            },
        );
        let mut set = RuleSet::new(
            Target {
                name: "y".into(),
                classes: vec!["no".into(), "yes".into()],
                tolerance: None,
            },
            vec![
                Feature {
                    name: "x".into(),
                    kind: FeatureKind::Numeric,
                    nullable: false,
                },
                Feature {
                    name: "z".into(),
                    kind: FeatureKind::Numeric,
                    nullable: false,
                },
            ],
            vec![Rule {
                name: "r".into(),
                conditions: vec![
                    Condition::Cmp {
                        feature: "z".into(),
                        op: CmpOp::Lt,
                        value: 100.0,
                    },
                    Condition::Cmp {
                        feature: "x".into(),
                        op: CmpOp::Lt,
                        value: 5.0,
                    },
                ],
                decision: "yes".into(),
                origin: None,
                evidence: Some(Evidence {
                    validation: SplitEvidence {
                        support: 0,
                        correct: 0,
                        agree_teacher: 0,
                        precision_lower_bound: 0.0,
                    },
                    test: None,
                    examples: Vec::new(),
                    reasons: Vec::new(),
                }),
            }],
            0.9,
            0.95,
        );
        let all: Vec<usize> = (0..n).collect();
        attach(&mut set, &EncodedRows::new(&table, &all), &labels).unwrap();
        let reasons = &set.rules[0].evidence.as_ref().unwrap().reasons;
        assert_eq!(reasons.len(), 2);
        // `x < 5` (condition 1) first: without it the rule covers every
        // row where z < 100 and its precision falls.
        assert_eq!(reasons[0].condition, 1);
        assert!(reasons[0].precision_gain() > 0.3, "{reasons:?}");
        assert!(reasons[0].wrong_share_excluded().unwrap() > 0.75);
        // `z < 100` keeps out rows with z >= 100: those with i % 7 >= 5.
        assert_eq!(reasons[1].condition, 0);
        assert!(reasons[1].precision_gain().abs() < 0.05, "{reasons:?}");
        assert_eq!(reasons[0].rows_with, reasons[1].rows_with);
    }
}
