//! The data of the SQL engine tests (`sql_engine.rs`, `sql_emit.rs`): a
//! compiled shipping set, and a copy of it made hostile (column names,
//! categories and classes with quotes, backslashes, `$`, `${..}`, line
//! breaks and non-ASCII text; two extra rules with `is missing` and `in`),
//! over rows perturbed towards the edges; and helpers that run `rulec`.

#![allow(dead_code)] // Each test binary uses a different part.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use polars::prelude::*;
use rulec_datasets::rng::Rng;
use rulec_runtime::RuleSet;
use serde_json::{json, Value};

use crate::common;
// ---------------------------------------------------------------------------
// Fixture

/// The shared data, built once per test run under Cargo's temporary folder
/// (a folder per test binary, so the binaries can run at once).
pub struct Fixture {
    pub dir: PathBuf,
    /// The hostile rows, as written to `hostile.*`.
    pub hostile: Rows,
}

pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(env!("CARGO_CRATE_NAME"));
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
pub const NAMES: [(&str, &str); 7] = [
    ("distance_mi", "distance mi"),
    ("weight_lb", "weight (lb)"),
    ("zone", "Zone `a` 'c'.x"),
    ("express", "express$"),
    ("fragile", "fragile"),
    ("day_of_week", "day_of_week\\"),
    ("cheapest_shipper", "cheapest_shipper's"),
];
pub const ZONES: [(&str, &str); 6] = [
    ("central", "cen\ntral"),
    ("east", "ea\\st"),
    ("islands", "Islands"),
    ("north", "no$rth ${x}"),
    ("south", "sü\"th 'q'"),
    ("west", "we'st"),
];
pub const DAYS: [(&str, &str); 2] = [("sat", "sat "), ("sun", "日曜")];
pub const CLASSES: [(&str, &str); 3] = [("A", "a'1"), ("B", "b\\2"), ("C", "c$3 ${y}")];

pub fn rename(map: &[(&str, &str)], text: &str) -> String {
    map.iter()
        .find(|(from, _)| *from == text)
        .map_or(text, |(_, to)| to)
        .to_string()
}

/// The compiled rules with hostile names, every feature nullable, and two
/// rules in front: `is missing` with a boolean, and `in` with `is missing`.
pub fn make_hostile(mut rules: Value) -> Value {
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
pub struct Rows {
    pub names: Vec<String>,
    pub columns: Vec<Values>,
    /// The `model` column (a teacher's decisions).
    pub teacher: Vec<Option<String>>,
}

pub enum Values {
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
pub fn hostile_rows(set: &RuleSet, base: &str, n: usize, seed: u64) -> Rows {
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

pub fn csv_field(text: &str) -> String {
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
pub fn write_csv(rows: &Rows, path: &Path) {
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
pub fn write_parquet(rows: &Rows, path: &Path, with_nan: bool) {
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
pub fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rulec"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("rulec runs")
}

pub fn load(path: &Path) -> RuleSet {
    RuleSet::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `rulec validate --json` with an engine.
pub fn validate_json(
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

pub fn without_engine(mut v: Value) -> Value {
    v.as_object_mut().unwrap().remove("engine");
    v
}

/// `rulec apply`'s decision and rule per row, `None` where no rule covers
/// it. Rule names have no commas, and these classes need no CSV quoting.
pub fn apply(dir: &Path, rules: &str, data: &str) -> Vec<Option<(String, String)>> {
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
pub fn spark_missing() -> Option<String> {
    let ok = |cmd: &mut Command| cmd.output().is_ok_and(|o| o.status.success());
    if !ok(Command::new("java").arg("-version")) {
        return Some("`java` is not installed (Spark needs Java 17)".into());
    }
    if !ok(Command::new("python3").args(["-c", "import pyspark"])) {
        return Some("`python3 -c \"import pyspark\"` fails (pip install pyspark)".into());
    }
    None
}
