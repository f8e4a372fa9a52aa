//! Byte-identical outputs: `rulec compile` on the four original datasets of
//! the public benchmark and `rulec demo` write exactly the files whose
//! SHA-256 are listed in `tests/data/golden_outputs.txt` (`rules.json`,
//! `report.json`, the rule book and the generated crate).
//!
//! This is the guard for refactoring the compiler's middle: a change that
//! is meant to leave the rules alone must leave every byte alone. A change
//! that is meant to change the rules rewrites the list with
//! `UPDATE_EXPECT=1 cargo test --release -p rulec --test golden_outputs`,
//! and the diff of the list shows which outputs moved. A missing list or a
//! missing case is a failure, never written silently.
//!
//! The benchmark files live in `shared/bench/` beside the repository (as in
//! CI); without them these cases print SKIPPED, and fail under
//! `RULEC_REQUIRE_TOOLS=1`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

mod common;
use common::{assert_formatted, rulec, skip_without};

/// One compile whose outputs are pinned.
struct Case {
    name: &'static str,
    /// Arguments after `rulec`, split at spaces; `{data}` stands for the
    /// dataset's path.
    args: &'static str,
    /// Benchmark file it reads, if any.
    dataset: Option<&'static str>,
}

const CASES: &[Case] = &[
    Case {
        name: "demo",
        args: "demo --out out --quiet --no-cache",
        dataset: None,
    },
    Case {
        name: "breast_cancer",
        args: "compile {data} --target diagnosis --split-column split --out out --quiet --no-cache",
        dataset: Some("breast_cancer.csv"),
    },
    Case {
        name: "penguins",
        args: "compile {data} --target species --split-column split --out out --quiet --no-cache",
        dataset: Some("penguins.csv"),
    },
    Case {
        name: "telco_churn",
        args: "compile {data} --target churn --split-column split --out out --quiet --no-cache",
        dataset: Some("telco_churn.csv"),
    },
    Case {
        name: "credit",
        args: "compile {data} --target Status --split-column split --out out --quiet --no-cache",
        dataset: Some("credit.csv"),
    },
    Case {
        name: "telco_churn_gbdt",
        args: "compile {data} --target churn --split-column split --teacher gbdt --out out --quiet --no-cache",
        dataset: Some("telco_churn.csv"),
    },
];

fn golden_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/golden_outputs.txt")
}

fn bench_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/bench/data")
}

/// `case path` → SHA-256, from the golden list.
fn read_golden() -> BTreeMap<(String, String), String> {
    let text = std::fs::read_to_string(golden_path()).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(
                parts.len(),
                3,
                "golden line `{l}` is not `case path sha256`"
            );
            (
                (parts[0].to_string(), parts[1].to_string()),
                parts[2].to_string(),
            )
        })
        .collect()
}

/// Every file under `dir`, as relative path (with `/`) → SHA-256.
fn hash_tree(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap();
                let rel = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                let bytes = std::fs::read(&path).unwrap();
                out.insert(rel, format!("{:x}", Sha256::digest(&bytes)));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn run_case(case: &Case) -> Option<BTreeMap<String, String>> {
    let data = case.dataset.map(|f| bench_dir().join(f));
    if let Some(d) = &data {
        if skip_without(d.is_file(), &format!("{} (shared/bench)", d.display())) {
            return None;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let data_arg = data.map(|d| d.display().to_string()).unwrap_or_default();
    let args: Vec<String> = case
        .args
        .split_whitespace()
        .map(|a| a.replace("{data}", &data_arg))
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    rulec(dir.path(), &args);
    let crate_dir = dir.path().join("out/crate");
    if crate_dir.is_dir() {
        assert_formatted(&crate_dir);
    }
    Some(hash_tree(&dir.path().join("out")))
}

#[test]
fn outputs_are_byte_identical_to_the_golden_list() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let golden = read_golden();
    let mut actual: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut ran = Vec::new();
    for case in CASES {
        let Some(files) = run_case(case) else {
            continue;
        };
        ran.push(case.name);
        for (path, sha) in files {
            actual.insert((case.name.to_string(), path), sha);
        }
    }
    if update {
        let mut text = String::from(
            "# SHA-256 of every output file per case of compiler/tests/golden_outputs.rs.\n\
             # Rewrite with: UPDATE_EXPECT=1 cargo test --release -p rulec --test golden_outputs\n",
        );
        // Cases that could not run keep their old lines.
        for ((case, path), sha) in golden
            .iter()
            .filter(|((c, _), _)| !ran.contains(&c.as_str()))
        {
            actual.insert((case.clone(), path.clone()), sha.clone());
        }
        for ((case, path), sha) in &actual {
            text.push_str(&format!("{case} {path} {sha}\n"));
        }
        std::fs::write(golden_path(), text).unwrap();
        eprintln!("wrote {}", golden_path().display());
        return;
    }
    assert!(
        !golden.is_empty(),
        "{} is missing or empty; create it with UPDATE_EXPECT=1",
        golden_path().display()
    );
    let mut problems = Vec::new();
    for name in &ran {
        let want: BTreeMap<&String, &String> = golden
            .iter()
            .filter(|((c, _), _)| c == name)
            .map(|((_, p), s)| (p, s))
            .collect();
        let got: BTreeMap<&String, &String> = actual
            .iter()
            .filter(|((c, _), _)| c == name)
            .map(|((_, p), s)| (p, s))
            .collect();
        if want.is_empty() {
            problems.push(format!("case `{name}` has no golden lines"));
            continue;
        }
        for (path, sha) in &want {
            match got.get(path) {
                None => problems.push(format!("{name}: {path} was not written")),
                Some(s) if s != sha => problems.push(format!("{name}: {path} differs")),
                _ => {}
            }
        }
        for path in got.keys().filter(|p| !want.contains_key(*p)) {
            problems.push(format!("{name}: {path} is new"));
        }
    }
    assert!(
        problems.is_empty(),
        "outputs moved (rerun with UPDATE_EXPECT=1 if the change is intended):\n{}",
        problems.join("\n")
    );
}
