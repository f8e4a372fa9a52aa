//! Select: order candidate rules on training rows, then certify the
//! longest prefix of that order whose covered set meets the precision on
//! validation rows.
//!
//! The guarantee users ask for first is about the rule set as a whole: "the
//! rules decide X % of traffic at precision ≥ P". Certifying each rule alone
//! needs many validation rows per rule (52 for 0.95 with no errors), which is
//! why distilled-tree leaves certify nothing on small data. Here instead:
//!
//! 1. **Order, on training rows only.** Greedy set cover over the candidates
//!    whose new rows (training rows no earlier rule covers) are at least P
//!    precise: take the one whose precision on its new rows has the highest
//!    Wilson lower bound (which rewards purity and size), then repeat. The
//!    prefixes then trace the best precision for their coverage, as a
//!    confidence threshold would. Rows held out from fitting the candidates
//!    are used, and the order is fixed before any validation label is read.
//! 2. **Certify, on validation rows.** The prefixes of that order are nested
//!    rule sets. They are tested one after another in an order fixed without
//!    validation labels (most promising first, judged by the training-row
//!    estimate and the number of validation rows each covers): a prefix
//!    passes when the Wilson lower bound of its covered precision reaches P.
//!    The error budget is shared by Wiens' fallback procedure (see
//!    [`certify_prefix`]), so the chance that the kept set's true precision is
//!    below P stays within `1 - confidence` in all.

use rulec_runtime::stats::wilson_lower;

/// A set of row positions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bits {
    words: Vec<u64>,
}

impl Bits {
    /// An empty set over `n` positions.
    pub fn new(n: usize) -> Bits {
        Bits {
            words: vec![0; n.div_ceil(64)],
        }
    }

    /// Adds position `i`.
    pub fn set(&mut self, i: usize) {
        self.words[i / 64] |= 1 << (i % 64);
    }

    /// Whether position `i` is in the set.
    pub fn get(&self, i: usize) -> bool {
        self.words[i / 64] & (1 << (i % 64)) != 0
    }

    /// Number of positions in the set.
    pub fn count(&self) -> u64 {
        self.words.iter().map(|w| u64::from(w.count_ones())).sum()
    }

    /// `|self \ minus|` and `|(self \ minus) ∩ and|`.
    fn count_new(&self, minus: &Bits, and: &Bits) -> (u64, u64) {
        let mut n = 0;
        let mut c = 0;
        for ((a, m), t) in self.words.iter().zip(&minus.words).zip(&and.words) {
            let new = a & !m;
            n += u64::from(new.count_ones());
            c += u64::from((new & t).count_ones());
        }
        (n, c)
    }

    /// Adds every position of `other`.
    pub fn union_with(&mut self, other: &Bits) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a |= b;
        }
    }
}

/// Where each candidate applies and what it decides, on one split.
pub struct CoverageTable<'a> {
    /// Rows each candidate covers (positions within the split).
    pub covers: &'a [Bits],
    /// Class each candidate decides.
    pub decisions: &'a [u32],
    /// Per class, the rows whose true label is that class.
    pub truth: &'a [Bits],
    /// Per class, the teacher's (out-of-bag) probability of that class at
    /// each row, when known. Training rows only: it tempers the training
    /// precision of candidates fitted on those very rows.
    pub teacher: Option<&'a [Vec<f32>]>,
}

impl Bits {
    /// Sum of `values` over the positions in `self` but not in `minus`.
    fn sum_new(&self, minus: &Bits, values: &[f32]) -> f64 {
        let mut sum = 0.0;
        for (w, (a, m)) in self.words.iter().zip(&minus.words).enumerate() {
            let mut new = a & !m;
            while new != 0 {
                let bit = new.trailing_zeros() as usize;
                sum += f64::from(values[w * 64 + bit]);
                new &= new - 1;
            }
        }
        sum
    }
}

/// The greedy order and the training-row estimate of each prefix.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Order {
    /// Candidate indices, best first.
    pub rules: Vec<usize>,
    /// Estimated precision of the first k+1 rules together, on training rows.
    pub estimated_precision: Vec<f64>,
}

