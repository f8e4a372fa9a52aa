//! The statistical promise, simulated: when the rules' true precision is
//! below (or exactly at) the target, certification passes at most
//! `1 - confidence` of the time, at every validation size. See: #15.
//!
//! Each trial draws a nested rule set (the prefixes of an order of rules,
//! each rule answering its own block of validation rows) whose rows are
//! right with known probabilities, draws training estimates that may be
//! optimistic, and runs `select::certify_prefix`, the procedure the compiler
//! runs. A *false certification* is a kept set whose true precision is
//! below the target. Its rate must stay within `1 - confidence` plus three
//! Monte Carlo standard errors.

mod common;

use common::split_of;
use rulec::select::{
    aim, certify_classes, certify_prefix, greedy_order, rule_floor, Bits, CoverageTable, Order,
    OrderParams,
};
use rulec_datasets::Rng;

/// One simulated trial: `rule_rows` validation rows per rule, each row of
/// rule `i` right with probability `precision[i]`. Returns the true
/// precision of the kept set (`None` when nothing was kept).
fn trial(
    rng: &mut Rng,
    rule_rows: &[usize],
    precision: &[f64],
    estimates: &[f64],
    target: f64,
    confidence: f64,
) -> Option<f64> {
    let n: usize = rule_rows.iter().sum();
    let mut right = Bits::new(n);
    let mut wrong = Bits::new(n);
    let mut covers = Vec::new();
    let mut start = 0;
    for (i, &rows) in rule_rows.iter().enumerate() {
        let mut cover = Bits::new(n);
        for r in start..start + rows {
            cover.set(r);
            if rng.chance(precision[i]) {
                right.set(r);
            } else {
                wrong.set(r);
            }
        }
        covers.push(cover);
        start += rows;
    }
    let decisions = vec![0u32; rule_rows.len()];
    let truth = vec![right, wrong];
    let table = CoverageTable::new(&covers, &decisions, &truth);
    let order = Order {
        rules: (0..rule_rows.len()).collect(),
        estimated_precision: estimates.to_vec(),
        gains: Vec::new(),
        ..Order::default()
    };
    let (kept, _) = certify_prefix(&order, &table, target, confidence);
    (kept > 0).then(|| {
        let rows: usize = rule_rows[..kept].iter().sum();
        let expected: f64 = (0..kept).map(|i| rule_rows[i] as f64 * precision[i]).sum();
        expected / rows as f64
    })
}

/// Runs `trials` trials of a scenario and returns the share of false
/// certifications and the share of any certification.
#[allow(clippy::too_many_arguments)]
fn rate(
    seed: u64,
    trials: usize,
    rule_rows: &[usize],
    precision: &[f64],
    optimism: f64,
    target: f64,
    confidence: f64,
) -> (f64, f64) {
    let mut rng = Rng::derive(seed, 0x0053_494d);
    let (mut false_certified, mut certified) = (0usize, 0usize);
    for _ in 0..trials {
        // Training estimates: the truth plus some optimism and noise, so the
        // plan is sometimes drawn to sets that are worse than they look.
        let estimates: Vec<f64> = precision
            .iter()
            .map(|&p| (p + optimism * rng.f64()).min(1.0))
            .collect();
        if let Some(p) = trial(
            &mut rng, rule_rows, precision, &estimates, target, confidence,
        ) {
            certified += 1;
            // A set at exactly the target counts: the exact test of
            // "precision at most P" may reject it at most 1 - C of the
            // time, as the simulation asks.
            if p <= target + 1e-12 {
                false_certified += 1;
            }
        }
    }
    (
        false_certified as f64 / trials as f64,
        certified as f64 / trials as f64,
    )
}

fn limit(alpha: f64, trials: usize) -> f64 {
    alpha + 3.0 * (alpha * (1.0 - alpha) / trials as f64).sqrt()
}

#[test]
fn a_set_exactly_at_the_target_is_certified_at_most_alpha_of_the_time() {
    // Every row right with probability exactly P: any certification is
    // false. Validation sizes from 20 to 5,000, one to eight rules.
    let trials = 3000;
    for (case, (target, confidence)) in [(0.95, 0.95), (0.9, 0.9), (0.99, 0.95)]
        .into_iter()
        .enumerate()
    {
        for (size_idx, total) in [20usize, 52, 59, 100, 300, 1000, 5000]
            .into_iter()
            .enumerate()
        {
            for n_rules in [1usize, 3, 8] {
                let rule_rows: Vec<usize> = (0..n_rules)
                    .map(|i| total / n_rules + usize::from(i < total % n_rules))
                    .collect();
                let precision = vec![target; n_rules];
                let seed = (case * 100 + size_idx * 10 + n_rules) as u64;
                let (false_rate, _) = rate(
                    seed, trials, &rule_rows, &precision, 0.05, target, confidence,
                );
                let alpha = 1.0 - confidence;
                assert!(
                    false_rate <= limit(alpha, trials),
                    "P={target} C={confidence} n={total} rules={n_rules}: certified {false_rate} of the time, \
                     more than {alpha} allows"
                );
            }
        }
    }
}

