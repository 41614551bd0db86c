//! Bad input to the `beacon-sync` binary: each is a clear error on stderr, a non-zero
//! exit code and never a panic.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

/// The longest a bad-input run may take: each should fail at once, so this only turns a
/// run that wrongly starts syncing into a failed test instead of a hung one.
const GUARD: Duration = Duration::from_secs(120);

fn beacon_sync(args: &[&str]) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_beacon-sync"))
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let pid = child.id().to_string();
    let (finished, watched) = mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if watched.recv_timeout(GUARD) == Err(RecvTimeoutError::Timeout) {
            // Killed, the run has no exit code and `error_line` fails on it.
            let _ = Command::new("kill").args(["-9", &pid]).status();
        }
    });
    let output = child.wait_with_output().expect("the binary runs");
    let _ = finished.send(());
    watchdog.join().expect("the watchdog ends");
    output
}

/// The error line: the last line of stderr, which must start with `error:`.
#[track_caller]
fn error_line(output: &Output, code: i32) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "a panic: {stderr}");
    assert_eq!(
        output.status.code(),
        Some(code),
        "exit code; stderr: {stderr}"
    );
    let line = stderr
        .lines()
        .rev()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_else(|| panic!("no error line in: {stderr}"));
    line.to_owned()
}

/// A 64-slot devnet; chains with other validator counts are other networks (another
/// genesis validators root), whatever the seed.
fn generate(dir: &Path, validators: &str) {
    let out = beacon_sync(&[
        "generate",
        "--datadir",
        dir.to_str().expect("utf-8 path"),
        "--slots",
        "64",
        "--validators",
        validators,
        "--max-blobs",
        "0",
    ]);
    assert!(
        out.status.success(),
        "generate: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_unknown_network_is_a_usage_error() {
    let out = beacon_sync(&["sync", "--network", "atlantis"]);
    let line = error_line(&out, 2);
    assert!(line.contains("atlantis"), "{line}");
}

/// A node record of 127.0.0.1 on a UDP port nobody listens on.
fn silent_bootnode() -> String {
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("a free port")
        .port();
    let config = net::discovery::DiscoveryConfig {
        ip: std::net::Ipv4Addr::LOCALHOST,
        udp_port: port,
        tcp_port: port,
        custody_group_count: 4,
        bootnodes: Vec::new(),
    };
    let keypair = libp2p::identity::Keypair::generate_secp256k1();
    let chain = consensus::ChainConfig::hoodi();
    let record = net::discovery::local_enr(&keypair, &chain, 0, &config).expect("a record");
    record.to_base64()
}

#[test]
fn a_checkpoint_url_nobody_answers_and_a_bad_wss_checkpoint_are_one_line_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().to_str().expect("utf-8");
    // A port nobody listens on: the listener is dropped before the run.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a port")
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let started = std::time::Instant::now();
    // The bootnodes are asked first (before a long download): none answers, and the run
    // stops within seconds. A local record on a silent port stands for hoodi's bootnodes,
    // which no test may reach.
    let silent = silent_bootnode();
    let hoodi = [
        "sync",
        "--network",
        "hoodi",
        "--checkpoint-sync-url",
        &url,
        "--datadir",
        data,
        "--port",
        "0",
        "--bootnodes",
        &silent,
    ];
    let line = error_line(&beacon_sync(&hoodi), 1);
    assert!(line.contains("no bootnode answered (1 tried"), "{line}");
    let without_discovery = [&hoodi[..], &["--disable-discovery"]].concat();
    let line = error_line(&beacon_sync(&without_discovery), 1);
    assert!(
        line.contains(&url) && line.contains("cannot connect"),
        "{line}"
    );
    assert!(started.elapsed() < GUARD);
    let out = beacon_sync(&[
        "sync",
        "--network",
        "hoodi",
        "--checkpoint-sync-url",
        &url,
        "--wss-checkpoint",
        "0x12:3",
    ]);
    let line = error_line(&out, 2);
    assert!(line.contains("0x12"), "{line}");
    let out = beacon_sync(&["sync", "--checkpoint-sync-url", &url, "--datadir", data]);
    let line = error_line(&out, 1);
    assert!(
        line.contains("--network NAME or --testnet-dir DIR"),
        "{line}"
    );
}

