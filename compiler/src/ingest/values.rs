//! A column's values as ingest reads them: as text, as numbers (with the
//! forms numbers take in files), and as the categories of a feature, with
//! the notes on what reading them changed.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::clean_polars_message;
use crate::table::{ColumnData, MISSING_CODE, OTHER_CODE};

/// A column's values as text (polars' cast), missing values as `None`.
pub(super) fn string_values(col: &polars::prelude::Column) -> Result<Vec<Option<String>>, String> {
    let s = col
        .as_materialized_series()
        .cast(&DataType::String)
        .map_err(|e| format!("cannot read as text: {}", clean_polars_message(&e)))?;
    let ca = s.str().map_err(|e| clean_polars_message(&e))?;
    Ok(ca.iter().map(|v| v.map(str::to_string)).collect())
}

/// A column's values as the text of categories (`--categorical`, and
/// wherever a rule set reads a column of categories): text as it is
/// written (`02134` keeps its zero), booleans as `true`/`false`, and
/// numbers as they are usually written, so that a code reads the same from
/// a column of integers and from one of floats (pandas makes a column of
/// integers with a gap floats, and writes them `7.0`): `7`, not `7.0`;
/// `2.5`. A text column whose every value is a whole number written with
/// a zero fraction (`7.0`, `-3.00`), or whose every value is a number
/// written plainly (`7`, `7.0`, `2.5`; no leading zero, so `02134` is a
/// code as written), reads its zero fractions as those numbers do (`7`,
/// `-3`): a file where pandas wrote some codes `7` and others `7.0` has
/// one category `7`. A missing value or NaN stays missing.
pub(crate) fn category_texts(col: &polars::prelude::Column) -> Result<Vec<Option<String>>, String> {
    let series = col.as_materialized_series();
    if !series.dtype().is_float() {
        let mut values = string_values(col)?;
        if matches!(series.dtype(), DataType::String)
            && values.iter().flatten().next().is_some()
            && (values.iter().flatten().all(|v| zero_fraction(v).is_some())
                || values.iter().flatten().all(|v| plain_number(v)))
        {
            for v in values.iter_mut().flatten() {
                if let Some(whole) = zero_fraction(v) {
                    *v = whole.to_string();
                }
            }
        }
        return Ok(values);
    }
    let s = series
        .cast(&DataType::Float64)
        .map_err(|e| clean_polars_message(&e))?;
    let ca = s.f64().map_err(|e| clean_polars_message(&e))?;
    Ok(ca
        .iter()
        .map(|v| v.filter(|x| !x.is_nan()).map(number_text))
        .collect())
}

/// A column of a batch as the text of a rule set's categories: text as it
/// is written, for the rule set's own reading of it
/// ([`rulec_runtime::CategoryReader`]: a category as written, or in a
/// column of codes a number written another way), as the generated crate
/// reads it; other types as [`category_texts`] writes them. The reading
/// of training data ([`category_texts`]) makes `7.0` the code `7` when
/// every value is a number; here a value's reading must not hang on the
/// other rows of the batch, and a text column's category `7.0` is `7.0`.
pub(crate) fn batch_category_texts(
    col: &polars::prelude::Column,
) -> Result<Vec<Option<String>>, String> {
    if matches!(col.dtype(), DataType::String) {
        string_values(col)
    } else {
        category_texts(col)
    }
}

/// A class column's values as the names of classes (the target, and a
/// logged teacher's decisions): text as written (`01` and `1` are two
/// codes, `007` keeps its zeros), booleans as `true`/`false` (also when
/// written as words, `True` or `FALSE`, in a text file); numbers in
/// their shortest form, so that a label reads the same however a file
/// stores it: a column of floats (pandas makes one of integers with a
/// missing label) gives `1`, not `1.0`; `-0.0` is `0`; NaN is missing. A
/// text column whose every value is a number written plainly (`1`, `1.0`,
/// `5.`, `-0.0`, `2.50`; no leading zero, no exponent) reads as those
/// numbers do; a whole number keeps its digits as written, so that labels
/// past 2^53 stay apart.
pub(crate) fn class_texts(col: &polars::prelude::Column) -> Result<Vec<Option<String>>, String> {
    let series = col.as_materialized_series();
    if series.dtype().is_float() {
        let s = series
            .cast(&DataType::Float64)
            .map_err(|e| clean_polars_message(&e))?;
        let ca = s.f64().map_err(|e| clean_polars_message(&e))?;
        return Ok(ca
            .iter()
            .map(|v| v.filter(|x| !x.is_nan()).map(|x| number_text(x + 0.0)))
            .collect());
    }
    let mut values = string_values(col)?;
    let text =
        matches!(series.dtype(), DataType::String) && values.iter().flatten().next().is_some();
    if text && values.iter().flatten().all(|v| plain_label(v).is_some()) {
        for v in values.iter_mut().flatten() {
            if let Some(text) = plain_label(v) {
                *v = text;
            }
        }
    }
    // Booleans written as words (`True`, `FALSE`) are the classes `true`
    // and `false`, as a column of booleans gives them.
    if text
        && values
            .iter()
            .flatten()
            .all(|v| rulec_runtime::ir::is_boolean_word(v))
    {
        for v in values.iter_mut().flatten() {
            *v = v.to_ascii_lowercase();
        }
    }
    Ok(values)
}

