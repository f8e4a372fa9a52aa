//! Splits rows into train, validation and test.
//!
//! Either the user's own split column (`train`, `validation` or `valid`,
//! `test`) or a stratified 60/20/20 split drawn from the seed: within each
//! class the rows are shuffled and cut, so every split keeps the class mix
//! (classes of under [`RARE_CLASS_ROWS`] rows are cut together).

use rulec_datasets::Rng;

use crate::error::Error;
use crate::table::Table;

/// Row indices of each split, ascending.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Splits {
    /// Training rows: teacher and tree learner.
    pub train: Vec<usize>,
    /// Validation rows: rule certification.
    pub validation: Vec<usize>,
    /// Test rows: reported only.
    pub test: Vec<usize>,
    /// How the split was made, for the rule book.
    pub method: String,
}

/// Splits the table's rows: by its split column when it has one, else
/// stratified from `seed` by [`Table::strata`] (class, or decile of a
/// numeric target).
pub fn split(
    table: &Table,
    split_column: Option<&str>,
    shares: Shares,
    seed: u64,
) -> Result<Splits, Error> {
    match (table.split(), split_column) {
        (Some(values), Some(name)) => by_column(values, name),
        _ => {
            let (strata, n_strata) = table.strata();
            let mut s = stratified(strata, n_strata, shares, seed);
            // A numeric target's strata are the deciles of its values.
            if table.classes().is_empty() {
                s.method = s.method.replace(" by class,", " by decile of the target,");
            }
            Ok(s)
        }
    }
}

/// The shares of the rows, in percent, for a split rulec makes
/// (`--split TRAIN/VALIDATION/TEST`, 60/20/20 by default). Validation rows
/// are what certification stands on: more of them let smaller or less
/// pure rule sets pass. Test rows only report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shares {
    /// Percent of rows to train on (the teacher and the candidates).
    pub train: u32,
    /// Percent of rows to certify on.
    pub validation: u32,
    /// Percent of rows to report on (0: no test figures).
    pub test: u32,
}

impl Default for Shares {
    fn default() -> Self {
        Shares {
            train: 60,
            validation: 20,
            test: 20,
        }
    }
}

impl std::fmt::Display for Shares {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.train, self.validation, self.test)
    }
}

impl std::str::FromStr for Shares {
    type Err = String;

    fn from_str(s: &str) -> Result<Shares, String> {
        let bad = || {
            format!(
                "expected TRAIN/VALIDATION/TEST percentages that sum to 100, train and validation above 0 (such as 60/20/20 or 50/30/20), got `{s}`"
            )
        };
        let parts: Vec<u32> = s
            .split('/')
            .map(|p| p.trim().parse::<u32>())
            .collect::<Result<_, _>>()
            .map_err(|_| bad())?;
        let [train, validation, test] = parts[..] else {
            return Err(bad());
        };
        if train == 0 || validation == 0 || train + validation + test != 100 {
            return Err(bad());
        }
        Ok(Shares {
            train,
            validation,
            test,
        })
    }
}

/// The split a value of a split column names: `train` (or `training`),
/// `validation` (or `valid`, `val`) or `test` (or `testing`), in any case
/// and with spaces around it.
pub(crate) fn split_named(value: &str) -> Option<&'static str> {
    match value.trim().to_ascii_lowercase().as_str() {
        "train" | "training" => Some("train"),
        "validation" | "valid" | "val" => Some("validation"),
        "test" | "testing" => Some("test"),
        _ => None,
    }
}

