//! `rulec bench`: the public benchmark protocol of `shared/bench/`, run on
//! every dataset it lists over several seeds, with rulec's figures printed
//! beside two anchors: the best calibrated peer of the README and the
//! teacher's own calibrated abstention.
//!
//! The protocol: each CSV has a `split` column (`train`/`valid`/`test`);
//! rules are learned on train, certified on valid, and reported on test. A
//! method *meets* a target when its covered test precision reaches the
//! target with coverage above zero. The teacher is rulec's gradient-boosted
//! trees by default, as the protocol's is scikit-learn's gradient boosting.
//!
//! Per dataset and seed, the teacher is trained once ([`pipeline::taught`])
//! and its probabilities give the teacher's threshold ([`threshold`]); the
//! rules come from [`pipeline::compile`], unchanged, once per target. The
//! teacher's labels pass from the first to the others through the label
//! cache, in a private temporary folder removed at the end, so each seed
//! trains its teacher once and every target distils the very labels whose
//! threshold is reported.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::error::Error;
use crate::pipeline::{self, CompileParams, TeacherKind};
use crate::progress::{Progress, Silent};

pub mod protocol;
pub mod threshold;

pub use self::protocol::{Dataset, Method};
pub use self::threshold::Answered;

/// The confidence of the Wilson bound that calibrates the teacher's
/// threshold (one-sided, z = 1.645), as the protocol states it.
pub const THRESHOLD_CONFIDENCE: f64 = 0.95;

/// A line "beats" the anchors when rulec's median coverage is at least the
/// larger anchor plus this margin.
pub const BEAT_MARGIN: f64 = 0.05;

/// What to run.
#[derive(Clone, Debug, PartialEq)]
pub struct BenchConfig {
    /// Precision targets.
    pub targets: Vec<f64>,
    /// Seeds of the teacher and the learner (the split is the file's).
    pub seeds: Vec<u64>,
    /// The teacher whose labels the rules distil and whose threshold is
    /// the anchor.
    pub teacher: TeacherKind,
    /// Only these datasets (by name), in the README's order; empty: all.
    pub datasets: Vec<String>,
}

impl Default for BenchConfig {
    /// The protocol: 0.95 and 0.99, seeds 0–4, gradient boosting, every dataset.
    fn default() -> Self {
        BenchConfig {
            targets: vec![0.95, 0.99],
            seeds: (0..=4).collect(),
            teacher: TeacherKind::Gbdt,
            datasets: Vec::new(),
        }
    }
}

/// rulec and the anchors on one dataset at one target, over the seeds.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Dataset.
    pub dataset: String,
    /// Precision target.
    pub target: f64,
    /// One run per seed, in the order of [`BenchConfig::seeds`].
    pub runs: Vec<SeedRun>,
    /// The calibrated peer with the highest coverage meeting the target,
    /// from the README's "Every method" tables.
    pub calibrated_peer: Option<Method>,
    /// The README's best peer (calibrated or not), as written there.
    pub readme_best_peer: String,
}

/// rulec and the teacher's threshold with one seed.
#[derive(Clone, Debug)]
pub struct SeedRun {
    /// Seed.
    pub seed: u64,
    /// rulec's test coverage.
    pub coverage: f64,
    /// rulec's covered test precision; `None` when it covers nothing.
    pub precision: Option<f64>,
    /// Rules.
    pub rules: usize,
    /// The teacher's test accuracy.
    pub teacher_accuracy: Option<f64>,
    /// Wall time of the compile (reading the file included; the teacher's
    /// labels come from the cache).
    pub seconds: f64,
    /// Wall time of reading the file and training the teacher, shared by
    /// every target of this seed.
    pub teacher_seconds: f64,
    /// The teacher's threshold chosen on the validation rows, and what it
    /// answers on the test rows.
    pub teacher: Answered,
    /// The teacher's threshold chosen on the validation rows by the exact
    /// test rulec certifies with (not the protocol's Wilson bound), and
    /// what it answers on the test rows: the anchor under rulec's test.
    pub teacher_exact: Answered,
    /// The threshold chosen on the test rows themselves, and what it
    /// answers there: a ceiling that uses test labels.
    pub ceiling: Answered,
}

