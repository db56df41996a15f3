//! `GET /api/exchanges` (cursor-paged, filtered, newest first, with the true total),
//! `GET /api/exchanges/{id}` (with why it failed) and `GET /api/timeline` (the picture).
//!
//! Paging is by id, not offset: `?before=<id>` returns exchanges older than `id`, so a page stays
//! correct while new exchanges arrive at the top and retention drops old ones at the bottom.
//! Every parameter is validated; a bad or unknown one is a 400 that lists what is allowed.

use super::model::{ExchangeDetail, ExchangePage};
use super::{AdminError, AdminResult, AdminState, int_param, query_pairs};
use crate::model::{Idp, OperationKind};
use crate::store::exchanges::ExchangeQuery;
use crate::store::prelude::*;
use crate::timeline::Timeline;
use axum::Json;
use axum::extract::{Path, RawQuery, State};

/// Page size when `limit` is not given.
pub const DEFAULT_LIMIT: i64 = 50;
/// Largest `limit`.
pub const MAX_LIMIT: i64 = 500;

const PARAMS: [&str; 8] = [
    "before",
    "limit",
    "method",
    "status",
    "idp",
    "operation",
    "resource",
    "q",
];

fn one_of<T: Copy>(
    name: &str,
    value: &str,
    all: &[T],
    spell: impl Fn(T) -> &'static str,
) -> AdminResult<T> {
    all.iter()
        .copied()
        .find(|v| spell(*v).eq_ignore_ascii_case(value.trim()))
        .ok_or_else(|| {
            let allowed: Vec<&str> = all.iter().map(|v| spell(*v)).collect();
            AdminError::bad_request(format!(
                "invalid {name} '{value}': use one of {}",
                allowed.join(", ")
            ))
        })
}

/// Turn the raw query string into an [`ExchangeQuery`] (with `limit` as asked, not yet + 1).
pub(super) fn parse_query(raw: Option<&str>) -> AdminResult<ExchangeQuery> {
    parse_query_within(raw, DEFAULT_LIMIT, MAX_LIMIT)
}

/// [`parse_query`] with another default and largest `limit` (the export reads more).
pub(super) fn parse_query_within(
    raw: Option<&str>,
    default_limit: i64,
    max_limit: i64,
) -> AdminResult<ExchangeQuery> {
    let mut q = ExchangeQuery {
        limit: default_limit,
        ..ExchangeQuery::default()
    };
    for (name, value) in query_pairs(raw, &PARAMS)? {
        match name.as_str() {
            "before" => q.before = Some(int_param("before", &value, 1, i64::MAX)?),
            "limit" => q.limit = int_param("limit", &value, 1, max_limit)?,
            "method" => {
                let m = value.trim();
                if m.is_empty() || m.len() > 20 || !m.bytes().all(|b| b.is_ascii_alphabetic()) {
                    return Err(AdminError::bad_request(format!(
                        "invalid method '{value}': use an http method such as GET, POST, PUT, PATCH or DELETE"
                    )));
                }
                q.method = Some(m.to_ascii_uppercase());
            }
            "status" => {
                let class = match value.trim().to_ascii_lowercase().as_str() {
                    "1xx" => 1,
                    "2xx" => 2,
                    "3xx" => 3,
                    "4xx" => 4,
                    "5xx" => 5,
                    _ => {
                        return Err(AdminError::bad_request(format!(
                            "invalid status '{value}': use a status class, one of 1xx, 2xx, 3xx, 4xx, 5xx"
                        )));
                    }
                };
                q.status_class = Some(class);
            }
            "idp" => q.idp = Some(one_of("idp", &value, Idp::ALL, Idp::as_str)?),
            "operation" => {
                q.operation = Some(one_of(
                    "operation",
                    &value,
                    OperationKind::ALL,
                    OperationKind::as_str,
                )?);
            }
            "resource" => {
                if value.trim().is_empty() {
                    return Err(AdminError::bad_request(
                        "invalid resource '': use the scim id of a user or group",
                    ));
                }
                q.resource_id = Some(value.trim().to_owned());
            }
            // `q` is the only remaining name query_pairs lets through.
            _ => q.text = Some(value).filter(|t| !t.is_empty()),
        }
    }
    Ok(q)
}

/// How long one page of a free-text search looks before it answers with what it found and a
/// cursor to go on from (the UI asks for the next page while the list is short).
pub const SEARCH_BUDGET: std::time::Duration = std::time::Duration::from_millis(40);

/// Fetch one page for `q` (reading one extra row to know whether an older page exists).
pub(super) async fn page(state: &AdminState, mut q: ExchangeQuery) -> AdminResult<ExchangePage> {
    let limit = q.limit;
    q.limit = limit + 1;
    let mut conn = state.store.read().await?;
    if q.text.as_deref().is_some_and(|t| !t.is_empty()) {
        // A text search is a walk through the log (bodies are stored deflated): each page looks
        // for at most the budget and says where it stopped, and no total is counted (counting
        // would walk the whole log; the UI then shows the rows found, `+` while there are more).
        let found = conn.search_summaries(&q, SEARCH_BUDGET).await?;
        let mut items = found.items;
        let more = items.len() as i64 > limit;
        items.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let next_before = if more {
            items.last().map(|e| e.id)
        } else {
            found.searched_down_to
        };
        return Ok(ExchangePage {
            items,
            next_before,
            total: None,
            requests: None,
        });
    }
    let (total, requests) = if q.before.is_none() {
        let (t, r) = conn.count_exchanges_matching(&q).await?;
        (Some(t), Some(r))
    } else {
        (None, None)
    };
    let mut items = conn.exchange_summaries(&q).await?;
    let more = items.len() as i64 > limit;
    items.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next_before = if more {
        items.last().map(|e| e.id)
    } else {
        None
    };
    Ok(ExchangePage {
        items,
        next_before,
        total,
        requests,
    })
}

