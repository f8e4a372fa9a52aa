//! The cascade a service runs: the rules answer the rows they cover, the
//! fallback (the big model) answers the rest, and every answer says where
//! it came from and which rule set version gave it.
//!
//! The seams are two small traits. [`Engine`] is "the rules": the
//! interpreter ([`Interpreter`], a `rules.json` loaded at run time) or a
//! generated crate built with its `runtime` feature. [`Fallback`] is "the
//! model", as narrow as a matcher: a row in, a class index out.
//!
//! # Reloading without a lock per decision
//!
//! [`Cascade::reload`] swaps in a new rule set while other threads decide.
//! Each thread decides through its own [`Handle`], which keeps an `Arc` of
//! the version it last saw. A decision costs one atomic load of the
//! cascade's generation number: only when it changed does the handle take
//! the read lock once to pick up the new version. A decision runs entirely
//! on the version its handle held when it started, counters included, so
//! none is lost and none mixes two versions; [`Outcome::version`] says
//! which one it was.
//!
//! # Shadow verification
//!
//! With [`ShadowConfig::rate`] above zero, a deterministic share of the
//! covered decisions is also sent to the fallback, and each rule's agreement
//! with it is tracked with a Wilson bound. When, after
//! [`ShadowConfig::min_samples`] checks, the agreement test ([`AlarmTest`])
//! fails against the precision the rules were certified at, the rule's alarm
//! is raised (once): the callback runs, the metrics show it, and with
//! [`ShadowConfig::switch_off`] the rule's rows go to the fallback from then
//! on. Agreement is with the fallback, not with the truth: a disagreement
//! means the rule and the model part ways, which is what a service can see
//! without labels.
//!
//! # Example
//!
//! ```
//! use rulec_runtime::{Cascade, CascadeConfig, Cell, Interpreter, Source};
//!
//! let rules_json = r#"{
//!   "schema_version": 1,
//!   "target": { "name": "shipper", "classes": ["A", "B"] },
//!   "features": [{ "name": "distance_mi", "kind": { "type": "numeric" }, "nullable": false }],
//!   "rules": [{
//!     "name": "short_to_b",
//!     "conditions": [{ "test": "cmp", "feature": "distance_mi", "op": "<", "value": 50.0 }],
//!     "decision": "B"
//!   }],
//!   "certification": { "precision": 0.95, "confidence": 0.95, "method": "clopper-pearson" }
//! }"#;
//! let rules = Interpreter::from_json(rules_json)?; // or Interpreter::load(path)
//! // The big model: a class index for a row. Here a stand-in.
//! let model = |_row: &[Cell]| 0;
//! let cascade = Cascade::new(rules, model, CascadeConfig::default())?;
//!
//! let mut handle = cascade.handle(); // one per thread
//! let outcome = handle.decide(&[Cell::Num(12.0)])?;
//! assert_eq!(outcome.source, Source::Rule(0));
//! assert_eq!(handle.class_label(outcome.class_idx), "B");
//! assert_eq!(handle.decide(&[Cell::Num(120.0)])?.source, Source::Fallback);
//!
//! let text = cascade.metrics().to_prometheus();
//! assert!(text.contains("rulec_decisions_total{source=\"rule\"} 1\n"));
//! # Ok::<(), rulec_runtime::Error>(())
//! ```

use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use crate::error::Error;
use crate::eval::{Cell, Evaluator, Hit};
use crate::ir::RuleSet;
use crate::metrics::{Snapshot, Totals, VersionStats};
use crate::stats::wilson_lower;

