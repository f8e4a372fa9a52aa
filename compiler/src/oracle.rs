//! The oracle teacher: any program that speaks rulec's JSON-lines protocol
//! on its standard input and output (`--teacher cmd:"PROGRAM"`).
//!
//! The program is the user's own model (a scikit-learn pipeline, a service
//! client, an LLM wrapper); rulec starts it once, sends it every row in
//! batches and reads back one label per row, with an optional confidence or
//! class probabilities. The protocol, version `rulec-oracle/1`:
//!
//! 1. rulec writes a handshake line:
//!    `{"protocol":"rulec-oracle/1","target":"y","classes":["A","B"],
//!    "features":[{"name":"x","type":"numeric"},{"name":"c","type":"categorical",
//!    "categories":["a","b"]},{"name":"f","type":"boolean"}]}`
//! 2. The program answers `{"ready":true}` (it may add `"name":"..."`, a
//!    description of its model, accepted and not recorded: the labels are
//!    cached, and a compile from the cache, which starts no program, must
//!    write the same rule book; the book names the command line).
//! 3. rulec writes batches, `{"batch":0,"rows":[[1.5,"a",true],[null,"b",false]]}`:
//!    one array per row, values in the handshake's feature order; `null` is a
//!    missing value, `1e999`/`-1e999` are ±infinity; a category that
//!    `--max-categories` grouped away is sent as `null`.
//! 4. The program answers each batch with one line,
//!    `{"batch":0,"labels":["A","B"]}`, optionally with `"confidence":[0.9,0.7]`
//!    (of each label) or `"probs":[[0.9,0.1],[0.3,0.7]]` (per class, in the
//!    handshake's order). Or `{"error":"..."}` to stop the compile with that
//!    message.
//! 5. rulec closes the program's standard input when it is done; the program
//!    should exit. It is killed if it has not exited 5 seconds later, when
//!    rulec stops on an error, and when rulec is interrupted.
//!
//! Each answer must arrive within the time-out (`--oracle-timeout`), the
//! handshake included. The program's standard error is collected and its
//! last lines are shown whenever the oracle fails. Anything else than one
//! JSON object per line on standard output is an error: print logs to
//! standard error.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::error::Error;
use crate::table::{ColumnData, Table, MISSING_CODE, OTHER_CODE};
use crate::teach::{FittedTeacher, LabelData, Teacher, TeacherLabels, TrainingData};

/// The protocol's name and version, sent in the handshake.
pub const PROTOCOL: &str = "rulec-oracle/1";

/// Lines of the program's standard error kept to show on failure.
const STDERR_LINES: usize = 20;

/// How long a program may take to exit once its input is closed.
const EXIT_GRACE: Duration = Duration::from_secs(5);

/// Running oracle programs, so an interrupt can end them.
static RUNNING: Mutex<Vec<Arc<Mutex<Child>>>> = Mutex::new(Vec::new());

/// Kills every oracle program still running; for signal handlers.
pub fn kill_all() {
    if let Ok(mut running) = RUNNING.lock() {
        for child in running.drain(..) {
            if let Ok(mut c) = child.lock() {
                kill(&mut c);
            }
        }
    }
}

/// Ends the program and everything it started: it runs in a process group
/// of its own, so `sh -c` does not leave its children behind.
/// The processes it started are ended too when it has exited itself: a
/// process group lives on, under the program's id, while any of them runs,
/// so the id names none other then.
fn kill(child: &mut Child) {
    #[cfg(unix)]
    {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", child.id())])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    if matches!(child.try_wait(), Ok(None)) {
        let _ = child.kill();
    }
    let _ = child.wait();
}

/// How to run the oracle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OracleParams {
    /// The command line, run by `sh -c`.
    pub program: String,
    /// Rows per batch.
    pub batch_rows: usize,
    /// Longest wait for any one answer.
    pub timeout: Duration,
}

