//! Every file rulec writes goes through here, all at once or not at all.
//!
//! - [`write_all`]: an output directory (`rulec compile`, `rulec emit`).
//!   Files go to a temporary directory beside the destination first; only
//!   when every file is written is the old directory moved aside and the new
//!   one moved into place. A directory that holds files rulec did not write
//!   is never replaced.
//! - [`write_files_into`]: a few files into a directory that also holds
//!   other files (`rulec book`): each file is replaced, or none is.
//! - [`write_file`] and [`write_file_with`]: one file (`rulec emit --lang
//!   sql`, `rulec dataset`), through a temporary file beside it and a rename.
//! - [`Scratch`]: a temporary directory for inputs a command makes for
//!   itself (the demo's data).
//!
//! A failure at any point leaves every destination as it was, and an
//! interrupt ([`abandon`]) removes the temporary files and directories.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// Temporary files and directories in use, so an interrupt can remove them.
static SCRATCH: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Output folders [`write_all`] has swapped into place in this run: an
/// interrupt after the swap leaves the new output whole, not the old one,
/// and says so ([`written`]).
static WRITTEN: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// The output folders already swapped into place by this run.
pub fn written() -> Vec<PathBuf> {
    WRITTEN.lock().map(|w| w.clone()).unwrap_or_default()
}

/// Registers a temporary file or directory for [`abandon`] to remove.
pub fn track(path: &Path) {
    if let Ok(mut guard) = SCRATCH.lock() {
        guard.push(path.to_path_buf());
    }
}

/// Forgets a temporary file or directory registered with [`track`].
pub fn untrack(path: &Path) {
    if let Ok(mut guard) = SCRATCH.lock() {
        guard.retain(|d| d != path);
    }
}

/// Set by [`abandon`]: once an interrupt has removed the scratch, no
/// output is moved into place. The run goes on writing until the handler
/// exits, and recreated the scratch folder it was writing into: that half
/// of an output was then swapped in as `--out`.
static ABANDONED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Removes every temporary file and directory in use; for signal handlers.
/// A destination is never touched before the final renames, which run
/// under the same lock and not at all after this, so this leaves it as it
/// was.
pub fn abandon() {
    if let Ok(mut guard) = SCRATCH.lock() {
        ABANDONED.store(true, std::sync::atomic::Ordering::SeqCst);
        for path in guard.drain(..) {
            remove(&path);
        }
    }
}

/// Whether an interrupt has abandoned this run's outputs: its handler is
/// about to exit (130), and says what was left.
pub fn abandoned() -> bool {
    ABANDONED.load(std::sync::atomic::Ordering::SeqCst)
}

/// The error of a rename refused after [`abandon`] (`abandoned` there).
fn refuse_if(abandoned: &std::sync::atomic::AtomicBool, path: &Path) -> Result<(), Error> {
    match abandoned.load(std::sync::atomic::Ordering::SeqCst) {
        true => Err(io(path)(std::io::Error::new(
            std::io::ErrorKind::Interrupted,
            "interrupted",
        ))),
        false => Ok(()),
    }
}

/// Removes a file or a directory with its contents, ignoring failures.
fn remove(path: &Path) {
    if path.is_dir() {
        let _ = fs::remove_dir_all(path);
    } else {
        let _ = fs::remove_file(path);
    }
}

/// The directory holding `path` (`.` for a bare name).
fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Maps an I/O failure to an error naming `path`.
fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.to_path_buf();
    move |err| Error::Io { path, err }
}

/// Marker file that identifies a directory rulec wrote.
pub const MARKER: &str = ".rulec-output";

