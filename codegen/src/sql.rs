//! The SQL backend: a [`RuleSet`] becomes SQL text that decides every row of
//! a table where the data already lives, in one of three [`Dialect`]s (ANSI,
//! Spark, Polars).
//!
//! - [`decision_expr`] and [`rule_expr`]: `CASE` expressions giving the
//!   decision and the deciding rule's name, `NULL` where no rule covers the
//!   row (the fallback's rows);
//! - [`select`] and [`view`]: the table with both as two more columns,
//!   [`DECISION_COLUMN`] (`rulec_decision`) and [`RULE_COLUMN`]
//!   (`rulec_rule`);
//! - [`evidence_query`]: one aggregation giving, per rule, the rows it
//!   answers and how many of them it gets right (against a label column) and
//!   agrees with the teacher (against a teacher column), plus one row, with
//!   a `NULL` rule, for the rows no rule covers.
//!
//! # Semantics
//!
//! The SQL decides exactly as [`rulec_runtime::Evaluator`] and the generated
//! Rust crate do. Rules become `WHEN` branches in order, so the first rule
//! whose conditions all hold wins. SQL's three-valued logic makes a
//! comparison with `NULL` unknown, and a `WHEN` that is unknown does not
//! fire; `NOT` of unknown is unknown too, so no condition is ever written as
//! a negation: each is a positive predicate that is true exactly when the
//! interpreter's test holds.
//!
//! - **Missing values** are SQL `NULL`. `x is missing` is `x IS NULL`; every
//!   other test on a `NULL` is unknown, so it does not hold. NaN is not
//!   missing (`NaN IS NULL` is false in Spark and Polars), as in the
//!   interpreter.
//! - **Numbers**: `x < t` and the like. A threshold is written in
//!   scientific notation with Rust's shortest round-trip digits (`5.0E1`,
//!   `2.50025E3`, `1.0E-1`, `5.0E-324`, `-0.0E0`), read back on the way out
//!   to check that it is the same `f64` bit for bit, and typed as a double
//!   so the engine compares in double arithmetic, never in DECIMAL:
//!   ANSI `CAST(5.0E1 AS DOUBLE PRECISION)` (an exponent literal is
//!   approximate numeric in standard SQL, and an engine that reads a plain
//!   `2500.25` as DECIMAL would round it twice on the way to a double);
//!   Spark `5.0E1D` (the `D` suffix makes a DOUBLE, parsed with Java's
//!   correctly rounded `toDouble`; a bare `2500.25` would be DECIMAL);
//!   Polars `5.0E1` (polars-sql reads a literal with an exponent as `f64`
//!   with Rust's parser, while newer versions read a plain `2500.25` as a
//!   Decimal whose conversion to `f64` is not correctly rounded). Polars
//!   casts a literal to the column's type, so a `Float32` column would be
//!   compared with `2.6` rounded to `f32`: there the column is read as
//!   `CAST("x" AS DOUBLE)`; the other dialects widen the column to the
//!   literal's double already.
//! - **Sums** (`a + b - c`): every term `CAST(.. AS DOUBLE PRECISION)`
//!   (Spark, Polars: `DOUBLE`), added left to right, as the interpreter
//!   adds `f64`s: in their own type, integers would wrap (polars) or
//!   overflow (DuckDB).
//! - **NaN** satisfies no comparison in the interpreter. Spark and Polars
//!   order NaN above every number, `+∞` included, and make `NaN = NaN` true,
//!   so `NaN < t` and `NaN <= t` are already false there, but `NaN > t` and
//!   `NaN >= t` would be true: those two get a guard. Spark:
//!   ``(`x` > 5.0E1D AND NOT isnan(`x`))`` (`isnan(NULL)` is false, and the
//!   comparison is unknown for `NULL` anyway). Polars SQL has no `isnan`
//!   function: `("x" > 5.0E1 AND "x" <= 1.0E999)`, where `1.0E999` reads as
//!   `+∞` and NaN is the only value above it (under IEEE comparisons, as in
//!   older Polars versions, `NaN <= +∞` is false too). ANSI adds no guard
//!   on a column: standard SQL has no NaN (SQLite stores NaN as `NULL`, so
//!   a NaN row there is treated as missing); PostgreSQL and DuckDB can
//!   store NaN and order it above every number, so there a NaN would
//!   satisfy `>` and `>=`: turn NaN into `NULL` before deciding, or use a
//!   guarded dialect. A sum can be NaN with no NaN in the data (`+∞ - +∞`,
//!   `1e308 + 1e308 - ∞`): its `>` and `>=` hold only when no step of the
//!   addition, left to right, adds an infinity to a partial sum infinite
//!   the other way: `(s >= t AND NOT ((a > MAX AND b > MAX) OR (a < -MAX
//!   AND b < -MAX)))` for `s = a - b`, `MAX` the largest finite double.
//! - **Booleans**: `x = TRUE` or `x = FALSE` (a `NULL` satisfies neither).
//!   The column holds booleans, or `1`/`0` in engines without a boolean type
//!   (SQLite).
//! - **Categories**: `x IN ('a', 'b')`. An unknown category (a value outside
//!   the feature's known categories) satisfies neither `in` nor `not in`, so
//!   `x not in {a}` becomes `x IN (<the known categories other than a>)`:
//!   true exactly for a known category outside the set, unknown for `NULL`,
//!   false for anything else. A `not in` that refuses every known category
//!   never holds, and its rule is left out, as the Rust backend does.
//!   Categorical columns hold text; comparisons are exact, byte for byte
//!   (an engine collation that ignores case or trailing spaces would
//!   differ).
//! - A rule without conditions covers every row: it becomes the `ELSE` of
//!   the `CASE`, and rules after it never fire. Without any rule that can
//!   fire, the expression is a typed `NULL`.
//! - **Numeric targets** (`target.tolerance` set): the decision is the
//!   rule's value as a double literal, as the generated crate's
//!   `Decision::value`; otherwise it is the class label as a string.
//!
//! # Evidence
//!
//! [`evidence_query`] counts each row for the first rule that covers it, as
//! the interpreter's `decide` does, in one pass: a subquery computes the
//! rule and decision of every row, the outer query groups by rule. A label
//! (or teacher) value counts as right when, for classes, its text equals the
//! decided label: the column is compared as `CAST(.. AS VARCHAR)` (Spark:
//! `STRING`), so the labels must read the same as text as they did when the
//! rules were compiled (a target of integers compiled as `1` matches an
//! integer column, whose text is `1`, but a DOUBLE column would read
//! `1.0`), but for the classes `true` and `false`, which match their word
//! in any case (`True`, `TRUE`, as pandas and R write booleans). For a numeric target the column is read as
//! `CAST(.. AS DOUBLE PRECISION)` (Spark, Polars: `DOUBLE`) and counts as
//! right within the tolerance: `ABS(label - decision) <= tolerance`. A
//! `NULL` label is never right; with a label column, `labelled` counts the
//! rows answered that have a label, which precision is `correct` over
//! (`support` counts every row answered). The result has one row per rule that
//! answers at least one row, in rule order, and last the uncovered rows
//! (rule `NULL`); rules that answer no row have no row.
//!
//! # Quoting and escaping
//!
//! Every identifier is quoted and every string from the data is an escaped
//! literal, so no column name, category, class or table name can end its
//! quotes and inject SQL:
//!
//! - ANSI and Polars: identifiers in `"…"` with `"` doubled; strings in
//!   `'…'` with `'` doubled. Nothing else is special inside either (Polars
//!   parses with sqlparser's generic dialect, where a backslash is not an
//!   escape), so other characters, line breaks included, stay as they are.
//! - Spark: identifiers in backticks with `` ` `` doubled; strings in
//!   `'…'` with backslash escapes, which Spark applies by default
//!   (`spark.sql.parser.escapedStringLiterals=false`): `\` becomes `\\`,
//!   `'` becomes `\'`, and `$` and control characters become `\uXXXX`.
//!   `''` is never used for a quote: Spark 3 reads it as two adjacent
//!   literals (Spark 4.3 reads a quote). `$` is escaped because Spark
//!   substitutes `${name}` anywhere in the SQL text before parsing
//!   (`spark.sql.variable.substitute`), literals included; for the same
//!   reason an identifier containing `${` is refused with
//!   [`Error::SparkVariable`], since identifiers have no escapes. With
//!   `escapedStringLiterals=true` the text still cannot break out of its
//!   quotes, but the values would keep their backslashes.
//! - A NUL character cannot be carried by SQL text in most engines (C APIs
//!   end the statement there; PostgreSQL refuses it): a name or value that
//!   holds one is refused with [`Error::Nul`].
//! - Text from data in the `--` header comments goes through
//!   [`comment_text`]: line breaks, other control characters, bidirectional
//!   controls, `\`, `"` and `$` are escaped, so nothing can end the comment
//!   or hide text. The expressions themselves carry no comments, so they
//!   can be put on one line or inside any other statement.
//!
//! Identifiers are one name each: a table name `db.t` is the table called
//! `db.t`, not `t` in `db`. Spark resolves column names ignoring case (as
//! does SQLite), so two features that differ only in case are ambiguous
//! there.
//!
//! # How it is tested
//!
//! `tests/sql.rs` runs the ANSI text on SQLite (through Python's `sqlite3`)
//! and, where Python has `polars`, the Polars text on Polars, NaN included,
//! and compares every row's decision and rule, and the evidence counts,
//! with the interpreter; the Spark text is checked against a lexer written
//! from Spark's grammar (strings, backquoted identifiers, comments,
//! variable substitution). The compiler's `tests/sql_engine.rs` runs the
//! Polars text in the polars Rust crate's own SQL engine (`rulec validate
//! --engine sql`), NaN guards included, and the Spark text in pyspark
//! (local mode, ANSI mode off and on), on hostile names and values, against
//! `rulec apply` and `rulec validate`.

