//! Team mode and sign-in (issue 18): the admin listener off loopback refuses to start without
//! TLS and a way to sign in; with them it speaks only TLS; signing in with an OpenID Connect
//! provider (the test provider of `oidc_provider.rs`) opens a session with the role the rules
//! give; forged, expired, wrong-audience, wrong-issuer, unsigned and replayed tokens are
//! refused; a key rotation is followed; sign-out ends the session; each sign-in is audited.

use crate::oidc_provider::{CLIENT_ID, CLIENT_SECRET, Forge, TestProvider};
use scimlab_engine::EngineConfig;
use scimlab_engine::oidc::OidcSettings;
use scimlab_engine::tls::TlsFiles;
use scimlab_tests::{Reply, TestEngine, fetch, fixture_path};
use serde_json::json;

fn tls_files() -> TlsFiles {
    TlsFiles {
        cert: fixture_path("tls/localhost.crt"),
        key: fixture_path("tls/localhost.test-only.key"),
    }
}

/// A client that trusts the test certificate and follows no redirect.
fn tls_client() -> reqwest::Client {
    let pem = std::fs::read(fixture_path("tls/test-ca.crt")).unwrap();
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn oidc(provider: &TestProvider, rules: &[&str]) -> OidcSettings {
    let mut s = OidcSettings::new(provider.issuer(), CLIENT_ID);
    s.client_secret = Some(CLIENT_SECRET.into());
    s.rules = rules.iter().map(|r| r.parse().unwrap()).collect();
    s
}

/// An engine on loopback with TLS and sign-in through `provider`.
async fn team_engine(provider: &TestProvider, rules: &[&str]) -> TestEngine {
    let settings = oidc(provider, rules);
    TestEngine::start_with(move |c: &mut EngineConfig| {
        c.tls = Some(tls_files());
        c.oidc = Some(settings);
    })
    .await
}

/// A page's text with HTML's escapes undone (the messages are checked as people read them).
fn read(r: &Reply) -> String {
    r.text
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn location(r: &Reply) -> String {
    r.header("location").to_owned()
}

/// The outcome of one sign-in through the browser's hops: the callback's answer.
/// The sign-in cookie `/auth/sign-in` set (`name=value`), checking its attributes.
fn sign_in_cookie(r: &Reply) -> String {
    let set = r.header("set-cookie");
    assert!(set.starts_with("scimlab_sign_in="), "{set}");
    for attr in [
        "HttpOnly",
        "SameSite=Lax",
        "Path=/auth/callback",
        "Secure",
        "Max-Age=600",
    ] {
        assert!(set.contains(attr), "{attr} missing: {set}");
    }
    set.split(';').next().unwrap().to_owned()
}

/// A browser's sign-in through every hop: the callback's answer, and the callback (its URL and
/// the sign-in cookie the browser sent with it), for a replay.
async fn sign_in(
    e: &TestEngine,
    client: &reqwest::Client,
    return_to: &str,
) -> (Reply, (String, String)) {
    let start = fetch(
        client,
        "GET",
        &e.admin_url(&format!("/auth/sign-in?return={return_to}")),
        None,
        &[],
    )
    .await;
    assert_eq!(start.status, 303, "{}", start.text);
    let cookie = sign_in_cookie(&start);
    let to_provider = location(&start);
    let at_provider = fetch(client, "GET", &to_provider, None, &[]).await;
    assert_eq!(at_provider.status, 302, "{}", at_provider.text);
    let callback = location(&at_provider);
    assert!(
        callback.starts_with(&e.admin_url("/auth/callback?")),
        "{callback}"
    );
    let back = fetch(client, "GET", &callback, None, &[("cookie", &cookie)]).await;
    (back, (callback, cookie))
}

/// Whether an answer opened a session (set the session cookie).
fn sets_session(r: &Reply) -> bool {
    r.headers
        .get_all("set-cookie")
        .iter()
        .any(|v| v.to_str().unwrap_or("").starts_with("scimlab_session="))
}

/// The session cookie a callback set (`name=value`), checking its attributes.
fn session_cookie(r: &Reply) -> String {
    let set = r.header("set-cookie");
    assert!(set.starts_with("scimlab_session="), "{set}");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/", "Secure"] {
        assert!(set.contains(attr), "{attr} missing: {set}");
    }
    set.split(';').next().unwrap().to_owned()
}

async fn with_cookie(
    e: &TestEngine,
    client: &reqwest::Client,
    method: &str,
    path: &str,
    cookie: &str,
) -> Reply {
    let origin = e.engine().admin_base_url();
    fetch(
        client,
        method,
        &e.admin_url(path),
        None,
        &[("cookie", cookie), ("origin", &origin)],
    )
    .await
}

#[tokio::test]
async fn off_loopback_the_admin_listener_needs_tls_and_a_way_to_sign_in() {
    let everywhere = |c: &mut EngineConfig| c.admin_addr = "0.0.0.0:0".parse().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = EngineConfig::new(dir.path().join("scimlab.db"));
    config.database_url = scimlab_tests::database_url_for(dir.path());
    config.scim_addr = "127.0.0.1:0".parse().unwrap();
    everywhere(&mut config);
    let e = scimlab_engine::Engine::start(config.clone())
        .await
        .err()
        .expect("refused");
    let e = e.to_string();
    assert!(
        e.contains("would be reachable from other machines") && e.contains("--tls-cert"),
        "{e}"
    );
    config.tls = Some(tls_files());
    let e = scimlab_engine::Engine::start(config.clone())
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(
        e.contains("a way for people to sign in")
            && e.contains("--oidc-issuer")
            && e.contains("admin-user add"),
        "{e}"
    );
    // With TLS and a sign-in provider it starts, and speaks nothing but TLS.
    let provider = TestProvider::start().await;
    config.oidc = Some(oidc(&provider, &["domain:example.com=viewer"]));
    let handle = scimlab_engine::Engine::start(config)
        .await
        .expect("team mode starts");
    let port = handle.admin_addr.port();
    assert_eq!(handle.admin_base_url(), format!("https://0.0.0.0:{port}"));
    let plain = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/api/health"))
        .send()
        .await;
    assert!(plain.is_err(), "plain http must not be answered: {plain:?}");
    let client = tls_client();
    let health = format!("https://localhost:{port}/api/health");
    let anonymous = fetch(&client, "GET", &health, None, &[]).await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.text);
    // Any host name is taken over TLS (the team's DNS name), and the launch token still works.
    let auth = format!("Bearer {}", handle.admin_token());
    let ok = fetch(&client, "GET", &health, None, &[("authorization", &auth)]).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    // A browser not signed in gets the sign-in button, coming back where it was going.
    let page = fetch(
        &client,
        "GET",
        &format!("https://localhost:{port}/traffic"),
        None,
        &[("accept", "text/html")],
    )
    .await;
    assert_eq!(page.status, 401);
    assert!(
        page.text.contains("/auth/sign-in?return=%2Ftraffic"),
        "{}",
        page.text
    );
    handle.shutdown().await.unwrap();
}

