//! The command line's definition: every command, flag and help text, in
//! clap's derive form, and the conversion of flags into the library's
//! parameters. Compile defaults come from [`CompileParams::default`] (and
//! the library's other defaults), so each is defined once and `--help`
//! shows it.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};

use rulec::pipeline::{self, CompileParams, OrderMode};
use rulec::validate_file::Engine;

/// rulec compiles a big model's judgement on tabular data into a few
/// validated, human-readable rules, a dependency-free Rust crate that
/// decides the routine cases in nanoseconds, and a rule book for auditors.
#[derive(Parser, Debug)]
#[command(name = "rulec", version, about, long_about = None)]
#[command(
    after_help = "Examples:\n  rulec demo --out out/\n  rulec compile shipments.csv --target cheapest_shipper --out out/\n  rulec apply out/rules.json new_rows.csv"
)]
pub struct Cli {
    /// Print no progress lines and no notes; warnings still print.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also print the steps of long stages as plain lines when the output is not a
    /// terminal (on a terminal they show as progress bars anyway).
    #[arg(long, short, global = true)]
    pub verbose: bool,
    /// Worker threads (default: $RAYON_NUM_THREADS when set, else one per core). Outputs do not depend
    /// on it.
    #[arg(long, global = true)]
    pub threads: Option<usize>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Compile a dataset into rules.json, RULEBOOK.md, rulebook.html, report.json and a Rust crate.
    #[command(
        after_help = "Examples:\n  rulec compile shipments.csv --target cheapest_shipper --precision 0.95 --out out/\n  rulec compile data/*.parquet --target route --teacher gbdt --sample 1000000 --out out/\n  rulec compile history.csv --target y --teacher cmd:\"python3 serve.py\" --out out/"
    )]
    Compile {
        /// Data file(s): .csv, .tsv, .tab, .txt, .dat, .data, .parquet, .feather, .arrow, .ipc, .xlsx, .xlsm, .xlsb, .xls, .ods, .json, .jsonl or .ndjson (text also as .gz or .zst). Several files (a shell glob such as
        /// `data/*.parquet`) are read as one table; they must have the same columns.
        #[arg(required = true, num_args = 1..)]
        data: Vec<PathBuf>,
        #[command(flatten)]
        opts: CompileOpts,
    },
    /// Decide every row of a data file with a rules.json; CSV on stdout.
    #[command(
        after_help = "Prints `row,decision,rule` per data row (row counts from 1); decision and rule are\nempty where no rule covers the row and the fallback must answer. A row with no value in\nany column (a blank line, or a line of empty fields or missing-value markers such as\n`,,` or `NA,null,,N/A`) is no row: it is neither printed nor counted (pandas keeps such\na line as a row of missing values: drop such rows, `df.dropna(how=\"all\")`, before\njoining by position).\nA file of a header and no rows prints the header line alone. Decisions are the target's\nclasses as the training data wrote them (numbers in their shortest form: `7` for `7.0`,\n`0` for `-0.0`; codes such as `007` as written; a target of booleans, `TRUE`/`FALSE` or `True`/`False`, as `true` and\n`false`), quoted as CSV needs and no more: a spreadsheet reads one that starts with\n`=`, `+`, `-` or `@` as a formula.\n\nExample:\n  rulec apply out/rules.json new_rows.csv > decisions.csv"
    )]
    Apply {
        /// The rules.json written by `rulec compile`.
        rules: PathBuf,
        /// Data file (.csv, .tsv, .tab, .txt, .dat, .data, .parquet, .feather, .arrow, .ipc, .xlsx, .xlsm, .xlsb, .xls, .ods, .json, .jsonl or .ndjson; text also as .gz or .zst) with the rule set's feature columns (a column no rule reads, a forbidden one say, may be left out).
        data: PathBuf,
    },
    /// Measure rules (a .rules DSL file or a rules.json) on labelled data.
    #[command(
        override_usage = "rulec validate [OPTIONS] <RULES> <DATA>\n       rulec validate [OPTIONS] --rules <RULES> <DATA>",
        after_help = "Prints, per rule in order, the rows it answers, its precision against the target with\nthe lower confidence bound, the agreement with a teacher column, and whether it meets\nthe precision. The rules are tried in order, as they run.\n\nExamples:\n  rulec validate out/rules.json march.csv\n  rulec validate proposals.rules data.csv --teacher-column model_decision --json\n  rulec validate march.csv --rules out/rules.json"
    )]
    Validate(ValidateArgs),
    /// Run the public benchmark protocol (shared/bench) and print rulec beside the best peers.
    #[command(after_help = "Example:\n  rulec bench ../shared/bench")]
    Bench(BenchArgs),
    /// Compile the built-in shipping dataset (200,000 generated deliveries).
    #[command(after_help = "Example:\n  rulec demo --out out/")]
    Demo {
        /// Rows to generate. The rows are drawn with --seed too: another seed compiles another
        /// draw of the data (`rulec dataset shipping --seed S` writes it), not only another split.
        #[arg(long, default_value_t = DATASET_ROWS)]
        rows: usize,
        #[command(flatten)]
        opts: DemoOpts,
    },
    /// Write the rule book (RULEBOOK.md and rulebook.html) of a rules.json.
    #[command(
        after_help = "Both files are rendered from the rules.json alone and are byte-identical for the same\nfile; their sign-off section records its name and the SHA-256 of its bytes, for `rulec\nverify`. Other files in the directory are left alone.\n\nExamples:\n  rulec book out/rules.json --out book/\n  rulec book out/rules.json            # beside rules.json"
    )]
    Book {
        /// The rules.json written by `rulec compile`.
        rules: PathBuf,
        /// Directory to write into, created if needed (default: the one holding RULES).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Confirm that a signed rule book and a rules.json belong together; exit status 1 when not.
    #[command(
        after_help = "The book's sign-off section records the SHA-256 of the exact bytes of the rules.json it\ndescribes; this hashes RULES and compares. Prints one line: `ok: ...` when they match (exit\n0), `mismatch: ...` with the hash the book records and the one RULES has (exit 1). A book\nwithout a sign-off section, or a file that cannot be read, is an error (exit 1).\n\nExamples:\n  rulec verify out/RULEBOOK.md out/rules.json\n  rulec verify out/rulebook.html deployed/rules.json"
    )]
    Verify {
        /// The rule book: RULEBOOK.md, or rulebook.html.
        book: PathBuf,
        /// The rules.json to check against it.
        rules: PathBuf,
    },
    /// Show what changed between two rules.json files, as Markdown for review.
    #[command(
        after_help = "Rules are matched by name, then by the similarity of their conditions. A change is a\nrule added, removed, renamed or with other conditions or decision, the shared rules in\nanother order, or another precision target, bound, target, input columns or forbidden columns; the\nteacher and figures that moved while the rules stayed the same are shown but are not a\nchange.\n\nExamples:\n  rulec diff old/rules.json new/rules.json > review.md\n  rulec diff old/rules.json new/rules.json --fail-on-change   # exit 1 on any change"
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
        after_help = "Per rule: the new share of rows, support and precision with its bounds, against the\nbook's precision (the required one, or the rule's own bound in the book when that was\nlower). A rule holds when its lower bound reaches that; it fails when even its upper bound\nis below it, or when its share of rows moved by more than --max-share-shift even at the near\nend of the move's interval at the book's confidence; in between it is flagged as not\nconfirmed (too few rows), which fails only with --strict. The rule set as a whole is held to\nthe same tests.\n\nExamples:\n  rulec check out/rules.json march.csv\n  rulec check out/rules.json march.csv --max-share-shift 0.1 --json"
    )]
    Check {
        /// The rules.json written by `rulec compile`.
        rules: PathBuf,
        /// Labelled data (.csv, .tsv, .tab, .txt, .dat, .data, .parquet, .feather, .arrow, .ipc, .xlsx, .xlsm, .xlsb, .xls, .ods, .json, .jsonl or .ndjson; text also as .gz or .zst) with the feature columns (a column no rule reads may be left out) and the target.
        data: PathBuf,
        /// Largest accepted move of a rule's share of rows, absolute (0.05 = 5 points), shown at the book's confidence.
        #[arg(long, allow_negative_numbers = true, default_value_t = rulec::check::CheckParams::default().max_share_shift)]
        max_share_shift: f64,
        /// Fail rules the new rows are too few to confirm, too.
        #[arg(long)]
        strict: bool,
        /// Report the results per value of these columns (default: the columns the
        /// rule book reports by, if any): coverage, precision with its bound, share to
        /// the fallback and rate of each decision, flagging groups that differ.
        /// A name with a comma in it is written with `\,` (`--groups 'a\,b'`).
        #[arg(long, value_name = "COL,...", value_parser = parse_names)]
        groups: Vec<Names>,
        /// Print JSON instead of Markdown.
        #[arg(long)]
        json: bool,
    },
    /// Generate the Rust crate, or SQL, from a rules.json (for example one an auditor signed off).
    #[command(
        after_help = "With --lang sql, --out is a file: the SELECT that adds the columns rulec_decision and\nrulec_rule to every row of --table (NULL where no rule covers the row), a CREATE VIEW with\n--view, or the per-rule evidence query with --evidence. The same rules.json gives the same\nbytes; the file is replaced only when they change.\n\nExamples:\n  rulec emit out/rules.json --out service/rules_crate\n  rulec emit out/rules.json --lang sql --dialect spark --table shipments --out rules.sql\n  rulec emit out/rules.json --lang sql --evidence --teacher-column model --out evidence.sql"
    )]
    Emit(EmitArgs),
    /// Write a built-in dataset as CSV.
    #[command(
        after_help = "Examples:\n  rulec dataset shipping --rows 10000 --out shipping.csv\n  rulec dataset claims --rows 50000 --out claims.csv\n  rulec dataset lending --rows 50000 --out lending.csv"
    )]
    Dataset {
        /// Which dataset: `shipping` (which shipper is cheapest; numeric thresholds) or
        /// `claims` (how an insurer routes a claim; categorical-heavy, imbalanced, with
        /// missing values) or `lending` (mortgage approvals shaped like US HMDA data, with
        /// the applicant's race and sex, for --forbid and --groups).
        name: String,
        /// Rows to generate.
        #[arg(long, default_value_t = DATASET_ROWS)]
        rows: usize,
        /// Seed of the generator.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// CSV file to write (`-` for standard output); an existing file only when it is a CSV of
        /// the same columns.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Args, Debug)]
pub struct CompileOpts {
    /// Column to decide.
    #[arg(long)]
    pub target: String,
    /// Column with the split per row: `train`, `validation` (or `valid`, `val`), `test`, in any case.
    /// Without it rows are split by --split (60/20/20 by default), stratified by class, from --seed.
    #[arg(long)]
    pub split_column: Option<String>,
    #[command(flatten)]
    pub common: CommonOpts,
}

#[derive(Args, Debug)]
pub struct DemoOpts {
    #[command(flatten)]
    pub common: CommonOpts,
}

/// `rulec bench`'s arguments.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// The benchmark folder: README.md with the protocol tables, data/*.csv.
    pub dir: PathBuf,
    /// Precision targets, separated by commas.
    #[arg(
        long,
        allow_negative_numbers = true,
        value_delimiter = ',',
        default_value = "0.95,0.99"
    )]
    pub targets: Vec<f64>,
    /// Seeds of the teacher and the learner (the split is the file's),
    /// separated by commas.
    #[arg(long, value_delimiter = ',', default_value = "0,1,2,3,4")]
    pub seeds: Vec<u64>,
    /// The teacher the rules distil and whose own threshold is the anchor.
    #[arg(long, default_value = "gbdt", value_parser = parse_teacher)]
    pub teacher: pipeline::TeacherKind,
    /// Only these datasets (by name, separated by commas).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Print JSON instead of the table: every line's figures and each seed's run in full
    /// (coverage, covered precision, rules, whether it held, the teacher's threshold, times).
    #[arg(long)]
    pub json: bool,
}

