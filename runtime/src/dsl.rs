//! The rule DSL: the one syntax people write, models propose, rule books
//! print and rulec parses back.
//!
//! ```text
//! rule short_light_to_b:
//!   when distance_mi < 50 and weight_lb < 5 and zone in {"north", "east"} and not express
//!   then cheapest_shipper = "B"
//! ```
//!
//! Column names that are not plain identifiers are written in backticks
//! (`` `mean radius` < 12.5 ``); strings use Rust-style escapes. A rule with no
//! conditions is written `when always`.

use std::fmt::Write;

use crate::ir::{CmpOp, Condition, Rule};

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
    }
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
                c if c.is_control() => {
                    let _ = write!(s, "\\u{{{:x}}}", c as u32);
                }
                c => s.push(c),
            }
        }
        s.push('`');
        s
    }
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
            c if c.is_control() => {
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
    // in exponent form; that keeps thresholds exact and readable.
    let s = format!("{x}");
    if s == "-0" {
        "-0.0".to_string()
    } else {
        s
    }
}

fn print_set(values: &[String]) -> String {
    let items: Vec<String> = values.iter().map(|v| print_string(v)).collect();
    format!("{{{}}}", items.join(", "))
}

/// A parse or check error in DSL text, with its position (1-based).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Line of the offending token.
    pub line: usize,
    /// Column (in characters) of the offending token.
    pub column: usize,
    /// What was expected and what was found.
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for ParseError {}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(String),
    Quoted(String),
    Str(String),
    Num(f64),
    Op(&'static str),
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    line: usize,
    column: usize,
}

fn describe(t: Option<&Token>) -> String {
    match t.map(|t| &t.tok) {
        None => "the end of the text".to_string(),
        Some(Tok::Word(w)) => format!("`{w}`"),
        Some(Tok::Quoted(w)) => format!("`{}`", print_name(w)),
        Some(Tok::Str(s)) => format!("string {}", print_string(s)),
        Some(Tok::Num(x)) => format!("number {}", print_number(*x)),
        Some(Tok::Op(o)) => format!("`{o}`"),
    }
}

