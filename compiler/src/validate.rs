//! Validate: measure rules on held-out rows and keep those whose precision
//! is certified.
//!
//! Every figure is computed by the runtime interpreter
//! ([`rulec_runtime::Evaluator`]) on the rule set exactly as it will run, so
//! the numbers in the rule book describe what the service executes.

use rayon::prelude::*;
use rulec_runtime::eval::{Cell, Evaluator};
use rulec_runtime::ir::{
    CurvePoint, Evidence, Example, Feature, FeatureKind, RuleSet, SetFigures, SplitEvidence,
};
use rulec_runtime::stats::clopper_pearson_lower;

use crate::error::Error;
use crate::table::{ColumnData, Table, MISSING_CODE, OTHER_CODE};

/// The IR schema (features) of a table, missing values looked for in
/// every row.
pub fn features(table: &Table) -> Vec<Feature> {
    let all: Vec<usize> = (0..table.n_rows()).collect();
    features_from(table, &all)
}

/// The IR schema (features) of a table, as seen in `rows`: a column is
/// nullable when one of them has no value. A compile passes the training
/// rows, so no validation or test row shapes the schema.
pub fn features_from(table: &Table, rows: &[usize]) -> Vec<Feature> {
    table
        .columns()
        .iter()
        .map(|c| Feature {
            name: c.name.clone(),
            kind: match &c.data {
                ColumnData::Numeric(_) => FeatureKind::Numeric,
                ColumnData::Boolean(_) => FeatureKind::Boolean,
                ColumnData::Categorical { levels, .. } => FeatureKind::Categorical {
                    categories: levels.clone(),
                },
            },
            nullable: rows.iter().any(|&i| c.data.is_missing(i)),
        })
        .collect()
}

/// Row `i` of the table as interpreter cells. Category codes equal the IR
/// category indices because the IR lists the table's levels in order.
pub fn row_cells(table: &Table, i: usize, out: &mut Vec<Cell>) {
    out.clear();
    for c in table.columns() {
        out.push(match &c.data {
            ColumnData::Numeric(v) if v[i].is_nan() => Cell::Missing,
            ColumnData::Numeric(v) => Cell::Num(v[i]),
            ColumnData::Boolean(v) => v[i].map_or(Cell::Missing, Cell::Bool),
            ColumnData::Categorical { codes, .. } if codes[i] == MISSING_CODE => Cell::Missing,
            ColumnData::Categorical { codes, .. } if codes[i] == OTHER_CODE => {
                Cell::Cat(rulec_runtime::eval::UNKNOWN_CATEGORY)
            }
            ColumnData::Categorical { codes, .. } => Cell::Cat(codes[i]),
        });
    }
}

/// Encoded rows of a split, ready for repeated evaluation.
pub struct EncodedRows {
    /// Table row index of each encoded row.
    pub rows: Vec<usize>,
    cells: Vec<Cell>,
    width: usize,
}

impl EncodedRows {
    /// Encodes `rows` of `table`.
    pub fn new(table: &Table, rows: &[usize]) -> EncodedRows {
        let width = table.columns().len();
        let mut cells = Vec::with_capacity(rows.len() * width);
        let mut buf = Vec::with_capacity(width);
        for &r in rows {
            row_cells(table, r, &mut buf);
            cells.extend_from_slice(&buf);
        }
        EncodedRows {
            rows: rows.to_vec(),
            cells,
            width,
        }
    }

