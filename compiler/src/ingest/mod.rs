//! Ingest: a data file in, a typed [`Table`] out.
//!
//! Reading goes through polars (CSV, tab-separated and Parquet, chosen by
//! extension; text also gzip- or zstd-compressed, see `text_file`). Each
//! column's type is inferred: integers and floats are numeric, booleans
//! boolean, strings categorical. The target may be of any type; its values
//! become text labels. Rows without a label are dropped and counted.

use std::collections::BTreeMap;
use std::path::Path;

use polars::prelude::*;

use crate::error::Error;
use crate::table::{Column, Table, TargetData};

mod cells;
mod file;
mod values;
pub use cells::{
    frame_cells, read_batch, read_cells, read_cells_noting, read_cells_with, unknown_values,
    TextColumn, UnknownValues,
};
pub use file::no_panic;
pub(crate) use file::{
    category_columns, data_file_meta, empty_file, read_frame, refused_extension, scan_text,
    text_schema,
};
use file::{clean_polars_message, count_rows};
pub use values::parse_number;
pub(crate) use values::{
    batch_category_texts, category_texts, class_texts, first_not_number, float_text_as_written,
    not_booleans, not_numbers, number_cell, sort_classes, text_booleans,
};
use values::{categories, column_data, numeric_values, string_values};

/// What to read from the file.
#[derive(Clone, Debug)]
pub struct IngestParams {
    /// Column to decide.
    pub target: String,
    /// Column holding the user's split, if any.
    pub split_column: Option<String>,
    /// Columns to leave out of the features (besides target and split).
    pub exclude: Vec<String>,
    /// Most categories kept per categorical column.
    pub max_categories: usize,
    /// A column holding another model's decisions, read as the teacher and
    /// left out of the features.
    pub teacher_column: Option<String>,
    /// The target holds numbers to predict within a tolerance, not classes.
    pub numeric_target: bool,
    /// Most rows read: a larger file is sampled (seeded by `seed`) to this
    /// many rows, with a note. `None`: every row.
    pub max_rows: Option<usize>,
    /// Seed of that sample.
    pub seed: u64,
    /// Columns read as categories whatever their type (`--categorical`):
    /// codes written as numbers (a region, a store, a product line), whose
    /// order means nothing. In a text file they are read as written
    /// (`02134` keeps its zero); a column of numbers (Parquet, a frame)
    /// becomes text as [`category_texts`] writes it (`7`, not `7.0`).
    pub categorical: Vec<String>,
    /// Other columns the command line names (`--forbid`, `--groups`), each
    /// with its option: each must be a column of the file, checked with
    /// `categorical`'s so that every slip shows at once.
    pub named: Vec<(&'static str, String)>,
    /// A text file of a header and no rows reads as a frame of no rows
    /// (`apply` on an empty batch), not as an error.
    pub header_only: bool,
}

impl IngestParams {
    /// Every row and every column of the file as it is, `target` the column
    /// to decide (empty: none): how a rule set's data is read outside a
    /// compile.
    pub fn every_row(target: &str) -> IngestParams {
        IngestParams {
            target: target.to_string(),
            split_column: None,
            exclude: Vec::new(),
            max_categories: DEFAULT_MAX_CATEGORIES,
            teacher_column: None,
            numeric_target: false,
            max_rows: None,
            seed: 0,
            categorical: Vec::new(),
            named: Vec::new(),
            header_only: false,
        }
    }