impl BenchArgs {
    /// The benchmark's configuration.
    pub fn config(&self) -> rulec::bench::BenchConfig {
        rulec::bench::BenchConfig {
            targets: self.targets.clone(),
            seeds: self.seeds.clone(),
            teacher: self.teacher.clone(),
            datasets: self.only.clone(),
        }
    }
}

#[derive(Args, Debug)]
pub struct CommonOpts {
    /// Precision the rules' decisions must reach together (each rule alone with `--certify rule`), as a lower confidence bound on validation rows.
    #[arg(long, allow_negative_numbers = true, default_value_t = defaults().precision)]
    pub precision: f64,
    /// Confidence level of that bound (one-sided, exact Clopper–Pearson), above 0.5. With `--certify rule` it is each rule's level, with no correction for the rules kept: some rule may miss the target more often.
    #[arg(long, allow_negative_numbers = true, default_value_t = defaults().confidence)]
    pub confidence: f64,
    /// Seed for the split, the teacher and the learner.
    #[arg(long, default_value_t = defaults().seed)]
    pub seed: u64,
    /// Shares of the rows, in percent, when rulec splits them (no --split-column): TRAIN/VALIDATION/TEST [default: 60/20/20]. Certification stands on the validation rows: more of them let smaller or less pure rule sets pass (50/30/20); test rows only report, and with 0 there are no test figures.
    #[arg(long, value_name = "TRAIN/VALIDATION/TEST")]
    pub split: Option<rulec::split::Shares>,
    /// Most rules to keep (the ones covering most rows).
    #[arg(long, default_value_t = defaults().max_rules)]
    pub max_rules: usize,
    /// Most conditions per rule (depth of the distilled tree).
    #[arg(long, default_value_t = defaults().max_depth)]
    pub max_depth: usize,
    /// Fewest training rows behind a rule. The distilled trees are grown twice: with leaves of at
    /// least four times this many rows (large rules), and of at least this many or 0.2 % of the
    /// rows they learn from, whichever is more (rules for regions the larger leaves cut across;
    /// not grown when that is the larger size). A numeric target's trees use the larger leaves.
    #[arg(long, default_value_t = defaults().min_leaf)]
    pub min_leaf: usize,
    /// The teacher: `forest` (random forest), `gbdt` (gradient-boosted trees), `mlp`
    /// (a neural network, candle on the CPU), `column:NAME` (another model's decisions,
    /// already in the data's column NAME) or `cmd:PROGRAM` (your own model as a program
    /// speaking the oracle protocol, run by `sh -c`; see the book).
    #[arg(long, default_value = default_teacher(), value_parser = parse_teacher)]
    pub teacher: pipeline::TeacherKind,
    /// Rows per request to a `cmd:` teacher.
    #[arg(long, default_value_t = defaults().oracle_batch, value_name = "ROWS")]
    pub oracle_batch: usize,
    /// Seconds a `cmd:` teacher may take to answer one request (its start-up included).
    #[arg(long, allow_negative_numbers = true, default_value_t = defaults().oracle_timeout.as_secs_f64(), value_name = "SECONDS")]
    pub oracle_timeout: f64,
    /// Synthetic rows, drawn near the training rows, for the teacher to label: the
    /// tree learner sees its judgement where real rows are sparse. Never used as
    /// evidence: precision bounds come from real held-out rows only.
    #[arg(long, default_value_t = defaults().synthetic, value_name = "N")]
    pub synthetic: usize,
    /// Train the teacher and the rule learner on a stratified, seeded sample of N
    /// training rows; validation and test still use every held-out row.
    #[arg(long, value_name = "N", alias = "teacher-sample")]
    pub sample: Option<usize>,
    /// Read at most N rows of the data file; a larger file is read as a seeded random
    /// sample of N rows (a CSV file is streamed, so memory stays bounded), with a note.
    #[arg(long, value_name = "N", default_value_t = defaults().max_rows)]
    pub max_rows: usize,
    /// Time the teacher and the rules on this machine and add the figures (and the
    /// compute saved per million decisions) to rules.json, the rule book and
    /// report.json. Off by default, because timings make outputs differ between runs.
    #[arg(long)]
    pub measure_cost: bool,
    /// Trees in the random-forest teacher.
    #[arg(long, default_value_t = defaults().n_trees)]
    pub trees: usize,
    /// Rows each tree learns from, at most: the forest teacher's trees draw
    /// bootstrap samples of this many training rows, and the distilled trees
    /// learn from a seeded sample of this many (0: every training row).
    /// Every held-out row still ranks and certifies the rules. Keeps the
    /// compile time linear in the rows on large data.
    #[arg(long, value_name = "N", default_value_t = defaults().tree_rows)]
    pub tree_rows: usize,
    /// Train the teacher even when its labels for this data are cached.
    #[arg(long)]
    pub no_cache: bool,
    /// Where the teacher's labels are cached (default: $XDG_CACHE_HOME/rulec, else ~/.cache/rulec, else
    /// rulec-cache in the temporary folder).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Also offer the paths of the teacher's own trees as candidate rules (--teacher forest only).
    #[arg(long)]
    pub teacher_paths: bool,
    /// Rules test columns one at a time only: no sums or differences of
    /// columns (by default the candidate trees may also cut the best plain
    /// sum of numeric columns and the best that subtracts, each when it
    /// separates the training labels much better than any column alone).
    #[arg(long)]
    pub no_sums: bool,
    /// Extra distilled trees on bootstrap samples (more candidate rules).
    #[arg(long, default_value_t = defaults().bootstrap_trees)]
    pub bootstrap_trees: usize,
    /// What --precision is certified for: `set` (the rules' covered rows as a
    /// whole), `class` (the rows decided as each class, every decided class
    /// on its own: for imbalanced data, where a set's average can hide a
    /// class far below it) or `rule` (each rule on its own rows).
    #[arg(long, value_enum, default_value_t = CertifyArg::from(defaults().certify))]
    pub certify: CertifyArg,
    /// Which order of the candidate rules the tests walk: `auto` (the greedy
    /// order, or the teacher's confidence order where its testing plan
    /// expects to certify more; decided before any validation label is
    /// read), `greedy` or `confidence` (the leaves of a tree on the
    /// teacher's probabilities, most confident first; --certify set or
    /// class on a class target, a teacher with probabilities, without
    /// --proposals).
    /// Name it before seeing a result: switching because the other order
    /// certified less is a choice made on the validation labels.
    #[arg(long, value_enum, default_value_t = OrderArg::from(defaults().order))]
    pub order: OrderArg,
    /// Treat the target as a number: rules predict a value, and a decision counts as
    /// right when within this distance of the true value (--precision is then the
    /// share of decisions within it).
    #[arg(long, allow_negative_numbers = true, value_name = "X")]
    pub tolerance: Option<f64>,
    /// Most categories kept per categorical column; rarer values are treated as
    /// unknown (never covered by a rule). The trees tell apart at most the 253 most
    /// frequent values of a column and the rest only as one group, so a limit past 253
    /// lets rules list more values, not learn more from them.
    #[arg(long, default_value_t = defaults().max_categories)]
    pub max_categories: usize,
    /// Read these columns as categories, not numbers (e.g. `--categorical
    /// store,zip`): codes written as numbers, whose order means nothing. Rules then
    /// list their values (`store in {"17", "23"}`) instead of comparing them, and
    /// the generated crate takes them as categories (an enum built from the text).
    /// A name with a comma in it is written with `\,` (`--categorical 'a\,b'`).
    #[arg(long, value_name = "COL,...", value_parser = parse_names)]
    pub categorical: Vec<Names>,
    /// Columns no rule and no candidate may read (e.g. `--forbid race,sex`); the rule
    /// book lists them and shows that no rule reads them, and loading refuses a
    /// rules.json whose rule reads one. The teacher still sees them unless
    /// --forbid-teacher is given.
    /// A name with a comma in it is written with `\,` (`--forbid 'a\,b'`).
    #[arg(long, value_name = "COL,...", value_parser = parse_names)]
    pub forbid: Vec<Names>,
    /// Keep the teacher from the --forbid columns too (it learns without them).
    #[arg(long)]
    pub forbid_teacher: bool,
    /// Report the results per value of these columns (forbidden ones included; class targets only):
    /// coverage, precision with its bound, share to the fallback and rate of each
    /// decision, on validation and test rows, flagging groups that differ.
    /// A name with a comma in it is written with `\,` (`--groups 'a\,b'`).
    #[arg(long, value_name = "COL,...", value_parser = parse_names)]
    pub groups: Vec<Names>,
    /// Recompile the rules on N seeded bootstrap resamples of the training rows (a few
    /// dozen; each costs about one compile without the teacher) and report how often
    /// each kept rule comes back; rules found in under half of them are flagged unstable.
    #[arg(long, value_name = "N", default_value_t = defaults().stability)]
    pub stability: usize,
    /// The model card: a TOML file with owner, purpose, intended_population,
    /// out_of_scope, contacts and can_switch_off (strings, or lists of strings for
    /// out_of_scope and contacts). The rule book opens with it; fields not given are
    /// listed as open.
    #[arg(long, value_name = "FILE.toml")]
    pub card: Option<PathBuf>,
    /// A file of proposed rules in the rule DSL, validated like learned ones.
    #[arg(long, value_name = "FILE.rules")]
    pub proposals: Option<PathBuf>,
    /// Give the generated crate an optional `runtime` feature that plugs it into
    /// rulec-runtime's Cascade, with the runtime crate at this path (the
    /// `runtime/` folder of a rulec checkout). Off: the crate has no dependency.
    #[arg(long, value_name = "DIR")]
    pub with_runtime: Option<PathBuf>,
    /// Output directory; replaced as a whole on success, untouched on failure. A folder holding files rulec did not write is refused (a crate's build output aside).
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
}

