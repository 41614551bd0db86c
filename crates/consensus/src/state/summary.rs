//! Reading a state file without decoding it: the versioning fields, the latest block
//! header and the validators' public keys.
//!
//! Every fork's `BeaconState` starts with the same fields, so their positions in the SSZ
//! bytes do not depend on the fork. The fixed-size fields lie in order; each
//! variable-size list has a 4-byte little-endian offset in the fixed part instead, which
//! points to where its bytes start in the variable part (and the next list's offset marks
//! where they end). The positions, from the field sizes:
//!
//! | field | type | size | position |
//! |---|---|---|---|
//! | `genesis_time` | u64 | 8 | 0 |
//! | `genesis_validators_root` | Root | 32 | 8 |
//! | `slot` | u64 | 8 | 40 |
//! | `fork` | 4 + 4 + 8 | 16 | 48 |
//! | `latest_block_header` | 8 + 8 + 3 × 32 | 112 | 64 |
//! | `block_roots` | 8192 × 32 | 262,144 | 176 |
//! | `state_roots` | 8192 × 32 | 262,144 | 262,320 |
//! | `historical_roots` | offset | 4 | 524,464 |
//! | `eth1_data` | 32 + 8 + 32 | 72 | 524,468 |
//! | `eth1_data_votes` | offset | 4 | 524,540 |
//! | `eth1_deposit_index` | u64 | 8 | 524,544 |
//! | `validators` | offset | 4 | **524,552** |
//! | `balances` | offset | 4 | 524,556 |
//!
//! So the validators list runs from the offset at 524,552 to the offset at 524,556, and
//! holds 121-byte `Validator` records whose first 48 bytes are the pubkey.

use ssz::Decode;
use tree_hash::TreeHash;

use crate::containers::common::{BeaconBlockHeader, StateFork};
use crate::fork::Fork;
use crate::primitives::{Hash256, PubkeyBytes};

use super::containers::VALIDATOR_SSZ_LEN;
use super::{BeaconState, StateError};

/// SSZ size of a root (`Bytes32`).
const ROOT_LEN: usize = 32;
/// SSZ size of a `uint64`.
const U64_LEN: usize = 8;
/// SSZ size of a list offset.
const OFFSET_LEN: usize = 4;
/// `SLOTS_PER_HISTORICAL_ROOT` (mainnet).
const SLOTS_PER_HISTORICAL_ROOT: usize = 8192;

/// Position of `genesis_time`.
pub const GENESIS_TIME_POS: usize = 0;
/// Position of `genesis_validators_root`.
pub const GENESIS_VALIDATORS_ROOT_POS: usize = GENESIS_TIME_POS + U64_LEN;
/// Position of `slot`.
pub const SLOT_POS: usize = GENESIS_VALIDATORS_ROOT_POS + ROOT_LEN;
/// Position of `fork` (`previous_version`, `current_version`, `epoch`).
pub const FORK_POS: usize = SLOT_POS + U64_LEN;
/// SSZ size of the spec's `Fork` container.
pub const FORK_LEN: usize = 4 + 4 + U64_LEN;
/// Position of `latest_block_header`.
pub const LATEST_BLOCK_HEADER_POS: usize = FORK_POS + FORK_LEN;
/// SSZ size of a `BeaconBlockHeader`: slot, proposer index and three roots.
pub const BLOCK_HEADER_LEN: usize = 2 * U64_LEN + 3 * ROOT_LEN;
/// Bytes a [`StateSummary`] needs: everything up to the end of `latest_block_header`.
pub const SUMMARY_LEN: usize = LATEST_BLOCK_HEADER_POS + BLOCK_HEADER_LEN;
/// Position of the `historical_roots` offset: after `block_roots` and `state_roots`.
pub const HISTORICAL_ROOTS_OFFSET_POS: usize =
    SUMMARY_LEN + 2 * SLOTS_PER_HISTORICAL_ROOT * ROOT_LEN;
/// SSZ size of `Eth1Data`.
const ETH1_DATA_LEN: usize = ROOT_LEN + U64_LEN + ROOT_LEN;
/// Position of the `eth1_data_votes` offset.
pub const ETH1_DATA_VOTES_OFFSET_POS: usize =
    HISTORICAL_ROOTS_OFFSET_POS + OFFSET_LEN + ETH1_DATA_LEN;
/// Position of the `validators` offset (524,552 in every fork).
pub const VALIDATORS_OFFSET_POS: usize = ETH1_DATA_VOTES_OFFSET_POS + OFFSET_LEN + U64_LEN;
/// Position of the `balances` offset, whose value is where the validators list ends.
pub const BALANCES_OFFSET_POS: usize = VALIDATORS_OFFSET_POS + OFFSET_LEN;
/// The smallest fixed part of any fork's state: up to and including the `balances`
/// offset. Every list offset must point at or after it.
pub const MIN_FIXED_LEN: usize = BALANCES_OFFSET_POS + OFFSET_LEN;

