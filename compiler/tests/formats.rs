//! Compressed, tab-separated and otherwise named text files read like CSV:
//! `data.csv.gz`, `data.csv.zst`, `data.tsv`, `data.tab`, `data.txt`,
//! `data.dat`, `data.data`, also separated by runs of spaces, with the
//! pre-pass's messages and line numbers, and `--max-rows` sampling; and
//! Arrow IPC (`data.feather`), spreadsheets (`data.xlsx`) and JSON tables
//! (`data.jsonl`, `data.json`) as the CSV they hold. See: #19.

use std::io::Write;
use std::path::{Path, PathBuf};

use rulec::ingest::{read, IngestParams};
use rulec::table::Table;

fn params(target: &str, max_rows: Option<usize>) -> IngestParams {
    IngestParams {
        max_rows,
        seed: 3,
        ..IngestParams::every_row(target)
    }
}

fn gzip(text: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(text).unwrap();
    enc.finish().unwrap()
}

fn zstd(text: &[u8]) -> Vec<u8> {
    zstd::stream::encode_all(text, 3).unwrap()
}

/// `text` written as `name` in `dir`, compressed as the name says.
fn write(dir: &Path, name: &str, text: &[u8]) -> PathBuf {
    let path = dir.join(name);
    let lower = name.to_ascii_lowercase();
    let bytes = if lower.ends_with(".gz") {
        gzip(text)
    } else if lower.ends_with(".zst") {
        zstd(text)
    } else {
        text.to_vec()
    };
    std::fs::write(&path, bytes).unwrap();
    path
}

/// What two reads must agree on (notes name their file).
fn same(a: &Table, b: &Table) {
    assert_eq!(a.columns(), b.columns());
    assert_eq!(a.classes(), b.classes());
    assert_eq!(a.labels(), b.labels());
    assert_eq!(a.notes().len(), b.notes().len());
}

/// Rows with quoted line breaks, a blank line, CRLF line ends.
fn rows(n: usize) -> String {
    let mut text = String::from("x,\"note, long\",y\r\n");
    for i in 0..n {
        if i == n / 2 {
            text.push_str("\r\n");
        }
        let y = if i % 3 == 0 { "a" } else { "b" };
        text.push_str(&format!("{i},\"l{i}\nsecond\",{y}\r\n"));
    }
    text
}

#[test]
fn compressed_csv_reads_as_the_plain_file() {
    let dir = tempfile::tempdir().unwrap();
    let text = rows(300);
    let plain = write(dir.path(), "d.csv", text.as_bytes());
    let want = read(&plain, &params("y", None)).unwrap();
    assert_eq!(want.labels().len(), 300);
    for name in ["d.csv.gz", "d.CSV.GZ", "d.csv.zst"] {
        let path = write(dir.path(), name, text.as_bytes());
        same(&read(&path, &params("y", None)).unwrap(), &want);
    }
}

#[test]
fn max_rows_samples_a_compressed_file_as_the_plain_one() {
    let dir = tempfile::tempdir().unwrap();
    let text = rows(300);
    let plain = write(dir.path(), "d.csv", text.as_bytes());
    let want = read(&plain, &params("y", Some(40))).unwrap();
    assert_eq!(want.labels().len(), 40);
    assert!(want.notes()[0].contains("has 300 rows, more than --max-rows 40"));
    for name in ["d.csv.gz", "d.csv.zst"] {
        let path = write(dir.path(), name, text.as_bytes());
        let got = read(&path, &params("y", Some(40))).unwrap();
        same(&got, &want);
        assert!(got.notes()[0].contains(name), "{}", got.notes()[0]);
    }
}

