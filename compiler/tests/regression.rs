//! A numeric target end to end: rules that predict a value within a
//! tolerance, certified like classes, in a crate that builds and agrees with
//! the interpreter.

use std::path::Path;
use std::process::{Command, Output};

use rulec_runtime::RuleSet;

mod common;
use common::{applied_rules, build_crate, hex, rulec, run_parity};

/// Price is 10 for small orders without rush (a planted rule), 25 in zone a,
/// and noisy elsewhere.
fn data() -> String {
    let mut rng = rulec_datasets::Rng::new(11);
    let mut s = String::from("size,zone,rush,price\n");
    for _ in 0..6000 {
        let size = (rng.f64() * 1000.0).round() / 10.0;
        let zone = ["a", "b", "c"][rng.below(3)];
        let rush = rng.chance(0.2);
        let price = if size < 40.0 && !rush {
            10.0 + 0.5 * rng.normal()
        } else if zone == "a" {
            25.0 + 0.8 * rng.normal()
        } else {
            20.0 + size * 0.3 + 6.0 * rng.normal()
        };
        s.push_str(&format!("{size},{zone},{rush},{price:.2}\n"));
    }
    s
}

/// `rulec compile orders.csv --target price --tolerance T --out OUT` in
/// `d`, with `extra` options; it must succeed.
fn compile_orders(d: &Path, out: &str, tolerance: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "compile",
        "orders.csv",
        "--target",
        "price",
        "--tolerance",
        tolerance,
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    rulec(d, &args)
}

#[test]
fn numeric_target_rules_predict_within_the_tolerance() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let csv = data();
    std::fs::write(d.join("orders.csv"), &csv).unwrap();
    // `-v`: the regression forest's trees and predictions as steps, as the
    // class forest's (it printed none through a minute on a million rows).
    // `--no-cache`: predictions another run left in the default cache
    // folder print no such steps.
    let out = compile_orders(d, "out", "2", &["-v", "--no-cache"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("  teach: forest trees: 50/50\n")
            && err.contains("  teach: predicting rows: "),
        "{err}"
    );
    let set =
        RuleSet::from_json(&std::fs::read_to_string(d.join("out/rules.json")).unwrap()).unwrap();
    assert_eq!(set.target.tolerance, Some(2.0));
    // The planted rule, predicting 10.
    let planted = set
        .rules
        .iter()
        .find(|r| r.decision == "10")
        .unwrap_or_else(|| panic!("no rule predicts 10:\n{set}"));
    let text = rulec_runtime::dsl::print_conditions(&planted.conditions);
    assert!(
        text.contains("size < 40") && text.contains("not rush"),
        "{text}"
    );
    assert!(planted.name.starts_with("value_10"), "{}", planted.name);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("out/report.json")).unwrap()).unwrap();
    assert!(
        report["covered_precision"].as_f64().unwrap() >= 0.95,
        "{report}"
    );
    assert!(report["coverage"].as_f64().unwrap() > 0.3, "{report}");
    // A numeric teacher has no class probability to abstain by.
    assert!(report.get("teacher_threshold").is_none(), "{report}");
    let book = std::fs::read_to_string(d.join("out/RULEBOOK.md")).unwrap();
    assert!(book.contains("within ±2 of the true value"));
    // A rule's plain words say its value is a value, give or take the
    // tolerance (they said `price is "10"`, a label).
    assert!(book.contains("price is 10, give or take 2."), "{book}");
    // The inputs' decision line says what is decided (it was `` `price`: . ``).
    assert!(
        book.contains(
            "Decision `price`: a number, right within ±2 of the true value; the rules decide `"
        ),
        "{book}"
    );
    assert!(!book.contains("price is \"10\""));

    // The crate: a value per decision, and the same decisions as the interpreter.
    let rules_rs = std::fs::read_to_string(d.join("out/crate/src/rules.rs")).unwrap();
    assert!(rules_rs.contains("pub const fn value(self) -> f64"));
    assert!(rules_rs.contains("pub fn decide_value_or_else("));
    let parity = build_crate(&d.join("out/crate"), "rulec-regression-crates-target");
    let applied = rulec(d, &["apply", "out/rules.json", "orders.csv"]);
    let interpreted = applied_rules(&String::from_utf8(applied.stdout).unwrap());
    let mut input = String::new();
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        input.push_str(&[hex(f[0]), hex(f[1]), hex(f[2])].join("\t"));
        input.push('\n');
    }
    assert_eq!(run_parity(&parity, input), interpreted);
    // Cells `rulec apply` reads as missing, and numbers with spaces around
    // them: the parity example reads them alike.
    let odd = "size,zone,rush,price\n 12 ,a,false,10\nNA,a,false,10\nNaN,b,true,20\nnan,c,false,20\n30,NA,false,10\n#N/A,a,true,25\n";
    std::fs::write(d.join("odd.csv"), odd).unwrap();
    let applied = rulec(d, &["apply", "out/rules.json", "odd.csv"]);
    let interpreted = applied_rules(&String::from_utf8(applied.stdout).unwrap());
    let input: String = odd
        .lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            format!("{}\n", [hex(f[0]), hex(f[1]), hex(f[2])].join("\t"))
        })
        .collect();
    assert_eq!(run_parity(&parity, input), interpreted);

    // A target that is not numeric is refused clearly.
    std::fs::write(d.join("bad.csv"), "x,y\n1,a\n2,b\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rulec"))
        .current_dir(d)
        .args([
            "compile",
            "bad.csv",
            "--target",
            "y",
            "--tolerance",
            "1",
            "--out",
            "o2",
            "-q",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("with --tolerance the target must hold numbers"));

    // A tolerance too tight for any rule: what may help names what a
    // numeric target can change (there is one teacher for it, and the book
    // lists no near misses).
    let out = compile_orders(d, "o3", "0.01", &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("a wider --tolerance"), "{err}");
    assert!(!err.contains("--teacher gbdt"), "{err}");
    assert!(!err.contains("candidates next in line"), "{err}");
}

