//! The benchmark README read as data: the dataset list (name, target), the
//! best peer per dataset as the README states it, and every method's
//! figures, from which the best *calibrated* peer is chosen.
//!
//! The "Every method" tables come in two layouts (`target`/`coverage`/
//! `precision` and `t`/`cov`/`prec`), so columns are found by their
//! header names, never by position.

use std::path::Path;

use crate::error::Error;

/// One dataset of the benchmark and its peers.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Name (file stem).
    pub name: String,
    /// Target column.
    pub target: String,
    /// Best peer at 0.95 and at 0.99, as written in the README's "Best
    /// peer per dataset" table ("?" when the dataset is not in it).
    pub best_peer: [String; 2],
    /// Every method's row of the dataset's "Every method" table.
    pub methods: Vec<Method>,
}

/// One row of an "Every method" table.
#[derive(Clone, Debug, PartialEq)]
pub struct Method {
    /// The method as the README names it, e.g. `rulefit[conf]`.
    pub method: String,
    /// The precision target it was run at; `None` for `–`.
    pub target: Option<f64>,
    /// Test coverage.
    pub coverage: f64,
    /// Covered test precision; `None` for `–` (nothing covered).
    pub precision: Option<f64>,
    /// Rules that can answer; `None` for `–`.
    pub rules: Option<usize>,
}

impl Method {
    /// Whether the method chooses where to answer on the validation rows
    /// with a Wilson bound: the `[conf]` methods and the distilled trees
    /// (`dt_*`, except their `[plain]` rows, which answer everything).
    pub fn is_calibrated(&self) -> bool {
        self.method.contains("[conf]")
            || (self.method.starts_with("dt_") && !self.method.contains("[plain]"))
    }

    /// Whether it meets `target`: run at that target, covered test
    /// precision at least the target, coverage above zero.
    pub fn meets(&self, target: f64) -> bool {
        self.target.is_some_and(|t| (t - target).abs() < 1e-9)
            && self.coverage > 0.0
            && self.precision.is_some_and(|p| p >= target)
    }
}

impl Dataset {
    /// The calibrated method with the highest test coverage that meets
    /// `target` (the first in the README's order on a tie); `None` when
    /// none does.
    pub fn best_calibrated(&self, target: f64) -> Option<&Method> {
        self.methods
            .iter()
            .filter(|m| m.is_calibrated() && m.meets(target))
            .fold(None, |best: Option<&Method>, m| match best {
                Some(b) if b.coverage >= m.coverage => Some(b),
                _ => Some(m),
            })
    }

    /// The README's best peer at `target` (0.95 or 0.99), "–" otherwise.
    pub fn readme_best_peer(&self, target: f64) -> &str {
        if (target - 0.95).abs() < 1e-9 {
            &self.best_peer[0]
        } else if (target - 0.99).abs() < 1e-9 {
            &self.best_peer[1]
        } else {
            "–"
        }
    }
}

/// Reads the dataset list, the best peers and every method's figures from
/// the benchmark README at `readme`.
pub fn read(readme: &Path) -> Result<Vec<Dataset>, Error> {
    let text = std::fs::read_to_string(readme).map_err(|e| Error::Io {
        path: readme.to_path_buf(),
        err: e,
    })?;
    parse(&text).map_err(|message| Error::Data {
        path: readme.to_path_buf(),
        message,
    })
}

/// What one table of the README is.
enum Section {
    None,
    /// The dataset list, with the positions of its `dataset` and `target`
    /// columns.
    Data {
        name: usize,
        target: usize,
    },
    Peers,
    /// An "Every method" table of this dataset, with its columns.
    Methods {
        dataset: String,
        columns: Columns,
    },
}

/// Positions of the columns an "Every method" table needs.
struct Columns {
    method: usize,
    target: usize,
    coverage: usize,
    precision: usize,
    rules: usize,
}

impl Columns {
    fn of(header: &[String]) -> Option<Columns> {
        let find = |names: &[&str]| header.iter().position(|h| names.contains(&h.as_str()));
        Some(Columns {
            method: find(&["method"])?,
            target: find(&["target", "t"])?,
            coverage: find(&["coverage", "cov"])?,
            precision: find(&["precision", "prec"])?,
            rules: find(&["rules"])?,
        })
    }
}

