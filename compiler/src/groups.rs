//! Results by group (`--groups COL,...`): per value of a column, on one
//! split, the rows some rule answers (coverage; the rest go to the
//! fallback), the precision on them with its exact lower bound, and the
//! rows of each decision; and which figures differ from the rest of the
//! split's rows beyond their uncertainty.
//!
//! The test that flags a difference: for each group and each figure
//! (coverage, precision on covered rows, the rate among the group's rows
//! of each decision some rule takes, when the rules take more than one:
//! the rate of the only decision is the coverage), a two-sided two-proportion z-test of the group against
//! every other row of the split, pooled variance, at level `1 - confidence`
//! divided by the number of comparisons in the table (Bonferroni). A group
//! with fewer than [`MIN_ROWS`] rows is marked too small and not tested; a
//! precision is compared only when the group and the rest each have
//! [`MIN_ROWS`] covered rows. Compile (validation and test rows) and
//! `rulec check` (new data) use the same function, [`table`].

use rulec_runtime::eval::{Cell, UNKNOWN_CATEGORY};
use rulec_runtime::ir::{FeatureKind, GroupFigures, GroupTable, RuleSet};
use rulec_runtime::stats::{clopper_pearson_lower, z_two_sided};
use rulec_runtime::Evaluator;

use crate::error::Error;

/// Fewest rows of a group (and covered rows, for its precision) to compare.
pub const MIN_ROWS: u64 = 30;

/// The label of rows whose value is missing.
pub const MISSING: &str = "(missing)";
/// The label of rows whose category the rule set does not know.
pub const OTHER: &str = "(other values)";

/// The figures of `set` per value of `column` on rows given as interpreter
/// cells with their true class (`None`: a label outside the classes,
/// counted wrong when covered). `split` names the rows in the book.
pub fn table<'a>(
    set: &RuleSet,
    column: &str,
    split: &str,
    rows: impl Iterator<Item = (&'a [Cell], Option<usize>)>,
) -> Result<GroupTable, Error> {
    let Some(col) = set.feature_index(column) else {
        return Err(Error::Params(format!(
            "--groups names `{column}`, which is not a column of the rule set"
        )));
    };
    let labels: Vec<String> = match &set.features[col].kind {
        FeatureKind::Categorical { categories } => categories.clone(),
        FeatureKind::Boolean => vec!["false".into(), "true".into()],
        FeatureKind::Numeric => {
            return Err(Error::Params(format!(
                "--groups names `{column}`, a numeric column; groups need categories or true/false"
            )))
        }
    };
    let n_classes = set.target.classes.len();
    let (other, missing) = (labels.len(), labels.len() + 1);
    let mut groups: Vec<GroupFigures> = labels
        .into_iter()
        .chain([OTHER.to_string(), MISSING.to_string()])
        .map(|value| GroupFigures {
            value,
            rows: 0,
            covered: 0,
            correct: 0,
            precision_lower_bound: 0.0,
            decisions: vec![0; n_classes],
            too_small: false,
            differs: Vec::new(),
        })
        .collect();
    let eval = Evaluator::new(set)?;
    for (cells, truth) in rows {
        let g = match cells.get(col) {
            Some(Cell::Cat(c)) if *c != UNKNOWN_CATEGORY && (*c as usize) < other => *c as usize,
            Some(Cell::Cat(_)) => other,
            Some(Cell::Bool(b)) => usize::from(*b),
            _ => missing,
        };
        let fig = &mut groups[g];
        fig.rows += 1;
        if let Some(hit) = eval.decide(cells)? {
            fig.covered += 1;
            fig.decisions[hit.class_idx] += 1;
            fig.correct += u64::from(truth == Some(hit.class_idx));
        }
    }
    let confidence = set.certification.confidence;
    // Values no row has are left out, unless the column lists them (the
    // book then shows a group with no rows rather than hiding it).
    groups.retain(|g| g.rows > 0 || (g.value != OTHER && g.value != MISSING));
    for g in &mut groups {
        g.precision_lower_bound = clopper_pearson_lower(g.correct, g.covered, confidence);
        g.too_small = g.rows < MIN_ROWS;
    }
    // Which decisions the rules take is fixed by the rule set, before any
    // row is read: a decision no rule takes is 0 % in every group, and the
    // only one taken is the coverage again. Neither is a comparison.
    let decided: Vec<bool> = set
        .target
        .classes
        .iter()
        .map(|c| set.rules.iter().any(|r| &r.decision == c))
        .collect();
    let tests = flag_differences(&mut groups, &set.target.classes, &decided, confidence);
    Ok(GroupTable {
        column: column.to_string(),
        split: split.to_string(),
        min_rows: MIN_ROWS,
        tests,
        groups,
    })
}

/// One test: the group's index, the figure, `(successes, trials)` in the
/// group and in the rest of the split.
type Comparison = (usize, String, (u64, u64), (u64, u64));

