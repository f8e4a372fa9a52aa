//! Certify: the testing plan, fixed before any validation label is read,
//! and the fixed-sequence tests of the order's prefixes on the validation
//! rows (see the parent module).

use rulec_runtime::stats::{
    binomial_upper_tail, clopper_pearson_lower, exact_p_value, wilson_lower_z,
};

use super::{Bits, CoverageTable, Order};

/// One class's part of a tested prefix ([`certify_classes`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ClassTest {
    /// Decision index.
    pub class: u32,
    /// Validation rows the prefix decides as this class.
    pub support: u64,
    /// Of which right.
    pub correct: u64,
    /// Exact (Clopper–Pearson) lower bound at the test's level.
    pub lower_bound: f64,
    /// Whether the bound reached the precision.
    pub passed: bool,
}

/// One tested prefix.
#[derive(Clone, Debug, PartialEq)]
pub struct PrefixTest {
    /// Rules in the prefix.
    pub k: usize,
    /// Validation rows it covers.
    pub support: u64,
    /// Of which decided correctly.
    pub correct: u64,
    /// Confidence level of this test: the whole `confidence` (fixed sequence).
    pub confidence: f64,
    /// Exact (Clopper–Pearson) lower bound at that level.
    pub lower_bound: f64,
    /// Whether the bound reached the precision.
    pub passed: bool,
    /// Per decided class, with [`certify_classes`] (empty otherwise); the
    /// prefix passed when every class did, and `lower_bound` is the least
    /// of theirs.
    pub classes: Vec<ClassTest>,
}