/// One occurrence of a `COL,...` option, split at its unescaped commas
/// ([`rulec::params::split_names`]); an option given twice adds up.
#[derive(Clone, Debug)]
pub struct Names(Vec<String>);

impl Names {
    pub fn flatten(given: &[Names]) -> Vec<String> {
        given.iter().flat_map(|n| n.0.iter().cloned()).collect()
    }
}

fn parse_names(text: &str) -> Result<Names, String> {
    let names = rulec::params::split_names(text);
    if names.iter().any(String::is_empty) {
        return Err(format!(
            "`{text}` has an empty column name: give column names separated by commas"
        ));
    }
    Ok(Names(names))
}

fn parse_teacher(text: &str) -> Result<pipeline::TeacherKind, String> {
    pipeline::TeacherKind::parse(text)
}

fn parse_dialect(text: &str) -> Result<rulec_codegen::sql::Dialect, String> {
    text.parse()
        .map_err(|e: rulec_codegen::sql::Error| e.to_string())
}

// The values of these two options are described in the options' own help
// (variant doc comments would make clap print the long help form).

/// What `rulec emit` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LangArg {
    Rust,
    Sql,
}

/// What computes `rulec validate`'s figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineArg {
    Rust,
    Sql,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CertifyArg {
    /// The covered rows of the whole rule set.
    Set,
    /// Each decided class on the rows decided as that class.
    Class,
    /// Each rule on the rows it answers.
    Rule,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OrderArg {
    /// The order whose testing plan expects more.
    Auto,
    /// The greedy order of all candidates.
    Greedy,
    /// The teacher's confidence order.
    Confidence,
}

impl From<OrderMode> for OrderArg {
    fn from(order: OrderMode) -> OrderArg {
        match order {
            OrderMode::Auto => OrderArg::Auto,
            OrderMode::Greedy => OrderArg::Greedy,
            OrderMode::Confidence => OrderArg::Confidence,
        }
    }
}

impl From<OrderArg> for OrderMode {
    fn from(order: OrderArg) -> OrderMode {
        match order {
            OrderArg::Auto => OrderMode::Auto,
            OrderArg::Greedy => OrderMode::Greedy,
            OrderArg::Confidence => OrderMode::Confidence,
        }
    }
}

impl From<EngineArg> for Engine {
    fn from(engine: EngineArg) -> Engine {
        match engine {
            EngineArg::Rust => Engine::Rust,
            EngineArg::Sql => Engine::Sql,
        }
    }
}

impl From<pipeline::Certify> for CertifyArg {
    fn from(certify: pipeline::Certify) -> CertifyArg {
        match certify {
            pipeline::Certify::Set => CertifyArg::Set,
            pipeline::Certify::Class => CertifyArg::Class,
            pipeline::Certify::Rule => CertifyArg::Rule,
        }
    }
}

impl From<CertifyArg> for pipeline::Certify {
    fn from(certify: CertifyArg) -> pipeline::Certify {
        match certify {
            CertifyArg::Set => pipeline::Certify::Set,
            CertifyArg::Class => pipeline::Certify::Class,
            CertifyArg::Rule => pipeline::Certify::Rule,
        }
    }
}

/// The library's compile defaults: the one place each is defined.
pub fn defaults() -> CompileParams {
    CompileParams::default()
}

/// The default teacher's name, as `--teacher` reads it.
fn default_teacher() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| defaults().teacher.name())
}

