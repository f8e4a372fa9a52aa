//! How a decision is scored: the one thing the stages do differently for a
//! class target and a numeric one (`--tolerance`). A class decision is right
//! when it is the row's class; a numeric decision when it lies within the
//! tolerance of the row's true value. Everything downstream (the greedy
//! order, the fixed-sequence certification, compaction, the evidence, the
//! rule book, the generated crate) works on "right" and nothing else.
//!
//! The certified stage orders candidates by *decision index*: for classes,
//! the class a candidate decides (its truth bits are shared by every
//! candidate deciding that class); for values, the candidate itself (each
//! decides its own value, right on its own rows).

use rayon::prelude::*;
use rulec_runtime::ir::{Evidence, Rule, RuleSet, SetFigures, SplitEvidence};
use rulec_runtime::stats::within_tolerance;

use crate::error::Error;
use crate::pipeline::taught::{Answers, Predictions};
use crate::select::Bits;
use crate::table::Table;
use crate::teach::TeacherLabels;
use crate::validate::{self, EncodedRows, RowScore};

/// How decisions are scored, with what they are scored against.
#[derive(Clone, Copy)]
pub enum Scoring<'a> {
    /// A class target.
    Class {
        /// The true class of every table row.
        truth: &'a [u32],
        /// The teacher's labels.
        teacher: &'a TeacherLabels,
    },
    /// A numeric target: right within `tolerance` of the true value.
    Within {
        /// The largest distance from the true value that is still right.
        tolerance: f64,
        /// The true value of every table row.
        truth: &'a [f64],
        /// The teacher's predictions.
        teacher: &'a Predictions,
    },
}

impl<'a> Scoring<'a> {
    /// The scoring of `table`'s target with the teacher's `answers`;
    /// `tolerance` is `--tolerance`.
    pub fn new(
        table: &'a Table,
        answers: &'a Answers,
        tolerance: Option<f64>,
    ) -> Result<Scoring<'a>, Error> {
        match (answers, tolerance, table.values()) {
            (Answers::Classes(teacher), None, _) => Ok(Scoring::Class {
                truth: table.labels(),
                teacher,
            }),
            (Answers::Values(teacher), Some(tolerance), Some(truth)) => Ok(Scoring::Within {
                tolerance,
                truth,
                teacher,
            }),
            _ => Err(Error::Params(
                "internal: the teacher's answers do not fit the target".into(),
            )),
        }
    }

    /// The target's classes for a rule set of `rules`: a class target's own
    /// (`classes`, the table's); for a numeric target, the distinct
    /// decisions of `rules` in increasing order.
    pub fn classes(&self, classes: &[String], rules: &[Rule]) -> Vec<String> {
        match self {
            Scoring::Class { .. } => classes.to_vec(),
            Scoring::Within { .. } => crate::regress::decision_values(rules),
        }
    }

    /// Per rule of `set`, the decision index it is scored by (an index into
    /// [`Scoring::truth_bits`] and [`Scoring::teacher_truth`]).
    pub fn decisions(&self, set: &RuleSet) -> Vec<u32> {
        match self {
            Scoring::Class { .. } => set
                .rules
                .iter()
                .map(|r| set.class_index(&r.decision).unwrap_or(0) as u32)
                .collect(),
            Scoring::Within { .. } => (0..set.rules.len() as u32).collect(),
        }
    }

    /// Per decision index, the positions of `rows` where that decision is right.
    pub fn truth_bits(&self, set: &RuleSet, rows: &EncodedRows) -> Vec<Bits> {
        match *self {
            Scoring::Class { truth, .. } => {
                validate::class_bits(rows, truth, set.target.classes.len())
            }
            Scoring::Within {
                tolerance, truth, ..
            } => within_bits(set, rows, truth, tolerance),
        }
    }

    /// Per decision index, the teacher's belief that the decision is right
    /// on each of `rows`: its probability of the class, or 1 when its
    /// prediction is within the tolerance of the value and 0 when not.
    pub fn teacher_truth(&self, set: &RuleSet, rows: &EncodedRows) -> Vec<Vec<f32>> {
        match *self {
            Scoring::Class { teacher, .. } => {
                let k = set.target.classes.len();
                (0..k)
                    .map(|c| {
                        rows.rows
                            .iter()
                            .map(|&r| teacher.probs[r * k + c])
                            .collect()
                    })
                    .collect()
            }
            Scoring::Within {
                tolerance, teacher, ..
            } => set
                .rules
                .iter()
                .map(|rule| {
                    let v = decision_value(&rule.decision);
                    rows.rows
                        .iter()
                        .map(|&r| {
                            if within_tolerance(teacher.values[r], v, tolerance) {
                                1.0
                            } else {
                                0.0
                            }
                        })
                        .collect()
                })
                .collect(),
        }
    }

    /// Evidence of every rule of `set` in its place, and the set figures, on
    /// `rows` (a numeric target has no confusion matrix).
    pub fn ordered_evidence(
        &self,
        set: &RuleSet,
        rows: &EncodedRows,
        confidence: f64,
    ) -> Result<(Vec<SplitEvidence>, SetFigures), Error> {
        match *self {
            Scoring::Class { truth, teacher } => {
                validate::ordered_evidence(set, rows, truth, &teacher.labels, confidence)
            }
            Scoring::Within {
                tolerance,
                truth,
                teacher,
            } => validate::ordered_evidence_scored(
                set,
                rows,
                &WithinScore {
                    tolerance,
                    truth,
                    teacher: &teacher.values,
                    values: set
                        .target
                        .classes
                        .iter()
                        .map(|c| decision_value(c))
                        .collect(),
                },
                confidence,
            ),
        }
    }

    /// Attaches evidence on the validation rows (and the test rows, when
    /// there are any) to every rule of `set`, and returns the set figures.
    /// Example rows are attached for classes only.
    pub fn attach_evidence(
        &self,
        set: &mut RuleSet,
        validation: &EncodedRows,
        test: &EncodedRows,
    ) -> Result<(SetFigures, Option<SetFigures>), Error> {
        if let Scoring::Class { truth, teacher } = *self {
            return validate::attach_evidence(set, validation, Some(test), truth, &teacher.labels);
        }
        let confidence = set.certification.confidence;
        let (val_rules, val_fig) = self.ordered_evidence(set, validation, confidence)?;
        let test_res = if test.is_empty() {
            None
        } else {
            Some(self.ordered_evidence(set, test, confidence)?)
        };
        for (i, rule) in set.rules.iter_mut().enumerate() {
            rule.evidence = Some(Evidence {
                validation: val_rules[i].clone(),
                test: test_res.as_ref().map(|(r, _)| r[i].clone()),
                examples: Vec::new(),
                reasons: Vec::new(),
            });
        }
        Ok((val_fig, test_res.map(|(_, f)| f)))
    }

    /// Whether the rule set records the coverage curve and the near misses
    /// (and the evidence example rows). A numeric target's does not yet:
    /// its outputs stay as they were before the pipelines were one (#16).
    pub fn book_extras(&self) -> bool {
        matches!(self, Scoring::Class { .. })
    }

    /// What a learned rule's name starts with when its decision does not
    /// start with a letter: `class_1_1`, `value_12_5_1`.
    pub fn name_stem(&self) -> &'static str {
        match self {
            Scoring::Class { .. } => "class",
            Scoring::Within { .. } => "value",
        }
    }
}

