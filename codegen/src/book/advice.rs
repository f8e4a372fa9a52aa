//! What the book and the console say when nothing was certified, or a
//! compile's data left little to certify: why no set was tested or passed,
//! too few validation rows, one column that decides alone, and what may
//! help.

use rulec_runtime::ir::{RuleSet, Scope};

use super::{count, opt_pct, pct, pct_lower, ratio};

/// The certification section when no set was tested, as the compile's
/// note says it: the curve's sets, measured afterwards, were not tested.
pub(crate) fn nothing_tested(set: &RuleSet) -> String {
    format!(
        "No set was tested: {}. The curve of coverage against precision, where there is one, goes on as the order would with no precision to hold: its sets were measured afterwards, not tested.",
        untested_cause(set, "the target")
    )
}

/// Whether a set of the curve (the candidates in order) answers enough
/// validation rows for a flawless set to pass the exact test.
fn curve_answers_enough_rows(set: &RuleSet) -> bool {
    let least = rulec_runtime::stats::exact_min_rows(
        set.certification.precision,
        set.certification.confidence,
    );
    set.summary
        .as_ref()
        .is_some_and(|s| s.curve.iter().any(|p| p.support >= least))
}

/// Why no set was tested, from what the rule set records: with learned
/// candidates in the order (its near misses), the sets they make answer too
/// few validation rows to pass even without an error (the plan tests no set
/// that cannot pass); without, no candidate kept its estimated precision on
/// the training rows at what `target` needs there.
fn untested_cause(set: &RuleSet, target: &str) -> String {
    let ordered = set
        .rejected
        .iter()
        .any(|r| r.rule.name.starts_with("near_miss_"));
    // When sets of the candidates answer enough validation rows for a
    // flawless one to pass (the curve's), rows were not all that stopped
    // the plan: it tests only sets with a chance, and their training
    // estimates gave them none.
    if ordered && curve_answers_enough_rows(set) {
        format!(
            "the order built sets of candidates, but the plan tests only sets with a chance of passing, and none had one: those that answer enough validation rows were estimated, on the training rows held out to rank them, too far below what {target} needs (the rule book's coverage against precision shows what such sets reach on the validation rows)"
        )
    } else if ordered {
        "the order built sets of candidates, but each answers too few validation rows to pass even without an error".to_string()
    } else {
        format!("no candidate rule kept its estimated precision on the training rows at what {target} needs there")
    }
}

/// Why no rule set could have passed, when the validation rows were too
/// few for the exact test: even a set right on every one of them has a
/// lower bound below the precision. `None` when they were enough, or
/// when the bound is not the exact one.
pub fn too_few_validation_rows(set: &RuleSet) -> Option<String> {
    let cert = &set.certification;
    let rows = set.summary.as_ref()?.validation.rows;
    if cert.method != rulec_runtime::stats::CLOPPER_PEARSON {
        return None;
    }
    let least = rulec_runtime::stats::exact_min_rows(cert.precision, cert.confidence);
    if rows >= least || least == u64::MAX {
        return None;
    }
    Some(format!(
        "No rule set could have been certified with {}: even one right on every row it answers has an exact lower bound of at most {} at {} confidence, below {}. The least is {} rows, all answered and all right (more rows, a larger validation share (--split, when rulec splits the rows), or a lower --precision or --confidence).",
        crate::sentence::counted(rows as usize, "validation row", "validation rows"),
        pct_lower(
            rulec_runtime::stats::clopper_pearson_lower(rows, rows, cert.confidence),
            cert.precision
        ),
        pct(cert.confidence),
        pct(cert.precision),
        crate::book::count(least),
    ))
}

