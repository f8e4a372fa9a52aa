//! The SQL backend as files and on Spark: `rulec emit --lang sql` writes
//! stable files and refuses bad input; and, where pyspark and java are
//! installed, Spark runs the Spark-dialect text over a Parquet file with
//! the same answers as `rulec`. The data is `sql_fixture`'s, as in
//! `sql_engine.rs`.

mod common;
mod sql_fixture;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use rulec_codegen::sql::{self, Dialect};
use serde_json::{json, Value};
use sql_fixture::*;

// ---------------------------------------------------------------------------
// Tests

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
    let out = common::rulec(d, &["emit", "rules.json", "--out", "crate"]);
    assert!(d.join("crate/Cargo.toml").is_file());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("note:"));
    // A --name Cargo would refuse is changed, and the change is said.
    let out = common::rulec(
        d,
        &[
            "emit",
            "rules.json",
            "--out",
            "named",
            "--name",
            "1bad name",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("note: `1bad name` cannot be the crate's name as it is")
            && err.contains("the crate is named `rules-1bad-name`"),
        "{err}"
    );
    let manifest = std::fs::read_to_string(d.join("named/Cargo.toml")).unwrap();
    assert!(
        manifest.contains("name = \"rules-1bad-name\""),
        "{manifest}"
    );
    // A name the crate uses itself: said so, not that it is no name at all.
    let out = common::rulec(
        d,
        &["emit", "rules.json", "--out", "named2", "--name", "rules"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("note: `rules` cannot be the crate's name as it is")
            && err.contains("a name the crate or Cargo uses itself")
            && err.contains("the crate is named `rules-rules`"),
        "{err}"
    );
    let out = run(d, &["emit", "rules.json", "--out", "unnamed", "--name", ""]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("--name is empty; give the crate's package name"),
        "{err}"
    );
    assert!(!d.join("unnamed").exists());
    // --with-runtime given relative to the working folder is written
    // relative to the crate, where Cargo reads it; absolute, as it is.
    let runtime = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime");
    std::os::unix::fs::symlink(&runtime, d.join("rt")).unwrap();
    common::rulec(
        d,
        &[
            "emit",
            "rules.json",
            "--out",
            "a/b/crate",
            "--with-runtime",
            "rt",
        ],
    );
    let manifest = std::fs::read_to_string(d.join("a/b/crate/Cargo.toml")).unwrap();
    assert!(
        manifest.contains("rulec-runtime = { path = \"../../../rt\", optional = true }"),
        "{manifest}"
    );
    let out = run(
        d,
        &[
            "emit",
            "rules.json",
            "--out",
            "not_rt",
            "--with-runtime",
            env!("CARGO_MANIFEST_DIR"),
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("its Cargo.toml is not rulec-runtime's"),
        "{err}"
    );
    assert!(!d.join("not_rt").exists());

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
            "error: --view: CREATE VIEW is not supported in the polars dialect; write the SELECT",
        ),
        (&["--view", "v", "--evidence"], 2, "cannot be used with"),
        (&["--teacher-column", "m"], 2, "--evidence"),
        (&["--name", "x"], 2, "--name is for the Rust crate"),
        (&["--out", "crate"], 1, "is a directory"),
        (&["--out", "file/x.sql"], 1, "--out file/x.sql"),
        (&["--table", ""], 1, "--table must name a table or view"),
        (&["--view", " "], 1, "--view must name a table or view"),
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
    let target = data
        .names
        .iter()
        .position(|n| n == &set.target.name)
        .expect("the target column");
    let sql_fixture::Values::Text(labels) = &data.columns[target] else {
        panic!("the target column holds text");
    };
    // Rows a rule (or, for `None`, no rule) answers that have a label.
    let labelled = |name: Option<&str>| {
        applied
            .iter()
            .zip(labels)
            .filter(|(hit, label)| label.is_some() && hit.as_ref().map(|(_, r)| r.as_str()) == name)
            .count()
    };
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
        assert_eq!(
            m["support"].as_u64(),
            Some(labelled(Some(&rule.name)) as u64)
        );
        want.push(json!({
            "rulec_rule": rule.name,
            "support": answered,
            "labelled": m["support"],
            "correct": m["correct"],
            "agree_teacher": agree,
        }));
    }
    let uncovered = figures["rows"].as_u64().unwrap() - figures["covered"].as_u64().unwrap();
    want.push(json!({"rulec_rule": null, "support": uncovered, "labelled": labelled(None), "correct": 0, "agree_teacher": 0}));
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

/// Codes read with `--categorical` are text to the rules, and the ANSI text
/// lists them as string literals. SQLite (Python's `sqlite3`) runs it over a
/// table whose code column is INTEGER, REAL or TEXT, and decides every row
/// as `rulec apply` does: the literals take the column's type.
#[test]
fn sqlite_reads_codes_as_rulec_does() {
    let python = Command::new("python3")
        .args(["-c", "import sqlite3"])
        .output()
        .is_ok_and(|o| o.status.success());
    if common::skip_without(
        python,
        "sqlite_reads_codes_as_rulec_does: python3 with sqlite3",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut csv = String::from("store,x,y\n");
    let mut state = 7u64;
    for i in 0..1500u64 {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let store = 1 + (state >> 33) % 40;
        let x = (state >> 20) % 1000;
        let yes = (store * 7) % 11 < 5;
        let y = if yes != (i % 97 == 0) { "yes" } else { "no" };
        csv.push_str(&format!("{store},{x},{y}\n"));
    }
    std::fs::write(d.join("codes.csv"), &csv).unwrap();
    common::rulec(
        d,
        &[
            "compile",
            "codes.csv",
            "--target",
            "y",
            "--categorical",
            "store",
            "--no-cache",
            "--quiet",
            "--out",
            "out",
        ],
    );
    common::rulec(
        d,
        &[
            "emit",
            "out/rules.json",
            "--lang",
            "sql",
            "--dialect",
            "ansi",
            "--table",
            "t",
            "--out",
            "rules.sql",
        ],
    );
    let sql = std::fs::read_to_string(d.join("rules.sql")).unwrap();
    assert!(sql.contains("\"store\" IN ('"), "{sql}");
    let applied = common::rulec(d, &["apply", "out/rules.json", "codes.csv"]);
    let want: Vec<String> = String::from_utf8(applied.stdout)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split_once(',').unwrap().1.to_string())
        .collect();
    assert!(want.iter().filter(|l| *l != ",").count() > 1000, "{want:?}");
    let script = r#"
import csv, sqlite3, sys
kind = sys.argv[1]
rows = list(csv.reader(open("codes.csv")))
con = sqlite3.connect(":memory:")
con.execute(f'create table t (store {kind}, x REAL, y TEXT)')
con.executemany("insert into t values (?, ?, ?)", rows[1:])
for r in con.execute(open("rules.sql").read()):
    print(f"{r[-2] or ''},{r[-1] or ''}")
"#;
    for kind in ["INTEGER", "REAL", "TEXT"] {
        let out = Command::new("python3")
            .current_dir(d)
            .args(["-c", script, kind])
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        assert_eq!(got, want, "store {kind}");
    }
}

/// A sum can be NaN with no NaN in the data: `+∞ - +∞`. The interpreter
/// and the crate take no comparison of NaN as holding; DuckDB orders NaN
/// above every number, so the ANSI text's `a - b >= 10` held there until
/// it asked of the terms themselves. DuckDB (Python's `duckdb`) and SQLite
/// run the ANSI text over rows of infinities and decide each as `rulec
/// apply` does.
#[test]
fn duckdb_decides_infinite_sums_as_rulec_does() {
    let python = Command::new("python3")
        .args(["-c", "import duckdb, sqlite3"])
        .output()
        .is_ok_and(|o| o.status.success());
    if common::skip_without(
        python,
        "duckdb_decides_infinite_sums_as_rulec_does: python3 with duckdb",
    ) {
        return;
    }
    use rulec_runtime::ir::{CmpOp, Condition, Feature, FeatureKind, Rule, Target};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let numeric = |name: &str| Feature {
        name: name.into(),
        kind: FeatureKind::Numeric,
        nullable: true,
    };
    let rule = |name: &str, op: CmpOp, decision: &str| Rule {
        name: name.into(),
        conditions: vec![Condition::Sum {
            features: vec!["a".into()],
            minus: vec!["b".into()],
            op,
            value: 10.0,
        }],
        decision: decision.into(),
        origin: None,
        evidence: None,
    };
    let set = rulec_runtime::RuleSet::new(
        Target {
            name: "y".into(),
            classes: vec!["hi".into(), "lo".into()],
            tolerance: None,
        },
        vec![numeric("a"), numeric("b")],
        vec![rule("hi_1", CmpOp::Ge, "hi"), rule("lo_1", CmpOp::Lt, "lo")],
        0.95,
        0.95,
    );
    std::fs::write(d.join("rules.json"), set.to_json()).unwrap();
    let rows = [
        ("inf", "inf"),
        ("-inf", "-inf"),
        ("inf", "-inf"),
        ("-inf", "inf"),
        ("inf", "0"),
        ("0", "inf"),
        ("20", "1"),
        ("1", "20"),
        ("", "1"),
    ];
    let csv: String = std::iter::once("a,b\n".to_string())
        .chain(rows.iter().map(|(a, b)| format!("{a},{b}\n")))
        .collect();
    std::fs::write(d.join("d.csv"), &csv).unwrap();
    common::rulec(
        d,
        &[
            "emit",
            "rules.json",
            "--lang",
            "sql",
            "--table",
            "t",
            "--out",
            "rules.sql",
        ],
    );
    let applied = common::rulec(d, &["apply", "rules.json", "d.csv"]);
    let want: Vec<String> = String::from_utf8(applied.stdout)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split_once(',').unwrap().1.to_string())
        .collect();
    assert_eq!(
        want,
        [",", ",", "hi,hi_1", "lo,lo_1", "hi,hi_1", "lo,lo_1", "hi,hi_1", "lo,lo_1", ","],
        "apply"
    );
    let script = r#"
import csv, duckdb, sqlite3, sys
num = lambda v: float(v) if v else None
rows = [(num(a), num(b)) for a, b in list(csv.reader(open("d.csv")))[1:]]
sql = open("rules.sql").read()
if sys.argv[1] == "duckdb":
    con = duckdb.connect()
    con.execute("create table t (a DOUBLE, b DOUBLE)")
else:
    con = sqlite3.connect(":memory:")
    con.execute("create table t (a REAL, b REAL)")
con.executemany("insert into t values (?, ?)", rows)
for r in con.execute(sql).fetchall():
    print(f"{r[-2] or ''},{r[-1] or ''}")
"#;
    for engine in ["duckdb", "sqlite"] {
        let out = Command::new("python3")
            .current_dir(d)
            .args(["-c", script, engine])
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        assert_eq!(got, want, "{engine}");
    }
}

