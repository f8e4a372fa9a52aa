//! Identifiers for everything the data names (features, categories,
//! classes, rules), sanitised and made unique once so every file agrees.

use std::collections::BTreeMap;

use proc_macro2::{Ident, Span};
use rulec_runtime::ir::{FeatureKind, RuleSet};

use super::RESERVED_TYPE_NAMES;
use crate::sanitize;

/// Identifiers for everything the data names, resolved once so every file
/// agrees.
pub(super) struct Names {
    /// The library's crate name, as the example refers to it.
    pub(super) krate: Ident,
    /// The decision enum.
    pub(super) decision: Ident,
    /// One variant per class, in `target.classes` order.
    pub(super) classes: Vec<Ident>,
    /// One `Input` field per feature.
    pub(super) fields: Vec<Ident>,
    /// Per feature: its enum when it is categorical.
    pub(super) cats: Vec<Option<CatNames>>,
    /// One `RuleId` variant per rule.
    pub(super) rules: Vec<Ident>,
}

pub(super) struct CatNames {
    pub(super) ty: Ident,
    /// One variant per category, in the rule set's order.
    pub(super) variants: Vec<Ident>,
    /// The variant for values outside the known categories.
    pub(super) unknown: Ident,
    /// Category text → its index. Like the interpreter, a category listed
    /// twice maps to its last position.
    pub(super) codes: BTreeMap<String, usize>,
}

impl Names {
    pub(super) fn new(set: &RuleSet, package: &str) -> Names {
        let ident = |s: &str| Ident::new(s, Span::call_site());
        let krate = ident(&package.replace('-', "_"));

        // The decision enum first, so it keeps the plain name; then one
        // enum per categorical feature, in feature order.
        let mut type_names = vec![sanitize::type_ident(&set.target.name)];
        let mut type_of_feature = vec![None; set.features.len()];
        for (i, f) in set.features.iter().enumerate() {
            if matches!(f.kind, FeatureKind::Categorical { .. }) {
                type_of_feature[i] = Some(type_names.len());
                type_names.push(sanitize::type_ident(&f.name));
            }
        }
        let type_names = sanitize::unique(type_names, RESERVED_TYPE_NAMES);
        let decision = ident(&type_names[0]);

        let classes = sanitize::unique(
            set.target
                .classes
                .iter()
                .map(|c| sanitize::variant_ident(c)),
            &[],
        )
        .iter()
        .map(|s| ident(s))
        .collect();
        let fields = sanitize::unique(
            set.features.iter().map(|f| sanitize::field_ident(&f.name)),
            &[],
        )
        .iter()
        .map(|s| ident(s))
        .collect();
        let cats = set
            .features
            .iter()
            .zip(type_of_feature)
            .map(|(f, type_idx)| match (&f.kind, type_idx) {
                (FeatureKind::Categorical { categories }, Some(type_idx)) => {
                    let ty = ident(&type_names[type_idx]);
                    let variants = sanitize::unique(
                        categories.iter().map(|c| sanitize::variant_ident(c)),
                        &["Unknown"],
                    );
                    let codes = categories
                        .iter()
                        .enumerate()
                        .map(|(i, c)| (c.clone(), i))
                        .collect();
                    Some(CatNames {
                        ty,
                        variants: variants.iter().map(|s| ident(s)).collect(),
                        unknown: ident("Unknown"),
                        codes,
                    })
                }
                _ => None,
            })
            .collect();
        let rules = sanitize::unique(
            set.rules.iter().map(|r| sanitize::variant_ident(&r.name)),
            &[],
        )
        .iter()
        .map(|s| ident(s))
        .collect();
        Names {
            krate,
            decision,
            classes,
            fields,
            cats,
            rules,
        }
    }
}
