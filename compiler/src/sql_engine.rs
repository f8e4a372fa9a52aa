//! The SQL engine: a rule set run as SQL inside polars, over a data file
//! read lazily, for `rulec validate --engine sql`.
//!
//! The queries are the ones `rulec emit --lang sql --dialect polars` writes
//! (`rulec_codegen::sql`): [`decisions`] runs the `SELECT` that adds the
//! decision and rule columns, [`measure`] runs the per-rule evidence query.
//! polars' own SQL engine (`polars::sql::SQLContext`) executes them, so the
//! figures come from the generated SQL, not from the interpreter: agreement
//! with [`crate::validate::measure`] is what the tests check.
//!
//! # The same values as the interpreter
//!
//! The file is opened as [`crate::ingest`] opens it (delimited text after
//! the same pre-pass, with the same separator, column names, missing-value
//! tokens and type inference, and without the rows of blank lines; text
//! compressed with gzip or zstd read whole by ingest's own reader; or
//! Parquet), then each column the rules use is brought to the
//! values the interpreter would see, before any SQL runs:
//!
//! - numeric features become `f64`; text that reads as a number (thousands
//!   separators allowed, [`crate::ingest::parse_number`]) is read so, and
//!   NaN becomes `NULL`, because ingest reads NaN as a missing value (the
//!   SQL semantics alone would treat NaN as a number that satisfies no
//!   comparison and is not missing);
//! - boolean features must be booleans; categorical features become text
//!   (as `ingest` casts them), compared byte for byte;
//! - the label and teacher columns become text (classes) or, for a numeric
//!   target, numbers read from their text, under names that cannot clash
//!   with a feature.
//!
//! # Two queries
//!
//! `rulec validate` reports, per rule, the rows it answers (labelled or
//! not) and, of the labelled ones, how many it gets right. The evidence
//! query counts every row in `support`, so it runs twice: on every row
//! (rows answered) and on the rows with a label (support, right, agreement
//! with the teacher). Each run scans the file again, reading only the
//! columns it uses.

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;
use std::sync::{Arc, Mutex};

use polars::prelude::*;
use polars::sql::SQLContext;
use rulec_codegen::sql::{self as sqlgen, Dialect};
use rulec_runtime::ir::{Feature, FeatureKind, RuleSet};

use crate::error::Error;
use crate::ingest::UnknownValues;
use crate::text_file::TextFormat;
use crate::validate::{ForeignLabels, Measured, RuleMeasure};

/// The name the data is registered under in the SQL context.
pub const TABLE: &str = "rulec_data";

/// One row's decision by the SQL: the deciding rule's name and the decision
/// as text (a class, or for a numeric target the value in its shortest
/// round-trip form); `None` where no rule covers the row.
pub type SqlDecision = Option<(String, String)>;

/// Decides every row of the data file at `path` with the polars-dialect
/// `SELECT` of `set`, in file order.
pub fn decisions(set: &RuleSet, path: &Path) -> Result<Vec<SqlDecision>, Error> {
    let source = Source::open(path, set)?;
    let schema = source.schema()?;
    let stash = Stash::default();
    let features = source.feature_exprs(set, &schema, &stash, None)?;
    let query = generated(sqlgen::select(set, Dialect::Polars, TABLE))?;
    let ctx = SQLContext::new();
    ctx.register(TABLE, source.frame.clone().select(features));
    let df = source.run(ctx, &query, &stash, |lf| {
        lf.select([col(sqlgen::DECISION_COLUMN), col(sqlgen::RULE_COLUMN)])
    })?;
    let bug = |what: &str| source.err(format!("the SQL result {what}"));
    let rules = text_column(&df, sqlgen::RULE_COLUMN).map_err(|_| bug("has no rule column"))?;
    let decided = df
        .column(sqlgen::DECISION_COLUMN)
        .map_err(|_| bug("has no decision column"))?;
    let values: Vec<Option<String>> = match set.target.tolerance {
        None => {
            text_column(&df, sqlgen::DECISION_COLUMN).map_err(|_| bug("has no decision column"))?
        }
        Some(_) => {
            let s = decided
                .cast(&DataType::Float64)
                .map_err(|e| source.polars_err(&e))?;
            let ca = s.f64().map_err(|e| source.polars_err(&e))?;
            ca.iter()
                .map(|v| v.map(rulec_runtime::dsl::print_number))
                .collect()
        }
    };
    rules
        .into_iter()
        .zip(values)
        .map(|(rule, value)| match (rule, value) {
            (None, None) => Ok(None),
            (Some(rule), Some(value)) => Ok(Some((rule, value))),
            _ => Err(bug("has a decision without a rule, or a rule without one")),
        })
        .collect()
}