/// A numeric decision's value (NaN, never within any tolerance, when the
/// text is no number).
fn decision_value(text: &str) -> f64 {
    text.parse().unwrap_or(f64::NAN)
}

/// Per rule of `set`, the positions of `rows` whose true value it predicts
/// within the tolerance.
fn within_bits(set: &RuleSet, rows: &EncodedRows, truth: &[f64], tolerance: f64) -> Vec<Bits> {
    set.rules
        .par_iter()
        .map(|r| {
            let v = decision_value(&r.decision);
            let mut bits = Bits::new(rows.len());
            for (j, &row) in rows.rows.iter().enumerate() {
                if within_tolerance(truth[row], v, tolerance) {
                    bits.set(j);
                }
            }
            bits
        })
        .collect()
}

/// A numeric target's decisions on rows: right within the tolerance of the
/// true value, agreeing with the teacher within the tolerance of its
/// prediction.
struct WithinScore<'a> {
    tolerance: f64,
    truth: &'a [f64],
    teacher: &'a [f64],
    /// The value of each of the target's classes (the decisions).
    values: Vec<f64>,
}

impl RowScore for WithinScore<'_> {
    fn right(&self, row: usize, decision: usize) -> bool {
        within_tolerance(self.truth[row], self.values[decision], self.tolerance)
    }

    fn agrees(&self, row: usize, decision: usize) -> bool {
        within_tolerance(self.teacher[row], self.values[decision], self.tolerance)
    }

    fn teacher_right(&self, row: usize) -> bool {
        within_tolerance(self.teacher[row], self.truth[row], self.tolerance)
    }

    fn true_classes(&self) -> Option<&[u32]> {
        None
    }
}