fn by_column(values: &[String], name: &str) -> Result<Splits, Error> {
    let mut s = Splits {
        method: format!("given by column `{name}`"),
        ..Splits::default()
    };
    // Values that name no split, distinct, in the order of their first row.
    let mut seen = std::collections::HashSet::new();
    let mut bad = Vec::new();
    let mut first_bad = None;
    for (i, v) in values.iter().enumerate() {
        match split_named(v) {
            Some("train") => s.train.push(i),
            Some("validation") => s.validation.push(i),
            Some(_) => s.test.push(i),
            None => {
                if seen.insert(v.as_str()) {
                    bad.push(v.as_str());
                }
                first_bad.get_or_insert(i);
            }
        }
    }
    if let Some(first) = first_bad {
        let shown: Vec<String> = bad
            .iter()
            .take(5)
            .map(|v| {
                if v.trim().is_empty() {
                    "an empty cell".to_string()
                } else {
                    format!("`{v}`")
                }
            })
            .collect();
        let listed = match &shown[..] {
            [one] => one.clone(),
            [rest @ .., last] if bad.len() <= 5 => format!("{} and {last}", rest.join(", ")),
            _ => format!("{}, ... ({} values)", shown.join(", "), bad.len()),
        };
        return Err(Error::Params(format!(
            "split column `{name}` holds {listed} (the first such row is data row {}, with {}), where every row needs `train`, `validation` or `test` (also written `training`, `valid`, `val` or `testing`)",
            first + 1,
            match values[first].trim() {
                "" => "an empty cell".to_string(),
                v => format!("`{v}`"),
            }
        )));
    }
    if s.train.is_empty() || s.validation.is_empty() {
        return Err(Error::Params(format!(
            "split column `{name}` needs `train` and `validation` rows; it has {} and {}",
            s.train.len(),
            s.validation.len()
        )));
    }
    Ok(s)
}

/// Classes with fewer rows than this are split together, as one stratum:
/// cut one by one, a class of 1 to 4 rows would put nearly all of them in
/// the training rows (rounded up), and a target of many small classes
/// would leave the validation and test splits far smaller than asked.
pub const RARE_CLASS_ROWS: usize = 10;

/// Stratified split at `shares`, deterministic in `seed`. Each class with
/// at least [`RARE_CLASS_ROWS`] rows is cut on its own; the rows of the
/// rarer classes are cut together, after them.
pub fn stratified(labels: &[u32], n_classes: usize, shares: Shares, seed: u64) -> Splits {
    let mut rng = Rng::derive(seed, 0x0053_504c_4954);
    let mut s = Splits {
        method: format!("stratified {shares} by class, seed {seed}"),
        ..Splits::default()
    };
    let cut = |rows: &[usize], s: &mut Splits| {
        let n = rows.len();
        // Training rows rounded up, validation rows to the nearest.
        let n_train = (n * shares.train as usize).div_ceil(100).min(n);
        let n_valid = (n * shares.validation as usize + 50) / 100;
        s.train.extend_from_slice(&rows[..n_train]);
        s.validation
            .extend_from_slice(&rows[n_train..(n_train + n_valid).min(n)]);
        s.test
            .extend_from_slice(&rows[(n_train + n_valid).min(n)..]);
    };
    let mut rare: Vec<usize> = Vec::new();
    let mut rare_classes = 0usize;
    for class in 0..n_classes as u32 {
        let mut rows: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        if rows.is_empty() {
            continue;
        }
        if rows.len() < RARE_CLASS_ROWS {
            rare.extend_from_slice(&rows);
            rare_classes += 1;
            continue;
        }
        rng.shuffle(&mut rows);
        cut(&rows, &mut s);
    }
    if !rare.is_empty() {
        rng.shuffle(&mut rare);
        cut(&rare, &mut s);
        s.method.push_str(&format!(
            " ({rare_classes} {} of under {RARE_CLASS_ROWS} rows split together)",
            if rare_classes == 1 {
                "class"
            } else {
                "classes"
            }
        ));
    }
    s.train.sort_unstable();
    s.validation.sort_unstable();
    s.test.sort_unstable();
    s
}

