//! One plain-English sentence per rule, generated from its conditions, for
//! readers who do not read the rule DSL.
//!
//! The sentence says the same as the DSL, in the same words for every data
//! set: conditions on one column are said together ("weight_lb is at least
//! 5 and below 13.3"), columns in the order the rule first tests them. Names
//! and values are copied verbatim (categories and the decision in double
//! quotes); the result is plain text, and each renderer escapes it for its
//! format. Two things the sentence leaves to the rule book's text on the
//! fallback, to stay readable: a missing value satisfies only `is missing`,
//! and a category the schema does not list satisfies neither `in` nor
//! `not in`.

use rulec_runtime::dsl::{display_order, print_number};
use rulec_runtime::ir::{CmpOp, Condition, Rule};

/// `n` followed by the noun, in the singular for one: `1 rule`, `3 rules`.
pub fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The rule as one sentence, e.g. `When weight_lb is below 5 and
/// distance_mi is below 50, cheapest_shipper is "B".`
pub fn sentence(rule: &Rule, target: &str) -> String {
    let target = crate::book::data_text(target);
    said(rule, format!("{target} is {}", quoted(&rule.decision)))
}

/// [`sentence`] for a rule of `set`: for a numeric target (`--tolerance`)
/// the decision is a value within the tolerance, not a label: "price is
/// 600, give or take 500".
pub fn rule_sentence(set: &rulec_runtime::RuleSet, rule: &Rule) -> String {
    let target = &set.target.name;
    let named = crate::book::data_text(target);
    match set.target.tolerance {
        Some(t) => said(
            rule,
            format!(
                "{named} is {}, give or take {}",
                rule.decision,
                rulec_runtime::dsl::print_number(t)
            ),
        ),
        None => sentence(rule, target),
    }
}

/// The rule's conditions said in words, then `then`.
fn said(rule: &Rule, then: String) -> String {
    if rule.conditions.is_empty() {
        return format!("For every row, {then}.");
    }
    // Columns in the order the rule first tests them; each column's
    // conditions are said as one clause with the column named once.
    // A sum of columns is one subject: "a + b is below 5".
    let mut columns: Vec<(String, Vec<&Condition>)> = Vec::new();
    for cond in &rule.conditions {
        let subject = cond.subject();
        match columns.iter_mut().find(|(f, _)| *f == subject) {
            Some((_, conds)) => conds.push(cond),
            None => columns.push((subject, vec![cond])),
        }
    }
    let clauses: Vec<String> = columns
        .iter()
        .map(|(feature, conds)| {
            let predicates: Vec<String> = ordered(conds).into_iter().map(predicate).collect();
            // A name with a tab or line break as the DSL writes it.
            format!("{} {}", crate::book::data_text(feature), join(&predicates))
        })
        .collect();
    format!("When {}, {then}.", join(&clauses))
}

/// Lower bounds before upper bounds, so a range reads "at least 5 and below
/// 13.3"; other conditions keep their order.
fn ordered<'a>(conds: &[&'a Condition]) -> Vec<&'a Condition> {
    let rank = |c: &Condition| match c {
        Condition::Cmp { op, .. } | Condition::Sum { op, .. } if op.is_lower_bound() => 0,
        Condition::Cmp { .. } | Condition::Sum { .. } => 1,
        _ => 2,
    };
    let mut out = conds.to_vec();
    // A stable sort keeps the rule's own order within each rank.
    out.sort_by_key(|c| rank(c));
    out
}

/// What a condition says about its column, without the column's name.
fn predicate(cond: &Condition) -> String {
    match cond {
        Condition::Cmp { op, value, .. } | Condition::Sum { op, value, .. } => {
            let words = match op {
                CmpOp::Lt => "is below",
                CmpOp::Le => "is at most",
                CmpOp::Gt => "is above",
                CmpOp::Ge => "is at least",
            };
            format!("{words} {}", print_number(*value))
        }
        Condition::Is { value, .. } => format!("is {value}"),
        Condition::In { values, .. } => match display_order(values).as_slice() {
            [one] => format!("is {}", quoted(one)),
            [a, b] => format!("is {} or {}", quoted(a), quoted(b)),
            shown => format!("is one of {}", alternatives(shown, "or")),
        },
        Condition::NotIn { values, .. } => match display_order(values).as_slice() {
            [one] => format!("is not {}", quoted(one)),
            [a, b] => format!("is neither {} nor {}", quoted(a), quoted(b)),
            shown => format!("is none of {}", alternatives(shown, "or")),
        },
        Condition::Missing { .. } => "is missing".to_string(),
    }
}

/// Predicates of one column share its name: after the first, a leading
/// "is " is dropped ("is at least 5 and below 13.3").
fn join(items: &[String]) -> String {
    let mut parts: Vec<&str> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let shared_is = i > 0 && items[0].starts_with("is ") && item.starts_with("is ");
        parts.push(if shared_is { &item[3..] } else { item });
    }
    match parts.as_slice() {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn alternatives(values: &[&str], word: &str) -> String {
    let quoted: Vec<String> = values.iter().map(|v| quoted(v)).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {word} {last}", init.join(", ")),
    }
}

