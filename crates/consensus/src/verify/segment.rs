//! Verifying one response segment: cheap per-block checks first, then every proposer
//! signature in one BLS batch and every blob in one KZG batch, then the verdict cut at the
//! first failure.

use sync_types::{BlockData, BlockOutcome, Slot, VerifierFault};

use super::blobs::{check_blob_sidecars, check_data_column};
use super::data::DataNeeded;
use super::error::VerifyError;
use super::linkage::{Link, Linkage};
use super::proposers::Proposers;
use crate::block::Block;
use crate::bls::{self, BatchError, SignatureSet};
use crate::column::Column;
use crate::config::ChainConfig;
use crate::kzg;
use crate::sidecar::Sidecar;

/// The slot of the genesis block.
const GENESIS_SLOT: u64 = 0;

/// One block with its sidecars, as the sync hands it over.
pub type BlockAndSidecars = BlockData<Block, Sidecar, Column>;

/// What to do with a block whose proposer is not in the registry (a validator that joined
/// after the state the registry was read from).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UnknownProposers {
    /// Reject the block as invalid (right when the registry is complete, as on a devnet).
    #[default]
    Reject,
    /// Accept it on hash-chain linkage alone (right for backfill below a trusted anchor,
    /// where every block is vouched for by its child's parent root).
    AcceptOnLinkage,
    /// The registry was read from the state at `state_slot` and a newer one can be had:
    /// a proposer that could have joined since (at most
    /// [`MAX_REGISTRY_GROWTH_PER_SLOT`] validators per slot in between) makes the segment
    /// fail with [`VerifierFault::RegistryBehind`], blaming nobody, until the registry is
    /// refreshed; a proposer beyond that is the peer's fault, as with `Reject`. Right for
    /// forward sync from a checkpoint, where a block has no trusted descendant and
    /// accepting it on linkage would accept a chain anyone can forge.
    Refresh {
        /// The slot of the state the registry comes from.
        state_slot: u64,
    },
}

/// The most validators a registry can gain per slot: a block carries at most 16
/// deposits (`MAX_DEPOSITS`), and from Electra on at most 16 pending deposits are
/// applied per epoch (`MAX_PENDING_DEPOSITS_PER_EPOCH`).
pub const MAX_REGISTRY_GROWTH_PER_SLOT: u64 = 16;

/// Whether validator `index` could be in the registry at `slot` when there were
/// `validators` at `state_slot`.
pub fn could_have_joined(index: u64, validators: u64, slot: u64, state_slot: u64) -> bool {
    let growth = slot
        .saturating_sub(state_slot)
        .saturating_mul(MAX_REGISTRY_GROWTH_PER_SLOT);
    index < validators.saturating_add(growth)
}

/// What verification made of a segment.
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentReport {
    /// One outcome per processed block; stops after the first failing block.
    pub outcomes: Vec<BlockOutcome>,
    /// The failing block's position and why it failed.
    pub failure: Option<(usize, VerifyError)>,
    /// The chain's linkage after the accepted blocks.
    pub linkage: Linkage,
}

/// Everything a segment is checked against.
#[derive(Debug)]
pub struct SegmentContext<'a> {
    /// The chain.
    pub config: &'a ChainConfig,
    /// The validators' keys.
    pub proposers: &'a Proposers,
    /// Policy for proposers outside the registry.
    pub unknown_proposers: UnknownProposers,
    /// Which blocks must come with their blob data.
    pub data: DataNeeded,
}