/// Checks, before any work is done, that `out` can receive outputs.
pub fn check_destination(out: &Path) -> Result<(), Error> {
    if out == Path::new("-") {
        return Err(Error::Params(
            "--out -: rulec writes a folder of files here, which standard output cannot take; name the folder (`-` is standard output only for one file, as `emit --lang sql` writes)".into(),
        ));
    }
    let out = &through_links(out)?;
    let raw = out.as_os_str().as_encoded_bytes();
    let last = raw.rsplit(|&b| b == b'/').find(|part| !part.is_empty());
    if matches!(last, Some(b".") | Some(b"..")) {
        return Err(Error::Params(format!(
            "--out {}: rulec replaces this folder as a whole, which it cannot do to a folder named by `.` or `..`: give the folder by its name (../NAME) or name a new one",
            out.display()
        )));
    }
    check_writable_beside(out)?;
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
            // The crate folder of a compile's output (`out/crate`) is
            // rulec's too: its marker is the folder above.
            let inside_output = parent_of(out).join(MARKER).exists()
                && out.file_name().is_some_and(|n| n == "crate");
            if entries.next().is_none() || inside_output {
                Ok(())
            } else if out.join(MARKER).exists() {
                // The folder is replaced as a whole: files of the user's
                // own in it would go, and so would a signed book; say so
                // before any work, not after the compile. A new book never
                // carries a filled sign-off.
                let books =
                    ["RULEBOOK.md", "rulebook.html"].map(|f| (PathBuf::from(f), Vec::new()));
                check_no_signed_book(out, &books)?;
                let foreign = foreign_files(out);
                if !foreign.is_empty() {
                    let shown: Vec<String> =
                        foreign.iter().take(5).map(|f| format!("`{f}`")).collect();
                    return Err(Error::Params(format!(
                        "--out {}: holds {} rulec did not write ({}{}), which replacing the folder as a whole would delete: move {} out first, or choose another folder",
                        out.display(),
                        if foreign.len() == 1 { "a file" } else { "files" },
                        shown.join(", "),
                        if foreign.len() > 5 { ", …" } else { "" },
                        if foreign.len() == 1 { "it" } else { "them" },
                    )));
                }
                Ok(())
            } else {
                // Named, so that a user who did not expect the folder to
                // hold anything sees what it holds.
                let mut names: Vec<String> = fs::read_dir(out)
                    .map_err(io)?
                    .flatten()
                    .map(|e| format!("`{}`", e.file_name().to_string_lossy()))
                    .collect();
                names.sort();
                let more = names.len().saturating_sub(5);
                names.truncate(5);
                Err(Error::Params(format!(
                    "--out {}: directory holds files rulec did not write ({}{}); choose a new or empty directory",
                    out.display(),
                    names.join(", "),
                    if more > 0 { format!(" and {more} more") } else { String::new() }
                )))
            }
        }
    }
}

/// The marker's text: what it is, then the files written beside it, one
/// relative path a line, so that a later run can tell a file of the user's
/// own from rulec's ([`foreign_files`]).
fn marker_text(files: &[(PathBuf, Vec<u8>)]) -> Vec<u8> {
    let mut text =
        String::from("written by rulec; the directory is replaced as a whole on each run\n");
    for (rel, _) in files {
        text.push_str(&rel.to_string_lossy());
        text.push('\n');
    }
    text.into_bytes()
}

/// The files in `dir`, a folder rulec wrote, that its marker does not list
/// (relative paths, sorted): files of the user's own, which replacing the
/// folder would delete. A crate's build output (`target/`, `Cargo.lock`)
/// is not the user's; a marker that lists no files (an older rulec's)
/// lists nothing to compare with, and nothing is reported.
fn foreign_files(dir: &Path) -> Vec<String> {
    let Ok(marker) = fs::read_to_string(dir.join(MARKER)) else {
        return Vec::new();
    };
    let listed: std::collections::BTreeSet<&str> = marker.lines().skip(1).collect();
    if listed.is_empty() {
        return Vec::new();
    }
    let build_output = |rel: &str| {
        let parts: Vec<&str> = rel.split('/').collect();
        parts.contains(&"target") || parts.last() == Some(&"Cargo.lock")
    };
    let mut foreign = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let Ok(entries) = fs::read_dir(dir.join(&rel)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = rel.join(entry.file_name());
            let text = path.to_string_lossy().into_owned();
            if text == MARKER || build_output(&text) {
                continue;
            }
            match entry.file_type() {
                // A folder rulec wrote since (`emit --out out/crate`) has
                // its own marker, which says what is its.
                Ok(t) if t.is_dir() && dir.join(&path).join(MARKER).exists() => {
                    foreign.extend(
                        foreign_files(&dir.join(&path))
                            .into_iter()
                            .map(|f| format!("{text}/{f}")),
                    );
                }
                Ok(t) if t.is_dir() => stack.push(path),
                _ if !listed.contains(text.as_str()) => foreign.push(text),
                _ => {}
            }
        }
    }
    foreign.sort();
    foreign
}

