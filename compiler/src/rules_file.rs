//! Loading rule files: a `rules.json`, or a `.rules` file in the rule DSL
//! whose schema comes from a data file. Every command that reads rules goes
//! through here, so the errors name the file the same way everywhere.

use std::path::Path;

use rulec_runtime::ir::Condition;
use rulec_runtime::RuleSet;

use crate::error::Error;
use crate::table::ColumnData;

/// Reads the `rules.json` at `path`.
pub fn load(path: &Path) -> Result<RuleSet, Error> {
    refuse_data_file(path)?;
    let text = read(path)?;
    RuleSet::from_json(&text).map_err(|e| not_rules_json(path, &text, e))
}

/// Refuses, before reading it as a rule set, a folder, and a data file
/// given where the rules go (the two swapped), by its name and first bytes.
fn refuse_data_file(path: &Path) -> Result<(), Error> {
    if path.is_dir() {
        return Err(data_error(path, "is a directory, expected a rules.json"));
    }
    // A data file given where the rules go (the two swapped) says so, not
    // "expected value at line 1"; its first bytes tell, as a rules.json
    // opens with `{`.
    if data_file_name(path) {
        use std::io::Read;
        let mut head = [0u8; 256];
        let read = std::fs::File::open(path).and_then(|mut f| f.read(&mut head));
        if let Ok(n) = read {
            let head = head[..n]
                .strip_prefix(b"\xef\xbb\xbf")
                .unwrap_or(&head[..n]);
            if head.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
                return Err(data_error(path, NOT_RULES_BUT_DATA));
            }
        }
    }
    Ok(())
}

/// Whether `path`'s name ends as a data file's does (`.csv`, `.parquet`,
/// `.csv.gz`, ...; not `.json`, which may be either).
fn data_file_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let name = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .unwrap_or(&name);
    [
        ".csv", ".tsv", ".tab", ".txt", ".dat", ".data", ".parquet", ".feather", ".arrow", ".ipc",
        ".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".jsonl", ".ndjson",
    ]
    .iter()
    .any(|ext| name.ends_with(ext))
}

/// The error for a file that is not a valid `rules.json`; for one in the
/// rule DSL (a `.rules` file, as `rulec validate` and `compile
/// --proposals` read), it says which commands take which.
fn not_rules_json(path: &Path, text: &str, e: impl std::fmt::Display) -> Error {
    let dsl = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .is_some_and(|l| l.starts_with("rule ") || l == "rule");
    if dsl {
        data_error(
            path,
            "is rules in the rule DSL, not a rules.json: this command reads the rules.json a compile writes; a .rules file is measured with rulec validate, or proposed to a compile with --proposals",
        )
    } else if !text.contains("\"schema_version\"") {
        // No rule set at all: most often the data, given first (a JSON
        // table, or a file without an extension).
        data_error(
            path,
            format!(
                "holds no rule set (no `schema_version`; is it the data?): {GIVE_RULES} ({})",
                e.to_string()
                    .trim_start_matches("rules.json is not valid: ")
            ),
        )
    } else {
        data_error(path, e)
    }
}

/// What a data file given where the rules go is told.
const NOT_RULES_BUT_DATA: &str = "is a data file, not a rules.json: give the rules.json a compile wrote (a command that reads data too takes the rules first, then the data)";

/// What to give instead.
const GIVE_RULES: &str =
    "give the rules.json a compile wrote (a command that reads data too takes the rules first, then the data)";

/// Reads the `rules.json` at `path` and returns it with the file's exact
/// bytes (read once, so the two cannot disagree): `rulec book` records
/// their SHA-256.
pub fn load_with_bytes(path: &Path) -> Result<(RuleSet, Vec<u8>), Error> {
    refuse_data_file(path)?;
    let bytes = std::fs::read(path).map_err(|err| Error::Io {
        path: path.to_path_buf(),
        err,
    })?;
    let text = std::str::from_utf8(&bytes).map_err(|e| data_error(path, e))?;
    let set = RuleSet::from_json(text).map_err(|e| not_rules_json(path, text, e))?;
    Ok((set, bytes))
}

