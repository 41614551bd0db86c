//! # peer-pool: the pool of sync peers
//!
//! [`PeerPool`] after Nimbus's `PeerPool` (`beacon_chain/networking/peer_pool.nim`, spec
//! A.3), with the seed's bugs fixed. It sits between the network, which adds peers as
//! they connect, and the sync workers, which borrow the best peer for each request. It
//! depends only on `sync-types` (for the [`ScoredPeer`](sync_types::ScoredPeer) seam) and
//! `prometheus-client` (for its metrics): no async runtime, no networking. Its futures
//! wake through plain [`Waker`](std::task::Waker)s and run on any executor.
//!
//! ## How it works
//!
//! - **Admission.** [`PeerPool::add_peer_no_wait`] checks a peer in Nimbus's
//!   `checkPeer` order (score, duplicate, dead) and then the limits of
//!   [`PoolConfig`] (total, incoming, outgoing); [`PeerPool::add_peer`] waits for
//!   space instead, first come first served.
//! - **Lifetimes.** Each peer comes with a [`Lifetime`]; the connection owner ends it
//!   with its [`LifetimeHandle`] (or by dropping the handle) and the pool removes the
//!   peer: at once if available, on release if acquired. No task per peer. A connection
//!   layer that has a "closed" future per connection hands it to [`Lifetimes::watch`]
//!   instead: one driver future, on any executor, ends every such lifetime.
//! - **Acquire and release.** [`PeerPool::acquire`] hands out the best available peer
//!   (score, then throughput, then outgoing before incoming: D.17), waiting in FIFO
//!   order when there is none. The peer comes back when its [`PooledPeer`] is released
//!   or dropped, so no path can keep it (D.10); a peer whose score fell below
//!   [`PoolConfig::min_score`], or that was deleted meanwhile, is removed then.
//! - **Registry.** Listings ([`PeerPool::peers`] and friends) walk the registry by rank
//!   and never show removed peers; [`PeerPool::clear`] detaches lifetimes (D.18).
//! - **Metrics.** [`PeerPool::with_metrics`] reports peers per direction, acquired peers
//!   and removals by reason to a [`PoolMetrics`] (prometheus-client), set from the
//!   pool's own counters after every change.
//!
//! ## Example
//!
//! ```
//! use peer_pool::{AddError, Lifetime, PeerFilter, PeerPool, PeerType, PoolConfig};
//! use sync_types::{ScoredPeer, test_utils::TestPeer};
//!
//! # tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(async {
//! let pool = PeerPool::new(PoolConfig::default().with_max_peers(2))?;
//! let (lifetime, connection) = Lifetime::new();
//! pool.add_peer_no_wait(TestPeer::new(1), PeerType::Outgoing, lifetime)?;
//! pool.add_peer_no_wait(TestPeer::new(2), PeerType::Incoming, Lifetime::forever())?;
//! assert_eq!(
//!     pool.add_peer_no_wait(TestPeer::new(3), PeerType::Incoming, Lifetime::forever()),
//!     Err(AddError::NoSpace)
//! );
//!
//! // Equal scores: the outgoing peer ranks first.
//! let peer = pool.acquire(PeerFilter::ANY).await;
//! assert_eq!(peer.key(), &1);
//! peer.update_score(-400); // a bad answer: the score falls below 0...
//! peer.release(); // ...so the peer leaves the pool on release.
//! assert!(!pool.contains(&1));
//!
//! // A connection that ends takes its peer out of the pool.
//! let (lifetime, connection_2) = Lifetime::new();
//! pool.add_peer_no_wait(TestPeer::new(4), PeerType::Outgoing, lifetime)?;
//! drop(connection_2);
//! assert_eq!(pool.len(), 1);
//! # drop(connection);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).expect("example runs");
//! ```
//!
//! ## Features
//!
//! None. Tests (and the example above) use `sync-types`' `test-utils` feature for
//! `TestPeer`.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod config;
mod error;
mod lifetime;
mod lifetimes;
mod metrics;
mod pending;
mod pool;
mod pooled;
mod rank;
mod shared;
mod state;
mod waiters;

pub use config::{PeerFilter, PeerType, PoolConfig, PoolCounts};
pub use error::{AddError, ConfigError};
pub use lifetime::{Lifetime, LifetimeHandle};
pub use lifetimes::Lifetimes;
pub use metrics::PoolMetrics;
pub use pool::PeerPool;
pub use pooled::PooledPeer;
