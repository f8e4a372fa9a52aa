//! `rulec diff`: what changed between two rule sets, for an auditor who
//! signed off the old one.
//!
//! Rules are matched by name and by the similarity of their conditions:
//! the Jaccard index of their condition keys (the column and the direction
//! of a threshold, the value of a boolean, each category of a set, `is
//! missing`, and the decision). Every possible pair scores its similarity
//! plus [`NAME_BONUS`] when the names agree, and pairs are taken best first.
//! So a rule keeps its partner of the same name unless another rule has
//! (nearly) its very conditions. Learned rules are named by decision and
//! position (`b_1`, `b_2`), so between two learned rules a name counts for
//! nothing ([`named_alike`]): they pair by their conditions alone. A pair
//! needs a similarity of [`MIN_SIMILARITY`], or the same name and something
//! in common.
//!
//! What counts as a change (for `--fail-on-change`): a rule added, removed,
//! renamed, with other conditions or another decision; the shared rules in
//! another order (the first rule that covers a row decides it); the
//! required precision, its confidence or scope; the target, its classes or
//! the input columns. Figures that moved while the rules stayed the same
//! (a run on other data) are reported, not counted as a change.

use std::collections::BTreeSet;
use std::fmt::Write;

use serde::Serialize;

use rulec_codegen::book::{code, escape_md, fenced, note_cell, note_md, opt_pct, pct, pct_lower};
use rulec_codegen::sentence::sentence;
use rulec_runtime::dsl::{print_condition, print_number, print_rule};
use rulec_runtime::ir::{CmpOp, Condition, Evidence, Rule, RuleSet, SetFigures, SplitEvidence};

/// Least condition similarity for two differently named rules to be
/// reported as one rule changed rather than one removed and one added.
pub const MIN_SIMILARITY: f64 = 0.5;

/// What agreeing names add to a pair's similarity when pairs are chosen:
/// enough to prefer the same name among similar candidates, not enough to
/// beat a rule with the very same conditions under another name.
pub const NAME_BONUS: f64 = 0.25;

/// The differences between two rule sets.
#[derive(Clone, Debug, Serialize)]
pub struct RuleSetDiff {
    /// Rules only in the new set: (position in the new set, name).
    pub added: Vec<(usize, String)>,
    /// Rules only in the old set: (position in the old set, name).
    pub removed: Vec<(usize, String)>,
    /// Matched rules that differ.
    pub changed: Vec<RuleChange>,
    /// Matched rules that are the same (names, in the new order).
    pub unchanged: Vec<String>,
    /// Whether the matched rules come in another relative order.
    pub order_changed: bool,
    /// Changes to the target, classes, inputs or certification, in words.
    pub settings: Vec<Line>,
    /// What the compile said reading its data (the provenance's notes) that
    /// the old set's compile did not say: a column now left out, say.
    pub notes_added: Vec<String>,
    /// What the old set's compile said reading its data that the new
    /// one's no longer says.
    pub notes_removed: Vec<String>,
    /// What a service linking the generated crate sees change: Rust names
    /// gone, added, or standing for something else (`rulec_codegen::rust::api`).
    pub api: Vec<Line>,
    /// The model card's fields that differ (owner, purpose, intended
    /// population...): what the rules are for, reported for review, not
    /// counted as a change to the rules or the guarantee.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub card: Vec<Line>,
}

/// A rule present in both sets.
#[derive(Clone, Debug, Serialize)]
pub struct RuleChange {
    /// Position and name in the old set.
    pub old: (usize, String),
    /// Position and name in the new set.
    pub new: (usize, String),
    /// `name`, or the similarity of the conditions that matched them.
    pub matched_by: String,
    /// What changed, one item per change, in words.
    pub changes: Vec<Line>,
}

impl RuleSetDiff {
    /// Whether anything that changes decisions or the guarantee changed.
    pub fn changed(&self) -> bool {
        !self.added.is_empty()
            || !self.removed.is_empty()
            || !self.changed.is_empty()
            || self.order_changed
            || !self.settings.is_empty()
    }
}

