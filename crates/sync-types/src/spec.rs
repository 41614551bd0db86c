//! The chain constants the sync needs, as a runtime value.

use crate::{
    range::SyncRange,
    slot::{Epoch, Slot},
};

/// The epoch the consensus specs use for "not scheduled".
pub const FAR_FUTURE_EPOCH: Epoch = Epoch(u64::MAX);

/// A change of the blob limit at an epoch (a fork, or a Fulu blob-parameter-only fork).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlobLimit {
    /// The first epoch the limit applies to.
    pub epoch: Epoch,
    /// `MAX_BLOBS_PER_BLOCK` from that epoch on.
    pub max_blobs_per_block: u64,
}

/// The values of the chain configuration that range sync depends on.
///
/// Built with [`ChainSpec::mainnet`] or [`ChainSpec::minimal`] and adjusted with the
/// `with_*` methods; a network's full config lives in the `consensus` crate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainSpec {
    /// `SLOTS_PER_EPOCH`.
    pub slots_per_epoch: u64,
    /// `SECONDS_PER_SLOT`.
    pub seconds_per_slot: u64,
    /// `MAX_REQUEST_BLOCKS`: the longest blocks-by-range request before Deneb.
    pub max_request_blocks: u64,
    /// `MAX_REQUEST_BLOCKS_DENEB`: the longest blocks-by-range request from Deneb on.
    pub max_request_blocks_deneb: u64,
    /// `MIN_EPOCHS_FOR_BLOCK_REQUESTS`: how far back peers must serve blocks.
    pub min_epochs_for_block_requests: u64,
    /// `MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS`: how far back peers must serve blobs.
    pub min_epochs_for_blob_sidecars_requests: u64,
    /// `DENEB_FORK_EPOCH`: the first epoch with blobs.
    pub deneb_fork_epoch: Epoch,
    /// The blob limit schedule, sorted by epoch (Deneb, Electra, then Fulu's BPO forks).
    pub blob_limits: Vec<BlobLimit>,
}

impl ChainSpec {
    /// Ethereum mainnet (consensus-specs `configs/mainnet.yaml`, with the Fulu blob schedule).
    pub fn mainnet() -> ChainSpec {
        ChainSpec {
            slots_per_epoch: 32,
            seconds_per_slot: 12,
            max_request_blocks: 1024,
            max_request_blocks_deneb: 128,
            min_epochs_for_block_requests: 33_024,
            min_epochs_for_blob_sidecars_requests: 4096,
            deneb_fork_epoch: Epoch(269_568),
            blob_limits: vec![
                BlobLimit {
                    epoch: Epoch(269_568),
                    max_blobs_per_block: 6,
                },
                BlobLimit {
                    epoch: Epoch(364_032),
                    max_blobs_per_block: 9,
                },
                BlobLimit {
                    epoch: Epoch(412_672),
                    max_blobs_per_block: 15,
                },
                BlobLimit {
                    epoch: Epoch(419_072),
                    max_blobs_per_block: 21,
                },
            ],
        }
    }

    /// The minimal preset (consensus-specs `configs/minimal.yaml`): 8 slots of 6 s per
    /// epoch; the forks are not scheduled there, so Deneb is at [`FAR_FUTURE_EPOCH`].
    /// Use [`ChainSpec::with_deneb_at`] to schedule it, as test networks do.
    pub fn minimal() -> ChainSpec {
        ChainSpec {
            slots_per_epoch: 8,
            seconds_per_slot: 6,
            max_request_blocks: 1024,
            max_request_blocks_deneb: 128,
            min_epochs_for_block_requests: 272,
            min_epochs_for_blob_sidecars_requests: 4096,
            deneb_fork_epoch: FAR_FUTURE_EPOCH,
            blob_limits: vec![BlobLimit {
                epoch: FAR_FUTURE_EPOCH,
                max_blobs_per_block: 6,
            }],
        }
    }

