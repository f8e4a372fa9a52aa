//! What the commands print and write, as text and bytes: the files of a
//! compile, the rule book, the generated crate, SQL, `rulec apply`'s
//! decisions and `rulec validate`'s table and JSON. Nothing here touches
//! the filesystem; [`crate::output`] writes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rulec_codegen::rust::EmitOptions;
use rulec_codegen::sql;
use rulec_runtime::eval::Hit;
use rulec_runtime::RuleSet;

use crate::error::Error;
use crate::pipeline::Compiled;
use crate::validate::Measured;
use crate::validate_file::Engine;

/// Files to write: paths relative to the destination, and their bytes.
pub type Files = Vec<(PathBuf, Vec<u8>)>;

/// Everything `rulec compile` writes: `rules.json`, `report.json`, the rule
/// book and the generated crate under `crate/`.
pub fn compile_files(compiled: &Compiled, emit: &EmitOptions) -> Result<Files, Error> {
    let set = &compiled.rules;
    let mut report = serde_json::to_string_pretty(&compiled.report).map_err(|e| Error::Io {
        path: PathBuf::from("report.json"),
        err: e.into(),
    })?;
    report.push('\n');
    // The book records the SHA-256 of these very bytes, the ones written.
    let rules = set.to_json().into_bytes();
    let book = book_files(set, RULES_FILE, &rules);
    let mut files = vec![
        (PathBuf::from(RULES_FILE), rules),
        (PathBuf::from("report.json"), report.into_bytes()),
    ];
    files.extend(book);
    let generated = crate_files(set, &default_crate_name(set), emit)?;
    for (path, bytes) in generated {
        files.push((Path::new("crate").join(path), bytes));
    }
    Ok(files)
}

/// The name of the rule set file `rulec compile` writes.
pub const RULES_FILE: &str = "rules.json";

/// The rule book's two files, `RULEBOOK.md` and `rulebook.html`, for the
/// rule set `set` read from (or written as) the file named `rules_file`
/// whose exact bytes are `rules_bytes`: their sign-off sections record the
/// SHA-256 of those bytes.
pub fn book_files(set: &RuleSet, rules_file: &str, rules_bytes: &[u8]) -> Files {
    let sign_off = crate::sign_off::sign_off(rules_file, rules_bytes);
    vec![
        (
            PathBuf::from("RULEBOOK.md"),
            rulec_codegen::book::markdown_signed(set, &sign_off).into_bytes(),
        ),
        (
            PathBuf::from("rulebook.html"),
            rulec_codegen::html::html_signed(set, &sign_off).into_bytes(),
        ),
    ]
}

/// The package name of the generated crate unless one is given:
/// `<target>_rules`.
pub fn default_crate_name(set: &RuleSet) -> String {
    format!("{}_rules", set.target.name)
}

/// The crate's name for `rulec emit --name` (Python's `emit_crate(name=)`):
/// the given name, or the default; with a note when the given one is not
/// a Cargo package name as it is (the crate then takes the name
/// [`rulec_codegen::sanitize::package_name`] makes of it). An empty name
/// is refused; the error reads after the option's name.
pub fn crate_name(set: &RuleSet, given: Option<&str>) -> Result<(String, Option<String>), String> {
    let Some(name) = given else {
        return Ok((default_crate_name(set), None));
    };
    if name.trim().is_empty() {
        return Err(format!(
            "is empty; give the crate's package name, or leave it out for `{}`",
            default_crate_name(set)
        ));
    }
    let package = rulec_codegen::sanitize::package_name(name);
    let note = (package != name).then(|| {
        format!(
            "`{name}` cannot be the crate's name as it is (a Cargo package name is lowercase ASCII letters, digits, `-` and `_`, a letter first, and neither a Rust keyword nor a name the crate or Cargo uses itself, such as `rules`, `std` or `test`); the crate is named `{package}`"
        )
    });
    Ok((name.to_string(), note))
}

/// The generated crate's files, relative to its directory.
pub fn crate_files(set: &RuleSet, crate_name: &str, emit: &EmitOptions) -> Result<Files, Error> {
    let generated = rulec_codegen::rust::emit_crate_with(set, crate_name, emit)
        .map_err(|e| Error::Codegen(e.to_string()))?;
    Ok(generated
        .files
        .into_iter()
        .map(|(path, text)| (PathBuf::from(path), text.into_bytes()))
        .collect())
}

/// The table `rulec emit --lang sql` reads without `--table`.
pub const DEFAULT_SQL_TABLE: &str = "data";

