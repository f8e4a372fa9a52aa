//! End to end: `rulec demo` compiles the built-in shipping data; the
//! generated crate builds with cargo, offline; it decides every row exactly
//! as the interpreter (`rulec apply`) does; and the planted shortcut is
//! recovered.

use std::path::Path;

use rulec_runtime::ir::{CmpOp, Condition};
use rulec_runtime::RuleSet;

mod common;
use common::{applied_rules, build_crate, parity_decisions, rulec};

/// Builds the generated crate with its parity example.
pub fn build_generated(crate_dir: &Path) -> std::path::PathBuf {
    build_crate(crate_dir, "rulec-generated-crates-target")
}

#[test]
fn demo_builds_a_crate_that_agrees_with_the_interpreter() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    rulec(d, &["demo", "--out", "out", "--quiet"]);
    for f in [
        "rules.json",
        "RULEBOOK.md",
        "report.json",
        "crate/Cargo.toml",
        "crate/src/lib.rs",
        "crate/src/rules.rs",
    ] {
        assert!(d.join("out").join(f).is_file(), "missing out/{f}");
    }
    let set =
        RuleSet::from_json(&std::fs::read_to_string(d.join("out/rules.json")).unwrap()).unwrap();

    // The same data the demo compiled, by the same generator and seed.
    rulec(
        d,
        &[
            "dataset", "shipping", "--rows", "200000", "--seed", "0", "--out", "data.csv",
        ],
    );
    let csv = std::fs::read_to_string(d.join("data.csv")).unwrap();
    let prov = set.provenance.as_ref().unwrap();
    use sha2::Digest;
    let sha: String = sha2::Sha256::digest(csv.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        prov.data_sha256, sha,
        "dataset command and demo disagree on the data"
    );

    // The interpreter's decision for every row.
    let applied = rulec(d, &["apply", "out/rules.json", "data.csv"]);
    let applied = String::from_utf8(applied.stdout).unwrap();
    assert_eq!(applied.lines().next(), Some("row,decision,rule"));
    let interpreted = applied_rules(&applied);
    assert_eq!(interpreted.len(), 200_000);

    // The generated crate's decision for every row.
    let binary = build_generated(&d.join("out/crate"));
    let generated = parity_decisions(&binary, &set, &csv);
    assert_eq!(generated.len(), interpreted.len());
    let mismatches: Vec<usize> = (0..generated.len())
        .filter(|&i| generated[i] != interpreted[i])
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} rows differ, first at row {}",
        mismatches.len(),
        mismatches[0] + 1
    );
    assert!(
        interpreted.iter().any(|r| r != "-"),
        "some rows must be covered"
    );

    // The planted shortcut: distance_mi < 50 and weight_lb < 5 => B.
    let shortcut = set.rules.iter().find(|r| {
        r.decision == "B"
            && r.conditions.iter().any(|c| matches!(c, Condition::Cmp { feature, op: CmpOp::Lt, value } if feature == "distance_mi" && (45.0..=55.0).contains(value)))
            && r.conditions.iter().any(|c| matches!(c, Condition::Cmp { feature, op: CmpOp::Lt, value } if feature == "weight_lb" && (4.5..=5.5).contains(value)))
    });
    let shortcut = shortcut.unwrap_or_else(|| panic!("no short-and-light rule for B in:\n{set}"));
    let test = shortcut.evidence.as_ref().unwrap().test.as_ref().unwrap();
    assert!(
        test.support > 10_000,
        "the shortcut covers much traffic: {}",
        test.support
    );

    // Covered test precision reaches the asked precision.
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("out/report.json")).unwrap()).unwrap();
    let precision = report["covered_precision"].as_f64().unwrap();
    assert!(precision >= 0.95, "covered test precision {precision}");
    assert!(report["coverage"].as_f64().unwrap() > 0.25);
    for key in [
        "fidelity",
        "cascade_accuracy",
        "teacher_accuracy",
        "rules",
        "rows",
    ] {
        assert!(!report[key].is_null(), "report.json lacks {key}");
    }
    // The teacher alone as a selective classifier, for reference: its
    // threshold chosen on the validation rows, its figures on the test
    // rows, at the target there (40,000 validation rows).
    let alone = &report["teacher_threshold"];
    let tau = alone["threshold"].as_f64().unwrap();
    assert!(tau > 0.5 && tau <= 1.0, "{alone}");
    assert!(alone["coverage"].as_f64().unwrap() > 0.25, "{alone}");
    assert!(
        alone["covered_precision"].as_f64().unwrap() >= 0.95,
        "{alone}"
    );
    let valid = alone["validation_coverage"].as_f64().unwrap();
    assert!(
        (valid - alone["coverage"].as_f64().unwrap()).abs() < 0.05,
        "{alone}"
    );
}

