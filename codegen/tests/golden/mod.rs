//! Golden files: whole outputs compared with files committed under
//! `tests/data/`. A missing or different file fails the test; files are
//! written only when `UPDATE_EXPECT=1` is set, so a deleted golden file
//! cannot pass unnoticed.

use std::path::Path;

/// Whether the golden files are to be (re)written: `UPDATE_EXPECT=1`.
pub fn update() -> bool {
    std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1")
}

/// Compares `actual` with the golden file at `path`. With `UPDATE_EXPECT=1`
/// it writes the file instead, when its bytes differ.
#[track_caller]
pub fn check(path: &Path, actual: &str) {
    let how = format!(
        "rerun with UPDATE_EXPECT=1 to write it, e.g. \
         `UPDATE_EXPECT=1 cargo test -p rulec-codegen --test {}`, and review the diff",
        env!("CARGO_CRATE_NAME")
    );
    if update() {
        if std::fs::read(path).is_ok_and(|old| old == actual.as_bytes()) {
            return;
        }
        std::fs::create_dir_all(path.parent().expect("a golden file is in a folder"))
            .expect("create the golden folder");
        std::fs::write(path, actual).expect("write the golden file");
        eprintln!("wrote {}", path.display());
        return;
    }
    let expected = match std::fs::read_to_string(path) {
        Ok(expected) => expected,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            panic!("golden file {} is missing: {how}", path.display())
        }
        Err(err) => panic!("cannot read golden file {}: {err}", path.display()),
    };
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from the output at line {}:\nexpected: {:?}\nactual:   {:?}\n\
             if the change is intended, {how}",
            path.display(),
            line + 1,
            expected.lines().nth(line),
            actual.lines().nth(line)
        );
    }
}
