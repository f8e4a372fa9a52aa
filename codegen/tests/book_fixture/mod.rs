//! Hand-made rule sets for the rule book tests: a small shipping set with
//! every part of the IR the book reads (evidence with examples, summary with
//! confusion and curve, certification tests, rejected rules, provenance),
//! and a hostile one whose names and values are markup.

#![allow(dead_code)] // Each test binary uses a different part.

use rulec_runtime::ir::{
    Answered, Certification, CertificationTest, CmpOp, Condition, CurvePoint, Evidence, Example,
    Feature, FeatureKind, Provenance, Rejected, Rule, RuleSet, Scope, SetFigures, SplitEvidence,
    SplitRows, Summary, Target, TeacherThreshold, SCHEMA_VERSION,
};
use rulec_runtime::stats::wilson_lower;

const CONFIDENCE: f64 = 0.95;

fn feature(name: &str, kind: FeatureKind, nullable: bool) -> Feature {
    Feature {
        name: name.into(),
        kind,
        nullable,
    }
}

fn categorical(categories: &[&str]) -> FeatureKind {
    FeatureKind::Categorical {
        categories: categories.iter().map(|c| c.to_string()).collect(),
    }
}

fn cmp(feature: &str, op: CmpOp, value: f64) -> Condition {
    Condition::Cmp {
        feature: feature.into(),
        op,
        value,
    }
}

fn is(feature: &str, value: bool) -> Condition {
    Condition::Is {
        feature: feature.into(),
        value,
    }
}

fn split(support: u64, correct: u64, agree: u64) -> SplitEvidence {
    SplitEvidence {
        support,
        correct,
        agree_teacher: agree,
        precision_lower_bound: wilson_lower(correct, support, CONFIDENCE),
    }
}

fn example(values: &[Option<&str>], truth: &str) -> Example {
    Example {
        values: values.iter().map(|v| v.map(str::to_string)).collect(),
        truth: truth.into(),
    }
}

fn rule(name: &str, conditions: Vec<Condition>, decision: &str, origin: &str) -> Rule {
    Rule {
        name: name.into(),
        conditions,
        decision: decision.into(),
        origin: Some(origin.into()),
        evidence: None,
    }
}

fn figures(rows: u64, covered: SplitEvidence, confusion: Vec<Vec<u64>>) -> SetFigures {
    SetFigures {
        rows,
        teacher_correct: rows * 9 / 10,
        cascade_correct: rows * 9 / 10 + 15,
        covered,
        confusion,
        class_rows: Vec::new(),
    }
}

fn curve(points: &[(u64, u64)]) -> Vec<CurvePoint> {
    points
        .iter()
        .enumerate()
        .map(|(i, &(support, correct))| CurvePoint {
            rules: i + 1,
            support,
            correct,
            lower_bound: wilson_lower(correct, support, CONFIDENCE),
        })
        .collect()
}