#[test]
fn same_inputs_give_byte_identical_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Different thread counts too: the output must not depend on them.
    rulec(
        d,
        &[
            "demo",
            "--rows",
            "20000",
            "--out",
            "a",
            "-q",
            "--no-cache",
            "--threads",
            "1",
        ],
    );
    rulec(
        d,
        &[
            "demo",
            "--rows",
            "20000",
            "--out",
            "b",
            "-q",
            "--no-cache",
            "--threads",
            "2",
        ],
    );
    for f in [
        "rules.json",
        "RULEBOOK.md",
        "report.json",
        "crate/src/rules.rs",
        "crate/Cargo.toml",
    ] {
        let a = std::fs::read(d.join("a").join(f)).unwrap();
        let b = std::fs::read(d.join("b").join(f)).unwrap();
        assert!(a == b, "{f} differs between runs with 1 and 2 threads");
    }
    // A rerun into an existing output directory replaces it.
    rulec(
        d,
        &["demo", "--rows", "20000", "--seed", "1", "--out", "a", "-q"],
    );
    assert_ne!(
        std::fs::read(d.join("a/rules.json")).unwrap(),
        std::fs::read(d.join("b/rules.json")).unwrap()
    );
}

#[test]
fn user_split_without_test_rows_is_reported_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut csv = String::from("x,flag,y,part\n");
    for i in 0..1200 {
        let x = i % 100;
        let y = if x < 50 { "low" } else { "high" };
        let part = if i % 4 == 0 { "valid" } else { "train" };
        csv.push_str(&format!("{x},{},{y},{part}\n", i % 3 == 0));
    }
    std::fs::write(d.join("d.csv"), csv).unwrap();
    rulec(
        d,
        &[
            "compile",
            "d.csv",
            "--target",
            "y",
            "--split-column",
            "part",
            "--out",
            "out",
            "-q",
        ],
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("out/report.json")).unwrap()).unwrap();
    assert!(report["coverage"].is_null());
    assert!(report["note"].as_str().unwrap().contains("no test rows"));
    assert_eq!(report["rows"]["test"], 0);
    assert!(report["validation"]["coverage"].as_f64().unwrap() > 0.9);
    // The teacher's own threshold: its validation share, no test figure.
    let alone = &report["teacher_threshold"];
    assert!(
        alone["validation_coverage"].as_f64().unwrap() > 0.9,
        "{alone}"
    );
    assert!(alone["coverage"].is_null() && alone["covered_precision"].is_null());
    let book = std::fs::read_to_string(d.join("out/RULEBOOK.md")).unwrap();
    assert!(book.contains("no test rows"), "{book}");
}

#[test]
fn parquet_and_csv_give_the_same_rules() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    rulec(
        d,
        &[
            "dataset", "shipping", "--rows", "20000", "--seed", "3", "--out", "s.csv",
        ],
    );
    let mut df = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(d.join("s.csv")))
        .unwrap()
        .finish()
        .unwrap();
    let file = std::fs::File::create(d.join("s.parquet")).unwrap();
    ParquetWriter::new(file).finish(&mut df).unwrap();
    rulec(
        d,
        &[
            "compile",
            "s.csv",
            "--target",
            "cheapest_shipper",
            "--out",
            "from_csv",
            "-q",
        ],
    );
    rulec(
        d,
        &[
            "compile",
            "s.parquet",
            "--target",
            "cheapest_shipper",
            "--out",
            "from_parquet",
            "-q",
        ],
    );
    let load = |p: &str| {
        RuleSet::from_json(&std::fs::read_to_string(d.join(p).join("rules.json")).unwrap()).unwrap()
    };
    let (a, b) = (load("from_csv"), load("from_parquet"));
    assert!(!a.rules.is_empty());
    assert_eq!(a.rules, b.rules);
    assert_eq!(a.features, b.features);
    assert_eq!(b.provenance.unwrap().data_file, "s.parquet");
}

