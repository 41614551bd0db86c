//! Shared test harness: a peer with a settable throughput, pool builders and
//! `#[track_caller]` expectations.
#![allow(dead_code, unused_imports, unreachable_pub, missing_docs)]

use std::{
    future::Future,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use peer_pool::{Lifetime, LifetimeHandle, PeerFilter, PeerPool, PeerType, PoolConfig, PoolCounts};
use sync_types::{ResponseKind, ScoredPeer, test_utils::TestPeer};
use tokio::task::{JoinHandle, yield_now};

pub use PeerType::{Incoming, Outgoing};

/// A [`TestPeer`] (score 300) whose throughput can be set; clones share both.
#[derive(Clone, Debug)]
pub struct Peer {
    inner: TestPeer,
    throughput_bits: Arc<AtomicU64>,
}

impl Peer {
    pub fn new(key: u32) -> Self {
        Peer {
            inner: TestPeer::new(key),
            throughput_bits: Arc::new(AtomicU64::new(0f64.to_bits())),
        }
    }

    /// A peer whose score is `score` (from 300, by one score update).
    pub fn scored(key: u32, score: i64) -> Self {
        let peer = Peer::new(key);
        peer.update_score(score - peer.score());
        peer
    }

    pub fn with_throughput(self, bytes_per_second: f64) -> Self {
        self.set_throughput(bytes_per_second);
        self
    }

    pub fn set_throughput(&self, bytes_per_second: f64) {
        self.throughput_bits
            .store(bytes_per_second.to_bits(), Ordering::Relaxed);
    }
}

impl ScoredPeer for Peer {
    type Key = u32;

    fn key(&self) -> u32 {
        self.inner.key()
    }
    fn score(&self) -> i64 {
        self.inner.score()
    }
    fn update_score(&self, delta: i64) {
        self.inner.update_score(delta);
    }
    fn stats(&self, kind: ResponseKind) -> u64 {
        self.inner.stats(kind)
    }
    fn update_stats(&self, kind: ResponseKind, n: u64) {
        self.inner.update_stats(kind, n);
    }
    fn throughput(&self) -> f64 {
        f64::from_bits(self.throughput_bits.load(Ordering::Relaxed))
    }
}

pub type Pool = PeerPool<Peer>;

pub fn pool(config: PoolConfig) -> Pool {
    PeerPool::new(config).expect("valid config")
}

pub fn unlimited() -> Pool {
    pool(PoolConfig::default())
}

/// An unlimited pool that ranks as Nimbus does (no fair rotation).
pub fn nimbus_ranked() -> Pool {
    pool(PoolConfig::default().with_nimbus_ranking())
}

/// Add peer `key` (score 300) with a lifetime that never ends.
#[track_caller]
pub fn add(pool: &Pool, key: u32, kind: PeerType) -> Peer {
    let peer = Peer::new(key);
    pool.add_peer_no_wait(peer.clone(), kind, Lifetime::forever())
        .expect("peer admitted");
    peer
}

/// Add peer `key` with a lifetime whose handle the test holds.
#[track_caller]
pub fn add_connected(pool: &Pool, key: u32, kind: PeerType) -> (Peer, LifetimeHandle) {
    let peer = Peer::new(key);
    let (lifetime, handle) = Lifetime::new();
    pool.add_peer_no_wait(peer.clone(), kind, lifetime)
        .expect("peer admitted");
    (peer, handle)
}

pub fn keys(peers: &[Peer]) -> Vec<u32> {
    peers.iter().map(ScoredPeer::key).collect()
}

/// Acquire every available peer of `filter` without waiting; their keys in order.
pub fn drain_keys(pool: &Pool, filter: PeerFilter) -> Vec<u32> {
    let mut held = Vec::new();
    while let Some(peer) = pool.acquire_no_wait(filter) {
        held.push(peer);
    }
    held.iter().map(|p| *p.key()).collect()
}

/// The counters agree with each other and with the listings.
#[track_caller]
pub fn expect_consistent(pool: &Pool) {
    let any = PeerFilter::ANY;
    assert_eq!(
        pool.len(),
        pool.len_available(any) + pool.len_acquired(any),
        "len = available + acquired"
    );
    assert_eq!(pool.len(), pool.len_current(any));
    for filter in [PeerFilter::INCOMING, PeerFilter::OUTGOING, any] {
        assert_eq!(pool.peers(filter).len(), pool.len_current(filter));
        assert_eq!(
            pool.available_peers(filter).len(),
            pool.len_available(filter)
        );
        assert_eq!(pool.acquired_peers(filter).len(), pool.len_acquired(filter));
    }
    let counts = pool.counts();
    assert_eq!(counts.incoming, pool.len_current(PeerFilter::INCOMING));
    assert_eq!(counts.outgoing, pool.len_current(PeerFilter::OUTGOING));
    let available = keys(&pool.available_peers(any));
    for acquired in keys(&pool.acquired_peers(any)) {
        assert!(
            !available.contains(&acquired),
            "peer {acquired} is both available and acquired"
        );
    }
}

/// Records every callback call.
#[derive(Clone, Default)]
pub struct Recorder {
    pub deleted: Arc<Mutex<Vec<u32>>>,
    pub counts: Arc<Mutex<Vec<PoolCounts>>>,
}

impl Recorder {
    pub fn attach(pool: &Pool) -> Recorder {
        let recorder = Recorder::default();
        let deleted = Arc::clone(&recorder.deleted);
        pool.on_delete(move |peer| deleted.lock().expect("not poisoned").push(peer.key()));
        let counts = Arc::clone(&recorder.counts);
        pool.on_count_change(move |c| counts.lock().expect("not poisoned").push(c));
        recorder
    }

    pub fn deleted(&self) -> Vec<u32> {
        self.deleted.lock().expect("not poisoned").clone()
    }

    pub fn counts(&self) -> Vec<PoolCounts> {
        self.counts.lock().expect("not poisoned").clone()
    }

    pub fn last_counts(&self) -> Option<PoolCounts> {
        self.counts.lock().expect("not poisoned").last().copied()
    }
}

pub fn counts(incoming: usize, outgoing: usize) -> PoolCounts {
    PoolCounts { incoming, outgoing }
}

/// Let every spawned task run until it blocks.
pub async fn settle() {
    for _ in 0..20 {
        yield_now().await;
    }
}

/// Spawn `fut` and let it run until it blocks.
pub async fn spawn_blocked<T: Send + 'static>(
    fut: impl Future<Output = T> + Send + 'static,
) -> JoinHandle<T> {
    let handle = tokio::spawn(fut);
    settle().await;
    assert!(!handle.is_finished(), "the task should be waiting");
    handle
}

/// The task's result, which must come without any time passing: on the paused clock a
/// task that was never woken makes the timeout fire at once instead of hanging.
pub async fn finished<T>(handle: JoinHandle<T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), handle)
        .await
        .expect("the task was woken")
        .expect("the task did not panic")
}
