//! The store traits on [`Conn`], the session type code outside the store holds: each method
//! goes to the backend the session belongs to (SQLite's implementation on its connection, or
//! PostgreSQL's, `pg/`). Nothing else lives here: a method added to a trait in `api.rs` is
//! added here once, in the same shape.

use super::admin::ResetCounts;
use super::api::*;
use super::exchanges::{ExchangeFloors, ExchangeQuery, ExchangeRange, SearchPage};
use super::mapping::{RoleChangeRow, UserChanges};
use super::outlines::OutlineRow;
use super::resources::{IndexHint, SqlOrder, StoredResource, UserSearch};
use super::scan::ScanPage;
use super::{Conn, Result};
use crate::model::{Exchange, ExchangeSummary, Idp, ResourceId, WorkspaceRecord, WorkspaceSlug};
use crate::timeline::Outline;
use scimlab_scim::ResourceKind;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// `conn.method(args…)` on whichever backend `self` is.
macro_rules! on_backend {
    ($self:ident, $method:ident ( $($arg:expr),* )) => {
        match $self {
            Conn::Sqlite(c) => c.$method($($arg),*).await,
            Conn::Postgres(c) => c.$method($($arg),*).await,
        }
    };
}

impl SettingStore for Conn {
    async fn setting(&mut self, key: &str) -> Result<Option<String>> {
        on_backend!(self, setting(key))
    }
    async fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        on_backend!(self, set_setting(key, value))
    }
}

impl AdminStore for Conn {
    async fn reset_all(&mut self) -> Result<ResetCounts> {
        on_backend!(self, reset_all())
    }
}

impl MappingStore for Conn {
    async fn active_profile(&mut self) -> Result<String> {
        on_backend!(self, active_profile())
    }
    async fn set_active_profile(&mut self, id: &str) -> Result<()> {
        on_backend!(self, set_active_profile(id))
    }
    async fn saved_profiles(&mut self) -> Result<Vec<(String, String)>> {
        on_backend!(self, saved_profiles())
    }
    async fn save_profile(&mut self, id: &str, json: &str, now: &str) -> Result<()> {
        on_backend!(self, save_profile(id, json, now))
    }
    async fn delete_profile(&mut self, id: &str) -> Result<bool> {
        on_backend!(self, delete_profile(id))
    }
    async fn insert_role_changes(&mut self, rows: &[RoleChangeRow]) -> Result<()> {
        on_backend!(self, insert_role_changes(rows))
    }
    async fn role_history(&mut self, user_id: &str) -> Result<Vec<RoleChangeRow>> {
        on_backend!(self, role_history(user_id))
    }
    async fn user_creators(&mut self) -> Result<HashMap<String, String>> {
        on_backend!(self, user_creators())
    }
    async fn creator_of(&mut self, user_id: &str) -> Result<Option<String>> {
        on_backend!(self, creator_of(user_id))
    }
    async fn creators_of(&mut self, user_ids: &[&str]) -> Result<HashMap<String, String>> {
        on_backend!(self, creators_of(user_ids))
    }
    async fn user_changes(&mut self, after: i64, limit: i64) -> Result<UserChanges> {
        on_backend!(self, user_changes(after, limit))
    }
    async fn latest_user_change(&mut self) -> Result<i64> {
        on_backend!(self, latest_user_change())
    }
}

impl MemberStore for Conn {
    async fn members_of(&mut self, group_pk: i64) -> Result<Vec<Value>> {
        on_backend!(self, members_of(group_pk))
    }
    async fn set_members(&mut self, group_pk: i64, members: &[Value]) -> Result<Vec<String>> {
        on_backend!(self, set_members(group_pk, members))
    }
    async fn remove_member_everywhere(&mut self, member_id: &str) -> Result<Vec<i64>> {
        on_backend!(self, remove_member_everywhere(member_id))
    }
    async fn groups_of_users(
        &mut self,
        user_ids: &[&str],
    ) -> Result<HashMap<String, Vec<Map<String, Value>>>> {
        on_backend!(self, groups_of_users(user_ids))
    }
    async fn related_members(
        &mut self,
        rows: &[StoredResource],
    ) -> Result<HashMap<String, Vec<Value>>> {
        on_backend!(self, related_members(rows))
    }
}

