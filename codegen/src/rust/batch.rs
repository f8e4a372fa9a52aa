//! `decide_batch`: the rules decided without branches on the data, over
//! per-column regions and rule bitmasks.

use std::collections::BTreeSet;

use proc_macro2::{Literal, Span, TokenStream};
use quote::quote;
use rulec_runtime::ir::{CmpOp, Condition, FeatureKind, Rule, RuleSet};

use super::literals::{doc, float_tokens, name_code, plural};
use super::names::CatNames;
use super::{Error, Gen};

impl Gen<'_> {
    /// `decide_batch` and what it needs. Each column a live rule tests gets
    /// regions (intervals between its thresholds, the thresholds themselves,
    /// NaN, missing; or its categories) and, per region, a bitmask of the
    /// rules whose conditions on that column hold there (bit `rule_idx % 64`
    /// of word `rule_idx / 64`). A row's rules are the AND of its columns'
    /// masks; the first set bit is `decide`'s answer.
    pub(super) fn batch_fns(&self) -> Result<TokenStream, Error> {
        let set = self.set;
        let live = self.live_rules()?;
        let doc_batch = doc([
            "Decides `inputs[i]` into `out[i]` for every row both slices have, that is \
             `min(inputs.len(), out.len())` rows, and returns that count; when the lengths \
             differ, the rest of the longer slice is left as it is. It never panics."
                .to_string(),
            String::new(),
            "Each answer is exactly what [`decide`] gives for the row. It is faster on many \
             rows when traffic is unpredictable: no branch depends on the data. Each column \
             maps its value to a region (between, or at, the thresholds the rules use; NaN; \
             missing; or a category), each region has a bitmask of the rules whose conditions \
             on that column hold there, and the first rule left after ANDing the row's masks \
             decides."
                .to_string(),
        ]);
        let used: BTreeSet<Source> = live
            .iter()
            .flat_map(|&rule_idx| &set.rules[rule_idx].conditions)
            .filter_map(|cond| Source::of(set, cond))
            .collect();
        if used.is_empty() {
            // No live rule tests anything: no rule fires, or the first live
            // rule covers every row.
            let answer = match live.first() {
                None => quote!(None),
                Some(&rule_idx) => {
                    let id = &self.names.rules[rule_idx];
                    let class = self.class_variant(&set.rules[rule_idx])?;
                    let decision = &self.names.decision;
                    quote!(Some(Hit { decision: #decision::#class, rule: RuleId::#id }))
                }
            };
            return Ok(quote! {
                #doc_batch
                pub fn decide_batch(inputs: &[Input], out: &mut [Option<Hit>]) -> usize {
                    let n = inputs.len().min(out.len());
                    for slot in out.iter_mut().take(n) {
                        *slot = #answer;
                    }
                    n
                }
            });
        }
        let n_rules = set.rules.len();
        let words = n_rules.div_ceil(64);
        let mut live_mask = vec![0u64; words];
        for &rule_idx in &live {
            live_mask[rule_idx / 64] |= 1 << (rule_idx % 64);
        }

        let mut statics = Vec::new();
        let mut reads = Vec::new();
        let mut regions = Vec::new();
        let mut ands = Vec::new();
        let (mut any_numeric, mut any_optional) = (false, false);
        let mut n_sums = 0;
        for source in &used {
            let column = BatchColumn::new(set, source, &live);
            // A column's items are named by its index, a sum's by its rank
            // among the sums.
            let (suffix, what) = match source {
                Source::Column(col) => (col.to_string(), name_code(&set.features[*col].name)),
                Source::Sum(cols, plus) => {
                    n_sums += 1;
                    let names: Vec<String> = cols
                        .iter()
                        .map(|&c| name_code(&set.features[c].name))
                        .collect();
                    let (added, subtracted) = names.split_at(*plus);
                    (
                        format!("sum{}", n_sums - 1),
                        rulec_runtime::ir::signed_sum(added, subtracted),
                    )
                }
            };
            let x = quote::format_ident!("x{suffix}");
            let r = quote::format_ident!("r{suffix}");
            let upper = suffix.to_uppercase();
            let masks_name = quote::format_ident!("BATCH_MASKS_{upper}");
            let thresholds_name = quote::format_ident!("BATCH_THRESHOLDS_{upper}");
            match source {
                Source::Column(col) => {
                    let field = &self.names.fields[*col];
                    reads.push(quote!(let #x = inputs.map(|row| row.#field);));
                }
                Source::Sum(cols, plus) => {
                    // One statement per term, which rustfmt leaves as it is
                    // however long the names; `?` leaves at a missing term.
                    let fn_name = quote::format_ident!("batch_{suffix}");
                    let terms = cols.iter().map(|&c| {
                        let field = &self.names.fields[c];
                        if set.features[c].nullable {
                            quote!(row.#field?)
                        } else {
                            quote!(row.#field)
                        }
                    });
                    let mut terms = terms.collect::<Vec<_>>().into_iter();
                    let first = terms.next();
                    let added: Vec<_> = terms.by_ref().take(plus.saturating_sub(1)).collect();
                    let subtracted: Vec<_> = terms.collect();
                    let (ty, value) = if column.nullable {
                        (quote!(Option<f64>), quote!(Some(sum)))
                    } else {
                        (quote!(f64), quote!(sum))
                    };
                    let doc_f = doc([format!(
                        "The sum {what} of a row, added (then subtracted) left to right, for \
                         [`decide_batch`]{}.",
                        if column.nullable {
                            "; `None` when a term is missing"
                        } else {
                            ""
                        }
                    )]);
                    statics.push(quote! {
                        #doc_f
                        #[inline(always)]
                        fn #fn_name(row: &Input) -> #ty {
                            let mut sum = #first;
                            #(sum += #added;)*
                            #(sum -= #subtracted;)*
                            #value
                        }
                    });
                    reads.push(quote!(let #x = inputs.map(|row| #fn_name(&row));));
                }
            }
            let n_regions = column.n_regions();
            let region = match &column.kind {
                RegionKind::Numeric(thresholds) => {
                    any_numeric = true;
                    let k = Literal::usize_unsuffixed(thresholds.len());
                    let values = thresholds
                        .iter()
                        .map(|&t| float_tokens(t))
                        .collect::<Result<Vec<_>, _>>()?;
                    let doc_t = doc([format!(
                        "The thresholds the rules compare {} {what} with, sorted, for \
                         [`decide_batch`].",
                        source.noun()
                    )]);
                    statics.push(quote! {
                        #doc_t
                        #[allow(clippy::approx_constant)]
                        static #thresholds_name: [f64; #k] = [#(#values),*];
                    });
                    if column.nullable {
                        any_optional = true;
                        quote!(optional_regions(#x, &#thresholds_name))
                    } else {
                        quote!(numeric_regions(#x, &#thresholds_name))
                    }
                }
                RegionKind::Boolean if column.nullable => {
                    quote!(#x.map(|v| v.map_or(2, usize::from)))
                }
                RegionKind::Boolean => quote!(#x.map(usize::from)),
                RegionKind::Categorical(n) if column.nullable => {
                    let missing = Literal::usize_unsuffixed(n + 1);
                    quote!(#x.map(|v| v.map_or(#missing, |v| v as usize)))
                }
                RegionKind::Categorical(_) => quote!(#x.map(|v| v as usize)),
            };
            regions.push(quote!(let #r = #region;));
            let mut masks = vec![0u64; n_regions * words];
            for &rule_idx in &live {
                let rule = &set.rules[rule_idx];
                let conds: Vec<&Condition> = rule
                    .conditions
                    .iter()
                    .filter(|c| Source::of(set, c).as_ref() == Some(source))
                    .collect();
                let cats = match source {
                    Source::Column(col) => self.names.cats[*col].as_ref(),
                    Source::Sum(..) => None,
                };
                for region in 0..n_regions {
                    let mut all = true;
                    for cond in &conds {
                        all &= column.holds(cond, cats, region, rule)?;
                    }
                    if all {
                        masks[region * words + rule_idx / 64] |= 1 << (rule_idx % 64);
                    }
                }
            }
            let n_masks = Literal::usize_unsuffixed(masks.len());
            let masks = masks.iter().map(|&m| hex_u64(m));
            let doc_m = doc([format!(
                "Per region of {} {what} ({n_regions} regions, {words} {} each), the rules \
                 whose conditions on it hold there, for [`decide_batch`].",
                source.noun(),
                plural(words, "word", "words"),
            )]);
            statics.push(quote! {
                #doc_m
                static #masks_name: [u64; #n_masks] = [#(#masks),*];
            });
            ands.push(quote!(and_mask(&mut alive, &#masks_name, #r[lane]);));
        }

        let words_lit = Literal::usize_unsuffixed(words);
        let live_words = live_mask.iter().map(|&m| hex_u64(m));
        let hits = (0..n_rules)
            .map(|rule_idx| {
                let id = &self.names.rules[rule_idx];
                let class = self.class_variant(&set.rules[rule_idx])?;
                let decision = &self.names.decision;
                Ok(quote!(Some(Hit { decision: #decision::#class, rule: RuleId::#id })))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let n_hits = Literal::usize_unsuffixed(n_rules + 1);
        let numeric_fns = any_numeric.then(|| {
            quote! {
                /// The region of each of `xs` among `thresholds` (sorted, distinct):
                /// twice the number of thresholds below it, plus one when it is one
                /// of them. NaN, which satisfies no comparison, gets
                /// `2 * thresholds.len() + 1`. A binary search per value whose steps
                /// depend only on the length, the values in step.
                #[inline(always)]
                fn numeric_regions<const L: usize>(xs: [f64; L], thresholds: &[f64]) -> [usize; L] {
                    let mut below = [0; L];
                    let mut len = thresholds.len();
                    while len > 1 {
                        let half = len / 2;
                        for (base, &x) in below.iter_mut().zip(&xs) {
                            let less = thresholds.get(*base + half).is_some_and(|&t| t < x);
                            *base += half * usize::from(less);
                        }
                        len -= half;
                    }
                    let nan = 2 * thresholds.len() + 1;
                    let mut regions = [0; L];
                    for ((region, &base), &x) in regions.iter_mut().zip(&below).zip(&xs) {
                        let below = base + usize::from(thresholds.get(base).is_some_and(|&t| t < x));
                        let equal = usize::from(thresholds.get(below) == Some(&x));
                        // NaN is below no threshold and equals none, so it counts
                        // 0: it moves to the region after the numbers.
                        *region = 2 * below + equal + nan * usize::from(x.is_nan());
                    }
                    regions
                }
            }
        });
        let optional_fn = any_optional.then(|| {
            quote! {
                /// [`numeric_regions`] of values that may be missing; a missing
                /// value gets `2 * thresholds.len() + 2`.
                #[inline(always)]
                fn optional_regions<const L: usize>(
                    xs: [Option<f64>; L],
                    thresholds: &[f64],
                ) -> [usize; L] {
                    let values = xs.map(|x| x.unwrap_or(f64::NAN));
                    let mut regions = numeric_regions(values, thresholds);
                    let missing = 2 * thresholds.len() + 2;
                    for (region, x) in regions.iter_mut().zip(xs) {
                        *region += (missing - *region) * usize::from(x.is_none());
                    }
                    regions
                }
            }
        });
        Ok(quote! {
            #doc_batch
            pub fn decide_batch(inputs: &[Input], out: &mut [Option<Hit>]) -> usize {
                let n = inputs.len().min(out.len());
                let inputs = inputs.get(..n).unwrap_or_default();
                let out = out.get_mut(..n).unwrap_or_default();
                let mut in_lanes = inputs.chunks_exact(BATCH_LANES);
                let mut out_lanes = out.chunks_exact_mut(BATCH_LANES);
                for (lanes, slots) in (&mut in_lanes).zip(&mut out_lanes) {
                    if let (Ok(lanes), Ok(slots)) = (lanes.try_into(), slots.try_into()) {
                        decide_lanes::<BATCH_LANES>(lanes, slots);
                    }
                }
                let rest = in_lanes.remainder().iter();
                for (input, slot) in rest.zip(out_lanes.into_remainder()) {
                    let slot = core::array::from_mut(slot);
                    decide_lanes::<1>(core::array::from_ref(input), slot);
                }
                n
            }

            /// Rows [`decide_batch`] decides together: their binary searches
            /// run in step, so the loads of one row overlap those of the others.
            const BATCH_LANES: usize = 8;

            /// [`decide`] for `L` rows, computed without branches on their
            /// values, for [`decide_batch`].
            #[inline(always)]
            fn decide_lanes<const L: usize>(inputs: &[Input; L], out: &mut [Option<Hit>; L]) {
                #(#reads)*
                #(#regions)*
                for (lane, slot) in out.iter_mut().enumerate() {
                    let mut alive = BATCH_LIVE;
                    #(#ands)*
                    *slot = first_hit(&alive);
                }
            }

            /// Words of 64 rules in a mask of [`decide_batch`].
            const BATCH_WORDS: usize = #words_lit;

            /// The rules [`decide`] can fire.
            static BATCH_LIVE: [u64; BATCH_WORDS] = [#(#live_words),*];

            /// The hit of each rule, by index, then `None`.
            static BATCH_HITS: [Option<Hit>; #n_hits] = [#(#hits,)* None];

            #(#statics)*

            /// Keeps in `alive` the rules whose conditions on a column hold in
            /// `region`, given the column's masks.
            #[inline(always)]
            fn and_mask(alive: &mut [u64; BATCH_WORDS], masks: &[u64], region: usize) {
                for (word_idx, word) in alive.iter_mut().enumerate() {
                    let mask = masks.get(region * BATCH_WORDS + word_idx);
                    *word &= mask.copied().unwrap_or(0);
                }
            }

            /// The hit of the first rule left in `alive`, or `None`.
            #[inline(always)]
            fn first_hit(alive: &[u64; BATCH_WORDS]) -> Option<Hit> {
                let mut first = BATCH_HITS.len() - 1;
                for (word_idx, &word) in alive.iter().enumerate().rev() {
                    if word != 0 {
                        first = word_idx * 64 + word.trailing_zeros() as usize;
                    }
                }
                BATCH_HITS.get(first).copied().flatten()
            }

            #numeric_fns
            #optional_fn
        })
    }
}

/// What one set of regions of `decide_batch` reads: an input column, or a
/// sum of input columns (indices in the order the sum adds them, then
/// those it subtracts; how many it adds). Columns sort before sums.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Source {
    Column(usize),
    Sum(Vec<usize>, usize),
}

impl Source {
    /// What `cond` reads; `None` for a column the schema does not have.
    fn of(set: &RuleSet, cond: &Condition) -> Option<Source> {
        match cond {
            Condition::Sum {
                features, minus, ..
            } => features
                .iter()
                .chain(minus)
                .map(|f| set.feature_index(f))
                .collect::<Option<Vec<_>>>()
                .map(|cols| Source::Sum(cols, features.len())),
            _ => set.feature_index(cond.feature()).map(Source::Column),
        }
    }

    /// How the docs name it before its name.
    fn noun(&self) -> &'static str {
        match self {
            Source::Column(_) => "column",
            Source::Sum(..) => "the sum",
        }
    }
}

/// How `decide_batch` sees one column: the regions its values fall in.
struct BatchColumn {
    kind: RegionKind,
    nullable: bool,
}

enum RegionKind {
    /// The distinct thresholds the live rules compare the column with,
    /// sorted: regions `0..=2k` are the numbers (even: between thresholds,
    /// odd: at one), `2k + 1` is NaN.
    Numeric(Vec<f64>),
    /// `false` is region 0, `true` region 1.
    Boolean,
    /// Regions `0..n` are the known categories (the enum's variants, in
    /// order), `n` is the unknown variant.
    Categorical(usize),
}

impl BatchColumn {
    fn new(set: &RuleSet, source: &Source, live: &[usize]) -> BatchColumn {
        let (kind, nullable) = match source {
            Source::Column(col) => (&set.features[*col].kind, set.features[*col].nullable),
            Source::Sum(cols, _) => (
                &FeatureKind::Numeric,
                cols.iter().any(|&c| set.features[c].nullable),
            ),
        };
        let kind = match kind {
            FeatureKind::Numeric => {
                let mut thresholds: Vec<f64> = live
                    .iter()
                    .flat_map(|&rule_idx| &set.rules[rule_idx].conditions)
                    .filter(|cond| Source::of(set, cond).as_ref() == Some(source))
                    .filter_map(|cond| match cond.comparison() {
                        Some((_, value)) if !value.is_nan() => Some(value),
                        _ => None,
                    })
                    .collect();
                // No NaN here, so the order is total; -0.0 and 0.0 are one
                // threshold, as they are one number to a comparison.
                thresholds.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
                thresholds.dedup_by(|a, b| a == b);
                RegionKind::Numeric(thresholds)
            }
            FeatureKind::Boolean => RegionKind::Boolean,
            FeatureKind::Categorical { categories } => RegionKind::Categorical(categories.len()),
        };
        BatchColumn { kind, nullable }
    }

    /// Regions, the missing one (last) included when the column is nullable.
    fn n_regions(&self) -> usize {
        let values = match &self.kind {
            RegionKind::Numeric(thresholds) => 2 * thresholds.len() + 2,
            RegionKind::Boolean => 2,
            RegionKind::Categorical(n) => n + 1,
        };
        values + usize::from(self.nullable)
    }

    /// Whether `cond` holds for every value in `region`, as the interpreter
    /// decides it.
    fn holds(
        &self,
        cond: &Condition,
        cat: Option<&CatNames>,
        region: usize,
        rule: &Rule,
    ) -> Result<bool, Error> {
        let missing = self.nullable && region + 1 == self.n_regions();
        let bad = || Error::BadCondition {
            rule: rule.name.clone(),
            feature: cond.feature().to_string(),
        };
        let code_of = |value: &String| cat.and_then(|cat| cat.codes.get(value).copied());
        Ok(match (cond, &self.kind) {
            (Condition::Missing { .. }, _) => missing,
            (_, _) if missing => false,
            (
                Condition::Cmp { op, value, .. } | Condition::Sum { op, value, .. },
                RegionKind::Numeric(thresholds),
            ) => {
                let nan_region = 2 * thresholds.len() + 1;
                match thresholds.iter().position(|t| t == value) {
                    // A NaN threshold: the comparison never holds.
                    None => false,
                    Some(_) if region == nan_region => false,
                    Some(j) => {
                        let at = 2 * j + 1;
                        match op {
                            CmpOp::Lt => region < at,
                            CmpOp::Le => region <= at,
                            CmpOp::Gt => region > at,
                            CmpOp::Ge => region >= at,
                        }
                    }
                }
            }
            (Condition::Is { value, .. }, RegionKind::Boolean) => region == usize::from(*value),
            (Condition::In { values, .. }, RegionKind::Categorical(_)) => {
                values.iter().any(|v| code_of(v) == Some(region))
            }
            (Condition::NotIn { values, .. }, RegionKind::Categorical(n)) => {
                region < *n && !values.iter().any(|v| code_of(v) == Some(region))
            }
            _ => return Err(bad()),
        })
    }
}

/// A mask word as a hex literal (`0x1f`): the rules stand out as bits.
fn hex_u64(word: u64) -> TokenStream {
    let lit = syn::LitInt::new(&format!("{word:#x}"), Span::call_site());
    quote!(#lit)
}