#[test]
fn compressed_csv_errors_name_the_same_lines() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[u8], &str); 3] = [
        (
            b"a,y\n1,x\n2,x,3\n",
            "line 3: has 3 fields, but the header has 2",
        ),
        (
            b"a,y\n1,x\n\"2,y\n3,x\n",
            "line 3: a quoted field is never closed",
        ),
        (b"a,y\n1,x\n2,\xE9\n", "line 3: byte 3 is not UTF-8 text"),
    ];
    for (text, want) in cases {
        for name in ["t.csv", "t.csv.gz", "t.csv.zst"] {
            let path = write(dir.path(), name, text);
            let err = read(&path, &params("y", None)).unwrap_err().to_string();
            assert!(err.contains(name) && err.contains(want), "{name}: {err}");
        }
    }
}

#[test]
fn tab_separated_files_split_on_tabs_only() {
    let dir = tempfile::tempdir().unwrap();
    // As many commas as tabs in the header: `.csv` would pick the comma.
    let mut text = String::from("x, in m\tnote, free\ty\n");
    for i in 0..60 {
        let y = if i % 2 == 0 { "a" } else { "b" };
        text.push_str(&format!("{i}\tn{i}, {i}\t{y}\n"));
    }
    for name in ["d.tsv", "d.TAB", "d.tsv.gz", "d.tab.zst"] {
        let path = write(dir.path(), name, text.as_bytes());
        let table = read(&path, &params("y", None)).unwrap();
        let names: Vec<&str> = table.columns().iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["x, in m", "note, free"], "{name}");
        assert_eq!(table.labels().len(), 60);
    }
    // A row with a comma too many is fine; one tab too many is not.
    let path = write(dir.path(), "bad.tsv", b"a\ty\n1\tx\n2\tx\t3\n");
    let err = read(&path, &params("y", None)).unwrap_err().to_string();
    assert!(
        err.contains("line 3: has 3 fields, but the header has 2"),
        "{err}"
    );
}

#[test]
fn text_files_by_other_names_read_as_csv_with_the_separator_from_the_header() {
    // `.txt`, `.dat` and `.data` files are read as a `.csv` file is: the
    // header line picks the separator, here a semicolon.
    let dir = tempfile::tempdir().unwrap();
    let text = rows(300).replace(',', ";");
    let want = read(
        &write(dir.path(), "d.csv", text.as_bytes()),
        &params("y", None),
    )
    .unwrap();
    let names: Vec<&str> = want.columns().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["x", "note; long"]);
    for name in [
        "d.txt",
        "d.TXT",
        "d.dat",
        "adult.data",
        "d.txt.gz",
        "d.data.zst",
    ] {
        let path = write(dir.path(), name, text.as_bytes());
        same(&read(&path, &params("y", None)).unwrap(), &want);
    }
    // Their errors name lines as a `.csv` file's do.
    let path = write(dir.path(), "bad.dat", b"a;y\n1;x\n2;x;3\n");
    let err = read(&path, &params("y", None)).unwrap_err().to_string();
    assert!(
        err.contains("line 3: has 3 fields, but the header has 2"),
        "{err}"
    );
}

/// `rows(n)` written as an R user's `write.table` or an aligned `.dat`
/// file writes it: names and values between runs of spaces (and a tab),
/// the text quoted, lines indented and padded.
fn aligned(n: usize) -> String {
    let mut text = String::from("   x   \"note, long\"  y  \r\n");
    for i in 0..n {
        if i == n / 2 {
            text.push_str("    \r\n");
        }
        let y = if i % 3 == 0 { "a" } else { "b" };
        text.push_str(&format!("{i:>4} \t \"l{i}\nsecond\"   {y}  \r\n"));
    }
    text
}

