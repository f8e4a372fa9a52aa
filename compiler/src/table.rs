//! The in-memory table every stage after ingest works on.
//!
//! Columns are typed and dense: numbers as `f64` with NaN for missing,
//! booleans as `Option<bool>`, categories as codes into a sorted level list.
//! The target is kept apart from the features ([`TargetData`]): class
//! indices, or numbers with their deciles as strata for splitting.

/// Code of a missing categorical value.
pub const MISSING_CODE: u32 = u32::MAX;
/// Code of a categorical value that is present but not among the kept
/// levels (a rare level past `--max-categories`): unknown to the rules.
pub const OTHER_CODE: u32 = u32::MAX - 1;

mod giveaway;
mod notes;
pub use notes::is_date;
pub(crate) use notes::number_with_sign;
use notes::{
    codes_as_numbers, dates_as_text, identifiers, numbers_but_for, numbers_but_outside,
    numbers_with_decimal_commas, numbers_with_signs, value_per_row,
};

pub(crate) use notes::{decimal_comma, shell_word, twins, whole_number};

/// "the N most frequent are" (`--max-categories N`), or "the most frequent
/// is" for one.
pub(crate) fn most_frequent_kept(max_categories: usize) -> String {
    if max_categories == 1 {
        "the most frequent is".to_string()
    } else {
        format!("the {max_categories} most frequent are")
    }
}

/// What to do about the categories past `--max-categories`: raise it while
/// the trees can use more. They give the 253 most frequent values a bin
/// each and the others one bin together: past that, more kept categories
/// are more values a rule may list, not more the trees tell apart.
pub(crate) fn more_categories_advice(max_categories: usize) -> &'static str {
    if max_categories < crate::tree::MAX_BINS - 1 {
        "raise --max-categories to keep more"
    } else {
        "the trees tell apart only the 253 most frequent either way, the others as one group, so a higher --max-categories would not help them"
    }
}

/// Whether `note` (one of [`Table::notes`]) is about one of `columns`: such
/// a note starts with "column `name`".
pub fn note_of(note: &str, columns: &[String]) -> bool {
    columns
        .iter()
        .any(|name| note.starts_with(&format!("column `{name}`")))
}

/// One feature column.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// Name as in the data file.
    pub name: String,
    /// Values.
    pub data: ColumnData,
}

impl Column {
    /// A column of numbers (NaN for missing).
    pub fn numeric(name: &str, values: Vec<f64>) -> Column {
        Column {
            name: name.to_string(),
            data: ColumnData::Numeric(values),
        }
    }
}

/// Values of a column.
#[derive(Clone, Debug, PartialEq)]
pub enum ColumnData {
    /// Numbers; NaN marks a missing value.
    Numeric(Vec<f64>),
    /// Booleans.
    Boolean(Vec<Option<bool>>),
    /// Codes into `levels` ([`MISSING_CODE`] for missing); levels sorted.
    Categorical {
        /// Per-row code.
        codes: Vec<u32>,
        /// Distinct values, sorted.
        levels: Vec<String>,
    },
}

impl ColumnData {
    /// Whether row `i` has no value.
    pub fn is_missing(&self, i: usize) -> bool {
        match self {
            ColumnData::Numeric(v) => v[i].is_nan(),
            ColumnData::Boolean(v) => v[i].is_none(),
            ColumnData::Categorical { codes, .. } => codes[i] == MISSING_CODE,
        }
    }

