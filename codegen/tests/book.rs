//! The rule book (RULEBOOK.md and rulebook.html) for hand-made rule sets:
//! whole outputs compared with the golden files under `tests/data/book/`
//! (a missing or different file fails; `UPDATE_EXPECT=1` writes them after
//! an intended change), key contents asserted, hostile strings escaped, the
//! page self-contained. See: issue #5.

mod book_fixture;
mod golden;

use std::path::Path;

use book_fixture::{hostile_book, shipping_book, with_audit, SCRIPT};
use rulec_codegen::book::{markdown, markdown_signed, recorded_rules_sha256, RecordError, SignOff};
use rulec_codegen::html::{html, html_signed};
use rulec_runtime::RuleSet;

/// Compares `actual` with the golden file `name` (see [`golden::check`]).
#[track_caller]
fn check_golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/book")
        .join(name);
    golden::check(&path, actual);
}

#[track_caller]
fn assert_has(text: &str, needle: &str) {
    assert!(
        text.contains(needle),
        "expected to find\n{needle}\nin the output"
    );
}

/// The sign-off of a rules.json with a made-up SHA-256.
fn sign_off() -> SignOff {
    SignOff {
        rules_file: "rules.json".into(),
        rules_sha256: "0123456789abcdef".repeat(4),
    }
}

/// A sign-off whose file name is markup in both formats.
fn hostile_sign_off() -> SignOff {
    SignOff {
        rules_file: format!("{SCRIPT}*|`x`.json"),
        rules_sha256: "fedcba9876543210".repeat(4),
    }
}

#[test]
fn markdown_matches_golden() {
    check_golden(
        "expected.md",
        &markdown_signed(&shipping_book(), &sign_off()),
    );
}

#[test]
fn html_matches_golden() {
    check_golden("expected.html", &html_signed(&shipping_book(), &sign_off()));
}

/// The sign-off section: last in both formats, the rule set's and the
/// data's SHA-256, how to verify, blank rows to sign; read back as written.
/// Without a sign-off the book has no such section. See: #17
#[test]
fn the_sign_off_records_the_hashes_and_reads_back() {
    let set = shipping_book();
    let s = sign_off();
    let md = markdown_signed(&set, &s);
    let unsigned = markdown(&set);
    assert!(md.starts_with(&unsigned), "the section is added at the end");
    let section = &md[unsigned.len()..];
    assert!(section.starts_with("## Sign-off\n\n"), "{section}");
    assert_has(
        section,
        &format!("| rule set SHA-256 | `{}` |", s.rules_sha256),
    );
    assert_has(section, "| rule set file | `rules.json` |");
    let data = set.provenance.as_ref().unwrap();
    assert_has(
        section,
        &format!("| data SHA-256 | `{}` |", data.data_sha256),
    );
    assert_has(section, "`rulec verify RULEBOOK.md rules.json`");
    assert_has(section, "| reviewer | | | |\n| approver | | | |\n");
    assert_eq!(recorded_rules_sha256(&md), Ok(s.rules_sha256.clone()));
    assert_eq!(
        recorded_rules_sha256(&unsigned),
        Err(RecordError::NoSection)
    );

    let page = html_signed(&set, &s);
    assert_has(&page, "<section id=\"sign-off\">\n<h2>Sign-off</h2>");
    assert_has(
        &page,
        &format!(
            "<tr><th>rule set SHA-256</th><td><code>{}</code></td></tr>",
            s.rules_sha256
        ),
    );
    assert_has(&page, "<code>rulec verify RULEBOOK.md rules.json</code>");
    assert!(page.ends_with("</section>\n</main>\n</body>\n</html>\n"));
    assert_eq!(recorded_rules_sha256(&page), Ok(s.rules_sha256.clone()));
    assert_eq!(
        recorded_rules_sha256(&html(&set)),
        Err(RecordError::NoSection)
    );
    assert!(!html(&set).contains("sign-off"));
}

/// A hostile file name is text in the sign-off of both formats, and the
/// recorded hash still reads back.
#[test]
fn the_sign_off_escapes_the_file_name() {
    let s = hostile_sign_off();
    let md = markdown_signed(&hostile_book(), &s);
    // In a code span the text shows as typed: its fence is longer than
    // the backticks inside, and a pipe, which would end the table cell, is
    // escaped as GFM tables read it, `\|`.
    assert_has(
        &md,
        "| rule set file | ``<script>alert(1)</script>*\\|`x`.json`` |",
    );
    assert_eq!(recorded_rules_sha256(&md), Ok(s.rules_sha256.clone()));
    let page = html_signed(&hostile_book(), &s);
    assert!(!page.contains(SCRIPT));
    assert_has(
        &page,
        "<code>&lt;script&gt;alert(1)&lt;/script&gt;*|`x`.json</code>",
    );
    assert_eq!(recorded_rules_sha256(&page), Ok(s.rules_sha256));
}

