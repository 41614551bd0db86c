//! [`NetConfig`]: every limit and timeout of the network layer, with its default.

use std::net::IpAddr;
use std::time::Duration;

use crate::quota::QuotaSet;
use crate::rpc::{CodecLimits, MetaDataMessage};
use crate::transport::Muxers;

/// The network layer's settings. `NetConfig::default()` is what a node on a real network
/// uses; tests shorten the timeouts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetConfig {
    /// Stream muxers offered and accepted. Default [`Muxers::Both`] (yamux preferred, mplex
    /// for peers that speak only it).
    pub muxers: Muxers,
    /// Offer the Fulu protocol versions (`status/2`, `metadata/3`) besides `status/1` and
    /// `metadata/2`. Default true.
    pub fulu_protocols: bool,
    /// Time from a request to the first response byte (the spec's old `TTFB_TIMEOUT`).
    /// Default 5 s.
    pub ttfb_timeout: Duration,
    /// Time for each response chunk (the spec's old `RESP_TIMEOUT`). Default 10 s.
    pub chunk_timeout: Duration,
    /// Time for an inbound request to arrive whole. Default 5 s (Prysm's servers use the
    /// TTFB timeout for it).
    pub request_timeout: Duration,
    /// Bound on a whole stream, request and response, in either direction (libp2p's
    /// request-response timeout). Default 60 s.
    pub stream_timeout: Duration,
    /// How long a response stream may take no chunk while we have one to send; a peer
    /// that does not read for that long is let go (Goodbye 3). Default 10 s (the reader's
    /// own per-chunk limit, [`chunk_timeout`](Self::chunk_timeout)).
    pub write_timeout: Duration,
    /// Time for the TCP, noise and muxer upgrade of a new connection. Default 20 s.
    pub upgrade_timeout: Duration,
    /// How long the status handshake may take after a connection opens; a peer that has
    /// not completed it by then is disconnected (Goodbye 3). Default 10 s (Nimbus).
    pub handshake_timeout: Duration,
    /// How long to wait for a Goodbye to be delivered before closing the connection.
    /// Default 1 s.
    pub goodbye_timeout: Duration,
    /// How long a connection with no open stream is kept. Default 24 h: peers stay
    /// connected until one side says goodbye.
    pub idle_connection_timeout: Duration,
    /// Clock skew allowed when checking that a peer's head is not in the future. Default
    /// 500 ms (Nimbus).
    pub clock_disparity: Duration,
    /// Concurrent outbound requests per protocol per peer (`MAX_CONCURRENT_REQUESTS`).
    /// Default 2.
    pub max_concurrent_requests: usize,
    /// Concurrent streams per connection per protocol, both directions (libp2p's limit).
    /// Default 32.
    pub max_concurrent_streams: usize,
    /// Outbound self-limit per peer, so we stay inside what the peer allows. Default
    /// Lighthouse's quotas ([`QuotaSet::lighthouse`]; Lodestar 1.5.1 allows the same 1024
    /// requested blocks per 10 s) refilled 10 % more slowly, a margin for network jitter;
    /// `None` turns it off.
    pub outbound_quotas: Option<QuotaSet>,
    /// Inbound quota per peer; a request over it is answered with code 139
    /// (`RateLimited`). Default [`QuotaSet::lighthouse`].
    pub server_peer_quotas: QuotaSet,
    /// Inbound quota over all peers together. Default 16 × [`QuotaSet::lighthouse`].
    pub server_global_quotas: QuotaSet,
    /// Slots read from the chain source per query while serving a range. Default 16.
    pub serve_batch_slots: u64,
    /// Chunks buffered between the source and a response stream. Default 16.
    pub serve_buffer_chunks: usize,
    /// Slots read from the chain source per query while serving blob sidecars (a slot
    /// holds up to 9 sidecars of 131 KiB). Default 1: a blob response holds at most one
    /// slot's sidecars read ahead.
    pub serve_blob_batch_slots: u64,
    /// Chunks buffered between the source and a blob response stream. Default 4 (about
    /// 0.5 MiB).
    pub serve_blob_buffer_chunks: usize,
    /// Block and blob responses in flight to one peer (read, buffered or being written);
    /// more are answered with code 139. Default 4: an honest range sync asks at most 2
    /// at once per protocol (the spec's `MAX_CONCURRENT_REQUESTS`), blocks and blobs.
    pub max_responses_per_peer: usize,
    /// Block and blob responses in flight to all peers together; each holds up to a
    /// query batch and [`serve_buffer_chunks`](Self::serve_buffer_chunks) chunks, so this
    /// bounds the memory that serving can take. Default 128.
    pub max_responses: usize,
    /// Inbound connections still being set up (transport, encryption, muxer) at once;
    /// more are refused before any work. Default 32.
    pub max_pending_incoming: u32,
    /// Established inbound connections. Default 128.
    pub max_incoming_connections: u32,
    /// Established connections, both directions. Default 160.
    pub max_connections: u32,
    /// Established connections to one peer (two, so that a peer and we dialling each
    /// other at once are not refused). Default 2.
    pub max_connections_per_peer: u32,
    /// Inbound connections from one IP address, those still being set up included.
    /// Default 8: room for a few nodes behind one NAT, while one host with many
    /// identities cannot take the [`max_incoming_connections`](Self::max_incoming_connections)
    /// (libp2p's limits count connections, not addresses).
    pub max_incoming_per_ip: u32,
    /// An IP address from which more than this many peers were let go for their score
    /// (Goodbye 250) within [`ip_ban_duration`](Self::ip_ban_duration) is banned for that
    /// long. Default 5 (Lighthouse's `BANNED_PEERS_PER_IP_THRESHOLD`).
    pub ip_ban_threshold: usize,
    /// How long an IP address stays banned, and how long its peers' faults count towards
    /// a ban. Default 30 minutes (the node bans a peer id as long).
    pub ip_ban_duration: Duration,
    /// The local address outgoing connections leave from. Default `None`: the OS picks
    /// it by route (on loopback, always 127.0.0.1). For a host with several addresses,
    /// and for tests that must look like another host.
    pub dial_from: Option<IpAddr>,
    /// Commands buffered from handles to the swarm task. Default 1024.
    pub command_buffer: usize,
    /// Events buffered for each subscriber (a lagging subscriber loses the oldest).
    /// Default 1024.
    pub event_buffer: usize,
    /// Our metadata. Default: sequence 0, no subnets, custody group count 4
    /// (`CUSTODY_REQUIREMENT`).
    pub metadata: MetaDataMessage,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            muxers: Muxers::Both,
            fulu_protocols: true,
            ttfb_timeout: Duration::from_secs(5),
            chunk_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(5),
            stream_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(10),
            upgrade_timeout: Duration::from_secs(20),
            handshake_timeout: Duration::from_secs(10),
            goodbye_timeout: Duration::from_secs(1),
            idle_connection_timeout: Duration::from_secs(24 * 3600),
            clock_disparity: Duration::from_millis(500),
            max_concurrent_requests: 2,
            max_concurrent_streams: 32,
            outbound_quotas: Some(QuotaSet::lighthouse().stretched(10)),
            server_peer_quotas: QuotaSet::lighthouse(),
            server_global_quotas: QuotaSet::lighthouse().times(16),
            serve_batch_slots: 16,
            serve_buffer_chunks: 16,
            serve_blob_batch_slots: 1,
            serve_blob_buffer_chunks: 4,
            max_responses_per_peer: 4,
            max_responses: 128,
            max_pending_incoming: 32,
            max_incoming_connections: 128,
            max_connections: 160,
            max_connections_per_peer: 2,
            max_incoming_per_ip: 8,
            ip_ban_threshold: 5,
            ip_ban_duration: Duration::from_secs(30 * 60),
            dial_from: None,
            command_buffer: 1024,
            event_buffer: 1024,
            metadata: MetaDataMessage {
                seq_number: 0,
                attnets: [0; 8],
                syncnets: 0,
                custody_group_count: Some(4),
            },
        }
    }
}

impl NetConfig {
    /// The codec's timeouts.
    pub fn codec_limits(&self) -> CodecLimits {
        CodecLimits {
            ttfb_timeout: self.ttfb_timeout,
            chunk_timeout: self.chunk_timeout,
            request_timeout: self.request_timeout,
        }
    }

    /// This config with `muxers`.
    #[must_use]
    pub fn with_muxers(mut self, muxers: Muxers) -> Self {
        self.muxers = muxers;
        self
    }

    /// This config with the response timeouts (first byte, per chunk).
    #[must_use]
    pub fn with_response_timeouts(mut self, ttfb: Duration, chunk: Duration) -> Self {
        self.ttfb_timeout = ttfb;
        self.chunk_timeout = chunk;
        self
    }
}
