//! Fuzzes the backends on any rule set that loads: `rules.json` text to
//! `RuleSet::from_json`, then the Rust crate (`emit_crate`), the rule book
//! (Markdown and HTML) and the SQL of every dialect.
//!
//! A loaded rule set must always give a crate: `emit_crate` failing with a
//! syntax error is a bug in the generator, and so is any panic. SQL may
//! refuse a set (a name a dialect cannot quote), but with an error.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rulec_codegen::sql::{self, Dialect};
use rulec_runtime::RuleSet;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(set) = RuleSet::from_json(text) else {
        return;
    };
    match rulec_codegen::emit_crate(&set, &set.target.name) {
        Ok(generated) => assert!(generated.file("src/rules.rs").is_some()),
        Err(e) => panic!("a loaded rule set does not emit: {e}"),
    }
    let _ = rulec_codegen::book::markdown(&set);
    let _ = rulec_codegen::html::html(&set);
    for dialect in [Dialect::Ansi, Dialect::Spark, Dialect::Polars] {
        let _ = sql::select(&set, dialect, "t");
        let _ = sql::decision_expr(&set, dialect);
    }
});
