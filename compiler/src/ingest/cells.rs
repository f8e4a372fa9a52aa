//! Rows for the interpreter: a data file (or a frame in memory) read
//! against a rule set's schema, as cells, for `apply`, `validate` and
//! `check`.

use std::path::Path;

use polars::prelude::DataFrame;

use super::{category_texts, numeric_values, read_frame, string_values, IngestParams};
use crate::error::Error;

/// Reads `path` and encodes, for every row, the values of `set`'s features
/// as interpreter cells (row-major, one cell per feature). Columns are
/// found by name; other columns are ignored.
pub fn read_cells(
    path: &Path,
    set: &rulec_runtime::RuleSet,
    eval: &rulec_runtime::Evaluator,
) -> Result<(Vec<rulec_runtime::Cell>, usize), Error> {
    read_cells_with(path, set, eval, &[]).map(|(cells, n, _)| (cells, n))
}

/// [`read_cells`] for `apply`: a text file of a header and no rows (an
/// empty batch) gives no rows, not an error; its header is still checked
/// for the columns the rules read.
pub fn read_batch(
    path: &Path,
    set: &rulec_runtime::RuleSet,
    eval: &rulec_runtime::Evaluator,
) -> Result<(Vec<rulec_runtime::Cell>, usize), Error> {
    let params = IngestParams {
        header_only: true,
        ..IngestParams::for_rule_set(set)
    };
    let (df, _) = read_frame(path, &params, None)?;
    frame_cells(&df, path, set, eval, &[]).map(|(cells, n, _)| (cells, n))
}

/// Text values of a column, `None` where missing.
pub type TextColumn = Vec<Option<String>>;

