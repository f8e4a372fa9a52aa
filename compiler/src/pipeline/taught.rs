//! Stage 2, teach: [`Ingested`] → [`Taught`]. The teacher learns from the
//! training rows and labels every row once (or its labels come from the
//! cache). With `--synthetic N`, synthetic rows near the training rows join
//! the table here for the teacher to label; they are in no split, and the
//! pool stage takes them out again before anything is measured.
//!
//! For a numeric target (`--tolerance`) the teacher predicts a value per
//! row instead ([`Answers::Values`]): a regression forest
//! ([`crate::regress::forest_predict`]) or a column of logged predictions.
//! The regression forest's predictions are cached as labels are
//! ([`crate::cache::load_values`]); logged ones are read from the data.

use std::ops::Range;

use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::gbdt::{Gbdt, GbdtParams};
use crate::params::{CompileParams, TeacherKind};
use crate::pipeline::Ingested;
use crate::progress::Progress;
use crate::teach::{Forest, ForestParams, LabelData, Origin, Teacher, TeacherLabels, TrainingData};
use crate::tree::Binned;

/// The teacher's answer for every row of the table.
#[derive(Clone, Debug)]
pub enum Answers {
    /// A class target: a class (and probabilities) per row.
    Classes(TeacherLabels),
    /// A numeric target: a predicted value per row.
    Values(Predictions),
}

/// A numeric teacher's predictions.
#[derive(Clone, Debug)]
pub struct Predictions {
    /// Predicted value per row.
    pub values: Vec<f64>,
    /// Comparisons the full model makes to decide each row (empty when
    /// unknown, as for logged predictions).
    pub comparisons: Vec<u32>,
}

impl Answers {
    /// Comparisons the full model makes to decide each row (its cost
    /// model); empty when unknown.
    pub fn comparisons(&self) -> &[u32] {
        match self {
            Answers::Classes(labels) => &labels.comparisons,
            Answers::Values(pred) => &pred.comparisons,
        }
    }

    /// The teacher's measured time per row, when measured.
    pub fn ns_per_row(&self) -> Option<f64> {
        match self {
            Answers::Classes(labels) => labels.ns_per_row,
            Answers::Values(_) => None,
        }
    }
}

/// The data with the teacher's labels.
pub struct Taught {
    /// The data; its table holds the synthetic rows, if any, after the real ones.
    pub data: Ingested,
    /// Features binned on the training rows (every row of the table encoded).
    pub binned: Binned,
    /// The teacher's answer for every row of the table, synthetic rows included.
    pub answers: Answers,
    /// The synthetic rows' positions in the table (empty without `--synthetic`).
    pub synthetic_rows: Range<usize>,
    /// Rows of the table before the synthetic ones.
    pub n_real: usize,
    /// The teacher as the rule book names it.
    pub description: String,
}

/// The teacher the parameters ask for.
pub fn teacher(p: &CompileParams) -> Box<dyn Teacher> {
    match &p.teacher {
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
    }
}

