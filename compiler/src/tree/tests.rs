//! Tests of the tree learner.

use super::*;
use crate::table::{ColumnData, Table, MISSING_CODE};

#[test]
fn truncation_sums_the_leaves_below() {
    let values: Vec<f64> = (0..400).map(|i| i as f64 * 0.25).collect();
    let labels: Vec<u32> = values.iter().map(|&x| u32::from(x >= 50.0)).collect();
    let t = table(values, labels.clone());
    let rows: Vec<usize> = (0..400).collect();
    let binned = Binned::new(&t, &rows);
    let params = TreeParams {
        max_depth: 6,
        min_samples_leaf: 1,
        min_gain: -1.0,
        max_features: None,
        seed: 0,
        criterion: Criterion::Gini,
    };
    let tree = fit(
        &binned,
        (0..400).collect(),
        Targets::Hard(&labels),
        2,
        &params,
    );
    let cut = tree.truncate(1);
    assert_eq!(cut.leaf_paths().len(), 2);
    let total: f64 = cut
        .leaf_paths()
        .iter()
        .map(|(l, _)| cut.counts(*l).iter().sum::<f64>())
        .sum();
    assert_eq!(total, 400.0);
    // Every row reaches a leaf of the cut tree on the same side of the root.
    for (r, &label) in labels.iter().enumerate() {
        let a = tree.leaf_of(&binned, r);
        let b = cut.leaf_of(&binned, r);
        assert!(cut.counts(b)[label as usize] > 0.0, "{a} {b}");
    }
}

#[test]
fn the_flat_tree_walks_every_row_to_the_same_leaf() {
    // A numeric column with missing values, a categorical column of 100
    // levels (sets beyond one 64-bit word) and missing codes, a boolean
    // column with missing values; a label mixing all three.
    let mut rng = Rng::new(7);
    let n = 3000;
    let x: Vec<f64> = (0..n)
        .map(|_| {
            if rng.below(10) == 0 {
                f64::NAN
            } else {
                rng.below(1000) as f64
            }
        })
        .collect();
    let codes: Vec<u32> = (0..n)
        .map(|_| {
            if rng.below(20) == 0 {
                MISSING_CODE
            } else {
                rng.below(100) as u32
            }
        })
        .collect();
    let flags: Vec<Option<bool>> = (0..n)
        .map(|_| match rng.below(3) {
            0 => None,
            1 => Some(true),
            _ => Some(false),
        })
        .collect();
    let labels: Vec<u32> = (0..n)
        .map(|i| {
            let a = x[i].is_nan() || x[i] < 300.0;
            let b = codes[i] != MISSING_CODE && codes[i].is_multiple_of(3);
            let c = flags[i] == Some(true);
            u32::from(a ^ b) + u32::from(c && rng.below(4) > 0)
        })
        .collect();
    let t = table_with(
        x,
        vec![
            crate::table::Column {
                name: "cat".into(),
                data: ColumnData::Categorical {
                    codes,
                    levels: (0..100).map(|i| format!("l{i:03}")).collect(),
                },
            },
            crate::table::Column {
                name: "flag".into(),
                data: ColumnData::Boolean(flags),
            },
        ],
        &["a", "b", "c"],
        labels.clone(),
    );
    let rows: Vec<usize> = (0..n).collect();
    let binned = Binned::new(&t, &rows);
    let params = TreeParams {
        max_depth: 12,
        min_samples_leaf: 2,
        min_gain: 0.0,
        max_features: Some(2),
        seed: 3,
        criterion: Criterion::Gini,
    };
    let train: Vec<u32> = (0..n as u32).filter(|r| r.is_multiple_of(2)).collect();
    let tree = fit(&binned, train, Targets::Hard(&labels), 3, &params);
    let kinds: Vec<&Test> = tree
        .nodes
        .iter()
        .filter_map(|node| match node {
            Node::Split { test, .. } => Some(test),
            Node::Leaf { .. } => None,
        })
        .collect();
    assert!(kinds
        .iter()
        .any(|t| matches!(t, Test::InBins(s) if s.iter().any(|&b| b >= 64))));
    assert!(kinds.iter().any(|t| matches!(t, Test::LeBin(_))));
    let flat = FlatTree::new(&tree);
    for row in 0..n {
        let (leaf, depth) = tree.leaf_and_depth(&binned, row);
        let (flat_leaf, flat_depth) = flat.leaf_and_depth(&binned, row);
        assert_eq!(depth, flat_depth, "row {row}");
        let counts = tree.counts(leaf);
        let total: f64 = counts.iter().sum();
        let shares: Vec<f32> = counts.iter().map(|c| (c / total) as f32).collect();
        assert_eq!(flat.shares(flat_leaf), shares.as_slice(), "row {row}");
    }
}

