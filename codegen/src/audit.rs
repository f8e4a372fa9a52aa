//! The rule book's model-risk sections (issue #17): the columns kept from
//! the rules (`--forbid`) and, when recorded, the other audit figures of
//! the rule set. Each section is built once as plain text ([`Section`]),
//! and [`markdown`] and [`html`] render it, escaping every string on the
//! way out, so both book formats say the same thing.

use std::fmt::Write;

use rulec_runtime::dsl;
use rulec_runtime::ir::{GroupTable, Rule, RuleSet};

use crate::book::{code, code_cell, count, escape_md, pct};
use crate::figures::escape;

/// One section of the book: a heading, then paragraphs and tables.
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    /// The HTML id of the section.
    pub id: &'static str,
    /// The heading.
    pub title: String,
    /// Its content, in order.
    pub blocks: Vec<Block>,
}

/// A paragraph or a table of a [`Section`].
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// Plain text.
    Para(String),
    /// A smaller heading inside the section.
    Heading(Vec<Span>),
    /// A paragraph naming things from the data.
    Rich(Vec<Span>),
    /// A table: header cells, then rows.
    Table {
        /// The column headings.
        head: Vec<String>,
        /// The rows, as long as `head`.
        rows: Vec<Vec<Cell>>,
    },
}

/// A piece of a [`Block::Heading`] or [`Block::Rich`] paragraph.
#[derive(Clone, Debug, PartialEq)]
pub enum Span {
    /// Plain text.
    Text(String),
    /// A name from the data, shown as code.
    Code(String),
}

fn spans_md(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| match s {
            Span::Text(t) => escape_md(t),
            Span::Code(c) => code(c),
        })
        .collect()
}

fn spans_html(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| match s {
            Span::Text(t) => escape(t),
            Span::Code(c) => format!("<code>{}</code>", escape(c)),
        })
        .collect()
}

/// Names as code spans separated by commas.
fn code_list(names: &[String]) -> Vec<Span> {
    let mut out = Vec::new();
    for (i, n) in names.iter().enumerate() {
        if i > 0 {
            out.push(Span::Text(", ".into()));
        }
        out.push(Span::Code(n.clone()));
    }
    out
}

/// A table cell.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Plain text.
    Text(String),
    /// A name from the data (a column, a rule, a category), shown as code.
    Code(String),
    /// A figure, right-aligned.
    Num(String),
    /// Text that flags a problem, shown strong.
    Flag(String),
}

