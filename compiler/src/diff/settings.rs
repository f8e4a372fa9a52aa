//! What changed besides the rules themselves: the settings (target,
//! classes, certification, policy, input columns), the model card, the
//! compiles' notes on their data and the generated crate's public names.

use std::collections::BTreeSet;

use rulec_codegen::book::pct;
use rulec_runtime::ir::RuleSet;

use super::Line;

/// The model card's fields that differ between `old` and `new`, each as
/// "purpose: `new`, was `old`" (a field not given as "not given").
pub(super) fn card_changes(old: &RuleSet, new: &RuleSet) -> Vec<Line> {
    use rulec_runtime::ir::Card;
    let fields = |card: Option<&Card>| -> Vec<(&'static str, Option<String>)> {
        let card = card.cloned().unwrap_or_default();
        let list = |v: Vec<String>| (!v.is_empty()).then(|| v.join("; "));
        vec![
            ("owner", card.owner),
            ("purpose", card.purpose),
            ("intended population", card.intended_population),
            ("out-of-scope uses", list(card.out_of_scope)),
            ("contacts", list(card.contacts)),
            ("who can switch a rule off", card.can_switch_off),
        ]
    };
    let value = |line: Line, v: &Option<String>| match v {
        Some(v) => line.code(v),
        None => line.words("not given"),
    };
    fields(old.card.as_ref())
        .into_iter()
        .zip(fields(new.card.as_ref()))
        .filter(|((_, a), (_, b))| a != b)
        .map(|((name, a), (_, b))| {
            let line = value(Line::default().words(format!("{name}: ")), &b);
            value(line.words(", was "), &a)
        })
        .collect()
}

/// How the generated crate's public names differ between two sets, in
/// words, in the old set's order and then the new names: a name gone (code
/// naming it no longer builds), a name added (a `match` without a wildcard
/// arm, or an `Input` built field by field, no longer builds), and a name
/// that stands for something else, which builds and means another thing:
/// a category variant for another text, a rule id for another rule.
pub(super) fn api_changes(old: &RuleSet, new: &RuleSet) -> Vec<Line> {
    use rulec_codegen::rust::api;
    let (a, b) = (api(old), api(new));
    let find = |items: &[rulec_codegen::rust::ApiItem], path: &str| {
        items
            .iter()
            .find(|i| i.path == path)
            .map(|i| i.meaning.clone())
    };
    let what = |path: &str| {
        if path.starts_with("Input::") {
            "field "
        } else if path.starts_with("RuleId::") {
            "rule id "
        } else if path == "package" || path.starts_with("enum ") {
            ""
        } else {
            "variant "
        }
    };
    // A variant's type: `Zone` of `Zone::North`. A type gone or new as a
    // whole is said once (the decision enum by its own line, a category
    // enum by the field whose type it is), not variant by variant.
    let type_of = |path: &str| -> Option<String> {
        let (ty, _) = path.split_once("::")?;
        (ty != "Input" && ty != "RuleId").then(|| ty.to_string())
    };
    let types = |items: &[rulec_codegen::rust::ApiItem]| -> BTreeSet<String> {
        items.iter().filter_map(|i| type_of(&i.path)).collect()
    };
    let (types_a, types_b) = (types(&a), types(&b));
    // An `Input` field's type and column, apart.
    let field = |meaning: &str| -> (String, String) {
        match meaning.split_once(" for column ") {
            Some((ty, col)) => (ty.to_string(), col.to_string()),
            None => (meaning.to_string(), String::new()),
        }
    };
    let mut out = Vec::new();
    for item in &a {
        match find(&b, &item.path) {
            None if type_of(&item.path).is_some_and(|t| !types_b.contains(&t)) => {}
            None => out.push(
                Line::default()
                    .words(what(&item.path))
                    .code(&item.path)
                    .words(" (")
                    .code(&item.meaning)
                    .words(") is gone: code that names it no longer builds"),
            ),
            Some(m) if m != item.meaning => {
                let effect = if item.path == "package" {
                    ": the service's dependency on it, and the paths that name it, no longer build"
                } else if item.path.starts_with("enum ") {
                    ""
                } else if item.path.starts_with("Input::") {
                    let ((ty_a, col_a), (ty_b, col_b)) = (field(&item.meaning), field(&m));
                    match (ty_a == ty_b, col_a == col_b) {
                        (false, true) => ": code that sets it no longer builds",
                        (true, false) => {
                            ": code that sets it still builds and now gives the value of another column"
                        }
                        _ => ": code that sets it no longer builds, and it is another column's",
                    }
                } else if item.path.starts_with("RuleId::") {
                    ": code that tests it still builds and now names another rule"
                } else {
                    ": code that names it still builds and now means another value"
                };
                out.push(
                    Line::default()
                        .words(what(&item.path))
                        .code(&item.path)
                        .words(" is ")
                        .code(&m)
                        .words(", was ")
                        .code(&item.meaning)
                        .words(effect),
                );
            }
            Some(_) => {}
        }
    }
    for item in &b {
        if find(&a, &item.path).is_some()
            || type_of(&item.path).is_some_and(|t| !types_a.contains(&t))
        {
            continue;
        }
        let line = Line::default()
            .words(format!("new {}", what(&item.path)))
            .code(&item.path)
            .words(" (")
            .code(&item.meaning)
            .words(")");
        out.push(if item.path.starts_with("enum ") {
            line
        } else if item.path.starts_with("Input::") {
            line.words(": code that builds an ")
                .code("Input")
                .words(" field by field no longer builds")
        } else {
            line.words(": a ")
                .code("match")
                .words(" on its type without a wildcard arm no longer builds")
        });
    }
    // The same classes in another order: the decision enum's variants
    // follow it, and so do its `ALL` and a variant cast to a number.
    let (oc, nc) = (&old.target.classes, &new.target.classes);
    if oc != nc && oc.len() == nc.len() && oc.iter().all(|c| nc.contains(c)) {
        out.push(
            Line::default()
                .words(format!(
                    "the decision enum's variants are in another order, the classes' ({} instead of {}): its ",
                    quoted_list(nc),
                    quoted_list(oc)
                ))
                .code("ALL")
                .words(" and a decision cast to a number (")
                .code("as usize")
                .words(") still build and now give another class"),
        );
    }
    out
}

