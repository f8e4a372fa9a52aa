//! Stage 4, validate: [`Pool`] → [`Certified`]. The candidates are ordered
//! on the rank rows (training rows they were not fitted on), then the
//! prefixes of that order are tested on the validation rows; the order and
//! the testing plan are fixed before any validation label is read. How a
//! decision is scored (a class, a value within the tolerance) comes from
//! [`Scoring`].

use rulec_runtime::ir::{CertificationTest, ClassTest, Rejected, RuleSet, Scope};

use crate::error::Error;
use crate::params::{Certify, CompileParams};
use crate::pipeline::scoring::Scoring;
use crate::pipeline::Pool;
use crate::progress::Progress;
use crate::select::{self, Bits, CoverageTable};
use crate::validate::{self, EncodedRows};

/// Where each candidate applies and what it gets right on the rank rows:
/// the table the greedy order is computed from.
pub struct RankTable {
    /// Rank rows each candidate covers.
    pub covers: Vec<Bits>,
    /// Per decision index ([`Scoring::decisions`]), the rank rows where
    /// that decision is right.
    pub truth: Vec<Bits>,
    /// Per decision index, the teacher's belief that the decision is right
    /// on each rank row ([`Scoring::teacher_truth`]).
    pub teacher: Vec<Vec<f32>>,
}

impl RankTable {
    /// The table as [`select::greedy_order`] reads it, with where each
    /// candidate applies on the validation rows.
    pub fn view<'a>(&'a self, decisions: &'a [u32], answers: &'a [Bits]) -> CoverageTable<'a> {
        CoverageTable {
            covers: &self.covers,
            decisions,
            truth: &self.truth,
            teacher: Some(&self.teacher),
            answers: Some(answers),
        }
    }
}

/// The candidates with the certified ones chosen.
pub struct Certified {
    /// The candidates and the data.
    pub pool: Pool,
    /// Decision index of each candidate ([`Scoring::decisions`]).
    pub decisions: Vec<u32>,
    /// The candidates on the rank rows.
    pub rank: RankTable,
    /// Validation rows each candidate covers (features only).
    pub valid_covers: Vec<Bits>,
    /// The greedy order on the rank rows.
    pub order: select::Order,
    /// Indices into `pool.set.rules` of the certified rules, in order.
    pub kept: Vec<usize>,
    /// Every test run, in the order it ran.
    pub tests: Vec<select::PrefixTest>,
    /// The validation rows, encoded for the interpreter.
    pub valid_rows: EncodedRows,
    /// The test rows, encoded for the interpreter.
    pub test_rows: EncodedRows,
}

/// Orders the candidates and certifies the longest prefix that passes.
pub fn run(pool: Pool, p: &CompileParams, progress: &dyn Progress) -> Result<Certified, Error> {
    let table = &pool.data.table;
    let splits = &pool.data.splits;
    let set = &pool.set;
    let scoring = Scoring::new(table, &pool.answers, p.tolerance)?;
    progress.line(&format!(
        "validate: ordering {} candidates on {} held-out training rows, certifying on {} validation rows{}",
        set.rules.len(),
        pool.rank_rows.len(),
        splits.validation.len(),
        match p.tolerance {
            Some(t) => format!(", within ±{t} counting as right"),
            None => String::new(),
        }
    ));
    let rank_rows = EncodedRows::new(table, &pool.rank_rows);
    let valid_rows = EncodedRows::new(table, &splits.validation);
    let test_rows = EncodedRows::new(table, &splits.test);
    let decisions = scoring.decisions(set);
    let rank = RankTable {
        covers: validate::coverage(set, &rank_rows)?,
        truth: scoring.truth_bits(set, &rank_rows),
        teacher: scoring.teacher_truth(set, &rank_rows),
    };
    // Where each candidate applies on the validation rows: features only,
    // no label read.
    let cov_valid = validate::coverage(set, &valid_rows)?;
    // Proposals are tried first, in their order.
    let order = select::greedy_order(
        &rank.view(&decisions, &cov_valid),
        &select::OrderParams {
            // No set below this share can pass on this many validation
            // rows (a count, no label read): aim the order there.
            precision: select::aim(splits.validation.len() as u64, p.precision, p.confidence),
            floor: select::rule_floor(p.precision),
            confidence: p.confidence,
            max_rules: p.max_rules,
            min_new: select::min_new_rows(pool.rank_rows.len()),
            pinned: pool.n_proposals,
            per_class: p.certify == Certify::Class,
        },
    );
    let truth_valid = scoring.truth_bits(set, &valid_rows);
    let valid_table = CoverageTable {
        covers: &cov_valid,
        decisions: &decisions,
        truth: &truth_valid,
        teacher: None,
        answers: None,
    };
    let (kept, tests) = certify(&order, &valid_table, p);
    Ok(Certified {
        pool,
        decisions,
        rank,
        valid_covers: cov_valid,
        order,
        kept,
        tests,
        valid_rows,
        test_rows,
    })
}

