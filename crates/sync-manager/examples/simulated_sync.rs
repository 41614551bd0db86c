//! A forward sync through a simulated network of honest and adversarial peers, on tokio's
//! paused clock.
//!
//! ```text
//! cargo run -p beacon-sync-manager --features test-utils --example simulated_sync
//! cargo run -p beacon-sync-manager --features test-utils --example simulated_sync --release -- --slots 50000 --seed 3
//! ```
//!
//! The chain has `--slots` slots after genesis (default 10,000), about 15% of them
//! skipped and up to 3 blobs per block, shaped by `--seed` (default 7). Deneb is at
//! genesis of the minimal spec, whose blob window is 4,096 epochs of 8 slots: past
//! 32,768 slots, the oldest blocks are synced without their sidecars. The pool holds 8 honest peers that answer after 4 to 7 s, and one
//! peer of each adversarial kind of `sync_types::test_utils::adversaries` (liars, bad
//! responses, withheld or corrupt sidecars, invalid blocks, disconnects, timeouts, a
//! rate limit, a stall, pruned history). Our chain starts at genesis with the wall clock
//! at the last slot; the manager runs with its defaults except `max_head_age: 0` and
//! `exit_when_synced`.
//!
//! Every delay is on tokio's clock, and the clock is paused: when every task waits, it
//! jumps to the next timer. Hours of network time take seconds of real time. A progress
//! line (the Nimbus status line) is printed every [`PROGRESS_EVERY`] of virtual time;
//! at the end, a table of each peer's final score and whether it is still in the pool
//! (with what was expected of its kind), and the totals.
//!
//! The seed shapes the chain only. tokio's `select!` polls its branches in a random
//! order, so incidental figures (how often the rate-limited peer was asked, the worker
//! map of a progress line) can differ between two runs of one seed; which blocks are
//! imported and where each peer ends do not.
//!
//! The exit code is 0 when every block was imported once, in order, no honest peer was
//! penalised or removed, and no rate-limited or pruned peer was removed; 1 otherwise; 2
//! for bad arguments. An adversary still in the pool is not a failure: a short sync (a
//! thousand slots) ends before it has met them all often enough.

use std::{
    collections::HashMap,
    process::ExitCode,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use peer_pool::{Lifetime, PeerPool, PeerType, PoolConfig};
use prometheus_client::registry::Registry;
use sync_manager::{
    ManagerConfig, SyncChain, SyncManager, SyncMetrics, SyncState,
    sim::{SimChain, SimVerifier},
};
use sync_types::{
    ChainSpec, Epoch, ScoredPeer, Slot, SyncDirection,
    score::NEW_PEER_SCORE,
    test_utils::{Behaviour, ChainVerifier, MockPeer, TestChain, adversaries},
};
use tokio::time::Instant;

/// Slots after genesis, unless `--slots` says otherwise.
const DEFAULT_SLOTS: u64 = 10_000;
/// The most slots `--slots` accepts (the chain lives in memory, a block each).
const MAX_SLOTS: u64 = 10_000_000;
/// The chain's shape, unless `--seed` says otherwise.
const DEFAULT_SEED: u64 = 7;
/// Share of slots without a block.
const SKIPPED_SLOTS_PERCENT: u64 = 15;
/// Most blobs per block.
const MAX_BLOBS_PER_BLOCK: u64 = 3;
/// Honest peers in the pool.
const HONEST_PEERS: u32 = 8;
/// The first adversary's key (honest peers have keys `1 ..= HONEST_PEERS`).
const FIRST_ADVERSARY_KEY: u32 = 100;
/// Virtual time between progress lines.
const PROGRESS_EVERY: Duration = Duration::from_secs(60);
/// Give up after this much virtual time.
const VIRTUAL_TIME_LIMIT: Duration = Duration::from_secs(24 * 3600);
/// Adversary kinds that are limited, not lying: their replies cost no score, so they
/// stay in the pool.
const NOT_FAULTS: [&str; 2] = ["rate-limits", "pruned"];

const USAGE: &str = "usage: simulated_sync [--slots N] [--seed S]";

/// What the command line asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Args {
    slots: u64,
    seed: u64,
}

