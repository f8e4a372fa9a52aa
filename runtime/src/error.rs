//! Errors of the runtime crate.

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
    /// A row does not match the rule set's schema.
    #[error("row has {found} values, the rule set has {expected} features")]
    RowWidth {
        /// Values in the row.
        found: usize,
        /// Features in the rule set.
        expected: usize,
    },
}