/// A warning when every rule tests one and the same column and the rules
/// answer at least 99 % of the validation rows without an error: a target
/// read off one column that cleanly is often a leak (the column recorded
/// after the outcome, or computed from it), and then the rules will not
/// hold on new rows; else, when a kept rule reads a column the compile's
/// data notes say gives the target away alone on the training rows
/// (beside other columns), a warning naming it. `None` otherwise.
/// Nothing is changed: the rules are
/// certified as they are; whether the column is known at decision time is
/// for the user to say.
pub fn one_column_decides(set: &RuleSet) -> Option<String> {
    let v = &set.summary.as_ref()?.validation;
    let mut columns = set
        .rules
        .iter()
        .flat_map(|r| r.conditions.iter().flat_map(|c| c.features()));
    if let Some(column) = columns.next() {
        if columns.all(|c| c == column)
            && v.rows > 0
            && v.covered.support * 100 >= v.rows * 99
            && v.covered.correct >= v.covered.support
        {
            return Some(format!(
                "One column, `{column}`, decides {} of the validation rows without an error. A target that one column \
                 gives away so cleanly is often a leak: if `{column}` is recorded after the outcome, or computed from \
                 it, these rules will not hold on new rows (leave it out with --forbid {}); if it is known when \
                 the decision is made, they stand.",
                pct(ratio(v.covered.support, v.rows)),
                super::shell_word(column)
            ));
        }
    }
    // A column the compile found to give the target away on the training
    // rows (its data notes), which a kept rule reads beside others.
    let notes: Vec<&String> = set.provenance.iter().flat_map(|p| &p.data_notes).collect();
    let read = set
        .rules
        .iter()
        .flat_map(|r| r.conditions.iter().flat_map(|c| c.features()));
    for column in read {
        let prefix = giveaway_prefix(column);
        if notes.iter().any(|n| n.starts_with(&prefix)) {
            return Some(format!(
                "The rules read `{column}`, which alone gives the target away on the training rows \
                 (see the notes under Provenance). A target given away so cleanly is often a leak: if \
                 `{column}` is recorded after the outcome, or computed from it, these rules will not \
                 hold on new rows (leave it out with --forbid {column}); if it is known when the \
                 decision is made, they stand."
            ));
        }
    }
    None
}

/// How the compile's note on a column that alone gives the target away
/// on the training rows starts (the rest says how, and what to do).
pub fn giveaway_prefix(column: &str) -> String {
    format!("column `{column}` alone gives the target away")
}

