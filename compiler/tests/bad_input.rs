//! Bad input never panics and never writes output: each case gets a clear
//! one-line message naming the file, column or option and what was
//! expected, a non-zero exit, and leaves `--out` as it was.

use std::path::Path;
use std::process::Command;

struct Case {
    name: &'static str,
    files: &'static [(&'static str, &'static str)],
    args: &'static [&'static str],
    expect: &'static [&'static str],
}

const GOOD: &str = "a,b,y\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n9,1,x\n2,3,y\n4,5,x\n6,7,y\n8,9,x\n1,1,y\n";

const CASES: &[Case] = &[
    // Options a numeric target (--tolerance) does not apply are refused
    // before any data is read: the data file does not even exist. See: #16.
    Case {
        name: "--tolerance with a class teacher",
        files: &[],
        args: &[
            "nofile.csv",
            "--target",
            "y",
            "--tolerance",
            "1",
            "--teacher",
            "mlp",
        ],
        expect: &["--teacher mlp", "--tolerance"],
    },
    Case {
        name: "--tolerance with gbdt",
        files: &[],
        args: &[
            "nofile.csv",
            "--target",
            "y",
            "--tolerance",
            "1",
            "--teacher",
            "gbdt",
        ],
        expect: &["--teacher gbdt", "--tolerance"],
    },
    Case {
        name: "--tolerance with an oracle",
        files: &[],
        args: &[
            "nofile.csv",
            "--target",
            "y",
            "--tolerance",
            "1",
            "--teacher",
            "cmd:cat",
        ],
        expect: &["--teacher cmd:cat", "--tolerance"],
    },
    Case {
        name: "--tolerance with proposals",
        files: &[],
        args: &[
            "nofile.csv",
            "--target",
            "y",
            "--tolerance",
            "1",
            "--proposals",
            "p.rules",
        ],
        expect: &["--proposals", "--tolerance"],
    },
    Case {
        name: "--tolerance with teacher paths",
        files: &[],
        args: &[
            "nofile.csv",
            "--target",
            "y",
            "--tolerance",
            "1",
            "--teacher-paths",
        ],
        expect: &["--teacher-paths", "--tolerance"],
    },
    Case {
        name: "--tolerance with no sums",
        files: &[],
        args: &[
            "nofile.csv",
            "--target",
            "y",
            "--tolerance",
            "1",
            "--no-sums",
        ],
        expect: &["--no-sums", "--tolerance", "class targets"],
    },
    Case {
        name: "teacher paths without the forest",
        files: &[],
        args: &[
            "nofile.csv",
            "--target",
            "y",
            "--teacher",
            "gbdt",
            "--teacher-paths",
        ],
        expect: &["--teacher-paths", "--teacher gbdt", "forest"],
    },
    Case {
        name: "--tolerance with --synthetic",
        files: &[],
        args: &[
            "nofile.csv",
            "--target",
            "y",
            "--tolerance",
            "1",
            "--synthetic",
            "500",
        ],
        expect: &["--synthetic", "--tolerance"],
    },
    Case {
        name: "--tolerance with --measure-cost",
        files: &[],
        args: &[
            "nofile.csv",
            "--target",
            "y",
            "--tolerance",
            "1",
            "--measure-cost",
        ],
        expect: &["--measure-cost", "--tolerance"],
    },
    Case {
        name: "--tolerance with --certify class",
        files: &[],
        args: &[
            "nofile.csv",
            "--target",
            "y",
            "--tolerance",
            "1",
            "--certify",
            "class",
        ],
        expect: &["--certify class", "--tolerance"],
    },
    Case {
        name: "--order confidence with --tolerance",
        files: &[],
        args: &[
            "nofile.csv",
            "--target",
            "y",
            "--tolerance",
            "1",
            "--order",
            "confidence",
        ],
        expect: &["--order confidence", "--tolerance", "class targets"],
    },
    Case {
        name: "--order confidence with --certify rule",
        files: &[],
        args: &[
            "nofile.csv",
            "--target",
            "y",
            "--certify",
            "rule",
            "--order",
            "confidence",
        ],
        expect: &["--order confidence", "--certify set or class", "`greedy`"],
    },
    Case {
        name: "--order confidence with a logged teacher",
        files: &[],
        args: &[
            "nofile.csv",
            "--target",
            "y",
            "--teacher",
            "column:model",
            "--order",
            "confidence",
        ],
        expect: &["--order confidence", "column:model", "probabilities"],
    },
    Case {
        name: "--order confidence with --proposals",
        files: &[],
        args: &[
            "nofile.csv",
            "--target",
            "y",
            "--proposals",
            "p.rules",
            "--order",
            "confidence",
        ],
        expect: &["--order confidence", "--proposals", "greedy order"],
    },
    Case {
        name: "--tolerance with --bootstrap-trees",
        files: &[],
        args: &[
            "nofile.csv",
            "--target",
            "y",
            "--tolerance",
            "1",
            "--bootstrap-trees",
            "2",
        ],
        expect: &["--bootstrap-trees", "--tolerance"],
    },
    Case {
        name: "missing file",
        files: &[],
        args: &["nofile.csv", "--target", "y"],
        expect: &["nofile.csv", "No such file"],
    },
    Case {
        name: "unknown extension",
        files: &[("data.sav", "a,y\n1,x\n")],
        args: &["data.sav", "--target", "y"],
        expect: &[
            "data.sav",
            "extension `.sav`",
            "delimited text (.csv, .txt",
            "Parquet",
            "write it as Parquet first, for example with pandas (`pd.read_stata`, `pd.read_spss`",
        ],
    },
    Case {
        name: "a spreadsheet that is not one",
        files: &[("data.xlsx", "a,y\n1,x\n")],
        args: &["data.xlsx", "--target", "y"],
        expect: &["data.xlsx", "cannot be read as a spreadsheet"],
    },
    // One file given twice, or two copies of one: every row would be a
    // record written twice, split apart.
    Case {
        name: "a data file given twice",
        files: &[("a.csv", GOOD)],
        args: &["a.csv", "a.csv", "--target", "y"],
        expect: &[
            "a.csv",
            "is given twice (also as `a.csv`)",
            "its rows would be read twice",
            "give each file once",
        ],
    },
    Case {
        name: "two data files holding the same bytes",
        files: &[("a.csv", GOOD), ("copy/a (1).csv", GOOD)],
        args: &["a.csv", "copy/a (1).csv", "--target", "y"],
        expect: &[
            "a (1).csv",
            "holds the same bytes as `a.csv`",
            "the certified precision would not hold for new rows",
        ],
    },
    Case {
        name: "compressed JSON lines",
        files: &[("d.jsonl.gz", "{}")],
        args: &["d.jsonl.gz", "--target", "y"],
        expect: &[
            "extension `.jsonl.gz`",
            "decompress it first (`gunzip` or `zstd -d`): JSON is read as it is",
        ],
    },
    Case {
        name: "JSON lines with a nested value",
        files: &[(
            "d.jsonl",
            "{\"a\":1,\"y\":\"x\"}\n{\"a\":{\"b\":2},\"y\":\"x\"}\n",
        )],
        args: &["d.jsonl", "--target", "y"],
        expect: &["d.jsonl: cannot be read as a JSON table: record 2: `a` holds an object"],
    },
    Case {
        name: "JSON that is cut short",
        files: &[("d.json", "[{\"a\":1,\"y\":\"x\"},")],
        args: &["d.json", "--target", "y"],
        expect: &[
            "d.json: cannot be read as a JSON table: is not JSON: ",
            "line 1",
        ],
    },
    Case {
        name: "empty file",
        files: &[("empty.csv", "")],
        args: &["empty.csv", "--target", "y"],
        expect: &["empty.csv", "is empty"],
    },
    Case {
        name: "empty JSON Lines file",
        files: &[("empty.jsonl", "")],
        args: &["empty.jsonl", "--target", "y"],
        expect: &["empty.jsonl: is empty, expected JSON records"],
    },
    Case {
        name: "empty spreadsheet file",
        files: &[("empty.xlsx", "")],
        args: &["empty.xlsx", "--target", "y"],
        expect: &["empty.xlsx: is empty, expected a spreadsheet"],
    },
    Case {
        name: "header only",
        files: &[("header.csv", "a,b,y\n")],
        args: &["header.csv", "--target", "y"],
        expect: &["header.csv", "no rows"],
    },
    Case {
        name: "target not a column",
        files: &[("good.csv", GOOD)],
        args: &["good.csv", "--target", "nope"],
        expect: &["good.csv", "no column `nope`", "--target", "`a`, `b`, `y`"],
    },
    // `--forbid` and `--groups` (#17).
    Case {
        name: "--forbid an unknown column",
        files: &[("good.csv", GOOD)],
        args: &["good.csv", "--target", "y", "--forbid", "race"],
        expect: &["good.csv", "no column `race`", "--forbid", "`a`, `b`"],
    },
    Case {
        name: "--forbid the target",
        files: &[("good.csv", GOOD)],
        args: &["good.csv", "--target", "y", "--forbid", "a,y"],
        expect: &["--forbid", "`y`", "the target"],
    },
    Case {
        name: "--oracle-timeout of zero",
        files: &[],
        args: &["nofile.csv", "--target", "y", "--teacher", "cmd:true", "--oracle-timeout", "0"],
        expect: &["--oracle-timeout must be a positive number of seconds (inf waits without limit)"],
    },
    Case {
        name: "--precision as a percentage",
        files: &[],
        args: &["nofile.csv", "--target", "y", "--precision", "95"],
        expect: &["--precision must be between 0 and 1 (exclusive), got 95 (a share: for 95 %, write 0.95)"],
    },
    Case {
        name: "--split-column the target",
        files: &[("good.csv", GOOD)],
        args: &["good.csv", "--target", "y", "--split-column", "y"],
        expect: &["--split-column names `y`, the target; it must name a column of `train`"],
    },
    Case {
        name: "--split with --split-column",
        files: &[],
        args: &[
            "nofile.csv",
            "--target",
            "y",
            "--split-column",
            "part",
            "--split",
            "50/30/20",
        ],
        expect: &["--split", "--split-column", "`part`"],
    },
    Case {
        name: "--forbid-teacher without --forbid",
        files: &[("good.csv", GOOD)],
        args: &["good.csv", "--target", "y", "--forbid-teacher"],
        expect: &["--forbid-teacher", "--forbid COL"],
    },
    Case {
        name: "--forbid-teacher with a logged teacher",
        files: &[],
        args: &[
            "nofile.csv",
            "--target",
            "y",
            "--forbid",
            "a",
            "--forbid-teacher",
            "--teacher",
            "column:m",
        ],
        expect: &["--forbid-teacher", "`m`"],
    },
    Case {
        name: "a logged teacher without a value on a row",
        files: &[("logged.csv", "x,m,y\n1,a,a\n2,b,b\n\n3,,a\n4,a,b\n")],
        args: &["logged.csv", "--target", "y", "--teacher", "column:m"],
        expect: &[
            "logged.csv",
            "teacher column `m` has no value on row 3 (line 5)",
        ],
    },
    Case {
        name: "--groups an unknown column",
        files: &[("good.csv", GOOD)],
        args: &["good.csv", "--target", "y", "--groups", "race"],
        expect: &["good.csv", "no column `race`", "--groups"],
    },
    Case {
        name: "--groups a numeric column",
        files: &[("good.csv", GOOD)],
        args: &["good.csv", "--target", "y", "--groups", "a"],
        expect: &[
            "good.csv",
            "`a`",
            "--groups",
            "numeric",
            "to group by its 9 values, read it as categories with --categorical a",
        ],
    },
    Case {
        name: "--groups the split column",
        files: &[("split.csv", "a,y,s\n1,x,train\n2,y,validation\n3,x,test\n")],
        args: &[
            "split.csv",
            "--target",
            "y",
            "--split-column",
            "s",
            "--groups",
            "s",
        ],
        expect: &["--groups", "`s`", "split column"],
    },
    Case {
        name: "--stability too large",
        files: &[],
        args: &["nofile.csv", "--target", "y", "--stability", "5000"],
        expect: &["--stability", "at most 1000", "5000"],
    },
    // `--card` (#17): a card is read before any data.
    Case {
        name: "--card with an unknown key",
        files: &[("card.toml", "owner = \"Risk\"\nowmer = \"x\"\n")],
        args: &["nofile.csv", "--target", "y", "--card", "card.toml"],
        expect: &[
            "card.toml",
            "line 2",
            "unknown key `owmer`",
            "owner, purpose",
        ],
    },
    Case {
        name: "--card with a value that is not text",
        files: &[("card.toml", "owner = 42\n")],
        args: &["nofile.csv", "--target", "y", "--card", "card.toml"],
        expect: &["card.toml", "line 1", "expected \"text\""],
    },
    Case {
        name: "--card that does not exist",
        files: &[("good.csv", GOOD)],
        args: &["good.csv", "--target", "y", "--card", "nocard.toml"],
        expect: &["nocard.toml"],
    },
    Case {
        name: "target with one class",
        files: &[("one.csv", "a,y\n1,x\n2,x\n3,x\n")],
        args: &["one.csv", "--target", "y"],
        expect: &["one.csv", "single class `x`"],
    },
    Case {
        name: "split column with other values",
        files: &[("split.csv", "a,y,s\n1,x,train\n2,y,valid\n3,x,oops\n")],
        args: &["split.csv", "--target", "y", "--split-column", "s"],
        expect: &[
            "split.csv",
            "`s`",
            "split column `s` holds `oops` (the first such row is data row 3, with `oops`), where every row needs `train`",
        ],
    },
    Case {
        name: "every feature forbidden",
        files: &[("good.csv", GOOD)],
        args: &["good.csv", "--target", "y", "--forbid", "a,b"],
        expect: &["--forbid names every feature column", "no column is left"],
    },
    Case {
        name: "split column with an empty cell",
        files: &[("split.csv", "a,y,s\n1,x,train\n2,y,\n3,x,test\n4,y,valid\n5,x,tst\n")],
        args: &["split.csv", "--target", "y", "--split-column", "s"],
        expect: &[
            "split.csv",
            "split column `s` holds an empty cell and `tst` (the first such row is data row 2, with ",
        ],
    },
    Case {
        // An id column named by mistake: its values listed in the order of
        // their rows (they were sorted as text, so the first row's value,
        // named in the message, was not among them), with how many there are.
        name: "split column of many values",
        files: &[("split.csv", "a,y,s\n1,x,13\n2,y,2\n3,x,100\n4,y,7\n5,x,5\n6,y,1007\n7,x,13\n")],
        args: &["split.csv", "--target", "y", "--split-column", "s"],
        expect: &["split column `s` holds `13`, `2`, `100`, `7`, `5`, ... (6 values) (the first such row is data row 1, with `13`)"],
    },
    Case {
        // Three slips, one run: every name that is no column, with the
        // option that gave it (only the first was said, so each took a run).
        name: "several options name no column",
        files: &[("good.csv", GOOD)],
        args: &["good.csv", "--target", "y", "--forbid", "nope", "--categorical", "nada", "--groups", "a,zip", "--split-column", "spl"],
        expect: &["good.csv: no column `spl` (given as --split-column), `nada` (given as --categorical), `nope` (given as --forbid), `zip` (given as --groups); columns are: "],
    },
    Case {
        name: "split column not a column",
        files: &[("good.csv", GOOD)],
        args: &["good.csv", "--target", "y", "--split-column", "part"],
        expect: &["good.csv", "no column `part`", "--split-column"],
    },
    Case {
        name: "precision above 1",
        files: &[("good.csv", GOOD)],
        args: &["good.csv", "--target", "y", "--precision", "1.5"],
        expect: &["--precision", "between 0 and 1", "1.5"],
    },
    Case {
        // A negative number is a value, not an option: the message is the
        // value's, not clap's "unexpected argument '-0'".
        name: "precision below 0",
        files: &[("good.csv", GOOD)],
        args: &["good.csv", "--target", "y", "--precision", "-0.5"],
        expect: &["--precision", "between 0 and 1", "-0.5"],
    },
    Case {
        name: "a logged teacher that is the target",
        files: &[("good.csv", GOOD)],
        args: &["good.csv", "--target", "y", "--teacher", "column:y"],
        expect: &["--teacher column:y", "names the target itself"],
    },
    Case {
        name: "precision 0",
        files: &[("good.csv", GOOD)],
        args: &["good.csv", "--target", "y", "--precision", "0"],
        expect: &["--precision", "between 0 and 1"],
    },
    Case {
        name: "confidence 1",
        files: &[("good.csv", GOOD)],
        args: &["good.csv", "--target", "y", "--confidence", "1"],
        expect: &["--confidence", "between 0 and 1"],
    },
    // At 0.5 or less a lower bound is no lower than the measured
    // precision: 0.01 "certified" a set below the target.
    Case {
        name: "confidence 0.01",
        files: &[("good.csv", GOOD)],
        args: &["good.csv", "--target", "y", "--confidence", "0.01"],
        expect: &["--confidence must be above 0.5, got 0.01"],
    },
    Case {
        name: "ragged rows",
        files: &[("ragged.csv", "a,b,y\n1,2,x\n3,4,y,9\n5,6,x\n")],
        args: &["ragged.csv", "--target", "y"],
        expect: &["ragged.csv", "line 3", "has 4 fields, but the header has 3"],
    },
    Case {
        name: "unclosed quote",
        files: &[("quote.csv", "a,y\n1,x\n\"2,y\n3,x\n")],
        args: &["quote.csv", "--target", "y"],
        expect: &["quote.csv", "line 3", "never closed"],
    },
    Case {
        name: "duplicate column names",
        files: &[("dup.csv", "a,b,a,y\n1,2,3,x\n4,5,6,y\n")],
        args: &["dup.csv", "--target", "y"],
        expect: &["dup.csv", "line 1", "columns 1 and 3 are both named `a`"],
    },
    Case {
        name: "--with-runtime without a runtime crate",
        files: &[("good.csv", GOOD)],
        args: &["good.csv", "--target", "y", "--with-runtime", "nowhere"],
        expect: &["--with-runtime nowhere"],
    },
    Case {
        name: "--synthetic past its bound",
        files: &[("good.csv", GOOD)],
        args: &["good.csv", "--target", "y", "--synthetic", "100000000000"],
        expect: &["--synthetic must be at most 10000000 rows"],
    },
    Case {
        name: "--bootstrap-trees past its bound",
        files: &[("good.csv", GOOD)],
        args: &[
            "good.csv",
            "--target",
            "y",
            "--bootstrap-trees",
            "100000000",
        ],
        expect: &["--bootstrap-trees must be in 0..=10000"],
    },
    Case {
        name: "a directory as data",
        files: &[("dir.csv/x", "")],
        args: &["dir.csv", "--target", "y"],
        expect: &["dir.csv", "is a directory"],
    },
];

