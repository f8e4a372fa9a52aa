//! End to end for the example service (`examples/service`): `rulec demo`
//! writes the shipping rules; the service, built with cargo, answers a
//! scripted stream of JSON-line requests, reloads the rules midway, and
//! prints its metrics. Covered requests must get exactly the interpreter's
//! rule and decision, the others the teacher's, with the rule set version
//! that answered them; the metrics must add up to the answers.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use rulec_datasets::shipping::{self, Delivery};
use rulec_runtime::{Cell, Evaluator, RuleSet};
use serde_json::{json, Value};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the compiler crate sits in the workspace")
        .to_path_buf()
}

/// Builds the example in its own target dir (a cargo inside `cargo test`
/// must not wait for the outer one's lock) and returns the binary.
fn build_service() -> PathBuf {
    let target = std::env::temp_dir().join("rulec-example-service-target");
    let out = Command::new(env!("CARGO"))
        .current_dir(workspace_root())
        .args([
            "build",
            "--offline",
            "--release",
            "--quiet",
            "-p",
            "rulec-example-service",
        ])
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "the example service failed to build:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    target.join("release/rulec-example-service")
}

fn request(id: usize, d: &Delivery) -> Value {
    json!({
        "id": id,
        "distance_mi": d.distance_mi,
        "weight_lb": d.weight_lb,
        "zone": shipping::ZONES[d.zone],
        "express": d.express,
        "fragile": d.fragile,
        "day_of_week": shipping::DAYS[d.day],
    })
}

/// The interpreter's answer: `Some((rule, class))` or `None` (fallback).
fn interpreted(set: &RuleSet, eval: &Evaluator, req: &Value) -> Option<(String, String)> {
    let cells: Vec<Cell> = set
        .features
        .iter()
        .enumerate()
        .map(|(col, f)| match &req[&f.name] {
            Value::Null => Cell::Missing,
            Value::Bool(b) => Cell::Bool(*b),
            Value::Number(x) => Cell::Num(x.as_f64().unwrap()),
            Value::String(s) => Cell::Cat(eval.category_code(col, s)),
            other => panic!("test bug: {other}"),
        })
        .collect();
    eval.decide(&cells).unwrap().map(|hit| {
        (
            set.rules[hit.rule_idx].name.clone(),
            set.target.classes[hit.class_idx].clone(),
        )
    })
}

/// The stand-in teacher's answer: the cheapest shipper under the tariff.
fn teacher(d: &Delivery) -> &'static str {
    let costs = shipping::costs(d);
    let i = (0..3)
        .min_by(|&i, &j| costs[i].total_cmp(&costs[j]))
        .unwrap();
    shipping::SHIPPERS[i]
}

#[test]
fn example_service_answers_from_rules_and_teacher_and_reports_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rulec"))
        .current_dir(dir.path())
        .args(["demo", "--out", "out", "--quiet"])
        .output()
        .expect("rulec runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rules_path = dir.path().join("out/rules.json");
    let set = RuleSet::from_json(&std::fs::read_to_string(&rules_path).unwrap()).unwrap();
    let eval = Evaluator::new(&set).unwrap();
    let service = build_service();

    // Requests from the generator with a seed the demo did not use; a
    // reload halfway; lines that cannot be answered.
    let deliveries = shipping::generate(3000, 99);
    let mut lines: Vec<Value> = Vec::new();
    for (i, d) in deliveries.iter().enumerate() {
        if i == 1500 {
            lines.push(json!({ "reload": rules_path.to_str().unwrap() }));
            lines.push(json!({ "reload": "no/such/rules.json" }));
        }
        lines.push(request(i, d));
    }
    lines.push(json!({ "id": "bad", "distance_mi": "far" }));
    let mut input: String = lines.iter().map(|v| format!("{v}\n")).collect();
    input.push_str("not json\n");

    let mut child = Command::new(&service)
        .arg(&rules_path)
        .args(["--shadow-rate", "0.2", "--seed", "5"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the service runs");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let answers: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each answer is JSON"))
        .collect();
    assert_eq!(answers.len(), lines.len() + 1, "one answer per line");

    let (mut by_rules, mut by_teacher) = (0u64, 0u64);
    let mut requests = 0;
    for (line, answer) in lines.iter().zip(&answers) {
        if line.get("reload").is_some() {
            continue;
        }
        let Some(i) = line["id"].as_u64().map(|i| i as usize) else {
            continue;
        };
        requests += 1;
        assert_eq!(answer["id"], line["id"]);
        let version = if i < 1500 { 1 } else { 2 };
        assert_eq!(answer["version"], version, "{answer}");
        match interpreted(&set, &eval, line) {
            Some((rule, class)) => {
                by_rules += 1;
                assert_eq!(answer["source"], "rule", "{line} -> {answer}");
                assert_eq!(answer["rule"], rule.as_str());
                assert_eq!(answer["cheapest_shipper"], class.as_str());
            }
            None => {
                by_teacher += 1;
                assert_eq!(answer["source"], "fallback", "{line} -> {answer}");
                assert_eq!(answer["rule"], Value::Null);
                assert_eq!(answer["cheapest_shipper"], teacher(&deliveries[i]));
            }
        }
    }
    assert_eq!(requests, 3000);
    assert_eq!(answers[1500]["version"], 2, "the reload: {}", answers[1500]);
    assert!(
        answers[1501]["error"]
            .as_str()
            .is_some_and(|e| e.contains("the running rules stay")),
        "{}",
        answers[1501]
    );
    let n = answers.len();
    assert!(answers[n - 2]["error"]
        .as_str()
        .unwrap()
        .contains("`distance_mi`"));
    assert!(answers[n - 1]["error"]
        .as_str()
        .unwrap()
        .contains("not JSON"));
    // The rules take a real share of the traffic.
    assert!(by_rules > 900, "rules answered {by_rules} of 3000");

    // The metrics on stderr add up to the answers.
    for (metric, value) in [
        ("rulec_decisions_total{source=\"rule\"}", by_rules),
        ("rulec_decisions_total{source=\"fallback\"}", by_teacher),
        ("rulec_rules_version", 2),
        ("rulec_reloads_total", 1),
        ("rulec_fallback_errors_total", 0),
    ] {
        assert!(
            stderr.contains(&format!("\n{metric} {value}\n")),
            "expected `{metric} {value}` in\n{stderr}"
        );
    }
    let samples: u64 = stderr
        .lines()
        .find_map(|l| l.strip_prefix("rulec_shadow_samples_total "))
        .and_then(|v| v.parse().ok())
        .expect("shadow samples in the metrics");
    let share = samples as f64 / by_rules as f64;
    assert!((0.15..0.25).contains(&share), "shadow share {share}");
}