use std::fmt;
use std::str::FromStr;

use rulec_runtime::ir::{CmpOp, Condition, FeatureKind, Rule, RuleSet};

/// The column [`select`] and [`view`] add for the decision.
pub const DECISION_COLUMN: &str = "rulec_decision";

/// The column [`select`] and [`view`] add for the deciding rule's name.
pub const RULE_COLUMN: &str = "rulec_rule";

/// The first line of every generated statement (after `-- `).
pub const GENERATED_MARKER: &str = "@generated by rulec; not intended for manual editing.";

/// The SQL dialect to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// Standard SQL: `"ident"`, `CAST(.. AS DOUBLE PRECISION)`. Runs on
    /// SQLite, PostgreSQL, DuckDB and others (see the module docs on NaN).
    Ansi,
    /// Spark SQL (and Databricks): `` `ident` ``, `1.0E0D` doubles,
    /// backslash-escaped strings, NaN guards with `isnan`.
    Spark,
    /// Polars' SQL interface (`SQLContext`): `"ident"`, exponent-form
    /// doubles, NaN guards against `+∞`. Has no views.
    Polars,
}

/// What can go wrong when writing SQL.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The rule set fails [`RuleSet::check`].
    #[error(transparent)]
    Invalid(#[from] rulec_runtime::Error),
    /// A dialect name that is not `ansi`, `spark` or `polars`.
    #[error("unknown SQL dialect `{0}`; expected `ansi`, `spark` or `polars`")]
    UnknownDialect(String),
    /// A name or value holds a NUL character, which SQL text cannot carry.
    #[error("the {what} {} holds a NUL character, which SQL text cannot carry", comment_text(.text))]
    Nul {
        /// What the text is (`column name`, `category of "zone"`, ...).
        what: String,
        /// The text, as given.
        text: String,
    },
    /// A name holds `${`, which Spark would replace with a variable's value
    /// before parsing, and a Spark identifier has no escape for it.
    #[error("the {what} {} holds `${{`, which Spark substitutes before parsing", comment_text(.text))]
    SparkVariable {
        /// What the text is.
        what: String,
        /// The text, as given.
        text: String,
    },
    /// A feature or the target has the name of a column [`select`] adds.
    #[error("column {} has the name of an output column; rename it", comment_text(.0))]
    ColumnClash(String),
    /// A number that SQL cannot write: not finite, or a decision of a
    /// numeric target that is not a number.
    #[error("`{0}` is not a finite number")]
    NotANumber(String),
    /// The dialect has no such statement.
    #[error("{what} is not supported in the {dialect} dialect")]
    Unsupported {
        /// The dialect.
        dialect: Dialect,
        /// The statement (`CREATE VIEW`).
        what: &'static str,
    },
}

