//! Tests of ingest: reading files into tables, the notes on what reading
//! them changed, and the messages for what cannot be read.

use super::values::number_text;
use super::*;
use crate::table::{ColumnData, MISSING_CODE};

/// polars panicked on this file (a lone `"` ends a numeric column);
/// ingest answered an error instead, and now the pre-pass refuses the
/// file before polars sees it, naming the field. See: #7 (found by
/// fuzzing).
#[test]
fn a_panic_in_polars_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    std::fs::write(&path, b"a,b\n6,e\"\n\"").unwrap();
    let params = IngestParams::every_row("b");
    let err = read(&path, &params).unwrap_err().to_string();
    assert!(
        err.contains("line 2: the field `e\"` has a `\"` but does not start with one"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    // Whatever else makes polars panic is an error of one line too.
    let err = file::no_panic(&path, || -> u8 { panic!("chunks do not line up") })
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        format!(
            "{}: cannot be read: polars failed on it (chunks do not line up)",
            path.display()
        )
    );
    assert_eq!(file::no_panic(&path, || 7).ok(), Some(7));
}

fn params(target: &str) -> IngestParams {
    IngestParams::every_row(target)
}

/// A frame in memory reads as the file it was written to: the same
/// columns, types, categories and labels. See: #18.
#[test]
fn a_frame_reads_as_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    std::fs::write(&path, "x,c,f,y\n1.5,a,true,no\n,b,false,yes\n3,a,,no\n").unwrap();
    let from_file = read(&path, &params("y")).unwrap();
    let (df, _) = read_frame(&path, &params("y"), None).unwrap();
    let from_frame = read_frame_table(df, Path::new("frame"), &params("y")).unwrap();
    assert_eq!(format!("{from_file:?}"), format!("{from_frame:?}"));
}

/// The index pandas writes as an unnamed first column (`to_csv`
/// without `index=False`) is left out with a note; a column that only
/// looks like it (named, not first, or with a repeated or missing
/// value) stays.
#[test]
fn an_index_written_by_pandas_is_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let read_text = |text: &str| {
        let path = dir.path().join("t.csv");
        std::fs::write(&path, text).unwrap();
        read(&path, &params("y")).unwrap()
    };
    let names = |t: &Table| -> Vec<String> { t.columns().iter().map(|c| c.name.clone()).collect() };
    for (header, said) in [
        (
            "",
            "the first column has no name (`Unnamed: 0`, as pandas names it) and",
        ),
        (
            "Unnamed: 0",
            "the first column has no name (`Unnamed: 0`, as pandas names it) and",
        ),
    ] {
        let t = read_text(&format!("{header},x,y\n0,1.5,a\n1,2.5,b\n2,0.5,a\n"));
        assert_eq!(names(&t), ["x"], "{header:?}");
        let note = t.notes().iter().find(|n| n.contains(said));
        assert!(
            note.is_some_and(|n| n.contains("(0 to 2)")),
            "{:?}",
            t.notes()
        );
    }
    // A named column, one not first, a repeated number, a gap, a fraction.
    for text in [
        "row,x,y\n0,1.5,a\n1,2.5,b\n2,0.5,a\n",
        "x,,y\n1.5,0,a\n2.5,1,b\n0.5,2,a\n",
        ",x,y\n0,1.5,a\n0,2.5,b\n2,0.5,a\n",
        ",x,y\n0,1.5,a\n,2.5,b\n2,0.5,a\n",
        ",x,y\n0.5,1.5,a\n1,2.5,b\n2,0.5,a\n",
    ] {
        let t = read_text(text);
        assert_eq!(t.columns().len(), 2, "{text:?}");
        assert!(
            t.notes().iter().all(|n| !n.contains("the first column")),
            "{text:?}"
        );
        // A kept column without a name is named as pandas names it, so
        // that SQL can name it too (an empty one it cannot).
        if text.starts_with(',') {
            assert_eq!(names(&t), ["Unnamed: 0", "x"], "{text:?}");
        }
    }
}

