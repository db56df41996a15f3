//! `scimlab-commit-ceiling [COMMITS]`: the SQLite commit ceiling of this machine, through the
//! store ScimLab uses: one writer committing, per transaction, one user row and one captured
//! exchange of about 2 KB (what a create costs the database), into a fresh file with the
//! engine's own settings (WAL, synchronous=NORMAL). Prints `commits/s`; `make bench` puts it
//! beside the throughput it measures. Bounded: COMMITS transactions (default 20 000).

use scimlab_engine::model::{Exchange, ResourceId};
use scimlab_engine::store::Store;
use scimlab_engine::store::prelude::*;
use scimlab_scim::ResourceKind;
use serde_json::json;
use std::time::Instant;

#[tokio::main]
async fn main() {
    let commits: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000)
        .max(1);
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("ceiling.db"))
        .await
        .expect("store opens");
    let body = format!(
        "{{\"userName\": \"u@x\", \"pad\": \"{}\"}}",
        "x".repeat(1900)
    );
    let template: Exchange = serde_json::from_value(json!({
        "id": 0, "at": "2026-12-07T00:00:00.000Z", "method": "POST", "path": "/scim/v2/Users",
        "query": "", "status": 201, "latencyMs": 1.0, "idp": "entra", "operation": "create",
        "resourceType": "User", "resourceId": null, "resourceName": null, "quirks": [],
        "clientAddr": "127.0.0.1:1", "idpReason": "bench", "requestHeaders": [["user-agent", "bench"]],
        "requestBody": body, "requestTruncated": false, "responseHeaders": [], "responseBody": null,
        "responseTruncated": false, "auth": {"scheme": "Bearer", "last4": "abcd", "matched": true},
        "before": null, "after": null
    }))
    .expect("an exchange");
    let started = Instant::now();
    for i in 0..commits {
        let mut attributes = serde_json::Map::new();
        attributes.insert("userName".into(), json!(format!("user{i}@example.com")));
        attributes.insert(
            "schemas".into(),
            json!(["urn:ietf:params:scim:schemas:core:2.0:User"]),
        );
        let mut w = store.write().await.expect("writer");
        w.insert_resource(
            ResourceKind::User,
            &ResourceId::generate(),
            &attributes,
            "2026-12-07T00:00:00.000Z",
        )
        .await
        .expect("insert user");
        w.insert_exchanges(std::slice::from_ref(&template), 10_000_000)
            .await
            .expect("insert exchange");
        w.commit().await.expect("commit");
    }
    let rate = commits as f64 / started.elapsed().as_secs_f64();
    store.close().await;
    println!("{rate:.0}");
}
