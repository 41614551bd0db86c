//! Whole nodes find each other with discv5 on 127.0.0.1: eight nodes, one of them the
//! others' only bootnode and none given a peer address, each connect to all seven others
//! (their target); a ninth node of another chain (another fork digest) is discovered
//! through the same bootnode but never dialled, by them or by it. The identity endpoint
//! data (our ENR) names the node's listener.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::path::Path;
use std::time::Duration;

use consensus::Fork;
use consensus::devnet::{Devnet, DevnetParams, seed_from_u64};
use e2e::GUARD;
use libp2p::PeerId;
use net::NetEvent;
use node::{BackfillTo, BeaconNode, NodeDiscovery, NodeSettings, StartFrom};

fn chain(validators: u64) -> Devnet {
    Devnet::generate(DevnetParams {
        seed: seed_from_u64(9),
        validators,
        genesis_fork: Fork::Electra,
        slots: 1,
        max_blobs: Some(0),
        ..DevnetParams::default()
    })
    .expect("devnet builds")
}

fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("a free port")
        .port()
}

async fn start(devnet: &Devnet, dir: &Path, bootnodes: Vec<net::discovery::Enr>) -> BeaconNode {
    let genesis = StartFrom::Genesis(Box::new(devnet.genesis_block().clone()));
    let mut settings = NodeSettings::new(dir, devnet.config().clone(), devnet.proposers(), genesis);
    settings.backfill = BackfillTo::None;
    settings.discovery = Some(NodeDiscovery {
        ip: Ipv4Addr::LOCALHOST,
        udp_port: free_udp_port(),
        bootnodes,
        bootnode_wait: Some(Duration::from_secs(30)),
    });
    settings.peer_manager.target_peers = 7;
    settings.pool = node::pool_config(&settings.peer_manager);
    BeaconNode::start(settings).await.expect("node starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_nodes_connect_through_discovery_alone_and_another_network_is_never_dialled() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ours = chain(8);
    let theirs = chain(9);
    let boot = start(&ours, &dir.path().join("0"), Vec::new()).await;
    let bootnode: net::discovery::Enr =
        boot.enr().expect("discovery runs").parse().expect("an ENR");
    assert_eq!(
        net::discovery::dial_addr(&bootnode).map(|a| a.to_string()),
        boot.network()
            .listen_addrs()
            .first()
            .map(|a| format!("{a}/p2p/{}", boot.network().local_peer_id()))
    );
    let mut nodes = vec![boot];
    let mut events = vec![nodes[0].network().subscribe()];
    for k in 1..8 {
        let node = start(
            &ours,
            &dir.path().join(k.to_string()),
            vec![bootnode.clone()],
        )
        .await;
        events.push(node.network().subscribe());
        nodes.push(node);
    }
    let stranger = start(
        &theirs,
        &dir.path().join("stranger"),
        vec![bootnode.clone()],
    )
    .await;
    let stranger_id = stranger.network().local_peer_id();
    let ids: BTreeSet<PeerId> = nodes.iter().map(|n| n.network().local_peer_id()).collect();

    // Every node meets the seven others (as dialer or dialled).
    let all_met = async {
        for (node, events) in nodes.iter().zip(&mut events) {
            let me = node.network().local_peer_id();
            let mut met: BTreeSet<PeerId> = node
                .peer_book()
                .snapshot()
                .into_iter()
                .filter(|(_, r)| r.connected)
                .map(|(id, _)| id)
                .collect();
            while met.len() < 7 {
                if let Ok(NetEvent::PeerConnected { peer, .. }) = events.recv().await {
                    met.insert(peer);
                }
            }
            let others: BTreeSet<PeerId> = ids.iter().copied().filter(|p| *p != me).collect();
            assert_eq!(met, others, "{me} connected to exactly the others");
        }
    };
    tokio::time::timeout(GUARD, all_met)
        .await
        .expect("every node meets the seven others");
    for node in &nodes {
        assert!(!node.peer_book().snapshot().contains_key(&stranger_id));
    }
    assert!(
        stranger.peer_book().snapshot().is_empty(),
        "the stranger connected to nobody"
    );
    for node in nodes {
        node.shutdown().await;
    }
    stranger.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_whose_bootnodes_never_answer_does_not_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ours = chain(8);
    // A record for a port nobody listens on.
    let silent = {
        let keypair = libp2p::identity::Keypair::generate_secp256k1();
        let config = net::discovery::DiscoveryConfig {
            ip: Ipv4Addr::LOCALHOST,
            udp_port: free_udp_port(),
            tcp_port: 1,
            custody_group_count: 4,
            bootnodes: Vec::new(),
        };
        net::discovery::local_enr(&keypair, ours.config(), 0, &config).expect("a record")
    };
    let genesis = StartFrom::Genesis(Box::new(ours.genesis_block().clone()));
    let mut settings =
        NodeSettings::new(dir.path(), ours.config().clone(), ours.proposers(), genesis);
    settings.discovery = Some(NodeDiscovery {
        ip: Ipv4Addr::LOCALHOST,
        udp_port: free_udp_port(),
        bootnodes: vec![silent],
        bootnode_wait: Some(Duration::from_secs(5)),
    });
    let error = tokio::time::timeout(GUARD, BeaconNode::start(settings))
        .await
        .expect("gives up in time")
        .err()
        .expect("refuses to start");
    let line = error.to_string();
    assert!(
        line.contains("no bootnode answered (1 tried, for up to 5 s)"),
        "{line}"
    );
    assert!(!line.contains('\n'));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_devnet_runs_with_its_peers_found_by_discovery() {
    // `beacon-sync devnet --discovery` on a small chain that turns Fulu at epoch 2 and
    // crosses two BPO forks: both nodes reach the head and genesis, hold exactly their
    // sampled columns, and the adversary is dropped, all without a peer address given.
    let dir = tempfile::tempdir().expect("temp dir");
    let options = node::devnet::DevnetOptions {
        discovery: true,
        slots: 128,
        fulu_epoch: Some(2),
        bpo: node::devnet::default_bpo(128, 2),
        ..e2e::small_chain(dir.path())
    };
    let report = tokio::time::timeout(GUARD, node::devnet::run(&options))
        .await
        .expect("within the guard")
        .expect("the devnet runs");
    for sync in [&report.from_genesis, &report.from_checkpoint] {
        assert!(sync.column_check.blocks > 0, "{sync}");
        assert_eq!(sync.column_check.wrong, 0, "{sync}");
        assert_eq!(
            sync.peers.len(),
            options.peers,
            "every serving peer was found: {sync}"
        );
    }
    assert!(report.is_success(), "{report}");
}