/// Rows `rulec demo` and `rulec dataset` generate by default.
const DATASET_ROWS: usize = 200_000;

impl CommonOpts {
    /// The compile parameters these flags give, for `target`.
    pub fn params(&self, target: String, split_column: Option<String>) -> CompileParams {
        CompileParams {
            target,
            split_column,
            split: self.split,
            precision: self.precision,
            confidence: self.confidence,
            seed: self.seed,
            max_rules: self.max_rules,
            max_depth: self.max_depth,
            min_leaf: self.min_leaf,
            n_trees: self.trees,
            tree_rows: self.tree_rows,
            bootstrap_trees: self.bootstrap_trees,
            certify: self.certify.into(),
            order: self.order.into(),
            proposals: self.proposals.clone(),
            max_categories: self.max_categories,
            teacher_paths: self.teacher_paths,
            sums: !self.no_sums,
            tolerance: self.tolerance,
            cache_dir: if self.no_cache {
                None
            } else {
                Some(
                    self.cache_dir
                        .clone()
                        .unwrap_or_else(rulec::cache::default_dir),
                )
            },
            teacher: self.teacher.clone(),
            oracle_batch: self.oracle_batch,
            // `inf` waits without limit (a billion seconds); NaN, zero or
            // less is refused.
            oracle_timeout: if self.oracle_timeout > 0.0 {
                std::time::Duration::from_secs_f64(self.oracle_timeout.min(1e9))
            } else {
                std::time::Duration::ZERO
            },
            synthetic: self.synthetic,
            sample: self.sample,
            max_rows: self.max_rows,
            measure_cost: self.measure_cost,
            categorical: Names::flatten(&self.categorical),
            forbid: Names::flatten(&self.forbid),
            forbid_teacher: self.forbid_teacher,
            groups: Names::flatten(&self.groups),
            card: self.card.clone(),
            stability: self.stability,
            ..defaults()
        }
    }
}

