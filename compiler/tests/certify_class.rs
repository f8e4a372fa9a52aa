//! `--certify class` end to end: on data where one class's region is clean
//! and the other's is noisy everywhere, the set as a whole reaches the
//! target with the noisy class inside it, while with `--certify class`
//! every decided class reaches it on its own, as rules.json and the rule
//! book both show. See: #15 (item 6).

mod common;

use std::fmt::Write as _;
use std::path::Path;

use common::{rulec, split_of};
use rulec_datasets::Rng;
use rulec_runtime::ir::{RuleSet, Scope};
use rulec_runtime::stats::clopper_pearson_lower;

/// 6,000 rows: `x < 70` is "yes" 99.5 % of the time; above, "no" only 92 %
/// of the time, flipped at random (no region of it is cleaner); `z` is
/// noise. A split column gives 60/20/20.
fn write_data(dir: &Path) {
    let mut rng = Rng::new(7);
    let mut csv = String::from("x,z,answer,split\n");
    for i in 0..6000 {
        let x = rng.f64() * 100.0;
        let z = rng.f64();
        let clean = x < 70.0;
        let usual = if clean { "yes" } else { "no" };
        let other = if clean { "no" } else { "yes" };
        let right = rng.chance(if clean { 0.995 } else { 0.92 });
        let split = split_of(i);
        let _ = writeln!(
            csv,
            "{x:.3},{z:.3},{},{split}",
            if right { usual } else { other }
        );
    }
    std::fs::write(dir.join("data.csv"), csv).unwrap();
}

fn compile(dir: &Path, certify: &str) -> RuleSet {
    let out = format!("out-{certify}");
    rulec(
        dir,
        &[
            "compile",
            "data.csv",
            "--target",
            "answer",
            "--split-column",
            "split",
            "--precision",
            "0.95",
            "--certify",
            certify,
            "--out",
            &out,
            "--quiet",
        ],
    );
    let json = std::fs::read_to_string(dir.join(&out).join("rules.json")).unwrap();
    serde_json::from_str(&json).unwrap()
}

/// Per decided class, validation rows and right ones, from the rules'
/// evidence (each row counted for the first rule that answers it).
fn per_class(set: &RuleSet) -> Vec<(String, u64, u64)> {
    let mut out: Vec<(String, u64, u64)> = Vec::new();
    for r in &set.rules {
        let Some(e) = r.evidence.as_ref().map(|e| &e.validation) else {
            continue;
        };
        match out.iter_mut().find(|(c, _, _)| *c == r.decision) {
            Some(entry) => {
                entry.1 += e.support;
                entry.2 += e.correct;
            }
            None => out.push((r.decision.clone(), e.support, e.correct)),
        }
    }
    out
}

