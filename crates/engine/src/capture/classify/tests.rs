//! Tests of `capture/classify.rs`.

use super::*;
use crate::capture::idp::ENTRA_ONLY_QUIRKS;
use crate::model::Idp;
use serde_json::json;

const OKTA_UA: &str = "Okta SCIM Client 1.0.0";
const GUID: &str = "cf4d78e8-cc4f-4d5d-b8b9-183561c0104a";

/// A 200 exchange for `method` on `target` (path and query).
fn req<'a>(method: &'a str, target: &'a str) -> RequestFacts<'a> {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    RequestFacts {
        method,
        path,
        query,
        status: 200,
        ..RequestFacts::default()
    }
}

fn change(before: Option<Value>, after: Option<Value>) -> ResourceChange {
    ResourceChange {
        resource_type: scimlab_scim::ResourceKind::User,
        id: "u1".into(),
        name: Some("alice".into()),
        before,
        after,
    }
}

fn user(active: bool) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "u1",
           "userName": "alice@contoso.com", "active": active})
}

fn group(name: &str, members: &[&str]) -> Value {
    let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
    json!({"id": "g1", "displayName": name, "members": members})
}

fn patch(ops: Value) -> Value {
    let mut body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]});
    body["Operations"] = ops;
    body
}

fn idp(f: &RequestFacts) -> Option<Idp> {
    detect_idp(f).map(|(i, _)| i)
}

fn reason(f: &RequestFacts) -> String {
    detect_idp(f).expect("an idp").1
}

// --- connection probes ------------------------------------------------------------------

#[test]
fn entra_guid_probe_is_a_connection_probe_from_entra() {
    let target = format!("/scim/v2/Users?filter=userName+eq+%22{GUID}%22");
    let f = RequestFacts {
        quirks: &[Quirk::PlusEncodedFilter],
        ..req("GET", &target)
    };
    assert_eq!(classify(&f), OperationKind::ConnectionProbe);
    let (who, why) = detect_idp(&f).unwrap();
    assert_eq!(who, Idp::Entra);
    assert!(why.contains(GUID) && why.contains("probe"), "{why}");
    // Percent-encoded spaces are the same probe.
    let target = format!("/scim/v2/Users?filter=userName%20eq%20%22{GUID}%22");
    assert_eq!(
        classify(&req("GET", &target)),
        OperationKind::ConnectionProbe
    );
}

#[test]
fn a_guid_inside_a_username_is_a_match_lookup_not_a_probe() {
    let f = req(
        "GET",
        "/scim/v2/Users?filter=userName%20eq%20%22Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee%22",
    );
    assert_eq!(classify(&f), OperationKind::MatchLookup);
    assert_eq!(idp(&f), None);
    // A GUID externalId is Entra matching on objectId, not the probe.
    let target = format!("/scim/v2/Users?filter=externalId+eq+%22{GUID}%22");
    assert_eq!(classify(&req("GET", &target)), OperationKind::MatchLookup);
    assert_eq!(idp(&req("GET", &target)), None);
}

#[test]
fn entra_probe_answered_401_is_rejected_but_still_entra() {
    let target = format!("/scim/v2/Users?filter=userName+eq+%22{GUID}%22");
    let f = RequestFacts {
        status: 401,
        ..req("GET", &target)
    };
    assert_eq!(classify(&f), OperationKind::Rejected);
    assert_eq!(idp(&f), Some(Idp::Entra));
}

#[test]
fn okta_count_2_probe() {
    let f = RequestFacts {
        user_agent: Some(OKTA_UA),
        ..req("GET", "/scim/v2/Users?startIndex=1&count=2")
    };
    assert_eq!(classify(&f), OperationKind::ConnectionProbe);
    assert_eq!(reason(&f), "user-agent says 'Okta SCIM Client 1.0.0'");
    // Without the user-agent the constant parameters still give Okta away.
    let f = req("GET", "/scim/v2/Users?count=2&startIndex=1");
    assert_eq!(classify(&f), OperationKind::ConnectionProbe);
    assert_eq!(idp(&f), Some(Idp::Okta));
    assert!(reason(&f).contains("count=2"), "{}", reason(&f));
}

#[test]
fn okta_groups_probe_and_near_misses() {
    let f = req("GET", "/scim/v2/Groups?startIndex=1&count=100");
    assert_eq!(classify(&f), OperationKind::ConnectionProbe);
    assert_eq!(idp(&f), Some(Idp::Okta));
    // count=2 on Groups, count=100 on Users, an extra parameter, a later page: plain pages.
    for target in [
        "/scim/v2/Groups?startIndex=1&count=2",
        "/scim/v2/Users?startIndex=1&count=100",
        "/scim/v2/Users?startIndex=1&count=2&attributes=userName",
        "/scim/v2/Users?startIndex=3&count=2",
    ] {
        let f = req("GET", target);
        assert_eq!(classify(&f), OperationKind::ImportPage, "{target}");
        assert_eq!(idp(&f), None, "{target}");
    }
}

