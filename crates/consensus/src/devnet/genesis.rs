//! The genesis state and genesis block of a devnet: made from the interop keys, or read
//! from a given genesis state (see the module docs of [`super`] for the fields).

use ssz_types::{BitVector, FixedVector, VariableList};
use tree_hash::TreeHash;

use super::draw::seeded_hash;
use super::{DevnetError, DevnetParams, MAX_VALIDATORS};
use crate::block::{Block, SignedBeaconBlock};
use crate::config::{ChainConfig, FAR_FUTURE_EPOCH};
use crate::containers::{BeaconBlockHeader, Checkpoint, Eth1Data, StateFork};
use crate::fork::Fork;
use crate::keys::InteropKeys;
use crate::primitives::{Hash256, PubkeyBytes};
use crate::state::preset::ValidatorRegistryLimit;
use crate::state::{
    BeaconState, BeaconStateDeneb, BeaconStateElectra, BeaconStateFulu,
    ExecutionPayloadHeaderDeneb, StateError, SyncCommittee, Validator,
};

/// `MAX_EFFECTIVE_BALANCE` (32 ETH) in Gwei: every interop validator's balance.
pub(super) const VALIDATOR_BALANCE_GWEI: u64 = 32_000_000_000;
/// The gas limit of the genesis execution payload header and of every payload.
pub(super) const GAS_LIMIT: u64 = 36_000_000;
/// `UNSET_DEPOSIT_REQUESTS_START_INDEX` (Electra).
const UNSET_DEPOSIT_REQUESTS_START_INDEX: u64 = u64::MAX;
/// The version byte of BLS withdrawal credentials.
const BLS_WITHDRAWAL_PREFIX: u8 = 0x00;

/// The execution block the first devnet payload builds on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct ExecutionHead {
    /// Its block hash (the first payload's `parent_hash`).
    pub(super) block_hash: Hash256,
    /// Its number.
    pub(super) block_number: u64,
}

/// What the block builder needs from genesis.
pub(super) struct Genesis {
    /// The genesis state's SSZ bytes.
    pub(super) state_ssz: Vec<u8>,
    /// The chain configuration (genesis time and validators root set).
    pub(super) config: ChainConfig,
    /// The genesis block.
    pub(super) block: Block,
    /// The state's `eth1_data`, which every block votes for.
    pub(super) eth1_data: Eth1Data,
    /// The latest execution payload header's block.
    pub(super) execution_head: ExecutionHead,
    /// The interop keys of the registry.
    pub(super) keys: InteropKeys,
}

/// Checks that `fork` is one a devnet can start at.
pub(super) fn check_fork(fork: Fork) -> Result<(), DevnetError> {
    if matches!(fork, Fork::Deneb | Fork::Electra | Fork::Fulu) {
        Ok(())
    } else {
        Err(DevnetError::UnsupportedFork { fork })
    }
}

/// The root of the fork's empty block body.
fn empty_body_root(fork: Fork) -> Hash256 {
    SignedBeaconBlock::with_empty_body(fork, &BeaconBlockHeader::default()).compute_body_root()
}

/// The genesis block of a genesis state made or read here.
fn genesis_block(state: &BeaconState) -> Result<Block, DevnetError> {
    state.genesis_block().map_err(|source| match source {
        StateError::NotGenesis { .. } => DevnetError::NotGenesis { slot: state.slot() },
        source => DevnetError::GenesisState { source },
    })
}

