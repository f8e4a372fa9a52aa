//! Identifiers from data: column names, category values, class labels and
//! rule names turned into Rust identifiers that compile without warnings.
//!
//! Every function here is deterministic and returns plain ASCII. Names are
//! split into words (at separators, at `camelCase` boundaries and around
//! symbols), the words are re-joined in the case Rust expects, and the result
//! is made legal: a digit at the start gets a prefix, a keyword gets a `_`
//! suffix. Raw identifiers (`r#fn`) are never produced, because `self`,
//! `Self`, `crate` and `super` cannot be raw.
//!
//! Sanitising can map different names to the same identifier (`a b`, `a_b`
//! and `A-B` all become `a_b`); [`unique`] resolves such collisions in input
//! order, so the first name keeps the plain form.

use std::collections::BTreeSet;

/// Every Rust keyword of every edition, strict, reserved and weak: none of
/// them is used as a generated identifier.
pub const KEYWORDS: &[&str] = &[
    "Self",
    "abstract",
    "as",
    "async",
    "await",
    "become",
    "box",
    "break",
    "const",
    "continue",
    "crate",
    "do",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "final",
    "fn",
    "for",
    "gen",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "macro",
    "macro_rules",
    "match",
    "mod",
    "move",
    "mut",
    "override",
    "priv",
    "pub",
    "raw",
    "ref",
    "return",
    "safe",
    "self",
    "static",
    "struct",
    "super",
    "trait",
    "true",
    "try",
    "type",
    "typeof",
    "union",
    "unsafe",
    "unsized",
    "use",
    "virtual",
    "where",
    "while",
    "yield",
];

/// Whether `name` is a Rust keyword (see [`KEYWORDS`]).
pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// Longest field identifier: longer names are cut (the docs of the field
/// still give the full column name), so generated lines stay readable and
/// short enough that prettyplease (which wraps at 89 columns) and rustfmt
/// (at 100) lay them out alike.
pub const MAX_FIELD_LEN: usize = 32;

/// Longest type or variant identifier, see [`MAX_FIELD_LEN`].
pub const MAX_TYPE_LEN: usize = 24;

/// A `snake_case` identifier for a struct field or function, e.g.
/// `Distance (mi)` → `distance_mi`, `fn` → `fn_`, `1st` → `_1st`,
/// `größe` → `grosse`, `距离` → `u8ddd_u79bb`, `""` → `field`.
pub fn field_ident(name: &str) -> String {
    let words = words(name);
    if words.is_empty() {
        return "field".to_string();
    }
    let mut ident = words
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    if ident.starts_with(|c: char| c.is_ascii_digit()) {
        ident.insert(0, '_');
    }
    ident.truncate(MAX_FIELD_LEN);
    while ident.len() > 1 && ident.ends_with('_') {
        ident.pop();
    }
    if is_keyword(&ident) {
        ident.push('_');
    }
    ident
}

/// An `UpperCamelCase` identifier for a type, e.g. `cheapest_shipper` →
/// `CheapestShipper`, `self` → `Self_`, `2020 sales` → `T2020Sales`,
/// `""` → `Value`.
pub fn type_ident(name: &str) -> String {
    camel(name, 'T')
}

/// An `UpperCamelCase` identifier for an enum variant, e.g. `north` →
/// `North`, `<=50K` → `LtEq50K`, `1` → `V1`, `-1` → `Minus1`,
/// `""` → `Value`.
pub fn variant_ident(name: &str) -> String {
    camel(name, 'V')
}

/// The longest package name [`package_name`] makes, before a suffix that
/// keeps it off a reserved name.
const MAX_PACKAGE_NAME: usize = 64;

