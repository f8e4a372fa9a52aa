//! The rule book's account of the certification, shared by both formats:
//! how the guarantee was obtained (per scope: the set, each class, each
//! rule), the tests run as table rows, the coverage curve, and what the
//! book can say about the rows the teacher saw.

use rulec_runtime::ir::{OrderKind, RuleSet, Scope};
use rulec_runtime::stats::z_one_sided;

use crate::book::{method_name, pct};

/// How the candidates of a set guarantee were ordered by the greedy order
/// (the exact test's account).
fn greedy_for_the_set(set: &RuleSet) -> String {
    format!(
        "candidate rules were ordered on training rows held out from fitting them, most certain \
         first, while their estimated precision there (the teacher's {view} tempering the true \
         labels, for each rule never below what those labels alone vouch for) stayed at the \
         precision aimed at, then, once no candidate kept it there, at the required precision \
         itself, and last with the rules whose own rows there reach it by what their true labels \
         alone vouch for at the stated confidence (longer prefixes, tested last).",
        view = teacher_view(set),
    )
}

/// How the candidates of a per-class guarantee were ordered by the greedy
/// order.
fn greedy_per_class(set: &RuleSet) -> String {
    format!(
        "candidate rules were ordered on training rows held out from fitting them, most certain \
         first, keeping each class's estimated precision there (the teacher's {view} tempering the \
         true labels, for each rule never below what those labels alone vouch for) at the precision \
         aimed at, then, once no candidate kept it there, at the target itself (longer prefixes, \
         tested last).",
        view = teacher_view(set),
    )
}

/// How the candidates were ordered: `greedy` (the greedy order's account
/// for the scope), or the confidence order, and which of the two was
/// tested and why when both were built.
fn how_ordered(set: &RuleSet, greedy: String) -> String {
    let cert = &set.certification;
    let Some(choice) = cert.order else {
        return greedy;
    };
    let rules = |n: usize| crate::sentence::counted(n, "rule", "rules");
    let net = |x: f64, n: usize| x - choice.rule_cost * n as f64;
    let costed = choice.rule_cost > 0.0;
    // What the plan expected of an order, and what was compared: that less
    // the rule cost.
    let plan = |x: f64, n: usize| {
        if n == 0 {
            return "no set with a chance of passing".to_string();
        }
        let expected = format!(
            "{} validation {} with at most {}",
            tenths(x),
            if tenths(x) == "1" { "row" } else { "rows" },
            rules(n)
        );
        if costed {
            format!("{expected}, {} net", tenths(net(x, n)))
        } else {
            expected
        }
    };
    let greedy_plan = plan(choice.greedy_expected, choice.greedy_rules);
    let confidence_plan = plan(choice.confidence_expected, choice.confidence_rules);
    let how = "reckoned for both orders alike, before any validation label was read, from where \
               each set applies on the validation rows and the true labels of the held-out \
               training rows each rule adds, labels that flatter the greedy order, which was \
               chosen on them";
    let weighed =
        if costed {
            format!(
            "{how}; net is that less {} validation {} for each rule, the fewest a rule must add \
             to be worth reading: 0.2 % of the validation rows, rounded down",
            tenths(choice.rule_cost),
            if choice.rule_cost == 1.0 { "row" } else { "rows" },
        )
        } else {
            how.to_string()
        };
    let net_word = if costed { " net" } else { "" };
    let second = "A second order was built too, the teacher's confidence order (the leaves of one \
                  tree fitted to the teacher's probabilities, the teacher's most confident first)";
    match choice.taken {
        OrderKind::Greedy if choice.greedy_rules == 0 && choice.confidence_rules == 0 => format!(
            "{greedy} {second}; in neither did the testing plan find a set with a chance of \
             passing ({how}), and the greedy order was kept."
        ),
        OrderKind::Greedy => format!(
            "{greedy} {second}; the greedy order was tested because the testing plan expected at \
             least as much of it{net_word}: {greedy_plan}, against {confidence_plan}, for the \
             confidence order, {weighed}."
        ),
        OrderKind::Confidence => format!(
            "a decision tree was fitted to the teacher's probabilities on training rows, and its \
             leaves, each a rule deciding the class the teacher favours there, were ordered by the \
             teacher's mean probability of that class over the training rows each answers \
             (out-of-bag or cross-fitted, so not flattered by the rows the teacher learned from), \
             most confident first; leaves where it is below {floor} were left out. This order was \
             tested, not the greedy order of all candidates (ordered on training rows held out from \
             fitting them, most certain first), {why} {confidence_plan}, against {greedy_plan}, \
             for the greedy order, {weighed}.",
            floor = pct((2.0 * cert.precision - 1.0).max(0.0)),
            why = if choice.by_option {
                "because the option --order confidence asked for it; the testing plan expected"
            } else {
                if costed {
                    "because the testing plan expected more of it net:"
                } else {
                    "because the testing plan expected more of it:"
                }
            },
        ),
    }
}

