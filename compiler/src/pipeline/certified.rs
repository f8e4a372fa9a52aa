//! Stage 4, validate: [`Pool`] → [`Certified`]. The candidates are ordered
//! on the rank rows (training rows they were not fitted on), then the
//! prefixes of that order are tested on the validation rows; the order and
//! the testing plan are fixed before any validation label is read. How a
//! decision is scored (a class, a value within the tolerance) comes from
//! [`Scoring`].

use rulec_runtime::ir::{
    CertificationTest, ClassTest, OrderChoice, OrderKind, Rejected, Rule, RuleSet, Scope,
};

use crate::error::Error;
use crate::params::{Certify, CompileParams, OrderMode};
use crate::pipeline::scoring::Scoring;
use crate::pipeline::Pool;
use crate::progress::Progress;
use crate::select::{self, Bits, CoverageTable};
use crate::validate::{self, EncodedRows};

/// Where each candidate applies and what it gets right on the rank rows:
/// the table the greedy order is computed from.
pub struct RankTable {
    /// Rank rows each candidate covers.
    pub covers: Vec<Bits>,
    /// Per decision index ([`Scoring::decisions`]), the rank rows where
    /// that decision is right.
    pub truth: Vec<Bits>,
    /// Per decision index, the teacher's belief that the decision is right
    /// on each rank row ([`Scoring::teacher_truth`]).
    pub teacher: Vec<Vec<f32>>,
}

impl RankTable {
    /// The table as [`select::greedy_order`] reads it, with where each
    /// candidate applies on the validation rows (features only).
    pub fn view<'a>(&'a self, decisions: &'a [u32], answers: &'a [Bits]) -> CoverageTable<'a> {
        CoverageTable {
            covers: &self.covers,
            decisions,
            truth: &self.truth,
            teacher: Some(&self.teacher),
            answers: Some(answers),
        }
    }
}

/// The candidates with the certified ones chosen.
pub struct Certified {
    /// The candidates and the data.
    pub pool: Pool,
    /// Decision index of each candidate ([`Scoring::decisions`]).
    pub decisions: Vec<u32>,
    /// The candidates on the rank rows.
    pub rank: RankTable,
    /// Validation rows each candidate covers (features only).
    pub valid_covers: Vec<Bits>,
    /// The greedy order on the rank rows.
    pub order: select::Order,
    /// Indices into `pool.set.rules` of the certified rules, in order.
    pub kept: Vec<usize>,
    /// Every test run, in the order it ran.
    pub tests: Vec<select::PrefixTest>,
    /// Which order was tested, when there were two to choose from.
    pub order_choice: Option<OrderChoice>,
    /// The validation rows, encoded for the interpreter.
    pub valid_rows: EncodedRows,
    /// The test rows, encoded for the interpreter.
    pub test_rows: EncodedRows,
}

