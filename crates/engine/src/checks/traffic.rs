//! Reading captured exchanges for the checklist rules: outcome, quirk labels, error details, and
//! the attribute paths a create, update or PATCH carried.
//!
//! Owns the one spelling of an attribute path ([`attribute_paths`]) that both the rules and the
//! caller filling [`super::UserFacts::attributes_sent`] use, so a path the rules look for is the
//! path the caller stores. Everything here is pure and tolerant: a body that is missing,
//! truncated or not JSON simply yields nothing.

use crate::model::Exchange;
use scimlab_scim::Quirk;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::marker::PhantomData;

/// The core User schema URN (an object under it is the core namespace, not an extension).
pub(crate) const CORE_USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// The enterprise User extension URN.
pub(crate) const ENTERPRISE_USER_URN: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// Attributes that are server-owned or part of the message, never an admin's mapping.
const NOT_ATTRIBUTES: &[&str] = &["schemas", "id", "meta", "groups"];

/// Longest error detail quoted in a summary (characters).
const MAX_DETAIL_CHARS: usize = 160;

/// Whether the exchange was answered with a 2xx status.
pub(crate) fn succeeded(ex: &Exchange) -> bool {
    (200..300).contains(&ex.summary.status)
}

/// Whether the request relied on `quirk` (its label is in the exchange's quirk list).
pub(crate) fn has_quirk(ex: &Exchange, quirk: Quirk) -> bool {
    ex.summary.quirks.iter().any(|l| l == quirk.label())
}

/// The request body as JSON, when there is one and it parses.
pub(crate) fn request_json(ex: &Exchange) -> Option<Value> {
    ex.request_body
        .as_deref()
        .and_then(|b| serde_json::from_str(b).ok())
}

/// The response body as JSON, when there is one and it parses.
pub(crate) fn response_json(ex: &Exchange) -> Option<Value> {
    ex.response_body
        .as_deref()
        .and_then(|b| serde_json::from_str(b).ok())
}

/// The `detail` of an RFC 7644 error answer (or a SCIM 1.1 `Errors[0].description`), clipped.
pub(crate) fn error_detail(ex: &Exchange) -> Option<String> {
    let body = response_json(ex)?;
    let detail = body.get("detail").and_then(Value::as_str).or_else(|| {
        body.get("Errors")
            .and_then(|e| e.get(0))
            .and_then(|e| e.get("description"))
            .and_then(Value::as_str)
    })?;
    Some(clip(detail, MAX_DETAIL_CHARS))
}

/// What the endpoint answered, for a summary: `409 ('userName is already taken')` or `500`.
pub(crate) fn answer(ex: &Exchange) -> String {
    match error_detail(ex) {
        Some(d) => format!("{} ('{d}')", ex.summary.status),
        None => ex.summary.status.to_string(),
    }
}

/// `#12`: how a summary names an exchange.
pub(crate) fn id_ref(ex: &Exchange) -> String {
    format!("#{}", ex.summary.id)
}

/// `1 user`, `3 users`.
pub(crate) fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// `a, b and c`; past `max` items: `a, b, c and 4 more`.
pub(crate) fn list(items: &[String], max: usize) -> String {
    let shown: Vec<&str> = items.iter().take(max).map(String::as_str).collect();
    shown_and_rest(&shown, items.len().saturating_sub(max))
}

/// [`list`] of `total` items of which only the first `max` are made (a summary naming a few of
/// 100 000 users formats five names, not every one).
pub(crate) fn list_first(
    items: impl IntoIterator<Item = String>,
    total: usize,
    max: usize,
) -> String {
    let made: Vec<String> = items.into_iter().take(max).collect();
    let shown: Vec<&str> = made.iter().map(String::as_str).collect();
    shown_and_rest(&shown, total.saturating_sub(shown.len()))
}

