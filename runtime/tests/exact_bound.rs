//! The exact binomial statistics in `rulec_runtime::stats`: reference values
//! computed elsewhere, the exactness of the Clopper-Pearson bound checked by
//! enumerating every outcome, its monotonicity, and its duality with the
//! exact p-value.

use rulec_runtime::stats::{
    binomial_upper_tail, clopper_pearson_lower, exact_min_rows, exact_p_value, wilson_lower,
};

/// `(k, n, p, P(X >= k))` for X ~ Binomial(n, p).
///
/// Computed in Python with mpmath at 50 significant digits by summing the
/// binomial pmf term by term (from k upwards when k > np, else 1 minus the
/// sum below k) until a term fell below 1e-45 of the sum; `p` is the exact
/// binary value of the f64 literal. `scipy.stats.binom.sf(k - 1, n, p)`
/// (scipy 1.17.1) agreed to 1e-12 relative or better everywhere except
/// (10, 10^7, 1e-6), where scipy is 2.4e-10 off.
const TAILS: &[(u64, u64, f64, f64)] = &[
    (1, 1, 0.5, 0.5),
    (3, 5, 0.3, 0.16308),
    (5, 5, 0.9, 0.5904900000000001),
    (15, 20, 0.5, 0.020694732666015625),
    (1, 20, 0.01, 0.18209306240276912),
    (20, 20, 0.95, 0.3584859224085419),
    (50, 52, 0.95, 0.5145695221630198),
    (52, 52, 0.95, 0.06944284018723361),
    (570, 600, 0.95, 0.5483674385901397),
    (590, 600, 0.95, 1.5682169982365653e-5),
    (50, 100, 0.1, 5.83203878573436e-24),
    (95_200, 100_000, 0.95, 0.0018013236697111985),
    (96_000, 100_000, 0.95, 3.5985933037097834e-51),
    (949_000, 1_000_000, 0.95, 0.9999976405498918),
    (950_500, 1_000_000, 0.95, 0.010872176589639551),
    (952_000, 1_000_000, 0.95, 1.3210565609612964e-20),
    (1, 1_000_000, 1e-7, 0.0951625864882278),
    (9_501_000, 10_000_000, 0.95, 0.0734641084060292),
    (10, 10_000_000, 1e-6, 0.5420703480832011),
];

/// `(successes, trials, confidence, bound)` for the one-sided
/// Clopper-Pearson lower bound.
///
/// Computed in Python with mpmath at 50 digits: bisection to a relative
/// width of 1e-22 of the tail sum above for P(X >= c | p) = 1 - C, started
/// from `scipy.stats.beta.ppf(1 - C, c, n - c + 1)` (scipy 1.17.1), which
/// agreed to 2.2e-16 relative or better. `1 - C` is taken from the exact
/// binary value of the f64 `C`, as the Rust code does.
const BOUNDS: &[(u64, u64, f64, f64)] = &[
    (1, 1, 0.95, 0.050000000000000044),
    (3, 5, 0.95, 0.18925537743777085),
    (5, 5, 0.95, 0.5492802716530589),
    (1, 20, 0.95, 0.002561378776530283),
    (19, 20, 0.95, 0.7838938357931527),
    (20, 20, 0.9, 0.8912509381337456),
    (50, 52, 0.95, 0.8838325368196636),
    (51, 52, 0.95, 0.9119910692428065),
    (52, 52, 0.95, 0.9440178198737644),
    (570, 600, 0.95, 0.9327902653033773),
    (594, 600, 0.99, 0.9758886539173222),
    (95_000, 100_000, 0.95, 0.9488516780529904),
    (99_990, 100_000, 0.99, 0.9997985634157721),
    (1, 1_000_000, 0.95, 5.129329307204958e-8),
    (999_000, 1_000_000, 0.95, 0.9989464251225456),
    (500_000, 1_000_000, 0.99, 0.49883632792948507),
    (9_990_000, 10_000_000, 0.95, 0.99898340242933),
];

/// Asserts that `got` is within `rel` of `want`, relative to `want`.
fn check_close(got: f64, want: f64, rel: f64, what: &str) {
    let err = (got - want).abs() / want.abs();
    assert!(
        err <= rel,
        "{what}: got {got:e}, want {want:e}, relative error {err:.1e}"
    );
}

