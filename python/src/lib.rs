//! `rulec._rulec`, the native module under the `rulec` Python package: the
//! compiler library, called in-process.
//!
//! The pure-Python layer (`python/rulec/`) turns pandas and polars frames
//! into Arrow IPC streams, wraps the user's model in a teacher adapter and
//! shapes the results; this module reads the stream with polars, runs
//! `rulec::pipeline::compile_with` on a worker thread (the calling thread
//! waits with the GIL released, so Ctrl-C and progress reach Python), and
//! renders what the command line writes, through the same `rulec::render`
//! and `rulec::output` functions, so the bytes are the same.
//!
//! Errors are `rulec.RulecError` with the command line's one-line
//! messages; an interrupt is Python's `KeyboardInterrupt`.

#![deny(missing_docs)]

mod options;
mod runner;
mod teacher;

use std::path::{Path, PathBuf};

use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use rulec::pipeline::{self, Compiled, Data, Frame};
use rulec::{output, render, rules_file};
use rulec_runtime::RuleSet;
use sha2::{Digest, Sha256};

// Named from `rulec`, which re-exports it: pickle finds it there (a
// `multiprocessing` or joblib worker sends its errors back pickled).
create_exception!(
    rulec,
    RulecError,
    PyValueError,
    "A compile, a rule set or data that rulec refused, with its one-line message."
);

/// A rulec error as the Python exception, its options spelled as Python
/// passes them ([`python_spelling`]).
pub(crate) fn err(e: impl std::fmt::Display) -> PyErr {
    RulecError::new_err(python_spelling(&e.to_string()))
}

/// An error about the directory a method was given (`save(dir)`,
/// `emit_crate(dir)`): the command line names it `--out DIR`, a method's
/// caller by the path alone.
fn dir_err(e: impl std::fmt::Display) -> PyErr {
    let message = e.to_string().replace(" (--out)", "");
    err(message.strip_prefix("--out ").unwrap_or(&message))
}