/// `x` with one decimal, none when it is whole, and thousands separators:
/// `26,255`, `472.1`, `-12.5`.
fn tenths(x: f64) -> String {
    let t = (x.abs() * 10.0).round() as u64;
    let sign = if x < 0.0 && t > 0 { "-" } else { "" };
    match t % 10 {
        0 => format!("{sign}{}", crate::book::count(t / 10)),
        d => format!("{sign}{}.{d}", crate::book::count(t / 10)),
    }
}

/// How the guarantee was obtained, as plain-text paragraphs.
pub(crate) fn certification_paragraphs(set: &RuleSet) -> Vec<String> {
    let cert = &set.certification;
    let z = z_one_sided(cert.confidence);
    let exact = cert.method != "wilson";
    let bound_words = if exact {
        format!(
            "one-sided {} lower confidence bound at {}",
            method_name(&cert.method),
            pct(cert.confidence)
        )
    } else {
        format!(
            "one-sided {} lower confidence bound (z = {z:.3} at {})",
            method_name(&cert.method),
            pct(cert.confidence)
        )
    };
    let mut paragraphs = match cert.scope {
        Scope::Set if exact => vec![
            format!(
                "The guarantee is about the rule set as a whole: with confidence {conf}, the precision of the \
                 decisions the rules take is at least {p}. The bound is the {bound_words} of the precision \
                 against the true labels on the validation rows: it comes from the binomial distribution \
                 itself, so the stated confidence holds at every number of rows (it assumes new rows are \
                 drawn like the validation rows, each on its own, and labels as recorded; copies of one \
                 record count once).",
                conf = pct(cert.confidence),
                p = pct(cert.precision),
            ),
            format!(
                "How the set was chosen: {ordered} Of the validation rows, the order \
                 read only where each candidate applies: not their labels, and not the teacher's view of them \
                 either, which says much of their labels. Each prefix of that order is a nested rule set. A \
                 testing plan was fixed before any validation label was read, too: which prefixes to test, \
                 smallest first, chosen from their training-row precision (each rule's read at a mild lower \
                 bound, as its evidence there allows) and from how many validation rows each answers. The \
                 planned prefixes were then tested in turn on the validation \
                 rows, each at the full level of {alpha}, and testing stopped at the first failure (a fixed \
                 sequence of tests); the chance of certifying any set whose true precision is below the \
                 requirement stays within {alpha}. The last prefix that passed is the rule set, after an exact \
                 compaction that merges rules without changing any decision (so the table below counts \
                 candidates in the order, before merging). {saw}; test rows are never used for any choice \
                 and are reported only. Per-rule bounds \
                 are reported for information: a single rule may sit below the required precision while \
                 the set meets it.",
                alpha = pct(1.0 - cert.confidence),
                saw = teacher_saw(set),
                ordered = how_ordered(set, greedy_for_the_set(set)),
            ),
        ],
        Scope::Set => vec![
            format!(
                "The guarantee is about the rule set as a whole: with confidence {conf}, the precision of the \
                 decisions the rules take is at least {p}. The bound is the one-sided {m} lower confidence \
                 bound (z = {z:.3} at {conf}) of the precision against the true labels on the validation rows.",
                conf = pct(cert.confidence),
                p = pct(cert.precision),
                m = method_name(&cert.method),
            ),
            format!(
                "How the set was chosen: candidate rules were ordered on training rows held out from fitting \
                 them, most certain first, before any validation label was read. Each prefix of that order is a \
                 nested rule set. Prefixes were tested on the validation rows, most promising first, by Wiens' \
                 fallback procedure: the error budget of {alpha} is shared by the first tests, and a passing test \
                 hands its share on. The family-wise error of all tests together stays within {alpha}. The \
                 longest prefix that passed is the rule set, after an exact compaction that merges rules without \
                 changing any decision (so the table below counts candidates in the order, before merging). \
                 {saw}; test rows are never used for any choice and are reported only. Per-rule bounds \
                 are reported for information: a single rule may sit below the required precision while \
                 the set meets it.",
                alpha = pct(1.0 - cert.confidence),
                saw = teacher_saw(set),
            ),
        ],
        Scope::Class => vec![
            format!(
                "The guarantee is about each class the rules decide: with confidence {conf}, for every class, \
                 the precision of the decisions the rules take for that class is at least {p}, so an average \
                 over classes cannot hide a class below it. Each bound is the {bound_words} of that class's \
                 precision against the true labels on the validation rows the rules decide as that class: it \
                 comes from the binomial distribution itself, so the stated confidence holds at every number \
                 of rows (it assumes new rows are drawn like the validation rows, each on its own, and labels as \
                 recorded; copies of one record count once).",
                conf = pct(cert.confidence),
                p = pct(cert.precision),
            ),
            format!(
                "How the set was chosen: {ordered} Of the validation rows, the order read only \
                 where each candidate applies: not their labels, and not the teacher's view of them either, \
                 which says much of their labels. Each prefix of that order is a nested rule set. A testing \
                 plan was fixed before any validation label was read, too, from each class's training-row \
                 precision (each rule's read at a mild lower bound, as its evidence there allows) and \
                 validation rows. The planned prefixes were then tested in turn on the validation rows; a prefix \
                 passed only when every class it decides passed its own exact test at the full level of {alpha} \
                 (an intersection–union test, whose error stays within {alpha}), and testing stopped at the \
                 first failure (a fixed sequence of tests): the chance of certifying any set in which some \
                 class's true precision is below the requirement stays within {alpha}. The last prefix that \
                 passed is the rule set, after an exact compaction that merges rules without changing any \
                 decision (so the table below counts candidates in the order, before merging). {saw}; test \
                 rows are never used for any choice and are reported only. Per-rule bounds are reported for \
                 information: a single rule may sit below the required precision while its class meets it.",
                alpha = pct(1.0 - cert.confidence),
                saw = teacher_saw(set),
                ordered = how_ordered(set, greedy_per_class(set)),
            ),
        ],
        Scope::Rule => vec![format!(
            "The guarantee is about each rule: a rule is kept only when the {bound_words} of its precision \
             against the true labels, on the validation rows it answers (those no earlier rule answers), \
             reaches the required precision of {}. Nothing corrects for the number of candidate rules tried, \
             so the bounds are optimistic when many were. {}; test rows are never used for any choice \
             and are reported only.",
            pct(cert.precision),
            teacher_saw(set)
        )],
    };
    paragraphs.push(
        "Which engine computed the evidence: every figure in this book was computed by rulec's own \
         interpreter (rulec-runtime), in process, on the rule set exactly as it runs. rulec validate \
         --engine sql recomputes the per-rule evidence with a SQL engine (polars' embedded one, or the \
         emitted Spark SQL on a cluster) where the data lives."
            .to_string(),
    );
    paragraphs
}