/// `GET /api/exchanges`.
pub async fn list(
    State(state): State<AdminState>,
    RawQuery(raw): RawQuery,
) -> AdminResult<Json<ExchangePage>> {
    let q = parse_query(raw.as_deref())?;
    Ok(Json(page(&state, q).await?))
}

/// `GET /api/exchanges/{id}`: the whole (redacted) exchange, with its diagnosis when it failed.
pub async fn get_one(
    State(state): State<AdminState>,
    Path(id): Path<String>,
) -> AdminResult<Json<ExchangeDetail>> {
    let n = id.parse::<i64>().map_err(|_| {
        AdminError::bad_request(format!(
            "invalid exchange id '{id}': use the numeric id from /api/exchanges"
        ))
    })?;
    let mut conn = state.store.read().await?;
    let exchange = conn.exchange(n).await?.ok_or_else(|| {
        AdminError::not_found(format!(
            "no exchange {n}: it may have been dropped by retention or a reset; list them with /api/exchanges"
        ))
    })?;
    let reaction = match &exchange.summary.fault {
        Some(fault) => {
            let s = &exchange.summary;
            let following = conn
                .exchanges_after(s.id, s.idp, REACTION_EXCHANGES)
                .await?;
            Some(crate::faults::reaction(s, fault.retry_after, &following))
        }
        None => None,
    };
    Ok(Json(ExchangeDetail {
        diagnosis: crate::diagnosis::diagnose(&exchange),
        reaction,
        exchange,
    }))
}

/// How many later exchanges of the same IdP are read to tell what it did after a fault.
pub const REACTION_EXCHANGES: i64 = 2_000;

/// `GET /api/timeline`: requests per time bucket by outcome, and the IdPs' cycles, over the
/// newest [`crate::timeline::TIMELINE_EXCHANGES`] exchanges, from the workspace's kept window
/// of them (`crate::materialised`: only what changed since the last call is read).
pub async fn timeline(State(state): State<AdminState>) -> AdminResult<Json<Timeline>> {
    Ok(Json(state.materialised.timeline().await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Position of `k` in [`OperationKind::ALL`]. The match is exhaustive, so a new variant fails to compile
    /// here until it is listed (and the unit test checks the list agrees).
    const fn operation_index(k: OperationKind) -> usize {
        match k {
            OperationKind::ConnectionProbe => 0,
            OperationKind::MatchLookup => 1,
            OperationKind::Create => 2,
            OperationKind::Update => 3,
            OperationKind::Deactivate => 4,
            OperationKind::Reactivate => 5,
            OperationKind::Delete => 6,
            OperationKind::Read => 7,
            OperationKind::GroupCreate => 8,
            OperationKind::GroupUpdate => 9,
            OperationKind::GroupMembership => 10,
            OperationKind::GroupDelete => 11,
            OperationKind::ImportPage => 12,
            OperationKind::Search => 13,
            OperationKind::Discovery => 14,
            OperationKind::Rejected => 15,
        }
    }

    #[test]
    fn the_operation_list_is_complete_and_in_step_with_the_stored_spelling() {
        for (i, k) in OperationKind::ALL.iter().enumerate() {
            assert_eq!(operation_index(*k), i);
            assert_eq!(OperationKind::parse(k.as_str()), *k);
        }
    }

    #[test]
    fn queries_parse_and_bad_values_name_the_allowed_ones() {
        let q = parse_query(Some(
            "before=10&limit=5&method=patch&status=4XX&idp=entra&operation=group-membership&resource=abc&q=alice",
        ))
        .unwrap();
        assert_eq!(q.before, Some(10));
        assert_eq!(q.limit, 5);
        assert_eq!(q.method.as_deref(), Some("PATCH"));
        assert_eq!(q.status_class, Some(4));
        assert_eq!(q.idp, Some(Idp::Entra));
        assert_eq!(q.operation, Some(OperationKind::GroupMembership));
        assert_eq!(q.resource_id.as_deref(), Some("abc"));
        assert_eq!(q.text.as_deref(), Some("alice"));
        assert_eq!(parse_query(None).unwrap().limit, DEFAULT_LIMIT);
        for (bad, needle) in [
            ("limit=501", "from 1 to 500"),
            ("limit=0", "from 1 to 500"),
            ("before=x", "invalid before 'x'"),
            ("status=404", "2xx"),
            ("idp=azure", "entra, okta, other"),
            ("operation=provision", "connection-probe"),
            ("method=GET%20X", "http method"),
            ("sort=id", "unknown query parameter 'sort'"),
        ] {
            let e = parse_query(Some(bad)).unwrap_err();
            assert!(e.message.contains(needle), "{bad}: {}", e.message);
            assert_eq!(e.status, axum::http::StatusCode::BAD_REQUEST);
        }
    }
}