/// The dialect `rulec emit --lang sql` writes without `--dialect`.
pub const DEFAULT_SQL_DIALECT: sql::Dialect = sql::Dialect::Ansi;

/// What `rulec emit --lang sql` writes.
#[derive(Clone, Copy, Debug)]
pub struct SqlQuery<'a> {
    /// The dialect.
    pub dialect: sql::Dialect,
    /// The table (or view) the query reads.
    pub table: &'a str,
    /// Wrap the SELECT in `CREATE VIEW <view> AS`.
    pub view: Option<&'a str>,
    /// The per-rule evidence query instead of the SELECT.
    pub evidence: bool,
    /// With `evidence`: also count the rows where this column agrees.
    pub teacher_column: Option<&'a str>,
}

/// The SQL text of `query` over `set`, ending with a line break.
pub fn sql(set: &RuleSet, query: &SqlQuery) -> Result<String, sql::Error> {
    if query.evidence {
        sql::evidence_query(
            set,
            query.dialect,
            query.table,
            Some(&set.target.name),
            query.teacher_column,
        )
    } else if let Some(view) = query.view {
        sql::view(set, query.dialect, query.table, view)
    } else {
        sql::select(set, query.dialect, query.table)
    }
}

/// The first line of `rulec apply`'s CSV.
pub const DECISIONS_HEADER: &str = "row,decision,rule";

/// One line of `rulec apply`'s CSV, without the line break: the row (`row_idx`
/// counts from 0, the printed number from 1), the decided class and the
/// deciding rule, both empty where no rule covers the row.
pub fn decision_line(set: &RuleSet, row_idx: usize, hit: Option<Hit>) -> String {
    match hit {
        Some(hit) => format!(
            "{},{},{}",
            row_idx + 1,
            csv_field(&set.target.classes[hit.class_idx]),
            set.rules[hit.rule_idx].name
        ),
        None => format!("{},,", row_idx + 1),
    }
}

/// Quotes a CSV field when it needs it.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `rulec validate`'s JSON: the figures and the engine that computed them.
#[derive(serde::Serialize)]
struct ValidateJson<'a> {
    engine: &'static str,
    #[serde(flatten)]
    measured: &'a Measured,
}

/// `rulec validate --json`, ending with a line break.
pub fn validate_json(measured: &Measured, engine: Engine) -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string_pretty(&ValidateJson {
        engine: engine.name(),
        measured,
    })?;
    text.push('\n');
    Ok(text)
}

/// `rulec validate`'s table: a summary line, then per rule in order and for
/// the whole set the support, precision, bound, fidelity and verdict.
pub fn validate_table(
    measured: &Measured,
    engine: Engine,
    precision: f64,
    confidence: f64,
) -> String {
    let m = measured;
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(out, "engine: {}", engine.description());
    let _ = writeln!(
        out,
        "{} rows, {} answered by the rules ({}); precision required {}, bound: one-sided exact Clopper–Pearson at {}",
        m.rows,
        m.covered,
        percent((m.rows > 0).then(|| m.covered as f64 / m.rows as f64)),
        percent(Some(precision)),
        percent(Some(confidence))
    );
    if m.unlabelled > 0 {
        let _ = writeln!(
            out,
            "note: {} of the answered rows {} no label: {} in the share answered, not in support or precision",
            m.unlabelled,
            if m.unlabelled == 1 { "has" } else { "have" },
            if m.unlabelled == 1 { "it counts" } else { "they count" },
        );
    }
    if let Some(f) = &m.foreign_labels {
        let _ = writeln!(out, "note: {}", f.describe());
    }
    let lines = m.rules.iter().chain(std::iter::once(&m.all));
    let classes = m.classes.iter().map(|c| ("(rules deciding it)", c));
    // A line break in a class (its rules' names hold it too) would start a
    // line of the table's own: shown by its code, as the terminal is shown
    // every other control character.
    let one_line = |s: &str| s.replace('\n', "\\u{a}");
    let rows: Vec<[String; 7]> = lines
        .map(|r| (r.name.as_str(), r))
        .chain(classes)
        .map(|(name, r)| {
            let name = if name == "*" { "(all rules)" } else { name };
            // Measured, not judged: a rule of a set certified as a whole
            // may fall short alone while the set meets the precision.
            let verdict = match &r.reason {
                None => "meets it".to_string(),
                Some(reason) => format!("falls short: {reason}"),
            };
            [
                one_line(name),
                one_line(&r.decision),
                r.support.to_string(),
                // Below the requirement, never read as reaching it.
                r.precision.map_or("–".to_string(), |p| {
                    rulec_codegen::book::pct_lower(p, precision)
                }),
                rulec_codegen::book::pct_lower(r.precision_lower_bound, precision),
                percent(r.fidelity),
                one_line(&verdict),
            ]
        })
        .collect();
    // The figures' columns widen for a figure shown with more decimals
    // (`94.99991 %`), so that they stay apart.
    let width = |i: usize, least: usize| {
        rows.iter()
            .map(|row| row[i].chars().count())
            .fold(least, usize::max)
    };
    let (wp, wb, wf) = (width(3, 10), width(4, 8), width(5, 9));
    let _ = writeln!(
        out,
        "{:<24} {:<12} {:>9} {:>wp$} {:>wb$} {:>wf$}  verdict",
        "rule", "decides", "support", "precision", "bound", "fidelity"
    );
    for [name, decision, support, prec, bound, fidelity, verdict] in &rows {
        let _ = writeln!(
            out,
            "{name:<24} {decision:<12} {support:>9} {prec:>wp$} {bound:>wb$} {fidelity:>wf$}  {verdict}"
        );
    }
    let short = m.rules.iter().filter(|r| r.reason.is_some()).count();
    if !m.classes.is_empty() {
        // Certified per class: each class's line is its guarantee.
        let _ = writeln!(
            out,
            "note: the rule set is certified per class (--certify class): its guarantee is each (rules deciding it) line, one per decided class, not the (all rules) line; validate measures and exits 0, while rulec check, the gate, holds each class and each rule to the book and exits 1 when one fails"
        );
    } else if short > 0 && m.all.reason.is_none() {
        let _ = writeln!(
            out,
            "note: {short} {} short alone while the rules together meet the precision: the guarantee of a set certified as a whole (the default, --certify set) is the (all rules) line; validate measures and exits 0, while rulec check, the gate, holds each rule to the required precision or to its own bound in the rule book where that is lower, and exits 1 when one fails",
            if short == 1 { "rule falls" } else { "rules fall" }
        );
    }
    out
}

