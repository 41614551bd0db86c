//! The HTTP API of a node over a stored 64-slot devnet chain with blobs: every endpoint
//! answers in the beacon-API's shape with the devnet's values, bad input gets 400 or 404
//! and never a panic, and a port in use is a typed error.
//!
//! Each test starts a real [`BeaconNode`] (no peers; a manual clock at the chain's last
//! slot) over a data directory that already holds the chain, serves its API on an
//! OS-chosen port of 127.0.0.1 and talks to it over a real socket.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failure is a test failure"
)]

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use consensus::devnet::{Devnet, DevnetParams};
use consensus::verify::Anchor;
use consensus::{Block, Sidecar};
use http_body_util::{BodyExt, Empty};
use hyper::header::{ACCEPT, HOST, HeaderMap};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use net::ManualClock;
use node::http::{HttpError, HttpServer, serve};
use node::{BeaconNode, NodeSettings, STORE_FILE, StartFrom};
use serde_json::Value;
use store::Store;
use tempfile::TempDir;
use tokio::net::TcpStream;

/// The last slot of the devnet chain.
const LAST_SLOT: u64 = 64;

/// The same chain in Fulu: blob data as data columns.
fn fulu_devnet() -> &'static Devnet {
    static DEVNET: OnceLock<Devnet> = OnceLock::new();
    DEVNET.get_or_init(|| generate(consensus::Fork::Fulu))
}

/// The devnet every test serves, generated once (signing is the slow part).
fn devnet() -> &'static Devnet {
    static DEVNET: OnceLock<Devnet> = OnceLock::new();
    DEVNET.get_or_init(|| generate(DevnetParams::default().genesis_fork))
}

fn generate(genesis_fork: consensus::Fork) -> Devnet {
    Devnet::generate(DevnetParams {
        slots: LAST_SLOT,
        validators: 16,
        max_blobs: Some(2),
        blob_pool: 2,
        genesis_fork,
        ..Default::default()
    })
    .expect("the devnet generates")
}

/// A node over a data directory holding the whole devnet chain, with its API served.
struct Served {
    node: BeaconNode,
    server: HttpServer,
    _dir: TempDir,
}

impl Served {
    /// A node whose wall clock is at the chain's last slot.
    async fn start() -> Served {
        Served::start_at(LAST_SLOT).await
    }

    /// A node whose wall clock is at `wall_slot`.
    async fn start_at(wall_slot: u64) -> Served {
        Served::start_on(devnet(), wall_slot, |_| true).await
    }

    /// A node over `devnet`'s chain, its wall clock at `wall_slot`, holding the data
    /// columns (Fulu) whose index `keep` accepts.
    async fn start_on(devnet: &'static Devnet, wall_slot: u64, keep: fn(u64) -> bool) -> Served {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STORE_FILE);
        let config = devnet.config().clone();
        let genesis = devnet.genesis_block().clone();
        tokio::task::spawn_blocking(move || {
            let store = Store::open(&path, &config).unwrap();
            store.init_anchor(&genesis, &[]).unwrap();
            let mut segment = devnet.segment(1..LAST_SLOT + 1);
            for data in &mut segment {
                if let Some(columns) = &mut data.columns {
                    columns.retain(|c| keep(c.sidecar().index));
                }
            }
            let head = &segment.last().unwrap().block;
            let anchor = Anchor::Head {
                root: head.root(),
                slot: head.signed().slot(),
            };
            store.commit_segment(&segment, anchor).unwrap();
        })
        .await
        .unwrap();
        let mut settings = NodeSettings::new(
            dir.path(),
            devnet.config().clone(),
            devnet.proposers(),
            StartFrom::Genesis(Box::new(devnet.genesis_block().clone())),
        );
        settings.clock = Arc::new(ManualClock::at_slot(devnet.config(), wall_slot));
        let node = BeaconNode::start(settings).await.unwrap();
        let server = serve(local(), node.api_context()).await.unwrap();
        Served {
            node,
            server,
            _dir: dir,
        }
    }

