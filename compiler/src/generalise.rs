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
//!
//! The same holds for purer cores of the learned candidates
//! ([`shift_thresholds`]): one numeric threshold moved, in or out, to where the
//! rule's precision on the fit rows reaches a level above the target.

use std::collections::HashSet;

use rulec_runtime::ir::{CmpOp, Condition, Rule, RuleSet};

use crate::error::Error;
use crate::propose::rule_key;
use crate::table::{ColumnData, Table};
use crate::teach::TeacherLabels;
use crate::tree::{BinKind, Binned};
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
            let variant = variant_of(rule, conditions, "without one condition");
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

/// `rule` with other `conditions`, unnamed and without evidence, its
/// origin saying what changed.
fn variant_of(rule: &Rule, conditions: Vec<Condition>, change: &str) -> Rule {
    Rule {
        name: String::new(),
        conditions,
        origin: Some(match &rule.origin {
            Some(origin) => format!("{origin}, {change}"),
            None => format!("a learned candidate, {change}"),
        }),
        evidence: None,
        ..rule.clone()
    }
}

/// What [`shift_thresholds`] needs beyond the candidates.
pub struct Shift<'a> {
    /// The data.
    pub table: &'a Table,
    /// Where the trees cut each numeric column: the thresholds tried.
    pub binned: &'a Binned,
    /// The rows the candidates were fitted on: the variants are judged there.
    pub fit_rows: &'a [usize],
    /// The teacher's labels (its probabilities temper the true labels).
    pub teacher: &'a TeacherLabels,
    /// The set's target precision.
    pub precision: f64,
    /// Fewest fit rows a variant must cover.
    pub min_rows: usize,
}

/// The precision levels a threshold is moved to for a set target
/// `precision`: four, evenly from 40 % to 85 % of the way from the target
/// to 1 (97, 97.75, 98.5 and 99.25 % for a 95 % target). Each gives the
/// order a purer core of a rule's region than the target itself asks:
/// the first tests of the order are on few validation rows, where only a
/// set well above the target passes. Cores at the target itself were tried
/// and not kept: judged on the rows they were fitted on, they look better
/// than they are, and the order took them first (breast_cancer's median
/// coverage fell from 0.851 to 0.518 on the benchmark).
pub fn shift_levels(precision: f64) -> [f64; 4] {
    [0.4, 0.55, 0.7, 0.85].map(|f| precision + (1.0 - precision) * f)
}