#[test]
fn tail_matches_reference_values() {
    for &(k, n, p, want) in TAILS {
        let got = binomial_upper_tail(k, n, p);
        check_close(got, want, 1e-11, &format!("P(X >= {k}), n = {n}, p = {p}"));
        // The p-value is the same tail under another name.
        assert_eq!(exact_p_value(k, n, p), got);
    }
}

#[test]
fn bound_matches_reference_values() {
    for &(c, n, conf, want) in BOUNDS {
        let got = clopper_pearson_lower(c, n, conf);
        check_close(got, want, 1e-14, &format!("bound for {c}/{n} at {conf}"));
        // Rounded down, never up: the bound must not promise too much.
        assert!(
            got <= want * (1.0 + 1e-15),
            "{c}/{n} at {conf}: {got} above {want}"
        );
    }
}

#[test]
fn edge_cases_are_exact() {
    // k = 0 is certain and k > n impossible, whatever p.
    for p in [0.0, 0.3, 1.0] {
        assert_eq!(binomial_upper_tail(0, 7, p), 1.0);
        assert_eq!(binomial_upper_tail(8, 7, p), 0.0);
    }
    assert_eq!(binomial_upper_tail(0, 0, 0.5), 1.0);
    assert_eq!(binomial_upper_tail(1, 0, 0.5), 0.0);
    assert_eq!(binomial_upper_tail(3, 7, 0.0), 0.0);
    assert_eq!(binomial_upper_tail(3, 7, 1.0), 1.0);
    check_close(
        binomial_upper_tail(7, 7, 0.5),
        0.5_f64.powi(7),
        1e-15,
        "0.5^7",
    );

    // No rows and no successes prove nothing, as for Wilson.
    assert_eq!(clopper_pearson_lower(0, 0, 0.95), 0.0);
    assert_eq!(wilson_lower(0, 0, 0.95), 0.0);
    assert_eq!(clopper_pearson_lower(0, 1_000_000, 0.95), 0.0);
    // More successes than trials count as all trials.
    assert_eq!(
        clopper_pearson_lower(9, 5, 0.95),
        clopper_pearson_lower(5, 5, 0.95)
    );
    // A flawless set of n rows solves p^n = 1 - C.
    let bound = clopper_pearson_lower(20, 20, 0.9);
    check_close(bound.powi(20), 0.1, 1e-14, "20/20 at 0.9");

    assert_eq!(exact_p_value(0, 0, 0.95), 1.0);
    assert_eq!(exact_p_value(5, 0, 0.95), 1.0);
    assert_eq!(exact_p_value(0, 10, 0.95), 1.0);
}

#[test]
fn min_rows_match_closed_form() {
    // (precision, confidence, smallest n with precision^n <= 1 - confidence),
    // the last computed in mpmath from the f64 values by counting n up.
    for (precision, confidence, want) in [
        (0.9, 0.95, 29),
        (0.95, 0.95, 59),
        (0.99, 0.95, 299),
        (0.999, 0.95, 2995),
        (0.95, 0.99, 90),
        (0.99, 0.99, 459),
        (0.9, 0.9, 22),
    ] {
        let n = exact_min_rows(precision, confidence);
        assert_eq!(n, want, "rows for {precision} at {confidence}");
        // A flawless set of n rows passes, one of n - 1 rows does not.
        assert!(clopper_pearson_lower(n, n, confidence) >= precision);
        assert!(clopper_pearson_lower(n - 1, n - 1, confidence) < precision);
        assert!(exact_p_value(n, n, precision) <= 1.0 - confidence);
        assert!(exact_p_value(n - 1, n - 1, precision) > 1.0 - confidence);
    }
    // Wilson lets 52 flawless rows through at 0.95 / 0.95; the exact test
    // wants 59.
    assert!(wilson_lower(52, 52, 0.95) >= 0.95);
    assert!(clopper_pearson_lower(58, 58, 0.95) < 0.95);

    assert_eq!(exact_min_rows(1.0, 0.95), u64::MAX);
    assert_eq!(exact_min_rows(0.95, 1.0), u64::MAX);
    assert_eq!(exact_min_rows(f64::NAN, 0.95), u64::MAX);
    assert_eq!(exact_min_rows(0.0, 0.95), 1);
}