/// Verifies `segment` (in processing order) against `linkage`.
///
/// # Errors
/// A [`VerifierFault`] when the fault is ours (the random number generator or the KZG
/// library failed); the peer is then not blamed.
pub fn check_segment(
    segment: &[BlockAndSidecars],
    context: &SegmentContext<'_>,
    linkage: &Linkage,
) -> Result<SegmentReport, VerifierFault> {
    let (candidates, mut failure) = structural_pass(segment, context, linkage);
    if let (
        Some((
            _,
            VerifyError::UnknownProposer {
                slot,
                proposer_index,
                validators,
            },
        )),
        UnknownProposers::Refresh { state_slot },
    ) = (&failure, context.unknown_proposers)
    {
        let validators = *validators as u64;
        if could_have_joined(*proposer_index, validators, *slot, state_slot) {
            return Err(VerifierFault::RegistryBehind {
                slot: Slot(*slot),
                proposer_index: *proposer_index,
                validators,
            });
        }
    }
    if let Some((at, error)) = &mut failure {
        blame_block_before_sidecars(segment, *at, error, context);
    }
    let mut cut = failure.as_ref().map_or(segment.len(), |(at, _)| *at);
    if let Some((at, error)) = signature_pass(segment, &candidates, cut, context)? {
        cut = at;
        failure = Some((at, error));
    }
    if let Some((at, error)) = kzg_pass(segment, &candidates, cut)? {
        cut = at;
        failure = Some((at, error));
    }
    let mut outcomes = Vec::with_capacity(cut + 1);
    let mut linkage = linkage.clone();
    for (position, data) in segment.iter().enumerate().take(cut) {
        if candidates.get(position).copied().flatten().is_some() {
            linkage.extend(&data.block);
            outcomes.push(BlockOutcome::Ok);
        } else {
            outcomes.push(BlockOutcome::Duplicate);
        }
    }
    if let Some((_, error)) = &failure {
        outcomes.push(error.outcome());
    }
    Ok(SegmentReport {
        outcomes,
        failure,
        linkage,
    })
}

/// Per block: `Some(must_check_signature)` for a block that extends the chain, `None` for
/// a duplicate; plus the first structural failure.
type Candidates = Vec<Option<bool>>;

fn structural_pass(
    segment: &[BlockAndSidecars],
    context: &SegmentContext<'_>,
    linkage: &Linkage,
) -> (Candidates, Option<(usize, VerifyError)>) {
    let mut speculative = linkage.clone();
    let mut candidates = Vec::with_capacity(segment.len());
    for (position, data) in segment.iter().enumerate() {
        match check_block(data, context, &speculative) {
            Ok(None) => candidates.push(None),
            Ok(Some(check_signature)) => {
                speculative.extend(&data.block);
                candidates.push(Some(check_signature));
            }
            Err(error) => return (candidates, Some((position, error))),
        }
    }
    (candidates, None)
}

/// The checks of one block that need no batching; `Ok(None)` for a known block.
fn check_block(
    data: &BlockAndSidecars,
    context: &SegmentContext<'_>,
    linkage: &Linkage,
) -> Result<Option<bool>, VerifyError> {
    let block = data.block.signed();
    let slot = block.slot();
    let epoch = context.config.slot_to_epoch(slot);
    let expected = context.config.fork_at_epoch(epoch);
    if block.fork() != expected {
        return Err(VerifyError::WrongFork {
            slot,
            got: block.fork(),
            expected,
        });
    }
    let max = context.config.max_blobs_per_block_at_epoch(epoch);
    let got = block.blob_kzg_commitments().len();
    if got as u64 > max {
        return Err(VerifyError::TooManyBlobs { slot, got, max });
    }
    match linkage.link(&data.block) {
        Link::Known => return Ok(None),
        Link::Detached => return Err(VerifyError::NotLinked { slot }),
        Link::Extends => {}
    }
    if slot == GENESIS_SLOT {
        // The genesis block is unsigned (every real one is). A block that extends the chain
        // at slot 0 has the very root its verified child names as parent, which is all the
        // trust a genesis block can have: it is accepted by that root, its zero signature
        // unchecked (checking it charged the honest peer, and backfill never ended).
        return Ok(Some(false));
    }
    if got > 0
        && data.sidecars.is_none()
        && data.columns.is_none()
        && context.data.at(context.config, slot)
    {
        let needed = if expected.has_data_columns() {
            "data columns"
        } else {
            "blob sidecars"
        };
        return Err(VerifyError::MissingData {
            slot,
            commitments: got,
            needed,
        });
    }
    if let Some(sidecars) = &data.sidecars {
        check_blob_sidecars(&data.block, sidecars)?;
    }
    if let Some(columns) = &data.columns {
        // Their cell proofs were verified when they arrived (`verify_columns`).
        let commitments = block.blob_kzg_commitments().len();
        if commitments > 0 && columns.is_empty() {
            return Err(VerifyError::SidecarCount {
                slot,
                got: 0,
                expected: commitments,
            });
        }
        for column in columns {
            check_data_column(&data.block, column.sidecar())?;
        }
    }
    let proposer_index = block.proposer_index();
    match (
        context.proposers.get(proposer_index),
        context.unknown_proposers,
    ) {
        (Some(_), _) => Ok(Some(true)),
        (None, UnknownProposers::AcceptOnLinkage) => Ok(Some(false)),
        (None, UnknownProposers::Reject | UnknownProposers::Refresh { .. }) => {
            Err(VerifyError::UnknownProposer {
                slot,
                proposer_index,
                validators: context.proposers.len(),
            })
        }
    }
}

