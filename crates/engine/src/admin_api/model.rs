//! Response bodies of the admin API. They cross to the UI, so they derive `ts_rs::TS` and are
//! generated into `ui/src/generated/` with the exchange and event types (a test fails on drift).
//! JSON is camelCase; ids and counts are JSON numbers (`number` in TypeScript).

use crate::checks::Checklist;
use crate::mapping::{FieldStatus, MappingProfile, MappingResult, Role, RoleSummary, TargetField};
use crate::model::{Exchange, ExchangeSummary, Idp};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

/// Every admin API error: `{"error": "<what is wrong and how to fix it>"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ErrorBody {
    /// Lowercase message naming the problem and the fix.
    pub error: String,
}

/// `GET /api/health`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// `ok`; `degraded` (with status `503`) when the database does not answer.
    pub status: String,
    /// The engine version (`CARGO_PKG_VERSION`).
    pub version: String,
    /// The SCIM base URL on the bound address.
    pub scim_base_url: String,
    /// Whether the SCIM listener answers in strict RFC mode.
    pub strict: bool,
    /// Number of stored exchanges (`null` when the database does not answer).
    #[ts(type = "number | null")]
    pub exchanges: Option<i64>,
    /// The workspace's database, as this request found it.
    pub database: DatabaseHealth,
}

/// The database part of [`Health`].
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DatabaseHealth {
    /// The backend (`sqlite`).
    pub backend: String,
    /// A read succeeded during this request.
    pub up: bool,
    /// How long that read took, milliseconds.
    pub latency_ms: f64,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

/// `GET /api/endpoint`: what to paste into the IdP, with the key masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EndpointInfo {
    /// The SCIM base URL (Entra's "Tenant URL", Okta's "SCIM connector base URL"). Behind a
    /// tunnel the IdP needs the tunnel's HTTPS address with the same path instead.
    pub tenant_url: String,
    /// The SCIM API key as `…` and its last 4 characters.
    pub key_masked: String,
    /// Whether the SCIM listener answers in strict RFC mode.
    pub strict: bool,
    /// The public URL of the SCIM listener, when a tunnel gives one (`tunnel.tenantUrl` is then
    /// what the IdP needs: the public origin and this workspace's base path).
    pub tunnel: crate::tunnel::TunnelState,
    /// The workspace this endpoint is.
    pub workspace: crate::model::WorkspaceRecord,
}

/// A workspace as `GET /api/workspaces` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceInfo {
    /// Its slug (in its tenant URL and its admin routes).
    pub slug: crate::model::WorkspaceSlug,
    /// Its name.
    pub name: String,
    /// When it was created (RFC 3339).
    pub created: String,
    /// The template it was created from (`entra-guide`, `okta-guide`).
    pub template: Option<String>,
    /// Its tenant URL on this machine.
    pub tenant_url: String,
    /// Its tenant URL through the tunnel, when one runs.
    pub public_tenant_url: Option<String>,
    /// Its SCIM key, masked.
    pub key_masked: String,
    /// Users stored.
    #[ts(type = "number")]
    pub users: i64,
    /// Groups stored.
    #[ts(type = "number")]
    pub groups: i64,
    /// Exchanges captured.
    #[ts(type = "number")]
    pub exchanges: i64,
    /// When its last exchange arrived.
    pub last_exchange_at: Option<String>,
    /// Its admin routes' prefix (`/api` for `default`, `/api/workspaces/<slug>` else).
    pub api_base: String,
}

/// `POST /api/workspaces`.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewWorkspace {
    /// Its name; the slug is made of it (lower-cased, spaces as `-`).
    pub name: String,
    /// `entra-guide` or `okta-guide`: choose that IdP's profile and instructions.
    #[serde(default)]
    #[ts(optional)]
    pub template: Option<String>,
    /// Copy this workspace's settings (profiles, the profile in force, fault rules, strict
    /// mode, retention), none of its data and not its key.
    #[serde(default)]
    #[ts(optional)]
    pub copy_settings_from: Option<String>,
}

/// `PATCH /api/workspaces/{slug}`.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct RenameWorkspace {
    /// The new name (the slug stays).
    pub name: String,
}

/// `DELETE /api/workspaces/{slug}`: what was erased.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DeletedWorkspace {
    /// Its slug.
    pub slug: String,
    /// Its name.
    pub name: String,
    /// Users erased.
    #[ts(type = "number")]
    pub users: i64,
    /// Groups erased.
    #[ts(type = "number")]
    pub groups: i64,
    /// Exchanges erased.
    #[ts(type = "number")]
    pub exchanges: i64,
}

/// `POST /api/endpoint/reveal`: the SCIM API key in full (the only response that holds it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RevealedKey {
    /// The SCIM API key.
    pub key: String,
}

/// `POST /api/endpoint/rotate`: the new key, masked (reveal it with `/api/endpoint/reveal`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RotatedKey {
    /// The new SCIM API key as `…` and its last 4 characters.
    pub key_masked: String,
}

