//! The byte types of the consensus containers, with their SSZ and tree-hash encodings.
//!
//! Fixed-size byte strings are `alloy_primitives::FixedBytes<N>` (SSZ and `tree_hash`
//! implement them as vectors of bytes). The 128 KiB blob is the exception: it lives on the
//! heap (see [`Blob`]), because `FixedBytes` is decoded through the stack.

pub use alloy_primitives::{Address, B256 as Hash256, FixedBytes, U256};

/// A 4-byte fork version.
pub type Version = FixedBytes<4>;
/// The 4-byte fork digest sent as context bytes on the wire.
pub type ForkDigest = FixedBytes<4>;
/// A 32-byte signing domain.
pub type Domain = Hash256;
/// A compressed BLS public key (48 bytes), not yet checked to be a valid point.
pub type PubkeyBytes = FixedBytes<48>;
/// A compressed BLS signature (96 bytes), not yet checked to be a valid point.
pub type SignatureBytes = FixedBytes<96>;
/// A KZG commitment (48 bytes).
pub type KzgCommitment = FixedBytes<48>;
/// A KZG proof (48 bytes).
pub type KzgProof = FixedBytes<48>;
/// `BYTES_PER_BLOB`: 4096 field elements of 32 bytes.
pub const BYTES_PER_BLOB: usize = 131_072;
/// A blob: `ByteVector[BYTES_PER_BLOB]`, kept on the heap.
pub type Blob = ssz_types::FixedVector<u8, ssz_types::typenum::U131072>;
/// `BYTES_PER_CELL`: 64 field elements of 32 bytes.
pub const BYTES_PER_CELL: usize = 2048;
/// A Fulu cell: one 64-field-element piece of an extended blob.
pub type Cell = FixedBytes<BYTES_PER_CELL>;

/// Converts a tree-hash root to the `sync-types` root.
pub fn to_root(hash: Hash256) -> sync_types::Root {
    sync_types::Root(hash.0)
}

/// Converts a `sync-types` root to a tree-hash root.
pub fn from_root(root: sync_types::Root) -> Hash256 {
    Hash256::from(root.0)
}
