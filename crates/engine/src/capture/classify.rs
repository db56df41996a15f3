//! Exchange classification: which identity provider sent a request ([`detect_idp`]) and what the
//! request was in that IdP's terms ([`classify`]).
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

use crate::model::{Idp, OperationKind, ResourceChange};
use scimlab_scim::filter::{AttrPath, CompValue, CompareOp, Filter, parse_filter};
use scimlab_scim::resource::get_ci;
use scimlab_scim::schema::MICROSOFT_GROUP_SCHEMA;
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

/// Quirks that, as far as `idp-traffic.md` §11 knows, only Microsoft Entra ID produces. Anything
/// not listed here (including other `entra.*` labels such as `entra.null-attribute`) is shared
/// with hand-written requests and proves nothing about the sender.
const ENTRA_ONLY_QUIRKS: &[Quirk] = &[
    Quirk::CapitalizedOp,
    Quirk::StringBoolean,
    Quirk::AadOptFlag,
    Quirk::MicrosoftGroupSchema,
    Quirk::RemoveByValueList,
    Quirk::PathlessDottedKey,
    Quirk::PathlessUrnKey,
    Quirk::ManagerAsString,
    Quirk::JsonInString,
];

/// Longest User-Agent (in characters) quoted in a reason.
const MAX_QUOTED_CHARS: usize = 120;