    /// Cells of the `j`-th encoded row.
    pub fn row(&self, j: usize) -> &[Cell] {
        &self.cells[j * self.width..(j + 1) * self.width]
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// For each rule of `set`, the positions in `rows` it covers on its own.
pub fn coverage(set: &RuleSet, rows: &EncodedRows) -> Result<Vec<crate::select::Bits>, Error> {
    let eval = Evaluator::new(set)?;
    Ok((0..set.rules.len())
        .into_par_iter()
        .map(|rule_idx| {
            let mut bits = crate::select::Bits::new(rows.len());
            for j in 0..rows.len() {
                if eval.rule_covers(rule_idx, rows.row(j)) {
                    bits.set(j);
                }
            }
            bits
        })
        .collect())
}

/// Per class, the positions in `rows` whose label is that class.
pub fn class_bits(
    rows: &EncodedRows,
    labels: &[u32],
    n_classes: usize,
) -> Vec<crate::select::Bits> {
    let mut out = vec![crate::select::Bits::new(rows.len()); n_classes];
    for (j, &r) in rows.rows.iter().enumerate() {
        out[labels[r] as usize].set(j);
    }
    out
}

#[derive(Default, Clone, Copy)]
struct Tally {
    support: u64,
    correct: u64,
    agree: u64,
}

impl Tally {
    fn add(&mut self, correct: bool, agree: bool) {
        self.support += 1;
        self.correct += u64::from(correct);
        self.agree += u64::from(agree);
    }

    fn finish(self, confidence: f64) -> SplitEvidence {
        SplitEvidence {
            support: self.support,
            correct: self.correct,
            agree_teacher: self.agree,
            precision_lower_bound: clopper_pearson_lower(self.correct, self.support, confidence),
        }
    }
}

/// How a decision is scored on one row, as the evidence counts it: the one
/// thing a class target and a numeric one differ by here (see
/// `pipeline::scoring`, which builds one per rule set).
pub trait RowScore {
    /// Whether the decision `decision` (an index into the target's classes)
    /// is right on table row `row`.
    fn right(&self, row: usize, decision: usize) -> bool;
    /// Whether that decision agrees with the teacher's answer on `row`.
    fn agrees(&self, row: usize, decision: usize) -> bool;
    /// Whether the teacher's own answer on `row` is right.
    fn teacher_right(&self, row: usize) -> bool;
    /// The true class of every table row, for the confusion matrix; `None`
    /// for a target without classes (no confusion matrix).
    fn true_classes(&self) -> Option<&[u32]>;
}

/// A class target: a decision is right when it is the row's class.
pub struct ClassScore<'a> {
    /// The true class of every table row.
    pub truth: &'a [u32],
    /// The teacher's class of every table row.
    pub teacher: &'a [u32],
}

impl RowScore for ClassScore<'_> {
    fn right(&self, row: usize, decision: usize) -> bool {
        decision as u32 == self.truth[row]
    }

    fn agrees(&self, row: usize, decision: usize) -> bool {
        decision as u32 == self.teacher[row]
    }

    fn teacher_right(&self, row: usize) -> bool {
        self.teacher[row] == self.truth[row]
    }

    fn true_classes(&self) -> Option<&[u32]> {
        Some(self.truth)
    }
}

/// Evidence of every rule in its place in the ordered set, and the figures
/// of the set with the teacher as fallback, on one split.
pub fn ordered_evidence(
    set: &RuleSet,
    rows: &EncodedRows,
    truth: &[u32],
    teacher: &[u32],
    confidence: f64,
) -> Result<(Vec<SplitEvidence>, SetFigures), Error> {
    ordered_evidence_scored(set, rows, &ClassScore { truth, teacher }, confidence)
}

/// Most classes whose confusion of decisions (decided by true class) the
/// figures keep.
pub const CONFUSION_MAX_CLASSES: usize = 100;

