//! The cases of `never_panics.rs`: rule sets over hostile schemas (a
//! proptest strategy) and, per set, the rows its generated crate must
//! decide as the interpreter does.

use proptest::prelude::*;
use proptest::sample::select;
use rulec_runtime::ir::{
    CmpOp, Condition, Evidence, Feature, FeatureKind, Rule, RuleSet, Scope, SplitEvidence, Target,
};

use crate::common::{splitmix, step};

/// Rows over every combination of interesting values (or a sample of them).
const GRID_ROWS: usize = 2000;
/// Rows of random and adversarial values.
const RANDOM_ROWS: usize = 2500;

/// One field of a test row, as text: the driver reads it, and
/// `interpreter_cell` (in `never_panics.rs`) reads it the way the driver does.
#[derive(Clone, Debug, PartialEq)]
pub enum Field {
    /// The empty field.
    Empty,
    /// Any text.
    Text(String),
}

impl Field {
    pub fn text(&self) -> &str {
        match self {
            Field::Empty => "",
            Field::Text(t) => t,
        }
    }
}

// ---------------------------------------------------------------------------
// Rows.

const LARGEST_SUBNORMAL: f64 = f64::from_bits((1 << 52) - 1);

/// Floats worth trying in any numeric column.
const SPECIAL_FLOATS: &[f64] = &[
    0.0,
    -0.0,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::MAX,
    f64::MIN,
    f64::MIN_POSITIVE,
    -f64::MIN_POSITIVE,
    f64::EPSILON,
    5e-324,
    -5e-324,
    LARGEST_SUBNORMAL,
    1e-310,
    -1e-310,
    1.0,
    -1.0,
    0.5,
    9_007_199_254_740_993.0,
];

/// Numbers written in ways the driver's `str::parse` reads as something
/// (`1e999` is infinity, `-1e-400` is `-0.0`) or as nothing (NaN).
const ODD_NUMBER_TEXTS: &[&str] = &[
    "1e999",
    "-1e999",
    "1e-400",
    "-1e-400",
    "inf",
    "-inf",
    "+inf",
    "infinity",
    "-Infinity",
    "NaN",
    "nan",
    "-nan",
    "+5",
    " 5",
    "5 ",
    "0x10",
    "1_000",
    "1,5",
    ".5",
    "5.",
    "-.0",
    "1E5",
    "e5",
    "--1",
    "0.000000000000000000000000000000000000000000000000001",
    "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792",
    "a",
    "true",
    "\u{0}",
];

/// Categories nobody listed: near misses of real ones are added per set.
const ODD_CATEGORIES: &[&str] = &[
    "",
    " ",
    "Unknown",
    "unknown",
    "None",
    "null",
    "NaN",
    "\u{0}",
    "\t",
    "\"); panic!(\"",
    "💥",
    "e\u{301}",
    "é",
];

/// The rows of one rule set: a grid over interesting values, then random
/// and adversarial rows, all from `seed`.
pub fn rows(set: &RuleSet, seed: u64) -> Vec<Vec<Field>> {
    let mut state = seed;
    let values: Vec<Vec<Field>> = set
        .features
        .iter()
        .map(|f| interesting_fields(set, f))
        .collect();
    let total = values
        .iter()
        .try_fold(1usize, |acc, v| acc.checked_mul(v.len()));
    let mut rows: Vec<Vec<Field>> = match total {
        Some(total) if total <= GRID_ROWS => (0..total)
            .map(|mut k| {
                values
                    .iter()
                    .map(|v| {
                        let pick = v[k % v.len()].clone();
                        k /= v.len();
                        pick
                    })
                    .collect()
            })
            .collect(),
        _ => (0..GRID_ROWS)
            .map(|_| values.iter().map(|v| pick(v, &mut state).clone()).collect())
            .collect(),
    };
    let thresholds = thresholds(set);
    for _ in 0..RANDOM_ROWS {
        let row = set
            .features
            .iter()
            .enumerate()
            .map(|(col, f)| random_field(f, &thresholds[col], &values[col], &mut state))
            .collect();
        rows.push(row);
    }
    rows
}

