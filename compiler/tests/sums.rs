//! Sums of columns: where the outcome follows a total (three charges added
//! up) or a difference (a length less a depth), the candidate trees cut
//! it, the certified rules test it, and every backend decides such a rule
//! as the interpreter does: the generated crate, and the SQL evidence
//! query run by polars. `--no-sums` keeps rules to one column at a time.

use std::path::Path;

use rulec_runtime::ir::Condition;
use rulec_runtime::RuleSet;

mod common;
use common::{applied_rules, build_crate, parity_decisions, rulec};

/// Rows where `churn` is `yes` exactly when `day + eve + night > 75`, but
/// for one row in 50 whose label is flipped; `calls` and `plan` are noise,
/// and `eve` is missing in one row of 40.
fn bill_csv(rows: usize) -> String {
    three_columns_csv(rows, ["day", "eve", "night"], |a, b, c| a + b + c > 75.0)
}

/// Rows of three numeric columns named `names` (0 to 40 in steps of 0.1;
/// the second missing in one row of 40), `calls` and `plan` (noise), and
/// `churn`: `yes` exactly where `holds`, but for one row in 50 whose label
/// is flipped.
fn three_columns_csv(rows: usize, names: [&str; 3], holds: fn(f64, f64, f64) -> bool) -> String {
    let mut state: u64 = 0x5eed;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut csv = format!("{},calls,plan,churn\n", names.join(","));
    for i in 0..rows {
        let (day, eve, night) = (
            (next() * 400.0).round() / 10.0,
            (next() * 400.0).round() / 10.0,
            (next() * 400.0).round() / 10.0,
        );
        let calls = (next() * 9.0) as u32;
        let plan = if next() < 0.3 { "intl" } else { "basic" };
        let mut churn = holds(day, eve, night);
        if next() < 0.02 {
            churn = !churn;
        }
        let eve_text = if i % 40 == 7 {
            String::new()
        } else {
            eve.to_string()
        };
        csv.push_str(&format!(
            "{day},{eve_text},{night},{calls},{plan},{}\n",
            if churn { "yes" } else { "no" }
        ));
    }
    csv
}

fn compile(dir: &Path, out: &str, extra: &[&str]) -> (RuleSet, serde_json::Value) {
    compile_file(dir, "bill.csv", out, extra)
}

fn compile_file(dir: &Path, file: &str, out: &str, extra: &[&str]) -> (RuleSet, serde_json::Value) {
    let mut args = vec![
        "compile", file, "--target", "churn", "--seed", "0", "--out", out, "--quiet",
    ];
    args.extend_from_slice(extra);
    rulec(dir, &args);
    let set =
        RuleSet::from_json(&std::fs::read_to_string(dir.join(out).join("rules.json")).unwrap())
            .unwrap();
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(out).join("report.json")).unwrap())
            .unwrap();
    (set, report)
}