#[test]
fn sets_that_decay_past_the_target_are_cut_in_time() {
    // Good rules first, then rules well below the target: the prefixes'
    // true precision crosses the target. A kept set beyond the crossing is
    // a false certification.
    let trials = 3000;
    let alpha = 0.05;
    for (seed, total) in [(1u64, 200usize), (2, 1000), (3, 5000)] {
        let rule_rows = vec![total / 4; 4];
        let precision = [0.97, 0.96, 0.90, 0.80];
        let (false_rate, _) = rate(seed, trials, &rule_rows, &precision, 0.08, 0.95, 0.95);
        assert!(
            false_rate <= limit(alpha, trials),
            "n={total}: {false_rate} false certifications"
        );
    }
    // And the procedure is not vacuous: well above the target, with enough
    // rows, it certifies nearly always and goes past the first rule.
    let rule_rows = vec![250; 4];
    let precision = [0.99, 0.98, 0.90, 0.80];
    let (false_rate, certified) = rate(4, 1000, &rule_rows, &precision, 0.08, 0.95, 0.95);
    assert!(false_rate <= limit(alpha, 1000), "{false_rate}");
    assert!(certified > 0.9, "certified only {certified}");
}

/// One split of a simulated pool: `n` rows, each candidate covering a
/// window of them, every row right with probability `precision`.
fn pool_split(
    rng: &mut Rng,
    n: usize,
    windows: &[(f64, f64)],
    precision: f64,
) -> (Vec<Bits>, Vec<Bits>) {
    let mut right = Bits::new(n);
    let mut wrong = Bits::new(n);
    for r in 0..n {
        if rng.chance(precision) {
            right.set(r);
        } else {
            wrong.set(r);
        }
    }
    (covers_of(n, windows), vec![right, wrong])
}

/// Where each window (start, length) of the unit interval lies among `n`
/// rows spread evenly over it.
fn covers_of(n: usize, windows: &[(f64, f64)]) -> Vec<Bits> {
    windows
        .iter()
        .map(|&(start, len)| {
            let mut b = Bits::new(n);
            let from = (start * n as f64) as usize;
            let to = ((start + len) * n as f64).min(n as f64) as usize;
            for r in from..to {
                b.set(r);
            }
            b
        })
        .collect()
}

/// The order's parameters as the compiler sets them: aimed at what a set
/// of every validation row needs, then held at the target itself (last with
/// the rules whose labels alone vouch for it) for the last prefixes, up to
/// 20 rules.
fn as_compiled(valid_rows: usize, target: f64, confidence: f64) -> OrderParams {
    OrderParams {
        precision: aim(valid_rows as u64, target, confidence),
        floor: rule_floor(target),
        confidence,
        max_rules: 20,
        min_new: 0,
        pinned: 0,
        per_class: false,
        extend_to: Some(target),
    }
}

/// The order on the rank rows (the teacher's out-of-bag view of them
/// tempering their labels, the validation rows read only for where each
/// candidate applies), then the plan and the tests on the validation rows,
/// as the compiler runs them for one decision.
#[allow(clippy::too_many_arguments)]
fn order_and_certify(
    rank_covers: &[Bits],
    rank_truth: &[Bits],
    rank_teacher: &[Vec<f32>],
    valid_covers: &[Bits],
    valid_truth: &[Bits],
    valid_rows: usize,
    target: f64,
    confidence: f64,
) -> (usize, Vec<rulec::select::PrefixTest>) {
    let decisions = vec![0u32; rank_covers.len()];
    let order = greedy_order(
        &CoverageTable {
            teacher: Some(rank_teacher),
            answers: Some(valid_covers),
            ..CoverageTable::new(rank_covers, &decisions, rank_truth)
        },
        &as_compiled(valid_rows, target, confidence),
    );
    let valid = CoverageTable::new(valid_covers, &decisions, valid_truth);
    certify_prefix(&order, &valid, target, confidence)
}

#[test]
fn choosing_among_many_candidates_on_training_rows_keeps_the_promise() {
    // The whole selection as the compiler runs it: 200 candidates (windows
    // of the data, from slivers to halves) are ordered by `greedy_order` on
    // training rows, then a prefix is certified on validation rows. Every
    // row is right with probability just below the target, so every set is
    // below it and any certification is false. The order picks the
    // candidates that look best by luck on the training rows; that luck
    // does not carry over to the validation rows, which is why the promise
    // holds however the order is chosen. As the compiler does, the order is
    // computed a second time with the hulls of its rules (here the smallest
    // window holding two of its windows) as candidates too.
    let trials = 1500;
    let (target, confidence) = (0.95, 0.95);
    let alpha = 1.0 - confidence;
    for (seed, (rank_rows, valid_rows)) in [(300usize, 200usize), (900, 1000), (3000, 5000)]
        .into_iter()
        .enumerate()
    {
        let mut rng = Rng::derive(seed as u64, 0x0050_4f4f);
        let mut false_certified = 0;
        for _ in 0..trials {
            let windows: Vec<(f64, f64)> = (0..200)
                .map(|_| (rng.f64(), 0.01 + 0.5 * rng.f64() * rng.f64()))
                .collect();
            let (_, rank_truth) = pool_split(&mut rng, rank_rows, &windows, 0.945);
            let (_, valid_truth) = pool_split(&mut rng, valid_rows, &windows, 0.945);
            // As the compiler orders: aimed at what a set of every
            // validation row needs, then held at the target itself for the
            // last prefixes, and skipping
            // candidates that answer no new validation row (where they
            // apply, no label read).
            let order_of = |windows: &[(f64, f64)]| {
                let decisions = vec![0u32; windows.len()];
                greedy_order(
                    &CoverageTable {
                        answers: Some(&covers_of(valid_rows, windows)),
                        ..CoverageTable::new(
                            &covers_of(rank_rows, windows),
                            &decisions,
                            &rank_truth,
                        )
                    },
                    &as_compiled(valid_rows, target, confidence),
                )
            };
            let first = order_of(&windows);
            let mut windows = windows;
            for (j, &a) in first.rules.iter().enumerate() {
                for &b in &first.rules[j + 1..] {
                    let (sa, la) = windows[a];
                    let (sb, lb) = windows[b];
                    let start = sa.min(sb);
                    windows.push((start, (sa + la).max(sb + lb) - start));
                }
            }
            let order = order_of(&windows);
            let valid_covers = covers_of(valid_rows, &windows);
            let decisions = vec![0u32; windows.len()];
            let valid = CoverageTable::new(&valid_covers, &decisions, &valid_truth);
            let (kept, _) = certify_prefix(&order, &valid, target, confidence);
            false_certified += usize::from(kept > 0);
        }
        let share = false_certified as f64 / trials as f64;
        assert!(
            share <= limit(alpha, trials),
            "{rank_rows} training rows, {valid_rows} validation rows: certified {share} of the time"
        );
    }
}

