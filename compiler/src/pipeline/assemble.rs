//! Stage 5, compact: [`Certified`] → the finished [`RuleSet`]. The
//! certified rules are compacted exactly (every row keeps its decision, so
//! the certification still holds), named, and given their evidence, the
//! coverage curve, the cost model and the provenance. A numeric target's
//! rules are named after their values (`value_<...>`), its classes are the
//! kept rules' decisions, and it has no curve, near misses or example rows
//! yet ([`Scoring::book_extras`]).

use std::time::{Duration, Instant};

use rulec_runtime::ir::{CostModel, Provenance, Rule, RuleSet, SetFigures, SplitRows, Summary};

use crate::error::Error;
use crate::params::{options, CompileParams, TeacherKind};
use crate::pipeline::certified::{record_certification, rejections};
use crate::pipeline::scoring::Scoring;
use crate::pipeline::{Certified, Ingested};
use crate::progress::Progress;
use crate::select::{self, CoverageTable};
use crate::validate::{self, EncodedRows};

/// The finished rule set and its figures per split.
pub struct Assembled {
    /// The rule set with evidence, summary and provenance.
    pub set: RuleSet,
    /// The set's figures on the validation rows.
    pub validation: SetFigures,
    /// The set's figures on the test rows, when there are any.
    pub test: Option<SetFigures>,
    /// Candidates proposed (proposals included).
    pub n_candidates: u64,
}

