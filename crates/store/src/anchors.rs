//! The chain anchors the store keeps: where the stored chain starts and ends.
//!
//! The stored blocks always form one hash chain, from the backfill low-water mark up to
//! the forward head, passing through the trusted anchor (genesis or a checkpoint). Forward
//! sync extends it at the head; backfill extends it below the low-water mark. Both anchors
//! move only in the same write transaction as the blocks that move them, so after a crash
//! they describe exactly the blocks on disk, and a restart resumes from them.

use std::fmt;

use consensus::primitives::Hash256;
use consensus::verify::Anchor;

/// The network a database belongs to: the config name, the genesis validators root and
/// the genesis time.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NetworkIdentity {
    /// The config name (`mainnet`, `hoodi`, `devnet`, ...).
    pub name: String,
    /// The genesis validators root, which tells apart two chains of the same name.
    pub genesis_validators_root: Hash256,
    /// The genesis time (Unix seconds), which tells apart two chains started from the
    /// same validators: a dev or test network restarted with a new genesis.
    pub genesis_time: u64,
}

impl NetworkIdentity {
    /// The identity of the network `chain` configures.
    pub fn of(chain: &consensus::config::ChainConfig) -> NetworkIdentity {
        NetworkIdentity {
            name: chain.name().to_owned(),
            genesis_validators_root: chain.genesis_validators_root(),
            genesis_time: chain.genesis_time(),
        }
    }
}

impl fmt::Display for NetworkIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (genesis validators root {}, genesis time {})",
            self.name, self.genesis_validators_root, self.genesis_time
        )
    }
}

/// A block by root and slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BlockId {
    /// The block root (`hash_tree_root` of the message).
    pub root: Hash256,
    /// The block's slot.
    pub slot: u64,
}

impl fmt::Display for BlockId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "block {} at slot {}", self.root, self.slot)
    }
}

/// The lowest stored block: its slot and the parent root the next older block must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BackfillMark {
    /// The slot of the lowest stored block.
    pub slot: u64,
    /// Its parent root: the root the next block backfill stores must have (zero for the
    /// genesis block, which has no parent).
    pub parent_root: Hash256,
}

/// Every anchor of the stored chain, as committed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Anchors {
    /// The block the chain was started from (genesis or a checkpoint); it never moves.
    pub trusted: BlockId,
    /// The newest stored block (forward sync continues after it).
    pub head: BlockId,
    /// The lowest stored block (backfill continues below it).
    pub backfill: BackfillMark,
    /// The lowest slot from which blocks are served (inclusive).
    pub earliest_available_slot: u64,
}

impl Anchors {
    /// The anchors of a store that holds only its trusted anchor block.
    pub fn at_trusted(root: Hash256, slot: u64, parent_root: Hash256) -> Anchors {
        Anchors {
            trusted: BlockId { root, slot },
            head: BlockId { root, slot },
            backfill: BackfillMark { slot, parent_root },
            earliest_available_slot: slot,
        }
    }

    /// Where forward sync continues: a verifier anchor at the head.
    pub fn forward(&self) -> Anchor {
        Anchor::Head {
            root: self.head.root,
            slot: self.head.slot,
        }
    }

    /// Where backfill continues: a verifier anchor below the low-water mark.
    pub fn backward(&self) -> Anchor {
        Anchor::Parent {
            root: self.backfill.parent_root,
            child_slot: self.backfill.slot,
        }
    }

    /// Whether backfill has reached the genesis block (nothing older exists).
    pub fn is_backfill_complete(&self) -> bool {
        self.backfill.slot == 0 || self.backfill.parent_root == Hash256::ZERO
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_checkpoint_continues_both_ways_from_itself() {
        let root = Hash256::repeat_byte(7);
        let parent = Hash256::repeat_byte(6);
        let anchors = Anchors::at_trusted(root, 64, parent);
        assert_eq!(anchors.forward(), Anchor::Head { root, slot: 64 });
        assert_eq!(
            anchors.backward(),
            Anchor::Parent {
                root: parent,
                child_slot: 64
            }
        );
        assert!(!anchors.is_backfill_complete());
        assert!(Anchors::at_trusted(root, 0, Hash256::ZERO).is_backfill_complete());
    }
}
