//! JSON data files as CSV text, so that they are read exactly as a CSV
//! file is (type inference, missing values, `--max-rows`, both validate
//! engines).
//!
//! The shapes that tools write a table in:
//!
//! - **Records, one per line** (JSON Lines, `.jsonl` or `.ndjson`; pandas'
//!   `to_json(orient="records", lines=True)`, most log and export tools):
//!   a stream of objects.
//! - **An array of records** (pandas' `orient="records"`, JavaScript's
//!   `JSON.stringify` of an array of objects).
//! - **pandas' other layouts of a frame**: `orient="columns"` (pandas'
//!   default: an object of columns, each an object from row label to
//!   value), `orient="index"` (the same the other way round, told apart
//!   by its row labels: numbers outside, names inside), `orient="split"`
//!   (`columns` and `data`, an array of rows) and `orient="table"`
//!   (`schema` and `data`, records; the frame's index, its `primaryKey`,
//!   is left out). Row labels are not read (`orient="values"`, which has
//!   no column names, is refused).
//!
//! The columns are the records' keys in the order they first appear; a
//! record without a key has no value there (missing, as an empty CSV
//! field). A value is written as its JSON text: a number as written, a
//! string as it is, `true`/`false`, `null` as missing. A value that is
//! itself an object or an array is refused, with the record and the key:
//! rulec reads one value per column.
//!
//! Records, one per line or in an array, are read as a stream in two
//! passes (the columns, then the rows), one record parsed at a time: the
//! CSV text is all that grows with the file. pandas' other layouts are
//! one object, parsed whole (about ten times the file's size in memory;
//! `cargo bench -p rulec --bench read_json`).

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::io;

