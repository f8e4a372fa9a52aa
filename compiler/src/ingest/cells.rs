//! Rows for the interpreter: a data file (or a frame in memory) read
//! against a rule set's schema, as cells, for `apply`, `validate` and
//! `check`.

use std::path::Path;

use polars::prelude::{DataFrame, DataType};

use super::values::{first_not_number_on, numeric_values_on, text_numbers};
use super::{batch_category_texts, read_frame, string_values, IngestParams};
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
/// for the columns the rules read. Also the values of categorical columns
/// the rules read that are none of their categories ([`unknown_values`]).
pub fn read_batch(
    path: &Path,
    set: &rulec_runtime::RuleSet,
    eval: &rulec_runtime::Evaluator,
) -> Result<(Vec<rulec_runtime::Cell>, usize, Vec<UnknownValues>), Error> {
    let params = IngestParams {
        header_only: true,
        ..IngestParams::for_rule_set(set)
    };
    let (df, _) = read_frame(path, &params, None)?;
    let (cells, n, _) = frame_cells(&df, path, set, eval, &[])?;
    let unknown = unknown_values(&df, set, &cells);
    Ok((cells, n, unknown))
}

/// What [`read_cells_noting`] reads: the cells, the rows, the `extra`
/// columns as text, and the values none of the rules' categories.
pub type NotedCells = (
    Vec<rulec_runtime::Cell>,
    usize,
    Vec<TextColumn>,
    Vec<UnknownValues>,
);