/// Compares two rule sets.
pub fn diff(old: &RuleSet, new: &RuleSet) -> RuleSetDiff {
    let pairs = match_rules(&old.rules, &new.rules);
    let mut changed = Vec::new();
    let mut unchanged = Vec::new();
    let mut pairs_by_new: Vec<&(usize, usize, Match)> = pairs.iter().collect();
    pairs_by_new.sort_by_key(|p| p.1);
    for &&(o, n, ref how) in &pairs_by_new {
        let (a, b) = (&old.rules[o], &new.rules[n]);
        let mut changes = Vec::new();
        if a.name != b.name {
            changes.push(
                Line::default()
                    .words("renamed from ")
                    .code(&a.name)
                    .words(" to ")
                    .code(&b.name),
            );
        }
        if a.decision != b.decision {
            changes.push(Line::default().words(format!(
                "decides \"{}\" instead of \"{}\"",
                b.decision, a.decision
            )));
        }
        changes.extend(condition_changes(&a.conditions, &b.conditions));
        if changes.is_empty() {
            unchanged.push(b.name.clone());
        } else {
            changed.push(RuleChange {
                old: (o, a.name.clone()),
                new: (n, b.name.clone()),
                matched_by: match how {
                    Match::Name => "name".to_string(),
                    Match::Similarity(s) => format!("similar conditions ({s:.2})"),
                },
                changes,
            });
        }
    }
    // The matched rules in new order: their old positions must increase.
    let old_positions: Vec<usize> = pairs_by_new.iter().map(|p| p.0).collect();
    let order_changed = old_positions.windows(2).any(|w| w[0] > w[1]);
    let matched_old: BTreeSet<usize> = pairs.iter().map(|p| p.0).collect();
    let matched_new: BTreeSet<usize> = pairs.iter().map(|p| p.1).collect();
    RuleSetDiff {
        added: (0..new.rules.len())
            .filter(|i| !matched_new.contains(i))
            .map(|i| (i, new.rules[i].name.clone()))
            .collect(),
        removed: (0..old.rules.len())
            .filter(|i| !matched_old.contains(i))
            .map(|i| (i, old.rules[i].name.clone()))
            .collect(),
        changed,
        unchanged,
        order_changed,
        settings: setting_changes(old, new),
        notes_added: notes_only_in(new, old),
        notes_removed: notes_only_in(old, new),
        api: api_changes(old, new),
        card: card_changes(old, new),
    }
}

#[derive(Clone, Debug)]
enum Match {
    Name,
    Similarity(f64),
}

/// Pairs (old index, new index, how). Every possible pair scores its
/// similarity, plus [`NAME_BONUS`] when the names agree, and pairs are
/// taken best first. A pair needs a similarity of [`MIN_SIMILARITY`], or the
/// same name and something in common.
fn match_rules(old: &[Rule], new: &[Rule]) -> Vec<(usize, usize, Match)> {
    let mut candidates = Vec::new();
    for (o, a) in old.iter().enumerate() {
        for (n, b) in new.iter().enumerate() {
            let s = similarity(a, b);
            let same_name = named_alike(a, b);
            if s >= MIN_SIMILARITY || (same_name && s > 0.0) {
                let score = s + if same_name { NAME_BONUS } else { 0.0 };
                candidates.push((score, s, o, n));
            }
        }
    }
    // Best pairs first; ties by position, so the result is deterministic.
    candidates.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.2.cmp(&y.2)).then(x.3.cmp(&y.3)));
    let mut used_old = vec![false; old.len()];
    let mut used_new = vec![false; new.len()];
    let mut pairs = Vec::new();
    for (_, s, o, n) in candidates {
        if !used_old[o] && !used_new[n] {
            used_old[o] = true;
            used_new[n] = true;
            let how = if named_alike(&old[o], &new[n]) {
                Match::Name
            } else {
                Match::Similarity(s)
            };
            pairs.push((o, n, how));
        }
    }
    pairs.sort_by_key(|p| (p.0, p.1));
    pairs
}

