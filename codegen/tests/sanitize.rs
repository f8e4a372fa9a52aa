//! Any text sanitises to an identifier that parses, is no keyword, and
//! follows the case rustc expects (so the generated crate has no
//! `non_snake_case` or `non_camel_case_types` warnings); `unique` keeps
//! those properties while making names distinct.

use proptest::prelude::*;
use rulec_codegen::sanitize::{
    field_ident, is_keyword, package_name, type_ident, unique, variant_ident, MAX_FIELD_LEN,
    MAX_TYPE_LEN,
};

/// rustc's `non_snake_case` test.
fn is_snake_case(ident: &str) -> bool {
    let ident = ident.trim_matches('_');
    !ident.contains("__") && !ident.chars().any(char::is_uppercase)
}

/// rustc's `non_camel_case_types` test.
fn is_camel_case(ident: &str) -> bool {
    let name = ident.trim_matches('_');
    let chars: Vec<char> = name.chars().collect();
    let has_case = |c: char| c.is_uppercase() || c.is_lowercase();
    name.is_empty()
        || (!chars[0].is_lowercase()
            && !name.contains("__")
            && !chars
                .windows(2)
                .any(|w| (has_case(w[0]) && w[1] == '_') || (has_case(w[1]) && w[0] == '_')))
}

fn assert_ident(ident: &str) {
    assert!(ident.is_ascii(), "{ident:?}");
    assert!(!is_keyword(ident), "{ident:?}");
    assert!(
        syn::parse_str::<syn::Ident>(ident).is_ok(),
        "{ident:?} is not an identifier"
    );
}

/// Text mixing the awkward parts: keywords, digits, symbols, unicode.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-zA-Z0-9 _<>=+%&.-]{0,12}",
        prop::sample::select(vec![
            "fn", "self", "Self", "crate", "super", "gen", "try", "union", "_", "__", "1st",
            "größe", "距离", "-1", "1.5", "a__b", "A_", "_a",
        ])
        .prop_map(String::from),
    ]
}

proptest! {
    #[test]
    fn fields_are_snake_case_identifiers(name in name()) {
        let ident = field_ident(&name);
        assert_ident(&ident);
        prop_assert!(is_snake_case(&ident), "{ident:?}");
        prop_assert!(ident.len() <= MAX_FIELD_LEN, "{ident:?}");
    }

    #[test]
    fn types_and_variants_are_camel_case_identifiers(name in name()) {
        for ident in [type_ident(&name), variant_ident(&name)] {
            assert_ident(&ident);
            prop_assert!(is_camel_case(&ident), "{ident:?}");
            prop_assert!(ident.len() <= MAX_TYPE_LEN, "{ident:?}");
        }
    }

    #[test]
    fn unique_names_stay_identifiers(names in prop::collection::vec(name(), 0..12)) {
        let reserved = ["Input", "Unknown", "field"];
        for (sanitize, snake) in [
            (field_ident as fn(&str) -> String, true),
            (type_ident, false),
            (variant_ident, false),
        ] {
            let plain: Vec<String> = names.iter().map(|n| sanitize(n)).collect();
            let resolved = unique(plain.clone(), &reserved);
            prop_assert_eq!(resolved.len(), plain.len());
            let distinct: std::collections::BTreeSet<&String> = resolved.iter().collect();
            prop_assert_eq!(distinct.len(), resolved.len(), "{:?}", resolved);
            for (before, after) in plain.iter().zip(&resolved) {
                assert_ident(after);
                prop_assert!(!reserved.contains(&after.as_str()));
                prop_assert!(after.starts_with(before.trim_end_matches('_')));
                if snake {
                    prop_assert!(is_snake_case(after), "{after:?}");
                } else {
                    prop_assert!(is_camel_case(after), "{after:?}");
                }
            }
        }
    }

    #[test]
    fn package_names_are_valid(name in name()) {
        let pkg = package_name(&name);
        prop_assert!(pkg.starts_with(|c: char| c.is_ascii_lowercase()), "{pkg:?}");
        prop_assert!(
            pkg.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'),
            "{pkg:?}"
        );
        prop_assert!(!pkg.ends_with('-') && !pkg.ends_with('_'), "{pkg:?}");
        let lib = pkg.replace('-', "_");
        prop_assert!(!is_keyword(&lib), "{pkg:?}");
        prop_assert!(syn::parse_str::<syn::Ident>(&lib).is_ok(), "{pkg:?}");
    }
}

#[test]
fn colliding_names_resolve_in_input_order() {
    let names = ["a b", "a_b", "A-B", "input", "Input", "decide", "RULES"];
    let fields = unique(names.iter().map(|n| field_ident(n)), &[]);
    assert_eq!(
        fields,
        ["a_b", "a_b_2", "a_b_3", "input", "input_2", "decide", "rules"]
    );
    let types = unique(names.iter().map(|n| type_ident(n)), &["Input"]);
    assert_eq!(
        types,
        ["AB", "AB2", "AB3", "Input2", "Input3", "Decide", "Rules"]
    );
}
