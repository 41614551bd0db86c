//! What a case ended with, and which of it is a failure.

use std::{collections::HashMap, fmt, time::Duration};

use sync_types::{
    ColumnSet, Slot, SyncRange,
    test_utils::{ReceivedRequest, RequestKind, TestChain},
};

use super::case::{SAMPLED_COLUMNS, SweepCase, SyncPlan};

/// The adversary kinds that lie, in their answers or their status. Each must end below
/// zero unless its lie could not show (see [`AdversaryOutcome::exempt`]). The others
/// (`disconnects`, `timeouts`, `rate-limits`, `stalls`, `pruned`) fail or are limited
/// without lying, and are not judged by their score.
pub const LYING_KINDS: [&str; 11] = [
    "liar-fork",
    "head-liar",
    "finality-liar",
    "out-of-range",
    "unordered",
    "duplicate-slots",
    "empty",
    "withhold-sidecars",
    "corrupt-sidecars",
    "reorder-sidecars",
    "invalid-blocks",
];

/// The adversary with pruned history: honest about it, so it must never be charged.
pub const PRUNED_KIND: &str = "pruned";

/// How one peer ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PeerOutcome {
    /// Its key.
    pub key: u32,
    /// Its final score.
    pub score: i64,
    /// The total of its penalties, a positive number (`MockPeer::penalties`).
    pub penalties: i64,
    /// How many range requests it received (blocks and sidecars).
    pub requests: usize,
}

/// How one adversary ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AdversaryOutcome {
    /// Its kind, as [`adversaries`](sync_types::test_utils::adversaries) names it.
    pub kind: &'static str,
    /// Its score and requests.
    pub peer: PeerOutcome,
    /// Why its score is not judged, if it is not: the kind does not lie, or its lie
    /// could not show in what it was asked (see [`exemption`]).
    pub exempt: Option<&'static str>,
}

/// A kind of failure; [`SweepReport`](super::SweepReport) counts cases per category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// The manager did not finish within the case's time bound.
    Hang,
    /// The imported blocks are not the chain's, each once, in order.
    WrongImport,
    /// The stall watchdog fired while two or more honest peers had been in the pool for
    /// the whole stall.
    Stall,
    /// An honest peer was penalised.
    HonestPenalised,
    /// A lying adversary whose lie showed ended at zero or above.
    LiarNotBelowZero,
    /// The pruned adversary was penalised.
    PrunedCharged,
    /// The sweep itself could not set the case up as drawn.
    Harness,
}

impl Category {
    /// Every category, in report order.
    pub const ALL: [Category; 7] = [
        Category::Hang,
        Category::WrongImport,
        Category::Stall,
        Category::HonestPenalised,
        Category::LiarNotBelowZero,
        Category::PrunedCharged,
        Category::Harness,
    ];

    /// How the report names it.
    pub const fn label(self) -> &'static str {
        match self {
            Category::Hang => "hangs",
            Category::WrongImport => "wrong imports",
            Category::Stall => "stalls with >= 2 honest",
            Category::HonestPenalised => "honest penalised",
            Category::LiarNotBelowZero => "liars not below zero",
            Category::PrunedCharged => "pruned charged",
            Category::Harness => "harness errors",
        }
    }
}

/// One violation found in a case.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Failure {
    /// Not finished within the bound.
    Hang {
        /// The bound.
        after: Duration,
        /// State, status line and peer count at the bound.
        status: String,
        /// Whether the shutdown after the bound did not end either.
        shutdown_hung: bool,
    },
    /// The imports went wrong; what the first wrong one was.
    WrongImport(String),
    /// Stalls with two or more honest peers there all along.
    Stall {
        /// How many.
        stalls: u64,
    },
    /// An honest peer was penalised.
    HonestPenalised {
        /// Its key.
        key: u32,
        /// Its penalties (positive).
        penalties: i64,
        /// Its final score.
        score: i64,
    },
    /// A lying adversary ended at zero or above.
    LiarNotBelowZero {
        /// Its kind.
        kind: &'static str,
        /// Its final score.
        score: i64,
        /// Its penalties (positive).
        penalties: i64,
    },
    /// The pruned adversary was penalised.
    PrunedCharged {
        /// Its penalties (positive).
        penalties: i64,
    },
    /// The sweep could not set the case up.
    Harness(String),
}

