//! The network's metrics over real sockets: nodes on 127.0.0.1, each with its own
//! registry (as separate processes would have), and the Prometheus text of each registry
//! shows what happened on its side.

mod support;

use std::sync::Arc;

use consensus::config::ChainConfig;
use consensus::containers::BeaconBlocksByRangeRequest;
use consensus::primitives::Hash256;
use consensus::{Fork, devnet::Devnet};
use net::{MemorySource, NetConfig, NetEvent, Quota, QuotaSet, RpcRequest};
use prometheus_client::registry::Registry;
use support::{
    TestNode, clock_after_head, connect, electra_devnet, encoded, metric, start_metered_node,
};
use sync_types::{RequestError, Slot, SyncPeer, SyncRange};

#[track_caller]
fn requests(registry: &Registry, direction: &str, protocol: &str, result: &str) -> f64 {
    metric(
        registry,
        &format!(
            r#"beacon_sync_net_requests_total{{direction="{direction}",protocol="{protocol}",result="{result}"}}"#
        ),
    )
}

#[track_caller]
fn response_bytes(registry: &Registry, direction: &str, protocol: &str) -> f64 {
    metric(
        registry,
        &format!(
            r#"beacon_sync_net_response_bytes_total{{direction="{direction}",protocol="{protocol}"}}"#
        ),
    )
}

/// A metered node serving the whole devnet.
async fn server(devnet: &Devnet, config: NetConfig, registry: &mut Registry) -> TestNode {
    let source = Arc::new(MemorySource::from_devnet(devnet));
    let clock = clock_after_head(devnet);
    start_metered_node(devnet.config(), source, clock, config, registry).await
}

/// A metered node on `chain` holding only the devnet's genesis.
async fn client(
    devnet: &Devnet,
    chain: &ChainConfig,
    config: NetConfig,
    registry: &mut Registry,
) -> TestNode {
    let source = Arc::new(MemorySource::new(devnet.genesis_block()));
    start_metered_node(chain, source, clock_after_head(devnet), config, registry).await
}

fn blocks(start_slot: u64, count: u64) -> RpcRequest {
    RpcRequest::BlocksByRange(BeaconBlocksByRangeRequest {
        start_slot,
        count,
        step: 1,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_request_shows_on_both_sides_of_the_registry() {
    let devnet = electra_devnet();
    let mut server_registry = Registry::default();
    let mut server = server(devnet, NetConfig::default(), &mut server_registry).await;
    let mut client_registry = Registry::default();
    let mut client = client(
        devnet,
        devnet.config(),
        NetConfig::default(),
        &mut client_registry,
    )
    .await;
    let (at_client, _) = connect(&mut client, &mut server).await;

    let blocks = at_client
        .blocks_by_range(SyncRange::new(Slot(1), 16).expect("range"))
        .await
        .expect("served");
    assert!(!blocks.is_empty());

    // The request, once on each side; the handshake's status exchange likewise.
    for protocol in ["blocks_by_range", "status"] {
        assert_eq!(
            requests(&client_registry, "outbound", protocol, "success"),
            1.0
        );
        assert_eq!(
            requests(&server_registry, "inbound", protocol, "success"),
            1.0
        );
        // The same bytes, sent by the server and received by the client.
        let sent = response_bytes(&server_registry, "inbound", protocol);
        assert!(sent > 0.0, "{protocol}: the server sent a response");
        assert_eq!(
            response_bytes(&client_registry, "outbound", protocol),
            sent,
            "{protocol}"
        );
    }
    let client_text = encoded(&client_registry);
    assert!(
        !client_text.contains(r#"direction="inbound",protocol="blocks_by_range""#),
        "the client served nothing:\n{client_text}"
    );

    // Each side has one peer that passed the handshake, by who dialed; in the pool too.
    assert_eq!(
        metric(
            &client_registry,
            r#"beacon_sync_net_peers{direction="outbound"}"#
        ),
        1.0
    );
    assert_eq!(
        metric(
            &server_registry,
            r#"beacon_sync_net_peers{direction="inbound"}"#
        ),
        1.0
    );
    assert_eq!(
        metric(
            &server_registry,
            r#"beacon_sync_pool_peers{direction="inbound"}"#
        ),
        1.0
    );
    assert_eq!(
        metric(&client_registry, "beacon_sync_pool_acquired_peers"),
        0.0
    );

    // libp2p's own swarm metrics share the registry.
    for (registry, role) in [(&client_registry, "Dialer"), (&server_registry, "Listener")] {
        let text = encoded(registry);
        assert!(
            text.lines().any(|line| line
                .starts_with("libp2p_swarm_connections_established_total{")
                && line.contains(&format!(r#"role="{role}""#))),
            "no established {role} connection in:\n{text}"
        );
    }

    client.node.shutdown().await;
    server.node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_counted_by_their_result_code_on_both_sides() {
    let devnet = electra_devnet();
    let mut server_registry = Registry::default();
    let quotas = NetConfig {
        server_peer_quotas: QuotaSet {
            // One request of 64 blocks and one of none (which costs 1), not more.
            blocks_by_range: Quota::per_secs(65, 60),
            ..QuotaSet::lighthouse()
        },
        ..NetConfig::default()
    };
    let mut server = server(devnet, quotas, &mut server_registry).await;
    let mut client_registry = Registry::default();
    let no_self_limit = NetConfig {
        outbound_quotas: None,
        ..NetConfig::default()
    };
    let mut client = client(devnet, devnet.config(), no_self_limit, &mut client_registry).await;
    connect(&mut client, &mut server).await;
    let server_id = server.handle().local_peer_id();

    let ask = |request| client.handle().request(server_id, request);
    let served = ask(blocks(1, 64)).await.expect("an answer");
    assert!(served.into_items().is_ok());
    let invalid = ask(blocks(1, 0)).await.expect("an answer");
    assert!(matches!(
        invalid.into_items(),
        Err(RequestError::ServerError { code: 1 })
    ));
    let limited = ask(blocks(1, 64)).await.expect("an answer");
    assert!(matches!(
        limited.into_items(),
        Err(RequestError::RateLimited { .. })
    ));

    for result in ["success", "rate_limited", "invalid_request"] {
        assert_eq!(
            requests(&client_registry, "outbound", "blocks_by_range", result),
            1.0,
            "{result}"
        );
        assert_eq!(
            requests(&server_registry, "inbound", "blocks_by_range", result),
            1.0,
            "{result}"
        );
    }

    client.node.shutdown().await;
    server.node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_of_another_network_is_a_handshake_failure() {
    let devnet = electra_devnet();
    let mut server_registry = Registry::default();
    let mut server = server(devnet, NetConfig::default(), &mut server_registry).await;
    let elsewhere = ChainConfig::devnet(
        Fork::Electra,
        devnet.config().genesis_time(),
        Hash256::repeat_byte(0x42),
    );
    let client = client(
        devnet,
        &elsewhere,
        NetConfig::default(),
        &mut Registry::default(),
    )
    .await;
    let addr = server.handle().dial_addr().expect("listening");
    client.handle().dial(addr).await.expect("dial starts");
    server
        .expect("PeerRejected", |e| {
            matches!(e, NetEvent::PeerRejected { .. }).then_some(())
        })
        .await;

    assert_eq!(
        metric(
            &server_registry,
            r#"beacon_sync_net_handshake_failures_total{reason="fork_digest_mismatch"}"#
        ),
        1.0
    );
    assert_eq!(
        metric(
            &server_registry,
            r#"beacon_sync_net_peers{direction="inbound"}"#
        ),
        0.0
    );

    client.node.shutdown().await;
    server.node.shutdown().await;
}
