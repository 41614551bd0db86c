//! Starting from a beacon node's REST API, as operators do with checkpoint sync: the
//! genesis (`/eth/v1/beacon/genesis`), the fork schedule and constants
//! (`/eth/v1/config/spec`), the genesis state as SSZ
//! (`/eth/v2/debug/beacon/states/genesis`), the node's p2p addresses
//! (`/eth/v1/node/identity`), and for `--checkpoint finalized` its finalized block (JSON,
//! checked against the finalized root) and the finalized state's validators. Only the standard endpoints are used, so any beacon node
//! serves; every error names the endpoint and, for an HTTP error, the status.
//!
//! The client is hyper's HTTP/1 client over one TCP connection per request; `https://`
//! URLs are refused with a clear error (no TLS yet).

use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use consensus::config::{ChainConfig, ConfigError};
use consensus::primitives::{Hash256, Version};
use consensus::verify::Proposers;
use consensus::{Block, Fork, SignedBeaconBlock};
use http_body_util::{BodyExt, Empty, Limited};
use hyper::Request;
use hyper::header::{ACCEPT, HOST};
use hyper_util::rt::TokioIo;
use libp2p::Multiaddr;
use serde::Deserialize;
use tokio::net::TcpStream;

use crate::launch::{self, LaunchError, Network};

/// The longest a JSON request may take, connection included.
pub const JSON_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest a state download may take (a mainnet state is about 250 MB).
pub const STATE_TIMEOUT: Duration = Duration::from_secs(600);
/// The largest JSON answer accepted.
const MAX_JSON_BYTES: usize = 16 << 20;
/// The largest state accepted.
const MAX_STATE_BYTES: usize = 2 << 30;
/// The endpoint of the genesis state, as SSZ.
pub const GENESIS_STATE_ENDPOINT: &str = "/eth/v2/debug/beacon/states/genesis";

/// Why a beacon node's API could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The URL is not an `http://HOST:PORT` URL.
    #[error("invalid --beacon-api URL {url}: {why}")]
    Url {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// The node could not be reached.
    #[error("{url}{endpoint}: cannot connect: {detail}")]
    Connect {
        /// The API's base URL.
        url: String,
        /// The endpoint.
        endpoint: String,
        /// What failed.
        detail: String,
    },
    /// The node answered with an HTTP error.
    #[error("{url}{endpoint}: HTTP {status}: {message}")]
    Status {
        /// The API's base URL.
        url: String,
        /// The endpoint.
        endpoint: String,
        /// The HTTP status code.
        status: u16,
        /// The start of the answer's body.
        message: String,
    },
    /// The answer is not what the endpoint should return.
    #[error("{url}{endpoint}: unexpected answer: {detail}")]
    Answer {
        /// The API's base URL.
        url: String,
        /// The endpoint.
        endpoint: String,
        /// What is wrong.
        detail: String,
    },
    /// The node's configuration is not one we can follow.
    #[error("{url}/eth/v1/config/spec: {source}")]
    Config {
        /// The API's base URL.
        url: String,
        /// What is wrong with it.
        #[source]
        source: ConfigError,
    },
    /// The node now reports another genesis than the one the sync started with: it was
    /// restarted on another chain (a dev network's new genesis).
    #[error(
        "{url}/eth/v1/beacon/genesis: the beacon node changed its genesis (time {was_time}, validators root {was_root} -> time {now_time}, validators root {now_root}); stopping rather than mixing two chains in one data directory"
    )]
    GenesisChanged {
        /// The API's base URL.
        url: String,
        /// The genesis time the node started with.
        was_time: u64,
        /// The genesis validators root the node started with.
        was_root: Hash256,
        /// The genesis time the beacon node reports now.
        now_time: u64,
        /// The genesis validators root it reports now.
        now_root: Hash256,
    },
    /// A state from the node (or a file) does not fit the chain: not its genesis, of
    /// another chain, or not a state.
    #[error(transparent)]
    Genesis(#[from] LaunchError),
}

/// The standard `{"data": ...}` envelope.
#[derive(Deserialize)]
struct Data<T> {
    data: T,
}

