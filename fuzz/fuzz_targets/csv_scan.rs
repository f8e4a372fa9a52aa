//! Fuzzes the CSV pre-pass, `csv_scan::scan` (the compiler's source, built
//! on its own: see `src/lib.rs`), on any bytes written
//! to a file: it answers a shape or an error with a line number, and never
//! panics.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = rulec_fuzz::write_temp(data, "csv");
    match rulec_fuzz::csv_scan::scan(&path) {
        Ok(shape) => {
            assert!(!shape.header.is_empty(), "a shape has a header");
            assert!(
                [b',', b';', b'\t', b'|'].contains(&shape.separator),
                "separator {:?}",
                shape.separator
            );
            assert!(shape.records <= data.len(), "more records than bytes");
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(!msg.is_empty());
        }
    }
});
