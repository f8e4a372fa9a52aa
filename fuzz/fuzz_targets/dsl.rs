//! Fuzzes the rule DSL: `dsl::parse` on any text, and `dsl::parse_for`
//! against a fixed schema with every kind of column.
//!
//! Besides "never panics", two properties: what `parse` accepts prints
//! back (`dsl::print_rules`) to text that parses to the same rules; and what
//! `parse_for` accepts is a valid rule set for the schema, which the
//! interpreter loads and runs.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rulec_runtime::dsl;
use rulec_runtime::ir::{
    Certification, Feature, FeatureKind, RuleSet, Scope, Target, SCHEMA_VERSION,
};
use rulec_runtime::{Cell, Evaluator};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(parsed) = dsl::parse(text) {
        check_round_trip(&parsed);
    }
    let schema = schema();
    if let Ok(rules) = dsl::parse_for(text, &schema) {
        let mut set = schema;
        set.rules = rules;
        if let Err(e) = set.check() {
            panic!("parse_for accepted rules that the IR refuses: {e}\n{text:?}");
        }
        let eval = Evaluator::new(&set).expect("a checked rule set loads");
        for row in rows() {
            let _ = eval.decide(&row).expect("rows of the schema's width");
        }
    }
});

/// Printing what was parsed and parsing it again gives the same rules.
fn check_round_trip(parsed: &[dsl::ParsedRule]) {
    for p in parsed {
        let printed = dsl::print_rule(&p.rule, &p.target);
        let again = match dsl::parse(&printed) {
            Ok(again) => again,
            Err(e) => panic!("printed rule does not parse: {e}\n{printed}"),
        };
        assert_eq!(again.len(), 1, "one rule printed, one parsed:\n{printed}");
        assert_eq!(
            again[0].rule, p.rule,
            "round trip changed the rule:\n{printed}"
        );
        assert_eq!(again[0].target, p.target, "round trip changed the target");
    }
}

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

/// Every kind of column, nullable or not, and names that need backticks.
fn schema() -> RuleSet {
    RuleSet {
        schema_version: SCHEMA_VERSION,
        target: Target {
            name: "y".into(),
            classes: ["A", "B", "true", "1.5", ""]
                .iter()
                .map(|c| c.to_string())
                .collect(),
            tolerance: None,
        },
        features: vec![
            feature("x", FeatureKind::Numeric, false),
            feature("w", FeatureKind::Numeric, true),
            feature("mean radius", FeatureKind::Numeric, false),
            feature(
                "zone",
                categorical(&["east", "north", "south", "west"]),
                false,
            ),
            feature(
                "hint",
                categorical(&["", "dhl", "fedex", "ups", "\"q\""]),
                true,
            ),
            feature("express", FeatureKind::Boolean, false),
            feature("fragile", FeatureKind::Boolean, true),
            feature("größe", FeatureKind::Numeric, true),
            feature("and", FeatureKind::Boolean, false),
        ],
        rules: Vec::new(),
        certification: Certification {
            precision: 0.95,
            confidence: 0.95,
            method: "wilson".into(),
            scope: Scope::Set,
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

/// A few rows of the schema's width: missing values, NaN, infinities,
/// both booleans, known and unknown categories.
fn rows() -> Vec<Vec<Cell>> {
    let nums = [
        Cell::Num(0.0),
        Cell::Num(-0.0),
        Cell::Num(f64::NAN),
        Cell::Num(f64::INFINITY),
        Cell::Num(-1e300),
        Cell::Num(5e-324),
    ];
    (0..6)
        .map(|i| {
            vec![
                nums[i % 6],
                if i % 2 == 0 {
                    Cell::Missing
                } else {
                    nums[(i + 1) % 6]
                },
                nums[(i + 2) % 6],
                Cell::Cat(if i == 5 { u32::MAX } else { i as u32 % 4 }),
                if i == 0 {
                    Cell::Missing
                } else {
                    Cell::Cat(i as u32 % 6)
                },
                Cell::Bool(i % 2 == 0),
                if i == 3 {
                    Cell::Missing
                } else {
                    Cell::Bool(i % 3 == 0)
                },
                if i == 4 {
                    Cell::Missing
                } else {
                    nums[(i + 3) % 6]
                },
                Cell::Bool(i < 3),
            ]
        })
        .collect()
}
