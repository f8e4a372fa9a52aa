//! A fast pre-pass over a CSV file, before polars parses it.
//!
//! Polars reports malformed CSV in terms of its own schema machinery ("found
//! more fields than defined in 'Schema'") and silently renames duplicate
//! header names. This pass finds what a user needs to fix, with the line
//! number: bytes that are not UTF-8, a record with the wrong number of
//! fields, a quoted field that never closes, duplicate column names. It also
//! picks the separator (`,`, `;`, tab or `|`) from the header line, so files
//! written with European or tab conventions read without options.
//!
//! Records are split by `csv_records`, as the `--max-rows` sampler splits
//! them, so the records counted here are the records a sample draws from.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use crate::csv_records::{trim_line_end, Records};
use crate::error::Error;

/// What the pre-pass learned about a CSV file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvShape {
    /// Field separator.
    pub separator: u8,
    /// Column names, unquoted; a name left empty is `Unnamed: i` (`i` its
    /// position from 0), as pandas names it (see [`pandas_names`]).
    /// Readers give their frames these names.
    pub header: Vec<String>,
    /// Data records after the header, as `csv_records` splits them (blank
    /// lines skipped, quoted line breaks joined).
    pub records: usize,
}

const SEPARATORS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Scans the CSV file at `path`.
pub fn scan(path: &Path) -> Result<CsvShape, Error> {
    let file = File::open(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        err: e,
    })?;
    scan_reader(path, BufReader::with_capacity(1 << 20, file), None)
}

/// Scans CSV text read from `reader`; `path` names it in errors. The
/// separator is `separator` if given (a `.tsv` file's tab), else the one
/// that splits the header into the most fields.
pub fn scan_reader(
    path: &Path,
    reader: impl BufRead,
    separator: Option<u8>,
) -> Result<CsvShape, Error> {
    let err = |line: usize, message: String| Error::Data {
        path: path.to_path_buf(),
        message: format!("line {line}: {message}"),
    };
    let io = |e: std::io::Error| Error::Io {
        path: path.to_path_buf(),
        err: e,
    };
    let mut records = Records::new(reader);
    let mut record: Vec<u8> = Vec::new();
    let mut shape: Option<CsvShape> = None;
    while let Some(at) = records.next_into(&mut record).map_err(io)? {
        // Another format's file named as text: its first bytes say which
        // (and the bytes after them are no text: a header `PAR1,x` is one).
        if at.line == 1 {
            let binary = std::str::from_utf8(&record).map_or(true, |t| {
                t.chars()
                    .any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n'))
            });
            if let Some((format, rename)) = binary_format(&record).filter(|_| binary) {
                return Err(err(
                    1,
                    format!(
                        "is not text: it starts as {format} does; name it {rename} and rulec reads it as one"
                    ),
                ));
            }
        }
        if let Err(e) = std::str::from_utf8(&record) {
            // UTF-16, as Excel saves "Unicode Text": its byte order mark
            // says so, and every other byte of the header is a zero.
            if at.line == 1 && (record.starts_with(b"\xFF\xFE") || record.starts_with(b"\xFE\xFF"))
            {
                return Err(err(
                    1,
                    "is UTF-16 text (it starts with UTF-16's byte order mark, as Excel's \"Unicode Text\" is saved); rulec reads UTF-8: convert the file first (`iconv -f UTF-16 -t UTF-8 IN > OUT`)".to_string(),
                ));
            }
            // Named by its line, and its byte in that line.
            let bad = e.valid_up_to();
            let line_start = record[..bad]
                .iter()
                .rposition(|&c| c == b'\n')
                .map_or(0, |i| i + 1);
            let line = at.line + record[..bad].iter().filter(|&&c| c == b'\n').count();
            return Err(err(
                line,
                format!(
                    "byte {} is not UTF-8 text; rulec reads UTF-8: convert the file first (for a file saved on Windows in a Western European language, `iconv -f CP1252 -t UTF-8 IN > OUT`)",
                    bad - line_start + 1
                ),
            ));
        }
        let text = trim_line_end(&record);
        // A quote inside an unquoted field (`5" pipe`) opens a quoted part
        // for polars' splitter as for ours; pandas reads it as a character.
        // Where that part runs past the line, say so at the quote's line.
        // In the header too (`a"b`): its separator is the one it will get.
        let sep = shape.as_ref().map_or_else(
            || separator.unwrap_or_else(|| pick_separator(text)),
            |s| s.separator,
        );
        if !at.closed || text.contains(&b'\n') {
            if let Some((k, field)) = stray_quote(text, sep) {
                return Err(err(
                    at.line + k,
                    format!(
                        "the field `{field}` has a `\"` but does not start with one, and what follows it up to the next `\"` runs past the line: a field with quotes in it is quoted whole, its own quotes doubled (`\"{}\"`), as CSV writers do",
                        field.replace('"', "\"\"")
                    ),
                ));
            }
        }
        if !at.closed {
            return Err(err(at.line, "a quoted field is never closed".to_string()));
        }
        match &mut shape {
            None => {
                if let Some(m) = not_a_header(text) {
                    return Err(err(at.line, m));
                }
                let separator = separator.unwrap_or_else(|| pick_separator(text));
                let header = pandas_names(split_fields(text, separator));
                check_header(&header).map_err(|m| err(at.line, m))?;
                shape = Some(CsvShape {
                    separator,
                    header,
                    records: 0,
                });
            }
            Some(s) => {
                let fields = count_fields(text, s.separator);
                if fields != s.header.len() {
                    // Every row one value longer, from the first: row
                    // names with no name of their own in the header line.
                    let names = if fields == s.header.len() + 1 && s.records == 0 {
                        "; the rows start with a value the header line names no column for, as in a file written with row names (R's `write.table`): write it without them (`row.names = FALSE`) or name that column in the header line"
                    } else if s.records == 0
                        && (s.header.len() == 1 || s.header[0].starts_with('#'))
                    {
                        "; is the first line a title or a comment above the header? rulec reads the first line as the header: delete the lines above it"
                    } else {
                        ""
                    };
                    return Err(err(
                        at.line,
                        format!(
                            "has {fields} {}, but the header has {}; every row needs one value per column (empty for missing){names}",
                            if fields == 1 { "field" } else { "fields" },
                            s.header.len()
                        ),
                    ));
                }
                s.records += 1;
            }
        }
    }
    shape.ok_or_else(|| Error::Data {
        path: path.to_path_buf(),
        message: "is empty, expected a header line and rows".into(),
    })
}

