//! The rule book's figures as inline SVG, written by hand: no plotting
//! crate, no scripts, no fonts or styles from outside the file.
//!
//! Each function returns one `<svg>` element (or `None` when the rule set
//! carries no figures to draw). Every string from data goes through
//! [`escape`]; coordinates are printed with one decimal so the output is
//! byte-identical for the same rule set. Tooltips are SVG `<title>`
//! elements, which browsers show without any script.

use std::fmt::Write;

use rulec_runtime::ir::{RuleSet, SetFigures};

use crate::book::{pct, pct_lower};

/// Escapes text for HTML and SVG content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in HTML text; show a space.
            c if c.is_control() && c != '\n' && c != '\t' => out.push(' '),
            // A bidirectional override or a zero-width character would
            // change what a reader sees: show it by its code.
            c if rulec_runtime::dsl::is_invisible(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// At most `max` characters, with an ellipsis when cut, for labels.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

const FONT: &str = "font-family=\"sans-serif\" font-size=\"12\"";
const INK: &str = "#222";
const GRID: &str = "#ddd";
const BAR: &str = "#4a78b5";
const BOUND: &str = "#1b2a41";
const TARGET: &str = "#c0392b";
const RIGHT: &str = "#2e7d32";
const WRONG: &str = "#c62828";

/// The lower end of a precision axis: a multiple of 5 % below every value,
/// so the differences between rules near 100 % stay visible.
fn precision_floor(values: impl Iterator<Item = f64>) -> f64 {
    let lowest = values.filter(|v| v.is_finite()).fold(1.0_f64, f64::min);
    let floor = ((lowest - 0.01) * 20.0).floor() / 20.0;
    floor.clamp(0.0, 0.95)
}

/// Round tick positions covering `[lo, hi]`, at most about six.
fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = (hi - lo).max(1e-9);
    let step = [0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0]
        .into_iter()
        .find(|s| span / s <= 6.0)
        .unwrap_or(1.0);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

/// A share axis's upper end: a round value above `max`.
fn share_ceiling(max: f64) -> f64 {
    [0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 0.75, 1.0]
        .into_iter()
        .find(|c| max <= *c)
        .unwrap_or(1.0)
}

fn open_svg(svg: &mut String, width: f64, height: f64, title: &str, id: &str) {
    let _ = writeln!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{id}\" role=\"img\" viewBox=\"0 0 {width:.0} {height:.0}\" \
         width=\"{width:.0}\" height=\"{height:.0}\" {FONT}><title>{}</title>",
        escape(title)
    );
    let _ = writeln!(
        svg,
        "<rect x=\"0\" y=\"0\" width=\"{width:.0}\" height=\"{height:.0}\" fill=\"#fff\"/>"
    );
}

fn text(svg: &mut String, x: f64, y: f64, anchor: &str, body: &str) {
    let _ = writeln!(
        svg,
        "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\" fill=\"{INK}\">{}</text>",
        escape(body)
    );
}

fn line(svg: &mut String, (x1, y1): (f64, f64), (x2, y2): (f64, f64), stroke: &str, extra: &str) {
    let _ = writeln!(
        svg,
        "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"{stroke}\"{extra}/>"
    );
}

