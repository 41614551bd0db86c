//! The deterministic devnet chain builder: a signed beacon chain of Deneb, Electra or Fulu
//! blocks with their blobs, made from a seed, for tests, benchmarks and a local node to serve.
//! A chain may cross forks and Fulu's blob-schedule (BPO) epochs
//! ([`DevnetParams::later_forks`], [`DevnetParams::blob_schedule`]): each block is of the
//! fork of its epoch, its blob count bounded by that epoch's limit.
//!
//! No live network serves these forks from genesis with known keys, so the sync is tested
//! on chains made here. The same [`DevnetParams`] always give byte-identical output: every
//! choice is drawn from the seed (see "Draws" below), and BLS signing and KZG are
//! deterministic.
//!
//! ```no_run
//! use consensus::ChainVerifier;
//! use consensus::devnet::{Devnet, DevnetParams};
//!
//! let devnet = Devnet::generate(DevnetParams { slots: 64, ..DevnetParams::default() })
//!     .expect("valid parameters");
//! let verifier =
//!     ChainVerifier::new(devnet.config().clone(), devnet.proposers(), devnet.genesis_anchor(), ());
//! // Blocks of slots 1..=32 with their blob sidecars, built now.
//! let report = verifier.verify_blocking(&devnet.segment(1..33)).expect("no fault");
//! assert!(report.failure.is_none());
//! ```
//!
//! # What is real and what is a stand-in
//!
//! **There is no state transition.** The blocks are real, signed SSZ blocks of the fork,
//! but nothing checks them against a `BeaconState` after genesis:
//!
//! - the genesis state is real (see "Genesis") and its SSZ bytes are part of the output;
//! - every block's `parent_root` is the previous block's root, and its signature is a real
//!   BLS signature by the proposer's interop key over
//!   `compute_signing_root(block_root, proposer_domain(epoch))`, so [`crate::ChainVerifier`]
//!   accepts the chain;
//! - the RANDAO reveal is a real signature of the epoch (`DOMAIN_RANDAO`) by the proposer;
//! - the **proposer index** is drawn from the seed and slot, not from the spec's shuffling;
//! - the **state root** is a stand-in, `sha256(seed ‖ "state" ‖ le64(slot))`;
//! - the execution payload chains plausibly (block number +1, `parent_hash` = the previous
//!   payload's `block_hash`, timestamp `genesis_time + 12·slot`, `blob_gas_used` =
//!   `blobs · 131072`), but its `block_hash` is `sha256(seed ‖ "el-block" ‖ le64(slot))`
//!   rather than an RLP/keccak header hash, and a block with blobs carries one opaque
//!   transaction `0x03 ‖ versioned hashes` instead of an RLP blob transaction;
//! - the sync aggregate is empty (no bits, the infinity signature `0xc0 ‖ 0…`), as a block
//!   with no sync-committee participation has; there are no attestations or other
//!   operations, and Electra/Fulu execution requests are empty;
//! - `eth1_data` is the genesis state's; the graffiti is `beacon-sync devnet <slot>`.
//!
//! # Genesis
//!
//! [`DevnetBuilder::new`] makes a genesis `BeaconState` of the genesis fork with
//! `validators` interop validators (pubkeys from [`crate::keys`], withdrawal credentials
//! `0x00 ‖ sha256(pubkey)[1..]`, 32 ETH effective balance and balance, activation epochs 0,
//! exit and withdrawable epochs `FAR_FUTURE_EPOCH`), `fork` = {previous fork's version,
//! this fork's version, epoch 0}, `genesis_validators_root` = `hash_tree_root(validators)`,
//! `latest_block_header` = the header of the empty body, `eth1_data.deposit_count` and
//! `eth1_deposit_index` = the number of validators, a genesis execution payload header
//! (`block_hash = sha256(seed ‖ "el-genesis")`, `timestamp = genesis_time`, gas limit),
//! Electra's `deposit_requests_start_index` = `u64::MAX` (unset), as the spec's genesis has.
//! Everything else is zero or empty: RANDAO mixes, sync committees, checkpoints, roots
//! histories, Fulu's proposer lookahead. With 64 validators the registry, and so the
//! genesis validators root, equals the pyspec vectors' (`0x83431ec7…`).
//!
//! [`DevnetBuilder::from_genesis_state`] starts from a given genesis state instead (such as
//! the pyspec vectors'); its validators must hold the interop keys.
//!
//! The genesis block has the fork's empty (all-default) body, `state_root` = the genesis
//! state's root, and a zero signature (unsigned, by convention): its root is the
//! `latest_block_header` of the state with the state root filled in.
//!
//! # Draws
//!
//! A draw is the first 8 bytes, little-endian, of `sha256(seed ‖ tag ‖ le64(word)…)`. Slot
//! `s` is empty when `draw("skip", s) mod 1000 < skip_per_mille`; its proposer is
//! `draw("proposer", s) mod validators`; it carries `draw("blobs", s) mod (max + 1)` blobs,
//! where `max` is `max_blobs` capped by the fork's limit at the slot's epoch; with
//! [`BlobSource::Pool`] blob `i` of the slot is pool blob `(draw("pool", s) + i) mod
//! blob_pool`. A [`DevnetParams::slot_plan`] replaces the skip and blob-count draws.
//!
//! # Blobs and memory
//!
//! Blob data comes from a [`BlobSource`]. Each distinct blob's commitment and KZG proof
//! are computed once, on all cores, and reused by every block that carries it. Sidecars
//! are **not** kept: a `BlobSidecar` holds its own 128 KiB copy of the blob, so 4096 slots
//! of up to 9 blobs would take gigabytes. [`Devnet::sidecars_for`] and [`Devnet::segment`]
//! build them on demand, per block (a copy of each blob plus an inclusion proof, tens of
//! microseconds). Fulu blocks have no blob sidecars (`sidecars: None` in a segment); their
//! data columns come from [`Devnet::data_columns`], built from each blob's cells and cell
//! proofs, which are computed on first use and cached ([`Devnet::precompute_cells`] does it
//! for all blobs at once).
//!
//! # Cost
//!
//! Generation signs each block and each distinct (proposer, epoch) RANDAO reveal on all
//! cores (about 0.5 ms per signature) and computes a commitment and proof per distinct
//! blob (about 0.2 s each). The default devnet (3,667 blocks, 16,214 blob references to 8
//! distinct blobs) took 6.7 s per build on a busy 2-core machine (`benches/devnet.rs`).
//! Loading the KZG trusted setup adds about 4 s, once per process.