/// A JSON value whose objects keep their keys in the order written
/// (serde_json's own map sorts them, and the columns would not be the
/// file's order).
enum Json {
    Null,
    Bool(bool),
    /// A number, as its text.
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl<'de> de::Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Json;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
                Ok(Json::Bool(b))
            }
            fn visit_i64<E>(self, x: i64) -> Result<Json, E> {
                Ok(Json::Number(x.to_string()))
            }
            fn visit_u64<E>(self, x: u64) -> Result<Json, E> {
                Ok(Json::Number(x.to_string()))
            }
            fn visit_f64<E>(self, x: f64) -> Result<Json, E> {
                // The shortest text that reads back as the same number; a
                // whole number written with a fraction (`1.0`, as pandas
                // writes a column of floats) keeps it, so that the column
                // reads as a CSV file of the same frame does (a class
                // `1.0`, not `1`).
                let mut text = x.to_string();
                if x.is_finite() && !text.contains(['.', 'e', 'E']) {
                    text.push_str(".0");
                }
                Ok(Json::Number(text))
            }
            fn visit_str<E>(self, s: &str) -> Result<Json, E> {
                Ok(Json::String(s.to_owned()))
            }
            fn visit_string<E>(self, s: String) -> Result<Json, E> {
                Ok(Json::String(s))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Json::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
                let mut pairs = Vec::new();
                while let Some(pair) = map.next_entry()? {
                    pairs.push(pair);
                }
                Ok(Json::Object(pairs))
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl Json {
    fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }

    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(pairs) => pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

fn bad(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// The table a JSON file holds (see the module docs) as CSV text: the
/// header line, then one line per record. Errors (not JSON, no table, a
/// value that is not one value) are `InvalidData` I/O errors whose text
/// says where.
pub fn json_as_csv(bytes: &[u8]) -> io::Result<Vec<u8>> {
    let bytes = bytes.strip_prefix(crate::csv_records::BOM).unwrap_or(bytes);
    // An array of records: read as a stream of its elements.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return records_csv(&|each| array_elements(bytes, each));
    }
    let mut stream = values(bytes);
    let Some(first) = stream.next().transpose()? else {
        return Err(bad("holds no JSON value".into()));
    };
    if stream.next().transpose()?.is_some() {
        // Records one per line: read as a stream, never held all at once.
        drop(first);
        return records_csv(&|each| {
            for (i, record) in values(bytes).enumerate() {
                each(record?, i + 1)?;
            }
            Ok(())
        });
    }
    let mut table = Table::default();
    match &first {
        one @ Json::Object(pairs) => {
            if one.get("schema_version").is_some() && one.get("rules").is_some() {
                return Err(bad(
                    "is a rule set (rulec's rules.json), not a table of rows".into(),
                ));
            }
            if let (Some(Json::Array(columns)), Some(Json::Array(rows))) =
                (one.get("columns"), one.get("data"))
            {
                table.split(columns, rows)?;
            } else if let (Some(schema), Some(Json::Array(records))) =
                (one.get("schema"), one.get("data"))
            {
                for (i, record) in records.iter().enumerate() {
                    table.record(record, i + 1)?;
                }
                // pandas' `orient="table"` writes the frame's index as
                // the primary key: row labels, not data.
                if let Some(Json::Array(keys)) = schema.get("primaryKey") {
                    for key in keys {
                        if let Json::String(key) = key {
                            table.drop(key);
                        }
                    }
                }
            } else if !pairs.is_empty() && pairs.iter().all(|(_, v)| matches!(v, Json::Object(_))) {
                // pandas' `orient="index"` is the same object the other
                // way round: row labels outside (a default index's are
                // numbers), column names inside.
                let numbered = |k: &String| k.parse::<i64>().is_ok();
                let inner = pairs.iter().flat_map(|(_, v)| match v {
                    Json::Object(cells) => cells.iter().map(|(k, _)| k).collect(),
                    _ => Vec::new(),
                });
                if pairs.iter().all(|(k, _)| numbered(k)) && !inner.into_iter().all(numbered) {
                    for (i, (_, record)) in pairs.iter().enumerate() {
                        table.record(record, i + 1)?;
                    }
                } else {
                    table.columns_layout(pairs)?;
                }
            } else {
                table.record(one, 1)?;
            }
        }
        // A lone number, string, ...: refused as a record.
        other => table.record(other, 1)?,
    }
    table.to_csv()
}

/// The JSON values of `bytes`, one after another, as they are parsed.
fn values(bytes: &[u8]) -> impl Iterator<Item = io::Result<Json>> + '_ {
    serde_json::Deserializer::from_slice(bytes)
        .into_iter::<Json>()
        .map(|v| v.map_err(|e| bad(format!("is not JSON: {e}{}", cut_short(bytes, e.line())))))
}

/// For an error at line `at` of records one per line: the last line before
/// it that opens a record (`{`) and does not close it (no `}` at its end),
/// where the parser read on into the next record. Empty when there is none.
fn cut_short(bytes: &[u8], at: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().take(at.saturating_sub(1)).collect();
    let last_open = lines.iter().rposition(|l| {
        let l = l.trim();
        l.starts_with('{') && !l.ends_with('}') && !l.ends_with("},")
    });
    match last_open {
        // Only a line whose following lines open records of their own.
        Some(i)
            if lines[i + 1..]
                .iter()
                .all(|l| l.trim_start().starts_with('{'))
                && i + 1 < at =>
        {
            format!(
                " (line {} looks cut short: it opens a record and does not close it)",
                i + 1
            )
        }
        _ => String::new(),
    }
}

/// Hands each record of a source to the function it is given, with its
/// number (from 1), stopping at the first error.
type Records<'a> = dyn Fn(&mut dyn FnMut(Json, usize) -> io::Result<()>) -> io::Result<()> + 'a;

