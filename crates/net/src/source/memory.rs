//! [`MemorySource`]: an in-memory chain of verified blocks, blob sidecars and data columns.

use std::collections::{BTreeMap, HashMap};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use bytes::Bytes;
use consensus::containers::{BlobIdentifier, Checkpoint, DataColumnsByRootIdentifier};
use consensus::devnet::Devnet;
use consensus::primitives::Hash256;
use consensus::{Block, Column, Fork, Sidecar};

use super::{BlockBytes, ChainInfo, ChainSource, SidecarBytes, SourceError};

#[derive(Clone, Debug)]
struct StoredBlock {
    root: Hash256,
    fork: Fork,
    ssz: Bytes,
}

#[derive(Debug, Default)]
struct MemoryChain {
    /// The canonical chain, by slot.
    blocks: BTreeMap<u64, StoredBlock>,
    slot_of_root: HashMap<Hash256, u64>,
    /// By (slot, index): the block root and the SSZ.
    sidecars: ItemsBySlot,
    /// Data columns by (slot, column index): the block root and the SSZ.
    columns: ItemsBySlot,
    finalized: Checkpoint,
    earliest_available_slot: u64,
}

/// An in-memory [`ChainSource`]: blocks and blob sidecars that were verified elsewhere,
/// kept as SSZ. `Send + Sync`; feed it while it serves.
///
/// The chain is the blocks inserted, one per slot (inserting a block at a taken slot
/// replaces the old one, a reorg); the head is the block at the highest slot. The
/// finalized checkpoint starts at epoch 0 with a zero root (genesis, as the spec's
/// status says) until [`MemorySource::set_finalized`].
#[derive(Debug, Default)]
pub struct MemorySource {
    chain: RwLock<MemoryChain>,
}

impl MemorySource {
    /// A source holding only `genesis` (its earliest available slot is the block's slot).
    pub fn new(genesis: &Block) -> MemorySource {
        let source = MemorySource::default();
        source.write().earliest_available_slot = genesis.signed().slot();
        source.insert_block(genesis);
        source
    }

    /// A source with a whole devnet: its genesis block, every block and, before Fulu,
    /// every blob sidecar (built now: 128 KiB each). Blob data is served only inside the
    /// retention window of the node's clock: serve an old devnet with a
    /// [`ManualClock`](crate::ManualClock) near its head.
    pub fn from_devnet(devnet: &Devnet) -> MemorySource {
        let source = MemorySource::new(devnet.genesis_block());
        for (index, block) in devnet.blocks().iter().enumerate() {
            source.insert_block(block);
            if let Some(sidecars) = devnet.sidecars_for(index) {
                source.insert_sidecars(&sidecars);
            }
        }
        source
    }

    fn read(&self) -> RwLockReadGuard<'_, MemoryChain> {
        // Writers only insert whole entries; a panic elsewhere cannot leave half of one.
        sync_types::lock::read(&self.chain)
    }

    fn write(&self) -> RwLockWriteGuard<'_, MemoryChain> {
        sync_types::lock::write(&self.chain)
    }

    /// Adds a verified block to the chain (replacing the block at its slot, if any).
    pub fn insert_block(&self, block: &Block) {
        let slot = block.signed().slot();
        let stored = StoredBlock {
            root: block.root(),
            fork: block.signed().fork(),
            ssz: Bytes::from(block.signed().as_ssz_bytes()),
        };
        let mut chain = self.write();
        chain.slot_of_root.insert(stored.root, slot);
        if let Some(old) = chain.blocks.insert(slot, stored) {
            chain.slot_of_root.remove(&old.root);
        }
    }

    /// Adds verified blob sidecars.
    pub fn insert_sidecars(&self, sidecars: &[Sidecar]) {
        let mut chain = self.write();
        for sidecar in sidecars {
            let slot = sidecar.sidecar().signed_block_header.message.slot;
            let ssz = Bytes::from(sidecar.as_ssz_bytes());
            chain
                .sidecars
                .insert((slot, sidecar.sidecar().index), (sidecar.block_root(), ssz));
        }
    }

    /// Adds verified data column sidecars.
    pub fn insert_columns(&self, columns: &[Column]) {
        let mut chain = self.write();
        for column in columns {
            let slot = column.sidecar().signed_block_header.message.slot;
            let ssz = Bytes::from(column.as_ssz_bytes());
            chain
                .columns
                .insert((slot, column.sidecar().index), (column.block_root(), ssz));
        }
    }

    /// Sets the finalized checkpoint our status reports.
    pub fn set_finalized(&self, checkpoint: Checkpoint) {
        self.write().finalized = checkpoint;
    }

    /// Sets the earliest slot our status reports as available.
    pub fn set_earliest_available_slot(&self, slot: u64) {
        self.write().earliest_available_slot = slot;
    }

    /// The number of blocks held.
    pub fn len(&self) -> usize {
        self.read().blocks.len()
    }

    /// Whether no block is held.
    pub fn is_empty(&self) -> bool {
        self.read().blocks.is_empty()
    }
}

