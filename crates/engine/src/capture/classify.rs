//! Exchange classification: what a request was in its IdP's terms ([`classify`]); which IdP
//! sent it is [`super::idp`]'s job ([`detect_idp`], re-exported here).
//!
//! The capture layer calls these once per exchange with a [`RequestFacts`] it assembled from the
//! request, the response and the handler's [`ResourceChange`]. Both functions are pure (no I/O,
//! no clock, no state) so every rule is unit-tested below against the real Entra ID and Okta
//! shapes in `shared/reference/idp-traffic.md`.
//!
//! Detection is evidence-based and deliberately conservative: a claim such as "this came from
//! Entra" is shown to the admin next to the reason, so it must rest on something only that IdP
//! does. Quirk labels that a person with curl produces just as easily (`okta.unknown-attribute`,
//! `scim.*`, `auth.bare-token`, `entra.null-attribute`, `entra.client-sent-meta`, …) are never
//! used as evidence.

pub use super::idp::detect_idp;
use crate::model::{OperationKind, ResourceChange};
use scimlab_scim::filter::{AttrPath, CompValue, CompareOp, Filter, parse_filter};
use scimlab_scim::resource::get_ci;
use scimlab_scim::{Mode, Quirk, Quirks, ResourceKind};
use serde_json::{Map, Value};

/// Everything [`detect_idp`] and [`classify`] look at, borrowed from one captured exchange.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestFacts<'a> {
    /// HTTP method as received (`GET`, `POST`, …).
    pub method: &'a str,
    /// Path as received, e.g. `/scim/v2/Users/abc` (may lack the `/scim/v2` prefix on a 404).
    pub path: &'a str,
    /// Raw query string, still percent-encoded; `""` when there was none.
    pub query: &'a str,
    /// The `User-Agent` header, if any.
    pub user_agent: Option<&'a str>,
    /// The request body, when it parsed as JSON.
    pub request_json: Option<&'a Value>,
    /// Response status.
    pub status: u16,
    /// The response body, when it parsed as JSON.
    pub response_json: Option<&'a Value>,
    /// Quirk labels the SCIM core reported for the request.
    pub quirks: &'a [Quirk],
    /// The resource a handler touched (before/after rendered resources), if any.
    pub change: Option<&'a ResourceChange>,
}

