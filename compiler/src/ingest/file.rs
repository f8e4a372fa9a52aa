//! A data file read into a polars frame, as every reader of rulec reads
//! it (ingest, `check`, `apply`, both engines of `validate`): the pre-pass
//! over delimited text (`csv_scan`), the CSV options (separator,
//! missing-value tokens, columns of categories read as written), the
//! `--max-rows` sample, pandas' names for unnamed columns, no rows for
//! blank lines; or Parquet, or Arrow IPC (Feather).

use std::fs::File;
use std::path::Path;

use polars::prelude::*;

use super::{IngestParams, FORMATS, NULL_TOKENS};
use crate::error::Error;
use crate::text_file::{extension_of, Compression, TextFormat};

/// Data rows in a file, without reading it whole.
pub(super) fn count_rows(path: &Path) -> Result<usize, Error> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "parquet" | "pq" => {
            let file = File::open(path).map_err(|e| Error::Io {
                path: path.to_path_buf(),
                err: e,
            })?;
            ParquetReader::new(file)
                .num_rows()
                .map_err(|e| Error::Data {
                    path: path.to_path_buf(),
                    message: clean_polars_message(&e),
                })
        }
        // Read whole, as read_frame reads it: the rows an IPC file holds
        // are in its record batches' headers, which polars does not count
        // apart.
        "feather" | "arrow" | "ipc" => {
            let file = File::open(path).map_err(|e| Error::Io {
                path: path.to_path_buf(),
                err: e,
            })?;
            let df = no_panic(path, || read_ipc(file))?.map_err(|e| Error::Data {
                path: path.to_path_buf(),
                message: clean_polars_message(&e),
            })?;
            Ok(df.height())
        }
        // Anything else is checked (and refused, if need be) by read_frame.
        _ => match TextFormat::of(path) {
            Some(format) => Ok(scan_text(path, format)?.records),
            None => Ok(0),
        },
    }
}

/// The pre-pass over a text data file, decompressed as it is read.
pub(crate) fn scan_text(
    path: &Path,
    format: TextFormat,
) -> Result<crate::csv_scan::CsvShape, Error> {
    let reader = format.open(path).map_err(|e| text_err(path, format, e))?;
    crate::csv_scan::scan_reader(path, reader, format.separator).map_err(|e| match e {
        Error::Io { err, .. } => text_err(path, format, err),
        e => e,
    })
}

/// Where data row `row` (0-based, as the readers number the rows they
/// keep: blank lines and lines of no value skipped, the header not
/// counted) starts in a delimited text file, plain or compressed: its line
/// in the file, the header's being 1 (a quoted line break makes a row two
/// lines). `None` for other formats, a file that cannot be read again, or
/// a row past its end. Messages that name a row ask for it, so it reads
/// the file once more, only then.
pub(crate) fn line_of_row(path: &Path, row: usize) -> Option<usize> {
    use crate::csv_records::{trim_line_end, Records};
    let format = TextFormat::of(path)?;
    if !matches!(
        format.compression,
        Compression::None | Compression::Gzip | Compression::Zstd
    ) {
        return None;
    }
    let mut records = Records::new(format.open(path).ok()?);
    let mut record = Vec::new();
    records.next_into(&mut record).ok()??;
    let separator = format
        .separator
        .unwrap_or_else(|| crate::csv_scan::pick_separator(trim_line_end(&record)));
    let mut kept = 0;
    while let Some(at) = records.next_into(&mut record).ok()? {
        let no_value = crate::csv_scan::split_fields(trim_line_end(&record), separator)
            .iter()
            .all(|f| f.trim().is_empty() || NULL_TOKENS.contains(&f.trim()));
        if no_value {
            continue;
        }
        if kept == row {
            return Some(at.line);
        }
        kept += 1;
    }
    None
}

/// An error reading a text data file; for a compressed one, it says the
/// data did not decompress (not gzip data, or cut short).
fn text_err(path: &Path, format: TextFormat, err: std::io::Error) -> Error {
    // Another format's file under this name (a Parquet file named
    // `.csv.gz`): named as what it is.
    // (A spreadsheet's reader and plain text's scan say so themselves.)
    let decoded = matches!(
        format.compression,
        Compression::Gzip | Compression::Zstd | Compression::Json
    );
    if let Some((what, rename)) = decoded.then(|| crate::csv_scan::misnamed(path)).flatten() {
        return Error::Data {
            path: path.to_path_buf(),
            message: format!(
                "cannot be read as its name says ({err}): it starts as {what} does; name it {rename} and rulec reads it as one"
            ),
        };
    }
    let what = match format.compression {
        Compression::None => {
            return Error::Io {
                path: path.to_path_buf(),
                err,
            }
        }
        Compression::Gzip => "gzip",
        Compression::Zstd => "zstd",
        Compression::Sheet => {
            return Error::Data {
                path: path.to_path_buf(),
                message: format!("cannot be read as a spreadsheet: {err}"),
            }
        }
        Compression::Json => {
            return Error::Data {
                path: path.to_path_buf(),
                message: format!("cannot be read as a JSON table: {err}"),
            }
        }
    };
    Error::Data {
        path: path.to_path_buf(),
        message: format!("cannot be decompressed as {what} data: {err}"),
    }
}

