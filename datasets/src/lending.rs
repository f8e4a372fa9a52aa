//! `lending`: whether a mortgage application is approved, in the shape of
//! the US mortgage-disclosure (HMDA) public data: the loan, the applicant's
//! income, the debt-to-income ratio in HMDA's bands, the loan-to-value
//! ratio, the loan's purpose and type, the applicant's age band, and the
//! applicant's `race` and `sex` as HMDA derives them. For auditing rules
//! that must not read a protected attribute (`--forbid race`) and for
//! results by group (`--groups race`).
//!
//! The lender's decision `action_taken` (`approved` or `denied`, about two
//! fifths denied) follows the finances, and in one region `race` too:
//!
//! - a debt-to-income ratio of 50 % or more is denied about 93 % of the
//!   time;
//! - a loan-to-value ratio above 95 with an income below 45 (thousand) is
//!   denied about 90 % of the time;
//! - a debt-to-income ratio below 36 % with a loan-to-value ratio of at
//!   most 80 is approved about 97 % of the time;
//! - elsewhere a smooth score of the ratios, the income and a judgement the
//!   features do not show decides; there the recorded decisions carry a
//!   bias, as historical decisions can: applicants recorded as `Black or
//!   African American` were denied more often at the same finances.
//!
//! `race` is also related to the finances, as in the real data (the groups
//! differ in their income distributions), so the decisions' rates differ
//! between groups even when the rules never read it. `branch` is a planted
//! noisy column: a branch code drawn at random, unrelated to the decision
//! except by chance, for stability checks.

use std::io::{self, Write};

use crate::Rng;

/// HMDA's debt-to-income bands.
pub const DTI_BANDS: [&str; 6] = [
    "<20%", "20%-<30%", "30%-<36%", "36%-<50%", "50%-60%", ">60%",
];
const DTI_WEIGHTS: [f64; 6] = [0.12, 0.25, 0.2, 0.28, 0.1, 0.05];
/// Loan purposes.
pub const PURPOSES: [&str; 4] = [
    "home purchase",
    "refinancing",
    "cash-out refinancing",
    "home improvement",
];
const PURPOSE_WEIGHTS: [f64; 4] = [0.5, 0.25, 0.15, 0.1];
/// Loan types.
pub const LOAN_TYPES: [&str; 4] = ["conventional", "FHA", "VA", "USDA"];
const LOAN_TYPE_WEIGHTS: [f64; 4] = [0.7, 0.18, 0.1, 0.02];
/// Age bands.
pub const AGES: [&str; 7] = ["<25", "25-34", "35-44", "45-54", "55-64", "65-74", ">74"];
const AGE_WEIGHTS: [f64; 7] = [0.06, 0.27, 0.24, 0.18, 0.13, 0.08, 0.04];
/// Race as HMDA derives it.
pub const RACES: [&str; 6] = [
    "White",
    "Black or African American",
    "Asian",
    "American Indian or Alaska Native",
    "Joint",
    "Race Not Available",
];
const RACE_WEIGHTS: [f64; 6] = [0.62, 0.09, 0.07, 0.008, 0.04, 0.172];
/// Median income (thousands) per race, in [`RACES`] order.
const RACE_INCOME: [f64; 6] = [95.0, 70.0, 115.0, 72.0, 120.0, 100.0];
/// Sex as HMDA derives it.
pub const SEXES: [&str; 4] = ["Male", "Female", "Joint", "Sex Not Available"];
const SEX_WEIGHTS: [f64; 4] = [0.38, 0.25, 0.3, 0.07];
/// Branch codes (the planted noisy column).
pub const BRANCHES: [&str; 8] = ["b01", "b02", "b03", "b04", "b05", "b06", "b07", "b08"];
/// Decisions (class labels).
pub const ACTIONS: [&str; 2] = ["approved", "denied"];
/// The CSV header.
pub const HEADER: &str = "loan_amount,income,debt_to_income_ratio,loan_to_value_ratio,loan_purpose,loan_type,applicant_age,race,sex,branch,action_taken";