/// Builds the rule set from the certified rules.
pub fn run(c: Certified, p: &CompileParams, progress: &dyn Progress) -> Result<Assembled, Error> {
    let Certified {
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
    } = c;
    let mut set = pool.set;
    let table = &pool.data.table;
    let answers = &pool.answers;
    let scoring = Scoring::new(table, answers, p.tolerance)?;
    let n_candidates = set.rules.len() as u64;
    record_certification(&mut set, &tests, p);
    set.certification.order = order_choice;
    if scoring.book_extras() {
        let aim = crate::select::aim(valid_rows.len() as u64, p.precision, p.confidence);
        set.rejected = rejections(
            &set,
            &order,
            &kept,
            pool.n_proposals,
            &tests,
            (p.precision, aim),
        );
    }
    // The coverage/precision curve goes on past the kept rules with the
    // candidates a lower precision target would add: the greedy order
    // continued from the kept rules (pinned first) with no precision floor,
    // on the same rank rows, so an auditor sees what a lower target would buy.
    let next_in_line: Vec<Rule> = if !scoring.book_extras() {
        Vec::new()
    } else {
        const CURVE_EXTRA: usize = 16;
        let perm: Vec<usize> = kept
            .iter()
            .copied()
            .chain((0..set.rules.len()).filter(|i| !kept.contains(i)))
            .collect();
        let covers: Vec<select::Bits> = perm.iter().map(|&i| rank.covers[i].clone()).collect();
        let valid: Vec<select::Bits> = perm.iter().map(|&i| valid_covers[i].clone()).collect();
        let perm_decisions: Vec<u32> = perm.iter().map(|&i| decisions[i]).collect();
        let continued = select::greedy_order(
            &CoverageTable {
                covers: &covers,
                decisions: &perm_decisions,
                truth: &rank.truth,
                teacher: Some(&rank.teacher),
                answers: Some(&valid),
            },
            &select::OrderParams {
                precision: 0.0,
                floor: 0.0,
                confidence: p.confidence,
                max_rules: kept.len() + CURVE_EXTRA,
                min_new: 0,
                pinned: kept.len(),
                per_class: false,
                extend_to: None,
            },
        );
        continued
            .rules
            .iter()
            .filter(|&&j| j >= kept.len())
            .map(|&j| set.rules[perm[j]].clone())
            .collect()
    };
    let mut all = std::mem::take(&mut set.rules);
    let chosen: Vec<Rule> = kept
        .iter()
        .map(|&i| std::mem::replace(&mut all[i], placeholder()))
        .collect();
    // Exact compaction: every row keeps its decision, so the certification
    // above still holds.
    let compacted = crate::compact::compact(chosen, &set.features);
    // A learned candidate that answers no new validation row never joins
    // the order (`select::greedy_order`), so none is tested; compaction
    // can still leave a rule whose rows all go to earlier ones. It has no
    // evidence behind it: leave it out. That changes no validation
    // decision, so the certification is unaffected, and it depends on no
    // label.
    let per_rule = {
        let probe = RuleSet {
            rules: compacted.clone(),
            ..set.clone()
        };
        scoring
            .ordered_evidence(&probe, &valid_rows, p.confidence)?
            .0
    };
    let compacted: Vec<Rule> = compacted
        .into_iter()
        .zip(per_rule)
        .filter(|(r, e)| e.support > 0 || is_proposal(r))
        .map(|(r, _)| r)
        .collect();
    let certified = rulec_codegen::sentence::counted(kept.len(), "rule", "rules");
    progress.line(&if compacted.len() == kept.len() {
        format!("compact: {certified} certified")
    } else {
        format!(
            "compact: {certified} certified, {} after merging rules and dropping those left with no validation row (no decision changes)",
            compacted.len()
        )
    });
    set.rules = name_rules(compacted, scoring.name_stem());
    set.target.classes = scoring.classes(&set.target.classes, &set.rules);
    let (val_fig, test_fig) = scoring.attach_evidence(&mut set, &valid_rows, &test_rows)?;
    if scoring.book_extras() {
        // Each rule's conditions ranked by how much they matter (classes).
        crate::reasons::attach(&mut set, &valid_rows, table.labels())?;
    }
    let curve = if !scoring.book_extras() {
        Vec::new()
    } else {
        let mut extended = set.clone();
        extended.rules.extend(next_in_line);
        // Names play no part in the curve; fresh ones cannot clash.
        for (i, rule) in extended.rules.iter_mut().enumerate() {
            rule.name = format!("r{i}");
        }
        validate::prefix_curve(&extended, &valid_rows, table.labels(), p.confidence)?
    };
    set.summary = Some(Summary {
        validation: val_fig.clone(),
        test: test_fig.clone(),
        candidates: n_candidates,
        curve,
        // A logged teacher's cost is unknown: no cost model rather than a wrong one.
        cost: if answers.comparisons().is_empty() {
            None
        } else {
            Some(cost_model(&set, &valid_rows, answers.comparisons())?)
        },
        measured_cost: match (p.measure_cost, answers.ns_per_row()) {
            (true, Some(ns)) => Some(measured_cost(&set, &valid_rows, ns, &p.teacher)?),
            _ => None,
        },
        groups: Vec::new(),
        stability: None,
        // The teacher alone at the target, abstaining below its own
        // calibrated threshold: the bar, for reference (class targets). A
        // logged column has no probabilities (each answer counts as 1), so
        // no threshold of its own.
        teacher_threshold: match answers {
            crate::pipeline::taught::Answers::Classes(labels)
                if !matches!(p.teacher, crate::params::TeacherKind::Column(_)) =>
            {
                Some(crate::bench::threshold::teacher_threshold(
                    labels,
                    table.labels(),
                    table.n_classes(),
                    &pool.data.splits.validation,
                    &pool.data.splits.test,
                    p.precision,
                    p.confidence,
                ))
            }
            _ => None,
        },
    });
    // `--groups`: the results per value of each column, on validation and
    // test rows, measured on the rule set as it will run.
    let mut groups = Vec::new();
    for column in &p.groups {
        for (split, rows) in [("validation", &valid_rows), ("test", &test_rows)] {
            if rows.is_empty() {
                continue;
            }
            let labels = table.labels();
            let cells = (0..rows.len()).map(|j| (rows.row(j), Some(labels[rows.rows[j]] as usize)));
            groups.push(crate::groups::table(&set, column, split, cells)?);
        }
    }
    if let Some(summary) = set.summary.as_mut() {
        summary.groups = groups;
    }
    set.provenance = Some(provenance(&pool.data, pool.teacher, p));
    // What the book's figures are figures of: a file edited later differs.
    let compiled = set.fingerprint();
    if let Some(provenance) = set.provenance.as_mut() {
        provenance.compiled = Some(compiled);
    }
    set.check()?;
    for line in advice(&set) {
        progress.line(&line);
    }
    Ok(Assembled {
        set,
        validation: val_fig,
        test: test_fig,
        n_candidates,
    })
}

