//! Compact: fewer, shorter rules that decide every row exactly as before.
//!
//! Every step here is exact, so the certification of the rule set (done on
//! the decisions, row by row) still holds:
//!
//! - two neighbouring rules may swap places when they decide the same class
//!   or can never hold together (one says `x < 5`, the other `x >= 5`);
//! - two rules with the same decision that are (or can be made) neighbours
//!   merge into one when their union is itself a conjunction: one contains
//!   the other, or they differ on one column only and the two conditions on
//!   it join into one (touching ranges, two category sets, `x` and `not x`
//!   on a column without missing values).
//!
//! Proposed rules are never merged: their authors must recognise them.

use std::collections::BTreeSet;

use rulec_runtime::dsl::contradiction;
use rulec_runtime::ir::{CmpOp, Condition, Feature, FeatureKind, Rule};

/// Compacts `rules` (in evaluation order) over the schema `features`.
pub fn compact(mut rules: Vec<Rule>, features: &[Feature]) -> Vec<Rule> {
    loop {
        let mut changed = false;
        'search: for i in 0..rules.len() {
            for j in i + 1..rules.len() {
                if rules[i].decision != rules[j].decision
                    || is_proposal(&rules[i])
                    || is_proposal(&rules[j])
                {
                    continue;
                }
                let Some(merged) = union(&rules[i].conditions, &rules[j].conditions, features)
                else {
                    continue;
                };
                // Rule j must be able to move up next to rule i.
                let movable = (i + 1..j).all(|k| can_swap(&rules[k], &rules[j]));
                if !movable {
                    continue;
                }
                let removed = rules.remove(j);
                rules[i].conditions = merged;
                if rules[i].origin != removed.origin {
                    rules[i].origin = Some("merged candidates".into());
                }
                changed = true;
                break 'search;
            }
        }
        if !changed {
            return rules;
        }
    }
}

fn is_proposal(r: &Rule) -> bool {
    r.origin.as_deref() == Some("proposal")
}

/// Whether two neighbouring rules can trade places without changing any
/// decision.
fn can_swap(a: &Rule, b: &Rule) -> bool {
    if a.decision == b.decision {
        return true;
    }
    let both: Vec<Condition> = a.conditions.iter().chain(&b.conditions).cloned().collect();
    contradiction(&both).is_some()
}

/// The constraint a conjunction puts on one column.
#[derive(Clone, Debug, PartialEq)]
enum Constraint {
    Range {
        lo: Option<(CmpOp, f64)>,
        hi: Option<(CmpOp, f64)>,
    },
    Set(BTreeSet<String>),
    Is(bool),
    Missing,
    Other(Vec<Condition>),
}

fn constraints(conds: &[Condition], features: &[Feature]) -> Vec<(String, Constraint)> {
    // Conditions are grouped by what they read: a column, or a sum's terms
    // ([`Condition::terms_key`]), whose constraint is `Other`.
    let group = Condition::terms_key;
    let mut names: Vec<String> = Vec::new();
    for c in conds {
        if !names.iter().any(|n| *n == group(c)) {
            names.push(group(c));
        }
    }
    names
        .into_iter()
        .map(|name| {
            let on: Vec<&Condition> = conds.iter().filter(|c| group(c) == name).collect();
            let categories = features
                .iter()
                .find(|f| f.name == name)
                .and_then(|f| match &f.kind {
                    FeatureKind::Categorical { categories } => Some(categories.clone()),
                    _ => None,
                });
            let c = match on.as_slice() {
                [Condition::Is { value, .. }] => Constraint::Is(*value),
                [Condition::Missing { .. }] => Constraint::Missing,
                [Condition::In { values, .. }] => Constraint::Set(values.iter().cloned().collect()),
                [Condition::NotIn { values, .. }] if categories.is_some() => Constraint::Set(
                    categories
                        .unwrap_or_default()
                        .into_iter()
                        .filter(|c| !values.contains(c))
                        .collect(),
                ),
                all if all.iter().all(|c| matches!(c, Condition::Cmp { .. })) && all.len() <= 2 => {
                    let mut lo = None;
                    let mut hi = None;
                    let mut ok = true;
                    for c in all {
                        if let Condition::Cmp { op, value, .. } = c {
                            let slot = if op.is_lower_bound() {
                                &mut lo
                            } else {
                                &mut hi
                            };
                            if slot.is_some() {
                                ok = false;
                            }
                            *slot = Some((*op, *value));
                        }
                    }
                    if ok {
                        Constraint::Range { lo, hi }
                    } else {
                        Constraint::Other(all.iter().map(|c| (*c).clone()).collect())
                    }
                }
                all => Constraint::Other(all.iter().map(|c| (*c).clone()).collect()),
            };
            (name, c)
        })
        .collect()
}