/// Whether no two rows of `data` hold one value (missing values aside),
/// and the values are text or whole numbers: a row number, a key, a time
/// stamp in milliseconds. Such a column tells one copy of a record from
/// another, not one record from another. (Measurements with many digits
/// hold a value per row too, and tell records apart: not these.)
pub fn a_value_per_row(data: &crate::table::ColumnData) -> bool {
    use crate::table::ColumnData;
    let mut seen: Vec<u64> = match data {
        ColumnData::Numeric(v) if v.iter().any(|x| x.fract() != 0.0 && !x.is_nan()) => {
            return false
        }
        ColumnData::Numeric(v) => v
            .iter()
            .filter(|x| !x.is_nan())
            .map(|x| (x + 0.0).to_bits())
            .collect(),
        ColumnData::Boolean(_) => return false,
        ColumnData::Categorical { codes, .. } => codes
            .iter()
            .filter(|&&c| c != crate::table::MISSING_CODE)
            .map(|&c| u64::from(c))
            .collect(),
    };
    let present = seen.len();
    seen.sort_unstable();
    seen.dedup();
    present >= 2 && seen.len() == present
}

/// The columns rows are compared on to find copies of one record: every
/// column but those holding a value per row ([`a_value_per_row`]), as a
/// record written twice often differs in its row number or the time it
/// was written (with an `id` column, records written 4 times were not
/// found, and noise sets at 0.94 passed 0.95 on about 20 % of compiles);
/// every column when all hold a value per row.
fn record_columns(table: &Table) -> Vec<&crate::table::ColumnData> {
    let left_out = columns_copies_may_differ_in(table);
    table
        .columns()
        .iter()
        .filter(|c| !left_out.contains(&c.name.as_str()))
        .map(|c| &c.data)
        .collect()
}

/// The names of the columns [`record_columns`] leaves out.
pub fn columns_copies_may_differ_in(table: &Table) -> Vec<&str> {
    let names: Vec<&str> = table
        .columns()
        .iter()
        .filter(|c| a_value_per_row(&c.data))
        .map(|c| c.name.as_str())
        .collect();
    if names.len() == table.columns().len() {
        Vec::new()
    } else {
        names
    }
}

/// For each row, the first row it repeats exactly (the target and every
/// column of [`record_columns`]), itself when it repeats none. Rows are
/// compared by a hash of their cells, then cell by cell.
pub fn first_copies(table: &Table) -> Vec<usize> {
    use crate::table::{ColumnData, TargetData};
    let n = table.n_rows();
    let columns = record_columns(table);
    let cell = |data: &ColumnData, i: usize| -> u64 {
        match data {
            // Every NaN (a missing value) is one cell; -0 is 0.
            ColumnData::Numeric(v) if v[i].is_nan() => u64::MAX,
            ColumnData::Numeric(v) => (v[i] + 0.0).to_bits(),
            ColumnData::Boolean(v) => v[i].map_or(2, u64::from),
            ColumnData::Categorical { codes, .. } => u64::from(codes[i]),
        }
    };
    let target = |i: usize| -> u64 {
        match table.target() {
            Some(TargetData::Classes { labels, .. }) => u64::from(labels[i]),
            Some(TargetData::Values { values, .. }) => (values[i] + 0.0).to_bits(),
            None => 0,
        }
    };
    let same = |a: usize, b: usize| {
        target(a) == target(b) && columns.iter().all(|c| cell(c, a) == cell(c, b))
    };
    let mut first_of: std::collections::HashMap<u64, usize> =
        std::collections::HashMap::with_capacity(n);
    (0..n)
        .map(|i| {
            // FNV-1a over the row's cells.
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for x in columns.iter().map(|c| cell(c, i)).chain([target(i)]) {
                h = (h ^ x).wrapping_mul(0x0000_0100_0000_01b3);
            }
            match first_of.entry(h) {
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(i);
                    i
                }
                // A hash shared by rows that differ counts as no copy.
                std::collections::hash_map::Entry::Occupied(e) => {
                    if same(*e.get(), i) {
                        *e.get()
                    } else {
                        i
                    }
                }
            }
        })
        .collect()
}

