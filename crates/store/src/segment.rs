//! Checking that a verified segment extends the stored chain, and where it moves the
//! anchors.
//!
//! The verifier already checked the hash chain against its own copy of the anchor; the
//! store checks it again against the anchors on disk, inside the write transaction. That
//! costs nothing (the roots are computed once per block) and keeps the one invariant every
//! reader relies on: the stored blocks form a single chain from the backfill mark to the
//! head, so the slot index is the canonical chain and the anchors say exactly what is
//! stored. A verifier wired to the wrong anchor gets an error, not a forked database.

use consensus::primitives::Hash256;
use consensus::verify::Anchor;

use crate::anchors::{Anchors, BackfillMark, BlockId};
use crate::error::{LinkBreak, StoreError};

/// The identity of one block of a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Link {
    /// The block root.
    pub(crate) root: Hash256,
    /// The parent root the block names.
    pub(crate) parent_root: Hash256,
    /// The slot.
    pub(crate) slot: u64,
}

/// The anchors after `links` (in processing order) extend the chain of `anchors`, checked
/// against the `anchor` the verifier reports after them. The direction is the anchor's:
/// [`Anchor::Head`] forward, [`Anchor::Parent`] backward.
pub(crate) fn advance(
    anchors: &Anchors,
    links: &[Link],
    anchor: Anchor,
) -> Result<Anchors, StoreError> {
    let (next, expected) = match anchor {
        Anchor::Head { .. } => {
            let head = forward(anchors.head, links)?;
            let next = Anchors { head, ..*anchors };
            (next, next.forward())
        }
        Anchor::Parent { .. } => {
            let backfill = backward(anchors.backfill, links)?;
            let earliest_available_slot = anchors.earliest_available_slot.min(backfill.slot);
            let next = Anchors {
                backfill,
                earliest_available_slot,
                ..*anchors
            };
            (next, next.backward())
        }
    };
    if anchor != expected {
        return Err(StoreError::AnchorMismatch {
            given: anchor,
            expected,
        });
    }
    Ok(next)
}

fn forward(mut head: BlockId, links: &[Link]) -> Result<BlockId, StoreError> {
    for link in links {
        if link.parent_root != head.root {
            let reason = LinkBreak::ParentRoot {
                got: link.parent_root,
                expected: head.root,
            };
            return Err(StoreError::NotLinked {
                slot: link.slot,
                reason,
            });
        }
        if link.slot <= head.slot {
            let reason = LinkBreak::SlotOrder {
                previous: head.slot,
            };
            return Err(StoreError::NotLinked {
                slot: link.slot,
                reason,
            });
        }
        head = BlockId {
            root: link.root,
            slot: link.slot,
        };
    }
    Ok(head)
}

fn backward(mut mark: BackfillMark, links: &[Link]) -> Result<BackfillMark, StoreError> {
    for link in links {
        if link.root != mark.parent_root {
            let reason = LinkBreak::Root {
                got: link.root,
                expected: mark.parent_root,
            };
            return Err(StoreError::NotLinked {
                slot: link.slot,
                reason,
            });
        }
        if link.slot >= mark.slot {
            let reason = LinkBreak::SlotOrder {
                previous: mark.slot,
            };
            return Err(StoreError::NotLinked {
                slot: link.slot,
                reason,
            });
        }
        mark = BackfillMark {
            slot: link.slot,
            parent_root: link.parent_root,
        };
    }
    Ok(mark)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(n: u8) -> Hash256 {
        Hash256::repeat_byte(n)
    }

    /// Block `n` has root `n`, parent `n - 1` and slot `2n`.
    fn link(n: u8) -> Link {
        Link {
            root: root(n),
            parent_root: root(n - 1),
            slot: 2 * u64::from(n),
        }
    }

    /// A store holding block 10 only.
    fn anchors() -> Anchors {
        Anchors::at_trusted(root(10), 20, root(9))
    }

    #[test]
    fn forward_moves_the_head_only() {
        let next = advance(
            &anchors(),
            &[link(11), link(12)],
            Anchor::Head {
                root: root(12),
                slot: 24,
            },
        )
        .unwrap();
        assert_eq!(
            next.head,
            BlockId {
                root: root(12),
                slot: 24
            }
        );
        assert_eq!(
            (next.trusted, next.backfill),
            (anchors().trusted, anchors().backfill)
        );
        assert_eq!(next.earliest_available_slot, 20);
    }

    #[test]
    fn backward_moves_the_mark_and_the_earliest_slot() {
        let links = [link(9), link(8)];
        let next = advance(
            &anchors(),
            &links,
            Anchor::Parent {
                root: root(7),
                child_slot: 16,
            },
        )
        .unwrap();
        assert_eq!(
            next.backfill,
            BackfillMark {
                slot: 16,
                parent_root: root(7)
            }
        );
        assert_eq!(next.earliest_available_slot, 16);
        assert_eq!(next.head, anchors().head);
    }

    #[test]
    fn a_gap_or_a_fork_is_refused_naming_the_block() {
        let error = advance(
            &anchors(),
            &[link(12)],
            Anchor::Head {
                root: root(12),
                slot: 24,
            },
        );
        assert!(matches!(
            error,
            Err(StoreError::NotLinked {
                slot: 24,
                reason: LinkBreak::ParentRoot { .. }
            })
        ));
        let error = advance(
            &anchors(),
            &[link(8)],
            Anchor::Parent {
                root: root(7),
                child_slot: 16,
            },
        );
        assert!(matches!(
            error,
            Err(StoreError::NotLinked {
                slot: 16,
                reason: LinkBreak::Root { .. }
            })
        ));
    }

    #[test]
    fn slots_must_move_in_the_segment_direction() {
        let mut late = link(11);
        late.slot = 20;
        let error = advance(
            &anchors(),
            &[late],
            Anchor::Head {
                root: root(11),
                slot: 20,
            },
        );
        assert!(matches!(
            error,
            Err(StoreError::NotLinked {
                reason: LinkBreak::SlotOrder { previous: 20 },
                ..
            })
        ));
        let mut high = link(9);
        high.slot = 21;
        let error = advance(
            &anchors(),
            &[high],
            Anchor::Parent {
                root: root(8),
                child_slot: 21,
            },
        );
        assert!(matches!(error, Err(StoreError::NotLinked { slot: 21, .. })));
    }

    #[test]
    fn the_reported_anchor_must_be_where_the_blocks_end() {
        let error = advance(
            &anchors(),
            &[link(11)],
            Anchor::Head {
                root: root(99),
                slot: 22,
            },
        );
        assert!(matches!(error, Err(StoreError::AnchorMismatch { .. })));
        // An empty segment moves nothing, and must say so.
        assert_eq!(
            advance(&anchors(), &[], anchors().forward()).unwrap(),
            anchors()
        );
        let error = advance(
            &anchors(),
            &[],
            Anchor::Head {
                root: root(11),
                slot: 22,
            },
        );
        assert!(matches!(error, Err(StoreError::AnchorMismatch { .. })));
    }
}