/// `GET /api/exchanges`: one page, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExchangePage {
    /// The exchanges of this page, newest first.
    pub items: Vec<ExchangeSummary>,
    /// Pass as `?before=` for the next (older) page; `null` when this is the last page.
    #[ts(type = "number | null")]
    pub next_before: Option<i64>,
    /// On the first page (no `before`): how many stored exchanges match the filters (a fold of
    /// rejected requests counts once); `null` on later pages and for a free-text search (`q`),
    /// whose pages each look for a bounded time: a page may hold fewer rows than asked, even
    /// none, with `nextBefore` to go on from.
    #[ts(type = "number | null")]
    pub total: Option<i64>,
    /// On the first page: how many requests those exchanges stand for (a fold counts each of
    /// its requests); `null` on later pages.
    #[ts(type = "number | null")]
    pub requests: Option<i64>,
}

/// `GET /api/exchanges/{id}`: the whole (redacted) exchange, and why it failed.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeDetail {
    /// The exchange.
    #[serde(flatten)]
    pub exchange: Exchange,
    /// Present when it failed (status 400 or more): the cause, the SCIM error and the fix.
    pub diagnosis: Option<crate::diagnosis::Diagnosis>,
    /// Present when a fault rule answered it: what the IdP did next, read from the traffic that
    /// followed (retried, looked up first, gave up, honoured `Retry-After` or not).
    pub reaction: Option<crate::faults::Reaction>,
}

/// `GET /api/users`, `GET /api/groups`: one page of stored resources, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ResourcePage {
    /// Number of stored resources of this type (users: matching the filters given).
    #[ts(type = "number")]
    pub total_results: i64,
    /// 1-based index of the first resource of this page.
    #[ts(type = "number")]
    pub start_index: i64,
    /// Number of resources in this page.
    #[ts(type = "number")]
    pub items_per_page: i64,
    /// The resources as the SCIM listener renders them (`id`, `meta`, `groups`/`members`).
    #[ts(type = "Array<Record<string, unknown>>")]
    pub resources: Vec<Value>,
    /// Users only: how each resource (same index) lands on the target app under the profile
    /// in force, with its effective role.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub mappings: Option<Vec<MappingResult>>,
    /// Users only: the IdP that created each resource (same index), from the capture log.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub idps: Option<Vec<Idp>>,
}

/// `GET /api/users/{id}`, `GET /api/groups/{id}`: a resource and the exchanges that touched it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ResourceDetail {
    /// The resource as the SCIM listener renders it.
    #[ts(type = "Record<string, unknown>")]
    pub resource: Value,
    /// The newest exchanges that touched it (at most 100), newest first.
    pub exchanges: Vec<ExchangeSummary>,
    /// When there are more: pass as `?resource=<id>&before=` to `/api/exchanges`; else `null`.
    #[ts(type = "number | null")]
    pub exchanges_next_before: Option<i64>,
    /// Users only: the mapping result under the profile in force.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub mapping: Option<MappingResult>,
    /// Users only: every change of the effective role, oldest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub role_history: Option<Vec<RoleChange>>,
    /// Users only: the exchanges that touched it, oldest first, with the stored resource and the
    /// mapped fields before and after each.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub timeline: Option<Vec<TimelineEntry>>,
}

/// One change of a user's effective role.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RoleChange {
    /// The role before (`null` for the first entry, the create).
    pub from: Option<String>,
    /// The role after.
    pub to: String,
    /// The role field's status after (`mapped`, `defaulted`, `invalid`, `ambiguous`).
    pub status: String,
    /// What arrived, as JSON text (`null` when nothing did).
    pub raw: Option<String>,
    /// The exchange that changed it.
    #[ts(type = "number")]
    pub exchange_id: i64,
    /// When.
    pub at: String,
}

/// One exchange in a user's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    /// The exchange.
    pub exchange: ExchangeSummary,
    /// The stored user before (writes only).
    #[ts(type = "Record<string, unknown> | null")]
    pub before: Option<Value>,
    /// The stored user after (writes only; `null` after a delete).
    #[ts(type = "Record<string, unknown> | null")]
    pub after: Option<Value>,
    /// The mapped fields before.
    pub mapping_before: Option<MappingResult>,
    /// The mapped fields after.
    pub mapping_after: Option<MappingResult>,
    /// Target fields whose value or status differ between before and after.
    pub changed_fields: Vec<TargetField>,
    /// When a fault rule answered this exchange: what the IdP did next.
    pub reaction: Option<crate::faults::Reaction>,
}

/// `GET /api/profiles`: every mapping profile and the one in force.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProfileList {
    /// The id of the profile in force.
    pub active: String,
    /// Built-in profiles first, then the saved ones.
    pub profiles: Vec<MappingProfile>,
}

