//! `rulec validate` on hand-made data with known answers, and proposals in
//! `rulec compile`.

use std::path::Path;
use std::process::Command;

fn rulec(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rulec"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("rulec runs")
}

/// 200 rows: x in 0..100 twice; y = "lo" below 50, "hi" from 50, except
/// that 5 of the rows with x >= 90 are "lo". `model` agrees with y except
/// on x < 10, where it says "hi".
fn data() -> String {
    let mut s = String::from("x,color,y,model\n");
    for i in 0..200 {
        let x = i % 100;
        let mut y = if x < 50 { "lo" } else { "hi" };
        if x >= 90 && i < 100 && x < 95 {
            y = "lo";
        }
        let model = if x < 10 { "hi" } else { y };
        let color = if x % 2 == 0 { "red" } else { "blue" };
        s.push_str(&format!("{x},{color},{y},{model}\n"));
    }
    s
}

const RULES: &str = "# hand-written\n\
rule low:\n  when x < 50\n  then y = \"lo\"\n\n\
rule high_reds:\n  when x >= 50 and color in {\"red\"}\n  then y = \"hi\"\n\n\
rule nothing:\n  when x > 1000\n  then y = \"hi\"\n\n\
rule shadowed:\n  when x < 20\n  then y = \"lo\"\n";

