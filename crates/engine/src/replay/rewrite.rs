//! Rewriting a captured request for another SCIM app: ScimLab's resource ids become the target's
//! (learned from the target's answers to the replayed creates and lookups), passwords redacted at
//! capture become generated ones, and headers the target cannot take are left out. What cannot
//! be rewritten is reported, never guessed.
//!
//! Pure: the id map is plain data the replay loop fills; the password generator is passed in.

use crate::model::REDACTED;
use serde_json::Value;
use std::collections::HashMap;

/// ScimLab's resource ids and the target's, learned as the replay goes.
#[derive(Debug, Clone, Default)]
pub struct IdMap {
    ids: HashMap<String, String>,
}

impl IdMap {
    /// Remember that ScimLab's `ours` is the target's `theirs` (a create's answer: it replaces
    /// what was known).
    pub fn learn(&mut self, ours: &str, theirs: &str) {
        if !ours.is_empty() && !theirs.is_empty() {
            self.ids.insert(ours.to_owned(), theirs.to_owned());
        }
    }

    /// Remember `ours` → `theirs` only if `ours` is not known yet (a lookup's answer never
    /// overrides a create's).
    pub fn learn_if_new(&mut self, ours: &str, theirs: &str) {
        if !self.ids.contains_key(ours) {
            self.learn(ours, theirs);
        }
    }

    /// The target's id for ScimLab's `ours`.
    pub fn get(&self, ours: &str) -> Option<&str> {
        self.ids.get(ours).map(String::as_str)
    }

    /// How many ids are known.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether no id is known yet.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// A request after rewriting, with what changed and what could not be.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rewritten {
    /// The path relative to the base, with its query.
    pub path: String,
    /// The body.
    pub body: Option<Value>,
    /// What was rewritten, in words (`id 3f2… → 42`, `password replaced by a generated one`).
    pub changes: Vec<String>,
    /// What could not be, in words.
    pub missing: Vec<String>,
    /// An id in the path with no counterpart on the target: the request cannot be sent.
    pub unsendable: Option<String>,
}

/// The part of `path` below the SCIM base (`/scim/v2/Users/x` → `/Users/x`): everything from
/// the first SCIM endpoint segment on. `None` when it names no SCIM endpoint.
pub fn relative_path(path: &str) -> Option<&str> {
    let endpoints = [
        "/Users",
        "/Groups",
        "/ServiceProviderConfig",
        "/ResourceTypes",
        "/Schemas",
        "/.search",
        "/Bulk",
        "/Me",
    ];
    endpoints
        .iter()
        .filter_map(|e| {
            path.match_indices(e).find_map(|(i, _)| {
                let rest = &path[i + e.len()..];
                (rest.is_empty() || rest.starts_with('/')).then_some(i)
            })
        })
        .min()
        .map(|i| &path[i..])
}

fn short(id: &str) -> String {
    if id.chars().count() > 12 {
        format!("{}…", id.chars().take(8).collect::<String>())
    } else {
        id.to_owned()
    }
}

/// Rewrite one request: `path` as captured (with the base), its raw `query`, its `body` text.
/// `password` makes a new password for each redacted one.
pub fn rewrite(
    path: &str,
    query: &str,
    body: Option<&str>,
    ids: &IdMap,
    password: &mut dyn FnMut() -> String,
) -> Rewritten {
    let mut out = Rewritten::default();
    let relative = relative_path(path).unwrap_or(path);
    let mut segments: Vec<String> = relative.split('/').map(str::to_owned).collect();
    // `/Users/{id}`, `/Groups/{id}`: the second segment is a resource id.
    if segments.len() >= 3
        && matches!(segments[1].as_str(), "Users" | "Groups")
        && segments[2] != ".search"
    {
        let ours = segments[2].clone();
        match ids.get(&ours) {
            Some(theirs) => {
                if theirs != ours {
                    out.changes.push(format!(
                        "id {} → {} in the path",
                        short(&ours),
                        short(theirs)
                    ));
                }
                segments[2] = path_segment(theirs);
            }
            None => {
                out.unsendable = Some(format!(
                    "the id {ours} in the path has no counterpart on the target: the request that created or found it is not in the selection (include it, or replay from the start)"
                ));
            }
        }
    }
    let mut path = segments.join("/");
    if !query.is_empty() {
        let mut q = query.to_owned();
        for (ours, theirs) in &ids.ids {
            if ours.len() >= 8 && q.contains(ours.as_str()) {
                q = q.replace(ours.as_str(), theirs);
                out.changes.push(format!(
                    "id {} → {} in the query",
                    short(ours),
                    short(theirs)
                ));
            }
        }
        path.push('?');
        path.push_str(&q);
    }
    out.path = path;
    out.body = body.and_then(|text| {
        let mut v: Value = serde_json::from_str(text).ok()?;
        rewrite_json(&mut v, None, ids, password, &mut out);
        Some(v)
    });
    if body.is_some_and(|b| !b.trim().is_empty()) && out.body.is_none() {
        out.missing
            .push("the body is not json: sent as captured".to_owned());
    }
    out
}