/// The `CASE` expression giving each row's decision: the decided class as
/// a string, or for a numeric target the decided value as a double; `NULL`
/// where no rule covers the row. No comments, so it fits anywhere an
/// expression does.
pub fn decision_expr(set: &RuleSet, dialect: Dialect) -> Result<String, Error> {
    let emitter = Emitter::new(set, dialect)?;
    emitter.decision_case("")
}

/// The `CASE` expression giving the name of the rule that decides each row,
/// `NULL` where no rule covers it. Its branches are those of
/// [`decision_expr`], in the same order.
pub fn rule_expr(set: &RuleSet, dialect: Dialect) -> Result<String, Error> {
    let emitter = Emitter::new(set, dialect)?;
    emitter.rule_case("")
}

/// `SELECT *, <decision> AS "rulec_decision", <rule> AS "rulec_rule" FROM
/// "<table>"`, with a header comment. Fails with [`Error::ColumnClash`]
/// when a feature or the target is named like an output column (ignoring
/// case, as Spark and SQLite do); other columns of the table must not be
/// named so either.
pub fn select(set: &RuleSet, dialect: Dialect, table: &str) -> Result<String, Error> {
    let emitter = Emitter::new(set, dialect)?;
    let mut out = emitter.header(&[
        format!(
            "Adds {} (the decision, NULL where no rule covers the row) and {} (the deciding rule's name).",
            comment_text(DECISION_COLUMN),
            comment_text(RULE_COLUMN),
        ),
    ]);
    out.push_str(&emitter.select_body(table)?);
    Ok(out)
}