/// A target of a class per row (a time stamp, an id) is refused before
/// the teacher's probabilities fill the memory; at the limit it reads.
#[test]
fn a_target_of_too_many_classes_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    let table = |n: usize, value: &dyn Fn(usize) -> String| {
        let mut text = String::from("x,y\n");
        for i in 0..n {
            text.push_str(&format!("{},{}\n", i % 7, value(i)));
        }
        std::fs::write(&path, text).unwrap();
        read(&path, &params("y"))
    };
    let err = table(1500, &|i| format!("2020-01-01 {:02}:{:02}", i / 60, i % 60))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("target column `y` has 1500 distinct values in 1500 rows; rulec decides among at most 1000 classes")
            && err.ends_with("group its values into classes first"),
        "{err}"
    );
    let err = table(1500, &|i| format!("{}.5", i))
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with("which --tolerance X predicts (a value counts as right within X)"),
        "{err}"
    );
    // Codes with a leading zero (postal codes) are no quantity.
    let err = table(1500, &|i| format!("{:05}", i * 7))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("its values are codes (such as `00000`, with a leading zero), not quantities")
            && !err.contains("tolerance"),
        "{err}"
    );
    // Amounts with their currency sign: numbers too, once written alone.
    let err = table(1500, &|i| {
        format!("\"${},{:03}.50\"", 1 + i / 1000, i % 1000)
    })
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("its values are numbers written with a currency or percent sign (such as `$1,000.50`): write the numbers alone, and --tolerance X predicts them"),
        "{err}"
    );
    assert_eq!(
        table(2000, &|i| format!("c{}", i % 1000))
            .unwrap()
            .classes()
            .len(),
        1000
    );
    // On a small table a class per row is refused too (a car's make in 93
    // rows of 93 makes); two rows per class on average still read.
    let err = table(93, &|i| format!("make {i}")).unwrap_err().to_string();
    assert!(
        err.contains(
            "target column `y` has 93 distinct values in 93 rows; fewer than two rows per class"
        ) && err.ends_with("group its values into fewer classes, or give more rows"),
        "{err}"
    );
    assert_eq!(
        table(100, &|i| format!("c{}", i % 50))
            .unwrap()
            .classes()
            .len(),
        50
    );
}

/// A message names a row as `apply` counts rows, and where it starts
/// in a text file: after a quoted line break, a blank line and a line
/// of no value, row 2 is on line 6. Gzip too; other formats, no line.
#[test]
fn a_row_is_named_by_its_line_too() {
    let dir = tempfile::tempdir().unwrap();
    let text = "a,b\n1,\"x\ny\"\n\n,NA\n2,z\n";
    let path = dir.path().join("t.csv");
    std::fs::write(&path, text).unwrap();
    assert_eq!(file::line_of_row(&path, 0), Some(2));
    assert_eq!(file::line_of_row(&path, 1), Some(6));
    assert_eq!(file::line_of_row(&path, 2), None);
    assert_eq!(values::row_place(Some(&path), 1), "row 2 (line 6)");
    let gz = dir.path().join("t.csv.gz");
    let mut w = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    std::io::Write::write_all(&mut w, text.as_bytes()).unwrap();
    w.finish().unwrap();
    assert_eq!(file::line_of_row(&gz, 1), Some(6));
    let frame = Path::new("frame");
    assert_eq!(values::row_place(Some(frame), 1), "row 2");
    assert_eq!(values::row_place(None, 0), "row 1");
}

/// Text read as numbers says how its commas were read, with an
/// example; a leading zero is no thousands group, so `0,125` keeps its
/// column text (the decimal-comma note says what to do).
#[test]
fn commas_read_as_thousands_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    std::fs::write(&path, "x,y\n\"1,250\",a\n\"12,500\",b\n\"3,000\",a\n").unwrap();
    let t = read(&path, &params("y")).unwrap();
    assert!(matches!(t.columns()[0].data, ColumnData::Numeric(_)));
    assert!(
        t.notes().iter().any(|n| n.contains(
            "column `x` holds numbers written with commas, read as thousands separators (`1,250` as 1250)"
        )),
        "{:?}",
        t.notes()
    );
    std::fs::write(&path, "x;y\n0,125;a\n0,250;b\n0,500;a\n").unwrap();
    let t = read(&path, &params("y")).unwrap();
    assert!(!matches!(t.columns()[0].data, ColumnData::Numeric(_)));
}