#[test]
fn okta_probe_on_a_wrong_base_url_is_rejected_but_okta() {
    let f = RequestFacts {
        status: 404,
        ..req("GET", "/Users?startIndex=1&count=2")
    };
    assert_eq!(classify(&f), OperationKind::Rejected);
    assert_eq!(idp(&f), Some(Idp::Okta));
    let f = RequestFacts {
        status: 404,
        ..req("GET", "/scim/v1/Users?startIndex=1&count=2")
    };
    assert_eq!(classify(&f), OperationKind::Rejected);
    assert_eq!(idp(&f), Some(Idp::Okta));
}

// --- lookups, searches, pages, discovery ------------------------------------------------

#[test]
fn match_lookups_from_both_idps() {
    for target in [
        // Okta (§3), with its startIndex/count.
        "/scim/v2/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100",
        // Entra's unquoted externalId (§3).
        "/scim/v2/Users?filter=externalId+eq+jyoung",
        // Entra's email match form.
        "/scim/v2/Users?filter=emails%5Btype%20eq%20%22work%22%5D.value%20eq%20%22a%40contoso.com%22",
        "/scim/v2/Users?filter=emails.value%20eq%20%22a%40contoso.com%22",
        "/scim/v2/Users?filter=id%20eq%20%22abc%22",
        // Entra's manager check: id and manager ANDed.
        "/scim/v2/Users?filter=id%20eq%20%22abc%22%20and%20manager%20eq%20%22def%22",
        // The core URN spelled out.
        "/scim/v2/Users?filter=urn%3Aietf%3Aparams%3Ascim%3Aschemas%3Acore%3A2.0%3AUser%3AuserName%20eq%20%22x%22",
    ] {
        assert_eq!(
            classify(&req("GET", target)),
            OperationKind::MatchLookup,
            "{target}"
        );
    }
}

#[test]
fn entra_group_lookup_excluding_members() {
    let f = req(
        "GET",
        "/scim/v2/Groups?excludedAttributes=members&filter=displayName+eq+%22Finance%22",
    );
    assert_eq!(classify(&f), OperationKind::MatchLookup);
    let (who, why) = detect_idp(&f).unwrap();
    assert_eq!(who, Idp::Entra);
    assert!(why.contains("excludedAttributes=members"), "{why}");
    // Also on a read by id.
    let f = req("GET", "/scim/v2/Groups/g1?excludedAttributes=members");
    assert_eq!(classify(&f), OperationKind::Read);
    assert_eq!(idp(&f), Some(Idp::Entra));
    // But not on users.
    assert_eq!(
        idp(&req("GET", "/scim/v2/Users/u1?excludedAttributes=members")),
        None
    );
}

#[test]
fn other_filters_and_search_requests_are_searches() {
    for target in [
        "/scim/v2/Users?filter=userName%20sw%20%22a%22",
        "/scim/v2/Users?filter=userName%20eq%20%22a%22%20or%20userName%20eq%20%22b%22",
        "/scim/v2/Users?filter=active%20eq%20true",
        "/scim/v2/Groups?filter=members%5Bvalue%20eq%20%22u2%22%5D",
        "/scim/v2/Users?filter=userName%20eq",
        "/scim/v2/Users?filter=",
    ] {
        assert_eq!(
            classify(&req("GET", target)),
            OperationKind::Search,
            "{target}"
        );
    }
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                      "filter": "userName eq \"a\""});
    let f = RequestFacts {
        request_json: Some(&body),
        ..req("POST", "/scim/v2/Users/.search")
    };
    assert_eq!(classify(&f), OperationKind::Search);
    let root = RequestFacts {
        request_json: Some(&body),
        ..req("POST", "/scim/v2/.search")
    };
    assert_eq!(classify(&root), OperationKind::Search);
    assert_eq!(
        classify(&req("GET", "/scim/v2/Users/.search")),
        OperationKind::Rejected
    );
}

#[test]
fn unfiltered_lists_are_import_pages() {
    for target in [
        "/scim/v2/Users",
        "/scim/v2/Users/",
        "/scim/v2/Users?startIndex=101&count=100",
        "/scim/v2/Groups?startIndex=1&count=100&attributes=displayName",
        "/scim/v2//Users?count=0",
    ] {
        assert_eq!(
            classify(&req("GET", target)),
            OperationKind::ImportPage,
            "{target}"
        );
    }
    assert_eq!(
        classify(&req("HEAD", "/scim/v2/Users")),
        OperationKind::ImportPage
    );
}