/// How often a validation row is right in
/// `rules_the_training_labels_vouch_for_still_face_the_exact_test`: below
/// the 95 % target, so every certification is false. At 0.96 (above it)
/// the same trials certify 560 of 1,500 and the test fails.
const VALID_RIGHT: f64 = 0.945;

#[test]
fn rules_the_training_labels_vouch_for_still_face_the_exact_test() {
    // The truth floor (in `greedy_order`) lets the true labels of the
    // training rows outweigh a doubting teacher. Here they flatter: the
    // rank rows are right 99.5 % of the time, the teacher believes 0.6
    // on every training row, and the validation rows,
    // like the rows the rules will meet, are right 94.5 % of the time,
    // below the 95 % target. The floor puts rules in the order and the
    // plan tests them; the exact test on the validation rows still
    // certifies at most `1 - confidence` of the time.
    let trials = 1500;
    let (target, confidence) = (0.95, 0.95);
    let alpha = 1.0 - confidence;
    let (rank_rows, valid_rows) = (3000usize, 1000usize);
    let mut rng = Rng::derive(7, 0x464c_4f52);
    let (mut false_certified, mut tested) = (0usize, 0usize);
    let doubt = |n: usize| -> Vec<Vec<f32>> { vec![vec![0.6; n], vec![0.4; n]] };
    let rank_teacher = doubt(rank_rows);
    for _ in 0..trials {
        let windows: Vec<(f64, f64)> = (0..50)
            .map(|_| (rng.f64(), 0.05 + 0.5 * rng.f64()))
            .collect();
        let (rank_covers, rank_truth) = pool_split(&mut rng, rank_rows, &windows, 0.995);
        let (valid_covers, valid_truth) = pool_split(&mut rng, valid_rows, &windows, VALID_RIGHT);
        let (kept, tests) = order_and_certify(
            &rank_covers,
            &rank_truth,
            &rank_teacher,
            &valid_covers,
            &valid_truth,
            valid_rows,
            target,
            confidence,
        );
        tested += usize::from(!tests.is_empty());
        false_certified += usize::from(kept > 0);
    }
    let share = false_certified as f64 / trials as f64;
    eprintln!(
        "tested in {tested} of {trials} trials, certified {false_certified} at VALID_RIGHT = {VALID_RIGHT}"
    );
    // The floor did its part: without it the teacher's 0.6 keeps every
    // rule out and nothing is tested.
    assert!(tested > trials * 9 / 10, "tested in {tested} of {trials}");
    assert!(
        share <= limit(alpha, trials),
        "certified {share} of the time"
    );
}

#[test]
fn wilson_would_break_the_promise_this_test_checks() {
    // The check above can fail: at 52 rows, a flawless sample of a set at
    // exactly 0.95 passes Wilson's bound, which happens 0.95^52 = 6.9 % of
    // the time, above the 5 % promised and above this test's limit.
    let trials = 20_000;
    let mut rng = Rng::derive(7, 1);
    let passes = (0..trials)
        .filter(|_| {
            let correct = (0..52).filter(|_| rng.chance(0.95)).count() as u64;
            rulec_runtime::stats::wilson_lower(correct, 52, 0.95) >= 0.95
        })
        .count();
    let share = passes as f64 / trials as f64;
    assert!(share > limit(0.05, trials), "{share}");
}

/// Validation rows of rules that each decide a class: rule `i` decides
/// `classes[i]` on its own block of `rows[i]` rows, right with probability
/// `precision[i]`. Returns the covers and, per class, where deciding it is
/// right.
fn class_blocks(
    rng: &mut Rng,
    rows: &[usize],
    classes: &[u32],
    precision: &[f64],
) -> (Vec<Bits>, Vec<Bits>) {
    let n: usize = rows.iter().sum();
    let mut truth = vec![Bits::new(n), Bits::new(n)];
    let mut covers = Vec::new();
    let mut start = 0;
    for i in 0..rows.len() {
        let mut cover = Bits::new(n);
        let class = classes[i] as usize;
        for r in start..start + rows[i] {
            cover.set(r);
            let right = rng.chance(precision[i]);
            truth[if right { class } else { 1 - class }].set(r);
        }
        covers.push(cover);
        start += rows[i];
    }
    (covers, truth)
}

