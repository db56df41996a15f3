//! PostgreSQL: ScanStore (stub: being ported).

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

impl ScanStore for PgConnection {
    async fn resources_after(
        &mut self,
        kind: ResourceKind,
        after_pk: i64,
        limit: i64,
    ) -> Result<Vec<StoredResource>> {
        todo!("postgres")
    }
    async fn attributes_after(
        &mut self,
        kind: ResourceKind,
        after_pk: i64,
        limit: i64,
    ) -> Result<ScanPage> {
        todo!("postgres")
    }
    async fn resources_by_pks(
        &mut self,
        kind: ResourceKind,
        pks: &[i64],
    ) -> Result<Vec<StoredResource>> {
        todo!("postgres")
    }
}
