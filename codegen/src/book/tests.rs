//! Unit tests of the parent module.

use super::advice::needed_right;
use super::*;

#[test]
fn nothing_tested_says_which_cause_applied() {
    use rulec_runtime::ir::{Rejected, Rule, Target};
    let target = Target {
        name: "y".into(),
        classes: vec!["a".into(), "b".into()],
        tolerance: None,
    };
    let mut set = RuleSet::new(target, Vec::new(), Vec::new(), 0.95, 0.95);
    assert!(nothing_tested(&set).starts_with(
        "No set was tested: no candidate rule kept its estimated precision on the training rows at what the target needs there."
    ));
    set.rejected.push(Rejected {
        rule: Rule {
            name: "near_miss_1".into(),
            conditions: Vec::new(),
            decision: "a".into(),
            origin: None,
            evidence: None,
        },
        reason: String::new(),
    });
    assert!(nothing_tested(&set).starts_with(
        "No set was tested: the order built sets of candidates, but each answers too few validation rows to pass even without an error."
    ));
}

/// How many right rows a tested set needed, as the note says it: the
/// exact test's threshold (114 rows need 113 at 0.95, 131 need 129).
#[test]
fn the_rows_a_set_needed_right_are_counted_exactly() {
    assert_eq!(needed_right(114, 0.95, 0.95), "113 of 114");
    assert_eq!(needed_right(131, 0.95, 0.95), "129 of 131");
    assert_eq!(needed_right(59, 0.95, 0.95), "all 59");
    assert_eq!(needed_right(58, 0.95, 0.95), "more than all 58");
    assert_eq!(needed_right(0, 0.95, 0.95), "more than all 0");
}

#[test]
fn a_percentage_never_rounds_to_its_ends() {
    assert_eq!(pct(0.5), "50.0 %");
    assert_eq!(pct(1.0), "100.0 %");
    assert_eq!(pct(0.0), "0.0 %");
    assert_eq!(pct(0.9996), "99.96 %");
    assert_eq!(pct(0.999999), "99.9999 %");
    assert_eq!(pct(0.00001), "0.001 %");
    assert_eq!(pct(0.9994), "99.9 %");
}

#[test]
fn a_bound_below_the_requirement_never_reads_as_it() {
    assert_eq!(pct_lower(0.9499792, 0.95), "94.998 %");
    assert_eq!(pct_lower(0.9496, 0.95), "94.96 %");
    assert_eq!(pct_lower(0.9524, 0.95), "95.2 %");
    assert_eq!(pct_lower(0.95, 0.95), "95.0 %");
    assert_eq!(pct_lower(0.9399, 0.95), "94.0 %");
}

#[test]
fn counts_have_separators() {
    assert_eq!(count(0), "0");
    assert_eq!(count(999), "999");
    assert_eq!(count(1000), "1,000");
    assert_eq!(count(20446), "20,446");
    assert_eq!(count(1234567), "1,234,567");
    // One decimal, always, as "{:.1}" but with separators.
    assert_eq!(one_decimal(2920.06), "2,920.1");
    assert_eq!(one_decimal(0.5), "0.5");
    assert_eq!(one_decimal(3.0), "3.0");
    assert_eq!(one_decimal(-1234.56), "-1,234.6");
    assert_eq!(one_decimal(-0.01), "0.0");
}

/// Code spans show names and values exactly as GFM renders them
/// (checked with cmark-gfm, GitHub's renderer): `x|`y`.json` in a
/// table cell renders as `<code>x|`y`.json</code>`.
#[test]
fn code_spans_show_data_exactly() {
    assert_eq!(code("zone"), "`zone`");
    assert_eq!(code("a`b"), "``a`b``");
    assert_eq!(code("`x"), "`` `x ``");
    assert_eq!(code("x``"), "``` x`` ```");
    assert_eq!(code(" hi "), "`  hi  `");
    assert_eq!(code("  "), "`  `");
    // A tab or a line break would show as a space, another value: the
    // value is written as the rule language writes it.
    assert_eq!(code("a\nb\tc"), "`\"a\\nb\\tc\"`");
    assert_eq!(code("a\\nb"), "`a\\nb`");
    assert_eq!(code("\"a\\nb\""), "`\"\\\"a\\\\nb\\\"\"`");
    assert_eq!(code("\"quoted\""), "`\"quoted\"`");
    assert_eq!(code("a|b"), "`a|b`");
    assert_eq!(code_cell("a|b"), "`a\\|b`");
    assert_eq!(code_cell("x|`y`.json"), "``x\\|`y`.json``");
    assert_eq!(code_cell_list(["a|b", "c"]), "`a\\|b`, `c`");
}

/// A data note's names show as code, not as escaped backticks (the book
/// showed `` \`zone\` ``); a note whose backticks do not pair is prose.
#[test]
fn a_notes_names_show_as_code() {
    assert_eq!(
        note_md("column `zip_code` is read as text (`a*b`)"),
        "column `zip_code` is read as text (`a*b`)"
    );
    assert_eq!(note_md("a `b_c"), "a \\`b\\_c");
    // A name holding a backtick mispairs them: prose throughout.
    assert_eq!(
        note_md("column `a`b` alone (--forbid 'a`b')"),
        "column \\`a\\`b\\` alone (--forbid 'a\\`b')"
    );
    assert_eq!(note_md("name `x|y` <b>"), "name `x|y` \\<b\\>");
}

