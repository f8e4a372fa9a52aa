//! Tables with many-valued categorical columns, rare levels and no missing
//! value compile: no stage may emit a rule the schema rejects. Rare levels
//! past `--max-categories` (and levels unseen when fitting) share the tree
//! learner's missing-value bin; a leaf reached through that bin used to
//! become an `is missing` condition on a column with no missing value, and
//! the compile failed with "the rule set is inconsistent". See: #19.

use proptest::prelude::*;
use rulec::pipeline::{self, CompileParams};
use rulec_runtime::ir::Condition;

/// `rows` rows of `columns` categorical columns with about `levels` distinct
/// values each (most of them rare), a numeric column, and a target that is
/// noise or (with `signal`) follows the first column's first levels.
fn write_csv(
    path: &std::path::Path,
    rows: usize,
    columns: usize,
    levels: usize,
    signal: bool,
    seed: u64,
) {
    let mut rng = rulec_datasets::Rng::new(seed);
    let mut text = (0..columns)
        .map(|c| format!("k{c}"))
        .chain(["x".to_string(), "y".to_string()])
        .collect::<Vec<_>>()
        .join(",");
    text.push('\n');
    for _ in 0..rows {
        let mut fields = Vec::new();
        let mut first = 0;
        for c in 0..columns {
            // Skewed: a few frequent levels, a long tail of rare ones.
            let level = if rng.chance(0.5) {
                rng.below(5)
            } else {
                rng.below(levels)
            };
            if c == 0 {
                first = level;
            }
            fields.push(format!("v{level}"));
        }
        fields.push(format!("{:.3}", rng.f64()));
        let yes = (signal && first < 3) || rng.chance(0.5);
        let y = if yes { "yes" } else { "no" };
        fields.push(y.to_string());
        text.push_str(&fields.join(","));
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

fn check(
    rows: usize,
    columns: usize,
    levels: usize,
    max_categories: usize,
    signal: bool,
    seed: u64,
) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.csv");
    write_csv(&data, rows, columns, levels, signal, seed);
    let params = CompileParams {
        target: "y".into(),
        n_trees: 5,
        max_categories,
        seed,
        ..CompileParams::default()
    }
    .check()
    .unwrap();
    let compiled = pipeline::compile(&data, &params, &rulec::progress::Silent)
        .unwrap_or_else(|e| panic!("the compile fails: {e}"));
    let set = compiled.rules;
    for rule in set.rules.iter().chain(set.rejected.iter().map(|r| &r.rule)) {
        for condition in &rule.conditions {
            if let Condition::Missing { feature } = condition {
                let f = set.features.iter().find(|f| &f.name == feature).unwrap();
                assert!(
                    f.nullable,
                    "rule `{}` tests `{feature}` is missing",
                    rule.name
                );
            }
        }
    }
}

/// The table of the report: 3,000 rows, 20 columns of about 3,000 levels,
/// a random target. Nothing is certified, and the compile succeeds.
#[test]
fn the_reported_table_compiles() {
    check(3000, 20, 3000, 256, false, 0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn many_valued_columns_never_give_an_inconsistent_rule_set(
        rows in 300usize..1500,
        columns in 1usize..6,
        levels in 5usize..400,
        max_categories in 2usize..40,
        signal in any::<bool>(),
        seed in 0u64..1000,
    ) {
        check(rows, columns, levels, max_categories, signal, seed);
    }
}
