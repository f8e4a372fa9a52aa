//! Errors of the compiler library. Each variant says where the problem is.

use std::path::PathBuf;

use thiserror::Error;

/// Everything that can stop a compile.
#[derive(Debug, Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {err}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        err: std::io::Error,
    },
    /// A data file is malformed or unusable.
    #[error("{}: {message}", path.display())]
    Data {
        /// The file.
        path: PathBuf,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A column named on the command line is not in the file.
    #[error("{}: no column `{name}` ({}); {}columns are: {}{}", path.display(), named_by(role), did_you_mean(name, columns), quote_list(columns), no_header(columns))]
    UnknownColumn {
        /// The file.
        path: PathBuf,
        /// The option that named it (`--target`), or what did, in words
        /// (`the rule set's target`).
        role: &'static str,
        /// The name given.
        name: String,
        /// The columns the file has.
        columns: Vec<String>,
    },
    /// Several columns named on the command line are not in the file.
    #[error("{}: no column {}; columns are: {}{}", path.display(), each_unknown(unknown, columns), quote_list(columns), no_header(columns))]
    UnknownColumns {
        /// The file.
        path: PathBuf,
        /// Each name given, with the option that named it, in the order
        /// of the options.
        unknown: Vec<(&'static str, String)>,
        /// The columns the file has.
        columns: Vec<String>,
    },
    /// An option is out of range or inconsistent.
    #[error("{0}")]
    Params(String),
    /// A rule set could not be loaded or used.
    #[error(transparent)]
    Rules(#[from] rulec_runtime::Error),
    /// The code generator failed.
    #[error("code generation failed: {0}")]
    Codegen(String),
}

/// How a column came to be asked for: "given as --target" for an option,
/// the words themselves otherwise ("the rule set's target").
impl Error {
    /// The error for names given on the command line that are no column
    /// of `path` (each with the option that named it): `None` for none,
    /// [`Error::UnknownColumn`] for one, [`Error::UnknownColumns`] for
    /// several, so that every slip shows in one run.
    pub fn unknown_columns(
        path: &std::path::Path,
        mut unknown: Vec<(&'static str, String)>,
        columns: &[String],
    ) -> Option<Error> {
        match unknown.len() {
            0 => None,
            1 => {
                let (role, name) = unknown.remove(0);
                Some(Error::UnknownColumn {
                    path: path.to_path_buf(),
                    role,
                    name,
                    columns: columns.to_vec(),
                })
            }
            _ => Some(Error::UnknownColumns {
                path: path.to_path_buf(),
                unknown,
                columns: columns.to_vec(),
            }),
        }
    }
}

fn named_by(role: &str) -> String {
    if role.starts_with("--") {
        format!("given as {role}")
    } else {
        role.to_string()
    }
}

/// Names given that are no column, each with the option that named it and
/// a near miss (`\`nope\` (given as --forbid), \`zon\` (given as --groups;
/// did you mean \`zone\`?)`).
fn each_unknown(unknown: &[(&'static str, String)], columns: &[String]) -> String {
    unknown
        .iter()
        .map(|(role, name)| {
            let near = did_you_mean(name, columns);
            let near = near.trim_end();
            if near.is_empty() {
                format!("`{name}` ({})", named_by(role))
            } else {
                format!("`{name}` ({}; {near})", named_by(role))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `did you mean `x`? ` when one column is the name given but for case,
/// spaces around it or a slip of at most two characters (names of up to 64
/// characters), or else the one column whose name begins with the name
/// given (`churn` for `churned`); else nothing.
fn did_you_mean(name: &str, columns: &[String]) -> String {
    if let Some(twin) = columns.iter().find(|c| encoded_apart(name, c)) {
        return format!("did you mean `{twin}`? {} ", ENCODED_APART);
    }
    rulec_runtime::dsl::near_name(name, columns)
        .map(|one| format!("did you mean `{one}`? "))
        .unwrap_or_default()
}

/// Whether `a` and `b` are the same text written with other Unicode code
/// points: their accents composed (`é`, NFC) in one and a letter followed
/// by a combining accent (`e` and U+0301, NFD, as macOS writes file and
/// folder names) in the other. They look alike and compare unequal.
pub(crate) fn encoded_apart(a: &str, b: &str) -> bool {
    use unicode_normalization::UnicodeNormalization;
    a != b && a.nfc().eq(b.nfc())
}

/// What to say of two names [`encoded_apart`].
pub(crate) const ENCODED_APART: &str = "It looks the same, but its accented letters are encoded differently (one is in Unicode's composed form, NFC, the other in its decomposed form, NFD, as macOS writes names): write both alike, in NFC.";

/// For a list of columns a file lacks: the sentence on one of them the file
/// holds under the same name encoded apart ([`encoded_apart`]), or nothing.
pub(crate) fn encoded_apart_hint<'a>(
    missing: impl IntoIterator<Item = &'a str>,
    present: &[String],
) -> String {
    missing
        .into_iter()
        .find_map(|m| {
            let twin = present.iter().find(|p| encoded_apart(m, p))?;
            Some(format!(
                "; the file's `{twin}` is `{m}` in another encoding. {ENCODED_APART}"
            ))
        })
        .unwrap_or_default()
}

/// A note when the column names look like a row of values: a file without
/// a header line (as a UCI `.data` file has none) has its first row read as
/// the names. A name that is a number says so, unless it is a year (four
/// digits), as the columns of a wide table often are.
fn no_header(columns: &[String]) -> &'static str {
    let value = |c: &String| {
        let c = c.trim();
        let year = c.len() == 4 && c.bytes().all(|b| b.is_ascii_digit());
        c.parse::<f64>().is_ok() && !year
    };
    if columns.len() >= 2 && columns.iter().any(value) {
        "; the first line is read as the column names, and these look like values: \
         if the file has no header line, add one that names the columns"
    } else {
        ""
    }
}

/// Levenshtein distance between `a` and `b`, by characters.
fn quote_list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_near_miss_of_a_column_name_is_suggested() {
        let columns: Vec<String> = ["target", "distance_mi", "zone", "zones2"]
            .map(String::from)
            .to_vec();
        assert_eq!(did_you_mean("Target", &columns), "did you mean `target`? ");
        assert_eq!(
            did_you_mean(" target ", &columns),
            "did you mean `target`? "
        );
        assert_eq!(
            did_you_mean("distanse_mi", &columns),
            "did you mean `distance_mi`? "
        );
        // Two close ones, or a short name: no guess.
        assert_eq!(did_you_mean("zones", &columns), "");
        assert_eq!(did_you_mean("zon", &columns), "");
        // A short name two edits away is another word, not a typo.
        assert_eq!(did_you_mean("nope", &columns), "");
        assert_eq!(did_you_mean("zonr", &columns), "did you mean `zone`? ");
        // A name a column begins with, when it is the only one.
        assert_eq!(
            did_you_mean("distance", &columns),
            "did you mean `distance_mi`? "
        );
        assert_eq!(
            did_you_mean("zone", &["zones2".to_string(), "zones3".to_string()]),
            ""
        );
        // The same name with its accent decomposed (NFD): said so.
        let accented = vec!["re\u{301}gion".to_string(), "x".to_string()];
        let said = did_you_mean("r\u{e9}gion", &accented);
        assert!(said.starts_with("did you mean `re\u{301}gion`? It looks the same, but its accented letters are encoded differently"), "{said}");
        assert_eq!(
            encoded_apart_hint(["x", "r\u{e9}gion"], &accented),
            format!("; the file's `re\u{301}gion` is `r\u{e9}gion` in another encoding. {ENCODED_APART}")
        );
        assert_eq!(encoded_apart_hint(["x"], &accented), "");
        assert!(!encoded_apart("x", "x"));
        let e = Error::UnknownColumn {
            path: PathBuf::from("d.csv"),
            role: "--target",
            name: "Target".into(),
            columns,
        };
        assert_eq!(
            e.to_string(),
            "d.csv: no column `Target` (given as --target); did you mean `target`? columns are: `target`, `distance_mi`, `zone`, `zones2`"
        );
    }

    #[test]
    fn names_that_look_like_a_row_of_values_suggest_a_missing_header() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let e = Error::UnknownColumn {
            path: PathBuf::from("adult.data"),
            role: "--target",
            name: "income".into(),
            columns: names(&["39", " State-gov", " 77516", " <=50K"]),
        };
        assert_eq!(
            e.to_string(),
            "adult.data: no column `income` (given as --target); columns are: `39`, ` State-gov`, ` 77516`, ` <=50K`; \
             the first line is read as the column names, and these look like values: \
             if the file has no header line, add one that names the columns"
        );
        // Names, some of them years, say nothing more.
        assert_eq!(no_header(&names(&["region", "2023", "2024", "y"])), "");
        assert_eq!(no_header(&names(&["a", "b"])), "");
        assert_ne!(no_header(&names(&["5.1", "3.5", "setosa"])), "");
        assert_eq!(no_header(&names(&["2024"])), "");
    }
}
