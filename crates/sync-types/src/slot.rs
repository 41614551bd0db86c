//! Slots, epochs, roots and the cursor that walks a range in either direction.
//!
//! All arithmetic is explicit: `checked_*` returns `None` on overflow and `saturating_*`
//! clamps. Nothing here wraps silently (spec D.23).

use std::fmt;

/// A beacon-chain slot number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slot(pub u64);

/// A beacon-chain epoch number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Epoch(pub u64);

/// A 32-byte SSZ `hash_tree_root` (block root, state root, ...).
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Root(pub [u8; 32]);

impl Slot {
    /// The largest slot.
    pub const MAX: Slot = Slot(u64::MAX);

    /// The slot as a plain number.
    pub const fn as_u64(self) -> u64 {
        self.0
    }

    /// `self + n`, or `None` on overflow.
    pub const fn checked_add(self, n: u64) -> Option<Slot> {
        match self.0.checked_add(n) {
            Some(v) => Some(Slot(v)),
            None => None,
        }
    }

    /// `self - n`, or `None` below slot 0.
    pub const fn checked_sub(self, n: u64) -> Option<Slot> {
        match self.0.checked_sub(n) {
            Some(v) => Some(Slot(v)),
            None => None,
        }
    }

    /// `self + n`, clamped at [`Slot::MAX`].
    pub const fn saturating_add(self, n: u64) -> Slot {
        Slot(self.0.saturating_add(n))
    }

    /// `self - n`, clamped at slot 0.
    pub const fn saturating_sub(self, n: u64) -> Slot {
        Slot(self.0.saturating_sub(n))
    }

    /// The number of slots from `earlier` up to `self` (0 if `earlier` is later).
    pub const fn distance_from(self, earlier: Slot) -> u64 {
        self.0.saturating_sub(earlier.0)
    }

    /// The epoch this slot belongs to.
    ///
    /// `slots_per_epoch` of 0 is treated as 1 so the function is total.
    pub const fn epoch(self, slots_per_epoch: u64) -> Epoch {
        let spe = if slots_per_epoch == 0 {
            1
        } else {
            slots_per_epoch
        };
        Epoch(self.0 / spe)
    }
}

impl Epoch {
    /// The epoch as a plain number.
    pub const fn as_u64(self) -> u64 {
        self.0
    }

    /// The first slot of this epoch, clamped at [`Slot::MAX`] for absurd epochs.
    pub const fn start_slot(self, slots_per_epoch: u64) -> Slot {
        Slot(self.0.saturating_mul(slots_per_epoch))
    }

    /// `self - n`, clamped at epoch 0.
    pub const fn saturating_sub(self, n: u64) -> Epoch {
        Epoch(self.0.saturating_sub(n))
    }

    /// `self + n`, clamped at `u64::MAX`.
    pub const fn saturating_add(self, n: u64) -> Epoch {
        Epoch(self.0.saturating_add(n))
    }
}

impl Root {
    /// The all-zero root (used by the protocol for "no block", e.g. a genesis finalized root).
    pub const ZERO: Root = Root([0; 32]);
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for Epoch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for Root {
    /// Short form for logs: `0x` and the first four bytes, as the other clients print roots.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x")?;
        for b in &self.0[..4] {
            write!(f, "{b:02x}")?;
        }
        write!(f, "…")
    }
}

impl fmt::Debug for Root {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x")?;
        for b in &self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// The direction a sync walks the slot line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SyncDirection {
    /// From an older slot towards the head (slots increase).
    Forward,
    /// From a trusted anchor back towards genesis (backfill; slots decrease).
    Backward,
}

impl fmt::Display for SyncDirection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SyncDirection::Forward => "forward",
            SyncDirection::Backward => "backward",
        })
    }
}