/// Measures `set` on the data file at `path` as [`crate::validate::measure`]
/// does, with the counts computed by the polars-dialect evidence query: per
/// rule in order, the rows it answers, the labelled ones among them, how
/// many match the target column and (with `teacher_column`) the teacher.
pub fn measure(
    set: &RuleSet,
    path: &Path,
    teacher_column: Option<&str>,
    precision: f64,
    confidence: f64,
) -> Result<(Measured, Vec<UnknownValues>), Error> {
    let source = Source::open(path, set)?;
    let schema = source.schema()?;
    let stash = Stash::default();
    let mut features =
        source.feature_exprs(set, &schema, &stash, Some(set.target.name.as_str()))?;
    let mut extra = vec![("the rule set's target", set.target.name.as_str())];
    if let Some(t) = teacher_column {
        extra.push(("--teacher-column", t));
    }
    for (role, name) in &extra {
        if schema.get(name).is_none() {
            return Err(Error::UnknownColumn {
                path: path.to_path_buf(),
                role,
                name: name.to_string(),
                columns: schema.iter_names().map(|n| n.to_string()).collect(),
            });
        }
    }
    let label = fresh_name(set, "rulec_label");
    let teacher = fresh_name(set, "rulec_teacher_label");
    // Labels as text, as ingest reads them; a numeric target's are read as
    // numbers only after the unlabelled rows are gone, so text that is no
    // number still counts as a label (one never right).
    // An empty text is no label, as an empty cell of a CSV file is.
    let as_label = |name: &str| {
        let text = col(name).cast(DataType::String);
        when(text.clone().eq(lit("")))
            .then(lit(NULL).cast(DataType::String))
            .otherwise(text)
    };
    features.push(class_labels(set, as_label(set.target.name.as_str())).alias(label.as_str()));
    if let Some(t) = teacher_column {
        features.push(class_labels(set, as_label(t)).alias(teacher.as_str()));
    }
    let all = source.frame.clone().select(features);
    let unknown = unknown_values(set, &all, &source, &stash)?;
    let mut labelled = all.clone().filter(col(label.as_str()).is_not_null());
    if set.target.tolerance.is_some() {
        let mut numbers = vec![numbers_from_text(&label)];
        if teacher_column.is_some() {
            numbers.push(numbers_from_text(&teacher));
        }
        labelled = labelled.with_columns(numbers);
    }
    let foreign_labels = if set.target.tolerance.is_some() {
        None
    } else {
        // How many rows carry each label, as the classes are matched: one
        // more pass over the labelled rows, no SQL.
        let df = labelled
            .clone()
            .group_by([col(label.as_str())])
            .agg([len().alias("rulec_rows")])
            .collect()
            .map_err(|e| stash.take().unwrap_or_else(|| source.polars_err(&e)))?;
        let labels = text_column(&df, &label).map_err(|e| source.polars_err(&e))?;
        let rows = df
            .column("rulec_rows")
            .and_then(|c| c.cast(&DataType::UInt64))
            .map_err(|e| source.polars_err(&e))?;
        let rows = rows.u64().map_err(|e| source.polars_err(&e))?;
        let counts: Vec<(&str, u64)> = labels
            .iter()
            .zip(rows.iter())
            .filter_map(|(l, n)| Some((l.as_deref()?, n.unwrap_or(0))))
            .collect();
        ForeignLabels::of_counts(set, counts)
    };
    let answered_query = generated(sqlgen::evidence_query(
        set,
        Dialect::Polars,
        TABLE,
        None,
        None,
    ))?;
    let labelled_query = generated(sqlgen::evidence_query(
        set,
        Dialect::Polars,
        TABLE,
        Some(&label),
        teacher_column.map(|_| teacher.as_str()),
    ))?;
    let answered = {
        let ctx = SQLContext::new();
        ctx.register(TABLE, all.clone());
        let df = source.run(ctx, &answered_query, &stash, |lf| lf)?;
        source.counts(set, &df)?
    };
    let labelled = {
        let ctx = SQLContext::new();
        ctx.register(TABLE, labelled);
        let df = source.run(ctx, &labelled_query, &stash, |lf| lf)?;
        source.counts(set, &df)?
    };
    // Where a rule took no labelled row: on how many rows its conditions
    // hold, the rule alone (one more query per such rule), so the verdict
    // says whether earlier rules take them or none exist.
    let mut holds = vec![None; set.rules.len()];
    for (rule_idx, c) in labelled.rules.iter().enumerate() {
        if c.support > 0 {
            continue;
        }
        let mut alone = set.clone();
        alone.rules = vec![set.rules[rule_idx].clone()];
        let query = generated(sqlgen::evidence_query(
            &alone,
            Dialect::Polars,
            TABLE,
            None,
            None,
        ))?;
        let ctx = SQLContext::new();
        ctx.register(TABLE, all.clone());
        let df = source.run(ctx, &query, &stash, |lf| lf)?;
        holds[rule_idx] = Some(source.counts(&alone, &df)?.rules[0].support);
    }
    let has_teacher = teacher_column.is_some();
    let rows = answered.rules.iter().map(|c| c.support).sum::<u64>() + answered.uncovered.support;
    let covered = rows - answered.uncovered.support;
    let covered_labelled: u64 = labelled.rules.iter().map(|c| c.support).sum();
    let labelled_rows = covered_labelled + labelled.uncovered.support;
    let total = labelled
        .rules
        .iter()
        .fold(Counts::default(), |acc, c| Counts {
            support: acc.support + c.support,
            correct: acc.correct + c.correct,
            agree: acc.agree + c.agree,
        });
    let measured = Measured {
        rows,
        labelled: labelled_rows,
        covered,
        unlabelled: covered - covered_labelled,
        rules: set
            .rules
            .iter()
            .enumerate()
            .map(|(rule_idx, r)| {
                let mut m = RuleMeasure {
                    answered: answered.rules[rule_idx].support,
                    ..rule_measure(
                        r.name.clone(),
                        r.decision.clone(),
                        &labelled.rules[rule_idx],
                        has_teacher,
                        precision,
                        confidence,
                    )
                };
                m.explain_unanswered(holds[rule_idx]);
                m
            })
            .collect(),
        all: RuleMeasure {
            answered: covered,
            ..rule_measure(
                "*".into(),
                String::new(),
                &total,
                has_teacher,
                precision,
                confidence,
            )
        },
        precision,
        confidence,
        foreign_labels,
        classes: Vec::new(),
    };
    Ok((measured, unknown))
}

