//! The rule IR: [`RuleSet`], [`Rule`], [`Condition`] and the schema they refer to.
//!
//! This is the one serialised contract of rulec (`rules.json`). Every emitter
//! (Rust crate, rule book) and the interpreter read it; none of them sees the
//! data or the teacher. Loading checks the schema version and the internal
//! consistency (every condition names a known feature of the right kind, every
//! decision is a known class), so a loaded `RuleSet` can be trusted downstream.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

mod order;
pub use order::{OrderChoice, OrderKind};

use crate::error::Error;

mod condition;
pub use condition::{signed_sum, CmpOp, Condition};
mod figures;
pub use figures::FiguresDoubt;
mod summary;
pub use summary::{
    Answered, CostModel, CurvePoint, GroupFigures, GroupTable, MeasuredCost, RuleStability,
    SetFigures, Stability, Summary, TeacherThreshold,
};

/// Version of the `rules.json` layout a rule set is written with unless
/// it needs a later one ([`RuleSet::layout_version`]). Bumped on any
/// incompatible change; a file with a version above
/// [`MAX_SCHEMA_VERSION`] is refused with a clear message.
pub const SCHEMA_VERSION: u32 = 1;

/// The layout version of a rule set one of whose sums subtracts a column
/// ([`Condition::Sum`]'s `minus`): a rulec that reads version 1 only would
/// not know the field and would read `a + c - b` as `a + c`, so it must
/// refuse the file instead.
pub const DIFFERENCE_SCHEMA_VERSION: u32 = 2;

/// The highest `rules.json` layout version this rulec reads.
pub const MAX_SCHEMA_VERSION: u32 = 2;

/// A complete, validated rule set: schema, ordered rules, and the evidence
/// and provenance behind them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleSet {
    /// Layout version, see [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The column the rules decide, and its classes.
    pub target: Target,
    /// The input features, in the order rows present them to the interpreter.
    pub features: Vec<Feature>,
    /// Rules in evaluation order: the first rule whose conditions all hold
    /// gives the decision. A row no rule covers goes to the fallback.
    pub rules: Vec<Rule>,
    /// The precision target and the statistics used to certify rules.
    pub certification: Certification,
    /// Where the rules came from. Absent for hand-written rule sets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
    /// Figures for the rule set as a whole, per split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<Summary>,
    /// Proposed rules and near-miss candidates that were not kept, each with
    /// the reason, for the rule book.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rejected: Vec<Rejected>,
    /// Columns the rules may not read (`rulec compile --forbid`). Absent
    /// from `rules.json` when nothing is forbidden.
    #[serde(default, skip_serializing_if = "Policy::is_empty")]
    pub policy: Policy,
    /// The model card (`rulec compile --card FILE`): who owns the rules and
    /// what they are for, as given. Absent without a card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<Card>,
}

/// The model card's fields, as the owner wrote them; a field not given is
/// `None` (or empty) and the rule book lists it as open.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    /// Who owns the rules (a person or a team).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// What the rules decide, and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// The rows they are meant for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intended_population: Option<String>,
    /// Uses they are not meant for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub out_of_scope: Vec<String>,
    /// Whom to contact.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<String>,
    /// Who may switch a rule off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_switch_off: Option<String>,
}

/// Columns kept away from the rules. Loading refuses a rule set with a
/// rule that reads a forbidden column, so every command that reads
/// `rules.json` (check, validate, book, emit) refuses it too.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Features no rule and no candidate may read, in the order given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forbidden: Vec<String>,
    /// Whether the teacher was kept from them too (`--forbid-teacher`);
    /// otherwise the teacher saw them and only the rules are kept away.
    #[serde(default, skip_serializing_if = "is_false")]
    pub teacher_forbidden: bool,
}

impl Policy {
    /// Nothing forbidden.
    pub fn is_empty(&self) -> bool {
        self.forbidden.is_empty() && !self.teacher_forbidden
    }

    /// Whether `feature` is forbidden.
    pub fn forbids(&self, feature: &str) -> bool {
        self.forbidden.iter().any(|f| f == feature)
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A rule that was considered and not kept.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rejected {
    /// The rule as proposed or learned.
    pub rule: Rule,
    /// Why it was not kept, in plain words.
    pub reason: String,
}

/// The decided column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// Column name as it appears in the data.
    pub name: String,
    /// Class labels as text, sorted. For a numeric target, the values the
    /// rules decide, as numbers written in the DSL, in increasing order.
    pub classes: Vec<String>,
    /// For a numeric target: a decision counts as right when it is within
    /// this distance of the true value. `None` for classes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
}

/// One input column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Feature {
    /// Column name as it appears in the data.
    pub name: String,
    /// Value type.
    pub kind: FeatureKind,
    /// Whether missing values were seen (or are allowed) in this column.
    pub nullable: bool,
}

