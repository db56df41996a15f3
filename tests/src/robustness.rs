//! Concurrency, persistence and secrets: the races, restarts and leaks that must not happen.

use scimlab_tests::TestEngine;
use serde_json::json;

/// Twenty creates of one userName (in different case) at once: exactly one wins, by the
/// database's unique index, and the rest get 409 uniqueness.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_duplicate_creates_have_exactly_one_winner() {
    let engine = std::sync::Arc::new(TestEngine::start().await);
    let mut tasks = Vec::new();
    for i in 0..20 {
        let e = engine.clone();
        tasks.push(tokio::spawn(async move {
            let name = if i % 2 == 0 { "Race@Example.com" } else { "race@example.COM" };
            e.post("/Users", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name})).await
        }));
    }
    let mut created = 0;
    for t in tasks {
        let r = t.await.expect("task");
        match r.status.as_u16() {
            201 => created += 1,
            409 => scimlab_tests::assert_scim_error!(r, 409, "uniqueness"),
            other => panic!("unexpected status {other}: {}", r.text),
        }
    }
    assert_eq!(created, 1);
    let list = engine
        .get("/Users?filter=userName%20eq%20%22RACE%40example.com%22")
        .await;
    assert_eq!(list.body["totalResults"], 1);
    let all = engine.get("/Users").await;
    assert_eq!(all.body["totalResults"], 1, "no half-written rows");
}

#[tokio::test]
async fn everything_survives_a_restart_including_the_key() {
    let engine = TestEngine::start().await;
    let key = engine.key.clone();
    let uid = engine.create_user("persist@example.com").await;
    let g = engine
        .post("/Groups", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "G", "members": [{"value": uid}]}))
        .await;
    assert_eq!(g.status, 201);
    let dir = engine.stop().await;
    let engine = TestEngine::start_in(dir, |_| {}).await;
    assert_eq!(engine.key, key, "the key is stored, not regenerated");
    let u = engine.get(&format!("/Users/{uid}")).await;
    assert_eq!(u.status, 200);
    assert_eq!(u.body["userName"], "persist@example.com");
    assert_eq!(u.body["groups"][0]["display"], "G");
}

#[tokio::test]
async fn passwords_are_never_stored_or_returned() {
    if scimlab_tests::sqlite_only("searches the SQLite database file's bytes") {
        return;
    }
    let engine = TestEngine::start().await;
    let secret = "Sup3r-Secret-Pa55word-xyz";
    let r = engine
        .post("/Users", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "pw@example.com", "password": secret}))
        .await;
    assert_eq!(r.status, 201);
    assert!(!r.text.contains(secret));
    let id = r.body["id"].as_str().unwrap().to_owned();
    let patched = engine
        .patch(&format!("/Users/{id}"), &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "password", "value": secret}]}))
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert!(!patched.text.contains(secret));
    let put = engine
        .put(&format!("/Users/{id}"), &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "pw@example.com", "password": secret}))
        .await;
    assert_eq!(put.status, 200);
    let got = engine
        .get(&format!("/Users/{id}?attributes=password"))
        .await;
    assert!(!got.text.contains(secret) && got.body.get("password").is_none());
    let db_path = engine.db_path();
    let dir = engine.stop().await;
    // Every byte of the database and its WAL: the password is nowhere.
    for suffix in ["", "-wal", "-shm"] {
        let p = std::path::PathBuf::from(format!("{}{suffix}", db_path.display()));
        if let Ok(bytes) = std::fs::read(&p) {
            let hay = String::from_utf8_lossy(&bytes);
            assert!(!hay.contains(secret), "password found in {}", p.display());
        }
    }
    // Nor in the captured exchanges, inflated (deflated bytes cannot show it).
    let evidence = stored_evidence(&db_path).await;
    assert!(
        evidence.contains("pw@example.com"),
        "the exchanges were read"
    );
    assert!(
        !evidence.contains(secret),
        "password found in the captured exchanges"
    );
    drop(dir);
}

/// A PATCH whose second operation fails changes nothing: the first operation is not kept.
#[tokio::test]
async fn a_failing_patch_leaves_no_partial_write() {
    let engine = TestEngine::start().await;
    let id = engine.create_user("atomic@example.com").await;
    let r = engine
        .patch(
            &format!("/Users/{id}"),
            &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
            {"op": "replace", "path": "displayName", "value": "Changed"},
            {"op": "replace", "path": "userName", "value": ""}]}),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    let u = engine.get(&format!("/Users/{id}")).await;
    assert!(u.body.get("displayName").is_none(), "{}", u.text);
    assert_eq!(u.body["meta"]["version"], "W/\"1\"");
}

