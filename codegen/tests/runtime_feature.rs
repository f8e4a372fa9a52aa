//! The generated crate's optional `runtime` feature: off, the crate is what
//! `emit_crate` gives and builds with no dependency; on, it builds (clippy
//! and rustfmt clean), `engine::CompiledRules` runs in
//! `rulec_runtime::Cascade`, and its cascade example decides every row
//! exactly as a cascade over the interpreter with the same fallback.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{crate_dir, run_cargo, run_cargo_with, target_dir, Value};
use rulec_codegen::rust::{emit_crate, emit_crate_with, EmitOptions, RuntimeDependency};
use rulec_runtime::{Cascade, CascadeConfig, Cell, Interpreter, RuleSet, Source};

fn runtime_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../runtime")
        .canonicalize()
        .expect("the runtime crate is next to codegen")
}

fn with_runtime() -> EmitOptions {
    EmitOptions {
        runtime: Some(RuntimeDependency::Path(runtime_path())),
    }
}

#[test]
fn default_options_give_the_plain_crate() {
    let set = common::shipping();
    assert_eq!(
        emit_crate_with(&set, "x", &EmitOptions::default()).unwrap(),
        emit_crate(&set, "x").unwrap()
    );
}

#[test]
fn the_feature_is_optional_and_names_the_runtime() {
    let krate = emit_crate_with(&common::shipping(), "x", &with_runtime()).unwrap();
    let toml = krate.file("Cargo.toml").unwrap();
    let path = runtime_path();
    let line = format!(
        "rulec-runtime = {{ path = \"{}\", optional = true }}\n",
        path.display()
    );
    assert!(toml.contains(&line), "{toml}");
    assert!(
        toml.contains("runtime = [\"dep:rulec-runtime\"]\n"),
        "{toml}"
    );
    assert!(
        !toml.contains("default ="),
        "the feature is off by default: {toml}"
    );
    let lib = krate.file("src/lib.rs").unwrap();
    assert!(lib.contains("#![no_std]\n"), "{lib}");
    assert!(
        lib.contains("#[cfg(feature = \"runtime\")]\npub mod engine;\n"),
        "{lib}"
    );
    assert!(krate.file("src/engine.rs").is_some());
    assert!(krate.file("examples/cascade.rs").is_some());

    // A version requirement instead of a path; quotes are escaped.
    let by_version = EmitOptions {
        runtime: Some(RuntimeDependency::Version("0.1\"".into())),
    };
    let krate = emit_crate_with(&common::shipping(), "x", &by_version).unwrap();
    assert!(krate
        .file("Cargo.toml")
        .unwrap()
        .contains("rulec-runtime = { version = \"0.1\\\"\", optional = true }\n"));
}

/// The stand-in fallback of the generated cascade example: the first class.
fn first_class(_: &[Cell]) -> usize {
    0
}

/// What the cascade example should print for `rows`: the interpreter's
/// cascade with the same fallback.
fn expected_lines(set: &RuleSet, rows: &[Vec<Value>]) -> (String, Vec<String>) {
    let interp = Interpreter::new(set.clone()).unwrap();
    let cascade = Cascade::new(interp, first_class, CascadeConfig::default()).unwrap();
    let mut handle = cascade.handle();
    let mut input = String::new();
    let mut expected = Vec::new();
    for row in rows {
        let (line, cells) = common::encode(set, handle.engine().evaluator(), row);
        input.push_str(&line);
        input.push('\n');
        let outcome = handle.decide(&cells).unwrap();
        let who = match outcome.source {
            Source::Rule(i) => set.rules[i].name.clone(),
            _ => "-".to_string(),
        };
        expected.push(format!(
            "{who}\t{}",
            common::hex(&set.target.classes[outcome.class_idx])
        ));
    }
    (input, expected)
}

