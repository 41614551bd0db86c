//! Query strings as the beacon-API writes them: a list parameter may repeat
//! (`?indices=0&indices=2`) or hold a comma-separated list (`?indices=0,2`), or both.

use axum::extract::Query;
use axum::extract::rejection::QueryRejection;

use crate::http::error::{ApiError, echo};

/// The decoded `name=value` pairs of a query string, in order.
pub(crate) type Pairs = Vec<(String, String)>;

/// The pairs of `query`, or [`ApiError::InvalidQuery`] when it does not decode.
pub(crate) fn pairs(query: Result<Query<Pairs>, QueryRejection>) -> Result<Pairs, ApiError> {
    query
        .map(|Query(pairs)| pairs)
        .map_err(|rejection| ApiError::InvalidQuery {
            name: "query string",
            value: echo(&rejection.body_text()),
        })
}

/// Every value given for `name`, repeated or comma-separated, without empty items.
pub(crate) fn values<'a>(pairs: &'a Pairs, name: &'a str) -> impl Iterator<Item = &'a str> {
    pairs
        .iter()
        .filter(move |(key, _)| key == name)
        .flat_map(|(_, value)| value.split(','))
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

/// Every value of `name` parsed by `parse`; [`ApiError::InvalidQuery`] names the first
/// that does not parse. An absent parameter gives `None` (no filter).
pub(crate) fn parse_list<T>(
    pairs: &Pairs,
    name: &'static str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Option<Vec<T>>, ApiError> {
    if !pairs.iter().any(|(key, _)| key == name) {
        return Ok(None);
    }
    values(pairs, name)
        .map(|value| {
            parse(value).ok_or_else(|| ApiError::InvalidQuery {
                name,
                value: echo(value),
            })
        })
        .collect::<Result<Vec<T>, ApiError>>()
        .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs_of(list: &[(&str, &str)]) -> Pairs {
        list.iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn repeated_and_comma_separated_values_are_one_list() {
        let pairs = pairs_of(&[("indices", "0,2"), ("other", "9"), ("indices", "5")]);
        let got = parse_list(&pairs, "indices", |v| v.parse::<u64>().ok());
        assert_eq!(got.ok(), Some(Some(vec![0, 2, 5])));
    }

    #[test]
    fn an_absent_parameter_is_no_filter_and_a_bad_value_is_an_error() {
        let pairs = pairs_of(&[("indices", "1,x")]);
        assert_eq!(
            parse_list(&pairs, "state", |v| v.parse::<u64>().ok()).ok(),
            Some(None)
        );
        assert!(matches!(
            parse_list(&pairs, "indices", |v| v.parse::<u64>().ok()),
            Err(ApiError::InvalidQuery {
                name: "indices",
                ..
            })
        ));
    }
}
