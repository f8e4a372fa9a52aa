//! The user's Python model as a `rulec::teach::Teacher`, called in-process.
//!
//! The Python side is an adapter object (`rulec._teacher.ModelTeacher`)
//! around the model; this side hands it the table's columns as raw bytes
//! (numbers as `f64`, booleans as `i8` with `-1` missing, categories as
//! `i32` codes with `-1` for a missing value or one `max_categories`
//! grouped away, which the oracle protocol sends as `null` too) and asks
//! for class probabilities batch by batch, taking the GIL for each batch
//! only, so the caller's thread can show progress and see Ctrl-C between
//! batches.
//!
//! The adapter's methods:
//! - `describe() -> (name, external)`;
//! - `prepare(columns, classes, train, labels, seed)`: checks the model's
//!   columns against the table; a model not fitted yet is fitted on the
//!   training rows (`train`, with their true `labels`), and cross-fitted
//!   on them, so that training rows are labelled by models that did not
//!   learn from them, as rulec's own teachers label them;
//! - `begin(columns, fitted_table)`: the table to label next;
//! - `predict(start, end) -> bytes`: `f32` probabilities, row-major, one
//!   per class of `classes`.

use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::Instant;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};
use rulec::table::{ColumnData, Table, MISSING_CODE, OTHER_CODE};
use rulec::teach::{FittedTeacher, LabelData, Origin, Teacher, TeacherLabels, TrainingData};
use rulec::Error;

use crate::runner::Cancel;

/// The Python exception the model raised last, to chain to the error.
static MODEL_ERROR: Mutex<Option<PyErr>> = Mutex::new(None);

/// Takes the Python exception the model raised, if any.
pub fn take_model_error() -> Option<PyErr> {
    MODEL_ERROR.lock().ok().and_then(|mut e| e.take())
}

/// The adapter, as a teacher.
pub struct PyTeacher {
    adapter: Py<PyAny>,
    batch_rows: usize,
    cancel: Cancel,
}

impl PyTeacher {
    /// A teacher asking `adapter` in batches of `batch_rows`.
    pub fn new(adapter: Py<PyAny>, batch_rows: usize, cancel: Cancel) -> PyTeacher {
        PyTeacher {
            adapter,
            batch_rows: batch_rows.max(1),
            cancel,
        }
    }
}

impl Teacher for PyTeacher {
    fn describe(&self) -> String {
        Python::with_gil(|py| {
            self.adapter
                .call_method0(py, "describe")
                .and_then(|d| d.extract::<(String, bool)>(py))
                .map(|(name, external)| {
                    rulec::pipeline::TeacherKind::InProcess { name, external }.name()
                })
                .unwrap_or_else(|_| "python:(unnamed model)".into())
        })
    }

    fn fit(&self, data: &TrainingData<'_>) -> Result<Box<dyn FittedTeacher>, Error> {
        let table = data.table;
        let train: Vec<u8> = data
            .splits
            .train
            .iter()
            .flat_map(|&r| (r as i64).to_le_bytes())
            .collect();
        let labels: Vec<u8> = data
            .splits
            .train
            .iter()
            .flat_map(|&r| (table.labels()[r] as i64).to_le_bytes())
            .collect();
        Python::with_gil(|py| -> PyResult<()> {
            let columns = columns(py, table)?;
            self.adapter.call_method1(
                py,
                "prepare",
                (
                    columns,
                    table.classes().to_vec(),
                    PyBytes::new(py, &train),
                    PyBytes::new(py, &labels),
                ),
            )?;
            Ok(())
        })
        .map_err(|e| model_error(e, "could not be prepared"))?;
        Ok(Box::new(FittedPy {
            adapter: Python::with_gil(|py| self.adapter.clone_ref(py)),
            batch_rows: self.batch_rows,
            n_classes: table.n_classes(),
            cancel: self.cancel.clone(),
        }))
    }
}

/// The prepared adapter.
struct FittedPy {
    adapter: Py<PyAny>,
    batch_rows: usize,
    n_classes: usize,
    cancel: Cancel,
}

