//! Discovery on 127.0.0.1: eight discv5 nodes, one of them the bootnode, find each other
//! by lookups alone, each with the libp2p address its record gives; a ninth node of
//! another chain (another fork digest) reaches their tables but is never returned to be
//! dialled. Our record carries the eth2 fields the spec asks for.

use std::collections::{BTreeSet, HashMap};
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use consensus::Fork;
use consensus::config::{BlobScheduleEntry, ChainConfig, FAR_FUTURE_EPOCH};
use consensus::primitives::{ForkDigest, Hash256};
use libp2p::identity::Keypair;
use libp2p::{Multiaddr, PeerId};
use net::discovery::{
    Discovery, DiscoveryConfig, NFD_ENR_KEY, bytes_field, custody_group_count, eth2, fork_id_at,
};

/// The longest the lookups may take to find everyone (a guard against hangs only).
const GUARD: Duration = Duration::from_secs(120);

fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("a free port")
        .port()
}

struct Started {
    discovery: Discovery,
    peer: PeerId,
    addr: Multiaddr,
}

async fn start(chain: &ChainConfig, tcp_port: u16, bootnodes: Vec<net::discovery::Enr>) -> Started {
    let keypair = Keypair::generate_secp256k1();
    let peer = keypair.public().to_peer_id();
    let config = DiscoveryConfig {
        ip: Ipv4Addr::LOCALHOST,
        udp_port: free_udp_port(),
        tcp_port,
        custody_group_count: 4,
        bootnodes,
    };
    let discovery = Discovery::start(&keypair, chain, 0, &config)
        .await
        .expect("discv5 starts");
    let addr = format!("/ip4/127.0.0.1/tcp/{tcp_port}/p2p/{peer}")
        .parse()
        .expect("multiaddr");
    Started {
        discovery,
        peer,
        addr,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_nodes_find_each_other_from_one_bootnode_and_never_offer_another_network() {
    let chain = ChainConfig::devnet(Fork::Electra, 0, Hash256::repeat_byte(1));
    let other = ChainConfig::devnet(Fork::Electra, 0, Hash256::repeat_byte(2));
    assert_ne!(chain.fork_digest_at_epoch(0), other.fork_digest_at_epoch(0));
    let boot = start(&chain, 9100, Vec::new()).await;
    let bootnode = boot.discovery.local_enr();
    let mut nodes = vec![boot];
    for k in 1..8 {
        nodes.push(start(&chain, 9100 + k, vec![bootnode.clone()]).await);
    }
    let stranger = start(&other, 9200, vec![bootnode.clone()]).await;
    let ours: HashMap<PeerId, Multiaddr> = nodes.iter().map(|n| (n.peer, n.addr.clone())).collect();

    let started = Instant::now();
    let mut lookups = 0;
    let mut found: Vec<BTreeSet<PeerId>> = vec![BTreeSet::new(); nodes.len()];
    while found
        .iter()
        .enumerate()
        .any(|(i, f)| f.len() < nodes.len() - 1 || f.contains(&nodes[i].peer))
    {
        assert!(
            started.elapsed() < GUARD,
            "after {lookups} lookups: {found:?}"
        );
        for (node, seen) in nodes.iter().zip(&mut found) {
            // The stranger too makes lookups, so it is in everyone's way.
            let _ = stranger.discovery.find_peers().await;
            for (record, addr) in node.discovery.find_peers().await {
                let peer = match addr.iter().last() {
                    Some(libp2p::multiaddr::Protocol::P2p(peer)) => peer,
                    _ => panic!("{addr} has no /p2p part"),
                };
                assert_ne!(
                    peer, stranger.peer,
                    "another network's node offered to dial"
                );
                assert_eq!(ours.get(&peer), Some(&addr), "its record's address");
                assert_eq!(custody_group_count(&record), Ok(Some(4)));
                seen.insert(peer);
            }
            lookups += 1;
        }
    }
    for (node, seen) in nodes.iter().zip(&found) {
        let others: BTreeSet<PeerId> = ours.keys().copied().filter(|p| *p != node.peer).collect();
        assert_eq!(seen, &others);
    }
    // The stranger is known (its record reached the tables) but never offered.
    let known_stranger = nodes.iter().any(|n| {
        n.discovery.known().iter().any(|r| {
            eth2(r).ok().flatten().map(|id| id.fork_digest) == Some(other.fork_digest_at_epoch(0))
        })
    });
    assert!(known_stranger, "the other network's node was discovered");
    eprintln!(
        "8 nodes found each other in {lookups} lookups, {:?}",
        started.elapsed()
    );
}

#[test]
fn our_record_names_the_fork_in_force_and_the_next_one() {
    let bpo = |epoch, max_blobs_per_block| BlobScheduleEntry {
        epoch,
        max_blobs_per_block,
    };
    let chain = ChainConfig::devnet(Fork::Electra, 0, Hash256::repeat_byte(1))
        .with_fork_epoch(Fork::Fulu, Some(10))
        .expect("in order")
        .with_blob_schedule(vec![bpo(20, 15)])
        .expect("one entry");
    // Electra, before Fulu: the next fork is Fulu at 10.
    let (id, nfd) = fork_id_at(&chain, 3);
    assert_eq!(id.fork_digest, chain.fork_digest_at_epoch(3));
    assert_eq!(id.next_fork_version, chain.fork_version(Fork::Fulu));
    assert_eq!(id.next_fork_epoch, 10);
    assert_eq!(nfd, chain.fork_digest_at_epoch(10));
    // In Fulu, before the BPO entry: the next digest is the BPO's, the version stays.
    let (id, nfd) = fork_id_at(&chain, 12);
    assert_eq!(id.next_fork_epoch, 20);
    assert_eq!(id.next_fork_version, chain.fork_version(Fork::Fulu));
    assert_eq!(nfd, chain.fork_digest_at_epoch(20));
    assert_ne!(nfd, chain.fork_digest_at_epoch(12));
    // After the last entry: nothing next.
    let (id, nfd) = fork_id_at(&chain, 25);
    assert_eq!(id.next_fork_epoch, FAR_FUTURE_EPOCH);
    assert_eq!(nfd, ForkDigest::ZERO);

    let keypair = Keypair::generate_secp256k1();
    let config = DiscoveryConfig {
        ip: Ipv4Addr::new(10, 1, 2, 3),
        udp_port: 9000,
        tcp_port: 9001,
        custody_group_count: 128,
        bootnodes: Vec::new(),
    };
    let record = net::discovery::local_enr(&keypair, &chain, 12, &config).expect("a record");
    assert!(record.verify());
    assert_eq!(
        record.node_id().raw(),
        net::node_id(&keypair.public()).expect("secp256k1")
    );
    assert_eq!(eth2(&record), Ok(Some(fork_id_at(&chain, 12).0)));
    assert_eq!(custody_group_count(&record), Ok(Some(128)));
    assert_eq!(bytes_field(&record, "attnets"), Ok(Some(vec![0; 8])));
    assert_eq!(bytes_field(&record, "syncnets"), Ok(Some(vec![0])));
    assert_eq!(
        bytes_field(&record, NFD_ENR_KEY),
        Ok(Some(chain.fork_digest_at_epoch(20).to_vec()))
    );
    assert_eq!(
        net::discovery::dial_addr(&record).map(|a| a.to_string()),
        Some(format!(
            "/ip4/10.1.2.3/tcp/9001/p2p/{}",
            keypair.public().to_peer_id()
        ))
    );
    // It survives a round trip through its text form.
    let text = record.to_base64();
    let back: net::discovery::Enr = text.parse().expect("decodes");
    assert_eq!(back, record);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_record_follows_each_fork_and_bpo_boundary() {
    let bpo = BlobScheduleEntry {
        epoch: 20,
        max_blobs_per_block: 15,
    };
    let chain = ChainConfig::devnet(Fork::Electra, 0, Hash256::repeat_byte(1))
        .with_fork_epoch(Fork::Fulu, Some(10))
        .expect("in order")
        .with_blob_schedule(vec![bpo])
        .expect("one entry");
    let keypair = Keypair::generate_secp256k1();
    let config = DiscoveryConfig {
        ip: Ipv4Addr::LOCALHOST,
        udp_port: free_udp_port(),
        tcp_port: 9000,
        custody_group_count: 4,
        bootnodes: Vec::new(),
    };
    let discovery = Discovery::start(&keypair, &chain, 3, &config)
        .await
        .expect("starts");
    let seq = discovery.local_enr().seq();
    assert!(
        !discovery.follow_fork(&chain, 5).expect("signs"),
        "still Electra"
    );
    for epoch in [10, 20] {
        assert!(
            discovery.follow_fork(&chain, epoch).expect("signs"),
            "epoch {epoch}"
        );
        let record = discovery.local_enr();
        assert!(record.verify());
        assert_eq!(
            eth2(&record),
            Ok(Some(fork_id_at(&chain, epoch).0)),
            "epoch {epoch}"
        );
        assert_eq!(
            bytes_field(&record, NFD_ENR_KEY),
            Ok(Some(fork_id_at(&chain, epoch).1.to_vec()))
        );
        assert_eq!(discovery.digest(), chain.fork_digest_at_epoch(epoch));
    }
    assert!(
        discovery.local_enr().seq() > seq,
        "peers take the newer record"
    );
    assert!(!discovery.follow_fork(&chain, 25).expect("signs"));
}
