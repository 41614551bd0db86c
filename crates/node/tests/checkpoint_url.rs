//! Checkpoint sync from a URL against a local HTTP server that serves a devnet's
//! finalized state and block (its genesis: the devnet's only real state) as SSZ: taken
//! when everything fits, refused with one line naming the check otherwise (another
//! block for the root, another chain, another fork version, a weak subjectivity
//! checkpoint that names another block or cannot be checked, nobody answering).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use consensus::Fork;
use consensus::config::ChainConfig;
use consensus::devnet::{Devnet, DevnetParams, seed_from_u64};
use consensus::primitives::Hash256;
use node::api_client::BeaconApi;
use node::checkpoint::{CheckpointError, WssCheckpoint, fetch_checkpoint};

fn devnet(validators: u64) -> Devnet {
    Devnet::generate(DevnetParams {
        seed: seed_from_u64(3),
        validators,
        slots: 8,
        max_blobs: Some(0),
        ..DevnetParams::default()
    })
    .expect("devnet builds")
}

/// What the server serves: the finalized state, and blocks by `0x` root.
#[derive(Clone)]
struct Served {
    state: Vec<u8>,
    blocks: HashMap<String, Vec<u8>>,
}

async fn state(State(served): State<Arc<Served>>, Path(id): Path<String>) -> (StatusCode, Vec<u8>) {
    match id.as_str() {
        "finalized" => (StatusCode::OK, served.state.clone()),
        _ => (StatusCode::NOT_FOUND, b"unknown state".to_vec()),
    }
}

async fn block(State(served): State<Arc<Served>>, Path(id): Path<String>) -> (StatusCode, Vec<u8>) {
    match served.blocks.get(&id) {
        Some(bytes) => (StatusCode::OK, bytes.clone()),
        None => (StatusCode::NOT_FOUND, b"unknown block".to_vec()),
    }
}

async fn serve(served: Served) -> BeaconApi {
    let app = Router::new()
        .route("/eth/v2/debug/beacon/states/{id}", get(state))
        .route("/eth/v2/beacon/blocks/{id}", get(block))
        .with_state(Arc::new(served));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let addr: SocketAddr = listener.local_addr().expect("bound");
    tokio::spawn(async move { axum::serve(listener, app).await });
    BeaconApi::new(&format!("http://{addr}")).expect("a valid URL")
}

/// The devnet's genesis state as the finalized state, and `block` under its root.
fn served(devnet: &Devnet, block: Vec<u8>) -> Served {
    let root = devnet.genesis_block().root().to_string();
    Served {
        state: devnet.genesis_state_ssz().to_vec(),
        blocks: HashMap::from([(root, block)]),
    }
}

#[track_caller]
fn one_line(error: &CheckpointError) -> String {
    let line = error.to_string();
    assert!(!line.contains('\n'), "{line}");
    line
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fitting_state_and_block_are_taken_and_every_mismatch_is_refused() {
    let ours = devnet(16);
    let config = ours.config().clone();
    let genesis = ours.genesis_block();
    let api = serve(served(&ours, genesis.signed().as_ssz_bytes())).await;

    let checkpoint = fetch_checkpoint(&api, &config, None).await.expect("taken");
    assert_eq!(checkpoint.block.root(), genesis.root());
    assert_eq!(checkpoint.state_slot, 0);
    assert_eq!(checkpoint.proposers.len(), 16);

    // Weak subjectivity: the right root is taken, another is refused, and an epoch the
    // state cannot speak for is refused too.
    let wss = |root, epoch| Some(WssCheckpoint { root, epoch });
    fetch_checkpoint(&api, &config, wss(genesis.root(), 0))
        .await
        .expect("the genesis root at epoch 0");
    let error = fetch_checkpoint(&api, &config, wss(Hash256::repeat_byte(7), 0))
        .await
        .unwrap_err();
    assert!(matches!(error, CheckpointError::WssMismatch { found, .. } if found == genesis.root()));
    assert!(one_line(&error).contains("--wss-checkpoint"));
    let error = fetch_checkpoint(&api, &config, wss(genesis.root(), 5))
        .await
        .unwrap_err();
    assert!(
        matches!(error, CheckpointError::WssOutOfReach { epoch: 5, .. }),
        "{error}"
    );

    // Another block under the state's block root.
    let other_block = ours.blocks()[0].signed().as_ssz_bytes();
    let api_bad_block = serve(served(&ours, other_block)).await;
    let error = fetch_checkpoint(&api_bad_block, &config, None)
        .await
        .unwrap_err();
    assert!(
        matches!(error, CheckpointError::BlockMismatch { expected, .. } if expected == genesis.root()),
        "{error}"
    );
    one_line(&error);

    // Another chain's state (another registry, so another genesis validators root).
    let theirs = devnet(8);
    let api_other_chain = serve(served(
        &theirs,
        theirs.genesis_block().signed().as_ssz_bytes(),
    ))
    .await;
    let error = fetch_checkpoint(&api_other_chain, &config, None)
        .await
        .unwrap_err();
    assert!(
        matches!(error, CheckpointError::OtherChain { .. }),
        "{error}"
    );
    assert!(one_line(&error).contains("another chain"));

    // Our chain's identity, but a schedule that is Fulu from genesis: the Electra state's
    // fork version is not ours.
    let fulu = ChainConfig::devnet(
        Fork::Fulu,
        config.genesis_time(),
        config.genesis_validators_root(),
    );
    let error = fetch_checkpoint(&api, &fulu, None).await.unwrap_err();
    assert!(
        matches!(error, CheckpointError::ForkVersion { slot: 0, .. }),
        "{error}"
    );
    one_line(&error);

    // Nobody at the URL.
    let closed = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        listener.local_addr().expect("bound")
    };
    let nobody = BeaconApi::new(&format!("http://{closed}")).expect("a valid URL");
    let error = fetch_checkpoint(&nobody, &config, None).await.unwrap_err();
    assert!(matches!(error, CheckpointError::Api(_)), "{error}");
    assert!(one_line(&error).contains("cannot connect"));
}

#[test]
fn wss_checkpoints_parse_as_root_colon_epoch() {
    let root = format!("0x{}", "ab".repeat(32));
    let wss: WssCheckpoint = format!("{root}:42").parse().expect("valid");
    assert_eq!(wss.epoch, 42);
    assert_eq!(wss.root, Hash256::repeat_byte(0xab));
    for bad in ["", "0x12:3", &root, &format!("{root}:x")] {
        assert!(bad.parse::<WssCheckpoint>().is_err(), "{bad}");
    }
}