/// A rename into a taken displayName is a 409 and the group keeps its name and members.
#[tokio::test]
async fn a_conflicting_rename_rolls_back() {
    let engine = TestEngine::start().await;
    let uid = engine.create_user("m@example.com").await;
    for name in ["Alpha", "Beta"] {
        let r = engine.post("/Groups", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name})).await;
        assert_eq!(r.status, 201);
    }
    let beta = engine
        .get("/Groups?filter=displayName%20eq%20%22Beta%22")
        .await
        .body["Resources"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = engine
        .patch(
            &format!("/Groups/{beta}"),
            &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
            {"op": "add", "path": "members", "value": [{"value": uid}]},
            {"op": "replace", "path": "displayName", "value": "ALPHA"}]}),
        )
        .await;
    scimlab_tests::assert_scim_error!(r, 409, "uniqueness");
    let g = engine.get(&format!("/Groups/{beta}")).await;
    assert_eq!(g.body["displayName"], "Beta");
    assert_eq!(g.body["members"], json!([]));
}

/// Secrets hidden behind URN-qualified keys or inside unknown extensions are dropped too.
#[tokio::test]
async fn passwords_behind_urn_keys_are_never_stored() {
    if scimlab_tests::sqlite_only("searches the SQLite database file's bytes") {
        return;
    }
    let engine = TestEngine::start().await;
    let id = engine.create_user("urnpw@example.com").await;
    let r = engine
        .put(
            &format!("/Users/{id}"),
            &json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "urnpw@example.com",
            "urn:ietf:params:scim:schemas:core:2.0:User": {"password": "S3cretPUT-1"},
            "urn:ietf:params:scim:schemas:core:2.0:User:password": "S3cretPUT-2",
            "urn:example:custom:2.0:User": {"password": "S3cretPUT-3", "role": "Admin"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!r.text.contains("S3cretPUT"), "{}", r.text);
    assert_eq!(r.body["urn:example:custom:2.0:User"]["role"], "Admin");
    assert!(r.quirks().contains(&"okta.password-sent".to_owned()));
    let db_path = engine.db_path();
    let _dir = engine.stop().await;
    let bytes = std::fs::read(&db_path).unwrap();
    let wal = std::fs::read(format!("{}-wal", db_path.display())).unwrap_or_default();
    for hay in [bytes, wal] {
        assert!(!String::from_utf8_lossy(&hay).contains("S3cretPUT"));
    }
    let evidence = stored_evidence(&db_path).await;
    assert!(
        evidence.contains("urnpw@example.com"),
        "the exchanges were read"
    );
    assert!(!evidence.contains("S3cretPUT"), "{evidence}");
}

/// Entra adds group members in big batches: one PATCH with 20 000 members is applied whole
/// (linear work, one transaction) and the endpoint keeps serving.
#[tokio::test]
async fn a_patch_adding_twenty_thousand_members_is_applied_whole() {
    let engine = TestEngine::start().await;
    let g = engine.post("/Groups", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Big"})).await;
    let gid = g.body["id"].as_str().unwrap().to_owned();
    let members: Vec<_> = (0..20_000)
        .map(|i| json!({"value": format!("member-{i:05}")}))
        .collect();
    let r = engine
        .patch(
            &format!("/Groups/{gid}"),
            &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
            {"op": "Add", "path": "members", "value": members}]}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let again = engine
        .patch(&format!("/Groups/{gid}"), &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
            {"op": "Remove", "path": "members", "value": (0..10_000).map(|i| json!({"value": format!("member-{i:05}")})).collect::<Vec<_>>()}]}))
        .await;
    assert_eq!(again.status, 204, "{}", again.text);
    let got = engine.get(&format!("/Groups/{gid}")).await;
    let list = got.body["members"].as_array().unwrap();
    assert_eq!(list.len(), 10_000);
    assert_eq!(list[0]["value"], "member-10000");
    assert_eq!(engine.create_user("after@example.com").await.len(), 36);
}

/// A client that stalls mid-body cannot hold a graceful shutdown hostage: after the grace
/// period it is cut off and the engine stops (everything captured so far is kept).
#[tokio::test]
async fn a_stalled_upload_does_not_hang_shutdown() {
    if scimlab_tests::sqlite_only("reads the stopped engine's SQLite file") {
        return;
    }
    use tokio::io::AsyncWriteExt;
    let engine =
        TestEngine::start_with(|c| c.shutdown_grace = std::time::Duration::from_secs(1)).await;
    engine.create_user("before@example.com").await;
    let addr = engine
        .base
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let mut sock = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /scim/v2/Users HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nContent-Type: application/scim+json\r\nContent-Length: 100\r\n\r\n{{\"use",
        engine.key
    );
    sock.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    let stopped = tokio::time::timeout(std::time::Duration::from_secs(15), engine.stop()).await;
    let dir = stopped.expect("shutdown hung on a stalled client");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    drop(sock);
    let store = scimlab_engine::store::Store::open(&dir.path().join("scimlab.db"))
        .await
        .unwrap();
    let mut conn = store.read().await.unwrap();
    let n = scimlab_engine::store::prelude::ExchangeStore::count_exchanges(&mut *conn)
        .await
        .unwrap();
    assert_eq!(n, 1, "the create before the stall was captured");
}

/// The captured exchanges of the stopped engine's database, inflated (`Store::evidence_plaintext`).
async fn stored_evidence(db: &std::path::Path) -> String {
    let store = scimlab_engine::store::Store::open(db).await.unwrap();
    let text = store.evidence_plaintext().await.unwrap();
    store.close().await;
    String::from_utf8(text).unwrap()
}