/// [`ordered_evidence`] with decisions scored by `score`.
pub fn ordered_evidence_scored(
    set: &RuleSet,
    rows: &EncodedRows,
    score: &dyn RowScore,
    confidence: f64,
) -> Result<(Vec<SplitEvidence>, SetFigures), Error> {
    let eval = Evaluator::new(set)?;
    let mut per_rule = vec![Tally::default(); set.rules.len()];
    let mut covered = Tally::default();
    let mut teacher_correct = 0;
    let mut cascade_correct = 0;
    let k = set.target.classes.len();
    let true_classes = score.true_classes();
    // Past `CONFUSION_MAX_CLASSES` classes the table is not kept: `k * k`
    // counts made rules.json hundreds of megabytes for a number read as
    // thousands of classes.
    let mut confusion = match true_classes {
        Some(_) if k <= CONFUSION_MAX_CLASSES => vec![vec![0u64; k]; k],
        _ => Vec::new(),
    };
    let mut class_rows = vec![0u64; if confusion.is_empty() { 0 } else { k }];
    for j in 0..rows.len() {
        let r = rows.rows[j];
        if let Some(n) = true_classes.and_then(|truth| class_rows.get_mut(truth[r] as usize)) {
            *n += 1;
        }
        let teacher_right = score.teacher_right(r);
        teacher_correct += u64::from(teacher_right);
        match eval.decide(rows.row(j))? {
            Some(hit) => {
                let (ok, agree) = (
                    score.right(r, hit.class_idx),
                    score.agrees(r, hit.class_idx),
                );
                per_rule[hit.rule_idx].add(ok, agree);
                covered.add(ok, agree);
                cascade_correct += u64::from(ok);
                if let Some(cell) = true_classes.and_then(|truth| {
                    confusion
                        .get_mut(hit.class_idx)
                        .and_then(|row| row.get_mut(truth[r] as usize))
                }) {
                    *cell += 1;
                }
            }
            None => cascade_correct += u64::from(teacher_right),
        }
    }
    let figures = SetFigures {
        rows: rows.len() as u64,
        covered: covered.finish(confidence),
        teacher_correct,
        cascade_correct,
        confusion,
        class_rows,
    };
    Ok((
        per_rule.into_iter().map(|t| t.finish(confidence)).collect(),
        figures,
    ))
}

/// Attaches ordered evidence (validation, and test when given) to every
/// rule of `set` and returns the set figures.
pub fn attach_evidence(
    set: &mut RuleSet,
    validation: &EncodedRows,
    test: Option<&EncodedRows>,
    truth: &[u32],
    teacher: &[u32],
) -> Result<(SetFigures, Option<SetFigures>), Error> {
    let confidence = set.certification.confidence;
    let (val_rules, val_fig) = ordered_evidence(set, validation, truth, teacher, confidence)?;
    let test_res = match test {
        Some(t) if !t.is_empty() => Some(ordered_evidence(set, t, truth, teacher, confidence)?),
        _ => None,
    };
    let mut examples = examples(set, validation, truth, EXAMPLES)?;
    for (i, rule) in set.rules.iter_mut().enumerate() {
        rule.evidence = Some(Evidence {
            validation: val_rules[i].clone(),
            test: test_res.as_ref().map(|(r, _)| r[i].clone()),
            examples: std::mem::take(&mut examples[i]),
            reasons: Vec::new(),
        });
    }
    Ok((val_fig, test_res.map(|(_, f)| f)))
}

/// Example rows per rule in the rule book.
pub const EXAMPLES: usize = 3;

/// For each rule of `set`, the first `per_rule` rows of `rows` it answers in
/// its place in the order, as text for the rule book.
pub fn examples(
    set: &RuleSet,
    rows: &EncodedRows,
    truth: &[u32],
    per_rule: usize,
) -> Result<Vec<Vec<Example>>, Error> {
    let eval = Evaluator::new(set)?;
    let mut out = vec![Vec::new(); set.rules.len()];
    let mut missing = set.rules.len() * per_rule;
    for j in 0..rows.len() {
        if missing == 0 {
            break;
        }
        let Some(hit) = eval.decide(rows.row(j))? else {
            continue;
        };
        if out[hit.rule_idx].len() < per_rule {
            missing -= 1;
            let label = truth[rows.rows[j]] as usize;
            out[hit.rule_idx].push(Example {
                values: row_text(set, rows.row(j)),
                truth: set.target.classes.get(label).cloned().unwrap_or_default(),
            });
        }
    }
    Ok(out)
}