mod blobs;
mod blocks;
mod builder;
mod chain;
mod draw;
mod genesis;
mod parallel;

use crate::config::BlobScheduleEntry;
use crate::fork::Fork;
use crate::keys::KeysError;
use crate::kzg::KzgError;
use crate::primitives::Version;
use crate::state::StateError;

pub use self::blobs::BlobSource;
pub use self::builder::DevnetBuilder;
pub use self::chain::Devnet;

/// The most validators a devnet may have (each interop key costs a scalar multiplication).
pub const MAX_VALIDATORS: u64 = 1 << 16;
/// The most slots a devnet may have (about 2 KB of block per slot is kept in memory).
pub const MAX_SLOTS: u64 = 1 << 17;
/// The most distinct blobs of a [`BlobSource::Pool`] (each costs about 0.2 s of KZG work).
pub const MAX_BLOB_POOL: usize = 64;
/// The default genesis time (Unix seconds), the pyspec vectors' genesis time.
pub const DEFAULT_GENESIS_TIME: u64 = 1_700_000_000;

/// What one slot of a [`DevnetParams::slot_plan`] holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SlotPlan {
    /// No block at this slot.
    Empty,
    /// A block with this many blobs.
    Block {
        /// The number of blobs (at most the fork's limit and `max_blobs`).
        blobs: u64,
    },
}

