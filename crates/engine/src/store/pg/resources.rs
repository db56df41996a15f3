//! PostgreSQL: ResourceStore (stub: being ported).

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

impl ResourceStore for PgConnection {
    async fn insert_resource(
        &mut self,
        kind: ResourceKind,
        id: &crate::model::ResourceId,
        attributes: &Map<String, Value>,
        now: &str,
    ) -> Result<StoredResource> {
        todo!("postgres")
    }
    async fn update_resource(
        &mut self,
        current: &StoredResource,
        attributes: &Map<String, Value>,
        now: &str,
    ) -> Result<StoredResource> {
        todo!("postgres")
    }
    async fn touch_resources(&mut self, pks: &[i64], now: &str) -> Result<()> {
        todo!("postgres")
    }
    async fn touch_users(&mut self, ids: &[String], now: &str) -> Result<()> {
        todo!("postgres")
    }
    async fn resource(&mut self, kind: ResourceKind, id: &str) -> Result<Option<StoredResource>> {
        todo!("postgres")
    }
    async fn delete_resource(&mut self, kind: ResourceKind, id: &str) -> Result<bool> {
        todo!("postgres")
    }
    async fn count_resources(&mut self, kind: ResourceKind) -> Result<i64> {
        todo!("postgres")
    }
    async fn resource_page(
        &mut self,
        kind: ResourceKind,
        order: SqlOrder,
        descending: bool,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<StoredResource>> {
        todo!("postgres")
    }
    async fn search_users(&mut self, q: &UserSearch) -> Result<(i64, Vec<(StoredResource, Idp)>)> {
        todo!("postgres")
    }
    async fn lookup_resources(
        &mut self,
        kind: ResourceKind,
        hint: &IndexHint,
    ) -> Result<Vec<StoredResource>> {
        todo!("postgres")
    }
    async fn all_resources(&mut self, kind: ResourceKind) -> Result<Vec<StoredResource>> {
        todo!("postgres")
    }
}