#[test]
fn discovery_endpoints() {
    for target in [
        "/scim/v2/ServiceProviderConfig",
        "/scim/v2/ServiceProviderConfigs",
        "/scim/v2/ResourceTypes",
        "/scim/v2/ResourceTypes/User",
        "/scim/v2/Schemas",
        "/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
    ] {
        let f = req("GET", target);
        assert_eq!(classify(&f), OperationKind::Discovery, "{target}");
        assert_eq!(idp(&f), None);
    }
    assert_eq!(
        classify(&req("POST", "/scim/v2/Schemas")),
        OperationKind::Rejected
    );
}

// --- rejections ---------------------------------------------------------------------------

#[test]
fn refused_requests_are_rejected() {
    let status = |s: u16, m: &'static str, t: &'static str| {
        classify(&RequestFacts {
            status: s,
            ..req(m, t)
        })
    };
    assert_eq!(
        status(401, "GET", "/scim/v2/Users"),
        OperationKind::Rejected
    );
    assert_eq!(
        status(401, "POST", "/scim/v2/Users"),
        OperationKind::Rejected
    );
    assert_eq!(status(404, "GET", "/scim/v2/Foo"), OperationKind::Rejected);
    assert_eq!(
        status(404, "GET", "/scim/v2/users"),
        OperationKind::Rejected
    );
    assert_eq!(status(404, "GET", "/Users"), OperationKind::Rejected);
    assert_eq!(status(404, "GET", "/"), OperationKind::Rejected);
    assert_eq!(
        status(404, "GET", "/scim/v2/Users/a/b"),
        OperationKind::Rejected
    );
    assert_eq!(
        status(405, "DELETE", "/scim/v2/Users"),
        OperationKind::Rejected
    );
    assert_eq!(
        status(413, "POST", "/scim/v2/Users"),
        OperationKind::Rejected
    );
    assert_eq!(
        status(415, "PATCH", "/scim/v2/Users/u1"),
        OperationKind::Rejected
    );
    assert_eq!(status(501, "GET", "/scim/v2/Me"), OperationKind::Rejected);
    // A method the route does not serve, whatever the status said.
    assert_eq!(
        status(200, "PATCH", "/scim/v2/Users"),
        OperationKind::Rejected
    );
    assert_eq!(
        status(200, "OPTIONS", "/scim/v2/Users/u1"),
        OperationKind::Rejected
    );
}

#[test]
fn malformed_body_400_is_rejected_but_a_failed_write_keeps_its_kind() {
    // Malformed JSON: the capture layer has no request_json.
    let f = RequestFacts {
        status: 400,
        ..req("POST", "/scim/v2/Users")
    };
    assert_eq!(classify(&f), OperationKind::Rejected);
    let not_object = json!(["x"]);
    let f = RequestFacts {
        status: 400,
        request_json: Some(&not_object),
        ..req("PATCH", "/scim/v2/Users/u1")
    };
    assert_eq!(classify(&f), OperationKind::Rejected);
    // A parsed body that the handler refused is still the write it attempted.
    let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]});
    let f = RequestFacts {
        status: 400,
        request_json: Some(&body),
        ..req("POST", "/scim/v2/Users")
    };
    assert_eq!(classify(&f), OperationKind::Create);
}

#[test]
fn missing_resources_keep_their_kind() {
    let f = RequestFacts {
        status: 404,
        ..req("GET", "/scim/v2/Users/nope")
    };
    assert_eq!(classify(&f), OperationKind::Read);
    let body = patch(json!([{"op": "Replace", "path": "active", "value": "False"}]));
    let f = RequestFacts {
        status: 404,
        request_json: Some(&body),
        ..req("PATCH", "/scim/v2/Users/nope")
    };
    assert_eq!(classify(&f), OperationKind::Deactivate);
    let f = RequestFacts {
        status: 404,
        ..req("DELETE", "/scim/v2/Groups/nope")
    };
    assert_eq!(classify(&f), OperationKind::GroupDelete);
}

// --- creates --------------------------------------------------------------------------------

#[test]
fn entra_create_is_a_create_with_no_distinctive_evidence() {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
        "active": true,
        "emails": [{"primary": true, "type": "work", "value": "Test_User_11bb@testuser.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
        "roles": [],
        "title": null
    });
    let f = RequestFacts {
        status: 201,
        request_json: Some(&body),
        quirks: &[
            Quirk::ClientSentMeta,
            Quirk::NullAttribute,
            Quirk::ExtensionNotInSchemas,
        ],
        ..req("POST", "/scim/v2/Users")
    };
    assert_eq!(classify(&f), OperationKind::Create);
    // Client-sent meta and nulls are what a curl user sends too: no claim.
    assert_eq!(idp(&f), None);
    // A 409 is still the create that was attempted.
    let f = RequestFacts { status: 409, ..f };
    assert_eq!(classify(&f), OperationKind::Create);
}

