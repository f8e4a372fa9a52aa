//! Single-row `decide` and `decide_batch` at the hardware floor (#8): the
//! generated crate against hand-written versions of the same rules, the
//! style other model-to-code tools generate, the interpreter, the teacher,
//! and a loop that only reads every row. Figures are printed, never
//! asserted: machines are noisy, so every comparison is a ratio of medians
//! measured in one run.
//!
//! ```sh
//! cargo bench -p rulec --bench floor
//! ```
//!
//! `RULEC_FLOOR_ROWS` (default 1,000,000) sets the shipping rows the rules
//! are compiled from and decided on, `RULEC_FLOOR_ROUNDS` (default 11) the
//! timed passes over them per method; `RULEC_FLOOR_KEEP=DIR` keeps the
//! generated crate, its floor example and the rows in `DIR`.
//!
//! How it works. The rules are compiled from generated shipping rows (the
//! teacher's time per row measured on the way, as `--measure-cost` does).
//! The generated crate is written to a temporary folder, and this bench adds
//! one example to it, `floor.rs`, generated here from the same `RuleSet`:
//!
//! - (a1) the rules as nested `if`s, consecutive rules sharing an `if` for a
//!   shared leading condition, over the crate's `Input`;
//! - (a2) a branch-free evaluation from flat arrays: each row is `[f64; W]`
//!   plus a missing-value bitmask, the conditions are constant arrays
//!   `(column, threshold or category mask, rule)`, every condition is
//!   evaluated and the first rule with no failed condition wins;
//! - (b) the style of model-to-code tools: `fn score(&[f64]) -> Vec<f64>`
//!   over a row held in its own `Vec<f64>` (categories as codes, one
//!   indicator column per nullable column), returning freshly allocated
//!   class scores;
//! - (e) the floor: a loop that reads every field of every `Input`.
//!
//! The example checks that (a1), (a2), (b), `decide` and `decide_batch` agree
//! on every row, then times them in interleaved rounds on the same rows in
//! memory: as generated (random traffic), then sorted by the rule that
//! decides them and by the outcome of every condition of the rule set, so
//! that neighbouring rows take the same branches (predictable traffic). Every per-row function is called
//! through a call that is not inlined (`#[inline(never)]` here; `decide`
//! lives in the library crate, which is not inlined across crates without
//! LTO), so each pays one call per row, as a service would. The interpreter
//! (c) is timed in this process on the same rows in the same two orders;
//! the teacher (d) is the compiler's own measurement of the random forest,
//! one row at a time on one thread.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use rulec::pipeline::{self, CompileParams};
use rulec_runtime::ir::{Condition, FeatureKind, RuleSet};
use rulec_runtime::{Cell, Evaluator};