/// `message` with each command-line flag that `rulec.compile` takes as a
/// keyword (`--max-rules`, with its metavar `--certify <CERTIFY>`) named as
/// the keyword (`max_rules`, `certify`). Other flags (`--out`, a command's
/// `--engine`) stay as they are: they name the command line.
pub(crate) fn python_spelling(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("--") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let len = after
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
            .unwrap_or(after.len());
        let flag = after[..len].trim_end_matches('-');
        let keyword = flag.replace('-', "_");
        let starts_flag = at == 0 || !rest[..at].ends_with(|c: char| c.is_alphanumeric());
        // Compile's options, and those of the methods that take keywords
        // of their own (`check(max_share_shift=..., strict=...)`).
        let known = options::NAMES.contains(&keyword.as_str())
            || ["max_share_shift", "strict"].contains(&keyword.as_str());
        if starts_flag && !flag.is_empty() && known {
            out.push_str(&keyword);
            rest = &after[flag.len()..];
            // The value the flag is given, when it plainly is one, as the
            // keyword argument: `--forbid a)` reads `forbid="a")`,
            // `--teacher gbdt` `teacher="gbdt"`, `--tolerance X`
            // `tolerance=X`.
            if let Some((written, len)) = keyword_value(&keyword, rest) {
                out.push('=');
                out.push_str(&written);
                rest = &rest[len..];
                continue;
            }
            // clap's metavar after the flag: `--certify <CERTIFY>`.
            if let Some(meta) = rest.strip_prefix(" <") {
                if let Some(end) = meta.find('>') {
                    if meta[..end]
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c == '_')
                    {
                        rest = &meta[end + 1..];
                    }
                }
            }
        } else {
            out.push_str("--");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The value after a flag in a message (`rest` starts after the flag's
/// name), as Python writes it, and how many bytes of `rest` it spans; `None`
/// when what follows is not plainly the flag's value (a word of the
/// sentence: `--tolerance yet`). A value is a number, a placeholder in
/// capitals (`X`, `N`), one of the option's own words (`gbdt`, `class`),
/// or, for an option that names columns, a name that ends the clause
/// (followed by `)`, `,`, `;`, `:` or the end).
fn keyword_value(keyword: &str, rest: &str) -> Option<(String, usize)> {
    let body = rest.strip_prefix(' ')?;
    let end = body
        .find(|c: char| c.is_whitespace() || matches!(c, ')' | ',' | ';' | ':' | '`' | '"'))
        .unwrap_or(body.len());
    let mut token = &body[..end];
    // A sentence's full stop is not part of the value.
    if let Some(t) = token.strip_suffix('.') {
        if t.parse::<f64>().is_err() || body[end..].is_empty() {
            token = t;
        }
    }
    if token.is_empty() {
        return None;
    }
    let len = 1 + token.len();
    let after = &body[token.len()..];
    if token.parse::<f64>().is_ok() {
        return Some((token.to_string(), len));
    }
    if token.len() <= 8 && token.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
        return Some((token.to_string(), len));
    }
    let own = match keyword {
        "teacher" => {
            ["forest", "gbdt", "mlp"].contains(&token)
                || token.starts_with("cmd:")
                || token.starts_with("column:")
        }
        "certify" => ["set", "class", "rule"].contains(&token),
        "order" => ["auto", "greedy", "confidence"].contains(&token),
        _ => false,
    };
    let names_columns = matches!(
        keyword,
        "forbid" | "categorical" | "groups" | "split_column" | "target"
    );
    let ends_clause = after.is_empty()
        || after.starts_with([')', ',', ';', ':'])
        || after.starts_with(" (")
        || after == ".";
    if own || (names_columns && ends_clause && !token.starts_with('{')) {
        return Some((format!("{token:?}"), len));
    }
    None
}

/// Where the rows come from: a path, or an Arrow IPC stream with the name
/// messages and the provenance give the frame.
fn source(data: &Bound<'_, PyAny>, name: &str) -> PyResult<Source> {
    if let Ok(bytes) = data.downcast::<PyBytes>() {
        let bytes = bytes.as_bytes();
        let frame = read_ipc(bytes, name)?;
        let sha256 = Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        return Ok(Source::Frame(Frame {
            frame,
            name: name.to_string(),
            sha256,
        }));
    }
    let path: PathBuf = data.extract().map_err(|_| {
        err("data must be a pandas or polars DataFrame, or the path of a data file")
    })?;
    Ok(Source::Files(vec![path]))
}

/// Owned [`Data`], to move onto the worker thread.
enum Source {
    Files(Vec<PathBuf>),
    Frame(Frame),
}

/// The frame in an Arrow IPC stream.
fn read_ipc(bytes: &[u8], name: &str) -> PyResult<polars::prelude::DataFrame> {
    use polars::prelude::{IpcStreamReader, SerReader};
    // A panic in polars becomes the error below, without its report.
    let read = rulec::ingest::no_panic(std::path::Path::new(name), || {
        IpcStreamReader::new(std::io::Cursor::new(bytes)).finish()
    });
    match read {
        Ok(Ok(df)) => Ok(df),
        Ok(Err(e)) => Err(err(format!(
            "{name}: cannot be read as Arrow: {}",
            e.to_string().lines().next().unwrap_or("unreadable")
        ))),
        Err(_) => Err(err(format!(
            "{name}: cannot be read as Arrow: polars failed on it"
        ))),
    }
}

/// Compiles `data` (a path, or an Arrow IPC stream named `name`) with the
/// options of the command line (`options`, names as the flags' with `_`).
/// `teacher`, when given, is the Python adapter around the user's model
/// (`rulec._teacher.ModelTeacher`); `progress(kind, text, done, total)`
/// receives the progress on the calling thread.
#[pyfunction]
#[pyo3(signature = (data, name, options, teacher=None, progress=None))]
fn compile(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    name: &str,
    options: &Bound<'_, PyDict>,
    teacher: Option<Bound<'_, PyAny>>,
    progress: Option<Bound<'_, PyAny>>,
) -> PyResult<Native> {
    let mut params = options::params(options)?;
    let adapter = match teacher {
        Some(adapter) => {
            let (name, external): (String, bool) = adapter.call_method0("describe")?.extract()?;
            params.teacher = pipeline::TeacherKind::InProcess { name, external };
            // A model in memory has no identity to cache its labels under.
            params.cache_dir = None;
            Some(adapter.unbind())
        }
        None => None,
    };
    let params = params.check().map_err(err)?;
    let pool = options::thread_pool(options)?;
    let source = source(data, name)?;
    let batch_rows = params.get().oracle_batch;
    let compiled = runner::run(py, progress, move |reporter, cancel| {
        // Everything the compile holds is made where it runs: on a pool of
        // `threads=` workers, the teacher object (not `Send`) is built on
        // the worker that uses it.
        let work = move || {
            let model = adapter.map(|adapter| {
                Box::new(teacher::PyTeacher::new(adapter, batch_rows, cancel))
                    as Box<dyn rulec::teach::Teacher>
            });
            let (paths, frame) = match source {
                Source::Files(paths) => (paths, None),
                Source::Frame(frame) => (Vec::new(), Some(frame)),
            };
            let data = match frame {
                Some(frame) => Data::Frame(frame),
                None => Data::Files(&paths),
            };
            pipeline::compile_with(data, &params, model, reporter)
        };
        match pool {
            Some(pool) => pool.install(work),
            None => work(),
        }
    })?;
    let rules = compiled.rules.to_json().into_bytes();
    Ok(Native {
        set: compiled.rules.clone(),
        rules,
        rules_name: render::RULES_FILE.to_string(),
        compiled: Some(compiled),
        report: None,
    })
}

/// Reads a `rules.json`, as `rulec book` and `rulec emit` read it.
#[pyfunction]
fn load(path: PathBuf) -> PyResult<Native> {
    let (set, rules) = rules_file::load_with_bytes(&path).map_err(err)?;
    let rules_name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    Ok(Native {
        set,
        rules,
        rules_name,
        compiled: None,
        report: None,
    })
}

/// A rule set from the text of a rules.json (`rules`) named `name`, as
/// `load` reads one from a file: how a pickled `Result` comes back, with
/// the text of its report.json when it had one (`save` writes it again).
#[pyfunction]
#[pyo3(signature = (rules, name, report=None))]
fn loads(rules: Vec<u8>, name: String, report: Option<String>) -> PyResult<Native> {
    let text = std::str::from_utf8(&rules).map_err(err)?;
    let set = RuleSet::from_json(text).map_err(|e| err(format!("{name}: {e}")))?;
    Ok(Native {
        set,
        rules,
        rules_name: name,
        compiled: None,
        report,
    })
}

/// A rule set, compiled here or loaded, and what rulec renders of it.
#[pyclass(module = "rulec._rulec", frozen)]
struct Native {
    set: RuleSet,
    /// The exact bytes of its rules.json (written, or read).
    rules: Vec<u8>,
    /// The name of that file, as the book's sign-off records it.
    rules_name: String,
    /// The whole compile, when it was compiled here.
    compiled: Option<Compiled>,
    /// The text of its report.json, for a compile that came back from a
    /// pickle (`compiled` is then `None`).
    report: Option<String>,
}

#[pymethods]
impl Native {
    /// The name of its rules.json, as the book's sign-off records it.
    fn rules_name(&self) -> String {
        self.rules_name.clone()
    }

    /// The rules.json text.
    fn rules_json(&self) -> String {
        String::from_utf8_lossy(&self.rules).into_owned()
    }

    /// The report.json text (`None` for a loaded rule set).
    fn report_json(&self) -> PyResult<Option<String>> {
        match &self.compiled {
            None => Ok(self.report.clone()),
            Some(c) => serde_json::to_string_pretty(&c.report)
                .map(|mut s| {
                    s.push('\n');
                    Some(s)
                })
                .map_err(err),
        }
    }

    /// Each rule in the DSL, and each of its conditions as printed.
    fn rule_texts(&self) -> Vec<(String, Vec<String>)> {
        self.set
            .rules
            .iter()
            .map(|r| {
                (
                    rulec_runtime::dsl::print_rule(r, &self.set.target.name),
                    r.conditions
                        .iter()
                        .map(rulec_runtime::dsl::print_condition)
                        .collect(),
                )
            })
            .collect()
    }

    /// What the compile said of the rule set beyond its figures (why
    /// nothing was certified, a column that decides alone, test rows that
    /// contradict the guarantee), options named as Python passes them.
    fn advice(&self) -> Vec<String> {
        rulec::pipeline::assemble::advice(&self.set)
            .iter()
            .map(|line| python_spelling(line))
            .collect()
    }

    /// Wall time per stage of the compile, in seconds.
    fn timings(&self) -> Vec<(String, f64)> {
        self.compiled.as_ref().map_or_else(Vec::new, |c| {
            c.timings
                .iter()
                .map(|(s, d)| (s.to_string(), d.as_secs_f64()))
                .collect()
        })
    }

    /// RULEBOOK.md, as `save` writes it.
    fn rulebook_md(&self) -> PyResult<String> {
        self.book_file(0)
    }

    /// rulebook.html, as `save` writes it.
    fn rulebook_html(&self) -> PyResult<String> {
        self.book_file(1)
    }

    /// Writes what `rulec compile --out DIR` writes (a loaded rule set: what
    /// `rulec book` and `rulec emit` write); `dir` is replaced as a whole.
    #[pyo3(signature = (dir, with_runtime=None))]
    fn save(&self, py: Python<'_>, dir: PathBuf, with_runtime: Option<PathBuf>) -> PyResult<()> {
        let emit = options::emit_options(with_runtime.as_deref(), &dir.join("crate"))?;
        let files = match &self.compiled {
            Some(c) => render::compile_files(c, &emit).map_err(err)?,
            None => {
                let mut files = vec![(PathBuf::from(&self.rules_name), self.rules.clone())];
                if let Some(report) = &self.report {
                    files.push((PathBuf::from("report.json"), report.clone().into_bytes()));
                }
                files.extend(render::book_files(&self.set, &self.rules_name, &self.rules));
                let name = render::default_crate_name(&self.set);
                for (path, bytes) in render::crate_files(&self.set, &name, &emit).map_err(err)? {
                    files.push((Path::new("crate").join(path), bytes));
                }
                files
            }
        };
        py.allow_threads(|| {
            output::check_destination(&dir)?;
            output::write_all(&dir, &files)
        })
        .map_err(dir_err)
    }

    /// The generated Rust crate, as `rulec emit RULES --out DIR` writes it.
    #[pyo3(signature = (dir, name=None, with_runtime=None))]
    fn emit_crate(
        &self,
        py: Python<'_>,
        dir: PathBuf,
        name: Option<String>,
        with_runtime: Option<PathBuf>,
    ) -> PyResult<()> {
        let emit = options::emit_options(with_runtime.as_deref(), &dir)?;
        let (name, note) =
            render::crate_name(&self.set, name.as_deref()).map_err(|e| err(format!("name {e}")))?;
        if let Some(note) = note {
            let warnings = py.import("warnings")?;
            warnings.call_method1("warn", (note,))?;
        }
        let files = render::crate_files(&self.set, &name, &emit).map_err(err)?;
        py.allow_threads(|| {
            output::check_destination(&dir)?;
            output::write_all(&dir, &files)
        })
        .map_err(dir_err)
    }

    /// The rules as SQL, as `rulec emit --lang sql` writes it.
    #[pyo3(signature = (dialect, table, view=None, evidence=false, teacher_column=None))]
    fn sql(
        &self,
        dialect: &str,
        table: &str,
        view: Option<&str>,
        evidence: bool,
        teacher_column: Option<&str>,
    ) -> PyResult<String> {
        let dialect: rulec_codegen::sql::Dialect = dialect.parse().map_err(err)?;
        let query = render::SqlQuery {
            dialect,
            table,
            view,
            evidence,
            teacher_column,
        };
        render::sql(&self.set, &query).map_err(err)
    }

    /// Decides every row of `data` (a path, or an Arrow IPC stream named
    /// `name`): per row the decision and the deciding rule's name, `None`
    /// where the fallback answers.
    #[allow(clippy::type_complexity)]
    fn apply(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        name: &str,
    ) -> PyResult<(Vec<Option<String>>, Vec<Option<String>>)> {
        let eval = rulec_runtime::Evaluator::new(&self.set).map_err(err)?;
        let (cells, n) = match source(data, name)? {
            Source::Files(paths) => rulec::ingest::read_batch(&paths[0], &self.set, &eval)
                .map(|(cells, n, _)| (cells, n)),
            Source::Frame(f) => {
                rulec::ingest::frame_cells(&f.frame, Path::new(&f.name), &self.set, &eval, &[])
                    .map(|(cells, n, _)| (cells, n))
            }
        }
        .map_err(err)?;
        let set = &self.set;
        py.allow_threads(|| {
            let width = set.features.len();
            let mut decisions = Vec::with_capacity(n);
            let mut rules = Vec::with_capacity(n);
            for row in 0..n {
                match eval.decide(&cells[row * width..(row + 1) * width])? {
                    Some(hit) => {
                        decisions.push(Some(set.target.classes[hit.class_idx].clone()));
                        rules.push(Some(set.rules[hit.rule_idx].name.clone()));
                    }
                    None => {
                        decisions.push(None);
                        rules.push(None);
                    }
                }
            }
            Ok((decisions, rules))
        })
        .map_err(|e: rulec_runtime::Error| err(e))
    }

    /// `rulec check` on `data` (a path, or an Arrow IPC stream named
    /// `name`) with its labels: the report as Markdown and as JSON, and
    /// whether it passed.
    #[pyo3(signature = (data, name, max_share_shift=None, strict=false, groups=Vec::new()))]
    fn check(
        &self,
        data: &Bound<'_, PyAny>,
        name: &str,
        max_share_shift: Option<f64>,
        strict: bool,
        groups: Vec<String>,
    ) -> PyResult<(String, String, bool)> {
        let mut params = rulec::check::CheckParams {
            strict,
            groups,
            ..Default::default()
        };
        if let Some(shift) = max_share_shift {
            params.max_share_shift = shift;
        }
        let report = match source(data, name)? {
            Source::Files(paths) => rulec::check::check_file(&self.set, &paths[0], &params),
            Source::Frame(f) => {
                rulec::check::check_frame(&self.set, &f.frame, Path::new(&f.name), &params)
            }
        }
        .map_err(err)?;
        let json = serde_json::to_string_pretty(&report).map_err(err)?;
        Ok((report.markdown(&self.rules_name, name), json, report.passed))
    }

    /// `rulec validate --json` on `data` (a path, or an Arrow IPC stream
    /// named `name`) with its labels, at `precision` and `confidence` (the
    /// rule set's own by default), with `teacher_column` for fidelity.
    #[pyo3(signature = (data, name, precision=None, confidence=None, teacher_column=None))]
    fn validate(
        &self,
        data: &Bound<'_, PyAny>,
        name: &str,
        precision: Option<f64>,
        confidence: Option<f64>,
        teacher_column: Option<String>,
    ) -> PyResult<String> {
        let precision = precision.unwrap_or(self.set.certification.precision);
        let confidence = confidence.unwrap_or(self.set.certification.confidence);
        let engine = rulec::validate_file::Engine::Rust;
        let measured = match source(data, name)? {
            Source::Files(paths) => rulec::validate_file::measure(
                &self.set,
                &paths[0],
                teacher_column.as_deref(),
                precision,
                confidence,
                engine,
            ),
            Source::Frame(f) => {
                if let Some(problem) = rulec_runtime::ir::not_levels(
                    ["precision", "confidence"],
                    precision,
                    confidence,
                ) {
                    return Err(err(problem));
                }
                let eval = rulec_runtime::Evaluator::new(&self.set).map_err(err)?;
                let mut extra = vec![("the rule set's target", self.set.target.name.as_str())];
                if let Some(t) = teacher_column.as_deref() {
                    extra.push(("teacher_column", t));
                }
                rulec::ingest::frame_cells(&f.frame, Path::new(&f.name), &self.set, &eval, &extra)
                    .and_then(|(cells, n, columns)| {
                        rulec::validate::measure(
                            &self.set,
                            &cells,
                            n,
                            &columns[0],
                            columns.get(1).map(Vec::as_slice),
                            precision,
                            confidence,
                        )
                    })
            }
        }
        .map_err(err)?
        .with_classes(&self.set);
        render::validate_json(&measured, engine).map_err(err)
    }
}

impl Native {
    fn book_file(&self, i: usize) -> PyResult<String> {
        let files = render::book_files(&self.set, &self.rules_name, &self.rules);
        files
            .into_iter()
            .nth(i)
            .map(|(_, bytes)| String::from_utf8_lossy(&bytes).into_owned())
            .ok_or_else(|| err("internal: the rule book has two files"))
    }
}

/// The names of the compile options, the command line's flags with `_`.
#[pyfunction]
fn option_names() -> Vec<&'static str> {
    options::NAMES.to_vec()
}

/// The native module.
/// `text` (a note of the compile) with its options named as
/// `rulec.compile` takes them ([`python_spelling`]).
#[pyfunction]
fn spelled(text: &str) -> String {
    python_spelling(text)
}

#[pymodule]
fn _rulec(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("RulecError", m.py().get_type::<RulecError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(compile, m)?)?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(loads, m)?)?;
    m.add_function(wrap_pyfunction!(option_names, m)?)?;
    m.add_function(wrap_pyfunction!(spelled, m)?)?;
    m.add_class::<Native>()?;
    Ok(())
}