fn shown_and_rest(shown: &[&str], rest: usize) -> String {
    match (shown, rest) {
        ([], _) => String::new(),
        ([one], 0) => (*one).to_owned(),
        (many, 0) => {
            let (last, head) = many.split_last().unwrap_or((&"", &[]));
            format!("{} and {last}", head.join(", "))
        }
        (many, rest) => format!("{} and {rest} more", many.join(", ")),
    }
}

/// A JSON value as a short literal for a summary (`"admin"`, `["Admin","Member"]`).
pub(crate) fn literal(v: &Value) -> String {
    clip(&v.to_string(), 60)
}

fn clip(s: &str, max: usize) -> String {
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.chars().count() <= max {
        clean
    } else {
        let cut: String = clean.chars().take(max).collect();
        format!("{cut}…")
    }
}

/// A judgement of users' [`super::UserFacts::attributes_sent`] lists, made once per list:
/// users whose facts share one list (every user created with the same attributes, as the
/// materialised mapping results keep them) are judged by one computation. Keyed by the list's
/// address and length, so it only lives as long as the lists it judged are borrowed (`'a`).
/// The first few lists are looked up in a short array (a population has a handful of shapes).
pub(crate) struct PerList<'a, T> {
    few: Vec<((usize, usize), T)>,
    many: FastMap<(usize, usize), T>,
    lists: PhantomData<&'a [String]>,
}

/// Lists kept in [`PerList`]'s short array before it uses a map.
const FEW_LISTS: usize = 16;

impl<'a, T: Clone> PerList<'a, T> {
    /// An empty memo.
    pub(crate) fn new() -> Self {
        Self {
            few: Vec::new(),
            many: FastMap::default(),
            lists: PhantomData,
        }
    }

    /// `judge(list)`, computed once per list.
    pub(crate) fn get(&mut self, list: &'a [String], judge: impl FnOnce(&'a [String]) -> T) -> T {
        let key = (list.as_ptr() as usize, list.len());
        if let Some((_, v)) = self.few.iter().find(|(k, _)| *k == key) {
            return v.clone();
        }
        if self.few.len() < FEW_LISTS {
            let v = judge(list);
            self.few.push((key, v.clone()));
            return v;
        }
        self.many.entry(key).or_insert_with(|| judge(list)).clone()
    }
}

/// The distinct lists among `users`' attributes (by identity: shared lists once), in the
/// users' order: what a rule reads when it only asks which paths arrived at all.
pub(crate) fn distinct_lists<'a>(users: &[&'a super::UserFacts]) -> Vec<&'a [String]> {
    distinct(users.iter().map(|u| &*u.attributes_sent))
}

/// The distinct lists of `lists` (by identity), in order.
pub(crate) fn distinct<'a>(lists: impl IntoIterator<Item = &'a [String]>) -> Vec<&'a [String]> {
    let mut seen: PerList<'a, ()> = PerList::new();
    let mut out = Vec::new();
    for list in lists {
        let mut new = false;
        seen.get(list, |_| new = true);
        if new {
            out.push(list);
        }
    }
    out
}

/// A fast, non-cryptographic hasher (FxHash's multiply-rotate) for the checklist's in-memory
/// maps keyed by ids and addresses: nothing here is keyed by input an attacker picks to collide
/// (ids are the server's own uuids), and the rules look up every user of 100 000.
#[derive(Default, Clone, Copy)]
pub struct FastHasher(u64);

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl std::hash::Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_i64(&mut self, i: i64) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

/// A map with [`FastHasher`].
pub type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FastHasher>>;

// ---------------------------------------------------------------------------------------------
// Attribute paths