/// Makes the genesis of `params` (see the module docs of [`super`]).
pub(super) fn build(params: &DevnetParams) -> Result<Genesis, DevnetError> {
    let fork = params.genesis_fork;
    check_fork(fork)?;
    let keys = InteropKeys::generate(params.validators);
    let validators: Vec<Validator> = keys
        .public_keys()
        .iter()
        .map(|key| interop_validator(key.to_bytes()))
        .collect();
    let count = params.validators;
    let validators = list(validators);
    let genesis_validators_root = validators.tree_hash_root();
    let eth1_data = Eth1Data {
        deposit_count: count,
        ..Eth1Data::default()
    };
    let execution_head = ExecutionHead {
        block_hash: seeded_hash(&params.seed, b"el-genesis", &[]),
        block_number: 0,
    };
    let mainnet = ChainConfig::mainnet();
    let parts = StateParts {
        genesis_time: params.genesis_time,
        genesis_validators_root,
        fork: StateFork {
            previous_version: mainnet.fork_version(fork.previous().unwrap_or(fork)),
            current_version: mainnet.fork_version(fork),
            epoch: 0,
        },
        latest_block_header: BeaconBlockHeader {
            body_root: empty_body_root(fork),
            ..BeaconBlockHeader::default()
        },
        eth1_data,
        validators,
        balances: list(vec![VALIDATOR_BALANCE_GWEI; vec_len(count)]),
        participation: list(vec![0; vec_len(count)]),
        inactivity_scores: list(vec![0; vec_len(count)]),
        sync_committee: SyncCommittee {
            pubkeys: FixedVector::default(),
            aggregate_pubkey: PubkeyBytes::ZERO,
        },
        payload_header: ExecutionPayloadHeaderDeneb {
            block_hash: execution_head.block_hash,
            block_number: execution_head.block_number,
            gas_limit: GAS_LIMIT,
            timestamp: params.genesis_time,
            ..ExecutionPayloadHeaderDeneb::default()
        },
    };
    let state = parts.into_state(fork)?;
    Ok(Genesis {
        state_ssz: state.as_ssz_bytes(),
        config: ChainConfig::devnet(fork, params.genesis_time, genesis_validators_root),
        block: genesis_block(&state)?,
        eth1_data,
        execution_head,
        keys,
    })
}

/// Reads a given genesis state of `fork` whose validators hold the interop keys.
pub(super) fn read(state_ssz: &[u8], fork: Fork) -> Result<Genesis, DevnetError> {
    check_fork(fork)?;
    let state = BeaconState::from_ssz_bytes(state_ssz, fork)
        .map_err(|source| DevnetError::GenesisState { source })?;
    let config = ChainConfig::devnet(fork, state.genesis_time(), state.genesis_validators_root());
    let expected = config.fork_version(fork);
    let got = state.state_fork().current_version;
    if got != expected {
        return Err(DevnetError::GenesisForkVersion {
            fork,
            got,
            expected,
        });
    }
    if state.slot() != 0 || state.latest_block_header().slot != 0 {
        return Err(DevnetError::NotGenesis { slot: state.slot() });
    }
    let block = genesis_block(&state)?;
    let validators = state.validators();
    let count = validators.len() as u64;
    if count == 0 || count > MAX_VALIDATORS {
        return Err(DevnetError::ValidatorCount {
            validators: count,
            max: MAX_VALIDATORS,
        });
    }
    let keys = InteropKeys::generate(validators.len() as u64);
    for (index, (validator, key)) in validators.iter().zip(keys.public_keys()).enumerate() {
        if validator.pubkey != key.to_bytes() {
            return Err(DevnetError::NotInteropKey {
                index: index as u64,
            });
        }
    }
    let (eth1_data, execution_head) = match &state {
        BeaconState::Deneb(s) => (s.eth1_data, head_of(&s.latest_execution_payload_header)),
        BeaconState::Electra(s) => (s.eth1_data, head_of(&s.latest_execution_payload_header)),
        BeaconState::Fulu(s) => (s.eth1_data, head_of(&s.latest_execution_payload_header)),
        _ => return Err(DevnetError::UnsupportedFork { fork }),
    };
    Ok(Genesis {
        state_ssz: state_ssz.to_vec(),
        config,
        block,
        eth1_data,
        execution_head,
        keys,
    })
}

fn head_of(header: &ExecutionPayloadHeaderDeneb) -> ExecutionHead {
    ExecutionHead {
        block_hash: header.block_hash,
        block_number: header.block_number,
    }
}

/// An interop validator active from genesis: 32 ETH and BLS withdrawal credentials
/// `0x00 ‖ sha256(pubkey)[1..]`.
fn interop_validator(pubkey: PubkeyBytes) -> Validator {
    let mut withdrawal_credentials = ethereum_hashing::hash_fixed(pubkey.as_slice());
    withdrawal_credentials[0] = BLS_WITHDRAWAL_PREFIX;
    Validator {
        pubkey,
        withdrawal_credentials: Hash256::from(withdrawal_credentials),
        effective_balance: VALIDATOR_BALANCE_GWEI,
        slashed: false,
        activation_eligibility_epoch: 0,
        activation_epoch: 0,
        exit_epoch: FAR_FUTURE_EPOCH,
        withdrawable_epoch: FAR_FUTURE_EPOCH,
    }
}

