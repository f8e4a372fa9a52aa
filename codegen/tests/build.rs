//! Generated crates build with Cargo (offline, no dependencies), pass
//! `cargo clippy -- -D warnings` and `rustfmt --check`, and their parity
//! example decides exactly as the interpreter on rows that hit every rule,
//! sit exactly on and next to every threshold, and hold NaN, infinities,
//! missing values and unknown categories.

mod common;

use common::{
    boolean, build_and_check, cat, cmp, in_set, is, missing, not_in, num, rule, rule_set, Checks,
    Value,
};
use rulec_runtime::ir::CmpOp;
use rulec_runtime::Evaluator;

const ALL_CHECKS: Checks = Checks {
    clippy: true,
    rustfmt: true,
    doc: true,
};

#[test]
fn shipping_crate_matches_the_interpreter() {
    let set = common::shipping();
    let mut rows = common::rows(&set, 30_000, 7);
    // One row per rule, written by hand, so every rule is hit even if the
    // sampled rows were to miss one.
    let cat = |s: &str| Value::Cat(s.to_string());
    rows.extend([
        vec![
            Value::Num(10.0),
            Value::Num(1.0),
            cat("east"),
            Value::Bool(false),
            Value::Missing,
            cat("dhl"),
        ],
        vec![
            Value::Num(10.0),
            Value::Num(70.5),
            cat("south"),
            Value::Bool(false),
            Value::Missing,
            cat("dhl"),
        ],
        vec![
            Value::Num(10.0),
            Value::Missing,
            cat("west"),
            Value::Bool(true),
            Value::Missing,
            cat("dhl"),
        ],
        vec![
            Value::Num(2500.5),
            Value::Num(10.0),
            cat("west"),
            Value::Bool(false),
            Value::Bool(true),
            cat("dhl"),
        ],
        vec![
            Value::Num(-0.0),
            Value::Num(10.0),
            cat("west"),
            Value::Bool(false),
            Value::Bool(false),
            cat("ups"),
        ],
        vec![
            Value::Num(10.0),
            Value::Num(10.0),
            cat("west"),
            Value::Bool(false),
            Value::Bool(false),
            Value::Missing,
        ],
    ]);
    assert_every_rule_fires(&set, &rows);
    let set = common::with_examples(set, &rows, 3);
    build_and_check(&set, "shipping", &rows, ALL_CHECKS);
}

/// A rule that can never fire, a rule that covers every row (and one after
/// it that is unreachable), a categorical column without categories,
/// single-value sets. (Duplicate classes and categories, and `is missing` on
/// a column without missing values, are refused by `RuleSet::check` since
/// 31a1631, so they are no longer cases here.)
#[test]
fn edge_cases_match_the_interpreter() {
    let set = edge_set();
    let rows = common::rows(&set, 30_000, 11);
    build_and_check(&set, "edges", &rows, ALL_CHECKS);
}

fn edge_set() -> rulec_runtime::RuleSet {
    rule_set(
        "label",
        &["no", "yes"],
        vec![
            num("x", false),
            num("y", true),
            cat("c", false, &["a", "b"]),
            cat("d", true, &[]),
            cat("e", true, &["p", "q"]),
            boolean("f", false),
        ],
        vec![
            rule("never_outside_all", vec![not_in("e", &["p", "q"])], "yes"),
            rule(
                "single_values",
                vec![in_set("c", &["a"]), in_set("e", &["q"])],
                "yes",
            ),
            rule("not_b", vec![not_in("c", &["b"]), is("f", true)], "no"),
            rule(
                "negative_zero",
                vec![cmp("y", CmpOp::Le, -0.0), cmp("x", CmpOp::Gt, -5e-324)],
                "yes",
            ),
            rule("no_d", vec![missing("d"), cmp("x", CmpOp::Ge, 1e21)], "yes"),
            rule("covers_all", vec![], "no"),
            rule("unreachable", vec![is("f", false)], "yes"),
        ],
    )
}