/// The type of a feature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FeatureKind {
    /// A real number (`f64`).
    Numeric,
    /// `true` or `false`.
    Boolean,
    /// One of a known set of strings. Values outside the set are *unknown*.
    Categorical {
        /// Known categories, sorted.
        categories: Vec<String>,
    },
}

/// One rule: a conjunction of conditions and the decision it gives.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// Stable, human-readable name, unique in the set (`[a-z0-9_]+`).
    pub name: String,
    /// All must hold. An empty list covers every row.
    pub conditions: Vec<Condition>,
    /// The class this rule decides.
    pub decision: String,
    /// Where the rule came from (`tree`, `proposal`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// Measured evidence. Absent for rules not yet validated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

/// Per-rule figures, measured with the rule in its place in the ordered set
/// (a row counts for the first rule that covers it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// On the validation split: the split the rule was certified on.
    pub validation: SplitEvidence,
    /// On the test split, never used for any choice. Absent without test rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<SplitEvidence>,
    /// A few validation rows the rule answers, for the rule book: the first
    /// ones in split order, so the choice is deterministic and not curated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<Example>,
    /// The rule's conditions ranked by how much each matters on the
    /// validation rows, most first: the reasons for its decision. Empty
    /// when not measured (hand-written rule sets, numeric targets).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Reason>,
}

/// How much one condition of a rule matters, measured on the validation
/// rows with the rule on its own (every row it covers, whatever the rules
/// before it answer): the rule with and without the condition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// Index of the condition in [`Rule::conditions`].
    pub condition: usize,
    /// Validation rows the rule covers on its own, with every condition.
    pub rows_with: u64,
    /// Of which the rule's decision is right.
    pub correct_with: u64,
    /// Validation rows only this condition keeps out: the rule without it
    /// would cover them too.
    pub excluded: u64,
    /// Of which the rule's decision would be wrong.
    pub excluded_wrong: u64,
}

impl Reason {
    /// Precision of the rule on its own, with every condition.
    pub fn precision_with(&self) -> Option<f64> {
        (self.rows_with > 0).then(|| ratio(self.correct_with, self.rows_with))
    }

    /// Precision of the rule on its own without this condition.
    pub fn precision_without(&self) -> Option<f64> {
        let rows = self.rows_with + self.excluded;
        let correct = self.correct_with + (self.excluded - self.excluded_wrong.min(self.excluded));
        (rows > 0).then(|| ratio(correct, rows))
    }

    /// How much precision the condition buys: with it minus without it
    /// (0 when nothing is measured).
    pub fn precision_gain(&self) -> f64 {
        match (self.precision_with(), self.precision_without()) {
            (Some(a), Some(b)) => a - b,
            _ => 0.0,
        }
    }

    /// Share of the rows this condition keeps out where the decision would
    /// be wrong, when it keeps some out.
    pub fn wrong_share_excluded(&self) -> Option<f64> {
        (self.excluded > 0).then(|| ratio(self.excluded_wrong, self.excluded))
    }
}

/// One row a rule answered, as the rule book shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Example {
    /// Feature values as text, in [`RuleSet::features`] order; `None` where
    /// the value is missing. Numbers in their shortest round-trip form.
    pub values: Vec<Option<String>>,
    /// The row's true label.
    pub truth: String,
}

/// Support and precision of one rule (or a whole set) on one split.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SplitEvidence {
    /// Rows of the split the rule answered.
    pub support: u64,
    /// Of those, rows where the decision equals the true label.
    pub correct: u64,
    /// Of those, rows where the decision equals the teacher's label.
    pub agree_teacher: u64,
    /// Lower confidence bound of `correct / support` (see [`Certification`]).
    pub precision_lower_bound: f64,
}

impl SplitEvidence {
    /// `correct / support`, or `None` without support.
    pub fn precision(&self) -> Option<f64> {
        (self.support > 0).then(|| self.correct as f64 / self.support as f64)
    }

