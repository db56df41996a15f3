//! Tests of `store/resources.rs`.

use super::*;
use crate::model::Idp;
use crate::store::{SqliteStore as Store, StoreError};
use sqlx::Connection;
use sqlx::sqlite::SqliteConnectOptions;

fn user(name: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("userName".into(), Value::String(name.into()));
    m
}

/// Uniqueness lives in the database: a second connection that bypasses the engine's single
/// writer still cannot insert a userName that differs only in case.
#[tokio::test]
async fn the_unique_index_rejects_case_variants_from_any_connection() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("u.db");
    let store = Store::open(&path).await.unwrap();
    let mut w = store.write.lease().await.unwrap();
    w.insert_resource(
        ResourceKind::User,
        &"id-1".into(),
        &user("Alice@Example.com"),
        "t",
    )
    .await
    .unwrap();
    let mut other =
        sqlx::SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(&path))
            .await
            .unwrap();
    let err = other
        .insert_resource(
            ResourceKind::User,
            &"id-2".into(),
            &user("alice@example.COM"),
            "t",
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                field: "userName",
                ..
            }
        ),
        "{err:?}"
    );
    // A group may share the name: uniqueness is per resource type.
    let mut g = Map::new();
    g.insert(
        "displayName".into(),
        Value::String("alice@example.com".into()),
    );
    other
        .insert_resource(ResourceKind::Group, &"id-3".into(), &g, "t")
        .await
        .unwrap();
    assert_eq!(w.count_resources(ResourceKind::User).await.unwrap(), 1);
}

#[tokio::test]
async fn lookups_use_folded_names_and_exact_external_ids() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("l.db")).await.unwrap();
    let mut w = store.write.lease().await.unwrap();
    let mut attrs = user("Bob@Example.com");
    attrs.insert("externalId".into(), Value::String("Ext-1".into()));
    w.insert_resource(ResourceKind::User, &"id-b".into(), &attrs, "t")
        .await
        .unwrap();
    let by_name = w
        .lookup_resources(
            ResourceKind::User,
            &IndexHint::Name("BOB@example.com".into()),
        )
        .await
        .unwrap();
    assert_eq!(by_name.len(), 1);
    let exact = w
        .lookup_resources(ResourceKind::User, &IndexHint::ExternalId("Ext-1".into()))
        .await
        .unwrap();
    let wrong_case = w
        .lookup_resources(ResourceKind::User, &IndexHint::ExternalId("ext-1".into()))
        .await
        .unwrap();
    assert_eq!(
        (exact.len(), wrong_case.len()),
        (1, 0),
        "externalId is caseExact"
    );
    // The name lookup is answered by an index, not a scan of 100k rows.
    let rows = sqlx::query(
        "EXPLAIN QUERY PLAN SELECT pk FROM resources WHERE kind = 'User' AND name_folded = 'x'",
    )
    .fetch_all(&mut *w)
    .await
    .unwrap();
    let detail: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String, _>("detail").unwrap())
        .collect();
    assert!(
        detail
            .iter()
            .any(|d| d.contains("USING") && d.contains("INDEX")),
        "{detail:?}"
    );
}

/// A row as an older version wrote it: `name_folded` lowercased, attributes as given.
async fn legacy_row(conn: &mut SqliteConn, kind: &str, id: &str, name: &str, attrs: &str) {
    sqlx::query(
        "INSERT INTO resources (kind, id, name_folded, attributes, version, created, last_modified)
         VALUES (?, ?, ?, ?, 1, 't', 't')",
    )
    .bind(kind)
    .bind(id)
    .bind(name.to_lowercase())
    .bind(attrs)
    .execute(conn)
    .await
    .unwrap();
}

fn names_of(rows: &[StoredResource]) -> Vec<String> {
    rows.iter().map(|r| r.id.to_string()).collect()
}

/// Issue 11 §7: NFC/NFD spellings and the Kelvin sign are one name to the unique index.
#[tokio::test]
async fn unicode_variants_of_a_name_conflict_and_are_found_by_either_spelling() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("n.db")).await.unwrap();
    let mut w = store.write.lease().await.unwrap();
    w.insert_resource(
        ResourceKind::User,
        &"nfc".into(),
        &user("Jos\u{e9}@example.com"),
        "t",
    )
    .await
    .unwrap();
    w.insert_resource(ResourceKind::User, &"k".into(), &user("Kelvin"), "t")
        .await
        .unwrap();
    for (id, name) in [
        ("nfd", "JOSE\u{301}@example.com"),
        ("kelvin-sign", "\u{212A}ELVIN"),
    ] {
        let e = w
            .insert_resource(ResourceKind::User, &id.into(), &user(name), "t")
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Conflict { .. }), "{name}: {e:?}");
    }
    let found = w
        .lookup_resources(
            ResourceKind::User,
            &IndexHint::Name("jose\u{301}@EXAMPLE.com".into()),
        )
        .await
        .unwrap();
    assert_eq!(names_of(&found), ["nfc"]);
    let found = w
        .lookup_resources(ResourceKind::User, &IndexHint::Name("\u{212A}elvin".into()))
        .await
        .unwrap();
    assert_eq!(names_of(&found), ["k"]);
}