/// Three certified rules on a shipping table, with everything the book shows.
pub fn shipping_book() -> RuleSet {
    let mut rules = vec![
        rule(
            "short_light_to_b",
            vec![
                cmp("distance_mi", CmpOp::Lt, 50.0),
                cmp("weight_lb", CmpOp::Lt, 5.0),
            ],
            "B",
            "tree on the teacher's probabilities",
        ),
        rule(
            "heavy_to_c",
            vec![
                cmp("weight_lb", CmpOp::Ge, 70.5),
                Condition::NotIn {
                    feature: "zone".into(),
                    values: vec!["west".into()],
                },
                is("express", false),
            ],
            "C",
            "tree on the true labels",
        ),
        rule(
            "unweighed_express_to_a",
            vec![
                Condition::Missing {
                    feature: "weight_lb".into(),
                },
                is("express", true),
            ],
            "A",
            "proposal",
        ),
    ];
    rules[0].evidence = Some(Evidence {
        validation: split(1200, 1170, 1180),
        test: Some(split(1190, 1166, 1175)),
        reasons: Vec::new(),
        examples: vec![
            example(
                &[
                    Some("36.5"),
                    Some("3.9"),
                    Some("north"),
                    Some("false"),
                    Some("false"),
                ],
                "B",
            ),
            example(
                &[Some("14.5"), Some("1.7"), Some("east"), Some("true"), None],
                "C",
            ),
        ],
    });
    rules[1].evidence = Some(Evidence {
        validation: split(300, 291, 295),
        test: Some(split(310, 300, 306)),
        reasons: Vec::new(),
        examples: vec![
            example(
                &[
                    Some("120"),
                    Some("80"),
                    Some("south"),
                    Some("false"),
                    Some("true"),
                ],
                "C",
            ),
            example(
                &[
                    Some("900.25"),
                    Some("71"),
                    Some("east"),
                    Some("false"),
                    Some("false"),
                ],
                "C",
            ),
            example(
                &[Some("5"), Some("99.5"), Some("north"), Some("false"), None],
                "C",
            ),
        ],
    });
    rules[2].evidence = Some(Evidence {
        validation: split(40, 39, 40),
        test: Some(split(35, 35, 35)),
        reasons: Vec::new(),
        examples: vec![example(
            &[Some("410"), None, Some("west"), Some("true"), Some("false")],
            "A",
        )],
    });
    let rejected = vec![
        Rejected {
            rule: rule(
                "my_guess",
                vec![Condition::In {
                    feature: "zone".into(),
                    values: vec!["east".into(), "south".into()],
                }],
                "A",
                "proposal",
            ),
            reason: "it comes after the certified rules; the set of the first 4 rules, which includes it, reached a precision bound of 93.1 % on 1702 validation rows, below the required 95.0 %".into(),
        },
        Rejected {
            rule: rule(
                "near_miss_2",
                vec![cmp("distance_mi", CmpOp::Ge, 2500.0), is("fragile", true)],
                "C",
                "tree on the teacher's probabilities",
            ),
            reason: "it comes after the certified rules, and no certified set includes it".into(),
        },
    ];
    let mut set = RuleSet {
        schema_version: SCHEMA_VERSION,
        target: Target {
            name: "cheapest_shipper".into(),
            classes: vec!["A".into(), "B".into(), "C".into()],
            tolerance: None,
        },
        features: vec![
            feature("distance_mi", FeatureKind::Numeric, false),
            feature("weight_lb", FeatureKind::Numeric, true),
            feature(
                "zone",
                categorical(&["east", "north", "south", "west"]),
                false,
            ),
            feature("express", FeatureKind::Boolean, false),
            feature("fragile", FeatureKind::Boolean, true),
        ],
        rules,
        certification: Certification {
            precision: 0.95,
            confidence: CONFIDENCE,
            method: "wilson".into(),
            scope: Scope::Set,
            tests: vec![CertificationTest {
                classes: Vec::new(),
                rules: 3,
                support: 1540,
                correct: 1500,
                confidence: 1.0 - 0.05 / 3.0,
                lower_bound: wilson_lower(1500, 1540, 1.0 - 0.05 / 3.0),
                passed: true,
            }],
            order: None,
        },
        provenance: Some(Provenance {
            tool_version: "0.1.0".into(),
            data_file: "shipping.csv".into(),
            data_sha256: "5f0c6bd2a1f4e0c3b2a19d8e7f6a5b4c3d2e1f00112233445566778899aabbcc".into(),
            rows: 10000,
            split_rows: SplitRows {
                train: 6000,
                validation: 4000,
                test: 4000,
            },
            split_method: "stratified 60/20/20, seed 0".into(),
            teacher: "random forest (50 trees)".into(),
            options: vec![
                ("confidence".into(), "0.95".into()),
                ("precision".into(), "0.95".into()),
                ("seed".into(), "0".into()),
                ("target".into(), "cheapest_shipper".into()),
            ],
            seed: 0,
            data_notes: vec![
                "column `order_date` has type date, which rules cannot test, and is left out; to use it, add columns of numbers derived from it (month, weekday, hour, days since a fixed date)".into(),
            ],
            compiled: None,
        }),
        summary: Some(Summary {
            validation: figures(
                4000,
                split(1540, 1500, 1515),
                vec![vec![39, 0, 1], vec![12, 1170, 18], vec![4, 5, 291]],
            ),
            test: Some(figures(
                4000,
                split(1535, 1501, 1516),
                vec![vec![35, 0, 0], vec![10, 1166, 14], vec![6, 4, 300]],
            )),
            candidates: 42,
            curve: curve(&[
                (1200, 1170),
                (1500, 1461),
                (1540, 1500),
                (1702, 1611),
                (1850, 1712),
            ]),
            measured_cost: None,
            groups: Vec::new(),
            stability: None,
            cost: None,
            // The teacher alone, abstaining below 0.82: more rows than the
            // rules, at a lower precision.
            teacher_threshold: Some(TeacherThreshold {
                threshold: Some(0.82),
                validation: Answered {
                    rows: 4000,
                    answered: 1900,
                    right: 1815,
                },
                test: Some(Answered {
                    rows: 4000,
                    answered: 1880,
                    right: 1797,
                }),
            }),
        }),
        rejected,
        policy: Default::default(),
        card: None,
    };
    // As the compile records it: the fingerprint of the rules the figures
    // are of.
    let fingerprint = set.fingerprint();
    if let Some(p) = set.provenance.as_mut() {
        p.compiled = Some(fingerprint);
    }
    set
}

/// The hostile category of the issue.
pub const SCRIPT: &str = "<script>alert(1)</script>";

