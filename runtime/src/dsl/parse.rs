//! Parsing the DSL, with errors that name the line and column, and the
//! checks of parsed rules against a rule set's schema.

use super::print::{print_name, print_number, print_string, print_sum, KEYWORDS};
use crate::ir::{twice_in_sum, CmpOp, Condition, Rule};

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
                        let message = if close == '"' {
                            "string not closed on its line (a `\"` is missing; a line break inside \
                             a string is written \\n)"
                        } else {
                            "quoted name not closed on its line (the closing backtick is missing \
                             after the column's name; a line break inside it is written \\n)"
                        };
                        return Err(err(tl, tc, message.into()));
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
            // `+` and `-` between column names add and subtract them; before
            // a digit they are a number's sign.
            '+' | '-'
                if !chars
                    .get(i + 1)
                    .is_some_and(|d| d.is_ascii_digit() || *d == '.') =>
            {
                advance(1, &mut i, &mut col);
                toks.push(Token {
                    tok: Tok::Op(if c == '+' { "+" } else { "-" }),
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
                // A number written with a digit other than 0 before its
                // exponent that reads as 0 is too small for a double: not
                // the number written.
                let mantissa = s.split(['e', 'E']).next().unwrap_or_default();
                let nonzero = mantissa.chars().any(|c| c.is_ascii_digit() && c != '0');
                match s.parse::<f64>() {
                    Ok(x) if x == 0.0 && nonzero => {
                        return Err(err(
                            tl,
                            tc,
                            format!("`{s}` is too small for a double: it reads as 0"),
                        ))
                    }
                    Ok(x) if x.is_finite() => toks.push(Token {
                        tok: Tok::Num(x),
                        line: tl,
                        column: tc,
                    }),
                    _ if s.starts_with("0x") || s.starts_with("0X") => {
                        return Err(err(
                            tl,
                            tc,
                            format!("`{s}` is hexadecimal; numbers are written in decimal"),
                        ))
                    }
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
    /// Position of the target's name after `then`, and of the decision.
    pub then_at: (usize, usize),
    /// Position of the decision after `=`.
    pub decision_at: (usize, usize),
}

/// A column name, or the terms of a sum: the added columns (the first
/// always), then the subtracted ones, each in the order written.
type Terms = (Vec<String>, Vec<String>);

/// `x op value` on one column, or on a sum of several.
fn compare((mut features, minus): Terms, op: CmpOp, value: f64) -> Condition {
    if features.len() == 1 && minus.is_empty() {
        Condition::Cmp {
            feature: features.remove(0),
            op,
            value,
        }
    } else {
        Condition::Sum {
            features,
            minus,
            op,
            value,
        }
    }
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

    /// Whether `+` or `-` comes next, and which.
    fn peek_sign(&self) -> Option<&'static str> {
        match self.peek() {
            Some(Token {
                tok: Tok::Op(op @ ("+" | "-")),
                ..
            }) => Some(op),
            _ => None,
        }
    }

    /// The terms after a first column name: `+ name` or `- name`, repeated.
    fn more_terms(&mut self, first: String) -> Result<Terms, ParseError> {
        let (mut plus, mut minus) = (vec![first], Vec::new());
        while let Some(sign) = self.peek_sign() {
            self.pos += 1;
            if sign == "+" {
                plus.push(self.name("a column name after `+`")?);
            } else {
                minus.push(self.name("a column name after `-`")?);
            }
        }
        Ok((plus, minus))
    }

    /// A column name, or a sum of them (`a + b - c`).
    fn terms(&mut self, what: &str) -> Result<Terms, ParseError> {
        let first = self.name(what)?;
        self.more_terms(first)
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
            let terms = self.terms("a column name")?;
            let Some(op2) = self.cmp() else {
                return self.fail(
                    "a second comparison to close the range (a single comparison puts the column first: `x < 500`)",
                );
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
            out.push(compare(terms.clone(), flip(op1), lo));
            out.push(compare(terms, op2, hi));
            return Ok(());
        }
        let feature = self.name("a condition (a column name, `not`, or a range)")?;
        if self.peek_sign().is_some() {
            let terms = self.more_terms(feature)?;
            let Some(op) = self.cmp() else {
                return self.fail("`<`, `<=`, `>` or `>=` after a sum of columns");
            };
            let value = self.number()?;
            out.push(compare(terms, op, value));
        } else if let Some(op) = self.cmp() {
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
            Some(Tok::Word(w)) if KEYWORDS.contains(&w.as_str()) => {
                return Err(ParseError {
                    line: nl,
                    column: nc,
                    message: format!(
                        "`{w}` is a word of the rule language and cannot name a rule; expected a rule name (lowercase letters, digits and `_`, starting with a letter)"
                    ),
                })
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
            if self.peek_word("and") {
                let (line, column) = self.here();
                return Err(ParseError {
                    line,
                    column,
                    message: "`always` stands alone: a rule with conditions lists them after `when` without it; expected `then`".into(),
                });
            }
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
        let then_at = self.here();
        let target = self.name("the target column after `then`")?;
        // `==` reads as `=` here as in a condition.
        if matches!(
            self.peek(),
            Some(Token {
                tok: Tok::Op("=="),
                ..
            })
        ) {
            self.pos += 1;
        } else {
            self.op("=")?;
        }
        let decision_at = self.here();
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
            then_at,
            decision_at,
        })
    }
}

/// The first categories of a list, printed, and how many more: a column
/// of hundreds is not a screenful in every message.
fn some_of(categories: &[String]) -> String {
    const SHOWN: usize = 20;
    let mut out: Vec<String> = categories
        .iter()
        .take(SHOWN)
        .map(|c| print_string(c))
        .collect();
    if categories.len() > SHOWN {
        out.push(format!("and {} more", categories.len() - SHOWN));
    }
    out.join(", ")
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
                line: p.then_at.0,
                column: p.then_at.1,
                message: format!(
                    "rule `{}` decides `{}`, but the target is `{}`",
                    p.rule.name, p.target, schema.target.name
                ),
            });
        } else if schema.class_index(&p.rule.decision).is_none() {
            errors.push(ParseError {
                line: p.decision_at.0,
                column: p.decision_at.1,
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
        let columns = || {
            schema
                .features
                .iter()
                .map(|f| print_name(&f.name))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let names: Vec<String> = schema.features.iter().map(|f| f.name.clone()).collect();
        // `unknown column `x`; did you mean `y`? columns are: …`
        let unknown = |name: &str| {
            let near = super::near_name(name, &names)
                .map(|one| format!("did you mean `{one}`? "))
                .unwrap_or_default();
            format!("unknown column `{name}`; {near}columns are: {}", columns())
        };
        for (i, cond) in p.rule.conditions.iter().enumerate() {
            let (line, column) = at(i);
            let mut push = |message: String| {
                errors.push(ParseError {
                    line,
                    column,
                    message,
                })
            };
            if let Condition::Sum {
                features, minus, ..
            } = cond
            {
                for name in features.iter().chain(minus) {
                    match schema.features.iter().find(|f| &f.name == name) {
                        None => push(unknown(name)),
                        Some(f) if f.kind != FeatureKind::Numeric => push(format!(
                            "`{}` is {}, so it cannot be a term of a sum",
                            f.name,
                            f.kind.describe()
                        )),
                        Some(_) => {}
                    }
                }
                if let Some(twice) = twice_in_sum(features, minus) {
                    push(twice);
                }
                continue;
            }
            let Some(f) = schema.features.iter().find(|f| f.name == cond.feature()) else {
                if cond.feature() == schema.target.name {
                    push(format!(
                        "`{}` is the target: a rule decides it after `then`, and its conditions read the other columns ({})",
                        cond.feature(),
                        columns()
                    ));
                } else {
                    push(unknown(cond.feature()));
                }
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
                                some_of(categories)
                            ));
                        }
                    }
                    // An unknown category satisfies no `not in`: one that
                    // refuses every known category holds for no row.
                    if matches!(cond, Condition::NotIn { .. })
                        && categories.iter().all(|c| values.contains(c))
                    {
                        push(format!(
                            "rule `{}` can never hold: `{} not in {{..}}` refuses every category of `{}`, and an unknown one satisfies no `not in`",
                            p.rule.name,
                            print_name(&f.name),
                            f.name
                        ));
                    }
                }
                (_, kind) => push(format!(
                    "`{}` is {}, so {} does not apply{}",
                    f.name,
                    kind.describe(),
                    match cond {
                        Condition::Cmp { .. } => "a comparison",
                        Condition::Is { .. } => "a true/false test",
                        Condition::In { .. } | Condition::NotIn { .. } => "a category set",
                        Condition::Missing { .. } => "`is missing`",
                        Condition::Sum { .. } => "a sum",
                    },
                    // A text value on a boolean column (`= "yes"`): say how
                    // booleans are tested.
                    match (cond, kind) {
                        (Condition::In { .. } | Condition::NotIn { .. }, FeatureKind::Boolean) => {
                            let name = print_name(&f.name);
                            // A name in backticks is code already.
                            let code = |text: String| {
                                if name.starts_with('`') {
                                    text
                                } else {
                                    format!("`{text}`")
                                }
                            };
                            format!(
                                "; test it as {}, {}, {} or {}",
                                code(name.clone()),
                                code(format!("not {name}")),
                                code(format!("{name} = true")),
                                code(format!("{name} = false"))
                            )
                        }
                        _ => String::new(),
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
            if a.terms() != b.terms() {
                continue;
            }
            let (plus, minus) = a.terms();
            let f = print_sum(plus, minus);
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
                    }
                    | Condition::Sum {
                        op: o1, value: v1, ..
                    },
                    Condition::Cmp {
                        op: o2, value: v2, ..
                    }
                    | Condition::Sum {
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
