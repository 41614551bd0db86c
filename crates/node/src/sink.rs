//! [`StoreSink`]: the verifiers' [`ImportSink`] over the [`Store`], pipelined.
//!
//! Each verified segment is committed in one transaction and the anchors it leaves are
//! published to the [`NodeChain`]. Commits run on a thread of their own, in the order the
//! segments were verified, one segment ahead at most: while segment N is written (and
//! fsynced), segment N+1 is verified. The store is written exactly as before (one
//! transaction per segment, in order), so a crash at any instant still leaves it at the
//! last committed segment, and the published anchors (what the node reports and resumes
//! from) only ever name committed blocks.
//!
//! If a commit fails (a full disk, a damaged file), every later import is refused as
//! [`VerifierFault::Storage`] (our fault, never a peer's): the sync stops moving and the
//! watchdog says so; the store keeps what was committed, and a restart resumes from it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use consensus::verify::{Anchor, BlockAndSidecars, ImportSink};
use store::Store;
use sync_types::VerifierFault;

use crate::chain::NodeChain;

/// Segments verified but not yet committed, at most: one is written while the next waits.
pub const COMMITS_IN_FLIGHT: usize = 1;

enum Job {
    Commit(Vec<BlockAndSidecars>, Anchor),
    Flush(std::sync::mpsc::Sender<()>),
    /// Ends the thread, which lets go of the store.
    Close,
}

/// Commits verified segments on its own thread and publishes the new anchors. Cheap to
/// clone; clones share the thread.
#[derive(Clone, Debug)]
pub struct StoreSink {
    jobs: Arc<Mutex<SyncSender<Job>>>,
    failed: Arc<AtomicBool>,
    thread: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Job::Commit(blocks, anchor) => write!(f, "Commit({} blocks, {anchor:?})", blocks.len()),
            Job::Flush(_) => f.write_str("Flush"),
            Job::Close => f.write_str("Close"),
        }
    }
}

impl StoreSink {
    /// A sink committing to `store` and publishing to `chain`, with its commit thread.
    ///
    /// # Errors
    /// When the thread cannot be started.
    pub fn new(store: Arc<Store>, chain: Arc<NodeChain>) -> std::io::Result<StoreSink> {
        let (jobs, queue) = sync_channel(COMMITS_IN_FLIGHT);
        let failed = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&failed);
        let thread = std::thread::Builder::new()
            .name("store-commit".to_owned())
            .spawn(move || commit_loop(&queue, &store, &chain, &flag))?;
        Ok(StoreSink {
            jobs: Arc::new(Mutex::new(jobs)),
            failed,
            thread: Arc::new(Mutex::new(Some(thread))),
        })
    }

    fn send(&self, job: Job) -> Result<(), VerifierFault> {
        let jobs = sync_types::lock::lock(&self.jobs).clone();
        // Blocks while a segment is already waiting: at most one ahead of the writer.
        jobs.send(job).map_err(|_| VerifierFault::Storage)
    }

    /// Waits until every segment handed over so far is committed (or refused).
    ///
    /// # Errors
    /// [`VerifierFault::Storage`] when a commit failed or the thread is gone.
    pub fn flush(&self) -> Result<(), VerifierFault> {
        let (done, wait) = std::sync::mpsc::channel();
        self.send(Job::Flush(done))?;
        wait.recv().map_err(|_| VerifierFault::Storage)?;
        if self.failed.load(Ordering::Acquire) {
            return Err(VerifierFault::Storage);
        }
        Ok(())
    }
}

impl StoreSink {
    /// Commits what was handed over, then ends the commit thread and waits for it, so
    /// that the thread's hold on the store is gone when this returns (a process that
    /// exits right after still closes the database cleanly). Later imports are refused
    /// as [`VerifierFault::Storage`].
    ///
    /// # Errors
    /// [`VerifierFault::Storage`] when a commit failed or the thread panicked.
    pub fn close(&self) -> Result<(), VerifierFault> {
        let flushed = self.flush();
        // The thread may be gone already (closed before): nothing to send to then.
        let _ = self.send(Job::Close);
        let thread = sync_types::lock::lock(&self.thread).take();
        if let Some(thread) = thread {
            thread.join().map_err(|_| VerifierFault::Storage)?;
        }
        flushed
    }
}

fn commit_loop(queue: &Receiver<Job>, store: &Store, chain: &NodeChain, failed: &AtomicBool) {
    for job in queue {
        match job {
            Job::Commit(blocks, anchor) => {
                if failed.load(Ordering::Acquire) {
                    continue;
                }
                match store.commit_segment(&blocks, anchor) {
                    Ok(anchors) => chain.publish(anchors),
                    Err(error) => {
                        tracing::error!(target: "node::store", %error, blocks = blocks.len(), "commit failed; the sync stops here until a restart");
                        failed.store(true, Ordering::Release);
                    }
                }
            }
            Job::Flush(done) => {
                let _ = done.send(());
            }
            Job::Close => return,
        }
    }
}

impl ImportSink for StoreSink {
    /// Hands the segment to the commit thread (waiting while one is already queued). A
    /// failed earlier commit refuses it as [`VerifierFault::Storage`] (ours, never the
    /// peer's).
    fn import(&self, blocks: &[BlockAndSidecars], anchor: Anchor) -> Result<(), VerifierFault> {
        if self.failed.load(Ordering::Acquire) {
            return Err(VerifierFault::Storage);
        }
        self.send(Job::Commit(blocks.to_vec(), anchor))
    }
}
