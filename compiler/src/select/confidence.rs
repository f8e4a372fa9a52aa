//! The confidence order: the teacher's own threshold drawn in boxes, the
//! second order [`super::expected_support`] weighs against the greedy one.

use super::{Bits, CoverageTable, Order};

/// The confidence order: the leaves of one tree fitted to the teacher's
/// probabilities ([`crate::propose::confidence_leaves`]), the teacher's
/// most confident first, as its own threshold would take rows. `belief[j]`
/// is the teacher's mean probability of `leaves[j]`'s decision over the
/// training rows it answers (out-of-bag or cross-fitted, so not flattered
/// by the rows the teacher learned from; no validation row). Leaves below
/// `floor` ([`rule_floor`]) are left out, and so are those that answer no
/// rank row or no validation row (where they apply, features only); at
/// most `max_rules`. Ties go to the earlier leaf.
///
/// The gains are each leaf's new rank rows and how many of them its true
/// label makes right: the order never reads those labels, so the plan's
/// estimates from them are not flattered by a choice made on them, as the
/// greedy order's are.
pub fn confidence_order(
    train: &CoverageTable<'_>,
    leaves: &[usize],
    belief: &[f64],
    floor: f64,
    max_rules: usize,
) -> Order {
    let mut ranked: Vec<(f64, usize)> = leaves
        .iter()
        .zip(belief)
        .filter(|&(&i, &b)| {
            b >= floor
                && train.covers[i].count() > 0
                && train.answers.is_none_or(|a| a[i].count() > 0)
        })
        .map(|(&i, &b)| (b, i))
        .collect();
    // A stable sort keeps the leaves' own order among equal beliefs.
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    let n_rows = train.truth.first().map_or(0, |b| b.words.len() * 64);
    let mut order = Order::default();
    let mut covered = Bits::new(n_rows);
    let (mut rows, mut right) = (0u64, 0u64);
    for (_, i) in ranked {
        if order.rules.len() >= max_rules {
            break;
        }
        let truth = &train.truth[train.decisions[i] as usize];
        let (n, c) = train.covers[i].count_new(&covered, truth);
        if n == 0 {
            continue;
        }
        covered.union_with(&train.covers[i]);
        rows += n;
        right += c;
        order.rules.push(i);
        order.gains.push((n, c as f64));
        order.estimated_precision.push(right as f64 / rows as f64);
    }
    order
}

/// `order` with each rule's gain read from `train`'s true labels: its new
/// rows and how many of them it gets right, as [`confidence_order`]
/// reckons its leaves, so that [`expected_support`] weighs two orders
/// alike.
pub fn with_truth_gains(order: &Order, train: &CoverageTable<'_>) -> Order {
    let n_rows = train.truth.first().map_or(0, |b| b.words.len() * 64);
    let mut covered = Bits::new(n_rows);
    let mut out = order.clone();
    out.gains = order
        .rules
        .iter()
        .map(|&i| {
            let truth = &train.truth[train.decisions[i] as usize];
            let (n, c) = train.covers[i].count_new(&covered, truth);
            covered.union_with(&train.covers[i]);
            (n, c as f64)
        })
        .collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::select::tests::bits;

    #[test]
    fn leaves_go_most_confident_first_and_those_below_the_floor_stay_out() {
        let n = 100;
        // Class 0 right on rows < 60 and on 90..95.
        let truth = vec![
            bits(n, (0..60).chain(90..95)),
            bits(n, (60..90).chain(95..n)),
        ];
        let covers = vec![
            bits(n, 0..30),   // belief 0.95
            bits(n, 30..60),  // belief 0.99
            bits(n, 60..90),  // belief 0.85: below the floor
            bits(n, 90..100), // belief 0.95, a tie with leaf 0: after it
        ];
        let decisions = vec![0, 0, 1, 0];
        let table = CoverageTable::new(&covers, &decisions, &truth);
        let order = confidence_order(&table, &[0, 1, 2, 3], &[0.95, 0.99, 0.85, 0.95], 0.9, 10);
        assert_eq!(order.rules, vec![1, 0, 3]);
        // Gains from the true labels: 30 of 30, 30 of 30, 5 of 10.
        assert_eq!(order.gains, vec![(30, 30.0), (30, 30.0), (10, 5.0)]);
        assert_eq!(order.estimated_precision, vec![1.0, 1.0, 65.0 / 70.0]);
        // At most `max_rules`.
        let two = confidence_order(&table, &[0, 1, 2, 3], &[0.95, 0.99, 0.85, 0.95], 0.9, 2);
        assert_eq!(two.rules, vec![1, 0]);
    }

    #[test]
    fn a_leaf_without_rank_or_validation_rows_is_left_out() {
        let n = 64;
        let truth = vec![bits(n, 0..n), bits(n, [])];
        let covers = vec![bits(n, 0..10), bits(n, []), bits(n, 10..20)];
        let answers = vec![bits(n, 0..5), bits(n, 0..5), bits(n, [])];
        let decisions = vec![0, 0, 0];
        let table = CoverageTable {
            answers: Some(&answers),
            ..CoverageTable::new(&covers, &decisions, &truth)
        };
        let order = confidence_order(&table, &[0, 1, 2], &[0.99, 0.99, 0.99], 0.9, 10);
        assert_eq!(order.rules, vec![0]);
    }

    #[test]
    fn truth_gains_read_each_rules_new_rows_by_their_labels() {
        let n = 64;
        let truth = vec![bits(n, 0..20), bits(n, 20..n)];
        let covers = vec![bits(n, 0..10), bits(n, 5..30)];
        let decisions = vec![0, 0];
        let table = CoverageTable::new(&covers, &decisions, &truth);
        let order = Order {
            rules: vec![0, 1],
            estimated_precision: vec![1.0, 0.9],
            gains: vec![(10, 10.0), (20, 19.0)],
            refused: Vec::new(),
        };
        let read = with_truth_gains(&order, &table);
        // Rule 1 adds rows 10..30, right on 10..20.
        assert_eq!(read.gains, vec![(10, 10.0), (20, 10.0)]);
        assert_eq!(read.rules, order.rules);
    }
}