/// A rule's figures from its counts: the same verdict and wording as the
/// in-process engine ([`RuleMeasure::from_counts`]).
fn rule_measure(
    name: String,
    decision: String,
    c: &Counts,
    has_teacher: bool,
    precision: f64,
    confidence: f64,
) -> RuleMeasure {
    RuleMeasure::from_counts(
        name,
        decision,
        (c.support, c.correct, c.agree),
        has_teacher,
        precision,
        confidence,
    )
}

/// One row of the evidence query.
#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    support: u64,
    correct: u64,
    agree: u64,
}

/// The evidence query's rows: per rule of the set (zero where the query has
/// no row for it), and the uncovered rows.
struct Evidence {
    rules: Vec<Counts>,
    uncovered: Counts,
}

/// An error raised inside a polars function, kept with its file and column,
/// since polars would pass on only its text.
#[derive(Clone, Default)]
struct Stash(Arc<Mutex<Option<Error>>>);

impl Stash {
    fn put(&self, e: Error) {
        if let Ok(mut slot) = self.0.lock() {
            slot.get_or_insert(e);
        }
    }

    fn take(&self) -> Option<Error> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
}

/// The data file, opened and scanned lazily.
struct Source {
    path: std::path::PathBuf,
    frame: LazyFrame,
}