/// Orders the candidates and certifies the longest prefix that passes.
pub fn run(mut pool: Pool, p: &CompileParams, progress: &dyn Progress) -> Result<Certified, Error> {
    progress.line(&format!(
        "validate: ordering {} on {} held-out training {}, certifying on {}{}",
        rulec_codegen::sentence::counted(pool.set.rules.len(), "candidate", "candidates"),
        pool.rank_rows.len(),
        if pool.rank_rows.len() == 1 {
            "row"
        } else {
            "rows"
        },
        rulec_codegen::sentence::counted(
            pool.data.splits.validation.len(),
            "validation row",
            "validation rows"
        ),
        match p.tolerance {
            Some(t) => format!(", within ±{t} counting as right"),
            None => String::new(),
        }
    ));
    let rank_rows = EncodedRows::new(&pool.data.table, &pool.rank_rows);
    let valid_rows = EncodedRows::new(&pool.data.table, &pool.data.splits.validation);
    let test_rows = EncodedRows::new(&pool.data.table, &pool.data.splits.test);
    let mut ordered = order(&pool, &rank_rows, &valid_rows, p, None)?;
    // Hulls of the order's same-decision rules join the candidates, and the
    // order is computed again: where one rule holds two of its fragments at
    // the precision the order asks, it takes their place (training rows
    // only, no validation label). On the demo: 20 rules where there were 22,
    // for 0.1 point of coverage; no change on the benchmark's medians past
    // half a point.
    let hulls = hulls(&pool.set, &ordered.order, pool.n_proposals);
    if !hulls.is_empty() {
        progress.line(&format!(
            "validate: {} more {}, each one rule over two of the order's with the same decision; ordering again",
            hulls.len(),
            if hulls.len() == 1 {
                "candidate"
            } else {
                "candidates"
            }
        ));
        let first = pool.set.rules.len() - pool.n_proposals;
        pool.set
            .rules
            .extend(hulls.into_iter().enumerate().map(|(i, rule)| Rule {
                name: format!("candidate_{}", first + i),
                ..rule
            }));
        // Where the candidates already ordered apply is known: only the
        // hulls are run over the rows.
        let known = (ordered.rank.covers, ordered.valid_covers);
        ordered = order(&pool, &rank_rows, &valid_rows, p, Some(known))?;
    }
    let Ordered {
        decisions,
        rank,
        valid_covers,
        order,
    } = ordered;
    let scoring = Scoring::new(&pool.data.table, &pool.answers, p.tolerance)?;
    let truth_valid = scoring.truth_bits(&pool.set, &valid_rows);
    // The plan reads where the prefixes apply on the validation rows;
    // the tests read the labels. The teacher's view of these rows is not
    // read: it says too much of their labels (see `select`).
    let valid_table = CoverageTable::new(&valid_covers, &decisions, &truth_valid);
    let (order, order_choice) = choose_order(
        &pool,
        order,
        &rank.view(&decisions, &valid_covers),
        &valid_table,
        &scoring,
        p,
    )?;
    if let Some(choice) = &order_choice {
        progress.line(&order_line(choice));
    }
    let (kept, tests) = certify(&order, &valid_table, p);
    Ok(Certified {
        pool,
        decisions,
        rank,
        valid_covers,
        order,
        kept,
        tests,
        order_choice,
        valid_rows,
        test_rows,
    })
}

/// The candidates on the rank rows and where they apply on the validation
/// rows, and their greedy order.
struct Ordered {
    decisions: Vec<u32>,
    rank: RankTable,
    valid_covers: Vec<Bits>,
    order: select::Order,
}

/// Orders the pool's candidates on the rank rows (no validation label).
/// `known`: where the first candidates apply on the rank and the
/// validation rows, already computed; the others are run over the rows.
fn order(
    pool: &Pool,
    rank_rows: &EncodedRows,
    valid_rows: &EncodedRows,
    p: &CompileParams,
    known: Option<(Vec<Bits>, Vec<Bits>)>,
) -> Result<Ordered, Error> {
    let set = &pool.set;
    let scoring = Scoring::new(&pool.data.table, &pool.answers, p.tolerance)?;
    let decisions = scoring.decisions(set);
    let (mut rank_covers, mut valid_covers) = known.unwrap_or_default();
    let mut rest = set.clone();
    rest.rules.drain(..rank_covers.len().min(set.rules.len()));
    rank_covers.extend(validate::coverage(&rest, rank_rows)?);
    // Where each candidate applies on the validation rows: features only,
    // no label read.
    valid_covers.extend(validate::coverage(&rest, valid_rows)?);
    let rank = RankTable {
        covers: rank_covers,
        truth: scoring.truth_bits(set, rank_rows),
        teacher: scoring.teacher_truth(set, rank_rows),
    };
    // Proposals are tried first, in their order.
    let order = select::greedy_order(
        &rank.view(&decisions, &valid_covers),
        &select::OrderParams {
            // No set below this share can pass on this many validation
            // rows (a count, no label read): aim the order there.
            precision: select::aim(valid_rows.len() as u64, p.precision, p.confidence),
            floor: select::rule_floor(p.precision),
            confidence: p.confidence,
            max_rules: p.max_rules,
            min_new: select::min_new_rows(pool.rank_rows.len()),
            pinned: pool.n_proposals,
            per_class: p.certify == Certify::Class,
            extend_to: Some(p.precision),
        },
    );
    Ok(Ordered {
        decisions,
        rank,
        valid_covers,
        order,
    })
}

