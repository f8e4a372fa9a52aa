//! Stage 2, teach: [`Ingested`] → [`Taught`]. The teacher is fitted on the
//! training rows and labels every row of the table once (or its labels come
//! from the cache). With `--synthetic N`, synthetic rows near the training
//! rows are made here as a table of their own ([`Synthetic`]) for the
//! fitted teacher to label too; they never join the real table, so they
//! are in no split, and only the pool stage learns from them.
//!
//! For a numeric target (`--tolerance`) the teacher predicts a value per
//! row instead ([`Answers::Values`]): a regression forest
//! ([`crate::regress::RegressionForest`], out-of-bag on the training rows) or a column of logged predictions.
//! The regression forest's predictions are cached as labels are
//! ([`crate::cache::load_values`]); logged ones are read from the data.

use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::gbdt::{Gbdt, GbdtParams};
use crate::params::{CompileParams, TeacherKind};
use crate::pipeline::Ingested;
use crate::progress::Progress;
use crate::table::Table;
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
#[derive(Clone)]
pub struct Taught {
    /// The data, real rows only.
    pub data: Ingested,
    /// Features binned on the training rows (every row of the table encoded).
    pub binned: Binned,
    /// The teacher's answer for every row of the table.
    pub answers: Answers,
    /// The synthetic rows and their labels (`--synthetic`; never for a
    /// numeric target).
    pub synthetic: Option<Synthetic>,
    /// The teacher as the rule book names it.
    pub description: String,
}

/// Synthetic rows (`--synthetic N`) with the teacher's labels, their only
/// truth. They are a table of their own, in no split.
#[derive(Clone)]
pub struct Synthetic {
    /// The rows, with the real table's columns.
    pub table: Table,
    /// Their features in the bins of the real training rows.
    pub binned: Binned,
    /// The teacher's label for each row, by the whole model.
    pub labels: TeacherLabels,
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
        TeacherKind::InProcess { name, .. } => Box::new(NotGiven {
            teacher: format!("python:{name}"),
        }),
    }
}

/// An in-process teacher named in the parameters but not passed to
/// [`run_with`]: fitting it fails. Only a caller's bug can make one.
struct NotGiven {
    teacher: String,
}

impl Teacher for NotGiven {
    fn describe(&self) -> String {
        self.teacher.clone()
    }

    fn fit(&self, _: &TrainingData<'_>) -> Result<Box<dyn crate::teach::FittedTeacher>, Error> {
        Err(Error::Params(format!(
            "internal: the in-process teacher {} was named but not passed to the compile",
            self.teacher
        )))
    }
}

/// Labels every row with the teacher (or takes the labels from the cache).
pub fn run(data: Ingested, p: &CompileParams, progress: &dyn Progress) -> Result<Taught, Error> {
    for note in ignored_options(p) {
        progress.line(&format!("note: {note}"));
    }
    if p.tolerance.is_some() {
        return predict(data, p, progress);
    }
    run_with(data, p, teacher(p), progress)
}