/// Text from data cannot stand in for the sign-off's records: a rules file
/// named after another set's hash does not make the book verify against
/// that set, a column named like the other format's sign-off heading does
/// not add a section, and a bidirectional override shows by its code.
#[test]
fn data_cannot_forge_the_sign_off() {
    let forged = "0123456789abcdef".repeat(4);
    let s = SignOff {
        rules_file: format!("rule set SHA-256 {forged}.json"),
        rules_sha256: "fedcba9876543210".repeat(4),
    };
    let mut set = shipping_book();
    let rename = "<h2>Sign-off</h2>\n## Sign-off\nw\u{202e}_lb";
    for f in &mut set.features {
        if f.name == "weight_lb" {
            f.name = rename.into();
        }
    }
    for r in &mut set.rules {
        for c in &mut r.conditions {
            if let rulec_runtime::ir::Condition::Cmp { feature, .. } = c {
                if feature == "weight_lb" {
                    *feature = rename.into();
                }
            }
        }
    }
    let md = markdown_signed(&set, &s);
    let page = html_signed(&set, &s);
    assert!(
        md.contains("Sign-off</h2>"),
        "the name is in the Markdown book"
    );
    for book in [&md, &page] {
        assert_eq!(recorded_rules_sha256(book), Ok(s.rules_sha256.clone()));
        assert!(!book.contains('\u{202e}'));
        assert!(book.contains("u{202e}"));
    }
}

#[test]
fn markdown_has_every_part_of_the_book() {
    let md = markdown(&shipping_book());
    // The one-minute summary: what is decided, coverage, precision with its
    // bound, what the fallback receives; no cost line without a cost model.
    assert_has(&md, "## In one minute\n\n- What is decided: cheapest\\_shipper, one of \"A\", \"B\" or \"C\".\n");
    assert_has(&md, "- Share the rules decide (coverage): 38.4 % of the 4,000 test rows (never used to choose or certify a rule), 1,535 rows, by 3 rules.\n");
    assert_has(&md, "- Precision of those decisions: 97.8 % right; lower 95.0 % confidence bound 97.1 % (one-sided Wilson). Required: 95.0 % for the decisions of the rule set as a whole");
    assert_has(
        &md,
        "- What the fallback receives: the other 61.6 % (2,465 rows)",
    );
    assert!(
        !md.to_lowercase().contains("per million"),
        "no cost model, no compute line"
    );
    // Every rule: name, sentence, DSL, figures, examples.
    assert_has(&md, "| 1 | `short_light_to_b` | B | When distance\\_mi is below 50 and weight\\_lb is below 5, cheapest\\_shipper is \"B\". | 1,200 | 97.5 % (96.6 %) | 98.0 % | 98.3 % |\n");
    assert_has(&md, "When weight\\_lb is at least 70.5, zone is not \"west\" and express is false, cheapest\\_shipper is \"C\".");
    assert_has(
        &md,
        "When weight\\_lb is missing and express is true, cheapest\\_shipper is \"A\".",
    );
    assert_has(&md, "```text\nrule heavy_to_c:\n  when weight_lb >= 70.5 and zone not in {\"west\"} and not express\n  then cheapest_shipper = \"C\"\n```\n");
    assert_has(&md, "| `distance_mi` | `weight_lb` | `zone` | `express` | `fragile` | true `cheapest_shipper` |\n|---|---|---|---|---|---|\n| 36.5 | 3.9 | north | false | false | B |\n| 14.5 | 1.7 | east | true | missing | C |\n");
    // The confusion of covered decisions, per split.
    assert_has(&md, "| decided ↓ · true → | A | B | C |\n|---|---:|---:|---:|\n| **A** | 39 | 0 | 1 |\n| **B** | 12 | 1,170 | 18 |\n");
    // Rejected rules with their reasons.
    assert_has(
        &md,
        "### `my_guess` → A\n\nWhen zone is \"east\" or \"south\", cheapest\\_shipper is \"A\".",
    );
    assert_has(
        &md,
        "Not kept: it comes after the certified rules, and no certified set includes it.",
    );
    // The curve with the chosen point.
    assert_has(
        &md,
        "| 3 | 38.5 % | 97.4 % | 96.6 % | chosen |\n| 4 | 42.5 % | 94.7 % | 93.7 % | not kept |\n",
    );
    // Provenance: fingerprint, rows per split, teacher and accuracy, options, seed, version.
    assert_has(
        &md,
        "| data SHA-256 | 5f0c6bd2a1f4e0c3b2a19d8e7f6a5b4c3d2e1f00112233445566778899aabbcc |\n",
    );
    assert_has(
        &md,
        "| rows per split | train 6,000, validation 4,000, test 4,000 |\n",
    );
    assert_has(&md, "| teacher accuracy | 90.0 % on 4,000 test rows |\n");
    assert_has(&md, "| `seed` | `0` |\n");
    assert_has(&md, "| rulec version | 0.1.0 |\n");
}