/// Like [`read_cells`], and also returns the named `extra` columns as text
/// (for the target or a teacher column), each required to exist.
pub fn read_cells_with(
    path: &Path,
    set: &rulec_runtime::RuleSet,
    eval: &rulec_runtime::Evaluator,
    extra: &[(&'static str, &str)],
) -> Result<(Vec<rulec_runtime::Cell>, usize, Vec<TextColumn>), Error> {
    let (df, _) = read_frame(path, &IngestParams::for_rule_set(set), None)?;
    frame_cells(&df, path, set, eval, extra)
}

/// [`read_cells_with`] on a frame already in memory; `source` names it in
/// messages.
pub fn frame_cells(
    df: &DataFrame,
    source: &Path,
    set: &rulec_runtime::RuleSet,
    eval: &rulec_runtime::Evaluator,
    extra: &[(&'static str, &str)],
) -> Result<(Vec<rulec_runtime::Cell>, usize, Vec<TextColumn>), Error> {
    use rulec_runtime::ir::FeatureKind;
    use rulec_runtime::Cell;

    let path = source;
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let n = df.height();
    let width = set.features.len();
    let mut cells = vec![Cell::Missing; n * width];
    let data_err = |message: String| Error::Data {
        path: path.to_path_buf(),
        message,
    };
    let mut missing_cols = Vec::new();
    for (j, f) in set.features.iter().enumerate() {
        let Some(col) = df.columns().iter().find(|c| c.name() == f.name.as_str()) else {
            // A column no rule reads (a forbidden one, say) may be absent:
            // its cells stay missing, which no decision depends on.
            if set.reads_column(&f.name) {
                missing_cols.push(format!("`{}`", f.name));
            }
            continue;
        };
        let series = col.as_materialized_series();
        let dtype = series.dtype().clone();
        match &f.kind {
            FeatureKind::Numeric => {
                let values = numeric_values(col)
                    .map_err(|e| data_err(format!("column `{}`: {e}", f.name)))?;
                // A column with no values at all reads as missing.
                let all_missing = (0..n).all(|i| series.get(i).map_or(true, |v| v.is_null()));
                let values = match values {
                    Some(v) => v,
                    None if all_missing => vec![f64::NAN; n],
                    None => {
                        let first = super::first_not_number(col);
                        return Err(data_err(super::not_numbers(
                            &f.name,
                            &dtype,
                            first.as_ref().map(|(i, t)| (*i, t.as_str())),
                            Some(path),
                        )));
                    }
                };
                for (i, x) in values.into_iter().enumerate() {
                    cells[i * width + j] = if x.is_nan() {
                        Cell::Missing
                    } else {
                        Cell::Num(x)
                    };
                }
            }
            // A column with no values at all reads as missing, whatever type
            // the reader gave it (text, for an empty CSV column).
            FeatureKind::Boolean if series.null_count() == n && series.bool().is_err() => {}
            FeatureKind::Boolean => {
                let ca = series.bool().map_err(|_| {
                    data_err(super::not_booleans(&f.name, &dtype, Some(col), Some(path)))
                })?;
                for (i, v) in ca.iter().enumerate() {
                    cells[i * width + j] = v.map_or(Cell::Missing, Cell::Bool);
                }
            }
            FeatureKind::Categorical { categories } => {
                let values = category_texts(col)
                    .map_err(|e| data_err(format!("column `{}`: {e}", f.name)))?;
                // Codes: every category is a number (`--categorical store`).
                let codes = !categories.is_empty()
                    && categories.iter().all(|c| super::parse_number(c).is_some());
                for (i, v) in values.iter().enumerate() {
                    cells[i * width + j] = match v {
                        Some(s) => Cell::Cat(category_code(eval, j, s, codes)),
                        None => Cell::Missing,
                    };
                }
            }
        }
    }
    if !missing_cols.is_empty() {
        return Err(data_err(format!(
            "lacks the rule set's column(s) {}; columns are: {}{}",
            missing_cols.join(", "),
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", "),
            crate::error::encoded_apart_hint(
                missing_cols.iter().map(|m| m.trim_matches('`')),
                &names
            ),
        )));
    }
    let mut extras = Vec::new();
    for (role, name) in extra {
        let Some(col) = df.columns().iter().find(|c| c.name() == *name) else {
            return Err(Error::UnknownColumn {
                path: path.to_path_buf(),
                role,
                name: name.to_string(),
                columns: names,
            });
        };
        extras.push(string_values(col).map_err(|e| data_err(format!("column `{name}`: {e}")))?);
    }
    Ok((cells, n, extras))
}

/// The code of category `text` of feature `j`: the text itself, or, for a
/// column of `codes` (every category a number) when the text is no
/// category but a number, the number as the compile wrote codes read from
/// numbers (`7.00`, `-0.0` and `007` are the codes `7`, `0` and `7`), so
/// that a file written another way is read alike, as the file-wide `7.0`
/// already was. A text that is a category is always that category.
fn category_code(eval: &rulec_runtime::Evaluator, j: usize, text: &str, codes: bool) -> u32 {
    let code = eval.category_code(j, text);
    if code != rulec_runtime::eval::UNKNOWN_CATEGORY || !codes {
        return code;
    }
    match super::parse_number(text.trim()) {
        Some(x) if x.is_finite() => {
            let x = if x == 0.0 { 0.0 } else { x };
            eval.category_code(j, &super::values::number_text(x))
        }
        _ => code,
    }
}

/// For `rulec apply`: the categorical columns some rule reads where more
/// than half of the values present are none of the rules' categories,
/// each with how many, as a note (such rows go to the fallback: the file
/// may write the codes another way than the training rows did).
pub fn unknown_category_notes(
    set: &rulec_runtime::RuleSet,
    cells: &[rulec_runtime::Cell],
    n: usize,
) -> Vec<String> {
    use rulec_runtime::eval::UNKNOWN_CATEGORY;
    use rulec_runtime::ir::FeatureKind;
    use rulec_runtime::Cell;
    let width = set.features.len();
    let mut notes = Vec::new();
    for (j, f) in set.features.iter().enumerate() {
        let FeatureKind::Categorical { categories } = &f.kind else {
            continue;
        };
        let read = set
            .rules
            .iter()
            .any(|r| r.conditions.iter().any(|c| c.feature() == f.name));
        if !read {
            continue;
        }
        let (mut present, mut unknown) = (0usize, 0usize);
        for i in 0..n {
            if let Cell::Cat(c) = cells[i * width + j] {
                present += 1;
                unknown += usize::from(c == UNKNOWN_CATEGORY);
            }
        }
        if unknown * 2 > present {
            let known: Vec<String> = categories
                .iter()
                .take(5)
                .map(|c| format!("`{c}`"))
                .collect();
            notes.push(format!(
                "column `{}`: {unknown} of its {present} values are none of the rules' categories ({}{}), so the rules that test it answer none of those rows; check that the file writes them as the training rows did",
                f.name,
                known.join(", "),
                if categories.len() > 5 { ", ..." } else { "" }
            ));
        }
    }
    notes
}