impl Source {
    /// Opens `path` as ingest does: the same checks, the same CSV options
    /// (`set`'s columns of categories read as written).
    fn open(path: &Path, set: &RuleSet) -> Result<Source, Error> {
        let file_err = |e: std::io::Error| Error::Io {
            path: path.to_path_buf(),
            err: e,
        };
        let data_err = |message: &str| Error::Data {
            path: path.to_path_buf(),
            message: message.to_string(),
        };
        let meta = crate::ingest::data_file_meta(path)?;
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        if meta.len() == 0 {
            return Err(data_err(&crate::ingest::empty_file(path)));
        }
        let file = File::open(path).map_err(file_err)?;
        // The open file, not its path: polars would expand glob characters
        // and URL schemes in a path.
        let sources = ScanSources::Files(Arc::from(vec![file]));
        let text = TextFormat::of(path);
        // Read as ingest reads it, whole, then queried lazily.
        let whole = || -> Result<LazyFrame, Error> {
            let params = crate::ingest::IngestParams::for_rule_set(set);
            Ok(crate::ingest::read_frame(path, &params, None)?.0.lazy())
        };
        let frame = match (ext.as_str(), text) {
            // Compressed or whitespace-separated text, or a spreadsheet:
            // its text must be decompressed, rewritten or written to be
            // read at all.
            (_, Some(format)) if !format.is_plain(path).map_err(file_err)? => Ok(whole()?),
            (_, Some(format)) => {
                let shape = crate::ingest::scan_text(path, format)?;
                if shape.records == 0 {
                    return Err(data_err("has a header but no rows"));
                }
                let nulls: Vec<PlSmallStr> = crate::ingest::NULL_TOKENS
                    .iter()
                    .map(|t| PlSmallStr::from(*t))
                    .collect();
                // Types from every row: a text past the first 10,000 (a
                // spreadsheet's `Total` at the bottom) then makes its column
                // text, read as ingest reads it, not a failed parse.
                LazyCsvReader::new_with_sources(sources)
                    .with_glob(false)
                    .with_has_header(true)
                    .with_infer_schema_length(None)
                    .with_dtype_overwrite(crate::ingest::text_schema(
                        crate::ingest::category_columns(set),
                        &shape.header,
                    ))
                    .with_raise_if_empty(true)
                    .with_separator(shape.separator)
                    .with_null_values(Some(NullValues::AllColumns(nulls)))
                    .finish()
                    // A blank line reads as a row with no value in any
                    // column; ingest drops such rows, and so does this.
                    .and_then(|mut frame| {
                        // The pre-pass's names, as ingest gives them: an
                        // empty one as pandas names it.
                        let read: Vec<PlSmallStr> =
                            frame.collect_schema()?.iter_names().cloned().collect();
                        let frame = frame.rename(read, &shape.header, true);
                        Ok(frame.filter(any_horizontal([all().as_expr().is_not_null()])?))
                    })
            }
            ("feather" | "arrow" | "ipc", None) => Ok(whole()?),
            ("parquet" | "pq", None) => {
                let args = ScanArgsParquet {
                    hive_options: HiveOptions {
                        enabled: Some(false),
                        ..HiveOptions::default()
                    },
                    glob: false,
                    ..ScanArgsParquet::default()
                };
                LazyFrame::scan_parquet_sources(sources, args)
            }
            (_, None) => return Err(data_err(&crate::ingest::refused_extension(path))),
        };
        let frame = frame.map_err(|e| Error::Data {
            path: path.to_path_buf(),
            message: first_line(&e),
        })?;
        Ok(Source {
            path: path.to_path_buf(),
            frame,
        })
    }

    fn err(&self, message: String) -> Error {
        Error::Data {
            path: self.path.clone(),
            message,
        }
    }

    fn polars_err(&self, e: &PolarsError) -> Error {
        self.err(first_line(e))
    }

    fn schema(&self) -> Result<SchemaRef, Error> {
        self.frame
            .clone()
            .collect_schema()
            .map_err(|e| self.polars_err(&e))
    }