/// Reads rules to measure on the data file `data`: a `rules.json` (its
/// extension `.json`, in any case) as written, or else a file in the rule
/// DSL, checked against the features and target of `data` (the target is
/// the one its first rule names). A DSL file carries no certification, so
/// it gets `precision` and `confidence`.
pub fn load_for(
    path: &Path,
    data: &Path,
    precision: f64,
    confidence: f64,
) -> Result<RuleSet, Error> {
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_json {
        return load(path);
    }
    // (Data and rules swapped, `validate` says itself, naming both.)
    if path.is_dir() {
        return Err(data_error(path, "is a directory, expected rules"));
    }
    let text = read(path)?;
    let parsed = rulec_runtime::dsl::parse(&text).map_err(|e| {
        // The data file given first, the rules second: say so rather than
        // report the data as bad rule syntax.
        let swapped = data
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json") || e.eq_ignore_ascii_case("rules"))
            && (crate::text_file::TextFormat::of(path).is_some()
                || path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                    ["parquet", "pq", "feather", "arrow", "ipc"]
                        .contains(&e.to_ascii_lowercase().as_str())
                }));
        if swapped {
            data_error(
                path,
                format!(
                    "{e}; this looks like the data file and {} like the rules: give the rules \
                     first, then the data file",
                    data.display()
                ),
            )
        } else {
            data_error(path, e)
        }
    })?;
    let Some(first) = parsed.first() else {
        return Err(data_error(path, "holds no rules"));
    };
    let mut params = crate::ingest::IngestParams::every_row(&first.target);
    // The target is the column the rules' `then` names, not an option.
    let mut table = crate::ingest::read(data, &params).map_err(|e| match e {
        Error::UnknownColumn {
            path,
            role: "--target",
            name,
            columns,
        } => Error::UnknownColumn {
            path,
            role: "the target the rules' `then` names",
            name,
            columns,
        },
        e => e,
    })?;
    // A rule that lists values of a column of numbers (`store in {"17"}`)
    // reads its numbers as codes, as `--categorical` does: read it again so.
    // Each such column with the line that first lists it.
    let mut listed: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for p in &parsed {
        for (i, c) in p.rule.conditions.iter().enumerate() {
            let (Condition::In { feature, .. } | Condition::NotIn { feature, .. }) = c else {
                continue;
            };
            let numbers = table
                .columns()
                .iter()
                .any(|c| &c.name == feature && matches!(c.data, ColumnData::Numeric(_)));
            if numbers {
                let line = p.positions.get(i).map_or(p.line, |&(line, _)| line);
                listed.entry(feature.as_str()).or_insert(line);
            }
        }
    }
    if !listed.is_empty() {
        params.categorical = listed.keys().map(|f| f.to_string()).collect();
        table = crate::ingest::read(data, &params)?;
    }
    let mut set = RuleSet::new(
        rulec_runtime::ir::Target {
            name: table.target_name().to_string(),
            classes: table.classes().to_vec(),
            tolerance: None,
        },
        crate::validate::features(&table),
        Vec::new(),
        precision,
        confidence,
    );
    set.rules = parse_for(path, &text, &set).map_err(|e| match e {
        // A comparison on a column of numbers another rule lists: say why
        // the column is categories here.
        Error::Data { path, mut message } => {
            for (feature, line) in &listed {
                let said = format!("`{feature}` is categorical, so a comparison does not apply");
                message = message.replace(
                    &said,
                    &format!(
                        "{said} (its numbers are read as categories because line {line} lists them in a set; in one file a column of numbers is either compared or listed, not both)"
                    ),
                );
            }
            Error::Data { path, message }
        }
        e => e,
    })?;
    Ok(set)
}

/// The rules of the DSL file at `path`, checked against `set`'s features
/// and target (every problem named at once): `--proposals`.
pub fn load_dsl_for(path: &Path, set: &RuleSet) -> Result<Vec<rulec_runtime::ir::Rule>, Error> {
    let text = read(path)?;
    if text.trim_start().starts_with('{') {
        return Err(data_error(
            path,
            "is a rules.json, not rules in the rule DSL: --proposals reads a .rules file (the rule book shows each rule of a rules.json in the DSL, to copy from)",
        ));
    }
    let rules = parse_for(path, &text, set)?;
    if rules.is_empty() {
        return Err(data_error(path, "holds no rules"));
    }
    Ok(rules)
}

fn parse_for(
    path: &Path,
    text: &str,
    set: &RuleSet,
) -> Result<Vec<rulec_runtime::ir::Rule>, Error> {
    // The first few problems, and how many more: a file of thousands of
    // unknown categories is one mistake, not a screenful.
    const SHOWN: usize = 10;
    rulec_runtime::dsl::parse_for(text, set).map_err(|errors| {
        let mut all: Vec<String> = errors.iter().take(SHOWN).map(ToString::to_string).collect();
        if errors.len() > SHOWN {
            all.push(format!("and {} more", errors.len() - SHOWN));
        }
        data_error(path, all.join("; "))
    })
}

/// The file's text. Bytes that are not UTF-8 are named by their line and
/// column; a byte order mark, as some editors save, is left out.
fn read(path: &Path) -> Result<String, Error> {
    let bytes = std::fs::read(path).map_err(|err| Error::Io {
        path: path.to_path_buf(),
        err,
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = 1 + good.iter().filter(|&&b| b == b'\n').count();
        let start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = 1 + String::from_utf8_lossy(&good[start..]).chars().count();
        data_error(
            path,
            format!("line {line}, column {column}: bytes that are not UTF-8 text (save the file as UTF-8)"),
        )
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// `path: message`.
fn data_error(path: &Path, message: impl ToString) -> Error {
    Error::Data {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}
