//! The generated crate never panics and always agrees with the interpreter.
//! See: #7
//!
//! proptest draws rule sets over hostile schemas: features of every kind,
//! nullable or not, with names and categories that are Rust keywords,
//! unicode, control characters or the generated crate's own item names;
//! class targets and numeric targets; rules with random conditions whose
//! thresholds include subnormals, `-0.0`, `f64::MAX` and random bit
//! patterns. Each set gets thousands of rows: every threshold and the
//! floats one and two ULPs around it, NaN, infinities, zeros, subnormals,
//! random bit patterns, numbers written oddly (`1e999`, `-1e-400`, ` 5`),
//! known and unknown categories, and missing values.
//!
//! Building a crate per rule set would take minutes, so each proptest case
//! is a batch of rule sets: their `rules.rs` become modules of one binary
//! crate, each with its own copy of the generated parity driver, built once
//! in the dev profile (overflow checks on). The driver reads every row of
//! its set and prints its decision; a non-zero exit (a panic is exit 101)
//! fails the case, and so does any line that differs from
//! [`rulec_runtime::Evaluator`]. A driver that has `--batch` (the crate's
//! `decide_batch`) runs a second time with it. On failure proptest shrinks the batch, down
//! to one small rule set, rebuilding as it goes.
//!
//! The runner's seed is fixed, so CI always checks the same rule sets;
//! `RULEC_PROPTEST_CASES=N` runs N batches instead of the default.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{hex, splitmix, step};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::ValueTree;
use proptest::test_runner::{RngAlgorithm, TestRng, TestRunner};
use rulec_codegen::rust::emit_crate;
use rulec_runtime::ir::{
    CmpOp, Condition, Evidence, Feature, FeatureKind, Rule, RuleSet, Scope, SplitEvidence, Target,
};
use rulec_runtime::{Cell, Evaluator};

/// Rule sets (proptest cases) by default; `RULEC_PROPTEST_CASES` overrides.
const DEFAULT_CASES: usize = 256;
/// Rule sets per batch, that is per built crate.
const SETS_PER_BATCH: usize = 32;
/// Rows over every combination of interesting values (or a sample of them).
const GRID_ROWS: usize = 2000;
/// Rows of random and adversarial values.
const RANDOM_ROWS: usize = 2500;
/// Shrinking steps after a failure; each rebuilds a one-set crate.
const MAX_SHRINK_STEPS: usize = 200;
/// The runner's fixed seed.
const SEED: [u8; 32] = *b"rulec never panics, issue #7 ok!";

/// The package name `emit_crate` is given: the driver's `use` line names it.
const GENERATED_NAME: &str = "generated_rules";

