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
    build_and_check(&set, "shipping", &rows, ALL_CHECKS);
}

/// A rule that can never fire, a rule that covers every row (and one after
/// it that is unreachable), a categorical column without categories,
/// single-value sets. (Duplicate classes and categories, and `is missing` on
/// a column without missing values, are refused by `RuleSet::check` since
/// 31a1631, so they are no longer cases here.)
#[test]
fn edge_cases_match_the_interpreter() {
    let set = rule_set(
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
    );
    let rows = common::rows(&set, 30_000, 11);
    build_and_check(&set, "edges", &rows, ALL_CHECKS);
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

/// `rules.rs` alone works as a module of another crate, one with `std`.
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
            "//! Host.\n\n/// The rules.\npub mod rules;\n\n/// Uses them.\npub fn n_rules() -> usize {\n    rules::RULES.len()\n}\n",
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
}
