//! The cascade as a service runs it: routing between rules and fallback,
//! counters under concurrent use, shadow alarms on a rule made wrong on
//! purpose, and reloads while other threads decide.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rulec_runtime::ir::{
    Certification, CmpOp, Condition, Feature, FeatureKind, Rule, RuleSet, Target, SCHEMA_VERSION,
};
use rulec_runtime::{
    AlarmTest, Cascade, CascadeConfig, Cell, Error, Interpreter, Outcome, ShadowConfig, Source,
};

/// Classes `A`, `B`, `C`; features `x` (numeric) and `zone` (`east`,
/// `west`); rules given as `(name, x below, decision)`.
fn rule_set(rules: &[(&str, f64, &str)]) -> RuleSet {
    RuleSet {
        schema_version: SCHEMA_VERSION,
        target: Target {
            name: "label".into(),
            classes: vec!["A".into(), "B".into(), "C".into()],
            tolerance: None,
        },
        features: vec![
            Feature {
                name: "x".into(),
                kind: FeatureKind::Numeric,
                nullable: true,
            },
            Feature {
                name: "zone".into(),
                kind: FeatureKind::Categorical {
                    categories: vec!["east".into(), "west".into()],
                },
                nullable: false,
            },
        ],
        rules: rules
            .iter()
            .map(|&(name, below, decision)| Rule {
                name: name.into(),
                conditions: vec![Condition::Cmp {
                    feature: "x".into(),
                    op: CmpOp::Lt,
                    value: below,
                }],
                decision: decision.into(),
                origin: None,
                evidence: None,
            })
            .collect(),
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

fn interpreter(rules: &[(&str, f64, &str)]) -> Interpreter {
    Interpreter::new(rule_set(rules)).expect("valid rule set")
}

fn row(x: f64) -> [Cell; 2] {
    [Cell::Num(x), Cell::Cat(0)]
}

/// The "teacher": A below 10, B below 20, C from 20 on.
fn teacher(row: &[Cell]) -> usize {
    match row.first() {
        Some(Cell::Num(x)) if *x < 10.0 => 0,
        Some(Cell::Num(x)) if *x < 20.0 => 1,
        _ => 2,
    }
}

const AGREEING: &[(&str, f64, &str)] = &[("low_a", 10.0, "A"), ("mid_b", 20.0, "B")];

#[test]
fn covered_rows_get_the_rule_and_the_rest_the_fallback() {
    let cascade = Cascade::new(interpreter(AGREEING), teacher, CascadeConfig::default()).unwrap();
    let mut h = cascade.handle();
    let check = |h: &mut rulec_runtime::Handle<_, _>, x: f64, class_idx, source| {
        let out = h.decide(&row(x)[..]).unwrap();
        assert_eq!(
            out,
            Outcome {
                class_idx,
                source,
                version: 1
            },
            "x = {x}"
        );
    };
    check(&mut h, 3.0, 0, Source::Rule(0));
    check(&mut h, 15.0, 1, Source::Rule(1));
    check(&mut h, 25.0, 2, Source::Fallback);
    // Missing and NaN satisfy no comparison: the fallback's.
    check(&mut h, f64::NAN, 2, Source::Fallback);
    let out = h.decide(&[Cell::Missing, Cell::Cat(1)]).unwrap();
    assert_eq!(out.source, Source::Fallback);
    let out = h.decide(&row(1.0)).unwrap();
    assert_eq!(h.rule_name(&out), Some("low_a"));
    assert_eq!(h.class_label(2), "C");

    // A row of the wrong width is refused, not guessed.
    assert_eq!(
        h.decide(&[Cell::Num(1.0)]),
        Err(Error::RowWidth {
            found: 1,
            expected: 2
        })
    );
    let m = cascade.metrics();
    assert_eq!(m.totals.rules, 3);
    assert_eq!(m.totals.fallback, 3);
    assert_eq!(m.rules[0].hits, 2);
    assert_eq!(m.rules[1].hits, 1);
}

#[test]
fn fallback_failures_and_bad_classes_are_errors() {
    struct Down;
    impl rulec_runtime::Fallback<[Cell]> for Down {
        fn decide(&self, _: &[Cell]) -> Result<usize, Error> {
            Err(Error::Fallback("model unreachable".into()))
        }
    }
    let cascade = Cascade::new(interpreter(AGREEING), Down, CascadeConfig::default()).unwrap();
    let mut h = cascade.handle();
    assert_eq!(h.decide(&row(1.0)).unwrap().source, Source::Rule(0));
    assert_eq!(
        h.decide(&row(50.0)),
        Err(Error::Fallback("model unreachable".into()))
    );
    let wild = Cascade::new(
        interpreter(AGREEING),
        |_: &[Cell]| 7,
        CascadeConfig::default(),
    )
    .unwrap();
    assert_eq!(
        wild.handle().decide(&row(50.0)),
        Err(Error::FallbackClass {
            found: 7,
            n_classes: 3
        })
    );
    assert_eq!(cascade.metrics().totals.fallback_errors, 1);
    assert_eq!(cascade.metrics().totals.decisions(), 2);
    let bad_rate = Cascade::new(
        interpreter(AGREEING),
        teacher,
        CascadeConfig {
            shadow: ShadowConfig {
                rate: 1.5,
                ..ShadowConfig::default()
            },
            on_alarm: None,
        },
    );
    assert!(matches!(bad_rate, Err(Error::Config(_))));
}

#[test]
fn counters_add_up_across_threads() {
    const THREADS: usize = 8;
    const PER_THREAD: usize = 20_000;
    let cascade = Cascade::new(
        interpreter(AGREEING),
        teacher,
        CascadeConfig {
            shadow: ShadowConfig {
                rate: 0.1,
                seed: 3,
                ..ShadowConfig::default()
            },
            on_alarm: None,
        },
    )
    .unwrap();
    let x_of = |t: usize, i: usize| ((t * 7 + i * 13) % 300) as f64 / 10.0;
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let mut h = cascade.handle();
            s.spawn(move || {
                for i in 0..PER_THREAD {
                    h.decide(&row(x_of(t, i))).unwrap();
                }
            });
        }
    });
    // The same rows, counted one by one.
    let mut expected = [0u64; 3];
    for t in 0..THREADS {
        for i in 0..PER_THREAD {
            let x = x_of(t, i);
            expected[if x < 10.0 {
                0
            } else if x < 20.0 {
                1
            } else {
                2
            }] += 1;
        }
    }
    let m = cascade.metrics();
    assert_eq!(m.totals.decisions(), (THREADS * PER_THREAD) as u64);
    assert_eq!(m.rules[0].hits, expected[0]);
    assert_eq!(m.rules[1].hits, expected[1]);
    assert_eq!(m.totals.fallback, expected[2]);
    assert_eq!(m.totals.rules, m.rules.iter().map(|r| r.hits).sum::<u64>());
    // About a tenth of the covered decisions were checked, all agreeing.
    let covered = (expected[0] + expected[1]) as f64;
    let share = m.totals.shadow_samples as f64 / covered;
    assert!((0.08..0.12).contains(&share), "shadow share {share}");
    assert_eq!(m.totals.shadow_agreements, m.totals.shadow_samples);
    assert!(m.rules.iter().all(|r| !r.alarm));
    let text = m.to_prometheus();
    assert!(
        text.contains(&format!(
            "rulec_rule_decisions_total{{version=\"1\",rule=\"low_a\"}} {}\n",
            expected[0]
        )),
        "{text}"
    );
}

