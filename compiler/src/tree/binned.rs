//! Features binned for the tree learner: numbers cut at round thresholds
//! learned from the fitting rows, categories by frequency, missing values
//! (and categories the rules cannot name) in a bin of their own.

use crate::sums::Terms;
use crate::table::{ColumnData, Table, MISSING_CODE, OTHER_CODE};

/// Bin of a missing value.
pub const MISSING_BIN: u8 = 255;
/// Most bins a column gets (the missing bin aside).
pub const MAX_BINS: usize = 254;

/// How a column's bins map back to values.
#[derive(Clone, Debug, PartialEq)]
pub enum BinKind {
    /// Bin `i` holds values in `[cuts[i-1], cuts[i])`.
    Numeric {
        /// Ascending cut points.
        cuts: Vec<f64>,
    },
    /// Bin 0 is `false`, bin 1 is `true`.
    Boolean,
    /// Bin `i` holds the category codes `bin_levels[i]`.
    Categorical {
        /// Level codes per bin.
        bin_levels: Vec<Vec<u32>>,
    },
}

/// One column, binned.
#[derive(Clone, Debug)]
pub struct BinnedColumn {
    /// Bin per table row ([`MISSING_BIN`] for missing).
    pub bins: Vec<u8>,
    /// Number of bins in use.
    pub n_bins: usize,
    /// Meaning of the bins.
    pub kind: BinKind,
    /// Whether some fitting row's value is missing (a training row: where
    /// the rule set's schema says a column may be missing). [`MISSING_BIN`]
    /// also holds the categories the rules cannot name (rare levels past
    /// `--max-categories`, levels unseen in the fitting rows), so a split on
    /// it is `is missing` in a rule only when this is true. A value missing
    /// in a validation or test row alone made rules test `is missing` on a
    /// column the schema has none missing in, and the compile failed.
    pub has_missing: bool,
}

/// Every feature column of a table, binned with cut points learned from
/// the fitting rows only.
#[derive(Clone, Debug)]
pub struct Binned {
    /// Columns in table order, then one per sum of [`Binned::sums`].
    pub columns: Vec<BinnedColumn>,
    /// The sums of table columns binned after the table's own columns
    /// (column `n + i` of a table of `n` columns is the sum `sums[i]`):
    /// what lets a distilled tree split on a sum ([`crate::sums`]). Empty but for the candidate trees.
    pub sums: Vec<Terms>,
}

