//! What a table's text columns say about how they were written: the notes
//! [`super::Table::with_levels_from`] gives when a column of categories is
//! numbers with a marker for missing values, with currency or percent
//! signs or decimal commas, dates, an identifier, or values that differ
//! only in case or spaces. Each reads the training rows' levels and their
//! counts only.

/// A note when a text column is numbers but for a few other values in the
/// training rows (`counts`: training rows per level): a marker such as `?`
/// or `-` for a missing value makes the whole column text, so a rule can
/// only list its numbers as categories. At least 90 % of the column's
/// training values numbers, and at most 5 distinct other values; or, when
/// every other value is a mark with no letter or digit in it (`?`, `-`,
/// `.`) or a word that names a missing value (`None`, as Python writes
/// one, `missing`, `unknown`), however often it stands (UCI's files mark
/// half a column `?`), as long as a tenth of the values are numbers.
pub(super) fn numbers_but_for(name: &str, levels: &[String], counts: &[usize]) -> Option<String> {
    let (mut numeric, mut others) = (0usize, Vec::new());
    for (level, &n) in levels.iter().zip(counts) {
        if n == 0 {
            continue;
        }
        if level.trim().parse::<f64>().is_ok() {
            numeric += n;
        } else {
            others.push((level.as_str(), n));
        }
    }
    let total = numeric + others.iter().map(|(_, n)| n).sum::<usize>();
    let marks = others.iter().all(|(v, _)| {
        let v = v.trim();
        (!v.is_empty() && !v.chars().any(char::is_alphanumeric)) || missing_word(v)
    });
    let enough = if marks { 0.1 } else { 0.9 };
    if others.is_empty() || others.len() > 5 || (numeric as f64) < enough * total as f64 {
        return None;
    }
    others.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let listed: Vec<String> = others
        .iter()
        .map(|(v, n)| format!("`{v}` in {n} {}", if *n == 1 { "row" } else { "rows" }))
        .collect();
    Some(format!(
        "column `{name}` is read as text, not numbers, because of {} of its training values ({}); if {} a missing value, leave those cells empty (or write NA) and the column reads as numbers",
        if others.len() == 1 { "one" } else { "a few" },
        listed.join(", "),
        if others.len() == 1 { "it marks" } else { "they mark" },
    ))
}

pub(crate) use rulec_codegen::book::shell_word;

/// Whether `text` is a word files write for a missing value that rulec
/// does not read as one (those it does, `NA`, `NULL`, are no values at
/// all): `None` (Python's), `nil`, `missing`, `unknown`, `undefined`.
fn missing_word(text: &str) -> bool {
    ["none", "nil", "missing", "unknown", "undefined"]
        .iter()
        .any(|w| text.eq_ignore_ascii_case(w))
}

/// A note when a text column's training values are all numbers, and it is
/// text because of a few other values (at most 5 distinct) outside the
/// training rows (`counts`: training rows per level): rules compare none
/// of its numbers, and the values to blame are in rows no note above reads.
pub(super) fn numbers_but_outside(
    name: &str,
    levels: &[String],
    counts: &[usize],
) -> Option<String> {
    let number = |l: &String| l.trim().parse::<f64>().is_ok();
    let trained: Vec<&String> = levels
        .iter()
        .zip(counts)
        .filter(|(_, &n)| n > 0)
        .map(|(l, _)| l)
        .collect();
    let others: Vec<&String> = levels
        .iter()
        .zip(counts)
        .filter(|(l, &n)| n == 0 && !number(l))
        .map(|(l, _)| l)
        .collect();
    if trained.is_empty()
        || !trained.iter().all(|l| number(l))
        || others.is_empty()
        || others.len() > 5
    {
        return None;
    }
    let listed: Vec<String> = others.iter().map(|v| format!("`{v}`")).collect();
    Some(format!(
        "column `{name}` is read as text, not numbers, because of {} outside the training rows ({}): its training values are all numbers, and as text a rule can only list them as categories; if {} a missing value, leave those cells empty (or write NA), else correct {}, and the column reads as numbers",
        if others.len() == 1 { "one value" } else { "a few values" },
        listed.join(", "),
        if others.len() == 1 { "it marks" } else { "they mark" },
        if others.len() == 1 { "it" } else { "them" },
    ))
}