/// `mid_b` is made wrong on purpose: it says C where the teacher says B.
const ONE_WRONG: &[(&str, f64, &str)] = &[("low_a", 10.0, "A"), ("mid_b", 20.0, "C")];

fn shadowed(switch_off: bool) -> ShadowConfig {
    ShadowConfig {
        rate: 0.5,
        seed: 11,
        min_samples: 30,
        test: AlarmTest::UpperBound,
        switch_off,
    }
}

type Teacher = fn(&[Cell]) -> usize;

/// 2000 decisions through [`ONE_WRONG`], half of the covered ones checked.
fn run_wrong_rule(
    switch_off: bool,
) -> (
    Vec<rulec_runtime::Alarm>,
    Vec<Outcome>,
    Cascade<Interpreter, Teacher>,
) {
    let alarms = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&alarms);
    let cascade = Cascade::new(
        interpreter(ONE_WRONG),
        teacher as Teacher,
        CascadeConfig {
            shadow: shadowed(switch_off),
            on_alarm: Some(Box::new(move |alarm| {
                sink.lock().unwrap().push(alarm.clone());
            })),
        },
    )
    .unwrap();
    let mut h = cascade.handle();
    let outcomes: Vec<Outcome> = (0..2000)
        .map(|i| h.decide(&row((i % 300) as f64 / 10.0)).unwrap())
        .collect();
    let alarms = alarms.lock().unwrap().clone();
    (alarms, outcomes, cascade)
}

