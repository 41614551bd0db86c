//! Handing out ranges (spec A.5.4): failed ranges first, barred ranges kept live, fresh
//! ranges inside the peer's reach.

use std::time::Duration;

use sync_types::{Cursor, ScoredPeer, SyncDirection, SyncRange, SyncRequest};
use tokio::time::Instant;

use super::{State, Track};
use crate::{reach::PeerReach, report::NoRequest};

/// The peers present besides the one asking, with what each can serve; computed only
/// when a pop meets a barred range.
pub(crate) type Present<'a, K> = &'a mut dyn FnMut() -> Vec<(K, PeerReach)>;

impl<P: ScoredPeer, B, S, C> State<P, B, S, C> {
    /// Hand out a range to a peer that serves `reach` (spec A.5.4): a failed range first,
    /// else a fresh one.
    ///
    /// A failed range is barred for the peers that answered it empty or wrongly (D.19).
    /// It goes to another peer; it goes back to a barred peer only when no other peer in
    /// `present` can serve it and the barred wait has passed, so a sync with one peer
    /// still moves. Without `present`, a barred range never goes back to a barred peer
    /// (the seed's rule). When nothing is left for this peer but barred ranges, the answer is
    /// [`NoRequest::Barred`], so the caller tries another peer instead of waiting.
    pub(crate) fn pop(
        &mut self,
        reach: PeerReach,
        peer: P,
        now: Instant,
        mut present: Option<Present<'_, P::Key>>,
    ) -> Result<SyncRequest<P>, NoRequest> {
        let key = peer.key();
        let mut skipped = Vec::new();
        let mut found = None;
        let mut barred: Option<Duration> = None;
        let mut others: Option<Vec<(P::Key, PeerReach)>> = None;
        let mut below_reach = false;
        while let Some((_, mut track)) = self.debts.pop_first() {
            self.debt_slots -= track.range.count();
            let Some(range) = self.trim(track.range) else {
                continue;
            };
            track.range = range;
            if reach.head < range.last() {
                skipped.push(track);
                found = Some(Err(NoRequest::PeerBehind));
                break;
            }
            if range.start() < reach.earliest {
                // Below what this peer serves: it is for another peer.
                below_reach = true;
                skipped.push(track);
                continue;
            }
            let excluded = track.is_excluded(&key);
            // Without a list of the present peers (the seed's `pop`), a failed request
            // bars nobody.
            let tried = present.is_some() && track.has_tried(&key);
            if !excluded && !tried {
                track.lifted = false;
                found = Some(Ok(track));
                break;
            }
            // Without a list of the present peers, assume another one may take it.
            let someone_else = match present.as_mut() {
                None => true,
                Some(list) => others
                    .get_or_insert_with(&mut **list)
                    .iter()
                    .any(|(k, r)| *k != key && r.covers(range) && track.may_still_serve(k)),
            };
            if !excluded {
                // This peer's last request for the range failed (a timeout, say): another
                // peer that has not tried goes first, so a stalling peer cannot hold the
                // front of the queue one timeout after another.
                if someone_else {
                    barred = Some(
                        barred.map_or(self.config.barred_wait, |b| b.min(self.config.barred_wait)),
                    );
                    skipped.push(track);
                    continue;
                }
                track.lifted = false;
                found = Some(Ok(track));
                break;
            }
            let wait = if someone_else {
                // Another peer will take it: this one may come back for fresh work soon.
                self.config.barred_wait
            } else {
                track.barred_wait(&self.config, now)
            };
            if wait.is_zero() {
                track.lifts = track.lifts.saturating_add(1);
                track.lifted = true;
                self.stats.barred_lifts += 1;
                tracing::debug!(target: "sync::queue", %range, peer = %key, lifts = track.lifts, "no other peer can take a barred range: handing it back to a barred peer");
                found = Some(Ok(track));
                break;
            }
            barred = Some(barred.map_or(wait, |b| b.min(wait)));
            skipped.push(track);
        }
        for track in skipped {
            self.insert_debt(track);
        }
        match found {
            Some(Ok(track)) => return Ok(self.issue(track, peer)),
            Some(Err(e)) => return Err(e),
            None => {}
        }
        let fresh = self.fresh_range(reach).and_then(|range| {
            if self.outstanding() >= self.config.max_outstanding_requests {
                Err(NoRequest::Backlog)
            } else {
                Ok(range)
            }
        });
        match (fresh, barred) {
            (Ok(range), _) => {
                self.inp = Cursor::At(range.last_in(self.direction)).advance(self.direction, 1);
                Ok(self.issue(Track::new(range), peer))
            }
            (Err(_), Some(retry_in)) => Err(NoRequest::Barred { retry_in }),
            // Ranges are left, but below this peer's earliest slot: it is behind them (the
            // caller sets it aside, so that a peer that can serve them gets a turn),
            // rather than the queue being exhausted.
            (Err(NoRequest::Exhausted), None) if below_reach => Err(NoRequest::PeerBehind),
            (Err(e), None) => Err(e),
        }
    }

    fn fresh_range(&self, reach: PeerReach) -> Result<SyncRange, NoRequest> {
        let max_slot = reach.head;
        let Cursor::At(inp) = self.inp else {
            return Err(NoRequest::Exhausted);
        };
        let chunk = self.config.chunk_size.max(1);
        match self.direction {
            SyncDirection::Forward => {
                if inp > self.final_slot {
                    return Err(NoRequest::Exhausted);
                }
                if inp > max_slot {
                    return Err(NoRequest::PeerBehind);
                }
                if inp < reach.earliest {
                    return Err(NoRequest::PeerBehind);
                }
                let last = max_slot.min(self.final_slot);
                let count = last.distance_from(inp).saturating_add(1).min(chunk);
                SyncRange::new(inp, count).ok_or(NoRequest::Exhausted)
            }
            SyncDirection::Backward => {
                if inp < self.final_slot {
                    return Err(NoRequest::Exhausted);
                }
                let count = inp
                    .distance_from(self.final_slot)
                    .saturating_add(1)
                    .min(chunk);
                let range = SyncRange::from_bounds(inp.saturating_sub(count - 1), inp)
                    .ok_or(NoRequest::Exhausted)?;
                if !reach.covers(range) {
                    return Err(NoRequest::PeerBehind);
                }
                Ok(range)
            }
        }
    }
}
