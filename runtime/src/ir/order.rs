//! Which order of the candidate rules was tested, as `rules.json`
//! records it (`certification.order`).

use serde::{Deserialize, Serialize};

/// The order whose prefixes were tested, chosen before any validation
/// label was read: the one whose testing plan expected to certify more
/// validation rows, each rule of its largest planned set counted as
/// `rule_cost` rows less.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderChoice {
    /// The order tested.
    pub taken: OrderKind,
    /// Validation rows the greedy order's plan expected to certify.
    pub greedy_expected: f64,
    /// Rules in the largest set the greedy order's plan would test.
    pub greedy_rules: usize,
    /// Validation rows the confidence order's plan expected to certify.
    pub confidence_expected: f64,
    /// Rules in the largest set the confidence order's plan would test.
    pub confidence_rules: usize,
    /// Validation rows one rule is counted as costing: the fewest a rule
    /// must add to be worth an auditor's reading.
    pub rule_cost: f64,
    /// Whether `--order` named the order, not the plans' expectations.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub by_option: bool,
}

/// An order of candidate rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderKind {
    /// All candidates, the one adding the most certain new training rows
    /// first, then the next, and so on.
    Greedy,
    /// The leaves of one tree fitted to the teacher's probabilities, the
    /// teacher's most confident first.
    Confidence,
}
