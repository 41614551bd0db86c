//! The beacon-API client against the answers a real Lodestar 1.5.1 gave
//! (`../shared/vectors/lodestar-dev`), served on 127.0.0.1 by a stand-in server: the
//! network it builds is Lodestar's dev chain (its digest, genesis block root and 8
//! validators), and every failure names the endpoint and the HTTP status.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failed unwrap is a failed test, with the value in the message"
)]

use std::io::Read;
use std::path::{Path, PathBuf};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use node::api_client::{ApiError, BeaconApi};
use serde_json::{Value, json};

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/lodestar-dev")
}

fn vector_json(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(vectors().join(name)).unwrap()).unwrap()
}

fn genesis_state() -> Vec<u8> {
    let gz = std::fs::read(vectors().join("genesis_state.ssz.gz")).unwrap();
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(gz.as_slice())
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// Serves `router` on a free port of 127.0.0.1; its base URL.
async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

/// Serves Lodestar's recorded answers; `state` is what the genesis state endpoint returns
/// (`None`: 404, as a node that pruned it).
async fn stand_in(state: Option<Vec<u8>>) -> String {
    let genesis = vector_json("genesis.json");
    let spec = vector_json("config_spec.json");
    let answer = |value: Value| move || async move { axum::Json(json!({ "data": value })) };
    let router = Router::new()
        .route(
            "/eth/v1/beacon/genesis",
            get(answer(genesis["genesis"].clone())),
        )
        .route("/eth/v1/config/spec", get(answer(spec)))
        .route(
            "/eth/v1/node/identity",
            get(answer(genesis["identity"].clone())),
        )
        .route(
            "/eth/v2/debug/beacon/states/genesis",
            get(move || async move {
                match state {
                    Some(bytes) => Ok(bytes),
                    None => Err((StatusCode::NOT_FOUND, "state not found")),
                }
            }),
        );
    serve(router).await
}

#[tokio::test]
async fn lodestars_api_gives_its_dev_chain() {
    let url = stand_in(Some(genesis_state())).await;
    let api = BeaconApi::new(&url).unwrap();
    let genesis = vector_json("genesis.json");

    let network = api.network(None).await.unwrap();
    assert_eq!(
        network.config.fork_digest_at_epoch(0).to_string(),
        genesis["fork_digests"]["CAPELLA_FORK_VERSION"]
            .as_str()
            .unwrap()
    );
    assert_eq!(
        network.config.genesis_time().to_string(),
        genesis["genesis"]["genesis_time"].as_str().unwrap()
    );
    assert_eq!(
        network.genesis.root().to_string(),
        genesis["genesis_block_header"]["root"].as_str().unwrap()
    );
    assert_eq!(network.proposers.len(), 8);
    assert_eq!(network.config.seconds_per_slot(), 2);

    let addrs = api.p2p_addresses().await.unwrap();
    assert_eq!(
        addrs.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [genesis["identity"]["p2p_addresses"][0].as_str().unwrap()]
    );
}

#[tokio::test]
async fn a_genesis_state_given_as_a_file_is_used_instead_of_the_endpoint() {
    let url = stand_in(None).await;
    let api = BeaconApi::new(&format!("{url}/")).unwrap();
    // The node has no genesis state to give: the error names the endpoint and status.
    let error = api.network(None).await.unwrap_err();
    assert!(
        matches!(error, ApiError::Status { status: 404, .. }),
        "{error}"
    );
    let line = error.to_string();
    assert!(
        line.contains("/eth/v2/debug/beacon/states/genesis") && line.contains("404"),
        "{line}"
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("genesis.ssz");
    std::fs::write(&file, genesis_state()).unwrap();
    let network = api.network(Some(&file)).await.unwrap();
    assert_eq!(network.proposers.len(), 8);
}

#[tokio::test]
async fn bad_urls_and_unreachable_nodes_are_one_line_errors() {
    for (url, why) in [
        ("https://127.0.0.1:5052", "https"),
        ("127.0.0.1:5052", "http://"),
        ("http://", "URL"),
    ] {
        let error = BeaconApi::new(url).unwrap_err();
        assert!(matches!(error, ApiError::Url { .. }), "{url}: {error}");
        assert!(error.to_string().contains(why), "{url}: {error}");
    }
    // A port nobody listens on: bound, then closed.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let api = BeaconApi::new(&format!("http://127.0.0.1:{port}")).unwrap();
    let error = api.genesis().await.unwrap_err();
    assert!(matches!(error, ApiError::Connect { .. }), "{error}");
    assert!(
        error.to_string().contains("/eth/v1/beacon/genesis"),
        "{error}"
    );
    assert!(!error.to_string().contains('\n'), "{error}");
}

/// Block 194's root (the Lodestar vectors' README).
const BLOCK_194: &str = "0x29eab42ae674b341360069315c27766282b16cb9fc6ae522bd55ab6aec21ca27";

/// Serves Lodestar's block `served` (its REST JSON) as the finalized block 194.
async fn finalized_stand_in(served: u64) -> String {
    let header = json!({ "data": { "root": BLOCK_194 } });
    let block = vector_json(&format!("block_{served}.json"));
    let state = genesis_state();
    let router = Router::new()
        .route(
            "/eth/v1/beacon/headers/finalized",
            get(move || async move { axum::Json(header) }),
        )
        .route(
            &format!("/eth/v2/beacon/blocks/{BLOCK_194}"),
            get(move || async move { axum::Json(block) }),
        )
        .route(
            "/eth/v2/debug/beacon/states/finalized",
            get(move || async move { state }),
        );
    serve(router).await
}

#[tokio::test]
async fn the_finalized_block_comes_from_its_json_and_must_hash_to_the_finalized_root() {
    let api = BeaconApi::new(&finalized_stand_in(194).await).unwrap();
    let block = api.finalized_block().await.unwrap();
    assert_eq!(block.root().to_string(), BLOCK_194);
    assert_eq!(block.signed().slot(), 194);

    // The registry of the finalized state, checked against the chain's genesis.
    let genesis = vector_json("genesis.json");
    let root = genesis["genesis"]["genesis_validators_root"]
        .as_str()
        .unwrap();
    let config = consensus::ChainConfig::devnet(consensus::Fork::Capella, 0, root.parse().unwrap());
    assert_eq!(api.finalized_registry(&config).await.unwrap().len(), 8);
    let other = consensus::ChainConfig::devnet(consensus::Fork::Capella, 0, Default::default());
    let error = api.finalized_registry(&other).await.unwrap_err();
    assert!(
        error.to_string().contains("genesis validators root"),
        "{error}"
    );

    // A node that answers with another block under the finalized root is caught.
    let api = BeaconApi::new(&finalized_stand_in(193).await).unwrap();
    let error = api.finalized_block().await.unwrap_err();
    assert!(matches!(error, ApiError::Answer { .. }), "{error}");
    assert!(error.to_string().contains("hashes to"), "{error}");
}

/// A beacon node that answers its recorded genesis `same` times, then is down for one
/// request, then answers a genesis 600 s later (restarted with a new genesis).
async fn restarting_stand_in(same: usize) -> String {
    let genesis = vector_json("genesis.json")["genesis"].clone();
    let asked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let router = Router::new().route(
        "/eth/v1/beacon/genesis",
        get(move || {
            let mut genesis = genesis.clone();
            let n = asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async move {
                if n == same {
                    return Err((StatusCode::SERVICE_UNAVAILABLE, "starting"));
                }
                if n > same {
                    let time: u64 = genesis["genesis_time"].as_str().unwrap().parse().unwrap();
                    genesis["genesis_time"] = json!((time + 600).to_string());
                }
                Ok(axum::Json(json!({ "data": genesis })))
            }
        }),
    );
    serve(router).await
}

#[tokio::test]
async fn a_beacon_node_restarted_with_another_genesis_is_noticed_in_one_line() {
    let url = restarting_stand_in(3).await;
    let api = BeaconApi::new(&url).unwrap();
    let first = api.genesis().await.unwrap();
    let chain = consensus::config::ChainConfig::mainnet()
        .with_genesis(first.genesis_time, first.genesis_validators_root);
    // Two more equal answers and one failure are not a change; the fifth answer is.
    let error = api
        .watch_genesis(&chain, std::time::Duration::from_millis(1))
        .await;
    let ApiError::GenesisChanged {
        was_time, now_time, ..
    } = &error
    else {
        panic!("{error}")
    };
    assert_eq!(
        (*was_time, *now_time),
        (first.genesis_time, first.genesis_time + 600)
    );
    let text = error.to_string();
    assert!(!text.contains('\n'), "{text}");
    assert!(
        text.contains("/eth/v1/beacon/genesis") && text.contains("changed its genesis"),
        "{text}"
    );
}