/// `CREATE VIEW "<view_name>" AS SELECT ...` over [`select`]. Polars has no
/// views: [`Error::Unsupported`] there (register the result of [`select`]
/// as a table instead).
pub fn view(
    set: &RuleSet,
    dialect: Dialect,
    table: &str,
    view_name: &str,
) -> Result<String, Error> {
    if dialect == Dialect::Polars {
        return Err(Error::Unsupported {
            dialect,
            what: "CREATE VIEW",
        });
    }
    let emitter = Emitter::new(set, dialect)?;
    let mut out = emitter.header(&[format!(
        "The view adds {} (the decision, NULL where no rule covers the row) and {} (the deciding rule's name).",
        comment_text(DECISION_COLUMN),
        comment_text(RULE_COLUMN),
    )]);
    let name = quote_table(view_name, dialect, "view name")?;
    out.push_str(&format!("CREATE VIEW {name} AS\n"));
    out.push_str(&emitter.select_body(table)?);
    Ok(out)
}

/// One aggregation query giving, per rule, `"rulec_rule"`, `"support"` (rows
/// it answers, first match wins), `"correct"` (of those, rows where
/// `target_column` equals the decision; only with a target column) and
/// `"agree_teacher"` (rows where `teacher_column` equals the decision; only
/// with a teacher column), in rule order, then one row with a `NULL` rule
/// for the rows no rule covers. See the module docs for how labels compare.
pub fn evidence_query(
    set: &RuleSet,
    dialect: Dialect,
    table: &str,
    target_column: Option<&str>,
    teacher_column: Option<&str>,
) -> Result<String, Error> {
    let emitter = Emitter::new(set, dialect)?;
    let q = |name: &str| quote_ident(name, dialect, "output column");
    let (rule, decision) = (q(RULE_COLUMN)?, q(DECISION_COLUMN)?);
    let (target_alias, teacher_alias) = (q("rulec_target")?, q("rulec_teacher")?);
    let mut header =
        vec!["Per rule, first match wins: support (rows the rule answers)".to_string()];
    let mut inner = vec![
        format!("{} AS {rule}", emitter.rule_case("    ")?),
        format!("{} AS {decision}", emitter.decision_case("    ")?),
    ];
    let mut outer = vec![rule.clone(), format!("COUNT(*) AS {}", q("support")?)];
    // The rows with a label, which precision is counted over: `correct`
    // divided by `support` would count an unlabelled row as a wrong one.
    if target_column.is_some() {
        outer.push(format!(
            "SUM(CASE WHEN {target_alias} IS NOT NULL THEN 1 ELSE 0 END) AS {}",
            q("labelled")?
        ));
        header.push("labelled (of those, rows with a label)".to_string());
    }
    for (column, alias, out_name, what) in [
        (target_column, &target_alias, "correct", "label column"),
        (
            teacher_column,
            &teacher_alias,
            "agree_teacher",
            "teacher column",
        ),
    ] {
        let Some(name) = column else { continue };
        let column = quote_ident(name, dialect, what)?;
        inner.push(format!("{} AS {alias}", emitter.label_cast(&column)));
        outer.push(format!(
            "SUM(CASE WHEN {} THEN 1 ELSE 0 END) AS {}",
            emitter.label_matches(alias, &decision)?,
            q(out_name)?
        ));
        header.push(format!(
            "{out_name} (rows where {} {})",
            comment_text(name),
            match set.target.tolerance {
                None => "equals the decision as text".to_string(),
                Some(t) => format!(
                    "is within {} of the decision",
                    rulec_runtime::dsl::print_number(t)
                ),
            }
        ));
    }
    let mut names: Vec<String> = Vec::with_capacity(set.rules.len());
    for (rule_idx, r) in set.rules.iter().enumerate() {
        names.push(format!(
            "    WHEN {} THEN {rule_idx}",
            quote_string(&r.name, dialect, "rule name")?
        ));
    }
    let order = if names.is_empty() {
        rule.clone()
    } else {
        format!(
            "CASE {rule}\n{}\n    ELSE {}\n  END",
            names.join("\n"),
            set.rules.len()
        )
    };
    let mut out = emitter.header(&[format!(
        "{}; the row with a NULL rule counts the rows no rule covers.",
        header.join(", ")
    )]);
    out.push_str("SELECT\n  ");
    out.push_str(&outer.join(",\n  "));
    out.push_str("\nFROM (\n  SELECT\n    ");
    out.push_str(&inner.join(",\n    "));
    out.push_str(&format!(
        "\n  FROM {}\n) AS {}\nGROUP BY {rule}\nORDER BY\n  {order}\n",
        quote_table(table, dialect, "table name")?,
        q("rulec_rows")?
    ));
    Ok(out)
}

