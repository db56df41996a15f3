//! Evaluation: one stored user, read through a compiled profile, becomes a [`MappingResult`].
//!
//! Each source path resolves to *hits* ([`super::resolve`]: a concrete path such as
//! `urn:…:testmail:2.0:User:employeeType` or `roles[0].value`, the raw value found there and its
//! location in the user's JSON). The field rules here, described in the `mapping` module docs,
//! pick the winner, detect disagreement, and explain the outcome in one line. Locations of
//! everything read feed the "unmapped" list.

use super::profile::{
    CompiledKind, CompiledProfile, CompiledRules, ENTRA_PROFILE_ID, OKTA_PROFILE_ID, SourcePath,
    TargetField,
};
use super::resolve::*;
use super::role::{RoleReading, distinct, list_values, read_role};
use super::{FieldResult, FieldStatus, MappingResult, Role};
use crate::model::Idp;
use scimlab_scim::resource::entry_ci as get_ci;
use serde_json::{Map, Value};

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