/// Per-rule bars: the share of validation rows each rule answers (left) and
/// its validation precision with the lower bound and the required precision
/// (right); a ring marks the precision on test rows.
pub fn rule_bars(set: &RuleSet) -> Option<String> {
    let rows: Vec<_> = set
        .rules
        .iter()
        .filter_map(|r| r.evidence.as_ref().map(|e| (r, e)))
        .collect();
    if rows.is_empty() {
        return None;
    }
    let total = set
        .summary
        .as_ref()
        .map(|s| s.validation.rows)
        .unwrap_or_else(|| rows.iter().map(|(_, e)| e.validation.support).sum());
    let share = |n: u64| {
        if total == 0 {
            0.0
        } else {
            n as f64 / total as f64
        }
    };
    let max_share = rows
        .iter()
        .map(|(_, e)| share(e.validation.support))
        .fold(0.0, f64::max);
    let share_hi = share_ceiling(max_share);
    let target = set.certification.precision;
    // Rules without validation rows have a bound of 0 and no precision;
    // they would squash the axis for nothing.
    let p_lo = precision_floor(
        rows.iter()
            .filter(|(_, e)| e.validation.support > 0)
            .flat_map(|(_, e)| {
                [
                    e.validation.precision(),
                    Some(e.validation.precision_lower_bound),
                    e.test.as_ref().and_then(|t| t.precision()),
                ]
            })
            .flatten()
            .chain(std::iter::once(target)),
    );

    let (label_w, panel_w, gap, row_h, top) = (170.0, 300.0, 70.0, 20.0, 46.0);
    let a_x = label_w;
    let b_x = a_x + panel_w + gap;
    let width = b_x + panel_w + 30.0;
    let height = top + row_h * rows.len() as f64 + 34.0;
    let sx = |s: f64| a_x + panel_w * (s / share_hi).clamp(0.0, 1.0);
    let px = |p: f64| b_x + panel_w * ((p - p_lo) / (1.0 - p_lo)).clamp(0.0, 1.0);

    let mut svg = String::new();
    open_svg(
        &mut svg,
        width,
        height,
        "Per rule: share of validation rows answered, and precision with its lower bound",
        "fig-rule-bars",
    );
    text(
        &mut svg,
        a_x,
        16.0,
        "start",
        "Share of validation rows answered",
    );
    text(
        &mut svg,
        b_x,
        16.0,
        "start",
        &format!("Precision on validation rows (axis from {})", pct(p_lo)),
    );
    // Legend of the precision panel.
    let ly = 32.0;
    let _ = writeln!(
        svg,
        "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"12\" height=\"8\" fill=\"{BAR}\"/>",
        b_x,
        ly - 8.0
    );
    text(&mut svg, b_x + 16.0, ly, "start", "precision");
    line(
        &mut svg,
        (b_x + 82.0, ly - 10.0),
        (b_x + 82.0, ly + 1.0),
        BOUND,
        " stroke-width=\"3\"",
    );
    text(&mut svg, b_x + 88.0, ly, "start", "lower bound");
    let _ = writeln!(
        svg,
        "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"none\" stroke=\"{INK}\"/>",
        b_x + 170.0,
        ly - 4.0
    );
    text(&mut svg, b_x + 178.0, ly, "start", "test");
    line(
        &mut svg,
        (b_x + 212.0, ly - 4.0),
        (b_x + 226.0, ly - 4.0),
        TARGET,
        " stroke-dasharray=\"4 3\" stroke-width=\"2\"",
    );
    text(&mut svg, b_x + 230.0, ly, "start", "required");

    let bottom = top + row_h * rows.len() as f64;
    for t in ticks(0.0, share_hi) {
        line(&mut svg, (sx(t), top - 4.0), (sx(t), bottom), GRID, "");
        text(&mut svg, sx(t), bottom + 14.0, "middle", &pct_short(t));
    }
    for t in ticks(p_lo, 1.0) {
        line(&mut svg, (px(t), top - 4.0), (px(t), bottom), GRID, "");
        text(&mut svg, px(t), bottom + 14.0, "middle", &pct_short(t));
    }
    for (i, (rule, e)) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let mid = y + row_h / 2.0 + 4.0;
        text(&mut svg, label_w - 8.0, mid, "end", &clip(&rule.name, 24));
        let s = share(e.validation.support);
        let _ = writeln!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{BAR}\"><title>{}: {} of {} validation rows ({})</title></rect>",
            a_x,
            y + 3.0,
            (sx(s) - a_x).max(0.5),
            row_h - 6.0,
            escape(&rule.name),
            e.validation.support,
            total,
            pct(s)
        );
        text(&mut svg, sx(s) + 4.0, mid, "start", &pct(s));
        if let Some(p) = e.validation.precision() {
            let _ = writeln!(
                svg,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{BAR}\"><title>{}: precision {} ({} of {}), lower bound {}</title></rect>",
                b_x,
                y + 3.0,
                (px(p) - b_x).max(0.5),
                row_h - 6.0,
                escape(&rule.name),
                pct(p),
                e.validation.correct,
                e.validation.support,
                pct_lower(e.validation.precision_lower_bound, set.certification.precision)
            );
            let lb = px(e.validation.precision_lower_bound);
            line(
                &mut svg,
                (lb, y + 1.0),
                (lb, y + row_h - 1.0),
                BOUND,
                " stroke-width=\"3\"",
            );
        }
        if let Some(p) = e.test.as_ref().and_then(|t| t.precision()) {
            let _ = writeln!(
                svg,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"#fff\" stroke=\"{INK}\"><title>{}: precision on test rows {}</title></circle>",
                px(p),
                y + row_h / 2.0,
                escape(&rule.name),
                pct(p)
            );
        }
    }
    line(
        &mut svg,
        (px(target), top - 6.0),
        (px(target), bottom + 2.0),
        TARGET,
        " stroke-dasharray=\"4 3\" stroke-width=\"2\"",
    );
    svg.push_str("</svg>\n");
    Some(svg)
}