/// Whether two rules' names say they are one rule: the same name, unless
/// both were learned (their names, a decision and a position such as
/// `approve_1`, say nothing of their conditions: a retrain's `approve_1`
/// is whichever rule comes first). A proposal's or a hand-written rule's
/// name is the author's.
fn named_alike(a: &Rule, b: &Rule) -> bool {
    let learned = |r: &Rule| r.origin.as_deref().is_some_and(|o| o != "proposal");
    a.name == b.name && !(learned(a) && learned(b))
}

/// What a condition is about, without its threshold: two conditions with
/// the same key are the same test with perhaps another value.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    /// A threshold on a column, from below (`>`, `>=`) or above.
    Bound {
        feature: String,
        lower: bool,
    },
    Is {
        feature: String,
    },
    In {
        feature: String,
    },
    NotIn {
        feature: String,
    },
    Missing {
        feature: String,
    },
}

fn key(c: &Condition) -> Key {
    // A sum is named by its terms, as the DSL writes it.
    let feature = c.subject();
    match c {
        Condition::Cmp { op, .. } | Condition::Sum { op, .. } => Key::Bound {
            feature,
            lower: op.is_lower_bound(),
        },
        Condition::Is { .. } => Key::Is { feature },
        Condition::In { .. } => Key::In { feature },
        Condition::NotIn { .. } => Key::NotIn { feature },
        Condition::Missing { .. } => Key::Missing { feature },
    }
}

/// The items similarity is measured over: one per condition key, boolean
/// value and category, plus the decision.
fn tokens(rule: &Rule) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for c in &rule.conditions {
        let f = c.subject();
        match c {
            Condition::Cmp { op, .. } | Condition::Sum { op, .. } => {
                out.insert(format!(
                    "{f}\0{}",
                    if op.is_lower_bound() { ">" } else { "<" }
                ));
            }
            Condition::Is { value, .. } => {
                out.insert(format!("{f}\0is\0{value}"));
            }
            Condition::In { values, .. } => {
                out.extend(values.iter().map(|v| format!("{f}\0in\0{v}")))
            }
            Condition::NotIn { values, .. } => {
                out.extend(values.iter().map(|v| format!("{f}\0not in\0{v}")))
            }
            Condition::Missing { .. } => {
                out.insert(format!("{f}\0missing"));
            }
        }
    }
    out.insert(format!("\0decision\0{}", rule.decision));
    out
}

/// Jaccard index of the rules' tokens, in `[0, 1]`.
pub fn similarity(a: &Rule, b: &Rule) -> f64 {
    let (ta, tb) = (tokens(a), tokens(b));
    let union = ta.union(&tb).count();
    if union == 0 {
        return 1.0;
    }
    ta.intersection(&tb).count() as f64 / union as f64
}

/// The condition-level changes from `old` to `new`, in words.
fn condition_changes(old: &[Condition], new: &[Condition]) -> Vec<Line> {
    let mut out = Vec::new();
    let mut new_used = vec![false; new.len()];
    for a in old {
        // The same test if there is one, else the first of the same key.
        let same = new
            .iter()
            .enumerate()
            .position(|(j, b)| !new_used[j] && b == a)
            .or_else(|| {
                new.iter()
                    .enumerate()
                    .position(|(j, b)| !new_used[j] && key(b) == key(a))
            });
        match same {
            Some(j) => {
                new_used[j] = true;
                if let Some(change) = describe_change(a, &new[j]) {
                    out.push(change);
                }
            }
            None => out.push(
                Line::default()
                    .words("condition dropped: ")
                    .code(print_condition(a)),
            ),
        }
    }
    for (j, b) in new.iter().enumerate() {
        if !new_used[j] {
            out.push(
                Line::default()
                    .words("condition added: ")
                    .code(print_condition(b)),
            );
        }
    }
    out
}

