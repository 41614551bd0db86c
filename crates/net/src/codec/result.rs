//! Response result codes and error payloads.

use std::fmt;

use super::protocol::MAX_ERROR_MESSAGE_SIZE;

/// The first byte of every response chunk.
///
/// `0..=3` are the spec's codes; `4..=127` are reserved and `128..=255` are
/// implementation-specific. Every non-zero code is an error that ends the response. The
/// two codes Lighthouse sends have names of their own; the rest are [`ResultCode::Other`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResultCode {
    /// `0`: the chunk carries a response item.
    Success,
    /// `1`: the request was malformed.
    InvalidRequest,
    /// `2`: the server failed to answer.
    ServerError,
    /// `3`: the server does not have the data asked for (pruned, or still backfilling);
    /// not the same as an empty response.
    ResourceUnavailable,
    /// `139` (Lighthouse): the request exceeded the server's rate limit.
    RateLimited,
    /// `140` (Lighthouse): the server has the block but not its blobs.
    BlobsNotFoundForBlock,
    /// Any other code, reserved or implementation-specific.
    Other(u8),
}

impl ResultCode {
    /// Lighthouse's rate-limited code.
    pub const RATE_LIMITED: u8 = 139;
    /// Lighthouse's blobs-not-found code.
    pub const BLOBS_NOT_FOUND_FOR_BLOCK: u8 = 140;

    /// The code of a wire byte.
    pub const fn from_u8(byte: u8) -> ResultCode {
        match byte {
            0 => ResultCode::Success,
            1 => ResultCode::InvalidRequest,
            2 => ResultCode::ServerError,
            3 => ResultCode::ResourceUnavailable,
            ResultCode::RATE_LIMITED => ResultCode::RateLimited,
            ResultCode::BLOBS_NOT_FOUND_FOR_BLOCK => ResultCode::BlobsNotFoundForBlock,
            other => ResultCode::Other(other),
        }
    }

    /// The wire byte.
    pub const fn as_u8(self) -> u8 {
        match self {
            ResultCode::Success => 0,
            ResultCode::InvalidRequest => 1,
            ResultCode::ServerError => 2,
            ResultCode::ResourceUnavailable => 3,
            ResultCode::RateLimited => ResultCode::RATE_LIMITED,
            ResultCode::BlobsNotFoundForBlock => ResultCode::BLOBS_NOT_FOUND_FOR_BLOCK,
            ResultCode::Other(byte) => byte,
        }
    }

    /// Whether the code is success (`0`, whichever variant holds it).
    pub const fn is_success(self) -> bool {
        self.as_u8() == 0
    }

    /// Whether the spec defines the code (`0..=3`).
    pub const fn is_spec_defined(self) -> bool {
        self.as_u8() <= 3
    }
}

impl fmt::Display for ResultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match ResultCode::from_u8(self.as_u8()) {
            ResultCode::Success => f.write_str("success (0)"),
            ResultCode::InvalidRequest => f.write_str("invalid request (1)"),
            ResultCode::ServerError => f.write_str("server error (2)"),
            ResultCode::ResourceUnavailable => f.write_str("resource unavailable (3)"),
            ResultCode::RateLimited => f.write_str("rate limited (139)"),
            ResultCode::BlobsNotFoundForBlock => f.write_str("blobs not found for block (140)"),
            ResultCode::Other(byte) => write!(f, "error code {byte}"),
        }
    }
}

/// The payload of an error chunk (`ErrorMessage = List[byte, 256]`): any bytes, usually
/// UTF-8, at most [`MAX_ERROR_MESSAGE_SIZE`] of them (longer input is cut).
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct ErrorMessage(Vec<u8>);

impl ErrorMessage {
    /// A message of `bytes`, cut to [`MAX_ERROR_MESSAGE_SIZE`] bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> ErrorMessage {
        let mut bytes = bytes.into();
        bytes.truncate(MAX_ERROR_MESSAGE_SIZE);
        ErrorMessage(bytes)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Whether the message is empty (a peer may send a code without a message).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The message as text, invalid UTF-8 replaced.
    pub fn to_string_lossy(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }
}

impl From<&str> for ErrorMessage {
    fn from(text: &str) -> ErrorMessage {
        ErrorMessage::new(text.as_bytes())
    }
}

/// Shows the message as one line of text: invalid UTF-8 replaced, control characters
/// escaped (a peer's message must not forge log lines).
impl fmt::Display for ErrorMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in String::from_utf8_lossy(&self.0).chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for ErrorMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ErrorMessage({:?})", self.to_string_lossy())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_round_trips() {
        for byte in 0..=u8::MAX {
            let code = ResultCode::from_u8(byte);
            assert_eq!(code.as_u8(), byte);
            assert_eq!(code.is_success(), byte == 0);
        }
        assert_eq!(ResultCode::from_u8(139), ResultCode::RateLimited);
        assert_eq!(ResultCode::from_u8(140), ResultCode::BlobsNotFoundForBlock);
        assert_eq!(ResultCode::from_u8(4), ResultCode::Other(4));
        assert_eq!(ResultCode::Other(3).to_string(), "resource unavailable (3)");
    }

    #[test]
    fn messages_are_cut_and_shown_on_one_line() {
        assert_eq!(ErrorMessage::new(vec![b'a'; 300]).as_bytes().len(), 256);
        let message = ErrorMessage::new(b"bad\nline\xff".to_vec());
        assert_eq!(message.to_string(), "bad\\nline\u{fffd}");
    }
}
