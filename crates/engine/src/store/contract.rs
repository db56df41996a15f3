//! The store's contract: what every backend must do, as tests written once against the traits
//! of [`super::api`] and run for each backend (`contract_suite!`). The SQLite backend runs them
//! below; a PostgreSQL backend adds one line (`mod postgres { contract_suite!(…); }`) and must
//! pass the same suite unchanged.
//!
//! Each check names the guarantee it holds the backend to: sessions (commit, rollback,
//! isolation), uniqueness in the database (case and NFC folded, also under concurrent writers),
//! versions as ETags, memberships, lookups, paging, searches, scans, the capture log (ids,
//! retention, folds, filters, counts), mapping rows, and the reset.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::StoreError;
use super::api::*;
use super::exchanges::{ExchangeQuery, ExchangeRange};
use super::mapping::RoleChangeRow;
use super::resources::{IndexHint, SqlOrder, UserSearch, UserSort};
use crate::checks::testkit::ex;
use crate::model::{Exchange, Idp, OperationKind};
use scimlab_scim::ResourceKind;
use serde_json::{Map, Value, json};

fn attrs(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

fn user(name: &str) -> Map<String, Value> {
    attrs(json!({"userName": name, "active": true}))
}

fn group(name: &str) -> Map<String, Value> {
    attrs(json!({"displayName": name}))
}

/// Insert users in one committed write; returns nothing (read them back by id).
async fn seed_users<B: Backend>(b: &B, names: &[&str]) {
    let mut w = b.writer().await.unwrap();
    for (i, n) in names.iter().enumerate() {
        w.insert_resource(
            ResourceKind::User,
            &(format!("u{i}")).into(),
            &user(n),
            "2026-01-01T00:00:00.000Z",
        )
        .await
        .unwrap();
    }
    w.commit().await.unwrap();
}

/// A created-user exchange as the capture writer stores it.
fn created(idp: Idp, user_id: &str, name: &str) -> Exchange {
    let mut e = ex(0, idp, "POST", "/scim/v2/Users", 201, OperationKind::Create);
    e.summary.resource_type = Some(ResourceKind::User);
    e.summary.resource_id = Some(user_id.into());
    e.summary.resource_name = Some(name.into());
    e.request_body = Some(json!({"userName": name}).to_string());
    e
}

/// The first of a fold of rejected requests (a `401` without a valid key).
fn rejected_fold() -> Exchange {
    let mut e = ex(
        0,
        Idp::Other,
        "GET",
        "/scim/v2/Users",
        401,
        OperationKind::Rejected,
    );
    e.summary.fold_count = Some(1);
    e
}

async fn insert_exchanges<B: Backend>(b: &B, batch: &[Exchange], retention: i64) -> Vec<i64> {
    let mut w = b.writer().await.unwrap();
    let ids = w.insert_exchanges(batch, retention).await.unwrap();
    w.commit().await.unwrap();
    ids
}

pub(super) async fn settings_round_trip<B: Backend>(b: &B) {
    let mut w = b.writer().await.unwrap();
    assert_eq!(w.setting("k").await.unwrap(), None);
    w.set_setting("k", "one").await.unwrap();
    w.set_setting("k", "two").await.unwrap();
    w.commit().await.unwrap();
    let mut r = b.reader().await.unwrap();
    assert_eq!(r.setting("k").await.unwrap().as_deref(), Some("two"));
}

pub(super) async fn a_writer_is_all_or_nothing<B: Backend>(b: &B) {
    {
        let mut w = b.writer().await.unwrap();
        w.insert_resource(ResourceKind::User, &"gone".into(), &user("gone@x"), "t")
            .await
            .unwrap();
        w.set_setting("k", "gone").await.unwrap();
        // Dropped without commit.
    }
    let mut r = b.reader().await.unwrap();
    assert_eq!(r.count_resources(ResourceKind::User).await.unwrap(), 0);
    assert_eq!(r.setting("k").await.unwrap(), None);
    drop(r);

    let mut w = b.writer().await.unwrap();
    w.insert_resource(ResourceKind::User, &"kept".into(), &user("kept@x"), "t")
        .await
        .unwrap();
    // A reader sees nothing of a write in progress…
    let mut r = b.reader().await.unwrap();
    assert_eq!(r.count_resources(ResourceKind::User).await.unwrap(), 0);
    drop(r);
    w.commit().await.unwrap();
    // …and all of it once committed.
    let mut r = b.reader().await.unwrap();
    assert_eq!(r.count_resources(ResourceKind::User).await.unwrap(), 1);
    assert!(
        r.resource(ResourceKind::User, "kept")
            .await
            .unwrap()
            .is_some()
    );
}

pub(super) async fn names_are_unique_case_and_nfc_folded<B: Backend>(b: &B) {
    let mut w = b.writer().await.unwrap();
    w.insert_resource(
        ResourceKind::User,
        &"a".into(),
        &user("Ada@Example.com"),
        "t",
    )
    .await
    .unwrap();
    let err = w
        .insert_resource(
            ResourceKind::User,
            &"b".into(),
            &user("ada@EXAMPLE.com"),
            "t",
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Conflict { field: "userName", value } if value == "ada@EXAMPLE.com"),
        "{err:?}"
    );
    // "José" composed (NFC) and decomposed (NFD) are one name.
    w.insert_resource(ResourceKind::User, &"c".into(), &user("Jos\u{e9}"), "t")
        .await
        .unwrap();
    assert!(matches!(
        w.insert_resource(ResourceKind::User, &"d".into(), &user("Jose\u{301}"), "t")
            .await,
        Err(StoreError::Conflict { .. })
    ));
    // Groups have their own names; a group may share a user's name.
    w.insert_resource(
        ResourceKind::Group,
        &"g1".into(),
        &group("Ada@Example.com"),
        "t",
    )
    .await
    .unwrap();
    assert!(matches!(
        w.insert_resource(
            ResourceKind::Group,
            &"g2".into(),
            &group("ADA@example.com"),
            "t"
        )
        .await,
        Err(StoreError::Conflict {
            field: "displayName",
            ..
        })
    ));
    // Ids are unique across kinds.
    assert!(matches!(
        w.insert_resource(ResourceKind::User, &"g1".into(), &user("other@x"), "t")
            .await,
        Err(StoreError::Conflict { .. })
    ));
    w.commit().await.unwrap();
    let mut r = b.reader().await.unwrap();
    assert_eq!(r.count_resources(ResourceKind::User).await.unwrap(), 2);
    assert_eq!(r.count_resources(ResourceKind::Group).await.unwrap(), 1);
}

pub(super) async fn concurrent_duplicates_leave_one_row<B: Backend>(b: &B) {
    let attempts = (0..8).map(|i| async move {
        let mut w = b.writer().await?;
        w.insert_resource(
            ResourceKind::User,
            &(format!("dup{i}")).into(),
            &user("Same@x"),
            "t",
        )
        .await?;
        w.commit().await
    });
    let results = futures_util::future::join_all(attempts).await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    let conflicts = results
        .iter()
        .filter(|r| matches!(r, Err(StoreError::Conflict { .. })))
        .count();
    assert_eq!((won, conflicts), (1, 7), "{results:?}");
    let mut r = b.reader().await.unwrap();
    assert_eq!(r.count_resources(ResourceKind::User).await.unwrap(), 1);
}

pub(super) async fn versions_grow_by_one_per_write<B: Backend>(b: &B) {
    let mut w = b.writer().await.unwrap();
    let v1 = w
        .insert_resource(
            ResourceKind::User,
            &"u".into(),
            &user("v@x"),
            "2026-01-01T00:00:00.000Z",
        )
        .await
        .unwrap();
    assert_eq!(v1.version, 1);
    w.insert_resource(ResourceKind::User, &"taken".into(), &user("taken@x"), "t")
        .await
        .unwrap();
    let mut changed = user("v2@x");
    changed.insert("title".into(), json!("Engineer"));
    let v2 = w
        .update_resource(&v1, &changed, "2026-01-02T00:00:00.000Z")
        .await
        .unwrap();
    assert_eq!(v2.version, 2);
    // Renaming onto a taken name is refused and changes nothing.
    assert!(matches!(
        w.update_resource(&v2, &user("TAKEN@x"), "2026-01-03T00:00:00.000Z")
            .await,
        Err(StoreError::Conflict { .. })
    ));
    w.touch_resources(&[v2.pk], "2026-01-04T00:00:00.000Z")
        .await
        .unwrap();
    w.touch_users(
        &["u".into(), "no-such-user".into()],
        "2026-01-05T00:00:00.000Z",
    )
    .await
    .unwrap();
    w.commit().await.unwrap();
    let mut r = b.reader().await.unwrap();
    let now = r.resource(ResourceKind::User, "u").await.unwrap().unwrap();
    assert_eq!(now.version, 4, "update, touch, touch");
    assert_eq!(now.attributes.get("userName"), Some(&json!("v2@x")));
    assert_eq!(now.attributes.get("title"), Some(&json!("Engineer")));
    assert_eq!(now.created, "2026-01-01T00:00:00.000Z");
    assert_eq!(now.last_modified, "2026-01-05T00:00:00.000Z");
    // The old name is free again; the kind matters for a read by id.
    assert!(
        r.resource(ResourceKind::Group, "u")
            .await
            .unwrap()
            .is_none()
    );
    let found = r
        .lookup_resources(ResourceKind::User, &IndexHint::Name("V@X".into()))
        .await
        .unwrap();
    assert!(found.is_empty());
}

pub(super) async fn memberships_follow_their_groups<B: Backend>(b: &B) {
    seed_users(b, &["m0@x", "m1@x", "m2@x"]).await;
    let mut w = b.writer().await.unwrap();
    let g = w
        .insert_resource(ResourceKind::Group, &"g".into(), &group("Team"), "t")
        .await
        .unwrap();
    let h = w
        .insert_resource(ResourceKind::Group, &"h".into(), &group("Other"), "t")
        .await
        .unwrap();
    let joined = w
        .set_members(
            g.pk,
            &[
                json!({"value": "u1"}),
                json!({"value": "u0", "display": "m0"}),
                json!({"value": "u1"}),
                json!({"display": "no value"}),
            ],
        )
        .await
        .unwrap();
    let mut joined_sorted = joined.clone();
    joined_sorted.sort();
    assert_eq!(joined_sorted, ["u0", "u1"]);
    w.set_members(h.pk, &[json!({"value": "u1"})])
        .await
        .unwrap();
    let members = w.members_of(g.pk).await.unwrap();
    let values: Vec<&str> = members
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    assert_eq!(
        values,
        ["u1", "u0"],
        "arrival order, the first occurrence wins"
    );
    // Replacing the members reports who joined or left.
    let mut moved = w
        .set_members(g.pk, &[json!({"value": "u0"}), json!({"value": "u2"})])
        .await
        .unwrap();
    moved.sort();
    assert_eq!(moved, ["u1", "u2"]);
    let groups = w.groups_of_users(&["u0", "u1", "u2"]).await.unwrap();
    assert_eq!(groups["u0"].len(), 1);
    assert_eq!(groups["u0"][0].get("value"), Some(&json!("g")));
    assert_eq!(groups["u0"][0].get("display"), Some(&json!("Team")));
    assert_eq!(groups["u1"][0].get("value"), Some(&json!("h")));
    let rows = vec![
        w.resource(ResourceKind::User, "u1").await.unwrap().unwrap(),
        g.clone(),
    ];
    let related = w.related_members(&rows).await.unwrap();
    assert_eq!(related["u1"].len(), 1);
    assert_eq!(related["g"].len(), 2);
    // A user removed everywhere leaves both groups; a deleted group takes its members along.
    let mut left = w.remove_member_everywhere("u0").await.unwrap();
    left.sort();
    assert_eq!(left, [g.pk]);
    assert!(w.delete_resource(ResourceKind::Group, "h").await.unwrap());
    assert!(!w.delete_resource(ResourceKind::Group, "h").await.unwrap());
    w.commit().await.unwrap();
    let mut r = b.reader().await.unwrap();
    let groups = r.groups_of_users(&["u0", "u1", "u2"]).await.unwrap();
    assert!(groups.get("u0").is_none_or(Vec::is_empty));
    assert!(groups.get("u1").is_none_or(Vec::is_empty));
    assert_eq!(groups["u2"].len(), 1);
}

