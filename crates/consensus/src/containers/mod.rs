//! The SSZ containers (mainnet preset), with `ethereum_ssz` encodings and `tree_hash`
//! roots derived from their field lists.

pub mod common;

pub use common::*;
