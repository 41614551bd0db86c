//! The peer manager's rules: how many peers to keep, which to let go above the target,
//! how many to dial, which new connections to refuse, and how scores fade. The rules are
//! pure (a list of peers in, decisions out), so that one implementation serves the
//! running node (its `run` module) and a simulation of hundreds of peers (`tests/peer_manager.rs`).
//!
//! The figures follow Lighthouse's peer manager: a target (default 100, Lighthouse's and
//! Teku's; Nimbus keeps up to 160, Prysm 70), up to 10 % above it before pruning, at least
//! 30 % of the target dialled by us (inbound peers cannot crowd out the ones we chose), a
//! heartbeat every 30 s, and scores that fade towards the new-peer score with a half-life
//! of 10 minutes, so that an old fault is forgiven and an old good record does not
//! protect a peer that stopped serving.

pub mod bans;
pub(crate) mod run;

use std::time::Duration;

use peer_pool::PeerType;
use sync_types::score::{NEW_PEER_SCORE, PEER_SCORE_LOW_LIMIT};

pub use bans::{BanError, BanList};
pub use run::PeerManagerMetrics;

/// The default target peer count.
pub const DEFAULT_TARGET_PEERS: usize = 100;

/// The peer manager's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerManagerConfig {
    /// How many connected peers to keep. Default [`DEFAULT_TARGET_PEERS`].
    pub target_peers: usize,
    /// How far above the target (in percent of it) peers may be before the excess is let
    /// go. Default 10 (Lighthouse's `PEER_EXCESS_FACTOR`).
    pub excess_percent: usize,
    /// The share of the target (in percent) kept for peers we dialled; inbound peers
    /// beyond the rest are refused. Default 30 (Lighthouse's `MIN_OUTBOUND_ONLY_FACTOR`).
    pub outbound_percent: usize,
    /// How often the manager looks at its peers. Default 30 s (Lighthouse's heartbeat).
    pub heartbeat: Duration,
    /// The half-life of a score's distance from the new-peer score. Default 600 s
    /// (Lighthouse's `SCORE_HALFLIFE`).
    pub score_halflife: Duration,
    /// How long a peer let go for its score is not dialled nor accepted. Default 30 min.
    pub ban_duration: Duration,
    /// An address with this many banned peers is banned too. Default 5 (Lighthouse's
    /// `BANNED_PEERS_PER_IP_THRESHOLD`).
    pub ip_ban_threshold: usize,
    /// How many slots behind our head a peer may be and still count as useful for
    /// forward sync. Default 64 (two epochs).
    pub behind_slack: u64,
}

impl Default for PeerManagerConfig {
    fn default() -> Self {
        PeerManagerConfig {
            target_peers: DEFAULT_TARGET_PEERS,
            excess_percent: 10,
            outbound_percent: 30,
            heartbeat: Duration::from_secs(30),
            score_halflife: Duration::from_secs(600),
            ban_duration: Duration::from_secs(30 * 60),
            ip_ban_threshold: 5,
            behind_slack: 64,
        }
    }
}

impl PeerManagerConfig {
    /// The most peers connected at once: the target plus the excess.
    pub fn max_peers(&self) -> usize {
        self.target_peers + (self.target_peers * self.excess_percent).div_ceil(100)
    }

    /// How many of the target are kept for peers we dialled.
    pub fn min_outbound(&self) -> usize {
        (self.target_peers * self.outbound_percent).div_ceil(100)
    }

    /// The most inbound peers connected at once.
    pub fn max_inbound(&self) -> usize {
        self.max_peers().saturating_sub(self.min_outbound())
    }
}

/// What the manager knows of a connected peer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerView<K> {
    /// The peer.
    pub id: K,
    /// Who dialled.
    pub direction: PeerType,
    /// Its score now.
    pub score: i64,
    /// The head slot of its last status.
    pub head_slot: u64,
    /// The earliest slot it serves data for (Status v2), if it said.
    pub earliest_available_slot: Option<u64>,
    /// Whether it custodies any data column we sample (always true before Fulu).
    pub has_needed_custody: bool,
}

/// What the node needs from peers now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Needs {
    /// Our head slot: a peer far behind it cannot help forward sync.
    pub head_slot: u64,
    /// While backfill runs, its mark: a peer that serves slots below it helps backfill.
    pub backfill_mark: Option<u64>,
}

/// Why the manager let a peer go (or refused it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PruneReason {
    /// Above the target, and the peer can help neither forward sync (far behind our
    /// head) nor backfill (serves nothing below its mark), or has no custody we need.
    Useless,
    /// Above the target, and among the worst scored.
    Excess,
    /// More inbound peers than the share left after the outbound reserve.
    TooManyInbound,
    /// A new connection while the node is at its maximum.
    Full,
}

