//! Listing: paging, sorting, filters by type, projections, discovery — the read side an IdP
//! import or an admin's script relies on.

use scimlab_tests::{TestEngine, assert_scim_error};
use serde_json::{Value, json};

async fn seed(e: &TestEngine, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let r = e
            .post("/Users", &json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
                "userName": format!("user{i:02}@example.com"),
                "displayName": format!("User {}", (b'a' + (n - 1 - i) as u8) as char),
                "active": i % 2 == 0,
                "emails": [{"type": "work", "value": format!("u{i}@work.example"), "primary": true}],
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": if i < 3 { "Sales" } else { "R&D" }}
            }))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        ids.push(r.body["id"].as_str().unwrap().to_owned());
    }
    ids
}

fn ids_of(r: &Value) -> Vec<String> {
    r["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn pages_are_stable_integers_and_cover_everything_once() {
    let e = TestEngine::start().await;
    let ids = seed(&e, 7).await;
    let mut seen = Vec::new();
    let mut start = 1;
    loop {
        let r = e.get(&format!("/Users?startIndex={start}&count=3")).await;
        assert_eq!(r.status, 200);
        assert!(
            r.body["totalResults"].is_u64()
                && r.body["startIndex"].is_u64()
                && r.body["itemsPerPage"].is_u64()
        );
        assert_eq!(r.body["totalResults"], 7);
        assert_eq!(r.body["startIndex"], start);
        let page = ids_of(&r.body);
        assert_eq!(r.body["itemsPerPage"], page.len());
        if page.is_empty() {
            break;
        }
        seen.extend(page);
        start += 3;
    }
    assert_eq!(seen, ids, "creation order, each once");
    let r = e.get("/Users?count=0").await;
    assert_eq!(r.body["totalResults"], 7);
    assert_eq!(r.body["Resources"], json!([]));
    let r = e.get("/Users?startIndex=-5&count=100000").await;
    assert_eq!(r.body["startIndex"], 1, "startIndex below 1 is 1");
    assert_eq!(r.body["itemsPerPage"], 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn count_is_clamped_to_the_advertised_maximum() {
    let e = std::sync::Arc::new(TestEngine::start().await);
    let mut tasks = Vec::new();
    for w in 0..8 {
        let e = e.clone();
        tasks.push(tokio::spawn(async move {
            for i in (w..1005).step_by(8) {
                e.create_user(&format!("c{i}@example.com")).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let r = e.get("/Users?count=5000").await;
    assert_eq!(r.body["totalResults"], 1005);
    assert_eq!(
        r.body["itemsPerPage"], 1000,
        "count is clamped to maxResults"
    );
    assert_eq!(r.body["Resources"].as_array().unwrap().len(), 1000);
    let r = e.get("/Users?count=5000&startIndex=1001").await;
    assert_eq!(r.body["itemsPerPage"], 5);
    let r = e.get("/Users").await;
    assert_eq!(
        r.body["itemsPerPage"], 100,
        "the documented default page size"
    );
    let spc = e.get("/ServiceProviderConfig").await;
    assert_eq!(spc.body["filter"]["maxResults"], 1000);
    assert_eq!(spc.body["bulk"]["supported"], false);
    assert_eq!(spc.body["patch"]["supported"], true);
    assert_eq!(spc.body["etag"]["supported"], true);
    assert_eq!(spc.body["sort"]["supported"], true);
}

#[tokio::test]
async fn sorting_in_sql_and_in_memory_agree_and_are_stable() {
    let e = TestEngine::start().await;
    let ids = seed(&e, 6).await;
    let by_name = e.get("/Users?sortBy=userName&sortOrder=descending").await;
    let mut expected = ids.clone();
    expected.reverse();
    assert_eq!(ids_of(&by_name.body), expected);
    // displayName letters run backwards relative to creation: sorting by it reverses too.
    let by_display = e.get("/Users?sortBy=displayName").await;
    assert_eq!(ids_of(&by_display.body), expected);
    // Sorting with a filter, across pages.
    let p1 = e
        .get("/Users?filter=active%20eq%20true&sortBy=emails.value&count=2")
        .await;
    let p2 = e
        .get("/Users?filter=active%20eq%20true&sortBy=emails.value&count=2&startIndex=3")
        .await;
    assert_eq!(p1.body["totalResults"], 3);
    let mut all = ids_of(&p1.body);
    all.extend(ids_of(&p2.body));
    assert_eq!(all, vec![ids[0].clone(), ids[2].clone(), ids[4].clone()]);
}

#[tokio::test]
async fn filters_cover_the_rfc_grammar_over_http() {
    let e = TestEngine::start().await;
    let ids = seed(&e, 6).await;
    let count = |r: &Value| r["totalResults"].as_u64().unwrap();
    let q = |f: &str| {
        format!(
            "/Users?filter={}",
            f.replace(' ', "%20")
                .replace('"', "%22")
                .replace('[', "%5B")
                .replace(']', "%5D")
                .replace('&', "%26")
        )
    };
    assert_eq!(count(&e.get(&q(r#"userName sw "user0""#)).await.body), 6);
    assert_eq!(count(&e.get(&q(r#"userName co "03""#)).await.body), 1);
    assert_eq!(
        count(&e.get(&q(r#"userName ew "@EXAMPLE.COM""#)).await.body),
        6
    );
    assert_eq!(
        count(&e.get(&q(r#"userName ne "user00@example.com""#)).await.body),
        5
    );
    assert_eq!(
        count(
            &e.get(&q(r#"active eq false or userName eq "user00@example.com""#))
                .await
                .body
        ),
        4
    );
    assert_eq!(
        count(
            &e.get(&q(r#"not (active eq true) and emails[value co "u1"]"#))
                .await
                .body
        ),
        1
    );
    assert_eq!(count(&e.get(&q(r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "sales""#)).await.body), 3);
    assert_eq!(count(&e.get(&q(r#"title pr"#)).await.body), 0);
    assert_eq!(
        count(
            &e.get(&q(r#"meta.created gt "2000-01-01T00:00:00Z""#))
                .await
                .body
        ),
        6
    );
    assert_eq!(
        count(
            &e.get(&q(r#"meta.created lt "2000-01-01T00:00:00Z""#))
                .await
                .body
        ),
        0
    );
    let by_id = e.get(&q(&format!(r#"id eq "{}""#, ids[2]))).await;
    assert_eq!(ids_of(&by_id.body), vec![ids[2].clone()]);
    let r = e.get(&q(r#"USERNAME EQ "USER01@EXAMPLE.COM""#)).await;
    assert_eq!(ids_of(&r.body), vec![ids[1].clone()]);
}

#[tokio::test]
async fn search_endpoint_takes_a_search_request() {
    let e = TestEngine::start().await;
    seed(&e, 4).await;
    let r = e
        .post(
            "/Users/.search",
            &json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": "active eq true", "startIndex": 1, "count": 10,
            "attributes": ["userName"], "sortBy": "userName", "sortOrder": "descending"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["totalResults"], 2);
    assert_eq!(r.body["Resources"][0]["userName"], "user02@example.com");
    assert!(r.body["Resources"][0].get("emails").is_none());
    assert!(r.body["Resources"][0].get("id").is_some());
    let bad = e.post("/Users/.search", &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "userName eq"})).await;
    assert_scim_error!(bad, 400, "invalidFilter");
}

#[tokio::test]
async fn attributes_and_excluded_attributes_apply_to_lists_gets_and_writes() {
    let e = TestEngine::start().await;
    let ids = seed(&e, 1).await;
    let r = e.get("/Users?attributes=userName,emails.value").await;
    let u = &r.body["Resources"][0];
    assert_eq!(u["emails"], json!([{"value": "u0@work.example"}]));
    assert!(u.get("displayName").is_none() && u.get("id").is_some() && u.get("meta").is_some());
    let r = e.get(&format!("/Users/{}?excludedAttributes=emails,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", ids[0])).await;
    assert!(r.body.get("emails").is_none());
    assert_eq!(r.body["displayName"], "User a");
    assert_eq!(
        r.body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        json!({})
    );
    let r = e
        .post("/Users?attributes=userName", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "w@example.com", "displayName": "W"}))
        .await;
    assert_eq!(r.status, 201);
    assert!(r.body.get("displayName").is_none() && r.body["userName"] == "w@example.com");
    let r = e
        .patch(&format!("/Users/{}?excludedAttributes=displayName", ids[0]), &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "displayName", "value": "Z"}]}))
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.get("displayName").is_none());
}

#[tokio::test]
async fn discovery_endpoints_describe_users_groups_and_schemas() {
    let e = TestEngine::start().await;
    let rt = e.get("/ResourceTypes").await;
    assert_eq!(rt.body["totalResults"], 2);
    assert_eq!(
        e.get("/ResourceTypes/User").await.body["endpoint"],
        "/Users"
    );
    let schemas = e.get("/Schemas").await;
    assert_eq!(schemas.body["totalResults"], 3);
    let user = e
        .get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User")
        .await;
    let attrs = user.body["attributes"].as_array().unwrap();
    let user_name = attrs.iter().find(|a| a["name"] == "userName").unwrap();
    assert_eq!(user_name["uniqueness"], "server");
    assert_eq!(user_name["caseExact"], false);
    let password = attrs.iter().find(|a| a["name"] == "password").unwrap();
    assert_eq!(password["returned"], "never");
    assert_scim_error!(e.get("/Schemas/urn:nope").await, 404);
    assert_eq!(e.get("/ServiceProviderConfigs").await.status, 200);
}

#[tokio::test]
async fn unknown_query_parameters_are_ignored_and_labelled() {
    let e = TestEngine::start().await;
    let r = e.get("/Users?aadOptscim062020&foo=bar").await;
    assert_eq!(r.status, 200);
    let q = r.quirks();
    assert!(
        q.contains(&"entra.aadoptscim062020".into())
            && q.contains(&"scim.unknown-query-parameter".into()),
        "{q:?}"
    ); // Every route records it, not only lists.
    let id = e.create_user("q@example.com").await;
    for reply in [
        e.get("/ServiceProviderConfig?aadOptscim062020").await,
        e.get(&format!("/Users/{id}?aadOptscim062020")).await,
        e.post(
            "/Users/.search?aadOptscim062020",
            &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}),
        )
        .await,
        e.delete(&format!("/Users/{id}?aadOptscim062020")).await,
    ] {
        assert!(reply.status.is_success(), "{}", reply.text);
        assert!(
            reply.quirks().contains(&"entra.aadoptscim062020".into()),
            "{:?}",
            reply.quirks()
        );
    }
}
