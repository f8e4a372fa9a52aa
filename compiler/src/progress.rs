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