impl Default for OracleParams {
    fn default() -> Self {
        OracleParams {
            program: String::new(),
            batch_rows: 1024,
            timeout: Duration::from_secs(120),
        }
    }
}

/// The teacher that asks an oracle program.
#[derive(Clone, Debug)]
pub struct Oracle {
    /// How to run it.
    pub params: OracleParams,
}

impl Teacher for Oracle {
    fn asks_for_every_row(&self) -> bool {
        true
    }

    fn describe(&self) -> String {
        format!(
            "the oracle program `{}` ({PROTOCOL}, {} rows per batch)",
            self.params.program, self.params.batch_rows
        )
    }

    /// Starts the program and completes the handshake: the oracle's model
    /// was fitted elsewhere, so it learns nothing from the training rows.
    fn fit(&self, data: &TrainingData<'_>) -> Result<Box<dyn FittedTeacher>, Error> {
        let session = Session::start(&self.params, data.table)?;
        Ok(Box::new(FittedOracle {
            batch_rows: self.params.batch_rows.max(1),
            session: Mutex::new(Some(Running {
                session,
                next_batch: 0,
            })),
        }))
    }
}

/// The oracle program, started and ready: it labels the rows of every
/// table it is given in one session, its batches numbered on across
/// tables. Its input is closed when it is dropped.
struct FittedOracle {
    batch_rows: usize,
    /// `None` once a batch failed: the program was killed.
    session: Mutex<Option<Running>>,
}

/// A session and the number of its next batch.
struct Running {
    session: Session,
    next_batch: usize,
}

impl FittedTeacher for FittedOracle {
    fn label(&self, data: &LabelData<'_>) -> Result<TeacherLabels, Error> {
        let mut guard = self
            .session
            .lock()
            .map_err(|_| Error::Params("internal: the oracle session was poisoned".into()))?;
        let Some(running) = guard.as_mut() else {
            return Err(Error::Params(
                "internal: the oracle program already failed".into(),
            ));
        };
        let result = ask_all(running, self.batch_rows, data);
        if result.is_err() {
            // Killed now (no grace: it failed), not when the teacher goes.
            *guard = None;
        }
        result
    }
}

impl Drop for FittedOracle {
    fn drop(&mut self) {
        if let Ok(mut guard) = self.session.lock() {
            if let Some(mut running) = guard.take() {
                running.session.finish();
            }
        }
    }
}

