//! Fetching a range's data columns from the peers that custody them (Fulu, PeerDAS).
//!
//! A range's blocks come from the worker's peer; its sampled columns come from custody
//! peers, as many as it takes. Each round asks, for every column still missing, one peer
//! that custodies it and has declared the range (spread over the peers, not all from the
//! best one); every answer is checked on its own ([`group_columns`]) and all the answers
//! of a round are verified in one batch ([`BlockVerifier::verify_columns`]). A peer whose
//! answer fails is charged, not asked again for this range, and its columns go to another
//! custody peer in the next round. The block peer is never charged for a column.
//!
//! Lighthouse and Lodestar ask custody peers by column the same way; the PeerDAS bugs
//! their users met (a range stuck with no custody peer, a column request that never ended,
//! the block peer blamed for a bad column) are what the rules above avoid: a range with no
//! custody peer waits without penalty and says which columns lack one, every request is
//! timed, and blame follows the column.

use peer_pool::PeerFilter;
use sync_types::{
    BlockVerifier, ColumnRejection, ColumnSet, ColumnView, RequestError, ResponseError, SyncPeer,
    SyncRange, VerifierFault, group_columns, score::PEER_SCORE_BAD_VALUES,
};
use tracing::debug;

use crate::{chain::SyncChain, manager::Inner, worker::reach_of};

/// Why a range's columns could not all be had.
#[derive(Clone, Copy, Debug)]
pub(crate) enum ColumnShortfall {
    /// No peer in the pool custodies these sampled columns and can serve the range: wait
    /// for one (nobody's fault).
    NoCustodyPeer(ColumnSet),
    /// Custody peers were asked for these in every round and none delivered valid ones.
    Unserved(ColumnSet),
    /// Our verifier failed.
    Fault(VerifierFault),
}

/// Columns grouped per block, in block order.
type PerBlock<C> = Vec<Vec<C>>;

/// A range's verified columns, and the peers whose columns named other blocks than the
/// block peer's, with their due penalty: charged if the blocks verify (then those peers
/// were wrong), not otherwise (then the block peer was, and the queue charges it).
pub(crate) struct Fetched<P, C> {
    /// The sampled columns of every block with blobs, in `(slot, index)` order.
    pub(crate) columns: Vec<C>,
    /// Peers that disputed the blocks, with the penalty due if the blocks verify.
    pub(crate) disputed: Vec<(P, i64)>,
}

/// One request of a round: the peer and the columns asked of it.
struct Ask<P> {
    peer: P,
    columns: ColumnSet,
}