#[test]
fn one_row_is_a_row() {
    assert_eq!(rows(0), "0 rows");
    assert_eq!(rows(1), "1 row");
    assert_eq!(rows(2465), "2,465 rows");
}

#[test]
fn a_recorded_hash_is_found_in_both_formats_and_only_there() {
    let hash = "ab".repeat(32);
    let md = format!(
        "# Rule book\n\n## Sign-off\n\n| | |\n|---|---|\n| {RULES_SHA256_LABEL} | `{hash}` |\n"
    );
    assert_eq!(recorded_rules_sha256(&md), Ok(hash.clone()));
    let upper = md.replace(&hash, &hash.to_uppercase());
    assert_eq!(recorded_rules_sha256(&upper), Ok(hash.clone()));
    let page = format!("<h2>Sign-off</h2>\n<table>\n<tr><th>{RULES_SHA256_LABEL}</th><td><code>{hash}</code></td></tr>\n");
    assert_eq!(recorded_rules_sha256(&page), Ok(hash.clone()));
    // A hash before the section, or too short or long, does not count.
    let before = format!("| {RULES_SHA256_LABEL} | `{hash}` |\n\n## Sign-off\n\nnothing\n");
    assert_eq!(recorded_rules_sha256(&before), Err(RecordError::NoHash));
    let short = md.replace(&hash, &hash[1..]);
    assert_eq!(recorded_rules_sha256(&short), Err(RecordError::NoHash));
    let long = md.replace(&hash, &format!("{hash}0"));
    assert_eq!(recorded_rules_sha256(&long), Err(RecordError::NoHash));
    assert_eq!(recorded_rules_sha256(""), Err(RecordError::NoSection));
    assert_eq!(
        recorded_rules_sha256("## Sign-off without a line break"),
        Err(RecordError::NoSection)
    );
    // Multi-byte text around the label is no problem.
    let wide = md.replace("| |", "| é€ |");
    assert_eq!(recorded_rules_sha256(&wide), Ok(hash.clone()));
    // CRLF line endings (a book that went through Windows or mail) read
    // the same.
    assert_eq!(
        recorded_rules_sha256(&md.replace('\n', "\r\n")),
        Ok(hash.clone())
    );
    // Two sign-off sections (two books joined): refused, not the last one
    // taken.
    let other = md.replace(&hash, &"cd".repeat(32));
    assert_eq!(
        recorded_rules_sha256(&format!("{md}{other}")),
        Err(RecordError::SeveralSections(2))
    );
}

#[test]
fn a_filled_sign_off_row_is_found_in_both_formats() {
    let md = format!("# Rule book\n\n## {SIGN_OFF_HEADING}\n\n| | name | date | decision and conditions |\n|---|---|---|---|\n| reviewer | | | |\n| approver | | | |\n");
    assert!(signed_by(&md).is_empty());
    let signed = md.replace(
        "| reviewer | | | |",
        "| reviewer | Jane Doe | 2026-05-01 | approved |",
    );
    assert_eq!(signed_by(&signed), vec!["reviewer"]);
    assert_eq!(signed_by(&signed.replace('\n', "\r\n")), vec!["reviewer"]);
    let page = format!("<h2>{SIGN_OFF_HEADING}</h2>\n<table>\n<tr><th>reviewer</th><td></td><td></td><td></td></tr>\n<tr><th>approver</th><td></td><td></td><td></td></tr>\n");
    assert!(signed_by(&page).is_empty());
    let page = page.replace(
        "<th>approver</th><td></td>",
        "<th>approver</th><td>J. Roe</td>",
    );
    assert_eq!(signed_by(&page), vec!["approver"]);
    // A row before the sign-off section does not count.
    assert!(signed_by(&format!("| reviewer | x | | |\n{md}")).is_empty());
}

#[test]
fn markdown_escapes_markup() {
    assert_eq!(
        escape_md("<script>alert(1)</script> *x* &amp;"),
        "\\<script\\>alert(1)\\</script\\> \\*x\\* \\&amp;"
    );
}

/// A first set right less often than the target itself is not told that
/// more validation rows may let it pass (a user who gave them got the
/// same advice again); one above the target, short only in its bound, is.
#[test]
fn more_rows_are_advised_only_where_they_could_help() {
    use rulec_runtime::ir::{CertificationTest, Target};
    let target = Target {
        name: "y".into(),
        classes: vec!["a".into(), "b".into()],
        tolerance: None,
    };
    let mut set = RuleSet::new(target, Vec::new(), Vec::new(), 0.95, 0.95);
    let tested = |correct: u64| CertificationTest {
        rules: 2,
        support: 100,
        correct,
        confidence: 0.95,
        lower_bound: 0.8,
        passed: false,
        classes: Vec::new(),
    };
    set.certification.tests = vec![tested(85)];
    let said = nothing_passed(&set).unwrap();
    assert!(!said.contains("More validation rows"), "{said}");
    assert!(
        said.contains("Right less often than the target itself, it would fail on more rows like these too; another teacher (--teacher) or a lower --precision may let a set pass."),
        "{said}"
    );
    set.certification.tests = vec![tested(96)];
    let said = nothing_passed(&set).unwrap();
    assert!(said.contains("More validation rows"), "{said}");
}

