//! `rulec bench`: the public benchmark protocol of `shared/bench/`, run on
//! every dataset it lists, with rulec's figures printed beside the best
//! peer's.
//!
//! The protocol: each CSV has a `split` column (`train`/`valid`/`test`);
//! rules are learned on train, certified on valid, and reported on test. A
//! method *meets* a target when its covered test precision reaches the
//! target with coverage above zero. The teacher is rulec's gradient-boosted
//! trees, as the protocol's is scikit-learn's gradient boosting.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::error::Error;
use crate::pipeline::{self, CompileParams};

/// One dataset of the benchmark and its best peers.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Name (file stem).
    pub name: String,
    /// Target column.
    pub target: String,
    /// Best peer at 0.95 and at 0.99, as written in the benchmark README.
    pub best_peer: [String; 2],
}

/// Reads the dataset list (name, target) and the best peers from the
/// benchmark README's tables.
pub fn read_protocol(readme: &Path) -> Result<Vec<Dataset>, Error> {
    let text = std::fs::read_to_string(readme).map_err(|e| Error::Io {
        path: readme.to_path_buf(),
        err: e,
    })?;
    let cells = |line: &str| -> Vec<String> {
        line.trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().trim_matches('`').to_string())
            .collect()
    };
    let mut targets = Vec::new();
    let mut peers = Vec::new();
    let mut section = "";
    for line in text.lines() {
        if line.starts_with("| dataset | source | target") {
            section = "data";
            continue;
        }
        if line.starts_with("| dataset | teacher accuracy") {
            section = "peers";
            continue;
        }
        if !line.starts_with('|') {
            section = "";
            continue;
        }
        if line.starts_with("|---") {
            continue;
        }
        let c = cells(line);
        match section {
            "data" if c.len() >= 3 => targets.push((c[0].clone(), c[2].clone())),
            "peers" if c.len() >= 4 => peers.push((c[0].clone(), [c[2].clone(), c[3].clone()])),
            _ => {}
        }
    }
    if targets.is_empty() {
        return Err(Error::Data {
            path: readme.to_path_buf(),
            message: "has no `| dataset | source | target` table".into(),
        });
    }
    Ok(targets
        .into_iter()
        .map(|(name, target)| {
            let best_peer = peers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, p)| p.clone())
                .unwrap_or_else(|| ["?".into(), "?".into()]);
            Dataset {
                name,
                target,
                best_peer,
            }
        })
        .collect())
}

/// rulec's result on one dataset at one target.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Dataset.
    pub dataset: String,
    /// Precision target.
    pub target: f64,
    /// Test coverage.
    pub coverage: f64,
    /// Covered test precision.
    pub precision: Option<f64>,
    /// Rules.
    pub rules: usize,
    /// Teacher's test accuracy.
    pub teacher_accuracy: Option<f64>,
    /// Wall time of the whole compile (reading the file included).
    pub seconds: f64,
    /// The best peer's figures.
    pub best_peer: String,
}

impl Outcome {
    /// Whether the covered test precision reaches the target with coverage > 0.
    pub fn meets(&self) -> bool {
        self.coverage > 0.0 && self.precision.is_some_and(|p| p >= self.target)
    }
}

/// Runs the protocol on every dataset in `dir` (with its `README.md`) at
/// each precision target.
pub fn run(
    dir: &Path,
    targets: &[f64],
    seed: u64,
    progress: &dyn crate::progress::Progress,
) -> Result<Vec<Outcome>, Error> {
    let datasets = read_protocol(&dir.join("README.md"))?;
    let mut out = Vec::new();
    for d in &datasets {
        let path: PathBuf = dir.join("data").join(format!("{}.csv", d.name));
        for &target in targets {
            progress.line(&format!("bench: {} at {target}", d.name));
            let params = CompileParams {
                target: d.target.clone(),
                split_column: Some("split".into()),
                precision: target,
                seed,
                // The protocol's teacher is gradient boosting
                // (HistGradientBoostingClassifier): use ours.
                teacher: pipeline::TeacherKind::Gbdt,
                ..CompileParams::default()
            }
            .check()?;
            let start = Instant::now();
            let compiled = pipeline::compile(&path, &params, &crate::progress::Silent)?;
            let seconds = start.elapsed().as_secs_f64();
            let r = &compiled.report;
            let peer_idx = if (target - 0.95).abs() < 1e-9 {
                Some(0)
            } else if (target - 0.99).abs() < 1e-9 {
                Some(1)
            } else {
                None
            };
            out.push(Outcome {
                dataset: d.name.clone(),
                target,
                coverage: r.coverage.unwrap_or(0.0),
                precision: r.covered_precision,
                rules: r.rules,
                teacher_accuracy: r.teacher_accuracy,
                seconds,
                best_peer: peer_idx.map_or("–".into(), |i| d.best_peer[i].clone()),
            });
        }
    }
    Ok(out)
}

/// The results as a Markdown table.
pub fn table(outcomes: &[Outcome]) -> String {
    let mut s = String::new();
    s.push_str("| dataset | target | rulec coverage | rulec precision | rules | meets | teacher accuracy | compile s | best peer (method: coverage, precision, rules) |\n");
    s.push_str("|---|---|---:|---:|---:|---|---:|---:|---|\n");
    for o in outcomes {
        let _ = writeln!(
            s,
            "| {} | {} | {:.3} | {} | {} | {} | {} | {:.2} | {} |",
            o.dataset,
            o.target,
            o.coverage,
            o.precision.map_or("–".to_string(), |p| format!("{p:.3}")),
            o.rules,
            if o.meets() { "yes" } else { "no" },
            o.teacher_accuracy
                .map_or("–".to_string(), |p| format!("{p:.3}")),
            o.seconds,
            o.best_peer
        );
    }
    s
}
