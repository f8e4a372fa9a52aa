//! Figures, not assertions: what a decision costs in the interpreter and
//! through the [`Cascade`] (metrics on; shadow checks off and at 1 %), as
//! ratios measured in one run on shipping rows; and the fallback's share of
//! the total compute at the coverage the rules reach.
//!
//! ```text
//! cargo bench -p rulec-runtime --bench cascade
//! RULEC_BENCH_RULES=out/rules.json cargo bench -p rulec-runtime --bench cascade
//! ```
//!
//! Without `RULEC_BENCH_RULES` the rules are a small hand-written set in the
//! spirit of what `rulec demo` finds. The fallback model is a stand-in with
//! a known cost: a dense network of 7 inputs, two hidden layers of 256 and 3
//! outputs (about 68,000 multiply-adds), which is far cheaper than the big
//! models rulec is meant for, so the shares printed are a lower bound on
//! what the rules save. The bare generated `decide` is not measured here:
//! it needs a generated crate.

use std::hint::black_box;
use std::time::{Duration, Instant};

use rulec_datasets::shipping;
use rulec_runtime::ir::{
    Certification, CmpOp, Condition, Feature, FeatureKind, Rule, RuleSet, Target, SCHEMA_VERSION,
};
use rulec_runtime::{Cascade, CascadeConfig, Cell, Interpreter, ShadowConfig};

const ROWS: usize = 200_000;
const REPEATS: usize = 7;

fn main() {
    let set = match std::env::var_os("RULEC_BENCH_RULES") {
        Some(path) => {
            let text = std::fs::read_to_string(&path).expect("RULEC_BENCH_RULES is readable");
            RuleSet::from_json(&text).expect("RULEC_BENCH_RULES is a valid rules.json")
        }
        None => hand_written_rules(),
    };
    let interp = Interpreter::new(set.clone()).expect("valid rules");
    let rows = shipping_rows(&set, &interp);
    println!(
        "{} rules, {} shipping rows (seed 1), best of {REPEATS} runs",
        set.rules.len(),
        rows.len()
    );

    let eval = interp.evaluator().clone();
    let t_interp = best(|| {
        let mut covered = 0usize;
        for row in &rows {
            covered += usize::from(eval.decide_unchecked_width(black_box(row)).is_some());
        }
        covered
    });
    let covered = rows
        .iter()
        .filter(|r| eval.decide_unchecked_width(r).is_some())
        .count();
    let coverage = covered as f64 / rows.len() as f64;

    // A free fallback isolates what the cascade adds to the interpreter.
    let free = |_: &[Cell]| 0usize;
    let t_cascade = cascade_time(&interp, free, 0.0, &rows);
    let t_shadow = cascade_time(&interp, free, 0.01, &rows);

    let model = Model::new();
    let model_rows: Vec<[f64; 7]> = rows.iter().map(|r| features(r)).collect();
    let t_model = best(|| {
        let mut sum = 0usize;
        for x in model_rows.iter().take(ROWS / 20) {
            sum += model.predict(black_box(x));
        }
        sum
    }) * 20;
    // The model dominates: a tenth of the rows is enough for these.
    let some_rows = &rows[..ROWS / 10];
    let with_model = |row: &[Cell]| model.predict(&features(row));
    let t_full = cascade_time(&interp, with_model, 0.0, some_rows);
    let t_full_shadow = cascade_time(&interp, with_model, 0.01, some_rows);

    let per = |t: Duration, n: usize| t.as_secs_f64() * 1e9 / n as f64;
    let n = rows.len();
    let (interp_ns, model_ns) = (per(t_interp, n), per(t_model, n));
    println!();
    println!("per decision                               ns    ratio");
    println!("interpreter (Evaluator::decide)      {interp_ns:>10.1}     1.00");
    for (name, t) in [
        ("cascade, metrics, free fallback", t_cascade),
        ("  + shadow checks at 1 %", t_shadow),
    ] {
        println!(
            "{name:<36} {:>10.1} {:>8.2}",
            per(t, n),
            per(t, n) / interp_ns
        );
    }
    println!(
        "stand-in model                       {model_ns:>10.1} {:>8.0}",
        model_ns / interp_ns
    );
    println!();
    println!("coverage of the rules: {:.1} %", 100.0 * coverage);
    // What the model costs per decision on average, against what the rules
    // and the cascade cost: the fallback's share of the compute.
    for (name, t_rules, calls) in [
        ("without shadow checks", t_cascade, 1.0 - coverage),
        (
            "with shadow checks at 1 %",
            t_shadow,
            1.0 - coverage + 0.01 * coverage,
        ),
    ] {
        let model_part = calls * model_ns;
        let rules_part = per(t_rules, n);
        println!(
            "{name}: the fallback is {:.3} % of the compute ({model_part:.1} ns model + \
             {rules_part:.1} ns rules and cascade per decision)",
            100.0 * model_part / (model_part + rules_part)
        );
    }
    let m = some_rows.len();
    println!(
        "measured with the model as fallback ({m} rows): {:.1} ns per decision without shadow \
         checks, {:.1} ns with; {:.1} % and {:.1} % of the model's cost on every row",
        per(t_full, m),
        per(t_full_shadow, m),
        100.0 * per(t_full, m) / model_ns,
        100.0 * per(t_full_shadow, m) / model_ns
    );
}

