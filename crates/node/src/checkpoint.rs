//! Checkpoint sync from a trusted beacon node's URL (`--checkpoint-sync-url`): the
//! finalized state (`/eth/v2/debug/beacon/states/finalized`, SSZ) and its block
//! (`/eth/v2/beacon/blocks/{root}`, SSZ), checked against the network we run and against
//! each other before the node starts from them:
//!
//! - the state is of our chain: its `genesis_validators_root` is the network's, and its
//!   `fork.current_version` is the version our schedule gives its slot;
//! - the block is the state's: its root is that of the state's latest block header with
//!   the state's own root filled in, so its `state_root` is the state's root;
//! - with `--wss-checkpoint ROOT:EPOCH` (weak subjectivity, as Lighthouse and Nimbus take
//!   it), the block at that epoch's start is `ROOT`: the checkpoint's own block, or one
//!   the state's `block_roots` history names.
//!
//! The proposers' keys come from the state's registry.

use std::path::PathBuf;
use std::str::FromStr;

use consensus::config::ChainConfig;
use consensus::primitives::{Hash256, Version};
use consensus::state::preset::SLOTS_PER_HISTORICAL_ROOT;
use consensus::state::{BeaconState, StateError, StateSummary};
use consensus::verify::Proposers;
use consensus::{Block, BlockDecodeError};
use tree_hash::TreeHash;

use crate::api_client::{ApiError, BeaconApi};
use crate::launch::{self, LaunchError};

/// A weak subjectivity checkpoint, `0xROOT:EPOCH`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WssCheckpoint {
    /// The block root at the start of `epoch`.
    pub root: Hash256,
    /// The epoch.
    pub epoch: u64,
}

impl FromStr for WssCheckpoint {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (root, epoch) = s
            .split_once(':')
            .ok_or_else(|| format!("`{s}` is not ROOT:EPOCH"))?;
        Ok(WssCheckpoint {
            root: root
                .parse()
                .map_err(|_| format!("`{root}` is not a 0x-prefixed 32-byte root"))?,
            epoch: epoch
                .parse()
                .map_err(|_| format!("`{epoch}` is not an epoch number"))?,
        })
    }
}

/// Where a checkpoint sync starts: the finalized block and the keys of its state's
/// validators.
#[derive(Clone, Debug)]
pub struct Checkpoint {
    /// The finalized block.
    pub block: Block,
    /// The proposers' keys, from the finalized state.
    pub proposers: Proposers,
    /// The finalized state's slot.
    pub state_slot: u64,
}

/// Why a checkpoint could not be taken from the URL.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// The URL could not be used.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The state is not a state of the fork our schedule gives its slot.
    #[error("{url}: the finalized state is not a {fork} state at slot {slot}: {source}")]
    State {
        /// The endpoint's URL.
        url: String,
        /// The fork expected.
        fork: consensus::Fork,
        /// The state's slot.
        slot: u64,
        /// What the decoder said.
        source: StateError,
    },
    /// The state is of another chain.
    #[error(
        "{url}: the finalized state is of another chain (genesis validators root {got}, {network} has {expected})"
    )]
    OtherChain {
        /// The endpoint's URL.
        url: String,
        /// Our network's name.
        network: String,
        /// The state's root.
        got: Hash256,
        /// Ours.
        expected: Hash256,
    },
    /// The state's fork version is not the one our schedule gives its slot.
    #[error(
        "{url}: the finalized state has fork version {got}, but {network} is at {expected} at slot {slot}"
    )]
    ForkVersion {
        /// The endpoint's URL.
        url: String,
        /// Our network's name.
        network: String,
        /// The state's slot.
        slot: u64,
        /// The state's `fork.current_version`.
        got: Version,
        /// Ours at that slot.
        expected: Version,
    },
    /// The block served for the state's block root is another block (so its state root is
    /// not the finalized state's).
    #[error(
        "{url}: the block served for root {expected} hashes to {got}: its state root {block_state_root} is not the finalized state's"
    )]
    BlockMismatch {
        /// The endpoint's URL.
        url: String,
        /// The root asked for.
        expected: Hash256,
        /// The block's root.
        got: Hash256,
        /// The block's `state_root`.
        block_state_root: Hash256,
    },
    /// The block could not be decoded.
    #[error("{url}: the finalized block cannot be read: {source}")]
    Block {
        /// The endpoint's URL.
        url: String,
        /// What the decoder said.
        source: BlockDecodeError,
    },
    /// The weak subjectivity checkpoint names another block.
    #[error("--wss-checkpoint {root}:{epoch} refused: the block at that epoch's start is {found}")]
    WssMismatch {
        /// The checkpoint's root.
        root: Hash256,
        /// Its epoch.
        epoch: u64,
        /// The root found there.
        found: Hash256,
    },
    /// The weak subjectivity checkpoint cannot be checked against this state.
    #[error(
        "--wss-checkpoint at epoch {epoch} cannot be checked: the finalized state (slot {slot}) holds the block roots of slots {from} to {slot} only"
    )]
    WssOutOfReach {
        /// The checkpoint's epoch.
        epoch: u64,
        /// The state's slot.
        slot: u64,
        /// The oldest slot the state's history covers.
        from: u64,
    },
    /// The registry could not be read from the state.
    #[error(transparent)]
    Registry(#[from] LaunchError),
}