/// A table or view name as `dialect` reads it: in ANSI and Spark SQL a dot
/// separates a schema (or database) from the table, each part quoted
/// ([`quote_ident`]): `analytics.orders` is `"analytics"."orders"`; in the
/// polars dialect, whose tables are the frames registered by name, and
/// for a name with an empty part, the whole name is one identifier.
pub fn quote_table(name: &str, dialect: Dialect, what: &str) -> Result<String, Error> {
    let parts: Vec<&str> = name.split('.').collect();
    if dialect == Dialect::Polars || parts.iter().any(|p| p.is_empty()) {
        return quote_ident(name, dialect, what);
    }
    let quoted = parts
        .iter()
        .map(|p| quote_ident(p, dialect, what))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(quoted.join("."))
}

/// `name` as a quoted identifier of `dialect`: `"a""b"` (ANSI, Polars) or
/// `` `a``b` `` (Spark). `what` names the text in errors. Fails on a NUL
/// character, and in Spark on `${`.
pub fn quote_ident(name: &str, dialect: Dialect, what: &str) -> Result<String, Error> {
    refuse_nul(name, what)?;
    Ok(match dialect {
        Dialect::Ansi | Dialect::Polars => format!("\"{}\"", name.replace('"', "\"\"")),
        Dialect::Spark => {
            if name.contains("${") {
                return Err(Error::SparkVariable {
                    what: what.to_string(),
                    text: name.to_string(),
                });
            }
            format!("`{}`", name.replace('`', "``"))
        }
    })
}

/// `text` as a string literal of `dialect`: `'it''s'` (ANSI, Polars) or
/// `'it\'s'` (Spark, with `\`, `$` and control characters escaped too).
/// `what` names the text in errors. Fails on a NUL character.
pub fn quote_string(text: &str, dialect: Dialect, what: &str) -> Result<String, Error> {
    refuse_nul(text, what)?;
    Ok(match dialect {
        Dialect::Ansi | Dialect::Polars => format!("'{}'", text.replace('\'', "''")),
        Dialect::Spark => {
            let mut out = String::with_capacity(text.len() + 2);
            out.push('\'');
            for c in text.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\'' => out.push_str("\\'"),
                    '$' => out.push_str("\\u0024"),
                    c if c.is_control() => {
                        // Controls are all in the BMP: one `\uXXXX` each.
                        out.push_str(&format!("\\u{:04X}", c as u32));
                    }
                    c => out.push(c),
                }
            }
            out.push('\'');
            out
        }
    })
}

/// `x` as a double literal of `dialect` that the engine reads back as
/// exactly `x`: `CAST(2.50025E3 AS DOUBLE PRECISION)` (ANSI), `2.50025E3D`
/// (Spark), `2.50025E3` (Polars). Fails unless `x` is finite.
pub fn double_literal(x: f64, dialect: Dialect) -> Result<String, Error> {
    let digits = scientific(x)?;
    Ok(match dialect {
        Dialect::Ansi => format!("CAST({digits} AS DOUBLE PRECISION)"),
        Dialect::Spark => format!("{digits}D"),
        Dialect::Polars => digits,
    })
}

/// Text from data made safe and readable in a `--` comment and in error
/// messages: in double quotes, with `\`, `"`, `$`, line breaks and other
/// control characters, and bidirectional controls escaped as in Rust
/// (`\\`, `\"`, `\u{24}`, `\n`, `\u{202e}`).
pub fn comment_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' => out.push_str("\\u{24}"),
            c if c.is_control() || rulec_runtime::dsl::is_invisible(c) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Dialect {
    /// Every dialect.
    pub const ALL: [Dialect; 3] = [Dialect::Ansi, Dialect::Spark, Dialect::Polars];

    /// `ansi`, `spark` or `polars`.
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Ansi => "ansi",
            Dialect::Spark => "spark",
            Dialect::Polars => "polars",
        }
    }

    /// The type name in `CAST(.. AS <type>)` for text.
    fn text_type(self) -> &'static str {
        match self {
            Dialect::Ansi | Dialect::Polars => "VARCHAR",
            Dialect::Spark => "STRING",
        }
    }

    /// The type name in `CAST(.. AS <type>)` for doubles.
    fn double_type(self) -> &'static str {
        match self {
            Dialect::Ansi => "DOUBLE PRECISION",
            Dialect::Spark | Dialect::Polars => "DOUBLE",
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Dialect {
    type Err = Error;

    /// Reads `ansi`, `spark` or `polars`, ignoring ASCII case.
    fn from_str(s: &str) -> Result<Dialect, Error> {
        Dialect::ALL
            .into_iter()
            .find(|d| d.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| Error::UnknownDialect(s.to_string()))
    }
}

/// A rule as one `WHEN` branch: the conditions (none for a rule that
/// covers every row) and the rule.
struct Branch<'a> {
    conditions: Vec<String>,
    rule: &'a Rule,
}

struct Emitter<'a> {
    set: &'a RuleSet,
    dialect: Dialect,
    /// The rules that can fire, in order, up to the first that covers every
    /// row.
    branches: Vec<Branch<'a>>,
}

