//! What the user asks a compile for: [`CompileParams`], unchecked, and
//! [`ValidParams`], the only form the pipeline runs with.
//! [`CompileParams::check`] collects every problem before failing, so the
//! user sees them all at once, and runs before any data is read.

use std::time::Duration;

use crate::error::Error;

/// Most synthetic rows (`--synthetic`): ten million, far past the
/// million-row tables rulec compiles, and under the memory a typo could ask
/// for.
pub const MAX_SYNTHETIC: usize = 10_000_000;

/// What the user asked for. Check with [`CompileParams::check`].
#[derive(Clone, Debug)]
pub struct CompileParams {
    /// Column to decide.
    pub target: String,
    /// Column holding the user's split.
    pub split_column: Option<String>,
    /// Shares of the split rulec makes without a split column (`None`:
    /// 60/20/20).
    pub split: Option<crate::split::Shares>,
    /// Required precision of the rules' decisions together (of each rule
    /// with [`Certify::Rule`]), as a lower confidence bound.
    pub precision: f64,
    /// Confidence level of that bound.
    pub confidence: f64,
    /// Seed for the split, the teacher and the learner.
    pub seed: u64,
    /// Most rules to keep.
    pub max_rules: usize,
    /// Depth of the distilled tree (most conditions per rule).
    pub max_depth: usize,
    /// Fewest training rows in a distilled leaf (the coarse trees' leaves
    /// hold four times as many: `pipeline::pool::coarse_leaf`).
    pub min_leaf: usize,
    /// Trees in the random-forest teacher.
    pub n_trees: usize,
    /// Rows each tree learns from, at most: the forest teacher's bootstrap
    /// samples and the distilled trees' samples (0: every training row).
    pub tree_rows: usize,
    /// Extra distilled trees on bootstrap samples, for more candidates.
    pub bootstrap_trees: usize,
    /// What the precision bound certifies.
    pub certify: Certify,
    /// Which order of the candidates is tested.
    pub order: OrderMode,
    /// A rule DSL file of proposed rules, validated like learned ones.
    pub proposals: Option<std::path::PathBuf>,
    /// Share of training rows held out from fitting candidates, to rank them.
    pub rank_share: f64,
    /// Most categories kept per categorical column.
    pub max_categories: usize,
    /// The teacher model.
    pub teacher: TeacherKind,
    /// For a numeric target: a decision is right within this distance of the
    /// true value. `None`: the target holds classes.
    pub tolerance: Option<f64>,
    /// Where the teacher's labels are cached (`None`: not cached).
    pub cache_dir: Option<std::path::PathBuf>,
    /// Offer the paths of the teacher's own trees as candidates. Off by
    /// default: those trees were fitted on every training row, the rows that
    /// rank candidates included, so their estimates are flattered, and on the
    /// public benchmark they lowered the certified coverage.
    pub teacher_paths: bool,
    /// Let the candidate trees cut a sum of numeric columns where one cuts
    /// the fit rows' true labels much better than any column alone
    /// ([`crate::sums`]); class targets only. On by default.
    pub sums: bool,
    /// Rows per batch sent to an oracle program (`cmd:`).
    pub oracle_batch: usize,
    /// Longest wait for an oracle's answer.
    pub oracle_timeout: Duration,
    /// Synthetic rows for the teacher to label, for the tree learner only.
    pub synthetic: usize,
    /// Most rows read from the data file; a larger file is sampled.
    pub max_rows: usize,
    /// Train the teacher and the learner on a stratified sample of this many
    /// training rows; validation and test still use every held-out row.
    pub sample: Option<usize>,
    /// Time the teacher and the rules on this machine and record the
    /// figures; makes `rules.json` and the book depend on the machine.
    pub measure_cost: bool,
    /// Columns read as categories whatever their type (`--categorical`):
    /// codes written as numbers, whose order means nothing.
    pub categorical: Vec<String>,
    /// Feature columns no rule and no candidate may read (`--forbid`).
    pub forbid: Vec<String>,
    /// Keep the teacher from the forbidden columns too (`--forbid-teacher`).
    pub forbid_teacher: bool,
    /// Columns whose values the rule book reports results by (`--groups`).
    pub groups: Vec<String>,
    /// The model card, a TOML file (`--card`; see [`crate::card`]).
    pub card: Option<std::path::PathBuf>,
    /// Bootstrap resamples of the training rows to recompile the rules on,
    /// for their stability (`--stability`; 0: none).
    pub stability: usize,
}