fn cases() -> usize {
    std::env::var("RULEC_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

#[test]
fn generated_crates_never_panic_and_agree_with_the_interpreter() {
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &SEED);
    let mut runner = TestRunner::new_with_rng(ProptestConfig::default(), rng);
    let strategy = (rule_set(), any::<u64>());
    let mut trees = Vec::new();
    for _ in 0..cases() {
        trees.push(strategy.new_tree(&mut runner).expect("the strategy draws"));
    }
    let n_batches = trees.len().div_ceil(SETS_PER_BATCH);
    let mut total = Stats::default();
    for (batch_idx, batch) in trees.chunks_mut(SETS_PER_BATCH).enumerate() {
        let sets: Vec<(RuleSet, u64)> = batch.iter().map(ValueTree::current).collect();
        let (set_idx, msg) = match check_batch(&sets) {
            Ok(stats) => {
                total.sets += stats.sets;
                total.rows += stats.rows;
                total.covered += stats.covered;
                continue;
            }
            Err(failure) => failure,
        };
        // Shrink the failing rule set alone, one small crate per step.
        let tree = &mut batch[set_idx];
        let (mut smallest, mut why) = (tree.current(), msg);
        let mut steps = 0;
        if tree.simplify() {
            while steps < MAX_SHRINK_STEPS {
                steps += 1;
                let candidate = tree.current();
                match check_batch(std::slice::from_ref(&candidate)) {
                    Err((_, msg)) => {
                        (smallest, why) = (candidate, msg);
                        if !tree.simplify() {
                            break;
                        }
                    }
                    Ok(_) => {
                        if !tree.complicate() {
                            break;
                        }
                    }
                }
            }
        }
        panic!(
            "batch {batch_idx} of {n_batches}, rule set {set_idx} (shrunk in {steps} steps): \
             {why}\nrules.json of the smallest failing set (row seed {}):\n{}",
            smallest.1,
            smallest.0.to_json()
        );
    }
    eprintln!(
        "checked {} rule sets in {n_batches} crates: {} rows, {} decided by a rule",
        total.sets, total.rows, total.covered
    );
    // Not vacuous: many rows reach a rule, many go to the fallback.
    assert!(total.covered * 10 > total.rows, "too few rows covered");
    assert!(
        total.covered * 10 < total.rows * 9,
        "too few rows not covered"
    );
}

/// Emits, builds and runs one batch; on failure, the index of the rule set
/// that failed and what went wrong.
fn check_batch(sets: &[(RuleSet, u64)]) -> Result<Stats, (usize, String)> {
    for (set_idx, (set, _)) in sets.iter().enumerate() {
        set.check().map_err(|e| {
            (
                set_idx,
                format!("the strategy made an invalid rule set: {e}"),
            )
        })?;
    }
    let dir = common::crate_dir("never-panics");
    let exe = write_and_build(sets, &dir)?;
    let mut stats = Stats::default();
    for (set_idx, (set, seed)) in sets.iter().enumerate() {
        let rows = rows(set, *seed);
        let parity = dir.join(format!("src/set_{set_idx}/parity.rs"));
        let driver_has_batch = std::fs::read_to_string(&parity)
            .map_err(|e| (set_idx, format!("cannot read {}: {e}", parity.display())))?
            .contains("\"--batch\"");
        let covered =
            check_set(&exe, driver_has_batch, set_idx, set, &rows).map_err(|msg| (set_idx, msg))?;
        stats.sets += 1;
        stats.rows += rows.len();
        stats.covered += covered;
    }
    Ok(stats)
}

/// What a batch checked.
#[derive(Clone, Copy, Debug, Default)]
struct Stats {
    sets: usize,
    rows: usize,
    /// Rows a rule decided (the others went to the fallback).
    covered: usize,
}

/// Writes one binary crate with a module per rule set and builds it; on
/// failure, the rule set to blame (the first module rustc names).
fn write_and_build(sets: &[(RuleSet, u64)], dir: &Path) -> Result<PathBuf, (usize, String)> {
    // Start clean: a module left by a bigger batch would not compile.
    if dir.exists() {
        std::fs::remove_dir_all(dir)
            .map_err(|e| (0, format!("cannot clean {}: {e}", dir.display())))?;
    }
    let mut main = String::from(
        "//! Parity drivers of several generated rule crates in one binary.\n\
         //! The first argument picks the rule set.\n\n\
         #![allow(warnings)]\n\n",
    );
    let mut arms = String::new();
    for (set_idx, (set, _)) in sets.iter().enumerate() {
        write_module(set, &dir.join(format!("src/set_{set_idx}"))).map_err(|e| (set_idx, e))?;
        main.push_str(&format!("mod set_{set_idx};\n"));
        arms.push_str(&format!(
            "        Some(\"{set_idx}\") => set_{set_idx}::parity::main(),\n"
        ));
    }
    main.push_str(&format!(
        "\nfn main() -> std::process::ExitCode {{\n    \
         match std::env::args().nth(1).as_deref() {{\n{arms}        \
         _ => std::process::ExitCode::from(2),\n    }}\n}}\n"
    ));
    write(&dir.join("src/main.rs"), &main).map_err(|e| (0, e))?;
    write(
        &dir.join("Cargo.toml"),
        "[package]\nname = \"rulec-never-panics\"\nversion = \"0.1.0\"\n\
         edition = \"2021\"\npublish = false\n\n\
         [profile.dev]\ndebug = false\noverflow-checks = true\n\n[workspace]\n",
    )
    .map_err(|e| (0, e))?;
    let out = Command::new(common::cargo())
        .args(["build", "--offline", "--quiet"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", common::target_dir())
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .output()
        .map_err(|e| (0, format!("cargo does not run: {e}")))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let blamed = stderr
            .split("src/set_")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        return Err((blamed, format!("the batch crate does not build:\n{stderr}")));
    }
    Ok(common::target_dir().join("debug/rulec-never-panics"))
}

/// Writes one rule set's module: the generated `rules.rs` and its driver.
fn write_module(set: &RuleSet, module: &Path) -> Result<(), String> {
    let generated = emit_crate(set, GENERATED_NAME).map_err(|e| format!("emit: {e}"))?;
    let file = |path: &str| {
        generated
            .file(path)
            .map(str::to_string)
            .ok_or_else(|| format!("the generated crate has no `{path}`"))
    };
    let parity = adapt_driver(&file("examples/parity.rs")?)?;
    write(&module.join("mod.rs"), "pub mod parity;\npub mod rules;\n")?;
    write(&module.join("rules.rs"), &file("src/rules.rs")?)?;
    write(&module.join("parity.rs"), &parity)
}

/// The generated `examples/parity.rs` as a module next to its `rules`.
fn adapt_driver(parity: &str) -> Result<String, String> {
    let replace_once = |text: &str, from: &str, to: &str| {
        if text.matches(from).count() == 1 {
            Ok(text.replacen(from, to, 1))
        } else {
            Err(format!(
                "the generated parity driver does not have `{from}` exactly once"
            ))
        }
    };
    let text = replace_once(
        parity,
        &format!("use {GENERATED_NAME} as rules;"),
        "use super::rules;",
    )?;
    replace_once(
        &text,
        "\nfn main() -> ExitCode {",
        "\npub fn main() -> ExitCode {",
    )
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// One field of a test row, as text: the driver reads it, and
/// [`interpreter_cell`] reads it the way the driver does.
#[derive(Clone, Debug, PartialEq)]
enum Field {
    /// The empty field.
    Empty,
    /// Any text.
    Text(String),
}

impl Field {
    fn text(&self) -> &str {
        match self {
            Field::Empty => "",
            Field::Text(t) => t,
        }
    }
}

/// The interpreter's cell for a field, as the parity driver decodes it: in
/// a nullable column the empty field is missing; a number is Rust's parse
/// of the text, or NaN when it does not parse (the empty field of a column
/// that is not nullable included); a category is its code, or unknown.
fn interpreter_cell(eval: &Evaluator, col: usize, feature: &Feature, field: &Field) -> Cell {
    let text = field.text();
    if feature.nullable && text.is_empty() {
        return Cell::Missing;
    }
    match feature.kind {
        FeatureKind::Numeric => Cell::Num(text.parse().unwrap_or(f64::NAN)),
        FeatureKind::Boolean => Cell::Bool(text == "true"),
        FeatureKind::Categorical { .. } => Cell::Cat(eval.category_code(col, text)),
    }
}

/// Runs the batch binary's driver of `set_idx` on `rows` and compares each
/// line with the interpreter; gives the number of rows a rule decided.
fn check_set(
    exe: &Path,
    driver_has_batch: bool,
    set_idx: usize,
    set: &RuleSet,
    rows: &[Vec<Field>],
) -> Result<usize, String> {
    let eval = Evaluator::new(set).map_err(|e| format!("the interpreter refuses it: {e}"))?;
    let mut input = String::new();
    let mut expected = Vec::with_capacity(rows.len());
    for row in rows {
        let cells: Vec<Cell> = set
            .features
            .iter()
            .zip(row)
            .enumerate()
            .map(|(col, (f, field))| interpreter_cell(&eval, col, f, field))
            .collect();
        let line: Vec<String> = row.iter().map(|f| hex(f.text())).collect();
        input.push_str(&line.join("\t"));
        input.push('\n');
        expected.push(match eval.decide(&cells).map_err(|e| e.to_string())? {
            Some(hit) => format!(
                "{}\t{}",
                set.rules[hit.rule_idx].name,
                hex(&set.target.classes[hit.class_idx])
            ),
            None => "-".to_string(),
        });
    }
    // Drivers that have `decide_batch` check it against `decide` on every
    // row, and with `--batch` decide all rows in one call: run both ways.
    let mut modes = vec![None];
    if driver_has_batch {
        modes.push(Some("--batch"));
    }
    for mode in modes {
        let got = run_driver(exe, set_idx, mode, &input, rows)?;
        for (i, (got, want)) in got.iter().zip(&expected).enumerate() {
            if got != want {
                return Err(format!(
                    "row {i} {:?}{}: generated crate says `{got}`, interpreter says `{want}`",
                    rows[i],
                    mode.map_or(String::new(), |m| format!(" (driver {m})")),
                ));
            }
        }
    }
    Ok(expected.iter().filter(|line| *line != "-").count())
}

/// Runs the driver of `set_idx` on `input` (the lines of `rows`) and gives
/// its lines, one per row; a non-zero exit is an error.
fn run_driver(
    exe: &Path,
    set_idx: usize,
    mode: Option<&str>,
    input: &str,
    rows: &[Vec<Field>],
) -> Result<Vec<String>, String> {
    let mut child = Command::new(exe)
        .arg(set_idx.to_string())
        .arg("--with-decision")
        .args(mode)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("the driver does not start: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let input = input.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child
        .wait_with_output()
        .map_err(|e| format!("the driver does not finish: {e}"))?;
    // A driver that died early closes its stdin: the write error says
    // nothing more than the exit status below.
    let _ = writer.join();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let got: Vec<String> = stdout.lines().map(str::to_string).collect();
    if !out.status.success() {
        // A driver that answers row by row has flushed the lines before
        // the failure: then the first row without a line is the culprit.
        let row = rows
            .get(got.len())
            .map_or("(none)".to_string(), |r| format!("{r:?}"));
        return Err(format!(
            "the driver{} failed ({}) having printed {} of {} lines; first row without a \
             line {row}:\n{}",
            mode.map_or(String::new(), |m| format!(" {m}")),
            out.status,
            got.len(),
            rows.len(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    if got.len() != rows.len() {
        return Err(format!(
            "the driver printed {} lines for {} rows",
            got.len(),
            rows.len()
        ));
    }
    Ok(got)
}

// ---------------------------------------------------------------------------
// Rows.

const LARGEST_SUBNORMAL: f64 = f64::from_bits((1 << 52) - 1);

/// Floats worth trying in any numeric column.
const SPECIAL_FLOATS: &[f64] = &[
    0.0,
    -0.0,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::MAX,
    f64::MIN,
    f64::MIN_POSITIVE,
    -f64::MIN_POSITIVE,
    f64::EPSILON,
    5e-324,
    -5e-324,
    LARGEST_SUBNORMAL,
    1e-310,
    -1e-310,
    1.0,
    -1.0,
    0.5,
    9_007_199_254_740_993.0,
];

/// Numbers written in ways the driver's `str::parse` reads as something
/// (`1e999` is infinity, `-1e-400` is `-0.0`) or as nothing (NaN).
const ODD_NUMBER_TEXTS: &[&str] = &[
    "1e999",
    "-1e999",
    "1e-400",
    "-1e-400",
    "inf",
    "-inf",
    "+inf",
    "infinity",
    "-Infinity",
    "NaN",
    "nan",
    "-nan",
    "+5",
    " 5",
    "5 ",
    "0x10",
    "1_000",
    "1,5",
    ".5",
    "5.",
    "-.0",
    "1E5",
    "e5",
    "--1",
    "0.000000000000000000000000000000000000000000000000001",
    "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792",
    "a",
    "true",
    "\u{0}",
];

/// Categories nobody listed: near misses of real ones are added per set.
const ODD_CATEGORIES: &[&str] = &[
    "",
    " ",
    "Unknown",
    "unknown",
    "None",
    "null",
    "NaN",
    "\u{0}",
    "\t",
    "\"); panic!(\"",
    "💥",
    "e\u{301}",
    "é",
];

/// The rows of one rule set: a grid over interesting values, then random
/// and adversarial rows, all from `seed`.
fn rows(set: &RuleSet, seed: u64) -> Vec<Vec<Field>> {
    let mut state = seed;
    let values: Vec<Vec<Field>> = set
        .features
        .iter()
        .map(|f| interesting_fields(set, f))
        .collect();
    let total = values
        .iter()
        .try_fold(1usize, |acc, v| acc.checked_mul(v.len()));
    let mut rows: Vec<Vec<Field>> = match total {
        Some(total) if total <= GRID_ROWS => (0..total)
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
        _ => (0..GRID_ROWS)
            .map(|_| values.iter().map(|v| pick(v, &mut state).clone()).collect())
            .collect(),
    };
    let thresholds = thresholds(set);
    for _ in 0..RANDOM_ROWS {
        let row = set
            .features
            .iter()
            .enumerate()
            .map(|(col, f)| random_field(f, &thresholds[col], &values[col], &mut state))
            .collect();
        rows.push(row);
    }
    rows
}

fn pick<'a, T>(items: &'a [T], state: &mut u64) -> &'a T {
    &items[(splitmix(state) % items.len() as u64) as usize]
}

/// Per feature, the thresholds the rules compare it with.
fn thresholds(set: &RuleSet) -> Vec<Vec<f64>> {
    set.features
        .iter()
        .map(|f| {
            set.rules
                .iter()
                .flat_map(|r| &r.conditions)
                .filter_map(|c| match c {
                    Condition::Cmp { feature, value, .. } if *feature == f.name => Some(*value),
                    _ => None,
                })
                .collect()
        })
        .collect()
}

/// A float written so that it reads back exactly, one way or another.
fn float_field(x: f64, state: &mut u64) -> Field {
    Field::Text(match splitmix(state) % 3 {
        0 => format!("{x}"),
        1 => format!("{x:?}"),
        _ => format!("{x:e}"),
    })
}

/// Values worth trying in one column: its thresholds and the floats one ULP
/// around them, special floats, every category and near misses, both
/// booleans, and the empty field where it can be given.
fn interesting_fields(set: &RuleSet, f: &Feature) -> Vec<Field> {
    let mut out = Vec::new();
    let mut state = 0;
    match &f.kind {
        FeatureKind::Numeric => {
            for x in [
                0.0,
                -0.0,
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                5e-324,
            ] {
                out.push(float_field(x, &mut state));
            }
            for rule in &set.rules {
                for cond in &rule.conditions {
                    if let Condition::Cmp { feature, value, .. } = cond {
                        if *feature == f.name {
                            for x in [*value, step(*value, true), step(*value, false)] {
                                out.push(float_field(x, &mut state));
                            }
                        }
                    }
                }
            }
            // Not nullable: the empty field reads as NaN.
            out.push(Field::Empty);
        }
        FeatureKind::Boolean => {
            out.push(Field::Text("true".into()));
            out.push(Field::Text("false".into()));
            if f.nullable {
                out.push(Field::Empty);
            }
        }
        FeatureKind::Categorical { categories } => {
            out.extend(categories.iter().map(|c| Field::Text(c.clone())));
            out.push(Field::Text("no such category".into()));
            if let Some(c) = categories.first() {
                out.push(Field::Text(format!("{c} ")));
                out.push(Field::Text(c.to_uppercase()));
            }
            // Missing where nullable; else the category "" or an unknown one.
            out.push(Field::Empty);
        }
    }
    out.dedup();
    out
}

/// One random field for a column.
fn random_field(f: &Feature, thresholds: &[f64], grid: &[Field], state: &mut u64) -> Field {
    let roll = splitmix(state) % 100;
    if roll < 5 && (f.nullable || matches!(f.kind, FeatureKind::Numeric)) {
        return Field::Empty;
    }
    match &f.kind {
        FeatureKind::Numeric => {
            let x = match roll {
                5..=34 if !thresholds.is_empty() => {
                    // A threshold, up to three ULPs away either way.
                    let mut x = *pick(thresholds, state);
                    let up = splitmix(state) & 1 == 0;
                    for _ in 0..splitmix(state) % 4 {
                        x = step(x, up);
                    }
                    x
                }
                35..=49 => *pick(SPECIAL_FLOATS, state),
                50..=64 => f64::from_bits(splitmix(state)),
                65..=72 => {
                    // A subnormal of either sign.
                    let bits = splitmix(state) & ((1 << 52) - 1);
                    let sign = splitmix(state) & (1 << 63);
                    f64::from_bits(bits | sign)
                }
                73..=80 => return Field::Text((*pick(ODD_NUMBER_TEXTS, state)).to_string()),
                _ => (splitmix(state) % 2001) as f64 / 10.0 - 100.0,
            };
            float_field(x, state)
        }
        FeatureKind::Boolean => Field::Text(
            if splitmix(state) & 1 == 0 {
                "true"
            } else {
                "false"
            }
            .into(),
        ),
        FeatureKind::Categorical { categories } => match roll {
            5..=59 if !categories.is_empty() => Field::Text(pick(categories, state).clone()),
            60..=79 => Field::Text((*pick(ODD_CATEGORIES, state)).to_string()),
            80..=89 => {
                // Random characters, control and non-ASCII ones included.
                let n = splitmix(state) % 5;
                let text = (0..n)
                    .map(|_| char::from_u32((splitmix(state) % 0x3000) as u32).unwrap_or('?'))
                    .collect::<String>();
                Field::Text(text)
            }
            _ => pick(grid, state).clone(),
        },
    }
}

// ---------------------------------------------------------------------------
// Rule sets.

/// Names for columns, targets, classes and categories: Rust keywords and
/// prelude names, the generated crate's own items, unicode, control
/// characters, strings that try to break out of literals and doc comments,
/// and names that collide once sanitised.
const NAMES: &[&str] = &[
    "fn",
    "self",
    "Self",
    "crate",
    "super",
    "type",
    "r#try",
    "gen",
    "größe",
    "距离",
    "1st",
    "",
    " ",
    "a b",
    "a_b",
    "A-B",
    "input",
    "Input",
    "decide",
    "decide_or_else",
    "Hit",
    "RuleId",
    "RULES",
    "RULE_TABLE",
    "ALL",
    "Unknown",
    "unknown",
    "None",
    "Some",
    "Option",
    "_",
    "__",
    "\u{0}",
    "\"",
    "\\",
    "`",
    "*/",
    "/*",
    "//!",
    "tab\there",
    "new\nline",
    "{}",
    "💥",
    "e\u{301}",
    "\u{202e}rtl",
    "main",
    "parity",
    "rules",
];

/// Rule names: valid in the IR (`[a-z][a-z0-9_]*`), many of them Rust
/// keywords or the generated crate's own items.
const RULE_NAMES: &[&str] = &[
    "fn",
    "self",
    "r",
    "match",
    "loop",
    "type",
    "unknown",
    "none",
    "some",
    "all",
    "info",
    "input",
    "decide",
    "hit",
    "name",
    "main",
    "parity",
    "rule_table",
    "a",
    "a_",
    "a__b",
    "z9",
];

/// Floats for thresholds, tolerances and evidence.
fn threshold() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => select(vec![
            0.0,
            -0.0,
            5e-324,
            -5e-324,
            1e-310,
            -1e-310,
            LARGEST_SUBNORMAL,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::MIN,
            1e300,
            -1e300,
            0.1,
            -1.5,
            1e21,
            9_007_199_254_740_993.0,
        ]),
        3 => (-20i32..20).prop_map(|i| f64::from(i) / 2.0),
        2 => any::<u64>().prop_map(|bits| {
            let x = f64::from_bits(bits);
            if x.is_finite() {
                x
            } else {
                f64::MAX
            }
        }),
        1 => (any::<u64>(), any::<bool>()).prop_map(|(bits, neg)| {
            let x = f64::from_bits(bits & ((1 << 52) - 1));
            if neg {
                -x
            } else {
                x
            }
        }),
    ]
}

/// Any short text: a hostile name, plain letters, or random characters.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => select(NAMES).prop_map(str::to_string),
        2 => "[a-zA-Z_][a-zA-Z0-9_ ]{0,6}",
        2 => prop::collection::vec(any::<char>(), 0..6).prop_map(String::from_iter),
    ]
}

/// A numeric target's class: text that reads as a finite number.
fn number_class() -> impl Strategy<Value = String> {
    prop_oneof![
        select(vec![
            "0", "-0", "-0.0", "1", "1e5", "1E5", "+1", ".5", "5.", "0.1", "5e-324"
        ])
        .prop_map(str::to_string),
        threshold().prop_map(|x| format!("{x}")),
        threshold().prop_map(|x| format!("{x:e}")),
    ]
}

#[derive(Clone, Debug)]
enum KindPick {
    Num,
    Bool,
    Cat(Vec<String>),
}

fn kind() -> impl Strategy<Value = KindPick> {
    prop_oneof![
        3 => Just(KindPick::Num),
        2 => Just(KindPick::Bool),
        3 => prop::collection::vec(text(), 0..6).prop_map(KindPick::Cat),
        // Past 64 categories the interpreter's bitsets take a second word.
        1 => prop::collection::vec("[a-z]{1,3}", 60..80).prop_map(KindPick::Cat),
    ]
}

/// What one condition may be: the builder fits it to its feature.
#[derive(Clone, Debug)]
struct CondPick {
    feature: usize,
    missing: bool,
    op: u8,
    value: f64,
    flag: bool,
    mask: Vec<bool>,
}

fn cond_pick() -> impl Strategy<Value = CondPick> {
    (
        any::<usize>(),
        prop::bool::weighted(0.15),
        any::<u8>(),
        threshold(),
        any::<bool>(),
        prop::collection::vec(any::<bool>(), 1..8),
    )
        .prop_map(|(feature, missing, op, value, flag, mask)| CondPick {
            feature,
            missing,
            op,
            value,
            flag,
            mask,
        })
}

#[derive(Clone, Debug)]
struct RulePick {
    name: String,
    decision: usize,
    conditions: Vec<CondPick>,
    evidence: Option<(u64, u64, f64)>,
}

fn rule_pick() -> impl Strategy<Value = RulePick> {
    (
        prop_oneof![
            select(RULE_NAMES).prop_map(str::to_string),
            "[a-z][a-z0-9_]{0,6}",
        ],
        any::<usize>(),
        prop::collection::vec(cond_pick(), 0..5),
        prop::option::weighted(0.3, (0u64..5000, 0u64..5000, threshold())),
    )
        .prop_map(|(name, decision, conditions, evidence)| RulePick {
            name,
            decision,
            conditions,
            evidence,
        })
}

/// A valid rule set over a hostile schema: up to 7 features, 2 to 5
/// classes (or numbers, with a tolerance), up to 8 rules of up to 4
/// conditions.
fn rule_set() -> impl Strategy<Value = RuleSet> {
    let features = prop::collection::vec((text(), kind(), any::<bool>()), 0..8);
    let target = (
        text(),
        prop::option::weighted(0.2, threshold()),
        prop::collection::vec(text(), 2..6),
        prop::collection::vec(number_class(), 2..6),
    );
    let rules = prop::collection::vec(rule_pick(), 0..9);
    let certification = (threshold(), threshold(), any::<bool>());
    (features, target, rules, certification).prop_map(build)
}

type TargetPick = (String, Option<f64>, Vec<String>, Vec<String>);
type Picks = (
    Vec<(String, KindPick, bool)>,
    TargetPick,
    Vec<RulePick>,
    (f64, f64, bool),
);

/// Turns the picks into a rule set that [`RuleSet::check`] accepts.
fn build(
    (features, (target, tolerance, classes, numbers), rules, (precision, confidence, per_rule)): Picks,
) -> RuleSet {
    let tolerance = tolerance.map(|t| if t.abs() > 0.0 { t.abs() } else { 0.5 });
    let mut classes = dedup(if tolerance.is_some() {
        numbers
    } else {
        classes
    });
    for fill in ["class a", "class b"] {
        if classes.len() < 2 && !classes.iter().any(|c| c == fill) {
            classes.push(fill.to_string());
        }
    }
    // A numeric target's classes are numbers: replace any that a builder
    // filler made otherwise.
    if tolerance.is_some() {
        for (i, c) in classes.iter_mut().enumerate() {
            if !c.parse::<f64>().is_ok_and(f64::is_finite) {
                *c = format!("{}", 1000 + i);
            }
        }
        classes = dedup(classes);
        if classes.len() < 2 {
            classes = vec!["1".into(), "2".into()];
        }
    }
    let mut names = std::collections::BTreeSet::new();
    names.insert(target.clone());
    let features: Vec<Feature> = features
        .into_iter()
        .filter(|(name, ..)| names.insert(name.clone()))
        .map(|(name, kind, nullable)| Feature {
            name,
            // A column without categories can only be tested for missing
            // values, so let it have them.
            nullable: nullable || matches!(&kind, KindPick::Cat(c) if c.is_empty()),
            kind: match kind {
                KindPick::Num => FeatureKind::Numeric,
                KindPick::Bool => FeatureKind::Boolean,
                KindPick::Cat(categories) => FeatureKind::Categorical {
                    categories: dedup(categories),
                },
            },
        })
        .collect();
    let mut rule_names = std::collections::BTreeSet::new();
    let rules = rules
        .into_iter()
        .enumerate()
        .map(|(rule_idx, pick)| {
            let name = if rulec_runtime::ir::is_rule_name(&pick.name)
                && rule_names.insert(pick.name.clone())
            {
                pick.name
            } else {
                let name = format!("rule_{rule_idx}");
                rule_names.insert(name.clone());
                name
            };
            let conditions = if features.is_empty() {
                Vec::new()
            } else {
                pick.conditions
                    .iter()
                    .map(|c| condition(&features[c.feature % features.len()], c))
                    .collect()
            };
            Rule {
                name,
                conditions,
                decision: classes[pick.decision % classes.len()].clone(),
                origin: None,
                evidence: pick.evidence.map(|(support, correct, bound)| Evidence {
                    validation: SplitEvidence {
                        support,
                        correct,
                        agree_teacher: correct,
                        precision_lower_bound: bound,
                    },
                    test: None,
                    examples: Vec::new(),
                }),
            }
        })
        .collect();
    let target = Target {
        name: target,
        classes,
        tolerance,
    };
    let mut set = RuleSet::new(target, features, rules, precision, confidence);
    set.certification.scope = if per_rule { Scope::Rule } else { Scope::Set };
    set
}

fn dedup(items: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    items
        .into_iter()
        .filter(|i| seen.insert(i.clone()))
        .collect()
}

/// A condition on `feature` from `pick`, of a kind the feature allows.
fn condition(feature: &Feature, pick: &CondPick) -> Condition {
    let name = feature.name.clone();
    if pick.missing && feature.nullable {
        return Condition::Missing { feature: name };
    }
    match &feature.kind {
        FeatureKind::Numeric => Condition::Cmp {
            feature: name,
            op: [CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Ge][usize::from(pick.op % 4)],
            value: pick.value,
        },
        FeatureKind::Boolean => Condition::Is {
            feature: name,
            value: pick.flag,
        },
        FeatureKind::Categorical { categories } => {
            let mut values: Vec<String> = categories
                .iter()
                .zip(pick.mask.iter().cycle())
                .filter(|(_, keep)| **keep)
                .map(|(c, _)| c.clone())
                .collect();
            if values.is_empty() {
                match categories.get(usize::from(pick.op) % categories.len().max(1)) {
                    Some(c) => values.push(c.clone()),
                    // Columns without categories are nullable (see `build`).
                    None => return Condition::Missing { feature: name },
                }
            }
            values.sort();
            if pick.flag {
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
