//! ETags and conditional requests: `meta.version` changes on every write; `If-Match` → 412 when
//! stale; `If-None-Match` → 304 when current.

use scimlab_tests::{TestEngine, assert_scim_error};
use serde_json::json;

#[tokio::test]
async fn version_changes_on_every_write_and_matches_the_etag_header() {
    let e = TestEngine::start().await;
    let r = e.post("/Users", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "v@example.com"})).await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        r.header("etag"),
        r.body["meta"]["version"].as_str().unwrap()
    );
    assert!(
        r.header("location")
            .ends_with(&format!("/scim/v2/Users/{id}"))
    );
    let mut versions = vec![r.body["meta"]["version"].clone()];
    let p = e.patch(&format!("/Users/{id}"), &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "active", "value": true}]})).await;
    versions.push(p.body["meta"]["version"].clone());
    let p = e.patch(&format!("/Users/{id}"), &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "active", "value": true}]})).await;
    versions.push(p.body["meta"]["version"].clone());
    let u = e.put(&format!("/Users/{id}"), &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "v@example.com"})).await;
    versions.push(u.body["meta"]["version"].clone());
    let mut dedup = versions.clone();
    dedup.dedup();
    assert_eq!(dedup.len(), 4, "{versions:?}");
    assert!(u.body["meta"]["lastModified"].as_str() >= u.body["meta"]["created"].as_str());
}

#[tokio::test]
async fn if_match_and_if_none_match_are_honoured() {
    let e = TestEngine::start().await;
    let id = e.create_user("c@example.com").await;
    let path = format!("/Users/{id}");
    let auth = format!("Bearer {}", e.key);
    let current = e.get(&path).await.header("etag").to_owned();

    let r = e
        .send_raw(
            "GET",
            &path,
            None,
            &[("authorization", &auth), ("if-none-match", &current)],
        )
        .await;
    assert_eq!(r.status, 304);
    let r = e
        .send_raw(
            "GET",
            &path,
            None,
            &[("authorization", &auth), ("if-none-match", "W/\"999\"")],
        )
        .await;
    assert_eq!(r.status, 200);

    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "displayName", "value": "New"}]}).to_string();
    let stale = e
        .send_raw(
            "PATCH",
            &path,
            Some(patch.clone()),
            &[("authorization", &auth), ("if-match", "W/\"999\"")],
        )
        .await;
    assert_scim_error!(stale, 412);
    assert!(
        e.get(&path).await.body.get("displayName").is_none(),
        "a stale write changes nothing"
    );
    let ok = e
        .send_raw(
            "PATCH",
            &path,
            Some(patch),
            &[("authorization", &auth), ("if-match", &current)],
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);

    let del = e
        .send_raw(
            "DELETE",
            &path,
            None,
            &[("authorization", &auth), ("if-match", &current)],
        )
        .await;
    assert_scim_error!(del, 412);
    let now = e.get(&path).await.header("etag").to_owned();
    let del = e
        .send_raw(
            "DELETE",
            &path,
            None,
            &[("authorization", &auth), ("if-match", &now)],
        )
        .await;
    assert_eq!(del.status, 204);
}

#[tokio::test]
async fn deleting_a_member_bumps_its_groups_version() {
    let e = TestEngine::start().await;
    let uid = e.create_user("gone@example.com").await;
    let g = e.post("/Groups", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Team", "members": [{"value": uid}]})).await;
    let gid = g.body["id"].as_str().unwrap().to_owned();
    let before = g.body["meta"]["version"].clone();
    assert_eq!(e.delete(&format!("/Users/{uid}")).await.status, 204);
    let after = e.get(&format!("/Groups/{gid}")).await;
    assert_eq!(after.body["members"], json!([]));
    assert_ne!(after.body["meta"]["version"], before);
}

/// A user's `groups` is part of the user: joining, leaving, or a rename of the group changes
/// the user's version, so `If-None-Match` never serves stale `groups`.
#[tokio::test]
async fn membership_changes_re_version_the_member() {
    let e = TestEngine::start().await;
    let uid = e.create_user("member@example.com").await;
    let upath = format!("/Users/{uid}");
    let v1 = e.get(&upath).await.header("etag").to_owned();
    let g = e.post("/Groups", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Team", "members": [{"value": uid}]})).await;
    let gid = g.body["id"].as_str().unwrap().to_owned();
    let auth = format!("Bearer {}", e.key);
    let r = e
        .send_raw(
            "GET",
            &upath,
            None,
            &[("authorization", &auth), ("if-none-match", &v1)],
        )
        .await;
    assert_eq!(r.status, 200, "joining a group changed the user");
    assert_eq!(r.body["groups"][0]["display"], "Team");
    let v2 = r.header("etag").to_owned();
    let renamed = e.patch(&format!("/Groups/{gid}"), &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "displayName", "value": "Team 2"}]})).await;
    assert_eq!(renamed.status, 204);
    let r = e
        .send_raw(
            "GET",
            &upath,
            None,
            &[("authorization", &auth), ("if-none-match", &v2)],
        )
        .await;
    assert_eq!(
        r.status, 200,
        "a rename of the group changed the user's groups[].display"
    );
    assert_eq!(r.body["groups"][0]["display"], "Team 2");
    let v3 = r.header("etag").to_owned();
    let left = e.patch(&format!("/Groups/{gid}"), &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "remove", "path": format!("members[value eq \"{uid}\"]")}]})).await;
    assert_eq!(left.status, 204);
    let r = e
        .send_raw(
            "GET",
            &upath,
            None,
            &[("authorization", &auth), ("if-none-match", &v3)],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.get("groups").is_none());
}

/// A user's own PATCH or PUT cannot change its groups (read-only, split out before storage), so
/// the answer takes them from the rendering before the write: they must still be there, with
/// their `$ref`, even when the body tries to send other groups.
#[tokio::test]
async fn a_users_update_answers_with_its_groups_unchanged() {
    let e = TestEngine::start().await;
    let uid = e.create_user("grouped@example.com").await;
    let g = e.post("/Groups", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Team", "members": [{"value": uid}]})).await;
    let gid = g.body["id"].as_str().unwrap().to_owned();
    let upath = format!("/Users/{uid}");
    let patched = e.patch(&upath, &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "displayName", "value": "Grouped One"}]})).await;
    assert_eq!(patched.status, 200, "{patched:?}");
    assert_eq!(patched.body["displayName"], "Grouped One");
    assert_eq!(patched.body["groups"][0]["value"], gid.as_str());
    assert_eq!(patched.body["groups"][0]["display"], "Team");
    assert!(
        patched.body["groups"][0]["$ref"]
            .as_str()
            .is_some_and(|r| r.ends_with(&format!("/Groups/{gid}"))),
        "{:?}",
        patched.body
    );
    let put = e.put(&upath, &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "grouped@example.com", "groups": [{"value": "not-a-group"}]})).await;
    assert_eq!(put.status, 200, "{put:?}");
    assert_eq!(put.body["groups"].as_array().map(Vec::len), Some(1));
    assert_eq!(put.body["groups"][0]["value"], gid.as_str());
    assert_eq!(e.get(&upath).await.body["groups"], put.body["groups"]);
    let left = e.patch(&format!("/Groups/{gid}"), &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "remove", "path": format!("members[value eq \"{uid}\"]")}]})).await;
    assert_eq!(left.status, 204);
    let alone = e.patch(&upath, &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "active", "value": false}]})).await;
    assert_eq!(alone.status, 200);
    assert!(alone.body.get("groups").is_none(), "{:?}", alone.body);
}