/// Variants of the learned candidates `set.rules[from..]` with one numeric
/// threshold moved: for each `x < t` or `x >= t` (the tree's cut, placed
/// where its split scored best, not where the rule's precision is), the
/// rule is tried at every cut the trees know for `x`, the other conditions
/// kept, and for each level of [`shift_levels`] the one covering the most
/// fit rows while its precision there reaches the level is a candidate
/// (judged as [`drop_one_condition`] judges). They give the order purer
/// cores of the regions the trees found, so that the small sets it tests
/// first can pass. Unnamed, without duplicates of each other or of any
/// rule of `set`; the validation rows are not read.
pub fn shift_thresholds(set: &RuleSet, from: usize, s: &Shift<'_>) -> Result<Vec<Rule>, Error> {
    let mut seen: HashSet<String> = set.rules.iter().map(rule_key).collect();
    // (candidate, condition index, binned column index): the thresholds to
    // move. A sum's binned column is one of `s.binned`'s sums.
    let index_of = |name: &String| s.table.columns().iter().position(|c| &c.name == name);
    let n_columns = s.table.columns().len();
    let mut moves: Vec<(usize, usize, usize)> = Vec::new();
    for i in from..set.rules.len() {
        for (j, c) in set.rules[i].conditions.iter().enumerate() {
            let col = match c {
                Condition::Cmp { feature, .. } => index_of(feature),
                Condition::Sum {
                    features, minus, ..
                } => {
                    let cols = |names: &[String]| {
                        names.iter().map(index_of).collect::<Option<Vec<usize>>>()
                    };
                    cols(features)
                        .zip(cols(minus))
                        .map(|(plus, minus)| crate::sums::Terms { plus, minus })
                        .and_then(|terms| s.binned.sums.iter().position(|t| *t == terms))
                        .map(|k| n_columns + k)
                }
                _ => None,
            };
            let Some(col) = col else {
                continue;
            };
            if matches!(s.binned.columns[col].kind, BinKind::Numeric { .. }) {
                moves.push((i, j, col));
            }
        }
    }
    if moves.is_empty() || s.fit_rows.is_empty() {
        return Ok(Vec::new());
    }
    // One probe per move: the candidate without the moved condition.
    let mut probe = set.clone();
    probe.rules = moves
        .iter()
        .enumerate()
        .map(|(n, &(i, j, _))| {
            let mut conditions = set.rules[i].conditions.clone();
            conditions.remove(j);
            Rule {
                name: format!("probe_{n}"),
                conditions,
                ..set.rules[i].clone()
            }
        })
        .collect();
    let step = s.fit_rows.len().div_ceil(JUDGED_ROWS).max(1);
    let judged: Vec<usize> = s.fit_rows.iter().copied().step_by(step).collect();
    let rows = EncodedRows::new(s.table, &judged);
    let covers = validate::coverage(&probe, &rows)?;
    let k = s.table.n_classes();
    let labels = s.table.labels();
    let mut out = Vec::new();
    for (m, &(i, j, col)) in moves.iter().enumerate() {
        let rule = &set.rules[i];
        let (Some(class), Some((op, value))) = (
            set.class_index(&rule.decision),
            rule.conditions[j].comparison(),
        ) else {
            continue;
        };
        let (op, value) = (&op, &value);
        let BinKind::Numeric { cuts } = &s.binned.columns[col].kind else {
            continue;
        };
        let summed;
        let xs: &[f64] = if col < n_columns {
            let ColumnData::Numeric(xs) = &s.table.columns()[col].data else {
                continue;
            };
            xs
        } else {
            summed = crate::sums::values(s.table, &s.binned.sums[col - n_columns]);
            &summed
        };
        // The probe's rows with a value, ascending by it, with running
        // counts of rows, right by the truth and right by the teacher.
        let mut cells: Vec<(f64, bool, f64)> = rows
            .rows
            .iter()
            .enumerate()
            .filter(|&(q, &r)| covers[m].get(q) && !xs[r].is_nan())
            .map(|(_, &r)| {
                (
                    xs[r],
                    labels[r] as usize == class,
                    f64::from(s.teacher.probs[r * k + class]),
                )
            })
            .collect();
        cells.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut truth = vec![0u64; cells.len() + 1];
        let mut soft = vec![0f64; cells.len() + 1];
        for (q, &(_, t, p)) in cells.iter().enumerate() {
            truth[q + 1] = truth[q] + u64::from(t);
            soft[q + 1] = soft[q] + p;
        }
        // Rows and estimated right rows of the rule with `x op t`.
        let total = cells.len();
        let tally = |t: f64| -> (usize, f64) {
            let (lo, hi) = match op {
                CmpOp::Lt => (0, cells.partition_point(|c| c.0 < t)),
                CmpOp::Le => (0, cells.partition_point(|c| c.0 <= t)),
                CmpOp::Ge => (cells.partition_point(|c| c.0 < t), total),
                CmpOp::Gt => (cells.partition_point(|c| c.0 <= t), total),
            };
            let n = hi - lo;
            let right = ((truth[hi] - truth[lo]) as f64).min(soft[hi] - soft[lo]);
            (n, right)
        };
        for need in shift_levels(s.precision) {
            let best = cuts
                .iter()
                .copied()
                .filter(|&t| t != *value)
                .map(|t| (t, tally(t)))
                .filter(|&(_, (n, right))| n >= s.min_rows.max(1) && right >= need * n as f64)
                .max_by(|a, b| a.1 .0.cmp(&b.1 .0).then(b.0.total_cmp(&a.0)));
            let Some((t, _)) = best else { continue };
            let mut conditions = rule.conditions.clone();
            match &mut conditions[j] {
                Condition::Cmp { value, .. } | Condition::Sum { value, .. } => *value = t,
                _ => continue,
            }
            let variant = variant_of(rule, conditions, "one threshold moved");
            if seen.insert(rule_key(&variant)) {
                out.push(variant);
            }
        }
    }
    Ok(out)
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

    /// A rule set of `rules` over `table`'s columns, at 0.95.
    fn set_of(table: &Table, rules: Vec<Rule>) -> RuleSet {
        RuleSet::new(
            Target {
                name: "y".into(),
                classes: table.classes().to_vec(),
                tolerance: None,
            },
            validate::features(table),
            rules,
            0.95,
            0.95,
        )
    }

    #[test]
    fn two_fragments_of_one_region_become_one_rule() {
        let (table, teacher) = data(&[]);
        let set = set_of(&table, vec![fragment("p"), fragment("q")]);
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

    #[test]
    fn a_threshold_moves_to_where_the_rule_is_pure() {
        // Class "a" exactly where x < 50; the tree cut at x < 60 gives a
        // rule at 83 % (200 of 240 rows). Its cores at x < 50-ish reach
        // every level above the 95 % target; the zone condition has no
        // threshold to move.
        let (table, teacher) = data(&[]);
        let mut wide = fragment("p");
        wide.conditions = vec![Condition::Cmp {
            feature: "x".into(),
            op: CmpOp::Lt,
            value: 60.0,
        }];
        let set = set_of(&table, vec![wide, fragment("q")]);
        let fit_rows: Vec<usize> = (0..400).collect();
        let binned = Binned::new(&table, &fit_rows);
        let shift = Shift {
            table: &table,
            binned: &binned,
            fit_rows: &fit_rows,
            teacher: &teacher,
            precision: 0.95,
            min_rows: 20,
        };
        let cores = shift_thresholds(&set, 0, &shift).unwrap();
        assert!(!cores.is_empty());
        let labels = table.labels();
        let ColumnData::Numeric(xs) = &table.columns()[0].data else {
            unreachable!()
        };
        for core in &cores {
            let Some(Condition::Cmp { op, value, .. }) = core.conditions.first() else {
                panic!("{core:?}");
            };
            assert_eq!(*op, CmpOp::Lt);
            // The fit rows it covers are right at the lowest level at least.
            let covered: Vec<usize> = (0..400)
                .filter(|&r| {
                    xs[r] < *value
                        && core.conditions.iter().skip(1).all(|c| match c {
                            Condition::In { values, .. } => {
                                values.contains(&["p", "q"][r % 2].to_string())
                            }
                            _ => true,
                        })
                })
                .collect();
            let right = covered.iter().filter(|&&r| labels[r] == 0).count();
            assert!(covered.len() >= 20);
            assert!(
                right as f64 >= shift_levels(0.95)[0] * covered.len() as f64,
                "{core:?}: {right} of {}",
                covered.len()
            );
            assert!(*value > 40.0 && *value < 52.0, "{core:?}");
            assert_eq!(core.origin.as_deref(), Some("tree, one threshold moved"));
        }
        // The pure fragment `x < 50 and zone = q` is already at every
        // level: moving its threshold out is a core too, moving it in
        // only loses rows; none repeats a rule of the set.
        let keys: HashSet<String> = set.rules.iter().map(rule_key).collect();
        assert!(cores.iter().all(|c| !keys.contains(&rule_key(c))));
        // Rules before `from` are left as they are.
        assert!(shift_thresholds(&set, 2, &shift).unwrap().is_empty());
    }
}