/// Why the first line of a file is no header line, when it is plainly
/// something else: Excel's separator hint (`sep=;`), or lines that end
/// with a carriage return alone, which make the whole file one line.
fn not_a_header(line: &[u8]) -> Option<String> {
    if line.len() == 5 && line.starts_with(b"sep=") {
        return Some(format!(
            "`{}` is Excel's hint of the separator, not a header line: delete this first line (rulec finds the separator itself)",
            String::from_utf8_lossy(line)
        ));
    }
    // A carriage return outside quotes: one inside a quoted name is text.
    let mut quoted = false;
    let bare_cr = line.iter().any(|&c| {
        if c == b'"' {
            quoted = !quoted;
        }
        c == b'\r' && !quoted
    });
    bare_cr.then(|| {
        "the lines end with a carriage return alone (CR, as Excel for Mac's \"CSV (Macintosh)\" and classic Mac OS write them), so the file reads as one line; rulec reads lines that end with LF or CR LF: convert the file first (`tr '\\r' '\\n' < IN > OUT`)".to_string()
    })
}

/// The first field of `record` (a record of several lines, or one whose
/// quote never closes) with a `"` in its middle that opens a quoted part
/// still open at a line end: the line of that field within the record
/// (from 0) and the field's text ([`field_text`]).
/// `None` when every quoted part that spans a line break began at the
/// start of its field, as a quoted field with a line break in it does.
fn stray_quote(record: &[u8], separator: u8) -> Option<(usize, String)> {
    let mut in_quotes = false;
    let mut field_start = 0;
    // The start of the field whose quote, in its middle, opened the part.
    let mut opened_mid: Option<usize> = None;
    let mut line = 0;
    let mut i = 0;
    while i < record.len() {
        let c = record[i];
        if c == b'"' {
            if in_quotes && record.get(i + 1) == Some(&b'"') {
                i += 2; // a doubled quote inside quotes stays inside
                continue;
            }
            if !in_quotes {
                // Spaces before a field's opening quote (an aligned file
                // read with the wrong separator) leave it at the start.
                let before = &record[field_start..i];
                let mid = before.iter().any(|c| !matches!(c, b' ' | b'\t'));
                opened_mid = mid.then_some(field_start);
            }
            in_quotes = !in_quotes;
        } else if c == b'\n' {
            if let (true, Some(start)) = (in_quotes, opened_mid) {
                return Some((line, field_text(&record[start..], separator)));
            }
            line += 1;
            if !in_quotes {
                field_start = i + 1;
            }
        } else if c == separator && !in_quotes {
            field_start = i + 1;
        }
        i += 1;
    }
    match opened_mid {
        Some(start) if in_quotes => Some((line, field_text(&record[start..], separator))),
        _ => None,
    }
}