/// A range shrunk to one point (`x <= v and x >= v`, either order, the
/// smallest subnormal included) is one equality in `decide`, which clippy
/// asks for (`double_comparisons`, found by the hostile proptest); nullable
/// columns keep their two guarded tests.
#[test]
fn a_range_of_one_point_builds_clippy_clean() {
    let set = rule_set(
        "t",
        &["a", "b"],
        vec![num("x", false), num("y", false), num("z", true)],
        vec![
            rule(
                "point",
                vec![cmp("x", CmpOp::Le, 5e-324), cmp("x", CmpOp::Ge, 5e-324)],
                "a",
            ),
            rule(
                "point_reversed",
                vec![
                    cmp("y", CmpOp::Ge, 2.5),
                    cmp("x", CmpOp::Gt, 1.0),
                    cmp("y", CmpOp::Le, 2.5),
                ],
                "b",
            ),
            rule(
                "nullable_point",
                vec![cmp("z", CmpOp::Le, 1.0), cmp("z", CmpOp::Ge, 1.0)],
                "a",
            ),
        ],
    );
    let rows = common::rows(&set, 2000, 5);
    build_and_check(&set, "one_point", &rows, ALL_CHECKS);
}

/// No columns and no rules: every row is the fallback's.
#[test]
fn empty_rule_set_builds() {
    let set = rule_set("t", &["a", "b"], vec![], vec![]);
    let rows = vec![vec![]; 3];
    build_and_check(&set, "empty", &rows, ALL_CHECKS);
}

/// Exactly one rule: rustfmt lays a one-element table out differently.
/// The threshold is close to pi on purpose: clippy must not reject it in
/// the generated crate.
#[test]
#[allow(clippy::approx_constant)]
fn single_rule_builds() {
    let set = rule_set(
        "t",
        &["a", "b"],
        vec![num("v", false)],
        vec![rule("only", vec![cmp("v", CmpOp::Lt, 3.14)], "b")],
    );
    let rows = common::rows(&set, 1000, 3);
    build_and_check(&set, "single", &rows, ALL_CHECKS);
}

fn assert_every_rule_fires(set: &rulec_runtime::RuleSet, rows: &[Vec<Value>]) {
    let eval = Evaluator::new(set).unwrap();
    let mut fired = vec![false; set.rules.len()];
    for row in rows {
        let (_, cells) = common::encode(set, &eval, row);
        if let Some(hit) = eval.decide(&cells).unwrap() {
            fired[hit.rule_idx] = true;
        }
    }
    for (rule, fired) in set.rules.iter().zip(fired) {
        assert!(fired, "no test row is decided by `{}`", rule.name);
    }
}

/// `rules.rs` alone works as a module of another crate, one with `std`,
/// private and used in part without a warning (28 `dead_code` warnings
/// failed a `-D warnings` build of a service that called only `decide`),
/// clippy's pedantic group included (238 warnings on a service that lints
/// its own code with it: literals without separators, `must_use`).
#[test]
fn rules_rs_works_as_a_module() {
    let generated = rulec_codegen::emit_crate(&common::shipping(), "x").unwrap();
    let dir = common::crate_dir("host");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let files = [
        (
            "Cargo.toml",
            "[package]\nname = \"rulec-test-host\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
        ),
        (
            "src/lib.rs",
            "//! Host.\n\nmod rules;\n\n/// Uses them.\n#[must_use]\npub fn n_rules() -> usize {\n    rules::RULES.len()\n}\n",
        ),
        ("src/rules.rs", generated.file("src/rules.rs").unwrap()),
    ];
    for (path, text) in files {
        std::fs::write(dir.join(path), text).unwrap();
    }
    common::run_cargo_with(
        &dir,
        &["build", "--offline", "--quiet"],
        &[("RUSTFLAGS", "-D warnings -D missing_docs")],
    );
    common::run_cargo_with(
        &dir,
        &[
            "clippy",
            "--offline",
            "--quiet",
            "--",
            "-D",
            "warnings",
            "-D",
            "clippy::pedantic",
        ],
        &[],
    );
}

