//! Whole nodes sync a generated chain that crosses Electra -> Fulu -> two BPO forks over
//! TCP on 127.0.0.1: blocks from any peer, blob sidecars before Fulu, data columns after
//! from peers that custody them (two supernodes, one of them lying about its cells, and
//! two peers at the minimum custody that serve only their 4 columns). A node at the
//! minimum custody ends with exactly its sampled columns of every Fulu block, a supernode
//! (from a checkpoint in the last BPO epoch, backfilling across every boundary to genesis)
//! with all 128, byte for byte the source's, and rebuilds every blob from them.

use std::path::Path;

use consensus::Fork;
use consensus::config::BlobScheduleEntry;
use consensus::custody::{CUSTODY_REQUIREMENT, NUMBER_OF_CUSTODY_GROUPS, sampling_columns};
use consensus::kzg;
use consensus::recover::blob_sidecars_from_columns;
use e2e::{GUARD, assert_same_chain, serve, small_chain, source};
use libp2p::Multiaddr;
use libp2p::identity::Keypair;
use node::devnet::{ServingPeers, SourceChain};
use node::{BackfillTo, BeaconNode, NodeSettings, StartFrom};
use store::Store;
use sync_types::ColumnSet;

/// The Fulu epoch and the BPO epochs of the chain.
const FULU_EPOCH: u64 = 2;
const BPO_EPOCHS: [u64; 2] = [3, 4];

fn transition_options(dir: &Path) -> node::devnet::DevnetOptions {
    let bpo = |epoch, max_blobs_per_block| BlobScheduleEntry {
        epoch,
        max_blobs_per_block,
    };
    node::devnet::DevnetOptions {
        fork: Fork::Electra,
        fulu_epoch: Some(FULU_EPOCH),
        bpo: vec![bpo(BPO_EPOCHS[0], 15), bpo(BPO_EPOCHS[1], 21)],
        slots: 5 * 32 + 16,
        ..small_chain(dir)
    }
}

fn transition_chain(dir: &Path) -> SourceChain {
    source(&transition_options(dir))
}

fn settings(
    source: &SourceChain,
    dir: &Path,
    start: StartFrom,
    peers: Vec<Multiaddr>,
    keypair: &Keypair,
    custody_groups: u64,
) -> NodeSettings {
    let mut settings =
        NodeSettings::new(dir, source.config.clone(), source.proposers.clone(), start);
    settings.peers = peers;
    settings.backfill = BackfillTo::Genesis;
    settings.keypair = Some(keypair.clone());
    settings.net.metadata.custody_group_count = Some(custody_groups);
    settings
}

fn sampled(keypair: &Keypair, custody_groups: u64) -> ColumnSet {
    let node_id = net::node_id(&keypair.public()).expect("secp256k1");
    sampling_columns(node_id, custody_groups)
        .expect("a valid count")
        .into_iter()
        .collect()
}

/// Every block of the source from `from_slot` up has, in
/// `synced`, exactly the `sampled` columns if it has blobs (none if not), each byte for
/// byte the source's. Returns how many columns were compared.
#[track_caller]
fn assert_sampled_columns(
    synced: &Store,
    source: &Store,
    from_slot: u64,
    sampled: ColumnSet,
) -> usize {
    let head = source
        .anchors()
        .expect("reads")
        .expect("anchored")
        .head
        .slot;
    let mut compared = 0;
    for slot in from_slot..=head {
        let Some(root) = source.block_root_at(slot).expect("reads") else {
            continue;
        };
        let has_blobs = !source.columns(root).expect("reads").is_empty();
        let ours = synced.column_indices(root).expect("reads");
        let expected = if has_blobs { sampled } else { ColumnSet::EMPTY };
        assert_eq!(ours, expected, "columns of the block at slot {slot}");
        for index in ours.iter() {
            let a = synced.column(root, index).expect("reads").expect("held");
            let b = source.column(root, index).expect("reads").expect("held");
            assert_eq!(
                a.as_ssz_bytes(),
                b.as_ssz_bytes(),
                "column {index} at slot {slot}"
            );
            compared += 1;
        }
    }
    compared
}

/// A future of the `earliest_available_slot` of the status `peer` sent each serving peer
/// (once it met them all), from the events they publish from now on.
fn our_statuses(
    servers: &ServingPeers,
) -> impl FnOnce(libp2p::PeerId) -> std::pin::Pin<Box<dyn Future<Output = Vec<Option<u64>>> + Send>>
{
    let receivers: Vec<_> = (0..4).filter_map(|i| servers.events(i)).collect();
    move |ours| {
        Box::pin(async move {
            let mut seen = Vec::new();
            for mut events in receivers {
                loop {
                    match events.recv().await {
                        Ok(net::NetEvent::PeerConnected { peer, status, .. }) if peer == ours => {
                            seen.push(status.earliest_available_slot);
                            break;
                        }
                        Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                    }
                }
            }
            seen
        })
    }
}