/// Rules a [`Cascade`] can run: the interpreter or a generated crate.
///
/// Implementations are cheap to call: [`Engine::decide`] runs on every
/// decision.
pub trait Engine: Send + Sync + 'static {
    /// The row the rules read: `[Cell]` for the interpreter, the generated
    /// crate's `Input` for compiled rules.
    type Row: ?Sized;

    /// The first rule covering `row`, or `None`: the fallback's case.
    fn decide(&self, row: &Self::Row) -> Option<Hit>;

    /// Checks that `row` fits the rules (e.g. its width) before deciding.
    fn check_row(&self, row: &Self::Row) -> Result<(), Error> {
        let _ = row;
        Ok(())
    }

    /// Number of rules; [`Hit::rule_idx`] is below it.
    fn n_rules(&self) -> usize;

    /// The name of rule `rule_idx`.
    fn rule_name(&self, rule_idx: usize) -> &str;

    /// Number of classes; [`Hit::class_idx`] is below it.
    fn n_classes(&self) -> usize;

    /// The label of class `class_idx`.
    fn class_label(&self, class_idx: usize) -> &str;

    /// The precision the rules were certified at (`certification.precision`).
    fn precision(&self) -> f64;

    /// The confidence of the certification's bound.
    fn confidence(&self) -> f64;

    /// For a numeric target compiled with a tolerance (`--tolerance`): how
    /// far the fallback's value may be from the rule's and still agree in a
    /// shadow check (the class labels are the values). `None`, the default:
    /// only the same class agrees.
    fn tolerance(&self) -> Option<f64> {
        None
    }

    /// Whether rows made for `self` mean the same to `next`, so `next` can
    /// replace it while running. Class labels are compared by the cascade;
    /// this compares the input (features, category codes). Each problem is
    /// listed.
    fn same_input(&self, next: &Self) -> Result<(), Vec<String>> {
        let _ = next;
        Ok(())
    }
}

/// The model that answers what the rules do not cover.
///
/// Any `Fn(&Row) -> usize` (a class index) is a fallback that never fails.
/// A fallback that can fail (a remote model) implements the trait and
/// returns [`Error::Fallback`].
pub trait Fallback<R: ?Sized>: Send + Sync {
    /// The class index for `row`, in the rule set's class order.
    fn decide(&self, row: &R) -> Result<usize, Error>;
}

impl<R: ?Sized, F> Fallback<R> for F
where
    F: Fn(&R) -> usize + Send + Sync,
{
    fn decide(&self, row: &R) -> Result<usize, Error> {
        Ok(self(row))
    }
}

/// The interpreter as an [`Engine`]: a `rules.json` loaded at run time.
/// Rows are `[Cell]`, one per feature, encoded with
/// [`Interpreter::evaluator`]'s `category_code`.
#[derive(Clone, Debug)]
pub struct Interpreter {
    set: RuleSet,
    eval: Evaluator,
}

impl Interpreter {
    /// Prepares `set`. Fails if it is inconsistent.
    pub fn new(set: RuleSet) -> Result<Interpreter, Error> {
        let eval = Evaluator::new(&set)?;
        Ok(Interpreter { set, eval })
    }

    /// Parses, checks and prepares a `rules.json` document.
    pub fn from_json(text: &str) -> Result<Interpreter, Error> {
        Interpreter::new(RuleSet::from_json(text)?)
    }

    /// Reads, checks and prepares a `rules.json` file.
    pub fn load(path: &Path) -> Result<Interpreter, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Read {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Interpreter::from_json(&text)
    }

    /// The rule set.
    pub fn set(&self) -> &RuleSet {
        &self.set
    }

    /// The prepared interpreter.
    pub fn evaluator(&self) -> &Evaluator {
        &self.eval
    }
}

impl Engine for Interpreter {
    type Row = [Cell];

    #[inline]
    fn decide(&self, row: &[Cell]) -> Option<Hit> {
        self.eval.decide_unchecked_width(row)
    }

    fn check_row(&self, row: &[Cell]) -> Result<(), Error> {
        if row.len() == self.eval.n_features() {
            Ok(())
        } else {
            Err(Error::RowWidth {
                found: row.len(),
                expected: self.eval.n_features(),
            })
        }
    }

    fn n_rules(&self) -> usize {
        self.set.rules.len()
    }

    fn rule_name(&self, rule_idx: usize) -> &str {
        self.set.rules.get(rule_idx).map_or("", |r| &r.name)
    }

    fn n_classes(&self) -> usize {
        self.set.target.classes.len()
    }

    fn tolerance(&self) -> Option<f64> {
        self.set.target.tolerance
    }

    fn class_label(&self, class_idx: usize) -> &str {
        self.set
            .target
            .classes
            .get(class_idx)
            .map_or("", String::as_str)
    }

    fn precision(&self) -> f64 {
        self.set.certification.precision
    }

    fn confidence(&self) -> f64 {
        self.set.certification.confidence
    }