fn to_conditions(name: &str, c: &Constraint, features: &[Feature]) -> Vec<Condition> {
    let feature = name.to_string();
    match c {
        Constraint::Range { lo, hi } => [lo, hi]
            .into_iter()
            .flatten()
            .map(|(op, value)| Condition::Cmp {
                feature: feature.clone(),
                op: *op,
                value: *value,
            })
            .collect(),
        Constraint::Set(set) => {
            let all = features
                .iter()
                .find(|f| f.name == name)
                .and_then(|f| match &f.kind {
                    FeatureKind::Categorical { categories } => Some(categories.clone()),
                    _ => None,
                });
            let values: Vec<String> = set.iter().cloned().collect();
            let complement: Vec<String> = all
                .unwrap_or_default()
                .into_iter()
                .filter(|c| !set.contains(c))
                .collect();
            if !complement.is_empty() && complement.len() < values.len() {
                vec![Condition::NotIn {
                    feature,
                    values: complement,
                }]
            } else {
                vec![Condition::In { feature, values }]
            }
        }
        Constraint::Is(value) => vec![Condition::Is {
            feature,
            value: *value,
        }],
        Constraint::Missing => vec![Condition::Missing { feature }],
        Constraint::Other(conds) => conds.clone(),
    }
}

/// The conjunction covering exactly the rows of `a` or `b`, if there is one.
fn union(a: &[Condition], b: &[Condition], features: &[Feature]) -> Option<Vec<Condition>> {
    let ca = constraints(a, features);
    let cb = constraints(b, features);
    let get = |cs: &[(String, Constraint)], n: &str| {
        cs.iter().find(|(m, _)| m == n).map(|(_, c)| c.clone())
    };
    // One contains the other: the more general one is the union.
    let contains = |outer: &[(String, Constraint)], inner: &[(String, Constraint)]| {
        outer
            .iter()
            .all(|(n, c)| get(inner, n).is_some_and(|i| within(&i, c)))
    };
    if contains(&ca, &cb) {
        return Some(a.to_vec());
    }
    if contains(&cb, &ca) {
        return Some(b.to_vec());
    }
    // Same columns, differing on exactly one.
    let names_a: BTreeSet<&str> = ca.iter().map(|(n, _)| n.as_str()).collect();
    let names_b: BTreeSet<&str> = cb.iter().map(|(n, _)| n.as_str()).collect();
    if names_a != names_b {
        return None;
    }
    let differing: Vec<&str> = names_a
        .iter()
        .copied()
        .filter(|n| get(&ca, n) != get(&cb, n))
        .collect();
    let [name] = differing.as_slice() else {
        return None;
    };
    let joined = join(&get(&ca, name)?, &get(&cb, name)?)?;
    let mut out = Vec::new();
    for (n, c) in &ca {
        out.extend(to_conditions(
            n,
            if n == name { &joined } else { c },
            features,
        ));
    }
    Some(out)
}

/// Whether every value meeting `inner` meets `outer`.
fn within(inner: &Constraint, outer: &Constraint) -> bool {
    match (inner, outer) {
        (Constraint::Set(i), Constraint::Set(o)) => i.is_subset(o),
        (Constraint::Range { lo: il, hi: ih }, Constraint::Range { lo: ol, hi: oh }) => {
            let lo_ok = match (il, ol) {
                (_, None) => true,
                (None, Some(_)) => false,
                (Some((iop, iv)), Some((oop, ov))) => {
                    iv > ov || (iv == ov && (*oop == CmpOp::Ge || *iop == CmpOp::Gt))
                }
            };
            let hi_ok = match (ih, oh) {
                (_, None) => true,
                (None, Some(_)) => false,
                (Some((iop, iv)), Some((oop, ov))) => {
                    iv < ov || (iv == ov && (*oop == CmpOp::Le || *iop == CmpOp::Lt))
                }
            };
            lo_ok && hi_ok
        }
        (i, o) => i == o,
    }
}

