//! Settings from a TOML file under the flags, and a clean stop on SIGTERM (Goodbye to the
//! peers, exit code 0).

mod support;

use std::process::Command;

use net::{GoodbyeReason, NetEvent};
use node::devnet::{self, DevnetOptions, Lie};
use support::Running;

fn beacon_sync() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_beacon-sync"));
    cmd.env("RUST_LOG", "info").env("NO_COLOR", "1");
    cmd
}

fn generate(dir: &std::path::Path, validators: &str) {
    let out = beacon_sync()
        .args([
            "generate",
            "--slots",
            "64",
            "--max-blobs",
            "0",
            "--validators",
            validators,
            "--datadir",
        ])
        .arg(dir)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn settings_come_from_the_config_file_and_a_flag_wins() {
    let dir = tempfile::tempdir().expect("temp dir");
    generate(&dir.path().join("a"), "4");
    generate(&dir.path().join("b"), "5");
    generate(&dir.path().join("c"), "6");
    let net_a = dir.path().join("a").join("source");
    let from_file = dir.path().join("b").join("source");
    let from_flag = dir.path().join("c").join("source");
    let config = dir.path().join("beacon-sync.toml");
    std::fs::write(
        &config,
        format!(
            "datadir = {:?}\nport = 0\nlisten-address = \"127.0.0.1\"\n",
            from_file.to_str().expect("utf-8")
        ),
    )
    .expect("writes");

    // The file's data directory (another network) is used: the error names it.
    let out = beacon_sync()
        .arg("--config")
        .arg(&config)
        .args(["sync", "--testnet-dir"])
        .arg(&net_a)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(from_file.to_str().expect("utf-8")),
        "the file's datadir: {stderr}"
    );

    // A flag wins over the file.
    let out = beacon_sync()
        .arg("--config")
        .arg(&config)
        .args(["sync", "--testnet-dir"])
        .arg(&net_a)
        .arg("--datadir")
        .arg(&from_flag)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(from_flag.to_str().expect("utf-8")),
        "the flag's datadir: {stderr}"
    );

    // A malformed file is one clear error.
    std::fs::write(&config, "port = \"not a number\"\n").expect("writes");
    let out = beacon_sync()
        .arg("--config")
        .arg(&config)
        .args(["inspect", "--datadir"])
        .arg(&net_a)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("invalid config file"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_says_goodbye_to_the_peers_and_exits_cleanly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let options = DevnetOptions {
        data_dir: dir.path().join("net"),
        slots: 64,
        validators: 4,
        max_blobs: 0,
        ..DevnetOptions::default()
    };
    let source = devnet::prepare(&options).expect("builds");
    let servers = devnet::serve_source(&source, 1, 0, Lie::Blobs)
        .await
        .expect("serves");
    let mut events = servers.events(0).expect("one serving peer");
    let mut command = beacon_sync();
    command
        .args([
            "sync",
            "--listen-address",
            "127.0.0.1",
            "--port",
            "0",
            "--testnet-dir",
        ])
        .arg(&source.dir)
        .arg("--datadir")
        .arg(dir.path().join("node"))
        .arg("--peer")
        .arg(servers.addrs()[0].to_string());
    let mut child = Running::spawn(command);

    let guard = std::time::Duration::from_secs(120);
    let connected = tokio::time::timeout(guard, async {
        loop {
            if let Ok(NetEvent::PeerConnected { peer, .. }) = events.recv().await {
                return peer;
            }
        }
    })
    .await
    .expect("the node connects");
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(term.success());
    let goodbye = tokio::time::timeout(guard, async {
        loop {
            if let Ok(NetEvent::GoodbyeReceived { peer, reason }) = events.recv().await
                && peer == connected
            {
                return reason;
            }
        }
    })
    .await
    .expect("a goodbye arrives");
    assert_eq!(goodbye, GoodbyeReason::ClientShutdown);
    let status = tokio::task::block_in_place(|| child.wait_exit(guard));
    if !status.success() {
        child.fail("not exit 0 on SIGTERM");
    }
    let log = child.log();
    assert!(
        log.iter().any(|l| l.contains("node stopped")),
        "a clean stop is logged"
    );
    servers.shutdown().await;
}