/// `text` as a number written with a currency sign or a percent sign
/// (`$1,234.50`, `-€3`, `12.5 %`, `7%`), when it is one: the number and
/// the sign. Plain numbers are not.
pub(crate) fn number_with_sign(text: &str) -> Option<(f64, char)> {
    const SIGNS: [char; 6] = ['$', '€', '£', '¥', '₹', '%'];
    let t = text.trim();
    // An accounting negative: `(1,234.00)`, `($5)`; its sign is `(`.
    if let Some(inner) = t.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        let x = number_with_sign(inner)
            .map(|(x, _)| x)
            .or_else(|| crate::ingest::parse_number(inner.trim()))?;
        return (x >= 0.0).then_some((-x, '('));
    }
    let (negative, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, t),
    };
    let (sign, rest) = if let Some(c) = t.chars().next().filter(|c| SIGNS.contains(c) && *c != '%')
    {
        (c, &t[c.len_utf8()..])
    } else if let Some(c) = t.chars().next_back().filter(|c| SIGNS.contains(c)) {
        (c, &t[..t.len() - c.len_utf8()])
    } else {
        return None;
    };
    let x = crate::ingest::parse_number(rest.trim())?;
    Some((if negative { -x } else { x }, sign))
}

/// A note when a text column holds numbers written with a currency or
/// percent sign (at least 90 % of its training values numbers, some with
/// a sign): each value is then a category, where a rule could have
/// compared the number.
pub(super) fn numbers_with_signs(
    name: &str,
    levels: &[String],
    counts: &[usize],
) -> Option<String> {
    let signed = Tally::of(levels, counts, |l| number_with_sign(l).is_some());
    let numbers = Tally::of(levels, counts, |l| {
        number_with_sign(l).is_some() || crate::ingest::parse_number(l).is_some()
    });
    let example = signed.first?;
    if !numbers.most() {
        return None;
    }
    if number_with_sign(example).is_some_and(|(_, sign)| sign == '(') {
        return Some(format!(
            "column `{name}` holds numbers with negatives written in parentheses, as accounting does (such as `{example}`), read as text: each value is a category of its own, and a rule cannot compare them; write negatives with a minus sign (and the numbers without a currency sign) and the column reads as numbers"
        ));
    }
    Some(format!(
        "column `{name}` holds numbers written with a currency or percent sign (such as `{example}`), read as text: each value is a category of its own, and a rule cannot compare them; write the numbers alone (the unit can go in the column name) and the column reads as numbers"
    ))
}

/// Whether `text` is a number written with a decimal comma (`0,06`,
/// `-12,5`, `1.234,5`, `1 234,5`): digits (thousands grouped by points,
/// by spaces as French and Swiss spreadsheets write them, or not), one
/// comma, digits, and not thousands in groups of three (`1,234`, which
/// [`crate::ingest::parse_number`] reads as 1234).
pub(crate) fn decimal_comma(text: &str) -> bool {
    let t = text.trim();
    let t = t.strip_prefix(['-', '+']).unwrap_or(t);
    let Some((int, frac)) = t.split_once(',') else {
        return false;
    };
    // Thousands may be grouped with points: `1.234.567,89`.
    let int_ok = THOUSANDS.iter().any(|&mark| grouped(int, mark));
    int_ok && digits(frac) && crate::ingest::parse_number(t).is_none()
}

/// What separates groups of thousands: a point (`1.234,5`), a space, a
/// no-break space or a narrow one (`1 234,5`, as French spreadsheets
/// write it).
const THOUSANDS: [char; 4] = ['.', ' ', '\u{a0}', '\u{202f}'];

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `int` is digits, whole or in groups of three after a first
/// group of one to three, separated by `mark`.
fn grouped(int: &str, mark: char) -> bool {
    let groups: Vec<&str> = int.split(mark).collect();
    match groups.as_slice() {
        [one] => digits(one),
        [first, rest @ ..] => {
            (1..=3).contains(&first.len())
                && digits(first)
                && rest.iter().all(|g| g.len() == 3 && digits(g))
        }
        [] => false,
    }
}

/// Whether `text` is a number whose thousands are grouped by spaces and
/// whose fraction, if any, follows a point (`2 559.1`, `12 000`): a form
/// [`crate::ingest::parse_number`] does not read.
pub(crate) fn spaced_thousands(text: &str) -> bool {
    let t = text.trim();
    let t = t.strip_prefix(['-', '+']).unwrap_or(t);
    let (int, frac) = t.split_once('.').unwrap_or((t, "0"));
    THOUSANDS[1..]
        .iter()
        .any(|&mark| int.contains(mark) && grouped(int, mark))
        && digits(frac)
}