/// Cells as the text the rule book shows: numbers in their shortest
/// round-trip form, `true`/`false`, category names. A category outside the
/// schema (folded away at ingest) shows as `(other)`.
fn row_text(set: &RuleSet, row: &[Cell]) -> Vec<Option<String>> {
    set.features
        .iter()
        .zip(row)
        .map(|(f, cell)| match (cell, &f.kind) {
            (Cell::Missing, _) => None,
            (Cell::Num(x), _) => Some(rulec_runtime::dsl::print_number(*x)),
            (Cell::Bool(b), _) => Some(b.to_string()),
            (Cell::Cat(c), FeatureKind::Categorical { categories }) => Some(
                categories
                    .get(*c as usize)
                    .cloned()
                    .unwrap_or_else(|| "(other)".to_string()),
            ),
            (Cell::Cat(_), _) => Some("(other)".to_string()),
        })
        .collect()
}

/// The validation figures of every prefix of `set`'s rules (see
/// [`rulec_runtime::ir::Summary::curve`]): one pass of the interpreter, each
/// row counted for the first rule that covers it and for every longer prefix.
pub fn prefix_curve(
    set: &RuleSet,
    rows: &EncodedRows,
    truth: &[u32],
    confidence: f64,
) -> Result<Vec<CurvePoint>, Error> {
    let eval = Evaluator::new(set)?;
    let mut first = vec![Tally::default(); set.rules.len()];
    for j in 0..rows.len() {
        if let Some(hit) = eval.decide(rows.row(j))? {
            first[hit.rule_idx].add(hit.class_idx as u32 == truth[rows.rows[j]], false);
        }
    }
    let mut acc = Tally::default();
    Ok(first
        .iter()
        .enumerate()
        .map(|(i, t)| {
            acc.support += t.support;
            acc.correct += t.correct;
            CurvePoint {
                rules: i + 1,
                support: acc.support,
                correct: acc.correct,
                lower_bound: clopper_pearson_lower(acc.correct, acc.support, confidence),
            }
        })
        .collect())
}

/// Figures of a rule set measured on a data file's rows (`rulec validate`).
#[derive(Clone, Debug, serde::Serialize)]
pub struct Measured {
    /// Rows read.
    pub rows: u64,
    /// Rows with a label (whether or not a rule answers them).
    pub labelled: u64,
    /// Rows some rule answers.
    pub covered: u64,
    /// Answered rows whose label was missing (in coverage, not in precision).
    pub unlabelled: u64,
    /// Per rule, in order: what it decided on the rows it answered first.
    pub rules: Vec<RuleMeasure>,
    /// The rule set as a whole.
    pub all: RuleMeasure,
    /// Per decided class, the rules deciding it together (`name` the
    /// class): the lines of the guarantee of a set certified per class
    /// (`--certify class`); empty for the other scopes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<RuleMeasure>,
    /// The precision every rule was checked against.
    pub precision: f64,
    /// Confidence of the bounds.
    pub confidence: f64,
    /// Labelled rows whose label names none of the rule set's classes
    /// ([`RuleSet::class_of_label`]): a decision there counts as wrong.
    /// Absent when there are none, and for a numeric target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub foreign_labels: Option<ForeignLabels>,
}

/// Labels that name no class of the rule set, on the rows measured.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ForeignLabels {
    /// Labelled rows with such a label.
    pub rows: u64,
    /// Labelled rows in all.
    pub labelled: u64,
    /// A few such labels: the most frequent first, then in text order.
    pub examples: Vec<String>,
    /// The rule set's classes.
    pub classes: Vec<String>,
}

