//! Unit tests of the parent module.

use super::*;

fn cmp(f: &str, op: CmpOp, v: f64) -> Condition {
    Condition::Cmp {
        feature: f.into(),
        op,
        value: v,
    }
}

fn rule(name: &str, conditions: Vec<Condition>, decision: &str) -> Rule {
    Rule {
        name: name.into(),
        conditions,
        decision: decision.into(),
        origin: None,
        evidence: None,
    }
}

#[test]
fn threshold_moves_are_measured() {
    let ch: Vec<String> =
        condition_changes(&[cmp("x", CmpOp::Lt, 50.0)], &[cmp("x", CmpOp::Le, 60.0)])
            .iter()
            .map(Line::plain)
            .collect();
    assert_eq!(
        ch,
        ["threshold moved on `x`: `x < 50` → `x <= 60` (+10, +20.0 %); the bound now includes its threshold"]
    );
}

/// A threshold moved to the largest number (an edit by hand) says by how
/// much in a number, not `+inf` and 300 digits of a percentage.
#[test]
fn a_huge_threshold_move_reads_as_a_number() {
    let ch: Vec<String> = condition_changes(
        &[cmp("x", CmpOp::Lt, 1571.0)],
        &[cmp("x", CmpOp::Lt, f64::MAX)],
    )
    .iter()
    .map(Line::plain)
    .collect();
    assert_eq!(
        ch,
        ["threshold moved on `x`: `x < 1571` → `x < 1.7976931348623157e308` (+1.7976931348623157e308)"]
    );
}

#[test]
fn a_sum_is_one_test_whose_threshold_moves() {
    let sum = |features: &[&str], minus: &[&str], value| Condition::Sum {
        features: features.iter().map(|f| f.to_string()).collect(),
        minus: minus.iter().map(|f| f.to_string()).collect(),
        op: CmpOp::Lt,
        value,
    };
    let ch: Vec<String> = condition_changes(
        &[
            sum(&["a", "b"], &[], 70.0),
            cmp("a", CmpOp::Lt, 5.0),
            sum(&["a"], &["b"], 2.0),
        ],
        &[
            cmp("a", CmpOp::Lt, 5.0),
            sum(&["a", "b"], &[], 63.0),
            sum(&["a", "c"], &[], 1.0),
            sum(&["a"], &["b"], 2.5),
        ],
    )
    .iter()
    .map(Line::plain)
    .collect();
    assert_eq!(
        ch,
        [
            "threshold moved on `a + b`: `a + b < 70` → `a + b < 63` (-7, -10.0 %)",
            "threshold moved on `a - b`: `a - b < 2` → `a - b < 2.5` (+0.5, +25.0 %)",
            "condition added: `a + c < 1`"
        ]
    );
}

/// Names, categories and classes from data stay text in the report:
/// outside code, every `<` is escaped.
#[test]
fn hostile_names_are_escaped() {
    use rulec_runtime::ir::{Feature, FeatureKind, Target};
    let script = "<script>alert(1)</script>";
    let set = |values: Vec<String>, decision: &str| {
        let mut set = plain_set(vec![Feature {
            name: "zo`ne <x>".into(),
            kind: FeatureKind::Categorical {
                categories: vec![script.to_string(), "east".into()],
            },
            nullable: false,
        }]);
        set.target = Target {
            name: "<b>t</b>".into(),
            classes: vec!["<i>A</i>".into(), "B".into()],
            tolerance: None,
        };
        set.rules = vec![rule(
            "r",
            vec![Condition::In {
                feature: "zo`ne <x>".into(),
                values,
            }],
            decision,
        )];
        set
    };
    let old = set(vec![script.to_string()], "<i>A</i>");
    let new = set(vec![script.to_string(), "east".into()], "B");
    let d = diff(&old, &new);
    assert!(d.changed());
    let md = d.markdown(&old, &new, "old.json", "new.json");
    let mut prose = String::new();
    let mut in_fence = false;
    for line in md.lines() {
        if line.starts_with("```") {
            in_fence = !in_fence;
        } else if !in_fence {
            // Code spans hold text exactly; leave them out.
            let mut rest = line;
            while let Some(start) = rest.find('`') {
                prose.push_str(&rest[..start]);
                let run = rest[start..].chars().take_while(|&c| c == '`').count();
                let fence = "`".repeat(run);
                let after = &rest[start + run..];
                rest = after.find(&fence).map_or("", |end| &after[end + run..]);
            }
            prose.push_str(rest);
            prose.push('\n');
        }
    }
    let bytes = prose.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'<' {
            assert!(i > 0 && bytes[i - 1] == b'\\', "unescaped < in:\n{prose}");
        }
    }
    assert!(
        md.contains("decides \"B\" instead of \"\\<i\\>A\\</i\\>\""),
        "{md}"
    );
    assert!(md.contains("``zo`ne <x>``"), "{md}");
}