#[test]
fn rules_json_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    rulec(d, &["demo", "--rows", "20000", "--out", "out", "-q"]);
    let text = std::fs::read_to_string(d.join("out/rules.json")).unwrap();
    let set = RuleSet::from_json(&text).unwrap();
    assert_eq!(
        set.to_json(),
        text,
        "rules.json is written exactly as it reads back"
    );
    assert_eq!(RuleSet::from_json(&set.to_json()).unwrap(), set);
    // `rulec emit` from the file gives the crate `compile` wrote.
    rulec(d, &["emit", "out/rules.json", "--out", "emitted", "-q"]);
    for f in [
        "Cargo.toml",
        "src/lib.rs",
        "src/rules.rs",
        "examples/parity.rs",
    ] {
        let a = std::fs::read(d.join("out/crate").join(f)).unwrap();
        let b = std::fs::read(d.join("emitted").join(f)).unwrap();
        assert!(a == b, "{f} differs between compile and emit");
    }
}

#[test]
fn the_teacher_runs_once_and_its_cache_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let first = rulec(
        d,
        &[
            "demo",
            "--rows",
            "20000",
            "--cache-dir",
            "cache",
            "--out",
            "a",
        ],
    );
    assert!(!String::from_utf8_lossy(&first.stderr).contains("reusing"));
    // `-v` (no terminal here): the trees and then the labelling, which
    // takes most of the stage on large tables, as steps.
    let verbose = rulec(
        d,
        &["-v", "demo", "--rows", "20000", "--no-cache", "--out", "v"],
    );
    let err = String::from_utf8_lossy(&verbose.stderr);
    assert!(
        err.contains("  teach: forest trees: 50/50\n  teach: labelling rows: "),
        "{err}"
    );
    assert!(
        err.contains("  teach: labelling rows: 20000/20000\n"),
        "{err}"
    );
    let second = rulec(
        d,
        &[
            "demo",
            "--rows",
            "20000",
            "--cache-dir",
            "cache",
            "--out",
            "b",
        ],
    );
    assert!(String::from_utf8_lossy(&second.stderr).contains("cached; reusing them"));
    rulec(
        d,
        &["demo", "--rows", "20000", "--no-cache", "--out", "c", "-q"],
    );
    let read = |p: &str| std::fs::read(d.join(p).join("rules.json")).unwrap();
    assert!(
        read("a") == read("b") && read("b") == read("c"),
        "the cache changed the rules"
    );
    // Another precision reuses the labels too.
    let third = rulec(
        d,
        &[
            "demo",
            "--rows",
            "20000",
            "--precision",
            "0.9",
            "--cache-dir",
            "cache",
            "--out",
            "e",
        ],
    );
    assert!(String::from_utf8_lossy(&third.stderr).contains("reusing"));
}

/// The rule book's count of candidates is what the compile said it
/// ordered: the candidates proposed, and the rules over two of the order's
/// that join them before the order is drawn again.
#[test]
fn the_books_candidates_are_the_ones_the_compile_ordered() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = rulec(d, &["demo", "--rows", "20000", "--out", "out"]);
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    // The first number on the log line that holds `words`; 0 without one.
    let count = |words: &str| -> u64 {
        log.lines()
            .find(|l| l.contains(words))
            .and_then(|l| l.split(' ').find_map(|w| w.parse().ok()))
            .unwrap_or(0)
    };
    let ordered = count("validate: ordering ");
    let more = count("more candidates, each one rule over two");
    // The demo's order has same-decision fragments to join (91 of them).
    assert!(ordered > 0 && more > 0, "{log}");
    let book = std::fs::read_to_string(d.join("out/RULEBOOK.md")).unwrap();
    let proposed: u64 = book
        .lines()
        .find_map(|l| l.split_once(" candidate rules were proposed"))
        .map(|(n, _)| n.trim().replace(',', "").parse().expect("a count"))
        .expect("the book counts its candidates");
    assert_eq!(proposed, ordered + more, "{log}");
}
