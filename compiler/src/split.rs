//! Splits rows into train, validation and test.
//!
//! Either the user's own split column (`train`, `validation` or `valid`,
//! `test`) or a stratified 60/20/20 split drawn from the seed: within each
//! class the rows are shuffled and cut, so every split keeps the class mix.

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
pub fn split(table: &Table, split_column: Option<&str>, seed: u64) -> Result<Splits, Error> {
    match (table.split(), split_column) {
        (Some(values), Some(name)) => by_column(values, name),
        _ => {
            let (strata, n_strata) = table.strata();
            Ok(stratified(strata, n_strata, seed))
        }
    }
}

fn by_column(values: &[String], name: &str) -> Result<Splits, Error> {
    let mut s = Splits {
        method: format!("given by column `{name}`"),
        ..Splits::default()
    };
    let mut bad = std::collections::BTreeSet::new();
    for (i, v) in values.iter().enumerate() {
        match v.trim().to_ascii_lowercase().as_str() {
            "train" => s.train.push(i),
            "validation" | "valid" => s.validation.push(i),
            "test" => s.test.push(i),
            _ => {
                bad.insert(v.clone());
            }
        }
    }
    if !bad.is_empty() {
        let shown: Vec<String> = bad.iter().take(5).map(|v| format!("`{v}`")).collect();
        return Err(Error::Params(format!(
            "split column `{name}` has values {}{}; expected `train`, `validation` (or `valid`) and `test`",
            shown.join(", "),
            if bad.len() > 5 { ", ..." } else { "" }
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

/// Stratified 60/20/20 split, deterministic in `seed`.
pub fn stratified(labels: &[u32], n_classes: usize, seed: u64) -> Splits {
    let mut rng = Rng::derive(seed, 0x0053_504c_4954);
    let mut s = Splits {
        method: format!("stratified 60/20/20 by class, seed {seed}"),
        ..Splits::default()
    };
    for class in 0..n_classes as u32 {
        let mut rows: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        rng.shuffle(&mut rows);
        let n = rows.len();
        let n_train = (n * 6).div_ceil(10);
        let n_valid = (n * 2 + 5) / 10;
        s.train.extend_from_slice(&rows[..n_train]);
        s.validation
            .extend_from_slice(&rows[n_train..(n_train + n_valid).min(n)]);
        s.test
            .extend_from_slice(&rows[(n_train + n_valid).min(n)..]);
    }
    s.train.sort_unstable();
    s.validation.sort_unstable();
    s.test.sort_unstable();
    s
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

    #[test]
    fn stratified_keeps_proportions_and_is_deterministic() {
        let labels: Vec<u32> = (0..1000).map(|i| u32::from(i % 10 == 0)).collect();
        let a = stratified(&labels, 2, 1);
        assert_eq!(a, stratified(&labels, 2, 1));
        assert_ne!(a.train, stratified(&labels, 2, 2).train);
        assert_eq!(a.train.len() + a.validation.len() + a.test.len(), 1000);
        assert_eq!(a.train.len(), 600);
        assert_eq!(a.validation.iter().filter(|&&i| labels[i] == 1).count(), 20);
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
    }
}