/// The pass rate of a certification rule at a true precision of exactly
/// `precision`: the probability, summed exactly over every success count
/// c in 0..=n, that `passes(c)` holds when X ~ Binomial(n, precision).
///
/// The pmf here is built from a table of ln k!, independently of the
/// library's own.
fn pass_rate(n: u64, precision: f64, ln_fact: &[f64], passes: impl Fn(u64) -> bool) -> f64 {
    let (ln_p, ln_q) = (precision.ln(), (1.0 - precision).ln());
    (0..=n)
        .filter(|&c| passes(c))
        .map(|c| {
            let (c_i, n_i) = (c as usize, n as usize);
            let ln_choose = ln_fact[n_i] - ln_fact[c_i] - ln_fact[n_i - c_i];
            (ln_choose + c as f64 * ln_p + (n - c) as f64 * ln_q).exp()
        })
        .sum()
}

#[test]
fn exact_bound_keeps_its_promise_for_every_row_count() {
    const MAX_N: u64 = 300;
    const PRECISIONS: [f64; 3] = [0.9, 0.95, 0.99];
    let mut ln_fact = vec![0.0_f64; MAX_N as usize + 1];
    for k in 1..ln_fact.len() {
        ln_fact[k] = ln_fact[k - 1] + (k as f64).ln();
    }
    let mut wilson_misses = 0;
    for confidence in [0.9, 0.95, 0.99] {
        let alpha = 1.0 - confidence;
        // (worst pass rate, its n) for each precision.
        let mut worst_cp = [(0.0_f64, 0_u64); 3];
        let mut worst_wilson = [(0.0_f64, 0_u64); 3];
        for n in 20..=MAX_N {
            // Every success count's bound, shared by the three precisions.
            let cp: Vec<f64> = (0..=n)
                .map(|c| clopper_pearson_lower(c, n, confidence))
                .collect();
            let wilson: Vec<f64> = (0..=n).map(|c| wilson_lower(c, n, confidence)).collect();
            for (idx, precision) in PRECISIONS.into_iter().enumerate() {
                let rate_cp = pass_rate(n, precision, &ln_fact, |c| cp[c as usize] >= precision);
                assert!(
                    rate_cp <= alpha + 1e-9,
                    "Clopper-Pearson passes {rate_cp} > {alpha} at n = {n}, P = {precision}, C = {confidence}"
                );
                let rate_wilson =
                    pass_rate(n, precision, &ln_fact, |c| wilson[c as usize] >= precision);
                if rate_wilson > alpha + 1e-9 {
                    wilson_misses += 1;
                }
                if rate_cp > worst_cp[idx].0 {
                    worst_cp[idx] = (rate_cp, n);
                }
                if rate_wilson > worst_wilson[idx].0 {
                    worst_wilson[idx] = (rate_wilson, n);
                }
            }
        }
        for (idx, precision) in PRECISIONS.into_iter().enumerate() {
            // P = C = 0.99 needs 459 rows to pass at all.
            println!(
                "P = {precision}, C = {confidence}: highest pass rate for n in 20..={MAX_N}: \
                 Clopper-Pearson {:.6} (n = {}), Wilson {:.6} (n = {})",
                worst_cp[idx].0, worst_cp[idx].1, worst_wilson[idx].0, worst_wilson[idx].1
            );
        }
    }

    // Why the exact bound exists: at 52 rows and a true precision of exactly
    // 0.95, Wilson at 0.95 passes the 0.95^52 = 0.069 of samples that are
    // flawless (51/52 fails), above the promised 5 %.
    let wilson_52 = pass_rate(52, 0.95, &ln_fact, |c| wilson_lower(c, 52, 0.95) >= 0.95);
    check_close(
        wilson_52,
        0.06944284018723361,
        1e-12,
        "Wilson pass rate at n = 52",
    );
    assert!(wilson_52 > 0.05);
    assert!(wilson_misses > 0);
    println!("Wilson broke its promise at {wilson_misses} of the 9 x 281 (P, C, n)");
}

/// Row counts from one row to ten million, for the properties below.
const ROW_COUNTS: [u64; 9] = [1, 2, 7, 52, 600, 4_321, 100_000, 1_000_000, 10_000_000];

