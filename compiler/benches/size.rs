//! What the generated crate costs to hold and to build, by rule count (#8):
//! for synthetic rule sets of 16, 64 and 256 rules over the shipping
//! columns, the generated source bytes, the machine code of `decide` and of
//! `decide_batch` (from `nm` on the built rlib), and the time of
//! `cargo build --release` of the crate from a clean target folder (median
//! of three builds). Printed as a Markdown table; nothing is asserted.
//!
//! ```sh
//! cargo bench -p rulec --bench size
//! ```
//!
//! The rule sets are drawn from a fixed seed so that they look like
//! compiled ones: narrow numeric ranges (boxes, as distilled tree leaves
//! give) over pools of thresholds that grow with the rule count, with
//! category sets and flags on some rules; three classes. `nm` (binutils) must be on the `PATH` for the
//! machine-code columns; without it they read `–`.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use rulec_runtime::ir::{CmpOp, Condition, Feature, FeatureKind, Rule, RuleSet, Target};

const SIZES: [usize; 3] = [16, 64, 256];
const BUILDS: usize = 3;

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    println!("rulec generated-crate size: synthetic rule sets over the shipping columns");
    println!();
    println!(
        "| rules | `rules.rs` bytes | crate source bytes | `decide` machine code bytes | \
         `decide_batch` machine code bytes | batch tables bytes | `cargo build --release` s (median of {BUILDS}) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for n_rules in SIZES {
        let set = synthetic(n_rules, 7);
        set.check().expect("a valid rule set");
        let generated = rulec_codegen::rust::emit_crate(&set, "size_rules").expect("emit");
        let work = std::env::var_os("RULEC_SIZE_KEEP")
            .map_or_else(|| dir.path().to_path_buf(), std::path::PathBuf::from);
        let krate = work.join(format!("crate{n_rules}"));
        generated.write_to(&krate).expect("write crate");
        let rules_rs = generated.file("src/rules.rs").expect("rules.rs");
        let total: usize = generated.files.iter().map(|(_, text)| text.len()).sum();
        let tables = table_bytes(rules_rs);
        let mut times = Vec::new();
        let mut code = (None, None);
        for build in 0..BUILDS {
            let target = work.join(format!("target{n_rules}"));
            if target.exists() {
                std::fs::remove_dir_all(&target).expect("clean target");
            }
            let start = Instant::now();
            let status = Command::new(env!("CARGO"))
                .current_dir(&krate)
                .args(["build", "--offline", "--release", "--quiet"])
                .env("CARGO_TARGET_DIR", &target)
                .env_remove("RUSTFLAGS")
                .status()
                .expect("cargo");
            times.push(start.elapsed().as_secs_f64());
            assert!(status.success(), "the generated crate did not build");
            if build == 0 {
                code = machine_code(&target);
            }
        }
        times.sort_by(f64::total_cmp);
        let show = |v: Option<u64>| v.map_or("–".to_string(), thousands);
        println!(
            "| {n_rules} | {} | {} | {} | {} | {} | {:.2} |",
            thousands(rules_rs.len() as u64),
            thousands(total as u64),
            show(code.0),
            show(code.1),
            thousands(tables),
            times[times.len() / 2]
        );
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Bytes of the `static BATCH_..` tables, from their declared lengths.
fn table_bytes(rules_rs: &str) -> u64 {
    rules_rs
        .lines()
        .filter(|l| l.starts_with("static BATCH_"))
        .filter_map(|l| {
            let ty = l.split_once(": [")?.1;
            let (elem, rest) = ty.split_once("; ")?;
            let len: u64 = rest.split(']').next()?.parse().ok()?;
            let size = match elem {
                "u64" | "f64" => 8,
                // `Option<Hit>`: two bytes.
                _ => 2,
            };
            Some(size * len)
        })
        .sum()
}

/// Bytes of machine code of `decide` and of `decide_batch` with the helpers
/// it did not inline, from `nm --print-size` on the release rlib.
fn machine_code(target: &Path) -> (Option<u64>, Option<u64>) {
    let deps = target.join("release/deps");
    let Some(rlib) = std::fs::read_dir(&deps).ok().and_then(|entries| {
        entries
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "rlib"))
    }) else {
        return (None, None);
    };
    let Ok(out) = Command::new("nm")
        .args(["--print-size", "--demangle"])
        .arg(&rlib)
        .output()
    else {
        return (None, None);
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let mut decide = None;
    let mut batch: Option<u64> = None;
    for line in text.lines() {
        let mut parts = line.split_whitespace();
        let (Some(_addr), Some(size), Some(kind)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if !kind.eq_ignore_ascii_case("t") {
            continue;
        }
        let name: String = parts.collect::<Vec<_>>().join(" ");
        let Ok(size) = u64::from_str_radix(size, 16) else {
            continue;
        };
        let base = name.rsplit_once("::h").map_or(name.as_str(), |(b, _)| b);
        match base {
            "size_rules::rules::decide" => decide = Some(size),
            "size_rules::rules::decide_batch"
            | "size_rules::rules::decide_masked"
            | "size_rules::rules::numeric_region"
            | "size_rules::rules::count_below"
            | "size_rules::rules::optional_region"
            | "size_rules::rules::and_mask"
            | "size_rules::rules::first_hit" => *batch.get_or_insert(0) += size,
            _ => {}
        }
    }
    (decide, batch)
}

/// A rule set of `n_rules` rules over the shipping columns, from `seed`.
fn synthetic(n_rules: usize, seed: u64) -> RuleSet {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let zones = rulec_datasets::shipping::ZONES;
    let days = rulec_datasets::shipping::DAYS;
    // Threshold pools: log-spaced, one decimal, as many as half the rules.
    let pool = |lo: f64, hi: f64, k: usize| -> Vec<f64> {
        (0..k)
            .map(|i| {
                let t = lo * (hi / lo).powf(i as f64 / (k.max(2) - 1) as f64);
                (t * 10.0).round() / 10.0
            })
            .collect()
    };
    let k = (n_rules / 2).max(4);
    let distance = pool(1.0, 2500.0, k);
    let weight = pool(0.2, 300.0, k);
    let features = vec![
        feature("distance_mi", FeatureKind::Numeric),
        feature("weight_lb", FeatureKind::Numeric),
        categorical("zone", &zones),
        feature("express", FeatureKind::Boolean),
        feature("fragile", FeatureKind::Boolean),
        categorical("day_of_week", &days),
    ];
    let classes = ["A", "B", "C"];
    let mut rules = Vec::with_capacity(n_rules);
    for i in 0..n_rules {
        let mut conditions = Vec::new();
        let shape = next();
        range(&mut conditions, "distance_mi", &distance, &mut next);
        if shape & 6 != 0 {
            range(&mut conditions, "weight_lb", &weight, &mut next);
        }
        if shape & 8 != 0 {
            let pick = |next: &mut dyn FnMut() -> u64, all: &[&str]| {
                let mut v: Vec<String> = all
                    .iter()
                    .filter(|_| next().is_multiple_of(3))
                    .map(|s| s.to_string())
                    .collect();
                if v.is_empty() {
                    v.push(all[(next() % all.len() as u64) as usize].to_string());
                }
                v
            };
            let values = pick(&mut next, &zones);
            conditions.push(if values.len() == zones.len() {
                Condition::In {
                    feature: "zone".into(),
                    values,
                }
            } else if shape & 16 != 0 {
                Condition::NotIn {
                    feature: "zone".into(),
                    values,
                }
            } else {
                Condition::In {
                    feature: "zone".into(),
                    values,
                }
            });
        }
        if shape & 32 != 0 {
            conditions.push(Condition::Is {
                feature: "express".into(),
                value: shape & 64 != 0,
            });
        }
        if shape & 128 != 0 {
            conditions.push(Condition::Is {
                feature: "fragile".into(),
                value: shape & 256 != 0,
            });
        }
        if shape & 512 != 0 {
            let weekend = vec!["sat".to_string(), "sun".to_string()];
            conditions.push(if shape & 1024 != 0 {
                Condition::In {
                    feature: "day_of_week".into(),
                    values: weekend,
                }
            } else {
                Condition::NotIn {
                    feature: "day_of_week".into(),
                    values: weekend,
                }
            });
        }
        rules.push(Rule {
            name: format!("rule_{i}"),
            conditions,
            decision: classes[(next() % 3) as usize].into(),
            origin: None,
            evidence: None,
        });
    }
    let target = Target {
        name: "cheapest_shipper".into(),
        classes: classes.iter().map(|c| c.to_string()).collect(),
        tolerance: None,
    };
    RuleSet::new(target, features, rules, 0.95, 0.95)
}

/// `name >= a and name < b` for a narrow range `[a, b)` of consecutive
/// thresholds of `pool` (one to four steps wide), as a distilled tree's
/// leaf gives; at the ends of the pool, only the side that bounds it.
fn range(conditions: &mut Vec<Condition>, name: &str, pool: &[f64], next: &mut dyn FnMut() -> u64) {
    let lo = (next() % pool.len() as u64) as usize;
    let hi = lo + 1 + (next() % 4) as usize;
    if lo > 0 {
        conditions.push(cmp(name, CmpOp::Ge, pool[lo]));
    }
    if hi < pool.len() {
        conditions.push(cmp(name, CmpOp::Lt, pool[hi]));
    }
}

fn feature(name: &str, kind: FeatureKind) -> Feature {
    Feature {
        name: name.into(),
        kind,
        nullable: false,
    }
}

fn categorical(name: &str, values: &[&str]) -> Feature {
    feature(
        name,
        FeatureKind::Categorical {
            categories: values.iter().map(|v| v.to_string()).collect(),
        },
    )
}

fn cmp(feature: &str, op: CmpOp, value: f64) -> Condition {
    Condition::Cmp {
        feature: feature.into(),
        op,
        value,
    }
}