impl ResourceStore for Conn {
    async fn insert_resource(
        &mut self,
        kind: ResourceKind,
        id: &ResourceId,
        attributes: &Map<String, Value>,
        now: &str,
    ) -> Result<StoredResource> {
        on_backend!(self, insert_resource(kind, id, attributes, now))
    }
    async fn update_resource(
        &mut self,
        current: &StoredResource,
        attributes: &Map<String, Value>,
        now: &str,
    ) -> Result<StoredResource> {
        on_backend!(self, update_resource(current, attributes, now))
    }
    async fn touch_resources(&mut self, pks: &[i64], now: &str) -> Result<()> {
        on_backend!(self, touch_resources(pks, now))
    }
    async fn touch_users(&mut self, ids: &[String], now: &str) -> Result<()> {
        on_backend!(self, touch_users(ids, now))
    }
    async fn resource(&mut self, kind: ResourceKind, id: &str) -> Result<Option<StoredResource>> {
        on_backend!(self, resource(kind, id))
    }
    async fn delete_resource(&mut self, kind: ResourceKind, id: &str) -> Result<bool> {
        on_backend!(self, delete_resource(kind, id))
    }
    async fn count_resources(&mut self, kind: ResourceKind) -> Result<i64> {
        on_backend!(self, count_resources(kind))
    }
    async fn resource_page(
        &mut self,
        kind: ResourceKind,
        order: SqlOrder,
        descending: bool,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<StoredResource>> {
        on_backend!(self, resource_page(kind, order, descending, offset, limit))
    }
    async fn search_users(&mut self, q: &UserSearch) -> Result<(i64, Vec<(StoredResource, Idp)>)> {
        on_backend!(self, search_users(q))
    }
    async fn lookup_resources(
        &mut self,
        kind: ResourceKind,
        hint: &IndexHint,
    ) -> Result<Vec<StoredResource>> {
        on_backend!(self, lookup_resources(kind, hint))
    }
    async fn all_resources(&mut self, kind: ResourceKind) -> Result<Vec<StoredResource>> {
        on_backend!(self, all_resources(kind))
    }
}

impl ScanStore for Conn {
    async fn resources_after(
        &mut self,
        kind: ResourceKind,
        after_pk: i64,
        limit: i64,
    ) -> Result<Vec<StoredResource>> {
        on_backend!(self, resources_after(kind, after_pk, limit))
    }
    async fn attributes_after(
        &mut self,
        kind: ResourceKind,
        after_pk: i64,
        limit: i64,
    ) -> Result<ScanPage> {
        on_backend!(self, attributes_after(kind, after_pk, limit))
    }
    async fn resources_by_pks(
        &mut self,
        kind: ResourceKind,
        pks: &[i64],
    ) -> Result<Vec<StoredResource>> {
        on_backend!(self, resources_by_pks(kind, pks))
    }
}

impl ExchangeStore for Conn {
    async fn insert_exchanges(&mut self, batch: &[Exchange], retention: i64) -> Result<Vec<i64>> {
        on_backend!(self, insert_exchanges(batch, retention))
    }
    async fn prune_folds(&mut self, keep: i64) -> Result<u64> {
        on_backend!(self, prune_folds(keep))
    }
    async fn add_to_fold(
        &mut self,
        id: i64,
        more: u32,
        last_at: &str,
    ) -> Result<Option<ExchangeSummary>> {
        on_backend!(self, add_to_fold(id, more, last_at))
    }
    async fn search_summaries(
        &mut self,
        q: &ExchangeQuery,
        budget: std::time::Duration,
    ) -> Result<SearchPage> {
        on_backend!(self, search_summaries(q, budget))
    }
    async fn exchange_summaries(&mut self, q: &ExchangeQuery) -> Result<Vec<ExchangeSummary>> {
        on_backend!(self, exchange_summaries(q))
    }
    async fn exchanges_whole(&mut self, q: &ExchangeQuery) -> Result<Vec<Exchange>> {
        on_backend!(self, exchanges_whole(q))
    }
    async fn count_exchanges_matching(&mut self, q: &ExchangeQuery) -> Result<(i64, i64)> {
        on_backend!(self, count_exchanges_matching(q))
    }
    async fn exchange(&mut self, id: i64) -> Result<Option<Exchange>> {
        on_backend!(self, exchange(id))
    }
    async fn recent_exchanges(&mut self, idp: Idp, limit: i64) -> Result<Vec<Exchange>> {
        on_backend!(self, recent_exchanges(idp, limit))
    }
    async fn recent_exchanges_between(
        &mut self,
        idp: Idp,
        after: Option<i64>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Exchange>> {
        on_backend!(self, recent_exchanges_between(idp, after, before, limit))
    }
    async fn exchange_floors(&mut self) -> Result<ExchangeFloors> {
        on_backend!(self, exchange_floors())
    }
    async fn fold_counts(&mut self, idp: Idp, from_id: i64) -> Result<Vec<(i64, i64)>> {
        on_backend!(self, fold_counts(idp, from_id))
    }
    async fn exchanges_after(
        &mut self,
        after_id: i64,
        idp: Idp,
        limit: i64,
    ) -> Result<Vec<ExchangeSummary>> {
        on_backend!(self, exchanges_after(after_id, idp, limit))
    }
    async fn faulted_attempts(&mut self, name: &str, limit: i64) -> Result<Vec<ExchangeSummary>> {
        on_backend!(self, faulted_attempts(name, limit))
    }
    async fn exchanges_in_range(&mut self, range: &ExchangeRange) -> Result<Vec<Exchange>> {
        on_backend!(self, exchanges_in_range(range))
    }
    async fn count_exchanges(&mut self) -> Result<i64> {
        on_backend!(self, count_exchanges())
    }
    async fn clear_exchanges(&mut self) -> Result<()> {
        on_backend!(self, clear_exchanges())
    }
    async fn exchange_outlines(&mut self, limit: i64) -> Result<Vec<Outline>> {
        on_backend!(self, exchange_outlines(limit))
    }
    async fn exchange_outlines_between(
        &mut self,
        after: Option<i64>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<OutlineRow>> {
        on_backend!(self, exchange_outlines_between(after, before, limit))
    }
}

impl AdminUserStore for Conn {
    async fn insert_admin_user(&mut self, user: &super::admin_users::AdminUserRow) -> Result<()> {
        on_backend!(self, insert_admin_user(user))
    }
    async fn admin_users(&mut self) -> Result<Vec<super::admin_users::AdminUserRow>> {
        on_backend!(self, admin_users())
    }
    async fn admin_user_by_token(
        &mut self,
        token_id: &str,
    ) -> Result<Option<super::admin_users::AdminUserRow>> {
        on_backend!(self, admin_user_by_token(token_id))
    }
    async fn revoke_admin_user(&mut self, name: &str, at: &str) -> Result<bool> {
        on_backend!(self, revoke_admin_user(name, at))
    }
}

impl AuditStore for Conn {
    async fn append_audit(&mut self, entry: &super::audit::AuditEntry) -> Result<i64> {
        on_backend!(self, append_audit(entry))
    }
    async fn audit_entries(
        &mut self,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<super::audit::AuditEntry>> {
        on_backend!(self, audit_entries(before, limit))
    }
}

impl SignInStore for Conn {
    async fn begin_sign_in(
        &mut self,
        attempt: &super::sign_in::SignInAttempt,
        now: i64,
    ) -> Result<()> {
        on_backend!(self, begin_sign_in(attempt, now))
    }
    async fn take_sign_in(
        &mut self,
        state: &str,
        now: i64,
    ) -> Result<Option<super::sign_in::SignInAttempt>> {
        on_backend!(self, take_sign_in(state, now))
    }
    async fn open_session(&mut self, session: &super::sign_in::SessionRow, now: i64) -> Result<()> {
        on_backend!(self, open_session(session, now))
    }
    async fn session(
        &mut self,
        id_hash: &str,
        now: i64,
    ) -> Result<Option<super::sign_in::SessionRow>> {
        on_backend!(self, session(id_hash, now))
    }
    async fn end_session(&mut self, id_hash: &str) -> Result<bool> {
        on_backend!(self, end_session(id_hash))
    }
    async fn keep_app_code(&mut self, code: &super::sign_in::AppCode, now: i64) -> Result<()> {
        on_backend!(self, keep_app_code(code, now))
    }
    async fn take_app_code(
        &mut self,
        code_hash: &str,
        now: i64,
    ) -> Result<Option<super::sign_in::AppCode>> {
        on_backend!(self, take_app_code(code_hash, now))
    }
}

impl WorkspaceStore for Conn {
    async fn workspaces(&mut self) -> Result<Vec<WorkspaceRecord>> {
        on_backend!(self, workspaces())
    }
    async fn insert_workspace(&mut self, record: &WorkspaceRecord) -> Result<()> {
        on_backend!(self, insert_workspace(record))
    }
    async fn rename_workspace(&mut self, slug: &WorkspaceSlug, name: &str) -> Result<bool> {
        on_backend!(self, rename_workspace(slug, name))
    }
    async fn delete_workspace(&mut self, slug: &WorkspaceSlug) -> Result<bool> {
        on_backend!(self, delete_workspace(slug))
    }
}

impl FaultBudgetStore for Conn {
    async fn count_fault_match(&mut self, key: &str) -> Result<(i64, i64)> {
        on_backend!(self, count_fault_match(key))
    }
    async fn claim_fault_hit(&mut self, key: &str, times: Option<i64>) -> Result<bool> {
        on_backend!(self, claim_fault_hit(key, times))
    }
    async fn refund_fault_hit(&mut self, key: &str) -> Result<()> {
        on_backend!(self, refund_fault_hit(key))
    }
}