#[test]
fn okta_create_with_password() {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "test.user@okta.local",
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
        "displayName": "Test User", "locale": "en-US", "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [], "password": "1mz050nq", "active": true
    });
    let f = RequestFacts {
        status: 201,
        request_json: Some(&body),
        quirks: &[Quirk::PasswordSent, Quirk::PutEchoesReadOnly],
        ..req("POST", "/scim/v2/Users")
    };
    assert_eq!(classify(&f), OperationKind::Create);
    let (who, why) = detect_idp(&f).unwrap();
    assert_eq!(who, Idp::Okta);
    assert!(why.contains("okta.password-sent"), "{why}");
    assert!(!why.contains("1mz050nq"));
    // The vendor guide's Okta create: no password, no user-agent match, `name` a string.
    let guide = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "ada@example.com", "active": true, "email": "ada@example.com",
        "name": "Ada Lovelace", "role": "Admin"});
    let g = RequestFacts {
        status: 201,
        request_json: Some(&guide),
        quirks: &[Quirk::StringName, Quirk::UnknownAttribute],
        ..req("POST", "/scim/v2/Users")
    };
    let (who, why) = detect_idp(&g).unwrap();
    assert_eq!(who, Idp::Okta);
    assert!(why.contains("okta.string-name"), "{why}");
    let f = RequestFacts {
        user_agent: Some(OKTA_UA),
        ..f
    };
    assert!(reason(&f).starts_with("user-agent says"));
}

#[test]
fn entra_group_create_with_the_microsoft_schema() {
    let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group",
        "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
        "externalId": "8aa1a0c0", "displayName": "Finance", "meta": {"resourceType": "Group"}});
    let f = RequestFacts {
        status: 201,
        request_json: Some(&body),
        quirks: &[Quirk::ClientSentMeta, Quirk::MicrosoftGroupSchema],
        ..req("POST", "/scim/v2/Groups")
    };
    assert_eq!(classify(&f), OperationKind::GroupCreate);
    let (who, why) = detect_idp(&f).unwrap();
    assert_eq!(who, Idp::Entra);
    assert!(why.contains("entra.microsoft-group-schema"), "{why}");
    assert!(why.contains("ADSCIM"), "{why}");
}

// --- user updates, (de|re)activation ------------------------------------------------------

#[test]
fn entra_deactivate_with_string_false() {
    let body = patch(json!([{"op": "Replace", "path": "active", "value": "False"}]));
    let ch = change(Some(user(true)), Some(user(false)));
    let f = RequestFacts {
        request_json: Some(&body),
        quirks: &[Quirk::CapitalizedOp, Quirk::StringBoolean],
        change: Some(&ch),
        ..req("PATCH", "/scim/v2/Users/u1")
    };
    assert_eq!(classify(&f), OperationKind::Deactivate);
    assert_eq!(
        detect_idp(&f),
        Some((
            Idp::Entra,
            "patch op written 'Replace' (entra.capitalized-op)".to_owned()
        ))
    );
    // The string boolean alone is evidence too, quoted.
    let f = RequestFacts {
        quirks: &[Quirk::StringBoolean],
        ..f
    };
    assert_eq!(
        reason(&f),
        "'active' sent as the string \"False\" (entra.string-boolean)"
    );
    // Failed (no change recorded): the body decides.
    let f = RequestFacts {
        status: 500,
        change: None,
        ..f
    };
    assert_eq!(classify(&f), OperationKind::Deactivate);
}

#[test]
fn entra_flag_deactivate_with_a_real_boolean() {
    let body = patch(json!([{"op": "replace", "path": "active", "value": false}]));
    let f = RequestFacts {
        status: 412,
        request_json: Some(&body),
        quirks: &[Quirk::AadOptFlag],
        ..req("PATCH", "/scim/v2/Users/u1?aadOptscim062020")
    };
    assert_eq!(classify(&f), OperationKind::Deactivate);
    assert!(reason(&f).contains("aadOptscim062020"));
}

