//! The compile options as Python passes them: a dict keyed by the command
//! line's flag names with `_` for `-` (`max_rules` for `--max-rules`), read
//! into the same `CompileParams` the command line builds, with its defaults
//! (`CompileParams::default()`) and, once checked, its messages.

use std::path::{Path, PathBuf};
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use rulec::pipeline::{Certify, CompileParams, OrderMode, TeacherKind};

use crate::err;

/// Every option `rulec.compile` takes besides the data and the teacher
/// object: the flags of `rulec compile` (not `--out`, which is `save`'s
/// argument, and not `--quiet`/`--verbose`, which are `progress=`).
pub const NAMES: &[&str] = &[
    "target",
    "split_column",
    "split",
    "precision",
    "confidence",
    "seed",
    "max_rules",
    "max_depth",
    "min_leaf",
    "teacher",
    "oracle_batch",
    "oracle_timeout",
    "synthetic",
    "sample",
    "max_rows",
    "measure_cost",
    "trees",
    "tree_rows",
    "no_cache",
    "cache_dir",
    "teacher_paths",
    "no_sums",
    "bootstrap_trees",
    "certify",
    "order",
    "tolerance",
    "max_categories",
    "categorical",
    "proposals",
    "forbid",
    "forbid_teacher",
    "groups",
    "stability",
    "card",
    "threads",
];

/// The parameters `options` give, unchecked.
pub fn params(options: &Bound<'_, PyDict>) -> PyResult<CompileParams> {
    let mut p = CompileParams::default();
    let mut no_cache = false;
    let mut cache_dir: Option<PathBuf> = None;
    for (key, value) in options.iter() {
        let key: String = key.extract()?;
        if value.is_none() && key != "target" {
            // `None` is the default, as leaving the flag out.
            continue;
        }
        let v = &value;
        match key.as_str() {
            "target" => p.target = get(v, &key, "a column name")?,
            "split_column" => p.split_column = Some(get(v, &key, "a column name")?),
            "split" => {
                let text: String = get(
                    v,
                    &key,
                    "TRAIN/VALIDATION/TEST percentages such as \"50/30/20\"",
                )?;
                p.split = Some(
                    text.parse()
                        .map_err(|e: String| err(format!("split: {e}")))?,
                );
            }
            "precision" => p.precision = number(v, &key)?,
            "confidence" => p.confidence = number(v, &key)?,
            "seed" => p.seed = get(v, &key, "a non-negative integer")?,
            "max_rules" => p.max_rules = get(v, &key, "a non-negative integer")?,
            "max_depth" => p.max_depth = get(v, &key, "a non-negative integer")?,
            "min_leaf" => p.min_leaf = get(v, &key, "a non-negative integer")?,
            "teacher" => {
                let text: String = get(v, &key, "a teacher name or a fitted model")?;
                p.teacher = TeacherKind::parse(&text).map_err(err)?;
            }
            "oracle_batch" => p.oracle_batch = get(v, &key, "a non-negative integer")?,
            "oracle_timeout" => {
                let secs = number(v, &key)?;
                // As the command line reads `--oracle-timeout`: infinity
                // waits without limit, anything but a positive number is
                // refused by the check.
                p.oracle_timeout = if secs > 0.0 {
                    Duration::from_secs_f64(secs.min(1e9))
                } else {
                    Duration::ZERO
                };
            }
            "synthetic" => p.synthetic = get(v, &key, "a non-negative integer")?,
            "sample" => p.sample = Some(get(v, &key, "a non-negative integer")?),
            "max_rows" => p.max_rows = get(v, &key, "a non-negative integer")?,
            "measure_cost" => p.measure_cost = get(v, &key, "True or False")?,
            "trees" => p.n_trees = get(v, &key, "a non-negative integer")?,
            "tree_rows" => p.tree_rows = get(v, &key, "a non-negative integer")?,
            "no_cache" => no_cache = get(v, &key, "True or False")?,
            "cache_dir" => cache_dir = Some(get(v, &key, "a directory path")?),
            "teacher_paths" => p.teacher_paths = get(v, &key, "True or False")?,
            "no_sums" => p.sums = !get::<bool>(v, &key, "True or False")?,
            "bootstrap_trees" => p.bootstrap_trees = get(v, &key, "a non-negative integer")?,
            "order" => {
                let text: String = get(v, &key, "`auto`, `greedy` or `confidence`")?;
                p.order = match text.as_str() {
                    "auto" => OrderMode::Auto,
                    "greedy" => OrderMode::Greedy,
                    "confidence" => OrderMode::Confidence,
                    other => {
                        return Err(err(format!(
                            "invalid value '{other}' for '--order <ORDER>': possible values are auto, greedy, confidence"
                        )))
                    }
                };
            }
            "certify" => {
                let text: String = get(v, &key, "`set`, `class` or `rule`")?;
                p.certify = match text.as_str() {
                    "set" => Certify::Set,
                    "class" => Certify::Class,
                    "rule" => Certify::Rule,
                    other => {
                        return Err(err(format!(
                            "invalid value '{other}' for '--certify <CERTIFY>': possible values are set, class, rule"
                        )))
                    }
                };
            }
            "tolerance" => p.tolerance = Some(number(v, &key)?),
            "max_categories" => p.max_categories = get(v, &key, "a non-negative integer")?,
            "proposals" => p.proposals = Some(get(v, &key, "a file path")?),
            "categorical" => p.categorical = columns(v, &key)?,
            "forbid" => p.forbid = columns(v, &key)?,
            "forbid_teacher" => p.forbid_teacher = get(v, &key, "True or False")?,
            "groups" => p.groups = columns(v, &key)?,
            "stability" => p.stability = get(v, &key, "a non-negative integer")?,
            "card" => p.card = Some(get(v, &key, "a file path")?),
            // Not a compile parameter: the worker pool it runs on
            // ([`thread_pool`]).
            "threads" => {}
            other => {
                return Err(err(format!(
                    "unknown option `{other}`; the options are {}",
                    NAMES.join(", ")
                )))
            }
        }
    }
    // As the command line: the labels are cached in ~/.cache/rulec unless
    // `--no-cache`.
    p.cache_dir = if no_cache {
        None
    } else {
        Some(cache_dir.unwrap_or_else(rulec::cache::default_dir))
    };
    Ok(p)
}

