//! The rule book's "In one minute" section, as plain-text points that both
//! formats render ([`summary_points`]): what is decided, the share the
//! rules take and their precision, what the fallback receives, the
//! teacher's own threshold for reference, what decisions cost, and the
//! notes on the figures.

use rulec_runtime::dsl;
use rulec_runtime::ir::{FiguresDoubt, RuleSet, Scope, SetFigures, TeacherThreshold};

use crate::book::{
    count, join_words, method_name, nothing_passed, one_column_decides, opt_pct, pct, pct_lower,
    ratio, rows, too_few_validation_rows,
};

/// A time in nanoseconds, in the unit that reads best.
fn duration_ns(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

/// A time in seconds.
fn duration_s(s: f64) -> String {
    if s.abs() >= 1.0 || s == 0.0 {
        format!("{s:.2} s")
    } else {
        duration_ns(s * 1e9)
    }
}

/// The teacher's own calibrated threshold, for reference: what the
/// teacher alone would answer at the target (on the test rows when there
/// are any).
fn teacher_threshold_point(t: &TeacherThreshold, precision: f64, confidence: f64) -> String {
    let how = format!(
        "the lowest threshold at which its answered validation rows reach {} by a one-sided Wilson bound at {} \
         confidence, chosen among all thresholds without correction, so not certified as the rules are",
        pct(precision),
        pct(confidence)
    );
    match t.threshold {
        Some(tau) => {
            let (a, split) = match &t.test {
                Some(a) => (a, "test"),
                None => (&t.validation, "validation"),
            };
            format!(
                "For reference, the teacher alone, answering only where its top class probability is at least {tau:.3} \
                 ({how}), would answer {} of the {split} rows ({}) and be right on {} of them.",
                pct(a.coverage()),
                rows(a.answered),
                opt_pct(a.precision())
            )
        }
        None => format!(
            "For reference, no threshold of the teacher's own class probability reaches {} on the validation rows \
             (by a one-sided Wilson bound at {} confidence): the teacher alone would answer nothing at this precision.",
            pct(precision),
            pct(confidence)
        ),
    }
}

/// A warning when the rules' own validation figures do not add up to the
/// set's: each row counts for the first rule that covers it, so as compiled
/// they always do, and they stop doing so when a rule was removed, added
/// or moved by hand. The set's figures, and its guarantee, are then not
/// those of these rules.
fn edited_after_compile(set: &RuleSet, summary: &rulec_runtime::ir::Summary) -> Option<String> {
    if set.edited_after_compile() {
        return Some(
            "These rules are not the set rulec compiled: rules.json was changed after the compile (its rules, their \
             order, conditions or decisions, the columns, the target, the certification or the forbidden columns; \
             the compile recorded a fingerprint of them, and this file's differs). The figures, the tests and the \
             guarantee in this book are those of the set as compiled, not of these rules. Compare the file with the \
             one signed off (rulec diff), measure these rules with rulec validate on labelled rows, or compile again."
                .to_string(),
        );
    }
    // Figures edited by hand, the rules left as they were (the
    // fingerprint covers the rules and confirms them; the compile writes
    // figures that hold together): no rule was removed or moved.
    if set.figures_doubt() == Some(FiguresDoubt::Inconsistent) {
        return Some(format!(
            "These figures are not the ones rulec wrote: {}, as the compile never writes them. rules.json was \
             edited after the compile, and the figures, the tests and the guarantee in this book cannot be trusted. \
             Compare the file with the one signed off (rulec diff), measure these rules with rulec validate on \
             labelled rows, or compile again.",
            set.figures_apart().unwrap_or_default()
        ));
    }
    let sums: Option<Vec<(u64, u64)>> = set
        .rules
        .iter()
        .map(|r| {
            r.evidence
                .as_ref()
                .map(|e| (e.validation.support, e.validation.correct))
        })
        .collect();
    let covered = &summary.validation.covered;
    if let Some(sums) = sums {
        let (support, correct) = sums
            .iter()
            .fold((0u64, 0u64), |(s, c), (rs, rc)| (s + rs, c + rc));
        if (support, correct) != (covered.support, covered.correct) {
            return Some(format!(
                "These rules are not the set rulec compiled: their own figures on the validation rows add up to {}, \
                 {} right, where the set's say {}, {} right: a figure was edited, or a rule removed or moved by hand, \
                 which hands its rows to the later rules whose conditions hold (the fallback gets only rows no rule \
                 covers) and changes their figures, so the figures and the guarantee in this book are those of the set \
                 as compiled, not of these rules. Measure these rules with rulec validate on labelled rows, or compile \
                 again.",
                rows(support),
                count(correct),
                rows(covered.support),
                count(covered.correct)
            ));
        }
    }
    // A compiled file records the fingerprint; one whose provenance lacks
    // it had it removed, or was not written by the compile.
    (set.figures_doubt() == Some(FiguresDoubt::NoFingerprint)).then(|| {
        "Nothing confirms that these rules are the set rulec compiled: rules.json carries figures but not \
         the fingerprint the compile records of the rules they were measured on (provenance.compiled: \
         removed, or the file was not written by rulec compile). The figures, the tests and the guarantee \
         in this book are only as good as that; compare the file with the one signed off (rulec diff), \
         measure these rules with rulec validate on labelled rows, or compile again."
            .to_string()
    })
}

/// A warning when the test rows contradict the guarantee: even the exact
/// upper bound of the rules' precision on them is below the required
/// precision. The test rows took no part in any choice, so this is
/// evidence against the certified set, which the stated confidence allows
/// now and then, and which a reader must not miss.
pub fn test_falls_short(set: &RuleSet) -> Option<String> {
    let covered = &set.summary.as_ref()?.test.as_ref()?.covered;
    if covered.support == 0 {
        return None;
    }
    let cert = &set.certification;
    let upper = rulec_runtime::stats::clopper_pearson_upper(
        covered.correct,
        covered.support,
        cert.confidence,
    );
    if upper >= cert.precision {
        return None;
    }
    // Records written several times: certification counted each once, the
    // test figures count every copy.
    let copies = set.provenance.iter().any(|p| {
        p.split_method
            .contains("a validation row's copies counted once")
    });
    Some(format!(
        "Warning: on the test rows the rules fall short of the requirement: right on {} of {} ({}), an upper \
         bound of {} at {} confidence, below the required {}. The test rows took no part in choosing or \
         certifying the rules, so this is evidence against the guarantee: the validation rows may have happened \
         to flatter these rules (the stated confidence allows that about one time in {}), or the test rows \
         differ from them (another period, another population){}. Do not rely on these rules before rulec check \
         confirms them on fresh labelled rows.",
        count(covered.correct),
        rows(covered.support),
        opt_pct(covered.precision()),
        pct(upper),
        pct(cert.confidence),
        pct(cert.precision),
        (1.0 / (1.0 - cert.confidence)).round(),
        if copies {
            ", or the copies of records count differently: the guarantee counts each record once, the test \
             figures every copy, so where the records the rules get wrong are written more often than the \
             others, the figures per row fall short of a guarantee that holds per record (drop the copies from \
             the test rows to check it per record; if new rows will repeat records the same way, the figures \
             per row are the ones to go by)"
        } else {
            ""
        }
    ))
}

/// A word on the kept rules right on fewer than the required share of
/// their own validation rows, in a set certified as a whole (or per
/// class): a reader of the rules table takes every kept rule for one at
/// the target. `None` when every rule reaches it, and with `--certify
/// rule`.
fn rules_below_alone(set: &RuleSet) -> Option<String> {
    let cert = &set.certification;
    if cert.scope == Scope::Rule {
        return None;
    }
    let below: Vec<(&str, u64, u64)> =
        set.rules
            .iter()
            .filter_map(|r| {
                let v = &r.evidence.as_ref()?.validation;
                (v.support > 0 && (v.correct as f64) < cert.precision * v.support as f64)
                    .then_some((r.name.as_str(), v.correct, v.support))
            })
            .collect();
    let (name, correct, support) = *below.first()?;
    Some(format!(
        "{} of the {} rules {} right on fewer than {} of {} own validation rows ({}: {} of {}): a rule may sit \
         below the requirement inside a set that meets it, as the guarantee is on {}; --certify rule holds each \
         rule to it alone.",
        below.len(),
        set.rules.len(),
        if below.len() == 1 { "is" } else { "are" },
        pct(cert.precision),
        if below.len() == 1 { "its" } else { "their" },
        name,
        count(correct),
        count(support),
        if cert.scope == Scope::Class {
            "each class's rules together"
        } else {
            "the rules together"
        }
    ))
}

/// The classes no rule decides, when some are: every row of them is left to
/// the fallback or decided wrongly, which a coverage and a precision alone
/// do not show (a rare class the rules never decide). With the covered
/// rows of those classes, where the confusion is known. `None` for numeric
/// targets, empty rule sets, and when every class is decided.
fn classes_never_decided(set: &RuleSet, f: &SetFigures, split: &str) -> Option<String> {
    let classes = &set.target.classes;
    if set.target.tolerance.is_some() || set.rules.is_empty() {
        return None;
    }
    let decided = |c: &str| set.rules.iter().any(|r| r.decision == c);
    let never: Vec<usize> = (0..classes.len())
        .filter(|&i| !decided(&classes[i]))
        .collect();
    if never.is_empty() {
        return None;
    }
    let named = |ids: &[usize]| -> Vec<String> {
        ids.iter().map(|&i| format!("\"{}\"", classes[i])).collect()
    };
    let which = if never.len() <= 8 {
        format!("No rule decides {}", join_words(&named(&never), "or"))
    } else {
        format!(
            "The rules decide {} of the {} classes; no rule decides the other {} (among them {})",
            count((classes.len() - never.len()) as u64),
            count(classes.len() as u64),
            count(never.len() as u64),
            join_words(&named(&never[..5]), "and")
        )
    };
    // Rows decided as a class the set decides, whose truth is one it does
    // not: in a set edited after the compile, the figures' rows decided as
    // a class no rule decides any more are not this set's.
    let wrongly = (!f.confusion.is_empty()).then(|| {
        f.confusion
            .iter()
            .enumerate()
            .filter(|(d, _)| !never.contains(d))
            .map(|(_, by_truth)| never.iter().filter_map(|&t| by_truth.get(t)).sum::<u64>())
            .sum::<u64>()
    });
    let of = if never.len() == 1 {
        "that class"
    } else {
        "those classes"
    };
    let tail = match wrongly {
        Some(n) => format!(
            ": every row of {of} goes to the fallback or is decided wrongly; on the {split} rows the rules \
             decided {} of {of} wrongly.",
            rows(n)
        ),
        None => format!(": every row of {of} goes to the fallback or is decided wrongly."),
    };
    Some(which + &tail)
}

/// When every rule decides the commonest class: how often answering it for
/// every row would be right, the scale the rules' precision reads against
/// (a set right on 95.7 % of its rows, deciding a class that is 93.7 % of
/// all rows, adds little to knowing the class is common).
fn commonest_class_only(set: &RuleSet, f: &SetFigures, split: &str) -> Option<String> {
    if set.target.tolerance.is_some() || set.rules.is_empty() || f.rows == 0 {
        return None;
    }
    let (top, &n) = f
        .class_rows
        .iter()
        .enumerate()
        .max_by_key(|&(i, n)| (*n, std::cmp::Reverse(i)))?;
    let class = set.target.classes.get(top)?;
    if !set.rules.iter().all(|r| &r.decision == class) {
        return None;
    }
    Some(format!(
        "For scale: every rule decides \"{class}\", the commonest class, which is {} of the {split} rows: \
         answering \"{class}\" for every row would be right on {} of them, and the rules are right on {} \
         of the rows they answer.",
        pct(ratio(n, f.rows)),
        pct(ratio(n, f.rows)),
        opt_pct(f.covered.precision()),
    ))
}

/// [`commonest_class_only`] on the split the book reports (test rows when
/// there are any), without its "For scale: " opening: the compile's note,
/// so that a reader of the console line alone is told it too.
pub fn commonest_class_scale(set: &RuleSet) -> Option<String> {
    let summary = set.summary.as_ref()?;
    let (f, split) = match &summary.test {
        Some(t) => (t, "test"),
        None => (&summary.validation, "validation"),
    };
    let said = commonest_class_only(set, f, split)?;
    Some(
        said.strip_prefix("For scale: ")
            .unwrap_or(&said)
            .to_string(),
    )
}

/// What the inputs' decision line says is decided: `decided`, the classes
/// as the book's format lists them; for a numeric target (its classes the
/// values the rules decide) a number within the tolerance, and those values.
pub(crate) fn decided_words(set: &RuleSet, decided: String) -> String {
    let Some(t) = set.target.tolerance else {
        return decided;
    };
    let which = if decided.is_empty() {
        "no rule decides one".to_string()
    } else {
        format!("the rules decide {decided}")
    };
    format!("a number, right within ±{t} of the true value; {which}")
}

/// How the compile's notes on a column of a value per row start, so that
/// the book finds them ([`identifier_read`]): whole numbers counted out,
/// whole numbers under an identifier's name, text.
pub fn per_row_prefixes(column: &str) -> [String; 3] {
    [
        format!("column `{column}` holds a different whole number in "),
        format!("column `{column}` is named as an identifier and holds "),
        format!("column `{column}` has a value of its own in "),
    ]
}

/// A caution when a kept rule reads a column the compile's data notes
/// call an identifier (a value of its own in nearly every training row: an
/// id, a row number): such a rule holds for new rows only if they are
/// numbered as these were. The compile said so in a note; a rule book read
/// without it said nothing where it mattered.
fn identifier_read(set: &RuleSet) -> Option<String> {
    let notes: Vec<&String> = set.provenance.iter().flat_map(|p| &p.data_notes).collect();
    let said = |column: &str| {
        let prefixes = per_row_prefixes(column);
        notes
            .iter()
            .any(|n| prefixes.iter().any(|p| n.starts_with(p.as_str())))
    };
    let column = set
        .rules
        .iter()
        .flat_map(|r| r.conditions.iter().flat_map(|c| c.features()))
        .find(|c| said(c))?;
    Some(format!(
        "Caution: the rules read `{column}`, which has a value of its own in nearly every training row, as an \
         identifier or a row number does (see the notes under Provenance): a rule on it holds for new rows only \
         if they are numbered as these were. If it is an identifier, leave it out with --forbid {column}."
    ))
}

/// The one-minute summary, as plain-text points.
pub(crate) fn summary_points(set: &RuleSet) -> Vec<String> {
    let target = &set.target.name;
    let cert = &set.certification;
    let classes = &set.target.classes;
    let mut out = vec![if let Some(t) = set.target.tolerance {
        format!(
            "What is decided: {target}, a number. Each rule predicts one value; a decision counts as right \
             (for precision, fidelity and accuracy alike) when it is within ±{} of the true value.",
            dsl::print_number(t)
        )
    } else if classes.len() <= 8 {
        format!(
            "What is decided: {target}, one of {}.",
            join_words(
                &classes
                    .iter()
                    .map(|c| format!("\"{c}\""))
                    .collect::<Vec<_>>(),
                "or"
            )
        )
    } else {
        format!(
            "What is decided: {target}, one of {} classes.",
            classes.len()
        )
    }];
    let Some(summary) = &set.summary else {
        out.push(format!(
            "{}; this rule set carries no measured figures.",
            crate::sentence::counted(set.rules.len(), "rule", "rules")
        ));
        return out;
    };
    if let Some(edited) = edited_after_compile(set, summary) {
        out.push(edited);
    }
    let (f, split) = match &summary.test {
        Some(t) => (t, "test"),
        None => (&summary.validation, "validation"),
    };
    let scope = match cert.scope {
        Scope::Set => "for the decisions of the rule set as a whole",
        Scope::Class => "for the decisions of each class the rules decide, class by class",
        Scope::Rule => "for each rule on its own",
    };
    if set.rules.is_empty() {
        out.push(format!(
            "No rule reached the required precision of {} ({scope}): the fallback takes every decision.",
            pct(cert.precision)
        ));
        if let Some(why) = too_few_validation_rows(set).or_else(|| nothing_passed(set)) {
            out.push(why);
        }
    } else {
        let split_words = if split == "test" {
            "test rows (never used to choose or certify a rule)".to_string()
        } else {
            "validation rows".to_string()
        };
        out.push(format!(
            "Share the rules decide (coverage): {} of the {} {split_words}, {}, by {}.",
            pct(f.coverage()),
            count(f.rows),
            rows(f.covered.support),
            crate::sentence::counted(set.rules.len(), "rule", "rules")
        ));
        // Under a per-class guarantee, the margin certified is the weakest
        // class's, not the pooled one.
        let weakest = (cert.scope == Scope::Class)
            .then(|| cert.tests.iter().rev().find(|t| t.passed))
            .flatten()
            .and_then(|t| {
                t.classes
                    .iter()
                    .min_by(|a, b| a.lower_bound.total_cmp(&b.lower_bound))
            });
        let bound_there = match weakest {
            Some(c) => format!(
                "bound there {} for the weakest class, {}",
                pct_lower(c.lower_bound, cert.precision),
                c.class
            ),
            None => format!(
                "bound there {}",
                pct_lower(
                    summary.validation.covered.precision_lower_bound,
                    cert.precision
                )
            ),
        };
        out.push(format!(
            "Precision of those decisions: {} right; lower {} confidence bound {} (one-sided {}). Required: {} {scope}, \
             certified on the {} of the {} validation rows the rules answer ({bound_there}).",
            opt_pct(f.covered.precision()),
            pct(cert.confidence),
            pct_lower(f.covered.precision_lower_bound, set.certification.precision),
            method_name(&cert.method),
            pct(cert.precision),
            count(summary.validation.covered.support),
            count(summary.validation.rows),
        ));
        if let Some(short) = test_falls_short(set) {
            out.push(short);
        } else if split == "test"
            && f.covered.support > 0
            && f.covered.precision_lower_bound < cert.precision
        {
            // A bound below the requirement on the test rows reads as a
            // failure: say what it is and is not.
            out.push(format!(
                "The test rows' bound, {}, is below the required {}, as a bound on this many rows can be where the \
                 precision sits near the requirement; their upper bound, {}, is above it, so they do not contradict \
                 the guarantee, which rests on the validation rows (the test rows only report).",
                pct_lower(f.covered.precision_lower_bound, cert.precision),
                pct(cert.precision),
                pct(rulec_runtime::stats::clopper_pearson_upper(
                    f.covered.correct,
                    f.covered.support,
                    cert.confidence
                )),
            ));
        }
        if let Some(below) = rules_below_alone(set) {
            out.push(below);
        }
        if let Some(never) = classes_never_decided(set, f, split) {
            out.push(never);
        }
        if let Some(scale) = commonest_class_only(set, f, split) {
            out.push(scale);
        }
    }
    if let Some(id) = identifier_read(set) {
        out.push(id);
    }
    if let Some(leak) = one_column_decides(set) {
        out.push(leak);
    }
    // Copies of records on several sides of a split column, which rulec
    // moved to one side: the split is no longer quite the user's.
    if let Some(copies) = set
        .provenance
        .iter()
        .flat_map(|p| &p.data_notes)
        .find(|n| n.contains("than their record's first row, and are moved to its side"))
    {
        out.push(format!("Caution: {copies}."));
    }
    let uncovered = f.rows.saturating_sub(f.covered.support);
    // The cascade is right where the rules are right on covered rows and
    // where the teacher is right elsewhere; the difference is the teacher's
    // record on the rows it receives.
    let teacher_right = f.cascade_correct.saturating_sub(f.covered.correct);
    if uncovered == 0 {
        out.push("What the fallback receives: no row; the rules answer every one.".to_string());
    } else if f.covered.support == 0 {
        out.push(format!(
            "What the fallback receives: every row ({}), as no certified rule applies to any; the teacher \
             model answers them and is right on {} of them.",
            rows(uncovered),
            pct(ratio(teacher_right, uncovered))
        ));
    } else {
        out.push(format!(
        "What the fallback receives: the other {} ({}), where no certified rule applies; the teacher model \
         answers them and is right on {} of them. These are the harder cases the rules leave alone.",
            pct(1.0 - f.coverage()),
            rows(uncovered),
            pct(ratio(teacher_right, uncovered))
        ));
    }
    out.push(format!(
        "Overall, rules plus fallback are right on {} of {split} rows; the teacher alone on {}.",
        pct(f.cascade_accuracy()),
        pct(f.teacher_accuracy())
    ));
    if let Some(t) = &summary.teacher_threshold {
        out.push(teacher_threshold_point(t, cert.precision, cert.confidence));
    }
    if let Some(c) = &summary.cost {
        let per_million = |x: f64| format!("{} million", crate::book::one_decimal(x));
        out.push(format!(
            "Compute saved: per million decisions, the teacher alone makes about {} comparisons; the rules make {} and \
             hand {} of the decisions to the teacher (on the validation rows, where these costs are counted), about {} \
             comparisons in all: {} less. (A comparison is one threshold or category test, by a tree of the teacher or \
             a rule condition.)",
            per_million(c.teacher_per_decision),
            per_million(c.rules_per_decision),
            pct(1.0 - c.coverage),
            per_million(c.cascade_per_decision()),
            pct(c.saved_share())
        ));
    }
    if let Some(m) = &summary.measured_cost {
        out.push(format!(
            "Measured time (rulec compile --measure-cost, on the compiling machine): the teacher takes {} per decision, \
             the rules {} (the interpreter; the generated crate is faster). With the rules first, taking {} of the \
             decisions, a decision costs {} on average: {} less, {} of compute saved per million decisions. ({})",
            duration_ns(m.teacher_ns),
            duration_ns(m.rules_ns),
            pct(m.coverage),
            duration_ns(m.cascade_ns()),
            pct(m.saved_share()),
            duration_s(m.saved_seconds_per_million()),
            m.method
        ));
    }
    if summary.test.is_none() {
        out.push("The data had no test rows: the figures above are from the validation rows the rules were certified on, and are optimistic.".to_string());
    }
    out
}
