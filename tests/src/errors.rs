//! Bad input of every kind gets a SCIM error body with the right status and `scimType`.

use scimlab_tests::{TestEngine, assert_scim_error};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

#[tokio::test]
async fn malformed_and_misshapen_bodies_are_invalid_syntax() {
    let e = TestEngine::start().await;
    let auth = format!("Bearer {}", e.key);
    let h = [("authorization", auth.as_str())];
    for body in [
        "{\"userName\": ",
        "not json",
        "[1,2,3]",
        "\"just a string\"",
        "   ",
    ] {
        let r = e
            .send_raw("POST", "/Users", Some(body.to_owned()), &h)
            .await;
        assert_scim_error!(r, 400, "invalidSyntax");
    }
    let r = e
        .send_raw("POST", "/Users", Some("{\"userName\": ".into()), &h)
        .await;
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("not valid json"),
        "{}",
        r.text
    );
    assert_eq!(
        e.get("/Users").await.body["totalResults"],
        0,
        "nothing was written"
    );
}

#[tokio::test]
async fn missing_or_empty_user_name_is_invalid_value() {
    let e = TestEngine::start().await;
    let r = e
        .post(
            "/Users",
            &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "displayName": "x"}),
        )
        .await;
    assert_scim_error!(r, 400, "invalidValue");
    assert!(r.body["detail"].as_str().unwrap().contains("userName"));
    let r = e
        .post(
            "/Users",
            &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "  "}),
        )
        .await;
    assert_scim_error!(r, 400, "invalidValue");
    let r = e
        .post(
            "/Groups",
            &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"]}),
        )
        .await;
    assert_scim_error!(r, 400, "invalidValue");
}

#[tokio::test]
async fn bad_filters_are_invalid_filter_and_name_the_problem() {
    let e = TestEngine::start().await;
    for (filter, needle) in [
        ("userName%20eq", "missing comparison value"),
        ("userName%20xx%20%22a%22", "'xx'"),
        ("(userName%20eq%20%22a%22", ")"),
        ("emails%5Btype%20eq%20%22work%22", "]"),
    ] {
        let r = e.get(&format!("/Users?filter={filter}")).await;
        assert_scim_error!(r, 400, "invalidFilter");
        assert!(
            r.body["detail"].as_str().unwrap().contains(needle),
            "{}",
            r.text
        );
    }
}