/// `/eth/v1/beacon/genesis`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiGenesis {
    /// Unix time of genesis.
    pub genesis_time: u64,
    /// The chain's genesis validators root.
    pub genesis_validators_root: Hash256,
    /// The fork version at genesis.
    pub genesis_fork_version: Version,
}

#[derive(Deserialize)]
struct GenesisJson {
    genesis_time: String,
    genesis_validators_root: String,
    genesis_fork_version: String,
}

#[derive(Deserialize)]
struct IdentityJson {
    p2p_addresses: Vec<String>,
}

#[derive(Deserialize)]
struct HeaderJson {
    root: String,
}

#[derive(Deserialize)]
struct BlockAnswer {
    version: String,
    data: serde_json::Value,
}

/// A beacon node's REST API at an `http://` URL.
#[derive(Clone, Debug)]
pub struct BeaconApi {
    url: String,
    authority: String,
    prefix: String,
}

impl BeaconApi {
    /// The API at `url` (`http://HOST[:PORT][/PREFIX]`).
    ///
    /// # Errors
    /// [`ApiError::Url`] for anything else (`https://` included: no TLS yet).
    pub fn new(url: &str) -> Result<BeaconApi, ApiError> {
        let bad = |why| ApiError::Url {
            url: url.to_owned(),
            why,
        };
        let uri: hyper::Uri = url.parse().map_err(|_| bad("not a URL"))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => return Err(bad("https is not supported yet; use http://")),
            _ => return Err(bad("it must start with http://")),
        }
        let authority = uri.authority().ok_or_else(|| bad("it has no host"))?;
        let port = authority.port_u16().unwrap_or(80);
        Ok(BeaconApi {
            url: url.trim_end_matches('/').to_owned(),
            authority: format!("{}:{port}", authority.host()),
            prefix: uri.path().trim_end_matches('/').to_owned(),
        })
    }

    /// The URL given.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `GET endpoint` with `accept`, at most `limit` bytes, within `timeout`.
    async fn get(
        &self,
        endpoint: &str,
        accept: &str,
        limit: usize,
        timeout: Duration,
    ) -> Result<Bytes, ApiError> {
        let connect = |detail: String| ApiError::Connect {
            url: self.url.clone(),
            endpoint: endpoint.to_owned(),
            detail,
        };
        let fetch = async {
            let stream = TcpStream::connect(&self.authority)
                .await
                .map_err(|e| connect(e.to_string()))?;
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream))
                    .await
                    .map_err(|e| connect(e.to_string()))?;
            tokio::spawn(connection);
            let request = Request::get(format!("{}{endpoint}", self.prefix))
                .header(HOST, &self.authority)
                .header(ACCEPT, accept)
                .body(Empty::<Bytes>::new())
                .map_err(|e| connect(e.to_string()))?;
            let response = sender
                .send_request(request)
                .await
                .map_err(|e| connect(e.to_string()))?;
            let status = response.status();
            let body = Limited::new(response.into_body(), limit)
                .collect()
                .await
                .map_err(|e| self.answer(endpoint, &format!("reading the body: {e}")))?
                .to_bytes();
            if !status.is_success() {
                let text = String::from_utf8_lossy(&body);
                return Err(ApiError::Status {
                    url: self.url.clone(),
                    endpoint: endpoint.to_owned(),
                    status: status.as_u16(),
                    message: text.chars().take(200).collect(),
                });
            }
            Ok(body)
        };
        tokio::time::timeout(timeout, fetch)
            .await
            .map_err(|_| connect(format!("no answer within {} s", timeout.as_secs())))?
    }

    fn answer(&self, endpoint: &str, detail: &dyn std::fmt::Display) -> ApiError {
        ApiError::Answer {
            url: self.url.clone(),
            endpoint: endpoint.to_owned(),
            detail: detail.to_string(),
        }
    }

    async fn get_json<T: for<'de> Deserialize<'de>>(&self, endpoint: &str) -> Result<T, ApiError> {
        let body = self
            .get(endpoint, "application/json", MAX_JSON_BYTES, JSON_TIMEOUT)
            .await?;
        let data: Data<T> = serde_json::from_slice(&body).map_err(|e| self.answer(endpoint, &e))?;
        Ok(data.data)
    }

    /// `/eth/v1/beacon/genesis`.
    ///
    /// # Errors
    /// [`ApiError`] naming the endpoint.
    pub async fn genesis(&self) -> Result<ApiGenesis, ApiError> {
        const ENDPOINT: &str = "/eth/v1/beacon/genesis";
        let json: GenesisJson = self.get_json(ENDPOINT).await?;
        let bad = |field: &str| self.answer(ENDPOINT, &format!("invalid {field}"));
        Ok(ApiGenesis {
            genesis_time: json.genesis_time.parse().map_err(|_| bad("genesis_time"))?,
            genesis_validators_root: json
                .genesis_validators_root
                .parse()
                .map_err(|_| bad("genesis_validators_root"))?,
            genesis_fork_version: json
                .genesis_fork_version
                .parse()
                .map_err(|_| bad("genesis_fork_version"))?,
        })
    }

    /// Asks `/eth/v1/beacon/genesis` every `every` and returns once the answer differs
    /// from `chain`'s genesis ([`ApiError::GenesisChanged`]). A node that cannot be
    /// reached or answers badly is asked again later: it may be restarting.
    pub async fn watch_genesis(&self, chain: &ChainConfig, every: Duration) -> ApiError {
        let (was_time, was_root) = (chain.genesis_time(), chain.genesis_validators_root());
        loop {
            tokio::time::sleep(every).await;
            match self.genesis().await {
                Ok(now)
                    if (now.genesis_time, now.genesis_validators_root) != (was_time, was_root) =>
                {
                    return ApiError::GenesisChanged {
                        url: self.url.clone(),
                        was_time,
                        was_root,
                        now_time: now.genesis_time,
                        now_root: now.genesis_validators_root,
                    };
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::debug!(target: "node", %error, "genesis check failed; retrying");
                }
            }
        }
    }

    /// `/eth/v1/config/spec`, read as a `config.yaml` (JSON is YAML), without the
    /// genesis time and root (see [`BeaconApi::genesis`]).
    ///
    /// # Errors
    /// [`ApiError`] naming the endpoint, or the key the configuration lacks.
    pub async fn spec(&self) -> Result<ChainConfig, ApiError> {
        let spec: serde_json::Map<String, serde_json::Value> =
            self.get_json("/eth/v1/config/spec").await?;
        let text = serde_json::Value::Object(spec).to_string();
        ChainConfig::from_config_yaml(&text).map_err(|source| ApiError::Config {
            url: self.url.clone(),
            source,
        })
    }

    /// The node's p2p addresses (`/eth/v1/node/identity`), those that parse.
    ///
    /// # Errors
    /// [`ApiError`] naming the endpoint.
    pub async fn p2p_addresses(&self) -> Result<Vec<Multiaddr>, ApiError> {
        let identity: IdentityJson = self.get_json("/eth/v1/node/identity").await?;
        Ok(identity
            .p2p_addresses
            .iter()
            .filter_map(|a| a.parse().ok())
            .collect())
    }

    /// A state as SSZ (`/eth/v2/debug/beacon/states/{id}`).
    ///
    /// # Errors
    /// [`ApiError`] naming the endpoint.
    pub async fn state_ssz(&self, id: &str) -> Result<Bytes, ApiError> {
        let endpoint = format!("/eth/v2/debug/beacon/states/{id}");
        self.get(
            &endpoint,
            "application/octet-stream",
            MAX_STATE_BYTES,
            STATE_TIMEOUT,
        )
        .await
    }

    /// The SSZ bytes of the block with `root` (`/eth/v2/beacon/blocks/{root}`).
    ///
    /// # Errors
    /// [`ApiError`] naming the endpoint.
    pub async fn block_ssz(&self, root: Hash256) -> Result<Bytes, ApiError> {
        let endpoint = format!("/eth/v2/beacon/blocks/{root}");
        let accept = "application/octet-stream";
        self.get(&endpoint, accept, MAX_JSON_BYTES, JSON_TIMEOUT)
            .await
    }

    /// The beacon node's finalized block, to start from as a trusted checkpoint: its
    /// root from `/eth/v1/beacon/headers/finalized`, the block from
    /// `/eth/v2/beacon/blocks/{root}` (JSON, the form every beacon node serves; its
    /// `version` names the fork), which must hash to that root.
    ///
    /// A block with blobs is taken too: the node fetches the anchor's blob sidecars or
    /// columns by root from its peers once it runs.
    ///
    /// # Errors
    /// [`ApiError`] naming the endpoint; a block that does not hash to the root is
    /// refused.
    pub async fn finalized_block(&self) -> Result<Block, ApiError> {
        const HEADER: &str = "/eth/v1/beacon/headers/finalized";
        let header: HeaderJson = self.get_json(HEADER).await?;
        let root: Hash256 = header
            .root
            .parse()
            .map_err(|_| self.answer(HEADER, &"invalid root"))?;
        let endpoint = format!("/eth/v2/beacon/blocks/{root}");
        let body = self
            .get(&endpoint, "application/json", MAX_JSON_BYTES, JSON_TIMEOUT)
            .await?;
        let answer: BlockAnswer =
            serde_json::from_slice(&body).map_err(|e| self.answer(&endpoint, &e))?;
        let fork = Fork::from_name(&answer.version)
            .ok_or_else(|| self.answer(&endpoint, &format!("unknown fork {}", answer.version)))?;
        let signed = SignedBeaconBlock::deserialize_fork(fork, &answer.data)
            .map_err(|e| self.answer(&endpoint, &e))?;
        let block = Block::new(signed);
        if block.root() != root {
            let detail = format!("the block hashes to {}, not to {root}", block.root());
            return Err(self.answer(&endpoint, &detail));
        }
        Ok(block)
    }

    /// The validators of the finalized state (`/eth/v2/debug/beacon/states/finalized`),
    /// checked to belong to `config`'s chain.
    ///
    /// # Errors
    /// [`ApiError`] naming the endpoint.
    pub async fn finalized_registry(&self, config: &ChainConfig) -> Result<Proposers, ApiError> {
        Ok(self.registry(config, "finalized").await?.0)
    }

    /// The validators of the state `id` (`head`, `finalized`, a slot) and its slot,
    /// checked to belong to `config`'s chain.
    ///
    /// # Errors
    /// [`ApiError`] naming the endpoint.
    pub async fn registry(
        &self,
        config: &ChainConfig,
        id: &str,
    ) -> Result<(Proposers, u64), ApiError> {
        let bytes = self.state_ssz(id).await?;
        let source = PathBuf::from(format!("{}/eth/v2/debug/beacon/states/{id}", self.url));
        Ok(launch::registry_and_slot_of(&bytes, &source, config)?)
    }

    /// The chain the node follows: `/eth/v1/config/spec` with the genesis time and root
    /// of `/eth/v1/beacon/genesis`, whose fork version must be the spec's at genesis.
    ///
    /// # Errors
    /// [`ApiError`] naming the endpoint at fault.
    pub async fn config(&self) -> Result<ChainConfig, ApiError> {
        let genesis = self.genesis().await?;
        let config = self
            .spec()
            .await?
            .with_genesis(genesis.genesis_time, genesis.genesis_validators_root);
        if config.fork_version(config.fork_at_slot(0)) != genesis.genesis_fork_version {
            return Err(self.answer(
                "/eth/v1/beacon/genesis",
                &format!(
                    "genesis_fork_version {} is not the version of the spec's genesis fork",
                    genesis.genesis_fork_version
                ),
            ));
        }
        Ok(config)
    }

    /// The network the node follows, from genesis: its [`config`](Self::config), and its
    /// registry and genesis block from the genesis state (`state_file`, or
    /// [`GENESIS_STATE_ENDPOINT`]), checked against each other.
    ///
    /// # Errors
    /// [`ApiError`] naming the endpoint or file at fault.
    pub async fn network(&self, state_file: Option<&Path>) -> Result<Network, ApiError> {
        let config = self.config().await?;
        Ok(match state_file {
            Some(path) => launch::load_genesis_state(path, config)?,
            None => {
                let bytes = self.state_ssz("genesis").await?;
                let source = PathBuf::from(format!("{}{GENESIS_STATE_ENDPOINT}", self.url));
                launch::genesis_network(&bytes, &source, config)?
            }
        })
    }
}