#[test]
fn okta_put_deactivate_uses_before_and_after() {
    let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "u1",
        "userName": "test.user@okta.local", "active": false, "groups": [],
        "meta": {"resourceType": "User"}});
    let ch = change(Some(user(true)), Some(user(false)));
    let f = RequestFacts {
        request_json: Some(&body),
        quirks: &[Quirk::PutEchoesReadOnly],
        change: Some(&ch),
        user_agent: Some(OKTA_UA),
        ..req("PUT", "/scim/v2/Users/u1")
    };
    assert_eq!(classify(&f), OperationKind::Deactivate);
    assert_eq!(idp(&f), Some(Idp::Okta));
    // The same PUT on a user that was already inactive is a plain update.
    let ch = change(Some(user(false)), Some(user(false)));
    let f = RequestFacts {
        change: Some(&ch),
        ..f
    };
    assert_eq!(classify(&f), OperationKind::Update);
}

#[test]
fn okta_pathless_patch_deactivate_and_reactivate() {
    let body = patch(json!([{"op": "replace", "value": {"active": false}}]));
    let ch = change(Some(user(true)), Some(user(false)));
    let f = RequestFacts {
        request_json: Some(&body),
        quirks: &[Quirk::PathlessValue],
        change: Some(&ch),
        ..req("PATCH", "/scim/v2/Users/u1")
    };
    assert_eq!(classify(&f), OperationKind::Deactivate);
    let (who, why) = detect_idp(&f).unwrap();
    assert_eq!(who, Idp::Okta);
    assert!(
        why.contains("\"active\":false") && why.contains("okta.pathless-value"),
        "{why}"
    );

    let body = patch(json!([{"op": "replace", "value": {"active": true}}]));
    let ch = change(Some(user(false)), Some(user(true)));
    let f = RequestFacts {
        request_json: Some(&body),
        change: Some(&ch),
        ..f
    };
    assert_eq!(classify(&f), OperationKind::Reactivate);
    // Without a change (it failed) the lone `active: true` still reads as a reactivation.
    let f = RequestFacts {
        status: 500,
        change: None,
        ..f
    };
    assert_eq!(classify(&f), OperationKind::Reactivate);
}

#[test]
fn pathless_value_without_active_is_not_okta() {
    let body = patch(json!([{"op": "replace", "value": {"displayName": "Bjfe"}}]));
    let f = RequestFacts {
        request_json: Some(&body),
        quirks: &[Quirk::PathlessValue],
        ..req("PATCH", "/scim/v2/Users/u1")
    };
    assert_eq!(idp(&f), None);
    assert_eq!(classify(&f), OperationKind::Update);
    // Capitalised `Replace` of active is Entra's, not Okta's lowercase shape.
    let body = patch(json!([{"op": "Replace", "value": {"active": false}}]));
    let f = RequestFacts {
        request_json: Some(&body),
        quirks: &[Quirk::PathlessValue],
        ..f
    };
    assert_eq!(idp(&f), None);
}

#[test]
fn entra_reactivate_and_periodic_active_true() {
    let body = patch(json!([{"op": "Replace", "path": "active", "value": "True"}]));
    let ch = change(Some(user(false)), Some(user(true)));
    let f = RequestFacts {
        request_json: Some(&body),
        quirks: &[Quirk::CapitalizedOp, Quirk::StringBoolean],
        change: Some(&ch),
        ..req("PATCH", "/scim/v2/Users/u1")
    };
    assert_eq!(classify(&f), OperationKind::Reactivate);
    // Entra re-sending active=true to an active user changes nothing: an update.
    let ch = change(Some(user(true)), Some(user(true)));
    let f = RequestFacts {
        change: Some(&ch),
        ..f
    };
    assert_eq!(classify(&f), OperationKind::Update);
}

#[test]
fn user_profile_updates() {
    let body = patch(json!([
        {"op": "Replace", "path": "displayName", "value": "Pvlo"},
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "TestBcwqnm@test.microsoft.com"},
        {"op": "Replace", "path": "name.givenName", "value": "Gtfd"}
    ]));
    let mut after = user(true);
    after["displayName"] = json!("Pvlo");
    let ch = change(Some(user(true)), Some(after));
    let f = RequestFacts {
        request_json: Some(&body),
        change: Some(&ch),
        ..req("PATCH", "/scim/v2/Users/u1")
    };
    assert_eq!(classify(&f), OperationKind::Update);
    // A failed PUT carrying active: true cannot be told from a profile update.
    let put = user(true);
    let f = RequestFacts {
        status: 409,
        request_json: Some(&put),
        change: None,
        ..req("PUT", "/scim/v2/Users/u1")
    };
    assert_eq!(classify(&f), OperationKind::Update);
    // A failed PATCH setting active true together with other attributes: an update.
    let body = patch(json!([
        {"op": "replace", "path": "active", "value": true},
        {"op": "replace", "path": "title", "value": "CFO"}
    ]));
    let f = RequestFacts {
        status: 500,
        request_json: Some(&body),
        ..req("PATCH", "/scim/v2/Users/u1")
    };
    assert_eq!(classify(&f), OperationKind::Update);
}

