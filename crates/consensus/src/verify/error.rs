//! Why a block or its blob data failed verification, and what it costs the peer.

use sync_types::{BlockOutcome, score};

use crate::fork::Fork;

/// One verification failure. Each maps to a [`BlockOutcome`] for the sync and to a peer
/// penalty.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The block's layout is not the fork scheduled at its slot.
    #[error("slot {slot}: a {got} block where the chain has {expected}")]
    WrongFork {
        /// The block's slot.
        slot: u64,
        /// The fork of the block's layout.
        got: Fork,
        /// The fork scheduled at that slot.
        expected: Fork,
    },
    /// The block's parent is not the block before it (forward) or its root is not the
    /// parent the block above expects (backward).
    #[error("slot {slot}: does not link to the verified chain")]
    NotLinked {
        /// The block's slot.
        slot: u64,
    },
    /// The proposer index names no validator of the registry.
    #[error("slot {slot}: proposer {proposer_index} is not in the registry of {validators}")]
    UnknownProposer {
        /// The block's slot.
        slot: u64,
        /// The claimed proposer.
        proposer_index: u64,
        /// The registry's size.
        validators: usize,
    },
    /// The proposer signature does not verify.
    #[error("slot {slot}: invalid proposer signature")]
    InvalidProposerSignature {
        /// The block's slot.
        slot: u64,
    },
    /// More blob commitments than the fork allows.
    #[error("slot {slot}: {got} blob commitments, at most {max} allowed")]
    TooManyBlobs {
        /// The block's slot.
        slot: u64,
        /// Commitments in the block.
        got: usize,
        /// The limit at that epoch.
        max: u64,
    },
    /// Blob sidecars were expected but their number differs from the commitments.
    #[error("slot {slot}: {got} blob sidecars for {expected} commitments")]
    SidecarCount {
        /// The block's slot.
        slot: u64,
        /// Sidecars given.
        got: usize,
        /// Commitments in the block.
        expected: usize,
    },
    /// A sidecar's index is out of order or beyond the block's blob limit.
    #[error("slot {slot}: sidecar index {index} out of range")]
    SidecarIndexOutOfRange {
        /// The block's slot.
        slot: u64,
        /// The sidecar's index.
        index: u64,
    },
    /// A sidecar's header message differs from the block's.
    #[error("slot {slot}: sidecar {index} carries another block's header")]
    SidecarHeaderMismatch {
        /// The block's slot.
        slot: u64,
        /// The sidecar's index.
        index: u64,
    },
    /// A sidecar's header signature is not the (verified) block signature.
    #[error("slot {slot}: sidecar {index} has an invalid header signature")]
    SidecarHeaderSignatureInvalid {
        /// The block's slot.
        slot: u64,
        /// The sidecar's index.
        index: u64,
    },
    /// A sidecar's commitment is not the block's commitment at its index.
    #[error("slot {slot}: sidecar {index} commitment differs from the block's")]
    CommitmentMismatch {
        /// The block's slot.
        slot: u64,
        /// The sidecar's index.
        index: u64,
    },
    /// The commitment inclusion proof does not lead to the body root.
    #[error("slot {slot}: sidecar {index} inclusion proof is invalid")]
    InclusionProofInvalid {
        /// The block's slot.
        slot: u64,
        /// The sidecar's (or column's) index.
        index: u64,
    },
    /// The KZG proof of a blob (or a cell) does not verify.
    #[error("slot {slot}: KZG proof of sidecar {index} is invalid")]
    KzgProofInvalid {
        /// The block's slot.
        slot: u64,
        /// The sidecar's (or column's) index.
        index: u64,
    },
    /// A block with blob commitments came without its data (no sidecars, no columns)
    /// although the verifier's [`DataRequirement`](super::DataRequirement) needs it.
    #[error("slot {slot}: {commitments} blob commitments but no {needed} came with the block")]
    MissingData {
        /// The block's slot.
        slot: u64,
        /// Commitments in the block.
        commitments: usize,
        /// What was needed: "blob sidecars" or "data columns".
        needed: &'static str,
    },
    /// A data column is malformed: index ≥ 128 or lists of different lengths.
    #[error("slot {slot}: data column {index} is malformed")]
    ColumnStructureInvalid {
        /// The block's slot.
        slot: u64,
        /// The column's index.
        index: u64,
    },
}

impl VerifyError {
    /// The outcome the sync sees for the failing block.
    pub const fn outcome(&self) -> BlockOutcome {
        match self {
            VerifyError::NotLinked { .. } => BlockOutcome::MissingParent,
            VerifyError::WrongFork { .. }
            | VerifyError::UnknownProposer { .. }
            | VerifyError::InvalidProposerSignature { .. }
            | VerifyError::TooManyBlobs { .. } => BlockOutcome::Invalid,
            _ => BlockOutcome::MissingSidecars,
        }
    }

    /// The score change for the peer that sent the data. A block that does not link
    /// costs nothing here: the queue decides who is to blame for a gap.
    pub const fn penalty(&self) -> i64 {
        match self {
            VerifyError::NotLinked { .. } => 0,
            VerifyError::SidecarCount { got, expected, .. } if *got < *expected => {
                score::PEER_SCORE_PROVEN_FAULT
            }
            _ => score::PEER_SCORE_BAD_VALUES,
        }
    }

    /// The name the consensus-layer spec tests use for this failure, where there is one
    /// (`PROPOSER_SIGNATURE_INVALID`, `KZG_PROOF_INVALID`, ...).
    pub const fn spec_name(&self) -> &'static str {
        match self {
            VerifyError::InvalidProposerSignature { .. } => "PROPOSER_SIGNATURE_INVALID",
            VerifyError::SidecarHeaderSignatureInvalid { .. } => "HEADER_SIGNATURE_INVALID",
            VerifyError::KzgProofInvalid { .. } => "KZG_PROOF_INVALID",
            VerifyError::InclusionProofInvalid { .. } => "INCLUSION_PROOF_INVALID",
            VerifyError::SidecarIndexOutOfRange { .. } => "INDEX_OUT_OF_RANGE",
            VerifyError::ColumnStructureInvalid { .. } => "STRUCTURE_INVALID",
            VerifyError::WrongFork { .. } => "WRONG_FORK",
            VerifyError::NotLinked { .. } => "NOT_LINKED",
            VerifyError::UnknownProposer { .. } => "UNKNOWN_PROPOSER",
            VerifyError::TooManyBlobs { .. } => "TOO_MANY_BLOBS",
            VerifyError::SidecarCount { .. } => "SIDECAR_COUNT",
            VerifyError::SidecarHeaderMismatch { .. } => "HEADER_MISMATCH",
            VerifyError::CommitmentMismatch { .. } => "COMMITMENT_MISMATCH",
            VerifyError::MissingData { .. } => "MISSING_DATA",
        }
    }
}