#[test]
fn whitespace_separated_text_reads_as_the_csv_file() {
    // A header with no `,` `;` tab or `|` outside quotes, and names
    // between spaces: every run of spaces or tabs separates two fields.
    let dir = tempfile::tempdir().unwrap();
    let text = aligned(300);
    for max_rows in [None, Some(40)] {
        let want = read(
            &write(dir.path(), "d.csv", rows(300).as_bytes()),
            &params("y", max_rows),
        )
        .unwrap();
        for name in ["d.dat", "d.txt", "d.txt.gz", "d.data.zst", "d.csv"] {
            let path = write(dir.path(), name, text.as_bytes());
            let got = read(&path, &params("y", max_rows)).unwrap();
            same(&got, &want);
        }
    }
    // A tab-separated file by its name splits on tabs only.
    let path = write(dir.path(), "d.tsv", text.as_bytes());
    let err = read(&path, &params("y", None)).unwrap_err().to_string();
    assert!(
        err.contains("line 2: has 2 fields, but the header has 1"),
        "{err}"
    );
    // Errors name the file's own lines; a row with a value too many says so.
    let path = write(dir.path(), "bad.dat", b"a  y\n1  x\n\n  2 x  3\n");
    let err = read(&path, &params("y", None)).unwrap_err().to_string();
    assert!(
        err.contains("line 4: has 3 fields, but the header has 2"),
        "{err}"
    );
    // A one-column file whose name has a space is one column.
    let path = write(dir.path(), "one.dat", b"the y\nx\nz\n");
    let err = read(&path, &params("the y", None)).unwrap_err().to_string();
    assert!(
        err.contains("has no feature columns besides the target"),
        "{err}"
    );
}

#[test]
fn row_names_without_a_name_in_the_header_line() {
    // R's `write.table(df, "d.txt")`: whitespace-separated, and every row
    // starts with a row name the header line does not name. It reads as
    // if the header named it with an empty name: numbered rows are left
    // out with a note, as pandas' index is.
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("\u{feff}\"x\" \"y\"\n");
    for i in 0..300 {
        let y = if i % 3 == 0 { "a" } else { "b" };
        text.push_str(&format!("\"{}\" {i} \"{y}\"\n", i + 1));
    }
    let path = write(dir.path(), "d.txt", text.as_bytes());
    let table = read(&path, &params("y", None)).unwrap();
    let names: Vec<&str> = table.columns().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["x"]);
    assert_eq!(table.labels().len(), 300);
    assert!(
        table.notes()[0].contains("the first column has no name (`Unnamed: 0`, as pandas names it) and holds a different whole number in every row (1 to 300)"),
        "{:?}",
        table.notes()
    );
    // In a CSV file the same shape is refused, and said to be row names.
    let path = write(dir.path(), "d.csv", b"a,y\n1,1,x\n2,2,z\n");
    let err = read(&path, &params("y", None)).unwrap_err().to_string();
    assert!(
        err.contains("line 2: has 3 fields, but the header has 2; every row needs one value per column (empty for missing); the rows start with a value the header line names no column for, as in a file written with row names (R's `write.table`): write it without them (`row.names = FALSE`) or name that column in the header line"),
        "{err}"
    );
    // Not said of a later row with a value too many.
    let path = write(dir.path(), "d.csv", b"a,y\n1,x\n2,x,3\n");
    let err = read(&path, &params("y", None)).unwrap_err().to_string();
    assert!(!err.contains("row names"), "{err}");
}

#[test]
fn arrow_ipc_files_read_as_the_csv_file() {
    // Feather (pandas' `to_feather`) and polars' `write_ipc` are Arrow
    // IPC files: the same columns, types and rows as the CSV they hold.
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("x,zone,flag,y\n");
    for i in 0..300 {
        let zone = ["north", "south", ""][i % 3];
        let y = if i % 4 == 0 { "a" } else { "b" };
        text.push_str(&format!("{i}.5,{zone},{},{y}\n", i % 2 == 0));
    }
    let csv = write(dir.path(), "d.csv", text.as_bytes());
    let mut df = CsvReader::new(std::io::Cursor::new(text.into_bytes()))
        .finish()
        .unwrap();
    for name in ["d.feather", "d.arrow", "d.IPC", "stream.arrow"] {
        let path = dir.path().join(name);
        let file = std::fs::File::create(&path).unwrap();
        if name.starts_with("stream") {
            // Arrow's stream format (`pyarrow.ipc.new_stream`): it gave
            // "out-of-spec: InvalidFooter".
            IpcStreamWriter::new(file).finish(&mut df).unwrap();
        } else {
            IpcWriter::new(file).finish(&mut df).unwrap();
        }
        let want = read(&csv, &params("y", None)).unwrap();
        same(&read(&path, &params("y", None)).unwrap(), &want);
        // Sampled as a Parquet file is (not as text is, record by record).
        let got = read(&path, &params("y", Some(40))).unwrap();
        assert_eq!(got.labels().len(), 40);
        assert!(got.notes()[0].contains("has 300 rows, more than --max-rows 40"));
    }
    // A file that is not Arrow IPC is refused with its name, not a panic.
    let path = write(dir.path(), "bad.feather", b"x,y\n1,a\n");
    let err = read(&path, &params("y", None)).unwrap_err().to_string();
    assert!(err.starts_with(&path.display().to_string()), "{err}");
}