fn pick<'a, T>(items: &'a [T], state: &mut u64) -> &'a T {
    &items[(splitmix(state) % items.len() as u64) as usize]
}

/// Per feature, the thresholds the rules compare it with.
fn thresholds(set: &RuleSet) -> Vec<Vec<f64>> {
    set.features
        .iter()
        .map(|f| {
            set.rules
                .iter()
                .flat_map(|r| &r.conditions)
                .filter_map(|c| match c {
                    Condition::Cmp { feature, value, .. } if *feature == f.name => Some(*value),
                    _ => None,
                })
                .collect()
        })
        .collect()
}

/// A float written so that it reads back exactly, one way or another.
fn float_field(x: f64, state: &mut u64) -> Field {
    Field::Text(match splitmix(state) % 3 {
        0 => format!("{x}"),
        1 => format!("{x:?}"),
        _ => format!("{x:e}"),
    })
}

/// Values worth trying in one column: its thresholds and the floats one ULP
/// around them, special floats, every category and near misses, both
/// booleans, and the empty field where it can be given.
fn interesting_fields(set: &RuleSet, f: &Feature) -> Vec<Field> {
    let mut out = Vec::new();
    let mut state = 0;
    match &f.kind {
        FeatureKind::Numeric => {
            for x in [
                0.0,
                -0.0,
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                5e-324,
            ] {
                out.push(float_field(x, &mut state));
            }
            for rule in &set.rules {
                for cond in &rule.conditions {
                    if let Condition::Cmp { feature, value, .. } = cond {
                        if *feature == f.name {
                            for x in [*value, step(*value, true), step(*value, false)] {
                                out.push(float_field(x, &mut state));
                            }
                        }
                    }
                }
            }
            // Not nullable: the empty field reads as NaN.
            out.push(Field::Empty);
        }
        FeatureKind::Boolean => {
            out.push(Field::Text("true".into()));
            out.push(Field::Text("false".into()));
            if f.nullable {
                out.push(Field::Empty);
            }
        }
        FeatureKind::Categorical { categories } => {
            out.extend(categories.iter().map(|c| Field::Text(c.clone())));
            out.push(Field::Text("no such category".into()));
            if let Some(c) = categories.first() {
                out.push(Field::Text(format!("{c} ")));
                out.push(Field::Text(c.to_uppercase()));
            }
            // Missing where nullable; else the category "" or an unknown one.
            out.push(Field::Empty);
        }
    }
    out.dedup();
    out
}

/// One random field for a column.
fn random_field(f: &Feature, thresholds: &[f64], grid: &[Field], state: &mut u64) -> Field {
    let roll = splitmix(state) % 100;
    if roll < 5 && (f.nullable || matches!(f.kind, FeatureKind::Numeric)) {
        return Field::Empty;
    }
    match &f.kind {
        FeatureKind::Numeric => {
            let x = match roll {
                5..=34 if !thresholds.is_empty() => {
                    // A threshold, up to three ULPs away either way.
                    let mut x = *pick(thresholds, state);
                    let up = splitmix(state) & 1 == 0;
                    for _ in 0..splitmix(state) % 4 {
                        x = step(x, up);
                    }
                    x
                }
                35..=49 => *pick(SPECIAL_FLOATS, state),
                50..=64 => f64::from_bits(splitmix(state)),
                65..=72 => {
                    // A subnormal of either sign.
                    let bits = splitmix(state) & ((1 << 52) - 1);
                    let sign = splitmix(state) & (1 << 63);
                    f64::from_bits(bits | sign)
                }
                73..=80 => return Field::Text((*pick(ODD_NUMBER_TEXTS, state)).to_string()),
                _ => (splitmix(state) % 2001) as f64 / 10.0 - 100.0,
            };
            float_field(x, state)
        }
        FeatureKind::Boolean => Field::Text(
            if splitmix(state) & 1 == 0 {
                "true"
            } else {
                "false"
            }
            .into(),
        ),
        FeatureKind::Categorical { categories } => match roll {
            5..=59 if !categories.is_empty() => Field::Text(pick(categories, state).clone()),
            60..=79 => Field::Text((*pick(ODD_CATEGORIES, state)).to_string()),
            80..=89 => {
                // Random characters, control and non-ASCII ones included.
                let n = splitmix(state) % 5;
                let text = (0..n)
                    .map(|_| char::from_u32((splitmix(state) % 0x3000) as u32).unwrap_or('?'))
                    .collect::<String>();
                Field::Text(text)
            }
            _ => pick(grid, state).clone(),
        },
    }
}

