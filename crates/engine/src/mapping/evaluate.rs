//! Evaluation: one stored user, read through a compiled profile, becomes a [`MappingResult`].
//!
//! Each source path resolves to *hits*: a concrete path (`urn:…:testmail:2.0:User:employeeType`,
//! `roles[0].value`), the raw value found there and its location in the user's JSON. The field
//! rules in the `mapping` module docs then pick the winner, detect disagreement, and explain the
//! outcome in one line. Locations of everything read feed the "unmapped" list.

use super::profile::{
    AttrRef, CompiledKind, CompiledProfile, CompiledRules, ENTRA_PROFILE_ID, OKTA_PROFILE_ID,
    PathScope, Selector, SourcePath, TargetField,
};
use super::role::{RoleReading, distinct, list_values, read_role};
use super::{FieldResult, FieldStatus, MappingResult, Role};
use crate::model::Idp;
use scimlab_scim::ResourceKind;
use scimlab_scim::filter::AttrPath;
use scimlab_scim::resource::entry_ci as get_ci;
use scimlab_scim::schema::{USER_SCHEMA, split_urn};
use serde_json::{Map, Value};

/// One step into the user's JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

type Location = Vec<Seg>;

/// A value a source path found.
#[derive(Debug, Clone)]
struct Hit {
    /// The concrete path, for the admin.
    path: String,
    /// What is stored there.
    raw: Value,
    /// Where it is (the first is the value itself; more for composites and lists).
    locations: Vec<Location>,
    /// Other values of the same multi-valued attribute when the pick was by position.
    others: Vec<Value>,
    /// The joined text of a composite source.
    composite: Option<String>,
}

fn is_urn_key(k: &str) -> bool {
    k.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
}

fn key(k: &str) -> Seg {
    Seg::Key(k.to_owned())
}

/// How an attribute name is compared with the names a user holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NameMatch {
    /// Exactly as written: what the target app reads (the guide: names are case-sensitive).
    Exact,
    /// Equal ignoring case but not exactly: a likely intended source (`Role` for `role`).
    CaseOnly,
}

impl NameMatch {
    fn accepts(self, held: &str, wanted: &str) -> bool {
        match self {
            Self::Exact => held == wanted,
            Self::CaseOnly => held != wanted && held.eq_ignore_ascii_case(wanted),
        }
    }
}

/// The entry of `obj` whose key matches `name` the way `how` says.
fn get_named<'v>(
    obj: &'v Map<String, Value>,
    name: &str,
    how: NameMatch,
) -> Option<(&'v String, &'v Value)> {
    match how {
        NameMatch::Exact => obj.get_key_value(name),
        NameMatch::CaseOnly => obj.iter().find(|(k, _)| how.accepts(k, name)),
    }
}

/// Every place `r`'s attribute (before selector and sub) is found: (path, location, value).
/// URNs match case-insensitively (RFC 7643 §2.1); attribute names as `how` says.
fn attribute_values<'v>(
    user: &'v Map<String, Value>,
    r: &AttrRef,
    how: NameMatch,
) -> Vec<(String, Location, &'v Value)> {
    let mut out = Vec::new();
    match &r.scope {
        PathScope::Top => {
            if let Some((k, v)) = get_named(user, &r.name, how) {
                out.push((k.clone(), vec![key(k)], v));
            }
        }
        PathScope::AnyExtension | PathScope::Schema(_) => {
            for (k, v) in user {
                if !is_urn_key(k) || k.eq_ignore_ascii_case(USER_SCHEMA) {
                    continue;
                }
                let (in_scope, flat_ok) = match &r.scope {
                    PathScope::Schema(urn) => (
                        k.eq_ignore_ascii_case(urn),
                        split_urn(k).is_some_and(|(u, a)| {
                            u.eq_ignore_ascii_case(urn) && how.accepts(a, &r.name)
                        }),
                    ),
                    _ => (
                        true,
                        split_urn(k).is_some_and(|(_, a)| how.accepts(a, &r.name)),
                    ),
                };
                if flat_ok {
                    // A flat key such as "urn:…:2.0:User:employeeType": "Admin".
                    out.push((k.clone(), vec![key(k)], v));
                } else if in_scope
                    && let Value::Object(ext) = v
                    && let Some((ak, av)) = get_named(ext, &r.name, how)
                {
                    out.push((format!("{k}:{ak}"), vec![key(k), key(ak)], av));
                }
            }
        }
    }
    out
}

