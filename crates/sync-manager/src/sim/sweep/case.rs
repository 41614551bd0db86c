//! One case of the sweep: plain data drawn from a seed by a tiny deterministic generator.

use std::{
    fmt,
    ops::RangeInclusive,
    sync::{Arc, OnceLock},
    time::Duration,
};

use sync_types::{
    ColumnSet, Slot, SyncDirection,
    test_utils::{TestChain, adversaries},
};

/// Honest peer counts a case draws from.
pub const HONEST_PEER_COUNTS: [usize; 4] = [1, 2, 3, 8];
/// Shares of slots without a block, in percent, a case draws from.
pub const EMPTY_SLOT_PERCENTS: [u64; 3] = [0, 50, 90];
/// The most blobs a block may carry in the sweep (a case draws its own most, `0 ..= 6`).
pub const MAX_BLOBS_PER_BLOCK: u64 = 6;
/// Slots per request (`QueueConfig::chunk_size`) a case draws from.
pub const CHUNK_SIZES: RangeInclusive<u64> = 4..=64;
/// The chain's last slot (its length after genesis) a case draws from.
pub const CHAIN_SLOTS: RangeInclusive<u64> = 200..=1_500;
/// Honest answer latencies in milliseconds, fast to very slow: a case draws one class and
/// each honest peer its own latency inside it. The slowest stays well below the
/// manager's 30 s request timeout, even for a blocks and a sidecars request in a row.
pub const LATENCY_CLASSES_MS: [RangeInclusive<u64>; 4] =
    [10..=90, 100..=900, 1_000..=4_000, 4_000..=10_000];
/// The latest a late joiner joins, or a peer disconnects after it joined.
pub const MAX_EVENT_DELAY: Duration = Duration::from_secs(600);
/// The data columns the syncing node samples in a Fulu case (eight, as at the minimum
/// custody).
pub const SAMPLED_COLUMNS: [u64; 8] = [2, 19, 40, 63, 64, 87, 101, 126];

/// The key of the first adversary (honest peers have keys `1 ..= n`).
pub const FIRST_ADVERSARY_KEY: u32 = 100;

/// Virtual time every case gets on top of its share scaled by the work (see
/// [`SweepCase::time_bound`]).
const BOUND_BASE: Duration = Duration::from_secs(3_600);
/// How many times a single honest peer's serial time a healthy sync may take.
const BOUND_SLACK: u64 = 4;

/// SplitMix64 (Steele, Lea and Flood, 2014): enough randomness to draw a case, in a few
/// lines and without a dependency.
#[derive(Clone, Debug)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.0)
    }

    /// A number in `0 .. n` (`0` when `n` is 0; the modulo bias does not matter here).
    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    fn in_range(&mut self, range: &RangeInclusive<u64>) -> u64 {
        let (lo, hi) = (*range.start(), *range.end());
        lo + self.below(hi - lo + 1)
    }

    fn index(&mut self, len: usize) -> usize {
        usize::try_from(self.below(len as u64)).unwrap_or(0)
    }

    fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
}

/// SplitMix64's output function: a good 64-bit mixer.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The names of [`adversaries`], in its order.
pub fn adversary_kinds() -> &'static [&'static str] {
    static KINDS: OnceLock<Vec<&'static str>> = OnceLock::new();
    KINDS.get_or_init(|| {
        adversaries(Arc::new(TestChain::full(Slot(2))), 0)
            .into_iter()
            .map(|(kind, _)| kind)
            .collect()
    })
}

/// Which sync a case runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SyncPlan {
    /// From genesis to the chain's last slot (the wall clock).
    Forward,
    /// Backfill from the block at `anchor` down to `frontfill` (0 for genesis), with the
    /// wall clock at the chain's last slot.
    Backward {
        /// The checkpoint block's slot (always a block).
        anchor: u64,
        /// The slot backfill should reach.
        frontfill: u64,
    },
}

/// Which adversaries of [`adversaries`] join a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AdversarySet {
    /// None.
    None,
    /// The one of this kind.
    One(&'static str),
    /// One of each kind.
    All,
}

impl AdversarySet {
    /// Whether the adversary of `kind` is in the set.
    pub fn includes(self, kind: &str) -> bool {
        match self {
            AdversarySet::None => false,
            AdversarySet::One(k) => k == kind,
            AdversarySet::All => true,
        }
    }
}

/// An honest peer of a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HonestPeer {
    /// How long it takes to answer any range request.
    pub latency: Duration,
    /// When it joins the pool (as an incoming peer) after the start; `None`: there at the
    /// start (outgoing).
    pub joins_after: Option<Duration>,
    /// The data columns it custodies: all of them for the first honest peer (so the
    /// sampled columns always have a custody peer), a random part for the others.
    pub custody: ColumnSet,
}

