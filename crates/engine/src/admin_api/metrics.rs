//! `GET /metrics`: every workspace's SCIM counters, capture queue and database state in
//! Prometheus' text format (`crate::metrics` renders it). Behind the admin token like every
//! admin route: a scraper sends `Authorization: Bearer <token>`.

use super::AdminState;
use crate::store::prelude::*;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// `GET /metrics`.
pub async fn scrape(State(state): State<AdminState>) -> Response {
    let runtimes = state.workspaces.list();
    let mut stored = Vec::with_capacity(runtimes.len());
    for w in &runtimes {
        // A count from the kept totals (an index read); a database that does not answer is
        // what `scimlab_database_up` reports.
        let count = match w.store.read().await {
            Ok(mut conn) => conn.count_exchanges().await.ok(),
            Err(_) => None,
        };
        stored.push(count);
    }
    let samples: Vec<crate::metrics::Sample<'_>> = runtimes
        .iter()
        .zip(&stored)
        .map(|(w, count)| crate::metrics::Sample {
            workspace: w.slug.as_str(),
            metrics: &w.metrics,
            stored_exchanges: *count,
            database_up: count.is_some(),
        })
        .collect();
    let body = crate::metrics::render(env!("CARGO_PKG_VERSION"), &samples);
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