#[test]
fn an_outside_teacher_is_said_to_be_trusted_not_to_have_seen_validation_rows() {
    // rulec's own teachers learn from training rows only, and the book says
    // so; of a logged column or an external program it cannot know that.
    let own = markdown(&shipping_book());
    assert_has(
        &own,
        "Validation rows are never used to train the teacher or to fit rules",
    );
    for teacher in [
        "column:model_decision",
        "cmd:python3 serve.py",
        "python:Pipeline",
    ] {
        let mut set = shipping_book();
        if let Some(p) = set.provenance.as_mut() {
            p.options.push(("teacher".into(), teacher.into()));
        }
        let md = markdown(&set);
        assert_has(&md, "The teacher ran outside rulec");
        assert_has(
            &md,
            "never trained, tuned or calibrated on the validation rows",
        );
        assert!(
            !md.contains("Validation rows are never used to train the teacher"),
            "{teacher}: the book must not vouch for a teacher it did not train"
        );
        assert_has(&html(&set), "The teacher ran outside rulec");
    }
    // A Python model the package fitted on the training rows is rulec's
    // own case. See: #18.
    let mut set = shipping_book();
    if let Some(p) = set.provenance.as_mut() {
        p.options
            .push(("teacher".into(), "python-fit:RandomForestClassifier".into()));
    }
    assert_has(
        &markdown(&set),
        "Validation rows are never used to train the teacher or to fit rules",
    );
}

#[test]
fn a_set_edited_by_hand_is_said_not_to_be_the_compiled_one() {
    // As compiled, the rules' figures add up to the set's: no warning.
    let warning = "These rules are not the set rulec compiled";
    let set = shipping_book();
    assert!(!markdown(&set).contains(warning));
    assert!(!html(&set).contains(warning));
    // A rule removed by hand: the fingerprint the compile recorded no
    // longer matches.
    let mut edited = shipping_book();
    edited.rules.remove(0);
    assert_has(
        &markdown(&edited),
        &format!("- {warning}: rules.json was changed after the compile"),
    );
    // The fingerprint removed too: nothing confirms the figures, even when
    // they add up.
    let mut unconfirmed = shipping_book();
    if let Some(p) = unconfirmed.provenance.as_mut() {
        p.compiled = None;
    }
    assert_has(
        &markdown(&unconfirmed),
        "- Nothing confirms that these rules are the set rulec compiled: rules.json carries figures but not the fingerprint",
    );
    // A file from before the fingerprint, a rule removed: its rows go to
    // later rules, or the fallback, and the set's figures (and guarantee)
    // no longer describe the rules.
    let mut edited = unconfirmed;
    let gone = edited.rules.remove(0);
    let gone = gone.evidence.expect("the fixture's rules carry evidence");
    let kept = edited.summary.as_ref().expect("the fixture has a summary");
    let covered = &kept.validation.covered;
    let (rows, right) = (
        covered.support - gone.validation.support,
        covered.correct - gone.validation.correct,
    );
    let md = markdown(&edited);
    assert_has(
        &md,
        &format!(
            "- {warning}: their own figures on the validation rows add up to {} rows, {} right, where the set's say {} rows, {} right: a figure was edited, or a rule removed or moved by hand",
            rulec_codegen::book::count(rows),
            rulec_codegen::book::count(right),
            rulec_codegen::book::count(covered.support),
            rulec_codegen::book::count(covered.correct),
        ),
    );
    assert_has(&html(&edited), warning);
}