/// One row of the certification tests' table.
pub(crate) struct TestRow {
    /// What was tested, in words.
    pub what: String,
    pub support: u64,
    pub correct: u64,
    pub confidence: f64,
    pub lower_bound: f64,
    pub passed: bool,
}

/// The certification tests as table rows: one per tested set, and with
/// `scope: class` one more per decided class under it.
pub(crate) fn test_rows(cert: &rulec_runtime::ir::Certification) -> Vec<TestRow> {
    let mut rows = Vec::new();
    for t in &cert.tests {
        rows.push(TestRow {
            what: if t.classes.is_empty() {
                first_candidates(t.rules)
            } else {
                format!("{}, every class", first_candidates(t.rules))
            },
            support: t.support,
            correct: t.correct,
            confidence: t.confidence,
            lower_bound: t.lower_bound,
            passed: t.passed,
        });
        for c in &t.classes {
            rows.push(TestRow {
                what: format!("… decided as \"{}\"", c.class),
                support: c.support,
                correct: c.correct,
                confidence: t.confidence,
                lower_bound: c.lower_bound,
                passed: c.passed,
            });
        }
    }
    rows
}

/// What the coverage/precision curve shows.
pub(crate) fn curve_paragraph(set: &RuleSet) -> String {
    format!(
        "Each point is the rule set made of the first k rules of the curve, measured on the validation rows: \
         how many rows it answers (coverage) and how many of those it gets right (precision), with the lower \
         {conf} confidence bound. Adding rules buys coverage at the cost of precision. The kept rules come \
         first; past them the curve goes on as {continued} with no precision to hold (at each step the \
         candidate, not kept, whose new training rows are most surely right), which is what a lower target \
         would add. Past the kept rules, the curve's first k rules are therefore not the sets the \
         certification tested (\"first k candidates in order\" under How rules were certified){near}: \
         {which} from the order as it held the set at the precision it aimed at. Reading the curve at another target shows about the coverage \
         that target would buy. The chosen set has {n}. These bounds are not corrected for \
         the number of prefixes looked at; the certification tests are.",
        conf = pct(set.certification.confidence),
        // The curve continues greedily whichever order was tested.
        continued = match set.certification.order {
            Some(choice) if choice.taken == OrderKind::Confidence => {
                "the greedy order would (not the teacher's confidence order the sets were tested on)"
            }
            _ => "the order would",
        },
        near = if set.rejected.is_empty() {
            ""
        } else {
            ", nor need they be the near misses under Rules considered and not kept"
        },
        which = if set.rejected.is_empty() { "those come" } else { "both come" },
        n = crate::sentence::counted(set.rules.len(), "rule", "rules")
    )
}