/// A note when a text column holds numbers written with a decimal comma,
/// as spreadsheets in much of Europe write them, or with spaces between
/// their thousands (at least 90 % of its training values numbers, some in
/// such a form): each value is then a category, where a rule could have
/// compared the number.
pub(super) fn numbers_with_decimal_commas(
    name: &str,
    levels: &[String],
    counts: &[usize],
) -> Option<String> {
    let commas = Tally::of(levels, counts, decimal_comma);
    let spaced = Tally::of(levels, counts, spaced_thousands);
    let numbers = Tally::of(levels, counts, |l| {
        decimal_comma(l) || spaced_thousands(l) || crate::ingest::parse_number(l).is_some()
    });
    if !numbers.most() {
        return None;
    }
    if let Some(example) = commas.first {
        return Some(format!(
            "column `{name}` holds numbers written with a decimal comma (such as `{example}`), read as text: each value is a category of its own, and a rule cannot compare them; write them with a decimal point and no spaces between thousands (a spreadsheet's export settings choose it) and the column reads as numbers"
        ));
    }
    let example = spaced.first?;
    Some(format!(
        "column `{name}` holds numbers with spaces between their thousands (such as `{example}`), read as text: each value is a category of its own, and a rule cannot compare them; write them without those spaces (a spreadsheet's export settings choose it) and the column reads as numbers"
    ))
}

/// Two values that differ only in case or the spaces around them (`hi`,
/// ` hi `, `Hi`), the first such pair in the order given: a file's habit
/// more often than two meanings, and they are two categories (or classes)
/// all the same.
pub(crate) fn twins<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<(&'a str, &'a str)> {
    let mut seen: std::collections::BTreeMap<String, &str> = std::collections::BTreeMap::new();
    for v in values {
        let key = v.trim().to_lowercase();
        match seen.get(&key) {
            Some(&first) if first != v => return Some((first, v)),
            Some(_) => {}
            None => {
                seen.insert(key, v);
            }
        }
    }
    None
}

/// How many training values of a text column pass a test: `counts` holds
/// the training rows per level.
struct Tally<'a> {
    /// Training rows with a value.
    rows: usize,
    /// Of which pass.
    hits: usize,
    /// Distinct values that pass.
    distinct: usize,
    /// The first passing value, in level order.
    first: Option<&'a str>,
}

impl<'a> Tally<'a> {
    fn of(levels: &'a [String], counts: &[usize], test: impl Fn(&str) -> bool) -> Tally<'a> {
        let mut t = Tally {
            rows: 0,
            hits: 0,
            distinct: 0,
            first: None,
        };
        for (level, &n) in levels.iter().zip(counts) {
            if n == 0 {
                continue;
            }
            t.rows += n;
            if test(level) {
                t.hits += n;
                t.distinct += 1;
                t.first.get_or_insert(level.as_str());
            }
        }
        t
    }

    /// Whether at least 90 % of the values pass.
    fn most(&self) -> bool {
        self.hits as f64 >= 0.9 * self.rows as f64
    }
}

/// A note when nearly every training row of a text column has a value of
/// its own (at least 95 % of them distinct, over 50 rows), as an
/// identifier does: a rule can only list values seen in training, which
/// new rows do not have. It is the column's one note: it says too how many
/// values are kept as categories when there are more than `max_categories`.
pub(super) fn identifiers(name: &str, counts: &[usize], max_categories: usize) -> Option<String> {
    if !value_per_row(counts) {
        return None;
    }
    let rows: usize = counts.iter().sum();
    let distinct = counts.iter().filter(|&&n| n > 0).count();
    let kept = if distinct > max_categories {
        format!(" (rulec keeps the {max_categories} most frequent of them as categories)")
    } else {
        String::new()
    };
    let [_, _, text] = rulec_codegen::book::per_row_prefixes(name);
    Some(format!(
        "{text}{distinct} of its {rows} training rows, as an identifier does: a rule can only list values seen in training{kept}, which new rows do not have; if it is an identifier, keep rules off it with --forbid {}", shell_word(name)
    ))
}

/// Whether nearly every training row has a value of its own (`counts`:
/// training rows per level): at least 95 % of them distinct, over 50 rows.
pub(super) fn value_per_row(counts: &[usize]) -> bool {
    let rows: usize = counts.iter().sum();
    let distinct = counts.iter().filter(|&&n| n > 0).count();
    rows > 50 && distinct as f64 >= 0.95 * rows as f64
}

/// Words that name a code rather than a quantity, as whole words of a
/// column's name (`store_id`, `ZipCode`, `region`).
const CODE_WORDS: &[&str] = &[
    "id",
    "code",
    "zip",
    "zipcode",
    "postcode",
    "postal",
    "fips",
    "commune",
    "district",
    "region",
    "county",
    "store",
    "branch",
    "shop",
    "department",
    "dept",
    "sector",
    "industry",
    "occupation",
    "category",
];

/// The words of a column's name, lowercase: split at every character that
/// is no letter or digit and where a lowercase letter meets an uppercase
/// one (`StoreID` is `store`, `id`).
fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for ch in name.chars() {
        if !ch.is_alphanumeric() {
            words.extend((!word.is_empty()).then(|| std::mem::take(&mut word)));
            prev_lower = false;
            continue;
        }
        if ch.is_uppercase() && prev_lower {
            words.push(std::mem::take(&mut word));
        }
        prev_lower = ch.is_lowercase();
        word.extend(ch.to_lowercase());
    }
    words.extend((!word.is_empty()).then_some(word));
    words
}