/// `Ok(None)` for `--help`.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut parsed = Args {
        slots: DEFAULT_SLOTS,
        seed: DEFAULT_SEED,
    };
    while let Some(flag) = args.next() {
        let target = match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--slots" => &mut parsed.slots,
            "--seed" => &mut parsed.seed,
            other => return Err(format!("unknown argument `{other}`")),
        };
        let value = args
            .next()
            .ok_or_else(|| format!("`{flag}` needs a value"))?;
        *target = value
            .parse()
            .map_err(|_| format!("`{flag}` takes a non-negative integer, got `{value}`"))?;
    }
    if !(1..=MAX_SLOTS).contains(&parsed.slots) {
        return Err(format!(
            "`--slots` must be between 1 and {MAX_SLOTS}, got {}",
            parsed.slots
        ));
    }
    Ok(Some(parsed))
}

/// A chain of `slots` slots after genesis with skipped slots and blobs; the last slot
/// always has a block, so the sync has a block to end on.
fn build_chain(slots: u64, seed: u64) -> Arc<TestChain> {
    let shape = TestChain::pseudo_random(
        Slot(slots),
        seed,
        SKIPPED_SLOTS_PERCENT,
        MAX_BLOBS_PER_BLOCK,
    );
    Arc::new(TestChain::build(
        Slot(slots),
        |s| s.0 != slots && shape.block_at(s).is_none(),
        |s| shape.block_at(s).map_or(0, |b| b.blobs),
    ))
}

/// What a peer is, and so what should become of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// Answers every request, slowly: stays, never penalised.
    Honest,
    /// Limited, not lying (rate limit, pruned history): stays.
    Limited,
    /// Lies or fails: removed once the sync has met it often enough. A short sync may
    /// end first, and the sidecar adversaries answer honestly (and earn score) for
    /// ranges outside the blob window, so neither its score nor its presence at the
    /// end is a failure.
    Faulty,
}

impl Role {
    fn expectation(self) -> &'static str {
        match self {
            Role::Honest => "stays, no penalty",
            Role::Limited => "stays",
            Role::Faulty => "penalised, removed",
        }
    }

    /// Whether a peer of this role ended as it should. Returns a note for the table.
    fn judge(self, in_pool: bool, score_change: i64) -> Result<&'static str, &'static str> {
        match self {
            Role::Honest if !in_pool || score_change < 0 => Err("<- unexpected"),
            Role::Limited if !in_pool => Err("<- unexpected"),
            Role::Faulty if in_pool => Ok("(the sync ended first)"),
            _ => Ok(""),
        }
    }
}

/// One peer of the simulation.
struct SimPeer {
    kind: String,
    peer: MockPeer,
    role: Role,
}

/// Honest peers answering after 4 to 7 s, like the scenario tests', then the
/// adversaries.
fn peers(chain: &Arc<TestChain>) -> Vec<SimPeer> {
    let honest = (1..=HONEST_PEERS).map(|key| {
        let latency = Duration::from_millis(4000 + 500 * u64::from(key % 7));
        SimPeer {
            kind: format!("honest ({:.1} s)", latency.as_secs_f64()),
            peer: MockPeer::new(key, Arc::clone(chain)).with_behaviour(Behaviour::Delay(latency)),
            role: Role::Honest,
        }
    });
    let bad = adversaries(Arc::clone(chain), FIRST_ADVERSARY_KEY)
        .into_iter()
        .map(|(kind, peer)| SimPeer {
            kind: kind.to_owned(),
            peer,
            role: if NOT_FAULTS.contains(&kind) {
                Role::Limited
            } else {
                Role::Faulty
            },
        });
    honest.chain(bad).collect()
}