/// Checks, before any work is done, that a folder can be made beside
/// `out` (where its new version is written before the swap): in the
/// nearest folder above it that exists, a probe is made and removed.
fn check_writable_beside(out: &Path) -> Result<(), Error> {
    let mut dir = parent_of(out);
    while !dir.exists() {
        match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => dir = p.to_path_buf(),
            _ => {
                dir = PathBuf::from(".");
                break;
            }
        }
    }
    let probe = dir.join(format!(".rulec-probe-{}", std::process::id()));
    match fs::create_dir(&probe) {
        Ok(()) => {
            let _ = fs::remove_dir(&probe);
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(Error::Params(format!(
            "--out {}: cannot write in {} ({e})",
            out.display(),
            dir.display()
        ))),
    }
}

/// Checks, before any work is done, that writing `out` (a folder that is
/// replaced whole, or a file) cannot destroy an input: none of `inputs` is
/// `out` or lies inside it. Paths that do not exist yet are left alone.
pub fn check_inputs_outside(out: &Path, inputs: &[&Path]) -> Result<(), Error> {
    let Ok(out_real) = fs::canonicalize(out) else {
        return Ok(());
    };
    for input in inputs {
        let Ok(real) = fs::canonicalize(input) else {
            continue;
        };
        if real.starts_with(&out_real) {
            return Err(Error::Params(format!(
                "--out {}: would replace {}, an input of this command; choose another --out",
                out.display(),
                input.display()
            )));
        }
    }
    Ok(())
}

/// Checks that writing `files` into `dir` erases no signed rule book: a
/// RULEBOOK.md or rulebook.html there whose sign-off table someone filled
/// in ([`rulec_codegen::book::signed_by`]), unless the new file is the same
/// bytes. A signature is the auditor's work; rulec never writes over it.
pub fn check_no_signed_book(dir: &Path, files: &[(PathBuf, Vec<u8>)]) -> Result<(), Error> {
    for (rel, bytes) in files {
        let path = dir.join(rel);
        let is_book = rel
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("html"));
        if !is_book {
            continue;
        }
        let Ok(old) = fs::read(&path) else {
            continue;
        };
        if old == *bytes {
            continue;
        }
        let signed = rulec_codegen::book::signed_by(&String::from_utf8_lossy(&old));
        if !signed.is_empty() {
            return Err(Error::Params(format!(
                "{}: holds a filled sign-off ({} row); writing the book again would erase it: move the \
                 signed book aside, or write to another folder (--out)",
                path.display(),
                signed.join(" and ")
            )));
        }
    }
    Ok(())
}

/// Where writing `path` lands: `path` itself, or, when it is a symbolic
/// link, what the link points to, so that a write through a link fills the
/// link's target and leaves the link in place (a rename onto the link
/// would replace the link itself). A link to nothing is refused: writing
/// through it would make a file or folder the user did not name.
pub fn through_links(path: &Path) -> Result<PathBuf, Error> {
    // `lnk/` reads through the link; `lnk` is the link itself.
    let path = &path.components().collect::<PathBuf>();
    match fs::symlink_metadata(path) {
        // `/dev/stdout` into a pipe, `>(cmd)`: the link resolves to a pipe
        // or a device, which rulec cannot write a file beside and rename
        // into place.
        Ok(m) if m.file_type().is_symlink() && fs::metadata(path).is_ok_and(|t| !t.is_file() && !t.is_dir()) => {
            Err(Error::Params(format!(
                "{}: is a pipe or a device (standard output, a process substitution), not a file: rulec writes a file beside its destination and renames it into place; name a file",
                path.display()
            )))
        }
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(path).map_err(|e| {
            let to = fs::read_link(path)
                .map(|t| t.display().to_string())
                .unwrap_or_else(|_| "?".into());
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::Params(format!(
                    "{}: is a link to {to}, which does not exist; make it first, or name \
                     another path",
                    path.display()
                ))
            } else {
                io(path)(e)
            }
        }),
        _ => Ok(path.to_path_buf()),
    }
}

/// Checks, before writing the file `path`, that it is none yet or one
/// rulec may replace: empty, or opening with the line `first` (after a
/// byte order mark), as its own SQL or a dataset's CSV does; `what` names
/// such a file in the refusal. A rule book or a rules.json named by a slip
/// is kept. Only a regular file is read: reading a pipe
/// (`--out /dev/stdout | ...`) would wait for what this very command is to
/// write.
pub fn check_own_file(path: &Path, first: &[u8], what: &str) -> Result<(), Error> {
    if !fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return Ok(());
    }
    let mut head = Vec::new();
    fs::File::open(path)
        .and_then(|f| std::io::Read::read_to_end(&mut std::io::Read::take(f, 1 << 16), &mut head))
        .map_err(io(path))?;
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&head);
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if head.is_empty() || line == first {
        return Ok(());
    }
    Err(Error::Params(format!(
        "{}: exists and is not {what} (its first line differs); rulec replaces only such a file: remove it or name another",
        path.display()
    )))
}

