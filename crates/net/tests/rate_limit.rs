//! Server quotas against a flooding peer, and the client's self-limit.

mod support;

use std::time::Duration;

use consensus::containers::BeaconBlocksByRangeRequest;
use net::{NetConfig, Quota, QuotaSet, RpcRequest};
use support::{connect, devnet_client, devnet_server, electra_devnet};
use sync_types::{RequestError, Slot, SyncPeer, SyncRange};

fn by_range(start_slot: u64, count: u64) -> RpcRequest {
    RpcRequest::BlocksByRange(BeaconBlocksByRangeRequest {
        start_slot,
        count,
        step: 1,
    })
}

/// A server allowing `blocks_by_range` per peer, and a flooder that does not limit
/// itself (a polite client keeps under the quota on its own).
async fn server_and_flooder(
    devnet: &'static consensus::devnet::Devnet,
    blocks_by_range: Quota,
) -> (support::TestNode, support::TestNode) {
    let server_config = NetConfig {
        server_peer_quotas: QuotaSet {
            blocks_by_range,
            ..QuotaSet::lighthouse()
        },
        ..NetConfig::default()
    };
    let server = devnet_server(devnet, server_config).await;
    let flooder = devnet_client(
        devnet,
        NetConfig {
            outbound_quotas: None,
            ..NetConfig::default()
        },
    )
    .await;
    (server, flooder)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_peer_is_rate_limited_while_another_is_still_served() {
    let devnet = electra_devnet();
    let (mut server, mut flooder) = server_and_flooder(devnet, Quota::per_secs(128, 60)).await;
    let mut polite = devnet_client(devnet, NetConfig::default()).await;
    connect(&mut flooder, &mut server).await;
    let (polite_peer, _) = connect(&mut polite, &mut server).await;

    let server_id = server.handle().local_peer_id();
    let mut served = 0;
    let mut limited = 0;
    for round in 0..6 {
        let response = flooder
            .handle()
            .request(server_id, by_range(1 + round * 16, 64))
            .await
            .expect("an answer");
        match response.into_items() {
            Ok(items) => {
                assert!(!items.is_empty());
                served += 1;
            }
            Err(RequestError::RateLimited { .. }) => limited += 1,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    // 128 blocks per minute: two requests of 64 fit, the other four are refused.
    assert_eq!((served, limited), (2, 4));

    // The other client has its own quota and is served in full.
    let blocks = polite_peer
        .blocks_by_range(SyncRange::new(Slot(1), 64).expect("range"))
        .await
        .expect("served");
    let expected = devnet
        .blocks()
        .iter()
        .take_while(|b| b.signed().slot() <= 64)
        .count();
    assert_eq!(blocks.len(), expected);

    for node in [flooder, polite, server] {
        node.node.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_limited_client_waits_instead_of_exceeding_the_servers_quota() {
    let devnet = electra_devnet();
    let quota = QuotaSet {
        blocks_by_range: Quota::new(128, Duration::from_millis(600)),
        ..QuotaSet::lighthouse()
    };
    let mut server = devnet_server(
        devnet,
        NetConfig {
            server_peer_quotas: quota,
            ..NetConfig::default()
        },
    )
    .await;
    // The client keeps a margin below the server's quota (the default keeps 10 %; a test
    // machine running many tests at once gets 50 %).
    let mut client = devnet_client(
        devnet,
        NetConfig {
            outbound_quotas: Some(quota.stretched(50)),
            ..NetConfig::default()
        },
    )
    .await;
    let (peer, _) = connect(&mut client, &mut server).await;
    // Four requests of 64 need 256 tokens of a 128-token bucket: the client waits for the
    // refill (about 450 ms each time) instead of being refused.
    for start in [1, 33, 65, 97] {
        let range = SyncRange::new(Slot(start), 64).expect("range");
        let blocks = peer
            .blocks_by_range(range)
            .await
            .expect("never rate limited");
        assert!(!blocks.is_empty());
    }
    client.node.shutdown().await;
    server.node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_keeps_going_over_its_quota_is_penalised_and_let_go_with_a_goodbye() {
    let devnet = electra_devnet();
    let (mut server, mut flooder) = server_and_flooder(devnet, Quota::per_secs(64, 600)).await;
    let mut events = flooder.handle().subscribe();
    connect(&mut flooder, &mut server).await;
    let server_id = server.handle().local_peer_id();
    let mut limited = 0;
    let mut answered = 0;
    // A new peer has 300 points and each refusal costs 25: the 13th leaves it below
    // zero. The loop is bounded; the server must have let go long before its end.
    for _ in 0..40 {
        let Ok(response) = flooder.handle().request(server_id, by_range(1, 64)).await else {
            break;
        };
        answered += 1;
        match response.into_items() {
            Ok(_) => {}
            Err(RequestError::RateLimited { .. }) => limited += 1,
            Err(RequestError::Disconnected) => break,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert!(answered < 40, "still served after {answered} requests");
    assert!(limited >= 12, "{limited} refusals before the goodbye");
    let goodbye = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match events.recv().await {
                Ok(net::NetEvent::GoodbyeReceived { reason, .. }) => return reason,
                Ok(_) => {}
                Err(error) => panic!("events: {error}"),
            }
        }
    })
    .await
    .expect("a Goodbye from the server");
    assert_eq!(goodbye, net::GoodbyeReason::BadScore);
    for node in [flooder, server] {
        node.node.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_with_no_room_for_another_response_refuses_it_with_139() {
    let devnet = electra_devnet();
    let mut server = devnet_server(
        devnet,
        NetConfig {
            max_responses: 0,
            ..NetConfig::default()
        },
    )
    .await;
    let mut client = devnet_client(devnet, NetConfig::default()).await;
    let (peer, _) = connect(&mut client, &mut server).await;
    let range = SyncRange::new(Slot(1), 8).expect("range");
    let refused = peer.blocks_by_range(range).await;
    assert!(
        matches!(refused, Err(RequestError::RateLimited { .. })),
        "{refused:?}"
    );
    // Status and the like are answered from memory, whatever is in flight.
    assert!(peer.refresh_status().await.is_ok());
    for node in [client, server] {
        node.node.shutdown().await;
    }
}
