//! Block verification without a state transition, as the `sync-types` [`BlockVerifier`].
//!
//! What is verified (DESIGN.md, "Verification in the bundled node"):
//! - the hash chain from a trusted anchor, forward (parent roots) or backward (each block
//!   is the parent its child names) — see [`linkage`];
//! - the fork: a block's layout must be the fork scheduled at its slot;
//! - proposer signatures, batch-verified with blst against the registry's keys (the
//!   genesis block, unsigned in every chain, is accepted by the root its child names);
//! - blob sidecars against their block: header and signature, commitment, inclusion proof,
//!   and KZG proofs batch-verified (one batch per segment);
//! - that a block with blob commitments came with its data at all, as the verifier's
//!   [`DataRequirement`] asks (by default every such block must).
//!
//! What is not: state roots, attestations, execution payloads (no state transition). A
//! client with a full state transition plugs its own verifier in instead.
//!
//! The work runs on tokio's blocking pool when called inside a runtime, so BLS and KZG do
//! not stall the sync's tasks. Verified blocks go to an [`ImportSink`] before they count as
//! imported: if the sink fails, the segment is a [`VerifierFault::Storage`] and the anchor
//! does not move.

pub mod blobs;
pub mod columns;
pub mod data;
pub mod error;
pub mod linkage;
pub mod proposers;
pub mod segment;

use std::sync::{Arc, Mutex, RwLock};

use sync_types::lock::{lock, read, write};

use sync_types::{BlockOutcome, BlockVerifier, ColumnRejection, VerifierFault};

pub use self::data::{DataNeeded, DataRequirement, WallSlot};
pub use self::error::VerifyError;
pub use self::linkage::{Anchor, Linkage};
pub use self::proposers::Proposers;
pub use self::segment::{
    BlockAndSidecars, MAX_REGISTRY_GROWTH_PER_SLOT, SegmentContext, SegmentReport,
    UnknownProposers, check_segment, could_have_joined,
};
use crate::block::Block;
use crate::column::Column;
use crate::config::ChainConfig;
use crate::sidecar::Sidecar;

/// Where verified blocks go: a store commits them (atomically) before they count.
pub trait ImportSink: Send + Sync + 'static {
    /// Persists `blocks`, all verified, in processing order, together with the anchor the
    /// chain has after them.
    ///
    /// # Errors
    /// A [`VerifierFault`] (usually `Storage`) when they could not be kept.
    fn import(&self, blocks: &[BlockAndSidecars], anchor: Anchor) -> Result<(), VerifierFault>;
}

/// Keeps nothing (tests, benchmarks, a dry run).
impl ImportSink for () {
    fn import(&self, _: &[BlockAndSidecars], _: Anchor) -> Result<(), VerifierFault> {
        Ok(())
    }
}

/// The bundled node's block verifier.
#[derive(Debug)]
pub struct ChainVerifier<S = ()> {
    shared: Arc<Shared<S>>,
}

impl<S> Clone for ChainVerifier<S> {
    fn clone(&self) -> Self {
        ChainVerifier {
            shared: Arc::clone(&self.shared),
        }
    }
}

#[derive(Debug)]
struct Shared<S> {
    config: ChainConfig,
    registry: RwLock<Registry>,
    sink: S,
    state: Mutex<VerifierState>,
}

/// The validators' keys and the policy for proposers outside them.
#[derive(Clone, Debug)]
struct Registry {
    proposers: Proposers,
    unknown_proposers: UnknownProposers,
    /// Which blocks must come with their blob data.
    data: DataRequirement,
    /// The slot of the first block that needed a newer registry, until one comes.
    wanted: Option<u64>,
}

/// Why [`ChainVerifier::update_registry`] refused a registry.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// It does not start with the registry in use: not a later state of this chain.
    #[error("the new registry ({got} validators) does not extend ours ({ours} validators)")]
    NotAnExtension {
        /// Its size.
        got: usize,
        /// Ours.
        ours: usize,
    },
}

#[derive(Debug)]
struct VerifierState {
    linkage: Linkage,
    last_failure: Option<VerifyError>,
}

impl<S: ImportSink> ChainVerifier<S> {
    /// A verifier that extends the chain from `anchor`, checking signatures against
    /// `proposers`, and hands verified blocks to `sink`.
    pub fn new(config: ChainConfig, proposers: Proposers, anchor: Anchor, sink: S) -> Self {
        let state = VerifierState {
            linkage: Linkage::new(anchor),
            last_failure: None,
        };
        ChainVerifier {
            shared: Arc::new(Shared {
                config,
                registry: RwLock::new(Registry {
                    proposers,
                    unknown_proposers: UnknownProposers::default(),
                    data: DataRequirement::default(),
                    wanted: None,
                }),
                sink,
                state: Mutex::new(state),
            }),
        }
    }

    /// Sets the policy for proposers outside the registry.
    #[must_use]
    pub fn with_unknown_proposers(self, policy: UnknownProposers) -> Self {
        write(&self.shared.registry).unknown_proposers = policy;
        self
    }