#[tokio::test]
async fn signing_in_opens_a_session_with_the_role_the_rules_give_and_signing_out_ends_it() {
    let provider = TestProvider::start().await;
    let e = team_engine(
        &provider,
        &[
            "domain:example.com=viewer",
            "email:ada@example.com=operator",
        ],
    )
    .await;
    let client = tls_client();
    let (back, callback) = sign_in(&e, &client, "/traffic").await;
    assert_eq!(back.status, 303, "{}", back.text);
    assert_eq!(location(&back), "/traffic");
    let cookie = session_cookie(&back);
    let me = with_cookie(&e, &client, "GET", "/api/session", &cookie).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(
        me.body,
        json!({"name": "ada@example.com", "role": "operator", "via": "signIn", "canSignOut": true})
    );
    // The role is enforced: an operator resets, but does not rotate the key.
    let rotate = with_cookie(&e, &client, "POST", "/api/endpoint/rotate", &cookie).await;
    assert_eq!(rotate.status, 403, "{}", rotate.text);
    assert!(
        rotate
            .text
            .contains("needs the owner role; ada@example.com is a operator"),
        "{}",
        rotate.text
    );
    // The provider was asked with PKCE (it checked the verifier) and a fresh nonce.
    assert_eq!(provider.read(|k| k.nonces.len()), 1);
    // The callback cannot be used twice.
    let (callback, began) = callback;
    let replay = fetch(&client, "GET", &callback, None, &[("cookie", &began)]).await;
    assert_eq!(replay.status, 400, "{}", replay.text);
    assert!(
        replay.text.contains("was finished already"),
        "{}",
        replay.text
    );
    assert!(!sets_session(&replay));
    // Signing out ends the session, and the cookie with it.
    let out = with_cookie(&e, &client, "POST", "/auth/sign-out", &cookie).await;
    assert_eq!(out.status, 204, "{}", out.text);
    assert!(
        out.header("set-cookie").contains("Max-Age=0"),
        "{}",
        out.header("set-cookie")
    );
    let after = with_cookie(&e, &client, "GET", "/api/session", &cookie).await;
    assert_eq!(after.status, 401, "{}", after.text);
    assert!(after.text.contains("sign-in has ended"), "{}", after.text);
    // Both are in the audit log (a callback of no sign-in under way, as the replay, is not).
    let auth = format!("Bearer {}", e.admin_token());
    let audit = fetch(
        &client,
        "GET",
        &e.admin_url("/api/audit"),
        None,
        &[("authorization", &auth)],
    )
    .await;
    let seen: Vec<(String, String, i64)> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["path"].as_str().unwrap().starts_with("/auth/"))
        .map(|i| {
            (
                i["actor"].as_str().unwrap().to_owned(),
                i["path"].as_str().unwrap().to_owned(),
                i["status"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "ada@example.com".to_owned(),
                "/auth/sign-out".to_owned(),
                204
            ),
            (
                "ada@example.com".to_owned(),
                "/auth/sign-in".to_owned(),
                303
            ),
        ]
    );
}