/// A note when a column of numbers holds whole numbers only, at least 3
/// distinct in the training rows, and reads as an identifier or a code.
/// An identifier (or a row number) has a value of its own in nearly every
/// training row (at least 95 % distinct, over 50 rows) and its values fill
/// at least a third of their range, as numbers counted out do: a rule
/// comparing it holds only for rows numbered alike, and `--forbid` keeps
/// rules off it.
/// A code has a word of [`CODE_WORDS`] in its name, or values that behave
/// as labels on those rows ([`class_follows_labels`], given `labels`, the
/// class of each value in `values`' order): the rules compare it as a
/// quantity, and `--categorical` reads it as categories instead.
pub(super) fn codes_as_numbers(
    name: &str,
    values: impl Iterator<Item = f64>,
    labels: Option<&[u32]>,
) -> Option<String> {
    let named = name_words(name)
        .iter()
        .any(|w| CODE_WORDS.contains(&w.as_str()));
    if !named && labels.is_none() {
        return None;
    }
    // (value, class) of every row with a value, sorted: one pass then
    // finds the distinct values and each one's classes.
    let mut rows: Vec<(i64, u32)> = Vec::new();
    for (i, x) in values.enumerate() {
        if x.is_nan() {
            continue;
        }
        let class = labels.and_then(|l| l.get(i)).copied().unwrap_or(0);
        rows.push((whole_number(x)?, class));
    }
    rows.sort_unstable();
    let mut distinct: Vec<i64> = rows.iter().map(|&(v, _)| v).collect();
    distinct.dedup();
    let n = distinct.len();
    if n < 3 {
        return None;
    }
    let middle = distinct[n / 2];
    // Numbers of a count: nearly every row its own, and filling at least a
    // third of their range (random quantities that spread so thin repeat:
    // 95 % distinct takes a range some 10 times the rows).
    let span = distinct[n - 1]
        .saturating_sub(distinct[0])
        .saturating_add(1);
    if rows.len() > 50 && n as f64 >= 0.95 * rows.len() as f64 && span <= 3 * n as i64 {
        let [counted, _, _] = rulec_codegen::book::per_row_prefixes(name);
        return Some(format!(
            "{counted}{n} of its {} training rows, as an identifier or a row number does: a rule comparing it (`{name} >= {middle}`) holds for new rows only if they are numbered as these were; if it is an identifier, keep rules off it with --forbid {}",
            rows.len(),
            shell_word(name),
        ));
    }
    // Named as an identifier and with a value of its own in most rows (a
    // sample's or a customer's number, however sparse): as categories it
    // would be a list of the ids seen, no more use to new rows.
    let id_named = name_words(name).iter().any(|w| w == "id");
    if id_named && rows.len() > 50 && n as f64 >= 0.8 * rows.len() as f64 {
        let [_, named, _] = rulec_codegen::book::per_row_prefixes(name);
        return Some(format!(
            "{named}a different whole number in {n} of its {} training rows: a rule comparing it (`{name} >= {middle}`) holds for new rows only if they are numbered as these were; if it is an identifier, keep rules off it with --forbid {}",
            rows.len(),
            shell_word(name),
        ));
    }
    if named {
        return Some(format!(
            "column `{name}` holds whole numbers ({n} distinct in the training rows) and its name reads as a code; the rules compare it as a quantity (`{name} >= {middle}`); if its numbers are labels whose order means nothing, read them as categories with --categorical {}", shell_word(name)
        ));
    }
    let seen = class_follows_labels(&rows)?;
    Some(format!(
        "column `{name}` holds whole numbers ({n} distinct in the training rows) and the class follows its values as it would a code's: of the training rows whose value repeats, {:.0} % hold their value's most common class (against {:.0} % for the most common class overall), yet that class changes {} times along the values in order, which rules comparing `{name}` as a quantity (`{name} >= {middle}`) can follow only piece by piece; if its numbers are labels whose order means nothing (an id, a code), read them as categories with --categorical {}",
        100.0 * seen.purity,
        100.0 * seen.base,
        seen.changes,
        shell_word(name),
    ))
}

