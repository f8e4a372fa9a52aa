//! Confidence bounds for a precision measured on held-out rows.
//!
//! Every bound here is one-sided: it answers "how low could the true
//! precision be, given `successes` correct decisions out of `trials`
//! validation rows?", and at confidence 0.95 the true precision lies below
//! the bound with probability at most 5 %.
//!
//! rulec certifies with the exact one-sided Clopper-Pearson lower bound
//! ([`clopper_pearson_lower`]) at the requested confidence. The one-sided
//! Wilson score lower bound ([`wilson_lower`], z = 1.645 at 0.95) is what
//! rule sets certified before the exact test name (`"method": "wilson"`),
//! what the public benchmark's peers and the teacher's own threshold use
//! (the peers at z = 1.96, a one-sided 97.5 % bound: `--confidence 0.975`
//! for the same), and what drift alarms use. Every rule book states the
//! bound.
//!
//! The Wilson bound rests on a normal approximation, so its guarantee is
//! only approximate. Wilson at 0.95 certifies a flawless set of 52 rows for
//! precision 0.95, and when the true precision is exactly 0.95 a sample of
//! 52 rows is flawless with probability 0.95^52 = 0.069: the promised 5 %
//! is 6.9 %. The exact functions below keep the promise for every row
//! count, because they use the binomial distribution itself:
//!
//! - [`binomial_upper_tail`] is P(X >= k) for X ~ Binomial(n, p), the
//!   building block of the others.
//! - [`clopper_pearson_lower`] is the exact (Clopper-Pearson) one-sided
//!   lower bound, the drop-in counterpart of [`wilson_lower`].
//! - [`exact_p_value`] is the p-value of the exact test of "the true
//!   precision is at most P"; it rejects at level alpha exactly when
//!   [`clopper_pearson_lower`] at confidence 1 - alpha reaches P, so a rule
//!   book may report either.
//! - [`exact_min_rows`] is how many validation rows a flawless rule set needs
//!   before the exact test can certify it, which sizes the validation split.
//!
//! At a true precision of exactly P, the exact bound reaches P with
//! probability at most 1 - confidence, for every row count. The tests check
//! this by enumerating every outcome for 20 to 300 rows, and check that
//! Wilson breaks it.

/// Name of the bound, as printed in rule books and `rules.json`.
pub const WILSON: &str = "wilson";

/// Name of the exact bound ([`clopper_pearson_lower`]), as printed in rule
/// books and `rules.json`.
pub const CLOPPER_PEARSON: &str = "clopper-pearson";

/// One-sided Wilson score lower bound for `successes` out of `trials` at
/// `confidence` (e.g. 0.95). Zero without trials.
pub fn wilson_lower(successes: u64, trials: u64, confidence: f64) -> f64 {
    wilson_lower_z(
        successes.min(trials) as f64,
        trials as f64,
        z_one_sided(confidence),
    )
}

/// One-sided Wilson score lower bound for `successes` out of `trials` at
/// the normal quantile `z`, for counts that may be fractional (estimated
/// right rows). Zero without trials.
pub fn wilson_lower_z(successes: f64, trials: f64, z: f64) -> f64 {
    if trials <= 0.0 {
        return 0.0;
    }
    let n = trials;
    let p = (successes / n).clamp(0.0, 1.0);
    let z2 = z * z;
    let centre = p + z2 / (2.0 * n);
    let margin = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - margin) / (1.0 + z2 / n)).clamp(0.0, 1.0)
}

/// The normal quantile for a one-sided bound at `confidence`.
pub fn z_one_sided(confidence: f64) -> f64 {
    normal_quantile(confidence)
}

/// The normal quantile for a two-sided interval at `confidence`.
pub fn z_two_sided(confidence: f64) -> f64 {
    normal_quantile(1.0 - (1.0 - confidence) / 2.0)
}

/// Inverse of the standard normal CDF (Acklam's rational approximation,
/// relative error below 1.2e-9), for `p` in (0, 1).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    let low = 0.02425;
    if p < low {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    }
}

