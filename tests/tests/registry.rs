//! A node whose registry is older than the chain it syncs (its last four validators
//! joined "later") asks the trusted beacon API for the head state's registry when it
//! meets their blocks, blames no peer, and completes the sync.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::routing::get;
use consensus::state::ValidatorRegistry;
use consensus::verify::Proposers;
use e2e::{GUARD, serve, small_chain, source};
use node::api_client::BeaconApi;
use node::{BackfillTo, BeaconNode, NodeSettings, RegistryRefresh, StartFrom};

/// Serves `state` as `/eth/v2/debug/beacon/states/head`, counting the downloads in
/// `served`.
async fn beacon_api(state: Vec<u8>, served: Arc<AtomicUsize>) -> BeaconApi {
    let app = Router::new().route(
        "/eth/v2/debug/beacon/states/head",
        get(move || {
            let state = state.clone();
            served.fetch_add(1, Ordering::Relaxed);
            async move { state }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let addr: SocketAddr = listener.local_addr().expect("bound");
    tokio::spawn(async move { axum::serve(listener, app).await });
    BeaconApi::new(&format!("http://{addr}")).expect("a valid URL")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validators_that_joined_after_the_registry_are_fetched_and_the_sync_completes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = source(&small_chain(&dir.path().join("net")));
    let state = std::fs::read(source.dir.join(node::launch::GENESIS_STATE_FILE)).expect("state");
    let mut keys = ValidatorRegistry::from_state_bytes(&state)
        .expect("a state")
        .pubkeys;
    assert_eq!(keys.len(), 16);
    keys.truncate(12);
    let servers = serve(&source, 1, 0).await;
    let served = Arc::new(AtomicUsize::new(0));

    let mut settings = NodeSettings::new(
        dir.path().join("node"),
        source.config.clone(),
        Proposers::from_compressed(keys),
        StartFrom::Genesis(Box::new(source.genesis.clone())),
    );
    settings.peers = servers.addrs();
    settings.backfill = BackfillTo::None;
    settings.registry_refresh = Some(RegistryRefresh {
        state_slot: 0,
        min_interval: std::time::Duration::ZERO,
        ..RegistryRefresh::new(
            beacon_api(state, Arc::clone(&served)).await,
            0,
            &source.config,
        )
    });
    let node = BeaconNode::start(settings).await.expect("node starts");
    tokio::time::timeout(GUARD, node.wait_for_head(source.anchors.head.slot))
        .await
        .expect("the sync completes with the refreshed registry");
    let peer = node::peer_id_of(&servers.addrs()[0]).expect("an id");
    let record = node
        .peer_book()
        .snapshot()
        .remove(&peer)
        .expect("connected");
    assert!(
        record.connected && record.score() >= 0,
        "the peer was not blamed: {}",
        record.score()
    );
    assert!(!node.peer_book().is_banned(&peer));
    assert_eq!(
        served.load(Ordering::Relaxed),
        1,
        "the head state was fetched once"
    );
    e2e::assert_same_chain(node.store(), &source.store, 0);
    node.shutdown().await;
    servers.shutdown().await;
}