impl ForeignLabels {
    /// From how many rows carry each label (distinct labels): `None` when
    /// every label names a class of `set`, or for a numeric target.
    pub fn of_counts<'a>(
        set: &RuleSet,
        counts: impl IntoIterator<Item = (&'a str, u64)>,
    ) -> Option<ForeignLabels> {
        const EXAMPLES: usize = 3;
        if set.target.tolerance.is_some() {
            return None;
        }
        let mut labelled = 0;
        let mut foreign: Vec<(&str, u64)> = Vec::new();
        for (label, n) in counts {
            labelled += n;
            if set.class_of_label(label).is_none() {
                foreign.push((label, n));
            }
        }
        foreign.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        (!foreign.is_empty()).then(|| ForeignLabels {
            rows: foreign.iter().map(|f| f.1).sum(),
            labelled,
            examples: foreign
                .iter()
                .take(EXAMPLES)
                .map(|f| f.0.to_string())
                .collect(),
            classes: set.target.classes.clone(),
        })
    }

    /// In words, values as Markdown code.
    pub fn describe(&self) -> String {
        format!(
            "{} of the {} labelled rows have a label that is none of the rule set's classes ({}), such as {}: a rule's decision there counts as wrong. If these are the classes written another way, write them as the rule set does.",
            self.rows,
            self.labelled,
            rulec_codegen::book::code_list(self.classes.iter().map(String::as_str)),
            rulec_codegen::book::code_list(self.examples.iter().map(String::as_str)),
        )
    }

    /// From the labels of the rows, one per row (`None`: unlabelled).
    pub fn of_labels(set: &RuleSet, labels: &[Option<String>]) -> Option<ForeignLabels> {
        let mut counts: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
        for label in labels.iter().flatten() {
            *counts.entry(label.as_str()).or_default() += 1;
        }
        ForeignLabels::of_counts(set, counts)
    }
}

/// One rule's (or the set's) figures.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RuleMeasure {
    /// Rule name (`*` for the whole set).
    pub name: String,
    /// The decided class (empty for the whole set).
    pub decision: String,
    /// Labelled rows answered.
    pub support: u64,
    /// Rows answered, labelled or not: the share of traffic it takes.
    pub answered: u64,
    /// Of which right.
    pub correct: u64,
    /// Precision, when there is support.
    pub precision: Option<f64>,
    /// One-sided exact (Clopper–Pearson) lower bound of the precision.
    pub precision_lower_bound: f64,
    /// Agreement with the teacher column, when one was given.
    pub fidelity: Option<f64>,
    /// Whether the bound reaches the precision.
    pub accepted: bool,
    /// Why not, when not.
    pub reason: Option<String>,
}

impl Measured {
    /// `self` with [`Measured::classes`] filled when `set` is certified
    /// per class: each decided class's rules summed, in the order of the
    /// classes, with its bound and verdict.
    pub fn with_classes(mut self, set: &RuleSet) -> Measured {
        if set.certification.scope != rulec_runtime::ir::Scope::Class {
            return self;
        }
        let has_teacher = self.rules.iter().any(|r| r.fidelity.is_some());
        self.classes = set
            .target
            .classes
            .iter()
            .filter(|class| self.rules.iter().any(|r| &r.decision == *class))
            .map(|class| {
                let mine = || self.rules.iter().filter(|r| &r.decision == class);
                let counts = mine().fold((0, 0, 0), |(s, c, a), r| {
                    let agree = r
                        .fidelity
                        .map_or(0, |f| (f * r.support as f64).round() as u64);
                    (s + r.support, c + r.correct, a + agree)
                });
                let mut m = RuleMeasure::from_counts(
                    class.clone(),
                    class.clone(),
                    counts,
                    has_teacher,
                    self.precision,
                    self.confidence,
                );
                m.answered = mine().map(|r| r.answered).sum();
                if counts.0 == 0 {
                    m.reason = Some("the rules answer no labelled row of this class".to_string());
                }
                m
            })
            .collect();
        self
    }
}

impl RuleMeasure {
    fn new(
        name: String,
        decision: String,
        t: &Tally,
        has_teacher: bool,
        precision: f64,
        confidence: f64,
    ) -> RuleMeasure {
        RuleMeasure::from_counts(
            name,
            decision,
            (t.support, t.correct, t.agree),
            has_teacher,
            precision,
            confidence,
        )
    }

