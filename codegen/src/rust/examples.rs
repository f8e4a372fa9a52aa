//! `examples/parity.rs`: the driver that decides hex-encoded rows read on
//! stdin, for parity tests against the interpreter; its row parsing is
//! shared with the cascade driver.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::literals::{inner_doc, str_lit};
use super::Gen;

impl Gen<'_> {
    pub(super) fn parity_rs(&self) -> TokenStream {
        let krate = &self.names.krate;
        let row_items = self.row_items();
        let doc = inner_doc([
            "Parity driver: decides rows read on stdin with the generated rules.".to_string(),
            String::new(),
            "Each line is one row, one field per column in the rule set's order, separated \
             by tabs; a field is the lowercase hex of the value's UTF-8 text (numbers like \
             `12.5`, booleans `true`/`false`, categories as they are), and an empty field is \
             a missing value."
                .to_string(),
            String::new(),
            "Prints one line per row: the name of the rule that decided it, or `-`. With \
             `--with-decision`, a covered row prints the rule name, a tab and the hex of the \
             decided class."
                .to_string(),
            String::new(),
            "Each row is also decided by `decide_batch` alone, and any difference from \
             `decide` fails the run. With `--batch`, every row is decided by one call of \
             `decide_batch` instead. With `--bench ROUNDS`, prints the time per row of \
             `decide` and of `decide_batch` over all rows instead."
                .to_string(),
        ]);
        quote! {
            #doc
            // A test driver, not code to copy: a service linting every
            // target with clippy's pedantic group is not held up by it.
            #![allow(clippy::pedantic)]

            use std::io::{BufRead, Write};
            use std::process::ExitCode;

            use #krate as rules;

            fn main() -> ExitCode {
                let with_decision = std::env::args().any(|arg| arg == "--with-decision");
                let batch = std::env::args().any(|arg| arg == "--batch");
                let bench_rounds: Option<u32> = std::env::args()
                    .skip_while(|arg| arg != "--bench")
                    .nth(1)
                    .and_then(|n| n.parse().ok());
                let inputs = match read_rows() {
                    Ok(inputs) => inputs,
                    Err(msg) => {
                        eprintln!("parity: {msg}");
                        return ExitCode::FAILURE;
                    }
                };
                if let Some(rounds) = bench_rounds {
                    bench(&inputs, rounds);
                    return ExitCode::SUCCESS;
                }
                let hits = match decide_rows(&inputs, batch) {
                    Ok(hits) => hits,
                    Err(msg) => {
                        eprintln!("parity: {msg}");
                        return ExitCode::FAILURE;
                    }
                };
                let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                for hit in hits {
                    let res = match hit {
                        Some(hit) if with_decision => {
                            let name = hit.rule.name();
                            let class = hex(hit.decision.as_str());
                            writeln!(out, "{name}\t{class}")
                        }
                        Some(hit) => writeln!(out, "{}", hit.rule.name()),
                        None => writeln!(out, "-"),
                    };
                    if let Err(err) = res {
                        eprintln!("parity: cannot write stdout: {err}");
                        return ExitCode::FAILURE;
                    }
                }
                if let Err(err) = out.flush() {
                    eprintln!("parity: cannot write stdout: {err}");
                    return ExitCode::FAILURE;
                }
                ExitCode::SUCCESS
            }

            /// Every row on stdin.
            fn read_rows() -> Result<Vec<rules::Input>, String> {
                let mut inputs = Vec::new();
                for (line_idx, line) in std::io::stdin().lock().lines().enumerate() {
                    let line = line.map_err(|err| format!("cannot read stdin: {err}"))?;
                    let line_no = line_idx + 1;
                    let input = parse_row(&line).map_err(|msg| format!("line {line_no}: {msg}"))?;
                    inputs.push(input);
                }
                Ok(inputs)
            }

            /// `decide` row by row, each answer checked against `decide_batch`
            /// on that row alone; with `batch`, `decide_batch` on all rows.
            fn decide_rows(inputs: &[rules::Input], batch: bool) -> Result<Vec<Option<rules::Hit>>, String> {
                if batch {
                    return decide_all(inputs);
                }
                let mut hits = Vec::with_capacity(inputs.len());
                for (row_idx, input) in inputs.iter().enumerate() {
                    let hit = rules::decide(input);
                    let mut batch = [None];
                    let n = rules::decide_batch(std::slice::from_ref(input), &mut batch);
                    if n != 1 || batch[0] != hit {
                        let line = row_idx + 1;
                        let batch = batch[0];
                        let msg = format!("line {line}: decide {hit:?}, decide_batch {batch:?}");
                        return Err(msg);
                    }
                    hits.push(hit);
                }
                Ok(hits)
            }

            /// `--batch`: every row in one call of `decide_batch`, with one slot
            /// more than rows, which must be left alone.
            fn decide_all(inputs: &[rules::Input]) -> Result<Vec<Option<rules::Hit>>, String> {
                let mut hits = vec![None; inputs.len() + 1];
                let n = rules::decide_batch(inputs, &mut hits);
                let rows = inputs.len();
                if n != rows {
                    return Err(format!("decide_batch decided {n} of {rows} rows"));
                }
                if hits.pop() != Some(None) {
                    return Err("decide_batch wrote past the rows".to_string());
                }
                Ok(hits)
            }

            /// `--bench ROUNDS`: times `decide` over every row `ROUNDS` times,
            /// then `decide_batch` as often, and prints nanoseconds per
            /// decision of each; no reading or writing is timed.
            fn bench(inputs: &[rules::Input], rounds: u32) {
                let decisions = f64::from(rounds) * inputs.len().max(1) as f64;
                let start = std::time::Instant::now();
                let mut covered = 0u64;
                for _ in 0..rounds {
                    for input in inputs {
                        let hit = rules::decide(std::hint::black_box(input));
                        if std::hint::black_box(hit).is_some() {
                            covered += 1;
                        }
                    }
                }
                let ns = start.elapsed().as_secs_f64() * 1e9 / decisions;
                println!("decide_ns_per_row\t{ns:.3}\tcovered\t{covered}");
                let mut hits = vec![None; inputs.len()];
                let start = std::time::Instant::now();
                let mut covered = 0u64;
                for _ in 0..rounds {
                    rules::decide_batch(std::hint::black_box(inputs), &mut hits);
                    let hits = std::hint::black_box(&hits);
                    covered += hits.iter().filter(|hit| hit.is_some()).count() as u64;
                }
                let ns = start.elapsed().as_secs_f64() * 1e9 / decisions;
                println!("decide_batch_ns_per_row\t{ns:.3}\tcovered\t{covered}");
            }

            #row_items
        }
    }

    /// The examples' `parse_row`, `hex` and what they need: rows are lines
    /// of tab-separated hex fields.
    pub(super) fn row_items(&self) -> TokenStream {
        let set = self.set;
        let n = set.features.len();
        let n_lit = Literal::usize_unsuffixed(n);
        let fields = set.features.iter().enumerate().map(|(i, _)| {
            let field = &self.names.fields[i];
            let i = Literal::usize_unsuffixed(i);
            quote!(#field: Parse::parse(&fields[#i])?,)
        });
        let parse_body = if n == 0 {
            quote! {
                if !line.is_empty() {
                    return Err("expected an empty line: there are no columns".to_string());
                }
                Ok(rules::Input {})
            }
        } else {
            let wrong_width = str_lit(&format!("expected {n} fields, found {{}}"));
            quote! {
                let fields: Vec<String> = line.split('\t').map(unhex).collect::<Result<_, _>>()?;
                if fields.len() != #n_lit {
                    return Err(format!(#wrong_width, fields.len()));
                }
                Ok(rules::Input { #(#fields)* })
            }
        };
        let unhex_fn = (n > 0).then(|| {
            quote! {
                /// Decodes one field: lowercase hex of the value's UTF-8 bytes.
                fn unhex(field: &str) -> Result<String, String> {
                    let pairs = field.as_bytes().chunks_exact(2);
                    if !pairs.remainder().is_empty() {
                        return Err(format!("odd-length hex field `{field}`"));
                    }
                    let mut bytes = Vec::with_capacity(field.len() / 2);
                    for pair in pairs {
                        let pair = std::str::from_utf8(pair).map_err(|err| err.to_string())?;
                        let byte = u8::from_str_radix(pair, 16).map_err(|err| err.to_string())?;
                        bytes.push(byte);
                    }
                    String::from_utf8(bytes).map_err(|err| err.to_string())
                }
            }
        });
        // Without columns nothing is parsed, and an unused trait would warn.
        let parse_items = (n > 0).then(|| {
            let cat_impls: Vec<TokenStream> = self
                .names
                .cats
                .iter()
                .flatten()
                .map(|cat| {
                    let ty = &cat.ty;
                    quote! {
                        impl Parse for rules::#ty {
                            fn parse(text: &str) -> Result<Self, String> {
                                Ok(Self::from_str_value(text))
                            }
                        }
                    }
                })
                .collect();
            parse_trait(&cat_impls)
        });
        quote! {
            /// Builds the generated crate's `Input` from one line.
            fn parse_row(line: &str) -> Result<rules::Input, String> {
                #parse_body
            }

            /// Lowercase hex of the text's UTF-8 bytes.
            fn hex(text: &str) -> String {
                text.bytes().map(|b| format!("{b:02x}")).collect()
            }

            #unhex_fn

            #parse_items
        }
    }
}

/// The example's `Parse` trait: one impl per type of `Input` field.
fn parse_trait(cat_impls: &[TokenStream]) -> TokenStream {
    // One string, each marker after a `|` (none holds one): rustfmt lays
    // out an array of short strings in a way of its own.
    let markers = str_lit(
        &rulec_runtime::eval::MISSING_MARKERS
            .iter()
            .map(|m| format!("|{m}"))
            .collect::<String>(),
    );
    quote! {
            /// Reads one field, already decoded from hex.
            trait Parse: Sized {
                fn parse(text: &str) -> Result<Self, String>;

                /// Whether `text` is a missing value written as a value of
                /// this type (`NaN` in any case, for a number).
                fn reads_as_missing(_text: &str) -> bool {
                    false
                }
            }

            /// A number as `rulec apply` reads it: spaces around it
            /// allowed, `NaN` or `inf` in any case, thousands in groups of
            /// three (`1,234.5`). Text that is no number, which `rulec
            /// apply` refuses, is NaN here, as is a blank field.
            impl Parse for f64 {
                fn parse(text: &str) -> Result<Self, String> {
                    let t = text.trim();
                    Ok(t.parse().ok().or_else(|| thousands(t)).unwrap_or(f64::NAN))
                }

                fn reads_as_missing(text: &str) -> bool {
                    text.trim().parse::<f64>().is_ok_and(f64::is_nan)
                }
            }

            /// `1,234,567.89`: a first group of one to three digits (not
            /// starting with 0), then groups of three.
            fn thousands(t: &str) -> Option<f64> {
                let (sign, digits) = match t.strip_prefix('-') {
                    Some(rest) => ("-", rest),
                    None => ("", t.strip_prefix('+').unwrap_or(t)),
                };
                let (int, frac) = match digits.split_once('.') {
                    Some((i, f)) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
                        (i, format!(".{f}"))
                    }
                    Some(_) => return None,
                    None => (digits, String::new()),
                };
                let groups: Vec<&str> = int.split(',').collect();
                let first = groups[0];
                if groups.len() < 2 || first.is_empty() || first.len() > 3 {
                    return None;
                }
                if first.starts_with('0') || groups[1..].iter().any(|g| g.len() != 3) {
                    return None;
                }
                if !groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit())) {
                    return None;
                }
                format!("{sign}{}{frac}", groups.concat()).parse().ok()
            }

            /// `true` or `false` in any case (`TRUE`, `False`), spaces
            /// around it allowed, as `rulec apply` reads them.
            impl Parse for bool {
                fn parse(text: &str) -> Result<Self, String> {
                    let word = text.trim();
                    if word.eq_ignore_ascii_case("true") {
                        Ok(true)
                    } else if word.eq_ignore_ascii_case("false") {
                        Ok(false)
                    } else {
                        Err(format!("`{text}` is not a boolean"))
                    }
                }
            }

            /// The texts `rulec apply` reads as missing values, each after a `|`.
            const MISSING: &str = #markers;

            /// A missing value, as `rulec apply` reads it, is `None`: a
            /// marker of one, or `NaN` written in any case.
            impl<T: Parse> Parse for Option<T> {
                fn parse(text: &str) -> Result<Self, String> {
                    let marker = MISSING.split('|').skip(1).any(|m| m == text);
                    if marker || T::reads_as_missing(text) {
                        Ok(None)
                    } else {
                        T::parse(text).map(Some)
                    }
                }
            }

        #(#cat_impls)*
    }
}
