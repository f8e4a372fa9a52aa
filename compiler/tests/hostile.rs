//! Property test through the whole pipeline: random small tables with
//! hostile column names, category strings and class labels compile into a
//! crate that builds and decides every row exactly as the interpreter does.

use std::path::Path;
use std::process::Command;

use proptest::prelude::*;

mod common;
use common::{hex, run_parity};
use rulec::pipeline::{self, CompileParams};
use rulec_runtime::eval::UNKNOWN_CATEGORY;
use rulec_runtime::ir::FeatureKind;
use rulec_runtime::{Cell, Evaluator};

const NAMES: &[&str] = &[
    "fn",
    "self",
    "Self",
    "crate",
    "super",
    "type",
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
    "RULES",
    "Hit",
    "r#x",
    "_",
    "__",
    "None",
    "Some",
    "core",
    "std",
    "mod",
    "x\"y",
    "back\\slash",
    "in",
    "not",
    "rule",
    "RuleId",
    "reason",
    "RuleInfo",
];
const CATEGORIES: &[&str] = &[
    "\"",
    "\\",
    "{}",
    "\"); panic!(\"",
    "*/",
    "/*",
    "a\nb",
    " ",
    "Unknown",
    "unknown",
    "<script>alert(1)</script>",
    "'",
    "#",
    "é",
    "ok",
    "fn",
    "Self",
    "A",
    "a",
    "1",
    "`x`",
    "}",
    "${x}",
];
const LABELS: &[&str] = &[
    "\"); panic!(\"",
    "Self",
    "fn",
    "1",
    "a b",
    "A",
    "a",
    "é",
    "*/",
    "None",
    "<b>",
];

#[derive(Clone, Debug)]
enum Kind {
    Num,
    Bool,
    Cat,
}

#[derive(Clone, Debug)]
struct Spec {
    names: Vec<String>,
    kinds: Vec<Kind>,
    labels: Vec<String>,
    seed: u64,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        proptest::sample::subsequence(NAMES.to_vec(), 3..6),
        proptest::collection::vec(0u8..3, 6),
        proptest::sample::subsequence(LABELS.to_vec(), 2..4),
        any::<u64>(),
    )
        .prop_map(|(names, kinds, labels, seed)| Spec {
            kinds: names
                .iter()
                .enumerate()
                .map(|(i, _)| match (i, kinds[i]) {
                    (0, _) => Kind::Num,
                    (_, 0) => Kind::Num,
                    (_, 1) => Kind::Bool,
                    _ => Kind::Cat,
                })
                .collect(),
            names: names.into_iter().map(String::from).collect(),
            labels: labels.into_iter().map(String::from).collect(),
            seed,
        })
}

fn csv_field(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A table whose label follows the first (numeric) column, so that rules
/// are certified and the generated code has real conditions to test.
fn write_csv(spec: &Spec, path: &Path) {
    let mut rng = rulec_datasets::Rng::new(spec.seed);
    let mut text = spec
        .names
        .iter()
        .map(|n| csv_field(n))
        .collect::<Vec<_>>()
        .join(",");
    text.push_str(",\"target col\"\n");
    let k = spec.labels.len();
    for _ in 0..2000 {
        let x = (rng.f64() * 100.0).round();
        let mut fields = vec![x.to_string()];
        for kind in &spec.kinds[1..] {
            fields.push(match kind {
                Kind::Num if rng.chance(0.1) => String::new(),
                Kind::Num => format!("{:.2}", rng.normal() * 10.0),
                Kind::Bool if rng.chance(0.1) => String::new(),
                Kind::Bool => rng.chance(0.5).to_string(),
                Kind::Cat => csv_field(CATEGORIES[rng.below(6) + (spec.seed % 17) as usize]),
            });
        }
        let label = &spec.labels[((x as usize) * k / 101).min(k - 1)];
        fields.push(csv_field(label));
        text.push_str(&fields.join(","));
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

/// Compiles `spec`'s table, builds its crate (in a target folder of its own
/// per `case`: tests run in parallel) and checks it decides every row as
/// the interpreter does.
fn check(spec: &Spec, case: &str) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.csv");
    write_csv(spec, &data);
    let params = CompileParams {
        target: "target col".into(),
        n_trees: 5,
        min_leaf: 5,
        ..CompileParams::default()
    }
    .check()
    .unwrap();
    let compiled = pipeline::compile(&data, &params, &rulec::progress::Silent).expect("compiles");
    let set = compiled.rules;
    let generated = rulec_codegen::rust::emit_crate(&set, "hostile").expect("emits");
    let crate_dir = dir.path().join("crate");
    generated.write_to(&crate_dir).unwrap();

    let target = std::env::temp_dir().join(format!("rulec-hostile-crates-target-{case}"));
    let out = Command::new(env!("CARGO"))
        .current_dir(&crate_dir)
        .args(["build", "--offline", "--release", "--examples", "--quiet"])
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "generated crate does not build:\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        generated.file("src/rules.rs").unwrap_or_default()
    );

    // Rows as the interpreter sees them, and the same rows as text.
    let eval = Evaluator::new(&set).unwrap();
    let (cells, n) = rulec::ingest::read_cells(&data, &set, &eval).unwrap();
    let width = set.features.len();
    let mut input = String::new();
    let mut expected = Vec::new();
    for i in 0..n {
        let row = &cells[i * width..(i + 1) * width];
        expected.push(match eval.decide(row).unwrap() {
            Some(hit) => set.rules[hit.rule_idx].name.clone(),
            None => "-".to_string(),
        });
        let fields: Vec<String> = row
            .iter()
            .zip(&set.features)
            .map(|(cell, f)| match (cell, &f.kind) {
                (Cell::Missing, _) => String::new(),
                (Cell::Num(x), _) => hex(&x.to_string()),
                (Cell::Bool(b), _) => hex(&b.to_string()),
                (Cell::Cat(c), FeatureKind::Categorical { categories })
                    if *c != UNKNOWN_CATEGORY =>
                {
                    hex(&categories[*c as usize])
                }
                (Cell::Cat(_), _) => hex("\u{1}not a category"),
            })
            .collect();
        input.push_str(&fields.join("\t"));
        input.push('\n');
    }
    let got = run_parity(&target.join("release/examples/parity"), input);
    assert_eq!(got.len(), expected.len());
    let differ = (0..n).filter(|&i| got[i] != expected[i]).count();
    assert_eq!(differ, 0, "{differ} rows differ for {spec:?}");
    assert!(!set.rules.is_empty(), "no rule certified for {spec:?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn hostile_tables_give_crates_that_build_and_agree(spec in spec()) {
        check(&spec, "proptest");
    }
}

/// Categorical columns named as the crate's own types (`Reason`, the
/// rules' reasons; `RuleInfo`; `Hit`) get types of other names: the crate
/// builds and agrees. A column `reason` made one that did not build.
#[test]
fn columns_named_as_the_crates_own_types_build() {
    check(
        &Spec {
            names: ["x", "reason", "RuleInfo", "hit"]
                .map(String::from)
                .to_vec(),
            kinds: vec![Kind::Num, Kind::Cat, Kind::Cat, Kind::Cat],
            labels: ["a", "b"].map(String::from).to_vec(),
            seed: 3,
        },
        "own-types",
    );
}