impl SeedRun {
    /// The certification held on the test rows: the covered test
    /// precision reaches the target, or nothing is covered.
    pub fn holds(&self, target: f64) -> bool {
        self.coverage == 0.0 || self.precision.is_some_and(|p| p >= target)
    }
}

impl Outcome {
    /// Median of rulec's test coverage over the seeds.
    pub fn median_coverage(&self) -> f64 {
        median(self.runs.iter().map(|r| r.coverage))
    }

    /// Smallest test coverage over the seeds.
    pub fn min_coverage(&self) -> f64 {
        self.runs
            .iter()
            .map(|r| r.coverage)
            .fold(f64::NAN, f64::min)
    }

    /// Median covered test precision over the seeds that cover something.
    pub fn median_precision(&self) -> Option<f64> {
        let p: Vec<f64> = self.runs.iter().filter_map(|r| r.precision).collect();
        (!p.is_empty()).then(|| median(p.into_iter()))
    }

    /// Smallest covered test precision over the seeds that cover something.
    pub fn min_precision(&self) -> Option<f64> {
        self.runs
            .iter()
            .filter_map(|r| r.precision)
            .reduce(f64::min)
    }

    /// Median number of rules over the seeds.
    pub fn median_rules(&self) -> f64 {
        median(self.runs.iter().map(|r| r.rules as f64))
    }

    /// Seeds whose certification held on the test rows.
    pub fn seeds_holding(&self) -> usize {
        self.runs.iter().filter(|r| r.holds(self.target)).count()
    }

    /// Median test coverage of the teacher's calibrated threshold.
    pub fn teacher_coverage(&self) -> f64 {
        median(self.runs.iter().map(|r| r.teacher.coverage()))
    }

    /// Median test precision of the teacher's calibrated threshold over
    /// the seeds where it answers something.
    pub fn teacher_precision(&self) -> Option<f64> {
        let p: Vec<f64> = self
            .runs
            .iter()
            .filter_map(|r| r.teacher.precision())
            .collect();
        (!p.is_empty()).then(|| median(p.into_iter()))
    }

    /// Median test coverage of the teacher's threshold chosen by the exact
    /// test.
    pub fn teacher_exact_coverage(&self) -> f64 {
        median(self.runs.iter().map(|r| r.teacher_exact.coverage()))
    }

    /// Median test coverage of the threshold chosen on the test rows.
    pub fn ceiling_coverage(&self) -> f64 {
        median(self.runs.iter().map(|r| r.ceiling.coverage()))
    }

    /// The larger anchor's coverage: the best calibrated peer's (0 when
    /// none meets) or the teacher threshold's median.
    pub fn anchor(&self) -> f64 {
        let peer = self.calibrated_peer.as_ref().map_or(0.0, |m| m.coverage);
        peer.max(self.teacher_coverage())
    }

    /// rulec's median coverage is at least the larger anchor plus
    /// [`BEAT_MARGIN`] (and above zero).
    pub fn beats_anchors(&self) -> bool {
        let c = self.median_coverage();
        c > 0.0 && c >= self.anchor() + BEAT_MARGIN - 1e-12
    }

    /// rulec certified nothing (median coverage 0) where an anchor answered.
    pub fn empty_where_anchor_answers(&self) -> bool {
        self.median_coverage() == 0.0 && self.anchor() > 0.0
    }
}

/// The form the command line calls today: every dataset at `targets`
/// with one seed and the gradient-boosted teacher. [`run_with`] takes
/// the seeds, the teacher and the datasets.
pub fn run(
    dir: &Path,
    targets: &[f64],
    seed: u64,
    progress: &dyn Progress,
) -> Result<Vec<Outcome>, Error> {
    let config = BenchConfig {
        targets: targets.to_vec(),
        seeds: vec![seed],
        ..BenchConfig::default()
    };
    run_with(dir, &config, progress)
}