/// A peer of a case, by role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PeerRef {
    /// The honest peer with this index (its key is the index plus 1).
    Honest(usize),
    /// The adversary of this kind.
    Adversary(&'static str),
}

/// A peer whose connection ends during a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Disconnect {
    /// Who leaves.
    pub peer: PeerRef,
    /// When, after the start (always after the peer joined).
    pub after: Duration,
}

/// One simulated sync, drawn from [`seed`](Self::seed) by [`SweepCase::from_seed`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SweepCase {
    /// The seed every other field was drawn from.
    pub seed: u64,
    /// Forward or backward, and the backfill's bounds.
    pub plan: SyncPlan,
    /// The chain's last slot; it always has a block.
    pub last_slot: u64,
    /// The share of slots after genesis without a block, in percent.
    pub empty_percent: u64,
    /// The most blobs per block; each block has `0 ..= max_blobs`.
    pub max_blobs: u64,
    /// Shapes the chain (which slots are empty, how many blobs each block has).
    pub chain_seed: u64,
    /// Slots per request.
    pub chunk_size: u64,
    /// The honest peers; at least one of them never disconnects.
    pub honest: Vec<HonestPeer>,
    /// The adversaries, there from the start (outgoing).
    pub adversaries: AdversarySet,
    /// Peers that leave the pool during the sync.
    pub disconnects: Vec<Disconnect>,
    /// The first epoch whose blocks carry data columns instead of blob sidecars (the
    /// minimal preset's 8 slots per epoch), or `None` for a chain without Fulu.
    pub fulu_epoch: Option<u64>,
}

impl SweepCase {
    /// The case of `seed`. Every dimension is drawn independently: direction (even odds);
    /// 1, 2, 3 or 8 honest peers; no adversary (15 %), all of them (25 %) or one kind
    /// (60 %); a chunk size of 4 to 64; 0, 50 or 90 % empty slots; 0 to 6 blobs per block;
    /// a latency class; late joiners (a third of the cases, each honest peer but the
    /// first then joins late at even odds, within [`MAX_EVENT_DELAY`]); one or two
    /// disconnects (a third of the cases, never of the first honest peer, which is there
    /// from the start to the end); 200 to 1,500 slots.
    /// Backward, the anchor is the block at or below a slot in the chain's top tenth, and
    /// backfill goes to genesis or to a slot in the anchor's lower half, at even odds.
    pub fn from_seed(seed: u64) -> SweepCase {
        Self::draw(seed, false)
    }

    /// As [`from_seed`](Self::from_seed), but every honest peer may join late: the sync
    /// may start with adversaries alone (an eclipse), where the lone-peer rule trusts
    /// them. For measuring that limit, not for the pass/fail sweep.
    pub fn from_seed_with_eclipses(seed: u64) -> SweepCase {
        Self::draw(seed, true)
    }

    fn draw(seed: u64, eclipses: bool) -> SweepCase {
        let mut rng = SplitMix64::new(seed);
        let forward = rng.percent(50);
        let last_slot = rng.in_range(&CHAIN_SLOTS);
        let empty_percent = EMPTY_SLOT_PERCENTS[rng.index(EMPTY_SLOT_PERCENTS.len())];
        let max_blobs = rng.below(MAX_BLOBS_PER_BLOCK + 1);
        let chain_seed = rng.next_u64();
        let chunk_size = rng.in_range(&CHUNK_SIZES);
        let latency = &LATENCY_CLASSES_MS[rng.index(LATENCY_CLASSES_MS.len())];
        let late_joiners = rng.percent(33);
        let mut honest = Vec::new();
        for i in 0..HONEST_PEER_COUNTS[rng.index(HONEST_PEER_COUNTS.len())] {
            let latency = Duration::from_millis(rng.in_range(latency));
            // The first honest peer is there from the start and stays to the end: a window
            // with no honest peer at all is an eclipse, in which the lone-peer rule
            // trusts whoever is there (see the crate README).
            let joins_after = ((i > 0 || eclipses) && late_joiners && rng.percent(50))
                .then(|| event_delay(&mut rng));
            honest.push(HonestPeer {
                latency,
                joins_after,
                custody: ColumnSet::ALL,
            });
        }
        let kinds = adversary_kinds();
        let adversaries = match rng.below(20) {
            0..=2 => AdversarySet::None,
            3..=7 => AdversarySet::All,
            _ => AdversarySet::One(kinds[rng.index(kinds.len())]),
        };
        let mut case = SweepCase {
            seed,
            plan: SyncPlan::Forward,
            last_slot,
            empty_percent,
            max_blobs,
            chain_seed,
            chunk_size,
            honest,
            adversaries,
            disconnects: Vec::new(),
            fulu_epoch: None,
        };
        if rng.percent(33) {
            case.disconnects = case.draw_disconnects(&mut rng);
        }
        if !forward {
            let target = last_slot - rng.below(last_slot / 10 + 1);
            let anchor = (1..=target)
                .rev()
                .find(|s| case.has_block(*s))
                .unwrap_or(last_slot);
            let frontfill = if rng.percent(50) || anchor < 2 {
                0
            } else {
                rng.in_range(&(1..=anchor / 2))
            };
            case.plan = SyncPlan::Backward { anchor, frontfill };
        }
        // Drawn last, so that the other dimensions of a seed stay what they were.
        if rng.percent(50) {
            case.fulu_epoch = Some(rng.below(last_slot / 8 + 1));
            for peer in case.honest.iter_mut().skip(1) {
                peer.custody = (0..128).filter(|_| rng.percent(15)).collect();
            }
        }
        case
    }