#[test]
fn test_rows_that_contradict_the_guarantee_are_a_warning() {
    let warning = "Warning: on the test rows the rules fall short of the requirement";
    assert!(!markdown(&shipping_book()).contains(warning));
    let mut set = shipping_book();
    let summary = set.summary.as_mut().expect("the fixture has a summary");
    let test = summary.test.as_mut().expect("the fixture has test figures");
    // 170 of 186 (91.4 %): an exact upper bound of 94.5 % at 95 %.
    test.covered.support = 186;
    test.covered.correct = 170;
    let md = markdown(&set);
    assert_has(
        &md,
        &format!("- {warning}: right on 170 of 186 rows (91.4 %), an upper bound of 94.5 % at 95.0 % confidence, below the required 95.0 %."),
    );
    assert_has(&md, "about one time in 20");
    assert_has(&html(&set), warning);
    assert!(!md.contains("the copies of records count differently"));
    // Records written several times: certification counted each once, the
    // test figures every copy, and the warning says so.
    let mut copies = set.clone();
    let provenance = copies
        .provenance
        .as_mut()
        .expect("the fixture has a provenance");
    provenance
        .split_method
        .push_str("; the 60 rows that repeat another row exactly kept on its side, a validation row's copies counted once");
    assert_has(
        &markdown(&copies),
        "or the copies of records count differently: the guarantee counts each record once, the test figures every copy",
    );
    // 176 of 186 (94.6 %): below the target, yet within what chance
    // allows; no warning.
    let test = set.summary.as_mut().and_then(|s| s.test.as_mut()).unwrap();
    test.covered.correct = 176;
    assert!(!markdown(&set).contains(warning));
}

#[test]
fn a_fallback_that_receives_nothing_is_said_so() {
    let mut set = shipping_book();
    let summary = set.summary.as_mut().expect("the fixture has a summary");
    let test = summary.test.as_mut().expect("the fixture has test figures");
    test.covered.support = test.rows;
    let md = markdown(&set);
    assert_has(
        &md,
        "- What the fallback receives: no row; the rules answer every one.\n",
    );
    assert!(!md.contains("right on 0.0 % of them"), "{md}");
    // Nothing covered: every row, not "the other 100.0 %".
    let test = set.summary.as_mut().and_then(|s| s.test.as_mut()).unwrap();
    test.covered.support = 0;
    test.covered.correct = 0;
    let md = markdown(&set);
    assert_has(&md, "- What the fallback receives: every row (");
    assert!(!md.contains("the other 100.0 %"), "{md}");
}

/// A class no rule decides is named, with how many covered rows of it the
/// rules decided wrongly: a coverage and a precision alone do not show
/// that a rare class is never decided.
#[test]
fn a_class_no_rule_decides_is_named() {
    let said = "No rule decides";
    assert!(!markdown(&shipping_book()).contains(said));
    let mut set = shipping_book();
    set.rules.retain(|r| r.decision != "A");
    let a = set.target.classes.iter().position(|c| c == "A").unwrap();
    let test = set.summary.as_ref().and_then(|s| s.test.as_ref()).unwrap();
    // The rows the removed rules decided as A are not this set's: only
    // rows decided as another class count (the diagonal counted too, an
    // edited set said 24 rows decided wrongly where its rules cover none).
    let wrong: u64 = (0..test.confusion.len())
        .filter(|&d| d != a)
        .map(|d| test.confusion[d][a])
        .sum();
    assert!(
        wrong > 0,
        "the fixture has test rows of A decided otherwise"
    );
    assert!(test.confusion[a][a] > 0, "and rows of A decided as A");
    let md = markdown(&set);
    assert_has(
        &md,
        &format!(
            "- No rule decides \"A\": every row of that class goes to the fallback or is decided wrongly; on the \
             test rows the rules decided {wrong} rows of that class wrongly.\n"
        ),
    );
    assert_has(&html(&set), "No rule decides &quot;A&quot;");
    // Numeric targets decide values, not classes: nothing to say.
    set.target.tolerance = Some(1.0);
    assert!(!markdown(&set).contains(said));
}

/// A book with no rule considered and not kept names no such section:
/// the curve's paragraph and the advice when nothing passed pointed at it.
#[test]
fn a_book_without_rejected_rules_points_to_no_such_list() {
    let mut set = shipping_book();
    assert!(!set.rejected.is_empty(), "the fixture lists rejected rules");
    assert_has(&markdown(&set), "Rules considered and not kept");
    set.rejected.clear();
    for page in [markdown(&set), html(&set)] {
        assert!(!page.contains("Rules considered and not kept"), "{page}");
        assert!(!page.contains("next in line"), "{page}");
    }
}