    fn same_input(&self, next: &Self) -> Result<(), Vec<String>> {
        let (old, new) = (&self.set.features, &next.set.features);
        let mut problems = Vec::new();
        if old.len() != new.len() {
            problems.push(format!(
                "it has {} features, the running set {}",
                new.len(),
                old.len()
            ));
        }
        for (a, b) in old.iter().zip(new) {
            // Nullability only widens what a rule may test; names, kinds and
            // category order decide what a row means.
            if a.name != b.name || a.kind != b.kind {
                // Say what changed: the name, the kind, or (same name and
                // kind) the categories.
                let what = if a.name == b.name && a.kind.describe() == b.kind.describe() {
                    format!(
                        "feature `{}` ({}): its categories changed",
                        a.name,
                        a.kind.describe()
                    )
                } else {
                    format!(
                        "feature `{}` ({}) became `{}` ({})",
                        a.name,
                        a.kind.describe(),
                        b.name,
                        b.kind.describe()
                    )
                };
                problems.push(what);
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

/// Who answered a decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// The rule at this index (in the version of the outcome).
    Rule(usize),
    /// The fallback: no rule covered the row.
    Fallback,
    /// The fallback, because the rule at this index covered the row but is
    /// switched off after a shadow alarm.
    SwitchedOff(usize),
}

/// A decision: the class, who gave it, and with which rule set version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Outcome {
    /// Index of the class in the rule set's classes.
    pub class_idx: usize,
    /// Who answered.
    pub source: Source,
    /// The rule set version that made the decision (1 for the set the
    /// cascade started with, then one more per reload).
    pub version: u64,
}

/// How the agreement of a rule with the fallback is judged against the
/// precision the rules were certified at.
///
/// Both use the Wilson bound at the rule set's confidence. They differ in
/// what an alarm means, and the difference matters in practice: a rule
/// whose agreement with the model sits a little above the precision (0.97
/// against 0.95, say) keeps a lower bound *below* 0.95 for hundreds of
/// checks, and even a rule that never disagrees needs 52 checks (at 0.95
/// confidence) before its lower bound reaches 0.95.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AlarmTest {
    /// Alarm when the *upper* bound of the agreement falls below the
    /// precision: the checks show, at the rule set's confidence, that the
    /// rule now does worse than it was certified for. A healthy rule does
    /// not trip it, however few checks it has had.
    #[default]
    UpperBound,
    /// Alarm when the *lower* bound falls below the precision: the checks
    /// no longer vouch for the rule. Strict: it also fires on healthy rules
    /// near the precision, and on every rule before
    /// [`ShadowConfig::min_samples`] is large enough for a perfect record
    /// to clear the precision; use it with a large minimum sample, or when
    /// switching a rule off costs little.
    LowerBound,
}

/// Shadow verification settings. The default (rate 0) checks nothing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ShadowConfig {
    /// Share of covered decisions also sent to the fallback, in `[0, 1]`.
    pub rate: f64,
    /// Seed of the sampler. Sampling is deterministic: the same seed, the
    /// same handles created in the same order and the same traffic per
    /// handle give the same samples.
    pub seed: u64,
    /// Checks a rule needs before its agreement is judged.
    pub min_samples: u64,
    /// The test an alarm is raised on.
    pub test: AlarmTest,
    /// Switch a rule off when its alarm is raised, so its rows go to the
    /// fallback.
    pub switch_off: bool,
}

impl Default for ShadowConfig {
    fn default() -> ShadowConfig {
        ShadowConfig {
            rate: 0.0,
            seed: 0,
            min_samples: 100,
            test: AlarmTest::UpperBound,
            switch_off: false,
        }
    }
}

/// A rule whose agreement with the fallback failed the test.
#[derive(Clone, Debug, PartialEq)]
pub struct Alarm {
    /// The rule set version.
    pub version: u64,
    /// The rule's index.
    pub rule_idx: usize,
    /// The rule's name.
    pub rule: String,
    /// Shadow checks of the rule.
    pub samples: u64,
    /// Of which agreements.
    pub agreements: u64,
    /// The bound the test used (lower or upper, see [`AlarmTest`]).
    pub bound: f64,
    /// The certified precision it fell below.
    pub precision: f64,
    /// Whether the rule was switched off.
    pub switched_off: bool,
}

/// Called once per alarm, on the thread whose decision raised it; keep it
/// short (log, bump a metric, page someone).
pub type AlarmCallback = Box<dyn Fn(&Alarm) + Send + Sync>;

/// Settings of a [`Cascade`].
#[derive(Default)]
pub struct CascadeConfig {
    /// Shadow verification.
    pub shadow: ShadowConfig,
    /// Called when a rule's alarm is raised.
    pub on_alarm: Option<AlarmCallback>,
}