/// Classes in the order rulec keeps them (rules.json's `classes`, the
/// teacher's probability columns): by value when every class is a number
/// written plainly (`2` before `10`, `-1` before `0`: the order numpy and
/// scikit-learn give a model's classes), else as text sorts them (codes
/// such as `007` and `01` among them).
pub(crate) fn sort_classes(classes: &mut [String]) {
    let numbers: Option<Vec<f64>> = classes
        .iter()
        .map(|c| plain_label(c).and_then(|_| parse_number(c)))
        .collect();
    match numbers {
        Some(values) if values.iter().all(|v| v.is_finite()) => {
            let mut pairs: Vec<(f64, String)> =
                values.into_iter().zip(classes.iter().cloned()).collect();
            pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
            for (slot, (_, c)) in classes.iter_mut().zip(pairs) {
                *slot = c;
            }
        }
        _ => classes.sort(),
    }
}

/// The shortest form of `text` when it is a number written plainly: an
/// optional minus, digits without a leading zero (or a lone `0`), and an
/// optional point with digits after it (`7`, `7.0`, `7.`, `-0.0`, `2.50`:
/// `7`, `7`, `7`, `0`, `2.5`); `None` for any other text (`01`, `1e5`,
/// `.5`, `+1`, ` 1`).
fn plain_label(text: &str) -> Option<String> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let negative = whole.starts_with('-');
    let digits = whole.strip_prefix('-').unwrap_or(whole);
    let whole_ok = digits == "0"
        || (digits.bytes().all(|b| b.is_ascii_digit())
            && digits.bytes().next().is_some_and(|b| b != b'0'));
    if !whole_ok || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if fraction.bytes().all(|b| b == b'0') {
        let zero = digits == "0";
        return Some(if negative && !zero {
            format!("-{digits}")
        } else {
            digits.to_string()
        });
    }
    text.parse::<f64>().ok().map(|x| number_text(x + 0.0))
}

/// The category of a float's text `text` (a whole number written as
/// [`number_text`] writes it, `7`) in another column's reading: `7.0`, as
/// pandas writes a float, for a column of text whose category is `7.0`
/// (a Parquet or pandas batch holds the value as a float, not as text).
pub(crate) fn float_text_as_written(text: &str) -> Option<String> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then(|| format!("{text}.0"))
}

/// The whole number of `text` when it is written with a fraction of zeros
/// only (`7.0`, `-3.00`: `7`, `-3`).
fn zero_fraction(text: &str) -> Option<&str> {
    let (whole, fraction) = text.split_once('.')?;
    let digits = whole.strip_prefix('-').unwrap_or(whole);
    let is_whole = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    let zeros = !fraction.is_empty() && fraction.bytes().all(|b| b == b'0');
    (is_whole && zeros).then_some(if whole == "-0" { "0" } else { whole })
}

/// Whether `text` is a number written plainly: an optional minus, digits
/// without a leading zero (or a lone `0`), and an optional fraction of
/// digits (`7`, `-3`, `0.5`, `7.0`; not `02134`, `1e5`, `.5` or `+1`).
fn plain_number(text: &str) -> bool {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, "1"));
    let digits = whole.strip_prefix('-').unwrap_or(whole);
    let whole_ok = digits == "0"
        || (digits.bytes().all(|b| b.is_ascii_digit())
            && digits.bytes().next().is_some_and(|b| b != b'0'));
    whole_ok && !fraction.is_empty() && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// A number as a category's text: a whole number without a decimal point.