fn end_slot(start_slot: u64, count: u64) -> u64 {
    start_slot.saturating_add(count)
}

/// Sidecars or columns by (slot, index): the block root each names and its SSZ.
type ItemsBySlot = BTreeMap<(u64, u64), (Hash256, Bytes)>;

impl MemoryChain {
    /// The items of `items` in slots `start_slot .. start_slot + count` whose index
    /// `wanted` accepts and that belong to the canonical block of their slot, in (slot,
    /// index) order, at most `limit`.
    fn canonical_items(
        &self,
        items: &ItemsBySlot,
        start_slot: u64,
        count: u64,
        wanted: impl Fn(u64) -> bool,
        limit: usize,
    ) -> Vec<SidecarBytes> {
        let end = end_slot(start_slot, count);
        items
            .range((start_slot, 0)..(end, 0))
            .filter(|((slot, index), (root, _))| {
                wanted(*index) && self.blocks.get(slot).is_some_and(|b| b.root == *root)
            })
            .take(limit)
            .map(|((slot, _), (_, ssz))| SidecarBytes {
                slot: *slot,
                ssz: ssz.clone(),
            })
            .collect()
    }
}

impl ChainSource for MemorySource {
    fn chain_info(&self) -> ChainInfo {
        let chain = self.read();
        let (head_slot, head_root) = chain
            .blocks
            .last_key_value()
            .map_or((0, Hash256::ZERO), |(slot, block)| (*slot, block.root));
        ChainInfo {
            finalized: chain.finalized,
            head_root,
            head_slot,
            earliest_available_slot: chain.earliest_available_slot,
        }
    }

    fn block_root_at_slot(&self, slot: u64) -> Option<Hash256> {
        let chain = self.read();
        chain.blocks.range(..=slot).next_back().map(|(_, b)| b.root)
    }

    fn blocks_by_range(
        &self,
        start_slot: u64,
        count: u64,
        limit: usize,
    ) -> Result<Vec<BlockBytes>, SourceError> {
        let chain = self.read();
        Ok(chain
            .blocks
            .range(start_slot..end_slot(start_slot, count))
            .take(limit)
            .map(|(slot, block)| BlockBytes {
                slot: *slot,
                fork: block.fork,
                ssz: block.ssz.clone(),
            })
            .collect())
    }

    fn blocks_by_root(
        &self,
        roots: &[Hash256],
        limit: usize,
    ) -> Result<Vec<BlockBytes>, SourceError> {
        let chain = self.read();
        Ok(roots
            .iter()
            .filter_map(|root| {
                let slot = *chain.slot_of_root.get(root)?;
                let block = chain.blocks.get(&slot)?;
                Some(BlockBytes {
                    slot,
                    fork: block.fork,
                    ssz: block.ssz.clone(),
                })
            })
            .take(limit)
            .collect())
    }

    fn blob_sidecars_by_range(
        &self,
        start_slot: u64,
        count: u64,
        limit: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError> {
        let chain = self.read();
        Ok(chain.canonical_items(&chain.sidecars, start_slot, count, |_| true, limit))
    }

    fn blob_sidecars_by_root(
        &self,
        ids: &[BlobIdentifier],
        limit: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError> {
        let chain = self.read();
        Ok(ids
            .iter()
            .filter_map(|id| {
                let slot = *chain.slot_of_root.get(&id.block_root)?;
                let (root, ssz) = chain.sidecars.get(&(slot, id.index))?;
                (*root == id.block_root).then(|| SidecarBytes {
                    slot,
                    ssz: ssz.clone(),
                })
            })
            .take(limit)
            .collect())
    }

    fn data_column_sidecars_by_range(
        &self,
        start_slot: u64,
        count: u64,
        columns: &[u64],
        limit: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError> {
        let chain = self.read();
        let wanted = |index: u64| columns.contains(&index);
        Ok(chain.canonical_items(&chain.columns, start_slot, count, wanted, limit))
    }

    fn data_column_sidecars_by_root(
        &self,
        ids: &[DataColumnsByRootIdentifier],
        limit: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError> {
        let chain = self.read();
        Ok(ids
            .iter()
            .flat_map(|id| id.columns.iter().map(move |index| (id.block_root, *index)))
            .filter_map(|(block_root, index)| {
                let slot = *chain.slot_of_root.get(&block_root)?;
                let (root, ssz) = chain.columns.get(&(slot, index))?;
                (*root == block_root).then(|| SidecarBytes {
                    slot,
                    ssz: ssz.clone(),
                })
            })
            .take(limit)
            .collect())
    }
}