#[test]
fn certify_class_keeps_every_class_at_the_target() {
    // Three rules: class A at 99 %, class B exactly at the target, A again
    // at 97 %. The set as a whole is well above the target, so certifying
    // the set is right to pass it; but any certified prefix that includes
    // B's rule claims B reaches the target, which is false at the boundary.
    // The training estimates flatter B (99 %), so the plan tests it.
    // Validation sizes from 24 to 6,000 rows.
    let (target, confidence) = (0.95, 0.95);
    let alpha = 1.0 - confidence;
    let trials = 3000;
    let classes = [0u32, 1, 0];
    let precision = [0.99, target, 0.97];
    for (seed, rows) in [
        [12usize, 6, 6],
        [60, 40, 40],
        [300, 150, 200],
        [3000, 1500, 1500],
    ]
    .into_iter()
    .enumerate()
    {
        let mut rng = Rng::derive(seed as u64, 0x0043_4c53);
        let order = Order {
            rules: vec![0, 1, 2],
            estimated_precision: vec![0.99, 0.99, 0.985],
            gains: vec![(200, 198.0), (100, 99.0), (100, 97.0)],
            ..Order::default()
        };
        let (mut class_false, mut set_passed_b, mut a_kept) = (0usize, 0usize, 0usize);
        for _ in 0..trials {
            let (covers, truth) = class_blocks(&mut rng, &rows, &classes, &precision);
            let table = CoverageTable::new(&covers, &classes, &truth);
            let (kept, tests) = certify_classes(&order, &table, target, confidence);
            class_false += usize::from(kept >= 2);
            a_kept += usize::from(kept >= 1);
            // Every passed test names each of its classes, each passed.
            for t in tests.iter().filter(|t| t.passed) {
                assert!(t.classes.iter().all(|c| c.passed && c.support > 0));
            }
            let (set_kept, _) = certify_prefix(&order, &table, target, confidence);
            set_passed_b += usize::from(set_kept >= 2);
        }
        let share = class_false as f64 / trials as f64;
        assert!(
            share <= limit(alpha, trials),
            "rows {rows:?}: class B certified {share} of the time"
        );
        // The set test is not wrong to pass these sets (their precision is
        // above the target), and with enough rows it does: the class test
        // is what keeps B out.
        if seed == 3 {
            let set_share = set_passed_b as f64 / trials as f64;
            assert!(
                set_share > 0.9,
                "the set passed B's rule {set_share} of the time"
            );
            // Not vacuous: A's rule alone is certified nearly always.
            let a_share = a_kept as f64 / trials as f64;
            assert!(a_share > 0.9, "A's rule certified {a_share} of the time");
        }
    }
}

#[test]
fn the_whole_compile_on_labels_below_the_target_everywhere_keeps_the_promise() {
    // The compiler end to end, candidates and all: both sizes of distilled
    // trees (leaves of 4 x --min-leaf rows and of --min-leaf), the shifted
    // thresholds, the hulls, the order and the plan. Every row is "yes"
    // with probability 0.94, whatever its features, so every rule that
    // decides "yes" is right on 94 % of the rows it answers in truth, and
    // one that decides "no" on 6 %: any certification at 0.95 is false.
    // The fine trees' small leaves fit the noise of the rows they learn
    // from; the order and the plan see none of the validation labels, so
    // that luck does not carry over.
    use std::fmt::Write as _;

    // Each row's chance of "yes". Set above the target (0.96), the same
    // compiles certify 26 of 120 and this test fails, as it should.
    const P_YES: f64 = 0.94;
    let trials = 120;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("noise.csv");
    let mut certified = 0;
    for trial in 0..trials {
        let mut rng = Rng::derive(trial as u64, 0x4e4f_4953);
        let mut csv = String::from("x,z,c,y,split\n");
        for i in 0..2000 {
            let split = split_of(i);
            let _ = writeln!(
                csv,
                "{:.4},{:.4},k{},{},{split}",
                rng.f64(),
                rng.normal(),
                rng.below(8),
                if rng.chance(P_YES) { "yes" } else { "no" }
            );
        }
        let set = compile_csv(&path, &csv, trial as u64);
        certified += usize::from(!set.rules.is_empty());
    }
    let share = certified as f64 / trials as f64;
    // The book quotes this line (`-- --nocapture` shows it).
    eprintln!("certified {certified} of {trials} at P_YES = {P_YES}");
    assert!(
        share <= limit(0.05, trials),
        "certified {certified} of {trials} sets whose precision is {P_YES} at a target of 0.95"
    );
}

#[test]
fn the_whole_compile_choosing_the_confidence_order_keeps_the_promise() {
    // The compiler end to end where the teacher has something to be sure
    // of: "yes" with chance P_RIGHT where x < 0.5, "no" with chance P_RIGHT
    // elsewhere. The teacher's probabilities follow x, so the tree on them
    // offers leaves it is confident in everywhere, and the confidence order
    // (`select::confidence_order`) competes with the greedy one; but no
    // rule is right on more than P_RIGHT of the rows it answers in truth,
    // so any certification at 0.95 is false. Which order is tested is
    // chosen before any validation label is read; the fixed sequence on it
    // keeps the promise.

    // Set above the target (0.97), the same compiles certify 56 of 120,
    // 53 of them on the confidence order, and this test fails, as it
    // should. At 0.94 the confidence order is the one tested in 3 of 120.
    const P_RIGHT: f64 = 0.94;
    let trials = 120;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sure.csv");
    let (mut certified, mut confident) = (0, 0);
    for trial in 0..trials {
        let csv = rows_by_x(Rng::derive(trial as u64, 0x5355_5245), |rng, x| {
            (x < 0.5) == rng.chance(P_RIGHT)
        });
        let set = compile_csv(&path, &csv, trial as u64);
        certified += usize::from(!set.rules.is_empty());
        let choice = set
            .certification
            .order
            .expect("a set guarantee on a class target chooses between two orders");
        confident += usize::from(choice.taken == rulec_runtime::ir::OrderKind::Confidence);
    }
    let share = certified as f64 / trials as f64;
    eprintln!(
        "certified {certified} of {trials} at P_RIGHT = {P_RIGHT}; the confidence order taken in {confident}"
    );
    assert!(
        share <= limit(0.05, trials),
        "certified {certified} of {trials} sets whose precision is at most {P_RIGHT} at a target of 0.95"
    );
    // Not vacuous: the new order is the one tested in some of the compiles.
    assert!(confident > 0, "the confidence order was never tested");
}