    /// Whether the rows `rows` all hold one and the same value (missing
    /// counting as a value): no test of the column tells them apart.
    pub fn is_constant_on(&self, rows: &[usize]) -> bool {
        let Some((&first, rest)) = rows.split_first() else {
            return true;
        };
        match self {
            ColumnData::Numeric(v) => {
                let same = |a: f64, b: f64| a == b || (a.is_nan() && b.is_nan());
                rest.iter().all(|&r| same(v[r], v[first]))
            }
            ColumnData::Boolean(v) => rest.iter().all(|&r| v[r] == v[first]),
            ColumnData::Categorical { codes, .. } => rest.iter().all(|&r| codes[r] == codes[first]),
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            ColumnData::Numeric(v) => v.len(),
            ColumnData::Boolean(v) => v.len(),
            ColumnData::Categorical { codes, .. } => codes.len(),
        }
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The target of a table read by ingest: what the rows are labelled with.
#[derive(Clone, Debug, PartialEq)]
pub enum TargetData {
    /// A class target.
    Classes {
        /// Class names, sorted.
        names: Vec<String>,
        /// Per-row class index into `names`.
        labels: Vec<u32>,
        /// Per-row class index of another model's decision, when a teacher
        /// column was named.
        logged: Option<Vec<u32>>,
    },
    /// A numeric target (`--tolerance`).
    Values {
        /// The value per row.
        values: Vec<f64>,
        /// The row's decile of the values (0 to 9): strata for stratified
        /// splitting, nothing else.
        strata: Vec<u32>,
        /// The teacher's value per row, when a teacher column was named.
        logged: Option<Vec<f64>>,
    },
}

/// Strata of a numeric target: its deciles.
pub const VALUE_STRATA: usize = 10;

/// Features and target of a dataset. Made by ingest (or, without a target,
/// by [`Table::features_only`] for synthetic rows) and read-only after.
#[derive(Clone, Debug)]
pub struct Table {
    /// Feature columns, in file order.
    columns: Vec<Column>,
    /// Target column name.
    target_name: String,
    /// The target; `None` for a table of synthetic rows, whose only labels
    /// are a teacher's.
    target: Option<TargetData>,
    /// The user's split column, when one was named: values per row.
    split: Option<Vec<String>>,
    /// Rows dropped at ingest because their label was missing.
    dropped_unlabelled: usize,
    /// What ingest changed or left out, in plain words, for the user.
    notes: Vec<String>,
    /// Text columns with a value of their own in nearly every training row,
    /// as an identifier has ([`Table::with_levels_from`]).
    identifiers: Vec<String>,
}

impl Table {
    /// A table of `columns` (each as long as the target) with a target.
    pub fn new(columns: Vec<Column>, target_name: String, target: TargetData) -> Table {
        Table {
            columns,
            target_name,
            target: Some(target),
            split: None,
            dropped_unlabelled: 0,
            notes: Vec::new(),
            identifiers: Vec::new(),
        }
    }

    /// The same table with each categorical column's levels taken from
    /// `rows` only (the training rows): a value never seen there becomes
    /// unknown ([`OTHER_CODE`]: no rule selects it, the fallback answers
    /// it), and past `max_categories` levels only the most frequent there
    /// stay known. So the schema, like every other choice, reads no
    /// validation or test row. Returns the table and what changed, in words;
    /// `sampled`: `rows` are a sample of the training rows (`--sample`),
    /// so a value not among them may be among the others.
    pub fn with_levels_from(
        mut self,
        rows: &[usize],
        max_categories: usize,
        sampled: bool,
    ) -> (Table, Vec<String>) {
        let mut notes = Vec::new();
        // The class of each training row, for the note on codes written as
        // numbers (a class target only).
        let classes: Option<Vec<u32>> = match &self.target {
            Some(TargetData::Classes { labels, .. }) => {
                Some(rows.iter().map(|&r| labels[r]).collect())
            }
            _ => None,
        };
        for column in &mut self.columns {
            if let ColumnData::Numeric(xs) = &column.data {
                notes.extend(codes_as_numbers(
                    &column.name,
                    rows.iter().map(|&r| xs[r]),
                    classes.as_deref(),
                ));
                continue;
            }
            let ColumnData::Categorical { codes, levels } = &mut column.data else {
                continue;
            };
            let mut counts = vec![0usize; levels.len()];
            for &r in rows {
                if let Some(n) = counts.get_mut(codes[r] as usize) {
                    *n += 1;
                }
            }
            let seen = counts.iter().filter(|&&n| n > 0).count();
            // Numbers but for a few cells (`n/k`): once those cells are
            // empty the column reads as numbers, so what the other notes
            // say of its values as text (an identifier's, the categories
            // kept) would only contradict the advice.
            let but_for = numbers_but_for(&column.name, levels, &counts);
            let numbers_but = but_for.is_some();
            notes.extend(but_for);
            let outside = numbers_but_outside(&column.name, levels, &counts);
            let made_text = outside.is_some() || numbers_but;
            notes.extend(outside);
            // Dates get their own note; raising --max-categories or naming
            // the dates outside the training rows would not help them.
            let dates = dates_as_text(&column.name, levels, &counts);
            let signs = numbers_with_signs(&column.name, levels, &counts)
                .or_else(|| numbers_with_decimal_commas(&column.name, levels, &counts));
            // An identifier gets one note, which says what the rules know
            // of its values too (the categories kept, and that new values
            // are unknown), not three.
            let ids = if dates.is_none() && signs.is_none() && !made_text {
                identifiers(&column.name, &counts, max_categories)
            } else {
                None
            };
            let quiet = dates.is_some() || signs.is_some() || made_text || ids.is_some();
            // Dates and amounts as text too: a value per row either way.
            if value_per_row(&counts) {
                self.identifiers.push(column.name.clone());
            }
            notes.extend(dates);
            notes.extend(signs);
            notes.extend(ids);
            let trained = (0..levels.len()).filter(|&l| counts[l] > 0);
            if let Some((a, b)) = twins(trained.map(|l| levels[l].as_str())) {
                notes.push(format!(
                    "column `{}` has values that differ only in case or the spaces around them (`{a}` and `{b}`), which are different categories to the rules; if they mean the same, write them alike",
                    column.name
                ));
            }
            // The most frequent first, ties by name; then the kept ones in
            // name order, as levels are.
            let mut kept: Vec<usize> = (0..levels.len()).filter(|&l| counts[l] > 0).collect();
            if kept.len() > max_categories {
                kept.sort_by(|&a, &b| counts[b].cmp(&counts[a]).then(levels[a].cmp(&levels[b])));
                kept.truncate(max_categories);
                kept.sort_unstable();
                let advice = more_categories_advice(max_categories);
                notes.extend((!quiet).then(|| format!(
                    "column `{}` has {seen} distinct values in the training rows; {} kept as categories and the others are unknown to the rules (no rule that tests the column answers them; a rule that does not test it still may); {advice}",
                    column.name,
                    most_frequent_kept(max_categories)
                )));
            }
            let unseen: Vec<&str> = (0..levels.len())
                .filter(|&l| counts[l] == 0)
                .map(|l| levels[l].as_str())
                .collect();
            if !unseen.is_empty() && !quiet {
                notes.push(format!(
                    "column `{}`: {} {} only outside the {}training rows ({}{}) {} unknown to the rules (no rule that tests the column answers them)",
                    column.name,
                    unseen.len(),
                    if unseen.len() == 1 { "value appears" } else { "values appear" },
                    if sampled { "sampled " } else { "" },
                    unseen.iter().take(3).map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", "),
                    if unseen.len() > 3 { ", …" } else { "" },
                    if unseen.len() == 1 { "and is" } else { "and are" },
                ));
            }
            if kept.len() == levels.len() {
                continue;
            }
            let mut new_code = vec![OTHER_CODE; levels.len()];
            for (to, &from) in kept.iter().enumerate() {
                new_code[from] = to as u32;
            }
            for c in codes.iter_mut() {
                if let Some(&to) = new_code.get(*c as usize) {
                    *c = to;
                }
            }
            *levels = kept
                .iter()
                .map(|&l| std::mem::take(&mut levels[l]))
                .collect();
        }
        (self, notes)
    }

    /// A table of `columns` and no target (synthetic rows).
    pub fn features_only(columns: Vec<Column>, target_name: String) -> Table {
        Table {
            columns,
            target_name,
            target: None,
            split: None,
            dropped_unlabelled: 0,
            notes: Vec::new(),
            identifiers: Vec::new(),
        }
    }

    /// The table with the user's split column values per row (ingest).
    pub(crate) fn with_split(mut self, split: Option<Vec<String>>) -> Table {
        self.split = split;
        self
    }

    /// Adds `notes` to what the table says about how it was read.
    pub(crate) fn add_notes(&mut self, notes: Vec<String>) {
        self.notes.extend(notes);
    }

    /// The table with what ingest dropped and noted.
    pub(crate) fn with_ingest_notes(
        mut self,
        dropped_unlabelled: usize,
        notes: Vec<String>,
    ) -> Table {
        self.dropped_unlabelled = dropped_unlabelled;
        self.notes = notes;
        self
    }

    /// This table without the columns named in `names` (the teacher's view
    /// with `--forbid-teacher`); rows, target and split stay the same.
    pub fn without_columns(&self, names: &[String]) -> Table {
        Table {
            columns: self
                .columns
                .iter()
                .filter(|c| !names.contains(&c.name))
                .cloned()
                .collect(),
            ..self.clone()
        }
    }

    /// The text columns with a value of their own in nearly every training
    /// row, as an identifier or a date written as text has (those the
    /// identifier's note names, from [`Table::with_levels_from`]).
    pub(crate) fn identifiers(&self) -> &[String] {
        &self.identifiers
    }

    /// A table of `columns` with this table's target and everything else:
    /// tests make tables of other values this way.
    #[cfg(test)]
    pub(crate) fn with_columns(&self, columns: Vec<Column>) -> Table {
        Table {
            columns,
            ..self.clone()
        }
    }

    /// Feature columns, in file order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Target column name.
    pub fn target_name(&self) -> &str {
        &self.target_name
    }

    /// The target; `None` for synthetic rows.
    pub fn target(&self) -> Option<&TargetData> {
        self.target.as_ref()
    }

    /// The user's split column values per row, when one was named.
    pub fn split(&self) -> Option<&[String]> {
        self.split.as_deref()
    }

    /// Rows dropped at ingest because their label was missing.
    pub fn dropped_unlabelled(&self) -> usize {
        self.dropped_unlabelled
    }

    /// What ingest changed or left out, for the user.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// [`Table::notes`] but those about the columns `forbidden` (each such
    /// note starts with "column `name`"): what a note says of a column no
    /// rule may read (keep rules off it, read it as categories) is moot.
    pub fn notes_but_of(&self, forbidden: &[String]) -> Vec<String> {
        self.notes
            .iter()
            .filter(|note| !note_of(note, forbidden))
            .cloned()
            .collect()
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.columns.first().map_or_else(
            || match &self.target {
                Some(TargetData::Classes { labels, .. }) => labels.len(),
                Some(TargetData::Values { values, .. }) => values.len(),
                None => 0,
            },
            |c| c.data.len(),
        )
    }

    /// Class names of a class target, sorted; empty for any other table.
    pub fn classes(&self) -> &[String] {
        match &self.target {
            Some(TargetData::Classes { names, .. }) => names,
            _ => &[],
        }
    }

    /// Number of classes of a class target; 0 for any other table.
    pub fn n_classes(&self) -> usize {
        self.classes().len()
    }

    /// Per-row class index of a class target; empty for any other table.
    pub fn labels(&self) -> &[u32] {
        match &self.target {
            Some(TargetData::Classes { labels, .. }) => labels,
            _ => &[],
        }
    }

    /// Per-row class index of a logged teacher column, for a class target.
    pub fn logged_labels(&self) -> Option<&[u32]> {
        match &self.target {
            Some(TargetData::Classes { logged, .. }) => logged.as_deref(),
            _ => None,
        }
    }

    /// The value per row of a numeric target.
    pub fn values(&self) -> Option<&[f64]> {
        match &self.target {
            Some(TargetData::Values { values, .. }) => Some(values),
            _ => None,
        }
    }

    /// The logged teacher column's value per row, for a numeric target.
    pub fn logged_values(&self) -> Option<&[f64]> {
        match &self.target {
            Some(TargetData::Values { logged, .. }) => logged.as_deref(),
            _ => None,
        }
    }

    /// Per-row stratum for stratified splits and the number of strata: the
    /// class of a class target, the decile of a numeric one; none without a
    /// target.
    pub fn strata(&self) -> (&[u32], usize) {
        match &self.target {
            Some(TargetData::Classes { names, labels, .. }) => (labels, names.len()),
            Some(TargetData::Values { strata, .. }) => (strata, VALUE_STRATA),
            None => (&[], 0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::notes::number_with_sign;
    use super::*;

    fn colour_table(values: &[Option<&str>]) -> Table {
        let mut levels: Vec<String> = values.iter().flatten().map(|v| v.to_string()).collect();
        levels.sort();
        levels.dedup();
        let codes = values
            .iter()
            .map(|v| {
                v.map_or(MISSING_CODE, |v| {
                    levels.iter().position(|l| l == v).unwrap() as u32
                })
            })
            .collect();
        Table::new(
            vec![Column {
                name: "colour".into(),
                data: ColumnData::Categorical { codes, levels },
            }],
            "y".into(),
            TargetData::Classes {
                names: vec!["a".into()],
                labels: vec![0; values.len()],
                logged: None,
            },
        )
    }

    fn codes_and_levels(t: &Table) -> (Vec<u32>, Vec<String>) {
        match &t.columns()[0].data {
            ColumnData::Categorical { codes, levels } => (codes.clone(), levels.clone()),
            _ => unreachable!(),
        }
    }

    #[test]
    fn levels_come_from_the_training_rows_only() {
        // Rows 0..4 train; `teal` appears only in row 5 (a test row), and
        // `red` is the most frequent in training but rarer overall.
        let t = colour_table(&[
            Some("red"),
            Some("red"),
            Some("blue"),
            None,
            Some("green"),
            Some("teal"),
            Some("blue"),
            Some("blue"),
        ]);
        let (all, notes) = t.clone().with_levels_from(&[0, 1, 2, 3, 4], 10, false);
        let (codes, levels) = codes_and_levels(&all);
        assert_eq!(levels, ["blue", "green", "red"]);
        assert_eq!(codes, [2, 2, 0, MISSING_CODE, 1, OTHER_CODE, 0, 0]);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("`teal`") && notes[0].contains("outside the training rows"));
        // Past the limit, the most frequent in training stay (red, then blue
        // and green tied at one: blue by name), though blue is more frequent
        // overall: the choice reads no other row.
        let (two, notes) = t.with_levels_from(&[0, 1, 2, 3, 4], 2, false);
        let (codes, levels) = codes_and_levels(&two);
        assert_eq!(levels, ["blue", "red"]);
        assert_eq!(codes, [1, 1, 0, MISSING_CODE, OTHER_CODE, OTHER_CODE, 0, 0]);
        assert!(notes[0].contains("the 2 most frequent"), "{notes:?}");
    }

    #[test]
    fn a_code_the_class_follows_is_read_from_the_training_rows_classes() {
        // 30 firms of 4 rows each, every third of another sector; the 120
        // rows after them are held out and of one sector throughout.
        let firm: Vec<f64> = (0..240).map(|i| f64::from(i % 30)).collect();
        let labels: Vec<u32> = (0..240)
            .map(|i| u32::from(i < 120 && (i % 30) % 3 == 0))
            .collect();
        let table = Table::new(
            vec![Column {
                name: "firm".into(),
                data: ColumnData::Numeric(firm),
            }],
            "sector".into(),
            TargetData::Classes {
                names: vec!["a".into(), "b".into()],
                labels,
                logged: None,
            },
        );
        let train: Vec<usize> = (0..120).collect();
        let (_, notes) = table.clone().with_levels_from(&train, 256, false);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("the class follows its values as it would a code's"));
        assert!(notes[0].contains("--categorical firm"), "{notes:?}");
        // Read on the other rows, where the sector never changes: no note.
        let held_out: Vec<usize> = (120..240).collect();
        assert!(table.with_levels_from(&held_out, 256, false).1.is_empty());
    }

    /// A value only in the held-out rows is unknown to the rules, and the
    /// note says where it was not seen: with `--sample`, outside the
    /// sampled training rows (it may be among the others).
    #[test]
    fn values_never_trained_on_are_named_with_the_rows_they_missed() {
        let cells = [Some("red"), Some("red"), Some("blue"), Some("green")];
        let (_, notes) = colour_table(&cells).with_levels_from(&[0, 1], 256, false);
        assert_eq!(
            notes,
            ["column `colour`: 2 values appear only outside the training rows (`blue`, `green`) and are unknown to the rules (no rule that tests the column answers them)"]
        );
        let (_, notes) = colour_table(&cells).with_levels_from(&[0, 1, 2], 256, true);
        assert_eq!(
            notes,
            ["column `colour`: 1 value appears only outside the sampled training rows (`green`) and is unknown to the rules (no rule that tests the column answers them)"]
        );
    }

    #[test]
    fn numbers_with_a_missing_marker_are_named() {
        // Nine numbers and a `?` in the training rows: the note names the
        // marker and says how to read the column as numbers.
        let mut cells: Vec<Option<&str>> = vec![
            Some("1.5"),
            Some("2"),
            Some("-3"),
            Some("4e1"),
            Some("5"),
            Some("6"),
            Some("7"),
            Some("8"),
            Some("9"),
            Some("?"),
        ];
        let train: Vec<usize> = (0..10).collect();
        let (_, notes) = colour_table(&cells).with_levels_from(&train, 256, false);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].contains("column `colour` is read as text")
                && notes[0].contains("`?` in 1 row")
                && notes[0].contains("leave those cells empty"),
            "{notes:?}"
        );
        // Real categories, or numbers outnumbered by text, get no such note.
        let (_, notes) = colour_table(&[Some("red"), Some("1"), Some("2")]).with_levels_from(
            &[0, 1, 2],
            256,
            false,
        );
        assert!(notes.is_empty(), "{notes:?}");
        cells[0] = Some("n/k");
        cells[1] = Some("unknown");
        let (_, notes) = colour_table(&cells).with_levels_from(&train, 256, false);
        assert!(notes.is_empty(), "{notes:?}");
    }

