//! Issue 11 §3, §4, §7 over loopback: nothing accepted breaks a read, passwords never come back,
//! unique names compare Unicode-normalised and case-folded, and hostile edge values get one
//! clear answer.

use scimlab_engine::store::Store;
use scimlab_engine::store::prelude::*;
use scimlab_scim::ResourceKind;
use scimlab_tests::{TestEngine, assert_scim_error};
use serde_json::{Value, json};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const CUSTOM: &str = "urn:ietf:params:scim:schemas:extension:Contoso:2.0:User";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// `{"a": {"a": … 1}}` with `n` objects.
fn nested(n: usize) -> Value {
    let mut v = json!(1);
    for _ in 0..n {
        v = json!({ "a": v });
    }
    v
}

fn patch_body(ops: Value) -> Value {
    let mut body = serde_json::Map::new();
    body.insert("schemas".into(), json!([PATCH]));
    body.insert("Operations".into(), ops);
    Value::Object(body)
}

/// §3: a create about 126 levels deep used to be `201` and then broke every read of it.
#[tokio::test]
async fn deep_json_is_refused_naming_the_limit_and_reads_keep_working() {
    let e = TestEngine::start().await;
    let id = e.create_user("shallow@example.com").await;
    let path = format!("/Users/{id}");
    // 126 levels: parsable by serde_json, far past the 32-level limit.
    for body in [
        json!({"schemas": [USER], "userName": "deep@example.com", "x": nested(125)}),
        json!({"schemas": [USER], "userName": "deep@example.com", "x": nested(1000)}),
        json!({"schemas": [USER], "userName": "deep@example.com", "x": nested(32)}),
        json!({"schemas": [USER], "userName": "deep@example.com", CUSTOM: {"x": nested(31)}}),
        json!({"schemas": [USER], "userName": "deep@example.com",
               "roles": [{"value": nested(40).to_string()}]}),
    ] {
        let r = e.post("/Users", &body).await;
        assert_scim_error!(r, 400, "invalidValue");
        let detail = r.body["detail"].as_str().unwrap();
        assert!(detail.contains("32 levels"), "{detail}");
        let r = e.put(&path, &body).await;
        assert_scim_error!(r, 400, "invalidValue");
    }
    // At the limit it is accepted, and read back.
    let ok = e
        .post(
            "/Users",
            &json!({"schemas": [USER], "userName": "limit@example.com", "x": nested(31)}),
        )
        .await;
    assert_eq!(ok.status, 201, "{ok:?}");
    // PATCH: a deep value, a value landing too deep, JSON-in-string unwrapped too deep.
    for ops in [
        json!([{"op": "add", "path": "x", "value": nested(120)}]),
        json!([{"op": "add", "path": "x", "value": nested(500)}]),
        json!([{"op": "add", "path": format!("{CUSTOM}:x"), "value": nested(31)}]),
        json!([{"op": "replace", "value": {"x": nested(32)}}]),
        json!([{"op": "add", "path": "roles", "value": [{"value": nested(40).to_string()}]}]),
    ] {
        let r = e.patch(&path, &patch_body(ops.clone())).await;
        assert_scim_error!(r, 400, "invalidValue");
        assert!(r.text.contains("32 levels"), "{ops}: {}", r.text);
    }
    assert_eq!(e.get(&path).await.status, 200);
    let list = e.get("/Users").await;
    assert_eq!(list.status, 200, "{list:?}");
    assert_eq!(list.body["totalResults"], 2);
    let filtered = e.get("/Users?filter=x%20pr").await;
    assert_eq!(filtered.status, 200);
}

