//! Judging the verifier's outcomes for one result: advance, score, gap list, retry or
//! rewind (spec A.5.6, A.5.7, with D.14, D.15, D.16 and D.19 fixed).

use sync_types::{
    BlockOutcome, ResponseKind, ScoredPeer, Slot, SyncDirection, VerifierFault,
    score::{
        PEER_SCORE_BAD_VALUES, PEER_SCORE_GOOD_VALUES, PEER_SCORE_MISSING_VALUES,
        PEER_SCORE_PROVEN_FAULT, PEER_SCORE_UNVIABLE_FORK, escalated_gap_delta,
    },
};
use tracing::{debug, warn};

use crate::{
    report::{ProcessReport, PushOutcome, Verdict},
    state::{Job, State},
};

/// What the verifier's outcomes add up to.
#[derive(Default)]
struct Tally {
    imported: usize,
    duplicates: usize,
    unviable: bool,
    invalid: bool,
    missing_sidecars: bool,
    missing_parent: Option<Slot>,
    /// The slot of the last block accepted (imported or already known), in processing
    /// order.
    last_accepted: Option<Slot>,
}

fn tally(slots: &[Slot], outcomes: &[BlockOutcome]) -> Tally {
    let mut t = Tally::default();
    for (slot, outcome) in slots.iter().zip(outcomes) {
        match outcome {
            BlockOutcome::Ok => {
                t.imported += 1;
                t.last_accepted = Some(*slot);
            }
            BlockOutcome::Duplicate => {
                t.duplicates += 1;
                t.last_accepted = Some(*slot);
            }
            BlockOutcome::UnviableFork => t.unviable = true,
            BlockOutcome::Invalid => t.invalid = true,
            BlockOutcome::MissingSidecars => t.missing_sidecars = true,
            BlockOutcome::MissingParent => t.missing_parent = Some(*slot),
        }
        if outcome.stops_segment() {
            break;
        }
    }
    t
}

impl<P: ScoredPeer, B, S, C> State<P, B, S, C> {
    /// Apply the gap-list reward or penalty (spec A.5.7) to every peer in it, then clear it.
    fn settle_gaps(&mut self, delta: i64) {
        for (range, peer) in self.gaps.drain(..) {
            let d = escalated_gap_delta(
                delta,
                peer.stats(ResponseKind::Empty),
                peer.stats(ResponseKind::Good),
            );
            debug!(target: "sync::queue", peer = %peer.key(), %range, delta = d, "gap list score");
            if d > 0 {
                peer.reward(d);
            } else {
                peer.update_score(d);
            }
        }
    }

    /// Judge a verified job. Clears the processing flag.
    pub(crate) fn finish(
        &mut self,
        job: Job<P>,
        result: Result<Vec<BlockOutcome>, VerifierFault>,
        safe: Slot,
    ) -> PushOutcome {
        self.processing = false;
        if job.generation != self.generation {
            // A reset came while the verifier ran: the range was discarded with it.
            self.stats.results_dropped += 1;
            return PushOutcome::Dropped;
        }
        let outcomes = match result {
            Ok(o) if o.len() < job.slots.len() && !o.last().is_some_and(|x| x.stops_segment()) => {
                Err(VerifierFault::IncompleteOutcomes {
                    got: o.len(),
                    expected: job.slots.len(),
                })
            }
            other => other,
        };
        let outcomes = match outcomes {
            Ok(o) => o,
            Err(fault) => {
                warn!(target: "sync::queue", request = %job.request, %fault, "verifier failed; range handed out again");
                self.stats.verifier_faults += 1;
                self.return_range(job.track);
                return report(0, 0, 0, Verdict::OurFault(fault));
            }
        };
        self.stats.results_processed += 1;
        let t = tally(&job.slots, &outcomes);
        self.stats.blocks_imported += t.imported as u64;
        self.stats.blocks_duplicate += t.duplicates as u64;
        if t.last_accepted.is_some() && self.direction == SyncDirection::Forward {
            self.stats.accepted_frontier = t.last_accepted;
        }
        if t.invalid || t.unviable || t.missing_sidecars || t.missing_parent.is_some() {
            let verdict = self.on_failure(job, &t, safe);
            return report(t.imported, t.duplicates, 0, verdict);
        }
        self.on_success(job, &t)
    }

