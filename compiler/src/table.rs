//! The in-memory table every stage after ingest works on.
//!
//! Columns are typed and dense: numbers as `f64` with NaN for missing,
//! booleans as `Option<bool>`, categories as codes into a sorted level list.
//! The target is kept apart from the features as class indices.

/// Code of a missing categorical value.
pub const MISSING_CODE: u32 = u32::MAX;
/// Code of a categorical value that is present but not among the kept
/// levels (a rare level past `--max-categories`): unknown to the rules.
pub const OTHER_CODE: u32 = u32::MAX - 1;

/// One feature column.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// Name as in the data file.
    pub name: String,
    /// Values.
    pub data: ColumnData,
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

/// Features and target of a dataset.
#[derive(Clone, Debug)]
pub struct Table {
    /// Feature columns, in file order.
    pub columns: Vec<Column>,
    /// Target column name.
    pub target_name: String,
    /// Class labels, sorted.
    pub classes: Vec<String>,
    /// Per-row class index into `classes`.
    pub labels: Vec<u32>,
    /// The user's split column, when one was named: values per row.
    pub split: Option<Vec<String>>,
    /// Rows dropped at ingest because their label was missing.
    pub dropped_unlabelled: usize,
    /// What ingest changed or left out, in plain words, for the user.
    pub notes: Vec<String>,
    /// Per-row class index of another model's decision, when a teacher
    /// column was named.
    pub teacher: Option<Vec<u32>>,
    /// For a numeric target: the value per row (`labels` then hold the
    /// row's decile, for stratification only).
    pub values: Option<Vec<f64>>,
    /// For a numeric target and a teacher column: the teacher's value per row.
    pub teacher_values: Option<Vec<f64>>,
}

impl Table {
    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.labels.len()
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.classes.len()
    }
}
