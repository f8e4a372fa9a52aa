//! The compile pipeline: ingest → split → teach → propose → validate →
//! compact, producing a [`RuleSet`] and a [`Report`].
//!
//! [`CompileParams`] is what the user asked for, unchecked;
//! [`CompileParams::check`] turns it into [`ValidParams`], and only valid
//! parameters can run. This module never writes files: the caller decides
//! where the results go.

use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;
use sha2::{Digest, Sha256};

use rulec_runtime::ir::CostModel;
use rulec_runtime::ir::{
    CertificationTest, Provenance, Rejected, Rule, RuleSet, Scope, SetFigures, SplitRows, Summary,
    Target,
};

use crate::error::Error;
use crate::gbdt::{Gbdt, GbdtParams};
use crate::ingest::{self, IngestParams};
use crate::progress::Progress;
use crate::propose::{self, PoolParams, PoolTargets};
use crate::select::{self, CoverageTable};
use crate::split;
use crate::teach::{Forest, ForestParams, Teacher, TrainingData};
use crate::tree::Binned;
use crate::validate::{self, EncodedRows};

/// What the user asked for. Check with [`CompileParams::check`].
#[derive(Clone, Debug)]
pub struct CompileParams {
    /// Column to decide.
    pub target: String,
    /// Column holding the user's split.
    pub split_column: Option<String>,
    /// Required precision of every rule (lower confidence bound).
    pub precision: f64,
    /// Confidence level of that bound.
    pub confidence: f64,
    /// Seed for the split, the teacher and the learner.
    pub seed: u64,
    /// Most rules to keep.
    pub max_rules: usize,
    /// Depth of the distilled tree (most conditions per rule).
    pub max_depth: usize,
    /// Fewest training rows in a distilled leaf.
    pub min_leaf: usize,
    /// Trees in the random-forest teacher.
    pub n_trees: usize,
    /// Rows each tree learns from, at most: the forest teacher's bootstrap
    /// samples and the distilled trees' samples (0: every training row).
    pub tree_rows: usize,
    /// Extra distilled trees on bootstrap samples, for more candidates.
    pub bootstrap_trees: usize,
    /// What the precision bound certifies.
    pub certify: Certify,
    /// A rule DSL file of proposed rules, validated like learned ones.
    pub proposals: Option<std::path::PathBuf>,
    /// Share of training rows held out from fitting candidates, to rank them.
    pub rank_share: f64,
    /// Most categories kept per categorical column.
    pub max_categories: usize,
    /// The teacher model.
    pub teacher: TeacherKind,
    /// For a numeric target: a decision is right within this distance of the
    /// true value. `None`: the target holds classes.
    pub tolerance: Option<f64>,
    /// Where the teacher's labels are cached (`None`: not cached).
    pub cache_dir: Option<std::path::PathBuf>,
    /// Offer the paths of the teacher's own trees as candidates. Off by
    /// default: those trees were fitted on every training row, the rows that
    /// rank candidates included, so their estimates are flattered, and on the
    /// public benchmark they lowered the certified coverage.
    pub teacher_paths: bool,
    /// Rows per batch sent to an oracle program (`cmd:`).
    pub oracle_batch: usize,
    /// Longest wait for an oracle's answer.
    pub oracle_timeout: Duration,
    /// Synthetic rows for the teacher to label, for the tree learner only.
    pub synthetic: usize,
    /// Most rows read from the data file; a larger file is sampled.
    pub max_rows: usize,
    /// Train the teacher and the learner on a stratified sample of this many
    /// training rows; validation and test still use every held-out row.
    pub sample: Option<usize>,
    /// Time the teacher and the rules on this machine and record the
    /// figures; makes `rules.json` and the book depend on the machine.
    pub measure_cost: bool,
}

/// Which teacher labels the rows.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum TeacherKind {
    /// A random forest ([`crate::teach::Forest`]).
    #[default]
    Forest,
    /// Gradient-boosted trees ([`crate::gbdt::Gbdt`]).
    Gbdt,
    /// A neural network ([`crate::mlp::Mlp`]).
    Mlp,
    /// Another model's decisions, logged in this column of the data
    /// ([`crate::teach::Logged`]); the column is not a feature.
    Column(String),
    /// An oracle program speaking the JSON-lines protocol
    /// ([`crate::oracle`]), run by `sh -c`.
    Command(String),
}

impl TeacherKind {
    /// The name used on the command line.
    pub fn name(&self) -> String {
        match self {
            TeacherKind::Forest => "forest".into(),
            TeacherKind::Gbdt => "gbdt".into(),
            TeacherKind::Mlp => "mlp".into(),
            TeacherKind::Column(c) => format!("column:{c}"),
            TeacherKind::Command(c) => format!("cmd:{c}"),
        }
    }
}

/// What the precision bound is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Certify {
    /// The covered set as a whole (fixed-sequence testing of nested sets).
    #[default]
    Set,
    /// Each rule on its own rows (no correction for the rules tried).
    Rule,
}

impl Default for CompileParams {
    fn default() -> Self {
        CompileParams {
            target: String::new(),
            split_column: None,
            precision: 0.95,
            confidence: 0.95,
            seed: 0,
            max_rules: 64,
            max_depth: 8,
            min_leaf: 20,
            n_trees: 50,
            tree_rows: crate::teach::DEFAULT_TREE_ROWS,
            bootstrap_trees: 8,
            certify: Certify::Set,
            proposals: None,
            rank_share: 0.3,
            max_categories: crate::ingest::DEFAULT_MAX_CATEGORIES,
            teacher: TeacherKind::Forest,
            teacher_paths: false,
            cache_dir: None,
            tolerance: None,
            oracle_batch: crate::oracle::OracleParams::default().batch_rows,
            oracle_timeout: crate::oracle::OracleParams::default().timeout,
            synthetic: 0,
            sample: None,
            max_rows: crate::ingest::DEFAULT_MAX_ROWS,
            measure_cost: false,
        }
    }
}

/// Parameters that passed [`CompileParams::check`].
#[derive(Clone, Debug)]
pub struct ValidParams(CompileParams);

impl ValidParams {
    /// The checked parameters.
    pub fn get(&self) -> &CompileParams {
        &self.0
    }
}

