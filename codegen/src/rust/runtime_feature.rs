//! The optional `runtime` feature: `src/engine.rs`, where the compiled
//! rules implement `rulec_runtime::Engine`, and `examples/cascade.rs`.

use proc_macro2::TokenStream;
use quote::quote;
use rulec_runtime::dsl;

use super::literals::{doc, float_tokens, inner_doc};
use super::{Error, Gen};

impl Gen<'_> {
    /// `src/engine.rs`: the compiled rules as a `rulec_runtime::Engine`.
    pub(super) fn engine_rs(&self) -> Result<TokenStream, Error> {
        let set = self.set;
        let decision = &self.names.decision;
        let precision = float_tokens(set.certification.precision)?;
        let confidence = float_tokens(set.certification.confidence)?;
        // `RuleId` and the decision enum (`Class` here) list rules and classes
        // in the rule set's order, so their discriminants are the
        // interpreter's indices.
        // Without rules `RuleId` has no values and `decide` never hits.
        let to_hit = if set.rules.is_empty() {
            quote!(match hit.rule {})
        } else {
            quote! {
                Some(rulec_runtime::Hit {
                    rule_idx: hit.rule as usize,
                    class_idx: hit.decision as usize,
                })
            }
        };
        // rustfmt drops a rename to the same name.
        let import = if *decision == "Class" {
            quote!(
                use crate::rules::{self, Class};
            )
        } else {
            quote!(use crate::rules::{self, #decision as Class};)
        };
        let module_doc = inner_doc([
            "The compiled rules as a [`rulec_runtime::Engine`] (feature `runtime`), so \
             [`rulec_runtime::Cascade`] runs them: rules first, the fallback for the rows \
             they do not cover, with metrics and shadow checks."
                .to_string(),
            String::new(),
            "Rule and class indices are those of the rule set: `RuleId` and the decision \
             enum list them in its order."
                .to_string(),
        ]);
        let precision_doc = doc([format!(
            "The certified precision, {}.",
            dsl::print_number(set.certification.precision)
        )]);
        let confidence_doc = doc([format!(
            "The confidence of its bound, {}.",
            dsl::print_number(set.certification.confidence)
        )]);
        // A numeric target's tolerance, for the shadow checks' agreement.
        let tolerance = match set.target.tolerance {
            None => TokenStream::new(),
            Some(t) => {
                let value = float_tokens(t)?;
                let doc = doc([format!(
                    "The target's tolerance, {}: a fallback value within it of the rule's agrees.",
                    dsl::print_number(t)
                )]);
                quote! {
                    #doc
                    #[allow(clippy::approx_constant)]
                    fn tolerance(&self) -> Option<f64> {
                        Some(#value)
                    }
                }
            }
        };
        Ok(quote! {
            #module_doc

            #import

            /// The compiled rules, for `rulec_runtime::Cascade::new`.
            #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
            pub struct CompiledRules;

            impl rulec_runtime::Engine for CompiledRules {
                type Row = rules::Input;

                #[inline]
                fn decide(&self, row: &rules::Input) -> Option<rulec_runtime::Hit> {
                    let hit = rules::decide(row)?;
                    #to_hit
                }

                fn n_rules(&self) -> usize {
                    rules::RULES.len()
                }

                fn rule_name(&self, rule_idx: usize) -> &str {
                    rules::RULES.get(rule_idx).map_or("", |info| info.name)
                }

                fn n_classes(&self) -> usize {
                    Class::ALL.len()
                }

                fn class_label(&self, class_idx: usize) -> &str {
                    Class::ALL.get(class_idx).map_or("", |class| class.as_str())
                }

                #precision_doc
                #[allow(clippy::approx_constant)]
                fn precision(&self) -> f64 {
                    #precision
                }

                #confidence_doc
                #[allow(clippy::approx_constant)]
                fn confidence(&self) -> f64 {
                    #confidence
                }

                #tolerance
            }
        })
    }

    /// `examples/cascade.rs`: decides rows through `rulec_runtime::Cascade`
    /// with the compiled rules and a stand-in fallback.
    pub(super) fn cascade_rs(&self) -> TokenStream {
        let krate = &self.names.krate;
        let row_items = self.row_items();
        let doc = inner_doc([
            "Cascade driver: decides rows read on stdin through `rulec_runtime::Cascade`, \
             the compiled rules first and a fallback for the rest."
                .to_string(),
            String::new(),
            "Rows are read as by the parity example. Prints one line per row: the name of \
             the rule that decided it, or `-` for the fallback, a tab, and the hex of the \
             decided class; then the metrics, in the Prometheus text format, on stderr."
                .to_string(),
            String::new(),
            "The fallback here is a stand-in that answers the first class: a service puts \
             its model in its place, as any `Fn(&Input) -> usize` giving a class index or \
             a type implementing `rulec_runtime::Fallback`."
                .to_string(),
        ]);
        quote! {
            #doc
            // A test driver, not code to copy: a service linting every
            // target with clippy's pedantic group is not held up by it.
            #![allow(clippy::pedantic)]

            use std::io::{BufRead, Write};
            use std::process::ExitCode;

            use rulec_runtime::{Cascade, CascadeConfig, Source};

            use #krate as rules;

            fn main() -> ExitCode {
                let fallback = |_: &rules::Input| 0;
                let engine = rules::engine::CompiledRules;
                let cascade = match Cascade::new(engine, fallback, CascadeConfig::default()) {
                    Ok(cascade) => cascade,
                    Err(err) => {
                        eprintln!("cascade: {err}");
                        return ExitCode::FAILURE;
                    }
                };
                let mut handle = cascade.handle();
                let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                for (line_idx, line) in std::io::stdin().lock().lines().enumerate() {
                    let line = match line {
                        Ok(line) => line,
                        Err(err) => {
                            eprintln!("cascade: cannot read stdin: {err}");
                            return ExitCode::FAILURE;
                        }
                    };
                    let input = match parse_row(&line) {
                        Ok(input) => input,
                        Err(msg) => {
                            eprintln!("cascade: line {}: {msg}", line_idx + 1);
                            return ExitCode::FAILURE;
                        }
                    };
                    let outcome = match handle.decide(&input) {
                        Ok(outcome) => outcome,
                        Err(err) => {
                            eprintln!("cascade: line {}: {err}", line_idx + 1);
                            return ExitCode::FAILURE;
                        }
                    };
                    let who = match outcome.source {
                        Source::Rule(_) => handle.rule_name(&outcome).unwrap_or("?"),
                        Source::Fallback | Source::SwitchedOff(_) => "-",
                    };
                    let class = hex(handle.class_label(outcome.class_idx));
                    if let Err(err) = writeln!(out, "{who}\t{class}") {
                        eprintln!("cascade: cannot write stdout: {err}");
                        return ExitCode::FAILURE;
                    }
                }
                if let Err(err) = out.flush() {
                    eprintln!("cascade: cannot write stdout: {err}");
                    return ExitCode::FAILURE;
                }
                eprint!("{}", cascade.metrics().to_prometheus());
                ExitCode::SUCCESS
            }

            #row_items
        }
    }
}