pub(crate) fn number_text(x: f64) -> String {
    rulec_runtime::eval::number_text(x)
}

/// The column as numbers, when it is numeric or when every value is text
/// that reads as a number (thousands separators allowed: `"12,345.6"`).
pub(super) fn numeric_values(col: &polars::prelude::Column) -> Result<Option<Vec<f64>>, String> {
    numeric_values_on(col, None)
}

/// [`numeric_values`] where only the rows `rows` must be numbers (the
/// labelled rows ingest keeps: a spreadsheet's `Total` row, with no label,
/// does not make a column text); any other row's text that is no number
/// reads as missing.
pub(super) fn numeric_values_on(
    col: &polars::prelude::Column,
    rows: Option<&[usize]>,
) -> Result<Option<Vec<f64>>, String> {
    let series = col.as_materialized_series();
    let dtype = series.dtype().clone();
    // A decimal (a Parquet file from a database or Spark, money often) is a
    // number; a rule compares it as `f64`, as it does every number.
    if dtype.is_primitive_numeric() || dtype.is_decimal() {
        let s = series
            .cast(&DataType::Float64)
            .map_err(|e| clean_polars_message(&e))?;
        let ca = s.f64().map_err(|e| clean_polars_message(&e))?;
        return Ok(Some(ca.iter().map(|v| v.unwrap_or(f64::NAN)).collect()));
    }
    if !matches!(dtype, DataType::String) {
        return Ok(None);
    }
    let values = string_values(col)?;
    // A text that is no number, outside `rows`, is missing.
    let out = text_numbers(&values);
    let mut all = 0..values.len();
    let rows: &mut dyn Iterator<Item = usize> = match rows {
        Some(rows) => &mut rows.iter().copied(),
        None => &mut all,
    };
    let mut any = false;
    for i in rows {
        if let Some(text) = &values[i] {
            match number_cell(text) {
                Some(x) => any |= !x.is_nan(),
                None => return Ok(None),
            }
        }
    }
    if !any {
        return Ok(None);
    }
    Ok(Some(out))
}

/// Text cells as numbers ([`number_cell`]): a blank, missing or no-number
/// cell is NaN (missing).
pub(super) fn text_numbers(values: &[Option<String>]) -> Vec<f64> {
    values
        .iter()
        .map(|v| v.as_deref().and_then(number_cell).unwrap_or(f64::NAN))
        .collect()
}

/// A text cell of a column of numbers: its number; NaN (missing) when it
/// is blank, only spaces, as an empty cell is; `None` when it is no number.
pub(crate) fn number_cell(text: &str) -> Option<f64> {
    if text.trim().is_empty() {
        return Some(f64::NAN);
    }
    parse_number(text)
}

/// The note for a text column read as numbers. With commas in it, the
/// note says how one was read (a thousands separator: `1,250` is 1250), so
/// that a file whose commas mark decimals, every value with three digits
/// after its comma, is not read a thousand times too large unseen.
fn numbers_as_text_note(name: &str, col: &polars::prelude::Column) -> String {
    let values = string_values(col).unwrap_or_default();
    let blank = values
        .iter()
        .flatten()
        .filter(|v| v.trim().is_empty())
        .count();
    let note = numbers_with_commas_note(name, values);
    match blank {
        0 => note,
        1 => format!("{note}; its one blank cell (spaces only) is read as missing"),
        n => format!("{note}; its {n} blank cells (spaces only) are read as missing"),
    }
}

fn numbers_with_commas_note(name: &str, values: Vec<Option<String>>) -> String {
    let with_comma = values.into_iter().flatten().find(|v| v.contains(','));
    match with_comma.and_then(|v| Some((parse_number(&v)?, v))) {
        Some((x, text)) => format!(
            "column `{name}` holds numbers written with commas, read as thousands separators (`{}` as {}); if its commas mark decimals, write the numbers with a decimal point",
            text.trim(),
            number_text(x)
        ),
        None => format!(
            "column `{name}` holds numbers written as text; read as numbers"
        ),
    }
}