impl Failure {
    /// The failure's category.
    pub const fn category(&self) -> Category {
        match self {
            Failure::Hang { .. } => Category::Hang,
            Failure::WrongImport(_) => Category::WrongImport,
            Failure::Stall { .. } => Category::Stall,
            Failure::HonestPenalised { .. } => Category::HonestPenalised,
            Failure::LiarNotBelowZero { .. } => Category::LiarNotBelowZero,
            Failure::PrunedCharged { .. } => Category::PrunedCharged,
            Failure::Harness(_) => Category::Harness,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Hang {
                after,
                status,
                shutdown_hung,
            } => {
                write!(f, "hang: not done after {} s: {status}", after.as_secs())?;
                if *shutdown_hung {
                    f.write_str(" (and shutdown hung)")?;
                }
                Ok(())
            }
            Failure::WrongImport(detail) => write!(f, "wrong import: {detail}"),
            Failure::Stall { stalls } => write!(f, "{stalls} stall(s) with >= 2 honest peers"),
            Failure::HonestPenalised {
                key,
                penalties,
                score,
            } => write!(
                f,
                "honest peer {key} penalised {penalties} (ends at {score})"
            ),
            Failure::LiarNotBelowZero {
                kind,
                score,
                penalties,
            } => write!(f, "{kind} ends at {score} (penalised {penalties})"),
            Failure::PrunedCharged { penalties } => write!(f, "pruned charged {penalties}"),
            Failure::Harness(detail) => write!(f, "harness: {detail}"),
        }
    }
}

/// How a case ended.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseResult {
    /// The case.
    pub case: SweepCase,
    /// Whether the manager finished by itself within the bound.
    pub finished: bool,
    /// Whether the shutdown after the bound did not end within its grace period.
    pub shutdown_hung: bool,
    /// Virtual time from the start to the end (or the bound).
    pub virtual_time: Duration,
    /// State, Nimbus status line and peer count at the end.
    pub final_status: String,
    /// Stalls the watchdog detected (the `stalls` metric).
    pub stalls: u64,
    /// Of those, the stalls seen while two or more honest peers had been in the pool
    /// since before the stall began.
    pub stalls_with_honest: u64,
    /// Blocks the verifier imported.
    pub imported: usize,
    /// Blocks the sync had to import.
    pub expected: usize,
    /// What went wrong with the imports, if anything.
    pub import_error: Option<String>,
    /// The honest peers, by index.
    pub honest: Vec<PeerOutcome>,
    /// The adversaries, in the order of `adversaries`.
    pub adversaries: Vec<AdversaryOutcome>,
    /// What the sweep could not set up (a peer the pool refused).
    pub harness_errors: Vec<String>,
}

impl CaseResult {
    /// Every violation, in category order.
    pub fn failures(&self) -> Vec<Failure> {
        let mut out: Vec<Failure> = self
            .harness_errors
            .iter()
            .map(|e| Failure::Harness(e.clone()))
            .collect();
        if !self.finished {
            out.push(Failure::Hang {
                after: self.virtual_time,
                status: self.final_status.clone(),
                shutdown_hung: self.shutdown_hung,
            });
        }
        if let Some(detail) = &self.import_error {
            out.push(Failure::WrongImport(detail.clone()));
        }
        if self.stalls_with_honest > 0 {
            out.push(Failure::Stall {
                stalls: self.stalls_with_honest,
            });
        }
        for h in self.honest.iter().filter(|h| h.penalties != 0) {
            out.push(Failure::HonestPenalised {
                key: h.key,
                penalties: h.penalties,
                score: h.score,
            });
        }
        for a in &self.adversaries {
            if a.exempt.is_none() && a.peer.score >= 0 {
                out.push(Failure::LiarNotBelowZero {
                    kind: a.kind,
                    score: a.peer.score,
                    penalties: a.peer.penalties,
                });
            }
            if a.kind == PRUNED_KIND && a.peer.penalties != 0 {
                out.push(Failure::PrunedCharged {
                    penalties: a.peer.penalties,
                });
            }
        }
        out.sort_by_key(Failure::category);
        out
    }