/// How one test moved, or `None` when it is the same.
fn describe_change(a: &Condition, b: &Condition) -> Option<Line> {
    if a == b {
        return None;
    }
    let f = a.subject();
    let head = |what: &str| {
        Line::default()
            .words(what)
            .code(&f)
            .words(": ")
            .code(print_condition(a))
            .words(" → ")
            .code(print_condition(b))
    };
    Some(match (a, b) {
        (
            Condition::Cmp {
                op: oa, value: va, ..
            },
            Condition::Cmp {
                op: ob, value: vb, ..
            },
        )
        | (
            Condition::Sum {
                op: oa, value: va, ..
            },
            Condition::Sum {
                op: ob, value: vb, ..
            },
        ) => {
            let mut line = head("threshold moved on ");
            if va != vb {
                let delta = vb - va;
                let mut s = format!(
                    " ({}{}",
                    if delta >= 0.0 { "+" } else { "" },
                    print_number(round6(delta))
                );
                // A move of more than 10,000 times the old threshold says
                // nothing more as a percentage (an edit to 1.8e308 gave
                // 300 digits of one).
                let percent = delta / va.abs() * 100.0;
                if *va != 0.0 && percent.abs() < 1e6 {
                    let _ = write!(s, ", {percent:+.1} %");
                }
                s.push(')');
                line = line.words(s);
            }
            if oa != ob {
                line = line.words(if matches!(ob, CmpOp::Le | CmpOp::Ge) {
                    "; the bound now includes its threshold"
                } else {
                    "; the bound no longer includes its threshold"
                });
            }
            line
        }
        (Condition::In { values: va, .. }, Condition::In { values: vb, .. })
        | (Condition::NotIn { values: va, .. }, Condition::NotIn { values: vb, .. }) => {
            let (sa, sb): (BTreeSet<&String>, BTreeSet<&String>) =
                (va.iter().collect(), vb.iter().collect());
            // Shown as the rule book shows a set (integer codes by value).
            let shown = |set: Vec<String>| -> Vec<String> {
                rulec_runtime::dsl::display_order(&set)
                    .into_iter()
                    .map(str::to_string)
                    .collect()
            };
            let added = shown(sb.difference(&sa).map(|v| v.to_string()).collect());
            let removed = shown(sa.difference(&sb).map(|v| v.to_string()).collect());
            let mut line = head("categories changed on ");
            if !added.is_empty() {
                line = line.words(format!("; added {}", quoted_list(&added)));
            }
            if !removed.is_empty() {
                line = line.words(format!("; removed {}", quoted_list(&removed)));
            }
            line
        }
        _ => head("condition changed on "),
    })
}

/// Threshold differences print without float noise (`0.30000000000000004`).
fn round6(x: f64) -> f64 {
    let r = (x * 1e6).round() / 1e6;
    // Past 1.8e302, `x * 1e6` is infinite: `x` as it is.
    if r == 0.0 || !r.is_finite() {
        x
    } else {
        r
    }
}

/// One reported change: words, with DSL text and names kept apart so that
/// each format can quote them safely (names come from data and may hold
/// backticks or markup).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Line(Vec<Piece>);

#[derive(Clone, Debug, PartialEq)]
enum Piece {
    Words(String),
    Code(String),
}

impl Line {
    fn words(mut self, s: impl Into<String>) -> Line {
        self.0.push(Piece::Words(s.into()));
        self
    }

    fn code(mut self, s: impl Into<String>) -> Line {
        self.0.push(Piece::Code(s.into()));
        self
    }

    /// Plain text, DSL and names in backticks.
    pub fn plain(&self) -> String {
        self.0
            .iter()
            .map(|p| match p {
                Piece::Words(w) => w.clone(),
                Piece::Code(c) => format!("`{c}`"),
            })
            .collect()
    }

    /// Markdown: words escaped, DSL and names as exact code spans.
    pub fn markdown(&self) -> String {
        self.0
            .iter()
            .map(|p| match p {
                Piece::Words(w) => escape_md(w),
                Piece::Code(c) => code(c),
            })
            .collect()
    }
}

impl std::fmt::Display for Line {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.plain())
    }
}

impl Serialize for Line {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.plain())
    }
}