/// Fetches the finalized state and block from `api` and checks them against `config`
/// and `wss`.
///
/// # Errors
/// [`CheckpointError`] naming the check that failed, in one line.
pub async fn fetch_checkpoint(
    api: &BeaconApi,
    config: &ChainConfig,
    wss: Option<WssCheckpoint>,
) -> Result<Checkpoint, CheckpointError> {
    let state_url = format!("{}/eth/v2/debug/beacon/states/finalized", api.url());
    let bytes = api.state_ssz("finalized").await?;
    let summary = StateSummary::read(&bytes).map_err(|source| CheckpointError::State {
        url: state_url.clone(),
        fork: config.fork_at_slot(0),
        slot: 0,
        source,
    })?;
    let network = config.name().to_owned();
    if summary.genesis_validators_root != config.genesis_validators_root() {
        return Err(CheckpointError::OtherChain {
            url: state_url,
            network,
            got: summary.genesis_validators_root,
            expected: config.genesis_validators_root(),
        });
    }
    let (slot, fork) = (summary.slot, config.fork_at_slot(summary.slot));
    if summary.fork.current_version != config.fork_version(fork) {
        return Err(CheckpointError::ForkVersion {
            url: state_url,
            network,
            slot,
            got: summary.fork.current_version,
            expected: config.fork_version(fork),
        });
    }
    let state =
        BeaconState::from_ssz_bytes(&bytes, fork).map_err(|source| CheckpointError::State {
            url: state_url.clone(),
            fork,
            slot,
            source,
        })?;
    let header = state.anchor_block_header();
    let root = header.tree_hash_root();
    let block_url = format!("{}/eth/v2/beacon/blocks/{root}", api.url());
    let block_bytes = api.block_ssz(root).await?;
    let block_fork = config.fork_at_slot(header.slot);
    let block = Block::from_ssz_bytes(&block_bytes, block_fork).map_err(|source| {
        CheckpointError::Block {
            url: block_url.clone(),
            source,
        }
    })?;
    if block.root() != root {
        return Err(CheckpointError::BlockMismatch {
            url: block_url,
            expected: root,
            got: block.root(),
            block_state_root: block.signed().state_root(),
        });
    }
    if let Some(wss) = wss {
        check_wss(&state, &block, wss, config)?;
    }
    let proposers = launch::registry_of(&bytes, &PathBuf::from(state_url), config)?;
    Ok(Checkpoint {
        block,
        proposers,
        state_slot: slot,
    })
}

/// Checks that the block at the start of `wss.epoch` is `wss.root`.
fn check_wss(
    state: &BeaconState,
    block: &Block,
    wss: WssCheckpoint,
    config: &ChainConfig,
) -> Result<(), CheckpointError> {
    let target = config.epoch_start_slot(wss.epoch);
    let slot = state.slot();
    let block_slot = block.signed().slot();
    let found = if block_slot <= target && target <= slot {
        // The state's block is the last one at or before the target.
        Some(block.root())
    } else if target < slot && slot - target <= SLOTS_PER_HISTORICAL_ROOT {
        state.block_root_at(target)
    } else {
        None
    };
    match found {
        Some(found) if found == wss.root => Ok(()),
        Some(found) => Err(CheckpointError::WssMismatch {
            root: wss.root,
            epoch: wss.epoch,
            found,
        }),
        None => Err(CheckpointError::WssOutOfReach {
            epoch: wss.epoch,
            slot,
            from: slot.saturating_sub(SLOTS_PER_HISTORICAL_ROOT),
        }),
    }
}