/// `--categorical`: numbers read as the text of codes, whole numbers
/// without a decimal point whether stored as integers or as floats, a
/// gap or NaN missing; booleans and text as they are.
#[test]
fn codes_written_as_numbers_read_as_categories() {
    let df = df!(
        "i" => [Some(7i64), Some(-3), None, Some(12)],
        "f" => [Some(7.0f64), Some(2.5), Some(f64::NAN), None],
        "b" => [true, false, true, true],
        "s" => [Some("7.0"), Some("-3.00"), None, Some("12.0")],
        "t" => [Some("7.0"), Some("x"), Some("02134"), None],
        "m" => [Some("7"), Some("7.0"), Some("2.5"), Some("-3.00")],
        "z" => [Some("7"), Some("7.0"), Some("02134"), Some("12")],
        "y" => ["a", "b", "a", "b"]
    )
    .unwrap();
    let mut p = params("y");
    p.categorical = ["i", "f", "b", "s", "t", "m", "z"]
        .map(String::from)
        .to_vec();
    let table = read_frame_table(df, Path::new("frame"), &p).unwrap();
    let levels = |name: &str| match &table
        .columns()
        .iter()
        .find(|c| c.name == name)
        .unwrap()
        .data
    {
        ColumnData::Categorical { levels, codes } => (levels.clone(), codes.clone()),
        other => panic!("{name} read as {other:?}"),
    };
    assert_eq!(levels("i").0, ["-3", "12", "7"]);
    assert_eq!(levels("i").1[2], MISSING_CODE);
    assert_eq!(levels("f").0, ["2.5", "7"]);
    assert_eq!(levels("f").1[2..], [MISSING_CODE, MISSING_CODE]);
    assert_eq!(levels("b").0, ["false", "true"]);
    // Text as written, but whole numbers written as floats read as
    // whole numbers when every value is one.
    assert_eq!(levels("s").0, ["-3", "12", "7"]);
    assert_eq!(levels("t").0, ["02134", "7.0", "x"]);
    // Codes pandas wrote some as `7`, some as `7.0`: one category, when
    // every value is a number written plainly; a leading zero is a code.
    assert_eq!(levels("m").0, ["-3", "2.5", "7"]);
    assert_eq!(levels("m").1[..2], [levels("m").1[0]; 2]);
    assert_eq!(levels("z").0, ["02134", "12", "7", "7.0"]);
    assert_eq!(number_text(1e20), "100000000000000000000");
    assert_eq!(number_text(-0.0), "0");
    // A text file's codes are read as written: the zero of `02134` stays.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("z.csv");
    std::fs::write(&path, "zip,y\n02134,a\n10001,b\n00501,a\n").unwrap();
    let mut z = params("y");
    z.categorical = vec!["zip".into()];
    let table = read(&path, &z).unwrap();
    assert!(
        matches!(&table.columns()[0].data, ColumnData::Categorical { levels, .. } if levels == &["00501", "02134", "10001"]),
        "{:?}",
        table.columns()[0]
    );
    // A name that is no column is refused as the option's.
    p.categorical = vec!["g".into()];
    let df = df!("f" => [1.0f64, 2.0], "y" => ["a", "b"]).unwrap();
    let err = read_frame_table(df, Path::new("frame"), &p)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("--categorical") && err.contains("`g`"),
        "{err}"
    );
}

/// An empty frame, or one without the target, is refused in one line
/// naming the frame.
#[test]
fn a_bad_frame_is_named() {
    let empty = DataFrame::empty();
    let err = read_frame_table(empty, Path::new("pandas DataFrame"), &params("y"))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "pandas DataFrame: has no columns, expected a header and rows"
    );
    let no_rows = df!("x" => Vec::<f64>::new(), "y" => Vec::<String>::new()).unwrap();
    let err = read_frame_table(no_rows, Path::new("pandas DataFrame"), &params("y"))
        .unwrap_err()
        .to_string();
    assert_eq!(err, "pandas DataFrame: has columns but no rows");
    let no_target = df!("x" => [1.0, 2.0]).unwrap();
    let err = read_frame_table(no_target, Path::new("polars DataFrame"), &params("y"))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "polars DataFrame: no column `y` (given as --target); columns are: `x`"
    );
}

/// A target written with decimal commas (`0,0` and `1,0`, from a
/// spreadsheet's European export) gets a note, as such a feature column
/// does; with --tolerance its refusal says what the comma is.
#[test]
fn a_target_written_with_decimal_commas_is_noted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    let mut text = String::from("x;y\n");
    for i in 0..40 {
        text.push_str(&format!("{i};{},0\n", i % 2));
    }
    std::fs::write(&path, &text).unwrap();
    let table = read(&path, &params("y")).unwrap();
    assert_eq!(table.classes(), ["0,0", "1,0"]);
    assert!(
        table.notes().iter().any(|n| n.starts_with(
            "target `y` holds numbers written with a decimal comma (such as `0,0`): its classes are named as written"
        )),
        "{:?}",
        table.notes()
    );
    let numeric = IngestParams {
        numeric_target: true,
        ..params("y")
    };
    let err = read(&path, &numeric).unwrap_err().to_string();
    assert!(
        err.ends_with("with --tolerance the target must hold numbers (this one with a decimal comma: write the numbers with a decimal point)"),
        "{err}"
    );
    // Thousands separators are no decimal commas: `1,000` is a thousand,
    // as --tolerance reads it.
    std::fs::write(&path, "x;y\n1;1,000\n2;2,000\n3;1,000\n4;10,000\n").unwrap();
    let table = read(&path, &params("y")).unwrap();
    assert!(
        !table.notes().iter().any(|n| n.contains("decimal comma")),
        "{:?}",
        table.notes()
    );
    // Classes that merely hold a comma are not numbers.
    std::fs::write(&path, "x;y\n1;a,b\n2;c\n3;a,b\n4;c\n").unwrap();
    let table = read(&path, &params("y")).unwrap();
    assert!(!table.notes().iter().any(|n| n.contains("decimal comma")));
}

