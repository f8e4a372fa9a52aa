//! `rulec bench` (the library's `bench::run` and `bench::table`) on a tiny
//! hand-made benchmark folder with known answers: one clean dataset, two
//! seeds, both targets. See: #15.

mod common;

use std::path::Path;

use rulec::bench::{self, BenchConfig};
use rulec::progress::Silent;

/// 1000 rows: x in 0..100, a colour, y = "hi" from x = 50, "lo" below,
/// without noise; rows split 60/20/20 by position.
fn data() -> String {
    let mut s = String::from("x,color,y,split\n");
    for i in 0..1000 {
        let x = (i * 37) % 100;
        let y = if x < 50 { "lo" } else { "hi" };
        let color = ["red", "green", "blue"][i % 3];
        let split = match i % 5 {
            0..=2 => "train",
            3 => "valid",
            _ => "test",
        };
        s.push_str(&format!("{x},{color},{y},{split}\n"));
    }
    s
}

const README: &str = "\
# A tiny benchmark

| dataset | source | target | task |
|---|---|---|---|
| clean | hand-made | `y` | binary |
| other | hand-made | `y` | binary |

## Best peer per dataset

| dataset | teacher accuracy | best @0.95 | best @0.99 |
|---|---|---|---|
| clean | 1.000 | boosted_rules: 1.000, 1.000, 2 | rulefit: 1.000, 1.000, 4 |

## Every method

### clean

| method | target | coverage | precision | rules | cascade | fit s |
|---|---|---|---|---|---|---|
| boosted_rules[plain] | – | 1.000 | 1.000 | 2 | 1.000 | 0.01 |
| dt_hgb_d4 | 0.95 | 0.400 | 1.000 | 2 | 1.000 | 0.01 |
| rulefit[conf] | 0.95 | 0.600 | 0.990 | 4 | 1.000 | 0.1 |
| rulefit[conf] | 0.99 | 0.000 | – | 4 | 1.000 | 0.1 |
";

fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("README.md"), README).unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    std::fs::write(dir.path().join("data").join("clean.csv"), data()).unwrap();
    dir
}

fn config() -> BenchConfig {
    BenchConfig {
        seeds: vec![0, 1],
        datasets: vec!["clean".into()],
        ..BenchConfig::default()
    }
}

fn check(dir: &Path) -> (Vec<bench::Outcome>, String) {
    let outcomes = bench::run_with(dir, &config(), &Silent).unwrap();
    let text = bench::table(&outcomes);
    (outcomes, text)
}