/// Parses the README's text; the error says which table is missing or
/// which cell does not read.
pub fn parse(text: &str) -> Result<Vec<Dataset>, String> {
    let cells = |line: &str| -> Vec<String> {
        line.trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().trim_matches('`').to_string())
            .collect()
    };
    let mut targets: Vec<(String, String)> = Vec::new();
    let mut peers: Vec<(String, [String; 2])> = Vec::new();
    let mut methods: Vec<(String, Method)> = Vec::new();
    let mut heading = String::new();
    let mut section = Section::None;
    let mut seen_data = false;
    for (line_idx, line) in text.lines().enumerate() {
        if let Some(h) = line.strip_prefix("### ") {
            heading = h.trim().to_string();
        } else if line.starts_with("## ") || line.starts_with("# ") {
            heading.clear();
        }
        if line.starts_with('|') && matches!(section, Section::None) {
            let header: Vec<String> = cells(line).iter().map(|c| c.to_lowercase()).collect();
            let at = |name: &str| header.iter().position(|h| h == name);
            if header.first().map(String::as_str) == Some("dataset")
                && header.get(1).map(String::as_str) == Some("teacher accuracy")
            {
                section = Section::Peers;
                continue;
            }
            // The first table with a `dataset` and a `target` column (as
            // `| dataset | source | target | task |`, in any order or case)
            // lists the datasets; a table of results pasted below it is
            // not read as one.
            if let (Some(name), Some(target), false) = (at("dataset"), at("target"), seen_data) {
                seen_data = true;
                section = Section::Data { name, target };
                continue;
            }
        }
        if line.starts_with("| method |") && !heading.is_empty() {
            section = match Columns::of(&cells(line)) {
                Some(columns) => Section::Methods {
                    dataset: heading.clone(),
                    columns,
                },
                None => {
                    return Err(format!(
                        "line {}: the methods table of `{heading}` lacks one of the columns method, target, coverage, precision, rules",
                        line_idx + 1
                    ))
                }
            };
            continue;
        }
        if !line.starts_with('|') {
            section = Section::None;
            continue;
        }
        let c = cells(line);
        // A header's separator row, `|---|:--:|` or `| --- | --- |`.
        if c.iter()
            .all(|x| !x.is_empty() && x.chars().all(|ch| ch == '-' || ch == ':'))
        {
            continue;
        }
        match &section {
            Section::Data { name, target } => {
                if let (Some(name), Some(target)) = (c.get(*name), c.get(*target)) {
                    if !name.is_empty() && !target.is_empty() {
                        targets.push((name.clone(), target.clone()));
                    }
                }
            }
            Section::Peers if c.len() >= 4 => {
                peers.push((c[0].clone(), [c[2].clone(), c[3].clone()]));
            }
            Section::Methods { dataset, columns } => {
                let m =
                    method_row(&c, columns).map_err(|e| format!("line {}: {e}", line_idx + 1))?;
                methods.push((dataset.clone(), m));
            }
            _ => {}
        }
    }
    if targets.is_empty() {
        return Err(
            "has no table of the datasets: a Markdown table whose header names a `dataset` and a `target` column (`| dataset | source | target |`, as the benchmark's README), a row per data/NAME.csv"
                .into(),
        );
    }
    Ok(targets
        .into_iter()
        .map(|(name, target)| {
            let best_peer = peers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, p)| p.clone())
                .unwrap_or_else(|| ["?".into(), "?".into()]);
            let methods = methods
                .iter()
                .filter(|(d, _)| *d == name)
                .map(|(_, m)| m.clone())
                .collect();
            Dataset {
                name,
                target,
                best_peer,
                methods,
            }
        })
        .collect())
}

