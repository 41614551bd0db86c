//! # store: the crash-safe block and blob store
//!
//! An embedded database ([redb](https://docs.rs/redb)) holding one chain's blocks, blob
//! sidecars and data column sidecars, the anchors that say how far forward sync and
//! backfill have come, and the network it belongs to. It sits above `consensus` (whose
//! [`Block`](consensus::Block), [`Sidecar`](consensus::Sidecar),
//! [`Column`](consensus::Column) and [`ChainConfig`](consensus::config::ChainConfig) it
//! stores and checks against) and below the binary; the sync crates never see it, they
//! reach it through the verifier's [`ImportSink`](consensus::verify::ImportSink), which
//! [`Store`] implements.
//!
//! ## What is stored
//!
//! - blocks by root (fork and SSZ), and a slot index of the stored chain;
//! - blob sidecars by (block root, index);
//! - data column sidecars (Fulu) by (block root, column index): the columns the node
//!   samples, with the fork of their layout;
//! - all three as 8,000-byte chunks, which fit redb's pages (a whole 128 KiB sidecar
//!   would take a 256 KiB page);
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
//! every block). A segment's blocks, sidecars, columns, slot entries and moved anchor are
//! written in one redb write transaction with immediate durability: when the call returns
//! the segment is on disk, and a crash at any instant leaves the store at the last
//! committed segment. redb recovers the file on the next open; the anchors then say
//! exactly where to resume. `tests/crash.rs` kills a writer with SIGKILL 20 times (an
//! Electra chain with blob sidecars, a Fulu chain with columns) to show it.
//!
//! ## Reading
//!
//! Every query is a method of [`StoreReader`], which a [`Store`] derefs to; each reads
//! one snapshot, so an answer never mixes two commits.
//!
//! - by root: [`StoreReader::block_ssz_by_root`] gives the stored bytes with the block's
//!   slot (read from its fixed place in the SSZ, without decoding), [`StoreReader::block`]
//!   the decoded block, [`StoreReader::sidecars`] its blob sidecars,
//!   [`StoreReader::columns`], [`StoreReader::column`] and [`StoreReader::column_indices`]
//!   its data columns;
//! - by slot: [`StoreReader::block_root_at`] (exact) and
//!   [`StoreReader::block_at_or_before`] (the last stored block at or before a slot, one
//!   reverse step of the slot index);
//! - by range: [`StoreReader::blocks_ssz_by_range_within`],
//!   [`StoreReader::blob_sidecars_ssz_by_range_within`] and
//!   [`StoreReader::data_column_sidecars_ssz_by_range_within`] (the requested column
//!   indices the store holds) stop at an item limit and a byte budget and return a
//!   [`RangePage`] that says where they stopped; the plain range reads are the same reads
//!   without those limits;
//! - the whole: [`StoreReader::summary`] (network, anchors, record counts, empty slots)
//!   and [`StoreReader::network`].
//!
//! ## Opening
//!
//! [`Store::open`] refuses, with a one-line typed error, a database that is already open
//! ([`StoreError::Locked`]), a file that is not a database or is damaged
//! ([`StoreError::Corrupt`]), another schema version ([`StoreError::SchemaMismatch`]) or
//! another network ([`StoreError::WrongNetwork`]).
//!
//! [`Store::open_read_only`] gives a [`StoreReader`] alone, for tools such as `inspect`:
//! no chain config needed, no write method, and the file is never created or changed. It
//! refuses a missing file ([`StoreError::Missing`]), a database a running node holds
//! ([`StoreError::InUse`], whose message points to the node's HTTP API) and one a killed
//! node left unrecovered ([`StoreError::NeedsRecovery`]).
//!
//! ## Metrics
//!
//! [`StoreMetrics::register`] puts the store's metrics (commit latency, blocks, sidecars,
//! columns and bytes committed, the anchors' slots) into the binary's prometheus registry under
//! `beacon_sync_store_`; [`Store::with_metrics`] attaches them. See [`metrics`].
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
//! let mut registry = prometheus_client::registry::Registry::default();
//! let store = store::Store::open("data/chain.redb", &chain)?
//!     .with_metrics(store::StoreMetrics::register(&mut registry));
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
//! // Serve at most 64 blocks or about 10 MB, whichever comes first.
//! let page = store.blocks_ssz_by_range_within(anchors.head.slot, 64, 64, 10 << 20)?;
//! if let Some(next) = page.next_slot {
//!     // The answer stopped early: a follow-up read starts at `next`.
//! #   let _ = next;
//! }
//! # Ok(())
//! # }
//! ```
//!
//! ## Feature flags
//!
//! None.

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod anchors;
mod chunks;
mod columns;
pub mod config;
pub mod error;
pub mod metrics;
mod range;
mod read;
mod reader;
pub mod schema;
mod segment;
mod sink;
mod snapshot;
mod store;
mod summary;
mod write;

pub use anchors::{Anchors, BackfillMark, BlockId, NetworkIdentity};
pub use columns::StoredColumn;
pub use config::StoreConfig;
pub use error::{LinkBreak, StoreError};
pub use metrics::StoreMetrics;
pub use range::RangePage;
pub use read::{StoreStats, StoredBlock, StoredSidecar};
pub use reader::StoreReader;
pub use store::Store;
pub use summary::StoreSummary;