/// What the exchange was, in the IdP's terms. Rules, in order:
///
/// - **Rejected** when the request never reached a handler: status 401, 405, 406, 411, 413, 414,
///   415, 431 or 501; a path that is not a SCIM route (outside `/scim/v2`, an unknown endpoint,
///   extra segments: the 404 fallback); a method the route does not serve; or a 400 to a
///   `POST`/`PUT`/`PATCH` whose body was not a JSON object (malformed JSON, empty body, an
///   array…), since such a body never reached a resource.
/// - Otherwise the kind says what the IdP *attempted*, whatever the outcome (the status shows
///   the outcome): a 404 for `GET /Users/{id}` of a missing user is still **Read**, a 409 on
///   `POST /Users` is still **Create**, a 412 on a PATCH that deactivates is still
///   **Deactivate**, a 400 to a filter lookup (strict mode) is still **MatchLookup**.
/// - `GET /Users`, `GET /Groups` (a list):
///   - **ConnectionProbe** for Entra's `filter=userName eq "<GUID>"` on `/Users`, and for
///     Okta's constant `startIndex=1&count=2` (`/Users`) and `startIndex=1&count=100`
///     (`/Groups`) with no other parameter;
///   - **MatchLookup** for a filter that is one `eq` comparison, or an `and` of `eq`
///     comparisons (Entra uses only `eq` and `and`), on at least one matching attribute:
///     `userName`, `externalId`, `id`, `displayName`, `emails` (also
///     `emails[type eq "work"].value eq "…"`);
///   - **ImportPage** without a filter; **Search** for any other filter (including one that
///     does not parse).
/// - `POST /Users/.search`, `POST /Groups/.search`, `POST /.search` → **Search**.
/// - `/ServiceProviderConfig(s)`, `/ResourceTypes[/{name}]`, `/Schemas[/{urn}]` → **Discovery**.
/// - `POST /Users` → **Create**; `POST /Groups` → **GroupCreate**.
/// - `GET /Users/{id}`, `GET /Groups/{id}` → **Read**.
/// - `PUT`/`PATCH /Users/{id}` with both `change.before` and `change.after`: **Deactivate** when
///   `active` goes from true or absent to false, **Reactivate** when it goes from false to true,
///   else **Update**. Without them (a failed write) the body decides: an operation (or, for a
///   `PUT` or a SCIM 1.1-style PATCH without `Operations`, the `active` attribute) setting
///   `active` to false or `"False"` → **Deactivate**; a PATCH whose only effect is setting
///   `active` to true → **Reactivate**; anything else → **Update** (a PUT always carries
///   `active: true`, so a failed PUT is never called a reactivation).
/// - `PUT`/`PATCH /Groups/{id}`: **GroupMembership** when the member ids differ between
///   `change.before` and `change.after`, or when the PATCH operations touch `members` (a path
///   starting with `members`, or a path-less value holding `members`); else **GroupUpdate**.
///   Without before/after, a PUT with a non-empty `members` list counts as membership (Okta's
///   AIW group push), any other PUT as an update.
/// - `DELETE /Users/{id}` → **Delete**; `DELETE /Groups/{id}` → **GroupDelete**.
pub fn classify(f: &RequestFacts) -> OperationKind {
    if matches!(
        f.status,
        401 | 405 | 406 | 411 | 413 | 414 | 415 | 431 | 501
    ) {
        return OperationKind::Rejected;
    }
    let Some(route) = Route::parse(f.path).filter(|r| r.served) else {
        return OperationKind::Rejected;
    };
    let method = f.method.to_ascii_uppercase();
    let has_body = matches!(method.as_str(), "POST" | "PUT" | "PATCH");
    if has_body && f.status == 400 && !f.request_json.is_some_and(Value::is_object) {
        return OperationKind::Rejected;
    }
    let get = is_get(&method);
    match route.target {
        Target::Discovery if get => OperationKind::Discovery,
        Target::Collection(kind) if get => match list_kind(kind, &query_params(f.query)) {
            ListKind::OktaProbe | ListKind::EntraProbe(_) => OperationKind::ConnectionProbe,
            ListKind::Match => OperationKind::MatchLookup,
            ListKind::Page => OperationKind::ImportPage,
            ListKind::Search => OperationKind::Search,
        },
        Target::Collection(ResourceKind::User) if method == "POST" => OperationKind::Create,
        Target::Collection(ResourceKind::Group) if method == "POST" => OperationKind::GroupCreate,
        Target::Search(_) if method == "POST" => OperationKind::Search,
        Target::One(_) if get => OperationKind::Read,
        Target::One(ResourceKind::User) if method == "DELETE" => OperationKind::Delete,
        Target::One(ResourceKind::Group) if method == "DELETE" => OperationKind::GroupDelete,
        Target::One(ResourceKind::User) if method == "PUT" || method == "PATCH" => {
            user_write(&method, f)
        }
        Target::One(ResourceKind::Group) if method == "PUT" || method == "PATCH" => {
            group_write(&method, f)
        }
        _ => OperationKind::Rejected,
    }
}

// ---------------------------------------------------------------------------------------------
// Routes and query strings

/// What a path addresses below the SCIM base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    /// `/Users`, `/Groups`
    Collection(ResourceKind),
    /// `/Users/.search`, `/Groups/.search`; `None` for `/.search` at the root (both types)
    Search(Option<ResourceKind>),
    /// `/Users/{id}`, `/Groups/{id}`
    One(ResourceKind),
    /// `/ServiceProviderConfig(s)`, `/ResourceTypes[/x]`, `/Schemas[/x]`
    Discovery,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Route {
    pub(super) target: Target,
    /// Whether the path is under `/scim/v2`, i.e. one the SCIM listener routes (as opposed to a
    /// recognisable endpoint under a wrong base URL, which was a 404).
    pub(super) served: bool,
}

