//! The rule book's sign-off (issue #17): a compiled book records the
//! SHA-256 of the rules.json written beside it and of the data, `rulec
//! verify` passes on a fresh compile (with the Markdown book and with the
//! HTML page), fails with exit 1 after one byte of rules.json changes, and
//! reports a book without a sign-off section or a missing file as an error
//! naming it. `rulec book` records the bytes of the rules.json it read.

use std::path::Path;
use std::process::{Command, Output};

use sha2::{Digest, Sha256};

fn rulec(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rulec"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("rulec runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn sha256(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// Compiles a small dataset with a planted rule into `dir/out`.
fn compile(dir: &Path) {
    let mut csv = String::from("x,color,y\n");
    for i in 0..1200 {
        let x = (i * 37) % 100;
        let color = ["red", "blue", "green"][i % 3];
        let y = if x < 50 || (color == "red" && i % 4 == 0) {
            "lo"
        } else {
            "hi"
        };
        csv.push_str(&format!("{x},{color},{y}\n"));
    }
    std::fs::write(dir.join("d.csv"), csv).unwrap();
    let out = rulec(
        dir,
        &[
            "-q",
            "compile",
            "d.csv",
            "--target",
            "y",
            "--trees",
            "10",
            "--no-cache",
            "--out",
            "out",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn verify_passes_on_a_fresh_compile_and_fails_after_one_byte_changes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    compile(d);
    let rules = std::fs::read(d.join("out/rules.json")).unwrap();
    let data = std::fs::read(d.join("d.csv")).unwrap();
    let md = std::fs::read_to_string(d.join("out/RULEBOOK.md")).unwrap();
    let page = std::fs::read_to_string(d.join("out/rulebook.html")).unwrap();
    // Both formats carry the hash of the bytes written and of the data.
    for book in [&md, &page] {
        assert!(book.contains(&sha256(&rules)), "rules.json hash in\n{book}");
        assert!(book.contains(&sha256(&data)), "data hash in\n{book}");
        assert!(book.contains("rulec verify RULEBOOK.md rules.json"));
    }
    assert!(md.contains("\n## Sign-off\n"), "{md}");
    assert!(page.contains("<section id=\"sign-off\">"), "{page}");

    for book in ["out/RULEBOOK.md", "out/rulebook.html"] {
        let out = rulec(d, &["verify", book, "out/rules.json"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(
            stdout(&out),
            format!(
                "ok: out/rules.json is the rule set {book} describes (SHA-256 {})\n",
                sha256(&rules)
            )
        );
    }

    // One byte of rules.json changes: exit 1, both hashes named.
    let mut changed = rules.clone();
    let at = changed.len() / 2;
    changed[at] ^= 0x01;
    std::fs::write(d.join("changed.json"), &changed).unwrap();
    let out = rulec(d, &["verify", "out/RULEBOOK.md", "changed.json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "mismatch: out/RULEBOOK.md records rule set SHA-256 {}, but changed.json has SHA-256 {}: they do not belong together\n",
            sha256(&rules),
            sha256(&changed)
        )
    );
    assert_eq!(stderr(&out), "");
    let out = rulec(d, &["verify", "out/rulebook.html", "changed.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).starts_with("mismatch: out/rulebook.html records"));
}

#[test]
fn book_records_the_bytes_of_the_rules_json_it_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    compile(d);
    // The same rule set with other bytes (an extra line break) is another
    // file: `rulec book` signs the bytes it read, under the name given.
    let mut rules = std::fs::read(d.join("out/rules.json")).unwrap();
    rules.push(b'\n');
    std::fs::write(d.join("signed.json"), &rules).unwrap();
    let out = rulec(d, &["book", "signed.json", "--out", "book"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let md = std::fs::read_to_string(d.join("book/RULEBOOK.md")).unwrap();
    assert!(md.contains(&format!("| rule set SHA-256 | `{}` |", sha256(&rules))));
    assert!(md.contains("| rule set file | `signed.json` |"), "{md}");
    assert!(
        md.contains("`rulec verify RULEBOOK.md signed.json`"),
        "{md}"
    );
    let out = rulec(d, &["verify", "book/RULEBOOK.md", "signed.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = rulec(d, &["verify", "book/RULEBOOK.md", "out/rules.json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
}

#[test]
fn verify_reports_bad_input_as_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    compile(d);
    // A book without a sign-off section.
    let md = std::fs::read_to_string(d.join("out/RULEBOOK.md")).unwrap();
    let cut = md.find("\n## Sign-off\n").unwrap();
    std::fs::write(d.join("old.md"), &md[..cut]).unwrap();
    let out = rulec(d, &["verify", "old.md", "out/rules.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(
        err.starts_with("error: old.md: has no sign-off section"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    // A sign-off section whose hash was damaged.
    let hash = sha256(&std::fs::read(d.join("out/rules.json")).unwrap());
    std::fs::write(d.join("damaged.md"), md.replace(&hash, &hash[..40])).unwrap();
    let out = rulec(d, &["verify", "damaged.md", "out/rules.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .starts_with("error: damaged.md: its sign-off section records no rule set SHA-256"),
        "{}",
        stderr(&out)
    );
    // Missing files, either one, named.
    let out = rulec(d, &["verify", "out/RULEBOOK.md", "missing.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("error: missing.json: "),
        "{}",
        stderr(&out)
    );
    let out = rulec(d, &["verify", "nowhere.md", "out/rules.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("error: nowhere.md: "),
        "{}",
        stderr(&out)
    );
    // Binary garbage as a book: an error, no panic.
    std::fs::write(d.join("garbage.md"), [0xff, 0xfe, 0x00, b'#', 0x80]).unwrap();
    let out = rulec(d, &["verify", "garbage.md", "out/rules.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("error: garbage.md: has no sign-off section"));
    // A directory given as the rules file.
    let out = rulec(d, &["verify", "out/RULEBOOK.md", "out"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("error: out: "), "{}", stderr(&out));
}
