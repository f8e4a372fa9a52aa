//! Confidence bounds for a precision measured on held-out rows.
//!
//! rulec certifies with the one-sided Wilson score lower bound at the
//! requested confidence: at 0.95 the true precision is below the bound with
//! probability at most 5 % (z = 1.645). The public benchmark's peers used the
//! lower end of the two-sided 95 % interval (z = 1.96), a one-sided 97.5 %
//! bound; pass `--confidence 0.975` for the same. Every rule book states
//! the bound and z.

/// Name of the bound, as printed in rule books and `rules.json`.
pub const WILSON: &str = "wilson";

/// One-sided Wilson score lower bound for `successes` out of `trials` at
/// `confidence` (e.g. 0.95). Zero without trials.
pub fn wilson_lower(successes: u64, trials: u64, confidence: f64) -> f64 {
    if trials == 0 {
        return 0.0;
    }
    let n = trials as f64;
    let p = successes.min(trials) as f64 / n;
    let z = z_one_sided(confidence);
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
}
