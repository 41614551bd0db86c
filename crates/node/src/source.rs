//! [`StoreSource`]: what the node serves to its peers, read from the [`Store`].
//!
//! Our status (chain info) comes from the anchors the sink publishes, never from the
//! database, so the swarm task that answers a Status never waits on a disk read. Block and
//! sidecar reads run where the server calls them: on tokio's blocking pool.

use std::sync::Arc;

use bytes::Bytes;
use consensus::containers::{BlobIdentifier, DataColumnsByRootIdentifier};
use consensus::primitives::Hash256;
use net::{BlockBytes, ChainInfo, ChainSource, SidecarBytes, SourceError};
use store::{Store, StoreError};
use tokio::sync::watch;

use crate::chain::NodeChain;

/// A [`ChainSource`] over a store and the anchors published for it.
#[derive(Clone, Debug)]
pub struct StoreSource {
    store: Arc<Store>,
    chain: Arc<NodeChain>,
    anchor_data: Option<watch::Receiver<bool>>,
}

impl StoreSource {
    /// Serves `store`, whose committed anchors `chain` publishes.
    pub fn new(store: Arc<Store>, chain: Arc<NodeChain>) -> StoreSource {
        StoreSource {
            store,
            chain,
            anchor_data: None,
        }
    }

    /// Follows whether the trusted anchor holds its blob data yet: until it does, the
    /// earliest available slot our status names is above the anchor, since a peer may
    /// not ask us for its sidecars or columns.
    #[must_use]
    pub fn with_anchor_data(self, complete: watch::Receiver<bool>) -> StoreSource {
        StoreSource {
            anchor_data: Some(complete),
            ..self
        }
    }
}

fn source_error(error: StoreError) -> SourceError {
    SourceError {
        source: Box::new(error),
    }
}

impl ChainSource for StoreSource {
    fn chain_info(&self) -> ChainInfo {
        let anchors = self.chain.anchors();
        let mut earliest_available_slot = anchors.earliest_available_slot;
        if self
            .anchor_data
            .as_ref()
            .is_some_and(|done| !*done.borrow())
        {
            let above_anchor = anchors.trusted.slot.saturating_add(1);
            earliest_available_slot = earliest_available_slot.max(above_anchor);
        }
        ChainInfo {
            finalized: self.chain.finalized(),
            head_root: anchors.head.root,
            head_slot: anchors.head.slot,
            earliest_available_slot,
        }
    }

    fn block_root_at_slot(&self, slot: u64) -> Option<Hash256> {
        match self.store.block_at_or_before(slot) {
            Ok(found) => found.map(|id| id.root),
            Err(error) => {
                tracing::warn!(target: "node::serve", %error, slot, "cannot read the block at a slot");
                None
            }
        }
    }

    fn blocks_by_range(
        &self,
        start_slot: u64,
        count: u64,
        limit: usize,
    ) -> Result<Vec<BlockBytes>, SourceError> {
        let blocks = self
            .store
            .blocks_ssz_by_range_within(start_slot, count, limit, usize::MAX)
            .map_err(source_error)?;
        Ok(blocks
            .items
            .into_iter()
            .map(|b| BlockBytes {
                slot: b.id.slot,
                fork: b.fork,
                ssz: Bytes::from(b.ssz),
            })
            .collect())
    }

    fn blocks_by_root(
        &self,
        roots: &[Hash256],
        limit: usize,
    ) -> Result<Vec<BlockBytes>, SourceError> {
        let mut out = Vec::new();
        for root in roots {
            if out.len() >= limit {
                break;
            }
            if let Some(b) = self.store.block_ssz_by_root(*root).map_err(source_error)? {
                out.push(BlockBytes {
                    slot: b.id.slot,
                    fork: b.fork,
                    ssz: Bytes::from(b.ssz),
                });
            }
        }
        Ok(out)
    }

    fn blob_sidecars_by_range(
        &self,
        start_slot: u64,
        count: u64,
        limit: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError> {
        let sidecars = self
            .store
            .blob_sidecars_ssz_by_range_within(start_slot, count, limit, usize::MAX)
            .map_err(source_error)?;
        Ok(sidecars
            .items
            .into_iter()
            .map(|s| SidecarBytes {
                slot: s.block.slot,
                ssz: Bytes::from(s.ssz),
            })
            .collect())
    }

    fn blob_sidecars_by_root(
        &self,
        ids: &[BlobIdentifier],
        limit: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError> {
        let mut out = Vec::new();
        for id in ids {
            if out.len() >= limit {
                break;
            }
            let found = self
                .store
                .sidecar(id.block_root, id.index)
                .map_err(source_error)?;
            if let Some(sidecar) = found {
                out.push(SidecarBytes {
                    slot: sidecar.sidecar().signed_block_header.message.slot,
                    ssz: Bytes::from(sidecar.as_ssz_bytes()),
                });
            }
        }
        Ok(out)
    }

    fn data_column_sidecars_by_range(
        &self,
        start_slot: u64,
        count: u64,
        columns: &[u64],
        limit: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError> {
        let page = self
            .store
            .data_column_sidecars_ssz_by_range_within(start_slot, count, columns, limit, usize::MAX)
            .map_err(source_error)?;
        Ok(page
            .items
            .into_iter()
            .map(|c| SidecarBytes {
                slot: c.block.slot,
                ssz: Bytes::from(c.ssz),
            })
            .collect())
    }

    fn data_column_sidecars_by_root(
        &self,
        ids: &[DataColumnsByRootIdentifier],
        limit: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError> {
        let mut out = Vec::new();
        for (root, index) in ids
            .iter()
            .flat_map(|id| id.columns.iter().map(move |index| (id.block_root, *index)))
        {
            if out.len() >= limit {
                break;
            }
            if let Some(column) = self.store.column(root, index).map_err(source_error)? {
                out.push(SidecarBytes {
                    slot: column.sidecar().signed_block_header.message.slot,
                    ssz: Bytes::from(column.as_ssz_bytes()),
                });
            }
        }
        Ok(out)
    }
}