    /// One or two peers to disconnect: any adversary of the case, or any honest peer but
    /// the first, which stays to the end.
    fn draw_disconnects(&self, rng: &mut SplitMix64) -> Vec<Disconnect> {
        let stays = if self.honest[0].joins_after.is_none() {
            0
        } else {
            // With eclipses allowed the first may join late: any honest peer may stay.
            rng.index(self.honest.len())
        };
        let mut candidates: Vec<PeerRef> = (0..self.honest.len())
            .filter(|i| *i != stays)
            .map(PeerRef::Honest)
            .collect();
        candidates.extend(
            adversary_kinds()
                .iter()
                .filter(|k| self.adversaries.includes(k))
                .map(|k| PeerRef::Adversary(k)),
        );
        let mut out = Vec::new();
        for _ in 0..1 + rng.below(2) {
            if candidates.is_empty() {
                break;
            }
            let peer = candidates.swap_remove(rng.index(candidates.len()));
            let joined = match peer {
                PeerRef::Honest(i) => self.honest[i].joins_after.unwrap_or_default(),
                PeerRef::Adversary(_) => Duration::ZERO,
            };
            out.push(Disconnect {
                peer,
                after: joined + event_delay(rng),
            });
        }
        out
    }

    /// Forward or backward.
    pub fn direction(&self) -> SyncDirection {
        match self.plan {
            SyncPlan::Forward => SyncDirection::Forward,
            SyncPlan::Backward { .. } => SyncDirection::Backward,
        }
    }

    /// Whether the chain has a block at `slot` (genesis and the last slot always do).
    pub fn has_block(&self, slot: u64) -> bool {
        slot == 0
            || slot == self.last_slot
            || (slot < self.last_slot && self.mix(slot, 1) % 100 >= self.empty_percent)
    }

    fn blobs_at(&self, slot: u64) -> u64 {
        self.mix(slot, 2) % (self.max_blobs + 1)
    }

    fn mix(&self, slot: u64, salt: u64) -> u64 {
        mix64(self.chain_seed ^ mix64(slot.wrapping_mul(4).wrapping_add(salt)))
    }

    /// The case's chain: [`TestChain::build`] with the seeded empty slots and blobs.
    pub fn build_chain(&self) -> TestChain {
        TestChain::build(
            Slot(self.last_slot),
            |s| !self.has_block(s.0),
            |s| self.blobs_at(s.0),
        )
    }

    /// How much virtual time the case gets before an unfinished sync counts as a hang:
    /// one hour, plus the latest join, plus four times what the slowest honest peer alone
    /// needs to serve every range one after the other (a blocks and a sidecars request
    /// each). At most about 9.5 hours (1,500 slots in chunks of 4 at 10 s).
    pub fn time_bound(&self) -> Duration {
        let slots = match self.plan {
            SyncPlan::Forward => self.last_slot,
            SyncPlan::Backward { anchor, frontfill } => anchor.saturating_sub(frontfill),
        };
        let ranges = slots.div_ceil(self.chunk_size.max(1));
        let slowest = self.honest.iter().map(|h| h.latency).max();
        let latest_join = self.honest.iter().filter_map(|h| h.joins_after).max();
        let serial_ms = ranges
            .saturating_mul(2)
            .saturating_mul(duration_ms(slowest.unwrap_or_default()));
        BOUND_BASE
            + latest_join.unwrap_or_default()
            + Duration::from_millis(serial_ms.saturating_mul(BOUND_SLACK))
    }

