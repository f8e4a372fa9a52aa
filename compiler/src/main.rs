//! The `rulec` command line: thin glue over the library.
//!
//! Errors are printed once, as a chain (`error: ...: cause`), and mapped to
//! exit codes here: 0 success, 1 failure (bad input, unreadable file,
//! nothing written), 2 usage errors (from clap).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};

use rulec::output;
use rulec::pipeline::{self, CompileParams, Compiled};
use rulec_runtime::{Evaluator, RuleSet};

/// rulec compiles a big model's judgement on tabular data into a few
/// validated, human-readable rules, a dependency-free Rust crate that
/// decides the routine cases in nanoseconds, and a rule book for auditors.
#[derive(Parser, Debug)]
#[command(name = "rulec", version, about, long_about = None)]
#[command(
    after_help = "Examples:\n  rulec demo --out out/\n  rulec compile shipments.csv --target cheapest_shipper --out out/\n  rulec apply out/rules.json new_rows.csv"
)]
struct Cli {
    /// Print no progress lines.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Also print the steps of long stages as plain lines when the output is not a
    /// terminal (on a terminal they show as progress bars anyway).
    #[arg(long, short, global = true)]
    verbose: bool,
    /// Worker threads (default: one per core). Outputs do not depend on it.
    #[arg(long, global = true)]
    threads: Option<usize>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Compile a dataset into rules.json, RULEBOOK.md, rulebook.html, report.json and a Rust crate.
    #[command(
        after_help = "Examples:\n  rulec compile shipments.csv --target cheapest_shipper --precision 0.95 --out out/\n  rulec compile data/*.parquet --target route --teacher gbdt --sample 1000000 --out out/\n  rulec compile history.csv --target y --teacher cmd:\"python3 serve.py\" --out out/"
    )]
    Compile {
        /// Data file(s): .csv or .parquet. Several files (a shell glob such as
        /// `data/*.parquet`) are read as one table; they must have the same columns.
        #[arg(required = true, num_args = 1..)]
        data: Vec<PathBuf>,
        #[command(flatten)]
        opts: CompileOpts,
    },
    /// Decide every row of a data file with a rules.json; CSV on stdout.
    #[command(
        after_help = "Prints `row,decision,rule` per data row (row counts from 1); decision and rule are\nempty where no rule covers the row and the fallback must answer.\n\nExample:\n  rulec apply out/rules.json new_rows.csv > decisions.csv"
    )]
    Apply {
        /// The rules.json written by `rulec compile`.
        rules: PathBuf,
        /// Data file (.csv or .parquet) with the rule set's feature columns.
        data: PathBuf,
    },
    /// Measure rules (a .rules DSL file or a rules.json) on labelled data.
    #[command(
        after_help = "Prints, per rule in order, the rows it answers, its precision against the target with\nthe lower confidence bound, the agreement with a teacher column, and whether it meets\nthe precision. The rules are tried in order, as they run.\n\nExamples:\n  rulec validate march.csv --rules out/rules.json\n  rulec validate data.csv --rules proposals.rules --teacher-column model_decision --json"
    )]
    Validate {
        /// Data file (.csv or .parquet) with the feature columns and the target.
        data: PathBuf,
        /// The rules: a .rules file in the rule DSL, or a rules.json.
        #[arg(long)]
        rules: PathBuf,
        /// A column holding another model's decisions, for fidelity.
        #[arg(long)]
        teacher_column: Option<String>,
        /// Required precision (default: the rule set's own, or 0.95).
        #[arg(long)]
        precision: Option<f64>,
        /// Confidence of the lower bound (default: the rule set's own, or 0.95).
        #[arg(long)]
        confidence: Option<f64>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// What computes the figures: `rust` (the interpreter, in process) or `sql` (the
        /// rules as polars-dialect SQL, the query `rulec emit --lang sql --evidence` writes,
        /// run by polars' SQL engine over the file). Both give the same figures.
        #[arg(long, value_enum, default_value_t = EngineArg::Rust)]
        engine: EngineArg,
    },
    /// Run the public benchmark protocol (shared/bench) and print rulec beside the best peers.
    #[command(after_help = "Example:\n  rulec bench ../shared/bench")]
    Bench {
        /// The benchmark folder: README.md with the protocol tables, data/*.csv.
        dir: PathBuf,
        /// Precision targets.
        #[arg(long, value_delimiter = ',', default_values_t = vec![0.95, 0.99])]
        targets: Vec<f64>,
        /// Seed.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// Compile the built-in shipping dataset (200,000 generated deliveries).
    #[command(after_help = "Example:\n  rulec demo --out out/")]
    Demo {
        /// Rows to generate.
        #[arg(long, default_value_t = 200_000)]
        rows: usize,
        #[command(flatten)]
        opts: DemoOpts,
    },
    /// Write the rule book (RULEBOOK.md and rulebook.html) of a rules.json.
    #[command(
        after_help = "Both files are rendered from the rule set alone and are byte-identical for the same\nrules.json. Other files in the directory are left alone.\n\nExamples:\n  rulec book out/rules.json --out book/\n  rulec book out/rules.json            # beside rules.json"
    )]
    Book {
        /// The rules.json written by `rulec compile`.
        rules: PathBuf,
        /// Directory to write into, created if needed (default: the one holding RULES).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Show what changed between two rules.json files, as Markdown for review.
    #[command(
        after_help = "Rules are matched by name, then by the similarity of their conditions. A change is a\nrule added, removed, renamed or with other conditions or decision, the shared rules in\nanother order, or another precision target, bound, target or input columns; figures that\nmoved while the rules stayed the same are shown but are not a change.\n\nExamples:\n  rulec diff old/rules.json new/rules.json > review.md\n  rulec diff old/rules.json new/rules.json --fail-on-change   # exit 1 on any change"
    )]
    Diff {
        /// The rules.json signed off before.
        old: PathBuf,
        /// The rules.json to review.
        new: PathBuf,
        /// Exit with status 1 when anything changed (for review gates).
        #[arg(long)]
        fail_on_change: bool,
    },
    /// Check that the rules still hold on new labelled data; exit status 1 when one fails.
    #[command(
        after_help = "Per rule: the new share of rows, support and precision with its bounds, against the\nbook's precision (the required one, or the rule's own bound in the book when that was\nlower). A rule holds when its lower bound reaches that; it fails when even its upper bound\nis below it, or when its share of rows moved by more than --max-share-shift; in between it\nis flagged as not confirmed (too few rows), which fails only with --strict. The rule set as\na whole is held to the same tests.\n\nExamples:\n  rulec check out/rules.json march.csv\n  rulec check out/rules.json march.csv --max-share-shift 0.1 --json"
    )]
    Check {
        /// The rules.json written by `rulec compile`.
        rules: PathBuf,
        /// Labelled data (.csv or .parquet) with the feature columns and the target.
        data: PathBuf,
        /// Largest accepted move of a rule's share of rows, absolute (0.05 = 5 points).
        #[arg(long, default_value_t = 0.05)]
        max_share_shift: f64,
        /// Fail rules the new rows are too few to confirm, too.
        #[arg(long)]
        strict: bool,
        /// Print JSON instead of Markdown.
        #[arg(long)]
        json: bool,
    },
    /// Generate the Rust crate, or SQL, from a rules.json (for example one an auditor signed off).
    #[command(
        after_help = "With --lang sql, --out is a file: the SELECT that adds the columns rulec_decision and\nrulec_rule to every row of --table (NULL where no rule covers the row), a CREATE VIEW with\n--view, or the per-rule evidence query with --evidence. The same rules.json gives the same\nbytes; the file is replaced only when they change.\n\nExamples:\n  rulec emit out/rules.json --out service/rules_crate\n  rulec emit out/rules.json --lang sql --dialect spark --table shipments --out rules.sql\n  rulec emit out/rules.json --lang sql --evidence --teacher-column model --out evidence.sql"
    )]
    Emit {
        /// The rules.json.
        rules: PathBuf,
        /// Output: the crate's directory (replaced as a whole on success), or with --lang sql
        /// the SQL file (written beside and renamed into place).
        #[arg(long)]
        out: PathBuf,
        /// What to generate: `rust` (a dependency-free crate) or `sql`.
        #[arg(long, value_enum, default_value_t = LangArg::Rust)]
        lang: LangArg,
        /// Package name of the crate (default: <target>_rules).
        #[arg(long)]
        name: Option<String>,
        /// Give the crate an optional `runtime` feature, with rulec-runtime at this path.
        #[arg(long, value_name = "DIR")]
        with_runtime: Option<PathBuf>,
        /// SQL dialect: `ansi` (default; SQLite, PostgreSQL, DuckDB...), `spark` or `polars`.
        #[arg(long, value_parser = parse_dialect)]
        dialect: Option<rulec_codegen::sql::Dialect>,
        /// Table (or view) the SQL reads (default: `data`).
        #[arg(long, value_name = "NAME")]
        table: Option<String>,
        /// Write `CREATE VIEW NAME AS SELECT ...` (not in the polars dialect).
        #[arg(long, value_name = "NAME", conflicts_with = "evidence")]
        view: Option<String>,
        /// Write the per-rule evidence query instead: per rule, the rows it answers and how
        /// many of them match the target column; last the rows no rule covers.
        #[arg(long)]
        evidence: bool,
        /// With --evidence: also count the rows where this column agrees with the rule.
        #[arg(long, requires = "evidence")]
        teacher_column: Option<String>,
    },
    /// Write a built-in dataset as CSV.
    #[command(
        after_help = "Examples:\n  rulec dataset shipping --rows 10000 --out shipping.csv\n  rulec dataset claims --rows 50000 --out claims.csv"
    )]
    Dataset {
        /// Which dataset: `shipping` (which shipper is cheapest; numeric thresholds) or
        /// `claims` (how an insurer routes a claim; categorical-heavy, imbalanced, with
        /// missing values).
        name: String,
        /// Rows to generate.
        #[arg(long, default_value_t = 200_000)]
        rows: usize,
        /// Seed of the generator.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// CSV file to write.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Args, Debug)]
struct CompileOpts {
    /// Column to decide.
    #[arg(long)]
    target: String,
    /// Column with the split per row: `train`, `validation` (or `valid`), `test`.
    /// Without it rows are split 60/20/20, stratified by class, from --seed.
    #[arg(long)]
    split_column: Option<String>,
    #[command(flatten)]
    common: CommonOpts,
}

#[derive(Args, Debug)]
struct DemoOpts {
    #[command(flatten)]
    common: CommonOpts,
}

#[derive(Args, Debug)]
struct CommonOpts {
    /// Precision every rule must reach, as a lower confidence bound on held-out rows.
    #[arg(long, default_value_t = 0.95)]
    precision: f64,
    /// Confidence level of that bound (two-sided Wilson interval).
    #[arg(long, default_value_t = 0.95)]
    confidence: f64,
    /// Seed for the split, the teacher and the learner.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Most rules to keep (the ones covering most rows).
    #[arg(long, default_value_t = 64)]
    max_rules: usize,
    /// Most conditions per rule (depth of the distilled tree).
    #[arg(long, default_value_t = 8)]
    max_depth: usize,
    /// Fewest training rows behind a rule.
    #[arg(long, default_value_t = 20)]
    min_leaf: usize,
    /// The teacher: `forest` (random forest), `gbdt` (gradient-boosted trees), `mlp`
    /// (a neural network, candle on the CPU), `column:NAME` (another model's decisions,
    /// already in the data's column NAME) or `cmd:PROGRAM` (your own model as a program
    /// speaking the oracle protocol, run by `sh -c`; see the book).
    #[arg(long, default_value = "forest", value_parser = parse_teacher)]
    teacher: pipeline::TeacherKind,
    /// Rows per request to a `cmd:` teacher.
    #[arg(long, default_value_t = 1024, value_name = "ROWS")]
    oracle_batch: usize,
    /// Seconds a `cmd:` teacher may take to answer one request (its start-up included).
    #[arg(long, default_value_t = 120.0, value_name = "SECONDS")]
    oracle_timeout: f64,
    /// Synthetic rows, drawn near the training rows, for the teacher to label: the
    /// tree learner sees its judgement where real rows are sparse. Never used as
    /// evidence: precision bounds come from real held-out rows only.
    #[arg(long, default_value_t = 0, value_name = "N")]
    synthetic: usize,
    /// Train the teacher and the rule learner on a stratified, seeded sample of N
    /// training rows; validation and test still use every held-out row.
    #[arg(long, value_name = "N", alias = "teacher-sample")]
    sample: Option<usize>,
    /// Read at most N rows of the data file; a larger file is read as a seeded random
    /// sample of N rows (a CSV file is streamed, so memory stays bounded), with a note.
    #[arg(long, value_name = "N", default_value_t = rulec::ingest::DEFAULT_MAX_ROWS)]
    max_rows: usize,
    /// Time the teacher and the rules on this machine and add the figures (and the
    /// compute saved per million decisions) to rules.json, the rule book and
    /// report.json. Off by default, because timings make outputs differ between runs.
    #[arg(long)]
    measure_cost: bool,
    /// Trees in the random-forest teacher.
    #[arg(long, default_value_t = 50)]
    trees: usize,
    /// Rows each tree learns from, at most: the forest teacher's trees draw
    /// bootstrap samples of this many training rows, and the distilled trees
    /// learn from a seeded sample of this many (0: every training row).
    /// Every held-out row still ranks and certifies the rules. Keeps the
    /// compile time linear in the rows on large data.
    #[arg(long, value_name = "N", default_value_t = rulec::teach::DEFAULT_TREE_ROWS)]
    tree_rows: usize,
    /// Train the teacher even when its labels for this data are cached.
    #[arg(long)]
    no_cache: bool,
    /// Where the teacher's labels are cached (default: ~/.cache/rulec).
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Also offer the paths of the teacher's own trees (forest) as candidate rules.
    #[arg(long)]
    teacher_paths: bool,
    /// Extra distilled trees on bootstrap samples (more candidate rules).
    #[arg(long, default_value_t = 8)]
    bootstrap_trees: usize,
    /// What --precision is certified for: `set` (the rules' covered rows as a
    /// whole) or `rule` (each rule on its own rows).
    #[arg(long, value_enum, default_value_t = CertifyArg::Set)]
    certify: CertifyArg,
    /// Treat the target as a number: rules predict a value, and a decision counts as
    /// right when within this distance of the true value (--precision is then the
    /// share of decisions within it).
    #[arg(long, value_name = "X")]
    tolerance: Option<f64>,
    /// Most categories kept per categorical column; rarer values are treated as
    /// unknown (never covered by a rule).
    #[arg(long, default_value_t = rulec::ingest::DEFAULT_MAX_CATEGORIES)]
    max_categories: usize,
    /// A file of proposed rules in the rule DSL, validated like learned ones.
    #[arg(long, value_name = "FILE.rules")]
    proposals: Option<PathBuf>,
    /// Give the generated crate an optional `runtime` feature that plugs it into
    /// rulec-runtime's Cascade, with the runtime crate at this path (the
    /// `runtime/` folder of a rulec checkout). Off: the crate has no dependency.
    #[arg(long, value_name = "DIR")]
    with_runtime: Option<PathBuf>,
    /// Output directory; replaced as a whole on success, untouched on failure.
    #[arg(long, default_value = "out")]
    out: PathBuf,
}

fn parse_teacher(text: &str) -> Result<pipeline::TeacherKind, String> {
    match text {
        "forest" => Ok(pipeline::TeacherKind::Forest),
        "gbdt" => Ok(pipeline::TeacherKind::Gbdt),
        "mlp" => Ok(pipeline::TeacherKind::Mlp),
        _ => {
            if let Some(name) = text.strip_prefix("column:").filter(|n| !n.is_empty()) {
                Ok(pipeline::TeacherKind::Column(name.to_string()))
            } else if let Some(program) = text.strip_prefix("cmd:").filter(|p| !p.trim().is_empty())
            {
                Ok(pipeline::TeacherKind::Command(program.to_string()))
            } else {
                Err(format!(
                    "`{text}` is not a teacher; expected `forest`, `gbdt`, `mlp`, `column:NAME` or `cmd:PROGRAM`"
                ))
            }
        }
    }
}

fn parse_dialect(text: &str) -> Result<rulec_codegen::sql::Dialect, String> {
    text.parse()
        .map_err(|e: rulec_codegen::sql::Error| e.to_string())
}

// The values of these two options are described in the options' own help
// (variant doc comments would make clap print the long help form).

/// What `rulec emit` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum LangArg {
    Rust,
    Sql,
}