impl<'a> Emitter<'a> {
    fn new(set: &'a RuleSet, dialect: Dialect) -> Result<Emitter<'a>, Error> {
        set.check()?;
        let mut branches = Vec::with_capacity(set.rules.len());
        for rule in &set.rules {
            let Some(conditions) = rule_conditions(set, rule, dialect)? else {
                continue;
            };
            let covers_all = conditions.is_empty();
            branches.push(Branch { conditions, rule });
            if covers_all {
                break;
            }
        }
        Ok(Emitter {
            set,
            dialect,
            branches,
        })
    }

    /// The header comment: marker, target, rules, dialect, then `lines`.
    fn header(&self, lines: &[String]) -> String {
        let n = self.set.rules.len();
        let mut out = format!("-- {GENERATED_MARKER}\n");
        out.push_str(&format!(
            "-- Rules deciding {}: {n} rule{}, the first that holds decides; dialect {}.\n",
            comment_text(&self.set.target.name),
            if n == 1 { "" } else { "s" },
            self.dialect
        ));
        for line in lines {
            out.push_str(&format!("-- {line}\n"));
        }
        if let Some(doubt) = self.set.figures_doubt() {
            out.push_str(&format!("-- Caution: {}.\n", crate::figures_caution(doubt)));
        }
        if self.dialect != Dialect::Spark && self.quotes_any(|c| c == '\r' || c == '\n') {
            out.push_str(
                "-- Some quoted texts (names, categories or classes) hold a line break, written as it is:\n\
                 -- read this file byte for byte (Python: open(path, newline='')), and keep tools that\n\
                 -- rewrite line endings (git's core.autocrlf, an editor) away from it.\n",
            );
        }
        let hidden = |c: char| {
            (c.is_control() && c != '\r' && c != '\n') || rulec_runtime::dsl::is_invisible(c)
        };
        if self.quotes_any(hidden) {
            out.push_str(
                "-- Some quoted texts hold control characters (an escape, ESC) or invisible ones (a\n\
                 -- right-to-left override), written as they are: SQL has no escape for them in names.\n\
                 -- A terminal acts on them and an editor may show the text in another order than it\n\
                 -- runs: review this file with a tool that shows them (cat -v, an editor's hex view).\n",
            );
        }
        out
    }

    /// Whether a text the SQL quotes as it is (a column's name, a
    /// category, a class, the target's name) holds a character `hit`
    /// finds: a line break, which the ANSI and polars literals have no
    /// escape for, and which a reader that turns `\r\n` into `\n` changes;
    /// a control or bidirectional character, which no identifier escapes.
    fn quotes_any(&self, hit: impl Fn(char) -> bool) -> bool {
        let set = self.set;
        let categories = set.features.iter().flat_map(|f| match &f.kind {
            FeatureKind::Categorical { categories } => categories.as_slice(),
            _ => &[],
        });
        set.features
            .iter()
            .map(|f| &f.name)
            .chain(categories)
            .chain(&set.target.classes)
            .chain([&set.target.name])
            .any(|t| t.chars().any(&hit))
    }

    fn select_body(&self, table: &str) -> Result<String, Error> {
        let outputs = [DECISION_COLUMN, RULE_COLUMN];
        let names = self
            .set
            .features
            .iter()
            .map(|f| &f.name)
            .chain([&self.set.target.name]);
        for name in names {
            if outputs.iter().any(|o| o.eq_ignore_ascii_case(name)) {
                return Err(Error::ColumnClash(name.clone()));
            }
        }
        let q = |name: &str| quote_ident(name, self.dialect, "output column");
        Ok(format!(
            "SELECT\n  *,\n  {} AS {},\n  {} AS {}\nFROM {}\n",
            self.decision_case("  ")?,
            q(DECISION_COLUMN)?,
            self.rule_case("  ")?,
            q(RULE_COLUMN)?,
            quote_table(table, self.dialect, "table name")?
        ))
    }

    fn decision_case(&self, indent: &str) -> Result<String, Error> {
        let null_type = match self.set.target.tolerance {
            None => self.dialect.text_type(),
            Some(_) => self.dialect.double_type(),
        };
        self.case(indent, null_type, |rule| self.decision_value(rule))
    }

    fn rule_case(&self, indent: &str) -> Result<String, Error> {
        self.case(indent, self.dialect.text_type(), |rule| {
            quote_string(&rule.name, self.dialect, "rule name")
        })
    }

    /// The decision of `rule` as a literal.
    fn decision_value(&self, rule: &Rule) -> Result<String, Error> {
        match self.set.target.tolerance {
            None => quote_string(&rule.decision, self.dialect, "class"),
            Some(_) => {
                let value = rule
                    .decision
                    .parse::<f64>()
                    .map_err(|_| Error::NotANumber(rule.decision.clone()))?;
                double_literal(value, self.dialect)
            }
        }
    }

    /// `CASE WHEN .. THEN <value(rule)> .. END` over the branches; lines
    /// after the first start with `indent`.
    fn case(
        &self,
        indent: &str,
        null_type: &str,
        value: impl Fn(&Rule) -> Result<String, Error>,
    ) -> Result<String, Error> {
        match self.branches.first() {
            None => return Ok(format!("CAST(NULL AS {null_type})")),
            Some(first) if first.conditions.is_empty() => return value(first.rule),
            Some(_) => {}
        }
        let mut out = String::from("CASE");
        for branch in &self.branches {
            let then = value(branch.rule)?;
            if branch.conditions.is_empty() {
                out.push_str(&format!("\n{indent}  ELSE {then}"));
                break;
            }
            let joined = branch.conditions.join(&format!("\n{indent}    AND "));
            out.push_str(&format!(
                "\n{indent}  WHEN {joined}\n{indent}    THEN {then}"
            ));
        }
        out.push_str(&format!("\n{indent}END"));
        Ok(out)
    }

    /// A label column read for comparison with the decision.
    fn label_cast(&self, column: &str) -> String {
        let ty = match self.set.target.tolerance {
            None => self.dialect.text_type(),
            Some(_) => self.dialect.double_type(),
        };
        format!("CAST({column} AS {ty})")
    }

    /// The predicate: the label `label` counts as the decision `decision`.
    fn label_matches(&self, label: &str, decision: &str) -> Result<String, Error> {
        // Classes that are boolean words (a target of `True`/`False` is
        // compiled as `true`/`false`) match the word in any case, as the
        // interpreter reads labels (`RuleSet::class_of_label`): pandas
        // writes `True`, R `TRUE`.
        let words = self
            .set
            .boolean_word_classes()
            .into_iter()
            .map(|c| quote_string(c, self.dialect, "class"))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(match self.set.target.tolerance {
            None if !words.is_empty() => format!(
                "({label} = {decision} OR ({decision} IN ({}) AND LOWER({label}) = LOWER({decision})))",
                words.join(", ")
            ),
            None => format!("{label} = {decision}"),
            // As `rulec_runtime::stats::within_tolerance` reads it: a few
            // units in the last place allowed, so a value exactly the
            // tolerance away as written in decimal is within it.
            Some(t) => format!(
                "ABS({label} - {decision}) <= {} + {} * (ABS({label}) + ABS({decision}) + {})",
                double_literal(t, self.dialect)?,
                double_literal(rulec_runtime::stats::TOLERANCE_SLACK, self.dialect)?,
                double_literal(t, self.dialect)?
            ),
        })
    }
}

/// The conditions of `rule` as SQL predicates, or `None` when one of them
/// can never hold (the rule never fires).
fn rule_conditions(
    set: &RuleSet,
    rule: &Rule,
    dialect: Dialect,
) -> Result<Option<Vec<String>>, Error> {
    let mut out = Vec::with_capacity(rule.conditions.len());
    for cond in &rule.conditions {
        let feature = set
            .feature_index(cond.feature())
            .map(|i| &set.features[i])
            .ok_or_else(|| {
                rulec_runtime::Error::Invalid(vec![format!(
                    "rule `{}`: unknown feature `{}`",
                    rule.name,
                    cond.feature()
                )])
            })?;
        let col = quote_ident(&feature.name, dialect, "column name")?;
        let what = format!("category of {}", comment_text(&feature.name));
        let in_list = |values: &[&String]| -> Result<String, Error> {
            let items = values
                .iter()
                .map(|v| quote_string(v, dialect, &what))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(format!("{col} IN ({})", items.join(", ")))
        };
        // A column or a sum's term read as a double: a sum of integers
        // would be added in their type (an int32 sum wraps in polars and
        // overflows in DuckDB), and polars compares a float32 column with
        // the literal rounded to float32 (2.6 then equals 2.6f32).
        let double = |name: &str| -> Result<String, Error> {
            Ok(format!(
                "CAST({} AS {})",
                quote_ident(name, dialect, "column name")?,
                dialect.double_type()
            ))
        };
        // `x op v`, where NaN, which Spark and polars order above every
        // number, satisfies no comparison, as in every other backend.
        let compare = |x: &str, op: &CmpOp, value: f64| -> Result<String, Error> {
            let lit = double_literal(value, dialect)?;
            let cmp = format!("{x} {} {lit}", op.as_str());
            Ok(match (dialect, op) {
                (Dialect::Ansi, _) | (_, CmpOp::Lt | CmpOp::Le) => cmp,
                (Dialect::Spark, CmpOp::Gt | CmpOp::Ge) => {
                    format!("({cmp} AND NOT isnan({x}))")
                }
                (Dialect::Polars, CmpOp::Gt | CmpOp::Ge) => {
                    format!("({cmp} AND {x} <= 1.0E999)")
                }
            })
        };
        out.push(match cond {
            // polars only: the other dialects compare a narrower number
            // with a double literal in double precision already.
            Condition::Cmp { op, value, .. } if dialect == Dialect::Polars => {
                compare(&double(&feature.name)?, op, *value)?
            }
            Condition::Cmp { op, value, .. } => compare(&col, op, *value)?,
            Condition::Sum {
                features,
                minus,
                op,
                value,
            } => {
                // A NULL term makes the sum NULL, which no comparison holds.
                // Every term a double, added left to right as the
                // interpreter adds them.
                let quoted = |names: &[String]| {
                    names
                        .iter()
                        .map(|f| double(f))
                        .collect::<Result<Vec<_>, _>>()
                };
                let (plus, less) = (quoted(features)?, quoted(minus)?);
                let sum = rulec_runtime::ir::signed_sum(&plus, &less);
                let cmp = compare(&format!("({sum})"), op, *value)?;
                match (dialect, op) {
                    // A sum turns NaN where, added left to right, a
                    // partial sum is infinite one way and the next term
                    // the other (`+∞ - +∞`, or `1e308 + 1e308 - ∞`), and
                    // DuckDB and PostgreSQL order NaN above every number:
                    // `>` and `>=` would hold there. Standard SQL has no
                    // NaN test, so the guard asks of each step.
                    (Dialect::Ansi, CmpOp::Gt | CmpOp::Ge) => {
                        let max = double_literal(f64::MAX, dialect)?;
                        let terms = plus.len() + less.len();
                        let steps: Vec<String> = (1..terms)
                            .map(|k| {
                                let partial = if k <= plus.len() {
                                    rulec_runtime::ir::signed_sum(&plus[..k], &[] as &[String])
                                } else {
                                    rulec_runtime::ir::signed_sum(&plus, &less[..k - plus.len()])
                                };
                                // The next term as added: up or down.
                                let (next, up, down) = if k < plus.len() {
                                    (&plus[k], ">", "<")
                                } else {
                                    (&less[k - plus.len()], "<", ">")
                                };
                                format!(
                                    "(({partial}) > {max} AND {next} {down} {neg}{max}) OR (({partial}) < -{max} AND {next} {up} {pos}{max})",
                                    neg = if down == "<" { "-" } else { "" },
                                    pos = if up == "<" { "-" } else { "" },
                                )
                            })
                            .collect();
                        if steps.is_empty() {
                            cmp
                        } else {
                            format!("({cmp} AND NOT ({}))", steps.join(" OR "))
                        }
                    }
                    _ => cmp,
                }
            }
            Condition::Is { value, .. } => {
                format!("{col} = {}", if *value { "TRUE" } else { "FALSE" })
            }
            Condition::In { values, .. } => in_list(&values.iter().collect::<Vec<_>>())?,
            Condition::NotIn { values, .. } => {
                let FeatureKind::Categorical { categories } = &feature.kind else {
                    return Err(rulec_runtime::Error::Invalid(vec![format!(
                        "rule `{}`: `not in` on `{}`, which is not categorical",
                        rule.name, feature.name
                    )])
                    .into());
                };
                let rest: Vec<&String> =
                    categories.iter().filter(|c| !values.contains(c)).collect();
                if rest.is_empty() {
                    return Ok(None);
                }
                in_list(&rest)?
            }
            Condition::Missing { .. } => format!("{col} IS NULL"),
        });
    }
    Ok(Some(out))
}

/// `x` in scientific notation with the shortest digits that read back as
/// `x`, the mantissa always with a point: `2.50025E3`, `1.0E-1`, `-0.0E0`.
fn scientific(x: f64) -> Result<String, Error> {
    if !x.is_finite() {
        return Err(Error::NotANumber(format!("{x}")));
    }
    // `{:E}` prints the shortest digits that round-trip: `2.50025E3`, `1E300`.
    let text = format!("{x:E}");
    let (mantissa, exponent) = text
        .split_once('E')
        .ok_or_else(|| Error::NotANumber(text.clone()))?;
    let mantissa = if mantissa.contains('.') {
        mantissa.to_string()
    } else {
        format!("{mantissa}.0")
    };
    let out = format!("{mantissa}E{exponent}");
    // Checked rather than assumed: the whole point is an exact threshold.
    if out.parse::<f64>().map(f64::to_bits) != Ok(x.to_bits()) {
        return Err(Error::NotANumber(out));
    }
    Ok(out)
}

fn refuse_nul(text: &str, what: &str) -> Result<(), Error> {
    if text.contains('\0') {
        Err(Error::Nul {
            what: what.to_string(),
            text: text.to_string(),
        })
    } else {
        Ok(())
    }
}

/// Characters that change how text around them shows: bidirectional
/// controls and line or paragraph separators.
#[cfg(test)]
mod tests;