/// The best wall time of [`REPEATS`] runs of `f`.
fn best<T>(mut f: impl FnMut() -> T) -> Duration {
    (0..REPEATS)
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn cascade_time(
    interp: &Interpreter,
    fallback: impl Fn(&[Cell]) -> usize + Send + Sync,
    rate: f64,
    rows: &[Vec<Cell>],
) -> Duration {
    let config = CascadeConfig {
        shadow: ShadowConfig {
            rate,
            ..ShadowConfig::default()
        },
        on_alarm: None,
    };
    let cascade = Cascade::new(interp.clone(), fallback, config).expect("cascade");
    let mut handle = cascade.handle();
    best(|| {
        let mut sum = 0usize;
        for row in rows {
            sum += handle.decide(black_box(row)).map_or(0, |o| o.class_idx);
        }
        sum
    })
}

/// Shipping rows encoded for `set` (its features must be shipping
/// columns).
fn shipping_rows(set: &RuleSet, interp: &Interpreter) -> Vec<Vec<Cell>> {
    let eval = interp.evaluator();
    shipping::generate(ROWS, 1)
        .iter()
        .map(|d| {
            set.features
                .iter()
                .enumerate()
                .map(|(col, f)| match f.name.as_str() {
                    "distance_mi" => Cell::Num(d.distance_mi),
                    "weight_lb" => Cell::Num(d.weight_lb),
                    "zone" => Cell::Cat(eval.category_code(col, shipping::ZONES[d.zone])),
                    "express" => Cell::Bool(d.express),
                    "fragile" => Cell::Bool(d.fragile),
                    "day_of_week" => Cell::Cat(eval.category_code(col, shipping::DAYS[d.day])),
                    _ => Cell::Missing,
                })
                .collect()
        })
        .collect()
}

/// The model's inputs: the row's cells as numbers.
fn features(row: &[Cell]) -> [f64; 7] {
    let mut x = [0.0; 7];
    for (slot, cell) in x.iter_mut().zip(row) {
        *slot = match *cell {
            Cell::Num(v) => v,
            Cell::Bool(b) => f64::from(u8::from(b)),
            Cell::Cat(c) => f64::from(c),
            Cell::Missing => 0.0,
        };
    }
    x
}

/// A stand-in for the teacher with a fixed cost: a dense network with
/// fixed pseudo-random weights.
struct Model {
    w1: Vec<[f64; 7]>,
    w2: Vec<Vec<f64>>,
    w3: Vec<Vec<f64>>,
}

impl Model {
    const HIDDEN: usize = 256;

    fn new() -> Model {
        let mut state = 7u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        };
        let w1 = (0..Self::HIDDEN)
            .map(|_| std::array::from_fn(|_| next()))
            .collect();
        let w2 = (0..Self::HIDDEN)
            .map(|_| (0..Self::HIDDEN).map(|_| next()).collect())
            .collect();
        let w3 = (0..3)
            .map(|_| (0..Self::HIDDEN).map(|_| next()).collect())
            .collect();
        Model { w1, w2, w3 }
    }

    fn predict(&self, x: &[f64; 7]) -> usize {
        let relu = |v: f64| v.max(0.0);
        let h1: Vec<f64> = self
            .w1
            .iter()
            .map(|w| relu(w.iter().zip(x).map(|(a, b)| a * b).sum()))
            .collect();
        let h2: Vec<f64> = self
            .w2
            .iter()
            .map(|w| relu(w.iter().zip(&h1).map(|(a, b)| a * b).sum()))
            .collect();
        let out: Vec<f64> = self
            .w3
            .iter()
            .map(|w| w.iter().zip(&h2).map(|(a, b)| a * b).sum())
            .collect();
        (0..3)
            .max_by(|&i, &j| out[i].total_cmp(&out[j]))
            .unwrap_or(0)
    }
}

