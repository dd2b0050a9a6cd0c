//! Detectors that are code, not data: numbers with checksums, regex patterns, listed links.

pub(crate) mod links;
pub(crate) mod numbers;
pub(crate) mod patterns;
