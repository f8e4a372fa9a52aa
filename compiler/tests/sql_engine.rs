//! The SQL backend run for real. `rulec validate --engine sql` (the
//! polars-dialect evidence query in polars' own SQL engine) prints the
//! figures of the interpreter; the polars-dialect `SELECT` decides every
//! row as `rulec apply` does (missing values, values exactly at and next to
//! thresholds, unknown categories, hostile names and text, CSV and
//! Parquet). `rulec emit --lang sql` and Spark are in `sql_emit.rs`.
//!
//! The data: a compiled shipping set, and a copy of it made hostile (column
//! names, categories and classes with quotes, backslashes, `$`, `${..}`,
//! line breaks and non-ASCII text; two extra rules with `is missing` and
//! `in`), over rows perturbed towards the edges.
//! See `sql_fixture`.

mod common;
mod sql_fixture;

use std::collections::BTreeMap;

use polars::prelude::*;
use rulec_codegen::sql::{self, Dialect};
use rulec_datasets::rng::Rng;
use rulec_runtime::{Cell, Evaluator, RuleSet};
use serde_json::{json, Value};
use sql_fixture::*;

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

/// Both engines read what ingest reads: tab-separated, semicolon- and
/// whitespace-separated text, Arrow IPC, and text compressed with gzip or
/// zstd, with the figures of the plain CSV (the SQL engine refused them,
/// naming only csv and parquet).
#[test]
fn sql_engine_reads_tab_separated_other_text_and_compressed_files() {
    use std::io::Write as _;
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for name in ["out/rules.json", "hostile.json"] {
        std::fs::copy(f.dir.join(name), d.join(name.trim_start_matches("out/"))).unwrap();
    }
    let plain = std::fs::read(f.dir.join("d.csv")).unwrap();
    let hostile = std::fs::read(f.dir.join("hostile.csv")).unwrap();
    // The shipping data has no comma inside a field.
    let tabs: Vec<u8> = plain
        .iter()
        .map(|&b| if b == b',' { b'\t' } else { b })
        .collect();
    std::fs::write(d.join("d.tsv"), &tabs).unwrap();
    // A semicolon-separated `.txt` file: the header line says the separator.
    let semis: Vec<u8> = plain
        .iter()
        .map(|&b| if b == b',' { b';' } else { b })
        .collect();
    std::fs::write(d.join("d.txt"), &semis).unwrap();
    // A `.dat` file aligned in columns: runs of spaces separate fields.
    let aligned: String = String::from_utf8(plain.clone())
        .unwrap()
        .lines()
        .map(|line| {
            let fields: Vec<String> = line.split(',').map(|v| format!("{v:>14}")).collect();
            format!("  {}  \n", fields.join(" "))
        })
        .collect();
    std::fs::write(d.join("d.dat"), aligned).unwrap();
    // The same rows as an Arrow IPC (Feather) file.
    {
        use polars::prelude::*;
        let mut frame = CsvReader::new(std::io::Cursor::new(plain.clone()))
            .finish()
            .unwrap();
        IpcWriter::new(std::fs::File::create(d.join("d.feather")).unwrap())
            .finish(&mut frame)
            .unwrap();
    }
    // The same rows as JSON Lines: numbers and booleans as JSON values,
    // text as strings, an empty field as null.
    {
        let text = String::from_utf8(plain.clone()).unwrap();
        let mut lines = text.lines();
        let names: Vec<&str> = lines.next().unwrap().split(',').collect();
        let mut json = String::new();
        for line in lines {
            let fields: Vec<String> = names
                .iter()
                .zip(line.split(','))
                .map(|(name, v)| {
                    let value = if v.is_empty() {
                        "null".to_string()
                    } else if v.parse::<f64>().is_ok() || v == "true" || v == "false" {
                        v.to_string()
                    } else {
                        format!("{v:?}")
                    };
                    format!("{name:?}:{value}")
                })
                .collect();
            json.push_str(&format!("{{{}}}\n", fields.join(",")));
        }
        std::fs::write(d.join("d.jsonl"), json).unwrap();
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&plain).unwrap();
    std::fs::write(d.join("d.csv.gz"), gz.finish().unwrap()).unwrap();
    std::fs::write(
        d.join("hostile.csv.zst"),
        zstd::stream::encode_all(&hostile[..], 3).unwrap(),
    )
    .unwrap();
    let want_plain = validate_json(&f.dir, "d.csv", "out/rules.json", None, "rust");
    let want_hostile = validate_json(&f.dir, "hostile.csv", "hostile.json", Some("model"), "rust");
    let cases = [
        ("d.tsv", "rules.json", None, &want_plain),
        ("d.txt", "rules.json", None, &want_plain),
        ("d.dat", "rules.json", None, &want_plain),
        ("d.feather", "rules.json", None, &want_plain),
        ("d.jsonl", "rules.json", None, &want_plain),
        ("d.csv.gz", "rules.json", None, &want_plain),
        (
            "hostile.csv.zst",
            "hostile.json",
            Some("model"),
            &want_hostile,
        ),
    ];
    for (data, rules, teacher, want) in cases {
        for engine in ["rust", "sql"] {
            let got = validate_json(d, data, rules, teacher, engine);
            assert_eq!(
                without_engine(got),
                without_engine(want.clone()),
                "{data} with {engine}"
            );
        }
    }
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
    edit("decimal_comma.csv", &|i, mut v| {
        if i == 12 {
            v[1] = "\"2,5\"";
        }
        owned(v)
    });
    edit("data.sav", &|_, v| owned(v));
    std::fs::write(d.join("header_only.csv"), format!("{}\n", base[0])).unwrap();
    std::fs::write(d.join("empty.jsonl"), "").unwrap();
    let cases: &[(&str, &[&str], &str)] = &[
        ("no_zone.csv", &[], "lacks the rule set's column(s) `zone`"),
        (
            "text_bool.csv",
            &[],
            "on row 1 (line 2), which is not true or false; the rules expect booleans (true/false)",
        ),
        (
            "text_number.csv",
            &[],
            "column `weight_lb` has `heavy` on row 30 (line 31), which is not a number; the rules expect numbers",
        ),
        (
            "decimal_comma.csv",
            &[],
            "column `weight_lb` has `2,5` on row 12 (line 13), which is not a number; the rules expect numbers (written with a decimal point, not a decimal comma)",
        ),
        ("data.sav", &[], "has extension `.sav`; rulec reads delimited text"),
        ("header_only.csv", &[], "has a header but no rows"),
        ("empty.jsonl", &[], "is empty, expected JSON records"),
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

/// Narrow numbers in polars itself: a sum of two `Int32` columns near their
/// limit (polars added them in `Int32`, and wrapped) and a `Float32`
/// column at a threshold (polars rounded the literal to `f32`, so 2.6f32
/// was below 2.6) decide as the interpreter, which reads every number as
/// `f64`, does.
#[test]
fn polars_reads_narrow_numbers_as_doubles() {
    let f = fixture();
    let mut set: Value =
        serde_json::from_str(&std::fs::read_to_string(f.dir.join("out/rules.json")).unwrap())
            .unwrap();
    let obj = set.as_object_mut().unwrap();
    let numeric = |name: &str| json!({"name": name, "kind": {"type": "numeric"}, "nullable": true});
    obj.insert(
        "features".into(),
        json!([numeric("a"), numeric("b"), numeric("f")]),
    );
    let class = obj["target"]["classes"][0].clone();
    obj.insert("schema_version".into(), json!(2));
    obj.insert(
        "rules".into(),
        json!([
            {"name": "big", "conditions": [{"test": "sum", "features": ["a", "b"], "op": ">=", "value": 105.0}], "decision": class},
            {"name": "wide", "conditions": [{"test": "sum", "features": ["a"], "minus": ["b"], "op": "<", "value": 4.0}], "decision": class},
            {"name": "low", "conditions": [{"test": "cmp", "feature": "f", "op": "<", "value": 2.6}], "decision": class},
        ]),
    );
    let set = RuleSet::from_json(&set.to_string()).unwrap();
    let a: Vec<i32> = vec![i32::MAX, 50, 3, -2, 0, 1];
    let b: Vec<i32> = vec![i32::MAX, 50, 250, i32::MAX, -10, -10];
    let f32s: Vec<f32> = vec![9.0, 9.0, 9.0, 9.0, 2.6, 2.599_999];
    let df = DataFrame::new_infer_height(vec![
        Column::new("a".into(), a.clone()),
        Column::new("b".into(), b.clone()),
        Column::new("f".into(), f32s.clone()),
    ])
    .unwrap();
    let mut ctx = polars::sql::SQLContext::new();
    ctx.register("t", df.lazy());
    let query = sql::select(&set, Dialect::Polars, "t").unwrap();
    let out = ctx.execute(&query).unwrap().collect().unwrap();
    let rules = out.column("rulec_rule").unwrap().str().unwrap().clone();
    let eval = Evaluator::new(&set).unwrap();
    for i in 0..a.len() {
        let row = [
            Cell::Num(f64::from(a[i])),
            Cell::Num(f64::from(b[i])),
            Cell::Num(f64::from(f32s[i])),
        ];
        let want = eval
            .decide(&row)
            .unwrap()
            .map(|hit| set.rules[hit.rule_idx].name.clone());
        assert_eq!(rules.get(i).map(str::to_string), want, "row {i}");
    }
    // The rows the narrow types got wrong: the wrapped sum, and 2.6f32.
    assert_eq!(rules.get(0), Some("big"));
    assert_eq!(rules.get(4), Some("low"));
}
