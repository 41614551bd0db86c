//! The `BlockVerifier` seam: where verified blocks leave the sync.

use std::future::Future;

use crate::view::{BlockData, BlockView, SidecarView};

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
    /// Its blob sidecars are missing or do not match it.
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
    /// The verifier broke its contract (returned too few outcomes).
    #[error("block verifier: returned {got} outcomes for {expected} blocks without stopping")]
    IncompleteOutcomes {
        /// Outcomes returned.
        got: usize,
        /// Blocks given.
        expected: usize,
    },
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
pub trait BlockVerifier: Send + Sync + 'static {
    /// The block type.
    type Block: BlockView + Send + Sync + 'static;
    /// The blob sidecar type.
    type Sidecar: SidecarView + Send + Sync + 'static;

    /// Verify and import `segment`.
    fn verify_segment(
        &self,
        segment: Vec<BlockData<Self::Block, Self::Sidecar>>,
        maybe_finalized: bool,
    ) -> impl Future<Output = Result<Vec<BlockOutcome>, VerifierFault>> + Send;
}
