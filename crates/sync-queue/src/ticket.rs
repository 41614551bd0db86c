//! The handle to a handed-out request: it cannot leak (D.6).

use std::{ops::Deref, sync::Weak};

use sync_types::{RequestId, SyncRequest};

/// Gives a request back to its queue.
pub(crate) trait ReturnRequest<P>: Send + Sync {
    /// Request `id`, handed to `peer`, failed before it was answered.
    fn return_failed(&self, id: RequestId, peer: &P);
    /// Request `id` was given back unused (not a failure of anyone).
    fn return_unused(&self, id: RequestId);
}

/// A request handed out by [`SyncQueue::pop`](crate::SyncQueue::pop).
///
/// Give it back with [`SyncQueue::push`](crate::SyncQueue::push) (a response),
/// [`SyncQueue::push_failed`](crate::SyncQueue::push_failed), or unused with
/// [`release`](Self::release). Dropping it counts as a
/// failure: the range goes back to the queue, so a request can never leak, whatever path
/// (error, panic, cancellation) the worker takes (D.6).
pub struct RequestTicket<P> {
    request: SyncRequest<P>,
    queue: Option<Weak<dyn ReturnRequest<P>>>,
}

impl<P> RequestTicket<P> {
    pub(crate) fn new(request: SyncRequest<P>, queue: Weak<dyn ReturnRequest<P>>) -> Self {
        RequestTicket {
            request,
            queue: Some(queue),
        }
    }

    /// The request.
    pub fn request(&self) -> &SyncRequest<P> {
        &self.request
    }

    /// Give the request back unused, without counting it as a failure: its range is handed
    /// out again as if it had never been taken, and the peer is not marked as having
    /// tried it. For a worker that popped a request and then chose not to send it (its
    /// peer went away before the request left, it was only looking). A request that is
    /// no longer pending (after a reset) is ignored.
    ///
    /// Dropping the ticket instead counts as a failed request of that peer (D.6).
    pub fn release(mut self) {
        if let Some(queue) = self.queue.take().and_then(|q| q.upgrade()) {
            queue.return_unused(self.request.id);
        }
    }

    /// Take the request out without returning it (the queue does that itself).
    pub(crate) fn into_request(mut self) -> SyncRequest<P>
    where
        P: Clone,
    {
        self.queue = None;
        self.request.clone()
    }
}

impl<P> Deref for RequestTicket<P> {
    type Target = SyncRequest<P>;
    fn deref(&self) -> &SyncRequest<P> {
        &self.request
    }
}

impl<P> std::fmt::Debug for RequestTicket<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RequestTicket({})", self.request)
    }
}

impl<P> Drop for RequestTicket<P> {
    fn drop(&mut self) {
        if let Some(queue) = self.queue.take().and_then(|q| q.upgrade()) {
            queue.return_failed(self.request.id, &self.request.peer);
        }
    }
}
