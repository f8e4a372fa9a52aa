//! Rust crate.