// ---------------------------------------------------------------------------
// Rule sets.

/// Names for columns, targets, classes and categories: Rust keywords and
/// prelude names, the generated crate's own items, unicode, control
/// characters, strings that try to break out of literals and doc comments,
/// and names that collide once sanitised.
const NAMES: &[&str] = &[
    "fn",
    "self",
    "Self",
    "crate",
    "super",
    "type",
    "r#try",
    "gen",
    "größe",
    "距离",
    "1st",
    "",
    " ",
    "a b",
    "a_b",
    "A-B",
    "input",
    "Input",
    "decide",
    "decide_or_else",
    "Hit",
    "RuleId",
    "RULES",
    "RULE_TABLE",
    "ALL",
    "Unknown",
    "unknown",
    "None",
    "Some",
    "Option",
    "_",
    "__",
    "\u{0}",
    "\"",
    "\\",
    "`",
    "*/",
    "/*",
    "//!",
    "tab\there",
    "new\nline",
    "{}",
    "💥",
    "e\u{301}",
    "\u{202e}rtl",
    "main",
    "parity",
    "rules",
];

/// Rule names: valid in the IR (`[a-z][a-z0-9_]*`), many of them Rust
/// keywords or the generated crate's own items.
const RULE_NAMES: &[&str] = &[
    "fn",
    "self",
    "r",
    "match",
    "loop",
    "type",
    "unknown",
    "none",
    "some",
    "all",
    "info",
    "input",
    "decide",
    "hit",
    "name",
    "main",
    "parity",
    "rule_table",
    "a",
    "a_",
    "a__b",
    "z9",
];

/// Shares as a rules.json may hold them, awkward ones among them: between 0
/// and 1, the ends included only when `ends`.
fn unit_share(ends: bool) -> impl Strategy<Value = f64> {
    let edges: Vec<f64> = if ends {
        vec![0.0, 1.0, 5e-324, 1.0 - f64::EPSILON / 2.0, 0.1 + 0.2]
    } else {
        vec![5e-324, 1.0 - f64::EPSILON / 2.0, 0.1 + 0.2, 0.95, 0.999_999]
    };
    prop_oneof![1 => select(edges), 1 => 1e-9..(1.0 - 1e-9)]
}

/// Floats for thresholds and tolerances.
fn threshold() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => select(vec![
            0.0,
            -0.0,
            5e-324,
            -5e-324,
            1e-310,
            -1e-310,
            LARGEST_SUBNORMAL,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::MIN,
            1e300,
            -1e300,
            0.1,
            -1.5,
            1e21,
            9_007_199_254_740_993.0,
        ]),
        3 => (-20i32..20).prop_map(|i| f64::from(i) / 2.0),
        2 => any::<u64>().prop_map(|bits| {
            let x = f64::from_bits(bits);
            if x.is_finite() {
                x
            } else {
                f64::MAX
            }
        }),
        1 => (any::<u64>(), any::<bool>()).prop_map(|(bits, neg)| {
            let x = f64::from_bits(bits & ((1 << 52) - 1));
            if neg {
                -x
            } else {
                x
            }
        }),
    ]
}

/// Any short text: a hostile name, plain letters, or random characters.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => select(NAMES).prop_map(str::to_string),
        2 => "[a-zA-Z_][a-zA-Z0-9_ ]{0,6}",
        2 => prop::collection::vec(any::<char>(), 0..6).prop_map(String::from_iter),
    ]
}

