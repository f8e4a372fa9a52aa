//! Which delimited-text format a data file is in, by its extensions, and
//! its text as a stream: `data.csv` (or `data.txt`, `data.dat`,
//! `data.data`: the separator picked from the header line), `data.tsv` or
//! `data.tab` (tab separated), each also compressed with gzip
//! (`data.csv.gz`) or zstd (`data.tsv.zst`).
//!
//! Compressed files are decompressed as they are read, so the pre-pass
//! (`csv_scan`) and the `--max-rows` sampler (`sample_file`) stream them
//! like plain files, and report the same line numbers: they see the same
//! text.
//!
//! A file whose header line holds none of the separators (`,`, `;`, tab,
//! `|`) outside quotes but splits at spaces into two names or more is
//! *whitespace-separated*, as R's `write.table`, StatLib and many `.dat`
//! files write them, often aligned in columns: every run of spaces and
//! tabs outside quotes separates two fields, and spaces at the start and
//! the end of a line separate nothing. Such text is read through
//! [`Whitespace`], which writes each run as one tab, line for line, so
//! every reader sees tab-separated text with the file's line numbers.
//! When the first row has one field more than the header line (R's
//! `write.table` writes row names without naming them), the header gets
//! an empty first name, which ingest treats as pandas' unnamed index.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

/// A delimited-text data file's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextFormat {
    /// The separator the format fixes (tab for `.tsv` and `.tab`); `None`:
    /// the pre-pass picks it from the header (`.csv`, `.txt`, `.dat`,
    /// `.data`).
    pub separator: Option<u8>,
    /// How the file is compressed.
    pub compression: Compression,
}

/// How a text data file is compressed, or what holds its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Not compressed.
    None,
    /// gzip (`.gz`), one member or several in a row.
    Gzip,
    /// zstd (`.zst`), one frame or several in a row.
    Zstd,
    /// A spreadsheet (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`): its first
    /// sheet, written as CSV text ([`sheet_as_csv`]).
    Sheet,
    /// JSON (`.json`, `.jsonl`, `.ndjson`): the table it holds, written as
    /// CSV text ([`crate::json_rows::json_as_csv`]).
    Json,
}

impl TextFormat {
    /// The text format of `path`, from its extensions (case ignored), or
    /// `None` when it is not a delimited-text file.
    pub fn of(path: &Path) -> Option<TextFormat> {
        // The name lossily: a name that is not UTF-8 still has an
        // extension (`lat\u{fffd}.csv` is a CSV file).
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        match Path::new(&name).extension()?.to_str()? {
            "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => {
                return Some(TextFormat {
                    separator: Some(b','),
                    compression: Compression::Sheet,
                })
            }
            "json" | "jsonl" | "ndjson" => {
                return Some(TextFormat {
                    separator: Some(b','),
                    compression: Compression::Json,
                })
            }
            _ => {}
        }
        let (rest, compression) = if let Some(rest) = name.strip_suffix(".gz") {
            (rest, Compression::Gzip)
        } else if let Some(rest) = name.strip_suffix(".zst") {
            (rest, Compression::Zstd)
        } else {
            (name.as_str(), Compression::None)
        };
        let separator = match Path::new(rest).extension()?.to_str()? {
            // Plain text files of rows are as often comma-, semicolon- or
            // tab-separated as not: the header line says which.
            "csv" | "txt" | "dat" | "data" => None,
            "tsv" | "tab" => Some(b'\t'),
            _ => return None,
        };
        Some(TextFormat {
            separator,
            compression,
        })
    }

    /// The text of the file at `path`, decompressed as it is read, and
    /// with runs of whitespace as tabs when it is whitespace-separated
    /// (see the module docs).
    pub fn open(&self, path: &Path) -> io::Result<Box<dyn BufRead>> {
        let mut text = self.decompressed(path)?;
        let (start, spaces) = match self.separator {
            Some(_) => (Vec::new(), None),
            None => sniff(&mut text)?,
        };
        let text = io::Cursor::new(start).chain(text);
        Ok(match spaces {
            Some(row_names) => Box::new(Whitespace::new(text, row_names)),
            None => Box::new(text),
        })
    }

    /// Whether the text [`TextFormat::open`] gives is the file's bytes as
    /// they are (not compressed, not whitespace-separated), which a reader
    /// may then read from the file itself.
    pub fn is_plain(&self, path: &Path) -> io::Result<bool> {
        if self.compression != Compression::None || self.separator.is_some() {
            return Ok(self.compression == Compression::None);
        }
        Ok(sniff(&mut BufReader::new(File::open(path)?))?.1.is_none())
    }

    fn decompressed(&self, path: &Path) -> io::Result<Box<dyn BufRead>> {
        const CAPACITY: usize = 1 << 20;
        let file = File::open(path)?;
        Ok(match self.compression {
            Compression::None => Box::new(BufReader::with_capacity(CAPACITY, file)),
            Compression::Gzip => Box::new(BufReader::with_capacity(
                CAPACITY,
                flate2::read::MultiGzDecoder::new(BufReader::new(file)),
            )),
            Compression::Zstd => Box::new(BufReader::with_capacity(
                CAPACITY,
                zstd::stream::read::Decoder::new(file)?,
            )),
            Compression::Sheet => {
                let mut bytes = Vec::new();
                BufReader::new(file).read_to_end(&mut bytes)?;
                Box::new(io::Cursor::new(sheet_as_csv(io::Cursor::new(bytes))?))
            }
            Compression::Json => {
                let mut bytes = Vec::new();
                BufReader::new(file).read_to_end(&mut bytes)?;
                Box::new(io::Cursor::new(crate::json_rows::json_as_csv(&bytes)?))
            }
        })
    }

    /// The whole text of the file at `path`, decompressed.
    pub fn read_all(&self, path: &Path) -> io::Result<Vec<u8>> {
        let mut text = Vec::new();
        self.open(path)?.read_to_end(&mut text)?;
        Ok(text)
    }
}

