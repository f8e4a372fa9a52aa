//! The items of `rules.rs` besides the decision functions: the module
//! docs, `Input`, the decision enum, one enum per categorical column, `Hit`,
//! `RuleId`, `RuleInfo` and the `RULES` table; and the thin `lib.rs`.

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use rulec_runtime::dsl;
use rulec_runtime::ir::{FeatureKind, RuleSet, Scope};

use super::literals::{code, doc, fenced, float_tokens, inner_doc, name_code, plural, str_lit};
use super::{Error, Gen, GENERATED_MARKER};

impl Gen<'_> {
    /// The tokens of `rules.rs`, and the layout of the `if` heads in
    /// `decide`.
    pub(super) fn rules_rs(&self) -> Result<(TokenStream, Vec<String>), Error> {
        let module_doc = inner_doc(self.module_doc());
        let input = self.input_struct();
        let decision = self.decision_enum();
        let cats = self.category_enums();
        let rest = self.rule_items()?;
        let (decide, if_heads) = self.decide_fns()?;
        let batch = self.batch_fns()?;
        let fingerprint = self.set.fingerprint();
        let tokens = quote! {
            #module_doc
            // Dropped in as `mod rules;`, a service that calls only `decide`
            // leaves the rest unused; and a service linting its own code with
            // clippy's pedantic group gets none of its warnings on generated
            // code (literals written exactly, without separators; hot
            // functions inlined always, on purpose).
            #![allow(dead_code, clippy::pedantic)]
            #input
            #decision
            #(#cats)*
            /// The rule set's fingerprint: a hash of its rules in order, its
            /// columns, target, certification and policy (`rulec`'s
            /// `provenance.compiled` in the rules.json it was compiled to). Log it
            /// beside the decisions to know which rules took them; it is the build
            /// metadata of this crate's version too, so a retrained crate is
            /// another package version.
            pub const FINGERPRINT: &str = #fingerprint;
            #rest
            #decide
            #batch
        };
        Ok((tokens, if_heads))
    }

    fn module_doc(&self) -> Vec<String> {
        let set = self.set;
        let mut lines = vec![
            format!(
                "Rules deciding {} from {} {}: {} {}, tried in order.",
                name_code(&set.target.name),
                set.features.len(),
                plural(set.features.len(), "column", "columns"),
                set.rules.len(),
                plural(set.rules.len(), "rule", "rules"),
            ),
            String::new(),
            "[`decide`] gives the first rule whose conditions all hold, or `None` when no rule \
             covers the row: hand those rows to the fallback, for example with \
             [`decide_or_else`]. A missing value satisfies only `is missing`; an unknown \
             category satisfies neither `in` nor `not in`; NaN satisfies no comparison."
                .to_string(),
            String::new(),
            format!(
                "{} reached {} ({} bound, confidence {}); [`RULES`] lists the evidence per rule.",
                match set.certification.scope {
                    Scope::Set => {
                        "The rules were accepted as a set: the lower bound of the precision on \
                         the held-out rows they answer"
                    }
                    Scope::Class => {
                        "The rules were accepted class by class: for each class they decide, \
                         the lower bound of the precision on the held-out rows they decide as \
                         that class"
                    }
                    Scope::Rule => {
                        "Each rule was accepted when the lower bound of its precision on \
                         held-out rows"
                    }
                },
                dsl::print_number(set.certification.precision),
                code(&set.certification.method),
                dsl::print_number(set.certification.confidence),
            ),
        ];
        if let Some(doubt) = set.figures_doubt() {
            lines.push(String::new());
            lines.push(format!("**Caution:** {}.", crate::figures_caution(doubt)));
        }
        if let Some(p) = &set.provenance {
            lines.push(String::new());
            lines.push(format!(
                "Compiled by rulec {} from {} (SHA-256 {}, {} rows) with teacher {}.",
                code(&p.tool_version),
                code(&p.data_file),
                code(&p.data_sha256),
                p.rows,
                code(&p.teacher),
            ));
        }
        lines
    }

    fn input_struct(&self) -> TokenStream {
        let set = self.set;
        let mut has_float = false;
        let fields = set.features.iter().enumerate().map(|(i, f)| {
            let field = &self.names.fields[i];
            let (ty, what) = match (&f.kind, &self.names.cats[i]) {
                (FeatureKind::Categorical { .. }, Some(cat)) => {
                    let ty = &cat.ty;
                    (quote!(#ty), format!("categorical, see [`{ty}`]"))
                }
                (FeatureKind::Boolean, _) => (quote!(bool), "boolean".to_string()),
                _ => {
                    has_float = true;
                    (
                        quote!(f64),
                        "numeric; NaN satisfies no comparison".to_string(),
                    )
                }
            };
            let (ty, missing) = if f.nullable {
                (quote!(Option<#ty>), "; `None` when the value is missing")
            } else {
                (ty, "")
            };
            let doc = doc([format!("Column {} ({what}){missing}.", name_code(&f.name))]);
            quote! { #doc pub #field: #ty, }
        });
        let fields: Vec<_> = fields.collect();
        let derives = if has_float {
            quote!(#[derive(Clone, Copy, Debug, PartialEq)])
        } else {
            quote!(#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)])
        };
        let doc =
            doc(["One row to decide: a value per column, in the rule set's order.".to_string()]);
        quote! {
            #doc
            #derives
            pub struct Input { #(#fields)* }
        }
    }

    fn decision_enum(&self) -> TokenStream {
        let set = self.set;
        let ty = &self.names.decision;
        let variants = &self.names.classes;
        let n = Literal::usize_unsuffixed(variants.len());
        let variant_docs = set
            .target
            .classes
            .iter()
            .map(|c| doc([format!("The class {}.", code(&dsl::print_string(c)))]));
        let labels = set.target.classes.iter().map(|c| str_lit(c));
        let doc_ty = doc([format!(
            "What the rules decide: the classes of column {}.",
            name_code(&set.target.name)
        )]);
        // A numeric target: each variant stands for a number, and a decision
        // is right when within the tolerance of the true value.
        let numeric = match set.target.tolerance {
            None => quote! {},
            Some(tolerance) => {
                let values = set
                    .target
                    .classes
                    .iter()
                    .map(|c| Literal::f64_suffixed(c.parse::<f64>().unwrap_or(f64::NAN)));
                let tol = Literal::f64_suffixed(tolerance);
                let doc_value = doc([format!(
                    "The value decided: a decision counts as right when within {} of the true value.",
                    dsl::print_number(tolerance)
                )]);
                quote! {
                    impl #ty {
                        /// How far from the true value a decision may be and still count as right.
                        pub const TOLERANCE: f64 = #tol;

                        #doc_value
                        pub const fn value(self) -> f64 {
                            match self {
                                #( Self::#variants => #values, )*
                            }
                        }
                    }
                }
            }
        };
        quote! {
            #doc_ty
            #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
            pub enum #ty {
                #( #variant_docs #variants, )*
            }

            impl #ty {
                /// Every class, in the rule set's order.
                pub const ALL: [Self; #n] = [#(Self::#variants),*];

                /// The class label as it appears in the data.
                pub const fn as_str(self) -> &'static str {
                    match self {
                        #( Self::#variants => #labels, )*
                    }
                }
            }

            impl core::fmt::Display for #ty {
                fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                    f.write_str(self.as_str())
                }
            }

            #numeric
        }
    }

    fn category_enums(&self) -> Vec<TokenStream> {
        let mut out = Vec::new();
        for (i, f) in self.set.features.iter().enumerate() {
            let (FeatureKind::Categorical { categories }, Some(cat)) =
                (&f.kind, &self.names.cats[i])
            else {
                continue;
            };
            let ty = &cat.ty;
            let unknown = &cat.unknown;
            let variants = &cat.variants;
            let n = Literal::usize_unsuffixed(variants.len());
            let variant_docs = categories
                .iter()
                .map(|c| doc([format!("The category {}.", code(&dsl::print_string(c)))]));
            let labels: Vec<Literal> = categories.iter().map(|c| str_lit(c)).collect();
            // One arm per distinct text, to its last position, as the
            // interpreter's `category_code` does.
            let arms = cat.codes.iter().map(|(text, &idx)| {
                let lit = str_lit(text);
                let v = &variants[idx];
                quote!(#lit => Self::#v,)
            });
            let as_str_body = if categories.is_empty() {
                quote!(None)
            } else {
                quote! {
                    let label = match self {
                        #( Self::#variants => #labels, )*
                        Self::#unknown => return None,
                    };
                    Some(label)
                }
            };
            // A column of codes (every category a number, `--categorical
            // store`): a number written another way (`7.0`, `007`, ` 7`) is
            // the category written as that number reads, as `rulec apply`
            // reads it. Only categories written as their number is written
            // (`7`, `2.5`; not `07`) can be read so.
            let canonical: Vec<(TokenStream, &proc_macro2::Ident)> = if !categories.is_empty()
                && categories.iter().all(|c| c.trim().parse::<f64>().is_ok())
            {
                categories
                    .iter()
                    .zip(variants)
                    .filter_map(|(c, v)| {
                        let x = c.parse::<f64>().ok().filter(|x| x.is_finite())?;
                        // A finite number always has a literal.
                        let lit = float_tokens(x).ok()?;
                        (number_text(x) == *c).then_some((lit, v))
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let otherwise = if canonical.is_empty() {
                quote!(Self::#unknown)
            } else {
                quote!(Self::from_code(value))
            };
            let from_body = if cat.codes.is_empty() {
                quote! { let _ = value; Self::#unknown }
            } else {
                quote! { match value { #(#arms)* _ => #otherwise, } }
            };
            let from_code = (!canonical.is_empty()).then(|| {
                let guards = canonical.iter().map(|(x, v)| quote!(Ok(#x) => Self::#v,));
                quote! {
                    /// A code written another way than the category is
                    /// (`7.0`, `007`, ` 7` for `7`): the category of the
                    /// same number, as `rulec apply` reads it; any other
                    /// text gives the unknown variant.
                    fn from_code(value: &str) -> Self {
                        match value.trim().parse::<f64>() {
                            #(#guards)*
                            _ => Self::#unknown,
                        }
                    }
                }
            });
            let doc_ty = doc([
                format!("Values of column {}.", name_code(&f.name)),
                String::new(),
                format!(
                    "[`{ty}::{unknown}`] stands for any value outside the known categories; it \
                     satisfies neither `in` nor `not in`."
                ),
            ]);
            out.push(quote! {
                #doc_ty
                #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
                pub enum #ty {
                    #( #variant_docs #variants, )*
                    /// A value outside the known categories.
                    #unknown,
                }

                impl #ty {
                    /// The known categories, in the rule set's order.
                    pub const ALL: [Self; #n] = [#(Self::#variants),*];

                    /// Reads a value as it appears in the data; any other text
                    /// gives the unknown variant.
                    #[must_use]
                    pub fn from_str_value(value: &str) -> Self {
                        #from_body
                    }

                    #from_code

                    /// The value as it appears in the data, or `None` for the
                    /// unknown variant.
                    pub const fn as_str(self) -> Option<&'static str> {
                        #as_str_body
                    }
                }
            });
        }
        out
    }

    /// `Hit`, `RuleId`, `RuleInfo` and `RULES`.
    fn rule_items(&self) -> Result<TokenStream, Error> {
        let set = self.set;
        let decision = &self.names.decision;
        let ids = &self.names.rules;
        let n = Literal::usize_unsuffixed(ids.len());
        let mut id_docs = Vec::new();
        let mut infos = Vec::new();
        for (rule_idx, rule) in set.rules.iter().enumerate() {
            let text = dsl::print_rule(rule, &set.target.name);
            let mut lines = vec![format!("Rule {}:", code(&rule.name)), String::new()];
            lines.extend(fenced(&text));
            if self.rule_conditions(rule)?.is_none() {
                lines.push(String::new());
                lines.push(
                    "It never fires here: it tests a column for a value its type cannot \
                     have (a missing value in a column that is not nullable, or a known \
                     category outside every category)."
                        .to_string(),
                );
            }
            id_docs.push(doc(lines));

            let id = &ids[rule_idx];
            let name = str_lit(&rule.name);
            let text = str_lit(&text);
            let class = self.class_variant(rule)?;
            let validation = rule.evidence.as_ref().map(|e| &e.validation);
            let support = Literal::u64_unsuffixed(validation.map_or(0, |v| v.support));
            let precision =
                float_tokens(validation.and_then(|v| v.precision()).unwrap_or(f64::NAN))?;
            let bound = float_tokens(validation.map_or(f64::NAN, |v| v.precision_lower_bound))?;
            infos.push(quote! {
                RuleInfo {
                    id: RuleId::#id,
                    name: #name,
                    text: #text,
                    decision: #decision::#class,
                    support: #support,
                    precision: #precision,
                    precision_lower_bound: #bound,
                },
            });
        }
        let reasons = self.reason_items()?;
        let info_body = if ids.is_empty() {
            quote!(match self {})
        } else {
            quote!(&RULE_TABLE[self as usize])
        };
        Ok(quote! {
            /// A covered row: the decision and the rule that gave it.
            #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
            pub struct Hit {
                /// The decision.
                pub decision: #decision,
                /// The first rule, in order, whose conditions all hold.
                pub rule: RuleId,
            }

            /// The rules, in evaluation order.
            #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
            pub enum RuleId {
                #( #id_docs #ids, )*
            }

            impl RuleId {
                /// Every rule, in evaluation order.
                pub const ALL: [Self; #n] = [#(Self::#ids),*];

                /// The rule's name, text and evidence.
                pub const fn info(self) -> &'static RuleInfo {
                    #info_body
                }

                /// The rule's name in the rule set.
                pub const fn name(self) -> &'static str {
                    self.info().name
                }
            }

            /// A rule and the evidence it was accepted on.
            #[derive(Clone, Copy, Debug, PartialEq)]
            pub struct RuleInfo {
                /// The rule.
                pub id: RuleId,
                /// The rule's name in the rule set.
                pub name: &'static str,
                /// The rule in the rule DSL, as the rule book prints it.
                pub text: &'static str,
                /// The decision the rule gives.
                pub decision: #decision,
                /// Validation rows the rule answered (0 without evidence).
                pub support: u64,
                /// Share of those rows it answered correctly; NaN without
                /// evidence.
                pub precision: f64,
                /// Lower confidence bound of the precision; NaN without
                /// evidence.
                pub precision_lower_bound: f64,
            }

            /// Every rule in evaluation order, with its evidence; the entry of
            /// a rule `id` is at `id as usize`.
            pub static RULES: &[RuleInfo] = RULE_TABLE;

            // A constant reference, so `RuleId::info` can be a `const fn`.
            #[allow(clippy::approx_constant)]
            const RULE_TABLE: &[RuleInfo] = &[#(#infos)*];

            #reasons
        })
    }

    /// `Reason` and `REASONS`, when the rule set records reasons (a
    /// compiled class target); nothing otherwise.
    fn reason_items(&self) -> Result<TokenStream, Error> {
        let set = self.set;
        if set.rules.is_empty()
            || set
                .rules
                .iter()
                .all(|r| r.evidence.as_ref().is_none_or(|e| e.reasons.is_empty()))
        {
            return Ok(TokenStream::new());
        }
        let mut per_rule = Vec::new();
        for rule in &set.rules {
            let mut entries = Vec::new();
            for r in rule.evidence.iter().flat_map(|e| &e.reasons) {
                let Some(cond) = rule.conditions.get(r.condition) else {
                    continue;
                };
                let condition = str_lit(&dsl::print_condition(cond));
                let column = str_lit(&cond.subject());
                let with = float_tokens(r.precision_with().unwrap_or(f64::NAN))?;
                let without = float_tokens(r.precision_without().unwrap_or(f64::NAN))?;
                let excluded = Literal::u64_unsuffixed(r.excluded);
                let wrong = Literal::u64_unsuffixed(r.excluded_wrong);
                entries.push(quote! {
                    Reason {
                        condition: #condition,
                        column: #column,
                        precision_with: #with,
                        precision_without: #without,
                        excluded: #excluded,
                        excluded_wrong: #wrong,
                    },
                });
            }
            per_rule.push(quote!(&[#(#entries)*],));
        }
        Ok(quote! {
            /// One reason for a rule's decision: one of its conditions and
            /// how much it matters, measured on the validation rows with the
            /// rule on its own (the rule book's "Reasons" table).
            #[derive(Clone, Copy, Debug, PartialEq)]
            pub struct Reason {
                /// The condition, in the rule DSL.
                pub condition: &'static str,
                /// The column it reads; a sum or difference of columns as `a + b - c`.
                pub column: &'static str,
                /// Precision of the rule with every condition; NaN when
                /// unmeasured.
                pub precision_with: f64,
                /// Precision of the rule without this condition; NaN when
                /// unmeasured.
                pub precision_without: f64,
                /// Validation rows only this condition keeps out.
                pub excluded: u64,
                /// Of which the rule's decision would be wrong.
                pub excluded_wrong: u64,
            }

            /// Each rule's conditions, most important first: the specific
            /// reasons for its decision. The entry of a rule `id` is at
            /// `id as usize`; no allocation.
            #[allow(clippy::approx_constant)]
            pub static REASONS: &[&[Reason]] = &[#(#per_rule)*];

            impl RuleId {
                /// The reasons for this rule's decision, most important first.
                pub fn reasons(self) -> &'static [Reason] {
                    REASONS[self as usize]
                }
            }
        })
    }
}

/// `src/lib.rs`: the crate's documentation (with `example`, doc lines of
/// a doctest, where there is one) and its modules.
pub(super) fn lib_rs(set: &RuleSet, runtime: bool, example: Option<Vec<String>>) -> TokenStream {
    let mut lines = vec![
        GENERATED_MARKER.to_string(),
        String::new(),
        format!(
            "Decides {} with {} {} compiled by rulec; the [`rules`] module says what they read, how they were certified and where they come from.",
            name_code(&set.target.name),
            set.rules.len(),
            plural(set.rules.len(), "rule", "rules"),
        ),
    ];
    if let Some(example) = example {
        lines.push(String::new());
        lines.extend(example);
    }
    let doc = inner_doc(lines);
    let engine = runtime.then(|| {
        quote! {
            #[cfg(feature = "runtime")]
            pub mod engine;
        }
    });
    quote! {
        #doc
        #![no_std]
        #![forbid(unsafe_code)]
        #![warn(missing_docs)]

        pub mod rules;

        #engine

        pub use rules::*;
    }
}

/// A number as the compiler writes a code read from numbers (`7`, not
/// `7.0`; `2.5`): whole numbers below 10^15 without a fraction, others in
/// Rust's shortest form (as `rulec`'s ingest writes them).
fn number_text(x: f64) -> String {
    rulec_runtime::eval::number_text(x)
}
