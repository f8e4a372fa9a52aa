//! The book: it builds with mdBook, and every Rust snippet in it compiles.
//!
//! Snippets are the book's ```` ```rust ```` blocks (not `ignore`); lines
//! starting with `# ` are hidden by mdBook and kept here, as rustdoc does.
//! They compile as examples of the demo's generated crate, built with its
//! `runtime` feature, so a snippet can use the generated rules
//! (`cheapest_shipper_rules`) and `rulec_runtime`: exactly what a service
//! linking the crate sees.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{rulec, skip_without};

fn book_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../book")
}

/// `(file, first line, code)` of every compiled Rust snippet of the book.
fn snippets() -> Vec<(String, usize, String)> {
    let mut out = Vec::new();
    let mut pages: Vec<PathBuf> = std::fs::read_dir(book_dir().join("src"))
        .expect("book/src")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    for page in pages {
        let text = std::fs::read_to_string(&page).expect("page");
        let name = page.file_name().unwrap().to_string_lossy().into_owned();
        let mut lines = text.lines().enumerate();
        while let Some((n, line)) = lines.next() {
            let Some(info) = line.trim_start().strip_prefix("```") else {
                continue;
            };
            let compiled =
                info.split(',').next() == Some("rust") && !info.split(',').any(|a| a == "ignore");
            let mut code = String::new();
            for (_, body) in lines.by_ref() {
                if body.trim_start().starts_with("```") {
                    break;
                }
                let body = body
                    .strip_prefix("# ")
                    .or_else(|| (body == "#").then_some(""))
                    .unwrap_or(body);
                code.push_str(body);
                code.push('\n');
            }
            if compiled {
                out.push((name.clone(), n + 1, code));
            }
        }
    }
    out
}

#[test]
fn every_rust_snippet_of_the_book_compiles() {
    let snippets = snippets();
    assert!(
        snippets.len() >= 2,
        "the book's Rust snippets were not found: {snippets:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let runtime = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime");
    rulec(
        dir.path(),
        &[
            "demo",
            "--rows",
            "20000",
            "--no-cache",
            "-q",
            "--with-runtime",
            runtime.to_str().unwrap(),
            "--out",
            "out",
        ],
    );
    let krate = dir.path().join("out/crate");
    let mut names = Vec::new();
    for (i, (page, line, code)) in snippets.iter().enumerate() {
        let name = format!("book_{i}");
        let header = format!("// book/src/{page}, line {line}\n#![allow(unused)]\n");
        std::fs::write(krate.join(format!("examples/{name}.rs")), header + code).unwrap();
        names.push((name, page, line));
    }
    // The generated crate's own target folder would be rebuilt each run:
    // share one across runs of this test.
    let target = std::env::temp_dir().join("rulec-book-snippets-target");
    let out = Command::new(env!("CARGO"))
        .current_dir(&krate)
        .args([
            "build",
            "--offline",
            "--release",
            "--examples",
            "--features",
            "runtime",
            "--quiet",
        ])
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "a snippet of the book does not compile ({}):\n{stderr}",
        names
            .iter()
            .map(|(n, p, l)| format!("{n} = book/src/{p}:{l}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
}

#[test]
fn the_book_builds_with_mdbook() {
    let available = Command::new("mdbook")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if skip_without(
        available,
        "mdbook is not installed (cargo install mdbook --locked --version ^0.4)",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("mdbook")
        .arg("build")
        .arg(book_dir())
        .arg("--dest-dir")
        .arg(dir.path())
        .output()
        .expect("mdbook runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "mdbook build failed:\n{stderr}");
    assert!(
        !stderr.contains("[WARN]") && !stderr.contains("[ERROR]"),
        "{stderr}"
    );
    // Every chapter of the summary became a page.
    let summary = std::fs::read_to_string(book_dir().join("src/SUMMARY.md")).unwrap();
    for target in summary.split("](").skip(1) {
        let md = target.split(')').next().unwrap();
        let html = dir.path().join(md.replace(".md", ".html"));
        assert!(html.is_file(), "{md} was not built");
    }
}