/// Which teacher labels the rows.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum TeacherKind {
    /// A random forest ([`crate::teach::Forest`]).
    #[default]
    Forest,
    /// Gradient-boosted trees ([`crate::gbdt::Gbdt`]).
    Gbdt,
    /// A neural network ([`crate::mlp::Mlp`]).
    Mlp,
    /// Another model's decisions, logged in this column of the data
    /// ([`crate::teach::Logged`]); the column is not a feature.
    Column(String),
    /// An oracle program speaking the JSON-lines protocol
    /// ([`crate::oracle`]), run by `sh -c`.
    Command(String),
    /// A model in the caller's process (the Python package's scikit-learn
    /// model, for one), passed to [`crate::pipeline::compile_with`] as a
    /// [`crate::teach::Teacher`]; it cannot be built from parameters.
    InProcess {
        /// The model as the rule book names it (its class, say).
        name: String,
        /// Whether it was trained before the compile, outside rulec, so
        /// rulec cannot know what rows it learnt from; `false` when the
        /// compile fits it on the training rows only.
        external: bool,
    },
}

impl TeacherKind {
    /// The name used on the command line.
    pub fn name(&self) -> String {
        match self {
            TeacherKind::Forest => "forest".into(),
            TeacherKind::Gbdt => "gbdt".into(),
            TeacherKind::Mlp => "mlp".into(),
            TeacherKind::Column(c) => format!("column:{c}"),
            TeacherKind::Command(c) => format!("cmd:{c}"),
            TeacherKind::InProcess {
                name,
                external: true,
            } => format!("python:{name}"),
            TeacherKind::InProcess {
                name,
                external: false,
            } => format!("python-fit:{name}"),
        }
    }

    /// Reads a teacher as `--teacher` takes it: `forest`, `gbdt`, `mlp`,
    /// `column:NAME` or `cmd:PROGRAM`.
    pub fn parse(text: &str) -> Result<TeacherKind, String> {
        match text {
            "forest" => Ok(TeacherKind::Forest),
            "gbdt" => Ok(TeacherKind::Gbdt),
            "mlp" => Ok(TeacherKind::Mlp),
            _ => {
                if let Some(name) = text.strip_prefix("column:").filter(|n| !n.is_empty()) {
                    Ok(TeacherKind::Column(name.to_string()))
                } else if let Some(program) =
                    text.strip_prefix("cmd:").filter(|p| !p.trim().is_empty())
                {
                    Ok(TeacherKind::Command(program.to_string()))
                } else {
                    Err(format!(
                        "`{text}` is not a teacher; expected `forest`, `gbdt`, `mlp`, `column:NAME` or `cmd:PROGRAM`"
                    ))
                }
            }
        }
    }
}

/// What the precision bound is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Certify {
    /// The covered set as a whole (fixed-sequence testing of nested sets).
    #[default]
    Set,
    /// Each class the set decides, on the rows decided as that class
    /// (fixed-sequence testing of nested sets, every class's test at the
    /// full level: an intersection–union test).
    Class,
    /// Each rule on its own rows (no correction for the rules tried).
    Rule,
}

/// Which order of the candidates the tests walk (`--order`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OrderMode {
    /// The greedy order or the teacher's confidence order, whichever's
    /// testing plan expects more before any validation label is read;
    /// the greedy order alone where there is no second one (a rule
    /// guarantee, a numeric target, proposals, a logged `column:` teacher,
    /// which has no probabilities).
    #[default]
    Auto,
    /// The greedy order of all candidates.
    Greedy,
    /// The teacher's confidence order (a set or per-class guarantee on a
    /// class target, no proposals, a teacher with probabilities).
    Confidence,
}

