//! Path resolution: one source path of a profile, read in one user's JSON, gives *hits* — the
//! concrete path found (`urn:…:testmail:2.0:User:employeeType`, `roles[0].value`), the raw value
//! there and its location. Knows the path language (`*:` any extension, `[filter]`, `[n]`,
//! `[primary]`, composites) and the case rules (schema names in any case, the guide's custom
//! names exactly); the field rules that pick among hits are [`super::evaluate`]'s.

use super::profile::{AttrRef, PathScope, Selector, SourcePath};
use scimlab_scim::ResourceKind;
use scimlab_scim::filter::AttrPath;
use scimlab_scim::resource::entry_ci as get_ci;
use scimlab_scim::schema::{USER_SCHEMA, split_urn};
use serde_json::{Map, Value};

/// One step into the user's JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Seg {
    Key(String),
    Index(usize),
}

pub(super) type Location = Vec<Seg>;

/// A value a source path found.
#[derive(Debug, Clone)]
pub(super) struct Hit {
    /// The concrete path, for the admin.
    pub(super) path: String,
    /// What is stored there.
    pub(super) raw: Value,
    /// Where it is (the first is the value itself; more for composites and lists).
    pub(super) locations: Vec<Location>,
    /// Other values of the same multi-valued attribute when the pick was by position.
    pub(super) others: Vec<Value>,
    /// The joined text of a composite source.
    pub(super) composite: Option<String>,
}

pub(super) fn is_urn_key(k: &str) -> bool {
    k.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
}

pub(super) fn key(k: &str) -> Seg {
    Seg::Key(k.to_owned())
}

/// How an attribute name is compared with the names a user holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NameMatch {
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
pub(super) fn get_named<'v>(
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
pub(super) fn attribute_values<'v>(
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
pub(super) fn is_primary(el: &Value) -> bool {
    match el.as_object().and_then(|o| get_ci(o, "primary")) {
        Some((_, Value::Bool(b))) => *b,
        Some((_, Value::String(s))) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// The sub-attribute of an element (a bare element is its own `value`).
pub(super) fn sub_of<'v>(
    el: &'v Value,
    sub: Option<&str>,
) -> Option<(Option<&'v String>, &'v Value)> {
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

pub(super) fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// Apply `r`'s selector and sub-attribute to one attribute value.
pub(super) fn select(base: &str, loc: &Location, value: &Value, r: &AttrRef) -> Option<Hit> {
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

pub(super) fn with_index(loc: &Location, i: usize) -> Location {
    let mut l = loc.clone();
    l.push(Seg::Index(i));
    l
}

/// Record the other values of a list beside the picked one (distinct, different from it).
pub(super) fn add_others<'v>(
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
pub(super) fn parent(r: &AttrRef) -> AttrPath {
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
pub(super) fn resolve_attr(user: &Map<String, Value>, r: &AttrRef) -> Vec<Hit> {
    attribute_values(user, r, NameMatch::Exact)
        .into_iter()
        .filter_map(|(path, loc, v)| select(&path, &loc, v, r))
        .collect()
}

/// Every hit of one source path.
pub(super) fn resolve(user: &Map<String, Value>, source: &SourcePath) -> Vec<Hit> {
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
