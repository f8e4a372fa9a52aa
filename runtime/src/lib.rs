//! The rulec runtime: the rule IR ([`ir::RuleSet`], serialised as
//! `rules.json`), an interpreter for it ([`eval::Evaluator`]), the rule DSL
//! printer ([`dsl`]), and what a service runs in production: the
//! [`Cascade`] of rules and fallback with live reloads, shadow checks and
//! [`metrics`].
//!
//! This crate is what services link when they load rules at run time, and
//! what every other rulec crate agrees on. It depends on serde only, so it
//! builds in seconds; it never touches data files, models or polars.
//!
//! Semantics shared by every backend: rules are tried in order and the first
//! whose conditions all hold gives the decision; a missing value satisfies
//! only `is missing`; an unknown category satisfies neither `in` nor
//! `not in`; NaN satisfies no comparison. A row no rule covers goes to the
//! fallback.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod cascade;
pub mod dsl;
pub mod error;
pub mod eval;
pub mod ir;
pub mod metrics;
pub mod stats;

pub use cascade::{
    Alarm, AlarmCallback, AlarmTest, Cascade, CascadeConfig, Engine, Fallback, Handle, Interpreter,
    Outcome, ShadowConfig, Source,
};
pub use error::Error;
pub use eval::{CategoryReader, Cell, Evaluator, Hit};
pub use ir::{Condition, Rule, RuleSet};
pub use metrics::{RuleSnapshot, Snapshot, Totals};
