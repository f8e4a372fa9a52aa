//! The rule book's sign-off: the SHA-256 of the rule set file a book
//! describes, recorded in the book ([`sign_off`]), and `rulec verify`,
//! which reads it back and compares it with a file's bytes ([`verify`]).
//!
//! The hash is always of bytes that are written or read as they are: for
//! `rulec compile` the bytes of `rules.json` rendered before the book, for
//! `rulec book` the bytes of the rules.json it read. The book is rendered
//! after them and never feeds back into them.

use std::path::Path;

use rulec_codegen::book::{recorded_rules_sha256, SignOff};
use sha2::{Digest, Sha256};

use crate::error::Error;

/// SHA-256 of `bytes`, as 64 lowercase hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What a book records of the rule set file named `file_name` whose exact
/// bytes are `bytes`.
pub fn sign_off(file_name: &str, bytes: &[u8]) -> SignOff {
    SignOff {
        rules_file: file_name.to_string(),
        rules_sha256: sha256_hex(bytes),
    }
}

/// The outcome of [`verify`]: the rule set SHA-256 the book records and
/// the one of the file's bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// Recorded in the book.
    pub expected: String,
    /// Of the rule set file as it is.
    pub found: String,
}

impl Verdict {
    /// Whether the book and the file belong together.
    pub fn matches(&self) -> bool {
        self.expected == self.found
    }

    /// The one line `rulec verify` prints, naming both files.
    pub fn line(&self, book: &Path, rules: &Path) -> String {
        let (book, rules) = (book.display(), rules.display());
        if self.matches() {
            format!(
                "ok: {rules} is the rule set {book} describes (SHA-256 {})",
                self.found
            )
        } else {
            format!(
                "mismatch: {book} records rule set SHA-256 {}, but {rules} has SHA-256 {}: they do not belong together",
                self.expected, self.found
            )
        }
    }
}

/// Reads the book at `book` (`RULEBOOK.md` or `rulebook.html`) and the rule
/// set file at `rules`, and compares the SHA-256 the book records with the
/// file's. Errors name the file: one that cannot be read, or a book with no
/// sign-off section or no readable hash in it.
pub fn verify(book: &Path, rules: &Path) -> Result<Verdict, Error> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|err| Error::Io {
            path: path.to_path_buf(),
            err,
        })
    };
    let text = read(book)?;
    let text = String::from_utf8_lossy(&text);
    if text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('{')
    {
        return Err(Error::Data {
            path: book.to_path_buf(),
            message: "is JSON (a rules.json?), not a rule book: give the book first, then the \
                      rule set file: rulec verify RULEBOOK.md rules.json"
                .into(),
        });
    }
    let expected = recorded_rules_sha256(&text).map_err(|e| Error::Data {
        path: book.to_path_buf(),
        message: e.to_string(),
    })?;
    let found = sha256_hex(&read(rules)?);
    Ok(Verdict { expected, found })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_known_bytes() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn verdict_lines_name_both_files() {
        let v = Verdict {
            expected: "aa".into(),
            found: "bb".into(),
        };
        let line = v.line(Path::new("b/RULEBOOK.md"), Path::new("r/rules.json"));
        assert_eq!(
            line,
            "mismatch: b/RULEBOOK.md records rule set SHA-256 aa, but r/rules.json has SHA-256 bb: they do not belong together"
        );
        let v = Verdict {
            expected: "aa".into(),
            found: "aa".into(),
        };
        assert!(v.matches());
        assert_eq!(
            v.line(Path::new("RULEBOOK.md"), Path::new("rules.json")),
            "ok: rules.json is the rule set RULEBOOK.md describes (SHA-256 aa)"
        );
    }
}
