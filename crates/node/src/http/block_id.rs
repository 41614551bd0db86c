//! The beacon-API's `{block_id}`: `head`, `genesis`, `finalized`, `justified`, a decimal
//! slot or a 0x-prefixed block root, and how each resolves against the store.
//!
//! The store holds one hash chain (from the backfill mark to the head), so every stored
//! block is canonical and a slot names at most one block. There is no fork choice: the
//! finalized block is the trusted anchor the node started from (genesis, or the
//! checkpoint), and nothing is known to be justified.

use std::str::FromStr;

use consensus::primitives::Hash256;
use store::{Anchors, Store};

use crate::http::error::{ApiError, echo};

/// A parsed `{block_id}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BlockRef {
    /// The stored head.
    Head,
    /// The block at slot 0.
    Genesis,
    /// The finalized block: the trusted anchor.
    Finalized,
    /// The justified block: unknown without fork choice.
    Justified,
    /// The block at this slot (none for an empty slot).
    Slot(u64),
    /// The block with this root.
    Root(Hash256),
}

/// The length of a 0x-prefixed 32-byte root.
const ROOT_HEX_LEN: usize = 2 + 64;

impl FromStr for BlockRef {
    type Err = ApiError;

    fn from_str(id: &str) -> Result<BlockRef, ApiError> {
        let invalid = || ApiError::InvalidBlockId { id: echo(id) };
        Ok(match id {
            "head" => BlockRef::Head,
            "genesis" => BlockRef::Genesis,
            "finalized" => BlockRef::Finalized,
            "justified" => BlockRef::Justified,
            _ if id.starts_with("0x") => {
                if id.len() != ROOT_HEX_LEN {
                    return Err(invalid());
                }
                BlockRef::Root(Hash256::from_str(id).map_err(|_| invalid())?)
            }
            _ if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => {
                BlockRef::Slot(id.parse().map_err(|_| invalid())?)
            }
            _ => return Err(invalid()),
        })
    }
}

/// The slot at and below which stored blocks are finalized: the trusted anchor's.
pub(crate) fn finalized_slot(anchors: &Anchors) -> u64 {
    anchors.trusted.slot
}

impl BlockRef {
    /// The root this id names, if the store has a block for it. `anchors` are the
    /// published ones (the head needs no read). Blocking: call on the blocking pool.
    ///
    /// # Errors
    /// [`ApiError::NotFound`] for `justified`; store failures.
    pub(crate) fn resolve(
        self,
        store: &Store,
        anchors: &Anchors,
    ) -> Result<Option<Hash256>, ApiError> {
        Ok(match self {
            BlockRef::Head => Some(anchors.head.root),
            BlockRef::Genesis => store.block_root_at(0)?,
            BlockRef::Finalized => Some(anchors.trusted.root),
            BlockRef::Justified => {
                return Err(ApiError::NotFound {
                    what: "this node runs no fork choice and knows no justified checkpoint"
                        .to_string(),
                });
            }
            BlockRef::Slot(slot) => store.block_root_at(slot)?,
            BlockRef::Root(root) => Some(root),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_ids_slots_and_roots_parse() {
        assert_eq!("head".parse::<BlockRef>().ok(), Some(BlockRef::Head));
        assert_eq!("genesis".parse::<BlockRef>().ok(), Some(BlockRef::Genesis));
        assert_eq!(
            "finalized".parse::<BlockRef>().ok(),
            Some(BlockRef::Finalized)
        );
        assert_eq!("42".parse::<BlockRef>().ok(), Some(BlockRef::Slot(42)));
        let root = format!("0x{}", "ab".repeat(32));
        assert_eq!(
            root.parse::<BlockRef>().ok(),
            Some(BlockRef::Root(Hash256::repeat_byte(0xab)))
        );
    }

    #[test]
    fn anything_else_is_an_invalid_block_id() {
        for bad in [
            "",
            "current",
            "-1",
            "+1",
            "1.5",
            "18446744073709551616",
            "0x",
            "0xab",
            "0xzz00000000000000000000000000000000000000000000000000000000000000",
            "HEAD",
        ] {
            assert!(
                matches!(
                    bad.parse::<BlockRef>(),
                    Err(ApiError::InvalidBlockId { .. })
                ),
                "{bad:?} parsed"
            );
        }
    }
}