/// Row `row` (0-based) of the data read from `path`, as messages name it:
/// `row 10`, counted from 1 as `apply` counts its output's rows, and, in a
/// delimited text file, `row 10 (line 13)`: where the row starts in the
/// file, after the header, quoted line breaks and skipped lines.
pub(crate) fn row_place(path: Option<&std::path::Path>, row: usize) -> String {
    match path.and_then(|p| super::file::line_of_row(p, row)) {
        Some(line) => format!("row {} (line {line})", row + 1),
        None => format!("row {}", row + 1),
    }
}

/// Why a column the rules read as numbers cannot be read so: its first
/// value that is not a number and the row it is on ([`row_place`] in the
/// file `path`, when there is one), with a word on decimal commas when
/// that is what it is; or its type, when no value says more. Ingest and
/// the SQL engine say the same.
pub(crate) fn not_numbers(
    name: &str,
    dtype: &DataType,
    first: Option<(usize, &str)>,
    path: Option<&std::path::Path>,
) -> String {
    match first {
        Some((row, text)) => format!(
            "column `{name}` has `{text}` on {}, which is not a number; the rules expect numbers{}",
            row_place(path, row),
            if crate::table::decimal_comma(text) {
                " (written with a decimal point, not a decimal comma)"
            } else {
                ""
            }
        ),
        None => format!("column `{name}` has type {dtype}; the rules expect numbers"),
    }
}

/// The message for a column the rules test as booleans that holds other
/// values: the first of them and its row, when `col` says.
pub(crate) fn not_booleans(
    name: &str,
    dtype: &DataType,
    col: Option<&polars::prelude::Column>,
    path: Option<&std::path::Path>,
) -> String {
    let first = col.and_then(|c| string_values(c).ok()).and_then(|values| {
        values.into_iter().enumerate().find_map(|(i, v)| {
            let text = v?;
            let boolean = matches!(text.trim().to_ascii_lowercase().as_str(), "true" | "false");
            (!boolean).then_some((i, text))
        })
    });
    match first {
        Some((row, text)) => format!(
            "column `{name}` has `{text}` on {}, which is not true or false; the rules expect booleans (true/false)",
            row_place(path, row)
        ),
        None => format!("column `{name}` has type {dtype}; the rules expect booleans (true/false)"),
    }
}

/// A text column's values as booleans, when every one is `true` or
/// `false` in any case, spaces around it allowed (` True`, `FALSE`), as
/// the generated crate's parity example reads them; `None` when the column
/// is not text or a value is something else (see [`not_booleans`]).
pub(crate) fn text_booleans(col: &polars::prelude::Column) -> Option<Vec<Option<bool>>> {
    if !matches!(col.dtype(), DataType::String) {
        return None;
    }
    string_values(col)
        .ok()?
        .into_iter()
        .map(|v| match v {
            None => Some(None),
            Some(text) => match text.trim().to_ascii_lowercase().as_str() {
                "true" => Some(Some(true)),
                "false" => Some(Some(false)),
                _ => None,
            },
        })
        .collect()
}

/// The first value of `col` read as text that is not a number, with its
/// row.
pub(crate) fn first_not_number(col: &polars::prelude::Column) -> Option<(usize, String)> {
    first_not_number_on(col, None)
}

/// [`first_not_number`] among the rows `rows` (every row when `None`).
pub(super) fn first_not_number_on(
    col: &polars::prelude::Column,
    rows: Option<&[usize]>,
) -> Option<(usize, String)> {
    let values = string_values(col).ok()?;
    let at = |i: usize| {
        let text = values[i].clone()?;
        number_cell(&text).is_none().then_some((i, text))
    };
    match rows {
        Some(rows) => rows.iter().find_map(|&i| at(i)),
        None => (0..values.len()).find_map(at),
    }
}

/// A number written by a person or a spreadsheet: `12.5`, `-3e4`, `inf`, or
/// with thousands separators in groups of three (`1,234,567.89`). A first
/// group with a leading zero is no thousands (`0,125` is a decimal comma,
/// not 125).
pub fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    if let Ok(x) = t.parse::<f64>() {
        return Some(x);
    }
    let (sign, digits) = match t.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => (i, Some(f)),
        Some(_) => return None,
        None => (digits, None),
    };
    let groups: Vec<&str> = int.split(',').collect();
    let grouped = groups.len() > 1
        && (1..=3).contains(&groups[0].len())
        && !groups[0].starts_with('0')
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
    if !grouped {
        return None;
    }
    let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
    format!("{sign}{}{frac}", groups.concat()).parse().ok()
}