/// The confusion of decisions on covered rows of one split: rows by the
/// class the rules decided, columns by the true class; the diagonal is right.
pub fn confusion(set: &RuleSet, figures: &SetFigures, split: &str) -> Option<String> {
    if !crate::book::has_confusion(set, figures) {
        return None;
    }
    // Past a dozen classes, those with a covered row (see
    // `book::confusion_classes`).
    let shown = crate::book::confusion_classes(figures);
    let k = shown.len();
    let max = figures
        .confusion
        .iter()
        .flatten()
        .copied()
        .max()
        .unwrap_or(0)
        .max(1);
    let cell = (360.0 / k as f64).clamp(16.0, 56.0);
    let (left, top) = (120.0, 70.0);
    let title = format!(
        "Covered {split} rows ({})",
        crate::book::count(figures.covered.support)
    );
    // The title starts at the left edge, and the figure is as wide as it
    // at 7 units a character (starting at `left`, "(26,255)" lost its
    // last digit).
    let width = (left + cell * k as f64 + 20.0).max(16.0 + 7.0 * title.chars().count() as f64);
    let height = top + cell * k as f64 + 20.0;
    let mut svg = String::new();
    open_svg(
        &mut svg,
        width.max(300.0),
        height,
        &format!("Decisions on covered {split} rows: decided class by true class"),
        &format!("fig-confusion-{split}"),
    );
    text(&mut svg, 8.0, 16.0, "start", &title);
    text(&mut svg, left, 34.0, "start", "true class →");
    text(&mut svg, left - 8.0, top - 8.0, "end", "decided ↓");
    let label_len = ((cell / 7.0) as usize).max(3);
    for (c, class) in shown.iter().map(|&c| &set.target.classes[c]).enumerate() {
        let x = left + cell * c as f64 + cell / 2.0;
        text(&mut svg, x, top - 8.0, "middle", &clip(class, label_len));
        text(
            &mut svg,
            left - 8.0,
            top + cell * c as f64 + cell / 2.0 + 4.0,
            "end",
            &clip(class, 14),
        );
    }
    for (d, &decided) in shown.iter().enumerate() {
        for (t, &truth) in shown.iter().enumerate() {
            let n = figures.confusion[decided][truth];
            let (x, y) = (left + cell * t as f64, top + cell * d as f64);
            let colour = if decided == truth { RIGHT } else { WRONG };
            // Square-root shading, so a few errors still show beside
            // thousands of right decisions; between 0.7 and 0.94 dark or
            // white ink reads below 4.5:1 on one colour or the other (dark
            // on red at 0.8: 3.9:1), so the shade skips them.
            let opacity = if n == 0 {
                0.0
            } else {
                let o = 0.12 + 0.88 * (n as f64 / max as f64).sqrt();
                if o > 0.7 && o < 0.94 {
                    0.94
                } else {
                    o
                }
            };
            let _ = writeln!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{cell:.1}\" height=\"{cell:.1}\" fill=\"{colour}\" fill-opacity=\"{opacity:.2}\" stroke=\"{GRID}\"><title>decided {}, true {}: {n} rows</title></rect>",
                escape(&set.target.classes[decided]),
                escape(&set.target.classes[truth]),
            );
            if cell >= 30.0 {
                let ink = if opacity >= 0.94 { "#fff" } else { INK };
                let _ = writeln!(
                    svg,
                    "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{ink}\">{n}</text>",
                    x + cell / 2.0,
                    y + cell / 2.0 + 4.0
                );
            }
        }
    }
    svg.push_str("</svg>\n");
    Some(svg)
}

