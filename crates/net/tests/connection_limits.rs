//! Admission: a server at its inbound connection limit refuses the next peer before any
//! protocol runs, and has room again once a peer leaves.

mod support;

use net::{NetConfig, NetEvent};
use support::{TestNode, connect, devnet_client, devnet_server, electra_devnet};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_at_its_inbound_limit_refuses_the_next_peer_until_one_leaves() {
    let devnet = electra_devnet();
    let config = NetConfig {
        max_incoming_connections: 2,
        ..NetConfig::default()
    };
    let mut server = devnet_server(devnet, config).await;
    let mut first = devnet_client(devnet, NetConfig::default()).await;
    let mut second = devnet_client(devnet, NetConfig::default()).await;
    connect(&mut first, &mut server).await;
    connect(&mut second, &mut server).await;

    let mut third = devnet_client(devnet, NetConfig::default()).await;
    assert!(
        !try_connect(&mut third, &server).await,
        "a third inbound connection is refused"
    );
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