#[test]
fn html_has_rules_table_and_figures() {
    let page = html(&shipping_book());
    assert!(page.starts_with("<!DOCTYPE html>\n"));
    assert!(page.ends_with("</html>\n"));
    assert_has(&page, "<table id=\"rules\">");
    for id in [
        "fig-rule-bars",
        "fig-curve",
        "fig-confusion-validation",
        "fig-confusion-test",
    ] {
        assert_has(
            &page,
            &format!("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{id}\""),
        );
    }
    assert_eq!(page.matches("<svg").count(), page.matches("</svg>").count());
    // The chosen point of the curve is marked and labelled.
    assert_has(&page, "3 rules, coverage 38.5 %");
    // The figures' counts are text too, for a screen reader: the confusion
    // of decisions as a table with header cells for both axes; every table
    // scrolls on its own on a narrow screen; the columns a rule tests say
    // so in words, not by their shade alone.
    for split in ["validation", "test"] {
        assert_has(
            &page,
            &format!("<summary>The counts on covered {split} rows, as a table</summary>"),
        );
    }
    assert_has(&page, "<th scope=\"row\">B</th><td class=\"n\">");
    assert_eq!(
        page.matches("<table").count(),
        page.matches("<div class=\"tbl\"><table").count()
    );
    assert_has(&page, "<span class=\"tag\">tested</span>");
    // Header rows are table heads, their cells column headers.
    assert_has(
        &page,
        "<table id=\"rules\">\n<thead><tr><th scope=\"col\" class=\"n\">#</th><th scope=\"col\">rule</th>",
    );
    assert_eq!(
        page.matches("<thead>").count(),
        page.matches("</thead>").count()
    );
    // A list of the sections under the title, each linked.
    assert_has(
        &page,
        "<nav aria-label=\"Contents\"><ul class=\"contents\">\n<li><a href=\"#card\">Model card</a></li>\n<li><a href=\"#summary\">In one minute</a></li>\n",
    );
    for id in ["figures", "rules-section", "certification", "inputs"] {
        assert_has(&page, &format!("<li><a href=\"#{id}\">"));
        assert_has(&page, &format!("<section id=\"{id}\">"));
    }
    assert_has(
        &page,
        "<p class=\"plain\">When distance_mi is below 50 and weight_lb is below 5, cheapest_shipper is &quot;B&quot;.</p>",
    );
}

#[test]
fn html_is_self_contained() {
    let page = html(&shipping_book());
    for banned in [
        "<script",
        "<link",
        "<img",
        "<iframe",
        "@import",
        "url(",
        " src=",
        " href=\"http",
    ] {
        assert!(
            !page.contains(banned),
            "the page must load nothing: found {banned}"
        );
    }
    // The only URL is the SVG namespace, which is a name, not a request.
    let urls = page.matches("http://").count() + page.matches("https://").count();
    let namespaces = page.matches("xmlns=\"http://www.w3.org/2000/svg\"").count();
    assert_eq!(urls, namespaces);
    assert_has(
        &page,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
    );
}

#[test]
fn hostile_strings_are_text_in_html() {
    let page = html_signed(&hostile_book(), &hostile_sign_off());
    assert_has(&page, "&lt;script&gt;alert(1)&lt;/script&gt;");
    assert_has(&page, "&lt;img src=x onerror=alert(1)&gt;.csv");
    assert_has(
        &page,
        "<title>Rule book: &lt;b&gt;decision&lt;/b&gt;</title>",
    );
    assert_has(&page, "A &amp; C");
    for raw in [SCRIPT, "<script", "<img", "<b>", "<i>", "<mi>"] {
        assert!(!page.contains(raw), "raw markup {raw} in the page");
    }
    // The notes made when the data was read quote column names.
    assert_has(
        &page,
        "<li>column <code>&lt;script&gt;alert(1)&lt;/script&gt;</code> has type date, which rules cannot test, and is left out</li>",
    );
    assert_has(
        &page,
        "<li>column <code>a|b</code> holds *dates* such as <code>[x](http://y)</code> &amp; more</li>",
    );
    // The SVG figures escape their labels too.
    assert_has(&page, "decided &lt;i&gt;B&lt;/i&gt;, true A &amp; C");
    assert_eq!(page.matches("<svg").count(), page.matches("</svg>").count());
}

