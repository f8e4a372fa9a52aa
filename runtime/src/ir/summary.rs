//! The figures a compiled rule set carries about itself: the set's
//! figures on each split ([`Summary`], [`SetFigures`]), the coverage against
//! precision curve, what decisions cost, results per group and how stable
//! the rules are. Part of `rules.json`, re-exported by [`crate::ir`].

use serde::{Deserialize, Serialize};

use super::{ratio, SplitEvidence};

/// Figures for the whole rule set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// On validation rows.
    pub validation: SetFigures,
    /// On test rows; absent without test rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<SetFigures>,
    /// Candidate rules the proposer produced.
    pub candidates: u64,
    /// The coverage/precision trade-off on validation rows: point `k - 1` is
    /// the rule set made of the first `k` rules. The kept rules come first,
    /// in order; the curve continues with the candidates next in line that
    /// were not kept, so an auditor sees what a lower precision would buy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub curve: Vec<CurvePoint>,
    /// What a decision costs with and without the rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<CostModel>,
    /// The same in time, measured on the compiling machine
    /// (`rulec compile --measure-cost`); absent otherwise, so that outputs
    /// do not depend on the machine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured_cost: Option<MeasuredCost>,
    /// Results per value of the columns given to `--groups`, per split
    /// (validation, then test). Absent without `--groups`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupTable>,
    /// How often the rules come back when recompiled on bootstrap resamples
    /// of the training rows (`--stability N`). Absent without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stability: Option<Stability>,
    /// The teacher alone as a selective classifier, for reference: what
    /// it would answer at the target, abstaining below its own calibrated
    /// threshold. Absent for a numeric target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teacher_threshold: Option<TeacherThreshold>,
}

/// The teacher's own calibrated abstention: it answers a row where its
/// top class probability is at least `threshold`, the lowest threshold
/// whose answered validation rows reach the precision target by a
/// one-sided Wilson lower bound at the rule set's confidence. Thresholds
/// are scanned without correction, so this is a reference, not a certified
/// figure as the rules' bound is: the bar rules distilled from this
/// teacher aim at (what `rulec bench` calls the teacher's own threshold).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeacherThreshold {
    /// The threshold; `None` when none reaches the target (the teacher
    /// alone would then answer nothing).
    pub threshold: Option<f64>,
    /// What it answers on the validation rows.
    pub validation: Answered,
    /// What it answers on the test rows; absent without test rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<Answered>,
}

/// Rows a threshold was applied to, how many it answered, and how many of
/// those it got right.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answered {
    /// Rows.
    pub rows: u64,
    /// Rows answered.
    pub answered: u64,
    /// Answered rows that were right.
    pub right: u64,
}

impl Answered {
    /// Share of rows answered (0 without rows).
    pub fn coverage(&self) -> f64 {
        ratio(self.answered, self.rows)
    }

    /// Share of answered rows that were right; `None` when none was
    /// answered.
    pub fn precision(&self) -> Option<f64> {
        (self.answered > 0).then(|| ratio(self.right, self.answered))
    }
}

/// The kept rules' stability: each rule is compared with the rules kept
/// by compiles on bootstrap resamples of the training rows (the teacher's
/// labels fixed, the candidates and their certification rerun).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stability {
    /// Resamples compiled.
    pub resamples: u64,
    /// Two rules are equivalent when they decide the same and the
    /// validation rows they cover on their own overlap by at least this
    /// share (Jaccard index: rows both cover over rows either covers).
    pub min_overlap: f64,
    /// A rule found in a smaller share of the resamples is unstable.
    pub unstable_below: f64,
    /// Per kept rule, in order.
    pub rules: Vec<RuleStability>,
}

/// One kept rule's stability.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleStability {
    /// The rule's name.
    pub rule: String,
    /// Resamples that kept an equivalent rule.
    pub equivalent: u64,
    /// Validation rows the rule answers (its weight in the overall figure).
    pub support: u64,
}

impl Stability {
    /// A rule's share of resamples with an equivalent rule.
    pub fn share(&self, r: &RuleStability) -> f64 {
        ratio(r.equivalent, self.resamples)
    }

    /// Whether the rule is unstable.
    pub fn unstable(&self, r: &RuleStability) -> bool {
        self.share(r) < self.unstable_below
    }

    /// The set's stability: the rules' shares weighted by the validation
    /// rows each answers (each rule's share when none answers any).
    pub fn overall(&self) -> f64 {
        let weight: u64 = self.rules.iter().map(|r| r.support).sum();
        if weight == 0 {
            let n = self.rules.len().max(1) as f64;
            return self.rules.iter().map(|r| self.share(r)).sum::<f64>() / n;
        }
        self.rules
            .iter()
            .map(|r| self.share(r) * r.support as f64)
            .sum::<f64>()
            / weight as f64
    }
}

/// The rule set's results per value of one column on one split.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupTable {
    /// The column (a feature, possibly forbidden).
    pub column: String,
    /// `validation`, `test`, or `new data` (`rulec check`).
    pub split: String,
    /// Rows per group is below this: too few to tell (not tested).
    pub min_rows: u64,
    /// Comparisons made (the Bonferroni correction divides the level by it).
    pub tests: u64,
    /// Per value, in the column's category order, then values the rules do
    /// not know and missing values.
    pub groups: Vec<GroupFigures>,
}