/// Fewest correct decisions out of `support` with which a set passes the
/// exact test: the smallest `c` whose one-sided p-value under "precision is
/// `precision`" is at most `1 - confidence`; `None` when even `support` of
/// `support` is not enough.
pub fn min_correct(support: u64, precision: f64, confidence: f64) -> Option<u64> {
    let alpha = 1.0 - confidence;
    if support == 0 || exact_p_value(support, support, precision) > alpha {
        return None;
    }
    // The p-value falls as `c` grows: binary search for the first that passes.
    let (mut lo, mut hi) = (0u64, support);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if exact_p_value(mid, support, precision) <= alpha {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Some(hi)
}

/// The precision the order aims at for a set target `precision`, with
/// `valid_rows` validation rows: the precision at which a set answering
/// every validation row would pass the exact test with even chance (its
/// median count of right decisions reaches [`min_correct`]). A set whose
/// precision is below it is more likely to fail than to pass, and a smaller
/// set needs a larger share, so building sets below it only builds sets
/// that fail: on 114 rows a 95 % target needs 113 right, reached half the
/// time at 98.5 %; on 69 rows every one must be right, half the time at
/// 99.0 %; on 30,000 rows the aim is 95.2 %. At least the target; the
/// target itself when even a flawless set of that many rows cannot pass.
/// It reads how many validation rows there are, never their labels.
pub fn aim(valid_rows: u64, precision: f64, confidence: f64) -> f64 {
    let Some(need) = min_correct(valid_rows, precision, confidence) else {
        return precision;
    };
    // The chance of passing rises with the precision: bisect for 1/2.
    let (mut lo, mut hi) = (precision, 1.0f64);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if binomial_upper_tail(need, valid_rows, mid) >= 0.5 {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi.max(precision)
}

/// A cell of the planning table: the expected certified support of the best
/// plan ending there, and its predecessor (prefix, index of the running
/// minimum's prefix).
type PlanStep = (f64, Option<(usize, usize)>);

/// The testing plan: which prefixes to test, in increasing size, chosen from
/// what is known before any validation label is read: each prefix's
/// validation support (how many rows it answers, a count of features only)
/// and its precision estimated on training rows. Returns indices into
/// `supports`.
///
/// Each prefix gets its chance of passing the exact test on its validation
/// rows if its precision were its training estimate. The plan is the
/// increasing sequence that maximises the expected certified support when
/// testing stops at the first failure, planning as if the nested sets
/// passed or failed together (a small dynamic programme over at most
/// `max_rules` prefixes). Prefixes too small to pass even without errors
/// are never in it. The plan only decides where the power goes; the error
/// guarantee does not depend on it.
pub fn plan(supports: &[u64], estimates: &[f64], precision: f64, confidence: f64) -> Vec<usize> {
    plan_by_chance(
        supports,
        &chances(supports, estimates, precision, confidence),
    )
    .0
}

/// What [`plan`] expects of `order`: the validation rows it expects to
/// certify (the expected support of its plan) and the rules of the largest
/// prefix it would test, from where each prefix applies on the validation
/// rows (`valid`'s covers; no label read) and the order's training
/// estimates read as the plan reads them. What weighs two orders before
/// any validation label is read.
pub fn expected_support(
    order: &Order,
    valid: &CoverageTable<'_>,
    precision: f64,
    confidence: f64,
) -> Outlook {
    let supports = prefix_supports(order, valid);
    let chance = chances(&supports, &plan_estimates(order), precision, confidence);
    let (planned, rows) = plan_by_chance(&supports, &chance);
    Outlook {
        rows,
        rules: planned.last().map_or(0, |&j| j + 1),
    }
}

/// What a testing plan expects ([`expected_support`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outlook {
    /// Validation rows it expects to certify.
    pub rows: f64,
    /// Rules in the largest prefix it tests.
    pub rules: usize,
}

/// How many validation rows each prefix of `order` answers (features only,
/// no label read).
fn prefix_supports(order: &Order, valid: &CoverageTable<'_>) -> Vec<u64> {
    let n_rows = valid.truth.first().map_or(0, |b| b.words.len() * 64);
    let mut covered = Bits::new(n_rows);
    order
        .rules
        .iter()
        .map(|&i| {
            covered.union_with(&valid.covers[i]);
            covered.count()
        })
        .collect()
}

/// Each prefix's chance of passing the exact test, as [`plan`] reads it.
fn chances(supports: &[u64], estimates: &[f64], precision: f64, confidence: f64) -> Vec<f64> {
    (0..supports.len())
        .map(|j| {
            pass_chance(
                supports[j],
                estimates.get(j).copied().unwrap_or(1.0),
                precision,
                confidence,
            )
        })
        .collect()
}

/// How cautiously the plan reads the order's estimates: each rule's
/// precision on its new rank rows at the one-sided Wilson lower bound with
/// this z (about 60 % one-sided), not at its point estimate. The order
/// takes the best-looking of many candidates, so its point estimates run
/// optimistic: on the benchmark and the held-out tables (both teachers,
/// seeds 0–4), the validation rows held 2.4 times the errors the
/// estimates predicted for rules adding fewer than 20 rank rows at a 95 %
/// target, 6.3 times at 99 % (1.03 and 1.8 times over all rules;
/// `scripts/experiments/plan_replay.py`); a plan on them tested sets too
/// large to pass. The bound costs a large rule almost nothing and a
/// small one (few rank rows, little evidence) more.
pub const PLAN_Z: f64 = 0.25;

/// The right rows the plan counts on for a rule that adds `n` rank rows
/// and is estimated right on `right` of them: `n` times the Wilson lower
/// bound at [`PLAN_Z`].
fn cautious(n: u64, right: f64) -> f64 {
    n as f64 * wilson_lower_z(right, n as f64, PLAN_Z)
}

/// Per prefix of `order`, its precision as the plan reads it: the rules'
/// new rank rows and [`cautious`] counts of their right ones, summed. An
/// order built by hand, without `gains`, is read at its
/// `estimated_precision`.
fn plan_estimates(order: &Order) -> Vec<f64> {
    if order.gains.len() != order.rules.len() {
        return order.estimated_precision.clone();
    }
    let (mut n, mut right) = (0u64, 0f64);
    order
        .gains
        .iter()
        .map(|&(gn, gc)| {
            n += gn;
            right += cautious(gn, gc);
            if n == 0 {
                1.0
            } else {
                right / n as f64
            }
        })
        .collect()
}

/// The chance that `n` rows at precision `p_hat` pass the exact test.
fn pass_chance(n: u64, p_hat: f64, precision: f64, confidence: f64) -> f64 {
    match min_correct(n, precision, confidence) {
        Some(need) => binomial_upper_tail(need, n, p_hat.clamp(0.0, 1.0)),
        None => 0.0,
    }
}

/// [`plan`] from each prefix's chance of passing, and the plan's expected
/// certified support.
fn plan_by_chance(supports: &[u64], chance: &[f64]) -> (Vec<usize>, f64) {
    let m = supports.len();
    // Nested sets pass or fail together more often than not: plan as if
    // passing a test implied passing every test with a better chance
    // (comonotone outcomes). A plan s_1 < s_2 < ... then certifies at least
    // s_i's support with probability m_i = min(chance of s_1 ..= s_i), and
    // its expected certified support is the sum of m_i times the support
    // s_i adds. best[j][k]: the most expected support of a plan ending at
    // j whose running minimum is prefix k's chance, with its predecessor.
    let support_of = |j: usize| supports[j] as f64;
    let mut best: Vec<Vec<Option<PlanStep>>> = vec![vec![None; m]; m];
    for j in 0..m {
        if chance[j] <= 0.0 {
            continue;
        }
        best[j][j] = Some((chance[j] * support_of(j), None));
        for i in 0..j {
            if supports[i] >= supports[j] {
                continue;
            }
            for k in 0..m {
                let Some((value, _)) = best[i][k] else {
                    continue;
                };
                let low = if chance[j] < chance[k] { j } else { k };
                let v = value + chance[low] * (support_of(j) - support_of(i));
                if best[j][low].is_none_or(|(b, _)| v > b) {
                    best[j][low] = Some((v, Some((i, k))));
                }
            }
        }
    }
    let mut end: Option<(f64, usize, usize)> = None;
    for (j, row) in best.iter().enumerate() {
        for (k, cell) in row.iter().enumerate() {
            if let Some((v, _)) = cell {
                if end.is_none_or(|(b, _, _)| *v > b) {
                    end = Some((*v, j, k));
                }
            }
        }
    }
    let mut out = Vec::new();
    let mut at = end.map(|(_, j, k)| (j, k));
    while let Some((j, k)) = at {
        out.push(j);
        at = best[j][k].and_then(|(_, prev)| prev);
    }
    out.reverse();
    (out, end.map_or(0.0, |(v, _, _)| v))
}

/// Certifies a prefix of `order` on validation rows by fixed-sequence
/// testing (Learn then Test). Returns the number of rules kept and the tests
/// run, in order.
///
/// The plan (which prefixes, in which order) is fixed by [`plan`] before any
/// validation label is read, from each prefix's validation rows and its
/// training estimate read cautiously ([`PLAN_Z`]). Each planned prefix is then tested at the full
/// level `confidence` with the exact one-sided binomial test (its
/// Clopper–Pearson lower bound must reach `precision`); testing stops at the
/// first failure, and the last prefix that passed is kept. A fixed sequence
/// of tests, each at level α and stopped at the first failure, keeps the
/// chance of certifying any set whose true precision is below `precision`
/// within α = `1 - confidence`, however the sets depend on each other, and
/// the exact test keeps that promise at every number of rows.
pub fn certify_prefix(
    order: &Order,
    valid: &CoverageTable<'_>,
    precision: f64,
    confidence: f64,
) -> (usize, Vec<PrefixTest>) {
    let n_rows = valid.truth.first().map_or(0, |b| b.words.len() * 64);
    // Support of each prefix: which rows each answers, no label read.
    let supports = prefix_supports(order, valid);
    let planned = plan(&supports, &plan_estimates(order), precision, confidence);
    // Only now are the labels read: correct decisions of each prefix.
    let mut covered = Bits::new(n_rows);
    let mut correct = 0u64;
    let mut corrects = Vec::with_capacity(order.rules.len());
    for &i in &order.rules {
        let truth = &valid.truth[valid.decisions[i] as usize];
        let (_, c) = valid.covers[i].count_new(&covered, truth);
        covered.union_with(&valid.covers[i]);
        correct += c;
        corrects.push(correct);
    }
    let mut kept = 0;
    let mut tests = Vec::new();
    for j in planned {
        let (support, correct) = (supports[j], corrects[j]);
        let lower_bound = clopper_pearson_lower(correct, support, confidence);
        let passed = lower_bound >= precision;
        tests.push(PrefixTest {
            k: j + 1,
            support,
            correct,
            confidence,
            lower_bound,
            passed,
            classes: Vec::new(),
        });
        if !passed {
            break;
        }
        kept = j + 1;
    }
    (kept, tests)
}

/// The testing plan of [`certify_classes`], fixed before any label is
/// read: per prefix, the validation rows it answers and those of each class
/// it decides (features only); the prefixes to test, chosen by each one's
/// chance of passing (the product over the classes it decides of each
/// one's chance at its training estimate); and the validation rows the
/// plan expects to certify.
struct ClassPlan {
    supports: Vec<u64>,
    per_prefix: Vec<Vec<u64>>,
    planned: Vec<usize>,
    expected: f64,
}

fn class_plan(
    order: &Order,
    valid: &CoverageTable<'_>,
    precision: f64,
    confidence: f64,
) -> ClassPlan {
    let n_rows = valid.truth.first().map_or(0, |b| b.words.len() * 64);
    let n_classes = valid.truth.len();
    // Per prefix, per class: validation rows (no label read) and the
    // training estimate of the class's rows.
    let mut covered = Bits::new(n_rows);
    let mut class_rows = vec![0u64; n_classes];
    let mut est = vec![(0u64, 0f64); n_classes];
    let mut per_prefix: Vec<Vec<u64>> = Vec::with_capacity(order.rules.len());
    let mut supports = Vec::with_capacity(order.rules.len());
    let mut chance = Vec::with_capacity(order.rules.len());
    for (step, &i) in order.rules.iter().enumerate() {
        let class = valid.decisions[i] as usize;
        let n = valid.covers[i].count_minus(&covered);
        covered.union_with(&valid.covers[i]);
        class_rows[class] += n;
        let (gn, gc) = order.gains.get(step).copied().unwrap_or((0, 0.0));
        est[class].0 += gn;
        est[class].1 += cautious(gn, gc);
        supports.push(covered.count());
        let decided: Vec<usize> = (0..n_classes).filter(|&c| est[c].0 > 0).collect();
        chance.push(
            decided
                .iter()
                .map(|&c| {
                    let p_hat = est[c].1 / est[c].0 as f64;
                    pass_chance(class_rows[c], p_hat, precision, confidence)
                })
                .product::<f64>(),
        );
        per_prefix.push(class_rows.clone());
    }
    let (planned, expected) = plan_by_chance(&supports, &chance);
    ClassPlan {
        supports,
        per_prefix,
        planned,
        expected,
    }
}

/// What [`certify_classes`]' plan expects of `order`, as
/// [`expected_support`] for a set guarantee: what weighs two orders under
/// `--certify class` before any validation label is read.
pub fn expected_class_support(
    order: &Order,
    valid: &CoverageTable<'_>,
    precision: f64,
    confidence: f64,
) -> Outlook {
    let plan = class_plan(order, valid, precision, confidence);
    Outlook {
        rows: plan.expected,
        rules: plan.planned.last().map_or(0, |&j| j + 1),
    }
}

/// Certifies a prefix of `order` for every class it decides (`--certify
/// class`): as [`certify_prefix`], but a prefix passes only when, for each
/// class its rules decide, the validation rows decided as that class reach
/// `precision` by the exact one-sided test at the full level. Requiring
/// every class's test to pass, each at level α, is an intersection–union
/// test: the chance of passing a prefix in which some class is below
/// `precision` stays within α, and the fixed sequence keeps that for the
/// whole walk. The plan is fixed before any label is read, from each
/// class's validation rows and training estimate.
pub fn certify_classes(
    order: &Order,
    valid: &CoverageTable<'_>,
    precision: f64,
    confidence: f64,
) -> (usize, Vec<PrefixTest>) {
    let n_rows = valid.truth.first().map_or(0, |b| b.words.len() * 64);
    let n_classes = valid.truth.len();
    let ClassPlan {
        supports,
        per_prefix,
        planned,
        ..
    } = class_plan(order, valid, precision, confidence);
    // Only now are the labels read.
    let mut covered = Bits::new(n_rows);
    let mut class_correct = vec![0u64; n_classes];
    let mut corrects: Vec<Vec<u64>> = Vec::with_capacity(order.rules.len());
    let mut decided: Vec<Vec<bool>> = Vec::with_capacity(order.rules.len());
    let mut seen = vec![false; n_classes];
    for &i in &order.rules {
        let class = valid.decisions[i] as usize;
        let (_, c) = valid.covers[i].count_new(&covered, &valid.truth[class]);
        covered.union_with(&valid.covers[i]);
        class_correct[class] += c;
        seen[class] = true;
        corrects.push(class_correct.clone());
        decided.push(seen.clone());
    }
    let mut kept = 0;
    let mut tests = Vec::new();
    for j in planned {
        let classes: Vec<ClassTest> = (0..n_classes)
            .filter(|&c| decided[j][c])
            .map(|c| {
                let (support, correct) = (per_prefix[j][c], corrects[j][c]);
                // A class whose rules answer no validation row has no
                // evidence: it cannot pass.
                let lower_bound = if support == 0 {
                    0.0
                } else {
                    clopper_pearson_lower(correct, support, confidence)
                };
                ClassTest {
                    class: c as u32,
                    support,
                    correct,
                    lower_bound,
                    passed: lower_bound >= precision,
                }
            })
            .collect();
        let passed = classes.iter().all(|c| c.passed);
        tests.push(PrefixTest {
            k: j + 1,
            support: supports[j],
            correct: classes.iter().map(|c| c.correct).sum(),
            confidence,
            lower_bound: classes.iter().map(|c| c.lower_bound).fold(1.0, f64::min),
            passed,
            classes,
        });
        if !passed {
            break;
        }
        kept = j + 1;
    }
    (kept, tests)
}

/// Per-rule certification: walking `order`, keep each rule whose own
/// validation rows (those no kept rule before it covers) reach the bound.
/// Nothing corrects for the number of rules tried; the rule book says so.
pub fn certify_each(
    order: &[usize],
    valid: &CoverageTable<'_>,
    precision: f64,
    confidence: f64,
) -> Vec<usize> {
    let n_rows = valid.truth.first().map_or(0, |b| b.words.len() * 64);
    let mut covered = Bits::new(n_rows);
    let mut kept = Vec::new();
    for &i in order {
        let truth = &valid.truth[valid.decisions[i] as usize];
        let (n, c) = valid.covers[i].count_new(&covered, truth);
        if n > 0 && clopper_pearson_lower(c, n, confidence) >= precision {
            covered.union_with(&valid.covers[i]);
            kept.push(i);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expected_support_is_the_plans_and_reads_no_label() {
        // One rule answering validation rows 0..200: flawless on 2,000 rank
        // rows, it passes nearly surely, so the plan expects about its 200
        // rows; right on 90 % of them, it passes by luck alone: almost
        // nothing.
        let n = 256;
        let mut covers = Bits::new(n);
        (0..200).for_each(|r| covers.set(r));
        let covers = vec![covers];
        let decisions = vec![0];
        // No row is right by the validation labels: they are not read.
        let truth = vec![Bits::new(n)];
        let valid = CoverageTable::new(&covers, &decisions, &truth);
        let order = |right: f64| Order {
            rules: vec![0],
            estimated_precision: vec![right / 2000.0],
            gains: vec![(2000, right)],
            ..Order::default()
        };
        let sure = expected_support(&order(2000.0), &valid, 0.95, 0.95);
        assert!(sure.rows > 199.0 && sure.rows <= 200.0, "{sure:?}");
        assert_eq!(sure.rules, 1);
        let unlikely = expected_support(&order(1800.0), &valid, 0.95, 0.95);
        assert!(unlikely.rows < 0.01, "{unlikely:?}");
        let none = expected_support(&Order::default(), &valid, 0.95, 0.95);
        assert_eq!(
            none,
            Outlook {
                rows: 0.0,
                rules: 0
            }
        );
    }

    #[test]
    fn the_per_class_outlook_weighs_each_class_and_reads_no_label() {
        // Two rules of two classes, 300 and 150 validation rows. Each class
        // is tested on its own rows: with both flawless on their rank
        // rows, the plan expects about all 450; with the second class's
        // rule right on 90 %, its class's test would fail, so the plan
        // expects the first rule's rows alone, where a set test hides it
        // in the pooled rows.
        let n = 512;
        let mut a = Bits::new(n);
        (0..300).for_each(|r| a.set(r));
        let mut b = Bits::new(n);
        (300..450).for_each(|r| b.set(r));
        let covers = vec![a, b];
        let decisions = vec![0, 1];
        // No row is right by the validation labels: they are not read.
        let truth = vec![Bits::new(n), Bits::new(n)];
        let valid = CoverageTable::new(&covers, &decisions, &truth);
        let order = |second: f64| Order {
            rules: vec![0, 1],
            estimated_precision: vec![1.0, (2000.0 + second) / 3000.0],
            gains: vec![(2000, 2000.0), (1000, second)],
            ..Order::default()
        };
        let both = expected_class_support(&order(1000.0), &valid, 0.95, 0.95);
        assert!(both.rows > 449.0 && both.rows <= 450.0, "{both:?}");
        assert_eq!(both.rules, 2);
        // The second class's tests would almost surely fail: about the
        // first rule's 300 rows alone.
        let first = expected_class_support(&order(900.0), &valid, 0.95, 0.95);
        assert!(first.rows > 299.0 && first.rows < 301.0, "{first:?}");
        // The set's plan reads the pooled 97 % and expects the second
        // rule's rows too, often enough (364 here).
        let pooled = expected_support(&order(900.0), &valid, 0.95, 0.95);
        assert!(pooled.rows > first.rows + 50.0, "{pooled:?}");
    }

    #[test]
    fn the_plan_reads_a_rule_with_little_evidence_more_cautiously() {
        // Two orders whose rules are each estimated right on 99 % of their
        // new rank rows: one of 1,000 rows, one of 10. The plan reads both
        // below 99 %, the small one more (its 99 % rests on 10 rows).
        let order = |n: u64| Order {
            rules: vec![0],
            estimated_precision: vec![0.99],
            gains: vec![(n, 0.99 * n as f64)],
            ..Order::default()
        };
        let large = plan_estimates(&order(1000))[0];
        let small = plan_estimates(&order(10))[0];
        assert!(large < 0.99 && large > 0.985, "{large}");
        assert!(small < 0.98 && small < large - 0.005, "{small} {large}");
        // Prefixes sum their rules' cautious counts; a hand-built order
        // without gains is read as it is.
        let two = Order {
            rules: vec![0, 1],
            estimated_precision: vec![0.99, 0.99],
            gains: vec![(1000, 990.0), (10, 9.9)],
            ..Order::default()
        };
        let both = plan_estimates(&two);
        assert_eq!(both[0], large);
        let want = (1000.0 * large + 10.0 * small) / 1010.0;
        assert!((both[1] - want).abs() < 1e-12, "{both:?}");
        let by_hand = Order {
            gains: Vec::new(),
            ..two
        };
        assert_eq!(plan_estimates(&by_hand), vec![0.99, 0.99]);
    }
}
