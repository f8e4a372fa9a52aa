//! The model card (`--card FILE`): a small TOML file in which the owner of
//! the rules says who owns them, what they are for, for which rows, what
//! they must not be used for, whom to contact and who may switch a rule
//! off. It is copied into `rules.json` ([`Card`]) and the rule book opens
//! with it; a field not given is listed there as open, never filled in.
//!
//! The file holds `key = "text"` and `key = ["text", ...]` lines, comments
//! (`#`) and blank lines: the part of TOML a card needs. Anything else (an
//! unknown key, a table, a multi-line string, a number) is refused with
//! the line it is on, so a typo is not silently dropped.
//!
//! ```toml
//! owner = "Credit risk team"
//! purpose = "Approve routine mortgage applications"
//! intended_population = "First-lien applications in the US"
//! out_of_scope = ["Commercial loans", "Pricing"]
//! contacts = ["risk@example.com"]
//! can_switch_off = "The model risk officer on duty"
//! ```

use std::path::Path;

use rulec_runtime::ir::Card;

use crate::error::Error;

/// The keys a card may hold.
pub const KEYS: [&str; 6] = [
    "owner",
    "purpose",
    "intended_population",
    "out_of_scope",
    "contacts",
    "can_switch_off",
];

/// Reads and checks the card at `path`.
pub fn load(path: &Path) -> Result<Card, Error> {
    let text = std::fs::read_to_string(path).map_err(|err| Error::Io {
        path: path.to_path_buf(),
        err,
    })?;
    parse(&text).map_err(|message| Error::Data {
        path: path.to_path_buf(),
        message,
    })
}

/// Parses a card's text; the error names the line and what was expected.
pub fn parse(text: &str) -> Result<Card, String> {
    let mut card = Card::default();
    let mut seen = std::collections::BTreeSet::new();
    for (i, raw) in text.lines().enumerate() {
        let at = |msg: String| format!("line {}: {msg}", i + 1);
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(at(format!(
                "expected `key = \"text\"` (keys: {}), found `{line}`",
                KEYS.join(", ")
            )));
        };
        let key = key.trim();
        if !KEYS.contains(&key) {
            return Err(at(format!(
                "unknown key `{key}`; a card holds {}",
                KEYS.join(", ")
            )));
        }
        if !seen.insert(key.to_string()) {
            return Err(at(format!("`{key}` is given twice")));
        }
        let (values, rest) = parse_value(value.trim()).map_err(at)?;
        let rest = rest.trim();
        if !rest.is_empty() && !rest.starts_with('#') {
            return Err(at(format!(
                "unexpected `{rest}` after the value of `{key}`"
            )));
        }
        let one = |values: Value| match values {
            Value::One(s) => Ok(Some(s)),
            Value::Many(_) => Err(at(format!("`{key}` takes one \"text\", not a list"))),
        };
        let many = |values: Value| match values {
            Value::One(s) => vec![s],
            Value::Many(v) => v,
        };
        match key {
            "owner" => card.owner = one(values)?,
            "purpose" => card.purpose = one(values)?,
            "intended_population" => card.intended_population = one(values)?,
            "can_switch_off" => card.can_switch_off = one(values)?,
            "out_of_scope" => card.out_of_scope = many(values),
            _ => card.contacts = many(values),
        }
    }
    Ok(card)
}

enum Value {
    One(String),
    Many(Vec<String>),
}

/// A string or a list of strings at the start of `s`, and what follows.
fn parse_value(s: &str) -> Result<(Value, &str), String> {
    if let Some(mut rest) = s.strip_prefix('[') {
        let mut items = Vec::new();
        loop {
            rest = rest.trim_start();
            if let Some(after) = rest.strip_prefix(']') {
                return Ok((Value::Many(items), after));
            }
            let (item, after) = parse_string(rest)?;
            items.push(item);
            rest = after.trim_start();
            if let Some(after) = rest.strip_prefix(',') {
                rest = after;
            } else if !rest.starts_with(']') {
                return Err("expected `,` or `]` in the list (a list stays on one line)".into());
            }
        }
    }
    let (text, rest) = parse_string(s)?;
    Ok((Value::One(text), rest))
}

/// A basic (`"..."`, with `\"`, `\\`, `\n`, `\t` escapes) or literal
/// (`'...'`) TOML string at the start of `s`, and what follows.
fn parse_string(s: &str) -> Result<(String, &str), String> {
    if s.starts_with("\"\"\"") || s.starts_with("'''") {
        return Err(
            "multi-line strings are not supported in a card; keep each value on one line".into(),
        );
    }
    if let Some(body) = s.strip_prefix('\'') {
        return match body.find('\'') {
            Some(end) => Ok((body[..end].to_string(), &body[end + 1..])),
            None => Err("a string opened with ' is not closed on its line".into()),
        };
    }
    let Some(body) = s.strip_prefix('"') else {
        return Err(format!("expected \"text\", found `{s}`"));
    };
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, &body[i + 1..])),
            '\\' => match chars.next().map(|(_, e)| e) {
                Some('"') => out.push('"'),
                Some('\\') => out.push('\\'),
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                other => {
                    return Err(format!(
                        "unsupported escape `\\{}` in a string",
                        other.map_or(String::new(), String::from)
                    ))
                }
            },
            c => out.push(c),
        }
    }
    Err("a string opened with \" is not closed on its line".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_card_reads_back() {
        let card = parse(
            "# the card\nowner = \"Credit risk\"\npurpose = 'Approve \"routine\" loans'\n\
             intended_population = \"US applicants\" # trailing comment\n\
             out_of_scope = [\"Pricing\", \"Commercial, small business\"]\n\
             contacts = \"risk@example.com\"\ncan_switch_off = \"Model risk officer\"\n",
        )
        .unwrap();
        assert_eq!(card.owner.as_deref(), Some("Credit risk"));
        assert_eq!(card.purpose.as_deref(), Some("Approve \"routine\" loans"));
        assert_eq!(card.intended_population.as_deref(), Some("US applicants"));
        assert_eq!(card.out_of_scope, ["Pricing", "Commercial, small business"]);
        assert_eq!(card.contacts, ["risk@example.com"]);
        assert_eq!(card.can_switch_off.as_deref(), Some("Model risk officer"));
    }

    #[test]
    fn missing_fields_stay_open() {
        let card = parse("owner = \"A\"\n").unwrap();
        assert_eq!(card.purpose, None);
        assert!(card.contacts.is_empty());
    }

    #[test]
    fn bad_cards_name_the_line_and_what_was_expected() {
        for (text, want) in [
            (
                "owner = \"A\"\nowmer = \"B\"",
                "line 2: unknown key `owmer`",
            ),
            ("owner = A", "line 1: expected \"text\""),
            ("owner = [\"A\"]", "line 1: `owner` takes one \"text\""),
            (
                "owner = \"A",
                "line 1: a string opened with \" is not closed",
            ),
            ("[card]", "line 1: expected `key = \"text\"`"),
            ("contacts = [\"a\" \"b\"]", "line 1: expected `,` or `]`"),
            ("purpose = \"\"\"", "multi-line strings"),
            (
                "owner = \"A\"\nowner = \"B\"",
                "line 2: `owner` is given twice",
            ),
            ("owner = \"A\" x", "line 1: unexpected `x`"),
        ] {
            let err = parse(text).unwrap_err();
            assert!(err.contains(want), "{text:?}: {err}");
        }
    }
}
