//! `shipping`: which of three shippers is cheapest for a delivery.
//!
//! Each row is a delivery: `distance_mi`, `weight_lb`, `zone` (6 values),
//! `express`, `fragile`, `day_of_week`. The label `cheapest_shipper` is the
//! shipper with the lowest cost under a hidden piecewise tariff, plus a
//! per-delivery price jitter the features do not show, plus 3 % of labels
//! replaced at random (clerical noise).
//!
//! The planted shortcut: shipper B, a local courier, charges a flat
//! surcharge from 50 miles and another from 5 lb, and is otherwise far
//! cheaper than A and C. So `distance_mi < 50 and weight_lb < 5 => B` holds
//! for about 97 % of such rows and covers about 30 % of traffic. Elsewhere A
//! (national carrier) and C (freight) trade places along smooth boundaries
//! where the jitter makes rows genuinely hard.

use std::io::{self, Write};

use crate::Rng;

/// Zones, in the order rows draw them.
pub const ZONES: [&str; 6] = ["central", "east", "islands", "north", "south", "west"];
const ZONE_WEIGHTS: [f64; 6] = [0.15, 0.2, 0.05, 0.2, 0.2, 0.2];
/// Days of the week.
pub const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const DAY_WEIGHTS: [f64; 7] = [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.3];
/// The shippers (class labels).
pub const SHIPPERS: [&str; 3] = ["A", "B", "C"];
/// The CSV header.
pub const HEADER: &str = "distance_mi,weight_lb,zone,express,fragile,day_of_week,cheapest_shipper";
/// Share of labels replaced by a uniformly drawn shipper.
pub const LABEL_NOISE: f64 = 0.03;
/// Planted thresholds of the shortcut.
pub const SHORT_MI: f64 = 50.0;
/// Planted thresholds of the shortcut.
pub const LIGHT_LB: f64 = 5.0;

/// One generated delivery.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    /// Distance in miles, one decimal.
    pub distance_mi: f64,
    /// Weight in pounds, one decimal.
    pub weight_lb: f64,
    /// Index into [`ZONES`].
    pub zone: usize,
    /// Express service asked for.
    pub express: bool,
    /// Fragile goods.
    pub fragile: bool,
    /// Index into [`DAYS`].
    pub day: usize,
    /// Index into [`SHIPPERS`]: the label as recorded (noise included).
    pub cheapest: usize,
    /// Gap between the two lowest true costs, before jitter; small means hard.
    pub margin: f64,
}

/// The tariff of each shipper, without jitter.
pub fn costs(d: &Delivery) -> [f64; 3] {
    let islands = ZONES[d.zone] == "islands";
    let weekend = d.day >= 5;
    let (dist, w) = (d.distance_mi, d.weight_lb);
    let a = 8.0
        + 0.012 * dist
        + 0.22 * w
        + if islands { 6.0 } else { 0.0 }
        + if d.express { 4.0 } else { 0.0 }
        + if weekend { 2.5 } else { 0.0 }
        + if d.fragile { 1.5 } else { 0.0 };
    let b = 1.5
        + 0.02 * dist
        + 0.25 * w
        + if dist >= SHORT_MI {
            9.0 + 0.05 * (dist - SHORT_MI)
        } else {
            0.0
        }
        + if w >= LIGHT_LB {
            9.0 + 0.4 * (w - LIGHT_LB)
        } else {
            0.0
        }
        + if d.express { 1.0 } else { 0.0 }
        + if d.fragile { 0.5 } else { 0.0 }
        + if islands { 1.5 } else { 0.0 };
    let c = 10.5
        + 0.003 * dist
        + 0.03 * w
        + if d.fragile { 8.0 } else { 0.0 }
        + if d.express { 7.0 } else { 0.0 }
        + if islands { 3.0 } else { 0.0 };
    [a, b, c]
}

/// Generates `n` deliveries from `seed`. Deterministic.
pub fn generate(n: usize, seed: u64) -> Vec<Delivery> {
    let mut rng = Rng::derive(seed, 0x5348_4950);
    (0..n).map(|_| draw(&mut rng)).collect()
}

fn draw(rng: &mut Rng) -> Delivery {
    let round1 = |x: f64| (x * 10.0).round() / 10.0;
    let distance_mi = round1((40f64.ln() + 1.1 * rng.normal()).exp().clamp(0.5, 2500.0));
    let weight_lb = round1((4.5f64.ln() + 1.0 * rng.normal()).exp().clamp(0.1, 300.0));
    let mut d = Delivery {
        distance_mi,
        weight_lb,
        zone: rng.weighted(&ZONE_WEIGHTS),
        express: rng.chance(0.18),
        fragile: rng.chance(0.10),
        day: rng.weighted(&DAY_WEIGHTS),
        cheapest: 0,
        margin: 0.0,
    };
    let base = costs(&d);
    let mut sorted = base;
    sorted.sort_by(f64::total_cmp);
    d.margin = sorted[1] - sorted[0];
    // The jitter stands for prices the features do not show (fuel, deals).
    let jittered: Vec<f64> = base.iter().map(|c| c + 0.6 * rng.normal()).collect();
    d.cheapest = (0..3)
        .min_by(|&i, &j| jittered[i].total_cmp(&jittered[j]))
        .unwrap_or(0);
    if rng.chance(LABEL_NOISE) {
        d.cheapest = rng.below(3);
    }
    d
}

/// Writes deliveries as CSV with [`HEADER`].
pub fn write_csv<W: Write>(rows: &[Delivery], mut out: W) -> io::Result<()> {
    writeln!(out, "{HEADER}")?;
    for d in rows {
        writeln!(
            out,
            "{},{},{},{},{},{},{}",
            d.distance_mi,
            d.weight_lb,
            ZONES[d.zone],
            d.express,
            d.fragile,
            DAYS[d.day],
            SHIPPERS[d.cheapest]
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

    #[test]
    fn the_planted_shortcut_holds_and_covers_much() {
        let rows = generate(50_000, 0);
        let short_light: Vec<&Delivery> = rows
            .iter()
            .filter(|d| d.distance_mi < SHORT_MI && d.weight_lb < LIGHT_LB)
            .collect();
        let share = short_light.len() as f64 / rows.len() as f64;
        let b = short_light.iter().filter(|d| d.cheapest == 1).count() as f64
            / short_light.len() as f64;
        assert!((0.25..0.5).contains(&share), "shortcut covers {share}");
        assert!(b > 0.96, "shortcut precision {b}");
        // Every class is common, and a real minority of rows is hard.
        for class in 0..3 {
            let s = rows.iter().filter(|d| d.cheapest == class).count() as f64 / 50_000.0;
            assert!(s > 0.1, "class {class} share {s}");
        }
        // A margin under 0.35 leaves the jitter a real chance to flip the label.
        let hard = rows.iter().filter(|d| d.margin < 0.35).count() as f64 / 50_000.0;
        assert!((0.05..0.10).contains(&hard), "hard share {hard}");
    }
}