/// `line` without its CommonMark code spans: a run of backticks opens one,
/// and the next run of exactly as many closes it (a run with no match is
/// text).
fn without_code_spans(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let run_at = |i: usize| chars[i..].iter().take_while(|&&c| c == '`').count();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '`' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let n = run_at(i);
        let mut j = i + n;
        let close = loop {
            match (j..chars.len()).find(|&k| chars[k] == '`') {
                None => break None,
                Some(k) => {
                    let m = run_at(k);
                    if m == n {
                        break Some(k + m);
                    }
                    j = k + m;
                }
            }
        };
        match close {
            Some(end) => i = end,
            None => {
                out.extend(&chars[i..i + n]);
                i += n;
            }
        }
    }
    out
}

/// Markdown outside code: every `<` and `*` from data is escaped. Fenced
/// blocks and code spans show text as it is and are left out of the check.
#[test]
fn hostile_strings_are_text_in_markdown() {
    let md = markdown_signed(&hostile_book(), &hostile_sign_off());
    let mut prose = String::new();
    let mut in_fence = false;
    for line in md.lines() {
        if line.starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence || line.starts_with("<!-- @generated") {
            continue;
        }
        prose.push_str(&without_code_spans(line));
        prose.push('\n');
    }
    let chars: Vec<char> = prose.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if matches!(c, '<' | '*' | '[' | '&') {
            let escaped = i > 0 && chars[i - 1] == '\\';
            let markdown_bold =
                *c == '*' && (chars.get(i + 1) == Some(&'*') || (i > 0 && chars[i - 1] == '*'));
            assert!(
                escaped || markdown_bold,
                "unescaped {c:?} in Markdown prose near {:?}",
                chars[i.saturating_sub(30)..(i + 30).min(chars.len())]
                    .iter()
                    .collect::<String>()
            );
        }
    }
    assert_has(&md, "\\<script\\>alert(1)\\</script\\>");
    // The notes made when the data was read: one list item each, their
    // names as code (which Markdown shows as written), every other
    // character from data that Markdown would read escaped.
    assert_has(
        &md,
        "- column `<script>alert(1)</script>` has type date, which rules cannot test, and is left out\n",
    );
    assert_has(
        &md,
        "- column `a|b` holds \\*dates\\* such as `[x](http://y)` \\& more\n",
    );
    // Inside the DSL blocks the text is exact, so an auditor reads what runs.
    assert_has(&md, "zone not in {\"<script>alert(1)</script>\"}");
}

#[test]
fn outputs_are_deterministic_and_survive_json() {
    let set = shipping_book();
    let again = RuleSet::from_json(&set.to_json()).expect("the fixture is a valid rule set");
    assert_eq!(markdown(&set), markdown(&again));
    assert_eq!(html(&set), html(&again));
    let s = sign_off();
    assert_eq!(markdown_signed(&set, &s), markdown_signed(&again, &s));
    assert_eq!(html_signed(&set, &s), html_signed(&again, &s));
}

/// A rules.json written before examples, confusion and curve existed still
/// renders: the parts it lacks are left out.
#[test]
fn older_rule_sets_render_without_the_new_parts() {
    let mut set = shipping_book();
    for r in &mut set.rules {
        if let Some(e) = &mut r.evidence {
            e.examples.clear();
        }
    }
    if let Some(s) = &mut set.summary {
        s.curve.clear();
        s.validation.confusion.clear();
        if let Some(t) = &mut s.test {
            t.confusion.clear();
        }
    }
    let page = html(&set);
    assert_has(&page, "<table id=\"rules\">");
    assert_has(&page, "id=\"fig-rule-bars\"");
    assert!(!page.contains("fig-curve"));
    assert!(!page.contains("fig-confusion"));
    if let Some(p) = &mut set.provenance {
        p.data_notes.clear();
    }
    let page = html(&set);
    assert!(!page.contains("data-notes"));
    let md = markdown(&set);
    assert!(!md.contains("Example validation rows"));
    assert!(!md.contains("## Decisions on covered rows"));
    assert!(!md.contains("when it read the data"));

    set.summary = None;
    set.rules.clear();
    let md = markdown(&set);
    assert_has(
        &md,
        "No rule reached the required precision: every row goes to the fallback.",
    );
    let page = html(&set);
    assert_has(
        &page,
        "<p>No rule reached the required precision: every row goes to the fallback.</p>",
    );
    assert!(!page.contains("<table id=\"rules\">"));
    assert!(!page.contains("<svg"));
}