impl Route {
    /// Parse a path the way the listener routes it: empty segments (`//`, a trailing `/`) are
    /// dropped as the path normaliser does; names are case-sensitive like the router's. Below a
    /// wrong base (`/Users`, `/scim/Users`, `/scim/v1/Users`) the first endpoint name found is
    /// used, with `served: false`.
    pub(super) fn parse(path: &str) -> Option<Self> {
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        if let ["scim", "v2", rest @ ..] = segs.as_slice() {
            return Self::target(rest).map(|target| Self {
                target,
                served: true,
            });
        }
        let start = segs.iter().position(|s| {
            matches!(
                *s,
                "Users"
                    | "Groups"
                    | "ServiceProviderConfig"
                    | "ServiceProviderConfigs"
                    | "ResourceTypes"
                    | "Schemas"
            )
        })?;
        Self::target(&segs[start..]).map(|target| Self {
            target,
            served: false,
        })
    }

    fn target(rest: &[&str]) -> Option<Target> {
        let kind = |s: &str| match s {
            "Users" => Some(ResourceKind::User),
            "Groups" => Some(ResourceKind::Group),
            _ => None,
        };
        match rest {
            [r] if kind(r).is_some() => kind(r).map(Target::Collection),
            [".search"] => Some(Target::Search(None)),
            [r, ".search"] => kind(r).map(|k| Target::Search(Some(k))),
            [r, _id] => kind(r)
                .map(Target::One)
                .or_else(|| matches!(*r, "ResourceTypes" | "Schemas").then_some(Target::Discovery)),
            ["ServiceProviderConfig" | "ServiceProviderConfigs" | "ResourceTypes" | "Schemas"] => {
                Some(Target::Discovery)
            }
            _ => None,
        }
    }
}

pub(super) fn is_get(method: &str) -> bool {
    method.eq_ignore_ascii_case("GET") || method.eq_ignore_ascii_case("HEAD")
}

/// Decoded query parameters in order (`+` is a space, as Entra's filters need).
pub(super) fn query_params(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.strip_prefix('?').unwrap_or(query).as_bytes())
        .into_owned()
        .collect()
}

fn param<'p>(params: &'p [(String, String)], name: &str) -> Option<&'p str> {
    params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

pub(super) fn excludes_members(params: &[(String, String)]) -> bool {
    params
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("excludedAttributes"))
        .flat_map(|(_, v)| v.split(','))
        .any(|a| a.trim().eq_ignore_ascii_case("members"))
}

// ---------------------------------------------------------------------------------------------
// Lists: probes, lookups, pages, searches

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ListKind {
    OktaProbe,
    EntraProbe(String),
    Match,
    Page,
    Search,
}

pub(super) fn list_kind(kind: ResourceKind, params: &[(String, String)]) -> ListKind {
    let Some(filter) = param(params, "filter") else {
        let probe_count = if kind == ResourceKind::User {
            "2"
        } else {
            "100"
        };
        let okta_probe = params.len() == 2
            && param(params, "startIndex") == Some("1")
            && param(params, "count") == Some(probe_count);
        return if okta_probe {
            ListKind::OktaProbe
        } else {
            ListKind::Page
        };
    };
    let Ok(parsed) = parse_filter(filter, kind, &mut Quirks::new(Mode::Tolerant)) else {
        return ListKind::Search;
    };
    if kind == ResourceKind::User
        && let Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: CompValue::Str(s),
        } = &parsed
        && is_core_attr(path, kind, "userName")
        && is_guid(s)
    {
        return ListKind::EntraProbe(s.clone());
    }
    if is_match_lookup(&parsed, kind) {
        ListKind::Match
    } else {
        ListKind::Search
    }
}