    /// One line for the report: the seed, the failures and the case.
    pub fn summary_line(&self) -> String {
        let failures: Vec<String> = self.failures().iter().map(ToString::to_string).collect();
        format!(
            "seed {}: {} | {} | {} s virtual, {}/{} imported",
            self.case.seed,
            if failures.is_empty() {
                "ok".to_owned()
            } else {
                failures.join("; ")
            },
            self.case,
            self.virtual_time.as_secs(),
            self.imported,
            self.expected,
        )
    }
}

/// Why an adversary of `kind` is not judged by its score, given the requests it received,
/// or `None` when it must end below zero:
///
/// - kinds that do not lie are never judged (see [`LYING_KINDS`]);
/// - `head-liar` and `finality-liar` lie in their status, which every use of the peer
///   reads: judged unless the sweep disconnected them (they are added to the pool first,
///   so the first workers meet them at once);
/// - `liar-fork`, `empty` and `invalid-blocks`: only if asked for a range holding a block
///   (an empty range has nothing to lie about, withhold or corrupt);
/// - `out-of-range`, `unordered` and `duplicate-slots`: if asked for blocks at all (they
///   add a block outside the range when they have nothing else to garble);
/// - `withhold-sidecars` and `corrupt-sidecars`: if asked for the sidecars of a range
///   holding at least one; `reorder-sidecars`: at least two (one cannot be out of order).
pub fn exemption(
    kind: &str,
    requests: &[ReceivedRequest],
    chain: &TestChain,
    disconnected: bool,
) -> Option<&'static str> {
    let asked = |what: RequestKind, at_least: usize, count: &dyn Fn(SyncRange) -> usize| {
        requests
            .iter()
            .any(|r| r.kind == what && count(r.range) >= at_least)
    };
    let blocks = |r: SyncRange| chain.blocks_in(r).len();
    let sidecars = |r: SyncRange| chain.sidecars_in(r).len();
    let unless = |shown: bool, why: &'static str| (!shown).then_some(why);
    match kind {
        "head-liar" | "finality-liar" => disconnected.then_some("left before it was judged"),
        "liar-fork" | "empty" | "invalid-blocks" => unless(
            asked(RequestKind::Blocks, 1, &blocks),
            "never asked for a range holding blocks",
        ),
        "out-of-range" | "unordered" | "duplicate-slots" => unless(
            asked(RequestKind::Blocks, 0, &blocks),
            "never asked for blocks",
        ),
        "withhold-sidecars" | "corrupt-sidecars" => unless(
            asked(RequestKind::Sidecars, 1, &sidecars),
            "never asked for sidecars",
        ),
        "reorder-sidecars" => unless(
            asked(RequestKind::Sidecars, 2, &sidecars),
            "never asked for two sidecars or more",
        ),
        _ => Some("does not lie"),
    }
}