    async fn get(&self, path: &str) -> Reply {
        get(self.server.local_addr(), path, None).await
    }

    async fn get_ssz(&self, path: &str) -> Reply {
        get(
            self.server.local_addr(),
            path,
            Some("application/octet-stream"),
        )
        .await
    }

    async fn stop(self) {
        self.server.shutdown().await.unwrap();
        self.node.shutdown().await;
    }
}

fn local() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// One HTTP answer.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Reply {
    #[track_caller]
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    /// The `data` of a 200 JSON answer.
    #[track_caller]
    fn data(&self) -> Value {
        assert_eq!(
            self.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        self.json()["data"].clone()
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Checks a beacon-API error answer: the status, and the same code in the body.
    #[track_caller]
    fn expect_error(&self, status: StatusCode) {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        let body = self.json();
        assert_eq!(body["code"], u64::from(status.as_u16()));
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

/// A GET over a fresh HTTP/1.1 connection.
async fn get(addr: SocketAddr, path: &str, accept: Option<&str>) -> Reply {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let mut request = Request::get(path).header(HOST, addr.to_string());
    if let Some(accept) = accept {
        request = request.header(ACCEPT, accept);
    }
    let response = sender
        .send_request(request.body(Empty::<Bytes>::new()).unwrap())
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body: body.collect().await.unwrap().to_bytes(),
    }
}

fn hex0x(bytes: impl AsRef<[u8]>) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// The first devnet block with `n` blobs, with its sidecars.
fn block_with_blobs(n: usize) -> (Block, Vec<Sidecar>) {
    let devnet = devnet();
    let index = (0..devnet.blocks().len())
        .find(|i| devnet.blob_count(*i) == n)
        .expect("the devnet has such a block");
    let sidecars = devnet.sidecars_for(index).unwrap();
    (devnet.blocks()[index].clone(), sidecars)
}

#[tokio::test(flavor = "multi_thread")]
async fn headers_name_the_stored_blocks_by_every_kind_of_block_id() {
    let served = Served::start().await;
    let devnet = devnet();
    let head = devnet.head();
    for id in [
        "head",
        &head.signed().slot().to_string(),
        &hex0x(head.root()),
    ] {
        let reply = served.get(&format!("/eth/v1/beacon/headers/{id}")).await;
        let body = reply.json();
        assert_eq!(reply.status, StatusCode::OK, "{id}");
        assert_eq!(body["execution_optimistic"], false);
        assert_eq!(body["finalized"], false, "only genesis is finalized");
        let data = &body["data"];
        assert_eq!(data["root"], hex0x(head.root()), "{id}");
        assert_eq!(data["canonical"], true);
        let header = head.header();
        let message = &data["header"]["message"];
        assert_eq!(message["slot"], header.slot.to_string());
        assert_eq!(message["proposer_index"], header.proposer_index.to_string());
        assert_eq!(message["parent_root"], hex0x(header.parent_root));
        assert_eq!(message["state_root"], hex0x(header.state_root));
        assert_eq!(message["body_root"], hex0x(header.body_root));
        assert_eq!(
            data["header"]["signature"],
            hex0x(head.signed().signature())
        );
    }
    for id in ["genesis", "finalized", "0"] {
        let body = served
            .get(&format!("/eth/v1/beacon/headers/{id}"))
            .await
            .json();
        assert_eq!(
            body["data"]["root"],
            hex0x(devnet.genesis_block().root()),
            "{id}"
        );
        assert_eq!(body["data"]["header"]["message"]["slot"], "0");
        assert_eq!(body["finalized"], true, "{id}");
    }
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_blocks_are_404_and_bad_ids_are_400() {
    let served = Served::start().await;
    let unknown = format!("0x{}", "ab".repeat(32));
    let empty_slot = (1..LAST_SLOT).find(|s| devnet().index_of_slot(*s).is_none());
    let mut missing = vec![
        unknown.clone(),
        (LAST_SLOT + 1).to_string(),
        "justified".into(),
    ];
    missing.extend(empty_slot.map(|s| s.to_string()));
    for id in &missing {
        for path in [
            format!("/eth/v1/beacon/headers/{id}"),
            format!("/eth/v1/beacon/blob_sidecars/{id}"),
        ] {
            served.get(&path).await.expect_error(StatusCode::NOT_FOUND);
        }
        let block = served.get_ssz(&format!("/eth/v2/beacon/blocks/{id}")).await;
        block.expect_error(StatusCode::NOT_FOUND);
    }
    let long = "9".repeat(5000);
    for id in ["current", "-1", "0x1234", "1.5", "HEAD", "%00", &long] {
        for path in [
            format!("/eth/v1/beacon/headers/{id}"),
            format!("/eth/v2/beacon/blocks/{id}"),
            format!("/eth/v1/beacon/blob_sidecars/{id}"),
        ] {
            served
                .get(&path)
                .await
                .expect_error(StatusCode::BAD_REQUEST);
        }
    }
    let bad_indices = served
        .get("/eth/v1/beacon/blob_sidecars/head?indices=x")
        .await;
    bad_indices.expect_error(StatusCode::BAD_REQUEST);
    served
        .get("/eth/v1/nothing")
        .await
        .expect_error(StatusCode::NOT_FOUND);
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn blocks_are_served_as_their_ssz_or_beacon_api_json_with_the_fork() {
    let served = Served::start().await;
    let devnet = devnet();
    for block in [devnet.head(), &devnet.blocks()[0], devnet.genesis_block()] {
        let root = hex0x(block.root());
        let reply = served
            .get_ssz(&format!("/eth/v2/beacon/blocks/{root}"))
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.header("content-type"), "application/octet-stream");
        assert_eq!(reply.header("eth-consensus-version"), "electra");
        assert_eq!(
            reply.body.as_ref(),
            block.signed().as_ssz_bytes().as_slice()
        );
    }
    let (block, _) = block_with_blobs(2);
    let reply = served
        .get(&format!("/eth/v2/beacon/blocks/{}", hex0x(block.root())))
        .await;
    assert_eq!(reply.header("content-type"), "application/json");
    assert_eq!(reply.header("eth-consensus-version"), "electra");
    let body = reply.json();
    assert_eq!(body["version"], block.signed().fork().name());
    assert_eq!(body["execution_optimistic"], false);
    assert_eq!(body["finalized"], false);
    let data = reply.data();
    assert_eq!(data["signature"], hex0x(block.signed().signature()));
    let message = &data["message"];
    assert_eq!(message["slot"], block.signed().slot().to_string());
    assert_eq!(message["parent_root"], hex0x(block.signed().parent_root()));
    let commitments: Vec<Value> = block
        .signed()
        .blob_kzg_commitments()
        .iter()
        .map(|c| Value::String(hex0x(c)))
        .collect();
    assert_eq!(commitments.len(), 2);
    assert_eq!(
        message["body"]["blob_kzg_commitments"],
        Value::Array(commitments)
    );
    let genesis = served.get("/eth/v2/beacon/blocks/genesis").await;
    assert_eq!(genesis.json()["finalized"], true);
    assert_eq!(genesis.data()["message"]["slot"], "0");
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn blob_sidecars_come_as_json_or_ssz_and_filter_by_index() {
    let served = Served::start().await;
    let (block, sidecars) = block_with_blobs(2);
    let path = format!("/eth/v1/beacon/blob_sidecars/{}", hex0x(block.root()));

    let reply = served.get(&path).await;
    assert_eq!(reply.header("eth-consensus-version"), "electra");
    let body = reply.json();
    assert_eq!(body["version"], "electra");
    assert_eq!(body["finalized"], false);
    let data = reply.data();
    let list = data.as_array().unwrap();
    assert_eq!(list.len(), 2);
    for (json, sidecar) in list.iter().zip(&sidecars) {
        let s = sidecar.sidecar();
        assert_eq!(json["index"], s.index.to_string());
        assert_eq!(json["kzg_commitment"], hex0x(s.kzg_commitment));
        assert_eq!(json["kzg_proof"], hex0x(s.kzg_proof));
        assert_eq!(json["blob"], hex0x(&s.blob[..]));
        let header = &json["signed_block_header"];
        assert_eq!(header["message"]["body_root"], hex0x(block.body_root()));
        assert_eq!(header["signature"], hex0x(block.signed().signature()));
        let proof = json["kzg_commitment_inclusion_proof"].as_array().unwrap();
        assert_eq!(proof.len(), s.kzg_commitment_inclusion_proof.len());
        assert_eq!(proof[0], hex0x(s.kzg_commitment_inclusion_proof[0]));
    }
    let commitments: Vec<String> = block
        .signed()
        .blob_kzg_commitments()
        .iter()
        .map(hex0x)
        .collect();
    let served_commitments: Vec<&str> = list
        .iter()
        .map(|s| s["kzg_commitment"].as_str().unwrap())
        .collect();
    assert_eq!(served_commitments, commitments);

    let ssz = served.get_ssz(&path).await;
    assert_eq!(ssz.status, StatusCode::OK);
    assert_eq!(ssz.header("content-type"), "application/octet-stream");
    let expected: Vec<u8> = sidecars.iter().flat_map(Sidecar::as_ssz_bytes).collect();
    assert_eq!(ssz.body.as_ref(), expected.as_slice());

    let second = served.get(&format!("{path}?indices=1")).await.data();
    assert_eq!(second.as_array().unwrap().len(), 1);
    assert_eq!(second[0]["index"], "1");
    let both = served
        .get(&format!("{path}?indices=1&indices=0"))
        .await
        .data();
    assert_eq!(both.as_array().unwrap().len(), 2);
    let second_ssz = served.get_ssz(&format!("{path}?indices=1,7")).await;
    assert_eq!(
        second_ssz.body.as_ref(),
        sidecars[1].as_ssz_bytes().as_slice()
    );

    let (bare, _) = block_with_blobs(0);
    let none = served
        .get(&format!(
            "/eth/v1/beacon/blob_sidecars/{}",
            hex0x(bare.root())
        ))
        .await
        .data();
    assert_eq!(none, Value::Array(Vec::new()));
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn genesis_and_version_describe_the_chain_and_the_build() {
    let served = Served::start().await;
    let config = devnet().config();
    let genesis = served.get("/eth/v1/beacon/genesis").await.data();
    assert_eq!(genesis["genesis_time"], config.genesis_time().to_string());
    assert_eq!(
        genesis["genesis_validators_root"],
        hex0x(config.genesis_validators_root())
    );
    let fork_version = config.fork_version(config.fork_at_epoch(0));
    assert_eq!(genesis["genesis_fork_version"], hex0x(fork_version));

    let version = served.get("/eth/v1/node/version").await.data();
    let expected = format!(
        "beacon-sync/v{}/{}-{}",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::ARCH,
        std::env::consts::OS
    );
    assert_eq!(version["version"], expected);
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn node_endpoints_describe_identity_sync_and_peers() {
    let served = Served::start().await;
    let head_slot = devnet().head().signed().slot();
    let network = served.node.network();
    // The stored head is at the wall slot: forward sync finds itself in sync (at its next
    // loop tick; a committed head alone does not say the manager noticed).
    served.node.wait_for_head(head_slot).await;
    served.node.wait_until_synced().await;

    let syncing = served.get("/eth/v1/node/syncing").await.data();
    assert_eq!(syncing["head_slot"], head_slot.to_string());
    assert_eq!(
        syncing["sync_distance"],
        (LAST_SLOT - head_slot).to_string()
    );
    assert_eq!(syncing["is_syncing"], false);
    assert_eq!(syncing["is_optimistic"], false);
    assert_eq!(syncing["el_offline"], false);
    let health = served.get("/eth/v1/node/health").await;
    assert_eq!(health.status, StatusCode::OK);
    assert!(health.body.is_empty());

    let identity = served.get("/eth/v1/node/identity").await.data();
    let id = network.local_peer_id().to_string();
    assert_eq!(identity["peer_id"], id);
    assert_eq!(identity["enr"], "");
    let addrs = identity["p2p_addresses"].as_array().unwrap();
    assert_eq!(addrs.len(), network.listen_addrs().len());
    let first = format!("{}/p2p/{id}", network.listen_addrs()[0]);
    assert_eq!(addrs[0], first);
    assert_eq!(identity["discovery_addresses"], Value::Array(Vec::new()));
    assert_eq!(identity["metadata"]["seq_number"], "0");
    assert_eq!(identity["metadata"]["attnets"], "0x0000000000000000");
    assert_eq!(identity["metadata"]["syncnets"], "0x00");

    let peers = served.get("/eth/v1/node/peers").await.json();
    assert_eq!(peers["data"], Value::Array(Vec::new()));
    assert_eq!(peers["meta"]["count"], "0");
    let filtered = served
        .get("/eth/v1/node/peers?state=connected,disconnected&direction=inbound")
        .await;
    assert_eq!(filtered.status, StatusCode::OK);
    let bad_filter = served.get("/eth/v1/node/peers?state=sleeping").await;
    bad_filter.expect_error(StatusCode::BAD_REQUEST);
    served
        .get(&format!("/eth/v1/node/peers/{id}"))
        .await
        .expect_error(StatusCode::NOT_FOUND);
    served
        .get("/eth/v1/node/peers/nonsense")
        .await
        .expect_error(StatusCode::BAD_REQUEST);
    let count = served.get("/eth/v1/node/peer_count").await.data();
    for field in ["connected", "disconnected", "connecting", "disconnecting"] {
        assert_eq!(count[field], "0", "{field}");
    }
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn health_is_206_and_syncing_says_so_while_the_head_is_behind() {
    let behind = 10 * 32;
    let served = Served::start_at(LAST_SLOT + behind).await;
    let head_slot = devnet().head().signed().slot();
    let syncing = served.get("/eth/v1/node/syncing").await.data();
    assert_eq!(syncing["is_syncing"], true);
    assert_eq!(
        syncing["sync_distance"],
        (LAST_SLOT + behind - head_slot).to_string()
    );
    let health = served.get("/eth/v1/node/health").await;
    assert_eq!(health.status, StatusCode::PARTIAL_CONTENT);
    let custom = served.get("/eth/v1/node/health?syncing_status=503").await;
    assert_eq!(custom.status, StatusCode::SERVICE_UNAVAILABLE);
    let bad = served.get("/eth/v1/node/health?syncing_status=abc").await;
    bad.expect_error(StatusCode::BAD_REQUEST);
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn status_shows_both_syncs_and_the_anchors() {
    let served = Served::start().await;
    let devnet = devnet();
    let status = served.get("/beacon-sync/v1/status").await.data();
    assert_eq!(status["wall_slot"], LAST_SLOT);
    let anchors = &status["anchors"];
    assert_eq!(anchors["head"]["slot"], devnet.head().signed().slot());
    assert_eq!(anchors["head"]["root"], hex0x(devnet.head().root()));
    assert_eq!(
        anchors["trusted"]["root"],
        hex0x(devnet.genesis_block().root())
    );
    assert_eq!(anchors["backfill_slot"], 0);
    assert_eq!(anchors["backfill_complete"], true);
    assert_eq!(status["finalized"]["epoch"], 0);
    let forward = &status["forward"];
    assert_eq!(
        forward["direction"],
        served.node.status().forward.direction.to_string()
    );
    for field in ["state", "worker_map", "status_line"] {
        assert!(forward[field].is_string(), "{field}");
    }
    for field in ["slots_done", "slots_total", "slots_left", "fraction_done"] {
        assert!(forward["progress"][field].is_number(), "{field}");
    }
    for field in ["requests_issued", "blocks_imported", "verifier_faults"] {
        assert!(forward["queue"][field].is_u64(), "{field}");
    }
    // An Electra chain needs no column: none lacks a custody peer.
    assert_eq!(forward["columns_without_peer"], serde_json::json!([]));
    assert_eq!(
        forward["worker_map"].as_str().unwrap().len(),
        served.node.status().forward.workers.len()
    );
    // Backfill reached genesis before the node started: there is no backfill manager.
    assert_eq!(status["backfill"], Value::Null);
    assert_eq!(status["peers"], Value::Array(Vec::new()));
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_are_openmetrics_text_with_the_node_families() {
    let served = Served::start().await;
    let reply = served.get("/metrics").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.header("content-type"),
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    let text = String::from_utf8(reply.body.to_vec()).unwrap();
    assert!(text.contains("beacon_sync_"), "{text}");
    assert!(text.trim_end().ends_with("# EOF"));
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_port_in_use_is_a_typed_one_line_error() {
    let served = Served::start().await;
    let taken = served.server.local_addr();
    let error = serve(taken, served.node.api_context()).await.unwrap_err();
    assert!(
        matches!(error, HttpError::AddressInUse { addr } if addr == taken),
        "{error:?}"
    );
    assert!(error.is_bind_error());
    let message = error.to_string();
    assert!(message.contains(&taken.to_string()), "{message}");
    assert!(!message.contains('\n'), "{message}");
    // The server that holds the port still answers.
    assert_eq!(
        served.get("/eth/v1/node/version").await.status,
        StatusCode::OK
    );
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn shutdown_stops_accepting_connections() {
    let served = Served::start().await;
    let addr = served.server.local_addr();
    served.server.shutdown().await.unwrap();
    assert!(TcpStream::connect(addr).await.is_err());
    served.node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fulu_blob_sidecars_are_rebuilt_from_half_the_columns_or_refused_in_one_line() {
    let devnet = fulu_devnet();
    let index = devnet
        .blocks()
        .iter()
        .position(|b| b.signed().blob_kzg_commitments().len() == 2)
        .expect("a block with two blobs");
    let block = &devnet.blocks()[index];
    let path = format!("/eth/v1/beacon/blob_sidecars/{}", hex0x(block.root()));

    // Holding the odd columns only: every blob is recovered, its sidecar whole.
    let served = Served::start_on(devnet, LAST_SLOT, |i| i % 2 == 1).await;
    let reply = served.get_ssz(&path).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.header("eth-consensus-version"), "fulu");
    let sidecars: Vec<Sidecar> = reply
        .body
        .chunks(consensus::containers::BLOB_SIDECAR_SIZE)
        .map(|bytes| Sidecar::from_ssz_bytes(bytes).unwrap())
        .collect();
    assert_eq!(sidecars.len(), 2);
    let proposers = devnet.proposers();
    for sidecar in &sidecars {
        // Its KZG proof holds against the block's commitment: the blob is the block's.
        consensus::verify::blobs::verify_blob_sidecar(
            sidecar.sidecar(),
            devnet.config(),
            &proposers,
        )
        .unwrap();
        assert_eq!(sidecar.block_root(), block.root());
    }
    let json = served.get(&format!("{path}?indices=1")).await.data();
    assert_eq!(json.as_array().map(Vec::len), Some(1));
    assert_eq!(json[0]["index"], "1");
    served.stop().await;

    // Holding 8 columns, as a node at the minimum custody does: a clear 404.
    let served = Served::start_on(devnet, LAST_SLOT, |i| i < 8).await;
    let reply = served.get(&path).await;
    reply.expect_error(StatusCode::NOT_FOUND);
    let message = reply.json()["message"].as_str().unwrap().to_owned();
    assert!(message.contains("only 8 of the 128"), "{message}");
    assert!(!message.contains('\n'));
    served.stop().await;
}