fn rulec(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rulec"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("rulec runs")
}

fn setup(case: &Case) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in case.files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn check_fails(case: &Case, out_args: &[&str]) -> (tempfile::TempDir, String) {
    let dir = setup(case);
    let mut args = vec!["compile"];
    args.extend_from_slice(case.args);
    args.extend_from_slice(out_args);
    let output = rulec(dir.path(), &args);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}: exit code; stderr: {stderr}",
        case.name
    );
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(
        lines.len(),
        1,
        "{}: one error line expected, got: {stderr}",
        case.name
    );
    assert!(!stderr.contains("panicked"), "{}: {stderr}", case.name);
    for want in case.expect {
        assert!(
            lines[0].contains(want),
            "{}: `{want}` not in `{}`",
            case.name,
            lines[0]
        );
    }
    (dir, stderr)
}

#[test]
fn bad_inputs_fail_cleanly_and_create_nothing() {
    for case in CASES {
        let (dir, _) = check_fails(case, &["--out", "out", "--quiet"]);
        assert!(
            !dir.path().join("out").exists(),
            "{}: out/ was created",
            case.name
        );
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("rulec-tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{}: left {leftovers:?}", case.name);
    }
}

#[test]
fn bad_inputs_leave_an_existing_out_unchanged() {
    for case in CASES {
        let dir = setup(case);
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join(".rulec-output"), "marker").unwrap();
        std::fs::write(out.join("rules.json"), "previous").unwrap();
        let mut args = vec!["compile"];
        args.extend_from_slice(case.args);
        args.extend_from_slice(&["--out", "out", "--quiet"]);
        let output = rulec(dir.path(), &args);
        assert_eq!(output.status.code(), Some(1), "{}", case.name);
        assert_eq!(
            std::fs::read_to_string(out.join("rules.json")).unwrap(),
            "previous",
            "{}",
            case.name
        );
    }
}

