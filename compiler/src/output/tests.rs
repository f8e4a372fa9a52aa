//! Tests of writing outputs: atomic swaps, markers, links, clean-up.

use super::*;

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn files(list: &[(&str, &str)]) -> Vec<(PathBuf, Vec<u8>)> {
    list.iter()
        .map(|(p, t)| (PathBuf::from(p), t.as_bytes().to_vec()))
        .collect()
}

/// A folder rulec wrote is replaced as a whole: a file of the user's
/// own in it (notes, a folder of theirs) is refused before any work,
/// not deleted; a crate's build output, and a folder rulec wrote into
/// it since, are rulec's.
#[test]
fn files_of_the_users_own_in_an_output_folder_are_kept_by_refusing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let ours = files(&[("rules.json", "{}"), ("crate/src/lib.rs", "")]);
    write_all(&out, &ours).unwrap();
    fs::create_dir_all(out.join("crate/target/release")).unwrap();
    fs::write(out.join("crate/target/release/x"), "").unwrap();
    fs::write(out.join("crate/Cargo.lock"), "").unwrap();
    write_all(
        &out.join("crate"),
        &files(&[("src/lib.rs", ""), ("extra.rs", "")]),
    )
    .unwrap();
    write_all(&out, &ours).unwrap();
    fs::write(out.join("notes.txt"), "mine").unwrap();
    fs::create_dir_all(out.join("mydir")).unwrap();
    fs::write(out.join("mydir/a"), "mine").unwrap();
    let err = write_all(&out, &ours).unwrap_err().to_string();
    assert!(
        err.contains("holds files rulec did not write (`mydir/a`, `notes.txt`), which replacing the folder as a whole would delete"),
        "{err}"
    );
    assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "mine");
    // An older rulec's marker lists no files: replaced as before.
    fs::write(out.join(MARKER), "written by rulec\n").unwrap();
    write_all(&out, &ours).unwrap();
    assert!(!out.join("notes.txt").exists());
}

#[test]
fn files_into_replace_theirs_and_leave_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("a.md"), "old a").unwrap();
    fs::write(d.join("notes.txt"), "mine").unwrap();
    write_files_into(d, &files(&[("a.md", "new a"), ("b.html", "new b")])).unwrap();
    assert_eq!(names(d), ["a.md", "b.html", "notes.txt"]);
    assert_eq!(fs::read_to_string(d.join("a.md")).unwrap(), "new a");
    assert_eq!(fs::read_to_string(d.join("b.html")).unwrap(), "new b");
    assert_eq!(fs::read_to_string(d.join("notes.txt")).unwrap(), "mine");
}

#[test]
fn files_into_are_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("a.md"), "old a").unwrap();
    // The second file cannot replace a directory: the first is put back.
    fs::create_dir(d.join("b.html")).unwrap();
    let err = write_files_into(d, &files(&[("a.md", "new a"), ("b.html", "new b")]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("b.html"), "{err}");
    assert_eq!(fs::read_to_string(d.join("a.md")).unwrap(), "old a");
    assert!(d.join("b.html").is_dir());
    assert_eq!(names(d), ["a.md", "b.html"]);
    // A new file written before the failure is removed again.
    fs::remove_file(d.join("a.md")).unwrap();
    write_files_into(d, &files(&[("a.md", "new a"), ("b.html", "new b")])).unwrap_err();
    assert_eq!(names(d), ["b.html"]);
}

#[test]
fn a_file_is_replaced_only_when_its_bytes_change() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/q.sql");
    assert!(write_file(&path, b"select 1\n").unwrap());
    assert!(!write_file(&path, b"select 1\n").unwrap());
    assert!(write_file(&path, b"select 2\n").unwrap());
    assert_eq!(fs::read_to_string(&path).unwrap(), "select 2\n");
    assert_eq!(names(&dir.path().join("sub")), ["q.sql"]);
    let err = write_file(&dir.path().join(".."), b"x").unwrap_err();
    assert!(err.to_string().ends_with(": names no file"), "{err}");
}