/// Checks, before `rulec book` writes its two books into `dir`, that `dir`
/// is a folder (or none yet) without another rule set (a book beside a
/// rules.json it does not describe would pass for that file's) and that
/// its books, if any, are rulec's (a hand-written RULEBOOK.md is kept).
/// `rules` is the bytes of the rules.json the books describe.
pub fn check_book_folder(dir: &Path, rules: &[u8]) -> Result<(), Error> {
    let refuse = |why: String| Err(Error::Params(format!("{}: {why}", dir.display())));
    if dir.exists() && !dir.is_dir() {
        return refuse("exists and is not a directory".into());
    }
    if fs::read(dir.join("rules.json")).is_ok_and(|there| there != rules) {
        return refuse(
            "holds another rules.json, which a book written there would seem to describe; name another folder"
                .into(),
        );
    }
    for (file, mark) in [
        ("RULEBOOK.md", "@generated by rulec"),
        ("rulebook.html", "<title>Rule book: "),
    ] {
        let Ok(text) = fs::read(dir.join(file)) else {
            continue;
        };
        let head = String::from_utf8_lossy(&text[..text.len().min(4096)]).into_owned();
        if !text.is_empty() && !head.contains(mark) {
            return refuse(format!(
                "its {file} is not a rule book rulec wrote; rulec replaces only its own: move the file or name another folder"
            ));
        }
    }
    Ok(())
}

/// Refuses a destination that is a device or a pipe (`/dev/null`, a FIFO):
/// a file written beside it and renamed into place would replace it (as
/// root, `/dev/null` itself).
fn refuse_special(path: &Path) -> Result<(), Error> {
    match fs::metadata(path) {
        Ok(m) if !m.is_file() && !m.is_dir() => Err(Error::Params(format!(
            "{}: is a pipe or a device, not a file: rulec writes a file beside its destination and renames it into place; name a file",
            path.display()
        ))),
        _ => Ok(()),
    }
}