#[tokio::test]
async fn forged_expired_misaddressed_unsigned_and_replayed_tokens_are_refused() {
    let provider = TestProvider::start().await;
    let e = team_engine(&provider, &["domain:example.com=owner"]).await;
    let client = tls_client();
    // A good sign-in first: its nonce is the one a replay will carry.
    let (good, _) = sign_in(&e, &client, "/").await;
    assert_eq!(good.status, 303, "{}", good.text);
    let old_nonce = provider.read(|k| k.nonces[0].clone());
    for (forge, says) in [
        (Forge::Signature, "signature does not verify"),
        (Forge::Expired, "it expired"),
        (
            Forge::Audience,
            "its audience (aud) is another-app, not this client 'scimlab-test'",
        ),
        (Forge::Issuer, "its issuer (iss) is 'https://evil.example'"),
        (
            Forge::Nonce(old_nonce.clone()),
            "its nonce is not this sign-in's",
        ),
        (Forge::Unsigned, "not a signed jwt"),
        (
            Forge::SharedSecret,
            "only the provider's public-key algorithms",
        ),
    ] {
        provider.set(|k| k.forge = forge.clone());
        let (refused, _) = sign_in(&e, &client, "/").await;
        assert_eq!(refused.status, 403, "{forge:?}: {}", refused.text);
        assert!(read(&refused).contains(says), "{forge:?}: {}", refused.text);
        assert!(!sets_session(&refused), "{forge:?}");
    }
}

#[tokio::test]
async fn a_rotated_signing_key_is_fetched_and_followed() {
    let provider = TestProvider::start().await;
    let e = team_engine(&provider, &["domain:example.com=viewer"]).await;
    let client = tls_client();
    let (first, _) = sign_in(&e, &client, "/").await;
    assert_eq!(first.status, 303, "{}", first.text);
    let fetched = provider.read(|k| k.jwks_fetches);
    // The provider rolls over to key 2: the engine holds key 1 only, and fetches again.
    provider.set(|k| {
        k.published = vec![1];
        k.signing = 1;
    });
    tokio::time::sleep(scimlab_engine::oidc::provider::JWKS_REFETCH_FLOOR).await;
    let (second, _) = sign_in(&e, &client, "/").await;
    assert_eq!(second.status, 303, "{}", second.text);
    assert_eq!(provider.read(|k| k.jwks_fetches), fetched + 1);
    // Key 1 is gone from the JWKS: a token still signed by it is refused.
    provider.set(|k| k.signing = 0);
    tokio::time::sleep(scimlab_engine::oidc::provider::JWKS_REFETCH_FLOOR).await;
    let (old, _) = sign_in(&e, &client, "/").await;
    assert_eq!(old.status, 403, "{}", old.text);
    assert!(read(&old).contains("signing key 'key-1'"), "{}", old.text);
}