/// The worker pool `threads=` asks for, as the command line's `--threads`
/// (1 to 1,024 threads), or `None` for rayon's global pool (one thread per
/// core, or `RAYON_NUM_THREADS`). A pool of its own per compile, since the
/// process's global pool is fixed once started: two compiles in one
/// notebook may ask for different numbers. Its threads are named
/// `rulec-worker-N`.
pub fn thread_pool(options: &Bound<'_, PyDict>) -> PyResult<Option<rayon::ThreadPool>> {
    let Some(v) = options.get_item("threads")?.filter(|v| !v.is_none()) else {
        return Ok(None);
    };
    let n: usize = get(&v, "threads", "a non-negative integer")?;
    // As the command line: past a thousand threads each costs memory and
    // none adds speed.
    if n == 0 || n > 1024 {
        return Err(err(format!(
            "threads must be a number of worker threads in 1..=1024, got {n}"
        )));
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(|i| format!("rulec-worker-{i}"))
        .build()
        .map(Some)
        .map_err(|e| err(format!("cannot start {n} worker threads: {e}")))
}

/// Emit options from `with_runtime`, as `--with-runtime` reads them, for a
/// crate written to `crate_dir`.
pub fn emit_options(
    with_runtime: Option<&Path>,
    crate_dir: &Path,
) -> PyResult<rulec_codegen::rust::EmitOptions> {
    let runtime = match with_runtime {
        None => None,
        Some(dir) => Some(
            rulec::render::runtime_dependency(dir, crate_dir)
                .map_err(|e| err(format!("with_runtime {}: {e}", dir.display())))?,
        ),
    };
    Ok(rulec_codegen::rust::EmitOptions { runtime })
}

/// The option's value, or an error naming it and what was expected.
fn get<'py, T: FromPyObject<'py>>(v: &Bound<'py, PyAny>, key: &str, expected: &str) -> PyResult<T> {
    // Python's `True` is the integer 1: `max_rules=True` is a slip, not 1.
    let counted = expected.ends_with("integer");
    let refused = counted && v.is_instance_of::<pyo3::types::PyBool>();
    let value = if refused {
        Err(())
    } else {
        v.extract().map_err(|_| ())
    };
    value.map_err(|_| {
        let got = v
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "?".into());
        err(format!(
            "option `{key}` must be {expected}, got {got} {}",
            short_repr(v)
        ))
    })
}

/// Column names, as a list of strings or one string with commas (as the
/// command line's `--forbid race,sex`; a comma in a name is written `\,`).
fn columns(v: &Bound<'_, PyAny>, key: &str) -> PyResult<Vec<String>> {
    let names: Vec<String> = match v.extract::<String>() {
        Ok(text) => rulec::params::split_names(&text),
        Err(_) => get(v, key, "a list of column names or one string \"a,b\"")?,
    };
    Ok(names)
}

/// A number; booleans are refused (Python's `True` is an integer).
fn number(v: &Bound<'_, PyAny>, key: &str) -> PyResult<f64> {
    if v.is_instance_of::<pyo3::types::PyBool>() {
        return Err(err(format!(
            "option `{key}` must be a number, got bool {}",
            short_repr(v)
        )));
    }
    get(v, key, "a number")
}

fn short_repr(v: &Bound<'_, PyAny>) -> String {
    let text = v.repr().map(|r| r.to_string()).unwrap_or_default();
    let mut short: String = text.chars().take(60).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}