/// Writes `files` (paths relative to `out`) so that `out` holds exactly
/// them, atomically with respect to failures. A link `out` is followed.
pub fn write_all(out: &Path, files: &[(PathBuf, Vec<u8>)]) -> Result<(), Error> {
    let out = &through_links(out)?;
    check_destination(out)?;
    check_no_signed_book(out, files)?;
    let parent = parent_of(out);
    let name = out
        .file_name()
        .map(|n| scratch_stem(&n.to_string_lossy()).to_string())
        .unwrap_or_else(|| "out".into());
    let pid = std::process::id();
    let tmp = parent.join(format!(".{name}.rulec-tmp-{pid}"));
    let old = parent.join(format!(".{name}.rulec-old-{pid}"));
    let _ = fs::remove_dir_all(&tmp);
    track(&tmp);
    let res = (|| {
        fs::create_dir_all(&tmp).map_err(io(&tmp))?;
        fs::write(tmp.join(MARKER), marker_text(files)).map_err(io(&tmp))?;
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
        // The scratch folder is rulec's business: name where the user
        // asked for the files.
        return Err(match e {
            Error::Io { path, err } if path.starts_with(&tmp) => Error::Io {
                path: out.join(path.strip_prefix(&tmp).unwrap_or(Path::new(""))),
                err,
            },
            e => e,
        });
    }
    let swapped = swap(out, &tmp, &old);
    let existed = swapped?;
    if existed {
        remove_old(&old);
        untrack(&old);
    }
    sweep_stale(&parent, &name);
    Ok(())
}

/// Moves `tmp` into place as `out`, the old `out` (if any) to `old`: true
/// when there was an old one. It runs under the scratch lock, so an
/// interrupt (whose handler takes that lock) waits for it: `out` is never
/// left half-swapped. The old output is then scratch, for the interrupt
/// to remove until the caller does.
fn swap(out: &Path, tmp: &Path, old: &Path) -> Result<bool, Error> {
    swap_unless(out, tmp, old, &ABANDONED)
}

/// [`swap`], which does nothing but remove `tmp` once `abandoned` is set.
fn swap_unless(
    out: &Path,
    tmp: &Path,
    old: &Path,
    abandoned: &std::sync::atomic::AtomicBool,
) -> Result<bool, Error> {
    let mut guard = SCRATCH
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let existed = out.exists();
    let res = (|| {
        refuse_if(abandoned, out)?;
        if existed {
            fs::rename(out, old).map_err(io(out))?;
        }
        if let Err(e) = fs::rename(tmp, out) {
            if existed {
                let _ = fs::rename(old, out);
            }
            return Err(io(out)(e));
        }
        Ok(())
    })();
    if res.is_err() {
        let _ = fs::remove_dir_all(tmp);
    } else if let Ok(mut w) = WRITTEN.lock() {
        w.push(out.to_path_buf());
    }
    guard.retain(|d| d != tmp);
    // The replaced output is scratch now: an interrupt before the
    // caller's removal removes it (it stayed beside `out` as a hidden
    // folder until the next compile into `out`).
    if res.is_ok() && existed {
        guard.push(old.to_path_buf());
    }
    res.map(|()| existed)
}

/// Removes a replaced output folder (`.NAME.rulec-old-PID`), rulec's own
/// files: a folder in it made read-only (`chmod 555`) kept a non-root user's
/// `remove_dir_all` from emptying it, and every run then left another copy
/// beside `out`. Its folders are made writable by their owner and the
/// removal tried again.
fn remove_old(path: &Path) {
    if fs::remove_dir_all(path).is_ok() {
        return;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fn writable(dir: &Path) {
            if let Ok(m) = fs::symlink_metadata(dir) {
                if m.is_dir() {
                    let mode = m.permissions().mode() | 0o700;
                    let _ = fs::set_permissions(dir, fs::Permissions::from_mode(mode));
                    if let Ok(entries) = fs::read_dir(dir) {
                        for e in entries.flatten() {
                            writable(&e.path());
                        }
                    }
                }
            }
        }
        writable(path);
        let _ = fs::remove_dir_all(path);
    }
}

/// Removes what an earlier run into the same folder left when it was
/// killed (SIGKILL, a power cut) between its renames: `.NAME.rulec-tmp-PID`
/// and `.NAME.rulec-old-PID` whose process is gone. Only once `out` is
/// whole again, and only where the system says which processes live
/// (`/proc`); a live one's folders are its own business.
fn sweep_stale(parent: &Path, name: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let own = std::process::id().to_string();
    for entry in entries.flatten() {
        let file = entry.file_name();
        let file = file.to_string_lossy();
        let pid = [".rulec-tmp-", ".rulec-old-"].iter().find_map(|kind| {
            file.strip_prefix('.')?
                .strip_prefix(name)?
                .strip_prefix(kind)
                .filter(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
        });
        if let Some(pid) = pid.filter(|pid| *pid != own) {
            if !Path::new("/proc").join(pid).exists() {
                remove_old(&entry.path());
            }
        }
    }
}

/// Writes `files` (paths relative to `dir`) into `dir`, created if needed,
/// all of them or none: other files in `dir` are left alone (unlike
/// [`write_all`], which owns its directory).
///
/// Every file is written into a temporary directory inside `dir` first;
/// then, under the lock [`abandon`] takes, each file already there is moved
/// aside and the new one renamed into place. When a rename fails, the files
/// already replaced are put back. Folders created for nested paths stay.
pub fn write_files_into(dir: &Path, files: &[(PathBuf, Vec<u8>)]) -> Result<(), Error> {
    check_no_signed_book(dir, files)?;
    fs::create_dir_all(dir).map_err(io(dir))?;
    let tmp = dir.join(format!(".rulec-tmp-{}", std::process::id()));
    let _ = fs::remove_dir_all(&tmp);
    track(&tmp);
    let new = |i: usize| tmp.join(format!("new-{i}"));
    let res = (|| {
        // The scratch folder is rulec's business: a folder it cannot write
        // in is named as the user gave it.
        fs::create_dir(&tmp).map_err(io(dir))?;
        for (i, (_, bytes)) in files.iter().enumerate() {
            fs::write(new(i), bytes).map_err(io(&new(i)))?;
        }
        Ok(())
    })();
    if let Err(e) = res {
        let _ = fs::remove_dir_all(&tmp);
        untrack(&tmp);
        return Err(e);
    }
    let mut guard = SCRATCH
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    // The files replaced so far, each with where its old version went.
    let mut done: Vec<(PathBuf, Option<PathBuf>)> = Vec::new();
    let res = (|| {
        refuse_if(&ABANDONED, dir)?;
        for (i, (rel, _)) in files.iter().enumerate() {
            let path = dir.join(rel);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(io(parent))?;
            }
            // A directory in the way is not moved aside: the rename below
            // fails on it.
            let backup = fs::symlink_metadata(&path)
                .is_ok_and(|m| !m.is_dir())
                .then(|| tmp.join(format!("old-{i}")));
            if let Some(backup) = &backup {
                fs::rename(&path, backup).map_err(io(&path))?;
            }
            if let Err(e) = fs::rename(new(i), &path) {
                if let Some(backup) = &backup {
                    let _ = fs::rename(backup, &path);
                }
                return Err(io(&path)(e));
            }
            done.push((path, backup));
        }
        Ok(())
    })();
    if res.is_err() {
        for (path, backup) in done.iter().rev() {
            match backup {
                Some(backup) => {
                    let _ = fs::rename(backup, path);
                }
                None => {
                    let _ = fs::remove_file(path);
                }
            }
        }
    }
    let _ = fs::remove_dir_all(&tmp);
    guard.retain(|d| d != &tmp);
    res
}

/// Writes `bytes` to the file `path` (its folder created if needed) through
/// a temporary file beside it and a rename, so a reader never sees half a
/// file; a file that already holds exactly these bytes is left alone.
/// Returns whether it wrote. Errors name `path`. A link `path` is followed.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<bool, Error> {
    let path = &through_links(path)?;
    refuse_special(path)?;
    if fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(false);
    }
    let tmp = temp_beside(path)?;
    fs::create_dir_all(parent_of(path)).map_err(io(path))?;
    replace_file(path, &tmp, |out| out.write_all(bytes))?;
    Ok(true)
}