impl OrderMode {
    /// The name `--order` reads.
    pub fn name(self) -> &'static str {
        match self {
            OrderMode::Auto => "auto",
            OrderMode::Greedy => "greedy",
            OrderMode::Confidence => "confidence",
        }
    }
}

impl Default for CompileParams {
    fn default() -> Self {
        CompileParams {
            target: String::new(),
            split_column: None,
            split: None,
            precision: 0.95,
            confidence: 0.95,
            seed: 0,
            max_rules: 64,
            max_depth: 8,
            min_leaf: 5,
            n_trees: 50,
            tree_rows: crate::teach::DEFAULT_TREE_ROWS,
            bootstrap_trees: 8,
            certify: Certify::Set,
            order: OrderMode::Auto,
            proposals: None,
            rank_share: 0.3,
            max_categories: crate::ingest::DEFAULT_MAX_CATEGORIES,
            teacher: TeacherKind::Forest,
            teacher_paths: false,
            sums: true,
            cache_dir: None,
            tolerance: None,
            oracle_batch: crate::oracle::OracleParams::default().batch_rows,
            oracle_timeout: crate::oracle::OracleParams::default().timeout,
            synthetic: 0,
            sample: None,
            max_rows: crate::ingest::DEFAULT_MAX_ROWS,
            measure_cost: false,
            categorical: Vec::new(),
            forbid: Vec::new(),
            forbid_teacher: false,
            groups: Vec::new(),
            card: None,
            stability: 0,
        }
    }
}

/// Parameters that passed [`CompileParams::check`].
#[derive(Clone, Debug)]
pub struct ValidParams(CompileParams);

impl ValidParams {
    /// The checked parameters.
    pub fn get(&self) -> &CompileParams {
        &self.0
    }
}