/// A valid Cargo package name for the generated crate: lowercase ASCII
/// letters, digits, `-` and `_`, starting with a letter, and whose library
/// name (`-` read as `_`) is neither a keyword nor a name Cargo or the
/// generated example would trip over (`core`, `std`, `test`, `parity`, ...).
pub fn package_name(name: &str) -> String {
    let mut pkg = String::with_capacity(name.len());
    for c in name.chars() {
        if let Some(latin) = transliterate(c) {
            pkg.push_str(&latin.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() || c == '_' {
            pkg.push(c.to_ascii_lowercase());
        } else if !c.is_ascii() && c.is_alphanumeric() {
            // A letter of another script by its code, as the identifiers
            // name it: `クラス_rules` is `u30af-u30e9-u30b9-rules`, not a
            // name shared by every such target.
            if !pkg.is_empty() && !pkg.ends_with('-') {
                pkg.push('-');
            }
            pkg.push_str(&format!("u{:x}-", c as u32));
        } else if !pkg.ends_with('-') {
            pkg.push('-');
        }
    }
    // One separator between words (`shipper__rules` would warn as not
    // snake case), and a length every file system takes for the folders
    // Cargo names after the package.
    let mut collapsed = String::with_capacity(pkg.len());
    let mut run = String::new();
    for c in pkg.chars() {
        if c == '-' || c == '_' {
            run.push(c);
            continue;
        }
        if !run.is_empty() {
            collapsed.push(if run.contains('-') { '-' } else { '_' });
            run.clear();
        }
        collapsed.push(c);
    }
    collapsed.truncate(MAX_PACKAGE_NAME);
    let mut pkg = collapsed.trim_matches(|c| c == '-' || c == '_').to_string();
    if pkg.is_empty() {
        pkg = "rules".to_string();
    }
    if !pkg.starts_with(|c: char| c.is_ascii_alphabetic()) {
        pkg.insert_str(0, "rules-");
    }
    let lib = pkg.replace('-', "_");
    const TAKEN: &[&str] = &[
        "alloc",
        "core",
        "std",
        "test",
        "proc_macro",
        "parity",
        "rules",
        // The library of the `runtime` feature's dependency (`use
        // rulec_runtime as rules` in the examples).
        "rulec_runtime",
        "build",
        "deps",
        "examples",
        "incremental",
        "con",
        "prn",
        "aux",
        "nul",
    ];
    let windows_device = (lib.starts_with("com") || lib.starts_with("lpt"))
        && lib.len() == 4
        && lib.ends_with(|c: char| c.is_ascii_digit());
    if is_keyword(&lib) || TAKEN.contains(&lib.as_str()) || windows_device {
        pkg.push_str("-rules");
    }
    pkg
}

/// Makes sanitised names distinct, in input order: the first occurrence keeps
/// its name, later ones get a numeric suffix (`a_b`, `a_b_2`, `a_b_3`; for
/// `UpperCamelCase` names `Zone`, `Zone2`, and `V1`, `V1_2` after a digit).
/// No result equals an entry of `reserved`.
///
/// The suffixes keep the names free of `non_snake_case` and
/// `non_camel_case_types` warnings.
pub fn unique(names: impl IntoIterator<Item = String>, reserved: &[&str]) -> Vec<String> {
    let mut taken: BTreeSet<String> = reserved.iter().map(|s| s.to_string()).collect();
    names
        .into_iter()
        .map(|name| {
            let mut candidate = name.clone();
            let mut n = 2u64;
            while taken.contains(&candidate) {
                candidate = with_suffix(&name, n);
                n += 1;
            }
            taken.insert(candidate.clone());
            candidate
        })
        .collect()
}

fn with_suffix(name: &str, n: u64) -> String {
    let base = match name.trim_end_matches('_') {
        "" => name,
        base => base,
    };
    let camel = base
        .trim_start_matches('_')
        .starts_with(|c: char| c.is_ascii_uppercase());
    if camel && !base.ends_with(|c: char| c.is_ascii_digit()) {
        format!("{base}{n}")
    } else {
        format!("{base}_{n}")
    }
}

fn camel(name: &str, digit_prefix: char) -> String {
    let words = words(name);
    if words.is_empty() {
        return "Value".to_string();
    }
    let mut ident = String::new();
    for word in &words {
        // Two numbers side by side stay apart (`1.5` → `1_5`, not `15`); an
        // underscore between digits is still camel case for rustc.
        if ident.ends_with(|c: char| c.is_ascii_digit())
            && word.starts_with(|c: char| c.is_ascii_digit())
        {
            ident.push('_');
        }
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            ident.push(first.to_ascii_uppercase());
            ident.extend(chars.map(|c| c.to_ascii_lowercase()));
        }
    }
    if ident.starts_with(|c: char| c.is_ascii_digit()) {
        ident.insert(0, digit_prefix);
    }
    ident.truncate(MAX_TYPE_LEN);
    while ident.len() > 1 && ident.ends_with('_') {
        ident.pop();
    }
    if is_keyword(&ident) {
        ident.push('_');
    }
    ident
}

/// Splits a name into ASCII words (letters and digits only).
fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut cur = String::new();
    let flush = |cur: &mut String, words: &mut Vec<String>| {
        if !cur.is_empty() {
            words.push(std::mem::take(cur));
        }
    };
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_alphanumeric() {
            if let Some(prev) = cur.chars().last() {
                let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
                // `distanceMi` → `distance`, `Mi`; `HTTPServer` → `HTTP`, `Server`.
                let boundary = c.is_ascii_uppercase()
                    && (prev.is_ascii_lowercase()
                        || prev.is_ascii_digit()
                        || (prev.is_ascii_uppercase() && next_lower));
                if boundary {
                    flush(&mut cur, &mut words);
                }
            }
            cur.push(c);
        } else if let Some(latin) = transliterate(c) {
            cur.push_str(latin);
        } else if let Some(word) = symbol_word(c) {
            flush(&mut cur, &mut words);
            words.push(word.to_string());
        } else if c == '-'
            && cur.is_empty()
            && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit())
            && (i == 0 || !chars[i - 1].is_alphanumeric())
        {
            // A leading minus on a number is a sign, not a separator: `-1`
            // and `1` must not read the same.
            words.push("minus".to_string());
        } else if c.is_ascii() || c.is_whitespace() {
            flush(&mut cur, &mut words);
        } else {
            flush(&mut cur, &mut words);
            words.push(format!("u{:x}", c as u32));
        }
    }
    flush(&mut cur, &mut words);
    words
}