/// Sends every row of `data.table` in batches and reads the answers.
fn ask_all(
    running: &mut Running,
    batch_rows: usize,
    data: &LabelData<'_>,
) -> Result<TeacherLabels, Error> {
    let table = data.table;
    let n = table.n_rows();
    let k = running.session.classes.len();
    let started = Instant::now();
    let mut labels = Vec::with_capacity(n);
    let mut confidence = Vec::with_capacity(n);
    let mut probs = Vec::with_capacity(n * k);
    let n_batches = n.div_ceil(batch_rows);
    for (i, start) in (0..n).step_by(batch_rows).enumerate() {
        let b = running.next_batch;
        running.next_batch += 1;
        let end = (start + batch_rows).min(n);
        let session = &mut running.session;
        let answer = session.ask(b, table, start..end)?;
        for i in 0..end - start {
            let (label, conf, p) = answer.row(i, b, session)?;
            labels.push(label);
            confidence.push(conf);
            probs.extend(p);
        }
        (data.tick)("teach: oracle batches", i as u64 + 1, n_batches as u64);
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

/// What a reply line may hold.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Reply {
    #[serde(default)]
    ready: Option<bool>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    batch: Option<u64>,
    #[serde(default)]
    labels: Option<Vec<String>>,
    #[serde(default)]
    confidence: Option<Vec<f64>>,
    #[serde(default)]
    probs: Option<Vec<Vec<f64>>>,
    #[serde(default)]
    error: Option<String>,
}

/// One batch's checked answer.
struct Answer {
    labels: Vec<u32>,
    confidence: Option<Vec<f64>>,
    probs: Option<Vec<Vec<f64>>>,
}

impl Answer {
    /// Label, confidence and class probabilities of row `i` of the batch.
    fn row(
        &self,
        i: usize,
        batch: usize,
        session: &Session,
    ) -> Result<(u32, f32, Vec<f32>), Error> {
        let k = session.classes.len();
        let label = self.labels[i];
        // Checked even beside `probs`, which then decide: a confidence of
        // 7 was dropped without a word.
        let conf = match &self.confidence {
            Some(c) => {
                let c = c[i];
                if !(0.0..=1.0).contains(&c) {
                    return Err(session.fail(&format!(
                        "answered batch {batch}, row {i} (counted from 0) with confidence {c}, not in [0, 1]"
                    )));
                }
                c
            }
            None => 1.0,
        };
        if let Some(p) = &self.probs {
            let p = &p[i];
            let bad = p.iter().any(|x| !x.is_finite() || *x < 0.0);
            let total: f64 = p.iter().sum();
            if bad || total <= 0.0 {
                return Err(session.fail(&format!(
                    "answered batch {batch}, row {i} (counted from 0) with `probs` that are not non-negative numbers with a positive sum"
                )));
            }
            let probs: Vec<f32> = p.iter().map(|x| (x / total) as f32).collect();
            return Ok((label, probs[label as usize], probs));
        }
        // The label gets its confidence; the rest is spread evenly.
        let rest = if k > 1 {
            (1.0 - conf) / (k - 1) as f64
        } else {
            0.0
        };
        let probs = (0..k)
            .map(|c| if c as u32 == label { conf } else { rest } as f32)
            .collect();
        Ok((label, conf as f32, probs))
    }
}

/// A running oracle program.
struct Session {
    program: String,
    timeout: Duration,
    child: Arc<Mutex<Child>>,
    to_child: Option<Sender<Vec<u8>>>,
    lines: Receiver<std::io::Result<String>>,
    stderr: Arc<Mutex<VecDeque<String>>>,
    /// The target's name and classes, as the handshake named them: the
    /// answers for every table are read against them (a table of synthetic
    /// rows has no target of its own).
    target_name: String,
    classes: Vec<String>,
}

impl Session {
    /// Starts the program and completes the handshake.
    fn start(params: &OracleParams, table: &Table) -> Result<Session, Error> {
        if params.program.trim().is_empty() {
            return Err(Error::Params(
                "--teacher cmd: needs a program, e.g. cmd:\"python3 serve.py\"".into(),
            ));
        }
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(&params.program)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            command.process_group(0);
        }
        let mut child = command.spawn().map_err(|e| {
            Error::Params(format!(
                "teacher cmd:{}: could not start `sh -c`: {e}",
                params.program
            ))
        })?;
        let (stdin, stdout, stderr) =
            match (child.stdin.take(), child.stdout.take(), child.stderr.take()) {
                (Some(i), Some(o), Some(e)) => (i, o, e),
                _ => {
                    kill(&mut child);
                    return Err(Error::Params(format!(
                        "teacher cmd:{}: could not connect to the program's standard streams",
                        params.program
                    )));
                }
            };
        let child = Arc::new(Mutex::new(child));
        if let Ok(mut running) = RUNNING.lock() {
            running.push(child.clone());
        }
        let stderr_tail = Arc::new(Mutex::new(VecDeque::new()));
        spawn_stderr_reader(stderr, stderr_tail.clone());
        let lines = spawn_line_reader(stdout);
        let to_child = spawn_writer(stdin);
        let mut session = Session {
            program: params.program.clone(),
            timeout: params.timeout,
            child,
            to_child: Some(to_child),
            lines,
            stderr: stderr_tail,
            target_name: table.target_name().to_string(),
            classes: table.classes().to_vec(),
        };
        session.send(handshake(table))?;
        let reply = session.receive("the handshake")?;
        if let Some(message) = reply.error {
            return Err(session.fail(&format!("refused the handshake: {message}")));
        }
        if reply.ready != Some(true) {
            return Err(session.fail(
                "answered the handshake without `\"ready\":true` (expected a line like {\"ready\":true})",
            ));
        }
        let _ = reply.name;
        Ok(session)
    }

    /// Sends rows `range` as batch `b` and checks the answer.
    fn ask(
        &mut self,
        b: usize,
        table: &Table,
        range: std::ops::Range<usize>,
    ) -> Result<Answer, Error> {
        let len = range.len();
        self.send(batch_line(b, table, range))?;
        let what = format!("batch {b}");
        let reply = self.receive(&what)?;
        if let Some(message) = reply.error {
            return Err(self.fail(&format!("answered batch {b} with an error: {message}")));
        }
        if reply.batch != Some(b as u64) {
            return Err(self.fail(&format!(
                "answered batch {b} with `\"batch\":{}` (each answer must carry the number of the batch it answers)",
                reply.batch.map_or("missing".into(), |x| x.to_string())
            )));
        }
        let Some(names) = reply.labels else {
            return Err(self.fail(&format!("answered batch {b} without `labels`")));
        };
        if names.len() != len {
            return Err(self.fail(&format!(
                "answered batch {b} with {} labels for {len} rows",
                names.len()
            )));
        }
        let mut labels = Vec::with_capacity(len);
        for (i, name) in names.iter().enumerate() {
            match self.classes.iter().position(|c| c == name) {
                Some(c) => labels.push(c as u32),
                None => {
                    return Err(self.fail(&format!(
                        "answered batch {b}, row {i} (counted from 0) with label {name:?}, which is not a class of `{}` (classes: {})",
                        self.target_name,
                        self.classes
                            .iter()
                            .map(|c| format!("{c:?}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )))
                }
            }
        }
        if let Some(c) = &reply.confidence {
            if c.len() != len {
                return Err(self.fail(&format!(
                    "answered batch {b} with {} confidences for {len} rows",
                    c.len()
                )));
            }
        }
        if let Some(p) = &reply.probs {
            let k = self.classes.len();
            if p.len() != len || p.iter().any(|r| r.len() != k) {
                return Err(self.fail(&format!(
                    "answered batch {b} with `probs` that are not {len} rows of {k} numbers"
                )));
            }
        }
        Ok(Answer {
            labels,
            confidence: reply.confidence,
            probs: reply.probs,
        })
    }

    fn send(&mut self, mut line: String) -> Result<(), Error> {
        line.push('\n');
        let sent = self
            .to_child
            .as_ref()
            .map(|tx| tx.send(line.into_bytes()).is_ok())
            .unwrap_or(false);
        if sent {
            Ok(())
        } else {
            Err(self.fail("stopped reading its input"))
        }
    }

    /// Waits for the next line and parses it.
    fn receive(&mut self, what: &str) -> Result<Reply, Error> {
        let line = match self.next_line() {
            Ok(Ok(line)) => line,
            Ok(Err(e)) => {
                return Err(self.fail(&format!("could not be read while answering {what}: {e}")))
            }
            Err(RecvTimeoutError::Timeout) => {
                return Err(self.fail(&format!(
                    "did not answer {what} within {} s (--oracle-timeout)",
                    self.timeout.as_secs_f64()
                )))
            }
            Err(RecvTimeoutError::Disconnected) => {
                let status = self.exit_status();
                return Err(self.fail(&format!("exited ({status}) before answering {what}")));
            }
        };
        serde_json::from_str::<Reply>(&line).map_err(|e| {
            if let Some(place) = not_a_number_place(&line) {
                return self.fail(&format!(
                    "answered {what}{place} with NaN or Infinity, which JSON does not allow and no probability is (Python's json.dumps writes them for a model's NaN)"
                ));
            }
            let shown: String = line.chars().take(200).collect();
            self.fail(&format!(
                "answered {what} with a line that is not a reply of {PROTOCOL} ({e}): {shown:?}"
            ))
        })
    }

    /// The program's next line, within the timeout. A program that has
    /// exited answers no more, even when a process it started still holds
    /// its output open (a worker of a model server): once it has exited and
    /// a moment has passed without a line, its output counts as closed.
    fn next_line(&self) -> Result<std::io::Result<String>, RecvTimeoutError> {
        const SLICE: Duration = Duration::from_millis(100);
        let deadline = Instant::now() + self.timeout;
        let mut exited_at: Option<Instant> = None;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(RecvTimeoutError::Timeout);
            }
            match self.lines.recv_timeout(left.min(SLICE)) {
                Err(RecvTimeoutError::Timeout) => {}
                other => return other,
            }
            let exited = self
                .child
                .lock()
                .map(|mut c| !matches!(c.try_wait(), Ok(None)))
                .unwrap_or(true);
            match exited_at {
                None if exited => exited_at = Some(Instant::now()),
                Some(at) if at.elapsed() >= 5 * SLICE => {
                    return Err(RecvTimeoutError::Disconnected)
                }
                _ => {}
            }
        }
    }

    /// How the program ended, waiting a moment for it to do so.
    fn exit_status(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(1);
        loop {
            if let Ok(mut c) = self.child.lock() {
                match c.try_wait() {
                    Ok(Some(status)) => return status.to_string(),
                    Ok(None) if Instant::now() < deadline => {}
                    Ok(None) => return "still running, output closed".into(),
                    Err(e) => return format!("status unknown: {e}"),
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Ends the program and builds the error, with its last stderr lines.
    fn fail(&self, what: &str) -> Error {
        if let Ok(mut c) = self.child.lock() {
            kill(&mut c);
        }
        // The stderr reader sees end of file once the program is gone.
        std::thread::sleep(Duration::from_millis(50));
        let tail = self
            .stderr
            .lock()
            .map(|t| t.iter().cloned().collect::<Vec<_>>())
            .unwrap_or_default();
        let mut message = format!("teacher cmd:{}: the oracle {what}", self.program);
        if tail.is_empty() {
            message.push_str("; it wrote nothing on standard error");
        } else {
            message.push_str("; the last lines of its standard error:");
            for line in tail {
                message.push_str("\n  | ");
                message.push_str(&line);
            }
        }
        Error::Params(message)
    }

    /// Closes the program's input and gives it a moment to exit.
    fn finish(&mut self) {
        self.to_child = None;
        let deadline = Instant::now() + EXIT_GRACE;
        loop {
            let done = match self.child.lock() {
                Ok(mut c) => !matches!(c.try_wait(), Ok(None)),
                Err(_) => true,
            };
            if done || Instant::now() >= deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.to_child = None;
        // Whether it has exited or not: what it started goes with it.
        if let Ok(mut c) = self.child.lock() {
            kill(&mut c);
        }
        if let Ok(mut running) = RUNNING.lock() {
            running.retain(|c| !Arc::ptr_eq(c, &self.child));
        }
    }
}

/// What [`not_a_number_place`] writes for a `NaN` or an infinity, and the
/// text it then reads back.
const NOT_A_NUMBER: &str = "\"\\u0000rulec-not-a-number\"";
const MARK: &str = "\u{0}rulec-not-a-number";

/// Where a reply holds `NaN`, `Infinity` or `-Infinity` (which JSON does
/// not allow, and Python's `json.dumps` writes): `, row R in `probs`` (R
/// counted from 0, as the batch's rows are), or an empty place when they
/// are elsewhere; `None` when the line holds none of them, or is no JSON
/// object even without them.
fn not_a_number_place(line: &str) -> Option<String> {
    // The line with each such word outside strings written as a string no
    // reply holds (a `null` of its own is no NaN).
    let mut out = String::with_capacity(line.len());
    let (mut in_string, mut escaped, mut found) = (false, false, false);
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if in_string {
            in_string = escaped || c != '"';
            escaped = !escaped && c == '\\';
        } else if c == '"' {
            in_string = true;
        } else if let Some(word) = ["-Infinity", "Infinity", "NaN"]
            .into_iter()
            .find(|w| rest.starts_with(w))
        {
            out.push_str(NOT_A_NUMBER);
            rest = &rest[word.len()..];
            found = true;
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    if !found {
        return None;
    }
    let value: serde_json::Value = serde_json::from_str(&out).ok()?;
    for field in ["probs", "confidence"] {
        let Some(rows) = value.get(field).and_then(|v| v.as_array()) else {
            continue;
        };
        let marked = |v: &serde_json::Value| v.as_str() == Some(MARK);
        let row = rows.iter().position(|r| match r {
            serde_json::Value::Array(p) => p.iter().any(marked),
            other => marked(other),
        });
        if let Some(i) = row {
            return Some(format!(", row {i} (counted from 0) in `{field}`,"));
        }
    }
    Some(String::new())
}

fn spawn_writer(mut stdin: ChildStdin) -> Sender<Vec<u8>> {
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        for bytes in rx {
            if stdin
                .write_all(&bytes)
                .and_then(|()| stdin.flush())
                .is_err()
            {
                break;
            }
        }
        // Dropping stdin closes the program's input.
    });
    tx
}

fn spawn_line_reader(stdout: impl Read + Send + 'static) -> Receiver<std::io::Result<String>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let stop = line.is_err();
            if tx.send(line).is_err() || stop {
                break;
            }
        }
    });
    rx
}

fn spawn_stderr_reader(stderr: impl Read + Send + 'static, tail: Arc<Mutex<VecDeque<String>>>) {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stderr);
        let mut buf = Vec::new();
        while matches!(reader.read_until(b'\n', &mut buf), Ok(n) if n > 0) {
            let line = String::from_utf8_lossy(&buf).trim_end().to_string();
            buf.clear();
            if let Ok(mut t) = tail.lock() {
                if t.len() == STDERR_LINES {
                    t.pop_front();
                }
                t.push_back(line);
            }
        }
    });
}

fn handshake(table: &Table) -> String {
    let features: Vec<serde_json::Value> = table
        .columns()
        .iter()
        .map(|c| match &c.data {
            ColumnData::Numeric(_) => serde_json::json!({"name": c.name, "type": "numeric"}),
            ColumnData::Boolean(_) => serde_json::json!({"name": c.name, "type": "boolean"}),
            ColumnData::Categorical { levels, .. } => {
                serde_json::json!({"name": c.name, "type": "categorical", "categories": levels})
            }
        })
        .collect();
    serde_json::json!({
        "protocol": PROTOCOL,
        "target": table.target_name(),
        "classes": table.classes(),
        "features": features,
    })
    .to_string()
}

/// One batch request; written by hand so that ±infinity can be sent as
/// `1e999`, which JSON readers (Python's among them) parse as infinity.
fn batch_line(b: usize, table: &Table, range: std::ops::Range<usize>) -> String {
    let mut out = format!("{{\"batch\":{b},\"rows\":[");
    for (n, row) in range.enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push('[');
        for (j, col) in table.columns().iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            match &col.data {
                ColumnData::Numeric(v) => {
                    let x = v[row];
                    if x.is_nan() {
                        out.push_str("null");
                    } else if x == f64::INFINITY {
                        out.push_str("1e999");
                    } else if x == f64::NEG_INFINITY {
                        out.push_str("-1e999");
                    } else {
                        out.push_str(
                            &serde_json::Number::from_f64(x)
                                .map_or("null".into(), |n| n.to_string()),
                        );
                    }
                }
                ColumnData::Boolean(v) => out.push_str(match v[row] {
                    Some(true) => "true",
                    Some(false) => "false",
                    None => "null",
                }),
                ColumnData::Categorical { codes, levels } => match codes[row] {
                    MISSING_CODE | OTHER_CODE => out.push_str("null"),
                    c => out.push_str(
                        &serde_json::Value::String(levels[c as usize].clone()).to_string(),
                    ),
                },
            }
        }
        out.push(']');
    }
    out.push_str("]}");
    out
}

