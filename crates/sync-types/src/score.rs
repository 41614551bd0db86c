//! Peer-score constants (Nimbus `peer_scores.nim`, spec A.2) and response statistics.

/// Score of a peer that has just joined the pool.
pub const NEW_PEER_SCORE: i64 = 300;
/// A peer whose score is below this is removed from the pool and disconnected.
pub const PEER_SCORE_LOW_LIMIT: i64 = 0;
/// Scores are clamped at this value (there is no lower clamp).
pub const PEER_SCORE_HIGH_LIMIT: i64 = 1000;
/// The peer sent our server a malformed request.
pub const PEER_SCORE_INVALID_REQUEST: i64 = -500;
/// The peer sent our server a request over its quota (answered with code 139). A peer
/// that keeps going over drops below zero within 12 refusals of a new peer's score and
/// is disconnected; one that slows down earns it back by serving or being served.
pub const PEER_SCORE_OVER_QUOTA: i64 = -25;
/// A status refresh failed.
pub const PEER_SCORE_NO_STATUS: i64 = -100;
/// A refreshed status did not move the peer's head forward.
pub const PEER_SCORE_STALE_STATUS: i64 = -50;
/// The peer's head is not past our first needed slot.
pub const PEER_SCORE_USELESS: i64 = -10;
/// A refreshed status moved the peer's head forward.
pub const PEER_SCORE_GOOD_STATUS: i64 = 50;
/// A request failed or timed out, or data was missing from a response.
pub const PEER_SCORE_NO_VALUES: i64 = -100;
/// A processed response held at least one good block.
pub const PEER_SCORE_GOOD_VALUES: i64 = 100;
/// The verifier found an invalid block, or a missing parent at a finalized slot: a
/// proven fault. Nimbus's -1000 equals the top score, so a peer at the top survived one
/// at exactly zero (the pool keeps a score of zero) and earned its way back.
pub const PEER_SCORE_BAD_VALUES: i64 = PEER_SCORE_PROVEN_FAULT;
/// A response outside the requested range or out of order: a proven fault (Nimbus
/// -1000, see [`PEER_SCORE_BAD_VALUES`]).
pub const PEER_SCORE_BAD_RESPONSE: i64 = PEER_SCORE_PROVEN_FAULT;
/// A missing parent after good blocks; a gap-list penalty (escalated, spec A.5.7).
pub const PEER_SCORE_MISSING_VALUES: i64 = -25;
/// A block on a fork our finality excludes.
pub const PEER_SCORE_UNVIABLE_FORK: i64 = -200;
/// A fault the peer's own answer, or another peer's verified answer, proves: blocks it
/// called absent that another peer served, a hole inside its own linked answer, blob
/// sidecars withheld for blocks it sent, or sidecars the verifier rejects.
///
/// Nimbus charged these -100 or -25 while each truthful answer earned +100 (directly or
/// through the gap list), so a peer that lied whenever it could still ended above zero
/// on sparse chains. Here one proven fault outweighs anything a peer can have earned
/// (the top score is [`PEER_SCORE_HIGH_LIMIT`]): the peer ends below zero and leaves,
/// as Lighthouse disconnects after a couple of low-tolerance errors, its score having
/// no earned credit to spend. Honest peers never incur one: the faults are proven by
/// data, not suspected from a timeout or an empty answer.
pub const PEER_SCORE_PROVEN_FAULT: i64 = -(PEER_SCORE_HIGH_LIMIT + 100);

/// Data columns the peer custodies were missing from its answer, or named another block
/// than the block peer's. Not a proven fault, since a peer on another branch near the
/// head answers so honestly, but two of them take a new peer out (Lighthouse counts a
/// faulty column peer as a low-tolerance error, a few of which disconnect).
pub const PEER_SCORE_MISSING_COLUMNS: i64 = -250;

/// The extra penalty for a peer whose finality claim our verifier contradicts (D.1): it
/// said the range was finalized, yet the range does not verify on our chain.
pub const PEER_SCORE_FINALITY_LIE: i64 = -500;
/// A status no honest peer can send: a head or finalized checkpoint ahead of our wall
/// clock, or finality ahead of its own head. A proven fault: the peer leaves at once (the
/// network layer disconnects it at the handshake already; this covers a status
/// refreshed later).
pub const PEER_SCORE_STATUS_LIE: i64 = PEER_SCORE_PROVEN_FAULT;

/// `score + delta`, clamped at [`PEER_SCORE_HIGH_LIMIT`] (and, unlike Nimbus, at `i64::MIN`
/// instead of wrapping).
pub const fn apply_score(score: i64, delta: i64) -> i64 {
    let s = score.saturating_add(delta);
    if s > PEER_SCORE_HIGH_LIMIT {
        PEER_SCORE_HIGH_LIMIT
    } else {
        s
    }
}

/// The two response statistics each peer keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResponseKind {
    /// A processed response with at least one good block.
    Good,
    /// A processed response without any block.
    Empty,
}

/// The escalated gap-list penalty of spec A.5.7: a peer whose empty responses outnumber
/// its good ones by `w` (at most 8) pays `delta + delta * w / 4`; positive deltas and
/// peers with no excess pay `delta`.
pub const fn escalated_gap_delta(delta: i64, empty: u64, good: u64) -> i64 {
    if delta >= 0 || empty <= good {
        return delta;
    }
    let excess = empty - good;
    let w = if excess > 8 { 8 } else { excess as i64 };
    delta + delta * w / 4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gap_penalty_escalates_with_excess_empty_responses() {
        let got: Vec<i64> = (1..=9).map(|w| escalated_gap_delta(-25, w, 0)).collect();
        assert_eq!(got, [-31, -37, -43, -50, -56, -62, -68, -75, -75]);
        assert_eq!(escalated_gap_delta(-25, 3, 3), -25);
        assert_eq!(escalated_gap_delta(100, 9, 0), 100);
    }

    #[test]
    fn score_is_clamped_at_the_top_and_saturates_at_the_bottom() {
        assert_eq!(apply_score(950, 100), 1000);
        assert_eq!(apply_score(-100, -1000), -1100);
        assert_eq!(apply_score(i64::MIN, -1), i64::MIN);
    }
}