fn sums(set: &RuleSet) -> Vec<Vec<String>> {
    set.rules
        .iter()
        .flat_map(|r| &r.conditions)
        .filter_map(|c| match c {
            Condition::Sum { features, .. } => {
                let mut f = features.clone();
                f.sort();
                Some(f)
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_total_is_learnt_as_a_sum_and_every_backend_decides_it_alike() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let csv = bill_csv(6000);
    std::fs::write(d.join("bill.csv"), &csv).unwrap();

    let (set, report) = compile(d, "with", &[]);
    let found = sums(&set);
    assert!(
        !found.is_empty() && found.iter().all(|f| f == &["day", "eve", "night"]),
        "the rules should test day + eve + night: {found:?} in\n{set}"
    );
    let coverage = report["coverage"].as_f64().unwrap();
    let precision = report["covered_precision"].as_f64().unwrap();
    assert!(precision >= 0.95, "covered test precision {precision}");

    assert!(coverage > 0.5, "test coverage {coverage}");

    let (plain, _) = compile(d, "plain", &["--no-sums"]);
    assert!(sums(&plain).is_empty(), "--no-sums: {plain}");
    // A forbidden column is no term of a sum either.
    let (forbidden, _) = compile(d, "forbid", &["--forbid", "eve"]);
    assert!(
        sums(&forbidden)
            .iter()
            .all(|f| !f.contains(&"eve".to_string())),
        "--forbid eve: {forbidden}"
    );
    let book = std::fs::read_to_string(d.join("plain/RULEBOOK.md")).unwrap();
    assert!(book.contains("sums"), "the options list says --no-sums");

    // The interpreter, the generated crate and the SQL query agree on
    // every row, the rows with a missing term included.
    let applied = rulec(d, &["apply", "with/rules.json", "bill.csv"]);
    let interpreted = applied_rules(&String::from_utf8(applied.stdout).unwrap());
    let binary = build_crate(&d.join("with/crate"), "rulec-sums-crates-target");
    let generated = parity_decisions(&binary, &set, &csv);
    assert_eq!(generated, interpreted);
    assert!(interpreted.iter().any(|r| r == "-"));
    assert_eq!(
        evidence(d, "bill.csv", "with/rules.json", "sql"),
        evidence(d, "bill.csv", "with/rules.json", "rust")
    );
}

/// `rulec validate --json` of `rules` on `data` with `engine`, less the
/// engine's name.
fn evidence(dir: &Path, data: &str, rules: &str, engine: &str) -> serde_json::Value {
    let out = rulec(
        dir,
        &[
            "validate", data, "--rules", rules, "--engine", engine, "--json",
        ],
    );
    let mut figures: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    figures["engine"] = serde_json::Value::Null;
    figures
}

/// The terms of every sum the rules test: (added, subtracted).
fn signed_sums(set: &RuleSet) -> Vec<(Vec<String>, Vec<String>)> {
    set.rules
        .iter()
        .flat_map(|r| &r.conditions)
        .filter_map(|c| match c {
            Condition::Sum {
                features, minus, ..
            } => Some((features.clone(), minus.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn a_margin_is_learnt_as_a_difference_and_every_backend_decides_it_alike() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // `yes` where the length exceeds the depth by more than 5: no single
    // column tells, their difference does.
    let csv = three_columns_csv(6000, ["length", "depth", "weight"], |l, d, _| l - d > 5.0);
    std::fs::write(d.join("margin.csv"), &csv).unwrap();
    let (set, report) = compile_file(d, "margin.csv", "out", &[]);
    let found = signed_sums(&set);
    let expected = (vec!["length".to_string()], vec!["depth".to_string()]);
    assert!(
        !found.is_empty() && found.iter().all(|f| *f == expected),
        "the rules should test length - depth: {found:?} in\n{set}"
    );
    assert!(set.to_string().contains("length - depth"), "{set}");
    let precision = report["covered_precision"].as_f64().unwrap();
    assert!(precision >= 0.95, "covered test precision {precision}");
    assert!(report["coverage"].as_f64().unwrap() > 0.5, "{report}");
    // The file says it needs a rulec that reads differences.
    let text = std::fs::read_to_string(d.join("out/rules.json")).unwrap();
    assert!(text.contains("\"schema_version\": 2,"), "{text}");
    let book = std::fs::read_to_string(d.join("out/RULEBOOK.md")).unwrap();
    assert!(
        book.contains("length - depth"),
        "the rule book says the difference"
    );

    let applied = rulec(d, &["apply", "out/rules.json", "margin.csv"]);
    let interpreted = applied_rules(&String::from_utf8(applied.stdout).unwrap());
    // A target folder of its own: the two tests' crates build at once.
    let binary = build_crate(&d.join("out/crate"), "rulec-differences-crates-target");
    assert_eq!(parity_decisions(&binary, &set, &csv), interpreted);
    assert!(interpreted.iter().any(|r| r == "-"));
    assert_eq!(
        evidence(d, "margin.csv", "out/rules.json", "sql"),
        evidence(d, "margin.csv", "out/rules.json", "rust")
    );
}