/// A rule set whose column names, categories, classes, file name and
/// options are markup and Markdown.
pub fn hostile_book() -> RuleSet {
    let mut set = shipping_book();
    set.target.name = "<b>decision</b>".into();
    set.target.classes = vec!["A & C".into(), "<i>B</i>".into(), "C|*x*".into()];
    let rename = |c: &str| match c {
        "A" => "A & C",
        "B" => "<i>B</i>",
        _ => "C|*x*",
    };
    set.features[2] = feature(
        "zone",
        categorical(&["east", "north", "south", SCRIPT]),
        false,
    );
    set.features[0].name = "distance <mi>".into();
    for r in set
        .rules
        .iter_mut()
        .chain(set.rejected.iter_mut().map(|r| &mut r.rule))
    {
        r.decision = rename(&r.decision).into();
        for c in &mut r.conditions {
            match c {
                Condition::Cmp { feature, .. } if feature == "distance_mi" => {
                    *feature = "distance <mi>".into()
                }
                Condition::NotIn { values, .. } | Condition::In { values, .. } => {
                    *values = vec![SCRIPT.into()]
                }
                _ => {}
            }
        }
        if let Some(e) = &mut r.evidence {
            for ex in &mut e.examples {
                ex.values[2] = Some(SCRIPT.into());
                ex.truth = rename(&ex.truth).into();
            }
        }
    }
    set.rejected[0].reason = format!("{SCRIPT} was *not* [kept](http://x)");
    if let Some(p) = &mut set.provenance {
        p.data_file = "<img src=x onerror=alert(1)>.csv".into();
        p.teacher = SCRIPT.into();
        p.options.push(("teacher".into(), SCRIPT.into()));
        p.data_notes = vec![
            format!("column `{SCRIPT}` has type date, which rules cannot test, and is left out"),
            "column `a|b` holds *dates* such as `[x](http://y)` & more".into(),
        ];
    }
    set
}

/// `set` with a forbidden column that no rule reads, `region`, whose
/// categories are markup, and results by `region` on validation and test
/// rows: one group that differs, one too small (#17).
pub fn with_audit(mut set: RuleSet) -> RuleSet {
    use rulec_runtime::ir::{GroupFigures, GroupTable, Policy};
    let values = ["north", SCRIPT, "a | b"];
    set.features
        .push(feature("region", categorical(&values), false));
    set.policy = Policy {
        forbidden: vec!["region".into()],
        teacher_forbidden: false,
    };
    let n_classes = set.target.classes.len();
    let group = |value: &str, rows: u64, covered: u64, too_small: bool, differs: &[&str]| {
        let mut decisions = vec![0; n_classes];
        decisions[0] = covered / 2;
        decisions[n_classes - 1] += covered - covered / 2;
        GroupFigures {
            value: value.into(),
            rows,
            covered,
            correct: covered - covered / 20,
            precision_lower_bound: wilson_lower(covered - covered / 20, covered, CONFIDENCE),
            decisions,
            too_small,
            differs: differs.iter().map(|d| d.to_string()).collect(),
        }
    };
    let table = |split: &str| GroupTable {
        column: "region".into(),
        split: split.into(),
        min_rows: 30,
        tests: 8,
        groups: vec![
            group("north", 1200, 700, false, &[]),
            group(SCRIPT, 800, 300, false, &["coverage"]),
            group("a | b", 12, 5, true, &[]),
        ],
    };
    if let Some(summary) = set.summary.as_mut() {
        summary.groups = vec![table("validation"), table("test")];
        let names: Vec<String> = set.rules.iter().map(|r| r.name.clone()).collect();
        summary.stability = Some(rulec_runtime::ir::Stability {
            resamples: 20,
            min_overlap: 0.5,
            unstable_below: 0.5,
            rules: names
                .into_iter()
                .enumerate()
                .map(|(i, rule)| rulec_runtime::ir::RuleStability {
                    rule,
                    equivalent: [20, 3, 15][i % 3],
                    support: 100,
                })
                .collect(),
        });
    }
    // A model card with markup in a field, and fields left open.
    set.card = Some(rulec_runtime::ir::Card {
        owner: Some(SCRIPT.into()),
        purpose: Some("Choose the cheapest shipper".into()),
        contacts: vec!["ops@example.com".into()],
        ..Default::default()
    });
    // The first rule's reasons: its second condition matters most.
    if let Some(e) = set.rules[0].evidence.as_mut() {
        e.reasons = vec![
            rulec_runtime::ir::Reason {
                condition: 1,
                rows_with: 1000,
                correct_with: 970,
                excluded: 400,
                excluded_wrong: 300,
            },
            rulec_runtime::ir::Reason {
                condition: 0,
                rows_with: 1000,
                correct_with: 970,
                excluded: 50,
                excluded_wrong: 10,
            },
        ];
    }
    set
}
