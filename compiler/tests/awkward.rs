//! The rest of the table of bad or awkward inputs (issue #7), beyond the
//! one-line cases of `bad_input.rs`: each with its exact expected outcome.
//! Refused inputs give one `error:` line naming the file or option and what
//! was expected, exit code 1 and no output; accepted ones give a correct
//! result (and a note where rulec changed something).

mod common;

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Output};

use rulec_datasets::Rng;

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rulec"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("rulec runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts a refusal: exit 1, one error line holding every `want`, no panic,
/// nothing at `out`.
fn refused(dir: &Path, o: &Output, want: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    for w in want {
        assert!(errors[0].contains(w), "`{w}` not in `{}`", errors[0]);
    }
    assert!(!dir.join("out").exists());
}

fn compile(dir: &Path, file: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "compile",
        file,
        "--target",
        "y",
        "--no-cache",
        "--out",
        "out",
    ];
    args.extend_from_slice(extra);
    run(dir, &args)
}

/// The rule set `compile` wrote to `out/rules.json` in `dir`.
fn rules(dir: &Path) -> rulec_runtime::RuleSet {
    rulec_runtime::RuleSet::from_json(&std::fs::read_to_string(dir.join("out/rules.json")).unwrap())
        .unwrap()
}

fn report(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("out/report.json")).unwrap()).unwrap()
}

/// `x` in [0, 100): `lo` below 50, `hi` above; plus the given columns.
fn two_class(rows: usize, seed: u64) -> (Vec<f64>, Vec<&'static str>) {
    let mut rng = Rng::new(seed);
    let x: Vec<f64> = (0..rows)
        .map(|_| (rng.f64() * 1000.0).round() / 10.0)
        .collect();
    let y = x
        .iter()
        .map(|&v| if v < 50.0 { "lo" } else { "hi" })
        .collect();
    (x, y)
}

/// [`two_class`] rows written as `d.csv` in `dir`.
fn write_two_class(dir: &Path, rows: usize, seed: u64) {
    let (x, y) = two_class(rows, seed);
    let mut csv = String::from("x,y\n");
    for (x, y) in x.iter().zip(&y) {
        writeln!(csv, "{x},{y}").unwrap();
    }
    std::fs::write(dir.join("d.csv"), csv).unwrap();
}

/// `validate` of `out/rules.json` on `file` with the interpreter and the
/// SQL engine: each one's table past the line that names the engine.
fn validate_both(dir: &Path, file: &str) -> [String; 2] {
    ["rust", "sql"].map(|engine| {
        let o = run(
            dir,
            &["validate", "out/rules.json", file, "--engine", engine],
        );
        assert!(o.status.success(), "{file} {engine}: {}", stderr(&o));
        let table = String::from_utf8_lossy(&o.stdout).into_owned();
        table
            .split_once('\n')
            .map(|(_, t)| t.to_string())
            .unwrap_or_default()
    })
}

#[test]
fn a_truncated_parquet_file_is_refused() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = two_class(2000, 1);
    let mut df = df!("x" => x, "y" => y).unwrap();
    let path = dir.path().join("d.parquet");
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut df)
        .unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let o = compile(dir.path(), "d.parquet", &[]);
    refused(dir.path(), &o, &["d.parquet"]);
}

/// Two column names that differ only in the spaces around them or in
/// case (`V1` and `V1 `) are two columns, with a note: nothing said so.
#[test]
fn column_names_that_differ_only_in_spaces_or_case_get_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = two_class(600, 4);
    let mut csv = String::from("x,X ,y\n");
    for (x, y) in x.iter().zip(&y) {
        writeln!(csv, "{x},{},{y}", x * 2.0).unwrap();
    }
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    let o = compile(dir.path(), "d.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("note: columns `x` and `X ` differ only in case or the spaces around them: they are read as two columns"),
        "{}",
        stderr(&o)
    );
    write_two_class(dir.path(), 600, 4);
    std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    let o = compile(dir.path(), "d.csv", &[]);
    assert!(
        !stderr(&o).contains("differ only in case"),
        "{}",
        stderr(&o)
    );
}

/// An empty text in the target of a Parquet file is no label, as an
/// empty cell of a CSV file is (it was the class `""`, which `rulec apply`
/// writes as the fallback's empty cell): the two copies give one rule set.
#[test]
fn an_empty_label_is_missing_in_parquet_as_in_csv() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = two_class(2000, 3);
    let y: Vec<&str> = y
        .iter()
        .enumerate()
        .map(|(i, y)| if i % 40 == 0 { "" } else { y })
        .collect();
    let mut csv = String::from("x,y\n");
    for (x, y) in x.iter().zip(&y) {
        writeln!(csv, "{x},{y}").unwrap();
    }
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    let mut df = df!("x" => x, "y" => y).unwrap();
    ParquetWriter::new(std::fs::File::create(dir.path().join("d.parquet")).unwrap())
        .finish(&mut df)
        .unwrap();
    let mut sets = Vec::new();
    for file in ["d.csv", "d.parquet"] {
        let _ = std::fs::remove_dir_all(dir.path().join("out"));
        let o = compile(dir.path(), file, &[]);
        assert!(o.status.success(), "{file}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("50 rows have no value in the target column `y` and are left out"),
            "{file}: {}",
            stderr(&o)
        );
        let set: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join("out/rules.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(
            set["target"]["classes"],
            serde_json::json!(["hi", "lo"]),
            "{file}"
        );
        sets.push(set["rules"].clone());
    }
    assert_eq!(sets[0], sets[1]);
    // validate (both engines) and check read such a label as none too:
    // they counted it a label that names no class, every decision on it
    // wrong, where the CSV copy's rows were unlabelled.
    for engine in ["rust", "sql"] {
        let figures: Vec<serde_json::Value> = ["d.csv", "d.parquet"]
            .iter()
            .map(|file| {
                let o = validate(dir.path(), file, engine, true);
                let v: serde_json::Value = serde_json::from_slice(&o.stdout)
                    .unwrap_or_else(|e| panic!("{file} {engine}: {e}: {}", stderr(&o)));
                assert!(v.get("foreign_labels").is_none(), "{file} {engine}: {v}");
                v["all"].clone()
            })
            .collect();
        assert_eq!(figures[0], figures[1], "{engine}");
    }
    let checks: Vec<Option<i32>> = ["d.csv", "d.parquet"]
        .iter()
        .map(|file| {
            run(dir.path(), &["check", "out/rules.json", file])
                .status
                .code()
        })
        .collect();
    assert_eq!(checks, [Some(0), Some(0)]);
}

#[test]
fn a_target_with_500_classes_compiles() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(2);
    // A text column too: each tree node ordered its categories once per
    // class, and this table took the forest minutes.
    let mut csv = String::from("x,z,t,y\n");
    for _ in 0..6000 {
        let c = rng.below(500);
        let t = ["a", "b", "c", "d", "e"][rng.below(5)];
        writeln!(
            csv,
            "{},{},{t},k{c:03}",
            c as f64 + rng.f64() * 0.5,
            rng.f64()
        )
        .unwrap();
    }
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    let o = compile(dir.path(), "d.csv", &["-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let set = rules(dir.path());
    assert_eq!(set.target.classes.len(), 500);
    // Every kept rule is certified on real rows; the crate has an enum of 500.
    let rules = std::fs::read_to_string(dir.path().join("out/crate/src/rules.rs")).unwrap();
    assert!(rules.contains("K499"));
    // No table of 500 x 500 decisions in rules.json or the book.
    let summary = set.summary.as_ref().unwrap();
    assert!(summary.validation.confusion.is_empty());
    let size = std::fs::metadata(dir.path().join("out/rules.json"))
        .unwrap()
        .len();
    assert!(size < 2_000_000, "rules.json has {size} bytes");
    let book = std::fs::read_to_string(dir.path().join("out/RULEBOOK.md")).unwrap();
    assert!(!book.contains("decided ↓ · true →"));
}

/// Past a dozen classes, the book's table of decisions shows only the
/// classes some covered row was decided as or truly is, and says so.
#[test]
fn the_decisions_table_of_many_classes_shows_those_with_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(3);
    let mut csv = String::from("x,z,y\n");
    for _ in 0..6000 {
        // Class k00 is a clean region; the other 39 are noise over the rest.
        let x = rng.f64();
        let y = if x < 0.4 { 0 } else { 1 + rng.below(39) };
        writeln!(csv, "{x},{},k{y:02}", rng.f64()).unwrap();
    }
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    let o = compile(dir.path(), "d.csv", &["-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let set = rules(dir.path());
    assert_eq!(set.target.classes.len(), 40);
    assert!(!set.rules.is_empty(), "the clean region is certified");
    let book = std::fs::read_to_string(dir.path().join("out/RULEBOOK.md")).unwrap();
    let table = book
        .find("decided ↓ · true →")
        .expect("a table of decisions");
    let header = book[table..].lines().next().unwrap();
    let shown = header.matches(" | ").count();
    assert!(shown < 40, "{header}");
    assert!(
        book.contains("Of the 40 classes, the "),
        "the book says which classes it shows"
    );
}

#[test]
fn a_class_with_one_row_is_kept_as_a_class() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = two_class(2000, 3);
    let mut csv = String::from("x,y\n");
    for (x, y) in x.iter().zip(&y) {
        writeln!(csv, "{x},{y}").unwrap();
    }
    csv.push_str("5,singleton\n");
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    let o = compile(dir.path(), "d.csv", &["-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = report(dir.path());
    assert!(r["coverage"].as_f64().unwrap() > 0.9, "{r}");
    let json = std::fs::read_to_string(dir.path().join("out/rules.json")).unwrap();
    assert!(json.contains("\"singleton\""));
}

#[test]
fn a_column_with_100000_categories_is_grouped_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = two_class(110_000, 4);
    let mut csv = String::from("id,x,y\n");
    for (i, (x, y)) in x.iter().zip(&y).enumerate() {
        writeln!(csv, "u{i},{x},{y}").unwrap();
    }
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    let o = compile(dir.path(), "d.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Levels are counted on the training rows only (60 % of the rows);
    // the ids of the other rows are unknown to the rules. A value per row is
    // named as what it looks like, an identifier, in one note that says
    // which values the rules keep, and not "raise --max-categories", which
    // helps no identifier.
    let err = stderr(&o);
    assert!(
        err.contains(
            "note: column `id` has a value of its own in 66001 of its 66001 training rows, as an identifier does"
        ) && err.contains(
            "values seen in training (rulec keeps the 256 most frequent of them as categories), which new rows do not have"
        ),
        "{err}"
    );
    assert_eq!(
        err.lines()
            .filter(|l| l.starts_with("note: column `id`"))
            .count(),
        1,
        "{err}"
    );
    assert!(!err.contains("raise --max-categories"), "{err}");
    assert!(report(dir.path())["coverage"].as_f64().unwrap() > 0.9);
    // A limit can be asked for.
    std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    let o = compile(dir.path(), "d.csv", &["--max-categories", "0"]);
    refused(dir.path(), &o, &["--max-categories must be at least 1"]);
}

#[test]
fn a_thousand_columns_compile() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(5);
    let mut csv = (0..1000)
        .map(|j| format!("c{j}"))
        .collect::<Vec<_>>()
        .join(",");
    csv.push_str(",y\n");
    for _ in 0..1500 {
        let v: Vec<f64> = (0..1000)
            .map(|_| (rng.f64() * 1000.0).round() / 1000.0)
            .collect();
        for x in &v {
            write!(csv, "{x},").unwrap();
        }
        csv.push_str(if v[7] < 0.5 { "lo\n" } else { "hi\n" });
    }
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    let o = compile(dir.path(), "d.csv", &["-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let set = rules(dir.path());
    assert_eq!(set.features.len(), 1000);
    // The generated crate has a field per column.
    let rules = std::fs::read_to_string(dir.path().join("out/crate/src/rules.rs")).unwrap();
    assert!(rules.contains("pub c999: f64"));
}

#[test]
fn a_single_row_and_a_single_class_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("one.csv"), "x,y\n1,a\n").unwrap();
    let o = compile(dir.path(), "one.csv", &[]);
    refused(
        dir.path(),
        &o,
        &["one.csv", "target column `y` has a single class `a`"],
    );
    std::fs::write(dir.path().join("two.csv"), "x,y\n1,a\n2,b\n").unwrap();
    let o = compile(dir.path(), "two.csv", &[]);
    refused(dir.path(), &o, &["two.csv", "too few rows"]);
}

/// `rulec validate` of `data` in `dir` against `out/rules.json`, with
/// `engine`, in JSON when `json`.
fn validate(dir: &Path, data: &str, engine: &str, json: bool) -> Output {
    let mut args = vec![
        "validate",
        "--rules",
        "out/rules.json",
        data,
        "--engine",
        engine,
    ];
    if json {
        args.push("--json");
    }
    run(dir, &args)
}

/// `check` and both engines of `validate` read `data` in `dir` (against
/// `out/rules.json`) as `rows` ("2000 rows"), `answered` following it
/// (" 2000": all answered; "": not checked).
fn every_reader_counts(dir: &Path, data: &str, rows: &str, answered: &str) {
    let o = run(dir, &["check", "out/rules.json", data]);
    let out = String::from_utf8_lossy(&o.stdout);
    // `check` writes counts with thousands separators, as the book does.
    let commas = |s: &str| s.replace("2000", "2,000");
    let want = format!("\n{}; the rules answer{}", commas(rows), commas(answered));
    assert!(out.contains(&want), "{want}: {out}{}", stderr(&o));
    for engine in ["rust", "sql"] {
        let o = validate(dir, data, engine, false);
        let out = String::from_utf8_lossy(&o.stdout);
        let want = format!("\n{rows},{answered}");
        assert!(out.contains(&want), "{engine}: {want}: {out}{}", stderr(&o));
    }
}

/// polars reads a blank line as a row with no value in any column; pandas
/// skips it, and so does rulec: compile, `check` and both engines of
/// `validate` count the file's rows, not its blank lines (`check` said
/// "2003 rows" of a file of 2000 and three blank lines).
#[test]
fn blank_lines_are_not_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = two_class(2000, 8);
    let mut csv = String::from("x,y\n");
    for (i, (x, y)) in x.iter().zip(&y).enumerate() {
        writeln!(csv, "{x},{y}").unwrap();
        match i {
            500 => csv.push('\n'),
            1200 => csv.push_str("\r\n"),
            1500 => csv.push_str(",\n"),
            _ => {}
        }
    }
    csv.push_str("\n\n");
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    let o = compile(dir.path(), "d.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !stderr(&o).contains("no value in the target"),
        "{}",
        stderr(&o)
    );
    assert_eq!(report(dir.path())["dropped_unlabelled_rows"], 0);
    assert_eq!(rules(dir.path()).provenance.unwrap().rows, 2000);
    every_reader_counts(dir.path(), "d.csv", "2000 rows", "");
}

/// A column with no name in the header (past the first) is `Unnamed: i`,
/// as pandas' `read_csv` names it: rules compiled from the file then apply
/// to the frame pandas reads from it, and a file with the index pandas
/// writes and another unnamed column is read, not refused as two columns
/// named ``. Every reader agrees: compile, `check`, both engines of
/// `validate`.
#[test]
fn a_column_without_a_name_is_named_as_pandas_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = two_class(2000, 9);
    let mut csv = String::from(",noise,,y\n");
    for (i, (x, y)) in x.iter().zip(&y).enumerate() {
        writeln!(csv, "{i},{},{x},{y}", (i * 7919) % 100).unwrap();
    }
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    let o = compile(dir.path(), "d.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let set = rules(dir.path());
    let names: Vec<&str> = set.features.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["noise", "Unnamed: 2"]);
    assert!(
        set.rules
            .iter()
            .all(|r| r.conditions.iter().all(|c| c.feature() == "Unnamed: 2")),
        "{:?}",
        set.rules
    );
    every_reader_counts(dir.path(), "d.csv", "2000 rows", " 2000");
}