#[cfg(test)]
mod tests {

    /// A reply with NaN or Infinity (Python's `json.dumps` of a model's
    /// NaN) says where; words inside strings are not read as numbers.
    #[test]
    fn nan_in_a_reply_is_found_with_its_row() {
        let place = |line: &str| not_a_number_place(line);
        assert_eq!(
            place(r#"{"batch": 2, "labels": ["a", "b"], "probs": [[0.5, 0.5], [NaN, 1.0]]}"#),
            Some(", row 1 (counted from 0) in `probs`,".to_string())
        );
        assert_eq!(
            place(r#"{"batch": 0, "labels": ["a"], "confidence": [-Infinity]}"#),
            Some(", row 0 (counted from 0) in `confidence`,".to_string())
        );
        assert_eq!(
            place(r#"{"batch": 0, "labels": ["NaN \" Infinity"]}"#),
            None
        );
        assert_eq!(place(r#"{"batch": 0, "x": NaN}"#), Some(String::new()));
        assert_eq!(place("NaN NaN ["), None);
        // A `null` of its own before the NaN is not taken for it.
        assert_eq!(
            place(r#"{"batch": 1, "probs": [[1.0, 0.0], [null, 1.0], [0.5, NaN]]}"#),
            Some(", row 2 (counted from 0) in `probs`,".to_string())
        );
    }

    use super::*;
    use crate::table::{Column, TargetData};

    fn table() -> Table {
        Table::new(
            vec![
                Column {
                    name: "x \"q\"".into(),
                    data: ColumnData::Numeric(vec![
                        1.5,
                        f64::NAN,
                        f64::INFINITY,
                        f64::NEG_INFINITY,
                    ]),
                },
                Column {
                    name: "c".into(),
                    data: ColumnData::Categorical {
                        codes: vec![0, 1, MISSING_CODE, OTHER_CODE],
                        levels: vec!["a\"b".into(), "é\n".into()],
                    },
                },
                Column {
                    name: "f".into(),
                    data: ColumnData::Boolean(vec![Some(true), Some(false), None, Some(true)]),
                },
            ],
            "y".into(),
            TargetData::Classes {
                names: vec!["A".into(), "B".into()],
                labels: vec![0, 1, 0, 1],
                logged: None,
            },
        )
    }

    #[test]
    fn batches_are_json_with_infinities_as_overflowing_numbers() {
        let line = batch_line(3, &table(), 0..4);
        assert_eq!(
            line,
            r#"{"batch":3,"rows":[[1.5,"a\"b",true],[null,"é\n",false],[1e999,null,null],[-1e999,null,true]]}"#
        );
        // Every value but the infinities is plain JSON.
        let finite = batch_line(0, &table(), 0..2);
        let v: serde_json::Value = serde_json::from_str(&finite).unwrap();
        assert_eq!(v["rows"][1][1], "é\n");
    }

    #[test]
    fn the_handshake_names_features_types_and_categories() {
        let v: serde_json::Value = serde_json::from_str(&handshake(&table())).unwrap();
        assert_eq!(v["protocol"], PROTOCOL);
        assert_eq!(v["classes"], serde_json::json!(["A", "B"]));
        assert_eq!(v["features"][0]["name"], "x \"q\"");
        assert_eq!(v["features"][1]["categories"][1], "é\n");
        assert_eq!(v["features"][2]["type"], "boolean");
    }
}
