//! Names and values from the data are hostile: Rust keywords, `self`,
//! unicode, leading digits, names that collide after sanitising or with the
//! generated items, strings that try to break out of literals and comments.
//! The generated crate must still compile without warnings (clippy included),
//! stay as rustfmt prints it, and decide exactly as the interpreter.
//!
//! Each case builds a crate, so there are few cases; the layout-only test
//! below runs many more through rustfmt alone.

mod common;

use common::{build_and_check, rule_set, Checks};
use proptest::prelude::*;
use proptest::sample::subsequence;
use rulec_codegen::rust::{emit_crate, GeneratedCrate};
use rulec_runtime::ir::{
    CmpOp, Condition, Evidence, Feature, FeatureKind, Reason, Rule, RuleSet, SplitEvidence,
};

const NAMES: &[&str] = &[
    "fn",
    "self",
    "Self",
    "crate",
    "super",
    "type",
    "async",
    "gen",
    "r#try",
    "größe",
    "距离",
    "1st",
    "",
    "a b",
    "a_b",
    "A-B",
    "input",
    "Input",
    "decide",
    "decide_or_else",
    "RULES",
    "Hit",
    "RuleId",
    "rule info",
    "reason",
    "Reason",
    "Option",
    "none",
    "x",
    "\"); panic!(\"",
    "*/",
    "line\nbreak",
    "`tick`",
    "\u{202e}bidi",
    "Unknown",
    "zone",
    "Zone",
    "core",
    "std",
    "rules",
];

const VALUES: &[&str] = &[
    "\"",
    "\\",
    "{}",
    "\"); panic!(\"",
    "*/",
    "/*",
    "a\nb",
    "",
    "Unknown",
    "unknown",
    "north",
    "North",
    "NORTH",
    "1",
    "-1",
    "1.5",
    "<=50K",
    ">50K",
    "ü",
    "日本",
    "\u{202e}x",
    "\t",
    "\r\n",
    "'",
    "#[cfg(x)]",
    "Self",
    "None",
];

const RULE_NAMES: &[&str] = &[
    "fn", "self", "crate", "type", "r1", "rule_1", "rule1", "a_1", "a1", "input", "decide",
    "unknown", "some", "none", "ok", "x",
];

// Near-constants on purpose: clippy must not reject them in the generated crate.
#[allow(clippy::approx_constant)]
const FLOATS: &[f64] = &[
    0.0,
    -0.0,
    1e-300,
    -1e-300,
    1e300,
    -1e300,
    5e-324,
    f64::MAX,
    f64::MIN_POSITIVE,
    0.1,
    -1.5,
    3.14,
    2.718,
    1e21,
    123456789.123,
    1.2345678901234568e20,
];

/// One feature's kind before categories are drawn.
#[derive(Clone, Debug)]
enum Kind {
    Num,
    Bool,
    Cat(Vec<String>),
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        Just(Kind::Num),
        Just(Kind::Bool),
        subsequence(VALUES, 0..=6)
            .prop_map(|vals| Kind::Cat(vals.iter().map(|v| v.to_string()).collect())),
    ]
}

fn condition(feature: &Feature, pick: (u8, usize, bool, Vec<bool>)) -> Condition {
    let (choice, float_idx, flag, mask) = pick;
    let name = feature.name.clone();
    // `is missing` only where missing values can occur: the IR refuses it
    // on other columns.
    if choice % 5 == 0 && feature.nullable {
        return Condition::Missing { feature: name };
    }
    match &feature.kind {
        FeatureKind::Numeric => Condition::Cmp {
            feature: name,
            op: [CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Ge][choice as usize % 4],
            value: FLOATS[float_idx % FLOATS.len()],
        },
        FeatureKind::Boolean => Condition::Is {
            feature: name,
            value: flag,
        },
        FeatureKind::Categorical { categories } => {
            let mut values: Vec<String> = categories
                .iter()
                .zip(mask.iter().cycle())
                .filter(|(_, keep)| **keep)
                .map(|(c, _)| c.clone())
                .collect();
            if values.is_empty() {
                match categories.first() {
                    Some(c) => values.push(c.clone()),
                    // The strategies make columns without categories
                    // nullable, so this test is valid.
                    None => return Condition::Missing { feature: name },
                }
            }
            if flag {
                Condition::In {
                    feature: name,
                    values,
                }
            } else {
                Condition::NotIn {
                    feature: name,
                    values,
                }
            }
        }
    }
}

