//! Shares as percentages, as the rule books and the command line print
//! them: never a figure below a limit that reads as reaching it.

/// A share as a percentage with one decimal, or more where one would
/// round a share below 1 up to `100.0 %` or one above 0 down to `0.0 %`
/// (a target of 0.999999 reads `99.9999 %`, not `100.0 %`).
pub fn pct(x: f64) -> String {
    pct_unless(x, |_| false)
}

/// A lower confidence bound (or any figure) as a percentage, beside the
/// `required` precision it is read against: as [`pct`], with more decimals
/// where one would round a figure below the requirement up to it (a bound
/// of 0.9499792 against 95 % reads `94.998 %`, not `95.0 %`).
pub fn pct_lower(x: f64, required: f64) -> String {
    pct_unless(x, |shown| x < required && shown >= required * 100.0)
}

/// Figures said to rise in this order (a bound below the book's bound,
/// below the required precision), as percentages with one number of
/// decimals: as [`pct`] each, with more where one would not read below the
/// next (a bound of 0.99937 below a required 0.99949 reads `99.94 %` and
/// `99.95 %`, not `99.9 %` twice).
pub fn pct_rising(figures: &[f64]) -> Vec<String> {
    let decimals = |s: &str| s.split_once('.').map_or(0, |(_, d)| d.len() - " %".len());
    let mut digits = figures
        .iter()
        .map(|&x| decimals(&pct(x)))
        .max()
        .unwrap_or(1);
    let show = |v: f64, digits: usize| format!("{:.digits$}", v * 100.0);
    let reads_rising = |digits: usize| {
        figures.windows(2).all(|w| {
            w[0] >= w[1]
                || show(w[0], digits).parse::<f64>().ok() < show(w[1], digits).parse::<f64>().ok()
        })
    };
    while digits < 7 && !reads_rising(digits) {
        digits += 1;
    }
    figures
        .iter()
        .map(|&x| format!("{} %", show(x, digits)))
        .collect()
}

/// `x` as a percentage with the fewest decimals (one to seven) at which
/// the figure shown neither rounds a share below 1 up to 100 nor one above
/// 0 down to 0, nor is `misleading` (given the figure shown).
fn pct_unless(x: f64, misleading: impl Fn(f64) -> bool) -> String {
    let p = x * 100.0;
    let mut digits = 1;
    while digits < 8 {
        let shown: f64 = format!("{p:.digits$}").parse().unwrap_or(p);
        let wrong = (x < 1.0 && shown == 100.0) || (x > 0.0 && shown == 0.0) || misleading(shown);
        if !wrong {
            break;
        }
        digits += 1;
    }
    format!("{p:.digits$} %")
}

/// A share as a percentage, or a dash when there is none.
pub fn opt_pct(x: Option<f64>) -> String {
    x.map_or("–".to_string(), pct)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_figure_below_a_limit_never_reads_as_reaching_it() {
        assert_eq!(pct(0.949704), "95.0 %");
        assert_eq!(pct_lower(0.949704, 0.95), "94.97 %");
        let apart = |x, limit| pct_rising(&[x, limit]).join(" < ");
        assert_eq!(apart(0.949704, 0.95), "94.97 % < 95.00 %");
        assert_eq!(apart(0.99937, 0.99949), "99.94 % < 99.95 %");
        assert_eq!(apart(0.94999, 0.95), "94.999 % < 95.000 %");
        assert_eq!(apart(0.9499990, 0.9499992), "94.99990 % < 94.99992 %");
        // Far apart, or not rising: as `pct` prints each.
        assert_eq!(apart(0.80, 0.95), "80.0 % < 95.0 %");
        assert_eq!(apart(0.97, 0.95), "97.0 % < 95.0 %");
        // A bound far below the book's own bound, just below the target.
        assert_eq!(
            pct_rising(&[0.80, 0.94996, 0.95]).join(" < "),
            "80.000 % < 94.996 % < 95.000 %"
        );
    }
}
