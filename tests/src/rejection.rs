//! Cheap rejection (issue 11 §1), on a real engine over loopback: a request without a valid key
//! is answered before its body is read, captured cut to a few KiB, folded with its repeats (by
//! client, User-Agent and reason), kept under its own retention, and never evicts an
//! authenticated exchange.

use scimlab_engine::capture::rejected::REJECTED_CUT;
use scimlab_tests::{TestEngine, WAIT};
use serde_json::Value;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const WRONG: &str = "Bearer wrong-key-0123456789-abcd";

/// Poll `/api/exchanges?status=4xx` until `done` holds for the list (newest first).
async fn wait_for_rejections(e: &TestEngine, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let r = e.admin_get("/api/exchanges?limit=500&status=4xx").await;
        assert_eq!(r.status, 200, "{r:?}");
        let items = r.body["items"].as_array().cloned().unwrap_or_default();
        if done(&items) {
            return items;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "rejections not as expected after {WAIT:?}: {}",
            r.text
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn fold_count(x: &Value) -> u64 {
    x["foldCount"].as_u64().unwrap_or(0)
}

/// Read one HTTP/1.1 answer (head and a `content-length` body) from `tcp`.
async fn read_answer(tcp: &mut tokio::net::TcpStream) -> Vec<u8> {
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&answer[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            if answer.len() >= end + 4 + length {
                return answer;
            }
        }
        let n = tokio::time::timeout(WAIT, tcp.read(&mut buf))
            .await
            .expect("answered without the rest of the body")
            .unwrap();
        assert!(
            n > 0,
            "closed before answering: {}",
            String::from_utf8_lossy(&answer)
        );
        answer.extend_from_slice(&buf[..n]);
    }
}

#[tokio::test]
async fn a_wrong_key_is_answered_before_the_body_arrives_and_stored_cut() {
    let e = TestEngine::start().await;
    let addr = e.engine().scim_addr;
    // A 4 MB create with a wrong key, of which only the first 64 KiB are ever sent: the answer
    // cannot wait for the body.
    let mut part = br#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"big@example.com","password":"hunter2-secret","pad":""#.to_vec();
    part.resize(64 * 1024, b'a');
    let head = format!(
        "POST /scim/v2/Users HTTP/1.1\r\nhost: {addr}\r\nauthorization: {WRONG}\r\ncontent-type: application/scim+json\r\nuser-agent: big-sender\r\ncontent-length: 4000000\r\n\r\n"
    );
    let started = Instant::now();
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(&part).await.unwrap();
    let answer = read_answer(&mut tcp).await;
    let took = started.elapsed();
    let answer = String::from_utf8_lossy(&answer).to_ascii_lowercase();
    assert!(answer.starts_with("http/1.1 401"), "{answer}");
    assert!(answer.contains("connection: close"), "{answer}");
    assert!(answer.contains("not this endpoint's key"), "{answer}");
    assert!(!answer.contains("wrong-key-0123456789"), "{answer}");
    assert!(took < Duration::from_secs(1), "answered in {took:?}");
    drop(tcp);

    // A wrong key with a 32 KiB body over an ordinary client: the body is read and thrown
    // away after the answer, so the client sees its 401, not a reset.
    let r = e
        .send_raw(
            "POST",
            "/Users",
            Some(format!("{{\"userName\":\"{}\"}}", "b".repeat(32 * 1024))),
            &[("authorization", WRONG), ("user-agent", "mid-sender")],
        )
        .await;
    scimlab_tests::assert_scim_error!(r, 401);

    // Two folds (two user-agents), newest first.
    let listed = wait_for_rejections(&e, |l| l.len() == 2).await;
    let big = &listed[1];
    assert_eq!(big["foldCount"], 1);
    let whole = e
        .admin_get(&format!("/api/exchanges/{}", big["id"]))
        .await
        .body;
    assert_eq!(whole["status"], 401);
    assert_eq!(whole["operation"], "rejected");
    assert_eq!(whole["requestTruncated"], true);
    let body = whole["requestBody"].as_str().unwrap();
    assert!(body.len() <= REJECTED_CUT, "{} bytes stored", body.len());
    assert!(
        body.starts_with("{\"schemas\""),
        "the start is kept: {body}"
    );
    assert!(!body.contains("hunter2"), "redacted as usual: {body}");
    assert_eq!(whole["auth"]["matched"], false);
    assert_eq!(whole["auth"]["last4"], "abcd");
    assert!(
        whole["responseBody"]
            .as_str()
            .unwrap()
            .contains("not this endpoint's key")
    );
    assert!(!whole.to_string().contains("wrong-key-0123456789"));
    assert!(!whole.to_string().contains(&e.key));
}

#[tokio::test]
async fn fifty_wrong_keys_from_one_client_fold_into_one_exchange_keeping_the_first() {
    let e = TestEngine::start().await;
    for i in 0..50 {
        let r = e
            .send_raw(
                "GET",
                &format!("/Users?attempt={i}"),
                None,
                &[("authorization", WRONG), ("user-agent", "fold-tester/1.0")],
            )
            .await;
        scimlab_tests::assert_scim_error!(r, 401);
        assert!(
            r.body["detail"]
                .as_str()
                .unwrap()
                .contains("not this endpoint's key")
        );
    }
    let listed = wait_for_rejections(&e, |l| l.first().is_some_and(|x| fold_count(x) == 50)).await;
    assert_eq!(
        listed.len(),
        1,
        "one exchange for fifty rejections: {listed:?}"
    );
    let fold = &listed[0];
    assert_eq!(fold["query"], "attempt=0", "the first is the one kept");
    let (at, last) = (
        fold["at"].as_str().unwrap(),
        fold["lastAt"].as_str().unwrap(),
    );
    assert!(at < last, "first {at}, last {last}");
    let whole = e
        .admin_get(&format!("/api/exchanges/{}", fold["id"]))
        .await
        .body;
    assert_eq!(whole["foldCount"], 50);
    assert_eq!(whole["lastAt"], last);
    let ua = whole["requestHeaders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0] == "user-agent")
        .unwrap()
        .clone();
    assert_eq!(ua[1], "fold-tester/1.0");
}

#[tokio::test]
async fn clients_behind_a_tunnel_and_reasons_fold_apart() {
    let e = TestEngine::start().await;
    let send = |xff: &'static str, auth: Option<&'static str>| {
        let e = &e;
        async move {
            let mut headers = vec![("x-forwarded-for", xff), ("user-agent", "same-agent")];
            if let Some(a) = auth {
                headers.push(("authorization", a));
            }
            e.send_raw("GET", "/Users", None, &headers).await.status
        }
    };
    for _ in 0..3 {
        assert_eq!(send("203.0.113.1", Some(WRONG)).await, 401);
    }
    for _ in 0..2 {
        assert_eq!(send("198.51.100.2, 10.0.0.1", Some(WRONG)).await, 401);
    }
    assert_eq!(send("203.0.113.1", None).await, 401);
    let listed = wait_for_rejections(&e, |l| {
        l.len() == 3 && l.iter().map(fold_count).sum::<u64>() == 6
    })
    .await;
    let counts: Vec<u64> = listed.iter().rev().map(fold_count).collect();
    assert_eq!(counts, [3, 2, 1], "{listed:?}");
    let first = e
        .admin_get(&format!("/api/exchanges/{}", listed[2]["id"]))
        .await
        .body;
    let client = first["clientAddr"].as_str().unwrap();
    assert!(client.starts_with("203.0.113.1 via 127.0.0.1:"), "{client}");
}

#[tokio::test]
async fn unknown_paths_and_methods_without_a_key_are_folded_and_with_it_captured_whole() {
    let e = TestEngine::start().await;
    for _ in 0..3 {
        let r = e.send_raw("GET", "/nope", None, &[]).await;
        scimlab_tests::assert_scim_error!(r, 404);
    }
    // Another user-agent: another fold (the path is not part of the key).
    let outside = e
        .http
        .post(e.base.replace("/scim/v2", "/wp-login.php"))
        .header("user-agent", "scanner/2")
        .body("x".repeat(100_000))
        .send()
        .await
        .unwrap();
    assert_eq!(outside.status(), 404);
    // A wrong method on a route that needs the key: the key is missing, so 401.
    let r = e.send_raw("DELETE", "/Users", None, &[]).await;
    scimlab_tests::assert_scim_error!(r, 401);
    // With the key, the same 404 is authenticated traffic, captured whole and never folded.
    assert_eq!(e.get("/nope").await.status, 404);
    let listed = wait_for_rejections(&e, |l| {
        l.len() == 4 && l.iter().map(fold_count).sum::<u64>() == 5
    })
    .await;
    let [with_key, wrong_method, outside, nope] = &listed[..] else {
        unreachable!()
    };
    assert!(with_key.get("foldCount").is_none(), "{with_key}");
    assert_eq!(with_key["status"], 404);
    assert_eq!(fold_count(nope), 3);
    assert_eq!(nope["status"], 404);
    assert_eq!(fold_count(outside), 1);
    assert_eq!(outside["path"], "/wp-login.php");
    assert_eq!(fold_count(wrong_method), 1);
    let whole = e
        .admin_get(&format!("/api/exchanges/{}", outside["id"]))
        .await
        .body;
    assert!(whole["requestBody"].as_str().unwrap().len() <= REJECTED_CUT);
    assert_eq!(whole["requestTruncated"], true);
}

#[tokio::test]
async fn a_success_ends_a_fold_so_a_later_refusal_is_the_latest_evidence() {
    let e = TestEngine::start().await;
    let entra = "Microsoft.Azure.ActiveDirectory.Provisioning/1.0";
    let wrong = |n: usize| {
        let e = &e;
        async move {
            for _ in 0..n {
                let r = e
                    .send_raw(
                        "GET",
                        "/Users?filter=userName+eq+%22probe%22",
                        None,
                        &[("authorization", WRONG), ("user-agent", entra)],
                    )
                    .await;
                assert_eq!(r.status, 401);
            }
        }
    };
    wrong(3).await;
    let auth = format!("Bearer {}", e.key);
    let ok = e
        .send_raw(
            "GET",
            "/Users?filter=userName+eq+%22probe%22",
            None,
            &[("authorization", auth.as_str()), ("user-agent", entra)],
        )
        .await;
    assert_eq!(ok.status, 200);
    wait_for_rejections(&e, |l| l.first().is_some_and(|x| fold_count(x) == 3)).await;
    let all = e.wait_for_exchanges("", 2).await;
    assert_eq!(all[1]["foldCount"], 3, "{all:?}");
    assert_eq!(all[1]["idp"], "entra", "a refusal keeps its idp: {all:?}");
    assert_eq!(auth_item(&e).await, "pass");
    wrong(2).await;
    wait_for_rejections(&e, |l| l.first().is_some_and(|x| fold_count(x) == 2)).await;
    let all = e.wait_for_exchanges("", 3).await;
    let counts: Vec<Option<u64>> = all.iter().map(|x| x["foldCount"].as_u64()).collect();
    assert_eq!(
        counts,
        [Some(2), None, Some(3)],
        "a new fold after the success: {all:?}"
    );
    assert_eq!(
        auth_item(&e).await,
        "fail",
        "the latest attempt was refused"
    );
}

#[tokio::test]
async fn after_a_reset_the_next_rejection_is_captured_again() {
    let e = TestEngine::start().await;
    let wrong = || e.send_raw("GET", "/Users", None, &[("authorization", WRONG)]);
    assert_eq!(wrong().await.status, 401);
    assert_eq!(wrong().await.status, 401);
    wait_for_rejections(&e, |l| l.first().is_some_and(|x| fold_count(x) == 2)).await;
    assert_eq!(e.admin_send("DELETE", "/api/data").await.status, 200);
    // The fold's row is gone with the reset: the next rejection starts a new one (the writer
    // hears of the reset on the event bus; give it the moment that takes).
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(wrong().await.status, 401);
    let listed = wait_for_rejections(&e, |l| l.len() == 1).await;
    assert_eq!(fold_count(&listed[0]), 1, "{listed:?}");
    assert_eq!(wrong().await.status, 401);
    wait_for_rejections(&e, |l| l.len() == 1 && fold_count(&l[0]) == 2).await;
}

#[tokio::test]
async fn a_rejected_flood_beyond_its_retention_never_evicts_an_authenticated_exchange() {
    let e = TestEngine::start_with(|c| {
        c.retention = 30;
        c.rejected_retention = 5;
    })
    .await;
    for i in 0..10 {
        assert_eq!(e.get(&format!("/Users?before={i}")).await.status, 200);
    }
    for i in 0..200 {
        let ua = format!("flood/{i}");
        let r = e
            .send_raw(
                "POST",
                "/Users",
                Some("{\"userName\":\"junk\"}".into()),
                &[("authorization", WRONG), ("user-agent", ua.as_str())],
            )
            .await;
        assert_eq!(r.status, 401);
    }
    for i in 0..10 {
        assert_eq!(e.get(&format!("/Users?after={i}")).await.status, 200);
    }
    let (all, _, _dir) = e.stop_and_read().await;
    let (folds, kept): (Vec<_>, Vec<_>) = all.iter().partition(|s| s.is_fold());
    assert_eq!(
        kept.len(),
        20,
        "every authenticated exchange is kept: {kept:?}"
    );
    assert_eq!(folds.len(), 5, "{folds:?}");
    assert!(
        folds
            .iter()
            .all(|f| f.status == 401 && f.fold_count == Some(1))
    );
}

/// The status of the Entra checklist's `auth.header` item.
async fn auth_item(e: &TestEngine) -> Value {
    let c = e.admin_get("/api/checklist?idp=entra").await.body;
    c["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "auth.header")
        .unwrap()["status"]
        .clone()
}
