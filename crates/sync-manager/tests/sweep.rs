//! A CI slice of the seeded sweep of simulated syncs (`sync_manager::sim::sweep`): a few
//! dozen cases chosen to cover every dimension, each of which must end without a hang, a
//! wrong import, a stall with two honest peers, or unfair blame. The full sweep is the
//! `sweep` example.

use sync_manager::sim::sweep::{
    AdversarySet, CaseResult, SweepCase, run_case, slice_seeds, sweep_seeds,
};

/// Cases in the CI slice.
const SLICE_CASES: usize = 64;
/// How many times the determinism test runs its seed.
const RERUNS: usize = 6;

fn paused_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("runtime")
}

#[test]
fn a_slice_of_the_sweep_ends_every_case_without_a_failure() {
    let seeds = slice_seeds(SLICE_CASES);
    let report = paused_runtime().block_on(sweep_seeds(seeds, |_, _| {}));
    assert_eq!(report.cases, SLICE_CASES as u64);
    assert!(
        report.is_clean(),
        "rerun one with `cargo run --release -p beacon-sync-manager --features test-utils \
         --example sweep -- --seed S --cases 1`\n{report}"
    );
}

/// Runs of one seed must agree: a failure found by the sweep is only useful if `--seed`
/// reproduces it. The sweep itself is deterministic (checked with tokio's generator seeded,
/// under `--cfg tokio_unstable`); what can make runs differ is the manager's scheduling,
/// e.g. `tokio::sync::watch` receivers park on one of eight notifiers chosen at random, so
/// the order in which waiting workers wake changes from run to run. Several runs, so that
/// such a difference shows reliably rather than once in a while.
#[test]
fn one_seed_runs_the_same_every_time() {
    // A busy case: every adversary, several honest peers, and joins or disconnects.
    let case = (1..)
        .map(SweepCase::from_seed)
        .find(|c| {
            c.adversaries == AdversarySet::All
                && c.honest.len() >= 2
                && (!c.disconnects.is_empty() || c.honest.iter().any(|h| h.joins_after.is_some()))
        })
        .expect("such a seed exists");
    let scores = |r: &CaseResult| {
        let honest = r.honest.iter().map(|p| (p.key, p.score, p.penalties));
        let bad = r
            .adversaries
            .iter()
            .map(|a| (a.peer.key, a.peer.score, a.peer.penalties));
        honest.chain(bad).collect::<Vec<_>>()
    };
    let first = paused_runtime().block_on(run_case(&case));
    assert!(first.imported > 0, "{}", first.summary_line());
    for run in 2..=RERUNS {
        let again = paused_runtime().block_on(run_case(&case));
        assert_eq!(
            first.imported, again.imported,
            "run {run} of seed {}",
            case.seed
        );
        assert_eq!(
            scores(&first),
            scores(&again),
            "run {run} of seed {}",
            case.seed
        );
        assert_eq!(
            first, again,
            "run {run} of seed {}: the whole result",
            case.seed
        );
    }
}

/// Seeds that once failed, run on every CI run.
#[test]
fn seeds_that_once_failed_end_cleanly() {
    // 1781: one honest peer among every adversary on a 90 % empty chain. The pruned peer
    // was told `Exhausted` for a range below its history, so it stayed first in line for
    // every idle worker, and the lower-ranked peers that could take the range (after the
    // honest one answered it empty) never got a turn: a hang of over an hour.
    // 4: a Fulu backfill whose liar-fork block peer was never charged (see `columns.rs`).
    // 3014, 7902: Fulu backfills with slow honest peers and every adversary, where the
    // `stalls` custody peer held each round of column requests for the whole 30 s request
    // timeout: over two minutes without progress.
    for seed in [1781, 4, 3014, 7902] {
        let result = paused_runtime().block_on(run_case(&SweepCase::from_seed(seed)));
        assert!(
            result.failures().is_empty(),
            "seed {seed}: {}",
            result.summary_line()
        );
    }
}