/// One constraint for the rows meeting `x` or `y`, if there is one.
fn join(x: &Constraint, y: &Constraint) -> Option<Constraint> {
    match (x, y) {
        (Constraint::Set(s), Constraint::Set(t)) => {
            let u: BTreeSet<String> = s.union(t).cloned().collect();
            Some(Constraint::Set(u))
        }
        // `is true` or `is false` is every row with a value, which no
        // condition of the DSL says alone (dropping both would take in the
        // rows where it is missing, which new data may have even when the
        // training rows did not): keep the two apart, as for ranges.
        (Constraint::Range { lo: l1, hi: h1 }, Constraint::Range { lo: l2, hi: h2 }) => {
            // Order the two so that the first starts no later.
            let starts_before = |a: &Option<(CmpOp, f64)>, b: &Option<(CmpOp, f64)>| match (a, b) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(a), Some(b)) => a.1 < b.1 || (a.1 == b.1 && a.0 == CmpOp::Ge),
            };
            let ((_, first_hi), (second_lo, _)) = if starts_before(l1, l2) {
                ((l1, h1), (l2, h2))
            } else {
                ((l2, h2), (l1, h1))
            };
            // They must overlap or touch: the first's end reaches the second's start.
            let reaches = match (first_hi, second_lo) {
                (None, _) | (_, None) => true,
                (Some((hop, hv)), Some((lop, lv))) => {
                    hv > lv || (hv == lv && !(matches!(hop, CmpOp::Lt) && matches!(lop, CmpOp::Gt)))
                }
            };
            if !reaches {
                return None;
            }
            let lo = if starts_before(l1, l2) { *l1 } else { *l2 };
            let ends_after = |a: &Option<(CmpOp, f64)>, b: &Option<(CmpOp, f64)>| match (a, b) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(a), Some(b)) => a.1 > b.1 || (a.1 == b.1 && a.0 == CmpOp::Le),
            };
            let hi = if ends_after(h1, h2) { *h1 } else { *h2 };
            if lo.is_none() && hi.is_none() {
                // Every number; missing values and NaN still excluded, which
                // no condition of the DSL says alone: keep the two apart.
                return None;
            }
            Some(Constraint::Range { lo, hi })
        }
        _ => None,
    }
}