/// P(X >= k) for X ~ Binomial(n, p): the chance of at least `k` successes
/// in `n` trials that each succeed with probability `p`.
///
/// The relative error is below 1e-11 wherever the result is above 1e-300,
/// for `n` from 1 to 10^7 (the largest tested). At n = 10^7 the tail can
/// move by 3e-12 when `p` moves by one unit in the last place, so no f64
/// method can do much better there; at small n the error is near 1e-15.
/// The result is 1 for `k = 0`, 0 for `k > n`, and exact at `p = 0` and
/// `p = 1`; `p` outside [0, 1] is clamped and NaN gives NaN.
///
/// The sum is not added up term by term: it equals the regularized
/// incomplete beta function I_p(k, n - k + 1), evaluated with its continued
/// fraction (modified Lentz), which takes O(sqrt(n)) steps at worst.
pub fn binomial_upper_tail(k: u64, n: u64, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    if p.is_nan() {
        return f64::NAN;
    }
    if p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    let q = 1.0 - p;
    let (k_f, n_f) = (k as f64, n as f64);
    if k == n {
        return (n_f * p.ln()).exp();
    }
    // The continued fraction for I_x(a, b) converges quickly only for
    // x < (a + 1) / (a + b + 2); above that point the complement
    // I_q(n - k + 1, k) = P(X <= k - 1) converges instead. The upper tail is
    // then at least about one half, so the subtraction loses nothing that
    // matters.
    if p < (k_f + 1.0) / (n_f + 3.0) {
        // I_p(a, b) = p^a q^b / (a B(a, b)) * cf, and with a = k and
        // b = n - k + 1 the prefactor is pmf(k) * q.
        let ln_front = ln_binomial_pmf(k, n, p, q) + q.ln();
        (ln_front + beta_continued_fraction(k_f, n_f - k_f + 1.0, p).ln()).exp()
    } else {
        // I_q(n - k + 1, k) has prefactor pmf(k - 1) * p.
        let ln_front = ln_binomial_pmf(k - 1, n, p, q) + p.ln();
        let lower = (ln_front + beta_continued_fraction(n_f - k_f + 1.0, k_f, q).ln()).exp();
        (1.0 - lower).max(0.0)
    }
}

/// Exact (Clopper-Pearson) one-sided lower bound for `successes` out of
/// `trials` at `confidence` (e.g. 0.95): the precision p at which
/// `successes` or more correct rows would occur with probability exactly
/// 1 - `confidence`. Zero without trials or without successes, as for
/// [`wilson_lower`]; `successes` above `trials` counts as `trials`.
///
/// Whatever the number of rows, the bound reaches a true precision P with
/// probability at most 1 - `confidence`, where [`wilson_lower`] only
/// approximately keeps that promise.
///
/// The bound is the root of [`binomial_upper_tail`] in p, found by Newton's
/// method on a log scale and approached from below, so that rounding leaves
/// it low rather than high; its relative error is about 1e-15. It grows
/// with `successes` and falls as `confidence` rises, to within that error.
/// A `confidence` of 1 or more (or NaN) gives 0, one of 0 or less gives 1.
pub fn clopper_pearson_lower(successes: u64, trials: u64, confidence: f64) -> f64 {
    let successes = successes.min(trials);
    if successes == 0 {
        return 0.0;
    }
    let alpha = 1.0 - confidence;
    if alpha.is_nan() || alpha <= 0.0 {
        return 0.0;
    }
    if alpha >= 1.0 {
        return 1.0;
    }
    if successes == trials {
        // P(X >= n) = p^n, so the bound solves p^n = alpha in closed form.
        return (alpha.ln() / trials as f64).exp();
    }
    let start = wilson_lower(successes, trials, confidence);
    newton_lower_bound(successes, trials, alpha.ln(), start)
}

/// The one-sided exact upper confidence bound on a proportion, the mirror
/// of [`clopper_pearson_lower`]: with probability at least `confidence`
/// the true precision lies at or below it. 1 without trials.
pub fn clopper_pearson_upper(successes: u64, trials: u64, confidence: f64) -> f64 {
    if trials == 0 {
        return 1.0;
    }
    1.0 - clopper_pearson_lower(trials - successes.min(trials), trials, confidence)
}

