//! A verifier that follows the hash chain.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex, MutexGuard},
};

use super::chain::{TestBlock, TestColumn, TestSidecar, is_invalid_root};
use crate::{
    column::ColumnSet,
    slot::{Root, Slot, SyncDirection},
    verifier::{BlockOutcome, BlockVerifier, ColumnRejection, VerifierFault},
    view::BlockData,
};

/// A [`BlockVerifier`] over [`TestBlock`]s; clones share state.
///
/// Forward, a block is `Ok` when its parent is known, `Duplicate` when it is known
/// itself, `MissingParent` otherwise. Backward (backfill), a block is `Ok` when its root is
/// the parent root of the lowest block verified so far (the anchor at first). A block
/// whose sidecars are given but do not match its commitments is `MissingSidecars`, and so
/// is a block with blobs whose columns are given but empty or name another block.
/// [`verify_columns`](BlockVerifier::verify_columns) rejects the columns whose
/// [`proofs_valid`](TestColumn::proofs_valid) is false.
/// Before all of these, a block whose root is marked by
/// [`invalid_root`](super::invalid_root) is `Invalid` (it fails verification whatever
/// its parent). Scripted outcomes per slot and one-off faults override everything.
#[derive(Clone, Debug)]
pub struct ChainVerifier {
    direction: SyncDirection,
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    known: HashSet<Root>,
    /// Backward: the root the next verified block must have.
    expected: Option<Root>,
    imported: Vec<Slot>,
    presented: Vec<Slot>,
    scripted: HashMap<Slot, BlockOutcome>,
    faults: Vec<VerifierFault>,
    calls: usize,
    maybe_finalized_calls: usize,
    columns_verified: usize,
    imported_columns: HashMap<Slot, ColumnSet>,
}

impl ChainVerifier {
    /// Forward verifier that knows `anchor` (the genesis block, say).
    pub fn forward(anchor: &TestBlock) -> Self {
        let mut state = State::default();
        state.known.insert(anchor.root);
        ChainVerifier {
            direction: SyncDirection::Forward,
            state: Arc::new(Mutex::new(state)),
        }
    }

    /// Backward verifier that knows `anchor` and wants its parent next.
    pub fn backward(anchor: &TestBlock) -> Self {
        let mut state = State::default();
        state.known.insert(anchor.root);
        state.expected = Some(anchor.parent_root);
        ChainVerifier {
            direction: SyncDirection::Backward,
            state: Arc::new(Mutex::new(state)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        crate::lock::lock(&self.state)
    }

    /// Always answer `outcome` for the block at `slot`.
    pub fn script(&self, slot: Slot, outcome: BlockOutcome) {
        self.lock().scripted.insert(slot, outcome);
    }

    /// Stop answering a scripted outcome for `slot`.
    pub fn unscript(&self, slot: Slot) {
        self.lock().scripted.remove(&slot);
    }

    /// Fail the next call with `fault` (queued; one call each).
    pub fn fail_next(&self, fault: VerifierFault) {
        self.lock().faults.push(fault);
    }

    /// Slots of imported (`Ok`) blocks, in import order.
    pub fn imported(&self) -> Vec<Slot> {
        self.lock().imported.clone()
    }

    /// Slots of every block handed to the verifier, in order.
    pub fn presented(&self) -> Vec<Slot> {
        self.lock().presented.clone()
    }

    /// How many segments were verified.
    pub fn calls(&self) -> usize {
        self.lock().calls
    }

    /// The columns each imported block came with, by slot (blocks imported without
    /// columns are absent).
    pub fn imported_columns(&self) -> HashMap<Slot, ColumnSet> {
        self.lock().imported_columns.clone()
    }

    /// How many columns passed [`verify_columns`](BlockVerifier::verify_columns).
    pub fn columns_verified(&self) -> usize {
        self.lock().columns_verified
    }

    /// How many segments came with `maybe_finalized` set.
    pub fn maybe_finalized_calls(&self) -> usize {
        self.lock().maybe_finalized_calls
    }

    fn judge(
        state: &mut State,
        direction: SyncDirection,
        data: &BlockData<TestBlock, TestSidecar, TestColumn>,
    ) -> BlockOutcome {
        let b = &data.block;
        if let Some(outcome) = state.scripted.get(&b.slot) {
            return *outcome;
        }
        if is_invalid_root(&b.root) {
            return BlockOutcome::Invalid;
        }
        if let Some(sidecars) = &data.sidecars
            && (sidecars.len() as u64 != b.blobs || sidecars.iter().any(|s| s.block_root != b.root))
        {
            return BlockOutcome::MissingSidecars;
        }
        if let Some(columns) = &data.columns
            && ((b.blobs > 0 && columns.is_empty())
                || columns.iter().any(|c| c.block_root != b.root))
        {
            return BlockOutcome::MissingSidecars;
        }
        if state.known.contains(&b.root) {
            return BlockOutcome::Duplicate;
        }
        let linked = match direction {
            SyncDirection::Forward => state.known.contains(&b.parent_root),
            SyncDirection::Backward => state.expected == Some(b.root),
        };
        if !linked {
            return BlockOutcome::MissingParent;
        }
        state.known.insert(b.root);
        state.imported.push(b.slot);
        if let Some(columns) = &data.columns {
            let set = columns.iter().map(|c| c.index).collect();
            state.imported_columns.insert(b.slot, set);
        }
        if direction == SyncDirection::Backward {
            state.expected = Some(b.parent_root);
        }
        BlockOutcome::Ok
    }
}

impl BlockVerifier for ChainVerifier {
    type Block = TestBlock;
    type Sidecar = TestSidecar;
    type Column = TestColumn;

    async fn verify_columns(
        &self,
        _blocks: Vec<TestBlock>,
        columns: Vec<Vec<TestColumn>>,
    ) -> Result<Vec<Vec<TestColumn>>, ColumnRejection> {
        let bad: Vec<(Slot, u64)> = columns
            .iter()
            .flatten()
            .filter(|c| !c.proofs_valid)
            .map(|c| (c.slot, c.index))
            .collect();
        if !bad.is_empty() {
            return Err(ColumnRejection::Invalid { bad });
        }
        self.lock().columns_verified += columns.iter().map(Vec::len).sum::<usize>();
        Ok(columns)
    }

    async fn verify_segment(
        &self,
        segment: Vec<BlockData<TestBlock, TestSidecar, TestColumn>>,
        maybe_finalized: bool,
    ) -> Result<Vec<BlockOutcome>, VerifierFault> {
        let mut state = self.lock();
        state.calls += 1;
        state.maybe_finalized_calls += usize::from(maybe_finalized);
        if !state.faults.is_empty() {
            return Err(state.faults.remove(0));
        }
        let mut outcomes = Vec::with_capacity(segment.len());
        for data in &segment {
            state.presented.push(data.block.slot);
            let outcome = Self::judge(&mut state, self.direction, data);
            outcomes.push(outcome);
            if outcome.stops_segment() {
                break;
            }
        }
        Ok(outcomes)
    }
}