/// A stream of records (JSON Lines, or the elements of an array) as CSV
/// text, in two passes over the source: the columns (keys in the order
/// they first appear), then one line per record. Only one record is held
/// at a time, so a file of millions of records needs about its own size
/// again for the text, not many times that for parsed values
/// (`cargo bench -p rulec --bench read_json`).
fn records_csv(records: &Records<'_>) -> io::Result<Vec<u8>> {
    let mut names: Vec<String> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    records(&mut |record, number| {
        let Json::Object(pairs) = &record else {
            return Err(not_a_record(&record, number));
        };
        no_repeated_key(pairs, number)?;
        for (key, value) in pairs {
            if matches!(value, Json::Array(_) | Json::Object(_)) {
                Table::cell(value, number, key)?;
            }
            if !index.contains_key(key) {
                index.insert(key.clone(), names.len());
                names.push(key.clone());
            }
        }
        Ok(())
    })?;
    if names.is_empty() {
        return Err(bad("holds no records with column names".into()));
    }
    let field = crate::text_file::push_csv_field;
    let mut out = Vec::new();
    for (j, name) in names.iter().enumerate() {
        if j > 0 {
            out.push(b',');
        }
        field(&mut out, name);
    }
    out.push(b'\n');
    let mut cells: Vec<Option<Json>> = Vec::with_capacity(names.len());
    records(&mut |record, number| {
        let Json::Object(pairs) = record else {
            // The first pass saw every record an object.
            return Err(bad(format!("record {number} changed between two reads")));
        };
        cells.clear();
        cells.resize_with(names.len(), || None);
        // A key written twice: its last value.
        for (key, value) in pairs {
            cells[index[&key]] = Some(value);
        }
        for (j, cell) in cells.iter().enumerate() {
            if j > 0 {
                out.push(b',');
            }
            if let Some(value) = cell {
                if let Some(text) = Table::cell(value, number, &names[j])? {
                    field(&mut out, &text);
                }
            }
        }
        out.push(b'\n');
        Ok(())
    })?;
    Ok(out)
}

/// Hands each element of the array `bytes` holds to `each`, parsing one
/// element at a time. Refuses rows as arrays (pandas' `orient="values"`).
fn array_elements(
    bytes: &[u8],
    each: &mut dyn FnMut(Json, usize) -> io::Result<()>,
) -> io::Result<()> {
    struct Elements<'f> {
        each: &'f mut dyn FnMut(Json, usize) -> io::Result<()>,
        failed: &'f mut Option<io::Error>,
    }
    impl<'de> de::DeserializeSeed<'de> for Elements<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
            deserializer.deserialize_seq(self)
        }
    }
    impl<'de> Visitor<'de> for Elements<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an array of records")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let mut number = 0;
            while let Some(record) = seq.next_element::<Json>()? {
                number += 1;
                let result = if number == 1 && matches!(record, Json::Array(_)) {
                    Err(bad("holds rows as arrays, without column names (pandas' `orient=\"values\"`): write records (`orient=\"records\"`) or `orient=\"split\"`".into()))
                } else {
                    (self.each)(record, number)
                };
                if let Err(e) = result {
                    // Kept whole; serde's own error only stops the parse.
                    *self.failed = Some(e);
                    return Err(de::Error::custom("stopped"));
                }
            }
            Ok(())
        }
    }
    let mut failed = None;
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let parsed = de::DeserializeSeed::deserialize(
        Elements {
            each,
            failed: &mut failed,
        },
        &mut deserializer,
    );
    if let Some(e) = failed {
        return Err(e);
    }
    parsed
        .and_then(|()| deserializer.end())
        .map_err(|e| bad(format!("is not JSON: {e}")))
}

/// A record that names one column twice: JSON readers keep one of the two
/// values without a word (serde_json and pandas the last), so the other
/// would be lost; a CSV header naming a column twice is refused alike.
fn no_repeated_key(pairs: &[(String, Json)], number: usize) -> io::Result<()> {
    for (i, (key, _)) in pairs.iter().enumerate() {
        if pairs[..i].iter().any(|(k, _)| k == key) {
            return Err(bad(format!(
                "record {number} names the column `{}` twice; each column once per record",
                key.replace('`', "'")
            )));
        }
    }
    Ok(())
}

fn not_a_record(record: &Json, number: usize) -> io::Error {
    bad(format!(
        "record {number} is {}, expected an object of column names and values (records such as pandas' `to_json(orient=\"records\")` writes)",
        record.kind()
    ))
}