/// Emit options from `--with-runtime`.
pub fn emit_options(
    with_runtime: Option<&Path>,
    crate_dir: &Path,
) -> Result<rulec_codegen::rust::EmitOptions> {
    let runtime = match with_runtime {
        None => None,
        Some(dir) => Some(
            rulec::render::runtime_dependency(dir, crate_dir)
                .map_err(|e| anyhow::anyhow!("--with-runtime {}: {e}", dir.display()))?,
        ),
    };
    Ok(rulec_codegen::rust::EmitOptions { runtime })
}

/// Prints a usage error of `rulec emit` as clap does and exits with status 2.
pub fn emit_usage_error(message: &str) -> ! {
    usage_error("emit", message)
}

/// Prints a usage error of `rulec SUBCOMMAND` as clap does and exits with
/// status 2.
fn usage_error(subcommand: &str, message: &str) -> ! {
    use clap::CommandFactory;
    let mut cli = Cli::command();
    cli.build();
    let mut cmd = cli.find_subcommand(subcommand).cloned().unwrap_or(cli);
    cmd.error(clap::error::ErrorKind::ArgumentConflict, message)
        .exit()
}

impl ValidateArgs {
    /// The rules file and the data file: `RULES DATA`, or `DATA` with
    /// `--rules RULES` (the older form); a usage error otherwise.
    pub fn rules_and_data(&self) -> (PathBuf, PathBuf) {
        match (&self.rules, self.files.as_slice()) {
            (None, [rules, data]) | (Some(rules), [data]) => (rules.clone(), data.clone()),
            (None, [_]) => usage_error(
                "validate",
                "give the rules and then the data file (`rulec validate RULES DATA`), or the rules with --rules",
            ),
            _ => usage_error(
                "validate",
                "the rules are given twice: with --rules and before the data file; give them once",
            ),
        }
    }
}