    /// A rule's figures and verdict from its `(support, correct, agree)`
    /// counts on labelled rows, whichever engine counted them.
    pub fn from_counts(
        name: String,
        decision: String,
        (support, correct, agree): (u64, u64, u64),
        has_teacher: bool,
        precision: f64,
        confidence: f64,
    ) -> RuleMeasure {
        let t = Tally {
            support,
            correct,
            agree,
        };
        let lb = clopper_pearson_lower(t.correct, t.support, confidence);
        let accepted = t.support > 0 && lb >= precision;
        let reason = if t.support == 0 && name == "*" {
            Some("the rules answer no labelled row of the data".to_string())
        } else if t.support == 0 {
            Some("answers no labelled row of the data that no earlier rule answers (a row goes to the first rule that holds)".to_string())
        } else if !accepted {
            // A bound below the requirement never reads as reaching it.
            let shown = rulec_codegen::book::pct_rising(&[lb, precision]);
            Some(format!(
                "precision bound {} is below the required {}",
                shown[0], shown[1]
            ))
        } else {
            None
        };
        RuleMeasure {
            name,
            decision,
            support: t.support,
            // The caller adds the unlabelled rows it answered.
            answered: t.support,
            correct: t.correct,
            precision: (t.support > 0).then(|| t.correct as f64 / t.support as f64),
            precision_lower_bound: lb,
            fidelity: (has_teacher && t.support > 0).then(|| t.agree as f64 / t.support as f64),
            accepted,
            reason,
        }
    }
}

impl RuleMeasure {
    /// Words why a rule took no labelled row, once its `answered` rows are
    /// known: `holds` is how many rows of the data its conditions hold on,
    /// the rule alone (`None` when not counted). Its conditions hold on no
    /// row; or they hold, and every such row goes to an earlier rule; or
    /// the rows it answers carry no label. A rule with labelled rows keeps
    /// its reason.
    pub fn explain_unanswered(&mut self, holds: Option<u64>) {
        if self.support > 0 {
            return;
        }
        let first = "a row goes to the first rule that holds";
        self.reason = Some(match (self.answered, holds) {
            (0, Some(0)) => "answers no row of the data: its conditions hold on none".to_string(),
            (0, Some(1)) => format!(
                "answers no row of the data: the one row where its conditions hold goes to an earlier rule ({first})"
            ),
            (0, Some(h)) => format!(
                "answers no row of the data: the {} where its conditions hold all go to earlier rules ({first})",
                rulec_codegen::book::rows(h)
            ),
            (0, None) => {
                format!("answers no row of the data that no earlier rule answers ({first})")
            }
            (a, _) => format!(
                "answers {}, none of them with a label",
                rulec_codegen::book::rows(a)
            ),
        });
    }
}

/// How many of the rows each rule's conditions hold on, the rule alone,
/// for the rules that took no labelled row (`None` for the others).
fn holds_alone(
    set: &RuleSet,
    eval: &Evaluator,
    cells: &[Cell],
    n: usize,
    per_rule: &[Tally],
) -> Vec<Option<u64>> {
    let width = set.features.len();
    per_rule
        .iter()
        .enumerate()
        .map(|(r, t)| {
            (t.support == 0).then(|| {
                (0..n)
                    .filter(|&i| eval.rule_covers(r, &cells[i * width..(i + 1) * width]))
                    .count() as u64
            })
        })
        .collect()
}