/// When each peer left the pool, in virtual time since the start.
type Departures = Arc<Mutex<HashMap<u32, Duration>>>;

type Manager = SyncManager<MockPeer, SimVerifier, SimChain>;

fn progress_line(manager: &Manager, ours: &SimChain, elapsed: Duration) -> String {
    let status = manager.status();
    format!(
        "[{:>6} s virtual] {:<7} {}  peers {:>2}  head {}",
        elapsed.as_secs(),
        status.state.to_string(),
        status.status_line(),
        status.peers,
        ours.head_slot(),
    )
}

/// `value -> count` of the forward series of a counter family whose second label is
/// `label`, from the registry's text encoding.
fn forward_counters_by(text: &str, family: &str, label: &str) -> Vec<(String, String)> {
    let prefix = format!("{family}_total{{direction=\"forward\",{label}=\"");
    let mut counters: Vec<(String, String)> = text
        .lines()
        .filter_map(|line| line.strip_prefix(&prefix))
        .filter_map(|rest| {
            let (value, count) = rest.split_once("\"} ")?;
            Some((value.to_owned(), count.trim().to_owned()))
        })
        .collect();
    counters.sort();
    counters
}

async fn run(args: Args) -> ExitCode {
    let chain = build_chain(args.slots, args.seed);
    let blocks = chain.blocks().len() - 1;
    let blobs: u64 = chain.blocks().iter().map(|b| b.blobs).sum();
    let spec = ChainSpec::minimal().with_deneb_at(Epoch(0), Epoch(0));
    let wall_epoch = spec.epoch_of(Slot(args.slots));
    let blobs_in_window: u64 = chain
        .blocks()
        .iter()
        .filter(|b| spec.is_in_blob_window(b.slot, wall_epoch))
        .map(|b| b.blobs)
        .sum();
    let sim_peers = peers(&chain);

    let pool = match PeerPool::new(PoolConfig::default()) {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("simulated_sync: pool config: {e}");
            return ExitCode::FAILURE;
        }
    };
    for p in &sim_peers {
        if let Err(e) =
            pool.add_peer_no_wait(p.peer.clone(), PeerType::Outgoing, Lifetime::forever())
        {
            eprintln!("simulated_sync: adding peer {}: {e}", p.peer.key());
            return ExitCode::FAILURE;
        }
    }
    let started = Instant::now();
    let real_started = std::time::Instant::now();
    let departures: Departures = Arc::default();
    let record = Arc::clone(&departures);
    pool.on_delete(move |peer: &MockPeer| {
        record
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(peer.key(), started.elapsed());
    });

    let last = Slot(args.slots);
    let ours = SimChain::forward(Slot(0), last);
    let verifier = SimVerifier::new(
        ChainVerifier::forward(&chain.blocks()[0]),
        Arc::clone(&ours),
        SyncDirection::Forward,
    );
    let mut registry = Registry::default();
    let metrics = SyncMetrics::register(&mut registry, SyncDirection::Forward);
    let config = ManagerConfig {
        max_head_age: 0,
        ..ManagerConfig::default()
    }
    .with_exit_when_synced();
    println!(
        "forward sync of slots 1..={} ({blocks} blocks, {blobs} blobs, seed {}) from {} honest \
         peers (4.0 to 7.0 s per answer) and {} adversaries; paused clock, a line every {} s",
        args.slots,
        args.seed,
        HONEST_PEERS,
        sim_peers.len() - HONEST_PEERS as usize,
        PROGRESS_EVERY.as_secs(),
    );
    let manager = SyncManager::start(
        SyncDirection::Forward,
        config,
        spec,
        Arc::clone(&ours),
        pool.clone(),
        verifier.clone(),
        metrics.clone(),
    );

    // `join` is awaited through one pinned future: dropping it half-way would drop the
    // manager's task handle with it.
    let join = manager.join();
    tokio::pin!(join);
    let mut ticks = tokio::time::interval_at(started + PROGRESS_EVERY, PROGRESS_EVERY);
    let limit = tokio::time::sleep(VIRTUAL_TIME_LIMIT);
    tokio::pin!(limit);
    let finished = loop {
        tokio::select! {
            biased;
            () = &mut join => break true,
            _ = ticks.tick() => println!("{}", progress_line(&manager, &ours, started.elapsed())),
            () = &mut limit => break false,
        }
    };
    let virtual_time = started.elapsed();
    let real_time = real_started.elapsed();
    println!("{}", progress_line(&manager, &ours, virtual_time));
    if !finished {
        eprintln!(
            "simulated_sync: not synced after {} s of virtual time; shutting down",
            VIRTUAL_TIME_LIMIT.as_secs()
        );
        manager.shutdown().await;
    }

    let departures = departures
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let mut surprises = 0;
    println!();
    println!(
        "{:<18} {:>4} {:>6} {:>7} {:>8}  {:<22} expected",
        "peer kind", "key", "score", "change", "requests", "in pool"
    );
    for p in &sim_peers {
        let key = p.peer.key();
        let in_pool = pool.contains(&key);
        let membership = match departures.get(&key) {
            Some(at) if !in_pool => format!("no (removed at {} s)", at.as_secs()),
            _ if in_pool => "yes".to_owned(),
            _ => "no".to_owned(),
        };
        let change = p.peer.score() - NEW_PEER_SCORE;
        let verdict = p.role.judge(in_pool, change);
        surprises += usize::from(verdict.is_err());
        let note = match verdict {
            Ok(note) | Err(note) => note,
        };
        let row = format!(
            "{:<18} {:>4} {:>6} {:>+7} {:>8}  {:<22} {} {note}",
            p.kind,
            key,
            p.peer.score(),
            change,
            p.peer.requests().len(),
            membership,
            p.role.expectation(),
        );
        println!("{}", row.trim_end());
    }

    let imported = verifier.inner().imported();
    let expected: Vec<Slot> = chain.blocks().iter().skip(1).map(|b| b.slot).collect();
    let in_order = imported == expected;
    let mut text = String::new();
    if prometheus_client::encoding::text::encode(&mut text, &registry).is_err() {
        text.clear();
    }
    let list = |family: &str, label: &str| {
        forward_counters_by(&text, family, label)
            .iter()
            .map(|(kind, n)| format!("{kind} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let status = manager.status();
    println!();
    println!(
        "blocks imported:  {} of {blocks} ({})",
        imported.len(),
        if in_order {
            "each once, in order"
        } else {
            "NOT each once in order"
        }
    );
    println!(
        "sidecars verified: {} ({blobs_in_window} in the blob window, {blobs} in the chain)",
        metrics.sidecars_verified.get()
    );
    println!(
        "requests:         {}",
        list("beacon_sync_range_requests", "result")
    );
    println!(
        "score changes:    {}",
        list("beacon_sync_range_score_changes", "reason")
    );
    println!(
        "queue:            {} rewinds, {} stalls",
        metrics.rewinds.get(),
        metrics.stalls.get()
    );
    println!(
        "final state:      {} ({} peers left)",
        status.state, status.peers
    );
    println!(
        "virtual time:     {} s ({:.1} slots/s)",
        virtual_time.as_secs(),
        args.slots as f64 / virtual_time.as_secs_f64().max(f64::MIN_POSITIVE)
    );
    println!("real time:        {:.2} s", real_time.as_secs_f64());

    if finished && in_order && status.state == SyncState::Synced && surprises == 0 {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "simulated_sync: the sync did not end as expected ({surprises} peers unexpected)"
        );
        ExitCode::FAILURE
    }
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("simulated_sync: {e}; {USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build();
    match runtime {
        Ok(rt) => rt.block_on(run(args)),
        Err(e) => {
            eprintln!("simulated_sync: cannot start the tokio runtime: {e}");
            ExitCode::FAILURE
        }
    }
}