#[test]
fn json_tables_read_as_the_csv_file() {
    // The same rows as JSON Lines, an array of records and pandas'
    // `orient="columns"` and `"split"`: numbers, text with a comma and a
    // quote, booleans, missing values (null, or a key left out).
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("x,zone,flag,y\n");
    let (mut lines, mut records, mut split) = (String::new(), Vec::new(), Vec::new());
    let (mut xs, mut zones, mut flags, mut ys) = (vec![], vec![], vec![], vec![]);
    for i in 0..300 {
        let zone = ["north", "south, \"far\"", ""][i % 3];
        let y = if i % 4 == 0 { "a" } else { "b" };
        let flag = i % 2 == 0;
        let quoted = zone.replace('"', "\"\"");
        text.push_str(&format!("{i}.5,\"{quoted}\",{flag},{y}\n"));
        let zone_json = if zone.is_empty() {
            "null".to_string()
        } else {
            format!("{:?}", zone)
        };
        // A record without `zone` where it is missing, every other time.
        let record = if zone.is_empty() && i % 2 == 0 {
            format!("{{\"x\":{i}.5,\"flag\":{flag},\"y\":\"{y}\"}}")
        } else {
            format!("{{\"x\":{i}.5,\"zone\":{zone_json},\"flag\":{flag},\"y\":\"{y}\"}}")
        };
        lines.push_str(&record);
        lines.push('\n');
        records.push(record);
        split.push(format!("[{i}.5,{zone_json},{flag},\"{y}\"]"));
        xs.push(format!("\"{i}\":{i}.5"));
        zones.push(format!("\"{i}\":{zone_json}"));
        flags.push(format!("\"{i}\":{flag}"));
        ys.push(format!("\"{i}\":\"{y}\""));
    }
    let csv = write(dir.path(), "d.csv", text.as_bytes());
    let want = read(&csv, &params("y", None)).unwrap();
    let columns = format!(
        "{{\"x\":{{{}}},\"zone\":{{{}}},\"flag\":{{{}}},\"y\":{{{}}}}}",
        xs.join(","),
        zones.join(","),
        flags.join(","),
        ys.join(",")
    );
    let split = format!(
        "{{\"columns\":[\"x\",\"zone\",\"flag\",\"y\"],\"index\":[],\"data\":[{}]}}",
        split.join(",")
    );
    for (name, json) in [
        ("d.jsonl", lines.clone()),
        ("d.NDJSON", lines),
        ("d.json", format!("[{}]", records.join(",\n"))),
        ("columns.json", columns),
        ("split.json", split),
    ] {
        let path = write(dir.path(), name, json.as_bytes());
        same(&read(&path, &params("y", None)).unwrap(), &want);
        // Sampled to --max-rows as text is.
        let got = read(&path, &params("y", Some(40))).unwrap();
        assert_eq!(got.labels().len(), 40, "{name}");
    }
    // A class written as a float (pandas writes `1.0` in a column of
    // floats) is the class the CSV file of the same frame has, in its
    // shortest form: `1`.
    let mut text = String::from("x,y\n");
    let mut lines = String::new();
    for i in 0..100 {
        let y = if i % 3 == 0 { "1.0" } else { "0.0" };
        text.push_str(&format!("{i},{y}\n"));
        lines.push_str(&format!("{{\"x\":{i},\"y\":{y}}}\n"));
    }
    let csv = read(
        &write(dir.path(), "f.csv", text.as_bytes()),
        &params("y", None),
    )
    .unwrap();
    let json = read(
        &write(dir.path(), "f.jsonl", lines.as_bytes()),
        &params("y", None),
    )
    .unwrap();
    assert_eq!(csv.classes(), ["0", "1"]);
    assert_eq!(json.classes(), csv.classes());
    // What holds no table is refused with the file's name and why.
    for (name, json, why) in [
        ("bad.json", "{\"x\":1,", "is not JSON: "),
        (
            "nested.jsonl",
            "{\"x\":1,\"y\":\"a\"}\n{\"x\":[1],\"y\":\"a\"}\n",
            "record 2: `x` holds an array",
        ),
        (
            "rules.json",
            "{\"schema_version\":1,\"rules\":[]}",
            "is a rule set",
        ),
    ] {
        let path = write(dir.path(), name, json.as_bytes());
        let err = read(&path, &params("y", None)).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!(
                "{}: cannot be read as a JSON table: ",
                path.display()
            )),
            "{err}"
        );
        assert!(err.contains(why), "{err}");
    }
}

