//! `report.json`: the headline figures of a compile, on the test split
//! (and the validation split beside them).

use serde::Serialize;

use rulec_runtime::ir::{RuleSet, SetFigures, SplitRows};

use crate::params::CompileParams;

/// `report.json`: the headline figures, on the test split.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Layout version of this file.
    pub report_version: u32,
    /// Share of test rows the rules answer.
    pub coverage: Option<f64>,
    /// Accuracy against the true label on covered test rows.
    pub covered_precision: Option<f64>,
    /// Exact (Clopper–Pearson) one-sided lower bound of `covered_precision`.
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
    /// The teacher used alone as a selective classifier, for reference
    /// (class targets, a teacher with probabilities): what `rulec bench`
    /// calls the teacher's own threshold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub teacher_threshold: Option<TeacherThreshold>,
    /// The precision asked for and the confidence of its bound.
    pub precision_target: f64,
    /// Confidence level.
    pub confidence: f64,
}

/// The teacher's own calibrated abstention as `report.json` shows it (the
/// rule set's [`rulec_runtime::ir::TeacherThreshold`]): it answers a row
/// where its top class probability is at least `threshold`, the lowest
/// threshold whose answered validation rows reach a one-sided Wilson lower
/// bound of the precision target at the compile's confidence (thresholds
/// scanned without correction: a reference, not a certified figure like
/// the rules'). The bar the rules aim at: distilled from this teacher,
/// with the true labels besides, they should answer as much.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TeacherThreshold {
    /// The threshold; `None` when no threshold reaches the target (then
    /// the teacher answers nothing).
    pub threshold: Option<f64>,
    /// Share of validation rows it answers.
    pub validation_coverage: f64,
    /// Share of test rows it answers (`None` without test rows).
    pub coverage: Option<f64>,
    /// Its accuracy on the test rows it answers.
    pub covered_precision: Option<f64>,
}

impl TeacherThreshold {
    fn of(t: &rulec_runtime::ir::TeacherThreshold) -> TeacherThreshold {
        TeacherThreshold {
            threshold: t.threshold,
            validation_coverage: t.validation.coverage(),
            coverage: t.test.map(|a| a.coverage()),
            covered_precision: t.test.and_then(|a| a.precision()),
        }
    }
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

impl Report {
    /// The report of a finished rule set.
    pub fn of(
        set: &RuleSet,
        val_fig: &SetFigures,
        test_fig: Option<&SetFigures>,
        n_candidates: u64,
        dropped_unlabelled: usize,
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
        dropped_unlabelled_rows: dropped_unlabelled as u64,
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
        teacher_threshold: set
            .summary
            .as_ref()
            .and_then(|s| s.teacher_threshold.as_ref())
            .map(TeacherThreshold::of),
        precision_target: p.precision,
        confidence: p.confidence,
    }
    }
}