#[test]
fn shadow_checks_raise_the_alarm_on_a_wrong_rule() {
    let (alarms, outcomes, cascade) = run_wrong_rule(false);
    assert_eq!(alarms.len(), 1, "{alarms:?}");
    let alarm = &alarms[0];
    assert_eq!((alarm.rule.as_str(), alarm.rule_idx), ("mid_b", 1));
    assert!(alarm.samples >= 30 && alarm.agreements == 0, "{alarm:?}");
    assert!(alarm.bound < 0.95 && !alarm.switched_off);
    let m = cascade.metrics();
    assert!(m.rules[1].alarm && !m.rules[1].off);
    assert!(
        !m.rules[0].alarm,
        "the right rule keeps quiet: {:?}",
        m.rules[0]
    );
    assert!(m.rules[0].agreement_lower_bound > 0.95);
    // The bound the default alarm read is in the snapshot and the
    // Prometheus text, beside the lower one.
    assert!(
        m.rules[1].agreement_upper_bound <= alarm.bound
            && m.rules[1].agreement_upper_bound < 0.95
            && m.rules[0].agreement_upper_bound >= m.rules[0].agreement_lower_bound,
        "{:?} {alarm:?}",
        m.rules
    );
    assert!(m
        .to_prometheus()
        .contains("# TYPE rulec_rule_agreement_upper_bound gauge\n"));
    assert!(m
        .to_prometheus()
        .contains("rulec_rule_alarm{version=\"1\",rule=\"mid_b\"} 1\n"));
    // Not switched off: the wrong rule keeps answering.
    assert!(outcomes[1900..]
        .iter()
        .any(|o| o.source == Source::Rule(1) && o.class_idx == 2));
}

#[test]
fn an_alarmed_rule_is_switched_off_when_configured() {
    let (alarms, outcomes, cascade) = run_wrong_rule(true);
    assert_eq!(alarms.len(), 1);
    assert!(alarms[0].switched_off);
    // Once off, its rows go to the fallback, which answers B.
    let first_off = outcomes
        .iter()
        .position(|o| matches!(o.source, Source::SwitchedOff(_)))
        .expect("the rule was switched off");
    for o in &outcomes[first_off..] {
        assert_ne!(o.source, Source::Rule(1), "{o:?}");
        if o.source == Source::SwitchedOff(1) {
            assert_eq!(o.class_idx, 1);
        }
    }
    let m = cascade.metrics();
    assert!(m.rules[1].off && m.rules[1].rerouted > 0);
    assert_eq!(m.totals.rerouted, m.rules[1].rerouted);
    assert!(!m.rules[0].off);
    assert_eq!(m.totals.decisions(), 2000);
}

