//! The interpreter: evaluates a [`RuleSet`] on rows.
//!
//! [`Evaluator::new`] resolves feature names to column indices and category
//! sets to bitsets once, so evaluating a row does no lookups by name and no
//! allocation. Rows are slices of [`Cell`], one per feature in
//! [`RuleSet::features`] order.

use std::collections::HashMap;

use crate::error::Error;
use crate::ir::{CmpOp, Condition, FeatureKind, RuleSet};

/// Marks a categorical cell whose value is not among the known categories.
pub const UNKNOWN_CATEGORY: u32 = u32::MAX;

/// Cell texts rulec reads as missing values in a data file: the empty
/// field and the usual markers of spreadsheets, R and pandas. `None` is not
/// among them: it is too often a real category ("None" as a plan, a risk
/// level, an option). The generated crate's parity example reads them
/// alike, so that it decides a file's rows as `rulec apply` does.
pub const MISSING_MARKERS: &[&str] = &[
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "n/a", "nan", "null",
];

/// One value of a row, already encoded against the rule set's schema.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cell {
    /// No value.
    Missing,
    /// A number. NaN satisfies no comparison.
    Num(f64),
    /// A boolean.
    Bool(bool),
    /// Index into the feature's categories, or [`UNKNOWN_CATEGORY`].
    Cat(u32),
}

/// A covered row: which rule answered and with which class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Hit {
    /// Index of the rule in [`RuleSet::rules`].
    pub rule_idx: usize,
    /// Index of the decided class in the target's classes.
    pub class_idx: usize,
}

#[derive(Clone, Debug)]
enum Test {
    Cmp {
        col: usize,
        op: CmpOp,
        value: f64,
    },
    Is {
        col: usize,
        value: bool,
    },
    In {
        col: usize,
        set: Vec<u64>,
    },
    NotIn {
        col: usize,
        set: Vec<u64>,
    },
    Missing {
        col: usize,
    },
    Sum {
        /// Columns added, then subtracted from the `plus`-th on.
        cols: Vec<usize>,
        plus: usize,
        op: CmpOp,
        value: f64,
    },
}

#[derive(Clone, Debug)]
struct CompiledRule {
    tests: Vec<Test>,
    class_idx: usize,
}

/// A rule set prepared for fast evaluation.
#[derive(Clone, Debug)]
pub struct Evaluator {
    rules: Vec<CompiledRule>,
    n_features: usize,
    /// Per feature, how a text reads as one of its categories.
    readers: Vec<CategoryReader>,
}

/// How a text reads as one of a column's categories: a text that is a
/// category is that category; in a column of codes (every category a
/// number, `--categorical store`), a number written another way (`7.0`,
/// `007`, ` 7`, `-0`) is the category written as [`number_text`] writes
/// that number, as `rulec apply`, its SQL engine and the generated crate's
/// `from_str_value` read it. Any other text is none of them.
#[derive(Clone, Debug, Default)]
pub struct CategoryReader {
    index: HashMap<String, u32>,
    codes: bool,
}

impl CategoryReader {
    /// The reader of a column whose categories are `categories`, in order.
    pub fn new(categories: &[String]) -> CategoryReader {
        CategoryReader {
            index: categories
                .iter()
                .enumerate()
                .map(|(i, c)| (c.clone(), i as u32))
                .collect(),
            codes: !categories.is_empty()
                && categories.iter().all(|c| c.trim().parse::<f64>().is_ok()),
        }
    }

    /// The index of the category `value` reads as, or [`UNKNOWN_CATEGORY`].
    pub fn code(&self, value: &str) -> u32 {
        if let Some(&code) = self.index.get(value) {
            return code;
        }
        if !self.codes {
            return UNKNOWN_CATEGORY;
        }
        match value.trim().parse::<f64>() {
            Ok(x) if x.is_finite() => {
                let x = if x == 0.0 { 0.0 } else { x };
                self.index
                    .get(&number_text(x))
                    .copied()
                    .unwrap_or(UNKNOWN_CATEGORY)
            }
            _ => UNKNOWN_CATEGORY,
        }
    }
}