impl fmt::Debug for CascadeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CascadeConfig")
            .field("shadow", &self.shadow)
            .field("on_alarm", &self.on_alarm.as_ref().map(|_| "callback"))
            .finish()
    }
}

/// Rules first, fallback otherwise, with metrics, shadow checks and live
/// reloads. Cloning gives another reference to the same cascade; decide
/// through a [`Handle`] per thread.
pub struct Cascade<E: Engine, F> {
    shared: Arc<Shared<E, F>>,
}

impl<E: Engine, F> Clone for Cascade<E, F> {
    fn clone(&self) -> Self {
        Cascade {
            shared: Arc::clone(&self.shared),
        }
    }
}

struct Shared<E, F> {
    /// The running version. Written on reload; read when a handle sees a
    /// new generation.
    current: RwLock<Arc<Version<E>>>,
    /// The running version's number, published after `current` is
    /// written: the one atomic every decision reads.
    generation: AtomicU64,
    fallback: F,
    shadow: Sampler,
    config: ShadowConfig,
    on_alarm: Option<AlarmCallback>,
    /// Counters of every version, for the totals. Locked on reload and
    /// snapshot only.
    history: Mutex<Vec<Arc<VersionStats>>>,
    next_handle: AtomicU64,
}

/// One loaded rule set and its counters.
struct Version<E> {
    number: u64,
    engine: E,
    stats: Arc<VersionStats>,
}

/// Decides for one thread. Holds the rule set version it last saw and
/// picks up a reload at its next decision.
pub struct Handle<E: Engine, F> {
    shared: Arc<Shared<E, F>>,
    version: Arc<Version<E>>,
    /// Covered decisions so far, for the sampler.
    covered: u64,
    /// This handle's sampler stream.
    stream: u64,
}

/// Decides which covered decisions are checked: a hash of the handle's
/// stream and its count of covered decisions against a threshold. A hash,
/// not every k-th decision, so a periodic traffic pattern cannot line up
/// with the sampler.
#[derive(Clone, Copy, Debug)]
enum Sampler {
    Never,
    Always,
    Below(u64),
}

impl<E: Engine, F: Fallback<E::Row>> Cascade<E, F> {
    /// A cascade running `engine`, with `fallback` for what it does not
    /// cover.
    pub fn new(engine: E, fallback: F, config: CascadeConfig) -> Result<Cascade<E, F>, Error> {
        let rate = config.shadow.rate;
        let shadow = if !(0.0..=1.0).contains(&rate) {
            return Err(Error::Config(format!(
                "shadow rate {rate} is not between 0 and 1"
            )));
        } else if rate == 0.0 {
            Sampler::Never
        } else if rate == 1.0 {
            Sampler::Always
        } else {
            // `rate` of the 2^64 hash values fall below the threshold.
            Sampler::Below((rate * 18_446_744_073_709_551_616.0) as u64)
        };
        check_engine(&engine)?;
        let stats = Arc::new(VersionStats::new(rule_names(&engine)));
        let version = Arc::new(Version {
            number: 1,
            engine,
            stats: Arc::clone(&stats),
        });
        Ok(Cascade {
            shared: Arc::new(Shared {
                current: RwLock::new(version),
                generation: AtomicU64::new(1),
                fallback,
                shadow,
                config: config.shadow,
                on_alarm: config.on_alarm,
                history: Mutex::new(vec![stats]),
                next_handle: AtomicU64::new(0),
            }),
        })
    }

    /// A handle for deciding on this thread.
    pub fn handle(&self) -> Handle<E, F> {
        let id = self.shared.next_handle.fetch_add(1, Ordering::Relaxed);
        Handle {
            shared: Arc::clone(&self.shared),
            version: self.shared.load(),
            covered: 0,
            stream: splitmix(self.shared.config.seed ^ splitmix(id)),
        }
    }

