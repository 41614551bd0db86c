//! The `BeaconState` of every fork, and cheap reads of a state file.
//!
//! A node starts from a state: the genesis state of its network, or a checkpoint state. It
//! needs three things from it: the genesis validators root (for signing domains), the
//! validators' public keys (to check proposer signatures) and the root of the block the
//! state belongs to (the sync anchor). Two ways lead there:
//!
//! - [`BeaconState::from_ssz_bytes`] decodes the whole state of a known fork
//!   ([`forks`] holds one container per fork) and gives its `hash_tree_root`, which the
//!   anchor block root needs ([`anchor_block_root`]).
//! - [`summary`] reads the versioning fields and the validator pubkeys straight from the
//!   bytes, without decoding the rest and without knowing the fork, because every fork's
//!   state begins with the same fields ([`StateSummary`], [`read_validator_pubkeys`],
//!   [`ValidatorRegistry`]).
//!
//! All containers use the mainnet preset ([`preset`]).

pub mod containers;
mod error;
pub mod forks;
pub mod preset;
pub mod summary;

use ssz::{Decode, Encode};
use tree_hash::TreeHash;

use crate::block::{Block, SignedBeaconBlock};
use crate::containers::common::{BeaconBlockHeader, StateFork};
use crate::fork::Fork;
use crate::primitives::Hash256;

pub use containers::{
    ExecutionPayloadHeaderBellatrix, ExecutionPayloadHeaderCapella, ExecutionPayloadHeaderDeneb,
    HistoricalSummary, PendingAttestation, PendingConsolidation, PendingDeposit,
    PendingPartialWithdrawal, SyncCommittee, VALIDATOR_SSZ_LEN, Validator,
};
pub use error::StateError;
pub use forks::{
    BeaconStateAltair, BeaconStateBellatrix, BeaconStateCapella, BeaconStateDeneb,
    BeaconStateElectra, BeaconStateFulu, BeaconStatePhase0,
};
pub use summary::{
    StateSummary, ValidatorRegistry, anchor_block_root, genesis_block_header,
    read_validator_pubkeys,
};

/// A `BeaconState` of any fork. Each variant is boxed: the states differ in size.
#[derive(Clone, Debug, PartialEq)]
pub enum BeaconState {
    /// A phase0 state.
    Phase0(Box<BeaconStatePhase0>),
    /// An Altair state.
    Altair(Box<BeaconStateAltair>),
    /// A Bellatrix state.
    Bellatrix(Box<BeaconStateBellatrix>),
    /// A Capella state.
    Capella(Box<BeaconStateCapella>),
    /// A Deneb state.
    Deneb(Box<BeaconStateDeneb>),
    /// An Electra state.
    Electra(Box<BeaconStateElectra>),
    /// A Fulu state.
    Fulu(Box<BeaconStateFulu>),
}

/// Runs `$body` with `$state` bound to the inner container of whatever fork `$self` is.
macro_rules! with_state {
    ($self:expr, $state:ident => $body:expr) => {
        match $self {
            BeaconState::Phase0($state) => $body,
            BeaconState::Altair($state) => $body,
            BeaconState::Bellatrix($state) => $body,
            BeaconState::Capella($state) => $body,
            BeaconState::Deneb($state) => $body,
            BeaconState::Electra($state) => $body,
            BeaconState::Fulu($state) => $body,
        }
    };
}

impl BeaconState {
    /// Decodes `bytes` as the SSZ `BeaconState` of `fork`.
    ///
    /// # Errors
    ///
    /// [`StateError::Decode`] if the bytes are not a valid state of that fork.
    pub fn from_ssz_bytes(bytes: &[u8], fork: Fork) -> Result<Self, StateError> {
        fn boxed<T: Decode>(bytes: &[u8]) -> Result<Box<T>, ssz::DecodeError> {
            T::from_ssz_bytes(bytes).map(Box::new)
        }
        let decoded = match fork {
            Fork::Phase0 => boxed(bytes).map(BeaconState::Phase0),
            Fork::Altair => boxed(bytes).map(BeaconState::Altair),
            Fork::Bellatrix => boxed(bytes).map(BeaconState::Bellatrix),
            Fork::Capella => boxed(bytes).map(BeaconState::Capella),
            Fork::Deneb => boxed(bytes).map(BeaconState::Deneb),
            Fork::Electra => boxed(bytes).map(BeaconState::Electra),
            Fork::Fulu => boxed(bytes).map(BeaconState::Fulu),
        };
        decoded.map_err(|error| StateError::Decode { fork, error })
    }