    fn on_success(&mut self, mut job: Job<P>, t: &Tally) -> PushOutcome {
        let peer = job.request.peer.clone();
        let range = job.request.range;
        // Computed from the processed entry itself (D.15).
        let advanced = range.count() - self.already_known(range);
        let is_empty = job.slots.is_empty();
        if is_empty && advanced > 0 {
            let repeat = job.track.voids.iter().any(|p| p.key() == peer.key());
            if !repeat {
                job.track.voids.push(peer.clone());
            }
            let confirmed = job.track.voids.len() >= self.config.empty_confirmations;
            // A repeat from a peer the range went back to because nobody else could take
            // it counts as the confirmation that cannot come.
            let lone_repeat = repeat && job.track.lifted;
            if !(confirmed || lone_repeat) {
                // One peer's word is not enough to skip a range (D.19).
                debug!(target: "sync::queue", request = %job.request, peer = %peer.key(), "empty range awaits confirmation");
                peer.update_stats(ResponseKind::Empty, 1);
                self.stats.empty_unconfirmed += 1;
                job.track.mark_barred();
                self.push_debt(job.track);
                return report(0, 0, 0, Verdict::EmptyNeedsConfirmation);
            }
            if !confirmed {
                // No other present peer could confirm it within the barred wait, and this
                // peer said it twice: skip it rather than hang. If it was a lie, the next
                // block's missing parent shows it and the rewind charges the peer.
                warn!(target: "sync::queue", %range, peer = %peer.key(), confirmations = job.track.voids.len(), needed = self.config.empty_confirmations, "empty range skipped on the word of the only peer able to serve it");
                self.stats.empty_skipped_unconfirmed += 1;
            }
        }
        if !is_empty {
            // Another peer's answer for this range verified: the peers that said it was
            // empty withheld blocks, and those whose answer did not link served another
            // chain.
            for p in job.track.voids.drain(..) {
                debug!(target: "sync::queue", peer = %p.key(), %range, "withheld blocks another peer served");
                p.update_score(PEER_SCORE_PROVEN_FAULT);
            }
            for p in job.track.unlinked_by.drain(..) {
                debug!(target: "sync::queue", peer = %p.key(), %range, "answer did not link where another peer's did");
                p.update_score(PEER_SCORE_BAD_VALUES);
            }
        }
        self.out = self.out.advance(self.direction, advanced);
        self.stats.slots_processed += advanced;
        if t.imported > 0 {
            peer.reward(PEER_SCORE_GOOD_VALUES);
            peer.update_stats(ResponseKind::Good, 1);
            self.settle_gaps(PEER_SCORE_GOOD_VALUES);
        } else if is_empty {
            peer.update_stats(ResponseKind::Empty, 1);
        }
        // A response made only of duplicates counts as neither (D.16).
        match job.end_gap {
            Some(gap) if is_empty => {
                let vouchers = if job.track.voids.is_empty() {
                    vec![peer]
                } else {
                    job.track.voids
                };
                self.gaps.extend(vouchers.into_iter().map(|p| (gap, p)));
            }
            Some(gap) => self.gaps.push((gap, peer)),
            None => self.gaps.clear(),
        }
        // Bounded: in a long run of empty slots only the most recent vouchers are kept.
        let excess = self.gaps.len().saturating_sub(self.config.max_gap_entries);
        self.gaps.drain(..excess);
        debug!(target: "sync::queue", request = %job.request, imported = t.imported, advanced, out = %self.out, "result processed");
        report(t.imported, t.duplicates, advanced, Verdict::Accepted)
    }