#[test]
fn a_failed_fill_leaves_the_file_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.csv");
    fs::write(&path, "old").unwrap();
    let err = write_file_with(&path, |w| {
        w.write_all(b"half")?;
        Err(std::io::Error::other("disk full"))
    })
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("data.csv") && err.contains("disk full"),
        "{err}"
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), "old");
    assert_eq!(names(dir.path()), ["data.csv"]);
    write_file_with(&path, |w| w.write_all(b"new")).unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), "new");
    assert_eq!(names(dir.path()), ["data.csv"]);
    // Its folder is made if needed, as `write_file`'s is.
    let nested = dir.path().join("new/dir/s.csv");
    write_file_with(&nested, |w| w.write_all(b"made")).unwrap();
    assert_eq!(fs::read_to_string(&nested).unwrap(), "made");
}

#[test]
fn an_input_inside_the_output_is_refused() {
    let dir = Scratch::new("inputs-outside").unwrap();
    let out = dir.path().join("out");
    fs::create_dir_all(&out).unwrap();
    fs::write(out.join("rules.json"), "{}").unwrap();
    fs::write(dir.path().join("data.csv"), "x\n").unwrap();
    let err = check_inputs_outside(&out, &[&out.join("rules.json")]).unwrap_err();
    assert!(err.to_string().contains("would replace"), "{err}");
    // The output itself, as a file.
    let file = dir.path().join("data.csv");
    assert!(check_inputs_outside(&file, &[&file]).is_err());
    // Beside it, or not there yet: fine.
    assert!(check_inputs_outside(&out, &[&dir.path().join("data.csv")]).is_ok());
    assert!(check_inputs_outside(&dir.path().join("new"), &[&out.join("rules.json")]).is_ok());
}

