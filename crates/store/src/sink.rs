//! The store as the verifier's [`ImportSink`]: a block counts as imported only once its
//! segment is committed.

use consensus::verify::{Anchor, BlockAndSidecars, ImportSink};
use sync_types::VerifierFault;

use crate::store::{Store, TARGET};

impl ImportSink for Store {
    /// Commits the verified blocks and the anchor after them in one transaction. Any
    /// failure is [`VerifierFault::Storage`] (our fault, never the peer's); the error
    /// itself is logged, since the fault carries no detail.
    fn import(&self, blocks: &[BlockAndSidecars], anchor: Anchor) -> Result<(), VerifierFault> {
        match self.commit_segment(blocks, anchor) {
            Ok(_) => Ok(()),
            Err(error) => {
                tracing::error!(target: TARGET, %error, blocks = blocks.len(), "import failed");
                Err(VerifierFault::Storage)
            }
        }
    }
}