/// One row of an "Every method" table.
fn method_row(c: &[String], columns: &Columns) -> Result<Method, String> {
    let cell = |i: usize| c.get(i).map_or("", String::as_str);
    let dash = |s: &str| s.is_empty() || s == "–" || s == "-";
    let number = |i: usize| -> Result<Option<f64>, String> {
        let s = cell(i);
        if dash(s) {
            return Ok(None);
        }
        s.parse::<f64>()
            .map(Some)
            .map_err(|_| format!("`{s}` is not a number (`{}`)", cell(columns.method)))
    };
    Ok(Method {
        method: cell(columns.method).to_string(),
        target: number(columns.target)?,
        coverage: number(columns.coverage)?.unwrap_or(0.0),
        precision: number(columns.precision)?,
        rules: number(columns.rules)?.map(|r| r as usize),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const README: &str = "\
# Bench

| dataset | source | target | task |
|---|---|---|---|
| alpha | somewhere | `y` | binary |
| beta | elsewhere | `label` | multiclass |

## Best peer per dataset

| dataset | teacher accuracy | best @0.95 | best @0.99 |
|---|---|---|---|
| alpha | 0.9 | boosted_rules: 1.000, 0.965, 15 | none meets |

## Every method

### alpha

| method | target | coverage | precision | rules | cascade | fit s |
|---|---|---|---|---|---|---|
| teacher_hgb[plain] | – | 1.000 | 0.974 | – | 0.974 | 0.1 |
| dt_hgb_d4[plain] | – | 1.000 | 0.990 | 11 | 0.921 | 0.004 |
| dt_hgb_d4 | 0.95 | 0.300 | 0.960 | 3 | 0.974 | 0.004 |
| boosted_rules[plain] | – | 1.000 | 0.965 | 15 | 0.965 | 0.05 |
| rulefit[conf] | 0.95 | 0.500 | 0.951 | 29 | 0.97 | 3.8 |
| figs[conf] | 0.95 | 0.700 | 0.940 | 17 | 0.97 | 0.3 |
| figs[conf] | 0.99 | 0.000 | – | 17 | 0.97 | 0.3 |
| skope_imodels[ovr] | 0.99 | 0.900 | 0.995 | 19 | 0.956 | 0.2 |

## Every method: the added datasets

### beta

| method | t | rules | conds | cov | prec | fid | cascade | plain | fit s |
|---|---|---|---|---|---|---|---|---|---|
| dt_rf_d6 | 0.99 | 4 | 9 | 0.100 | 0.995 | 1.0 | 0.9 | 0.9 | 0.01 |
| greedy_rule_list[conf] | 0.99 | 6 | 5 | 0.200 | 0.991 | 1.0 | 0.9 | 0.9 | 0.01 |
";

    #[test]
    fn both_table_layouts_read_and_only_calibrated_methods_count() {
        let d = parse(README).unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!((d[0].name.as_str(), d[0].target.as_str()), ("alpha", "y"));
        assert_eq!(
            d[0].readme_best_peer(0.95),
            "boosted_rules: 1.000, 0.965, 15"
        );
        assert_eq!(d[1].best_peer, ["?".to_string(), "?".to_string()]);
        assert_eq!(d[0].methods.len(), 8);
        assert_eq!(d[1].methods.len(), 2);
        // The dt_*[plain] row and boosted_rules answer everything: not
        // calibrated; figs[conf] misses 0.95; rulefit[conf] is the best.
        let best = d[0].best_calibrated(0.95).unwrap();
        assert_eq!(
            (best.method.as_str(), best.coverage),
            ("rulefit[conf]", 0.5)
        );
        assert_eq!(best.rules, Some(29));
        // skope_imodels[ovr] meets 0.99 but is not calibrated.
        assert_eq!(d[0].best_calibrated(0.99), None);
        let best = d[1].best_calibrated(0.99).unwrap();
        assert_eq!(best.method, "greedy_rule_list[conf]");
        assert_eq!((best.coverage, best.precision), (0.2, Some(0.991)));
        assert_eq!(d[1].best_calibrated(0.95), None);
    }

    #[test]
    fn the_dataset_table_is_found_by_its_column_names() {
        // Columns in another order and case, a separator with spaces, a
        // `task`-less table; a results table pasted below is no dataset.
        let text = "\
# Our tables

| Target | Dataset | rows |
| --- | --- | ---: |
| `churned` | shop | 1200 |
| y | clinic | 300 |

## Results

| dataset | target | rulec coverage |
|---|---|---|
| shop | 0.95 | 0.41 |
";
        let d = parse(text).unwrap();
        let got: Vec<(&str, &str)> = d
            .iter()
            .map(|d| (d.name.as_str(), d.target.as_str()))
            .collect();
        assert_eq!(got, [("shop", "churned"), ("clinic", "y")]);
        assert_eq!(d[0].best_peer, ["?".to_string(), "?".to_string()]);
        // The benchmark's own layout reads as before.
        assert_eq!(parse(README).unwrap().len(), 2);
        // A table without a `target` column lists no dataset.
        let err = parse("| dataset | rows |\n|---|---|\n| shop | 3 |\n").unwrap_err();
        assert!(
            err.contains("a Markdown table whose header names a `dataset` and a `target` column"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_cell_names_its_line() {
        let bad = README.replace("| 0.500 | 0.951 |", "| half | 0.951 |");
        let err = parse(&bad).unwrap_err();
        assert!(err.starts_with("line 24: `half` is not a number"), "{err}");
        assert!(parse("no tables here").is_err());
    }
}