const DEFAULT_ROWS: usize = 1_000_000;
const DEFAULT_ROUNDS: usize = 11;
/// Rows timed together: the figure of a method is the median over chunks.
const CHUNK: usize = 8192;
/// Category codes of the flat rows: an unknown category, a missing value.
const FLAT_UNKNOWN: u32 = 62;
const FLAT_MISSING: u32 = 63;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn main() {
    let rows = env_usize("RULEC_FLOOR_ROWS", DEFAULT_ROWS);
    let rounds = env_usize("RULEC_FLOOR_ROUNDS", DEFAULT_ROUNDS).max(1);
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("shipping.csv");
    let data = rulec_datasets::shipping::generate(rows, 0);
    rulec_datasets::shipping::write_csv(&data, std::fs::File::create(&csv).expect("csv"))
        .expect("write");
    eprintln!("floor: compiling the rules from {rows} shipping rows");
    let params = CompileParams {
        target: "cheapest_shipper".into(),
        measure_cost: true,
        ..CompileParams::default()
    }
    .check()
    .expect("params");
    let set = pipeline::compile(&csv, &params, &rulec::progress::Silent)
        .expect("compile")
        .rules;
    let teacher_ns = set
        .summary
        .as_ref()
        .and_then(|s| s.measured_cost.as_ref())
        .map(|m| m.teacher_ns);
    let eval = Evaluator::new(&set).expect("rules");
    let (cells, n) = rulec::ingest::read_cells(&csv, &set, &eval).expect("rows");
    let width = set.features.len();

    // Random traffic is the generator's order. Predictable traffic is the
    // same rows sorted by the rule that decides them (uncovered rows last),
    // then by the outcome of every condition of the rule set, so that
    // neighbouring rows take the same branches.
    let random: Vec<usize> = (0..n).collect();
    let rule_of: Vec<usize> = (0..n)
        .map(|i| {
            eval.decide_unchecked_width(&cells[i * width..(i + 1) * width])
                .map_or(usize::MAX, |h| h.rule_idx)
        })
        .collect();
    let outcomes: Vec<Vec<u64>> = (0..n)
        .map(|i| condition_outcomes(&set, &eval, &cells[i * width..(i + 1) * width]))
        .collect();
    let mut sorted = random.clone();
    sorted.sort_by(|&a, &b| (rule_of[a], &outcomes[a]).cmp(&(rule_of[b], &outcomes[b])));
    drop(outcomes);
    let covered = rule_of.iter().filter(|&&r| r != usize::MAX).count();

    // The generated crate, with the floor example added.
    // `RULEC_FLOOR_KEEP=DIR` keeps the crate (and the rows) there, to look at.
    let keep = std::env::var_os("RULEC_FLOOR_KEEP").map(std::path::PathBuf::from);
    let work = keep.clone().unwrap_or_else(|| dir.path().to_path_buf());
    let krate = work.join("crate");
    let generated = rulec_codegen::rust::emit_crate(&set, "bench_rules").expect("emit");
    generated.write_to(&krate).expect("write crate");
    let rules_rs = generated.file("src/rules.rs").expect("rules.rs");
    let fields = input_fields(rules_rs, &set);
    std::fs::write(
        krate.join("examples/floor.rs"),
        floor_example(&set, &fields),
    )
    .expect("write floor.rs");
    let target = work.join("target");
    let built = Command::new(env!("CARGO"))
        .current_dir(&krate)
        .args([
            "build",
            "--offline",
            "--release",
            "--example",
            "floor",
            "--quiet",
        ])
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .status()
        .expect("cargo");
    assert!(built.success(), "the generated crate did not build");
    let exe = target.join("release/examples/floor");

    let mut table: Vec<(String, [f64; 2])> = Vec::new();
    for (t, order) in [&random, &sorted].into_iter().enumerate() {
        let bin = work.join(format!("rows{t}.bin"));
        write_rows(&bin, &cells, width, order);
        let out = Command::new(&exe)
            .arg(&bin)
            .arg(rounds.to_string())
            .output()
            .expect("floor example");
        assert!(
            out.status.success(),
            "floor example failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let mut parts = line.split('\t');
            let (Some(name), Some(ns)) = (parts.next(), parts.next()) else {
                continue;
            };
            let ns: f64 = ns.parse().expect("ns");
            match table.iter_mut().find(|(n, _)| n == name) {
                Some((_, v)) => v[t] = ns,
                None => {
                    let mut v = [f64::NAN; 2];
                    v[t] = ns;
                    table.push((name.to_string(), v));
                }
            }
        }
        // The interpreter, on the same rows in the same order.
        let ordered: Vec<Cell> = order
            .iter()
            .flat_map(|&i| cells[i * width..(i + 1) * width].iter().copied())
            .collect();
        let mut out = vec![None; n];
        let mut samples = Vec::new();
        for _ in 0..rounds {
            let chunks = out.chunks_mut(CHUNK).zip(ordered.chunks(CHUNK * width));
            for (outs, rows) in chunks {
                let start = Instant::now();
                for (slot, row) in outs.iter_mut().zip(rows.chunks_exact(width)) {
                    *slot = eval.decide_unchecked_width(std::hint::black_box(row));
                }
                std::hint::black_box(&outs);
                samples.push(start.elapsed().as_secs_f64() * 1e9 / outs.len() as f64);
            }
        }
        let ns = median(&mut samples);
        match table.iter_mut().find(|(n, _)| n == "interpreter") {
            Some((_, v)) => v[t] = ns,
            None => {
                let mut v = [f64::NAN; 2];
                v[t] = ns;
                table.push(("interpreter".to_string(), v));
            }
        }
    }
    if let Some(ns) = teacher_ns {
        table.push(("teacher".to_string(), [ns, ns]));
    }
    print_table(&set, n, covered, rounds, &table);
}

/// Whether each condition of each rule holds on `row`, packed in bits, in
/// rule order.
fn condition_outcomes(set: &RuleSet, eval: &Evaluator, row: &[Cell]) -> Vec<u64> {
    let mut bits = Vec::new();
    let mut k = 0usize;
    for rule in &set.rules {
        for cond in &rule.conditions {
            let col = set.feature_index(cond.feature()).expect("feature");
            let code = |v: &String| eval.category_code(col, v);
            let holds = match (cond, row[col]) {
                (Condition::Missing { .. }, cell) => cell == Cell::Missing,
                (Condition::Cmp { op, value, .. }, Cell::Num(x)) => match op {
                    rulec_runtime::ir::CmpOp::Lt => x < *value,
                    rulec_runtime::ir::CmpOp::Le => x <= *value,
                    rulec_runtime::ir::CmpOp::Gt => x > *value,
                    rulec_runtime::ir::CmpOp::Ge => x >= *value,
                },
                (Condition::Is { value, .. }, Cell::Bool(b)) => b == *value,
                (Condition::In { values, .. }, Cell::Cat(c)) => values.iter().any(|v| code(v) == c),
                (Condition::NotIn { values, .. }, Cell::Cat(c)) => {
                    c != rulec_runtime::eval::UNKNOWN_CATEGORY
                        && !values.iter().any(|v| code(v) == c)
                }
                _ => false,
            };
            if k.is_multiple_of(64) {
                bits.push(0);
            }
            if holds {
                *bits.last_mut().expect("a word") |= 1 << (k % 64);
            }
            k += 1;
        }
    }
    bits
}

fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Labels of the methods, in the order printed.
const METHODS: &[(&str, &str)] = &[
    ("floor", "(e) read every row, nothing else (the floor)"),
    ("decide", "generated `decide`, one row per call"),
    (
        "decide_batch",
        "generated `decide_batch`, all rows in one call",
    ),
    ("batch_one", "generated `decide_batch`, one row per call"),
    ("nested", "(a1) hand-written nested `if`s"),
    ("flat", "(a2) hand-written branch-free, flat arrays"),
    (
        "tool",
        "(b) tool style: `&[f64]` in, new `Vec<f64>` of scores out",
    ),
    (
        "interpreter",
        "(c) interpreter (`Evaluator`), same rules.json",
    ),
    (
        "teacher",
        "(d) teacher: the random forest, one row (compiler's measure)",
    ),
];

fn print_table(
    set: &RuleSet,
    n: usize,
    covered: usize,
    rounds: usize,
    table: &[(String, [f64; 2])],
) {
    let get = |name: &str| {
        table
            .iter()
            .find(|(n, _)| n == name)
            .map_or([f64::NAN; 2], |(_, v)| *v)
    };
    let decide = get("decide");
    println!(
        "rulec floor benchmark: {} rules, {n} shipping rows, coverage {:.1} %, median of {rounds} rounds",
        set.rules.len(),
        covered as f64 * 100.0 / n.max(1) as f64
    );
    println!();
    println!("| what | random: ns/row | random: × decide | sorted: ns/row | sorted: × decide |");
    println!("|---|---:|---:|---:|---:|");
    for (name, label) in METHODS {
        let v = get(name);
        if v[0].is_nan() {
            continue;
        }
        println!(
            "| {label} | {} | {} | {} | {} |",
            fmt_ns(v[0]),
            fmt_ratio(v[0] / decide[0]),
            fmt_ns(v[1]),
            fmt_ratio(v[1] / decide[1])
        );
    }
    println!();
    println!("| target | random | sorted | met |");
    println!("|---|---:|---:|---|");
    let best_a = |t: usize| get("nested")[t].min(get("flat")[t]);
    let row = |what: &str, r: [f64; 2], ok: &dyn Fn(f64) -> bool| {
        let met = match (ok(r[0]), ok(r[1])) {
            (true, true) => "yes",
            (false, false) => "no",
            (true, false) => "random only",
            (false, true) => "sorted only",
        };
        println!(
            "| {what} | {} | {} | {met} |",
            fmt_ratio(r[0]),
            fmt_ratio(r[1])
        );
    };
    row(
        "`decide` / faster of (a1), (a2) ≤ 1.1",
        [decide[0] / best_a(0), decide[1] / best_a(1)],
        &|r| r <= 1.1,
    );
    row(
        "(b) / `decide` ≥ 5",
        [get("tool")[0] / decide[0], get("tool")[1] / decide[1]],
        &|r| r >= 5.0,
    );
    let teacher = get("teacher");
    if !teacher[0].is_nan() {
        row(
            "(d) teacher / `decide` ≥ 1,000",
            [teacher[0] / decide[0], teacher[1] / decide[1]],
            &|r| r >= 1000.0,
        );
    }
    let batch = get("decide_batch");
    let floor = get("floor");
    row(
        "`decide_batch` / floor (e) ≤ 1.5",
        [batch[0] / floor[0], batch[1] / floor[1]],
        &|r| r <= 1.5,
    );
    row(
        "`decide_batch` / `decide` < 1 (batch faster)",
        [batch[0] / decide[0], batch[1] / decide[1]],
        &|r| r < 1.0,
    );
}

fn fmt_ns(ns: f64) -> String {
    if ns >= 1000.0 {
        let whole = format!("{:.0}", ns);
        let mut out = String::new();
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    } else {
        format!("{ns:.2}")
    }
}

fn fmt_ratio(r: f64) -> String {
    if r >= 100.0 {
        fmt_ns(r)
    } else {
        format!("{r:.2}")
    }
}

