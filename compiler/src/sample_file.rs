//! Reading a seeded sample of a CSV file's records (`--max-rows`), so a
//! file larger than the limit never has to be held whole: the file is
//! streamed once, and only the header and the chosen records are kept.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use rulec_datasets::Rng;

use crate::csv_records::{Records, BOM};

/// The header and exactly `keep` of the file's `records` data records
/// (chosen uniformly, in file order, by Knuth's selection sampling from
/// `seed`), as CSV bytes. Records are split by `csv_records`, as
/// `csv_scan` splits them, so `records` is the count `csv_scan` gives.
pub fn sample_csv(path: &Path, records: usize, keep: usize, seed: u64) -> std::io::Result<Vec<u8>> {
    let file = File::open(path)?;
    sample_csv_reader(BufReader::with_capacity(1 << 20, file), records, keep, seed)
}

/// [`sample_csv`] of CSV text read from `reader`.
pub fn sample_csv_reader(
    reader: impl BufRead,
    records: usize,
    keep: usize,
    seed: u64,
) -> std::io::Result<Vec<u8>> {
    let mut rng = Rng::derive(seed, 0x4d41_5852);
    let mut out = Vec::new();
    let mut record = Vec::new();
    let mut split = Records::new(reader);
    let (mut seen, mut taken, mut header_done) = (0usize, 0usize, false);
    while split.next_into(&mut record)?.is_some() {
        if !header_done {
            header_done = true;
            // The splitter took the file's byte order mark off; a second
            // one is part of the first column's name, and stays so only
            // behind a first (polars, too, takes one off).
            if record.starts_with(BOM) {
                out.extend_from_slice(BOM);
            }
        } else {
            // Selection sampling: take with probability needed / left.
            let left = records.saturating_sub(seen);
            let needed = keep.saturating_sub(taken);
            seen += 1;
            if left == 0 || (rng.f64() * left as f64) >= needed as f64 {
                continue;
            }
            taken += 1;
        }
        out.extend_from_slice(&record);
        if !out.ends_with(b"\n") {
            out.push(b'\n');
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_header_and_exactly_the_asked_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.csv");
        let mut text = String::from("a,b\n");
        for i in 0..1000 {
            if i == 500 {
                text.push('\n'); // a blank line is not a record
            }
            text.push_str(&format!("{i},\"x\ny{i}\"\n"));
        }
        std::fs::write(&path, &text).unwrap();
        let bytes = sample_csv(&path, 1000, 100, 7).unwrap();
        let s = String::from_utf8(bytes.clone()).unwrap();
        assert!(s.starts_with("a,b\n"));
        assert_eq!(s.matches("\"x\ny").count(), 100);
        assert_eq!(sample_csv(&path, 1000, 100, 7).unwrap(), bytes, "seeded");
        assert_ne!(sample_csv(&path, 1000, 100, 8).unwrap(), bytes);
        let all = sample_csv(&path, 1000, 1000, 7).unwrap();
        assert_eq!(
            String::from_utf8(all).unwrap().matches("\"x\ny").count(),
            1000
        );
    }

    #[test]
    fn a_record_of_spaces_counts_as_csv_scan_counts_it() {
        // Found by the ingest fuzzer: whitespace-only records are records.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.csv");
        std::fs::write(&path, "a\tb\nx\tp\ny\tq\nx\tr\n \t \n \t \n \t \ny\ts\n").unwrap();
        let shape = crate::csv_scan::scan(&path).unwrap();
        assert_eq!(shape.records, 7);
        let bytes = sample_csv(&path, shape.records, 4, 1).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(
            text.lines().count(),
            5,
            "the header and 4 records: {text:?}"
        );
    }
}