#[test]
fn file_and_directory_mistakes_are_one_line_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    generate(&a, "4");
    generate(&b, "5");
    let net_a = a.join("source");
    let net_a = net_a.to_str().expect("utf-8");

    // A missing checkpoint file.
    let out = beacon_sync(&[
        "sync",
        "--testnet-dir",
        net_a,
        "--checkpoint-block",
        "/no/such/file.ssz",
        "--port",
        "0",
    ]);
    let line = error_line(&out, 1);
    assert!(line.contains("/no/such/file.ssz"), "{line}");

    // No room for any peer.
    let out = beacon_sync(&[
        "serve",
        "--testnet-dir",
        net_a,
        "--datadir",
        net_a,
        "--target-peers",
        "0",
        "--port",
        "0",
    ]);
    let line = error_line(&out, 1);
    assert!(line.contains("--target-peers 0"), "{line}");

    // A corrupt one.
    let corrupt = dir.path().join("corrupt.ssz");
    std::fs::write(&corrupt, vec![7_u8; 300]).expect("writes");
    let out = beacon_sync(&[
        "sync",
        "--testnet-dir",
        net_a,
        "--checkpoint-block",
        corrupt.to_str().expect("utf-8"),
        "--port",
        "0",
    ]);
    let line = error_line(&out, 1);
    assert!(
        line.contains("not a valid SSZ signed beacon block"),
        "{line}"
    );

    // A data directory of another network.
    let data_b = b.join("source");
    let out = beacon_sync(&[
        "sync",
        "--testnet-dir",
        net_a,
        "--datadir",
        data_b.to_str().expect("utf-8"),
        "--port",
        "0",
    ]);
    let line = error_line(&out, 1);
    assert!(line.contains("network"), "{line}");

    // Not a network directory at all.
    let out = beacon_sync(&["sync", "--testnet-dir", dir.path().to_str().expect("utf-8")]);
    let line = error_line(&out, 1);
    assert!(line.contains("not a network directory"), "{line}");

    // A port in use.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    let port = taken.local_addr().expect("addr").port().to_string();
    let fresh = dir.path().join("fresh");
    let out = beacon_sync(&[
        "sync",
        "--testnet-dir",
        net_a,
        "--datadir",
        fresh.to_str().expect("utf-8"),
        "--listen-address",
        "127.0.0.1",
        "--port",
        &port,
    ]);
    let line = error_line(&out, 1);
    assert!(line.contains(&port), "{line}");

    // inspect never creates a database.
    let nothing = dir.path().join("nothing");
    let out = beacon_sync(&["inspect", "--datadir", nothing.to_str().expect("utf-8")]);
    error_line(&out, 1);
    assert!(!nothing.exists(), "inspect created {}", nothing.display());
}

#[test]
fn inspect_shows_the_head_of_a_generated_chain() {
    let dir = tempfile::tempdir().expect("temp dir");
    generate(dir.path(), "4");
    let source = dir.path().join("source");
    let out = beacon_sync(&[
        "inspect",
        "--datadir",
        source.to_str().expect("utf-8"),
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["network"], "devnet");
    assert!(json["head"]["slot"].as_u64().expect("a head slot") > 0);
    assert_eq!(json["backfill_complete"], true);
    assert!(
        json["head"]["root"]
            .as_str()
            .expect("root")
            .starts_with("0x")
    );
}

/// The genesis state of a small generated devnet (an Electra chain of its own).
fn devnet_state(dir: &Path) -> std::path::PathBuf {
    generate(dir, "4");
    dir.join("source").join("genesis.ssz")
}

/// `sync --network NETWORK FLAG STATE` on a free port.
fn sync_public_network(network: &str, flag: &str, state: &Path) -> Output {
    let state = state.to_str().expect("utf-8 path");
    beacon_sync(&["sync", "--network", network, flag, state, "--port", "0"])
}

#[test]
fn a_public_network_needs_a_checkpoint_state_of_that_network() {
    let out = beacon_sync(&["sync", "--network", "mainnet", "--port", "0"]);
    let line = error_line(&out, 1);
    assert!(line.contains("--checkpoint-state"), "{line}");

    // A state of another chain (a devnet's genesis state) is refused by its root.
    let dir = tempfile::tempdir().expect("temp dir");
    let state = devnet_state(dir.path());
    let out = sync_public_network("sepolia", "--checkpoint-state", &state);
    let line = error_line(&out, 1);
    assert!(line.contains("belongs to another chain"), "{line}");
}

#[test]
fn a_genesis_state_of_another_network_is_refused_with_its_fork_version() {
    // A devnet's genesis state (Electra) given as mainnet's genesis (phase0).
    let dir = tempfile::tempdir().expect("temp dir");
    let state = devnet_state(dir.path());
    let out = sync_public_network("mainnet", "--genesis-state", &state);
    let line = error_line(&out, 1);
    assert!(line.contains("is not a genesis state of mainnet"), "{line}");
    assert!(line.contains("genesis.ssz"), "{line}");

    // --genesis-state belongs to --network; with --testnet-dir it is a usage error.
    let out = beacon_sync(&[
        "sync",
        "--testnet-dir",
        dir.path().join("source").to_str().expect("utf-8"),
        "--genesis-state",
        state.to_str().expect("utf-8"),
    ]);
    error_line(&out, 2);
}

#[test]
fn an_unreachable_beacon_api_names_the_endpoint() {
    // A port nobody listens on: bound, then closed.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let url = format!("http://127.0.0.1:{port}");
    let out = beacon_sync(&["sync", "--beacon-api", &url, "--port", "0"]);
    let line = error_line(&out, 1);
    assert!(line.contains("/eth/v1/beacon/genesis"), "{line}");
    assert!(line.contains("cannot connect"), "{line}");

    let out = beacon_sync(&["sync", "--beacon-api", "https://example.org"]);
    let line = error_line(&out, 1);
    assert!(line.contains("https is not supported"), "{line}");

    // With a network of its own it is a usage error.
    let out = beacon_sync(&["sync", "--beacon-api", &url, "--network", "mainnet"]);
    error_line(&out, 2);

    // Serving a data directory that `sync --beacon-api` filled reads the same API.
    let data = tempfile::tempdir().expect("a temporary directory");
    let datadir = data.path().to_str().expect("a UTF-8 path");
    let out = beacon_sync(&["serve", "--beacon-api", &url, "--datadir", datadir]);
    let line = error_line(&out, 1);
    assert!(line.contains("/eth/v1/beacon/genesis"), "{line}");
}
