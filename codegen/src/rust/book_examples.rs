//! `tests/book_examples.rs`: the rule book's example rows (each rule's
//! first validation rows, [`rulec_runtime::ir::Evidence::examples`]) as a
//! test, so that `cargo test` in the crate checks that it decides them by
//! the rule the book lists them under, with `decide` and `decide_batch`
//! alike.

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use rulec_runtime::eval::{Cell, Evaluator, MISSING_MARKERS};
use rulec_runtime::ir::FeatureKind;

use super::layout::{render, Layout};
use super::literals::inner_doc;
use super::{Error, Gen};

impl Gen<'_> {
    /// The test file, or `None` when no example row is left to test (a
    /// numeric target's rules, a hand-written set, no rule).
    ///
    /// The file is laid out with an empty `EXAMPLES`, and its rows, a
    /// string literal of many lines, put in after: the layout passes read
    /// the text line by line, and a row of the data must not look like
    /// code to them.
    pub(super) fn book_examples_rs(&self) -> Result<Option<String>, Error> {
        const FILE: &str = "tests/book_examples.rs";
        let rows = self.example_rows();
        if rows.is_empty() {
            return Ok(None);
        }
        let bug = |message: String| Error::Syntax {
            file: FILE.to_string(),
            message,
        };
        let layout = Layout {
            marker: true,
            ..Layout::default()
        };
        let empty = render(
            FILE,
            self.book_examples_tokens(&Literal::string("")),
            layout,
        )?;
        let examples = rows_literal(&rows).ok_or_else(|| bug("the rows are no literal".into()))?;
        const EMPTY: &str = "const EXAMPLES: &str = \"\";";
        if empty.matches(EMPTY).count() != 1 {
            return Err(bug("no single place for the rows".into()));
        }
        let text = empty.replacen(EMPTY, &format!("const EXAMPLES: &str = {examples};"), 1);
        // The rows read back as written, and the rest of the file is as laid out.
        let want = self.book_examples_tokens(&examples);
        let want = prettyplease::unparse(&syn::parse2(want).map_err(|e| bug(e.to_string()))?);
        let got = syn::parse_file(&text).map_err(|e| bug(format!("with the rows: {e}")))?;
        if prettyplease::unparse(&got) != want {
            return Err(bug("the rows changed the code".into()));
        }
        Ok(Some(text))
    }

    /// The test file's tokens, its rows `examples`.
    fn book_examples_tokens(&self, examples: &Literal) -> TokenStream {
        let krate = &self.names.krate;
        let row_items = self.row_items();
        let doc = inner_doc([
            "The rule book's example rows, decided as the book lists them: each by the \
             rule it is listed under, with `decide` and with `decide_batch`."
                .to_string(),
            String::new(),
            "A row is each column's value as text, in the rule set's order, as the \
             parity example reads it (an empty text for a missing value). A row the rules \
             do not decide as the book lists it, read so, is left out: a rule set edited \
             after its compile, or a category written as a text read as missing (`NA`)."
                .to_string(),
        ]);
        quote! {
            #doc
            // A test, not code to copy: a service linting every target
            // with clippy's pedantic group is not held up by it.
            #![allow(clippy::pedantic, dead_code)]

            use #krate as rules;

            /// One row per line: the rule the book lists it under, then each
            /// column's value as text, in the rule set's order, all separated
            /// by tabs (an empty text for a missing value; a tab, a line break
            /// or a backslash in a value written `\t`, `\n`, `\r`, `\\`).
            const EXAMPLES: &str = #examples;

            #[test]
            fn each_example_row_is_decided_by_its_rule() {
                for example in EXAMPLES.lines() {
                    let (rule, row) = example.split_once('\t').unwrap_or((example, ""));
                    let line: Vec<String> = row.split('\t').map(|f| hex(&unescape(f))).collect();
                    let input = match parse_row(&line.join("\t")) {
                        Ok(input) => input,
                        Err(msg) => panic!("rule {rule}, row {row:?}: {msg}"),
                    };
                    let hit = rules::decide(&input);
                    let decided_by = hit.map(|hit| hit.rule.name());
                    assert_eq!(decided_by, Some(rule), "row {row:?}");
                    let mut batch = [None];
                    let n = rules::decide_batch(std::slice::from_ref(&input), &mut batch);
                    assert_eq!(n, 1, "row {row:?}");
                    assert_eq!(batch[0], hit, "row {row:?}");
                }
            }

            /// A field of `EXAMPLES` as the text it stands for: `\t`, `\n`,
            /// `\r` and `\\` are a tab, a line feed, a carriage return and a
            /// backslash.
            fn unescape(field: &str) -> String {
                let mut text = String::with_capacity(field.len());
                let mut chars = field.chars();
                while let Some(c) = chars.next() {
                    if c != '\\' {
                        text.push(c);
                        continue;
                    }
                    match chars.next() {
                        Some('t') => text.push('\t'),
                        Some('n') => text.push('\n'),
                        Some('r') => text.push('\r'),
                        Some(other) => text.push(other),
                        None => text.push('\\'),
                    }
                }
                text
            }

            #row_items
        }
    }

    /// `(rule name, the row's values as text)` for every example row that
    /// the set's interpreter, reading the row's text as the test does,
    /// decides by the rule it is listed under (all of them, unless the
    /// rules were edited after the compile that recorded the rows).
    fn example_rows(&self) -> Vec<(String, Vec<String>)> {
        let set = self.set;
        let Ok(eval) = Evaluator::new(set) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (rule_idx, rule) in set.rules.iter().enumerate() {
            let Some(evidence) = &rule.evidence else {
                continue;
            };
            for example in &evidence.examples {
                let Some(cells) = self.cells(&eval, &example.values) else {
                    continue;
                };
                if eval.decide(&cells).ok().flatten().map(|hit| hit.rule_idx) != Some(rule_idx) {
                    continue;
                }
                let row = example
                    .values
                    .iter()
                    .map(|v| v.clone().unwrap_or_default())
                    .collect();
                out.push((rule.name.clone(), row));
            }
        }
        out
    }

    /// The crate documentation's example, as doc lines: the first of the
    /// rule book's example rows the test of [`Self::example_rows`] would
    /// hold, written as an `Input`, decided with `decide` and checked
    /// against the rule the book lists it under (a doctest, which `cargo
    /// test` runs). Rows with a value that has no literal (a number that
    /// did not parse, or is not finite) are passed over; `None` when no row
    /// is left.
    pub(super) fn doc_example(&self) -> Option<Vec<String>> {
        let set = self.set;
        let eval = Evaluator::new(set).ok()?;
        let (rule_idx, fields) = set.rules.iter().enumerate().find_map(|(i, rule)| {
            rule.evidence.as_ref()?.examples.iter().find_map(|example| {
                let cells = self.cells(&eval, &example.values)?;
                let decided = eval.decide(&cells).ok().flatten().map(|hit| hit.rule_idx);
                if decided != Some(i) {
                    return None;
                }
                let fields = cells
                    .iter()
                    .enumerate()
                    .map(|(col, cell)| {
                        let value = self.field_literal(col, cell)?;
                        Some(format!("    {}: {value},", self.names.fields[col]))
                    })
                    .collect::<Option<Vec<String>>>()?;
                Some((i, fields))
            })
        })?;
        let names = self.names;
        let rule = &set.rules[rule_idx];
        let class = set
            .target
            .classes
            .iter()
            .position(|c| *c == rule.decision)?;
        let mut lines = vec![
            "# Example".to_string(),
            String::new(),
            format!(
                "The rule book's first example row of rule {}, which decides it:",
                super::literals::name_code(&rule.name)
            ),
            String::new(),
            "```".to_string(),
            format!("use {}::*;", names.krate),
            String::new(),
            "let input = Input {".to_string(),
        ];
        lines.extend(fields);
        lines.extend([
            "};".to_string(),
            "let hit = decide(&input).expect(\"a rule covers this row\");".to_string(),
            format!("assert_eq!(hit.rule, RuleId::{});", names.rules[rule_idx]),
            format!(
                "assert_eq!(hit.decision, {}::{});",
                names.decision, names.classes[class]
            ),
            "```".to_string(),
        ]);
        Some(lines)
    }

    /// `cell` as the value of `Input`'s field for column `col`, in Rust:
    /// a number (`None` for one that is not finite), `true`, a category's
    /// variant (the unknown one for a value outside the categories),
    /// `Some(..)` in a nullable column, `None` for a missing value.
    fn field_literal(&self, col: usize, cell: &Cell) -> Option<String> {
        let value = match cell {
            Cell::Missing => return Some("None".to_string()),
            Cell::Num(x) if x.is_finite() => format!("{x:?}"),
            Cell::Num(_) => return None,
            Cell::Bool(b) => b.to_string(),
            Cell::Cat(code) => {
                let cat = self.names.cats[col].as_ref()?;
                let variant = usize::try_from(*code)
                    .ok()
                    .and_then(|c| cat.variants.get(c))
                    .unwrap_or(&cat.unknown);
                format!("{}::{variant}", cat.ty)
            }
        };
        Some(if self.set.features[col].nullable {
            format!("Some({value})")
        } else {
            value
        })
    }

    /// The cells the test's `parse_row` reads from `values` (as text, a
    /// missing value empty), or `None` where it would fail: a row of
    /// another width, a value missing where the column is not nullable
    /// (the crate's field cannot hold it), a boolean of other text.
    fn cells(&self, eval: &Evaluator, values: &[Option<String>]) -> Option<Vec<Cell>> {
        let features = &self.set.features;
        if values.len() != features.len() {
            return None;
        }
        let mut cells = Vec::with_capacity(values.len());
        for (col, (f, value)) in features.iter().zip(values).enumerate() {
            let text = value.as_deref().unwrap_or("");
            if MISSING_MARKERS.contains(&text) {
                if !f.nullable {
                    return None;
                }
                cells.push(Cell::Missing);
                continue;
            }
            cells.push(match &f.kind {
                // As the parity example reads a number: `NaN` in any case
                // is missing where the field can be; the examples are
                // written as rulec writes numbers, without thousands.
                FeatureKind::Numeric => match text.trim().parse::<f64>() {
                    Ok(x) if x.is_nan() && f.nullable => Cell::Missing,
                    Ok(x) => Cell::Num(x),
                    Err(_) => Cell::Num(f64::NAN),
                },
                FeatureKind::Boolean => {
                    let word = text.trim();
                    if word.eq_ignore_ascii_case("true") {
                        Cell::Bool(true)
                    } else if word.eq_ignore_ascii_case("false") {
                        Cell::Bool(false)
                    } else {
                        return None;
                    }
                }
                FeatureKind::Categorical { .. } => Cell::Cat(eval.category_code(col, text)),
            });
        }
        Some(cells)
    }
}