/// `decide_batch` on all rows at once gives what the interpreter gives, and
/// so does `decide` (which the parity driver checks against `decide_batch`
/// row by row): on the shipping and edge-case sets, on 150 rules (three mask
/// words, a column with more than 16 thresholds, so the binary search) and
/// on a set whose only live rule covers every row. See: #8
#[test]
fn decide_batch_matches_decide_and_the_interpreter() {
    let cases = [
        ("shipping", common::shipping()),
        ("edges", edge_set()),
        ("wide", wide_set(150, 5)),
        ("wide-64", wide_set(64, 9)),
        (
            "all-after-never",
            rule_set(
                "t",
                &["a", "b"],
                vec![num("v", false), cat("k", false, &["p"])],
                vec![
                    rule("never", vec![not_in("k", &["p"])], "a"),
                    rule("all", vec![], "b"),
                ],
            ),
        ),
    ];
    for (case, set) in cases {
        let rows = common::rows(&set, 20_000, 13);
        let exe = build_release_parity(&set, &format!("batch-{case}"));
        for args in [&["--with-decision"][..], &["--with-decision", "--batch"]] {
            let got = run_parity(&exe, args, &set, &rows);
            let want = interpreter_lines(&set, &rows);
            assert_eq!(got.len(), want.len(), "{case} {args:?}: one line per row");
            for (i, (got, want)) in got.iter().zip(&want).enumerate() {
                assert_eq!(got, want, "{case} {args:?}: row {i} {:?}", rows[i]);
            }
        }
    }
}

/// `n` rules over the shipping columns, drawn from a fixed seed: numeric
/// thresholds from a pool of 40 (so more than 16 per column), categories,
/// booleans and missing values.
fn wide_set(n: usize, seed: u64) -> rulec_runtime::RuleSet {
    let base = common::shipping();
    let mut state = seed;
    let mut draw = |k: usize| (common::splitmix(&mut state) % k as u64) as usize;
    let pool: Vec<f64> = (0..40).map(|i| f64::from(i) * 12.5 - 100.0).collect();
    let ops = [CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Ge];
    let zones = ["east", "north", "south", "west"];
    let hints = ["dhl", "fedex", "ups"];
    let classes = ["A", "B", "C"];
    let rules = (0..n)
        .map(|i| {
            let conditions = (0..1 + draw(3))
                .map(|_| match draw(8) {
                    0 | 1 => cmp("distance_mi", ops[draw(4)], pool[draw(pool.len())]),
                    2 | 3 => cmp("weight_lb", ops[draw(4)], pool[draw(pool.len())]),
                    4 => in_set("zone", &[zones[draw(4)], zones[draw(4)]]),
                    5 => not_in("carrier_hint", &[hints[draw(3)]]),
                    6 => is("fragile", draw(2) == 0),
                    _ => missing("weight_lb"),
                })
                .collect();
            rule(&format!("r{i}"), conditions, classes[draw(3)])
        })
        .collect();
    rule_set("cheapest_shipper", &["A", "B", "C"], base.features, rules)
}