/// Greedy order on training rows; at most `max_rules` candidates. The first
/// `pinned` candidates (the user's proposals) are taken first, in their
/// order, each when its new rows look precise enough.
pub fn greedy_order(
    train: &CoverageTable<'_>,
    precision: f64,
    confidence: f64,
    max_rules: usize,
    pinned: usize,
) -> Order {
    let n_rows = train.truth.first().map_or(0, |b| b.words.len() * 64);
    let covered = Bits::new(n_rows);
    let order = Order::default();
    let used = vec![false; train.covers.len()];
    let (support, correct) = (0u64, 0f64);
    // The candidate's rows not yet covered, and how many of them it gets right.
    let gain = |i: usize, covered: &Bits| -> Option<(u64, f64)> {
        let class = train.decisions[i] as usize;
        let cov = &train.covers[i];
        let (n, c) = cov.count_new(covered, &train.truth[class]);
        if n == 0 {
            return None;
        }
        // A candidate fitted on training rows is flattered by their true
        // labels; the teacher's out-of-bag view of the same rows is not.
        // Take the less flattering of the two.
        let mut c = c as f64;
        if let Some(teacher) = train.teacher {
            c = c.min(cov.sum_new(covered, &teacher[class]));
        }
        (c >= precision * n as f64).then_some((n, c))
    };
    let take = |i: usize, n: u64, c: f64, st: &mut (Bits, Order, Vec<bool>, u64, f64)| {
        st.2[i] = true;
        st.0.union_with(&train.covers[i]);
        st.3 += n;
        st.4 += c;
        st.1.rules.push(i);
        let estimate = st.4 / st.3 as f64;
        st.1.estimated_precision.push(estimate);
    };
    // (covered, order, used, support, correct)
    let mut st = (covered, order, used, support, correct);
    for i in 0..pinned.min(train.covers.len()) {
        if st.1.rules.len() < max_rules {
            if let Some((n, c)) = gain(i, &st.0) {
                take(i, n, c, &mut st);
            }
        }
    }
    while st.1.rules.len() < max_rules {
        // The most certain candidate first: the bound rewards both purity
        // and size, so the prefixes trace the best precision for their
        // coverage, as a confidence threshold would.
        let mut best: Option<(f64, u64, usize, f64)> = None;
        for i in 0..train.covers.len() {
            if st.2[i] {
                continue;
            }
            let Some((n, c)) = gain(i, &st.0) else {
                continue;
            };
            let lb = wilson_lower(c.floor() as u64, n, confidence);
            let better = match best {
                None => true,
                Some((blb, bn, _, _)) => lb > blb || (lb == blb && n > bn),
            };
            if better {
                best = Some((lb, n, i, c));
            }
        }
        let Some((_, n, i, c)) = best else { break };
        take(i, n, c, &mut st);
    }
    st.1
}

/// One tested (or skipped) prefix.
#[derive(Clone, Debug, PartialEq)]
pub struct PrefixTest {
    /// Rules in the prefix.
    pub k: usize,
    /// Validation rows it covers.
    pub support: u64,
    /// Of which decided correctly.
    pub correct: u64,
    /// Confidence level of this test (its share of the error budget).
    pub confidence: f64,
    /// Wilson lower bound at that level.
    pub lower_bound: f64,
    /// Whether the bound reached the precision.
    pub passed: bool,
}

/// Tests among which the error budget is split (see [`certify_prefix`]).
pub const FALLBACK_SLOTS: usize = 3;