/// A point of the curve: coverage, precision, lower bound, rules.
type Point = (f64, f64, f64, usize);

/// The coverage/precision curve over the prefixes of the rule order (see
/// [`rulec_runtime::ir::Summary::curve`]), with the chosen set marked and the
/// required precision drawn across.
pub fn curve(set: &RuleSet) -> Option<String> {
    let summary = set.summary.as_ref()?;
    let rows = summary.validation.rows;
    if summary.curve.is_empty() || rows == 0 {
        return None;
    }
    let cov = |n: u64| n as f64 / rows as f64;
    let points: Vec<Point> = summary
        .curve
        .iter()
        .filter(|p| p.support > 0)
        .map(|p| {
            (
                cov(p.support),
                p.correct as f64 / p.support as f64,
                p.lower_bound,
                p.rules,
            )
        })
        .collect();
    if points.is_empty() {
        return None;
    }
    let target = set.certification.precision;
    let x_hi = share_ceiling(points.iter().map(|p| p.0).fold(0.0, f64::max));
    let y_lo = precision_floor(
        points
            .iter()
            .flat_map(|p| [p.1, p.2])
            .chain(std::iter::once(target)),
    );
    let (left, top, w, h) = (70.0, 40.0, 560.0, 300.0);
    let width = left + w + 200.0;
    let height = top + h + 50.0;
    let x = |c: f64| left + w * (c / x_hi).clamp(0.0, 1.0);
    let y = |p: f64| top + h * (1.0 - ((p - y_lo) / (1.0 - y_lo)).clamp(0.0, 1.0));

    let mut svg = String::new();
    open_svg(
        &mut svg,
        width,
        height,
        "Coverage against precision for the first k rules: the kept rules, then the order continued with no precision to hold, on validation rows",
        "fig-curve",
    );
    text(
        &mut svg,
        left,
        18.0,
        "start",
        "Coverage and precision of the first k rules of the curve (validation rows)",
    );
    for t in ticks(0.0, x_hi) {
        line(&mut svg, (x(t), top), (x(t), top + h), GRID, "");
        text(&mut svg, x(t), top + h + 16.0, "middle", &pct_short(t));
    }
    for t in ticks(y_lo, 1.0) {
        line(&mut svg, (left, y(t)), (left + w, y(t)), GRID, "");
        text(&mut svg, left - 6.0, y(t) + 4.0, "end", &pct_short(t));
    }
    text(
        &mut svg,
        left + w / 2.0,
        top + h + 36.0,
        "middle",
        "coverage: share of validation rows the rules answer",
    );
    let _ = writeln!(
        svg,
        "<text x=\"16\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{INK}\" transform=\"rotate(-90 16 {:.1})\">precision</text>",
        top + h / 2.0,
        top + h / 2.0
    );
    line(
        &mut svg,
        (left, y(target)),
        (left + w, y(target)),
        TARGET,
        " stroke-dasharray=\"6 4\" stroke-width=\"1.5\"",
    );
    let polyline = |svg: &mut String, f: &dyn Fn(&Point) -> f64, extra: &str| {
        let pts: Vec<String> = points
            .iter()
            .map(|p| format!("{:.1},{:.1}", x(p.0), y(f(p))))
            .collect();
        let _ = writeln!(
            svg,
            "<polyline points=\"{}\" fill=\"none\"{extra}/>",
            pts.join(" ")
        );
    };
    polyline(
        &mut svg,
        &|p| p.1,
        &format!(" stroke=\"{BAR}\" stroke-width=\"2\""),
    );
    polyline(
        &mut svg,
        &|p| p.2,
        &format!(" stroke=\"{BOUND}\" stroke-width=\"1.5\" stroke-dasharray=\"3 3\""),
    );
    let chosen = set.rules.len();
    for p in &points {
        let kept = p.3 <= chosen;
        let _ = writeln!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" {}><title>first {}: coverage {}, precision {}, lower bound {}{}</title></circle>",
            x(p.0),
            y(p.1),
            // Not kept: hollow, so that it shows without its colour.
            if kept {
                format!("fill=\"{BAR}\"")
            } else {
                "fill=\"#fff\" stroke=\"#767676\" stroke-width=\"1.5\"".to_string()
            },
            crate::sentence::counted(p.3, "rule", "rules"),
            pct(p.0),
            pct(p.1),
            pct(p.2),
            if kept { "" } else { " (not kept)" }
        );
    }
    if let Some(p) = points.iter().find(|p| p.3 == chosen) {
        let _ = writeln!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"8\" fill=\"none\" stroke=\"{TARGET}\" stroke-width=\"2.5\"/>",
            x(p.0),
            y(p.1)
        );
        let lx = left + w + 12.0;
        text(&mut svg, lx, top + 14.0, "start", "◯ chosen rule set:");
        text(
            &mut svg,
            lx,
            top + 30.0,
            "start",
            &format!(
                "{}, coverage {}",
                crate::sentence::counted(p.3, "rule", "rules"),
                pct(p.0)
            ),
        );
        text(
            &mut svg,
            lx,
            top + 46.0,
            "start",
            &format!("precision {}", pct(p.1)),
        );
    }
    let lx = left + w + 12.0;
    line(
        &mut svg,
        (lx, top + 74.0),
        (lx + 20.0, top + 74.0),
        BAR,
        " stroke-width=\"2\"",
    );
    text(&mut svg, lx + 26.0, top + 78.0, "start", "precision");
    line(
        &mut svg,
        (lx, top + 94.0),
        (lx + 20.0, top + 94.0),
        BOUND,
        " stroke-width=\"1.5\" stroke-dasharray=\"3 3\"",
    );
    text(&mut svg, lx + 26.0, top + 98.0, "start", "lower bound");
    line(
        &mut svg,
        (lx, top + 114.0),
        (lx + 20.0, top + 114.0),
        TARGET,
        " stroke-dasharray=\"6 4\" stroke-width=\"1.5\"",
    );
    text(
        &mut svg,
        lx + 26.0,
        top + 118.0,
        "start",
        &format!("required {}", pct(target)),
    );
    let _ = writeln!(
        svg,
        "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#fff\" stroke=\"#767676\" stroke-width=\"1.5\"/>",
        lx + 10.0,
        top + 134.0
    );
    text(&mut svg, lx + 26.0, top + 138.0, "start", "not kept");
    svg.push_str("</svg>\n");
    Some(svg)
}

/// A tick label: whole percent when round, else one decimal.
fn pct_short(x: f64) -> String {
    let v = x * 100.0;
    if (v - v.round()).abs() < 1e-6 {
        format!("{:.0} %", v)
    } else {
        format!("{:.1} %", v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<script>alert(\"1\") & 'x'</script>"),
            "&lt;script&gt;alert(&quot;1&quot;) &amp; &#39;x&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn ticks_are_round() {
        let labels: Vec<String> = ticks(0.0, 0.5).into_iter().map(pct_short).collect();
        assert_eq!(labels, ["0 %", "10 %", "20 %", "30 %", "40 %", "50 %"]);
        assert_eq!(ticks(0.9, 1.0).len(), 6);
        assert_eq!(precision_floor([0.974, 0.95].into_iter()), 0.9);
        assert_eq!(precision_floor([0.2].into_iter()), 0.15);
    }
}