    fn on_failure(&mut self, mut job: Job<P>, t: &Tally, safe: Slot) -> Verdict {
        let peer = job.request.peer.clone();
        let range = job.request.range;
        if !job.track.failed_by.iter().any(|p| p.key() == peer.key()) {
            job.track.failed_by.push(peer.clone());
        }
        job.track.mark_barred();

        let mut verdict = Verdict::Invalid;
        if t.invalid {
            peer.update_score(PEER_SCORE_BAD_VALUES);
        }
        if t.unviable {
            peer.update_score(PEER_SCORE_UNVIABLE_FORK);
            verdict = Verdict::UnviableFork;
        }
        if t.missing_sidecars {
            peer.update_score(PEER_SCORE_PROVEN_FAULT);
            verdict = Verdict::MissingSidecars;
        }
        if t.invalid {
            verdict = Verdict::Invalid;
        }
        let mut rewind = None;
        if let Some(fail) = t.missing_parent.filter(|_| !t.invalid) {
            if job
                .track
                .missing_parent_by
                .iter()
                .any(|p| p.key() == peer.key())
            {
                if job.track.lifted {
                    job.track.repeat_failures = job.track.repeat_failures.saturating_add(1);
                }
            } else {
                job.track.missing_parent_by.push(peer.clone());
            }
            // Where the unproven end of the range lies: forward, the range must link to
            // what is below it; backward, to what is above it.
            let behind_is_unproven = match self.direction {
                SyncDirection::Forward => safe < range.start(),
                SyncDirection::Backward => safe > fail,
            };
            let wants_rewind = if t.imported + t.duplicates > 0 {
                // The response linked to our chain (imported or known blocks) and then
                // broke: the hole is inside this peer's own answer. The seed counted only
                // imported blocks, so a retry of the same answer cost -1000; and it charged
                // -25, which a few truthful answers paid back.
                peer.update_score(PEER_SCORE_PROVEN_FAULT);
                false
            } else if behind_is_unproven {
                // A hole in what we accepted before, or a peer on another chain: not
                // scored yet. If another peer's answer for this range verifies, it pays.
                // (Backward, the seed charged -25 at once, whoever was at fault.)
                job.track.unlinked_by.push(peer.clone());
                true
            } else {
                // It does not link to the safe (finalized or anchor) block itself.
                peer.update_score(PEER_SCORE_BAD_VALUES);
                false
            };
            let failures = u32::try_from(job.track.missing_parent_by.len())
                .unwrap_or(u32::MAX)
                .saturating_add(job.track.repeat_failures);
            if wants_rewind && failures >= self.config.rewind_failure_threshold {
                // The hole is confirmed: the peers that said it was empty pay for it.
                self.settle_gaps(PEER_SCORE_MISSING_VALUES);
                let point =
                    self.rewinder
                        .rewind_point(self.direction, fail, safe, self.slots_per_epoch);
                self.stats.rewinds += 1;
                if point.exhausted {
                    self.stats.rewinds_exhausted += 1;
                    warn!(target: "sync::queue", %fail, %safe, to = %point.slot, "rewind cannot go further back: peers serve a chain that does not link to ours");
                } else {
                    debug!(target: "sync::queue", %fail, to = %point.slot, "missing parent: rewinding");
                }
                self.stats.requests_failed += 1;
                self.reset(Some(point.slot));
                rewind = Some(point.slot);
            }
            verdict = Verdict::MissingParent { slot: fail, rewind };
        }
        if rewind.is_none() {
            debug!(target: "sync::queue", request = %job.request, ?verdict, failed_by = job.track.failed_by.len(), "result failed; range handed out again");
            self.return_range(job.track);
        }
        verdict
    }
}

fn report(imported: usize, duplicates: usize, advanced: u64, verdict: Verdict) -> PushOutcome {
    PushOutcome::Processed(ProcessReport {
        imported,
        duplicates,
        advanced,
        verdict,
    })
}