/// The order to test: the greedy order (`greedy`), or the confidence order
/// ([`select::confidence_order`]) where its testing plan expects to certify
/// more validation rows ([`select::expected_support`], or per class
/// [`select::expected_class_support`] under `--certify class`: where each
/// prefix applies on the validation rows, and the true labels of the rank
/// rows each rule adds, for both orders; no validation label), each rule of its
/// largest planned set counted as [`select::min_new_rows`] of them less. Both orders are
/// fixed before any validation label is read, and so is the choice, so the
/// fixed sequence of tests on the chosen one keeps its guarantee. Only
/// where the pool built the confidence leaves (`pool::run`: a set or
/// per-class guarantee on a class target, no proposals, a teacher with
/// probabilities, not `--order greedy`) are there two; otherwise the greedy order, and no
/// choice to record.
///
/// Measured on the benchmark, the held-out tables and `--more` (seeds 0–4,
/// both teachers): the rank rows' labels, which flatter the greedy order,
/// keep it wherever it certified more; reckoned with the greedy order's own
/// tempered estimates instead, the confidence order was tested on seeds
/// of `breast_cancer` and `penguins`, and with the forest of `telco_churn`,
/// `credit` and `mlc_churn`, where it certified less (the book's benchmark
/// chapter).
///
/// The confidence order reads the teacher's belief in each leaf's decision
/// over every training row the leaf answers (the rank rows and the rows the
/// tree was fitted on: out-of-bag or cross-fitted beliefs, none of a
/// validation row).
fn choose_order(
    pool: &Pool,
    greedy: select::Order,
    rank: &CoverageTable<'_>,
    valid: &CoverageTable<'_>,
    scoring: &Scoring<'_>,
    p: &CompileParams,
) -> Result<(select::Order, Option<OrderChoice>), Error> {
    if pool.confidence_leaves.is_empty() {
        return Ok((greedy, None));
    }
    let mut leaves = pool.set.clone();
    leaves.rules = pool
        .confidence_leaves
        .iter()
        .map(|&i| pool.set.rules[i].clone())
        .collect();
    // The teacher's belief in each leaf's decision, summed over the
    // training rows it answers, a block of rows at a time (so that a large
    // table is never encoded whole).
    const BLOCK: usize = 1 << 16;
    let mut sums = vec![(0.0f64, 0u64); leaves.rules.len()];
    for block in pool.data.splits.train.chunks(BLOCK) {
        let rows = EncodedRows::new(&pool.data.table, block);
        let covers = validate::coverage(&leaves, &rows)?;
        let beliefs = scoring.teacher_truth(&leaves, &rows);
        for ((sum, n), (&i, answered)) in sums
            .iter_mut()
            .zip(pool.confidence_leaves.iter().zip(&covers))
        {
            let of_decision = &beliefs[rank.decisions[i] as usize];
            for r in (0..rows.len()).filter(|&r| answered.get(r)) {
                *sum += f64::from(of_decision[r]);
                *n += 1;
            }
        }
    }
    let belief: Vec<f64> = sums
        .iter()
        .map(|&(sum, n)| if n == 0 { 0.0 } else { sum / n as f64 })
        .collect();
    let confident = select::confidence_order(
        rank,
        &pool.confidence_leaves,
        &belief,
        select::rule_floor(p.precision),
        p.max_rules,
    );
    // Both orders reckoned alike: their plans' expected support with each
    // rule's new rank rows and the true labels there. Those labels flatter
    // the greedy order, which was chosen on them, and not the confidence
    // order, which never read them: the confidence order is tested only
    // where it expects more all the same.
    // Under --certify class each class's rows are tested: so is each
    // order's plan reckoned.
    let expected = match p.certify {
        Certify::Class => select::expected_class_support,
        _ => select::expected_support,
    };
    let greedy_expected = expected(
        &select::with_truth_gains(&greedy, rank),
        valid,
        p.precision,
        p.confidence,
    );
    let confidence_expected = expected(&confident, valid, p.precision, p.confidence);
    // A rule is worth as many validation rows as one must add to the
    // greedy order (`select::min_new_rows`): more rules for a few more rows
    // are no gain (the demo: 38 rules for 0.4 points of coverage where the
    // greedy order has 20).
    let rule_cost = select::min_new_rows(pool.data.splits.validation.len()) as f64;
    let worth = |o: &select::Outlook| o.rows - rule_cost * o.rules as f64;
    let by_option = p.order == OrderMode::Confidence;
    let (order, taken) = if by_option || worth(&confidence_expected) > worth(&greedy_expected) {
        (confident, OrderKind::Confidence)
    } else {
        (greedy, OrderKind::Greedy)
    };
    Ok((
        order,
        Some(OrderChoice {
            taken,
            greedy_expected: greedy_expected.rows,
            greedy_rules: greedy_expected.rules,
            confidence_expected: confidence_expected.rows,
            confidence_rules: confidence_expected.rules,
            rule_cost,
            by_option,
        }),
    ))
}