/// The smallest conjunction holding every row of `a` and of `b` (their
/// hull), for rules with the same decision: on a column both test, the
/// loosest range, the union of the category sets, or the one truth value
/// they share; a column only one tests, or one they test differently, is
/// dropped. Not exact (the hull also holds rows neither held): a candidate
/// to judge, never a compaction. `None` when nothing would be left.
pub fn hull(a: &[Condition], b: &[Condition], features: &[Feature]) -> Option<Vec<Condition>> {
    let cb = constraints(b, features);
    let mut out = Vec::new();
    for (name, x) in constraints(a, features) {
        let Some((_, y)) = cb.iter().find(|(n, _)| *n == name) else {
            continue;
        };
        let joined = match (&x, y) {
            (Constraint::Set(s), Constraint::Set(t)) => {
                Some(Constraint::Set(s.union(t).cloned().collect()))
            }
            (Constraint::Range { lo: l1, hi: h1 }, Constraint::Range { lo: l2, hi: h2 }) => {
                // The lower of two lower bounds (at a tie, the inclusive
                // one), the higher of two upper bounds; none if either has
                // none.
                let lo = match (l1, l2) {
                    (Some(p), Some(q)) => Some(if p.1 < q.1 || (p.1 == q.1 && p.0 == CmpOp::Ge) {
                        *p
                    } else {
                        *q
                    }),
                    _ => None,
                };
                let hi = match (h1, h2) {
                    (Some(p), Some(q)) => Some(if p.1 > q.1 || (p.1 == q.1 && p.0 == CmpOp::Le) {
                        *p
                    } else {
                        *q
                    }),
                    _ => None,
                };
                (lo.is_some() || hi.is_some()).then_some(Constraint::Range { lo, hi })
            }
            (Constraint::Is(p), Constraint::Is(q)) if p == q => Some(x.clone()),
            (Constraint::Missing, Constraint::Missing) => Some(Constraint::Missing),
            _ => None,
        };
        if let Some(c) = joined {
            out.extend(to_conditions(&name, &c, features));
        }
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rulec_runtime::dsl;

    fn features() -> Vec<Feature> {
        vec![
            Feature {
                name: "x".into(),
                kind: FeatureKind::Numeric,
                nullable: false,
            },
            Feature {
                name: "flag".into(),
                kind: FeatureKind::Boolean,
                nullable: false,
            },
            Feature {
                name: "zone".into(),
                kind: FeatureKind::Categorical {
                    categories: vec!["a".into(), "b".into(), "c".into(), "d".into()],
                },
                nullable: false,
            },
        ]
    }

    fn rules(text: &str) -> Vec<Rule> {
        dsl::parse(text)
            .unwrap()
            .into_iter()
            .map(|p| Rule {
                origin: Some("tree".into()),
                ..p.rule
            })
            .collect()
    }

    fn check(text: &str, want: &str) {
        let got = compact(rules(text), &features());
        assert_eq!(dsl::print_rules(&got, "y"), want);
    }

    #[test]
    fn merges_touching_ranges_and_category_sets() {
        check(
            "rule a: when x < 5 and flag then y = \"p\"\nrule b: when x >= 5 and x < 9 and flag then y = \"p\"",
            "rule a:\n  when x < 9 and flag\n  then y = \"p\"\n",
        );
        check(
            "rule a: when zone in {\"a\"} then y = \"p\"\nrule b: when zone in {\"b\", \"c\"} then y = \"p\"",
            "rule a:\n  when zone not in {\"d\"}\n  then y = \"p\"\n",
        );
        // `flag` or `not flag` leaves out the rows where it is missing, which
        // no single condition says: the two stay apart, so a row without
        // `flag` still goes to the fallback.
        check(
            "rule a: when x < 5 and flag then y = \"p\"\nrule b: when x < 5 and not flag then y = \"p\"",
            "rule a:\n  when x < 5 and flag\n  then y = \"p\"\n\nrule b:\n  when x < 5 and not flag\n  then y = \"p\"\n",
        );
    }

    #[test]
    fn keeps_apart_what_cannot_be_joined_exactly() {
        // A gap between the ranges.
        let text = "rule a: when x < 5 then y = \"p\"\nrule b: when x > 5 then y = \"p\"";
        assert_eq!(compact(rules(text), &features()).len(), 2);
        // Different decisions.
        let text = "rule a: when x < 5 then y = \"p\"\nrule b: when x >= 5 then y = \"q\"";
        assert_eq!(compact(rules(text), &features()).len(), 2);
    }

    #[test]
    fn moves_a_rule_only_past_rules_it_cannot_overlap_with_a_different_decision() {
        // c can move up past b (disjoint on x), then merge with a.
        check(
            "rule a: when x < 5 then y = \"p\"\nrule b: when x >= 9 then y = \"q\"\nrule c: when x >= 5 and x < 9 then y = \"p\"",
            "rule a:\n  when x < 9\n  then y = \"p\"\n\nrule b:\n  when x >= 9\n  then y = \"q\"\n",
        );
        // Here b overlaps c with another decision: c stays after b.
        let text = "rule a: when x < 5 then y = \"p\"\nrule b: when flag then y = \"q\"\nrule c: when x >= 5 and x < 9 then y = \"p\"";
        assert_eq!(compact(rules(text), &features()).len(), 3);
    }

    #[test]
    fn a_contained_rule_disappears_into_its_neighbour() {
        check(
            "rule a: when x < 5 and flag then y = \"p\"\nrule b: when x < 9 then y = \"p\"",
            "rule a:\n  when x < 9\n  then y = \"p\"\n",
        );
    }

    mod prop {
        use super::*;
        use proptest::prelude::*;
        use rulec_runtime::eval::{Cell, Evaluator};
        use rulec_runtime::ir::{Certification, RuleSet, Target};

        fn schema() -> Vec<Feature> {
            let mut f = features();
            f[0].nullable = true;
            f
        }

        fn condition() -> impl Strategy<Value = Condition> {
            let op = prop_oneof![
                Just(CmpOp::Lt),
                Just(CmpOp::Le),
                Just(CmpOp::Gt),
                Just(CmpOp::Ge)
            ];
            let cats = proptest::sample::subsequence(vec!["a", "b", "c", "d"], 1..4)
                .prop_map(|v| v.into_iter().map(String::from).collect::<Vec<_>>());
            prop_oneof![
                (op, 0..6i32).prop_map(|(op, v)| Condition::Cmp {
                    feature: "x".into(),
                    op,
                    value: f64::from(v) * 2.0
                }),
                any::<bool>().prop_map(|value| Condition::Is {
                    feature: "flag".into(),
                    value
                }),
                cats.clone().prop_map(|values| Condition::In {
                    feature: "zone".into(),
                    values
                }),
                cats.prop_map(|values| Condition::NotIn {
                    feature: "zone".into(),
                    values
                }),
                Just(Condition::Missing {
                    feature: "x".into()
                }),
            ]
        }

        fn rule_list() -> impl Strategy<Value = Vec<Rule>> {
            proptest::collection::vec(
                (proptest::collection::vec(condition(), 1..3), 0..2usize),
                1..7,
            )
            .prop_map(|rs| {
                rs.into_iter()
                    .enumerate()
                    .map(|(i, (conditions, d))| Rule {
                        name: format!("r{i}"),
                        conditions: crate::propose::simplify_schema(conditions, &schema()),
                        decision: ["p", "q"][d].into(),
                        origin: Some("tree".into()),
                        evidence: None,
                    })
                    .collect()
            })
        }

        fn set(rules: Vec<Rule>) -> RuleSet {
            RuleSet {
                schema_version: 1,
                target: Target {
                    name: "y".into(),
                    classes: vec!["p".into(), "q".into()],
                    tolerance: None,
                },
                features: schema(),
                rules,
                certification: Certification {
                    precision: 0.9,
                    confidence: 0.9,
                    method: "wilson".into(),
                    scope: Default::default(),
                    tests: Vec::new(),
                    order: None,
                },
                provenance: None,
                summary: None,
                rejected: Vec::new(),
                policy: Default::default(),
                card: None,
            }
        }

        proptest! {
            #[test]
            fn compaction_never_changes_a_decision(rules in rule_list()) {
                let before = set(rules.clone());
                prop_assume!(before.check().is_ok());
                let after = set(compact(rules, &schema()));
                let (e1, e2) = (Evaluator::new(&before).unwrap(), Evaluator::new(&after).unwrap());
                prop_assert!(after.rules.len() <= before.rules.len());
                for x in [Cell::Missing, Cell::Num(f64::NAN), Cell::Num(-1.0), Cell::Num(0.0), Cell::Num(1.0), Cell::Num(2.0), Cell::Num(3.0), Cell::Num(4.0), Cell::Num(6.0), Cell::Num(9.0), Cell::Num(10.0), Cell::Num(11.0)] {
                    for flag in [Cell::Bool(false), Cell::Bool(true)] {
                        for zone in [Cell::Cat(0), Cell::Cat(1), Cell::Cat(2), Cell::Cat(3), Cell::Cat(rulec_runtime::eval::UNKNOWN_CATEGORY)] {
                            let row = [x, flag, zone];
                            let d1 = e1.decide(&row).unwrap().map(|h| h.class_idx);
                            let d2 = e2.decide(&row).unwrap().map(|h| h.class_idx);
                            prop_assert_eq!(d1, d2, "row {:?}\nbefore:\n{}\nafter:\n{}", row, before, after);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_hull_holds_both_rules_and_drops_what_they_do_not_share() {
        let f = features();
        let parse = |text: &str| {
            rules(&format!("rule r: when {text} then y = \"p\""))
                .remove(0)
                .conditions
        };
        let hull_of =
            |a: &str, b: &str| hull(&parse(a), &parse(b), &f).map(|c| dsl::print_conditions(&c));
        // Ranges: the loosest bounds, a gap between them included; sets:
        // the union; a column only one tests is dropped.
        assert_eq!(
            hull_of(
                "x < 5 and zone in {\"a\"} and flag",
                "x >= 7 and x < 9 and zone in {\"b\"} and flag"
            )
            .as_deref(),
            Some("x < 9 and zone in {\"a\", \"b\"} and flag")
        );
        // A bound only one side has is no bound of the hull; `flag` and
        // `not flag` leave no condition on it.
        assert_eq!(
            hull_of("x >= 2 and x < 5 and flag", "x >= 3 and not flag").as_deref(),
            Some("x >= 2")
        );
        // Nothing shared: no hull (it would answer every row).
        assert_eq!(hull_of("x < 5", "zone in {\"a\"}"), None);
        assert_eq!(hull_of("flag", "not flag"), None);
    }
}