/// The model-risk sections of `set`, in the order the book prints them;
/// empty when the rule set records none.
pub fn sections(set: &RuleSet) -> Vec<Section> {
    [
        forbidden_section(set),
        groups_section(set),
        stability_section(set),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The sections as Markdown, each opening with a `##` heading.
pub fn markdown(set: &RuleSet) -> String {
    sections_markdown(&sections(set))
}

/// Results by group measured elsewhere (`rulec check` on new data), as
/// the book prints its own: a `##` section in Markdown.
/// `classes` are the rule set's, `confidence` its confidence.
pub fn groups_markdown(classes: &[String], confidence: f64, tables: &[GroupTable]) -> String {
    groups_of(classes, confidence, tables).map_or(String::new(), |s| sections_markdown(&[s]))
}

fn sections_markdown(sections: &[Section]) -> String {
    let mut md = String::new();
    for s in sections {
        let _ = writeln!(md, "## {}\n", escape_md(&s.title));
        md.push_str(&blocks_markdown(&s.blocks));
    }
    md
}

fn blocks_markdown(blocks: &[Block]) -> String {
    let mut md = String::new();
    for b in blocks {
        match b {
            Block::Para(p) => {
                let _ = writeln!(md, "{}\n", escape_md(p));
            }
            Block::Heading(t) => {
                let _ = writeln!(md, "### {}\n", spans_md(t));
            }
            Block::Rich(t) => {
                let _ = writeln!(md, "{}\n", spans_md(t));
            }
            Block::Table { head, rows } => {
                md.push('|');
                for h in head {
                    let _ = write!(md, " {} |", escape_md(h));
                }
                md.push_str("\n|");
                for i in 0..head.len() {
                    let numeric = rows
                        .first()
                        .is_some_and(|r| matches!(r.get(i), Some(Cell::Num(_))));
                    md.push_str(if numeric { "---:|" } else { "---|" });
                }
                md.push('\n');
                for row in rows {
                    md.push('|');
                    for c in row {
                        let text = match c {
                            Cell::Text(t) | Cell::Num(t) => escape_md(t),
                            Cell::Code(t) => code_cell(t),
                            Cell::Flag(t) => format!("**{}**", escape_md(t)),
                        };
                        let _ = write!(md, " {text} |");
                    }
                    md.push('\n');
                }
                md.push('\n');
            }
        }
    }
    md
}

/// The sections as HTML, each a `<section>` with an `<h2>` heading.
pub fn html(set: &RuleSet) -> String {
    let mut h = String::new();
    for s in sections(set) {
        let _ = writeln!(
            h,
            "<section id=\"{}\">\n<h2>{}</h2>",
            s.id,
            escape(&s.title)
        );
        h.push_str(&blocks_html(&s.blocks));
        h.push_str("</section>\n");
    }
    h
}

fn blocks_html(blocks: &[Block]) -> String {
    let mut h = String::new();
    for b in blocks {
        match b {
            Block::Para(p) => {
                let _ = writeln!(h, "<p>{}</p>", escape(p));
            }
            Block::Heading(t) => {
                let _ = writeln!(h, "<h3>{}</h3>", spans_html(t));
            }
            Block::Rich(t) => {
                let _ = writeln!(h, "<p>{}</p>", spans_html(t));
            }
            Block::Table { head, rows } => {
                h.push_str("<div class=\"tbl\"><table>\n<thead><tr>");
                for (i, c) in head.iter().enumerate() {
                    let numeric = rows
                        .first()
                        .is_some_and(|r| matches!(r.get(i), Some(Cell::Num(_))));
                    let class = if numeric { " class=\"n\"" } else { "" };
                    let _ = write!(h, "<th scope=\"col\"{class}>{}</th>", escape(c));
                }
                h.push_str("</tr></thead>\n");
                for row in rows {
                    h.push_str("<tr>");
                    for c in row {
                        let _ = match c {
                            Cell::Text(t) => write!(h, "<td>{}</td>", escape(t)),
                            Cell::Num(t) => write!(h, "<td class=\"n\">{}</td>", escape(t)),
                            Cell::Code(t) => write!(h, "<td><code>{}</code></td>", escape(t)),
                            Cell::Flag(t) => write!(h, "<td><strong>{}</strong></td>", escape(t)),
                        };
                    }
                    h.push_str("</tr>\n");
                }
                h.push_str("</table></div>\n");
            }
        }
    }
    h
}

/// A rule's reasons, as Markdown (empty when none are recorded).
pub fn reasons_markdown(rule: &Rule) -> String {
    blocks_markdown(&reasons_blocks(rule))
}

/// A rule's reasons, as HTML (empty when none are recorded).
pub fn reasons_html(rule: &Rule) -> String {
    blocks_html(&reasons_blocks(rule))
}

/// The text that introduces each rule's reasons.
pub const REASONS_INTRO: &str = "Reasons, most important first: each condition, measured on the \
    validation rows with the rule on its own (every row it covers, whatever rules before it \
    answer), with the precision the rule would have without it and the rows only that \
    condition keeps out, of which the rule's decision would be wrong. A service states them \
    for a decision from the generated crate's REASONS table.";

fn reasons_blocks(rule: &Rule) -> Vec<Block> {
    let Some(e) = rule.evidence.as_ref().filter(|e| !e.reasons.is_empty()) else {
        return Vec::new();
    };
    let rows = e
        .reasons
        .iter()
        .enumerate()
        .filter_map(|(rank, r)| {
            let cond = rule.conditions.get(r.condition)?;
            Some(vec![
                Cell::Num((rank + 1).to_string()),
                Cell::Code(dsl::print_condition(cond)),
                Cell::Num(r.precision_with().map_or("–".into(), pct)),
                Cell::Num(r.precision_without().map_or("–".into(), pct)),
                Cell::Num(count(r.excluded)),
                Cell::Num(r.wrong_share_excluded().map_or("–".into(), pct)),
            ])
        })
        .collect();
    vec![
        Block::Para(REASONS_INTRO.into()),
        Block::Table {
            head: [
                "rank",
                "condition",
                "precision with it",
                "precision without it",
                "rows only it keeps out",
                "of which decided wrong",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        },
    ]
}

/// The columns no rule may read (`--forbid`), and the proof that none does:
/// for each, the kept rules that read it, counted from the rules themselves.
fn forbidden_section(set: &RuleSet) -> Option<Section> {
    let policy = &set.policy;
    if policy.forbidden.is_empty() {
        return None;
    }
    let mut intro = vec![Span::Text(
        "No rule and no candidate rule may read these columns: ".into(),
    )];
    intro.extend(code_list(&policy.forbidden));
    intro.push(Span::Text(
        ". The rule learner saw them \
         as constant, so it could not split on them; a proposed rule that reads one is refused; \
         and loading a rules.json refuses a rule that reads one (so rulec check, rulec \
         validate, rulec book and rulec emit refuse an edited rule set that does). The \
         table counts, from the rules as they run, the kept rules that read each column."
            .into(),
    ));
    let mut blocks = vec![Block::Rich(intro)];
    let rows = policy
        .forbidden
        .iter()
        .map(|c| {
            let readers: Vec<&str> = set
                .rules
                .iter()
                .filter(|r| {
                    r.conditions
                        .iter()
                        .any(|cond| cond.features().contains(&c.as_str()))
                })
                .map(|r| r.name.as_str())
                .collect();
            vec![
                Cell::Code(c.clone()),
                Cell::Num(readers.len().to_string()),
                if readers.is_empty() {
                    Cell::Text(format!("none of the {} rules", set.rules.len()))
                } else {
                    Cell::Flag(readers.join(", "))
                },
            ]
        })
        .collect();
    blocks.push(Block::Table {
        head: vec![
            "forbidden column".into(),
            "rules reading it".into(),
            "which".into(),
        ],
        rows,
    });
    blocks.push(Block::Para(if policy.teacher_forbidden {
        "The teacher was kept from these columns too (--forbid-teacher): it learnt from and \
         labelled the rows without them."
            .to_string()
    } else {
        "The teacher saw these columns: it learnt from every column, these included, and the \
         rules imitate its labels. A rule that never reads a column can still follow it through \
         columns related to it (proxies); the results by group, when given, show whether \
         decisions differ between its values. --forbid-teacher keeps the teacher from them too."
            .to_string()
    }));
    Some(Section {
        id: "forbidden",
        title: "Forbidden columns".into(),
        blocks,
    })
}

/// The results per group (`--groups`): one table per column and split.
fn groups_section(set: &RuleSet) -> Option<Section> {
    groups_of(
        &set.target.classes,
        set.certification.confidence,
        &set.summary.as_ref()?.groups,
    )
}

fn groups_of(classes: &[String], confidence: f64, tables: &[GroupTable]) -> Option<Section> {
    let first = tables.first()?;
    let mut blocks = vec![Block::Para(format!(
        "For each value of the columns given to --groups, on the rows of each split: the rows, \
         the share some rule answers (coverage) and the share sent to the fallback, the \
         precision on the answered rows with its one-sided exact (Clopper-Pearson) lower bound \
         at {} confidence, and the share of the group's rows given each decision by the rules. \
         A figure is flagged when it differs from the same figure on every other row of the \
         split by a two-sided two-proportion z-test (pooled variance) at level {} divided by \
         the number of comparisons in the table (Bonferroni). The rate of a decision is compared \
         only for decisions some rule takes, and only when the rules take more than one (the \
         rate of the only decision is the coverage, already compared). A group with fewer than \
         {} rows is marked too small to say anything and is not compared; a precision is \
         compared only when the group and the rest each have {} answered rows.",
        pct(confidence),
        pct(1.0 - confidence),
        first.min_rows,
        first.min_rows
    ))];
    for t in tables {
        blocks.push(Block::Heading(vec![
            Span::Code(t.column.clone()),
            Span::Text(format!(" on {} rows ({} comparisons)", t.split, t.tests)),
        ]));
        let mut head: Vec<String> = [
            "group",
            "rows",
            "coverage",
            "to fallback",
            "covered precision",
            "lower bound",
        ]
        .map(String::from)
        .to_vec();
        head.extend(classes.iter().map(|c| format!("decided {c}")));
        head.push("differs from the rest".into());
        let total: u64 = t.groups.iter().map(|g| g.rows).sum();
        let rows = t
            .groups
            .iter()
            .map(|g| {
                let share = |x: u64| {
                    if g.rows == 0 {
                        "–".to_string()
                    } else {
                        pct(x as f64 / g.rows as f64)
                    }
                };
                let mut row = vec![
                    Cell::Code(g.value.clone()),
                    Cell::Num(count(g.rows)),
                    Cell::Num(share(g.covered)),
                    Cell::Num(share(g.rows - g.covered)),
                    Cell::Num(g.precision().map_or("–".into(), pct)),
                    Cell::Num(if g.covered == 0 {
                        "–".into()
                    } else {
                        pct(g.precision_lower_bound)
                    }),
                ];
                row.extend(g.decisions.iter().map(|&n| Cell::Num(share(n))));
                row.push(if g.too_small {
                    Cell::Flag(format!("too few rows to say (under {})", t.min_rows))
                } else if total - g.rows < t.min_rows {
                    // Compared with the rest only when the rest is as large.
                    Cell::Flag(format!(
                        "not compared: the other rows are under {}",
                        t.min_rows
                    ))
                } else if g.differs.is_empty() {
                    Cell::Text("no".into())
                } else {
                    Cell::Flag(format!("yes: {}", g.differs.join(", ")))
                });
                row
            })
            .collect();
        blocks.push(Block::Table { head, rows });
    }
    Some(Section {
        id: "groups",
        title: "Results by group".into(),
        blocks,
    })
}

/// `rulec check`'s default largest accepted move of a rule's share of rows
/// (`--max-share-shift`), which the book's monitoring plan states.
pub const CHECK_MAX_SHARE_SHIFT: f64 = 0.05;

/// The model card part that opens the book, as Markdown.
pub fn card_markdown(set: &RuleSet) -> String {
    sections_markdown(&[card_section(set)])
}

/// The model card part that opens the book, as HTML.
pub fn card_html(set: &RuleSet) -> String {
    let s = card_section(set);
    let mut h = String::new();
    let _ = writeln!(
        h,
        "<section id=\"{}\">\n<h2>{}</h2>",
        s.id,
        escape(&s.title)
    );
    h.push_str(&blocks_html(&s.blocks));
    h.push_str("</section>\n");
    h
}

/// What a field the card does not give shows.
pub const OPEN: &str = "open: not given in the model card";

/// The model card (as given; missing fields open), then the guarantee in
/// plain words, when it breaks, the monitoring plan and who can switch a
/// rule off.
fn card_section(set: &RuleSet) -> Section {
    let card = set.card.clone().unwrap_or_default();
    let one = |v: &Option<String>| match v {
        Some(t) if !t.trim().is_empty() => Cell::Text(t.clone()),
        _ => Cell::Flag(OPEN.into()),
    };
    let many = |v: &[String]| {
        if v.is_empty() {
            Cell::Flag(OPEN.into())
        } else {
            Cell::Text(v.join("; "))
        }
    };
    let rows = vec![
        vec![Cell::Text("owner".into()), one(&card.owner)],
        vec![Cell::Text("purpose".into()), one(&card.purpose)],
        vec![
            Cell::Text("intended population".into()),
            one(&card.intended_population),
        ],
        vec![
            Cell::Text("out-of-scope uses".into()),
            many(&card.out_of_scope),
        ],
        vec![Cell::Text("contacts".into()), many(&card.contacts)],
        vec![
            Cell::Text("who can switch a rule off".into()),
            one(&card.can_switch_off),
        ],
    ];
    let mut blocks = vec![Block::Para(if set.card.is_some() {
        "As given by the owner of the rules in the model card (rulec compile --card); rulec \
         fills in nothing, and a field the card does not give is marked open."
            .to_string()
    } else {
        "No model card was given (rulec compile --card FILE.toml): every field is open until \
         the owner of the rules fills it in."
            .to_string()
    })];
    blocks.push(Block::Table {
        head: vec!["field".into(), "value".into()],
        rows,
    });
    let cert = &set.certification;
    let (p, c) = (pct(cert.precision), pct(cert.confidence));
    let right = match set.target.tolerance {
        Some(t) => format!("within {t} of the true value"),
        None => "right".to_string(),
    };
    let whom = match cert.scope {
        rulec_runtime::ir::Scope::Set => "Of the decisions the rules take together",
        rulec_runtime::ir::Scope::Class => {
            "Of the decisions the rules take for each class, class by class,"
        }
        rulec_runtime::ir::Scope::Rule => "Of the decisions each rule takes",
    };
    let rows_note = set.provenance.as_ref().map_or(String::new(), |prov| {
        let n = prov.split_rows.validation;
        format!(
            " on {} validation {}",
            count(n),
            if n == 1 { "row" } else { "rows" }
        )
    });
    blocks.push(Block::Heading(vec![Span::Text(
        "The guarantee in plain words".into(),
    )]));
    // A set edited after the compile, or one whose fingerprint is gone,
    // is not what was certified: the guarantee is said of the set as
    // compiled, and only so.
    let doubt = if set.figures_doubt().is_some() {
        "Not confirmed for these rules (see In one minute): the guarantee below is the one \
         certified for the set as compiled. "
    } else {
        ""
    };
    blocks.push(Block::Para(format!(
        "{doubt}{whom} on new rows like the validation rows, at least {p} are {right}, with {c} \
         confidence: an exact one-sided binomial test (Clopper-Pearson){rows_note}, whose \
         labels took no part in choosing the rules (the choice read only which rules apply \
         to them). Rows no rule covers go to the fallback, and the \
         guarantee says nothing about them. It assumes that new rows are drawn like the \
         validation rows (the same population, inputs recorded the same way, in the same \
         proportions) and that labels are as recorded: the truth the rules were measured \
         against is the target column as it stood in the data."
    )));
    blocks.push(Block::Heading(vec![Span::Text("When it breaks".into())]));
    blocks.push(Block::Para(
        "Drift: the traffic moves to other kinds of rows, or the way outcomes follow from the \
         inputs changes (new categories the rules do not know go to the fallback, but a shift \
         inside a rule's region does not). Label delay: rows whose final outcome is not known \
         yet are judged by a label that will change, so recent rows look better or worse than \
         they are; check on rows whose labels are final. Labels recorded another way, and use \
         outside the intended population or for an out-of-scope use, void it too. Rows that \
         are not each on their own: a record written several times counts once when its copies \
         are exact (a note then says so), and the guarantee is about records, not rows, so new \
         rows that repeat records as the data does can be right less often per row; copies \
         that differ a little are not found, and make the validation rows look better than \
         new ones."
            .into(),
    ));
    let shadow = rulec_runtime::cascade::ShadowConfig::default();
    blocks.push(Block::Heading(vec![Span::Text("Monitoring".into())]));
    blocks.push(Block::Para(format!(
        "rulec check rules.json NEW.csv, on each batch of new labelled rows, measures every \
         rule and the set: a rule fails when even the upper bound of its precision (exact, at \
         {c}) is below the book's precision ({p}, or the rule's own bound in the book when \
         that is lower), or when its share of rows moves by more than {} points at that \
         confidence (--max-share-shift); a rule the rows are too few to confirm is flagged, \
         and fails with --strict.{} With --groups it reports the results by group on the new rows. In \
         service, the shadow checks of rulec-runtime's Cascade also send a share of covered \
         decisions to the fallback (ShadowConfig::rate, {} by default: set it to watch) and, \
         once a rule has {} checks (min_samples), raise an alarm when the upper Wilson bound \
         of its agreement with the fallback at {c} falls below {p}.",
        CHECK_MAX_SHARE_SHIFT * 100.0,
        if set.certification.scope == rulec_runtime::ir::Scope::Class {
            " As the guarantee is per class, the rules deciding each class are tested together \
             too, held to the required precision."
        } else {
            ""
        },
        shadow.rate,
        shadow.min_samples
    )));
    blocks.push(Block::Heading(vec![Span::Text(
        "Switching a rule off".into(),
    )]));
    let who = match card
        .can_switch_off
        .as_deref()
        .filter(|w| !w.trim().is_empty())
    {
        Some(w) => format!("The model card names who may switch a rule off: {w}."),
        None => "Who may switch a rule off is open: the model card does not say.".to_string(),
    };
    blocks.push(Block::Para(format!(
        "{who} With ShadowConfig::switch_off set, a shadow alarm switches its rule off at once \
         and the rule's rows go to the fallback. Removing the rule from rules.json is not the \
         same: the rows it answered then go to the later rules whose conditions hold, and only \
         the rest to the fallback, so the figures and the guarantee of this book no longer \
         describe the set (the book of the edited set says so). Measure the edited set with \
         rulec validate on labelled rows, or compile again; review the change with rulec diff, sign off the new book, and reload the \
         Cascade or rebuild the crate."
    )));
    Section {
        id: "card",
        title: "Model card".into(),
        blocks,
    }
}

/// How often each kept rule comes back on resampled training rows
/// (`--stability`), and the set's overall stability.
fn stability_section(set: &RuleSet) -> Option<Section> {
    let st = set.summary.as_ref()?.stability.as_ref()?;
    let unstable: Vec<&str> = st
        .rules
        .iter()
        .filter(|r| st.unstable(r))
        .map(|r| r.rule.as_str())
        .collect();
    let mut blocks = vec![Block::Para(format!(
        "The candidates and their certification were run again on {} bootstrap resamples of \
         the training rows (each the distinct rows of a seeded draw with replacement; the \
         teacher's labels as they were). A kept rule is found in a resample when that compile \
         kept an equivalent rule: the same decision, and validation rows covered on their own \
         overlapping by at least {} (Jaccard index). A rule found in fewer than {} of the \
         resamples is unstable: it owes its place to these training rows more than to the \
         data, and a reviewer should question it.",
        st.resamples,
        pct(st.min_overlap),
        pct(st.unstable_below)
    ))];
    blocks.push(Block::Para(format!(
        "Overall stability: {} (the rules' shares weighted by the validation rows each \
         answers); {} of {} rules unstable.",
        pct(st.overall()),
        unstable.len(),
        st.rules.len()
    )));
    let rows = st
        .rules
        .iter()
        .map(|r| {
            vec![
                Cell::Code(r.rule.clone()),
                Cell::Num(count(r.support)),
                Cell::Num(format!("{} of {}", r.equivalent, st.resamples)),
                Cell::Num(pct(st.share(r))),
                if st.unstable(r) {
                    Cell::Flag("unstable".into())
                } else {
                    Cell::Text("stable".into())
                },
            ]
        })
        .collect();
    blocks.push(Block::Table {
        head: [
            "rule",
            "validation rows",
            "resamples with an equivalent rule",
            "share",
            "",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    });
    Some(Section {
        id: "stability",
        title: "Stability".into(),
        blocks,
    })
}