#[test]
fn a_spreadsheet_reads_its_first_sheet_as_csv() {
    // tests/data/sheet.xlsx (scripts/sheet_fixture.py): a sheet `data` of 120
    // rows under a header, a number with empty cells, text, TRUE/FALSE,
    // dates, text with a comma and quotes; and a second sheet, not read.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sheet.xlsx");
    let table = read(&path, &params("y", None)).unwrap();
    let names: Vec<&str> = table.columns().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["weight kg", "zone", "express", "sent", "note, free"]
    );
    assert_eq!(table.labels().len(), 120);
    assert_eq!(table.classes(), ["heavy", "light"]);
    // The sheet not read is named, not passed over in silence.
    let sheets: Vec<&String> = table
        .notes()
        .iter()
        .filter(|n| n.contains("sheets"))
        .collect();
    assert_eq!(
        sheets,
        ["sheet.xlsx has 2 sheets: only the first, `data`, is read (`other` is not); to compile another, move it first in the workbook or save it as a file of its own"]
    );
    let kinds: Vec<String> = table
        .columns()
        .iter()
        .map(|c| {
            format!("{:?}", c.data)
                .chars()
                .take_while(|c| c.is_alphabetic())
                .collect()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "Numeric",
            "Categorical",
            "Boolean",
            "Categorical",
            "Categorical"
        ]
    );
    // Dates as ISO text; text with a comma and quotes as written.
    let sent = format!("{:?}", table.columns()[3].data);
    assert!(sent.contains("\"2024-01-01\""), "{sent}");
    let note = format!("{:?}", table.columns()[4].data);
    assert!(note.contains(r#""says \"hi\", twice""#), "{note}");
    // Sampled to --max-rows as text is.
    let sampled = read(&path, &params("y", Some(40))).unwrap();
    assert_eq!(sampled.labels().len(), 40);
    // A workbook with macros (`.xlsm`) is the same file format.
    let dir = tempfile::tempdir().unwrap();
    let xlsm = dir.path().join("sheet.xlsm");
    std::fs::copy(&path, &xlsm).unwrap();
    let from_xlsm = read(&xlsm, &params("y", None)).unwrap();
    assert_eq!(
        format!("{:?}", from_xlsm.columns()),
        format!("{:?}", table.columns())
    );
    // A workbook whose first sheet is a note: what goes wrong reading it
    // says which sheet was read, and that the others were not.
    let notes_first = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/notes_first.xlsx");
    let err = read(&notes_first, &params("y", None))
        .unwrap_err()
        .to_string();
    assert!(err.contains("no column `y` (given as --target)"), "{err}");
    assert!(
        err.ends_with(
            "\nnote: notes_first.xlsx has 2 sheets: only the first, `notes`, is read (`data` is not); to compile another, move it first in the workbook or save it as a file of its own"
        ),
        "{err}"
    );
    // A file that is no spreadsheet is refused with its name, not a panic.
    let dir = tempfile::tempdir().unwrap();
    for name in ["bad.xlsx", "bad.ods", "bad.xls"] {
        let bad = write(dir.path(), name, b"a,y\n1,x\n");
        let err = read(&bad, &params("y", None)).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!(
                "{}: cannot be read as a spreadsheet: ",
                bad.display()
            )) && err.contains("it is text with separators: rename it .csv"),
            "{err}"
        );
    }
    // A web page named .xls, as web applications export a table.
    let page = write(
        dir.path(),
        "export.xls",
        b"<html><body><table><tr><td>a</td></tr></table></body></html>",
    );
    let err = read(&page, &params("y", None)).unwrap_err().to_string();
    assert!(
        err.contains("cannot be read as a spreadsheet: it is a web page (HTML)"),
        "{err}"
    );
    // A Parquet file named .xlsx: named as what it is.
    let parquet = write(dir.path(), "data.xlsx", b"PAR1\x15\x04\x15\x80\x01\x00");
    let err = read(&parquet, &params("y", None)).unwrap_err().to_string();
    assert!(
        err.contains("cannot be read as a spreadsheet: it starts as a Parquet file (`PAR1`) does: name it `.parquet`"),
        "{err}"
    );
    // A Parquet file named .csv.gz or .jsonl fails in gzip or JSON: named
    // as what it is.
    for name in ["data.csv.gz", "data.jsonl"] {
        let parquet = write(dir.path(), name, b"PAR1\x15\x04\x15\x80\x01\x00");
        let err = read(&parquet, &params("y", None)).unwrap_err().to_string();
        assert!(
            err.contains("it starts as a Parquet file (`PAR1`) does; name it `.parquet`"),
            "{name}: {err}"
        );
    }
    // Bytes that are neither: the reader's own words.
    let junk = write(dir.path(), "junk.xlsx", &[0u8, 159, 146, 150, 1, 2]);
    let err = read(&junk, &params("y", None)).unwrap_err().to_string();
    assert!(!err.contains("it is"), "{err}");
}

