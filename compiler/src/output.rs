//! Writes a set of output files into a directory all at once, or not at all.
//!
//! Files go to a temporary directory beside the destination first; only when
//! every file is written is the old directory moved aside and the new one
//! moved into place. A failure at any point leaves the destination as it
//! was. A directory that holds files rulec did not write is never replaced.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// Temporary directories in use, so an interrupt can remove them.
static SCRATCH: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Registers a temporary directory for [`abandon`] to remove.
pub fn track(dir: &Path) {
    if let Ok(mut guard) = SCRATCH.lock() {
        guard.push(dir.to_path_buf());
    }
}

/// Forgets a temporary directory registered with [`track`].
pub fn untrack(dir: &Path) {
    if let Ok(mut guard) = SCRATCH.lock() {
        guard.retain(|d| d != dir);
    }
}

/// Removes every temporary directory in use; for signal handlers. A
/// destination directory is never touched before the final rename, so this
/// leaves it as it was.
pub fn abandon() {
    if let Ok(mut guard) = SCRATCH.lock() {
        for dir in guard.drain(..) {
            let _ = fs::remove_dir_all(dir);
        }
    }
}

/// Marker file that identifies a directory rulec wrote.
pub const MARKER: &str = ".rulec-output";

/// Checks, before any work is done, that `out` can receive outputs.
pub fn check_destination(out: &Path) -> Result<(), Error> {
    let io = |e: std::io::Error| Error::Io {
        path: out.to_path_buf(),
        err: e,
    };
    match fs::metadata(out) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(e)),
        Ok(m) if !m.is_dir() => Err(Error::Params(format!(
            "--out {}: exists and is not a directory",
            out.display()
        ))),
        Ok(_) => {
            let mut entries = fs::read_dir(out).map_err(io)?;
            if entries.next().is_none() || out.join(MARKER).exists() {
                Ok(())
            } else {
                Err(Error::Params(format!(
                    "--out {}: directory holds files rulec did not write; choose a new or empty directory",
                    out.display()
                )))
            }
        }
    }
}

/// Writes `files` (paths relative to `out`) so that `out` holds exactly
/// them, atomically with respect to failures.
pub fn write_all(out: &Path, files: &[(PathBuf, Vec<u8>)]) -> Result<(), Error> {
    check_destination(out)?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let pid = std::process::id();
    let tmp = parent.join(format!(".{name}.rulec-tmp-{pid}"));
    let old = parent.join(format!(".{name}.rulec-old-{pid}"));
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |e: std::io::Error| Error::Io { path, err: e }
    };
    let _ = fs::remove_dir_all(&tmp);
    track(&tmp);
    let res = (|| {
        fs::create_dir_all(&tmp).map_err(io(&tmp))?;
        fs::write(
            tmp.join(MARKER),
            b"written by rulec; the directory is replaced as a whole on each run\n",
        )
        .map_err(io(&tmp))?;
        for (rel, bytes) in files {
            let path = tmp.join(rel);
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir).map_err(io(dir))?;
            }
            fs::write(&path, bytes).map_err(io(&path))?;
        }
        Ok(())
    })();
    if let Err(e) = res {
        let _ = fs::remove_dir_all(&tmp);
        untrack(&tmp);
        return Err(e);
    }
    // The swap runs under the scratch lock, so an interrupt (whose handler
    // takes that lock) waits for it: `out` is never left half-swapped.
    let swapped = {
        let mut guard = SCRATCH
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let existed = out.exists();
        let res = (|| {
            if existed {
                fs::rename(out, &old).map_err(io(out))?;
            }
            if let Err(e) = fs::rename(&tmp, out) {
                if existed {
                    let _ = fs::rename(&old, out);
                }
                return Err(io(out)(e));
            }
            Ok(())
        })();
        if res.is_err() {
            let _ = fs::remove_dir_all(&tmp);
        }
        guard.retain(|d| d != &tmp);
        res.map(|()| existed)
    };
    let existed = swapped?;
    if existed {
        let _ = fs::remove_dir_all(&old);
    }
    Ok(())
}