#[tokio::test]
async fn bad_patches_get_the_right_scim_type() {
    let e = TestEngine::start().await;
    let id = e.create_user("p@example.com").await;
    let path = format!("/Users/{id}");
    let r = e.patch(&path, &json!({"schemas": [PATCH_OP], "Operations": [{"op": "frobnicate", "path": "displayName", "value": "x"}]})).await;
    assert_scim_error!(r, 400, "invalidSyntax");
    assert!(r.body["detail"].as_str().unwrap().contains("frobnicate"));
    let r = e.patch(&path, &json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "emails[type eq", "value": "x"}]})).await;
    assert_scim_error!(r, 400, "invalidPath");
    let r = e.patch(&path, &json!({"schemas": [PATCH_OP]})).await;
    assert_scim_error!(r, 400, "invalidSyntax");
    let r = e
        .patch(
            &path,
            &json!({"schemas": [PATCH_OP], "Operations": [{"op": "remove"}]}),
        )
        .await;
    assert_scim_error!(r, 400, "noTarget");
    let r = e.patch("/Users/does-not-exist", &json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": false}]})).await;
    assert_scim_error!(r, 404);
    assert_eq!(
        e.get(&path).await.body["meta"]["version"],
        "W/\"1\"",
        "no failed patch wrote anything"
    );
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_are_scim_errors() {
    let e = TestEngine::start().await;
    assert_scim_error!(e.get("/Nope").await, 404);
    assert_scim_error!(
        e.get("/Users/00000000-0000-0000-0000-000000000000").await,
        404
    );
    assert_scim_error!(e.delete("/Users").await, 405);
    assert_scim_error!(
        e.send("PUT", "/ServiceProviderConfig", Some(&json!({})))
            .await,
        405
    );
    let r = e.send_raw("GET", "/../../etc/passwd", None, &[]).await;
    assert_scim_error!(r, 404);
    assert_scim_error!(e.get("/Me").await, 501);
    assert_scim_error!(e.post("/Bulk", &json!({})).await, 501);
    let outside = e
        .http
        .get(e.base.replace("/scim/v2", "/index.html"))
        .send()
        .await
        .unwrap();
    assert_eq!(outside.status(), 404);
    assert_eq!(outside.headers()["content-type"], "application/scim+json");
}

#[tokio::test]
async fn auth_failures_are_401_with_www_authenticate_and_never_echo_the_key() {
    let e = TestEngine::start().await;
    let wrong = "Bearer wrong-key-abcdefghijklmnop";
    let basic = "Basic dXNlcjpwYXNz";
    for (headers, needle) in [
        (vec![], "missing authorization"),
        (vec![("authorization", basic)], "scheme"),
        (vec![("authorization", wrong)], "not this endpoint's key"),
    ] {
        let r = e.send_raw("GET", "/Users", None, &headers).await;
        assert_scim_error!(r, 401);
        assert_eq!(r.header("www-authenticate"), "Bearer realm=\"scimlab\"");
        assert!(
            r.body["detail"].as_str().unwrap().contains(needle),
            "{}",
            r.text
        );
        assert!(!r.text.contains("wrong-key-abcdefghijklmnop") && !r.text.contains(&e.key));
    }
    let bare = e
        .send_raw("GET", "/Users", None, &[("authorization", e.key.as_str())])
        .await;
    assert_eq!(bare.status, 200);
    assert!(bare.quirks().contains(&"auth.bare-token".to_owned()));
}

#[tokio::test]
async fn oversized_bodies_are_413_declared_or_streamed() {
    let e = TestEngine::start_with(|c| c.body_limit = 64 * 1024).await;
    let big = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "big", "blob": "x".repeat(100 * 1024)}).to_string();
    let auth = format!("Bearer {}", e.key);
    let r = e
        .send_raw(
            "POST",
            "/Users",
            Some(big.clone()),
            &[("authorization", auth.as_str())],
        )
        .await;
    assert_scim_error!(r, 413);
    // Chunked, without Content-Length: the limit still holds.
    let addr = e
        .base
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let mut sock = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /scim/v2/Users HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {auth}\r\nContent-Type: application/scim+json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    sock.write_all(head.as_bytes()).await.unwrap();
    for chunk in big.as_bytes().chunks(8 * 1024) {
        let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
        if sock.write_all(&framed).await.is_err() {
            break; // the server may answer and close before the whole body is sent
        }
    }
    let _ = sock.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = sock.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("application/scim+json"), "{answer}");
    assert_eq!(e.get("/Users").await.body["totalResults"], 0);
}

#[tokio::test]
async fn put_with_a_different_id_is_mutability() {
    let e = TestEngine::start().await;
    let id = e.create_user("m@example.com").await;
    let r = e.put(&format!("/Users/{id}"), &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "other", "userName": "m@example.com"})).await;
    assert_scim_error!(r, 400, "mutability");
}

#[tokio::test]
async fn bad_paging_parameters_are_invalid_value() {
    let e = TestEngine::start().await;
    assert_scim_error!(e.get("/Users?count=ten").await, 400, "invalidValue");
    assert_scim_error!(e.get("/Users?startIndex=1.5").await, 400, "invalidValue");
    assert_scim_error!(
        e.get("/Users?sortOrder=sideways").await,
        400,
        "invalidValue"
    );
}

#[tokio::test]
async fn a_tenant_url_with_a_trailing_slash_still_routes() {
    let e = TestEngine::start().await;
    let id = e.create_user("slash@example.com").await;
    assert_eq!(
        e.get("//Users?filter=userName%20eq%20%22slash%40example.com%22")
            .await
            .body["totalResults"],
        1
    );
    assert_eq!(e.get(&format!("/Users/{id}/")).await.status, 200);
}