/// Migration 0009 on a database an older version filled: each user's `created_by` is the
/// IdP of its successful create, else of the latest IdP exchange that touched it, else NULL
/// (listed as `other`); the user list filters on it.
#[tokio::test]
async fn migration_0009_fills_created_by_from_the_capture_log() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("m.db")).await.unwrap();
    let mut w = store.write.lease().await.unwrap();
    for id in ["by-okta", "touched-by-entra", "unknown"] {
        legacy_row(&mut w, "User", id, id, &format!(r#"{{"userName":"{id}"}}"#)).await;
    }
    for (resource, idp, op, status) in [
        ("by-okta", "okta", "create", 201),
        ("by-okta", "entra", "update", 200),
        ("touched-by-entra", "other", "read", 200),
        ("touched-by-entra", "entra", "update", 200),
        ("unknown", "other", "read", 200),
    ] {
        sqlx::query(
            "INSERT INTO exchanges (at, method, path, query, status, latency_ms, idp, idp_reason,
               operation, quirks, resource_id, request_headers, request_truncated,
               response_headers, response_truncated, auth)
             VALUES ('t', 'GET', '/', '', ?, 1, ?, '', ?, '[]', ?, '[]', 0, '[]', 0, '{}')",
        )
        .bind(status)
        .bind(idp)
        .bind(op)
        .bind(resource)
        .execute(&mut *w)
        .await
        .unwrap();
    }
    let migration = include_str!("../../../migrations/0009_created_by_and_outline.sql");
    let backfill = migration
        .split(';')
        .find(|stmt| stmt.trim_start().lines().any(|l| l.starts_with("UPDATE")))
        .unwrap();
    sqlx::query(backfill).execute(&mut *w).await.unwrap();
    let search = |idp| UserSearch {
        idp: Some(idp),
        limit: 10,
        ..UserSearch::default()
    };
    for (idp, want) in [
        (Idp::Okta, vec!["by-okta"]),
        (Idp::Entra, vec!["touched-by-entra"]),
        (Idp::Other, vec!["unknown"]),
    ] {
        let (total, rows) = w.search_users(&search(idp)).await.unwrap();
        let ids: Vec<&str> = rows.iter().map(|(r, _)| r.id.as_str()).collect();
        assert_eq!((total, ids), (want.len() as i64, want), "{idp:?}");
    }
}