/// The attribute paths a SCIM user body carries a value for, in body order, without duplicates.
///
/// This is the spelling of [`super::UserFacts::attributes_sent`]: fill it with
/// `attribute_paths(&create_body)`. Spelling, by example:
///
/// - a simple attribute: `userName`, `active`, `password`, a custom `role`;
/// - a complex attribute, one path per sub-attribute: `name.givenName`, `name.familyName`;
/// - a multi-valued attribute, one path per element with a `value`, qualified by its `type`
///   when it has one: `emails[type eq "work"].value`, `roles.value`; elements that are plain
///   strings give the bare name (`roles`);
/// - an extension object, its URN then `:` then the attribute:
///   `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber`,
///   `urn:…:enterprise:2.0:User:manager.value`;
/// - keys a path-less Entra PATCH value uses (`name.givenName`, `urn:…:User:employeeType`) are
///   already paths and are kept as written.
///
/// Absent values are not listed: `null`, `""`, `[]` and `{}` (Entra sends `"roles": []` and
/// `"title": null` for mappings without a value). `schemas`, `id`, `meta` and `groups` are
/// server-owned or part of the message and never listed.
pub fn attribute_paths(body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(obj) = body.as_object() {
        object_paths(obj, &mut out);
    }
    out
}

fn object_paths(obj: &Map<String, Value>, out: &mut Vec<String>) {
    for (key, value) in obj {
        if NOT_ATTRIBUTES.iter().any(|n| key.eq_ignore_ascii_case(n)) || is_empty(value) {
            continue;
        }
        match value {
            // An extension object (or the core URN used as a namespace): its attributes.
            Value::Object(ext) if key.starts_with("urn:") => {
                for (attr, v) in ext {
                    if !is_empty(v) {
                        value_paths(&format!("{key}:{attr}"), v, out);
                    }
                }
            }
            _ => value_paths(key, value, out),
        }
    }
}

fn value_paths(path: &str, value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(subs) => {
            for (sub, v) in subs {
                if !is_empty(v) {
                    push(out, format!("{path}.{sub}"));
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Object(el) => {
                        if el.get("value").is_none_or(is_empty) {
                            continue;
                        }
                        match el.get("type").and_then(Value::as_str) {
                            Some(t) => push(out, format!("{path}[type eq \"{t}\"].value")),
                            None => push(out, format!("{path}.value")),
                        }
                    }
                    v if !is_empty(v) => push(out, path.to_owned()),
                    _ => {}
                }
            }
        }
        _ => push(out, path.to_owned()),
    }
}

fn push(out: &mut Vec<String>, path: String) {
    if !out.contains(&path) {
        out.push(path);
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// The attribute paths a user write (`POST`, `PUT`, or `PATCH`) carried: the body's paths for a
/// create or a full replace (and a SCIM 1.1 PATCH without `Operations`); for a PATCH, each
/// operation's `path`, or the paths inside its `value` (prefixed with the path when there is
/// one).
pub(crate) fn written_paths(ex: &Exchange) -> Vec<String> {
    let Some(body) = request_json(ex) else {
        return Vec::new();
    };
    let ops = body
        .as_object()
        .and_then(|o| {
            o.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("Operations"))
                .map(|(_, v)| v)
        })
        .and_then(Value::as_array);
    let Some(ops) = ops.filter(|_| ex.summary.method.eq_ignore_ascii_case("PATCH")) else {
        return attribute_paths(&body);
    };
    let mut out = Vec::new();
    for op in ops {
        let path = op
            .get("path")
            .and_then(Value::as_str)
            .filter(|p| !p.is_empty());
        let value = op.get("value");
        match (path, value) {
            (None, Some(v)) => {
                for p in attribute_paths(v) {
                    push(&mut out, p);
                }
            }
            (Some(p), Some(v @ (Value::Object(_) | Value::Array(_)))) => {
                value_paths(p, v, &mut out);
            }
            (Some(p), _) => push(&mut out, p.to_owned()),
            (None, None) => {}
        }
    }
    out
}

/// One attribute path taken apart: `urn:…:User:manager.value` is
/// `{ urn: Some("urn:…:User"), attr: "manager", sub: Some("value") }`; a value filter is
/// dropped (`emails[type eq "work"].value` → `emails`, `value`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PathParts<'p> {
    /// The namespace URN, when the path has one.
    pub urn: Option<&'p str>,
    /// The attribute name.
    pub attr: &'p str,
    /// The value filter between `[` and `]`, when there is one (`type eq "work"`).
    pub filter: Option<&'p str>,
    /// The sub-attribute, when there is one.
    pub sub: Option<&'p str>,
}