/// A column named as one the SQL adds to each row (`rulec_rule`, in any
/// case) is said at compile time, where it can still be renamed, and not
/// only when `emit --lang sql` refuses it.
#[test]
fn a_column_named_as_an_sql_output_is_said_at_compile_time() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut text = String::from("RULEC_Rule,x,y\n");
    for i in 0..600 {
        let a = (i * 37 % 100) as f64 / 100.0;
        let y = if a < 0.5 { "A" } else { "B" };
        text.push_str(&format!("{a},{},{y}\n", i % 7));
    }
    std::fs::write(d.join("t.csv"), text).unwrap();
    let err = compile_stderr(d, "t.csv");
    assert!(
        err.contains("note: column `RULEC_Rule` has the name of a column rulec's SQL adds to each row (`rulec_decision`, `rulec_rule`): `rulec emit --lang sql` will refuse these rules"),
        "{err}"
    );
    let book = std::fs::read_to_string(d.join("out/RULEBOOK.md")).unwrap();
    assert!(book.contains("has the name of a column rulec's SQL adds"));
    let out = run(d, &EMIT_SQL);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("has the name of an output column"), "{err}");
    assert!(!d.join("q.sql").exists());
    // The crate is not bothered by the name.
    common::rulec(d, &["emit", "out/rules.json", "--out", "crate"]);
}

