//! The domain model: a captured exchange (summary, whole, the key's outcome, the resource it
//! touched), the IdP and the operation kinds — what the capture layer stores, the store keeps,
//! the checklist, mapping, timeline and diagnosis read, and the admin API serves.
//!
//! A leaf: it imports nothing of the crate, so every module may depend on it.
//!
//! These types cross to the UI, so they derive `ts_rs::TS` and are generated into
//! `ui/src/generated/` (never edited by hand; a test fails when they drift). Everything here is
//! already redacted: no type in this module can hold the SCIM key or a password.

use scimlab_scim::ResourceKind;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

/// Which identity provider sent an exchange. Its spelling (`entra`, `okta`, `other`) is the same
/// in JSON, in the store and in the generated TS union (serde and strum derive it).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    TS,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Idp {
    /// Microsoft Entra ID provisioning service.
    Entra,
    /// Okta SCIM client.
    Okta,
    /// Anything else (curl, the SCIM Validator, a script) or not enough evidence yet.
    Other,
}

impl Idp {
    /// Every IdP value.
    pub const ALL: &'static [Idp] = <Idp as strum::VariantArray>::VARIANTS;

    /// The stored spelling (`entra`, `okta`, `other`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    /// Read a stored spelling. Every row this version writes parses; text it does not know (a
    /// row from a newer version) reads as `Other`, the value that claims nothing.
    pub fn parse(s: &str) -> Self {
        s.parse().unwrap_or(Self::Other)
    }
}

/// What an exchange was, in the IdP's terms. Spelt in kebab case (`connection-probe`) in JSON, in
/// the store and in the generated TS union (serde and strum derive it).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    TS,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum OperationKind {
    /// Entra's random-GUID userName lookup or Okta's `count=2` / `count=100` test call.
    ConnectionProbe,
    /// A filter lookup by a matching attribute before create (`userName eq "..."`).
    MatchLookup,
    /// A user created.
    Create,
    /// A user's profile changed (PATCH or PUT) without an `active` transition.
    Update,
    /// A user's `active` went from true (or absent) to false.
    Deactivate,
    /// A user's `active` went from false to true.
    Reactivate,
    /// A user deleted.
    Delete,
    /// A single resource read (`GET /Users/{id}`, Okta's read before PUT).
    Read,
    /// A group created.
    GroupCreate,
    /// A group's attributes changed (rename) without a membership change.
    GroupUpdate,
    /// A group's members changed.
    GroupMembership,
    /// A group deleted.
    GroupDelete,
    /// A page of an unfiltered list (Okta import, a script paging through users).
    ImportPage,
    /// Any other filtered list or `.search`.
    Search,
    /// `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`.
    Discovery,
    /// Refused before reaching a handler or failed: 401, 404 route, 405, 413, malformed body.
    Rejected,
}

impl OperationKind {
    /// The stored spelling, e.g. `connection-probe`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    /// Every kind, in the order the docs list them.
    pub const ALL: &'static [OperationKind] = <OperationKind as strum::VariantArray>::VARIANTS;

    /// The operation as a countable noun, singular and plural (`create`, `creates`): how the
    /// timeline's cycles and the checklist's `answers.ok` count requests.
    pub fn noun(self) -> (&'static str, &'static str) {
        match self {
            Self::ConnectionProbe => ("connection test", "connection tests"),
            Self::MatchLookup => ("match lookup", "match lookups"),
            Self::Create => ("create", "creates"),
            Self::Update => ("update", "updates"),
            Self::Deactivate => ("deactivation", "deactivations"),
            Self::Reactivate => ("reactivation", "reactivations"),
            Self::Delete => ("delete", "deletes"),
            Self::Read => ("read", "reads"),
            Self::GroupCreate => ("group create", "group creates"),
            Self::GroupUpdate => ("group update", "group updates"),
            Self::GroupMembership => ("membership change", "membership changes"),
            Self::GroupDelete => ("group delete", "group deletes"),
            Self::ImportPage => ("import page", "import pages"),
            Self::Search => ("search", "searches"),
            Self::Discovery => ("discovery request", "discovery requests"),
            Self::Rejected => ("refused request", "refused requests"),
        }
    }

    /// Read a stored spelling. Every row this version writes parses; text it does not know (a
    /// row from a newer version) reads as `Rejected`, the kind that claims nothing.
    pub fn parse(s: &str) -> Self {
        s.parse().unwrap_or(Self::Rejected)
    }
}