/// One generated application.
#[derive(Clone, Debug, PartialEq)]
pub struct Application {
    /// Loan amount, thousands.
    pub loan_amount: f64,
    /// Income, thousands.
    pub income: f64,
    /// Index into [`DTI_BANDS`].
    pub dti: usize,
    /// Loan-to-value ratio, percent.
    pub ltv: f64,
    /// Index into [`PURPOSES`].
    pub purpose: usize,
    /// Index into [`LOAN_TYPES`].
    pub loan_type: usize,
    /// Index into [`AGES`].
    pub age: usize,
    /// Index into [`RACES`].
    pub race: usize,
    /// Index into [`SEXES`].
    pub sex: usize,
    /// Index into [`BRANCHES`].
    pub branch: usize,
    /// Index into [`ACTIONS`].
    pub action: usize,
}

/// Generates `n` applications from `seed`. Deterministic.
pub fn generate(n: usize, seed: u64) -> Vec<Application> {
    let mut rng = Rng::derive(seed, 0x4c45_4e44);
    (0..n).map(|_| draw(&mut rng)).collect()
}

fn draw(rng: &mut Rng) -> Application {
    let race = rng.weighted(&RACE_WEIGHTS);
    let income = (RACE_INCOME[race] * (0.5 * rng.normal()).exp())
        .clamp(10.0, 2000.0)
        .round();
    let loan_amount = (income * (2.5 + 1.5 * rng.f64()) / 5.0).round() * 5.0;
    let ltv = (60.0 + 40.0 * rng.f64().powf(0.7)).min(100.0).round();
    let mut a = Application {
        loan_amount,
        income,
        dti: rng.weighted(&DTI_WEIGHTS),
        ltv,
        purpose: rng.weighted(&PURPOSE_WEIGHTS),
        loan_type: rng.weighted(&LOAN_TYPE_WEIGHTS),
        age: rng.weighted(&AGE_WEIGHTS),
        race,
        sex: rng.weighted(&SEX_WEIGHTS),
        branch: rng.below(BRANCHES.len()),
        action: 0,
    };
    a.action = action(&a, rng);
    a
}

/// The lender's decision: the finances, and a bias in the middle.
fn action(a: &Application, rng: &mut Rng) -> usize {
    let (approved, denied) = (0, 1);
    if a.dti >= 4 {
        return if rng.chance(0.93) { denied } else { approved };
    }
    if a.ltv > 95.0 && a.income < 45.0 {
        return if rng.chance(0.9) { denied } else { approved };
    }
    if a.dti <= 2 && a.ltv <= 80.0 {
        return if rng.chance(0.97) { approved } else { denied };
    }
    let score = 0.35 * a.dti as f64 + (a.ltv - 80.0) / 12.0 - (a.income / 80.0).ln()
        + if LOAN_TYPES[a.loan_type] == "FHA" {
            0.3
        } else {
            0.0
        }
        + if a.race == 1 { 0.9 } else { 0.0 }
        + 0.8 * rng.normal();
    if score > 1.6 {
        denied
    } else {
        approved
    }
}

/// Writes applications as CSV with [`HEADER`].
pub fn write_csv<W: Write>(rows: &[Application], mut out: W) -> io::Result<()> {
    writeln!(out, "{HEADER}")?;
    for a in rows {
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{}",
            a.loan_amount,
            a.income,
            DTI_BANDS[a.dti],
            a.ltv,
            PURPOSES[a.purpose],
            LOAN_TYPES[a.loan_type],
            AGES[a.age],
            RACES[a.race],
            SEXES[a.sex],
            BRANCHES[a.branch],
            ACTIONS[a.action]
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
    fn about_two_fifths_are_denied_and_the_planted_rule_holds() {
        let rows = generate(50_000, 0);
        let denied = rows.iter().filter(|a| a.action == 1).count() as f64 / rows.len() as f64;
        assert!((0.3..0.5).contains(&denied), "denied {denied}");
        let high: Vec<_> = rows.iter().filter(|a| a.dti >= 4).collect();
        let share = high.iter().filter(|a| a.action == 1).count() as f64 / high.len() as f64;
        assert!((0.9..0.96).contains(&share), "high dti denied {share}");
    }

    #[test]
    fn the_csv_has_the_header_and_one_line_per_row() {
        let mut out = Vec::new();
        write_csv(&generate(5, 1), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().next(), Some(HEADER));
        assert_eq!(text.lines().count(), 6);
    }
}
