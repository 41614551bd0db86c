//! Running one case: build the network, start the manager, drive joins and disconnects on
//! tokio's clock until the manager finishes or the bound passes, then judge the end.

use std::{sync::Arc, time::Duration};

use peer_pool::{Lifetime, LifetimeHandle, PeerPool, PeerType, PoolConfig};
use sync_types::{
    ChainSpec, ColumnSet, Epoch, ScoredPeer, Slot,
    test_utils::{Behaviour, ChainVerifier, MockPeer, TestChain, adversaries},
};
use tokio::time::{Instant, MissedTickBehavior};

use super::{
    case::{FIRST_ADVERSARY_KEY, PeerRef, SAMPLED_COLUMNS, SweepCase, SyncPlan},
    verdict::{
        AdversaryOutcome, CaseResult, LYING_KINDS, PeerOutcome, check_columns, check_imports,
        exemption,
    },
};
use crate::{
    ManagerConfig, SyncManager, SyncMetrics,
    sim::{SimChain, SimVerifier},
};

/// How often the driver reads the stall counter. Coarse on purpose: each read is one more
/// timer event, and a stall needs two honest peers for longer than this plus the stall
/// timeout to count.
const STALL_POLL: Duration = Duration::from_secs(5);
/// How long a shutdown after the bound may take before it counts as hung too.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(120);

/// One peer of the simulated network.
struct SimPeer {
    role: PeerRef,
    peer: MockPeer,
    /// Ends the peer's connection; taken when it is closed.
    handle: Option<LifetimeHandle>,
    lifetime: Lifetime,
    /// When it joined the pool, if it has.
    joined_at: Option<Instant>,
    /// Whether the sweep ended its connection.
    left: bool,
}

impl SimPeer {
    fn new(role: PeerRef, peer: MockPeer) -> Self {
        let (lifetime, handle) = Lifetime::new();
        SimPeer {
            role,
            peer,
            handle: Some(handle),
            lifetime,
            joined_at: None,
            left: false,
        }
    }

    fn outcome(&self) -> PeerOutcome {
        PeerOutcome {
            key: self.peer.key(),
            score: self.peer.score(),
            penalties: self.peer.penalties(),
            requests: self.peer.requests().len(),
        }
    }
}

/// What happens to the network at a time.
#[derive(Clone, Copy, Debug)]
enum Event {
    /// The peer with this index joins (incoming).
    Join(usize),
    /// The peer with this index's connection ends.
    Leave(usize),
}

/// The peers of `case`: adversaries first, in the order of `adversaries` (so that the
/// first workers meet the status liars at once), then the honest peers.
fn peers(case: &SweepCase, chain: &Arc<TestChain>) -> Vec<SimPeer> {
    // Adversaries custody every column, so that they are asked for columns often.
    let bad = adversaries(Arc::clone(chain), FIRST_ADVERSARY_KEY)
        .into_iter()
        .filter(|(kind, _)| case.adversaries.includes(kind))
        .map(|(kind, peer)| {
            SimPeer::new(PeerRef::Adversary(kind), peer.with_custody(ColumnSet::ALL))
        });
    let honest = case.honest.iter().enumerate().map(|(i, h)| {
        let key = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let peer = MockPeer::new(key, Arc::clone(chain))
            .with_behaviour(Behaviour::Delay(h.latency))
            .with_custody(h.custody);
        SimPeer::new(PeerRef::Honest(i), peer)
    });
    bad.chain(honest).collect()
}

/// Joins and disconnects, by time.
fn schedule(case: &SweepCase, peers: &[SimPeer]) -> Vec<(Duration, Event)> {
    let index_of = |role: PeerRef| peers.iter().position(|p| p.role == role);
    let joins = case.honest.iter().enumerate().filter_map(|(i, h)| {
        let at = h.joins_after?;
        Some((at, Event::Join(index_of(PeerRef::Honest(i))?)))
    });
    let leaves = case
        .disconnects
        .iter()
        .filter_map(|d| Some((d.after, Event::Leave(index_of(d.peer)?))));
    let mut events: Vec<(Duration, Event)> = joins.chain(leaves).collect();
    // Stable: a join and a leave at the same time keep this order (joins first).
    events.sort_by_key(|(at, _)| *at);
    events
}

