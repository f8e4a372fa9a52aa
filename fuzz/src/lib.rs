//! Helpers shared by the fuzz targets, and the CSV pre-pass compiled on
//! its own.

use std::path::{Path, PathBuf};

/// `rulec::csv_scan`, compiled from the compiler's own source file: the
/// pre-pass needs only `std`, the record splitter (below) and the
/// compiler's error type (a stand-in below), so the `csv_scan` target
/// builds in seconds, fully instrumented, without polars. The `ingest`
/// target runs the real `rulec` crate. What only the compiler's ingest
/// calls (the misnamed-file check) goes unused here.
#[allow(dead_code)]
#[path = "../../compiler/src/csv_scan.rs"]
pub mod csv_scan;

/// `rulec::csv_records`, the record splitter `csv_scan` uses, from the
/// compiler's own source file.
#[path = "../../compiler/src/csv_records.rs"]
pub mod csv_records;

/// Stand-in for `rulec::error`, with the variants the pre-pass builds.
pub mod error {
    use std::path::PathBuf;

    /// The variants of `rulec::Error` that `csv_scan` uses, same fields.
    #[derive(Debug)]
    pub enum Error {
        /// A file could not be read.
        Io {
            /// The file.
            path: PathBuf,
            /// The cause.
            err: std::io::Error,
        },
        /// A data file is malformed.
        Data {
            /// The file.
            path: PathBuf,
            /// What is wrong.
            message: String,
        },
    }

    impl std::fmt::Display for Error {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match self {
                Error::Io { path, err } => write!(f, "{}: {err}", path.display()),
                Error::Data { path, message } => write!(f, "{}: {message}", path.display()),
            }
        }
    }
}

/// Writes `data` to this process's scratch file with extension `ext` and
/// returns its path. The file is rewritten on every call, so a fuzzing run
/// leaves one small file behind (in `/dev/shm` when there is one, so the
/// disk is not worn by millions of writes).
pub fn write_temp(data: &[u8], ext: &str) -> PathBuf {
    let shm = Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    let path = dir.join(format!("rulec-fuzz-{}.{ext}", std::process::id()));
    std::fs::write(&path, data).expect("the scratch file is writable");
    path
}
