//! The peer manager's rules on a simulated network of 200 peers, on tokio's paused clock:
//! honest peers, peers stuck far behind, and liars (twenty of them one host with many
//! identities) connect inbound, are dialled, leave on their own, and are pruned, while a
//! forward sync runs over the pool. The node applies the same rules to libp2p peers.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use node::peer_manager::{
    BanList, Needs, PeerManagerConfig, PeerView, PruneReason, admit, decay, dials_wanted, prune,
};
use peer_pool::{AddError, Lifetime, LifetimeHandle, PeerFilter, PeerPool, PeerType};
use prometheus_client::registry::Registry;
use sync_manager::sim::{SimChain, SimVerifier};
use sync_manager::{ManagerConfig, SyncChain, SyncManager, SyncMetrics};
use sync_types::test_utils::{Behaviour, ChainVerifier, MockPeer, TestChain};
use sync_types::{ChainSpec, Epoch, ScoredPeer, Slot, SyncDirection, SyncPeer};

const PEERS: u32 = 200;
const LAST_SLOT: u64 = 4095;
const HEARTBEAT: Duration = Duration::from_secs(5);

/// What kind each of the 200 peers is: 1..=120 honest, 121..=160 stuck at slot 64,
/// 161..=200 liars (181..=200 all at one address).
fn kind(k: u32) -> &'static str {
    match k {
        1..=120 => "honest",
        121..=160 => "behind",
        _ => "liar",
    }
}

fn ip(k: u32) -> IpAddr {
    if k > 180 {
        IpAddr::V4(Ipv4Addr::new(10, 9, 9, 9))
    } else {
        IpAddr::V4(Ipv4Addr::from(0x0a00_0000 | k))
    }
}

fn universe(chain: &Arc<TestChain>) -> BTreeMap<u32, MockPeer> {
    (1..=PEERS)
        .map(|k| {
            let delay = Behaviour::Delay(Duration::from_millis(3000 + 400 * u64::from(k % 9)));
            let peer = MockPeer::new(k, Arc::clone(chain)).with_behaviour(delay);
            let peer = match kind(k) {
                "behind" => peer.with_head(Slot(64)),
                "liar" => peer.with_behaviour(Behaviour::Lie),
                _ => peer,
            };
            (k, peer)
        })
        .collect()
}

/// The simulated connections: the pool, each peer's lifetime handle and direction, and
/// the ban list.
struct Connections {
    peers: BTreeMap<u32, MockPeer>,
    pool: PeerPool<MockPeer>,
    open: BTreeMap<u32, (LifetimeHandle, PeerType)>,
    bans: BanList,
    banned: BTreeSet<u32>,
    /// Peers that left at or above zero: a penalty for a response still being verified
    /// may take them below later (the node's book sweeps for these each heartbeat).
    left: BTreeSet<u32>,
}

impl Connections {
    /// Whether `k` may not connect at `now` (it, or its address, is banned).
    fn refused(&self, k: u32, now: u64) -> bool {
        self.bans.is_banned(&k.to_string(), now) || self.bans.is_ip_banned(ip(k), now)
    }

    fn connect(&mut self, k: u32, direction: PeerType) -> Result<(), AddError> {
        let (lifetime, handle) = Lifetime::new();
        self.pool
            .add_peer_no_wait(self.peers[&k].clone(), direction, lifetime)?;
        self.open.insert(k, (handle, direction));
        Ok(())
    }

    /// Closes `k`'s connection (gone from the pool now, as the node's swarm removes a
    /// peer whose last connection closed). A peer that leaves below zero is banned, as
    /// the node's book bans it, whoever closed the connection.
    fn disconnect(&mut self, k: u32, now: u64) {
        if let Some((handle, _)) = self.open.remove(&k) {
            self.pool.delete_peer(&k, true);
            handle.close();
            self.left.insert(k);
            self.sweep(now);
        }
    }

