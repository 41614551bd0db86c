//! Typed errors of the req/resp layer, and how they become the sync's [`RequestError`].
//!
//! Inside libp2p's codec our errors travel as `io::Error::other(RpcError)`; they are
//! recovered by downcasting when the request fails, so a timeout stays a timeout and a
//! malformed chunk stays the [`CodecError`] it was (for scoring, and for tests).

use std::io;
use std::time::Duration;

use libp2p::request_response::OutboundFailure;
use sync_types::RequestError;

use super::RpcKind;
use crate::codec::{CodecError, ErrorChunk, Protocol, ResultCode};

/// A req/resp failure of ours to classify.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    /// The bytes broke the wire format or the message's type.
    #[error("{protocol}: {source}")]
    Codec {
        /// The protocol.
        protocol: Protocol,
        /// What was wrong.
        #[source]
        source: CodecError,
    },
    /// No response byte within the time-to-first-byte timeout.
    #[error("{protocol}: no response byte within {after:?}")]
    FirstByteTimeout {
        /// The protocol.
        protocol: Protocol,
        /// The timeout.
        after: Duration,
    },
    /// A response chunk took longer than the per-chunk timeout.
    #[error("{protocol}: chunk {chunk} not complete within {after:?}")]
    ChunkTimeout {
        /// The protocol.
        protocol: Protocol,
        /// The index of the chunk (0-based).
        chunk: u64,
        /// The timeout.
        after: Duration,
    },
    /// An inbound request was not complete in time.
    #[error("{protocol}: request not received within {after:?}")]
    RequestTimeout {
        /// The protocol.
        protocol: Protocol,
        /// The timeout.
        after: Duration,
    },
    /// The peer speaks no version of the protocol.
    #[error("peer does not support {kind}")]
    UnsupportedProtocol {
        /// The kind of request.
        kind: RpcKind,
    },
    /// The peer answered with a chunk of the wrong kind (e.g. not a status).
    #[error("{protocol}: unexpected response: {source}")]
    UnexpectedResponse {
        /// The protocol.
        protocol: Protocol,
        /// Why the chunk does not fit.
        #[source]
        source: CodecError,
    },
}

impl RpcError {
    /// Wraps the error in an `io::Error` (how it crosses libp2p's codec).
    pub fn into_io(self) -> io::Error {
        let kind = match self {
            RpcError::FirstByteTimeout { .. }
            | RpcError::ChunkTimeout { .. }
            | RpcError::RequestTimeout { .. } => io::ErrorKind::TimedOut,
            _ => io::ErrorKind::InvalidData,
        };
        io::Error::new(kind, self)
    }

    /// The [`RpcError`] inside an `io::Error`, if it carries one.
    pub fn from_io(error: &io::Error) -> Option<&RpcError> {
        error.get_ref()?.downcast_ref::<RpcError>()
    }

    /// Whether the error is a timeout.
    pub const fn is_timeout(&self) -> bool {
        matches!(
            self,
            RpcError::FirstByteTimeout { .. }
                | RpcError::ChunkTimeout { .. }
                | RpcError::RequestTimeout { .. }
        )
    }

    /// The sync's view of the error: a timeout, or a malformed response.
    pub fn into_request_error(self) -> RequestError {
        if self.is_timeout() {
            RequestError::Timeout
        } else {
            RequestError::Malformed(Box::new(self))
        }
    }
}

/// The [`RpcError`] behind a [`RequestError::Malformed`], if it is one of ours.
pub fn rpc_error(error: &RequestError) -> Option<&RpcError> {
    match error {
        RequestError::Malformed(inner) => inner.downcast_ref::<RpcError>(),
        _ => None,
    }
}

/// The sync's view of a failed outbound request of `kind`.
pub fn outbound_failure_to_request_error(kind: RpcKind, failure: OutboundFailure) -> RequestError {
    match failure {
        OutboundFailure::Timeout => RequestError::Timeout,
        OutboundFailure::DialFailure | OutboundFailure::ConnectionClosed => {
            RequestError::Disconnected
        }
        OutboundFailure::UnsupportedProtocols => {
            RequestError::Malformed(Box::new(RpcError::UnsupportedProtocol { kind }))
        }
        OutboundFailure::Io(error) => {
            let kind = error.kind();
            match error
                .into_inner()
                .map(<dyn std::error::Error + Send + Sync>::downcast::<RpcError>)
            {
                Some(Ok(ours)) => ours.into_request_error(),
                _ if kind == io::ErrorKind::TimedOut => RequestError::Timeout,
                // Resets, unexpected EOF inside the muxer, closed connections.
                _ => RequestError::Disconnected,
            }
        }
    }
}

/// The sync's view of an error chunk: Lighthouse's 139, or Lodestar's code 2 whose message
/// says `RATE_LIMITED`, is a rate limit (a back-off, not a fault); 3 is
/// `ResourceUnavailable`; any other code is a server error.
pub fn error_chunk_to_request_error(chunk: &ErrorChunk) -> RequestError {
    match chunk.code {
        ResultCode::RateLimited => RequestError::RateLimited { retry_after: None },
        ResultCode::ServerError if mentions_rate_limit(chunk.message.as_bytes()) => {
            RequestError::RateLimited { retry_after: None }
        }
        ResultCode::ResourceUnavailable => RequestError::ResourceUnavailable,
        code => RequestError::ServerError { code: code.as_u8() },
    }
}

fn mentions_rate_limit(message: &[u8]) -> bool {
    const NEEDLE: &[u8] = b"RATE_LIMITED";
    message
        .windows(NEEDLE.len())
        .any(|window| window.eq_ignore_ascii_case(NEEDLE))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::ErrorMessage;

    fn chunk(code: u8, message: &str) -> ErrorChunk {
        ErrorChunk {
            code: ResultCode::from_u8(code),
            message: ErrorMessage::from(message),
        }
    }

    #[test]
    fn rate_limit_replies_are_back_offs() {
        for reply in [
            chunk(139, "slow down"),
            chunk(2, "REQUEST_ERROR_RATE_LIMITED"),
        ] {
            let error = error_chunk_to_request_error(&reply);
            assert!(
                matches!(error, RequestError::RateLimited { .. }),
                "{reply:?}"
            );
            assert_eq!(error.penalty(), None);
        }
        assert!(matches!(
            error_chunk_to_request_error(&chunk(2, "internal")),
            RequestError::ServerError { code: 2 }
        ));
        assert!(matches!(
            error_chunk_to_request_error(&chunk(3, "")),
            RequestError::ResourceUnavailable
        ));
    }

    #[test]
    fn our_errors_survive_the_io_error_round_trip() {
        let timeout = RpcError::FirstByteTimeout {
            protocol: Protocol::Ping,
            after: Duration::from_secs(5),
        };
        let error = outbound_failure_to_request_error(
            RpcKind::Ping,
            OutboundFailure::Io(timeout.into_io()),
        );
        assert!(matches!(error, RequestError::Timeout));
        let bad = RpcError::Codec {
            protocol: Protocol::Ping,
            source: CodecError::ZeroLength,
        };
        let error =
            outbound_failure_to_request_error(RpcKind::Ping, OutboundFailure::Io(bad.into_io()));
        assert!(matches!(
            rpc_error(&error),
            Some(RpcError::Codec {
                source: CodecError::ZeroLength,
                ..
            })
        ));
        let reset = io::Error::new(io::ErrorKind::ConnectionReset, "reset");
        assert!(matches!(
            outbound_failure_to_request_error(RpcKind::Ping, OutboundFailure::Io(reset)),
            RequestError::Disconnected
        ));
    }
}