/// Members are rewritten as a diff: a member whose JSON changed keeps its place and is not
/// reported, one who left and came back goes last, an unchanged list changes nothing; the
/// related members of several groups and users are read at once, each in its order.
pub(super) async fn members_are_rewritten_as_a_diff<B: Backend>(b: &B) {
    seed_users(b, &["a@x", "b@x", "c@x"]).await;
    let mut w = b.writer().await.unwrap();
    let g = w
        .insert_resource(ResourceKind::Group, &"g".into(), &group("G"), "t")
        .await
        .unwrap();
    let h = w
        .insert_resource(ResourceKind::Group, &"h".into(), &group("H"), "t")
        .await
        .unwrap();
    let three = [
        json!({"value": "u0"}),
        json!({"value": "u1"}),
        json!({"value": "u2"}),
    ];
    w.set_members(g.pk, &three).await.unwrap();
    let renamed = [
        json!({"value": "u0"}),
        json!({"value": "u1", "display": "B"}),
        json!({"value": "u2"}),
    ];
    let changed = w.set_members(g.pk, &renamed).await.unwrap();
    assert!(changed.is_empty(), "only its JSON changed: {changed:?}");
    assert_eq!(w.members_of(g.pk).await.unwrap(), renamed, "in place");
    assert!(w.set_members(g.pk, &renamed).await.unwrap().is_empty());
    let left = w.set_members(g.pk, &renamed[1..]).await.unwrap();
    assert_eq!(left, ["u0"]);
    let back = w.set_members(g.pk, &renamed).await.unwrap();
    assert_eq!(back, ["u0"]);
    let values = |members: &[Value]| -> Vec<String> {
        members
            .iter()
            .map(|m| m["value"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        values(&w.members_of(g.pk).await.unwrap()),
        ["u1", "u2", "u0"],
        "who came back goes last"
    );
    w.set_members(h.pk, &[json!({"value": "u2"}), json!({"value": "u0"})])
        .await
        .unwrap();
    let u2 = w.resource(ResourceKind::User, "u2").await.unwrap().unwrap();
    let u1 = w.resource(ResourceKind::User, "u1").await.unwrap().unwrap();
    let related = w
        .related_members(&[h.clone(), u2, g.clone(), u1])
        .await
        .unwrap();
    assert_eq!(values(&related["g"]), ["u1", "u2", "u0"]);
    assert_eq!(values(&related["h"]), ["u2", "u0"]);
    assert_eq!(
        values(&related["u2"]),
        ["g", "h"],
        "groups in creation order"
    );
    assert_eq!(values(&related["u1"]), ["g"]);
    assert_eq!(related.len(), 4);
    w.commit().await.unwrap();
}

/// A NUL in text a client sent (a displayName, an externalId, a member's value, an id in a URL
/// or a filter) never fails a write or a read: the attributes read back as sent, lookups
/// answer, and the user list still reads the user's JSON.
pub(super) async fn text_with_a_nul_is_stored_and_looked_up<B: Backend>(b: &B) {
    let mut w = b.writer().await.unwrap();
    let mut a = user("nul@x");
    a.insert("displayName".into(), json!("Ada\u{0}Lovelace"));
    a.insert("externalId".into(), json!("ext\u{0}1"));
    a.insert("active".into(), json!(false));
    w.insert_resource(ResourceKind::User, &"u-nul".into(), &a, "t")
        .await
        .unwrap();
    let g = w
        .insert_resource(ResourceKind::Group, &"g".into(), &group("G"), "t")
        .await
        .unwrap();
    let members = [json!({"value": "m\u{0}1"}), json!({"value": "u-nul"})];
    let joined = w.set_members(g.pk, &members).await.unwrap();
    assert_eq!(joined.len(), 2);
    assert!(w.set_members(g.pk, &members).await.unwrap().is_empty());
    w.touch_users(&["m\u{0}1".into(), "u-nul".into()], "t2")
        .await
        .unwrap();
    assert!(
        w.resource(ResourceKind::User, "u-nul\u{0}")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        !w.delete_resource(ResourceKind::User, "u-nul\u{0}")
            .await
            .unwrap()
    );
    w.commit().await.unwrap();
    let mut r = b.reader().await.unwrap();
    let stored = r
        .resource(ResourceKind::User, "u-nul")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.attributes, a);
    assert_eq!(stored.version, 2);
    let found = r
        .lookup_resources(
            ResourceKind::User,
            &IndexHint::ExternalId("ext\u{0}1".into()),
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert!(
        r.lookup_resources(ResourceKind::User, &IndexHint::Id("u-nul\u{0}".into()))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(r.members_of(g.pk).await.unwrap(), members);
    let (total, rows) = r
        .search_users(&UserSearch {
            active: Some(false),
            limit: 10,
            ..UserSearch::default()
        })
        .await
        .unwrap();
    assert_eq!((total, rows.len()), (1, 1), "inactive, read from its json");
}

pub(super) async fn lookups_pages_and_scans<B: Backend>(b: &B) {
    let mut w = b.writer().await.unwrap();
    for (i, name) in ["carol@x", "Alice@x", "bob@x"].iter().enumerate() {
        let mut a = user(name);
        a.insert("externalId".into(), json!(format!("EXT-{i}")));
        w.insert_resource(ResourceKind::User, &(format!("id{i}")).into(), &a, "t")
            .await
            .unwrap();
    }
    w.commit().await.unwrap();
    let mut r = b.reader().await.unwrap();
    let by_name = r
        .lookup_resources(ResourceKind::User, &IndexHint::Name("ALICE@X".into()))
        .await
        .unwrap();
    assert_eq!(by_name.len(), 1);
    assert_eq!(by_name[0].id, "id1");
    let by_id = r
        .lookup_resources(ResourceKind::User, &IndexHint::Id("id2".into()))
        .await
        .unwrap();
    assert_eq!(by_id[0].attributes["userName"], json!("bob@x"));
    // externalId is case-exact.
    let exact = r
        .lookup_resources(ResourceKind::User, &IndexHint::ExternalId("EXT-0".into()))
        .await
        .unwrap();
    assert_eq!(exact.len(), 1);
    let other_case = r
        .lookup_resources(ResourceKind::User, &IndexHint::ExternalId("ext-0".into()))
        .await
        .unwrap();
    assert!(other_case.is_empty());

    let ids = |rows: Vec<super::resources::StoredResource>| {
        rows.into_iter().map(|r| r.id).collect::<Vec<_>>()
    };
    let created = r
        .resource_page(ResourceKind::User, SqlOrder::Created, false, 0, 10)
        .await
        .unwrap();
    assert_eq!(ids(created), ["id0", "id1", "id2"]);
    let by_name = r
        .resource_page(ResourceKind::User, SqlOrder::Name, false, 0, 10)
        .await
        .unwrap();
    assert_eq!(ids(by_name), ["id1", "id2", "id0"], "alice, bob, carol");
    let second = r
        .resource_page(ResourceKind::User, SqlOrder::Name, true, 1, 1)
        .await
        .unwrap();
    assert_eq!(ids(second), ["id2"]);
    assert_eq!(
        ids(r.all_resources(ResourceKind::User).await.unwrap()).len(),
        3
    );

    // Keyset scans: pages of two, then the rest, then the end.
    let first = r.resources_after(ResourceKind::User, 0, 2).await.unwrap();
    assert_eq!(first.len(), 2);
    let rest = r
        .resources_after(ResourceKind::User, first[1].pk, 2)
        .await
        .unwrap();
    assert_eq!(ids(rest), ["id2"]);
    let page = r.attributes_after(ResourceKind::User, 0, 10).await.unwrap();
    assert_eq!(page.rows.len(), 3);
    assert!(page.rows.iter().all(|(_, a)| a.is_some()));
    let pks: Vec<i64> = page.rows.iter().rev().map(|(pk, _)| *pk).collect();
    let again = r.resources_by_pks(ResourceKind::User, &pks).await.unwrap();
    assert_eq!(ids(again), ["id0", "id1", "id2"], "creation order");
    let end = r
        .attributes_after(ResourceKind::User, page.rows[2].0, 10)
        .await
        .unwrap();
    assert!(end.rows.is_empty() && end.last.is_none());
}

pub(super) async fn user_search_filters_in_the_database<B: Backend>(b: &B) {
    let mut w = b.writer().await.unwrap();
    for (id, name, active) in [
        ("e1", "ada@entra.example", true),
        ("e2", "bob@entra.example", false),
        ("o1", "ada@okta.example", true),
    ] {
        let mut a = user(name);
        a.insert("active".into(), json!(active));
        w.insert_resource(ResourceKind::User, &id.into(), &a, "t")
            .await
            .unwrap();
    }
    w.commit().await.unwrap();
    insert_exchanges(
        b,
        &[
            created(Idp::Entra, "e1", "ada@entra.example"),
            created(Idp::Entra, "e2", "bob@entra.example"),
            created(Idp::Okta, "o1", "ada@okta.example"),
        ],
        100,
    )
    .await;
    let mut r = b.reader().await.unwrap();
    let search = |text: Option<&str>, idp: Option<Idp>, active: Option<bool>| UserSearch {
        text: text.map(Into::into),
        idp,
        active,
        sort: UserSort::UserName,
        descending: false,
        offset: 0,
        limit: 10,
    };
    let (total, rows) = r
        .search_users(&search(Some("ADA"), None, None))
        .await
        .unwrap();
    assert_eq!(total, 2);
    assert_eq!(rows.len(), 2);
    let (total, rows) = r
        .search_users(&search(None, Some(Idp::Entra), None))
        .await
        .unwrap();
    assert_eq!(total, 2);
    assert!(rows.iter().all(|(_, idp)| *idp == Idp::Entra));
    let (total, rows) = r
        .search_users(&search(None, Some(Idp::Entra), Some(false)))
        .await
        .unwrap();
    assert_eq!((total, rows[0].0.id.as_str()), (1, "e2"));
    // A page smaller than the total keeps the true total.
    let mut paged = search(None, None, None);
    paged.limit = 1;
    let (total, rows) = r.search_users(&paged).await.unwrap();
    assert_eq!((total, rows.len()), (3, 1));
    // Who created whom, from the capture log.
    assert_eq!(r.creator_of("o1").await.unwrap().as_deref(), Some("okta"));
    assert_eq!(r.creator_of("nobody").await.unwrap(), None);
    let creators = r.user_creators().await.unwrap();
    assert_eq!(creators.get("e2").map(String::as_str), Some("entra"));
    assert_eq!(creators.len(), 3);
}

/// A user as the Users list must see it, worked out from its stored row alone.
struct Listed {
    pk: i64,
    id: String,
    creator: Idp,
    active: bool,
    name_key: String,
    display_key: String,
    modified: String,
    search: String,
}

fn listed(
    r: &super::resources::StoredResource,
    creators: &std::collections::HashMap<String, String>,
) -> Listed {
    let a = &r.attributes;
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_owned();
    let name_key = super::resources::fold(a.get("userName").and_then(Value::as_str).unwrap_or(""));
    let display = a.get("displayName").and_then(Value::as_str);
    let active = match a.get("active") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => !matches!(s.to_ascii_lowercase().as_str(), "0" | "false"),
        Some(Value::Number(n)) => n.to_string() != "0",
        _ => true,
    };
    let name = a.get("name");
    let emails: Vec<String> = a
        .get("emails")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|e| e.as_object().map(|o| text(o.get("value"))))
                .collect()
        })
        .unwrap_or_default();
    let search = [
        name_key.clone(),
        display.unwrap_or("").to_owned(),
        text(name.and_then(|n| n.get("givenName"))),
        text(name.and_then(|n| n.get("familyName"))),
        text(name.and_then(|n| n.get("formatted"))),
        emails.join("\n"),
        text(a.get("externalId")),
    ]
    .join("\n")
    .to_ascii_lowercase();
    Listed {
        pk: r.pk,
        id: r.id.to_string(),
        creator: creators
            .get(r.id.as_str())
            .map_or(Idp::Other, |c| Idp::parse(c)),
        active,
        display_key: display.unwrap_or(&name_key).to_ascii_lowercase(),
        name_key,
        modified: r.last_modified.clone(),
        search,
    }
}

