//! The HTTP API's two error types: [`HttpError`], why the server could not start or
//! stopped badly, and [`ApiError`], why one request failed, answered as the beacon-API's
//! `{"code": 404, "message": "..."}`.

use std::net::SocketAddr;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Why the HTTP server could not start, or did not stop cleanly.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// Another process (or another server here) listens on the address already.
    #[error(
        "cannot serve the HTTP API on {addr}: the address is in use; stop the other process or choose another --http-port"
    )]
    AddressInUse {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// The address could not be bound for another reason (not a local address, a
    /// privileged port, ...).
    #[error("cannot serve the HTTP API on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The server failed while it ran.
    #[error("the HTTP API on {addr} failed: {source}")]
    Serve {
        /// The address it listened on.
        addr: SocketAddr,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// The server's task panicked or was cancelled before it stopped.
    #[error("the HTTP API on {addr} ended abnormally (its task panicked or was cancelled)")]
    Aborted {
        /// The address it listened on.
        addr: SocketAddr,
    },
}

impl HttpError {
    /// Whether starting again on another address may succeed (the address was taken
    /// or could not be bound), as opposed to a server that failed while running.
    pub fn is_bind_error(&self) -> bool {
        matches!(
            self,
            HttpError::AddressInUse { .. } | HttpError::Bind { .. }
        )
    }
}

/// Why one request failed; its [`IntoResponse`] is the beacon-API error body.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The block id is none of `head`, `genesis`, `finalized`, a slot or a 0x-root.
    #[error("invalid block id: {id}")]
    InvalidBlockId {
        /// The id as given (cut to a sane length).
        id: String,
    },
    /// A query parameter could not be parsed.
    #[error("invalid query parameter {name}: {value}")]
    InvalidQuery {
        /// The parameter.
        name: &'static str,
        /// Its value as given (cut to a sane length).
        value: String,
    },
    /// A path parameter that is not a block id could not be parsed.
    #[error("invalid {name}: {value}")]
    InvalidPath {
        /// What the parameter names.
        name: &'static str,
        /// Its value as given (cut to a sane length).
        value: String,
    },
    /// The block id names no block in the store.
    #[error("block not found: {id}")]
    BlockNotFound {
        /// The block id as given.
        id: String,
    },
    /// This node does not know the thing asked for (a justified checkpoint, a peer).
    #[error("not found: {what}")]
    NotFound {
        /// What is missing, and why.
        what: String,
    },
    /// No route matches the path.
    #[error("no such endpoint: {path}")]
    NoSuchEndpoint {
        /// The path asked for.
        path: String,
    },
    /// The response cannot be given in any media type the request accepts.
    #[error("{what}")]
    NotAcceptable {
        /// What cannot be given, and what to ask for instead.
        what: &'static str,
    },
    /// The store failed to read.
    #[error("store read failed: {0}")]
    Store(#[from] store::StoreError),
    /// A store read did not complete (its blocking task panicked or the runtime is
    /// shutting down).
    #[error("the store read did not complete: the node is shutting down or the read failed")]
    ReadAborted,
    /// The metrics could not be encoded.
    #[error("the metrics could not be encoded")]
    Metrics,
}

/// The longest piece of request input an error message repeats.
const MAX_ECHOED_INPUT_CHARS: usize = 80;

/// `input`, cut to [`MAX_ECHOED_INPUT_CHARS`] characters so an error never echoes a
/// megabyte back.
pub(crate) fn echo(input: &str) -> String {
    let mut chars = input.chars();
    let mut out: String = chars.by_ref().take(MAX_ECHOED_INPUT_CHARS).collect();
    if chars.next().is_some() {
        out.push_str("...");
    }
    out
}

impl ApiError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::InvalidBlockId { .. }
            | ApiError::InvalidQuery { .. }
            | ApiError::InvalidPath { .. } => StatusCode::BAD_REQUEST,
            ApiError::BlockNotFound { .. }
            | ApiError::NotFound { .. }
            | ApiError::NoSuchEndpoint { .. } => StatusCode::NOT_FOUND,
            ApiError::NotAcceptable { .. } => StatusCode::NOT_ACCEPTABLE,
            ApiError::Store(_) | ApiError::ReadAborted | ApiError::Metrics => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

/// The beacon-API error body.
#[derive(Serialize)]
struct ErrorBody {
    code: u16,
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::warn!(target: "node::http", error = %self, "request failed");
        } else {
            tracing::debug!(target: "node::http", error = %self, "request refused");
        }
        let body = ErrorBody {
            code: status.as_u16(),
            message: self.to_string(),
        };
        (status, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoed_input_is_cut() {
        assert_eq!(echo("head"), "head");
        let long = "x".repeat(1000);
        assert_eq!(echo(&long).len(), MAX_ECHOED_INPUT_CHARS + 3);
    }

    #[test]
    fn errors_map_to_the_beacon_api_status_codes() {
        let bad = ApiError::InvalidBlockId {
            id: "current".into(),
        };
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
        let missing = ApiError::BlockNotFound { id: "0x00".into() };
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            ApiError::NotAcceptable { what: "x" }.status(),
            StatusCode::NOT_ACCEPTABLE
        );
    }
}
