//! Registry updates: a node that started from a checkpoint state knows the validators of
//! that state only. A block far past it may be proposed by a validator that joined later;
//! forward sync cannot take such a block on linkage alone (it has no trusted descendant,
//! so anyone could forge one), so the verifier says a newer registry is wanted
//! ([`UnknownProposers::Refresh`](consensus::verify::UnknownProposers::Refresh)), blaming
//! nobody, and this task fetches the head state's registry from the trusted beacon API
//! the checkpoint came from.

use std::time::Duration;

use consensus::ChainConfig;
use tracing::{info, warn};

use crate::api_client::BeaconApi;
use crate::node::NodeVerifier;

/// How often the task looks whether a newer registry is wanted.
const CHECK_INTERVAL: Duration = Duration::from_secs(2);

/// Where a newer validator registry comes from.
#[derive(Clone, Debug)]
pub struct RegistryRefresh {
    /// The trusted beacon API (the checkpoint's): its `head` state is read.
    pub api: BeaconApi,
    /// The slot of the state the node's registry was read from.
    pub state_slot: u64,
    /// The shortest time between two downloads of a state (a mainnet state is hundreds
    /// of megabytes, and a peer could name made-up proposers to make us fetch one):
    /// default one epoch.
    pub min_interval: Duration,
}

impl RegistryRefresh {
    /// Refreshes from `api`, the registry being of the state at `state_slot`, at most
    /// once an epoch of `config`.
    pub fn new(api: BeaconApi, state_slot: u64, config: &ChainConfig) -> RegistryRefresh {
        let epoch = config.seconds_per_slot() * config.slots_per_epoch();
        RegistryRefresh {
            api,
            state_slot,
            min_interval: Duration::from_secs(epoch),
        }
    }
}

/// Fetches the head state's registry from `refresh.api` whenever `verifier` wants a
/// newer one, at most once per `refresh.min_interval`.
pub(crate) async fn refresh_registry(
    verifier: NodeVerifier,
    refresh: RegistryRefresh,
    config: ChainConfig,
) {
    let mut tick = tokio::time::interval(CHECK_INTERVAL);
    let mut last: Option<tokio::time::Instant> = None;
    loop {
        tick.tick().await;
        let Some(slot) = verifier.registry_wanted() else {
            continue;
        };
        if last.is_some_and(|at| at.elapsed() < refresh.min_interval) {
            continue;
        }
        last = Some(tokio::time::Instant::now());
        let had = verifier.registry_len();
        info!(target: "node::registry", slot, validators = had, url = refresh.api.url(), "a proposer is not in our registry yet: fetching the head state's");
        match refresh.api.registry(&config, "head").await {
            Ok((proposers, state_slot)) => match verifier.update_registry(proposers, state_slot) {
                Ok(()) => {
                    info!(target: "node::registry", validators = verifier.registry_len(), was = had, state_slot, "registry refreshed");
                }
                Err(error) => {
                    warn!(target: "node::registry", %error, "the head state's registry was refused");
                }
            },
            Err(error) => {
                warn!(target: "node::registry", %error, "cannot refresh the registry; trying again later");
            }
        }
    }
}