/// The console's account of which order is tested and why.
fn order_line(choice: &OrderChoice) -> String {
    let count = rulec_codegen::book::count;
    let by_option = if choice.by_option { " (--order)" } else { "" };
    let (taken, other) = match choice.taken {
        OrderKind::Greedy => ("the greedy order", "the teacher's confidence order"),
        OrderKind::Confidence => ("the teacher's confidence order", "the greedy order"),
    };
    if choice.greedy_rules == 0 && choice.confidence_rules == 0 {
        return format!(
            "validate: neither the greedy order nor the teacher's confidence order has a set with a chance of passing; testing {taken}{by_option}"
        );
    }
    let costed = choice.rule_cost > 0.0;
    let plan = |x: f64, n: usize| {
        if n == 0 {
            return "no set with a chance of passing".to_string();
        }
        let rows = x.round() as u64;
        let net = if costed {
            let net = x - choice.rule_cost * n as f64;
            let sign = if net.round() < 0.0 { "-" } else { "" };
            format!(" ({sign}{} net)", count(net.abs().round() as u64))
        } else {
            String::new()
        };
        format!(
            "{} validation {} with at most {}{net}",
            count(rows),
            if rows == 1 { "row" } else { "rows" },
            rulec_codegen::sentence::counted(n, "rule", "rules"),
        )
    };
    let greedy = plan(choice.greedy_expected, choice.greedy_rules);
    let confident = plan(choice.confidence_expected, choice.confidence_rules);
    let (mine, theirs) = match choice.taken {
        OrderKind::Greedy => (greedy, confident),
        OrderKind::Confidence => (confident, greedy),
    };
    let cost = if costed {
        let n = choice.rule_cost as u64;
        format!(
            "; net: each rule counted as {} {} less",
            count(n),
            if n == 1 { "row" } else { "rows" }
        )
    } else {
        String::new()
    };
    format!(
        "validate: testing {taken}{by_option}: its plan expects to certify {mine}; for {other} it expects {theirs}{cost}"
    )
}

