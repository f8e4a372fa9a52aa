//! The SQL backend run for real. `rulec validate --engine sql` (the
//! polars-dialect evidence query in polars' own SQL engine) prints the
//! figures of the interpreter; the polars-dialect `SELECT` decides every
//! row as `rulec apply` does (missing values, values exactly at and next to
//! thresholds, unknown categories, hostile names and text, CSV and
//! Parquet); `rulec emit --lang sql` writes stable files and refuses bad
//! input; and, where pyspark and java are installed, Spark runs the
//! Spark-dialect text over a Parquet file with the same answers.
//!
//! The data: a compiled shipping set, and a copy of it made hostile (column
//! names, categories and classes with quotes, backslashes, `$`, `${..}`,
//! line breaks and non-ASCII text; two extra rules with `is missing` and
//! `in`), over rows perturbed towards the edges.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Instant;

use polars::prelude::*;
use rulec_codegen::sql::{self, Dialect};
use rulec_datasets::rng::Rng;
use rulec_runtime::{Cell, Evaluator, RuleSet};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------
// Tests

/// Both engines print the same figures, on the compiled data and on the
/// hostile data (CSV, whose distance column holds numbers written as text;
/// Parquet with NaN), with and without a teacher column.
#[test]
fn sql_engine_figures_equal_the_interpreter() {
    let f = fixture();
    let cases = [
        ("d.csv", "out/rules.json", None),
        ("d.csv", "out/rules.json", Some("cheapest_shipper")),
        ("hostile.csv", "hostile.json", Some("model")),
        ("hostile.csv", "hostile.json", None),
        ("hostile_nan.parquet", "hostile.json", Some("model")),
    ];
    for (data, rules, teacher) in cases {
        let rust = validate_json(&f.dir, data, rules, teacher, "rust");
        let sql = validate_json(&f.dir, data, rules, teacher, "sql");
        assert_eq!(rust["engine"], "rust");
        assert_eq!(sql["engine"], "sql");
        assert_eq!(
            without_engine(rust.clone()),
            without_engine(sql),
            "{data} with {rules}, teacher {teacher:?}"
        );
        // The cases are not trivial: rules answer rows, and the hostile
        // data has unlabelled rows among them.
        assert!(rust["covered"].as_u64().unwrap() > 1000, "{rust}");
        if data.starts_with("hostile") {
            assert!(rust["unlabelled"].as_u64().unwrap() > 0, "{rust}");
            let m1 = &rust["rules"][0];
            assert_eq!(m1["name"], "m_1");
            assert!(m1["answered"].as_u64().unwrap() > 0, "{m1}");
        }
    }
    // The table says which engine computed it.
    let out = common::rulec(
        &f.dir,
        &[
            "validate",
            "d.csv",
            "--rules",
            "out/rules.json",
            "--engine",
            "sql",
        ],
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("engine: sql (the rules' polars-dialect evidence query"),
        "{text}"
    );
}