/// Where the rule set came from, for the rule book.
/// What the compile says of a rule set beyond its figures, each line as it
/// prints it (`note: ...`, `warning: ...`), as the rule book's first lines
/// say it: why nothing was certified (too few validation rows, or the first
/// set tested fell short), a column that decides the target alone, rules
/// that all decide the commonest class (put to scale), and test rows that
/// contradict the guarantee.
pub fn advice(set: &RuleSet) -> Vec<String> {
    use rulec_codegen::book;
    let mut lines = Vec::new();
    if let Some(why) = book::too_few_validation_rows(set).or_else(|| book::nothing_passed(set)) {
        lines.push(format!("note: {why}"));
    }
    if let Some(leak) = book::one_column_decides(set) {
        lines.push(format!("note: {leak}"));
    }
    if let Some(scale) = book::commonest_class_scale(set) {
        lines.push(format!("note: {scale}"));
    }
    if let Some(short) = book::test_falls_short(set) {
        let short = short.strip_prefix("Warning: ").unwrap_or(&short);
        lines.push(format!("warning: {short}"));
    }
    lines
}

fn provenance(data: &Ingested, teacher: String, p: &CompileParams) -> Provenance {
    Provenance {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        data_file: data.data_names.clone(),
        data_sha256: data.data_sha256.clone(),
        rows: data.table.n_rows() as u64,
        split_rows: SplitRows {
            train: data.splits.train.len() as u64,
            validation: data.splits.validation.len() as u64,
            test: data.splits.test.len() as u64,
        },
        split_method: data.splits.method.clone(),
        teacher,
        options: options(p),
        seed: p.seed,
        data_notes: data.table.notes_but_of(&p.forbid),
        compiled: None,
    }
}

/// Comparisons per decision of the teacher and of the rules, on the
/// validation rows (see [`CostModel`]).
fn cost_model(set: &RuleSet, rows: &EncodedRows, teacher: &[u32]) -> Result<CostModel, Error> {
    let eval = rulec_runtime::Evaluator::new(set)?;
    let n = rows.len().max(1) as f64;
    let (mut rules, mut covered, mut model) = (0usize, 0usize, 0u64);
    for j in 0..rows.len() {
        let (hit, tested) = eval.decide_counting(rows.row(j));
        rules += tested;
        covered += usize::from(hit.is_some());
        model += u64::from(teacher.get(rows.rows[j]).copied().unwrap_or(0));
    }
    Ok(CostModel {
        teacher_per_decision: model as f64 / n,
        rules_per_decision: rules as f64 / n,
        coverage: covered as f64 / n,
    })
}

/// Times the rules (the interpreter, one row at a time, on the validation
/// rows) next to the teacher's measured time per row.
fn measured_cost(
    set: &RuleSet,
    rows: &EncodedRows,
    teacher_ns: f64,
    teacher: &TeacherKind,
) -> Result<rulec_runtime::ir::MeasuredCost, Error> {
    let eval = rulec_runtime::Evaluator::new(set)?;
    let n = rows.len();
    let covered = (0..n)
        .filter(|&j| matches!(eval.decide(rows.row(j)), Ok(Some(_))))
        .count();
    // Enough passes over the rows for a steady figure (at least 20 ms).
    let (mut passes, mut elapsed) = (0u32, Duration::ZERO);
    let start = Instant::now();
    while n > 0 && (elapsed < Duration::from_millis(20) || passes < 3) {
        for j in 0..n {
            let _ = std::hint::black_box(eval.decide(std::hint::black_box(rows.row(j))));
        }
        passes += 1;
        elapsed = start.elapsed();
    }
    let decisions = (n as f64 * f64::from(passes)).max(1.0);
    let how = match teacher {
        TeacherKind::Command(_) => "the oracle's batches, wall time per row",
        TeacherKind::InProcess { .. } => {
            "the model's batches in the caller's process, wall time per row"
        }
        _ => "the teacher's prediction of one row at a time, on one thread",
    };
    Ok(rulec_runtime::ir::MeasuredCost {
        teacher_ns,
        rules_ns: elapsed.as_nanos() as f64 / decisions,
        coverage: if n > 0 { covered as f64 / n as f64 } else { 0.0 },
        method: format!(
            "teacher: {how}; rules: the interpreter over {n} validation rows; {} {}, {} threads available",
            std::env::consts::ARCH,
            std::env::consts::OS,
            std::thread::available_parallelism().map_or(1, |p| p.get())
        ),
    })
}

