//! The sign-off section of both books: what it records and asks, and
//! reading it back from a book (`rulec verify`, and the refusal to write
//! over a book someone signed).

use rulec_runtime::ir::RuleSet;

use super::{SignOff, RULES_SHA256_LABEL, SIGN_OFF_HEADING};

/// The people who sign the book off, one blank row each.
pub(crate) const SIGNATORIES: [&str; 2] = ["reviewer", "approver"];

/// The signatories whose row of a book's sign-off table (Markdown or
/// HTML) someone filled in: a book a reviewer or approver signed, which
/// writing the book again would erase.
pub fn signed_by(book: &str) -> Vec<&'static str> {
    let book = book.replace("\r\n", "\n");
    let Some(start) = book.rfind(sign_off_marker(&book).as_str()) else {
        return Vec::new();
    };
    let section = &book[start..];
    SIGNATORIES
        .into_iter()
        .filter(|role| {
            let md = format!("| {role} |");
            // `<th>reviewer</th>` or, since the row headers carry their
            // scope, `<th scope="row">reviewer</th>`.
            let html = format!(">{role}</th>");
            section.lines().any(|line| {
                let line = line.trim();
                let rest = if let Some(rest) = line.strip_prefix(&md) {
                    rest.to_string()
                } else if let Some((_, rest)) = line
                    .split_once(&html)
                    .filter(|(before, _)| before.ends_with("<th") || before.contains("<th "))
                {
                    rest.replace("<td>", "")
                        .replace("</td>", "")
                        .replace("</tr>", "")
                } else {
                    return false;
                };
                rest.chars().any(|c| c != '|' && !c.is_whitespace())
            })
        })
        .collect()
}

/// What the sign-off section asks of the auditor; `code` renders a file
/// name or a command line as code in the format at hand, the rest is fixed
/// text that needs no escaping.
pub(crate) fn sign_off_paragraph(sign_off: &SignOff, code: impl Fn(&str) -> String) -> String {
    let file = &sign_off.rules_file;
    // The commands take the name as a shell reads one word: pasted, a
    // name with a space, `|` or a backquote runs nothing else.
    // A name that begins with `-` would read as an option: `./-x.json`.
    let word = if file.starts_with('-') {
        shell_word(&format!("./{file}"))
    } else {
        shell_word(file)
    };
    format!(
        "This book describes the rule set file {} byte for byte: the SHA-256 of its exact bytes is \
         recorded below, with that of the data it was learned from (for several data files, the SHA-256 \
         of their SHA-256s as hex text, in the order given). Before signing, check that the file to be \
         deployed is this one: {} prints whether its SHA-256 matches the one recorded here and exits \
         with status 1 when it does not ({} shows the same figure). Then fill in the table at the end.",
        code(file),
        code(&format!("rulec verify RULEBOOK.md {word}")),
        code(&format!("sha256sum {word}")),
    )
}

/// The sign-off section's records as (label, plain-text value) rows; the
/// labels are fixed text.
pub(crate) fn sign_off_rows(set: &RuleSet, sign_off: &SignOff) -> Vec<(&'static str, String)> {
    let mut rows = vec![
        ("rule set file", sign_off.rules_file.clone()),
        (RULES_SHA256_LABEL, sign_off.rules_sha256.clone()),
    ];
    if let Some(p) = &set.provenance {
        rows.push(("data file", p.data_file.clone()));
        rows.push(("data SHA-256", p.data_sha256.clone()));
    }
    rows
}

/// Why a book's recorded rule set SHA-256 could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordError {
    /// No sign-off heading: not a rule book, or one written before books
    /// carried a sign-off section.
    NoSection,
    /// A sign-off section without a readable rule set SHA-256.
    NoHash,
    /// More than one sign-off section: two books joined, or one edited.
    SeveralSections(usize),
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordError::NoSection => write!(
                f,
                "has no sign-off section (a `## {SIGN_OFF_HEADING}` heading); it is not a rule book, \
                 or one written before books carried one: write it again with `rulec book RULES_JSON`"
            ),
            RecordError::NoHash => write!(
                f,
                "its sign-off section records no {RULES_SHA256_LABEL}, or more than one (64 hex \
                 digits on the one table row labelled `{RULES_SHA256_LABEL}`)"
            ),
            RecordError::SeveralSections(n) => write!(
                f,
                "has {n} sign-off sections (`## {SIGN_OFF_HEADING}` headings) where a rule book has \
                 one: it is two books joined, or was edited; verify the book rulec wrote"
            ),
        }
    }
}

