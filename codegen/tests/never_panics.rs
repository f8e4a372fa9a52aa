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
mod never_panics_cases;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::hex;
use never_panics_cases::{rows, rule_set, Field};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{RngAlgorithm, TestRng, TestRunner};
use rulec_codegen::rust::emit_crate;
use rulec_runtime::ir::{Feature, FeatureKind, RuleSet};
use rulec_runtime::{Cell, Evaluator};

/// Rule sets (proptest cases) by default; `RULEC_PROPTEST_CASES` overrides.
const DEFAULT_CASES: usize = 256;
/// Rule sets per batch, that is per built crate.
const SETS_PER_BATCH: usize = 32;
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

/// The interpreter's cell for a field, as the parity driver decodes it: in
/// a nullable column a text `rulec apply` reads as missing (the empty field,
/// `NA`, `NaN`, ...) is missing; a number is Rust's parse of the text
/// without the spaces around it, or NaN when it does not parse (the empty
/// field of a column that is not nullable included); a category is its
/// code, or unknown.
fn interpreter_cell(eval: &Evaluator, col: usize, feature: &Feature, field: &Field) -> Cell {
    let text = field.text();
    if feature.nullable && rulec_runtime::eval::MISSING_MARKERS.contains(&text) {
        return Cell::Missing;
    }
    match feature.kind {
        FeatureKind::Numeric => Cell::Num(text.trim().parse().unwrap_or(f64::NAN)),
        FeatureKind::Boolean => Cell::Bool(text == "true"),
        FeatureKind::Categorical { ref categories } => {
            // A column of codes (every category a number): a number written
            // another way is the category written as its number reads
            // (`7.0` is `7`), as `rulec apply` and the crate read it.
            let code = eval.category_code(col, text);
            let codes = !categories.is_empty()
                && categories.iter().all(|c| c.trim().parse::<f64>().is_ok());
            match text.trim().parse::<f64>() {
                Ok(x)
                    if code == rulec_runtime::eval::UNKNOWN_CATEGORY && codes && x.is_finite() =>
                {
                    let canonical = if x.fract() == 0.0 && x.abs() < 1e15 {
                        format!("{}", x as i64)
                    } else {
                        format!("{x}")
                    };
                    Cell::Cat(eval.category_code(col, &canonical))
                }
                _ => Cell::Cat(code),
            }
        }
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
