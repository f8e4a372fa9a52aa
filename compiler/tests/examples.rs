//! Every example under `examples/` runs with its one command. (The
//! Python-teacher example runs in `teachers.rs`; the service example is a
//! workspace member tested in `service.rs`.)

use std::path::Path;
use std::process::Command;

fn run_example(name: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../examples/{name}/run.sh"));
    let out = Command::new("bash")
        .arg(&script)
        .arg(dir.path().join("out"))
        .env("RULEC", env!("CARGO_BIN_EXE_rulec"))
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "examples/{name}/run.sh failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (dir, stdout)
}

#[test]
fn the_shipping_example_links_the_generated_crate() {
    let (_dir, stdout) = run_example("shipping");
    // The linked program ran: the planted rule decided the short light
    // delivery, and the model the long one.
    assert!(
        stdout.contains("12 mi    3.5 lb north     -> B (by rule b_1)"),
        "{stdout}"
    );
    assert!(stdout.contains("(by the model)"), "{stdout}");
    assert!(stdout.contains("decided by rules:"), "{stdout}");
}

#[test]
fn the_claims_example_finds_the_planted_category_rule() {
    let (dir, stdout) = run_example("claims");
    assert!(stdout.contains("routed by rules:"), "{stdout}");
    let book = std::fs::read_to_string(dir.path().join("out/compiled/RULEBOOK.md")).unwrap();
    assert!(
        book.contains(r#"claim_type in {"glass", "towing", "windscreen"}"#),
        "the planted category set is found"
    );
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out/compiled/report.json")).unwrap(),
    )
    .unwrap();
    assert!(report["coverage"].as_f64().unwrap() > 0.3, "{report}");
    assert!(
        report["covered_precision"].as_f64().unwrap() >= 0.95,
        "{report}"
    );
}