#[test]
fn reloading_while_deciding_loses_none_and_mixes_none() {
    // Odd versions run `v1`, even ones `v2`: they disagree on every row
    // below 70, by rule name and by class, so a mixed decision shows.
    const V1: &[(&str, f64, &str)] = &[("v1_low", 50.0, "A")];
    const V2: &[(&str, f64, &str)] = &[("v2_low", 70.0, "B"), ("v2_mid", 80.0, "A")];
    const THREADS: usize = 4;
    const PER_THREAD: usize = 50_000;
    const RELOADS: u64 = 200;
    let cascade = Cascade::new(interpreter(V1), |_: &[Cell]| 2, CascadeConfig::default()).unwrap();
    let done = AtomicUsize::new(0);
    let outcomes: Vec<Vec<(f64, Outcome, Option<String>)>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let mut h = cascade.handle();
                let done = &done;
                s.spawn(move || {
                    let mut out = Vec::with_capacity(PER_THREAD);
                    for i in 0..PER_THREAD {
                        let x = ((t + i * 7) % 1000) as f64 / 10.0;
                        let o = h.decide(&row(x)).unwrap();
                        out.push((x, o, h.rule_name(&o).map(str::to_string)));
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                    out
                })
            })
            .collect();
        for k in 0..RELOADS {
            let next = if k % 2 == 0 { V2 } else { V1 };
            assert_eq!(cascade.reload(interpreter(next)).unwrap(), k + 2);
            std::thread::yield_now();
        }
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    assert_eq!(done.load(Ordering::Relaxed), THREADS);
    let mut versions_seen = std::collections::BTreeSet::new();
    for (x, o, name) in outcomes.iter().flatten() {
        versions_seen.insert(o.version);
        let want = if o.version % 2 == 1 {
            if *x < 50.0 {
                (0, Source::Rule(0), Some("v1_low"))
            } else {
                (2, Source::Fallback, None)
            }
        } else if *x < 70.0 {
            (1, Source::Rule(0), Some("v2_low"))
        } else if *x < 80.0 {
            (0, Source::Rule(1), Some("v2_mid"))
        } else {
            (2, Source::Fallback, None)
        };
        assert_eq!(
            (o.class_idx, o.source, name.as_deref()),
            want,
            "x = {x}, {o:?}"
        );
    }
    assert!(
        versions_seen.len() > 1,
        "decisions ran on {versions_seen:?}"
    );
    let m = cascade.metrics();
    assert_eq!(m.version, RELOADS + 1);
    assert_eq!(m.reloads, RELOADS);
    // Every decision is counted once, under the version that made it.
    assert_eq!(m.totals.decisions(), (THREADS * PER_THREAD) as u64);
    let by_rules = outcomes
        .iter()
        .flatten()
        .filter(|(_, o, _)| matches!(o.source, Source::Rule(_)))
        .count() as u64;
    assert_eq!(m.totals.rules, by_rules);
}