    /// Schedule Deneb (and its blob limit of 6, and Electra's 9 at `electra`) at these epochs.
    pub fn with_deneb_at(mut self, deneb: Epoch, electra: Epoch) -> ChainSpec {
        self.deneb_fork_epoch = deneb;
        self.blob_limits = vec![
            BlobLimit {
                epoch: deneb,
                max_blobs_per_block: 6,
            },
            BlobLimit {
                epoch: electra.max(deneb),
                max_blobs_per_block: 9,
            },
        ];
        self
    }

    /// The epoch of `slot`.
    pub const fn epoch_of(&self, slot: Slot) -> Epoch {
        slot.epoch(self.slots_per_epoch)
    }

    /// The first slot of `epoch`.
    pub const fn start_slot(&self, epoch: Epoch) -> Slot {
        epoch.start_slot(self.slots_per_epoch)
    }

    /// The longest blocks-by-range request a peer must serve at `epoch`.
    pub fn max_request_blocks_at(&self, epoch: Epoch) -> u64 {
        if epoch >= self.deneb_fork_epoch {
            self.max_request_blocks_deneb
        } else {
            self.max_request_blocks
        }
    }

    /// `MAX_BLOBS_PER_BLOCK` in force at `epoch` (0 before Deneb).
    pub fn max_blobs_per_block_at(&self, epoch: Epoch) -> u64 {
        self.blob_limits
            .iter()
            .rev()
            .find(|l| l.epoch <= epoch)
            .map_or(0, |l| l.max_blobs_per_block)
    }

    /// The oldest epoch whose blob sidecars peers must still serve when the wall clock is
    /// at `wall_epoch`: `max(deneb, wall - MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS)`.
    ///
    /// It is measured from the wall clock, not from a head (spec D.28).
    pub fn blob_window_start(&self, wall_epoch: Epoch) -> Epoch {
        wall_epoch
            .saturating_sub(self.min_epochs_for_blob_sidecars_requests)
            .max(self.deneb_fork_epoch)
    }

    /// Whether blobs must be fetched for a block at `slot` when the wall clock is at
    /// `wall_epoch`: the slot's epoch is inside the blob window.
    pub fn is_in_blob_window(&self, slot: Slot, wall_epoch: Epoch) -> bool {
        let epoch = self.epoch_of(slot);
        epoch >= self.blob_window_start(wall_epoch) && epoch <= wall_epoch
    }

    /// Whether any slot of `first ..= last` needs blobs. Both ends are checked, so a range
    /// that straddles the Deneb fork or the retention boundary still gets its blobs
    /// (spec D.8). The window is an interval, so checking the ends is enough.
    pub fn range_needs_blobs(&self, first: Slot, last: Slot, wall_epoch: Epoch) -> bool {
        let start = self.blob_window_start(wall_epoch);
        let (lo, hi) = (self.epoch_of(first), self.epoch_of(last));
        hi >= start && lo <= wall_epoch
    }