fn lex(text: &str) -> Result<Vec<Token>, ParseError> {
    let chars: Vec<char> = text.chars().collect();
    let mut toks = Vec::new();
    let (mut i, mut line, mut col) = (0usize, 1usize, 1usize);
    let err = |line, column, message: String| ParseError {
        line,
        column,
        message,
    };
    while i < chars.len() {
        let c = chars[i];
        let (tl, tc) = (line, col);
        let advance = |n: usize, i: &mut usize, col: &mut usize| {
            *i += n;
            *col += n;
        };
        match c {
            '\n' => {
                i += 1;
                line += 1;
                col = 1;
            }
            c if c.is_whitespace() => advance(1, &mut i, &mut col),
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    advance(1, &mut i, &mut col);
                }
            }
            '"' | '`' => {
                let close = c;
                advance(1, &mut i, &mut col);
                let mut s = String::new();
                loop {
                    let Some(&d) = chars.get(i) else {
                        return Err(err(
                            tl,
                            tc,
                            format!(
                                "unterminated {}",
                                if close == '"' {
                                    "string"
                                } else {
                                    "quoted name"
                                }
                            ),
                        ));
                    };
                    advance(1, &mut i, &mut col);
                    if d == close {
                        break;
                    }
                    if d == '\n' {
                        return Err(err(
                            tl,
                            tc,
                            "line break inside a string; write it as \\n".into(),
                        ));
                    }
                    if d != '\\' {
                        s.push(d);
                        continue;
                    }
                    let Some(&e) = chars.get(i) else {
                        return Err(err(line, col, "unterminated escape".into()));
                    };
                    advance(1, &mut i, &mut col);
                    match e {
                        'n' => s.push('\n'),
                        'r' => s.push('\r'),
                        't' => s.push('\t'),
                        '0' => s.push('\0'),
                        '\\' | '"' | '`' | '\'' => s.push(e),
                        'u' => {
                            if chars.get(i) != Some(&'{') {
                                return Err(err(line, col, "expected `{` after \\u".into()));
                            }
                            advance(1, &mut i, &mut col);
                            let mut hex = String::new();
                            while let Some(&h) = chars.get(i) {
                                advance(1, &mut i, &mut col);
                                if h == '}' {
                                    break;
                                }
                                hex.push(h);
                            }
                            let ch = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                            match ch {
                                Some(ch) => s.push(ch),
                                None => {
                                    return Err(err(
                                        line,
                                        col,
                                        format!("`\\u{{{hex}}}` is not a character"),
                                    ))
                                }
                            }
                        }
                        other => {
                            return Err(err(line, col - 1, format!("unknown escape `\\{other}`")))
                        }
                    }
                }
                toks.push(Token {
                    tok: if close == '"' {
                        Tok::Str(s)
                    } else {
                        Tok::Quoted(s)
                    },
                    line: tl,
                    column: tc,
                });
            }
            '<' | '>' | '=' | '!' => {
                let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
                let op = match two.as_str() {
                    "<=" => "<=",
                    ">=" => ">=",
                    "==" => "==",
                    "!=" => "!=",
                    _ => match c {
                        '<' => "<",
                        '>' => ">",
                        '=' => "=",
                        _ => return Err(err(tl, tc, "unexpected `!`; write `not`".into())),
                    },
                };
                advance(op.len(), &mut i, &mut col);
                toks.push(Token {
                    tok: Tok::Op(op),
                    line: tl,
                    column: tc,
                });
            }
            ':' | ',' | '{' | '}' => {
                let op = match c {
                    ':' => ":",
                    ',' => ",",
                    '{' => "{",
                    _ => "}",
                };
                advance(1, &mut i, &mut col);
                toks.push(Token {
                    tok: Tok::Op(op),
                    line: tl,
                    column: tc,
                });
            }
            c if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' => {
                let start = i;
                advance(1, &mut i, &mut col);
                while let Some(&d) = chars.get(i) {
                    let exp_sign = (d == '-' || d == '+') && matches!(chars[i - 1], 'e' | 'E');
                    if d.is_ascii_alphanumeric() || d == '.' || d == '_' || exp_sign {
                        advance(1, &mut i, &mut col);
                    } else {
                        break;
                    }
                }
                let s: String = chars[start..i].iter().filter(|&&c| c != '_').collect();
                match s.parse::<f64>() {
                    Ok(x) if x.is_finite() => toks.push(Token {
                        tok: Tok::Num(x),
                        line: tl,
                        column: tc,
                    }),
                    _ => return Err(err(tl, tc, format!("`{s}` is not a finite number"))),
                }
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while let Some(&d) = chars.get(i) {
                    if d.is_alphanumeric() || d == '_' {
                        advance(1, &mut i, &mut col);
                    } else {
                        break;
                    }
                }
                toks.push(Token {
                    tok: Tok::Word(chars[start..i].iter().collect()),
                    line: tl,
                    column: tc,
                });
            }
            other => {
                return Err(err(
                    tl,
                    tc,
                    format!("unexpected character `{}`", other.escape_debug()),
                ))
            }
        }
    }
    Ok(toks)
}