/// A 50-category column: its root split, or `None` when the root splits
/// another column. Rows whose label is drawn with per-mille chance
/// `chance(x, category)`.
fn root_splits_the_categories(
    criterion: Criterion,
    chance: impl Fn(f64, u32) -> usize,
) -> Option<usize> {
    let n = 3000;
    let mut rng = Rng::new(11);
    let x: Vec<f64> = (0..n).map(|_| rng.below(1000) as f64 / 1000.0).collect();
    let codes: Vec<u32> = (0..n).map(|_| rng.below(50) as u32).collect();
    let labels: Vec<u32> = (0..n)
        .map(|i| u32::from(rng.below(1000) < chance(x[i], codes[i])))
        .collect();
    let t = table_with(
        x,
        vec![crate::table::Column {
            name: "state".into(),
            data: ColumnData::Categorical {
                codes,
                levels: (0..50).map(|i| format!("s{i:02}")).collect(),
            },
        }],
        &[],
        labels.clone(),
    );
    let rows: Vec<usize> = (0..n).collect();
    let binned = Binned::new(&t, &rows);
    let params = TreeParams {
        max_depth: 1,
        min_samples_leaf: 20,
        min_gain: 0.0,
        max_features: None,
        seed: 0,
        criterion,
    };
    // A boosting round's first tree, from the base rate, when the
    // criterion is Newton's: targets are each row's gradient and
    // hessian of the log loss.
    let base = labels.iter().sum::<u32>() as f32 / n as f32;
    let gh: Vec<f32> = labels
        .iter()
        .flat_map(|&y| [base - y as f32, base * (1.0 - base)])
        .collect();
    let targets = match criterion {
        Criterion::Newton { .. } => Targets::Soft(&gh),
        _ => Targets::Hard(&labels),
    };
    let tree = fit(&binned, (0..n as u32).collect(), targets, 2, &params);
    match &tree.nodes[0] {
        Node::Split {
            feature,
            test: Test::InBins(set),
            ..
        } if *feature == 1 => Some(set.len()),
        Node::Split { feature, .. } => {
            assert_eq!(*feature, 0, "the root splits x or the categories");
            None
        }
        Node::Leaf { .. } => panic!("the root does not split"),
    }
}

#[test]
fn boosting_splits_many_categories_only_on_signal() {
    let newton = |charge_categories| Criterion::Newton {
        lambda: 1.0,
        charge_categories,
    };
    // As for the corrected Gini below: the label depends weakly on x and
    // not at all on the 50 categories. Uncharged, the best category set
    // (chance alone) wins the root; charged, x does.
    let weak_x = |x: f64, _: u32| if x < 0.5 { 80 } else { 120 };
    assert!(root_splits_the_categories(newton(false), weak_x).is_some());
    assert_eq!(root_splits_the_categories(newton(true), weak_x), None);
    // Categories that carry signal are still split, into the two groups.
    let by_category = |x: f64, c: u32| match (c < 25, x < 0.5) {
        (true, _) => 20,
        (false, true) => 260,
        (false, false) => 340,
    };
    assert_eq!(
        root_splits_the_categories(newton(true), by_category),
        Some(25)
    );
}

#[test]
fn corrected_gini_splits_many_categories_only_on_signal() {
    // The label depends weakly on x and not at all on the category: the
    // plain Gini gain of the best category set (chance alone) beats x's,
    // the corrected one does not.
    let weak_x = |x: f64, _: u32| if x < 0.5 { 80 } else { 120 };
    assert!(root_splits_the_categories(Criterion::Gini, weak_x).is_some());
    assert_eq!(
        root_splits_the_categories(Criterion::GiniCorrected, weak_x),
        None
    );
    // Categories that carry signal are still split, into the two groups.
    let by_category = |x: f64, c: u32| match (c < 25, x < 0.5) {
        (true, _) => 20,
        (false, true) => 260,
        (false, false) => 340,
    };
    assert_eq!(
        root_splits_the_categories(Criterion::GiniCorrected, by_category),
        Some(25)
    );
}

#[test]
fn nice_numbers() {
    assert_eq!(nice_between(49.7, 50.3), 50.0);
    assert_eq!(nice_between(4.9, 5.0), 5.0);
    assert_eq!(nice_between(0.1234, 0.1251), 0.124);
    assert_eq!(nice_between(-3.2, -2.1), -3.0);
    assert_eq!(nice_between(-0.5, 0.5), 0.0);
    assert_eq!(nice_between(1.0, 1.0 + f64::EPSILON), 1.0 + f64::EPSILON);
    let (a, b) = (123456.789, 123456.79);
    let c = nice_between(a, b);
    assert!(a < c && c <= b);
}

/// A table of a numeric column `x`, then `more` columns, and the
/// classes `classes` ("a" and "b" when empty).
fn table_with(
    values: Vec<f64>,
    more: Vec<crate::table::Column>,
    classes: &[&str],
    labels: Vec<u32>,
) -> Table {
    let mut columns = vec![crate::table::Column {
        name: "x".into(),
        data: ColumnData::Numeric(values),
    }];
    columns.extend(more);
    let names = if classes.is_empty() {
        &["a", "b"][..]
    } else {
        classes
    };
    Table::new(
        columns,
        "y".into(),
        crate::table::TargetData::Classes {
            names: names.iter().map(|c| c.to_string()).collect(),
            labels,
            logged: None,
        },
    )
}