#[tokio::test]
async fn who_may_sign_in_is_decided_by_email_domain_and_group() {
    let provider = TestProvider::start().await;
    let e = team_engine(
        &provider,
        &["domain:example.com=viewer", "group:scimlab-owners=owner"],
    )
    .await;
    let client = tls_client();
    // Outside every rule: refused, saying what the token carried.
    provider.set(|k| {
        k.claims =
            json!({"email": "eve@example.org", "email_verified": true, "groups": ["Everyone"]});
    });
    let (refused, _) = sign_in(&e, &client, "/").await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert!(
        read(&refused).contains("eve@example.org may not sign in"),
        "{}",
        refused.text
    );
    assert!(
        read(&refused).contains("groups Everyone"),
        "{}",
        refused.text
    );
    // An unverified email is not matched by its domain.
    provider.set(|k| k.claims = json!({"email": "mallory@example.com", "email_verified": false}));
    let (unverified, _) = sign_in(&e, &client, "/").await;
    assert_eq!(unverified.status, 403, "{}", unverified.text);
    // A group gives its role, the highest rule winning.
    provider.set(|k| k.claims = json!({"email": "bob@example.com", "email_verified": true, "groups": ["scimlab-owners"]}));
    let (owner, _) = sign_in(&e, &client, "/").await;
    assert_eq!(owner.status, 303, "{}", owner.text);
    let cookie = session_cookie(&owner);
    let me = with_cookie(&e, &client, "GET", "/api/session", &cookie).await;
    assert_eq!(me.body["role"], "owner");
    // A username is no email here (anyone may choose one at some providers)…
    provider.set(|k| k.claims = json!({"preferred_username": "carol@example.com"}));
    let (chosen, _) = sign_in(&e, &client, "/").await;
    assert_eq!(chosen.status, 403, "{}", chosen.text);
    // …but Entra ID's UPN in preferred_username is, where the UPN is trusted (Entra issuers).
    let e = {
        let mut settings = oidc(&provider, &["domain:example.com=viewer"]);
        settings.trust_upn = true;
        TestEngine::start_with(move |c: &mut EngineConfig| {
            c.tls = Some(tls_files());
            c.oidc = Some(settings);
        })
        .await
    };
    provider.set(|k| k.claims = json!({"preferred_username": "Carol@Example.com"}));
    let (upn, _) = sign_in(&e, &client, "/").await;
    let me = with_cookie(&e, &client, "GET", "/api/session", &session_cookie(&upn)).await;
    assert_eq!(
        (me.body["name"].as_str(), me.body["role"].as_str()),
        (Some("carol@example.com"), Some("viewer"))
    );
}

#[tokio::test]
async fn a_sign_in_begun_on_one_instance_finishes_on_another_and_a_sign_out_ends_it_on_both() {
    let url = scimlab_testdb::fresh_database("signin");
    let provider = TestProvider::start().await;
    let instance = |url: String| {
        let settings = oidc(&provider, &["domain:example.com=operator"]);
        TestEngine::start_with(move |c: &mut EngineConfig| {
            c.database_url = Some(url);
            c.tls = Some(tls_files());
            c.oidc = Some(settings);
        })
    };
    let a = instance(url.clone()).await;
    let b = instance(url).await;
    let client = tls_client();
    // Leave from A; the provider's redirect back lands on B (a load balancer's choice).
    let start = fetch(&client, "GET", &a.admin_url("/auth/sign-in"), None, &[]).await;
    let at_provider = fetch(&client, "GET", &location(&start), None, &[]).await;
    let callback = location(&at_provider).replace(&a.admin_url(""), &b.admin_url(""));
    // (The browser sends A's sign-in cookie to B: behind one address, it is one site.)
    let began = sign_in_cookie(&start);
    let back = fetch(&client, "GET", &callback, None, &[("cookie", &began)]).await;
    assert_eq!(back.status, 303, "{}", back.text);
    let cookie = session_cookie(&back);
    for e in [&a, &b] {
        let me = with_cookie(e, &client, "GET", "/api/session", &cookie).await;
        assert_eq!(me.body["role"], "operator", "{}", me.text);
    }
    let out = with_cookie(&b, &client, "POST", "/auth/sign-out", &cookie).await;
    assert_eq!(out.status, 204);
    let after = with_cookie(&a, &client, "GET", "/api/session", &cookie).await;
    assert_eq!(
        after.status, 401,
        "ended on every instance at once: {}",
        after.text
    );
}

/// An absolute URL for a `Location` that may be a path on `e`.
fn absolute(e: &TestEngine, location: &str) -> String {
    if location.starts_with('/') {
        e.admin_url(location)
    } else {
        location.to_owned()
    }
}

