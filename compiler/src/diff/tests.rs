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
    use rulec_runtime::ir::{Certification, Feature, FeatureKind, Target};
    let script = "<script>alert(1)</script>";
    let set = |values: Vec<String>, decision: &str| RuleSet {
        schema_version: rulec_runtime::ir::SCHEMA_VERSION,
        target: Target {
            name: "<b>t</b>".into(),
            classes: vec!["<i>A</i>".into(), "B".into()],
            tolerance: None,
        },
        features: vec![Feature {
            name: "zo`ne <x>".into(),
            kind: FeatureKind::Categorical {
                categories: vec![script.to_string(), "east".into()],
            },
            nullable: false,
        }],
        rules: vec![rule(
            "r",
            vec![Condition::In {
                feature: "zo`ne <x>".into(),
                values,
            }],
            decision,
        )],
        certification: Certification {
            precision: 0.95,
            confidence: 0.95,
            method: "wilson".into(),
            scope: Default::default(),
            tests: Vec::new(),
        },
        provenance: None,
        summary: None,
        rejected: Vec::new(),
        policy: Default::default(),
        card: None,
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