    /// The rule set's feature columns, each as the interpreter reads it
    /// (see the module docs), under its own name. Fails listing every
    /// feature the file lacks, or on the first column of a wrong type.
    /// The features' columns as the rules read them. With `target` (the
    /// measuring queries), a text that is no number in a column of numbers
    /// reads as missing in a row without a label, as ingest reads it.
    fn feature_exprs(
        &self,
        set: &RuleSet,
        schema: &Schema,
        stash: &Stash,
        target: Option<&str>,
    ) -> Result<Vec<Expr>, Error> {
        let mut missing = Vec::new();
        let mut exprs = Vec::with_capacity(set.features.len());
        for f in &set.features {
            let Some(dtype) = schema.get(&f.name) else {
                // As the interpreter reads it: a column no rule reads may
                // be absent, and reads as missing.
                if set.reads_column(&f.name) {
                    missing.push(format!("`{}`", f.name));
                } else {
                    let dtype = match f.kind {
                        FeatureKind::Numeric => DataType::Float64,
                        FeatureKind::Boolean => DataType::Boolean,
                        FeatureKind::Categorical { .. } => DataType::String,
                    };
                    exprs.push(lit(Null {}).cast(dtype).alias(f.name.as_str()));
                }
                continue;
            };
            exprs.push(self.feature_expr(f, dtype, stash, target)?);
        }
        if !missing.is_empty() {
            let present: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
            return Err(self.err(format!(
                "lacks the rule set's column(s) {}; columns are: {}{}",
                missing.join(", "),
                present
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                crate::error::encoded_apart_hint(
                    missing.iter().map(|m| m.trim_matches('`')),
                    &present
                ),
            )));
        }
        Ok(exprs)
    }

    fn feature_expr(
        &self,
        f: &Feature,
        dtype: &DataType,
        stash: &Stash,
        target: Option<&str>,
    ) -> Result<Expr, Error> {
        let c = col(f.name.as_str());
        Ok(match &f.kind {
            // A decimal is a number, as ingest reads it (compared as f64).
            FeatureKind::Numeric if dtype.is_primitive_numeric() || dtype.is_decimal() => {
                let x = c.cast(DataType::Float64);
                when(x.clone().is_nan())
                    .then(lit(Null {}).cast(DataType::Float64))
                    .otherwise(x)
                    .alias(f.name.as_str())
            }
            FeatureKind::Numeric => {
                let (path, name, stash) = (self.path.clone(), f.name.clone(), stash.clone());
                let c = match target {
                    Some(t) if matches!(dtype, DataType::String) => {
                        let no_number = c.clone().map(not_numbers_mask, |_, field| {
                            Ok(Field::new(field.name().clone(), DataType::Boolean))
                        });
                        when(col(t).is_null().and(no_number))
                            .then(lit(Null {}).cast(DataType::String))
                            .otherwise(c)
                    }
                    _ => c,
                };
                c.map(
                    move |column| numbers_like_ingest(column, &path, &name, &stash),
                    |_, field| Ok(Field::new(field.name().clone(), DataType::Float64)),
                )
                .alias(f.name.as_str())
            }
            FeatureKind::Boolean if dtype.is_bool() => c,
            // A column with no values at all (text, to a CSV reader) reads
            // as missing, as ingest reads it. Found out here, before the
            // query runs, so that this file's errors come in the order the
            // interpreter gives them.
            FeatureKind::Boolean => {
                let counts = self
                    .frame
                    .clone()
                    .select([c.clone().null_count().alias("nulls"), len().alias("rows")])
                    .collect()
                    .map_err(|e| self.err(first_line(&e)))?;
                let count = |name: &str| {
                    counts
                        .column(name)
                        .ok()
                        .and_then(|c| c.cast(&DataType::UInt64).ok())
                        .and_then(|c| c.u64().ok().and_then(|ca| ca.get(0)))
                };
                match (count("nulls"), count("rows")) {
                    (Some(nulls), Some(rows)) if nulls == rows => {
                        lit(Null {}).cast(DataType::Boolean).alias(f.name.as_str())
                    }
                    _ => {
                        let column = self
                            .frame
                            .clone()
                            .select([c.clone()])
                            .collect()
                            .ok()
                            .and_then(|df| df.column(f.name.as_str()).ok().cloned());
                        // Text of `true` and `false` (` True`), read as the
                        // interpreter reads it.
                        if column
                            .as_ref()
                            .and_then(crate::ingest::text_booleans)
                            .is_some()
                        {
                            return Ok(c
                                .map(
                                    |column| {
                                        let values = crate::ingest::text_booleans(&column)
                                            .unwrap_or_default();
                                        let out: BooleanChunked = values.into_iter().collect();
                                        Ok(out
                                            .with_name(column.name().clone())
                                            .into_series()
                                            .into_column())
                                    },
                                    |_, field| {
                                        Ok(Field::new(field.name().clone(), DataType::Boolean))
                                    },
                                )
                                .alias(f.name.as_str()));
                        }
                        // The first value that is no boolean, as the
                        // interpreter names it.
                        return Err(self.err(crate::ingest::not_booleans(
                            &f.name,
                            dtype,
                            column.as_ref(),
                            Some(&self.path),
                        )));
                    }
                }
            }
            // Categories read as the interpreter and the generated crate
            // read them (`rulec_runtime::CategoryReader`): a category as
            // written, in a column of codes `7.0` as `7`; other text stays
            // as it is and matches no category's literal.
            FeatureKind::Categorical { categories } => c
                .map(
                    {
                        let categories = categories.clone();
                        let reader = rulec_runtime::CategoryReader::new(&categories);
                        move |column| {
                            let texts = crate::ingest::batch_category_texts(&column)
                                .map_err(|e| polars_err!(ComputeError: "{e}"))?;
                            let float = column.dtype().is_float();
                            // As the interpreter reads it
                            // (`ingest::batch_category_code`).
                            let known = |text: &str| {
                                categories.get(reader.code(text) as usize).or_else(|| {
                                    float
                                        .then(|| crate::ingest::float_text_as_written(text))
                                        .flatten()
                                        .and_then(|t| categories.get(reader.code(&t) as usize))
                                })
                            };
                            let out: StringChunked = texts
                                .into_iter()
                                .map(|v| v.map(|text| known(&text).cloned().unwrap_or(text)))
                                .collect();
                            Ok(out
                                .with_name(column.name().clone())
                                .into_series()
                                .into_column())
                        }
                    },
                    |_, field| Ok(Field::new(field.name().clone(), DataType::String)),
                )
                .alias(f.name.as_str()),
        })
    }

