//! rulebook.html in a real browser: headless Chromium opens the page from
//! disk, the test checks that it renders with no console message (the page
//! has no script, so any message is an error: a script error, or a request
//! or inline script refused by the page's Content-Security-Policy), that the
//! rules table and the SVG figures are in the rendered DOM, that hostile
//! strings stayed text, and saves a screenshot under the test's folder in
//! the system temp dir (`rulec-browser-test/`, overwritten on each run).
//!
//! Chromium comes from Debian's `chromium` package (`.ci/run` installs it),
//! or from `$CHROMIUM`. Without it the test prints `SKIPPED` and why, so
//! that `cargo test` works on a machine with only the Rust toolchain; with
//! `RULEC_REQUIRE_TOOLS=1` (which `.ci/run` sets) a missing Chromium fails
//! the test instead, so CI never passes without having looked. See: issue #5.

mod book_fixture;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use book_fixture::{hostile_book, shipping_book, with_audit};
use rulec_codegen::book::SignOff;
use rulec_codegen::html::html_signed;

/// The sign-off of a rules.json named `file`, with a made-up SHA-256.
fn sign_off(file: &str) -> SignOff {
    SignOff {
        rules_file: file.into(),
        rules_sha256: "0123456789abcdef".repeat(4),
    }
}

/// What one Chromium run printed.
struct Run {
    stdout: String,
    stderr: String,
}

/// Whether Chromium is missing (and the test should end): fails when
/// `RULEC_REQUIRE_TOOLS=1`, otherwise prints that the test skipped.
fn skip_requested() -> bool {
    if chromium().is_some() {
        return false;
    }
    let why = "the browser test needs headless Chromium and found none on PATH (chromium, chromium-browser, \
               google-chrome) or in $CHROMIUM; install it with `apt-get install -y --no-install-recommends chromium`";
    if std::env::var_os("RULEC_REQUIRE_TOOLS").is_some_and(|v| v == "1") {
        panic!("{why} (RULEC_REQUIRE_TOOLS=1: CI requires it)");
    }
    eprintln!("SKIPPED: {why}");
    true
}

/// The Chromium binary: `$CHROMIUM`, else the first of the usual names on
/// `PATH`.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// Runs Chromium headless on `page` with `args`, with a fresh profile under
/// `work`, and a time limit so a hung browser fails the test instead of
/// stalling it.
fn run_chromium(work: &Path, page: &Path, args: &[&str]) -> Run {
    let profile = work.join(format!(
        "profile-{}",
        page.file_stem().unwrap().to_string_lossy()
    ));
    let _ = std::fs::remove_dir_all(&profile);
    let url = format!("file://{}", page.display());
    let mut child = Command::new(chromium().expect("checked by skip_requested"))
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(&url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("Chromium starts");
    // Read both pipes on threads so a full pipe cannot block the browser.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for Chromium") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("Chromium did not finish within 90 s on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let run = Run {
        stdout: out_thread.join().unwrap(),
        stderr: err_thread.join().unwrap(),
    };
    assert!(
        status.success(),
        "Chromium failed on {url} ({status}):\n{}",
        run.stderr
    );
    let _ = std::fs::remove_dir_all(&profile);
    run
}