/// The file as a frame, and `(rows in the file, rows kept)` when it was
/// sampled down to `--max-rows`.
#[allow(clippy::type_complexity)]
pub(crate) fn read_frame(
    path: &Path,
    params: &IngestParams,
    max_rows: Option<usize>,
) -> Result<(DataFrame, Option<(usize, usize)>), Error> {
    let file_err = |e: std::io::Error| Error::Io {
        path: path.to_path_buf(),
        err: e,
    };
    let meta = data_file_meta(path)?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let polars_err = |e: PolarsError| Error::Data {
        path: path.to_path_buf(),
        message: clean_polars_message(&e),
    };
    if meta.len() == 0 {
        return Err(Error::Data {
            path: path.to_path_buf(),
            message: empty_file(path),
        });
    }
    if let Some(format) = TextFormat::of(path) {
        let shape = scan_text(path, format)?;
        if shape.records == 0 && !params.header_only {
            return Err(Error::Data {
                path: path.to_path_buf(),
                message: "has a header but no rows".into(),
            });
        }
        let nulls: Vec<PlSmallStr> = NULL_TOKENS.iter().map(|t| PlSmallStr::from(*t)).collect();
        let plain = format
            .is_plain(path)
            .map_err(|e| text_err(path, format, e))?;
        // polars infers a column's type from its first 10,000 rows; a later
        // value that does not fit (an integer past 64 bits, a decimal in a
        // column of integers, text in one of numbers) fails the read. The
        // column is then read as floats, or as text, and read again.
        let mut widened: Vec<(String, DataType)> = Vec::new();
        let read = loop {
            let mut fields: Vec<Field> = text_schema(text_columns(params), &shape.header)
                .map(|s| s.iter_fields().collect())
                .unwrap_or_default();
            fields.extend(
                widened
                    .iter()
                    .map(|(name, dtype)| Field::new(name.as_str().into(), dtype.clone())),
            );
            let schema = (!fields.is_empty()).then(|| Arc::new(Schema::from_iter(fields)));
            let nulls = nulls.clone();
            let options = CsvReadOptions::default()
                .with_has_header(true)
                .with_infer_schema_length(Some(10_000))
                .with_raise_if_empty(true)
                .with_schema_overwrite(schema)
                .map_parse_options(move |o| {
                    o.with_separator(shape.separator)
                        .with_null_values(Some(NullValues::AllColumns(nulls.clone())))
                });
            let read_bytes = |bytes: Vec<u8>| {
                no_panic(path, || {
                    CsvReader::new(std::io::Cursor::new(bytes))
                        .with_options(options.clone())
                        .finish()
                })?
                .map_err(polars_err)
            };
            let read = match max_rows.filter(|&m| shape.records > m) {
                Some(keep) => {
                    let text_err = |e| text_err(path, format, e);
                    let text = format.open(path).map_err(text_err)?;
                    let bytes = crate::sample_file::sample_csv_reader(
                        text,
                        shape.records,
                        keep,
                        params.seed,
                    )
                    .map_err(text_err)?;
                    read_bytes(bytes).map(|df| (df, Some((shape.records, keep))))
                }
                None if plain => {
                    let file = File::open(path).map_err(file_err)?;
                    no_panic(path, || {
                        CsvReader::new(file).with_options(options.clone()).finish()
                    })?
                    .map(|df| (df, None))
                    .map_err(polars_err)
                }
                // Compressed or whitespace-separated: polars reads the text
                // whole, as it reads a file.
                None => {
                    let text = format
                        .read_all(path)
                        .map_err(|e| text_err(path, format, e))?;
                    read_bytes(text).map(|df| (df, None))
                }
            };
            let wider = match &read {
                Err(Error::Data { message, .. }) => wider_type(message, &widened),
                _ => None,
            };
            match wider {
                Some(w) => {
                    widened.retain(|(c, _)| *c != w.0);
                    widened.push(w);
                }
                None => break read,
            }
        };
        return read.and_then(|(mut df, sampled)| {
            // The pre-pass's names: an empty one as pandas
            // names it (polars leaves it empty, or `_duplicated_0`).
            df.set_column_names(&shape.header).map_err(polars_err)?;
            Ok((without_empty_rows(df).map_err(polars_err)?, sampled))
        });
    }
    let file = File::open(path).map_err(file_err)?;
    let df = match ext.as_str() {
        "parquet" | "pq" => no_panic(path, || ParquetReader::new(file).finish())?,
        // Arrow IPC files: Feather (version 2, pandas' `to_feather`),
        // polars' `write_ipc`; and Arrow's stream format.
        "feather" | "arrow" | "ipc" => no_panic(path, || read_ipc(file))?,
        _ => {
            return Err(Error::Data {
                path: path.to_path_buf(),
                message: refused_extension(path),
            })
        }
    }
    .map_err(polars_err)?;
    match max_rows.filter(|&m| df.height() > m) {
        // Binary files are read whole, then sampled.
        Some(keep) => {
            let all = df.height();
            let df = df
                .sample_n_literal(keep, false, Some(false), Some(params.seed))
                .map_err(polars_err)?;
            Ok((df, Some((all, keep))))
        }
        None => Ok((df, None)),
    }
}