/// Writes the file `path` (its folder created if needed) with what `fill`
/// writes, through a temporary file beside it and a rename: a failure or an
/// interrupt leaves `path` as it was. Errors name `path`. A link `path` is
/// followed.
pub fn write_file_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Error> {
    let path = &through_links(path)?;
    refuse_special(path)?;
    let tmp = temp_beside(path)?;
    fs::create_dir_all(parent_of(path)).map_err(io(path))?;
    replace_file(path, &tmp, fill)
}

/// The temporary file [`replace_file`] writes before renaming it to `path`.
fn temp_beside(path: &Path) -> Result<PathBuf, Error> {
    let Some(name) = path.file_name() else {
        return Err(Error::Params(format!("{}: names no file", path.display())));
    };
    Ok(parent_of(path).join(format!(
        ".{}.rulec-tmp-{}",
        scratch_stem(&name.to_string_lossy()),
        std::process::id()
    )))
}

/// The part of a destination's name its scratch names beside it
/// (`.NAME.rulec-tmp-PID`) carry: the name, cut to its first 200 bytes
/// (at a character's end), so that a destination whose name is near the
/// system's limit of 255 bytes still has a scratch name within it.
fn scratch_stem(name: &str) -> &str {
    let mut end = name.len().min(200);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

/// Writes `tmp` with what `fill` writes and renames it to `path`.
fn replace_file(
    path: &Path,
    tmp: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Error> {
    track(tmp);
    let res = (|| {
        let mut out = std::io::BufWriter::new(fs::File::create(tmp)?);
        fill(&mut out)?;
        out.into_inner()
            .map_err(std::io::IntoInnerError::into_error)?;
        Ok(())
    })();
    // The rename runs under the lock [`abandon`] takes, so an interrupt
    // removes the temporary file either before it or not at all.
    let mut guard = SCRATCH
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let res = res
        .map_err(io(path))
        .and_then(|()| refuse_if(&ABANDONED, path))
        .and_then(|()| fs::rename(tmp, path).map_err(io(path)));
    if res.is_err() {
        let _ = fs::remove_file(tmp);
    }
    guard.retain(|d| d != tmp);
    res
}

/// A temporary directory for inputs a command makes for itself (the demo's
/// generated data); removed when dropped, and on interrupt by [`abandon`].
#[derive(Debug)]
pub struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    /// Creates `rulec-<label>-<process id>` in the system's temporary
    /// directory.
    pub fn new(label: &str) -> Result<Scratch, Error> {
        let dir = std::env::temp_dir().join(format!("rulec-{label}-{}", std::process::id()));
        fs::create_dir_all(&dir).map_err(io(&dir))?;
        track(&dir);
        Ok(Scratch { dir })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
        untrack(&self.dir);
    }
}

#[cfg(test)]
mod tests;
