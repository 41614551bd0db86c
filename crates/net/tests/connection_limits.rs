//! Admission: a server at its inbound connection limit refuses the next peer before any
//! protocol runs, and has room again once a peer leaves; one address gets only its share
//! of the inbound connections; a peer that stops reading its responses is let go.

mod support;

use std::sync::Arc;
use std::time::Duration;

use net::codec::{Protocol, encode_request};
use net::{GoodbyeReason, MemorySource, NetConfig, NetEvent};
use prometheus_client::registry::Registry;
use support::raw_peer::{RawReply, spawn_raw_peer};
use support::{
    TestNode, clock_after_head, connect, devnet_client, devnet_client_on, devnet_server,
    electra_devnet, metric, start_metered_node,
};

/// Dials `server` from `client` and waits for what happens: `true` if the handshake
/// completes, `false` if the connection is refused or dropped.
async fn try_connect(client: &mut TestNode, server: &TestNode) -> bool {
    let server_id = server.handle().local_peer_id();
    let addr = server.handle().dial_addr().expect("listening");
    client.handle().dial(addr).await.expect("dial starts");
    client
        .expect("the handshake or its refusal", |event| match event {
            NetEvent::PeerConnected { peer, .. } if *peer == server_id => Some(true),
            NetEvent::DialFailed { .. } => Some(false),
            NetEvent::PeerDisconnected { peer } if *peer == server_id => Some(false),
            NetEvent::PeerRejected { peer, .. } if *peer == server_id => Some(false),
            _ => None,
        })
        .await
}

/// Two clients from 127.0.0.1 connect to `server` (a server with room for two), and a
/// third is refused.
async fn two_in_and_a_third_refused(server: &mut TestNode) -> [TestNode; 3] {
    let devnet = electra_devnet();
    let mut first = devnet_client(devnet, NetConfig::default()).await;
    let mut second = devnet_client(devnet, NetConfig::default()).await;
    connect(&mut first, server).await;
    connect(&mut second, server).await;
    let mut third = devnet_client(devnet, NetConfig::default()).await;
    assert!(
        !try_connect(&mut third, server).await,
        "a third inbound connection is refused"
    );
    [first, second, third]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_at_its_inbound_limit_refuses_the_next_peer_until_one_leaves() {
    let devnet = electra_devnet();
    let config = NetConfig {
        max_incoming_connections: 2,
        ..NetConfig::default()
    };
    let mut server = devnet_server(devnet, config).await;
    let [first, second, third] = two_in_and_a_third_refused(&mut server).await;
    assert!(
        server
            .handle()
            .peer(&third.handle().local_peer_id())
            .is_none()
    );

    // One leaves (Goodbye, then the connection closes): room for the next.
    let first_id = first.handle().local_peer_id();
    first.node.shutdown().await;
    server
        .expect("the first peer gone", |e| {
            matches!(e, NetEvent::PeerDisconnected { peer } if *peer == first_id).then_some(())
        })
        .await;
    let mut fourth = devnet_client(devnet, NetConfig::default()).await;
    assert!(try_connect(&mut fourth, &server).await, "room again");
    for node in [second, third, fourth, server] {
        node.node.shutdown().await;
    }
}

/// A server of the devnet with `config`, reporting to `registry`.
async fn metered_server(config: NetConfig, registry: &mut Registry) -> TestNode {
    let devnet = electra_devnet();
    let source = Arc::new(MemorySource::from_devnet(devnet));
    let clock = clock_after_head(devnet);
    start_metered_node(devnet.config(), source, clock, config, registry).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_gets_only_its_share_of_inbound_connections_and_another_still_gets_in() {
    let devnet = electra_devnet();
    let mut registry = Registry::default();
    let config = NetConfig {
        max_incoming_per_ip: 2,
        ..NetConfig::default()
    };
    let mut server = metered_server(config, &mut registry).await;
    let [first, second, third] = two_in_and_a_third_refused(&mut server).await;
    // The same host's limit does not touch another address.
    let mut other = devnet_client_on(devnet, NetConfig::default(), "127.0.0.2").await;
    connect(&mut other, &mut server).await;
    let refused = r#"beacon_sync_net_connections_refused_total{reason="too_many_from_ip"}"#;
    assert_eq!(metric(&registry, refused), 1.0);
    assert_eq!(
        metric(&registry, r#"beacon_sync_net_connections{state="ready"}"#),
        3.0
    );
    for node in [first, second, third, other, server] {
        node.node.shutdown().await;
    }
}

/// A whole `blob_sidecars_by_range/1` request for `count` slots from slot 1 (its SSZ is
/// two little-endian u64: start slot, count).
fn blobs_request(count: u64) -> Vec<u8> {
    let ssz = [1u64.to_le_bytes(), count.to_le_bytes()].concat();
    let mut wire = Vec::new();
    encode_request(Protocol::BlobSidecarsByRange, &ssz, &mut wire).expect("encodes");
    wire
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_stops_reading_its_responses_is_let_go_and_its_responses_freed() {
    let mut registry = Registry::default();
    let config = NetConfig {
        write_timeout: Duration::from_secs(1),
        handshake_timeout: Duration::from_secs(600),
        ..NetConfig::default()
    };
    let mut server = metered_server(config, &mut registry).await;
    let raw = spawn_raw_peer(Arc::new(|_, _| RawReply::Bytes(Vec::new()))).await;
    // Four blob ranges of 128 slots: far more than the muxer's window, never read.
    let requests = vec![blobs_request(128); 4];
    let addr = server.handle().dial_addr().expect("listening");
    raw.dial_and_request_unread(addr, Vec::new(), requests)
        .await;

    let reason = server
        .expect("a goodbye to the peer that does not read", |e| match e {
            NetEvent::GoodbyeSent { peer, reason } if *peer == raw.peer_id => Some(*reason),
            _ => None,
        })
        .await;
    assert_eq!(reason, GoodbyeReason::Fault);
    server
        .expect("it is gone", |e| {
            matches!(e, NetEvent::PeerDisconnected { peer } if *peer == raw.peer_id).then_some(())
        })
        .await;
    let not_reading = r#"beacon_sync_net_disconnects_total{by="us",reason="not_reading"}"#;
    assert_eq!(metric(&registry, not_reading), 1.0);
    let served = r#"beacon_sync_net_requests_total{direction="inbound",protocol="blob_sidecars_by_range",result="success"}"#;
    assert_eq!(metric(&registry, served), 4.0, "all four were being served");
    // Its producers see the streams gone and give their room back.
    let in_flight = || metric(&registry, "beacon_sync_net_responses_in_flight");
    tokio::time::timeout(support::GUARD, async {
        while in_flight() > 0.0 {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("its responses no longer hold room");
    server.node.shutdown().await;
}
