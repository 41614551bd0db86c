//! Blob sidecars (Deneb, Electra) and data column sidecars (Fulu).

use ssz_derive::{Decode, Encode};
use ssz_types::typenum::{U4, U17, U4096};
use ssz_types::{FixedVector, VariableList};
use tree_hash_derive::TreeHash;

use super::common::SignedBeaconBlockHeader;
use crate::primitives::{Blob, Cell, Hash256, KzgCommitment, KzgProof};

/// `KZG_COMMITMENT_INCLUSION_PROOF_DEPTH`: 4 levels of the body, 1 for the list length,
/// 12 for 4096 commitments.
pub const KZG_COMMITMENT_INCLUSION_PROOF_DEPTH: usize = 17;
/// `KZG_COMMITMENTS_INCLUSION_PROOF_DEPTH` (Fulu): the commitments list within the body.
pub const KZG_COMMITMENTS_INCLUSION_PROOF_DEPTH: usize = 4;
/// `NUMBER_OF_COLUMNS` (Fulu).
pub const NUMBER_OF_COLUMNS: u64 = 128;
/// The SSZ size of a `BlobSidecar` (it is a fixed-size container).
pub const BLOB_SIDECAR_SIZE: usize = 131_928;

/// `BlobSidecar`: one blob with its commitment, proof and the block header it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct BlobSidecar {
    /// The blob's index within the block.
    pub index: u64,
    /// The blob.
    pub blob: Blob,
    /// Its KZG commitment (must equal the block's commitment at `index`).
    pub kzg_commitment: KzgCommitment,
    /// The KZG proof of the blob against the commitment.
    pub kzg_proof: KzgProof,
    /// The signed header of the block.
    pub signed_block_header: SignedBeaconBlockHeader,
    /// Merkle proof of the commitment within the block body.
    pub kzg_commitment_inclusion_proof: FixedVector<Hash256, U17>,
}

/// `DataColumnSidecar` (Fulu): one column of cells across all the blobs of a block.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct DataColumnSidecar {
    /// The column index (< 128).
    pub index: u64,
    /// One cell per blob.
    pub column: VariableList<Cell, U4096>,
    /// The block's commitments, one per blob.
    pub kzg_commitments: VariableList<KzgCommitment, U4096>,
    /// One cell proof per blob.
    pub kzg_proofs: VariableList<KzgProof, U4096>,
    /// The signed header of the block.
    pub signed_block_header: SignedBeaconBlockHeader,
    /// Merkle proof of the commitments list within the block body.
    pub kzg_commitments_inclusion_proof: FixedVector<Hash256, U4>,
}

/// `BlobIdentifier`: names a blob sidecar in by-root requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Encode, Decode, TreeHash)]
pub struct BlobIdentifier {
    /// The block's root.
    pub block_root: Hash256,
    /// The blob index.
    pub index: u64,
}
