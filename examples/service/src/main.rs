//! Example service: decides which shipper is cheapest for each delivery
//! request with the rules `rulec demo` (or `rulec compile`) wrote, asks a
//! teacher for the requests the rules do not cover, and prints its metrics
//! when the input ends.
//!
//! ```text
//! rulec demo --out out/
//! rulec-example-service out/rules.json [--shadow-rate 0.05] [--min-samples 100]
//!                       [--lower-bound] [--switch-off] [--seed N] < requests.jsonl
//! ```
//!
//! Each input line is a JSON object. A request names its columns, e.g.
//! `{"id": 7, "distance_mi": 12.5, "weight_lb": 3.1, "zone": "north",
//! "express": false, "fragile": false, "day_of_week": "mon"}`, and gets one
//! output line: `{"id": 7, "cheapest_shipper": "B", "source": "rule",
//! "rule": "b_1", "version": 1}`. A line `{"reload": "PATH"}` loads a new
//! `rules.json` while running. A line that cannot be answered gets
//! `{"id": .., "error": ".."}` and the service goes on. On end of input the
//! metrics go to stderr in the Prometheus text format.
//!
//! The rules run in the interpreter, loaded from the file at start: a
//! service can as well link the generated crate with its `runtime` feature
//! and use `engine::CompiledRules` as the engine; the rest stays the same.
//!
//! The teacher here is a stand-in: the shipping data's own tariff,
//! [`rulec_datasets::shipping::costs`], without its price jitter. **This is
//! where a real service wires its model** ([`Teacher`] implements
//! [`Fallback`]); everything else is what a real service does.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use rulec_datasets::shipping::{self, Delivery};
use rulec_runtime::ir::FeatureKind;
use rulec_runtime::{
    AlarmTest, Cascade, CascadeConfig, Cell, Engine, Error, Fallback, Hit, Interpreter,
    ShadowConfig, Source,
};
use serde_json::{json, Map, Value};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("rulec-example-service: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Command-line options.
struct Options {
    rules: PathBuf,
    shadow: ShadowConfig,
}

fn parse_args() -> Result<Options> {
    let mut args = std::env::args().skip(1);
    let mut rules = None;
    let mut shadow = ShadowConfig::default();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().with_context(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--shadow-rate" => {
                shadow.rate = value("--shadow-rate")?
                    .parse()
                    .context("--shadow-rate takes a number between 0 and 1")?
            }
            "--min-samples" => {
                shadow.min_samples = value("--min-samples")?
                    .parse()
                    .context("--min-samples takes a count")?
            }
            "--seed" => shadow.seed = value("--seed")?.parse().context("--seed takes a number")?,
            "--lower-bound" => shadow.test = AlarmTest::LowerBound,
            "--switch-off" => shadow.switch_off = true,
            flag if flag.starts_with("--") => bail!("unknown option `{flag}`"),
            path if rules.is_none() => rules = Some(PathBuf::from(path)),
            extra => bail!("unexpected argument `{extra}`"),
        }
    }
    let Some(rules) = rules else {
        bail!("usage: rulec-example-service RULES.json [--shadow-rate R] [--min-samples N] [--lower-bound] [--switch-off] [--seed N] < requests.jsonl");
    };
    Ok(Options { rules, shadow })
}