/// A position on the slot line that can also stand one step past either end of it.
///
/// Nimbus lets the backward cursor wrap from slot 0 to `u64::MAX` to mean "below genesis"
/// (spec D.23), and a forward cursor at `u64::MAX` would wrap to 0. Here the cursor says
/// so explicitly with [`Cursor::Beyond`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cursor {
    /// At this slot.
    At(Slot),
    /// Moved past the end of the slot line in the walking direction: above `u64::MAX`
    /// when walking forward, below slot 0 ("below genesis") when walking backward.
    Beyond,
}

impl Cursor {
    /// The slot, unless the cursor is past the end.
    pub const fn slot(self) -> Option<Slot> {
        match self {
            Cursor::At(s) => Some(s),
            Cursor::Beyond => None,
        }
    }

    /// Move `n` slots in `direction`, turning into [`Cursor::Beyond`] past the end.
    pub const fn advance(self, direction: SyncDirection, n: u64) -> Cursor {
        match self {
            Cursor::Beyond => Cursor::Beyond,
            Cursor::At(s) => {
                let next = match direction {
                    SyncDirection::Forward => s.checked_add(n),
                    SyncDirection::Backward => s.checked_sub(n),
                };
                match next {
                    Some(s) => Cursor::At(s),
                    None => Cursor::Beyond,
                }
            }
        }
    }

    /// How far `self` is ahead of `behind` in `direction` (0 if it is not ahead).
    ///
    /// [`Cursor::Beyond`] counts as one step past the end of the slot line.
    pub fn steps_ahead_of(self, behind: Cursor, direction: SyncDirection) -> u64 {
        let pos = |c: Cursor| -> i128 {
            match (c, direction) {
                (Cursor::At(s), _) => i128::from(s.0),
                (Cursor::Beyond, SyncDirection::Forward) => i128::from(u64::MAX) + 1,
                (Cursor::Beyond, SyncDirection::Backward) => -1,
            }
        };
        let diff = match direction {
            SyncDirection::Forward => pos(self) - pos(behind),
            SyncDirection::Backward => pos(behind) - pos(self),
        };
        u64::try_from(diff.max(0)).unwrap_or(u64::MAX)
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cursor::At(s) => s.fmt(f),
            Cursor::Beyond => f.write_str("beyond"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_start_slot_round_trip_on_mainnet_and_minimal() {
        assert_eq!(Slot(8_626_176).epoch(32), Epoch(269_568));
        assert_eq!(Epoch(269_568).start_slot(32), Slot(8_626_176));
        assert_eq!(Slot(17).epoch(8), Epoch(2));
        assert_eq!(Epoch(u64::MAX).start_slot(32), Slot::MAX);
    }

    #[test]
    fn backward_cursor_below_genesis_is_a_state_not_a_wrapped_number() {
        let c = Cursor::At(Slot(0)).advance(SyncDirection::Backward, 1);
        assert_eq!(c, Cursor::Beyond);
        assert_eq!(c.slot(), None);
        assert_eq!(
            Cursor::At(Slot(0)).steps_ahead_of(Cursor::At(Slot(31)), SyncDirection::Backward),
            31
        );
        assert_eq!(
            Cursor::Beyond.steps_ahead_of(Cursor::At(Slot(31)), SyncDirection::Backward),
            32
        );
    }

    #[test]
    fn forward_cursor_past_u64_max_is_beyond() {
        let c = Cursor::At(Slot(u64::MAX - 1)).advance(SyncDirection::Forward, 2);
        assert_eq!(c, Cursor::Beyond);
        assert_eq!(
            c.steps_ahead_of(Cursor::At(Slot(u64::MAX)), SyncDirection::Forward),
            1
        );
        assert_eq!(
            Cursor::At(Slot(5)).steps_ahead_of(Cursor::At(Slot(9)), SyncDirection::Forward),
            0
        );
    }

    #[test]
    fn root_display_is_short_and_debug_is_full() {
        let r = Root([0xab; 32]);
        assert_eq!(r.to_string(), "0xabababab…");
        assert_eq!(format!("{r:?}").len(), 66);
    }
}
