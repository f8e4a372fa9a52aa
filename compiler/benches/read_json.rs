//! What reading a JSON table costs: a seeded synthetic table of 300,000
//! records, written as JSON Lines, as one array of records and in pandas'
//! default `orient="columns"` layout, turned into the CSV text rulec reads
//! ([`rulec::json_rows::json_as_csv`]). Prints, per layout, the file's
//! bytes, the time (median of three) and the most heap held at once while
//! reading, as bytes and as a multiple of the file (a counting allocator
//! around the system one). Nothing is asserted.
//!
//! ```sh
//! cargo bench -p rulec --bench read_json
//! ```
//!
//! JSON Lines and an array of records are read as a stream in two passes
//! (one record held at a time); pandas' other layouts (an object of
//! columns, or of rows) are parsed whole before their rows are written.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// The system allocator, counting the bytes held and the most held.
struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as given.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = HELD.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as given.
        unsafe { System.dealloc(ptr, layout) };
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const RECORDS: usize = 300_000;
const RUNS: usize = 3;

/// The records as pandas' `orient="columns"` writes them: an object of
/// columns, each an object from row label to value.
fn columns_layout(records: &[String]) -> String {
    let keys = ["id", "x", "w", "zone", "flag", "y"];
    let mut columns: Vec<Vec<String>> = vec![Vec::new(); keys.len()];
    for (i, record) in records.iter().enumerate() {
        // Each record is `{"k":v,...}` with the keys above, in order, and
        // no comma or colon inside a value.
        let inner = &record[1..record.len() - 1];
        for (j, pair) in inner.split(',').enumerate() {
            let value = pair.split_once(':').expect("a pair").1;
            columns[j].push(format!("\"{i}\":{value}"));
        }
    }
    let body: Vec<String> = keys
        .iter()
        .zip(&columns)
        .map(|(k, cells)| format!("\"{k}\":{{{}}}", cells.join(",")))
        .collect();
    format!("{{{}}}", body.join(","))
}

fn records() -> Vec<String> {
    let mut state = 11u64;
    let mut next = |m: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % m
    };
    let zones = ["north", "south", "east", "west"];
    (0..RECORDS)
        .map(|i| {
            let x = next(100_000) as f64 / 1000.0;
            format!(
                r#"{{"id":"r{i}","x":{x},"w":{},"zone":"{}","flag":{},"y":"{}"}}"#,
                next(2000) as f64 / 100.0,
                zones[next(4) as usize],
                next(2) == 0,
                if x < 50.0 { "a" } else { "b" }
            )
        })
        .collect()
}

fn main() {
    let lines = records();
    let layouts = [
        ("JSON Lines (streamed)", lines.join("\n").into_bytes()),
        (
            "array of records (streamed)",
            format!("[{}]", lines.join(",")).into_bytes(),
        ),
        (
            "pandas `orient=\"columns\"` (parsed whole)",
            columns_layout(&lines).into_bytes(),
        ),
    ];
    drop(lines);
    println!("rulec reading a JSON table: {RECORDS} records of 6 keys, as CSV text");
    println!();
    println!("| layout | file bytes | CSV bytes | time s (median of {RUNS}) | most heap held while reading | × the file |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, bytes) in &layouts {
        let mut times = Vec::new();
        let mut peak = 0;
        let mut out_len = 0;
        for _ in 0..RUNS {
            let before = HELD.load(Ordering::Relaxed);
            PEAK.store(before, Ordering::Relaxed);
            let start = Instant::now();
            let csv = rulec::json_rows::json_as_csv(bytes).expect("a table");
            times.push(start.elapsed().as_secs_f64());
            peak = PEAK.load(Ordering::Relaxed) - before;
            out_len = csv.len();
        }
        times.sort_by(f64::total_cmp);
        println!(
            "| {name} | {} | {out_len} | {:.2} | {peak} | {:.1} |",
            bytes.len(),
            times[RUNS / 2],
            peak as f64 / bytes.len() as f64
        );
    }
}