    /// Runs `query` and collects it (after `finish`), turning errors into
    /// this file's.
    fn run(
        &self,
        mut ctx: SQLContext,
        query: &str,
        stash: &Stash,
        finish: impl FnOnce(LazyFrame) -> LazyFrame,
    ) -> Result<DataFrame, Error> {
        let lf = ctx.execute(query).map_err(|e| {
            self.err(format!(
                "polars cannot run the generated SQL (a bug in rulec): {}",
                first_line(&e)
            ))
        })?;
        finish(lf)
            .collect()
            .map_err(|e| stash.take().unwrap_or_else(|| self.polars_err(&e)))
    }

    /// The evidence query's result, by rule.
    fn counts(&self, set: &RuleSet, df: &DataFrame) -> Result<Evidence, Error> {
        let bug = |what: String| self.err(format!("the evidence query's result {what}"));
        let names =
            text_column(df, sqlgen::RULE_COLUMN).map_err(|_| bug("has no rule column".into()))?;
        let number = |name: &str| -> Result<Vec<u64>, Error> {
            let Ok(c) = df.column(name) else {
                return Ok(vec![0; df.height()]);
            };
            let s = c.cast(&DataType::UInt64).map_err(|e| self.polars_err(&e))?;
            let ca = s.u64().map_err(|e| self.polars_err(&e))?;
            Ok(ca.iter().map(|v| v.unwrap_or(0)).collect())
        };
        let (support, correct, agree) = (
            number("support")?,
            number("correct")?,
            number("agree_teacher")?,
        );
        let index: HashMap<&str, usize> = set
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.name.as_str(), i))
            .collect();
        let mut out = Evidence {
            rules: vec![Counts::default(); set.rules.len()],
            uncovered: Counts::default(),
        };
        for (row, name) in names.iter().enumerate() {
            let counts = Counts {
                support: support[row],
                correct: correct[row],
                agree: agree[row],
            };
            match name {
                None => out.uncovered = counts,
                Some(name) => match index.get(name.as_str()) {
                    Some(&i) => out.rules[i] = counts,
                    None => return Err(bug(format!("names an unknown rule `{name}`"))),
                },
            }
        }
        Ok(out)
    }
}