/// Rows for the example: `n` and the width as u64, then per row and column
/// a tag byte (0 missing, 1 number, 2 boolean, 3 category) and an f64 (the
/// number, 0 or 1, the category code, or -1 for an unknown category).
fn write_rows(path: &Path, cells: &[Cell], width: usize, order: &[usize]) {
    let mut bytes = Vec::with_capacity(16 + order.len() * width * 9);
    bytes.extend_from_slice(&(order.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&(width as u64).to_le_bytes());
    for &i in order {
        for cell in &cells[i * width..(i + 1) * width] {
            let (tag, v) = match *cell {
                Cell::Missing => (0u8, 0.0),
                Cell::Num(x) => (1, x),
                Cell::Bool(b) => (2, f64::from(u8::from(b))),
                Cell::Cat(code) if code == rulec_runtime::eval::UNKNOWN_CATEGORY => (3, -1.0),
                Cell::Cat(code) => (3, f64::from(code)),
            };
            bytes.push(tag);
            bytes.extend_from_slice(&v.to_le_bytes());
        }
    }
    std::fs::write(path, bytes).expect("write rows");
}

/// A field of the generated `Input`, read back from its source.
struct Field {
    name: String,
    /// The category enum, for a categorical column.
    enum_ty: Option<String>,
    nullable: bool,
    kind: FieldKind,
}

#[derive(Clone, Copy, PartialEq)]
enum FieldKind {
    Num,
    Bool,
    Cat(usize),
}

/// The `Input` fields as the generated `rules.rs` declares them, in column
/// order.
fn input_fields(rules_rs: &str, set: &RuleSet) -> Vec<Field> {
    let body = rules_rs
        .split("pub struct Input {")
        .nth(1)
        .and_then(|rest| rest.split("\n}").next())
        .expect("Input struct");
    let decls: Vec<(String, String)> = body
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub "))
        .filter_map(|l| l.split_once(": "))
        .map(|(name, ty)| (name.to_string(), ty.trim_end_matches(',').to_string()))
        .collect();
    assert_eq!(decls.len(), set.features.len(), "one field per column");
    decls
        .into_iter()
        .zip(&set.features)
        .map(|((name, ty), f)| {
            let inner = ty
                .strip_prefix("Option<")
                .and_then(|t| t.strip_suffix('>'))
                .unwrap_or(&ty)
                .to_string();
            let kind = match &f.kind {
                FeatureKind::Numeric => FieldKind::Num,
                FeatureKind::Boolean => FieldKind::Bool,
                FeatureKind::Categorical { categories } => FieldKind::Cat(categories.len()),
            };
            Field {
                name,
                enum_ty: matches!(kind, FieldKind::Cat(_)).then(|| format!("bench_rules::{inner}")),
                nullable: f.nullable,
                kind,
            }
        })
        .collect()
}

/// The rules `decide` can fire, with their conditions: those whose
/// conditions can all hold, up to the first without conditions.
fn live_rules(set: &RuleSet) -> Vec<(usize, Vec<&Condition>)> {
    let mut live = Vec::new();
    for (rule_idx, rule) in set.rules.iter().enumerate() {
        let never = rule.conditions.iter().any(|c| {
            let f = &set.features[set.feature_index(c.feature()).expect("feature")];
            match (c, &f.kind) {
                (Condition::Missing { .. }, _) => !f.nullable,
                (Condition::NotIn { values, .. }, FeatureKind::Categorical { categories }) => {
                    categories.iter().all(|c| values.contains(c))
                }
                _ => false,
            }
        });
        if never {
            continue;
        }
        live.push((rule_idx, rule.conditions.iter().collect()));
        if rule.conditions.is_empty() {
            break;
        }
    }
    live
}

fn float(x: f64) -> String {
    let s = format!("{x:?}");
    if s.contains(['.', 'e', 'E']) || s.contains("inf") || s.contains("NaN") {
        s
    } else {
        format!("{s}.0")
    }
}

fn code_of(set: &RuleSet, col: usize, value: &str) -> usize {
    match &set.features[col].kind {
        FeatureKind::Categorical { categories } => categories
            .iter()
            .rposition(|c| c == value)
            .expect("known category"),
        _ => panic!("not categorical"),
    }
}

/// The source of `examples/floor.rs` for `set`.
fn floor_example(set: &RuleSet, fields: &[Field]) -> String {
    let live = live_rules(set);
    let n_rules = set.rules.len();
    let words = n_rules.div_ceil(64).max(1);
    let width = set.features.len();
    let n_nullable = fields.iter().filter(|f| f.nullable).count();
    let tool_width = width + n_nullable;
    let k = set.target.classes.len();
    let mut s = String::new();
    s.push_str(FLOOR_PRELUDE);
    writeln!(s, "const N_RULES: usize = {n_rules};").unwrap();
    writeln!(s, "const WORDS: usize = {words};").unwrap();
    writeln!(s, "const WIDTH: usize = {width};").unwrap();
    writeln!(s, "const TOOL_WIDTH: usize = {tool_width};").unwrap();
    writeln!(s, "const N_CLASSES: usize = {k};").unwrap();

    // Reading a row into each representation.
    s.push_str("fn to_input(row: &[Raw]) -> Input {\n    Input {\n");
    for (col, f) in fields.iter().enumerate() {
        let value = match (f.kind, &f.enum_ty) {
            (FieldKind::Num, _) => "c.v".to_string(),
            (FieldKind::Bool, _) => "c.v != 0.0".to_string(),
            (FieldKind::Cat(_), Some(ty)) => format!(
                "{ty}::ALL.get(c.v as usize).copied().filter(|_| c.v >= 0.0).unwrap_or({ty}::Unknown)"
            ),
            (FieldKind::Cat(_), None) => unreachable!(),
        };
        if f.nullable {
            writeln!(
                s,
                "        {}: present(row[{col}]).map(|c| {value}),",
                f.name
            )
            .unwrap();
        } else if f.kind == FieldKind::Num {
            // A missing number in a column that is not nullable reads as NaN.
            writeln!(
                s,
                "        {}: {{ let c = row[{col}]; if c.tag == 0 {{ f64::NAN }} else {{ {value} }} }},",
                f.name
            )
            .unwrap();
        } else {
            writeln!(s, "        {}: {{ let c = row[{col}]; {value} }},", f.name).unwrap();
        }
    }
    s.push_str("    }\n}\n\n");

    s.push_str("fn to_flat(row: &[Raw]) -> Flat {\n    let mut flat = Flat { v: [0.0; WIDTH], missing: 0 };\n");
    for (col, f) in fields.iter().enumerate() {
        let (present, missing_v) = match f.kind {
            FieldKind::Num | FieldKind::Bool => ("c.v".to_string(), "f64::NAN".to_string()),
            FieldKind::Cat(_) => (
                format!("if c.v < 0.0 {{ {FLAT_UNKNOWN}.0 }} else {{ c.v }}"),
                format!("{FLAT_MISSING}.0"),
            ),
        };
        writeln!(
            s,
            "    {{ let c = row[{col}]; if c.tag == 0 {{ flat.v[{col}] = {missing_v}; flat.missing |= 1 << {col}; }} else {{ flat.v[{col}] = {present}; }} }}"
        )
        .unwrap();
    }
    s.push_str("    flat\n}\n\n");

    s.push_str("fn to_tool(row: &[Raw]) -> Vec<f64> {\n    let mut v = vec![0.0; TOOL_WIDTH];\n");
    let mut indicator = width;
    for (col, f) in fields.iter().enumerate() {
        write!(
            s,
            "    {{ let c = row[{col}]; if c.tag == 0 {{ v[{col}] = f64::NAN; "
        )
        .unwrap();
        if f.nullable {
            write!(s, "v[{indicator}] = 1.0; ").unwrap();
            indicator += 1;
        }
        writeln!(s, "}} else {{ v[{col}] = c.v; }} }}").unwrap();
    }
    s.push_str("    v\n}\n\n");

    // The floor: read every field of every row.
    s.push_str("#[inline(never)]\nfn floor(inputs: &[Input]) -> u64 {\n    let mut acc = 0u64;\n    for input in inputs {\n        let mut row = 0u64;\n");
    for f in fields {
        let read = match (f.kind, f.nullable) {
            (FieldKind::Num, false) => format!("input.{}.to_bits()", f.name),
            (FieldKind::Num, true) => format!("input.{}.map_or(1, f64::to_bits)", f.name),
            (FieldKind::Bool, false) => format!("u64::from(input.{})", f.name),
            (FieldKind::Bool, true) => format!("input.{}.map_or(2, u64::from)", f.name),
            (FieldKind::Cat(_), false) => format!("input.{} as u64", f.name),
            (FieldKind::Cat(_), true) => format!("input.{}.map_or(999, |v| v as u64)", f.name),
        };
        writeln!(s, "        row ^= {read};").unwrap();
    }
    s.push_str("        acc = acc.wrapping_add(row);\n    }\n    acc\n}\n\n");

    // (a1) nested ifs.
    let nested_conds: Vec<(usize, Vec<String>)> = live
        .iter()
        .map(|(rule_idx, conds)| {
            (
                *rule_idx,
                conds.iter().map(|c| nested_cond(set, fields, c)).collect(),
            )
        })
        .collect();
    s.push_str("/// (a1) The rules as nested `if`s.\n#[inline(never)]\nfn nested(input: &Input) -> Option<Hit> {\n");
    emit_nested(&mut s, &nested_conds, 0, 1);
    s.push_str("    H[N_RULES]\n}\n\n");

    // (a2) branch-free from flat arrays.
    s.push_str(
        "/// (a2) Branch-free: every condition of every rule evaluated on the flat\n\
         /// row with `&` (no short circuit), one bit per rule; the first rule whose\n\
         /// bit is set wins.\n#[inline(never)]\nfn flat(row: &Flat) -> Option<Hit> {\n    \
         let v = &row.v;\n    let m = row.missing;\n    let mut ok = [0u64; WORDS];\n",
    );
    for (rule_idx, conds) in &live {
        let mut terms = vec!["true".to_string()];
        for c in conds {
            let col = set.feature_index(c.feature()).expect("feature");
            terms.push(match c {
                Condition::Cmp { op, value, .. } => {
                    format!("(v[{col}] {} {})", op.as_str(), float(*value))
                }
                Condition::Sum {
                    features,
                    minus,
                    op,
                    value,
                } => {
                    // A missing term is NaN in the flat row: the sum too.
                    let sum = indexed_sum(set, "v", features, minus);
                    format!("({sum} {} {})", op.as_str(), float(*value))
                }
                Condition::Is { value, .. } => {
                    format!("(v[{col}] == {})", if *value { "1.0" } else { "0.0" })
                }
                Condition::In { values, .. } => {
                    let mask: u64 = values
                        .iter()
                        .map(|v| 1u64 << code_of(set, col, v))
                        .fold(0, |a, b| a | b);
                    format!("((({mask:#x}u64 >> (v[{col}] as u32)) & 1) != 0)")
                }
                Condition::NotIn { values, .. } => {
                    let FieldKind::Cat(n) = fields[col].kind else {
                        panic!("not in on a non-category")
                    };
                    assert!(
                        n < FLAT_UNKNOWN as usize,
                        "too many categories for the bench"
                    );
                    let listed: u64 = values
                        .iter()
                        .map(|v| 1u64 << code_of(set, col, v))
                        .fold(0, |a, b| a | b);
                    let mask = ((1u64 << n) - 1) & !listed;
                    format!("((({mask:#x}u64 >> (v[{col}] as u32)) & 1) != 0)")
                }
                Condition::Missing { .. } => format!("(((m >> {col}) & 1) != 0)"),
            });
        }
        writeln!(
            s,
            "    ok[{}] |= u64::from({}) << {};",
            rule_idx / 64,
            terms.join(" & "),
            rule_idx % 64
        )
        .unwrap();
    }
    s.push_str(
        "    let mut first = N_RULES;\n    for w in (0..WORDS).rev() {\n        \
         if ok[w] != 0 {\n            first = w * 64 + ok[w].trailing_zeros() as usize;\n        \
         }\n    }\n    H[first.min(N_RULES)]\n}\n\n",
    );

    // (b) tool style.
    s.push_str("/// (b) The tool style: a slice of floats in, class scores in a new `Vec` out.\n#[inline(never)]\nfn score(input: &[f64]) -> Vec<f64> {\n");
    let mut indicator_of = vec![None; width];
    let mut next = width;
    for (col, f) in fields.iter().enumerate() {
        if f.nullable {
            indicator_of[col] = Some(next);
            next += 1;
        }
    }
    for (rule_idx, conds) in &live {
        let class = set
            .class_index(&set.rules[*rule_idx].decision)
            .expect("class");
        let scores: Vec<&str> = (0..k)
            .map(|c| if c == class { "1.0" } else { "0.0" })
            .collect();
        let test = if conds.is_empty() {
            "true".to_string()
        } else {
            conds
                .iter()
                .map(|c| tool_cond(set, fields, &indicator_of, c))
                .collect::<Vec<_>>()
                .join(" && ")
        };
        writeln!(
            s,
            "    if {test} {{\n        return vec![{}];\n    }}",
            scores.join(", ")
        )
        .unwrap();
    }
    writeln!(s, "    vec![0.0; {k}]\n}}\n").unwrap();
    s.push_str(FLOOR_MAIN);
    s
}

/// Emits `rules` (consecutive, in order) as nested `if`s from condition
/// `depth` on: consecutive rules with the same condition at `depth` share
/// one `if`.
fn emit_nested(s: &mut String, rules: &[(usize, Vec<String>)], depth: usize, indent: usize) {
    let pad = "    ".repeat(indent);
    let mut i = 0;
    while i < rules.len() {
        let (rule_idx, conds) = &rules[i];
        let Some(head) = conds.get(depth) else {
            writeln!(s, "{pad}return H[{rule_idx}];").unwrap();
            return;
        };
        let mut j = i + 1;
        while j < rules.len() && rules[j].1.get(depth) == Some(head) {
            j += 1;
        }
        writeln!(s, "{pad}if {head} {{").unwrap();
        emit_nested(s, &rules[i..j], depth + 1, indent + 1);
        writeln!(s, "{pad}}}").unwrap();
        i = j;
    }
}

fn nested_cond(set: &RuleSet, fields: &[Field], c: &Condition) -> String {
    let col = set.feature_index(c.feature()).expect("feature");
    let f = &fields[col];
    let name = &f.name;
    let codes = |values: &[String]| {
        values
            .iter()
            .map(|v| code_of(set, col, v).to_string())
            .collect::<Vec<_>>()
            .join(" | ")
    };
    match c {
        Condition::Cmp { op, value, .. } => {
            let (op, v) = (op.as_str(), float(*value));
            if f.nullable {
                format!("matches!(input.{name}, Some(x) if x {op} {v})")
            } else {
                format!("input.{name} {op} {v}")
            }
        }
        Condition::Is { value, .. } => match (f.nullable, value) {
            (true, v) => format!("input.{name} == Some({v})"),
            (false, true) => format!("input.{name}"),
            (false, false) => format!("!input.{name}"),
        },
        Condition::In { values, .. } => {
            if f.nullable {
                format!(
                    "matches!(input.{name}.map(|v| v as u8), Some({}))",
                    codes(values)
                )
            } else {
                format!("matches!(input.{name} as u8, {})", codes(values))
            }
        }
        Condition::NotIn { values, .. } => {
            let FieldKind::Cat(n) = f.kind else {
                panic!("not in on a non-category")
            };
            let listed: Vec<usize> = values.iter().map(|v| code_of(set, col, v)).collect();
            let others: Vec<String> = (0..n)
                .filter(|c| !listed.contains(c))
                .map(|c| c.to_string())
                .collect();
            if f.nullable {
                format!(
                    "matches!(input.{name}.map(|v| v as u8), Some({}))",
                    others.join(" | ")
                )
            } else {
                format!("matches!(input.{name} as u8, {})", others.join(" | "))
            }
        }
        Condition::Missing { .. } => format!("input.{name}.is_none()"),
        Condition::Sum {
            features,
            minus,
            op,
            value,
        } => {
            let terms: Vec<&Field> = features
                .iter()
                .chain(minus)
                .map(|t| &fields[set.feature_index(t).expect("feature")])
                .collect();
            let reads: Vec<String> = terms.iter().map(|t| format!("input.{}", t.name)).collect();
            let binds: Vec<String> = terms
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    if t.nullable {
                        format!("Some(x{i})")
                    } else {
                        format!("x{i}")
                    }
                })
                .collect();
            let xs: Vec<String> = (0..terms.len()).map(|i| format!("x{i}")).collect();
            let (added, subtracted) = xs.split_at(features.len());
            let sum = rulec_runtime::ir::signed_sum(added, subtracted);
            format!(
                "matches!(({}), ({}) if {} {} {})",
                reads.join(", "),
                binds.join(", "),
                sum,
                op.as_str(),
                float(*value)
            )
        }
    }
}

