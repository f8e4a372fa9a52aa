//! How a compile tells the user where it is: one line per stage, and steps
//! of the long stages (teacher training and labelling) for a progress bar.
//!
//! The library only reports; the command line decides how to show it (a
//! bar on a terminal, plain lines otherwise, nothing with `--quiet`).

/// Receives a compile's progress. `Sync`, because steps are reported from
/// worker threads.
pub trait Progress: Sync {
    /// One line about a stage or a note for the user.
    fn line(&self, text: &str);

    /// `done` of `total` steps of `what` are finished. Steps of one `what`
    /// may arrive out of order from several threads.
    fn tick(&self, what: &str, done: u64, total: u64) {
        let _ = (what, done, total);
    }
}

/// Reports nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Progress for Silent {
    fn line(&self, _: &str) {}
}

/// `text` as it may be shown on a terminal: a control character other
/// than a line break or a tab (an escape sequence in a column name or a
/// class would clear the screen or retitle the window), and a character
/// that changes how the text around it shows (a bidirectional override),
/// written by its code, `\u{1b}`. A line break between backticks too:
/// messages quote names and values from data so (`` `12` ``), and a value
/// holding one printed a line of its own (`error: …`) that no message said.
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char =
        |c: char| (c.is_control() && c != '\n' && c != '\t') || rulec_runtime::dsl::is_invisible(c);
    let quoted_break = || {
        let mut quoted = false;
        text.chars().any(|c| {
            quoted ^= c == '`';
            quoted && c == '\n'
        })
    };
    if !text.chars().any(unsafe_char) && !quoted_break() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut quoted = false;
    for c in text.chars() {
        quoted ^= c == '`';
        if unsafe_char(c) || (quoted && c == '\n') {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::terminal_safe;

    #[test]
    fn escape_sequences_do_not_reach_the_terminal() {
        assert_eq!(terminal_safe("a\nb\tc"), "a\nb\tc");
        assert_eq!(
            terminal_safe("C\u{1b}[2J \u{202e}x\r\u{7}"),
            "C\\u{1b}[2J \\u{202e}x\\u{d}\\u{7}"
        );
        // A line break inside a quoted value is the value's, not the
        // message's.
        assert_eq!(
            terminal_safe("note: column `x` (`12\nerror: fake` in 1 row)\nnext"),
            "note: column `x` (`12\\u{a}error: fake` in 1 row)\nnext"
        );
    }
}
