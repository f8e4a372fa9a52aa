//! rulec, the synthetic-heuristics compiler: a large model (the teacher)
//! labels historical data once; a tree learner distils its judgement into a
//! few human-readable rules; each rule is kept only when its precision on
//! held-out rows is certified; the rules are emitted as a dependency-free
//! Rust crate and a rule book.
//!
//! Stages, each a module with a typed input and output:
//! [`ingest`] (file → [`table::Table`]), [`split`] (→ [`split::Splits`]),
//! [`teach`] (→ [`teach::TeacherLabels`]), [`propose`] (→ candidate rules),
//! [`validate`] (→ certified rules with evidence), and [`pipeline`], which
//! runs them in order and returns the [`rulec_runtime::RuleSet`]. Emitting
//! code and books is `rulec-codegen`'s job; [`output`] writes results
//! atomically.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod bench;
pub mod cache;
pub mod card;
pub mod check;
pub mod compact;
pub mod csv_records;
pub mod csv_scan;
pub mod diff;
pub mod error;
pub mod gbdt;
pub mod generalise;
pub mod groups;
pub mod ingest;
pub mod json_rows;
pub mod mlp;
pub mod oracle;
pub mod output;
pub mod params;
pub mod pipeline;
pub mod progress;
pub mod propose;
pub mod reasons;
pub mod regress;
pub mod render;
pub mod report;
pub mod rules_file;
pub mod sample_file;
pub mod select;
pub mod sign_off;
pub mod split;
pub mod sql_engine;
pub mod stability;
pub mod sums;
pub mod synthetic;
pub mod table;
pub mod teach;
pub mod text_file;
pub mod tree;
pub mod validate;
pub mod validate_file;

pub use error::Error;
pub use pipeline::{compile, CompileParams, Compiled, Report};