    /// Bans every peer that left and is below zero now.
    fn sweep(&mut self, now: u64) {
        let below: Vec<u32> = self
            .left
            .iter()
            .copied()
            .filter(|k| self.peers[k].score() < 0)
            .collect();
        for k in below {
            self.left.remove(&k);
            self.bans
                .ban(&k.to_string(), Some(ip(k)), now)
                .expect("in memory");
            self.banned.insert(k);
        }
    }

    /// Peers the pool let go on its own (their score fell below zero) leave.
    fn reap(&mut self, now: u64) {
        let gone: Vec<u32> = self
            .open
            .keys()
            .copied()
            .filter(|k| !self.pool.contains(k))
            .collect();
        for k in gone {
            self.disconnect(k, now);
        }
        self.sweep(now);
    }

    fn views(&self) -> Vec<PeerView<u32>> {
        self.pool
            .peers(PeerFilter::ANY)
            .iter()
            .map(|p| PeerView {
                id: p.key(),
                direction: self
                    .open
                    .get(&p.key())
                    .map_or(PeerType::Incoming, |(_, d)| *d),
                score: p.score(),
                head_slot: p.head_slot().0,
                earliest_available_slot: None,
                has_needed_custody: true,
            })
            .collect()
    }
}

#[tokio::test(start_paused = true)]
async fn two_hundred_peers_the_target_is_reached_and_held_the_bad_are_banned_and_the_sync_completes()
 {
    let chain = Arc::new(TestChain::build(Slot(LAST_SLOT), |_| false, |s| s.0 % 3));
    let config = PeerManagerConfig {
        target_peers: 40,
        heartbeat: HEARTBEAT,
        ban_duration: Duration::from_secs(3600),
        ..PeerManagerConfig::default()
    };
    let pool = PeerPool::new(node::pool_config(&config)).expect("valid");
    let sim = SimChain::forward(Slot(0), Slot(LAST_SLOT));
    let verifier = SimVerifier::new(
        ChainVerifier::forward(&chain.blocks()[0]),
        Arc::clone(&sim),
        SyncDirection::Forward,
    );
    let mut registry = Registry::default();
    let manager = SyncManager::start(
        SyncDirection::Forward,
        ManagerConfig {
            max_head_age: 0,
            ..ManagerConfig::default()
        },
        ChainSpec::minimal().with_deneb_at(Epoch(0), Epoch(0)),
        Arc::clone(&sim),
        pool.clone(),
        verifier,
        SyncMetrics::register(&mut registry, SyncDirection::Forward),
    );
    let mut net = Connections {
        peers: universe(&chain),
        pool: pool.clone(),
        open: BTreeMap::new(),
        bans: BanList::in_memory(&config),
        banned: BTreeSet::new(),
        left: BTreeSet::new(),
    };
    let mut pruned: BTreeMap<PruneReason, usize> = BTreeMap::new();
    let mut ever_connected: BTreeSet<u32> = BTreeSet::new();
    let mut lowest_after_warmup = usize::MAX;
    let mut seed: u64 = 0x5eed;
    let mut next = move |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        usize::try_from(seed >> 33).expect("31 bits") % n
    };
    let peer_at = |i: usize| 1 + u32::try_from(i).expect("below PEERS");
    let mut round = 0;
    let mut synced_at = None;
    while round < 400 {
        round += 1;
        // Unix seconds of the simulated wall clock.
        let now = 1_000_000 + round * HEARTBEAT.as_secs();
        net.reap(now);
        // Churn: two connected peers leave on their own.
        for _ in 0..2 {
            let open: Vec<u32> = net.open.keys().copied().collect();
            if !open.is_empty() {
                net.disconnect(open[next(open.len())], now);
            }
        }
        // Ten peers try to connect to us.
        for _ in 0..10 {
            let k = peer_at(next(PEERS as usize));
            if net.open.contains_key(&k) || net.refused(k, now) {
                continue;
            }
            if admit(&config, &net.views(), PeerType::Incoming).is_ok() {
                match net.connect(k, PeerType::Incoming) {
                    Ok(()) => {
                        ever_connected.insert(k);
                    }
                    // Its score is still below zero from a late penalty: the pool
                    // refuses it, as the node's pool does after the handshake.
                    Err(AddError::LowScore) => {}
                    Err(other) => panic!("round {round}: peer {k} {other:?} (admit allowed it)"),
                }
            }
        }
        // The heartbeat: decay, prune, dial.
        for p in pool.peers(PeerFilter::ANY) {
            let delta = decay(p.score(), HEARTBEAT, config.score_halflife);
            p.update_score(delta);
        }
        let needs = Needs {
            head_slot: sim.head_slot().0,
            backfill_mark: None,
        };
        for (k, reason) in prune(&config, &net.views(), needs) {
            *pruned.entry(reason).or_default() += 1;
            if reason == PruneReason::Useless {
                assert_eq!(
                    kind(k),
                    "behind",
                    "only peers stuck behind are useless here"
                );
            }
            net.disconnect(k, now);
        }
        let after_prune = net.views().len();
        assert!(
            after_prune <= config.target_peers,
            "round {round}: pruned to the target, not {after_prune}"
        );
        let mut wanted = dials_wanted(&config, &net.views());
        for _ in 0..PEERS {
            if wanted == 0 {
                break;
            }
            let k = peer_at(next(PEERS as usize));
            if net.open.contains_key(&k) || net.refused(k, now) {
                continue;
            }
            if net.connect(k, PeerType::Outgoing).is_ok() {
                ever_connected.insert(k);
                wanted -= 1;
            }
        }
        // Limits hold after every heartbeat, and no banned peer is connected.
        let views = net.views();
        let inbound = views
            .iter()
            .filter(|v| v.direction == PeerType::Incoming)
            .count();
        assert!(
            views.len() <= config.max_peers(),
            "round {round}: {} peers",
            views.len()
        );
        assert!(
            inbound <= config.max_inbound(),
            "round {round}: {inbound} inbound"
        );
        for v in &views {
            assert!(
                !net.bans.is_banned(&v.id.to_string(), now),
                "round {round}: banned {} connected",
                v.id
            );
        }
        if round > 5 {
            lowest_after_warmup = lowest_after_warmup.min(views.len());
        }
        if synced_at.is_none() && sim.head_slot().0 >= LAST_SLOT {
            synced_at = Some(round);
        }
        if synced_at.is_some_and(|at| round >= at + 20) {
            break;
        }
        tokio::time::sleep(HEARTBEAT).await;
    }
    let synced_at = synced_at.expect("the sync completes while peers come and go");
    assert!(
        synced_at > 10,
        "the sync spans many heartbeats (it took {synced_at})"
    );
    // Held: after warm-up, at most the churn below the target (dials refill it each beat).
    assert!(
        lowest_after_warmup + 4 >= config.target_peers,
        "held near the target: lowest {lowest_after_warmup}"
    );
    assert!(
        pruned.get(&PruneReason::Useless).copied().unwrap_or(0) > 0,
        "{pruned:?}"
    );
    assert!(
        pruned.get(&PruneReason::Excess).copied().unwrap_or(0) > 0,
        "{pruned:?}"
    );
    // Every liar that was connected long enough to answer was banned; the shared host too.
    assert!(
        net.banned.iter().all(|k| kind(*k) == "liar"),
        "only liars banned: {:?}",
        net.banned
    );
    assert!(net.banned.len() >= 10, "liars banned: {:?}", net.banned);
    let now = 1_000_000 + round * HEARTBEAT.as_secs();
    assert!(
        net.bans.is_ip_banned(ip(200), now),
        "the host with twenty liars is banned"
    );
    assert!(!net.bans.is_ip_banned(ip(1), now));
    assert!(
        ever_connected.len() > config.target_peers,
        "peers came and went"
    );
    manager.shutdown().await;
}