/// The rows as one string literal, a row per line of source, so that
/// rustfmt leaves its layout alone: each line the rule's name and the
/// values, tab-separated (`\t` in the source); a tab, a line break or a
/// backslash in a value is escaped for the test's `unescape` and again for
/// Rust, and every other character outside printable ASCII, a quote and a
/// value's last space for Rust.
fn rows_literal(rows: &[(String, Vec<String>)]) -> Option<Literal> {
    let mut text = String::from("\"\\\n");
    for (rule, values) in rows {
        for (i, field) in std::iter::once(rule).chain(values).enumerate() {
            if i > 0 {
                text.push_str("\\t");
            }
            let last = field.chars().count().saturating_sub(1);
            for (j, c) in field.chars().enumerate() {
                match c {
                    '"' => text.push_str("\\\""),
                    // Escaped once for the test's `unescape`, once for Rust.
                    '\\' => text.push_str("\\\\\\\\"),
                    '\t' => text.push_str("\\\\t"),
                    '\n' => text.push_str("\\\\n"),
                    '\r' => text.push_str("\\\\r"),
                    // A space ending a line of source would be trailing
                    // whitespace to an editor.
                    ' ' if j == last => text.push_str("\\x20"),
                    ' '..='~' => text.push(c),
                    c => text.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
                }
            }
        }
        text.push('\n');
    }
    text.push('"');
    text.parse().ok()
}
