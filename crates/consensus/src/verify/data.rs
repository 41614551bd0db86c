//! Which blocks must come with their blob data: an explicit requirement, so that a block
//! whose sidecars were simply not passed is an error rather than a block that passes
//! without a single blob check.

use std::{fmt, sync::Arc};

use sync_types::{Epoch, Slot, SyncRange};

use crate::config::ChainConfig;

/// The wall clock's current slot, as the verifier reads it once per segment.
pub type WallSlot = Arc<dyn Fn() -> u64 + Send + Sync>;

/// Which blocks with blob commitments must arrive with their data: blob sidecars before
/// Fulu, the sampled data columns from Fulu on. A block that must and does not
/// (`sidecars` and `columns` both `None`) fails with
/// [`VerifyError::MissingData`](super::VerifyError::MissingData). Data that does come is
/// always checked, whatever the requirement.
#[derive(Clone, Default)]
pub enum DataRequirement {
    /// Every block with blob commitments (the default). Right for a devnet, for tests,
    /// and for any sync that stays inside the retention windows.
    #[default]
    Always,
    /// The blocks inside the retention windows at the wall clock's slot: from
    /// `max(DENEB_FORK_EPOCH, wall - MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS)` for blob
    /// sidecars, from `max(FULU_FORK_EPOCH, wall - MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS)`
    /// for columns, to the wall epoch: exactly the slots for which the sync manager asks
    /// peers for data. Older blocks may come without it (peers prune it). Right for a
    /// node on a real network, whose backfill goes below the windows.
    Window(WallSlot),
    /// No block needs its data (a block-only archive, a dry run).
    Never,
}

impl fmt::Debug for DataRequirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataRequirement::Always => f.write_str("Always"),
            DataRequirement::Window(wall) => write!(f, "Window(wall slot {})", wall()),
            DataRequirement::Never => f.write_str("Never"),
        }
    }
}

impl DataRequirement {
    /// The requirement resolved for one segment (the wall clock read once).
    pub fn resolve(&self) -> DataNeeded {
        match self {
            DataRequirement::Always => DataNeeded::All,
            DataRequirement::Window(wall) => DataNeeded::InWindowsAt { wall_slot: wall() },
            DataRequirement::Never => DataNeeded::Nothing,
        }
    }
}

/// A [`DataRequirement`] resolved for one segment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DataNeeded {
    /// Every block with blob commitments needs its data.
    #[default]
    All,
    /// The blocks in the retention windows when the wall clock is at `wall_slot`.
    InWindowsAt {
        /// The wall clock's slot.
        wall_slot: u64,
    },
    /// No block needs its data.
    Nothing,
}

impl DataNeeded {
    /// Whether a block at `slot` with blob commitments must come with its data.
    pub fn at(self, config: &ChainConfig, slot: u64) -> bool {
        match self {
            DataNeeded::All => true,
            DataNeeded::Nothing => false,
            DataNeeded::InWindowsAt { wall_slot } => {
                let spec = config.to_sync_spec();
                let wall = Epoch(config.slot_to_epoch(wall_slot));
                SyncRange::from_bounds(Slot(slot), Slot(slot)).is_some_and(|one| {
                    spec.blob_range(one, wall).is_some() || spec.column_range(one, wall).is_some()
                })
            }
        }
    }
}