/// Which IdP sent this request, with the reason in words for the admin; `None` when nothing
/// distinguishes the sender (the caller then records [`Idp::Other`]).
///
/// Evidence is checked strongest first and the first hit wins:
///
/// 1. **User-Agent.** `Okta SCIM Client …` or `OKTA SCIM Integration` (any case) → Okta; one
///    containing `Microsoft`, `Azure` (any case), `AAD`, or `Entra` (capitalised, or as a word
///    in any case, so `Central` does not count) → Entra.
/// 2. **Entra-only quirk labels** (capitalised `op`, string booleans, the `aadOptscim062020`
///    flag, the Microsoft group schema, removal by value list, path-less dotted or URN keys,
///    manager as a string, JSON inside a string), the first one in the order the SCIM core
///    reported them → Entra. The reason quotes the request where it can (`patch op written
///    'Replace' (entra.capitalized-op)`).
/// 3. **Okta shapes:** `okta.string-name` (the vendor guide's Profile Editor `name` in the core
///    namespace); `okta.password-sent` (Okta sends a random password on every create);
///    `okta.pathless-value` whose operation is a lowercase `replace` of `active`
///    (`{"op":"replace","value":{"active":false}}`) → Okta.
/// 4. **Okta's constant connection tests**: `GET /Users?startIndex=1&count=2` and
///    `GET /Groups?startIndex=1&count=100`, exactly those two parameters → Okta.
/// 5. **Entra's shapes:** the Test Connection probe `userName eq "<random GUID>"` on `/Users`,
///    and `excludedAttributes=members` on a group read → Entra.
///
/// Detection ignores the response status, so Okta's probe that got a 401 or a 404 (a wrong base
/// URL) is still attributed to Okta: that is exactly when the admin needs to know.
pub fn detect_idp(f: &RequestFacts) -> Option<(Idp, String)> {
    if let Some(ua) = f.user_agent
        && let Some(idp) = idp_from_user_agent(ua)
    {
        return Some((idp, format!("user-agent says '{}'", quote(ua))));
    }
    if let Some(q) = f.quirks.iter().find(|q| ENTRA_ONLY_QUIRKS.contains(q)) {
        return Some((Idp::Entra, entra_quirk_reason(*q, f.request_json)));
    }
    if f.quirks.contains(&Quirk::StringName) {
        return Some((
            Idp::Okta,
            "'name' arrived as a string, as okta sends a profile editor attribute 'name' in the core namespace (okta.string-name)"
                .to_owned(),
        ));
    }
    if f.quirks.contains(&Quirk::PasswordSent) {
        return Some((
            Idp::Okta,
            "a password was sent on a write, as okta does on every create (okta.password-sent)"
                .to_owned(),
        ));
    }
    if f.quirks.contains(&Quirk::PathlessValue)
        && let Some(active) = okta_pathless_active(f.request_json)
    {
        return Some((
            Idp::Okta,
            format!(
                "path-less patch {{\"op\":\"replace\",\"value\":{{\"active\":{active}}}}} is okta's (de)activation shape (okta.pathless-value)"
            ),
        ));
    }
    let route = Route::parse(f.path)?;
    if !is_get(f.method) {
        return None;
    }
    let params = query_params(f.query);
    if let Target::Collection(kind) = route.target {
        match list_kind(kind, &params) {
            ListKind::OktaProbe => {
                let count = if kind == ResourceKind::User { 2 } else { 100 };
                return Some((
                    Idp::Okta,
                    format!(
                        "get {}?startIndex=1&count={count} without a filter is okta's constant test-connection call",
                        kind.endpoint()
                    ),
                ));
            }
            ListKind::EntraProbe(guid) => {
                return Some((
                    Idp::Entra,
                    format!(
                        "filter userName eq \"{guid}\" (a random guid) is entra's test-connection probe"
                    ),
                ));
            }
            _ => {}
        }
    }
    let group_read = matches!(
        route.target,
        Target::Collection(ResourceKind::Group) | Target::One(ResourceKind::Group)
    );
    if group_read && excludes_members(&params) {
        return Some((
            Idp::Entra,
            "excludedAttributes=members on a group read, as entra reads every group".to_owned(),
        ));
    }
    None
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
enum Target {
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
struct Route {
    target: Target,
    /// Whether the path is under `/scim/v2`, i.e. one the SCIM listener routes (as opposed to a
    /// recognisable endpoint under a wrong base URL, which was a 404).
    served: bool,
}

impl Route {
    /// Parse a path the way the listener routes it: empty segments (`//`, a trailing `/`) are
    /// dropped as the path normaliser does; names are case-sensitive like the router's. Below a
    /// wrong base (`/Users`, `/scim/Users`, `/scim/v1/Users`) the first endpoint name found is
    /// used, with `served: false`.
    fn parse(path: &str) -> Option<Self> {
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

fn is_get(method: &str) -> bool {
    method.eq_ignore_ascii_case("GET") || method.eq_ignore_ascii_case("HEAD")
}

/// Decoded query parameters in order (`+` is a space, as Entra's filters need).
fn query_params(query: &str) -> Vec<(String, String)> {
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

fn excludes_members(params: &[(String, String)]) -> bool {
    params
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("excludedAttributes"))
        .flat_map(|(_, v)| v.split(','))
        .any(|a| a.trim().eq_ignore_ascii_case("members"))
}

// ---------------------------------------------------------------------------------------------
// Lists: probes, lookups, pages, searches

#[derive(Debug, Clone, PartialEq, Eq)]
enum ListKind {
    OktaProbe,
    EntraProbe(String),
    Match,
    Page,
    Search,
}

fn list_kind(kind: ResourceKind, params: &[(String, String)]) -> ListKind {
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
struct Op<'v> {
    op: &'v str,
    path: Option<&'v str>,
    value: Option<&'v Value>,
}

/// The PATCH operations of a body, or `None` when it has no `Operations` array.
fn operations(body: &Map<String, Value>) -> Option<Vec<Op<'_>>> {
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

fn idp_from_user_agent(ua: &str) -> Option<Idp> {
    let lower = ua.to_ascii_lowercase();
    if lower.contains("okta scim client") || lower.contains("okta scim integration") {
        return Some(Idp::Okta);
    }
    let entra = lower.contains("microsoft")
        || lower.contains("azure")
        || ua.contains("AAD")
        || ua.contains("Entra")
        || contains_word(&lower, "entra");
    entra.then_some(Idp::Entra)
}

/// `needle` (lowercase) in `hay` (lowercase) not preceded or followed by an ASCII letter.
fn contains_word(hay: &str, needle: &str) -> bool {
    hay.match_indices(needle).any(|(i, _)| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + needle.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphabetic())
            && !after.is_some_and(|c| c.is_ascii_alphabetic())
    })
}

/// A header value shortened and stripped of control characters, for quoting in a reason.
fn quote(s: &str) -> String {
    let mut out: String = s
        .trim()
        .chars()
        .take(MAX_QUOTED_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if s.trim().chars().count() > MAX_QUOTED_CHARS {
        out.push('…');
    }
    out
}

/// The `active` value of Okta's `{"op":"replace","value":{"active":…}}` (lowercase op,
/// no path), if the body has such an operation.
fn okta_pathless_active(body: Option<&Value>) -> Option<bool> {
    let ops = operations(body?.as_object()?)?;
    ops.iter().find_map(|op| match (op.op, op.path, op.value) {
        ("replace", None, Some(Value::Object(m))) => m
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("active"))
            .and_then(|(_, v)| v.as_bool()),
        _ => None,
    })
}

fn entra_quirk_reason(q: Quirk, body: Option<&Value>) -> String {
    let label = q.label();
    let ops = body
        .and_then(Value::as_object)
        .and_then(operations)
        .unwrap_or_default();
    let pathless_key = |pred: &dyn Fn(&str) -> bool| {
        ops.iter()
            .filter(|op| op.path.is_none())
            .filter_map(|op| op.value.and_then(Value::as_object))
            .flat_map(|m| m.keys())
            .find(|k| pred(k))
            .cloned()
    };
    let evidence = match q {
        Quirk::CapitalizedOp => ops
            .iter()
            .find(|op| op.op.chars().next().is_some_and(char::is_uppercase))
            .map(|op| format!("patch op written '{}'", quote(op.op))),
        Quirk::StringBoolean => string_boolean(body, &ops),
        Quirk::AadOptFlag => {
            Some("the tenant url carries entra's aadOptscim062020 flag".to_owned())
        }
        Quirk::MicrosoftGroupSchema => Some(format!(
            "schemas lists microsoft's group urn '{MICROSOFT_GROUP_SCHEMA}'"
        )),
        Quirk::RemoveByValueList => {
            Some("members removed by a value list instead of a filter path".to_owned())
        }
        Quirk::PathlessDottedKey => {
            pathless_key(&|k| k.contains('.') && !k.to_ascii_lowercase().starts_with("urn:"))
                .map(|k| format!("path-less patch value uses the dotted key '{}'", quote(&k)))
        }
        Quirk::PathlessUrnKey => {
            pathless_key(&|k| k.to_ascii_lowercase().starts_with("urn:")).map(|k| {
                format!(
                    "path-less patch value uses the urn-qualified key '{}'",
                    quote(&k)
                )
            })
        }
        Quirk::ManagerAsString => Some("manager sent as a bare id string".to_owned()),
        Quirk::JsonInString => Some(
            "a patch value is a json document inside a string, as entra sends app roles".to_owned(),
        ),
        _ => None,
    };
    let evidence =
        evidence.unwrap_or_else(|| q.summary().to_lowercase().trim_end_matches('.').to_owned());
    format!("{evidence} ({label})")
}

/// Where a boolean was written as a string: `'active' sent as the string "False"`.
fn string_boolean(body: Option<&Value>, ops: &[Op<'_>]) -> Option<String> {
    let as_sb = |v: &Value| {
        v.as_str()
            .filter(|s| s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false"))
            .map(str::to_owned)
    };
    let found =
        |key: &str, s: &str| format!("'{}' sent as the string \"{}\"", quote(key), quote(s));
    for op in ops {
        match (op.path, op.value) {
            (Some(p), Some(v)) if as_sb(v).is_some() => {
                return as_sb(v).map(|s| found(p, &s));
            }
            (_, Some(Value::Object(m))) => {
                if let Some((k, s)) = m.iter().find_map(|(k, v)| as_sb(v).map(|s| (k, s))) {
                    return Some(found(k, &s));
                }
            }
            _ => {}
        }
    }
    body?
        .as_object()?
        .iter()
        .find_map(|(k, v)| as_sb(v).map(|s| found(k, &s)))
}

#[cfg(test)]
mod tests;