/// What the `Authorization` header held, reduced to what is safe to keep.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AuthSummary {
    /// `Bearer`, `Basic`, `bare` (a key without scheme), or `None` when no header was sent.
    pub scheme: Option<String>,
    /// The last 4 characters of the credential (never more).
    pub last4: Option<String>,
    /// Whether the credential was this endpoint's key (it is checked on every request, first).
    pub matched: bool,
    /// What the key had to do with the answer: checked and accepted, refused for one of three
    /// reasons, or not the reason at all (the route was refused first). Rows stored before this
    /// field existed read as [`AuthOutcome::from_legacy`] says.
    #[serde(default)]
    pub outcome: AuthOutcome,
    /// When the request went to the wrong workspace: the slug it named that does not exist, or
    /// the workspace whose key it carried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub workspace: Option<WorkspaceHint>,
}

/// Why a rejected request probably meant another workspace.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceHint {
    /// The slug in its path (`/w/<slug>/…`) that names no workspace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub unknown_slug: Option<String>,
    /// The workspace whose key it sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub key_of: Option<String>,
}

impl AuthSummary {
    /// Fill [`Self::outcome`] on a row stored before it existed, from `matched` and the status.
    pub fn upgrade(&mut self, status: u16) {
        if self.outcome == AuthOutcome::Unknown {
            self.outcome = AuthOutcome::from_legacy(self.matched, self.scheme.as_deref(), status);
        }
    }
}

/// What decided an exchange's authentication, in the words the UI and the checklist use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum AuthOutcome {
    /// The key sent is this endpoint's key.
    Matched,
    /// A key was sent, and it is not this endpoint's key (answered 401).
    WrongKey,
    /// No `Authorization` header (answered 401).
    MissingHeader,
    /// An `Authorization` header with a scheme other than Bearer (answered 401).
    WrongScheme,
    /// The route was refused before the key mattered (wrong base path, unknown endpoint,
    /// method): the answer says nothing about the key.
    NotChecked,
    /// Only while reading a row stored before outcomes were recorded; never served.
    #[default]
    Unknown,
}

impl AuthOutcome {
    /// The outcome of a row stored before outcomes were recorded: a matched key is `matched`; a
    /// 401 is the refusal its scheme implies; any other refused answer (404, 405) came from
    /// the route, not the key.
    pub fn from_legacy(matched: bool, scheme: Option<&str>, status: u16) -> Self {
        match (matched, status, scheme) {
            (true, _, _) => Self::Matched,
            (false, 401, None) => Self::MissingHeader,
            (false, 401, Some("Bearer" | "bare")) => Self::WrongKey,
            (false, 401, Some(_)) => Self::WrongScheme,
            _ => Self::NotChecked,
        }
    }

    /// Whether the key (or its header) is the reason the request was refused.
    pub fn blames_key(self) -> bool {
        matches!(
            self,
            Self::WrongKey | Self::MissingHeader | Self::WrongScheme
        )
    }
}

/// The resource a handler touched, attached to its response for the capture layer.
/// `before`/`after` are full rendered resources (never holding a password).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ResourceChange {
    /// `User` or `Group`.
    #[ts(type = "\"User\" | \"Group\"")]
    pub resource_type: ResourceKind,
    /// SCIM id.
    pub id: ResourceId,
    /// userName (users) or displayName (groups).
    pub name: Option<String>,
    /// The stored resource before the write (`None` for creates and reads).
    #[ts(type = "unknown")]
    pub before: Option<Value>,
    /// The stored resource after the write (`None` for deletes and reads).
    #[ts(type = "unknown")]
    pub after: Option<Value>,
}

/// One exchange as listed (no headers or bodies).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeSummary {
    /// Monotonic id; newer exchanges have larger ids.
    #[ts(type = "number")]
    pub id: i64,
    /// When the request arrived (RFC 3339, UTC, milliseconds).
    pub at: String,
    /// HTTP method.
    pub method: String,
    /// Path as received (e.g. `/scim/v2/Users`).
    pub path: String,
    /// Raw query string ("" when none).
    pub query: String,
    /// Response status.
    pub status: u16,
    /// Time from request to response head, in milliseconds.
    pub latency_ms: f64,
    /// Detected IdP.
    pub idp: Idp,
    /// What the exchange was in IdP terms.
    pub operation: OperationKind,
    /// `User` / `Group` when a resource was touched.
    #[ts(type = "\"User\" | \"Group\" | null")]
    pub resource_type: Option<ResourceKind>,
    /// SCIM id of the resource touched.
    pub resource_id: Option<String>,
    /// userName / displayName of the resource touched.
    pub resource_name: Option<String>,
    /// Quirk labels the request relied on.
    pub quirks: Vec<String>,
    /// Set on a *fold* of rejected requests (sent without a valid SCIM key: a 401, or a 404/405
    /// without the key): how many requests from one client, with one User-Agent, refused for one
    /// reason, this exchange stands for. The first of them is the one stored (cut to a few KiB);
    /// `at` is its time. Absent on an authenticated exchange.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub fold_count: Option<u32>,
    /// On a fold: when its latest request arrived (RFC 3339, UTC, milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub last_at: Option<String>,
    /// The quirk a strict answer refused (its label): the deviation behind a strict-mode 400.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub refused_quirk: Option<String>,
    /// The fault rule that answered this request, when one fired (a rehearsed failure: the
    /// answer was ScimLab's choice, not the app's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub fault: Option<FaultMark>,
}

