//! Fuzzes CSV ingest end to end: `rulec::ingest::read` (the pre-pass, then
//! polars with the options rulec uses, then typing every column) on any
//! bytes written to a `.csv` file.
//!
//! The first byte picks the options: bit 0 a numeric target, bit 1 the
//! last column as the teacher's, bit 2 the second column as the split;
//! bits 3 to 5 the most categories kept per column (1 to 8); bit 6 a
//! `--max-rows` of 2 or 4 (bit 7), so that larger files are sampled. The
//! target is the first column. The rest of the input is the file.

#![no_main]

use std::sync::Once;

use libfuzzer_sys::fuzz_target;
use rulec::ingest::{read, IngestParams};
use rulec::table::{ColumnData, MISSING_CODE, OTHER_CODE};

fuzz_target!(|data: &[u8]| {
    // `ingest` turns a panic inside polars into an error (`no_panic`), but
    // libfuzzer-sys's panic hook aborts on every panic, caught or not. Put
    // the default hook back: a panic rulec catches is not a crash, one that
    // escapes `read` still is (libfuzzer-sys aborts after catching it).
    static DEFAULT_HOOK: Once = Once::new();
    DEFAULT_HOOK.call_once(|| drop(std::panic::take_hook()));
    let Some((&flags, csv)) = data.split_first() else {
        return;
    };
    let path = rulec_fuzz::write_temp(csv, "csv");
    // The header, as the pre-pass reads it, names the columns to use.
    let Ok(shape) = rulec::csv_scan::scan(&path) else {
        // The pre-pass refused it: ingest must refuse it too.
        assert!(read(&path, &params(flags, &["t".to_string()])).is_err());
        return;
    };
    let params = params(flags, &shape.header);
    let Ok(table) = read(&path, &params) else {
        return;
    };
    let n = table.labels.len();
    assert!(n > 0, "a table has rows");
    // A sampled file keeps exactly `--max-rows` records, labelled or not.
    if let Some(max_rows) = params.max_rows.filter(|&m| shape.records > m) {
        assert_eq!(
            n + table.dropped_unlabelled,
            max_rows,
            "{} records sampled down to --max-rows {max_rows}",
            shape.records
        );
    }
    assert_eq!(table.n_rows(), n);
    for col in &table.columns {
        assert_eq!(
            col.data.len(),
            n,
            "column `{}` has one value per row",
            col.name
        );
        if let ColumnData::Categorical { codes, levels } = &col.data {
            assert!(levels.len() <= params.max_categories.max(1));
            for &c in codes {
                assert!(
                    c == MISSING_CODE || c == OTHER_CODE || (c as usize) < levels.len(),
                    "code {c} of `{}` out of range",
                    col.name
                );
            }
        }
    }
    match &table.values {
        Some(values) => {
            assert_eq!(values.len(), n);
            assert!(values.iter().all(|x| x.is_finite()));
        }
        None => assert!(table.classes.len() >= 2),
    }
    for &label in &table.labels {
        assert!((label as usize) < table.classes.len(), "label out of range");
    }
    if let Some(split) = &table.split {
        assert_eq!(split.len(), n);
    }
    if let Some(teacher) = &table.teacher {
        assert_eq!(teacher.len(), n);
        assert!(teacher.iter().all(|&c| (c as usize) < table.classes.len()));
    }
    if let Some(values) = &table.teacher_values {
        assert_eq!(values.len(), n);
    }
});

fn params(flags: u8, header: &[String]) -> IngestParams {
    let column = |i: usize| header.get(i).cloned();
    IngestParams {
        target: column(0).unwrap_or_default(),
        split_column: if flags & 4 != 0 { column(1) } else { None },
        exclude: Vec::new(),
        max_categories: usize::from((flags >> 3) & 7) + 1,
        teacher_column: if flags & 2 != 0 && header.len() > 2 {
            header.last().cloned()
        } else {
            None
        },
        numeric_target: flags & 1 != 0,
        max_rows: (flags & 64 != 0).then_some(2 + 2 * usize::from(flags >> 7)),
        seed: 7,
    }
}
