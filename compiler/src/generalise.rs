//! Generalise: larger candidates from the learned ones, before anything is
//! ordered or certified.
//!
//! A leaf's path often carries a condition its region does not need: a
//! split made for a sibling leaf's sake, or one that fits the noise of the
//! rows the tree saw. Each learned candidate without one of its conditions
//! is a candidate too when, on the rows the candidates were fitted on, it
//! covers more rows and its precision still reaches the target, judged as
//! the order judges (the lower of the true labels' count and the teacher's
//! probabilities' sum). The greedy order then chooses among the originals
//! and their generalisations on the rank rows, which none of them was
//! fitted or judged on; the validation rows are not read here.

use std::collections::HashSet;

use rulec_runtime::ir::{Rule, RuleSet};

use crate::error::Error;
use crate::propose::rule_key;
use crate::table::Table;
use crate::teach::TeacherLabels;
use crate::validate::{self, EncodedRows};

/// Most fit rows a variant is judged on.
pub const JUDGED_ROWS: usize = 20_000;

/// The generalisations of the learned candidates `set.rules[from..]`, each
/// without one condition, that cover more of `fit_rows` than their
/// original and whose precision there reaches `precision`. In the order of
/// their originals and conditions, without duplicates of each other or of
/// any rule of `set`; unnamed (the caller names them). Past
/// [`JUDGED_ROWS`] fit rows, an even spread of that many judges them.
pub fn drop_one_condition(
    set: &RuleSet,
    from: usize,
    table: &Table,
    fit_rows: &[usize],
    teacher: &TeacherLabels,
    precision: f64,
) -> Result<Vec<Rule>, Error> {
    let mut seen: HashSet<String> = set.rules.iter().map(rule_key).collect();
    let originals: Vec<usize> = (from..set.rules.len())
        .filter(|&i| set.rules[i].conditions.len() >= 2)
        .collect();
    let mut variants: Vec<(usize, Rule)> = Vec::new();
    for (o, &i) in originals.iter().enumerate() {
        let rule = &set.rules[i];
        for j in 0..rule.conditions.len() {
            let mut conditions = rule.conditions.clone();
            conditions.remove(j);
            let variant = Rule {
                name: String::new(),
                conditions,
                origin: Some(match &rule.origin {
                    Some(origin) => format!("{origin}, without one condition"),
                    None => "a learned candidate without one condition".to_string(),
                }),
                evidence: None,
                ..rule.clone()
            };
            if seen.insert(rule_key(&variant)) {
                variants.push((o, variant));
            }
        }
    }
    if variants.is_empty() || fit_rows.is_empty() {
        return Ok(Vec::new());
    }
    // One probe set: the originals, then the variants, under unique names.
    let mut probe = set.clone();
    probe.rules = originals
        .iter()
        .map(|&i| set.rules[i].clone())
        .chain(variants.iter().map(|(_, v)| v.clone()))
        .enumerate()
        .map(|(n, r)| Rule {
            name: format!("probe_{n}"),
            ..r
        })
        .collect();
    // An even spread of at most `JUDGED_ROWS` fit rows: enough to tell a
    // rule at the target from one below it, and the interpreter runs every
    // variant on each.
    let step = fit_rows.len().div_ceil(JUDGED_ROWS).max(1);
    let judged: Vec<usize> = fit_rows.iter().copied().step_by(step).collect();
    let rows = EncodedRows::new(table, &judged);
    let covers = validate::coverage(&probe, &rows)?;
    let k = table.n_classes();
    let labels = table.labels();
    // Rows covered, and right by the lower of the two estimates.
    let tally = |p: usize| -> (u64, f64) {
        let Some(class) = set.class_index(&probe.rules[p].decision) else {
            return (0, 0.0);
        };
        let (mut n, mut truth, mut soft) = (0u64, 0u64, 0f64);
        for (j, &r) in rows.rows.iter().enumerate() {
            if covers[p].get(j) {
                n += 1;
                truth += u64::from(labels[r] as usize == class);
                soft += f64::from(teacher.probs[r * k + class]);
            }
        }
        (n, (truth as f64).min(soft))
    };
    let original: Vec<u64> = (0..originals.len()).map(|o| tally(o).0).collect();
    Ok(variants
        .into_iter()
        .enumerate()
        .filter_map(|(v, (o, rule))| {
            let (n, right) = tally(originals.len() + v);
            (n > original[o] && right >= precision * n as f64).then_some(rule)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{Column, ColumnData, TargetData};
    use rulec_runtime::ir::{CmpOp, Condition, Target};

    /// 400 rows: `x` from 0 to 99.75, `zone` alternating "p"/"q" (noise);
    /// class "a" exactly where `x < 50`, except the rows in `flipped`. The
    /// teacher says class "a" exactly where `x < 50`.
    fn data(flipped: &[usize]) -> (Table, TeacherLabels) {
        let n = 400;
        let x: Vec<f64> = (0..n).map(|i| i as f64 * 0.25).collect();
        let teacher_says: Vec<u32> = x.iter().map(|&v| u32::from(v >= 50.0)).collect();
        let mut labels = teacher_says.clone();
        for &r in flipped {
            labels[r] = 1 - labels[r];
        }
        let table = Table::new(
            vec![
                Column {
                    name: "x".into(),
                    data: ColumnData::Numeric(x),
                },
                Column {
                    name: "zone".into(),
                    data: ColumnData::Categorical {
                        codes: (0..n as u32).map(|i| i % 2).collect(),
                        levels: vec!["p".into(), "q".into()],
                    },
                },
            ],
            "y".into(),
            TargetData::Classes {
                names: vec!["a".into(), "b".into()],
                labels,
                logged: None,
            },
        );
        let teacher = TeacherLabels {
            probs: teacher_says
                .iter()
                .flat_map(|&l| if l == 0 { [1.0, 0.0] } else { [0.0, 1.0] })
                .collect(),
            confidence: vec![1.0; n],
            labels: teacher_says,
            trees: Vec::new(),
            comparisons: vec![1; n],
            ns_per_row: None,
        };
        (table, teacher)
    }

    fn fragment(zone: &str) -> Rule {
        Rule {
            name: format!("in_{zone}"),
            conditions: vec![
                Condition::Cmp {
                    feature: "x".into(),
                    op: CmpOp::Lt,
                    value: 50.0,
                },
                Condition::In {
                    feature: "zone".into(),
                    values: vec![zone.into()],
                },
            ],
            decision: "a".into(),
            origin: Some("tree".into()),
            evidence: None,
        }
    }

    #[test]
    fn two_fragments_of_one_region_become_one_rule() {
        let (table, teacher) = data(&[]);
        let set = RuleSet::new(
            Target {
                name: "y".into(),
                classes: table.classes().to_vec(),
                tolerance: None,
            },
            validate::features(&table),
            vec![fragment("p"), fragment("q")],
            0.95,
            0.95,
        );
        let fit_rows: Vec<usize> = (0..400).collect();
        let wider = drop_one_condition(&set, 0, &table, &fit_rows, &teacher, 0.95).unwrap();
        // Both fragments without their zone give the same rule, once;
        // without `x < 50` they are half wrong and are not proposed.
        assert_eq!(wider.len(), 1, "{wider:?}");
        assert_eq!(
            rulec_runtime::dsl::print_conditions(&wider[0].conditions),
            "x < 50"
        );
        assert_eq!(wider[0].decision, "a");
        assert_eq!(
            wider[0].origin.as_deref(),
            Some("tree, without one condition")
        );
        // Rules before `from` (the user's proposals) are left as they are.
        assert!(
            drop_one_condition(&set, 2, &table, &fit_rows, &teacher, 0.95)
                .unwrap()
                .is_empty()
        );
        // A target the wider rule misses keeps it out: with the truth a
        // little noisier than 99 % on x < 50, a 99.5 % target refuses it.
        let (table, teacher) = data(&[3, 9, 17]);
        assert!(
            drop_one_condition(&set, 0, &table, &fit_rows, &teacher, 0.995)
                .unwrap()
                .is_empty()
        );
    }
}