#[test]
fn names_with_backticks_stay_exact_code() {
    let line = Line::default()
        .words("input column ")
        .code("a`b")
        .words(" is *new*");
    assert_eq!(line.markdown(), "input column ``a`b`` is \\*new\\*");
    assert_eq!(code("`x"), "`` `x ``");
    assert_eq!(line.plain(), "input column `a`b` is *new*");
}

#[test]
fn similarity_is_jaccard_over_tokens() {
    let a = rule(
        "a",
        vec![cmp("x", CmpOp::Lt, 1.0), cmp("y", CmpOp::Gt, 2.0)],
        "B",
    );
    let b = rule(
        "b",
        vec![cmp("x", CmpOp::Lt, 9.0), cmp("y", CmpOp::Gt, 2.0)],
        "B",
    );
    assert_eq!(similarity(&a, &b), 1.0);
    let c = rule("c", vec![cmp("x", CmpOp::Gt, 1.0)], "C");
    assert_eq!(similarity(&a, &c), 0.0);
}

fn plain_set(features: Vec<rulec_runtime::ir::Feature>) -> RuleSet {
    RuleSet::new(
        rulec_runtime::ir::Target {
            name: "y".into(),
            classes: vec!["a".into(), "b".into()],
            tolerance: None,
        },
        features,
        vec![rule("r", vec![cmp("x", CmpOp::Lt, 1.0)], "a")],
        0.95,
        0.95,
    )
}

/// An input column's change says what changed: its type, the categories
/// gained and lost (a feed's codes written anew), whether it may be
/// missing; not "type, categories or missing values".
#[test]
fn column_changes_say_what_changed() {
    use rulec_runtime::ir::{Feature, FeatureKind};
    let cats = |values: &[&str]| FeatureKind::Categorical {
        categories: values.iter().map(|v| v.to_string()).collect(),
    };
    let feature = |name: &str, kind: FeatureKind, nullable: bool| Feature {
        name: name.into(),
        kind,
        nullable,
    };
    let old = plain_set(vec![
        feature("x", FeatureKind::Numeric, false),
        feature("age", FeatureKind::Numeric, false),
        feature("region", cats(&["east", "north", "south", "west"]), false),
        feature("store", cats(&["1", "2", "3", "4", "5", "6", "7"]), false),
    ]);
    let new = plain_set(vec![
        feature("x", FeatureKind::Numeric, true),
        feature("age", cats(&["12", "unknown"]), false),
        feature(
            "region",
            cats(&["central", "east", "north", "south", "west"]),
            false,
        ),
        feature(
            "store",
            cats(&["1", "S2", "S3", "S4", "S5", "S6", "S7"]),
            false,
        ),
    ]);
    let d = diff(&old, &new);
    assert!(d.changed());
    let lines: Vec<String> = d.settings.iter().map(Line::plain).collect();
    assert_eq!(
        lines,
        [
            "input column `x` may be missing (it was never missing in training)",
            "input column `age` holds categories (it held numbers)",
            "input column `region` has 1 new category: `central`",
            "input column `store` has 6 new categories: `S2`, `S3`, `S4`, `S5`, `S6` and 1 more",
            "input column `store` lost 6 categories (now unknown to the rules): `2`, `3`, `4`, `5`, `6` and 1 more",
        ]
    );
}

/// Rules from the other order of the candidates (`--order`, or the choice
/// going the other way on new data) say so.
#[test]
fn a_change_of_order_is_said() {
    use rulec_runtime::ir::{OrderChoice, OrderKind};
    let old = plain_set(Vec::new());
    let mut new = plain_set(Vec::new());
    new.certification.order = Some(OrderChoice {
        taken: OrderKind::Confidence,
        greedy_expected: 400.0,
        greedy_rules: 3,
        confidence_expected: 450.0,
        confidence_rules: 4,
        rule_cost: 2.0,
        by_option: false,
    });
    let lines: Vec<String> = diff(&old, &new).settings.iter().map(Line::plain).collect();
    assert_eq!(
        lines,
        ["the rules come from the teacher's confidence order instead of the greedy order"]
    );
    // The same order taken, whatever the plans expected: no line.
    let mut same = new.clone();
    if let Some(o) = same.certification.order.as_mut() {
        o.confidence_expected = 500.0;
    }
    assert!(diff(&new, &same).settings.is_empty());
}