/// `id` as one path segment: everything but RFC 3986's unreserved characters percent-encoded
/// (a target's id may hold `/`, `?` or spaces).
fn path_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn is_password_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k == "password" || k.ends_with(":password") || k.ends_with(".password")
}

fn rewrite_json(
    v: &mut Value,
    key: Option<&str>,
    ids: &IdMap,
    password: &mut dyn FnMut() -> String,
    out: &mut Rewritten,
) {
    match v {
        Value::Object(map) => {
            // A PATCH operation on the password: its value.
            let password_op = map
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("path"))
                .and_then(|(_, p)| p.as_str())
                .is_some_and(is_password_key);
            for (k, child) in map.iter_mut() {
                let is_password =
                    is_password_key(k) || (password_op && k.eq_ignore_ascii_case("value"));
                if is_password && child.as_str() == Some(REDACTED) {
                    *child = Value::String(password());
                    out.changes
                        .push("a password redacted at capture replaced by a generated one".into());
                    continue;
                }
                rewrite_json(child, Some(k), ids, password, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                rewrite_json(item, key, ids, password, out);
            }
        }
        Value::String(s) => {
            if let Some(theirs) = ids.get(s) {
                if theirs != s {
                    out.changes.push(format!(
                        "id {} → {} in {}",
                        short(s),
                        short(theirs),
                        key.unwrap_or("the body")
                    ));
                }
                *s = theirs.to_owned();
                return;
            }
            // A `$ref` URL ending in an id.
            if key.is_some_and(|k| k == "$ref")
                && let Some((head, last)) = s.rsplit_once('/')
                && let Some(theirs) = ids.get(last)
            {
                *s = format!("{head}/{theirs}");
                return;
            }
            // A member's or a PUT body's id the map does not know.
            if matches!(key, Some("value" | "id")) && looks_like_scimlab_id(s) {
                out.missing.push(format!(
                    "the id {s} in {} has no counterpart on the target: sent as captured",
                    key.unwrap_or("the body")
                ));
            }
        }
        _ => {}
    }
}