/// Whether a table's rows that repeat another exactly (`first`, from
/// [`first_copies`]) are more likely one record written more than once (a
/// join, an export run twice, a retried event logged again) than rows that
/// happen to agree. Coarse values repeat on their own (10,000 rows of `x`
/// in steps of 0.1 up to 100 hold 9,000 repeats), so one column says
/// nothing; the fine numeric columns together do (each with at least one
/// value per 20 rows, or 1,000, the two finest' numbers of values
/// multiplying to 20 times the rows or more): at least
/// [`MIN_RECORD_COPIES`] rows repeat an earlier row's values in all of
/// them, 4 times as many as those columns' own frequencies make by
/// chance, and 9 in 10 of them repeat that row in every column too. Rows
/// that agree on fine numbers by nature (a weather station's place; the
/// demo's 200,000 deliveries, whose distances and weights in tenths repeat
/// together 72,839 times, every column only 2,140 times) differ elsewhere;
/// a record's copies do not. (The first version asked for one row in 4
/// repeating a pair of them, and for copies in one row in 20: the
/// wrong-label records written 5 times, a fifth of the rows, passed 0.95 at
/// 0.94 on 12 of 100 compiles.)
pub fn copies_are_records(table: &Table, first: &[usize]) -> bool {
    let n = table.n_rows();
    let enough = (n / 20).clamp(20, 1000);
    let bits_of = |v: &[f64]| -> Vec<u64> {
        v.iter()
            .filter(|x| !x.is_nan())
            .map(|x| (x + 0.0).to_bits())
            .collect()
    };
    let mut fine: Vec<(usize, &[f64])> = record_columns(table)
        .into_iter()
        .filter_map(|c| match c {
            crate::table::ColumnData::Numeric(v) => {
                let mut bits = bits_of(v);
                bits.sort_unstable();
                bits.dedup();
                (bits.len() >= enough).then_some((bits.len(), v.as_slice()))
            }
            _ => None,
        })
        .collect();
    // The two with the most values first.
    fine.sort_by_key(|f| std::cmp::Reverse(f.0));
    let [(d1, _), (d2, _), ..] = fine[..] else {
        return false;
    };
    if (d1 as f64) * (d2 as f64) < 20.0 * n as f64 {
        return false;
    }
    // Every missing value is one value here.
    let cell = |v: &[f64], i: usize| {
        if v[i].is_nan() {
            u64::MAX
        } else {
            (v[i] + 0.0).to_bits()
        }
    };
    let mut earlier: std::collections::HashSet<Vec<u64>> = std::collections::HashSet::new();
    let (mut tuple_repeats, mut row_repeats) = (0usize, 0usize);
    for (i, &f) in first.iter().enumerate().take(n) {
        if !earlier.insert(fine.iter().map(|&(_, v)| cell(v, i)).collect()) {
            tuple_repeats += 1;
            row_repeats += usize::from(f != i);
        }
    }
    // Pairs of rows agreeing on all of them by chance, were the columns
    // independent: the rows' pairs times the chance that two rows agree on
    // each column.
    let agree = |v: &[f64]| -> f64 {
        let mut bits: Vec<u64> = (0..v.len()).map(|i| cell(v, i)).collect();
        bits.sort_unstable();
        let total = bits.len() as f64;
        bits.chunk_by(|x, y| x == y)
            .map(|run| (run.len() as f64 / total).powi(2))
            .sum()
    };
    let by_chance = (n as f64).powi(2) / 2.0 * fine.iter().map(|&(_, v)| agree(v)).product::<f64>();
    tuple_repeats >= MIN_RECORD_COPIES
        && tuple_repeats as f64 >= 4.0 * by_chance
        && row_repeats * 10 >= tuple_repeats * 9
}

/// The fewest rows repeating another in the fine columns and every other
/// one that mark records written more than once ([`copies_are_records`]).
pub const MIN_RECORD_COPIES: usize = 10;