fn tool_cond(
    set: &RuleSet,
    fields: &[Field],
    indicator_of: &[Option<usize>],
    c: &Condition,
) -> String {
    let col = set.feature_index(c.feature()).expect("feature");
    let eqs = |values: &[String]| {
        values
            .iter()
            .map(|v| format!("input[{col}] == {}.0", code_of(set, col, v)))
            .collect::<Vec<_>>()
            .join(" || ")
    };
    match c {
        Condition::Cmp { op, value, .. } => {
            format!("input[{col}] {} {}", op.as_str(), float(*value))
        }
        Condition::Is { value, .. } => {
            format!("input[{col}] == {}", if *value { "1.0" } else { "0.0" })
        }
        Condition::In { values, .. } => format!("({})", eqs(values)),
        Condition::NotIn { values, .. } => {
            let _ = fields;
            format!("(input[{col}] >= 0.0 && !({}))", eqs(values))
        }
        Condition::Missing { .. } => {
            format!("input[{}] == 1.0", indicator_of[col].expect("nullable"))
        }
        Condition::Sum {
            features,
            minus,
            op,
            value,
        } => {
            let sum = indexed_sum(set, "input", features, minus);
            format!("({sum}) {} {}", op.as_str(), float(*value))
        }
    }
}

/// `row[i] + row[j] - row[k] ...`: a sum's terms read from a row array by index.
fn indexed_sum(set: &RuleSet, row: &str, features: &[String], minus: &[String]) -> String {
    let read = |names: &[String]| -> Vec<String> {
        names
            .iter()
            .map(|f| format!("{row}[{}]", set.feature_index(f).expect("feature")))
            .collect()
    };
    rulec_runtime::ir::signed_sum(&read(features), &read(minus))
}

