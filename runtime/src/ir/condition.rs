//! [`Condition`], one test of a rule, and [`CmpOp`], its comparison: what a
//! condition reads and how it is named.

use serde::{Deserialize, Serialize};

/// A comparison operator for numeric conditions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CmpOp {
    /// `<`
    #[serde(rename = "<")]
    Lt,
    /// `<=`
    #[serde(rename = "<=")]
    Le,
    /// `>`
    #[serde(rename = ">")]
    Gt,
    /// `>=`
    #[serde(rename = ">=")]
    Ge,
}

impl CmpOp {
    /// The operator as written in the DSL and in Rust.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// Whether `x op value` holds. False whenever `x` is NaN.
    #[inline]
    pub fn holds(self, x: f64, value: f64) -> bool {
        match self {
            CmpOp::Lt => x < value,
            CmpOp::Le => x <= value,
            CmpOp::Gt => x > value,
            CmpOp::Ge => x >= value,
        }
    }

    /// True for `>` and `>=`.
    pub fn is_lower_bound(self) -> bool {
        matches!(self, CmpOp::Gt | CmpOp::Ge)
    }
}

/// One test on one feature.
///
/// Semantics shared by the interpreter, the generated crate and the rule
/// book: a missing value satisfies only [`Condition::Missing`]; an unknown
/// category (a value outside the feature's known categories) satisfies
/// neither `in` nor `not in`; NaN satisfies no numeric comparison. A
/// [`Condition::Sum`] adds its terms left to right in `f64`, in the order
/// listed, then subtracts its `minus` terms left to right, and holds no row
/// where a term is missing or the total is NaN.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "test", rename_all = "snake_case")]
pub enum Condition {
    /// `feature op value` on a numeric feature.
    Cmp {
        /// Feature name.
        feature: String,
        /// Operator.
        op: CmpOp,
        /// Threshold; always finite.
        value: f64,
    },
    /// `feature` (when `value` is true) or `not feature`, on a boolean feature.
    Is {
        /// Feature name.
        feature: String,
        /// The required value.
        value: bool,
    },
    /// `feature in {..}` on a categorical feature.
    In {
        /// Feature name.
        feature: String,
        /// Accepted categories, sorted, non-empty.
        values: Vec<String>,
    },
    /// `feature not in {..}` on a categorical feature: a known category
    /// outside the set.
    NotIn {
        /// Feature name.
        feature: String,
        /// Refused categories, sorted, non-empty.
        values: Vec<String>,
    },
    /// `feature is missing`.
    Missing {
        /// Feature name.
        feature: String,
    },
    /// `a + b + ... - c - ... op value`: the sum of numeric features,
    /// added left to right in the order listed, less the `minus` features,
    /// subtracted left to right after them (a difference `a - b` when
    /// `features` is `[a]` and `minus` is `[b]`), compared with a
    /// threshold. A missing term satisfies it never, as a NaN total does
    /// not.
    Sum {
        /// Features added, at least one; with `minus`, at least two terms
        /// in all, every one distinct.
        features: Vec<String>,
        /// Features subtracted after the added ones; none for a plain sum
        /// (and then absent from `rules.json`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        minus: Vec<String>,
        /// Operator.
        op: CmpOp,
        /// Threshold; always finite.
        value: f64,
    },
}

impl Condition {
    /// The feature this condition tests; for a [`Condition::Sum`], its
    /// first term (see [`Condition::features`] for every column read).
    pub fn feature(&self) -> &str {
        match self {
            Condition::Cmp { feature, .. }
            | Condition::Is { feature, .. }
            | Condition::In { feature, .. }
            | Condition::NotIn { feature, .. }
            | Condition::Missing { feature } => feature,
            Condition::Sum { features, .. } => features.first().map_or("", String::as_str),
        }
    }

    /// Every feature this condition reads, in order: one, or a sum's terms
    /// (the added ones, then the subtracted ones).
    pub fn features(&self) -> Vec<&str> {
        let (plus, minus) = self.terms();
        plus.iter().chain(minus).map(String::as_str).collect()
    }

    /// The features this condition adds and those it subtracts: one
    /// feature and none for a test on one column.
    pub fn terms(&self) -> (&[String], &[String]) {
        match self {
            Condition::Cmp { feature, .. }
            | Condition::Is { feature, .. }
            | Condition::In { feature, .. }
            | Condition::NotIn { feature, .. }
            | Condition::Missing { feature } => (std::slice::from_ref(feature), &[]),
            Condition::Sum {
                features, minus, ..
            } => (features, minus),
        }
    }

    /// A key that two conditions share exactly when they read the same
    /// terms with the same signs: a column's name, or a sum's added terms
    /// joined by NUL (which no name holds), then `\u{1}` and its
    /// subtracted ones when it has some.
    pub fn terms_key(&self) -> String {
        let (plus, minus) = self.terms();
        let mut key = plus.join("\u{0}");
        if !minus.is_empty() {
            key.push('\u{1}');
            key.push_str(&minus.join("\u{0}"));
        }
        key
    }

    /// What the condition tests, as a reader writes it: the column's name,
    /// or a sum's terms joined by ` + ` and ` - ` (names as they are, not
    /// quoted: for sentences and messages, not for the DSL).
    pub fn subject(&self) -> String {
        let (plus, minus) = self.terms();
        signed_sum(plus, minus)
    }

    /// The numeric comparison this condition makes, whatever it compares:
    /// the operator and threshold of a [`Condition::Cmp`] or a
    /// [`Condition::Sum`].
    pub fn comparison(&self) -> Option<(CmpOp, f64)> {
        match self {
            Condition::Cmp { op, value, .. } | Condition::Sum { op, value, .. } => {
                Some((*op, *value))
            }
            _ => None,
        }
    }
}

/// Terms written as a sum, in the order every backend computes it: the
/// added ones joined by ` + `, then each subtracted one after ` - `
/// (`a + b - c`).
pub fn signed_sum<S: AsRef<str>>(plus: &[S], minus: &[S]) -> String {
    let mut out = String::new();
    for (i, term) in plus.iter().enumerate() {
        if i > 0 {
            out.push_str(" + ");
        }
        out.push_str(term.as_ref());
    }
    for term in minus {
        out.push_str(" - ");
        out.push_str(term.as_ref());
    }
    out
}
