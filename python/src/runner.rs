//! Long work on a worker thread, so the calling Python thread stays free
//! for what only it can do: run signal handlers (Ctrl-C, a notebook's
//! interrupt button) and print progress where Python prints (a notebook
//! cell's output).
//!
//! The caller waits with the GIL released, waking every 100 ms to show the
//! progress the worker recorded and to check for signals. On an interrupt
//! it sets the cancel flag: the worker stops at its next progress report
//! (or the in-process teacher at its next batch), any oracle program is
//! killed, and the caller raises `KeyboardInterrupt` once the worker is
//! done (or after 10 s, leaving it to finish alone with its output
//! discarded).

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pyo3::prelude::*;
use rulec::progress::Progress;

use crate::err;

/// The payload a cancelled worker unwinds with, out of any stage.
struct Cancelled;

/// Set when the caller was interrupted.
pub type Cancel = Arc<AtomicBool>;

/// What the worker reports, for the caller to show.
enum Event {
    Line(String),
    Tick(String, u64, u64),
}

/// The worker's [`Progress`]: records events; stops the worker once
/// cancelled.
pub struct Reporter {
    events: Arc<Mutex<Vec<Event>>>,
    cancel: Cancel,
}

impl Reporter {
    fn stop_if_cancelled(&self) {
        if self.cancel.load(Ordering::Relaxed) {
            // `resume_unwind` runs no panic hook: nothing is printed.
            std::panic::resume_unwind(Box::new(Cancelled));
        }
    }

    fn push(&self, event: Event) {
        if let Ok(mut events) = self.events.lock() {
            // Of ticks of one step in a row, the caller shows the last.
            if let (Some(Event::Tick(last, _, _)), Event::Tick(what, _, _)) =
                (events.last(), &event)
            {
                if last == what {
                    events.pop();
                }
            }
            events.push(event);
        }
    }
}

impl Progress for Reporter {
    fn line(&self, text: &str) {
        self.stop_if_cancelled();
        // The compile's lines name the command line's flags; a Python caller
        // passes them as keywords.
        self.push(Event::Line(crate::python_spelling(text)));
    }

    fn tick(&self, what: &str, done: u64, total: u64) {
        self.stop_if_cancelled();
        self.push(Event::Tick(what.to_string(), done, total));
    }
}

/// Runs `job` on a worker thread and waits for it as the module docs say.
pub fn run<T: Send + 'static>(
    py: Python<'_>,
    progress: Option<Bound<'_, PyAny>>,
    job: impl FnOnce(&Reporter, Cancel) -> Result<T, rulec::Error> + Send + 'static,
) -> PyResult<T> {
    // A model's exception from an earlier compile is not this one's.
    drop(crate::teacher::take_model_error());
    let events = Arc::new(Mutex::new(Vec::new()));
    let cancel: Cancel = Arc::new(AtomicBool::new(false));
    let reporter = Reporter {
        events: events.clone(),
        cancel: cancel.clone(),
    };
    let worker_cancel = cancel.clone();
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::Builder::new()
        .name("rulec-compile".into())
        .spawn(move || {
            let result =
                std::panic::catch_unwind(AssertUnwindSafe(|| job(&reporter, worker_cancel)));
            let _ = tx.send(result);
        })
        .map_err(|e| err(format!("cannot start the compile's thread: {e}")))?;
    // A receiver is not `Sync`; the lock lets the GIL-free wait borrow it.
    let rx = Mutex::new(rx);
    let wait = |timeout: Duration| match rx.lock() {
        Ok(rx) => rx.recv_timeout(timeout),
        Err(_) => Err(RecvTimeoutError::Disconnected),
    };
    loop {
        let got = py.allow_threads(|| wait(Duration::from_millis(100)));
        let shown = show(py, progress.as_ref(), &events);
        if let Err(interrupt) = shown.and_then(|()| py.check_signals()) {
            cancel.store(true, Ordering::Relaxed);
            rulec::oracle::kill_all();
            if got.is_err() {
                let _ = py.allow_threads(|| wait(Duration::from_secs(10)));
            }
            return Err(interrupt);
        }
        let result = match got {
            Ok(result) => result,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => {
                return Err(err("internal: the compile's thread ended without a result"))
            }
        };
        let _ = worker.join();
        return match result {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) if cancel.load(Ordering::Relaxed) => Err(
                pyo3::exceptions::PyKeyboardInterrupt::new_err(e.to_string()),
            ),
            Ok(Err(e)) => Err(take_python_error(e)),
            Err(payload) if payload.is::<Cancelled>() => {
                Err(pyo3::exceptions::PyKeyboardInterrupt::new_err(()))
            }
            Err(payload) => {
                let what = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "no message".into());
                Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
                    "internal error: rulec panicked ({what}); please report it"
                )))
            }
        };
    }
}

/// The error as the Python exception: the teacher's own exception when the
/// user's model raised it (kept by the adapter), else a `RulecError`.
fn take_python_error(e: rulec::Error) -> PyErr {
    if let Some(original) = crate::teacher::take_model_error() {
        // An exception that is no error (KeyboardInterrupt, SystemExit,
        // GeneratorExit) raised inside the model goes on as it is.
        let is_error =
            Python::with_gil(|py| original.is_instance_of::<pyo3::exceptions::PyException>(py));
        if !is_error {
            return original;
        }
        let new = err(&e);
        Python::with_gil(|py| new.set_cause(py, Some(original)));
        return new;
    }
    err(e)
}

/// Hands the recorded events to `progress(kind, text, done, total)`.
fn show(
    py: Python<'_>,
    progress: Option<&Bound<'_, PyAny>>,
    events: &Mutex<Vec<Event>>,
) -> PyResult<()> {
    let drained: Vec<Event> = match events.lock() {
        Ok(mut e) => std::mem::take(&mut *e),
        Err(_) => return Ok(()),
    };
    let Some(progress) = progress else {
        return Ok(());
    };
    let _ = py;
    for event in drained {
        match event {
            Event::Line(text) => progress.call1(("line", text, 0u64, 0u64))?,
            Event::Tick(what, done, total) => progress.call1(("tick", what, done, total))?,
        };
    }
    Ok(())
}
