//! Which identity provider sent a request ([`detect_idp`]), with the reason in words.
//!
//! Detection is evidence-based and deliberately conservative: a claim such as "this came from
//! Entra" is shown to the admin next to the reason, so it must rest on something only that IdP
//! does. Quirk labels that a person with curl produces just as easily (`okta.unknown-attribute`,
//! `scim.*`, `auth.bare-token`, `entra.null-attribute`, `entra.client-sent-meta`, …) are never
//! used as evidence. Pure, like [`super::classify`], and tested with it
//! (`capture/classify/tests.rs`) against the shapes in `shared/reference/idp-traffic.md`.

use super::classify::*;
use crate::model::Idp;
use scimlab_scim::schema::MICROSOFT_GROUP_SCHEMA;
use scimlab_scim::{Quirk, ResourceKind};
use serde_json::Value;

/// Quirks that, as far as `idp-traffic.md` §11 knows, only Microsoft Entra ID produces. Anything
/// not listed here (including other `entra.*` labels such as `entra.null-attribute`) is shared
/// with hand-written requests and proves nothing about the sender.
pub(super) const ENTRA_ONLY_QUIRKS: &[Quirk] = &[
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
