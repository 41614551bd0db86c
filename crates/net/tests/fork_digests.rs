//! A chain that crosses forks and BPO epochs (Electra, Fulu at epoch 1, blob-schedule
//! entries at epochs 2 and 3) over the wire: one BlocksByRange over all of it comes back
//! with each chunk's context bytes the digest of its own epoch (four different digests),
//! the client decodes every block by them, blob sidecars come before Fulu and columns
//! after, each with its epoch's digest.

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;

use consensus::Fork;
use consensus::config::BlobScheduleEntry;
use consensus::containers::BeaconBlocksByRangeRequest;
use consensus::devnet::{Devnet, DevnetParams, seed_from_u64};
use net::{ManualClock, MemorySource, NetConfig, RpcRequest};
use sync_types::{ColumnSet, Slot, SyncPeer, SyncRange};

use support::{connect, start_node};

fn transition_devnet() -> Devnet {
    let bpo = |epoch, max_blobs_per_block| BlobScheduleEntry {
        epoch,
        max_blobs_per_block,
    };
    Devnet::generate(DevnetParams {
        seed: seed_from_u64(5),
        validators: 16,
        genesis_fork: Fork::Electra,
        later_forks: vec![(Fork::Fulu, 1)],
        blob_schedule: Some(vec![bpo(2, 12), bpo(3, 15)]),
        slots: 4 * 32 - 1,
        max_blobs: Some(1),
        blob_pool: 1,
        ..DevnetParams::default()
    })
    .expect("devnet builds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_chunk_carries_the_digest_of_its_epoch_across_fork_and_bpo_boundaries() {
    let devnet = transition_devnet();
    let config = devnet.config().clone();
    let source = MemorySource::new(devnet.genesis_block());
    for index in 0..devnet.blocks().len() {
        let data = devnet.block_and_sidecars(index).expect("a block");
        source.insert_block(&data.block);
        source.insert_sidecars(data.sidecars.as_deref().unwrap_or_default());
        source.insert_columns(data.columns.as_deref().unwrap_or_default());
    }
    let head = devnet.head().signed().slot();
    let clock = || ManualClock::at_slot(&config, head + 1);
    let mut server = start_node(&config, Arc::new(source), clock(), NetConfig::default()).await;
    let genesis = MemorySource::new(devnet.genesis_block());
    let mut client = start_node(&config, Arc::new(genesis), clock(), NetConfig::default()).await;
    let (peer, _) = connect(&mut client, &mut server).await;

    let request = RpcRequest::BlocksByRange(BeaconBlocksByRangeRequest {
        start_slot: 1,
        count: head,
        step: 1,
    });
    let items = peer
        .request(request)
        .await
        .expect("answered")
        .into_items()
        .expect("no error chunk");
    assert_eq!(items.len(), devnet.blocks().len());
    let mut digests = BTreeSet::new();
    for (item, block) in items.iter().zip(devnet.blocks()) {
        let epoch = config.slot_to_epoch(block.signed().slot());
        let expected = config.fork_digest_at_epoch(epoch);
        assert_eq!(item.context, Some(expected), "epoch {epoch}");
        digests.insert(expected);
    }
    assert_eq!(
        digests.len(),
        4,
        "Electra, Fulu, BPO1 and BPO2 each have a digest"
    );

    // The client checks each chunk's context bytes against its slot's digest.
    let range = SyncRange::new(Slot(1), head).expect("non-empty");
    let blocks = peer.blocks_by_range(range).await.expect("blocks decode");
    assert_eq!(blocks.len(), devnet.blocks().len());
    for (got, want) in blocks.iter().zip(devnet.blocks()) {
        assert_eq!(got.root(), want.root());
        let fork = if got.signed().slot() >= 32 {
            Fork::Fulu
        } else {
            Fork::Electra
        };
        assert_eq!(got.signed().fork(), fork);
    }
    let sidecars = peer.blob_sidecars_by_range(range).await.expect("sidecars");
    assert!(
        sidecars
            .iter()
            .all(|s| s.sidecar().signed_block_header.message.slot < 32)
    );
    let electra_blobs: usize = (0..devnet.blocks().len())
        .filter(|i| devnet.blocks()[*i].signed().slot() < 32)
        .map(|i| devnet.blob_count(i))
        .sum();
    assert_eq!(sidecars.len(), electra_blobs);
    let one = ColumnSet::from_indices([5]).expect("a column");
    let columns = peer
        .data_column_sidecars_by_range(range, one)
        .await
        .expect("columns decode");
    let fulu_blobs = (0..devnet.blocks().len())
        .filter(|i| devnet.blocks()[*i].signed().slot() >= 32 && devnet.blob_count(*i) > 0)
        .count();
    assert_eq!(columns.len(), fulu_blobs);
    assert!(
        columns
            .iter()
            .all(|c| c.sidecar().signed_block_header.message.slot >= 32)
    );
}
