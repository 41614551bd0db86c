//! The syncing node is killed with SIGKILL halfway through forward sync; restarted on the
//! same data directory it resumes from its stored head (it never asks again for what it
//! had committed) and finishes with exactly the source chain.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use node::devnet::{self, DevnetOptions, Lie};

const GUARD: Duration = Duration::from_secs(300);

fn sync(net_dir: &Path, data_dir: &Path, peers: &[String], exit_when_synced: bool) -> Child {
    sync_with(net_dir, data_dir, peers, exit_when_synced, &[])
}

fn sync_with(
    net_dir: &Path,
    data_dir: &Path,
    peers: &[String],
    exit_when_synced: bool,
    extra: &[&str],
) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_beacon-sync"));
    cmd.args(["sync", "--testnet-dir"])
        .arg(net_dir)
        .arg("--datadir")
        .arg(data_dir)
        .args([
            "--listen-address",
            "127.0.0.1",
            "--port",
            "0",
            "--backfill-to",
            "genesis",
        ])
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for p in peers {
        cmd.args(["--peer", p]);
    }
    cmd.args(extra);
    if exit_when_synced {
        cmd.arg("--exit-when-synced");
    }
    cmd.spawn().expect("the binary starts")
}

/// Reads `child`'s log until a line holds `needle`; returns the line.
fn wait_for_line(reader: &mut impl BufRead, needle: &str) -> String {
    let started = Instant::now();
    let mut line = String::new();
    loop {
        line.clear();
        let n = reader.read_line(&mut line).expect("reads the log");
        assert!(n > 0, "the log ended before `{needle}`");
        assert!(started.elapsed() < GUARD, "no `{needle}` within {GUARD:?}");
        if line.contains(needle) {
            return line;
        }
    }
}