/// Labels every row of a class target with `model` (or takes the labels
/// from the cache): [`run`] with a teacher the caller built, such as a
/// model living in the caller's process. A numeric target
/// (`--tolerance`) has its own teachers and is refused here.
pub fn run_with(
    data: Ingested,
    p: &CompileParams,
    model: Box<dyn Teacher>,
    progress: &dyn Progress,
) -> Result<Taught, Error> {
    if p.tolerance.is_some() {
        return Err(Error::Params(format!(
            "--teacher {} does not predict numbers yet; with --tolerance use `forest` (a regression forest) or `column:NAME`",
            model.describe()
        )));
    }
    let Ingested {
        table,
        splits,
        data_sha256,
        data_names,
    } = data;
    // Synthetic rows are made from the training rows after the split, as a
    // table of their own: they are in no split.
    let synthetic_table = Some(crate::synthetic::augment(
        &table,
        &splits.train,
        p.synthetic,
        p.seed,
    ))
    .filter(|t| t.n_rows() > 0);
    if let Some(s) = &synthetic_table {
        progress.line(&format!(
            "teach: {} synthetic rows near the training rows, for the teacher to label",
            s.n_rows()
        ));
    }
    progress.line(&if model.asks_for_every_row() {
        // An outside model is fitted on nothing here and labels every row
        // (its cost, for a paid or slow one, is per row sent).
        format!(
            "teach: {}, asked for all {} rows of the data ({} of them the training rows the rules learn from)",
            model.describe(),
            table.n_rows(),
            splits.train.len(),
        )
    } else {
        format!(
            "teach: {} on {} training rows",
            model.describe(),
            splits.train.len()
        )
    });
    let binned = Binned::new(&table, &splits.train);
    let synthetic_binned = match &synthetic_table {
        Some(s) => Some(binned.bin_table(s).ok_or_else(|| {
            Error::Params("internal: synthetic rows with other columns than the data".into())
        })?),
        None => None,
    };
    let n_synthetic = synthetic_table.as_ref().map_or(0, Table::n_rows);
    // The columns the teacher does not see: the forbidden ones under
    // `--forbid-teacher`, and for the forest those of a value per row.
    let by_row = per_row_columns(&table, p, progress);
    let hidden: Vec<String> = if p.forbid_teacher {
        p.forbid.iter().chain(&by_row).cloned().collect()
    } else {
        by_row.clone()
    };
    // Everything the labels depend on, and nothing they do not (precision,
    // rule limits): recompiling with other targets reuses them.
    let mut key_parts = teacher_key_parts(p, &table);
    if !by_row.is_empty() {
        key_parts.push(format!(
            "without columns of a value per row {}",
            by_row.join("\u{0}")
        ));
    }
    let cache_key = cache_key(
        &data_sha256,
        &model.describe(),
        &splits,
        &table,
        p,
        &key_parts,
    );
    // The teacher's own trees are not cached: `--teacher-paths` always trains.
    // Nor are the labels of a model the caller hands in (the Python
    // package's): its name says nothing of its weights, so two different
    // models of one class would share a key.
    let cache_dir = p
        .cache_dir
        .clone()
        .filter(|_| !p.teacher_paths && !matches!(p.teacher, TeacherKind::InProcess { .. }));
    let n_real = table.n_rows();
    let k = table.n_classes();
    // The cache holds the real rows' labels, then the synthetic rows'.
    let cached = cache_dir
        .as_deref()
        .and_then(|dir| crate::cache::load(dir, &cache_key, n_real + n_synthetic, k));
    let (labels, synthetic_labels) = match cached {
        Some(mut labels) => {
            progress.line("teach: the teacher's labels for this data and teacher are cached; reusing them (--no-cache to retrain)");
            let synthetic = labels.split_off(n_real);
            (labels, synthetic)
        }
        None => {
            let tick = |what: &str, done: u64, total: u64| progress.tick(what, done, total);
            // `--forbid-teacher`, and the forest's columns of a value per
            // row: the teacher learns from and labels a view of the rows
            // without them.
            let view = (!hidden.is_empty()).then(|| {
                let t = table.without_columns(&hidden);
                let b = Binned::new(&t, &splits.train);
                (t, b)
            });
            let (teacher_table, teacher_binned) = match &view {
                Some((t, b)) => (t, b),
                None => (&table, &binned),
            };
            let fitted = model.fit(&TrainingData {
                table: teacher_table,
                binned: teacher_binned,
                splits: &splits,
                tick: &tick,
            })?;
            let mut labels = fitted.label(&LabelData {
                table: teacher_table,
                binned: teacher_binned,
                origin: Origin::Fitted,
                tick: &tick,
            })?;
            check_labels(&labels, n_real, k)?;
            labels.trees = fitted.trees().to_vec();
            let synthetic_view = match (&view, &synthetic_table) {
                (Some((_, b)), Some(t)) => {
                    let t = t.without_columns(&hidden);
                    let sb = b.bin_table(&t).ok_or_else(|| {
                        Error::Params(
                            "internal: synthetic rows with other columns than the data".into(),
                        )
                    })?;
                    Some((t, sb))
                }
                _ => None,
            };
            let synthetic_labels = match (&synthetic_table, &synthetic_binned) {
                (Some(t), Some(b)) => {
                    let (t, b) = match &synthetic_view {
                        Some((vt, vb)) => (vt, vb),
                        None => (t, b),
                    };
                    let l = fitted.label(&LabelData {
                        table: t,
                        binned: b,
                        origin: Origin::New,
                        tick: &tick,
                    })?;
                    check_labels(&l, n_synthetic, k)?;
                    l
                }
                _ => TeacherLabels::empty(),
            };
            // Done with the model (an oracle program is told so here).
            drop(fitted);
            if let Some(dir) = &cache_dir {
                let mut all = labels.clone();
                all.append(synthetic_labels.clone());
                // A cache that cannot be written costs time next run, nothing more.
                if let Err(e) = crate::cache::store(dir, &cache_key, &all, k) {
                    progress.line(&format!(
                        "note: could not cache the teacher's labels in {}: {e}",
                        dir.display()
                    ));
                }
            }
            (labels, synthetic_labels)
        }
    };
    if let Some(note) = labels_against_probs(&labels, k) {
        progress.line(&format!("note: {note}"));
    }
    let synthetic = match (synthetic_table, synthetic_binned) {
        (Some(table), Some(binned)) => Some(Synthetic {
            table,
            binned,
            labels: synthetic_labels,
        }),
        _ => None,
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
        synthetic,
        description: if hidden.is_empty() {
            model.describe()
        } else {
            format!(
                "{}, without the {} {}",
                model.describe(),
                if hidden.len() == 1 {
                    "column"
                } else {
                    "columns"
                },
                quoted_list(&hidden)
            )
        },
    })
}

