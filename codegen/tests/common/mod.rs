//! Helpers shared by the codegen integration tests: a hand-made rule set,
//! building a generated crate with Cargo, and checking its parity example
//! against the interpreter ([`rulec_runtime::Evaluator`]).
//!
//! Generated crates go to fixed folders under the system temp dir and share
//! one Cargo target dir (`rulec-codegen-test-target`), so repeated runs
//! rebuild little and the target dir does not grow with every run.

#![allow(dead_code)] // Each test binary uses a different part.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use rulec_codegen::rust::emit_crate;
use rulec_runtime::ir::{
    CmpOp, Condition, Evidence, Feature, FeatureKind, Rule, RuleSet, SplitEvidence, Target,
};
use rulec_runtime::{Cell, Evaluator};

/// Cargo builds of different crates share `target/debug/examples/parity`:
/// one build-and-run at a time per test binary.
pub static CARGO_LOCK: Mutex<()> = Mutex::new(());

/// One value of a test row, before encoding for the example and the
/// interpreter.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Missing,
    Num(f64),
    Bool(bool),
    Cat(String),
}

pub fn num(name: &str, nullable: bool) -> Feature {
    Feature {
        name: name.into(),
        kind: FeatureKind::Numeric,
        nullable,
    }
}

pub fn boolean(name: &str, nullable: bool) -> Feature {
    Feature {
        name: name.into(),
        kind: FeatureKind::Boolean,
        nullable,
    }
}

pub fn cat(name: &str, nullable: bool, categories: &[&str]) -> Feature {
    Feature {
        name: name.into(),
        kind: FeatureKind::Categorical {
            categories: categories.iter().map(|c| c.to_string()).collect(),
        },
        nullable,
    }
}

pub fn cmp(feature: &str, op: CmpOp, value: f64) -> Condition {
    Condition::Cmp {
        feature: feature.into(),
        op,
        value,
    }
}

pub fn is(feature: &str, value: bool) -> Condition {
    Condition::Is {
        feature: feature.into(),
        value,
    }
}

pub fn in_set(feature: &str, values: &[&str]) -> Condition {
    Condition::In {
        feature: feature.into(),
        values: values.iter().map(|v| v.to_string()).collect(),
    }
}

pub fn not_in(feature: &str, values: &[&str]) -> Condition {
    Condition::NotIn {
        feature: feature.into(),
        values: values.iter().map(|v| v.to_string()).collect(),
    }
}

pub fn missing(feature: &str) -> Condition {
    Condition::Missing {
        feature: feature.into(),
    }
}

pub fn rule(name: &str, conditions: Vec<Condition>, decision: &str) -> Rule {
    Rule {
        name: name.into(),
        conditions,
        decision: decision.into(),
        origin: None,
        evidence: None,
    }
}

pub fn rule_set(
    target: &str,
    classes: &[&str],
    features: Vec<Feature>,
    rules: Vec<Rule>,
) -> RuleSet {
    let target = Target {
        name: target.into(),
        classes: classes.iter().map(|c| c.to_string()).collect(),
        tolerance: None,
    };
    RuleSet::new(target, features, rules, 0.95, 0.95)
}

