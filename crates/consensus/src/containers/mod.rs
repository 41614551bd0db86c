//! The SSZ containers (mainnet preset), with `ethereum_ssz` encodings and `tree_hash`
//! roots derived from their field lists.
//!
//! One module per fork that added containers; a fork that changes nothing reuses the
//! previous one's types (Electra's execution payload is Deneb's, Fulu's block is
//! Electra's).

pub mod altair;
pub mod block;
pub mod bodies;
pub mod common;
pub mod electra;
pub mod execution;
pub mod phase0;
pub mod reqresp;
pub mod sidecar;

pub use altair::*;
pub use block::*;
pub use bodies::*;
pub use common::*;
pub use electra::*;
pub use execution::*;
pub use phase0::*;
pub use reqresp::*;
pub use sidecar::*;