    /// The SSZ encoding of the state.
    pub fn as_ssz_bytes(&self) -> Vec<u8> {
        with_state!(self, state => state.as_ssz_bytes())
    }

    /// `hash_tree_root` of the state.
    pub fn tree_hash_root(&self) -> Hash256 {
        with_state!(self, state => state.tree_hash_root())
    }

    /// The fork whose container this is.
    pub fn fork(&self) -> Fork {
        match self {
            BeaconState::Phase0(_) => Fork::Phase0,
            BeaconState::Altair(_) => Fork::Altair,
            BeaconState::Bellatrix(_) => Fork::Bellatrix,
            BeaconState::Capella(_) => Fork::Capella,
            BeaconState::Deneb(_) => Fork::Deneb,
            BeaconState::Electra(_) => Fork::Electra,
            BeaconState::Fulu(_) => Fork::Fulu,
        }
    }

    /// Unix time of genesis, in seconds.
    pub fn genesis_time(&self) -> u64 {
        with_state!(self, state => state.genesis_time)
    }

    /// The chain's genesis validators root.
    pub fn genesis_validators_root(&self) -> Hash256 {
        with_state!(self, state => state.genesis_validators_root)
    }

    /// The state's slot.
    pub fn slot(&self) -> u64 {
        with_state!(self, state => state.slot)
    }

    /// The state's `fork` field: the versions in force at its slot.
    pub fn state_fork(&self) -> StateFork {
        with_state!(self, state => state.fork)
    }

    /// The header of the latest block applied to the state, as stored (its `state_root`
    /// may be zero; see [`BeaconState::anchor_block_header`]).
    pub fn latest_block_header(&self) -> &BeaconBlockHeader {
        with_state!(self, state => &state.latest_block_header)
    }

    /// The validator registry.
    pub fn validators(&self) -> &[Validator] {
        with_state!(self, state => &state.validators)
    }

    /// `hash_tree_root` of the validator registry; equals the genesis validators root in
    /// a genesis state.
    pub fn validators_tree_hash_root(&self) -> Hash256 {
        with_state!(self, state => state.validators.tree_hash_root())
    }

    /// The root of the block at or before `slot` from the state's `block_roots` history:
    /// `None` unless `slot` is before the state's slot and at most
    /// `SLOTS_PER_HISTORICAL_ROOT` (8,192) slots back.
    pub fn block_root_at(&self, slot: u64) -> Option<Hash256> {
        let (len, own) = (preset::SLOTS_PER_HISTORICAL_ROOT, self.slot());
        if slot >= own || own - slot > len {
            return None;
        }
        let at = usize::try_from(slot % len).ok()?;
        with_state!(self, state => state.block_roots.get(at).copied())
    }

    /// The header of the block this state belongs to: the latest block header with its
    /// `state_root` set to this state's root when it is still zero (see
    /// [`genesis_block_header`]). Its `hash_tree_root` is that block's root.
    pub fn anchor_block_header(&self) -> BeaconBlockHeader {
        let header = *self.latest_block_header();
        if header.state_root.is_zero() {
            summary::fill_state_root(header, self.tree_hash_root())
        } else {
            header
        }
    }

    /// The genesis block of this genesis state: the block of the state's fork with the
    /// [`anchor_block_header`](Self::anchor_block_header)'s fields, an empty body and no
    /// signature. Its root equals the anchor header's root, which a test of every fork's
    /// vectors checks.
    ///
    /// # Errors
    /// [`StateError::NotGenesis`] when the latest block's body root is not the empty
    /// body's: that block's content is not in the state.
    pub fn genesis_block(&self) -> Result<Block, StateError> {
        let header = self.anchor_block_header();
        let block = SignedBeaconBlock::with_empty_body(self.fork(), &header);
        if block.compute_body_root() != header.body_root {
            return Err(StateError::NotGenesis { slot: header.slot });
        }
        Ok(Block::new(block))
    }
}