/// One group's figures on one split.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupFigures {
    /// The group's value (`(missing)`, `(other values)` for values outside
    /// the rule set's categories).
    pub value: String,
    /// Rows of the split in the group.
    pub rows: u64,
    /// Of which some rule answers (the rest go to the fallback).
    pub covered: u64,
    /// Of the covered rows, those decided right.
    pub correct: u64,
    /// One-sided exact (Clopper–Pearson) lower bound of `correct / covered`
    /// at the rule set's confidence.
    pub precision_lower_bound: f64,
    /// Covered rows per decision, in [`Target::classes`](super::Target::classes) order.
    pub decisions: Vec<u64>,
    /// Fewer than [`GroupTable::min_rows`] rows: too few to say anything;
    /// its figures are shown but not compared.
    pub too_small: bool,
    /// The figures that differ from the rest of the split's rows beyond
    /// their uncertainty (`coverage`, `precision`, `decision <class>`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub differs: Vec<String>,
}

impl GroupFigures {
    /// Share of the group's rows some rule answers.
    pub fn coverage(&self) -> f64 {
        ratio(self.covered, self.rows)
    }

    /// Precision on the covered rows, when there are some.
    pub fn precision(&self) -> Option<f64> {
        (self.covered > 0).then(|| ratio(self.correct, self.covered))
    }
}

/// Time per decision of the teacher and of the rules, measured on the
/// machine that compiled the rules.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeasuredCost {
    /// Nanoseconds per decision, teacher alone (one row at a time; for an
    /// oracle program, the wall time of its batches per row).
    pub teacher_ns: f64,
    /// Nanoseconds per decision, rules alone (covered or not), by the
    /// `rulec-runtime` interpreter on validation rows. The generated crate
    /// is faster; `cargo bench` measures it.
    pub rules_ns: f64,
    /// Share of validation decisions the rules take.
    pub coverage: f64,
    /// How and where it was measured, in words.
    pub method: String,
}

impl MeasuredCost {
    /// Nanoseconds per decision with the rules first and the teacher for
    /// the rest.
    pub fn cascade_ns(&self) -> f64 {
        self.rules_ns + (1.0 - self.coverage) * self.teacher_ns
    }

    /// Share of the teacher's time the cascade saves.
    pub fn saved_share(&self) -> f64 {
        if self.teacher_ns > 0.0 {
            1.0 - self.cascade_ns() / self.teacher_ns
        } else {
            0.0
        }
    }

    /// Seconds of compute saved per million decisions.
    pub fn saved_seconds_per_million(&self) -> f64 {
        (self.teacher_ns - self.cascade_ns()) * 1e6 / 1e9
    }
}

/// The compute a decision takes, counted in comparisons (a threshold or
/// category test), on validation rows. Counted rather than timed so that the
/// same inputs give the same rule book; `cargo bench` measures the time of
/// both sides on this machine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostModel {
    /// Comparisons the teacher makes per decision (every split on the path
    /// through every tree of the model).
    pub teacher_per_decision: f64,
    /// Comparisons the rules make per decision (conditions tested, in order,
    /// until one rule holds or none does).
    pub rules_per_decision: f64,
    /// Share of decisions the rules take.
    pub coverage: f64,
}

impl CostModel {
    /// Comparisons per decision with the rules first and the teacher for
    /// what they do not cover.
    pub fn cascade_per_decision(&self) -> f64 {
        self.rules_per_decision + (1.0 - self.coverage) * self.teacher_per_decision
    }

    /// Share of the teacher's compute the cascade saves (negative when the
    /// rules cost more than they save).
    pub fn saved_share(&self) -> f64 {
        if self.teacher_per_decision > 0.0 {
            1.0 - self.cascade_per_decision() / self.teacher_per_decision
        } else {
            0.0
        }
    }
}

/// The validation figures of the rule set made of the first `rules` rules
/// of the order (see [`Summary::curve`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// Rules in the prefix.
    pub rules: usize,
    /// Validation rows it answers.
    pub support: u64,
    /// Of which right.
    pub correct: u64,
    /// Lower confidence bound of `correct / support` at the set's
    /// confidence (see [`Certification`](super::Certification)), not corrected for multiple tests.
    pub lower_bound: f64,
}

/// Coverage and accuracy figures of a rule set with its fallback on one split.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SetFigures {
    /// Rows in the split.
    pub rows: u64,
    /// Covered rows: support, correct, agreement, bound.
    pub covered: SplitEvidence,
    /// Rows where the teacher's label equals the truth.
    pub teacher_correct: u64,
    /// Rows where the cascade (rules where covered, teacher elsewhere) is right.
    pub cascade_correct: u64,
    /// Covered rows by decided class (outer index) and true class (inner
    /// index), both in [`Target::classes`](super::Target::classes) order. Empty when not measured
    /// (`rulec` keeps it for targets of at most 100 classes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub confusion: Vec<Vec<u64>>,
    /// Rows of the split by true class, in [`Target::classes`](super::Target::classes)
    /// order, answered or not: how often the commonest class is right, the
    /// scale the rules' precision reads against. Empty when not measured
    /// (a numeric target, more than 100 classes, a set from an older rulec).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub class_rows: Vec<u64>,
}

impl SetFigures {
    /// Share of rows the rules answer.
    pub fn coverage(&self) -> f64 {
        ratio(self.covered.support, self.rows)
    }

    /// Accuracy of the teacher alone.
    pub fn teacher_accuracy(&self) -> f64 {
        ratio(self.teacher_correct, self.rows)
    }

    /// Accuracy of rules plus teacher fallback.
    pub fn cascade_accuracy(&self) -> f64 {
        ratio(self.cascade_correct, self.rows)
    }
}
