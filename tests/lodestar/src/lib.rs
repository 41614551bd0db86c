//! The peers of beacon-sync's interop tests: Lodestar 1.5.1 nodes on free ports of
//! 127.0.0.1 (a [`Producer`] run by the team's `lodestar-devnet.sh`, and a [`Follower`]
//! with no validators that learns the chain only from a node that dials it), and the
//! HTTP probes that watch them and our node, re-checked at each event of Lodestar's
//! event stream ([`wait_until`]).
//!
//! The first [`Producer::start`] installs Node.js if needed (`scripts/ensure-node.sh`)
//! and Lodestar from the npm registry (about 2 minutes); a test that uses them never
//! skips itself.

mod events;
mod http;
mod peers;

pub use events::{Events, wait_until};
pub use http::{free_port, get_json, get_text};
pub use peers::{Follower, Producer, SECONDS_PER_SLOT, block_root, number, slots};