/// Puts every row that repeats an earlier row on that row's side of the
/// split, so that no validation or test row is a copy of a training row
/// (or of one another across sides). Returns how many rows moved.
pub fn keep_copies_together(s: &mut Splits, first: &[usize]) -> usize {
    const TRAIN: u8 = 0;
    const VALID: u8 = 1;
    const TEST: u8 = 2;
    let mut side = vec![TRAIN; first.len()];
    for &r in &s.validation {
        side[r] = VALID;
    }
    for &r in &s.test {
        side[r] = TEST;
    }
    let mut moved = 0;
    for r in 0..first.len() {
        // The first row of a group comes before every copy of it.
        let to = side[first[r]];
        if side[r] != to {
            side[r] = to;
            moved += 1;
        }
    }
    if moved > 0 {
        let rows = |which: u8| (0..side.len()).filter(|&r| side[r] == which).collect();
        s.train = rows(TRAIN);
        s.validation = rows(VALID);
        s.test = rows(TEST);
    }
    moved
}

/// Splits `rows` into two parts, stratified by class: the second holds
/// about `share` of each class. Both parts ascending; deterministic in `seed`.
pub fn holdout(
    rows: &[usize],
    labels: &[u32],
    n_classes: usize,
    share: f64,
    seed: u64,
) -> (Vec<usize>, Vec<usize>) {
    let mut rng = Rng::derive(seed, 0x484f_4c44);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for class in 0..n_classes as u32 {
        let mut these: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|&r| labels[r] == class)
            .collect();
        rng.shuffle(&mut these);
        let n_b = (these.len() as f64 * share).round() as usize;
        b.extend_from_slice(&these[..n_b]);
        a.extend_from_slice(&these[n_b..]);
    }
    a.sort_unstable();
    b.sort_unstable();
    (a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table of `x` (numeric) and `y` (classes) from `(x, class)` pairs.
    fn table_of(rows: &[(f64, u32)]) -> Table {
        use crate::table::{Column, TargetData};
        Table::new(
            vec![Column::numeric("x", rows.iter().map(|r| r.0).collect())],
            "y".into(),
            TargetData::Classes {
                names: vec!["a".into(), "b".into()],
                labels: rows.iter().map(|r| r.1).collect(),
                logged: None,
            },
        )
    }

    /// A row repeats another when every cell and the label agree (NaN with
    /// NaN, -0 with 0); its copies follow the first row to its side.
    #[test]
    fn copies_of_a_row_are_found_and_kept_on_its_side() {
        let t = table_of(&[
            (1.0, 0),
            (2.0, 0),
            (1.0, 0),
            (1.0, 1),
            (f64::NAN, 0),
            (f64::NAN, 0),
            (-0.0, 1),
            (0.0, 1),
        ]);
        assert_eq!(first_copies(&t), [0, 1, 0, 3, 4, 4, 6, 6]);
        let mut s = Splits {
            train: vec![0, 1, 4, 7],
            validation: vec![2, 3, 5],
            test: vec![6],
            method: String::new(),
        };
        assert_eq!(keep_copies_together(&mut s, &first_copies(&t)), 3);
        assert_eq!(s.train, [0, 1, 2, 4, 5]);
        assert_eq!(s.validation, [3]);
        assert_eq!(s.test, [6, 7]);
        // One column says nothing of records: coarse values repeat.
        assert!(!copies_are_records(&t, &first_copies(&t)));
        let many: Vec<(f64, u32)> = (0..400).map(|i| (f64::from(i % 40), 0)).collect();
        let t = table_of(&many);
        assert!(!copies_are_records(&t, &first_copies(&t)));
    }

    /// Copies of a record that differ only in a column holding a value per
    /// row (a row number) are copies; without another column, such a
    /// column is compared too.
    #[test]
    fn copies_may_differ_in_a_column_that_holds_a_value_per_row() {
        use crate::table::{Column, TargetData};
        let table = |columns: Vec<Column>| {
            Table::new(
                columns,
                "y".into(),
                TargetData::Classes {
                    names: vec!["p".into()],
                    labels: vec![0; 6],
                    logged: None,
                },
            )
        };
        let id = || Column::numeric("id", (0..6).map(f64::from).collect());
        let x = Column::numeric("x", vec![1.0, 2.0, 1.0, 3.0, 2.0, f64::NAN]);
        let t = table(vec![id(), x]);
        assert_eq!(columns_copies_may_differ_in(&t), ["id"]);
        assert_eq!(first_copies(&t), [0, 1, 0, 3, 1, 5]);
        let t = table(vec![id()]);
        assert!(columns_copies_may_differ_in(&t).is_empty());
        assert_eq!(first_copies(&t), [0, 1, 2, 3, 4, 5]);
        // Missing values aside; one present value is no row number.
        let some = |v: Vec<f64>| a_value_per_row(&Column::numeric("v", v).data);
        assert!(some(vec![1.0, f64::NAN, 3.0, f64::NAN]));
        assert!(!some(vec![1.0, f64::NAN, f64::NAN]));
        assert!(!some(vec![1.0, 3.0, 1.0]));
        // A measurement with many digits tells records apart.
        assert!(!some(vec![1.25, 3.5, 7.0]));
    }

    /// Two fine columns that repeat together mark records written more
    /// than once; two that vary apart, or a coarse one, do not.
    #[test]
    fn copies_are_records_when_two_fine_columns_repeat_together() {
        use crate::table::{Column, TargetData};
        let table = |columns: Vec<(&str, Vec<f64>)>| {
            let n = columns[0].1.len();
            Table::new(
                columns
                    .into_iter()
                    .map(|(name, v)| Column::numeric(name, v))
                    .collect(),
                "y".into(),
                TargetData::Classes {
                    names: vec!["p".into()],
                    labels: vec![0; n],
                    logged: None,
                },
            )
        };
        let records = |t: &Table| copies_are_records(t, &first_copies(t));
        // 500 records, each written 4 times.
        let a: Vec<f64> = (0..2000).map(|i| f64::from(i % 500)).collect();
        let b: Vec<f64> = (0..2000).map(|i| f64::from((i % 500) * 7 % 503)).collect();
        assert!(records(&table(vec![("a", a.clone()), ("b", b.clone())])));
        // `b` holding a value per row: left out, and `a` alone says nothing.
        let apart: Vec<f64> = (0..2000).map(f64::from).collect();
        assert!(!records(&table(vec![("a", a.clone()), ("b", apart)])));
        // `b` coarse: 3 values.
        let coarse: Vec<f64> = (0..2000).map(|i| f64::from(i % 3)).collect();
        assert!(!records(&table(vec![("a", a), ("b", coarse)])));
        // 2,000 rows of 2,000 values each, 40 of them copies of other rows
        // (2 %): records, though far fewer than one row in 4.
        let mut rng = Rng::derive(7, 1);
        let mut x: Vec<f64> = (0..2000).map(|_| (rng.f64() * 1e4).round()).collect();
        let mut z: Vec<f64> = (0..2000).map(|_| (rng.f64() * 1e4).round()).collect();
        for i in 0..40 {
            x[1960 + i] = x[i];
            z[1960 + i] = z[i];
        }
        let mut c: Vec<f64> = (0..2000).map(|i| f64::from(i % 3)).collect();
        for i in 0..40 {
            c[1960 + i] = c[i];
        }
        assert!(records(&table(vec![
            ("x", x.clone()),
            ("z", z.clone()),
            ("c", c.clone())
        ])));
        // The same pairs repeated, another column differing on each: a
        // place measured twice, not a record written twice.
        let mut c2 = c.clone();
        for i in 0..40 {
            c2[1960 + i] = c[i] + 1.0;
        }
        let t = table(vec![("x", x.clone()), ("z", z.clone()), ("c", c2)]);
        assert!(!records(&t));
        // Two columns of 200 values each: pairs agree by chance (about 50
        // of 2,000 rows), copies or not.
        let few = |v: &[f64]| v.iter().map(|x| (x / 50.0).floor()).collect::<Vec<f64>>();
        assert!(!records(&table(vec![("x", few(&x)), ("z", few(&z))])));
    }

    #[test]
    fn stratified_keeps_proportions_and_is_deterministic() {
        let labels: Vec<u32> = (0..1000).map(|i| u32::from(i % 10 == 0)).collect();
        let a = stratified(&labels, 2, Shares::default(), 1);
        assert_eq!(a, stratified(&labels, 2, Shares::default(), 1));
        assert_ne!(a.train, stratified(&labels, 2, Shares::default(), 2).train);
        assert_eq!(a.train.len() + a.validation.len() + a.test.len(), 1000);
        assert_eq!(a.train.len(), 600);
        assert_eq!(a.validation.iter().filter(|&&i| labels[i] == 1).count(), 20);
    }

    #[test]
    fn many_small_classes_still_get_their_share_of_validation_and_test_rows() {
        // 200 classes of 1 to 4 rows each, and one class of 300: cut one by
        // one, the small ones would go almost whole to the training rows.
        let mut labels: Vec<u32> = (0..200u32)
            .flat_map(|c| vec![c; 1 + c as usize % 4])
            .collect();
        labels.extend(std::iter::repeat_n(200, 300));
        let n = labels.len();
        let s = stratified(&labels, 201, Shares::default(), 4);
        assert_eq!(s.train.len() + s.validation.len() + s.test.len(), n);
        let share = |k: usize| k as f64 / n as f64;
        assert!(
            (share(s.validation.len()) - 0.2).abs() < 0.01,
            "{}",
            s.validation.len()
        );
        assert!((share(s.test.len()) - 0.2).abs() < 0.01, "{}", s.test.len());
        // The large class is still cut on its own: 180/60/60.
        let big = |rows: &[usize]| rows.iter().filter(|&&i| labels[i] == 200).count();
        assert_eq!(
            (big(&s.train), big(&s.validation), big(&s.test)),
            (180, 60, 60)
        );
        assert!(
            s.method
                .ends_with("(200 classes of under 10 rows split together)"),
            "{}",
            s.method
        );
        assert_eq!(s, stratified(&labels, 201, Shares::default(), 4));
        // Without small classes the method says nothing more.
        let labels: Vec<u32> = (0..100).map(|i| u32::from(i % 2 == 0)).collect();
        assert_eq!(
            stratified(&labels, 2, Shares::default(), 4).method,
            "stratified 60/20/20 by class, seed 4"
        );
    }

    #[test]
    fn shares_are_read_checked_and_followed() {
        let labels: Vec<u32> = (0..1000).map(|i| u32::from(i % 10 == 0)).collect();
        let shares: Shares = "50/35/15".parse().unwrap();
        assert_eq!(shares.to_string(), "50/35/15");
        let s = stratified(&labels, 2, shares, 3);
        assert_eq!(
            (s.train.len(), s.validation.len(), s.test.len()),
            (500, 350, 150)
        );
        assert_eq!(s.validation.iter().filter(|&&i| labels[i] == 1).count(), 35);
        assert_eq!(s.method, "stratified 50/35/15 by class, seed 3");
        // No test rows at all is allowed: everything else certifies.
        let s = stratified(&labels, 2, "60/40/0".parse().unwrap(), 3);
        assert_eq!((s.validation.len(), s.test.len()), (400, 0));
        for bad in [
            "60/20",
            "60/20/30",
            "0/50/50",
            "50/0/50",
            "a/b/c",
            "60/20/20/0",
        ] {
            let e = bad.parse::<Shares>().unwrap_err();
            assert!(e.contains("sum to 100") && e.contains(bad), "{e}");
        }
    }

    #[test]
    fn column_values_are_checked() {
        let v: Vec<String> = ["train", "valid", "test", "oops"]
            .map(String::from)
            .to_vec();
        let err = by_column(&v, "split").unwrap_err().to_string();
        assert!(err.contains("`oops`"), "{err}");
        let v: Vec<String> = ["train", "validation"].map(String::from).to_vec();
        let s = by_column(&v, "split").unwrap();
        assert!(s.test.is_empty());
        // The other common spellings.
        let v: Vec<String> = ["Training", " val", "testing", "train"]
            .map(String::from)
            .to_vec();
        let s = by_column(&v, "split").unwrap();
        assert_eq!(
            (s.train, s.validation, s.test),
            (vec![0, 3], vec![1], vec![2])
        );
    }
}