fn run() -> Result<()> {
    let options = parse_args()?;
    let rules = Rules::load(&options.rules)?;
    let teacher = Teacher::new(&rules)?;
    let target = rules.0.set().target.name.clone();
    let config = CascadeConfig {
        shadow: options.shadow,
        on_alarm: Some(Box::new(|alarm| {
            // A real service would page someone; the metrics show it too.
            eprintln!(
                "ALARM: rule `{}` (version {}) agrees with the teacher on {} of {} checks; \
                 bound {:.4} < certified precision {}{}",
                alarm.rule,
                alarm.version,
                alarm.agreements,
                alarm.samples,
                alarm.bound,
                alarm.precision,
                if alarm.switched_off {
                    "; switched off"
                } else {
                    ""
                }
            );
        })),
    };
    let cascade = Cascade::new(rules, teacher, config)?;
    let mut handle = cascade.handle();
    let stdin = std::io::stdin().lock();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (line_idx, line) in stdin.lines().enumerate() {
        let line = line.context("cannot read stdin")?;
        if line.trim().is_empty() {
            continue;
        }
        let answer = match serde_json::from_str::<Value>(&line) {
            Err(err) => json!({ "error": format!("line {}: not JSON: {err}", line_idx + 1) }),
            Ok(Value::Object(obj)) => match obj.get("reload") {
                Some(path) => reload(&cascade, path),
                None => {
                    let id = obj.get("id").cloned().unwrap_or(Value::Null);
                    match decide(&mut handle, &obj, &target) {
                        Ok(mut answer) => {
                            answer.insert("id".to_string(), id);
                            Value::Object(answer)
                        }
                        Err(err) => json!({ "id": id, "error": err }),
                    }
                }
            },
            Ok(_) => json!({ "error": format!("line {}: not a JSON object", line_idx + 1) }),
        };
        writeln!(out, "{answer}").context("cannot write stdout")?;
    }
    out.flush().context("cannot write stdout")?;

    let metrics = cascade.metrics();
    let t = metrics.totals;
    eprint!("{}", metrics.to_prometheus());
    eprintln!(
        "# {} decisions: {} by the rules ({:.1} %), {} by the teacher, {} failed",
        t.decisions(),
        t.rules,
        100.0 * t.coverage(),
        t.fallback,
        t.fallback_errors
    );
    Ok(())
}

/// Answers one request; the fields of the answer without its id.
fn decide(
    handle: &mut rulec_runtime::Handle<Rules, Teacher>,
    obj: &Map<String, Value>,
    target: &str,
) -> Result<Map<String, Value>, String> {
    let request = Request::new(handle.engine(), obj)?;
    let outcome = handle.decide(&request).map_err(|e| e.to_string())?;
    let source = match outcome.source {
        Source::Rule(_) => "rule",
        Source::Fallback => "fallback",
        Source::SwitchedOff(_) => "switched_off",
    };
    let mut answer = Map::new();
    answer.insert(
        target.to_string(),
        handle.class_label(outcome.class_idx).into(),
    );
    answer.insert("source".to_string(), source.into());
    answer.insert(
        "rule".to_string(),
        handle.rule_name(&outcome).map_or(Value::Null, Value::from),
    );
    answer.insert("version".to_string(), outcome.version.into());
    Ok(answer)
}

fn reload(cascade: &Cascade<Rules, Teacher>, path: &Value) -> Value {
    let Some(path) = path.as_str() else {
        return json!({ "error": "`reload` takes the path of a rules.json" });
    };
    match Rules::load(Path::new(path)).and_then(|rules| cascade.reload(rules)) {
        Ok(version) => json!({ "reloaded": path, "version": version }),
        Err(err) => {
            json!({ "error": format!("reload of `{path}` refused, the running rules stay: {err}") })
        }
    }
}

/// A request as the cascade sees it: the cells the rules read and the
/// delivery the teacher prices. A service's own row type: the rules only
/// need the cells.
struct Request {
    cells: Vec<Cell>,
    delivery: std::result::Result<Delivery, String>,
}

impl Request {
    fn new(rules: &Rules, obj: &Map<String, Value>) -> Result<Request, String> {
        let set = rules.0.set();
        let eval = rules.0.evaluator();
        let mut cells = Vec::with_capacity(set.features.len());
        for (col, f) in set.features.iter().enumerate() {
            let value = obj.get(&f.name).unwrap_or(&Value::Null);
            let cell = match (&f.kind, value) {
                (_, Value::Null) => Cell::Missing,
                (FeatureKind::Numeric, Value::Number(x)) => {
                    Cell::Num(x.as_f64().unwrap_or(f64::NAN))
                }
                (FeatureKind::Boolean, Value::Bool(b)) => Cell::Bool(*b),
                (FeatureKind::Categorical { .. }, Value::String(s)) => {
                    Cell::Cat(eval.category_code(col, s))
                }
                (kind, other) => {
                    return Err(format!(
                        "`{}` must be {} or null, not {other}",
                        f.name,
                        kind.describe()
                    ))
                }
            };
            cells.push(cell);
        }
        Ok(Request {
            cells,
            delivery: delivery(obj),
        })
    }
}

