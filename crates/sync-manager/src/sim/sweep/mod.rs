//! A seeded sweep of simulated syncs, to find hangs, stalls and unfair blame.
//!
//! Each [`SweepCase`] is plain data drawn from one `u64` seed ([`SweepCase::from_seed`],
//! SplitMix64): forward or backward (to genesis or to a depth), 1, 2, 3 or 8 honest peers,
//! no adversary, one of each kind of
//! [`adversaries`](sync_types::test_utils::adversaries) alone or all of them, a chunk size
//! of 4 to 64 slots, 0, 50 or 90 % empty slots, 0 to 6 blobs per block (Deneb at genesis
//! of the minimal spec), honest latencies from tens of milliseconds to 10 s, honest peers
//! that join late, peers that disconnect (never the one honest peer chosen to stay), and
//! 200 to 1,500 slots.
//!
//! [`run_case`] runs the real [`SyncManager`](crate::SyncManager) over the simulated
//! network on tokio's paused clock, until it finishes or the case's bound
//! ([`SweepCase::time_bound`]: an hour plus four times what the slowest honest peer alone
//! needs) passes. [`CaseResult::failures`] lists each violation:
//!
//! 1. **hang**: not finished within the bound (the honest peers always hold the whole
//!    chain, so a correct sync always finishes);
//! 2. **wrong import**: the imported slots are not the chain's blocks of the synced
//!    interval, each once, in order (forward increasing from slot 1; backward decreasing
//!    from below the anchor, possibly a chunk past the frontfill slot); a hung sync must
//!    have imported a prefix of them;
//! 3. **stall** with two or more honest peers: the `stalls` metric rose while two honest
//!    peers had been in the pool since before the stall began;
//! 4. **honest penalised**: an honest peer's `MockPeer::penalties` is not 0 (its score
//!    cannot tell: it clamps at 1,000);
//! 5. **liar not below zero**: a lying kind ([`LYING_KINDS`]) ended at zero or above
//!    although its lie could show in what it was asked ([`exemption`]);
//! 6. **pruned charged**: the `pruned` adversary was penalised;
//! 7. **harness**: the sweep could not set the case up as drawn (the pool refused a peer);
//!    reported, never hidden.
//!
//! [`sweep`] runs consecutive seeds into a [`SweepReport`]; [`slice_seeds`] picks a few
//! seeds that cover every value of every dimension, for CI. The `sweep` example runs the
//! full sweep.
//!
//! ```
//! use sync_manager::sim::sweep::{SweepCase, run_case, sweep};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
//! let report = sweep(1, 3).await;
//! assert_eq!(report.cases, 3);
//! println!("{report}"); // counts per category, scores per adversary kind, failing seeds
//!
//! // Rerun one case alone, as `--seed 2 --cases 1` does.
//! let result = run_case(&SweepCase::from_seed(2)).await;
//! for failure in result.failures() {
//!     println!("{:?}: {failure}", failure.category());
//! }
//! # });
//! ```
//!
//! The sweep itself is deterministic: the case is drawn from its seed, every delay is on
//! the paused clock, and the driver's `select!` is biased (checked by running cases
//! repeatedly with tokio's own random generator seeded, under `--cfg tokio_unstable`).
//! Whether one seed always gives the same result also depends on the manager: tokio's
//! scheduling must not bring randomness in (a `tokio::sync::watch` receiver, for one,
//! parks on one of eight notifiers chosen at random, so waiters wake in a random order).

mod case;
mod report;
mod run;
mod verdict;

use std::collections::HashSet;

pub use case::{
    AdversarySet, CHAIN_SLOTS, CHUNK_SIZES, Disconnect, EMPTY_SLOT_PERCENTS, FIRST_ADVERSARY_KEY,
    HONEST_PEER_COUNTS, HonestPeer, LATENCY_CLASSES_MS, MAX_BLOBS_PER_BLOCK, MAX_EVENT_DELAY,
    PeerRef, SAMPLED_COLUMNS, SweepCase, SyncPlan, adversary_kinds,
};
pub use report::{KindSummary, SweepReport};
pub use run::run_case;
pub use verdict::{
    AdversaryOutcome, CaseResult, Category, Failure, LYING_KINDS, PRUNED_KIND, PeerOutcome,
    exemption,
};

