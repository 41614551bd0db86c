//! Whole nodes sync a generated Fulu chain over TCP on 127.0.0.1: blocks from any peer,
//! their data columns from custody peers (here supernodes, one of them lying about its
//! cells). A node at the minimum custody ends with exactly its sampled columns of every
//! block, a supernode with all 128, byte for byte the source's; backfill from a
//! checkpoint fetches the columns below it too.

use std::path::Path;

use consensus::Fork;
use consensus::custody::{CUSTODY_REQUIREMENT, NUMBER_OF_CUSTODY_GROUPS, sampling_columns};
use e2e::{GUARD, assert_same_chain, serve, small_chain, source};
use libp2p::Multiaddr;
use libp2p::identity::Keypair;
use node::devnet::SourceChain;
use node::{BackfillTo, BeaconNode, NodeSettings, StartFrom};
use store::Store;
use sync_types::ColumnSet;

fn fulu_chain(dir: &Path) -> SourceChain {
    source(&node::devnet::DevnetOptions {
        fork: Fork::Fulu,
        slots: 128,
        ..small_chain(dir)
    })
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

/// Every block of the source from `from_slot` up but the one at `except` has, in
/// `synced`, exactly the `sampled` columns if it has blobs (none if not), each byte for
/// byte the source's. Returns how many columns were compared.
#[track_caller]
fn assert_sampled_columns(
    synced: &Store,
    source: &Store,
    from_slot: u64,
    except: Option<u64>,
    sampled: ColumnSet,
) -> usize {
    let head = source
        .anchors()
        .expect("reads")
        .expect("anchored")
        .head
        .slot;
    let mut compared = 0;
    for slot in (from_slot..=head).filter(|s| Some(*s) != except) {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_sync_a_fulu_chain_with_their_sampled_columns_past_a_lying_peer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = fulu_chain(dir.path());
    let servers = serve(&source, 3, 1).await;
    let head = source.anchors.head.slot;

    // At the minimum custody, forward from genesis: its 8 sampled columns.
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
    let compared = assert_sampled_columns(node.store(), &source.store, 1, None, sampled(&key, 4));
    assert!(compared > 0, "the chain has blobs");
    assert_eq!(sampled(&key, 4).len(), 8);
    node.shutdown().await;

    // A supernode from a checkpoint: every column, forward and by backfill.
    let key = Keypair::generate_secp256k1();
    let start = node::devnet::checkpoint_start(&source, 32).expect("the source store reads");
    let anchor_slot = start.block().signed().slot();
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
    // The checkpoint block itself is stored without columns (a checkpoint start takes
    // the block and its blob sidecars only); every other block has all 128.
    let all = assert_sampled_columns(
        node.store(),
        &source.store,
        1,
        Some(anchor_slot),
        ColumnSet::ALL,
    );
    assert!(all > 0);
    node.shutdown().await;
    servers.shutdown().await;
}