/// Labels every row with the teacher (or takes the labels from the cache).
pub fn run(data: Ingested, p: &CompileParams, progress: &dyn Progress) -> Result<Taught, Error> {
    if p.tolerance.is_some() {
        return predict(data, p, progress);
    }
    let model = teacher(p);
    let Ingested {
        mut table,
        splits,
        data_sha256,
        data_names,
    } = data;
    // Synthetic rows join the table after the split: they are in no split,
    // and leave again before validation.
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
        data_sha256.clone(),
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
    let labels = match cached {
        Some(labels) => {
            progress.line("teach: the teacher's labels for this data and teacher are cached; reusing them (--no-cache to retrain)");
            labels
        }
        None => {
            let tick = |what: &str, done: u64, total: u64| progress.tick(what, done, total);
            let fitted = model.fit(&TrainingData {
                table: &table,
                binned: &binned,
                splits: &splits,
                tick: &tick,
            })?;
            let mut labels = fitted.label(&LabelData {
                table: &table,
                binned: &binned,
                origin: Origin::Fitted,
                tick: &tick,
            })?;
            labels.trees = fitted.trees().to_vec();
            // Done with the model (an oracle program is told so here).
            drop(fitted);
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
    Ok(Taught {
        data: Ingested {
            table,
            splits,
            data_sha256,
            data_names,
        },
        binned,
        answers: Answers::Classes(labels),
        synthetic_rows,
        n_real,
        description: model.describe(),
    })
}

/// A numeric target's teacher: the logged predictions of a `column:`
/// teacher, or a regression forest's (out-of-bag on the training rows).
/// `CompileParams::check` refused every other teacher, and `--synthetic`.
fn predict(data: Ingested, p: &CompileParams, progress: &dyn Progress) -> Result<Taught, Error> {
    let table = &data.table;
    let splits = &data.splits;
    let Some(values) = table.values.as_ref() else {
        return Err(Error::Params(
            "internal: a numeric target without values".into(),
        ));
    };
    let binned = Binned::new(table, &splits.train);
    let logged = match (&p.teacher, &table.teacher_values) {
        (TeacherKind::Forest, _) => None,
        (TeacherKind::Column(c), Some(logged)) => Some((c, logged)),
        (other, _) => {
            return Err(Error::Params(format!(
                "internal: --teacher {} with --tolerance and no predictions",
                other.name()
            )))
        }
    };
    let description = match logged {
        Some((c, _)) => format!("predictions logged in column `{c}`"),
        None => {
            // The samples' size is named when `--tree-rows` bounds them, as
            // the class forest names it.
            let draws = crate::regress::bootstrap_draws(splits.train.len(), p.tree_rows);
            let sample = if draws < splits.train.len() {
                format!(", bootstrap samples of at most {draws} rows")
            } else {
                String::new()
            };
            format!(
                "regression forest ({} trees, max depth 20, min leaf 5{sample}, a third of the features per split, out-of-bag predictions on train rows)",
                p.n_trees
            )
        }
    };
    progress.line(&format!(
        "teach: {description} on {} training rows",
        splits.train.len()
    ));
    let predictions = match logged {
        Some((_, logged)) => Predictions {
            values: logged.clone(),
            comparisons: Vec::new(),
        },
        None => {
            // Everything the predictions depend on (not the tolerance):
            // recompiling with another tolerance or precision reuses them.
            let cache_key = crate::cache::key(&[
                "numeric target".to_string(),
                data.data_sha256.clone(),
                description.clone(),
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
                table.target_name.clone(),
                table
                    .columns
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join("\u{0}"),
                env!("CARGO_PKG_VERSION").to_string(),
                crate::cache::build_fingerprint(),
            ]);
            let cache_dir = p.cache_dir.as_deref();
            let cached = cache_dir
                .and_then(|dir| crate::cache::load_values(dir, &cache_key, table.n_rows()));
            let (values, comparisons) = match cached {
                Some(cached) => {
                    progress.line("teach: the teacher's predictions for this data and teacher are cached; reusing them (--no-cache to retrain)");
                    cached
                }
                None => {
                    let fresh = crate::regress::forest_predict(
                        table,
                        &binned,
                        splits,
                        values,
                        p.n_trees,
                        p.tree_rows,
                        p.seed,
                    );
                    if let Some(dir) = cache_dir {
                        // A cache that cannot be written costs time next run, nothing more.
                        if let Err(e) =
                            crate::cache::store_values(dir, &cache_key, &fresh.0, &fresh.1)
                        {
                            progress.line(&format!(
                                "note: could not cache the teacher's predictions in {}: {e}",
                                dir.display()
                            ));
                        }
                    }
                    fresh
                }
            };
            Predictions {
                values,
                comparisons,
            }
        }
    };
    let n_real = table.n_rows();
    Ok(Taught {
        data,
        binned,
        answers: Answers::Values(predictions),
        synthetic_rows: n_real..n_real,
        n_real,
        description,
    })
}

/// For a `cmd:` teacher, a fingerprint of the files its command line names
/// (the script, a saved model): a changed model file is a new teacher, so
/// its labels are not taken from the cache. Only regular files are read,
/// block by block; a token naming anything else (a FIFO, a device such as
/// `/dev/zero`, a directory) is named in the fingerprint without being
/// opened, so it can neither block nor exhaust memory. Other teachers: empty.
pub(crate) fn program_files_fingerprint(teacher: &TeacherKind) -> String {
    let TeacherKind::Command(program) = teacher else {
        return String::new();
    };
    let mut parts = Vec::new();
    for token in program.split_whitespace() {
        let token = token.trim_matches(|c| c == '\'' || c == '"');
        let path = token.split_once('=').map_or(token, |(_, v)| v);
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_file() => {
                if let Some(sha) = sha256_regular_file(std::path::Path::new(path)) {
                    parts.push(format!("{path}:{sha}"));
                }
            }
            Ok(_) => parts.push(format!("{path}:(not a regular file)")),
            Err(_) => {}
        }
    }
    parts.join("\u{0}")
}

/// SHA-256 of a regular file, streamed; `None` when it cannot be read.
fn sha256_regular_file(path: &std::path::Path) -> Option<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).ok()?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Some(format!("{:x}", hasher.finalize()))
}

/// Checks a teacher's answer has one label per row, within the classes.
fn check_labels(labels: &TeacherLabels, n: usize, k: usize) -> Result<(), Error> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A FIFO on the command line is named, never opened: opening it for
    /// reading would block until a writer comes. See: #19.
    #[cfg(unix)]
    #[test]
    fn a_fifo_in_the_command_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("model.pipe");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(status.success());
        let script = dir.path().join("teacher.py");
        std::fs::write(&script, "print('hi')\n").unwrap();
        let kind = TeacherKind::Command(format!(
            "python3 {} --model={} --zero=/dev/zero",
            script.display(),
            fifo.display()
        ));
        let fp = program_files_fingerprint(&kind);
        assert!(fp.contains(&format!("{}:(not a regular file)", fifo.display())));
        assert!(fp.contains("/dev/zero:(not a regular file)"));
        assert!(fp.contains(&format!(
            "{}:{:x}",
            script.display(),
            Sha256::digest(b"print('hi')\n")
        )));
        // A changed script is a new fingerprint.
        std::fs::write(&script, "print('bye')\n").unwrap();
        assert_ne!(program_files_fingerprint(&kind), fp);
    }
}
