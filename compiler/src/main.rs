//! The `rulec` command line: thin glue over the library.
//!
//! The flags are defined in [`cli`], progress is shown by [`reporter`]; what
//! the commands print and write is rendered by `rulec::render`, and every
//! file is written by `rulec::output`, all-or-nothing. Errors are printed
//! once, as a chain (`error: ...: cause`), and mapped to exit codes here: 0
//! success, 1 failure (bad input, unreadable file, nothing written), 2
//! usage errors (from clap).

/// `eprintln!` that ignores a failed write: a log that is closed or full
/// (`rulec compile .. 2>&1 | head`, `2>/dev/full`) must not end a compile
/// or change its outcome, where `eprintln!` would panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod cli;
mod reporter;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Parser;

use cli::{Cli, Command, CommonOpts, EmitArgs, LangArg, ValidateArgs};
use reporter::{progress, Reporter};
use rulec::pipeline::{self, CompileParams};
use rulec::render::{self, percent};
use rulec::{output, rules_file};
use rulec_runtime::Evaluator;

/// polars reads a data file through a memory map: a file cut short while
/// it is read (a truncating copy over it) raises SIGBUS, which would end
/// rulec with no word. Say what happened instead. No output is half
/// written: outputs are renamed into place only once complete.
#[cfg(unix)]
fn on_bus_error() {
    extern "C" fn handler(_: libc::c_int) {
        const MSG: &[u8] = b"error: a file rulec was reading was cut short or replaced while it read it (bus error); nothing was written; run again once the file is complete\n";
        // SAFETY: write(2) and _exit(2) are async-signal-safe, and MSG is
        // a static buffer of the length given.
        unsafe {
            libc::write(2, MSG.as_ptr().cast(), MSG.len());
            libc::_exit(1);
        }
    }
    // SAFETY: the handler calls async-signal-safe functions only.
    unsafe {
        libc::signal(
            libc::SIGBUS,
            handler as extern "C" fn(libc::c_int) as libc::sighandler_t,
        );
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // On Ctrl-C or SIGTERM: drop any half-written output and stop. The
    // destination directory is only ever replaced by a final rename, so it
    // is left exactly as it was.
    let _ = ctrlc::set_handler(|| {
        rulec::oracle::kill_all();
        output::abandon();
        // `abandon` waits for a swap under way: after it, an output is
        // either as it was or whole and new.
        match output::written().as_slice() {
            [] => say!("error: interrupted; no partial output was left behind"),
            done => say!(
                "error: interrupted after the output was written in full ({}); nothing is half-written",
                done.iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
        std::process::exit(130);
    });
    #[cfg(unix)]
    on_bus_error();
    match run(cli) {
        Ok(code) => code,
        // A reader that stops early (`rulec apply .. | head`) closes the
        // pipe: what it read is all it wanted, so that is no error.
        Err(e) if e.chain().any(|cause| cause.is::<StdoutClosed>()) => ExitCode::SUCCESS,
        // An interrupt's handler is exiting: its word and status stand.
        Err(_) if output::abandoned() => loop {
            std::thread::sleep(std::time::Duration::from_millis(50));
        },
        Err(e) => {
            let message = format!("{e:#}");
            say!("error: {}", rulec::progress::terminal_safe(&message));
            ExitCode::from(1)
        }
    }
}

/// Standard output's reader has gone (`rulec apply .. | head`). Only a
/// write to standard output gives it: a closed pipe elsewhere (a `cmd:`
/// teacher that died) stays an error.
#[derive(Debug)]
struct StdoutClosed;

impl std::fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("standard output was closed")
    }
}

impl std::error::Error for StdoutClosed {}

/// An error writing to standard output: [`StdoutClosed`] for a closed
/// pipe, else the error itself.
fn stdout_error(e: std::io::Error) -> anyhow::Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        StdoutClosed.into()
    } else {
        e.into()
    }
}

/// Writes `text` to standard output, returning the error `print!` would
/// panic on (a closed pipe).
fn stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).map_err(stdout_error)?;
    out.flush().map_err(stdout_error)
}

