//! Real Ethereum consensus data for beacon-sync: the SSZ containers of every fork from
//! phase0 to Fulu, chain configurations and fork digests, proposer signing, BLS and KZG
//! verification, the interop validator keys, and the deterministic devnet chain builder.
//!
//! Layering: depends on `sync-types` only among our crates, and implements its
//! `BlockView`, `SidecarView` and `BlockVerifier` seams; `store`, `net` and the binary
//! build on it.
//!
//! | module | what it holds |
//! |---|---|
//! | [`containers`] | the SSZ containers (mainnet preset) with their encodings and roots |
//! | [`block`], [`sidecar`], [`mod@column`] | fork-aware decoded blocks, blob sidecars and data columns, roots computed once |
//! | [`config`] | networks, fork schedule, fork digests (Fulu BPO rule), signing domains |
//! | [`state`] | `BeaconState` of every fork, and cheap readers of a state file's registry |
//! | [`bls`], [`keys`] | blst signatures, batch verification, the interop keys |
//! | [`kzg`] | blob and cell proofs with c-kzg and the Ethereum trusted setup |
//! | [`merkle`] | commitment inclusion proofs |
//! | [`root`] | `root()` on every container ([`HashTreeRoot`]), without a `tree_hash` dependency |
//! | [`recover`] | blobs (and blob sidecars) rebuilt from at least half of a block's data columns |
//! | [`verify`] | the [`ChainVerifier`]: linkage, signatures, sidecars, without a state transition |
//! | [`devnet`] | the deterministic devnet chain builder (interop keys, real signatures and blobs) |
//!
//! ```no_run
//! use consensus::config::ChainConfig;
//! use consensus::verify::{Anchor, Proposers};
//! use consensus::{Block, ChainVerifier, Fork};
//! use sync_types::BlockData;
//!
//! # fn example(genesis_root: consensus::primitives::Hash256, pubkeys: Vec<consensus::primitives::PubkeyBytes>, bytes: &[u8]) {
//! let verifier = ChainVerifier::new(
//!     ChainConfig::mainnet(),
//!     Proposers::from_compressed(pubkeys),
//!     Anchor::Head { root: genesis_root, slot: 0 },
//!     (),
//! );
//! let block = Block::from_ssz_bytes(bytes, Fork::Phase0).expect("a phase0 block");
//! let report = verifier.verify_blocking(&[BlockData::block_only(block)]);
//! # }
//! ```
//!
//! Feature flags:
//!
//! - `serde`: `serde::Serialize` and `Deserialize` for the containers a block holds, and
//!   for [`SignedBeaconBlock`] (serialize; read with
//!   `SignedBeaconBlock::deserialize_fork`), in the beacon-API JSON form (integers as
//!   decimal strings, byte strings as `0x` hex).

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod block;
pub mod bls;
pub mod column;
pub mod config;
pub mod containers;
pub mod custody;
pub mod devnet;
pub mod files;
pub mod fork;
pub mod keys;
pub mod kzg;
pub mod merkle;
pub mod primitives;
pub mod recover;
pub mod root;
pub mod sidecar;
pub mod state;
pub mod verify;

pub use block::{Block, BlockDecodeError, SignedBeaconBlock};
pub use column::Column;
pub use config::{ChainConfig, ConfigError};
pub use files::{ChainFiles, ChainFilesError};
pub use fork::Fork;
pub use root::HashTreeRoot;
pub use sidecar::Sidecar;
pub use verify::{ChainVerifier, VerifyError};