impl CompileParams {
    /// Checks ranges; collects every problem before failing.
    pub fn check(self) -> Result<ValidParams, Error> {
        let mut problems = Vec::new();
        if !(self.precision > 0.0 && self.precision < 1.0) {
            problems.push(format!(
                "--precision must be between 0 and 1 (exclusive), got {}",
                self.precision
            ));
        }
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            problems.push(format!(
                "--confidence must be between 0 and 1 (exclusive), got {}",
                self.confidence
            ));
        }
        if self.max_rules == 0 {
            problems.push("--max-rules must be at least 1".to_string());
        }
        if self.max_depth == 0 || self.max_depth > 32 {
            problems.push(format!(
                "--max-depth must be in 1..=32, got {}",
                self.max_depth
            ));
        }
        if self.min_leaf == 0 {
            problems.push("--min-leaf must be at least 1".to_string());
        }
        if let Some(t) = self.tolerance {
            if !(t.is_finite() && t > 0.0) {
                problems.push(format!("--tolerance must be a positive number, got {t}"));
            }
        }
        if self.max_categories == 0 {
            problems.push("--max-categories must be at least 1".to_string());
        }
        if self.n_trees == 0 || self.n_trees > 10_000 {
            problems.push(format!(
                "--trees must be in 1..=10000, got {}",
                self.n_trees
            ));
        }
        if self.target.is_empty() {
            problems.push("--target must name a column".to_string());
        }
        if self.max_rows < 10 {
            problems.push(format!(
                "--max-rows must be at least 10, got {}",
                self.max_rows
            ));
        }
        if self.sample.is_some_and(|n| n < 10) {
            problems.push("--sample must be at least 10 rows".to_string());
        }
        if self.oracle_batch == 0 {
            problems.push("--oracle-batch must be at least 1".to_string());
        }
        if self.oracle_timeout.is_zero() {
            problems.push("--oracle-timeout must be positive".to_string());
        }
        if self.synthetic > 0 {
            if let TeacherKind::Column(c) = &self.teacher {
                problems.push(format!(
                    "--synthetic needs a teacher that can label new rows; the decisions logged in column `{c}` exist only for the real rows"
                ));
            }
            if self.tolerance.is_some() {
                problems.push(
                    "--synthetic is for class targets; it cannot be used with --tolerance"
                        .to_string(),
                );
            }
        }
        if self.measure_cost && self.tolerance.is_some() {
            problems.push(
                "--measure-cost is for class targets; it cannot be used with --tolerance yet"
                    .to_string(),
            );
        }
        if self.measure_cost && matches!(self.teacher, TeacherKind::Column(_)) {
            problems.push(
                "--measure-cost needs a teacher rulec runs; a logged column's cost is unknown"
                    .to_string(),
            );
        }
        if problems.is_empty() {
            Ok(ValidParams(self))
        } else {
            Err(Error::Params(problems.join("; ")))
        }
    }
}

/// `report.json`: the headline figures, on the test split.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Layout version of this file.
    pub report_version: u32,
    /// Share of test rows the rules answer.
    pub coverage: Option<f64>,
    /// Accuracy against the true label on covered test rows.
    pub covered_precision: Option<f64>,
    /// Wilson lower bound of `covered_precision`.
    pub covered_precision_lower_bound: Option<f64>,
    /// Agreement with the teacher on covered test rows.
    pub fidelity: Option<f64>,
    /// Accuracy of rules where covered, teacher elsewhere, on test rows.
    pub cascade_accuracy: Option<f64>,
    /// Accuracy of the teacher alone on test rows.
    pub teacher_accuracy: Option<f64>,
    /// Number of rules.
    pub rules: usize,
    /// Candidate rules proposed.
    pub candidates: u64,
    /// Why test figures are absent, when they are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Rows per split.
    pub rows: SplitRows,
    /// Rows dropped because their label was missing.
    pub dropped_unlabelled_rows: u64,
    /// The same figures on the validation split (where rules were certified).
    pub validation: Figures,
    /// Comparisons per decision of the teacher, the rules and both in a
    /// cascade, and the share saved (on validation rows).
    pub cost: Option<CostModelFigures>,
    /// Time per decision measured on the compiling machine
    /// (`--measure-cost`), and the compute saved per million decisions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measured_cost: Option<MeasuredCostFigures>,
    /// The precision asked for and the confidence of its bound.
    pub precision_target: f64,
    /// Confidence level.
    pub confidence: f64,
}

/// The cost model as `report.json` shows it.
#[derive(Clone, Debug, Serialize)]
pub struct CostModelFigures {
    /// Comparisons per decision, teacher alone.
    pub teacher_comparisons_per_decision: f64,
    /// Comparisons per decision, rules alone (covered or not).
    pub rules_comparisons_per_decision: f64,
    /// Comparisons per decision, rules first and the teacher for the rest.
    pub cascade_comparisons_per_decision: f64,
    /// Share of the teacher's comparisons the cascade saves.
    pub saved_share: f64,
    /// Comparisons saved per million decisions.
    pub saved_per_million_decisions: f64,
}

/// The measured cost as `report.json` shows it.
#[derive(Clone, Debug, Serialize)]
pub struct MeasuredCostFigures {
    /// Nanoseconds per decision, teacher alone.
    pub teacher_ns_per_decision: f64,
    /// Nanoseconds per decision, rules alone (the interpreter).
    pub rules_ns_per_decision: f64,
    /// Nanoseconds per decision, rules first and the teacher for the rest.
    pub cascade_ns_per_decision: f64,
    /// Share of the teacher's time the cascade saves.
    pub saved_share: f64,
    /// Seconds of compute saved per million decisions.
    pub saved_seconds_per_million_decisions: f64,
    /// How and where it was measured.
    pub method: String,
}

/// Figures of one split.
#[derive(Clone, Debug, Serialize)]
pub struct Figures {
    /// Share of rows answered.
    pub coverage: f64,
    /// Precision on covered rows.
    pub covered_precision: Option<f64>,
    /// Its lower bound.
    pub covered_precision_lower_bound: f64,
    /// Agreement with the teacher on covered rows.
    pub fidelity: Option<f64>,
    /// Cascade accuracy.
    pub cascade_accuracy: f64,
    /// Teacher accuracy.
    pub teacher_accuracy: f64,
}