/// A rule as written, before it is checked against a schema.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedRule {
    /// The rule.
    pub rule: Rule,
    /// The target named after `then`.
    pub target: String,
    /// Line where the rule starts.
    pub line: usize,
    /// Position of each condition, for error messages.
    pub positions: Vec<(usize, usize)>,
}

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    end: (usize, usize),
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    fn peek_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Word(x), .. }) if x == w)
    }

    fn here(&self) -> (usize, usize) {
        self.peek().map_or(self.end, |t| (t.line, t.column))
    }

    fn fail<T>(&self, expected: &str) -> Result<T, ParseError> {
        let (line, column) = self.here();
        Err(ParseError {
            line,
            column,
            message: format!("expected {expected}, found {}", describe(self.peek())),
        })
    }

    fn word(&mut self, w: &str) -> Result<(), ParseError> {
        if self.peek_word(w) {
            self.pos += 1;
            Ok(())
        } else {
            self.fail(&format!("`{w}`"))
        }
    }

    fn op(&mut self, o: &str) -> Result<(), ParseError> {
        if matches!(self.peek(), Some(Token { tok: Tok::Op(x), .. }) if *x == o) {
            self.pos += 1;
            Ok(())
        } else {
            self.fail(&format!("`{o}`"))
        }
    }

    fn name(&mut self, what: &str) -> Result<String, ParseError> {
        match self.peek().map(|t| t.tok.clone()) {
            Some(Tok::Word(w)) if !KEYWORDS.contains(&w.as_str()) => {
                self.pos += 1;
                Ok(w)
            }
            Some(Tok::Quoted(w)) => {
                self.pos += 1;
                Ok(w)
            }
            _ => self.fail(what),
        }
    }

    fn value(&mut self) -> Result<String, ParseError> {
        match self.peek().map(|t| t.tok.clone()) {
            Some(Tok::Str(s)) => {
                self.pos += 1;
                Ok(s)
            }
            Some(Tok::Num(x)) => {
                self.pos += 1;
                Ok(print_number(x))
            }
            Some(Tok::Word(w)) if w == "true" || w == "false" => {
                self.pos += 1;
                Ok(w)
            }
            _ => self.fail("a string in double quotes"),
        }
    }

    fn number(&mut self) -> Result<f64, ParseError> {
        match self.peek().map(|t| t.tok.clone()) {
            Some(Tok::Num(x)) => {
                self.pos += 1;
                Ok(x)
            }
            _ => self.fail("a number"),
        }
    }

    fn cmp(&mut self) -> Option<CmpOp> {
        let op = match self.peek().map(|t| &t.tok) {
            Some(Tok::Op("<")) => CmpOp::Lt,
            Some(Tok::Op("<=")) => CmpOp::Le,
            Some(Tok::Op(">")) => CmpOp::Gt,
            Some(Tok::Op(">=")) => CmpOp::Ge,
            _ => return None,
        };
        self.pos += 1;
        Some(op)
    }

    fn set(&mut self) -> Result<Vec<String>, ParseError> {
        self.op("{")?;
        let mut values = vec![self.value()?];
        while matches!(
            self.peek(),
            Some(Token {
                tok: Tok::Op(","),
                ..
            })
        ) {
            self.pos += 1;
            if matches!(
                self.peek(),
                Some(Token {
                    tok: Tok::Op("}"),
                    ..
                })
            ) {
                break;
            }
            values.push(self.value()?);
        }
        self.op("}")?;
        values.sort();
        values.dedup();
        Ok(values)
    }

    /// One condition; a range `a <= x < b` gives two.
    fn condition(&mut self, out: &mut Vec<Condition>) -> Result<(), ParseError> {
        if self.peek_word("not") {
            self.pos += 1;
            let feature = self.name("a column name after `not`")?;
            out.push(Condition::Is {
                feature,
                value: false,
            });
            return Ok(());
        }
        if let Some(Tok::Num(lo)) = self.peek().map(|t| t.tok.clone()) {
            self.pos += 1;
            let Some(op1) = self.cmp() else {
                return self.fail("`<` or `<=` after a number (a range like `10 <= x < 50`)");
            };
            let feature = self.name("a column name")?;
            let Some(op2) = self.cmp() else {
                return self.fail("a second comparison to close the range");
            };
            let flip = |op: CmpOp| match op {
                CmpOp::Lt => CmpOp::Gt,
                CmpOp::Le => CmpOp::Ge,
                CmpOp::Gt => CmpOp::Lt,
                CmpOp::Ge => CmpOp::Le,
            };
            if op1.is_lower_bound() != op2.is_lower_bound() {
                return self.fail("both comparisons of a range to point the same way");
            }
            let hi = self.number()?;
            out.push(Condition::Cmp {
                feature: feature.clone(),
                op: flip(op1),
                value: lo,
            });
            out.push(Condition::Cmp {
                feature,
                op: op2,
                value: hi,
            });
            return Ok(());
        }
        let feature = self.name("a condition (a column name, `not`, or a range)")?;
        if let Some(op) = self.cmp() {
            let value = self.number()?;
            out.push(Condition::Cmp { feature, op, value });
        } else if self.peek_word("in") {
            self.pos += 1;
            out.push(Condition::In {
                feature,
                values: self.set()?,
            });
        } else if self.peek_word("not") {
            self.pos += 1;
            self.word("in")?;
            out.push(Condition::NotIn {
                feature,
                values: self.set()?,
            });
        } else if self.peek_word("is") {
            self.pos += 1;
            self.word("missing")?;
            out.push(Condition::Missing { feature });
        } else if matches!(
            self.peek(),
            Some(Token {
                tok: Tok::Op("=" | "=="),
                ..
            })
        ) {
            self.pos += 1;
            match self.peek().map(|t| t.tok.clone()) {
                Some(Tok::Word(w)) if w == "true" || w == "false" => {
                    self.pos += 1;
                    out.push(Condition::Is {
                        feature,
                        value: w == "true",
                    });
                }
                _ => {
                    let v = self.value()?;
                    out.push(Condition::In {
                        feature,
                        values: vec![v],
                    });
                }
            }
        } else {
            out.push(Condition::Is {
                feature,
                value: true,
            });
        }
        Ok(())
    }

    fn rule(&mut self) -> Result<ParsedRule, ParseError> {
        let line = self.here().0;
        self.word("rule")?;
        let (nl, nc) = self.here();
        let name = match self.peek().map(|t| t.tok.clone()) {
            Some(Tok::Word(w)) if crate::ir::is_rule_name(&w) && !KEYWORDS.contains(&w.as_str()) => {
                self.pos += 1;
                w
            }
            _ => {
                return Err(ParseError {
                    line: nl,
                    column: nc,
                    message: format!(
                        "expected a rule name (lowercase letters, digits and `_`, starting with a letter), found {}",
                        describe(self.peek())
                    ),
                })
            }
        };
        self.op(":")?;
        self.word("when")?;
        let mut conditions = Vec::new();
        let mut positions = Vec::new();
        if self.peek_word("always") {
            self.pos += 1;
        } else {
            loop {
                let at = self.here();
                let before = conditions.len();
                self.condition(&mut conditions)?;
                positions.extend(std::iter::repeat_n(at, conditions.len() - before));
                if self.peek_word("and") {
                    self.pos += 1;
                } else {
                    break;
                }
            }
        }
        if !self.peek_word("then") {
            return self.fail("`and` or `then`");
        }
        self.pos += 1;
        let target = self.name("the target column after `then`")?;
        self.op("=")?;
        let decision = self.value()?;
        Ok(ParsedRule {
            rule: Rule {
                name,
                conditions,
                decision,
                origin: Some("proposal".into()),
                evidence: None,
            },
            target,
            line,
            positions,
        })
    }
}

