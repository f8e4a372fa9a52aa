//! The teacher's own calibrated abstention, the benchmark's first anchor:
//! the teacher answers a row when its top class probability is at least τ,
//! τ the lowest threshold whose covered rows reach a one-sided Wilson lower
//! bound of the target.
//!
//! Thresholds are the rows' own top probabilities, so rows that tie in
//! probability are answered together or not at all. "Lowest passing" is
//! taken literally: the covered share need not be monotone in τ, and a
//! higher threshold that fails does not hide a lower one that passes.
//!
//! Beside it, for comparison only, the same threshold chosen by the exact
//! test rulec certifies with ([`lowest_exact`]): the Clopper–Pearson lower
//! bound in place of Wilson's. It is still the lowest of all thresholds
//! that pass, a choice among many looks that no correction prices in.

use rulec_runtime::stats::{clopper_pearson_lower, wilson_lower};

/// One row as the threshold sees it: the teacher's top class probability
/// and whether its answer is the true label.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scored {
    /// The teacher's top class probability.
    pub confidence: f32,
    /// Whether the teacher's answer is the true label.
    pub correct: bool,
}

/// Rows answered by a threshold, out of the rows it was applied to: the
/// rule set's own record of the teacher's threshold uses the same type
/// (`summary.teacher_threshold` in `rules.json`).
pub use rulec_runtime::ir::Answered;

/// Scores `rows` of a teacher's answers: `probs` row-major with
/// `n_classes` per row, `answers` the teacher's class per row, `truth` the
/// true class per row (all indexed by table row).
pub fn scored(
    probs: &[f32],
    n_classes: usize,
    answers: &[u32],
    truth: &[u32],
    rows: &[usize],
) -> Vec<Scored> {
    rows.iter()
        .map(|&r| Scored {
            confidence: probs[r * n_classes..(r + 1) * n_classes]
                .iter()
                .copied()
                .fold(f32::NEG_INFINITY, f32::max),
            correct: answers[r] == truth[r],
        })
        .collect()
}

/// The lowest threshold τ whose covered rows (confidence ≥ τ) reach a
/// one-sided Wilson lower bound at `confidence` of at least `target`;
/// `None` when no threshold does (then the teacher answers nothing).
pub fn lowest_calibrated(rows: &[Scored], target: f64, confidence: f64) -> Option<f32> {
    lowest_passing(rows, |correct, n| {
        wilson_lower(correct, n, confidence) >= target
    })
}

/// The lowest threshold τ whose covered rows reach a one-sided
/// Clopper–Pearson lower bound at `confidence` of at least `target`: the
/// teacher's threshold under the exact test rulec's rules must pass.
pub fn lowest_exact(rows: &[Scored], target: f64, confidence: f64) -> Option<f32> {
    lowest_passing(rows, |correct, n| {
        clopper_pearson_lower(correct, n, confidence) >= target
    })
}

/// The lowest threshold whose covered rows (right, answered) `pass`.
fn lowest_passing(rows: &[Scored], pass: impl Fn(u64, u64) -> bool) -> Option<f32> {
    let mut sorted: Vec<Scored> = rows.to_vec();
    sorted.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    let (mut n, mut correct) = (0u64, 0u64);
    let mut best = None;
    let mut i = 0;
    while i < sorted.len() {
        // Rows that tie in probability come in together.
        let tau = sorted[i].confidence;
        while i < sorted.len() && sorted[i].confidence == tau {
            n += 1;
            correct += u64::from(sorted[i].correct);
            i += 1;
        }
        if pass(correct, n) {
            best = Some(tau);
        }
    }
    best
}

/// The teacher's own threshold for `labels` (a class target's teacher,
/// `truth` the true class per table row), chosen on the `validation` rows
/// at `target` and `confidence`, and what it answers there and on the
/// `test` rows (none without them): what a compile records in its rule
/// set and the benchmark's teacher anchor.
pub fn teacher_threshold(
    labels: &crate::teach::TeacherLabels,
    truth: &[u32],
    n_classes: usize,
    validation: &[usize],
    test: &[usize],
    target: f64,
    confidence: f64,
) -> rulec_runtime::ir::TeacherThreshold {
    let score = |rows: &[usize]| scored(&labels.probs, n_classes, &labels.labels, truth, rows);
    let valid = score(validation);
    let tau = lowest_calibrated(&valid, target, confidence);
    rulec_runtime::ir::TeacherThreshold {
        threshold: tau.map(f64::from),
        validation: answer(&valid, tau),
        test: (!test.is_empty()).then(|| answer(&score(test), tau)),
    }
}