    /// The part of `range` whose blob sidecars must be fetched when the wall clock is at
    /// `wall_epoch`: the slots inside the blob window, or `None` when there are none. A
    /// range that straddles the retention boundary asks for the sidecars of its newer part
    /// only, so a peer that pruned the older part is never asked for them.
    ///
    /// The same rule is the serving side's: the spec's `blob_serve_range`,
    /// `[max(wall - MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS, DENEB_FORK_EPOCH), wall]`, from
    /// which a server answers `BlobSidecarsByRange` (the `net` crate's server asks this
    /// method, so both sides agree to the slot).
    pub fn blob_range(&self, range: SyncRange, wall_epoch: Epoch) -> Option<SyncRange> {
        let lo = self.start_slot(self.blob_window_start(wall_epoch));
        let hi = self
            .start_slot(wall_epoch.saturating_add(1))
            .saturating_sub(1);
        SyncRange::from_bounds(range.start().max(lo), range.last().min(hi))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mainnet_blob_limits_follow_the_fork_schedule() {
        let s = ChainSpec::mainnet();
        assert_eq!(s.max_blobs_per_block_at(Epoch(269_567)), 0);
        assert_eq!(s.max_blobs_per_block_at(Epoch(269_568)), 6);
        assert_eq!(s.max_blobs_per_block_at(Epoch(364_032)), 9);
        assert_eq!(s.max_blobs_per_block_at(Epoch(412_672)), 15);
        assert_eq!(s.max_blobs_per_block_at(Epoch(500_000)), 21);
        assert_eq!(s.max_request_blocks_at(Epoch(0)), 1024);
        assert_eq!(s.max_request_blocks_at(Epoch(269_568)), 128);
    }

    #[test]
    fn blob_window_is_measured_from_the_wall_epoch_and_never_before_deneb() {
        let s = ChainSpec::mainnet();
        assert_eq!(s.blob_window_start(Epoch(270_000)), Epoch(269_568));
        assert_eq!(s.blob_window_start(Epoch(300_000)), Epoch(300_000 - 4096));
    }

    #[test]
    fn a_range_straddling_the_deneb_fork_needs_blobs() {
        let s = ChainSpec::mainnet();
        let fork = s.start_slot(s.deneb_fork_epoch);
        let wall = Epoch(269_600);
        // Starts before Deneb, ends after it: the seed looked only at the start (D.8).
        assert!(s.range_needs_blobs(fork.saturating_sub(16), fork.saturating_add(15), wall));
        assert!(!s.range_needs_blobs(fork.saturating_sub(64), fork.saturating_sub(1), wall));
    }

    #[test]
    fn a_range_straddling_the_retention_boundary_needs_blobs() {
        let s = ChainSpec::mainnet();
        let wall = Epoch(300_000);
        let boundary = s.start_slot(s.blob_window_start(wall));
        assert!(s.range_needs_blobs(
            boundary.saturating_sub(10),
            boundary.saturating_add(5),
            wall
        ));
        assert!(!s.range_needs_blobs(
            boundary.saturating_sub(10),
            boundary.saturating_sub(1),
            wall
        ));
    }

    #[test]
    fn the_blob_range_is_the_part_of_a_range_inside_the_window() {
        let s = ChainSpec::mainnet();
        let wall = Epoch(300_000);
        let boundary = s.start_slot(s.blob_window_start(wall));
        let straddling = SyncRange::new(boundary.saturating_sub(10), 32).expect("range");
        assert_eq!(
            s.blob_range(straddling, wall),
            SyncRange::new(boundary, 22),
            "only the newer 22 slots"
        );
        let older = SyncRange::new(boundary.saturating_sub(64), 32).expect("range");
        assert_eq!(s.blob_range(older, wall), None);
        let inside = SyncRange::new(boundary.saturating_add(64), 32).expect("range");
        assert_eq!(s.blob_range(inside, wall), Some(inside));
    }

    #[test]
    fn the_blob_range_never_reaches_before_the_deneb_fork() {
        let s = ChainSpec::minimal().with_deneb_at(Epoch(10), Epoch(12));
        let wall = Epoch(20); // wall - MIN_EPOCHS saturates to 0: Deneb bounds the window
        let fork = s.start_slot(Epoch(10));
        let straddling = SyncRange::new(fork.saturating_sub(5), 16).expect("range");
        assert_eq!(s.blob_range(straddling, wall), SyncRange::new(fork, 11));
        let before = SyncRange::new(Slot(0), 16).expect("range");
        assert_eq!(s.blob_range(before, wall), None);
    }

    #[test]
    fn minimal_has_no_deneb_until_scheduled() {
        let s = ChainSpec::minimal();
        assert_eq!(s.max_blobs_per_block_at(Epoch(1_000)), 0);
        let s = s.with_deneb_at(Epoch(0), Epoch(2));
        assert_eq!(s.max_blobs_per_block_at(Epoch(1)), 6);
        assert_eq!(s.max_blobs_per_block_at(Epoch(2)), 9);
    }
}
