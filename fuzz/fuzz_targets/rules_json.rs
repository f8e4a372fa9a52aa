//! Fuzzes the `rules.json` loader: `RuleSet::from_json` on any text, and
//! for what loads, `check()`, the interpreter on a few rows, the JSON round
//! trip and the DSL round trip of every rule.
//!
//! A loaded rule set is trusted downstream (the interpreter's `expect`s,
//! the code generator), so a panic anywhere after a successful load is a
//! hole in `check`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rulec_runtime::eval::UNKNOWN_CATEGORY;
use rulec_runtime::ir::{Condition, FeatureKind, RuleSet};
use rulec_runtime::{dsl, Cell, Evaluator};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(set) = RuleSet::from_json(text) else {
        return;
    };
    set.check().expect("a loaded rule set passes its own check");
    let eval = Evaluator::new(&set).expect("a loaded rule set loads in the interpreter");
    for row in rows(&set) {
        if let Some(hit) = eval.decide(&row).expect("rows of the set's width") {
            assert!(hit.rule_idx < set.rules.len());
            assert!(hit.class_idx < set.target.classes.len());
        }
    }

    // What was loaded writes out and loads back the same.
    let json = set.to_json();
    match RuleSet::from_json(&json) {
        Ok(again) => assert_eq!(again, set, "JSON round trip changed the rule set"),
        Err(e) => panic!("the written rule set does not load: {e}\n{json}"),
    }

    // Each rule prints in the DSL and parses back to the same conditions
    // (category sets sorted, as the parser gives them), name and decision.
    for rule in &set.rules {
        let printed = dsl::print_rule(rule, &set.target.name);
        let parsed = match dsl::parse(&printed) {
            Ok(parsed) => parsed,
            Err(e) => panic!("printed rule does not parse: {e}\n{printed}"),
        };
        assert_eq!(parsed.len(), 1, "one rule printed, one parsed:\n{printed}");
        let p = &parsed[0];
        assert_eq!(p.target, set.target.name, "target changed:\n{printed}");
        assert_eq!(p.rule.name, rule.name, "name changed:\n{printed}");
        assert_eq!(
            p.rule.decision, rule.decision,
            "decision changed:\n{printed}"
        );
        let want: Vec<Condition> = rule.conditions.iter().map(normalise).collect();
        assert_eq!(p.rule.conditions, want, "conditions changed:\n{printed}");
    }
});

/// A condition as the parser gives it: category sets sorted, without
/// duplicates.
fn normalise(cond: &Condition) -> Condition {
    let sorted = |values: &[String]| {
        let mut v = values.to_vec();
        v.sort();
        v.dedup();
        v
    };
    match cond {
        Condition::In { feature, values } => Condition::In {
            feature: feature.clone(),
            values: sorted(values),
        },
        Condition::NotIn { feature, values } => Condition::NotIn {
            feature: feature.clone(),
            values: sorted(values),
        },
        other => other.clone(),
    }
}

/// A few rows for the set's features: each kind's edge values, missing
/// values, unknown categories, and cells of the wrong kind.
fn rows(set: &RuleSet) -> Vec<Vec<Cell>> {
    let thresholds: Vec<f64> = set
        .rules
        .iter()
        .flat_map(|r| &r.conditions)
        .filter_map(|c| match c {
            Condition::Cmp { value, .. } => Some(*value),
            _ => None,
        })
        .collect();
    (0..8usize)
        .map(|i| {
            set.features
                .iter()
                .enumerate()
                .map(|(col, f)| {
                    let k = i + col;
                    if k % 7 == 6 {
                        return Cell::Missing;
                    }
                    match &f.kind {
                        FeatureKind::Numeric => Cell::Num(match k % 5 {
                            0 => f64::NAN,
                            1 => -0.0,
                            2 => f64::NEG_INFINITY,
                            _ => thresholds
                                .get(k % thresholds.len().max(1))
                                .copied()
                                .unwrap_or(1.0),
                        }),
                        FeatureKind::Boolean => Cell::Bool(k % 2 == 0),
                        FeatureKind::Categorical { categories } => match k % 4 {
                            0 => Cell::Cat(UNKNOWN_CATEGORY),
                            // Out of range without being the unknown marker.
                            1 => Cell::Cat(categories.len() as u32 + 70),
                            // A cell of the wrong kind.
                            2 => Cell::Num(1.0),
                            _ => Cell::Cat((k % categories.len().max(1)) as u32),
                        },
                    }
                })
                .collect()
        })
        .collect()
}
