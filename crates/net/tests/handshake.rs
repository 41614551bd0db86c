//! The status handshake over real sockets: refused statuses get Goodbye(2) and stay out
//! of the pool, valid peers join it and leave it when they disconnect, a silent peer is
//! dropped, a peer whose score falls below zero gets Goodbye(250), and the node's
//! identity survives a restart.

mod support;

use std::sync::Arc;
use std::time::Duration;

use consensus::primitives::Hash256;
use net::codec::{Protocol, decode_request, encode_request, encode_success_chunk};
use net::{
    ConnectError, GoodbyeReason, IdentityError, MemorySource, NetConfig, NetEvent, StatusError,
    StatusMessage,
};
use support::raw_peer::{RawEvent, RawReply, spawn_raw_peer};
use support::{
    connect, devnet_client, devnet_client_with_pool, devnet_server, electra_devnet,
    start_node_with_key,
};
use sync_types::{ScoredPeer, SyncPeer};

/// The status a well-behaved peer of the devnet sends: the devnet's digest, genesis only.
fn good_status() -> StatusMessage {
    let devnet = electra_devnet();
    StatusMessage {
        fork_digest: devnet.config().fork_digest_at_epoch(4),
        finalized_root: Hash256::ZERO,
        finalized_epoch: 0,
        head_root: devnet.genesis_block().root(),
        head_slot: 0,
        earliest_available_slot: None,
    }
}