/// A core attribute named `name` (any case), with no sub-attribute.
fn is_core_attr(path: &AttrPath, kind: ResourceKind, name: &str) -> bool {
    path.sub.is_none()
        && path.name.eq_ignore_ascii_case(name)
        && path
            .urn
            .as_deref()
            .is_none_or(|u| u.eq_ignore_ascii_case(kind.schema()))
}

/// One `eq`, or an `and` of `eq`s, with at least one on a matching attribute.
fn is_match_lookup(filter: &Filter, kind: ResourceKind) -> bool {
    let mut terms = Vec::new();
    conjuncts(filter, &mut terms);
    let mut any_matching = false;
    for term in terms {
        match term {
            Filter::Compare {
                path,
                op: CompareOp::Eq,
                ..
            } => {
                let matching = ["userName", "externalId", "id", "displayName"]
                    .iter()
                    .any(|a| is_core_attr(path, kind, a))
                    || is_emails(path, kind)
                        && path
                            .sub
                            .as_deref()
                            .is_none_or(|s| s.eq_ignore_ascii_case("value"));
                any_matching |= matching;
            }
            // Microsoft's `emails[type eq "work"].value eq "…"` arrives as a value path.
            Filter::ValuePath { path, filter } if is_emails(path, kind) => {
                let mut inner = Vec::new();
                conjuncts(filter, &mut inner);
                let mut has_value = false;
                for t in inner {
                    let Filter::Compare {
                        path,
                        op: CompareOp::Eq,
                        ..
                    } = t
                    else {
                        return false;
                    };
                    has_value |= path.name.eq_ignore_ascii_case("value");
                }
                any_matching |= has_value;
            }
            _ => return false,
        }
    }
    any_matching
}

fn is_emails(path: &AttrPath, kind: ResourceKind) -> bool {
    path.name.eq_ignore_ascii_case("emails")
        && path
            .urn
            .as_deref()
            .is_none_or(|u| u.eq_ignore_ascii_case(kind.schema()))
}

fn conjuncts<'f>(filter: &'f Filter, out: &mut Vec<&'f Filter>) {
    if let Filter::And(a, b) = filter {
        conjuncts(a, out);
        conjuncts(b, out);
    } else {
        out.push(filter);
    }
}

/// `8-4-4-4-12` hexadecimal digits, as Entra's random probe value.
fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

// ---------------------------------------------------------------------------------------------
// Writes

/// `true`/`false`, also as the strings Entra sends (`"False"`, `"true"`).
fn boolish(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// `name` or a URN-qualified `urn:…:name` (any case).
fn names_attr(key: &str, name: &str) -> bool {
    let key = key.trim().as_bytes();
    let name = name.as_bytes();
    key.eq_ignore_ascii_case(name)
        || key.len() > name.len() + 4
            && key[..4].eq_ignore_ascii_case(b"urn:")
            && key[key.len() - name.len() - 1] == b':'
            && key[key.len() - name.len()..].eq_ignore_ascii_case(name)
}

/// One PATCH operation, loosely read.
pub(super) struct Op<'v> {
    pub(super) op: &'v str,
    pub(super) path: Option<&'v str>,
    pub(super) value: Option<&'v Value>,
}

/// The PATCH operations of a body, or `None` when it has no `Operations` array.
pub(super) fn operations(body: &Map<String, Value>) -> Option<Vec<Op<'_>>> {
    let ops = get_ci(body, "Operations")?.as_array()?;
    Some(
        ops.iter()
            .filter_map(Value::as_object)
            .map(|o| Op {
                op: get_ci(o, "op").and_then(Value::as_str).unwrap_or(""),
                path: get_ci(o, "path")
                    .and_then(Value::as_str)
                    .filter(|p| !p.trim().is_empty()),
                value: get_ci(o, "value"),
            })
            .collect(),
    )
}

fn active_of(resource: &Value) -> Option<bool> {
    resource
        .as_object()
        .and_then(|m| get_ci(m, "active"))
        .and_then(boolish)
}

