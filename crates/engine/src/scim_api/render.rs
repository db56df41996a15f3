//! Turning stored rows into the SCIM resources clients receive: `id`, `meta` (with `location`
//! and the weak ETag `version`), a user's `groups` and a group's `members`.

use crate::store::prelude::*;
use crate::store::resources::StoredResource;
use scimlab_scim::{ResourceKind, resource};
use serde_json::{Map, Value, json};

/// The weak ETag of a stored version.
pub fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// The `meta.location` of a resource.
pub fn location(base_url: &str, kind: ResourceKind, id: &str) -> String {
    format!("{base_url}{}/{id}", kind.endpoint())
}

/// The full SCIM resource: `schemas`, `id`, stored attributes, `groups`/`members`, `meta`.
/// `related` is the user's `groups` or the group's `members` (already loaded by the caller).
///
/// Never a password: writes drop them before storage and the store's migration 0007 removed
/// those an older version kept; a row that still holds one (restored from an old backup) is
/// rendered without it.
pub fn render(r: &StoredResource, related: Option<Vec<Value>>, base_url: &str) -> Value {
    let mut out = Map::with_capacity(r.attributes.len() + 4);
    if let Some(s) = r.attributes.get("schemas") {
        out.insert("schemas".into(), s.clone());
    }
    out.insert("id".into(), Value::String(r.id.to_string()));
    for (k, v) in &r.attributes {
        if k != "schemas" {
            out.insert(k.clone(), v.clone());
        }
    }
    resource::drop_passwords_in(&mut out);
    match (r.kind, related) {
        (ResourceKind::User, Some(groups)) if !groups.is_empty() => {
            let groups = groups
                .into_iter()
                .map(|mut g| {
                    if let Some(id) = g.get("value").and_then(Value::as_str).map(str::to_owned) {
                        g["$ref"] = Value::String(location(base_url, ResourceKind::Group, &id));
                    }
                    g
                })
                .collect();
            out.insert("groups".into(), Value::Array(groups));
        }
        (ResourceKind::Group, Some(members)) => {
            out.insert("members".into(), Value::Array(members));
        }
        _ => {}
    }
    out.insert(
        "meta".into(),
        json!({
            "resourceType": r.kind.name(),
            "created": r.created,
            "lastModified": r.last_modified,
            "location": location(base_url, r.kind, &r.id),
            "version": etag(r.version),
        }),
    );
    Value::Object(out)
}

pub use crate::wire::now;

/// Render `rows` with their `groups` (users, one query for the page) or `members` (groups).
pub async fn render_all(
    conn: &mut crate::store::Conn,
    rows: &[StoredResource],
    base_url: &str,
) -> crate::store::Result<Vec<Value>> {
    let mut related = conn.related_members(rows).await?;
    Ok(rows
        .iter()
        .map(|r| {
            render(
                r,
                Some(related.remove(r.id.as_str()).unwrap_or_default()),
                base_url,
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 11 §4: a row an older version wrote with a password never renders it.
    #[test]
    fn a_stored_password_is_never_rendered() {
        let attrs = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "a",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"password": "legacy", "department": "Ops"}
        });
        let Value::Object(attributes) = attrs else {
            unreachable!()
        };
        let r = StoredResource {
            pk: 1,
            id: "u1".into(),
            kind: ResourceKind::User,
            attributes,
            version: 2,
            created: "t".into(),
            last_modified: "t".into(),
            unreadable: None,
        };
        let out = render(&r, None, "http://h/scim/v2");
        assert!(!out.to_string().contains("legacy"), "{out}");
        assert_eq!(
            out["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"],
            "Ops"
        );
        assert_eq!(out["meta"]["version"], "W/\"2\"");
    }
}