/// `x` as a whole number, when it is one a 64-bit integer holds exactly
/// (below 10^15 in size); `None` for a fraction or NaN.
pub(crate) fn whole_number(x: f64) -> Option<i64> {
    (x.fract() == 0.0 && x.abs() < 1e15).then_some(x as i64)
}

/// What [`class_follows_labels`] saw.
struct LabelPattern {
    /// Share of the rows of repeated values that hold their value's most
    /// common class.
    purity: f64,
    /// Share of the same rows that hold the most common class overall.
    base: f64,
    /// How often the most common class changes from one repeated value to
    /// the next, in increasing order.
    changes: usize,
}

/// Whether the class of a column of whole numbers behaves as if its values
/// were labels rather than quantities, on the training rows `rows` ((value,
/// class), sorted): the values seen at least 3 times (at least 10 of them,
/// holding at least half the rows) together nearly fix the class (at
/// least 90 % of their rows, pooled, hold their own value's most common
/// class, and that
/// removes at least half the errors of answering the most common class
/// overall), yet their most common class changes at least 8 times along
/// the values in increasing order. An id that repeats over a person's or a
/// firm's rows, or a code of states or schools, does this; a quantity that
/// predicts the class does it in few steps (`age >= 40`), and a count that
/// does not predict it does not fix the class at all.
fn class_follows_labels(rows: &[(i64, u32)]) -> Option<LabelPattern> {
    const MIN_ROWS: usize = 3;
    const MIN_VALUES: usize = 10;
    const MIN_PURITY: f64 = 0.9;
    const MIN_CHANGES: usize = 8;
    // Per repeated value, in increasing order: its most common class (the
    // smallest on a tie) and how many rows hold it.
    let mut majorities: Vec<u32> = Vec::new();
    let (mut total, mut held) = (0usize, 0usize);
    let mut overall = std::collections::BTreeMap::<u32, usize>::new();
    for group in rows.chunk_by(|a, b| a.0 == b.0) {
        if group.len() < MIN_ROWS {
            continue;
        }
        let mut best = (0u32, 0usize);
        for run in group.chunk_by(|a, b| a.1 == b.1) {
            let class = run[0].1;
            *overall.entry(class).or_default() += run.len();
            if run.len() > best.1 {
                best = (class, run.len());
            }
        }
        majorities.push(best.0);
        total += group.len();
        held += best.1;
    }
    if majorities.len() < MIN_VALUES || 2 * total < rows.len() {
        return None;
    }
    let base = overall.values().max().copied().unwrap_or_default() as f64 / total as f64;
    let purity = held as f64 / total as f64;
    let changes = majorities.windows(2).filter(|w| w[0] != w[1]).count();
    (purity >= MIN_PURITY && purity >= base + (1.0 - base) / 2.0 && changes >= MIN_CHANGES)
        .then_some(LabelPattern {
            purity,
            base,
            changes,
        })
}

/// Whether `text` is a calendar date, with or without a time of day, as
/// files write them: `2024-03-15`, `2024/3/15`, `15.03.2024`, `03/15/2024`,
/// and any of those followed by `T` or a space and `HH:MM`, seconds,
/// fractions and a zone (`Z`, `+02:00`) as ISO 8601 allows; or with the
/// month's name: `20-Nov-2024`, `20 NOV 24`, `Nov 20, 2024`, `20 November
/// 2024`, a time of day after a space.
pub fn is_date(text: &str) -> bool {
    let t = text.trim();
    if named_month_date(t) {
        return true;
    }
    if let Some((date, time)) = t.rsplit_once(' ') {
        if named_month_date(date) && time_of_day(time) {
            return true;
        }
    }
    let (date, time) = match t.find(['T', ' ']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    calendar_date(date) && time.is_none_or(time_of_day)
}

/// `Y-M-D` with a four-digit year first, or `D.M.Y` / `M/D/Y` / `D-M-Y`
/// with it last; one separator throughout; month and day in range (a day
/// and month that could be either way round are both at most 31).
fn calendar_date(t: &str) -> bool {
    let Some(sep) = t.chars().find(|c| matches!(c, '-' | '/' | '.')) else {
        return false;
    };
    let parts: Vec<&str> = t.split(sep).collect();
    let digits = |p: &&str| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit());
    if parts.len() != 3 || !parts.iter().all(digits) {
        return false;
    }
    let n = |p: &str| p.parse::<u32>().unwrap_or(0);
    let small = |p: &str| (1..=2).contains(&p.len()) && (1..=31).contains(&n(p));
    if parts[0].len() == 4 {
        (1..=2).contains(&parts[1].len()) && (1..=12).contains(&n(parts[1])) && small(parts[2])
    } else {
        parts[2].len() == 4
            && small(parts[0])
            && small(parts[1])
            && (n(parts[0]) <= 12 || n(parts[1]) <= 12)
    }
}