/// Fewest rows with which a flawless set reaches `precision`.
pub fn min_rows(precision: f64, confidence: f64) -> u64 {
    let mut n = 1u64;
    while wilson_lower(n, n, confidence) < precision {
        n = if n < 1 << 40 { n * 2 } else { return u64::MAX };
    }
    // Binary search down to the smallest.
    let (mut lo, mut hi) = (n / 2, n);
    while lo + 1 < hi {
        let mid = (lo + hi) / 2;
        if wilson_lower(mid, mid, confidence) >= precision {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

/// Fixed-sequence certification of the prefixes of `order` on validation
/// rows. Returns the number of rules kept and every prefix looked at, in the
/// order they were tested.
///
/// The testing order is fixed before any validation label is read: prefixes
/// are ranked by the bound they are expected to reach (their training-row
/// precision estimate on as many rows as they cover in validation), most
/// promising first. They are tested in that order with Wiens' fallback
/// procedure: the error budget `1 - confidence` is split evenly over the
/// first [`FALLBACK_SLOTS`] tests (or over all of them when there are fewer;
/// their number is known before any test runs), and a test that passes hands its level on
/// to the next one. The family-wise error stays within `1 - confidence`
/// however the prefixes depend on each other; the longest prefix that passed
/// is kept. Prefixes too small to pass even without errors are not tested.
pub fn certify_prefix(
    order: &Order,
    valid: &CoverageTable<'_>,
    precision: f64,
    confidence: f64,
) -> (usize, Vec<PrefixTest>) {
    let n_rows = valid.truth.first().map_or(0, |b| b.words.len() * 64);
    let need = min_rows(precision, confidence);
    let mut covered = Bits::new(n_rows);
    let (mut support, mut correct) = (0u64, 0u64);
    // (k, support, correct, expected bound)
    let mut prefixes = Vec::new();
    for (pos, &i) in order.rules.iter().enumerate() {
        let truth = &valid.truth[valid.decisions[i] as usize];
        let (n, c) = valid.covers[i].count_new(&covered, truth);
        covered.union_with(&valid.covers[i]);
        support += n;
        correct += c;
        let estimate = order.estimated_precision.get(pos).copied().unwrap_or(1.0);
        let expected = wilson_lower(
            (estimate * support as f64).floor() as u64,
            support,
            confidence,
        );
        prefixes.push((pos + 1, support, correct, expected));
    }
    let mut sequence: Vec<&(usize, u64, u64, f64)> =
        prefixes.iter().filter(|p| p.1 >= need).collect();
    sequence.sort_by(|a, b| b.3.total_cmp(&a.3).then(b.0.cmp(&a.0)));
    // Wiens' fallback procedure: the error budget is spread over the first
    // FALLBACK_SLOTS tests; a passing test hands its level on to the next, a
    // failing one does not stop the next from using its own share.
    let alpha = 1.0 - confidence;
    // Fewer testable sets than slots: the budget goes to those there are.
    let slots = FALLBACK_SLOTS.min(sequence.len()).max(1);
    let mut carry = 0.0;
    let mut kept = 0;
    let mut tests = Vec::new();
    for (slot, &&(k, support, correct, _)) in sequence.iter().enumerate() {
        let share = if slot < slots {
            alpha / slots as f64
        } else {
            0.0
        };
        let level = carry + share;
        if level <= 0.0 {
            break;
        }
        let lower_bound = wilson_lower(correct, support, 1.0 - level);
        let pass = lower_bound >= precision;
        tests.push(PrefixTest {
            k,
            support,
            correct,
            confidence: 1.0 - level,
            lower_bound,
            passed: pass,
        });
        if pass {
            carry = level;
            kept = kept.max(k);
        } else {
            carry = 0.0;
        }
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
        if n > 0 && wilson_lower(c, n, confidence) >= precision {
            covered.union_with(&valid.covers[i]);
            kept.push(i);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(n: usize, rows: impl IntoIterator<Item = usize>) -> Bits {
        let mut b = Bits::new(n);
        for r in rows {
            b.set(r);
        }
        b
    }

    #[test]
    fn min_rows_matches_the_protocol_note() {
        assert_eq!(min_rows(0.95, 0.975), 73);
        assert_eq!(min_rows(0.99, 0.975), 381);
        assert_eq!(min_rows(0.95, 0.95), 52);
    }

    #[test]
    fn greedy_takes_the_most_certain_candidate_first() {
        let n = 1000;
        // Class 0 for rows < 600, class 1 after.
        let truth = vec![bits(n, 0..600), bits(n, 600..n)];
        let covers = vec![
            bits(n, 0..300),   // clean, class 0
            bits(n, 0..500),   // clean, class 0, larger
            bits(n, 550..700), // dirty for class 0
            bits(n, 600..900), // clean, class 1
        ];
        let decisions = vec![0, 0, 0, 1];
        let table = CoverageTable {
            covers: &covers,
            decisions: &decisions,
            truth: &truth,
            teacher: None,
        };
        // The largest clean candidate first; the dirty one only once its
        // remaining new rows are clean; the one with nothing new never.
        assert_eq!(greedy_order(&table, 0.95, 0.95, 10, 0).rules, vec![1, 3, 2]);
        assert_eq!(greedy_order(&table, 0.95, 0.95, 1, 0).rules, vec![1]);
        // A pinned (proposed) candidate goes first when it is clean enough.
        assert_eq!(
            greedy_order(&table, 0.95, 0.95, 10, 1).rules,
            vec![0, 3, 1, 2]
        );
    }

    #[test]
    fn certification_tests_the_most_promising_prefixes_first() {
        let n = 1000;
        let truth = vec![bits(n, 0..500), bits(n, 500..n)];
        let covers = vec![
            bits(n, 0..20),     // too small alone: never tested
            bits(n, 20..300),   // clean
            bits(n, 300..560),  // 200 right, 60 wrong
            bits(n, 700..1000), // clean
        ];
        let decisions = vec![0, 0, 0, 1];
        let table = CoverageTable {
            covers: &covers,
            decisions: &decisions,
            truth: &truth,
            teacher: None,
        };
        // Training estimates say the third rule is poor: prefix 2 is the most
        // promising, then 4, then 3. Prefix 4 fails (its set is 86 % right);
        // prefix 3 fails too; prefix 2 is kept.
        let order = Order {
            rules: vec![0, 1, 2, 3],
            estimated_precision: vec![1.0, 1.0, 0.8, 0.85],
        };
        let (kept, tests) = certify_prefix(&order, &table, 0.95, 0.95);
        assert_eq!(kept, 2);
        let tested: Vec<(usize, bool)> = tests.iter().map(|t| (t.k, t.passed)).collect();
        assert_eq!(tested, vec![(2, true), (4, false), (3, false)]);
        // The first test runs at a third of the error budget.
        assert!((tests[0].lower_bound - wilson_lower(300, 300, 1.0 - 0.05 / 3.0)).abs() < 1e-12);
    }

    #[test]
    fn a_failed_first_test_does_not_end_certification() {
        let n = 1000;
        let truth = vec![bits(n, 0..600), bits(n, 600..n)];
        let covers = vec![bits(n, 550..700), bits(n, 0..550)];
        let decisions = vec![0, 0];
        let table = CoverageTable {
            covers: &covers,
            decisions: &decisions,
            truth: &truth,
            teacher: None,
        };
        // The estimates wrongly favour the dirty rule alone.
        let order = Order {
            rules: vec![0, 1],
            estimated_precision: vec![1.0, 0.9],
        };
        let (kept, tests) = certify_prefix(&order, &table, 0.8, 0.95);
        assert!(!tests[0].passed);
        assert!(tests[1].passed);
        assert_eq!(kept, 2);
    }
}
