//! Printing rules, conditions, names and values in the DSL.

use std::fmt::Write;

use crate::ir::{Condition, Rule};

/// Prints one rule in the DSL, ending with a newline.
pub fn print_rule(rule: &Rule, target: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "rule {}:", rule.name);
    let _ = writeln!(out, "  when {}", print_conditions(&rule.conditions));
    let _ = writeln!(
        out,
        "  then {} = {}",
        print_name(target),
        print_value(&rule.decision)
    );
    out
}

/// Prints the `when` part of a rule: conditions joined by `and`.
pub fn print_conditions(conditions: &[Condition]) -> String {
    if conditions.is_empty() {
        return "always".to_string();
    }
    conditions
        .iter()
        .map(print_condition)
        .collect::<Vec<_>>()
        .join(" and ")
}

/// Prints one condition.
pub fn print_condition(cond: &Condition) -> String {
    match cond {
        Condition::Cmp { feature, op, value } => {
            format!(
                "{} {} {}",
                print_name(feature),
                op.as_str(),
                print_number(*value)
            )
        }
        Condition::Is {
            feature,
            value: true,
        } => print_name(feature),
        Condition::Is {
            feature,
            value: false,
        } => format!("not {}", print_name(feature)),
        Condition::In { feature, values } => {
            format!("{} in {}", print_name(feature), print_set(values))
        }
        Condition::NotIn { feature, values } => {
            format!("{} not in {}", print_name(feature), print_set(values))
        }
        Condition::Missing { feature } => format!("{} is missing", print_name(feature)),
        Condition::Sum {
            features,
            minus,
            op,
            value,
        } => format!(
            "{} {} {}",
            print_sum(features, minus),
            op.as_str(),
            print_number(*value)
        ),
    }
}

/// The terms of a sum: the added ones joined by ` + `, then each
/// subtracted one after ` - `.
pub fn print_sum(features: &[String], minus: &[String]) -> String {
    let quoted = |names: &[String]| names.iter().map(|f| print_name(f)).collect::<Vec<_>>();
    crate::ir::signed_sum(&quoted(features), &quoted(minus))
}

/// Words of the DSL that cannot be bare column names.
pub const KEYWORDS: &[&str] = &[
    "rule", "when", "then", "and", "not", "in", "is", "missing", "always", "true", "false",
];

/// A column name: bare when it is a plain identifier and not a DSL word,
/// else in backticks (a backtick or backslash inside is escaped with `\`).
pub fn print_name(name: &str) -> String {
    let mut chars = name.chars();
    let plain = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&name);
    if plain {
        name.to_string()
    } else {
        let mut s = String::with_capacity(name.len() + 2);
        s.push('`');
        for c in name.chars() {
            match c {
                '`' => s.push_str("\\`"),
                '\\' => s.push_str("\\\\"),
                '\n' => s.push_str("\\n"),
                '\r' => s.push_str("\\r"),
                '\t' => s.push_str("\\t"),
                c if c.is_control() || is_invisible(c) => {
                    let _ = write!(s, "\\u{{{:x}}}", c as u32);
                }
                c => s.push(c),
            }
        }
        s.push('`');
        s
    }
}

/// Whether `c` changes how the text around it is shown, or shows as
/// nothing: bidirectional controls (an override shows the rest of its line
/// reversed), line and paragraph separators, zero-width characters, the
/// word joiner and the byte-order mark. Wherever text from data is shown to
/// people (the DSL, rule books, SQL comments) such a character is written
/// as `\u{..}`, so that what a reader sees is what runs.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{061c}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2069}'
            | '\u{feff}'
    )
}

/// A decision: bare when it is a number that reads back as the same text
/// (the decisions of a numeric target), else a string literal.
pub fn print_value(s: &str) -> String {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && print_number(x) == s => s.to_string(),
        _ => print_string(s),
    }
}

/// A string literal with Rust-style escapes.
pub fn print_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || is_invisible(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A number in its shortest form that parses back to the same `f64`.
pub fn print_number(x: f64) -> String {
    // `Display` for f64 prints the shortest digits that round-trip, never
    // in exponent form; that keeps thresholds exact and readable. Past 21
    // characters (below 1e-6 or from 1e21 on, with many digits) an
    // exponent is the shorter and the readable form: `5e-324`, not 324
    // digits.
    let s = format!("{x}");
    if s == "-0" {
        "-0.0".to_string()
    } else if s.len() > 21 {
        format!("{x:e}")
    } else {
        s
    }
}

fn print_set(values: &[String]) -> String {
    let items: Vec<String> = display_order(values)
        .into_iter()
        .map(print_string)
        .collect();
    format!("{{{}}}", items.join(", "))
}

/// The order in which a set of categories is shown to people: as stored
/// (sorted as text), except that codes which are all integers written
/// plainly (`7`, `-3`, `101`; no leading zero, no sign but `-`) are shown
/// by value, `"2", "10", "101"` rather than `"10", "101", "2"`. Codes with
/// a leading zero (`02134`) keep the text order, which for codes of one
/// width is their order already. Only the showing changes: the set, and
/// the rule set's file, stay as they are.
pub fn display_order(values: &[String]) -> Vec<&str> {
    fn plain_integer(v: &str) -> Option<i64> {
        let digits = v.strip_prefix('-').unwrap_or(v);
        let plain = !digits.is_empty()
            && digits.len() <= 18
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'))
            && v != "-0";
        plain.then(|| v.parse().ok()).flatten()
    }
    let mut shown: Vec<&str> = values.iter().map(String::as_str).collect();
    let numbers: Option<Vec<i64>> = shown.iter().map(|v| plain_integer(v)).collect();
    if let Some(numbers) = numbers {
        let mut paired: Vec<(i64, &str)> = numbers.into_iter().zip(shown).collect();
        paired.sort_by_key(|&(n, _)| n);
        shown = paired.into_iter().map(|(_, v)| v).collect();
    }
    shown
}

/// Prints rules as a DSL file that [`parse`](super::parse::parse) reads back.
pub fn print_rules(rules: &[Rule], target: &str) -> String {
    rules
        .iter()
        .map(|r| print_rule(r, target))
        .collect::<Vec<_>>()
        .join("\n")
}