/// A list of at most [`super::MAX_VALIDATORS`] entries, far below every state list limit.
fn list<T>(items: Vec<T>) -> VariableList<T, ValidatorRegistryLimit> {
    VariableList::new(items).expect("invariant: registry-sized lists fit the state's limits")
}

/// `count` as a length; the builder checked it is at most [`super::MAX_VALIDATORS`].
fn vec_len(count: u64) -> usize {
    usize::try_from(count).expect("invariant: the validator count is at most MAX_VALIDATORS")
}

/// The fields of a genesis state that are not zero or empty.
struct StateParts {
    genesis_time: u64,
    genesis_validators_root: Hash256,
    fork: StateFork,
    latest_block_header: BeaconBlockHeader,
    eth1_data: Eth1Data,
    validators: VariableList<Validator, ValidatorRegistryLimit>,
    balances: VariableList<u64, ValidatorRegistryLimit>,
    participation: VariableList<u8, ValidatorRegistryLimit>,
    inactivity_scores: VariableList<u64, ValidatorRegistryLimit>,
    sync_committee: SyncCommittee,
    payload_header: ExecutionPayloadHeaderDeneb,
}

/// The state container `$ty` from `$parts`: every field shared by Deneb, Electra and Fulu,
/// then `$extra`.
macro_rules! genesis_state {
    ($ty:ident, $parts:ident { $($extra:tt)* }) => {
        $ty {
            genesis_time: $parts.genesis_time,
            genesis_validators_root: $parts.genesis_validators_root,
            slot: 0,
            fork: $parts.fork,
            latest_block_header: $parts.latest_block_header,
            block_roots: FixedVector::default(),
            state_roots: FixedVector::default(),
            historical_roots: VariableList::default(),
            eth1_data: $parts.eth1_data,
            eth1_data_votes: VariableList::default(),
            eth1_deposit_index: $parts.eth1_data.deposit_count,
            validators: $parts.validators,
            balances: $parts.balances,
            randao_mixes: FixedVector::default(),
            slashings: FixedVector::default(),
            previous_epoch_participation: $parts.participation.clone(),
            current_epoch_participation: $parts.participation,
            justification_bits: BitVector::new(),
            previous_justified_checkpoint: Checkpoint::default(),
            current_justified_checkpoint: Checkpoint::default(),
            finalized_checkpoint: Checkpoint::default(),
            inactivity_scores: $parts.inactivity_scores,
            current_sync_committee: $parts.sync_committee.clone(),
            next_sync_committee: $parts.sync_committee,
            latest_execution_payload_header: $parts.payload_header,
            next_withdrawal_index: 0,
            next_withdrawal_validator_index: 0,
            historical_summaries: VariableList::default(),
            $($extra)*
        }
    };
}

/// Electra's appended fields at their genesis values, then `$extra`.
macro_rules! electra_genesis_state {
    ($ty:ident, $parts:ident { $($extra:tt)* }) => {
        genesis_state!($ty, $parts {
            deposit_requests_start_index: UNSET_DEPOSIT_REQUESTS_START_INDEX,
            deposit_balance_to_consume: 0,
            exit_balance_to_consume: 0,
            earliest_exit_epoch: 0,
            consolidation_balance_to_consume: 0,
            earliest_consolidation_epoch: 0,
            pending_deposits: VariableList::default(),
            pending_partial_withdrawals: VariableList::default(),
            pending_consolidations: VariableList::default(),
            $($extra)*
        })
    };
}

impl StateParts {
    fn into_state(self, fork: Fork) -> Result<BeaconState, DevnetError> {
        let parts = self;
        Ok(match fork {
            Fork::Deneb => BeaconState::Deneb(Box::new(genesis_state!(BeaconStateDeneb, parts {}))),
            Fork::Electra => BeaconState::Electra(Box::new(electra_genesis_state!(
                BeaconStateElectra,
                parts {}
            ))),
            Fork::Fulu => BeaconState::Fulu(Box::new(electra_genesis_state!(
                BeaconStateFulu,
                parts {
                    proposer_lookahead: FixedVector::default(),
                }
            ))),
            other => return Err(DevnetError::UnsupportedFork { fork: other }),
        })
    }
}