#[test]
fn deactivation_from_absent_active_and_scim11_patch() {
    let mut before = user(true);
    before.as_object_mut().unwrap().remove("active");
    let ch = change(Some(before), Some(user(false)));
    let body = patch(json!([{"op": "replace", "path": "active", "value": false}]));
    let f = RequestFacts {
        request_json: Some(&body),
        change: Some(&ch),
        ..req("PATCH", "/scim/v2/Users/u1")
    };
    assert_eq!(classify(&f), OperationKind::Deactivate);
    // Okta SCIM 1.1: a PATCH carrying a partial resource, no Operations (here failed).
    let body = json!({"schemas": ["urn:scim:schemas:core:1.0"], "id": "u1", "active": false});
    let f = RequestFacts {
        status: 400,
        request_json: Some(&body),
        ..req("PATCH", "/scim/v2/Users/u1")
    };
    assert_eq!(classify(&f), OperationKind::Deactivate);
}

#[test]
fn deletes() {
    let f = RequestFacts {
        status: 204,
        ..req("DELETE", "/scim/v2/Users/u1")
    };
    assert_eq!(classify(&f), OperationKind::Delete);
    let f = RequestFacts {
        status: 204,
        ..req("DELETE", "/scim/v2/Groups/g1")
    };
    assert_eq!(classify(&f), OperationKind::GroupDelete);
    assert_eq!(idp(&f), None);
}

#[test]
fn okta_read_before_put() {
    let f = RequestFacts {
        user_agent: Some(OKTA_UA),
        ..req("GET", "/scim/v2/Users/u1")
    };
    assert_eq!(classify(&f), OperationKind::Read);
    assert_eq!(idp(&f), Some(Idp::Okta));
    let f = RequestFacts {
        status: 304,
        ..req("GET", "/scim/v2/Users/u1")
    };
    assert_eq!(classify(&f), OperationKind::Read);
}

// --- groups ---------------------------------------------------------------------------------

#[test]
fn entra_group_membership_add_and_remove_by_value_list() {
    let body = patch(json!([{"op": "Add", "path": "members",
        "value": [{"$ref": null, "value": "u1"}, {"$ref": null, "value": "u2"}]}]));
    let ch = change(
        Some(group("Finance", &[])),
        Some(group("Finance", &["u1", "u2"])),
    );
    let f = RequestFacts {
        status: 204,
        request_json: Some(&body),
        quirks: &[Quirk::NullRef, Quirk::CapitalizedOp],
        change: Some(&ch),
        ..req("PATCH", "/scim/v2/Groups/g1")
    };
    assert_eq!(classify(&f), OperationKind::GroupMembership);
    assert_eq!(reason(&f), "patch op written 'Add' (entra.capitalized-op)");

    let body = patch(json!([{"op": "Remove", "path": "members", "value": [{"value": "u1"}]}]));
    let ch = change(
        Some(group("Finance", &["u1", "u2"])),
        Some(group("Finance", &["u2"])),
    );
    let f = RequestFacts {
        request_json: Some(&body),
        quirks: &[Quirk::RemoveByValueList],
        change: Some(&ch),
        ..f
    };
    assert_eq!(classify(&f), OperationKind::GroupMembership);
    let (who, why) = detect_idp(&f).unwrap();
    assert_eq!(who, Idp::Entra);
    assert!(
        why.contains("value list") && why.ends_with("(entra.remove-by-value-list)"),
        "{why}"
    );
}

#[test]
fn group_membership_remove_by_filter_and_okta_combined_patch() {
    let body = patch(json!([{"op": "remove", "path": "members[value eq \"u1\"]"}]));
    let ch = change(Some(group("Finance", &["u1"])), Some(group("Finance", &[])));
    let f = RequestFacts {
        status: 204,
        request_json: Some(&body),
        quirks: &[Quirk::RemoveByFilter],
        change: Some(&ch),
        ..req("PATCH", "/scim/v2/Groups/g1")
    };
    assert_eq!(classify(&f), OperationKind::GroupMembership);
    // remove-by-filter is the RFC form Okta uses too: no claim from it.
    assert_eq!(idp(&f), None);

    // Okta: the rename-with-id op plus member ops, in one PATCH.
    let body = patch(json!([
        {"op": "replace", "value": {"id": "g1", "displayName": "Test SCIMv2"}},
        {"op": "remove", "path": "members[value eq \"u1\"]"},
        {"op": "add", "path": "members", "value": [{"value": "u2", "display": "test.user@okta.local"}]}
    ]));
    let ch = change(
        Some(group("Test SCIMv2", &["u1"])),
        Some(group("Test SCIMv2", &["u2"])),
    );
    let f = RequestFacts {
        status: 200,
        request_json: Some(&body),
        quirks: &[
            Quirk::PathlessReplaceWithId,
            Quirk::PathlessValue,
            Quirk::RemoveByFilter,
        ],
        change: Some(&ch),
        ..f
    };
    assert_eq!(classify(&f), OperationKind::GroupMembership);
    assert_eq!(idp(&f), None, "pathless-replace-with-id is not distinctive");
    // Removing a member that was not there changes nothing but is still a membership push.
    let ch = change(
        Some(group("Test SCIMv2", &["u2"])),
        Some(group("Test SCIMv2", &["u2"])),
    );
    let f = RequestFacts {
        change: Some(&ch),
        ..f
    };
    assert_eq!(classify(&f), OperationKind::GroupMembership);
}