/// pandas writes a column of whole numbers as `1.0` when it has a
/// missing value and as `1` when it has none. Rules compiled from one
/// batch are checked on the next as the same classes, both ways, by
/// `check` and both engines of `validate` (every label counted wrong
/// before, and `check` said every rule fails).
#[test]
fn labels_written_as_1_and_1_0_are_one_class() {
    labels_written_each_way_are_one_class(&[
        ("floats.csv", "1.0", "0.0", true),
        ("ints.csv", "1", "0", false),
    ]);
}

/// The compile reads a target of boolean words in any case as the classes
/// `true` and `false`; pandas writes booleans `True`, R `TRUE`. `check`
/// and the rust engine of `validate` counted every decision wrong on the
/// very file the rules were compiled from, and `check` failed every rule.
#[test]
fn boolean_labels_in_any_case_are_one_class() {
    labels_written_each_way_are_one_class(&[
        ("pandas.csv", "True", "False", true),
        ("r.csv", "TRUE", "FALSE", false),
        ("lower.csv", "true", "false", false),
    ]);
}

/// Writes the two-class table once per way of writing its two labels
/// (file, the label of `lo`, that of `hi`, whether some labels are
/// missing); compiles each and checks and validates it on every file.
fn labels_written_each_way_are_one_class(ways: &[(&str, &str, &str, bool)]) {
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = two_class(2000, 10);
    for &(name, one, zero, gaps) in ways {
        let mut csv = String::from("x,y\n");
        for (i, (x, y)) in x.iter().zip(&y).enumerate() {
            let label = if gaps && i % 100 == 0 {
                ""
            } else if *y == "lo" {
                one
            } else {
                zero
            };
            writeln!(csv, "{x},{label}").unwrap();
        }
        std::fs::write(dir.path().join(name), csv).unwrap();
    }
    for &(trained, ..) in ways {
        let o = compile(dir.path(), trained, &[]);
        assert!(o.status.success(), "{}", stderr(&o));
        for &(other, ..) in ways {
            let o = run(dir.path(), &["check", "out/rules.json", other]);
            let out = String::from_utf8_lossy(&o.stdout);
            assert!(o.status.success(), "{trained} then {other}: {out}");
            assert!(
                out.contains("No rule fails."),
                "{trained} then {other}: {out}"
            );
            for engine in ["rust", "sql"] {
                let o = validate(dir.path(), other, engine, true);
                let v: serde_json::Value = serde_json::from_slice(&o.stdout)
                    .unwrap_or_else(|e| panic!("{engine}: {e}: {}", stderr(&o)));
                assert_eq!(
                    v["all"]["correct"], v["all"]["support"],
                    "{trained} then {other}, {engine}: {v}"
                );
                assert!(
                    v["all"]["support"].as_u64().unwrap() > 1900,
                    "{engine}: {v}"
                );
            }
        }
        std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    }
}

#[test]
fn labels_that_name_no_class_are_said_to_by_check_and_validate() {
    // Rules compiled on `lo`/`hi`, checked on a batch that writes the
    // labels `yes`/`no`: every rule fails, as it must (its decisions are
    // not these labels), and the check says why in words an auditor can
    // act on, in Markdown and in JSON, as `rulec validate` does with either
    // engine; a batch written as the classes gets no such line.
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = two_class(2000, 10);
    let mut csv = String::from("x,y\n");
    for (i, (x, y)) in x.iter().zip(&y).enumerate() {
        let label = match (i % 100, *y == "lo") {
            (0, _) => "",
            (_, true) => "yes",
            (_, false) => "no",
        };
        writeln!(csv, "{x},{label}").unwrap();
    }
    std::fs::write(dir.path().join("renamed.csv"), csv).unwrap();
    write_two_class(dir.path(), 2000, 10);
    let o = compile(dir.path(), "d.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(dir.path(), &["check", "out/rules.json", "renamed.csv"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!o.status.success(), "{out}");
    assert!(
        out.contains(
            "1980 of the 1980 labelled rows have a label that is none of the rule set's classes (`hi`, `lo`), such as "
        ),
        "{out}"
    );
    assert!(out.contains("`yes`") && out.contains("`no`"), "{out}");
    let o = run(
        dir.path(),
        &["check", "out/rules.json", "renamed.csv", "--json"],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["foreign_labels"]["rows"], 1980, "{v}");
    assert_eq!(v["foreign_labels"]["labelled"], 1980, "{v}");
    assert_eq!(v["foreign_labels"]["examples"].as_array().unwrap().len(), 2);
    let from_check = v["foreign_labels"].clone();
    let o = run(dir.path(), &["check", "out/rules.json", "d.csv", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.get("foreign_labels").is_none(), "{v}");
    for engine in ["rust", "sql"] {
        let validate = |file: &str, json: bool| validate(dir.path(), file, engine, json);
        let o = validate("renamed.csv", true);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{engine}: {e}: {}", stderr(&o)));
        assert_eq!(v["foreign_labels"], from_check, "{engine}: {v}");
        let o = validate("renamed.csv", false);
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            out.contains("note: 1980 of the 1980 labelled rows have a label that is none"),
            "{engine}: {out}"
        );
        let o = validate("d.csv", true);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(v.get("foreign_labels").is_none(), "{engine}: {v}");
    }
}

#[test]
fn rows_without_a_label_are_left_out_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = two_class(3000, 6);
    let mut csv = String::from("x,y\n");
    for (i, (x, y)) in x.iter().zip(&y).enumerate() {
        let y = if i % 10 == 0 { "" } else { y };
        writeln!(csv, "{x},{y}").unwrap();
    }
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    let o = compile(dir.path(), "d.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o)
        .contains("note: 300 rows have no value in the target column `y` and are left out"));
    assert_eq!(report(dir.path())["dropped_unlabelled_rows"], 300);
}

#[test]
fn out_as_an_existing_file_or_an_unwritable_place_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write_two_class(dir.path(), 1000, 7);
    std::fs::write(dir.path().join("file"), "keep me").unwrap();
    let o = run(
        dir.path(),
        &["compile", "d.csv", "--target", "y", "--out", "file"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("--out file: exists and is not a directory"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("file")).unwrap(),
        "keep me"
    );
    // /proc takes no new directories, even from root: a place rulec cannot write.
    if Path::new("/proc/self").exists() {
        let o = run(
            dir.path(),
            &[
                "compile",
                "d.csv",
                "--target",
                "y",
                "--no-cache",
                "--out",
                "/proc/rulec-out",
            ],
        );
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(stderr(&o).contains("/proc"), "{}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"));
    }
}

#[test]
fn rule_files_with_mistakes_are_refused_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("x,shade,flag,y\n");
    for i in 0..300 {
        let x = (i * 37) % 100;
        writeln!(
            csv,
            "{x},{},{},{}",
            ["red", "blue"][i % 2],
            i % 3 == 0,
            if x < 50 { "lo" } else { "hi" }
        )
        .unwrap();
    }
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    let cases = [
        (
            "syntax",
            "rule a:\n  when x < \n  then y = \"lo\"\n",
            "syntax.rules: line 3, column 3: expected a number, found `then`",
        ),
        (
            "unknown",
            "rule a:\n  when size < 5\n  then y = \"lo\"\n",
            "unknown.rules: line 2, column 8: unknown column `size`; columns are: x, shade, flag",
        ),
        (
            "mismatch",
            "rule a:\n  when shade < 5\n  then y = \"lo\"\n",
            "mismatch.rules: line 2, column 8: `shade` is categorical, so a comparison does not apply",
        ),
        (
            "contradiction",
            "rule a:\n  when x < 5 and x > 10\n  then y = \"lo\"\n",
            "contradiction.rules: line 1, column 1: rule `a` can never hold: x > 10 and x < 5",
        ),
        (
            "class",
            "rule a:\n  when x < 5\n  then y = \"medium\"\n",
            "class.rules: line 3, column 12: rule `a` decides \"medium\", which is not a class of `y`",
        ),
        (
            "listed",
            "rule a:\n  when x in {\"5\"}\n  then y = \"lo\"\nrule b:\n  when x < 5\n  then y = \"lo\"\n",
            "listed.rules: line 5, column 8: `x` is categorical, so a comparison does not apply (its numbers are read as categories because line 2 lists them in a set; in one file a column of numbers is either compared or listed, not both)",
        ),
    ];
    for (name, text, want) in cases {
        let file = format!("{name}.rules");
        std::fs::write(dir.path().join(&file), text).unwrap();
        let o = run(dir.path(), &["validate", "d.csv", "--rules", &file]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains(want), "{name}: `{want}` not in {err}");
        assert!(err.contains(&file), "{name}: the file is named: {err}");
        assert!(!err.contains("panicked"));
    }
}

