//! Sums of columns: where the outcome follows a total (three charges added
//! up), the candidate trees cut the sum, the certified rules test it, and
//! every backend decides such a rule as the interpreter does: the generated
//! crate, and the SQL evidence query run by polars. `--no-sums` keeps rules
//! to one column at a time.

use std::path::Path;

use rulec_runtime::ir::Condition;
use rulec_runtime::RuleSet;

mod common;
use common::{applied_rules, build_crate, parity_decisions, rulec};

/// Rows where `churn` is `yes` exactly when `day + eve + night > 75`, but
/// for one row in 50 whose label is flipped; `calls` and `plan` are noise,
/// and `eve` is missing in one row of 40.
fn bill_csv(rows: usize) -> String {
    let mut state: u64 = 0x5eed;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut csv = String::from("day,eve,night,calls,plan,churn\n");
    for i in 0..rows {
        let (day, eve, night) = (
            (next() * 400.0).round() / 10.0,
            (next() * 400.0).round() / 10.0,
            (next() * 400.0).round() / 10.0,
        );
        let calls = (next() * 9.0) as u32;
        let plan = if next() < 0.3 { "intl" } else { "basic" };
        let mut churn = day + eve + night > 75.0;
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
    let mut args = vec![
        "compile", "bill.csv", "--target", "churn", "--seed", "0", "--out", out, "--quiet",
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
    let evidence = |engine: &str| {
        let out = rulec(
            d,
            &[
                "validate",
                "bill.csv",
                "--rules",
                "with/rules.json",
                "--engine",
                engine,
                "--json",
            ],
        );
        let mut figures: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        figures["engine"] = serde_json::Value::Null;
        figures
    };
    assert_eq!(evidence("sql"), evidence("rust"));
}