// The flags of `rulec validate` (the variant's doc comment is its help).
#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// The rules (a .rules file in the rule DSL, or a rules.json), then the data file (.csv, .tsv, .tab, .txt, .dat, .data, .parquet, .feather, .arrow, .ipc, .xlsx, .xlsm, .xlsb, .xls, .ods, .json, .jsonl or .ndjson; text also as .gz or .zst) with the feature columns and the target; the data file alone when --rules names the rules.
    #[arg(value_names = ["RULES", "DATA"], num_args = 1..=2, required = true)]
    pub files: Vec<PathBuf>,
    /// The rules: a .rules file in the rule DSL, or a rules.json (instead of giving them before the data file).
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// A column holding another model's decisions, for fidelity.
    #[arg(long)]
    pub teacher_column: Option<String>,
    // Help texts with the library's defaults in them.
    #[arg(long, allow_negative_numbers = true, help = format!(
        "Required precision (default: the rule set's own, or {})",
        defaults().precision
    ))]
    pub precision: Option<f64>,
    #[arg(long, allow_negative_numbers = true, help = format!(
        "Confidence of the lower bound (default: the rule set's own, or {})",
        defaults().confidence
    ))]
    pub confidence: Option<f64>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// What computes the figures: `rust` (the interpreter, in process) or `sql` (the
    /// rules as polars-dialect SQL, the query `rulec emit --lang sql --evidence` writes,
    /// run by polars' SQL engine over the file). Both give the same figures.
    #[arg(long, value_enum, default_value_t = EngineArg::Rust)]
    pub engine: EngineArg,
}