/// Where a column of text holds something that is no number (a blank is
/// missing, and so a number): `true`.
fn not_numbers_mask(column: Column) -> PolarsResult<Column> {
    let mask: BooleanChunked = column
        .as_materialized_series()
        .str()?
        .iter()
        .map(|v| Some(v.is_some_and(|text| crate::ingest::number_cell(text).is_none())))
        .collect();
    Ok(mask.with_name(column.name().clone()).into_series().into())
}

/// The numbers ingest reads from a column the rules take as numeric (see
/// `ingest::numeric_values`), with NaN as `NULL`: numbers as `f64`, text
/// that reads as numbers, or a column with no values; anything else fails
/// as ingest fails.
fn numbers_like_ingest(
    column: Column,
    path: &Path,
    name: &str,
    stash: &Stash,
) -> PolarsResult<Column> {
    let series = column.as_materialized_series();
    let dtype = series.dtype().clone();
    let out: Float64Chunked = if dtype.is_primitive_numeric() || dtype.is_decimal() {
        let s = series.cast(&DataType::Float64)?;
        s.f64()?.iter().map(|v| v.filter(|x| !x.is_nan())).collect()
    } else if series.null_count() == series.len() {
        Float64Chunked::full_null(PlSmallStr::EMPTY, series.len())
    } else {
        let parsed: Option<Float64Chunked> = if matches!(dtype, DataType::String) {
            series
                .str()?
                .iter()
                .map(|v| match v {
                    None => Some(None),
                    Some(text) => {
                        crate::ingest::number_cell(text).map(|x| (!x.is_nan()).then_some(x))
                    }
                })
                .collect::<Option<Vec<Option<f64>>>>()
                .map(|v| v.into_iter().collect())
        } else {
            None
        };
        match parsed {
            Some(ca) => ca,
            None => {
                let first = crate::ingest::first_not_number(&column);
                let message = crate::ingest::not_numbers(
                    name,
                    &dtype,
                    first.as_ref().map(|(i, t)| (*i, t.as_str())),
                    Some(path),
                );
                stash.put(Error::Data {
                    path: path.to_path_buf(),
                    message: message.clone(),
                });
                polars_bail!(ComputeError: "{message}")
            }
        }
    };
    Ok(out
        .with_name(column.name().clone())
        .into_series()
        .into_column())
}

/// Labels as the interpreter matches them to classes
/// (`RuleSet::class_of_label`): a label written as a class is that class;
/// one that is the same number as exactly one class (`1` for `1.0`), or
/// the same boolean word in another case (`True` for `true`), is that
/// class; any other stays as written (and is never right). A numeric
/// target's labels stay as written.
fn class_labels(set: &RuleSet, text: Expr) -> Expr {
    if set.target.tolerance.is_some() {
        return text;
    }
    let classes = &set.target.classes;
    let numbered: Vec<(f64, &str)> = classes
        .iter()
        .filter_map(|c| rulec_runtime::ir::number_of_class(c).map(|v| (v, c.as_str())))
        .collect();
    let unique: Vec<(f64, &str)> = numbered
        .iter()
        .filter(|(v, _)| numbered.iter().filter(|(w, _)| w == v).count() == 1)
        .copied()
        .collect();
    let Some(is_class) = classes
        .iter()
        .map(|c| text.clone().eq(lit(c.as_str())))
        .reduce(|a, b| a.or(b))
    else {
        return text;
    };
    // Boolean words (`True`, `FALSE`) name the one class that is the same
    // word in another case.
    let words = set.boolean_word_classes();
    if unique.is_empty() && words.is_empty() {
        return text;
    }
    // The label's number, as `str::parse::<f64>` reads it: polars' cast of
    // text to a float, null where it is no number.
    let number = text.clone().cast(DataType::Float64);
    let lower = text.clone().str().to_lowercase();
    let mut by_number = text.clone();
    for class in words {
        by_number = when(lower.clone().eq(lit(class.to_ascii_lowercase())))
            .then(lit(class))
            .otherwise(by_number);
    }
    for (value, class) in unique.into_iter().rev() {
        by_number = when(number.clone().eq(lit(value)))
            .then(lit(class))
            .otherwise(by_number);
    }
    when(is_class).then(text).otherwise(by_number)
}

