//! The one CSV record splitter: where a record starts and ends.
//!
//! Both readers of a CSV file's records go through [`Records`]: the
//! pre-pass (`csv_scan`, which counts the records and checks each one) and
//! the `--max-rows` sampler (`sample_file`, which keeps some of them). With
//! one splitter they cannot disagree on what a record is, and a sample of
//! all records is the file's records (issue #16: the ingest fuzzer found
//! them disagreeing on blank and whitespace-only records).
//!
//! The rules, which follow polars' own line splitter rather than RFC 4180:
//!
//! - A record is one or more lines (ending in `\n`, or the end of the
//!   file). A line break inside quotes does not end it: the record goes on
//!   while it holds an odd number of `"`. Every `"` counts, also one in the
//!   middle of an unquoted field (`a"b`), as polars counts it.
//! - A record of nothing but line ends (`\n`, `\r\n`, a stray `\r`) is
//!   blank and skipped. A record of spaces or tabs is a record.
//! - A UTF-8 byte order mark at the start of the file is not part of the
//!   first record.
//! - A quote still open at the end of the file gives a last record that is
//!   not [`Record::closed`]; its callers refuse it or ignore it.
//!
//! Quote parity is kept line by line, so splitting is linear in the file
//! even when an early quote never closes (see: #7).
//!
//! Invariant: this module needs `std` only (the fuzz crate compiles it on
//! its own, with `csv_scan`).

use std::io::{self, BufRead};

/// Where one record lies in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    /// Number (1-based) of the record's first line.
    pub line: usize,
    /// False for a last record whose quoted field never closes.
    pub closed: bool,
}

/// Splits the text read from a reader into records (see the module docs).
#[derive(Debug)]
pub struct Records<R> {
    reader: R,
    /// Lines read so far.
    lines: usize,
}

/// The UTF-8 byte order mark.
pub const BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

impl<R: BufRead> Records<R> {
    /// A splitter at the start of `reader`'s text.
    pub fn new(reader: R) -> Self {
        Records { reader, lines: 0 }
    }

    /// Reads the next record that is not blank into `buf` (cleared first),
    /// with its line ends as in the file, and says where it starts;
    /// `None` at the end of the text.
    pub fn next_into(&mut self, buf: &mut Vec<u8>) -> io::Result<Option<Record>> {
        buf.clear();
        let mut first_line = self.lines + 1;
        let mut in_quotes = false;
        loop {
            let start = buf.len();
            if self.reader.read_until(b'\n', buf)? == 0 {
                // Only an open quote leaves bytes here: any other record
                // ended with its last line.
                return Ok((!buf.is_empty()).then_some(Record {
                    line: first_line,
                    closed: false,
                }));
            }
            self.lines += 1;
            if self.lines == 1 && buf.starts_with(BOM) {
                buf.drain(..BOM.len());
            }
            // Only this line's quotes can change the state: counting the
            // whole record again for every line is quadratic in a quoted
            // field that runs on.
            in_quotes ^= has_odd_quotes(&buf[start..]);
            if in_quotes {
                continue; // a quoted line break: the record goes on
            }
            if is_blank(buf) {
                buf.clear();
                first_line = self.lines + 1;
                continue;
            }
            return Ok(Some(Record {
                line: first_line,
                closed: true,
            }));
        }
    }
}

/// A record without its line end (`\n`, `\r\n`, or any run of them).
pub fn trim_line_end(record: &[u8]) -> &[u8] {
    let mut end = record.len();
    while end > 0 && (record[end - 1] == b'\n' || record[end - 1] == b'\r') {
        end -= 1;
    }
    &record[..end]
}

/// Nothing but line ends: not a record.
fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(|&c| c == b'\n' || c == b'\r')
}

fn has_odd_quotes(bytes: &[u8]) -> bool {
    bytes.iter().filter(|&&c| c == b'"').count() % 2 == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each record as `line:text` (`!` after the line number when it is
    /// not closed), line ends shown as `\n` and `\r`.
    fn check(text: &[u8], expect: &[&str]) {
        let mut records = Records::new(text);
        let mut buf = Vec::new();
        let mut got = Vec::new();
        while let Some(r) = records.next_into(&mut buf).unwrap() {
            let open = if r.closed { "" } else { "!" };
            let text = String::from_utf8_lossy(&buf)
                .replace('\n', "\\n")
                .replace('\r', "\\r");
            got.push(format!("{}{open}:{text}", r.line));
        }
        assert_eq!(got, expect, "{:?}", String::from_utf8_lossy(text));
    }

    #[test]
    fn splits_lines_into_records() {
        check(b"", &[]);
        check(b"a,b\n1,2\n", &["1:a,b\\n", "2:1,2\\n"]);
        check(b"a,b\n1,2", &["1:a,b\\n", "2:1,2"]);
        check(b"a,b\r\n1,2\r\n", &["1:a,b\\r\\n", "2:1,2\\r\\n"]);
    }

    #[test]
    fn skips_blank_lines_and_keeps_whitespace_records() {
        check(
            b"\n\r\na\n\r\n\n \n\t\n\rx\r\n\r",
            &["3:a\\n", "6: \\n", "7:\t\\n", "8:\\rx\\r\\n"],
        );
        check(b"\n\n\n", &[]);
    }

    #[test]
    fn quoted_line_breaks_stay_in_their_record() {
        check(
            b"a,b\n1,\"x\n\ny\"\n2,3\n",
            &["1:a,b\\n", "2:1,\"x\\n\\ny\"\\n", "5:2,3\\n"],
        );
        check(b"a\"b\nc\"\nd\n", &["1:a\"b\\nc\"\\n", "3:d\\n"]);
        check(b"\"\"\"\"\n", &["1:\"\"\"\"\\n"]);
    }

    #[test]
    fn a_quote_left_open_ends_the_text() {
        check(b"a\n\"1\n2\n", &["1:a\\n", "2!:\"1\\n2\\n"]);
        check(b"a\n\"", &["1:a\\n", "2!:\""]);
    }

    #[test]
    fn a_byte_order_mark_is_not_text() {
        check(b"\xEF\xBB\xBF\r\na\n", &["2:a\\n"]);
        check(
            b"\xEF\xBB\xBFa\n\xEF\xBB\xBF\n",
            &["1:a\\n", "2:\u{feff}\\n"],
        );
    }
}
