//! `claims`: how an insurer routes a motor claim. Categorical-heavy, with
//! imbalanced classes and missing values.
//!
//! Each row is a claim: `claim_type` (8 values), `region` (12), `channel`
//! (4), `vehicle_make` (20), `amount_usd`, `policy_age_days`,
//! `prior_claims`, `customer_age` (missing for 5 % of rows), `police_report`
//! (missing for 10 %). The label `route` is the handling a senior adjuster
//! chose: `fast_track` (about 31 %), `standard` (about 63 %) or
//! `investigate` (about 6 %), with 2 % of labels replaced at random.
//!
//! Planted rules, of a different shape than `shipping`'s thresholds:
//!
//! - **category sets**: `claim_type in {glass, towing, windscreen} and
//!   amount_usd < 800 => fast_track` holds for about 95 % of such claims
//!   (the rest are mostly new policies with earlier claims, which go to
//!   investigation: the rule to find excludes them);
//! - **a rare class behind a conjunction**: `policy_age_days < 30 and
//!   prior_claims >= 2 => investigate` for about 90 %;
//! - **a negated set**: `claim_type not in {glass, towing, windscreen}`
//!   claims through the `broker` channel in the `metro_*` regions go
//!   `standard` about 95 % of the time.
//!
//! Elsewhere the adjuster weighs amount, make and age in a smooth score with
//! a judgement the features do not show: those rows need the model.

use std::io::{self, Write};

use crate::Rng;

/// Claim types.
pub const CLAIM_TYPES: [&str; 8] = [
    "collision",
    "glass",
    "theft",
    "towing",
    "vandalism",
    "weather",
    "windscreen",
    "injury",
];
const CLAIM_WEIGHTS: [f64; 8] = [0.3, 0.12, 0.06, 0.1, 0.07, 0.1, 0.15, 0.1];
/// Claim types that are cheap and routine when small.
pub const ROUTINE: [&str; 3] = ["glass", "towing", "windscreen"];
/// Regions.
pub const REGIONS: [&str; 12] = [
    "metro_north",
    "metro_south",
    "metro_east",
    "metro_west",
    "coast",
    "valley",
    "highlands",
    "plains",
    "lakes",
    "delta",
    "border",
    "islands",
];
/// Channels the claim came through.
pub const CHANNELS: [&str; 4] = ["app", "phone", "broker", "branch"];
const CHANNEL_WEIGHTS: [f64; 4] = [0.4, 0.3, 0.2, 0.1];
/// Vehicle makes.
pub const MAKES: [&str; 20] = [
    "alto", "brio", "corsa", "delta", "elan", "fiesta", "golf", "hilux", "ibiza", "jazz", "kona",
    "leon", "micra", "niro", "octavia", "polo", "qashqai", "rio", "swift", "tucson",
];
/// Routes (class labels).
pub const ROUTES: [&str; 3] = ["fast_track", "investigate", "standard"];
/// The CSV header.
pub const HEADER: &str = "claim_type,region,channel,vehicle_make,amount_usd,policy_age_days,prior_claims,customer_age,police_report,route";
/// Share of labels replaced by a uniformly drawn route.
pub const LABEL_NOISE: f64 = 0.02;

/// One generated claim.
#[derive(Clone, Debug, PartialEq)]
pub struct Claim {
    /// Index into [`CLAIM_TYPES`].
    pub claim_type: usize,
    /// Index into [`REGIONS`].
    pub region: usize,
    /// Index into [`CHANNELS`].
    pub channel: usize,
    /// Index into [`MAKES`].
    pub make: usize,
    /// Claimed amount in dollars, whole.
    pub amount_usd: f64,
    /// Days since the policy started.
    pub policy_age_days: f64,
    /// Earlier claims on the policy.
    pub prior_claims: f64,
    /// Age of the customer; `None` when not recorded.
    pub customer_age: Option<f64>,
    /// Whether a police report was filed; `None` when not recorded.
    pub police_report: Option<bool>,
    /// Index into [`ROUTES`], noise included.
    pub route: usize,
}

/// Generates `n` claims from `seed`. Deterministic.
pub fn generate(n: usize, seed: u64) -> Vec<Claim> {
    let mut rng = Rng::derive(seed, 0x434c_4149);
    (0..n).map(|_| draw(&mut rng)).collect()
}

fn draw(rng: &mut Rng) -> Claim {
    let claim_type = rng.weighted(&CLAIM_WEIGHTS);
    let routine = ROUTINE.contains(&CLAIM_TYPES[claim_type]);
    let median = if routine { 450.0 } else { 3500.0 };
    let amount_usd = (median * (0.9 * rng.normal()).exp())
        .clamp(20.0, 250_000.0)
        .round();
    // Most policies are old; a few are days old.
    let policy_age_days = if rng.chance(0.08) {
        rng.below(30) as f64
    } else {
        (30.0 + 900.0 * rng.f64().powi(2)).round()
    };
    let prior_claims = [0.0, 0.0, 0.0, 1.0, 1.0, 2.0, 3.0, 4.0][rng.below(8)];
    let mut c = Claim {
        claim_type,
        region: rng.below(REGIONS.len()),
        channel: rng.weighted(&CHANNEL_WEIGHTS),
        make: rng.below(MAKES.len()),
        amount_usd,
        policy_age_days,
        prior_claims,
        customer_age: (!rng.chance(0.05)).then(|| (18.0 + 60.0 * rng.f64()).round()),
        police_report: (!rng.chance(0.10)).then(|| rng.chance(0.3)),
        route: 0,
    };
    c.route = route(&c, rng);
    if rng.chance(LABEL_NOISE) {
        c.route = rng.below(3);
    }
    c
}