#[test]
fn out_that_holds_other_files_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.csv"), GOOD).unwrap();
    std::fs::create_dir(dir.path().join("mine")).unwrap();
    std::fs::write(dir.path().join("mine/notes.txt"), "keep me").unwrap();
    let output = rulec(
        dir.path(),
        &[
            "compile", "good.csv", "--target", "y", "--out", "mine", "-q",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    // The files are named (a user who expected the folder empty saw only
    // that it held something).
    assert!(
        stderr.contains("--out mine: directory holds files rulec did not write (`notes.txt`); choose a new or empty directory"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("mine/notes.txt")).unwrap(),
        "keep me"
    );

    std::fs::write(dir.path().join("afile"), "x").unwrap();
    let output = rulec(
        dir.path(),
        &[
            "compile", "good.csv", "--target", "y", "--out", "afile", "-q",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("not a directory"), "{stderr}");

    // A folder rulec wrote, where the user has put a file of theirs since:
    // refused, the file kept (replacing the folder deleted it).
    let compile = [
        "compile", "good.csv", "--target", "y", "--out", "ours", "-q",
    ];
    assert!(rulec(dir.path(), &compile).status.success());
    std::fs::write(dir.path().join("ours/notes.txt"), "keep me").unwrap();
    let output = rulec(dir.path(), &compile);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("holds a file rulec did not write (`notes.txt`)"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("ours/notes.txt")).unwrap(),
        "keep me"
    );
    // `-` is no folder: it made one named `-`.
    let output = rulec(
        dir.path(),
        &["compile", "good.csv", "--target", "y", "--out", "-", "-q"],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--out -: rulec writes a folder"));
    assert!(!dir.path().join("-").exists());
}

/// RAYON_NUM_THREADS has --threads' limit: 2,000 threads made a
/// quarter-second compile take half a minute.
#[test]
fn a_thread_count_past_the_limit_is_refused_from_the_environment_too() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.csv"), GOOD).unwrap();
    for (value, ok) in [("2000", false), ("abc", false), ("0", true), ("2", true)] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_rulec"))
            .current_dir(dir.path())
            .env("RAYON_NUM_THREADS", value)
            .args(["compile", "good.csv", "--target", "y", "--out", "o", "-q"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.success(), ok, "{value}: {stderr}");
        if !ok {
            assert!(
                stderr.contains("RAYON_NUM_THREADS must be a number of worker threads in 0..=1024"),
                "{stderr}"
            );
        }
        let _ = std::fs::remove_dir_all(dir.path().join("o"));
    }
}

/// No command writes over its own input: `emit` into the compile output
/// that holds its rules.json (which rulec may otherwise replace whole, as
/// its own), `emit --lang sql` onto the rules.json, a compile into the
/// folder that holds its data. Each is refused and the input is left as it
/// was. So is `--threads` past what can be started.
#[test]
fn no_command_writes_over_its_own_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("good.csv"), GOOD.repeat(20)).unwrap();
    let out = rulec(
        d,
        &["compile", "good.csv", "--target", "y", "--out", "out", "-q"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rules = std::fs::read(d.join("out/rules.json")).unwrap();
    std::fs::copy(d.join("good.csv"), d.join("out/good.csv")).unwrap();
    for args in [
        &["emit", "out/rules.json", "--out", "out"][..],
        &[
            "emit",
            "out/rules.json",
            "--lang",
            "sql",
            "--out",
            "out/rules.json",
        ],
        &["compile", "out/good.csv", "--target", "y", "--out", "out"],
    ] {
        let output = rulec(d, args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("an input of this command"),
            "{args:?}: {stderr}"
        );
        assert_eq!(std::fs::read(d.join("out/rules.json")).unwrap(), rules);
        assert!(d.join("out/RULEBOOK.md").exists(), "{args:?}");
    }
    // The data and the rules swapped: said as such, by every command that
    // takes both.
    std::fs::write(
        d.join("rows.jsonl"),
        "{\"a\":1,\"y\":\"x\"}\n{\"a\":2,\"y\":\"z\"}\n",
    )
    .unwrap();
    std::fs::copy(d.join("good.csv"), d.join("rows")).unwrap();
    for command in ["apply", "check"] {
        let output = rulec(d, &[command, "good.csv", "out/rules.json"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains("good.csv: is a data file, not a rules.json: give the rules.json a compile wrote (a command that reads data too takes the rules first"),
            "{command}: {stderr}"
        );
        // A JSON table, or a file without an extension: no rule set in it.
        for data in ["rows.jsonl", "rows"] {
            let output = rulec(d, &[command, data, "out/rules.json"]);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                stderr.contains(&format!("{data}: holds no rule set (no `schema_version`; is it the data?): give the rules.json")),
                "{command} {data}: {stderr}"
            );
        }
    }
    // Nor over another compile's output, or a file that is not its SQL: a
    // crate would replace the folder's rules.json and books, SQL a signed
    // book named by a slip.
    std::fs::create_dir(d.join("other")).unwrap();
    std::fs::copy(d.join("out/rules.json"), d.join("other/rules.json")).unwrap();
    let book = std::fs::read(d.join("out/RULEBOOK.md")).unwrap();
    for (args, says) in [
        (
            &["emit", "other/rules.json", "--out", "out"][..],
            "--out out: holds a compile's output (rules.json and its rule books), which the crate would replace; name a new folder, such as out/crate",
        ),
        (
            &["emit", "other/rules.json", "--lang", "sql", "--out", "out/RULEBOOK.md"],
            "--out out/RULEBOOK.md: exists and is not SQL rulec wrote",
        ),
    ] {
        let output = rulec(d, args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert_eq!(std::fs::read(d.join("out/rules.json")).unwrap(), rules);
        assert_eq!(std::fs::read(d.join("out/RULEBOOK.md")).unwrap(), book);
    }
    // The compile's own crate folder, as the refusal advises, it replaces.
    let output = rulec(d, &["emit", "other/rules.json", "--out", "out/crate", "-q"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(d.join("out/crate/src/rules.rs").exists());
    assert_eq!(std::fs::read(d.join("out/rules.json")).unwrap(), rules);
    // `dataset` writes over its own CSV only, or to standard output.
    let output = rulec(
        d,
        &[
            "dataset",
            "shipping",
            "--rows",
            "5",
            "--out",
            "out/rules.json",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr)
        .contains("--out out/rules.json: exists and is not this dataset's CSV"));
    assert_eq!(std::fs::read(d.join("out/rules.json")).unwrap(), rules);
    for rows in ["5", "7"] {
        let output = rulec(
            d,
            &["dataset", "shipping", "--rows", rows, "--out", "ship.csv"],
        );
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let output = rulec(d, &["dataset", "shipping", "--rows", "7", "--out", "-"]);
    assert_eq!(output.stdout, std::fs::read(d.join("ship.csv")).unwrap());
    // Standard output into a pipe is no file to write beside and rename;
    // SQL to it neither hangs reading it first nor says it does not exist.
    let output = rulec(
        d,
        &[
            "emit",
            "other/rules.json",
            "--lang",
            "sql",
            "--out",
            "/dev/stdout",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--out /dev/stdout: is a pipe or a device"),
        "{stderr}"
    );
    // `-` is standard output, for SQL as for a dataset; a device is no
    // file to replace.
    let output = rulec(
        d,
        &["emit", "other/rules.json", "--lang", "sql", "--out", "-"],
    );
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("-- @generated by rulec"));
    assert!(!d.join("-").exists());
    let output = rulec(
        d,
        &["dataset", "shipping", "--rows", "3", "--out", "/dev/null"],
    );
    assert!(String::from_utf8_lossy(&output.stderr)
        .contains("/dev/null: is a pipe or a device, not a file"));
    // Standard input is no data file: said so, not "no such file".
    let output = rulec(d, &["apply", "out/rules.json", "-"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("-: standard input is not read: rulec reads a data file more than once"),
        "{stderr}"
    );
    // Its own SQL it replaces.
    for _ in 0..2 {
        let output = rulec(
            d,
            &[
                "emit",
                "other/rules.json",
                "--lang",
                "sql",
                "--out",
                "o.sql",
            ],
        );
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let output = rulec(
        d,
        &["--threads", "100000", "apply", "out/rules.json", "good.csv"],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("--threads must be in 1..=1024"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// What a pipeline leans on: an empty batch is decided (no rows, exit 0)
/// while a header without a column the rules read is refused; a pipe is
/// refused by name rather than read as empty; `--out .` is refused before
/// any work; a file name that is not UTF-8 keeps its extension; a compile
/// writes through a linked `--out` and keeps the link; and the same file
/// sampled by `--max-rows` gives the same rules.json whatever path names it.
#[test]
fn a_pipeline_gets_what_it_relies_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ok = |args: &[&str]| {
        let out = rulec(d, args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{args:?}: {stderr}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let fails = |args: &[&str], want: &str| {
        let out = rulec(d, args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(want), "{args:?}: `{want}` not in {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    };
    ok(&[
        "dataset", "shipping", "--rows", "3000", "--out", "good.csv", "-q",
    ]);
    let target = "cheapest_shipper";
    ok(&[
        "compile", "good.csv", "--target", target, "--out", "out", "-q",
    ]);
    let rules = std::fs::read_to_string(d.join("out/rules.json")).unwrap();
    assert!(rules.contains("\"distance_mi\""), "{rules}");

    // An empty batch.
    let header = std::fs::read_to_string(d.join("good.csv")).unwrap();
    let header = header.lines().next().unwrap();
    std::fs::write(d.join("empty.csv"), format!("{header}\n")).unwrap();
    assert_eq!(
        ok(&["apply", "out/rules.json", "empty.csv"]),
        "row,decision,rule\n"
    );
    std::fs::write(d.join("wrong.csv"), "c\n").unwrap();
    fails(&["apply", "out/rules.json", "wrong.csv"], "wrong.csv");

    // A file name that is not UTF-8 is still a CSV file.
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"lat\xe9.csv");
        std::fs::copy(d.join("good.csv"), d.join(name)).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_rulec"))
            .current_dir(d)
            .arg("apply")
            .arg("out/rules.json")
            .arg(name)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 3001);
    }

    // An escape sequence in a column name does not reach the terminal.
    std::fs::write(d.join("esc.csv"), "a\u{1b}]0;x\u{7},y\n1,2\n3,4\n").unwrap();
    let out = rulec(d, &["compile", "esc.csv", "--target", "nope", "-q"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("a\\u{1b}]0;x\\u{7}"), "{stderr}");
    assert!(!stderr.contains(['\u{1b}', '\u{7}']), "{stderr}");

    // A pipe is refused by what it is, not read as an empty file.
    #[cfg(unix)]
    {
        let fifo = d.join("pipe.csv");
        let made = Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            fails(
                &["apply", "out/rules.json", "pipe.csv"],
                "pipe.csv: is not a regular file",
            );
        }
    }

    // `--out .` is refused at once, naming --out.
    std::fs::create_dir(d.join("here")).unwrap();
    let out = rulec(
        &d.join("here"),
        &[
            "compile",
            "../good.csv",
            "--target",
            target,
            "--out",
            ".",
            "-q",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("--out .: rulec replaces this folder"),
        "{stderr}"
    );

    // A linked --out: its target gets the outputs, the link stays.
    #[cfg(unix)]
    {
        std::fs::create_dir(d.join("release-1")).unwrap();
        std::os::unix::fs::symlink("release-1", d.join("current")).unwrap();
        ok(&[
            "compile", "good.csv", "--target", target, "--out", "current", "-q",
        ]);
        let link = std::fs::symlink_metadata(d.join("current")).unwrap();
        assert!(link.file_type().is_symlink());
        assert_eq!(
            std::fs::read_to_string(d.join("release-1/rules.json")).unwrap(),
            rules
        );
    }

    // The sample's note names the file, not the path it was given by.
    std::fs::create_dir(d.join("sub")).unwrap();
    let sampled = |data: &str, out: &str| {
        ok(&[
            "compile",
            data,
            "--target",
            target,
            "--max-rows",
            "2500",
            "--out",
            out,
            "-q",
        ]);
        std::fs::read_to_string(d.join(out).join("rules.json")).unwrap()
    };
    let a = sampled("good.csv", "s1");
    let b = sampled(&format!("sub/../{}", "good.csv"), "s2");
    let c = sampled(d.join("good.csv").to_str().unwrap(), "s3");
    assert!(a.contains("good.csv has 3000 rows"), "{a}");
    assert_eq!(a, b);
    assert_eq!(a, c);
}

#[test]
fn apply_refuses_a_future_schema() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rules.json"), "{\"schema_version\": 99}").unwrap();
    std::fs::write(dir.path().join("good.csv"), GOOD).unwrap();
    let output = rulec(dir.path(), &["apply", "rules.json", "good.csv"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr.contains("schema version 99"), "{stderr}");
}

#[test]
fn non_utf8_bytes_are_named_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("latin.csv"), b"a,y\n1,x\n2,caf\xe9\n3,y\n").unwrap();
    let output = rulec(
        dir.path(),
        &[
            "compile",
            "latin.csv",
            "--target",
            "y",
            "--out",
            "out",
            "-q",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains("latin.csv: line 3: byte 6 is not UTF-8 text"),
        "{stderr}"
    );
    assert!(!dir.path().join("out").exists());
}

/// Awkward data that rulec should accept, each with what it must make of it.
#[test]
fn awkward_but_valid_data_is_read_correctly() {
    let mut plain = String::from("x,c,y\n");
    let mut semi = String::from("x;c;y\n");
    let mut bom = String::from("\u{feff}x,c,y\n");
    let mut quoted = String::from("x,c,y\n");
    let mut na = String::from("x,c,empty,y\n");
    let mut thousands = String::from("x,c,y\n");
    let mut nan = String::from("x,c,y\n");
    for i in 0..600 {
        let x = (i * 37) % 100;
        let y = if x < 50 { "lo" } else { "hi" };
        let c = if i % 3 == 0 { "p" } else { "q" };
        plain.push_str(&format!("{x},{c},{y}\n"));
        semi.push_str(&format!("{x};{c};{y}\n"));
        bom.push_str(&format!("{x},{c},{y}\n"));
        quoted.push_str(&format!("{x},\"{c}\nsecond line, with a comma\",{y}\n"));
        let xs = if i % 11 == 0 {
            "NA".to_string()
        } else {
            x.to_string()
        };
        na.push_str(&format!("{xs},{c},,{y}\n"));
        thousands.push_str(&format!(
            "\"{},{:03}\",{c},{y}\n",
            x / 10 + 1,
            (x % 10) * 100
        ));
        let xs = match i % 13 {
            0 => "NaN".to_string(),
            1 => "inf".to_string(),
            _ => x.to_string(),
        };
        nan.push_str(&format!("{xs},{c},{y}\n"));
    }
    let dir = tempfile::tempdir().unwrap();
    type Want<'a> = &'a [(&'a str, &'a str, bool)];
    let cases: [(&str, &str, Want); 7] = [
        (
            "plain.csv",
            &plain,
            &[("x", "numeric", false), ("c", "categorical", false)],
        ),
        (
            "semi.csv",
            &semi,
            &[("x", "numeric", false), ("c", "categorical", false)],
        ),
        (
            "bom.csv",
            &bom,
            &[("x", "numeric", false), ("c", "categorical", false)],
        ),
        (
            "quoted.csv",
            &quoted,
            &[("x", "numeric", false), ("c", "categorical", false)],
        ),
        // NA reads as missing; a column with no values is left out.
        (
            "na.csv",
            &na,
            &[("x", "numeric", true), ("c", "categorical", false)],
        ),
        (
            "thousands.csv",
            &thousands,
            &[("x", "numeric", false), ("c", "categorical", false)],
        ),
        // NaN reads as missing, inf as a number.
        (
            "nan.csv",
            &nan,
            &[("x", "numeric", true), ("c", "categorical", false)],
        ),
    ];
    for (name, text, want) in cases {
        std::fs::write(dir.path().join(name), text).unwrap();
        let out_dir = format!("out_{name}");
        let output = rulec(
            dir.path(),
            &["compile", name, "--target", "y", "--out", &out_dir, "-q"],
        );
        assert!(
            output.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let set = rulec_runtime::RuleSet::from_json(
            &std::fs::read_to_string(dir.path().join(&out_dir).join("rules.json")).unwrap(),
        )
        .unwrap();
        let got: Vec<(String, String, bool)> = set
            .features
            .iter()
            .map(|f| (f.name.clone(), f.kind.describe().to_string(), f.nullable))
            .collect();
        let want: Vec<(String, String, bool)> = want
            .iter()
            .map(|(n, k, m)| (n.to_string(), k.to_string(), *m))
            .collect();
        assert_eq!(got, want, "{name}");
        assert_eq!(set.target.classes, ["hi", "lo"], "{name}");
        assert!(
            !set.rules.is_empty(),
            "{name}: the x < 50 rule should be found"
        );
    }
}

/// The demo's data lives in a scratch file whose path means nothing to
/// the user: a refusal names the rows asked for instead.
#[test]
fn the_demo_on_too_few_rows_names_them_not_its_scratch_file() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_rulec"))
        .current_dir(dir.path())
        .args(["demo", "--rows", "1", "--out", "out", "-q"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error: the demo's 1 generated rows: target column `cheapest_shipper` has a single class"),
        "{stderr}"
    );
    assert!(!stderr.contains("rulec-demo"), "{stderr}");
    assert!(!dir.path().join("out").exists());
}

#[test]
fn an_interrupted_compile_leaves_out_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join(".rulec-output"), "marker").unwrap();
    std::fs::write(out.join("rules.json"), "previous").unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_rulec"))
        .current_dir(dir.path())
        .args(["demo", "--rows", "2000000", "--out", "out", "-q"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Long enough to be mid-run (generating or teaching), far from done.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(out.join("rules.json")).unwrap(),
        "previous"
    );
    let litter: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("rulec-"))
        .collect();
    assert!(litter.is_empty(), "left {litter:?}");
}

/// The book's command-line reference is `--help`, verbatim.
#[test]
fn the_cli_reference_matches_help() {
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../book/src/cli.md"))
        .unwrap();
    let block_after = |heading: &str| -> String {
        let start = page
            .find(heading)
            .unwrap_or_else(|| panic!("cli.md lacks `{heading}`"));
        let rest = &page[start..];
        let open = rest.find("```text\n").unwrap() + "```text\n".len();
        let close = rest[open..].find("\n```").unwrap();
        rest[open..open + close].to_string()
    };
    let help = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_rulec"))
            .args(args)
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .trim_end()
            .to_string()
    };
    assert_eq!(
        block_after("# Reference: the command line"),
        help(&["--help"])
    );
    for cmd in [
        "compile", "demo", "apply", "validate", "check", "diff", "book", "verify", "emit", "bench",
        "dataset",
    ] {
        assert_eq!(
            block_after(&format!("## rulec {cmd}\n")),
            help(&[cmd, "--help"]),
            "book/src/cli.md is out of step with `rulec {cmd} --help`"
        );
    }
}

/// A list of column names with an empty one in it (`--groups ''`, a
/// trailing comma) is a usage error of every command that takes one; check
/// said "--groups names ``, which is not a column of the rule set".
#[test]
fn an_empty_column_name_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["compile", "nofile.csv", "--target", "y", "--forbid", "a,"][..],
        &["check", "rules.json", "nofile.csv", "--groups", ""][..],
    ] {
        let out = rulec(dir.path(), args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("has an empty column name: give column names separated by commas"),
            "{args:?}: {err}"
        );
    }
}