impl ExchangeSummary {
    /// Whether this exchange is a fold of rejected requests (see [`Self::fold_count`]).
    pub fn is_fold(&self) -> bool {
        self.fold_count.is_some()
    }

    /// Whether the request failed: an error status, or no answer at all ([`NO_ANSWER`]: a fault
    /// rule closed the connection).
    pub fn failed(&self) -> bool {
        self.status == NO_ANSWER || self.status >= 400
    }
}

/// A SCIM resource id as this endpoint assigns it (a UUID), typed so that a userName, an
/// exchange id or a target app's id cannot be passed where ScimLab's id is meant. Serialises as
/// the plain string; reads as `&str` (`Deref`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(transparent)]
#[ts(type = "string")]
pub struct ResourceId(String);

impl ResourceId {
    /// A new random id.
    pub fn generate() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The id as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::ops::Deref for ResourceId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ResourceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for ResourceId {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<&str> for ResourceId {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl From<ResourceId> for String {
    fn from(id: ResourceId) -> Self {
        id.0
    }
}

impl PartialEq<str> for ResourceId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for ResourceId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl std::borrow::Borrow<str> for ResourceId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// What a secret value is replaced with.
pub const REDACTED: &str = "[redacted]";

/// The status recorded for a request that got no answer (a `drop` fault closed the connection).
pub const NO_ANSWER: u16 = 0;

/// Which fault rule answered an exchange, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FaultMark {
    /// The rule's id (as listed by `/api/faults`).
    #[ts(type = "number")]
    pub rule_id: u64,
    /// The rule's name.
    pub rule_name: String,
    /// What it did, in words: `answered 429 (Retry-After 1 s)`, `waited 800 ms`, `closed the
    /// connection without an answer`, `answered 500 after writing`, `answered as strict mode`.
    pub did: String,
    /// The userName (or group displayName) the rule saw, from the body, the stored resource or
    /// a lookup's filter: who the faulted request was about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub subject: Option<String>,
    /// Whether the app's handler ran and answered 2xx (its write, if any, happened): `true` for
    /// `afterWrite`, strict mode or a delay the app then answered; `false` when the rule answered
    /// instead of the app (a replay does not resend such a write).
    #[serde(default)]
    pub wrote: bool,
    /// `Retry-After` seconds it asked for, if any (to judge whether the IdP honoured it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub retry_after: Option<u32>,
}

/// One exchange, whole and redacted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Exchange {
    /// The listed fields.
    #[serde(flatten)]
    pub summary: ExchangeSummary,
    /// The peer address; behind a tunnel (a loopback peer naming the client in a header) the
    /// client it names, as `203.0.113.7 via 127.0.0.1:53412`.
    pub client_addr: Option<String>,
    /// Why the IdP was detected as it was, in words.
    pub idp_reason: String,
    /// Request headers in arrival order, secrets redacted.
    pub request_headers: Vec<(String, String)>,
    /// Request body as text (redacted, possibly truncated); `None` when empty.
    pub request_body: Option<String>,
    /// Whether the request body was cut at the capture cap.
    pub request_truncated: bool,
    /// Response headers.
    pub response_headers: Vec<(String, String)>,
    /// Response body as text (possibly truncated); `None` when empty.
    pub response_body: Option<String>,
    /// Whether the response body was cut at the capture cap.
    pub response_truncated: bool,
    /// What the Authorization header held.
    pub auth: AuthSummary,
    /// The resource before the write, for a diff.
    #[ts(type = "unknown")]
    pub before: Option<Value>,
    /// The resource after the write, for a diff.
    #[ts(type = "unknown")]
    pub after: Option<Value>,
}

/// A workspace's slug: the `<slug>` of its tenant URL `/w/<slug>/scim/v2` and of its admin routes
/// `/api/workspaces/<slug>/…`. Lowercase ASCII letters, digits and `-`, 1 to 40 characters,
/// starting with a letter or digit. `default` is the workspace `/scim/v2` serves.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(transparent)]
#[ts(type = "string")]
pub struct WorkspaceSlug(String);

/// The slug of the workspace every database has, served at `/scim/v2`.
pub const DEFAULT_WORKSPACE: &str = "default";

/// The longest slug accepted.
pub const MAX_SLUG_LEN: usize = 40;

/// Why a slug or a workspace name was refused (lowercase, names the value and the fix).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    /// Not a valid slug.
    #[error(
        "invalid workspace slug '{0}': use 1 to 40 lowercase letters, digits and '-', starting with a letter or digit (e.g. 'contoso-entra')"
    )]
    Invalid(String),
    /// A name with nothing to make a slug of.
    #[error(
        "the workspace name '{0}' has no letter or digit to make its slug of: use a name such as 'Contoso Entra'"
    )]
    EmptyName(String),
}