/// The adjuster's choice.
fn route(c: &Claim, rng: &mut Rng) -> usize {
    let (fast, investigate, standard) = (0, 1, 2);
    let routine = ROUTINE.contains(&CLAIM_TYPES[c.claim_type]);
    if c.policy_age_days < 30.0 && c.prior_claims >= 2.0 {
        return if rng.chance(0.92) {
            investigate
        } else {
            standard
        };
    }
    if routine && c.amount_usd < 800.0 {
        return if rng.chance(0.99) { fast } else { standard };
    }
    if !routine && CHANNELS[c.channel] == "broker" && REGIONS[c.region].starts_with("metro_") {
        return if rng.chance(0.97) { standard } else { fast };
    }
    // A smooth score and a judgement the features do not show.
    let make_risk = (c.make % 5) as f64 * 0.15;
    let young = c
        .customer_age
        .map_or(0.3, |a| if a < 25.0 { 0.6 } else { 0.0 });
    let no_report = match c.police_report {
        Some(true) => -0.4,
        Some(false) => 0.3,
        None => 0.5,
    };
    let score = (c.amount_usd / 2000.0).ln() * 0.8
        + make_risk
        + young
        + no_report
        + if CLAIM_TYPES[c.claim_type] == "theft" {
            1.2
        } else {
            0.0
        }
        + 0.6 * c.prior_claims
        + 0.9 * rng.normal();
    if score > 4.6 {
        investigate
    } else if score < -0.5 {
        fast
    } else {
        standard
    }
}

/// Writes claims as CSV with [`HEADER`]; missing values are empty fields.
pub fn write_csv<W: Write>(rows: &[Claim], mut out: W) -> io::Result<()> {
    writeln!(out, "{HEADER}")?;
    for c in rows {
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{}",
            CLAIM_TYPES[c.claim_type],
            REGIONS[c.region],
            CHANNELS[c.channel],
            MAKES[c.make],
            c.amount_usd,
            c.policy_age_days,
            c.prior_claims,
            c.customer_age.map_or(String::new(), |a| a.to_string()),
            c.police_report.map_or(String::new(), |r| r.to_string()),
            ROUTES[c.route]
        )?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic() {
        assert_eq!(generate(100, 3), generate(100, 3));
        assert_ne!(generate(100, 3), generate(100, 4));
    }

    fn share(rows: &[&Claim], route: usize) -> f64 {
        rows.iter().filter(|c| c.route == route).count() as f64 / rows.len() as f64
    }

    #[test]
    fn the_planted_rules_hold_and_the_classes_are_imbalanced() {
        let rows = generate(100_000, 0);
        let all: Vec<&Claim> = rows.iter().collect();
        let (fast, investigate, standard) = (share(&all, 0), share(&all, 1), share(&all, 2));
        assert!((0.27..0.36).contains(&fast), "fast_track {fast}");
        assert!(
            (0.04..0.08).contains(&investigate),
            "investigate {investigate}"
        );
        assert!((0.58..0.68).contains(&standard), "standard {standard}");
        let routine: Vec<&Claim> = rows
            .iter()
            .filter(|c| ROUTINE.contains(&CLAIM_TYPES[c.claim_type]) && c.amount_usd < 800.0)
            .collect();
        assert!(share(&routine, 0) > 0.93, "routine {}", share(&routine, 0));
        assert!(routine.len() > 20_000);
        let suspicious: Vec<&Claim> = rows
            .iter()
            .filter(|c| c.policy_age_days < 30.0 && c.prior_claims >= 2.0)
            .collect();
        assert!(
            share(&suspicious, 1) > 0.88,
            "suspicious {}",
            share(&suspicious, 1)
        );
        assert!(suspicious.len() > 1000);
        let broker: Vec<&Claim> = rows
            .iter()
            .filter(|c| {
                !ROUTINE.contains(&CLAIM_TYPES[c.claim_type])
                    && CHANNELS[c.channel] == "broker"
                    && REGIONS[c.region].starts_with("metro_")
                    && !(c.policy_age_days < 30.0 && c.prior_claims >= 2.0)
            })
            .collect();
        assert!(share(&broker, 2) > 0.94, "broker {}", share(&broker, 2));
        let missing = rows.iter().filter(|c| c.customer_age.is_none()).count();
        assert!(missing > 3000);
    }
}
