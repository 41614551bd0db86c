//! A raw libp2p peer answers blocks-by-range with malformed streams: every case ends in a
//! typed `RequestError` with the right penalty on the client side, never a panic or a
//! hang.
//!
//! The client in these tests uses short response timeouts (1 s to the first byte, 1.5 s
//! per chunk) so that the stalling cases end quickly on the real clock: real sockets and
//! tokio's paused clock do not mix (libp2p's own timers use wall time). The codec's
//! timeouts are also tested on the paused clock, without sockets (`rpc::codec` tests).

mod support;

use std::sync::Arc;
use std::time::Duration;

use consensus::Fork;
use net::codec::{
    CodecError, ErrorMessage, MAX_PAYLOAD_SIZE, Protocol, ResultCode, encode_error_chunk,
    encode_success_chunk, write_varint,
};
use net::{NetConfig, NetPeer, RpcError, StatusMessage, rpc_error};
use support::raw_peer::{RawReply, spawn_raw_peer};
use support::{TestNode, devnet_client, electra_devnet};
use sync_types::score::{PEER_SCORE_BAD_RESPONSE, PEER_SCORE_NO_VALUES};
use sync_types::{RequestError, Slot, SyncPeer, SyncRange};

/// A status chunk the client accepts: the devnet's digest, at genesis.
fn status_chunk() -> Vec<u8> {
    let devnet = electra_devnet();
    let status = StatusMessage {
        fork_digest: devnet.config().fork_digest_at_epoch(4),
        head_root: devnet.genesis_block().root(),
        ..StatusMessage::default()
    };
    let mut out = Vec::new();
    encode_success_chunk(
        Protocol::StatusV1,
        None,
        &status.to_ssz(Protocol::StatusV1),
        &mut out,
    )
    .expect("encodes");
    out
}

/// The block at devnet index `index`, as a by-range chunk with the context bytes `digest`
/// (its own digest when `None`).
fn block_chunk(index: usize, digest: Option<[u8; 4]>) -> Vec<u8> {
    let devnet = electra_devnet();
    let block = &devnet.blocks()[index];
    let digest = digest.map_or_else(
        || {
            devnet
                .config()
                .fork_digest_at_epoch(block.signed().slot() / 32)
        },
        Into::into,
    );
    let mut out = Vec::new();
    encode_success_chunk(
        Protocol::BlocksByRangeV2,
        Some(digest),
        &block.signed().as_ssz_bytes(),
        &mut out,
    )
    .expect("encodes");
    out
}

/// Connects a short-timeout client to a raw peer answering blocks-by-range with `reply`,
/// then asks for `count` blocks from slot 1.
async fn blocks_outcome(reply: RawReply, count: u64) -> (RequestError, NetPeer, TestNode) {
    let status = status_chunk();
    let raw = spawn_raw_peer(Arc::new(move |protocol: &str, _: &[u8]| {
        if protocol == Protocol::StatusV1.protocol_id() {
            RawReply::Bytes(status.clone())
        } else {
            reply.clone()
        }
    }))
    .await;
    let config = NetConfig::default()
        .with_response_timeouts(Duration::from_secs(1), Duration::from_millis(1500));
    let mut client = devnet_client(electra_devnet(), config).await;
    client
        .handle()
        .dial(raw.dial_addr())
        .await
        .expect("dial starts");
    let peer = client.expect_connected(raw.peer_id).await;
    let range = SyncRange::new(Slot(1), count).expect("range");
    let outcome = tokio::time::timeout(support::GUARD, peer.blocks_by_range(range))
        .await
        .expect("the request ends: no hang");
    let error = outcome.expect_err("a malformed answer is an error");
    (error, peer, client)
}