#[test]
fn the_whole_compile_per_class_choosing_the_confidence_order_keeps_every_class_at_the_target() {
    // `--certify class` end to end, where the teacher is sure on both
    // sides: "yes" with chance 0.99 where x < 0.5, "no" with chance P_NO
    // elsewhere. A set of rules of both classes can pass as a whole (about
    // 0.965), but "no" is below the target, so any certified rule deciding
    // "no" is a false certification of that class. Both orders, the
    // greedy one and the confidence order, are built and one is chosen
    // before any validation label is read; every class's test runs on it.
    use rulec::params::Certify;

    // Set above the target (0.97), the same compiles certify "no" rules
    // in 28 of 120 (the confidence order tested in 47), and this test
    // fails, as it should. At 0.94: "no" in 1, "yes" in 110, the
    // confidence order tested in 9.
    const P_NO: f64 = 0.94;
    let trials = 120;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("classes.csv");
    let (mut no_certified, mut yes_certified, mut confident) = (0, 0, 0);
    for trial in 0..trials {
        let csv = rows_by_x(Rng::derive(trial as u64, 0x434c_4153), |rng, x| {
            if x < 0.5 {
                rng.chance(0.99)
            } else {
                !rng.chance(P_NO)
            }
        });
        std::fs::write(&path, &csv).unwrap();
        let params = rulec::params::CompileParams {
            certify: Certify::Class,
            ..sim_params(trial as u64)
        }
        .check()
        .unwrap();
        let set = rulec::pipeline::compile(&path, &params, &rulec::progress::Silent)
            .unwrap()
            .rules;
        no_certified += usize::from(set.rules.iter().any(|r| r.decision == "no"));
        yes_certified += usize::from(set.rules.iter().any(|r| r.decision == "yes"));
        let choice = set
            .certification
            .order
            .expect("a per-class guarantee on a class target chooses between two orders");
        confident += usize::from(choice.taken == rulec_runtime::ir::OrderKind::Confidence);
    }
    let share = no_certified as f64 / trials as f64;
    eprintln!(
        "certified \"no\" in {no_certified} and \"yes\" in {yes_certified} of {trials} at P_NO = {P_NO}; the confidence order taken in {confident}"
    );
    assert!(
        share <= limit(0.05, trials),
        "certified \"no\" rules (precision {P_NO}) in {no_certified} of {trials} compiles at a target of 0.95 per class"
    );
    // Not vacuous: "yes" is right on 99 % and is certified nearly always,
    // and the confidence order is the one tested in some of the compiles.
    assert!(
        yes_certified > trials * 9 / 10,
        "\"yes\" certified in {yes_certified} of {trials}"
    );
    assert!(confident > 0, "the confidence order was never tested");
}

/// The whole compile on rows each written 4 times (500 records, 2,000
/// rows), labels as in the test above ("yes" with chance 0.94 whatever the
/// features), split by rulec itself: copies of one record on both sides of
/// the split made validation rows the teacher and the rules had seen, and
/// a rule fitted to a record's copies was right on its validation copies
/// too. rulec's split keeps the copies of a row on its side, so the
/// validation rows are new ones and the promise holds.
#[test]
fn the_whole_compile_on_records_written_several_times_keeps_the_promise() {
    records_written_four_times(false, Copies::Exact);
}

/// The same records with a split column of the user's, drawn row by row,
/// so that copies of a record fall on both sides: certification leaves
/// out the validation rows a training row repeats and counts each other
/// record once (counting them all, 41 of 200 such compiles passed).
#[test]
fn records_written_several_times_across_a_split_column_keep_the_promise() {
    records_written_four_times(true, Copies::Exact);
}

/// The same records, each copy with a row number of its own (an `id`),
/// or a time stamp written to the millisecond (a `t` a little apart on
/// each copy): copies compared on every column were not found, and noise
/// sets at 0.94 passed 0.95 on about 20 % of compiles. A column that holds
/// a value per row is left out of the comparison.
#[test]
fn records_written_several_times_with_a_row_number_or_time_stamp_keep_the_promise() {
    records_written_four_times(false, Copies::WithId);
    records_written_four_times(false, Copies::Stamped);
}

