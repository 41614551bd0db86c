//! Real nodes on 127.0.0.1 exchange every protocol: status v1 and v2, ping, metadata v2
//! and v3, goodbye, blocks and blob sidecars by range and by root; a client receives
//! exactly the devnet chain a server serves; an mplex-only node interoperates.

mod support;

use consensus::containers::BlobIdentifier;
use net::{GoodbyeReason, Muxers, NetConfig, NetEvent};
use peer_pool::PeerType;
use sync_types::{ScoredPeer, Slot, SyncPeer, SyncRange};

use support::{GUARD, connect, devnet_client, devnet_server, electra_devnet};

fn range(start: u64, count: u64) -> SyncRange {
    SyncRange::new(Slot(start), count).expect("non-empty range")
}

fn metadata_config(seq_number: u64) -> NetConfig {
    let mut config = NetConfig::default();
    config.metadata.seq_number = seq_number;
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_ping_and_metadata_in_both_versions_between_three_nodes() {
    let devnet = electra_devnet();
    let head = devnet.head();
    let mut server = devnet_server(devnet, metadata_config(5)).await;
    let mut fulu_client = devnet_client(devnet, metadata_config(1)).await;
    let mut old_client = devnet_client(
        devnet,
        NetConfig {
            fulu_protocols: false,
            ..metadata_config(2)
        },
    )
    .await;

    // Both speak status/2: the v2 field comes through.
    let (server_at_fulu, fulu_at_server) = connect(&mut fulu_client, &mut server).await;
    let status = server_at_fulu.status();
    assert_eq!(status.head_slot, head.signed().slot());
    assert_eq!(status.head_root, head.root());
    assert_eq!(status.earliest_available_slot, Some(0));
    assert_eq!(server_at_fulu.direction(), PeerType::Outgoing);
    assert_eq!(fulu_at_server.direction(), PeerType::Incoming);
    assert_eq!(
        fulu_at_server.status().head_slot,
        0,
        "the client holds only genesis"
    );

    // One side speaks only status/1: multistream picks v1, which has no v2 field.
    let (server_at_old, _) = connect(&mut old_client, &mut server).await;
    assert_eq!(server_at_old.status().head_root, head.root());
    assert_eq!(server_at_old.status().earliest_available_slot, None);
    assert_eq!(server.handle().pool().len(), 2);

    // Ping answers with the peer's metadata sequence number, in both directions.
    assert_eq!(server_at_fulu.ping().await.expect("ping"), 5);
    assert_eq!(fulu_at_server.ping().await.expect("ping back"), 1);

    // metadata/3 carries the custody group count; metadata/2 does not.
    let v3 = server_at_fulu.metadata().await.expect("metadata v3");
    assert_eq!((v3.seq_number, v3.custody_group_count), (5, Some(4)));
    let v2 = server_at_old.metadata().await.expect("metadata v2");
    assert_eq!((v2.seq_number, v2.custody_group_count), (5, None));

    // A status refresh stores the answer and restarts the status age.
    SyncPeer::refresh_status(&server_at_fulu)
        .await
        .expect("refresh");
    assert!(server_at_fulu.status_age() < GUARD);
    assert_eq!(server_at_fulu.score(), sync_types::score::NEW_PEER_SCORE);

    for node in [server, fulu_client, old_client] {
        node.node.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_receives_exactly_the_served_devnet_by_range_and_by_root() {
    let devnet = electra_devnet();
    let mut server = devnet_server(devnet, NetConfig::default()).await;
    let mut client = devnet_client(devnet, NetConfig::default()).await;
    let (peer, _) = connect(&mut client, &mut server).await;

    // Blocks by range, 64 slots per request, over the whole chain.
    let mut blocks = Vec::new();
    for start in [0, 64, 128] {
        blocks.extend(
            peer.blocks_by_range(range(start, 64))
                .await
                .expect("blocks"),
        );
    }
    let expected: Vec<_> = std::iter::once(devnet.genesis_block())
        .chain(devnet.blocks())
        .map(consensus::Block::root)
        .collect();
    let got: Vec<_> = blocks.iter().map(consensus::Block::root).collect();
    assert_eq!(got, expected);

    // A range that starts at the head slot returns the head block (D.22).
    let head_slot = devnet.head().signed().slot();
    let at_head = peer
        .blocks_by_range(range(head_slot, 10))
        .await
        .expect("head");
    assert_eq!(
        at_head
            .iter()
            .map(consensus::Block::root)
            .collect::<Vec<_>>(),
        [devnet.head().root()]
    );

    // Blob sidecars by range: every sidecar, byte for byte.
    let mut sidecars = Vec::new();
    for start in [1, 65] {
        sidecars.extend(
            peer.blob_sidecars_by_range(range(start, 64))
                .await
                .expect("sidecars"),
        );
    }
    let expected: Vec<Vec<u8>> = (0..devnet.blocks().len())
        .flat_map(|i| devnet.sidecars_for(i).expect("electra has blob sidecars"))
        .map(|s| s.as_ssz_bytes())
        .collect();
    assert!(
        expected.len() > 20,
        "the devnet has blobs: {}",
        expected.len()
    );
    let got: Vec<Vec<u8>> = sidecars
        .iter()
        .map(consensus::Sidecar::as_ssz_bytes)
        .collect();
    assert_eq!(got.len(), expected.len());
    assert!(got == expected, "served sidecars differ from the devnet's");

    // By root: some blocks (and an unknown root, skipped), and their sidecars.
    let chosen: Vec<_> = devnet
        .blocks()
        .iter()
        .step_by(9)
        .map(consensus::Block::root)
        .collect();
    let mut roots = chosen.clone();
    roots.push(consensus::primitives::Hash256::repeat_byte(0xee));
    let by_root = peer.blocks_by_root(roots).await.expect("by root");
    assert_eq!(
        by_root
            .iter()
            .map(consensus::Block::root)
            .collect::<Vec<_>>(),
        chosen
    );

    let with_blobs = (0..devnet.blocks().len())
        .find(|&i| devnet.blob_count(i) == 2)
        .expect("a block with 2 blobs");
    let root = devnet.blocks()[with_blobs].root();
    let ids = vec![
        BlobIdentifier {
            block_root: root,
            index: 1,
        },
        BlobIdentifier {
            block_root: root,
            index: 0,
        },
    ];
    let by_root = peer
        .blob_sidecars_by_root(ids)
        .await
        .expect("sidecars by root");
    let want = devnet.sidecars_for(with_blobs).expect("sidecars");
    assert_eq!(by_root.len(), 2);
    assert_eq!(by_root[0].as_ssz_bytes(), want[1].as_ssz_bytes());
    assert_eq!(by_root[1].as_ssz_bytes(), want[0].as_ssz_bytes());

    client.node.shutdown().await;
    server.node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn goodbye_reaches_the_peer_and_both_pools_drop_it() {
    let devnet = electra_devnet();
    let mut server = devnet_server(devnet, NetConfig::default()).await;
    let mut client = devnet_client(devnet, NetConfig::default()).await;
    connect(&mut client, &mut server).await;
    let (client_id, server_id) = (
        client.handle().local_peer_id(),
        server.handle().local_peer_id(),
    );

    client
        .handle()
        .disconnect(server_id, GoodbyeReason::ClientShutdown)
        .await
        .expect("runs");
    let reason = server
        .expect("GoodbyeReceived", |e| match e {
            NetEvent::GoodbyeReceived { peer, reason } if *peer == client_id => Some(*reason),
            _ => None,
        })
        .await;
    assert_eq!(reason, GoodbyeReason::ClientShutdown);
    for (node, other) in [(&mut server, client_id), (&mut client, server_id)] {
        node.expect("PeerDisconnected", |e| {
            matches!(e, NetEvent::PeerDisconnected { peer } if *peer == other).then_some(())
        })
        .await;
        assert!(!node.handle().pool().contains(&other));
    }
    client.node.shutdown().await;
    server.node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_mplex_only_node_exchanges_status_and_blocks_with_a_default_node() {
    let devnet = electra_devnet();
    let mut server = devnet_server(devnet, NetConfig::default()).await;
    let mut client =
        devnet_client(devnet, NetConfig::default().with_muxers(Muxers::MplexOnly)).await;
    let (peer, _) = connect(&mut client, &mut server).await;
    assert_eq!(peer.status().head_root, devnet.head().root());
    let blocks = peer
        .blocks_by_range(range(1, 32))
        .await
        .expect("blocks over mplex");
    assert_eq!(
        blocks.first().map(consensus::Block::root),
        devnet.blocks().first().map(consensus::Block::root)
    );
    assert_eq!(peer.ping().await.expect("ping over mplex"), 0);
    client.node.shutdown().await;
    server.node.shutdown().await;
}