#[track_caller]
fn expect_codec_error(error: &RequestError, check: impl Fn(&CodecError) -> bool) {
    match rpc_error(error) {
        Some(RpcError::Codec { source, .. }) if check(source) => {}
        other => panic!("unexpected error {error:?} ({other:?})"),
    }
    assert_eq!(error.penalty(), Some(PEER_SCORE_BAD_RESPONSE));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_chunk_is_malformed() {
    let mut chunk = block_chunk(0, None);
    chunk.truncate(chunk.len() / 2);
    let (error, ..) = blocks_outcome(RawReply::Bytes(chunk), 2).await;
    expect_codec_error(&error, |e| matches!(e, CodecError::Truncated { .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_length_prefix_is_refused_before_any_payload() {
    let mut chunk = vec![0];
    chunk.extend_from_slice(electra_devnet().config().fork_digest_at_epoch(0).as_slice());
    write_varint(MAX_PAYLOAD_SIZE as u64 + 1, &mut chunk);
    chunk.extend_from_slice(&[0xff; 64]);
    let (error, ..) = blocks_outcome(RawReply::Bytes(chunk), 2).await;
    expect_codec_error(&error, |e| {
        matches!(e, CodecError::LengthOutOfBounds { .. })
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_crc_is_malformed() {
    let devnet = electra_devnet();
    let mut chunk = block_chunk(0, None);
    let mut prefix = Vec::new();
    write_varint(
        devnet.blocks()[0].signed().as_ssz_bytes().len() as u64,
        &mut prefix,
    );
    // result, context, varint, stream identifier (10), frame header (4), then the CRC.
    let crc_at = 1 + 4 + prefix.len() + 10 + 4;
    chunk[crc_at] ^= 0x55;
    let (error, ..) = blocks_outcome(RawReply::Bytes(chunk), 2).await;
    expect_codec_error(&error, |e| matches!(e, CodecError::BadCrc { .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_result_code_is_a_server_error() {
    let mut chunk = block_chunk(0, None);
    encode_error_chunk(
        ResultCode::Other(77),
        &ErrorMessage::from("odd"),
        &mut chunk,
    )
    .expect("encodes");
    let (error, ..) = blocks_outcome(RawReply::Bytes(chunk), 2).await;
    assert!(
        matches!(error, RequestError::ServerError { code: 77 }),
        "{error:?}"
    );
    assert_eq!(error.penalty(), Some(PEER_SCORE_NO_VALUES));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_context_bytes_are_malformed() {
    let config = electra_devnet().config();
    let deneb = config
        .all_fork_digests()
        .into_iter()
        .find(|(_, fork, _)| *fork == Fork::Deneb)
        .expect("the devnet schedules deneb at genesis")
        .0;
    let chunk = block_chunk(0, Some(deneb.0));
    let (error, ..) = blocks_outcome(RawReply::Bytes(chunk), 2).await;
    expect_codec_error(&error, |e| matches!(e, CodecError::WrongContext { .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_chunks_than_requested_are_refused_by_the_codec() {
    let mut chunks = block_chunk(0, None);
    chunks.extend(block_chunk(1, None));
    let (error, ..) = blocks_outcome(RawReply::Bytes(chunks), 1).await;
    expect_codec_error(&error, |e| {
        matches!(e, CodecError::TooManyChunks { max: 1 })
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_peer_times_out_on_the_first_byte() {
    let (error, ..) = blocks_outcome(RawReply::Silent, 2).await;
    assert!(matches!(error, RequestError::Timeout), "{error:?}");
    assert_eq!(error.penalty(), Some(PEER_SCORE_NO_VALUES));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_that_stalls_mid_chunk_times_out() {
    let mut bytes = block_chunk(0, None);
    let second = block_chunk(1, None);
    bytes.extend_from_slice(&second[..second.len() / 2]);
    let (error, peer, client) = blocks_outcome(RawReply::Stall(bytes), 2).await;
    assert!(matches!(error, RequestError::Timeout), "{error:?}");
    // The connection survives a failed request: the peer still answers its status.
    SyncPeer::refresh_status(&peer)
        .await
        .expect("status after a timeout");
    client.node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_replies_are_back_offs_without_penalty() {
    for (code, message) in [
        (ResultCode::RateLimited, "slow down"),
        (ResultCode::ServerError, "REQUEST_ERROR_RATE_LIMITED"),
    ] {
        let mut chunk = Vec::new();
        encode_error_chunk(code, &ErrorMessage::from(message), &mut chunk).expect("encodes");
        let (error, ..) = blocks_outcome(RawReply::Bytes(chunk), 2).await;
        assert!(
            matches!(error, RequestError::RateLimited { .. }),
            "{error:?}"
        );
        assert_eq!(error.penalty(), None);
    }
}