#[test]
fn group_rename_is_a_group_update() {
    let body = patch(json!([{"op": "Replace", "path": "displayName", "value": "Finance2"}]));
    let ch = change(
        Some(group("Finance", &["u1"])),
        Some(group("Finance2", &["u1"])),
    );
    let f = RequestFacts {
        status: 204,
        request_json: Some(&body),
        quirks: &[Quirk::CapitalizedOp],
        change: Some(&ch),
        ..req("PATCH", "/scim/v2/Groups/g1")
    };
    assert_eq!(classify(&f), OperationKind::GroupUpdate);
    // Failed (409 duplicate name): the ops decide.
    let f = RequestFacts {
        status: 409,
        change: None,
        ..f
    };
    assert_eq!(classify(&f), OperationKind::GroupUpdate);
    // Okta's path-less rename with id.
    let body = patch(json!([{"op": "replace", "value": {"id": "g1", "displayName": "New"}}]));
    let f = RequestFacts {
        request_json: Some(&body),
        ..f
    };
    assert_eq!(classify(&f), OperationKind::GroupUpdate);
}

#[test]
fn group_put_membership_and_rename() {
    let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g1",
        "displayName": "Eng", "members": [{"value": "u1"}, {"value": "u3"}]});
    let ch = change(
        Some(group("Eng", &["u1"])),
        Some(group("Eng", &["u1", "u3"])),
    );
    let f = RequestFacts {
        request_json: Some(&body),
        change: Some(&ch),
        ..req("PUT", "/scim/v2/Groups/g1")
    };
    assert_eq!(classify(&f), OperationKind::GroupMembership);
    // Member order does not matter; a PUT that only renames is an update.
    let ch = change(
        Some(group("Old", &["u3", "u1"])),
        Some(group("Eng", &["u1", "u3"])),
    );
    let f = RequestFacts {
        change: Some(&ch),
        ..f
    };
    assert_eq!(classify(&f), OperationKind::GroupUpdate);
    // Failed PUT: a non-empty member list counts as membership.
    let f = RequestFacts {
        status: 500,
        change: None,
        ..f
    };
    assert_eq!(classify(&f), OperationKind::GroupMembership);
}

// --- detection ------------------------------------------------------------------------------

#[test]
fn curl_without_evidence_is_nobody() {
    let body = json!({"userName": "bob", "active": 1, "title": null, "meta": {}, "favouriteColour": "red"});
    let f = RequestFacts {
        user_agent: Some("curl/8.5.0"),
        status: 201,
        request_json: Some(&body),
        quirks: &[
            Quirk::MissingSchemas,
            Quirk::WrongType,
            Quirk::NullAttribute,
            Quirk::ClientSentMeta,
            Quirk::UnknownAttribute,
            Quirk::ApplicationJson,
            Quirk::BareToken,
            Quirk::UnknownQueryParameter,
            Quirk::AttributeNameCase,
            Quirk::UnquotedFilterValue,
            Quirk::PlusEncodedFilter,
            Quirk::ExtensionNotInSchemas,
            Quirk::RemoveByFilter,
            Quirk::NullRef,
        ],
        ..req("POST", "/scim/v2/Users")
    };
    assert_eq!(detect_idp(&f), None);
    assert_eq!(classify(&f), OperationKind::Create);
    assert_eq!(
        detect_idp(&req(
            "GET",
            "/scim/v2/Users?filter=userName%20eq%20%22bob%22"
        )),
        None
    );
}