fn placeholder() -> Rule {
    Rule {
        name: String::new(),
        conditions: Vec::new(),
        decision: String::new(),
        origin: None,
        evidence: None,
    }
}

/// Names learned rules `<decision>_<n>`, numbered per decision in rule
/// order (`<stem>_<decision>_<n>` when the decision does not start with a
/// letter); proposals keep the name their author gave, and learned names
/// step around them.
fn name_rules(rules: Vec<Rule>, stem: &str) -> Vec<Rule> {
    let taken: std::collections::BTreeSet<String> = rules
        .iter()
        .filter(|r| is_proposal(r))
        .map(|r| r.name.clone())
        .collect();
    let mut seen: std::collections::BTreeMap<String, usize> = Default::default();
    rules
        .into_iter()
        .map(|mut r| {
            if is_proposal(&r) {
                return r;
            }
            let slug = slug(&r.decision, stem);
            let n = seen.entry(slug.clone()).or_insert(0);
            loop {
                *n += 1;
                let name = format!("{slug}_{n}");
                if !taken.contains(&name) {
                    r.name = name;
                    break;
                }
            }
            r
        })
        .collect()
}

fn is_proposal(r: &Rule) -> bool {
    r.origin.as_deref() == Some("proposal")
}

/// A rule-name fragment from a decision: lowercase ASCII letters, digits
/// and `_`, starting with a letter (`stem` when the decision does not).
/// Latin letters with accents read as the crate's identifiers read them
/// (`Peut-être` is `peut_etre`), a letter of another script as the word
/// `u` and its code (`日本` is `u65e5_u672c`), so that the rules of two
/// classes do not share a name's stem.
fn slug(label: &str, stem: &str) -> String {
    let mut s = String::new();
    // A negative number keeps its sign in words (`value_minus_2_7`): `-2.7`
    // is not `2.7`.
    let negative = label
        .strip_prefix('-')
        .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit() || c == '.'));
    if negative.is_some() {
        s.push_str("minus_");
    }
    let label = negative.unwrap_or(label);
    for c in label.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if let Some(latin) = rulec_codegen::sanitize::transliterate(c) {
            s.push_str(&latin.to_ascii_lowercase());
        } else if !c.is_ascii() && c.is_alphanumeric() {
            if !s.ends_with('_') && !s.is_empty() {
                s.push('_');
            }
            s.push_str(&format!("u{:x}_", c as u32));
        } else if !s.ends_with('_') && !s.is_empty() {
            s.push('_');
        }
    }
    let s = s.trim_end_matches('_').to_string();
    match s.chars().next() {
        Some(c) if c.is_ascii_lowercase() && negative.is_none() => s,
        Some(_) => format!("{stem}_{s}"),
        None => stem.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_rule_names() {
        for (label, want) in [
            ("B", "b"),
            ("Yes please", "yes_please"),
            ("1", "class_1"),
            ("", "class"),
            ("<=50K", "class_50k"),
            ("-1", "class_minus_1"),
            ("-x", "x"),
            ("Peut-être", "peut_etre"),
            ("été", "ete"),
            ("Été", "ete"),
            ("日本", "u65e5_u672c"),
            ("東京", "u6771_u4eac"),
            ("Größe 2", "grosse_2"),
            ("😀", "class"),
        ] {
            assert_eq!(slug(label, "class"), want);
            assert!(rulec_runtime::ir::is_rule_name(&format!(
                "{}_1",
                slug(label, "class")
            )));
        }
    }

    /// A numeric target's rules are named after their values, stepping
    /// around nothing (it has no proposals): `value_<value>_<n>`.
    #[test]
    fn numeric_rules_are_named_after_their_values() {
        let rule = |decision: &str| Rule {
            name: "candidate_0".into(),
            conditions: Vec::new(),
            decision: decision.into(),
            origin: None,
            evidence: None,
        };
        let named = name_rules(
            vec![rule("10"), rule("-1.5"), rule("10"), rule("inf")],
            "value",
        );
        let names: Vec<&str> = named.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            ["value_10_1", "value_minus_1_5_1", "value_10_2", "inf_1"]
        );
    }
}