    /// Replaces the running rules with `engine` and returns the new version
    /// number. Decisions under way finish on the version they started
    /// with; each handle moves to the new one at its next decision. Refused
    /// when the new rules read rows or name classes differently.
    ///
    /// The new version starts with fresh per-rule counters, alarms and
    /// switches: reloading is how a recompiled (or the same) rule set is put
    /// back in service after an alarm. The old version's counters stay in
    /// the totals.
    pub fn reload(&self, engine: E) -> Result<u64, Error> {
        check_engine(&engine)?;
        let mut current = self
            .shared
            .current
            .write()
            .unwrap_or_else(|e| e.into_inner());
        let mut problems = Vec::new();
        let old = &current.engine;
        let classes = |e: &E| -> Vec<String> {
            (0..e.n_classes())
                .map(|i| e.class_label(i).to_string())
                .collect()
        };
        if classes(old) != classes(&engine) {
            problems.push(format!(
                "its classes {:?} differ from the running set's {:?}",
                classes(&engine),
                classes(old)
            ));
        }
        if let Err(more) = old.same_input(&engine) {
            problems.extend(more);
        }
        if !problems.is_empty() {
            return Err(Error::Incompatible(problems));
        }
        let number = current.number + 1;
        let stats = Arc::new(VersionStats::new(rule_names(&engine)));
        *current = Arc::new(Version {
            number,
            engine,
            stats: Arc::clone(&stats),
        });
        self.shared
            .history
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(stats);
        // Published while the write lock is held, so a handle that sees
        // the new number finds that version (or a newer one) under the lock.
        self.shared.generation.store(number, Ordering::Release);
        Ok(number)
    }

    /// The running version number.
    pub fn version(&self) -> u64 {
        self.shared.generation.load(Ordering::Acquire)
    }

    /// The fallback.
    pub fn fallback(&self) -> &F {
        &self.shared.fallback
    }

    /// The counters now: totals over every version, rules of the running
    /// one.
    pub fn metrics(&self) -> Snapshot {
        let version = self.shared.load();
        let history = self
            .shared
            .history
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let mut totals = Totals::default();
        for stats in history.iter() {
            stats.add_to(&mut totals);
        }
        Snapshot {
            version: version.number,
            reloads: history.len() as u64 - 1,
            precision: version.engine.precision(),
            totals,
            rules: version.stats.rule_snapshots(version.engine.confidence()),
        }
    }
}

impl<F: Fallback<[Cell]>> Cascade<Interpreter, F> {
    /// Reloads from a `rules.json` file; see [`Cascade::reload`]. On any
    /// error the running rules stay.
    pub fn reload_file(&self, path: &Path) -> Result<u64, Error> {
        self.reload(Interpreter::load(path)?)
    }
}

impl<E, F> Shared<E, F> {
    fn load(&self) -> Arc<Version<E>> {
        Arc::clone(&self.current.read().unwrap_or_else(|e| e.into_inner()))
    }
}

impl<E: Engine, F: Fallback<E::Row>> Handle<E, F> {
    /// Decides `row`: from the rules when one covers it (and is not
    /// switched off), else from the fallback. Fails only when the row does
    /// not fit the rules or the fallback fails.
    #[inline]
    pub fn decide(&mut self, row: &E::Row) -> Result<Outcome, Error> {
        let generation = self.shared.generation.load(Ordering::Acquire);
        if generation != self.version.number {
            self.version = self.shared.load();
        }
        let version = &*self.version;
        let stats = &version.stats;
        version.engine.check_row(row)?;
        let Some(hit) = version.engine.decide(row) else {
            let class_idx = self.fallback(version, row)?;
            stats.uncovered.fetch_add(1, Ordering::Relaxed);
            return Ok(Outcome {
                class_idx,
                source: Source::Fallback,
                version: version.number,
            });
        };
        let rule = &stats.rules[hit.rule_idx];
        if rule.off.load(Ordering::Relaxed) {
            let class_idx = self.fallback(version, row)?;
            rule.rerouted.fetch_add(1, Ordering::Relaxed);
            return Ok(Outcome {
                class_idx,
                source: Source::SwitchedOff(hit.rule_idx),
                version: version.number,
            });
        }
        rule.hits.fetch_add(1, Ordering::Relaxed);
        self.covered = self.covered.wrapping_add(1);
        let sampled = match self.shared.shadow {
            Sampler::Never => false,
            Sampler::Always => true,
            Sampler::Below(threshold) => {
                splitmix(self.stream.wrapping_add(self.covered)) < threshold
            }
        };
        if sampled {
            self.shadow(hit, row);
        }
        Ok(Outcome {
            class_idx: hit.class_idx,
            source: Source::Rule(hit.rule_idx),
            version: version.number,
        })
    }

    /// The version this handle decides with now (it may move at the next
    /// decision).
    pub fn version(&self) -> u64 {
        self.version.number
    }