/// Runs the protocol on the datasets in `dir` (its `README.md` and
/// `data/<name>.csv`) at each target and seed of `config`.
pub fn run_with(
    dir: &Path,
    config: &BenchConfig,
    progress: &dyn Progress,
) -> Result<Vec<Outcome>, Error> {
    // Not a benchmark's folder: say what one holds, not the OS's words.
    if !dir.is_dir() || !dir.join("README.md").is_file() {
        return Err(Error::Params(format!(
            "{}: is not a benchmark folder; one holds a README.md that lists its datasets (as ../shared/bench does) and data/<name>.csv for each; `rulec compile` compiles one file",
            dir.display()
        )));
    }
    let mut datasets = protocol::read(&dir.join("README.md"))?;
    if !config.datasets.is_empty() {
        let unknown: Vec<&String> = config
            .datasets
            .iter()
            .filter(|n| !datasets.iter().any(|d| d.name == **n))
            .collect();
        if !unknown.is_empty() {
            return Err(Error::Params(format!(
                "no dataset {} in {}; it lists {}",
                unknown
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                dir.join("README.md").display(),
                datasets
                    .iter()
                    .map(|d| format!("`{}`", d.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        datasets.retain(|d| config.datasets.contains(&d.name));
    }
    if config.seeds.is_empty() || config.targets.is_empty() {
        return Err(Error::Params(
            "bench needs at least one seed and one target".into(),
        ));
    }
    // Before any teacher is trained: each target is a precision.
    if let Some(t) = config.targets.iter().find(|t| !(**t > 0.0 && **t < 1.0)) {
        return Err(Error::Params(format!(
            "--targets must be precisions between 0 and 1 (exclusive), got {t}"
        )));
    }
    let cache = TempDir::new()?;
    let mut out = Vec::new();
    for d in &datasets {
        let path: PathBuf = dir.join("data").join(format!("{}.csv", d.name));
        let mut runs: Vec<Vec<SeedRun>> = vec![Vec::new(); config.targets.len()];
        for &seed in &config.seeds {
            let start = Instant::now();
            let anchors = teacher_anchors(&path, d, seed, config, cache.path(), progress)?;
            let teacher_seconds = start.elapsed().as_secs_f64();
            for (target_idx, &target) in config.targets.iter().enumerate() {
                progress.line(&format!("bench: {} at {target}, seed {seed}", d.name));
                let params = params(d, seed, target, config, cache.path()).check()?;
                let start = Instant::now();
                let compiled = pipeline::compile(&path, &params, &Silent)?;
                let seconds = start.elapsed().as_secs_f64();
                let r = &compiled.report;
                let Anchors {
                    teacher,
                    teacher_exact,
                    ceiling,
                } = anchors[target_idx];
                runs[target_idx].push(SeedRun {
                    seed,
                    coverage: r.coverage.unwrap_or(0.0),
                    precision: r.covered_precision,
                    rules: r.rules,
                    teacher_accuracy: r.teacher_accuracy,
                    seconds,
                    teacher_seconds,
                    teacher,
                    teacher_exact,
                    ceiling,
                });
            }
        }
        for (&target, runs) in config.targets.iter().zip(runs) {
            out.push(Outcome {
                dataset: d.name.clone(),
                target,
                runs,
                calibrated_peer: d.best_calibrated(target).cloned(),
                readme_best_peer: d.readme_best_peer(target).to_string(),
            });
        }
    }
    Ok(out)
}

/// The compile parameters of one dataset, seed and target.
fn params(
    d: &Dataset,
    seed: u64,
    target: f64,
    config: &BenchConfig,
    cache: &Path,
) -> CompileParams {
    CompileParams {
        target: d.target.clone(),
        split_column: Some("split".into()),
        precision: target,
        seed,
        teacher: config.teacher.clone(),
        cache_dir: Some(cache.to_path_buf()),
        ..CompileParams::default()
    }
}

/// What the teacher's thresholds answer on the test rows, at one target.
#[derive(Clone, Copy)]
struct Anchors {
    /// Chosen on the validation rows by Wilson's bound (the protocol's).
    teacher: Answered,
    /// Chosen on the validation rows by the exact test.
    teacher_exact: Answered,
    /// Chosen on the test rows by Wilson's bound.
    ceiling: Answered,
}

/// Trains the teacher of one dataset and seed (storing its labels in the
/// cache for the compiles that follow) and returns, per target, its
/// threshold's answers on the test rows when chosen on the validation
/// rows (by Wilson's bound and by the exact test), and when chosen on the
/// test rows.
fn teacher_anchors(
    path: &Path,
    d: &Dataset,
    seed: u64,
    config: &BenchConfig,
    cache: &Path,
    progress: &dyn Progress,
) -> Result<Vec<Anchors>, Error> {
    progress.line(&format!(
        "bench: {}, seed {seed}: teacher {}",
        d.name,
        config.teacher.name()
    ));
    // The precision does not enter the teacher's labels (nor their cache key).
    let p = params(d, seed, config.targets[0], config, cache);
    let data = pipeline::ingested::run(&[path.to_path_buf()], &p, &Silent)?;
    let taught = pipeline::taught::run(data, &p, &Silent)?;
    let table = &taught.data.table;
    let splits = &taught.data.splits;
    let pipeline::taught::Answers::Classes(labels) = &taught.answers else {
        return Err(Error::Params(
            "internal: a benchmark target without classes".into(),
        ));
    };
    let (truth, k) = (table.labels(), table.n_classes());
    let test = threshold::scored(&labels.probs, k, &labels.labels, truth, &splits.test);
    let valid = threshold::scored(&labels.probs, k, &labels.labels, truth, &splits.validation);
    Ok(config
        .targets
        .iter()
        .map(|&target| {
            let teacher = threshold::teacher_threshold(
                labels,
                truth,
                k,
                &splits.validation,
                &splits.test,
                target,
                THRESHOLD_CONFIDENCE,
            );
            let exact = threshold::lowest_exact(&valid, target, THRESHOLD_CONFIDENCE);
            // The ceiling: the threshold chosen on the test rows themselves.
            let ceiling = threshold::lowest_calibrated(&test, target, THRESHOLD_CONFIDENCE);
            Anchors {
                teacher: teacher
                    .test
                    .unwrap_or_else(|| threshold::answer(&test, None)),
                teacher_exact: threshold::answer(&test, exact),
                ceiling: threshold::answer(&test, ceiling),
            }
        })
        .collect())
}

/// The results as a Markdown table, then one summary line per target.
pub fn table(outcomes: &[Outcome]) -> String {
    let mut s = String::new();
    let n_seeds = outcomes.first().map_or(0, |o| o.runs.len());
    let _ = writeln!(
        s,
        "| dataset | target | rulec coverage: median (min) | rulec precision: median (min) | rules | seeds held | best calibrated peer: coverage, precision | teacher threshold: coverage / precision | teacher, exact test | ceiling (test labels) | teacher s | compile s |"
    );
    s.push_str("|---|---|---|---|---:|---|---|---|---:|---:|---:|---:|\n");
    let f3 = |x: f64| format!("{x:.3}");
    let opt = |x: Option<f64>| x.map_or("–".to_string(), f3);
    for o in outcomes {
        let peer = o
            .calibrated_peer
            .as_ref()
            .map_or("none meets".to_string(), |m| {
                format!("{}: {:.3}, {}", m.method, m.coverage, opt(m.precision))
            });
        let teacher = if o.teacher_coverage() == 0.0 {
            "0".to_string()
        } else {
            format!(
                "{:.3} / {}",
                o.teacher_coverage(),
                opt(o.teacher_precision())
            )
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} ({}) | {} ({}) | {} | {}/{} | {} | {} | {:.3} | {:.3} | {:.2} | {:.2} |",
            o.dataset,
            o.target,
            f3(o.median_coverage()),
            f3(o.min_coverage()),
            opt(o.median_precision()),
            opt(o.min_precision()),
            o.median_rules(),
            o.seeds_holding(),
            o.runs.len(),
            peer,
            teacher,
            o.teacher_exact_coverage(),
            o.ceiling_coverage(),
            median(o.runs.iter().map(|r| r.teacher_seconds)),
            median(o.runs.iter().map(|r| r.seconds)),
        );
    }
    s.push('\n');
    let mut targets: Vec<f64> = Vec::new();
    for o in outcomes {
        if !targets.contains(&o.target) {
            targets.push(o.target);
        }
    }
    for t in targets {
        let lines: Vec<&Outcome> = outcomes.iter().filter(|o| o.target == t).collect();
        let beats = lines.iter().filter(|o| o.beats_anchors()).count();
        let empty = lines
            .iter()
            .filter(|o| o.empty_where_anchor_answers())
            .count();
        let held = lines
            .iter()
            .filter(|o| o.seeds_holding() == o.runs.len())
            .count();
        let _ = writeln!(
            s,
            "at {t}: rulec's median coverage ≥ max(best calibrated peer, teacher threshold) + {BEAT_MARGIN} on {beats} of {n} lines; it certified nothing (median coverage 0) where an anchor answered on {empty}; every seed held on {held} of {n}",
            n = lines.len(),
        );
    }
    let _ = writeln!(
        s,
        "\n({n_seeds} {} per line; median over seeds; precision medians over the seeds that cover something; teacher, exact test: the teacher's threshold chosen on the validation rows by the exact test rulec certifies with, not Wilson's bound, its median test coverage (not an anchor); the ceiling chooses the teacher's threshold on the test rows, so it uses test labels; teacher s: reading the file and training the teacher, once per seed; compile s: one `pipeline::compile`, the teacher's labels taken from the cache)",
        if n_seeds == 1 { "seed" } else { "seeds" }
    );
    s
}

/// The same outcomes as JSON, every seed's run in full, for scripts that
/// compare two runs (`rulec bench --json`): per line the figures of
/// [`table`], and per seed rulec's test coverage, covered precision and
/// rules, whether it held, the teacher's threshold and the ceiling (rows,
/// answered, right), and the times.
pub fn json(outcomes: &[Outcome]) -> String {
    use serde_json::{json, Value};
    let answered = |a: &Answered| {
        json!({
            "rows": a.rows,
            "answered": a.answered,
            "right": a.right,
            "coverage": a.coverage(),
            "precision": a.precision(),
        })
    };
    // NaN (no seed) is no JSON number: null.
    let number = |x: f64| if x.is_finite() { json!(x) } else { Value::Null };
    let lines: Vec<Value> = outcomes
        .iter()
        .map(|o| {
            let runs: Vec<Value> = o
                .runs
                .iter()
                .map(|r| {
                    json!({
                        "seed": r.seed,
                        "coverage": r.coverage,
                        "precision": r.precision,
                        "rules": r.rules,
                        "held": r.holds(o.target),
                        "teacher_accuracy": r.teacher_accuracy,
                        "teacher_threshold": answered(&r.teacher),
                        "teacher_threshold_exact_test": answered(&r.teacher_exact),
                        "ceiling_test_labels": answered(&r.ceiling),
                        "teacher_seconds": r.teacher_seconds,
                        "compile_seconds": r.seconds,
                    })
                })
                .collect();
            json!({
                "dataset": o.dataset,
                "target": o.target,
                "median_coverage": number(o.median_coverage()),
                "min_coverage": number(o.min_coverage()),
                "median_precision": o.median_precision(),
                "min_precision": o.min_precision(),
                "median_rules": number(o.median_rules()),
                "seeds_held": o.seeds_holding(),
                "best_calibrated_peer": o.calibrated_peer.as_ref().map(|m| json!({
                    "method": m.method,
                    "coverage": m.coverage,
                    "precision": m.precision,
                    "rules": m.rules,
                })),
                "readme_best_peer": o.readme_best_peer,
                "teacher_threshold_median_coverage": number(o.teacher_coverage()),
                "teacher_threshold_median_precision": o.teacher_precision(),
                "teacher_threshold_exact_test_median_coverage": number(o.teacher_exact_coverage()),
                "ceiling_median_coverage": number(o.ceiling_coverage()),
                "beats_anchors": o.beats_anchors(),
                "empty_where_anchor_answers": o.empty_where_anchor_answers(),
                "runs": runs,
            })
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&json!({ "lines": lines }))
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}

/// The median (the mean of the two middle values for an even count); NaN
/// when empty.
fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = values.collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

/// A private temporary folder, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<TempDir, Error> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let path = std::env::temp_dir().join(format!("rulec-bench-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).map_err(|err| Error::Io {
            path: path.clone(),
            err,
        })?;
        Ok(TempDir(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // A folder left behind costs disk space, nothing more.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_with(seed: u64, coverage: f64, precision: Option<f64>, teacher: u64) -> SeedRun {
        SeedRun {
            seed,
            coverage,
            precision,
            rules: seed as usize,
            teacher_accuracy: None,
            seconds: 0.0,
            teacher_seconds: 0.0,
            teacher: Answered {
                rows: 100,
                answered: teacher,
                right: teacher,
            },
            teacher_exact: Answered {
                rows: 100,
                answered: teacher / 2,
                right: teacher / 2,
            },
            ceiling: Answered {
                rows: 100,
                answered: 100,
                right: 97,
            },
        }
    }

    fn outcome(runs: Vec<SeedRun>, peer: Option<f64>) -> Outcome {
        Outcome {
            dataset: "d".into(),
            target: 0.95,
            runs,
            calibrated_peer: peer.map(|coverage| Method {
                method: "rulefit[conf]".into(),
                target: Some(0.95),
                coverage,
                precision: Some(0.96),
                rules: Some(3),
            }),
            readme_best_peer: "–".into(),
        }
    }

    #[test]
    fn medians_minimums_and_holding_seeds() {
        let o = outcome(
            vec![
                run_with(0, 0.5, Some(0.97), 10),
                run_with(1, 0.0, None, 20),
                run_with(2, 0.6, Some(0.94), 30),
                run_with(3, 0.4, Some(0.99), 40),
                run_with(4, 0.7, Some(0.96), 50),
            ],
            Some(0.2),
        );
        assert_eq!(o.median_coverage(), 0.5);
        assert_eq!(o.min_coverage(), 0.0);
        // Four seeds cover something: the mean of the middle two.
        assert_eq!(o.median_precision(), Some(0.965));
        assert_eq!(o.min_precision(), Some(0.94));
        assert_eq!(o.median_rules(), 2.0);
        // Seed 2 missed its target; seed 1 covered nothing, which holds.
        assert_eq!(o.seeds_holding(), 4);
        assert_eq!(o.teacher_coverage(), 0.3);
        assert_eq!(o.teacher_precision(), Some(1.0));
        assert_eq!(o.teacher_exact_coverage(), 0.15);
        assert_eq!(o.ceiling_coverage(), 1.0);
        // The exact test's threshold is shown, not an anchor.
        assert_eq!(o.anchor(), 0.3);
        // 0.5 ≥ 0.3 + 0.05.
        assert!(o.beats_anchors());
        assert!(!o.empty_where_anchor_answers());
    }

    #[test]
    fn empty_lines_and_missing_anchors() {
        let o = outcome(vec![run_with(0, 0.0, None, 0)], None);
        assert_eq!(o.anchor(), 0.0);
        assert!(!o.beats_anchors());
        assert!(!o.empty_where_anchor_answers());
        assert_eq!(o.median_precision(), None);
        let o = outcome(vec![run_with(0, 0.0, None, 0)], Some(0.1));
        assert!(o.empty_where_anchor_answers());
        // 0.12 is not 0.1 + 0.05.
        let o = outcome(vec![run_with(0, 0.12, Some(1.0), 0)], Some(0.1));
        assert!(!o.beats_anchors());
        let text = table(&[o]);
        assert!(
            text.contains("| d | 0.95 | 0.120 (0.120) | 1.000 (1.000) | 0 | 1/1 | rulefit[conf]: 0.100, 0.960 | 0 | 0.000 | 1.000 | 0.00 | 0.00 |"),
            "{text}"
        );
        assert!(text.contains("at 0.95: rulec's median coverage ≥ max(best calibrated peer, teacher threshold) + 0.05 on 0 of 1 lines; it certified nothing (median coverage 0) where an anchor answered on 0; every seed held on 1 of 1"), "{text}");
    }
}