impl<'p> PathParts<'p> {
    /// Take `path` apart (see the type docs).
    pub(crate) fn parse(path: &'p str) -> Self {
        let (urn, rest) = if path.starts_with("urn:") {
            // The attribute follows the last ':' that is not inside a value filter.
            let head = path.split('[').next().unwrap_or(path);
            match head.rfind(':') {
                Some(i) => (Some(&path[..i]), &path[i + 1..]),
                None => (None, path),
            }
        } else {
            (None, path)
        };
        let (attr, filter, after) = match rest.find('[') {
            Some(i) => {
                let close = rest[i..].find(']').map_or(rest.len(), |j| i + j + 1);
                let inner = rest[i + 1..close].trim_end_matches(']');
                (&rest[..i], Some(inner), &rest[close..])
            }
            None => match rest.find('.') {
                Some(i) => (&rest[..i], None, &rest[i..]),
                None => (rest, None, ""),
            },
        };
        let sub = after.strip_prefix('.').filter(|s| !s.is_empty());
        Self {
            urn,
            attr,
            filter,
            sub,
        }
    }

    /// A core attribute (no namespace, or the core User URN) named `name`, any case.
    pub(crate) fn is_core(&self, name: &str) -> bool {
        self.attr.eq_ignore_ascii_case(name)
            && self
                .urn
                .is_none_or(|u| u.eq_ignore_ascii_case(CORE_USER_URN))
    }

    /// An attribute named `name` (any case) in any namespace.
    pub(crate) fn is_named(&self, name: &str) -> bool {
        self.attr.eq_ignore_ascii_case(name)
    }

    /// An attribute named `name` in any namespace, but spelt in another case (`Role` for
    /// `role`): the target app reads names case-sensitively, so it never sees this one.
    pub(crate) fn is_case_variant_of(&self, name: &str) -> bool {
        self.attr != name && self.attr.eq_ignore_ascii_case(name)
    }

    /// At the top level of the user: no namespace, or the core User URN.
    pub(crate) fn at_top_level(&self) -> bool {
        self.urn
            .is_none_or(|u| u.eq_ignore_ascii_case(CORE_USER_URN))
    }