impl FittedTeacher for FittedPy {
    fn label(&self, data: &LabelData<'_>) -> Result<TeacherLabels, Error> {
        let table = data.table;
        let n = table.n_rows();
        let k = self.n_classes;
        Python::with_gil(|py| -> PyResult<()> {
            let columns = columns(py, table)?;
            self.adapter
                .call_method1(py, "begin", (columns, data.origin == Origin::Fitted))?;
            Ok(())
        })
        .map_err(|e| model_error(e, "could not be given the rows"))?;
        let started = Instant::now();
        let mut labels = Vec::with_capacity(n);
        let mut confidence = Vec::with_capacity(n);
        let mut probs = Vec::with_capacity(n * k);
        let n_batches = n.div_ceil(self.batch_rows);
        for (b, start) in (0..n).step_by(self.batch_rows).enumerate() {
            if self.cancel.load(Ordering::Relaxed) {
                return Err(Error::Params("interrupted".into()));
            }
            let end = (start + self.batch_rows).min(n);
            let bytes: Vec<u8> = Python::with_gil(|py| -> PyResult<Vec<u8>> {
                let got = self.adapter.call_method1(py, "predict", (start, end))?;
                Ok(got.downcast_bound::<PyBytes>(py)?.as_bytes().to_vec())
            })
            .map_err(|e| model_error(e, &format!("failed on rows {start}..{end}")))?;
            if bytes.len() != (end - start) * k * 4 {
                return Err(Error::Params(format!(
                    "teacher: the model answered {} probabilities for {} rows of {k} classes",
                    bytes.len() / 4,
                    end - start
                )));
            }
            for (i, row) in bytes.chunks_exact(k * 4).enumerate() {
                let p: Vec<f32> = row
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect();
                let total: f32 = p.iter().sum();
                if p.iter().any(|x| !x.is_finite() || *x < 0.0) || total <= 0.0 {
                    return Err(Error::Params(format!(
                        "teacher: the model's probabilities for row {} are not non-negative numbers with a positive sum",
                        start + i
                    )));
                }
                let p: Vec<f32> = p.iter().map(|x| x / total).collect();
                // The first most probable class, as the forest breaks ties.
                let (best, conf) = p
                    .iter()
                    .enumerate()
                    .fold(
                        (0usize, f32::MIN),
                        |acc, (c, &x)| {
                            if x > acc.1 {
                                (c, x)
                            } else {
                                acc
                            }
                        },
                    );
                labels.push(best as u32);
                confidence.push(conf);
                probs.extend(p);
            }
            (data.tick)("teach: the model's batches", b as u64 + 1, n_batches as u64);
        }
        let elapsed = started.elapsed();
        Ok(TeacherLabels {
            labels,
            confidence,
            probs,
            trees: Vec::new(),
            comparisons: Vec::new(),
            ns_per_row: (n > 0).then(|| elapsed.as_nanos() as f64 / n as f64),
        })
    }
}

/// The error for the model's Python exception: its first line, and the
/// exception kept to chain to the Python error.
fn model_error(e: PyErr, what: &str) -> Error {
    let line = Python::with_gil(|py| {
        let kind = e
            .get_type(py)
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "Exception".into());
        let text = e.value(py).to_string();
        let first = text.lines().next().unwrap_or("").to_string();
        // The adapter's own checks say what is wrong in full sentences.
        if kind == "TeacherError" {
            first
        } else {
            format!("teacher: the model {what}: {kind}: {first}")
        }
    });
    if let Ok(mut slot) = MODEL_ERROR.lock() {
        *slot = Some(e);
    }
    Error::Params(line)
}

/// The table's columns for the adapter: `(name, kind, bytes, levels)`.
fn columns<'py>(py: Python<'py>, table: &Table) -> PyResult<Bound<'py, PyList>> {
    let mut out = Vec::with_capacity(table.columns().len());
    for c in table.columns() {
        let item = match &c.data {
            ColumnData::Numeric(v) => {
                let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
                (
                    c.name.clone(),
                    "numeric",
                    PyBytes::new(py, &bytes),
                    Vec::<String>::new(),
                )
            }
            ColumnData::Boolean(v) => {
                let bytes: Vec<u8> = v
                    .iter()
                    .map(|b| match b {
                        Some(true) => 1i8,
                        Some(false) => 0,
                        None => -1,
                    } as u8)
                    .collect();
                (
                    c.name.clone(),
                    "boolean",
                    PyBytes::new(py, &bytes),
                    Vec::new(),
                )
            }
            ColumnData::Categorical { codes, levels } => {
                let bytes: Vec<u8> = codes
                    .iter()
                    .flat_map(|&code| {
                        let code = match code {
                            MISSING_CODE | OTHER_CODE => -1i32,
                            c => c as i32,
                        };
                        code.to_le_bytes()
                    })
                    .collect();
                (
                    c.name.clone(),
                    "categorical",
                    PyBytes::new(py, &bytes),
                    levels.clone(),
                )
            }
        };
        out.push(PyTuple::new(
            py,
            [
                item.0.into_pyobject(py)?.into_any(),
                item.1.into_pyobject(py)?.into_any(),
                item.2.into_any(),
                item.3.into_pyobject(py)?.into_any(),
            ],
        )?);
    }
    PyList::new(py, out)
}