impl WorkspaceSlug {
    /// The `default` workspace's slug.
    pub fn default_slug() -> Self {
        Self(DEFAULT_WORKSPACE.to_owned())
    }
    /// Check `text` as a slug.
    pub fn parse(text: &str) -> Result<Self, SlugError> {
        let ok = !text.is_empty()
            && text.len() <= MAX_SLUG_LEN
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !text.starts_with('-');
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(SlugError::Invalid(text.chars().take(80).collect()))
        }
    }
    /// The slug of a workspace name: lower-cased, spaces (and any run of characters a slug
    /// cannot hold) as one `-`, cut to [`MAX_SLUG_LEN`]. `Contoso Entra` → `contoso-entra`.
    pub fn from_name(name: &str) -> Result<Self, SlugError> {
        let mut slug = String::new();
        for c in name.trim().chars().flat_map(char::to_lowercase) {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                slug.push(c);
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
        while slug.len() > MAX_SLUG_LEN || slug.ends_with('-') {
            slug.pop();
        }
        if slug.is_empty() {
            return Err(SlugError::EmptyName(name.chars().take(80).collect()));
        }
        Ok(Self(slug))
    }
    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Whether this is the `default` workspace.
    pub fn is_default(&self) -> bool {
        self.0 == DEFAULT_WORKSPACE
    }
    /// The path prefix of its SCIM routes: `/scim/v2` for `default`, else `/w/<slug>/scim/v2`.
    pub fn scim_base_path(&self) -> String {
        if self.is_default() {
            crate_scim_base().to_owned()
        } else {
            format!("/w/{}{}", self.0, crate_scim_base())
        }
    }
}

/// `/scim/v2` (the model is a leaf: the constant is repeated from `config`, a test keeps them equal).
const fn crate_scim_base() -> &'static str {
    "/scim/v2"
}

impl std::ops::Deref for WorkspaceSlug {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for WorkspaceSlug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A workspace as the directory of workspaces keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceRecord {
    /// Its slug (never changes: the IdP's tenant URL holds it).
    pub slug: WorkspaceSlug,
    /// Its name (renamable).
    pub name: String,
    /// When it was created (RFC 3339).
    pub created: String,
    /// The template it was created from (`entra-guide`, `okta-guide`), if any.
    pub template: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stored spelling (strum) is the JSON and TS spelling (serde) for every variant, and
    /// reads back as itself.
    #[test]
    fn stored_and_json_spellings_agree() {
        for idp in Idp::ALL {
            assert_eq!(
                serde_json::to_value(idp).unwrap(),
                Value::from(idp.as_str())
            );
            assert_eq!(Idp::parse(idp.as_str()), *idp);
        }
        for op in OperationKind::ALL {
            assert_eq!(serde_json::to_value(op).unwrap(), Value::from(op.as_str()));
            assert_eq!(OperationKind::parse(op.as_str()), *op);
        }
        assert_eq!(OperationKind::ALL.len(), 16);
        assert_eq!(Idp::parse("azure"), Idp::Other);
        assert_eq!(OperationKind::parse("bulk"), OperationKind::Rejected);
    }

    #[test]
    fn workspace_slugs_from_names_and_checked() {
        let slug = |n: &str| super::WorkspaceSlug::from_name(n).map(|s| s.to_string());
        assert_eq!(slug("Contoso Entra").unwrap(), "contoso-entra");
        assert_eq!(
            slug("  Fabrikam  — Okta (EU) ").unwrap(),
            "fabrikam-okta-eu"
        );
        assert_eq!(slug("ÉCOLE 42").unwrap(), "cole-42");
        assert!(slug("---").is_err() && slug("").is_err());
        assert_eq!(slug(&"a".repeat(60)).unwrap().len(), super::MAX_SLUG_LEN);
        assert!(super::WorkspaceSlug::parse("acme-1").is_ok());
        for bad in ["", "-acme", "Acme", "acme/x", "a b", &"a".repeat(41)] {
            assert!(super::WorkspaceSlug::parse(bad).is_err(), "{bad}");
        }
        let d = super::WorkspaceSlug::default_slug();
        assert_eq!(d.scim_base_path(), "/scim/v2");
        assert_eq!(
            super::WorkspaceSlug::parse("acme")
                .unwrap()
                .scim_base_path(),
            "/w/acme/scim/v2"
        );
    }
}