/// About `count` success counts (all of them for small n) spread over
/// 0..=n, both ends included.
fn success_counts(n: u64, count: u64) -> impl Iterator<Item = u64> {
    let stride = (n / count).max(1);
    (0..=n).step_by(stride as usize).chain(std::iter::once(n))
}

#[test]
fn bound_grows_with_successes() {
    for n in ROW_COUNTS {
        for confidence in [0.5, 0.9, 0.95, 0.99, 0.999_999] {
            let mut prev = (0, 0.0);
            for c in success_counts(n, 600) {
                let bound = clopper_pearson_lower(c, n, confidence);
                assert!(
                    bound >= prev.1,
                    "{c}/{n} at {confidence}: {bound} below {}/{n}: {}",
                    prev.0,
                    prev.1
                );
                // The bound never exceeds the estimate, nor 1.
                assert!(
                    bound <= c as f64 / n as f64,
                    "{c}/{n} at {confidence}: {bound}"
                );
                prev = (c, bound);
            }
        }
    }
}

#[test]
fn bound_falls_as_confidence_rises() {
    // A grid from 0.01 to 1 - 1e-12, with neighbours 1e-9 apart around the
    // usual levels, so that rounding in the root finder would show.
    let mut confidences = vec![
        0.01,
        0.1,
        0.3,
        0.5,
        0.8,
        0.999,
        0.999_999,
        1.0 - 1e-9,
        1.0 - 1e-12,
    ];
    for conf in [0.9, 0.95, 0.975, 0.99] {
        confidences.extend([conf - 1e-9, conf, conf + 1e-9]);
    }
    confidences.sort_by(f64::total_cmp);
    for n in ROW_COUNTS {
        for c in success_counts(n, 150) {
            let mut prev = (0.0, 1.0);
            for &conf in &confidences {
                let bound = clopper_pearson_lower(c, n, conf);
                assert!(
                    bound <= prev.1,
                    "{c}/{n}: {bound} at {conf} above {} at {}",
                    prev.1,
                    prev.0
                );
                prev = (conf, bound);
            }
        }
    }
}

#[test]
fn bound_solves_the_tail_equation() {
    // Far from the usual levels too: the root finder must not rely on
    // alpha being moderate.
    for n in ROW_COUNTS {
        for c in success_counts(n, 300).filter(|&c| c > 0) {
            for alpha in [0.9, 0.5, 0.05, 1e-3, 1e-10, 1e-50, 1e-200] {
                let bound = clopper_pearson_lower(c, n, 1.0 - alpha);
                let confidence = 1.0 - alpha;
                // 1 - (1 - alpha) is not quite alpha in floating point.
                let alpha = 1.0 - confidence;
                if alpha == 0.0 {
                    assert_eq!(bound, 0.0);
                    continue;
                }
                assert!(
                    bound > 0.0 && bound < 1.0,
                    "{c}/{n} at alpha {alpha}: {bound}"
                );
                check_close(
                    binomial_upper_tail(c, n, bound),
                    alpha,
                    1e-9,
                    &format!("tail at the bound for {c}/{n}, alpha {alpha}"),
                );
            }
        }
    }
}

#[test]
fn p_value_and_bound_agree() {
    // exact_p_value(c, n, P) <= alpha exactly when
    // clopper_pearson_lower(c, n, 1 - alpha) >= P, except where the p-value
    // is within rounding of alpha.
    let mut n_checked = 0;
    for n in ROW_COUNTS {
        for c in success_counts(n, 200) {
            for precision in [0.5, 0.8, 0.9, 0.95, 0.99, 0.999] {
                for alpha in [0.1, 0.05, 0.01, 0.001] {
                    let p_value = exact_p_value(c, n, precision);
                    let bound = clopper_pearson_lower(c, n, 1.0 - alpha);
                    if (p_value - alpha).abs() <= 1e-9 * alpha {
                        continue;
                    }
                    assert_eq!(
                        p_value <= alpha,
                        bound >= precision,
                        "{c}/{n}, P = {precision}, alpha = {alpha}: p-value {p_value}, bound {bound}"
                    );
                    n_checked += 1;
                }
            }
        }
    }
    assert!(n_checked > 20_000, "{n_checked}");
}