/// What computes `rulec validate`'s figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum EngineArg {
    Rust,
    Sql,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum CertifyArg {
    /// The covered rows of the whole rule set.
    Set,
    /// Each rule on the rows it answers.
    Rule,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // On Ctrl-C or SIGTERM: drop any half-written output and stop. The
    // destination directory is only ever replaced by a final rename, so it
    // is left exactly as it was.
    let _ = ctrlc::set_handler(|| {
        rulec::oracle::kill_all();
        output::abandon();
        eprintln!("error: interrupted; no partial output was left behind");
        std::process::exit(130);
    });
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let quiet = cli.quiet;
    let verbose = cli.verbose;
    if let Some(n) = cli.threads {
        if n == 0 {
            anyhow::bail!("--threads must be at least 1");
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .context("cannot start the worker threads")?;
    }
    match cli.command {
        Command::Compile { data, opts } => {
            let params = compile_params(opts.target, opts.split_column, &opts.common);
            compile_to(&data, params, &opts.common, quiet, verbose)?;
        }
        Command::Demo { rows, opts } => {
            let params = compile_params("cheapest_shipper".into(), None, &opts.common);
            let params_checked = params.clone().check()?;
            drop(params_checked);
            output::check_destination(&opts.common.out)?;
            let dir = tempdir_for_demo()?;
            let csv = dir.join("shipping.csv");
            progress(
                quiet,
                &format!(
                    "demo: generating {rows} shipping rows (seed {})",
                    opts.common.seed
                ),
            );
            write_shipping(&csv, rows, opts.common.seed)?;
            let res = compile_to(
                std::slice::from_ref(&csv),
                params,
                &opts.common,
                quiet,
                verbose,
            );
            let _ = std::fs::remove_dir_all(&dir);
            output::untrack(&dir);
            res?;
        }
        Command::Apply { rules, data } => apply(&rules, &data)?,
        Command::Bench { dir, targets, seed } => {
            let outcomes = rulec::bench::run(&dir, &targets, seed, &Reporter::new(quiet, verbose))?;
            print!("{}", rulec::bench::table(&outcomes));
        }
        Command::Validate {
            data,
            rules,
            teacher_column,
            precision,
            confidence,
            json,
            engine,
        } => validate(
            &data,
            &rules,
            teacher_column.as_deref(),
            precision,
            confidence,
            json,
            engine,
        )?,
        Command::Book { rules, out } => {
            let set = load_rule_set(&rules)?;
            let dir = match out {
                Some(dir) => dir,
                None => rules
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
            };
            write_files_into(&dir, &book_files(&set))?;
            progress(
                quiet,
                &format!("wrote RULEBOOK.md and rulebook.html in {}", dir.display()),
            );
        }
        Command::Diff {
            old,
            new,
            fail_on_change,
        } => {
            let (a, b) = (load_rule_set(&old)?, load_rule_set(&new)?);
            let d = rulec::diff::diff(&a, &b);
            print!(
                "{}",
                d.markdown(&a, &b, &display_name(&old), &display_name(&new))
            );
            if fail_on_change && d.changed() {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Check {
            rules,
            data,
            max_share_shift,
            strict,
            json,
        } => {
            let set = load_rule_set(&rules)?;
            let report = rulec::check::check_file(
                &set,
                &data,
                &rulec::check::CheckParams {
                    max_share_shift,
                    strict,
                },
            )?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!(
                    "{}",
                    report.markdown(&display_name(&rules), &display_name(&data))
                );
            }
            if !report.passed {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Emit {
            rules,
            out,
            lang: LangArg::Rust,
            name,
            with_runtime,
            dialect,
            table,
            view,
            evidence,
            teacher_column,
        } => {
            let sql_only = [
                ("--dialect", dialect.is_some()),
                ("--table", table.is_some()),
                ("--view", view.is_some()),
                ("--evidence", evidence),
                ("--teacher-column", teacher_column.is_some()),
            ];
            if let Some((flag, _)) = sql_only.iter().find(|(_, given)| *given) {
                usage_error(&format!("{flag} is for SQL; add --lang sql"));
            }
            let set = load_rule_set(&rules)?;
            output::check_destination(&out)?;
            let emit = emit_options(with_runtime.as_deref())?;
            let crate_name = name.unwrap_or_else(|| format!("{}_rules", set.target.name));
            let generated = rulec_codegen::rust::emit_crate_with(&set, &crate_name, &emit)
                .map_err(|e| rulec::Error::Codegen(e.to_string()))?;
            let files: Vec<(PathBuf, Vec<u8>)> = generated
                .files
                .into_iter()
                .map(|(p, t)| (PathBuf::from(p), t.into_bytes()))
                .collect();
            output::write_all(&out, &files)?;
            progress(quiet, &format!("wrote {}", out.display()));
        }
        Command::Emit {
            rules,
            out,
            lang: LangArg::Sql,
            name,
            with_runtime,
            dialect,
            table,
            view,
            evidence,
            teacher_column,
        } => {
            if name.is_some() || with_runtime.is_some() {
                let flag = if name.is_some() {
                    "--name"
                } else {
                    "--with-runtime"
                };
                usage_error(&format!(
                    "{flag} is for the Rust crate; drop it with --lang sql"
                ));
            }
            let set = load_rule_set(&rules)?;
            let query = SqlQuery {
                dialect: dialect.unwrap_or(rulec_codegen::sql::Dialect::Ansi),
                table: table.as_deref().unwrap_or(DEFAULT_SQL_TABLE),
                view: view.as_deref(),
                evidence,
                teacher_column: teacher_column.as_deref(),
            };
            let text = emit_sql(&set, &query).with_context(|| format!("{}", rules.display()))?;
            let written = write_file_atomically(&out, text.as_bytes())?;
            progress(
                quiet,
                &format!(
                    "{} {} ({} dialect)",
                    if written { "wrote" } else { "unchanged:" },
                    out.display(),
                    query.dialect
                ),
            );
        }
        Command::Dataset {
            name,
            rows,
            seed,
            out,
        } => match name.as_str() {
            "shipping" => write_shipping(&out, rows, seed)?,
            "claims" => write_claims(&out, rows, seed)?,
            _ => anyhow::bail!("unknown dataset `{name}`; available: shipping, claims"),
        },
    }
    Ok(ExitCode::SUCCESS)
}

fn compile_params(target: String, split_column: Option<String>, c: &CommonOpts) -> CompileParams {
    CompileParams {
        target,
        split_column,
        precision: c.precision,
        confidence: c.confidence,
        seed: c.seed,
        max_rules: c.max_rules,
        max_depth: c.max_depth,
        min_leaf: c.min_leaf,
        n_trees: c.trees,
        tree_rows: c.tree_rows,
        bootstrap_trees: c.bootstrap_trees,
        certify: match c.certify {
            CertifyArg::Set => pipeline::Certify::Set,
            CertifyArg::Rule => pipeline::Certify::Rule,
        },
        proposals: c.proposals.clone(),
        max_categories: c.max_categories,
        teacher_paths: c.teacher_paths,
        tolerance: c.tolerance,
        cache_dir: if c.no_cache {
            None
        } else {
            Some(
                c.cache_dir
                    .clone()
                    .unwrap_or_else(rulec::cache::default_dir),
            )
        },
        teacher: c.teacher.clone(),
        oracle_batch: c.oracle_batch,
        oracle_timeout: if c.oracle_timeout.is_finite() && c.oracle_timeout > 0.0 {
            std::time::Duration::from_secs_f64(c.oracle_timeout.min(1e9))
        } else {
            std::time::Duration::ZERO
        },
        synthetic: c.synthetic,
        sample: c.sample,
        max_rows: c.max_rows,
        measure_cost: c.measure_cost,
        ..CompileParams::default()
    }
}

fn progress(quiet: bool, line: &str) {
    if !quiet {
        eprintln!("{line}");
    }
}

/// Shows a compile's progress on standard error: stage lines, and a
/// progress bar for long steps on a terminal (plain lines at every tenth
/// with `--verbose` otherwise).
struct Reporter {
    quiet: bool,
    verbose: bool,
    terminal: bool,
    state: std::sync::Mutex<ReporterState>,
}

/// The bar in use and what it counts; the step counted plainly and the last
/// tenth printed.
type ReporterState = (Option<(String, indicatif::ProgressBar)>, String, u64);

impl Reporter {
    fn new(quiet: bool, verbose: bool) -> Reporter {
        use std::io::IsTerminal;
        Reporter {
            quiet,
            verbose,
            terminal: std::io::stderr().is_terminal(),
            state: std::sync::Mutex::new((None, String::new(), 0)),
        }
    }

    fn finish_bar(state: &mut ReporterState) {
        if let Some((_, bar)) = state.0.take() {
            bar.finish_and_clear();
        }
    }
}

impl rulec::progress::Progress for Reporter {
    fn line(&self, text: &str) {
        if self.quiet {
            return;
        }
        if let Ok(mut state) = self.state.lock() {
            Reporter::finish_bar(&mut state);
        }
        eprintln!("{text}");
    }

    fn tick(&self, what: &str, done: u64, total: u64) {
        if self.quiet || total == 0 {
            return;
        }
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        if self.terminal {
            if state.0.as_ref().is_none_or(|(w, _)| w != what) {
                Reporter::finish_bar(&mut state);
                let bar = indicatif::ProgressBar::new(total);
                if let Ok(style) = indicatif::ProgressStyle::with_template(
                    "{msg} [{bar:30}] {pos}/{len} ({elapsed})",
                ) {
                    bar.set_style(style.progress_chars("=> "));
                }
                bar.set_message(what.to_string());
                state.0 = Some((what.to_string(), bar));
            }
            if let Some((_, bar)) = &state.0 {
                bar.set_length(total);
                if done > bar.position() {
                    bar.set_position(done);
                }
            }
        } else if self.verbose {
            let tenth = done * 10 / total;
            if state.1 != what {
                state.1 = what.to_string();
                state.2 = 0;
            }
            if tenth > state.2 || done == total && state.2 < 10 {
                state.2 = tenth;
                eprintln!("  {what}: {done}/{total}");
            }
        }
    }
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
    let emit = emit_options(common.with_runtime.as_deref())?;
    output::check_destination(out)?;
    let start = Instant::now();
    let reporter = Reporter::new(quiet, verbose);
    let compiled = pipeline::compile_files(data, &params, &reporter)?;
    if let Ok(mut state) = reporter.state.lock() {
        Reporter::finish_bar(&mut state);
    }
    let emit_start = Instant::now();
    let files = render_outputs(&compiled, &emit)?;
    output::write_all(out, &files)?;
    let emit_time = emit_start.elapsed();
    if !quiet {
        let r = &compiled.report;
        let f = |x: Option<f64>| x.map_or("–".to_string(), |v| format!("{:.1} %", v * 100.0));
        eprintln!(
            "done: {} rules; test coverage {}, covered precision {}, fidelity {}, cascade accuracy {}, teacher accuracy {}",
            r.rules,
            f(r.coverage),
            f(r.covered_precision),
            f(r.fidelity),
            f(r.cascade_accuracy),
            f(r.teacher_accuracy)
        );
        let mut times: Vec<String> = compiled
            .timings
            .iter()
            .map(|(s, d)| format!("{s} {:.2}s", d.as_secs_f64()))
            .collect();
        times.push(format!("emit {:.2}s", emit_time.as_secs_f64()));
        eprintln!(
            "time: {} (total {:.2}s)",
            times.join(", "),
            start.elapsed().as_secs_f64()
        );
        eprintln!("wrote {}", out.display());
    }
    Ok(())
}

/// Emit options from `--with-runtime`.
fn emit_options(with_runtime: Option<&Path>) -> Result<rulec_codegen::rust::EmitOptions> {
    let runtime = match with_runtime {
        None => None,
        Some(dir) => {
            let dir = std::fs::canonicalize(dir)
                .with_context(|| format!("--with-runtime {}", dir.display()))?;
            if !dir.join("Cargo.toml").is_file() {
                anyhow::bail!(
                    "--with-runtime {}: no Cargo.toml there; expected the runtime/ folder of a rulec checkout",
                    dir.display()
                );
            }
            Some(rulec_codegen::rust::RuntimeDependency::Path(dir))
        }
    };
    Ok(rulec_codegen::rust::EmitOptions { runtime })
}

fn render_outputs(
    compiled: &Compiled,
    emit: &rulec_codegen::rust::EmitOptions,
) -> Result<Vec<(PathBuf, Vec<u8>)>> {
    let set = &compiled.rules;
    let mut files = vec![
        (PathBuf::from("rules.json"), set.to_json().into_bytes()),
        (PathBuf::from("report.json"), {
            let mut s = serde_json::to_string_pretty(&compiled.report)?;
            s.push('\n');
            s.into_bytes()
        }),
    ];
    files.extend(book_files(set));
    let crate_name = format!("{}_rules", set.target.name);
    let generated = rulec_codegen::rust::emit_crate_with(set, &crate_name, emit)
        .map_err(|e| rulec::Error::Codegen(e.to_string()))?;
    for (path, text) in generated.files {
        files.push((Path::new("crate").join(path), text.into_bytes()));
    }
    Ok(files)
}

fn apply(rules: &Path, data: &Path) -> Result<()> {
    let text = std::fs::read_to_string(rules).with_context(|| format!("{}", rules.display()))?;
    let set = RuleSet::from_json(&text).with_context(|| format!("{}", rules.display()))?;
    let eval = Evaluator::new(&set)?;
    let (cells, n) = rulec::ingest::read_cells(data, &set, &eval)?;
    let width = set.features.len();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    writeln!(out, "row,decision,rule")?;
    for i in 0..n {
        match eval.decide(&cells[i * width..(i + 1) * width])? {
            Some(hit) => writeln!(
                out,
                "{},{},{}",
                i + 1,
                csv_field(&set.target.classes[hit.class_idx]),
                set.rules[hit.rule_idx].name
            )?,
            None => writeln!(out, "{},,", i + 1)?,
        }
    }
    out.flush()?;
    Ok(())
}

fn load_rules_for(rules: &Path, data: &Path, precision: f64, confidence: f64) -> Result<RuleSet> {
    let text = std::fs::read_to_string(rules).with_context(|| format!("{}", rules.display()))?;
    let is_json = rules
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_json {
        return RuleSet::from_json(&text).with_context(|| format!("{}", rules.display()));
    }
    // A DSL file: its schema comes from the data.
    let parsed = rulec_runtime::dsl::parse(&text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", rules.display()))?;
    let Some(first) = parsed.first() else {
        anyhow::bail!("{}: holds no rules", rules.display());
    };
    let table = rulec::ingest::read(
        data,
        &rulec::ingest::IngestParams {
            target: first.target.clone(),
            split_column: None,
            exclude: Vec::new(),
            max_categories: rulec::ingest::DEFAULT_MAX_CATEGORIES,
            numeric_target: false,
            teacher_column: None,
            max_rows: None,
            seed: 0,
        },
    )?;
    let mut set = RuleSet::new(
        rulec_runtime::ir::Target {
            name: table.target_name.clone(),
            classes: table.classes.clone(),
            tolerance: None,
        },
        rulec::validate::features(&table),
        Vec::new(),
        precision,
        confidence,
    );
    set.rules = rulec_runtime::dsl::parse_for(&text, &set).map_err(|errors| {
        anyhow::anyhow!(
            "{}: {}",
            rules.display(),
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        )
    })?;
    Ok(set)
}

/// The table `rulec emit --lang sql` reads without `--table`.
const DEFAULT_SQL_TABLE: &str = "data";

/// What `rulec emit --lang sql` writes.
struct SqlQuery<'a> {
    dialect: rulec_codegen::sql::Dialect,
    table: &'a str,
    view: Option<&'a str>,
    evidence: bool,
    teacher_column: Option<&'a str>,
}

/// The SQL text of `query` over `set`, ending with a line break.
fn emit_sql(set: &RuleSet, query: &SqlQuery) -> Result<String> {
    use rulec_codegen::sql;
    let res = if query.evidence {
        sql::evidence_query(
            set,
            query.dialect,
            query.table,
            Some(&set.target.name),
            query.teacher_column,
        )
    } else if let Some(view) = query.view {
        sql::view(set, query.dialect, query.table, view)
    } else {
        sql::select(set, query.dialect, query.table)
    };
    match res {
        Ok(text) => Ok(text),
        Err(e @ sql::Error::Unsupported { .. }) => Err(anyhow::anyhow!(
            "{e}; write the SELECT (leave out --view) and register its result instead"
        )),
        Err(e) => Err(e.into()),
    }
}

/// Writes `bytes` to the file `path` through a temporary file beside it and
/// a rename, so a reader never sees half a file; a file that already holds
/// exactly these bytes is left alone. Returns whether it wrote.
fn write_file_atomically(path: &Path, bytes: &[u8]) -> Result<bool> {
    let context = || format!("--out {}", path.display());
    if path.is_dir() {
        anyhow::bail!(
            "--out {}: is a directory; with --lang sql, --out names the SQL file to write",
            path.display()
        );
    }
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(false);
    }
    let Some(name) = path.file_name() else {
        anyhow::bail!("--out {}: names no file", path.display());
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).with_context(context)?;
    let tmp = dir.join(format!(
        ".{}.rulec-tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes).with_context(context)?;
    if let Err(e) = std::fs::rename(&tmp, path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(context);
    }
    Ok(true)
}

/// Prints a usage error of `rulec emit` as clap does and exits with status 2.
fn usage_error(message: &str) -> ! {
    use clap::CommandFactory;
    let mut cli = Cli::command();
    cli.build();
    let mut cmd = cli.find_subcommand("emit").cloned().unwrap_or(cli);
    cmd.error(clap::error::ErrorKind::ArgumentConflict, message)
        .exit()
}

/// `rulec validate`'s JSON: the figures and the engine that computed them.
#[derive(serde::Serialize)]
struct ValidateJson<'a> {
    engine: &'static str,
    #[serde(flatten)]
    measured: &'a rulec::validate::Measured,
}

fn validate(
    data: &Path,
    rules: &Path,
    teacher_column: Option<&str>,
    precision: Option<f64>,
    confidence: Option<f64>,
    json: bool,
    engine: EngineArg,
) -> Result<()> {
    let set = load_rules_for(
        rules,
        data,
        precision.unwrap_or(0.95),
        confidence.unwrap_or(0.95),
    )?;
    let precision = precision.unwrap_or(set.certification.precision);
    let confidence = confidence.unwrap_or(set.certification.confidence);
    for (name, v) in [("--precision", precision), ("--confidence", confidence)] {
        if !(v > 0.0 && v < 1.0) {
            anyhow::bail!("{name} must be between 0 and 1 (exclusive), got {v}");
        }
    }
    let (measured, engine_name, engine_line) = match engine {
        EngineArg::Rust => {
            let eval = Evaluator::new(&set)?;
            let mut extra = vec![("the target", set.target.name.as_str())];
            if let Some(t) = teacher_column {
                extra.push(("--teacher-column", t));
            }
            let (cells, n, columns) = rulec::ingest::read_cells_with(data, &set, &eval, &extra)?;
            let measured = rulec::validate::measure(
                &set,
                &cells,
                n,
                &columns[0],
                columns.get(1).map(Vec::as_slice),
                precision,
                confidence,
            )?;
            (measured, "rust", "rust (the rulec interpreter, in process)")
        }
        EngineArg::Sql => {
            let measured =
                rulec::sql_engine::measure(&set, data, teacher_column, precision, confidence)?;
            (
                measured,
                "sql",
                "sql (the rules' polars-dialect evidence query, run by polars SQL)",
            )
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if json {
        let report = ValidateJson {
            engine: engine_name,
            measured: &measured,
        };
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        let pct = |x: Option<f64>| x.map_or("–".to_string(), |v| format!("{:.1} %", v * 100.0));
        writeln!(out, "engine: {engine_line}")?;
        writeln!(
            out,
            "{} rows, {} answered by the rules ({}); precision required {}, bound: one-sided Wilson at {}",
            measured.rows,
            measured.covered,
            pct((measured.rows > 0).then(|| measured.covered as f64 / measured.rows as f64)),
            pct(Some(precision)),
            pct(Some(confidence))
        )?;
        writeln!(
            out,
            "{:<24} {:<12} {:>9} {:>10} {:>8} {:>9}  verdict",
            "rule", "decides", "support", "precision", "bound", "fidelity"
        )?;
        for m in measured.rules.iter().chain(std::iter::once(&measured.all)) {
            let name = if m.name == "*" {
                "(all rules)"
            } else {
                m.name.as_str()
            };
            writeln!(
                out,
                "{:<24} {:<12} {:>9} {:>10} {:>8} {:>9}  {}",
                name,
                m.decision,
                m.support,
                pct(m.precision),
                pct(Some(m.precision_lower_bound)),
                pct(m.fidelity),
                match &m.reason {
                    None => "accepted".to_string(),
                    Some(r) => format!("rejected: {r}"),
                }
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Quotes a CSV field when it needs it.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn write_shipping(path: &Path, rows: usize, seed: u64) -> Result<()> {
    let data = rulec_datasets::shipping::generate(rows, seed);
    let file = std::fs::File::create(path).with_context(|| format!("{}", path.display()))?;
    rulec_datasets::shipping::write_csv(&data, std::io::BufWriter::new(file))
        .with_context(|| format!("{}", path.display()))?;
    Ok(())
}

fn write_claims(path: &Path, rows: usize, seed: u64) -> Result<()> {
    let data = rulec_datasets::claims::generate(rows, seed);
    let file = std::fs::File::create(path).with_context(|| format!("{}", path.display()))?;
    rulec_datasets::claims::write_csv(&data, std::io::BufWriter::new(file))
        .with_context(|| format!("{}", path.display()))?;
    Ok(())
}

fn tempdir_for_demo() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("rulec-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("{}", dir.display()))?;
    output::track(&dir);
    Ok(dir)
}

/// The rule book's two files.
fn book_files(set: &RuleSet) -> Vec<(PathBuf, Vec<u8>)> {
    vec![
        (
            PathBuf::from("RULEBOOK.md"),
            rulec_codegen::book::markdown(set).into_bytes(),
        ),
        (
            PathBuf::from("rulebook.html"),
            rulec_codegen::html::html(set).into_bytes(),
        ),
    ]
}

fn load_rule_set(path: &Path) -> Result<RuleSet> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
    RuleSet::from_json(&text).with_context(|| format!("{}", path.display()))
}

/// A path for report headings, as the user gave it.
fn display_name(path: &Path) -> String {
    path.display().to_string()
}

/// Writes each file into `dir` (created if needed) through a temporary file
/// and a rename, so a reader never sees half a file; other files in `dir`
/// are left alone (unlike `output::write_all`, which owns its directory).
fn write_files_into(dir: &Path, files: &[(PathBuf, Vec<u8>)]) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}", dir.display()))?;
    for (name, bytes) in files {
        let path = dir.join(name);
        let tmp = dir.join(format!(
            ".{}.rulec-tmp-{}",
            name.display(),
            std::process::id()
        ));
        std::fs::write(&tmp, bytes).with_context(|| format!("{}", tmp.display()))?;
        if let Err(e) = std::fs::rename(&tmp, &path) {
            let _ = std::fs::remove_file(&tmp);
            return Err(e).with_context(|| format!("{}", path.display()));
        }
    }
    Ok(())
}
