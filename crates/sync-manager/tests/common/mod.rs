//! Shared set-up of the scenario tests: a test chain, mock peers in a pool, a manager.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::{sync::Arc, time::Duration};

use peer_pool::{Lifetime, PeerPool, PeerType, PoolConfig};
use prometheus_client::registry::Registry;
use sync_manager::{
    ManagerConfig, SyncManager, SyncMetrics,
    sim::{SimChain, SimVerifier},
};
use sync_types::{
    ChainSpec, Epoch, ScoredPeer, Slot, SyncDirection,
    test_utils::{Behaviour, ChainVerifier, MockPeer, TestChain},
};

pub type Manager = SyncManager<MockPeer, SimVerifier, SimChain>;

pub fn spec() -> ChainSpec {
    ChainSpec::minimal().with_deneb_at(Epoch(0), Epoch(0))
}

/// [`spec`] with Fulu at `epoch`: blob sidecars before it, data columns from it on.
pub fn fulu_spec(epoch: u64) -> ChainSpec {
    spec().with_fulu_at(Epoch(epoch))
}

/// A chain of `last` slots with some skipped slots and up to 3 blobs per block; the last
/// slot always has a block.
pub fn test_chain(last: u64, seed: u64) -> Arc<TestChain> {
    let shape = TestChain::pseudo_random(Slot(last), seed, 15, 3);
    Arc::new(TestChain::build(
        Slot(last),
        |s| s.0 != last && shape.block_at(s).is_none(),
        |s| shape.block_at(s).map_or(0, |b| b.blobs),
    ))
}

/// `n` honest peers, answering after 4 to 7 s (virtual; 32 blocks with blobs, busy), so
/// that requests overlap and the sync lasts long enough to meet every adversary often.
pub fn honest_peers(chain: &Arc<TestChain>, n: u32) -> Vec<MockPeer> {
    (1..=n)
        .map(|k| {
            let latency = Duration::from_millis(4000 + 500 * u64::from(k % 7));
            MockPeer::new(k, Arc::clone(chain)).with_behaviour(Behaviour::Delay(latency))
        })
        .collect()
}

pub struct Net {
    pub chain: Arc<TestChain>,
    pub sim: Arc<SimChain>,
    pub verifier: SimVerifier,
    pub pool: PeerPool<MockPeer>,
    pub manager: Manager,
    pub registry: Registry,
}

pub fn pool_with(peers: &[MockPeer]) -> PeerPool<MockPeer> {
    let pool = PeerPool::new(PoolConfig::default()).expect("valid config");
    for p in peers {
        pool.add_peer_no_wait(p.clone(), PeerType::Outgoing, Lifetime::forever())
            .expect("added");
    }
    pool
}

pub fn config() -> ManagerConfig {
    ManagerConfig {
        max_head_age: 0,
        ..ManagerConfig::default()
    }
}

/// A verifier importing `chain` forward from its first block, moving `sim`'s head.
pub fn forward_verifier(chain: &TestChain, sim: &Arc<SimChain>) -> SimVerifier {
    SimVerifier::new(
        ChainVerifier::forward(&chain.blocks()[0]),
        Arc::clone(sim),
        SyncDirection::Forward,
    )
}

/// A forward sync from genesis to the chain's last slot.
pub fn forward(chain: Arc<TestChain>, peers: &[MockPeer], config: ManagerConfig) -> Net {
    forward_on(spec(), chain, peers, config)
}

/// [`forward`] on another chain spec.
pub fn forward_on(
    spec: ChainSpec,
    chain: Arc<TestChain>,
    peers: &[MockPeer],
    config: ManagerConfig,
) -> Net {
    let last = chain.blocks().last().expect("blocks").slot;
    let sim = SimChain::forward(Slot(0), last);
    let verifier = forward_verifier(&chain, &sim);
    start(
        spec,
        chain,
        sim,
        verifier,
        peers,
        config,
        SyncDirection::Forward,
    )
}

/// A backfill from `anchor` (a block slot) down to `frontfill`.
pub fn backward(
    chain: Arc<TestChain>,
    anchor: u64,
    frontfill: u64,
    peers: &[MockPeer],
    config: ManagerConfig,
) -> Net {
    backward_on(spec(), chain, anchor, frontfill, peers, config)
}

/// [`backward`] on another chain spec.
pub fn backward_on(
    spec: ChainSpec,
    chain: Arc<TestChain>,
    anchor: u64,
    frontfill: u64,
    peers: &[MockPeer],
    config: ManagerConfig,
) -> Net {
    let block = chain.block_at(Slot(anchor)).expect("anchor block");
    let sim = SimChain::backfill(Slot(anchor), Slot(frontfill));
    let verifier = SimVerifier::new(
        ChainVerifier::backward(block),
        Arc::clone(&sim),
        SyncDirection::Backward,
    );
    start(
        spec,
        chain,
        sim,
        verifier,
        peers,
        config,
        SyncDirection::Backward,
    )
}

fn start(
    spec: ChainSpec,
    chain: Arc<TestChain>,
    sim: Arc<SimChain>,
    verifier: SimVerifier,
    peers: &[MockPeer],
    config: ManagerConfig,
    direction: SyncDirection,
) -> Net {
    let pool = pool_with(peers);
    let mut registry = Registry::default();
    let metrics = SyncMetrics::register(&mut registry, direction);
    let manager = SyncManager::start(
        direction,
        config,
        spec,
        Arc::clone(&sim),
        pool.clone(),
        verifier.clone(),
        metrics,
    );
    Net {
        chain,
        sim,
        verifier,
        pool,
        manager,
        registry,
    }
}

impl Net {
    /// Wait (on the paused clock) until the manager stops, at most `limit` of virtual time.
    pub async fn join_within(&self, limit: Duration) {
        let joined = tokio::time::timeout(limit, self.manager.join()).await;
        assert!(
            joined.is_ok(),
            "manager still running after {limit:?}: {}",
            self.manager.status().status_line()
        );
    }

    /// The registry in the text exposition format.
    pub fn metrics_text(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry).expect("encodes");
        text
    }

    /// The value of this manager's series of the counter `name` (a
    /// `beacon_sync_range_..._total` family with no label but the direction).
    #[track_caller]
    pub fn counter(&self, name: &str) -> u64 {
        let series = format!(
            "{name}{{direction=\"{}\"}} ",
            self.manager.status().direction
        );
        let text = self.metrics_text();
        text.lines()
            .find_map(|l| l.strip_prefix(&series))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no `{series}` in:\n{text}"))
    }

    /// The slots of the chain's blocks in `lo ..= hi`.
    pub fn block_slots(&self, lo: u64, hi: u64) -> Vec<Slot> {
        self.chain
            .blocks()
            .iter()
            .map(|b| b.slot)
            .filter(|s| (lo..=hi).contains(&s.0))
            .collect()
    }
}

#[track_caller]
pub fn assert_not_penalised(name: &str, peer: &MockPeer) {
    assert!(
        peer.score_change() >= 0,
        "{name} (peer {}) lost score: {}",
        peer.key(),
        peer.score_change()
    );
}

/// Advance the paused clock a second at a time until `done` holds, failing after
/// `limit` of virtual time. Awaits the event; never sleeps in real time.
pub async fn until(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let start = tokio::time::Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "not {what} after {limit:?}");
        tokio::time::advance(Duration::from_secs(1)).await;
        for _ in 0..50 {
            tokio::task::yield_now().await;
        }
    }
}