/// What the book can say about the rows the teacher saw. rulec's own
/// teachers learn from training rows only (and so does a Python model the
/// package fits, `python-fit:`); a logged column, an external program or
/// a Python model fitted before the compile (`python:`) was trained elsewhere, and the guarantee rests on it never
/// having seen the validation rows' labels (rules distilled from a teacher
/// that learnt them would carry them into the choice of rules).
fn teacher_saw(set: &RuleSet) -> &'static str {
    if external_teacher(set) {
        "The teacher ran outside rulec (a logged column, an external program or a model fitted \
         before the compile), so rulec cannot \
         know what it learnt from: the guarantee assumes it was never trained, tuned or calibrated on \
         the validation rows, as rulec's own teachers never are; rules are never fitted on validation rows"
    } else {
        "Validation rows are never used to train the teacher or to fit rules"
    }
}

/// Whether the teacher ran outside rulec (a logged column, an external
/// program, a model fitted before the compile).
fn external_teacher(set: &RuleSet) -> bool {
    teacher_option(set).is_some_and(|v| {
        v.starts_with("column:") || v.starts_with("cmd:") || v.starts_with("python:")
    })
}

/// The `--teacher` the compile recorded, when it recorded one.
fn teacher_option(set: &RuleSet) -> Option<&str> {
    set.provenance
        .as_ref()
        .and_then(|p| p.options.iter().find(|(k, _)| k == "teacher"))
        .map(|(_, v)| v.as_str())
}

/// The teacher's view of the training rows the order reads, as the book
/// names it: the forest's out-of-bag probabilities (the default teacher,
/// recorded or not), the other built-in teachers' cross-fitted ones, and
/// an outside teacher's as it gave them (it may have learnt from those
/// very rows).
fn teacher_view(set: &RuleSet) -> &'static str {
    let numeric = set.target.tolerance.is_some();
    match teacher_option(set) {
        Some(t) if t.starts_with("column:") => {
            "logged decisions, as it gave them (it may have learnt from those rows)"
        }
        Some(_) if external_teacher(set) => {
            "probabilities, as it gave them (it may have learnt from those rows)"
        }
        None | Some("forest") if numeric => "out-of-bag predictions",
        None | Some("forest") => "out-of-bag probabilities",
        Some(_) => "cross-fitted probabilities",
    }
}