fn status_request(status: &StatusMessage) -> Vec<u8> {
    let mut wire = Vec::new();
    encode_request(
        Protocol::StatusV1,
        &status.to_ssz(Protocol::StatusV1),
        &mut wire,
    )
    .expect("encodes");
    wire
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_fork_digest_gets_goodbye_2_and_stays_out_of_the_pool() {
    let devnet = electra_devnet();
    let mut node = devnet_server(devnet, NetConfig::default()).await;
    let mut raw = spawn_raw_peer(Arc::new(|_, _| RawReply::Bytes(Vec::new()))).await;
    let wrong = StatusMessage {
        fork_digest: [0xde, 0xad, 0xbe, 0xef].into(),
        ..good_status()
    };
    raw.dial_with_status(
        node.handle().dial_addr().expect("listening"),
        status_request(&wrong),
    )
    .await;

    let error = node
        .expect("PeerRejected", |e| match e {
            NetEvent::PeerRejected { peer, error } if *peer == raw.peer_id => Some(*error),
            _ => None,
        })
        .await;
    assert!(
        matches!(error, StatusError::ForkDigestMismatch { .. }),
        "{error:?}"
    );
    // The raw peer receives Goodbye(2) on the wire.
    let goodbye = loop {
        if let RawEvent::Request(protocol, bytes) = raw.next_event().await
            && protocol == Protocol::Goodbye.protocol_id()
        {
            break decode_request(Protocol::Goodbye, &bytes).expect("a goodbye request");
        }
    };
    assert_eq!(goodbye, 2u64.to_le_bytes());
    assert!(!node.handle().pool().contains(&raw.peer_id));
    node.node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_head_in_the_future_is_refused_when_the_node_dials() {
    let devnet = electra_devnet();
    let mut client = devnet_client(devnet, NetConfig::default()).await;
    // The client's clock is one slot past the devnet head; the raw peer claims 5 more.
    let future = StatusMessage {
        head_slot: devnet.head().signed().slot() + 6,
        ..good_status()
    };
    let mut reply = Vec::new();
    encode_success_chunk(
        Protocol::StatusV1,
        None,
        &future.to_ssz(Protocol::StatusV1),
        &mut reply,
    )
    .expect("encodes");
    let raw = spawn_raw_peer(Arc::new(move |_, _| RawReply::Bytes(reply.clone()))).await;
    client
        .handle()
        .dial(raw.dial_addr())
        .await
        .expect("dial starts");
    let (error, reason) = (
        client
            .expect("PeerRejected", |e| match e {
                NetEvent::PeerRejected { error, .. } => Some(*error),
                _ => None,
            })
            .await,
        client
            .expect("GoodbyeSent", |e| match e {
                NetEvent::GoodbyeSent { reason, .. } => Some(*reason),
                _ => None,
            })
            .await,
    );
    assert!(
        matches!(error, StatusError::HeadInFuture { .. }),
        "{error:?}"
    );
    assert_eq!(reason, GoodbyeReason::IrrelevantNetwork);
    assert!(!client.handle().pool().contains(&raw.peer_id));
    client.node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_of_different_chains_refuse_each_other() {
    let devnet = electra_devnet();
    let mut server = devnet_server(devnet, NetConfig::default()).await;
    let other_chain = devnet
        .config()
        .clone()
        .with_genesis(devnet.config().genesis_time(), Hash256::repeat_byte(3));
    let mut client = support::start_node(
        &other_chain,
        Arc::new(MemorySource::new(devnet.genesis_block())),
        support::clock_after_head(devnet),
        NetConfig::default(),
    )
    .await;
    client
        .handle()
        .dial(server.handle().dial_addr().expect("listening"))
        .await
        .expect("dial");
    let error = client
        .expect("PeerRejected", |e| match e {
            NetEvent::PeerRejected { error, .. } => Some(*error),
            _ => None,
        })
        .await;
    assert!(matches!(error, StatusError::ForkDigestMismatch { .. }));
    let client_id = client.handle().local_peer_id();
    server
        .expect("the client gone", |e| {
            matches!(e, NetEvent::PeerDisconnected { peer } if *peer == client_id).then_some(())
        })
        .await;
    assert!(client.handle().pool().is_empty() && server.handle().pool().is_empty());
    client.node.shutdown().await;
    server.node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_peer_joins_the_pool_and_leaves_it_when_it_disconnects() {
    let devnet = electra_devnet();
    let mut server = devnet_server(devnet, NetConfig::default()).await;
    let mut client = devnet_client(devnet, NetConfig::default()).await;
    connect(&mut client, &mut server).await;
    let server_id = server.handle().local_peer_id();
    assert!(client.handle().pool().contains(&server_id));

    server.node.shutdown().await;
    let reason = client
        .expect("GoodbyeReceived", |e| match e {
            NetEvent::GoodbyeReceived { reason, .. } => Some(*reason),
            _ => None,
        })
        .await;
    assert_eq!(reason, GoodbyeReason::ClientShutdown);
    client
        .expect("PeerDisconnected", |e| {
            matches!(e, NetEvent::PeerDisconnected { peer } if *peer == server_id).then_some(())
        })
        .await;
    assert!(!client.handle().pool().contains(&server_id));
    client.node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_never_sends_its_status_is_dropped_with_goodbye_3() {
    let devnet = electra_devnet();
    let config = NetConfig {
        handshake_timeout: Duration::from_millis(300),
        ..NetConfig::default()
    };
    let mut node = devnet_server(devnet, config).await;
    let raw = spawn_raw_peer(Arc::new(|_, _| RawReply::Silent)).await;
    raw.dial_with_status(node.handle().dial_addr().expect("listening"), Vec::new())
        .await;
    let (peer, reason) = node
        .expect("GoodbyeSent", |e| match e {
            NetEvent::GoodbyeSent { peer, reason } => Some((*peer, *reason)),
            _ => None,
        })
        .await;
    assert_eq!((peer, reason), (raw.peer_id, GoodbyeReason::Fault));
    node.node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_pools_score_check_a_low_score_disconnects_nobody() {
    let devnet = electra_devnet();
    let mut server = devnet_server(devnet, NetConfig::default()).await;
    let pool = peer_pool::PoolConfig::default().without_score_check();
    let mut client = devnet_client_with_pool(devnet, pool).await;
    let (peer, _) = connect(&mut client, &mut server).await;
    peer.update_score(-400);
    // A request after the score fell: it is answered, over the same connection.
    let metadata = peer.metadata().await;
    assert!(metadata.is_ok(), "{metadata:?}");
    assert!(peer.score() < 0);
    assert!(
        client.handle().pool().contains(&peer.id()),
        "still a sync peer"
    );
    client.node.shutdown().await;
    server.node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_score_below_zero_disconnects_with_goodbye_250() {
    let devnet = electra_devnet();
    let mut server = devnet_server(devnet, NetConfig::default()).await;
    let mut client = devnet_client(devnet, NetConfig::default()).await;
    let (peer, _) = connect(&mut client, &mut server).await;
    peer.update_score(-400);
    let reason = server
        .expect("GoodbyeReceived", |e| match e {
            NetEvent::GoodbyeReceived { reason, .. } => Some(*reason),
            _ => None,
        })
        .await;
    assert_eq!(reason, GoodbyeReason::BadScore);
    assert!(!client.handle().pool().contains(&peer.id()));
    client.node.shutdown().await;
    server.node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_identity_persists_across_restarts_and_a_corrupt_key_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("node");
    let first = net::load_or_create_identity(&data_dir).expect("created");
    let devnet = electra_devnet();
    let source = Arc::new(MemorySource::new(devnet.genesis_block()));
    let node = start_node_with_key(
        devnet.config(),
        source.clone(),
        support::clock_after_head(devnet),
        NetConfig::default(),
        first.clone(),
    )
    .await;
    let id = node.handle().local_peer_id();
    node.node.shutdown().await;

    let again = net::load_or_create_identity(&data_dir).expect("loaded");
    assert_eq!(again.public().to_peer_id(), id);
    let node = start_node_with_key(
        devnet.config(),
        source,
        support::clock_after_head(devnet),
        NetConfig::default(),
        again,
    )
    .await;
    assert_eq!(node.handle().local_peer_id(), id);
    node.node.shutdown().await;

    let key_file = data_dir.join(net::identity::KEY_FILE_NAME);
    std::fs::write(&key_file, [0u8; 5]).expect("write");
    assert!(matches!(
        net::load_or_create_identity(&data_dir),
        Err(IdentityError::WrongLength { len: 5, .. })
    ));
    std::fs::write(&key_file, [0u8; 32]).expect("write");
    assert!(matches!(
        net::load_or_create_identity(&data_dir),
        Err(IdentityError::InvalidKey { .. })
    ));
}

/// The agent `peer` announced, from `events` (subscribed before the connection: identify
/// may finish before the status handshake does).
async fn identified(
    events: &mut tokio::sync::broadcast::Receiver<NetEvent>,
    peer: libp2p::PeerId,
) -> String {
    let wait = async {
        loop {
            if let Ok(NetEvent::PeerIdentified { peer: p, agent }) = events.recv().await
                && p == peer
            {
                return agent;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), wait)
        .await
        .expect("identify completes")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_sides_learn_the_others_software_through_identify() {
    let devnet = electra_devnet();
    let mut server = devnet_server(devnet, NetConfig::default()).await;
    let mut client = devnet_client(devnet, NetConfig::default()).await;
    let mut client_events = client.handle().subscribe();
    let mut server_events = server.handle().subscribe();
    let (at_client, at_server) = connect(&mut client, &mut server).await;
    let ours = format!("beacon-sync/v{}/", env!("CARGO_PKG_VERSION"));
    let agent = identified(&mut client_events, server.handle().local_peer_id()).await;
    assert!(agent.starts_with(&ours), "{agent}");
    assert_eq!(at_client.agent(), Some(agent));
    let agent = identified(&mut server_events, client.handle().local_peer_id()).await;
    assert_eq!(at_server.agent(), Some(agent));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_waits_for_the_handshake_and_says_why_a_peer_did_not_join() {
    let devnet = electra_devnet();
    let server = devnet_server(devnet, NetConfig::default()).await;
    let client = devnet_client(devnet, NetConfig::default()).await;
    let addr = server.handle().dial_addr().expect("listening");
    let wait = Duration::from_secs(20);
    let peer = client
        .handle()
        .connect(addr.clone(), wait)
        .await
        .expect("the server joins the client's pool");
    assert_eq!(peer.key(), server.handle().local_peer_id());
    assert_eq!(peer.head_slot().0, devnet.head().signed().slot());
    let again = client.handle().connect(addr.clone(), wait).await;
    assert_eq!(again.expect("already a peer").key(), peer.key());

    let mut bare = addr.clone();
    bare.pop();
    let no_id = client.handle().connect(bare, wait).await;
    assert!(
        matches!(no_id, Err(ConnectError::NoPeerId { .. })),
        "{no_id:?}"
    );

    // A node that stopped: its port refuses the dial.
    let gone = devnet_server(devnet, NetConfig::default()).await;
    let gone_addr = gone.handle().dial_addr().expect("listening");
    gone.node.shutdown().await;
    let refused = client.handle().connect(gone_addr, wait).await;
    assert!(
        matches!(refused, Err(ConnectError::DialFailed { .. })),
        "{refused:?}"
    );
    client.node.shutdown().await;
    server.node.shutdown().await;
}