/// Which candidates of `order` are certified, and the tests run.
fn certify(
    order: &select::Order,
    valid: &CoverageTable<'_>,
    p: &CompileParams,
) -> (Vec<usize>, Vec<select::PrefixTest>) {
    match p.certify {
        Certify::Set => {
            let (kept, tests) = select::certify_prefix(order, valid, p.precision, p.confidence);
            (order.rules[..kept].to_vec(), tests)
        }
        Certify::Class => {
            let (kept, tests) = select::certify_classes(order, valid, p.precision, p.confidence);
            (order.rules[..kept].to_vec(), tests)
        }
        Certify::Rule => (
            select::certify_each(&order.rules, valid, p.precision, p.confidence),
            Vec::new(),
        ),
    }
}

/// Writes the scope and the tests run into the rule set's certification.
pub(crate) fn record_certification(
    set: &mut RuleSet,
    tests: &[select::PrefixTest],
    p: &CompileParams,
) {
    set.certification.scope = match p.certify {
        Certify::Set => Scope::Set,
        Certify::Class => Scope::Class,
        Certify::Rule => Scope::Rule,
    };
    set.certification.tests = tests
        .iter()
        .map(|t| CertificationTest {
            rules: t.k,
            support: t.support,
            correct: t.correct,
            confidence: t.confidence,
            lower_bound: t.lower_bound,
            passed: t.passed,
            classes: t
                .classes
                .iter()
                .map(|c| ClassTest {
                    class: set
                        .target
                        .classes
                        .get(c.class as usize)
                        .cloned()
                        .unwrap_or_default(),
                    support: c.support,
                    correct: c.correct,
                    lower_bound: c.lower_bound,
                    passed: c.passed,
                })
                .collect(),
        })
        .collect();
}

/// Rules to list as not kept: every proposal that was not kept, and the
/// first few learned candidates in line after the certified ones.
pub(crate) fn rejections(
    set: &RuleSet,
    order: &select::Order,
    kept: &[usize],
    n_proposals: usize,
    tests: &[select::PrefixTest],
    (precision, aim): (f64, f64),
) -> Vec<Rejected> {
    const NEAR_MISSES: usize = 3;
    let pct = |x: f64| format!("{:.1} %", x * 100.0);
    let why_after = |pos: usize| -> String {
        // The smallest tested set that includes this rule.
        match tests.iter().filter(|t| t.k > pos).min_by_key(|t| t.k) {
            Some(t) if !t.passed => format!(
                "it comes after the certified rules; the set of the first {} rules, which includes it, reached a precision bound of {} on {} validation rows, below the required {}",
                t.k,
                pct(t.lower_bound),
                t.support,
                pct(precision)
            ),
            _ => "it comes after the certified rules, and no certified set includes it".to_string(),
        }
    };
    let mut out = Vec::new();
    for i in 0..n_proposals {
        if kept.contains(&i) {
            continue;
        }
        let reason = match order.rules.iter().position(|&r| r == i) {
            Some(pos) => why_after(pos),
            None => format!(
                "on the training rows held out to rank rules, the rows it would answer (those no earlier rule answers) were not {} right (where a set answering every validation row passes {} half the time), or there were none",
                pct(aim),
                pct(precision)
            ),
        };
        out.push(Rejected {
            rule: set.rules[i].clone(),
            reason,
        });
    }
    let next = order
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| !kept.contains(r) && **r >= n_proposals)
        .take(NEAR_MISSES);
    for (pos, &i) in next {
        let mut rule = set.rules[i].clone();
        rule.name = format!("near_miss_{}", out.len() + 1);
        out.push(Rejected {
            rule,
            reason: why_after(pos),
        });
    }
    out
}