/// How many seeds [`slice_seeds`] looks through.
const SLICE_SEARCH_SEEDS: u64 = 1_024;

/// Run the cases of seeds `first_seed ..= first_seed + n - 1` one after the other on the
/// current runtime (current-thread, clock paused) and summarise them.
pub async fn sweep(first_seed: u64, n: u64) -> SweepReport {
    sweep_seeds(first_seed..first_seed.saturating_add(n), |_, _| {}).await
}

/// Run the cases of `seeds` one after the other on the current runtime (current-thread,
/// clock paused), calling `on_case` with each result and the report so far.
pub async fn sweep_seeds(
    seeds: impl IntoIterator<Item = u64>,
    mut on_case: impl FnMut(&CaseResult, &SweepReport),
) -> SweepReport {
    let mut report = SweepReport::default();
    for seed in seeds {
        let result = run_case(&SweepCase::from_seed(seed)).await;
        report.record(&result);
        on_case(&result, &report);
    }
    report
}

/// `n` seeds for a CI slice, in increasing order: first, greedily, seeds that together
/// cover every value of every dimension seen in the first 1,024 seeds (each direction and
/// backfill depth, honest count, adversary set, chunk-size bucket, empty-slot share, blob
/// count, latency class, late joiners or not, honest or adversary disconnects or not,
/// length bucket), then the lowest seeds not taken yet. With fewer seeds than needed to
/// cover them all, some values stay uncovered.
pub fn slice_seeds(n: usize) -> Vec<u64> {
    let candidates: Vec<(u64, Vec<(&'static str, String)>)> = (1..=SLICE_SEARCH_SEEDS)
        .map(|seed| (seed, SweepCase::from_seed(seed).features()))
        .collect();
    let universe: HashSet<&(&'static str, String)> =
        candidates.iter().flat_map(|(_, f)| f).collect();
    let mut covered: HashSet<&(&'static str, String)> = HashSet::new();
    let mut chosen: Vec<u64> = Vec::new();
    while covered.len() < universe.len() && chosen.len() < n {
        let best = candidates
            .iter()
            .filter(|(seed, _)| !chosen.contains(seed))
            .map(|(seed, f)| (f.iter().filter(|x| !covered.contains(x)).count(), *seed, f))
            .max_by_key(|(new, seed, _)| (*new, std::cmp::Reverse(*seed)));
        let Some((_, seed, features)) = best else {
            break;
        };
        covered.extend(features);
        chosen.push(seed);
    }
    let mut seed = 1;
    while chosen.len() < n {
        if !chosen.contains(&seed) {
            chosen.push(seed);
        }
        seed += 1;
    }
    chosen.sort_unstable();
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slice_of_64_covers_every_adversary_set_and_dimension() {
        let seeds = slice_seeds(64);
        assert_eq!(seeds.len(), 64);
        let cases: Vec<SweepCase> = seeds.iter().map(|s| SweepCase::from_seed(*s)).collect();
        for kind in adversary_kinds() {
            assert!(
                cases
                    .iter()
                    .any(|c| c.adversaries == AdversarySet::One(kind)),
                "{kind} alone"
            );
        }
        for set in [AdversarySet::None, AdversarySet::All] {
            assert!(cases.iter().any(|c| c.adversaries == set), "{set:?}");
        }
        for n in HONEST_PEER_COUNTS {
            assert!(cases.iter().any(|c| c.honest.len() == n), "{n} honest");
        }
        for blobs in 0..=MAX_BLOBS_PER_BLOCK {
            assert!(cases.iter().any(|c| c.max_blobs == blobs), "{blobs} blobs");
        }
        assert!(cases.iter().any(|c| matches!(
            c.plan,
            SyncPlan::Backward { frontfill, .. } if frontfill > 0
        )));
        assert!(cases.iter().any(|c| !c.disconnects.is_empty()));
        assert!(
            cases
                .iter()
                .any(|c| c.honest.iter().any(|h| h.joins_after.is_some()))
        );
    }
}