impl Binned {
    /// Bins every row of `table`, choosing bins from `fit_rows`.
    pub fn new(table: &Table, fit_rows: &[usize]) -> Binned {
        let columns = table
            .columns()
            .iter()
            .map(|c| bin_column(&c.data, fit_rows))
            .collect();
        Binned {
            columns,
            sums: Vec::new(),
        }
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.bins.len())
    }

    /// Bins every row of another table with the same columns (the
    /// synthetic rows) into these bins, as [`Binned::new`] binned the rows
    /// of its own table. `None` when the columns differ in number or type.
    pub fn bin_table(&self, table: &Table) -> Option<Binned> {
        if table.columns().len() != self.columns.len() {
            return None;
        }
        let columns = self
            .columns
            .iter()
            .zip(table.columns())
            .map(|(binned, column)| {
                let data = &column.data;
                let bins = match (&binned.kind, data) {
                    (BinKind::Numeric { cuts }, ColumnData::Numeric(values)) => {
                        values.iter().map(|&x| numeric_bin(cuts, x)).collect()
                    }
                    (BinKind::Boolean, ColumnData::Boolean(values)) => {
                        values.iter().map(|&v| boolean_bin(v)).collect()
                    }
                    (
                        BinKind::Categorical { bin_levels },
                        ColumnData::Categorical { codes, levels },
                    ) => {
                        let bin_of = bin_of_level(bin_levels, levels.len());
                        codes.iter().map(|&c| category_bin(&bin_of, c)).collect()
                    }
                    _ => return None,
                };
                Some(BinnedColumn {
                    bins,
                    n_bins: binned.n_bins,
                    kind: binned.kind.clone(),
                    // Every row of these is a fitting row (synthetic rows,
                    // drawn from the training rows).
                    has_missing: (0..data.len()).any(|i| data.is_missing(i)),
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Binned {
            columns,
            sums: Vec::new(),
        })
    }

    /// The same rows with the columns at `hidden` made constant (one bin,
    /// nothing missing), so no tree can split on them: how `--forbid` keeps
    /// columns away from every learned candidate while column indices stay
    /// those of the table.
    pub fn masked(&self, hidden: &[usize]) -> Binned {
        let columns = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if hidden.contains(&i) {
                    BinnedColumn {
                        bins: vec![0; c.bins.len()],
                        n_bins: 1,
                        kind: c.kind.clone(),
                        has_missing: false,
                    }
                } else {
                    c.clone()
                }
            })
            .collect();
        Binned {
            columns,
            sums: Vec::new(),
        }
    }

    /// These columns and, after them, each sum of table columns in `sums`,
    /// per row as [`crate::sums::values`] computes it, binned as a
    /// numeric column with cut points from `fit_rows`.
    pub fn with_sums(&self, table: &Table, fit_rows: &[usize], sums: &[Terms]) -> Binned {
        let mut out = self.clone();
        for terms in sums {
            let values = crate::sums::values(table, terms);
            out.columns
                .push(bin_column(&ColumnData::Numeric(values), fit_rows));
            out.sums.push(terms.clone());
        }
        out
    }

    /// These rows, then `other`'s (binned by [`Binned::bin_table`]), in
    /// one binning: a split on the missing bin names missing values when
    /// either has some.
    pub fn with_rows_of(&self, other: &Binned) -> Binned {
        let columns = self
            .columns
            .iter()
            .zip(&other.columns)
            .map(|(a, b)| BinnedColumn {
                bins: [a.bins.as_slice(), b.bins.as_slice()].concat(),
                n_bins: a.n_bins,
                kind: a.kind.clone(),
                has_missing: a.has_missing || b.has_missing,
            })
            .collect();
        Binned {
            columns,
            sums: Vec::new(),
        }
    }
}

/// A number's bin among ascending `cuts`.
fn numeric_bin(cuts: &[f64], x: f64) -> u8 {
    if x.is_nan() {
        MISSING_BIN
    } else {
        cuts.partition_point(|&c| c <= x) as u8
    }
}

fn boolean_bin(v: Option<bool>) -> u8 {
    v.map_or(MISSING_BIN, u8::from)
}

/// The bin of each of `n_levels` category codes (`u8::MAX` for a level in
/// no bin).
fn bin_of_level(bin_levels: &[Vec<u32>], n_levels: usize) -> Vec<u8> {
    let mut bin_of = vec![u8::MAX; n_levels];
    for (bin, levels) in bin_levels.iter().enumerate() {
        for &level in levels {
            if let Some(b) = bin_of.get_mut(level as usize) {
                *b = bin as u8;
            }
        }
    }
    bin_of
}

/// A category code's bin.
fn category_bin(bin_of: &[u8], c: u32) -> u8 {
    if c == MISSING_CODE || c == OTHER_CODE {
        return MISSING_BIN;
    }
    match bin_of.get(c as usize) {
        // Unseen in fitting rows: treated like missing by the learner;
        // rules never select it.
        Some(&b) if b != u8::MAX => b,
        _ => MISSING_BIN,
    }
}

