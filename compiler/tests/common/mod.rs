//! Helpers shared by the end-to-end tests: running rulec, building a
//! generated crate, and feeding rows to its parity example.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Runs `rulec` in `dir` and asserts it succeeded.
pub fn rulec(dir: &Path, args: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_rulec"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("rulec runs");
    assert!(
        out.status.success(),
        "rulec {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Lowercase hex of the text's bytes: a field of the parity protocol.
pub fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

/// Builds a generated crate (release, offline, with its examples) into a
/// target folder shared by the tests of one file (`target_name` under the
/// system's temporary directory, so repeated builds are fast), and returns
/// the path of its parity example.
pub fn build_crate(crate_dir: &Path, target_name: &str) -> PathBuf {
    assert_formatted(crate_dir);
    let target = std::env::temp_dir().join(target_name);
    let out = Command::new(env!("CARGO"))
        .current_dir(crate_dir)
        .args(["build", "--offline", "--release", "--examples", "--quiet"])
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "the generated crate does not build:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    target.join("release/examples/parity")
}

/// Fails unless `cargo fmt --check` leaves the generated crate in
/// `crate_dir` as it is: the crate is documented as formatted, so that a
/// service's own `cargo fmt --check` passes on it.
pub fn assert_formatted(crate_dir: &Path) {
    let have = Command::new(env!("CARGO"))
        .args(["fmt", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if skip_without(
        have,
        "rustfmt is not installed: the generated crate's layout is not checked",
    ) {
        return;
    }
    let out = Command::new(env!("CARGO"))
        .current_dir(crate_dir)
        .args(["fmt", "--check"])
        .output()
        .expect("cargo fmt runs");
    assert!(
        out.status.success(),
        "cargo fmt would change the generated crate in {}:\n{}{}",
        crate_dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Feeds `input` (one row per line) to a parity example and returns its
/// lines: the deciding rule per row, or `-`.
pub fn run_parity(binary: &Path, input: String) -> Vec<String> {
    let mut child = Command::new(binary)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("parity example runs");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("parity output");
    writer.join().expect("writer").expect("rows written");
    assert!(out.status.success(), "the parity example failed");
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .lines()
        .map(str::to_string)
        .collect()
}

/// The deciding rule per row from `rulec apply`'s CSV (`-` when none).
pub fn applied_rules(csv: &str) -> Vec<String> {
    csv.lines()
        .skip(1)
        .map(|l| {
            let rule = l.rsplit(',').next().unwrap_or_default();
            if rule.is_empty() {
                "-".to_string()
            } else {
                rule.to_string()
            }
        })
        .collect()
}

/// For tests that need a tool beyond the Rust toolchain (mdBook, Python
/// packages, Spark): when `available` is false, fails if
/// `RULEC_REQUIRE_TOOLS=1` (which `.ci/run` sets, so CI never passes
/// without having run them) and otherwise prints `SKIPPED` with `why` and
/// returns true, so that `cargo test` works with only the Rust toolchain.
pub fn skip_without(available: bool, why: &str) -> bool {
    if available {
        return false;
    }
    if std::env::var_os("RULEC_REQUIRE_TOOLS").is_some_and(|v| v == "1") {
        panic!("{why} (RULEC_REQUIRE_TOOLS=1: CI requires it)");
    }
    eprintln!("SKIPPED: {why}");
    true
}

/// The split column's value of row `i` in the tests' written tables: one
/// row in five for validation, one for test, three for training (60/20/20).
pub fn split_of(i: usize) -> &'static str {
    match i % 5 {
        0 => "valid",
        1 => "test",
        _ => "train",
    }
}

/// Runs the parity example on the CSV rows (simple CSV: no quoted commas)
/// and returns the rule name per row (`-` for not covered).
pub fn parity_decisions(binary: &Path, set: &rulec_runtime::RuleSet, csv: &str) -> Vec<String> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let cols: Vec<usize> = set
        .features
        .iter()
        .map(|f| {
            header
                .iter()
                .position(|h| *h == f.name)
                .expect("feature column")
        })
        .collect();
    let mut input = String::new();
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        let row: Vec<String> = cols.iter().map(|&c| hex(fields[c])).collect();
        input.push_str(&row.join("\t"));
        input.push('\n');
    }
    run_parity(binary, input)
}
