//! [`StoreSink`]: the verifiers' [`ImportSink`] over the [`Store`]. Each verified segment
//! is committed in one transaction, and the anchors it leaves are published to the
//! [`NodeChain`] (the store's own `ImportSink` keeps them to itself).

use std::sync::Arc;

use consensus::verify::{Anchor, BlockAndSidecars, ImportSink};
use store::Store;
use sync_types::VerifierFault;

use crate::chain::NodeChain;

/// Commits verified segments and publishes the new anchors.
#[derive(Clone, Debug)]
pub struct StoreSink {
    store: Arc<Store>,
    chain: Arc<NodeChain>,
}

impl StoreSink {
    /// A sink committing to `store` and publishing to `chain`.
    pub fn new(store: Arc<Store>, chain: Arc<NodeChain>) -> StoreSink {
        StoreSink { store, chain }
    }
}

impl ImportSink for StoreSink {
    /// Any store failure is [`VerifierFault::Storage`] (ours, never the peer's); the
    /// error itself is logged, since the fault carries no detail.
    fn import(&self, blocks: &[BlockAndSidecars], anchor: Anchor) -> Result<(), VerifierFault> {
        match self.store.commit_segment(blocks, anchor) {
            Ok(anchors) => {
                self.chain.publish(anchors);
                Ok(())
            }
            Err(error) => {
                tracing::error!(target: "node::store", %error, blocks = blocks.len(), "commit failed");
                Err(VerifierFault::Storage)
            }
        }
    }
}