/// The hulls ([`crate::compact::hull`]) of every two learned rules of
/// `order` that take the same decision, unnamed, without duplicates of
/// each other or of a rule of `set`.
fn hulls(set: &RuleSet, order: &select::Order, n_proposals: usize) -> Vec<Rule> {
    let learned: Vec<&Rule> = order
        .rules
        .iter()
        .filter(|&&i| i >= n_proposals)
        .map(|&i| &set.rules[i])
        .collect();
    let mut seen: std::collections::HashSet<String> =
        set.rules.iter().map(crate::propose::rule_key).collect();
    let mut out = Vec::new();
    for (j, a) in learned.iter().enumerate() {
        for b in &learned[j + 1..] {
            if a.decision != b.decision {
                continue;
            }
            let Some(conditions) =
                crate::compact::hull(&a.conditions, &b.conditions, &set.features)
            else {
                continue;
            };
            let rule = Rule {
                name: String::new(),
                conditions,
                origin: Some("hull of two ordered candidates".into()),
                evidence: None,
                ..(*a).clone()
            };
            if seen.insert(crate::propose::rule_key(&rule)) {
                out.push(rule);
            }
        }
    }
    out
}

/// Which candidates of `order` are certified, and the tests run.
fn certify(
    order: &select::Order,
    valid: &CoverageTable<'_>,
    p: &CompileParams,
) -> (Vec<usize>, Vec<select::PrefixTest>) {
    match p.certify {
        Certify::Set => {
            let (kept, tests) = select::certify_prefix(order, valid, p.precision, p.confidence);
            (order.rules[..kept].to_vec(), tests)
        }
        Certify::Class => {
            let (kept, tests) = select::certify_classes(order, valid, p.precision, p.confidence);
            (order.rules[..kept].to_vec(), tests)
        }
        Certify::Rule => (
            select::certify_each(&order.rules, valid, p.precision, p.confidence),
            Vec::new(),
        ),
    }
}

/// Writes the scope and the tests run into the rule set's certification.
pub(crate) fn record_certification(
    set: &mut RuleSet,
    tests: &[select::PrefixTest],
    p: &CompileParams,
) {
    set.certification.scope = match p.certify {
        Certify::Set => Scope::Set,
        Certify::Class => Scope::Class,
        Certify::Rule => Scope::Rule,
    };
    set.certification.tests = tests
        .iter()
        .map(|t| CertificationTest {
            rules: t.k,
            support: t.support,
            correct: t.correct,
            confidence: t.confidence,
            lower_bound: t.lower_bound,
            passed: t.passed,
            classes: t
                .classes
                .iter()
                .map(|c| ClassTest {
                    class: set
                        .target
                        .classes
                        .get(c.class as usize)
                        .cloned()
                        .unwrap_or_default(),
                    support: c.support,
                    correct: c.correct,
                    lower_bound: c.lower_bound,
                    passed: c.passed,
                })
                .collect(),
        })
        .collect();
}

