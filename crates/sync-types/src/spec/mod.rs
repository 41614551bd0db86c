//! The chain constants the sync needs, as a runtime value.

use crate::{
    range::SyncRange,
    slot::{Epoch, Slot},
};

/// The epoch the consensus specs use for "not scheduled".
pub const FAR_FUTURE_EPOCH: Epoch = Epoch(u64::MAX);

/// The data a block needs besides itself, which depends on its fork.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BlockDataKind {
    /// Before Deneb: the block alone.
    None,
    /// Deneb and Electra: one blob sidecar per blob commitment.
    Blobs,
    /// Fulu and later: the data column sidecars the node samples.
    Columns,
}

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
    /// `FULU_FORK_EPOCH`: the first epoch whose blob data travels as data columns.
    pub fulu_fork_epoch: Epoch,
    /// `MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS`: how far back peers must serve
    /// data columns.
    pub min_epochs_for_data_column_sidecars_requests: u64,
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
            fulu_fork_epoch: Epoch(411_392),
            min_epochs_for_data_column_sidecars_requests: 4096,
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
            fulu_fork_epoch: FAR_FUTURE_EPOCH,
            min_epochs_for_data_column_sidecars_requests: 4096,
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

    /// Schedule Fulu at `fulu`: blocks from that epoch on carry their blob data as data
    /// columns, under the blob limit already in force.
    pub fn with_fulu_at(mut self, fulu: Epoch) -> ChainSpec {
        self.fulu_fork_epoch = fulu;
        self
    }

    /// The data a block of `epoch` needs besides itself.
    pub fn data_kind_at(&self, epoch: Epoch) -> BlockDataKind {
        if epoch >= self.fulu_fork_epoch {
            BlockDataKind::Columns
        } else if epoch >= self.deneb_fork_epoch {
            BlockDataKind::Blobs
        } else {
            BlockDataKind::None
        }
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
    /// `wall_epoch`: the slot's epoch is inside the blob window and before Fulu.
    pub fn is_in_blob_window(&self, slot: Slot, wall_epoch: Epoch) -> bool {
        let epoch = self.epoch_of(slot);
        epoch >= self.blob_window_start(wall_epoch)
            && epoch <= wall_epoch
            && epoch < self.fulu_fork_epoch
    }

    /// Whether any slot of `first ..= last` needs blobs. Both ends are checked, so a range
    /// that straddles the Deneb fork or the retention boundary still gets its blobs
    /// (spec D.8). The window is an interval, so checking the ends is enough.
    pub fn range_needs_blobs(&self, first: Slot, last: Slot, wall_epoch: Epoch) -> bool {
        let start = self.blob_window_start(wall_epoch);
        let (lo, hi) = (self.epoch_of(first), self.epoch_of(last));
        hi >= start && lo <= wall_epoch && lo < self.fulu_fork_epoch
    }

    /// The part of `range` whose blob sidecars must be fetched when the wall clock is at
    /// `wall_epoch`: the slots inside the blob window and before Fulu (whose blocks carry
    /// data columns instead), or `None` when there are none. A
    /// range that straddles the retention boundary asks for the sidecars of its newer part
    /// only, so a peer that pruned the older part is never asked for them.
    ///
    /// The same rule is the serving side's: the spec's `blob_serve_range`,
    /// `[max(wall - MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS, DENEB_FORK_EPOCH), wall]`, cut
    /// before `FULU_FORK_EPOCH` as the Fulu p2p spec deprecates the protocol, from
    /// which a server answers `BlobSidecarsByRange` (the `net` crate's server asks this
    /// method, so both sides agree to the slot).
    pub fn blob_range(&self, range: SyncRange, wall_epoch: Epoch) -> Option<SyncRange> {
        if self.fulu_fork_epoch == Epoch(0) {
            return None; // Fulu from genesis: no block has blob sidecars
        }
        let lo = self.start_slot(self.blob_window_start(wall_epoch));
        let hi = self.end_slot(wall_epoch.min(self.fulu_fork_epoch.saturating_sub(1)));
        SyncRange::from_bounds(range.start().max(lo), range.last().min(hi))
    }

    /// The oldest epoch whose data columns peers must still serve when the wall clock is
    /// at `wall_epoch`: `max(fulu, wall - MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS)`.
    pub fn column_window_start(&self, wall_epoch: Epoch) -> Epoch {
        wall_epoch
            .saturating_sub(self.min_epochs_for_data_column_sidecars_requests)
            .max(self.fulu_fork_epoch)
    }

    /// The part of `range` whose data columns must be fetched when the wall clock is at
    /// `wall_epoch`, or `None` when there is none: the spec's serve range of
    /// `DataColumnSidecarsByRange`, `[max(wall - MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS,
    /// FULU_FORK_EPOCH), wall]`, so both sides agree to the slot.
    pub fn column_range(&self, range: SyncRange, wall_epoch: Epoch) -> Option<SyncRange> {
        let lo = self.start_slot(self.column_window_start(wall_epoch));
        let hi = self.end_slot(wall_epoch);
        SyncRange::from_bounds(range.start().max(lo), range.last().min(hi))
    }

    /// The last slot of `epoch`.
    const fn end_slot(&self, epoch: Epoch) -> Slot {
        self.start_slot(epoch.saturating_add(1)).saturating_sub(1)
    }
}

#[cfg(test)]
mod tests;