    #[test]
    fn dates_are_told_from_other_text() {
        for d in [
            "2024-03-15",
            "2024/3/5",
            "15.03.2024",
            "03/15/2024",
            "2024-03-15T08:30",
            "2024-03-15 08:30:59",
            "2024-03-15T08:30:59.123Z",
            "2024-03-15T08:30:59+02:00",
            "2024-03-15 08:30:59-0500",
            " 2024-03-15 ",
            "20-Nov-2024",
            "20-NOV-24",
            "20 November 2024",
            "Nov 20, 2024",
            "sept 3 2024",
            "20-Nov-2024 14:30",
        ] {
            assert!(is_date(d), "{d}");
        }
        for t in [
            "2024-13-01",
            "2024-03-32",
            "13/13/2024",
            "2024-03",
            "1.5.3",
            "12.5",
            "10:30",
            "2024-03-15T25:00",
            "2024-03-15 noon",
            "2024-03-15T08:30+2",
            "2024-03.15",
            "north",
            "",
            "32-Nov-2024",
            "20-Nov",
            "Nov 2024",
            "20-Noz-2024",
            "March of dimes 2024",
            "mar 20 202",
        ] {
            assert!(!is_date(t), "{t}");
        }
    }

    #[test]
    fn a_column_of_dates_gets_its_own_note() {
        // 336 distinct dates, every one in the 672 training rows, with a
        // limit of 100 categories: one note, about dates, not the advice to
        // raise --max-categories.
        let days: Vec<String> = (0..336)
            .map(|i| format!("2023-{:02}-{:02}", 1 + i / 28, 1 + i % 28))
            .collect();
        let cells: Vec<Option<&str>> = (0..800).map(|i| Some(days[i % 336].as_str())).collect();
        let train: Vec<usize> = (0..672).collect();
        let (_, notes) = colour_table(&cells).with_levels_from(&train, 100, false);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].starts_with("column `colour` holds dates (such as `2023-01-01`; ")
                && notes[0].contains("a later date matches none")
                && notes[0].ends_with("--forbid colour"),
            "{notes:?}"
        );
        // Mostly other text: the usual notes, none about dates.
        let mixed: Vec<Option<&str>> = (0..800)
            .map(|i| {
                Some(if i % 4 == 0 {
                    days[i % 336].as_str()
                } else {
                    "red"
                })
            })
            .collect();
        let (_, notes) = colour_table(&mixed).with_levels_from(&train, 10, false);
        assert!(notes.iter().all(|n| !n.contains("dates")), "{notes:?}");
        assert!(
            notes.iter().any(|n| n.contains("raise --max-categories")),
            "{notes:?}"
        );
        // Dates with the month's name, and times of day alone.
        let named: Vec<String> = (0..336)
            .map(|i| format!("{:02}-{}-2023", 1 + i % 28, ["Jan", "FEB", "mar"][i % 3]))
            .collect();
        let cells: Vec<Option<&str>> = (0..800).map(|i| Some(named[i % 336].as_str())).collect();
        let (_, notes) = colour_table(&cells).with_levels_from(&train, 100, false);
        assert!(
            notes[0].starts_with("column `colour` holds dates (such as `01-FEB-2023`; "),
            "{notes:?}"
        );
        let times: Vec<String> = (0..336)
            .map(|i| format!("{:02}:{:02}", i / 20, i % 60))
            .collect();
        let cells: Vec<Option<&str>> = (0..800).map(|i| Some(times[i % 336].as_str())).collect();
        let (_, notes) = colour_table(&cells).with_levels_from(&train, 100, false);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].starts_with("column `colour` holds times of day (such as `00:00`; ")
                && notes[0].contains("cannot say \"after 17:00\"")
                && notes[0].ends_with("--forbid colour"),
            "{notes:?}"
        );
    }

    #[test]
    fn numbers_with_currency_or_percent_signs_are_named() {
        assert_eq!(number_with_sign("$1,234.50"), Some((1234.5, '$')));
        assert_eq!(number_with_sign("-€3"), Some((-3.0, '€')));
        assert_eq!(number_with_sign("12.5 %"), Some((12.5, '%')));
        assert_eq!(number_with_sign(" 7% "), Some((7.0, '%')));
        assert_eq!(number_with_sign("(1,234.00)"), Some((-1234.0, '(')));
        assert_eq!(number_with_sign("($5)"), Some((-5.0, '(')));
        for plain in [
            "12", "1,234", "%", "$", "$abc", "12%%", "£ 1 2", "north", "(a)", "(-3)", "()",
        ] {
            assert_eq!(number_with_sign(plain), None, "{plain}");
        }
        // 300 prices, every one distinct, over the limit of 100 categories:
        // one note, about the signs, not the advice to raise the limit.
        let prices: Vec<String> = (0..300).map(|i| format!("${i}.99")).collect();
        let cells: Vec<Option<&str>> = prices.iter().map(|p| Some(p.as_str())).collect();
        let train: Vec<usize> = (0..300).collect();
        let (_, notes) = colour_table(&cells).with_levels_from(&train, 100, false);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].starts_with("column `colour` holds numbers written with a currency or percent sign (such as `$0.99`)")
                && notes[0].contains("write the numbers alone"),
            "{notes:?}"
        );
        // Accounting negatives among plain numbers: a note of their own.
        let amounts: Vec<String> = (0..300)
            .map(|i| {
                if i % 3 == 0 {
                    format!("({i}.50)")
                } else {
                    format!("{i}.50")
                }
            })
            .collect();
        let cells: Vec<Option<&str>> = amounts.iter().map(|p| Some(p.as_str())).collect();
        let (_, notes) = colour_table(&cells).with_levels_from(&train, 400, false);
        assert!(
            notes[0].starts_with("column `colour` holds numbers with negatives written in parentheses, as accounting does (such as `(0.50)`)"),
            "{notes:?}"
        );
        // Signs on a few values of a text column: no such note.
        let mixed: Vec<Option<&str>> = (0..300)
            .map(|i| {
                Some(if i % 5 == 0 {
                    prices[i].as_str()
                } else {
                    "red"
                })
            })
            .collect();
        let (_, notes) = colour_table(&mixed).with_levels_from(&train, 100, false);
        assert!(notes.iter().all(|n| !n.contains("sign")), "{notes:?}");
    }

    #[test]
    fn values_that_differ_only_in_case_or_spaces_are_named() {
        assert_eq!(twins(["a", "b", " a"]), Some(("a", " a")));
        assert_eq!(twins(["a ", "b", "a", "a "]), Some(("a ", "a")));
        assert_eq!(twins(["a", "b", "a b", "ab"]), None);
        assert_eq!(twins(["Yes", "no", "yes"]), Some(("Yes", "yes")));
        assert_eq!(twins(["Straße", "STRASSE"]), None);
        let cells: Vec<Option<&str>> = (0..60)
            .map(|i| Some(["red", "blue", " red "][i % 3]))
            .collect();
        let train: Vec<usize> = (0..60).collect();
        let (_, notes) = colour_table(&cells).with_levels_from(&train, 100, false);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].contains("differ only in case or the spaces around them (` red ` and `red`)"),
            "{notes:?}"
        );
    }

    #[test]
    fn numbers_with_decimal_commas_are_named() {
        for yes in [
            "0,06",
            "-12,5",
            " 3,14 ",
            "1234,5",
            "+7,0",
            "1.234,56",
            "12.345.678,9",
            "1 234,5",
            "1\u{a0}273,92",
            "12\u{202f}345\u{202f}678,9",
        ] {
            assert!(decimal_comma(yes), "{yes}");
        }
        // Thousands grouped by spaces, a decimal point or none: a form of
        // its own, which no reader takes as a number either.
        for yes in ["2 559.1", "12\u{a0}000", "-1 234 567"] {
            assert!(notes::spaced_thousands(yes), "{yes}");
            assert_eq!(crate::ingest::parse_number(yes), None, "{yes}");
        }
        for no in ["2559.1", "1 23", "12 3456", "1  234", "a 123", "1 234,5"] {
            assert!(!notes::spaced_thousands(no), "{no}");
        }
        for no in [
            "1.23,4",
            ".123,4",
            "1234.567,8",
            "1,234",
            "12",
            "1.5",
            ",5",
            "5,",
            "1,2,3",
            "a,b",
            "1,234,567",
            "1 23,4",
            "1. 234,5",
        ] {
            assert!(!decimal_comma(no), "{no}");
        }
        // A leading zero is never a thousands group: `0,125` is an eighth,
        // not 125.
        for yes in ["0,125", "-0,500", "00,5"] {
            assert!(decimal_comma(yes), "{yes}");
            assert_eq!(crate::ingest::parse_number(yes), None, "{yes}");
        }
        assert_eq!(crate::ingest::parse_number("1,250"), Some(1250.0));
        assert_eq!(crate::ingest::parse_number("-12,345.5"), Some(-12345.5));
        assert_eq!(crate::ingest::parse_number("0"), Some(0.0));
        // A semicolon-separated file from a European spreadsheet: 300
        // distinct measurements, a few of them whole numbers.
        let values: Vec<String> = (0..300)
            .map(|i| {
                if i % 10 == 0 {
                    format!("{i}")
                } else {
                    format!("{i},{}", i % 7 + 1)
                }
            })
            .collect();
        let cells: Vec<Option<&str>> = values.iter().map(|v| Some(v.as_str())).collect();
        let train: Vec<usize> = (0..300).collect();
        let (_, notes) = colour_table(&cells).with_levels_from(&train, 100, false);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].starts_with(
                "column `colour` holds numbers written with a decimal comma (such as `1,2`)"
            ) && notes[0].contains("write them with a decimal point"),
            "{notes:?}"
        );
        // Words with commas in them are not numbers.
        let words: Vec<Option<&str>> = (0..300)
            .map(|i| Some(if i % 2 == 0 { "red, dark" } else { "4,5" }))
            .collect();
        let (_, notes) = colour_table(&words).with_levels_from(&train, 100, false);
        assert!(
            notes.iter().all(|n| !n.contains("decimal comma")),
            "{notes:?}"
        );
    }

    /// Raising --max-categories is advised only while the trees could use
    /// more values: they tell apart at most the 253 most frequent.
    #[test]
    fn more_categories_are_advised_only_while_the_trees_use_them() {
        let words: Vec<String> = (0..300).map(|i| format!("w{i:03}")).collect();
        let cells: Vec<Option<&str>> = (0..600).map(|i| Some(words[i % 300].as_str())).collect();
        let train: Vec<usize> = (0..600).collect();
        let (_, notes) = colour_table(&cells).with_levels_from(&train, 100, false);
        assert!(
            notes[0].ends_with("raise --max-categories to keep more"),
            "{notes:?}"
        );
        let (_, notes) = colour_table(&cells).with_levels_from(&train, 1, false);
        assert!(
            notes[0].contains("; the most frequent is kept as categories"),
            "{notes:?}"
        );
        let (_, notes) = colour_table(&cells).with_levels_from(&train, 256, false);
        assert!(
            notes[0].ends_with("the trees tell apart only the 253 most frequent either way, the others as one group, so a higher --max-categories would not help them"),
            "{notes:?}"
        );
    }

    #[test]
    fn a_column_with_a_value_per_row_is_named_as_an_identifier() {
        let ids: Vec<String> = (0..400).map(|i| format!("C-{i:05}")).collect();
        let cells: Vec<Option<&str>> = ids.iter().map(|v| Some(v.as_str())).collect();
        let train: Vec<usize> = (0..240).collect();
        let (_, notes) = colour_table(&cells).with_levels_from(&train, 100, false);
        // One note, which says which values the rules keep too.
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].starts_with(
                "column `colour` has a value of its own in 240 of its 240 training rows"
            ) && notes[0].contains(
                "values seen in training (rulec keeps the 100 most frequent of them as categories), which new rows do not have"
            ) && notes[0].ends_with("--forbid colour"),
            "{notes:?}"
        );
        // Under the limit of categories, nothing to add.
        let (_, notes) = colour_table(&cells).with_levels_from(&train, 300, false);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].ends_with("--forbid colour"), "{notes:?}");
        // Repeated values, or too few rows to tell: no such note.
        let cells: Vec<Option<&str>> = (0..400).map(|i| Some(ids[i % 150].as_str())).collect();
        let (_, notes) = colour_table(&cells).with_levels_from(&train, 200, false);
        assert!(notes.iter().all(|n| !n.contains("identifier")), "{notes:?}");
        let (_, notes) =
            colour_table(&cells).with_levels_from(&(0..40).collect::<Vec<_>>(), 200, false);
        assert!(notes.iter().all(|n| !n.contains("identifier")), "{notes:?}");
    }
}
