//! `decide`: a chain of `if`s, one per rule that can fire, over the rule
//! conditions.

use std::collections::BTreeSet;

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use rulec_runtime::ir::{Condition, Rule};

use super::layout::{if_head, Cond};
use super::literals::{float_text, parse_expr};
use super::{Error, Gen};

impl Gen<'_> {
    /// `decide` and `decide_or_else`, and the rustfmt layout of each `if`
    /// head in `decide` (see [`Cond`]).
    pub(super) fn decide_fns(&self) -> Result<(TokenStream, Vec<String>), Error> {
        let decision = &self.names.decision;
        let decide_value = if self.set.target.tolerance.is_some() {
            quote! {
                /// Decides `input` with the rules and gives the decided value, or
                /// `fallback`'s value when no rule covers it.
                pub fn decide_value_or_else(input: &Input, fallback: impl FnOnce(&Input) -> f64) -> f64 {
                    decide(input).map_or_else(|| fallback(input), |hit| hit.decision.value())
                }
            }
        } else {
            quote! {}
        };
        let mut checks = Vec::new();
        let mut heads = Vec::new();
        let mut tail = quote!(None);
        for (rule_idx, rule) in self.set.rules.iter().enumerate() {
            let Some(conds) = self.rule_conditions(rule)? else {
                continue;
            };
            let id = &self.names.rules[rule_idx];
            let class = self.class_variant(rule)?;
            let hit = quote!(Some(Hit { decision: #decision::#class, rule: RuleId::#id }));
            if conds.is_empty() {
                // Covers every row: later rules can never fire.
                tail = hit;
                break;
            }
            let exprs = conds
                .iter()
                .map(|c| parse_expr(&c.one_line_text()))
                .collect::<Result<Vec<_>, _>>()?;
            heads.push(if_head(&conds));
            checks.push(quote! {
                if #(#exprs)&&* {
                    return #hit;
                }
            });
        }
        let unused = checks.is_empty().then(|| quote!(let _ = input;));
        let tokens = quote! {
            /// Decides `input`: the first rule, in order, whose conditions all
            /// hold, or `None` when no rule covers it (ask the fallback).
            #[must_use]
            #[allow(
                clippy::approx_constant,
                clippy::eq_op,
                clippy::impossible_comparisons,
                clippy::manual_range_contains,
                clippy::nonminimal_bool,
                clippy::overly_complex_bool_expr,
                clippy::redundant_comparisons
            )]
            pub fn decide(input: &Input) -> Option<Hit> {
                #unused
                #(#checks)*
                #tail
            }

            /// Decides `input` with the rules, or with `fallback` when no rule
            /// covers it.
            pub fn decide_or_else(
                input: &Input,
                fallback: impl FnOnce(&Input) -> #decision,
            ) -> #decision {
                decide(input).map_or_else(|| fallback(input), |hit| hit.decision)
            }

            #decide_value
        };
        Ok((tokens, heads))
    }

    /// The rules `decide` can fire, by index, in order: those whose
    /// conditions can all hold, up to and including the first without
    /// conditions.
    pub(super) fn live_rules(&self) -> Result<Vec<usize>, Error> {
        let mut live = Vec::new();
        for (rule_idx, rule) in self.set.rules.iter().enumerate() {
            if self.rule_conditions(rule)?.is_none() {
                continue;
            }
            live.push(rule_idx);
            if rule.conditions.is_empty() {
                break;
            }
        }
        Ok(live)
    }

    /// The rule's conditions as boolean expressions over `input`, or `None`
    /// when one of them can never hold.
    ///
    /// The text of a condition holds only sanitised identifiers, number
    /// literals and punctuation, never a string from the data.
    pub(super) fn rule_conditions(&self, rule: &Rule) -> Result<Option<Vec<Cond>>, Error> {
        let mut out = Vec::with_capacity(rule.conditions.len());
        for cond in &rule.conditions {
            let bad = || Error::BadCondition {
                rule: rule.name.clone(),
                feature: cond.feature().to_string(),
            };
            let col = self.set.feature_index(cond.feature()).ok_or_else(bad)?;
            let nullable = self.set.features[col].nullable;
            let field = format!("input.{}", self.names.fields[col]);
            let code = match cond {
                Condition::Cmp { op, value, .. } => {
                    let value = float_text(*value)?;
                    let op = op.as_str();
                    Cond::Plain(if nullable {
                        // A guard keeps the test on one line: rustfmt leaves
                        // it alone, however long the column name.
                        format!("matches!({field}, Some(x) if x {op} {value})")
                    } else {
                        format!("{field} {op} {value}")
                    })
                }
                Condition::Is { value, .. } => Cond::Plain(match (nullable, value) {
                    (true, _) => format!("{field} == Some({value})"),
                    (false, true) => field,
                    (false, false) => format!("!{field}"),
                }),
                Condition::In { values, .. } | Condition::NotIn { values, .. } => {
                    let cat = self.names.cats[col].as_ref().ok_or_else(bad)?;
                    let idxs = values
                        .iter()
                        .map(|v| cat.codes.get(v).copied().ok_or_else(bad))
                        .collect::<Result<BTreeSet<usize>, Error>>()?;
                    let ty = &cat.ty;
                    let path = |v: &Ident| {
                        if nullable {
                            format!("Some({ty}::{v})")
                        } else {
                            format!("{ty}::{v}")
                        }
                    };
                    let mut alts: Vec<String> =
                        idxs.iter().map(|&i| path(&cat.variants[i])).collect();
                    if matches!(cond, Condition::In { .. }) {
                        Cond::Matches {
                            negated: false,
                            scrutinee: field,
                            alts,
                        }
                    } else {
                        if idxs.len() == cat.variants.len() {
                            // Refuses every known category: never holds.
                            return Ok(None);
                        }
                        // A known category outside the set: not missing, not
                        // unknown, not listed.
                        alts.insert(0, path(&cat.unknown));
                        if nullable {
                            alts.insert(0, "None".to_string());
                        }
                        Cond::Matches {
                            negated: true,
                            scrutinee: field,
                            alts,
                        }
                    }
                }
                Condition::Missing { .. } => {
                    if nullable {
                        Cond::Plain(format!("{field}.is_none()"))
                    } else {
                        return Ok(None);
                    }
                }
            };
            out.push(code);
        }
        Ok(Some(out))
    }
}