/// The design's shipping example, grown to exercise every kind of column
/// and condition: numeric, nullable numeric, categorical, nullable
/// categorical, boolean, nullable boolean; `<`, `<=`, `>`, `>=`, `in`,
/// `not in`, `is`, `is missing`.
pub fn shipping() -> RuleSet {
    let mut rules = vec![
        rule(
            "short_light_to_b",
            vec![
                cmp("distance_mi", CmpOp::Lt, 50.0),
                cmp("weight_lb", CmpOp::Lt, 5.0),
                in_set("zone", &["east", "north"]),
                is("express", false),
            ],
            "B",
        ),
        rule(
            "heavy_to_c",
            vec![cmp("weight_lb", CmpOp::Ge, 70.5), not_in("zone", &["west"])],
            "C",
        ),
        rule(
            "unweighed_express_to_a",
            vec![missing("weight_lb"), is("express", true)],
            "A",
        ),
        rule(
            "far_fragile_to_a",
            vec![
                is("fragile", true),
                cmp("distance_mi", CmpOp::Gt, 2500.25),
                cmp("weight_lb", CmpOp::Le, 1e300),
                not_in("carrier_hint", &["fedex"]),
            ],
            "A",
        ),
        rule(
            "hinted_ups_to_c",
            vec![
                in_set("carrier_hint", &["ups"]),
                cmp("distance_mi", CmpOp::Ge, -1e-300),
                is("fragile", false),
            ],
            "C",
        ),
        rule("no_hint_to_b", vec![missing("carrier_hint")], "B"),
    ];
    rules[0].evidence = Some(Evidence {
        validation: SplitEvidence {
            support: 1200,
            correct: 1170,
            agree_teacher: 1180,
            precision_lower_bound: 0.9634,
        },
        test: None,
        examples: Vec::new(),
        reasons: Vec::new(),
    });
    rules[1].evidence = Some(no_evidence());
    rule_set(
        "cheapest_shipper",
        &["A", "B", "C"],
        vec![
            num("distance_mi", false),
            num("weight_lb", true),
            cat("zone", false, &["east", "north", "south", "west"]),
            boolean("express", false),
            boolean("fragile", true),
            cat("carrier_hint", true, &["dhl", "fedex", "ups"]),
        ],
        rules,
    )
}

pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

pub fn target_dir() -> PathBuf {
    std::env::temp_dir().join("rulec-codegen-test-target")
}

/// A fixed folder per test case, so artifacts are reused and overwritten.
pub fn crate_dir(case: &str) -> PathBuf {
    std::env::temp_dir()
        .join("rulec-codegen-test-crates")
        .join(case)
}

/// Runs `cargo ARGS` in `dir` with the shared target dir; panics with
/// Cargo's output when it fails.
pub fn run_cargo(dir: &Path, args: &[&str]) {
    run_cargo_with(dir, args, &[]);
}

