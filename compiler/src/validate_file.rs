//! `rulec validate`: a rule set measured on a labelled data file, by the
//! interpreter or by the rules' SQL evidence query in polars. Both engines
//! give the same [`Measured`]; [`crate::render`] prints it.

use std::path::Path;

use rulec_runtime::{Evaluator, RuleSet};

use crate::error::Error;
use crate::validate::Measured;

/// What computes the figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// The interpreter, in process ([`crate::validate::measure`]).
    Rust,
    /// The rules' polars-dialect evidence query, run by polars SQL
    /// ([`crate::sql_engine::measure`]).
    Sql,
}

impl Engine {
    /// The name on the command line and in the JSON.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Rust => "rust",
            Engine::Sql => "sql",
        }
    }

    /// The name with what it means, for the table's first line.
    pub fn description(self) -> &'static str {
        match self {
            Engine::Rust => "rust (the rulec interpreter, in process)",
            Engine::Sql => "sql (the rules' polars-dialect evidence query, run by polars SQL)",
        }
    }
}

/// Measures `set` on the rows of `data` against its target column, and
/// against `teacher_column` for fidelity, with `engine`.
pub fn measure(
    set: &RuleSet,
    data: &Path,
    teacher_column: Option<&str>,
    precision: f64,
    confidence: f64,
    engine: Engine,
) -> Result<Measured, Error> {
    measure_noting(set, data, teacher_column, precision, confidence, engine).map(|(m, _)| m)
}

/// [`measure`], and the values of categorical columns the rules read that
/// are none of their categories (each engine counting as it reads them),
/// which `validate` says where they are most of a column's, as `apply`
/// does.
pub fn measure_noting(
    set: &RuleSet,
    data: &Path,
    teacher_column: Option<&str>,
    precision: f64,
    confidence: f64,
    engine: Engine,
) -> Result<(Measured, Vec<crate::ingest::UnknownValues>), Error> {
    if let Some(problem) =
        rulec_runtime::ir::not_levels(["--precision", "--confidence"], precision, confidence)
    {
        return Err(Error::Params(problem));
    }
    let (measured, unknown) = match engine {
        Engine::Rust => {
            let eval = Evaluator::new(set)?;
            let mut extra = vec![("the rule set's target", set.target.name.as_str())];
            if let Some(t) = teacher_column {
                extra.push(("--teacher-column", t));
            }
            let (cells, n, columns, new_values) =
                crate::ingest::read_cells_noting(data, set, &eval, &extra)?;
            let measured = crate::validate::measure(
                set,
                &cells,
                n,
                &columns[0],
                columns.get(1).map(Vec::as_slice),
                precision,
                confidence,
            )?;
            (measured, new_values)
        }
        Engine::Sql => {
            crate::sql_engine::measure(set, data, teacher_column, precision, confidence)?
        }
    };
    Ok((measured.with_classes(set), unknown))
}