/// The forbidden columns and the results by group, in both formats, with
/// group values that are markup escaped (#17).
#[test]
fn the_audit_sections_are_in_both_formats_and_escaped() {
    let set = with_audit(shipping_book());
    let md = markdown(&set);
    assert_has(&md, "## Forbidden columns");
    assert_has(&md, "| `region` | 0 | none of the 3 rules |");
    assert_has(&md, "## Results by group");
    assert_has(&md, "### `region` on validation rows (8 comparisons)");
    assert_has(&md, "### `region` on test rows (8 comparisons)");
    assert_has(&md, "| **yes: coverage** |");
    assert_has(&md, "**too few rows to say (under 30)**");
    // A group whose other rows are too few was not compared: not "no".
    let mut lopsided = set.clone();
    for t in &mut lopsided.summary.as_mut().unwrap().groups {
        t.groups.retain(|g| g.value != "north");
    }
    let md_lopsided = markdown(&lopsided);
    assert_has(
        &md_lopsided,
        "**not compared: the other rows are under 30**",
    );
    // A pipe in a value cannot break the table; markup stays text.
    assert_has(&md, "`a \\| b`");
    assert!(!md.contains(SCRIPT) || md.contains(&format!("`{SCRIPT}`")));
    let page = html(&set);
    assert_has(&page, "<section id=\"forbidden\">");
    assert_has(&page, "<section id=\"groups\">");
    assert_has(
        &page,
        "<td><code>&lt;script&gt;alert(1)&lt;/script&gt;</code></td>",
    );
    assert!(!page.contains(SCRIPT), "raw markup in the page");
    // A rule that reads a forbidden column is named, not hidden (a rule set
    // cannot load that way, but the book of one built in memory says so).
    let mut bad = set.clone();
    bad.policy.forbidden = vec!["zone".into()];
    assert_has(&markdown(&bad), "| `zone` | 1 | **heavy\\_to\\_c** |");
    // The first rule's reasons, most important first, in both formats.
    assert_has(
        &md,
        "| 1 | `weight_lb < 5` | 97.0 % | 76.4 % | 400 | 75.0 % |\n| 2 | `distance_mi < 50` | 97.0 % | 96.2 % | 50 | 20.0 % |",
    );
    assert_has(&page, "<td><code>weight_lb &lt; 5</code></td>");
    // Stability: the set's figure and each rule, the unstable one flagged.
    assert_has(&md, "## Stability");
    assert_has(&md, "Overall stability: 63.3 %");
    assert_has(
        &md,
        "| `heavy_to_c` | 100 | 3 of 20 | 15.0 % | **unstable** |",
    );
    assert_has(&page, "<section id=\"stability\">");
    // The model card opens both formats, its markup as text.
    assert!(md.find("## Model card").unwrap() < md.find("## In one minute").unwrap());
    assert_has(&md, "| owner | \\<script\\>alert(1)\\</script\\> |");
    assert_has(
        &md,
        "| intended population | **open: not given in the model card** |",
    );
    assert_has(&page, "<section id=\"card\">");
    assert_has(&page, "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>");
    // Without them the book has neither section.
    let plain = markdown(&shipping_book());
    assert!(!plain.contains("## Forbidden columns") && !plain.contains("## Results by group"));
}

#[test]
fn a_column_of_many_categories_is_listed_in_part_in_markdown_and_whole_in_html() {
    let mut set = shipping_book();
    let names: Vec<String> = (0..30).map(|i| format!("day_{i:02}")).collect();
    set.features.push(rulec_runtime::ir::Feature {
        name: "ship_date".into(),
        kind: rulec_runtime::ir::FeatureKind::Categorical {
            categories: names.clone(),
        },
        nullable: false,
    });
    let md = markdown(&set);
    let row = md
        .lines()
        .find(|l| l.starts_with("| `ship_date` |"))
        .expect("the column has a row in the inputs table");
    for name in &names[..20] {
        assert_has(row, &format!("`{name}`"));
    }
    for name in &names[20..] {
        assert!(!row.contains(name.as_str()), "{name} listed in {row}");
    }
    assert_has(
        row,
        "… and 10 more (30 in all: every one is in `rules.json` and `rulebook.html`)",
    );
    // A column of few categories is listed whole, as before.
    let zone = md
        .lines()
        .find(|l| l.starts_with("| `zone` |"))
        .expect("the fixture's categorical column");
    assert_has(zone, "`east`, `north`, `south`, `west` |");

    let page = html(&set);
    assert_has(&page, "<details><summary>30 categories</summary>");
    for name in &names {
        assert_has(&page, &format!("<code>{name}</code>"));
    }
}