/// The first sheet of a spreadsheet as CSV text: its first row the
/// header, each cell as its text (a whole number without `.0`, a date as
/// `2024-03-15` or `2024-03-15T08:30:00`, an error such as `#DIV/0!` as a
/// missing value), quoted where it needs to be. Errors are the
/// spreadsheet reader's, as I/O errors of the file.
pub fn sheet_as_csv<R: io::Read + io::Seek + Clone>(file: R) -> io::Result<Vec<u8>> {
    use calamine::{Data, Reader};
    let bad = |e: calamine::Error| io::Error::other(e.to_string());
    let mut file = file;
    let mut head = [0u8; 512];
    let n = file.read(&mut head).unwrap_or(0);
    file.seek(io::SeekFrom::Start(0))?;
    let mut book = calamine::open_workbook_auto_from_rs(file)
        .map_err(|e| not_a_workbook(&head[..n]).unwrap_or_else(|| bad(e)))?;
    let range = match book.worksheet_range_at(0) {
        Some(range) => range.map_err(bad)?,
        None => return Err(io::Error::other("has no sheet")),
    };
    let mut out = Vec::new();
    for row in range.rows() {
        for (j, cell) in row.iter().enumerate() {
            if j > 0 {
                out.push(b',');
            }
            let text = match cell {
                Data::Empty | Data::Error(_) => String::new(),
                Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
                Data::Int(i) => i.to_string(),
                Data::Float(x) if x.fract() == 0.0 && x.abs() < 1e15 => (*x as i64).to_string(),
                Data::Float(x) => x.to_string(),
                Data::Bool(b) => b.to_string(),
                Data::DateTime(d) => {
                    let (y, mo, da, h, mi, se, _) = d.to_ymd_hms_milli();
                    if (h, mi, se) == (0, 0, 0) {
                        format!("{y:04}-{mo:02}-{da:02}")
                    } else {
                        format!("{y:04}-{mo:02}-{da:02}T{h:02}:{mi:02}:{se:02}")
                    }
                }
            };
            push_csv_field(&mut out, &text);
        }
        out.push(b'\n');
    }
    Ok(out)
}