/// The value of `key=` in a log line (ANSI colour codes removed).
fn field(line: &str, key: &str) -> Option<u64> {
    let plain: String = line
        .split('\u{1b}')
        .map(|part| part.split_once('m').map_or(part, |(_, rest)| rest))
        .collect();
    let at = plain.find(&format!("{key}="))? + key.len() + 1;
    plain[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_halfway_resumes_from_its_stored_head_and_finishes_the_same_chain() {
    let dir = tempfile::tempdir().expect("temp dir");
    let options = DevnetOptions {
        data_dir: dir.path().join("net"),
        slots: 2048,
        validators: 16,
        max_blobs: 1,
        ..DevnetOptions::default()
    };
    let source = devnet::prepare(&options).expect("the chain builds");
    let servers = devnet::serve_source(&source, 2, 0, Lie::Blobs)
        .await
        .expect("serving");
    let peers: Vec<String> = servers.addrs().iter().map(ToString::to_string).collect();
    let data = dir.path().join("node");
    let head = source.anchors.head.slot;

    // First run: wait for committed progress, then SIGKILL (Child::kill sends SIGKILL).
    let mut first = sync(&source.dir, &data, &peers, false);
    let mut log = BufReader::new(first.stderr.take().expect("piped"));
    let killed_at = tokio::task::spawn_blocking(move || {
        loop {
            let line = wait_for_line(&mut log, "node::progress");
            if let Some(at) = field(&line, "head").filter(|h| *h > 0) {
                return (at, log);
            }
        }
    })
    .await
    .expect("log reader");
    first.kill().expect("SIGKILL");
    first.wait().expect("reaped");
    let (seen_head, _log) = killed_at;
    assert!(
        seen_head < head,
        "killed before the end ({seen_head} of {head})"
    );

    // The store holds what was committed before the kill (recovered on open).
    let committed = {
        let store = store::Store::open(data.join(node::STORE_FILE), &source.config)
            .expect("reopens after SIGKILL");
        store.anchors().expect("reads").expect("anchored").head.slot
    };
    assert!(
        committed >= seen_head,
        "a reported head is committed ({committed} < {seen_head})"
    );

    // Second run: it starts where the store ends and finishes.
    let mut second = sync(&source.dir, &data, &peers, true);
    let mut log = BufReader::new(second.stderr.take().expect("piped"));
    let start_line = tokio::task::spawn_blocking(move || {
        let line = wait_for_line(&mut log, "sync started direction=forward");
        // Drain the rest so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in log.lines() {});
        line
    })
    .await
    .expect("log reader");
    let start = field(&start_line, "start").expect("a start slot");
    assert_eq!(
        start,
        committed + 1,
        "forward sync resumes just above the stored head: {start_line}"
    );
    let status = tokio::task::spawn_blocking(move || second.wait())
        .await
        .expect("waits")
        .expect("exits");
    assert!(status.success(), "the second run ends in sync");

    // Read-only: a store the exiting node left unclosed would be refused here.
    let store = store::Store::open_read_only(data.join(node::STORE_FILE))
        .expect("the exited node closed its store cleanly");
    assert_eq!(
        store.anchors().expect("reads").expect("anchored").head,
        source.anchors.head
    );
    for slot in 0..=head {
        assert_eq!(
            store.block_root_at(slot).expect("reads"),
            source.store.block_root_at(slot).expect("reads"),
            "slot {slot}"
        );
    }
    servers.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_halfway_through_backfill_resumes_from_its_backfill_mark() {
    let dir = tempfile::tempdir().expect("temp dir");
    let options = DevnetOptions {
        data_dir: dir.path().join("net"),
        slots: 2048,
        validators: 16,
        max_blobs: 1,
        ..DevnetOptions::default()
    };
    let source = devnet::prepare(&options).expect("the chain builds");
    let servers = devnet::serve_source(&source, 2, 0, Lie::Blobs)
        .await
        .expect("serving");
    let peers: Vec<String> = servers.addrs().iter().map(ToString::to_string).collect();
    let data = dir.path().join("node");
    let head = source.anchors.head.slot;

    // A checkpoint block 64 slots below the head, as a file.
    let target = (head - 64) / 32 * 32;
    let id = source
        .store
        .block_at_or_before(target)
        .expect("reads")
        .expect("a block");
    let checkpoint = dir.path().join("checkpoint.ssz");
    let block = source.store.block(id.root).expect("reads").expect("stored");
    std::fs::write(&checkpoint, block.signed().as_ssz_bytes()).expect("writes");
    let checkpoint = checkpoint.to_str().expect("utf-8").to_owned();
    let extra = ["--checkpoint-block", checkpoint.as_str()];

    let mut first = sync_with(&source.dir, &data, &peers, false, &extra);
    let mut log = BufReader::new(first.stderr.take().expect("piped"));
    let anchor = id.slot;
    let seen = tokio::task::spawn_blocking(move || {
        loop {
            let line = wait_for_line(&mut log, "node::progress");
            if let Some(at) = field(&line, "backfill").filter(|b| *b < anchor && *b > 0) {
                return (at, log);
            }
        }
    })
    .await
    .expect("log reader");
    first.kill().expect("SIGKILL");
    first.wait().expect("reaped");
    let (seen_backfill, _log) = seen;

    let mark = {
        let store = store::Store::open(data.join(node::STORE_FILE), &source.config)
            .expect("reopens after SIGKILL");
        store
            .anchors()
            .expect("reads")
            .expect("anchored")
            .backfill
            .slot
    };
    assert!(
        mark <= seen_backfill,
        "a reported backfill mark is committed"
    );
    assert!(mark > 0, "killed before backfill ended");

    let mut second = sync_with(&source.dir, &data, &peers, true, &extra);
    let mut log = BufReader::new(second.stderr.take().expect("piped"));
    let start_line = tokio::task::spawn_blocking(move || {
        let line = wait_for_line(&mut log, "sync started direction=backward");
        std::thread::spawn(move || for _ in log.lines() {});
        line
    })
    .await
    .expect("log reader");
    let start = field(&start_line, "start").expect("a start slot");
    assert_eq!(
        start + 1,
        mark,
        "backfill resumes just below its stored mark: {start_line}"
    );
    let status = tokio::task::spawn_blocking(move || second.wait())
        .await
        .expect("waits")
        .expect("exits");
    assert!(
        status.success(),
        "the second run ends in sync and backfilled"
    );

    let store = store::Store::open(data.join(node::STORE_FILE), &source.config).expect("opens");
    let anchors = store.anchors().expect("reads").expect("anchored");
    assert_eq!(anchors.head, source.anchors.head);
    assert_eq!(anchors.backfill.slot, 0);
    for slot in 0..=head {
        assert_eq!(
            store.block_root_at(slot).expect("reads"),
            source.store.block_root_at(slot).expect("reads"),
            "slot {slot}"
        );
    }
    servers.shutdown().await;
}
