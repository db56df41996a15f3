//! PostgreSQL: ExchangeStore (stub: being ported).

#![allow(unused_variables)]

use crate::model::{Exchange, ExchangeSummary, Idp};
use crate::store::Result;
use crate::store::api::*;
use crate::store::exchanges::{ExchangeFloors, ExchangeQuery, ExchangeRange};
use crate::store::resources::{IndexHint, SqlOrder, StoredResource, UserSearch};
use crate::store::scan::ScanPage;
use scimlab_scim::ResourceKind;
use serde_json::{Map, Value};
use sqlx::PgConnection;
use std::collections::HashMap;

impl ExchangeStore for PgConnection {
    async fn insert_exchanges(&mut self, batch: &[Exchange], retention: i64) -> Result<Vec<i64>> {
        todo!("postgres")
    }
    async fn prune_folds(&mut self, keep: i64) -> Result<u64> {
        todo!("postgres")
    }
    async fn add_to_fold(
        &mut self,
        id: i64,
        more: u32,
        last_at: &str,
    ) -> Result<Option<ExchangeSummary>> {
        todo!("postgres")
    }
    async fn search_summaries(
        &mut self,
        q: &ExchangeQuery,
        budget: std::time::Duration,
    ) -> Result<crate::store::exchanges::SearchPage> {
        todo!("postgres")
    }
    async fn exchange_summaries(&mut self, q: &ExchangeQuery) -> Result<Vec<ExchangeSummary>> {
        todo!("postgres")
    }
    async fn exchanges_whole(&mut self, q: &ExchangeQuery) -> Result<Vec<Exchange>> {
        todo!("postgres")
    }
    async fn count_exchanges_matching(&mut self, q: &ExchangeQuery) -> Result<(i64, i64)> {
        todo!("postgres")
    }
    async fn exchange(&mut self, id: i64) -> Result<Option<Exchange>> {
        todo!("postgres")
    }
    async fn recent_exchanges(&mut self, idp: Idp, limit: i64) -> Result<Vec<Exchange>> {
        todo!("postgres")
    }
    async fn recent_exchanges_between(
        &mut self,
        idp: Idp,
        after: Option<i64>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Exchange>> {
        todo!("postgres")
    }
    async fn exchange_floors(&mut self) -> Result<ExchangeFloors> {
        todo!("postgres")
    }
    async fn fold_counts(&mut self, idp: Idp, from_id: i64) -> Result<Vec<(i64, i64)>> {
        todo!("postgres")
    }
    async fn exchanges_after(
        &mut self,
        after_id: i64,
        idp: Idp,
        limit: i64,
    ) -> Result<Vec<ExchangeSummary>> {
        todo!("postgres")
    }
    async fn faulted_attempts(&mut self, name: &str, limit: i64) -> Result<Vec<ExchangeSummary>> {
        todo!("postgres")
    }
    async fn exchanges_in_range(&mut self, range: &ExchangeRange) -> Result<Vec<Exchange>> {
        todo!("postgres")
    }
    async fn count_exchanges(&mut self) -> Result<i64> {
        todo!("postgres")
    }
    async fn clear_exchanges(&mut self) -> Result<()> {
        todo!("postgres")
    }
    async fn exchange_outlines(&mut self, limit: i64) -> Result<Vec<crate::timeline::Outline>> {
        todo!("postgres")
    }
    async fn exchange_outlines_between(
        &mut self,
        after: Option<i64>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<crate::store::outlines::OutlineRow>> {
        todo!("postgres")
    }
}