const FLOOR_PRELUDE: &str = r#"//! Written by rulec's `floor` bench: hand-written versions of the same
//! rules, timed against the generated crate on the same rows.
#![allow(clippy::all, dead_code, unused_parens, unused_braces, unused_variables)]

use std::hint::black_box;
use std::time::Instant;

use bench_rules::{Hit, Input, RuleId};

/// Rows timed together.
const CHUNK: usize = 8192;

#[derive(Clone, Copy)]
struct Raw {
    tag: u8,
    v: f64,
}

fn present(c: Raw) -> Option<Raw> {
    (c.tag != 0).then_some(c)
}

/// A row as flat arrays: values (categories as codes), missing bitmask.
#[derive(Clone, Copy)]
struct Flat {
    v: [f64; WIDTH],
    missing: u64,
}

const fn hit(i: usize) -> Option<Hit> {
    if i < RuleId::ALL.len() {
        let rule = RuleId::ALL[i];
        Some(Hit { decision: rule.info().decision, rule })
    } else {
        None
    }
}

/// The hit of each rule by index, then `None`.
const H: [Option<Hit>; N_RULES + 1] = {
    let mut h = [None; N_RULES + 1];
    let mut i = 0;
    while i < N_RULES {
        h[i] = hit(i);
        i += 1;
    }
    h
};