/// Class labels are named as written, numbers in their shortest form: the
/// codes `01`, `1` and `007` are three classes (a CSV reader took them for
/// the numbers 1, 1 and 7, so two codes became one class); `-0.0` is the
/// class `0` (it was a class apart from `0.0`); `5.` and `3` are `5` and
/// `3` (they were `5.0` and `3.0`); whole numbers past 2^53 stay apart; a
/// logged teacher's decisions read alike, so `0` names the class of a
/// target written `0.0`.
#[test]
fn class_labels_are_named_as_written_and_numbers_in_their_shortest_form() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    let classes = |labels: &[&str]| {
        let mut text = String::from("x,y\n");
        for (i, label) in labels.iter().cycle().take(60).enumerate() {
            text.push_str(&format!("{i},{label}\n"));
        }
        std::fs::write(&path, text).unwrap();
        read(&path, &params("y")).unwrap().classes().to_vec()
    };
    assert_eq!(classes(&["01", "1", "007"]), ["007", "01", "1"]);
    assert_eq!(classes(&["-0.0", "0.0", "1.0"]), ["0", "1"]);
    assert_eq!(classes(&["5.", "3", "2.50"]), ["2.5", "3", "5"]);
    assert_eq!(
        classes(&["9007199254740993", "9007199254740992"]),
        ["9007199254740992", "9007199254740993"]
    );
    assert_eq!(classes(&["1", "1.0", "x"]), ["1", "1.0", "x"]);
    // Numbers in the order of their values, as numpy sorts a model's
    // classes: `2` before `10`, `-3` before `-1`.
    assert_eq!(
        classes(&["10", "2", "-1", "0.5", "-3", "1"]),
        ["-3", "-1", "0.5", "1", "2", "10"]
    );
    assert_eq!(classes(&["10", "2", "b"]), ["10", "2", "b"]);
    // Booleans as a column of booleans gives them, however written.
    assert_eq!(classes(&["True", "False"]), ["false", "true"]);
    assert_eq!(classes(&["TRUE", "false"]), ["false", "true"]);
    // A logged teacher's `0` and `1` against a target written `0.0`, `1.0`.
    let mut text = String::from("x,y,m\n");
    for i in 0..60 {
        let label = if i % 3 == 0 { "1.0" } else { "0.0" };
        text.push_str(&format!("{i},{label},{}\n", &label[..1]));
    }
    std::fs::write(&path, text).unwrap();
    let table = read(
        &path,
        &IngestParams {
            teacher_column: Some("m".into()),
            ..params("y")
        },
    )
    .unwrap();
    assert_eq!(table.classes(), ["0", "1"]);
    assert_eq!(table.logged_labels(), Some(table.labels()));
}

/// pandas writes an index that is not 0, 1, 2, … (a filtered frame's) into
/// a Parquet file as a last column `__index_level_0__`: a rule on it read
/// row numbers (titanic's rows are sorted by class and outcome, and six
/// of seven certified rules read it). It is left out with a note, as the
/// index written into a CSV file is; a column of the user's named alike
/// but otherwise stays.
#[test]
fn the_index_pandas_writes_into_parquet_is_left_out() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.parquet");
    let mut df = df!(
        "x" => [1.5, 2.5, 0.5, 3.5],
        "y" => ["a", "b", "a", "b"],
        "__index_level_0__" => [3i64, 8, 9, 14],
        "__index_level_x__" => [1i64, 2, 1, 2],
    )
    .unwrap();
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut df)
        .unwrap();
    let t = read(&path, &params("y")).unwrap();
    let names: Vec<&str> = t.columns().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["x", "__index_level_x__"]);
    assert!(
        t.notes()
            .iter()
            .any(|n| n.starts_with("column `__index_level_0__` is the index pandas writes")),
        "{:?}",
        t.notes()
    );
}