/// For polars' "could not parse `v` as dtype `i64` at column 'c'": the
/// column and the type to read it as instead, floats after integers and
/// text after floats; `None` for any other error, or a column already
/// read as text.
fn wider_type(message: &str, widened: &[(String, DataType)]) -> Option<(String, DataType)> {
    let rest = message.split("could not parse `").nth(1)?;
    let (_, rest) = rest.split_once("` as dtype `")?;
    let (dtype, rest) = rest.split_once("` at column '")?;
    let (column, _) = rest.split_once('\'')?;
    let wider = match dtype {
        "i64" | "i32" | "u64" | "u32" => DataType::Float64,
        _ => DataType::String,
    };
    match widened.iter().find(|(c, _)| c == column) {
        // Already text: nothing is wider.
        Some((_, DataType::String)) => None,
        // Already floats: text.
        Some(_) => Some((column.to_string(), DataType::String)),
        None => Some((column.to_string(), wider)),
    }
}

/// The metadata of a data file, refused when it is a directory or not a
/// regular file: rulec reads a data file more than once (to scan its
/// shape, to read it, to hash it), which a pipe or a device cannot give.
/// An Arrow IPC file, or an Arrow IPC stream (what `pyarrow.ipc.new_stream`
/// and Arrow's streaming writers write; no `ARROW1` magic at its start,
/// the bytes FF FF FF FF instead), as a frame.
fn read_ipc(mut file: std::fs::File) -> PolarsResult<DataFrame> {
    use std::io::{Read, Seek};
    let mut magic = [0u8; 6];
    let n = file.read(&mut magic)?;
    file.rewind()?;
    if n == 6 && &magic == b"ARROW1" {
        IpcReader::new(file).finish()
    } else if n >= 4 && magic[..4] == [0xFF; 4] {
        // A stream starts with a message's continuation marker.
        IpcStreamReader::new(file).finish()
    } else {
        polars_bail!(ComputeError: "is not Arrow IPC: neither a file (which starts with `ARROW1`) nor a stream (which starts with the bytes FF FF FF FF)")
    }
}

pub(crate) fn data_file_meta(path: &Path) -> Result<std::fs::Metadata, Error> {
    if path.as_os_str() == "-" && !path.exists() {
        return Err(Error::Data {
            path: path.to_path_buf(),
            message: "standard input is not read: rulec reads a data file more than once; write it to a file first".into(),
        });
    }
    let meta = std::fs::metadata(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        err: e,
    })?;
    let refuse = |message: &str| {
        Err(Error::Data {
            path: path.to_path_buf(),
            message: message.into(),
        })
    };
    if meta.is_dir() {
        return refuse("is a directory, expected a data file");
    }
    if !meta.is_file() {
        return refuse(
            "is not a regular file (a pipe, a process substitution or a device): rulec reads a data file more than once; write it to a file first",
        );
    }
    Ok(meta)
}

/// Why an empty file is refused: what a file of its kind should hold.
pub(crate) fn empty_file(path: &Path) -> String {
    use crate::text_file::Compression;
    let expected = match TextFormat::of(path).map(|f| f.compression) {
        Some(Compression::Json) => "JSON records (one object per line, or an array of them)",
        Some(Compression::Sheet) => "a spreadsheet whose first row names the columns",
        _ => "a header line and rows",
    };
    format!("is empty, expected {expected}")
}

