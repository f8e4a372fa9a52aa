//! Literals and docs as tokens: strings escaped to ASCII, floats that
//! read back bit for bit, doc comments and Markdown code spans safe for
//! any text from the data.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::Error;

/// A float as Rust source that evaluates to exactly `x`, bit for bit:
/// `50.0`, `-0.5`, `1e300`, `f64::NAN`. Its tokens go into the code
/// ([`quote::ToTokens`]); its text ([`Float::text`]) only into the layout.
#[derive(Clone)]
pub(super) enum Float {
    /// `f64::NAN`.
    Nan,
    /// `f64::INFINITY` or `f64::NEG_INFINITY`.
    Infinite { negative: bool },
    /// A literal, negated when `negative`: unary minus and the literal are
    /// two tokens in Rust.
    Finite { negative: bool, literal: Literal },
}

impl Float {
    pub(super) fn new(x: f64) -> Result<Float, Error> {
        if x.is_nan() {
            return Ok(Float::Nan);
        }
        let negative = x.is_sign_negative();
        if x.is_infinite() {
            return Ok(Float::Infinite { negative });
        }
        let abs = x.abs();
        // `Display` gives the shortest digits that round-trip; very large or
        // very small numbers read better with an exponent.
        let mut plain = format!("{abs}");
        if !plain.contains('.') {
            plain.push_str(".0");
        }
        let exp = format!("{abs:e}");
        let digits = if plain.len() <= 20 || plain.len() <= exp.len() {
            plain
        } else {
            exp
        };
        let bug = |message: String| Error::Syntax {
            file: "float literal".to_string(),
            message,
        };
        if digits.parse::<f64>().map(f64::to_bits) != Ok(abs.to_bits()) {
            return Err(bug(format!("`{digits}` does not round-trip to {abs:?}")));
        }
        // The spelling of a literal token is its text: `50.0`, `1e300`.
        let literal = digits
            .parse::<Literal>()
            .map_err(|e| bug(format!("`{digits}` is not a literal: {e}")))?;
        Ok(Float::Finite { negative, literal })
    }

    /// The float as rustfmt prints it, for the layout.
    pub(super) fn text(&self) -> String {
        match self {
            Float::Nan => "f64::NAN".to_string(),
            Float::Infinite { negative: false } => "f64::INFINITY".to_string(),
            Float::Infinite { negative: true } => "f64::NEG_INFINITY".to_string(),
            Float::Finite { negative, literal } => {
                format!("{}{literal}", if *negative { "-" } else { "" })
            }
        }
    }
}

impl quote::ToTokens for Float {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(match self {
            Float::Nan => quote!(f64::NAN),
            Float::Infinite { negative: false } => quote!(f64::INFINITY),
            Float::Infinite { negative: true } => quote!(f64::NEG_INFINITY),
            Float::Finite {
                negative: false,
                literal,
            } => quote!(#literal),
            Float::Finite {
                negative: true,
                literal,
            } => quote!(-#literal),
        });
    }
}

/// A float as tokens that evaluate to exactly `x` (see [`Float`]).
pub(super) fn float_tokens(x: f64) -> Result<TokenStream, Error> {
    Ok(quote::ToTokens::into_token_stream(Float::new(x)?))
}

pub(super) fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// A string literal with every character outside printable ASCII escaped
/// (`"\u{65e5}\u{672c}"` for `"日本"`): the generated code stays ASCII, so
/// a line's width is its length in bytes both for the layout passes below
/// and for rustfmt, which counts the display width of wide characters.
pub(super) fn str_lit(s: &str) -> Literal {
    use std::fmt::Write as _;
    // The DSL's literal already escapes quotes, backslashes and control
    // characters; what is left outside ASCII is escaped here.
    let mut text = String::with_capacity(s.len() + 2);
    for c in rulec_runtime::dsl::print_string(s).chars() {
        if c.is_ascii() {
            text.push(c);
        } else {
            let _ = write!(text, "\\u{{{:x}}}", u32::from(c));
        }
    }
    text.parse()
        .unwrap_or_else(|_| unreachable!("an escaped string literal always parses"))
}

pub(super) fn doc(lines: impl IntoIterator<Item = String>) -> TokenStream {
    let attrs = lines.into_iter().map(|line| {
        let text = Literal::string(&doc_line(&line));
        quote!(#[doc = #text])
    });
    quote!(#(#attrs)*)
}

pub(super) fn inner_doc(lines: impl IntoIterator<Item = String>) -> TokenStream {
    let attrs = lines.into_iter().map(|line| {
        let text = Literal::string(&doc_line(&line));
        quote!(#![doc = #text])
    });
    quote!(#(#attrs)*)
}

/// One doc line: a leading space (so `///` reads well and never becomes
/// `////`), nothing after the last visible character.
fn doc_line(line: &str) -> String {
    let line = line.trim_end();
    if line.is_empty() {
        String::new()
    } else {
        format!(" {line}")
    }
}

/// Text safe in a doc comment: line breaks, control and bidirectional
/// characters (which rustc rejects in comments) as `\u{..}` escapes.
fn doc_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '"' | '\'') || c.escape_debug().nth(1).is_none() {
            out.push(c);
        } else if matches!(c, '\n' | '\r' | '\t') {
            out.extend(c.escape_default());
        } else {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
    }
    out
}

/// A Markdown code span around `text`, whatever backticks it holds.
pub(super) fn code(text: &str) -> String {
    let text = doc_safe(text);
    let longest = longest_backtick_run(&text);
    let fence = "`".repeat(longest + 1);
    if text.is_empty() || text.starts_with('`') || text.ends_with('`') {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

/// A column name as the data writes it, in a code span (not as the DSL
/// quotes it: rustdoc shows a code span as written, so `back\col` read
/// `` `back\\col` `` and `3d` read `` `3d` `` with its quotes).
pub(super) fn name_code(name: &str) -> String {
    code(name)
}

/// A fenced `text` block around multi-line `text`.
pub(super) fn fenced(text: &str) -> Vec<String> {
    let lines: Vec<String> = text.lines().map(doc_safe).collect();
    let longest = lines
        .iter()
        .map(|l| longest_backtick_run(l))
        .max()
        .unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let mut out = vec![format!("{fence}text")];
    out.extend(lines);
    out.push(fence);
    out
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}