    /// How a file is read against `set` (`check`, `apply`, `validate`,
    /// both engines): every row, the rule set's columns of categories read
    /// as written, as compile read them.
    pub fn for_rule_set(set: &rulec_runtime::RuleSet) -> IngestParams {
        IngestParams {
            categorical: category_columns(set).map(str::to_string).collect(),
            // Labels, where a file has them, read as written.
            ..IngestParams::every_row(&set.target.name)
        }
    }
}

/// Default for `--max-rows`: enough for any rule worth having, and a bound
/// on memory (about 1 GB per 10 columns at this size).
pub const DEFAULT_MAX_ROWS: usize = 20_000_000;

/// Default for [`IngestParams::max_categories`].
pub const DEFAULT_MAX_CATEGORIES: usize = 256;

/// Cell texts read as missing values ([`rulec_runtime::eval::MISSING_MARKERS`],
/// which the generated crate's parity example reads alike).
pub const NULL_TOKENS: &[&str] = rulec_runtime::eval::MISSING_MARKERS;

/// The formats every reader of rulec reads, by extension, as messages
/// name them (see `text_file`): ingest, `check`, `apply` and both engines
/// of `validate`.
pub const FORMATS: &str = "delimited text (.csv, .txt, .dat or .data, the separator read from the header line; .tsv or .tab, tab-separated), Parquet (.parquet), Arrow IPC (.feather, .arrow or .ipc), spreadsheets (.xlsx, .xlsm, .xlsb, .xls or .ods: the first sheet) and JSON tables (.json, .jsonl or .ndjson); text also gzip- or zstd-compressed (.csv.gz, .tsv.zst)";

/// Reads `path` into a table.
pub fn read(path: &Path, params: &IngestParams) -> Result<Table, Error> {
    read_files(&[path.to_path_buf()], params)
}

/// Reads the rows of several files, with the same columns, into one table.
/// `--max-rows` applies to all of them together: each file contributes its
/// share of the sample.
pub fn read_files(paths: &[std::path::PathBuf], params: &IngestParams) -> Result<Table, Error> {
    let Some(first) = paths.first() else {
        return Err(Error::Params("no data file given".into()));
    };
    let params = &with_stored_categories(paths, params);
    if paths.len() == 1 {
        let read = read_frame(first, params, params.max_rows).and_then(|(df, sampled)| {
            // A sample's rows are not the file's: no line to name.
            let lines = sampled.is_none().then_some(first.as_path());
            let notes = sampled
                .map(|(all, kept)| sampled_note(&file_label(first), all, kept, kept))
                .into_iter()
                .chain(sheet_note(first))
                .collect();
            frame_to_table(df, first, lines, params, notes)
        });
        // A workbook whose first sheet is not the table (a sheet of notes
        // first) fails with a message about that sheet: say which was read.
        return read.map_err(|e| match sheet_note(first) {
            Some(note) => Error::Params(format!("{e}\nnote: {note}")),
            None => e,
        });
    }
    // Rows per file first, to share the sample out.
    let counts: Vec<usize> = paths
        .iter()
        .map(|f| count_rows(f))
        .collect::<Result<_, _>>()?;
    let total: usize = counts.iter().sum();
    let limit = params.max_rows.filter(|&m| total > m);
    let mut frames: Vec<DataFrame> = Vec::with_capacity(paths.len());
    let mut kept_total = 0;
    for (i, (f, &n)) in paths.iter().zip(&counts).enumerate() {
        let quota = limit.map(|m| {
            // Largest remainder would be exact; rounding per file is within one row each.
            ((m as f64) * n as f64 / total as f64).round() as usize
        });
        let file_params = IngestParams {
            seed: params.seed.wrapping_add(i as u64),
            ..params.clone()
        };
        let (mut df, _) = read_frame(f, &file_params, quota)?;
        kept_total += df.height();
        widen_integers(&mut df).map_err(|e| Error::Data {
            path: f.clone(),
            message: clean_polars_message(&e),
        })?;
        if let Some(head) = frames.first() {
            let want: Vec<String> = head
                .get_column_names()
                .iter()
                .map(|c| c.to_string())
                .collect();
            let got: Vec<String> = df
                .get_column_names()
                .iter()
                .map(|c| c.to_string())
                .collect();
            let mut a = want.clone();
            let mut b = got.clone();
            a.sort();
            b.sort();
            if a != b {
                return Err(Error::Data {
                    path: f.clone(),
                    message: format!(
                        "has columns {} but {} has {}; every file must have the same columns",
                        got.join(", "),
                        first.display(),
                        want.join(", ")
                    ),
                });
            }
            df = df.select(want).map_err(|e| Error::Data {
                path: f.clone(),
                message: clean_polars_message(&e),
            })?;
            let head_schema = head.schema();
            for col in df.columns() {
                let expected = head_schema.get(col.name()).cloned();
                if let Some(expected) = expected.filter(|t| t != col.dtype()) {
                    return Err(Error::Data {
                        path: f.clone(),
                        message: format!(
                            "column `{}` holds {} values but in {} it holds {}; every file must type each column alike",
                            col.name(),
                            col.dtype(),
                            first.display(),
                            expected
                        ),
                    });
                }
            }
        }
        frames.push(df);
    }
    let mut frames = frames.into_iter();
    let mut all = frames
        .next()
        .ok_or_else(|| Error::Params("no data file given".into()))?;
    for df in frames {
        all.vstack_mut(&df).map_err(|e| Error::Data {
            path: first.clone(),
            message: clean_polars_message(&e),
        })?;
    }
    let notes = limit
        .map(|limit| {
            sampled_note(
                &format!("the {} files", paths.len()),
                total,
                limit,
                kept_total,
            )
        })
        .into_iter()
        .chain(paths.iter().filter_map(|f| sheet_note(f)))
        .collect();
    frame_to_table(all, first, None, params, notes)
}

/// Reads a frame already in memory (the Python package's pandas or polars
/// frame) into a table, as [`read`] reads a file: the same types, notes and
/// messages, `source` naming the frame in them. `--max-rows` samples it as
/// it samples a Parquet file.
pub fn read_frame_table(
    df: DataFrame,
    source: &Path,
    params: &IngestParams,
) -> Result<Table, Error> {
    let data_err = |message: &str| Error::Data {
        path: source.to_path_buf(),
        message: message.to_string(),
    };
    if df.width() == 0 {
        return Err(data_err("has no columns, expected a header and rows"));
    }
    if df.height() == 0 {
        return Err(data_err("has columns but no rows"));
    }
    let all = df.height();
    let (df, sampled) = match params.max_rows.filter(|&m| all > m) {
        Some(keep) => {
            let df = no_panic(source, || {
                df.sample_n_literal(keep, false, Some(false), Some(params.seed))
            })?
            .map_err(|e| data_err(&clean_polars_message(&e)))?;
            (df, vec![sampled_note(&file_label(source), all, keep, keep)])
        }
        None => (df, Vec::new()),
    };
    no_panic(source, || frame_to_table(df, source, None, params, sampled))?
}

/// For a workbook of several sheets, which one was read and which were
/// not: rulec reads the first, and a table on another sheet would
/// otherwise be passed over without a word.
fn sheet_note(path: &Path) -> Option<String> {
    use crate::text_file::{sheet_names, Compression, TextFormat};
    if TextFormat::of(path)?.compression != Compression::Sheet {
        return None;
    }
    let names = sheet_names(path).ok()?;
    let (first, rest) = names.split_first()?;
    if rest.is_empty() {
        return None;
    }
    let others = rest
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Some(format!(
        "{} has {} sheets: only the first, `{first}`, is read ({others} {}); to compile another, move it first in the workbook or save it as a file of its own",
        file_label(path),
        names.len(),
        if rest.len() == 1 { "is not" } else { "are not" }
    ))
}

/// `params` with, among the columns read as categories, those an Arrow IPC
/// file stores as a dictionary of numbers: a pandas `category` column of
/// whole numbers (a state, a store) written by `to_feather`, which polars
/// would otherwise read as plain numbers. The user said they are codes;
/// they read as `--categorical` reads codes. Not the target, the split
/// column or a teacher column.
fn with_stored_categories(paths: &[std::path::PathBuf], params: &IngestParams) -> IngestParams {
    let mut out = params.clone();
    for path in paths {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if !matches!(ext.as_str(), "feather" | "arrow" | "ipc") {
            continue;
        }
        let Ok(file) = std::fs::File::open(path) else {
            continue;
        };
        let Ok(Ok(schema)) = no_panic(path, || IpcReader::new(file).schema()) else {
            continue;
        };
        for field in schema.iter_values() {
            let name = field.name.to_string();
            let numbers = matches!(
                &field.dtype,
                ArrowDataType::Dictionary(_, values, _) if values.is_numeric()
            );
            let role = name == params.target
                || params.split_column.as_deref() == Some(name.as_str())
                || params.teacher_column.as_deref() == Some(name.as_str());
            if numbers && !role && !out.categorical.contains(&name) {
                out.categorical.push(name);
            }
        }
    }
    out
}

/// A file as the notes a rule set records name it: by its name, not the
/// path it was given by, so that the same file read from another folder,
/// or by a path spelled otherwise, gives the same rules.json.
fn file_label(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn sampled_note(what: &str, all: usize, limit: usize, kept: usize) -> String {
    let verb = if what.starts_with("the ") {
        "have"
    } else {
        "has"
    };
    format!(
        "{what} {verb} {all} rows, more than --max-rows {limit}: a seeded random sample of {kept} rows is read (raise --max-rows to read more)"
    )
}

/// Integer columns as floats, so files whose numbers were inferred as
/// integers in one and decimals in another stack together (numbers are
/// read as `f64` anyway).
fn widen_integers(df: &mut DataFrame) -> PolarsResult<()> {
    let names: Vec<PlSmallStr> = df
        .columns()
        .iter()
        .filter(|c| c.dtype().is_integer())
        .map(|c| c.name().clone())
        .collect();
    for name in names {
        let cast = df.column(&name)?.cast(&DataType::Float64)?;
        df.with_column(cast)?;
    }
    Ok(())
}

/// The table of `df`; `file_notes`, what reading the file itself noted
/// (rows sampled to `--max-rows`, sheets not read), are its first notes.
fn frame_to_table(
    df: DataFrame,
    path: &Path,
    lines: Option<&Path>,
    params: &IngestParams,
    file_notes: Vec<String>,
) -> Result<Table, Error> {
    let data_err = |message: String| Error::Data {
        path: path.to_path_buf(),
        message,
    };
    // A row as messages name it: `row 4 (line 5)` where the rows are the
    // file's (`lines`: one delimited text file, not sampled).
    let place = |row: usize| values::row_place(lines, row);
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    if df.height() == 0 {
        return Err(data_err("has a header but no rows".into()));
    }
    let Some(target_col) = df
        .columns()
        .iter()
        .find(|c| c.name() == params.target.as_str())
    else {
        return Err(Error::UnknownColumn {
            path: path.to_path_buf(),
            role: "--target",
            name: params.target.clone(),
            columns: names,
        });
    };
    // An optional column read as text, named by the option `role`.
    let text_column =
        |name: &Option<String>,
         role: &'static str,
         read: fn(&polars::prelude::Column) -> Result<Vec<Option<String>>, String>|
         -> Result<_, Error> {
            let Some(name) = name else {
                return Ok(None);
            };
            let Some(col) = df.columns().iter().find(|c| c.name() == name.as_str()) else {
                return Err(Error::UnknownColumn {
                    path: path.to_path_buf(),
                    role,
                    name: name.clone(),
                    columns: names.clone(),
                });
            };
            Ok(Some(
                read(col).map_err(|e| data_err(format!("column `{name}`: {e}")))?,
            ))
        };
    let unknown = params
        .split_column
        .iter()
        .map(|name| ("--split-column", name.clone()))
        .chain(
            params
                .teacher_column
                .iter()
                .map(|name| ("--teacher column:", name.clone())),
        )
        .chain(
            params
                .categorical
                .iter()
                .map(|name| ("--categorical", name.clone())),
        )
        .chain(params.named.iter().cloned())
        .filter(|(_, name)| !names.contains(name))
        .collect();
    if let Some(e) = Error::unknown_columns(path, unknown, &names) {
        return Err(e);
    }
    let split_values = text_column(&params.split_column, "--split-column", string_values)?;
    // A logged teacher's decisions name classes as the target's labels do.
    let teacher_values = text_column(
        &params.teacher_column,
        "--teacher column:",
        if params.numeric_target {
            string_values
        } else {
            class_texts
        },
    )?;
    let raw_labels = if params.numeric_target {
        string_values(target_col)
    } else {
        class_texts(target_col)
    }
    .map_err(|e| data_err(format!("column `{}`: {e}", params.target)))?;
    let raw_labels = values::without_empty(raw_labels);

    // Rows without a label cannot teach or validate anything: drop them.
    let keep: Vec<usize> = (0..raw_labels.len())
        .filter(|&i| raw_labels[i].is_some())
        .collect();
    if keep.is_empty() {
        return Err(data_err(format!(
            "target column `{}` has no values",
            params.target
        )));
    }
    let values = if params.numeric_target {
        let mut values = Vec::with_capacity(keep.len());
        for &i in &keep {
            let text = raw_labels[i].as_deref().unwrap_or_default();
            match parse_number(text).filter(|x| x.is_finite()) {
                Some(x) => values.push(x),
                None => {
                    let comma = if decimal_comma_number(text).is_some() {
                        " (this one with a decimal comma: write the numbers with a decimal point)"
                    } else {
                        ""
                    };
                    return Err(data_err(format!(
                        "target column `{}` has `{text}` on {}; with --tolerance the target must hold numbers{comma}",
                        params.target,
                        place(i)
                    )));
                }
            }
        }
        Some(values)
    } else {
        None
    };
    // A numeric target has no classes (its rows are stratified by decile).
    let mut classes: Vec<String> = match &values {
        Some(_) => Vec::new(),
        None => keep
            .iter()
            .filter_map(|&i| raw_labels[i].clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect(),
    };
    sort_classes(&mut classes);
    if values.is_none() && classes.len() < 2 {
        return Err(data_err(format!(
            "target column `{}` has a single class `{}`; rules need at least two classes to choose between",
            params.target, classes[0]
        )));
    }
    // A class per row or so (an id, a time stamp, a measurement): no rule
    // could be certified on classes of a few rows each, and the teacher's
    // probabilities (a row times a class each) would take memory that
    // grows as their product: 20,000 rows of a time stamp took 7 GB.
    // On a small table, fewer than two rows per class on average is the
    // same: one class per row or so.
    let per_row = classes.len() > QUANTITY_CLASSES && 2 * classes.len() > keep.len();
    if values.is_none() && (classes.len() > MAX_CLASSES || per_row) {
        // Codes written with a leading zero (`02134`, a ZIP code) are no
        // quantity to predict within a tolerance.
        let code = classes.iter().find(|c| leading_zero_code(c));
        let numbers = code.is_none() && classes.iter().all(|c| parse_number(c).is_some());
        let limit = if classes.len() > MAX_CLASSES {
            format!("rulec decides among at most {MAX_CLASSES} classes, each with rows enough to certify a rule on")
        } else {
            "fewer than two rows per class, where a rule needs many rows of its class to be certified".to_string()
        };
        // Amounts written with their sign (`$1,234.50`): numbers all the
        // same, as a feature's note says.
        let signed = classes
            .iter()
            .all(|c| parse_number(c).is_some() || crate::table::number_with_sign(c).is_some())
            .then(|| {
                classes
                    .iter()
                    .find(|c| crate::table::number_with_sign(c).is_some())
            })
            .flatten();
        return Err(data_err(format!(
            "target column `{}` has {} distinct values in {} rows; {limit}: {}",
            params.target,
            classes.len(),
            keep.len(),
            if numbers {
                "its values are numbers, which --tolerance X predicts (a value counts as right within X)".to_string()
            } else if let Some(example) = code {
                format!("its values are codes (such as `{example}`, with a leading zero), not quantities: group them into fewer classes (a region for a postal code, say)")
            } else if let Some(example) = signed {
                format!("its values are numbers written with a currency or percent sign (such as `{example}`): write the numbers alone, and --tolerance X predicts them (a value counts as right within X)")
            } else if per_row && classes.len() <= MAX_CLASSES {
                "an identifier, a date or a time is no target, and a class of a row or two certifies no rule: group its values into fewer classes, or give more rows".to_string()
            } else {
                "a column of one value per row or so (an identifier, a date or time) is no target; group its values into classes first".to_string()
            }
        )));
    }
    let class_idx: BTreeMap<&str, u32> = classes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i as u32))
        .collect();
    // For a numeric target, the deciles: strata for the split, not classes.
    let labels: Vec<u32> = match &values {
        Some(v) => {
            let mut sorted = v.clone();
            sorted.sort_by(f64::total_cmp);
            v.iter()
                .map(|x| {
                    let rank = sorted.partition_point(|y| y < x);
                    ((rank * 10) / sorted.len()).min(9) as u32
                })
                .collect()
        }
        None => keep
            .iter()
            .map(|&i| class_idx[raw_labels[i].as_deref().unwrap_or_default()])
            .collect(),
    };
    let mut teacher_numbers = None;
    let teacher = match teacher_values {
        None => None,
        Some(v) if values.is_some() => {
            let name = params.teacher_column.as_deref().unwrap_or_default();
            let mut out = Vec::with_capacity(keep.len());
            for &i in &keep {
                match v[i].as_deref().and_then(parse_number).filter(|x| x.is_finite()) {
                    Some(x) => out.push(x),
                    None => {
                        return Err(data_err(format!(
                            "teacher column `{name}` has no number on {}; every labelled row needs the teacher's value",
                            place(i)
                        )))
                    }
                }
            }
            teacher_numbers = Some(out);
            None
        }
        Some(v) => {
            let name = params.teacher_column.as_deref().unwrap_or_default();
            let mut out = Vec::with_capacity(keep.len());
            for &i in &keep {
                match v[i].as_deref() {
                    None => {
                        return Err(data_err(format!(
                            "teacher column `{name}` has no value on {}; every labelled row needs the teacher's decision",
                            place(i)
                        )))
                    }
                    Some(label) => match class_idx.get(label) {
                        Some(&c) => out.push(c),
                        None => {
                            return Err(data_err(format!(
                                "teacher column `{name}` says `{label}` on {}, which is not a class of `{}` (classes: {})",
                                place(i),
                                params.target,
                                classes.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                            )))
                        }
                    },
                }
            }
            Some(out)
        }
    };
    let split = split_values.map(|v| {
        keep.iter()
            .map(|&i| v[i].clone().unwrap_or_default())
            .collect()
    });

    let mut columns = Vec::new();
    let mut notes: Vec<String> = file_notes;
    if let Some(note) = quantity_as_classes(&params.target, &classes, keep.len()) {
        notes.push(note);
    }
    if let Some(example) = classes.iter().find(|c| decimal_comma_number(c).is_some()) {
        if classes
            .iter()
            .all(|c| parse_number(c).is_some() || decimal_comma_number(c).is_some())
        {
            notes.push(format!(
                "target `{}` holds numbers written with a decimal comma (such as `{example}`): its classes are named as written, and a label written with a decimal point (`{}`) is another class to the rules; write them with a decimal point (a spreadsheet's export settings choose it)",
                params.target,
                decimal_comma_number(example).map(values::number_text).unwrap_or_default(),
            ));
        }
    }
    if let Some((a, b)) = crate::table::twins(classes.iter().map(String::as_str)) {
        notes.push(format!(
            "target `{}` has classes that differ only in case or the spaces around them (`{a}` and `{b}`), which the rules tell apart as two classes; if they mean the same, write them alike",
            params.target
        ));
    }
    if raw_labels.len() > keep.len() {
        let n = raw_labels.len() - keep.len();
        let (rows, have, are) = if n == 1 {
            ("row", "has", "is")
        } else {
            ("rows", "have", "are")
        };
        notes.push(format!(
            "{n} {rows} {have} no value in the target column `{}` and {are} left out",
            params.target
        ));
    }
    if let Some((a, b)) = crate::table::twins(names.iter().map(String::as_str)) {
        notes.push(format!(
            "columns `{a}` and `{b}` differ only in case or the spaces around them: they are read as two columns (rules, the rule book and the generated crate tell them apart); if they are one column written twice, keep one"
        ));
    }
    for (position, col) in df.columns().iter().enumerate() {
        let name = col.name().to_string();
        if position == 0 && name != params.target {
            // `Unnamed: 0` is the name pandas (and the CSV reader) gives a
            // column without one: to keep the column, it must be named.
            let (what, keep) = if name.trim().is_empty() {
                ("has no name", "give the column a name")
            } else {
                (
                    "has no name (`Unnamed: 0`, as pandas names it)",
                    "give the column a name",
                )
            };
            if let Some((low, high)) = written_index(col) {
                notes.push(format!(
                    "the first column {what} and holds a different whole number in every row ({low} to {high}), as the index pandas writes (`to_csv` without `index=False`) and R's row names (`write.csv` without `row.names = FALSE`) do; it is left out, as a rule on a row's number would hold only for rows numbered as these were ({keep} to keep it)"
                ));
                continue;
            }
            if let Some(example) = row_names(col) {
                notes.push(format!(
                    "the first column {what} and holds a different text in every row (such as `{example}`), as the names of rows R and pandas write (`write.csv` without `row.names = FALSE`, `to_csv` without `index=False`) do; it is left out, as a rule could only list names seen in training ({keep} to keep it)"
                ));
                continue;
            }
        }
        if name != params.target && pandas_index(&name) {
            notes.push(format!(
                "column `{name}` is the index pandas writes into a Parquet file (`to_parquet` of a frame whose index is not 0, 1, 2, …, such as a filtered one) and is left out, as a rule on a row's number would hold only for rows numbered as these were (`reset_index()` before writing, or a name for the index, keeps it as a column)"
            ));
            continue;
        }
        if name == params.target
            || Some(&name) == params.split_column.as_ref()
            || Some(&name) == params.teacher_column.as_ref()
            || params.exclude.contains(&name)
        {
            continue;
        }
        let data = if params.categorical.contains(&name) {
            category_texts(col).map(|values| {
                Some(categories(
                    &name,
                    &values,
                    &keep,
                    params.max_categories,
                    &mut notes,
                ))
            })
        } else {
            column_data(col, &keep, params.max_categories, &mut notes)
        }
        .map_err(|e| data_err(format!("column `{name}`: {e}")))?;
        if let Some(data) = data {
            columns.push(Column { name, data });
        }
    }
    if columns.is_empty() {
        return Err(data_err(
            "has no feature columns besides the target and split".into(),
        ));
    }
    let target = match values {
        Some(values) => TargetData::Values {
            values,
            strata: labels,
            logged: teacher_numbers,
        },
        None => TargetData::Classes {
            names: classes,
            labels,
            logged: teacher,
        },
    };
    Ok(Table::new(columns, params.target.clone(), target)
        .with_split(split)
        .with_ingest_notes(raw_labels.len() - keep.len(), notes))
}

/// Whether `name` is one pandas gives an unnamed index level when it
/// writes a frame to Parquet (`__index_level_0__`, `__index_level_1__`, …):
/// a column of the file no one named.
fn pandas_index(name: &str) -> bool {
    name.strip_prefix("__index_level_")
        .and_then(|rest| rest.strip_suffix("__"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The least and greatest value of `col` when it is the index pandas
/// writes as a file's first column (`DataFrame.to_csv` without
/// `index=False`): no name (`""`, or `Unnamed: 0`, as pandas names such a
/// column when it reads the file and writes it again) and a different
/// whole number in every row, none missing.
fn written_index(col: &polars::prelude::Column) -> Option<(i64, i64)> {
    let name = col.name().trim();
    if !(name.is_empty() || name == "Unnamed: 0") {
        return None;
    }
    let values = numeric_values(col).ok()??;
    let mut whole = values
        .into_iter()
        .map(crate::table::whole_number)
        .collect::<Option<Vec<i64>>>()?;
    whole.sort_unstable();
    let n = whole.len();
    whole.dedup();
    (n > 0 && whole.len() == n).then(|| (whole[0], whole[n - 1]))
}

/// The first value of `col` when it holds the names of rows as text, as
/// R's `write.csv` writes a frame with named rows (`mtcars`' car models)
/// and pandas' `to_csv` an index of names: no name (`""`, or `Unnamed:
/// 0`, see [`written_index`]), and a different text in every row, none
/// missing.
fn row_names(col: &polars::prelude::Column) -> Option<String> {
    let name = col.name().trim();
    if !(name.is_empty() || name == "Unnamed: 0") || !matches!(col.dtype(), DataType::String) {
        return None;
    }
    let values = string_values(col).ok()?;
    let mut names = values.into_iter().collect::<Option<Vec<String>>>()?;
    let first = names.first()?.clone();
    let n = names.len();
    names.sort_unstable();
    names.dedup();
    (names.len() == n && n > 1).then_some(first)
}

/// `text` as a number written with a decimal comma and no other
/// separator (`3,9`, `-0,25`): digits, one comma, digits.
fn decimal_comma_number(text: &str) -> Option<f64> {
    let t = text.trim();
    // `1,000` reads as a thousand (thousands separators), as --tolerance
    // reads it: no decimal comma.
    if parse_number(t).is_some() {
        return None;
    }
    let (whole, fraction) = t.split_once(',')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let unsigned = whole.strip_prefix('-').unwrap_or(whole);
    (digits(unsigned) && digits(fraction))
        .then(|| format!("{whole}.{fraction}").parse().ok())
        .flatten()
}

/// Most classes a class target may have: past it, the values are no
/// classes (see where `read_frame_table` refuses them).
pub const MAX_CLASSES: usize = 1_000;

/// Distinct numbers in a class target past which it reads as a quantity.
const QUANTITY_CLASSES: usize = 20;

/// A note when a class target holds only numbers, and more than
/// [`QUANTITY_CLASSES`] distinct ones: most likely a quantity (a price, an
/// age, a score), each of whose values would be a class of its own, with a
/// few rows each. `--tolerance` is what predicts a number.
/// Whether `text` is a code written with a leading zero (`02134`, `007`),
/// not a number such as `0` or `0.5`.
fn leading_zero_code(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() > 1 && b[0] == b'0' && b.iter().all(u8::is_ascii_digit)
}

fn quantity_as_classes(target: &str, classes: &[String], rows: usize) -> Option<String> {
    if classes.len() <= QUANTITY_CLASSES
        || classes.iter().any(|c| leading_zero_code(c))
        || !classes
            .iter()
            .all(|c| parse_number(c).is_some_and(f64::is_finite))
    {
        return None;
    }
    Some(format!(
        "target `{target}` holds numbers, {} distinct in {rows} rows, and each is read as a class of its own (about {:.1} rows each); if it is a quantity, give --tolerance X: rules then predict a number, right within ±X of the true value",
        classes.len(),
        rows as f64 / classes.len() as f64
    ))
}

#[cfg(test)]
mod tests;
