//! The store's API: what any backend must do, as traits, so that the handlers, the capture writer
//! and the checks never name a database. The SQLite backend implements them on its connection
//! type ([`super::Conn`]); a PostgreSQL backend will implement the same traits and pass the same
//! contract suite (`store/contract.rs`).
//!
//! A *session* is one connection, either a reader (a snapshot that sees committed writes) or the
//! writer's transaction ([`super::Writer`], all-or-nothing, committed explicitly). Every method
//! runs on the session it is called on, so several calls on one writer are one transaction.
//!
//! Guarantees every backend gives (the contract suite checks each one):
//! - uniqueness of a user's `userName` and a group's `displayName` (case- and NFC-folded) and of
//!   ids, enforced by the database, answered as [`super::StoreError::Conflict`] — never check-then-insert;
//! - a resource's `version` grows by one on every update (the ETag);
//! - a writer dropped without `commit` leaves nothing behind;
//! - exchange ids only grow, also across a reset.
//!
//! Imports `model`, `timeline`'s row type and the store's own value types; nothing else.

use super::Result;
use super::admin::ResetCounts;
use super::exchanges::{ExchangeFloors, ExchangeQuery, ExchangeRange};
use super::mapping::{RoleChangeRow, UserChanges};
use super::resources::{IndexHint, SqlOrder, StoredResource, UserSearch};
use super::scan::ScanPage;
use crate::model::{Exchange, ExchangeSummary, Idp};
use scimlab_scim::ResourceKind;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::future::Future;
use std::ops::DerefMut;

/// Key/value settings of the workspace (the SCIM key, the profile in force).
pub trait SettingStore {
    /// Read a setting.
    fn setting(&mut self, key: &str) -> impl Future<Output = Result<Option<String>>> + Send;
    /// Write (insert or replace) a setting.
    fn set_setting(&mut self, key: &str, value: &str) -> impl Future<Output = Result<()>> + Send;
}

/// Whole-store operations: the reset that starts a fresh rehearsal.
pub trait AdminStore {
    /// Delete every user, group, membership and exchange; keep the settings. Run it inside a
    /// transaction on the writer (the caller commits).
    fn reset_all(&mut self) -> impl Future<Output = Result<ResetCounts>> + Send;
}

