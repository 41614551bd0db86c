//! The `ChainSource` seam fits the `store` crate: a devnet committed to a store is served
//! through a small newtype adapter, and a client receives exactly the chain.

mod support;

use std::sync::Arc;

use bytes::Bytes;
use consensus::containers::{BlobIdentifier, Checkpoint, DataColumnsByRootIdentifier};
use consensus::primitives::Hash256;
use consensus::verify::Anchor;
use net::{BlockBytes, ChainInfo, ChainSource, NetConfig, SidecarBytes, SourceError};
use store::Store;
use support::{clock_after_head, connect, devnet_client, electra_devnet, start_node};
use sync_types::{Slot, SyncPeer, SyncRange};

/// How far back `block_root_at_slot` looks for the last block before an empty slot.
const LOOK_BACK_SLOTS: u64 = 64;

struct StoreSource(Store);

fn source_error(error: store::StoreError) -> SourceError {
    SourceError {
        source: Box::new(error),
    }
}

impl ChainSource for StoreSource {
    fn chain_info(&self) -> ChainInfo {
        let anchors = self.0.anchors().ok().flatten();
        ChainInfo {
            finalized: Checkpoint {
                epoch: 0,
                root: Hash256::ZERO,
            },
            head_root: anchors.map_or(Hash256::ZERO, |a| a.head.root),
            head_slot: anchors.map_or(0, |a| a.head.slot),
            earliest_available_slot: anchors.map_or(0, |a| a.earliest_available_slot),
        }
    }

    fn block_root_at_slot(&self, slot: u64) -> Option<Hash256> {
        (0..=LOOK_BACK_SLOTS.min(slot))
            .find_map(|back| self.0.block_root_at(slot - back).ok().flatten())
    }

    fn blocks_by_range(
        &self,
        start: u64,
        count: u64,
        limit: usize,
    ) -> Result<Vec<BlockBytes>, SourceError> {
        let blocks = self
            .0
            .blocks_ssz_by_range(start, count)
            .map_err(source_error)?;
        Ok(blocks
            .into_iter()
            .take(limit)
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
        for root in roots.iter().take(limit) {
            if let Some(block) = self.0.block(*root).map_err(source_error)? {
                out.push(BlockBytes {
                    slot: block.signed().slot(),
                    fork: block.signed().fork(),
                    ssz: Bytes::from(block.signed().as_ssz_bytes()),
                });
            }
        }
        Ok(out)
    }

    fn blob_sidecars_by_range(
        &self,
        start: u64,
        count: u64,
        limit: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError> {
        let sidecars = self
            .0
            .blob_sidecars_ssz_by_range(start, count)
            .map_err(source_error)?;
        Ok(sidecars
            .into_iter()
            .take(limit)
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
        for id in ids.iter().take(limit) {
            if let Some(sidecar) = self
                .0
                .sidecar(id.block_root, id.index)
                .map_err(source_error)?
            {
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
        start: u64,
        count: u64,
        columns: &[u64],
        limit: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError> {
        let page = self
            .0
            .data_column_sidecars_ssz_by_range_within(start, count, columns, limit, usize::MAX)
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
        for id in ids {
            for index in id.columns.iter() {
                if let Some(column) = self.0.column(id.block_root, *index).map_err(source_error)? {
                    out.push(SidecarBytes {
                        slot: column.sidecar().signed_block_header.message.slot,
                        ssz: Bytes::from(column.as_ssz_bytes()),
                    });
                }
            }
        }
        out.truncate(limit);
        Ok(out)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_backed_node_serves_the_committed_chain() {
    let devnet = electra_devnet();
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path().join("chain.redb"), devnet.config()).expect("store opens");
    store
        .init_anchor(devnet.genesis_block(), &[])
        .expect("anchor");
    let segment = devnet.segment(1..u64::MAX);
    let head = devnet.head();
    store
        .commit_segment(
            &segment,
            Anchor::Head {
                root: head.root(),
                slot: head.signed().slot(),
            },
        )
        .expect("segment commits");

    let source = Arc::new(StoreSource(store));
    let mut server = start_node(
        devnet.config(),
        source,
        clock_after_head(devnet),
        NetConfig::default(),
    )
    .await;
    let mut client = devnet_client(devnet, NetConfig::default()).await;
    let (peer, _) = connect(&mut client, &mut server).await;
    assert_eq!(peer.status().head_root, head.root());

    let mut roots = Vec::new();
    let mut sidecars = Vec::new();
    for start in [1, 65] {
        let range = SyncRange::new(Slot(start), 64).expect("range");
        roots.extend(
            peer.blocks_by_range(range)
                .await
                .expect("blocks")
                .iter()
                .map(consensus::Block::root),
        );
        sidecars.extend(
            peer.blob_sidecars_by_range(range)
                .await
                .expect("sidecars")
                .iter()
                .map(consensus::Sidecar::as_ssz_bytes),
        );
    }
    let expected_roots: Vec<_> = devnet.blocks().iter().map(consensus::Block::root).collect();
    assert_eq!(roots, expected_roots);
    let expected_sidecars: Vec<_> = (0..devnet.blocks().len())
        .flat_map(|i| devnet.sidecars_for(i).expect("electra"))
        .map(|s| s.as_ssz_bytes())
        .collect();
    assert!(sidecars == expected_sidecars, "sidecars differ");

    let some = vec![devnet.blocks()[3].root(), devnet.blocks()[40].root()];
    let by_root = peer.blocks_by_root(some.clone()).await.expect("by root");
    assert_eq!(
        by_root
            .iter()
            .map(consensus::Block::root)
            .collect::<Vec<_>>(),
        some
    );
    client.node.shutdown().await;
    server.node.shutdown().await;
}