pub fn run_cargo_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) {
    let out = Command::new(cargo())
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .envs(env.iter().copied())
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "`cargo {}` failed in {}:\n{}",
        args.join(" "),
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn have_clippy() -> bool {
    Command::new(cargo())
        .args(["clippy", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

pub fn have_rustfmt() -> bool {
    Command::new("rustfmt")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// What the checks of [`build_and_check`] include besides building and the
/// parity rows.
#[derive(Clone, Copy, Debug)]
pub struct Checks {
    pub clippy: bool,
    pub rustfmt: bool,
    /// `cargo doc` with rustdoc warnings denied: data in doc comments must
    /// not break Markdown or intra-doc links.
    pub doc: bool,
}

/// Emits `set` into the folder of `case`, builds it (and lints it), runs
/// the parity example on `rows` and compares every line with the
/// interpreter.
/// Fails unless `rustfmt --check` leaves `files` of the crate in `dir` as
/// they are.
pub fn assert_rustfmt_keeps(dir: &Path, files: &[&str]) {
    let out = Command::new("rustfmt")
        .args(["--check", "--edition", "2021"])
        .args(files)
        .current_dir(dir)
        .output()
        .expect("rustfmt runs");
    assert!(
        out.status.success(),
        "rustfmt would change the generated crate:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

pub fn build_and_check(set: &RuleSet, case: &str, rows: &[Vec<Value>], checks: Checks) {
    // A package name per case: Cargo does not tell apart two packages of
    // one name in one target dir.
    let generated = emit_crate(set, &format!("rulec-test-{case}")).expect("emit");
    let dir = crate_dir(case);
    let _guard = CARGO_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    // A file an earlier case wrote and this one does not (the test of the
    // book's example rows) must not stay.
    let _ = std::fs::remove_dir_all(&dir);
    generated.write_to(&dir).expect("write the crate");

    run_cargo(&dir, &["build", "--offline", "--quiet", "--examples"]);
    if checks.clippy && have_clippy() {
        run_cargo(
            &dir,
            &[
                "clippy",
                "--offline",
                "--quiet",
                "--all-targets",
                "--",
                "-D",
                "warnings",
                "-D",
                "clippy::pedantic",
            ],
        );
    }
    if checks.doc {
        run_cargo_with(
            &dir,
            &["doc", "--offline", "--quiet", "--no-deps"],
            &[("RUSTDOCFLAGS", "-D warnings")],
        );
    }
    // The test of the book's example rows, where the set has some.
    let book_examples = generated.file("tests/book_examples.rs").is_some();
    if book_examples {
        run_cargo(&dir, &["test", "--offline", "--quiet"]);
    }
    if checks.rustfmt && have_rustfmt() {
        assert_rustfmt_keeps(&dir, &["src/lib.rs", "src/rules.rs", "examples/parity.rs"]);
        if book_examples {
            assert_rustfmt_keeps(&dir, &["tests/book_examples.rs"]);
        }
    }
    let exe = target_dir().join("debug/examples/parity");
    check_parity(set, &exe, rows);
}

/// Runs the parity example on `rows` and compares with the interpreter.
pub fn check_parity(set: &RuleSet, exe: &Path, rows: &[Vec<Value>]) {
    let eval = Evaluator::new(set).expect("valid rule set");
    let mut input = String::new();
    let mut expected = Vec::with_capacity(rows.len());
    for row in rows {
        let (line, cells) = encode(set, &eval, row);
        input.push_str(&line);
        input.push('\n');
        expected.push(match eval.decide(&cells).expect("row width") {
            Some(hit) => format!(
                "{}\t{}",
                set.rules[hit.rule_idx].name,
                hex(&set.target.classes[hit.class_idx])
            ),
            None => "-".to_string(),
        });
    }
    let mut child = Command::new(exe)
        .arg("--with-decision")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the parity example runs");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child
        .wait_with_output()
        .expect("the parity example finishes");
    writer.join().expect("writer thread").expect("write rows");
    assert!(
        out.status.success(),
        "the parity example failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 output");
    let got: Vec<&str> = stdout.lines().collect();
    assert_eq!(got.len(), rows.len(), "one output line per row");
    for (i, (got, want)) in got.iter().zip(&expected).enumerate() {
        assert_eq!(
            got, want,
            "row {i} {:?}: generated crate says `{got}`, interpreter says `{want}`",
            rows[i]
        );
    }
}

/// The example's line for `row`, and the interpreter's cells for it.
///
/// An empty field means a missing value. A non-nullable numeric column has
/// no missing values in the generated crate: the example reads an empty
/// field there as NaN, so the interpreter gets NaN too. An empty category in
/// a nullable column cannot be told from a missing value, so it is missing
/// for both.
pub fn encode(set: &RuleSet, eval: &Evaluator, row: &[Value]) -> (String, Vec<Cell>) {
    assert_eq!(row.len(), set.features.len(), "test row width");
    let mut fields = Vec::with_capacity(row.len());
    let mut cells = Vec::with_capacity(row.len());
    for (col, (feature, value)) in set.features.iter().zip(row).enumerate() {
        let (text, cell) = match value {
            Value::Missing if feature.nullable => (String::new(), Cell::Missing),
            Value::Missing => match feature.kind {
                FeatureKind::Numeric => (String::new(), Cell::Num(f64::NAN)),
                _ => panic!("test bug: missing value in non-nullable `{}`", feature.name),
            },
            // `NaN` reads as missing, as `rulec apply` reads it; a NaN
            // value of a nullable column is a text that is no number.
            Value::Num(x) if x.is_nan() && feature.nullable => {
                ("not a number".to_string(), Cell::Num(f64::NAN))
            }
            Value::Num(x) => (format!("{x}"), Cell::Num(*x)),
            Value::Bool(b) => (b.to_string(), Cell::Bool(*b)),
            Value::Cat(s) if s.is_empty() && feature.nullable => (String::new(), Cell::Missing),
            Value::Cat(s) => (s.clone(), Cell::Cat(eval.category_code(col, s))),
        };
        fields.push(hex(&text));
        cells.push(cell);
    }
    (fields.join("\t"), cells)
}

/// Evidence of a rule that answered no validation row.
pub fn no_evidence() -> Evidence {
    Evidence {
        validation: SplitEvidence {
            support: 0,
            correct: 0,
            agree_teacher: 0,
            precision_lower_bound: 0.0,
        },
        test: None,
        examples: Vec::new(),
        reasons: Vec::new(),
    }
}

/// `set` with up to `per_rule` example rows per rule, as a compile records
/// them (the first of `rows` each rule decides, their values as text), for
/// the crate's test of the book's example rows.
pub fn with_examples(mut set: RuleSet, rows: &[Vec<Value>], per_rule: usize) -> RuleSet {
    let eval = Evaluator::new(&set).expect("valid rule set");
    let mut examples = vec![Vec::new(); set.rules.len()];
    for row in rows {
        let (_, cells) = encode(&set, &eval, row);
        let Some(hit) = eval.decide(&cells).expect("row width") else {
            continue;
        };
        if examples[hit.rule_idx].len() == per_rule {
            continue;
        }
        let values = set
            .features
            .iter()
            .zip(row)
            .map(|(f, v)| match v {
                Value::Missing => None,
                Value::Num(x) if x.is_nan() && f.nullable => Some("not a number".to_string()),
                Value::Num(x) => Some(format!("{x}")),
                Value::Bool(b) => Some(b.to_string()),
                Value::Cat(c) if c.is_empty() => None,
                Value::Cat(c) => Some(c.clone()),
            })
            .collect();
        examples[hit.rule_idx].push(rulec_runtime::ir::Example {
            values,
            truth: set.target.classes[hit.class_idx].clone(),
        });
    }
    for (rule, examples) in set.rules.iter_mut().zip(examples) {
        let evidence = rule.evidence.get_or_insert_with(no_evidence);
        evidence.examples = examples;
    }
    set
}

pub fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

/// The next float up or down (like `f64::next_up`, which needs Rust 1.86).
pub fn step(x: f64, up: bool) -> f64 {
    if x.is_nan() || x.is_infinite() {
        return x;
    }
    if x == 0.0 {
        let tiny = f64::from_bits(1);
        return if up { tiny } else { -tiny };
    }
    let bits = x.to_bits();
    let away_from_zero = up == (x > 0.0);
    f64::from_bits(if away_from_zero { bits + 1 } else { bits - 1 })
}

/// Values worth trying per column: every threshold a rule uses and its
/// neighbours, zeros, NaN, infinities; every category, an unknown one and
/// the empty string; both booleans; and a missing value where allowed.
pub fn interesting_values(set: &RuleSet) -> Vec<Vec<Value>> {
    set.features
        .iter()
        .map(|f| {
            let mut vals = Vec::new();
            match &f.kind {
                FeatureKind::Numeric => {
                    for x in [0.0, -0.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                        vals.push(Value::Num(x));
                    }
                    for rule in &set.rules {
                        for cond in &rule.conditions {
                            if let Condition::Cmp { feature, value, .. } = cond {
                                if *feature == f.name {
                                    for x in [*value, step(*value, true), step(*value, false)] {
                                        vals.push(Value::Num(x));
                                    }
                                }
                            }
                        }
                    }
                }
                FeatureKind::Boolean => {
                    vals.push(Value::Bool(true));
                    vals.push(Value::Bool(false));
                }
                FeatureKind::Categorical { categories } => {
                    vals.extend(categories.iter().map(|c| Value::Cat(c.clone())));
                    vals.push(Value::Cat("no such category".into()));
                    vals.push(Value::Cat(String::new()));
                    vals.push(Value::Cat("Unknown".into()));
                }
            }
            if f.nullable {
                vals.push(Value::Missing);
            }
            vals
        })
        .collect()
}

/// Rows over the interesting values: all combinations when there are at
/// most `limit`, else `limit` combinations drawn with a fixed seed.
pub fn rows(set: &RuleSet, limit: usize, seed: u64) -> Vec<Vec<Value>> {
    let values = interesting_values(set);
    let total = values
        .iter()
        .try_fold(1usize, |acc, v| acc.checked_mul(v.len()));
    match total {
        Some(total) if total <= limit => (0..total)
            .map(|mut k| {
                values
                    .iter()
                    .map(|v| {
                        let pick = v[k % v.len()].clone();
                        k /= v.len();
                        pick
                    })
                    .collect()
            })
            .collect(),
        _ => {
            let mut state = seed;
            (0..limit)
                .map(|_| {
                    values
                        .iter()
                        .map(|v| v[(splitmix(&mut state) % v.len() as u64) as usize].clone())
                        .collect()
                })
                .collect()
        }
    }
}

pub fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