/// Rules to list as not kept: every proposal that was not kept, and the
/// first few learned candidates in line after the certified ones.
pub(crate) fn rejections(
    set: &RuleSet,
    order: &select::Order,
    kept: &[usize],
    n_proposals: usize,
    tests: &[select::PrefixTest],
    (precision, aim): (f64, f64),
) -> Vec<Rejected> {
    const NEAR_MISSES: usize = 3;
    let pct = rulec_codegen::book::pct;
    // Where the rule stands: after the certified rules, or, when none was
    // certified, in the order that nothing of was certified.
    let place = if kept.is_empty() {
        "no rule was certified"
    } else {
        "it comes after the certified rules"
    };
    let why_after = |pos: usize| -> String {
        // The smallest tested set that includes this rule.
        match tests.iter().filter(|t| t.k > pos).min_by_key(|t| t.k) {
            Some(t) if !t.passed => {
                let which = if t.k == 1 {
                    "the first candidate in order, on its own".to_string()
                } else {
                    format!("the first {} candidates in order, which include it", t.k)
                };
                // With `--certify class` the test's bound is its weakest
                // class's, on that class's rows, not the pooled rows'.
                let weakest = t
                    .classes
                    .iter()
                    .min_by(|a, b| a.lower_bound.total_cmp(&b.lower_bound));
                let (bound, rows, whose) = match weakest {
                    Some(c) => (
                        c.lower_bound,
                        c.support,
                        format!(
                            ", whose weakest decided class, {},",
                            rulec_codegen::book::code(
                                set.target
                                    .classes
                                    .get(c.class as usize)
                                    .map_or("", String::as_str)
                            )
                        ),
                    ),
                    None => (t.lower_bound, t.support, ",".to_string()),
                };
                format!(
                    "{place}; {which}{whose} reached a precision bound of {} on {rows} validation rows{}, below the required {}",
                    rulec_codegen::book::pct_lower(bound, precision),
                    if weakest.is_some() { " it decides" } else { "" },
                    pct(precision)
                )
            }
            _ => format!("{place}, and no certified set includes it"),
        }
    };
    let mut out = Vec::new();
    for i in 0..n_proposals {
        if kept.contains(&i) {
            continue;
        }
        let reason = match order.rules.iter().position(|&r| r == i) {
            Some(pos) => why_after(pos),
            None => match order.refused.iter().find(|r| r.rule == i) {
                Some(r) if r.answered == 0 => "on the training rows held out to rank rules, its conditions hold on no row".to_string(),
                Some(r) if r.rows == 0 => "on the training rows held out to rank rules, it answers none that an earlier rule does not answer already".to_string(),
                Some(r) => {
                    let share = r.right as f64 / r.rows as f64;
                    let own = if share >= aim {
                        format!(", and {} alone, but with the proposals before it the set would fall below that", pct(aim))
                    } else {
                        format!(", below the {} a proposal must reach there", pct(aim))
                    };
                    format!(
                        "on the {} training rows held out to rank rules that it would answer (no earlier rule answers them), it was right on {} ({}){own} (where a set answering every validation row passes {} half the time)",
                        rulec_codegen::book::count(r.rows),
                        rulec_codegen::book::count(r.right),
                        pct(share),
                        pct(precision)
                    )
                }
                None => "the order was full (--max-rules) before it".to_string(),
            },
        };
        out.push(Rejected {
            rule: set.rules[i].clone(),
            reason,
        });
    }
    let next = order
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| !kept.contains(r) && **r >= n_proposals)
        .take(NEAR_MISSES);
    for (pos, &i) in next {
        let mut rule = set.rules[i].clone();
        rule.name = format!("near_miss_{}", out.len() + 1);
        out.push(Rejected {
            rule,
            reason: why_after(pos),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(taken: OrderKind, by_option: bool) -> OrderChoice {
        OrderChoice {
            taken,
            greedy_expected: 2906.6,
            greedy_rules: 3,
            confidence_expected: 2266.5,
            confidence_rules: 1,
            rule_cost: 60.0,
            by_option,
        }
    }

    #[test]
    fn the_console_names_the_order_tested() {
        assert_eq!(
            order_line(&choice(OrderKind::Greedy, false)),
            "validate: testing the greedy order: its plan expects to certify 2,907 validation rows \
             with at most 3 rules (2,727 net); for the teacher's confidence order it expects 2,267 \
             validation rows with at most 1 rule (2,207 net); net: each rule counted as 60 rows less"
        );
        let line = order_line(&choice(OrderKind::Confidence, true));
        assert!(
            line.starts_with("validate: testing the teacher's confidence order (--order): its plan expects to certify 2,267"),
            "{line}"
        );
        // Neither order has a set with a chance: the one tested is still
        // named, the one --order asked for.
        let none = |taken, by_option| {
            order_line(&OrderChoice {
                greedy_expected: 0.0,
                greedy_rules: 0,
                confidence_expected: 0.0,
                confidence_rules: 0,
                ..choice(taken, by_option)
            })
        };
        assert!(
            none(OrderKind::Confidence, true)
                .ends_with("has a set with a chance of passing; testing the teacher's confidence order (--order)"),
            "{}",
            none(OrderKind::Confidence, true)
        );
        assert!(none(OrderKind::Greedy, false).ends_with("; testing the greedy order"));
    }
}
