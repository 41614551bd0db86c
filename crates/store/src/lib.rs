//! # store: the crash-safe block and blob store
//!
//! An embedded database ([redb](https://docs.rs/redb)) holding one chain's blocks and blob
//! sidecars, the anchors that say how far forward sync and backfill have come, and the
//! network it belongs to. It sits above `consensus` (whose [`Block`](consensus::Block),
//! [`Sidecar`](consensus::Sidecar) and [`ChainConfig`](consensus::config::ChainConfig) it
//! stores and checks against) and below the binary; the sync crates never see it, they
//! reach it through the verifier's [`ImportSink`](consensus::verify::ImportSink), which
//! [`Store`] implements.
//!
//! ## What is stored
//!
//! - blocks by root (fork and SSZ), and a slot index of the stored chain;
//! - blob sidecars by (block root, index);
//! - both as 8,000-byte chunks, which fit redb's pages (a whole 128 KiB sidecar would
//!   take a 256 KiB page);
//! - meta: schema version, network identity (config name and genesis validators root),
//!   and the [`Anchors`]: trusted anchor, forward head, backfill low-water mark, earliest
//!   available slot.
//!
//! The layout is in [`schema`]. The stored blocks always form one hash chain from the
//! backfill mark to the head (checked again on every commit), so the slot index is the
//! canonical chain and range queries are plain index scans.
//!
//! ## Nothing is lost, nothing unverified is kept
//!
//! Blocks enter only through [`Store::init_anchor`] (the trusted block) and
//! [`Store::commit_segment`] (a verified segment, called by the verifier after it checked
//! every block). A segment's blocks, sidecars, slot entries and moved anchor are written
//! in one redb write transaction with immediate durability: when the call returns the
//! segment is on disk, and a crash at any instant leaves the store at the last committed
//! segment. redb recovers the file on the next open; the anchors then say
//! exactly where to resume. `tests/crash.rs` kills a writer with SIGKILL 20 times to show
//! it.
//!
//! ## Opening
//!
//! [`Store::open`] refuses, with a one-line typed error, a database that is already open
//! ([`StoreError::Locked`]), a file that is not a database or is damaged
//! ([`StoreError::Corrupt`]), another schema version ([`StoreError::SchemaMismatch`]) or
//! another network ([`StoreError::WrongNetwork`]).
//!
//! ## Example
//!
//! ```no_run
//! # fn example(genesis: consensus::Block, segment: Vec<consensus::verify::BlockAndSidecars>)
//! # -> Result<(), store::StoreError> {
//! use consensus::config::ChainConfig;
//! use consensus::primitives::Hash256;
//! use consensus::Fork;
//!
//! let chain = ChainConfig::devnet(Fork::Electra, 1_700_000_000, Hash256::ZERO);
//! let store = store::Store::open("data/chain.redb", &chain)?;
//! if store.anchors()?.is_none() {
//!     store.init_anchor(&genesis, &[])?;
//! }
//! let anchors = store.anchors()?.expect("set above");
//! // A verifier anchored at `anchors.forward()` hands verified segments to the store
//! // (as its ImportSink); committing directly looks like this:
//! let last = segment.last().expect("a segment").block.clone();
//! store.commit_segment(&segment, consensus::verify::Anchor::Head {
//!     root: last.root(),
//!     slot: last.signed().slot(),
//! })?;
//! let served = store.blocks_ssz_by_range(anchors.head.slot, 64)?;
//! # let _ = served;
//! # Ok(())
//! # }
//! ```
//!
//! ## Feature flags
//!
//! None.

pub mod anchors;
mod chunks;
pub mod config;
pub mod error;
mod read;
pub mod schema;
mod segment;
mod sink;
mod store;

pub use anchors::{Anchors, BackfillMark, BlockId, NetworkIdentity};
pub use config::StoreConfig;
pub use error::{LinkBreak, StoreError};
pub use read::{StoreStats, StoredBlock, StoredSidecar};
pub use store::Store;
