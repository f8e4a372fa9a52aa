//! `decide`: a chain of `if`s, one per rule that can fire, over the rule
//! conditions.
//!
//! A condition is first a [`Cond`], what it tests in terms of the generated
//! crate's names; its expression is built from that as tokens with
//! `quote!`, and its text, which only the layout of the `if` heads reads
//! (see the `layout` module), is written from the same parts. No condition
//! is parsed from text, and `layout::render` checks that the laid-out file
//! is still the code the tokens make.

use std::collections::BTreeSet;

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use rulec_runtime::ir::{CmpOp, Condition, Rule};

use super::layout::{if_head, HeadCond};
use super::literals::Float;
use super::{Error, Gen};

/// One condition of a rule in `decide`, over the field `field` of `input`.
/// Its text holds only sanitised identifiers, number literals and
/// punctuation, never a string from the data.
pub(super) enum Cond<'a> {
    /// `input.f < 5.0`; `matches!(input.f, Some(x) if x < 5.0)` when the
    /// column is nullable (the guard keeps the test on one line: rustfmt
    /// leaves it alone, however long the column name).
    Cmp {
        field: &'a Ident,
        nullable: bool,
        op: CmpOp,
        value: Float,
    },
    /// `input.f` or `!input.f`; `input.f == Some(true)` when nullable.
    Is {
        field: &'a Ident,
        nullable: bool,
        value: bool,
    },
    /// `input.f == 5.0`: a non-nullable column held between `<= v` and
    /// `>= v` (written as one test, which clippy asks for).
    Equals { field: &'a Ident, value: Float },
    /// `input.f.is_none()`.
    Missing { field: &'a Ident },
    /// `matches!((input.a, input.b), (x0, Some(x1)) if x0 + x1 < 5.0)`:
    /// the terms bound (a nullable one only when present), added left to
    /// right (the first `plus`) then subtracted, and compared, in a guard
    /// that keeps the test on one line.
    Sum {
        terms: Vec<(&'a Ident, bool)>,
        plus: usize,
        op: CmpOp,
        value: Float,
    },
    /// `matches!(input.f, alt | ..)`, or `!matches!(..)` when `negated`.
    Matches {
        negated: bool,
        field: &'a Ident,
        alts: Vec<Alt<'a>>,
    },
}

/// One alternative of a `matches!` pattern.
pub(super) enum Alt<'a> {
    /// `None`: a missing value.
    None,
    /// `Ty::Variant`, or `Some(Ty::Variant)` when the column is nullable.
    Variant {
        ty: &'a Ident,
        variant: &'a Ident,
        nullable: bool,
    },
}

impl Cond<'_> {
    /// The condition as a boolean expression over `input`.
    fn tokens(&self) -> TokenStream {
        match self {
            Cond::Cmp {
                field,
                nullable,
                op,
                value,
            } => {
                let op = cmp_tokens(*op);
                if *nullable {
                    quote!(matches!(input.#field, Some(x) if x #op #value))
                } else {
                    quote!(input.#field #op #value)
                }
            }
            Cond::Is {
                field,
                nullable: true,
                value,
            } => quote!(input.#field == Some(#value)),
            Cond::Is {
                field, value: true, ..
            } => quote!(input.#field),
            Cond::Is {
                field,
                value: false,
                ..
            } => quote!(!input.#field),
            Cond::Equals { field, value } => quote!(input.#field == #value),
            Cond::Missing { field } => quote!(input.#field.is_none()),
            Cond::Sum {
                terms,
                plus,
                op,
                value,
            } => {
                let op = cmp_tokens(*op);
                let fields = terms.iter().map(|(field, _)| quote!(input.#field));
                let xs: Vec<Ident> = (0..terms.len())
                    .map(|i| quote::format_ident!("x{i}"))
                    .collect();
                let binds = terms.iter().zip(&xs).map(|((_, nullable), x)| {
                    if *nullable {
                        quote!(Some(#x))
                    } else {
                        quote!(#x)
                    }
                });
                let (added, subtracted) = xs.split_at(*plus);
                quote!(
                    matches!((#(#fields),*), (#(#binds),*) if #(#added)+* #(- #subtracted)* #op #value)
                )
            }
            Cond::Matches {
                negated,
                field,
                alts,
            } => {
                let alts = alts.iter().map(Alt::tokens);
                let test = quote!(matches!(input.#field, #(#alts)|*));
                if *negated {
                    quote!(!#test)
                } else {
                    test
                }
            }
        }
    }

    /// The condition's text, as the layout of an `if` head needs it.
    fn head_text(&self) -> HeadCond {
        match self {
            Cond::Cmp {
                field,
                nullable,
                op,
                value,
            } => {
                let (op, value) = (op.as_str(), value.text());
                if *nullable {
                    HeadCond::Guarded(format!(
                        "matches!(input.{field}, Some(x) if x {op} {value})"
                    ))
                } else {
                    HeadCond::Plain(format!("input.{field} {op} {value}"))
                }
            }
            Cond::Is {
                field,
                nullable,
                value,
            } => HeadCond::Plain(match (nullable, value) {
                (true, _) => format!("input.{field} == Some({value})"),
                (false, true) => format!("input.{field}"),
                (false, false) => format!("!input.{field}"),
            }),
            Cond::Equals { field, value } => {
                HeadCond::Plain(format!("input.{field} == {}", value.text()))
            }
            Cond::Missing { field } => HeadCond::Plain(format!("input.{field}.is_none()")),
            Cond::Sum {
                terms,
                plus,
                op,
                value,
            } => {
                let fields: Vec<String> = terms.iter().map(|(f, _)| format!("input.{f}")).collect();
                let binds: Vec<String> = terms
                    .iter()
                    .enumerate()
                    .map(|(i, (_, nullable))| {
                        if *nullable {
                            format!("Some(x{i})")
                        } else {
                            format!("x{i}")
                        }
                    })
                    .collect();
                let xs: Vec<String> = (0..terms.len()).map(|i| format!("x{i}")).collect();
                let (added, subtracted) = xs.split_at(*plus);
                let sum = rulec_runtime::ir::signed_sum(added, subtracted);
                HeadCond::Guarded(format!(
                    "matches!(({}), ({}) if {} {} {})",
                    fields.join(", "),
                    binds.join(", "),
                    sum,
                    op.as_str(),
                    value.text()
                ))
            }
            Cond::Matches {
                negated,
                field,
                alts,
            } => HeadCond::Matches {
                negated: *negated,
                scrutinee: format!("input.{field}"),
                alts: alts.iter().map(Alt::text).collect(),
            },
        }
    }
}

/// The operator as a token.
fn cmp_tokens(op: CmpOp) -> TokenStream {
    match op {
        CmpOp::Lt => quote!(<),
        CmpOp::Le => quote!(<=),
        CmpOp::Gt => quote!(>),
        CmpOp::Ge => quote!(>=),
    }
}

impl Alt<'_> {
    fn tokens(&self) -> TokenStream {
        match self {
            Alt::None => quote!(None),
            Alt::Variant {
                ty,
                variant,
                nullable: true,
            } => quote!(Some(#ty::#variant)),
            Alt::Variant { ty, variant, .. } => quote!(#ty::#variant),
        }
    }

    fn text(&self) -> String {
        match self {
            Alt::None => "None".to_string(),
            Alt::Variant {
                ty,
                variant,
                nullable: true,
            } => format!("Some({ty}::{variant})"),
            Alt::Variant { ty, variant, .. } => format!("{ty}::{variant}"),
        }
    }
}

impl Gen<'_> {
    /// `decide` and `decide_or_else`, and the rustfmt layout of each `if`
    /// head in `decide` (see [`if_head`]).
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
            let exprs = conds.iter().map(Cond::tokens);
            heads.push(if_head(
                &conds.iter().map(Cond::head_text).collect::<Vec<_>>(),
            ));
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

    /// The rule's conditions, or `None` when one of them can never hold.
    pub(super) fn rule_conditions(&self, rule: &Rule) -> Result<Option<Vec<Cond<'_>>>, Error> {
        let mut out = Vec::with_capacity(rule.conditions.len());
        for cond in &rule.conditions {
            let bad = || Error::BadCondition {
                rule: rule.name.clone(),
                feature: cond.feature().to_string(),
            };
            let col = self.set.feature_index(cond.feature()).ok_or_else(bad)?;
            let nullable = self.set.features[col].nullable;
            let field = &self.names.fields[col];
            let code = match cond {
                Condition::Cmp { op, value, .. } => Cond::Cmp {
                    field,
                    nullable,
                    op: *op,
                    value: Float::new(*value)?,
                },
                Condition::Is { value, .. } => Cond::Is {
                    field,
                    nullable,
                    value: *value,
                },
                Condition::In { values, .. } | Condition::NotIn { values, .. } => {
                    let cat = self.names.cats[col].as_ref().ok_or_else(bad)?;
                    let idxs = values
                        .iter()
                        .map(|v| cat.codes.get(v).copied().ok_or_else(bad))
                        .collect::<Result<BTreeSet<usize>, Error>>()?;
                    let alt = |variant| Alt::Variant {
                        ty: &cat.ty,
                        variant,
                        nullable,
                    };
                    let mut alts: Vec<Alt> = idxs.iter().map(|&i| alt(&cat.variants[i])).collect();
                    if matches!(cond, Condition::In { .. }) {
                        Cond::Matches {
                            negated: false,
                            field,
                            alts,
                        }
                    } else {
                        if idxs.len() == cat.variants.len() {
                            // Refuses every known category: never holds.
                            return Ok(None);
                        }
                        // A known category outside the set: not missing, not
                        // unknown, not listed.
                        alts.insert(0, alt(&cat.unknown));
                        if nullable {
                            alts.insert(0, Alt::None);
                        }
                        Cond::Matches {
                            negated: true,
                            field,
                            alts,
                        }
                    }
                }
                Condition::Missing { .. } => {
                    if nullable {
                        Cond::Missing { field }
                    } else {
                        return Ok(None);
                    }
                }
                Condition::Sum {
                    features,
                    minus,
                    op,
                    value,
                } => {
                    let terms = features
                        .iter()
                        .chain(minus)
                        .map(|f| {
                            let col = self.set.feature_index(f).ok_or_else(bad)?;
                            Ok((&self.names.fields[col], self.set.features[col].nullable))
                        })
                        .collect::<Result<Vec<_>, Error>>()?;
                    Cond::Sum {
                        terms,
                        plus: features.len(),
                        op: *op,
                        value: Float::new(*value)?,
                    }
                }
            };
            out.push(code);
        }
        // `x <= v && x >= v` is `x == v`.
        let mut i = 0;
        while i < out.len() {
            let pair = match &out[i] {
                Cond::Cmp {
                    field,
                    nullable: false,
                    op: op @ (CmpOp::Le | CmpOp::Ge),
                    value,
                } => out
                    .iter()
                    .enumerate()
                    .skip(i + 1)
                    .find_map(|(j, c)| match c {
                        Cond::Cmp {
                            field: f2,
                            nullable: false,
                            op: o2 @ (CmpOp::Le | CmpOp::Ge),
                            value: v2,
                        } if f2 == field
                            && o2 != op
                            && !matches!(value, Float::Nan)
                            && v2.text() == value.text() =>
                        {
                            Some((j, *field, value.clone()))
                        }
                        _ => None,
                    }),
                _ => None,
            };
            if let Some((j, field, value)) = pair {
                out.remove(j);
                out[i] = Cond::Equals { field, value };
            }
            i += 1;
        }
        Ok(Some(out))
    }
}