/// Rules in the spirit of what `rulec demo` finds on shipping data.
fn hand_written_rules() -> RuleSet {
    let num = |name: &str| Feature {
        name: name.into(),
        kind: FeatureKind::Numeric,
        nullable: false,
    };
    let boolean = |name: &str| Feature {
        name: name.into(),
        kind: FeatureKind::Boolean,
        nullable: false,
    };
    let cat = |name: &str, values: &[&str]| {
        let mut categories: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        categories.sort();
        Feature {
            name: name.into(),
            kind: FeatureKind::Categorical { categories },
            nullable: false,
        }
    };
    let cmp = |feature: &str, op, value| Condition::Cmp {
        feature: feature.into(),
        op,
        value,
    };
    let is = |feature: &str, value| Condition::Is {
        feature: feature.into(),
        value,
    };
    let rule = |name: &str, conditions, decision: &str| Rule {
        name: name.into(),
        conditions,
        decision: decision.into(),
        origin: None,
        evidence: None,
    };
    RuleSet {
        schema_version: SCHEMA_VERSION,
        target: Target {
            name: "cheapest_shipper".into(),
            classes: vec!["A".into(), "B".into(), "C".into()],
            tolerance: None,
        },
        features: vec![
            num("distance_mi"),
            num("weight_lb"),
            cat("zone", &shipping::ZONES),
            boolean("express"),
            boolean("fragile"),
            cat("day_of_week", &shipping::DAYS),
        ],
        rules: vec![
            rule(
                "short_light_to_b",
                vec![
                    cmp("distance_mi", CmpOp::Lt, 50.0),
                    cmp("weight_lb", CmpOp::Lt, 5.0),
                ],
                "B",
            ),
            rule(
                "heavy_to_c",
                vec![cmp("weight_lb", CmpOp::Ge, 40.0), is("fragile", false)],
                "C",
            ),
            rule(
                "far_express_light_to_a",
                vec![
                    is("express", true),
                    cmp("distance_mi", CmpOp::Ge, 50.0),
                    cmp("weight_lb", CmpOp::Lt, 20.0),
                ],
                "A",
            ),
            rule(
                "mid_light_to_a",
                vec![
                    cmp("distance_mi", CmpOp::Ge, 50.0),
                    cmp("distance_mi", CmpOp::Lt, 300.0),
                    cmp("weight_lb", CmpOp::Lt, 8.0),
                    is("express", false),
                ],
                "A",
            ),
        ],
        certification: Certification {
            precision: 0.95,
            confidence: 0.95,
            method: "wilson".into(),
            scope: Default::default(),
            tests: Vec::new(),
            order: None,
        },
        provenance: None,
        summary: None,
        rejected: Vec::new(),
        policy: Default::default(),
        card: None,
    }
}
