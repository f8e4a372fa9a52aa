//! Rule sets shared by the SQL tests (`sql.rs` and `sql_sqlite.rs`): text
//! that tries to leave its quotes and a rule set built from it, and a set
//! with a numeric target.

#![allow(dead_code)] // Each test binary uses a different part.

use rulec_runtime::ir::{CmpOp, RuleSet};

use crate::common::{boolean, cat, cmp, in_set, is, missing, not_in, num, rule, rule_set};
/// Names and values that try to leave their quotes.
pub const HOSTILE: &[&str] = &[
    "'",
    "''",
    "\"",
    "`",
    "\\",
    "\\'",
    "--",
    "-- comment",
    ";",
    "'; DROP TABLE t; --",
    "\"; DROP TABLE t; --",
    "`; DROP TABLE t; --",
    "*/",
    "/*",
    "a\nb",
    "a\r\nb",
    "\t",
    "ü",
    "距离",
    "\u{202e}bidi",
    "",
    "select",
    "NULL",
    "${env:HOME}",
    "$",
    "\\u0027",
    "%_",
];

pub fn hostile_set() -> RuleSet {
    let cats: Vec<&str> = {
        let mut v: Vec<&str> = HOSTILE.to_vec();
        v.sort();
        v.dedup();
        v
    };
    let feature_names = [
        "select",
        "a \"quoted\" name",
        "`tick`",
        "line\nbreak",
        "-- not a comment",
        "*/ ; '",
        "距离",
        "",
    ];
    rule_set(
        "target 'with' \"quotes\"",
        &["'", "a\nb", "x -- y", "\\"],
        vec![
            num(feature_names[0], true),
            num(feature_names[1], false),
            cat(feature_names[2], true, &cats),
            boolean(feature_names[3], true),
            boolean(feature_names[4], false),
            cat(feature_names[5], false, &["'", "''", "--"]),
            num(feature_names[6], true),
            num(feature_names[7], true),
        ],
        vec![
            rule(
                "tiny",
                vec![
                    cmp("select", CmpOp::Gt, 5e-324),
                    cmp("a \"quoted\" name", CmpOp::Le, 0.1),
                    in_set("`tick`", &["'", "\\", "a\nb", ""]),
                ],
                "'",
            ),
            rule(
                "negative_zero",
                vec![cmp("select", CmpOp::Ge, -0.0), is("line\nbreak", true)],
                "a\nb",
            ),
            rule(
                "not_quotes",
                vec![
                    not_in("`tick`", &["'", "''", "\"", "--"]),
                    is("-- not a comment", false),
                ],
                "x -- y",
            ),
            rule(
                "huge",
                vec![
                    cmp("距离", CmpOp::Lt, 1e300),
                    cmp("距离", CmpOp::Ge, -1e-300),
                    not_in("*/ ; '", &["''"]),
                ],
                "\\",
            ),
            rule(
                "edges",
                vec![
                    cmp("", CmpOp::Gt, 0.30000000000000004),
                    cmp("", CmpOp::Le, f64::MAX),
                    cmp("a \"quoted\" name", CmpOp::Gt, f64::MIN_POSITIVE),
                ],
                "'",
            ),
            rule(
                "missing_tick",
                vec![missing("`tick`"), missing("line\nbreak")],
                "a\nb",
            ),
            rule("missing_num", vec![missing("")], "x -- y"),
            rule(
                "sum",
                vec![
                    sum(
                        &["select", "a \"quoted\" name", "距离"],
                        &[],
                        CmpOp::Lt,
                        2.5,
                    ),
                    sum(&["a \"quoted\" name"], &["select"], CmpOp::Ge, -100.0),
                ],
                "\\",
            ),
        ],
    )
}

/// `a + b + ... - c - ... op value`.
pub fn sum(
    features: &[&str],
    minus: &[&str],
    op: CmpOp,
    value: f64,
) -> rulec_runtime::ir::Condition {
    rulec_runtime::ir::Condition::Sum {
        features: features.iter().map(|f| f.to_string()).collect(),
        minus: minus.iter().map(|f| f.to_string()).collect(),
        op,
        value,
    }
}

/// A numeric target: decisions are values, right within the tolerance.
pub fn numeric_target_set() -> RuleSet {
    let mut set = rule_set(
        "amount",
        &["-1.5", "2", "10.25"],
        vec![num("x", true), boolean("b", false)],
        vec![
            rule("low", vec![cmp("x", CmpOp::Lt, -2.0)], "-1.5"),
            rule("mid", vec![cmp("x", CmpOp::Le, 3.0), is("b", true)], "2"),
            rule("high", vec![cmp("x", CmpOp::Gt, 3.0)], "10.25"),
        ],
    );
    set.target.tolerance = Some(0.5);
    set
}