/// Bad data fails the same way, with the same one line, in both engines:
/// a missing feature or teacher column, a boolean or numeric column
/// holding text, an unknown extension, no rows.
#[test]
fn sql_engine_refuses_bad_data_as_the_interpreter_does() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(f.dir.join("out/rules.json"), d.join("rules.json")).unwrap();
    let base: Vec<String> = std::fs::read_to_string(f.dir.join("d.csv"))
        .unwrap()
        .lines()
        .take(60)
        .map(str::to_string)
        .collect();
    // Columns: distance_mi, weight_lb, zone, express, fragile, day_of_week,
    // cheapest_shipper.
    let edit = |name: &str, f: &dyn Fn(usize, Vec<&str>) -> Vec<String>| {
        let text: Vec<String> = base
            .iter()
            .enumerate()
            .map(|(i, l)| f(i, l.split(',').collect()).join(","))
            .collect();
        std::fs::write(d.join(name), text.join("\n") + "\n").unwrap();
    };
    let owned = |v: Vec<&str>| v.into_iter().map(str::to_string).collect::<Vec<_>>();
    edit("no_zone.csv", &|_, mut v| {
        v.remove(2);
        owned(v)
    });
    edit("text_bool.csv", &|i, mut v| {
        if i > 0 {
            v[3] = if v[3] == "true" { "yes" } else { "no" };
        }
        owned(v)
    });
    edit("text_number.csv", &|i, mut v| {
        if i == 30 {
            v[1] = "heavy";
        }
        owned(v)
    });
    edit("data.txt", &|_, v| owned(v));
    std::fs::write(d.join("header_only.csv"), format!("{}\n", base[0])).unwrap();
    let cases: &[(&str, &[&str], &str)] = &[
        ("no_zone.csv", &[], "lacks the rule set's column(s) `zone`"),
        (
            "text_bool.csv",
            &[],
            "column `express` has type str; the rules expect booleans",
        ),
        (
            "text_number.csv",
            &[],
            "column `weight_lb` has type str; the rules expect numbers",
        ),
        ("data.txt", &[], "has extension `.txt`"),
        ("header_only.csv", &[], "has a header but no rows"),
        ("text_bool.csv", &["--teacher-column", "nope"], ""),
        ("no_such.csv", &[], ""),
    ];
    for (data, extra, message) in cases {
        let mut errors = Vec::new();
        for engine in ["rust", "sql"] {
            let mut args = vec![
                "validate",
                data,
                "--rules",
                "rules.json",
                "--engine",
                engine,
            ];
            args.extend(*extra);
            let out = run(d, &args);
            assert_eq!(out.status.code(), Some(1), "{data} {engine}");
            assert!(out.stdout.is_empty(), "{data} {engine}");
            errors.push(String::from_utf8(out.stderr).unwrap());
        }
        let err = &errors[0];
        assert_eq!(errors[0], errors[1], "{data} {extra:?}");
        assert!(err.starts_with(&format!("error: {data}: ")), "{err}");
        assert!(err.contains(message), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

/// The polars-dialect `SELECT`, run by polars, decides every row as `rulec
/// apply` (the interpreter) does, CSV and Parquet alike.
#[test]
fn polars_sql_decides_every_row_as_rulec_apply() {
    let f = fixture();
    for (data, rules) in [
        ("d.csv", "out/rules.json"),
        ("hostile.csv", "hostile.json"),
        ("hostile_nan.parquet", "hostile.json"),
        ("hostile.parquet", "hostile.json"),
    ] {
        let set = load(&f.dir.join(rules));
        let applied = apply(&f.dir, rules, data);
        let decided = rulec::sql_engine::decisions(&set, &f.dir.join(data)).unwrap();
        assert_eq!(applied.len(), decided.len(), "{data}");
        let mut by_rule: BTreeMap<String, usize> = BTreeMap::new();
        for (row, (want, got)) in applied.iter().zip(&decided).enumerate() {
            let got = got
                .as_ref()
                .map(|(rule, decision)| (decision.clone(), rule.clone()));
            assert_eq!(want, &got, "{data}, row {}", row + 1);
            *by_rule
                .entry(got.map_or("-".into(), |(_, r)| r))
                .or_default() += 1;
        }
        // Most rules fire, and some rows are left to the fallback.
        assert!(by_rule.len() > set.rules.len() / 2, "{data}: {by_rule:?}");
        assert!(by_rule.contains_key("-"), "{data}: {by_rule:?}");
    }
}

/// A numeric target: decisions are values, and a label counts as right
/// within the tolerance; labels that are text but no number count as
/// labelled and wrong. Both engines agree, and the values decided equal
/// `rulec apply`'s.
#[test]
fn numeric_target_figures_and_decisions_equal_the_interpreter() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let mut set: Value =
        serde_json::from_str(&std::fs::read_to_string(f.dir.join("out/rules.json")).unwrap())
            .unwrap();
    let obj = set.as_object_mut().unwrap();
    obj.remove("provenance");
    obj.remove("summary");
    obj.insert(
        "target".into(),
        json!({"name": "cost", "classes": ["-1.5", "2", "10.25"], "tolerance": 0.5}),
    );
    obj.insert(
        "features".into(),
        json!([
            {"name": "x", "kind": {"type": "numeric"}, "nullable": true},
            {"name": "b", "kind": {"type": "boolean"}, "nullable": false},
        ]),
    );
    obj.insert(
        "rules".into(),
        json!([
            {"name": "low", "conditions": [{"test": "cmp", "feature": "x", "op": "<", "value": -2.0}], "decision": "-1.5"},
            {"name": "gone", "conditions": [{"test": "missing", "feature": "x"}], "decision": "2"},
            {"name": "mid", "conditions": [{"test": "cmp", "feature": "x", "op": "<=", "value": 3.0},
                                           {"test": "is", "feature": "b", "value": true}], "decision": "2"},
            {"name": "high", "conditions": [{"test": "cmp", "feature": "x", "op": ">", "value": 3.0}], "decision": "10.25"},
        ]),
    );
    std::fs::write(dir.path().join("n.json"), set.to_string()).unwrap();
    let mut rng = Rng::new(7);
    let xs = [
        "-2",
        "-2.0000000000000004",
        "-1.9999999999999998",
        "3",
        "3.0000000000000004",
        "",
        "NaN",
        "inf",
        "-inf",
        "0",
        "17.5",
    ];
    let costs = [
        "-1.5", "-1.0", "-2.1", "2", "2.5", "2.50001", "10.25", "10.75", "11", "", "abc", "1,000.5",
    ];
    let mut csv = String::from("x,b,cost,model\n");
    for _ in 0..3000 {
        let x = xs[rng.below(xs.len())];
        let b = ["true", "false", ""][rng.below(3)];
        let cost = costs[rng.below(costs.len())];
        let model = costs[rng.below(costs.len())];
        let quote = |t: &str| {
            if t.contains(',') {
                format!("\"{t}\"")
            } else {
                t.to_string()
            }
        };
        csv.push_str(&format!("{x},{b},{},{}\n", quote(cost), quote(model)));
    }
    std::fs::write(dir.path().join("n.csv"), csv).unwrap();
    for teacher in [None, Some("model")] {
        let rust = validate_json(dir.path(), "n.csv", "n.json", teacher, "rust");
        let sql = validate_json(dir.path(), "n.csv", "n.json", teacher, "sql");
        assert_eq!(without_engine(rust.clone()), without_engine(sql));
        assert!(rust["unlabelled"].as_u64().unwrap() > 0, "{rust}");
        assert!(rust["all"]["correct"].as_u64().unwrap() > 0, "{rust}");
    }
    let applied = apply(dir.path(), "n.json", "n.csv");
    let decided =
        rulec::sql_engine::decisions(&load(&dir.path().join("n.json")), &dir.path().join("n.csv"))
            .unwrap();
    assert_eq!(applied.len(), decided.len());
    for (row, (want, got)) in applied.iter().zip(&decided).enumerate() {
        let want = want
            .as_ref()
            .map(|(d, r)| (d.parse::<f64>().unwrap(), r.clone()));
        let got = got
            .as_ref()
            .map(|(r, d)| (d.parse::<f64>().unwrap(), r.clone()));
        assert_eq!(want, got, "row {}", row + 1);
    }
}

/// The Polars NaN guard, checked in polars 0.55 itself: with NaN left in
/// the data (not read as missing, as ingest reads it), the `SELECT` follows
/// the interpreter's rule that NaN satisfies no comparison, for every
/// operator, with ±∞ and values next to the thresholds.
#[test]
fn polars_nan_guard_follows_the_interpreter() {
    let f = fixture();
    let mut set: Value =
        serde_json::from_str(&std::fs::read_to_string(f.dir.join("out/rules.json")).unwrap())
            .unwrap();
    let cmp =
        |op: &str, value: f64| json!({"test": "cmp", "feature": "x", "op": op, "value": value});
    let obj = set.as_object_mut().unwrap();
    obj.insert(
        "features".into(),
        json!([{"name": "x", "kind": {"type": "numeric"}, "nullable": true}]),
    );
    obj.insert(
        "rules".into(),
        json!([
            {"name": "gt", "conditions": [cmp(">", 2500.25)], "decision": "A"},
            {"name": "ge", "conditions": [cmp(">=", -1.0e-300)], "decision": "B"},
            {"name": "le", "conditions": [cmp("<=", -7.5)], "decision": "C"},
            {"name": "lt", "conditions": [cmp("<", -1.0e-300)], "decision": "A"},
            {"name": "gone", "conditions": [{"test": "missing", "feature": "x"}], "decision": "B"},
        ]),
    );
    let set = RuleSet::from_json(&set.to_string()).unwrap();
    let next = |x: f64, up: bool| {
        let b = x.to_bits();
        f64::from_bits(if (x >= 0.0) == up { b + 1 } else { b - 1 })
    };
    let mut xs = vec![
        Some(f64::NAN),
        Some(f64::INFINITY),
        Some(f64::NEG_INFINITY),
        None,
        Some(0.0),
        Some(-0.0),
    ];
    for t in [2500.25, -1.0e-300, -7.5] {
        xs.extend([Some(t), Some(next(t, true)), Some(next(t, false))]);
    }
    let df = DataFrame::new_infer_height(vec![Column::new("x".into(), xs.clone())]).unwrap();
    let ctx = polars::sql::SQLContext::new();
    ctx.register("t", df.lazy());
    let query = sql::select(&set, Dialect::Polars, "t").unwrap();
    let mut ctx = ctx;
    let out = ctx.execute(&query).unwrap().collect().unwrap();
    let rules = out.column("rulec_rule").unwrap().str().unwrap().clone();
    let eval = Evaluator::new(&set).unwrap();
    for (i, x) in xs.iter().enumerate() {
        let cell = x.map_or(Cell::Missing, Cell::Num);
        let want = eval
            .decide(&[cell])
            .unwrap()
            .map(|hit| set.rules[hit.rule_idx].name.clone());
        assert_eq!(rules.get(i).map(str::to_string), want, "x = {x:?}");
    }
}

/// `rulec emit --lang sql`: every dialect and statement, byte-identical on
/// reruns, left alone when unchanged; the polars text is what the engine
/// runs; bad input fails with one clear line and writes nothing.
#[test]
fn emit_sql_writes_stable_files_and_refuses_bad_input() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(f.dir.join("hostile.json"), d.join("rules.json")).unwrap();
    let set = load(&d.join("rules.json"));
    let cases: Vec<(Vec<&str>, String)> = vec![
        (vec![], sql::select(&set, Dialect::Ansi, "data").unwrap()),
        (
            vec!["--dialect", "spark", "--table", "ship`ments"],
            sql::select(&set, Dialect::Spark, "ship`ments").unwrap(),
        ),
        (
            vec!["--dialect", "polars", "--table", "rulec_data"],
            sql::select(&set, Dialect::Polars, "rulec_data").unwrap(),
        ),
        (
            vec!["--dialect", "ANSI", "--view", "decided"],
            sql::view(&set, Dialect::Ansi, "data", "decided").unwrap(),
        ),
        (
            vec![
                "--dialect",
                "spark",
                "--evidence",
                "--teacher-column",
                "model",
            ],
            sql::evidence_query(
                &set,
                Dialect::Spark,
                "data",
                Some(&set.target.name),
                Some("model"),
            )
            .unwrap(),
        ),
    ];
    for (i, (args, want)) in cases.iter().enumerate() {
        let out = format!("sql/{i}.sql");
        let mut full = vec!["emit", "rules.json", "--lang", "sql", "--out", &out];
        full.extend(args);
        common::rulec(d, &full);
        let first = std::fs::read(d.join(&out)).unwrap();
        assert_eq!(String::from_utf8(first.clone()).unwrap(), *want, "{args:?}");
        let modified = std::fs::metadata(d.join(&out)).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let again = common::rulec(d, &full);
        assert_eq!(std::fs::read(d.join(&out)).unwrap(), first, "{args:?}");
        assert_eq!(
            std::fs::metadata(d.join(&out)).unwrap().modified().unwrap(),
            modified,
            "an unchanged file is not rewritten"
        );
        assert!(String::from_utf8_lossy(&again.stderr).contains("unchanged"));
    }
    // No temporary files are left beside the outputs.
    let left: Vec<_> = std::fs::read_dir(d.join("sql"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".sql"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // The default is still the Rust crate, into a directory.
    common::rulec(d, &["emit", "rules.json", "--out", "crate"]);
    assert!(d.join("crate/Cargo.toml").is_file());

    std::fs::write(d.join("bad.json"), "{\"schema_version\": 1}").unwrap();
    std::fs::write(d.join("file"), "x").unwrap();
    let bad: &[(&[&str], i32, &str)] = &[
        (
            &["--dialect", "oracle"],
            2,
            "unknown SQL dialect `oracle`; expected `ansi`, `spark` or `polars`",
        ),
        (
            &["--dialect", "polars", "--view", "v"],
            1,
            "CREATE VIEW is not supported in the polars dialect",
        ),
        (&["--view", "v", "--evidence"], 2, "cannot be used with"),
        (&["--teacher-column", "m"], 2, "--evidence"),
        (&["--name", "x"], 2, "--name is for the Rust crate"),
        (&["--out", "crate"], 1, "is a directory"),
        (&["--out", "file/x.sql"], 1, "--out file/x.sql"),
    ];
    for (args, code, message) in bad {
        let mut full = vec!["emit", "rules.json", "--lang", "sql"];
        if !args.contains(&"--out") {
            full.extend(["--out", "nothing.sql"]);
        }
        full.extend(*args);
        let out = run(d, &full);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(*code), "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert!(!d.join("nothing.sql").exists());
    }
    let out = run(
        d,
        &["emit", "rules.json", "--dialect", "spark", "--out", "x"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--dialect is for SQL; add --lang sql"));
    let out = run(
        d,
        &["emit", "bad.json", "--lang", "sql", "--out", "nothing.sql"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: bad.json: rules.json is not valid"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!d.join("nothing.sql").exists());
}

/// Spark (pyspark in local mode, `examples/spark/run_spark.py`) runs the
/// Spark-dialect `SELECT` and evidence query over the hostile Parquet file,
/// with `spark.sql.ansi.enabled` off and on, and gives `rulec apply`'s
/// decision and rule on every row and `rulec validate`'s counts per rule.
#[test]
fn spark_decides_and_counts_as_rulec() {
    let missing = spark_missing();
    let why = format!(
        "spark_decides_and_counts_as_rulec: {}",
        missing.as_deref().unwrap_or_default()
    );
    if common::skip_without(missing.is_none(), &why) {
        return;
    }
    let start = Instant::now();
    let f = fixture();
    let d = &f.dir;
    let emit = |out: &str, extra: &[&str]| {
        let mut args = vec![
            "emit",
            "hostile.json",
            "--lang",
            "sql",
            "--dialect",
            "spark",
            "--table",
            "ship ments",
            "--out",
            out,
        ];
        args.extend(extra);
        common::rulec(d, &args);
    };
    emit("spark_decisions.sql", &[]);
    emit(
        "spark_evidence.sql",
        &["--evidence", "--teacher-column", "model"],
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/spark/run_spark.py");
    let out = Command::new("python3")
        .current_dir(d)
        .arg(&script)
        .args([
            "hostile.parquet",
            "--table",
            "ship ments",
            "--decisions",
            "spark_decisions.sql",
            "--evidence",
            "spark_evidence.sql",
            "--row-column",
            "row_id",
            "--ansi",
            "both",
        ])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "run_spark.py failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let set = load(&d.join("hostile.json"));
    let applied = apply(d, "hostile.json", "hostile.parquet");
    let figures = validate_json(d, "hostile.parquet", "hostile.json", Some("model"), "rust");
    let data = &f.hostile;
    // What the evidence query must say, from rulec's own decisions.
    let mut want: Vec<Value> = Vec::new();
    for (rule_idx, rule) in set.rules.iter().enumerate() {
        let m = &figures["rules"][rule_idx];
        assert_eq!(m["name"], rule.name.as_str());
        let answered = m["answered"].as_u64().unwrap();
        if answered == 0 {
            continue;
        }
        let agree = applied
            .iter()
            .zip(&data.teacher)
            .filter(|(hit, teacher)| {
                hit.as_ref().is_some_and(|(decision, r)| {
                    r == &rule.name && teacher.as_deref() == Some(decision.as_str())
                })
            })
            .count();
        want.push(json!({
            "rulec_rule": rule.name,
            "support": answered,
            "correct": m["correct"],
            "agree_teacher": agree,
        }));
    }
    let uncovered = figures["rows"].as_u64().unwrap() - figures["covered"].as_u64().unwrap();
    want.push(json!({"rulec_rule": null, "support": uncovered, "correct": 0, "agree_teacher": 0}));
    let runs = report["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    for run in runs {
        let ansi = &run["ansi"];
        let decisions = run["decisions"].as_array().unwrap();
        assert_eq!(decisions.len(), applied.len(), "ansi {ansi}");
        for (row, (got, want)) in decisions.iter().zip(&applied).enumerate() {
            assert_eq!(got[0].as_u64(), Some(row as u64 + 1));
            let got = got[2].as_str().map(|rule| {
                (
                    got[1].as_str().unwrap_or_default().to_string(),
                    rule.to_string(),
                )
            });
            assert_eq!(&got, want, "ansi {ansi}, row {}", row + 1);
        }
        assert_eq!(run["evidence"], Value::Array(want.clone()), "ansi {ansi}");
    }
    eprintln!(
        "spark_decides_and_counts_as_rulec: Spark {} agreed on {} rows in {:.1}s",
        report["spark_version"],
        applied.len(),
        start.elapsed().as_secs_f64()
    );
}

// ---------------------------------------------------------------------------
// Fixture

/// The shared data, built once per test run under Cargo's temporary folder.
struct Fixture {
    dir: PathBuf,
    /// The hostile rows, as written to `hostile.*`.
    hostile: Rows,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sql_engine");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        common::rulec(
            &dir,
            &["dataset", "shipping", "--rows", "20000", "--out", "d.csv"],
        );
        common::rulec(
            &dir,
            &[
                "--quiet",
                "compile",
                "d.csv",
                "--target",
                "cheapest_shipper",
                "--no-cache",
                "--out",
                "out",
            ],
        );
        let rules: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("out/rules.json")).unwrap())
                .unwrap();
        let hostile_rules = make_hostile(rules);
        std::fs::write(dir.join("hostile.json"), hostile_rules.to_string()).unwrap();
        let set = load(&dir.join("hostile.json"));
        let base = std::fs::read_to_string(dir.join("d.csv")).unwrap();
        let rows = hostile_rows(&set, &base, 6000, 11);
        write_csv(&rows, &dir.join("hostile.csv"));
        write_parquet(&rows, &dir.join("hostile.parquet"), false);
        write_parquet(&rows, &dir.join("hostile_nan.parquet"), true);
        Fixture { dir, hostile: rows }
    })
}

/// Column names, categories and classes of the shipping data made hostile.
const NAMES: [(&str, &str); 7] = [
    ("distance_mi", "distance mi"),
    ("weight_lb", "weight (lb)"),
    ("zone", "Zone `a` 'c'.x"),
    ("express", "express$"),
    ("fragile", "fragile"),
    ("day_of_week", "day_of_week\\"),
    ("cheapest_shipper", "cheapest_shipper's"),
];
const ZONES: [(&str, &str); 6] = [
    ("central", "cen\ntral"),
    ("east", "ea\\st"),
    ("islands", "Islands"),
    ("north", "no$rth ${x}"),
    ("south", "sü\"th 'q'"),
    ("west", "we'st"),
];
const DAYS: [(&str, &str); 2] = [("sat", "sat "), ("sun", "日曜")];
const CLASSES: [(&str, &str); 3] = [("A", "a'1"), ("B", "b\\2"), ("C", "c$3 ${y}")];

fn rename(map: &[(&str, &str)], text: &str) -> String {
    map.iter()
        .find(|(from, _)| *from == text)
        .map_or(text, |(_, to)| to)
        .to_string()
}

/// The compiled rules with hostile names, every feature nullable, and two
/// rules in front: `is missing` with a boolean, and `in` with `is missing`.
fn make_hostile(mut rules: Value) -> Value {
    let categories = |feature: &str| -> &'static [(&'static str, &'static str)] {
        match feature {
            "zone" => &ZONES,
            "day_of_week" => &DAYS,
            _ => &[],
        }
    };
    let map_strings = |v: &mut Value, map: &[(&str, &str)]| {
        for item in v.as_array_mut().unwrap() {
            *item = Value::String(rename(map, item.as_str().unwrap()));
        }
    };
    let obj = rules.as_object_mut().unwrap();
    obj.remove("provenance");
    obj.remove("summary");
    let target = obj["target"].as_object_mut().unwrap();
    target["name"] = rename(&NAMES, target["name"].as_str().unwrap()).into();
    map_strings(&mut target["classes"], &CLASSES);
    for f in obj["features"].as_array_mut().unwrap() {
        let name = f["name"].as_str().unwrap().to_string();
        if let Some(c) = f["kind"].get_mut("categories") {
            map_strings(c, categories(&name));
        }
        f["name"] = rename(&NAMES, &name).into();
        f["nullable"] = true.into();
    }
    let list = obj["rules"].as_array_mut().unwrap();
    for r in list.iter_mut() {
        r["decision"] = rename(&CLASSES, r["decision"].as_str().unwrap()).into();
        r.as_object_mut().unwrap().remove("evidence");
        for c in r["conditions"].as_array_mut().unwrap() {
            let feature = c["feature"].as_str().unwrap().to_string();
            if let Some(values) = c.get_mut("values") {
                map_strings(values, categories(&feature));
            }
            c["feature"] = rename(&NAMES, &feature).into();
        }
    }
    list.insert(
        0,
        json!({"name": "m_1", "conditions": [
            {"test": "missing", "feature": "weight (lb)"},
            {"test": "is", "feature": "express$", "value": true},
        ], "decision": "a'1"}),
    );
    list.insert(
        1,
        json!({"name": "z_1", "conditions": [
            {"test": "in", "feature": "Zone `a` 'c'.x", "values": ["we'st", "cen\ntral", "no$rth ${x}"]},
            {"test": "missing", "feature": "distance mi"},
        ], "decision": "c$3 ${y}"}),
    );
    rules
}

/// Typed columns of a data file, with a 1-based `row_id`.
struct Rows {
    names: Vec<String>,
    columns: Vec<Values>,
    /// The `model` column (a teacher's decisions).
    teacher: Vec<Option<String>>,
}

enum Values {
    Num(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
    Text(Vec<Option<String>>),
}

/// Rows of the shipping data renamed as [`make_hostile`] renames the rules,
/// more than half perturbed: numbers exactly at, just above and just below
/// the rules' thresholds, ±0, ±∞, NaN and missing; categories unknown
/// (`islands` is no longer one, and neither is `""`), missing, or another
/// known one; booleans flipped or missing; labels missing or unknown; a
/// teacher column that mostly agrees with the label.
fn hostile_rows(set: &RuleSet, base: &str, n: usize, seed: u64) -> Rows {
    let mut rng = Rng::new(seed);
    let mut thresholds: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for rule in &set.rules {
        for c in &rule.conditions {
            if let rulec_runtime::ir::Condition::Cmp { feature, value, .. } = c {
                thresholds.entry(feature.as_str()).or_default().push(*value);
            }
        }
    }
    let next = |x: f64, up: bool| {
        if x == 0.0 {
            return if up {
                f64::from_bits(1)
            } else {
                -f64::from_bits(1)
            };
        }
        let b = x.to_bits();
        f64::from_bits(if (x > 0.0) == up { b + 1 } else { b - 1 })
    };
    let mut num = vec![Vec::new(), Vec::new()];
    let (mut zone, mut express, mut fragile, mut day, mut label, mut teacher) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let classes: Vec<&str> = CLASSES.iter().map(|(_, c)| *c).collect();
    for (i, line) in base.lines().skip(1).take(n).enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        let perturb = rng.chance(0.6);
        let pick = |rng: &mut Rng| perturb && rng.chance(0.4);
        for (j, name) in ["distance mi", "weight (lb)"].iter().enumerate() {
            let mut x = Some(f[j].parse::<f64>().unwrap());
            if pick(&mut rng) {
                let ts = thresholds.get(name).cloned().unwrap_or_default();
                x = match rng.below(10) {
                    0..=4 if !ts.is_empty() => {
                        let t = ts[rng.below(ts.len())];
                        Some([t, next(t, true), next(t, false)][rng.below(3)])
                    }
                    5 => None,
                    6 => Some(f64::NAN),
                    7 => Some([f64::INFINITY, f64::NEG_INFINITY][rng.below(2)]),
                    8 => Some([0.0, -0.0][rng.below(2)]),
                    _ => Some(1234.5),
                };
            }
            num[j].push(x);
        }
        // Row 1's distance is written with a thousands separator, so the
        // CSV's distance column is text that reads as numbers.
        if i == 0 {
            num[0][0] = Some(1234.5);
        }
        let category = |rng: &mut Rng, value: &str, map: &[(&str, &str)], all: &[&str]| {
            if !pick(rng) {
                return Some(rename(map, value));
            }
            match rng.below(5) {
                0 => None,
                1 => Some(value.to_string()),
                2 => Some(String::new()),
                _ => Some(rename(map, all[rng.below(all.len())])),
            }
        };
        let zones: Vec<&str> = ZONES.iter().map(|(z, _)| *z).collect();
        zone.push(category(&mut rng, f[2], &ZONES, &zones));
        let bools = |rng: &mut Rng, value: &str| {
            let b = value == "true";
            if !pick(rng) {
                return Some(b);
            }
            [Some(!b), None][rng.below(2)]
        };
        express.push(bools(&mut rng, f[3]));
        fragile.push(bools(&mut rng, f[4]));
        let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        day.push(category(&mut rng, f[5], &DAYS, &days));
        let truth = rename(&CLASSES, f[6]);
        label.push(match rng.below(50) {
            0..=2 => None,
            3 => Some("Z".to_string()),
            _ => Some(truth.clone()),
        });
        teacher.push(match rng.below(20) {
            0 => None,
            1 | 2 => Some(classes[rng.below(3)].to_string()),
            _ => Some(truth),
        });
    }
    let names = [
        "distance mi",
        "weight (lb)",
        "Zone `a` 'c'.x",
        "express$",
        "fragile",
        "day_of_week\\",
        "cheapest_shipper's",
        "model",
    ];
    let mut num = num.into_iter();
    Rows {
        names: names.iter().map(|n| n.to_string()).collect(),
        columns: vec![
            Values::Num(num.next().unwrap()),
            Values::Num(num.next().unwrap()),
            Values::Text(zone),
            Values::Bool(express),
            Values::Bool(fragile),
            Values::Text(day),
            Values::Text(label),
            Values::Text(teacher.clone()),
        ],
        teacher,
    }
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) || text.is_empty() {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// CSV with `row_id` first. Missing values are empty fields (NaN is written
/// `NaN`, which rulec also reads as missing); the empty string cannot be
/// told from missing in CSV and is written as missing too. Numbers of at
/// least 1000 in the first column are written with thousands separators.
fn write_csv(rows: &Rows, path: &Path) {
    let n = rows.teacher.len();
    let mut out = String::from("row_id");
    for name in &rows.names {
        out.push(',');
        out.push_str(&csv_field(name));
    }
    out.push('\n');
    for i in 0..n {
        out.push_str(&(i + 1).to_string());
        for (j, col) in rows.columns.iter().enumerate() {
            out.push(',');
            let cell = match col {
                Values::Num(v) => match v[i] {
                    None => String::new(),
                    Some(x) if x.is_nan() => "NaN".into(),
                    Some(x) if j == 0 && x.is_finite() && x.abs() >= 1000.0 => {
                        let int = x.trunc().abs() as u64;
                        let frac = format!("{}", x.abs().fract());
                        let frac = frac.strip_prefix('0').unwrap_or("");
                        let sign = if x < 0.0 { "-" } else { "" };
                        format!("\"{sign}{},{:03}{frac}\"", int / 1000, int % 1000)
                    }
                    Some(x) => format!("{x}"),
                },
                Values::Bool(v) => v[i].map_or(String::new(), |b| b.to_string()),
                Values::Text(v) => v[i]
                    .as_deref()
                    .filter(|s| !s.is_empty())
                    .map_or(String::new(), csv_field),
            };
            out.push_str(&cell);
        }
        out.push('\n');
    }
    std::fs::write(path, out).unwrap();
}

/// Parquet with `row_id` first; NaN only `with_nan` (null otherwise).
fn write_parquet(rows: &Rows, path: &Path, with_nan: bool) {
    let n = rows.teacher.len();
    let mut columns = vec![Column::new(
        "row_id".into(),
        (1..=n as i64).collect::<Vec<_>>(),
    )];
    for (name, col) in rows.names.iter().zip(&rows.columns) {
        columns.push(match col {
            Values::Num(v) => {
                let v: Vec<Option<f64>> = v
                    .iter()
                    .map(|x| x.filter(|x| with_nan || !x.is_nan()))
                    .collect();
                Column::new(name.as_str().into(), v)
            }
            Values::Bool(v) => Column::new(name.as_str().into(), v.clone()),
            Values::Text(v) => Column::new(name.as_str().into(), v.clone()),
        });
    }
    let mut df = DataFrame::new_infer_height(columns).unwrap();
    let file = std::fs::File::create(path).unwrap();
    ParquetWriter::new(file).finish(&mut df).unwrap();
}

// ---------------------------------------------------------------------------
// Helpers

/// Runs `rulec` in `dir`, successful or not.
fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rulec"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("rulec runs")
}

fn load(path: &Path) -> RuleSet {
    RuleSet::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `rulec validate --json` with an engine.
fn validate_json(
    dir: &Path,
    data: &str,
    rules: &str,
    teacher: Option<&str>,
    engine: &str,
) -> Value {
    let mut args = vec![
        "validate", data, "--rules", rules, "--json", "--engine", engine,
    ];
    if let Some(t) = teacher {
        args.extend(["--teacher-column", t]);
    }
    serde_json::from_slice(&common::rulec(dir, &args).stdout).unwrap()
}

fn without_engine(mut v: Value) -> Value {
    v.as_object_mut().unwrap().remove("engine");
    v
}

/// `rulec apply`'s decision and rule per row, `None` where no rule covers
/// it. Rule names have no commas, and these classes need no CSV quoting.
fn apply(dir: &Path, rules: &str, data: &str) -> Vec<Option<(String, String)>> {
    let out = common::rulec(dir, &["apply", rules, data]);
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .skip(1)
        .enumerate()
        .map(|(i, line)| {
            let (row, rest) = line.split_once(',').unwrap();
            assert_eq!(row, (i + 1).to_string());
            let (decision, rule) = rest.rsplit_once(',').unwrap();
            (!rule.is_empty()).then(|| (decision.to_string(), rule.to_string()))
        })
        .collect()
}

/// Why the Spark test cannot run here, if it cannot.
fn spark_missing() -> Option<String> {
    let ok = |cmd: &mut Command| cmd.output().is_ok_and(|o| o.status.success());
    if !ok(Command::new("java").arg("-version")) {
        return Some("`java` is not installed (Spark needs Java 17)".into());
    }
    if !ok(Command::new("python3").args(["-c", "import pyspark"])) {
        return Some("`python3 -c \"import pyspark\"` fails (pip install pyspark)".into());
    }
    None
}