/// A category holding a tab or a line break showed as a space in the
/// Inputs tables of both books, the same as `x y`: each is written as the
/// rule language writes it, and a value without one as it is.
#[test]
fn inputs_show_tabs_and_line_breaks_as_the_rule_language_writes_them() {
    use rulec_runtime::ir::{Feature, Target};
    let target = Target {
        name: "y".into(),
        classes: vec!["a".into(), "b\tc".into()],
        tolerance: None,
    };
    let feature = Feature {
        name: "col\nname".into(),
        kind: FeatureKind::Categorical {
            categories: vec!["x y".into(), "x\ty".into(), "x\ny".into()],
        },
        nullable: false,
    };
    let rule = rulec_runtime::ir::Rule {
        name: "r".into(),
        conditions: vec![rulec_runtime::ir::Condition::In {
            feature: "col\nname".into(),
            values: vec!["x\ty".into()],
        }],
        decision: "b\tc".into(),
        origin: None,
        evidence: None,
    };
    let set = RuleSet::new(target, vec![feature], vec![rule], 0.95, 0.95);
    // The sentence and the rules table too.
    let said = crate::sentence::rule_sentence(&set, &set.rules[0]);
    assert_eq!(said, "When \"col\\nname\" is \"x\\ty\", y is \"b\\tc\".");
    let md = markdown(&set);
    assert!(
        md.contains("| `r` | \"b\\\\tc\" | When \"col\\\\nname\" is"),
        "{md}"
    );
    assert!(
        md.contains(
            "| `\"col\\nname\"` | categorical | none seen | `x y`, `\"x\\ty\"`, `\"x\\ny\"` |"
        ),
        "{md}"
    );
    assert!(md.contains("`\"b\\tc\"`"), "{md}");
    let page = crate::html::html(&set);
    assert!(
        page.contains("<td><code>&quot;col\\nname&quot;</code></td><td>categorical</td><td>none seen</td><td><code>x y</code>, <code>&quot;x\\ty&quot;</code>, <code>&quot;x\\ny&quot;</code></td>"),
        "{page}"
    );
    assert!(page.contains("<code>&quot;b\\tc&quot;</code>"), "{page}");
}

/// The sign-off's commands take the rule set's file name as one shell
/// word: pasted, `x|`r`.json` piped into a command and ran `r`.
#[test]
fn the_sign_off_commands_quote_the_file_name_for_a_shell() {
    let sign_off = |name: &str| SignOff {
        rules_file: name.into(),
        rules_sha256: "0".repeat(64),
    };
    let text = sign_off_paragraph(&sign_off("x|`r`.json"), |s| format!("[{s}]"));
    assert!(
        text.contains("[rulec verify RULEBOOK.md 'x|`r`.json']"),
        "{text}"
    );
    assert!(text.contains("[sha256sum 'x|`r`.json']"), "{text}");
    // The file itself is named as it is.
    assert!(text.contains("the rule set file [x|`r`.json]"), "{text}");
    let text = sign_off_paragraph(&sign_off("-x.json"), |s| format!("[{s}]"));
    assert!(text.contains("[sha256sum ./-x.json]"), "{text}");
    let text = sign_off_paragraph(&sign_off("rules.json"), |s| format!("[{s}]"));
    assert!(
        text.contains("[rulec verify RULEBOOK.md rules.json]"),
        "{text}"
    );
}

/// The Provenance table shows the names in its values as code (the split
/// read "column \`split\`" in Markdown, with backticks inside the HTML's
/// code), and a plain value (a file, a hash) as code.
#[test]
fn provenance_names_show_as_code() {
    use rulec_runtime::ir::{Provenance, SplitRows, Target};
    let target = Target {
        name: "y".into(),
        classes: vec!["a".into(), "b".into()],
        tolerance: None,
    };
    let mut set = RuleSet::new(target, Vec::new(), Vec::new(), 0.95, 0.95);
    set.provenance = Some(Provenance {
        tool_version: "0".into(),
        data_file: "d.csv".into(),
        data_sha256: "ab".repeat(32),
        rows: 10,
        split_rows: SplitRows::default(),
        split_method: "given by column `split`".into(),
        teacher: "forest".into(),
        options: Vec::new(),
        seed: 0,
        data_notes: Vec::new(),
        compiled: None,
    });
    let md = markdown(&set);
    assert!(md.contains("| split | given by column `split` |"), "{md}");
    assert!(md.contains("| data file | d.csv |"), "{md}");
    let page = crate::html::html(&set);
    assert!(
        page.contains("<tr><th>split</th><td>given by column <code>split</code></td></tr>"),
        "{page}"
    );
    assert!(
        page.contains("<tr><th>data file</th><td><code>d.csv</code></td></tr>"),
        "{page}"
    );
}