/// Why nothing was certified when the validation rows were enough: the
/// first set tested, what it reached, and what may let a set pass (with
/// `--certify rule`, what each rule alone needed). `None` when rules were
/// kept, or when the rows were too few (see [`too_few_validation_rows`]).
pub fn nothing_passed(set: &RuleSet) -> Option<String> {
    let cert = &set.certification;
    if !set.rules.is_empty() || too_few_validation_rows(set).is_some() {
        return None;
    }
    if cert.scope == Scope::Rule {
        let need = rulec_runtime::stats::exact_min_rows(cert.precision, cert.confidence);
        return Some(format!(
            "Nothing was certified: with --certify rule each rule must reach a lower bound of {} at {} confidence on the validation rows it answers alone, which takes at least {} of them, every one right, and more with any error; no candidate did. --certify set (the default) holds the rules as a whole to the target, which needs far fewer rows of each rule; a lower --precision may let a rule pass too.",
            pct(cert.precision),
            pct(cert.confidence),
            count(need),
        ));
    }
    // Of the two built-in tree teachers, neither certifies more on every
    // table (the book's benchmark chapter): name the other one.
    let teacher = set.provenance.as_ref().and_then(|p| {
        p.options
            .iter()
            .find(|(name, _)| name == "teacher")
            .map(|(_, value)| value.as_str())
    });
    let other_teacher = match teacher {
        Some("forest") => "the gradient-boosted trees (--teacher gbdt)",
        Some("gbdt") => "the random forest (--teacher forest)",
        _ => "another teacher (--teacher)",
    };
    // A numeric target has one teacher (the forest) and no near misses in
    // the book: a wider tolerance is what it can change.
    // A target of numbers read as classes (the compile's note says so):
    // predicting a number within a tolerance may be what is wanted.
    let numbers_as_classes = set.provenance.iter().flat_map(|p| &p.data_notes).any(|n| {
        n.starts_with("target `") && n.contains("if it is a quantity, give --tolerance X")
    });
    let tolerance_hint = if numbers_as_classes {
        " If the target is a quantity, --tolerance X predicts it within ±X instead (see the note on the data)."
    } else {
        ""
    };
    let what_helps = if set.target.tolerance.is_some() {
        "More validation rows (a larger validation share with --split, or more rows marked for validation in the split column), a wider --tolerance, or a lower --precision may let a set pass".to_string()
    } else {
        format!(
            "More validation rows (a larger validation share with --split, or more rows marked for validation in the split column), {other_teacher}, or a lower --precision may let a set pass{}",
            if set.rejected.is_empty() {
                ""
            } else {
                "; the rule book lists the candidates next in line"
            }
        )
    };
    // Columns that hold one value each tell no row from another: no
    // option helps (the compile's note on the data says so).
    let nothing_to_read = set.provenance.iter().flat_map(|p| &p.data_notes).any(|n| {
        n.starts_with("every feature ") && n.contains("holds a single value on the training rows")
    });
    if cert.tests.is_empty() && nothing_to_read {
        return Some(
            "Nothing was tested: every feature holds a single value on the training rows (see the note on the \
             data), so a rule can only answer every row alike, with one class; more validation rows or another \
             teacher do not change that. A --precision no higher than how often that class is right may let \
             such a rule pass; compile a file with columns that bear on the target for more."
                .to_string(),
        );
    }
    let Some(first) = cert.tests.first() else {
        // Where the sets answered rows enough, more rows are not what
        // they lack, unless the split is so small that only a set nearly
        // without error could pass (under ten times the fewest rows a
        // flawless set needs: 590 for 95 % at 95 % confidence).
        let least = rulec_runtime::stats::exact_min_rows(cert.precision, cert.confidence);
        let few = set
            .summary
            .as_ref()
            .is_some_and(|s| s.validation.rows < 10 * least);
        let what_helps = if curve_answers_enough_rows(set) && !few {
            what_helps.replace(
                "More validation rows (a larger validation share with --split, or more rows marked for validation in the split column), ",
                "",
            )
        } else {
            what_helps
        };
        let what_helps = capitalise(&what_helps);
        return Some(format!(
            "Nothing was tested: {}. {what_helps}.{tolerance_hint}",
            untested_cause(set, &format!("a target of {}", pct(cert.precision))),
        ));
    };
    let set_words = if first.rules == 1 {
        "the first candidate".to_string()
    } else {
        format!("the first {} candidates", first.rules)
    };
    // A set right less often than the target itself would not pass on any
    // number of rows like these: more of them is no advice (the wine table,
    // given a larger validation share as advised, got the advice again).
    let below_target = (first.correct as f64) < cert.precision * first.support as f64;
    let what_helps = match (below_target, set.target.tolerance) {
        (false, _) => what_helps,
        (true, Some(_)) => "Right less often than the target itself, it would fail on more rows like these too; a wider --tolerance or a lower --precision may let a set pass".to_string(),
        (true, None) => format!(
            "Right less often than the target itself, it would fail on more rows like these too; {other_teacher} or a lower --precision may let a set pass{}",
            if set.rejected.is_empty() {
                ""
            } else {
                "; the rule book lists the candidates next in line"
            }
        ),
    };
    Some(format!(
        "Nothing was certified: the first set tested, {set_words} in order, was right on {} of the {} validation rows it answers ({}), a lower bound of {} at {} confidence, below {} (it needed {} right); testing stops at the first failure. {what_helps}.{tolerance_hint}",
        count(first.correct),
        count(first.support),
        opt_pct(if first.support == 0 {
            None
        } else {
            Some(first.correct as f64 / first.support as f64)
        }),
        pct_lower(first.lower_bound, set.certification.precision),
        pct(first.confidence),
        pct(cert.precision),
        needed_right(first.support, cert.precision, first.confidence),
    ))
}

/// `text` with its first letter upper case.
fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// How many of `n` rows a set must get right for the exact test at
/// `confidence` to pass `precision`, in words ("all 59", "129 of 131");
/// "more than all" when even every one is not enough.
pub(super) fn needed_right(n: u64, precision: f64, confidence: f64) -> String {
    let passes =
        |k: u64| rulec_runtime::stats::clopper_pearson_lower(k, n, confidence) >= precision;
    if n == 0 || !passes(n) {
        return format!("more than all {}", count(n));
    }
    let (mut lo, mut hi) = (0u64, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if passes(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    if lo == n {
        format!("all {}", count(n))
    } else {
        format!("{} of {}", count(lo), count(n))
    }
}