/// A table of one numeric column `x` and two classes.
fn table(values: Vec<f64>, labels: Vec<u32>) -> Table {
    table_with(values, Vec::new(), &[], labels)
}

#[test]
fn learns_a_threshold_with_a_round_cut() {
    let values: Vec<f64> = (0..200).map(|i| i as f64 * 0.5).collect();
    let labels: Vec<u32> = values.iter().map(|&x| u32::from(x >= 50.0)).collect();
    let t = table(values, labels.clone());
    let rows: Vec<usize> = (0..200).collect();
    let binned = Binned::new(&t, &rows);
    let params = TreeParams {
        max_depth: 3,
        min_samples_leaf: 1,
        min_gain: 0.0,
        max_features: None,
        seed: 0,
        criterion: Criterion::Gini,
    };
    let tree = fit(
        &binned,
        (0..200).collect(),
        Targets::Hard(&labels),
        2,
        &params,
    );
    let Node::Split {
        test: Test::LeBin(b),
        ..
    } = &tree.nodes[0]
    else {
        panic!("root is not a split: {:?}", tree.nodes[0]);
    };
    let BinKind::Numeric { cuts } = &binned.columns[0].kind else {
        unreachable!()
    };
    assert_eq!(cuts[*b as usize], 50.0);
    assert_eq!(tree.leaf_paths().len(), 2);
}

#[test]
fn a_value_the_node_never_saw_goes_to_its_bigger_side() {
    // Fitted on rows 0..400 with nothing missing: `a` below 300 (300 rows),
    // `b` from 300 (100 rows), and a zone code that says the same. Row 400
    // misses `x`, and its zone is one the fitting rows never had: each
    // goes where most rows went (`a`), not always right (`b`).
    let mut x: Vec<f64> = (0..400).map(f64::from).collect();
    x.push(f64::NAN);
    let mut labels: Vec<u32> = (0..400).map(|i| u32::from(i >= 300)).collect();
    labels.push(0);
    let mut zone: Vec<u32> = labels[..400].to_vec();
    zone.push(2);
    let fit_rows: Vec<usize> = (0..400).collect();
    let params = TreeParams {
        max_depth: 1,
        min_samples_leaf: 1,
        min_gain: -1.0,
        max_features: None,
        seed: 0,
        criterion: Criterion::Gini,
    };
    let numeric = table(x.clone(), labels.clone());
    let zoned = table_with(
        vec![0.0; 401],
        vec![crate::table::Column {
            name: "zone".into(),
            data: ColumnData::Categorical {
                codes: zone,
                levels: vec!["east".into(), "north".into(), "west".into()],
            },
        }],
        &[],
        labels.clone(),
    );
    for t in [numeric, zoned] {
        let binned = Binned::new(&t, &fit_rows);
        let tree = fit(
            &binned,
            (0..400).collect(),
            Targets::Hard(&labels),
            2,
            &params,
        );
        assert_eq!(tree.leaf_paths().len(), 2);
        let leaf = tree.leaf_of(&binned, 400);
        assert_eq!(tree.counts(leaf), [300.0, 0.0]);
    }
}

/// Differences of prices land a float's rounding apart (`10.2 - 40.2` is
/// -30.000000000000004, `10.5 - 40.5` is -30): the cuts keep them
/// together, and read as round numbers (the book had `price - pcharter <
/// -29.500000000000004`), with few values and with many.
#[test]
fn cuts_do_not_part_values_equal_but_for_rounding() {
    let noisy = 10.2 - 40.2;
    assert_ne!(noisy, -30.0);
    let few = vec![-30.148, noisy, -30.0, -30.0, -20.0];
    let cuts = super::binned::numeric_cuts(&few);
    assert_eq!(cuts, [-30.1, -20.0]);
    // Many values (past the bins): a quantile's cut that would fall
    // between the two moves below them.
    let mut many: Vec<f64> = (0..2000).map(|i| -40.0 + i as f64 * 0.00537).collect();
    many.extend([noisy; 30]);
    many.extend([-30.0; 30]);
    many.sort_by(f64::total_cmp);
    let cuts = super::binned::numeric_cuts(&many);
    assert!(cuts.iter().all(|&c| !(noisy < c && c <= -30.0)), "{cuts:?}");
    assert!(cuts.iter().all(|c| format!("{c}").len() < 12), "{cuts:?}");
    // Infinities stay values of their own, and every cut finite (one
    // merged with its neighbour made a cut of infinity).
    let inf = f64::INFINITY;
    let cuts = super::binned::numeric_cuts(&[-inf, -inf, -1.0, 2.0, inf, inf]);
    assert_eq!(cuts.len(), 3, "{cuts:?}");
    assert!(cuts.iter().all(|c| c.is_finite()), "{cuts:?}");
}