#[test]
fn one_clean_dataset_over_two_seeds() {
    let dir = folder();
    let (outcomes, text) = check(dir.path());
    assert_eq!(outcomes.len(), 2, "{text}");
    let (at95, at99) = (&outcomes[0], &outcomes[1]);
    assert_eq!((at95.target, at99.target), (0.95, 0.99));
    for o in &outcomes {
        assert_eq!(o.dataset, "clean");
        assert_eq!(o.runs.iter().map(|r| r.seed).collect::<Vec<_>>(), [0, 1]);
        // Every certified rule set held on the test rows.
        assert_eq!(o.seeds_holding(), 2, "{text}");
        for r in &o.runs {
            assert_eq!((r.teacher.rows, r.ceiling.rows), (200, 200));
            // The exact test asks at least what Wilson's bound asks, so
            // its threshold answers no more (the same rows or fewer).
            assert_eq!(r.teacher_exact.rows, 200);
            assert!(r.teacher_exact.answered <= r.teacher.answered, "{text}");
        }
    }
    // The teacher is right on every clean validation row; 200 of them
    // bound its precision at 1/(1 + 1.645²/200) = 0.987: enough for 0.95,
    // not for 0.99, so the threshold answers nothing there, and neither
    // does the ceiling (200 test rows).
    assert!(at95.teacher_coverage() > 0.5, "{text}");
    assert_eq!(at95.teacher_precision(), Some(1.0), "{text}");
    assert!(at95.ceiling_coverage() >= at95.teacher_coverage() - 0.1);
    assert_eq!(at99.teacher_coverage(), 0.0, "{text}");
    assert_eq!(at99.teacher_precision(), None);
    assert_eq!(at99.ceiling_coverage(), 0.0);
    // Every clean validation row right: 200 of them bound it at
    // 0.05^(1/200) = 0.985 by the exact test too, enough for 0.95 alone.
    assert!(at95.teacher_exact_coverage() > 0.5, "{text}");
    assert_eq!(at99.teacher_exact_coverage(), 0.0, "{text}");
    // Calibrated peers only: rulefit[conf] at 0.95; none meets 0.99.
    let peer = at95.calibrated_peer.as_ref().unwrap();
    assert_eq!(
        (peer.method.as_str(), peer.coverage),
        ("rulefit[conf]", 0.6)
    );
    assert!(at99.calibrated_peer.is_none());
    assert_eq!(at95.readme_best_peer, "boosted_rules: 1.000, 1.000, 2");
    // One table line per target, and one summary line per target.
    assert!(text.contains("| clean | 0.95 | "), "{text}");
    assert!(text.contains("| rulefit[conf]: 0.600, 0.990 |"), "{text}");
    assert!(text.contains("| clean | 0.99 | "), "{text}");
    assert!(text.contains("| none meets | 0 | 0.000 |"), "{text}");
    assert!(text.contains("at 0.95: rulec's median coverage"), "{text}");
    assert!(text.contains("at 0.99: rulec's median coverage"), "{text}");
    // The JSON form (`rulec bench --json`) carries the same figures, and
    // each seed's run in full.
    let doc: serde_json::Value = serde_json::from_str(&bench::json(&outcomes)).unwrap();
    let lines = doc["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    for (line, o) in lines.iter().zip(&outcomes) {
        assert_eq!(line["dataset"], "clean");
        assert_eq!(line["target"], o.target);
        assert_eq!(line["median_coverage"], o.median_coverage());
        assert_eq!(line["seeds_held"], o.seeds_holding());
        assert_eq!(
            line["teacher_threshold_median_coverage"],
            o.teacher_coverage()
        );
        let runs = line["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 2);
        for (run, r) in runs.iter().zip(&o.runs) {
            assert_eq!(run["seed"], r.seed);
            assert_eq!(run["coverage"], r.coverage);
            assert_eq!(run["rules"], r.rules);
            assert_eq!(run["held"], r.holds(o.target));
            assert_eq!(run["teacher_threshold"]["answered"], r.teacher.answered);
            assert_eq!(run["teacher_threshold"]["right"], r.teacher.right);
            assert_eq!(
                run["teacher_threshold_exact_test"]["answered"],
                r.teacher_exact.answered
            );
            assert_eq!(run["ceiling_test_labels"]["rows"], 200);
        }
    }
    assert_eq!(lines[0]["best_calibrated_peer"]["method"], "rulefit[conf]");
    assert!(lines[1]["best_calibrated_peer"].is_null());
    assert!(lines[1]["teacher_threshold_median_precision"].is_null());
    // The same seeds give the same figures (compile seconds aside).
    let (again, _) = check(dir.path());
    for (a, b) in outcomes.iter().zip(&again) {
        for (x, y) in a.runs.iter().zip(&b.runs) {
            assert_eq!(
                (
                    x.coverage,
                    x.precision,
                    x.rules,
                    x.teacher,
                    x.teacher_exact,
                    x.ceiling
                ),
                (
                    y.coverage,
                    y.precision,
                    y.rules,
                    y.teacher,
                    y.teacher_exact,
                    y.ceiling
                )
            );
        }
    }
}

#[test]
fn the_command_prints_json_when_asked() {
    let dir = folder();
    let out = common::rulec(
        dir.path(),
        &[
            "bench",
            ".",
            "--only",
            "clean",
            "--seeds",
            "0",
            "--targets",
            "0.95",
            "--json",
            "-q",
        ],
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let line = &doc["lines"][0];
    assert_eq!(
        (line["dataset"].as_str(), line["target"].as_f64()),
        (Some("clean"), Some(0.95))
    );
    assert_eq!(line["runs"].as_array().map(Vec::len), Some(1));
    assert_eq!(line["runs"][0]["held"], true);
    assert!(doc["lines"][1].is_null());
}

#[test]
fn an_unknown_dataset_is_named_with_the_known_ones() {
    let dir = folder();
    let config = BenchConfig {
        datasets: vec!["nope".into()],
        ..config()
    };
    let err = bench::run_with(dir.path(), &config, &Silent)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("no dataset `nope` in "), "{err}");
    assert!(err.ends_with("it lists `clean`, `other`"), "{err}");
}

/// A folder that is no benchmark, or a file, is named as such (it gave
/// "README.md: No such file or directory (os error 2)").
#[test]
fn a_folder_that_is_no_benchmark_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ship.csv"), "a,y\n1,x\n").unwrap();
    for path in [
        dir.path().to_path_buf(),
        dir.path().join("ship.csv"),
        dir.path().join("nope"),
    ] {
        let err = bench::run_with(&path, &config(), &Silent)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(
                ": is not a benchmark folder; one holds a README.md that lists its datasets"
            ),
            "{err}"
        );
    }
}

#[test]
fn a_target_outside_0_to_1_is_refused_before_any_teacher_runs() {
    let dir = folder();
    // The data file is not even read: a missing one would fail otherwise.
    std::fs::remove_file(dir.path().join("data/clean.csv")).unwrap();
    let config = BenchConfig {
        targets: vec![0.95, 1.5],
        ..config()
    };
    let err = bench::run_with(dir.path(), &config, &Silent)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "--targets must be precisions between 0 and 1 (exclusive), got 1.5"
    );
}

#[test]
fn a_missing_data_file_is_an_error() {
    let dir = folder();
    let config = BenchConfig {
        datasets: vec!["other".into()],
        ..config()
    };
    let err = bench::run_with(dir.path(), &config, &Silent)
        .unwrap_err()
        .to_string();
    assert!(err.contains("other.csv"), "{err}");
}
