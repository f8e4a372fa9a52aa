//! The rule DSL: the one syntax people write, models propose, rule books
//! print and rulec parses back.
//!
//! ```text
//! rule short_light_to_b:
//!   when distance_mi < 50 and weight_lb < 5 and zone in {"north", "east"} and not express
//!   then cheapest_shipper = "B"
//! ```
//!
//! Column names that are not plain identifiers are written in backticks
//! (`` `mean radius` < 12.5 ``); strings use Rust-style escapes. A rule with no
//! conditions is written `when always`.

mod near;
mod parse;
mod print;

pub use self::near::near_name;
pub use self::parse::{contradiction, parse, parse_for, ParseError, ParsedRule};
pub use self::print::{
    display_order, is_invisible, print_condition, print_conditions, print_name, print_number,
    print_rule, print_rules, print_string, print_sum, print_value, KEYWORDS,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{CmpOp, Condition, Rule};

    #[test]
    fn codes_that_are_integers_are_shown_by_value_and_read_back_as_stored() {
        let texts = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<String>>();
        // Stored sorted as text; shown by value.
        let stored = texts(&["-3", "10", "101", "2", "7"]);
        assert_eq!(display_order(&stored), ["-3", "2", "7", "10", "101"]);
        // A leading zero, a plus sign, a fraction or a word anywhere: the
        // stored order stays.
        for kept in [
            texts(&["02134", "10", "501"]),
            texts(&["+1", "10", "2"]),
            texts(&["1.5", "10", "2"]),
            texts(&["10", "2", "east"]),
        ] {
            assert_eq!(
                display_order(&kept),
                kept.iter().map(String::as_str).collect::<Vec<_>>()
            );
        }
        // The printed rule reads back as the same set, stored sorted.
        let rule = Rule {
            name: "r".into(),
            conditions: vec![Condition::In {
                feature: "store".into(),
                values: stored.clone(),
            }],
            decision: "x".into(),
            origin: None,
            evidence: None,
        };
        let text = print_rule(&rule, "y");
        assert!(
            text.contains(r#"store in {"-3", "2", "7", "10", "101"}"#),
            "{text}"
        );
        let back = parse(&text).unwrap();
        assert_eq!(back[0].rule.conditions, rule.conditions);
    }

    #[test]
    fn prints_the_design_example() {
        let rule = Rule {
            name: "short_light_to_b".into(),
            conditions: vec![
                Condition::Cmp {
                    feature: "distance_mi".into(),
                    op: CmpOp::Lt,
                    value: 50.0,
                },
                Condition::Cmp {
                    feature: "weight_lb".into(),
                    op: CmpOp::Lt,
                    value: 5.0,
                },
                Condition::In {
                    feature: "zone".into(),
                    values: vec!["east".into(), "north".into()],
                },
                Condition::Is {
                    feature: "express".into(),
                    value: false,
                },
            ],
            decision: "B".into(),
            origin: None,
            evidence: None,
        };
        assert_eq!(
            print_rule(&rule, "cheapest_shipper"),
            "rule short_light_to_b:\n  when distance_mi < 50 and weight_lb < 5 and zone in {\"east\", \"north\"} and not express\n  then cheapest_shipper = \"B\"\n"
        );
    }

    #[test]
    fn quotes_awkward_names_and_strings() {
        assert_eq!(print_name("mean radius"), "`mean radius`");
        assert_eq!(print_name("in"), "`in`");
        assert_eq!(print_name("a`b"), "`a\\`b`");
        assert_eq!(print_string("\"); panic!(\""), "\"\\\"); panic!(\\\"\"");
        assert_eq!(print_number(0.1), "0.1");
        // Past 21 characters, an exponent (the plain form of 1e300 had
        // 301 digits); exact either way.
        assert_eq!(print_number(1e300), "1e300");
        assert_eq!(print_number(5e-324), "5e-324");
        assert_eq!(print_number(f64::MAX), "1.7976931348623157e308");
        assert_eq!(print_number(1.25e-7), "0.000000125");
        assert_eq!(print_number(1.2345678901234e-7), "1.2345678901234e-7");
        assert_eq!(print_number(0.000001), "0.000001");
        assert_eq!(
            print_number(123456789012345680000.0),
            "123456789012345680000"
        );
        for x in [5e-324, f64::MAX, -1.2345678901234567e-7, 1e21, 1e22] {
            assert_eq!(print_number(x).parse::<f64>(), Ok(x));
        }
    }

    use crate::ir::{Certification, Feature, FeatureKind, RuleSet, Target};
    use proptest::prelude::*;

    fn schema() -> RuleSet {
        RuleSet {
            schema_version: 1,
            target: Target {
                name: "cheapest_shipper".into(),
                classes: vec!["A".into(), "B".into()],
                tolerance: None,
            },
            features: vec![
                Feature {
                    name: "distance_mi".into(),
                    kind: FeatureKind::Numeric,
                    nullable: false,
                },
                Feature {
                    name: "express".into(),
                    kind: FeatureKind::Boolean,
                    nullable: false,
                },
                Feature {
                    name: "zone".into(),
                    kind: FeatureKind::Categorical {
                        categories: vec!["east".into(), "north".into()],
                    },
                    nullable: true,
                },
            ],
            rules: vec![],
            certification: Certification {
                precision: 0.95,
                confidence: 0.95,
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

    fn errors(text: &str) -> Vec<String> {
        match parse_for(text, &schema()) {
            Ok(_) => vec![],
            Err(es) => es.iter().map(|e| e.to_string()).collect(),
        }
    }

    /// A bidirectional override or a zero-width space in a name or a
    /// value is printed by its code, so that a rule reads on screen as it
    /// runs, and parses back to the same text.
    #[test]
    fn invisible_characters_print_by_their_code_and_read_back() {
        let name = "w\u{202e}_lb";
        let printed = print_name(name);
        assert_eq!(printed, "`w\\u{202e}_lb`");
        let value = print_string("gla\u{200b}ss");
        assert_eq!(value, "\"gla\\u{200b}ss\"");
        let text = format!("rule r:\n  when {printed} < 5\n  then y = {value}\n");
        let rules = parse(&text).unwrap();
        assert_eq!(rules[0].rule.conditions[0].features(), vec![name]);
        assert_eq!(rules[0].rule.decision, "gla\u{200b}ss");
        assert!(!is_invisible('a') && is_invisible('\u{feff}'));
    }

    #[test]
    fn parses_the_design_example_with_comments_and_ranges() {
        let text = "# proposals from the ops team\nrule short_to_b:  # the classic\n  when 0 <= distance_mi < 50 and zone in {\"north\", \"east\"} and not express\n  then cheapest_shipper = \"B\"\n\nrule missing_zone:\n  when zone is missing and express\n  then cheapest_shipper = \"A\"\n";
        let rules = parse_for(text, &schema()).unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(
            print_conditions(&rules[0].conditions),
            "distance_mi >= 0 and distance_mi < 50 and zone in {\"east\", \"north\"} and not express"
        );
        assert_eq!(
            print_conditions(&rules[1].conditions),
            "zone is missing and express"
        );
        // `==` reads as `=` in a condition and after `then`; a range points
        // either way.
        let same = parse_for(
            "rule a:\n  when zone == \"east\" and 50 > distance_mi >= 0\n  then cheapest_shipper == \"B\"\n",
            &schema(),
        )
        .unwrap();
        assert_eq!(same[0].decision, "B");
        assert_eq!(
            print_conditions(&same[0].conditions),
            "zone in {\"east\"} and distance_mi < 50 and distance_mi >= 0"
        );
        assert_eq!(
            errors("rule a: when 500 > distance_mi then cheapest_shipper = \"B\"")[0],
            "line 1, column 32: expected a second comparison to close the range (a single comparison puts the column \
             first: `x < 500`), found `then`"
        );
    }

    #[test]
    fn errors_name_line_column_and_expectation() {
        assert_eq!(
            errors("rule a:\n  when distance_mi < \n  then cheapest_shipper = \"B\""),
            ["line 3, column 3: expected a number, found `then`"]
        );
        assert_eq!(
            errors("rule a:\n  when distance_mi < 5\n  cheapest_shipper = \"B\""),
            ["line 3, column 3: expected `and` or `then`, found `cheapest_shipper`"]
        );
        assert_eq!(errors("rule A:"), ["line 1, column 6: expected a rule name (lowercase letters, digits and `_`, starting with a letter), found `A`"]);
        assert_eq!(
            errors("rule a: when x < 1 then cheapest_shipper = \"B\"")[0],
            "line 1, column 14: unknown column `x`; columns are: distance_mi, express, zone"
        );
        // A slip, or a case, names the column meant.
        assert_eq!(
            errors("rule a: when Distance_mi < 1 then cheapest_shipper = \"B\"")[0],
            "line 1, column 14: unknown column `Distance_mi`; did you mean `distance_mi`? columns are: \
             distance_mi, express, zone"
        );
        assert_eq!(
            errors("rule a: when zone < 1 then cheapest_shipper = \"B\"")[0],
            "line 1, column 14: `zone` is categorical, so a comparison does not apply"
        );
        assert_eq!(
            errors("rule a: when express = \"yes\" then cheapest_shipper = \"B\"")[0],
            "line 1, column 14: `express` is boolean, so a category set does not apply; test it as `express`, `not express`, `express = true` or `express = false`"
        );
        assert_eq!(errors("rule a: when zone in {\"west\"} then cheapest_shipper = \"B\"")[0], "line 1, column 14: \"west\" is not a category of `zone` (categories: \"east\", \"north\")");
        // The target and the decision are named where they are written;
        // the first error of each text.
        for (text, want) in [
            (
                "rule a:\n  when always\n  then shipper = \"B\"",
                "line 3, column 8: rule `a` decides `shipper`, but the target is `cheapest_shipper`",
            ),
            (
                "rule a:\n  when cheapest_shipper = \"A\"\n  then cheapest_shipper = \"B\"",
                "line 2, column 8: `cheapest_shipper` is the target: a rule decides it after `then`, and its conditions read the other columns (distance_mi, express, zone)",
            ),
            (
                "rule a: when always and zone = \"east\" then cheapest_shipper = \"B\"",
                "line 1, column 21: `always` stands alone: a rule with conditions lists them after `when` without it; expected `then`",
            ),
            (
                "rule missing: when always then cheapest_shipper = \"B\"",
                "line 1, column 6: `missing` is a word of the rule language and cannot name a rule; expected a rule name (lowercase letters, digits and `_`, starting with a letter)",
            ),
            (
                "rule a: when zone not in {\"east\", \"north\"} then cheapest_shipper = \"B\"",
                "line 1, column 14: rule `a` can never hold: `zone not in {..}` refuses every category of `zone`, and an unknown one satisfies no `not in`",
            ),
            (
                "rule a: when distance_mi < 1e-400 then cheapest_shipper = \"B\"",
                "line 1, column 28: `1e-400` is too small for a double: it reads as 0",
            ),
            (
                "rule a: when distance_mi < 0x10 then cheapest_shipper = \"B\"",
                "line 1, column 28: `0x10` is hexadecimal; numbers are written in decimal",
            ),
        ] {
            assert_eq!(errors(text)[0], want, "{text}");
        }
        assert!(
            errors("rule a: when distance_mi < 0.0e-400 then cheapest_shipper = \"B\"").is_empty()
        );
        // A long list is cut.
        let mut many = schema();
        if let FeatureKind::Categorical { categories } = &mut many.features[2].kind {
            *categories = (0..256).map(|i| format!("c{i:03}")).collect();
        }
        let err = parse_for(
            "rule a: when zone in {\"west\"} then cheapest_shipper = \"B\"",
            &many,
        )
        .unwrap_err()[0]
            .to_string();
        assert!(err.ends_with("\"c018\", \"c019\", and 236 more)"), "{err}");
        assert_eq!(
            errors(
                "rule a: when distance_mi < 5 and distance_mi > 10 then cheapest_shipper = \"B\""
            )[0],
            "line 1, column 1: rule `a` can never hold: distance_mi > 10 and distance_mi < 5"
        );
        assert_eq!(errors("rule a: when always then cheapest_shipper = \"Z\"")[0], "line 1, column 45: rule `a` decides \"Z\", which is not a class of `cheapest_shipper` (classes: \"A\", \"B\")");
        assert_eq!(
            errors("rule a: when zone in {\"east"),
            ["line 1, column 23: unterminated string"]
        );
        // A quote not closed before the line ends says what is missing.
        assert_eq!(
            errors("rule a:\n  when `distance_mi >= 1\n  then cheapest_shipper = \"B\"")[0],
            "line 2, column 8: quoted name not closed on its line (the closing backtick is missing after the column's name; a line break inside it is written \\n)"
        );
        assert_eq!(
            errors("rule a: when zone in {\"east}\n  then cheapest_shipper = \"B\"")[0],
            "line 1, column 23: string not closed on its line (a `\"` is missing; a line break inside a string is written \\n)"
        );
        // Every problem is reported, not just the first.
        assert_eq!(
            errors("rule a: when x < 1 and y then cheapest_shipper = \"B\"").len(),
            2
        );
    }

    fn name() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z_][a-z0-9_]{0,8}",
            any::<String>(),
            Just("in".to_string()),
            Just("a`b\\c".to_string()),
        ]
    }

    fn condition() -> impl Strategy<Value = Condition> {
        let op = prop_oneof![
            Just(CmpOp::Lt),
            Just(CmpOp::Le),
            Just(CmpOp::Gt),
            Just(CmpOp::Ge)
        ];
        let values = proptest::collection::btree_set(any::<String>(), 1..4)
            .prop_map(|s| s.into_iter().collect::<Vec<_>>());
        prop_oneof![
            (
                name(),
                op.clone(),
                any::<f64>().prop_filter("finite", |x| x.is_finite())
            )
                .prop_map(|(feature, op, value)| Condition::Cmp { feature, op, value }),
            (name(), any::<bool>()).prop_map(|(feature, value)| Condition::Is { feature, value }),
            (name(), values.clone())
                .prop_map(|(feature, values)| Condition::In { feature, values }),
            (name(), values).prop_map(|(feature, values)| Condition::NotIn { feature, values }),
            name().prop_map(|feature| Condition::Missing { feature }),
            (
                proptest::collection::vec(name(), 2..4),
                0..3usize,
                op,
                any::<f64>().prop_filter("finite", |x| x.is_finite())
            )
                .prop_map(|(mut features, subtracted, op, value)| {
                    // The first term is added; any of the others may be
                    // subtracted (after the added ones, as printed).
                    let minus =
                        features.split_off(features.len() - subtracted.min(features.len() - 1));
                    Condition::Sum {
                        features,
                        minus,
                        op,
                        value,
                    }
                }),
        ]
    }

    #[test]
    fn sums_read_back_in_every_form_and_are_checked_against_the_schema() {
        let rules = parse(
            "rule a: when x + `y z` + w < -1.5 then t = \"p\"\n\
             rule b: when 1 <= x+w < 4 and x +w > 0 then t = \"q\"",
        )
        .unwrap();
        let sum = |features: &[&str], op, value| Condition::Sum {
            features: features.iter().map(|f| f.to_string()).collect(),
            minus: Vec::new(),
            op,
            value,
        };
        assert_eq!(
            rules[0].rule.conditions,
            vec![sum(&["x", "y z", "w"], CmpOp::Lt, -1.5)]
        );
        assert_eq!(
            rules[1].rule.conditions,
            vec![
                sum(&["x", "w"], CmpOp::Ge, 1.0),
                sum(&["x", "w"], CmpOp::Lt, 4.0),
                sum(&["x", "w"], CmpOp::Gt, 0.0)
            ]
        );
        assert_eq!(
            print_condition(&rules[0].rule.conditions[0]),
            "x + `y z` + w < -1.5"
        );
        // `+5` is still a number; a lone `+` wants a column after it.
        assert!(
            errors("rule a: when x + < 3 then t = \"p\"")[0].contains("a column name after `+`")
        );
        assert!(errors("rule a: when x + w then t = \"p\"")[0].contains("after a sum of columns"));
        let never = parse("rule a: when x + w > 3 and x + w < 2 then t = \"p\"").unwrap();
        assert_eq!(
            contradiction(&never[0].rule.conditions).as_deref(),
            Some("x + w > 3 and x + w < 2")
        );
        // Other terms, or the same column alone, are no contradiction.
        let fine = parse("rule a: when x + w > 3 and w + x < 2 and x < 1 then t = \"p\"").unwrap();
        assert_eq!(contradiction(&fine[0].rule.conditions), None);
        assert_eq!(
            errors("rule a: when distance_mi + express + distance_mi < 3 then cheapest_shipper = \"B\""),
            [
                "line 1, column 14: `express` is boolean, so it cannot be a term of a sum",
                "line 1, column 14: `distance_mi` is added twice in one sum"
            ]
        );
        assert_eq!(
            errors("rule a: when distance_mi + km < 3 then cheapest_shipper = \"B\"")[0],
            "line 1, column 14: unknown column `km`; columns are: distance_mi, express, zone"
        );
    }

    #[test]
    fn differences_read_back_with_the_added_terms_first() {
        let rules = parse(
            "rule a: when x - `y z` >= -2 and 0 < x - w + v <= 3.5 and x > -4 then t = \"p\"",
        )
        .unwrap();
        let sum = |features: &[&str], minus: &[&str], op, value| Condition::Sum {
            features: features.iter().map(|f| f.to_string()).collect(),
            minus: minus.iter().map(|f| f.to_string()).collect(),
            op,
            value,
        };
        assert_eq!(
            rules[0].rule.conditions,
            vec![
                sum(&["x"], &["y z"], CmpOp::Ge, -2.0),
                sum(&["x", "v"], &["w"], CmpOp::Gt, 0.0),
                sum(&["x", "v"], &["w"], CmpOp::Le, 3.5),
                Condition::Cmp {
                    feature: "x".into(),
                    op: CmpOp::Gt,
                    value: -4.0
                },
            ]
        );
        // Printed with the added terms first: `x + v - w`, which is what
        // every backend computes.
        let printed: Vec<String> = rules[0]
            .rule
            .conditions
            .iter()
            .map(print_condition)
            .collect();
        assert_eq!(
            printed,
            [
                "x - `y z` >= -2",
                "x + v - w > 0",
                "x + v - w <= 3.5",
                "x > -4"
            ]
        );
        // A lone `-` wants a column after it; a first term cannot be
        // subtracted.
        assert!(
            errors("rule a: when x - < 3 then t = \"p\"")[0].contains("a column name after `-`")
        );
        assert!(errors("rule a: when - x + w < 3 then t = \"p\"")[0].contains("a condition"));
        // Bounds of one difference contradict; a sum of the same columns
        // is another test.
        let never = parse("rule a: when x - w > 3 and x - w < 2 then t = \"p\"").unwrap();
        assert_eq!(
            contradiction(&never[0].rule.conditions).as_deref(),
            Some("x - w > 3 and x - w < 2")
        );
        let fine = parse("rule a: when x - w > 3 and x + w < 2 then t = \"p\"").unwrap();
        assert_eq!(contradiction(&fine[0].rule.conditions), None);
        assert_eq!(
            errors(
                "rule a: when distance_mi - zone - distance_mi < 3 then cheapest_shipper = \"B\""
            ),
            [
                "line 1, column 14: `zone` is categorical, so it cannot be a term of a sum",
                "line 1, column 14: `distance_mi` is both added and subtracted in one sum"
            ]
        );
    }

    proptest! {
        #[test]
        fn print_then_parse_gives_the_same_rule(
            rule_name in "[a-z][a-z0-9_]{0,10}".prop_filter("not a keyword", |n| !KEYWORDS.contains(&n.as_str())),
            conditions in proptest::collection::vec(condition(), 0..5),
            target in name(),
            decision in any::<String>(),
        ) {
            let rule = Rule { name: rule_name, conditions, decision, origin: Some("proposal".into()), evidence: None };
            let text = print_rule(&rule, &target);
            let parsed = parse(&text).map_err(|e| TestCaseError::fail(format!("{e} in\n{text}")))?;
            prop_assert_eq!(parsed.len(), 1);
            prop_assert_eq!(&parsed[0].rule, &rule);
            prop_assert_eq!(&parsed[0].target, &target);
        }
    }
}

/// Schemas for the tests of other modules.
#[cfg(test)]
pub(crate) mod tests_support {
    use crate::ir::{Certification, Feature, FeatureKind, RuleSet, Target};

    /// One numeric column `x`, target `y` with classes `p`, `q`.
    pub(crate) fn schema_x() -> RuleSet {
        RuleSet {
            schema_version: 1,
            target: Target {
                name: "y".into(),
                classes: vec!["p".into(), "q".into()],
                tolerance: None,
            },
            features: vec![Feature {
                name: "x".into(),
                kind: FeatureKind::Numeric,
                nullable: false,
            }],
            rules: vec![],
            certification: Certification {
                precision: 0.95,
                confidence: 0.95,
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
}