/// `GET /api/roles`: users per role and per status over every user, from the materialised
/// mapping results.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RoleSummaryReply {
    /// The counts.
    #[serde(flatten)]
    #[ts(flatten)]
    pub summary: RoleSummary,
    /// Every user is being re-evaluated (another profile was chosen, or more changed than the
    /// views follow at once): the counts are the previous results' until `mapping.progress`
    /// says `done`.
    pub updating: bool,
}

/// `GET /api/checklist?idp=…`: the checklist, scored from the materialised mapping results.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChecklistReply {
    /// The checklist.
    #[serde(flatten)]
    #[ts(flatten)]
    pub checklist: Checklist,
    /// Every user is being re-evaluated: the user facts are the previous results' until
    /// `mapping.progress` says `done`.
    pub updating: bool,
}

/// `GET /api/mapping`: where the materialised mapping results stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MappingState {
    /// The profile in force.
    pub active: String,
    /// The profile the results are under (the previous one while `updating`).
    pub profile_id: String,
    /// Users with a result.
    pub users: u32,
    /// Every user is being re-evaluated.
    pub updating: bool,
    /// Users the re-evaluation under way (or the last one) has evaluated.
    pub evaluated: u32,
    /// Users it evaluates.
    pub total: u32,
}

/// The status of one target field in a materialised result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FieldStatusOf {
    /// The field.
    pub field: TargetField,
    /// Its status.
    pub status: FieldStatus,
}

/// One user's materialised mapping result: what the roles summary counts and the checklist
/// reads (the full result, with explanations, is in the user's detail).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MaterialisedUser {
    /// SCIM id.
    pub id: String,
    /// Its userName.
    pub user_name: String,
    /// The IdP that created it.
    pub created_by: Idp,
    /// The role it gets in the target app.
    pub effective_role: Role,
    /// Each target field's status, in target field order.
    pub statuses: Vec<FieldStatusOf>,
    /// The role value as it arrived (not when it arrived misnamed), as stored.
    #[ts(type = "unknown")]
    pub role_raw: Option<Value>,
    /// `false` when a role arrived that the app does not know.
    pub role_valid: bool,
    /// The attribute paths the user carries (`attributes.*` checks read its create's while
    /// it is captured).
    pub attributes: Vec<String>,
}

/// `GET /api/mapping/users`: a page of materialised results, in creation order.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MaterialisedPage {
    /// Users with a result.
    pub total_results: u32,
    /// 1-based index of the first result of this page.
    pub start_index: u32,
    /// The results.
    pub items: Vec<MaterialisedUser>,
    /// Every user is being re-evaluated: these are the previous results.
    pub updating: bool,
}

/// `PUT /api/profiles/active` body.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, TS)]
pub struct ChooseProfile {
    /// The profile to put in force.
    pub id: String,
}

/// `POST /api/profiles/check` body: source paths to check as the admin types them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, TS)]
pub struct CheckPaths {
    /// The source path expressions, as written.
    pub sources: Vec<String>,
}

/// One checked source path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PathCheck {
    /// The expression as written.
    pub path: String,
    /// `null` when it parses; else what is wrong and how to write it.
    pub error: Option<String>,
}

/// One attribute path seen on stored users (`GET /api/attributes`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SeenPath {
    /// The path, spelt as a source path (`emails[type eq "work"].value`,
    /// `urn:…:User:employeeType`).
    pub path: String,
    /// Users (of those read) with a value there.
    pub users: u32,
}

/// `GET /api/attributes`: the attribute paths the stored users carry, most common first, to
/// suggest source paths in the profile editor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SeenAttributes {
    /// Users read (the newest ones, at most [`super::mapping::SEEN_USERS`]).
    pub users: u32,
    /// The paths, most users first, then alphabetically.
    pub paths: Vec<SeenPath>,
}

/// `DELETE /api/data`: what the reset deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ResetResult {
    /// Counts per kind.
    pub deleted: DeletedCounts,
}

/// Rows deleted by a reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, TS)]
pub struct DeletedCounts {
    /// Users deleted.
    #[ts(type = "number")]
    pub users: i64,
    /// Groups deleted (with their memberships).
    #[ts(type = "number")]
    pub groups: i64,
    /// Captured exchanges deleted.
    #[ts(type = "number")]
    pub exchanges: i64,
}

pub use crate::runtime::EngineSettings;

/// `PUT /api/settings` body: the settings that apply at once. Absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsUpdate {
    /// Strict RFC mode on or off.
    #[ts(optional)]
    pub strict: Option<bool>,
    /// Number of captured exchanges to keep (1 to 10 000 000); lowering it drops the oldest
    /// at the next capture.
    #[ts(optional, type = "number")]
    pub retention: Option<i64>,
}

/// `GET /api/quirks`: one IdP quirk ScimLab labels, explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct QuirkInfo {
    /// The stable label, e.g. `entra.string-boolean`.
    pub label: String,
    /// One line a person understands.
    pub summary: String,
    /// Whether RFC 7644 allows the shape (then strict mode still accepts it, only labelled).
    pub rfc_allows: bool,
}
