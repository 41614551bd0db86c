//! The two Lodestar 1.5.1 nodes of the interop test, both on free ports of 127.0.0.1:
//! the producer (the team's `lodestar-devnet.sh`: 8 interop validators, 2 s slots) and a
//! follower with no validators, started from the producer's genesis state with nobody to
//! sync from but our node.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::events::{Events, wait_until};
use crate::http::{free_port, get_json};

/// The team's script, beside the repository in `shared/`.
fn script_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/interop/lodestar/lodestar-devnet.sh")
}

/// The dev chain's slot length.
pub const SECONDS_PER_SLOT: u64 = 2;

/// The producer, run by the team's script; stopped when dropped.
pub struct Producer {
    script: PathBuf,
    dir: PathBuf,
    p2p_port: u16,
    rest_port: u16,
}

impl Producer {
    /// Installs Node.js (the project's script) and Lodestar (into `tmp`, the caller's
    /// `CARGO_TARGET_TMPDIR`, shared by every test) if needed, and starts a fresh chain
    /// that logs every request error (`verbose`). Waits for its first block.
    pub fn start(tmp: &Path) -> Producer {
        let script = script_path();
        assert!(
            script.exists(),
            "{} is missing: ../shared must sit next to the repository",
            script.display()
        );
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        run(
            Command::new("bash").arg(repo.join("scripts/ensure-node.sh")),
            "scripts/ensure-node.sh",
        );
        let producer = Producer {
            script,
            dir: tmp.join("lodestar-devnet"),
            p2p_port: free_port(),
            rest_port: free_port(),
        };
        if !producer
            .dir
            .join("node_modules/@chainsafe/lodestar")
            .exists()
        {
            run(
                &mut producer.script("install"),
                "lodestar-devnet.sh install",
            );
        }
        // A node left over from an interrupted run would hold the data directory.
        run(&mut producer.script("stop"), "lodestar-devnet.sh stop");
        producer.start_chain();
        producer
    }

    fn start_chain(&self) {
        // The script returns once the REST API answers.
        run(&mut self.script("start"), "lodestar-devnet.sh start");
        let events = self.events();
        wait_until(
            "the producer's first block",
            Duration::from_secs(120),
            &events,
            || (self.head_slot() >= 1).then_some(()),
        );
    }

    /// Stops the node and starts a new chain on the same ports: a new genesis time, the
    /// same interop validators, a new peer id.
    pub fn restart_with_new_genesis(&self) {
        run(&mut self.script("stop"), "lodestar-devnet.sh stop");
        self.start_chain();
    }

    fn script(&self, action: &str) -> Command {
        let mut command = Command::new("bash");
        command
            .arg(&self.script)
            .arg(action)
            .env("DEVNET_DIR", &self.dir)
            .env("P2P_PORT", self.p2p_port.to_string())
            .env("REST_PORT", self.rest_port.to_string())
            .env("SECONDS_PER_SLOT", SECONDS_PER_SLOT.to_string())
            .env("LOG_LEVEL", "verbose");
        command
    }

    /// The REST API's base URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.rest_port)
    }

    /// The genesis state the script wrote for this chain.
    pub fn genesis_state(&self) -> PathBuf {
        self.dir.join("run/genesis.ssz")
    }

    /// Lodestar's own log of this chain.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("run/lodestar.log")).unwrap_or_default()
    }

    /// The Lodestar node that Node.js runs for the script.
    pub fn node_modules(&self) -> PathBuf {
        self.dir.join("node_modules")
    }

    /// Its head slot (0 while the API is not up).
    pub fn head_slot(&self) -> u64 {
        head_slot(&self.url())
    }

    /// Waits until its head is at `slot` or later.
    pub fn wait_slot(&self, slot: u64) {
        let events = self.events();
        wait_until(
            &format!("Lodestar's slot {slot}"),
            slots(slot),
            &events,
            || (self.head_slot() >= slot).then_some(()),
        );
    }

    /// Its event stream (heads, finalized checkpoints): the clock the test waits by.
    /// It ends when the producer stops or restarts.
    pub fn events(&self) -> Events {
        Events::subscribe(&self.url())
    }

    /// `GET path` on its REST API, as JSON; `None` for an HTTP error.
    pub fn get(&self, path: &str) -> Option<Value> {
        get_json(&format!("{}{path}", self.url()))
    }

    /// Its finalized epoch.
    pub fn finalized_epoch(&self) -> u64 {
        get_json(&format!(
            "{}/eth/v1/beacon/states/head/finality_checkpoints",
            self.url()
        ))
        .and_then(|v| number(&v["data"]["finalized"]["epoch"]))
        .unwrap_or(0)
    }

    /// Its p2p address with its peer id.
    pub fn p2p_address(&self) -> String {
        p2p_address(&self.url())
    }
}