/// A model card that changed (its owner, its purpose) is shown for review
/// and is no change to the rules or the guarantee.
#[test]
fn a_changed_model_card_is_shown_not_counted() {
    use rulec_runtime::ir::{Card, Feature, FeatureKind};
    let x = vec![Feature {
        name: "x".into(),
        kind: FeatureKind::Numeric,
        nullable: false,
    }];
    let mut old = plain_set(x.clone());
    old.card = Some(Card {
        owner: Some("Credit platform".into()),
        purpose: Some("Route routine applications".into()),
        ..Card::default()
    });
    let mut new = plain_set(x);
    new.card = Some(Card {
        owner: Some("Credit platform".into()),
        purpose: Some("Route all applications".into()),
        contacts: vec!["risk@example.com".into()],
        ..Card::default()
    });
    let d = diff(&old, &new);
    assert!(!d.changed());
    let lines: Vec<String> = d.card.iter().map(Line::plain).collect();
    assert_eq!(
        lines,
        [
            "purpose: `Route all applications`, was `Route routine applications`",
            "contacts: `risk@example.com`, was not given",
        ]
    );
    let md = d.markdown(&old, &new, "old.json", "new.json");
    assert!(md.contains("No change to the rules or the guarantee; the model card changed (below)."));
    assert!(md.contains("## Model card\n"), "{md}");
    assert!(diff(&old, &old).card.is_empty());
}

/// Two learned rules are paired by their conditions, not by a name that
/// only says their decision and position: a retrain whose first `approve`
/// rule is the old second one shows that rule changed a little, not the
/// old first rule rewritten. A proposal keeps its name's weight.
#[test]
fn learned_rules_pair_by_conditions_not_by_position_names() {
    let learned = |name: &str, conditions: Vec<Condition>| Rule {
        origin: Some("tree".into()),
        ..rule(name, conditions, "approve")
    };
    let old = vec![
        learned(
            "approve_1",
            vec![
                cmp("income", CmpOp::Ge, 25000.0),
                cmp("tenure", CmpOp::Ge, 24.0),
            ],
        ),
        learned(
            "approve_2",
            vec![
                cmp("income", CmpOp::Ge, 60000.0),
                cmp("age", CmpOp::Ge, 25.0),
            ],
        ),
    ];
    let new = vec![learned(
        "approve_1",
        vec![
            cmp("income", CmpOp::Ge, 60000.0),
            cmp("age", CmpOp::Ge, 25.0),
            cmp("region", CmpOp::Lt, 3.0),
        ],
    )];
    let pairs = match_rules(&old, &new);
    assert_eq!(pairs.len(), 1);
    assert_eq!((pairs[0].0, pairs[0].1), (1, 0), "{pairs:?}");
    // Between proposals (named by their author) a name decides a tie of
    // conditions; between learned rules it does not.
    let proposal = |name: &str, conditions: Vec<Condition>| Rule {
        origin: Some("proposal".into()),
        ..rule(name, conditions, "approve")
    };
    let (inc, age, ten) = (
        cmp("income", CmpOp::Ge, 1.0),
        cmp("age", CmpOp::Ge, 1.0),
        cmp("tenure", CmpOp::Ge, 1.0),
    );
    let old = vec![
        proposal("q", vec![inc.clone(), age.clone()]),
        proposal("p", vec![inc.clone(), ten.clone()]),
    ];
    let new = vec![proposal("p", vec![inc.clone(), age.clone(), ten.clone()])];
    let pairs = match_rules(&old, &new);
    assert_eq!((pairs[0].0, pairs[0].1), (1, 0), "{pairs:?}");
    let relearned: Vec<Rule> = old
        .iter()
        .map(|r| Rule {
            origin: Some("tree".into()),
            ..r.clone()
        })
        .collect();
    let new = vec![learned("p", vec![inc, age, ten])];
    let pairs = match_rules(&relearned, &new);
    assert_eq!((pairs[0].0, pairs[0].1), (0, 0), "{pairs:?}");
}

/// The order section gives each rule the old place of the rule it was
/// matched to: a learned rule renamed in a retrain (the old `approve_2` is
/// the new `approve_1`) was "was #1", the place of the old rule of its new
/// name.
#[test]
fn the_order_names_the_old_place_of_the_matched_rule() {
    let learned = |name: &str, conditions: Vec<Condition>| Rule {
        origin: Some("tree".into()),
        ..rule(name, conditions, "a")
    };
    let (x, z) = (
        vec![cmp("x", CmpOp::Lt, 1.0), cmp("z", CmpOp::Ge, 2.0)],
        vec![cmp("x", CmpOp::Ge, 5.0), cmp("z", CmpOp::Lt, 9.0)],
    );
    let numeric = |name: &str| rulec_runtime::ir::Feature {
        name: name.into(),
        kind: rulec_runtime::ir::FeatureKind::Numeric,
        nullable: false,
    };
    let mut old = plain_set(vec![numeric("x"), numeric("z")]);
    old.rules = vec![
        learned("approve_1", x.clone()),
        learned("approve_2", z.clone()),
    ];
    let mut new = old.clone();
    new.rules = vec![learned("approve_1", z), learned("approve_2", x)];
    let d = diff(&old, &new);
    let md = d.markdown(&old, &new, "old.json", "new.json");
    assert!(
        md.contains("- `approve_1`: #1 (was #2)\n- `approve_2`: #2 (was #1)\n"),
        "{md}"
    );
}

