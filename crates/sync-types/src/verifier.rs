//! The `BlockVerifier` seam: where verified blocks leave the sync.

use std::future::Future;

use crate::{
    column::ColumnView,
    slot::Slot,
    view::{BlockData, BlockView, SidecarView},
};

/// What the verifier made of one block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BlockOutcome {
    /// Verified and imported.
    Ok,
    /// Already known; nothing to do.
    Duplicate,
    /// Its parent is unknown: the chain has a hole before it.
    MissingParent,
    /// It builds on a fork our finalized chain excludes.
    UnviableFork,
    /// It failed verification (signature, state transition, ...).
    Invalid,
    /// Its blob sidecars or data columns are missing or do not match it.
    MissingSidecars,
}

impl BlockOutcome {
    /// Whether verification of the rest of the segment stops after this outcome.
    pub const fn stops_segment(self) -> bool {
        matches!(
            self,
            BlockOutcome::MissingParent | BlockOutcome::Invalid | BlockOutcome::MissingSidecars
        )
    }
}

/// A failure of ours, not of the peer: it never costs a peer score, and the range is
/// simply handed out again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum VerifierFault {
    /// The database failed.
    #[error("block verifier: storage failure")]
    Storage,
    /// The node is shutting down.
    #[error("block verifier: shutting down")]
    Shutdown,
    /// The verifier is overloaded; try later.
    #[error("block verifier: overloaded")]
    Overloaded,
    /// A block names a signer (a proposer index) that the verifier's registry does not
    /// hold yet, but that could have joined since the state the registry was read from:
    /// the registry must be refreshed before the block can be checked. The range is
    /// asked again later; nobody is blamed.
    #[error(
        "block verifier: the proposer {proposer_index} of slot {slot} is not in our registry yet ({validators} validators)"
    )]
    RegistryBehind {
        /// The block's slot.
        slot: Slot,
        /// The proposer it names.
        proposer_index: u64,
        /// How many validators the registry holds.
        validators: u64,
    },
    /// The verifier broke its contract (returned too few outcomes).
    #[error("block verifier: returned {got} outcomes for {expected} blocks without stopping")]
    IncompleteOutcomes {
        /// Outcomes returned.
        got: usize,
        /// Blocks given.
        expected: usize,
    },
}

/// Why [`BlockVerifier::verify_columns`] refused a set of columns.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ColumnRejection {
    /// These columns, named by `(slot, column index)`, failed verification (a bad
    /// inclusion proof, cell proof or header): the fault of whoever sent them.
    #[error("{} data column(s) failed verification, the first {:?}", bad.len(), bad.first())]
    Invalid {
        /// Every failed column, at least one.
        bad: Vec<(Slot, u64)>,
    },
    /// Our own failure: nobody's fault, the columns are asked again later.
    #[error(transparent)]
    Fault(#[from] VerifierFault),
}

/// Verifies and imports a whole response segment at once, so a real verifier can batch
/// its signature checks.
///
/// The segment comes in processing order: increasing slots when syncing forward,
/// decreasing slots when syncing backward (each block then proves its parent, the block
/// below). The verifier returns one outcome per block, in the same order, and may stop
/// after the first outcome for which [`BlockOutcome::stops_segment`] holds; the blocks
/// after it count as not processed. `maybe_finalized` says that the peer claims the whole
/// segment is finalized (the verifier may skip fork choice for it).
///
/// Data columns are checked earlier, by [`verify_columns`](Self::verify_columns), when
/// they arrive from their peers: a bad column is then blamed on the peer that sent it and
/// fetched again elsewhere, before its block's range reaches the queue. The columns in a
/// segment have passed that check; `verify_segment` still refuses a block whose columns
/// are missing ([`BlockOutcome::MissingSidecars`]).
pub trait BlockVerifier: Send + Sync + 'static {
    /// The block type.
    type Block: BlockView + Clone + Send + Sync + 'static;
    /// The blob sidecar type.
    type Sidecar: SidecarView + Send + Sync + 'static;
    /// The data column sidecar type.
    type Column: ColumnView + Send + Sync + 'static;

    /// Verify and import `segment`.
    fn verify_segment(
        &self,
        segment: Vec<BlockData<Self::Block, Self::Sidecar, Self::Column>>,
        maybe_finalized: bool,
    ) -> impl Future<Output = Result<Vec<BlockOutcome>, VerifierFault>> + Send;

    /// Verify the data columns of `blocks`: `columns[i]` are the columns of `blocks[i]`
    /// (grouped and checked by [`group_columns`](crate::group_columns)), for any number of
    /// peers' answers at once so that a real verifier checks all their cell proofs in one
    /// batch. Hands the columns back when every one is valid; otherwise names every bad
    /// one. Nothing is imported.
    fn verify_columns(
        &self,
        blocks: Vec<Self::Block>,
        columns: Vec<Vec<Self::Column>>,
    ) -> impl Future<Output = Result<Vec<Vec<Self::Column>>, ColumnRejection>> + Send;
}
