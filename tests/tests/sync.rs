//! Whole nodes sync a generated chain with blobs over TCP on 127.0.0.1: forward from
//! genesis, and from a checkpoint forward to the head and back to genesis; with an
//! adversary among the serving peers.

use std::path::Path;

use e2e::{GUARD, assert_same_chain, serve, small_chain, source};
use libp2p::Multiaddr;
use node::devnet::SourceChain;
use node::{BackfillTo, BeaconNode, NodeSettings, StartFrom};

fn settings(
    source: &SourceChain,
    dir: &Path,
    start: StartFrom,
    peers: Vec<Multiaddr>,
) -> NodeSettings {
    let mut settings =
        NodeSettings::new(dir, source.config.clone(), source.proposers.clone(), start);
    settings.peers = peers;
    settings.backfill = BackfillTo::Genesis;
    settings
}

/// The block at or before the epoch boundary 64 slots below the head, with its sidecars.
fn checkpoint(source: &SourceChain) -> StartFrom {
    node::devnet::checkpoint_start(source, 64).expect("the source store reads")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_node_syncs_the_chain_from_genesis_and_another_from_a_checkpoint_back_to_genesis() {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = source(&small_chain(dir.path()));
    let servers = serve(&source, 3, 0).await;
    let head = source.anchors.head.slot;

    let genesis = StartFrom::Genesis(Box::new(source.genesis.clone()));
    let node = BeaconNode::start(settings(
        &source,
        &dir.path().join("a"),
        genesis,
        servers.addrs(),
    ))
    .await
    .expect("node starts");
    tokio::time::timeout(GUARD, node.wait_for_head(head))
        .await
        .expect("reaches the head");
    assert_eq!(node.chain().anchors().head, source.anchors.head);
    assert_same_chain(node.store(), &source.store, 0);
    node.shutdown().await;

    let start = checkpoint(&source);
    let anchor_slot = start.block().signed().slot();
    let node = BeaconNode::start(settings(
        &source,
        &dir.path().join("b"),
        start,
        servers.addrs(),
    ))
    .await
    .expect("node starts");
    assert!(node.backfill().is_some(), "a checkpoint node backfills");
    tokio::time::timeout(GUARD, node.wait_for_head(head))
        .await
        .expect("reaches the head");
    tokio::time::timeout(GUARD, node.wait_for_backfill())
        .await
        .expect("backfills");
    let anchors = node.chain().anchors();
    assert_eq!(anchors.head, source.anchors.head);
    assert_eq!(
        anchors.backfill.slot, 0,
        "backfill reached genesis (from slot {anchor_slot})"
    );
    assert!(anchors.is_backfill_complete());
    assert_same_chain(node.store(), &source.store, 0);
    node.shutdown().await;
    servers.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_adversary_that_lies_about_blobs_ends_below_zero_and_disconnected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = source(&small_chain(dir.path()));
    let servers = serve(&source, 3, 1).await;
    let genesis = StartFrom::Genesis(Box::new(source.genesis.clone()));
    let node = BeaconNode::start(settings(
        &source,
        &dir.path().join("a"),
        genesis,
        servers.addrs(),
    ))
    .await
    .expect("node starts");
    tokio::time::timeout(GUARD, node.wait_for_head(source.anchors.head.slot))
        .await
        .expect("reaches the head");
    assert_same_chain(node.store(), &source.store, 0);
    let book = node.peer_book().snapshot();
    let mut adversaries = 0;
    for (id, record) in &book {
        if servers.is_adversary(id) {
            adversaries += 1;
            assert!(
                record.score() < 0,
                "the adversary ends below zero: {}",
                record.score()
            );
            assert!(!record.connected, "the adversary is disconnected");
        } else {
            assert!(record.score() >= 0, "honest peer {id}: {}", record.score());
        }
    }
    assert_eq!(adversaries, 1, "the adversary was met");
    node.shutdown().await;
    servers.shutdown().await;
}