/// What a threshold answers on `rows`; `None` answers nothing.
pub fn answer(rows: &[Scored], tau: Option<f32>) -> Answered {
    let mut res = Answered {
        rows: rows.len() as u64,
        ..Answered::default()
    };
    if let Some(tau) = tau {
        for r in rows.iter().filter(|r| r.confidence >= tau) {
            res.answered += 1;
            res.right += u64::from(r.correct);
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two classes: each row is (probability of class 0, teacher's class,
    /// true class). Returns τ and what it answers on the same rows.
    fn check(rows: &[(f32, u32, u32)], target: f64) -> (Option<f32>, Answered) {
        let probs: Vec<f32> = rows.iter().flat_map(|&(p, _, _)| [p, 1.0 - p]).collect();
        let answers: Vec<u32> = rows.iter().map(|r| r.1).collect();
        let truth: Vec<u32> = rows.iter().map(|r| r.2).collect();
        let all: Vec<usize> = (0..rows.len()).collect();
        let s = scored(&probs, 2, &answers, &truth, &all);
        let tau = lowest_calibrated(&s, target, 0.95);
        (tau, answer(&s, tau))
    }

    fn repeat(row: (f32, u32, u32), n: usize) -> Vec<(f32, u32, u32)> {
        vec![row; n]
    }

    #[test]
    fn the_top_probability_is_the_confidence_whichever_class_wins() {
        let s = scored(
            &[0.2, 0.7, 0.1, 0.6, 0.3, 0.1],
            3,
            &[1, 0],
            &[1, 2],
            &[0, 1],
        );
        assert_eq!(
            s,
            [
                Scored {
                    confidence: 0.7,
                    correct: true
                },
                Scored {
                    confidence: 0.6,
                    correct: false
                }
            ]
        );
    }

    #[test]
    fn every_row_passing_answers_every_row() {
        // 100 right answers: Wilson lower bound (z = 1.645) 0.974 ≥ 0.95.
        let mut rows = repeat((0.99, 0, 0), 50);
        rows.extend(repeat((0.2, 1, 1), 50));
        let (tau, a) = check(&rows, 0.95);
        assert_eq!(tau, Some(0.8));
        assert_eq!((a.answered, a.right, a.rows), (100, 100, 100));
        assert_eq!(a.coverage(), 1.0);
        assert_eq!(a.precision(), Some(1.0));
    }

    #[test]
    fn no_threshold_passing_answers_nothing() {
        // 20 right answers: the bound is 0.88, below 0.95 whatever τ.
        let (tau, a) = check(&repeat((0.99, 0, 0), 20), 0.95);
        assert_eq!(tau, None);
        assert_eq!(a.coverage(), 0.0);
        assert_eq!(a.precision(), None);
        // No rows at all.
        assert_eq!(check(&[], 0.95), (None, Answered::default()));
    }

    #[test]
    fn rows_that_tie_in_probability_are_answered_together() {
        // 100 right rows at 0.95; then 10 rows tied at 0.9, of which 5
        // are wrong. Taking only the 5 right ones would pass (bound 0.975
        // on 105 rows), but a threshold cannot split a tie: the 110 rows
        // at τ = 0.9 hold 105 right (bound 0.908), so τ stays 0.95.
        let mut rows = repeat((0.95, 0, 0), 100);
        rows.extend(repeat((0.9, 0, 0), 5));
        rows.extend(repeat((0.9, 0, 1), 5));
        let (tau, a) = check(&rows, 0.95);
        assert_eq!(tau, Some(0.95));
        assert_eq!((a.answered, a.right), (100, 100));
        assert!((a.coverage() - 100.0 / 110.0).abs() < 1e-12);
    }

    #[test]
    fn the_lowest_passing_threshold_wins_even_below_a_failing_one() {
        // τ = 0.99 covers 10 right rows (fails: too few); τ = 0.9 adds 200
        // right rows (passes); τ = 0.6 adds 100 rows, 50 wrong (fails).
        let mut rows = repeat((0.99, 0, 0), 10);
        rows.extend(repeat((0.9, 0, 0), 200));
        rows.extend(repeat((0.6, 0, 0), 50));
        rows.extend(repeat((0.6, 0, 1), 50));
        let (tau, a) = check(&rows, 0.95);
        assert_eq!(tau, Some(0.9));
        assert_eq!((a.answered, a.right, a.rows), (210, 210, 310));
        // At 0.98 the same threshold passes (bound 0.987 on 210 rows); at
        // 0.99 none does.
        assert_eq!(check(&rows, 0.98).0, Some(0.9));
        assert_eq!(
            check(&rows, 0.99),
            (
                None,
                Answered {
                    rows: 310,
                    ..Answered::default()
                }
            )
        );
    }

    #[test]
    fn the_exact_test_asks_more_than_wilson_on_few_rows() {
        // 52 rows, 51 right: Wilson's bound (z = 1.645) is 0.918, the
        // exact one 0.911; at 0.91 Wilson passes them and the exact test
        // does too, at 0.915 only Wilson does.
        let mut rows = repeat((0.99, 0, 0), 51);
        rows.extend(repeat((0.98, 0, 1), 1));
        let probs: Vec<f32> = rows.iter().flat_map(|&(p, _, _)| [p, 1.0 - p]).collect();
        let answers: Vec<u32> = rows.iter().map(|r| r.1).collect();
        let truth: Vec<u32> = rows.iter().map(|r| r.2).collect();
        let all: Vec<usize> = (0..rows.len()).collect();
        let s = scored(&probs, 2, &answers, &truth, &all);
        assert_eq!(lowest_calibrated(&s, 0.915, 0.95), Some(0.98));
        assert_eq!(lowest_exact(&s, 0.915, 0.95), Some(0.99));
        assert_eq!(lowest_exact(&s, 0.91, 0.95), Some(0.98));
        // 51 right rows alone: the exact bound is 0.943.
        assert_eq!(lowest_exact(&s, 0.95, 0.95), None);
    }

    #[test]
    fn a_threshold_chosen_elsewhere_applies_as_is() {
        let rows = [
            Scored {
                confidence: 0.5,
                correct: false,
            },
            Scored {
                confidence: 0.7,
                correct: true,
            },
            Scored {
                confidence: 0.9,
                correct: false,
            },
        ];
        let a = answer(&rows, Some(0.7));
        assert_eq!((a.rows, a.answered, a.right), (3, 2, 1));
        assert_eq!(a.precision(), Some(0.5));
        assert_eq!(answer(&rows, None).answered, 0);
    }
}