impl CompileParams {
    /// Checks ranges; collects every problem before failing.
    pub fn check(self) -> Result<ValidParams, Error> {
        let mut problems = Vec::new();
        use rulec_runtime::ir::not_a_share;
        problems.extend(not_a_share("--precision", self.precision));
        problems.extend(rulec_runtime::ir::not_a_confidence(
            "--confidence",
            self.confidence,
        ));
        if self.max_rules == 0 {
            problems.push("--max-rules must be at least 1".to_string());
        }
        if let (Some(_), Some(column)) = (self.split, &self.split_column) {
            problems.push(format!(
                "--split sets the shares of the split rulec makes; with --split-column the rows are split by column `{column}`: give one of the two"
            ));
        }
        if self.max_depth == 0 || self.max_depth > 32 {
            problems.push(format!(
                "--max-depth must be in 1..=32, got {}",
                self.max_depth
            ));
        }
        if self.min_leaf == 0 {
            problems.push("--min-leaf must be at least 1".to_string());
        }
        if let Some(t) = self.tolerance {
            if !(t.is_finite() && t > 0.0) {
                problems.push(format!("--tolerance must be a positive number, got {t}"));
            }
        }
        if self.max_categories == 0 {
            problems.push("--max-categories must be at least 1".to_string());
        }
        if self.n_trees == 0 || self.n_trees > 10_000 {
            problems.push(format!(
                "--trees must be in 1..=10000, got {}",
                self.n_trees
            ));
        }
        if self.target.is_empty() {
            problems.push("--target must name a column".to_string());
        }
        if self.max_rows < 10 {
            problems.push(format!(
                "--max-rows must be at least 10, got {}",
                self.max_rows
            ));
        }
        if self.sample.is_some_and(|n| n < 10) {
            problems.push("--sample must be at least 10 rows".to_string());
        }
        if self.oracle_batch == 0 {
            problems.push("--oracle-batch must be at least 1".to_string());
        }
        if let TeacherKind::Column(c) = &self.teacher {
            if *c == self.target {
                problems.push(format!(
                    "--teacher column:{c} names the target itself: a teacher's decisions are another model's, logged beside the labels in a column of their own"
                ));
            }
        }
        if self.oracle_timeout.is_zero() {
            problems.push(
                "--oracle-timeout must be a positive number of seconds (inf waits without limit)"
                    .to_string(),
            );
        }
        // Bounds past any use, that keep a typo from asking for terabytes.
        if self.synthetic > MAX_SYNTHETIC {
            problems.push(format!(
                "--synthetic must be at most {MAX_SYNTHETIC} rows, got {}",
                self.synthetic
            ));
        }
        if self.bootstrap_trees > 10_000 {
            problems.push(format!(
                "--bootstrap-trees must be in 0..=10000, got {}",
                self.bootstrap_trees
            ));
        }
        if self.synthetic > 0 {
            if let TeacherKind::Column(c) = &self.teacher {
                problems.push(format!(
                    "--synthetic needs a teacher that can label new rows; the decisions logged in column `{c}` exist only for the real rows"
                ));
            }
            if self.tolerance.is_some() {
                problems.push(
                    "--synthetic is for class targets; it cannot be used with --tolerance"
                        .to_string(),
                );
            }
        }
        if self.tolerance.is_some() {
            // What numeric targets cannot mean the same way as classes is
            // refused rather than ignored. The teacher predicts values
            // (`pipeline::taught`): only the regression forest and logged
            // predictions do. Proposals are DSL rules deciding one of the
            // target's classes, and a numeric target's classes are the
            // decisions its candidates come to. The regression forest keeps
            // no trees to offer, and the regression pool grows no
            // bootstrap trees (its default outputs would change). See: #16.
            match &self.teacher {
                TeacherKind::Forest | TeacherKind::Column(_) => {}
                other => problems.push(format!(
                    "--teacher {} does not predict numbers yet; with --tolerance use `forest` (a regression forest) or `column:NAME`",
                    other.name()
                )),
            }
            if self.proposals.is_some() {
                problems.push(
                    "--proposals is for class targets; it cannot be used with --tolerance yet"
                        .to_string(),
                );
            }
            if self.teacher_paths {
                problems.push(
                    "--teacher-paths is for class targets; it cannot be used with --tolerance yet"
                        .to_string(),
                );
            }
            if !self.sums {
                problems.push(
                    "--no-sums is for class targets: the regression trees of --tolerance cut no sums yet, so leave it out"
                        .to_string(),
                );
            }
            if self.certify == Certify::Class {
                problems.push(
                    "--certify class is for class targets; with --tolerance use `set` or `rule`"
                        .to_string(),
                );
            }
            if self.bootstrap_trees != CompileParams::default().bootstrap_trees {
                problems.push(
                    "--bootstrap-trees is not applied to the regression trees of --tolerance yet"
                        .to_string(),
                );
            }
        }
        if self.order == OrderMode::Confidence {
            if self.tolerance.is_some() {
                problems.push(
                    "--order confidence is for class targets: with --tolerance the teacher has no class probabilities to be confident in; use `auto` or `greedy`"
                        .to_string(),
                );
            } else if self.certify == Certify::Rule {
                problems.push(
                    "--order confidence needs --certify set or class: with `rule` each rule is tested on its own and only the greedy order is built; use `auto` or `greedy`"
                        .to_string(),
                );
            }
            if self.proposals.is_some() {
                problems.push(
                    "--order confidence leaves no place for --proposals, which go first in the greedy order; use `auto` or `greedy`"
                        .to_string(),
                );
            }
            if let TeacherKind::Column(name) = &self.teacher {
                problems.push(format!(
                    "--order confidence needs a teacher with probabilities; a logged teacher (column:{name}) gives its decisions only; use `auto` or `greedy`"
                ));
            }
        }
        if self.stability > 0 && self.tolerance.is_some() {
            problems.push(
                "--stability is for class targets; it cannot be used with --tolerance yet (the resampled rule sets decide numbers of their own)"
                    .to_string(),
            );
        }
        if self.measure_cost && self.tolerance.is_some() {
            problems.push(
                "--measure-cost is for class targets; it cannot be used with --tolerance yet"
                    .to_string(),
            );
        }
        // Only the forest keeps trees whose paths are class rules; another
        // teacher would offer none, silently, while the rule book listed
        // the option as on.
        if self.teacher_paths && self.teacher != TeacherKind::Forest {
            problems.push(format!(
                "--teacher-paths offers the paths of the random forest's own trees as candidates; --teacher {} keeps no such trees (use --teacher forest, or leave --teacher-paths out)",
                self.teacher.name()
            ));
        }
        if self.measure_cost && matches!(self.teacher, TeacherKind::Column(_)) {
            problems.push(
                "--measure-cost needs a teacher rulec runs; a logged column's cost is unknown"
                    .to_string(),
            );
        }
        for (option, names) in [
            ("--categorical", &self.categorical),
            ("--forbid", &self.forbid),
            ("--groups", &self.groups),
        ] {
            let mut seen = std::collections::BTreeSet::new();
            for name in names {
                if name.is_empty() {
                    problems.push(format!("{option} has an empty column name"));
                } else if name == &self.target {
                    problems.push(format!(
                        "{option} names `{name}`, the target; it must name feature columns"
                    ));
                } else if !seen.insert(name) {
                    problems.push(format!("{option} names `{name}` twice"));
                }
            }
        }
        if self.split_column.as_ref() == Some(&self.target) {
            problems.push(format!(
                "--split-column names `{}`, the target; it must name a column of `train`, `validation` and `test`",
                self.target
            ));
        }
        if self.stability > 1000 {
            problems.push(format!(
                "--stability must be at most 1000 resamples, got {}",
                self.stability
            ));
        }
        if !self.groups.is_empty() && self.tolerance.is_some() {
            problems.push(
                "--groups is for class targets; it cannot be used with --tolerance yet".into(),
            );
        }
        if self.forbid_teacher {
            if self.forbid.is_empty() {
                problems
                    .push("--forbid-teacher needs --forbid COL,... to say which columns".into());
            }
            match &self.teacher {
                TeacherKind::Column(c) => problems.push(format!(
                    "--forbid-teacher cannot hold for decisions logged in column `{c}`: rulec does not know what that model read"
                )),
                _ if self.tolerance.is_some() => problems.push(
                    "--forbid-teacher is for class targets; it cannot be used with --tolerance yet".into(),
                ),
                _ => {}
            }
            if self.teacher_paths {
                problems.push(
                    "--teacher-paths cannot be used with --forbid-teacher: the teacher's trees see other columns than the rules".into(),
                );
            }
        }
        if problems.is_empty() {
            Ok(ValidParams(self))
        } else {
            Err(Error::Params(problems.join("; ")))
        }
    }
}

