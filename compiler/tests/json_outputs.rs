//! The `--json` outputs of `rulec validate`, `rulec check` and `rulec
//! bench` against their reference in `book/src/rules-json.md`: the keys of
//! the top-level objects and of the per-rule (per-line, per-run) objects
//! are read from the book's tables at test time, and every emitted key must
//! be documented, every key documented as always there must be emitted,
//! and every documented key, conditional ones included, must be emitted
//! by one of the runs here. A key added to the code and not to the book,
//! or left in the book after the code dropped it, fails.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Map, Value};

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

/// Runs rulec and parses its standard output as JSON; with its exit status.
fn json(dir: &Path, args: &[&str]) -> (Value, Option<i32>) {
    let o = run(dir, args);
    let value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {}", stderr(&o)));
    (value, o.status.code())
}

fn ok(dir: &Path, args: &[&str]) {
    let o = run(dir, args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
}

/// One table of the book: each key, and whether it may be absent.
struct Documented {
    name: String,
    keys: BTreeMap<String, bool>,
    seen: BTreeSet<String>,
}

impl Documented {
    /// The table of `book/src/rules-json.md` under the heading `section`
    /// whose first column is headed `column` (`field`, `field of a rule`,
    /// ...): its first column's keys, conditional where the "absent or
    /// null" column starts with "absent".
    fn read(section: &str, column: &str) -> Documented {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../book/src/rules-json.md");
        let text = std::fs::read_to_string(&path).expect("book/src/rules-json.md");
        let cells = |line: &str| -> Vec<String> {
            line.trim()
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        };
        let mut lines = text
            .lines()
            .skip_while(|l| *l != section)
            .skip(1)
            .take_while(|l| !l.starts_with("## "));
        let header = lines
            .by_ref()
            .find(|l| l.starts_with('|') && cells(l)[0] == column)
            .unwrap_or_else(|| panic!("no table `{column}` under `{section}` in the book"));
        let absent = cells(header)
            .iter()
            .position(|c| c == "absent or null")
            .unwrap_or_else(|| {
                panic!("table `{column}` of `{section}`: no `absent or null` column")
            });
        let mut keys = BTreeMap::new();
        for line in lines.skip(1).take_while(|l| l.starts_with('|')) {
            let c = cells(line);
            let key = c[0].trim_matches('`').to_string();
            let conditional = c[absent].starts_with("absent");
            assert!(
                keys.insert(key.clone(), conditional).is_none(),
                "`{key}` twice in table `{column}` of `{section}`"
            );
        }
        assert!(!keys.is_empty(), "table `{column}` of `{section}` is empty");
        Documented {
            name: format!("{section} / {column}"),
            keys,
            seen: BTreeSet::new(),
        }
    }

    /// Checks one emitted object against the table.
    fn object(&mut self, value: &Value) {
        let object: &Map<String, Value> = value
            .as_object()
            .unwrap_or_else(|| panic!("{}: not an object: {value}", self.name));
        for key in object.keys() {
            assert!(
                self.keys.contains_key(key),
                "{}: `{key}` is emitted but not documented",
                self.name
            );
            self.seen.insert(key.clone());
        }
        for (key, conditional) in &self.keys {
            assert!(
                *conditional || object.contains_key(key),
                "{}: `{key}` is documented as always there but missing from {value}",
                self.name
            );
        }
    }

    /// Checks each object of the array `value`.
    fn each(&mut self, value: &Value) {
        let items = value
            .as_array()
            .unwrap_or_else(|| panic!("{}: not an array: {value}", self.name));
        for item in items {
            self.object(item);
        }
    }

    /// Every documented key was emitted by some run.
    fn all_seen(&self) {
        let documented: BTreeSet<String> = self.keys.keys().cloned().collect();
        let never: Vec<&String> = documented.difference(&self.seen).collect();
        assert!(
            never.is_empty(),
            "{}: documented but never emitted: {never:?}",
            self.name
        );
    }
}

/// `n.csv` with one more row whose label (`Z`) is none of the classes.
fn with_foreign_label(dir: &Path) {
    let text = std::fs::read_to_string(dir.join("n.csv")).unwrap();
    let last = text.lines().last().unwrap();
    let row = format!("{},Z\n", &last[..last.rfind(',').unwrap()]);
    std::fs::write(dir.join("nf.csv"), text + &row).unwrap();
}

/// `oc/rules.json` without the compile's fingerprint: its figures are in
/// doubt.
fn without_fingerprint(dir: &Path) {
    let text = std::fs::read_to_string(dir.join("oc/rules.json")).unwrap();
    let mut set: Value = serde_json::from_str(&text).unwrap();
    set["provenance"]
        .as_object_mut()
        .unwrap()
        .remove("compiled")
        .expect("a compile records its fingerprint");
    std::fs::write(
        dir.join("edited.json"),
        serde_json::to_string_pretty(&set).unwrap(),
    )
    .unwrap();
}

/// A benchmark folder of one dataset, `ship`: `n.csv` with a split column,
/// and a calibrated peer in the README.
fn bench_folder(dir: &Path) {
    let data = dir.join("bench/data");
    std::fs::create_dir_all(&data).unwrap();
    let text = std::fs::read_to_string(dir.join("n.csv")).unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let split = match i {
            0 => "split",
            _ => ["train", "train", "train", "valid", "test"][i % 5],
        };
        out.push_str(&format!("{line},{split}\n"));
    }
    std::fs::write(data.join("ship.csv"), out).unwrap();
    std::fs::write(
        dir.join("bench/README.md"),
        "# Tiny bench\n\n\
         | dataset | source | target | task |\n\
         |---|---|---|---|\n\
         | ship | rulec dataset shipping | `cheapest_shipper` | multiclass |\n\n\
         ## Every method\n\n\
         ### ship\n\n\
         | method | target | coverage | precision | rules |\n\
         |---|---|---|---|---|\n\
         | dt_hgb_d4 | 0.9 | 0.300 | 0.950 | 3 |\n",
    )
    .unwrap();
}