/// The same classes in another order (numbers sorted as text by compiles
/// before 2026-12-07, by value since) are no change; another class is.
#[test]
fn classes_in_another_order_are_no_change() {
    let x = vec![rulec_runtime::ir::Feature {
        name: "x".into(),
        kind: rulec_runtime::ir::FeatureKind::Numeric,
        nullable: false,
    }];
    let with = |classes: &[&str]| {
        let mut set = plain_set(x.clone());
        set.target.classes = classes.iter().map(|c| c.to_string()).collect();
        set
    };
    let old = with(&["1", "10", "2"]);
    let d = diff(&old, &with(&["1", "2", "10"]));
    assert!(
        d.settings.iter().all(|l| !l.plain().contains("classes")),
        "{:?}",
        d.settings.iter().map(Line::plain).collect::<Vec<_>>()
    );
    // The crate sees it: the decision enum's variants follow the order.
    let api: Vec<String> = d.api.iter().map(Line::plain).collect();
    assert!(
        api.iter()
            .any(|l| l.starts_with("the decision enum's variants are in another order")),
        "{api:?}"
    );
    let d = diff(&old, &with(&["1", "2", "11"]));
    let lines: Vec<String> = d.settings.iter().map(Line::plain).collect();
    assert!(
        lines.iter().any(|l| l.starts_with("the classes are ")),
        "{lines:?}"
    );
}

/// A rule whose conditions and decision stayed the same is unchanged, and
/// the figures it was signed off with, where they moved (a retrain on
/// other rows, new test labels), are shown beside it: they were not.
#[test]
fn an_unchanged_rule_shows_the_figures_that_moved() {
    let numeric = rulec_runtime::ir::Feature {
        name: "x".into(),
        kind: rulec_runtime::ir::FeatureKind::Numeric,
        nullable: false,
    };
    let split = |support, correct, bound| SplitEvidence {
        support,
        correct,
        agree_teacher: correct,
        precision_lower_bound: bound,
    };
    let with = |validation, test| Evidence {
        validation,
        test,
        examples: Vec::new(),
        reasons: Vec::new(),
    };
    let mut old = plain_set(vec![numeric]);
    old.rules
        .push(rule("s", vec![cmp("x", CmpOp::Ge, 5.0)], "b"));
    old.rules[0].evidence = Some(with(split(140, 137, 0.946), Some(split(138, 130, 0.898))));
    old.rules[1].evidence = Some(with(split(20, 20, 0.86), None));
    let mut new = old.clone();
    new.rules[0].evidence = Some(with(split(140, 137, 0.946), Some(split(138, 119, 0.805))));
    let d = diff(&old, &new);
    assert_eq!(d.unchanged, ["r", "s"]);
    assert!(d.changed.is_empty());
    let md = d.markdown(&old, &new, "old.json", "new.json");
    assert!(
        md.contains(
            "The same conditions and decisions, with figures that moved:\n\n\
             - `r`: test 138 rows at 94.2 % (bound 89.8 %), as recorded → 138 rows at 86.2 % \
             (bound 80.5 %), as recorded\n\n"
        ),
        "{md}"
    );
    // (Hand-made, neither set carries the compile's fingerprint: "as
    // recorded".) `s` kept its figures and is not listed with them;
    // without a move, no such list.
    assert!(!md.contains("- `s`:"), "{md}");
    let same = diff(&old, &old).markdown(&old, &old, "old.json", "old.json");
    assert!(!same.contains("figures that moved"), "{same}");
    // Renamed, it is a changed rule, and its test figures show there too.
    let mut renamed = new.clone();
    renamed.rules[0].name = "r_new".into();
    let md = diff(&old, &renamed).markdown(&old, &renamed, "old.json", "new.json");
    assert!(
        md.contains(
            "- support and precision on test rows: 138 rows at 94.2 % (bound 89.8 %), as recorded → \
             138 rows at 86.2 % (bound 80.5 %), as recorded\n"
        ),
        "{md}"
    );
}