#[cfg(unix)]
#[test]
fn a_write_through_a_link_fills_its_target_and_keeps_the_link() {
    let dir = Scratch::new("links").unwrap();
    let target = dir.path().join("real");
    fs::create_dir(&target).unwrap();
    let link = dir.path().join("out");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    write_all(&link, &files(&[("a.txt", "1")])).unwrap();
    write_all(&link, &files(&[("b.txt", "2")])).unwrap();
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(names(&target), [MARKER, "b.txt"]);
    // Named with a trailing slash, as `--out out/` is written: the
    // same (it failed after the whole compile, "Not a directory").
    let slashed = PathBuf::from(format!("{}/", link.display()));
    write_all(&slashed, &files(&[("c.txt", "3")])).unwrap();
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(names(&target), [MARKER, "c.txt"]);
    // A signed book in the folder is found before any work: the
    // folder is replaced as a whole.
    fs::write(
        target.join("RULEBOOK.md"),
        "# Rule book\n\n## Sign-off\n\n| | name | date | decision and conditions |\n|---|---|---|---|\n| reviewer | Ann | 2026-12-06 | approved |\n| approver | | | |\n",
    )
    .unwrap();
    let err = check_destination(&link).unwrap_err().to_string();
    assert!(
        err.contains("holds a filled sign-off (reviewer row)"),
        "{err}"
    );
    fs::remove_file(target.join("RULEBOOK.md")).unwrap();

    let file = dir.path().join("file.txt");
    fs::write(&file, "old").unwrap();
    let file_link = dir.path().join("file-link.txt");
    std::os::unix::fs::symlink(&file, &file_link).unwrap();
    write_file(&file_link, b"new").unwrap();
    assert!(fs::symlink_metadata(&file_link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(fs::read_to_string(&file).unwrap(), "new");

    let dangling = dir.path().join("dangling");
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
    let err = check_destination(&dangling).unwrap_err().to_string();
    assert!(err.contains("which does not exist"), "{err}");
    assert!(write_file(&dangling, b"x").is_err());
    assert!(!dir.path().join("nowhere").exists());
}

/// Once swapped out, the old output is scratch, which an interrupt
/// removes (an interrupt between the swap and the removal left it
/// beside `out`); the new one is not.
#[test]
fn the_old_output_is_scratch_until_removed() {
    let dir = Scratch::new("old-scratch").unwrap();
    let (out, tmp, old) = (
        dir.path().join("out"),
        dir.path().join(".out.t"),
        dir.path().join(".out.o"),
    );
    fs::create_dir(&out).unwrap();
    fs::create_dir(&tmp).unwrap();
    assert!(swap(&out, &tmp, &old).unwrap());
    let scratch = SCRATCH.lock().unwrap().clone();
    assert!(scratch.contains(&old), "{scratch:?}");
    assert!(!scratch.contains(&out) && !scratch.contains(&tmp));
    untrack(&old);
    // No old output: nothing to track.
    let fresh = dir.path().join("fresh");
    fs::create_dir(&tmp).unwrap();
    assert!(!swap(&fresh, &tmp, &old).unwrap());
    assert!(!SCRATCH.lock().unwrap().contains(&old));
}

/// After an interrupt has removed the scratch, the run, still writing
/// until the handler exits, recreated the folder and swapped that half of
/// an output in as `--out`; now nothing is swapped: `out` stays as it was
/// and the scratch folder goes.
#[test]
fn nothing_is_swapped_in_after_an_interrupt() {
    let dir = Scratch::new("abandoned").unwrap();
    let (out, tmp, old) = (
        dir.path().join("out"),
        dir.path().join(".out.t"),
        dir.path().join(".out.o"),
    );
    fs::create_dir(&out).unwrap();
    fs::write(out.join("rules.json"), "old").unwrap();
    fs::create_dir(&tmp).unwrap();
    fs::write(tmp.join("rules.json"), "half").unwrap();
    let abandoned = std::sync::atomic::AtomicBool::new(true);
    let err = swap_unless(&out, &tmp, &old, &abandoned).unwrap_err();
    assert!(err.to_string().contains("interrupted"), "{err}");
    assert_eq!(fs::read_to_string(out.join("rules.json")).unwrap(), "old");
    assert!(!tmp.exists() && !old.exists());
}

/// A run killed between its renames leaves `.out.rulec-old-PID`; the
/// next run into `out` removes it, and leaves a live process's alone.
#[cfg(target_os = "linux")]
#[test]
fn what_a_killed_run_left_is_swept_by_the_next() {
    let dir = Scratch::new("sweep").unwrap();
    let out = dir.path().join("out");
    let dead = dir.path().join(".out.rulec-old-4294967295");
    // Process 1 always lives.
    let live = dir.path().join(".out.rulec-tmp-1");
    let other = dir.path().join(".other.rulec-old-4294967295");
    for d in [&dead, &live, &other] {
        fs::create_dir(d).unwrap();
    }
    write_all(&out, &files(&[("a.txt", "1")])).unwrap();
    assert!(!dead.exists());
    assert!(other.exists());
    assert!(live.exists());
}

/// A destination whose name is near the system's limit of 255 bytes:
/// its scratch names beside it are cut to fit, and it is written.
#[test]
fn a_name_near_the_limit_has_room_for_its_scratch_name() {
    let dir = Scratch::new("long").unwrap();
    let name = format!("{}é", "a".repeat(247));
    assert_eq!(name.len(), 249);
    let out = dir.path().join(&name);
    write_all(&out, &files(&[("a.txt", "1")])).unwrap();
    write_all(&out, &files(&[("a.txt", "2")])).unwrap();
    assert_eq!(fs::read_to_string(out.join("a.txt")).unwrap(), "2");
    let file = dir.path().join(format!("{name}x"));
    write_file_with(&file, |w| w.write_all(b"x")).unwrap();
    assert_eq!(fs::read(&file).unwrap(), b"x");
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
    assert_eq!(scratch_stem(&"é".repeat(150)).len(), 200);
    assert_eq!(scratch_stem(&format!("a{}", "é".repeat(150))).len(), 199);
}

#[test]
fn scratch_is_removed_when_dropped() {
    let scratch = Scratch::new("output-test").unwrap();
    let dir = scratch.path().to_path_buf();
    fs::write(dir.join("x"), "x").unwrap();
    drop(scratch);
    assert!(!dir.exists());
}
