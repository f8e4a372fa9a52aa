//! Datasets rulec ships: generators of synthetic data with planted rules,
//! and the seedable [`Rng`] every random choice in rulec goes through.
//!
//! Generated data is written as plain CSV so that it travels through the
//! same ingest path as a user's files.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod claims;
pub mod lending;
pub mod rng;
pub mod shipping;

pub use rng::Rng;