impl Drop for Producer {
    fn drop(&mut self) {
        let _ = self.script("stop").status();
    }
}

/// A Lodestar node with no validators, started from `genesis_state`, that knows no peer:
/// it can only learn the chain from a node that dials it. Killed when dropped.
pub struct Follower {
    child: Child,
    rest_port: u16,
    log: PathBuf,
}

impl Follower {
    /// Starts it in `dir` with the Lodestar install under `node_modules`, waiting for its
    /// REST API at `events`' ticks (the producer's).
    pub fn start(
        node_modules: &Path,
        genesis_state: &Path,
        dir: &Path,
        events: &Events,
    ) -> Follower {
        std::fs::create_dir_all(dir).expect("the follower's directory");
        let (p2p_port, rest_port) = (free_port(), free_port());
        let log = dir.join("lodestar.log");
        let out = std::fs::File::create(&log).expect("the follower's log");
        let mut command = Command::new("node");
        command
            .arg(node_modules.join("@chainsafe/lodestar/lib/index.js"))
            .arg("dev")
            .args(["--preset", "mainnet", "--dataDir"])
            .arg(dir.join("data"))
            .arg("--genesisStateFile")
            .arg(genesis_state)
            .args(["--params.SECONDS_PER_SLOT", &SECONDS_PER_SLOT.to_string()])
            .args(["--params.ALTAIR_FORK_EPOCH", "0"])
            .args(["--params.BELLATRIX_FORK_EPOCH", "0"])
            .args(["--params.CAPELLA_FORK_EPOCH", "0"])
            .args(["--execution.engineMock", "--listenAddress", "127.0.0.1"])
            .args(["--port", &p2p_port.to_string()])
            .args(["--enr.ip", "127.0.0.1", "--enr.tcp", &p2p_port.to_string()])
            .args(["--discv5", "false", "--mdns", "false", "--rest"])
            .args(["--rest.address", "127.0.0.1"])
            .args([
                "--rest.port",
                &rest_port.to_string(),
                "--rest.namespace",
                "*",
            ])
            .args(["--logLevel", "verbose"])
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log handle"))
            .stderr(out);
        // Lodestar reads every LODESTAR_* variable as a flag.
        for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("LODESTAR_")) {
            command.env_remove(key);
        }
        let child = command.spawn().expect("node runs the follower");
        let follower = Follower {
            child,
            rest_port,
            log,
        };
        wait_until(
            "the follower's REST API",
            Duration::from_secs(60),
            events,
            || get_json(&format!("{}/eth/v1/node/identity", follower.url())).map(|_| ()),
        );
        follower
    }

    /// The REST API's base URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.rest_port)
    }

    /// Its head slot.
    pub fn head_slot(&self) -> u64 {
        head_slot(&self.url())
    }

    /// Its p2p address with its peer id.
    pub fn p2p_address(&self) -> String {
        p2p_address(&self.url())
    }

    /// The ids of the peers it is connected to.
    pub fn connected_peers(&self) -> Vec<String> {
        let peers = get_json(&format!("{}/eth/v1/node/peers", self.url())).unwrap_or_default();
        peers["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["state"] == "connected")
            .filter_map(|p| p["peer_id"].as_str().map(str::to_owned))
            .collect()
    }

    /// Its log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The root of the block at `slot` on the node at `url`, `None` for an empty slot.
pub fn block_root(url: &str, slot: u64) -> Option<String> {
    get_json(&format!("{url}/eth/v1/beacon/headers/{slot}"))
        .and_then(|v| v["data"]["root"].as_str().map(str::to_owned))
}

fn head_slot(url: &str) -> u64 {
    get_json(&format!("{url}/eth/v1/beacon/headers/head"))
        .and_then(|v| number(&v["data"]["header"]["message"]["slot"]))
        .unwrap_or(0)
}

fn p2p_address(url: &str) -> String {
    let identity = get_json(&format!("{url}/eth/v1/node/identity")).expect("identity");
    identity["data"]["p2p_addresses"][0]
        .as_str()
        .expect("a p2p address")
        .to_owned()
}

/// A beacon-API number (a decimal string).
pub fn number(value: &Value) -> Option<u64> {
    value.as_str()?.parse().ok()
}

#[track_caller]
fn run(command: &mut Command, what: &str) {
    let status = command
        .status()
        .unwrap_or_else(|e| panic!("{what} did not run: {e}"));
    assert!(
        status.success(),
        "{what} failed ({status}); see its output above"
    );
}

/// How long `slots` slots of the dev chain take, with room for a loaded machine.
pub fn slots(slots: u64) -> Duration {
    Duration::from_secs(slots * SECONDS_PER_SLOT + 60)
}