#[test]
fn a_file_over_max_rows_is_read_as_a_seeded_sample_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    write_two_class(dir.path(), 20_000, 8);
    let o = compile(dir.path(), "d.csv", &["--max-rows", "5000"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "note: d.csv has 20000 rows, more than --max-rows 5000: a seeded random sample of 5000 rows is read"
        ),
        "{}",
        stderr(&o)
    );
    let r = report(dir.path());
    let rows = &r["rows"];
    let total = rows["train"].as_u64().unwrap()
        + rows["validation"].as_u64().unwrap()
        + rows["test"].as_u64().unwrap();
    assert_eq!(total, 5000);
    let first = std::fs::read(dir.path().join("out/rules.json")).unwrap();
    std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    let o = compile(dir.path(), "d.csv", &["--max-rows", "5000", "-q"]);
    assert!(o.status.success());
    assert_eq!(
        std::fs::read(dir.path().join("out/rules.json")).unwrap(),
        first,
        "seeded"
    );
    std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    let o = compile(dir.path(), "d.csv", &["--max-rows", "3"]);
    refused(dir.path(), &o, &["--max-rows must be at least 10, got 3"]);
}

#[test]
fn sample_trains_on_part_of_the_training_rows_and_validates_on_all() {
    let dir = tempfile::tempdir().unwrap();
    write_two_class(dir.path(), 10_000, 9);
    let o = compile(dir.path(), "d.csv", &["--sample", "500"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("a stratified sample of 500 of the 6,0"));
    let r = report(dir.path());
    assert_eq!(r["rows"]["train"], 500);
    // Every held-out row is evidence: 10,000 rows less the 60 % training share.
    let held_out = r["rows"]["validation"].as_u64().unwrap() + r["rows"]["test"].as_u64().unwrap();
    assert!((3990..=4010).contains(&held_out), "{held_out}");
    assert!(r["coverage"].as_f64().unwrap() > 0.9);
    // Exactly N, though each class's share is rounded (100 gave 101); and
    // N past the training rows is said to take them all.
    for (n, said) in [
        ("101", "a stratified sample of 101 of the 6,0"),
        ("99999", "note: --sample 99999 is at least the 600"),
    ] {
        std::fs::remove_dir_all(dir.path().join("out")).unwrap();
        let o = compile(dir.path(), "d.csv", &["--sample", n]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stderr(&o).contains(said), "{}", stderr(&o));
    }
}

#[test]
fn several_files_are_read_as_one_table() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    common::rulec(
        d,
        &["dataset", "shipping", "--rows", "9000", "--out", "all.csv"],
    );
    let text = std::fs::read_to_string(d.join("all.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().to_string();
    let rows: Vec<&str> = lines.collect();
    for (i, chunk) in rows.chunks(3000).enumerate() {
        let mut part = header.clone() + "\n";
        for r in chunk {
            part.push_str(r);
            part.push('\n');
        }
        std::fs::write(d.join(format!("part{i}.csv")), part).unwrap();
    }
    // The last part as Parquet: formats may be mixed.
    let mut df = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(d.join("part2.csv")))
        .unwrap()
        .finish()
        .unwrap();
    ParquetWriter::new(std::fs::File::create(d.join("part2.parquet")).unwrap())
        .finish(&mut df)
        .unwrap();
    let one = |args: &[&str], out: &str| {
        let mut a = vec!["compile"];
        a.extend_from_slice(args);
        a.extend_from_slice(&[
            "--target",
            "cheapest_shipper",
            "--no-cache",
            "-q",
            "--out",
            out,
        ]);
        let o = run(d, &a);
        assert!(o.status.success(), "{}", stderr(&o));
        rulec_runtime::RuleSet::from_json(
            &std::fs::read_to_string(d.join(out).join("rules.json")).unwrap(),
        )
        .unwrap()
    };
    let whole = one(&["all.csv"], "whole");
    let parts = one(&["part0.csv", "part1.csv", "part2.parquet"], "parts");
    assert_eq!(
        whole.rules, parts.rules,
        "the same rows give the same rules"
    );
    let prov = parts.provenance.unwrap();
    assert_eq!(prov.data_file, "part0.csv, part1.csv, part2.parquet");
    assert_eq!(prov.rows, 9000);
    assert_ne!(prov.data_sha256, whole.provenance.unwrap().data_sha256);
    // A file with other columns is refused, naming it.
    std::fs::write(d.join("other.csv"), "a,b\n1,2\n").unwrap();
    let o = run(
        d,
        &[
            "compile",
            "part0.csv",
            "other.csv",
            "--target",
            "cheapest_shipper",
            "--out",
            "out",
        ],
    );
    refused(
        d,
        &o,
        &[
            "other.csv",
            "has columns a, b",
            "every file must have the same columns",
        ],
    );
}

#[test]
fn too_few_validation_rows_to_certify_are_said_plainly() {
    // 150 rows split 60/20/20: 30 validation rows, where even a flawless
    // set's exact bound is below 95 % (59 is the least). The compile
    // succeeds with no rule, and says why on stderr and in the book.
    let dir = tempfile::tempdir().unwrap();
    write_two_class(dir.path(), 150, 5);
    let o = compile(dir.path(), "d.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let why = "No rule set could have been certified with 30 validation rows";
    assert!(
        stderr(&o).contains(&format!("note: {why}")),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("The least is 59 rows"),
        "{}",
        stderr(&o)
    );
    let book = std::fs::read_to_string(dir.path().join("out/RULEBOOK.md")).unwrap();
    assert!(book.contains(why), "{book}");
    assert_eq!(report(dir.path())["rules"], 0);
    // With enough validation rows the note is not there.
    std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    write_two_class(dir.path(), 1000, 5);
    let o = compile(dir.path(), "d.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains(why), "{}", stderr(&o));
    // One validation row is one row ("with 1 validation rows").
    std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    write_two_class(dir.path(), 5, 5);
    let o = compile(dir.path(), "d.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("certified with 1 validation row: even one right"),
        "{}",
        stderr(&o)
    );
    let book = std::fs::read_to_string(dir.path().join("out/RULEBOOK.md")).unwrap();
    assert!(book.contains(" on 1 validation row"), "{book}");
    assert!(!book.contains("1 validation rows"), "{book}");
    // A least of thousands reads with separators, as every count does.
    std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    write_two_class(dir.path(), 150, 5);
    let o = compile(dir.path(), "d.csv", &["--precision", "0.999"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("The least is 2,995 rows"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_numeric_column_made_text_by_a_marker_gets_a_note() {
    // `x` is numbers but for "?" in some rows: rulec reads it as text (a
    // category per number) and names the marker and the way out.
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = two_class(400, 6);
    let mut csv = String::from("x,y\n");
    for (i, (x, y)) in x.iter().zip(&y).enumerate() {
        if i % 40 == 0 {
            writeln!(csv, "?,{y}").unwrap();
        } else {
            writeln!(csv, "{x},{y}").unwrap();
        }
    }
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    let o = compile(dir.path(), "d.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("note: column `x` is read as text, not numbers, because of one of its training values (`?` in ")
            && err.contains("leave those cells empty (or write NA)"),
        "{err}"
    );
    // Amounts all different but for the marker: nothing else is said of
    // the column as text ("an identifier: keep rules off it" contradicted
    // the advice).
    let mut csv = String::from("amount,y\n");
    for (i, y) in y.iter().enumerate() {
        if i % 40 == 0 {
            writeln!(csv, "n/k,{y}").unwrap();
        } else {
            writeln!(csv, "{:.2},{y}", 100.0 + i as f64 * 1.37).unwrap();
        }
    }
    std::fs::write(dir.path().join("u.csv"), csv).unwrap();
    std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    let o = compile(dir.path(), "u.csv", &[]);
    let err = stderr(&o);
    assert!(
        err.contains("note: column `amount` is read as text"),
        "{err}"
    );
    assert!(!err.contains("as an identifier does"), "{err}");
}

/// The narrow types pandas and Arrow write (`uint8` counts and flags,
/// `uint16`, `float16`) and the decimals of a database or Spark export
/// read as numbers; a column of lists, which no rule can test, is left
/// out with a note. Each used to refuse the whole file.
#[test]
fn narrow_numbers_and_decimals_read_as_numbers_and_lists_are_left_out() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = two_class(1500, 11);
    let whole: Vec<f64> = x.iter().map(|v| v.floor()).collect();
    let number = Series::new("x".into(), whole.clone());
    let cast = |name: &str, dtype: DataType| -> Column {
        number.cast(&dtype).unwrap().with_name(name.into()).into()
    };
    let lists: Vec<Series> = whole
        .iter()
        .map(|&v| Series::new(PlSmallStr::EMPTY, [v as i64, 1]))
        .collect();
    let mut df = DataFrame::new(
        1500,
        vec![
            cast("u8", DataType::UInt8),
            cast("u16", DataType::UInt16),
            cast("f16", DataType::Float16),
            cast("dec", DataType::Decimal(10, 2)),
            Series::new("pairs".into(), lists).into(),
            Series::new("y".into(), y.clone()).into(),
        ],
    )
    .unwrap();
    ParquetWriter::new(std::fs::File::create(dir.path().join("d.parquet")).unwrap())
        .finish(&mut df)
        .unwrap();
    IpcWriter::new(std::fs::File::create(dir.path().join("d.feather")).unwrap())
        .finish(&mut df)
        .unwrap();
    for file in ["d.parquet", "d.feather"] {
        let _ = std::fs::remove_dir_all(dir.path().join("out"));
        let o = compile(dir.path(), file, &[]);
        let err = stderr(&o);
        assert!(o.status.success(), "{file}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(
            err.contains(
                "note: column `pairs` has type list[i64], which rules cannot test, and is left out"
            ),
            "{file}: {err}"
        );
        let set = rules(dir.path());
        for feature in &set.features {
            assert!(
                matches!(feature.kind, rulec_runtime::ir::FeatureKind::Numeric),
                "{file}: {feature:?}"
            );
        }
        let names: Vec<&str> = set.features.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["u8", "u16", "f16", "dec"], "{file}");
        // Every column says the same: the rules find the cut at 50.
        assert!(
            report(dir.path())["coverage"].as_f64().unwrap() > 0.5,
            "{file}"
        );
        // `apply` reads the file the rules came from, lists and all.
        let o = run(dir.path(), &["apply", "out/rules.json", file]);
        assert!(o.status.success(), "{file}: {}", stderr(&o));
        let decided = String::from_utf8_lossy(&o.stdout).lines().count();
        assert_eq!(decided, 1501, "{file}: a header and a line per row");
        // Both engines of `validate` read the decimals as numbers too (the
        // SQL engine refused them: "has type decimal[10,2]").
        let tables = validate_both(dir.path(), file);
        assert_eq!(tables[0], tables[1], "{file}");
        assert!(tables[0].contains("1500 answered by the rules"), "{file}");
    }
    // Rules that read the decimals themselves (a column no rule reads, the
    // SQL engine never looks at).
    let mut df = DataFrame::new(
        1500,
        vec![
            cast("dec", DataType::Decimal(10, 2)),
            Series::new("y".into(), y).into(),
        ],
    )
    .unwrap();
    ParquetWriter::new(std::fs::File::create(dir.path().join("dec.parquet")).unwrap())
        .finish(&mut df)
        .unwrap();
    let _ = std::fs::remove_dir_all(dir.path().join("out"));
    let o = compile(dir.path(), "dec.parquet", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(rules(dir.path())
        .rules
        .iter()
        .any(|r| r.conditions.iter().any(|c| c.features().contains(&"dec"))));
    for engine in ["rust", "sql"] {
        let o = run(
            dir.path(),
            &[
                "validate",
                "out/rules.json",
                "dec.parquet",
                "--engine",
                engine,
            ],
        );
        assert!(o.status.success(), "{engine}: {}", stderr(&o));
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("1500 answered by the rules"),
            "{engine}"
        );
    }
}

#[test]
fn date_columns_are_left_out_or_noted_not_refused() {
    use polars::prelude::*;
    // A Parquet file with a date and a timestamp column: the compile used
    // to fail on them; they are left out, with a note, and the rules and
    // the crate read `x` only.
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = two_class(2000, 7);
    let days: Vec<i32> = (0..2000).map(|i| 19_000 + i % 700).collect();
    let micros: Vec<i64> = days
        .iter()
        .map(|&d| i64::from(d) * 86_400_000_000)
        .collect();
    let day = Series::new("day".into(), days.clone())
        .cast(&DataType::Date)
        .unwrap();
    let when = Series::new("when".into(), micros)
        .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
        .unwrap();
    let mut df = DataFrame::new(
        2000,
        vec![
            Series::new("x".into(), x.clone()).into(),
            day.into(),
            when.into(),
            Series::new("y".into(), y.clone()).into(),
        ],
    )
    .unwrap();
    ParquetWriter::new(std::fs::File::create(dir.path().join("d.parquet")).unwrap())
        .finish(&mut df)
        .unwrap();
    let o = compile(dir.path(), "d.parquet", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    for (column, dtype) in [("day", "date"), ("when", "datetime[μs]")] {
        assert!(
            err.contains(&format!(
                "note: column `{column}` has type {dtype}, which rules cannot test, and is left out"
            )),
            "{err}"
        );
    }
    let set = rules(dir.path());
    let names: Vec<&str> = set.features.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["x"]);
    assert!(report(dir.path())["coverage"].as_f64().unwrap() > 0.5);
    // The rule book says so too, for an auditor who never saw the output.
    let book = std::fs::read_to_string(dir.path().join("out/RULEBOOK.md")).unwrap();
    assert!(
        book.contains("when it read the data")
            && book.contains("- column `when` has type datetime\\[μs\\], which rules cannot test, and is left out"),
        "{book}"
    );

    // The same dates written as text in a CSV file stay text categories,
    // with a note that says what that means and what to do instead.
    let mut csv = String::from("x,day,y\n");
    for ((x, y), d) in x.iter().zip(&y).zip(&days) {
        let (m, dd) = (1 + d % 12, 1 + d % 28);
        writeln!(csv, "{x},2023-{m:02}-{dd:02},{y}").unwrap();
    }
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    let o = compile(dir.path(), "d.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("note: column `day` holds dates (such as `2023-01-01`; ")
            && err.contains("--forbid day"),
        "{err}"
    );
}

#[test]
fn a_quantity_as_the_target_gets_a_note_and_its_rows_a_fair_split() {
    // A target of numbers with a few rows each (a price, an age): read as
    // classes, rulec says so and names --tolerance. Its classes of 1 to 9
    // rows are split together, so validation and test still get their
    // fifth of the rows each (cut one by one they got almost none).
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(9);
    let mut csv = String::from("x,z,y\n");
    for _ in 0..500 {
        let x = rng.f64() * 100.0;
        writeln!(csv, "{x},{},{}", rng.f64(), (x * 2.0).round() as i64 + 100).unwrap();
    }
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    let o = compile(dir.path(), "d.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("note: target `y` holds numbers, ")
            && err.contains("read as a class of its own")
            && err.contains("give --tolerance X"),
        "{err}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/rules.json")).unwrap())
            .unwrap();
    let provenance = &json["provenance"];
    assert!(
        provenance["split_method"]
            .as_str()
            .unwrap()
            .ends_with("classes of under 10 rows split together)"),
        "{provenance}"
    );
    assert!(
        provenance["data_notes"]
            .to_string()
            .contains("give --tolerance X"),
        "{provenance}"
    );
    let book = std::fs::read_to_string(dir.path().join("out/RULEBOOK.md")).unwrap();
    for split in ["validation", "test"] {
        let line = book
            .lines()
            .find(|l| l.starts_with(&format!("| {split} | ")))
            .unwrap();
        let rows: usize = line.split('|').nth(2).unwrap().trim().parse().unwrap();
        assert!((90..=110).contains(&rows), "{line}");
    }
    // A numeric target of a few values is a class target like any other.
    let mut csv = String::from("x,y\n");
    for i in 0..300 {
        writeln!(csv, "{},{}", i % 100, (i % 100) / 20).unwrap();
    }
    std::fs::write(dir.path().join("e.csv"), csv).unwrap();
    let o = compile(dir.path(), "e.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("holds numbers"), "{}", stderr(&o));
}

#[test]
fn decimal_commas_and_spaced_classes_get_notes() {
    // A file from a European spreadsheet (`;` between fields, `,` before
    // the decimals), and a target where some rows write ` hi ` for `hi`.
    // Both read as they are, and the notes say what that means.
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = two_class(1500, 11);
    let mut csv = String::from("x;w;y\n");
    for (i, (x, y)) in x.iter().zip(&y).enumerate() {
        let y = if i % 3 == 0 {
            format!(" {y} ")
        } else {
            y.to_string()
        };
        writeln!(csv, "{};{:.2};{y}", i % 40, x).unwrap();
    }
    std::fs::write(dir.path().join("d.csv"), csv.replace('.', ",")).unwrap();
    let o = compile(dir.path(), "d.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("note: column `w` holds numbers written with a decimal comma (such as `")
            && err.contains("write them with a decimal point"),
        "{err}"
    );
    assert!(
        err.contains("note: target `y` has classes that differ only in case or the spaces around them (` hi ` and `hi`)"),
        "{err}"
    );
    // Neither note on the column of whole numbers.
    assert!(!err.contains("column `x`"), "{err}");
}

#[test]
fn nothing_certified_with_enough_rows_is_explained() {
    // 2,000 rows where one label in eight is flipped at random: no region
    // reaches 95 %, though 400 validation rows would be plenty. The
    // compile says what fell short and what may help, on stderr and in
    // the book; a compile that keeps rules says nothing of the kind.
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(13);
    let mut csv = String::from("x,y\n");
    for _ in 0..2000 {
        let x = rng.f64() * 100.0;
        let mut y = x < 50.0;
        if rng.below(8) == 0 {
            y = !y;
        }
        writeln!(csv, "{x},{}", if y { "lo" } else { "hi" }).unwrap();
    }
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    let o = compile(dir.path(), "d.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(report(dir.path())["rules"], 0, "{err}");
    let note = err
        .lines()
        .find(|l| l.starts_with("note: Nothing was "))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        note.contains("a lower --precision may let a set pass"),
        "{note}"
    );
    // It names the other tree teacher: neither certifies more everywhere.
    assert!(
        note.contains("the gradient-boosted trees (--teacher gbdt)"),
        "{note}"
    );
    let book = std::fs::read_to_string(dir.path().join("out/RULEBOOK.md")).unwrap();
    assert!(book.contains(&note["note: ".len()..]), "{book}");
    assert!(!err.contains("could have been certified"), "{err}");
    std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    let o = compile(dir.path(), "d.csv", &["--teacher", "gbdt"]);
    assert_eq!(report(dir.path())["rules"], 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the random forest (--teacher forest)"),
        "{}",
        stderr(&o)
    );
    // Clean rows: rules are kept, and no such note.
    std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    write_two_class(dir.path(), 2000, 13);
    let o = compile(dir.path(), "d.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("Nothing was"), "{}", stderr(&o));
}

#[test]
fn codes_written_as_numbers_are_read_as_categories_when_named() {
    // `store` holds codes 1 to 60; the stores of one scattered set decide
    // `yes`. Read as numbers, a rule could only compare them; named by
    // --categorical they are categories, and a rule lists them.
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(21);
    let yes = |store: u64| (store * 7) % 11 < 5;
    let mut ints = String::from("store,x,y\n");
    let mut floats = ints.clone();
    for i in 0..3000 {
        let store = 1 + rng.below(60) as u64;
        let x = rng.f64();
        let mut label = yes(store);
        if rng.f64() < 0.01 {
            label = !label;
        }
        let y = if label { "yes" } else { "no" };
        writeln!(ints, "{store},{x},{y}").unwrap();
        // The same codes as pandas writes a column of integers with a gap.
        let code = if i == 0 {
            String::new()
        } else {
            format!("{store}.0")
        };
        writeln!(floats, "{code},{x},{y}").unwrap();
    }
    std::fs::write(dir.path().join("d.csv"), &ints).unwrap();
    std::fs::write(dir.path().join("f.csv"), &floats).unwrap();

    let o = compile(dir.path(), "d.csv", &["--categorical", "store"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/rules.json")).unwrap())
            .unwrap();
    let store = json["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "store")
        .unwrap();
    assert_eq!(store["kind"]["type"], "categorical", "{store}");
    let levels = store["kind"]["categories"].to_string();
    assert!(
        levels.contains("\"7\"") && !levels.contains("7.0"),
        "{levels}"
    );
    let lists_stores = json["rules"].as_array().unwrap().iter().any(|r| {
        r["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["feature"] == "store" && (c["test"] == "in" || c["test"] == "not_in"))
    });
    assert!(lists_stores, "{}", json["rules"]);
    assert!(report(dir.path())["coverage"].as_f64().unwrap() > 0.8);
    let options = json["provenance"]["options"].to_string();
    assert!(options.contains("[\"categorical\",\"store\"]"), "{options}");
    // The codes decide alike whether a file holds them as integers or as
    // floats; the row without a code goes to the fallback.
    let apply = |file: &str| {
        let o = run(dir.path(), &["apply", "out/rules.json", file]);
        assert!(o.status.success(), "{}", stderr(&o));
        String::from_utf8(o.stdout).unwrap()
    };
    let (a, b) = (apply("d.csv"), apply("f.csv"));
    let differ: Vec<(&str, &str)> = a.lines().zip(b.lines()).filter(|(x, y)| x != y).collect();
    assert_eq!(differ.len(), 1, "{differ:?}");
    assert_eq!(differ[0].1, "1,,", "{differ:?}");
    // Written another way still (`7.00`, `007`, in a file where the codes
    // are not all whole-number floats): each is read as the number it is.
    let other: String = ints
        .lines()
        .enumerate()
        .map(|(i, line)| match (i, line.split_once(',')) {
            (0, _) | (_, None) => format!("{line}\n"),
            (i, Some((code, rest))) if i % 2 == 0 => format!("{code}.00,{rest}\n"),
            (_, Some((code, rest))) => format!("00{code},{rest}\n"),
        })
        .collect();
    std::fs::write(dir.path().join("o.csv"), other).unwrap();
    let o = run(dir.path(), &["apply", "out/rules.json", "o.csv"]);
    assert_eq!(String::from_utf8(o.stdout.clone()).unwrap(), a);
    assert!(!stderr(&o).contains("note:"), "{}", stderr(&o));
    // The generated crate reads them alike (its `from_str_value`): its
    // parity example, fed the same rows, decides each as apply does.
    let parity = common::build_crate(&dir.path().join("out/crate"), "rulec-awkward-crates-target");
    let input: String = std::fs::read_to_string(dir.path().join("o.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            format!("{}\t{}\n", common::hex(f[0]), common::hex(f[1]))
        })
        .collect();
    assert_eq!(
        common::run_parity(&parity, input),
        common::applied_rules(&a)
    );
    // Codes the rules do not know at all: the rows go to the fallback, and
    // apply says why.
    let unknown: String = ints
        .lines()
        .enumerate()
        .map(|(i, line)| match line.split_once(',') {
            Some((code, rest)) if i > 0 => format!("s{code},{rest}\n"),
            _ => format!("{line}\n"),
        })
        .collect();
    std::fs::write(dir.path().join("u.csv"), unknown).unwrap();
    // A warning, which `-q` keeps (a quiet job heard nothing of a feed
    // that sends every row to the fallback); validate says it too (it said
    // nothing, its table showing only less coverage), with either engine,
    // word for word.
    let mut said = Vec::new();
    for (quiet, command, engine) in [
        (&[][..], "apply", &[][..]),
        (&["-q"], "apply", &[]),
        (&[], "validate", &[]),
        (&[], "validate", &["--engine", "sql"]),
    ] {
        let o = run(
            dir.path(),
            &[quiet, &[command, "out/rules.json", "u.csv"], engine].concat(),
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let warning = stderr(&o)
            .lines()
            .find(|l| l.starts_with("warning: u.csv: column `store`"))
            .map(str::to_string);
        assert!(
            warning.as_deref().is_some_and(
                |w| w.contains(": 3000 of its 3000 values are none of the rules' categories")
            ),
            "{}",
            stderr(&o)
        );
        said.push(warning);
    }
    assert!(said.windows(2).all(|w| w[0] == w[1]), "{said:?}");

    // Codes with leading zeros, in a text file, are read as written, when
    // compiling and when applying the rules.
    let mut zips = String::from("zip,y\n");
    for i in 0..600 {
        let zip = ["02134", "00501", "10001", "60601"][i % 4];
        let y = if zip.starts_with('0') {
            "east"
        } else {
            "other"
        };
        writeln!(zips, "{zip},{y}").unwrap();
    }
    std::fs::write(dir.path().join("zips.csv"), zips).unwrap();
    let o = run(
        dir.path(),
        &[
            "compile",
            "zips.csv",
            "--target",
            "y",
            "--categorical",
            "zip",
            "--no-cache",
            "--out",
            "zout",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let rules = std::fs::read_to_string(dir.path().join("zout/rules.json")).unwrap();
    assert!(
        rules.contains("\"02134\"") && rules.contains("\"00501\""),
        "{rules}"
    );
    let o = run(dir.path(), &["apply", "zout/rules.json", "zips.csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let decided = String::from_utf8(o.stdout).unwrap();
    assert!(
        decided.lines().skip(1).all(|l| !l.ends_with(",,")),
        "{decided}"
    );

    // Named wrongly: refused, with what was meant.
    std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    let o = compile(dir.path(), "d.csv", &["--categorical", "Store"]);
    refused(dir.path(), &o, &["--categorical", "did you mean `store`?"]);
    let o = compile(dir.path(), "d.csv", &["--categorical", "y"]);
    refused(dir.path(), &o, &["--categorical names `y`, the target"]);
}

#[test]
fn an_index_written_by_pandas_or_r_is_left_out_with_a_note() {
    // As `DataFrame.to_csv` writes a frame sorted by class: an unnamed first
    // column numbering the rows, which would split the classes perfectly.
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = two_class(3000, 12);
    let mut rows: Vec<(f64, &str)> = x.into_iter().zip(y).collect();
    rows.sort_by_key(|&(_, y)| y);
    let mut csv = String::from(",x,y\n");
    for (i, (x, y)) in rows.iter().enumerate() {
        writeln!(csv, "{i},{x},{y}").unwrap();
    }
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    let o = compile(dir.path(), "d.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("note: the first column has no name (`Unnamed: 0`, as pandas names it) and holds a different whole number in every row (0 to 2999), as the index pandas writes"),
        "{err}"
    );
    let set = rules(dir.path());
    let features: Vec<&str> = set.features.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(features, ["x"]);
    let book = std::fs::read_to_string(dir.path().join("out/RULEBOOK.md")).unwrap();
    assert!(book.contains("the first column has no name"));
    assert!(report(dir.path())["coverage"].as_f64().unwrap() > 0.9);
    // R's `write.csv`: quoted row names under an empty quoted name, from 1,
    // or the rows' own names (`mtcars`' car models). Compiled, the column
    // is left out and the note says why.
    let r_written = |row_name: &dyn Fn(usize) -> String| -> String {
        let mut csv = String::from("\"\",\"x\",\"y\"\n");
        for (i, (x, y)) in rows.iter().enumerate() {
            writeln!(csv, "\"{}\",{x},\"{y}\"", row_name(i)).unwrap();
        }
        std::fs::write(dir.path().join("r.csv"), csv).unwrap();
        std::fs::remove_dir_all(dir.path().join("out")).unwrap();
        let o = compile(dir.path(), "r.csv", &[]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(rules(dir.path()).features.len(), 1);
        stderr(&o)
    };
    let err = r_written(&|i| (i + 1).to_string());
    assert!(
        err.contains("(1 to 3000), as the index pandas writes (`to_csv` without `index=False`) and R's row names (`write.csv` without `row.names = FALSE`) do; it is left out"),
        "{err}"
    );
    let err = r_written(&|i| format!("car {i}"));
    assert!(
        err.contains("note: the first column has no name (`Unnamed: 0`, as pandas names it) and holds a different text in every row (such as `car 0`), as the names of rows R and pandas write"),
        "{err}"
    );
}

#[test]
fn categories_the_training_rows_never_had_do_not_steer_the_teacher() {
    // A column with a name of its own in nearly every row (a district), so
    // that validation and test rows hold names the training rows never had,
    // and a class that is `usual` on 85 % of rows whatever the name (the
    // rarer class sorts first). The forest's trees split on the names they
    // saw; a name they never saw must go where most rows went, so the
    // teacher (the fallback) answers those rows as well as it can. Sent
    // always to one side, they went with the rarer class: the teacher was
    // right on 15 % of the test rows.
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(21);
    let mut csv = String::from("district,x,y\n");
    // 400 rows: the 240 training rows' names all stay known (under
    // --max-categories), none of the others'.
    for i in 0..400 {
        let x = rng.f64();
        let y = if rng.f64() < 0.85 {
            "usual"
        } else {
            "minority"
        };
        writeln!(csv, "d{i},{x:.4},{y}").unwrap();
    }
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    let o = compile(dir.path(), "d.csv", &["-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = report(dir.path());
    let teacher = r["teacher_accuracy"].as_f64().unwrap();
    assert!(teacher > 0.75, "{r}");
}

/// A batch whose boolean column holds no value at all (an empty CSV column,
/// which the reader types as text) reads as missing, as an empty numeric or
/// categorical column does: `apply`, `check` and `validate --engine sql`
/// decide it, the rows whose rules test the column going to the fallback.
#[test]
fn an_all_empty_boolean_column_reads_as_missing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    common::rulec(
        d,
        &[
            "dataset", "shipping", "--rows", "20000", "--out", "ship.csv",
        ],
    );
    common::rulec(
        d,
        &[
            "compile",
            "ship.csv",
            "--target",
            "cheapest_shipper",
            "--no-cache",
            "-q",
            "--out",
            "out",
        ],
    );
    let set = rules(d);
    let express = set
        .features
        .iter()
        .position(|f| f.name == "express")
        .unwrap();
    assert!(
        set.rules
            .iter()
            .any(|r| r.conditions.iter().any(|c| c.feature() == "express")),
        "a rule reads `express`"
    );
    let text = std::fs::read_to_string(d.join("ship.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let at = header.split(',').position(|h| h == "express").unwrap();
    let mut blank = format!("{header}\n");
    for line in lines.take(2000) {
        let mut fields: Vec<&str> = line.split(',').collect();
        fields[at] = "";
        blank.push_str(&fields.join(","));
        blank.push('\n');
    }
    std::fs::write(d.join("blank.csv"), &blank).unwrap();
    let applied = common::rulec(d, &["apply", "out/rules.json", "blank.csv"]);
    let decided = String::from_utf8_lossy(&applied.stdout);
    assert_eq!(decided.lines().count(), 2001, "a header and a line per row");
    // No row is decided by a rule that tests `express`.
    for line in decided.lines().skip(1) {
        let rule = line.rsplit(',').next().unwrap();
        if let Some(r) = set.rules.iter().find(|r| r.name == rule) {
            assert!(
                r.conditions
                    .iter()
                    .all(|c| c.feature() != set.features[express].name),
                "{line}"
            );
        }
    }
    // The rules that test `express` lose their rows, which `check` may
    // call a shift; what matters is that it reads the file.
    let checked = run(d, &["check", "out/rules.json", "blank.csv"]);
    assert!(!stderr(&checked).contains("error:"), "{}", stderr(&checked));
    assert!(!checked.stdout.is_empty());
    for engine in ["rust", "sql"] {
        let out = common::rulec(
            d,
            &[
                "validate",
                "out/rules.json",
                "blank.csv",
                "--engine",
                engine,
                "--json",
            ],
        );
        assert!(!String::from_utf8_lossy(&out.stdout).is_empty());
    }
}

/// polars types a column from its first 10,000 rows; a later value that
/// does not fit failed the whole read with polars' own message. Now the
/// column is read as floats (an integer past 64 bits, a decimal after
/// 10,000 integers) or as text (a word after numbers), and read again.
#[test]
fn a_late_value_wider_than_its_column_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(5);
    let mut csv = String::from("x,big,late,word,y\n");
    for i in 0..12_000 {
        let x = rng.f64() * 10.0;
        let big = if i == 2_500 {
            "99999999999999999999".to_string()
        } else {
            i.to_string()
        };
        let late = if i == 11_000 {
            "2.5".to_string()
        } else {
            (i % 7).to_string()
        };
        let word = if i == 11_500 {
            "none".to_string()
        } else {
            (i % 5).to_string()
        };
        let y = if x > 5.0 { "hi" } else { "lo" };
        writeln!(csv, "{x:.3},{big},{late},{word},{y}").unwrap();
    }
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    let o = compile(dir.path(), "d.csv", &["-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let set = rules(dir.path());
    let kind = |name: &str| {
        let f = set.features.iter().find(|f| f.name == name);
        f.map(|f| format!("{:?}", f.kind))
    };
    assert_eq!(
        kind("late").as_deref(),
        Some("Numeric"),
        "{:?}",
        set.features
    );
    assert!(!set.rules.is_empty());
    let applied = common::rulec(dir.path(), &["apply", "out/rules.json", "d.csv"]);
    assert_eq!(
        String::from_utf8_lossy(&applied.stdout).lines().count(),
        12_001
    );
}

/// Labels that follow nothing: no set is tested, and the book's section on
/// certification says why as the compile's note does (it said "no set was
/// large enough", which its own curve of 100 %-right sets contradicted).
#[test]
fn a_compile_that_tests_nothing_says_why_in_the_book_too() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(9);
    let mut csv = String::from("x,z,y\n");
    for _ in 0..3000 {
        let y = if rng.f64() < 0.5 { "a" } else { "b" };
        writeln!(csv, "{},{},{y}", rng.f64(), rng.f64()).unwrap();
    }
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    let o = compile(dir.path(), "d.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("note: Nothing was tested: "),
        "{}",
        stderr(&o)
    );
    for book in ["RULEBOOK.md", "rulebook.html"] {
        let text = std::fs::read_to_string(dir.path().join("out").join(book)).unwrap();
        assert!(
            text.contains("No set was tested: no candidate rule kept its estimated precision"),
            "{book}"
        );
        assert!(!text.contains("large enough to be tested"), "{book}");
    }
}

/// A column given to `--forbid` gets none of the notes about it: advice to
/// keep rules off it, or to read it as categories, is moot for a column no
/// rule may read. Without `--forbid` the identifier's note is there.
#[test]
fn a_forbidden_column_gets_no_note() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut rng = Rng::new(5);
    let mut csv = String::from("customer_id,x,y\n");
    for i in 0..2000 {
        let x = rng.f64();
        let y = if x < 0.5 { "lo" } else { "hi" };
        writeln!(csv, "C{i:05},{x:.4},{y}").unwrap();
    }
    std::fs::write(d.join("d.csv"), csv).unwrap();
    let o = compile(d, "d.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("note: column `customer_id` has a value of its own"),
        "{}",
        stderr(&o)
    );
    let o = compile(d, "d.csv", &["--forbid", "customer_id"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !stderr(&o).contains("column `customer_id`"),
        "{}",
        stderr(&o)
    );
    let set = rulec_runtime::RuleSet::from_json(
        &std::fs::read_to_string(d.join("out/rules.json")).unwrap(),
    )
    .unwrap();
    let notes = &set.provenance.as_ref().unwrap().data_notes;
    assert!(
        notes.iter().all(|n| !n.contains("customer_id")),
        "{notes:?}"
    );
}

/// A column that alone sorts the training rows into their classes (a copy
/// of the label, or one whose missing values mark a class) gets a note
/// even where the rules add a condition of another column to it, and the
/// rule book's one-minute summary names it when a kept rule reads it; a
/// forbidden column gets neither.
#[test]
fn a_column_that_gives_the_target_away_gets_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut rng = Rng::new(11);
    let mut csv = String::from("flag,cause,hours,age,y\n");
    for _ in 0..3000 {
        let yes = rng.f64() < 0.4;
        let cause = if yes {
            ["heart", "lung"][rng.below(2)]
        } else {
            ""
        };
        let hours = (rng.f64() * 60.0).round();
        let age = (20.0 + rng.f64() * 50.0).round();
        let y = if yes { "yes" } else { "no" };
        // A copy right on 99.6 % of rows: the rules reading it make an
        // error or two, so the one-column warning does not apply and the
        // giveaway note is what names it.
        let flag = u8::from(yes != (rng.f64() < 0.004));
        writeln!(csv, "{flag},{cause},{hours},{age},{y}").unwrap();
    }
    std::fs::write(d.join("d.csv"), csv).unwrap();
    let o = compile(d, "d.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    for column in ["flag", "cause"] {
        assert!(
            err.contains(&format!(
                "note: column `{column}` alone gives the target away on the training rows"
            )),
            "{err}"
        );
    }
    assert!(!err.contains("column `hours` alone"), "{err}");
    // The rules read `cause` alone, without an error: the one-column
    // warning says so.
    let book = std::fs::read_to_string(d.join("out/RULEBOOK.md")).unwrap();
    assert!(book.contains("One column, `cause`, decides"), "{book}");
    // Without it they read `flag`, wrong on a few rows: the giveaway note
    // names it in the one-minute summary.
    let o = compile(d, "d.csv", &["--forbid", "cause"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let book = std::fs::read_to_string(d.join("out/RULEBOOK.md")).unwrap();
    assert!(
        book.contains(
            "The rules read `flag`, which alone gives the target away on the training rows (see the notes under Provenance)"
        ),
        "{book}"
    );
    let o = compile(d, "d.csv", &["--forbid", "flag", "--forbid", "cause"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !stderr(&o).contains("gives the target away"),
        "{}",
        stderr(&o)
    );
}

/// When nothing is tested though the candidates answer validation rows
/// enough, the note names the cause that applied (their estimates gave
/// them no chance), not too few rows, and does not advise more rows.
#[test]
fn nothing_tested_for_want_of_precision_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut rng = Rng::new(3);
    let mut csv = String::from("x,z,y\n");
    for _ in 0..6000 {
        let x = rng.f64();
        let z = rng.f64();
        let y = if rng.f64() < 0.75 {
            (x * 8.0) as usize
        } else {
            rng.below(8)
        };
        writeln!(csv, "{x:.4},{z:.4},c{y}").unwrap();
    }
    std::fs::write(d.join("d.csv"), csv).unwrap();
    let o = compile(d, "d.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    let note = err
        .lines()
        .find(|l| l.starts_with("note: Nothing was tested"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(note.contains("none had one"), "{note}");
    assert!(!note.contains("too few validation rows"), "{note}");
    assert!(!note.contains("More validation rows"), "{note}");
}

/// A numeric target, read as a person reads it: a value exactly the
/// tolerance away as written in decimal is within it (|0.4 − 0.3| is
/// 0.10000000000000003 in binary), a region whose rows are all 2.7 decides
/// 2.7 (not 2.6, as round and as near), a negative value keeps its sign in
/// the rule's name, and `--stability` is refused before any data is
/// read.
#[test]
fn a_numeric_target_counts_within_the_tolerance_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut rng = Rng::new(3);
    let mut cents = String::from("x,y\n");
    let mut tie = String::from("x,y\n");
    for _ in 0..3000 {
        let x = (rng.f64() * 1000.0).round() / 100.0;
        let pick = rng.below(3);
        let y = if x < 5.0 {
            [0.2, 0.3, 0.4][pick]
        } else {
            [2.6, 2.7, 2.8][pick]
        };
        writeln!(cents, "{x},{y}").unwrap();
        writeln!(tie, "{x},{}", if x < 5.0 { 2.7 } else { -2.7 }).unwrap();
    }
    std::fs::write(d.join("cents.csv"), cents).unwrap();
    std::fs::write(d.join("tie.csv"), tie).unwrap();
    let o = compile(d, "cents.csv", &["--tolerance", "0.1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let set = rules(d);
    let decisions: Vec<&str> = set.rules.iter().map(|r| r.decision.as_str()).collect();
    assert!(
        decisions.contains(&"0.3") && decisions.contains(&"2.7"),
        "{decisions:?}"
    );
    // Every row is within 0.1 of its region's value: validate counts all.
    let o = run(d, &["validate", "out/rules.json", "cents.csv", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let all = &v["all"];
    assert_eq!(all["support"], all["correct"], "{v}");

    let o = compile(d, "tie.csv", &["--tolerance", "0.5"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let set = rules(d);
    let mut named: Vec<(String, String)> = set
        .rules
        .iter()
        .map(|r| (r.decision.clone(), r.name.clone()))
        .collect();
    named.sort();
    assert_eq!(
        named,
        [
            ("-2.7".to_string(), "value_minus_2_7_1".to_string()),
            ("2.7".to_string(), "value_2_7_1".to_string())
        ]
    );

    let o = compile(d, "nofile.csv", &["--tolerance", "0.5", "--stability", "3"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("--stability is for class targets"), "{err}");
}

/// A step function beside one column of noise: the regression forest
/// tries at least three columns per split (a third of two is one, and a
/// tree then splits on the noise as often as on the step), so the rules
/// are the three steps, as the class version of the same table gives.
#[test]
fn a_numeric_step_beside_noise_is_three_rules() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut rng = Rng::new(3);
    let mut csv = String::from("x,w,y\n");
    for _ in 0..3000 {
        let x = (rng.f64() * 1000.0).round() / 100.0;
        let w = (rng.f64() * 2000.0).round() / 1000.0 - 1.0;
        let y = if x < 3.0 {
            1.5
        } else if x < 6.0 {
            7.0
        } else {
            100.0
        };
        writeln!(csv, "{x},{w},{y}").unwrap();
    }
    std::fs::write(d.join("d.csv"), csv).unwrap();
    let o = compile(d, "d.csv", &["--tolerance", "0.5"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let set = rules(d);
    let mut decisions: Vec<&str> = set.rules.iter().map(|r| r.decision.as_str()).collect();
    decisions.sort_unstable();
    assert_eq!(decisions, ["1.5", "100", "7"], "{:?}", set.rules);
    assert!(
        set.rules
            .iter()
            .all(|r| r.conditions.iter().all(|c| c.features() == ["x"])),
        "{:?}",
        set.rules
    );
}

/// A numeric target's unit does not matter: the same step at 1e-12 and at
/// 1 gives the same rules (the trees fit the target centred and in units
/// of its spread; at 1e-12 their gains fell under the trees' floor and the
/// regression forest was right on no row).
#[test]
fn a_numeric_target_in_tiny_units_gives_the_same_rules() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut rng = Rng::new(3);
    let (mut tiny, mut unit) = (String::from("x,y\n"), String::from("x,y\n"));
    for _ in 0..3000 {
        let x = (rng.f64() * 1000.0).round() / 100.0;
        let y = if x < 5.0 { 1.5 } else { -2.5 } + (rng.f64() - 0.5) * 1e-3;
        writeln!(tiny, "{x},{:e}", y * 1e-12).unwrap();
        writeln!(unit, "{x},{y}").unwrap();
    }
    std::fs::write(d.join("tiny.csv"), tiny).unwrap();
    std::fs::write(d.join("unit.csv"), unit).unwrap();
    let shape = |file: &str, tolerance: &str| {
        let o = compile(d, file, &["--tolerance", tolerance]);
        assert!(o.status.success(), "{}", stderr(&o));
        let set = rules(d);
        let mut out: Vec<String> = set
            .rules
            .iter()
            .map(|r| rulec_runtime::dsl::print_conditions(&r.conditions))
            .collect();
        out.sort();
        (out, report(d)["teacher_accuracy"].as_f64())
    };
    let (tiny_rules, tiny_teacher) = shape("tiny.csv", "1e-13");
    let (unit_rules, unit_teacher) = shape("unit.csv", "0.1");
    assert_eq!(tiny_rules.len(), 2, "{tiny_rules:?}");
    assert_eq!(tiny_rules, unit_rules);
    assert_eq!(tiny_teacher, unit_teacher);
}

/// A column that holds only split values (`train`, `valid`, `test`) read as
/// a feature, because no `--split-column` named it, gets a note that says
/// how to name it; with `--split-column` there is none.
#[test]
fn a_split_column_read_as_a_feature_gets_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut rng = Rng::new(9);
    let mut csv = String::from("x,part,y\n");
    for i in 0..600 {
        let x = rng.f64();
        let y = if x < 0.5 { "lo" } else { "hi" };
        let part = ["train", "train", "train", "valid", "test"][i % 5];
        writeln!(csv, "{x:.4},{part},{y}").unwrap();
    }
    std::fs::write(d.join("d.csv"), csv).unwrap();
    let o = compile(d, "d.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let want = "note: column `part` holds only `test`, `train`, `valid` values, as a split column does: if it marks each row's split, give --split-column part";
    assert!(stderr(&o).contains(want), "{}", stderr(&o));
    let set = rulec_runtime::RuleSet::from_json(
        &std::fs::read_to_string(d.join("out/rules.json")).unwrap(),
    )
    .unwrap();
    let notes = &set.provenance.as_ref().unwrap().data_notes;
    assert!(
        notes.iter().any(|n| n.contains("--split-column part")),
        "{notes:?}"
    );
    let o = compile(d, "d.csv", &["--split-column", "part"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !stderr(&o).contains("as a split column does"),
        "{}",
        stderr(&o)
    );
}

/// A numeric column made text by one word outside the training rows says
/// so, naming the word, and not that its numbers are too many categories.
#[test]
fn a_word_outside_the_training_rows_that_makes_a_column_text_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut rng = Rng::new(3);
    let mut csv = String::from("x,part,y\n");
    for i in 0..900 {
        let x = rng.f64();
        let y = if x < 0.5 { "lo" } else { "hi" };
        let part = ["train", "train", "train", "valid", "test"][i % 5];
        let cell = if i == 4 {
            "far".to_string()
        } else {
            format!("{x:.4}")
        };
        writeln!(csv, "{cell},{part},{y}").unwrap();
    }
    std::fs::write(d.join("d.csv"), csv).unwrap();
    let o = compile(d, "d.csv", &["--split-column", "part"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("note: column `x` is read as text, not numbers, because of one value outside the training rows (`far`)"),
        "{err}"
    );
    assert!(
        !err.contains("most frequent are kept as categories"),
        "{err}"
    );
}

/// With a test share of 0, the compile's last lines say there are no test
/// rows, not a row of dashes ("test coverage –", "answers – of test rows").
#[test]
fn no_test_rows_is_said_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = run(
        d,
        &["dataset", "shipping", "--rows", "3000", "--out", "s.csv"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(
        d,
        &[
            "compile",
            "s.csv",
            "--target",
            "cheapest_shipper",
            "--split",
            "60/40/0",
            "--out",
            "o",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("; no test rows to report on (a test share of 0)"),
        "{err}"
    );
    assert!(!err.contains(" – "), "{err}");
    assert!(!err.contains("test coverage –"), "{err}");
    // A split column without `test` rows: said so, not a share.
    let text = std::fs::read_to_string(d.join("s.csv")).unwrap();
    let mut lines = text.lines();
    let mut given = format!("{},part\n", lines.next().unwrap());
    for (i, line) in lines.enumerate() {
        given.push_str(&format!(
            "{line},{}\n",
            if i % 3 == 0 { "Valid" } else { "TRAIN" }
        ));
    }
    std::fs::write(d.join("given.csv"), given).unwrap();
    let o = run(
        d,
        &[
            "compile",
            "given.csv",
            "--target",
            "cheapest_shipper",
            "--split-column",
            "part",
            "--out",
            "g",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("; no test rows to report on (no `test` rows in column `part`)"),
        "{err}"
    );
}

/// 300 rows of coin-flip labels, each written 8 times in a shuffled file:
/// copies of one row on both sides of the split made validation rows the
/// teacher and the rules had seen, and sets of rules on pure noise were
/// certified (at 100 %, right on 45–50 % of new rows). rulec's own split
/// keeps every copy on its row's side (each side then holds whole groups
/// of 8) and says so; with a split column of the user's, it moves each
/// copy to the side of its record's first row, and the one-minute summary
/// cautions that the split is not quite the user's.
#[test]
fn copies_of_a_row_stay_on_one_side_of_the_split() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(17);
    let base: Vec<(f64, f64, &str)> = (0..300)
        .map(|_| {
            let a = (rng.f64() * 1000.0).round() / 1000.0;
            let b = (rng.f64() * 1000.0).round() / 1000.0;
            (a, b, if rng.f64() < 0.5 { "p" } else { "q" })
        })
        .collect();
    let mut order: Vec<usize> = (0..base.len() * 8).map(|i| i % base.len()).collect();
    rng.shuffle(&mut order);
    let (mut own, mut given) = (String::from("a,b,y\n"), String::from("a,b,y,split\n"));
    for (i, &r) in order.iter().enumerate() {
        let (a, b, y) = base[r];
        writeln!(own, "{a},{b},{y}").unwrap();
        writeln!(given, "{a},{b},{y},{}", common::split_of(i)).unwrap();
    }
    std::fs::write(dir.path().join("copies.csv"), own).unwrap();
    std::fs::write(dir.path().join("given.csv"), given).unwrap();

    let o = compile(dir.path(), "copies.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "note: 2100 rows repeat another row exactly (every column and the target), as a record written more \
             than once does: the split keeps each copy on the side of its record's first row"
        ),
        "{}",
        stderr(&o)
    );
    let provenance = rules(dir.path()).provenance.unwrap();
    let rows = &provenance.split_rows;
    // Whole groups of copies on each side; validation counts each record
    // once.
    for n in [rows.train, rows.test, rows.validation * 8] {
        assert_eq!(n % 8, 0, "whole groups of copies on each side: {rows:?}");
    }
    assert_eq!(
        rows.train + rows.test + rows.validation * 8,
        2400,
        "{rows:?}"
    );
    assert!(
        provenance.split_method.ends_with(
            "; the 2100 rows that repeat another row exactly kept on its side, a validation row's copies \
             counted once"
        ),
        "{}",
        provenance.split_method
    );

    std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    let o = compile(dir.path(), "given.csv", &["--split-column", "split"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("note: 2100 rows repeat another row exactly")
            && stderr(&o).contains(
                "than their record's first row, and are moved to its side, so no validation or test row is a copy of a training row"
            ),
        "{}",
        stderr(&o)
    );
    // Each record on the side of its first row, and counted once in the
    // validation rows: whole groups of 8 on each side.
    let rows = rules(dir.path()).provenance.unwrap().split_rows;
    for n in [rows.train, rows.test, rows.validation * 8] {
        assert_eq!(n % 8, 0, "whole groups of copies on each side: {rows:?}");
    }
    // The rule book's first points say so too, not only its provenance.
    let book = std::fs::read_to_string(dir.path().join("out/RULEBOOK.md")).unwrap();
    let minute = &book[book.find("## In one minute").unwrap()..];
    let minute = &minute[..minute[3..].find("\n## ").unwrap()];
    assert!(
        minute.contains("- Caution: ") && minute.contains("are moved to its side"),
        "{minute}"
    );
}

/// Rows missing a column the trees split on are answered by a rule of
/// their own. Here 40 % of the rows miss `x`, all of class `b`: the trees
/// send missing values along `x < 0`, whose rule no missing value
/// satisfies, so those rows went to the fallback (60.7 % coverage); a
/// candidate `x is missing` now takes them. And a column missing only in
/// validation and test rows offers no such candidate (the schema's
/// nullable columns come from the training rows; the compile refused its
/// own rule set).
#[test]
fn rows_missing_a_value_get_a_rule_of_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(23);
    let (mut all, mut held) = (String::from("x,z,y\n"), String::from("x,z,y,split\n"));
    for i in 0..3000 {
        let x = rng.f64() * 2.0 - 1.0;
        let z = rng.f64();
        let missing = rng.f64() < 0.4;
        let y = if missing || x < 0.0 { "b" } else { "a" };
        let cell = if missing {
            String::new()
        } else {
            format!("{x:.3}")
        };
        writeln!(all, "{cell},{z:.3},{y}").unwrap();
        let split = common::split_of(i);
        let cell = if missing && split != "train" {
            String::new()
        } else {
            format!("{x:.3}")
        };
        let y = if x < 0.0 { "b" } else { "a" };
        writeln!(held, "{cell},{z:.3},{y},{split}").unwrap();
    }
    std::fs::write(dir.path().join("all.csv"), all).unwrap();
    std::fs::write(dir.path().join("held.csv"), held).unwrap();

    let o = compile(dir.path(), "all.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let set = rules(dir.path());
    assert!(
        set.rules.iter().any(|r| r.conditions
            == [rulec_runtime::ir::Condition::Missing {
                feature: "x".into()
            }]
            && r.decision == "b"),
        "{}",
        rulec_runtime::dsl::print_rules(&set.rules, "y")
    );
    let coverage = report(dir.path())["coverage"].as_f64().unwrap();
    assert!(coverage > 0.95, "coverage {coverage}");
    // `NaN` written in any case is missing to `rulec apply` and to the
    // crate's parity example alike (the example read `NAN` as a number,
    // so `x is missing` held in apply and not in the crate), as is `NaN`
    // alone in a file; thousands read as apply reads them.
    let odd = [
        "NAN", "Nan", "+nan", "-NAN", " NaN", "nAn ", "0.5", "-0.5", "1,000.5",
    ];
    let mut csv = String::from("x,z\n");
    let mut input = String::new();
    for x in odd {
        writeln!(csv, "\"{x}\",0.5").unwrap();
        writeln!(input, "{}\t{}", common::hex(x), common::hex("0.5")).unwrap();
    }
    std::fs::write(dir.path().join("odd.csv"), csv).unwrap();
    let o = run(dir.path(), &["apply", "out/rules.json", "odd.csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let applied = common::applied_rules(&String::from_utf8(o.stdout).unwrap());
    let parity = common::build_crate(&dir.path().join("out/crate"), "rulec-awkward-crates-target");
    assert_eq!(common::run_parity(&parity, input), applied);
    let missing_rule = &set
        .rules
        .iter()
        .find(|r| r.conditions.len() == 1 && r.decision == "b")
        .unwrap()
        .name;
    assert!(
        applied[..6].iter().all(|r| r == missing_rule),
        "{applied:?}"
    );
    std::fs::write(dir.path().join("nan.csv"), "x,z\nNAN,0.5\n").unwrap();
    let o = run(dir.path(), &["apply", "out/rules.json", "nan.csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        String::from_utf8(o.stdout)
            .unwrap()
            .contains(&format!(",b,{missing_rule}")),
        "NAN alone is missing too"
    );

    std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    let o = compile(dir.path(), "held.csv", &["--split-column", "split"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!rules(dir.path()).features[0].nullable);
}

/// A batch's category reads as the rule set reads it, whatever the other
/// rows of the batch hold: a text column whose categories are `1` and
/// `7.0` takes `7.0` as `7.0` and `1.0` as no category (the generated
/// crate's `from_str_value`), in a batch of numbers alone as in one with
/// text too. `apply` read a batch of numbers as codes, `7` and `1`, and so
/// decided the other row; the SQL engine of `validate` did the same.
#[test]
fn a_category_reads_alike_whatever_else_the_batch_holds() {
    use rulec_runtime::ir::{Condition, Feature, FeatureKind, Rule, Target};
    let dir = tempfile::tempdir().unwrap();
    let set = rulec_runtime::RuleSet::new(
        Target {
            name: "y".into(),
            classes: vec!["A".into(), "B".into()],
            tolerance: None,
        },
        vec![Feature {
            name: "cat".into(),
            kind: FeatureKind::Categorical {
                categories: ["1", "7.0", "x"].map(String::from).to_vec(),
            },
            nullable: false,
        }],
        vec![Rule {
            name: "a_1".into(),
            conditions: vec![Condition::In {
                feature: "cat".into(),
                values: vec!["1".into(), "7.0".into()],
            }],
            decision: "A".into(),
            origin: None,
            evidence: None,
        }],
        0.95,
        0.95,
    );
    std::fs::write(
        dir.path().join("rules.json"),
        serde_json::to_string(&set).unwrap(),
    )
    .unwrap();
    std::fs::write(dir.path().join("numbers.csv"), "cat,y\n7.0,A\n1.0,B\n").unwrap();
    std::fs::write(dir.path().join("mixed.csv"), "cat,y\n7.0,A\n1.0,B\nx,B\n").unwrap();
    // A Parquet batch holding the value 7 as a float, as a pandas frame of
    // numbers writes it: read as pandas writes a float, the text category
    // `7.0` (a float holds a number, not a text: 1.0 would be the
    // category `1`).
    let mut df = polars::prelude::df!(
        "cat" => [7.0f64, 3.0],
        "y" => ["A", "B"],
    )
    .unwrap();
    polars::prelude::ParquetWriter::new(
        std::fs::File::create(dir.path().join("floats.parquet")).unwrap(),
    )
    .finish(&mut df)
    .unwrap();
    for file in ["numbers.csv", "mixed.csv", "floats.parquet"] {
        let o = run(dir.path(), &["apply", "rules.json", file, "-q"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let out = String::from_utf8(o.stdout).unwrap();
        assert!(
            out.starts_with("row,decision,rule\n1,A,a_1\n2,,\n"),
            "{file}: {out}"
        );
        for engine in ["rust", "sql"] {
            let o = run(
                dir.path(),
                &[
                    "validate",
                    "rules.json",
                    file,
                    "--engine",
                    engine,
                    "--json",
                    "-q",
                ],
            );
            assert!(o.status.success(), "{}", stderr(&o));
            let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
            // The row of `7.0` (labelled A) is answered, that of `1.0`
            // (labelled B) is not.
            assert_eq!(
                (&json["all"]["support"], &json["all"]["correct"]),
                (&1.into(), &1.into()),
                "{file} ({engine}): {json}"
            );
        }
    }
}

/// A categorical value missing only in a validation or test row, where
/// `--max-categories` grouped rare levels away: the trees' branch of
/// missing values held those levels, and rules said `is missing` of a
/// column the schema (training rows) has no missing value in; the compile
/// failed with "the rule set is inconsistent".
#[test]
fn a_value_missing_outside_the_training_rows_makes_no_rule_test_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(5);
    let mut csv = String::from("x,cat,split,y\n");
    for i in 0..1200 {
        let cat = ["a", "a", "b", "b", "c", "d"][rng.below(6)];
        let split = ["train", "train", "train", "valid", "test"][i % 5];
        // One row of the test split has no category.
        let cat = if i == 4 { "" } else { cat };
        let x = rng.f64();
        let y = if (cat == "c" || cat == "d") && x < 0.7 || x < 0.2 {
            "yes"
        } else {
            "no"
        };
        writeln!(csv, "{x},{cat},{split},{y}").unwrap();
    }
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    let o = compile(
        dir.path(),
        "d.csv",
        &["--split-column", "split", "--max-categories", "2"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let set = rules(dir.path());
    let cat = set.features.iter().find(|f| f.name == "cat").unwrap();
    assert!(!cat.nullable);
}

/// A column of booleans written as text with spaces or in another case
/// (` True`, `FALSE`) reads as booleans in `apply` and both engines of
/// `validate`, as the generated crate's parity example reads it (`apply`
/// refused it, naming no row); a value that is no boolean is named with
/// its row.
#[test]
fn booleans_written_as_text_read_as_the_crate_reads_them() {
    use rulec_runtime::ir::{Condition, Feature, FeatureKind, Rule, Target};
    let dir = tempfile::tempdir().unwrap();
    let set = rulec_runtime::RuleSet::new(
        Target {
            name: "y".into(),
            classes: vec!["no".into(), "yes".into()],
            tolerance: None,
        },
        vec![Feature {
            name: "f".into(),
            kind: FeatureKind::Boolean,
            nullable: false,
        }],
        vec![Rule {
            name: "yes_1".into(),
            conditions: vec![Condition::Is {
                feature: "f".into(),
                value: true,
            }],
            decision: "yes".into(),
            origin: None,
            evidence: None,
        }],
        0.95,
        0.95,
    );
    std::fs::write(dir.path().join("rules.json"), set.to_json()).unwrap();
    std::fs::write(
        dir.path().join("t.csv"),
        "f,y\ntrue,yes\n True,yes\nFALSE ,no\n,no\n",
    )
    .unwrap();
    let o = run(dir.path(), &["apply", "rules.json", "t.csv", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        "row,decision,rule\n1,yes,yes_1\n2,yes,yes_1\n3,,\n4,,\n"
    );
    for engine in ["rust", "sql"] {
        let o = run(
            dir.path(),
            &[
                "validate",
                "rules.json",
                "t.csv",
                "--engine",
                engine,
                "--json",
                "-q",
            ],
        );
        assert!(o.status.success(), "{engine}: {}", stderr(&o));
        let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(json["all"]["correct"], 2, "{engine}: {json}");
    }
    std::fs::write(dir.path().join("b.csv"), "f,y\ntrue,yes\n yes ,yes\n").unwrap();
    let o = run(dir.path(), &["apply", "rules.json", "b.csv"]);
    assert!(
        stderr(&o).contains("column `f` has ` yes ` on row 2 (line 3), which is not true or false"),
        "{}",
        stderr(&o)
    );
}

/// A blank cell (spaces only) in a column of numbers is missing, as an
/// empty one is, in every command; and a spreadsheet's `Total` row, which
/// has no label and is left out, does not make the column text.
#[test]
fn blank_cells_and_a_total_row_leave_a_column_of_numbers_numbers() {
    let dir = tempfile::tempdir().unwrap();
    // Past 10,000 rows, so that the SQL engine's types are not read from
    // the first rows only (it failed on the `Total` at the bottom).
    let (x, y) = two_class(10_500, 7);
    let mut csv = String::from("x,y\n");
    for (i, (x, y)) in x.iter().zip(&y).enumerate() {
        if i % 9 == 0 && i >= 10_200 {
            writeln!(csv, "\"  \",{y}").unwrap();
        } else {
            writeln!(csv, "{x},{y}").unwrap();
        }
    }
    csv.push_str("Total,\n");
    std::fs::write(dir.path().join("d.csv"), &csv).unwrap();
    let o = compile(dir.path(), "d.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("note: column `x` holds numbers written as text; read as numbers; its 33 blank cells (spaces only) are read as missing"),
        "{err}"
    );
    assert!(!err.contains("identifier"), "{err}");
    let rules = std::fs::read_to_string(dir.path().join("out/rules.json")).unwrap();
    assert!(rules.contains("\"numeric\""), "{rules}");
    assert!(report(dir.path())["coverage"].as_f64().unwrap() > 0.5);
    // `apply` and both engines of `validate` read the blanks as missing
    // (`apply` refused them as no number); `validate` and `check` read the
    // `Total` row, which has no label, as compile does, and `apply`, which
    // reads no labels, names it.
    let labelled: String = csv
        .lines()
        .filter(|l| !l.starts_with("Total"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(dir.path().join("v.csv"), labelled).unwrap();
    let o = run(dir.path(), &["apply", "out/rules.json", "v.csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).lines().nth(10_207),
        Some("10207,,")
    );
    let o = run(dir.path(), &["apply", "out/rules.json", "d.csv"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o)
            .contains("column `x` has `Total` on row 10501 (line 10502), which is not a number"),
        "{}",
        stderr(&o)
    );
    let tables = validate_both(dir.path(), "d.csv");
    assert_eq!(tables[0], tables[1]);
    let o = run(dir.path(), &["check", "out/rules.json", "d.csv"]);
    assert!(!stderr(&o).contains("not a number"), "{}", stderr(&o));
    // A text in a labelled row is still refused, by both engines.
    std::fs::write(dir.path().join("w.csv"), "x,y\n1.5,lo\nTotal,hi\n").unwrap();
    for engine in ["rust", "sql"] {
        let o = run(
            dir.path(),
            &["validate", "out/rules.json", "w.csv", "--engine", engine],
        );
        assert_eq!(o.status.code(), Some(1), "{engine}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("column `x` has `Total` on row 2 (line 3), which is not a number"),
            "{engine}: {}",
            stderr(&o)
        );
    }
}

/// On a few hundred rows, an identifier made the forest teacher answer the
/// commonest class for every row (its trees sorted the bootstrap rows by
/// it, and sent every new row down one side): the forest now learns
/// without a column of a value per row, and says so.
#[test]
fn an_identifier_column_does_not_blind_the_forest_teacher() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = two_class(400, 11);
    let mut csv = String::from("order_id,x,y\n");
    for (i, (x, y)) in x.iter().zip(&y).enumerate() {
        writeln!(csv, "ORD-{i:05},{x},{y}").unwrap();
    }
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    let o = compile(dir.path(), "d.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("note: the forest teacher learns without column `order_id`, which has a value of its own in nearly every training row"),
        "{err}"
    );
    let r = report(dir.path());
    assert!(r["teacher_accuracy"].as_f64().unwrap() > 0.9, "{r}");
    assert!(r["coverage"].as_f64().unwrap() > 0.5, "{r}");
    let book = std::fs::read_to_string(dir.path().join("out/RULEBOOK.md")).unwrap();
    assert!(book.contains("without the column `order_id`"), "{book}");
    // The boosted teacher weighs the column itself: no note. Nor does the
    // forest leave it out under --teacher-paths, whose trees become
    // candidates read against every column.
    for extra in [&["--teacher", "gbdt"][..], &["--teacher-paths"]] {
        std::fs::remove_dir_all(dir.path().join("out")).unwrap();
        let o = compile(dir.path(), "d.csv", extra);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(
            !stderr(&o).contains("note: the forest teacher learns without"),
            "{}",
            stderr(&o)
        );
        // Which --teacher-paths says, with what it risks.
        assert_eq!(
            stderr(&o).contains("note: the forest teacher learns with column `order_id`"),
            extra[0] == "--teacher-paths",
            "{}",
            stderr(&o)
        );
    }
}

/// The regression forest (`--tolerance`) learns without such a column as
/// the class forest does: with an order number as text beside `x`, it was
/// within the tolerance on 10 % of the test rows, without it on all.
#[test]
fn an_identifier_column_does_not_blind_the_regression_forest() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("order_id,x,y\n");
    for i in 0..400 {
        let x = (i * 37 % 400) as f64 / 40.0;
        writeln!(csv, "ORD-{i:05},{x},{}", 2.0 * x + (i % 7) as f64 * 0.05).unwrap();
    }
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    let o = compile(dir.path(), "d.csv", &["--tolerance", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("note: the forest teacher learns without column `order_id`, which has a value of its own in nearly every training row: its trees would sort the training rows by it and know no new row\n"),
        "{err}"
    );
    let r = report(dir.path());
    assert!(r["teacher_accuracy"].as_f64().unwrap() > 0.9, "{r}");
}

/// Features that each hold one value: the compile says that is why no
/// rule can be certified (it gave only the advice for a small split).
#[test]
fn features_of_one_value_each_are_named_as_the_cause() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("a,b,y\n");
    for i in 0..600 {
        writeln!(csv, "7,north,{}", if i % 3 == 0 { "x" } else { "z" }).unwrap();
    }
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    let o = compile(dir.path(), "d.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("note: every feature holds a single value on the training rows (`a`, `b`): rules have nothing to tell one row from another by"),
        "{}",
        stderr(&o)
    );
    // And the note on why nothing passed gives no advice that cannot help
    // (more validation rows, another teacher).
    assert!(
        stderr(&o).contains("Nothing was tested: every feature holds a single value on the training rows (see the note on the data), so a rule can only answer every row alike, with one class; more validation rows or another teacher do not change that."),
        "{}",
        stderr(&o)
    );
    assert!(
        !stderr(&o).contains("More validation rows"),
        "{}",
        stderr(&o)
    );
    // One column that varies: no such note.
    let mut csv = String::from("a,b,y\n");
    for i in 0..600 {
        writeln!(
            csv,
            "{},north,{}",
            i % 5,
            if i % 3 == 0 { "x" } else { "z" }
        )
        .unwrap();
    }
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    let o = compile(dir.path(), "d.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("every feature"), "{}", stderr(&o));
    // Unless it is forbidden: rules may not read it.
    std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    let o = compile(dir.path(), "d.csv", &["--forbid", "a"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("note: every feature rules may read (not --forbid) holds a single value on the training rows (`b`)"),
        "{}",
        stderr(&o)
    );
}

/// A teacher's option given to another teacher is said, not silently
/// dropped: `--trees` is the forest's, `--oracle-batch` a `cmd:` teacher's.
#[test]
fn a_teachers_option_given_to_another_teacher_is_said() {
    let dir = tempfile::tempdir().unwrap();
    write_two_class(dir.path(), 600, 3);
    let o = compile(
        dir.path(),
        "d.csv",
        &["--teacher", "gbdt", "--trees", "5", "--oracle-batch", "7"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("note: --trees 5 is the forest teacher's; the gbdt teacher does not read it")
            && err.contains("note: --oracle-batch is for a `cmd:` teacher's program; the gbdt teacher does not read it"),
        "{err}"
    );
    // The forest reads --trees: no note.
    std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    let o = compile(dir.path(), "d.csv", &["--trees", "5"]);
    assert!(!stderr(&o).contains("does not read it"), "{}", stderr(&o));
}

/// A class with a line break in it (a quoted CSV field) printed the break
/// raw in `validate`'s table, so a label could forge a line of it (`(all
/// rules) … meets it`); it shows as `\u{a}`, as other control characters do.
#[test]
fn a_line_break_in_a_class_does_not_break_validates_table() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = two_class(600, 5);
    let mut csv = String::from("x,y\n");
    for (x, y) in x.iter().zip(&y) {
        let label = if *y == "lo" {
            "\"ok\nfake line\""
        } else {
            "other"
        };
        writeln!(csv, "{x},{label}").unwrap();
    }
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    let o = compile(dir.path(), "d.csv", &["--precision", "0.8"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(dir.path(), &["validate", "out/rules.json", "d.csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("ok\\u{a}fake line"), "{out}");
    assert!(!out.lines().any(|l| l.starts_with("fake line")), "{out}");
}

/// A set whose every rule decides the commonest class says how often that
/// class is right on all rows: a set right on 95.7 % of its rows, deciding
/// a class that is 93.7 % of them, read as a clean result with nothing to
/// compare it with. rules.json keeps the rows by true class.
#[test]
fn a_set_of_the_commonest_class_only_is_put_to_scale() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(2);
    let mut csv = String::from("a,b,y\n");
    for _ in 0..3000 {
        let (a, b) = (rng.f64(), rng.f64());
        let p = if a < 0.6 { 0.995 } else { 0.85 };
        let class = if rng.chance(p) {
            "white"
        } else if rng.chance(0.5) {
            "black"
        } else {
            "asian"
        };
        writeln!(csv, "{a:.4},{b:.4},{class}").unwrap();
    }
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    let o = compile(dir.path(), "d.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let set = rules(dir.path());
    assert!(
        !set.rules.is_empty() && set.rules.iter().all(|r| r.decision == "white"),
        "{}",
        stderr(&o)
    );
    let test = set.summary.as_ref().unwrap().test.as_ref().unwrap();
    let white = set
        .target
        .classes
        .iter()
        .position(|c| c == "white")
        .unwrap();
    assert_eq!(test.class_rows.iter().sum::<u64>(), test.rows);
    let share = test.class_rows[white] as f64 / test.rows as f64;
    let book = std::fs::read_to_string(dir.path().join("out/RULEBOOK.md")).unwrap();
    let said = format!(
        "- For scale: every rule decides \"white\", the commonest class, which is {:.1} % of the test rows",
        share * 100.0
    );
    assert!(book.contains(&said), "{said}\n{book}");
    // The console says it too, as a note.
    let noted = format!(
        "note: every rule decides \"white\", the commonest class, which is {:.1} % of the test rows",
        share * 100.0
    );
    assert!(stderr(&o).contains(&noted), "{noted}\n{}", stderr(&o));
}

/// A kept rule reading a column the compile called an identifier (row
/// numbers of a file sorted by class) gets a caution in the book's one
/// minute, where the compile's note alone reached no reader of the book;
/// rules that read no such column get none.
#[test]
fn rules_on_an_identifier_are_cautioned_in_the_book() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(5);
    let mut csv = String::from("seq,x,y\n");
    for i in 0..1200 {
        let y = if i < 620 { "a" } else { "b" };
        writeln!(csv, "{},{:.3},{y}", 1000 + i, rng.f64()).unwrap();
    }
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    let o = compile(dir.path(), "d.csv", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let book = std::fs::read_to_string(dir.path().join("out/RULEBOOK.md")).unwrap();
    let caution = "- Caution: the rules read `seq`, which has a value of its own in nearly every training row";
    assert!(book.contains(caution), "{book}");
    // The same rows without the column to number them: no caution.
    std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    let o = compile(dir.path(), "d.csv", &["--forbid", "seq"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let book = std::fs::read_to_string(dir.path().join("out/RULEBOOK.md")).unwrap();
    assert!(!book.contains("Caution: the rules read"), "{book}");
}