/// The parameters of a devnet. The same parameters give byte-identical output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DevnetParams {
    /// The seed every choice is drawn from (see the module docs). [`seed_from_u64`] turns a
    /// number into one. Default: [`seed_from_u64`]`(0)`, all zeros.
    pub seed: [u8; 32],
    /// The number of interop validators in the genesis state. Default 64. Ignored by
    /// [`DevnetBuilder::from_genesis_state`], which takes the state's registry.
    pub validators: u64,
    /// The fork of genesis: Deneb, Electra or Fulu. Every block is of this fork until the
    /// first of `later_forks`. Default Electra.
    pub genesis_fork: Fork,
    /// The forks after the genesis fork, each with its first epoch (above 0), in fork
    /// order: `[(Fork::Fulu, 4)]` makes an Electra chain that turns Fulu at epoch 4. Each
    /// block is of the fork of its epoch, signed with that fork's version; blocks before
    /// Fulu have blob sidecars, Fulu blocks data columns. Default empty.
    pub later_forks: Vec<(Fork, u64)>,
    /// Fulu's blob schedule (the BPO forks, each changing the blob limit and the fork
    /// digest at its epoch). `None` keeps mainnet's, whose epochs a devnet never reaches.
    /// Default `None`.
    pub blob_schedule: Option<Vec<BlobScheduleEntry>>,
    /// The chain covers slots `1..=slots` after the genesis block. Default 4096 (128 epochs).
    pub slots: u64,
    /// The share of empty slots, per mille (0..=1000). Default 100 (10 %).
    pub skip_per_mille: u16,
    /// The most blobs a block carries; `None` for the fork's limit (6 in Deneb, 9 in
    /// Electra and Fulu). Block blob counts are drawn uniformly in `0..=max`. Default `None`.
    pub max_blobs: Option<u64>,
    /// How many distinct blobs [`BlobSource::Pool`] makes and reuses. Default 8.
    pub blob_pool: usize,
    /// Genesis time, Unix seconds. Default [`DEFAULT_GENESIS_TIME`]. Ignored by
    /// [`DevnetBuilder::from_genesis_state`], which takes the state's.
    pub genesis_time: u64,
    /// Where blob data comes from. Default [`BlobSource::Pool`].
    pub blob_source: BlobSource,
    /// An explicit layout: entry `k` says what slot `k + 1` holds. When set, it replaces
    /// `slots` (the plan's length is the number of slots), `skip_per_mille` and the blob
    /// count draws; `max_blobs` still bounds it. Default `None`.
    pub slot_plan: Option<Vec<SlotPlan>>,
}

impl Default for DevnetParams {
    fn default() -> Self {
        DevnetParams {
            seed: seed_from_u64(0),
            validators: 64,
            genesis_fork: Fork::Electra,
            later_forks: Vec::new(),
            blob_schedule: None,
            slots: 4096,
            skip_per_mille: 100,
            max_blobs: None,
            blob_pool: 8,
            genesis_time: DEFAULT_GENESIS_TIME,
            blob_source: BlobSource::Pool,
            slot_plan: None,
        }
    }
}

/// A seed from a number: `le64(n)` followed by 24 zero bytes.
pub fn seed_from_u64(n: u64) -> [u8; 32] {
    let mut seed = [0_u8; 32];
    seed[..8].copy_from_slice(&n.to_le_bytes());
    seed
}