/// A numeric label column read from its text: numbers (thousands
/// separators allowed), `NULL` for text that is no finite number.
fn numbers_from_text(name: &str) -> Expr {
    col(name)
        .map(
            |column| {
                let s = column.as_materialized_series().cast(&DataType::String)?;
                let out: Float64Chunked = s
                    .str()?
                    .iter()
                    .map(|v| {
                        v.and_then(crate::ingest::parse_number)
                            .filter(|x| x.is_finite())
                    })
                    .collect();
                Ok(out
                    .with_name(column.name().clone())
                    .into_series()
                    .into_column())
            },
            |_, field| Ok(Field::new(field.name().clone(), DataType::Float64)),
        )
        .alias(name)
}

/// `base`, or `base` with underscores added, so that it names no feature
/// (ignoring case, as SQL engines may).
fn fresh_name(set: &RuleSet, base: &str) -> String {
    let mut name = base.to_string();
    while set
        .features
        .iter()
        .any(|f| f.name.eq_ignore_ascii_case(&name))
    {
        name.push('_');
    }
    name
}

/// Per categorical column some rule reads, the values of `all` (the
/// features as the engine reads them, a known category written as the
/// category) that are none of its categories, counted as the interpreter's
/// [`crate::ingest::unknown_values`] counts them; columns without such
/// values are left out.
fn unknown_values(
    set: &RuleSet,
    all: &LazyFrame,
    source: &Source,
    stash: &Stash,
) -> Result<Vec<UnknownValues>, Error> {
    let mut out = Vec::new();
    for f in &set.features {
        let FeatureKind::Categorical { categories } = &f.kind else {
            continue;
        };
        if !set.reads_column(&f.name) {
            continue;
        }
        let name = f.name.as_str();
        let df = all
            .clone()
            .select([col(name)])
            .filter(col(name).is_not_null())
            .group_by([col(name)])
            .agg([len().alias("rulec_rows")])
            .collect()
            .map_err(|e| stash.take().unwrap_or_else(|| source.polars_err(&e)))?;
        let texts = text_column(&df, name).map_err(|e| source.polars_err(&e))?;
        let rows = df
            .column("rulec_rows")
            .and_then(|c| c.cast(&DataType::UInt64))
            .map_err(|e| source.polars_err(&e))?;
        let rows = rows.u64().map_err(|e| source.polars_err(&e))?;
        let known: std::collections::HashSet<&str> =
            categories.iter().map(String::as_str).collect();
        let mut present = 0;
        let mut most_common = Vec::new();
        for (text, n) in texts.into_iter().zip(rows.iter()) {
            let (Some(text), Some(n)) = (text, n) else {
                continue;
            };
            let n = n as usize;
            present += n;
            if !known.contains(text.as_str()) {
                most_common.push((text, n));
            }
        }
        if most_common.is_empty() {
            continue;
        }
        let unknown = most_common.iter().map(|(_, n)| n).sum();
        out.push(UnknownValues::new(
            &f.name,
            present,
            unknown,
            most_common,
            categories,
        ));
    }
    Ok(out)
}

/// A column of the result as text, `None` where `NULL`.
fn text_column(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<String>>> {
    let s = df.column(name)?.cast(&DataType::String)?;
    Ok(s.str()?.iter().map(|v| v.map(str::to_string)).collect())
}

/// SQL from the generator; its errors (a NUL in a name, say) are the rule
/// set's.
fn generated(sql: Result<String, sqlgen::Error>) -> Result<String, Error> {
    sql.map_err(|e| match e {
        sqlgen::Error::Invalid(e) => Error::Rules(e),
        other => Error::Codegen(other.to_string()),
    })
}

/// Polars messages can span lines and carry hints meant for Python users;
/// keep the first line.
fn first_line(e: &PolarsError) -> String {
    e.to_string()
        .lines()
        .next()
        .unwrap_or("unreadable")
        .trim()
        .to_string()
}
