//! The compile pipeline: five stages, each a module with a typed output
//! that the next stage takes by value and never reaches back past:
//!
//! ```text
//! files ─ingested─▶ Ingested ─taught─▶ Taught ─pool─▶ Pool ─certified─▶ Certified ─assemble─▶ RuleSet
//! ```
//!
//! - [`ingested`]: read the data, fingerprint it, split it ([`Ingested`]).
//! - [`taught`]: the teacher labels every row once, or the cache does ([`Taught`]).
//! - [`pool`]: candidate rules from the teacher's labels, and the user's
//!   proposals ([`Pool`]).
//! - [`certified`]: order the candidates on held-out training rows, certify
//!   a prefix on validation rows ([`Certified`]).
//! - [`assemble`]: compaction, names, evidence, curve, cost and provenance.
//!
//! Class targets and numeric ones (`--tolerance`) run the same stages; what
//! differs is how a decision is scored (a class is right, a value is within
//! the tolerance), which [`scoring::Scoring`] supplies, and what the teacher
//! answers ([`taught::Answers`]: classes or values) and proposes from
//! ([`pool`]: classification trees or regression trees).
//! [`CompileParams`] is what the user asked for, unchecked;
//! [`CompileParams::check`] turns it into [`ValidParams`], and only valid
//! parameters can run. This module never writes files: the caller decides
//! where the results go.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rulec_runtime::ir::RuleSet;

use crate::error::Error;
use crate::progress::Progress;

pub mod assemble;
pub mod certified;
pub mod ingested;
pub mod pool;
pub mod scoring;
pub mod taught;

pub use self::certified::Certified;
pub use self::ingested::{sha256_file, Frame, Ingested};
pub use self::pool::Pool;
pub use self::taught::Taught;
pub use crate::params::{Certify, CompileParams, OrderMode, TeacherKind, ValidParams};
pub use crate::report::{CostModelFigures, Figures, MeasuredCostFigures, Report};

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
    paths: &[PathBuf],
    params: &ValidParams,
    progress: &dyn Progress,
) -> Result<Compiled, Error> {
    compile_with(Data::Files(paths), params, None, progress)
}

/// Where a compile's rows come from.
pub enum Data<'a> {
    /// Data files with the same columns (CSV, TSV, Parquet).
    Files(&'a [PathBuf]),
    /// A frame already in memory.
    Frame(ingested::Frame),
}

/// Runs the whole pipeline on `data`. `teacher`, when given, is the model
/// that labels the rows instead of the one the parameters name (a model in
/// the caller's process: the parameters then name it as
/// [`TeacherKind::InProcess`] for the provenance).
pub fn compile_with(
    data: Data<'_>,
    params: &ValidParams,
    teacher: Option<Box<dyn crate::teach::Teacher>>,
    progress: &dyn Progress,
) -> Result<Compiled, Error> {
    let p = params.get();
    // The model card is read first: a bad card fails before any work.
    let card = p.card.as_deref().map(crate::card::load).transpose()?;
    let mut clock = Stopwatch::start();
    let data = match data {
        Data::Files(paths) => ingested::run(paths, p, progress)?,
        Data::Frame(frame) => ingested::run_frame(frame, p, progress)?,
    };
    clock.lap("ingest");
    // `--proposals` read against the data's columns and classes now, so
    // that a typo fails before the teacher trains, not after.
    if let (Some(file), None) = (&p.proposals, p.tolerance) {
        let table = &data.table;
        let schema = RuleSet::new(
            rulec_runtime::ir::Target {
                name: table.target_name().to_string(),
                classes: table.classes().to_vec(),
                tolerance: None,
            },
            crate::validate::features_from(table, &data.splits.train),
            Vec::new(),
            p.precision,
            p.confidence,
        );
        crate::rules_file::load_dsl_for(file, &schema)?;
    }
    let taught = match teacher {
        Some(model) => taught::run_with(data, p, model, progress)?,
        None => taught::run(data, p, progress)?,
    };
    clock.lap("teach");
    // `--stability`: the candidates and their certification again, on
    // resamples of the training rows (the teacher's labels as they are).
    let resampled = if p.stability > 0 {
        progress.line(&format!(
            "stability: recompiling the rules on {} bootstrap {} of the training rows",
            p.stability,
            if p.stability == 1 {
                "resample"
            } else {
                "resamples"
            }
        ));
        let rules = crate::stability::resample(&taught, p, progress)?;
        Some((
            rules,
            taught.data.table.clone(),
            taught.data.splits.validation.clone(),
        ))
    } else {
        None
    };
    let pool = pool::run(taught, p, progress)?;
    clock.lap("propose");
    let certified = certified::run(pool, p, progress)?;
    clock.lap("validate");
    // The table outlives the stage that consumes the rest.
    let dropped_unlabelled = certified.pool.data.table.dropped_unlabelled();
    let mut done = assemble::run(certified, p, progress)?;
    done.set.card = card;
    if let Some((rules, table, validation)) = &resampled {
        let stability = crate::stability::figures(&done.set, table, validation, rules)?;
        if let Some(summary) = done.set.summary.as_mut() {
            summary.stability = Some(stability);
        }
    }
    clock.lap("compact");
    let report = Report::of(
        &done.set,
        &done.validation,
        done.test.as_ref(),
        done.n_candidates,
        dropped_unlabelled,
        p,
    );
    Ok(Compiled {
        rules: done.set,
        report,
        timings: clock.laps,
    })
}

/// Wall time per stage.
struct Stopwatch {
    clock: Instant,
    laps: Vec<(&'static str, Duration)>,
}

impl Stopwatch {
    fn start() -> Stopwatch {
        Stopwatch {
            clock: Instant::now(),
            laps: Vec::new(),
        }
    }

    fn lap(&mut self, name: &'static str) {
        self.laps.push((name, self.clock.elapsed()));
        self.clock = Instant::now();
    }
}