impl Figures {
    fn of(f: &SetFigures) -> Figures {
        Figures {
            coverage: f.coverage(),
            covered_precision: f.covered.precision(),
            covered_precision_lower_bound: f.covered.precision_lower_bound,
            fidelity: f.covered.fidelity(),
            cascade_accuracy: f.cascade_accuracy(),
            teacher_accuracy: f.teacher_accuracy(),
        }
    }
}

/// Everything a compile produces.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// The rule set (IR), with evidence, summary and provenance.
    pub rules: RuleSet,
    /// Headline figures.
    pub report: Report,
    /// Wall time per stage, for the user's information (never written to
    /// deterministic outputs).
    pub timings: Vec<(&'static str, Duration)>,
}

/// Runs the whole pipeline on the data file at `path`. `progress` receives
/// one line per stage.
pub fn compile(
    path: &Path,
    params: &ValidParams,
    progress: &dyn Progress,
) -> Result<Compiled, Error> {
    compile_files(&[path.to_path_buf()], params, progress)
}

/// Runs the whole pipeline on the rows of several data files together
/// (the same columns in each; CSV and Parquet may be mixed).
pub fn compile_files(
    paths: &[std::path::PathBuf],
    params: &ValidParams,
    progress: &dyn Progress,
) -> Result<Compiled, Error> {
    let Some(path) = paths.first().map(std::path::PathBuf::as_path) else {
        return Err(Error::Params("no data file given".into()));
    };
    let p = params.get();
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |name: &'static str, timings: &mut Vec<(&'static str, Duration)>| {
        timings.push((name, clock.elapsed()));
        clock = Instant::now();
    };

    progress.line(&if paths.len() == 1 {
        "ingest: reading data".to_string()
    } else {
        format!("ingest: reading {} data files", paths.len())
    });
    let table = ingest::read_files(
        paths,
        &IngestParams {
            target: p.target.clone(),
            split_column: p.split_column.clone(),
            exclude: Vec::new(),
            max_categories: p.max_categories,
            numeric_target: p.tolerance.is_some(),
            teacher_column: match &p.teacher {
                TeacherKind::Column(c) => Some(c.clone()),
                _ => None,
            },
            max_rows: Some(p.max_rows),
            seed: p.seed,
        },
    )?;
    let sha = if paths.len() == 1 {
        sha256_file(path)?
    } else {
        // The files' hashes, in order: any change to any file changes it.
        let mut h = Sha256::new();
        for f in paths {
            h.update(sha256_file(f)?.as_bytes());
        }
        hex(&h.finalize())
    };
    let data_names = paths
        .iter()
        .map(|f| {
            f.file_name().map_or_else(
                || f.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    for note in &table.notes {
        progress.line(&format!("note: {note}"));
    }
    let mut splits =
        split::split(&table, p.split_column.as_deref(), p.seed).map_err(|e| Error::Data {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    if splits.train.is_empty() || splits.validation.is_empty() {
        return Err(Error::Params(format!(
            "{}: too few rows ({}) to split into train and validation",
            path.display(),
            table.n_rows()
        )));
    }
    if let Some(n) = p.sample.filter(|&n| n < splits.train.len()) {
        let all = splits.train.len();
        let (_, sample) = split::holdout(
            &splits.train,
            &table.labels,
            table.n_classes(),
            n as f64 / all as f64,
            p.seed ^ 0x5341_4d50,
        );
        progress.line(&format!(
            "sample: the teacher and the rule learner use a stratified sample of {} of the {all} training rows (--sample); validation and test use every held-out row",
            sample.len()
        ));
        splits.train = sample;
    }
    let splits = splits;
    lap("ingest", &mut timings);

    if let Some(tolerance) = p.tolerance {
        let (set, val_fig, test_fig, n_candidates, teacher_desc) =
            compile_numeric(&table, &splits, p, tolerance, progress)?;
        let mut set = set;
        set.provenance = Some(provenance(
            &data_names,
            sha,
            &table,
            &splits,
            teacher_desc,
            p,
        ));
        set.check()?;
        lap("teach, propose, validate, compact", &mut timings);
        let report = report(&set, &val_fig, test_fig.as_ref(), n_candidates, &table, p);
        return Ok(Compiled {
            rules: set,
            report,
            timings,
        });
    }

    let model: Box<dyn Teacher> = match &p.teacher {
        TeacherKind::Forest => Box::new(Forest {
            params: ForestParams {
                n_trees: p.n_trees,
                max_samples: (p.tree_rows > 0).then_some(p.tree_rows),
                seed: p.seed,
                ..ForestParams::default()
            },
        }),
        TeacherKind::Gbdt => Box::new(Gbdt {
            params: GbdtParams {
                seed: p.seed,
                ..GbdtParams::default()
            },
        }),
        TeacherKind::Mlp => Box::new(crate::mlp::Mlp {
            params: crate::mlp::MlpParams {
                seed: p.seed,
                ..Default::default()
            },
        }),
        TeacherKind::Column(c) => Box::new(crate::teach::Logged { column: c.clone() }),
        TeacherKind::Command(program) => Box::new(crate::oracle::Oracle {
            params: crate::oracle::OracleParams {
                program: program.clone(),
                batch_rows: p.oracle_batch,
                timeout: p.oracle_timeout,
            },
        }),
    };
    // Synthetic rows join the table after the split: they are in no split,
    // and leave again before validation.
    let mut table = table;
    let n_real = table.n_rows();
    let synthetic_rows = crate::synthetic::augment(&mut table, &splits.train, p.synthetic, p.seed);
    if !synthetic_rows.is_empty() {
        progress.line(&format!(
            "teach: {} synthetic rows near the training rows, for the teacher to label",
            synthetic_rows.len()
        ));
    }
    progress.line(&format!(
        "teach: {} on {} training rows",
        model.describe(),
        splits.train.len()
    ));
    let binned = Binned::new(&table, &splits.train);
    // Everything the labels depend on, and nothing they do not (precision,
    // rule limits): recompiling with other targets reuses them.
    let cache_key = crate::cache::key(&[
        sha.clone(),
        model.describe(),
        p.teacher.name(),
        p.seed.to_string(),
        splits.method.clone(),
        format!(
            "{:?}/{:?}/{:?}",
            splits.train,
            splits.validation.len(),
            splits.test.len()
        ),
        p.max_categories.to_string(),
        format!("synthetic {}", p.synthetic),
        program_files_fingerprint(&p.teacher),
        table.target_name.clone(),
        table.classes.join("\u{0}"),
        table
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join("\u{0}"),
        env!("CARGO_PKG_VERSION").to_string(),
        crate::cache::build_fingerprint(),
    ]);
    // The teacher's own trees are not cached: `--teacher-paths` always trains.
    let cache_dir = p.cache_dir.clone().filter(|_| !p.teacher_paths);
    let cached = cache_dir
        .as_deref()
        .and_then(|dir| crate::cache::load(dir, &cache_key, table.n_rows(), table.n_classes()));
    let teacher = match cached {
        Some(labels) => {
            progress.line("teach: the teacher's labels for this data and teacher are cached; reusing them (--no-cache to retrain)");
            labels
        }
        None => {
            let tick = |what: &str, done: u64, total: u64| progress.tick(what, done, total);
            let labels = model.fit_label(&TrainingData {
                table: &table,
                binned: &binned,
                splits: &splits,
                tick: &tick,
            })?;
            check_labels(&labels, table.n_rows(), table.n_classes())?;
            if let Some(dir) = &cache_dir {
                // A cache that cannot be written costs time next run, nothing more.
                if let Err(e) = crate::cache::store(dir, &cache_key, &labels, table.n_classes()) {
                    progress.line(&format!(
                        "note: could not cache the teacher's labels in {}: {e}",
                        dir.display()
                    ));
                }
            }
            labels
        }
    };
    lap("teach", &mut timings);

    progress.line("propose: distilling the teacher into candidate rules");
    // Candidates are fitted on part of the training rows and ranked on the
    // rest, so that their ranking estimates are not flattered by the rows
    // they were fitted on.
    let (fit_rows, rank_rows) = split::holdout(
        &splits.train,
        &table.labels,
        table.n_classes(),
        p.rank_share,
        p.seed,
    );
    // Synthetic rows carry the teacher's label as their only truth.
    for r in synthetic_rows.clone() {
        table.labels[r] = teacher.labels[r];
    }
    let targets = PoolTargets {
        teacher_probs: &teacher.probs,
        teacher_labels: &teacher.labels,
        truth: &table.labels,
        teacher_trees: if p.teacher_paths { &teacher.trees } else { &[] },
    };
    let pool_params = PoolParams {
        max_depth: p.max_depth,
        min_samples_leaf: p.min_leaf,
        bootstrap_trees: p.bootstrap_trees,
        max_rows: p.tree_rows,
        seed: p.seed,
    };
    let mut candidates = propose::pool(&table, &binned, &fit_rows, &targets, &pool_params);
    // With synthetic rows, a second pool learns from real and synthetic rows
    // together; its candidates join the first pool's, so the selection can
    // only gain from them (it ranks all on real rows).
    if !synthetic_rows.is_empty() {
        let mut with_synthetic = fit_rows.clone();
        with_synthetic.extend(synthetic_rows.clone());
        let seen: std::collections::BTreeSet<String> = candidates
            .iter()
            .map(|c| rulec_runtime::dsl::print_rule(&c.rule, ""))
            .collect();
        candidates.extend(
            propose::pool(&table, &binned, &with_synthetic, &targets, &pool_params)
                .into_iter()
                .filter(|c| !seen.contains(&rulec_runtime::dsl::print_rule(&c.rule, ""))),
        );
    }
    // From here on, real rows only.
    let mut teacher = teacher;
    if !synthetic_rows.is_empty() {
        crate::synthetic::truncate(&mut table, n_real);
        let k = table.n_classes();
        teacher.labels.truncate(n_real);
        teacher.confidence.truncate(n_real);
        teacher.probs.truncate(n_real * k);
        teacher.comparisons.truncate(n_real);
    }
    let table = table;
    let mut set = RuleSet::new(
        Target {
            name: table.target_name.clone(),
            classes: table.classes.clone(),
            tolerance: None,
        },
        validate::features(&table),
        Vec::new(),
        p.precision,
        p.confidence,
    );
    // The user's proposals come first, under their own names.
    if let Some(file) = &p.proposals {
        let text = std::fs::read_to_string(file).map_err(|e| Error::Io {
            path: file.clone(),
            err: e,
        })?;
        let proposals =
            rulec_runtime::dsl::parse_for(&text, &set).map_err(|errors| Error::Data {
                path: file.clone(),
                message: errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            })?;
        set.rules = proposals;
    }
    let n_proposals = set.rules.len();
    set.rules
        .extend(candidates.into_iter().enumerate().map(|(i, c)| Rule {
            name: format!("candidate_{i}"),
            ..c.rule
        }));
    let n_candidates = set.rules.len() as u64;
    lap("propose", &mut timings);

    progress.line(&format!(
        "validate: ordering {} candidates on {} training rows, certifying on {} validation rows",
        n_candidates,
        splits.train.len(),
        splits.validation.len()
    ));
    let train_rows = EncodedRows::new(&table, &rank_rows);
    let valid_rows = EncodedRows::new(&table, &splits.validation);
    let test_rows = EncodedRows::new(&table, &splits.test);
    let k = table.n_classes();
    let decisions: Vec<u32> = set
        .rules
        .iter()
        .map(|r| set.class_index(&r.decision).unwrap_or(0) as u32)
        .collect();
    let cov_train = validate::coverage(&set, &train_rows)?;
    let truth_train = validate::class_bits(&train_rows, &table.labels, k);
    let teacher_train: Vec<Vec<f32>> = (0..k)
        .map(|c| {
            train_rows
                .rows
                .iter()
                .map(|&r| teacher.probs[r * k + c])
                .collect()
        })
        .collect();
    // Proposals are tried first, in their order.
    let order = select::greedy_order(
        &CoverageTable {
            covers: &cov_train,
            decisions: &decisions,
            truth: &truth_train,
            teacher: Some(&teacher_train),
        },
        p.precision,
        p.confidence,
        p.max_rules,
        n_proposals,
    );
    let cov_valid = validate::coverage(&set, &valid_rows)?;
    let truth_valid = validate::class_bits(&valid_rows, &table.labels, k);
    let valid_table = CoverageTable {
        covers: &cov_valid,
        decisions: &decisions,
        truth: &truth_valid,
        teacher: None,
    };
    let (kept, tests) = certify(&order, &valid_table, p);
    lap("validate", &mut timings);

    progress.line(&format!("compact: {} rules certified", kept.len()));
    record_certification(&mut set, &tests, p);
    set.rejected = rejections(&set, &order, &kept, n_proposals, &tests, p.precision);
    // The coverage/precision curve goes on past the kept rules with the
    // candidates a lower precision target would add: the greedy order
    // continued from the kept rules (pinned first) with no precision floor,
    // on the same held-out training rows, so an auditor sees what a lower
    // target would buy.
    let next_in_line: Vec<Rule> = {
        const CURVE_EXTRA: usize = 16;
        let perm: Vec<usize> = kept
            .iter()
            .copied()
            .chain((0..set.rules.len()).filter(|i| !kept.contains(i)))
            .collect();
        let covers: Vec<select::Bits> = perm.iter().map(|&i| cov_train[i].clone()).collect();
        let perm_decisions: Vec<u32> = perm.iter().map(|&i| decisions[i]).collect();
        let continued = select::greedy_order(
            &CoverageTable {
                covers: &covers,
                decisions: &perm_decisions,
                truth: &truth_train,
                teacher: Some(&teacher_train),
            },
            0.0,
            p.confidence,
            kept.len() + CURVE_EXTRA,
            kept.len(),
        );
        continued
            .rules
            .iter()
            .filter(|&&j| j >= kept.len())
            .map(|&j| set.rules[perm[j]].clone())
            .collect()
    };
    let mut all = std::mem::take(&mut set.rules);
    let chosen: Vec<Rule> = kept
        .iter()
        .map(|&i| std::mem::replace(&mut all[i], placeholder()))
        .collect();
    // Exact compaction: every row keeps its decision, so the certification
    // above still holds.
    let compacted = crate::compact::compact(chosen, &set.features);
    // A learned rule that answers no validation row (its rows all go to
    // earlier rules) has no evidence behind it: leave it out. That changes
    // no validation decision, so the certification is unaffected, and it
    // depends on no label.
    let dropped = {
        let probe = RuleSet {
            rules: compacted.clone(),
            ..set.clone()
        };
        let (per_rule, _) = validate::ordered_evidence(
            &probe,
            &valid_rows,
            &table.labels,
            &teacher.labels,
            p.confidence,
        )?;
        per_rule
    };
    let compacted: Vec<Rule> = compacted
        .into_iter()
        .zip(dropped)
        .filter(|(r, e)| e.support > 0 || is_proposal(r))
        .map(|(r, _)| r)
        .collect();
    set.rules = name_rules(compacted);
    let (val_fig, test_fig) = validate::attach_evidence(
        &mut set,
        &valid_rows,
        Some(&test_rows),
        &table.labels,
        &teacher.labels,
    )?;
    let curve = {
        let mut extended = set.clone();
        extended.rules.extend(next_in_line);
        // Names play no part in the curve; fresh ones cannot clash.
        for (i, rule) in extended.rules.iter_mut().enumerate() {
            rule.name = format!("r{i}");
        }
        validate::prefix_curve(&extended, &valid_rows, &table.labels, p.confidence)?
    };
    set.summary = Some(Summary {
        validation: val_fig.clone(),
        test: test_fig.clone(),
        candidates: n_candidates,
        curve,
        // A logged teacher's cost is unknown: no cost model rather than a wrong one.
        cost: if teacher.comparisons.is_empty() {
            None
        } else {
            Some(cost_model(&set, &valid_rows, &teacher.comparisons)?)
        },
        measured_cost: match (p.measure_cost, teacher.ns_per_row) {
            (true, Some(ns)) => Some(measured_cost(&set, &valid_rows, ns, &p.teacher)?),
            _ => None,
        },
    });
    set.provenance = Some(provenance(
        &data_names,
        sha,
        &table,
        &splits,
        model.describe(),
        p,
    ));
    set.check()?;
    lap("compact", &mut timings);
    let report = report(&set, &val_fig, test_fig.as_ref(), n_candidates, &table, p);
    Ok(Compiled {
        rules: set,
        report,
        timings,
    })
}

/// Rules to list as not kept: every proposal that was not kept, and the
/// first few learned candidates in line after the certified ones.
fn rejections(
    set: &RuleSet,
    order: &select::Order,
    kept: &[usize],
    n_proposals: usize,
    tests: &[select::PrefixTest],
    precision: f64,
) -> Vec<Rejected> {
    const NEAR_MISSES: usize = 3;
    let pct = |x: f64| format!("{:.1} %", x * 100.0);
    let why_after = |pos: usize| -> String {
        // The smallest tested set that includes this rule.
        match tests.iter().filter(|t| t.k > pos).min_by_key(|t| t.k) {
            Some(t) if !t.passed => format!(
                "it comes after the certified rules; the set of the first {} rules, which includes it, reached a precision bound of {} on {} validation rows, below the required {}",
                t.k,
                pct(t.lower_bound),
                t.support,
                pct(precision)
            ),
            _ => "it comes after the certified rules, and no certified set includes it".to_string(),
        }
    };
    let mut out = Vec::new();
    for i in 0..n_proposals {
        if kept.contains(&i) {
            continue;
        }
        let reason = match order.rules.iter().position(|&r| r == i) {
            Some(pos) => why_after(pos),
            None => format!(
                "on the training rows held out to rank rules, the rows it would answer (those no earlier rule answers) were not {} right, or there were none",
                pct(precision)
            ),
        };
        out.push(Rejected {
            rule: set.rules[i].clone(),
            reason,
        });
    }
    let next = order
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| !kept.contains(r) && **r >= n_proposals)
        .take(NEAR_MISSES);
    for (pos, &i) in next {
        let mut rule = set.rules[i].clone();
        rule.name = format!("near_miss_{}", out.len() + 1);
        out.push(Rejected {
            rule,
            reason: why_after(pos),
        });
    }
    out
}

/// For a `cmd:` teacher, a fingerprint of the files its command line names
/// (the script, a saved model): a changed model file is a new teacher, so
/// its labels are not taken from the cache. Other teachers: empty.
fn program_files_fingerprint(teacher: &TeacherKind) -> String {
    let TeacherKind::Command(program) = teacher else {
        return String::new();
    };
    let mut parts = Vec::new();
    for token in program.split_whitespace() {
        let token = token.trim_matches(|c| c == '\'' || c == '"');
        let path = token.split_once('=').map_or(token, |(_, v)| v);
        if let Ok(bytes) = std::fs::read(path) {
            parts.push(format!("{path}:{:x}", Sha256::digest(&bytes)));
        }
    }
    parts.join("\u{0}")
}

/// Checks a teacher's answer has one label per row, within the classes.
fn check_labels(labels: &crate::teach::TeacherLabels, n: usize, k: usize) -> Result<(), Error> {
    let ok = labels.labels.len() == n
        && labels.confidence.len() == n
        && labels.probs.len() == n * k
        && labels.labels.iter().all(|&c| (c as usize) < k);
    if ok {
        Ok(())
    } else {
        Err(Error::Params(format!(
            "the teacher returned {} labels for {n} rows (or a class outside the {k} classes)",
            labels.labels.len()
        )))
    }
}

/// Comparisons per decision of the teacher and of the rules, on the
/// validation rows (see [`CostModel`]).
fn cost_model(set: &RuleSet, rows: &EncodedRows, teacher: &[u32]) -> Result<CostModel, Error> {
    let eval = rulec_runtime::Evaluator::new(set)?;
    let n = rows.len().max(1) as f64;
    let (mut rules, mut covered, mut model) = (0usize, 0usize, 0u64);
    for j in 0..rows.len() {
        let (hit, tested) = eval.decide_counting(rows.row(j));
        rules += tested;
        covered += usize::from(hit.is_some());
        model += u64::from(teacher.get(rows.rows[j]).copied().unwrap_or(0));
    }
    Ok(CostModel {
        teacher_per_decision: model as f64 / n,
        rules_per_decision: rules as f64 / n,
        coverage: covered as f64 / n,
    })
}

/// Times the rules (the interpreter, one row at a time, on the validation
/// rows) next to the teacher's measured time per row.
fn measured_cost(
    set: &RuleSet,
    rows: &EncodedRows,
    teacher_ns: f64,
    teacher: &TeacherKind,
) -> Result<rulec_runtime::ir::MeasuredCost, Error> {
    let eval = rulec_runtime::Evaluator::new(set)?;
    let n = rows.len();
    let covered = (0..n)
        .filter(|&j| matches!(eval.decide(rows.row(j)), Ok(Some(_))))
        .count();
    // Enough passes over the rows for a steady figure (at least 20 ms).
    let (mut passes, mut elapsed) = (0u32, Duration::ZERO);
    let start = Instant::now();
    while n > 0 && (elapsed < Duration::from_millis(20) || passes < 3) {
        for j in 0..n {
            let _ = std::hint::black_box(eval.decide(std::hint::black_box(rows.row(j))));
        }
        passes += 1;
        elapsed = start.elapsed();
    }
    let decisions = (n as f64 * f64::from(passes)).max(1.0);
    let how = match teacher {
        TeacherKind::Command(_) => "the oracle's batches, wall time per row",
        _ => "the teacher's prediction of one row at a time, on one thread",
    };
    Ok(rulec_runtime::ir::MeasuredCost {
        teacher_ns,
        rules_ns: elapsed.as_nanos() as f64 / decisions,
        coverage: if n > 0 { covered as f64 / n as f64 } else { 0.0 },
        method: format!(
            "teacher: {how}; rules: the interpreter over {n} validation rows; {} {}, {} threads available",
            std::env::consts::ARCH,
            std::env::consts::OS,
            std::thread::available_parallelism().map_or(1, |p| p.get())
        ),
    })
}

fn placeholder() -> Rule {
    Rule {
        name: String::new(),
        conditions: Vec::new(),
        decision: String::new(),
        origin: None,
        evidence: None,
    }
}

/// The pipeline for a numeric target (see [`crate::regress`]): returns the
/// rule set with evidence and summary, the set figures per split, the number
/// of candidates and the teacher's description.
#[allow(clippy::type_complexity)]
fn compile_numeric(
    table: &crate::table::Table,
    splits: &split::Splits,
    p: &CompileParams,
    tolerance: f64,
    progress: &dyn Progress,
) -> Result<(RuleSet, SetFigures, Option<SetFigures>, u64, String), Error> {
    use crate::regress;
    let Some(values) = table.values.as_ref() else {
        return Err(Error::Params(
            "internal: a numeric target without values".into(),
        ));
    };
    if p.proposals.is_some() {
        return Err(Error::Params(
            "--proposals is not supported with --tolerance yet".into(),
        ));
    }
    if p.teacher == TeacherKind::Gbdt {
        return Err(Error::Params(
            "--teacher gbdt does not fit numeric targets yet; use forest or column:NAME".into(),
        ));
    }
    let binned = Binned::new(table, &splits.train);
    let (teacher, comparisons, teacher_desc) = match (&p.teacher, &table.teacher_values) {
        (TeacherKind::Column(c), Some(t)) => (
            t.clone(),
            Vec::new(),
            format!("predictions logged in column `{c}`"),
        ),
        _ => {
            let desc = format!(
                "regression forest ({} trees, max depth 20, min leaf 5, a third of the features per split, out-of-bag predictions on train rows)",
                p.n_trees
            );
            progress.line(&format!(
                "teach: {desc} on {} training rows",
                splits.train.len()
            ));
            let (pred, cmp) =
                regress::forest_predict(table, &binned, splits, values, p.n_trees, p.seed);
            (pred, cmp, desc)
        }
    };
    progress.line("propose: regression trees on the teacher's predictions and the true values");
    let (fit_rows, rank_rows) = split::holdout(
        &splits.train,
        &table.labels,
        table.n_classes(),
        p.rank_share,
        p.seed,
    );
    let candidates = regress::pool(
        table,
        &binned,
        &fit_rows,
        &teacher,
        values,
        regress::PoolSpec {
            tolerance,
            max_depth: p.max_depth,
            min_leaf: p.min_leaf,
        },
    );
    let mut set = RuleSet::new(
        Target {
            name: table.target_name.clone(),
            classes: regress::decision_values(&candidates),
            tolerance: Some(tolerance),
        },
        validate::features(table),
        candidates
            .into_iter()
            .enumerate()
            .map(|(i, r)| Rule {
                name: format!("candidate_{i}"),
                ..r
            })
            .collect(),
        p.precision,
        p.confidence,
    );
    let n_candidates = set.rules.len() as u64;
    progress.line(&format!(
        "validate: {n_candidates} candidates, within ±{tolerance} counting as right"
    ));
    let rank = EncodedRows::new(table, &rank_rows);
    let valid = EncodedRows::new(table, &splits.validation);
    let test = EncodedRows::new(table, &splits.test);
    let decisions: Vec<u32> = (0..set.rules.len() as u32).collect();
    let cov_rank = validate::coverage(&set, &rank)?;
    let truth_rank = regress::within_bits(&set, &rank, values, tolerance);
    let teacher_rank: Vec<Vec<f32>> = set
        .rules
        .iter()
        .map(|r| {
            let v: f64 = r.decision.parse().unwrap_or(f64::NAN);
            rank.rows
                .iter()
                .map(|&row| {
                    if (teacher[row] - v).abs() <= tolerance {
                        1.0
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    let order = select::greedy_order(
        &CoverageTable {
            covers: &cov_rank,
            decisions: &decisions,
            truth: &truth_rank,
            teacher: Some(&teacher_rank),
        },
        p.precision,
        p.confidence,
        p.max_rules,
        0,
    );
    let cov_valid = validate::coverage(&set, &valid)?;
    let truth_valid = regress::within_bits(&set, &valid, values, tolerance);
    let valid_table = CoverageTable {
        covers: &cov_valid,
        decisions: &decisions,
        truth: &truth_valid,
        teacher: None,
    };
    let (kept, tests) = certify(&order, &valid_table, p);
    record_certification(&mut set, &tests, p);
    let chosen: Vec<Rule> = kept.iter().map(|&i| set.rules[i].clone()).collect();
    let compacted = crate::compact::compact(chosen, &set.features);
    set.rules = compacted;
    // Learned rules that answer no validation row have no evidence: out.
    let (per_rule, _) =
        regress::ordered_evidence(&set, &valid, values, &teacher, tolerance, p.confidence)?;
    set.rules = set
        .rules
        .drain(..)
        .zip(per_rule)
        .filter(|(_, e)| e.support > 0)
        .map(|(r, _)| r)
        .collect();
    set.rules = name_rules(std::mem::take(&mut set.rules));
    for rule in &mut set.rules {
        if let Some(rest) = rule.name.strip_prefix("class_") {
            rule.name = format!("value_{rest}");
        }
    }
    set.target.classes = regress::decision_values(&set.rules);
    let (val_rules, val_fig) =
        regress::ordered_evidence(&set, &valid, values, &teacher, tolerance, p.confidence)?;
    let test_res = if test.is_empty() {
        None
    } else {
        Some(regress::ordered_evidence(
            &set,
            &test,
            values,
            &teacher,
            tolerance,
            p.confidence,
        )?)
    };
    for (i, rule) in set.rules.iter_mut().enumerate() {
        rule.evidence = Some(rulec_runtime::ir::Evidence {
            validation: val_rules[i].clone(),
            test: test_res.as_ref().map(|(r, _)| r[i].clone()),
            examples: Vec::new(),
        });
    }
    let test_fig = test_res.map(|(_, f)| f);
    set.summary = Some(Summary {
        validation: val_fig.clone(),
        test: test_fig.clone(),
        candidates: n_candidates,
        curve: Vec::new(),
        cost: if comparisons.is_empty() {
            None
        } else {
            Some(cost_model(&set, &valid, &comparisons)?)
        },
        measured_cost: None,
    });
    Ok((set, val_fig, test_fig, n_candidates, teacher_desc))
}

/// Which candidates of `order` are certified, and the tests run.
fn certify(
    order: &select::Order,
    valid: &CoverageTable<'_>,
    p: &CompileParams,
) -> (Vec<usize>, Vec<select::PrefixTest>) {
    match p.certify {
        Certify::Set => {
            let (kept, tests) = select::certify_prefix(order, valid, p.precision, p.confidence);
            (order.rules[..kept].to_vec(), tests)
        }
        Certify::Rule => (
            select::certify_each(&order.rules, valid, p.precision, p.confidence),
            Vec::new(),
        ),
    }
}

/// Writes the scope and the tests run into the rule set's certification.
fn record_certification(set: &mut RuleSet, tests: &[select::PrefixTest], p: &CompileParams) {
    set.certification.scope = match p.certify {
        Certify::Set => Scope::Set,
        Certify::Rule => Scope::Rule,
    };
    set.certification.tests = tests
        .iter()
        .map(|t| CertificationTest {
            rules: t.k,
            support: t.support,
            correct: t.correct,
            confidence: t.confidence,
            lower_bound: t.lower_bound,
            passed: t.passed,
        })
        .collect();
}

fn split_rows(splits: &split::Splits) -> SplitRows {
    SplitRows {
        train: splits.train.len() as u64,
        validation: splits.validation.len() as u64,
        test: splits.test.len() as u64,
    }
}

fn provenance(
    data_names: &str,
    sha: String,
    table: &crate::table::Table,
    splits: &split::Splits,
    teacher: String,
    p: &CompileParams,
) -> Provenance {
    Provenance {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        data_file: data_names.to_string(),
        data_sha256: sha,
        rows: table.n_rows() as u64,
        split_rows: split_rows(splits),
        split_method: splits.method.clone(),
        teacher,
        options: options(p),
        seed: p.seed,
    }
}

fn report(
    set: &RuleSet,
    val_fig: &SetFigures,
    test_fig: Option<&SetFigures>,
    n_candidates: u64,
    table: &crate::table::Table,
    p: &CompileParams,
) -> Report {
    Report {
        report_version: 1,
        coverage: test_fig.map(SetFigures::coverage),
        covered_precision: test_fig.and_then(|f| f.covered.precision()),
        covered_precision_lower_bound: test_fig.map(|f| f.covered.precision_lower_bound),
        fidelity: test_fig.and_then(|f| f.covered.fidelity()),
        cascade_accuracy: test_fig.map(SetFigures::cascade_accuracy),
        teacher_accuracy: test_fig.map(SetFigures::teacher_accuracy),
        rules: set.rules.len(),
        candidates: n_candidates,
        note: test_fig.is_none().then(|| {
            "the data has no test rows, so there are no test figures; validation figures are below".to_string()
        }),
        rows: set.provenance.as_ref().map(|p| p.split_rows).unwrap_or_default(),
        dropped_unlabelled_rows: table.dropped_unlabelled as u64,
        validation: Figures::of(val_fig),
        cost: set.summary.as_ref().and_then(|s| s.cost.as_ref()).map(|c| CostModelFigures {
            teacher_comparisons_per_decision: c.teacher_per_decision,
            rules_comparisons_per_decision: c.rules_per_decision,
            cascade_comparisons_per_decision: c.cascade_per_decision(),
            saved_share: c.saved_share(),
            saved_per_million_decisions: (c.teacher_per_decision - c.cascade_per_decision()) * 1e6,
        }),
        measured_cost: set.summary.as_ref().and_then(|s| s.measured_cost.as_ref()).map(|m| MeasuredCostFigures {
            teacher_ns_per_decision: m.teacher_ns,
            rules_ns_per_decision: m.rules_ns,
            cascade_ns_per_decision: m.cascade_ns(),
            saved_share: m.saved_share(),
            saved_seconds_per_million_decisions: m.saved_seconds_per_million(),
            method: m.method.clone(),
        }),
        precision_target: p.precision,
        confidence: p.confidence,
    }
}

/// Names learned rules `<decision>_<n>`, numbered per decision in rule
/// order; proposals keep the name their author gave, and learned names step
/// around them.
fn name_rules(rules: Vec<Rule>) -> Vec<Rule> {
    let taken: std::collections::BTreeSet<String> = rules
        .iter()
        .filter(|r| is_proposal(r))
        .map(|r| r.name.clone())
        .collect();
    let mut seen: std::collections::BTreeMap<String, usize> = Default::default();
    rules
        .into_iter()
        .map(|mut r| {
            if is_proposal(&r) {
                return r;
            }
            let slug = slug(&r.decision);
            let n = seen.entry(slug.clone()).or_insert(0);
            loop {
                *n += 1;
                let name = format!("{slug}_{n}");
                if !taken.contains(&name) {
                    r.name = name;
                    break;
                }
            }
            r
        })
        .collect()
}

fn is_proposal(r: &Rule) -> bool {
    r.origin.as_deref() == Some("proposal")
}

/// A rule-name fragment from a class label: lowercase ASCII letters, digits
/// and `_`, starting with a letter.
fn slug(label: &str) -> String {
    let mut s = String::new();
    for c in label.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('_') && !s.is_empty() {
            s.push('_');
        }
    }
    let s = s.trim_end_matches('_').to_string();
    match s.chars().next() {
        Some(c) if c.is_ascii_lowercase() => s,
        Some(_) => format!("class_{s}"),
        None => "class".to_string(),
    }
}

fn options(p: &CompileParams) -> Vec<(String, String)> {
    let mut o = vec![
        ("confidence".to_string(), p.confidence.to_string()),
        ("max_categories".to_string(), p.max_categories.to_string()),
        ("max_depth".to_string(), p.max_depth.to_string()),
        ("max_rules".to_string(), p.max_rules.to_string()),
        ("max_rows".to_string(), p.max_rows.to_string()),
        ("measure_cost".to_string(), p.measure_cost.to_string()),
        ("synthetic".to_string(), p.synthetic.to_string()),
        (
            "sample".to_string(),
            p.sample
                .map_or("(all training rows)".to_string(), |n| n.to_string()),
        ),
        ("min_leaf".to_string(), p.min_leaf.to_string()),
        ("precision".to_string(), p.precision.to_string()),
        ("seed".to_string(), p.seed.to_string()),
        (
            "split_column".to_string(),
            p.split_column.clone().unwrap_or_else(|| "(none)".into()),
        ),
        ("target".to_string(), p.target.clone()),
        ("teacher".to_string(), p.teacher.name()),
        ("teacher_paths".to_string(), p.teacher_paths.to_string()),
        (
            "tolerance".to_string(),
            p.tolerance
                .map_or("(classes)".to_string(), |t| t.to_string()),
        ),
        ("trees".to_string(), p.n_trees.to_string()),
        ("tree_rows".to_string(), p.tree_rows.to_string()),
        ("bootstrap_trees".to_string(), p.bootstrap_trees.to_string()),
        (
            "certify".to_string(),
            match p.certify {
                Certify::Set => "set",
                Certify::Rule => "rule",
            }
            .to_string(),
        ),
        (
            "proposals".to_string(),
            p.proposals
                .as_ref()
                .and_then(|f| f.file_name())
                .map_or("(none)".to_string(), |n| n.to_string_lossy().into_owned()),
        ),
    ];
    o.sort();
    o
}

/// SHA-256 of a file's bytes, read in blocks so large files need no memory.
fn sha256_file(path: &Path) -> Result<String, Error> {
    use std::io::Read;
    let io = |e| Error::Io {
        path: path.to_path_buf(),
        err: e,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_rule_names() {
        for (label, want) in [
            ("B", "b"),
            ("Yes please", "yes_please"),
            ("1", "class_1"),
            ("", "class"),
            ("<=50K", "class_50k"),
        ] {
            assert_eq!(slug(label), want);
            assert!(rulec_runtime::ir::is_rule_name(&format!(
                "{}_1",
                slug(label)
            )));
        }
    }
}