/// What a file named as a spreadsheet holds when it is none, from its
/// first bytes `head`: HTML (web applications export a table as HTML
/// named `.xls`), or text (a tab- or comma-separated `.xls`).
fn not_a_workbook(head: &[u8]) -> Option<io::Error> {
    // Another format rulec reads (a spreadsheet's own are what failed).
    if let Some((format, rename)) = crate::csv_scan::binary_format(head)
        .filter(|(f, _)| !f.contains("ZIP") && !f.contains("Excel"))
    {
        return Some(io::Error::other(format!(
            "it starts as {format} does: name it {rename} and rulec reads it as one"
        )));
    }
    let text = std::str::from_utf8(head)
        .or_else(|e| std::str::from_utf8(&head[..e.valid_up_to()]))
        .ok()?;
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.is_empty() {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    if lower.starts_with('<')
        && ["<html", "<table", "<!doctype", "<?xml"]
            .iter()
            .any(|t| lower.contains(t))
    {
        return Some(io::Error::other(
            "it is a web page (HTML), as web applications export a table named .xls: open it in a spreadsheet and save it as .xlsx, or as CSV",
        ));
    }
    let first = text.lines().next().unwrap_or_default();
    if first.contains('\t') || first.contains(',') || first.contains(';') {
        return Some(io::Error::other(
            "it is text with separators: rename it .csv (or .tsv when tab-separated) and rulec reads it as text",
        ));
    }
    None
}

/// The names of a spreadsheet's sheets, in the workbook's order; the first
/// is the one read ([`sheet_as_csv`]).
pub fn sheet_names(path: &Path) -> io::Result<Vec<String>> {
    use calamine::Reader;
    let book = calamine::open_workbook_auto(path).map_err(|e| io::Error::other(e.to_string()))?;
    Ok(book.sheet_names())
}

/// Appends `text` to `out` as one CSV field: quoted, its quotes doubled,
/// when it holds a comma, a quote or a line break. Spreadsheets and JSON
/// tables are written as CSV text through it.
pub(crate) fn push_csv_field(out: &mut Vec<u8>, text: &str) {
    if text.contains([',', '"', '\n', '\r']) {
        out.push(b'"');
        out.extend_from_slice(text.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(text.as_bytes());
    }
}

/// Reads the header line and the first line after it that is not blank
/// from `text`, and says whether the text is whitespace-separated: the
/// header has no `,`, `;`, tab or `|` outside quotes, and both lines split
/// at runs of spaces (and tabs, in the row) into two fields or more. A
/// one-column file whose name has a space stays one column. Returns the
/// bytes read, to be read again, and for whitespace-separated text whether
/// its rows start with row names the header does not name (one field
/// more than the header, as R's `write.table` writes).
fn sniff(text: &mut impl BufRead) -> io::Result<(Vec<u8>, Option<bool>)> {
    let mut start = Vec::new();
    text.read_until(b'\n', &mut start)?;
    let header = start.len();
    loop {
        let from = start.len();
        if text.read_until(b'\n', &mut start)? == 0 {
            return Ok((start, None));
        }
        let line = &start[from..];
        if line
            .iter()
            .any(|&c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
        {
            let names = space_fields(&start[..header], false);
            let values = space_fields(line, true);
            let spaces = (names >= 2 && values >= 2).then_some(values == names + 1);
            return Ok((start, spaces));
        }
    }
}

/// How many fields `line` splits into at runs of spaces (and tabs, when
/// `row`) outside quotes; 0 for a header line (not `row`) that holds a
/// `,`, `;`, tab or `|` outside quotes.
fn space_fields(line: &[u8], row: bool) -> usize {
    let mut quoted = false;
    let mut fields = 0;
    let mut in_field = false;
    for &c in line {
        match c {
            b'"' => {
                quoted = !quoted;
                if !in_field {
                    in_field = true;
                    fields += 1;
                }
            }
            _ if quoted => {}
            b'\t' if row => in_field = false,
            b',' | b';' | b'\t' | b'|' if !row => return 0,
            b' ' | b'\r' | b'\n' => in_field = false,
            _ if !in_field => {
                in_field = true;
                fields += 1;
            }
            _ => {}
        }
    }
    fields
}

/// Whitespace-separated text as tab-separated text, line for line: each
/// run of spaces and tabs outside quotes between two fields becomes one
/// tab, and a run at the start or the end of a line goes. A quoted field
/// keeps its spaces, also over a line break. With `row_names`, the header
/// line starts with an empty name, for the row names that start every row
/// (ingest leaves such a column out, with a note).
struct Whitespace<R> {
    inner: R,
    line: Vec<u8>,
    out: Vec<u8>,
    at: usize,
    /// A quote opened on an earlier line is still open.
    quoted: bool,
    /// The header line, still to be read, needs an empty first name.
    row_names: bool,
}

impl<R: BufRead> Whitespace<R> {
    fn new(inner: R, row_names: bool) -> Self {
        Whitespace {
            inner,
            line: Vec::new(),
            out: Vec::new(),
            at: 0,
            quoted: false,
            row_names,
        }
    }

    /// Reads and rewrites the next line into `out`; false at the end.
    fn next_line(&mut self) -> io::Result<bool> {
        self.line.clear();
        self.out.clear();
        self.at = 0;
        if self.inner.read_until(b'\n', &mut self.line)? == 0 {
            return Ok(false);
        }
        let body_end = self
            .line
            .iter()
            .rposition(|&c| c != b'\n' && c != b'\r')
            .map_or(0, |i| i + 1);
        let (mut body, end) = self.line.split_at(body_end);
        if std::mem::take(&mut self.row_names) {
            // After a byte order mark, which must stay first.
            if let Some(rest) = body.strip_prefix(crate::csv_records::BOM) {
                self.out.extend_from_slice(crate::csv_records::BOM);
                body = rest;
            }
            self.out.push(b'\t');
        }
        // Starts a field at the start of the line unless a quote runs on.
        let mut gap = !self.quoted;
        let mut started = self.quoted;
        for &c in body {
            if !self.quoted && (c == b' ' || c == b'\t') {
                gap = true;
                continue;
            }
            if gap && started {
                self.out.push(b'\t');
            }
            gap = false;
            started = true;
            if c == b'"' {
                self.quoted = !self.quoted;
            }
            self.out.push(c);
        }
        self.out.extend_from_slice(end);
        Ok(true)
    }
}

impl<R: BufRead> Read for Whitespace<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Whitespace<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.at == self.out.len() {
            if !self.next_line()? {
                break;
            }
        }
        Ok(&self.out[self.at..])
    }

    fn consume(&mut self, amount: usize) {
        self.at = (self.at + amount).min(self.out.len());
    }
}

/// The extension a message names for `path`, lowercase, without the
/// first dot: the last one (`txt`), or the last two when the last is a
/// compression's (`txt.gz`); empty when there is none.
pub fn extension_of(path: &Path) -> String {
    let ext = |p: &Path| {
        p.extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default()
    };
    let last = ext(path);
    if last == "gz" || last == "zst" {
        let inner = path
            .file_stem()
            .map(|s| ext(Path::new(s)))
            .unwrap_or_default();
        if !inner.is_empty() {
            return format!("{inner}.{last}");
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_extension() {
        let of = |name: &str| TextFormat::of(Path::new(name));
        let csv = |separator, compression| {
            Some(TextFormat {
                separator,
                compression,
            })
        };
        assert_eq!(of("d.csv"), csv(None, Compression::None));
        assert_eq!(of("dir/D.CSV.GZ"), csv(None, Compression::Gzip));
        assert_eq!(of("d.tsv"), csv(Some(b'\t'), Compression::None));
        assert_eq!(of("d.2024.tab.zst"), csv(Some(b'\t'), Compression::Zstd));
        assert_eq!(of("d.gz"), None);
        assert_eq!(of("d.txt.gz"), csv(None, Compression::Gzip));
        assert_eq!(of("d.DAT"), csv(None, Compression::None));
        assert_eq!(of("adult.data.zst"), csv(None, Compression::Zstd));
        assert_eq!(of("d.XLSX"), csv(Some(b','), Compression::Sheet));
        assert_eq!(of("d.ods"), csv(Some(b','), Compression::Sheet));
        assert_eq!(of("d.JSON"), csv(Some(b','), Compression::Json));
        assert_eq!(of("d.jsonl"), csv(Some(b','), Compression::Json));
        assert_eq!(of("d.ndjson"), csv(Some(b','), Compression::Json));
        assert_eq!(of("d.json.gz"), None);
        assert_eq!(of("d.sav"), None);
        assert_eq!(of("d.json.gz"), None);
        assert_eq!(of("d.parquet"), None);
        assert_eq!(of("csv"), None);
        assert_eq!(extension_of(Path::new("d.TXT.gz")), "txt.gz");
        assert_eq!(extension_of(Path::new("d.2024.txt")), "txt");
        assert_eq!(extension_of(Path::new("d.gz")), "gz");
        assert_eq!(extension_of(Path::new(".hidden")), "");
        assert_eq!(extension_of(Path::new("d")), "");
    }

    #[test]
    fn runs_of_spaces_become_one_tab_and_quotes_keep_theirs() {
        let rewrite = |text: &str, row_names: bool| {
            let mut out = String::new();
            Whitespace::new(io::Cursor::new(text.as_bytes()), row_names)
                .read_to_string(&mut out)
                .unwrap();
            out
        };
        assert_eq!(
            rewrite("  a   \"b c\"\t d \r\n 1 \"x\n  y\"  2\n\n   \n", false),
            "a\t\"b c\"\td\r\n1\t\"x\n  y\"\t2\n\n\n"
        );
        assert_eq!(
            rewrite("\u{feff}a b\nr 1 2\n", true),
            "\u{feff}\ta\tb\nr\t1\t2\n"
        );
    }

    mod prop {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// Any bytes at all: no panic, and the same lines (a reader's
            /// line numbers stay the file's).
            #[test]
            fn whitespace_rewriting_keeps_every_line(
                text in proptest::collection::vec(
                    prop_oneof![Just(b' '), Just(b'\t'), Just(b'\n'), Just(b'"'), Just(b'\r'), any::<u8>()],
                    0..300,
                ),
                row_names in any::<bool>(),
            ) {
                let mut out = Vec::new();
                Whitespace::new(io::Cursor::new(&text), row_names).read_to_end(&mut out).unwrap();
                let lines = |b: &[u8]| b.iter().filter(|&&c| c == b'\n').count();
                prop_assert_eq!(lines(&out), lines(&text));
            }
        }
    }
}