/// Records whose label is "yes" with chance 0.94, those labelled "no"
/// written 5 times and the others once (a fifth of the rows are such
/// copies, under the one in 4 that marked records at first): the rules
/// fitted to the training copies carve those records out, and their
/// validation copies with them, so the validation rows looked right far
/// more often than new records are. Split by rulec, or by a split column
/// drawn row by row: 100 compiles each at 0.95.
#[test]
fn wrong_records_written_five_times_keep_the_promise() {
    for split_column in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wrong.csv");
        let trials = 100;
        let mut certified = 0;
        for trial in 0..trials {
            let mut rng = Rng::derive(trial as u64, 0x5752_4f4e);
            let mut rows: Vec<String> = Vec::new();
            for _ in 0..1500 {
                let yes = rng.chance(0.94);
                let row = format!(
                    "{:.4},{:.4},k{},{}",
                    rng.f64(),
                    rng.normal(),
                    rng.below(8),
                    if yes { "yes" } else { "no" }
                );
                for _ in 0..if yes { 1 } else { 5 } {
                    rows.push(row.clone());
                }
            }
            rng.shuffle(&mut rows);
            let mut csv = String::from(if split_column {
                "x,z,c,y,split\n"
            } else {
                "x,z,c,y\n"
            });
            for (i, row) in rows.iter().enumerate() {
                csv.push_str(row);
                if split_column {
                    csv.push(',');
                    csv.push_str(split_of(i));
                }
                csv.push('\n');
            }
            std::fs::write(&path, csv).unwrap();
            certified += usize::from(certifies_y(&path, split_column, trial as u64));
        }
        eprintln!(
            "certified {certified} of {trials} with the wrong records written 5 times (split column: {split_column})"
        );
        assert!(
            certified as f64 / trials as f64 <= limit(0.05, trials),
            "certified {certified} of {trials} sets right on 94 % of records (split column: {split_column})"
        );
    }
}

/// Whether a compile of `path` (target `y`, by its `split` column when
/// `split_column`) at 0.95 with 10 trees and `seed` certifies any rule.
fn certifies_y(path: &std::path::Path, split_column: bool, seed: u64) -> bool {
    let params = rulec::params::CompileParams {
        target: "y".into(),
        split_column: split_column.then(|| "split".to_string()),
        precision: 0.95,
        confidence: 0.95,
        n_trees: 10,
        seed,
        cache_dir: None,
        ..rulec::params::CompileParams::default()
    }
    .check()
    .unwrap();
    let set = rulec::pipeline::compile(path, &params, &rulec::progress::Silent)
        .unwrap()
        .rules;
    !set.rules.is_empty()
}

/// How the copies of a record differ in [`records_written_four_times`].
#[derive(Clone, Copy, Debug)]
enum Copies {
    /// Not at all.
    Exact,
    /// In an `id` column, the row's number.
    WithId,
    /// In a `t` column, the record's time plus up to a second, in
    /// milliseconds.
    Stamped,
}

/// 100 compiles of 500 records each written 4 times, labels "yes" with
/// chance 0.94 whatever the features; split by rulec, or by a `split`
/// column drawn row by row; the copies differing as `copies` says.
/// Asserts the share certified at 0.95.
fn records_written_four_times(split_column: bool, copies: Copies) {
    use std::fmt::Write as _;
    const P_YES: f64 = 0.94;
    let trials = 100;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("copies.csv");
    let mut certified = 0;
    for trial in 0..trials {
        let mut rng = Rng::derive(trial as u64, 0x434f_5049);
        // The stamps from an rng of their own: the other cells are those of
        // the exact copies.
        let mut stamp_rng = Rng::derive(trial as u64, 0x5354_414d);
        let records: Vec<(String, u64)> = (0..500)
            .map(|_| {
                (
                    format!(
                        "{:.4},{:.4},k{},{}",
                        rng.f64(),
                        rng.normal(),
                        rng.below(8),
                        if rng.chance(P_YES) { "yes" } else { "no" }
                    ),
                    1_700_000_000_000 + stamp_rng.below(1_000_000_000) as u64,
                )
            })
            .collect();
        let mut order: Vec<usize> = (0..2000).map(|i| i % 500).collect();
        rng.shuffle(&mut order);
        let mut csv = String::from("x,z,c,y");
        match copies {
            Copies::Exact => {}
            Copies::WithId => csv.push_str(",id"),
            Copies::Stamped => csv.push_str(",t"),
        }
        csv.push_str(if split_column { ",split\n" } else { "\n" });
        let mut stamps = std::collections::HashSet::new();
        for (i, r) in order.into_iter().enumerate() {
            csv.push_str(&records[r].0);
            match copies {
                Copies::Exact => {}
                Copies::WithId => {
                    let _ = write!(csv, ",{i}");
                }
                Copies::Stamped => {
                    // Up to a second after the record's time, on no other row.
                    let mut t = records[r].1 + stamp_rng.below(1000) as u64;
                    while !stamps.insert(t) {
                        t += 1;
                    }
                    let _ = write!(csv, ",{t}");
                }
            }
            if split_column {
                let _ = write!(csv, ",{}", split_of(i));
            }
            csv.push('\n');
        }
        std::fs::write(&path, csv).unwrap();
        certified += usize::from(certifies_y(&path, split_column, trial as u64));
    }
    eprintln!(
        "certified {certified} of {trials} records written 4 times ({copies:?}) at P_YES = {P_YES} (split column: {split_column})"
    );
    assert!(
        certified as f64 / trials as f64 <= limit(0.05, trials),
        "certified {certified} of {trials} sets whose precision is {P_YES} at a target of 0.95 ({copies:?})"
    );
}

/// Compiles `csv` (columns and a `split` column; target `y`) at 0.95 with
/// seed `seed` and the defaults, and returns the rule set.
/// 2,000 rows of `x` (uniform), `z` (normal), `c` (eight categories) and
/// `y`, "yes" where `yes(rng, x)` says so, in the splits of [`split_of`]:
/// the tables of the whole-compile tests whose teacher is sure along `x`.
fn rows_by_x(mut rng: Rng, yes: impl Fn(&mut Rng, f64) -> bool) -> String {
    use std::fmt::Write as _;
    let mut csv = String::from("x,z,c,y,split\n");
    for i in 0..2000 {
        let split = split_of(i);
        let x = rng.f64();
        let y = if yes(&mut rng, x) { "yes" } else { "no" };
        let _ = writeln!(
            csv,
            "{x:.4},{:.4},k{},{y},{split}",
            rng.normal(),
            rng.below(8),
        );
    }
    csv
}

