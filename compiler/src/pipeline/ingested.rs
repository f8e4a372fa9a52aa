//! Stage 1, ingest: data files, or a frame already in memory
//! ([`run_frame`]), → [`Ingested`] (the table, its splits and the data's
//! fingerprint).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::ingest::{self, IngestParams};
use crate::params::{CompileParams, TeacherKind};
use crate::progress::Progress;
use crate::split::{self, Splits};
use crate::table::Table;

/// The data, read and split.
#[derive(Clone)]
pub struct Ingested {
    /// Every labelled row.
    pub table: Table,
    /// Train, validation and test rows (train possibly sampled, `--sample`).
    pub splits: Splits,
    /// SHA-256 of the data file (of the files' hashes, for several files).
    pub data_sha256: String,
    /// The data files' names, comma-separated, for the provenance.
    pub data_names: String,
}

/// Reads `paths` (the same columns in each) and splits the rows.
pub fn run(
    paths: &[PathBuf],
    p: &CompileParams,
    progress: &dyn Progress,
) -> Result<Ingested, Error> {
    let Some(path) = paths.first().map(PathBuf::as_path) else {
        return Err(Error::Params("no data file given".into()));
    };
    progress.line(&if paths.len() == 1 {
        "ingest: reading data".to_string()
    } else {
        format!("ingest: reading {} data files", paths.len())
    });
    let before = paths.iter().map(|f| file_stamp(f)).collect::<Vec<_>>();
    // Several files are hashed before they are read: one given twice (or
    // two copies of one) is refused before the work of reading it. A file
    // that cannot be hashed is left to the reader, which says why.
    let early: Vec<Option<String>> = if paths.len() > 1 {
        paths.iter().map(|f| sha256_file(f).ok()).collect()
    } else {
        Vec::new()
    };
    if let Some(message) = same_bytes(paths, &early) {
        return Err(message);
    }
    let table = ingest::read_files(paths, &ingest_params(p))?;
    let data_sha256 = if paths.len() == 1 {
        sha256_file(path)?
    } else {
        // The files' hashes, in order: any change to any file changes it.
        let mut h = Sha256::new();
        for (f, sha) in paths.iter().zip(&early) {
            let sha = match sha {
                Some(sha) => sha.clone(),
                None => sha256_file(f)?,
            };
            h.update(sha.as_bytes());
        }
        hex(&h.finalize())
    };
    // A hash (taken before the read, or after it for one file) names the
    // rows read only if no file changed from before the read until now.
    for (f, was) in paths.iter().zip(before) {
        if was.is_none() || file_stamp(f) != was {
            return Err(Error::Data {
                path: f.clone(),
                message: "changed while rulec read it (replaced, or written to): run again once it is complete".into(),
            });
        }
    }
    let data_names = paths
        .iter()
        .map(|f| {
            f.file_name().map_or_else(
                || f.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    split_table(table, data_sha256, data_names, path, p, progress)
}

/// The error for the first of `paths` whose bytes an earlier one holds
/// (`hashes`: their SHA-256 in order, where a file could be read): one
/// file given twice, or a copy of it. Its rows would be read twice, each
/// then a record written twice: split apart, a copy in the validation rows
/// would be a row the rules learned from, and the certified precision
/// would hold for rows already seen.
fn same_bytes(paths: &[PathBuf], hashes: &[Option<String>]) -> Option<Error> {
    let mut first: std::collections::HashMap<&str, &Path> = std::collections::HashMap::new();
    for (path, sha) in paths.iter().zip(hashes) {
        let Some(sha) = sha else { continue };
        if let Some(earlier) = first.insert(sha.as_str(), path) {
            let what = if same_file(earlier, path) {
                format!("is given twice (also as `{}`)", earlier.display())
            } else {
                format!("holds the same bytes as `{}`", earlier.display())
            };
            return Some(Error::Data {
                path: path.clone(),
                message: format!(
                    "{what}: its rows would be read twice, and a row's copy in the validation rows would be one the rules learned from, so the certified precision would not hold for new rows; give each file once"
                ),
            });
        }
    }
    None
}

/// Whether two paths name one file (the same path, or links to one).
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Data already in memory: a frame the caller built (the Python package's
/// pandas or polars frame, handed over as Arrow), with what the provenance
/// records of it in place of a file's name and SHA-256.
pub struct Frame {
    /// The rows, every column.
    pub frame: polars::prelude::DataFrame,
    /// How messages and the provenance name it (`DataFrame`, say).
    pub name: String,
    /// The SHA-256 the provenance records: of the bytes the frame came in.
    pub sha256: String,
}

/// Reads an in-memory frame as [`run`] reads a file, and splits its rows.
pub fn run_frame(
    data: Frame,
    p: &CompileParams,
    progress: &dyn Progress,
) -> Result<Ingested, Error> {
    progress.line("ingest: reading the frame");
    let source = PathBuf::from(&data.name);
    let table = ingest::read_frame_table(data.frame, &source, &ingest_params(p))?;
    split_table(table, data.sha256, data.name, &source, p, progress)
}

/// What ingest reads for a compile with `p`.
fn ingest_params(p: &CompileParams) -> IngestParams {
    IngestParams {
        target: p.target.clone(),
        split_column: p.split_column.clone(),
        exclude: Vec::new(),
        // Levels are chosen after the split, from the training rows only
        // (`split_table`).
        max_categories: usize::MAX,
        numeric_target: p.tolerance.is_some(),
        teacher_column: match &p.teacher {
            TeacherKind::Column(c) => Some(c.clone()),
            _ => None,
        },
        max_rows: Some(p.max_rows),
        categorical: p.categorical.clone(),
        named: [("--forbid", &p.forbid), ("--groups", &p.groups)]
            .into_iter()
            .flat_map(|(role, names)| names.iter().map(move |n| (role, n.clone())))
            .collect(),
        seed: p.seed,
        header_only: false,
    }
}

/// Rows that repeat another exactly (every column and the target) in a
/// table where that marks one record written more than once
/// ([`split::copies_are_records`]): copies on both sides of the split make
/// validation rows the teacher and the rules have already seen, and the
/// certified precision then holds for those rows only (2,000 rows of coin
/// flips, each written 8 times: certified at 100 %, right on 45–50 % of
/// new rows). The split, rulec's own or a split column's, keeps each copy
/// on the side of its record's first row, and says so; each validation
/// record counts once. A share of copies moves a precision by more than
/// that share times its distance to 1 when the copies are the records the
/// rules get wrong: the rules fitted to the training copies carve those
/// records out, and their validation copies with them (the wrong-label
/// records written 5 times, a fifth of the rows: sets right on 94 % of
/// records passed 0.95 on 12 of 100 compiles, 8 with a split column). So
/// any number of copies counts, from [`split::MIN_RECORD_COPIES`] rows on,
/// once they are records.
fn keep_copies_apart(table: &Table, splits: &mut split::Splits, p: &CompileParams) -> Vec<String> {
    let first = split::first_copies(table);
    let repeats = first.iter().enumerate().filter(|&(i, &f)| f != i).count();
    // Repeats of coarse values are the data's own (the demo's 200,000
    // generated rows hold 2,140, 1.1 %; 150 rows of `x` in 0..100 and a
    // class cut from it, 8 %): `copies_are_records` tells them apart.
    if repeats < split::MIN_RECORD_COPIES || !split::copies_are_records(table, &first) {
        return Vec::new();
    }
    let words = |n: usize| if n == 1 { "row" } else { "rows" };
    let compared = match &split::columns_copies_may_differ_in(table)[..] {
        [] => "every column and the target".to_string(),
        [one] => format!("every column and the target, but `{one}`, which holds a value per row"),
        many => format!(
            "every column and the target, but {}, which hold a value per row",
            many.iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    // Copies are right or wrong together: the exact test counts
    // independent rows, so a record is one validation row however often it
    // is written (with 4 copies each, sets on labels right 94 % of the
    // time passed 95 % on 9 of 100 compiles). And each record lies on one
    // side, the side of its first row: a split column drawn row by row
    // puts a record written 5 times in the training rows 11 times in 12,
    // so leaving out the validation rows a training row repeats kept few
    // of the records written often (sets right on 94 % of records passed
    // 0.95 on 75 of 100 compiles when the wrong ones were written 5 times).
    let moved = split::keep_copies_together(splits, &first);
    let before = splits.validation.len();
    splits.validation.retain(|&r| first[r] == r);
    let dropped = before - splits.validation.len();
    match (table.split(), p.split_column.as_deref()) {
        (Some(_), Some(name)) => {
            if moved == 0 && dropped == 0 {
                return Vec::new();
            }
            splits.method.push_str(&format!(
                "; the {repeats} {} that repeat another row exactly moved to the side of its first row ({moved} moved), a validation row's copies counted once",
                words(repeats)
            ));
            let sides = if moved == 0 {
                format!("each record's copies lie on one side of `{name}`")
            } else {
                format!("{moved} of them were on another side of `{name}` than their record's first row, and are moved to its side, so no validation or test row is a copy of a training row")
            };
            vec![format!(
                "{repeats} {} repeat another row exactly ({compared}), as a record written more than once does: {sides}, and certification counts each validation record once ({dropped} copies left out), as its copies are right or wrong together; if they are one record written more than once, drop the copies, as the test figures count each one",
                words(repeats)
            )]
        }
        _ => {
            splits.method.push_str(&format!(
                "; the {repeats} {} that repeat another row exactly kept on its side, a validation row's copies counted once",
                words(repeats)
            ));
            vec![format!(
                "{repeats} {} repeat another row exactly ({compared}), as a record written more than once does: the split keeps each copy on the side of its record's first row ({moved} moved), so no validation or test row is a copy of a training row, and certification counts each validation record once ({dropped} copies left out), as its copies are right or wrong together; if they are one record written more than once, drop the copies, as the test figures count each one",
                words(repeats)
            )]
        }
    }
}

/// Splits the rows of `table` (read from `path`, for messages), samples
/// the training rows with `--sample`.
fn split_table(
    table: Table,
    data_sha256: String,
    data_names: String,
    path: &Path,
    p: &CompileParams,
    progress: &dyn Progress,
) -> Result<Ingested, Error> {
    check_columns(&table, p, path)?;
    for note in table.notes_but_of(&p.forbid) {
        progress.line(&format!("note: {note}"));
    }
    let split_notes = split_like_columns(&table, p);
    for note in &split_notes {
        progress.line(&format!("note: {note}"));
    }
    let mut table = table;
    table.add_notes(split_notes);
    let mut splits = split::split(
        &table,
        p.split_column.as_deref(),
        p.split.unwrap_or_default(),
        p.seed,
    )
    .map_err(|e| Error::Data {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let copy_notes = keep_copies_apart(&table, &mut splits, p);
    for note in &copy_notes {
        progress.line(&format!("note: {note}"));
    }
    table.add_notes(copy_notes);
    if splits.train.is_empty() || splits.validation.is_empty() {
        return Err(Error::Params(format!(
            "{}: too few rows ({}) to split into train and validation",
            path.display(),
            table.n_rows()
        )));
    }
    if let Some(n) = p.sample.filter(|&n| n >= splits.train.len()) {
        progress.line(&format!(
            "note: --sample {n} is at least the {} training rows: every one is used",
            splits.train.len()
        ));
    }
    let sampled = p.sample.is_some_and(|n| n < splits.train.len());
    if let Some(n) = p.sample.filter(|&n| n < splits.train.len()) {
        let all = splits.train.len();
        let (strata, n_strata) = table.strata();
        let (_, mut sample) = split::holdout(
            &splits.train,
            strata,
            n_strata,
            n as f64 / all as f64,
            p.seed ^ 0x5341_4d50,
        );
        // Each stratum's share is rounded: past N by a row or two, those
        // rows leave, drawn by the seed (100 gave 101).
        if sample.len() > n {
            let mut rng = rulec_datasets::Rng::derive(p.seed, 0x5341_4d51);
            rng.shuffle(&mut sample);
            sample.truncate(n);
            sample.sort_unstable();
        }
        progress.line(&format!(
            "sample: the teacher and the rule learner use a stratified sample of {} of the {} training rows (--sample); validation and test use every held-out row",
            rulec_codegen::book::count(sample.len() as u64),
            rulec_codegen::book::count(all as u64)
        ));
        splits.train = sample;
    }
    // The schema's categories come from the rows the teacher and the
    // learner see, never from validation or test rows.
    let (mut table, notes) = table.with_levels_from(&splits.train, p.max_categories, sampled);
    for note in &notes {
        if !crate::table::note_of(note, &p.forbid) {
            progress.line(&format!("note: {note}"));
        }
    }
    // Every note, the reader's and the schema's, goes into the rule book's
    // provenance too.
    table.add_notes(notes);
    // A column that sorts the training rows into their classes alone.
    let giveaways = table.giveaway_notes(&splits.train, &p.forbid);
    for note in &giveaways {
        progress.line(&format!("note: {note}"));
    }
    table.add_notes(giveaways);
    // Features that each hold one value on the training rows: nothing for
    // a rule, or the teacher, to tell one row from another by.
    // The columns rules may read: a forbidden one varying is no help.
    let columns: Vec<&crate::table::Column> = table
        .columns()
        .iter()
        .filter(|c| !p.forbid.contains(&c.name))
        .collect();
    if !columns.is_empty() && columns.iter().all(|c| c.data.is_constant_on(&splits.train)) {
        let note = format!(
            "every feature {}holds a single value on the training rows ({}{}): rules have nothing to tell one row from another by, so a rule can only answer every row alike, with one class; check that the file holds the columns you meant",
            if columns.len() < table.columns().len() { "rules may read (not --forbid) " } else { "" },
            columns.iter().take(5).map(|c| format!("`{}`", c.name)).collect::<Vec<_>>().join(", "),
            if columns.len() > 5 { ", …" } else { "" },
        );
        progress.line(&format!("note: {note}"));
        table.add_notes(vec![note]);
    }
    // A column named as one rulec's SQL adds to each row: `emit --lang sql`
    // refuses the rule set, since its `SELECT *` would hold the name twice;
    // and so it does a name with a NUL character.
    let outputs = [
        rulec_codegen::sql::DECISION_COLUMN,
        rulec_codegen::sql::RULE_COLUMN,
    ];
    let clashes: Vec<String> = table
        .columns()
        .iter()
        .map(|c| c.name.as_str())
        .chain([table.target_name()])
        .filter_map(|name| {
            if outputs.iter().any(|o| o.eq_ignore_ascii_case(name)) {
                Some(format!(
                    "column `{name}` has the name of a column rulec's SQL adds to each row (`{}`, `{}`): `rulec emit --lang sql` will refuse these rules; rename the column to run them in SQL (the crate and `rulec apply` do not mind)",
                    outputs[0], outputs[1]
                ))
            } else if name.contains('\0') {
                // Nor can SQL quote a NUL character (a Parquet file's name
                // may hold one).
                Some(format!(
                    "column `{}` has a NUL character in its name: `rulec emit --lang sql` will refuse these rules; rename the column to run them in SQL",
                    name.escape_debug()
                ))
            } else {
                None
            }
        })
        .collect();
    for note in &clashes {
        progress.line(&format!("note: {note}"));
    }
    table.add_notes(clashes);
    Ok(Ingested {
        table,
        splits,
        data_sha256,
        data_names,
    })
}

/// Every column named by `--categorical`, `--forbid` and `--groups` is a
/// feature column of the table; a group column holds categories or
/// booleans.
fn check_columns(table: &Table, p: &CompileParams, path: &Path) -> Result<(), Error> {
    let features: Vec<String> = table.columns().iter().map(|c| c.name.clone()).collect();
    // Every name that is no feature column at once: three slips, one run.
    // The split or teacher column is a column, but not a feature.
    let mut unknown = Vec::new();
    for (role, names) in [
        ("--categorical", &p.categorical),
        ("--forbid", &p.forbid),
        ("--groups", &p.groups),
    ] {
        for name in names.iter().filter(|name| !features.contains(name)) {
            let what = if p.split_column.as_deref() == Some(name.as_str()) {
                "the split column"
            } else if matches!(&p.teacher, TeacherKind::Column(c) if c == name) {
                "the teacher's column"
            } else {
                unknown.push((role, name.clone()));
                continue;
            };
            return Err(Error::Params(format!(
                "{role} names `{name}`, {what}; it must name feature columns"
            )));
        }
    }
    if let Some(e) = Error::unknown_columns(path, unknown, &features) {
        return Err(e);
    }
    if !features.is_empty() && features.iter().all(|f| p.forbid.contains(f)) {
        return Err(Error::Params(format!(
            "--forbid names every feature column of {} ({}): no column is left for a rule to read",
            path.display(),
            features
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    for name in &p.groups {
        let Some(column) = table.columns().iter().find(|c| &c.name == name) else {
            continue;
        };
        if let crate::table::ColumnData::Numeric(values) = &column.data {
            // A few values (a count of children, a grade) are groups once
            // read as categories; hundreds of them would be as many groups.
            const FEW: usize = 50;
            let mut seen: Vec<u64> = Vec::new();
            for x in values.iter().filter(|x| !x.is_nan()) {
                let bits = (x + 0.0).to_bits();
                if !seen.contains(&bits) {
                    seen.push(bits);
                    if seen.len() > FEW {
                        break;
                    }
                }
            }
            let hint = if seen.len() <= FEW {
                format!(
                    ": to group by its {} values, read it as categories with --categorical {}",
                    seen.len(),
                    rulec_codegen::book::shell_word(name)
                )
            } else {
                String::new()
            };
            return Err(Error::Data {
                path: path.to_path_buf(),
                message: format!(
                    "column `{name}` (given as --groups) is numeric; groups need a column of categories or true/false{hint}"
                ),
            });
        }
    }
    Ok(())
}

/// A note per feature column that holds only the values of a split column
/// (`train`, `validation` or `valid`, `test`, at least two of them) when no
/// `--split-column` was given: read as a feature, it lets a rule test which
/// split a row was put in, and the rows are split again besides.
fn split_like_columns(table: &Table, p: &CompileParams) -> Vec<String> {
    if p.split_column.is_some() {
        return Vec::new();
    }
    let mut notes = Vec::new();
    for column in table.columns() {
        if p.forbid.contains(&column.name) {
            continue;
        }
        let crate::table::ColumnData::Categorical { levels, .. } = &column.data else {
            continue;
        };
        // The split each value names; `None` when one names none.
        let roles: Option<std::collections::BTreeSet<&str>> =
            levels.iter().map(|l| split::split_named(l)).collect();
        if roles.is_some_and(|r| r.len() >= 2) {
            let name = &column.name;
            notes.push(format!(
                "column `{name}` holds only {} values, as a split column does: if it marks each row's split, give --split-column {name} (read as a feature it lets a rule test which split a row is in, and rulec splits the rows again besides)",
                levels.iter().map(|l| format!("`{l}`")).collect::<Vec<_>>().join(", ")
            ));
        }
    }
    notes
}

/// What tells a file's versions apart without reading it: its size, its
/// time of last change and, on Unix, its device and inode (a file renamed
/// over the path is another inode). `None` when it cannot be read.
fn file_stamp(path: &Path) -> Option<(u64, Option<std::time::SystemTime>, u64, u64)> {
    let m = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let (dev, ino) = {
        use std::os::unix::fs::MetadataExt;
        (m.dev(), m.ino())
    };
    #[cfg(not(unix))]
    let (dev, ino) = (0, 0);
    Some((m.len(), m.modified().ok(), dev, ino))
}

/// SHA-256 of a file's bytes, read in blocks so large files need no memory.
pub fn sha256_file(path: &Path) -> Result<String, Error> {
    use std::io::Read;
    let io = |e| Error::Io {
        path: path.to_path_buf(),
        err: e,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file renamed over the path, or written to, has another stamp: a
    /// compile whose data changed while it read it is refused.
    #[test]
    fn a_file_replaced_or_written_has_another_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.csv");
        std::fs::write(&path, "x,y\n1,a\n").unwrap();
        let first = file_stamp(&path);
        assert!(first.is_some());
        assert_eq!(file_stamp(&path), first);
        let other = dir.path().join("other.csv");
        std::fs::write(&other, "x,y\n2,b\n").unwrap();
        std::fs::rename(&other, &path).unwrap();
        let renamed = file_stamp(&path);
        assert_ne!(renamed, first);
        std::fs::write(&path, "x,y\n2,b\n3,c\n").unwrap();
        assert_ne!(file_stamp(&path), renamed);
        assert_eq!(file_stamp(&dir.path().join("none.csv")), None);
    }
}
