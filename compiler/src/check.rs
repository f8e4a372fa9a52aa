//! `rulec check`: do the rules of a rule book still hold on new labelled
//! data?
//!
//! The new rows are measured by [`crate::validate::measure`] (the
//! interpreter, each row counted for the first rule that covers it), and
//! each rule's figures are compared with what its book says (its evidence on
//! the validation rows it was certified on). A rule fails when
//!
//! - the lower confidence bound of its precision on the new rows falls below
//!   the book's precision: the required precision, or the rule's own bound
//!   in the book when that was lower (possible when the set as a whole is
//!   certified, not each rule), so a rule is held to what was signed off; or
//! - the share of rows it answers moved by more than
//!   [`CheckParams::max_share_shift`] (absolute), a sign that the traffic is
//!   no longer the traffic the rule was certified on.
//!
//! The rule set as a whole is held to the same two tests. A rule that
//! answers no labelled row cannot be confirmed and fails (unless its book had
//! no rows either): with few new rows the bound is low, and the check says
//! so rather than pass on no evidence.

use std::fmt::Write;
use std::path::Path;

use serde::Serialize;

use rulec_codegen::book::{escape_md, opt_pct, pct};
use rulec_runtime::ir::{RuleSet, SplitEvidence};
use rulec_runtime::Evaluator;

use crate::error::Error;
use crate::validate::{self, Measured, RuleMeasure};

/// What a check tolerates.
#[derive(Clone, Debug)]
pub struct CheckParams {
    /// Largest accepted move of a rule's share of rows, absolute (0.05 is
    /// five percentage points).
    pub max_share_shift: f64,
}

impl Default for CheckParams {
    fn default() -> Self {
        CheckParams {
            max_share_shift: 0.05,
        }
    }
}

/// The outcome of a check, per rule and for the set.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    /// Rows in the new data.
    pub rows: u64,
    /// Rows the rules answered whose label was missing (in shares, not in
    /// precision).
    pub unlabelled_answered: u64,
    /// The precision the book requires.
    pub precision: f64,
    /// Confidence of the bounds.
    pub confidence: f64,
    /// Name of the bound.
    pub method: String,
    /// The tolerance used.
    pub max_share_shift: f64,
    /// Per rule, in order.
    pub rules: Vec<RuleCheck>,
    /// The rule set as a whole (`*`).
    pub overall: RuleCheck,
    /// Whether every rule and the set passed.
    pub passed: bool,
}

/// One rule (or the whole set) then and now.
#[derive(Clone, Debug, Serialize)]
pub struct RuleCheck {
    /// Rule name (`*` for the set).
    pub name: String,
    /// The decided class (empty for the set).
    pub decision: String,
    /// What the book says, on its validation rows; absent when the rule set
    /// carries no evidence.
    pub then: Option<Figures>,
    /// On the new rows.
    pub now: Figures,
    /// The bound must stay at or above this.
    pub threshold: f64,
    /// `now.share - then.share`, when the book has a share.
    pub share_shift: Option<f64>,
    /// Whether the rule holds.
    pub passed: bool,
    /// Why not, in plain words; empty when it passed.
    pub problems: Vec<String>,
}

/// Support, share and precision on one set of rows.
#[derive(Clone, Debug, Serialize)]
pub struct Figures {
    /// Rows answered (labelled or not).
    pub answered: u64,
    /// Labelled rows answered.
    pub support: u64,
    /// Of which right.
    pub correct: u64,
    /// Share of all rows answered, when the row count is known.
    pub share: Option<f64>,
    /// `correct / support`.
    pub precision: Option<f64>,
    /// Lower confidence bound of the precision.
    pub lower_bound: f64,
}

impl Figures {
    fn then(e: &SplitEvidence, rows: Option<u64>) -> Figures {
        Figures {
            answered: e.support,
            support: e.support,
            correct: e.correct,
            share: rows.filter(|&r| r > 0).map(|r| e.support as f64 / r as f64),
            precision: e.precision(),
            lower_bound: e.precision_lower_bound,
        }
    }

