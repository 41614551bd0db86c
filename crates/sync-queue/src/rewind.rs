//! Where to restart after a missing parent (spec A.5.8), never below the safe slot (D.25).

use sync_types::{Epoch, Slot, SyncDirection};

/// Where a rewind goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RewindPoint {
    /// The slot to restart from.
    pub slot: Slot,
    /// The rewind cannot go further back than this: forward, the failure is in the
    /// finalized epoch; backward, the failure is at the safe (anchor) slot, so the peers'
    /// chain does not link to ours. Repeats of it need an operator (Nimbus only logs
    /// "restart the node").
    pub exhausted: bool,
}

/// The exponential rewind memory of one queue.
///
/// Forward, repeated failures at the same slot double the number of epochs rewound
/// (1, 2, 4, ...) until the finalized epoch is reached; a new failure slot starts again
/// at one epoch. Backward, the rewind always goes to the safe slot.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rewinder {
    saved: Option<(Slot, u64)>,
}

impl Rewinder {
    /// Forget the saved failure.
    pub fn clear(&mut self) {
        self.saved = None;
    }

    /// The rewind point for a missing parent at `fail` when the safe (finalized) slot is
    /// `safe`. The result is never below `safe`.
    pub fn rewind_point(
        &mut self,
        direction: SyncDirection,
        fail: Slot,
        safe: Slot,
        slots_per_epoch: u64,
    ) -> RewindPoint {
        match direction {
            SyncDirection::Backward => RewindPoint {
                slot: safe,
                exhausted: fail >= safe,
            },
            SyncDirection::Forward => self.forward(fail, safe, slots_per_epoch),
        }
    }

    fn forward(&mut self, fail: Slot, safe: Slot, spe: u64) -> RewindPoint {
        let (f, x) = (safe.epoch(spe).0, fail.epoch(spe).0);
        let epochs = match self.saved {
            Some((saved_fail, saved_epochs)) if saved_fail == fail => {
                if x > f {
                    match saved_epochs.checked_mul(2) {
                        Some(p) if p <= x && x - p >= f => p,
                        _ => x - f,
                    }
                } else {
                    0
                }
            }
            _ => u64::from(x > f),
        };
        let (slot, exhausted) = if epochs == 0 {
            let target = match self.saved {
                None => Epoch(f),
                Some((saved_fail, saved_epochs)) => {
                    saved_fail.epoch(spe).saturating_sub(saved_epochs)
                }
            };
            self.saved = None;
            (target.start_slot(spe), true)
        } else {
            self.saved = Some((fail, epochs));
            (Epoch(x - epochs).start_slot(spe), false)
        };
        RewindPoint {
            slot: slot.max(safe),
            exhausted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forward_seq(r: &mut Rewinder, calls: &[(u64, u64)]) -> Vec<u64> {
        calls
            .iter()
            .map(|&(fail, safe)| {
                r.rewind_point(SyncDirection::Forward, Slot(fail), Slot(safe), 32)
                    .slot
                    .0
            })
            .collect()
    }

    #[test]
    fn forward_rewind_doubles_back_to_genesis_then_restarts_for_a_new_fail_slot() {
        let mut r = Rewinder::default();
        let got = forward_seq(&mut r, &[(320, 0); 6]);
        assert_eq!(got, [288, 256, 192, 64, 0, 0]);
        assert_eq!(forward_seq(&mut r, &[(321, 0)]), [288]);
    }

    #[test]
    fn forward_rewind_stops_at_the_finalized_epoch() {
        let mut r = Rewinder::default();
        assert_eq!(
            forward_seq(&mut r, &[(320, 160); 5]),
            [288, 256, 192, 160, 160]
        );
    }

    #[test]
    fn forward_rewind_never_goes_below_a_newer_finalized_slot() {
        let mut r = Rewinder::default();
        // The seed returns 32 for the last call, below the finalized slot 64 (D.25).
        assert_eq!(
            forward_seq(&mut r, &[(40, 32), (70, 32), (70, 64)]),
            [32, 32, 64]
        );
    }

    #[test]
    fn forward_rewind_inside_the_finalized_epoch_is_exhausted() {
        let mut r = Rewinder::default();
        let p = r.rewind_point(SyncDirection::Forward, Slot(40), Slot(32), 32);
        assert_eq!(
            p,
            RewindPoint {
                slot: Slot(32),
                exhausted: true
            }
        );
    }

    #[test]
    fn forward_rewind_near_the_top_of_the_slot_line_does_not_overflow() {
        let mut r = Rewinder::default();
        let fail = Slot(u64::MAX);
        let slots: Vec<u64> = (0..70)
            .map(|_| {
                r.rewind_point(SyncDirection::Forward, fail, Slot(0), 32)
                    .slot
                    .0
            })
            .collect();
        assert!(
            slots.windows(2).all(|w| w[1] <= w[0]),
            "rewinds only go back"
        );
        assert_eq!(slots.last(), Some(&0));
    }

    #[test]
    fn backward_rewind_goes_to_the_safe_slot_and_flags_a_failure_at_the_anchor() {
        let mut r = Rewinder::default();
        let p = r.rewind_point(SyncDirection::Backward, Slot(100), Slot(200), 32);
        assert_eq!(
            p,
            RewindPoint {
                slot: Slot(200),
                exhausted: false
            }
        );
        let p = r.rewind_point(SyncDirection::Backward, Slot(200), Slot(200), 32);
        assert_eq!(
            p,
            RewindPoint {
                slot: Slot(200),
                exhausted: true
            }
        );
    }
}