/// The headline figures of a set: test when it has them, else validation.
fn headline(set: &RuleSet) -> Option<(&'static str, &SetFigures)> {
    let s = set.summary.as_ref()?;
    Some(match &s.test {
        Some(t) => ("test", t),
        None => ("validation", &s.validation),
    })
}

impl RuleSetDiff {
    /// The diff as Markdown, for review. `old_name` and `new_name` label the
    /// two sets (their file names).
    pub fn markdown(&self, old: &RuleSet, new: &RuleSet, old_name: &str, new_name: &str) -> String {
        let mut md = String::new();
        let _ = writeln!(
            md,
            "# Rule set diff: {} → {}\n",
            code(old_name),
            code(new_name)
        );
        if self.changed() {
            let _ = writeln!(
                md,
                "{} added, {} removed, {} changed, {} unchanged{}{}.\n",
                self.added.len(),
                self.removed.len(),
                self.changed.len(),
                self.unchanged.len(),
                if self.order_changed {
                    "; the shared rules come in another order"
                } else {
                    ""
                },
                if self.settings.is_empty() {
                    String::new()
                } else {
                    format!("; {} setting(s) changed", self.settings.len())
                }
            );
        } else if self.card.is_empty() {
            md.push_str("No change to the rules or the guarantee.\n\n");
        } else {
            md.push_str(
                "No change to the rules or the guarantee; the model card changed (below).\n\n",
            );
        }

        let doubts: Vec<(&str, rulec_runtime::ir::FiguresDoubt)> =
            [(old_name, old), (new_name, new)]
                .into_iter()
                .filter_map(|(name, set)| set.figures_doubt().map(|d| (name, d)))
                .collect();
        for (name, doubt) in &doubts {
            let _ = writeln!(
                md,
                "**Figures not confirmed:** {} {}. Its coverage, precision and bounds below are marked \
                 \"as recorded\"; measure its rules with `rulec validate` on labelled rows.\n",
                code(name),
                doubt.words()
            );
        }
        md.push_str("## Before and after\n\n| | old | new |\n|---|---:|---:|\n");
        let _ = writeln!(md, "| rules | {} | {} |", old.rules.len(), new.rules.len());
        let _ = writeln!(
            md,
            "| required precision | {} | {} |",
            pct(old.certification.precision),
            pct(new.certification.precision)
        );
        let fig = |set: &RuleSet, f: &dyn Fn(&SetFigures) -> String| {
            headline(set).map_or("–".to_string(), |(split, x)| {
                format!("{} ({split}{})", f(x), recorded(set))
            })
        };
        let _ = writeln!(
            md,
            "| coverage | {} | {} |",
            fig(old, &|f| pct(f.coverage())),
            fig(new, &|f| pct(f.coverage()))
        );
        let _ = writeln!(
            md,
            "| precision of covered rows | {} | {} |",
            fig(old, &|f| opt_pct(f.covered.precision())),
            fig(new, &|f| opt_pct(f.covered.precision()))
        );
        let _ = writeln!(
            md,
            "| lower bound | {} | {} |",
            // Never rounded up to the requirement it falls short of.
            fig(old, &|f| pct_lower(
                f.covered.precision_lower_bound,
                old.certification.precision
            )),
            fig(new, &|f| pct_lower(
                f.covered.precision_lower_bound,
                new.certification.precision
            ))
        );
        let teacher = |set: &RuleSet| {
            set.provenance
                .as_ref()
                .map_or("–".to_string(), |p| note_cell(&p.teacher))
        };
        let _ = writeln!(md, "| teacher | {} | {} |", teacher(old), teacher(new));
        let sha = |set: &RuleSet| {
            set.provenance.as_ref().map_or("–".to_string(), |p| {
                format!("`{}`", &p.data_sha256.get(..12).unwrap_or(""))
            })
        };
        let _ = writeln!(
            md,
            "| data SHA-256 (first 12) | {} | {} |\n",
            sha(old),
            sha(new)
        );

        if !self.settings.is_empty() {
            md.push_str("## Settings\n\n");
            for s in &self.settings {
                let _ = writeln!(md, "- {}", s.markdown());
            }
            md.push('\n');
        }
        if !self.card.is_empty() {
            md.push_str("## Model card\n\nWhat the rules are for, as their owner wrote it, where the two differ:\n\n");
            for line in &self.card {
                let _ = writeln!(md, "- {}", line.markdown());
            }
            md.push('\n');
        }
        if !self.notes_added.is_empty() || !self.notes_removed.is_empty() {
            md.push_str("## What reading the data said\n\nThe notes of the compiles (columns left out, text read as categories, and the like), where they differ:\n\n");
            // Their names as code, as the rule book shows its notes.
            for n in &self.notes_added {
                let _ = writeln!(md, "- new: {}", note_md(n));
            }
            for n in &self.notes_removed {
                let _ = writeln!(md, "- no longer: {}", note_md(n));
            }
            md.push('\n');
        }
        if !self.added.is_empty() {
            md.push_str("## Added rules\n\n");
            for (i, _) in &self.added {
                rule_block(&mut md, new, *i, "new");
            }
        }
        if !self.removed.is_empty() {
            md.push_str("## Removed rules\n\n");
            for (i, _) in &self.removed {
                rule_block(&mut md, old, *i, "old");
            }
        }
        if !self.changed.is_empty() {
            md.push_str("## Changed rules\n\n");
            for c in &self.changed {
                let _ = writeln!(
                    md,
                    "### `{}` (old #{}) → `{}` (new #{}), matched by {}\n",
                    c.old.1,
                    c.old.0 + 1,
                    c.new.1,
                    c.new.0 + 1,
                    c.matched_by
                );
                for ch in &c.changes {
                    let _ = writeln!(md, "- {}", ch.markdown());
                }
                let (a, b) = (&old.rules[c.old.0], &new.rules[c.new.0]);
                let _ = writeln!(
                    md,
                    "- support and precision on validation rows: {}{} → {}{}",
                    evidence_words(a, old.certification.precision),
                    recorded(old),
                    evidence_words(b, new.certification.precision),
                    recorded(new)
                );
                // The test rows' too, where either set has them and they moved.
                let test: fn(&Rule) -> Option<&SplitEvidence> =
                    |r| r.evidence.as_ref().and_then(|e| e.test.as_ref());
                let counts = |e: Option<&SplitEvidence>| e.map(|e| (e.support, e.correct));
                if counts(test(a)) != counts(test(b)) {
                    let _ = writeln!(
                        md,
                        "- support and precision on test rows: {}{} → {}{}",
                        split_words(test(a), old.certification.precision),
                        recorded(old),
                        split_words(test(b), new.certification.precision),
                        recorded(new)
                    );
                }
                md.push('\n');
                let _ = write!(
                    md,
                    "Old:\n\n{}New:\n\n{}",
                    fenced(&print_rule(a, &old.target.name)),
                    fenced(&print_rule(b, &new.target.name))
                );
            }
        }
        if self.order_changed {
            md.push_str("## Order\n\nThe first rule that covers a row decides it, so the order matters. The rules both sets share, in the new order:\n\n");
            // Each rule's old place is its matched rule's: a changed rule's
            // pair (which may have had another name, while an old rule of
            // its new name sat elsewhere), an unchanged one's by its name.
            let mut shared: Vec<(usize, String, Option<usize>)> = self
                .changed
                .iter()
                .map(|c| (c.new.0, c.new.1.clone(), Some(c.old.0)))
                .chain(self.unchanged.iter().filter_map(|n| {
                    new.rules
                        .iter()
                        .position(|r| &r.name == n)
                        .map(|i| (i, n.clone(), old.rules.iter().position(|r| &r.name == n)))
                }))
                .collect();
            shared.sort();
            for (i, name, old_pos) in shared {
                let _ = writeln!(
                    md,
                    "- `{}`: #{} (was #{})",
                    name,
                    i + 1,
                    old_pos.map_or("–".to_string(), |p| (p + 1).to_string())
                );
            }
            md.push('\n');
        }
        if !self.api.is_empty() {
            md.push_str(
                "## The generated crate's names\n\nWhat a service that links the crate emitted from each set sees change \
                 (`rulec emit`, default names):\n\n",
            );
            for line in &self.api {
                let _ = writeln!(md, "- {}", line.markdown());
            }
            md.push('\n');
        }
        if !self.unchanged.is_empty() {
            let _ = writeln!(
                md,
                "## Unchanged rules\n\n{}\n",
                self.unchanged
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            // The same conditions and decision, on other rows or another
            // draw of them: the figures each was signed off with moved.
            let moved: Vec<String> = self
                .unchanged
                .iter()
                .filter_map(|n| {
                    let a = old.rules.iter().find(|r| &r.name == n)?;
                    let b = new.rules.iter().find(|r| &r.name == n)?;
                    figures_moved(a, b, old, new)
                })
                .collect();
            if !moved.is_empty() {
                md.push_str("The same conditions and decisions, with figures that moved:\n\n");
                for line in moved {
                    let _ = writeln!(md, "- {line}");
                }
                md.push('\n');
            }
        }
        md
    }
}

/// `, as recorded` after a figure of a set whose figures may not be its
/// rules' (edited, or inconsistent), else nothing.
fn recorded(set: &RuleSet) -> &'static str {
    if set.figures_doubt().is_some() {
        ", as recorded"
    } else {
        ""
    }
}

