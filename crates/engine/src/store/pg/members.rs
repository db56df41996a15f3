//! PostgreSQL: MemberStore (stub: being ported).

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

impl MemberStore for PgConnection {
    async fn members_of(&mut self, group_pk: i64) -> Result<Vec<Value>> {
        todo!("postgres")
    }
    async fn set_members(&mut self, group_pk: i64, members: &[Value]) -> Result<Vec<String>> {
        todo!("postgres")
    }
    async fn remove_member_everywhere(&mut self, member_id: &str) -> Result<Vec<i64>> {
        todo!("postgres")
    }
    async fn groups_of_users(
        &mut self,
        user_ids: &[&str],
    ) -> Result<HashMap<String, Vec<Map<String, Value>>>> {
        todo!("postgres")
    }
    async fn related_members(
        &mut self,
        rows: &[StoredResource],
    ) -> Result<HashMap<String, Vec<Value>>> {
        todo!("postgres")
    }
}