/// `--tree-rows` bounds the regression forest's bootstrap samples and the
/// regression trees' rows as it bounds the class pipeline's: the teacher
/// says so, and trees on 300 rows propose far fewer candidates. See: #16.
#[test]
fn tree_rows_bounds_the_regression_trees() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("orders.csv"), data()).unwrap();
    let compile = |out: &str, extra: &[&str]| -> RuleSet {
        compile_orders(d, out, "2", &[&["--no-cache", "-q"], extra].concat());
        RuleSet::from_json(&std::fs::read_to_string(d.join(out).join("rules.json")).unwrap())
            .unwrap()
    };
    let all = compile("all", &[]);
    let few = compile("few", &["--tree-rows", "300"]);
    let teacher = |s: &RuleSet| s.provenance.as_ref().unwrap().teacher.clone();
    let candidates = |s: &RuleSet| s.summary.as_ref().unwrap().candidates;
    assert!(!teacher(&all).contains("at most"), "{}", teacher(&all));
    assert!(
        teacher(&few).contains("bootstrap samples of at most 300 rows"),
        "{}",
        teacher(&few)
    );
    assert!(
        candidates(&few) * 2 < candidates(&all),
        "{} candidates on 300 rows, {} on all",
        candidates(&few),
        candidates(&all)
    );
}

/// The regression forest's predictions are cached like a class teacher's
/// labels: a second compile (with another tolerance) reuses them, and the
/// cached predictions give the same bytes as fresh ones. See: #16.
#[test]
fn the_regression_forest_predictions_are_cached() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("orders.csv"), data()).unwrap();
    let compile = |out: &str, tolerance: &str, cache: &[&str]| {
        String::from_utf8(compile_orders(d, out, tolerance, cache).stderr).unwrap()
    };
    let reused = "predictions for this data and teacher are cached; reusing them";
    let first = compile("first", "2", &["--cache-dir", "cache"]);
    assert!(!first.contains(reused), "{first}");
    let files: Vec<_> = std::fs::read_dir(d.join("cache"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        files.len() == 1 && files[0].ends_with(".values"),
        "{files:?}"
    );
    let second = compile("second", "3", &["--cache-dir", "cache"]);
    assert!(second.contains(reused), "{second}");
    let fresh = compile("fresh", "3", &["--no-cache"]);
    assert!(!fresh.contains(reused), "{fresh}");
    for file in ["rules.json", "report.json", "RULEBOOK.md"] {
        assert_eq!(
            std::fs::read(d.join("second").join(file)).unwrap(),
            std::fs::read(d.join("fresh").join(file)).unwrap(),
            "{file}: cached predictions give the same outputs"
        );
    }
}

/// A sentinel value in a few of 6,000 rows (a price of 999999999, or
/// 1e150) leaves the forest teaching the rest: the target was scaled by a
/// standard deviation the sentinel made so large that no split among the
/// other rows gained anything, and the teacher predicted one value for
/// all (5 % within the tolerance, no rule); at 1e150 a leaf was infinite
/// and the compile failed.
#[test]
fn one_sentinel_value_does_not_blind_the_regression_forest() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Prices of 100 on most rows, a steep trend above: the sentinel, 10
    // million deviations out, left the forest 40 % right (99 % without
    // it) until values are fitted at most 10,000 deviations out.
    let tied = || {
        let mut rng = rulec_datasets::Rng::new(3);
        let mut s = String::from("size,zone,rush,price\n");
        for _ in 0..3000 {
            let size = (rng.f64() * 10000.0).round() / 1000.0;
            let price = if size < 6.0 {
                100.0
            } else {
                100.0 + 30.0 * (size - 6.0) + 0.5 * rng.normal()
            };
            let zone = ["a", "b"][rng.below(2)];
            s.push_str(&format!("{size},{zone},false,{price:.2}\n"));
        }
        s
    };
    for (sentinel, table) in [
        ("999999999", data()),
        ("1e150", data()),
        ("999999999", tied()),
    ] {
        let csv: String = table
            .lines()
            .enumerate()
            .map(|(i, line)| match (i, line.rsplit_once(',')) {
                // A few rows, so that the split puts one among the
                // training rows.
                (1..=5, Some((features, _))) => format!("{features},{sentinel}\n"),
                _ => format!("{line}\n"),
            })
            .collect();
        std::fs::write(d.join("orders.csv"), &csv).unwrap();
        let _ = std::fs::remove_dir_all(d.join("out"));
        compile_orders(d, "out", "2", &["-q", "--no-cache"]);
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(d.join("out/report.json")).unwrap())
                .unwrap();
        assert!(
            report["teacher_accuracy"].as_f64().unwrap() > 0.5,
            "{sentinel}: {report}"
        );
        assert!(
            report["coverage"].as_f64().unwrap() > 0.3,
            "{sentinel}: {report}"
        );
    }
}