/// What moved in the figures of a rule whose conditions and decision did
/// not change (`a` of `old`, `b` of `new`): its validation and test rows
/// and precision, each old → new; `None` when neither moved.
fn figures_moved(a: &Rule, b: &Rule, old: &RuleSet, new: &RuleSet) -> Option<String> {
    let split = |e: Option<&SplitEvidence>| e.map(|e| (e.support, e.correct));
    let words = split_words;
    let (ea, eb) = (a.evidence.as_ref(), b.evidence.as_ref());
    let mut parts = Vec::new();
    let validation: fn(&Evidence) -> Option<&SplitEvidence> = |e| Some(&e.validation);
    let test: fn(&Evidence) -> Option<&SplitEvidence> = |e| e.test.as_ref();
    for (name, of) in [("validation", validation), ("test", test)] {
        let (x, y) = (ea.and_then(of), eb.and_then(of));
        if split(x) != split(y) {
            parts.push(format!(
                "{name} {}{} → {}{}",
                words(x, old.certification.precision),
                recorded(old),
                words(y, new.certification.precision),
                recorded(new)
            ));
        }
    }
    (!parts.is_empty()).then(|| format!("`{}`: {}", b.name, parts.join("; ")))
}

fn rule_block(md: &mut String, set: &RuleSet, i: usize, which: &str) {
    let rule = &set.rules[i];
    let _ = writeln!(
        md,
        "### `{}` ({which} #{}) → {}\n",
        rule.name,
        i + 1,
        escape_md(&rule.decision)
    );
    let _ = writeln!(md, "{}\n", escape_md(&sentence(rule, &set.target.name)));
    md.push_str(&fenced(&print_rule(rule, &set.target.name)));
    let _ = writeln!(
        md,
        "Support and precision on validation rows: {}{}.\n",
        evidence_words(rule, set.certification.precision),
        if set.figures_doubt().is_some() {
            ", as recorded"
        } else {
            ""
        }
    );
}

/// A split's figures in words, `not measured` without them.
fn split_words(e: Option<&SplitEvidence>, required: f64) -> String {
    e.map_or("not measured".to_string(), |e| {
        format!(
            "{} at {} (bound {})",
            rulec_codegen::book::rows(e.support),
            opt_pct(e.precision()),
            pct_lower(e.precision_lower_bound, required)
        )
    })
}

fn evidence_words(rule: &Rule, required: f64) -> String {
    split_words(rule.evidence.as_ref().map(|e| &e.validation), required)
}

mod settings;
use settings::{api_changes, card_changes, notes_only_in, quoted_list, setting_changes};

#[cfg(test)]
mod tests;