/// The tested set's name: `first 3 candidates in order`, or `first
/// candidate in order` for one.
fn first_candidates(k: usize) -> String {
    if k == 1 {
        "first candidate in order".to_string()
    } else {
        format!("first {k} candidates in order")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rulec_runtime::ir::{OrderChoice, Target};

    fn set_with(choice: Option<OrderChoice>) -> RuleSet {
        let target = Target {
            name: "y".into(),
            classes: vec!["a".into(), "b".into()],
            tolerance: None,
        };
        let mut set = RuleSet::new(target, Vec::new(), Vec::new(), 0.95, 0.95);
        set.certification.order = choice;
        set
    }

    /// [`how_ordered`] for a set guarantee.
    fn how_ordered_set(set: &RuleSet) -> String {
        how_ordered(set, greedy_for_the_set(set))
    }

    fn choice(taken: OrderKind) -> OrderChoice {
        OrderChoice {
            taken,
            greedy_expected: 26_255.0,
            greedy_rules: 22,
            confidence_expected: 26_385.0,
            confidence_rules: 39,
            rule_cost: 80.0,
            by_option: false,
        }
    }

    #[test]
    fn the_curve_says_it_goes_on_greedily_after_the_confidence_order() {
        // Past the kept rules the curve continues greedily
        // (`pipeline::assemble`): after the confidence order, the book says
        // so rather than "as the order would".
        let text = curve_paragraph(&set_with(Some(choice(OrderKind::Confidence))));
        assert!(
            text.contains("the curve goes on as the greedy order would (not the teacher's confidence order the sets were tested on) with no precision to hold"),
            "{text}"
        );
        for greedy in [None, Some(choice(OrderKind::Greedy))] {
            let text = curve_paragraph(&set_with(greedy));
            assert!(
                text.contains("the curve goes on as the order would with no precision to hold"),
                "{text}"
            );
        }
    }

    #[test]
    fn the_book_names_the_order_tested_and_the_figures_compared() {
        // The greedy order expected fewer rows but more net of its rules:
        // the book says so, with the net figures.
        let text = how_ordered_set(&set_with(Some(choice(OrderKind::Greedy))));
        assert!(
            text.contains("the greedy order was tested because the testing plan expected at least as much of it net: 26,255 validation rows with at most 22 rules, 24,495 net, against 26,385 validation rows with at most 39 rules, 23,265 net, for the confidence order"),
            "{text}"
        );
        assert!(
            text.contains("net is that less 80 validation rows for each rule"),
            "{text}"
        );
        let text = how_ordered_set(&set_with(Some(OrderChoice {
            by_option: true,
            ..choice(OrderKind::Confidence)
        })));
        assert!(
            text.starts_with("a decision tree was fitted to the teacher's probabilities"),
            "{text}"
        );
        assert!(
            text.contains("because the option --order confidence asked for it"),
            "{text}"
        );
        // Nothing planned in either: no figures to compare.
        let text = how_ordered_set(&set_with(Some(OrderChoice {
            greedy_expected: 0.0,
            greedy_rules: 0,
            confidence_expected: 0.0,
            confidence_rules: 0,
            rule_cost: 0.0,
            ..choice(OrderKind::Greedy)
        })));
        assert!(
            text.contains("in neither did the testing plan find a set with a chance of passing"),
            "{text}"
        );
        assert!(
            !text.contains("0 validation rows") && !text.contains("net"),
            "{text}"
        );
        // No rule cost (under 500 validation rows): no net to speak of; an
        // order without a planned set says so.
        let text = how_ordered_set(&set_with(Some(OrderChoice {
            greedy_expected: 42.9,
            greedy_rules: 7,
            confidence_expected: 0.0,
            confidence_rules: 0,
            rule_cost: 0.0,
            ..choice(OrderKind::Greedy)
        })));
        assert!(text.contains("expected at least as much of it: 42.9 validation rows with at most 7 rules, against no set with a chance of passing, for the confidence order"), "{text}");
        assert!(!text.contains("net"), "{text}");
        // Without a choice (one order built): the greedy order's account only.
        assert!(!how_ordered_set(&set_with(None)).contains("second order"));
    }

    #[test]
    fn a_class_guarantee_says_which_order_was_tested() {
        // Per class, the greedy order's account is the per-class one; the
        // confidence order, when tested, is named as for a set.
        let how_chosen = |set: &RuleSet| {
            certification_paragraphs(set)
                .into_iter()
                .find(|p| p.starts_with("How the set was chosen"))
                .expect("a paragraph on how the set was chosen")
        };
        let mut set = set_with(Some(choice(OrderKind::Confidence)));
        set.certification.scope = Scope::Class;
        let chosen = how_chosen(&set);
        assert!(
            chosen.contains("This order was tested, not the greedy order of all candidates"),
            "{chosen}"
        );
        assert!(
            chosen.contains("every class it decides passed its own exact test"),
            "{chosen}"
        );
        set.certification.order = None;
        let greedy = how_chosen(&set);
        assert!(
            greedy.contains("keeping each class's estimated precision there"),
            "{greedy}"
        );
        assert!(!greedy.contains("second order"), "{greedy}");
    }

    #[test]
    fn tenths_have_separators_and_a_sign() {
        assert_eq!(tenths(26_255.04), "26,255");
        assert_eq!(tenths(472.09), "472.1");
        assert_eq!(tenths(0.56), "0.6");
        assert_eq!(tenths(-1234.5), "-1,234.5");
        assert_eq!(tenths(-0.01), "0");
    }
}