    /// `agree_teacher / support`, or `None` without support.
    pub fn fidelity(&self) -> Option<f64> {
        (self.support > 0).then(|| self.agree_teacher as f64 / self.support as f64)
    }
}

/// The guarantee the rules were held to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Certification {
    /// Required precision (e.g. 0.95).
    pub precision: f64,
    /// Confidence level of the lower bound (e.g. 0.95).
    pub confidence: f64,
    /// Name of the bound, e.g. `wilson`.
    pub method: String,
    /// What the bound is about: the covered rows as a whole, or each rule.
    #[serde(default)]
    pub scope: Scope,
    /// The tests run on validation rows, in the order they were run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tests: Vec<CertificationTest>,
    /// Which of two orders of the candidates was tested, when two were
    /// built (a set or per-class guarantee on a class target, from a
    /// teacher with probabilities, without proposals or `--order greedy`);
    /// absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<OrderChoice>,
}

/// What the precision guarantee covers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The rows the rule set answers, as a whole.
    #[default]
    Set,
    /// The rows the rule set decides as each class, class by class: every
    /// decided class reaches the precision.
    Class,
    /// The rows each rule answers, rule by rule.
    Rule,
}

/// One test of a nested rule set (the first `rules` rules) on validation rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CertificationTest {
    /// Rules in the tested set.
    pub rules: usize,
    /// Validation rows it answers.
    pub support: u64,
    /// Of which right.
    pub correct: u64,
    /// Confidence level this test ran at (its share of the error budget).
    pub confidence: f64,
    /// The lower bound at that level.
    pub lower_bound: f64,
    /// Whether the bound reached the precision.
    pub passed: bool,
    /// With `scope: class`, each decided class's part of the test (the set
    /// passed when every class did; `lower_bound` is the least of theirs).
    /// Empty otherwise, and then not written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<ClassTest>,
}

/// One decided class's part of a certification test (`scope: class`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassTest {
    /// The class.
    pub class: String,
    /// Validation rows the tested set decides as this class.
    pub support: u64,
    /// Of which right.
    pub correct: u64,
    /// The lower bound at the test's level.
    pub lower_bound: f64,
    /// Whether the bound reached the precision.
    pub passed: bool,
}

/// Where a compiled rule set came from: enough for an auditor to reproduce it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// rulec version that wrote the file.
    pub tool_version: String,
    /// Data file name (without directories).
    pub data_file: String,
    /// SHA-256 of the data file's bytes, hex.
    pub data_sha256: String,
    /// Rows read from the data.
    pub rows: u64,
    /// Rows per split.
    pub split_rows: SplitRows,
    /// How the split was made (`stratified 60/20/20, seed 0` or `column split`).
    pub split_method: String,
    /// The teacher, as given on the command line, with its parameters.
    pub teacher: String,
    /// Every option of the compile, as `name = value`, sorted by name.
    pub options: Vec<(String, String)>,
    /// The seed.
    pub seed: u64,
    /// What rulec changed or left out when it read the data, in plain
    /// words, as `rulec compile` printed them (`note: ...`): columns left
    /// out, categories unknown to the rules, columns read as text. They
    /// quote column names and values from the data. Absent when there
    /// were none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_notes: Vec<String>,
    /// [`RuleSet::fingerprint`] of the set as compiled: a rule set whose
    /// own fingerprint differs was edited after the compile (its rules,
    /// their order or decisions, the columns, the target, the
    /// certification or the policy), and its recorded figures are not its
    /// own. Absent in files written before rulec recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compiled: Option<String>,
}

/// Row counts per split.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitRows {
    /// Training rows (teacher and tree learner).
    pub train: u64,
    /// Validation rows (rule certification).
    pub validation: u64,
    /// Test rows (reported only).
    pub test: u64,
}