fn bin_column(data: &ColumnData, fit_rows: &[usize]) -> BinnedColumn {
    let has_missing = fit_rows.iter().any(|&i| data.is_missing(i));
    match data {
        ColumnData::Numeric(values) => {
            let mut seen: Vec<f64> = fit_rows
                .iter()
                .map(|&i| values[i])
                .filter(|x| !x.is_nan())
                .collect();
            seen.sort_by(f64::total_cmp);
            let cuts = numeric_cuts(&seen);
            let bins = values.iter().map(|&x| numeric_bin(&cuts, x)).collect();
            BinnedColumn {
                bins,
                n_bins: cuts.len() + 1,
                kind: BinKind::Numeric { cuts },
                has_missing,
            }
        }
        ColumnData::Boolean(values) => BinnedColumn {
            bins: values.iter().map(|&v| boolean_bin(v)).collect(),
            n_bins: 2,
            kind: BinKind::Boolean,
            has_missing,
        },
        ColumnData::Categorical { codes, levels } => {
            // Frequent levels get a bin each; past MAX_BINS the rarest share
            // the last bin. Levels never seen in the fitting rows share it too.
            let mut counts = vec![0usize; levels.len()];
            for &i in fit_rows {
                if codes[i] != MISSING_CODE && codes[i] != OTHER_CODE {
                    counts[codes[i] as usize] += 1;
                }
            }
            let mut order: Vec<usize> = (0..levels.len()).filter(|&l| counts[l] > 0).collect();
            order.sort_by(|&a, &b| counts[b].cmp(&counts[a]).then(a.cmp(&b)));
            let mut bin_levels: Vec<Vec<u32>> = Vec::new();
            for (rank, &level) in order.iter().enumerate() {
                let bin = rank.min(MAX_BINS - 1);
                if bin_levels.len() <= bin {
                    bin_levels.push(Vec::new());
                }
                bin_levels[bin].push(level as u32);
            }
            let n_bins = bin_levels.len().max(1);
            let bin_of = bin_of_level(&bin_levels, levels.len());
            let bins = codes.iter().map(|&c| category_bin(&bin_of, c)).collect();
            BinnedColumn {
                bins,
                n_bins,
                kind: BinKind::Categorical { bin_levels },
                has_missing,
            }
        }
    }
}

/// Cut points for sorted, non-NaN values: between every pair of distinct
/// neighbours when there are few, else at quantiles. Values that differ
/// only by a float's rounding (a difference of prices, `10.1 - 39.6`,
/// lands at -29.500000000000004 on one row and -29.5 on the next) are one
/// value here: no cut falls between them, where only an unround number
/// (`< -29.500000000000004`) could sit.
pub(super) fn numeric_cuts(sorted: &[f64]) -> Vec<f64> {
    let groups = float_groups(sorted);
    let mut cuts = Vec::new();
    if groups.len() <= MAX_BINS {
        for w in groups.windows(2) {
            cuts.push(nice_between(w[0].1, w[1].0));
        }
        return cuts;
    }
    // Many values: one cut near each quantile. Each cut is the roundest
    // number within half a bin of its quantile, so that a boundary in the
    // data at 50 is found at 50 and not at the 49.8 a quantile happens to hit.
    let n = sorted.len();
    let at = |num: usize| sorted[(num * n / (2 * MAX_BINS)).min(n - 1)];
    for q in 1..MAX_BINS {
        let (lo, hi) = (at(2 * q - 1), at(2 * q + 1));
        let c = if lo < hi {
            nice_between(lo, hi)
        } else {
            let b = at(2 * q);
            let below = sorted.partition_point(|&x| x < b);
            if below == 0 {
                continue;
            }
            nice_between(sorted[below - 1], b)
        };
        let c = off_groups(c, &groups);
        if cuts.last().is_none_or(|&last| c > last) {
            cuts.push(c);
        }
    }
    cuts
}

/// The runs of sorted values that differ from their neighbours by no more
/// than a float's rounding (a relative 1e-12), as `(least, greatest)`;
/// an infinity is a run of its own.
fn float_groups(sorted: &[f64]) -> Vec<(f64, f64)> {
    let mut groups: Vec<(f64, f64)> = Vec::new();
    for &x in sorted {
        match groups.last_mut() {
            // Infinities are values of their own: `inf - x` is no rounding.
            Some((_, hi))
                if x == *hi
                    || (x.is_finite()
                        && hi.is_finite()
                        && x - *hi <= 1e-12 * x.abs().max(hi.abs())) =>
            {
                *hi = x
            }
            _ => groups.push((x, x)),
        }
    }
    groups
}

/// `c`, or when it falls inside one of `groups` (above its least value, so
/// that a rule `< c` would part values equal but for rounding), the
/// roundest cut just below that group, else just above it.
fn off_groups(c: f64, groups: &[(f64, f64)]) -> f64 {
    let i = groups.partition_point(|&(_, hi)| hi < c);
    match groups.get(i) {
        Some(&(lo, _)) if lo < c && i > 0 => nice_between(groups[i - 1].1, lo),
        Some(&(_, hi)) if groups[i].0 < c => match groups.get(i + 1) {
            Some(&(next, _)) => nice_between(hi, next),
            None => c,
        },
        _ => c,
    }
}