/// Measures `set` on encoded rows with their true labels (class names,
/// `None` when missing) and optionally a teacher's labels. Every rule is
/// measured in its place in the order; labels outside the classes count as
/// wrong.
pub fn measure(
    set: &RuleSet,
    cells: &[Cell],
    n: usize,
    truth: &[Option<String>],
    teacher: Option<&[Option<String>]>,
    precision: f64,
    confidence: f64,
) -> Result<Measured, Error> {
    let eval = Evaluator::new(set)?;
    let width = set.features.len();
    let mut per_rule = vec![Tally::default(); set.rules.len()];
    let mut answered = vec![0u64; set.rules.len()];
    let mut all = Tally::default();
    let mut unlabelled = 0;
    let mut covered = 0;
    let labelled = truth.iter().take(n).filter(|t| t.is_some()).count() as u64;
    for i in 0..n {
        let Some(hit) = eval.decide(&cells[i * width..(i + 1) * width])? else {
            continue;
        };
        covered += 1;
        answered[hit.rule_idx] += 1;
        let decided = &set.target.classes[hit.class_idx];
        let Some(label) = &truth[i] else {
            unlabelled += 1;
            continue;
        };
        // Classes match by label (or by number, `1` for the class `1.0`:
        // `RuleSet::class_of_label`); a numeric target's values within its
        // tolerance.
        let same = |other: &str| match set.target.tolerance {
            None => other == decided || set.class_of_label(other) == Some(hit.class_idx),
            Some(t) => match (crate::ingest::parse_number(other), decided.parse::<f64>()) {
                (Some(a), Ok(b)) => rulec_runtime::stats::within_tolerance(a, b, t),
                _ => false,
            },
        };
        let agree = teacher.is_some_and(|t| t[i].as_deref().is_some_and(same));
        let right = same(label);
        per_rule[hit.rule_idx].add(right, agree);
        all.add(right, agree);
    }
    let has_teacher = teacher.is_some();
    let holds = holds_alone(set, &eval, cells, n, &per_rule);
    Ok(Measured {
        rows: n as u64,
        labelled,
        covered,
        unlabelled,
        rules: set
            .rules
            .iter()
            .zip(&per_rule)
            .zip(&answered)
            .zip(holds)
            .map(|(((r, t), &answered), holds)| {
                let mut m = RuleMeasure {
                    answered,
                    ..RuleMeasure::new(
                        r.name.clone(),
                        r.decision.clone(),
                        t,
                        has_teacher,
                        precision,
                        confidence,
                    )
                };
                m.explain_unanswered(holds);
                m
            })
            .collect(),
        all: RuleMeasure {
            answered: covered,
            ..RuleMeasure::new(
                "*".into(),
                String::new(),
                &all,
                has_teacher,
                precision,
                confidence,
            )
        },
        precision,
        confidence,
        foreign_labels: ForeignLabels::of_labels(set, &truth[..n.min(truth.len())]),
        classes: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::RuleMeasure;

    /// The four ways a rule takes no labelled row, each worded as it is.
    #[test]
    fn a_rule_without_labelled_rows_says_why() {
        let verdict = |answered: u64, holds: Option<u64>| {
            let mut m =
                RuleMeasure::from_counts("r".into(), "a".into(), (0, 0, 0), false, 0.95, 0.95);
            m.answered = answered;
            m.explain_unanswered(holds);
            m.reason.unwrap()
        };
        assert_eq!(
            verdict(0, Some(0)),
            "answers no row of the data: its conditions hold on none"
        );
        assert_eq!(
            verdict(0, Some(1)),
            "answers no row of the data: the one row where its conditions hold goes to an earlier rule (a row \
             goes to the first rule that holds)"
        );
        assert_eq!(
            verdict(0, None),
            "answers no row of the data that no earlier rule answers (a row goes to the first rule that holds)"
        );
        assert_eq!(
            verdict(3, Some(3)),
            "answers 3 rows, none of them with a label"
        );
        // A rule with labelled rows keeps its verdict.
        let mut m =
            RuleMeasure::from_counts("r".into(), "a".into(), (10, 10, 0), false, 0.95, 0.95);
        m.explain_unanswered(Some(10));
        assert!(m.reason.unwrap().contains("below the required"));
    }
}