    /// An element of a multi-valued attribute picked by `type eq "<kind>"` (any case), or one
    /// without a filter (an untyped element).
    pub(crate) fn is_typed_or_untyped(&self, kind: &str) -> bool {
        self.filter.is_none_or(|f| {
            let f = f.to_ascii_lowercase();
            f.contains("type eq") && f.contains(&format!("\"{}\"", kind.to_ascii_lowercase()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::{Build, entra_user_body, ex, okta_user_body};
    use crate::model::{Idp, OperationKind};
    use serde_json::json;

    #[test]
    fn entra_create_paths() {
        let body = entra_user_body("alice@contoso.com", Some("Admin"));
        let paths = attribute_paths(&body);
        for p in [
            "userName",
            "active",
            "displayName",
            "emails[type eq \"work\"].value",
            "externalId",
            "name.givenName",
            "urn:ietf:params:scim:schemas:extension:testmail:2.0:User:employeeType",
        ] {
            assert!(paths.iter().any(|x| x == p), "{p} missing from {paths:?}");
        }
        for absent in ["schemas", "meta", "roles", "title", "id"] {
            assert!(!paths.iter().any(|x| x.starts_with(absent)), "{absent}");
        }
    }

    #[test]
    fn okta_create_paths_and_nested_values() {
        let body = okta_user_body("test.user@okta.local", Some("Member"), true);
        let paths = attribute_paths(&body);
        assert!(paths.contains(&"password".to_owned()), "{paths:?}");
        assert!(paths.contains(&"role".to_owned()), "{paths:?}");
        assert!(!paths.iter().any(|p| p.starts_with("groups")), "{paths:?}");
        let body = json!({"roles": ["Admin"], "emails": [{"value": "a@b.c"}, {"value": ""}],
            "urn:x:custom:2.0:User": {"role": "Admin", "empty": null},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "m1"}}});
        assert_eq!(
            attribute_paths(&body),
            vec![
                "roles",
                "emails.value",
                "urn:x:custom:2.0:User:role",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"
            ]
        );
        assert!(attribute_paths(&json!("not an object")).is_empty());
    }

    #[test]
    fn patch_paths() {
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "a@b.c"},
            {"op": "replace", "value": {"displayName": "Bjfe", "name.givenName": "Kkom"}},
            {"op": "Add", "path": "roles", "value": [{"value": "Admin", "primary": true}]},
            {"op": "remove", "path": "title"}
        ]});
        let e = ex(
            1,
            Idp::Entra,
            "PATCH",
            "/scim/v2/Users/u1",
            200,
            OperationKind::Update,
        )
        .with_body(&body);
        assert_eq!(
            written_paths(&e),
            vec![
                "emails[type eq \"work\"].value",
                "displayName",
                "name.givenName",
                "roles.value",
                "title"
            ]
        );
        let put = ex(
            2,
            Idp::Okta,
            "PUT",
            "/scim/v2/Users/u1",
            200,
            OperationKind::Update,
        )
        .with_body(&json!({"userName": "x", "role": "Admin"}));
        assert_eq!(written_paths(&put), vec!["userName", "role"]);
    }

    #[test]
    fn path_parts() {
        let p = PathParts::parse(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        );
        assert_eq!(
            p.urn,
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
        );
        assert_eq!((p.attr, p.sub), ("manager", Some("value")));
        let p = PathParts::parse("emails[type eq \"work\"].value");
        assert_eq!((p.urn, p.attr, p.sub), (None, "emails", Some("value")));
        assert_eq!(p.filter, Some("type eq \"work\""));
        assert!(p.is_core("emails") && p.is_typed_or_untyped("work"));
        assert!(!PathParts::parse("emails[type eq \"home\"].value").is_typed_or_untyped("work"));
        assert!(PathParts::parse("emails.value").is_typed_or_untyped("work"));
        let p = PathParts::parse("urn:x:custom:2.0:User:EmployeeType");
        assert!(p.is_case_variant_of("employeeType") && !p.at_top_level());
        assert!(!PathParts::parse("role").is_case_variant_of("role"));
        assert!(PathParts::parse("Role").at_top_level());
        let p = PathParts::parse("urn:ietf:params:scim:schemas:core:2.0:User:role");
        assert!(p.is_core("role") && p.is_named("ROLE"));
        let p = PathParts::parse("urn:x:custom:2.0:User:role");
        assert!(!p.is_core("role") && p.is_named("role"));
        assert_eq!(PathParts::parse("userName").sub, None);
    }

    #[test]
    fn lists_and_details() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        assert_eq!(list(&s(&[]), 3), "");
        assert_eq!(list(&s(&["a"]), 3), "a");
        assert_eq!(list(&s(&["a", "b", "c"]), 3), "a, b and c");
        assert_eq!(
            list(&s(&["a", "b", "c", "d", "e"]), 3),
            "a, b, c and 2 more"
        );
        assert_eq!(count(1, "user", "users"), "1 user");
        assert_eq!(count(0, "user", "users"), "0 users");
        let e = ex(
            3,
            Idp::Okta,
            "POST",
            "/scim/v2/Users",
            409,
            OperationKind::Create,
        )
        .with_answer(&json!({"status": "409", "detail": "userName is already taken\n"}));
        assert_eq!(answer(&e), "409 ('userName is already taken ')");
        let e = ex(
            4,
            Idp::Okta,
            "POST",
            "/scim/v2/Users",
            500,
            OperationKind::Create,
        );
        assert_eq!(answer(&e), "500");
    }
}