/// A numeric target's class: text that reads as a finite number.
fn number_class() -> impl Strategy<Value = String> {
    prop_oneof![
        select(vec![
            "0", "-0", "-0.0", "1", "1e5", "1E5", "+1", ".5", "5.", "0.1", "5e-324"
        ])
        .prop_map(str::to_string),
        threshold().prop_map(|x| format!("{x}")),
        threshold().prop_map(|x| format!("{x:e}")),
    ]
}

#[derive(Clone, Debug)]
enum KindPick {
    Num,
    Bool,
    Cat(Vec<String>),
}

fn kind() -> impl Strategy<Value = KindPick> {
    prop_oneof![
        3 => Just(KindPick::Num),
        2 => Just(KindPick::Bool),
        3 => prop::collection::vec(text(), 0..6).prop_map(KindPick::Cat),
        // Past 64 categories the interpreter's bitsets take a second word.
        1 => prop::collection::vec("[a-z]{1,3}", 60..80).prop_map(KindPick::Cat),
    ]
}

/// What one condition may be: the builder fits it to its feature.
#[derive(Clone, Debug)]
struct CondPick {
    feature: usize,
    missing: bool,
    op: u8,
    value: f64,
    flag: bool,
    mask: Vec<bool>,
}

fn cond_pick() -> impl Strategy<Value = CondPick> {
    (
        any::<usize>(),
        prop::bool::weighted(0.15),
        any::<u8>(),
        threshold(),
        any::<bool>(),
        prop::collection::vec(any::<bool>(), 1..8),
    )
        .prop_map(|(feature, missing, op, value, flag, mask)| CondPick {
            feature,
            missing,
            op,
            value,
            flag,
            mask,
        })
}

#[derive(Clone, Debug)]
struct RulePick {
    name: String,
    decision: usize,
    conditions: Vec<CondPick>,
    evidence: Option<(u64, u64, f64)>,
}

fn rule_pick() -> impl Strategy<Value = RulePick> {
    (
        prop_oneof![
            select(RULE_NAMES).prop_map(str::to_string),
            "[a-z][a-z0-9_]{0,6}",
        ],
        any::<usize>(),
        prop::collection::vec(cond_pick(), 0..5),
        // Counts and a bound as a rules.json may hold them (`RuleSet::check`
        // refuses more right rows than rows, or a bound outside 0 to 1).
        prop::option::weighted(
            0.3,
            (0u64..5000, 0u64..5000, unit_share(true))
                .prop_map(|(support, correct, bound)| (support, correct.min(support), bound)),
        ),
    )
        .prop_map(|(name, decision, conditions, evidence)| RulePick {
            name,
            decision,
            conditions,
            evidence,
        })
}

/// A valid rule set over a hostile schema: up to 7 features, 2 to 5
/// classes (or numbers, with a tolerance), up to 8 rules of up to 4
/// conditions.
pub fn rule_set() -> impl Strategy<Value = RuleSet> {
    let features = prop::collection::vec((text(), kind(), any::<bool>()), 0..8);
    let target = (
        text(),
        prop::option::weighted(0.2, threshold()),
        prop::collection::vec(text(), 2..6),
        prop::collection::vec(number_class(), 2..6),
    );
    let rules = prop::collection::vec(rule_pick(), 0..9);
    let certification = (unit_share(false), unit_share(false), any::<bool>());
    (features, target, rules, certification).prop_map(build)
}

type TargetPick = (String, Option<f64>, Vec<String>, Vec<String>);
type Picks = (
    Vec<(String, KindPick, bool)>,
    TargetPick,
    Vec<RulePick>,
    (f64, f64, bool),
);