/// The data notes of `a`'s provenance that `b`'s does not have, in order.
pub(super) fn notes_only_in(a: &RuleSet, b: &RuleSet) -> Vec<String> {
    let notes = |set: &RuleSet| {
        set.provenance
            .as_ref()
            .map(|p| p.data_notes.clone())
            .unwrap_or_default()
    };
    let theirs: BTreeSet<String> = notes(b).into_iter().collect();
    notes(a)
        .into_iter()
        .filter(|n| !theirs.contains(n))
        .collect()
}

pub(super) fn setting_changes(old: &RuleSet, new: &RuleSet) -> Vec<Line> {
    let mut out = Vec::new();
    if old.target.name != new.target.name {
        out.push(
            Line::default()
                .words("the target is ")
                .code(&new.target.name)
                .words(" instead of ")
                .code(&old.target.name),
        );
    }
    // The same classes in another order (numbers sorted as text before
    // 2026-12-07, by value since) are no change to a decision.
    let sorted = |c: &[String]| {
        let mut c = c.to_vec();
        c.sort();
        c
    };
    if sorted(&old.target.classes) != sorted(&new.target.classes) {
        out.push(Line::default().words(format!(
            "the classes are {} instead of {}",
            quoted_list(&new.target.classes),
            quoted_list(&old.target.classes)
        )));
    }
    if old.target.tolerance != new.target.tolerance {
        let words = |t: Option<f64>| match t {
            Some(t) => format!("±{}", rulec_runtime::dsl::print_number(t)),
            None => "none (classes)".to_string(),
        };
        out.push(Line::default().words(format!(
            "a decision counts as right within a tolerance of {} instead of {}",
            words(new.target.tolerance),
            words(old.target.tolerance)
        )));
    }
    let (co, cn) = (&old.certification, &new.certification);
    if co.precision != cn.precision {
        out.push(Line::default().words(format!(
            "the required precision is {} instead of {}",
            pct(cn.precision),
            pct(co.precision)
        )));
    }
    if co.confidence != cn.confidence || co.method != cn.method {
        out.push(Line::default().words(format!(
            "the bound is {} at {} instead of {} at {}",
            cn.method,
            pct(cn.confidence),
            co.method,
            pct(co.confidence)
        )));
    }
    if co.scope != cn.scope {
        out.push(Line::default().words(format!(
            "the guarantee is for {} instead of {}",
            scope_words(cn.scope),
            scope_words(co.scope)
        )));
    }
    // Where one order was built, it was the greedy one.
    let taken = |c: &rulec_runtime::ir::Certification| {
        c.order
            .map_or(rulec_runtime::ir::OrderKind::Greedy, |o| o.taken)
    };
    if taken(co) != taken(cn) {
        out.push(Line::default().words(format!(
            "the rules come from {} instead of {}",
            order_words(taken(cn)),
            order_words(taken(co))
        )));
    }
    let (po, pn) = (&old.policy, &new.policy);
    for name in pn.forbidden.iter().filter(|f| !po.forbids(f)) {
        out.push(
            Line::default()
                .words("column ")
                .code(name)
                .words(" is forbidden to the rules (it was not)"),
        );
    }
    for name in po.forbidden.iter().filter(|f| !pn.forbids(f)) {
        out.push(
            Line::default()
                .words("column ")
                .code(name)
                .words(" is no longer forbidden to the rules"),
        );
    }
    if po.teacher_forbidden != pn.teacher_forbidden {
        out.push(Line::default().words(if pn.teacher_forbidden {
            "the teacher is kept from the forbidden columns too (it was not)"
        } else {
            "the teacher sees the forbidden columns (it was kept from them)"
        }));
    }
    let column = |name: &str, what: &str| {
        Line::default()
            .words("input column ")
            .code(name)
            .words(what)
    };
    for f in &old.features {
        match new.features.iter().find(|g| g.name == f.name) {
            None => out.push(column(&f.name, " is gone")),
            Some(g) => out.extend(feature_changes(f, g)),
        }
    }
    for g in &new.features {
        if !old.features.iter().any(|f| f.name == g.name) {
            out.push(column(&g.name, " is new"));
        }
    }
    out
}