/// Check `imported` against the chain: forward, every block after genesis up to the last
/// slot, increasing; backward, every block from just below the anchor down to the
/// frontfill slot, decreasing, optionally followed by the next blocks below it within one
/// chunk (the last range may reach past the frontfill slot). A sync that did not finish
/// must have imported a prefix of that. Returns how many blocks were due, and the first
/// discrepancy.
pub(crate) fn check_imports(
    case: &SweepCase,
    chain: &TestChain,
    imported: &[Slot],
    finished: bool,
) -> (usize, Option<String>) {
    let slots = chain.blocks().iter().map(|b| b.slot.0);
    let (due, extra): (Vec<u64>, Vec<u64>) = match case.plan {
        SyncPlan::Forward => (slots.filter(|s| *s >= 1).collect(), Vec::new()),
        SyncPlan::Backward { anchor, frontfill } => {
            let lowest_extra = frontfill.saturating_sub(case.chunk_size);
            let due = slots
                .clone()
                .rev()
                .filter(|s| (frontfill..anchor).contains(s));
            let extra = slots
                .rev()
                .filter(|s| (lowest_extra..frontfill).contains(s));
            (due.collect(), extra.collect())
        }
    };
    let allowed: Vec<u64> = due.iter().chain(&extra).copied().collect();
    let same = imported
        .iter()
        .zip(&allowed)
        .take_while(|(got, want)| got.0 == **want)
        .count();
    let error = if let Some(got) = imported.get(same) {
        Some(match allowed.get(same) {
            Some(want) => format!("import #{same} is slot {got}, slot {want} was due"),
            None => format!("import #{same} is slot {got}, past the last block due"),
        })
    } else if finished && imported.len() < due.len() {
        Some(format!(
            "finished with {} of {} blocks; slot {} missing",
            imported.len(),
            due.len(),
            due[imported.len()]
        ))
    } else {
        None
    };
    (due.len(), error)
}

/// Check the data columns each imported block came with: from the case's Fulu epoch on, a
/// block with blobs must have exactly the sampled columns and one without none; before
/// it, no column list at all. The first wrong block, if any.
pub(crate) fn check_columns(
    case: &SweepCase,
    chain: &TestChain,
    imported: &[Slot],
    columns: &HashMap<Slot, ColumnSet>,
) -> Option<String> {
    let fulu_slot = case.fulu_epoch.map(|e| e.saturating_mul(SLOTS_PER_EPOCH));
    let sampled: ColumnSet = SAMPLED_COLUMNS.into_iter().collect();
    imported.iter().find_map(|slot| {
        let blobs = chain.block_at(*slot).map_or(0, |b| b.blobs);
        let fulu = fulu_slot.is_some_and(|fulu| slot.0 >= fulu);
        let got = columns.get(slot).copied();
        // A block without blobs needs no column: none, or an empty list when its range
        // had other blocks with blobs.
        let right = match (fulu, blobs > 0) {
            (true, true) => got == Some(sampled),
            (true, false) => got.is_none_or(ColumnSet::is_empty),
            (false, _) => got.is_none(),
        };
        (!right).then(|| format!("block {slot} ({blobs} blobs) came with columns {got:?}"))
    })
}

