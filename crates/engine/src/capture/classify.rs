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
mod tests {
    use super::*;
    use serde_json::json;

    const OKTA_UA: &str = "Okta SCIM Client 1.0.0";
    const GUID: &str = "cf4d78e8-cc4f-4d5d-b8b9-183561c0104a";

    /// A 200 exchange for `method` on `target` (path and query).
    fn req<'a>(method: &'a str, target: &'a str) -> RequestFacts<'a> {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        RequestFacts {
            method,
            path,
            query,
            status: 200,
            ..RequestFacts::default()
        }
    }

    fn change(before: Option<Value>, after: Option<Value>) -> ResourceChange {
        ResourceChange {
            resource_type: scimlab_scim::ResourceKind::User,
            id: "u1".into(),
            name: Some("alice".into()),
            before,
            after,
        }
    }

    fn user(active: bool) -> Value {
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "u1",
               "userName": "alice@contoso.com", "active": active})
    }

    fn group(name: &str, members: &[&str]) -> Value {
        let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
        json!({"id": "g1", "displayName": name, "members": members})
    }

    fn patch(ops: Value) -> Value {
        let mut body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]});
        body["Operations"] = ops;
        body
    }

    fn idp(f: &RequestFacts) -> Option<Idp> {
        detect_idp(f).map(|(i, _)| i)
    }

    fn reason(f: &RequestFacts) -> String {
        detect_idp(f).expect("an idp").1
    }

    // --- connection probes ------------------------------------------------------------------

    #[test]
    fn entra_guid_probe_is_a_connection_probe_from_entra() {
        let target = format!("/scim/v2/Users?filter=userName+eq+%22{GUID}%22");
        let f = RequestFacts {
            quirks: &[Quirk::PlusEncodedFilter],
            ..req("GET", &target)
        };
        assert_eq!(classify(&f), OperationKind::ConnectionProbe);
        let (who, why) = detect_idp(&f).unwrap();
        assert_eq!(who, Idp::Entra);
        assert!(why.contains(GUID) && why.contains("probe"), "{why}");
        // Percent-encoded spaces are the same probe.
        let target = format!("/scim/v2/Users?filter=userName%20eq%20%22{GUID}%22");
        assert_eq!(
            classify(&req("GET", &target)),
            OperationKind::ConnectionProbe
        );
    }

    #[test]
    fn a_guid_inside_a_username_is_a_match_lookup_not_a_probe() {
        let f = req(
            "GET",
            "/scim/v2/Users?filter=userName%20eq%20%22Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee%22",
        );
        assert_eq!(classify(&f), OperationKind::MatchLookup);
        assert_eq!(idp(&f), None);
        // A GUID externalId is Entra matching on objectId, not the probe.
        let target = format!("/scim/v2/Users?filter=externalId+eq+%22{GUID}%22");
        assert_eq!(classify(&req("GET", &target)), OperationKind::MatchLookup);
        assert_eq!(idp(&req("GET", &target)), None);
    }

    #[test]
    fn entra_probe_answered_401_is_rejected_but_still_entra() {
        let target = format!("/scim/v2/Users?filter=userName+eq+%22{GUID}%22");
        let f = RequestFacts {
            status: 401,
            ..req("GET", &target)
        };
        assert_eq!(classify(&f), OperationKind::Rejected);
        assert_eq!(idp(&f), Some(Idp::Entra));
    }

    #[test]
    fn okta_count_2_probe() {
        let f = RequestFacts {
            user_agent: Some(OKTA_UA),
            ..req("GET", "/scim/v2/Users?startIndex=1&count=2")
        };
        assert_eq!(classify(&f), OperationKind::ConnectionProbe);
        assert_eq!(reason(&f), "user-agent says 'Okta SCIM Client 1.0.0'");
        // Without the user-agent the constant parameters still give Okta away.
        let f = req("GET", "/scim/v2/Users?count=2&startIndex=1");
        assert_eq!(classify(&f), OperationKind::ConnectionProbe);
        assert_eq!(idp(&f), Some(Idp::Okta));
        assert!(reason(&f).contains("count=2"), "{}", reason(&f));
    }

    #[test]
    fn okta_groups_probe_and_near_misses() {
        let f = req("GET", "/scim/v2/Groups?startIndex=1&count=100");
        assert_eq!(classify(&f), OperationKind::ConnectionProbe);
        assert_eq!(idp(&f), Some(Idp::Okta));
        // count=2 on Groups, count=100 on Users, an extra parameter, a later page: plain pages.
        for target in [
            "/scim/v2/Groups?startIndex=1&count=2",
            "/scim/v2/Users?startIndex=1&count=100",
            "/scim/v2/Users?startIndex=1&count=2&attributes=userName",
            "/scim/v2/Users?startIndex=3&count=2",
        ] {
            let f = req("GET", target);
            assert_eq!(classify(&f), OperationKind::ImportPage, "{target}");
            assert_eq!(idp(&f), None, "{target}");
        }
    }

    #[test]
    fn okta_probe_on_a_wrong_base_url_is_rejected_but_okta() {
        let f = RequestFacts {
            status: 404,
            ..req("GET", "/Users?startIndex=1&count=2")
        };
        assert_eq!(classify(&f), OperationKind::Rejected);
        assert_eq!(idp(&f), Some(Idp::Okta));
        let f = RequestFacts {
            status: 404,
            ..req("GET", "/scim/v1/Users?startIndex=1&count=2")
        };
        assert_eq!(classify(&f), OperationKind::Rejected);
        assert_eq!(idp(&f), Some(Idp::Okta));
    }

    // --- lookups, searches, pages, discovery ------------------------------------------------

    #[test]
    fn match_lookups_from_both_idps() {
        for target in [
            // Okta (§3), with its startIndex/count.
            "/scim/v2/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100",
            // Entra's unquoted externalId (§3).
            "/scim/v2/Users?filter=externalId+eq+jyoung",
            // Entra's email match form.
            "/scim/v2/Users?filter=emails%5Btype%20eq%20%22work%22%5D.value%20eq%20%22a%40contoso.com%22",
            "/scim/v2/Users?filter=emails.value%20eq%20%22a%40contoso.com%22",
            "/scim/v2/Users?filter=id%20eq%20%22abc%22",
            // Entra's manager check: id and manager ANDed.
            "/scim/v2/Users?filter=id%20eq%20%22abc%22%20and%20manager%20eq%20%22def%22",
            // The core URN spelled out.
            "/scim/v2/Users?filter=urn%3Aietf%3Aparams%3Ascim%3Aschemas%3Acore%3A2.0%3AUser%3AuserName%20eq%20%22x%22",
        ] {
            assert_eq!(
                classify(&req("GET", target)),
                OperationKind::MatchLookup,
                "{target}"
            );
        }
    }

    #[test]
    fn entra_group_lookup_excluding_members() {
        let f = req(
            "GET",
            "/scim/v2/Groups?excludedAttributes=members&filter=displayName+eq+%22Finance%22",
        );
        assert_eq!(classify(&f), OperationKind::MatchLookup);
        let (who, why) = detect_idp(&f).unwrap();
        assert_eq!(who, Idp::Entra);
        assert!(why.contains("excludedAttributes=members"), "{why}");
        // Also on a read by id.
        let f = req("GET", "/scim/v2/Groups/g1?excludedAttributes=members");
        assert_eq!(classify(&f), OperationKind::Read);
        assert_eq!(idp(&f), Some(Idp::Entra));
        // But not on users.
        assert_eq!(
            idp(&req("GET", "/scim/v2/Users/u1?excludedAttributes=members")),
            None
        );
    }

    #[test]
    fn other_filters_and_search_requests_are_searches() {
        for target in [
            "/scim/v2/Users?filter=userName%20sw%20%22a%22",
            "/scim/v2/Users?filter=userName%20eq%20%22a%22%20or%20userName%20eq%20%22b%22",
            "/scim/v2/Users?filter=active%20eq%20true",
            "/scim/v2/Groups?filter=members%5Bvalue%20eq%20%22u2%22%5D",
            "/scim/v2/Users?filter=userName%20eq",
            "/scim/v2/Users?filter=",
        ] {
            assert_eq!(
                classify(&req("GET", target)),
                OperationKind::Search,
                "{target}"
            );
        }
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                          "filter": "userName eq \"a\""});
        let f = RequestFacts {
            request_json: Some(&body),
            ..req("POST", "/scim/v2/Users/.search")
        };
        assert_eq!(classify(&f), OperationKind::Search);
        let root = RequestFacts {
            request_json: Some(&body),
            ..req("POST", "/scim/v2/.search")
        };
        assert_eq!(classify(&root), OperationKind::Search);
        assert_eq!(
            classify(&req("GET", "/scim/v2/Users/.search")),
            OperationKind::Rejected
        );
    }

    #[test]
    fn unfiltered_lists_are_import_pages() {
        for target in [
            "/scim/v2/Users",
            "/scim/v2/Users/",
            "/scim/v2/Users?startIndex=101&count=100",
            "/scim/v2/Groups?startIndex=1&count=100&attributes=displayName",
            "/scim/v2//Users?count=0",
        ] {
            assert_eq!(
                classify(&req("GET", target)),
                OperationKind::ImportPage,
                "{target}"
            );
        }
        assert_eq!(
            classify(&req("HEAD", "/scim/v2/Users")),
            OperationKind::ImportPage
        );
    }

    #[test]
    fn discovery_endpoints() {
        for target in [
            "/scim/v2/ServiceProviderConfig",
            "/scim/v2/ServiceProviderConfigs",
            "/scim/v2/ResourceTypes",
            "/scim/v2/ResourceTypes/User",
            "/scim/v2/Schemas",
            "/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
        ] {
            let f = req("GET", target);
            assert_eq!(classify(&f), OperationKind::Discovery, "{target}");
            assert_eq!(idp(&f), None);
        }
        assert_eq!(
            classify(&req("POST", "/scim/v2/Schemas")),
            OperationKind::Rejected
        );
    }

    // --- rejections ---------------------------------------------------------------------------

    #[test]
    fn refused_requests_are_rejected() {
        let status = |s: u16, m: &'static str, t: &'static str| {
            classify(&RequestFacts {
                status: s,
                ..req(m, t)
            })
        };
        assert_eq!(
            status(401, "GET", "/scim/v2/Users"),
            OperationKind::Rejected
        );
        assert_eq!(
            status(401, "POST", "/scim/v2/Users"),
            OperationKind::Rejected
        );
        assert_eq!(status(404, "GET", "/scim/v2/Foo"), OperationKind::Rejected);
        assert_eq!(
            status(404, "GET", "/scim/v2/users"),
            OperationKind::Rejected
        );
        assert_eq!(status(404, "GET", "/Users"), OperationKind::Rejected);
        assert_eq!(status(404, "GET", "/"), OperationKind::Rejected);
        assert_eq!(
            status(404, "GET", "/scim/v2/Users/a/b"),
            OperationKind::Rejected
        );
        assert_eq!(
            status(405, "DELETE", "/scim/v2/Users"),
            OperationKind::Rejected
        );
        assert_eq!(
            status(413, "POST", "/scim/v2/Users"),
            OperationKind::Rejected
        );
        assert_eq!(
            status(415, "PATCH", "/scim/v2/Users/u1"),
            OperationKind::Rejected
        );
        assert_eq!(status(501, "GET", "/scim/v2/Me"), OperationKind::Rejected);
        // A method the route does not serve, whatever the status said.
        assert_eq!(
            status(200, "PATCH", "/scim/v2/Users"),
            OperationKind::Rejected
        );
        assert_eq!(
            status(200, "OPTIONS", "/scim/v2/Users/u1"),
            OperationKind::Rejected
        );
    }

    #[test]
    fn malformed_body_400_is_rejected_but_a_failed_write_keeps_its_kind() {
        // Malformed JSON: the capture layer has no request_json.
        let f = RequestFacts {
            status: 400,
            ..req("POST", "/scim/v2/Users")
        };
        assert_eq!(classify(&f), OperationKind::Rejected);
        let not_object = json!(["x"]);
        let f = RequestFacts {
            status: 400,
            request_json: Some(&not_object),
            ..req("PATCH", "/scim/v2/Users/u1")
        };
        assert_eq!(classify(&f), OperationKind::Rejected);
        // A parsed body that the handler refused is still the write it attempted.
        let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]});
        let f = RequestFacts {
            status: 400,
            request_json: Some(&body),
            ..req("POST", "/scim/v2/Users")
        };
        assert_eq!(classify(&f), OperationKind::Create);
    }

    #[test]
    fn missing_resources_keep_their_kind() {
        let f = RequestFacts {
            status: 404,
            ..req("GET", "/scim/v2/Users/nope")
        };
        assert_eq!(classify(&f), OperationKind::Read);
        let body = patch(json!([{"op": "Replace", "path": "active", "value": "False"}]));
        let f = RequestFacts {
            status: 404,
            request_json: Some(&body),
            ..req("PATCH", "/scim/v2/Users/nope")
        };
        assert_eq!(classify(&f), OperationKind::Deactivate);
        let f = RequestFacts {
            status: 404,
            ..req("DELETE", "/scim/v2/Groups/nope")
        };
        assert_eq!(classify(&f), OperationKind::GroupDelete);
    }

    // --- creates --------------------------------------------------------------------------------

    #[test]
    fn entra_create_is_a_create_with_no_distinctive_evidence() {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            "userName": "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
            "active": true,
            "emails": [{"primary": true, "type": "work", "value": "Test_User_11bb@testuser.com"}],
            "meta": {"resourceType": "User"},
            "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
            "roles": [],
            "title": null
        });
        let f = RequestFacts {
            status: 201,
            request_json: Some(&body),
            quirks: &[
                Quirk::ClientSentMeta,
                Quirk::NullAttribute,
                Quirk::ExtensionNotInSchemas,
            ],
            ..req("POST", "/scim/v2/Users")
        };
        assert_eq!(classify(&f), OperationKind::Create);
        // Client-sent meta and nulls are what a curl user sends too: no claim.
        assert_eq!(idp(&f), None);
        // A 409 is still the create that was attempted.
        let f = RequestFacts { status: 409, ..f };
        assert_eq!(classify(&f), OperationKind::Create);
    }

    #[test]
    fn okta_create_with_password() {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "test.user@okta.local",
            "name": {"givenName": "Test", "familyName": "User"},
            "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
            "displayName": "Test User", "locale": "en-US", "externalId": "00ujl29u0le5T6Aj10h7",
            "groups": [], "password": "1mz050nq", "active": true
        });
        let f = RequestFacts {
            status: 201,
            request_json: Some(&body),
            quirks: &[Quirk::PasswordSent, Quirk::PutEchoesReadOnly],
            ..req("POST", "/scim/v2/Users")
        };
        assert_eq!(classify(&f), OperationKind::Create);
        let (who, why) = detect_idp(&f).unwrap();
        assert_eq!(who, Idp::Okta);
        assert!(why.contains("okta.password-sent"), "{why}");
        assert!(!why.contains("1mz050nq"));
        // The vendor guide's Okta create: no password, no user-agent match, `name` a string.
        let guide = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "ada@example.com", "active": true, "email": "ada@example.com",
            "name": "Ada Lovelace", "role": "Admin"});
        let g = RequestFacts {
            status: 201,
            request_json: Some(&guide),
            quirks: &[Quirk::StringName, Quirk::UnknownAttribute],
            ..req("POST", "/scim/v2/Users")
        };
        let (who, why) = detect_idp(&g).unwrap();
        assert_eq!(who, Idp::Okta);
        assert!(why.contains("okta.string-name"), "{why}");
        let f = RequestFacts {
            user_agent: Some(OKTA_UA),
            ..f
        };
        assert!(reason(&f).starts_with("user-agent says"));
    }

    #[test]
    fn entra_group_create_with_the_microsoft_schema() {
        let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group",
            "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
            "externalId": "8aa1a0c0", "displayName": "Finance", "meta": {"resourceType": "Group"}});
        let f = RequestFacts {
            status: 201,
            request_json: Some(&body),
            quirks: &[Quirk::ClientSentMeta, Quirk::MicrosoftGroupSchema],
            ..req("POST", "/scim/v2/Groups")
        };
        assert_eq!(classify(&f), OperationKind::GroupCreate);
        let (who, why) = detect_idp(&f).unwrap();
        assert_eq!(who, Idp::Entra);
        assert!(why.contains("entra.microsoft-group-schema"), "{why}");
        assert!(why.contains("ADSCIM"), "{why}");
    }

    // --- user updates, (de|re)activation ------------------------------------------------------

    #[test]
    fn entra_deactivate_with_string_false() {
        let body = patch(json!([{"op": "Replace", "path": "active", "value": "False"}]));
        let ch = change(Some(user(true)), Some(user(false)));
        let f = RequestFacts {
            request_json: Some(&body),
            quirks: &[Quirk::CapitalizedOp, Quirk::StringBoolean],
            change: Some(&ch),
            ..req("PATCH", "/scim/v2/Users/u1")
        };
        assert_eq!(classify(&f), OperationKind::Deactivate);
        assert_eq!(
            detect_idp(&f),
            Some((
                Idp::Entra,
                "patch op written 'Replace' (entra.capitalized-op)".to_owned()
            ))
        );
        // The string boolean alone is evidence too, quoted.
        let f = RequestFacts {
            quirks: &[Quirk::StringBoolean],
            ..f
        };
        assert_eq!(
            reason(&f),
            "'active' sent as the string \"False\" (entra.string-boolean)"
        );
        // Failed (no change recorded): the body decides.
        let f = RequestFacts {
            status: 500,
            change: None,
            ..f
        };
        assert_eq!(classify(&f), OperationKind::Deactivate);
    }

    #[test]
    fn entra_flag_deactivate_with_a_real_boolean() {
        let body = patch(json!([{"op": "replace", "path": "active", "value": false}]));
        let f = RequestFacts {
            status: 412,
            request_json: Some(&body),
            quirks: &[Quirk::AadOptFlag],
            ..req("PATCH", "/scim/v2/Users/u1?aadOptscim062020")
        };
        assert_eq!(classify(&f), OperationKind::Deactivate);
        assert!(reason(&f).contains("aadOptscim062020"));
    }

    #[test]
    fn okta_put_deactivate_uses_before_and_after() {
        let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "u1",
            "userName": "test.user@okta.local", "active": false, "groups": [],
            "meta": {"resourceType": "User"}});
        let ch = change(Some(user(true)), Some(user(false)));
        let f = RequestFacts {
            request_json: Some(&body),
            quirks: &[Quirk::PutEchoesReadOnly],
            change: Some(&ch),
            user_agent: Some(OKTA_UA),
            ..req("PUT", "/scim/v2/Users/u1")
        };
        assert_eq!(classify(&f), OperationKind::Deactivate);
        assert_eq!(idp(&f), Some(Idp::Okta));
        // The same PUT on a user that was already inactive is a plain update.
        let ch = change(Some(user(false)), Some(user(false)));
        let f = RequestFacts {
            change: Some(&ch),
            ..f
        };
        assert_eq!(classify(&f), OperationKind::Update);
    }

    #[test]
    fn okta_pathless_patch_deactivate_and_reactivate() {
        let body = patch(json!([{"op": "replace", "value": {"active": false}}]));
        let ch = change(Some(user(true)), Some(user(false)));
        let f = RequestFacts {
            request_json: Some(&body),
            quirks: &[Quirk::PathlessValue],
            change: Some(&ch),
            ..req("PATCH", "/scim/v2/Users/u1")
        };
        assert_eq!(classify(&f), OperationKind::Deactivate);
        let (who, why) = detect_idp(&f).unwrap();
        assert_eq!(who, Idp::Okta);
        assert!(
            why.contains("\"active\":false") && why.contains("okta.pathless-value"),
            "{why}"
        );

        let body = patch(json!([{"op": "replace", "value": {"active": true}}]));
        let ch = change(Some(user(false)), Some(user(true)));
        let f = RequestFacts {
            request_json: Some(&body),
            change: Some(&ch),
            ..f
        };
        assert_eq!(classify(&f), OperationKind::Reactivate);
        // Without a change (it failed) the lone `active: true` still reads as a reactivation.
        let f = RequestFacts {
            status: 500,
            change: None,
            ..f
        };
        assert_eq!(classify(&f), OperationKind::Reactivate);
    }

    #[test]
    fn pathless_value_without_active_is_not_okta() {
        let body = patch(json!([{"op": "replace", "value": {"displayName": "Bjfe"}}]));
        let f = RequestFacts {
            request_json: Some(&body),
            quirks: &[Quirk::PathlessValue],
            ..req("PATCH", "/scim/v2/Users/u1")
        };
        assert_eq!(idp(&f), None);
        assert_eq!(classify(&f), OperationKind::Update);
        // Capitalised `Replace` of active is Entra's, not Okta's lowercase shape.
        let body = patch(json!([{"op": "Replace", "value": {"active": false}}]));
        let f = RequestFacts {
            request_json: Some(&body),
            quirks: &[Quirk::PathlessValue],
            ..f
        };
        assert_eq!(idp(&f), None);
    }

    #[test]
    fn entra_reactivate_and_periodic_active_true() {
        let body = patch(json!([{"op": "Replace", "path": "active", "value": "True"}]));
        let ch = change(Some(user(false)), Some(user(true)));
        let f = RequestFacts {
            request_json: Some(&body),
            quirks: &[Quirk::CapitalizedOp, Quirk::StringBoolean],
            change: Some(&ch),
            ..req("PATCH", "/scim/v2/Users/u1")
        };
        assert_eq!(classify(&f), OperationKind::Reactivate);
        // Entra re-sending active=true to an active user changes nothing: an update.
        let ch = change(Some(user(true)), Some(user(true)));
        let f = RequestFacts {
            change: Some(&ch),
            ..f
        };
        assert_eq!(classify(&f), OperationKind::Update);
    }

    #[test]
    fn user_profile_updates() {
        let body = patch(json!([
            {"op": "Replace", "path": "displayName", "value": "Pvlo"},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "TestBcwqnm@test.microsoft.com"},
            {"op": "Replace", "path": "name.givenName", "value": "Gtfd"}
        ]));
        let mut after = user(true);
        after["displayName"] = json!("Pvlo");
        let ch = change(Some(user(true)), Some(after));
        let f = RequestFacts {
            request_json: Some(&body),
            change: Some(&ch),
            ..req("PATCH", "/scim/v2/Users/u1")
        };
        assert_eq!(classify(&f), OperationKind::Update);
        // A failed PUT carrying active: true cannot be told from a profile update.
        let put = user(true);
        let f = RequestFacts {
            status: 409,
            request_json: Some(&put),
            change: None,
            ..req("PUT", "/scim/v2/Users/u1")
        };
        assert_eq!(classify(&f), OperationKind::Update);
        // A failed PATCH setting active true together with other attributes: an update.
        let body = patch(json!([
            {"op": "replace", "path": "active", "value": true},
            {"op": "replace", "path": "title", "value": "CFO"}
        ]));
        let f = RequestFacts {
            status: 500,
            request_json: Some(&body),
            ..req("PATCH", "/scim/v2/Users/u1")
        };
        assert_eq!(classify(&f), OperationKind::Update);
    }

    #[test]
    fn deactivation_from_absent_active_and_scim11_patch() {
        let mut before = user(true);
        before.as_object_mut().unwrap().remove("active");
        let ch = change(Some(before), Some(user(false)));
        let body = patch(json!([{"op": "replace", "path": "active", "value": false}]));
        let f = RequestFacts {
            request_json: Some(&body),
            change: Some(&ch),
            ..req("PATCH", "/scim/v2/Users/u1")
        };
        assert_eq!(classify(&f), OperationKind::Deactivate);
        // Okta SCIM 1.1: a PATCH carrying a partial resource, no Operations (here failed).
        let body = json!({"schemas": ["urn:scim:schemas:core:1.0"], "id": "u1", "active": false});
        let f = RequestFacts {
            status: 400,
            request_json: Some(&body),
            ..req("PATCH", "/scim/v2/Users/u1")
        };
        assert_eq!(classify(&f), OperationKind::Deactivate);
    }

    #[test]
    fn deletes() {
        let f = RequestFacts {
            status: 204,
            ..req("DELETE", "/scim/v2/Users/u1")
        };
        assert_eq!(classify(&f), OperationKind::Delete);
        let f = RequestFacts {
            status: 204,
            ..req("DELETE", "/scim/v2/Groups/g1")
        };
        assert_eq!(classify(&f), OperationKind::GroupDelete);
        assert_eq!(idp(&f), None);
    }

    #[test]
    fn okta_read_before_put() {
        let f = RequestFacts {
            user_agent: Some(OKTA_UA),
            ..req("GET", "/scim/v2/Users/u1")
        };
        assert_eq!(classify(&f), OperationKind::Read);
        assert_eq!(idp(&f), Some(Idp::Okta));
        let f = RequestFacts {
            status: 304,
            ..req("GET", "/scim/v2/Users/u1")
        };
        assert_eq!(classify(&f), OperationKind::Read);
    }

    // --- groups ---------------------------------------------------------------------------------

    #[test]
    fn entra_group_membership_add_and_remove_by_value_list() {
        let body = patch(json!([{"op": "Add", "path": "members",
            "value": [{"$ref": null, "value": "u1"}, {"$ref": null, "value": "u2"}]}]));
        let ch = change(
            Some(group("Finance", &[])),
            Some(group("Finance", &["u1", "u2"])),
        );
        let f = RequestFacts {
            status: 204,
            request_json: Some(&body),
            quirks: &[Quirk::NullRef, Quirk::CapitalizedOp],
            change: Some(&ch),
            ..req("PATCH", "/scim/v2/Groups/g1")
        };
        assert_eq!(classify(&f), OperationKind::GroupMembership);
        assert_eq!(reason(&f), "patch op written 'Add' (entra.capitalized-op)");

        let body = patch(json!([{"op": "Remove", "path": "members", "value": [{"value": "u1"}]}]));
        let ch = change(
            Some(group("Finance", &["u1", "u2"])),
            Some(group("Finance", &["u2"])),
        );
        let f = RequestFacts {
            request_json: Some(&body),
            quirks: &[Quirk::RemoveByValueList],
            change: Some(&ch),
            ..f
        };
        assert_eq!(classify(&f), OperationKind::GroupMembership);
        let (who, why) = detect_idp(&f).unwrap();
        assert_eq!(who, Idp::Entra);
        assert!(
            why.contains("value list") && why.ends_with("(entra.remove-by-value-list)"),
            "{why}"
        );
    }

    #[test]
    fn group_membership_remove_by_filter_and_okta_combined_patch() {
        let body = patch(json!([{"op": "remove", "path": "members[value eq \"u1\"]"}]));
        let ch = change(Some(group("Finance", &["u1"])), Some(group("Finance", &[])));
        let f = RequestFacts {
            status: 204,
            request_json: Some(&body),
            quirks: &[Quirk::RemoveByFilter],
            change: Some(&ch),
            ..req("PATCH", "/scim/v2/Groups/g1")
        };
        assert_eq!(classify(&f), OperationKind::GroupMembership);
        // remove-by-filter is the RFC form Okta uses too: no claim from it.
        assert_eq!(idp(&f), None);

        // Okta: the rename-with-id op plus member ops, in one PATCH.
        let body = patch(json!([
            {"op": "replace", "value": {"id": "g1", "displayName": "Test SCIMv2"}},
            {"op": "remove", "path": "members[value eq \"u1\"]"},
            {"op": "add", "path": "members", "value": [{"value": "u2", "display": "test.user@okta.local"}]}
        ]));
        let ch = change(
            Some(group("Test SCIMv2", &["u1"])),
            Some(group("Test SCIMv2", &["u2"])),
        );
        let f = RequestFacts {
            status: 200,
            request_json: Some(&body),
            quirks: &[
                Quirk::PathlessReplaceWithId,
                Quirk::PathlessValue,
                Quirk::RemoveByFilter,
            ],
            change: Some(&ch),
            ..f
        };
        assert_eq!(classify(&f), OperationKind::GroupMembership);
        assert_eq!(idp(&f), None, "pathless-replace-with-id is not distinctive");
        // Removing a member that was not there changes nothing but is still a membership push.
        let ch = change(
            Some(group("Test SCIMv2", &["u2"])),
            Some(group("Test SCIMv2", &["u2"])),
        );
        let f = RequestFacts {
            change: Some(&ch),
            ..f
        };
        assert_eq!(classify(&f), OperationKind::GroupMembership);
    }

    #[test]
    fn group_rename_is_a_group_update() {
        let body = patch(json!([{"op": "Replace", "path": "displayName", "value": "Finance2"}]));
        let ch = change(
            Some(group("Finance", &["u1"])),
            Some(group("Finance2", &["u1"])),
        );
        let f = RequestFacts {
            status: 204,
            request_json: Some(&body),
            quirks: &[Quirk::CapitalizedOp],
            change: Some(&ch),
            ..req("PATCH", "/scim/v2/Groups/g1")
        };
        assert_eq!(classify(&f), OperationKind::GroupUpdate);
        // Failed (409 duplicate name): the ops decide.
        let f = RequestFacts {
            status: 409,
            change: None,
            ..f
        };
        assert_eq!(classify(&f), OperationKind::GroupUpdate);
        // Okta's path-less rename with id.
        let body = patch(json!([{"op": "replace", "value": {"id": "g1", "displayName": "New"}}]));
        let f = RequestFacts {
            request_json: Some(&body),
            ..f
        };
        assert_eq!(classify(&f), OperationKind::GroupUpdate);
    }

    #[test]
    fn group_put_membership_and_rename() {
        let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g1",
            "displayName": "Eng", "members": [{"value": "u1"}, {"value": "u3"}]});
        let ch = change(
            Some(group("Eng", &["u1"])),
            Some(group("Eng", &["u1", "u3"])),
        );
        let f = RequestFacts {
            request_json: Some(&body),
            change: Some(&ch),
            ..req("PUT", "/scim/v2/Groups/g1")
        };
        assert_eq!(classify(&f), OperationKind::GroupMembership);
        // Member order does not matter; a PUT that only renames is an update.
        let ch = change(
            Some(group("Old", &["u3", "u1"])),
            Some(group("Eng", &["u1", "u3"])),
        );
        let f = RequestFacts {
            change: Some(&ch),
            ..f
        };
        assert_eq!(classify(&f), OperationKind::GroupUpdate);
        // Failed PUT: a non-empty member list counts as membership.
        let f = RequestFacts {
            status: 500,
            change: None,
            ..f
        };
        assert_eq!(classify(&f), OperationKind::GroupMembership);
    }

    // --- detection ------------------------------------------------------------------------------

    #[test]
    fn curl_without_evidence_is_nobody() {
        let body = json!({"userName": "bob", "active": 1, "title": null, "meta": {}, "favouriteColour": "red"});
        let f = RequestFacts {
            user_agent: Some("curl/8.5.0"),
            status: 201,
            request_json: Some(&body),
            quirks: &[
                Quirk::MissingSchemas,
                Quirk::WrongType,
                Quirk::NullAttribute,
                Quirk::ClientSentMeta,
                Quirk::UnknownAttribute,
                Quirk::ApplicationJson,
                Quirk::BareToken,
                Quirk::UnknownQueryParameter,
                Quirk::AttributeNameCase,
                Quirk::UnquotedFilterValue,
                Quirk::PlusEncodedFilter,
                Quirk::ExtensionNotInSchemas,
                Quirk::RemoveByFilter,
                Quirk::NullRef,
            ],
            ..req("POST", "/scim/v2/Users")
        };
        assert_eq!(detect_idp(&f), None);
        assert_eq!(classify(&f), OperationKind::Create);
        assert_eq!(
            detect_idp(&req(
                "GET",
                "/scim/v2/Users?filter=userName%20eq%20%22bob%22"
            )),
            None
        );
    }

    #[test]
    fn user_agents() {
        let ua = |s: &'static str| {
            idp(&RequestFacts {
                user_agent: Some(s),
                ..req("GET", "/scim/v2/Users")
            })
        };
        assert_eq!(ua("Okta SCIM Client 1.0.0"), Some(Idp::Okta));
        assert_eq!(ua("OKTA SCIM Integration"), Some(Idp::Okta));
        assert_eq!(ua("Microsoft.Identity.Provisioning/1.0"), Some(Idp::Entra));
        assert_eq!(ua("AzureAD-Provisioning"), Some(Idp::Entra));
        assert_eq!(ua("AADProvisioning"), Some(Idp::Entra));
        assert_eq!(ua("Entra-SCIM/2"), Some(Idp::Entra));
        assert_eq!(ua("provisioning (entra id)"), Some(Idp::Entra));
        assert_eq!(ua("CentralSync/1.0"), None);
        assert_eq!(ua("curl/8.5.0"), None);
        assert_eq!(ua("python-requests/2.31"), None);
        assert_eq!(ua("okta-cli"), None);
        // The user-agent outranks the request's shape.
        let body = patch(json!([{"op": "Replace", "path": "active", "value": "False"}]));
        let f = RequestFacts {
            user_agent: Some(OKTA_UA),
            request_json: Some(&body),
            quirks: &[Quirk::CapitalizedOp],
            ..req("PATCH", "/scim/v2/Users/u1")
        };
        assert_eq!(idp(&f), Some(Idp::Okta));
        // Long or hostile user-agents are clipped and stripped of control characters.
        let long = format!("Microsoft {}\n", "x".repeat(500));
        let f = RequestFacts {
            user_agent: Some(&long),
            ..req("GET", "/scim/v2/Users")
        };
        let why = reason(&f);
        assert!(why.chars().count() < 160 && !why.contains('\n'), "{why}");
    }

    #[test]
    fn entra_patch_dialect_reasons_quote_the_evidence() {
        let body = patch(json!([
            {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "a@b.c"},
            {"op": "replace", "value": {"displayName": "Bjfe", "name.givenName": "Kkom",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Aklq"}}
        ]));
        let f = RequestFacts {
            request_json: Some(&body),
            quirks: &[
                Quirk::PathlessDottedKey,
                Quirk::PathlessUrnKey,
                Quirk::PathlessValue,
            ],
            ..req("PATCH", "/scim/v2/Users/u1")
        };
        assert_eq!(
            reason(&f),
            "path-less patch value uses the dotted key 'name.givenName' (entra.pathless-dotted-key)"
        );
        let f = RequestFacts {
            quirks: &[Quirk::PathlessUrnKey],
            ..f
        };
        assert!(
            reason(&f).contains("employeeNumber' (entra.pathless-urn-key)"),
            "{}",
            reason(&f)
        );
        // A label without the body to quote falls back to the quirk's own summary.
        let f = RequestFacts {
            request_json: None,
            quirks: &[Quirk::ManagerAsString, Quirk::JsonInString],
            ..f
        };
        assert_eq!(
            reason(&f),
            "manager sent as a bare id string (entra.manager-string)"
        );
        let f = RequestFacts {
            quirks: &[Quirk::CapitalizedOp],
            ..f
        };
        assert!(
            reason(&f).ends_with("(entra.capitalized-op)"),
            "{}",
            reason(&f)
        );
    }

    #[test]
    fn every_entra_only_quirk_claims_entra_and_no_other_quirk_does() {
        for q in Quirk::ALL {
            let f = RequestFacts {
                quirks: std::slice::from_ref(q),
                ..req("POST", "/scim/v2/Users")
            };
            let got = detect_idp(&f);
            if ENTRA_ONLY_QUIRKS.contains(q) {
                let (who, why) = got.unwrap();
                assert_eq!(who, Idp::Entra, "{q}");
                assert!(why.ends_with(&format!("({})", q.label())), "{why}");
                assert!(why.starts_with(char::is_lowercase), "{why}");
            } else if *q == Quirk::PasswordSent || *q == Quirk::StringName {
                assert_eq!(got.map(|g| g.0), Some(Idp::Okta));
            } else {
                assert_eq!(got, None, "{q} must not claim an idp on its own");
            }
        }
    }

    #[test]
    fn guid_shape() {
        assert!(is_guid(GUID));
        assert!(is_guid("CF4D78E8-CC4F-4D5D-B8B9-183561C0104A"));
        assert!(!is_guid("cf4d78e8cc4f4d5db8b9183561c0104a"));
        assert!(!is_guid("cf4d78e8-cc4f-4d5d-b8b9-183561c0104"));
        assert!(!is_guid("gf4d78e8-cc4f-4d5d-b8b9-183561c0104a"));
        assert!(!is_guid("cf4d78e8-cc4f-4d5d-b8b9-183561c0104aé"));
    }
}