/// The delivery the stand-in teacher prices. It needs distance and weight;
/// an unknown zone or day is priced as the first one.
fn delivery(obj: &Map<String, Value>) -> std::result::Result<Delivery, String> {
    let num = |name: &str| {
        obj.get(name)
            .and_then(Value::as_f64)
            .ok_or_else(|| format!("the teacher needs `{name}`"))
    };
    let index = |name: &str, known: &[&str]| {
        obj.get(name)
            .and_then(Value::as_str)
            .and_then(|s| known.iter().position(|k| *k == s))
            .unwrap_or(0)
    };
    let flag = |name: &str| obj.get(name).and_then(Value::as_bool).unwrap_or(false);
    Ok(Delivery {
        distance_mi: num("distance_mi")?,
        weight_lb: num("weight_lb")?,
        zone: index("zone", &shipping::ZONES),
        express: flag("express"),
        fragile: flag("fragile"),
        day: index("day_of_week", &shipping::DAYS),
        cheapest: 0,
        margin: 0.0,
    })
}

/// The rules: the interpreter on a loaded `rules.json`, reading the cells
/// of a [`Request`].
struct Rules(Interpreter);

impl Rules {
    fn load(path: &Path) -> Result<Rules, Error> {
        Interpreter::load(path).map(Rules)
    }
}

impl Engine for Rules {
    type Row = Request;

    fn decide(&self, row: &Request) -> Option<Hit> {
        self.0.decide(&row.cells)
    }

    fn check_row(&self, row: &Request) -> Result<(), Error> {
        self.0.check_row(&row.cells)
    }

    fn n_rules(&self) -> usize {
        self.0.n_rules()
    }

    fn rule_name(&self, rule_idx: usize) -> &str {
        self.0.rule_name(rule_idx)
    }

    fn n_classes(&self) -> usize {
        self.0.n_classes()
    }

    fn class_label(&self, class_idx: usize) -> &str {
        self.0.class_label(class_idx)
    }

    fn precision(&self) -> f64 {
        self.0.precision()
    }

    fn confidence(&self) -> f64 {
        self.0.confidence()
    }

    fn same_input(&self, next: &Self) -> Result<(), Vec<String>> {
        self.0.same_input(&next.0)
    }
}

/// The stand-in teacher: the cheapest shipper under the shipping tariff.
/// Replace [`Teacher::decide`]'s body with a call to the real model.
struct Teacher {
    /// Class index of each shipper in [`shipping::SHIPPERS`] order.
    class_of_shipper: Vec<usize>,
}

impl Teacher {
    fn new(rules: &Rules) -> Result<Teacher> {
        let set = rules.0.set();
        let class_of_shipper = shipping::SHIPPERS
            .iter()
            .map(|s| {
                set.class_index(s).with_context(|| {
                    format!("the rules do not decide the shipping data's shippers: no class `{s}`")
                })
            })
            .collect::<Result<_>>()?;
        Ok(Teacher { class_of_shipper })
    }
}

impl Fallback<Request> for Teacher {
    fn decide(&self, row: &Request) -> Result<usize, Error> {
        let delivery = row
            .delivery
            .as_ref()
            .map_err(|e| Error::Fallback(e.clone()))?;
        let costs = shipping::costs(delivery);
        let cheapest = (0..costs.len())
            .min_by(|&i, &j| costs[i].total_cmp(&costs[j]))
            .unwrap_or(0);
        Ok(self.class_of_shipper[cheapest])
    }
}