/// Saved mapping profiles, the profile in force, role history and who created each user.
pub trait MappingStore {
    /// The id of the profile in force (`auto` until the admin chooses).
    fn active_profile(&mut self) -> impl Future<Output = Result<String>> + Send;
    /// Choose the profile in force.
    fn set_active_profile(&mut self, id: &str) -> impl Future<Output = Result<()>> + Send;
    /// Saved profiles as (id, JSON), by id.
    fn saved_profiles(&mut self) -> impl Future<Output = Result<Vec<(String, String)>>> + Send;
    /// Save (insert or replace) a profile's JSON.
    fn save_profile(
        &mut self,
        id: &str,
        json: &str,
        now: &str,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Delete a saved profile; `false` when there was none.
    fn delete_profile(&mut self, id: &str) -> impl Future<Output = Result<bool>> + Send;
    /// Append role changes, in order (one statement for a capture batch's changes).
    fn insert_role_changes(
        &mut self,
        rows: &[RoleChangeRow],
    ) -> impl Future<Output = Result<()>> + Send;
    /// A user's role history, oldest first.
    fn role_history(
        &mut self,
        user_id: &str,
    ) -> impl Future<Output = Result<Vec<RoleChangeRow>>> + Send;
    /// The IdP that created each stored user: the one kept on the user when its successful
    /// create was captured, else the IdP of the most recent exchange that touched it (a create
    /// never captured, or pruned by retention before it was kept). Users with neither are
    /// absent from the result.
    fn user_creators(&mut self) -> impl Future<Output = Result<HashMap<String, String>>> + Send;
    /// The IdP that created the user `user_id` (as [`MappingStore::user_creators`] tells it);
    /// `None` when nothing says.
    fn creator_of(&mut self, user_id: &str) -> impl Future<Output = Result<Option<String>>> + Send;
    /// [`MappingStore::user_creators`] for these users only (absent ones are left out).
    fn creators_of(
        &mut self,
        user_ids: &[&str],
    ) -> impl Future<Output = Result<HashMap<String, String>>> + Send;
    /// The change feed of mapping inputs: the users (row keys, each once, in order of their
    /// first change) whose mapping may have changed after change `after` — their row inserted,
    /// updated or deleted, a membership of theirs added or removed, their group renamed, an
    /// exchange naming them stored or pruned while their creator is read from the capture log —
    /// reading at most `limit` changes. Written in the same transaction as the change, so a
    /// reader sees a write and its change together.
    fn user_changes(
        &mut self,
        after: i64,
        limit: i64,
    ) -> impl Future<Output = Result<UserChanges>> + Send;
    /// The newest change of the feed (0 before the first): where a reader that has just read
    /// every user starts following it.
    fn latest_user_change(&mut self) -> impl Future<Output = Result<i64>> + Send;
}

/// Group memberships, kept apart from the resources' JSON so that a user's `groups` is computed.
pub trait MemberStore {
    /// The members of a group, in arrival order, as stored JSON objects.
    fn members_of(&mut self, group_pk: i64) -> impl Future<Output = Result<Vec<Value>>> + Send;
    /// Make the stored members of `group_pk` equal to `members` (objects with a string `value`).
    /// Elements without a string `value` are ignored; the first occurrence of a value wins.
    /// Returns the member values that joined or left, so their own `groups` can be re-versioned.
    fn set_members(
        &mut self,
        group_pk: i64,
        members: &[Value],
    ) -> impl Future<Output = Result<Vec<String>>> + Send;
    /// Remove `member_id` from every group (when a user is deleted). Returns the affected group pks.
    fn remove_member_everywhere(
        &mut self,
        member_id: &str,
    ) -> impl Future<Output = Result<Vec<i64>>> + Send;
    /// For each user id, the groups it is a direct member of, as SCIM `groups` elements
    /// (`value`, `display`, `type: direct`), in one query.
    fn groups_of_users(
        &mut self,
        user_ids: &[&str],
    ) -> impl Future<Output = Result<HashMap<String, Vec<Map<String, Value>>>>> + Send;
    /// What renders beside each of `rows`: a user's `groups` (one query for all the users), a
    /// group's `members`; keyed by SCIM id. Every row has an entry (empty when it has none).
    fn related_members(
        &mut self,
        rows: &[StoredResource],
    ) -> impl Future<Output = Result<HashMap<String, Vec<Value>>>> + Send;
}

/// Users and groups: their JSON, version (ETag), and unique folded names.
pub trait ResourceStore {
    /// Insert a new resource; a taken unique name or id is [`super::StoreError::Conflict`].
    fn insert_resource(
        &mut self,
        kind: ResourceKind,
        id: &crate::model::ResourceId,
        attributes: &Map<String, Value>,
        now: &str,
    ) -> impl Future<Output = Result<StoredResource>> + Send;
    /// Replace the attributes of an existing row and bump its version.
    ///
    /// `name_folded` is rewritten only when the name's fold changes, so a row parked by
    /// [`super::resources::refold_names`] stays parked (and writable) while it keeps its name.
    fn update_resource(
        &mut self,
        current: &StoredResource,
        attributes: &Map<String, Value>,
        now: &str,
    ) -> impl Future<Output = Result<StoredResource>> + Send;
    /// Bump version and modification time of the rows `pks` without changing attributes (a group
    /// whose membership changed because a member was deleted).
    fn touch_resources(
        &mut self,
        pks: &[i64],
        now: &str,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Bump version and modification time of the users with these SCIM ids (their `groups` changed
    /// because a group they are in was written). Ids that are not users are ignored.
    fn touch_users(&mut self, ids: &[String], now: &str)
    -> impl Future<Output = Result<()>> + Send;
    /// Read one resource of `kind` by SCIM id.
    fn resource(
        &mut self,
        kind: ResourceKind,
        id: &str,
    ) -> impl Future<Output = Result<Option<StoredResource>>> + Send;
    /// Delete one resource; `false` when it did not exist. Group rows take their members with them
    /// (foreign key cascade); a deleted user is removed from every group by the caller.
    fn delete_resource(
        &mut self,
        kind: ResourceKind,
        id: &str,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Number of resources of `kind`.
    fn count_resources(&mut self, kind: ResourceKind) -> impl Future<Output = Result<i64>> + Send;
    /// One page of resources of `kind` in `order` (paging done in SQL).
    fn resource_page(
        &mut self,
        kind: ResourceKind,
        order: SqlOrder,
        descending: bool,
        offset: i64,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<StoredResource>>> + Send;
    /// One page of users matching `q`, each with the IdP that created it, and how many match in
    /// all. Every filter is evaluated in SQL, so the total is true at any size.
    fn search_users(
        &mut self,
        q: &UserSearch,
    ) -> impl Future<Output = Result<(i64, Vec<(StoredResource, Idp)>)>> + Send;
    /// Resources matching an indexed lookup, in creation order.
    fn lookup_resources(
        &mut self,
        kind: ResourceKind,
        hint: &IndexHint,
    ) -> impl Future<Output = Result<Vec<StoredResource>>> + Send;
    /// Every resource of `kind` in creation order (for filters no index can answer).
    fn all_resources(
        &mut self,
        kind: ResourceKind,
    ) -> impl Future<Output = Result<Vec<StoredResource>>> + Send;
}

/// Keyset scans over every user or group, for evaluations that must see them all in bounded pages.
pub trait ScanStore {
    /// Up to `limit` resources of `kind` created after the row `after_pk` (0: from the first), in
    /// creation order.
    fn resources_after(
        &mut self,
        kind: ResourceKind,
        after_pk: i64,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<StoredResource>>> + Send;
    /// Like [`ScanStore::resources_after`], but only each row's key and parsed attributes: what a filter on stored
    /// attributes needs, without the other columns' allocations. Attributes that do not parse come
    /// back as `None` (the caller reads that row whole with [`ScanStore::resources_by_pks`], which keeps what can be
    /// read); a page without `last` means the end.
    fn attributes_after(
        &mut self,
        kind: ResourceKind,
        after_pk: i64,
        limit: i64,
    ) -> impl Future<Output = Result<ScanPage>> + Send;
    /// The resources of `kind` with these row keys, in creation order (a scan's page, read again
    /// after sorting by keys alone).
    fn resources_by_pks(
        &mut self,
        kind: ResourceKind,
        pks: &[i64],
    ) -> impl Future<Output = Result<Vec<StoredResource>>> + Send;
}

/// The capture log: exchanges, their folds (repeated identical requests), retention and queries.
pub trait ExchangeStore {
    /// Insert a batch of exchanges (authenticated ones and the first request of new folds, told
    /// apart by [`ExchangeSummary::fold_count`]) and apply the retention of authenticated exchanges
    /// (`retention` rows kept) when one was inserted; folds are pruned by [`ExchangeStore::prune_folds`]. Run it in
    /// a transaction. Returns the new ids, in order.
    fn insert_exchanges(
        &mut self,
        batch: &[Exchange],
        retention: i64,
    ) -> impl Future<Output = Result<Vec<i64>>> + Send;
    /// Keep the newest `keep` folds of rejected requests (authenticated exchanges are untouched).
    /// Returns how many folds were deleted.
    fn prune_folds(&mut self, keep: i64) -> impl Future<Output = Result<u64>> + Send;
    /// Count `more` requests into fold `id`, the latest at `last_at`. Returns the fold's summary as
    /// it is now, or `None` when the row is gone (retention or a reset deleted it).
    fn add_to_fold(
        &mut self,
        id: i64,
        more: u32,
        last_at: &str,
    ) -> impl Future<Output = Result<Option<ExchangeSummary>>> + Send;
    /// A page of a free-text search (`q.text`) that stops looking after `budget`: the matches
    /// found, newest first, and where the search stopped when the budget ran out, so a caller
    /// answers at once and continues below that id (a rare word over a large log is a walk).
    fn search_summaries(
        &mut self,
        q: &ExchangeQuery,
        budget: std::time::Duration,
    ) -> impl Future<Output = Result<super::exchanges::SearchPage>> + Send;
    /// One page of summaries, newest first, matching `q`.
    fn exchange_summaries(
        &mut self,
        q: &ExchangeQuery,
    ) -> impl Future<Output = Result<Vec<ExchangeSummary>>> + Send;
    /// Like [`ExchangeStore::exchange_summaries`], but whole exchanges (headers, bodies, before/after): for exports.
    fn exchanges_whole(
        &mut self,
        q: &ExchangeQuery,
    ) -> impl Future<Output = Result<Vec<Exchange>>> + Send;
    /// How many stored rows match `q`'s filters (`before` and `limit` ignored), and how many
    /// requests they stand for (a fold of rejected requests is one row, `fold_count` requests).
    ///
    /// Two index walks, not a read of every row: `COUNT(*)` from an index, and the folds' extra
    /// requests from the folds alone (at most the rejected retention's rows).
    fn count_exchanges_matching(
        &mut self,
        q: &ExchangeQuery,
    ) -> impl Future<Output = Result<(i64, i64)>> + Send;
    /// One exchange, whole.
    fn exchange(&mut self, id: i64) -> impl Future<Output = Result<Option<Exchange>>> + Send;
    /// The newest `limit` exchanges attributed to `idp`, whole, oldest first (for the checklist).
    fn recent_exchanges(
        &mut self,
        idp: Idp,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<Exchange>>> + Send;
    /// Like [`ExchangeStore::recent_exchanges`] within ids `after < id < before` (either bound
    /// optional): what a kept window of the newest exchanges adds at its new end or refills at
    /// its old one.
    fn recent_exchanges_between(
        &mut self,
        idp: Idp,
        after: Option<i64>,
        before: Option<i64>,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<Exchange>>> + Send;
    /// The oldest stored id of each class (authenticated exchanges, folds of rejected
    /// requests). Retention and the reset delete the oldest rows of a class first, so a kept
    /// copy of an exchange older than its class's floor has been deleted.
    fn exchange_floors(&mut self) -> impl Future<Output = Result<ExchangeFloors>> + Send;
    /// `(id, fold_count)` of the folds of rejected requests attributed to `idp` with an id from
    /// `from_id` on, by id: the only stored exchanges that change (their counts grow).
    fn fold_counts(
        &mut self,
        idp: Idp,
        from_id: i64,
    ) -> impl Future<Output = Result<Vec<(i64, i64)>>> + Send;
    /// Up to `limit` authenticated exchanges of `idp` that came after exchange `after_id`, oldest
    /// first (what the IdP did next, after a fault; folds of refused requests are not its doing).
    fn exchanges_after(
        &mut self,
        after_id: i64,
        idp: Idp,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<ExchangeSummary>>> + Send;
    /// Requests a fault rule answered before any resource existed (no resource id), about the
    /// user or group named `name` (ignoring ASCII case): the newest `limit`, oldest first.
    fn faulted_attempts(
        &mut self,
        name: &str,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<ExchangeSummary>>> + Send;
    /// The authenticated exchanges in `range`, whole, oldest first (what a replay sends).
    fn exchanges_in_range(
        &mut self,
        range: &ExchangeRange,
    ) -> impl Future<Output = Result<Vec<Exchange>>> + Send;
    /// Number of stored exchanges.
    fn count_exchanges(&mut self) -> impl Future<Output = Result<i64>> + Send;
    /// Delete every exchange (part of a reset).
    fn clear_exchanges(&mut self) -> impl Future<Output = Result<()>> + Send;
    /// The newest `limit` exchanges as the timeline reads them (no headers or bodies).
    fn exchange_outlines(
        &mut self,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<crate::timeline::Outline>>> + Send;
    /// The newest `limit` exchanges with ids `after < id < before` (either bound optional) as
    /// the timeline reads them, newest first: what a kept window of the timeline's exchanges
    /// fills from, adds at its new end or refills at its old one. Every row is there, one whose
    /// time does not parse without its outline (the timeline cannot place it, but a window of
    /// the newest rows counts it, as [`ExchangeStore::exchange_outlines`] does before leaving it
    /// out).
    fn exchange_outlines_between(
        &mut self,
        after: Option<i64>,
        before: Option<i64>,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<super::outlines::OutlineRow>>> + Send;
}

/// The directory of workspaces (read from the main database: the `default` workspace's).
pub trait WorkspaceStore {
    /// Every workspace, `default` first, then by creation.
    fn workspaces(
        &mut self,
    ) -> impl Future<Output = Result<Vec<crate::model::WorkspaceRecord>>> + Send;
    /// Add a workspace; a taken slug is [`super::StoreError::Conflict`] on `slug`.
    fn insert_workspace(
        &mut self,
        record: &crate::model::WorkspaceRecord,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Rename a workspace; `false` when there is none with that slug.
    fn rename_workspace(
        &mut self,
        slug: &crate::model::WorkspaceSlug,
        name: &str,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Remove a workspace from the directory; `false` when there was none.
    fn delete_workspace(
        &mut self,
        slug: &crate::model::WorkspaceSlug,
    ) -> impl Future<Output = Result<bool>> + Send;
}

/// Budgets of fault rules (`times`, `every`, `probability`) counted in the database, so that
/// several instances on one database count one budget (a `times: 1` rule fires once across
/// them). Each call is its own short write session.
pub trait FaultBudgetStore {
    /// Count one more match of the rule whose budget key is `key`: the match's number (1 for
    /// the first) and the hits spent so far.
    fn count_fault_match(&mut self, key: &str) -> impl Future<Output = Result<(i64, i64)>> + Send;
    /// Spend one hit of `key`'s budget if fewer than `times` were spent (`None`: no limit);
    /// whether it was spent.
    fn claim_fault_hit(
        &mut self,
        key: &str,
        times: Option<i64>,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Give one hit of `key`'s budget back (a fault that was decided but could not apply).
    fn refund_fault_hit(&mut self, key: &str) -> impl Future<Output = Result<()>> + Send;
}

/// People and scripts with a personal admin token (read from the main database: the `default`
/// workspace's). The engine's access module makes and checks the tokens.
pub trait AdminUserStore {
    /// Add `user`; a name held by a user not revoked is [`super::StoreError::Conflict`] on
    /// `name` (a revoked one is replaced: the name is free again).
    fn insert_admin_user(
        &mut self,
        user: &super::admin_users::AdminUserRow,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Every admin user, revoked ones too, by name.
    fn admin_users(
        &mut self,
    ) -> impl Future<Output = Result<Vec<super::admin_users::AdminUserRow>>> + Send;
    /// The user whose token has id `token_id` (revoked or not).
    fn admin_user_by_token(
        &mut self,
        token_id: &str,
    ) -> impl Future<Output = Result<Option<super::admin_users::AdminUserRow>>> + Send;
    /// Revoke `name`'s token at `at`; `false` when there is no such user not revoked yet.
    fn revoke_admin_user(
        &mut self,
        name: &str,
        at: &str,
    ) -> impl Future<Output = Result<bool>> + Send;
}

/// The admin API's audit log (in the main database).
pub trait AuditStore {
    /// Append an entry (its `id` is ignored); its id. Keeps the newest
    /// [`super::audit::AUDIT_KEPT`].
    fn append_audit(
        &mut self,
        entry: &super::audit::AuditEntry,
    ) -> impl Future<Output = Result<i64>> + Send;
    /// Up to `limit` entries with an id below `before` (all when `None`), newest first.
    fn audit_entries(
        &mut self,
        before: Option<i64>,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<super::audit::AuditEntry>>> + Send;
}

/// Team sign-in with an OpenID Connect provider (in the main database): sign-ins under way and
/// the sessions they open. Times are Unix seconds.
pub trait SignInStore {
    /// Keep a sign-in just begun (and forget expired ones, and the oldest past
    /// [`super::sign_in::ATTEMPTS_KEPT`]).
    fn begin_sign_in(
        &mut self,
        attempt: &super::sign_in::SignInAttempt,
        now: i64,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The sign-in with this `state`, removed (so it is found once), unless expired.
    fn take_sign_in(
        &mut self,
        state: &str,
        now: i64,
    ) -> impl Future<Output = Result<Option<super::sign_in::SignInAttempt>>> + Send;
    /// Keep a new session (and forget expired ones).
    fn open_session(
        &mut self,
        session: &super::sign_in::SessionRow,
        now: i64,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The session whose id hashes to `id_hash`, unless expired.
    fn session(
        &mut self,
        id_hash: &str,
        now: i64,
    ) -> impl Future<Output = Result<Option<super::sign_in::SessionRow>>> + Send;
    /// End a session (sign-out); `false` when there was none.
    fn end_session(&mut self, id_hash: &str) -> impl Future<Output = Result<bool>> + Send;
    /// Keep a code handed to the desktop app's loopback redirect (and forget expired ones).
    fn keep_app_code(
        &mut self,
        code: &super::sign_in::AppCode,
        now: i64,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The code whose hash is `code_hash`, removed (so it is traded once), unless expired.
    fn take_app_code(
        &mut self,
        code_hash: &str,
        now: i64,
    ) -> impl Future<Output = Result<Option<super::sign_in::AppCode>>> + Send;
}

/// Every store trait: what a session can do.
pub trait Session:
    SettingStore
    + AdminUserStore
    + AuditStore
    + SignInStore
    + FaultBudgetStore
    + WorkspaceStore
    + AdminStore
    + MappingStore
    + MemberStore
    + ResourceStore
    + ScanStore
    + ExchangeStore
    + Send
{
}
impl<T> Session for T where
    T: SettingStore
        + AdminUserStore
        + AuditStore
        + SignInStore
        + FaultBudgetStore
        + WorkspaceStore
        + AdminStore
        + MappingStore
        + MemberStore
        + ResourceStore
        + ScanStore
        + ExchangeStore
        + Send
{
}

/// A writer session: one transaction, committed by [`Commit::commit`], rolled back when dropped.
pub trait Commit {
    /// Make every write of this session visible at once.
    fn commit(self) -> impl Future<Output = Result<()>> + Send;
}

/// A database behind the store API: hands out reader and writer sessions.
pub trait Backend: Send + Sync {
    /// The connection type the traits are implemented on.
    type Conn: Session + ?Sized;
    /// A reader session.
    type Reader: DerefMut<Target = Self::Conn> + Send;
    /// The writer's transaction.
    type Writer: DerefMut<Target = Self::Conn> + Commit + Send;
    /// A reader, waiting at most [`super::BUSY_TIMEOUT`] for a free connection.
    fn reader(&self) -> impl Future<Output = Result<Self::Reader>> + Send;
    /// The writer (one at a time), its transaction begun.
    fn writer(&self) -> impl Future<Output = Result<Self::Writer>> + Send;
}

/// Bring every store trait into scope: `use crate::store::prelude::*;`.
pub mod prelude {
    pub use super::{
        AdminStore, AdminUserStore, AuditStore, Backend, Commit, ExchangeStore, FaultBudgetStore,
        MappingStore, MemberStore, ResourceStore, ScanStore, Session, SettingStore, SignInStore,
        WorkspaceStore,
    };
}