/// The options as the rule book's provenance lists them, sorted by name.
pub(crate) fn options(p: &CompileParams) -> Vec<(String, String)> {
    let mut o = vec![
        ("confidence".to_string(), p.confidence.to_string()),
        ("max_categories".to_string(), p.max_categories.to_string()),
        ("max_depth".to_string(), p.max_depth.to_string()),
        ("max_rules".to_string(), p.max_rules.to_string()),
        ("max_rows".to_string(), p.max_rows.to_string()),
        ("measure_cost".to_string(), p.measure_cost.to_string()),
        ("synthetic".to_string(), p.synthetic.to_string()),
        (
            "sample".to_string(),
            p.sample
                .map_or("(all training rows)".to_string(), |n| n.to_string()),
        ),
        ("min_leaf".to_string(), p.min_leaf.to_string()),
        ("precision".to_string(), p.precision.to_string()),
        ("seed".to_string(), p.seed.to_string()),
        (
            "split_column".to_string(),
            p.split_column.clone().unwrap_or_else(|| "(none)".into()),
        ),
        ("target".to_string(), p.target.clone()),
        ("teacher".to_string(), p.teacher.name()),
        ("teacher_paths".to_string(), p.teacher_paths.to_string()),
        (
            "tolerance".to_string(),
            p.tolerance
                .map_or("(classes)".to_string(), |t| t.to_string()),
        ),
        ("trees".to_string(), p.n_trees.to_string()),
        ("tree_rows".to_string(), p.tree_rows.to_string()),
        ("bootstrap_trees".to_string(), p.bootstrap_trees.to_string()),
        (
            "certify".to_string(),
            match p.certify {
                Certify::Set => "set",
                Certify::Class => "class",
                Certify::Rule => "rule",
            }
            .to_string(),
        ),
        ("order".to_string(), p.order.name().to_string()),
        (
            "proposals".to_string(),
            p.proposals
                .as_ref()
                .and_then(|f| f.file_name())
                .map_or("(none)".to_string(), |n| n.to_string_lossy().into_owned()),
        ),
    ];
    // Listed only when given, so that rule sets compiled without them keep
    // their bytes.
    if !p.categorical.is_empty() {
        o.push(("categorical".to_string(), join_names(&p.categorical)));
    }
    if !p.forbid.is_empty() {
        o.push(("forbid".to_string(), join_names(&p.forbid)));
        o.push(("forbid_teacher".to_string(), p.forbid_teacher.to_string()));
    }
    if !p.groups.is_empty() {
        o.push(("groups".to_string(), join_names(&p.groups)));
    }
    if p.stability > 0 {
        o.push(("stability".to_string(), p.stability.to_string()));
    }
    if !p.sums {
        o.push(("sums".to_string(), "false".to_string()));
    }
    if let Some(shares) = p.split {
        o.push(("split".to_string(), shares.to_string()));
    }
    if let Some(name) = p.card.as_ref().and_then(|f| f.file_name()) {
        o.push(("card".to_string(), name.to_string_lossy().into_owned()));
    }
    o.sort();
    o
}