/// One-sided p-value of the exact binomial test of H0: "the true precision
/// is at most `precision`", having seen `successes` out of `trials`:
/// P(X >= successes) for X ~ Binomial(`trials`, `precision`). It is 1
/// without trials, since no rows are no evidence.
///
/// This is the dual of [`clopper_pearson_lower`]: up to floating-point
/// rounding, `exact_p_value(c, n, P) <= alpha` exactly when
/// `clopper_pearson_lower(c, n, 1.0 - alpha) >= P`. Certifying by either is
/// the same test; the p-value says by how much a rule set passed or failed.
pub fn exact_p_value(successes: u64, trials: u64, precision: f64) -> f64 {
    if trials == 0 {
        return 1.0;
    }
    binomial_upper_tail(successes.min(trials), trials, precision)
}

/// The fewest validation rows with which a flawless rule set (every row
/// right) passes the exact test for `precision` at `confidence`: the
/// smallest n with `precision`^n <= 1 - `confidence`. With fewer rows no
/// rule set can be certified, however good, so this sizes the validation
/// split; for example 59 rows for 0.95 at 0.95 and 299 for 0.99 at 0.95.
///
/// The count agrees with [`clopper_pearson_lower`]: it is the smallest n
/// with `clopper_pearson_lower(n, n, confidence) >= precision`. A
/// `precision` or `confidence` of 1 or more (or NaN) returns `u64::MAX`, as
/// no finite count suffices; one of 0 or less returns 1.
pub fn exact_min_rows(precision: f64, confidence: f64) -> u64 {
    if precision.is_nan() || confidence.is_nan() || precision >= 1.0 || confidence >= 1.0 {
        return u64::MAX;
    }
    if precision <= 0.0 || confidence <= 0.0 {
        return 1;
    }
    let passes = |n: u64| clopper_pearson_lower(n, n, confidence) >= precision;
    // The closed form lands on the answer or next to it; the two loops settle
    // rounding at the boundary the same way the bound does.
    let mut n = ((1.0 - confidence).ln() / precision.ln()).ceil().max(1.0) as u64;
    while n > 1 && passes(n - 1) {
        n -= 1;
    }
    while !passes(n) {
        n += 1;
    }
    n
}

/// The p in (0, 1) with P(X >= c) = alpha for X ~ Binomial(n, p), where
/// 0 < c < n and ln_alpha = ln(alpha) < 0; the body of
/// [`clopper_pearson_lower`].
///
/// The search runs in u = ln p on G(u) = ln P(X >= c | e^u) - ln alpha. As a
/// function of p the tail is the distribution function of a Beta(c,
/// n - c + 1) variable; the log of that variable has a log-concave density,
/// so G is increasing and concave in u. Newton's method on such a function
/// overshoots to the left of the root once and then climbs to it
/// monotonically, so the result is below the root by at most the last,
/// tiny, step. Starting from `start`, the Wilson bound, which is usually
/// close, it takes about six steps. A bracket catches the cases that
/// rounding or an underflowing tail would otherwise break.
fn newton_lower_bound(c: u64, n: u64, ln_alpha: f64, start: f64) -> f64 {
    // Newton steps below this, in ln p, are rounding noise.
    const STEP_TOL: f64 = 1e-15;
    const MAX_STEPS: usize = 200;
    let ln_n = (n as f64).ln();
    // G(u) and its derivative p * n * pmf(c - 1; n - 1, p) / tail, or None
    // where the tail underflows to 0, far left of any root.
    let eval = |u: f64| -> Option<(f64, f64)> {
        let p = u.exp();
        let ln_tail = binomial_upper_tail(c, n, p).ln();
        if !ln_tail.is_finite() {
            return None;
        }
        let ln_density = ln_n + ln_binomial_pmf(c - 1, n - 1, p, 1.0 - p);
        Some((ln_tail - ln_alpha, (u + ln_density - ln_tail).exp()))
    };
    // G(lo) < 0 <= G(hi); u = 0 is p = 1, where the tail is 1.
    let (mut lo, mut hi) = (f64::NEG_INFINITY, 0.0_f64);
    let mut u = if start > 0.0 && start < 1.0 {
        start.ln()
    } else {
        (c as f64 / n as f64).ln()
    };
    for _ in 0..MAX_STEPS {
        if let Some((g, slope)) = eval(u) {
            if g == 0.0 {
                return u.exp();
            }
            let next = u - g / slope;
            if g < 0.0 {
                lo = u;
                // From the left each step is shorter than the last; one
                // this short (or a NaN) means the root is reached.
                if next.is_nan() || next - u <= STEP_TOL {
                    return u.exp();
                }
            } else {
                hi = u;
            }
            if next > lo && next < hi {
                u = next;
                continue;
            }
        } else {
            lo = u;
        }
        // Newton left the bracket: bisect it, or, with no left end yet,
        // double the distance from p = 1 on the log scale.
        u = if lo.is_finite() {
            0.5 * (lo + hi)
        } else {
            hi - hi.abs().max(1.0)
        };
    }
    // Not reached for any input tried; lo is still a valid, low, answer.
    if lo.is_finite() {
        lo.exp()
    } else {
        0.0
    }
}