    /// The rules of this handle's version.
    pub fn engine(&self) -> &E {
        &self.version.engine
    }

    /// The label of a class.
    pub fn class_label(&self, class_idx: usize) -> &str {
        self.version.engine.class_label(class_idx)
    }

    /// The name of the rule behind `outcome`, when a rule answered or was
    /// switched off and `outcome` comes from this handle's version.
    pub fn rule_name(&self, outcome: &Outcome) -> Option<&str> {
        match outcome.source {
            Source::Rule(i) | Source::SwitchedOff(i) if outcome.version == self.version.number => {
                Some(self.version.engine.rule_name(i))
            }
            _ => None,
        }
    }

    fn fallback(&self, version: &Version<E>, row: &E::Row) -> Result<usize, Error> {
        let res = self.shared.fallback.decide(row).and_then(|class_idx| {
            let n_classes = version.engine.n_classes();
            if class_idx < n_classes {
                Ok(class_idx)
            } else {
                Err(Error::FallbackClass {
                    found: class_idx,
                    n_classes,
                })
            }
        });
        if res.is_err() {
            version
                .stats
                .fallback_errors
                .fetch_add(1, Ordering::Relaxed);
        }
        res
    }

    /// Sends a covered row to the fallback too and judges the rule.
    #[cold]
    fn shadow(&self, hit: Hit, row: &E::Row) {
        let version = &*self.version;
        let stats = &version.stats;
        let answer = match self.shared.fallback.decide(row) {
            Ok(class_idx) => class_idx,
            Err(_) => {
                stats.shadow_errors.fetch_add(1, Ordering::Relaxed);
                return;
            }
        };
        let rule = &stats.rules[hit.rule_idx];
        // One atomic step counts the check and its outcome, so the pair this
        // thread judges is consistent even while other threads add theirs.
        let step = crate::metrics::shadow_step(agree(&version.engine, answer, hit.class_idx));
        let packed = rule
            .shadow
            .fetch_add(step, Ordering::Relaxed)
            .wrapping_add(step);
        let (samples, agreements) = crate::metrics::unpack_shadow(packed);
        let config = &self.shared.config;
        if samples < config.min_samples || rule.alarm.load(Ordering::Relaxed) {
            return;
        }
        let agreements = agreements.min(samples);
        let confidence = version.engine.confidence();
        let bound = match config.test {
            AlarmTest::LowerBound => wilson_lower(agreements, samples, confidence),
            AlarmTest::UpperBound => 1.0 - wilson_lower(samples - agreements, samples, confidence),
        };
        let precision = version.engine.precision();
        if bound >= precision {
            return;
        }
        // One thread raises the alarm; the others see it raised.
        if rule.alarm.swap(true, Ordering::AcqRel) {
            return;
        }
        if config.switch_off {
            rule.off.store(true, Ordering::Relaxed);
        }
        if let Some(callback) = &self.shared.on_alarm {
            callback(&Alarm {
                version: version.number,
                rule_idx: hit.rule_idx,
                rule: version.engine.rule_name(hit.rule_idx).to_string(),
                samples,
                agreements,
                bound,
                precision,
                switched_off: config.switch_off,
            });
        }
    }
}

fn check_engine<E: Engine>(engine: &E) -> Result<(), Error> {
    let precision = engine.precision();
    let confidence = engine.confidence();
    if !(0.0..=1.0).contains(&precision) || !(0.0..1.0).contains(&confidence) {
        return Err(Error::Config(format!(
            "the rules' precision {precision} and confidence {confidence} must lie in [0, 1]"
        )));
    }
    Ok(())
}

fn rule_names<E: Engine>(engine: &E) -> Vec<String> {
    (0..engine.n_rules())
        .map(|i| engine.rule_name(i).to_string())
        .collect()
}

/// SplitMix64's output function: a well-mixed hash of a counter.
fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Whether the fallback's class `answer` agrees with the rule's `decided`:
/// the same class, or for a numeric target with a tolerance, values (the
/// class labels) within it of each other.
fn agree<E: Engine>(engine: &E, answer: usize, decided: usize) -> bool {
    if answer == decided {
        return true;
    }
    let Some(tolerance) = engine.tolerance() else {
        return false;
    };
    let value = |class: usize| engine.class_label(class).parse::<f64>().ok();
    match (value(answer), value(decided)) {
        (Some(a), Some(d)) => crate::stats::within_tolerance(a, d, tolerance),
        _ => false,
    }
}
