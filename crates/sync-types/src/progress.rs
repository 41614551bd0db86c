//! Progress figures, speed and the time-left string of the Nimbus status line (spec A.6.5).

use std::time::Duration;

use crate::slot::{Cursor, Slot, SyncDirection};

/// A sample of the cumulative number of processed slots at a point in time.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SpeedSample {
    /// Slots processed so far.
    pub slots: u64,
    /// When, as time since any fixed origin.
    pub at: Duration,
}

/// Slots per second between two samples; 0.0 unless both slots and time moved forward.
pub fn speed(a: SpeedSample, b: SpeedSample) -> f64 {
    if b.slots <= a.slots || b.at <= a.at {
        return 0.0;
    }
    (b.slots - a.slots) as f64 / (b.at - a.at).as_secs_f64()
}

/// Where a sync stands between its pivot and its final slot.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SyncProgress {
    /// Slots done since the pivot.
    pub progress: u64,
    /// Slots from the pivot to the final slot.
    pub total: u64,
    /// `total - progress`, never negative (D.11).
    pub remaining: u64,
    /// `progress / total` in `0.0 ..= 1.0` (1.0 when `total` is 0).
    pub done: f64,
}

impl SyncProgress {
    /// Progress of a sync that started at `pivot`, whose next slot to process is `out`,
    /// and which ends at `last` (inclusive). `out` is clamped to the range, so the figures
    /// never wrap (D.11).
    pub fn compute(direction: SyncDirection, pivot: Slot, out: Cursor, last: Slot) -> SyncProgress {
        let (pivot, last) = (i128::from(pivot.0), i128::from(last.0));
        let (progress, total) = match direction {
            SyncDirection::Forward => {
                let out = match out {
                    Cursor::At(s) => i128::from(s.0),
                    Cursor::Beyond => i128::from(u64::MAX) + 1,
                };
                (out.min(last + 1) - pivot, last + 1 - pivot)
            }
            SyncDirection::Backward => {
                let out = match out {
                    Cursor::At(s) => i128::from(s.0),
                    Cursor::Beyond => -1,
                };
                (pivot - out.max(last - 1), pivot + 1 - last)
            }
        };
        let clamp = |v: i128| u64::try_from(v.max(0)).unwrap_or(u64::MAX);
        let total = clamp(total);
        let progress = clamp(progress).min(total);
        let done = if total == 0 {
            1.0
        } else {
            progress as f64 / total as f64
        };
        SyncProgress {
            progress,
            total,
            remaining: total - progress,
            done,
        }
    }

    /// The expected time left at `slots_per_second`, or `None` ("unknown") below 0.001.
    pub fn time_left(&self, slots_per_second: f64) -> Option<Duration> {
        if slots_per_second.is_nan() || slots_per_second < 0.001 {
            return None;
        }
        Duration::try_from_secs_f64(self.remaining as f64 / slots_per_second).ok()
    }
}

/// The Nimbus time-left string: `--h--m` when unknown, else `[DDd]HHh MMm` without spaces,
/// days only when non-zero, seconds truncated. `1 d 2 h 3 min` gives `01d02h03m`.
pub fn time_left_string(left: Option<Duration>) -> String {
    let Some(left) = left else {
        return "--h--m".to_owned();
    };
    let minutes = left.as_secs() / 60;
    let (days, hours, minutes) = (minutes / (24 * 60), (minutes / 60) % 24, minutes % 60);
    if days > 0 {
        format!("{days:02}d{hours:02}h{minutes:02}m")
    } else {
        format!("{hours:02}h{minutes:02}m")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_left_string_matches_the_nimbus_table() {
        let cases = [
            (0, "00h00m"),
            (59, "00h00m"),
            (61 * 60, "01h01m"),
            (10 * 3600 + 5 * 60, "10h05m"),
            (86_400, "01d00h00m"),
            (86_400 + 2 * 3600 + 3 * 60, "01d02h03m"),
            (100 * 86_400, "100d00h00m"),
        ];
        for (secs, want) in cases {
            assert_eq!(
                time_left_string(Some(Duration::from_secs(secs))),
                want,
                "{secs} s"
            );
        }
        assert_eq!(time_left_string(None), "--h--m");
    }

    #[test]
    fn speed_is_zero_unless_slots_and_time_both_move_forward() {
        let a = SpeedSample {
            slots: 100,
            at: Duration::from_secs(10),
        };
        let b = SpeedSample {
            slots: 160,
            at: Duration::from_secs(22),
        };
        assert_eq!(speed(a, b), 5.0);
        assert_eq!(speed(b, a), 0.0);
        assert_eq!(
            speed(
                a,
                SpeedSample {
                    slots: 200,
                    at: a.at
                }
            ),
            0.0
        );
    }

    #[test]
    fn forward_progress_clamps_an_out_slot_past_the_end_instead_of_wrapping() {
        let p = SyncProgress::compute(
            SyncDirection::Forward,
            Slot(100),
            Cursor::At(Slot(500)),
            Slot(199),
        );
        assert_eq!((p.progress, p.total, p.remaining), (100, 100, 0));
        assert_eq!(p.done, 1.0);
        let p = SyncProgress::compute(
            SyncDirection::Forward,
            Slot(100),
            Cursor::At(Slot(150)),
            Slot(199),
        );
        assert_eq!((p.progress, p.total, p.remaining), (50, 100, 50));
        assert_eq!(p.time_left(5.0), Some(Duration::from_secs(10)));
        assert_eq!(p.time_left(0.0), None);
    }

    #[test]
    fn backward_progress_counts_down_from_the_pivot() {
        let p = SyncProgress::compute(
            SyncDirection::Backward,
            Slot(99),
            Cursor::At(Slot(49)),
            Slot(0),
        );
        assert_eq!((p.progress, p.total, p.remaining), (50, 100, 50));
        let p = SyncProgress::compute(
            SyncDirection::Backward,
            Slot(99),
            Cursor::At(Slot(0)),
            Slot(0),
        );
        assert_eq!((p.progress, p.total), (99, 100));
        let p = SyncProgress::compute(SyncDirection::Backward, Slot(99), Cursor::Beyond, Slot(0));
        assert_eq!((p.progress, p.remaining, p.done), (100, 0, 1.0));
    }

    #[test]
    fn empty_progress_is_done() {
        let p = SyncProgress::compute(
            SyncDirection::Forward,
            Slot(10),
            Cursor::At(Slot(10)),
            Slot(5),
        );
        assert_eq!((p.total, p.remaining, p.done), (0, 0, 1.0));
    }
}