/// A day, a month's name (English, its first three letters or more, any
/// case) and a year (two or four digits), the day first or the month
/// first, with `-`, `/`, `.`, spaces or a comma between them.
fn named_month_date(t: &str) -> bool {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let parts: Vec<&str> = t
        .split(['-', '/', '.', ' ', ','])
        .filter(|p| !p.is_empty())
        .collect();
    let [a, b, year] = parts[..] else {
        return false;
    };
    let month = |p: &str| {
        let p = p.to_ascii_lowercase();
        p.len() >= 3 && MONTHS.iter().any(|m| m.starts_with(&p))
    };
    let number = |p: &str, digits: &[usize]| {
        digits.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    let day = |p: &str| number(p, &[1, 2]) && p.parse::<u32>().is_ok_and(|d| (1..=31).contains(&d));
    number(year, &[2, 4]) && ((day(a) && month(b)) || (month(a) && day(b)))
}

/// Whether `text` is a time of day alone, `HH:MM` or `HH:MM:SS`, a
/// fraction and a zone allowed ([`time_of_day`]).
pub fn is_time(text: &str) -> bool {
    time_of_day(text.trim())
}

/// `HH:MM`, optionally `:SS`, a fraction and a zone (`Z`, `+HH:MM`,
/// `-HHMM`).
fn time_of_day(t: &str) -> bool {
    let t = t.trim();
    let t = t.strip_suffix('Z').unwrap_or(t);
    let clock = match t.rfind(['+', '-']) {
        Some(i) if i >= 5 => {
            let zone = &t[i + 1..];
            let zone_digits: String = zone.chars().filter(|c| *c != ':').collect();
            if zone_digits.len() != 4 || !zone_digits.bytes().all(|b| b.is_ascii_digit()) {
                return false;
            }
            &t[..i]
        }
        _ => t,
    };
    let (whole, fraction) = clock.split_once('.').unwrap_or((clock, "0"));
    let parts: Vec<&str> = whole.split(':').collect();
    let two = |p: &&str, most: u32| {
        p.len() == 2
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|v| v <= most)
    };
    (2..=3).contains(&parts.len())
        && two(&parts[0], 23)
        && two(&parts[1], 59)
        && parts.get(2).is_none_or(|s| two(s, 60))
        && !fraction.is_empty()
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// A note when a text column holds dates (at least 90 % of its training
/// values, see [`is_date`]): each date is then a category of its own, so a
/// rule can only list dates seen in training and a later one matches none.
/// `counts`: training rows per level.
pub(super) fn dates_as_text(name: &str, levels: &[String], counts: &[usize]) -> Option<String> {
    let dates = Tally::of(levels, counts, is_date);
    let Some(example) = dates.first.filter(|_| dates.most()) else {
        let times = Tally::of(levels, counts, is_time);
        let example = times.first?;
        if !times.most() {
            return None;
        }
        let distinct = times.distinct;
        return Some(format!(
            "column `{name}` holds times of day (such as `{example}`; {distinct} distinct in the training rows), read as text: each time is a category of its own, so a rule can only list times seen in training and cannot say \"after 17:00\"; to use it, add a column of numbers derived from it (the hour, minutes since midnight), or keep rules off it with --forbid {}", shell_word(name)
        ));
    };
    let distinct = dates.distinct;
    Some(format!(
        "column `{name}` holds dates (such as `{example}`; {distinct} distinct in the training rows), read as text: each date is a category of its own, so a rule can only list dates seen in training and a later date matches none; to use it, add columns of numbers derived from it (month, weekday, hour, days since a fixed date), or keep rules off it with --forbid {}", shell_word(name)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mark_for_missing_values_is_named_however_often_it_stands() {
        let levels: Vec<String> = ["1.5", "2", "?", "x"].map(String::from).to_vec();
        // Half the rows `?`: still a mark, still named.
        let note = numbers_but_for("a", &levels[..3], &[30, 20, 50]).unwrap();
        assert!(note.contains("(`?` in 50 rows)"), "{note}");
        // A word in half the rows may be a value of its own: no note.
        assert_eq!(
            numbers_but_for("a", &[levels[0].clone(), levels[3].clone()], &[50, 50]),
            None
        );
        // Rare, a word is named as before; a column of marks only is not
        // numbers at all.
        assert!(numbers_but_for("a", &levels, &[60, 35, 0, 5]).is_some());
        assert_eq!(numbers_but_for("a", &levels[2..3], &[10]), None);
        // Numbers as French spreadsheets write them, and with spaced
        // thousands and a decimal point.
        let french: Vec<String> = ["539,57", "1\u{a0}273,92", "2\u{a0}000,5"]
            .map(String::from)
            .to_vec();
        let note = numbers_with_decimal_commas("m", &french, &[1, 1, 1]).unwrap();
        assert!(note.contains("decimal comma (such as `539,57`)"), "{note}");
        let spaced: Vec<String> = ["2 559.1", "300.5", "12 000"].map(String::from).to_vec();
        let note = numbers_with_decimal_commas("m", &spaced, &[1, 1, 1]).unwrap();
        assert!(
            note.contains("spaces between their thousands (such as `2 559.1`)"),
            "{note}"
        );
        assert_eq!(shell_word("colour"), "colour");
        assert_eq!(shell_word("région_2"), "région_2");
        assert_eq!(shell_word("Montant (€)"), "'Montant (€)'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word(""), "''");
        assert_eq!(shell_word("id\nerror: x's"), "$'id\\nerror: x\\'s'");
        assert_eq!(shell_word("a\u{1b}[1m\\"), "$'a\\x1b[1m\\\\'");
        // Python's `None` for a missing value, in a fifth of the rows (a
        // word, but one that names a missing value): named.
        let none: Vec<String> = ["1.5", "2", "None"].map(String::from).to_vec();
        let note = numbers_but_for("a", &none, &[40, 40, 20]).unwrap();
        assert!(note.contains("(`None` in 20 rows)"), "{note}");
    }

    #[test]
    fn a_column_of_whole_numbers_the_class_follows_as_a_code_gets_a_note() {
        // 40 firms, 4 rows each; a firm's sector is fixed and unrelated to
        // the order of its number (every third firm is "b").
        let firms: Vec<f64> = (0..160).map(|i| f64::from(100 + (i % 40) * 7)).collect();
        let sector: Vec<u32> = (0..160).map(|i| u32::from((i % 40) % 3 == 0)).collect();
        let note = codes_as_numbers("firm", firms.iter().copied(), Some(&sector)).unwrap();
        assert!(
            note.starts_with("column `firm` holds whole numbers (40 distinct in the training rows) and the class follows its values as it would a code's: of the training rows whose value repeats, 100 % hold their value's most common class (against 65 % for the most common class overall), yet that class changes 26 times along the values in order"),
            "{note}"
        );
        assert!(
            note.ends_with("read them as categories with --categorical firm"),
            "{note}"
        );
        // A firm with a row of the other sector here and there: still.
        let mut noisy = sector.clone();
        noisy[0] = 1 - noisy[0];
        assert!(codes_as_numbers("firm", firms.iter().copied(), Some(&noisy)).is_some());
        // A quantity that decides the class in one step: no note.
        let age: Vec<f64> = (0..160).map(|i| f64::from(20 + i % 40)).collect();
        let old: Vec<u32> = age.iter().map(|&a| u32::from(a >= 40.0)).collect();
        assert_eq!(
            codes_as_numbers("age", age.iter().copied(), Some(&old)),
            None
        );
        // A count the class does not follow: no note.
        let noise: Vec<u32> = (0..160).map(|i| u32::from((i * 7919) % 13 < 6)).collect();
        assert_eq!(
            codes_as_numbers("calls", age.iter().copied(), Some(&noise)),
            None
        );
        // Values that repeat too little to fix a class say nothing of a
        // code (these, 2 rows each); nor do fractions.
        let pairs: Vec<f64> = (0..160).map(|i| f64::from(i / 2)).collect();
        assert_eq!(
            codes_as_numbers("n", pairs.iter().copied(), Some(&sector)),
            None
        );
        let fractions: Vec<f64> = firms.iter().map(|x| x + 0.5).collect();
        assert_eq!(
            codes_as_numbers("firm", fractions.into_iter(), Some(&sector)),
            None
        );
        // A number of its own in nearly every row is an identifier's (or
        // a row number's), whatever its name and its classes say.
        let serial: Vec<f64> = (0..120).map(|i| f64::from(1000 + i)).collect();
        let sorted: Vec<u32> = (0..120).map(|i| u32::from(i >= 60)).collect();
        for name in ["serial", "customer_id"] {
            let note = codes_as_numbers(name, serial.iter().copied(), Some(&sorted)).unwrap();
            assert_eq!(
                note,
                format!("column `{name}` holds a different whole number in 120 of its 120 training rows, as an identifier or a row number does: a rule comparing it (`{name} >= 1060`) holds for new rows only if they are numbered as these were; if it is an identifier, keep rules off it with --forbid {name}")
            );
        }
        // Numbers of their own spread thin (an amount, not a count): no
        // identifier.
        let amounts: Vec<f64> = (0..120).map(|i| f64::from(1000 + 37 * i)).collect();
        assert_eq!(codes_as_numbers("income", amounts.into_iter(), None), None);
        // Over 50 rows only: a few rows say nothing of the kind.
        assert_eq!(
            codes_as_numbers("serial", serial[..40].iter().copied(), Some(&sorted[..40])),
            None
        );
        // Without classes (a numeric target), only the name speaks.
        assert_eq!(codes_as_numbers("firm", firms.iter().copied(), None), None);
    }

    #[test]
    fn a_column_made_text_by_a_value_outside_the_training_rows_is_noted() {
        let levels: Vec<String> = ["1.5", "2", "far", "3"].map(String::from).to_vec();
        let note = numbers_but_outside("distance_mi", &levels, &[4, 7, 0, 2]).unwrap();
        assert!(
            note.starts_with("column `distance_mi` is read as text, not numbers, because of one value outside the training rows (`far`): its training values are all numbers"),
            "{note}"
        );
        // A word among the training values: the other note's case, not this.
        assert!(numbers_but_outside("d", &levels, &[4, 7, 1, 2]).is_none());
        // Nothing but numbers anywhere: no note.
        assert!(numbers_but_outside("d", &levels[..2], &[4, 7]).is_none());
    }

    #[test]
    fn a_sparse_number_named_as_an_identifier_is_noted_as_one() {
        // Sample numbers spread over millions, about 90 % of them distinct (some
        // samples measured twice): not a count, but an identifier by name.
        let values: Vec<f64> = (0..200)
            .map(|i| f64::from(1_000_000 + (i - i / 10) * 13_337))
            .collect();
        let note = codes_as_numbers("ID", values.iter().copied(), None).unwrap();
        assert!(
            note.starts_with("column `ID` is named as an identifier and holds a different whole number in 181 of its 200 training rows")
                && note.ends_with("keep rules off it with --forbid ID"),
            "{note}"
        );
        // A code named so, whose values repeat, is still a code.
        let zip: Vec<f64> = (0..200).map(|i| f64::from(10_000 + i % 7)).collect();
        let note = codes_as_numbers("zip_id", zip.iter().copied(), None).unwrap();
        assert!(note.contains("--categorical zip_id"), "{note}");
    }

    #[test]
    fn a_column_of_whole_numbers_named_as_a_code_gets_a_note() {
        assert_eq!(name_words("StoreID"), ["store", "id"]);
        assert_eq!(name_words("zip_code"), ["zip", "code"]);
        assert_eq!(name_words("area code 2"), ["area", "code", "2"]);
        let codes = [17.0, 23.0, 40.0, f64::NAN, 17.0];
        let note = codes_as_numbers("store_id", codes.into_iter(), None).unwrap();
        assert_eq!(
            note,
            "column `store_id` holds whole numbers (3 distinct in the training rows) and its name reads as a code; the rules compare it as a quantity (`store_id >= 23`); if its numbers are labels whose order means nothing, read them as categories with --categorical store_id"
        );
        // A quantity's name, a fraction, or too few values: no note.
        assert_eq!(codes_as_numbers("income", codes.into_iter(), None), None);
        assert_eq!(codes_as_numbers("idle", codes.into_iter(), None), None);
        assert_eq!(
            codes_as_numbers("region", [1.0, 2.5, 3.0].into_iter(), None),
            None
        );
        assert_eq!(
            codes_as_numbers("region", [1.0, 2.0, 1.0].into_iter(), None),
            None
        );
    }
}