pub(super) fn column_data(
    col: &polars::prelude::Column,
    keep: &[usize],
    max_categories: usize,
    notes: &mut Vec<String>,
) -> Result<Option<ColumnData>, String> {
    let name = col.name().to_string();
    let series = col.as_materialized_series();
    let dtype = series.dtype().clone();
    if keep
        .iter()
        .all(|&i| series.get(i).map_or(true, |v| v.is_null()))
    {
        notes.push(format!("column `{name}` has no values and is left out"));
        return Ok(None);
    }
    if dtype.is_bool() {
        let ca = series.bool().map_err(|e| clean_polars_message(&e))?;
        let all: Vec<Option<bool>> = ca.iter().collect();
        return Ok(Some(ColumnData::Boolean(
            keep.iter().map(|&i| all[i]).collect(),
        )));
    }
    if let Some(all) = numeric_values_on(col, Some(keep))? {
        if matches!(dtype, DataType::String) {
            notes.push(numbers_as_text_note(&name, col));
        }
        return Ok(Some(ColumnData::Numeric(
            keep.iter().map(|&i| all[i]).collect(),
        )));
    }
    if matches!(dtype, DataType::String) || dtype.is_categorical() || dtype.is_enum() {
        let values = category_texts(col)?;
        return Ok(Some(categories(
            &name,
            &values,
            keep,
            max_categories,
            notes,
        )));
    }
    if dtype.is_temporal() {
        // Rules compare numbers and list categories; a date would be
        // neither without a choice the user should make (which unit, which
        // origin, which parts), and as text each date would be a category
        // a later date never matches. Left out, with what to do instead.
        notes.push(format!(
            "column `{name}` has type {dtype}, which rules cannot test, and is left out; to use it, add columns of numbers derived from it (month, weekday, hour, days since a fixed date)"
        ));
        return Ok(None);
    }
    // Lists, arrays, structs, binary: a rule tests one value per row. Left
    // out as a date is, so that the rest of the file still compiles.
    notes.push(format!(
        "column `{name}` has type {dtype}, which rules cannot test, and is left out; to use it, turn it into columns of numbers, booleans or text"
    ));
    Ok(None)
}

/// A column of categories from its values as text (`values`, every row of
/// the file), on the rows `keep`: past `max_categories` levels, the most
/// frequent stay known and the rest become unknown, with a note.
pub(super) fn categories(
    name: &str,
    values: &[Option<String>],
    keep: &[usize],
    max_categories: usize,
    notes: &mut Vec<String>,
) -> ColumnData {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for &i in keep {
        if let Some(v) = values[i].as_deref() {
            *counts.entry(v).or_insert(0) += 1;
        }
    }
    // Past the limit, the most frequent levels stay known and the rest
    // become unknown: rules never select them, the fallback answers them.
    let mut levels: Vec<String> = counts.keys().map(|k| k.to_string()).collect();
    if levels.len() > max_categories {
        let mut by_count: Vec<(&str, usize)> = counts.iter().map(|(k, v)| (*k, *v)).collect();
        by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        levels = by_count[..max_categories]
            .iter()
            .map(|(k, _)| k.to_string())
            .collect();
        levels.sort();
        notes.push(format!(
            "column `{name}` has {} distinct values; {} kept as categories and the others are unknown to the rules (no rule that tests the column answers them; a rule that does not test it still may); {}",
            counts.len(),
            crate::table::most_frequent_kept(max_categories),
            crate::table::more_categories_advice(max_categories)
        ));
    }
    let index: BTreeMap<&str, u32> = levels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i as u32))
        .collect();
    let codes = keep
        .iter()
        .map(|&i| {
            values[i].as_deref().map_or(MISSING_CODE, |v| {
                index.get(v).copied().unwrap_or(OTHER_CODE)
            })
        })
        .collect();
    ColumnData::Categorical { codes, levels }
}

/// Labels (a target's, a logged model's) with an empty text read as no
/// label, in a frame or a Parquet file as an empty cell of a CSV file is
/// (its reader gives it as missing): as a class, `""` would be decided,
/// and `rulec apply` writes it as the fallback's empty cell.
pub(crate) fn without_empty(labels: Vec<Option<String>>) -> Vec<Option<String>> {
    labels
        .into_iter()
        .map(|v| v.filter(|s| !s.is_empty()))
        .collect()
}