/// A column name with a NUL character (a Parquet file may hold one) is
/// said at compile time too: SQL cannot quote it.
#[test]
fn a_column_name_with_a_nul_is_said_at_compile_time() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let n = 600;
    let a: Vec<f64> = (0..n).map(|i| (i * 37 % 100) as f64 / 100.0).collect();
    let y: Vec<&str> = a.iter().map(|&a| if a < 0.5 { "A" } else { "B" }).collect();
    let mut df = DataFrame::new(
        n,
        vec![
            Series::new("we\0ird".into(), a).into(),
            Series::new("y".into(), y).into(),
        ],
    )
    .unwrap();
    ParquetWriter::new(std::fs::File::create(d.join("t.parquet")).unwrap())
        .finish(&mut df)
        .unwrap();
    let err = compile_stderr(d, "t.parquet");
    assert!(
        err.contains("note: column `we\\0ird` has a NUL character in its name: `rulec emit --lang sql` will refuse these rules"),
        "{err}"
    );
    let out = run(d, &EMIT_SQL);
    assert_eq!(out.status.code(), Some(1));
}

/// `emit --lang sql` of the compile in `out/`, to `q.sql`.
const EMIT_SQL: [&str; 7] = [
    "emit",
    "out/rules.json",
    "--lang",
    "sql",
    "--out",
    "q.sql",
    "-q",
];

/// Compiles `file` (target `y`) into `out/`; what it said on stderr.
fn compile_stderr(d: &Path, file: &str) -> String {
    let out = common::rulec(
        d,
        &[
            "compile",
            file,
            "--target",
            "y",
            "--out",
            "out",
            "--no-cache",
        ],
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}
