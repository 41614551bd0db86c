//! The handle to an acquired peer: it always goes back (D.10).

use std::{fmt, ops::Deref, sync::Weak};

use sync_types::ScoredPeer;

use crate::{config::PeerType, shared::Shared, state::Taken};

/// A peer acquired from a [`PeerPool`](crate::PeerPool). Derefs to the peer.
///
/// Give it back with [`release`](Self::release), or just drop it: dropping releases
/// too, so whatever path a worker takes (return, error, panic, cancellation), the peer
/// returns to the pool and cannot stay acquired forever (spec D.10).
///
/// On release the pool runs its score check on the peer's current score. A peer that
/// fails it (`score < min_score`), or that was deleted while acquired (a non-forced
/// [`delete_peer`](crate::PeerPool::delete_peer), or its lifetime ended), is removed and
/// `on_delete` fires; any other peer becomes available again and goes to the first
/// waiting acquirer that wants it. Releasing a peer that was force-deleted, or whose
/// pool was cleared or dropped, does nothing.
pub struct PooledPeer<P: ScoredPeer> {
    peer: P,
    key: P::Key,
    kind: PeerType,
    id: u64,
    pool: Weak<Shared<P>>,
}

impl<P: ScoredPeer> PooledPeer<P> {
    pub(crate) fn new(taken: Taken<P>, pool: Weak<Shared<P>>) -> Self {
        PooledPeer {
            key: taken.peer.key(),
            peer: taken.peer,
            kind: taken.kind,
            id: taken.id,
            pool,
        }
    }

    /// The peer.
    pub fn peer(&self) -> &P {
        &self.peer
    }

    /// The peer's key.
    pub fn key(&self) -> &P::Key {
        &self.key
    }

    /// The peer's direction.
    pub fn kind(&self) -> PeerType {
        self.kind
    }

    /// Give the peer back to the pool (the same as dropping the handle).
    pub fn release(self) {
        drop(self);
    }
}

impl<P: ScoredPeer> Deref for PooledPeer<P> {
    type Target = P;
    fn deref(&self) -> &P {
        &self.peer
    }
}

impl<P: ScoredPeer> Drop for PooledPeer<P> {
    fn drop(&mut self) {
        if let Some(pool) = self.pool.upgrade() {
            pool.with_state(|state| state.release(&self.key, self.id));
        }
    }
}

impl<P: ScoredPeer> fmt::Debug for PooledPeer<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PooledPeer")
            .field("key", &self.key)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}
