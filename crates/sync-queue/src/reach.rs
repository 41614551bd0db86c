//! What a peer can serve, as the queue sees it.

use sync_types::{Slot, SyncRange};

/// The slots a peer can serve: from its earliest available slot (status v2; slot 0 when
/// it did not say) up to its head. The queue hands a peer only ranges inside it, so a
/// peer that pruned its history is never asked, and never charged, for what it declared
/// it does not have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerReach {
    /// The oldest slot the peer serves.
    pub earliest: Slot,
    /// The peer's head slot.
    pub head: Slot,
}

impl PeerReach {
    /// A peer that serves every slot up to `head`.
    pub const fn up_to(head: Slot) -> Self {
        PeerReach {
            earliest: Slot(0),
            head,
        }
    }

    /// A peer that serves `earliest ..= head` (`earliest` 0 when the peer did not say).
    pub fn new(earliest: Option<Slot>, head: Slot) -> Self {
        PeerReach {
            earliest: earliest.unwrap_or(Slot(0)),
            head,
        }
    }

    /// Whether the peer can serve all of `range`.
    pub fn covers(&self, range: SyncRange) -> bool {
        range.start() >= self.earliest && range.last() <= self.head
    }
}
