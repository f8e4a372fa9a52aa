//! The column a name given was probably meant to be, for "did you mean"
//! in messages: the rule DSL's and the command line's.

/// The one name of `names` that `name` is but for case, spaces around it
/// or a slip of at most two characters (one for names of up to five;
/// names of up to 64 characters), or else the one name that begins with
/// `name` (`churn` for `churned`, for names of four letters or more);
/// `None` when there is no one such name.
pub fn near_name<'a>(name: &str, names: &'a [String]) -> Option<&'a String> {
    let wanted = name.trim().to_lowercase();
    let close: Vec<&String> = names
        .iter()
        .filter(|c| {
            let c = c.trim().to_lowercase();
            let (n, m) = (c.chars().count(), wanted.chars().count());
            // Two edits turn many a short name into another (`nope` into
            // `zone`): one for names of up to five letters.
            let allowed = if m <= 5 { 1 } else { 2 };
            c == wanted
                || (m >= 4 && n.abs_diff(m) <= allowed && m <= 64 && edits(&c, &wanted) <= allowed)
        })
        .collect();
    if let [one] = close.as_slice() {
        return Some(one);
    }
    if !close.is_empty() {
        return None;
    }
    let begun: Vec<&String> = names
        .iter()
        .filter(|c| wanted.chars().count() >= 4 && c.trim().to_lowercase().starts_with(&wanted))
        .collect();
    match begun.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

/// Edit distance (insertions, deletions, substitutions) between `a` and `b`.
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let next = (diagonal + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slip_a_case_or_a_beginning_finds_the_one_name() {
        assert_eq!(edits("kitten", "sitting"), 3);
        assert_eq!(edits("", "abc"), 3);
        let names: Vec<String> = ["sex ", "region", "churned", "zone", "zona"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(near_name("sex", &names).map(String::as_str), Some("sex "));
        assert_eq!(
            near_name("Regoin", &names).map(String::as_str),
            Some("region")
        );
        assert_eq!(
            near_name("churn", &names).map(String::as_str),
            Some("churned")
        );
        // Two names as near: neither.
        assert_eq!(near_name("zonx", &names), None);
        assert_eq!(near_name("nope", &names), None);
    }
}
