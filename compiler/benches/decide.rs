//! Per-decision cost of the generated `decide`, the interpreter and the
//! runtime's `Cascade`, on the demo's rules and rows, as ratios measured in
//! one run. Figures are printed, never asserted: machines are noisy.
//!
//! ```sh
//! cargo bench -p rulec --bench decide
//! ```
//!
//! The generated crate is built in a temporary folder and times its own
//! `decide` and `decide_batch` (its `parity` example with `--bench ROUNDS`,
//! which reads every row before timing); the interpreter and the cascade are
//! timed here, on the same rows, the same number of rounds.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Instant;

use rulec::pipeline::{self, CompileParams};
use rulec_runtime::cascade::{Cascade, CascadeConfig, Interpreter};
use rulec_runtime::{Cell, Evaluator};

const ROWS: usize = 200_000;
const ROUNDS: u32 = 20;

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("shipping.csv");
    let data = rulec_datasets::shipping::generate(ROWS, 0);
    rulec_datasets::shipping::write_csv(&data, std::fs::File::create(&csv).expect("csv"))
        .expect("write");
    let params = CompileParams {
        target: "cheapest_shipper".into(),
        ..CompileParams::default()
    }
    .check()
    .expect("params");
    let set = pipeline::compile(&csv, &params, &rulec::progress::Silent)
        .expect("compile")
        .rules;
    let eval = Evaluator::new(&set).expect("rules");
    let (cells, n) = rulec::ingest::read_cells(&csv, &set, &eval).expect("rows");
    let width = set.features.len();

    // The generated crate, timing itself.
    let krate = dir.path().join("crate");
    rulec_codegen::rust::emit_crate(&set, "bench_rules")
        .expect("emit")
        .write_to(&krate)
        .expect("write crate");
    let target = dir.path().join("target");
    let built = Command::new(env!("CARGO"))
        .current_dir(&krate)
        .args(["build", "--offline", "--release", "--examples", "--quiet"])
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .expect("cargo");
    assert!(built.success(), "the generated crate did not build");
    let mut input = String::new();
    for line in std::fs::read_to_string(&csv).expect("csv").lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        input.push_str(
            &f[..width]
                .iter()
                .map(|v| hex(v))
                .collect::<Vec<_>>()
                .join("\t"),
        );
        input.push('\n');
    }
    let mut child = Command::new(target.join("release/examples/parity"))
        .args(["--bench", &ROUNDS.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("parity");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("parity output");
    writer.join().expect("writer").expect("write rows");
    let text = String::from_utf8_lossy(&out.stdout);
    // One line per entry point: `decide_ns_per_row\tNS\t..`, then
    // `decide_batch_ns_per_row\tNS\t..`.
    let ns_of = |name: &str| -> Option<f64> {
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix('\t'))
            .and_then(|rest| rest.split('\t').next())
            .and_then(|v| v.parse().ok())
    };
    let generated_ns = ns_of("decide_ns_per_row").expect("parity --bench output");
    let batch_ns = ns_of("decide_batch_ns_per_row");

    // The interpreter.
    let start = Instant::now();
    let mut covered = 0u64;
    for _ in 0..ROUNDS {
        for i in 0..n {
            let hit = eval
                .decide_unchecked_width(std::hint::black_box(&cells[i * width..(i + 1) * width]));
            covered += u64::from(std::hint::black_box(hit).is_some());
        }
    }
    let interpreter_ns = start.elapsed().as_secs_f64() * 1e9 / (f64::from(ROUNDS) * n as f64);

    // The cascade (interpreter engine, metrics on, a free fallback).
    let cascade = Cascade::new(
        Interpreter::new(set.clone()).expect("interpreter"),
        |_row: &[Cell]| 0usize,
        CascadeConfig::default(),
    )
    .expect("cascade");
    let mut handle = cascade.handle();
    let start = Instant::now();
    for _ in 0..ROUNDS {
        for i in 0..n {
            let out = handle.decide(std::hint::black_box(&cells[i * width..(i + 1) * width]));
            std::hint::black_box(out.expect("decision"));
        }
    }
    let cascade_ns = start.elapsed().as_secs_f64() * 1e9 / (f64::from(ROUNDS) * n as f64);

    let coverage = covered as f64 / (f64::from(ROUNDS) * n as f64);
    println!(
        "rulec decide benchmark: {} rules, {n} shipping rows x {ROUNDS} rounds, coverage {:.1} %",
        set.rules.len(),
        coverage * 100.0
    );
    println!("| what | ns per decision | ratio to generated decide |");
    println!("|---|---:|---:|");
    println!("| generated `decide` | {generated_ns:.2} | 1.00 |");
    if let Some(batch_ns) = batch_ns {
        println!(
            "| generated `decide_batch` (all rows in one call) | {batch_ns:.2} | {:.2} |",
            batch_ns / generated_ns
        );
    }
    println!(
        "| interpreter (`Evaluator`) | {interpreter_ns:.2} | {:.2} |",
        interpreter_ns / generated_ns
    );
    println!(
        "| `Cascade` with metrics (interpreter engine, free fallback) | {cascade_ns:.2} | {:.2} |",
        cascade_ns / generated_ns
    );
}