/// The unquoted field at the start of `text`, as pandas reads it (up to
/// the separator or the line end, quotes and all), at most 40 characters.
fn field_text(text: &[u8], separator: u8) -> String {
    let end = text
        .iter()
        .position(|&c| c == separator || c == b'\n' || c == b'\r')
        .unwrap_or(text.len());
    String::from_utf8_lossy(&text[..end])
        .chars()
        .take(40)
        .collect()
}

/// The separator that splits the header into the most fields, outside quotes.
pub(crate) fn pick_separator(header: &[u8]) -> u8 {
    let mut best = (b',', 0usize);
    for sep in SEPARATORS {
        let n = count_fields(header, sep) - 1;
        if n > best.1 {
            best = (sep, n);
        }
    }
    best.0
}

fn count_fields(text: &[u8], sep: u8) -> usize {
    let mut quoted = false;
    let mut n = 1;
    for &c in text {
        if c == b'"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            n += 1;
        }
    }
    n
}

pub(crate) fn split_fields(text: &[u8], sep: u8) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = Vec::new();
    let mut quoted = false;
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        if c == b'"' {
            if quoted && text.get(i + 1) == Some(&b'"') {
                field.push(b'"');
                i += 1;
            } else {
                quoted = !quoted;
            }
        } else if c == sep && !quoted {
            out.push(String::from_utf8_lossy(&field).into_owned());
            field.clear();
        } else {
            field.push(c);
        }
        i += 1;
    }
    out.push(String::from_utf8_lossy(&field).into_owned());
    out
}

/// `header` with each empty name `Unnamed: i` (`i` its position from 0),
/// as pandas' `read_csv` names it, unless the header already has that
/// name. A rule set compiled from the file then names the column as a
/// frame read by pandas does, two empty names are not one name twice, and
/// no column is named by an empty string (which SQL cannot quote: SQLite
/// reads `""` as a string). An unnamed first column is most often the
/// index pandas writes (`to_csv` without `index=False`), which ingest
/// recognises by its values and says so.
fn pandas_names(mut header: Vec<String>) -> Vec<String> {
    for i in 0..header.len() {
        if header[i].is_empty() {
            let name = format!("Unnamed: {i}");
            if !header.contains(&name) {
                header[i] = name;
            }
        }
    }
    header
}

fn check_header(header: &[String]) -> Result<(), String> {
    for (i, name) in header.iter().enumerate() {
        if let Some(j) = header[..i].iter().position(|n| n == name) {
            return Err(format!(
                "columns {} and {} are both named `{}`; column names must be unique",
                j + 1,
                i + 1,
                name
            ));
        }
    }
    Ok(())
}

/// The format the file at `path` is by its first bytes ([`binary_format`])
/// where its name says another: gzip data named `.gz` is as named.
pub(crate) fn misnamed(path: &Path) -> Option<(&'static str, &'static str)> {
    use std::io::Read;
    let mut head = [0u8; 8];
    let n = File::open(path).ok()?.read(&mut head).ok()?;
    let (format, rename) = binary_format(&head[..n])?;
    let name = path.to_string_lossy().to_ascii_lowercase();
    let as_named = (format.starts_with("gzip") && name.ends_with(".gz"))
        || (format.starts_with("zstd") && name.ends_with(".zst"));
    (!as_named).then_some((format, rename))
}