"#;

const FLOOR_MAIN: &str = r#"fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bytes = std::fs::read(&args[1]).expect("rows file");
    let rounds: usize = args[2].parse().expect("rounds");
    let n = u64::from_le_bytes(bytes[0..8].try_into().unwrap()) as usize;
    let width = u64::from_le_bytes(bytes[8..16].try_into().unwrap()) as usize;
    assert_eq!(width, WIDTH);
    let mut raws = Vec::with_capacity(n * WIDTH);
    for chunk in bytes[16..].chunks_exact(9) {
        raws.push(Raw { tag: chunk[0], v: f64::from_le_bytes(chunk[1..9].try_into().unwrap()) });
    }
    assert_eq!(raws.len(), n * WIDTH);
    let inputs: Vec<Input> = raws.chunks_exact(WIDTH).map(to_input).collect();
    let flats: Vec<Flat> = raws.chunks_exact(WIDTH).map(to_flat).collect();
    let tools: Vec<Vec<f64>> = raws.chunks_exact(WIDTH).map(to_tool).collect();
    drop(raws);

    // Every version agrees with `decide` on every row before any timing.
    let mut batch = vec![None; n];
    assert_eq!(bench_rules::decide_batch(&inputs, &mut batch), n);
    for i in 0..n {
        let want = bench_rules::decide(&inputs[i]);
        assert_eq!(batch[i], want, "decide_batch, row {i}");
        assert_eq!(nested(&inputs[i]), want, "nested, row {i}");
        assert_eq!(flat(&flats[i]), want, "flat, row {i}");
        let scores = score(&tools[i]);
        assert_eq!(scores.len(), N_CLASSES);
        let class = scores.iter().position(|&s| s == 1.0);
        assert_eq!(class, want.map(|h| h.decision as usize), "tool style, row {i}");
    }

    // Each method passes over all rows once per round, methods in turn;
    // every chunk of CHUNK rows is timed on its own, and a method's figure
    // is the median over all its chunks: a chunk during which the thread
    // was preempted (this machine is shared) is an outlier, not a shift.
    let mut out = vec![None; n];
    let names = ["floor", "decide", "decide_batch", "batch_one", "nested", "flat", "tool"];
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    let mut sink = 0u64;
    for _ in 0..rounds {
        for (m, name) in names.iter().enumerate() {
            let mut row = 0;
            while row < n {
                let end = (row + CHUNK).min(n);
                let (ins, outs) = (&inputs[row..end], &mut out[row..end]);
                let start = Instant::now();
                match *name {
                    "floor" => sink ^= floor(black_box(ins)),
                    "decide" => {
                        for (slot, input) in outs.iter_mut().zip(ins) {
                            *slot = bench_rules::decide(black_box(input));
                        }
                    }
                    "decide_batch" => {
                        bench_rules::decide_batch(black_box(ins), outs);
                    }
                    "batch_one" => {
                        for (slot, input) in outs.iter_mut().zip(ins) {
                            let one = std::slice::from_ref(black_box(input));
                            bench_rules::decide_batch(one, std::slice::from_mut(slot));
                        }
                    }
                    "nested" => {
                        for (slot, input) in outs.iter_mut().zip(ins) {
                            *slot = nested(black_box(input));
                        }
                    }
                    "flat" => {
                        for (slot, r) in outs.iter_mut().zip(&flats[row..end]) {
                            *slot = flat(black_box(r));
                        }
                    }
                    _ => {
                        for r in &tools[row..end] {
                            let scores = score(black_box(r));
                            black_box(&scores);
                        }
                    }
                }
                black_box(&outs);
                samples[m].push(start.elapsed().as_secs_f64() * 1e9 / (end - row) as f64);
                row = end;
            }
        }
    }
    black_box(sink);
    for (name, mut times) in names.iter().zip(samples) {
        times.sort_by(f64::total_cmp);
        println!("{name}\t{:.3}", times[times.len() / 2]);
    }
}
"#;
