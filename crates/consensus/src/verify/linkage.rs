//! Hash-chain linkage: where the verified chain ends and whether a block extends it.
//!
//! Forward, a block extends the chain when its parent root is the newest verified block.
//! Backward (backfill), a block extends the chain when its own root is the parent root the
//! oldest verified block names: the trusted anchor vouches for every block below it, one
//! parent root at a time. Recently verified roots are remembered (a bounded window) so
//! that a block delivered twice is a duplicate, not a break in the chain.

use std::collections::{HashSet, VecDeque};

use crate::block::Block;
use crate::primitives::Hash256;

/// How many recently verified roots are remembered for duplicate detection.
pub const RECENT_ROOTS: usize = 8192;

/// The end of the verified chain that the next block must attach to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// Forward sync: the newest verified block.
    Head {
        /// Its root.
        root: Hash256,
        /// Its slot.
        slot: u64,
    },
    /// Backward sync: the parent root named by the oldest verified block.
    Parent {
        /// The root the next older block must have.
        root: Hash256,
        /// The slot of the block that names it (the next block must be older).
        child_slot: u64,
    },
}

impl Anchor {
    /// A forward anchor at `block`: the next block must be its child.
    pub fn at(block: &Block) -> Anchor {
        Anchor::Head {
            root: block.root(),
            slot: block.signed().slot(),
        }
    }

    /// A backward anchor above `block`: `block` itself is the next one expected, as the
    /// parent that its child (one slot later) would name.
    pub fn above(block: &Block) -> Anchor {
        Anchor::Parent {
            root: block.root(),
            child_slot: block.signed().slot().saturating_add(1),
        }
    }
}

/// How a block relates to the verified chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// It extends the chain.
    Extends,
    /// It is already verified.
    Known,
    /// It does not attach.
    Detached,
}

/// The verified chain's end plus a window of recently verified roots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Linkage {
    anchor: Anchor,
    recent: VecDeque<Hash256>,
    known: HashSet<Hash256>,
}

impl Linkage {
    /// Starts from a trusted anchor.
    pub fn new(anchor: Anchor) -> Linkage {
        let mut linkage = Linkage {
            anchor,
            recent: VecDeque::new(),
            known: HashSet::new(),
        };
        if let Anchor::Head { root, .. } = anchor {
            linkage.remember(root);
        }
        linkage
    }

    /// The current anchor.
    pub fn anchor(&self) -> Anchor {
        self.anchor
    }

    /// How `block` relates to the chain.
    pub fn link(&self, block: &Block) -> Link {
        let slot = block.signed().slot();
        match self.anchor {
            Anchor::Head { root, slot: head } => {
                if block.signed().parent_root() == root && slot > head {
                    Link::Extends
                } else if self.known.contains(&block.root()) {
                    Link::Known
                } else {
                    Link::Detached
                }
            }
            Anchor::Parent { root, child_slot } => {
                if block.root() == root && slot < child_slot {
                    Link::Extends
                } else if self.known.contains(&block.root()) {
                    Link::Known
                } else {
                    Link::Detached
                }
            }
        }
    }

    /// Moves the anchor over `block`, which must [`Link::Extends`] the chain.
    pub fn extend(&mut self, block: &Block) {
        self.anchor = match self.anchor {
            Anchor::Head { .. } => Anchor::Head {
                root: block.root(),
                slot: block.signed().slot(),
            },
            Anchor::Parent { .. } => Anchor::Parent {
                root: block.signed().parent_root(),
                child_slot: block.signed().slot(),
            },
        };
        self.remember(block.root());
    }

    fn remember(&mut self, root: Hash256) {
        if self.known.insert(root) {
            self.recent.push_back(root);
        }
        while self.recent.len() > RECENT_ROOTS {
            if let Some(old) = self.recent.pop_front() {
                self.known.remove(&old);
            }
        }
    }
}