#[tokio::test]
async fn the_desktop_app_signs_in_through_the_browser_with_pkce_and_a_loopback_redirect() {
    use base64::Engine as _;
    use sha2::Digest as _;
    let provider = TestProvider::start().await;
    let e = team_engine(&provider, &["domain:example.com=operator"]).await;
    let browser = tls_client();
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let verifier = "the-apps-own-pkce-verifier-0123456789-abcdefghij";
    let challenge = b64(&sha2::Sha256::digest(verifier.as_bytes()));
    let redirect = "http://127.0.0.1:53121/callback";
    let begin = e.admin_url(&format!(
        "/auth/app-sign-in?redirect_uri={}&code_challenge={challenge}&state=app-state-1",
        form_urlencoded::byte_serialize(redirect.as_bytes()).collect::<String>()
    ));
    // The system browser, not signed in: it signs in first, then comes back to the app sign-in.
    let first = fetch(&browser, "GET", &begin, None, &[]).await;
    assert_eq!(first.status, 303, "{}", first.text);
    assert!(
        location(&first).starts_with("/auth/sign-in?return=%2Fauth%2Fapp-sign-in%3F"),
        "{}",
        location(&first)
    );
    let to_provider = fetch(&browser, "GET", &absolute(&e, &location(&first)), None, &[]).await;
    let began = sign_in_cookie(&to_provider);
    let at_provider = fetch(&browser, "GET", &location(&to_provider), None, &[]).await;
    let back = fetch(
        &browser,
        "GET",
        &location(&at_provider),
        None,
        &[("cookie", &began)],
    )
    .await;
    assert_eq!(back.status, 303, "{}", back.text);
    let cookie = session_cookie(&back);
    let again = location(&back);
    assert!(again.starts_with("/auth/app-sign-in?"), "{again}");
    // Signed in, the browser asks the person first: a link alone never hands out a code.
    let asked = fetch(
        &browser,
        "GET",
        &absolute(&e, &again),
        None,
        &[("cookie", &cookie)],
    )
    .await;
    assert_eq!(asked.status, 200, "{}", asked.text);
    let page = read(&asked);
    assert!(
        page.contains("Sign in the ScimLab app?")
            && page.contains("ada@example.com")
            && page.contains("operator")
            && page.contains("127.0.0.1:53121"),
        "{page}"
    );
    assert!(asked.headers.get("location").is_none());
    // Confirming posts the form (the page's own origin) and sends the code to the app.
    let form = url::Url::parse(&absolute(&e, &again))
        .unwrap()
        .query()
        .unwrap()
        .to_owned();
    let origin = e.engine().admin_base_url();
    let confirm = || {
        let browser = browser.clone();
        let url = e.admin_url("/auth/app-sign-in");
        let (form, cookie, origin) = (form.clone(), cookie.clone(), origin.clone());
        async move {
            fetch(
                &browser,
                "POST",
                &url,
                Some(form),
                &[
                    ("cookie", &cookie),
                    ("origin", &origin),
                    ("content-type", "application/x-www-form-urlencoded"),
                ],
            )
            .await
        }
    };
    // From another site's page, the same form is refused.
    let forged = fetch(
        &browser,
        "POST",
        &e.admin_url("/auth/app-sign-in"),
        Some(form.clone()),
        &[
            ("cookie", &cookie),
            ("origin", "https://evil.example"),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
    )
    .await;
    assert_eq!(forged.status, 403, "{}", forged.text);
    // Signed in: the app's loopback redirect gets a one-time code and the app's state.
    let handed = confirm().await;
    assert_eq!(handed.status, 303, "{}", handed.text);
    let to_app = url::Url::parse(&location(&handed)).unwrap();
    assert_eq!(
        format!(
            "{}://{}:{}{}",
            to_app.scheme(),
            to_app.host_str().unwrap(),
            to_app.port().unwrap(),
            to_app.path()
        ),
        redirect
    );
    let params: std::collections::HashMap<String, String> =
        to_app.query_pairs().into_owned().collect();
    assert_eq!(params["state"], "app-state-1");
    let trade = |code: String, verifier: &str| {
        let body =
            json!({"code": code, "codeVerifier": verifier, "redirectUri": redirect}).to_string();
        let url = e.admin_url("/auth/app-token");
        let browser = browser.clone();
        async move {
            fetch(
                &browser,
                "POST",
                &url,
                Some(body),
                &[("content-type", "application/json")],
            )
            .await
        }
    };
    // Only with the verifier: a wrong one spends the code.
    let wrong = trade(
        params["code"].clone(),
        "someone-elses-verifier-0123456789-abcdefghijkl",
    )
    .await;
    assert_eq!(wrong.status, 400, "{}", wrong.text);
    assert!(wrong.text.contains("code verifier"), "{}", wrong.text);
    let spent = trade(params["code"].clone(), verifier).await;
    assert_eq!(spent.status, 400, "{}", spent.text);
    assert!(spent.text.contains("traded already"), "{}", spent.text);
    // A new code, the right verifier: a session token of the app's own.
    let handed = confirm().await;
    let code = url::Url::parse(&location(&handed))
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let traded = trade(code, verifier).await;
    assert_eq!(traded.status, 200, "{}", traded.text);
    let token = traded.body["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("sls_"), "{token}");
    assert_eq!(
        (traded.body["name"].as_str(), traded.body["role"].as_str()),
        (Some("ada@example.com"), Some("operator"))
    );
    // The desktop shell takes it as a team server's token, and the server takes it as Bearer.
    let server = scimlab_engine::host::TeamServer::new(&e.admin_url(""), &token).unwrap();
    let auth = format!("Bearer {}", server.token);
    let me = fetch(
        &browser,
        "GET",
        &e.admin_url("/api/session"),
        None,
        &[("authorization", &auth)],
    )
    .await;
    assert_eq!(me.body["via"], "signIn", "{}", me.text);
    assert_eq!(me.body["name"], "ada@example.com");
    let rotate = fetch(
        &browser,
        "POST",
        &e.admin_url("/api/endpoint/rotate"),
        None,
        &[("authorization", &auth)],
    )
    .await;
    assert_eq!(
        rotate.status, 403,
        "the role of the sign-in: {}",
        rotate.text
    );
    // The app signs out with its token: the session ends, and the token is refused after.
    let out = fetch(
        &browser,
        "POST",
        &e.admin_url("/auth/sign-out"),
        None,
        &[("authorization", &auth)],
    )
    .await;
    assert_eq!(out.status, 204, "{}", out.text);
    let after = fetch(
        &browser,
        "GET",
        &e.admin_url("/api/session"),
        None,
        &[("authorization", &auth)],
    )
    .await;
    assert_eq!(after.status, 401, "{}", after.text);
    assert!(after.text.contains("sign-in has ended"), "{}", after.text);
    // Only the app's own loopback address receives a code.
    let elsewhere = e.admin_url(&format!(
        "/auth/app-sign-in?redirect_uri=https%3A%2F%2Fevil.example%2Fcb&code_challenge={challenge}&state=s"
    ));
    let refused = fetch(&browser, "GET", &elsewhere, None, &[("cookie", &cookie)]).await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert!(
        read(&refused).contains("not the app's own loopback address"),
        "{}",
        refused.text
    );
    // An app's session token cannot beget another, even sent as a browser's cookie.
    let as_cookie = format!("scimlab_session={token}");
    let begot = fetch(
        &browser,
        "GET",
        &absolute(&e, &again),
        None,
        &[("cookie", &as_cookie)],
    )
    .await;
    assert_eq!(begot.status, 303, "{}", begot.text);
    assert!(
        location(&begot).starts_with("/auth/sign-in?"),
        "{}",
        location(&begot)
    );
}

#[tokio::test]
async fn a_callback_from_a_sign_in_begun_in_another_browser_signs_nobody_in() {
    let provider = TestProvider::start().await;
    let e = team_engine(&provider, &["domain:example.com=viewer"]).await;
    let client = tls_client();
    // Someone begins a sign-in and stops at the provider's redirect back…
    let start = fetch(&client, "GET", &e.admin_url("/auth/sign-in"), None, &[]).await;
    let began = sign_in_cookie(&start);
    let at_provider = fetch(&client, "GET", &location(&start), None, &[]).await;
    let callback = location(&at_provider);
    // …and hands the link to another browser, which has no sign-in cookie (or another one).
    for other in [
        vec![],
        vec![("cookie", "scimlab_sign_in=someone-elses-state")],
    ] {
        let lured = fetch(&client, "GET", &callback, None, &other).await;
        assert_eq!(lured.status, 400, "{}", lured.text);
        assert!(
            read(&lured).contains("not begun in this browser"),
            "{}",
            lured.text
        );
        assert!(!sets_session(&lured));
    }
    // The browser that began it still finishes it (the lure did not use it up).
    let back = fetch(&client, "GET", &callback, None, &[("cookie", &began)]).await;
    assert_eq!(back.status, 303, "{}", back.text);
    assert!(sets_session(&back));
    assert!(
        back.headers.get_all("set-cookie").iter().any(|v| v
            .to_str()
            .unwrap()
            .starts_with("scimlab_sign_in=;")
            && v.to_str().unwrap().contains("Max-Age=0")),
        "the sign-in cookie is cleared"
    );
}
