//! Real Ethereum consensus data for beacon-sync: the SSZ containers of every fork from
//! phase0 to Fulu, chain configurations and fork digests, proposer signing, BLS and KZG
//! verification, the interop validator keys, and the deterministic devnet chain builder.
//!
//! Layering: depends on `sync-types` only among our crates, and implements its
//! `BlockView`, `SidecarView` and `BlockVerifier` seams; `store`, `net` and the binary
//! build on it.

pub mod block;
pub mod bls;
pub mod config;
pub mod containers;
pub mod fork;
pub mod keys;
pub mod kzg;
pub mod merkle;
pub mod primitives;
pub mod sidecar;
pub mod state;
pub mod verify;

pub use block::{Block, BlockDecodeError, SignedBeaconBlock};
pub use fork::Fork;
pub use sidecar::Sidecar;
pub use verify::{ChainVerifier, VerifyError};
