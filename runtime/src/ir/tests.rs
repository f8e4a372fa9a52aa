//! Unit tests of the parent module.

use super::*;

fn with_classes(classes: &[&str]) -> RuleSet {
    let target = Target {
        name: "y".into(),
        classes: classes.iter().map(|c| c.to_string()).collect(),
        tolerance: None,
    };
    RuleSet::new(target, Vec::new(), Vec::new(), 0.95, 0.95)
}

/// A hand-edited rules.json is refused where its figures cannot be: a
/// precision or confidence outside 0 to 1, a bound outside 0 to 1, more
/// right rows than rows; a version that is no whole number is named as
/// such; a type error names its line; a byte order mark is skipped.
#[test]
fn a_hand_edited_rules_json_is_refused_where_it_is_wrong() {
    let text = with_classes(&["p", "q"]).to_json();
    assert!(RuleSet::from_json(&text).is_ok());
    assert!(RuleSet::from_json(&format!("\u{feff}{text}")).is_ok());
    let edit = |from: &str, to: &str| {
        assert!(text.contains(from), "{from}");
        RuleSet::from_json(&text.replacen(from, to, 1))
            .unwrap_err()
            .to_string()
    };
    let err = edit("\"precision\": 0.95", "\"precision\": 1.5");
    assert!(
        err.contains("certification.precision must be between 0 and 1 (exclusive), got 1.5"),
        "{err}"
    );
    let err = edit("\"confidence\": 0.95", "\"confidence\": 0.0");
    assert!(err.contains("certification.confidence"), "{err}");
    let err = edit("\"schema_version\": 1", "\"schema_version\": \"1\"");
    assert!(
        err.contains("`schema_version` must be a positive whole number, got \"1\""),
        "{err}"
    );
    let err = edit("\"confidence\": 0.95", "\"confidence\": null");
    assert!(err.contains("line ") && err.contains("column "), "{err}");
}

/// A set whose sum subtracts a column is written as layout version 2,
/// which a rulec that reads version 1 only refuses; other sets stay
/// at version 1, and a later version is refused by name.
#[test]
fn a_difference_needs_layout_version_2() {
    let num = |name: &str| Feature {
        name: name.into(),
        kind: FeatureKind::Numeric,
        nullable: false,
    };
    let mut set = with_classes(&["p", "q"]);
    set.features = vec![num("a"), num("b"), num("c")];
    let rule = |minus: Vec<String>| Rule {
        name: "r".into(),
        conditions: vec![Condition::Sum {
            features: vec!["a".into(), "c".into()],
            minus,
            op: CmpOp::Lt,
            value: 1.5,
        }],
        decision: "p".into(),
        origin: None,
        evidence: None,
    };
    set.rules = vec![rule(Vec::new())];
    assert_eq!(set.layout_version(), SCHEMA_VERSION);
    let plain = set.to_json();
    assert!(plain.contains("\"schema_version\": 1,") && !plain.contains("minus"));
    set.rules = vec![rule(vec!["b".into()])];
    assert_eq!(set.layout_version(), DIFFERENCE_SCHEMA_VERSION);
    let text = set.to_json();
    assert!(text.contains("\"schema_version\": 2,"), "{text}");
    assert!(text.contains("\"minus\": [\n"), "{text}");
    let back = RuleSet::from_json(&text).unwrap();
    assert_eq!(back.rules, set.rules);
    assert_eq!(back.schema_version, DIFFERENCE_SCHEMA_VERSION);
    // A rejected candidate with a difference counts too.
    set.rejected = vec![Rejected {
        rule: set.rules.remove(0),
        reason: "not kept".into(),
    }];
    assert_eq!(set.layout_version(), DIFFERENCE_SCHEMA_VERSION);
    // Terms must be distinct, whatever their sign.
    let mut both = set.clone();
    both.rejected.clear();
    both.rules = vec![rule(vec!["a".into()])];
    let err = both.check().unwrap_err().to_string();
    assert!(
        err.contains("`a` is both added and subtracted in one sum"),
        "{err}"
    );
    // A file that declares version 1 yet subtracts is refused, as is
    // version 0, which no rulec wrote.
    let older = text.replacen("\"schema_version\": 2,", "\"schema_version\": 1,", 1);
    let err = RuleSet::from_json(&older).unwrap_err().to_string();
    assert!(
        err.contains("`schema_version` is 1, but a sum that subtracts a column (`minus`) needs layout version 2"),
        "{err}"
    );
    let zero = plain.replacen("\"schema_version\": 1,", "\"schema_version\": 0,", 1);
    let err = RuleSet::from_json(&zero).unwrap_err().to_string();
    assert!(err.contains("`schema_version` is 0"), "{err}");
    assert!(RuleSet::from_json(&plain).is_ok());
    let future = text.replacen("\"schema_version\": 2,", "\"schema_version\": 3,", 1);
    let err = RuleSet::from_json(&future).unwrap_err().to_string();
    assert!(
        err.contains("schema version 3, but this rulec reads versions up to 2"),
        "{err}"
    );
}

