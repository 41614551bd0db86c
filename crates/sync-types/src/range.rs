//! Slot ranges and the requests the queue hands out.

use std::fmt;

use crate::slot::{Slot, SyncDirection};

/// A non-empty, inclusive run of slots: `start ..= last()`.
///
/// The constructor refuses an empty range and clips `count` so that `last()` never
/// passes [`Slot::MAX`]; an empty request is modelled as `Option<SyncRange>` (Nimbus uses
/// `count == 0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SyncRange {
    start: Slot,
    count: u64,
}

impl SyncRange {
    /// The range of `count` slots from `start`, clipped at [`Slot::MAX`]; `None` if empty.
    pub const fn new(start: Slot, count: u64) -> Option<SyncRange> {
        let room = u64::MAX - start.0; // slots after `start`
        let count = if count > room { room + 1 } else { count };
        // `room + 1` overflows only for start = 0 and count = 2^64, which a u64 can't hold.
        if count == 0 {
            None
        } else {
            Some(SyncRange { start, count })
        }
    }

    /// The inclusive range `first ..= last`; `None` if `last < first`.
    pub const fn from_bounds(first: Slot, last: Slot) -> Option<SyncRange> {
        if last.0 < first.0 {
            return None;
        }
        let span = last.0 - first.0; // count - 1, cannot overflow
        Some(SyncRange {
            start: first,
            count: span.saturating_add(1),
        })
    }

    /// The first (lowest) slot.
    pub const fn start(&self) -> Slot {
        self.start
    }

    /// The number of slots, at least 1.
    ///
    /// A range covering the whole slot line would need 2^64 slots; it is clipped to
    /// `u64::MAX` slots.
    pub const fn count(&self) -> u64 {
        self.count
    }

    /// The last (highest) slot, inclusive.
    pub const fn last(&self) -> Slot {
        Slot(self.start.0 + (self.count - 1))
    }

    /// Whether `slot` lies in `start ..= last()`.
    pub const fn contains(&self, slot: Slot) -> bool {
        slot.0 >= self.start.0 && slot.0 <= self.last().0
    }

    /// The slot nearest to the sync's cursor: `start` forward, `last()` backward.
    pub const fn first_in(&self, direction: SyncDirection) -> Slot {
        match direction {
            SyncDirection::Forward => self.start,
            SyncDirection::Backward => self.last(),
        }
    }

    /// The slot farthest from the sync's cursor: `last()` forward, `start` backward.
    pub const fn last_in(&self, direction: SyncDirection) -> Slot {
        match direction {
            SyncDirection::Forward => self.last(),
            SyncDirection::Backward => self.start,
        }
    }
}

impl fmt::Display for SyncRange {
    /// `start:count`, the form Nimbus logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.start, self.count)
    }
}

/// A unique id for a handed-out request, never reused by one queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestId(pub u64);

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A range handed to one peer.
#[derive(Clone, Debug)]
pub struct SyncRequest<P> {
    /// Unique id, so a result that arrives after a reset is recognised as stale.
    pub id: RequestId,
    /// The direction of the queue that issued it.
    pub direction: SyncDirection,
    /// The slots to download.
    pub range: SyncRange,
    /// The peer the range was handed to.
    pub peer: P,
}

impl<P> fmt::Display for SyncRequest<P> {
    /// `start:count@id`, as Nimbus logs requests.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.range, self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_range_is_none() {
        assert_eq!(SyncRange::new(Slot(10), 0), None);
        assert_eq!(SyncRange::from_bounds(Slot(10), Slot(9)), None);
    }

    #[test]
    fn range_at_the_top_of_the_slot_line_is_clipped_not_wrapped() {
        let r = SyncRange::new(Slot(u64::MAX - 1), 32).expect("non-empty");
        assert_eq!(r.count(), 2);
        assert_eq!(r.last(), Slot::MAX);
        assert!(r.contains(Slot::MAX));
        let whole = SyncRange::from_bounds(Slot(0), Slot::MAX).expect("non-empty");
        assert_eq!(whole.count(), u64::MAX);
    }

    #[test]
    fn contains_is_inclusive_at_both_ends() {
        let r = SyncRange::new(Slot(10), 6).expect("non-empty");
        assert!(!r.contains(Slot(9)));
        assert!(r.contains(Slot(10)));
        assert!(r.contains(Slot(15)));
        assert!(!r.contains(Slot(16)));
        assert_eq!(r.to_string(), "10:6");
        assert_eq!(r.first_in(SyncDirection::Backward), Slot(15));
    }
}