/// A value in double quotes, as the rule language writes it: a quote,
/// backslash, line break, tab or invisible character escaped
/// (`"say \"hi\""`), so that where a value ends, and two values that
/// differ only there, can be told.
fn quoted(s: &str) -> String {
    rulec_runtime::dsl::print_string(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(conditions: Vec<Condition>, decision: &str) -> Rule {
        Rule {
            name: "r".into(),
            conditions,
            decision: decision.into(),
            origin: None,
            evidence: None,
        }
    }

    fn cmp(feature: &str, op: CmpOp, value: f64) -> Condition {
        Condition::Cmp {
            feature: feature.into(),
            op,
            value,
        }
    }

    fn set(feature: &str, values: &[&str], negated: bool) -> Condition {
        let values = values.iter().map(|v| v.to_string()).collect();
        if negated {
            Condition::NotIn {
                feature: feature.into(),
                values,
            }
        } else {
            Condition::In {
                feature: feature.into(),
                values,
            }
        }
    }

    #[test]
    fn design_example() {
        let r = rule(
            vec![
                cmp("distance_mi", CmpOp::Lt, 50.0),
                cmp("weight_lb", CmpOp::Lt, 5.0),
            ],
            "B",
        );
        assert_eq!(
            sentence(&r, "cheapest_shipper"),
            "When distance_mi is below 50 and weight_lb is below 5, cheapest_shipper is \"B\"."
        );
    }

    /// A quote inside a value read as the value's end (`"say "hi""`), and
    /// a line break or tab as a space in the book.
    #[test]
    fn quotes_and_line_breaks_in_values_are_escaped() {
        let r = rule(
            vec![set(
                "type",
                &["say \"hi\"", "back\\slash", "two\nlines"],
                true,
            )],
            "tab\there",
        );
        assert_eq!(
            sentence(&r, "label"),
            r#"When type is none of "say \"hi\"", "back\\slash" or "two\nlines", label is "tab\there"."#
        );
    }

    #[test]
    fn ranges_sets_booleans_and_missing() {
        let r = rule(
            vec![
                cmp("weight_lb", CmpOp::Lt, 13.3),
                Condition::Is {
                    feature: "express".into(),
                    value: true,
                },
                cmp("weight_lb", CmpOp::Ge, 5.0),
                set("day", &["sat", "sun"], true),
                set("zone", &["east", "north", "west"], false),
                Condition::Missing {
                    feature: "note".into(),
                },
                set("tier", &["gold"], false),
            ],
            "A",
        );
        assert_eq!(
            sentence(&r, "shipper"),
            "When weight_lb is at least 5 and below 13.3, express is true, day is neither \"sat\" nor \"sun\", \
             zone is one of \"east\", \"north\" or \"west\", note is missing and tier is \"gold\", shipper is \"A\"."
        );
    }

    #[test]
    fn integer_codes_are_listed_by_value() {
        let r = rule(
            vec![
                set("store", &["10", "101", "9"], false),
                set("area", &["12", "3"], true),
            ],
            "A",
        );
        assert_eq!(
            sentence(&r, "shipper"),
            "When store is one of \"9\", \"10\" or \"101\" and area is neither \"3\" nor \"12\", shipper is \"A\"."
        );
    }

    #[test]
    fn single_and_triple_exclusions_and_no_conditions() {
        let r = rule(
            vec![
                set("zone", &["islands"], true),
                set("day", &["a", "b", "c"], true),
                cmp("x", CmpOp::Le, -0.5),
                cmp("y", CmpOp::Gt, 1e-3),
            ],
            "no",
        );
        assert_eq!(
            sentence(&r, "ok"),
            "When zone is not \"islands\", day is none of \"a\", \"b\" or \"c\", x is at most -0.5 and y is above 0.001, ok is \"no\"."
        );
        assert_eq!(
            sentence(&rule(Vec::new(), "B"), "t"),
            "For every row, t is \"B\"."
        );
    }

    #[test]
    fn a_sum_is_one_subject_with_its_bounds_together() {
        let sum = |op, value| Condition::Sum {
            features: vec!["day charge".into(), "eve".into()],
            minus: Vec::new(),
            op,
            value,
        };
        let r = rule(
            vec![
                sum(CmpOp::Lt, 70.0),
                cmp("day charge", CmpOp::Gt, 1.0),
                sum(CmpOp::Ge, 20.5),
            ],
            "no",
        );
        assert_eq!(
            sentence(&r, "churn"),
            "When day charge + eve is at least 20.5 and below 70 and day charge is above 1, churn is \"no\"."
        );
        // A difference is a subject of its own, its terms in their order.
        let diff = Condition::Sum {
            features: vec!["length".into()],
            minus: vec!["depth".into()],
            op: CmpOp::Ge,
            value: 24.5,
        };
        let r = rule(vec![diff, sum(CmpOp::Lt, 70.0)], "no");
        assert_eq!(
            sentence(&r, "churn"),
            "When length - depth is at least 24.5 and day charge + eve is below 70, churn is \"no\"."
        );
    }
}