/// `SLOTS_PER_EPOCH` of the minimal preset the sweep runs on.
const SLOTS_PER_EPOCH: u64 = 8;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::sweep::case::AdversarySet;

    fn case(plan: SyncPlan) -> SweepCase {
        SweepCase {
            seed: 0,
            plan,
            last_slot: 20,
            empty_percent: 0,
            max_blobs: 2,
            chain_seed: 1,
            chunk_size: 4,
            honest: Vec::new(),
            adversaries: AdversarySet::None,
            disconnects: Vec::new(),
            fulu_epoch: None,
        }
    }

    fn slots(s: impl IntoIterator<Item = u64>) -> Vec<Slot> {
        s.into_iter().map(Slot).collect()
    }

    #[test]
    fn forward_imports_must_be_every_block_once_in_order() {
        let c = case(SyncPlan::Forward);
        let chain = c.build_chain();
        assert_eq!(check_imports(&c, &chain, &slots(1..=20), true), (20, None));
        assert_eq!(check_imports(&c, &chain, &slots(1..=7), false).1, None);
        let missing = check_imports(&c, &chain, &slots(1..=7), true).1;
        assert!(missing.is_some_and(|e| e.contains("slot 8 missing")));
        let twice = check_imports(&c, &chain, &slots([1, 2, 2, 3]), false).1;
        assert!(twice.is_some_and(|e| e.contains("import #2 is slot 2, slot 3 was due")));
        assert!(check_imports(&c, &chain, &slots([2, 1]), false).1.is_some());
    }

    #[test]
    fn backward_imports_go_down_and_may_pass_the_depth_by_one_chunk() {
        let c = case(SyncPlan::Backward {
            anchor: 15,
            frontfill: 8,
        });
        let chain = c.build_chain();
        assert_eq!(
            check_imports(&c, &chain, &slots((8..15).rev()), true),
            (7, None)
        );
        let past = slots((4..15).rev());
        assert_eq!(check_imports(&c, &chain, &past, true).1, None);
        let too_far = slots((3..15).rev());
        assert!(check_imports(&c, &chain, &too_far, true).1.is_some());
        assert!(
            check_imports(&c, &chain, &slots((9..15).rev()), true)
                .1
                .is_some()
        );
        assert!(check_imports(&c, &chain, &slots(8..15), true).1.is_some());
    }

    #[test]
    fn a_lie_that_could_not_show_is_not_judged() {
        let chain = TestChain::build(Slot(20), |s| s.0 > 0 && s.0 < 10, |s| s.0 % 2);
        let asked = |kind, first, last| ReceivedRequest {
            kind,
            range: SyncRange::from_bounds(Slot(first), Slot(last)).expect("range"),
        };
        let empty_range = [asked(RequestKind::Blocks, 1, 9)];
        assert!(exemption("liar-fork", &empty_range, &chain, false).is_some());
        assert!(exemption("empty", &empty_range, &chain, false).is_some());
        assert!(exemption("out-of-range", &empty_range, &chain, false).is_none());
        assert!(exemption("out-of-range", &[], &chain, false).is_some());
        let full = [asked(RequestKind::Blocks, 10, 13)];
        assert!(exemption("liar-fork", &full, &chain, false).is_none());
        let one_sidecar = [asked(RequestKind::Sidecars, 11, 12)];
        assert!(exemption("corrupt-sidecars", &one_sidecar, &chain, false).is_none());
        assert!(exemption("reorder-sidecars", &one_sidecar, &chain, false).is_some());
        let two = [asked(RequestKind::Sidecars, 11, 13)];
        assert!(exemption("reorder-sidecars", &two, &chain, false).is_none());
        assert!(exemption("head-liar", &[], &chain, false).is_none());
        assert!(exemption("head-liar", &[], &chain, true).is_some());
        assert!(exemption("pruned", &full, &chain, false).is_some());
    }

    #[test]
    fn failures_list_each_violation_by_category() {
        let peer = |key, score, penalties| PeerOutcome {
            key,
            score,
            penalties,
            requests: 1,
        };
        let result = CaseResult {
            case: case(SyncPlan::Forward),
            finished: false,
            shutdown_hung: false,
            virtual_time: Duration::from_secs(60),
            final_status: "stalled".to_owned(),
            stalls: 2,
            stalls_with_honest: 1,
            imported: 3,
            expected: 20,
            import_error: None,
            honest: vec![peer(1, 1_000, 100), peer(2, 1_000, 0)],
            adversaries: vec![
                AdversaryOutcome {
                    kind: "empty",
                    peer: peer(100, 0, 300),
                    exempt: None,
                },
                AdversaryOutcome {
                    kind: "liar-fork",
                    peer: peer(101, 500, 0),
                    exempt: Some("never asked for a range holding blocks"),
                },
                AdversaryOutcome {
                    kind: PRUNED_KIND,
                    peer: peer(102, 200, 100),
                    exempt: Some("does not lie"),
                },
            ],
            harness_errors: Vec::new(),
        };
        let categories: Vec<Category> = result.failures().iter().map(Failure::category).collect();
        assert_eq!(
            categories,
            [
                Category::Hang,
                Category::Stall,
                Category::HonestPenalised,
                Category::LiarNotBelowZero,
                Category::PrunedCharged
            ]
        );
        assert!(result.summary_line().starts_with("seed 0: hang"));
    }
}