fn build_and_compare(set: &RuleSet, case: &str, rows: &[Vec<Value>]) {
    let generated =
        emit_crate_with(set, &format!("rulec-test-{case}"), &with_runtime()).expect("emit");
    let dir = crate_dir(case);
    generated.write_to(&dir).expect("write the crate");

    // Off: builds (the cascade example is skipped) and depends on nothing.
    run_cargo(&dir, &["build", "--offline", "--quiet", "--examples"]);
    let tree = Command::new(common::cargo())
        .args([
            "tree",
            "--offline",
            "--edges",
            "normal,build",
            "--prefix",
            "none",
        ])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .expect("cargo tree runs");
    assert!(
        tree.status.success(),
        "{}",
        String::from_utf8_lossy(&tree.stderr)
    );
    let tree = String::from_utf8(tree.stdout).unwrap();
    assert_eq!(
        tree.lines().count(),
        1,
        "no dependency without the feature:\n{tree}"
    );

    // On: builds, lints, documents, and is laid out as rustfmt would.
    run_cargo(
        &dir,
        &[
            "build",
            "--offline",
            "--quiet",
            "--features",
            "runtime",
            "--examples",
        ],
    );
    if common::have_clippy() {
        run_cargo(
            &dir,
            &[
                "clippy",
                "--offline",
                "--quiet",
                "--all-targets",
                "--features",
                "runtime",
                "--",
                "-D",
                "warnings",
            ],
        );
    }
    run_cargo_with(
        &dir,
        &[
            "doc",
            "--offline",
            "--quiet",
            "--no-deps",
            "--features",
            "runtime",
        ],
        &[("RUSTDOCFLAGS", "-D warnings")],
    );
    if common::have_rustfmt() {
        common::assert_rustfmt_keeps(
            &dir,
            &["src/lib.rs", "src/engine.rs", "examples/cascade.rs"],
        );
    }

    let (input, expected) = expected_lines(set, rows);
    let exe = target_dir().join("debug/examples/cascade");
    let mut child = Command::new(&exe)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the cascade example runs");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "the cascade example failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let got: Vec<&str> = stdout.lines().collect();
    assert_eq!(got.len(), expected.len());
    for (i, (got, want)) in got.iter().zip(&expected).enumerate() {
        assert_eq!(got, want, "row {i} {:?}", rows[i]);
    }
    // The metrics count every row, split as the lines say.
    let metrics = String::from_utf8(out.stderr).unwrap();
    let by_rules = expected.iter().filter(|l| !l.starts_with("-\t")).count();
    assert!(
        metrics.contains(&format!(
            "rulec_decisions_total{{source=\"rule\"}} {by_rules}\n"
        )),
        "{metrics}"
    );
    assert!(metrics.contains(&format!(
        "rulec_decisions_total{{source=\"fallback\"}} {}\n",
        expected.len() - by_rules
    )));
}

/// One test, so the crates build one after another in the shared target
/// dir (the example binary's path is the same for every case).
#[test]
fn compiled_rules_decide_through_the_cascade_as_the_interpreter_does() {
    let set = common::shipping();
    let rows = common::rows(&set, 20_000, 5);
    build_and_compare(&set, "runtime-shipping", &rows);

    // No rules: `RuleId` is empty, every row goes to the fallback.
    let empty = common::rule_set("t", &["a", "b"], vec![common::num("v", false)], vec![]);
    let rows = common::rows(&empty, 100, 1);
    build_and_compare(&empty, "runtime-empty", &rows);

    // Names that meet the names `src/engine.rs` uses: a decision type
    // called `Class`, classes and categories called like its items.
    let hostile = common::rule_set(
        "class",
        &["Class", "rules", "\"); panic!(\""],
        vec![
            common::num("row", false),
            common::cat("engine", true, &["CompiledRules", "Engine", "Hit"]),
        ],
        vec![
            common::rule(
                "compiled",
                vec![common::in_set("engine", &["CompiledRules"])],
                "rules",
            ),
            common::rule(
                "small",
                vec![common::cmp("row", rulec_runtime::ir::CmpOp::Lt, 1.5)],
                "\"); panic!(\"",
            ),
        ],
    );
    let rows = common::rows(&hostile, 1000, 2);
    build_and_compare(&hostile, "runtime-hostile", &rows);

    // A numeric target with a tolerance: `tolerance()` tells the shadow
    // checks how far a fallback value may be and still agree.
    let mut numeric = common::rule_set(
        "price",
        &["100", "140.5"],
        vec![common::num("carat", false)],
        vec![common::rule(
            "light",
            vec![common::cmp("carat", rulec_runtime::ir::CmpOp::Lt, 0.5)],
            "100",
        )],
    );
    numeric.target.tolerance = Some(50.0);
    let generated = emit_crate_with(&numeric, "x", &with_runtime()).unwrap();
    let engine = generated.file("src/engine.rs").unwrap();
    assert!(
        engine.contains("fn tolerance(&self) -> Option<f64> {"),
        "{engine}"
    );
    let rows = common::rows(&numeric, 500, 3);
    build_and_compare(&numeric, "runtime-numeric", &rows);
}
