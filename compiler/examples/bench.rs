//! Runs the benchmark protocol through `rulec::bench` (what `rulec bench`
//! prints), with the options of the command:
//!
//! ```sh
//! cargo run --release -p rulec --example bench -- ../shared/bench \
//!     [--targets 0.95,0.99] [--seeds 0,1,2,3,4] [--teacher gbdt|forest|mlp] [--only name,name]
//! ```
//!
//! Progress lines go to stderr, the table to stdout.

use std::path::PathBuf;
use std::process::ExitCode;

use rulec::bench::{self, BenchConfig};
use rulec::pipeline::TeacherKind;
use rulec::progress::Progress;

struct Lines;

impl Progress for Lines {
    fn line(&self, text: &str) {
        eprintln!("{text}");
    }
}

fn list<T: std::str::FromStr>(flag: &str, value: Option<String>) -> Result<Vec<T>, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
    value
        .split(',')
        .map(|v| {
            v.trim()
                .parse()
                .map_err(|_| format!("{flag}: `{v}` does not read"))
        })
        .collect()
}

fn parse() -> Result<(PathBuf, BenchConfig), String> {
    let mut config = BenchConfig::default();
    let mut dir = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--targets" => config.targets = list("--targets", args.next())?,
            "--seeds" => config.seeds = list("--seeds", args.next())?,
            "--only" => config.datasets = list("--only", args.next())?,
            "--teacher" => {
                config.teacher = match args.next().as_deref() {
                    Some("gbdt") => TeacherKind::Gbdt,
                    Some("forest") => TeacherKind::Forest,
                    Some("mlp") => TeacherKind::Mlp,
                    other => {
                        return Err(format!("--teacher: {other:?} is not gbdt, forest or mlp"))
                    }
                }
            }
            _ if dir.is_none() && !arg.starts_with("--") => dir = Some(PathBuf::from(arg)),
            _ => return Err(format!("unexpected argument `{arg}`")),
        }
    }
    Ok((
        dir.ok_or("usage: bench DIR [--targets ..] [--seeds ..] [--teacher ..] [--only ..]")?,
        config,
    ))
}

fn main() -> ExitCode {
    let (dir, config) = match parse() {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match bench::run_with(&dir, &config, &Lines) {
        Ok(outcomes) => {
            print!("{}", bench::table(&outcomes));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