/// A class name or label read as a finite number (`1`, `1.0`, `-2.5e3`),
/// as [`RuleSet::class_of_label`] compares them.
pub fn number_of_class(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Whether a label is `true` or `false` in any case (`True`, `FALSE`), a
/// boolean as pandas, R or a column of booleans writes it.
pub fn is_boolean_word(text: &str) -> bool {
    text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false")
}

/// `a / b`, 0 without any `b`.
pub(crate) fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

impl RuleSet {
    /// A fingerprint of what the recorded figures are figures of: the
    /// target, the columns, the rules in order (conditions and decisions),
    /// the certification (precision, confidence, method, scope and its
    /// tests) and the policy; not the figures, provenance or card. 64-bit
    /// FNV-1a of their JSON, in hex: it tells an edited file from the
    /// compiled one (not a forgery from it: the book's SHA-256 and
    /// `rulec diff` against the signed file do that).
    pub fn fingerprint(&self) -> String {
        let parts = serde_json::json!({
            "target": &self.target,
            "features": &self.features,
            "rules": self
                .rules
                .iter()
                .map(|r| serde_json::json!({
                    "name": &r.name,
                    "conditions": &r.conditions,
                    "decision": &r.decision,
                }))
                .collect::<Vec<_>>(),
            "certification": &self.certification,
            "policy": &self.policy,
        });
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in parts.to_string().bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        format!("{hash:016x}")
    }

    /// Whether some rule's condition reads the column `name` (a forbidden
    /// column, or one the learner never used, is read by none).
    pub fn reads_column(&self, name: &str) -> bool {
        self.rules
            .iter()
            .flat_map(|r| &r.conditions)
            .any(|c| c.features().contains(&name))
    }

    /// A rule set of the current schema whose precision target is
    /// `precision` at `confidence` (the exact Clopper–Pearson bound, for the
    /// set as a whole),
    /// with nothing measured yet: no certification tests, provenance,
    /// summary or rejected candidates.
    pub fn new(
        target: Target,
        features: Vec<Feature>,
        rules: Vec<Rule>,
        precision: f64,
        confidence: f64,
    ) -> RuleSet {
        RuleSet {
            schema_version: SCHEMA_VERSION,
            target,
            features,
            rules,
            certification: Certification {
                precision,
                confidence,
                method: crate::stats::CLOPPER_PEARSON.to_string(),
                scope: Scope::Set,
                tests: Vec::new(),
                order: None,
            },
            provenance: None,
            summary: None,
            rejected: Vec::new(),
            policy: Policy::default(),
            card: None,
        }
    }

    /// Parses and checks a `rules.json` document.
    pub fn from_json(text: &str) -> Result<RuleSet, Error> {
        // Look at the version first so a future file gets a precise message
        // rather than a confusing field error.
        // A byte order mark, as some editors save, is not part of the JSON.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let probe: serde_json::Value =
            serde_json::from_str(text).map_err(|e| Error::Json(e.to_string()))?;
        let version = probe.get("schema_version");
        match version.and_then(|v| v.as_u64()) {
            None if version.is_none() => {
                return Err(Error::Json("missing field `schema_version`".into()))
            }
            None => {
                return Err(Error::Json(format!(
                    "`schema_version` must be a positive whole number, got {}",
                    version.map_or_else(String::new, ToString::to_string)
                )))
            }
            Some(v) if v > u64::from(MAX_SCHEMA_VERSION) => {
                return Err(Error::SchemaVersion {
                    found: v,
                    supported: MAX_SCHEMA_VERSION,
                })
            }
            Some(0) => {
                return Err(Error::Json(format!(
                    "`schema_version` is 0; layout versions start at {SCHEMA_VERSION}"
                )))
            }
            Some(_) => {}
        }
        // From the text, not the parsed value, so that an error names its
        // line and column.
        drop(probe);
        let set: RuleSet = serde_json::from_str(text).map_err(|e| Error::Json(e.to_string()))?;
        // A file must declare the layout its fields need: a version-1 file
        // with a subtracted term would be misread by a rulec that reads
        // version 1 only, and would not write back as it was read.
        let needed = set.layout_version();
        if set.schema_version < needed {
            return Err(Error::Json(format!(
                "`schema_version` is {}, but a sum that subtracts a column (`minus`) needs layout version {needed}",
                set.schema_version
            )));
        }
        set.check()?;
        Ok(set)
    }

    /// Serialises to pretty JSON with a trailing newline. Deterministic.
    /// The file's `schema_version` is at least [`RuleSet::layout_version`].
    pub fn to_json(&self) -> String {
        let needed = self.layout_version();
        let mut s = if needed > self.schema_version {
            let set = RuleSet {
                schema_version: needed,
                ..self.clone()
            };
            serde_json::to_string_pretty(&set)
        } else {
            serde_json::to_string_pretty(self)
        }
        .expect("RuleSet serialises");
        s.push('\n');
        s
    }

    /// The lowest layout version that holds this set: [`SCHEMA_VERSION`],
    /// or [`DIFFERENCE_SCHEMA_VERSION`] when a rule (or a rejected
    /// candidate) tests a sum that subtracts a column.
    pub fn layout_version(&self) -> u32 {
        let subtracts = self
            .rules
            .iter()
            .chain(self.rejected.iter().map(|r| &r.rule))
            .flat_map(|r| &r.conditions)
            .any(|c| matches!(c, Condition::Sum { minus, .. } if !minus.is_empty()));
        if subtracts {
            DIFFERENCE_SCHEMA_VERSION
        } else {
            SCHEMA_VERSION
        }
    }

    /// Index of a feature by name.
    pub fn feature_index(&self, name: &str) -> Option<usize> {
        self.features.iter().position(|f| f.name == name)
    }

    /// Index of a class by label.
    pub fn class_index(&self, label: &str) -> Option<usize> {
        self.target.classes.iter().position(|c| c == label)
    }

    /// The class a label of new data names: the class written the same,
    /// or else the one class whose name is the same number (`1` names the
    /// class `1.0`, and `1.0` the class `1`), or the same boolean word in
    /// another case (`True` and `TRUE` name the class `true`). pandas
    /// writes a column of whole numbers as `1.0` when it has a missing
    /// value and as `1` when it has none, and booleans as `True`, R as
    /// `TRUE`, while the compile reads a target of boolean words as the
    /// classes `true` and `false`: rules compiled from one batch would
    /// otherwise find every label of the next one (or of the same file)
    /// wrong. `None` when no class, or more than one, fits.
    pub fn class_of_label(&self, label: &str) -> Option<usize> {
        if let Some(i) = self.class_index(label) {
            return Some(i);
        }
        let value = number_of_class(label);
        if value.is_none() && !is_boolean_word(label) {
            return None;
        }
        let same = |class: &str| match value {
            Some(v) => number_of_class(class) == Some(v),
            None => class.eq_ignore_ascii_case(label),
        };
        let mut found = None;
        for (i, class) in self.target.classes.iter().enumerate() {
            if same(class) {
                if found.is_some() {
                    return None;
                }
                found = Some(i);
            }
        }
        found
    }

    /// The classes a boolean word in another case names
    /// ([`RuleSet::class_of_label`]): those that are `true` or `false` in
    /// some case, where no other class is the same word.
    pub fn boolean_word_classes(&self) -> Vec<&str> {
        let classes = &self.target.classes;
        classes
            .iter()
            .filter(|c| is_boolean_word(c))
            .filter(|c| classes.iter().filter(|d| d.eq_ignore_ascii_case(c)).count() == 1)
            .map(String::as_str)
            .collect()
    }

    /// Checks internal consistency; collects every problem before failing.
    pub fn check(&self) -> Result<(), Error> {
        let mut problems = Vec::new();
        let mut names = BTreeSet::new();
        for f in &self.features {
            if !names.insert(f.name.as_str()) {
                problems.push(format!("feature `{}` is listed twice", f.name));
            }
            if f.name == self.target.name {
                problems.push(format!("feature `{}` is also the target", f.name));
            }
        }
        match self.target.tolerance {
            None if self.target.classes.len() < 2 => {
                problems.push("the target needs at least two classes".to_string());
            }
            Some(t) if !(t.is_finite() && t > 0.0) => {
                problems.push(format!("the tolerance {t} must be a positive number"));
            }
            Some(_) => {
                for c in &self.target.classes {
                    if !c.parse::<f64>().is_ok_and(f64::is_finite) {
                        problems.push(format!(
                            "decision `{c}` of a numeric target is not a number"
                        ));
                    }
                }
            }
            None => {}
        }
        if let Some(dup) = first_duplicate(&self.target.classes) {
            problems.push(format!("class `{dup}` is listed twice"));
        }
        for f in &self.features {
            if let FeatureKind::Categorical { categories } = &f.kind {
                if let Some(dup) = first_duplicate(categories) {
                    problems.push(format!("category `{dup}` of `{}` is listed twice", f.name));
                }
            }
        }
        let mut rule_names = BTreeSet::new();
        for rule in &self.rules {
            if !rule_names.insert(rule.name.as_str()) {
                problems.push(format!("rule `{}` is defined twice", rule.name));
            }
            if !is_rule_name(&rule.name) {
                problems.push(format!(
                    "rule name `{}` must be lowercase letters, digits and `_`, starting with a letter",
                    rule.name
                ));
            }
            if self.class_index(&rule.decision).is_none() {
                problems.push(format!(
                    "rule `{}` decides `{}`, which is not a class of `{}`",
                    rule.name, rule.decision, self.target.name
                ));
            }
            for cond in &rule.conditions {
                if let Err(msg) = self.check_condition(cond) {
                    problems.push(format!("rule `{}`: {msg}", rule.name));
                }
            }
            let mut read = BTreeSet::new();
            for name in rule.conditions.iter().flat_map(Condition::features) {
                if self.policy.forbids(name) && read.insert(name) {
                    problems.push(format!(
                        "rule `{}` reads `{name}`, a forbidden column",
                        rule.name
                    ));
                }
            }
        }
        // The candidates not kept are printed in the book as rules: the same
        // names, classes (a number, for a numeric target) and conditions.
        for (i, r) in self.rejected.iter().map(|r| &r.rule).enumerate() {
            let decides = match self.target.tolerance {
                None => self.class_index(&r.decision).is_some(),
                Some(_) => r.decision.parse::<f64>().is_ok_and(f64::is_finite),
            };
            let bad_condition = r
                .conditions
                .iter()
                .find_map(|c| self.check_condition(c).err());
            if let Some(msg) = (!is_rule_name(&r.name))
                .then(|| format!("name `{}` is no rule name", r.name))
                .or_else(|| (!decides).then(|| format!("decides `{}`", r.decision)))
                .or(bad_condition)
            {
                problems.push(format!("rejected[{i}] (`{}`): {msg}", r.name));
            }
        }
        for f in &self.policy.forbidden {
            if self.feature_index(f).is_none() {
                problems.push(format!("forbidden column `{f}` is not a feature"));
            }
        }
        if let Some(dup) = first_duplicate(&self.policy.forbidden) {
            problems.push(format!("forbidden column `{dup}` is listed twice"));
        }
        // The guarantee and the evidence: shares between 0 and 1, counts
        // that add up. A hand edit that breaks them would be printed as a
        // guarantee of 150 % or a bound of -500 %.
        let share = |x: f64| x.is_finite() && (0.0..=1.0).contains(&x);
        let cert = &self.certification;
        problems.extend(not_a_share("certification.precision", cert.precision));
        problems.extend(not_a_share("certification.confidence", cert.confidence));
        for (i, t) in cert.tests.iter().enumerate() {
            if t.correct > t.support || !share(t.lower_bound) || !share(t.confidence) {
                problems.push(format!(
                    "certification.tests[{i}]: right rows above the rows, or a bound or confidence outside 0 to 1"
                ));
            }
        }
        for rule in &self.rules {
            let Some(e) = &rule.evidence else { continue };
            for (split, ev) in [
                ("validation", Some(&e.validation)),
                ("test", e.test.as_ref()),
            ] {
                let Some(ev) = ev else { continue };
                if ev.correct > ev.support
                    || ev.agree_teacher > ev.support
                    || !share(ev.precision_lower_bound)
                {
                    problems.push(format!(
                        "rule `{}`: its {split} evidence counts more right rows than rows, or a bound outside 0 to 1",
                        rule.name
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(problems))
        }
    }

    fn check_condition(&self, cond: &Condition) -> Result<(), String> {
        if let Condition::Sum {
            features,
            minus,
            value,
            ..
        } = cond
        {
            if features.is_empty() {
                return Err("a sum needs a column it adds".to_string());
            }
            if features.len() + minus.len() < 2 {
                return Err("a sum needs at least two columns".to_string());
            }
            if let Some(twice) = twice_in_sum(features, minus) {
                return Err(twice);
            }
            for name in features.iter().chain(minus) {
                let Some(idx) = self.feature_index(name) else {
                    return Err(format!("unknown feature `{name}`"));
                };
                let kind = &self.features[idx].kind;
                if *kind != FeatureKind::Numeric {
                    return Err(format!(
                        "`{name}` is a term of a sum but is not numeric ({})",
                        kind.describe()
                    ));
                }
            }
            return if value.is_finite() {
                Ok(())
            } else {
                Err(format!(
                    "threshold on the sum `{}` is not finite",
                    cond.subject()
                ))
            };
        }
        let Some(idx) = self.feature_index(cond.feature()) else {
            return Err(format!("unknown feature `{}`", cond.feature()));
        };
        let feature = &self.features[idx];
        match (cond, &feature.kind) {
            (Condition::Cmp { value, .. }, FeatureKind::Numeric) => {
                if value.is_finite() {
                    Ok(())
                } else {
                    Err(format!("threshold on `{}` is not finite", feature.name))
                }
            }
            (Condition::Is { .. }, FeatureKind::Boolean) => Ok(()),
            (
                Condition::In { values, .. } | Condition::NotIn { values, .. },
                FeatureKind::Categorical { categories },
            ) => {
                if values.is_empty() {
                    return Err(format!("empty category set on `{}`", feature.name));
                }
                for v in values {
                    if !categories.contains(v) {
                        return Err(format!(
                            "`{}` is not a known category of `{}`",
                            v, feature.name
                        ));
                    }
                }
                Ok(())
            }
            (Condition::Missing { .. }, _) if feature.nullable => Ok(()),
            (Condition::Missing { .. }, _) => Err(format!(
                "`{}` is missing, but `{}` has no missing values in the schema (mark it nullable)",
                feature.name, feature.name
            )),
            (_, kind) => Err(format!(
                "condition does not fit the type of `{}` ({})",
                feature.name,
                kind.describe()
            )),
        }
    }
}

impl FeatureKind {
    /// `numeric`, `boolean` or `categorical`.
    pub fn describe(&self) -> &'static str {
        match self {
            FeatureKind::Numeric => "numeric",
            FeatureKind::Boolean => "boolean",
            FeatureKind::Categorical { .. } => "categorical",
        }
    }
}

/// What is wrong with `value`, named `name`, as a precision or a
/// confidence level: `None` when it is between 0 and 1 (exclusive).
pub fn not_a_share(name: &str, value: f64) -> Option<String> {
    (!(value > 0.0 && value < 1.0)).then(|| {
        // Every output writes these as percentages: 95 is a natural slip
        // (1.5 is more likely a slip of another kind).
        let percent = if (50.0..100.0).contains(&value) {
            format!(" (a share: for {value} %, write {})", value / 100.0)
        } else {
            String::new()
        };
        format!("{name} must be between 0 and 1 (exclusive), got {value}{percent}")
    })
}

/// What is wrong with `value` as the confidence of a one-sided lower bound
/// (`name` the option): a share, and above one half. At 0.5 or less the
/// bound is no lower than the measured precision (at 0.01 it is above it),
/// so it would "certify" sets below the target.
pub fn not_a_confidence(name: &str, value: f64) -> Option<String> {
    not_a_share(name, value).or_else(|| {
        (value <= 0.5).then(|| {
            format!(
                "{name} must be above 0.5, got {value}: a lower bound at a confidence of one half or less is no lower than the measured precision, and certifies nothing (0.95 is usual)"
            )
        })
    })
}

/// The first thing wrong with a precision target and the confidence of its
/// bound (`names`: the two options as the caller's user writes them).
pub fn not_levels(names: [&str; 2], precision: f64, confidence: f64) -> Option<String> {
    not_a_share(names[0], precision).or_else(|| not_a_confidence(names[1], confidence))
}

/// What is wrong when a column is a term of one sum twice: added twice,
/// subtracted twice, or both added and subtracted.
pub fn twice_in_sum(plus: &[String], minus: &[String]) -> Option<String> {
    if let Some(dup) = first_duplicate(plus) {
        return Some(format!("`{dup}` is added twice in one sum"));
    }
    if let Some(dup) = first_duplicate(minus) {
        return Some(format!("`{dup}` is subtracted twice in one sum"));
    }
    plus.iter()
        .find(|f| minus.contains(f))
        .map(|f| format!("`{f}` is both added and subtracted in one sum"))
}

fn first_duplicate(items: &[String]) -> Option<&str> {
    let mut seen = BTreeSet::new();
    items
        .iter()
        .find(|i| !seen.insert(i.as_str()))
        .map(String::as_str)
}

/// Whether `name` is a valid rule name: `[a-z][a-z0-9_]*` and not a word
/// of the rule DSL.
pub fn is_rule_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
        && !crate::dsl::KEYWORDS.contains(&name)
}

impl fmt::Display for RuleSet {
    /// The rule set in the rule DSL, for debugging and for the rule book.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, rule) in self.rules.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}", crate::dsl::print_rule(rule, &self.target.name))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