#[test]
fn one_column_that_decides_every_validation_row_is_flagged_as_a_possible_leak() {
    use rulec_codegen::book::one_column_decides;
    let book = shipping_book();
    assert_eq!(
        one_column_decides(&book),
        None,
        "several columns: no warning"
    );

    // Every rule on `distance_mi`, every validation row answered and right.
    let mut leak = shipping_book();
    for rule in &mut leak.rules {
        rule.conditions.retain(|c| c.feature() == "distance_mi");
    }
    leak.rules.retain(|r| !r.conditions.is_empty());
    assert!(!leak.rules.is_empty());
    let figures = &mut leak.summary.as_mut().unwrap().validation;
    figures.covered.support = figures.rows;
    figures.covered.correct = figures.rows;
    let warning = one_column_decides(&leak).expect("a warning");
    assert!(
        warning.starts_with("One column, `distance_mi`, decides 100.0 % of the validation rows"),
        "{warning}"
    );
    assert!(warning.contains("--forbid distance_mi"), "{warning}");
    // Its name as code in both books (the Markdown escaped the backticks).
    assert_has(&markdown(&leak), "- One column, `distance_mi`, decides");
    let page = html(&leak);
    assert_has(&page, "One column, <code>distance_mi</code>, decides");

    // One error, or under 99 % answered: no warning.
    let mut one_wrong = leak.clone();
    one_wrong
        .summary
        .as_mut()
        .unwrap()
        .validation
        .covered
        .correct -= 1;
    assert_eq!(one_column_decides(&one_wrong), None);
    let mut fewer = leak.clone();
    let v = &mut fewer.summary.as_mut().unwrap().validation;
    v.covered.support = v.rows * 98 / 100;
    v.covered.correct = v.covered.support;
    assert_eq!(one_column_decides(&fewer), None);
}

/// A rule right in order but far below the target on every row its
/// conditions hold (the demo's `a_1`: 97.3 % in order, 66.4 % alone) says
/// so beside its plain words, which read as a fact on their own; the
/// first rule, which no rule precedes, never does.
#[test]
fn a_rule_that_holds_in_order_only_says_so() {
    let alone = |rows_with, correct_with| rulec_runtime::ir::Reason {
        condition: 0,
        rows_with,
        correct_with,
        excluded: 0,
        excluded_wrong: 0,
    };
    let note = "Holds in order only:";
    assert!(!markdown(&shipping_book()).contains(note));
    let mut set = shipping_book();
    for rule in &mut set.rules[..2] {
        let e = rule
            .evidence
            .as_mut()
            .expect("the fixture's rules carry evidence");
        e.reasons = vec![alone(500, 300)];
    }
    let in_order = set.rules[1]
        .evidence
        .as_ref()
        .and_then(|e| e.validation.precision())
        .expect("the fixture's second rule answers validation rows");
    let md = markdown(&set);
    assert_has(
        &md,
        &format!(
            "**{note}** this rule is right on {} of the validation rows it answers after the rules before it, but on only 60.0 % of all 500 validation rows where its conditions hold",
            rulec_codegen::book::pct(in_order)
        ),
    );
    assert_eq!(md.matches(note).count(), 1, "only the second rule");
    assert_has(
        &html(&set),
        &format!("<p><strong>{note}</strong> this rule is right on"),
    );
    // Short of the target in order too, or a gap of under 5 points: no
    // note (a rule at 94.1 % in order and 88.9 % alone, or at 9 of 9 and
    // 10 of 11, got one).
    let target = set.certification.precision;
    let mut short = set.clone();
    let e = short.rules[1].evidence.as_mut().expect("evidence");
    e.validation.correct = (e.validation.support as f64 * (target - 0.02)).floor() as u64;
    assert!(!markdown(&short).contains(note));
    let mut close = set.clone();
    let e = close.rules[1].evidence.as_mut().expect("evidence");
    (e.validation.support, e.validation.correct) = (100, 96);
    e.reasons = vec![alone(1000, 920)];
    assert!(!markdown(&close).contains(note));
    // The same rule 6 points below alone has it.
    close.rules[1].evidence.as_mut().expect("evidence").reasons = vec![alone(1000, 900)];
    assert_has(&markdown(&close), note);
    // At the target alone, no note.
    for rule in &mut set.rules[..2] {
        let e = rule
            .evidence
            .as_mut()
            .expect("the fixture's rules carry evidence");
        e.reasons = vec![alone(1000, (1000.0 * target).ceil() as u64)];
    }
    assert!(!markdown(&set).contains(note));
}