#[test]
fn certify_class_keeps_the_noisy_class_out_where_the_set_lets_it_in() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());

    // The set: the noisy "no" region rides on the clean "yes" one.
    let set = compile(dir.path(), "set");
    assert_eq!(set.certification.scope, Scope::Set);
    let classes = per_class(&set);
    let no = classes.iter().find(|(c, _, _)| c == "no");
    let (_, n, c) = no.expect("the set certifies rules deciding \"no\"");
    assert!(
        clopper_pearson_lower(*c, *n, 0.95) < 0.95,
        "\"no\" alone: {c} of {n}"
    );
    // The book's summary says that kept rules sit below the target alone
    // (the rules table shows them; a reader takes each for one at it).
    let book = std::fs::read_to_string(dir.path().join("out-set/RULEBOOK.md")).unwrap();
    let below = set.rules.iter().filter(|r| {
        r.evidence
            .as_ref()
            .is_some_and(|e| (e.validation.correct as f64) < 0.95 * e.validation.support as f64)
    });
    assert!(
        below.count() > 0,
        "the noisy class's rules sit below the target"
    );
    assert!(
        book.contains("own validation rows (")
            && book.contains("--certify rule holds each rule to it alone"),
        "{book}"
    );

    // Class by class: every decided class reaches the target on its own.
    let set = compile(dir.path(), "class");
    assert_eq!(set.certification.scope, Scope::Class);
    let classes = per_class(&set);
    assert!(
        classes.iter().any(|(c, _, _)| c == "yes"),
        "the clean class is certified: {classes:?}"
    );
    for (class, n, c) in &classes {
        assert!(
            clopper_pearson_lower(*c, *n, 0.95) >= 0.95,
            "\"{class}\": {c} of {n} validation rows"
        );
    }
    // The last passing test lists each decided class, each passed.
    let last = set
        .certification
        .tests
        .iter()
        .rfind(|t| t.passed)
        .expect("a test passed");
    for (class, _, _) in &classes {
        let t = last.classes.iter().find(|t| &t.class == class);
        assert!(
            t.is_some_and(|t| t.passed),
            "\"{class}\" in {:?}",
            last.classes
        );
    }
    // The rule book shows each class's test.
    let book = std::fs::read_to_string(dir.path().join("out-class/RULEBOOK.md")).unwrap();
    assert!(book.contains("… decided as \"yes\""), "{book}");
    assert!(book.contains("each class the rules decide"), "{book}");
    let html = std::fs::read_to_string(dir.path().join("out-class/rulebook.html")).unwrap();
    assert!(html.contains("… decided as &quot;yes&quot;"), "{html}");
    // A near miss after a failed test names the class that failed it, with
    // that class's bound and rows, not the pooled rows beside the weakest
    // class's bound.
    let failed = set
        .certification
        .tests
        .iter()
        .find(|t| !t.passed)
        .expect("a test failed");
    let weakest = failed
        .classes
        .iter()
        .min_by(|a, b| a.lower_bound.total_cmp(&b.lower_bound))
        .unwrap();
    let said = format!(
        "whose weakest decided class, `{}`, reached a precision bound of",
        weakest.class
    );
    let reason = set
        .rejected
        .iter()
        .map(|r| r.reason.as_str())
        .find(|r| r.contains(&said))
        .unwrap_or_else(|| panic!("{said} in {:?}", set.rejected));
    assert!(
        reason.contains(&format!(
            "on {} validation rows it decides, below the required 95.0 %",
            weakest.support
        )),
        "{reason}"
    );
    // validate measures each decided class on new rows, as a line of its
    // own, and says those lines are the guarantee (it said the set's line
    // was), with either engine.
    for engine in ["rust", "sql"] {
        let out = rulec(
            dir.path(),
            &[
                "validate",
                "out-class/rules.json",
                "data.csv",
                "--engine",
                engine,
            ],
        );
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("note: the rule set is certified per class (--certify class): its guarantee is each (rules deciding it) line"),
            "{text}"
        );
        let out = rulec(
            dir.path(),
            &[
                "validate",
                "out-class/rules.json",
                "data.csv",
                "--engine",
                engine,
                "--json",
            ],
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let lines = json["classes"].as_array().expect("a line per class");
        assert_eq!(lines.len(), classes.len(), "{json}");
        for line in lines {
            let class = line["decision"].as_str().unwrap();
            let rules_of_it: u64 = json["rules"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["decision"] == class)
                .map(|r| r["support"].as_u64().unwrap())
                .sum();
            assert_eq!(
                line["support"].as_u64(),
                Some(rules_of_it),
                "{engine}: {line}"
            );
        }
    }
    // A set certified as a whole has no such lines.
    let out = rulec(
        dir.path(),
        &["validate", "out-set/rules.json", "data.csv", "--json"],
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json.get("classes").is_none(), "{json}");
}

/// With `--certify rule`, a compile that certifies nothing says why, as
/// the set's scopes do: what each rule alone needed (it said only "0
/// rules certified").
#[test]
fn certify_rule_that_keeps_nothing_says_what_a_rule_needed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    rulec(
        d,
        &[
            "dataset", "shipping", "--rows", "3000", "--out", "s.csv", "-q",
        ],
    );
    let out = rulec(
        d,
        &[
            "compile",
            "s.csv",
            "--target",
            "cheapest_shipper",
            "--certify",
            "rule",
            "--precision",
            "0.995",
            "--out",
            "out",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("note: Nothing was certified: with --certify rule each rule must reach a lower bound of 99.5 % at 95.0 % confidence on the validation rows it answers alone, which takes at least 598 of them"),
        "{err}"
    );
    let book = std::fs::read_to_string(d.join("out/RULEBOOK.md")).unwrap();
    assert!(
        book.contains("Nothing was certified: with --certify rule"),
        "{book}"
    );
}