/// No honest serving peer (a supernode or one at the minimum custody that has none of
/// some asked-for columns) was charged below zero or dropped.
#[track_caller]
fn assert_honest_peers_uncharged(node: &BeaconNode, servers: &ServingPeers) {
    for (id, record) in node.peer_book().snapshot() {
        if servers.contains(&id) && !servers.is_adversary(&id) {
            assert!(
                record.score() >= 0 && record.faults == 0,
                "honest peer {id} (custody {:?}) was charged: score {}, faults {}",
                servers.custody_groups(&id),
                record.score(),
                record.faults
            );
        }
    }
}

/// Every Fulu block with blobs in `store` (which holds all 128 columns of each) gives its
/// blob sidecars from the first 64 columns and, by recovery, from the last 64: the same
/// sidecars both ways, each blob the one its block commits to. Returns how many blobs.
#[track_caller]
fn assert_blobs_rebuilt(store: &Store, from_slot: u64, head: u64) -> usize {
    let mut blobs = 0;
    for slot in from_slot..=head {
        let Some(root) = store.block_root_at(slot).expect("reads") else {
            continue;
        };
        let block = store.block(root).expect("reads").expect("held");
        let columns = store.columns(root).expect("reads");
        if columns.is_empty() {
            continue;
        }
        let (low, high) = columns.split_at(columns.len() / 2);
        let read = blob_sidecars_from_columns(&block, low).expect("read off the columns");
        let recovered = blob_sidecars_from_columns(&block, high).expect("recovered");
        assert_eq!(read, recovered, "slot {slot}");
        let commitments = block.signed().blob_kzg_commitments();
        assert_eq!(read.len(), commitments.len(), "slot {slot}");
        for (sidecar, commitment) in read.iter().zip(commitments) {
            let computed = kzg::blob_to_commitment(&sidecar.blob).expect("a valid blob");
            assert_eq!(
                &computed, commitment,
                "blob {} at slot {slot}",
                sidecar.index
            );
            blobs += 1;
        }
    }
    blobs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_sync_across_electra_fulu_and_bpo_forks_with_their_sampled_columns() {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = transition_chain(dir.path());
    let config = &source.config;
    assert_eq!(config.fork_at_epoch(FULU_EPOCH - 1), Fork::Electra);
    assert_eq!(config.fork_at_epoch(FULU_EPOCH), Fork::Fulu);
    let digests: Vec<_> = (0..=BPO_EPOCHS[1])
        .map(|e| config.fork_digest_at_epoch(e))
        .collect();
    assert_ne!(digests[1], digests[2], "Fulu changes the digest");
    assert_ne!(digests[2], digests[3], "BPO1 changes the digest");
    assert_ne!(digests[3], digests[4], "BPO2 changes the digest");
    let servers = serve(&source, 4, 1).await;
    let head = source.anchors.head.slot;
    let fulu_slot = FULU_EPOCH * 32;

    // At the minimum custody, forward from genesis: blob sidecars of every Electra block,
    // its 8 sampled columns of every Fulu block.
    let key = Keypair::generate_secp256k1();
    let genesis = StartFrom::Genesis(Box::new(source.genesis.clone()));
    let node = BeaconNode::start(settings(
        &source,
        &dir.path().join("a"),
        genesis,
        servers.addrs(),
        &key,
        CUSTODY_REQUIREMENT,
    ))
    .await
    .expect("node starts");
    tokio::time::timeout(GUARD, node.wait_for_head(head))
        .await
        .expect("reaches the head");
    assert_same_chain(node.store(), &source.store, 0);
    assert!(
        node.store().stats().expect("reads").blob_sidecars > 0,
        "Electra blocks came with their blob sidecars"
    );
    let compared = assert_sampled_columns(node.store(), &source.store, 1, sampled(&key, 4));
    assert!(compared > 0, "the Fulu part has blobs");
    assert_eq!(node.sampled_columns(), sampled(&key, 4));
    assert_eq!(sampled(&key, 4).len(), 8);
    assert_honest_peers_uncharged(&node, &servers);
    node.shutdown().await;

    // A supernode from a checkpoint in the last BPO epoch: every column, forward, and by
    // backfill across both BPO boundaries and Fulu's down to genesis; the checkpoint's own
    // columns come with it.
    let key = Keypair::generate_secp256k1();
    let start = node::devnet::checkpoint_start(&source, 16).expect("the source store reads");
    let anchor_slot = start.block().signed().slot();
    assert!(
        anchor_slot >= BPO_EPOCHS[1] * 32,
        "the checkpoint is past BPO2"
    );
    let node = BeaconNode::start(settings(
        &source,
        &dir.path().join("b"),
        start,
        servers.addrs(),
        &key,
        NUMBER_OF_CUSTODY_GROUPS,
    ))
    .await
    .expect("node starts");
    tokio::time::timeout(GUARD, node.wait_for_backfill())
        .await
        .expect("backfills to genesis");
    tokio::time::timeout(GUARD, node.wait_for_head(head))
        .await
        .expect("reaches the head");
    assert_same_chain(node.store(), &source.store, 0);
    let all = assert_sampled_columns(node.store(), &source.store, 1, ColumnSet::ALL);
    assert!(all > 0);
    assert_honest_peers_uncharged(&node, &servers);
    let blobs = assert_blobs_rebuilt(node.store(), fulu_slot, head);
    assert!(blobs > 0, "the Fulu part has blobs");
    node.shutdown().await;

    servers.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkpoint_starts_without_the_anchors_blob_data_fetch_it_by_root() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Up to 6 blobs a block: the blocks at the epoch boundaries have some.
    let source = source(&node::devnet::DevnetOptions {
        max_blobs: 6,
        ..transition_options(dir.path())
    });
    let servers = serve(&source, 4, 1).await;
    let head = source.anchors.head.slot;
    let fulu_slot = FULU_EPOCH * 32;
    // Checkpoint starts that come without the anchor's blob data (a block file, a beacon
    // API's finalized block): the node fetches it by root. A Fulu anchor gets its sampled
    // columns from custody peers, an Electra anchor its blob sidecars.
    // A finalized checkpoint: the last block at or before an epoch boundary (the node
    // names it the finalized root of that epoch in its status), here one with blobs.
    let with_blobs = |slots: std::ops::Range<u64>| {
        slots
            .rev()
            .filter(|slot| slot % 32 == 0)
            .filter_map(|slot| source.store.block_at_or_before(slot).expect("reads"))
            .map(|id| id.root)
            .find(|root| {
                let block = source.store.block(*root).expect("reads").expect("held");
                !block.signed().blob_kzg_commitments().is_empty()
            })
            .expect("a checkpoint block with blobs")
    };
    for (name, root) in [
        ("c", with_blobs(fulu_slot..head)),
        ("d", with_blobs(1..fulu_slot)),
    ] {
        let key = Keypair::generate_secp256k1();
        let block = source.store.block(root).expect("reads").expect("held");
        let start = StartFrom::Checkpoint {
            block: Box::new(block),
            sidecars: Vec::new(),
            columns: Vec::new(),
        };
        let mut settings = settings(
            &source,
            &dir.path().join(name),
            start,
            servers.addrs(),
            &key,
            CUSTODY_REQUIREMENT,
        );
        settings.backfill = BackfillTo::None;
        let statuses = our_statuses(&servers);
        let node = BeaconNode::start(settings).await.expect("node starts");
        assert!(node.store().sidecars(root).expect("reads").is_empty());
        assert!(node.store().column_indices(root).expect("reads").is_empty());
        // Until the data arrives our Status v2 does not offer the anchor's slot: the first
        // status we send (before any peer could serve the data) says the slot after it,
        // and every one says that or the anchor's slot.
        let anchor_slot = node.chain().anchors().trusted.slot;
        let ours = node.network().local_peer_id();
        let seen = tokio::time::timeout(GUARD, statuses(ours))
            .await
            .expect("the node meets every serving peer");
        assert!(seen.contains(&Some(anchor_slot + 1)), "{seen:?}");
        assert!(
            seen.iter()
                .all(|s| [Some(anchor_slot), Some(anchor_slot + 1)].contains(s)),
            "{seen:?}"
        );
        tokio::time::timeout(GUARD, node.wait_for_anchor_data())
            .await
            .expect("the anchor's data arrives");
        let store = node.store();
        if name == "c" {
            assert_eq!(store.column_indices(root).expect("reads"), sampled(&key, 4));
            for index in sampled(&key, 4).iter() {
                let ours = store.column(root, index).expect("reads").expect("held");
                let theirs = source
                    .store
                    .column(root, index)
                    .expect("reads")
                    .expect("held");
                assert_eq!(ours.as_ssz_bytes(), theirs.as_ssz_bytes(), "column {index}");
            }
        } else {
            assert_eq!(
                store.sidecars(root).expect("reads"),
                source.store.sidecars(root).expect("reads")
            );
        }
        assert_honest_peers_uncharged(&node, &servers);
        node.shutdown().await;
    }
    servers.shutdown().await;
}