/// A format rulec reads, or one it can be saved as, whose file starts with
/// `head`, and the name that reads it: a Parquet file named `.csv`, say.
pub(crate) fn binary_format(head: &[u8]) -> Option<(&'static str, &'static str)> {
    const MAGIC: &[(&[u8], &str, &str)] = &[
        (b"PAR1", "a Parquet file (`PAR1`)", "`.parquet`"),
        (
            b"ARROW1",
            "an Arrow IPC file (`ARROW1`)",
            "`.arrow` or `.feather`",
        ),
        (b"FEA1", "a Feather (version 1) file (`FEA1`)", "`.feather`"),
        (
            b"PK\x03\x04",
            "a ZIP archive, as an `.xlsx` or `.ods` spreadsheet",
            "`.xlsx` (or `.ods`; an archive of CSV files: unpack it first)",
        ),
        (b"\xD0\xCF\x11\xE0", "an Excel 97–2003 workbook", "`.xls`"),
        (
            b"\x1F\x8B",
            "gzip-compressed data",
            "`.csv.gz` (`.tsv.gz` when tab-separated)",
        ),
        (
            b"\x28\xB5\x2F\xFD",
            "zstd-compressed data",
            "`.csv.zst` (`.tsv.zst` when tab-separated)",
        ),
    ];
    MAGIC
        .iter()
        .find(|(magic, _, _)| head.starts_with(magic))
        .map(|&(_, format, rename)| (format, rename))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &[u8]) -> Result<CsvShape, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, text).unwrap();
        scan(&path).map_err(|e| e.to_string().replace(&path.display().to_string(), "t.csv"))
    }

    #[test]
    fn reads_shapes() {
        let s = check(b"\xEF\xBB\xBFa;b;c\r\n1;2;3\r\n\r\n4;5;6\r\n").unwrap();
        assert_eq!(
            (s.separator, s.header.clone(), s.records),
            (b';', vec!["a".into(), "b".into(), "c".into()], 2)
        );
        let s = check(b"a,\"b,c\",d\n1,\"x\ny\",3\n").unwrap();
        assert_eq!(s.header, ["a", "b,c", "d"]);
        assert_eq!(s.records, 1);
        assert_eq!(check(b"a\tb\n1\t2\n").unwrap().separator, b'\t');
    }

    /// What a first line plainly is when it is no header: Excel's `sep=`
    /// hint, a file of CR line ends (one line), a title above the header.
    #[test]
    fn a_first_line_that_is_no_header_is_named() {
        let e = check(b"sep=;\na;b\n1;2\n").unwrap_err();
        assert!(
            e.starts_with(
                "t.csv: line 1: `sep=;` is Excel's hint of the separator, not a header line"
            ),
            "{e}"
        );
        let e = check(b"a,b,y\r1,2,x\r3,4,z\r").unwrap_err();
        assert!(
            e.starts_with("t.csv: line 1: the lines end with a carriage return alone (CR")
                && e.contains("tr '\\r' '\\n' < IN > OUT"),
            "{e}"
        );
        // A quote inside a name that is not quoted, named as in a row.
        let e = check(b"a\"b,y\n1,x\n2,z\n").unwrap_err();
        assert!(
            e.contains("the field `a\"b` has a `\"` but does not start with one"),
            "{e}"
        );
        // A carriage return in a quoted name is text.
        let s = check(b"\"x\rval\",y\r\n1,a\r\n").unwrap();
        assert_eq!(s.header, ["x\rval", "y"]);
        let e = check(b"# exported by SAP\na,b,y\n1,2,x\n").unwrap_err();
        assert!(
            e.contains("is the first line a title or a comment above the header?"),
            "{e}"
        );
        let e = check(b"Quarterly export\na,b,y\n1,2,x\n").unwrap_err();
        assert!(e.contains("a title or a comment"), "{e}");
        // A row of the wrong width further down says nothing of titles.
        let e = check(b"a,b,y\n1,2,x\n1,2\n").unwrap_err();
        assert!(!e.contains("title"), "{e}");
    }

    /// An empty name is pandas' `Unnamed: i`, the first too; a name the
    /// header already has is not given twice.
    #[test]
    fn empty_names_are_named_as_pandas_names_them() {
        assert_eq!(
            check(b"a,,y\n1,2,3\n").unwrap().header,
            ["a", "Unnamed: 1", "y"]
        );
        assert_eq!(
            check(b",a,,y\n0,1,2,3\n").unwrap().header,
            ["Unnamed: 0", "a", "Unnamed: 2", "y"]
        );
        assert_eq!(
            check(b"a,,Unnamed: 1\n1,2,3\n").unwrap().header,
            ["a", "", "Unnamed: 1"]
        );
        assert_eq!(
            check(b"a,,,y\n1,2,3,4\n").unwrap().header,
            ["a", "Unnamed: 1", "Unnamed: 2", "y"]
        );
    }

    #[test]
    fn names_the_line_of_each_problem() {
        assert_eq!(check(b"a,b\n1,2\n3,4,5\n").unwrap_err(), "t.csv: line 3: has 3 fields, but the header has 2; every row needs one value per column (empty for missing)");
        assert_eq!(
            check(b"a,b\n1,\"2\n").unwrap_err(),
            "t.csv: line 2: a quoted field is never closed"
        );
        let latin = check(b"a,b\n1,\xE9\n").unwrap_err();
        assert!(latin.starts_with("t.csv: line 2: byte 3 is not UTF-8 text"));
        // Another format's file named `.csv`: said, with the name that reads it.
        for (head, says) in [
            (
                &b"PAR1\x15\x04\x15\x80"[..],
                "starts as a Parquet file (`PAR1`) does; name it `.parquet`",
            ),
            (b"PK\x03\x04\x14\x00\x06\x00", "name it `.xlsx`"),
            (
                b"\x1F\x8B\x08\x00\x00\x00",
                "gzip-compressed data does; name it `.csv.gz`",
            ),
        ] {
            let e = check(head).unwrap_err();
            assert!(
                e.starts_with("t.csv: line 1: is not text: it starts as "),
                "{e}"
            );
            assert!(e.contains(says), "{e}");
        }
        // A header that happens to begin so is text.
        assert_eq!(check(b"PAR1,x\n1,2\n").unwrap().header, ["PAR1", "x"]);
        assert!(
            latin.contains("`iconv -f CP1252 -t UTF-8 IN > OUT`"),
            "{latin}"
        );
        // Excel's "Unicode Text": UTF-16 with its byte order mark, either
        // byte order.
        let utf16le: Vec<u8> = "\u{feff}a\tb\r\n1\t2\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let utf16be: Vec<u8> = "\u{feff}a,b\n1,2\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        for text in [utf16le, utf16be] {
            assert_eq!(
                check(&text).unwrap_err(),
                "t.csv: line 1: is UTF-16 text (it starts with UTF-16's byte order mark, as Excel's \"Unicode Text\" is saved); rulec reads UTF-8: convert the file first (`iconv -f UTF-16 -t UTF-8 IN > OUT`)"
            );
        }
        assert_eq!(
            check(b"x,y,x\n1,2,3\n").unwrap_err(),
            "t.csv: line 1: columns 1 and 3 are both named `x`; column names must be unique"
        );
        assert_eq!(
            check(b"").unwrap_err(),
            "t.csv: is empty, expected a header line and rows"
        );
    }

    /// A quote in the middle of an unquoted field is a character to pandas
    /// but opens a quoted part to polars: where that part runs past the
    /// line, the line and the field are named, and how to write it.
    #[test]
    fn a_quote_inside_an_unquoted_field_is_named_with_its_line() {
        let how = |field: &str, quoted: &str| {
            format!("the field `{field}` has a `\"` but does not start with one, and what follows it up to the next `\"` runs past the line: a field with quotes in it is quoted whole, its own quotes doubled (`\"{quoted}\"`), as CSV writers do")
        };
        // Two such quotes on two lines: one record for both splitters.
        assert_eq!(
            check(b"a,b,y\n1,x\"y,z\n2,5\" pipe,w\n").unwrap_err(),
            format!("t.csv: line 2: {}", how("x\"y", "x\"\"y"))
        );
        // One, never closed: the same words, not "never closed".
        assert_eq!(
            check(b"a,b,y\n0,p,q\n0,p,q\r\n1,5\" pipe,z\n2,u,w\n").unwrap_err(),
            format!("t.csv: line 4: {}", how("5\" pipe", "5\"\" pipe"))
        );
        // Quotes that pair up within the line read as they did.
        assert_eq!(check(b"a,b\n1,say \"hi\" now\n").unwrap().records, 1);
        // A quoted field with a line break and doubled quotes is no stray.
        assert_eq!(check(b"a,b\n1,\"x\"\"y\nz\"\n2,3\n").unwrap().records, 2);
        assert_eq!(
            check(b"a,b\n1,\"2\n").unwrap_err(),
            "t.csv: line 2: a quoted field is never closed"
        );
    }

    /// An unclosed quote early in a large file: each line used to recount
    /// the quotes of the whole record so far, which took minutes here.
    /// See: #7 (found while writing the fuzz targets: inputs of a few KB
    /// cannot show it).
    #[test]
    fn an_unclosed_quote_is_found_in_linear_time() {
        let mut text = b"a,b\n1,\"x\n".to_vec();
        for _ in 0..300_000 {
            text.extend_from_slice(b"y\n");
        }
        let start = std::time::Instant::now();
        assert_eq!(
            check(&text).unwrap_err(),
            "t.csv: line 2: a quoted field is never closed"
        );
        // Milliseconds when linear; the quadratic count took minutes.
        assert!(start.elapsed() < std::time::Duration::from_secs(10));
        // Quotes on later lines still close the field.
        let s = check(b"a,b\n1,\"x\ny\nz\"\n2,3\n").unwrap();
        assert_eq!(s.records, 2);
    }
}