/// [`read_cells_with`], and the values of categorical columns the rules
/// read that are none of their categories ([`unknown_values`]), for
/// `validate` to say what `apply` and `check` say.
pub fn read_cells_noting(
    path: &Path,
    set: &rulec_runtime::RuleSet,
    eval: &rulec_runtime::Evaluator,
    extra: &[(&'static str, &str)],
) -> Result<NotedCells, Error> {
    let (df, _) = read_frame(path, &IngestParams::for_rule_set(set), None)?;
    let (cells, n, columns) = frame_cells(&df, path, set, eval, extra)?;
    let unknown = unknown_values(&df, set, &cells);
    Ok((cells, n, columns, unknown))
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
/// messages. The first of `extra`, when given, is the target: a row
/// without a label reads a text that is no number, in a column of numbers,
/// as missing (compile leaves such rows out, a spreadsheet's `Total`).
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
    // With the target among `extra` (it comes first: `validate`, `check`),
    // a text that is no number in a row without a label reads as missing,
    // as compile reads it: a spreadsheet's `Total` row.
    let labelled: Option<Vec<usize>> = extra
        .first()
        .and_then(|(_, name)| df.columns().iter().find(|c| c.name() == *name))
        .and_then(|c| label_values(c).ok())
        .map(|labels| (0..labels.len()).filter(|&i| labels[i].is_some()).collect());
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
                let values = numeric_values_on(col, labelled.as_deref())
                    .map_err(|e| data_err(format!("column `{}`: {e}", f.name)))?;
                // A column with no values at all reads as missing.
                let all_missing = (0..n).all(|i| series.get(i).map_or(true, |v| v.is_null()));
                let values = match values {
                    Some(v) => v,
                    None if all_missing => vec![f64::NAN; n],
                    None => match first_not_number_on(col, labelled.as_deref()) {
                        // Text, every cell of it a number that is no
                        // number (`NAN`) or blank: missing, as those cells
                        // read in a column with other numbers.
                        None if matches!(dtype, DataType::String) => text_numbers(
                            &string_values(col)
                                .map_err(|e| data_err(format!("column `{}`: {e}", f.name)))?,
                        ),
                        first => {
                            return Err(data_err(super::not_numbers(
                                &f.name,
                                &dtype,
                                first.as_ref().map(|(i, t)| (*i, t.as_str())),
                                Some(path),
                            )))
                        }
                    },
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
                // Booleans, or text of `true` and `false` in any case with
                // spaces around (` True`), as the crate's parity example
                // reads them.
                let values: Vec<Option<bool>> = match series.bool() {
                    Ok(ca) => ca.iter().collect(),
                    Err(_) => super::text_booleans(col).ok_or_else(|| {
                        data_err(super::not_booleans(&f.name, &dtype, Some(col), Some(path)))
                    })?,
                };
                for (i, v) in values.into_iter().enumerate() {
                    cells[i * width + j] = v.map_or(Cell::Missing, Cell::Bool);
                }
            }
            FeatureKind::Categorical { .. } => {
                let values = batch_category_texts(col)
                    .map_err(|e| data_err(format!("column `{}`: {e}", f.name)))?;
                // A column of codes (`--categorical store`) reads `7.0`
                // as `7`: the interpreter's reading, which the generated
                // crate shares (`Evaluator::category_code`).
                let float = dtype.is_float();
                for (i, v) in values.iter().enumerate() {
                    cells[i * width + j] = match v {
                        Some(s) => Cell::Cat(batch_category_code(eval, j, s, float)),
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
        extras.push(label_values(col).map_err(|e| data_err(format!("column `{name}`: {e}")))?);
    }
    Ok((cells, n, extras))
}

/// A column of labels (the target's, a logged model's) as text, as the
/// compile reads the target ([`super::values::without_empty`]).
fn label_values(col: &polars::prelude::Column) -> Result<Vec<Option<String>>, String> {
    string_values(col).map(super::values::without_empty)
}

/// The category code of a batch's value `text` in column `j` (see
/// [`batch_category_texts`]); for a float (`float`), whose text is as
/// `number_text` writes it (`7`), also as pandas writes a float (`7.0`),
/// for a column of text whose category is written so.
pub(crate) fn batch_category_code(
    eval: &rulec_runtime::Evaluator,
    j: usize,
    text: &str,
    float: bool,
) -> u32 {
    let code = eval.category_code(j, text);
    if code != rulec_runtime::eval::UNKNOWN_CATEGORY || !float {
        return code;
    }
    super::float_text_as_written(text).map_or(code, |t| eval.category_code(j, &t))
}

/// A categorical column some rule reads, and the values of a batch that
/// are none of its categories (rows with them go to the fallback, unless a
/// rule that does not test the column answers them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownValues {
    /// The column.
    pub column: String,
    /// Rows with a value in it.
    pub present: usize,
    /// Rows whose value is none of the categories.
    pub unknown: usize,
    /// Those values, the most common first (ties in the order of the
    /// text), at most [`UnknownValues::NAMED`].
    pub most_common: Vec<(String, usize)>,
    /// The first categories, at most [`UnknownValues::NAMED`], and whether
    /// there are more.
    pub categories: (Vec<String>, bool),
}

impl UnknownValues {
    /// How many values (or categories) a note names.
    pub const NAMED: usize = 5;

    /// Column `column`'s account: `present` rows with a value, `unknown` of
    /// them none of `categories`, `most_common` those values with their
    /// counts (in any order; the most common [`Self::NAMED`] are kept).
    pub fn new(
        column: &str,
        present: usize,
        unknown: usize,
        mut most_common: Vec<(String, usize)>,
        categories: &[String],
    ) -> UnknownValues {
        most_common.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        most_common.truncate(Self::NAMED);
        UnknownValues {
            column: column.to_string(),
            present,
            unknown,
            most_common,
            categories: (
                categories.iter().take(Self::NAMED).cloned().collect(),
                categories.len() > Self::NAMED,
            ),
        }
    }

    /// The note for `rulec apply` and `rulec check`, names and values
    /// between backticks.
    pub fn note(&self) -> String {
        self.note_with(&|s| format!("`{s}`"))
    }

    /// The note with every name and value as `quote` writes it (Markdown
    /// code, say).
    pub fn note_with(&self, quote: &dyn Fn(&str) -> String) -> String {
        let values: Vec<String> = self
            .most_common
            .iter()
            .map(|(v, k)| format!("{} {k}", quote(v)))
            .collect();
        let more = self.most_common.len() == Self::NAMED;
        let mut note = format!(
            "column {}: {} of its {} values are none of the rules' categories ({}{}), so the rules that test it answer none of those rows",
            quote(&self.column),
            self.unknown,
            self.present,
            values.join(", "),
            if more { ", ..." } else { "" },
        );
        if self.unknown * 2 > self.present {
            let known: Vec<String> = self.categories.0.iter().map(|c| quote(c)).collect();
            note.push_str(&format!(
                "; the rules know {}{}: check that the file writes them as the training rows did",
                known.join(", "),
                if self.categories.1 { ", ..." } else { "" }
            ));
        }
        note
    }
}

/// Per categorical column some rule of `set` reads, the values of `df`
/// (read as `cells` by [`frame_cells`]) that are none of its categories;
/// columns without such values are left out.
pub fn unknown_values(
    df: &DataFrame,
    set: &rulec_runtime::RuleSet,
    cells: &[rulec_runtime::Cell],
) -> Vec<UnknownValues> {
    use rulec_runtime::eval::UNKNOWN_CATEGORY;
    use rulec_runtime::ir::FeatureKind;
    use rulec_runtime::Cell;
    let width = set.features.len();
    let n = df.height();
    let mut out = Vec::new();
    for (j, f) in set.features.iter().enumerate() {
        let FeatureKind::Categorical { categories } = &f.kind else {
            continue;
        };
        if !set.reads_column(&f.name) {
            continue;
        }
        let Some(col) = df.columns().iter().find(|c| c.name() == f.name.as_str()) else {
            continue;
        };
        let cell = |i: usize| cells.get(i * width + j).copied().unwrap_or(Cell::Missing);
        let present = (0..n).filter(|&i| matches!(cell(i), Cell::Cat(_))).count();
        let unknown_rows: Vec<usize> = (0..n)
            .filter(|&i| matches!(cell(i), Cell::Cat(c) if c == UNKNOWN_CATEGORY))
            .collect();
        if unknown_rows.is_empty() {
            continue;
        }
        let texts = string_values(col).unwrap_or_default();
        let mut counts = std::collections::BTreeMap::<&str, usize>::new();
        for &i in &unknown_rows {
            if let Some(Some(t)) = texts.get(i) {
                *counts.entry(t.as_str()).or_default() += 1;
            }
        }
        let most_common = counts
            .into_iter()
            .map(|(t, k)| (t.to_string(), k))
            .collect();
        out.push(UnknownValues::new(
            &f.name,
            present,
            unknown_rows.len(),
            most_common,
            categories,
        ));
    }
    out
}