// The positions in the table of the module docs.
const _: () = assert!(SUMMARY_LEN == 176);
const _: () = assert!(HISTORICAL_ROOTS_OFFSET_POS == 524_464);
const _: () = assert!(VALIDATORS_OFFSET_POS == 524_552);
const _: () = assert!(MIN_FIXED_LEN == 524_560);

/// The fields at the start of every `BeaconState`, read without decoding the state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateSummary {
    /// Unix time of genesis, in seconds.
    pub genesis_time: u64,
    /// The chain's genesis validators root.
    pub genesis_validators_root: Hash256,
    /// The state's slot.
    pub slot: u64,
    /// The state's `fork` field.
    pub fork: StateFork,
    /// The latest block header, as stored (its `state_root` may be zero).
    pub latest_block_header: BeaconBlockHeader,
}

impl StateSummary {
    /// Reads the summary from the first [`SUMMARY_LEN`] (176) bytes of a state of any fork.
    ///
    /// # Errors
    ///
    /// [`StateError::Truncated`] if `bytes` is shorter than 176 bytes.
    pub fn read(bytes: &[u8]) -> Result<StateSummary, StateError> {
        Ok(StateSummary {
            genesis_time: read_u64(bytes, GENESIS_TIME_POS)?,
            genesis_validators_root: Hash256::from(read_array::<ROOT_LEN>(
                bytes,
                GENESIS_VALIDATORS_ROOT_POS,
            )?),
            slot: read_u64(bytes, SLOT_POS)?,
            fork: decode_fixed(bytes, FORK_POS, FORK_LEN)?,
            latest_block_header: decode_fixed(bytes, LATEST_BLOCK_HEADER_POS, BLOCK_HEADER_LEN)?,
        })
    }
}

/// The header of the block a state belongs to, given the state's `hash_tree_root`.
///
/// A state stores its latest block header with `state_root` zero until the next slot is
/// processed (the block cannot contain its own post-state root). In a genesis state, or
/// any state taken right after its block, the root is still zero and is the state's own
/// root; once set, it is kept. The `hash_tree_root` of the result is the block's root: for
/// a genesis state, the genesis block root.
pub fn genesis_block_header(summary: &StateSummary, state_root: Hash256) -> BeaconBlockHeader {
    fill_state_root(summary.latest_block_header, state_root)
}

/// `header` with `state_root` in place of a zero state root.
pub(super) fn fill_state_root(
    mut header: BeaconBlockHeader,
    state_root: Hash256,
) -> BeaconBlockHeader {
    if header.state_root.is_zero() {
        header.state_root = state_root;
    }
    header
}

/// The root of the block a state belongs to (the genesis block root for a genesis state).
///
/// Decodes the whole state as `fork` to get its `hash_tree_root`.
///
/// # Errors
///
/// [`StateError::Decode`] if the bytes are not a state of `fork`.
pub fn anchor_block_root(state_bytes: &[u8], fork: Fork) -> Result<Hash256, StateError> {
    let state = BeaconState::from_ssz_bytes(state_bytes, fork)?;
    Ok(state.anchor_block_header().tree_hash_root())
}

/// Reads the validators' public keys of a state of any fork, in index order.
///
/// Follows the `validators` offset (see the module docs), checks that the first list
/// offsets are in order and inside the input, and that the list is a whole number of
/// 121-byte records. Allocates at most one pubkey per 121 input bytes.
///
/// # Errors
///
/// [`StateError::Truncated`] if `bytes` ends inside the fixed part,
/// [`StateError::BadOffset`] if an offset is out of order or past the end, and
/// [`StateError::ValidatorsLength`] if the list is not a whole number of records.
pub fn read_validator_pubkeys(bytes: &[u8]) -> Result<Vec<PubkeyBytes>, StateError> {
    let list = validators_list(bytes)?;
    // Every record is 121 bytes, so `first_chunk` always finds the 48-byte pubkey.
    let pubkeys = list
        .chunks_exact(VALIDATOR_SSZ_LEN)
        .filter_map(<[u8]>::first_chunk::<48>)
        .map(|pubkey| PubkeyBytes::from(*pubkey))
        .collect();
    Ok(pubkeys)
}