/// The text of a number as a category of codes holds it: a whole number
/// below 10^15 in size without a fraction (`7`, `-3`), any other as Rust
/// prints it (`2.5`). A code column's value is read as the category with
/// this text of its number ([`Evaluator::category_code`]); `rulec`, the
/// interpreter and the generated crate share it.
pub fn number_text(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

impl Evaluator {
    /// Prepares `set` for evaluation. Fails if the set is inconsistent.
    pub fn new(set: &RuleSet) -> Result<Evaluator, Error> {
        set.check()?;
        let readers: Vec<CategoryReader> = set
            .features
            .iter()
            .map(|f| match &f.kind {
                FeatureKind::Categorical { categories } => CategoryReader::new(categories),
                _ => CategoryReader::default(),
            })
            .collect();
        let mut rules = Vec::with_capacity(set.rules.len());
        for rule in &set.rules {
            let mut tests = Vec::with_capacity(rule.conditions.len());
            for cond in &rule.conditions {
                // `check` above guarantees the feature and categories exist.
                let col = set.feature_index(cond.feature()).expect("checked feature");
                let bitset = |values: &[String]| {
                    let mut set = vec![0u64; readers[col].index.len().div_ceil(64).max(1)];
                    for v in values {
                        let i = readers[col].index[v] as usize;
                        set[i / 64] |= 1 << (i % 64);
                    }
                    set
                };
                tests.push(match cond {
                    Condition::Cmp { op, value, .. } => Test::Cmp {
                        col,
                        op: *op,
                        value: *value,
                    },
                    Condition::Is { value, .. } => Test::Is { col, value: *value },
                    Condition::In { values, .. } => Test::In {
                        col,
                        set: bitset(values),
                    },
                    Condition::NotIn { values, .. } => Test::NotIn {
                        col,
                        set: bitset(values),
                    },
                    Condition::Missing { .. } => Test::Missing { col },
                    Condition::Sum {
                        features,
                        minus,
                        op,
                        value,
                    } => Test::Sum {
                        cols: features
                            .iter()
                            .chain(minus)
                            .map(|f| set.feature_index(f).expect("checked feature"))
                            .collect(),
                        plus: features.len(),
                        op: *op,
                        value: *value,
                    },
                });
            }
            rules.push(CompiledRule {
                tests,
                class_idx: set.class_index(&rule.decision).expect("checked decision"),
            });
        }
        Ok(Evaluator {
            rules,
            n_features: set.features.len(),
            readers,
        })
    }

    /// Number of features a row must have.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Encodes a category string for feature `col`: its index, or
    /// [`UNKNOWN_CATEGORY`], as [`CategoryReader::code`] reads it.
    pub fn category_code(&self, col: usize, value: &str) -> u32 {
        self.readers
            .get(col)
            .map_or(UNKNOWN_CATEGORY, |r| r.code(value))
    }

    /// The first rule covering `row`, or `None` (the fallback's case).
    pub fn decide(&self, row: &[Cell]) -> Result<Option<Hit>, Error> {
        if row.len() != self.n_features {
            return Err(Error::RowWidth {
                found: row.len(),
                expected: self.n_features,
            });
        }
        Ok(self.decide_unchecked_width(row))
    }

    /// Like [`Evaluator::decide`] for rows known to have the right width;
    /// a short row is simply not covered.
    #[inline]
    pub fn decide_unchecked_width(&self, row: &[Cell]) -> Option<Hit> {
        self.rules
            .iter()
            .position(|r| r.tests.iter().all(|t| holds(t, row)))
            .map(|rule_idx| Hit {
                rule_idx,
                class_idx: self.rules[rule_idx].class_idx,
            })
    }

    /// Like [`Evaluator::decide_unchecked_width`], and also the number of
    /// conditions tested (in order, each rule stopping at its first failing
    /// condition): the work a generated `decide` does for this row.
    pub fn decide_counting(&self, row: &[Cell]) -> (Option<Hit>, usize) {
        let mut tested = 0;
        for (rule_idx, r) in self.rules.iter().enumerate() {
            let mut all = true;
            for t in &r.tests {
                tested += 1;
                if !holds(t, row) {
                    all = false;
                    break;
                }
            }
            if all {
                return (
                    Some(Hit {
                        rule_idx,
                        class_idx: r.class_idx,
                    }),
                    tested,
                );
            }
        }
        (None, tested)
    }

    /// Whether rule `rule_idx` alone covers `row`, regardless of order.
    pub fn rule_covers(&self, rule_idx: usize, row: &[Cell]) -> bool {
        self.rules
            .get(rule_idx)
            .is_some_and(|r| r.tests.iter().all(|t| holds(t, row)))
    }
}

#[inline]
fn holds(test: &Test, row: &[Cell]) -> bool {
    match *test {
        Test::Cmp { col, op, value } => match row.get(col) {
            Some(Cell::Num(x)) => op.holds(*x, value),
            _ => false,
        },
        Test::Is { col, value } => matches!(row.get(col), Some(Cell::Bool(b)) if *b == value),
        Test::In { col, ref set } => match row.get(col) {
            Some(&Cell::Cat(c)) => c != UNKNOWN_CATEGORY && contains(set, c),
            _ => false,
        },
        Test::NotIn { col, ref set } => match row.get(col) {
            Some(&Cell::Cat(c)) => c != UNKNOWN_CATEGORY && !contains(set, c),
            _ => false,
        },
        Test::Missing { col } => matches!(row.get(col), Some(Cell::Missing)),
        Test::Sum {
            ref cols,
            plus,
            op,
            value,
        } => {
            // Added left to right, then subtracted left to right, as every
            // backend does.
            let mut sum = 0.0;
            for (i, &col) in cols.iter().enumerate() {
                match row.get(col) {
                    Some(Cell::Num(x)) if i == 0 => sum = *x,
                    Some(Cell::Num(x)) if i < plus => sum += *x,
                    Some(Cell::Num(x)) => sum -= *x,
                    _ => return false,
                }
            }
            op.holds(sum, value)
        }
    }
}

#[inline]
fn contains(set: &[u64], c: u32) -> bool {
    let c = c as usize;
    set.get(c / 64).is_some_and(|w| w & (1 << (c % 64)) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::CostModel;

    /// In a column of codes, the interpreter reads a number written
    /// another way as `rulec apply` and the generated crate do; in a column
    /// of words, only the exact text is a category.
    #[test]
    fn codes_written_another_way_are_their_category() {
        let feature = |name: &str, categories: &[&str]| crate::ir::Feature {
            name: name.into(),
            kind: FeatureKind::Categorical {
                categories: categories.iter().map(|c| c.to_string()).collect(),
            },
            nullable: false,
        };
        let mut set = crate::dsl::tests_support::schema_x();
        set.features = vec![
            feature("store", &["0", "12", "2.5", "7"]),
            feature("zone", &["7", "north"]),
        ];
        set.rules = Vec::new();
        let eval = Evaluator::new(&set).unwrap();
        for (text, want) in [
            ("7", 3),
            ("7.0", 3),
            ("007", 3),
            (" 7", 3),
            ("+7", 3),
            ("7e0", 3),
            ("12.00", 1),
            ("-0", 0),
            ("2.50", 2),
            ("8", UNKNOWN_CATEGORY),
            ("seven", UNKNOWN_CATEGORY),
            ("inf", UNKNOWN_CATEGORY),
            ("NaN", UNKNOWN_CATEGORY),
        ] {
            assert_eq!(eval.category_code(0, text), want, "{text:?}");
        }
        // Not every category a number: exact text only.
        assert_eq!(eval.category_code(1, "7"), 0);
        assert_eq!(eval.category_code(1, "7.0"), UNKNOWN_CATEGORY);
        assert_eq!(eval.category_code(5, "7"), UNKNOWN_CATEGORY);
        assert_eq!(number_text(-3.0), "-3");
        assert_eq!(number_text(2.5), "2.5");
    }

    #[test]
    fn counting_stops_each_rule_at_its_first_failing_condition() {
        let text = "rule a: when x < 1 and x < 0 then y = \"p\"\nrule b: when x < 5 then y = \"q\"";
        let mut set = crate::dsl::tests_support::schema_x();
        set.rules = crate::dsl::parse(text)
            .unwrap()
            .into_iter()
            .map(|p| p.rule)
            .collect();
        let eval = Evaluator::new(&set).unwrap();
        // x = 3: rule a fails at its first condition (1), rule b holds (1).
        assert_eq!(eval.decide_counting(&[Cell::Num(3.0)]).1, 2);
        // x = 0.5: rule a passes one condition and fails the second (2), b holds (1).
        assert_eq!(eval.decide_counting(&[Cell::Num(0.5)]).1, 3);
        // x = 9: a (1) and b (1) both fail.
        assert_eq!(eval.decide_counting(&[Cell::Num(9.0)]), (None, 2));
        // A sum: added left to right; a missing term or a NaN total holds nothing.
        let mut set = crate::dsl::tests_support::schema_x();
        set.features.push(crate::ir::Feature {
            name: "w".into(),
            kind: FeatureKind::Numeric,
            nullable: true,
        });
        set.rules = crate::dsl::parse("rule s: when x + w >= 0.3 then y = \"p\"")
            .unwrap()
            .into_iter()
            .map(|p| p.rule)
            .collect();
        let eval = Evaluator::new(&set).unwrap();
        let hit = |x: Cell, w: Cell| eval.decide(&[x, w]).unwrap().is_some();
        // 0.1 + 0.2 is 0.30000000000000004 in f64, at least 0.3.
        assert!(hit(Cell::Num(0.1), Cell::Num(0.2)));
        assert!(!hit(Cell::Num(0.1), Cell::Num(0.1)));
        assert!(!hit(Cell::Num(5.0), Cell::Missing));
        assert!(!hit(Cell::Num(f64::INFINITY), Cell::Num(f64::NEG_INFINITY)));
        assert!(hit(Cell::Num(f64::INFINITY), Cell::Num(1.0)));
        // A difference: added terms first, then the subtracted ones, so
        // `x - w + v` is (x + v) - w.
        set.features.push(crate::ir::Feature {
            name: "v".into(),
            kind: FeatureKind::Numeric,
            nullable: false,
        });
        set.rules = crate::dsl::parse("rule d: when x - w + v >= 0.3 then y = \"p\"")
            .unwrap()
            .into_iter()
            .map(|p| p.rule)
            .collect();
        let eval = Evaluator::new(&set).unwrap();
        let hit = |x: f64, w: Cell, v: f64| {
            eval.decide(&[Cell::Num(x), w, Cell::Num(v)])
                .unwrap()
                .is_some()
        };
        assert!(hit(1.0, Cell::Num(0.5), 0.0));
        assert!(!hit(1.0, Cell::Num(0.8), 0.0));
        // (0.1 + 0.2) - 0.0 >= 0.3, where 0.1 - 0.0 + 0.2 would be too.
        assert!(hit(0.1, Cell::Num(0.0), 0.2));
        // (1e16 + 1.0) - 1e16 is 0 in f64: the order is the added terms first.
        assert!(!hit(1e16, Cell::Num(1e16), 1.0));
        assert!(!hit(5.0, Cell::Missing, 0.0));
        let c = CostModel {
            teacher_per_decision: 100.0,
            rules_per_decision: 4.0,
            coverage: 0.6,
        };
        assert!((c.cascade_per_decision() - 44.0).abs() < 1e-12);
        assert!((c.saved_share() - 0.56).abs() < 1e-12);
    }
}
