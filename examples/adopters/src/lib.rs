//! How another client adopts beacon-sync's crates, in two programs that depend on them
//! by their published names, as an outside workspace would:
//!
//! - `own_types` (`cargo run -p adopters --bin own_types`): a client with its own block,
//!   peer and verifier types that takes only `beacon-sync-queue`, `beacon-sync-peer-pool`
//!   and `beacon-sync-manager`, syncing from an in-memory network.
//! - `pull_range` (`cargo run -p adopters --bin pull_range`): a client that takes
//!   `beacon-sync-net` and `beacon-sync-consensus` with a verifier of its own, pulling a
//!   range from a serving node on 127.0.0.1 and checking it.
//!
//! `cargo test -p adopters` runs both. This library holds nothing else.