impl<P, V, C> Inner<P, V, C>
where
    P: SyncPeer<Block = V::Block, Sidecar = V::Sidecar, Column = V::Column>,
    V: BlockVerifier,
    C: SyncChain,
{
    /// The sampled columns that no peer in the pool is known to custody.
    pub(crate) fn columns_without_custody(&self) -> ColumnSet {
        let covered = self
            .pool
            .peers(PeerFilter::ANY)
            .iter()
            .filter_map(SyncPeer::custody)
            .fold(ColumnSet::EMPTY, ColumnSet::union);
        self.config.sampled_columns.difference(covered)
    }

    /// How long to wait before looking for a custody peer again: a tenth of
    /// [`ManagerConfig::custody_wait`](crate::ManagerConfig) while some peer's custody is
    /// still unknown (its MetaData is on its way, moments after it joined), the whole of it
    /// otherwise.
    pub(crate) fn custody_wait(&self) -> std::time::Duration {
        let unknown = self
            .pool
            .peers(PeerFilter::ANY)
            .iter()
            .any(|p| p.custody().is_none());
        if unknown {
            self.config.custody_wait / 10
        } else {
            self.config.custody_wait
        }
    }

    /// Record which sampled columns lack a custody peer, for the status.
    pub(crate) fn note_columns_without_peer(&self, columns: ColumnSet) {
        *sync_types::lock::lock(&self.columns_without_peer) = columns;
    }

    /// Fetch and verify the sampled columns of `blocks` (the blocks inside `range`, the
    /// part of a request inside the column window, from `block_peer`), in `(slot, index)`
    /// order.
    ///
    /// The last round asks the block peer itself for every column still missing, if it
    /// custodies them: when the other custody peers failed or said the blocks are others,
    /// the block peer vouches for its blocks with their columns, and the verifier decides
    /// (a peer on another branch is then charged by the queue; a block peer that was right
    /// proves its disputers wrong).
    pub(crate) async fn fetch_columns(
        &self,
        range: SyncRange,
        blocks: &[V::Block],
        block_peer: &P,
    ) -> Result<Fetched<P, V::Column>, ColumnShortfall> {
        let mut missing = self.config.sampled_columns;
        let mut groups: Vec<Vec<V::Column>> = blocks.iter().map(|_| Vec::new()).collect();
        let mut excluded: Vec<P::Key> = Vec::new();
        let mut disputed: Vec<(P, i64)> = Vec::new();
        let rounds = self.config.column_rounds.max(1);
        for round_number in 0..rounds {
            let mut candidates: Vec<(P, ColumnSet)> = self
                .pool
                .peers(PeerFilter::ANY)
                .into_iter()
                .filter(|p| !excluded.contains(&p.key()) && reach_of(p).covers(range))
                .filter_map(|p| p.custody().map(|c| (p, c)))
                .collect();
            let own = candidates
                .iter()
                .position(|(p, c)| p.key() == block_peer.key() && missing.is_subset(*c));
            if let (Some(own), true) = (own, round_number + 1 == rounds && round_number > 0) {
                candidates = vec![candidates.swap_remove(own)];
            }
            let (asks, uncovered) = assign(missing, &candidates, range.start().0);
            if asks.is_empty() {
                // Nothing to ask: either no peer custodies them (wait for one), or every
                // custody peer already failed this range (another attempt later).
                let never_had_one = excluded.is_empty() || !uncovered.is_empty();
                return Err(if never_had_one {
                    ColumnShortfall::NoCustodyPeer(missing)
                } else {
                    ColumnShortfall::Unserved(missing)
                });
            }
            let answers = futures::future::join_all(asks.iter().map(|ask| {
                let request = ask.peer.data_column_sidecars_by_range(range, ask.columns);
                async move {
                    tokio::time::timeout(self.config.column_request_timeout, request)
                        .await
                        .unwrap_or(Err(RequestError::Timeout))
                }
            }))
            .await;
            let mut round: Vec<(&Ask<P>, PerBlock<V::Column>)> = Vec::new();
            for (ask, answer) in asks.iter().zip(answers) {
                match self.check_column_answer(range, blocks, ask, answer) {
                    Answer::Grouped(grouped) => round.push((ask, grouped)),
                    Answer::Failed => excluded.push(ask.peer.key()),
                    // Columns naming other blocks than the block peer's: whoever is on
                    // another branch is known only once the blocks verify (or not).
                    Answer::Disputed(penalty) => {
                        excluded.push(ask.peer.key());
                        disputed.push((ask.peer.clone(), penalty));
                    }
                }
            }
            if round.is_empty() {
                continue;
            }
            let mut merged: Vec<Vec<V::Column>> = blocks.iter().map(|_| Vec::new()).collect();
            let mut delivered = ColumnSet::EMPTY;
            for (ask, grouped) in &mut round {
                delivered = delivered.union(ask.columns);
                for (into, group) in merged.iter_mut().zip(grouped.drain(..)) {
                    into.extend(group);
                }
            }
            match self
                .queue
                .verifier()
                .verify_columns(blocks.to_vec(), merged)
                .await
            {
                Ok(verified) => {
                    let n: usize = verified.iter().map(Vec::len).sum();
                    self.metrics.columns_verified.inc_by(n as u64);
                    for (into, group) in groups.iter_mut().zip(verified) {
                        into.extend(group);
                    }
                    missing = missing.difference(delivered);
                }
                Err(ColumnRejection::Invalid { bad }) => {
                    let bad_columns: ColumnSet = bad.iter().map(|(_, index)| *index).collect();
                    for (ask, _) in &round {
                        if !ask.columns.intersection(bad_columns).is_empty() {
                            debug!(target: "sync::manager", peer = %ask.peer.key(), %range, columns = %ask.columns.intersection(bad_columns), "invalid data columns");
                            self.score(&ask.peer, PEER_SCORE_BAD_VALUES, "invalid_columns");
                            excluded.push(ask.peer.key());
                        }
                    }
                    // The valid answers of the round are asked again next round: the
                    // batch is verified whole or not at all.
                }
                Err(ColumnRejection::Fault(fault)) => return Err(ColumnShortfall::Fault(fault)),
            }
            if missing.is_empty() {
                let mut columns: Vec<V::Column> = Vec::new();
                for mut group in groups {
                    group.sort_by_key(ColumnView::index);
                    columns.extend(group);
                }
                return Ok(Fetched { columns, disputed });
            }
        }
        Err(ColumnShortfall::Unserved(missing))
    }

    /// Judge one custody peer's answer.
    fn check_column_answer(
        &self,
        range: SyncRange,
        blocks: &[V::Block],
        ask: &Ask<P>,
        answer: Result<Vec<V::Column>, RequestError>,
    ) -> Answer<V::Column> {
        let columns = match answer {
            Ok(columns) => columns,
            Err(e) => {
                self.metrics.request(crate::worker::error_label(&e));
                if let Some(penalty) = e.penalty() {
                    self.score(&ask.peer, penalty, "column_request_failed");
                }
                return Answer::Failed;
            }
        };
        self.metrics.columns_received.inc_by(columns.len() as u64);
        match group_columns(range, blocks, columns, ask.columns) {
            Ok(grouped) => Answer::Grouped(grouped),
            Err(e) => {
                debug!(target: "sync::manager", peer = %ask.peer.key(), %range, error = %e, "bad column response");
                self.metrics.request("bad_columns");
                if matches!(e, ResponseError::ColumnBlockRootMismatch { .. }) {
                    return Answer::Disputed(e.penalty());
                }
                self.score(&ask.peer, e.penalty(), "bad_columns");
                Answer::Failed
            }
        }
    }
}