/// Console messages Chromium logged (`INFO:CONSOLE...] "message", source: ...`).
fn console_messages(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

/// The test's folder: fixed, so the screenshots can be looked at after a
/// run, and overwritten by the next.
fn work_dir(case: &str) -> PathBuf {
    let dir = std::env::temp_dir().join("rulec-browser-test").join(case);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Width and height from a PNG's header.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}

/// Opens the page, checks the DOM and the console, saves a screenshot.
fn check_page(case: &str, page_html: &str) -> String {
    let work = work_dir(case);
    let page = work.join("rulebook.html");
    std::fs::write(&page, page_html).unwrap();

    let run = run_chromium(&work, &page, &["--dump-dom"]);
    let console = console_messages(&run.stderr);
    assert!(
        console.is_empty(),
        "the page logged to the console:\n{}",
        console.join("\n")
    );
    let dom = run.stdout;
    assert!(
        dom.contains("<table id=\"rules\">"),
        "no rules table in the DOM:\n{dom}"
    );
    for id in [
        "fig-rule-bars",
        "fig-curve",
        "fig-confusion-validation",
        "fig-confusion-test",
    ] {
        assert!(
            dom.contains(&format!("id=\"{id}\"")),
            "no figure {id} in the DOM"
        );
    }
    // SVG content was parsed as SVG, not dropped: bars, points and cells.
    assert!(
        dom.matches("<rect ").count() > 20,
        "too few SVG shapes in the DOM"
    );
    assert!(
        dom.contains("<polyline "),
        "the curve is missing from the DOM"
    );
    assert!(
        !dom.contains("<script"),
        "a script element appeared in the DOM"
    );
    assert!(
        dom.contains("<section id=\"sign-off\">") && dom.contains(&"0123456789abcdef".repeat(4)),
        "no sign-off section in the DOM"
    );

    let shot = work.join("rulebook.png");
    let run = run_chromium(
        &work,
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1200,2000",
            "--hide-scrollbars",
        ],
    );
    let console = console_messages(&run.stderr);
    assert!(console.is_empty(), "console:\n{}", console.join("\n"));
    let png = std::fs::read(&shot).expect("Chromium wrote the screenshot");
    assert_eq!(png_size(&png), (1200, 2000));
    // A blank page compresses to a few kilobytes; a rendered book does not.
    assert!(
        png.len() > 40_000,
        "the screenshot looks blank ({} bytes)",
        png.len()
    );
    eprintln!("screenshot: {}", shot.display());
    dom
}

#[test]
fn rulebook_renders_in_chromium() {
    if skip_requested() {
        return;
    }
    check_page(
        "shipping",
        &html_signed(&shipping_book(), &sign_off("rules.json")),
    );
}

/// The forbidden columns and the results by group render, with markup in
/// the group values as text (#17).
#[test]
fn audited_rulebook_renders_in_chromium() {
    if skip_requested() {
        return;
    }
    let dom = check_page(
        "audited",
        &html_signed(&with_audit(shipping_book()), &sign_off("rules.json")),
    );
    assert!(
        dom.contains("<section id=\"forbidden\">"),
        "no forbidden section"
    );
    assert!(dom.contains("<section id=\"groups\">"), "no groups section");
    assert!(dom.contains("<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>"));
    assert!(dom.contains("too few rows to say (under 30)"));
    assert!(dom.contains("<section id=\"card\">"), "no model card");
}

#[test]
fn hostile_rulebook_renders_as_text_in_chromium() {
    if skip_requested() {
        return;
    }
    let name = "<img src=x onerror=alert(1)>.json";
    let dom = check_page("hostile", &html_signed(&hostile_book(), &sign_off(name)));
    // The serialised DOM escapes text again: the category is text.
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!dom.contains("<img"), "an img element appeared in the DOM");
    assert!(!dom.contains("<b>"), "a b element appeared in the DOM");
}

/// The console check itself: a page that logs, throws and is refused by its
/// policy must be caught, or the checks above prove nothing.
#[test]
fn console_check_catches_errors() {
    if skip_requested() {
        return;
    }
    let work = work_dir("console");
    let page = work.join("bad.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'\"></head>\
         <body><p>bad</p><script>console.error('logged'); undefinedFunction();</script><img src=\"https://example.invalid/x.png\"></body></html>",
    )
    .unwrap();
    let run = run_chromium(&work, &page, &["--dump-dom"]);
    let console = console_messages(&run.stderr).join("\n");
    assert!(
        console.contains("logged"),
        "console.error not seen:\n{}",
        run.stderr
    );
    assert!(
        console.contains("Uncaught ReferenceError"),
        "uncaught error not seen:\n{}",
        run.stderr
    );
    assert!(
        console.contains("Content Security Policy"),
        "refused load not seen:\n{}",
        run.stderr
    );
}