/// The `i`-th condition of a rule: now and then the sum of every numeric
/// column, some of them subtracted; else a condition on one column.
fn condition_or_sum(
    features: &[Feature],
    i: usize,
    pick: (u8, usize, bool, Vec<bool>),
) -> Condition {
    let mut numeric: Vec<String> = features
        .iter()
        .filter(|f| f.kind == FeatureKind::Numeric)
        .map(|f| f.name.clone())
        .collect();
    if pick.0 % 7 == 6 && numeric.len() >= 2 {
        let minus = numeric.split_off(numeric.len() - pick.1 % numeric.len());
        return Condition::Sum {
            features: numeric,
            minus,
            op: [CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Ge][pick.1 % 4],
            value: FLOATS[pick.1 % FLOATS.len()],
        };
    }
    condition(&features[(i + pick.1) % features.len()], pick)
}

/// A rule set over hostile names: 1 to 6 features, 2 to 4 classes, up to 5
/// rules of up to 4 conditions each.
fn hostile_set() -> impl Strategy<Value = RuleSet> {
    let names = subsequence(NAMES, 2..=7).prop_shuffle();
    let features = (names, prop::collection::vec((kind(), any::<bool>()), 7));
    let classes = subsequence(VALUES, 2..=4);
    let rule_names = subsequence(RULE_NAMES, 0..=5).prop_shuffle();
    let picks = prop::collection::vec(
        (
            0usize..4,
            prop::collection::vec(
                (
                    any::<u8>(),
                    any::<usize>(),
                    any::<bool>(),
                    prop::collection::vec(any::<bool>(), 6),
                ),
                0..=4,
            ),
        ),
        5,
    );
    (features, classes, rule_names, picks).prop_map(
        |((names, kinds), classes, rule_names, picks)| {
            // The first name is the target; the others are features.
            let target = names[0];
            let features: Vec<Feature> = names[1..]
                .iter()
                .zip(kinds)
                .map(|(name, (kind, nullable))| Feature {
                    name: name.to_string(),
                    // A column without categories can only be tested for
                    // missing values, so it must have them.
                    nullable: nullable || matches!(&kind, Kind::Cat(c) if c.is_empty()),
                    kind: match kind {
                        Kind::Num => FeatureKind::Numeric,
                        Kind::Bool => FeatureKind::Boolean,
                        Kind::Cat(categories) => FeatureKind::Categorical { categories },
                    },
                })
                .collect();
            let rules = rule_names
                .iter()
                .zip(picks)
                .map(|(name, (class_idx, conds))| Rule {
                    name: name.to_string(),
                    conditions: conds
                        .into_iter()
                        .enumerate()
                        .map(|(i, pick)| condition_or_sum(&features, i, pick))
                        .collect(),
                    decision: classes[class_idx % classes.len()].to_string(),
                    origin: None,
                    evidence: None,
                })
                .collect();
            let mut set = rule_set(target, &classes, features, rules);
            set.target.classes.sort();
            set
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 8,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn hostile_names_build_and_agree(set in hostile_set(), seed in any::<u64>()) {
        set.check().expect("the strategy makes valid rule sets");
        let rows = common::rows(&set, 3000, seed);
        // With the book's example rows, so that their test is built and
        // run on hostile names and categories too.
        let set = common::with_examples(set, &rows, 3);
        let checks = Checks { clippy: true, rustfmt: true, doc: true };
        build_and_check(&set, "hostile", &rows, checks);
    }
}

/// Writes `generated` to a temporary folder and fails unless rustfmt
/// leaves its sources as they are.
fn assert_layout_kept(generated: &GeneratedCrate) {
    let dir = tempfile::tempdir().unwrap();
    generated.write_to(dir.path()).unwrap();
    common::assert_rustfmt_keeps(
        dir.path(),
        &["src/lib.rs", "src/rules.rs", "examples/parity.rs"],
    );
}

/// Random widths of names and category sets, so that conditions, `matches!`
/// calls (with a guard too, for sums and nullable columns), `ALL` arrays
/// and `REASONS` land on both sides of rustfmt's width limits; the
/// files are only run through `rustfmt --check`, not built.
fn wide_set() -> impl Strategy<Value = RuleSet> {
    let ident = "[a-z][a-z0-9_]{0,45}";
    // Wide characters too: rustfmt measures display width, where `日` takes
    // two columns and three bytes.
    let value = "[A-Za-z0-9 ]{1,24}|[a-z]{60,90}|[a-z日本ü]{20,60}";
    let feature = (
        ident,
        0u8..3,
        prop::collection::btree_set(value, 0..14),
        any::<bool>(),
    );
    let features = prop::collection::vec(feature, 1..6);
    let rules = prop::collection::vec(
        prop::collection::vec(
            (
                any::<u8>(),
                any::<usize>(),
                any::<bool>(),
                prop::collection::vec(any::<bool>(), 13),
            ),
            0..7,
        ),
        0..6,
    );
    let classes = prop::collection::btree_set(
        "[A-Za-z0-9 ]{1,24}|[A-Z][a-z]{50,85}|[日本語ü]{10,40}",
        2..30,
    );
    (features, rules, classes).prop_map(|(features, rules, classes)| {
        let mut seen = std::collections::BTreeSet::new();
        let features: Vec<Feature> = features
            .into_iter()
            .filter(|(name, ..)| seen.insert(name.clone()))
            .map(|(name, kind, categories, nullable)| Feature {
                name,
                // As in `hostile_set`: no categories, so missing values.
                nullable: nullable || (kind >= 2 && categories.is_empty()),
                kind: match kind {
                    0 => FeatureKind::Numeric,
                    1 => FeatureKind::Boolean,
                    _ => FeatureKind::Categorical {
                        categories: categories.into_iter().collect(),
                    },
                },
            })
            .collect();
        let classes: Vec<String> = classes.into_iter().collect();
        let class_refs: Vec<&str> = classes.iter().map(String::as_str).collect();
        let rules = rules
            .into_iter()
            .enumerate()
            .map(|(i, picks)| {
                // Reasons for none, one or every condition: a rule with one
                // reason is hugged (`&[Reason {`), and the conditions' text
                // is as wide as the names.
                let reasons = match picks.first() {
                    Some((_, _, true, _)) => picks.len(),
                    Some(_) => 1,
                    None => 0,
                };
                let counts = picks.iter().map(|pick| pick.1 as u64 % 100_000);
                let reasons = counts
                    .take(reasons)
                    .enumerate()
                    .map(|(condition, n)| Reason {
                        condition,
                        rows_with: n + 1,
                        correct_with: n / 2 + 1,
                        excluded: n % 977,
                        excluded_wrong: n % 977 / 3,
                    })
                    .collect();
                let conditions = picks
                    .into_iter()
                    .enumerate()
                    .map(|(j, pick)| condition_or_sum(&features, j, pick))
                    .collect();
                Rule {
                    name: format!("rule_{i}"),
                    conditions,
                    decision: classes[i % classes.len()].clone(),
                    origin: None,
                    evidence: Some(Evidence {
                        validation: SplitEvidence {
                            support: 10,
                            correct: 9,
                            agree_teacher: 9,
                            precision_lower_bound: 0.6,
                        },
                        test: None,
                        examples: Vec::new(),
                        reasons,
                    }),
                }
            })
            .collect();
        rule_set("target col", &class_refs, features, rules)
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn layout_is_what_rustfmt_prints(set in wide_set()) {
        if !common::have_rustfmt() {
            return Ok(());
        }
        set.check().expect("the strategy makes valid rule sets");
        let generated = emit_crate(&set, "wide").expect("emit");
        assert_layout_kept(&generated);
    }
}

/// The case CI found: a rule whose text holds wide characters, long enough
/// that rustfmt (counting display width) and a byte count disagreed on
/// whether its `text:` field fits on one line. Literals are now escaped to
/// ASCII, so every line of code (comments aside) is ASCII and rustfmt
/// leaves the crate as it is.
#[test]
fn wide_characters_in_literals_keep_the_layout_stable() {
    let zone = Feature {
        name: "Zone".into(),
        nullable: true,
        kind: FeatureKind::Boolean,
    };
    let is_async = Feature {
        name: "async".into(),
        nullable: false,
        kind: FeatureKind::Boolean,
    };
    let rules = vec![Rule {
        name: "crate".into(),
        conditions: vec![
            Condition::Is {
                feature: "Zone".into(),
                value: true,
            },
            Condition::Is {
                feature: "async".into(),
                value: false,
            },
            Condition::Missing {
                feature: "Zone".into(),
            },
        ],
        decision: "日本".into(),
        origin: None,
        evidence: None,
    }];
    let set = rule_set("1st", &["日本", "größe"], vec![zone, is_async], rules);
    let generated = emit_crate(&set, "wide-chars").expect("emit");
    for (path, text) in &generated.files {
        for (i, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            assert!(line.is_ascii(), "{path}:{}: not ASCII: {line}", i + 1);
        }
    }
    let rules_rs = &generated
        .files
        .iter()
        .find(|(path, _)| path.ends_with("rules.rs"))
        .expect("rules.rs")
        .1;
    assert!(
        rules_rs.contains(r#"\u{65e5}\u{672c}"#),
        "the class is escaped"
    );
    if !common::have_rustfmt() {
        return;
    }
    assert_layout_kept(&generated);
}

/// The case a CI-like run found: a `matches!` broken over lines, then a
/// sum, whose `matches!` has a guard. rustfmt cannot parse a pattern with a
/// guard as an expression, so it leaves that call as written, however wide,
/// and puts it after the orphaned `)` rather than on a line of its own.
#[test]
fn a_guarded_match_after_a_broken_one_stays_on_the_closing_line() {
    if !common::have_rustfmt() {
        return;
    }
    let region = Feature {
        name: "region".into(),
        nullable: true,
        kind: FeatureKind::Categorical {
            categories: vec![
                "alpha region one".into(),
                "beta region two".into(),
                "gamma region three".into(),
            ],
        },
    };
    let numeric = [
        "distance_in_miles",
        "weight_in_pounds",
        "declared_value",
        "fee",
    ];
    let mut features = vec![region];
    features.extend(numeric.iter().enumerate().map(|(i, name)| Feature {
        name: name.to_string(),
        nullable: i % 2 == 1,
        kind: FeatureKind::Numeric,
    }));
    // Wide enough to run past the line wherever it goes, and narrow enough
    // to fit after the `)` (the second rule): both sides of the width.
    let sum = |names: &[&str], value: f64| Condition::Sum {
        features: names[..2].iter().map(|n| n.to_string()).collect(),
        minus: names[2..].iter().map(|n| n.to_string()).collect(),
        op: CmpOp::Gt,
        value,
    };
    let region_in = Condition::In {
        feature: "region".into(),
        values: vec![
            "alpha region one".into(),
            "beta region two".into(),
            "gamma region three".into(),
        ],
    };
    let rules = vec![
        Rule {
            name: "wide".into(),
            conditions: vec![region_in.clone(), sum(&numeric, 123456789.123)],
            decision: "yes".into(),
            origin: None,
            evidence: None,
        },
        Rule {
            name: "narrow".into(),
            conditions: vec![region_in.clone(), sum(&numeric[..3], 1.0)],
            decision: "no".into(),
            origin: None,
            evidence: None,
        },
        Rule {
            name: "middle".into(),
            conditions: vec![
                region_in,
                sum(&numeric, 123456789.123),
                Condition::Cmp {
                    feature: "fee".into(),
                    op: CmpOp::Lt,
                    value: 5.0,
                },
            ],
            decision: "no".into(),
            origin: None,
            evidence: None,
        },
    ];
    let set = rule_set("ok", &["no", "yes"], features, rules);
    set.check().expect("a valid rule set");
    let generated = emit_crate(&set, "guarded").expect("emit");
    assert_layout_kept(&generated);
}