impl PruneReason {
    /// A short name, for metrics labels and the peers API.
    pub fn as_str(self) -> &'static str {
        match self {
            PruneReason::Useless => "useless",
            PruneReason::Excess => "excess",
            PruneReason::TooManyInbound => "too_many_inbound",
            PruneReason::Full => "full",
        }
    }
}

/// Whether `peer` can help the node with `needs`.
pub fn is_useful<K>(peer: &PeerView<K>, needs: Needs, config: &PeerManagerConfig) -> bool {
    if !peer.has_needed_custody {
        return false;
    }
    let forward = peer.head_slot.saturating_add(config.behind_slack) >= needs.head_slot;
    let backfill = needs
        .backfill_mark
        .is_some_and(|mark| peer.earliest_available_slot.is_none_or(|e| e < mark));
    forward || backfill
}

/// The peers to let go now, with why: above the target, the useless ones first, then the
/// worst scored, never taking the peers we dialled below their reserve; and inbound peers
/// above their share, the worst first.
pub fn prune<K: Clone + Ord>(
    config: &PeerManagerConfig,
    peers: &[PeerView<K>],
    needs: Needs,
) -> Vec<(K, PruneReason)> {
    // Useless first, then the lowest score; ties by id, so that a decision repeats.
    let mut order: Vec<(&PeerView<K>, bool)> = peers
        .iter()
        .map(|p| (p, is_useful(p, needs, config)))
        .collect();
    order.sort_by(|(a, ua), (b, ub)| (ua, a.score, &a.id).cmp(&(ub, b.score, &b.id)));
    let mut total = peers.len();
    let mut outbound = count(peers, PeerType::Outgoing);
    let mut inbound = total - outbound;
    let mut out = Vec::new();
    for (peer, useful) in order {
        let over = total > config.target_peers;
        let go = match peer.direction {
            PeerType::Incoming => over || inbound > config.max_inbound(),
            PeerType::Outgoing => over && outbound > config.min_outbound(),
        };
        if !go {
            continue;
        }
        match peer.direction {
            PeerType::Incoming => inbound -= 1,
            PeerType::Outgoing => outbound -= 1,
        }
        let reason = match (over, useful) {
            (false, _) => PruneReason::TooManyInbound,
            (true, false) => PruneReason::Useless,
            (true, true) => PruneReason::Excess,
        };
        out.push((peer.id.clone(), reason));
        total -= 1;
    }
    out
}

/// How many peers to dial now: up to the target, and enough to fill the outbound
/// reserve, never past the maximum.
pub fn dials_wanted<K>(config: &PeerManagerConfig, peers: &[PeerView<K>]) -> usize {
    let total = peers.len();
    let to_target = config.target_peers.saturating_sub(total);
    let to_reserve = config
        .min_outbound()
        .saturating_sub(count(peers, PeerType::Outgoing));
    to_target
        .max(to_reserve)
        .min(config.max_peers().saturating_sub(total))
}

/// Whether a peer that just connected in `direction` may stay, given the `others`
/// already connected: [`PruneReason::Full`] at the maximum, and
/// [`PruneReason::TooManyInbound`] for an inbound peer above the inbound share.
///
/// # Errors
/// The reason it may not.
pub fn admit<K>(
    config: &PeerManagerConfig,
    others: &[PeerView<K>],
    direction: PeerType,
) -> Result<(), PruneReason> {
    if others.len() >= config.max_peers() {
        return Err(PruneReason::Full);
    }
    let inbound = count(others, PeerType::Incoming);
    if direction == PeerType::Incoming && inbound >= config.max_inbound() {
        return Err(PruneReason::TooManyInbound);
    }
    Ok(())
}

/// The change that fades `score` towards [`NEW_PEER_SCORE`] over `elapsed`, with the
/// distance halving every `halflife`. A score below zero does not fade: that peer is
/// being let go.
// Scores lie within a few thousand of zero: exact in an f64, and back.
#[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
pub fn decay(score: i64, elapsed: Duration, halflife: Duration) -> i64 {
    if score < PEER_SCORE_LOW_LIMIT || halflife.is_zero() {
        return 0;
    }
    let keep = 0.5_f64.powf(elapsed.as_secs_f64() / halflife.as_secs_f64());
    let distance = (score - NEW_PEER_SCORE) as f64;
    // Rounded towards the new-peer score, so a distance of one still closes.
    let faded = (distance * keep).trunc() as i64;
    faded - (score - NEW_PEER_SCORE)
}

fn count<K>(peers: &[PeerView<K>], direction: PeerType) -> usize {
    peers.iter().filter(|p| p.direction == direction).count()
}

#[cfg(test)]
mod tests;
