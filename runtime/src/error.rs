//! Errors of the runtime crate: loading, evaluating, reloading and the
//! cascade's fallback.

use thiserror::Error;

/// Everything that can go wrong when loading or evaluating a rule set.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum Error {
    /// The text is not valid JSON for a rule set.
    #[error("rules.json is not valid: {0}")]
    Json(String),
    /// The file was written by a newer rulec.
    #[error("rules.json has schema version {found}, but this rulec reads versions up to {supported}; upgrade rulec")]
    SchemaVersion {
        /// Version found in the file.
        found: u64,
        /// Highest version this build reads.
        supported: u32,
    },
    /// The rule set is inconsistent; every problem found is listed.
    #[error("the rule set is inconsistent: {}", .0.join("; "))]
    Invalid(Vec<String>),
    /// A `rules.json` could not be read.
    #[error("cannot read `{path}`: {message}")]
    Read {
        /// The file.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// A rule set cannot replace the running one: rows are encoded against
    /// the running set's features and answers are reported as its classes,
    /// so both must stay the same. Every difference is listed.
    #[error("the new rule set cannot replace the running one: {}", .0.join("; "))]
    Incompatible(Vec<String>),
    /// The fallback could not decide a row.
    #[error("the fallback failed: {0}")]
    Fallback(String),
    /// The fallback answered with a class index the rule set does not have.
    #[error("the fallback answered class {found}, but there are only {n_classes} classes")]
    FallbackClass {
        /// The index it answered.
        found: usize,
        /// Classes of the rule set.
        n_classes: usize,
    },
    /// A cascade setting is out of range.
    #[error("invalid cascade setting: {0}")]
    Config(String),
    /// A row does not match the rule set's schema.
    #[error("row has {found} values, the rule set has {expected} features")]
    RowWidth {
        /// Values in the row.
        found: usize,
        /// Features in the rule set.
        expected: usize,
    },
}
