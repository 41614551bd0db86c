//! Property: with waiting acquirers and adders started, polled and cancelled in any
//! order among other operations, the counters stay consistent, nothing leaks, and a
//! waiter only ever waits when there is nothing for it (no available peer it could take,
//! no space of its direction).

mod common;

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll, Waker},
};

use common::{Peer, expect_consistent};
use peer_pool::{AddError, Lifetime, PeerFilter, PeerPool, PeerType, PoolConfig, PooledPeer};
use proptest::prelude::*;
use sync_types::ScoredPeer;

#[derive(Clone, Debug)]
enum Op {
    AddNow { key: u32, outgoing: bool },
    StartAdd { key: u32, outgoing: bool },
    StartAcquire(u8),
    AcquireNow(u8),
    Release(usize),
    Delete { key: u32, force: bool },
    Cancel(usize),
    Worsen(u32),
    Clear,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u32..10, any::<bool>()).prop_map(|(key, outgoing)| Op::AddNow { key, outgoing }),
        3 => (0u32..10, any::<bool>()).prop_map(|(key, outgoing)| Op::StartAdd { key, outgoing }),
        3 => (0u8..3).prop_map(Op::StartAcquire),
        2 => (0u8..3).prop_map(Op::AcquireNow),
        4 => any::<usize>().prop_map(Op::Release),
        2 => (0u32..10, any::<bool>()).prop_map(|(key, force)| Op::Delete { key, force }),
        2 => any::<usize>().prop_map(Op::Cancel),
        1 => (0u32..10).prop_map(Op::Worsen),
        1 => Just(Op::Clear),
    ]
}

fn filter_of(n: u8) -> PeerFilter {
    [PeerFilter::ANY, PeerFilter::INCOMING, PeerFilter::OUTGOING][usize::from(n % 3)]
}

fn kind_of(outgoing: bool) -> PeerType {
    if outgoing {
        PeerType::Outgoing
    } else {
        PeerType::Incoming
    }
}

type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

enum Waiter<'a> {
    Add(PeerType, Boxed<'a, Result<(), AddError>>),
    Acquire(PeerFilter, Boxed<'a, PooledPeer<Peer>>),
}

fn run(config: &PoolConfig, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let pool: PeerPool<Peer> = PeerPool::new(config.clone()).expect("valid");
    let mut cx = Context::from_waker(Waker::noop());
    let mut held: Vec<PooledPeer<Peer>> = Vec::new();
    let mut waiters: Vec<Waiter<'_>> = Vec::new();

    for op in ops {
        match op {
            Op::AddNow { key, outgoing } => {
                let _ =
                    pool.add_peer_no_wait(Peer::new(key), kind_of(outgoing), Lifetime::forever());
            }
            Op::StartAdd { key, outgoing } => {
                let kind = kind_of(outgoing);
                waiters.push(Waiter::Add(
                    kind,
                    Box::pin(pool.add_peer(Peer::new(key), kind, Lifetime::forever())),
                ));
            }
            Op::StartAcquire(f) => {
                let filter = filter_of(f);
                waiters.push(Waiter::Acquire(filter, Box::pin(pool.acquire(filter))));
            }
            Op::AcquireNow(f) => held.extend(pool.acquire_no_wait(filter_of(f))),
            Op::Release(i) => {
                if !held.is_empty() {
                    held.swap_remove(i % held.len()).release();
                }
            }
            Op::Delete { key, force } => {
                pool.delete_peer(&key, force);
            }
            Op::Cancel(i) => {
                if !waiters.is_empty() {
                    drop(waiters.swap_remove(i % waiters.len()));
                }
            }
            Op::Worsen(key) => {
                if let Some(peer) = pool.get(&key) {
                    peer.update_score(-200);
                }
            }
            Op::Clear => pool.clear(),
        }

        // Poll the waiters, as an executor would after the wakeups, until none makes
        // progress (one completing can hand something to another that was polled
        // before it).
        loop {
            let before = waiters.len();
            let mut pending = Vec::new();
            for waiter in waiters.drain(..) {
                match waiter {
                    Waiter::Add(kind, mut fut) => match fut.as_mut().poll(&mut cx) {
                        Poll::Ready(result) => {
                            prop_assert_ne!(
                                result,
                                Err(AddError::NoSpace),
                                "add_peer never says NoSpace"
                            );
                        }
                        Poll::Pending => pending.push(Waiter::Add(kind, fut)),
                    },
                    Waiter::Acquire(filter, mut fut) => match fut.as_mut().poll(&mut cx) {
                        Poll::Ready(peer) => held.push(peer),
                        Poll::Pending => pending.push(Waiter::Acquire(filter, fut)),
                    },
                }
            }
            waiters = pending;
            if waiters.len() == before {
                break;
            }
        }
        for waiter in &waiters {
            match waiter {
                Waiter::Add(kind, _) => prop_assert_eq!(
                    pool.len_space(PeerFilter::only(*kind)),
                    0,
                    "an adder waits only while its direction is full"
                ),
                Waiter::Acquire(filter, _) => prop_assert_eq!(
                    pool.len_available(*filter),
                    0,
                    "an acquirer waits only while nothing it may take is free"
                ),
            }
        }
        expect_consistent(&pool);
        prop_assert!(config.max_peers.is_none_or(|m| pool.len() <= m));
        prop_assert!(
            config
                .max_incoming
                .is_none_or(|m| pool.len_current(PeerFilter::INCOMING) <= m)
        );
        prop_assert!(
            config
                .max_outgoing
                .is_none_or(|m| pool.len_current(PeerFilter::OUTGOING) <= m)
        );
    }

    // Cancel everything and give everything back: nothing stays acquired or reserved.
    drop(waiters);
    drop(held);
    prop_assert_eq!(pool.len_acquired(PeerFilter::ANY), 0);
    let space = pool.len_space(PeerFilter::ANY);
    let want = config.max_peers.map_or(usize::MAX, |m| m - pool.len()).min(
        config
            .max_incoming
            .map_or(usize::MAX, |m| m - pool.len_current(PeerFilter::INCOMING))
            .saturating_add(
                config
                    .max_outgoing
                    .map_or(usize::MAX, |m| m - pool.len_current(PeerFilter::OUTGOING)),
            ),
    );
    prop_assert_eq!(space, want, "no reservation is left behind");
    Ok(())
}

fn limit() -> impl Strategy<Value = Option<usize>> {
    prop_oneof![Just(None), (0usize..5).prop_map(Some)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn waiters_only_wait_when_there_is_nothing_for_them(
        limits in (limit(), limit(), limit()),
        ops in prop::collection::vec(op(), 0..80),
    ) {
        let config = PoolConfig {
            max_peers: limits.0,
            max_incoming: limits.1,
            max_outgoing: limits.2,
            ..PoolConfig::default()
        };
        prop_assume!(config.validate().is_ok());
        run(&config, ops)?;
    }
}