/// How input column `f` changed into `g`, in words: its type, the
/// categories it gained or lost (at most five of each named), whether it
/// may be missing.
pub(super) fn feature_changes(
    f: &rulec_runtime::ir::Feature,
    g: &rulec_runtime::ir::Feature,
) -> Vec<Line> {
    use rulec_runtime::ir::FeatureKind;
    const NAMED: usize = 5;
    let kind = |k: &FeatureKind| match k {
        FeatureKind::Numeric => "numbers",
        FeatureKind::Boolean => "true/false",
        FeatureKind::Categorical { .. } => "categories",
    };
    let column = || Line::default().words("input column ").code(&f.name);
    let mut out = Vec::new();
    match (&f.kind, &g.kind) {
        (
            FeatureKind::Categorical { categories: a },
            FeatureKind::Categorical { categories: b },
        ) => {
            // "has 2 new categories: `a`, `b`", at most NAMED of them named.
            let mut listed = |what: &str, values: Vec<&String>| {
                let n = values.len();
                if n == 0 {
                    return;
                }
                let noun = if n == 1 { "category" } else { "categories" };
                let what = what.replace("{n}", &n.to_string()).replace("{noun}", noun);
                let mut line = column().words(format!(" {what}: "));
                for (i, v) in values.into_iter().take(NAMED).enumerate() {
                    line = if i > 0 { line.words(", ") } else { line }.code(v);
                }
                if n > NAMED {
                    line = line.words(format!(" and {} more", n - NAMED));
                }
                out.push(line);
            };
            listed(
                "has {n} new {noun}",
                b.iter().filter(|c| !a.contains(c)).collect(),
            );
            listed(
                "lost {n} {noun} (now unknown to the rules)",
                a.iter().filter(|c| !b.contains(c)).collect(),
            );
        }
        (a, b) if a != b => {
            out.push(column().words(format!(" holds {} (it held {})", kind(b), kind(a))))
        }
        _ => {}
    }
    if f.nullable != g.nullable {
        out.push(column().words(if g.nullable {
            " may be missing (it was never missing in training)"
        } else {
            " is never missing in training (it was)"
        }));
    }
    out
}

fn order_words(o: rulec_runtime::ir::OrderKind) -> &'static str {
    match o {
        rulec_runtime::ir::OrderKind::Greedy => "the greedy order",
        rulec_runtime::ir::OrderKind::Confidence => "the teacher's confidence order",
    }
}

fn scope_words(s: rulec_runtime::ir::Scope) -> &'static str {
    match s {
        rulec_runtime::ir::Scope::Set => "the rule set as a whole",
        rulec_runtime::ir::Scope::Class => "each decided class",
        rulec_runtime::ir::Scope::Rule => "each rule",
    }
}

pub(super) fn quoted_list(items: &[String]) -> String {
    items
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ")
}