/// Symbols common in category values that carry meaning (`<=50K`, `>50K`).
fn symbol_word(c: char) -> Option<&'static str> {
    Some(match c {
        '<' => "lt",
        '>' => "gt",
        '=' => "eq",
        '+' => "plus",
        '%' => "pct",
        '&' => "and",
        _ => return None,
    })
}

/// Latin-1 letters to ASCII (`None` for any other character; the
/// identifiers make other scripts `u{hex}` words).
pub fn transliterate(c: char) -> Option<&'static str> {
    Some(match c {
        'À'..='Å' => "A",
        'à'..='å' => "a",
        'Æ' => "AE",
        'æ' => "ae",
        'Ç' => "C",
        'ç' => "c",
        'È'..='Ë' => "E",
        'è'..='ë' => "e",
        'Ì'..='Ï' => "I",
        'ì'..='ï' => "i",
        'Ð' => "D",
        'ð' => "d",
        'Ñ' => "N",
        'ñ' => "n",
        'Ò'..='Ö' | 'Ø' => "O",
        'ò'..='ö' | 'ø' => "o",
        'Ù'..='Ü' => "U",
        'ù'..='ü' => "u",
        'Ý' => "Y",
        'ý' | 'ÿ' => "y",
        'Þ' => "Th",
        'þ' => "th",
        'ß' => "ss",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields() {
        assert_eq!(field_ident("distance_mi"), "distance_mi");
        assert_eq!(field_ident("Distance (mi)"), "distance_mi");
        assert_eq!(field_ident("distanceMi"), "distance_mi");
        assert_eq!(field_ident("HTTPServer"), "http_server");
        assert_eq!(field_ident("fn"), "fn_");
        assert_eq!(field_ident("self"), "self_");
        assert_eq!(field_ident("Self"), "self_");
        assert_eq!(field_ident("1st"), "_1st");
        assert_eq!(field_ident(""), "field");
        assert_eq!(field_ident("_"), "field");
        assert_eq!(field_ident("größe"), "grosse");
        assert_eq!(field_ident("距离"), "u8ddd_u79bb");
        assert_eq!(field_ident("a b"), "a_b");
        assert_eq!(field_ident("A-B"), "a_b");
        for long in ["ab ".repeat(30), "abc ".repeat(30)] {
            let field = field_ident(&long);
            assert!(field.len() <= MAX_FIELD_LEN && field.len() >= MAX_FIELD_LEN - 1);
            assert!(!field.ends_with('_'), "{field}");
        }
        assert_eq!(variant_ident(&"ab ".repeat(30)).len(), MAX_TYPE_LEN);
    }

    #[test]
    fn types_and_variants() {
        assert_eq!(type_ident("cheapest_shipper"), "CheapestShipper");
        assert_eq!(type_ident("self"), "Self_");
        assert_eq!(type_ident("2020 sales"), "T2020Sales");
        assert_eq!(variant_ident("north"), "North");
        assert_eq!(variant_ident("B"), "B");
        assert_eq!(variant_ident("<=50K"), "LtEq50K");
        assert_eq!(variant_ident(">50K"), "Gt50K");
        assert_eq!(variant_ident("1"), "V1");
        assert_eq!(variant_ident("-1"), "Minus1");
        assert_eq!(variant_ident("1.5"), "V1_5");
        assert_eq!(variant_ident(""), "Value");
        assert_eq!(variant_ident("\"); panic!(\""), "Panic");
    }

    #[test]
    fn unique_in_input_order() {
        let names = ["a_b", "a_b", "a_b", "self_", "self_"].map(String::from);
        assert_eq!(
            unique(names, &[]),
            ["a_b", "a_b_2", "a_b_3", "self_", "self_2"]
        );
        let names = ["Input", "Zone", "Zone", "V1", "V1", "Self_", "Self_"].map(String::from);
        assert_eq!(
            unique(names, &["Input"]),
            ["Input2", "Zone", "Zone2", "V1", "V1_2", "Self_", "Self2"]
        );
    }

    #[test]
    fn package_names() {
        assert_eq!(package_name("Shipping Rules"), "shipping-rules");
        // `rules` is the module name the crate's example uses.
        assert_eq!(package_name(""), "rules-rules");
        assert_eq!(package_name("_"), "rules-rules");
        assert_eq!(package_name("😀"), "rules-rules");
        assert_eq!(package_name("shipper_ rules"), "shipper-rules");
        assert_eq!(package_name("shipper__rules"), "shipper_rules");
        assert_eq!(package_name("Self -_rules"), "self-rules");
        let long = package_name(&"shipper_".repeat(40));
        assert!(
            long.len() <= 64 && long.starts_with("shipper_shipper"),
            "{long}"
        );
        assert!(!long.ends_with(['_', '-']), "{long}");
        assert_eq!(package_name("1st"), "rules-1st");
        assert_eq!(package_name("fn"), "fn-rules");
        assert_eq!(package_name("rulec-runtime"), "rulec-runtime-rules");
        assert_eq!(package_name("rulec_runtime"), "rulec_runtime-rules");
        assert_eq!(package_name("core"), "core-rules");
        assert_eq!(package_name("größe"), "grosse");
        assert_eq!(package_name("クラス_rules"), "u30af-u30e9-u30b9-rules");
        assert_eq!(package_name("日本2"), "u65e5-u672c-2");
        assert_eq!(package_name("été_日本"), "ete-u65e5-u672c");
    }
}