fn compile_csv(path: &std::path::Path, csv: &str, seed: u64) -> rulec_runtime::RuleSet {
    compile_csv_with(path, csv, seed, &rulec::progress::Silent)
}

/// [`compile_csv`], its progress lines to `progress`.
fn compile_csv_with(
    path: &std::path::Path,
    csv: &str,
    seed: u64,
    progress: &dyn rulec::progress::Progress,
) -> rulec_runtime::RuleSet {
    std::fs::write(path, csv).unwrap();
    let params = sim_params(seed).check().unwrap();
    rulec::pipeline::compile(path, &params, progress)
        .unwrap()
        .rules
}

/// The options of the whole-compile simulations: target `y`, the split
/// column `split`, 0.95 at 95 % confidence, a forest of 10 trees.
fn sim_params(seed: u64) -> rulec::params::CompileParams {
    rulec::params::CompileParams {
        target: "y".into(),
        split_column: Some("split".into()),
        precision: 0.95,
        confidence: 0.95,
        n_trees: 10,
        seed,
        cache_dir: None,
        ..rulec::params::CompileParams::default()
    }
}

/// Keeps the progress lines of a compile.
#[derive(Default)]
struct Lines(std::sync::Mutex<Vec<String>>);

impl rulec::progress::Progress for Lines {
    fn line(&self, text: &str) {
        self.0.lock().unwrap().push(text.to_string());
    }
}

/// 2,000 rows where `y` is "yes" with chance `inside` where `a + b > 1`
/// (with `subtract`, where `a - b > 0`) and with chance 0.3 elsewhere: the
/// sum separates the labels far better than `a` or `b` alone, so the
/// candidate trees cut it.
fn sum_rows(rng: &mut Rng, inside: f64, subtract: bool) -> String {
    use std::fmt::Write as _;
    let mut csv = String::from("a,b,z,y,split\n");
    for i in 0..2000 {
        let (a, b) = (rng.f64(), rng.f64());
        let region = if subtract { a - b > 0.0 } else { a + b > 1.0 };
        let p = if region { inside } else { 0.3 };
        let _ = writeln!(
            csv,
            "{a:.4},{b:.4},{:.4},{},{}",
            rng.normal(),
            if rng.chance(p) { "yes" } else { "no" },
            split_of(i)
        );
    }
    csv
}

/// 2,000 rows where `y` is "yes" with chance `inside` where `a + b > 1`
/// and `a - c > 0` both hold, with chance 0.06 elsewhere: a total and a
/// margin both tell, and the candidate trees get a plain sum and one that
/// subtracts.
fn total_and_margin_rows(rng: &mut Rng, inside: f64) -> String {
    use std::fmt::Write as _;
    let mut csv = String::from("a,b,c,z,y,split\n");
    for i in 0..2000 {
        let (a, b, c) = (rng.f64(), rng.f64(), rng.f64());
        let p = if a + b > 1.0 && a - c > 0.0 {
            inside
        } else {
            0.06
        };
        let _ = writeln!(
            csv,
            "{a:.4},{b:.4},{c:.4},{:.4},{},{}",
            rng.normal(),
            if rng.chance(p) { "yes" } else { "no" },
            split_of(i)
        );
    }
    csv
}

#[test]
fn rules_with_a_sum_and_a_difference_offered_together_keep_the_promise() {
    // Inside both regions every row is "yes" with chance 0.94, elsewhere
    // with chance 0.06: every rule is right on at most 94 % of the rows it
    // answers in truth, whichever class it decides, so any certification
    // at 0.95 is false. At 0.985 on both sides instead, the same compiles
    // certify 94 of 120 and this test fails, as it should. The trees are offered two
    // sums at once (the compile says so), and the order and plan still see
    // none of the validation labels.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("both.csv");
    let mut rng = Rng::derive(0, 0x424f_5448);
    let lines = Lines::default();
    compile_csv_with(&path, &total_and_margin_rows(&mut rng, 0.94), 0, &lines);
    let offered = lines
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|l| {
            l.starts_with("propose: the trees may also cut the sum")
                || l.starts_with("propose: the trees may also cut the difference")
        })
        .count();
    assert_eq!(offered, 2, "{:?}", lines.0.lock().unwrap());
    let trials = 120;
    let mut certified = 0;
    for trial in 0..trials {
        let mut rng = Rng::derive(trial as u64, 0x424f_5448);
        let set = compile_csv(&path, &total_and_margin_rows(&mut rng, 0.94), trial as u64);
        certified += usize::from(!set.rules.is_empty());
    }
    eprintln!("certified {certified} of {trials} with 0.94 inside a + b > 1 and a - c > 0");
    assert!(
        certified as f64 / trials as f64 <= limit(0.05, trials),
        "certified {certified} of {trials} sets whose precision is at most 0.94 at a target of 0.95"
    );
}

#[test]
fn rules_on_a_sum_of_columns_keep_the_promise() {
    sums_keep_the_promise(false);
}

#[test]
fn rules_on_a_difference_of_columns_keep_the_promise() {
    sums_keep_the_promise(true);
}