/// Why a file whose extension names no format rulec reads is refused:
/// the formats it reads, and for compressed JSON or another tool's own
/// format, how to make it one of them.
pub(crate) fn refused_extension(path: &Path) -> String {
    let ext = extension_of(path);
    if ext.is_empty() {
        return format!("has no extension; rulec reads {FORMATS}");
    }
    // `json` for `data.json.gz` too.
    let kind = ext.split('.').next().unwrap_or_default();
    let how = match kind {
        // Compressed JSON: the plain file is read.
        "json" | "jsonl" | "ndjson" => "; decompress it first (`gunzip` or `zstd -d`): JSON is read as it is",
        "dta" | "sav" | "sas7bdat" | "xpt" => {
            "; write it as Parquet first, for example with pandas (`pd.read_stata`, `pd.read_spss`, `pd.read_sas`, then `.to_parquet(\"data.parquet\")`)"
        }
        "rds" | "rdata" | "rda" => {
            "; write it from R as CSV (`write.csv(df, \"data.csv\", row.names = FALSE)`) or Parquet (`arrow::write_parquet(df, \"data.parquet\")`)"
        }
        "pkl" | "pickle" => {
            "; write the frame as Parquet first: `pd.read_pickle(\"FILE\").to_parquet(\"data.parquet\")`"
        }
        _ => "",
    };
    // The name as a Python string's text.
    let file = path
        .file_name()
        .map(|n| {
            n.to_string_lossy()
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
        })
        .unwrap_or_default();
    format!(
        "has extension `.{ext}`; rulec reads {FORMATS}{}",
        how.replace("FILE", &file)
    )
}

/// `df` without the rows that have no value in any column. polars reads a
/// blank line of a text file as such a row (pandas skips it), so a file
/// ending in blank lines would count rows that are not there: `rulec
/// check` answered 900 of "903 rows" for a file of 900 and three blank
/// lines, and compile noted them as rows without a target. A line of
/// empty fields (`,,`) says nothing either, and goes too. The SQL engine
/// drops the same rows ([`crate::sql_engine`]).
fn without_empty_rows(df: DataFrame) -> PolarsResult<DataFrame> {
    let mut any = BooleanChunked::full(PlSmallStr::EMPTY, false, df.height());
    for column in df.columns() {
        any = &any | &column.is_not_null();
    }
    if any.all() {
        return Ok(df);
    }
    df.filter(&any)
}

/// The columns of `names` that a text file's `header` holds, to be read
/// as written, not inferred: codes are never numbers (`02134` keeps its
/// leading zero). `None` when there are none. Ingest and the SQL engine
/// both read through it.
pub(crate) fn text_schema<'a>(
    names: impl IntoIterator<Item = &'a str>,
    header: &[String],
) -> Option<SchemaRef> {
    let fields: Vec<Field> = names
        .into_iter()
        .filter(|name| header.iter().any(|h| h == name))
        .map(|name| Field::new(name.into(), DataType::String))
        .collect();
    (!fields.is_empty()).then(|| Arc::new(Schema::from_iter(fields)))
}

/// The columns of a text file read as text, not as numbers the reader
/// infers: those of categories, and the target and a logged teacher's
/// decisions, whose labels are named as written (`01` and `1` are two
/// codes; see `class_texts`).
fn text_columns(params: &IngestParams) -> impl Iterator<Item = &str> {
    params
        .categorical
        .iter()
        .map(String::as_str)
        .chain(
            [params.target.as_str()]
                .into_iter()
                .filter(|t| !t.is_empty()),
        )
        .chain(params.teacher_column.as_deref())
}

/// The names of `set`'s columns of categories: a file the rules read holds
/// them as text ([`text_schema`]).
pub(crate) fn category_columns(set: &rulec_runtime::RuleSet) -> impl Iterator<Item = &str> {
    set.features
        .iter()
        .filter(|f| matches!(f.kind, rulec_runtime::ir::FeatureKind::Categorical { .. }))
        .map(|f| f.name.as_str())
}

/// Runs a polars reader, turning a panic inside polars into an error: a
/// malformed file must fail with a message, not crash rulec. polars 0.55
/// panicked on some CSV files, for example when a lone `"` ends the file in
/// a numeric column (`a,b\n6,e"\n"`; the pre-pass now refuses that file
/// for its quote in the middle of a field), and does on some Arrow types.
/// The panic's own report (a backtrace on standard error) is held back
/// while the reader runs: the error says what went wrong. See: #7 (found
/// by fuzzing).
pub fn no_panic<T>(path: &Path, read: impl FnOnce() -> T) -> Result<T, Error> {
    static QUIET: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let caught = {
        let _one_at_a_time = QUIET.lock().unwrap_or_else(|e| e.into_inner());
        let report = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(read));
        std::panic::set_hook(report);
        caught
    };
    caught.map_err(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_string());
        Error::Data {
            path: path.to_path_buf(),
            message: format!("cannot be read: polars failed on it ({what})"),
        }
    })
}

/// Polars messages can span lines and carry hints meant for Python users;
/// keep the first line.
pub(super) fn clean_polars_message(e: &PolarsError) -> String {
    let text = e.to_string();
    text.lines()
        .next()
        .unwrap_or("unreadable")
        .trim()
        .to_string()
}