/// The number with the fewest significant digits in `(a, b]`, so that
/// thresholds read well: `nice_between(49.7, 50.3) == 50`.
pub fn nice_between(a: f64, b: f64) -> f64 {
    debug_assert!(a < b);
    if !(a.is_finite() && b.is_finite()) {
        return if b.is_finite() { b } else { a.max(0.0) + 1.0 };
    }
    let magnitude = a.abs().max(b.abs()).max(f64::MIN_POSITIVE);
    let top = magnitude.log10().floor() as i32 + 1;
    for e in (top - 18..=top).rev() {
        let step = 10f64.powi(e);
        let k = (a / step).floor() as i128 + 1;
        for kk in [k - 1, k, k + 1] {
            if let Ok(c) = format!("{kk}e{e}").parse::<f64>() {
                if a < c && c <= b {
                    return c;
                }
            }
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{Column, TargetData};

    fn table(n: usize, offset: usize) -> Table {
        Table::new(
            vec![
                Column {
                    name: "x".into(),
                    data: ColumnData::Numeric(
                        (offset..offset + n)
                            .map(|i| {
                                if i % 9 == 0 {
                                    f64::NAN
                                } else {
                                    (i % 50) as f64
                                }
                            })
                            .collect(),
                    ),
                },
                Column {
                    name: "c".into(),
                    data: ColumnData::Categorical {
                        codes: (offset..offset + n)
                            .map(|i| match i % 7 {
                                0 => MISSING_CODE,
                                1 => OTHER_CODE,
                                r => (r % 4) as u32,
                            })
                            .collect(),
                        levels: vec!["a".into(), "b".into(), "c".into(), "d".into()],
                    },
                },
                Column {
                    name: "f".into(),
                    data: ColumnData::Boolean(
                        (offset..offset + n)
                            .map(|i| (i % 5 != 0).then_some(i % 2 == 0))
                            .collect(),
                    ),
                },
            ],
            "y".into(),
            TargetData::Classes {
                names: vec!["a".into()],
                labels: vec![0; n],
                logged: None,
            },
        )
    }

    #[test]
    fn another_table_is_binned_at_the_fitting_rows_cuts() {
        let real = table(300, 0);
        // Level "d" (code 3) only after row 100: unseen by the fitting rows.
        let fit: Vec<usize> = (0..100).filter(|i| i % 7 != 3).collect();
        let binned = Binned::new(&real, &fit);
        // The table's own rows bin as Binned::new binned them.
        let again = binned.bin_table(&real).unwrap();
        for (a, b) in again.columns.iter().zip(&binned.columns) {
            assert_eq!((&a.bins, a.n_bins, &a.kind), (&b.bins, b.n_bins, &b.kind));
        }
        // Another table's rows get the bins their values have in the real one.
        let other = table(200, 1000);
        let bins = binned.bin_table(&other).unwrap();
        let whole = Binned::new(&table(1200, 0), &fit);
        for (j, col) in bins.columns.iter().enumerate() {
            assert_eq!(col.bins, whole.columns[j].bins[1000..]);
        }
        // Appended: one binning of both, rows in order.
        let both = binned.with_rows_of(&bins);
        assert_eq!(both.n_rows(), 500);
        assert_eq!(both.columns[0].bins[300..], bins.columns[0].bins[..]);
        assert_eq!(both.columns[1].kind, binned.columns[1].kind);
        // Columns that differ are refused.
        let fewer = other.with_columns(other.columns()[..other.columns().len() - 1].to_vec());
        assert!(binned.bin_table(&fewer).is_none());
    }

    #[test]
    fn missing_values_of_either_table_name_the_missing_bin() {
        let base = table(100, 1);
        let mut columns = base.columns().to_vec();
        if let ColumnData::Numeric(x) = &mut columns[0].data {
            x.iter_mut()
                .for_each(|v| *v = if v.is_nan() { 1.0 } else { *v });
        }
        let real = base.with_columns(columns);
        let rows: Vec<usize> = (0..100).collect();
        let binned = Binned::new(&real, &rows);
        assert!(!binned.columns[0].has_missing);
        let other = binned.bin_table(&table(10, 0)).unwrap();
        assert!(other.columns[0].has_missing);
        assert!(binned.with_rows_of(&other).columns[0].has_missing);
    }
}