#[test]
fn json_outputs_have_the_keys_the_book_documents() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let quiet = ["-q", "--no-cache", "--precision", "0.9"];
    ok(
        dir,
        &[
            "dataset", "shipping", "--rows", "5000", "--out", "s.csv", "-q",
        ],
    );
    ok(
        dir,
        &[
            "dataset", "shipping", "--rows", "3000", "--seed", "1", "--out", "n.csv", "-q",
        ],
    );
    let compile = |out: &str, extra: &[&str]| {
        let mut args = vec![
            "compile",
            "s.csv",
            "--target",
            "cheapest_shipper",
            "--out",
            out,
        ];
        args.extend_from_slice(&quiet);
        args.extend_from_slice(extra);
        ok(dir, &args);
    };
    // A set certified as a whole, and one per class whose fingerprint is
    // removed, checked on rows with a label of no class.
    compile("o", &[]);
    compile("oc", &["--certify", "class"]);
    with_foreign_label(dir);
    without_fingerprint(dir);

    // validate --json: exit 0 whatever the figures.
    let section = "## `rulec validate --json`";
    let mut top = Documented::read(section, "field");
    let mut rule = Documented::read(section, "field of a rule");
    for args in [
        &["validate", "o/rules.json", "n.csv", "--json"][..],
        &[
            "validate",
            "edited.json",
            "nf.csv",
            "--json",
            "--teacher-column",
            "cheapest_shipper",
        ],
    ] {
        let (v, code) = json(dir, args);
        assert_eq!(code, Some(0), "{args:?}");
        top.object(&v);
        rule.each(&v["rules"]);
        rule.object(&v["all"]);
        if let Some(classes) = v.get("classes") {
            rule.each(classes);
        }
    }
    top.all_seen();
    rule.all_seen();

    // check --json: exit 0 when `passed`, 1 when not. On the compile's own
    // file (a note says so), and with everything that may be absent.
    let section = "## `rulec check --json`";
    let mut top = Documented::read(section, "field");
    let mut rule = Documented::read(section, "field of a rule check");
    let mut figures = Documented::read(section, "field of then and now");
    for args in [
        &["check", "o/rules.json", "s.csv", "--json"][..],
        &[
            "check",
            "edited.json",
            "nf.csv",
            "--json",
            "--groups",
            "zone",
            "--strict",
        ],
    ] {
        let (c, code) = json(dir, args);
        let passed = c["passed"].as_bool().expect("`passed` is a boolean");
        assert_eq!(code, Some(if passed { 0 } else { 1 }), "{args:?}");
        top.object(&c);
        let checks = c["rules"]
            .as_array()
            .unwrap()
            .iter()
            .chain(
                c.get("classes")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            )
            .chain(std::iter::once(&c["overall"]));
        for r in checks {
            rule.object(r);
            figures.object(&r["now"]);
            if !r["then"].is_null() {
                figures.object(&r["then"]);
            }
        }
    }
    top.all_seen();
    rule.all_seen();
    figures.all_seen();

    // bench --json: one tiny dataset, one seed, one target.
    bench_folder(dir);
    let section = "## `rulec bench --json`";
    let mut top = Documented::read(section, "field");
    let mut line = Documented::read(section, "field of a line");
    let mut run_ = Documented::read(section, "field of a run");
    let (b, code) = json(
        dir,
        &[
            "bench",
            "bench",
            "--targets",
            "0.9",
            "--seeds",
            "0",
            "--json",
            "-q",
        ],
    );
    assert_eq!(code, Some(0));
    top.object(&b);
    line.each(&b["lines"]);
    for l in b["lines"].as_array().unwrap() {
        run_.each(&l["runs"]);
    }
    top.all_seen();
    line.all_seen();
    run_.all_seen();
}