fn user_write(method: &str, f: &RequestFacts) -> OperationKind {
    if let Some(c) = f.change
        && let (Some(before), Some(after)) = (&c.before, &c.after)
    {
        return match (active_of(before), active_of(after)) {
            (b, Some(false)) if b != Some(false) => OperationKind::Deactivate,
            (Some(false), Some(true)) => OperationKind::Reactivate,
            _ => OperationKind::Update,
        };
    }
    let Some(body) = f.request_json.and_then(Value::as_object) else {
        return OperationKind::Update;
    };
    // (the value `active` is set to, whether nothing but `active` is touched)
    let (active, only_active) = match operations(body) {
        Some(ops) if method == "PATCH" => {
            let mut active = None;
            let mut only_active = !ops.is_empty();
            for op in ops {
                let setting = matches!(op.op.to_ascii_lowercase().as_str(), "add" | "replace");
                match (op.path, op.value) {
                    (Some(p), v) if names_attr(p, "active") => {
                        if setting && let Some(b) = v.and_then(boolish) {
                            active = Some(b);
                        }
                    }
                    (None, Some(Value::Object(m))) if setting => {
                        for (k, v) in m {
                            if names_attr(k, "active") {
                                active = boolish(v).or(active);
                            } else {
                                only_active = false;
                            }
                        }
                    }
                    _ => only_active = false,
                }
            }
            (active, only_active)
        }
        // PUT, or Okta's SCIM 1.1 PATCH carrying a partial resource.
        _ => {
            let only_active = method == "PATCH"
                && body.keys().all(|k| {
                    ["schemas", "id", "active", "meta"]
                        .iter()
                        .any(|n| k.eq_ignore_ascii_case(n))
                });
            (get_ci(body, "active").and_then(boolish), only_active)
        }
    };
    match active {
        Some(false) => OperationKind::Deactivate,
        Some(true) if only_active => OperationKind::Reactivate,
        _ => OperationKind::Update,
    }
}

/// Member ids of a rendered group, sorted.
fn member_ids(group: &Value) -> Vec<&str> {
    let mut ids: Vec<&str> = group
        .as_object()
        .and_then(|m| get_ci(m, "members"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|m| m.as_object().and_then(|o| get_ci(o, "value")))
                .filter_map(Value::as_str)
                .collect()
        })
        .unwrap_or_default();
    ids.sort_unstable();
    ids
}

/// Whether a group PATCH's operations touch `members`.
fn ops_touch_members(body: Option<&Value>) -> bool {
    let Some(ops) = body.and_then(Value::as_object).and_then(operations) else {
        return false;
    };
    ops.iter().any(|op| match (op.path, op.value) {
        (Some(p), _) => p
            .trim()
            .get(..7)
            .is_some_and(|h| h.eq_ignore_ascii_case("members")),
        (None, Some(Value::Object(m))) => get_ci(m, "members").is_some(),
        _ => false,
    })
}

fn group_write(method: &str, f: &RequestFacts) -> OperationKind {
    let patch = method == "PATCH";
    if let Some(c) = f.change
        && let (Some(before), Some(after)) = (&c.before, &c.after)
    {
        return if member_ids(before) != member_ids(after)
            || patch && ops_touch_members(f.request_json)
        {
            OperationKind::GroupMembership
        } else {
            OperationKind::GroupUpdate
        };
    }
    let body = f.request_json.and_then(Value::as_object);
    let touches = if body.is_some_and(|b| operations(b).is_some()) {
        ops_touch_members(f.request_json)
    } else {
        // PUT (or a SCIM 1.1 PATCH): a non-empty member list is Okta pushing membership.
        body.and_then(|b| get_ci(b, "members"))
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
    };
    if touches {
        OperationKind::GroupMembership
    } else {
        OperationKind::GroupUpdate
    }
}

// ---------------------------------------------------------------------------------------------
// Detection helpers

#[cfg(test)]
mod tests;