/// Columns and rows gathered from a file that holds one JSON object (one
/// of pandas' layouts, or a lone record), already parsed whole. Records in
/// an array or one per line go through [`records_csv`] instead.
#[derive(Default)]
struct Table {
    names: Vec<String>,
    rows: Vec<Vec<Option<String>>>,
    dropped: Vec<bool>,
}

impl Table {
    fn column(&mut self, name: &str) -> usize {
        match self.names.iter().position(|n| n == name) {
            Some(j) => j,
            None => {
                self.names.push(name.to_owned());
                self.dropped.push(false);
                self.names.len() - 1
            }
        }
    }

    fn cell(value: &Json, record: usize, key: &str) -> io::Result<Option<String>> {
        Ok(match value {
            Json::Null => None,
            Json::Bool(b) => Some(b.to_string()),
            Json::Number(x) => Some(x.clone()),
            Json::String(s) => Some(s.clone()),
            Json::Array(_) | Json::Object(_) => {
                return Err(bad(format!(
                    "record {record}: `{key}` holds {}; rulec reads one value per column (flatten nested records first, for example with pandas' `json_normalize`)",
                    value.kind()
                )))
            }
        })
    }

    fn set(&mut self, row: usize, column: usize, value: Option<String>) {
        let cells = &mut self.rows[row];
        if cells.len() <= column {
            cells.resize(column + 1, None);
        }
        cells[column] = value;
    }

    /// One record: an object of column names and values.
    fn record(&mut self, record: &Json, number: usize) -> io::Result<()> {
        let Json::Object(pairs) = record else {
            return Err(not_a_record(record, number));
        };
        no_repeated_key(pairs, number)?;
        self.rows.push(Vec::new());
        let row = self.rows.len() - 1;
        for (key, value) in pairs {
            let j = self.column(key);
            let cell = Table::cell(value, number, key)?;
            self.set(row, j, cell);
        }
        Ok(())
    }

    /// pandas' `orient="split"`: column names, and rows as arrays.
    fn split(&mut self, columns: &[Json], rows: &[Json]) -> io::Result<()> {
        let mut at = Vec::with_capacity(columns.len());
        for name in columns {
            let name = match name {
                Json::String(s) => s.clone(),
                Json::Number(x) => x.clone(),
                other => {
                    return Err(bad(format!(
                        "`columns` holds {}, expected column names",
                        other.kind()
                    )))
                }
            };
            at.push(self.column(&name));
        }
        for (i, row) in rows.iter().enumerate() {
            let Json::Array(values) = row else {
                return Err(bad(format!(
                    "row {} of `data` is {}, expected an array of values",
                    i + 1,
                    row.kind()
                )));
            };
            if values.len() != at.len() {
                return Err(bad(format!(
                    "row {} of `data` has {} values, expected {} (one per name in `columns`)",
                    i + 1,
                    values.len(),
                    at.len()
                )));
            }
            self.rows.push(Vec::new());
            let r = self.rows.len() - 1;
            for (value, &j) in values.iter().zip(&at) {
                let cell = Table::cell(value, i + 1, &self.names[j].clone())?;
                self.set(r, j, cell);
            }
        }
        Ok(())
    }

    /// pandas' `orient="columns"`: each column an object from row label to
    /// value; rows in the order their labels first appear.
    fn columns_layout(&mut self, columns: &[(String, Json)]) -> io::Result<()> {
        let mut labels: Vec<&str> = Vec::new();
        let mut index = std::collections::HashMap::new();
        for (_, column) in columns {
            if let Json::Object(cells) = column {
                for (label, _) in cells {
                    if !index.contains_key(label.as_str()) {
                        index.insert(label.as_str(), labels.len());
                        labels.push(label);
                    }
                }
            }
        }
        self.rows = vec![Vec::new(); labels.len()];
        for (name, column) in columns {
            let j = self.column(name);
            if let Json::Object(cells) = column {
                for (label, value) in cells {
                    let row = index[label.as_str()];
                    let cell = Table::cell(value, row + 1, name)?;
                    self.set(row, j, cell);
                }
            }
        }
        Ok(())
    }