impl std::error::Error for RecordError {}

/// The rule set SHA-256 a book records, in lowercase hex: read from its last
/// sign-off section (the book's last, so nothing from data comes after its
/// heading), in `RULEBOOK.md` or in `rulebook.html`.
pub fn recorded_rules_sha256(book: &str) -> Result<String, RecordError> {
    // A book that passed through Windows, mail or an archive may have
    // CRLF line endings; it is the same book.
    let book = book.replace("\r\n", "\n");
    let marker = sign_off_marker(&book);
    let sections = book.matches(marker.as_str()).count();
    if sections > 1 {
        return Err(RecordError::SeveralSections(sections));
    }
    let start = book.rfind(marker.as_str()).ok_or(RecordError::NoSection)?;
    // Only the table's own row: the label at the start of a line, as rulec
    // writes it. Text from data (the rules file's name, quoted in the
    // paragraph above the table) cannot start a line: line breaks in it are
    // written as spaces in Markdown, and `<` as `&lt;` in HTML.
    let rows = [
        format!("| {RULES_SHA256_LABEL} | "),
        format!("<tr><th>{RULES_SHA256_LABEL}</th><td>"),
    ];
    let hashes: Vec<String> = book[start..]
        .lines()
        .filter_map(|line| rows.iter().find_map(|row| line.strip_prefix(row.as_str())))
        .filter_map(hex64)
        .collect();
    match hashes.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(RecordError::NoHash),
    }
}

/// The heading that opens the sign-off section, in the format of `book`:
/// an HTML book's `<h2>`, a Markdown book's `##` line. Only that format's
/// is looked for, so that text from data shown in the other form (a column
/// named `<h2>Sign-off</h2>` in a Markdown code span) is not taken for it.
fn sign_off_marker(book: &str) -> String {
    // rulebook.html opens with `<!DOCTYPE html>`, RULEBOOK.md with its
    // `#` title.
    let html = book
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('<');
    if html {
        format!("<h2>{SIGN_OFF_HEADING}</h2>")
    } else {
        format!("\n## {SIGN_OFF_HEADING}\n")
    }
}

/// The first run of exactly 64 hex digits in `text`, lowercased.
fn hex64(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_hexdigit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_hexdigit() {
                i += 1;
            }
            if i - start == 64 {
                return Some(text[start..i].to_ascii_lowercase());
            }
        } else {
            i += 1;
        }
    }
    None
}

/// `name` as a shell reads it as one word: as it is when it holds only
/// letters, digits and `_.-+/:@%,`, else in single quotes (a quote in it
/// written `'\''`), so that a suggested `--forbid NAME` can be pasted. A
/// name holding a control character (a line break) is written in bash's
/// `$'…'` quotes with escapes: between single quotes its line break ended
/// the message's line and printed the rest as a line of its own.
pub fn shell_word(name: &str) -> String {
    if name.chars().any(char::is_control) {
        let escaped: String = name
            .chars()
            .map(|c| match c {
                '\\' => "\\\\".to_string(),
                '\'' => "\\'".to_string(),
                '\n' => "\\n".to_string(),
                '\t' => "\\t".to_string(),
                '\r' => "\\r".to_string(),
                c if (c as u32) < 0x80 && c.is_control() => format!("\\x{:02x}", c as u32),
                c if c.is_control() => format!("\\u{:04x}", c as u32),
                c => c.to_string(),
            })
            .collect();
        return format!("$'{escaped}'");
    }
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || "_.-+/:@%,".contains(c))
    {
        name.to_string()
    } else {
        format!("'{}'", name.replace('\'', "'\\''"))
    }
}
