//! The errors of reading a `BeaconState`.

use crate::fork::Fork;

/// Why a `BeaconState` could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StateError {
    /// The bytes end before a field that must be present.
    #[error("state is {got} bytes, shorter than the {needed} bytes needed")]
    Truncated {
        /// Bytes needed to read the field.
        needed: usize,
        /// Bytes present.
        got: usize,
    },
    /// A 4-byte SSZ offset points outside the allowed range.
    #[error("offset of {field} is {offset}, outside {min}..={max}")]
    BadOffset {
        /// The list field whose offset is wrong.
        field: &'static str,
        /// The offset read.
        offset: usize,
        /// The lowest offset allowed.
        min: usize,
        /// The highest offset allowed.
        max: usize,
    },
    /// The validators list is not a whole number of 121-byte records.
    #[error("validators list is {len} bytes, not a multiple of {record_len}")]
    ValidatorsLength {
        /// Length of the list in bytes.
        len: usize,
        /// Length of one `Validator` record.
        record_len: usize,
    },
    /// The state's latest block has a body that is not empty, so it cannot be rebuilt
    /// from the state alone (only a genesis block can).
    #[error(
        "the state's latest block (slot {slot}) has a non-empty body: only a genesis state's block can be rebuilt from the state"
    )]
    NotGenesis {
        /// The slot of the state's latest block header.
        slot: u64,
    },
    /// The bytes are not a valid SSZ `BeaconState` of the fork.
    #[error("state does not decode as a {fork} BeaconState: {error:?}")]
    Decode {
        /// The fork tried.
        fork: Fork,
        /// What the SSZ decoder reported.
        error: ssz::DecodeError,
    },
}