/// Turns the picks into a rule set that [`RuleSet::check`] accepts.
fn build(
    (features, (target, tolerance, classes, numbers), rules, (precision, confidence, per_rule)): Picks,
) -> RuleSet {
    let tolerance = tolerance.map(|t| if t.abs() > 0.0 { t.abs() } else { 0.5 });
    let mut classes = dedup(if tolerance.is_some() {
        numbers
    } else {
        classes
    });
    for fill in ["class a", "class b"] {
        if classes.len() < 2 && !classes.iter().any(|c| c == fill) {
            classes.push(fill.to_string());
        }
    }
    // A numeric target's classes are numbers: replace any that a builder
    // filler made otherwise.
    if tolerance.is_some() {
        for (i, c) in classes.iter_mut().enumerate() {
            if !c.parse::<f64>().is_ok_and(f64::is_finite) {
                *c = format!("{}", 1000 + i);
            }
        }
        classes = dedup(classes);
        if classes.len() < 2 {
            classes = vec!["1".into(), "2".into()];
        }
    }
    let mut names = std::collections::BTreeSet::new();
    names.insert(target.clone());
    let features: Vec<Feature> = features
        .into_iter()
        .filter(|(name, ..)| names.insert(name.clone()))
        .map(|(name, kind, nullable)| Feature {
            name,
            // A column without categories can only be tested for missing
            // values, so let it have them.
            nullable: nullable || matches!(&kind, KindPick::Cat(c) if c.is_empty()),
            kind: match kind {
                KindPick::Num => FeatureKind::Numeric,
                KindPick::Bool => FeatureKind::Boolean,
                KindPick::Cat(categories) => FeatureKind::Categorical {
                    categories: dedup(categories),
                },
            },
        })
        .collect();
    let mut rule_names = std::collections::BTreeSet::new();
    let rules = rules
        .into_iter()
        .enumerate()
        .map(|(rule_idx, pick)| {
            let name = if rulec_runtime::ir::is_rule_name(&pick.name)
                && rule_names.insert(pick.name.clone())
            {
                pick.name
            } else {
                let name = format!("rule_{rule_idx}");
                rule_names.insert(name.clone());
                name
            };
            let conditions = if features.is_empty() {
                Vec::new()
            } else {
                pick.conditions
                    .iter()
                    .map(|c| condition(&features[c.feature % features.len()], c))
                    .collect()
            };
            Rule {
                name,
                conditions,
                decision: classes[pick.decision % classes.len()].clone(),
                origin: None,
                evidence: pick.evidence.map(|(support, correct, bound)| Evidence {
                    validation: SplitEvidence {
                        support,
                        correct,
                        agree_teacher: correct,
                        precision_lower_bound: bound,
                    },
                    test: None,
                    examples: Vec::new(),
                    reasons: Vec::new(),
                }),
            }
        })
        .collect();
    let target = Target {
        name: target,
        classes,
        tolerance,
    };
    let mut set = RuleSet::new(target, features, rules, precision, confidence);
    set.certification.scope = if per_rule { Scope::Rule } else { Scope::Set };
    set
}

fn dedup(items: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    items
        .into_iter()
        .filter(|i| seen.insert(i.clone()))
        .collect()
}

/// A condition on `feature` from `pick`, of a kind the feature allows.
fn condition(feature: &Feature, pick: &CondPick) -> Condition {
    let name = feature.name.clone();
    if pick.missing && feature.nullable {
        return Condition::Missing { feature: name };
    }
    match &feature.kind {
        FeatureKind::Numeric => Condition::Cmp {
            feature: name,
            op: [CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Ge][usize::from(pick.op % 4)],
            value: pick.value,
        },
        FeatureKind::Boolean => Condition::Is {
            feature: name,
            value: pick.flag,
        },
        FeatureKind::Categorical { categories } => {
            let mut values: Vec<String> = categories
                .iter()
                .zip(pick.mask.iter().cycle())
                .filter(|(_, keep)| **keep)
                .map(|(c, _)| c.clone())
                .collect();
            if values.is_empty() {
                match categories.get(usize::from(pick.op) % categories.len().max(1)) {
                    Some(c) => values.push(c.clone()),
                    // Columns without categories are nullable (see `build`).
                    None => return Condition::Missing { feature: name },
                }
            }
            values.sort();
            if pick.flag {
                Condition::In {
                    feature: name,
                    values,
                }
            } else {
                Condition::NotIn {
                    feature: name,
                    values,
                }
            }
        }
    }
}