/// Writes a verdict's text to standard output: a reader that stops early
/// changes nothing of the verdict, whose exit status (`check`, `verify`,
/// `diff --fail-on-change`) a pipeline reads under `set -o pipefail`.
fn stdout_verdict(text: &str) -> Result<()> {
    match stdout(text) {
        Err(e) if e.is::<StdoutClosed>() => Ok(()),
        other => other,
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let (quiet, verbose) = (cli.quiet, cli.verbose);
    if let Some(n) = cli.threads {
        // Past a thousand threads each costs memory and none adds speed;
        // tens of thousands cannot all be started.
        if n == 0 || n > 1024 {
            anyhow::bail!("--threads must be in 1..=1024, got {n}");
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .context("cannot start the worker threads")?;
    } else if let Some(text) = std::env::var_os("RAYON_NUM_THREADS") {
        // The same limit as --threads (0 is rayon's "one per core"): at
        // 2,000 threads a quarter-second compile took half a minute.
        let text = text.to_string_lossy();
        match text.trim().parse::<usize>() {
            Ok(n) if n <= 1024 => {}
            _ => anyhow::bail!(
                "RAYON_NUM_THREADS must be a number of worker threads in 0..=1024 (0: one per core), got `{text}`"
            ),
        }
    }
    match cli.command {
        Command::Compile { data, opts } => {
            let params = opts.common.params(opts.target, opts.split_column);
            compile_to(&data, params, &opts.common, quiet, verbose)?;
        }
        Command::Demo { rows, opts } => demo(rows, &opts.common, quiet, verbose)?,
        Command::Apply { rules, data } => apply(&rules, &data)?,
        Command::Bench(args) => {
            let reporter = Reporter::new(quiet, verbose);
            let outcomes = rulec::bench::run_with(&args.dir, &args.config(), &reporter)?;
            if args.json {
                stdout(&rulec::bench::json(&outcomes))?;
            } else {
                stdout(&rulec::bench::table(&outcomes))?;
            }
        }
        Command::Validate(args) => validate(args)?,
        Command::Book { rules, out } => {
            let (set, bytes) = rules_file::load_with_bytes(&rules)?;
            let name = rules.file_name().map_or_else(
                || rules.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let dir = out.unwrap_or_else(|| {
                rules
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
            });
            output::check_book_folder(&dir, &bytes).map_err(|e| anyhow::anyhow!("--out {e}"))?;
            output::write_files_into(&dir, &render::book_files(&set, &name, &bytes))?;
            let line = format!("wrote RULEBOOK.md and rulebook.html in {}", dir.display());
            progress(quiet, &line);
        }
        Command::Verify { book, rules } => {
            let verdict = rulec::sign_off::verify(&book, &rules)?;
            stdout_verdict(&format!("{}\n", verdict.line(&book, &rules)))?;
            // The book may describe an edited file faithfully (it says so
            // inside); the sign-off should not read as a clean one.
            if verdict.matches() {
                if let Some(doubt) = rules_file::load(&rules)
                    .ok()
                    .and_then(|s| s.figures_doubt())
                {
                    stdout_verdict(&format!(
                        "note: {} {}; the book says so too\n",
                        rules.display(),
                        doubt.words()
                    ))?;
                }
            }
            if !verdict.matches() {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Diff {
            old,
            new,
            fail_on_change,
        } => {
            let (a, b) = (rules_file::load(&old)?, rules_file::load(&new)?);
            let d = rulec::diff::diff(&a, &b);
            let (old, new) = (old.display().to_string(), new.display().to_string());
            stdout_verdict(&d.markdown(&a, &b, &old, &new))?;
            if fail_on_change && d.changed() {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Check {
            rules,
            data,
            max_share_shift,
            strict,
            groups,
            json,
        } => {
            let set = rules_file::load(&rules)?;
            let params = rulec::check::CheckParams {
                max_share_shift,
                strict,
                groups: cli::Names::flatten(&groups),
            };
            let report = rulec::check::check_file(&set, &data, &params)?;
            if json {
                stdout_verdict(&format!("{}\n", serde_json::to_string_pretty(&report)?))?;
            } else {
                let (rules, data) = (rules.display().to_string(), data.display().to_string());
                stdout_verdict(&report.markdown(&rules, &data))?;
            }
            if !report.passed {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Emit(args) => emit(args, quiet)?,
        Command::Dataset {
            name,
            rows,
            seed,
            out,
        } => {
            let write: &dyn Fn(usize, &mut dyn Write) -> std::io::Result<()> = match name.as_str() {
                "shipping" => &|rows, w| {
                    rulec_datasets::shipping::write_csv(
                        &rulec_datasets::shipping::generate(rows, seed),
                        w,
                    )
                },
                "claims" => &|rows, w| {
                    rulec_datasets::claims::write_csv(
                        &rulec_datasets::claims::generate(rows, seed),
                        w,
                    )
                },
                "lending" => &|rows, w| {
                    rulec_datasets::lending::write_csv(
                        &rulec_datasets::lending::generate(rows, seed),
                        w,
                    )
                },
                _ => {
                    anyhow::bail!("unknown dataset `{name}`; available: shipping, claims, lending")
                }
            };
            if out.as_os_str() == "-" {
                let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
                write(rows, &mut stdout)
                    .and_then(|()| stdout.flush())
                    .map_err(stdout_error)?;
                return Ok(ExitCode::SUCCESS);
            }
            if out.is_dir() {
                anyhow::bail!(
                    "--out {}: is a directory; name the CSV file to write (or - for standard output)",
                    out.display()
                );
            }
            let mut header = Vec::new();
            write(1, &mut header)?;
            let first = header.split(|&b| b == b'\n').next().unwrap_or_default();
            output::check_own_file(&out, first, "this dataset's CSV")
                .map_err(|e| anyhow::anyhow!("--out {e}"))?;
            output::write_file_with(&out, |w| write(rows, w))?;
            progress(quiet, &format!("wrote {} ({rows} rows)", out.display()));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `rulec demo`: the shipping dataset, generated into a scratch directory
/// and compiled.
fn demo(rows: usize, common: &CommonOpts, quiet: bool, verbose: bool) -> Result<()> {
    let params = common.params("cheapest_shipper".into(), None);
    // Bad flags fail before any rows are generated.
    drop(params.clone().check()?);
    output::check_destination(&common.out)?;
    let scratch = output::Scratch::new("demo")?;
    let csv = scratch.path().join("shipping.csv");
    let seed = common.seed;
    progress(
        quiet,
        &format!("demo: generating {rows} shipping rows (seed {seed})"),
    );
    write_shipping(&csv, rows, seed)?;
    // The scratch file's path means nothing to the user: a message names
    // the rows they asked for instead.
    compile_to(std::slice::from_ref(&csv), params, common, quiet, verbose).map_err(|e| {
        let what = format!("the demo's {rows} generated rows");
        anyhow::anyhow!(
            "{}",
            format!("{e:#}").replace(&csv.display().to_string(), &what)
        )
    })
}

fn write_shipping(path: &Path, rows: usize, seed: u64) -> Result<()> {
    let data = rulec_datasets::shipping::generate(rows, seed);
    output::write_file_with(path, |w| rulec_datasets::shipping::write_csv(&data, w))?;
    Ok(())
}

fn compile_to(
    data: &[PathBuf],
    params: CompileParams,
    common: &CommonOpts,
    quiet: bool,
    verbose: bool,
) -> Result<()> {
    let out = common.out.as_path();
    let params = params.check()?;
    let emit = cli::emit_options(common.with_runtime.as_deref(), &out.join("crate"))?;
    let inputs: Vec<&Path> = data
        .iter()
        .map(PathBuf::as_path)
        .chain(common.card.as_deref())
        .chain(common.proposals.as_deref())
        .collect();
    // An input inside the folder first: it is the more telling message.
    output::check_inputs_outside(out, &inputs)?;
    output::check_destination(out)?;
    let start = Instant::now();
    let reporter = Reporter::new(quiet, verbose);
    let compiled = pipeline::compile_files(data, &params, &reporter)?;
    reporter.finish();
    // What the folder held, for the last line: a compile replaced without a
    // word (the default `--out` is the demo's `out`) is a surprise.
    let replaced = rules_file::load(&out.join("rules.json")).ok().map(|old| {
        let from = old
            .provenance
            .as_ref()
            .map(|p| format!(" from {}", rulec::progress::terminal_safe(&p.data_file)))
            .unwrap_or_default();
        format!(
            " (replacing the compile of `{}`{from} it held)",
            rulec::progress::terminal_safe(&old.target.name)
        )
    });
    let emit_start = Instant::now();
    output::write_all(out, &render::compile_files(&compiled, &emit)?)?;
    let emit_time = emit_start.elapsed();
    if !quiet {
        let r = &compiled.report;
        if r.coverage.is_none() {
            let why = match &params.get().split_column {
                Some(column) => format!("no `test` rows in column `{column}`"),
                None => "a test share of 0".to_string(),
            };
            say!(
                "done: {}; no test rows to report on ({why}): the rule book's figures are the validation rows'",
                rulec_codegen::sentence::counted(r.rules as usize, "rule", "rules"),
            );
        } else {
            say!(
            "done: {}; test coverage {}, covered precision {}, fidelity {}, cascade accuracy {}, teacher accuracy {}",
            rulec_codegen::sentence::counted(r.rules as usize, "rule", "rules"),
            percent(r.coverage),
            percent(r.covered_precision),
            percent(r.fidelity),
            percent(r.cascade_accuracy),
            percent(r.teacher_accuracy)
        );
        }
        if let Some(t) = &r.teacher_threshold {
            say!("{}", teacher_threshold_line(t, r.precision_target));
        }
        if common.proposals.is_some() {
            let proposal = |origin: &Option<String>| origin.as_deref() == Some("proposal");
            let kept = compiled
                .rules
                .rules
                .iter()
                .filter(|r| proposal(&r.origin))
                .count();
            let refused: Vec<_> = compiled
                .rules
                .rejected
                .iter()
                .filter(|r| proposal(&r.rule.origin))
                .collect();
            say!(
                "proposals: {kept} kept, {} not kept{}",
                refused.len(),
                if refused.is_empty() {
                    ""
                } else {
                    " (the rule book says why, under Rules considered and not kept):"
                }
            );
            for r in refused {
                say!(
                    "  `{}`: {}",
                    rulec::progress::terminal_safe(&r.rule.name),
                    rulec::progress::terminal_safe(&r.reason)
                );
            }
        }
        let mut times: Vec<String> = compiled
            .timings
            .iter()
            .map(|(s, d)| format!("{s} {:.2}s", d.as_secs_f64()))
            .collect();
        times.push(format!("emit {:.2}s", emit_time.as_secs_f64()));
        let total = start.elapsed().as_secs_f64();
        say!("time: {} (total {total:.2}s)", times.join(", "));
        say!(
            "wrote {}{}; the rule book to read first: {}",
            out.display(),
            replaced.unwrap_or_default(),
            out.join("RULEBOOK.md").display()
        );
    }
    Ok(())
}

/// The teacher's own threshold, as the line after `done:` says it.
fn teacher_threshold_line(t: &rulec::report::TeacherThreshold, target: f64) -> String {
    match t.threshold {
        Some(tau) if t.coverage.is_none() => format!(
            "reference: the teacher alone would answer where its top probability is at least {tau:.3} (its own threshold, chosen on the validation rows); there are no test rows to measure it on"
        ),
        Some(tau) => format!(
            "reference: the teacher alone, answering where its top probability is at least {tau:.3}, answers {} of test rows at {} (its own threshold, chosen on the validation rows; not certified as the rules are)",
            percent(t.coverage),
            percent(t.covered_precision),
        ),
        None => format!(
            "reference: no threshold of the teacher's own probability reaches {} on the validation rows: the teacher alone would answer nothing at this precision",
            percent(Some(target)),
        ),
    }
}

/// The values of a file's columns that are none of the rules' categories,
/// said only where they are most of a column's: a feed that writes the
/// column another way, which sends those rows to the fallback unseen (and
/// `validate`'s table would show only less coverage). A warning, which
/// `-q` keeps: a job that applies rules quietly must still hear of it.
fn warn_of_new_values(data: &Path, unknown: &[rulec::ingest::UnknownValues]) {
    for u in unknown.iter().filter(|u| u.unknown * 2 > u.present) {
        let line = format!("warning: {}: {}", data.display(), u.note());
        say!("{}", rulec::progress::terminal_safe(&line));
    }
}

/// `rulec apply`: the decisions as CSV on standard output.
fn apply(rules: &Path, data: &Path) -> Result<()> {
    let set = rules_file::load(rules)?;
    let eval = Evaluator::new(&set)?;
    let (cells, n, unknown) = rulec::ingest::read_batch(data, &set, &eval)?;
    warn_of_new_values(data, &unknown);
    let width = set.features.len();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    writeln!(out, "{}", render::DECISIONS_HEADER).map_err(stdout_error)?;
    for row_idx in 0..n {
        let hit = eval.decide(&cells[row_idx * width..(row_idx + 1) * width])?;
        writeln!(out, "{}", render::decision_line(&set, row_idx, hit)).map_err(stdout_error)?;
    }
    out.flush().map_err(stdout_error)
}

fn validate(args: ValidateArgs) -> Result<()> {
    let (rules, data) = args.rules_and_data();
    let fallback = cli::defaults();
    let set = rules_file::load_for(
        &rules,
        &data,
        args.precision.unwrap_or(fallback.precision),
        args.confidence.unwrap_or(fallback.confidence),
    )?;
    let precision = args.precision.unwrap_or(set.certification.precision);
    let confidence = args.confidence.unwrap_or(set.certification.confidence);
    let engine = args.engine.into();
    let teacher_column = args.teacher_column.as_deref();
    let (measured, unknown) = rulec::validate_file::measure_noting(
        &set,
        &data,
        teacher_column,
        precision,
        confidence,
        engine,
    )?;
    warn_of_new_values(&data, &unknown);
    let text = if args.json {
        render::validate_json(&measured, engine)?
    } else {
        rulec::progress::terminal_safe(&render::validate_table(
            &measured, engine, precision, confidence,
        ))
        .into_owned()
    };
    stdout(&text)
}

fn emit(args: EmitArgs, quiet: bool) -> Result<()> {
    args.check_lang();
    let set = rules_file::load(&args.rules)?;
    let out = args.out.as_path();
    output::check_inputs_outside(out, &[args.rules.as_path()])?;
    // The crate's docs and the SQL's comments carry the figures of the set
    // as compiled; an edited set's are not its own, as the book says.
    // A warning, printed under --quiet too: the code carries figures
    // that are not these rules'.
    if let Some(doubt) = set.figures_doubt() {
        say!(
            "warning: {} {}; the emitted code repeats them, with a caution: measure these rules with rulec validate on labelled rows, or compile again",
            rulec::progress::terminal_safe(&args.rules.display().to_string()),
            doubt.words()
        );
    }
    if args.lang == LangArg::Rust {
        // A compile's folder is replaced as a whole by a crate: its rules.json
        // and rule books would go. Said before what else the folder holds.
        if ["rules.json", "RULEBOOK.md", "rulebook.html", "report.json"]
            .iter()
            .any(|f| out.join(f).is_file())
        {
            anyhow::bail!(
                "--out {}: holds a compile's output (rules.json and its rule books), which the crate would replace; name a new folder, such as {}",
                out.display(),
                out.join("crate").display()
            );
        }
        output::check_destination(out)?;
        let emit = cli::emit_options(args.with_runtime.as_deref(), out)?;
        let (name, note) = render::crate_name(&set, args.name.as_deref())
            .map_err(|e| anyhow::anyhow!("--name {e}"))?;
        output::write_all(out, &render::crate_files(&set, &name, &emit)?)?;
        progress(quiet, &format!("wrote {}", out.display()));
        if let Some(note) = note {
            progress(quiet, &format!("note: {note}"));
        }
        return Ok(());
    }
    use rulec_codegen::sql;
    for (flag, value) in [("--table", &args.table), ("--view", &args.view)] {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            anyhow::bail!("{flag} must name a table or view, got an empty name");
        }
    }
    let query = render::SqlQuery {
        dialect: args.dialect.unwrap_or(render::DEFAULT_SQL_DIALECT),
        table: args.table.as_deref().unwrap_or(render::DEFAULT_SQL_TABLE),
        view: args.view.as_deref(),
        evidence: args.evidence,
        teacher_column: args.teacher_column.as_deref(),
    };
    let text = match render::sql(&set, &query) {
        Ok(text) => text,
        // The options' conflict, not the rules': said of the flag.
        Err(e @ sql::Error::Unsupported { .. }) => anyhow::bail!(
            "--view: {e}; write the SELECT (leave out --view) and register its result instead"
        ),
        Err(e) => return Err(anyhow::Error::from(e).context(format!("{}", args.rules.display()))),
    };
    if out.as_os_str() == "-" {
        return stdout(&text);
    }
    if out.is_dir() {
        anyhow::bail!(
            "--out {}: is a directory; with --lang sql, --out names the SQL file to write",
            out.display()
        );
    }
    // Only SQL rulec wrote is replaced: `--out` naming a rule book or a
    // rules.json by a slip would lose it.
    let first = format!("-- {}", sql::GENERATED_MARKER);
    output::check_own_file(out, first.as_bytes(), "SQL rulec wrote")
        .map_err(|e| anyhow::anyhow!("--out {e}"))?;
    // Errors name the file; say which flag named it.
    let written =
        output::write_file(out, text.as_bytes()).map_err(|e| anyhow::anyhow!("--out {e}"))?;
    let verb = if written { "wrote" } else { "unchanged:" };
    let line = format!("{verb} {} ({} dialect)", out.display(), query.dialect);
    progress(quiet, &line);
    Ok(())
}