/// §3: a row that still cannot be rendered (an older database) does not take a list down.
#[tokio::test]
async fn an_unreadable_stored_row_does_not_break_a_list_page() {
    if scimlab_tests::sqlite_only("writes a damaged row into the SQLite file") {
        return;
    }
    let e = TestEngine::start().await;
    let before = e.create_user("before@example.com").await;
    // Write a row 200 levels deep the way an older version stored the 126-level create.
    let store = Store::open(&e.db_path()).await.unwrap();
    let mut deep = json!(1);
    for _ in 0..200 {
        deep = json!([deep]);
    }
    let attrs =
        json!({"schemas": [USER], "userName": "Broken@Example.com", "title": "kept", "deep": deep});
    let Value::Object(attrs) = attrs else {
        unreachable!()
    };
    {
        let mut w = store.write().await.unwrap();
        w.insert_resource(
            ResourceKind::User,
            &"broken-1".into(),
            &attrs,
            "2020-01-01T00:00:00.000Z",
        )
        .await
        .unwrap();
        w.commit().await.unwrap();
    }
    store.close().await;
    let after = e.create_user("after@example.com").await;

    for list_path in [
        "/Users",
        "/Users?count=2",
        "/Users?sortBy=userName",
        "/Users?filter=userName%20eq%20%22broken@example.com%22",
        "/Users?filter=title%20eq%20%22kept%22",
    ] {
        let r = e.get(list_path).await;
        assert_eq!(r.status, 200, "{list_path}: {r:?}");
        let ids: Vec<&str> = r.body["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|u| u["id"].as_str())
            .collect();
        assert!(ids.contains(&"broken-1"), "{list_path}: {ids:?}");
        let broken = r.body["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["id"] == "broken-1")
            .unwrap();
        assert_eq!(broken["userName"], "Broken@Example.com");
        assert!(
            broken.get("deep").is_none(),
            "served without what cannot be read"
        );
    }
    let all = e.get("/Users").await;
    let ids: Vec<&str> = all.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["id"].as_str())
        .collect();
    assert_eq!(ids, [before.as_str(), "broken-1", after.as_str()]);

    // GET and PATCH of that row name the problem; PUT replaces it, then it reads normally.
    let r = e.get("/Users/broken-1").await;
    assert_scim_error!(r, 500);
    let detail = r.body["detail"].as_str().unwrap();
    assert!(
        detail.contains("cannot be read back")
            && detail.contains("'deep'")
            && detail.contains("PUT"),
        "{detail}"
    );
    let r = e
        .patch(
            "/Users/broken-1",
            &patch_body(json!([{"op": "replace", "path": "title", "value": "x"}])),
        )
        .await;
    assert_scim_error!(r, 500);
    let r = e
        .put(
            "/Users/broken-1",
            &json!({"schemas": [USER], "userName": "Broken@Example.com", "title": "fixed"}),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = e.get("/Users/broken-1").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["title"], "fixed");
}

/// The text of a list response that must be `200`.
fn list_text(r: &scimlab_tests::Reply) -> String {
    assert_eq!(r.status, 200, "{r:?}");
    r.text.clone()
}

/// §4: `password` anywhere, any case, any write: never stored, never returned, never in the
/// captured before/after; the captured request body keeps the key with `[redacted]`.
#[tokio::test]
async fn passwords_in_every_place_never_come_back() {
    let e = TestEngine::start().await;
    let create = json!({
        "schemas": [USER, ENT],
        "userName": "pat@example.com",
        "password": "Sekr1t-top",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:password": "Sekr1t-urn",
        ENT: {"department": "Ops", "PassWord": "Sekr1t-ent"},
        CUSTOM: {"nested": [{"password": "Sekr1t-custom"}], "role": "Admin"},
        "name": {"givenName": "Pat", "password": "Sekr1t-name"},
        "emails": [{"value": "pat@example.com", "type": "work", "PASSWORD": "Sekr1t-email"}]
    });
    let r = e.post("/Users", &create).await;
    assert_eq!(r.status, 201, "{r:?}");
    assert!(!r.text.contains("Sekr1t"), "create answer: {}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let path = format!("/Users/{id}");
    assert_eq!(r.body[ENT]["department"], "Ops");
    assert_eq!(r.body[CUSTOM]["role"], "Admin");

    let put = json!({
        "schemas": [USER, ENT], "userName": "pat@example.com",
        ENT: {"department": "Ops", "password": "Sekr1t-put-ent"},
        "urn:ietf:params:scim:schemas:core:2.0:User": {"password": "Sekr1t-put-core"}
    });
    let r = e.put(&path, &put).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(!r.text.contains("Sekr1t"), "put answer: {}", r.text);

    for ops in [
        json!([{"op": "replace", "path": format!("{ENT}:password"), "value": "Sekr1t-p1"}]),
        json!([{"op": "Add", "path": format!("{ENT}:Password"), "value": "Sekr1t-p2"}]),
        json!([{"op": "replace", "value": {format!("{ENT}:password"): "Sekr1t-p3"}}]),
        json!([{"op": "replace", "value": {ENT: {"password": "Sekr1t-p4", "department": "Sales"}}}]),
        json!([{"op": "add", "path": CUSTOM, "value": {"deep": {"password": "Sekr1t-p5"}}}]),
        json!([{"op": "replace", "value": {"password": "Sekr1t-p6", "title": "Dr"}}]),
        json!([{"op": "replace", "path": "password", "value": "Sekr1t-p7"}]),
        json!([{"op": "replace", "path": "name", "value": {"password": "Sekr1t-p8"}}]),
    ] {
        let r = e.patch(&path, &patch_body(ops.clone())).await;
        assert_eq!(r.status, 200, "{ops}: {r:?}");
        assert!(!r.text.contains("Sekr1t"), "{ops}: {}", r.text);
    }
    let got = e.get(&path).await;
    assert!(!got.text.contains("Sekr1t"), "{}", got.text);
    assert!(
        !got.text.to_ascii_lowercase().contains("password"),
        "{}",
        got.text
    );
    assert_eq!(got.body[ENT]["department"], "Sales");
    assert_eq!(got.body["title"], "Dr");
    for list in [
        "/Users",
        "/Users?filter=userName%20eq%20%22pat@example.com%22",
    ] {
        let text = list_text(&e.get(list).await);
        assert!(!text.contains("Sekr1t"), "{list}: {text}");
    }

    // The evidence: every exchange that touched the user (the 10 writes and the reads).
    let mut writes = 0;
    for (method, n) in [("POST", 1), ("PUT", 1), ("PATCH", 8)] {
        let items = e
            .wait_for_exchanges(&format!("resource={id}&method={method}"), n)
            .await;
        writes += items.len();
        for item in &items {
            let detail = e.admin_get(&format!("/api/exchanges/{}", item["id"])).await;
            let body = detail.body["requestBody"].as_str().unwrap_or_default();
            assert!(body.contains("\"[redacted]\""), "{method}: {body}");
        }
    }
    assert_eq!(writes, 10);
    let items = e.wait_for_exchanges(&format!("resource={id}"), 11).await;
    for item in &items {
        let detail = e.admin_get(&format!("/api/exchanges/{}", item["id"])).await;
        assert_eq!(detail.status, 200, "{detail:?}");
        assert!(
            !detail.text.contains("Sekr1t"),
            "exchange leaks: {}",
            detail.text
        );
        for side in ["before", "after"] {
            let text = detail.body[side].to_string().to_ascii_lowercase();
            assert!(!text.contains("password"), "{side}: {text}");
        }
    }
}

/// §4: credential-looking headers and query parameters are redacted in the capture; harmless
/// ones (`Connection: keep-alive`) stay readable.
#[tokio::test]
async fn credential_looking_headers_and_parameters_are_redacted_in_the_capture() {
    let e = TestEngine::start().await;
    let auth = format!("Bearer {}", e.key);
    let r = e
        .send_raw(
            "GET",
            "/Users?access_token=Sekr1t-q1&X-Amz-Signature=Sekr1t-q2&count=1",
            None,
            &[
                ("authorization", auth.as_str()),
                ("x-forwarded-authorization", "Bearer Sekr1t-h1"),
                ("x-original-authorization", "Bearer Sekr1t-h2"),
                ("proxy-authorization", "Basic Sekr1t-h3"),
                ("cf-access-jwt-assertion", "Sekr1t-h4"),
                ("x-custom-token", "Sekr1t-h5"),
                ("x-api-key", "Sekr1t-h6"),
                ("x-client-secret", "Sekr1t-h7"),
                ("connection", "keep-alive"),
                ("x-request-note", "plain"),
            ],
        )
        .await;
    assert_eq!(r.status, 200);
    let items = e.wait_for_exchanges("method=GET", 1).await;
    let detail = e
        .admin_get(&format!("/api/exchanges/{}", items[0]["id"]))
        .await;
    assert!(!detail.text.contains("Sekr1t"), "{}", detail.text);
    assert!(
        !detail.text.contains(&e.key),
        "the key never reaches the capture"
    );
    let headers = detail.body["requestHeaders"].as_array().unwrap();
    let value_of = |name: &str| {
        headers
            .iter()
            .find(|h| h[0].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
            .map(|h| h[1].as_str().unwrap_or_default().to_owned())
    };
    for name in [
        "x-forwarded-authorization",
        "cf-access-jwt-assertion",
        "x-api-key",
    ] {
        assert_eq!(value_of(name).as_deref(), Some("[redacted]"), "{name}");
    }
    assert_eq!(value_of("connection").as_deref(), Some("keep-alive"));
    assert_eq!(value_of("x-request-note").as_deref(), Some("plain"));
    let query = detail.body["query"].as_str().unwrap();
    assert!(
        query.contains("count=1") && query.contains("access_token="),
        "{query}"
    );
}

/// §7: NFC/NFD and the Kelvin sign are one name: `409` on the second, `eq` finds it by either.
#[tokio::test]
async fn unicode_variants_of_a_name_are_one_name() {
    let e = TestEngine::start().await;
    let nfc = "Jos\u{e9}@example.com";
    let nfd = "jose\u{301}@EXAMPLE.com";
    let id = e.create_user(nfc).await;
    let r = e
        .post("/Users", &json!({"schemas": [USER], "userName": nfd}))
        .await;
    assert_scim_error!(r, 409, "uniqueness");
    let k = e.create_user("Kelvin").await;
    let r = e
        .post(
            "/Users",
            &json!({"schemas": [USER], "userName": "\u{212A}elvin"}),
        )
        .await;
    assert_scim_error!(r, 409, "uniqueness");
    // A rename onto a variant of a taken name is refused too (PUT and PATCH).
    let r = e
        .put(
            &format!("/Users/{k}"),
            &json!({"schemas": [USER], "userName": nfd}),
        )
        .await;
    assert_scim_error!(r, 409, "uniqueness");
    let r = e
        .patch(
            &format!("/Users/{k}"),
            &patch_body(
                json!([{"op": "replace", "path": "userName", "value": "JOS\u{c9}@example.com"}]),
            ),
        )
        .await;
    assert_scim_error!(r, 409, "uniqueness");

    for (spelling, want) in [
        (nfc, &id),
        (nfd, &id),
        ("JOSE\u{301}@example.com", &id),
        ("\u{212A}ELVIN", &k),
        ("kelvin", &k),
    ] {
        let filter = format!("userName eq \"{spelling}\"");
        let url = format!("/Users?filter={}", form_urlencoded_component(&filter));
        let r = e.get(&url).await;
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(r.body["totalResults"], 1, "{spelling:?}: {}", r.text);
        assert_eq!(&r.body["Resources"][0]["id"], want, "{spelling:?}");
        // The scan path (no index) agrees with the indexed one.
        let scan = format!(
            "/Users?filter={}",
            form_urlencoded_component(&format!("userName eq \"{spelling}\" or title pr"))
        );
        let r = e.get(&scan).await;
        assert_eq!(r.body["totalResults"], 1, "scan {spelling:?}: {}", r.text);
    }
    // Groups: displayName the same way.
    let g = e
        .post(
            "/Groups",
            &json!({"schemas": [GROUP], "displayName": "Stra\u{df}e Team"}),
        )
        .await;
    assert_eq!(g.status, 201);
    let r = e
        .post(
            "/Groups",
            &json!({"schemas": [GROUP], "displayName": "STRASSE TEAM"}),
        )
        .await;
    assert_scim_error!(r, 409, "uniqueness");
}

/// Percent-encode a query value (every byte outside unreserved).
fn form_urlencoded_component(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// §7: a non-UTF-8 If-Match is a 400 and nothing is written (never an unconditional write).
#[tokio::test]
async fn a_non_utf8_if_match_is_400_and_writes_nothing() {
    let e = TestEngine::start().await;
    let id = e.create_user("etag@example.com").await;
    let path = format!("/Users/{id}");
    let version = e.get(&path).await.body["meta"]["version"].clone();
    let url = format!("{}{path}", e.base);
    let bad = reqwest::header::HeaderValue::from_bytes(b"W/\"\xff\xfe\"").unwrap();
    let utf8 = reqwest::header::HeaderValue::from_bytes("W/\"é\"".as_bytes()).unwrap();
    for (method, body) in [
        (
            reqwest::Method::PATCH,
            Some(patch_body(
                json!([{"op": "replace", "path": "displayName", "value": "Changed"}]),
            )),
        ),
        (
            reqwest::Method::PUT,
            Some(
                json!({"schemas": [USER], "userName": "etag@example.com", "displayName": "Changed"}),
            ),
        ),
        (reqwest::Method::DELETE, None),
    ] {
        for value in [&bad, &utf8] {
            let mut req = e
                .http
                .request(method.clone(), &url)
                .bearer_auth(&e.key)
                .header("if-match", value.clone());
            if let Some(b) = &body {
                req = req
                    .header("content-type", "application/scim+json")
                    .body(b.to_string());
            }
            let resp = req.send().await.unwrap();
            assert_eq!(resp.status(), 400, "{method} with {value:?}");
            let text = resp.text().await.unwrap();
            assert!(
                text.contains("if-match") && text.contains("ascii"),
                "{text}"
            );
        }
    }
    let now = e.get(&path).await;
    assert_eq!(now.status, 200, "not deleted");
    assert_eq!(now.body["meta"]["version"], version, "nothing written");
    assert!(now.body.get("displayName").is_none());
    // If-None-Match the same way on a GET.
    let resp = e
        .http
        .get(&url)
        .bearer_auth(&e.key)
        .header("if-none-match", bad)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
}

/// §7: a control character in a name gets one answer on create, PUT and PATCH: 400
/// invalidValue naming the character and its position.
#[tokio::test]
async fn control_characters_in_names_get_one_answer_everywhere() {
    let e = TestEngine::start().await;
    let id = e.create_user("ctl@example.com").await;
    let gid = e
        .post(
            "/Groups",
            &json!({"schemas": [GROUP], "displayName": "Ops"}),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (bad, code, pos) in [
        ("ab\u{0}c", "U+0000", 3),
        ("\u{1b}[31mred", "U+001B", 1),
        ("tab\there", "U+0009", 4),
        ("x\u{7f}", "U+007F", 2),
    ] {
        let replies = [
            e.post("/Users", &json!({"schemas": [USER], "userName": bad}))
                .await,
            e.put(
                &format!("/Users/{id}"),
                &json!({"schemas": [USER], "userName": bad}),
            )
            .await,
            e.patch(
                &format!("/Users/{id}"),
                &patch_body(json!([{"op": "replace", "path": "userName", "value": bad}])),
            )
            .await,
            e.patch(
                &format!("/Users/{id}"),
                &patch_body(json!([{"op": "replace", "value": {"userName": bad}}])),
            )
            .await,
            e.post("/Groups", &json!({"schemas": [GROUP], "displayName": bad}))
                .await,
            e.patch(
                &format!("/Groups/{gid}"),
                &patch_body(json!([{"op": "replace", "path": "displayName", "value": bad}])),
            )
            .await,
        ];
        for r in replies {
            assert_scim_error!(r, 400, "invalidValue");
            let detail = r.body["detail"].as_str().unwrap();
            assert!(
                detail.contains(code) && detail.contains(&format!("character {pos}")),
                "{bad:?}: {detail}"
            );
        }
    }
    assert_eq!(
        e.get(&format!("/Users/{id}")).await.body["userName"],
        "ctl@example.com"
    );
    assert_eq!(e.get("/Users").await.body["totalResults"], 1);
}

/// §7: huge, negative and exponent paging values are clamped, never errors.
#[tokio::test]
async fn huge_paging_values_are_clamped() {
    let e = TestEngine::start().await;
    e.create_user("p1@example.com").await;
    e.create_user("p2@example.com").await;
    for (query, items, start) in [
        ("startIndex=99999999999999999999", 0, json!(i64::MAX)),
        ("count=99999999999999999999", 2, json!(1)),
        ("startIndex=-5&count=-5", 0, json!(1)),
        ("count=1e9", 2, json!(1)),
        ("startIndex=1e9", 0, json!(1_000_000_000)),
        ("startIndex=2.0&count=1.0", 1, json!(2)),
        ("startIndex=-99999999999999999999", 2, json!(1)),
    ] {
        for path in [
            format!("/Users?{query}"),
            format!("/Users?{query}&filter=userName%20sw%20%22p%22"),
        ] {
            let r = e.get(&path).await;
            assert_eq!(r.status, 200, "{path}: {r:?}");
            assert_eq!(r.body["totalResults"], 2, "{path}");
            assert_eq!(r.body["itemsPerPage"], items, "{path}");
            assert_eq!(r.body["startIndex"], start, "{path}");
        }
    }
    // The same values in a SearchRequest body.
    let r = e
        .post(
            "/Users/.search",
            &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                    "startIndex": 99_999_999_999_999_999_999.0_f64, "count": 1e9}),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["itemsPerPage"], 0);
    // What is no whole number stays an error.
    for bad in ["/Users?count=lots", "/Users?startIndex=1.5"] {
        assert_scim_error!(e.get(bad).await, 400, "invalidValue");
    }
}