    fn now(m: &RuleMeasure, rows: u64) -> Figures {
        Figures {
            answered: m.answered,
            support: m.support,
            correct: m.correct,
            share: (rows > 0).then(|| m.answered as f64 / rows as f64),
            precision: m.precision,
            lower_bound: m.precision_lower_bound,
        }
    }
}

/// Reads labelled rows from `data` (the rule set's features and its target
/// column) and checks `set` on them.
pub fn check_file(set: &RuleSet, data: &Path, params: &CheckParams) -> Result<CheckReport, Error> {
    check_params(params)?;
    let eval = Evaluator::new(set)?;
    let (cells, n, columns) = crate::ingest::read_cells_with(
        data,
        set,
        &eval,
        &[("the target", set.target.name.as_str())],
    )?;
    let measured = validate::measure(
        set,
        &cells,
        n,
        &columns[0],
        None,
        set.certification.precision,
        set.certification.confidence,
    )?;
    check(set, &measured, params)
}

fn check_params(params: &CheckParams) -> Result<(), Error> {
    if params.max_share_shift.is_finite() && (0.0..=1.0).contains(&params.max_share_shift) {
        Ok(())
    } else {
        Err(Error::Params(format!(
            "--max-share-shift must be between 0 and 1, got {}",
            params.max_share_shift
        )))
    }
}

/// Compares the figures `measured` on new rows with the book's.
pub fn check(
    set: &RuleSet,
    measured: &Measured,
    params: &CheckParams,
) -> Result<CheckReport, Error> {
    check_params(params)?;
    let required = set.certification.precision;
    let book_rows = set.summary.as_ref().map(|s| s.validation.rows);
    let judge = |name: &str, decision: &str, then: Option<Figures>, m: &RuleMeasure| {
        let now = Figures::now(m, measured.rows);
        let threshold = then
            .as_ref()
            .map_or(required, |t| required.min(t.lower_bound));
        let share_shift = match (&then, now.share) {
            (Some(Figures { share: Some(a), .. }), Some(b)) => Some(b - a),
            _ => None,
        };
        let mut problems = Vec::new();
        if now.lower_bound < threshold && now.support == 0 {
            problems.push(format!(
                "answers no labelled row of the new data, so its precision cannot be confirmed at the book's {}",
                pct(threshold)
            ));
        } else if now.lower_bound < threshold {
            problems.push(format!(
                "precision bound {} on {} labelled rows is below the book's {}{}",
                pct(now.lower_bound),
                now.support,
                pct(threshold),
                if threshold < required {
                    format!(
                        " (its own bound in the book; the set requires {})",
                        pct(required)
                    )
                } else {
                    " (the required precision)".to_string()
                }
            ));
        }
        if let (Some(shift), Some(t)) = (share_shift, &then) {
            // A tiny tolerance keeps a shift of exactly the limit, printed
            // the same, from failing on rounding.
            if shift.abs() > params.max_share_shift + 1e-12 {
                problems.push(format!(
                    "answers {} of the rows, {} in the book: moved by {} points, more than the {} allowed",
                    opt_pct(now.share),
                    opt_pct(t.share),
                    signed_points(shift),
                    pct(params.max_share_shift)
                ));
            }
        }
        RuleCheck {
            name: name.to_string(),
            decision: decision.to_string(),
            then,
            now,
            threshold,
            share_shift,
            passed: problems.is_empty(),
            problems,
        }
    };
    let rules: Vec<RuleCheck> = set
        .rules
        .iter()
        .zip(&measured.rules)
        .map(|(rule, m)| {
            let then = rule
                .evidence
                .as_ref()
                .map(|e| Figures::then(&e.validation, book_rows));
            judge(&rule.name, &rule.decision, then, m)
        })
        .collect();
    let overall_then = set
        .summary
        .as_ref()
        .map(|s| Figures::then(&s.validation.covered, Some(s.validation.rows)));
    let overall = judge("*", "", overall_then, &measured.all);
    let passed = overall.passed && rules.iter().all(|r| r.passed);
    Ok(CheckReport {
        rows: measured.rows,
        unlabelled_answered: measured.unlabelled,
        precision: required,
        confidence: set.certification.confidence,
        method: set.certification.method.clone(),
        max_share_shift: params.max_share_shift,
        rules,
        overall,
        passed,
    })
}

