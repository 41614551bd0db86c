//! Our node under test: the `beacon-sync` binary as a user runs it, watched through its
//! HTTP API and its log.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use serde_json::Value;

use lodestar_harness::{Events, free_port, get_json, get_text, number, wait_until};

/// A running `beacon-sync sync`; killed when dropped.
pub(crate) struct Ours {
    child: Child,
    http_port: u16,
    log: PathBuf,
}

impl Ours {
    /// `beacon-sync sync --beacon-api API --datadir DATA` plus `args`, its log in `log`.
    pub(crate) fn sync(api: &str, data: &Path, log: &Path, args: &[&str]) -> Ours {
        let http_port = free_port();
        let out = std::fs::File::create(log).expect("our log");
        let child = Command::new(env!("CARGO_BIN_EXE_beacon-sync"))
            .args(["sync", "--beacon-api", api, "--datadir"])
            .arg(data)
            .args(["--listen-address", "127.0.0.1", "--port", "0"])
            .args(["--http-port", &http_port.to_string()])
            .args(args)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(out)
            .spawn()
            .expect("the binary starts");
        Ours {
            child,
            http_port,
            log: log.to_path_buf(),
        }
    }

    /// The HTTP API's base URL.
    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port)
    }

    /// `/beacon-sync/v1/status`'s data, once the API answers.
    pub(crate) fn status(&self) -> Option<Value> {
        get_json(&format!("{}/beacon-sync/v1/status", self.url())).map(|v| v["data"].clone())
    }

    /// The stored head slot.
    pub(crate) fn head_slot(&self) -> Option<u64> {
        self.status()?["anchors"]["head"]["slot"].as_u64()
    }

    /// `/eth/v1/node/syncing`'s sync distance.
    pub(crate) fn sync_distance(&self) -> Option<u64> {
        let syncing = get_json(&format!("{}/eth/v1/node/syncing", self.url()))?;
        number(&syncing["data"]["sync_distance"])
    }

    /// Our peer id.
    pub(crate) fn peer_id(&self, events: &Events) -> String {
        let identity = wait_until("our identity", Duration::from_secs(60), events, || {
            get_json(&format!("{}/eth/v1/node/identity", self.url()))
        });
        identity["data"]["peer_id"]
            .as_str()
            .expect("a peer id")
            .to_owned()
    }

    /// The sum of every sample whose name and labels start with `prefix`.
    pub(crate) fn metric(&self, prefix: &str) -> u64 {
        metric_samples(&self.metrics(), prefix)
            .map(|(_, value)| value)
            .sum()
    }

    /// The Prometheus text.
    pub(crate) fn metrics(&self) -> String {
        get_text(&format!("{}/metrics", self.url())).unwrap_or_default()
    }

    /// SIGKILL: no shutdown, no Goodbye, no last commit.
    pub(crate) fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }

    /// Waits for the process to end by itself.
    pub(crate) fn wait_exit(&mut self, limit: Duration, events: &Events) -> ExitStatus {
        wait_until("our node's exit", limit, events, || {
            self.child.try_wait().expect("waits")
        })
    }

    /// What it logged so far.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Ours {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `(name{labels}, value)` of every integer sample (every counter) in `text` that
/// starts with `prefix`.
pub(crate) fn metric_samples<'a>(
    text: &'a str,
    prefix: &'a str,
) -> impl Iterator<Item = (&'a str, u64)> {
    text.lines()
        .filter(move |line| line.starts_with(prefix))
        .filter_map(|line| {
            let (name, value) = line.rsplit_once(' ')?;
            Some((name, value.parse::<u64>().ok()?))
        })
}