    /// Sets which blocks must come with their blob data (default
    /// [`DataRequirement::Always`]: a block with commitments but no sidecars or columns
    /// fails with [`VerifyError::MissingData`]).
    #[must_use]
    pub fn with_data_requirement(self, data: DataRequirement) -> Self {
        write(&self.shared.registry).data = data;
        self
    }

    /// The slot of a block whose proposer is not in the registry yet but could have
    /// joined since (see [`UnknownProposers::Refresh`]): a newer registry is wanted.
    pub fn registry_wanted(&self) -> Option<u64> {
        read(&self.shared.registry).wanted
    }

    /// How many validators the registry holds.
    pub fn registry_len(&self) -> usize {
        read(&self.shared.registry).proposers.len()
    }

    /// Replaces the registry with `proposers`, read from the state at `state_slot`
    /// (a [`UnknownProposers::Refresh`] policy moves to that slot).
    ///
    /// # Errors
    /// [`RegistryError::NotAnExtension`] unless `proposers` starts with the registry in
    /// use; nothing changes then.
    pub fn update_registry(
        &self,
        proposers: Proposers,
        state_slot: u64,
    ) -> Result<(), RegistryError> {
        let mut registry = write(&self.shared.registry);
        if !proposers.extends(&registry.proposers) {
            return Err(RegistryError::NotAnExtension {
                got: proposers.len(),
                ours: registry.proposers.len(),
            });
        }
        registry.proposers = proposers;
        if let UnknownProposers::Refresh { .. } = registry.unknown_proposers {
            registry.unknown_proposers = UnknownProposers::Refresh { state_slot };
        }
        registry.wanted = None;
        Ok(())
    }

    /// The current anchor of the verified chain.
    pub fn anchor(&self) -> Anchor {
        self.lock().linkage.anchor()
    }

    /// Why the last failing segment failed, if one did.
    pub fn last_failure(&self) -> Option<VerifyError> {
        self.lock().last_failure.clone()
    }

    /// Verifies and imports `segment` on the calling thread.
    ///
    /// # Errors
    /// A [`VerifierFault`] when the fault is ours (see [`check_segment`]) or the sink
    /// failed; nothing moves then.
    pub fn verify_blocking(
        &self,
        segment: &[BlockAndSidecars],
    ) -> Result<SegmentReport, VerifierFault> {
        self.shared.verify(segment)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VerifierState> {
        lock(&self.shared.state)
    }
}

impl<S: ImportSink> Shared<S> {
    fn verify(&self, segment: &[BlockAndSidecars]) -> Result<SegmentReport, VerifierFault> {
        // Held for the whole segment: segments are verified one at a time, in order.
        let mut state = lock(&self.state);
        let registry = read(&self.registry).clone();
        let context = SegmentContext {
            config: &self.config,
            proposers: &registry.proposers,
            unknown_proposers: registry.unknown_proposers,
            data: registry.data.resolve(),
        };
        let report = match check_segment(segment, &context, &state.linkage) {
            Err(fault @ VerifierFault::RegistryBehind { slot, .. }) => {
                let mut registry = write(&self.registry);
                registry.wanted = Some(registry.wanted.map_or(slot.0, |w| w.min(slot.0)));
                return Err(fault);
            }
            other => other?,
        };
        let accepted: Vec<BlockAndSidecars> = segment
            .iter()
            .zip(&report.outcomes)
            .filter(|(_, outcome)| **outcome == BlockOutcome::Ok)
            .map(|(data, _)| data.clone())
            .collect();
        if !accepted.is_empty() {
            self.sink.import(&accepted, report.linkage.anchor())?;
        }
        state.linkage = report.linkage.clone();
        state.last_failure = report.failure.as_ref().map(|(_, error)| error.clone());
        Ok(report)
    }
}

impl<S: ImportSink> BlockVerifier for ChainVerifier<S> {
    type Block = Block;
    type Sidecar = Sidecar;
    type Column = Column;

    async fn verify_segment(
        &self,
        segment: Vec<BlockAndSidecars>,
        _maybe_finalized: bool,
    ) -> Result<Vec<BlockOutcome>, VerifierFault> {
        let shared = Arc::clone(&self.shared);
        off_the_runtime(move || shared.verify(&segment).map(|report| report.outcomes)).await
    }

    async fn verify_columns(
        &self,
        blocks: Vec<Block>,
        columns: Vec<Vec<Column>>,
    ) -> Result<Vec<Vec<Column>>, ColumnRejection> {
        let work = move || Ok(columns::verify_columns(&blocks, &columns).map(|()| columns));
        off_the_runtime(work).await?
    }
}

/// Runs `work` on tokio's blocking pool when inside a runtime (BLS and KZG must not stall
/// the sync's tasks), or right here outside one.
async fn off_the_runtime<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, VerifierFault> + Send + 'static,
) -> Result<T, VerifierFault> {
    if tokio::runtime::Handle::try_current().is_err() {
        return work();
    }
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(_) => Err(VerifierFault::Shutdown),
    }
}