#[test]
fn validate_reports_known_figures() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("d.csv"), data()).unwrap();
    std::fs::write(dir.path().join("p.rules"), RULES).unwrap();
    // The figures as JSON, from the engine named.
    let figures = |engine: &str| -> serde_json::Value {
        let out = rulec(
            dir.path(),
            &[
                "validate",
                "d.csv",
                "--rules",
                "p.rules",
                "--teacher-column",
                "model",
                "--json",
                "--engine",
                engine,
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let v = figures("rust");
    let rules = v["rules"].as_array().unwrap();
    // low: 100 rows, all right; the model disagrees on x < 10 (20 rows).
    assert_eq!(rules[0]["support"], 100);
    assert_eq!(rules[0]["correct"], 100);
    assert_eq!(rules[0]["fidelity"], 0.8);
    assert_eq!(rules[0]["accepted"], true);
    // high_reds: even x in 50..100, twice: 50 rows; wrong where the label
    // was flipped to "lo": x in {90, 92, 94} in the first hundred.
    assert_eq!(rules[1]["support"], 50);
    assert_eq!(rules[1]["correct"], 47);
    assert_eq!(rules[1]["accepted"], false);
    assert!(rules[1]["reason"]
        .as_str()
        .unwrap()
        .contains("below the required 95.0 %"));
    // A rule whose conditions hold nowhere, and one whose 40 rows (x < 20,
    // twice) all go to `low` before it: each verdict says which.
    assert_eq!(rules[2]["support"], 0);
    assert_eq!(
        rules[2]["reason"],
        "answers no row of the data: its conditions hold on none"
    );
    assert_eq!(rules[3]["support"], 0);
    assert_eq!(
        rules[3]["reason"],
        "answers no row of the data: the 40 rows where its conditions hold all go to earlier rules (a row goes to \
         the first rule that holds)"
    );
    assert_eq!(v["covered"], 150);
    // The SQL engine says the same.
    let w = figures("sql");
    assert_eq!(w["rules"], v["rules"]);

    let table = rulec(dir.path(), &["validate", "d.csv", "--rules", "p.rules"]);
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.contains("high_reds"), "{text}");
    assert!(text.contains("falls short: precision bound"), "{text}");

    // Rows without a label count in the share answered only, and the table
    // says how many, as the JSON (`unlabelled`, beside `labelled`) does.
    // (`rulec check` takes its shares over the labelled rows, as the
    // book's are.)
    let unlabelled: String = data()
        .lines()
        .enumerate()
        .map(|(i, line)| {
            if (1..=7).contains(&i) {
                line.replace(",lo,", ",,") + "\n"
            } else {
                line.to_string() + "\n"
            }
        })
        .collect();
    std::fs::write(dir.path().join("u.csv"), unlabelled).unwrap();
    let out = rulec(dir.path(), &["validate", "p.rules", "u.csv"]);
    let noted = String::from_utf8(out.stdout).unwrap();
    assert!(
        noted.contains("note: 7 of the answered rows have no label: they count in the share answered, not in support or precision"),
        "{noted}"
    );
    for engine in ["rust", "sql"] {
        let out = rulec(
            dir.path(),
            &["validate", "p.rules", "u.csv", "--json", "--engine", engine],
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            (&v["rows"], &v["labelled"], &v["unlabelled"]),
            (
                &serde_json::json!(200),
                &serde_json::json!(193),
                &serde_json::json!(7)
            ),
            "{engine}"
        );
    }

    // The rules first, as `check`, `apply` and `emit` take them: the same
    // figures, byte for byte.
    let positional = rulec(dir.path(), &["validate", "p.rules", "d.csv"]);
    assert!(positional.status.success());
    assert_eq!(String::from_utf8(positional.stdout).unwrap(), text);
    // Rules missing, or given twice: a usage error (status 2) that says so.
    for (args, says) in [
        (
            &["validate", "d.csv"][..],
            "give the rules and then the data file",
        ),
        (
            &["validate", "p.rules", "d.csv", "--rules", "p.rules"][..],
            "the rules are given twice",
        ),
    ] {
        let out = rulec(dir.path(), args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[test]
fn validate_names_the_line_of_a_bad_rule() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("d.csv"), data()).unwrap();
    std::fs::write(
        dir.path().join("bad.rules"),
        "rule a:\n  when x < 5 and shade in {\"red\"}\n  then y = \"lo\"\n",
    )
    .unwrap();
    let out = rulec(dir.path(), &["validate", "d.csv", "--rules", "bad.rules"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("bad.rules: line 2, column 18: unknown column `shade`"),
        "{err}"
    );
    // A byte order mark is skipped; bytes that are not UTF-8 are named by
    // their line and column; of a thousand problems the first ten are
    // listed, and how many more.
    std::fs::write(
        dir.path().join("bom.rules"),
        "\u{feff}rule a:\n  when x < 5\n  then y = \"lo\"\n",
    )
    .unwrap();
    let out = rulec(dir.path(), &["validate", "d.csv", "--rules", "bom.rules"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(
        dir.path().join("latin.rules"),
        b"rule a:\n  when x < 5 # caf\xe9\n  then y = \"lo\"\n",
    )
    .unwrap();
    let out = rulec(dir.path(), &["validate", "d.csv", "--rules", "latin.rules"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("latin.rules: line 2, column 19: bytes that are not UTF-8 text"),
        "{err}"
    );
    let many: String = (0..1000)
        .map(|i| format!("rule r{i}:\n  when shade{i} < 5\n  then y = \"lo\"\n"))
        .collect();
    std::fs::write(dir.path().join("many.rules"), many).unwrap();
    let out = rulec(dir.path(), &["validate", "d.csv", "--rules", "many.rules"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("unknown column `shade9`") && err.contains("; and 990 more"),
        "{err}"
    );
    assert!(!err.contains("shade10`"), "{err}");
    // A `then` naming a column the data lacks: that is the target, which
    // the rules name, not an option the user gave.
    std::fs::write(
        dir.path().join("other.rules"),
        "rule a:\n  when x < 5\n  then verdict = \"lo\"\n",
    )
    .unwrap();
    let out = rulec(dir.path(), &["validate", "d.csv", "--rules", "other.rules"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("no column `verdict` (the target the rules' `then` names)"),
        "{err}"
    );
}

#[test]
fn proposals_are_kept_verbatim_or_listed_as_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = rulec(
        d,
        &[
            "dataset", "shipping", "--rows", "30000", "--out", "ship.csv",
        ],
    );
    assert!(out.status.success());
    std::fs::write(
        d.join("ops.rules"),
        "rule ops_short_light:\n  when distance_mi < 50 and weight_lb < 5\n  then cheapest_shipper = \"B\"\n\n\
         rule ops_long_is_c:\n  when distance_mi >= 300\n  then cheapest_shipper = \"C\"\n",
    )
    .unwrap();
    // Measured alone, the second proposal falls short while the two meet
    // the precision together: validate says which line the guarantee of a
    // set is.
    let out = rulec(d, &["validate", "ops.rules", "ship.csv"]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("note: 1 rule falls short alone while the rules together meet the precision: the guarantee of a set certified as a whole (the default, --certify set) is the (all rules) line"),
        "{table}"
    );
    // A compile of ship.csv with these proposals into `out`.
    let compile = |proposals: &str, out: &str, extra: &[&str]| {
        let mut args = vec![
            "compile",
            "ship.csv",
            "--target",
            "cheapest_shipper",
            "--proposals",
            proposals,
            "--out",
            out,
        ];
        args.extend(extra);
        rulec(d, &args)
    };
    let out = compile("ops.rules", "out", &["-q"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let set = rulec_runtime::RuleSet::from_json(
        &std::fs::read_to_string(d.join("out/rules.json")).unwrap(),
    )
    .unwrap();
    let kept = set
        .rules
        .iter()
        .find(|r| r.name == "ops_short_light")
        .expect("the good proposal is kept under its name");
    assert_eq!(
        rulec_runtime::dsl::print_conditions(&kept.conditions),
        "distance_mi < 50 and weight_lb < 5"
    );
    assert_eq!(kept.origin.as_deref(), Some("proposal"));
    assert!(set.rules.iter().all(|r| r.name != "ops_long_is_c"));
    let book = std::fs::read_to_string(d.join("out/RULEBOOK.md")).unwrap();
    assert!(
        book.contains("ops_long_is_c"),
        "the rejected proposal is listed in the book"
    );
    // With its counts: the held-out training rows it would answer, how many
    // it got right, and the share it had to reach.
    let reason = &set
        .rejected
        .iter()
        .find(|r| r.rule.name == "ops_long_is_c")
        .expect("listed in rules.json")
        .reason;
    assert!(
        reason.starts_with("on the ")
            && reason.contains("training rows held out to rank rules that it would answer")
            && reason.contains("it was right on ")
            && reason.contains("a proposal must reach there"),
        "{reason}"
    );
    // Not quiet, the console says so too, with the reason.
    let out = compile("ops.rules", "out", &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("proposals: 1 kept, 1 not kept (the rule book says why, under Rules considered and not kept):\n  `ops_long_is_c`: on the "),
        "{err}"
    );
    // A typo fails before the teacher trains (no `teach:` line), and a
    // file of no rule is refused, not read as no proposal.
    std::fs::write(
        d.join("typo.rules"),
        "rule a:\n  when weight_lbs < 5\n  then cheapest_shipper = \"B\"\n",
    )
    .unwrap();
    std::fs::write(d.join("none.rules"), "# to do\n").unwrap();
    for (file, said) in [
        (
            "typo.rules",
            "typo.rules: line 2, column 8: unknown column `weight_lbs`; did you mean `weight_lb`?",
        ),
        ("none.rules", "none.rules: holds no rules"),
        (
            "out/rules.json",
            "out/rules.json: is a rules.json, not rules in the rule DSL",
        ),
    ] {
        let out = compile(file, "bad", &[]);
        assert_eq!(out.status.code(), Some(1), "{file}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(said), "{err}");
        assert!(!err.contains("teach:"), "{err}");
        assert!(!d.join("bad").exists());
    }
    // The other way round: a .rules file where a rules.json is read.
    for args in [
        &["check", "ops.rules", "ship.csv"][..],
        &["emit", "ops.rules", "--out", "bad"],
    ] {
        let out = rulec(d, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("ops.rules: is rules in the rule DSL, not a rules.json: this command reads the rules.json a compile writes; a .rules file is measured with rulec validate"),
            "{err}"
        );
    }
}

/// `--teacher column:NAME`: another model's logged decisions teach; the
/// column is not a feature; fidelity is measured against it.
#[test]
fn a_logged_teacher_column_teaches_and_is_not_a_feature() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut csv = String::from("x,color,model,y\n");
    for i in 0..3000 {
        let x = (i * 7919) % 1000;
        let y = if x < 500 { "lo" } else { "hi" };
        // The logged model is wrong on a tenth of the high rows.
        let model = if x >= 900 { "lo" } else { y };
        let color = if i % 2 == 0 { "red" } else { "blue" };
        csv.push_str(&format!("{x},{color},{model},{y}\n"));
    }
    std::fs::write(d.join("d.csv"), csv).unwrap();
    let out = rulec(
        d,
        &[
            "compile",
            "d.csv",
            "--target",
            "y",
            "--teacher",
            "column:model",
            "--out",
            "out",
            "-q",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let set = rulec_runtime::RuleSet::from_json(
        &std::fs::read_to_string(d.join("out/rules.json")).unwrap(),
    )
    .unwrap();
    let names: Vec<&str> = set.features.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["x", "color"]);
    assert_eq!(
        set.provenance.as_ref().unwrap().teacher,
        "decisions logged in column `model`"
    );
    assert!(!set.rules.is_empty());
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("out/report.json")).unwrap()).unwrap();
    // The logged model is right on 90 % of rows; rules are judged against the truth.
    let teacher_acc = report["teacher_accuracy"].as_f64().unwrap();
    assert!((0.85..0.95).contains(&teacher_acc), "{teacher_acc}");
    assert!(report["covered_precision"].as_f64().unwrap() >= 0.95);
    assert!(report["cost"].is_null(), "a logged model's cost is unknown");
    // Nor has it probabilities, so no threshold of its own (the line read
    // "answering where its top probability is at least 1.000").
    assert!(set.summary.as_ref().unwrap().teacher_threshold.is_none());
    assert!(report["teacher_threshold"].is_null());
    let book = std::fs::read_to_string(d.join("out/RULEBOOK.md")).unwrap();
    assert!(!book.contains("top class probability"), "{book}");

    // A bad teacher column is a clear error.
    let out = rulec(
        d,
        &[
            "compile",
            "d.csv",
            "--target",
            "y",
            "--teacher",
            "column:nope",
            "--out",
            "o2",
            "-q",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("no column `nope`"), "{err}");
    let out = rulec(
        d,
        &[
            "compile",
            "d.csv",
            "--target",
            "y",
            "--teacher",
            "magic",
            "--out",
            "o3",
            "-q",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("expected `forest`, `gbdt`, `mlp`, `column:NAME` or `cmd:PROGRAM`"));
}

#[test]
fn max_rules_is_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = rulec(
        d,
        &[
            "demo",
            "--rows",
            "30000",
            "--max-rules",
            "2",
            "--out",
            "two",
            "-q",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = rulec(d, &["demo", "--rows", "30000", "--out", "many", "-q"]);
    assert!(out.status.success());
    let load = |p: &str| {
        rulec_runtime::RuleSet::from_json(
            &std::fs::read_to_string(d.join(p).join("rules.json")).unwrap(),
        )
        .unwrap()
    };
    let (two, many) = (load("two"), load("many"));
    assert!(
        !two.rules.is_empty() && two.rules.len() <= 2,
        "{} rules",
        two.rules.len()
    );
    assert!(many.rules.len() > 2, "{} rules", many.rules.len());
    // The rules kept lead the order: the planted region's shipper comes first.
    assert_eq!(two.rules[0].decision, "B");
}

/// A rule that lists values of a column of numbers reads them as codes
/// (as `--categorical` does), not as an error: `x in {"3", "5"}` answers the
/// four rows whose `x` is 3 or 5.
#[test]
fn a_rule_listing_numbers_reads_them_as_codes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("d.csv"), data()).unwrap();
    std::fs::write(
        dir.path().join("codes.rules"),
        "rule codes:\n  when x in {\"3\", \"5\"}\n  then y = \"lo\"\n",
    )
    .unwrap();
    let out = rulec(dir.path(), &["validate", "d.csv", "--rules", "codes.rules"]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}");
    let line = stdout
        .lines()
        .find(|l| l.starts_with("codes "))
        .unwrap_or_else(|| panic!("{stdout}"));
    let cells: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(cells[2], "4", "{line}");
    assert_eq!(cells[3], "100.0", "{line}");
}

/// A bound just below the required precision is printed with the digits
/// that show it below: 121 of 123 right has an exact 95 % lower bound of
/// 94.970 %, which one decimal rounds to the 95.0 % it falls short of
/// (the table read "95.0 % ... falls short: precision bound 95.0 % is
/// below the required 95.0 %"), with either engine.
#[test]
fn a_bound_just_below_the_target_never_reads_as_reaching_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("x,y\n");
    for i in 0..123 {
        let y = if i < 2 { "b" } else { "a" };
        csv.push_str(&format!("{i},{y}\n"));
    }
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    std::fs::write(
        dir.path().join("a.rules"),
        "rule all_a:\n  when x >= 0\n  then y = \"a\"\n",
    )
    .unwrap();
    for engine in ["rust", "sql"] {
        let out = rulec(
            dir.path(),
            &["validate", "a.rules", "d.csv", "--engine", engine],
        );
        assert!(out.status.success(), "{engine}: {out:?}");
        let table = String::from_utf8(out.stdout).unwrap();
        let line = table
            .lines()
            .find(|l| l.starts_with("all_a "))
            .unwrap_or_else(|| panic!("{engine}: {table}"));
        assert!(
            line.contains(" 94.97 % ")
                && line
                    .contains("falls short: precision bound 94.97 % is below the required 95.00 %")
                && !line.contains(" 95.0 % "),
            "{engine}: {line}"
        );
    }
    // 1209 of 1259 right: a bound of 94.99991 %, wider than the column was;
    // the column widens, so the figures stay apart and under their heads.
    let mut csv = String::from("x,y\n");
    for i in 0..1259 {
        let y = if i < 50 { "b" } else { "a" };
        csv.push_str(&format!("{i},{y}\n"));
    }
    std::fs::write(dir.path().join("w.csv"), csv).unwrap();
    let out = rulec(dir.path(), &["validate", "a.rules", "w.csv"]);
    let table = String::from_utf8(out.stdout).unwrap();
    let head = table.lines().find(|l| l.starts_with("rule ")).unwrap();
    let line = table.lines().find(|l| l.starts_with("all_a ")).unwrap();
    let end_of = |text: &str, word: &str| text.find(word).map(|i| i + word.len());
    assert_eq!(end_of(head, "bound"), end_of(line, "94.9999 %"), "{table}");
    assert_eq!(end_of(head, "precision"), end_of(line, "96.0 %"), "{table}");
}