/// What one custody peer's answer came to.
enum Answer<C> {
    /// Its columns, grouped per block.
    Grouped(Vec<Vec<C>>),
    /// It failed (and was charged if at fault).
    Failed,
    /// Its columns name other blocks than the block peer's: this penalty is due if the
    /// blocks verify.
    Disputed(i64),
}

/// Spread `missing` over `candidates` (peers with their custody): each column goes to
/// one of the peers custodying it, chosen by rotation from `seed` so that the load is
/// spread and a retry of another range asks other peers. Returns one ask per peer used,
/// and the columns no candidate custodies.
fn assign<P: Clone>(
    missing: ColumnSet,
    candidates: &[(P, ColumnSet)],
    seed: u64,
) -> (Vec<Ask<P>>, ColumnSet) {
    let mut per_peer: Vec<ColumnSet> = vec![ColumnSet::EMPTY; candidates.len()];
    let mut uncovered = ColumnSet::EMPTY;
    for column in missing.iter() {
        let holders: Vec<usize> = candidates
            .iter()
            .enumerate()
            .filter(|(_, (_, custody))| custody.contains(column))
            .map(|(i, _)| i)
            .collect();
        if holders.is_empty() {
            uncovered.insert(column);
            continue;
        }
        let pick = usize::try_from(seed.wrapping_add(column) % holders.len() as u64).unwrap_or(0);
        per_peer[holders[pick]].insert(column);
    }
    let asks = candidates
        .iter()
        .zip(per_peer)
        .filter(|(_, columns)| !columns.is_empty())
        .map(|((peer, _), columns)| Ask {
            peer: peer.clone(),
            columns,
        })
        .collect();
    (asks, uncovered)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(indices: &[u64]) -> ColumnSet {
        ColumnSet::from_indices(indices.iter().copied()).expect("below 128")
    }

    #[test]
    fn every_column_goes_to_one_custody_peer_and_the_rest_is_uncovered() {
        let candidates = vec![("super", ColumnSet::ALL), ("small", set(&[1, 2, 3]))];
        let (asks, uncovered) = assign(set(&[1, 2, 3, 90]), &candidates, 0);
        assert!(uncovered.is_empty());
        let total = asks
            .iter()
            .fold(ColumnSet::EMPTY, |acc, a| acc.union(a.columns));
        assert_eq!(total, set(&[1, 2, 3, 90]));
        let small = asks
            .iter()
            .find(|a| a.peer == "small")
            .expect("small asked");
        assert!(
            !small.columns.is_empty(),
            "the load is spread, not all to the supernode"
        );
        assert!(small.columns.is_subset(set(&[1, 2, 3])));
        let summed: u64 = asks.iter().map(|a| a.columns.len()).sum();
        assert_eq!(summed, 4, "no column is asked twice");

        let (asks, uncovered) = assign(set(&[1, 90]), &candidates[1..], 0);
        assert_eq!(uncovered, set(&[90]));
        assert_eq!(asks.len(), 1);
        assert_eq!(asks[0].columns, set(&[1]));
        let (asks, uncovered) = assign(set(&[5]), &[] as &[(&str, ColumnSet)], 0);
        assert!(asks.is_empty());
        assert_eq!(uncovered, set(&[5]));
    }

    #[test]
    fn another_seed_asks_another_peer() {
        let candidates = vec![("a", set(&[7])), ("b", set(&[7]))];
        let first = assign(set(&[7]), &candidates, 0).0[0].peer;
        let second = assign(set(&[7]), &candidates, 1).0[0].peer;
        assert_ne!(first, second);
    }
}