    /// The features a CI slice must cover: one `(dimension, value)` pair per dimension.
    pub(crate) fn features(&self) -> Vec<(&'static str, String)> {
        let bucket = |v: u64, edges: &[u64]| edges.iter().filter(|e| v >= **e).count();
        let slowest = self.honest.iter().map(|h| duration_ms(h.latency)).max();
        let frontfill = match self.plan {
            SyncPlan::Forward => "forward",
            SyncPlan::Backward { frontfill: 0, .. } => "backward to genesis",
            SyncPlan::Backward { .. } => "backward to a depth",
        };
        let disconnect = |honest: bool| {
            self.disconnects
                .iter()
                .any(|d| matches!(d.peer, PeerRef::Honest(_)) == honest)
        };
        vec![
            ("plan", frontfill.to_owned()),
            ("honest", self.honest.len().to_string()),
            ("adversaries", format!("{:?}", self.adversaries)),
            ("chunk", bucket(self.chunk_size, &[9, 17, 33]).to_string()),
            ("empty", self.empty_percent.to_string()),
            ("blobs", self.max_blobs.to_string()),
            (
                "latency",
                bucket(slowest.unwrap_or_default(), &[100, 1_000, 4_000]).to_string(),
            ),
            (
                "late",
                self.honest
                    .iter()
                    .any(|h| h.joins_after.is_some())
                    .to_string(),
            ),
            ("honest leaves", disconnect(true).to_string()),
            ("adversary leaves", disconnect(false).to_string()),
            ("length", bucket(self.last_slot, &[600, 1_000]).to_string()),
            ("fulu", self.fulu_epoch.is_some().to_string()),
        ]
    }
}

/// A delay of 1 s up to [`MAX_EVENT_DELAY`], a third each below 10 s, below a minute and
/// above, so that events hit every phase of syncs fast and slow.
fn event_delay(rng: &mut SplitMix64) -> Duration {
    let max = duration_ms(MAX_EVENT_DELAY);
    let ms = match rng.below(3) {
        0 => rng.in_range(&(1_000..=10_000)),
        1 => rng.in_range(&(10_000..=60_000)),
        _ => rng.in_range(&(60_000..=max)),
    };
    Duration::from_millis(ms)
}

/// Whole milliseconds of `d`, saturating.
pub(crate) fn duration_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl fmt::Display for SweepCase {
    /// One line: `forward 1234 slots, 50% empty, <=3 blobs, chunk 12, 3 honest (...), ...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.plan {
            SyncPlan::Forward => write!(f, "forward 0..{}", self.last_slot)?,
            SyncPlan::Backward { anchor, frontfill } => write!(
                f,
                "backward {anchor}->{frontfill} (chain ..{})",
                self.last_slot
            )?,
        }
        write!(
            f,
            ", {}% empty, <={} blobs, chunk {}, honest [",
            self.empty_percent, self.max_blobs, self.chunk_size
        )?;
        for (i, h) in self.honest.iter().enumerate() {
            let sep = if i == 0 { "" } else { " " };
            write!(f, "{sep}{}ms", duration_ms(h.latency))?;
            if let Some(at) = h.joins_after {
                write!(f, "@{}s", at.as_secs())?;
            }
        }
        let adversaries = match self.adversaries {
            AdversarySet::None => "none",
            AdversarySet::One(kind) => kind,
            AdversarySet::All => "all",
        };
        write!(f, "], adversaries {adversaries}")?;
        if let Some(epoch) = self.fulu_epoch {
            write!(f, ", fulu@{epoch}")?;
        }
        for d in &self.disconnects {
            match d.peer {
                PeerRef::Honest(i) => write!(f, ", honest#{} leaves", i + 1)?,
                PeerRef::Adversary(kind) => write!(f, ", {kind} leaves")?,
            }
            write!(f, "@{}s", d.after.as_secs())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_always_gives_the_same_case_within_the_bounds() {
        for seed in 0..500 {
            let case = SweepCase::from_seed(seed);
            assert_eq!(case, SweepCase::from_seed(seed));
            assert!(CHAIN_SLOTS.contains(&case.last_slot));
            assert!(CHUNK_SIZES.contains(&case.chunk_size));
            assert!(HONEST_PEER_COUNTS.contains(&case.honest.len()));
            let stays = (0..case.honest.len()).any(|i| {
                !case
                    .disconnects
                    .iter()
                    .any(|d| d.peer == PeerRef::Honest(i))
            });
            assert!(stays, "seed {seed}: an honest peer stays");
            if let SyncPlan::Backward { anchor, frontfill } = case.plan {
                assert!(case.has_block(anchor), "seed {seed}: the anchor is a block");
                assert!(frontfill < anchor, "seed {seed}");
            }
            let chain = case.build_chain();
            assert_eq!(
                chain.blocks().last().map(|b| b.slot),
                Some(Slot(case.last_slot))
            );
        }
    }
}