    fn drop(&mut self, name: &str) {
        if let Some(j) = self.names.iter().position(|n| n == name) {
            self.dropped[j] = true;
        }
    }

    fn to_csv(&self) -> io::Result<Vec<u8>> {
        let keep: Vec<usize> = (0..self.names.len())
            .filter(|&j| !self.dropped[j])
            .collect();
        if keep.is_empty() {
            return Err(bad("holds no records with column names".into()));
        }
        let mut out = Vec::new();
        let field = crate::text_file::push_csv_field;
        for (i, &j) in keep.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            field(&mut out, &self.names[j]);
        }
        out.push(b'\n');
        for row in &self.rows {
            for (i, &j) in keep.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                if let Some(Some(text)) = row.get(j) {
                    field(&mut out, text);
                }
            }
            out.push(b'\n');
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(json: &str) -> String {
        String::from_utf8(json_as_csv(json.as_bytes()).unwrap()).unwrap()
    }

    fn err(json: &str) -> String {
        json_as_csv(json.as_bytes()).unwrap_err().to_string()
    }

    #[test]
    fn every_layout_of_one_table_gives_the_same_text() {
        let want = "b,a,c\n1,x,\n2.5,\"y, \"\"z\"\"\",true\n";
        // JSON Lines, keys in the order written, a key first seen late.
        assert_eq!(
            csv("{\"b\":1,\"a\":\"x\"}\n{\"b\":2.5,\"a\":\"y, \\\"z\\\"\",\"c\":true}\n"),
            want
        );
        // An array of records, with a byte order mark and a null.
        assert_eq!(
            csv("\u{feff}[{\"b\":1,\"a\":\"x\",\"c\":null},{\"b\":2.5,\"a\":\"y, \\\"z\\\"\",\"c\":true}]"),
            want
        );
        // pandas' orient="columns", "index", "split" and "table".
        assert_eq!(
            csv(r#"{"0":{"b":1,"a":"x","c":null},"1":{"b":2.5,"a":"y, \"z\"","c":true}}"#),
            want
        );
        assert_eq!(
            csv(r#"{"b":{"0":1,"1":2.5},"a":{"0":"x","1":"y, \"z\""},"c":{"1":true}}"#),
            want
        );
        assert_eq!(
            csv(
                r#"{"columns":["b","a","c"],"index":[0,1],"data":[[1,"x",null],[2.5,"y, \"z\"",true]]}"#
            ),
            want
        );
        assert_eq!(
            csv(
                r#"{"schema":{"fields":[],"primaryKey":["index"]},"data":[{"index":0,"b":1,"a":"x","c":null},{"index":1,"b":2.5,"a":"y, \"z\"","c":true}]}"#
            ),
            want
        );
    }

    /// A record naming a column twice is refused, as a CSV header doing so
    /// is, whatever the layout: no value is dropped without a word.
    #[test]
    fn a_record_naming_a_column_twice_is_refused() {
        let want = "record 2 names the column `age` twice; each column once per record";
        for json in [
            "{\"age\":1,\"y\":\"a\"}\n{\"age\":36,\"y\":\"b\",\"age\":\"dup\"}\n",
            "[{\"age\":1,\"y\":\"a\"},{\"age\":36,\"y\":\"b\",\"age\":\"dup\"}]",
        ] {
            assert_eq!(err(json), want, "{json}");
        }
        // pandas' orient="index": records under their index.
        assert!(
            err(r#"{"0":{"age":1,"y":"a"},"1":{"age":36,"y":"b","age":"dup"}}"#)
                .contains("names the column `age` twice"),
        );
    }

    #[test]
    fn records_one_per_line_read_as_the_same_records_in_an_array() {
        // Records with keys in varying order, some left out, nulls, text
        // that needs quoting, blank lines between them: the stream and the
        // array (both read in two passes, one record at a time) give the
        // text the whole-file reader (`Table`, pandas' layouts) gives.
        let mut lines = Vec::new();
        let mut state = 7u64;
        let mut next = |m: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % m
        };
        for i in 0..300 {
            let mut pairs = Vec::new();
            for key in ["k3", "a b", "z", "c,omma", "n"] {
                match next(4) {
                    0 => {}
                    1 => pairs.push(format!("\"{key}\":null")),
                    2 => pairs.push(format!("\"{key}\":{}", i as f64 / 7.0)),
                    _ => pairs.push(format!("\"{key}\":\"v, {i}\"")),
                }
            }
            if next(5) == 0 {
                pairs.reverse();
            }
            lines.push(format!("{{{}}}", pairs.join(",")));
        }
        let stream = lines.join("\n\n");
        let array = format!("[{}]", lines.join(","));
        assert_eq!(csv(&stream), csv(&array));
        assert!(csv(&stream).lines().count() == 301);
        let mut whole = Table::default();
        for (i, record) in values(stream.as_bytes()).enumerate() {
            whole.record(&record.unwrap(), i + 1).unwrap();
        }
        assert_eq!(csv(&stream).into_bytes(), whole.to_csv().unwrap());
        // A key written twice is refused, in both.
        let twice = "{\"a\":1,\"a\":2}\n{\"a\":3}";
        assert!(err(twice).contains("record 1 names the column `a` twice"));
        assert!(
            err("[{\"a\":1,\"a\":2},{\"a\":3}]").contains("record 1 names the column `a` twice")
        );
        // Refused with the record, past the first two.
        assert!(err("{\"a\":1}\n{\"a\":2}\n[3]").contains("record 3 is an array"));
        assert!(err("{\"a\":1}\n{\"a\":2}\n{\"a\":{\"b\":1}}")
            .contains("record 3: `a` holds an object"));
        assert!(err("{}\n{}").contains("holds no records with column names"));
        assert!(err("{\"a\":1}\n{\"a\":").starts_with("is not JSON: "));
        // A record cut short, then whole ones: the parser reads on into
        // the next record and fails lines later; the message names the
        // line cut short.
        let e = err("{\"a\":1,\"b\":2}\n{\"a\":3, \"b\": \n{\"a\":4,\"b\":5}\n{\"a\":6,\"b\":7}\n");
        assert!(
            e.ends_with("(line 2 looks cut short: it opens a record and does not close it)"),
            "{e}"
        );
    }

    #[test]
    fn numbers_keep_their_value() {
        assert_eq!(
            csv(r#"[{"x":18446744073709551615,"y":-3,"z":1e-7,"w":1.0}]"#),
            "x,y,z,w\n18446744073709551615,-3,0.0000001,1.0\n"
        );
    }

    #[test]
    fn what_is_no_table_is_refused_with_where() {
        assert!(err("").contains("holds no JSON value"), "{}", err(""));
        assert!(err("{\"a\":1").starts_with("is not JSON: "));
        assert!(err("[1,2]").contains("record 1 is a number, expected an object"));
        assert!(err("[[1,2]]").contains("without column names"));
        assert!(err("{\"a\":1}\n{\"a\":[1]}").contains("record 2: `a` holds an array"));
        assert!(err(r#"{"columns":["a"],"data":[[1,2]]}"#)
            .contains("row 1 of `data` has 2 values, expected 1"));
        assert!(err("[]").contains("holds no records with column names"));
        assert!(err("[{}]").contains("holds no records with column names"));
        assert!(err(r#"{"schema_version":3,"rules":[]}"#).contains("is a rule set"));
    }

    #[test]
    fn any_bytes_give_text_or_an_error() {
        // No panic on any input: a cut-short stream, deep nesting, junk.
        let deep = "[".repeat(10_000);
        for input in [
            deep.as_str(),
            "{\"a\":",
            "\u{0}\u{1}",
            "nul",
            "[{\"a\":1},2]",
        ] {
            let _ = json_as_csv(input.as_bytes());
        }
    }
}