/// Why a devnet could not be built, or a part of it could not be given.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum DevnetError {
    /// Only Deneb, Electra and Fulu devnets are made.
    #[error("a devnet cannot start at {fork}: only deneb, electra and fulu are supported")]
    UnsupportedFork {
        /// The fork asked for.
        fork: Fork,
    },
    /// The validator count is zero or above [`MAX_VALIDATORS`].
    #[error("{validators} validators asked for; 1 to {max} are supported")]
    ValidatorCount {
        /// The count asked for.
        validators: u64,
        /// [`MAX_VALIDATORS`].
        max: u64,
    },
    /// More slots than [`MAX_SLOTS`].
    #[error("{slots} slots asked for; at most {max} are supported")]
    TooManySlots {
        /// The count asked for.
        slots: u64,
        /// [`MAX_SLOTS`].
        max: u64,
    },
    /// `skip_per_mille` above 1000.
    #[error("skip_per_mille is {skip_per_mille}, above 1000")]
    SkipShare {
        /// The value given.
        skip_per_mille: u16,
    },
    /// `max_blobs` above every limit of the chain's forks and blob schedule.
    #[error(
        "max_blobs is {max_blobs}, but no epoch of this {fork} chain allows more than {fork_max} blobs per block"
    )]
    TooManyBlobs {
        /// The value given.
        max_blobs: u64,
        /// The genesis fork.
        fork: Fork,
        /// The highest limit of any epoch of the chain.
        fork_max: u64,
    },
    /// A later fork or blob schedule entry that a devnet cannot have.
    #[error("invalid devnet fork schedule: {reason}")]
    Schedule {
        /// What is wrong, in one line.
        reason: String,
    },
    /// A slot plan entry above the blob limit.
    #[error("the slot plan puts {blobs} blobs at slot {slot}, above the limit of {max}")]
    PlanTooManyBlobs {
        /// The slot.
        slot: u64,
        /// The blobs planned.
        blobs: u64,
        /// The limit at that slot.
        max: u64,
    },
    /// A blob pool of 0 (with blobs wanted) or above [`MAX_BLOB_POOL`].
    #[error("a blob pool of {blob_pool}; 1 to {max} blobs are supported")]
    BlobPoolSize {
        /// The size given.
        blob_pool: usize,
        /// [`MAX_BLOB_POOL`].
        max: usize,
    },
    /// The given genesis state does not decode as the fork's `BeaconState`.
    #[error("the genesis state cannot be read: {source}")]
    GenesisState {
        /// What the state reader reported.
        source: StateError,
    },
    /// The given genesis state is of another fork.
    #[error("the genesis state has fork version {got}, but {fork} is {expected}")]
    GenesisForkVersion {
        /// The fork asked for.
        fork: Fork,
        /// The state's `fork.current_version`.
        got: Version,
        /// The fork's version.
        expected: Version,
    },
    /// The given state is not a genesis state (a later slot, or a non-empty latest block).
    #[error("the state at slot {slot} is not a genesis state with an empty genesis block")]
    NotGenesis {
        /// The state's slot.
        slot: u64,
    },
    /// A validator of the given state does not hold its interop key, so it cannot sign.
    #[error("validator {index} of the genesis state does not have its interop key")]
    NotInteropKey {
        /// The validator index.
        index: u64,
    },
    /// KZG failed on generated blob data (not expected: the blobs are canonical).
    #[error("KZG failed on generated blob data: {source}")]
    Kzg {
        /// What `c-kzg` reported.
        source: KzgError,
    },
    /// Signing failed (not expected: proposers are drawn among the keys).
    #[error("signing failed: {source}")]
    Signing {
        /// What the key store reported.
        source: KeysError,
    },
    /// A block index beyond the chain.
    #[error("no block at index {index}: the devnet has {blocks} blocks")]
    UnknownBlock {
        /// The index asked for.
        index: usize,
        /// The number of blocks.
        blocks: usize,
    },
    /// Data columns were asked for blocks of a fork that has none.
    #[error("{fork} blocks have no data columns")]
    NoDataColumns {
        /// The devnet's fork.
        fork: Fork,
    },
    /// A column index of 128 or more.
    #[error("column {index} does not exist: there are {columns}")]
    UnknownColumn {
        /// The index asked for.
        index: u64,
        /// `NUMBER_OF_COLUMNS`.
        columns: u64,
    },
}