/// Compare `search_users` with the list worked out from every stored user, for every mix of
/// text, IdP, active, order, direction and page.
async fn the_list_agrees<B: Backend>(b: &B, step: &str) {
    let mut r = b.reader().await.unwrap();
    let creators = r.user_creators().await.unwrap();
    let users: Vec<Listed> = r
        .all_resources(ResourceKind::User)
        .await
        .unwrap()
        .iter()
        .map(|u| listed(u, &creators))
        .collect();
    let texts = [
        None,
        Some("ADA"),
        Some("example"),
        Some("smith"),
        Some("zz-none"),
        Some("u3"),
        Some("b"),
        // `r%s` and `n_e` must not act as wildcards; `e%p` is found as typed.
        Some("r%s"),
        Some("e%p"),
        Some("n_e"),
        Some("r_s"),
    ];
    let idps = [None, Some(Idp::Entra), Some(Idp::Okta), Some(Idp::Other)];
    let sorts = [
        UserSort::Created,
        UserSort::UserName,
        UserSort::DisplayName,
        UserSort::LastModified,
    ];
    for text in texts.iter().copied() {
        for idp in idps {
            for active in [None, Some(true), Some(false)] {
                for sort in sorts {
                    for descending in [false, true] {
                        for (offset, limit) in [(0, 100), (2, 3), (0, 0)] {
                            let q = UserSearch {
                                text: text.map(Into::into),
                                idp,
                                active,
                                sort,
                                descending,
                                offset,
                                limit,
                            };
                            let mut want: Vec<&Listed> = users
                                .iter()
                                .filter(|u| {
                                    text.is_none_or(|t| {
                                        u.id == t || u.search.contains(&t.to_ascii_lowercase())
                                    }) && idp.is_none_or(|i| u.creator == i)
                                        && active.is_none_or(|a| u.active == a)
                                })
                                .collect();
                            want.sort_by(|x, y| {
                                let by = match sort {
                                    UserSort::Created => std::cmp::Ordering::Equal,
                                    UserSort::UserName => x.name_key.cmp(&y.name_key),
                                    UserSort::DisplayName => x.display_key.cmp(&y.display_key),
                                    UserSort::LastModified => x.modified.cmp(&y.modified),
                                };
                                let by = by.then(x.pk.cmp(&y.pk));
                                if descending { by.reverse() } else { by }
                            });
                            let total = want.len() as i64;
                            let page: Vec<(String, Idp)> = want
                                .iter()
                                .skip(offset as usize)
                                .take(limit as usize)
                                .map(|u| (u.id.clone(), u.creator))
                                .collect();
                            let (got_total, got) = r.search_users(&q).await.unwrap();
                            let got: Vec<(String, Idp)> = got
                                .into_iter()
                                .map(|(u, i)| (u.id.to_string(), i))
                                .collect();
                            assert_eq!((got_total, got), (total, page), "{step}: {q:?}");
                        }
                    }
                }
            }
        }
    }
}

pub(super) async fn the_user_list_agrees_with_the_users_after_every_write<B: Backend>(b: &B) {
    let people = [
        json!({"userName": "ada@entra.example", "displayName": "Ada Lovelace", "active": true,
               "name": {"givenName": "Ada", "familyName": "Lovelace"},
               "emails": [{"value": "ADA@entra.example", "primary": true}]}),
        json!({"userName": "bob@entra.example", "active": false, "externalId": "EXT-bob"}),
        json!({"userName": "carol@okta.example", "displayName": "carol smith", "active": "False",
               "emails": ["not-an-object", {"value": "c@okta.example"}]}),
        json!({"userName": "dan@okta.example", "displayName": "Dan Smith", "emails": "not-a-list",
               "name": "not-an-object"}),
        json!({"userName": "Eve@Example.com", "active": "TRUE", "name": {"formatted": "Eve Adams"}}),
        json!({"userName": "frank", "active": 0}),
        json!({"userName": "grace@entra.example", "displayName": "Ada Byron", "active": null}),
        json!({"userName": "under_score%pct", "name": {"givenName": "Under", "familyName": "Score"}}),
    ];
    let mut w = b.writer().await.unwrap();
    for (i, p) in people.iter().enumerate() {
        let t = format!("2026-01-0{}T00:00:00.000Z", 8 - i);
        w.insert_resource(
            ResourceKind::User,
            &format!("u{i}").into(),
            &attrs(p.clone()),
            &t,
        )
        .await
        .unwrap();
    }
    w.insert_resource(
        ResourceKind::Group,
        &"g1".into(),
        &group("ada team"),
        "2026-01-01T00:00:00.000Z",
    )
    .await
    .unwrap();
    w.commit().await.unwrap();
    the_list_agrees(b, "as created, no creators").await;
    insert_exchanges(
        b,
        &[
            created(Idp::Entra, "u0", "ada@entra.example"),
            created(Idp::Entra, "u1", "bob@entra.example"),
            created(Idp::Okta, "u2", "carol@okta.example"),
            created(Idp::Okta, "u3", "dan@okta.example"),
        ],
        100,
    )
    .await;
    the_list_agrees(b, "creators set").await;
    // Writes: deactivate as Entra does, rename, change the display name, delete.
    let mut w = b.writer().await.unwrap();
    let u0 = w.resource(ResourceKind::User, "u0").await.unwrap().unwrap();
    let mut a = u0.attributes.clone();
    a.insert("active".into(), json!("False"));
    w.update_resource(&u0, &a, "2026-02-01T00:00:00.000Z")
        .await
        .unwrap();
    let u4 = w.resource(ResourceKind::User, "u4").await.unwrap().unwrap();
    let mut a = u4.attributes.clone();
    a.insert("userName".into(), json!("zelda@example.com"));
    a.insert("displayName".into(), json!("Zelda"));
    w.update_resource(&u4, &a, "2026-02-02T00:00:00.000Z")
        .await
        .unwrap();
    let u2 = w.resource(ResourceKind::User, "u2").await.unwrap().unwrap();
    let mut a = u2.attributes.clone();
    a.insert("active".into(), json!(true));
    a.insert(
        "emails".into(),
        json!([{"value": "carol.smith@okta.example"}]),
    );
    w.update_resource(&u2, &a, "2026-02-03T00:00:00.000Z")
        .await
        .unwrap();
    assert!(w.delete_resource(ResourceKind::User, "u5").await.unwrap());
    // A group write touches its members: their modification time moves.
    w.touch_users(&["u1".into()], "2026-02-04T00:00:00.000Z")
        .await
        .unwrap();
    w.commit().await.unwrap();
    the_list_agrees(b, "after updates, a touch and a delete").await;
    // A write rolled back leaves the list as it was.
    let mut w = b.writer().await.unwrap();
    let u1 = w.resource(ResourceKind::User, "u1").await.unwrap().unwrap();
    let mut a = u1.attributes.clone();
    a.insert("active".into(), json!(true));
    w.update_resource(&u1, &a, "2026-03-01T00:00:00.000Z")
        .await
        .unwrap();
    assert!(w.delete_resource(ResourceKind::User, "u6").await.unwrap());
    drop(w);
    the_list_agrees(b, "after a rolled back write").await;
    let mut w = b.writer().await.unwrap();
    w.reset_all().await.unwrap();
    w.commit().await.unwrap();
    the_list_agrees(b, "after a reset").await;
    let mut r = b.reader().await.unwrap();
    let (total, rows) = r
        .search_users(&UserSearch {
            limit: 10,
            ..UserSearch::default()
        })
        .await
        .unwrap();
    assert_eq!((total, rows.len()), (0, 0));
}