/// Run `case` to its end and judge it. Run it on a current-thread runtime whose clock is
/// paused (`start_paused(true)`): every delay is virtual, and a case of hours takes
/// milliseconds to seconds of real time.
///
/// The network: the case's adversaries (outgoing, there from the start and added first),
/// then its honest peers (outgoing when there from the start, incoming when they join
/// late), each answering after its latency. Our chain: forward, at genesis with the wall
/// clock at the chain's last slot; backward, at the anchor block with the wall clock at
/// the chain's last slot (where the honest peers' heads are: a node that checkpoint-synced
/// below the head). The manager runs with its defaults but `max_head_age: 0`, the case's
/// chunk size and, forward, `exit_when_synced`.
pub async fn run_case(case: &SweepCase) -> CaseResult {
    let chain = Arc::new(case.build_chain());
    let mut spec = ChainSpec::minimal().with_deneb_at(Epoch(0), Epoch(0));
    if let Some(epoch) = case.fulu_epoch {
        spec = spec.with_fulu_at(Epoch(epoch));
    }
    let mut peers = peers(case, &chain);
    let mut harness_errors = Vec::new();
    let pool = match PeerPool::new(PoolConfig::default()) {
        Ok(pool) => pool,
        Err(e) => {
            // The default config is valid; report rather than panic if that ever changes.
            harness_errors.push(format!("pool config: {e}"));
            return CaseResult::not_run(case, harness_errors);
        }
    };
    let start = Instant::now();
    for p in peers.iter_mut() {
        let late = matches!(p.role, PeerRef::Honest(i) if case.honest[i].joins_after.is_some());
        if !late {
            join(&pool, p, PeerType::Outgoing, start, &mut harness_errors);
        }
    }
    let (sim, verifier) = match ours(case, &chain) {
        Ok(ours) => ours,
        Err(e) => {
            harness_errors.push(e);
            return CaseResult::not_run(case, harness_errors);
        }
    };
    let config = config(case);
    let metrics = SyncMetrics::default();
    let stall_timeout = config.stall_timeout;
    let manager = SyncManager::start(
        case.direction(),
        config,
        spec,
        sim,
        pool.clone(),
        verifier.clone(),
        metrics.clone(),
    );

    let events = schedule(case, &peers);
    let mut next = 0;
    let deadline = start + case.time_bound();
    let mut stalls = StallWatch::default();
    let mut poll = tokio::time::interval(STALL_POLL);
    poll.set_missed_tick_behavior(MissedTickBehavior::Delay);
    // One pinned `join` future for the whole run.
    let joined = manager.join();
    tokio::pin!(joined);
    let finished = loop {
        let next_at = events.get(next).map(|(at, _)| start + *at);
        tokio::select! {
            biased;
            () = &mut joined => break true,
            () = sleep_until_or_never(next_at) => {
                match events[next].1 {
                    Event::Join(i) => {
                        join(&pool, &mut peers[i], PeerType::Incoming, start, &mut harness_errors);
                    }
                    Event::Leave(i) => {
                        peers[i].left = true;
                        if let Some(handle) = peers[i].handle.take() {
                            handle.close();
                        }
                    }
                }
                next += 1;
            }
            _ = poll.tick() => stalls.read(&metrics, &peers, &pool, stall_timeout),
            () = tokio::time::sleep_until(deadline) => break false,
        }
    };
    stalls.read(&metrics, &peers, &pool, stall_timeout);
    let virtual_time = start.elapsed();
    let status = manager.status();
    let final_status = format!(
        "{} {} peers {}",
        status.state,
        status.status_line(),
        status.peers
    );
    let shutdown_hung = !finished
        && tokio::time::timeout(SHUTDOWN_GRACE, manager.shutdown())
            .await
            .is_err();

    let imported = verifier.inner().imported();
    let (expected, mut import_error) = check_imports(case, &chain, &imported, finished);
    if import_error.is_none() {
        let columns = verifier.inner().imported_columns();
        import_error = check_columns(case, &chain, &imported, &columns);
    }
    let (honest, adversaries) = outcomes(&peers, &chain);
    CaseResult {
        case: case.clone(),
        finished,
        shutdown_hung,
        virtual_time,
        final_status,
        stalls: stalls.seen,
        stalls_with_honest: stalls.with_honest,
        imported: imported.len(),
        expected,
        import_error,
        honest,
        adversaries,
        harness_errors,
    }
}