/// A numeric target's teacher: the logged predictions of a `column:`
/// teacher, or a regression forest's (out-of-bag on the training rows).
/// `CompileParams::check` refused every other teacher, and `--synthetic`.
fn predict(data: Ingested, p: &CompileParams, progress: &dyn Progress) -> Result<Taught, Error> {
    let table = &data.table;
    let splits = &data.splits;
    let Some(values) = table.values() else {
        return Err(Error::Params(
            "internal: a numeric target without values".into(),
        ));
    };
    let binned = Binned::new(table, &splits.train);
    let logged = match (&p.teacher, table.logged_values()) {
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
                "regression forest ({} trees, max depth 20, min leaf 5{sample}, a third of the features (at least 3) per split, out-of-bag predictions on train rows)",
                p.n_trees
            )
        }
    };
    progress.line(&format!(
        "teach: {description} on {} training rows",
        splits.train.len()
    ));
    // The regression forest, as the class forest, learns without the text
    // columns of a value per row (a logged teacher learned nothing here).
    let by_row = match logged {
        Some(_) => Vec::new(),
        None => per_row_columns(table, p, progress),
    };
    let description = if by_row.is_empty() {
        description
    } else {
        format!(
            "{description}, without the {} {}",
            if by_row.len() == 1 {
                "column"
            } else {
                "columns"
            },
            quoted_list(&by_row)
        )
    };
    let predictions = match logged {
        Some((_, logged)) => Predictions {
            values: logged.to_vec(),
            comparisons: Vec::new(),
        },
        None => {
            // Everything the predictions depend on (not the tolerance):
            // recompiling with another tolerance or precision reuses them.
            let cache_key = cache_key(
                &data.data_sha256,
                &description,
                splits,
                table,
                p,
                &["numeric target".to_string()],
            );
            let view = (!by_row.is_empty()).then(|| {
                let t = table.without_columns(&by_row);
                let b = Binned::new(&t, &splits.train);
                (t, b)
            });
            let (teacher_table, teacher_binned) = match &view {
                Some((t, b)) => (t, b),
                None => (table, &binned),
            };
            let cache_dir = p.cache_dir.as_deref();
            let cached = cache_dir
                .and_then(|dir| crate::cache::load_values(dir, &cache_key, table.n_rows()));
            let (values, comparisons) = match cached {
                Some(cached) => {
                    progress.line("teach: the teacher's predictions for this data and teacher are cached; reusing them (--no-cache to retrain)");
                    cached
                }
                None => {
                    let tick = |what: &str, done: u64, total: u64| progress.tick(what, done, total);
                    let fitted = crate::regress::RegressionForest {
                        n_trees: p.n_trees,
                        tree_rows: p.tree_rows,
                        seed: p.seed,
                    }
                    .fit(teacher_table, teacher_binned, splits, values, &tick);
                    let fresh = fitted.predict(teacher_binned, Origin::Fitted, &tick)?;
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
    Ok(Taught {
        data,
        binned,
        answers: Answers::Values(predictions),
        synthetic: None,
        description,
    })
}

/// The text columns of a value of their own in nearly every training row
/// (an identifier, a date as text) that the forest teacher, class or
/// regression, learns without, said in a note. Its trees split on such a
/// column first, the bootstrap rows' values sorting them into their
/// classes (or their values), and then send every other row, whose value
/// they never saw, down one side: on a few hundred rows the forest
/// answered the commonest class for every row, and the regression forest
/// was within the tolerance on a quarter of them.
/// Not under `--teacher-paths`: the teacher's own trees become
/// candidates there, read against every column of the table; a note says
/// what keeping them risks. A column `--forbid-teacher` hides is not named.
fn per_row_columns(table: &Table, p: &CompileParams, progress: &dyn Progress) -> Vec<String> {
    let per_row: &[String] = match p.teacher {
        TeacherKind::Forest => table.identifiers(),
        _ => &[],
    };
    let by_row: Vec<String> = if p.teacher_paths {
        Vec::new()
    } else {
        per_row
            .iter()
            .filter(|c| !(p.forbid_teacher && p.forbid.contains(c)))
            .cloned()
            .collect()
    };
    // A forbidden column gets no note (none of the notes about it does).
    let noted: Vec<String> = per_row
        .iter()
        .filter(|c| !p.forbid.contains(c))
        .cloned()
        .collect();
    if !noted.is_empty() {
        let one = noted.len() == 1;
        let (columns, has, its, it) = (
            format!(
                "{} {}",
                if one { "column" } else { "columns" },
                quoted_list(&noted)
            ),
            if one { "has" } else { "have" },
            if one { "its" } else { "their" },
            if one { "it" } else { "them" },
        );
        progress.line(&if p.teacher_paths {
            format!(
                "note: the forest teacher learns with {columns}, which {has} a value of {its} own in nearly every training row, since --teacher-paths reads its trees against every column; on a few hundred rows its trees may sort the training rows by {it} and answer one class for every new row (without --teacher-paths the forest learns without {it})"
            )
        } else {
            format!(
                "note: the forest teacher learns without {columns}, which {has} a value of {its} own in nearly every training row: its trees would sort the training rows by {it} and know no new row{}",
                if table.values().is_none() { " (--teacher gbdt weighs such a column itself)" } else { "" }
            )
        });
    }
    by_row
}

/// What the class teacher's labels depend on beyond the data and the
/// teacher: the synthetic rows, the files of a `cmd:` teacher, the classes,
/// and the columns kept from it (only when some are, so that other compiles
/// keep their cache keys).
fn teacher_key_parts(p: &CompileParams, table: &Table) -> Vec<String> {
    let mut parts = vec![
        format!("synthetic {}", p.synthetic),
        program_files_fingerprint(&p.teacher),
        table.classes().join("\u{0}"),
    ];
    if p.forbid_teacher {
        parts.push(format!("without columns {}", p.forbid.join("\u{0}")));
    }
    parts
}

/// The cache key of a teacher's answers: everything they depend on (the
/// data, the teacher, its seed, the split, the columns, this build) and
/// nothing they do not (precision, rule limits, tolerance), then `more`.
fn cache_key(
    data_sha256: &str,
    teacher: &str,
    splits: &crate::split::Splits,
    table: &Table,
    p: &CompileParams,
    more: &[String],
) -> String {
    let mut parts = vec![
        data_sha256.to_string(),
        teacher.to_string(),
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
        // Read as categories: the same column holds other data.
        p.categorical.join("\u{0}"),
        table.target_name().to_string(),
        table
            .columns()
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join("\u{0}"),
        env!("CARGO_PKG_VERSION").to_string(),
        crate::cache::build_fingerprint(),
    ];
    parts.extend_from_slice(more);
    crate::cache::key(&parts)
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
/// Says so when the teacher's label is not its most probable class on some
/// rows: rulec's own teachers never do that, a program (`cmd:`) may, by a
/// decision threshold of its own or by sending `probs` in another class
/// order than the handshake's. The labels are kept as given.
fn labels_against_probs(labels: &TeacherLabels, k: usize) -> Option<String> {
    if k < 2 || labels.probs.len() != labels.labels.len() * k {
        return None;
    }
    let mut against = labels
        .labels
        .iter()
        .zip(labels.probs.chunks_exact(k))
        .enumerate()
        .filter(|(_, (&label, p))| {
            let top = p.iter().copied().fold(f32::MIN, f32::max);
            p[label as usize] + 1e-6 < top
        })
        .map(|(i, _)| i);
    let first = against.next()?;
    let count = 1 + against.count();
    Some(format!(
        "the teacher's label is not its most probable class on {count} of its {} rows (the first: row {} of the rows it was sent); rulec keeps its labels and reads each label's probability as the teacher's confidence in it. A program that sends `probs` must list them in the handshake's order of `classes`; with a decision threshold of its own, this note is expected",
        labels.labels.len(),
        first + 1
    ))
}

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

/// The teacher's options given away from their default that the teacher
/// in use does not read: `--trees` is the forest's, `--oracle-batch` and
/// `--oracle-timeout` a `cmd:` teacher's. Said, not refused: a script that
/// sets them for every teacher it tries still runs.
fn ignored_options(p: &CompileParams) -> Vec<String> {
    let default = CompileParams::default();
    let teacher = p.teacher.name();
    let mut out = Vec::new();
    if p.n_trees != default.n_trees && !matches!(p.teacher, TeacherKind::Forest) {
        out.push(format!(
            "--trees {} is the forest teacher's; the {teacher} teacher does not read it",
            p.n_trees
        ));
    }
    if !matches!(p.teacher, TeacherKind::Command(_)) {
        for (given, flag) in [
            (p.oracle_batch != default.oracle_batch, "--oracle-batch"),
            (
                p.oracle_timeout != default.oracle_timeout,
                "--oracle-timeout",
            ),
        ] {
            if given {
                out.push(format!(
                    "{flag} is for a `cmd:` teacher's program; the {teacher} teacher does not read it"
                ));
            }
        }
    }
    out
}

/// Column names in backticks, comma-separated.
fn quoted_list(names: &[String]) -> String {
    names
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Synthetic rows are a table of their own, labelled by the teacher:
    /// the real table, its splits and the real rows' labels are what they
    /// are without them, and no split names a synthetic row.
    #[test]
    fn synthetic_rows_are_their_own_table_in_no_split() {
        use crate::table::{Column, ColumnData, TargetData};
        let mut rng = rulec_datasets::Rng::new(4);
        let x: Vec<f64> = (0..600).map(|_| rng.f64() * 10.0).collect();
        let labels = x.iter().map(|&v| u32::from(v > 4.0)).collect();
        let table = Table::new(
            vec![Column {
                name: "x".into(),
                data: ColumnData::Numeric(x),
            }],
            "y".into(),
            TargetData::Classes {
                names: vec!["a".into(), "b".into()],
                labels,
                logged: None,
            },
        );
        let data = || Ingested {
            table: table.clone(),
            splits: crate::split::Splits {
                train: (0..400).collect(),
                validation: (400..500).collect(),
                test: (500..600).collect(),
                method: "test".into(),
            },
            data_sha256: String::new(),
            data_names: String::new(),
        };
        let teach = |synthetic| {
            let p = CompileParams {
                synthetic,
                n_trees: 10,
                cache_dir: None,
                ..CompileParams::default()
            };
            run(data(), &p, &crate::progress::Silent).unwrap()
        };
        let (plain, with) = (teach(0), teach(300));
        assert!(plain.synthetic.is_none());
        let synthetic = with.synthetic.as_ref().unwrap();
        assert_eq!(synthetic.table.n_rows(), 300);
        assert_eq!(synthetic.binned.n_rows(), 300);
        assert_eq!(synthetic.labels.labels.len(), 300);
        assert_eq!(synthetic.labels.probs.len(), 600);
        // The real table, its splits and labels are untouched.
        assert_eq!(with.data.table.n_rows(), 600);
        assert_eq!(with.binned.n_rows(), 600);
        let splits = &with.data.splits;
        assert!(splits
            .train
            .iter()
            .chain(&splits.validation)
            .chain(&splits.test)
            .all(|&r| r < 600));
        let (Answers::Classes(a), Answers::Classes(b)) = (&plain.answers, &with.answers) else {
            unreachable!()
        };
        assert_eq!(a.probs, b.probs);
        assert_eq!(a.labels.len(), 600);
        // The labels are the synthetic rows' own (the teacher learnt x > 4).
        let ColumnData::Numeric(sx) = &synthetic.table.columns()[0].data else {
            unreachable!()
        };
        let agree = (0..300)
            .filter(|&r| synthetic.labels.labels[r] == u32::from(sx[r] > 4.0))
            .count();
        assert!(agree >= 285, "{agree}/300");
    }

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