/// Natural log of the binomial probability P(X = x) for X ~ Binomial(n, p),
/// given q = 1 - p as well, for callers that have it exactly.
///
/// This is Loader's saddle-point form ("Fast and accurate computation of
/// binomial probabilities", 2000, as in R's `dbinom`). Differences of
/// log-gamma values would cancel away about eight digits at n = 10^7, where
/// ln Gamma(n) is near 1.5e8; the saddle-point form never forms those
/// large terms.
fn ln_binomial_pmf(x: u64, n: u64, p: f64, q: f64) -> f64 {
    let (x_f, n_f) = (x as f64, n as f64);
    if x == 0 {
        return n_f * (-p).ln_1p();
    }
    if x == n {
        return n_f * p.ln();
    }
    let lc = stirling_error(n)
        - stirling_error(x)
        - stirling_error(n - x)
        - deviance_term(x_f, n_f * p)
        - deviance_term(n_f - x_f, n_f * q);
    let lf = (2.0 * std::f64::consts::PI).ln() + x_f.ln() + (-x_f / n_f).ln_1p();
    lc - 0.5 * lf
}

/// ln(n!) - ((n + 1/2) ln n - n + ln sqrt(2 pi)): the error of Stirling's
/// formula, for n >= 1.
fn stirling_error(n: u64) -> f64 {
    // ln Gamma(n + 1) - (n + 1/2) ln n + n - ln(2 pi) / 2 for n = 1..=15,
    // computed with mpmath at 40 digits.
    const TABLE: [f64; 15] = [
        0.081_061_466_795_327_26,
        0.041_340_695_955_409_3,
        0.027_677_925_684_998_34,
        0.020_790_672_103_765_093,
        0.016_644_691_189_821_193,
        0.013_876_128_823_070_748,
        0.011_896_709_945_891_77,
        0.010_411_265_261_972_096,
        0.009_255_462_182_712_733,
        0.008_330_563_433_362_87,
        0.007_573_675_487_951_841,
        0.006_942_840_107_209_53,
        0.006_408_994_188_004_207,
        0.005_951_370_112_758_847_5,
        0.005_554_733_551_962_801,
    ];
    // Coefficients of the asymptotic series 1/(12n) - 1/(360n^3) + ...
    const S0: f64 = 1.0 / 12.0;
    const S1: f64 = 1.0 / 360.0;
    const S2: f64 = 1.0 / 1260.0;
    const S3: f64 = 1.0 / 1680.0;
    const S4: f64 = 1.0 / 1188.0;
    if n <= 15 {
        return TABLE[(n as usize).saturating_sub(1)];
    }
    let n = n as f64;
    let nn = n * n;
    if n > 500.0 {
        (S0 - S1 / nn) / n
    } else if n > 80.0 {
        (S0 - (S1 - S2 / nn) / nn) / n
    } else if n > 35.0 {
        (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n
    } else {
        (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n
    }
}

/// x ln(x / m) + m - x, the deviance term of Loader's form, without the
/// cancellation the direct formula suffers when x is close to m.
fn deviance_term(x: f64, m: f64) -> f64 {
    if (x - m).abs() < 0.1 * (x + m) {
        // Series in v = (x - m) / (x + m), which converges fast here.
        let mut v = (x - m) / (x + m);
        let mut sum = (x - m) * v;
        let mut ej = 2.0 * x * v;
        v *= v;
        for j in 1..1000 {
            ej *= v;
            let next = sum + ej / f64::from(2 * j + 1);
            if next == sum {
                return next;
            }
            sum = next;
        }
        return sum;
    }
    x * (x / m).ln() + m - x
}

/// The continued fraction of the regularized incomplete beta function:
/// I_x(a, b) = x^a (1 - x)^b / (a B(a, b)) times the value returned. Modified
/// Lentz evaluation; converges fast for x < (a + 1) / (a + b + 2).
fn beta_continued_fraction(a: f64, b: f64, x: f64) -> f64 {
    // Stands in for a zero denominator, as Lentz's method prescribes.
    const TINY: f64 = 1e-300;
    const EPS: f64 = 1e-15;
    let nonzero = |v: f64| if v.abs() < TINY { TINY } else { v };
    // The worst case, near the switch point, takes O(sqrt(max(a, b)))
    // steps; this cap is far above that and only guards against a loop.
    let max_steps = 1000 + 100 * (a.max(b).sqrt() as u64);
    let mut c = 1.0;
    let mut d = 1.0 / nonzero(1.0 - (a + b) * x / (a + 1.0));
    let mut h = d;
    for m in 1..=max_steps {
        let m = m as f64;
        let m2 = 2.0 * m;
        // Even step: d_2m = m (b - m) x / ((a + 2m - 1)(a + 2m)).
        let num = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
        d = 1.0 / nonzero(1.0 + num * d);
        c = nonzero(1.0 + num / c);
        h *= d * c;
        // Odd step: d_2m+1 = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)).
        let num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
        d = 1.0 / nonzero(1.0 + num * d);
        c = nonzero(1.0 + num / c);
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// The allowance [`within_tolerance`] adds, per unit of the numbers it
/// compares: a few units in the last place of an `f64`.
pub const TOLERANCE_SLACK: f64 = 4.0 * f64::EPSILON;

/// Whether `a` and `b` are within `tolerance` of each other, as a person
/// reads it: a value exactly `tolerance` away as written in decimal counts
/// as within, though binary floating point makes `|0.4 − 0.3|` come out
/// 0.10000000000000003. The allowance, [`TOLERANCE_SLACK`] times
/// `|a| + |b| + tolerance`, is a few units in the last place of the
/// numbers compared; the emitted SQL writes the same sum.
pub fn within_tolerance(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance + TOLERANCE_SLACK * (a.abs() + b.abs() + tolerance)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_tables() {
        assert!((z_two_sided(0.95) - 1.959_963_985).abs() < 1e-6);
        assert!((z_two_sided(0.99) - 2.575_829_304).abs() < 1e-6);
        assert!((normal_quantile(0.5)).abs() < 1e-12);
    }

    #[test]
    fn benchmark_protocol_row_counts() {
        // The protocol notes, with z = 1.96 (one-sided 0.975): zero errors
        // need >= 73 rows for 0.95 and >= 381 for 0.99.
        assert!(wilson_lower(72, 72, 0.975) < 0.95);
        assert!(wilson_lower(73, 73, 0.975) >= 0.95);
        assert!(wilson_lower(380, 380, 0.975) < 0.99);
        assert!(wilson_lower(381, 381, 0.975) >= 0.99);
        // One-sided 0.95 (z = 1.645): 52 and 268 rows.
        assert!(wilson_lower(51, 51, 0.95) < 0.95);
        assert!(wilson_lower(52, 52, 0.95) >= 0.95);
        assert!(wilson_lower(267, 267, 0.95) < 0.99);
        assert!(wilson_lower(268, 268, 0.95) >= 0.99);
    }

    #[test]
    fn bound_is_below_estimate() {
        for (s, n) in [(0, 10), (5, 10), (10, 10), (990, 1000)] {
            let lb = wilson_lower(s, n, 0.95);
            assert!(lb <= s as f64 / n as f64 + 1e-12, "{s}/{n} gave {lb}");
        }
        assert_eq!(wilson_lower(0, 0, 0.95), 0.0);
    }

    /// ln k! for k in 0..=max, summed directly: exact enough for checks.
    fn ln_factorials(max: usize) -> Vec<f64> {
        let mut res = vec![0.0_f64; max + 1];
        for k in 1..=max {
            res[k] = res[k - 1] + (k as f64).ln();
        }
        res
    }

    #[test]
    fn stirling_error_matches_references() {
        // ln Gamma(n + 1) - (n + 1/2) ln n + n - ln(2 pi) / 2 from mpmath at
        // 50 digits, at both ends of each branch of the series.
        for (n, want) in [
            (16, 0.0052076559196096404),
            (35, 0.002380887608234112),
            (36, 0.002314755290514684),
            (80, 0.0010416612415616192),
            (81, 0.0010288013577107774),
            (499, 0.000167000645646607),
            (500, 0.00016666664444446984),
            (501, 0.0001663339765799327),
            (2000, 4.166666631944447e-5),
            (10_000_000, 8.33333333333333e-9),
        ] {
            // It enters the log of a probability, so the absolute error is
            // what counts: 2e-16 is a relative 2e-16 in the probability.
            let got = stirling_error(n);
            assert!((got - want).abs() <= 2e-16, "n = {n}: {got} vs {want}");
        }
        // The table, against ln n! summed term by term, which is accurate
        // to about 1e-15 for these small n.
        let ln_fact = ln_factorials(15);
        let half_ln_2pi = 0.5 * (2.0 * std::f64::consts::PI).ln();
        for (n, ln_n_fact) in ln_fact.iter().enumerate().skip(1) {
            let n_f = n as f64;
            let direct = ln_n_fact - ((n_f + 0.5) * n_f.ln() - n_f + half_ln_2pi);
            let got = stirling_error(n as u64);
            assert!((got - direct).abs() <= 1e-14, "n = {n}: {got} vs {direct}");
        }
    }

    #[test]
    fn pmf_matches_factorials_and_sums_to_one() {
        let ln_fact = ln_factorials(200);
        for n in [1_u64, 2, 5, 20, 52, 200] {
            for p in [1e-6_f64, 0.01, 0.3, 0.5, 0.95, 0.999_999] {
                let q = 1.0 - p;
                let mut total = 0.0;
                for x in 0..=n {
                    let (x_i, n_i) = (x as usize, n as usize);
                    let direct = ln_fact[n_i] - ln_fact[x_i] - ln_fact[n_i - x_i]
                        + x as f64 * p.ln()
                        + (n - x) as f64 * q.ln();
                    let got = ln_binomial_pmf(x, n, p, q);
                    let tol = 1e-12 * direct.abs().max(1.0);
                    assert!(
                        (got - direct).abs() <= tol,
                        "{x}/{n} at {p}: {got} vs {direct}"
                    );
                    total += got.exp();
                }
                assert!((total - 1.0).abs() < 1e-12, "n = {n}, p = {p}: sum {total}");
            }
        }
        // Large n, where the direct formula would lose digits: the
        // probabilities within 40 standard deviations still sum to 1.
        for (n, p) in [(100_000_u64, 0.95), (10_000_000, 0.5), (10_000_000, 0.999)] {
            let (mean, sd) = (n as f64 * p, (n as f64 * p * (1.0 - p)).sqrt());
            let first = (mean - 40.0 * sd).max(0.0) as u64;
            let last = ((mean + 40.0 * sd) as u64).min(n);
            let total: f64 = (first..=last)
                .map(|x| ln_binomial_pmf(x, n, p, 1.0 - p).exp())
                .sum();
            assert!((total - 1.0).abs() < 1e-11, "n = {n}, p = {p}: sum {total}");
        }
    }

    #[test]
    fn tail_matches_direct_sums() {
        // Every k for small n, against the pmf summed from the top, where
        // each term is positive and the sum accurate.
        for n in [1_u64, 2, 3, 10, 37, 120] {
            for p in [1e-9, 1e-3, 0.05, 0.3, 0.5, 0.77, 0.95, 0.999, 1.0 - 1e-9] {
                let mut direct = 0.0;
                for k in (1..=n).rev() {
                    direct += ln_binomial_pmf(k, n, p, 1.0 - p).exp();
                    if direct < 1e-290 {
                        continue;
                    }
                    let got = binomial_upper_tail(k, n, p);
                    let err = (got - direct).abs() / direct;
                    assert!(
                        err < 1e-12,
                        "P(X >= {k}), n = {n}, p = {p}: {got} vs {direct}"
                    );
                }
            }
        }
    }
}
