//! Progress on standard error: stage lines, and a progress bar for long
//! steps on a terminal (plain lines at every tenth with `--verbose`
//! otherwise).

/// Prints a progress line unless `quiet`.
pub fn progress(quiet: bool, line: &str) {
    if !quiet {
        say!("{}", rulec::progress::terminal_safe(line));
    }
}

/// Shows a compile's progress on standard error: stage lines, and a
/// progress bar for long steps on a terminal (plain lines at every tenth
/// with `--verbose` otherwise).
pub struct Reporter {
    quiet: bool,
    verbose: bool,
    terminal: bool,
    state: std::sync::Mutex<ReporterState>,
}

/// The bar in use and what it counts; the step counted plainly and the last
/// tenth printed.
type ReporterState = (Option<(String, indicatif::ProgressBar)>, String, u64);

impl Reporter {
    pub fn new(quiet: bool, verbose: bool) -> Reporter {
        use std::io::IsTerminal;
        Reporter {
            quiet,
            verbose,
            terminal: std::io::stderr().is_terminal(),
            state: std::sync::Mutex::new((None, String::new(), 0)),
        }
    }

    /// Clears the progress bar, if one shows.
    pub fn finish(&self) {
        if let Ok(mut state) = self.state.lock() {
            Reporter::finish_bar(&mut state);
        }
    }

    fn finish_bar(state: &mut ReporterState) {
        if let Some((_, bar)) = state.0.take() {
            bar.finish_and_clear();
        }
    }
}

impl rulec::progress::Progress for Reporter {
    fn line(&self, text: &str) {
        // A warning (the test rows contradict the guarantee) is no
        // progress: `--quiet` keeps it.
        if self.quiet && !text.starts_with("warning:") {
            return;
        }
        if let Ok(mut state) = self.state.lock() {
            Reporter::finish_bar(&mut state);
        }
        say!("{}", rulec::progress::terminal_safe(text));
    }

    fn tick(&self, what: &str, done: u64, total: u64) {
        if self.quiet || total == 0 {
            return;
        }
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        if self.terminal {
            if state.0.as_ref().is_none_or(|(w, _)| w != what) {
                Reporter::finish_bar(&mut state);
                let bar = indicatif::ProgressBar::new(total);
                if let Ok(style) = indicatif::ProgressStyle::with_template(
                    "{msg} [{bar:30}] {pos}/{len} ({elapsed})",
                ) {
                    bar.set_style(style.progress_chars("=> "));
                }
                bar.set_message(what.to_string());
                state.0 = Some((what.to_string(), bar));
            }
            if let Some((_, bar)) = &state.0 {
                bar.set_length(total);
                if done > bar.position() {
                    bar.set_position(done);
                }
            }
        } else if self.verbose {
            let tenth = done * 10 / total;
            if state.1 != what {
                state.1 = what.to_string();
                state.2 = 0;
            }
            if tenth > state.2 || done == total && state.2 < 10 {
                state.2 = tenth;
                say!("  {what}: {done}/{total}");
            }
        }
    }
}