impl CheckReport {
    /// Rules (and the set, as `*`) that failed.
    pub fn failures(&self) -> impl Iterator<Item = &RuleCheck> {
        self.rules
            .iter()
            .chain(std::iter::once(&self.overall))
            .filter(|r| !r.passed)
    }

    /// The report as Markdown, for people.
    pub fn markdown(&self, rules_name: &str, data_name: &str) -> String {
        let mut md = String::new();
        let _ = writeln!(
            md,
            "# Check of `{}` on `{}`\n",
            rulec_codegen::book::code_span(rules_name),
            rulec_codegen::book::code_span(data_name)
        );
        let _ = writeln!(
            md,
            "{} rows; the rules answer {} of them ({}){}. Bounds: one-sided {} at {} confidence. \
             A rule fails when its precision bound on these rows falls below the book's precision \
             (the required {}, or the rule's own bound in the book when that was lower), or when \
             the share of rows it answers moved by more than {} points.\n",
            self.rows,
            self.overall.now.answered,
            opt_pct(self.overall.now.share),
            if self.unlabelled_answered > 0 {
                format!(
                    ", {} of which have no label and count in shares only",
                    self.unlabelled_answered
                )
            } else {
                String::new()
            },
            self.method,
            pct(self.confidence),
            pct(self.precision),
            pct(self.max_share_shift),
        );
        md.push_str("| rule | decides | share then | share now | precision then (bound) | labelled rows now | precision now (bound) | verdict |\n");
        md.push_str("|---|---|---:|---:|---:|---:|---:|---|\n");
        for r in self.rules.iter().chain(std::iter::once(&self.overall)) {
            let name = if r.name == "*" {
                "**all rules**".to_string()
            } else {
                format!("`{}`", r.name)
            };
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                name,
                escape_md(&r.decision),
                r.then.as_ref().map_or("–".into(), |t| opt_pct(t.share)),
                opt_pct(r.now.share),
                r.then.as_ref().map_or("–".into(), |t| format!(
                    "{} ({})",
                    opt_pct(t.precision),
                    pct(t.lower_bound)
                )),
                r.now.support,
                format!("{} ({})", opt_pct(r.now.precision), pct(r.now.lower_bound)),
                if r.passed { "holds" } else { "**FAILS**" }
            );
        }
        md.push('\n');
        let failures: Vec<&RuleCheck> = self.failures().collect();
        if failures.is_empty() {
            md.push_str("Every rule holds on the new data.\n");
        } else {
            let _ = writeln!(
                md,
                "{} of {} rules fail{}:\n",
                failures.iter().filter(|r| r.name != "*").count(),
                self.rules.len(),
                if self.overall.passed {
                    ""
                } else {
                    ", and so does the rule set as a whole"
                }
            );
            for r in failures {
                let name = if r.name == "*" {
                    "the rule set as a whole".to_string()
                } else {
                    format!("`{}`", r.name)
                };
                for p in &r.problems {
                    let _ = writeln!(md, "- {name}: {}", escape_md(p));
                }
            }
        }
        md
    }
}

/// A difference of shares in percentage points, with its sign.
fn signed_points(x: f64) -> String {
    format!("{}{:.1}", if x >= 0.0 { "+" } else { "−" }, x.abs() * 100.0)
}