/// A label names its class as written, or as the same number when
/// exactly one class is that number; text is matched only as written.
#[test]
fn a_label_names_its_class_as_written_or_as_the_same_number() {
    let floats = with_classes(&["0.0", "1.0"]);
    assert_eq!(floats.class_of_label("1.0"), Some(1));
    assert_eq!(floats.class_of_label("1"), Some(1));
    assert_eq!(floats.class_of_label("0"), Some(0));
    assert_eq!(floats.class_of_label("2"), None);
    assert_eq!(floats.class_of_label("yes"), None);
    let ints = with_classes(&["0", "1", "10"]);
    assert_eq!(ints.class_of_label("1.0"), Some(1));
    assert_eq!(ints.class_of_label("1e1"), Some(2));
    // Two classes of one number: written as one of them, it is that
    // one; written otherwise, it is neither.
    let both = with_classes(&["1", "1.0", "no"]);
    assert_eq!(both.class_of_label("1.0"), Some(1));
    assert_eq!(both.class_of_label("1.00"), None);
    // Text is never read as a number, nor a number as text.
    let words = with_classes(&["inf", "nan", "no"]);
    assert_eq!(words.class_of_label("inf"), Some(0));
    assert_eq!(words.class_of_label("Infinity"), None);
    assert_eq!(words.class_of_label("NO"), None);
    // Boolean words in any case name the class written in another case,
    // when only one is.
    let booleans = with_classes(&["false", "true"]);
    assert_eq!(booleans.class_of_label("True"), Some(1));
    assert_eq!(booleans.class_of_label("FALSE"), Some(0));
    assert_eq!(booleans.class_of_label("yes"), None);
    let both = with_classes(&["TRUE", "True", "false"]);
    assert_eq!(both.class_of_label("True"), Some(1));
    assert_eq!(both.class_of_label("true"), None);
    assert_eq!(both.class_of_label("False"), Some(2));
}

/// The candidates not kept are checked as the rules are: a hand edit gave
/// one a name with a line break and an escape, a class that is none, a
/// column that is none, and the book printed them as rules.
#[test]
fn rejected_candidates_are_checked_as_rules_are() {
    let mut set = with_classes(&["p", "q"]);
    set.features = vec![Feature {
        name: "x".into(),
        kind: FeatureKind::Numeric,
        nullable: false,
    }];
    let candidate = |name: &str, decision: &str, feature: &str| Rejected {
        rule: Rule {
            name: name.into(),
            conditions: vec![Condition::Cmp {
                feature: feature.into(),
                op: CmpOp::Lt,
                value: 1.0,
            }],
            decision: decision.into(),
            origin: None,
            evidence: None,
        },
        reason: "not kept".into(),
    };
    set.rejected = vec![candidate("p_1", "p", "x")];
    assert!(set.check().is_ok());
    for (bad, said) in [
        (candidate("p\n\u{1b}[1m", "p", "x"), "is no rule name"),
        (candidate("p_2", "r", "x"), "decides `r`"),
        (candidate("p_3", "p", "nowhere"), "nowhere"),
    ] {
        set.rejected = vec![bad];
        let err = set.check().unwrap_err().to_string();
        assert!(err.contains("rejected[0]") && err.contains(said), "{err}");
    }
}