/// Splits a list of column names as given on the command line
/// (`--forbid a,b`): at each comma, except one written `\,`, which stays in
/// the name (`--forbid 'a\,b'` names the one column `a,b`); `\\` is one
/// backslash. Any other backslash is kept as it is.
pub fn split_names(text: &str) -> Vec<String> {
    let mut names = vec![String::new()];
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        let name = names.last_mut().expect("names starts with one name");
        match c {
            ',' => names.push(String::new()),
            '\\' => match chars.next() {
                Some(next @ (',' | '\\')) => name.push(next),
                Some(next) => {
                    name.push('\\');
                    name.push(next);
                }
                None => name.push('\\'),
            },
            _ => name.push(c),
        }
    }
    names
}

/// The inverse of [`split_names`]: the names joined by commas, a comma or
/// a backslash in a name escaped, so that the recorded option can be given
/// back to the command line as it is.
pub fn join_names(names: &[String]) -> String {
    names
        .iter()
        .map(|n| n.replace('\\', "\\\\").replace(',', "\\,"))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_at_commas_but_not_escaped_ones() {
        assert_eq!(split_names("a,b"), ["a", "b"]);
        assert_eq!(split_names(r"a\,b,c"), ["a,b", "c"]);
        assert_eq!(split_names(r"x\\,y"), [r"x\", "y"]);
        assert_eq!(split_names(r"C:\path,z\"), [r"C:\path", r"z\"]);
        assert_eq!(split_names(""), [""]);
        assert_eq!(split_names("a,"), ["a", ""]);
    }

    #[test]
    fn joined_names_split_back_to_themselves() {
        for names in [
            vec!["a".to_string(), "b".to_string()],
            vec!["a,b".to_string(), r"c\".to_string(), r"d\,e".to_string()],
            vec![r"\".to_string(), ",".to_string()],
        ] {
            assert_eq!(split_names(&join_names(&names)), names);
        }
    }
}
