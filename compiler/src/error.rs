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
    #[error("{}: no column `{name}` (given as {role}); columns are: {}", path.display(), quote_list(columns))]
    UnknownColumn {
        /// The file.
        path: PathBuf,
        /// The option that named it.
        role: &'static str,
        /// The name given.
        name: String,
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

fn quote_list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