/// Builds the parity example of `set` in release, in a target dir of its
/// own (other tests build other crates' `parity` into the shared one).
fn build_release_parity(set: &rulec_runtime::RuleSet, case: &str) -> std::path::PathBuf {
    let generated = rulec_codegen::emit_crate(set, &format!("rulec-test-{case}")).unwrap();
    let dir = common::crate_dir(case);
    generated.write_to(&dir).unwrap();
    let target = common::target_dir().join(case);
    let out = std::process::Command::new(common::cargo())
        .args(["build", "--offline", "--quiet", "--release", "--examples"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "{case}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    target.join("release/examples/parity")
}

fn run_parity(
    exe: &std::path::Path,
    args: &[&str],
    set: &rulec_runtime::RuleSet,
    rows: &[Vec<Value>],
) -> Vec<String> {
    use std::io::Write;
    let eval = Evaluator::new(set).unwrap();
    let mut input = String::new();
    for row in rows {
        input.push_str(&common::encode(set, &eval, row).0);
        input.push('\n');
    }
    let mut child = std::process::Command::new(exe)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the parity example runs");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "parity {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn interpreter_lines(set: &rulec_runtime::RuleSet, rows: &[Vec<Value>]) -> Vec<String> {
    let eval = Evaluator::new(set).unwrap();
    rows.iter()
        .map(|row| {
            let (_, cells) = common::encode(set, &eval, row);
            match eval.decide(&cells).unwrap() {
                Some(hit) => format!(
                    "{}\t{}",
                    set.rules[hit.rule_idx].name,
                    common::hex(&set.target.classes[hit.class_idx])
                ),
                None => "-".to_string(),
            }
        })
        .collect()
}

/// Two crates of one name with other rules, in two folders, both written
/// and then built one after the other into one target folder: each runs
/// its own rules. With one version for both, Cargo took the second build
/// as fresh and ran the first crate's rules (a retrained crate built in CI
/// beside the one it replaces); the version's build metadata is now the
/// rule set's fingerprint.
#[test]
fn two_crates_of_one_name_build_their_own_rules() {
    let set = |decision: &str| {
        rule_set(
            "t",
            &["a", "b"],
            vec![num("v", false)],
            vec![rule("only", vec![cmp("v", CmpOp::Lt, 3.0)], decision)],
        )
    };
    let sets = [(set("a"), "same_name_a"), (set("b"), "same_name_b")];
    let rows = common::rows(&sets[0].0, 200, 5);
    for (set, case) in &sets {
        let generated = rulec_codegen::emit_crate(set, "rulec-test-same-name").unwrap();
        generated.write_to(&common::crate_dir(case)).unwrap();
    }
    let _guard = common::CARGO_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    for (set, case) in &sets {
        common::run_cargo(
            &common::crate_dir(case),
            &["build", "--offline", "--quiet", "--examples"],
        );
        let exe = common::target_dir().join("debug/examples/parity");
        common::check_parity(set, &exe, &rows);
    }
}

/// The crate's test of the book's example rows fails where `decide` does
/// not decide a row by the rule the book lists it under: here a crate
/// whose first rule's hits were edited to name another rule.
#[test]
fn the_book_examples_test_fails_on_a_wrong_decision() {
    let set = common::shipping();
    let rows = common::rows(&set, 3000, 7);
    let set = common::with_examples(set, &rows, 3);
    let first = set.rules[0].name.clone();
    assert!(
        !set.rules[0].evidence.as_ref().unwrap().examples.is_empty(),
        "the first rule has example rows"
    );
    let generated = rulec_codegen::emit_crate(&set, "rulec-test-broken-examples").unwrap();
    let test = generated.file("tests/book_examples.rs").unwrap();
    assert!(test.contains(&format!("\n{first}\\t")), "{test}");
    let dir = common::crate_dir("broken-examples");
    generated.write_to(&dir).unwrap();
    // The first `rule: RuleId::..` after `pub fn decide(` is the first
    // rule's hit; make it name the second rule.
    let rules_rs = generated.file("src/rules.rs").unwrap();
    const HIT: &str = "rule: RuleId::";
    let id_at = |from: usize| {
        let at = from + rules_rs[from..].find(HIT).unwrap() + HIT.len();
        (at, at + rules_rs[at..].find(',').unwrap())
    };
    let (at, end) = id_at(rules_rs.find("pub fn decide(").unwrap());
    let (next_at, next_end) = id_at(end);
    assert_ne!(rules_rs[at..end], rules_rs[next_at..next_end]);
    let broken = format!(
        "{}{}{}",
        &rules_rs[..at],
        &rules_rs[next_at..next_end],
        &rules_rs[end..]
    );
    std::fs::write(dir.join("src/rules.rs"), broken).unwrap();
    let _guard = common::CARGO_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let out = std::process::Command::new(env!("CARGO"))
        .args(["test", "--offline", "--quiet"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", common::target_dir())
        .output()
        .unwrap();
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("each_example_row_is_decided_by_its_rule"),
        "{said}"
    );
    assert!(said.contains(&format!("Some(\"{first}\")")), "{said}");
}

/// Example rows whose values hold a tab, a line break, a carriage return,
/// a backslash or a quote are in the crate's test of the book's rows too
/// (they were left out), and decided there as the interpreter decides them.
#[test]
fn example_rows_with_tabs_and_line_breaks_are_tested() {
    // Sorted, as a schema's categories are.
    let odd = [
        "back\\slash",
        "cr\rhere",
        "end ",
        "line\nbreak",
        "quote\"d",
        "tab\there",
    ];
    let set = rule_set(
        "t",
        &["a", "b"],
        vec![cat("k", true, &odd), num("v", false)],
        odd.iter()
            .enumerate()
            .map(|(i, c)| rule(&format!("r{i}"), vec![in_set("k", &[c])], "a"))
            .collect(),
    );
    let rows: Vec<Vec<Value>> = (0..60)
        .map(|i| {
            vec![
                Value::Cat(odd[i % odd.len()].to_string()),
                Value::Num(i as f64),
            ]
        })
        .collect();
    let set = common::with_examples(set, &rows, 2);
    let generated = rulec_codegen::emit_crate(&set, "rulec-test-odd-examples").unwrap();
    let test = generated.file("tests/book_examples.rs").unwrap();
    for i in 0..odd.len() {
        assert_eq!(
            test.matches(&format!("\nr{i}\\t")).count(),
            2,
            "r{i}: {test}"
        );
    }
    assert!(test.contains("tab\\\\there"), "{test}");
    build_and_check(&set, "odd-examples", &rows, ALL_CHECKS);
}

/// The crate's documentation shows how to call it: the book's first
/// example row written as an `Input` (a missing value `None`, a nullable
/// column's value in `Some`, a category outside the known ones the unknown
/// variant, a column named as a prelude item kept off it), decided by
/// `decide` as the book lists it. `cargo test` runs it as a doctest.
#[test]
fn the_crate_documentation_decides_an_example_row() {
    let set = rule_set(
        "t",
        &["a", "b"],
        vec![
            num("v", true),
            cat("some", true, &["x", "y\"q"]),
            boolean("on", false),
            cat("zone", false, &["n", "s"]),
        ],
        vec![
            rule("first", vec![missing("v"), is("on", true)], "b"),
            rule("second", vec![cmp("v", CmpOp::Lt, 2.5)], "a"),
        ],
    );
    let rows = vec![
        vec![
            Value::Missing,
            Value::Missing,
            Value::Bool(true),
            Value::Cat("elsewhere".into()),
        ],
        vec![
            Value::Num(-1.25),
            Value::Cat("y\"q".into()),
            Value::Bool(false),
            Value::Cat("s".into()),
        ],
    ];
    let set = common::with_examples(set, &rows, 1);
    let generated = rulec_codegen::emit_crate(&set, "rulec-test-doc-example").unwrap();
    let lib = generated.file("src/lib.rs").unwrap();
    let expected = [
        "//! The rule book's first example row of rule `first`, which decides it:",
        "//! use rulec_test_doc_example::*;",
        "//!     v: None,",
        "//!     some: None,",
        "//!     on: true,",
        "//!     zone: Zone::Unknown,",
        "//! let hit = decide(&input).expect(\"a rule covers this row\");",
        "//! assert_eq!(hit.rule, RuleId::First);",
        "//! assert_eq!(hit.decision, T::B);",
    ];
    for line in expected {
        assert!(lib.lines().any(|l| l == line), "{line}\n{lib}");
    }
    // The column `some` is not the prelude's `Some`.
    assert!(!generated
        .file("src/rules.rs")
        .unwrap()
        .contains("pub enum Some "));
    build_and_check(&set, "doc-example", &rows, ALL_CHECKS);
    // The doctest ran, and passed.
    let _guard = common::CARGO_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let out = std::process::Command::new(env!("CARGO"))
        .args(["test", "--offline", "--doc"])
        .current_dir(common::crate_dir("doc-example"))
        .env("CARGO_TARGET_DIR", common::target_dir())
        .output()
        .unwrap();
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("test result: ok. 1 passed"), "{said}");

    // Without the first rule's example, the second rule's row: a value of a
    // nullable column in `Some`, a known category by its variant.
    let mut set = set;
    set.rules[0].evidence.as_mut().unwrap().examples.clear();
    let lib = rulec_codegen::emit_crate(&set, "rulec-test-doc-example")
        .unwrap()
        .file("src/lib.rs")
        .unwrap()
        .to_string();
    for line in [
        "//!     v: Some(-1.25),",
        "//!     on: false,",
        "//!     zone: Zone::S,",
        "//! assert_eq!(hit.rule, RuleId::Second);",
        "//! assert_eq!(hit.decision, T::A);",
    ] {
        assert!(lib.lines().any(|l| l == line), "{line}\n{lib}");
    }
    assert!(lib.contains("//!     some: Some(Some"), "{lib}");
}