// The flags of `rulec emit` (the variant's doc comment is its help).
#[derive(Args, Debug)]
pub struct EmitArgs {
    /// The rules.json.
    pub rules: PathBuf,
    /// Output: the crate's directory (replaced as a whole on success; not a compile's folder,
    /// which holds a rules.json), or with --lang sql the SQL file (written beside and renamed
    /// into place; an existing file only when it is SQL rulec wrote; `-` for standard output).
    #[arg(long)]
    pub out: PathBuf,
    /// What to generate: `rust` (a dependency-free crate) or `sql`.
    #[arg(long, value_enum, default_value_t = LangArg::Rust)]
    pub lang: LangArg,
    /// Package name of the crate (default: <target>_rules).
    #[arg(long)]
    pub name: Option<String>,
    /// Give the crate an optional `runtime` feature, with rulec-runtime at this path.
    #[arg(long, value_name = "DIR")]
    pub with_runtime: Option<PathBuf>,
    /// SQL dialect: `ansi` (default; SQLite, PostgreSQL, DuckDB...), `spark` or `polars`.
    #[arg(long, value_parser = parse_dialect)]
    pub dialect: Option<rulec_codegen::sql::Dialect>,
    /// Table (or view) the SQL reads (default: `data`); in the ANSI and Spark dialects a dot separates schema and table (`analytics.orders`), each part quoted.
    #[arg(long, value_name = "NAME")]
    pub table: Option<String>,
    /// Write `CREATE VIEW NAME AS SELECT ...` (not in the polars dialect); a dot separates schema and view, as in --table.
    #[arg(long, value_name = "NAME", conflicts_with = "evidence")]
    pub view: Option<String>,
    /// Write the per-rule evidence query instead: per rule, the rows it answers and how
    /// many of them match the target column; last the rows no rule covers.
    #[arg(long)]
    pub evidence: bool,
    /// With --evidence: also count the rows where this column agrees with the rule.
    #[arg(long, requires = "evidence")]
    pub teacher_column: Option<String>,
}

impl EmitArgs {
    /// Exits with a usage error when a flag is for the other `--lang`.
    pub fn check_lang(&self) {
        match self.lang {
            LangArg::Rust => {
                let sql_only = [
                    ("--dialect", self.dialect.is_some()),
                    ("--table", self.table.is_some()),
                    ("--view", self.view.is_some()),
                    ("--evidence", self.evidence),
                    ("--teacher-column", self.teacher_column.is_some()),
                ];
                if let Some((flag, _)) = sql_only.iter().find(|(_, given)| *given) {
                    emit_usage_error(&format!("{flag} is for SQL; add --lang sql"));
                }
            }
            LangArg::Sql => {
                if self.name.is_some() || self.with_runtime.is_some() {
                    let flag = if self.name.is_some() {
                        "--name"
                    } else {
                        "--with-runtime"
                    };
                    emit_usage_error(&format!(
                        "{flag} is for the Rust crate; drop it with --lang sql"
                    ));
                }
            }
        }
    }
}