/// The manager's config: its defaults, but `max_head_age: 0`, the case's chunk size and,
/// forward, `exit_when_synced`.
fn config(case: &SweepCase) -> ManagerConfig {
    let mut config = ManagerConfig {
        max_head_age: 0,
        ..ManagerConfig::default()
    };
    config.queue.chunk_size = case.chunk_size;
    config.sampled_columns = SAMPLED_COLUMNS.into_iter().collect();
    match case.plan {
        SyncPlan::Forward => config.with_exit_when_synced(),
        SyncPlan::Backward { .. } => config,
    }
}

/// Our chain and the verifier that moves it: forward, at genesis with the wall clock at
/// the chain's last slot; backward, at the anchor block with the wall clock at the chain's
/// last slot.
fn ours(case: &SweepCase, chain: &TestChain) -> Result<(Arc<SimChain>, SimVerifier), String> {
    let (sim, inner) = match case.plan {
        SyncPlan::Forward => {
            let sim = SimChain::forward(Slot(0), Slot(case.last_slot));
            (sim, ChainVerifier::forward(&chain.blocks()[0]))
        }
        SyncPlan::Backward { anchor, frontfill } => {
            let block = chain
                .block_at(Slot(anchor))
                .ok_or_else(|| format!("no block at the anchor slot {anchor}"))?;
            let sim = SimChain::backfill(Slot(anchor), Slot(frontfill));
            sim.set_wall(Slot(case.last_slot));
            (sim, ChainVerifier::backward(block))
        }
    };
    let verifier = SimVerifier::new(inner, Arc::clone(&sim), case.direction());
    Ok((sim, verifier))
}

/// How the honest peers and the adversaries ended.
fn outcomes(peers: &[SimPeer], chain: &TestChain) -> (Vec<PeerOutcome>, Vec<AdversaryOutcome>) {
    let honest = peers
        .iter()
        .filter(|p| matches!(p.role, PeerRef::Honest(_)))
        .map(SimPeer::outcome)
        .collect();
    let adversaries = peers
        .iter()
        .filter_map(|p| match p.role {
            PeerRef::Adversary(kind) => Some(AdversaryOutcome {
                kind,
                peer: p.outcome(),
                exempt: if LYING_KINDS.contains(&kind) {
                    exemption(kind, &p.peer.requests(), chain, p.left)
                } else {
                    Some("does not lie")
                },
            }),
            PeerRef::Honest(_) => None,
        })
        .collect();
    (honest, adversaries)
}

/// Add `p` to the pool now, as `kind`.
fn join(
    pool: &PeerPool<MockPeer>,
    p: &mut SimPeer,
    kind: PeerType,
    start: Instant,
    errors: &mut Vec<String>,
) {
    match pool.add_peer_no_wait(p.peer.clone(), kind, p.lifetime.clone()) {
        Ok(()) => p.joined_at = Some(Instant::now()),
        Err(e) => errors.push(format!(
            "peer {} refused at {} s: {e}",
            p.peer.key(),
            start.elapsed().as_secs()
        )),
    }
}

/// Reads of the stall counter.
#[derive(Debug, Default)]
struct StallWatch {
    /// The counter at the last read.
    seen: u64,
    /// Stalls seen while two or more honest peers had been in the pool since before the
    /// stall began.
    with_honest: u64,
}

impl StallWatch {
    fn read(
        &mut self,
        metrics: &SyncMetrics,
        peers: &[SimPeer],
        pool: &PeerPool<MockPeer>,
        stall_timeout: Duration,
    ) {
        let now = metrics.stalls.get();
        if now <= self.seen {
            return;
        }
        // The stall began at least `stall_timeout` before it was detected, which was at
        // most one poll ago.
        let long_enough = stall_timeout + STALL_POLL;
        let honest = peers
            .iter()
            .filter(|p| matches!(p.role, PeerRef::Honest(_)))
            .filter(|p| pool.contains(&p.peer.key()))
            .filter(|p| p.joined_at.is_some_and(|at| at.elapsed() >= long_enough))
            .count();
        if honest >= 2 {
            self.with_honest += now - self.seen;
        }
        self.seen = now;
    }
}

async fn sleep_until_or_never(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

impl CaseResult {
    /// A case that could not start: only its harness errors count.
    fn not_run(case: &SweepCase, harness_errors: Vec<String>) -> Self {
        CaseResult {
            case: case.clone(),
            finished: true,
            shutdown_hung: false,
            virtual_time: Duration::ZERO,
            final_status: "not started (harness error)".to_owned(),
            stalls: 0,
            stalls_with_honest: 0,
            imported: 0,
            expected: 0,
            import_error: None,
            honest: Vec::new(),
            adversaries: Vec::new(),
            harness_errors,
        }
    }
}