pub(super) async fn the_capture_log_keeps_order_retention_and_filters<B: Backend>(b: &B) {
    let batch: Vec<Exchange> = (0..10)
        .map(|i| {
            let (idp, method, status, op) = if i % 2 == 0 {
                (Idp::Entra, "PATCH", 200, OperationKind::Update)
            } else {
                (Idp::Okta, "GET", 404, OperationKind::Read)
            };
            let mut e = ex(0, idp, method, "/scim/v2/Users/u1", status, op);
            e.summary.resource_id = Some(format!("r{i}"));
            e.request_body = Some(format!("{{\"marker\":\"needle-{i}\"}}"));
            e
        })
        .collect();
    let ids = insert_exchanges(b, &batch, 6).await;
    assert_eq!(ids.len(), 10);
    assert!(ids.windows(2).all(|p| p[0] < p[1]), "ids grow: {ids:?}");
    let mut r = b.reader().await.unwrap();
    assert_eq!(
        r.count_exchanges().await.unwrap(),
        6,
        "retention keeps the newest 6"
    );
    let all = r
        .exchange_summaries(&ExchangeQuery {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let listed: Vec<i64> = all.iter().map(|s| s.id).collect();
    let mut newest: Vec<i64> = ids[4..].to_vec();
    newest.reverse();
    assert_eq!(listed, newest, "newest first");
    // A whole exchange reads back as it was written.
    let whole = r.exchange(ids[9]).await.unwrap().unwrap();
    let mut expected = batch[9].clone();
    expected.summary.id = ids[9];
    assert_eq!(whole, expected);
    // Each id is its own exchange's, in the batch's order (one statement stores a batch).
    for (i, id) in ids.iter().enumerate().skip(4) {
        let stored = r.exchange(*id).await.unwrap().unwrap();
        assert_eq!(stored.summary.resource_id, batch[i].summary.resource_id);
        assert_eq!(stored.request_body, batch[i].request_body);
    }
    assert!(r.exchange(ids[0]).await.unwrap().is_none(), "pruned");
    // Filters and the cursor.
    let q = |f: fn(&mut ExchangeQuery)| {
        let mut q = ExchangeQuery {
            limit: 100,
            ..Default::default()
        };
        f(&mut q);
        q
    };
    let entra = r
        .exchange_summaries(&q(|q| q.idp = Some(Idp::Entra)))
        .await
        .unwrap();
    assert_eq!(entra.len(), 3);
    assert!(entra.iter().all(|s| s.method == "PATCH"));
    let fours = r
        .exchange_summaries(&q(|q| q.status_class = Some(4)))
        .await
        .unwrap();
    assert_eq!(fours.len(), 3);
    let text = r
        .exchange_summaries(&q(|q| q.text = Some("NEEDLE-7".into())))
        .await
        .unwrap();
    assert_eq!(text.iter().map(|s| s.id).collect::<Vec<_>>(), [ids[7]]);
    let by_resource = r
        .exchange_summaries(&q(|q| q.resource_id = Some("r8".into())))
        .await
        .unwrap();
    assert_eq!(by_resource.len(), 1);
    let reads = r
        .exchange_summaries(&q(|q| q.operation = Some(OperationKind::Read)))
        .await
        .unwrap();
    assert_eq!(reads.len(), 3);
    let older = r
        .exchange_summaries(&ExchangeQuery {
            before: Some(ids[7]),
            limit: 2,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        older.iter().map(|s| s.id).collect::<Vec<_>>(),
        [ids[6], ids[5]]
    );
    assert_eq!(
        r.count_exchanges_matching(&q(|q| q.method = Some("get".into())))
            .await
            .unwrap(),
        (3, 3)
    );
    let whole = r
        .exchanges_whole(&q(|q| q.idp = Some(Idp::Okta)))
        .await
        .unwrap();
    assert_eq!(whole.len(), 3);
    let recent = r.recent_exchanges(Idp::Entra, 2).await.unwrap();
    assert_eq!(
        recent.iter().map(|e| e.summary.id).collect::<Vec<_>>(),
        [ids[6], ids[8]],
        "the newest two, oldest first"
    );
    let next = r.exchanges_after(ids[5], Idp::Entra, 2).await.unwrap();
    assert_eq!(
        next.iter().map(|s| s.id).collect::<Vec<_>>(),
        [ids[6], ids[8]],
        "what came after, oldest first, that IdP only"
    );
    let outlines = r.exchange_outlines(100).await.unwrap();
    assert_eq!(outlines.len(), 6);
    assert!(outlines.iter().all(|o| o.requests == 1 && !o.rejected));
}

/// The true totals of every mix of the filterable columns equal the rows a listing finds,
/// through inserts, retention, a fold growing and a reset.
pub(super) async fn totals_agree_with_the_rows_they_count<B: Backend>(b: &B) {
    async fn agree<B: Backend>(b: &B, when: &str) {
        let mut r = b.reader().await.unwrap();
        for method in [None, Some("GET"), Some("PATCH"), Some("DELETE")] {
            for status_class in [None, Some(2), Some(4)] {
                for idp in [None, Some(Idp::Entra), Some(Idp::Okta), Some(Idp::Other)] {
                    for operation in [
                        None,
                        Some(OperationKind::Read),
                        Some(OperationKind::Rejected),
                    ] {
                        let q = ExchangeQuery {
                            limit: 10_000,
                            method: method.map(str::to_owned),
                            status_class,
                            idp,
                            operation,
                            ..Default::default()
                        };
                        let rows = r.exchange_summaries(&q).await.unwrap();
                        let requests: i64 = rows
                            .iter()
                            .map(|s| i64::from(s.fold_count.unwrap_or(1)))
                            .sum();
                        assert_eq!(
                            r.count_exchanges_matching(&q).await.unwrap(),
                            (rows.len() as i64, requests),
                            "{when}: {q:?}"
                        );
                    }
                }
            }
        }
    }
    let batch: Vec<Exchange> = (0..30)
        .map(|i| {
            let (idp, method, status, op) = match i % 3 {
                0 => (Idp::Entra, "PATCH", 200, OperationKind::Update),
                1 => (Idp::Okta, "GET", 404, OperationKind::Read),
                _ => (Idp::Entra, "GET", 200, OperationKind::Read),
            };
            ex(0, idp, method, "/scim/v2/Users/u1", status, op)
        })
        .collect();
    insert_exchanges(b, &batch, 20).await;
    let mut fold = ex(
        0,
        Idp::Other,
        "GET",
        "/scim/v2/Users",
        401,
        OperationKind::Rejected,
    );
    fold.summary.fold_count = Some(1);
    let folds = insert_exchanges(b, &[fold.clone(), fold], 100).await;
    agree(b, "after retention").await;
    let mut w = b.writer().await.unwrap();
    w.add_to_fold(folds[1], 6, "2026-01-01T00:00:09.000Z")
        .await
        .unwrap();
    w.prune_folds(1).await.unwrap();
    w.commit().await.unwrap();
    agree(b, "after a fold grew and one was pruned").await;
    let mut w = b.writer().await.unwrap();
    w.reset_all().await.unwrap();
    w.commit().await.unwrap();
    agree(b, "after a reset").await;
    insert_exchanges(b, &batch[..4], 100).await;
    agree(b, "after the reset, new exchanges").await;
}

/// A large exchange reads back byte for byte through every read that returns whole exchanges
/// (detail, filtered lists, a replay's range, an IdP's window), however the backend stores it;
/// a word only inside a body is found by the text search, and the search pages with the cursor
/// like any filter (each match once, newest first) and counts what it finds.
/// A text search that stops at its time budget says where, and going on from there finds
/// every match exactly once, newest first, whatever the budget.
pub(super) async fn a_budgeted_search_goes_on_where_it_stopped<B: Backend>(b: &B) {
    let batch: Vec<Exchange> = (0..700)
        .map(|i| {
            let mut e = ex(
                0,
                Idp::Entra,
                "GET",
                "/scim/v2/Users",
                200,
                OperationKind::Read,
            );
            let word = if i % 97 == 5 { "Kingfisher" } else { "sparrow" };
            e.response_body = Some(format!("{{\"bird\":\"{word}-{i}\"}}"));
            e
        })
        .collect();
    let ids = insert_exchanges(b, &batch, 10_000).await;
    let mut expected: Vec<i64> = ids
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 97 == 5)
        .map(|(_, id)| *id)
        .collect();
    expected.reverse();
    let mut r = b.reader().await.unwrap();
    for budget in [
        std::time::Duration::ZERO,
        std::time::Duration::from_secs(60),
    ] {
        let mut found = Vec::new();
        let mut before = None;
        let mut asks = 0;
        loop {
            asks += 1;
            assert!(asks < 100, "the search goes on");
            let page = r
                .search_summaries(
                    &ExchangeQuery {
                        before,
                        limit: 3,
                        text: Some("KINGFISHER".into()),
                        ..Default::default()
                    },
                    budget,
                )
                .await
                .unwrap();
            assert!(page.items.len() <= 3);
            found.extend(page.items.iter().map(|s| s.id));
            before = match (page.items.len() == 3, page.searched_down_to) {
                (true, _) => page.items.last().map(|s| s.id),
                (false, Some(id)) => Some(id),
                (false, None) => break,
            };
        }
        assert_eq!(found, expected, "budget {budget:?}");
        if budget.is_zero() {
            assert!(
                asks > 3,
                "a zero budget stops after each chunk: {asks} asks"
            );
        }
    }
}

pub(super) async fn a_large_exchange_round_trips_byte_exact<B: Backend>(b: &B) {
    let mut e = ex(
        0,
        Idp::Entra,
        "PATCH",
        "/scim/v2/Users/big?x=1",
        200,
        OperationKind::Update,
    );
    e.summary.resource_id = Some("big".into());
    e.summary.quirks = vec!["entra.capitalized-op".into()];
    e.idp_reason = "user-agent says 'Microsoft.AAD'".into();
    e.request_headers = (0..40)
        .map(|i| (format!("x-header-{i}"), format!("välue ✓ {i} \"\\")))
        .collect();
    e.response_headers = vec![("etag".into(), "W/\"2\"".into())];
    let members: Vec<Value> = (0..3000)
        .map(|i| json!({"value": format!("member-{i}"), "display": format!("Ünïcode {i}")}))
        .collect();
    let before = json!({"zeta": 1, "alpha": null, "n": 1.5e-7, "big": 12_345_678_901_234_i64,
        "members": members, "nested": {"b": [1, {"c": null}], "a": "\u{0}\t\""}});
    let mut after = before.clone();
    after["zeta"] = json!(2);
    after["members"][1500]["display"] = json!("changed");
    e.request_body = Some(format!(
        "{{\"Operations\":[{{\"op\":\"Replace\",\"value\":\"{}zebrafish{}\"}}]}}",
        "a".repeat(100_000),
        "b".repeat(100_000)
    ));
    e.response_body = Some(after.to_string());
    e.request_truncated = true;
    e.before = Some(before);
    e.after = Some(after);
    let ids = insert_exchanges(b, std::slice::from_ref(&e), 1000).await;
    let mut expected = e.clone();
    expected.summary.id = ids[0];
    let mut r = b.reader().await.unwrap();
    assert_eq!(r.exchange(ids[0]).await.unwrap().as_ref(), Some(&expected));
    let all = ExchangeQuery {
        limit: 10,
        ..Default::default()
    };
    assert_eq!(r.exchanges_whole(&all).await.unwrap(), [expected.clone()]);
    let range = ExchangeRange {
        ids: ids.clone(),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(
        r.exchanges_in_range(&range).await.unwrap(),
        [expected.clone()]
    );
    assert_eq!(
        r.recent_exchanges(Idp::Entra, 5).await.unwrap(),
        [expected.clone()]
    );
    let text = |t: &str| ExchangeQuery {
        limit: 10,
        text: Some(t.into()),
        ..Default::default()
    };
    assert_eq!(
        r.exchanges_whole(&text("ZebraFish")).await.unwrap(),
        [expected]
    );
    assert_eq!(
        r.count_exchanges_matching(&text("zebrafish"))
            .await
            .unwrap(),
        (1, 1)
    );
    assert!(
        r.exchange_summaries(&text("zebrafishes"))
            .await
            .unwrap()
            .is_empty()
    );
    drop(r);

    // More rows than one walk of the search reads at once; every third answer holds the word.
    let batch: Vec<Exchange> = (0..700)
        .map(|i| {
            let mut e = ex(
                0,
                Idp::Okta,
                "GET",
                "/scim/v2/Users",
                200,
                OperationKind::Read,
            );
            e.response_body = Some(if i % 3 == 0 {
                format!("{{\"found\":\"Needle{i}\"}}")
            } else {
                format!("{{\"other\":{i}}}")
            });
            e
        })
        .collect();
    let ids = insert_exchanges(b, &batch, 1000).await;
    let mut wanted: Vec<i64> = ids.iter().step_by(3).copied().collect();
    wanted.reverse();
    let mut r = b.reader().await.unwrap();
    let mut paged = Vec::new();
    let mut before = None;
    loop {
        let page = r
            .exchange_summaries(&ExchangeQuery {
                before,
                limit: 37,
                text: Some("needle".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        before = Some(last.id);
        paged.extend(page.iter().map(|s| s.id));
    }
    assert_eq!(paged, wanted, "each match once, newest first, across pages");
    let n = i64::try_from(wanted.len()).unwrap();
    assert_eq!(
        r.count_exchanges_matching(&text("NEEDLE")).await.unwrap(),
        (n, n)
    );
}

pub(super) async fn retention_keeps_the_newest_of_each_class_exactly<B: Backend>(b: &B) {
    let fold = rejected_fold;
    let read = || {
        ex(
            0,
            Idp::Entra,
            "GET",
            "/scim/v2/Users/u",
            200,
            OperationKind::Read,
        )
    };
    // Ids of the two classes interleave: neither class's ids are contiguous.
    let batch: Vec<Exchange> = (0..10)
        .map(|i| if i % 2 == 0 { read() } else { fold() })
        .collect();
    let ids = insert_exchanges(b, &batch, 5).await;
    let listed = |q: ExchangeQuery| async move {
        let mut r = b.reader().await.unwrap();
        let mut ids: Vec<i64> = r
            .exchange_summaries(&ExchangeQuery { limit: 100, ..q })
            .await
            .unwrap()
            .iter()
            .map(|s| s.id)
            .collect();
        ids.sort_unstable();
        ids
    };
    let class = |rejected: bool| -> Vec<i64> {
        ids.iter()
            .zip(&batch)
            .filter(|(_, e)| e.summary.is_fold() == rejected)
            .map(|(id, _)| *id)
            .collect()
    };
    let (reads, folds) = (class(false), class(true));
    assert_eq!(
        listed(ExchangeQuery::default()).await,
        ids,
        "5 of each: at the limit, none deleted"
    );
    // One more than the limit: exactly the oldest of that class goes, none of the other.
    let next = insert_exchanges(b, &[read()], 5).await;
    let mut kept: Vec<i64> = reads[1..].to_vec();
    kept.extend(&next);
    kept.extend(&folds);
    kept.sort_unstable();
    assert_eq!(listed(ExchangeQuery::default()).await, kept);
    // The folds' own limit, three under it at once.
    let mut w = b.writer().await.unwrap();
    assert_eq!(w.prune_folds(2).await.unwrap(), 3);
    assert_eq!(w.prune_folds(2).await.unwrap(), 0);
    w.commit().await.unwrap();
    let mut kept: Vec<i64> = reads[1..].to_vec();
    kept.extend(&next);
    kept.extend(&folds[3..]);
    kept.sort_unstable();
    assert_eq!(listed(ExchangeQuery::default()).await, kept);
    let mut r = b.reader().await.unwrap();
    assert_eq!(
        r.count_exchanges_matching(&ExchangeQuery::default())
            .await
            .unwrap(),
        (7, 7),
        "the totals follow what retention deleted"
    );
}

pub(super) async fn folds_count_rejected_requests<B: Backend>(b: &B) {
    let fold = |n: i64| {
        let mut e = rejected_fold();
        e.summary.at = format!("2026-01-01T00:00:0{n}.000Z");
        e
    };
    let ids = insert_exchanges(b, &[fold(1), fold(2), fold(3)], 100).await;
    let mut w = b.writer().await.unwrap();
    let now = w
        .add_to_fold(ids[2], 4, "2026-01-01T00:00:09.000Z")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.fold_count, Some(5));
    assert_eq!(now.last_at.as_deref(), Some("2026-01-01T00:00:09.000Z"));
    assert_eq!(w.prune_folds(2).await.unwrap(), 1);
    assert!(
        w.add_to_fold(ids[0], 1, "t").await.unwrap().is_none(),
        "pruned"
    );
    w.commit().await.unwrap();
    let mut r = b.reader().await.unwrap();
    assert_eq!(
        r.count_exchanges_matching(&ExchangeQuery::default())
            .await
            .unwrap(),
        (2, 6),
        "two rows standing for 1 + 5 requests"
    );
    let outlines = r.exchange_outlines(10).await.unwrap();
    assert!(outlines.iter().all(|o| o.rejected));
    assert_eq!(outlines.iter().map(|o| o.requests).sum::<i64>(), 6);
}

pub(super) async fn faulted_attempts_are_found_by_name<B: Backend>(b: &B) {
    let attempt = |name: &str, fault: bool, id: Option<&str>| {
        let mut e = ex(
            0,
            Idp::Entra,
            "POST",
            "/scim/v2/Users",
            500,
            OperationKind::Create,
        );
        e.summary.resource_name = Some(name.into());
        e.summary.resource_id = id.map(Into::into);
        e.summary.fault = fault.then(|| crate::model::FaultMark {
            rule_id: 1,
            rule_name: "escrow".into(),
            did: "answered 500".into(),
            subject: Some(name.into()),
            retry_after: None,
            wrote: false,
        });
        e
    };
    let ids = insert_exchanges(
        b,
        &[
            attempt("Ada@x", true, None),
            attempt("ada@x", false, None),
            attempt("ada@x", true, Some("u1")),
            attempt("bob@x", true, None),
            attempt("ADA@X", true, None),
        ],
        100,
    )
    .await;
    let mut r = b.reader().await.unwrap();
    let found = r.faulted_attempts("ada@x", 10).await.unwrap();
    assert_eq!(
        found.iter().map(|s| s.id).collect::<Vec<_>>(),
        [ids[0], ids[4]],
        "faulted, without a resource id, the name in any case, oldest first"
    );
    assert_eq!(found[0].fault.as_ref().unwrap().rule_name, "escrow");
    let newest = r.faulted_attempts("ada@x", 1).await.unwrap();
    assert_eq!(
        newest.iter().map(|s| s.id).collect::<Vec<_>>(),
        [ids[4]],
        "the newest"
    );
}

pub(super) async fn a_range_selects_what_a_replay_sends<B: Backend>(b: &B) {
    let mut batch: Vec<Exchange> = Vec::new();
    for i in 0..6 {
        let (idp, op) = if i % 2 == 0 {
            (Idp::Entra, OperationKind::Create)
        } else {
            (Idp::Okta, OperationKind::Read)
        };
        let mut e = ex(0, idp, "POST", "/scim/v2/Users", 201, op);
        e.summary.at = format!("2026-01-01T00:00:0{i}.000Z");
        e.summary.resource_id = Some(format!("r{}", i % 3));
        batch.push(e);
    }
    let mut refused = ex(
        0,
        Idp::Entra,
        "GET",
        "/scim/v2/Users",
        401,
        OperationKind::Rejected,
    );
    refused.summary.fold_count = Some(3);
    batch.push(refused);
    let mut named = created(Idp::Entra, "x", "Zed@x");
    named.summary.resource_id = None;
    batch.push(named);
    let ids = insert_exchanges(b, &batch, 100).await;
    let mut r = b.reader().await.unwrap();
    let got = |range: ExchangeRange| {
        let range = ExchangeRange {
            limit: 100,
            ..range
        };
        async move {
            let mut r = b.reader().await.unwrap();
            r.exchanges_in_range(&range)
                .await
                .unwrap()
                .iter()
                .map(|e| e.summary.id)
                .collect::<Vec<_>>()
        }
    };
    let all = got(ExchangeRange::default()).await;
    assert_eq!(all.len(), 7, "never a fold of refused requests");
    assert!(all.windows(2).all(|w| w[0] < w[1]), "oldest first");
    assert_eq!(
        got(ExchangeRange {
            idp: Some(Idp::Okta),
            ..Default::default()
        })
        .await,
        [ids[1], ids[3], ids[5]]
    );
    assert_eq!(
        got(ExchangeRange {
            resource_ids: vec!["r0".into()],
            resource_names: vec!["zed@X".into()],
            ..Default::default()
        })
        .await,
        [ids[0], ids[3], ids[7]]
    );
    assert_eq!(
        got(ExchangeRange {
            since: Some("2026-01-01T00:00:02.000Z".into()),
            until: Some("2026-01-01T00:00:04.000Z".into()),
            ..Default::default()
        })
        .await,
        [ids[2], ids[3], ids[4]]
    );
    assert_eq!(
        got(ExchangeRange {
            from_id: Some(ids[4]),
            to_id: Some(ids[5]),
            operations: vec![OperationKind::Create],
            ..Default::default()
        })
        .await,
        [ids[4]]
    );
    assert_eq!(
        got(ExchangeRange {
            ids: vec![ids[5], ids[1]],
            ..Default::default()
        })
        .await,
        [ids[1], ids[5]]
    );
    let whole = r
        .exchanges_in_range(&ExchangeRange {
            ids: vec![ids[0]],
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(whole[0].summary.resource_id.as_deref(), Some("r0"));
}

pub(super) async fn creators_outlive_the_capture_log<B: Backend>(b: &B) {
    seed_users(b, &["kept@x", "touched@x"]).await;
    // u0's create is captured; u1's never was, only a later Okta update.
    insert_exchanges(b, &[created(Idp::Entra, "u0", "kept@x")], 100).await;
    let mut update = ex(
        0,
        Idp::Okta,
        "PUT",
        "/scim/v2/Users/u1",
        200,
        OperationKind::Update,
    );
    update.summary.resource_type = Some(ResourceKind::User);
    update.summary.resource_id = Some("u1".into());
    insert_exchanges(b, &[update], 100).await;
    {
        let mut r = b.reader().await.unwrap();
        assert_eq!(
            r.creator_of("u1").await.unwrap().as_deref(),
            Some("okta"),
            "from the log"
        );
        assert_eq!(
            r.user_creators()
                .await
                .unwrap()
                .get("u1")
                .map(String::as_str),
            Some("okta")
        );
    }
    // Retention then drops every earlier exchange (a batch keeping one row).
    let filler = ex(
        0,
        Idp::Other,
        "GET",
        "/scim/v2/Users",
        200,
        OperationKind::ImportPage,
    );
    insert_exchanges(b, &[filler], 1).await;
    let mut r = b.reader().await.unwrap();
    assert_eq!(r.count_exchanges().await.unwrap(), 1);
    assert_eq!(
        r.creator_of("u0").await.unwrap().as_deref(),
        Some("entra"),
        "kept on the user"
    );
    let creators = r.user_creators().await.unwrap();
    assert_eq!(creators.get("u0").map(String::as_str), Some("entra"));
    assert_eq!(creators.get("u1"), None, "its only exchange is gone");
    assert_eq!(r.creator_of("u1").await.unwrap(), None);
    assert_eq!(
        r.creators_of(&["u0", "u1", "ghost"]).await.unwrap(),
        creators,
        "the same answer for the users asked"
    );
}

pub(super) async fn creators_of_some_users_agree_with_all<B: Backend>(b: &B) {
    seed_users(b, &["a@x", "b@x", "c@x"]).await;
    insert_exchanges(b, &[created(Idp::Entra, "u0", "a@x")], 100).await;
    let mut touched = ex(
        0,
        Idp::Okta,
        "GET",
        "/scim/v2/Users/u1",
        200,
        OperationKind::Read,
    );
    touched.summary.resource_id = Some("u1".into());
    let mut other = ex(
        0,
        Idp::Other,
        "GET",
        "/scim/v2/Users/u2",
        200,
        OperationKind::Read,
    );
    other.summary.resource_id = Some("u2".into());
    insert_exchanges(b, &[touched, other], 100).await;
    let mut r = b.reader().await.unwrap();
    let all = r.user_creators().await.unwrap();
    assert_eq!(all.get("u0").map(String::as_str), Some("entra"), "kept");
    assert_eq!(
        all.get("u1").map(String::as_str),
        Some("okta"),
        "from the log"
    );
    assert_eq!(all.get("u2"), None, "an unknown client says nothing");
    let ids: Vec<&str> = vec!["u2", "u1", "u0", "nobody"];
    assert_eq!(r.creators_of(&ids).await.unwrap(), all);
    let one = r.creators_of(&["u1"]).await.unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one.get("u1").map(String::as_str), Some("okta"));
    assert!(r.creators_of(&[]).await.unwrap().is_empty());
}

/// The users the feed names after `after`, and the cursor it gives back.
async fn changed_since<B: Backend>(b: &B, after: i64) -> (Vec<i64>, i64) {
    let mut r = b.reader().await.unwrap();
    let c = r.user_changes(after, 1000).await.unwrap();
    assert!(c.complete && !c.forgotten, "{c:?}");
    (c.pks, c.through)
}

pub(super) async fn the_change_feed_names_every_changed_user<B: Backend>(b: &B) {
    let start = b
        .reader()
        .await
        .unwrap()
        .latest_user_change()
        .await
        .unwrap();
    assert_eq!(
        changed_since(b, start).await,
        (vec![], start),
        "nothing yet"
    );
    seed_users(b, &["a@x", "b@x", "c@x"]).await;
    let pk = |id: &'static str| async move {
        let mut r = b.reader().await.unwrap();
        r.resource(ResourceKind::User, id)
            .await
            .unwrap()
            .unwrap()
            .pk
    };
    let (a, bb, c) = (pk("u0").await, pk("u1").await, pk("u2").await);
    let (inserted, at) = changed_since(b, start).await;
    assert_eq!(inserted, [a, bb, c], "creates, each user once, in order");
    assert_eq!(
        b.reader()
            .await
            .unwrap()
            .latest_user_change()
            .await
            .unwrap(),
        at,
        "the newest change"
    );
    // An update.
    let mut w = b.writer().await.unwrap();
    let row = w.resource(ResourceKind::User, "u1").await.unwrap().unwrap();
    w.update_resource(&row, &user("b2@x"), "t").await.unwrap();
    w.commit().await.unwrap();
    let (updated, at) = changed_since(b, at).await;
    assert_eq!(updated, [bb]);
    // A writer rolled back leaves no change behind.
    let mut w = b.writer().await.unwrap();
    w.touch_users(&["u0".into()], "t").await.unwrap();
    drop(w);
    assert_eq!(changed_since(b, at).await, (vec![], at), "rolled back");
    // Memberships: joining, a group renamed, leaving.
    let mut w = b.writer().await.unwrap();
    let g = w
        .insert_resource(ResourceKind::Group, &"g1".into(), &group("G"), "t")
        .await
        .unwrap();
    w.set_members(g.pk, &[json!({"value": "u0"}), json!({"value": "u2"})])
        .await
        .unwrap();
    w.commit().await.unwrap();
    let (joined, at) = changed_since(b, at).await;
    assert_eq!(joined, [a, c], "both members, not the group");
    let mut w = b.writer().await.unwrap();
    let g = w
        .resource(ResourceKind::Group, "g1")
        .await
        .unwrap()
        .unwrap();
    w.update_resource(&g, &group("Renamed"), "t").await.unwrap();
    w.commit().await.unwrap();
    let (renamed, at) = changed_since(b, at).await;
    assert_eq!(
        renamed,
        [a, c],
        "a renamed group changes its members' groups"
    );
    let mut w = b.writer().await.unwrap();
    w.set_members(g.pk, &[json!({"value": "u2"})])
        .await
        .unwrap();
    w.commit().await.unwrap();
    let (left, at) = changed_since(b, at).await;
    assert_eq!(left, [a], "the member who left");
    // The capture log: an exchange naming a user whose creator is not kept, then its create
    // keeping the creator.
    let mut read = ex(
        0,
        Idp::Okta,
        "GET",
        "/scim/v2/Users/u2",
        200,
        OperationKind::Read,
    );
    read.summary.resource_id = Some("u2".into());
    insert_exchanges(b, &[read], 100).await;
    let (named, at) = changed_since(b, at).await;
    assert_eq!(named, [c], "its creator is read from the log");
    insert_exchanges(b, &[created(Idp::Entra, "u1", "b2@x")], 100).await;
    let (kept, at) = changed_since(b, at).await;
    assert_eq!(kept, [bb], "the creator kept on the user");
    let mut again = ex(
        0,
        Idp::Okta,
        "GET",
        "/scim/v2/Users/u1",
        200,
        OperationKind::Read,
    );
    again.summary.resource_id = Some("u1".into());
    insert_exchanges(b, &[again], 100).await;
    assert_eq!(
        changed_since(b, at).await.0,
        Vec::<i64>::new(),
        "a user with a kept creator is not changed by its exchanges"
    );
    // A delete, then the reset.
    let mut w = b.writer().await.unwrap();
    assert!(w.delete_resource(ResourceKind::User, "u0").await.unwrap());
    w.commit().await.unwrap();
    let (deleted, at) = changed_since(b, at).await;
    assert_eq!(deleted, [a]);
    let mut w = b.writer().await.unwrap();
    w.reset_all().await.unwrap();
    w.commit().await.unwrap();
    let mut r = b.reader().await.unwrap();
    let after_reset = r.user_changes(at, 1000).await.unwrap();
    assert!(
        after_reset.forgotten || (after_reset.pks.contains(&bb) && after_reset.pks.contains(&c)),
        "every deleted user is a change: {after_reset:?}"
    );
    // A limit reads part of the feed and says so.
    let part = r.user_changes(start, 2).await.unwrap();
    assert_eq!(part.pks, [a, bb]);
    assert!(!part.complete);
    let rest = r.user_changes(part.through, 1000).await.unwrap();
    assert!(rest.complete);
    assert!(rest.through > part.through);
}

pub(super) async fn the_change_feed_says_when_it_forgot<B: Backend>(b: &B) {
    let names: Vec<String> = (0..500).map(|i| format!("u{i}@x")).collect();
    seed_users(b, &names.iter().map(String::as_str).collect::<Vec<_>>()).await;
    let ids: Vec<String> = (0..500).map(|i| format!("u{i}")).collect();
    let start = b
        .reader()
        .await
        .unwrap()
        .latest_user_change()
        .await
        .unwrap();
    // Far more changes than any backend keeps (the SQLite feed keeps 50 000).
    for _ in 0..120 {
        let mut w = b.writer().await.unwrap();
        w.touch_users(&ids, "t").await.unwrap();
        w.commit().await.unwrap();
    }
    let mut r = b.reader().await.unwrap();
    let behind = r.user_changes(start, 10).await.unwrap();
    assert!(behind.forgotten, "a reader 60 000 changes behind is told");
    let latest = r.latest_user_change().await.unwrap();
    assert!(latest >= start + 60_000, "{latest}");
    let recent = r.user_changes(latest - 500, 1000).await.unwrap();
    assert!(!recent.forgotten && recent.complete, "{recent:?}");
    assert_eq!(recent.pks.len(), 500, "the newest changes are kept");
    assert_eq!(recent.through, latest);
}

pub(super) async fn a_window_of_exchanges_follows_the_log<B: Backend>(b: &B) {
    let mk = |idp: Idp, status: u16| {
        let op = if status == 401 {
            OperationKind::Rejected
        } else {
            OperationKind::Read
        };
        let mut e = ex(0, idp, "GET", "/scim/v2/Users", status, op);
        if status == 401 {
            e.summary.fold_count = Some(1);
        }
        e
    };
    let ids = insert_exchanges(
        b,
        &[
            mk(Idp::Entra, 200),
            mk(Idp::Okta, 200),
            mk(Idp::Entra, 401),
            mk(Idp::Entra, 200),
            mk(Idp::Entra, 200),
        ],
        100,
    )
    .await;
    let mut r = b.reader().await.unwrap();
    let got = |v: Vec<Exchange>| v.iter().map(|e| e.summary.id).collect::<Vec<_>>();
    assert_eq!(
        got(r
            .recent_exchanges_between(Idp::Entra, None, None, 10)
            .await
            .unwrap()),
        got(r.recent_exchanges(Idp::Entra, 10).await.unwrap()),
        "unbounded: the newest"
    );
    assert_eq!(
        got(r
            .recent_exchanges_between(Idp::Entra, Some(ids[0]), None, 10)
            .await
            .unwrap()),
        [ids[2], ids[3], ids[4]],
        "after an id, folds included, oldest first"
    );
    assert_eq!(
        got(r
            .recent_exchanges_between(Idp::Entra, Some(ids[0]), None, 2)
            .await
            .unwrap()),
        [ids[3], ids[4]],
        "the newest within the limit"
    );
    assert_eq!(
        got(r
            .recent_exchanges_between(Idp::Entra, None, Some(ids[3]), 10)
            .await
            .unwrap()),
        [ids[0], ids[2]],
        "before an id"
    );
    assert_eq!(
        r.exchange_floors().await.unwrap(),
        crate::store::exchanges::ExchangeFloors {
            authenticated: Some(ids[0]),
            rejected: Some(ids[2]),
        }
    );
    assert_eq!(r.fold_counts(Idp::Entra, 0).await.unwrap(), [(ids[2], 1)]);
    assert!(r.fold_counts(Idp::Okta, 0).await.unwrap().is_empty());
    assert!(r.fold_counts(Idp::Entra, ids[3]).await.unwrap().is_empty());
    drop(r);
    let mut w = b.writer().await.unwrap();
    w.add_to_fold(ids[2], 4, "2026-01-01T00:00:09.000Z")
        .await
        .unwrap();
    w.commit().await.unwrap();
    let mut r = b.reader().await.unwrap();
    assert_eq!(
        r.fold_counts(Idp::Entra, ids[2]).await.unwrap(),
        [(ids[2], 5)],
        "a fold grows in place"
    );
    drop(r);
    // Retention deletes the oldest authenticated rows: the floor moves past them.
    insert_exchanges(b, &[mk(Idp::Okta, 200)], 2).await;
    let mut r = b.reader().await.unwrap();
    let floors = r.exchange_floors().await.unwrap();
    assert_eq!(
        floors.rejected,
        Some(ids[2]),
        "folds have their own retention"
    );
    assert!(floors.authenticated > Some(ids[3]), "{floors:?}");
    drop(r);
    let mut w = b.writer().await.unwrap();
    w.reset_all().await.unwrap();
    w.commit().await.unwrap();
    assert_eq!(
        b.reader().await.unwrap().exchange_floors().await.unwrap(),
        crate::store::exchanges::ExchangeFloors::default(),
        "none after a reset"
    );
}

/// Filters combine with each other, with the text search and with the cursor, finding what one
/// reading of the rows would; the totals of any mix (a resource's rows, folds among them, a
/// text) are the rows found and the requests they stand for; the text ignores ASCII case only.
pub(super) async fn filters_combine_with_the_text_and_the_cursor<B: Backend>(b: &B) {
    let mut batch: Vec<Exchange> = (0..24)
        .map(|i| {
            let (idp, method, status, op) = match i % 3 {
                0 => (Idp::Entra, "PATCH", 200, OperationKind::Update),
                1 => (Idp::Okta, "GET", 404, OperationKind::Read),
                _ => (Idp::Entra, "GET", 200, OperationKind::Read),
            };
            let mut e = ex(0, idp, method, "/scim/v2/Users/u1", status, op);
            e.summary.resource_id = Some(format!("r{}", i % 2));
            let bird = if i % 4 == 0 { "Héron" } else { "gull" };
            e.response_body = Some(format!("{{\"bird\":\"{bird}-{i}\"}}"));
            e
        })
        .collect();
    // Folds of refused requests naming r0, their word in another case of a non-ASCII letter.
    for n in [3, 5] {
        let mut fold = rejected_fold();
        fold.summary.resource_id = Some("r0".into());
        fold.summary.fold_count = Some(n);
        fold.request_body = Some(format!("{{\"bird\":\"HÉRON-fold-{n}\"}}"));
        batch.push(fold);
    }
    let ids = insert_exchanges(b, &batch, 1000).await;
    let holds = |e: &Exchange, word: &str| {
        let word = word.to_ascii_lowercase();
        [e.request_body.as_deref(), e.response_body.as_deref()]
            .into_iter()
            .flatten()
            .chain([e.summary.path.as_str(), e.summary.query.as_str()])
            .any(|t| t.to_ascii_lowercase().contains(&word))
    };
    let mut r = b.reader().await.unwrap();
    for idp in [None, Some(Idp::Entra), Some(Idp::Okta), Some(Idp::Other)] {
        for resource_id in [None, Some("r0"), Some("r1")] {
            for text in [None, Some("héron"), Some("HÉRON"), Some("GULL-1")] {
                for status_class in [None, Some(4)] {
                    for before in [None, Some(ids[13])] {
                        let q = ExchangeQuery {
                            before,
                            limit: 100,
                            status_class,
                            idp,
                            resource_id: resource_id.map(str::to_owned),
                            text: text.map(str::to_owned),
                            ..Default::default()
                        };
                        let matching: Vec<(i64, &Exchange)> = ids
                            .iter()
                            .copied()
                            .zip(&batch)
                            .filter(|(_, e)| {
                                let s = &e.summary;
                                idp.is_none_or(|i| s.idp == i)
                                    && resource_id
                                        .is_none_or(|id| s.resource_id.as_deref() == Some(id))
                                    && status_class.is_none_or(|c| s.status / 100 == c)
                                    && text.is_none_or(|t| holds(e, t))
                            })
                            .collect();
                        let requests: i64 = matching
                            .iter()
                            .map(|(_, e)| i64::from(e.summary.fold_count.unwrap_or(1)))
                            .sum();
                        let mut listed: Vec<i64> = matching
                            .iter()
                            .map(|(id, _)| *id)
                            .filter(|id| before.is_none_or(|b| *id < b))
                            .collect();
                        listed.reverse();
                        let got: Vec<i64> = r
                            .exchange_summaries(&q)
                            .await
                            .unwrap()
                            .iter()
                            .map(|s| s.id)
                            .collect();
                        assert_eq!(got, listed, "{q:?}");
                        assert_eq!(
                            r.count_exchanges_matching(&q).await.unwrap(),
                            (i64::try_from(matching.len()).unwrap(), requests),
                            "{q:?}"
                        );
                    }
                }
            }
        }
    }
}

/// What a client sends never makes the capture log refuse a batch: an exchange naming a
/// resource with a NUL in its id or name (SQLite keeps it; a PostgreSQL text cannot) is stored
/// with the rest of its batch, its bodies byte for byte, and every filter naming it finds it.
pub(super) async fn an_exchange_naming_a_nul_is_stored_and_found<B: Backend>(b: &B) {
    let mut faulted = ex(
        0,
        Idp::Entra,
        "POST",
        "/scim/v2/Users",
        500,
        OperationKind::Create,
    );
    faulted.summary.resource_name = Some("Ada\u{0}x".into());
    faulted.summary.fault = Some(crate::model::FaultMark {
        rule_id: 1,
        rule_name: "escrow".into(),
        did: "answered 500".into(),
        subject: Some("Ada\u{0}x".into()),
        retry_after: None,
        wrote: false,
    });
    faulted.request_body = Some(json!({"userName": "Ada\u{0}x"}).to_string());
    faulted.response_body = Some("raw\u{0}nul".into());
    let mut read = ex(
        0,
        Idp::Entra,
        "GET",
        "/scim/v2/Users/r%001",
        200,
        OperationKind::Read,
    );
    read.summary.resource_id = Some("r\u{0}1".into());
    let plain = ex(
        0,
        Idp::Okta,
        "GET",
        "/scim/v2/Users",
        200,
        OperationKind::Read,
    );
    let ids = insert_exchanges(b, &[faulted.clone(), read, plain], 100).await;
    assert_eq!(ids.len(), 3, "the whole batch is stored");
    let mut r = b.reader().await.unwrap();
    let got = r.exchange(ids[0]).await.unwrap().unwrap();
    assert_eq!(
        (got.request_body, got.response_body),
        (faulted.request_body, faulted.response_body)
    );
    assert_eq!(
        got.summary.fault.and_then(|f| f.subject).as_deref(),
        Some("Ada\u{0}x")
    );
    let found = r.faulted_attempts("ADA\u{0}X", 10).await.unwrap();
    assert_eq!(found.iter().map(|s| s.id).collect::<Vec<_>>(), [ids[0]]);
    let by_id = ExchangeQuery {
        limit: 10,
        resource_id: Some("r\u{0}1".into()),
        ..Default::default()
    };
    let listed = r.exchange_summaries(&by_id).await.unwrap();
    assert_eq!(listed.iter().map(|s| s.id).collect::<Vec<_>>(), [ids[1]]);
    assert_eq!(r.count_exchanges_matching(&by_id).await.unwrap(), (1, 1));
    let text = ExchangeQuery {
        limit: 10,
        text: Some("RAW\u{0}NUL".into()),
        ..Default::default()
    };
    let listed = r.exchange_summaries(&text).await.unwrap();
    assert_eq!(listed.iter().map(|s| s.id).collect::<Vec<_>>(), [ids[0]]);
    let range = ExchangeRange {
        resource_ids: vec!["r\u{0}1".into()],
        resource_names: vec!["ada\u{0}X".into()],
        limit: 10,
        ..Default::default()
    };
    let sent = r.exchanges_in_range(&range).await.unwrap();
    assert_eq!(
        sent.iter().map(|e| e.summary.id).collect::<Vec<_>>(),
        [ids[0], ids[1]]
    );
}

/// The timeline's window reads outlines between ids: newest first, within the bounds and the
/// limit, every row counted (one whose time does not parse without its outline), a fold's
/// requests as they grow; what the newest outlines are is the same read unbounded.
pub(super) async fn outlines_are_read_between_ids<B: Backend>(b: &B) {
    let mut fold = ex(
        0,
        Idp::Other,
        "GET",
        "/scim/v2/Users",
        401,
        OperationKind::Rejected,
    );
    fold.summary.fold_count = Some(2);
    let mut bad_time = ex(
        0,
        Idp::Okta,
        "GET",
        "/scim/v2/Users",
        200,
        OperationKind::Read,
    );
    bad_time.summary.at = "not a time".into();
    let ids = insert_exchanges(
        b,
        &[
            created(Idp::Entra, "u1", "a@x"),
            fold,
            bad_time,
            ex(
                0,
                Idp::Okta,
                "GET",
                "/scim/v2/Users?filter=x",
                200,
                OperationKind::MatchLookup,
            ),
        ],
        100,
    )
    .await;
    let mut r = b.reader().await.unwrap();
    let got = |v: &[crate::store::outlines::OutlineRow]| {
        v.iter()
            .map(|o| (o.id, o.rejected, o.outline.is_some()))
            .collect::<Vec<_>>()
    };
    let all = r.exchange_outlines_between(None, None, 10).await.unwrap();
    assert_eq!(
        got(&all),
        [
            (ids[3], false, true),
            (ids[2], false, false),
            (ids[1], true, true),
            (ids[0], false, true),
        ],
        "newest first, the unplaceable row counted without its outline"
    );
    let fold = all[2].outline.as_ref().unwrap();
    assert_eq!((fold.id, fold.requests, fold.rejected), (ids[1], 2, true));
    let create = all[3].outline.as_ref().unwrap();
    assert_eq!(
        (create.idp, create.operation, create.status),
        (Idp::Entra, OperationKind::Create, 201)
    );
    assert_eq!(
        r.exchange_outlines(10).await.unwrap(),
        all.iter()
            .filter_map(|o| o.outline.clone())
            .collect::<Vec<_>>(),
        "the newest outlines are the placeable rows of the same read"
    );
    assert_eq!(
        got(&r
            .exchange_outlines_between(Some(ids[0]), None, 2)
            .await
            .unwrap()),
        [(ids[3], false, true), (ids[2], false, false)],
        "after an id, the newest within the limit"
    );
    assert_eq!(
        got(&r
            .exchange_outlines_between(None, Some(ids[2]), 10)
            .await
            .unwrap()),
        [(ids[1], true, true), (ids[0], false, true)],
        "before an id"
    );
    assert!(
        r.exchange_outlines_between(Some(ids[3]), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    drop(r);
    let mut w = b.writer().await.unwrap();
    w.add_to_fold(ids[1], 3, "2026-01-01T00:00:09.000Z")
        .await
        .unwrap();
    w.commit().await.unwrap();
    let mut r = b.reader().await.unwrap();
    let grown = r
        .exchange_outlines_between(Some(ids[0]), Some(ids[2]), 10)
        .await
        .unwrap();
    assert_eq!(grown.len(), 1);
    assert_eq!(
        grown[0].outline.as_ref().unwrap().requests,
        5,
        "a fold grows"
    );
}

pub(super) async fn mapping_rows<B: Backend>(b: &B) {
    let mut w = b.writer().await.unwrap();
    assert_eq!(w.active_profile().await.unwrap(), "auto");
    w.save_profile("mine", r#"{"id":"mine"}"#, "2026-01-01T00:00:00.000Z")
        .await
        .unwrap();
    w.save_profile("mine", r#"{"id":"mine","v":2}"#, "2026-01-02T00:00:00.000Z")
        .await
        .unwrap();
    w.save_profile("another", "{}", "2026-01-01T00:00:00.000Z")
        .await
        .unwrap();
    let saved = w.saved_profiles().await.unwrap();
    assert_eq!(
        saved,
        [
            ("another".to_owned(), "{}".to_owned()),
            ("mine".to_owned(), r#"{"id":"mine","v":2}"#.to_owned())
        ]
    );
    w.set_active_profile("mine").await.unwrap();
    assert_eq!(w.active_profile().await.unwrap(), "mine");
    assert!(w.delete_profile("another").await.unwrap());
    assert!(!w.delete_profile("another").await.unwrap());
    w.insert_resource(ResourceKind::User, &"u".into(), &user("r@x"), "t")
        .await
        .unwrap();
    let changes: Vec<RoleChangeRow> = [(None, "Member"), (Some("Member"), "Admin")]
        .iter()
        .enumerate()
        .map(|(i, (from, to))| RoleChangeRow {
            user_id: "u".into(),
            from_role: from.map(Into::into),
            to_role: (*to).into(),
            to_status: "mapped".into(),
            raw: Some(format!("\"{to}\"")),
            exchange_id: i64::try_from(i).unwrap() + 1,
            at: format!("2026-01-0{}T00:00:00.000Z", i + 1),
        })
        .collect();
    w.insert_role_changes(&changes).await.unwrap();
    w.insert_role_changes(&[]).await.unwrap();
    w.commit().await.unwrap();
    insert_exchanges(b, &[created(Idp::Entra, "u", "r@x")], 100).await;
    let mut r = b.reader().await.unwrap();
    let history = r.role_history("u").await.unwrap();
    assert_eq!(
        history
            .iter()
            .map(|h| h.to_role.as_str())
            .collect::<Vec<_>>(),
        ["Member", "Admin"],
        "oldest first"
    );
    assert_eq!(history[1].from_role.as_deref(), Some("Member"));
    assert!(r.role_history("nobody").await.unwrap().is_empty());
}

pub(super) async fn a_reset_keeps_settings_profiles_and_growing_ids<B: Backend>(b: &B) {
    seed_users(b, &["a@x", "b@x"]).await;
    let mut w = b.writer().await.unwrap();
    let g = w
        .insert_resource(ResourceKind::Group, &"g".into(), &group("G"), "t")
        .await
        .unwrap();
    w.set_members(g.pk, &[json!({"value": "u0"})])
        .await
        .unwrap();
    w.set_setting("scim_api_key", "kept").await.unwrap();
    w.save_profile("p", "{}", "t").await.unwrap();
    w.commit().await.unwrap();
    let first = insert_exchanges(b, &[created(Idp::Okta, "u0", "a@x")], 100).await;
    let mut w = b.writer().await.unwrap();
    let counts = w.reset_all().await.unwrap();
    w.commit().await.unwrap();
    assert_eq!((counts.users, counts.groups, counts.exchanges), (2, 1, 1));
    let mut r = b.reader().await.unwrap();
    assert_eq!(r.count_resources(ResourceKind::User).await.unwrap(), 0);
    assert_eq!(r.count_resources(ResourceKind::Group).await.unwrap(), 0);
    assert_eq!(r.count_exchanges().await.unwrap(), 0);
    assert_eq!(
        r.setting("scim_api_key").await.unwrap().as_deref(),
        Some("kept")
    );
    assert_eq!(r.saved_profiles().await.unwrap().len(), 1);
    drop(r);
    let next = insert_exchanges(b, &[created(Idp::Okta, "u9", "z@x")], 100).await;
    assert!(
        next[0] > first[0],
        "exchange ids keep growing after a reset"
    );
}

pub(super) async fn the_workspace_directory_keeps_slugs_unique<B: Backend>(b: &B) {
    use crate::model::{WorkspaceRecord, WorkspaceSlug};
    let mut r = b.reader().await.unwrap();
    let first = r.workspaces().await.unwrap();
    assert_eq!(
        first.len(),
        1,
        "every database starts as the default workspace"
    );
    assert!(first[0].slug.is_default());
    drop(r);
    let acme = WorkspaceRecord {
        slug: WorkspaceSlug::parse("acme").unwrap(),
        name: "Acme".into(),
        created: "2026-12-07T00:00:00.000Z".into(),
        template: Some("entra-guide".into()),
    };
    let mut w = b.writer().await.unwrap();
    w.insert_workspace(&acme).await.unwrap();
    w.commit().await.unwrap();
    let mut w = b.writer().await.unwrap();
    let again = w.insert_workspace(&acme).await.unwrap_err();
    assert!(
        matches!(
            again,
            crate::store::StoreError::Conflict { field: "slug", .. }
        ),
        "{again}"
    );
    drop(w);
    let mut w = b.writer().await.unwrap();
    assert!(w.rename_workspace(&acme.slug, "Acme Corp").await.unwrap());
    let ghost = WorkspaceSlug::parse("ghost").unwrap();
    assert!(!w.rename_workspace(&ghost, "x").await.unwrap());
    w.commit().await.unwrap();
    let mut r = b.reader().await.unwrap();
    let all = r.workspaces().await.unwrap();
    assert_eq!(
        all.iter()
            .map(|w| (w.slug.as_str(), w.name.as_str()))
            .collect::<Vec<_>>(),
        [("default", "Default"), ("acme", "Acme Corp")],
        "default first, then by creation"
    );
    assert_eq!(all[1].template.as_deref(), Some("entra-guide"));
    drop(r);
    let mut w = b.writer().await.unwrap();
    assert!(w.delete_workspace(&acme.slug).await.unwrap());
    assert!(!w.delete_workspace(&acme.slug).await.unwrap());
    w.commit().await.unwrap();
    assert_eq!(
        b.reader().await.unwrap().workspaces().await.unwrap().len(),
        1
    );
}

pub(super) async fn admin_users_hold_one_live_token_per_name<B: Backend>(b: &B) {
    use super::admin_users::AdminUserRow;
    let row = |name: &str, id: &str| AdminUserRow {
        name: name.into(),
        role: "viewer".into(),
        token_id: id.into(),
        token_hash: format!("$argon2id$hash-of-{id}"),
        created: "2026-12-07T00:00:00.000Z".into(),
        revoked: None,
    };
    let mut w = b.writer().await.unwrap();
    w.insert_admin_user(&row("ci-bot", "id1")).await.unwrap();
    w.insert_admin_user(&row("ada", "id2")).await.unwrap();
    // A live name is taken, and the writer's session goes on after the refusal.
    let e = w
        .insert_admin_user(&row("ci-bot", "id3"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict { field: "name", value } if value == "ci-bot"),
        "{e}"
    );
    w.commit().await.unwrap();
    let mut r = b.reader().await.unwrap();
    let names: Vec<String> = r
        .admin_users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(names, ["ada", "ci-bot"]);
    assert_eq!(
        r.admin_user_by_token("id1").await.unwrap().unwrap().name,
        "ci-bot"
    );
    assert!(r.admin_user_by_token("id3").await.unwrap().is_none());
    drop(r);
    let mut w = b.writer().await.unwrap();
    assert!(
        w.revoke_admin_user("ci-bot", "2026-12-07T01:00:00.000Z")
            .await
            .unwrap()
    );
    assert!(
        !w.revoke_admin_user("ci-bot", "2026-12-07T02:00:00.000Z")
            .await
            .unwrap()
    );
    assert!(
        !w.revoke_admin_user("nobody", "2026-12-07T02:00:00.000Z")
            .await
            .unwrap()
    );
    w.commit().await.unwrap();
    let mut r = b.reader().await.unwrap();
    let revoked = r.admin_user_by_token("id1").await.unwrap().unwrap();
    assert_eq!(revoked.revoked.as_deref(), Some("2026-12-07T01:00:00.000Z"));
    drop(r);
    // A revoked name is free again: a new token, the old one gone.
    let mut w = b.writer().await.unwrap();
    w.insert_admin_user(&AdminUserRow {
        role: "owner".into(),
        ..row("ci-bot", "id4")
    })
    .await
    .unwrap();
    w.commit().await.unwrap();
    let mut r = b.reader().await.unwrap();
    assert!(r.admin_user_by_token("id1").await.unwrap().is_none());
    let again = r.admin_user_by_token("id4").await.unwrap().unwrap();
    assert_eq!((again.role.as_str(), again.revoked), ("owner", None));
}

pub(super) async fn sign_ins_are_taken_once_and_sessions_end(b: &impl Backend) {
    use super::sign_in::{ATTEMPTS_KEPT, SessionRow, SignInAttempt};
    let attempt = |state: &str, expires_at: i64| SignInAttempt {
        state: state.into(),
        nonce: format!("nonce-{state}"),
        verifier: format!("verifier-{state}"),
        redirect_uri: "https://scimlab.example/auth/callback".into(),
        return_to: "/traffic".into(),
        expires_at,
    };
    let mut w = b.writer().await.unwrap();
    w.begin_sign_in(&attempt("s1", 1_000), 100).await.unwrap();
    w.begin_sign_in(&attempt("s2", 150), 100).await.unwrap();
    w.commit().await.unwrap();
    let mut w = b.writer().await.unwrap();
    // Found once, whole; a second take (a replayed callback) finds nothing.
    assert_eq!(
        w.take_sign_in("s1", 200).await.unwrap(),
        Some(attempt("s1", 1_000))
    );
    assert_eq!(w.take_sign_in("s1", 200).await.unwrap(), None);
    // Expired: not given, and gone.
    assert_eq!(w.take_sign_in("s2", 200).await.unwrap(), None);
    assert_eq!(w.take_sign_in("nope", 200).await.unwrap(), None);
    // Anyone may begin a sign-in: past the cap, the oldest are forgotten.
    for i in 0..ATTEMPTS_KEPT + 5 {
        w.begin_sign_in(&attempt(&format!("f{i}"), 10_000 + i), 300)
            .await
            .unwrap();
    }
    assert_eq!(w.take_sign_in("f0", 300).await.unwrap(), None);
    assert!(w.take_sign_in("f5", 300).await.unwrap().is_some());
    let last = format!("f{}", ATTEMPTS_KEPT + 4);
    assert!(w.take_sign_in(&last, 300).await.unwrap().is_some());
    let session = |id: &str, expires_at: i64| SessionRow {
        id_hash: id.into(),
        name: "ada@example.com".into(),
        subject: "https://idp.example ada".into(),
        role: "operator".into(),
        created: "2026-12-07T00:00:00.000Z".into(),
        expires_at,
    };
    w.open_session(&session("h1", 500), 100).await.unwrap();
    w.open_session(&session("h2", 150), 100).await.unwrap();
    w.commit().await.unwrap();
    let mut r = b.reader().await.unwrap();
    assert_eq!(
        r.session("h1", 200).await.unwrap(),
        Some(session("h1", 500))
    );
    assert_eq!(r.session("h2", 200).await.unwrap(), None, "expired");
    assert_eq!(r.session("h3", 200).await.unwrap(), None);
    drop(r);
    let mut w = b.writer().await.unwrap();
    assert!(w.end_session("h1").await.unwrap());
    assert!(!w.end_session("h1").await.unwrap());
    w.commit().await.unwrap();
    assert_eq!(
        b.reader().await.unwrap().session("h1", 200).await.unwrap(),
        None
    );
    // A code for the desktop app's loopback redirect: traded once, not after it expired.
    let code = |hash: &str, expires_at: i64| super::sign_in::AppCode {
        code_hash: hash.into(),
        challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
        redirect_uri: "http://127.0.0.1:53121/callback".into(),
        name: "ada@example.com".into(),
        subject: "https://idp.example ada".into(),
        role: "viewer".into(),
        session_ends: 5_000,
        expires_at,
    };
    let mut w = b.writer().await.unwrap();
    w.keep_app_code(&code("c1", 300), 100).await.unwrap();
    w.keep_app_code(&code("c2", 150), 100).await.unwrap();
    assert_eq!(
        w.take_app_code("c1", 200).await.unwrap(),
        Some(code("c1", 300))
    );
    assert_eq!(w.take_app_code("c1", 200).await.unwrap(), None);
    assert_eq!(w.take_app_code("c2", 200).await.unwrap(), None, "expired");
    w.commit().await.unwrap();
}

/// Instantiate every contract check for a backend. `$open` is an async expression giving
/// `(backend, guard)`; the guard (a temporary directory, a database to drop) lives as long as
/// the test.
macro_rules! contract_suite {
    ($open:expr) => {
        contract_suite!(@each $open;
            settings_round_trip,
            a_writer_is_all_or_nothing,
            names_are_unique_case_and_nfc_folded,
            concurrent_duplicates_leave_one_row,
            versions_grow_by_one_per_write,
            memberships_follow_their_groups,
            members_are_rewritten_as_a_diff,
            text_with_a_nul_is_stored_and_looked_up,
            lookups_pages_and_scans,
            user_search_filters_in_the_database,
            the_user_list_agrees_with_the_users_after_every_write,
            the_capture_log_keeps_order_retention_and_filters,
            a_large_exchange_round_trips_byte_exact,
            a_budgeted_search_goes_on_where_it_stopped,
            folds_count_rejected_requests,
            retention_keeps_the_newest_of_each_class_exactly,
            totals_agree_with_the_rows_they_count,
            filters_combine_with_the_text_and_the_cursor,
            an_exchange_naming_a_nul_is_stored_and_found,
            faulted_attempts_are_found_by_name,
            a_range_selects_what_a_replay_sends,
            creators_outlive_the_capture_log,
            creators_of_some_users_agree_with_all,
            the_change_feed_names_every_changed_user,
            the_change_feed_says_when_it_forgot,
            a_window_of_exchanges_follows_the_log,
            outlines_are_read_between_ids,
            mapping_rows,
            a_reset_keeps_settings_profiles_and_growing_ids,
            the_workspace_directory_keeps_slugs_unique,
            admin_users_hold_one_live_token_per_name,
            sign_ins_are_taken_once_and_sessions_end,
        );
    };
    (@each $open:expr; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $check() {
                let (backend, _guard) = $open.await;
                super::$check(&backend).await;
            }
        )*
    };
}

/// The SQLite backend: a fresh database file per check.
mod sqlite {
    async fn open() -> (crate::store::Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&dir.path().join("contract.db"))
            .await
            .unwrap();
        (store, dir)
    }
    contract_suite!(open());
}

/// The PostgreSQL backend: a fresh schema per check on the tests' server (`pg/testdb.rs`).
mod postgres {
    use scimlab_testdb as testdb;
    async fn open() -> (crate::store::Store, ()) {
        let store =
            crate::store::Store::open_postgres(testdb::url(), &testdb::fresh_schema("contract"), 8)
                .await
                .unwrap();
        (store, ())
    }
    contract_suite!(open());
}