/// Migration 0007 on a database an older version filled: names refolded, a pair that only
/// now collides is kept (the newer parked, both found), stored passwords dropped.
#[tokio::test]
async fn refold_after_migration_0007_parks_new_collisions_and_keeps_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("r.db")).await.unwrap();
    let mut w = store.write.lease().await.unwrap();
    let ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    legacy_row(
        &mut w,
        "User",
        "old-nfc",
        "Jos\u{e9}",
        r#"{"userName":"Jos\u00e9"}"#,
    )
    .await;
    legacy_row(
        &mut w,
        "User",
        "new-nfd",
        "Jose\u{301}",
        r#"{"userName":"Jose\u0301"}"#,
    )
    .await;
    legacy_row(
        &mut w,
        "Group",
        "g-sharp-s",
        "Stra\u{df}e",
        r#"{"displayName":"Stra\u00dfe"}"#,
    )
    .await;
    legacy_row(
        &mut w,
        "Group",
        "g-ss",
        "STRASSE",
        r#"{"displayName":"STRASSE"}"#,
    )
    .await;
    let secret =
        format!(r#"{{"userName":"Pat","{ent}":{{"password":"hunter22","department":"Ops"}}}}"#);
    legacy_row(&mut w, "User", "pw", "Pat", &secret).await;
    legacy_row(&mut w, "User", "broken", "Broken\u{e9}", "not json").await;
    drop(w);
    // Nothing pending: the pass does nothing.
    assert!(
        !refold_names(&mut store.write.lease().await.unwrap())
            .await
            .unwrap()
            .ran
    );
    sqlx::query("INSERT INTO settings (key, value) VALUES ('name_fold_pending', '0007')")
        .execute(&mut *store.write.lease().await.unwrap())
        .await
        .unwrap();
    let report = refold_names(&mut store.write.lease().await.unwrap())
        .await
        .unwrap();
    assert!(report.ran);
    assert_eq!(
        report.parked,
        vec![
            ("new-nfd".to_owned(), "old-nfc".to_owned()),
            ("g-ss".to_owned(), "g-sharp-s".to_owned())
        ]
    );
    assert_eq!(report.passwords_dropped, 1);
    assert!(
        !refold_names(&mut store.write.lease().await.unwrap())
            .await
            .unwrap()
            .ran,
        "runs once"
    );

    let mut w = store.write.lease().await.unwrap();
    assert_eq!(
        w.count_resources(ResourceKind::User).await.unwrap(),
        4,
        "no row lost"
    );
    let both = w
        .lookup_resources(ResourceKind::User, &IndexHint::Name("JOS\u{c9}".into()))
        .await
        .unwrap();
    assert_eq!(names_of(&both), ["old-nfc", "new-nfd"]);
    let groups = w
        .lookup_resources(ResourceKind::Group, &IndexHint::Name("strasse".into()))
        .await
        .unwrap();
    assert_eq!(names_of(&groups), ["g-sharp-s", "g-ss"]);
    // The unreadable row kept a name from its old folded column, refolded.
    let broken = w
        .lookup_resources(ResourceKind::User, &IndexHint::Name("BROKEN\u{c9}".into()))
        .await
        .unwrap();
    assert_eq!(names_of(&broken), ["broken"]);
    let pw = w.resource(ResourceKind::User, "pw").await.unwrap().unwrap();
    assert!(
        !Value::Object(pw.attributes.clone())
            .to_string()
            .contains("hunter22")
    );
    assert_eq!(pw.attributes[ent]["department"], "Ops");

    // The parked row stays writable under its name; a third spelling is still refused.
    let parked_row = w
        .resource(ResourceKind::User, "new-nfd")
        .await
        .unwrap()
        .unwrap();
    let mut attrs = parked_row.attributes.clone();
    attrs.insert("title".into(), Value::String("Dr".into()));
    w.update_resource(&parked_row, &attrs, "t2").await.unwrap();
    let e = w
        .insert_resource(ResourceKind::User, &"third".into(), &user("jos\u{e9}"), "t")
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict { .. }), "{e:?}");
    // Renamed to a free name, it leaves the parking spot.
    let parked_row = w
        .resource(ResourceKind::User, "new-nfd")
        .await
        .unwrap()
        .unwrap();
    w.update_resource(&parked_row, &user("josefine"), "t3")
        .await
        .unwrap();
    let found = w
        .lookup_resources(ResourceKind::User, &IndexHint::Name("Josefine".into()))
        .await
        .unwrap();
    assert_eq!(names_of(&found), ["new-nfd"]);
}

/// Issue 11 §3: a row too deep (or not json at all) reads back with what could be read.
#[tokio::test]
async fn unreadable_rows_read_back_partly_and_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("d.db")).await.unwrap();
    let mut w = store.write.lease().await.unwrap();
    let deep = format!(
        r#"{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"Deep","deep":{}1{},"title":"kept"}}"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    legacy_row(&mut w, "User", "deep", "Deep", &deep).await;
    legacy_row(&mut w, "User", "junk", "Junk", "{not json").await;
    w.insert_resource(ResourceKind::User, &"fine".into(), &user("Fine"), "t")
        .await
        .unwrap();
    let rows = w
        .resource_page(ResourceKind::User, SqlOrder::Created, false, 0, 10)
        .await
        .unwrap();
    assert_eq!(names_of(&rows), ["deep", "junk", "fine"]);
    let deep = &rows[0];
    assert_eq!(deep.attributes["userName"], "Deep");
    assert_eq!(deep.attributes["title"], "kept");
    assert!(deep.attributes.get("deep").is_none());
    let why = deep.unreadable.as_deref().unwrap();
    assert!(
        why.contains("'deep'") && why.contains("recursion limit"),
        "{why}"
    );
    let junk = &rows[1];
    assert_eq!(
        junk.attributes["userName"], "junk",
        "the folded name, better than none"
    );
    assert!(
        junk.unreadable
            .as_deref()
            .unwrap()
            .contains("not a json object")
    );
    assert!(rows[2].unreadable.is_none());
    // PUT replaces it whole: readable again.
    w.update_resource(deep, &user("Deep"), "t2").await.unwrap();
    let again = w
        .resource(ResourceKind::User, "deep")
        .await
        .unwrap()
        .unwrap();
    assert!(again.unreadable.is_none());
}