/// Fills each group's `differs` and returns the number of comparisons.
fn flag_differences(
    groups: &mut [GroupFigures],
    classes: &[String],
    decided: &[bool],
    confidence: f64,
) -> u64 {
    let rates = decided.iter().filter(|&&d| d).count() > 1;
    let rows: u64 = groups.iter().map(|g| g.rows).sum();
    let covered: u64 = groups.iter().map(|g| g.covered).sum();
    let correct: u64 = groups.iter().map(|g| g.correct).sum();
    let decisions: Vec<u64> = (0..classes.len())
        .map(|d| groups.iter().map(|g| g.decisions[d]).sum())
        .collect();
    let mut comparisons: Vec<Comparison> = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        if g.too_small || rows - g.rows < MIN_ROWS {
            continue;
        }
        comparisons.push((
            i,
            "coverage".into(),
            (g.covered, g.rows),
            (covered - g.covered, rows - g.rows),
        ));
        if g.covered >= MIN_ROWS && covered - g.covered >= MIN_ROWS {
            comparisons.push((
                i,
                "precision".into(),
                (g.correct, g.covered),
                (correct - g.correct, covered - g.covered),
            ));
        }
        for (d, class) in classes.iter().enumerate() {
            if !rates || !decided.get(d).copied().unwrap_or(false) {
                continue;
            }
            comparisons.push((
                i,
                format!("decision {class}"),
                (g.decisions[d], g.rows),
                (decisions[d] - g.decisions[d], rows - g.rows),
            ));
        }
    }
    let m = comparisons.len() as u64;
    if m == 0 {
        return 0;
    }
    let critical = z_two_sided(1.0 - (1.0 - confidence) / m as f64);
    for (i, figure, a, b) in comparisons {
        if two_proportion_z(a, b).abs() > critical {
            groups[i].differs.push(figure);
        }
    }
    m
}

/// The two-proportion z statistic with pooled variance; 0 when either side
/// has no rows or the pooled share is 0 or 1 (nothing varies).
pub fn two_proportion_z((x1, n1): (u64, u64), (x2, n2): (u64, u64)) -> f64 {
    if n1 == 0 || n2 == 0 {
        return 0.0;
    }
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    let pooled = (x1 + x2) as f64 / (n1f + n2f);
    let var = pooled * (1.0 - pooled) * (1.0 / n1f + 1.0 / n2f);
    if var <= 0.0 {
        return 0.0;
    }
    (x1 as f64 / n1f - x2 as f64 / n2f) / var.sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_z_statistic_matches_a_hand_computation() {
        // 60/100 against 40/100: pooled 0.5, se = sqrt(0.25 * 0.02) = 0.0707.
        let z = two_proportion_z((60, 100), (40, 100));
        assert!((z - 2.828_427).abs() < 1e-5, "{z}");
        assert_eq!(two_proportion_z((0, 10), (0, 10)), 0.0);
        assert_eq!(two_proportion_z((1, 0), (0, 10)), 0.0);
    }

    fn group(value: &str, rows: u64, covered: u64, correct: u64, d: [u64; 2]) -> GroupFigures {
        GroupFigures {
            value: value.into(),
            rows,
            covered,
            correct,
            precision_lower_bound: 0.0,
            decisions: d.to_vec(),
            too_small: rows < MIN_ROWS,
            differs: Vec::new(),
        }
    }

    #[test]
    fn a_group_that_differs_is_flagged_and_a_small_one_is_not_tested() {
        let classes = ["no".to_string(), "yes".to_string()];
        let mut groups = vec![
            group("a", 1000, 500, 480, [250, 250]),
            group("b", 1000, 500, 478, [260, 240]),
            // Covered far less often, and decided `yes` far more.
            group("c", 1000, 200, 190, [20, 180]),
            group("d", 10, 0, 0, [0, 0]),
        ];
        let m = flag_differences(&mut groups, &classes, &[true, true], 0.95);
        // Three tested groups: coverage, precision, two decisions each.
        assert_eq!(m, 12);
        assert!(groups[0].differs.iter().all(|f| f != "precision"));
        assert!(groups[2].differs.contains(&"coverage".to_string()));
        assert!(groups[2].differs.contains(&"decision no".to_string()));
        assert!(groups[3].too_small && groups[3].differs.is_empty());
    }

    #[test]
    fn equal_groups_are_not_flagged() {
        let classes = ["no".to_string(), "yes".to_string()];
        let mut groups = vec![
            group("a", 1000, 500, 480, [250, 250]),
            group("b", 1000, 505, 484, [255, 250]),
        ];
        flag_differences(&mut groups, &classes, &[true, true], 0.95);
        assert!(groups.iter().all(|g| g.differs.is_empty()), "{groups:?}");
    }

    #[test]
    fn only_the_decisions_the_rules_take_are_compared() {
        let classes = ["no".to_string(), "yes".to_string(), "maybe".to_string()];
        let make = || {
            vec![
                group3("a", 1000, 500, 480, [250, 250, 0]),
                group3("b", 1000, 500, 478, [260, 240, 0]),
            ]
        };
        // Two of three decided: coverage, precision, two rates per group.
        assert_eq!(
            flag_differences(&mut make(), &classes, &[true, true, false], 0.95),
            8
        );
        // One decided: its rate is the coverage; only coverage and precision.
        let mut one = vec![
            group3("a", 1000, 500, 480, [500, 0, 0]),
            group3("b", 1000, 400, 380, [400, 0, 0]),
        ];
        assert_eq!(
            flag_differences(&mut one, &classes, &[true, false, false], 0.95),
            4
        );
    }

    fn group3(value: &str, rows: u64, covered: u64, correct: u64, d: [u64; 3]) -> GroupFigures {
        GroupFigures {
            decisions: d.to_vec(),
            ..group(value, rows, covered, correct, [d[0], d[1]])
        }
    }
}
