//! Property: whatever the sequence of adds, acquires, releases, deletes, score changes,
//! ended connections and clears, the pool agrees with a plain model of spec A.3, and its
//! counters agree with each other (len = available + acquired, per-direction counts
//! match the listings, no peer is both available and acquired).

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{Peer, Recorder, expect_consistent, keys};
use peer_pool::{
    AddError, Lifetime, LifetimeHandle, PeerFilter, PeerPool, PeerType, PoolConfig, PooledPeer,
};
use proptest::prelude::*;
use sync_types::ScoredPeer;

#[derive(Clone, Debug)]
enum Op {
    Add { key: u32, outgoing: bool, low: bool },
    Acquire(u8),
    Release(usize),
    Delete { key: u32, force: bool },
    Score { key: u32, delta: i64 },
    Close(usize),
    Clear,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (0u32..8, any::<bool>(), prop::bool::weighted(0.1))
            .prop_map(|(key, outgoing, low)| Op::Add { key, outgoing, low }),
        4 => (0u8..3).prop_map(Op::Acquire),
        4 => any::<usize>().prop_map(Op::Release),
        2 => (0u32..8, any::<bool>()).prop_map(|(key, force)| Op::Delete { key, force }),
        2 => (0u32..8, -400i64..400).prop_map(|(key, delta)| Op::Score { key, delta }),
        2 => any::<usize>().prop_map(Op::Close),
        1 => Just(Op::Clear),
    ]
}

fn limit() -> impl Strategy<Value = Option<usize>> {
    prop_oneof![Just(None), (0usize..6).prop_map(Some)]
}

fn config() -> impl Strategy<Value = PoolConfig> {
    (limit(), limit(), limit())
        .prop_map(|(max_peers, max_incoming, max_outgoing)| PoolConfig {
            max_peers,
            max_incoming,
            max_outgoing,
            ..PoolConfig::default()
        })
        .prop_filter("valid limits", |c| c.validate().is_ok())
}

#[derive(Debug)]
struct Modelled {
    kind: PeerType,
    admission: u64,
    acquired: bool,
    delete_on_release: bool,
}

#[derive(Default)]
struct Model {
    peers: BTreeMap<u32, Modelled>,
    deleted: usize,
    admissions: u64,
}

impl Model {
    fn count(&self, kind: PeerType) -> usize {
        self.peers.values().filter(|p| p.kind == kind).count()
    }

    /// Spec A.3 `lenSpace` for one direction, written out independently.
    fn has_space(&self, config: &PoolConfig, kind: PeerType) -> bool {
        let total_ok = config.max_peers.is_none_or(|m| self.peers.len() < m);
        let cap = match kind {
            PeerType::Incoming => config.max_incoming,
            PeerType::Outgoing => config.max_outgoing,
        };
        total_ok && cap.is_none_or(|m| self.count(kind) < m)
    }

    fn remove(&mut self, key: u32) {
        if self.peers.remove(&key).is_some() {
            self.deleted += 1;
        }
    }

    fn delete(&mut self, key: u32, force: bool) -> bool {
        let Some(peer) = self.peers.get_mut(&key) else {
            return false;
        };
        if peer.acquired && !force {
            peer.delete_on_release = true;
        } else {
            self.remove(key);
        }
        true
    }
}

fn filter_of(n: u8) -> PeerFilter {
    match n {
        0 => PeerFilter::ANY,
        1 => PeerFilter::INCOMING,
        _ => PeerFilter::OUTGOING,
    }
}