#[test]
fn other_extensions_and_broken_archives_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["d.sav", "d.json.gz"] {
        let path = write(dir.path(), name, b"a,y\n1,x\n");
        let err = read(&path, &params("y", None)).unwrap_err().to_string();
        let ext = name.trim_start_matches("d.");
        assert!(
            err.contains(&format!("has extension `.{ext}`; rulec reads delimited text (.csv, .txt, .dat or .data, the separator read from the header line; .tsv or .tab, tab-separated), Parquet (.parquet), Arrow IPC (.feather, .arrow or .ipc), spreadsheets (.xlsx, .xlsm, .xlsb, .xls or .ods: the first sheet) and JSON tables (.json, .jsonl or .ndjson); text also gzip- or zstd-compressed")),
            "{err}"
        );
    }
    // Not gzip data at all, and gzip data cut short.
    let path = dir.path().join("bad.csv.gz");
    std::fs::write(&path, b"a,y\n1,x\n").unwrap();
    let want = format!("{}: cannot be decompressed as gzip data: ", path.display());
    let err = read(&path, &params("y", None)).unwrap_err().to_string();
    assert!(err.starts_with(&want), "{err}");
    let whole = gzip(rows(300).as_bytes());
    std::fs::write(&path, &whole[..whole.len() / 2]).unwrap();
    let err = read(&path, &params("y", None)).unwrap_err().to_string();
    assert!(err.starts_with(&want), "{err}");
    let path = dir.path().join("bad.tsv.zst");
    std::fs::write(&path, b"a\ty\n1\tx\n").unwrap();
    let err = read(&path, &params("y", None)).unwrap_err().to_string();
    let want = format!("{}: cannot be decompressed as zstd data: ", path.display());
    assert!(err.starts_with(&want), "{err}");
}