/// A block whose sidecars do not match it may itself be the forgery (its body or its
/// signature changed, the sidecars left as they were): then the block's signature fails,
/// and that is the failure to report.
fn blame_block_before_sidecars(
    segment: &[BlockAndSidecars],
    at: usize,
    error: &mut VerifyError,
    context: &SegmentContext<'_>,
) {
    if error.outcome() != BlockOutcome::MissingSidecars {
        return;
    }
    let Some(data) = segment.get(at) else { return };
    let block = data.block.signed();
    let Some(pubkey) = context.proposers.get(block.proposer_index()) else {
        return;
    };
    let signing_root = context
        .config
        .proposer_signing_root(block.slot(), data.block.root());
    if !bls::verify_single(pubkey, signing_root, block.signature()) {
        *error = VerifyError::InvalidProposerSignature { slot: block.slot() };
    }
}

fn signature_pass(
    segment: &[BlockAndSidecars],
    candidates: &Candidates,
    cut: usize,
    context: &SegmentContext<'_>,
) -> Result<Option<(usize, VerifyError)>, VerifierFault> {
    let mut sets = Vec::new();
    let mut owners = Vec::new();
    for (position, data) in segment.iter().enumerate().take(cut) {
        if candidates.get(position).copied().flatten() != Some(true) {
            continue;
        }
        let block = data.block.signed();
        let Some(pubkey) = context.proposers.get(block.proposer_index()) else {
            continue;
        };
        sets.push(SignatureSet {
            pubkey,
            signing_root: context
                .config
                .proposer_signing_root(block.slot(), data.block.root()),
            signature: block.signature(),
        });
        owners.push(position);
    }
    match bls::verify_signature_sets(&sets) {
        Ok(()) => Ok(None),
        Err(BatchError::Invalid { indices }) => Ok(indices
            .first()
            .and_then(|first| owners.get(*first))
            .and_then(|position| segment.get(*position).map(|data| (*position, data)))
            .map(|(position, data)| {
                let slot = data.block.signed().slot();
                (position, VerifyError::InvalidProposerSignature { slot })
            })),
        Err(BatchError::Randomness { .. }) => Err(VerifierFault::Overloaded),
    }
}

fn kzg_pass(
    segment: &[BlockAndSidecars],
    candidates: &Candidates,
    cut: usize,
) -> Result<Option<(usize, VerifyError)>, VerifierFault> {
    let mut blobs = Vec::new();
    let mut commitments = Vec::new();
    let mut proofs = Vec::new();
    let mut owners = Vec::new();
    for (position, data) in segment.iter().enumerate().take(cut) {
        if candidates.get(position).copied().flatten().is_none() {
            continue;
        }
        for sidecar in data.sidecars.iter().flatten() {
            let sidecar = sidecar.sidecar();
            blobs.push(&sidecar.blob);
            commitments.push(sidecar.kzg_commitment);
            proofs.push(sidecar.kzg_proof);
            owners.push((position, sidecar.index));
        }
    }
    if blobs.is_empty() {
        return Ok(None);
    }
    match kzg::verify_blob_proofs(&blobs, &commitments, &proofs) {
        Ok(()) => Ok(None),
        Err(error) if error.is_invalid_data() => {
            let first = error
                .invalid_indices()
                .and_then(|bad| bad.first())
                .copied()
                .unwrap_or(0);
            Ok(owners.get(first).and_then(|(position, index)| {
                let slot = segment.get(*position)?.block.signed().slot();
                Some((
                    *position,
                    VerifyError::KzgProofInvalid {
                        slot,
                        index: *index,
                    },
                ))
            }))
        }
        Err(_) => Err(VerifierFault::Overloaded),
    }
}