fn run(config: &PoolConfig, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let pool: PeerPool<Peer> = PeerPool::new(config.clone()).expect("valid");
    let recorder = Recorder::attach(&pool);
    let mut model = Model::default();
    let mut held: Vec<(PooledPeer<Peer>, u64)> = Vec::new();
    let mut connections: Vec<(u32, u64, LifetimeHandle)> = Vec::new();

    for op in ops {
        match op {
            Op::Add { key, outgoing, low } => {
                let kind = if outgoing {
                    PeerType::Outgoing
                } else {
                    PeerType::Incoming
                };
                let peer = if low {
                    Peer::scored(key, -1)
                } else {
                    Peer::new(key)
                };
                let (lifetime, handle) = Lifetime::new();
                let want = if low {
                    Err(AddError::LowScore)
                } else if model.peers.contains_key(&key) {
                    Err(AddError::Duplicate)
                } else if !model.has_space(config, kind) {
                    Err(AddError::NoSpace)
                } else {
                    Ok(())
                };
                prop_assert_eq!(pool.add_peer_no_wait(peer, kind, lifetime), want);
                if want.is_ok() {
                    model.admissions += 1;
                    let admission = model.admissions;
                    model.peers.insert(
                        key,
                        Modelled {
                            kind,
                            admission,
                            acquired: false,
                            delete_on_release: false,
                        },
                    );
                    connections.push((key, admission, handle));
                }
            }
            Op::Acquire(f) => {
                let filter = filter_of(f);
                let candidates: Vec<(u32, i64)> = model
                    .peers
                    .iter()
                    .filter(|(_, p)| !p.acquired && filter.matches(p.kind))
                    .map(|(k, _)| (*k, pool.get(k).expect("registered").score()))
                    .collect();
                let got = pool.acquire_no_wait(filter);
                prop_assert_eq!(got.is_some(), !candidates.is_empty());
                if let Some(got) = got {
                    // Scores at or above the fair score rank as equals (fair rotation).
                    let fair = config.fair_score.unwrap_or(i64::MAX);
                    let best = candidates.iter().map(|(_, s)| (*s).min(fair)).max();
                    prop_assert_eq!(Some(got.score().min(fair)), best, "the best score is taken");
                    let entry = model.peers.get_mut(got.key()).expect("modelled");
                    prop_assert!(!entry.acquired);
                    entry.acquired = true;
                    let admission = entry.admission;
                    held.push((got, admission));
                }
            }
            Op::Release(i) => {
                if held.is_empty() {
                    continue;
                }
                let (peer, admission) = held.swap_remove(i % held.len());
                let key = *peer.key();
                let score = peer.score();
                peer.release();
                if let Some(entry) = model.peers.get_mut(&key)
                    && entry.admission == admission
                {
                    if score < 0 || entry.delete_on_release {
                        model.remove(key);
                    } else {
                        entry.acquired = false;
                    }
                }
            }
            Op::Delete { key, force } => {
                prop_assert_eq!(pool.delete_peer(&key, force), model.delete(key, force));
            }
            Op::Score { key, delta } => {
                if let Some(peer) = pool.get(&key) {
                    peer.update_score(delta);
                }
            }
            Op::Close(i) => {
                if connections.is_empty() {
                    continue;
                }
                let (key, admission, handle) = connections.swap_remove(i % connections.len());
                handle.close();
                if model
                    .peers
                    .get(&key)
                    .is_some_and(|p| p.admission == admission)
                {
                    model.delete(key, false);
                }
            }
            Op::Clear => {
                pool.clear();
                model.peers.clear();
            }
        }

        expect_consistent(&pool);
        let pool_keys: BTreeSet<u32> = keys(&pool.peers(PeerFilter::ANY)).into_iter().collect();
        let model_keys: BTreeSet<u32> = model.peers.keys().copied().collect();
        prop_assert_eq!(pool_keys, model_keys);
        let acquired: BTreeSet<u32> = keys(&pool.acquired_peers(PeerFilter::ANY))
            .into_iter()
            .collect();
        let model_acquired: BTreeSet<u32> = model
            .peers
            .iter()
            .filter(|(_, p)| p.acquired)
            .map(|(k, _)| *k)
            .collect();
        prop_assert_eq!(acquired, model_acquired);
        prop_assert_eq!(pool.counts().incoming, model.count(PeerType::Incoming));
        prop_assert_eq!(pool.counts().outgoing, model.count(PeerType::Outgoing));
        prop_assert!(config.max_peers.is_none_or(|m| pool.len() <= m));
        prop_assert_eq!(recorder.deleted().len(), model.deleted);
        if let Some(last) = recorder.last_counts() {
            prop_assert_eq!(last, pool.counts(), "the last count callback is current");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn counters_and_registry_always_agree_with_the_model(
        config in config(),
        ops in prop::collection::vec(op(), 0..80),
    ) {
        run(&config, ops)?;
    }
}