#[test]
fn a_reload_must_keep_the_features_and_classes() {
    let cascade = Cascade::new(interpreter(AGREEING), teacher, CascadeConfig::default()).unwrap();
    let mut other = rule_set(AGREEING);
    other.target.classes.push("D".into());
    other.features[1].kind = FeatureKind::Categorical {
        categories: vec!["west".into(), "east".into()],
    };
    let err = cascade
        .reload(Interpreter::new(other).unwrap())
        .unwrap_err();
    let Error::Incompatible(problems) = err else {
        panic!("{err:?}");
    };
    assert_eq!(problems.len(), 2, "{problems:?}");
    // Each says what changed: here a categorical column's categories.
    assert!(
        problems
            .iter()
            .any(|p| p.ends_with("(categorical): its categories changed")),
        "{problems:?}"
    );
    let mut renamed = rule_set(AGREEING);
    renamed.features[1].name = "region".into();
    let Err(Error::Incompatible(problems)) = cascade.reload(Interpreter::new(renamed).unwrap())
    else {
        panic!("a renamed column was accepted");
    };
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("became `region` (categorical)")
            && !problems[0].contains("categories"),
        "{problems:?}"
    );
    assert_eq!(cascade.version(), 1);

    // From a file: a missing file and a broken one leave the rules running.
    let dir = std::env::temp_dir().join(format!("rulec-runtime-reload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("rules.json");
    assert!(matches!(
        cascade.reload_file(&path),
        Err(Error::Read { .. })
    ));
    std::fs::write(&path, "{").unwrap();
    assert!(matches!(cascade.reload_file(&path), Err(Error::Json(_))));
    std::fs::write(&path, rule_set(ONE_WRONG).to_json()).unwrap();
    assert_eq!(cascade.reload_file(&path).unwrap(), 2);
    assert_eq!(cascade.handle().decide(&row(15.0)).unwrap().class_idx, 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Checks every covered decision of a rule that covers every row, against
/// a fallback that disagrees on one row in `disagree_every` (never with 0),
/// and returns after how many decisions the alarm fired.
fn alarm_after(test: AlarmTest, min_samples: u64, disagree_every: u64) -> Option<u64> {
    let fired = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&fired);
    let cascade = Cascade::new(
        interpreter(&[("all_a", 1e9, "A")]),
        move |row: &[Cell]| match row.first() {
            Some(Cell::Num(x)) if disagree_every > 0 && (*x as u64) % disagree_every == 5 => 1,
            _ => 0,
        },
        CascadeConfig {
            shadow: ShadowConfig {
                rate: 1.0,
                min_samples,
                test,
                ..ShadowConfig::default()
            },
            on_alarm: Some(Box::new(move |_| {
                seen.fetch_add(1, Ordering::Relaxed);
            })),
        },
    )
    .unwrap();
    let mut h = cascade.handle();
    for i in 0..5000u64 {
        h.decide(&row(i as f64)).unwrap();
        if fired.load(Ordering::Relaxed) > 0 {
            return Some(i + 1);
        }
    }
    None
}

#[test]
fn upper_bound_test_waits_for_evidence() {
    // Never disagreeing, or 1 in 50 (0.98 against a 0.95 target): healthy.
    assert_eq!(alarm_after(AlarmTest::UpperBound, 1, 0), None);
    assert_eq!(alarm_after(AlarmTest::UpperBound, 1, 50), None);
    // 1 in 10 (0.90): worse than certified, shown once the disagreements
    // are evidence (4 in 36), not at the first one.
    let after = alarm_after(AlarmTest::UpperBound, 1, 10).expect("alarm");
    assert!((20..400).contains(&after), "alarm after {after}");
}

#[test]
fn lower_bound_test_is_strict() {
    // Even a perfect record needs 52 checks before its lower bound reaches
    // 0.95: with a smaller minimum sample the alarm fires at once.
    assert_eq!(alarm_after(AlarmTest::LowerBound, 30, 0), Some(30));
    assert_eq!(alarm_after(AlarmTest::LowerBound, 52, 0), None);
    // 1 in 10 is caught as soon as the minimum sample is reached.
    assert_eq!(alarm_after(AlarmTest::LowerBound, 52, 10), Some(52));
}

#[test]
fn sampling_is_deterministic_per_seed() {
    let samples = |seed: u64| {
        let cascade = Cascade::new(
            interpreter(AGREEING),
            teacher,
            CascadeConfig {
                shadow: ShadowConfig {
                    rate: 0.3,
                    seed,
                    ..ShadowConfig::default()
                },
                on_alarm: None,
            },
        )
        .unwrap();
        let mut h = cascade.handle();
        for i in 0..1000 {
            h.decide(&row((i % 200) as f64 / 10.0)).unwrap();
        }
        cascade.metrics().totals.shadow_samples
    };
    assert_eq!(samples(1), samples(1));
    assert_ne!(samples(1), samples(2));
    assert!((250..350).contains(&samples(1)), "{}", samples(1));
}

/// A numeric target compiled with a tolerance: the classes are values, and
/// a fallback whose value is within the tolerance of the rule's agrees in
/// the shadow checks (no alarm); one farther off does not.
#[test]
fn a_numeric_target_agrees_within_its_tolerance() {
    let alarms_with = |fallback_class: usize| {
        let mut set = rule_set(&[("low", 15.0, "100")]);
        set.target.classes = vec!["100".into(), "140".into(), "400".into()];
        set.target.tolerance = Some(50.0);
        let engine = Interpreter::new(set).unwrap();
        let fallback = move |_: &[Cell]| fallback_class;
        let alarms = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&alarms);
        let cascade = Cascade::new(
            engine,
            fallback,
            CascadeConfig {
                shadow: shadowed(false),
                on_alarm: Some(Box::new(move |alarm| {
                    sink.lock().unwrap().push(alarm.clone());
                })),
            },
        )
        .unwrap();
        let mut h = cascade.handle();
        for i in 0..2000 {
            h.decide(&row((i % 300) as f64 / 10.0)).unwrap();
        }
        let agreement = cascade.metrics().rules[0].agreement_lower_bound;
        let n = alarms.lock().unwrap().len();
        (n, agreement)
    };
    // 140 is 40 from the rule's 100: within 50, every check agrees.
    let (n, agreement) = alarms_with(1);
    assert_eq!(n, 0);
    assert!(agreement > 0.95, "{agreement}");
    // 400 is 300 away: the rule is alarmed.
    assert_eq!(alarms_with(2).0, 1);
}