/// Parses DSL text into rules, without checking them against a schema.
pub fn parse(text: &str) -> Result<Vec<ParsedRule>, ParseError> {
    let toks = lex(text)?;
    let lines = text.split('\n').count();
    let last_col = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    let mut p = Parser {
        toks,
        pos: 0,
        end: (lines, last_col),
    };
    let mut rules = Vec::new();
    while p.peek().is_some() {
        let r = p.rule()?;
        if rules
            .iter()
            .any(|x: &ParsedRule| x.rule.name == r.rule.name)
        {
            return Err(ParseError {
                line: r.line,
                column: 1,
                message: format!("rule `{}` is defined twice", r.rule.name),
            });
        }
        rules.push(r);
    }
    Ok(rules)
}

/// Parses DSL text and checks every rule against the schema of `schema`
/// (its target, features and categories). Every problem is reported, each
/// with its line and column.
pub fn parse_for(text: &str, schema: &crate::ir::RuleSet) -> Result<Vec<Rule>, Vec<ParseError>> {
    use crate::ir::FeatureKind;
    let parsed = parse(text).map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    for p in &parsed {
        let at = |i: usize| p.positions.get(i).copied().unwrap_or((p.line, 1));
        if p.target != schema.target.name {
            errors.push(ParseError {
                line: p.line,
                column: 1,
                message: format!(
                    "rule `{}` decides `{}`, but the target is `{}`",
                    p.rule.name, p.target, schema.target.name
                ),
            });
        } else if schema.class_index(&p.rule.decision).is_none() {
            errors.push(ParseError {
                line: p.line,
                column: 1,
                message: format!(
                    "rule `{}` decides {}, which is not a class of `{}` (classes: {})",
                    p.rule.name,
                    print_string(&p.rule.decision),
                    schema.target.name,
                    schema
                        .target
                        .classes
                        .iter()
                        .map(|c| print_string(c))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
        for (i, cond) in p.rule.conditions.iter().enumerate() {
            let (line, column) = at(i);
            let mut push = |message: String| {
                errors.push(ParseError {
                    line,
                    column,
                    message,
                })
            };
            let Some(f) = schema.features.iter().find(|f| f.name == cond.feature()) else {
                push(format!(
                    "unknown column `{}`; columns are: {}",
                    cond.feature(),
                    schema
                        .features
                        .iter()
                        .map(|f| print_name(&f.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                continue;
            };
            match (cond, &f.kind) {
                (Condition::Cmp { .. }, FeatureKind::Numeric)
                | (Condition::Is { .. }, FeatureKind::Boolean) => {}
                (Condition::Missing { .. }, _) if f.nullable => {}
                (Condition::Missing { .. }, _) => push(format!(
                    "`{}` has no missing values in the data, so `is missing` never holds",
                    f.name
                )),
                (
                    Condition::In { values, .. } | Condition::NotIn { values, .. },
                    FeatureKind::Categorical { categories },
                ) => {
                    for v in values {
                        if !categories.contains(v) {
                            push(format!(
                                "{} is not a category of `{}` (categories: {})",
                                print_string(v),
                                f.name,
                                categories
                                    .iter()
                                    .map(|c| print_string(c))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ));
                        }
                    }
                }
                (_, kind) => push(format!(
                    "`{}` is {}, so {} does not apply",
                    f.name,
                    kind.describe(),
                    match cond {
                        Condition::Cmp { .. } => "a comparison",
                        Condition::Is { .. } => "a true/false test",
                        Condition::In { .. } | Condition::NotIn { .. } => "a category set",
                        Condition::Missing { .. } => "`is missing`",
                    }
                )),
            }
        }
        if let Some(why) = contradiction(&p.rule.conditions) {
            errors.push(ParseError {
                line: p.line,
                column: 1,
                message: format!("rule `{}` can never hold: {why}", p.rule.name),
            });
        }
    }
    if errors.is_empty() {
        Ok(parsed.into_iter().map(|p| p.rule).collect())
    } else {
        Err(errors)
    }
}

/// Why a conjunction can never hold, if it cannot.
pub fn contradiction(conditions: &[Condition]) -> Option<String> {
    for (i, a) in conditions.iter().enumerate() {
        for b in &conditions[i + 1..] {
            if a.feature() != b.feature() {
                continue;
            }
            let f = print_name(a.feature());
            match (a, b) {
                (Condition::Missing { .. }, other) | (other, Condition::Missing { .. })
                    if !matches!(other, Condition::Missing { .. }) =>
                {
                    return Some(format!("{f} cannot be missing and have a value"));
                }
                (Condition::Is { value: x, .. }, Condition::Is { value: y, .. }) if x != y => {
                    return Some(format!("{f} cannot be both true and false"));
                }
                (
                    Condition::Cmp {
                        op: o1, value: v1, ..
                    },
                    Condition::Cmp {
                        op: o2, value: v2, ..
                    },
                ) if o1.is_lower_bound() != o2.is_lower_bound() => {
                    let (lo, hi) = if o1.is_lower_bound() {
                        ((o1, v1), (o2, v2))
                    } else {
                        ((o2, v2), (o1, v1))
                    };
                    let empty = lo.1 > hi.1
                        || (lo.1 == hi.1
                            && !(matches!(lo.0, CmpOp::Ge) && matches!(hi.0, CmpOp::Le)));
                    if empty {
                        return Some(format!(
                            "{f} {} {} and {f} {} {}",
                            lo.0.as_str(),
                            print_number(*lo.1),
                            hi.0.as_str(),
                            print_number(*hi.1)
                        ));
                    }
                }
                (Condition::In { values: x, .. }, Condition::In { values: y, .. })
                    if !x.iter().any(|v| y.contains(v)) =>
                {
                    return Some(format!("the category sets on {f} do not overlap"));
                }
                (Condition::In { values: x, .. }, Condition::NotIn { values: y, .. })
                | (Condition::NotIn { values: y, .. }, Condition::In { values: x, .. })
                    if x.iter().all(|v| y.contains(v)) =>
                {
                    return Some(format!("every category allowed on {f} is also excluded"));
                }
                _ => {}
            }
        }
    }
    None
}

/// Prints rules as a DSL file that [`parse`] reads back.
pub fn print_rules(rules: &[Rule], target: &str) -> String {
    rules
        .iter()
        .map(|r| print_rule(r, target))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_the_design_example() {
        let rule = Rule {
            name: "short_light_to_b".into(),
            conditions: vec![
                Condition::Cmp {
                    feature: "distance_mi".into(),
                    op: CmpOp::Lt,
                    value: 50.0,
                },
                Condition::Cmp {
                    feature: "weight_lb".into(),
                    op: CmpOp::Lt,
                    value: 5.0,
                },
                Condition::In {
                    feature: "zone".into(),
                    values: vec!["east".into(), "north".into()],
                },
                Condition::Is {
                    feature: "express".into(),
                    value: false,
                },
            ],
            decision: "B".into(),
            origin: None,
            evidence: None,
        };
        assert_eq!(
            print_rule(&rule, "cheapest_shipper"),
            "rule short_light_to_b:\n  when distance_mi < 50 and weight_lb < 5 and zone in {\"east\", \"north\"} and not express\n  then cheapest_shipper = \"B\"\n"
        );
    }

    #[test]
    fn quotes_awkward_names_and_strings() {
        assert_eq!(print_name("mean radius"), "`mean radius`");
        assert_eq!(print_name("in"), "`in`");
        assert_eq!(print_name("a`b"), "`a\\`b`");
        assert_eq!(print_string("\"); panic!(\""), "\"\\\"); panic!(\\\"\"");
        assert_eq!(print_number(0.1), "0.1");
        assert_eq!(print_number(1e300).len(), 301);
    }

    use crate::ir::{Certification, Feature, FeatureKind, RuleSet, Target};
    use proptest::prelude::*;

    fn schema() -> RuleSet {
        RuleSet {
            schema_version: 1,
            target: Target {
                name: "cheapest_shipper".into(),
                classes: vec!["A".into(), "B".into()],
                tolerance: None,
            },
            features: vec![
                Feature {
                    name: "distance_mi".into(),
                    kind: FeatureKind::Numeric,
                    nullable: false,
                },
                Feature {
                    name: "express".into(),
                    kind: FeatureKind::Boolean,
                    nullable: false,
                },
                Feature {
                    name: "zone".into(),
                    kind: FeatureKind::Categorical {
                        categories: vec!["east".into(), "north".into()],
                    },
                    nullable: true,
                },
            ],
            rules: vec![],
            certification: Certification {
                precision: 0.95,
                confidence: 0.95,
                method: "wilson".into(),
                scope: Default::default(),
                tests: Vec::new(),
            },
            provenance: None,
            summary: None,
            rejected: Vec::new(),
        }
    }

    fn errors(text: &str) -> Vec<String> {
        match parse_for(text, &schema()) {
            Ok(_) => vec![],
            Err(es) => es.iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn parses_the_design_example_with_comments_and_ranges() {
        let text = "# proposals from the ops team\nrule short_to_b:  # the classic\n  when 0 <= distance_mi < 50 and zone in {\"north\", \"east\"} and not express\n  then cheapest_shipper = \"B\"\n\nrule missing_zone:\n  when zone is missing and express\n  then cheapest_shipper = \"A\"\n";
        let rules = parse_for(text, &schema()).unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(
            print_conditions(&rules[0].conditions),
            "distance_mi >= 0 and distance_mi < 50 and zone in {\"east\", \"north\"} and not express"
        );
        assert_eq!(
            print_conditions(&rules[1].conditions),
            "zone is missing and express"
        );
    }

    #[test]
    fn errors_name_line_column_and_expectation() {
        assert_eq!(
            errors("rule a:\n  when distance_mi < \n  then cheapest_shipper = \"B\""),
            ["line 3, column 3: expected a number, found `then`"]
        );
        assert_eq!(
            errors("rule a:\n  when distance_mi < 5\n  cheapest_shipper = \"B\""),
            ["line 3, column 3: expected `and` or `then`, found `cheapest_shipper`"]
        );
        assert_eq!(errors("rule A:"), ["line 1, column 6: expected a rule name (lowercase letters, digits and `_`, starting with a letter), found `A`"]);
        assert_eq!(
            errors("rule a: when x < 1 then cheapest_shipper = \"B\"")[0],
            "line 1, column 14: unknown column `x`; columns are: distance_mi, express, zone"
        );
        assert_eq!(
            errors("rule a: when zone < 1 then cheapest_shipper = \"B\"")[0],
            "line 1, column 14: `zone` is categorical, so a comparison does not apply"
        );
        assert_eq!(errors("rule a: when zone in {\"west\"} then cheapest_shipper = \"B\"")[0], "line 1, column 14: \"west\" is not a category of `zone` (categories: \"east\", \"north\")");
        assert_eq!(
            errors(
                "rule a: when distance_mi < 5 and distance_mi > 10 then cheapest_shipper = \"B\""
            )[0],
            "line 1, column 1: rule `a` can never hold: distance_mi > 10 and distance_mi < 5"
        );
        assert_eq!(errors("rule a: when always then cheapest_shipper = \"Z\"")[0], "line 1, column 1: rule `a` decides \"Z\", which is not a class of `cheapest_shipper` (classes: \"A\", \"B\")");
        assert_eq!(
            errors("rule a: when zone in {\"east"),
            ["line 1, column 23: unterminated string"]
        );
        // Every problem is reported, not just the first.
        assert_eq!(
            errors("rule a: when x < 1 and y then cheapest_shipper = \"B\"").len(),
            2
        );
    }

    fn name() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z_][a-z0-9_]{0,8}",
            any::<String>(),
            Just("in".to_string()),
            Just("a`b\\c".to_string()),
        ]
    }

    fn condition() -> impl Strategy<Value = Condition> {
        let op = prop_oneof![
            Just(CmpOp::Lt),
            Just(CmpOp::Le),
            Just(CmpOp::Gt),
            Just(CmpOp::Ge)
        ];
        let values = proptest::collection::btree_set(any::<String>(), 1..4)
            .prop_map(|s| s.into_iter().collect::<Vec<_>>());
        prop_oneof![
            (
                name(),
                op,
                any::<f64>().prop_filter("finite", |x| x.is_finite())
            )
                .prop_map(|(feature, op, value)| Condition::Cmp { feature, op, value }),
            (name(), any::<bool>()).prop_map(|(feature, value)| Condition::Is { feature, value }),
            (name(), values.clone())
                .prop_map(|(feature, values)| Condition::In { feature, values }),
            (name(), values).prop_map(|(feature, values)| Condition::NotIn { feature, values }),
            name().prop_map(|feature| Condition::Missing { feature }),
        ]
    }

    proptest! {
        #[test]
        fn print_then_parse_gives_the_same_rule(
            rule_name in "[a-z][a-z0-9_]{0,10}".prop_filter("not a keyword", |n| !KEYWORDS.contains(&n.as_str())),
            conditions in proptest::collection::vec(condition(), 0..5),
            target in name(),
            decision in any::<String>(),
        ) {
            let rule = Rule { name: rule_name, conditions, decision, origin: Some("proposal".into()), evidence: None };
            let text = print_rule(&rule, &target);
            let parsed = parse(&text).map_err(|e| TestCaseError::fail(format!("{e} in\n{text}")))?;
            prop_assert_eq!(parsed.len(), 1);
            prop_assert_eq!(&parsed[0].rule, &rule);
            prop_assert_eq!(&parsed[0].target, &target);
        }
    }
}

/// Schemas for the tests of other modules.
#[cfg(test)]
pub(crate) mod tests_support {
    use crate::ir::{Certification, Feature, FeatureKind, RuleSet, Target};

    /// One numeric column `x`, target `y` with classes `p`, `q`.
    pub(crate) fn schema_x() -> RuleSet {
        RuleSet {
            schema_version: 1,
            target: Target {
                name: "y".into(),
                classes: vec!["p".into(), "q".into()],
                tolerance: None,
            },
            features: vec![Feature {
                name: "x".into(),
                kind: FeatureKind::Numeric,
                nullable: false,
            }],
            rules: vec![],
            certification: Certification {
                precision: 0.95,
                confidence: 0.95,
                method: "wilson".into(),
                scope: Default::default(),
                tests: Vec::new(),
            },
            provenance: None,
            summary: None,
            rejected: Vec::new(),
        }
    }
}