/// `12.3 %` as the rule book writes it (never `100.0 %` for less), or `–`
/// for no figure.
pub fn percent(x: Option<f64>) -> String {
    rulec_codegen::book::opt_pct(x)
}

/// The `rulec-runtime` dependency of a crate to be written to `crate_dir`,
/// for `--with-runtime DIR`: DIR must be the runtime crate's folder. An
/// absolute DIR is written as it is; a relative one (to the working
/// folder) is written relative to `crate_dir`, where Cargo reads it, so the
/// crate and a checkout beside it can be committed and built elsewhere. The
/// error says what is wrong with DIR, for the caller to prefix with the
/// option's name.
pub fn runtime_dependency(
    dir: &Path,
    crate_dir: &Path,
) -> Result<rulec_codegen::rust::RuntimeDependency, String> {
    let runtime = std::fs::canonicalize(dir).map_err(|e| e.to_string())?;
    let manifest = std::fs::read_to_string(runtime.join("Cargo.toml")).map_err(|_| {
        "no Cargo.toml there; expected the runtime/ folder of a rulec checkout".to_string()
    })?;
    let is_runtime = manifest
        .lines()
        .map(|l| l.split_whitespace().collect::<String>())
        .any(|l| l == "name=\"rulec-runtime\"");
    if !is_runtime {
        return Err(
            "its Cargo.toml is not rulec-runtime's; expected the runtime/ folder of a rulec checkout"
                .to_string(),
        );
    }
    if dir.is_absolute() {
        return Ok(rulec_codegen::rust::RuntimeDependency::Path(runtime));
    }
    let (runtime, place) = absolute(dir)
        .and_then(|r| Ok((r, absolute(crate_dir)?)))
        .map_err(|e| e.to_string())?;
    Ok(rulec_codegen::rust::RuntimeDependency::Path(relative_to(
        &runtime, &place,
    )))
}

/// `path` made absolute against the working folder, `.` and `..` taken
/// lexically, as Cargo reads a dependency's path; it need not exist.
fn absolute(path: &Path) -> std::io::Result<PathBuf> {
    let mut out = PathBuf::new();
    for c in std::env::current_dir()?.join(path).components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// The path from the folder `from` to `to`, both absolute: `..` for each
/// of `from`'s components past their common ancestor, then the rest of
/// `to`.
fn relative_to(to: &Path, from: &Path) -> PathBuf {
    let to: Vec<_> = to.components().collect();
    let from: Vec<_> = from.components().collect();
    let common = to.iter().zip(&from).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for c in &to[common..] {
        out.push(c);
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}