/// Whether an element is marked primary (`true` or Entra's `"True"`).
fn is_primary(el: &Value) -> bool {
    match el.as_object().and_then(|o| get_ci(o, "primary")) {
        Some((_, Value::Bool(b))) => *b,
        Some((_, Value::String(s))) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// The sub-attribute of an element (a bare element is its own `value`).
fn sub_of<'v>(el: &'v Value, sub: Option<&str>) -> Option<(Option<&'v String>, &'v Value)> {
    let found = match sub {
        None => Some((None, el)),
        Some(s) => match el {
            Value::Object(o) => get_ci(o, s).map(|(k, v)| (Some(k), v)),
            Value::Array(_) | Value::Null => None,
            other if s.eq_ignore_ascii_case("value") => Some((None, other)),
            _ => None,
        },
    };
    found.filter(|(_, v)| !is_empty(v))
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// Apply `r`'s selector and sub-attribute to one attribute value.
fn select(base: &str, loc: &Location, value: &Value, r: &AttrRef) -> Option<Hit> {
    if is_empty(value) {
        return None;
    }
    let sub = r.sub.as_deref();
    let single = |suffix: &str, loc: Location, raw: &Value, sub_key: Option<&String>| {
        let mut path = format!("{base}{suffix}");
        let mut loc = loc;
        if let Some(k) = sub_key {
            path.push('.');
            path.push_str(k);
            loc.push(key(k));
        }
        Hit {
            path,
            raw: raw.clone(),
            locations: vec![loc],
            others: Vec::new(),
            composite: None,
        }
    };
    let Value::Array(items) = value else {
        // A single value: a selector treats it as a one-element list.
        let keep = match &r.selector {
            None | Some(Selector::Primary) | Some(Selector::Index(0)) => true,
            Some(Selector::Index(_)) => false,
            Some(Selector::Filter(f, _)) => {
                f.matches_element(value, ResourceKind::User, &parent(r))
            }
        };
        if !keep {
            return None;
        }
        let (sub_key, raw) = sub_of(value, sub)?;
        return Some(single("", loc.clone(), raw, sub_key));
    };
    // Candidates: (index, sub key, value), in order.
    let with_sub = |i: usize| {
        items
            .get(i)
            .and_then(|el| sub_of(el, sub))
            .map(|(k, v)| (i, k, v))
    };
    let all: Vec<usize> = (0..items.len()).collect();
    let (picked, suffix_filter): (Vec<usize>, Option<String>) = match &r.selector {
        None => (all, None),
        Some(Selector::Index(n)) => {
            let (i, k, v) = with_sub(*n)?;
            let mut hit = single(&format!("[{i}]"), with_index(loc, i), v, k);
            if !items.iter().any(is_primary) {
                add_others(
                    &mut hit,
                    loc,
                    all.into_iter().filter(|&j| j != i),
                    &with_sub,
                );
            }
            return Some(hit);
        }
        Some(Selector::Primary) => {
            let primaries: Vec<usize> = all
                .iter()
                .copied()
                .filter(|&i| is_primary(&items[i]))
                .collect();
            if primaries.is_empty() {
                (all, None)
            } else {
                (primaries, Some("primary eq true".to_owned()))
            }
        }
        Some(Selector::Filter(f, text)) => {
            let p = parent(r);
            (
                all.into_iter()
                    .filter(|&i| f.matches_element(&items[i], ResourceKind::User, &p))
                    .collect(),
                Some(text.clone()),
            )
        }
    };
    let mut candidates = picked.into_iter().filter_map(with_sub);
    let (i, k, v) = candidates.next()?;
    let suffix = match &suffix_filter {
        Some(f) => format!("[{f}]"),
        None => format!("[{i}]"),
    };
    let mut hit = single(&suffix, with_index(loc, i), v, k);
    let rest: Vec<usize> = candidates.map(|(j, _, _)| j).collect();
    add_others(&mut hit, loc, rest.into_iter(), &with_sub);
    Some(hit)
}

fn with_index(loc: &Location, i: usize) -> Location {
    let mut l = loc.clone();
    l.push(Seg::Index(i));
    l
}

/// Record the other values of a list beside the picked one (distinct, different from it).
fn add_others<'v>(
    hit: &mut Hit,
    loc: &Location,
    rest: impl Iterator<Item = usize>,
    with_sub: &impl Fn(usize) -> Option<(usize, Option<&'v String>, &'v Value)>,
) {
    for j in rest {
        if let Some((j, k, v)) = with_sub(j) {
            let mut l = with_index(loc, j);
            if let Some(k) = k {
                l.push(key(k));
            }
            hit.locations.push(l);
            if *v != hit.raw && !hit.others.contains(v) {
                hit.others.push(v.clone());
            }
        }
    }
}

/// The attribute a selector's filter is relative to (for typed comparisons).
fn parent(r: &AttrRef) -> AttrPath {
    AttrPath {
        urn: match &r.scope {
            PathScope::Schema(u) => Some(u.clone()),
            _ => None,
        },
        name: r.name.clone(),
        sub: None,
    }
}

/// Every hit of one attribute reference, in the user's order.
fn resolve_attr(user: &Map<String, Value>, r: &AttrRef) -> Vec<Hit> {
    attribute_values(user, r, NameMatch::Exact)
        .into_iter()
        .filter_map(|(path, loc, v)| select(&path, &loc, v, r))
        .collect()
}

/// Every hit of one source path.
fn resolve(user: &Map<String, Value>, source: &SourcePath) -> Vec<Hit> {
    match source {
        SourcePath::Attr(r) => resolve_attr(user, r),
        SourcePath::Composite(parts) => {
            let mut paths = Vec::new();
            let mut texts = Vec::new();
            let mut raw = Map::new();
            let mut locations = Vec::new();
            for part in parts {
                let found = resolve_attr(user, part).into_iter().find_map(|h| {
                    let text = h.raw.as_str().map(str::trim).filter(|t| !t.is_empty())?;
                    Some((text.to_owned(), h))
                });
                if let Some((text, h)) = found {
                    texts.push(text);
                    paths.push(h.path.clone());
                    raw.insert(h.path, h.raw);
                    locations.extend(h.locations.into_iter().take(1));
                }
            }
            if texts.is_empty() {
                return Vec::new();
            }
            vec![Hit {
                path: paths.join(" + "),
                raw: Value::Object(raw),
                locations,
                others: Vec::new(),
                composite: Some(texts.join(" ")),
            }]
        }
    }
}

/// An attribute held under a source's name in another case (`Role` for `role`): not read,
/// because the target app's names are case-sensitive, but most likely what the admin meant.
struct Misnamed {
    /// Where it is, e.g. `Role` or `urn:…:testmail:2.0:User:EmployeeType`.
    path: String,
    /// The name the profile reads, e.g. `role`.
    intended: String,
    /// What is stored there.
    raw: Value,
}

/// The first attribute, in source order, that one of `sources` names in another case.
fn find_misnamed(user: &Map<String, Value>, sources: &[(String, SourcePath)]) -> Option<Misnamed> {
    sources.iter().find_map(|(_, source)| {
        let parts = match source {
            SourcePath::Attr(r) => std::slice::from_ref(r),
            SourcePath::Composite(parts) => parts.as_slice(),
        };
        parts.iter().find_map(|r| {
            attribute_values(user, r, NameMatch::CaseOnly)
                .into_iter()
                .find(|(_, _, v)| !is_empty(v))
                .map(|(path, _, v)| Misnamed {
                    path,
                    intended: r.name.clone(),
                    raw: v.clone(),
                })
        })
    })
}

/// How to rename a misnamed attribute, in the words of the IdP whose profile read it.
fn rename_fix(profile_id: &str, m: &Misnamed) -> String {
    let held = m.path.rsplit(':').next().unwrap_or(&m.path);
    match profile_id {
        OKTA_PROFILE_ID => format!(
            "in okta's profile editor, change the attribute's external name from '{held}' to '{}' (names are case-sensitive)",
            m.intended
        ),
        ENTRA_PROFILE_ID => format!(
            "in entra's attribute mapping (provisioning → mappings → provision microsoft entra id users), edit the mapping and set the target attribute to '{}' instead of '{held}' (names are case-sensitive)",
            m.intended
        ),
        _ => format!(
            "rename '{held}' to '{}' in the IdP's attribute mapping (names are case-sensitive)",
            m.intended
        ),
    }
}

/// The result of a field that found nothing under its names but a likely intended source in
/// another case: `misnamed`, with the value the app really gets (none, or the default role).
fn misnamed_result(field: TargetField, profile_id: &str, m: Misnamed) -> FieldResult {
    let label = field.label();
    let gets = if field == TargetField::Role {
        format!("the user gets {}, the default", Role::Member.as_str())
    } else {
        format!("the app gets no {label}")
    };
    let explanation = format!(
        "no {label} arrived under '{}', but {} ({}) looks meant for it; names are case-sensitive, so it is not read and {gets}. fix: {}",
        m.intended,
        m.path,
        json_text(&m.raw),
        rename_fix(profile_id, &m)
    );
    FieldResult {
        field,
        value: (field == TargetField::Role).then(|| Role::Member.as_str().to_owned()),
        path: Some(m.path),
        raw: Some(m.raw),
        status: FieldStatus::Misnamed,
        explanation,
    }
}

/// The attribute a location belongs to: the top-level key, or extension key + attribute.
fn attribute_of(loc: &Location) -> &[Seg] {
    match loc.as_slice() {
        [Seg::Key(k), Seg::Key(_), ..] if is_urn_key(k) => &loc[..2],
        [first, ..] => std::slice::from_ref(first),
        [] => &[],
    }
}

fn json_text(v: &Value) -> String {
    list_values(&[v])
}

/// How a hit reads for a text field: the value and a note, or why it cannot be used.
fn read_text(field: TargetField, hit: &Hit) -> TextReading {
    let mut note = None;
    let text = match &hit.composite {
        Some(t) => t.clone(),
        None => {
            let mut raw = &hit.raw;
            if let Value::Array(items) = raw {
                let d = distinct(items);
                if d.len() > 1 {
                    note = Some(format!(
                        "it holds {} values ({}); the first was taken",
                        d.len(),
                        list_values(&d)
                    ));
                }
                raw = d.first().copied().unwrap_or(&Value::Null);
            }
            if let Value::Object(o) = raw
                && let Some((_, v @ Value::String(_))) = get_ci(o, "value")
            {
                raw = v;
            }
            match raw {
                Value::String(s) if s.trim().is_empty() => return Err("it is empty".into()),
                Value::String(s) => s.clone(),
                Value::Object(_) => {
                    return Err("it is an object with parts, not a text".into());
                }
                Value::Array(_) => return Err("it is a list of lists, not a text".into()),
                Value::Bool(b) => return Err(format!("it is {b} (true/false), not a text")),
                Value::Number(n) => return Err(format!("it is the number {n}, not a text")),
                Value::Null => return Err("it is empty".into()),
            }
        }
    };
    if field == TargetField::Email && !text.contains('@') {
        return Err(format!(
            "{} does not look like an email address (no @)",
            json_text(&Value::String(text))
        ));
    }
    if !hit.others.is_empty() {
        let others: Vec<&Value> = hit.others.iter().collect();
        note = Some(format!(
            "the same attribute also holds {}; the first was taken",
            list_values(&others)
        ));
    }
    Ok((text, note))
}

/// A hit's reading for the role.
fn role_reading(hit: &Hit) -> RoleReading {
    if !hit.others.is_empty() {
        let mut all = vec![&hit.raw];
        all.extend(hit.others.iter());
        return RoleReading::Invalid(format!(
            "it is a list of {} values ({}) and the app takes exactly one role",
            all.len(),
            list_values(&all)
        ));
    }
    match &hit.composite {
        Some(t) => read_role(&Value::String(t.clone())),
        None => read_role(&hit.raw),
    }
}

/// A text field's reading of a hit: the value and a note, or why it cannot be used.
type TextReading = Result<(String, Option<String>), String>;

/// One field's outcome, with the locations it read.
struct FieldOutcome {
    result: FieldResult,
    used: Vec<Location>,
    role: Option<Role>,
}

/// Hits of every source in order, without a second hit on a location already found.
fn collect_hits(user: &Map<String, Value>, sources: &[(String, SourcePath)]) -> Vec<Hit> {
    let mut hits: Vec<Hit> = Vec::new();
    for (_, source) in sources {
        for h in resolve(user, source) {
            let first = h.locations.first();
            if !hits.iter().any(|e| e.locations.first() == first) {
                hits.push(h);
            }
        }
    }
    hits
}

fn looked_at(sources: &[(String, SourcePath)]) -> String {
    sources
        .iter()
        .map(|(s, _)| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Later hits, in other attributes than the winner's, whose comparison key differs.
fn rivals<'h, T>(
    winner: &Hit,
    winner_key: &str,
    rest: &'h [(Hit, T)],
    key_of: impl Fn(&Hit, &T) -> Option<String>,
) -> Vec<&'h Hit> {
    if winner.composite.is_some() {
        return Vec::new();
    }
    let Some(wloc) = winner.locations.first() else {
        return Vec::new();
    };
    rest.iter()
        .filter(|(h, _)| h.composite.is_none())
        .filter(|(h, _)| {
            h.locations
                .first()
                .is_some_and(|l| attribute_of(l) != attribute_of(wloc))
        })
        .filter(|(h, t)| key_of(h, t).is_some_and(|k| k != winner_key))
        .map(|(h, _)| h)
        .collect()
}

fn says(rivals: &[&Hit]) -> String {
    rivals
        .iter()
        .map(|h| format!("{} says {}", h.path, json_text(&h.raw)))
        .collect::<Vec<_>>()
        .join(" and ")
}

fn text_field(
    field: TargetField,
    user: &Map<String, Value>,
    sources: &[(String, SourcePath)],
    profile_id: &str,
) -> FieldOutcome {
    let label = field.label();
    let readings: Vec<(Hit, TextReading)> = collect_hits(user, sources)
        .into_iter()
        .map(|h| {
            let r = read_text(field, &h);
            (h, r)
        })
        .collect();
    let used = readings
        .iter()
        .filter(|(h, r)| r.is_ok() || !h.raw.is_object())
        .flat_map(|(h, _)| h.locations.iter().cloned())
        .collect();
    let winner = readings.iter().position(|(_, r)| r.is_ok());
    let result = match winner {
        Some(i) => {
            let (hit, reading) = &readings[i];
            let (value, note) = reading.clone().unwrap_or_default();
            let compare = |v: &str| {
                if field == TargetField::Email {
                    v.to_lowercase()
                } else {
                    v.to_owned()
                }
            };
            let rest = &readings[i + 1..];
            let rivals = rivals(hit, &compare(&value), rest, |_, r| {
                r.as_ref().ok().map(|(v, _)| compare(v))
            });
            let passed_over = readings[..i].iter().find_map(|(h, r)| {
                r.as_ref()
                    .err()
                    .map(|why| format!("{} was passed over: {why}", h.path))
            });
            let mut explanation = format!("{label} came from {}", hit.path);
            if let Some(n) = note {
                explanation.push_str(&format!(" ({n})"));
            }
            if let Some(p) = passed_over {
                explanation.push_str(&format!("; {p}"));
            }
            let status = if rivals.is_empty() {
                FieldStatus::Mapped
            } else {
                explanation = format!(
                    "{label} came from {} ({}), but {}; the first source in the profile wins",
                    hit.path,
                    json_text(&Value::String(value.clone())),
                    says(&rivals)
                );
                FieldStatus::Ambiguous
            };
            FieldResult {
                field,
                value: Some(value),
                path: Some(hit.path.clone()),
                raw: Some(hit.raw.clone()),
                status,
                explanation,
            }
        }
        None => match readings
            .iter()
            .find_map(|(h, r)| r.as_ref().err().map(|e| (h, e)))
        {
            Some((hit, why)) => FieldResult {
                field,
                value: None,
                path: Some(hit.path.clone()),
                raw: Some(hit.raw.clone()),
                status: FieldStatus::Invalid,
                explanation: format!("{label} from {} cannot be used: {why}", hit.path),
            },
            None => match find_misnamed(user, sources) {
                Some(m) => misnamed_result(field, profile_id, m),
                None => FieldResult {
                    field,
                    value: None,
                    path: None,
                    raw: None,
                    status: FieldStatus::Missing,
                    explanation: format!("no {label} arrived (looked at {})", looked_at(sources)),
                },
            },
        },
    };
    FieldOutcome {
        result,
        used,
        role: None,
    }
}

fn role_field(
    user: &Map<String, Value>,
    sources: &[(String, SourcePath)],
    profile_id: &str,
) -> FieldOutcome {
    let readings: Vec<(Hit, RoleReading)> = collect_hits(user, sources)
        .into_iter()
        .map(|h| {
            let r = role_reading(&h);
            (h, r)
        })
        .collect();
    let used = readings
        .iter()
        .flat_map(|(h, _)| h.locations.iter().cloned())
        .collect();
    let member = Role::Member.as_str();
    let Some(((hit, reading), rest)) = readings.split_first() else {
        if let Some(m) = find_misnamed(user, sources) {
            return FieldOutcome {
                result: misnamed_result(TargetField::Role, profile_id, m),
                used,
                role: Some(Role::Member),
            };
        }
        return FieldOutcome {
            result: FieldResult {
                field: TargetField::Role,
                value: Some(member.into()),
                path: None,
                raw: None,
                status: FieldStatus::Defaulted,
                explanation: format!(
                    "no role arrived (looked at {}), so the user gets {member}, the default",
                    looked_at(sources)
                ),
            },
            used,
            role: Some(Role::Member),
        };
    };
    let rivals = rivals(hit, &reading.key(&hit.raw), rest, |h, r| {
        Some(r.key(&h.raw))
    });
    let (status, role, explanation) = match reading {
        RoleReading::Valid(role, note) => {
            let how = note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default();
            if rivals.is_empty() {
                (
                    FieldStatus::Mapped,
                    *role,
                    format!("role came from {}{how}", hit.path),
                )
            } else {
                (
                    FieldStatus::Ambiguous,
                    *role,
                    format!(
                        "role came from {} ({}){how}, but {}; the first source in the profile wins, so the user gets {}",
                        hit.path,
                        role.as_str(),
                        says(&rivals),
                        role.as_str()
                    ),
                )
            }
        }
        RoleReading::Invalid(why) => {
            let also = if rivals.is_empty() {
                String::new()
            } else {
                format!(" ({})", says(&rivals))
            };
            (
                FieldStatus::Invalid,
                Role::Member,
                format!(
                    "role from {} is invalid: {why}; the user gets {member}{also}",
                    hit.path
                ),
            )
        }
    };
    FieldOutcome {
        result: FieldResult {
            field: TargetField::Role,
            value: Some(role.as_str().into()),
            path: Some(hit.path.clone()),
            raw: Some(hit.raw.clone()),
            status,
            explanation,
        },
        used,
        role: Some(role),
    }
}

/// The outcome of a field the profile has no rule for.
fn no_rule(field: TargetField, profile_id: &str) -> FieldOutcome {
    let (value, status, explanation, role) = if field == TargetField::Role {
        (
            Some(Role::Member.as_str().to_owned()),
            FieldStatus::Defaulted,
            format!(
                "the profile '{profile_id}' does not read a role, so the user gets Member, the default"
            ),
            Some(Role::Member),
        )
    } else {
        (
            None,
            FieldStatus::Missing,
            format!(
                "the profile '{profile_id}' has no rule for the {}",
                field.label()
            ),
            None,
        )
    };
    FieldOutcome {
        result: FieldResult {
            field,
            value,
            path: None,
            raw: None,
            status,
            explanation,
        },
        used: Vec::new(),
        role,
    }
}

/// Top-level attributes never listed as unmapped (see the `mapping` module docs).
const NOT_MAPPINGS: [&str; 6] = ["schemas", "id", "meta", "groups", "password", "active"];

fn blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Every attribute the user holds, at the admin's mapping grain: (path, location).
fn sent_attributes(user: &Map<String, Value>, creator: Idp) -> Vec<(String, Location)> {
    let mut out = Vec::new();
    for (k, v) in user {
        if blank(v)
            || NOT_MAPPINGS.iter().any(|n| n.eq_ignore_ascii_case(k))
            || (creator == Idp::Okta && k.eq_ignore_ascii_case("externalId"))
        {
            continue;
        }
        match v {
            Value::Object(ext) if is_urn_key(k) => {
                for (ak, av) in ext {
                    if !blank(av) {
                        out.push((format!("{k}:{ak}"), vec![key(k), key(ak)]));
                    }
                }
            }
            Value::Object(o) => {
                for (sk, sv) in o {
                    if !blank(sv) {
                        out.push((format!("{k}.{sk}"), vec![key(k), key(sk)]));
                    }
                }
            }
            Value::Array(items) => {
                let types: Vec<Option<&str>> = items
                    .iter()
                    .map(|el| {
                        el.as_object()
                            .and_then(|o| get_ci(o, "type"))
                            .and_then(|(_, t)| t.as_str())
                    })
                    .collect();
                for (i, el) in items.iter().enumerate() {
                    if blank(el) {
                        continue;
                    }
                    let label = match types[i] {
                        Some(t) if types.iter().filter(|x| **x == Some(t)).count() == 1 => {
                            format!("{k}[type eq {}]", json_text(&Value::String(t.to_owned())))
                        }
                        _ => format!("{k}[{i}]"),
                    };
                    out.push((label, vec![key(k), Seg::Index(i)]));
                }
            }
            _ => out.push((k.clone(), vec![key(k)])),
        }
    }
    out
}

fn overlaps(a: &Location, b: &Location) -> bool {
    let n = a.len().min(b.len());
    a[..n] == b[..n]
}

fn evaluate_rules(
    rules: &CompiledRules,
    user: &Map<String, Value>,
    creator: Idp,
) -> (Vec<FieldResult>, Vec<String>, Role) {
    let mut fields = Vec::with_capacity(TargetField::ALL.len());
    let mut used: Vec<Location> = Vec::new();
    let mut effective = Role::Member;
    for field in TargetField::ALL {
        let outcome = match rules.fields.iter().find(|(f, _)| *f == field) {
            None => no_rule(field, &rules.id),
            Some((_, sources)) if field == TargetField::Role => {
                role_field(user, sources, &rules.id)
            }
            Some((_, sources)) => text_field(field, user, sources, &rules.id),
        };
        if let Some(r) = outcome.role {
            effective = r;
        }
        used.extend(outcome.used);
        fields.push(outcome.result);
    }
    let unmapped = sent_attributes(user, creator)
        .into_iter()
        .filter(|(_, loc)| !used.iter().any(|u| overlaps(u, loc)))
        .map(|(path, _)| path)
        .collect();
    (fields, unmapped, effective)
}

/// Read one stored user (SCIM JSON as the endpoint renders it) through `profile`.
///
/// `creator` is the IdP that created the user (`Idp::Other` when unknown); the `auto` profile
/// picks its rules from it and Okta's own `externalId` is not listed as unmapped.
pub fn evaluate(profile: &CompiledProfile, user: &Value, creator: Idp) -> MappingResult {
    let empty = Map::new();
    let user = user.as_object().unwrap_or(&empty);
    let (rules, profile_explanation) = match &profile.kind {
        CompiledKind::Rules(rules) => (rules, format!("the profile '{}' is in force", rules.id)),
        CompiledKind::Auto { entra, okta } => match creator {
            Idp::Entra => (
                entra.as_ref(),
                "auto: Entra ID created this user, so the Entra ID profile was used".to_owned(),
            ),
            Idp::Okta => (
                okta.as_ref(),
                "auto: Okta created this user, so the Okta profile was used".to_owned(),
            ),
            Idp::Other => (
                entra.as_ref(),
                "auto: neither Entra ID nor Okta was recognised as this user's creator, so the Entra ID profile was used, as it reads the standard SCIM attributes other clients send".to_owned(),
            ),
        },
    };
    let (fields, unmapped, effective_role) = evaluate_rules(rules, user, creator);
    MappingResult {
        profile_id: profile.id.clone(),
        applied_profile_id: rules.id.clone(),
        profile_explanation,
        fields,
        unmapped,
        effective_role,
    }
}

#[cfg(test)]
mod tests;
