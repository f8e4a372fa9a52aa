//! Backends over the rule IR ([`rulec_runtime::RuleSet`]): the generated,
//! dependency-free Rust rule crate ([`rust`]), SQL that decides rows where
//! they are stored ([`sql`]: ANSI, Spark and Polars dialects) and the rule
//! book ([`book`]: Markdown; [`html`]: one self-contained page with
//! [`figures`] as inline SVG; [`sentence`]: each rule in plain English).
//!
//! Nothing here reads data or runs a model: every backend sees only the
//! validated IR, so what the auditor reads and what the service runs come
//! from the same rules.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod audit;
pub mod book;
mod certification;
pub mod figures;
pub mod html;
mod one_minute;
mod percent;
pub mod rust;
pub mod sanitize;
pub mod sentence;
pub mod sql;

pub use rust::{emit_crate, GeneratedCrate};

/// The caution the generated code (the crate's docs, the SQL's header)
/// carries when the figures it repeats may not be its rules' own: the
/// rule set was edited after the compile, its figures do not hold
/// together, or nothing confirms them.
pub(crate) fn figures_caution(doubt: rulec_runtime::ir::FiguresDoubt) -> String {
    format!(
        "the rule set this code was generated from {}: measure these rules with `rulec validate` \
         on labelled rows, or compile again",
        doubt.words()
    )
}
