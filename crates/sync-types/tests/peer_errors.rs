//! The classification of [`RequestError`]: which failures cost a peer score
//! ([`RequestError::penalty`]) and which ranges may be asked again
//! ([`RequestError::is_retryable`]).
//!
//! A rate limit is the peer asking us to back off and a cancellation is ours (shutdown,
//! reset): neither ever costs score.

use std::time::Duration;

use sync_types::{RequestError, ScoredPeer, score, test_utils::TestPeer};

/// A decoding failure to wrap in [`RequestError::Malformed`].
fn malformed() -> RequestError {
    let cause = std::io::Error::new(std::io::ErrorKind::InvalidData, "ssz length 83, want 84");
    RequestError::Malformed(Box::new(cause))
}

/// One value of every variant.
fn every_variant() -> Vec<RequestError> {
    vec![
        RequestError::Timeout,
        RequestError::Disconnected,
        RequestError::RateLimited { retry_after: None },
        RequestError::RateLimited {
            retry_after: Some(Duration::from_secs(2)),
        },
        RequestError::ResourceUnavailable,
        RequestError::ServerError { code: 2 },
        malformed(),
        RequestError::Cancelled,
    ]
}

/// The classification each variant must have: `(penalty, is_retryable)`.
///
/// An exhaustive `match`, so a new variant does not compile until it is classified here.
fn expected_classification(err: &RequestError) -> (Option<i64>, bool) {
    match err {
        RequestError::RateLimited { .. } => (None, true),
        RequestError::Cancelled => (None, false),
        RequestError::Malformed(_) => (Some(score::PEER_SCORE_BAD_RESPONSE), true),
        RequestError::Timeout
        | RequestError::Disconnected
        | RequestError::ResourceUnavailable
        | RequestError::ServerError { .. } => (Some(score::PEER_SCORE_NO_VALUES), true),
    }
}

/// Apply `err`'s penalty, if any, to `peer`, as a sync worker does.
fn charge(peer: &TestPeer, err: &RequestError) {
    if let Some(delta) = err.penalty() {
        peer.update_score(delta);
    }
}

#[test]
fn a_rate_limit_never_costs_score_and_the_range_is_asked_again() {
    for retry_after in [None, Some(Duration::ZERO), Some(Duration::from_secs(30))] {
        let err = RequestError::RateLimited { retry_after };
        assert_eq!(err.penalty(), None, "{err}");
        assert!(err.is_retryable(), "{err}");
    }
}

#[test]
fn our_own_cancellation_never_costs_score_and_is_not_asked_again() {
    let err = RequestError::Cancelled;
    assert_eq!(err.penalty(), None);
    assert!(!err.is_retryable());
}

#[test]
fn a_peer_that_only_rate_limits_or_is_cancelled_keeps_its_score() {
    let peer = TestPeer::new(7);
    for _ in 0..100 {
        charge(&peer, &RequestError::RateLimited { retry_after: None });
        charge(&peer, &RequestError::Cancelled);
    }
    assert_eq!(peer.score_change(), 0);
    assert_eq!(peer.score(), score::NEW_PEER_SCORE);
}

#[test]
fn timeouts_disconnects_and_missing_data_cost_no_values_and_are_asked_again() {
    for err in [
        RequestError::Timeout,
        RequestError::Disconnected,
        RequestError::ResourceUnavailable,
    ] {
        assert_eq!(err.penalty(), Some(score::PEER_SCORE_NO_VALUES), "{err}");
        assert!(err.is_retryable(), "{err}");
    }
    assert_eq!(score::PEER_SCORE_NO_VALUES, -100);
}

#[test]
fn a_server_error_costs_no_values_whatever_its_code() {
    for code in 0..=u8::MAX {
        let err = RequestError::ServerError { code };
        assert_eq!(err.penalty(), Some(score::PEER_SCORE_NO_VALUES), "{err}");
        assert!(err.is_retryable(), "{err}");
    }
}

#[test]
fn a_malformed_response_costs_a_bad_response_and_keeps_its_cause() {
    let err = malformed();
    assert_eq!(err.penalty(), Some(score::PEER_SCORE_BAD_RESPONSE));
    let penalty = err.penalty().expect("charged");
    let at_top = score::apply_score(score::PEER_SCORE_HIGH_LIMIT, penalty);
    assert!(
        at_top < score::PEER_SCORE_LOW_LIMIT,
        "one strike from the top score"
    );
    assert!(err.is_retryable());
    let cause = std::error::Error::source(&err).expect("the decoding error is the source");
    assert_eq!(cause.to_string(), "ssz length 83, want 84");
    assert_eq!(
        err.to_string(),
        "malformed response: ssz length 83, want 84"
    );
}

#[test]
fn every_failure_is_classified_as_specified() {
    for err in every_variant() {
        let (penalty, retryable) = expected_classification(&err);
        assert_eq!(err.penalty(), penalty, "penalty of {err}");
        assert_eq!(err.is_retryable(), retryable, "retry of {err}");
    }
}

#[test]
fn only_cancellation_is_not_retryable_and_only_it_and_rate_limits_are_free() {
    let variants = every_variant();
    let not_retryable: Vec<String> = variants
        .iter()
        .filter(|e| !e.is_retryable())
        .map(ToString::to_string)
        .collect();
    assert_eq!(not_retryable, ["request cancelled"]);
    let free: Vec<&RequestError> = variants.iter().filter(|e| e.penalty().is_none()).collect();
    assert_eq!(free.len(), 3);
    assert!(free.iter().all(|e| matches!(
        e,
        RequestError::RateLimited { .. } | RequestError::Cancelled
    )));
}

#[test]
fn every_penalty_lowers_the_score() {
    for err in every_variant() {
        if let Some(delta) = err.penalty() {
            assert!(delta < 0, "{err} would raise the score by {delta}");
        }
    }
}

#[test]
fn a_rate_limit_says_when_to_retry_only_if_the_peer_said() {
    assert_eq!(
        RequestError::RateLimited { retry_after: None }.to_string(),
        "rate limited by the peer"
    );
    assert_eq!(
        RequestError::RateLimited {
            retry_after: Some(Duration::from_secs(2))
        }
        .to_string(),
        "rate limited by the peer, retry after 2s"
    );
}