#[test]
fn user_agents() {
    let ua = |s: &'static str| {
        idp(&RequestFacts {
            user_agent: Some(s),
            ..req("GET", "/scim/v2/Users")
        })
    };
    assert_eq!(ua("Okta SCIM Client 1.0.0"), Some(Idp::Okta));
    assert_eq!(ua("OKTA SCIM Integration"), Some(Idp::Okta));
    assert_eq!(ua("Microsoft.Identity.Provisioning/1.0"), Some(Idp::Entra));
    assert_eq!(ua("AzureAD-Provisioning"), Some(Idp::Entra));
    assert_eq!(ua("AADProvisioning"), Some(Idp::Entra));
    assert_eq!(ua("Entra-SCIM/2"), Some(Idp::Entra));
    assert_eq!(ua("provisioning (entra id)"), Some(Idp::Entra));
    assert_eq!(ua("CentralSync/1.0"), None);
    assert_eq!(ua("curl/8.5.0"), None);
    assert_eq!(ua("python-requests/2.31"), None);
    assert_eq!(ua("okta-cli"), None);
    // The user-agent outranks the request's shape.
    let body = patch(json!([{"op": "Replace", "path": "active", "value": "False"}]));
    let f = RequestFacts {
        user_agent: Some(OKTA_UA),
        request_json: Some(&body),
        quirks: &[Quirk::CapitalizedOp],
        ..req("PATCH", "/scim/v2/Users/u1")
    };
    assert_eq!(idp(&f), Some(Idp::Okta));
    // Long or hostile user-agents are clipped and stripped of control characters.
    let long = format!("Microsoft {}\n", "x".repeat(500));
    let f = RequestFacts {
        user_agent: Some(&long),
        ..req("GET", "/scim/v2/Users")
    };
    let why = reason(&f);
    assert!(why.chars().count() < 160 && !why.contains('\n'), "{why}");
}

#[test]
fn entra_patch_dialect_reasons_quote_the_evidence() {
    let body = patch(json!([
        {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "a@b.c"},
        {"op": "replace", "value": {"displayName": "Bjfe", "name.givenName": "Kkom",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Aklq"}}
    ]));
    let f = RequestFacts {
        request_json: Some(&body),
        quirks: &[
            Quirk::PathlessDottedKey,
            Quirk::PathlessUrnKey,
            Quirk::PathlessValue,
        ],
        ..req("PATCH", "/scim/v2/Users/u1")
    };
    assert_eq!(
        reason(&f),
        "path-less patch value uses the dotted key 'name.givenName' (entra.pathless-dotted-key)"
    );
    let f = RequestFacts {
        quirks: &[Quirk::PathlessUrnKey],
        ..f
    };
    assert!(
        reason(&f).contains("employeeNumber' (entra.pathless-urn-key)"),
        "{}",
        reason(&f)
    );
    // A label without the body to quote falls back to the quirk's own summary.
    let f = RequestFacts {
        request_json: None,
        quirks: &[Quirk::ManagerAsString, Quirk::JsonInString],
        ..f
    };
    assert_eq!(
        reason(&f),
        "manager sent as a bare id string (entra.manager-string)"
    );
    let f = RequestFacts {
        quirks: &[Quirk::CapitalizedOp],
        ..f
    };
    assert!(
        reason(&f).ends_with("(entra.capitalized-op)"),
        "{}",
        reason(&f)
    );
}

#[test]
fn every_entra_only_quirk_claims_entra_and_no_other_quirk_does() {
    for q in Quirk::ALL {
        let f = RequestFacts {
            quirks: std::slice::from_ref(q),
            ..req("POST", "/scim/v2/Users")
        };
        let got = detect_idp(&f);
        if ENTRA_ONLY_QUIRKS.contains(q) {
            let (who, why) = got.unwrap();
            assert_eq!(who, Idp::Entra, "{q}");
            assert!(why.ends_with(&format!("({})", q.label())), "{why}");
            assert!(why.starts_with(char::is_lowercase), "{why}");
        } else if *q == Quirk::PasswordSent || *q == Quirk::StringName {
            assert_eq!(got.map(|g| g.0), Some(Idp::Okta));
        } else {
            assert_eq!(got, None, "{q} must not claim an idp on its own");
        }
    }
}

#[test]
fn guid_shape() {
    assert!(is_guid(GUID));
    assert!(is_guid("CF4D78E8-CC4F-4D5D-B8B9-183561C0104A"));
    assert!(!is_guid("cf4d78e8cc4f4d5db8b9183561c0104a"));
    assert!(!is_guid("cf4d78e8-cc4f-4d5d-b8b9-183561c0104"));
    assert!(!is_guid("gf4d78e8-cc4f-4d5d-b8b9-183561c0104a"));
    assert!(!is_guid("cf4d78e8-cc4f-4d5d-b8b9-183561c0104aé"));
}