/// ScimLab gives resources UUIDs (36 characters, hyphens at 8, 13, 18 and 23).
fn looks_like_scimlab_id(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// Request headers worth sending again: the IdP's own (User-Agent, Accept…), without what
/// belongs to the connection, the tunnel or the old credentials. Returns the headers and, in
/// words, the ones left out because capture redacted them.
pub fn headers(captured: &[(String, String)]) -> (Vec<(String, String)>, Vec<String>) {
    const NEVER: &[&str] = &[
        "host",
        "authorization",
        "content-length",
        "connection",
        "transfer-encoding",
        "accept-encoding",
        "keep-alive",
        "te",
        "upgrade",
        "forwarded",
        "via",
        "cookie",
        "proxy-authorization",
        "proxy-connection",
    ];
    let mut keep = Vec::new();
    let mut dropped = Vec::new();
    for (name, value) in captured {
        let n = name.to_ascii_lowercase();
        if NEVER.contains(&n.as_str())
            || n.starts_with("x-forwarded-")
            || n == "x-real-ip"
            || n.starts_with("cf-")
            || n.starts_with("ngrok-")
        {
            continue;
        }
        if matches!(n.as_str(), "if-match" | "if-none-match") {
            dropped.push(format!(
                "header {name} carried ScimLab's version of the resource and is not sent (the target has its own)"
            ));
            continue;
        }
        if value == REDACTED || value.contains(REDACTED) {
            dropped.push(format!(
                "header {name} was redacted at capture and is not sent"
            ));
            continue;
        }
        keep.push((name.clone(), value.clone()));
    }
    (keep, dropped)
}

/// A password for a replayed create: 24 characters with upper and lower case letters, digits and
/// a symbol, from `bytes` (random).
pub fn password_from(bytes: &[u8; 24]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut p: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    p.replace_range(0..4, "Aa1!");
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fixed_password() -> String {
        "Generated-1".into()
    }

    #[test]
    fn relative_paths_start_at_the_endpoint() {
        assert_eq!(relative_path("/scim/v2/Users/x"), Some("/Users/x"));
        assert_eq!(relative_path("/scim/v2/Groups"), Some("/Groups"));
        assert_eq!(
            relative_path("/api/scim/Users/.search"),
            Some("/Users/.search")
        );
        assert_eq!(relative_path("/scim/v2/UsersX"), None);
        assert_eq!(
            relative_path("/scim/v2/Schemas/urn:x"),
            Some("/Schemas/urn:x")
        );
    }

    #[test]
    fn ids_in_the_path_body_members_and_refs_become_the_targets() {
        let mut ids = IdMap::default();
        let ours = "6f1c0a4e-1b2c-4d5e-8f90-0123456789ab";
        ids.learn(ours, "42");
        ids.learn("g-ours", "g-theirs");
        let body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "Add", "path": "members", "value": [
                {"value": ours, "$ref": format!("https://x/scim/v2/Users/{ours}")}
            ]}]
        })
        .to_string();
        let r = rewrite(
            "/scim/v2/Groups/g-ours",
            "",
            Some(&body),
            &ids,
            &mut fixed_password,
        );
        assert_eq!(r.path, "/Groups/g-theirs");
        let v = r.body.unwrap();
        assert_eq!(v["Operations"][0]["value"][0]["value"], "42");
        assert_eq!(
            v["Operations"][0]["value"][0]["$ref"],
            "https://x/scim/v2/Users/42"
        );
        assert!(r.unsendable.is_none());
        assert!(
            r.changes.iter().any(|c| c.contains("in the path")),
            "{:?}",
            r.changes
        );
    }

    #[test]
    fn an_unknown_id_in_the_path_makes_the_request_unsendable_and_in_a_body_is_reported() {
        let ids = IdMap::default();
        let unknown = "6f1c0a4e-1b2c-4d5e-8f90-0123456789ab";
        let r = rewrite(
            &format!("/scim/v2/Users/{unknown}"),
            "",
            None,
            &ids,
            &mut fixed_password,
        );
        assert!(r.unsendable.unwrap().contains(unknown));
        let body = json!({"members": [{"value": unknown}]}).to_string();
        let r = rewrite(
            "/scim/v2/Groups",
            "",
            Some(&body),
            &ids,
            &mut fixed_password,
        );
        assert!(r.unsendable.is_none());
        assert!(r.missing[0].contains(unknown), "{:?}", r.missing);
    }

    #[test]
    fn redacted_passwords_are_replaced_in_attributes_and_patch_values() {
        let body = json!({
            "userName": "a@x", "password": REDACTED,
            "urn:ietf:params:scim:schemas:core:2.0:User:password": REDACTED,
            "Operations": [{"op": "replace", "path": "password", "value": REDACTED}],
            "note": REDACTED
        })
        .to_string();
        let r = rewrite(
            "/scim/v2/Users",
            "",
            Some(&body),
            &IdMap::default(),
            &mut fixed_password,
        );
        let v = r.body.unwrap();
        assert_eq!(v["password"], "Generated-1");
        assert_eq!(
            v["urn:ietf:params:scim:schemas:core:2.0:User:password"],
            "Generated-1"
        );
        assert_eq!(v["Operations"][0]["value"], "Generated-1");
        assert_eq!(v["note"], REDACTED, "only passwords are invented");
        assert_eq!(r.changes.len(), 3);
    }

    #[test]
    fn queries_keep_their_text_with_known_ids_replaced() {
        let mut ids = IdMap::default();
        ids.learn("abcdefgh-1", "T1");
        let r = rewrite(
            "/scim/v2/Users",
            "filter=id+eq+%22abcdefgh-1%22&count=2",
            None,
            &ids,
            &mut fixed_password,
        );
        assert_eq!(r.path, "/Users?filter=id+eq+%22T1%22&count=2");
    }

    #[test]
    fn headers_keep_the_idps_own_and_drop_the_connections_and_secrets() {
        let captured: Vec<(String, String)> = [
            ("Host", "x.ngrok.app"),
            ("Authorization", "Bearer …abcd"),
            ("User-Agent", "Okta SCIM Client 1.0.0"),
            ("Accept-Charset", "utf-8"),
            ("X-Forwarded-For", "1.2.3.4"),
            ("X-Api-Key", REDACTED),
            ("Content-Type", "application/scim+json"),
            ("If-Match", "W/\"3\""),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let (keep, dropped) = headers(&captured);
        let names: Vec<&str> = keep.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["User-Agent", "Accept-Charset", "Content-Type"]);
        assert_eq!(dropped.len(), 2);
        assert!(dropped[0].contains("X-Api-Key"));
        assert!(dropped[1].contains("If-Match"));
    }

    #[test]
    fn target_ids_are_one_path_segment() {
        let mut ids = IdMap::default();
        ids.learn("ours", "a b/c?d");
        let r = rewrite("/scim/v2/Users/ours", "", None, &ids, &mut fixed_password);
        assert_eq!(r.path, "/Users/a%20b%2Fc%3Fd");
    }

    #[test]
    fn generated_passwords_have_every_class() {
        let p = password_from(&[7; 24]);
        assert_eq!(p.len(), 24);
        assert!(p.chars().any(|c| c.is_ascii_uppercase()));
        assert!(p.chars().any(|c| c.is_ascii_lowercase()));
        assert!(p.chars().any(|c| c.is_ascii_digit()));
        assert!(p.contains('!'));
        assert_ne!(password_from(&[1; 24]), password_from(&[2; 24]));
    }
}