/// The bytes of the `validators` list, checked as [`read_validator_pubkeys`] documents.
fn validators_list(bytes: &[u8]) -> Result<&[u8], StateError> {
    if bytes.len() < MIN_FIXED_LEN {
        return Err(StateError::Truncated {
            needed: MIN_FIXED_LEN,
            got: bytes.len(),
        });
    }
    // The offsets of the first four lists must be ascending and inside the input; the
    // first one also marks the end of the fixed part, so it cannot be below the smallest
    // fixed part of any fork.
    let fields = [
        ("historical_roots", HISTORICAL_ROOTS_OFFSET_POS),
        ("eth1_data_votes", ETH1_DATA_VOTES_OFFSET_POS),
        ("validators", VALIDATORS_OFFSET_POS),
        ("balances", BALANCES_OFFSET_POS),
    ];
    let mut offsets = [0_usize; 4];
    let mut min = MIN_FIXED_LEN;
    for ((field, position), slot) in fields.into_iter().zip(offsets.iter_mut()) {
        let offset = read_offset(bytes, position)?;
        if offset < min || offset > bytes.len() {
            return Err(StateError::BadOffset {
                field,
                offset,
                min,
                max: bytes.len(),
            });
        }
        *slot = offset;
        min = offset;
    }
    let [_, _, start, end] = offsets;
    let list = bytes.get(start..end).ok_or(StateError::BadOffset {
        field: "validators",
        offset: start,
        min: MIN_FIXED_LEN,
        max: end,
    })?;
    if list.len() % VALIDATOR_SSZ_LEN != 0 {
        return Err(StateError::ValidatorsLength {
            len: list.len(),
            record_len: VALIDATOR_SSZ_LEN,
        });
    }
    Ok(list)
}

/// The validators' public keys of a state, with the chain's genesis validators root:
/// what a node needs to check proposer signatures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatorRegistry {
    /// The chain's genesis validators root, read from the state.
    pub genesis_validators_root: Hash256,
    /// The public keys, by validator index.
    pub pubkeys: Vec<PubkeyBytes>,
}

impl ValidatorRegistry {
    /// Reads the registry from a state file of any fork, without decoding the state.
    ///
    /// # Errors
    ///
    /// As [`StateSummary::read`] and [`read_validator_pubkeys`].
    pub fn from_state_bytes(bytes: &[u8]) -> Result<ValidatorRegistry, StateError> {
        let summary = StateSummary::read(bytes)?;
        Ok(ValidatorRegistry {
            genesis_validators_root: summary.genesis_validators_root,
            pubkeys: read_validator_pubkeys(bytes)?,
        })
    }

    /// Takes the registry of a decoded state.
    pub fn from_state(state: &BeaconState) -> ValidatorRegistry {
        ValidatorRegistry {
            genesis_validators_root: state.genesis_validators_root(),
            pubkeys: state.validators().iter().map(|v| v.pubkey).collect(),
        }
    }

    /// The public key of validator `index`, if the registry has it.
    pub fn pubkey(&self, index: u64) -> Option<&PubkeyBytes> {
        usize::try_from(index)
            .ok()
            .and_then(|index| self.pubkeys.get(index))
    }

    /// The number of validators.
    pub fn len(&self) -> usize {
        self.pubkeys.len()
    }

    /// Whether the registry has no validators.
    pub fn is_empty(&self) -> bool {
        self.pubkeys.is_empty()
    }
}

/// The `N` bytes at `position`.
fn read_array<const N: usize>(bytes: &[u8], position: usize) -> Result<[u8; N], StateError> {
    let needed = position.saturating_add(N);
    bytes
        .get(position..needed)
        .and_then(|slice| <[u8; N]>::try_from(slice).ok())
        .ok_or(StateError::Truncated {
            needed,
            got: bytes.len(),
        })
}

/// The little-endian `u64` at `position`.
fn read_u64(bytes: &[u8], position: usize) -> Result<u64, StateError> {
    read_array::<U64_LEN>(bytes, position).map(u64::from_le_bytes)
}

/// The 4-byte SSZ offset at `position`, as a `usize`.
fn read_offset(bytes: &[u8], position: usize) -> Result<usize, StateError> {
    let offset = read_array::<OFFSET_LEN>(bytes, position).map(u32::from_le_bytes)?;
    // A u32 always fits a usize on the 32- and 64-bit targets we build for; saturate
    // otherwise, which the bounds checks then reject.
    Ok(usize::try_from(offset).unwrap_or(usize::MAX))
}

/// Decodes the fixed-size container of `len` bytes at `position`.
fn decode_fixed<T: Decode>(bytes: &[u8], position: usize, len: usize) -> Result<T, StateError> {
    let needed = position.saturating_add(len);
    let slice = bytes.get(position..needed).ok_or(StateError::Truncated {
        needed,
        got: bytes.len(),
    })?;
    // The slice has the container's exact fixed size, so decoding cannot fail; report
    // the decoder's answer as truncation if it ever does.
    T::from_ssz_bytes(slice).map_err(|_| StateError::Truncated {
        needed,
        got: bytes.len(),
    })
}