fn sums_keep_the_promise(subtract: bool) {
    // Where `a + b > 1` (or `a - b > 0`) every row is "yes" with chance
    // 0.94, elsewhere with chance 0.3: every rule deciding "yes" is right
    // on at most 94 % of the rows it answers in truth, every rule deciding
    // "no" on at most 70 %, so any certification at 0.95 is false. The
    // candidate trees cut the sum (with every row inside "yes", the same
    // data certify a rule testing it), its thresholds are shifted to purer
    // cores on the fit rows, and the order and plan still see none of the
    // validation labels.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sum.csv");
    let mut rng = Rng::derive(0, 0x5355_4d53);
    let easy = compile_csv(&path, &sum_rows(&mut rng, 1.0, subtract), 0);
    let expected = if subtract { (1, 1) } else { (2, 0) };
    assert!(
        easy.rules
            .iter()
            .any(|r| r.conditions.iter().any(|c| matches!(
                c,
                rulec_runtime::ir::Condition::Sum { features, minus, .. }
                    if (features.len(), minus.len()) == expected
            ))),
        "with every row inside \"yes\", a rule should test the sum:\n{easy}"
    );
    let trials = 120;
    let mut certified = 0;
    for trial in 0..trials {
        let mut rng = Rng::derive(trial as u64, 0x5355_4d53);
        let set = compile_csv(&path, &sum_rows(&mut rng, 0.94, subtract), trial as u64);
        certified += usize::from(!set.rules.is_empty());
    }
    let region = if subtract { "a - b > 0" } else { "a + b > 1" };
    eprintln!("certified {certified} of {trials} with 0.94 inside {region}");
    assert!(
        certified as f64 / trials as f64 <= limit(0.05, trials),
        "certified {certified} of {trials} sets whose precision is at most 0.94 at a target of 0.95"
    );
}

/// Rows whose chance of being right differs from row to row, and a
/// teacher that knows each row's chance (a calibrated teacher: its belief
/// is that chance). `easy` of the rows are always right, the others with
/// chance `hard`. Returns per row the chance, and the rows right and
/// wrong (the labels drawn from it).
fn hard_and_easy(rng: &mut Rng, n: usize, easy: f64, hard: f64) -> (Vec<f32>, Bits, Bits) {
    let (mut chance, mut right, mut wrong) = (Vec::with_capacity(n), Bits::new(n), Bits::new(n));
    for r in 0..n {
        let p = if rng.chance(easy) { 1.0 } else { hard };
        chance.push(p as f32);
        if rng.chance(p) {
            right.set(r);
        } else {
            wrong.set(r);
        }
    }
    (chance, right, wrong)
}

#[test]
fn a_teacher_that_knows_the_hard_rows_does_not_choose_the_validation_rows() {
    // What shapes the order and the plan may read where the candidates
    // apply on the validation rows, never their labels, and never the
    // teacher's view of them either: a good teacher's belief at a row says
    // much of its label. Here it says all there is to say, it is the row's
    // own chance of being right, and every window of rows is right 94.5 %
    // of the time on new rows (three rows in four always right, the others
    // 78 % of the time; or 86.25 % always, the others 60 %), below the 95 %
    // target, so any certification is false. The teacher's view of the
    // training rows tempers the order, as the compiler does; the tests run
    // on validation rows that nothing chose: 20 to 31 of 1,000 trials are
    // certified. When the order and the plan also read the teacher's view
    // of the validation rows (as they did up to commit 8f2a602, where
    // `CoverageTable::beliefs` and the plan's `teacher` took it), they
    // chose sets whose rows at hand were easy, and the same trials
    // certified 56, 118 and 85 of 1,000 with the first mix and 239, 210
    // and 140 with the second: up to five times the 5 % promised.
    let trials = 1000;
    let (target, confidence) = (0.95, 0.95);
    let alpha = 1.0 - confidence;
    for (mix, (easy, hard)) in [(0.75, 0.78), (0.8625, 0.6)].into_iter().enumerate() {
        for (size, (rank_rows, valid_rows)) in [(300usize, 150usize), (600, 400), (1500, 1000)]
            .into_iter()
            .enumerate()
        {
            let mut rng = Rng::derive((3 * mix + size) as u64, 0x4841_5244);
            let mut certified = 0usize;
            for _ in 0..trials {
                let windows: Vec<(f64, f64)> = (0..200)
                    .map(|_| (rng.f64(), 0.01 + 0.3 * rng.f64() * rng.f64()))
                    .collect();
                let (rank_chance, rank_right, rank_wrong) =
                    hard_and_easy(&mut rng, rank_rows, easy, hard);
                let (_, valid_right, valid_wrong) = hard_and_easy(&mut rng, valid_rows, easy, hard);
                let rank_teacher = vec![
                    rank_chance.clone(),
                    rank_chance.iter().map(|b| 1.0 - b).collect(),
                ];
                let rank_truth = vec![rank_right, rank_wrong];
                let valid_truth = vec![valid_right, valid_wrong];
                let (kept, _) = order_and_certify(
                    &covers_of(rank_rows, &windows),
                    &rank_truth,
                    &rank_teacher,
                    &covers_of(valid_rows, &windows),
                    &valid_truth,
                    valid_rows,
                    target,
                    confidence,
                );
                certified += usize::from(kept > 0);
            }
            eprintln!(
                "easy {easy}, hard {hard}, {rank_rows} rank rows, {valid_rows} validation rows: certified {certified} of {trials}"
            );
            let share = certified as f64 / trials as f64;
            assert!(
                share <= limit(alpha, trials),
                "easy {easy}, hard {hard}, {valid_rows} validation rows: certified {share} of the time"
            );
        }
    }
}
