//! Tests of pseudonymisation: an Entra user's create, PATCH and lookup, an Okta user's, word
//! boundaries and case, groups and their members, what is never learned, and a generated
//! population (no value left, applying twice changes nothing, pseudonyms are not learnable).

use super::*;
use serde_json::json;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const ADA_ID: &str = "2819c223-7f76-453a-919d-413861904646";
const ADA_OBJECT_ID: &str = "5f8e2b1c-9a3d-4e7f-b6c2-1d0e9f8a7b6c";
const MANAGER_ID: &str = "b7c1e2d3-4f5a-4b6c-8d7e-9f0a1b2c3d4e";

/// Entra's create body (Microsoft's tutorial shape), as ScimLab stores it (with its `id`).
fn entra_create() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "id": ADA_ID,
        "externalId": ADA_OBJECT_ID,
        "userName": "ada.lovelace@contoso.com",
        "active": true,
        "displayName": "Ada Lovelace",
        "title": "Analyst",
        "preferredLanguage": "en-GB",
        "emails": [{"primary": true, "type": "work", "value": "ada.lovelace@contoso.com"}],
        "meta": {"resourceType": "User", "location": format!("https://localhost:8787/scim/v2/Users/{ADA_ID}")},
        "name": {"formatted": "Ada Lovelace", "familyName": "Lovelace", "givenName": "Ada"},
        "phoneNumbers": [{"type": "work", "value": "+44 20 7946 0018"}],
        "addresses": [{"type": "work", "streetAddress": "12 St James's Square", "locality": "London",
                       "postalCode": "SW1Y 4LB", "country": "GB"}],
        "roles": [{"primary": true, "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}],
        ENTERPRISE: {"employeeNumber": "100042", "department": "Research",
                     "manager": {"value": MANAGER_ID}}
    })
}

/// Entra's later update: the given name, the work email (unchanged), the employee number by its
/// URN path, the display name, the app role.
fn entra_patch() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "Replace", "path": "name.givenName", "value": "Augusta"},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "ada.lovelace@contoso.com"},
            {"op": "Replace", "path": format!("{ENTERPRISE}:employeeNumber"), "value": "100043"},
            {"op": "Replace", "path": "displayName", "value": "Augusta Ada King"},
            {"op": "Replace", "path": "roles", "value": [
                {"primary": true, "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}]}
        ]
    })
}

const ENTRA_LOOKUP: &str = "filter=userName+eq+%22ada.lovelace%40contoso.com%22";

/// Whether `needle` occurs in `hay` as a whole word, ignoring case.
fn contains_word(hay: &str, needle: &str) -> bool {
    let hay = hay.to_lowercase();
    let needle = needle.to_lowercase();
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    hay.match_indices(&needle).any(|(i, m)| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + m.len()..].chars().next();
        let joined_before = word(needle.chars().next()) && word(before);
        let joined_after = word(needle.chars().next_back()) && word(after);
        !joined_before && !joined_after
    })
}

/// `v` URL-encoded: every byte but the unreserved ones as `%XX`, a space as `+` or `%20`.
fn url_forms(v: &str) -> Vec<String> {
    let mut pct = String::new();
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            pct.push(char::from(b));
        } else {
            pct.push_str(&format!("%{b:02X}"));
        }
    }
    vec![pct.replace("%20", "+"), pct]
}

/// No `original` is left in `out`: as a word, in any case, or URL-encoded.
fn assert_gone(out: &str, originals: &[&str]) {
    for o in originals {
        assert!(!contains_word(out, o), "{o:?} left in {out}");
        // An encoded form (with `%` or `+`) is specific enough to look for anywhere.
        for form in url_forms(o).into_iter().filter(|f| f != o) {
            assert!(
                !out.to_lowercase().contains(&form.to_lowercase()),
                "{form:?} ({o:?}) left in {out}"
            );
        }
    }
}

/// Every key path of `v` (array items by index).
fn keys(v: &Value) -> Vec<String> {
    fn walk(v: &Value, at: &str, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    let p = format!("{at}/{k}");
                    out.push(p.clone());
                    walk(x, &p, out);
                }
            }
            Value::Array(items) => {
                for (i, x) in items.iter().enumerate() {
                    walk(x, &format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, "", &mut out);
    out
}

/// `text` pseudonymised, parsed back: it must still be JSON with the same keys.
fn apply_text(p: &Pseudonyms, v: &Value) -> Value {
    let out = p.apply(&v.to_string());
    let parsed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(keys(&parsed), keys(v));
    let mut on_json = v.clone();
    p.apply_json(&mut on_json);
    assert_eq!(on_json, parsed, "apply and apply_json agree");
    parsed
}

const ADA_ORIGINALS: &[&str] = &[
    "ada.lovelace@contoso.com",
    ADA_ID,
    ADA_OBJECT_ID,
    MANAGER_ID,
    "Ada Lovelace",
    "Ada",
    "Lovelace",
    "+44 20 7946 0018",
    "12 St James's Square",
    "London",
    "SW1Y 4LB",
    "100042",
];

#[test]
fn an_entra_create_patch_and_lookup_are_pseudonymised_consistently() {
    let mut p = Pseudonyms::new();
    p.learn_resource(&entra_create());

    let user = apply_text(&p, &entra_create());
    assert_gone(&user.to_string(), ADA_ORIGINALS);
    assert_eq!(user["userName"], "user-0001@example.invalid");
    assert_eq!(
        user["emails"][0]["value"], user["userName"],
        "same value, same pseudonym"
    );
    assert_eq!(user["name"]["givenName"], "Given0001");
    assert_eq!(user["name"]["familyName"], "Family0001");
    assert_eq!(user["displayName"], "Person 0001");
    assert_eq!(user["name"]["formatted"], "Person 0001");
    assert_eq!(user["phoneNumbers"][0]["value"], "+1 555 0100 0001");
    assert_eq!(user["addresses"][0]["streetAddress"], "1 Example Street");
    assert_eq!(user[ENTERPRISE]["employeeNumber"], "emp-0001");
    // Ids keep their UUID shape and stay distinct.
    let ids: Vec<&str> = [
        &user["id"],
        &user["externalId"],
        &user[ENTERPRISE]["manager"]["value"],
    ]
    .iter()
    .map(|v| v.as_str().unwrap())
    .collect();
    for id in &ids {
        assert!(
            is_uuid(id) && id.starts_with("00000000-0000-4000-8000-"),
            "{id}"
        );
    }
    assert!(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2]);
    assert_eq!(
        user["meta"]["location"],
        format!("https://localhost:8787/scim/v2/Users/{}", ids[0])
    );
    // Kept: roles, active, schemas, title, department, country, language, meta's type.
    let original = entra_create();
    for at in [
        "/roles",
        "/active",
        "/schemas",
        "/title",
        "/preferredLanguage",
        "/meta/resourceType",
        "/addresses/0/country",
        "/addresses/0/type",
    ] {
        assert_eq!(user.pointer(at), original.pointer(at), "{at}");
    }
    assert_eq!(user[ENTERPRISE]["department"], "Research");

    // The lookup and the PATCH, with what the create taught.
    assert_eq!(
        p.apply(ENTRA_LOOKUP),
        "filter=userName+eq+%22user-0001%40example.invalid%22"
    );
    assert_eq!(
        p.apply(&format!("/scim/v2/Users/{ADA_ID}")),
        format!("/scim/v2/Users/{}", ids[0])
    );
    let patched = apply_text(&p, &entra_patch());
    assert_eq!(
        patched["Operations"][1]["value"],
        "user-0001@example.invalid"
    );
    assert_eq!(
        patched["Operations"][1]["path"],
        "emails[type eq \"work\"].value"
    );
    assert_eq!(
        patched["Operations"][4],
        entra_patch()["Operations"][4],
        "role kept"
    );
    // New values in the PATCH are not known yet...
    assert_eq!(patched["Operations"][0]["value"], "Augusta");
    let before = p.len();
    // ...until it is learned.
    p.learn_patch(&entra_patch());
    p.learn_query(ENTRA_LOOKUP);
    assert_eq!(p.len(), before + 3, "Augusta, 100043, Augusta Ada King");
    let patched = apply_text(&p, &entra_patch());
    let mut all = ADA_ORIGINALS.to_vec();
    all.extend(["Augusta", "100043", "Augusta Ada King"]);
    for text in [
        patched.to_string(),
        p.apply(ENTRA_LOOKUP),
        apply_text(&p, &entra_create()).to_string(),
    ] {
        assert_gone(&text, &all);
    }
    assert_eq!(
        patched["Operations"][2]["path"],
        entra_patch()["Operations"][2]["path"]
    );
    assert_eq!(patched["Operations"][3]["value"], "Person 0002");
    // The create's pseudonyms did not move when more was learned.
    assert_eq!(apply_text(&p, &entra_create()), user);
    // Another case, as IdPs send it.
    assert_eq!(
        p.apply(r#"userName eq "ADA.LOVELACE@CONTOSO.COM""#),
        r#"userName eq "user-0001@example.invalid""#
    );
}

#[test]
fn an_entra_patch_alone_teaches_its_values() {
    let mut p = Pseudonyms::new();
    p.learn_patch(&entra_patch());
    let out = p.apply(&entra_patch().to_string());
    assert_gone(
        &out,
        &[
            "Augusta",
            "ada.lovelace@contoso.com",
            "100043",
            "Augusta Ada King",
        ],
    );
    assert!(out.contains("Admin") && out.contains(ENTERPRISE));
    // Entra's path-less dialect (customappsso `aadOptscim062020`): dotted and URN keys.
    let mut p = Pseudonyms::new();
    p.learn_patch(&json!({"Operations": [{"op": "replace", "value": {
        "name.familyName": "Byron",
        format!("{ENTERPRISE}:employeeNumber"): "7777",
        "employeeType": "Admin",
    }}]}));
    assert_eq!(p.len(), 2);
    assert_eq!(p.apply("Byron 7777 Admin"), "Family0001 emp-0001 Admin");
}

#[test]
fn an_okta_user_is_pseudonymised_across_case_changes() {
    let create = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "Grace.Hopper@okta-example.com",
        "name": {"givenName": "Grace", "familyName": "Hopper"},
        "emails": [{"primary": true, "value": "grace.hopper@okta-example.com", "type": "work"}],
        "displayName": "Grace Hopper",
        "locale": "en-US",
        "externalId": "00u1abcd2EFGH3ijk4l5",
        "groups": [],
        "active": true
    });
    let lookup = "/scim/v2/Users?filter=userName%20eq%20%22grace.hopper%40okta-example.com%22&startIndex=1&count=100";
    let deactivate = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"active": false}}]
    });
    let mut p = Pseudonyms::new();
    p.learn_resource(&create);
    p.learn_query(lookup);
    p.learn_patch(&deactivate);
    assert_eq!(
        p.len(),
        5,
        "login, given, family, person, external id; the email is the login"
    );

    let user = apply_text(&p, &create);
    assert_eq!(user["userName"], "user-0001@example.invalid");
    assert_eq!(user["emails"][0]["value"], "user-0001@example.invalid");
    assert_eq!(user["externalId"], "id-0001");
    assert_eq!(user["locale"], "en-US");
    assert_eq!(
        p.apply(lookup),
        "/scim/v2/Users?filter=userName%20eq%20%22user-0001%40example.invalid%22&startIndex=1&count=100"
    );
    assert_eq!(p.apply(&deactivate.to_string()), deactivate.to_string());
    assert_gone(
        &format!("{user} {}", p.apply(lookup)),
        &[
            "grace.hopper@okta-example.com",
            "Grace",
            "Hopper",
            "Grace Hopper",
            "00u1abcd2EFGH3ijk4l5",
        ],
    );

    // Okta's OIN dialect: lowercase attribute names, and its path-less profile push.
    let mut p = Pseudonyms::new();
    p.learn_resource(&json!({"username": "katherine.johnson@okta-example.com",
        "name": {"givenname": "Katherine", "familyname": "Johnson"}}));
    p.learn_patch(&json!({"Operations": [{"op": "replace", "value": {
        "name": {"givenName": "Kate"}, "title": "Mathematician", "active": true}}]}));
    assert_eq!(
        p.apply("Katherine Johnson (KATHERINE.JOHNSON@okta-example.com), Kate, Mathematician"),
        "Given0001 Family0001 (user-0001@example.invalid), Given0002, Mathematician"
    );
}

#[test]
fn only_whole_words_are_replaced_in_any_case_and_encoding() {
    let mut p = Pseudonyms::new();
    p.learn_resource(&json!({"userName": "ann.lee@contoso.com",
        "name": {"givenName": "Ann", "familyName": "Lee"}}));
    assert_eq!(
        p.apply("Annual Planning: ann, ANN and Lee's sleek plan (Ann.Lee)"),
        "Annual Planning: Given0001, Given0001 and Family0001's sleek plan (Given0001.Family0001)"
    );
    assert_eq!(
        p.apply("ANN.LEE@CONTOSO.COM wrote to Ann.Lee@Contoso.com"),
        "user-0001@example.invalid wrote to user-0001@example.invalid"
    );
    // Not part of a longer email or word either side.
    assert_eq!(
        p.apply("joann.lee@contoso.com xann.lee@contoso.com"),
        "joann.Family0001@contoso.com xann.Family0001@contoso.com"
    );

    // JSON-escaped and URL-encoded forms, non-ASCII included.
    let mut p = Pseudonyms::new();
    p.learn_resource(&json!({"userName": "jose+test@contoso.com",
        "displayName": "José \"Pepe\" Núñez"}));
    let body = json!({"displayName": "José \"Pepe\" Núñez"}).to_string();
    assert_eq!(p.apply(&body), r#"{"displayName":"Person 0001"}"#);
    assert_eq!(
        p.apply(r#"{"displayName":"Jos\u00e9 \"Pepe\" N\u00fa\u00F1ez"}"#),
        r#"{"displayName":"Person 0001"}"#
    );
    assert_eq!(
        p.apply("filter=displayName+eq+%22Jos%C3%A9+%22Pepe%22+N%C3%BA%C3%B1ez%22"),
        "filter=displayName+eq+%22Person+0001%22"
    );
    assert_eq!(
        p.apply("filter=userName%20eq%20%22JOSE%2Btest%40contoso.com%22"),
        "filter=userName%20eq%20%22user-0001%40example.invalid%22"
    );
    assert_eq!(
        p.apply(r#"\n\"José \"Pepe\" Núñez\"\n"#),
        r#"\n\"Person 0001\"\n"#
    );
}

#[test]
fn longer_values_win_over_the_words_inside_them() {
    let mut p = Pseudonyms::new();
    p.learn_resource(
        &json!({"userName": "mary.ann@contoso.com", "displayName": "Mary Ann Smith",
        "name": {"givenName": "Mary", "middleName": "Ann", "familyName": "Smith"}}),
    );
    assert_eq!(
        p.apply("Mary Ann Smith; Smith, Mary Ann; mary.ann@contoso.com"),
        "Person 0001; Family0001, Given0001 Given0002; user-0001@example.invalid"
    );
}

#[test]
fn a_group_keeps_its_name_and_its_members_get_their_users_pseudonyms() {
    let user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": ADA_ID, "userName": "ada.lovelace@contoso.com", "displayName": "Ada Lovelace"
    });
    let group = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "externalId": "Engineering-Admins-Object",
        "displayName": "Engineering Admins",
        "members": [{"value": ADA_ID, "display": "Ada Lovelace",
                     "$ref": format!("https://localhost:8787/scim/v2/Users/{ADA_ID}")}]
    });
    let mut p = Pseudonyms::new();
    p.learn_resource(&group);
    p.learn_resource(&user);
    let user_out = apply_text(&p, &user);
    let group_out = apply_text(&p, &group);
    assert!(is_uuid(user_out["id"].as_str().unwrap()));
    assert_ne!(user_out["id"], ADA_ID);
    assert_eq!(group_out["members"][0]["value"], user_out["id"]);
    assert_eq!(group_out["members"][0]["display"], user_out["displayName"]);
    assert_eq!(
        group_out["members"][0]["$ref"],
        format!(
            "https://localhost:8787/scim/v2/Users/{}",
            user_out["id"].as_str().unwrap()
        )
    );
    assert_eq!(group_out["displayName"], "Engineering Admins");
    assert_eq!(
        group_out["id"], group["id"],
        "a group's id is not a person's"
    );
    assert_ne!(group_out["externalId"], group["externalId"]);

    // Entra's member removal names the user id in a path filter.
    let mut q = Pseudonyms::new();
    q.learn_patch(&json!({"Operations": [
        {"op": "remove", "path": format!("members[value eq \"{ADA_ID}\"]")}]}));
    assert_eq!(q.len(), 1);
    assert_eq!(q.apply(ADA_ID), "00000000-0000-4000-8000-000000000001");
    // A group-name lookup and a group rename keep the name; a lone displayName PATCH is taken
    // for a person's until a group is seen with that name.
    q.learn_query("/scim/v2/Groups?filter=displayName+eq+%22Sales+Team%22");
    q.learn_patch(&json!({"Operations": [
        {"op": "Replace", "path": "displayName", "value": "Sales Team"}]}));
    assert_eq!(q.apply("Sales Team"), "Sales Team");
    q.learn_patch(&json!({"Operations": [
        {"op": "Replace", "path": "displayName", "value": "Marketing EMEA"}]}));
    assert_eq!(q.apply("Marketing EMEA"), "Person 0001");
    assert_eq!(q.len(), 2);
    q.learn_resource(&json!({"displayName": "Marketing EMEA", "members": []}));
    assert_eq!(q.apply("Marketing EMEA"), "Marketing EMEA");
    assert_eq!(q.len(), 1);
    // A user's displayName stays learned when a group is named the same.
    q.learn_resource(&json!({"userName": "bob@contoso.com", "displayName": "Bob Jones"}));
    q.learn_resource(&json!({"displayName": "Bob Jones", "members": []}));
    assert_eq!(q.apply("Bob Jones"), "Person 0002");
}

#[test]
fn short_values_numbers_and_literals_are_never_learned() {
    let mut p = Pseudonyms::new();
    assert!(p.is_empty());
    p.learn_resource(&json!({
        "userName": "ab", "externalId": "123", "displayName": "true", "nickName": "null",
        "name": {"givenName": "Al", "familyName": "  "}, "emails": [{"value": "---"}],
        ENTERPRISE: {"employeeNumber": 12345}
    }));
    p.learn_query(r#"userName eq "x" and externalId eq "42""#);
    assert!(p.is_empty(), "{p:?}");
    assert_eq!(p.apply("ab 123 true null Al 42"), "ab 123 true null Al 42");
    p.learn_resource(&json!({"externalId": "1234", "userName": "bo@x.io",
        "emails": [{"value": "BO@X.IO"}]}));
    assert_eq!(p.len(), 2, "two distinct values, the email once");
    p.learn_resource(&json!({"externalId": "1234", "userName": "bo@x.io"}));
    assert_eq!(p.len(), 2);
    assert_eq!(
        p.apply("1234 12345 bo@x.io"),
        "id-0001 12345 user-0001@example.invalid"
    );
    // Roles and anything with "role" in its name stay.
    p.learn_resource(
        &json!({"userName": "carol@x.io", "roles": [{"value": "Global Reader"}],
        "appRoleAssignments": [{"displayName": "Helpdesk Operator"}], "title": "Chief Engineer",
        "urn:ietf:params:scim:schemas:extension:Custom:2.0:User:roleName": "Approver"}),
    );
    assert_eq!(p.len(), 3);
}

#[test]
fn filters_are_read_from_query_strings_and_raw_filters() {
    let mut p = Pseudonyms::new();
    p.learn_query("filter=externalId+eq+%2200u9zyxw8VUTS7rqp6o5%22&count=1");
    p.learn_query(r#"emails[type eq "work" and value eq "z.x@contoso.com"] or userName eq "zx+1@contoso.com""#);
    p.learn_query("/scim/v2/Users/00u1abcd2EFGH3ijk4l5?attributes=userName");
    p.learn_query("/scim/v2/Users?filter=displayName%20eq%20%22Zoe%20Xu%22");
    p.learn_query("/scim/v2/Groups?filter=displayName%20eq%20%22Finance%22");
    assert_eq!(p.len(), 5);
    assert_eq!(
        p.apply("00u9zyxw8VUTS7rqp6o5 z.x@contoso.com zx+1@contoso.com 00u1abcd2EFGH3ijk4l5 Zoe Xu Finance"),
        "id-0001 user-0001@example.invalid user-0002@example.invalid id-0002 Person 0001 Finance"
    );
}

/// A small deterministic generator (no new dependency).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.next() % from.len()]
    }
    /// `s` with some letters in the other case.
    fn recase(&mut self, s: &str) -> String {
        s.chars()
            .map(|c| {
                if self.next().is_multiple_of(3) {
                    c.to_uppercase().next().unwrap_or(c)
                } else {
                    c
                }
            })
            .collect()
    }
}

const GIVEN: &[&str] = &[
    "Ann",
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Margaret",
    "Ken",
    "Dennis",
    "Frances",
    "Radia",
    "Katherine",
    "Tim",
    "Shafi",
    "Leslie",
    "Niklaus",
    "Hedy",
    "Sophie",
    "Mae",
    "Zoë",
];
const FAMILY: &[&str] = &[
    "Lee",
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Hamilton",
    "Thompson",
    "Ritchie",
    "Allen",
    "Perlman",
    "Johnson",
    "Berners-Lee",
    "Goldwasser",
    "Lamport",
    "Wirth",
    "Lamarr",
    "Wilson",
    "Jemison",
    "Núñez",
];

#[test]
fn a_generated_population_leaves_nothing_and_applying_twice_changes_nothing() {
    let mut rng = Lcg(14);
    let mut p = Pseudonyms::new();
    let mut texts = Vec::new();
    let mut originals: Vec<String> = Vec::new();
    for i in 0..48 {
        let given = rng.pick(GIVEN);
        let family = rng.pick(FAMILY);
        let display = format!("{given} {family}");
        let email = format!(
            "{}.{}{i}@contoso.com",
            given.to_lowercase(),
            family.to_lowercase()
        );
        let object_id = format!("{:08x}-1234-4abc-9def-{:012x}", rng.next(), i);
        let okta_id = format!("00u{:x}Ab{i}", rng.next());
        let create = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": email, "externalId": if i % 2 == 0 { &object_id } else { &okta_id },
            "displayName": display, "name": {"givenName": given, "familyName": family},
            "emails": [{"value": email, "type": "work"}],
            "roles": [{"value": "Admin"}], "title": "Annual Planning Lead", "active": true
        });
        let patch = json!({"Operations": [
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": rng.recase(&email)},
            {"op": "Replace", "path": "displayName", "value": display}
        ]});
        let lookup = format!(
            "filter=userName+eq+%22{}%22",
            url_forms(&rng.recase(&email))[0]
        );
        p.learn_resource(&create);
        p.learn_patch(&patch);
        p.learn_query(&lookup);
        texts.push(create.to_string());
        texts.push(patch.to_string());
        texts.push(lookup);
        texts.push(format!(
            "Ticket: {} ({}) cannot sign in; see /Users/{object_id}",
            rng.recase(&display),
            rng.recase(&email)
        ));
        let id = if i % 2 == 0 { object_id } else { okta_id };
        originals.extend([display, email, id, given.to_owned(), family.to_owned()]);
    }
    assert!(p.len() > 100 && p.len() <= originals.len(), "{}", p.len());
    let refs: Vec<&str> = originals.iter().map(String::as_str).collect();
    let mut fresh = Pseudonyms::new();
    for text in &texts {
        let once = p.apply(text);
        assert_gone(&once, &refs);
        assert_eq!(p.apply(&once), once, "applying twice changes nothing");
        assert!(once.contains("Admin") || !text.contains("Admin"));
        assert!(once.contains("Annual Planning Lead") || !text.contains("Annual"));
        if let Ok(v) = serde_json::from_str::<Value>(&once) {
            fresh.learn_resource(&v);
            fresh.learn_patch(&v);
        } else {
            fresh.learn_query(&once);
        }
    }
    assert!(fresh.is_empty(), "pseudonyms are not learnable: {fresh:?}");
}

#[test]
fn pseudonym_shaped_values_are_not_learned() {
    let mut p = Pseudonyms::new();
    p.learn_resource(
        &json!({"userName": "user-0042@example.invalid", "displayName": "Person 0007",
        "name": {"givenName": "Given0003", "familyName": "Family0003"},
        "externalId": "00000000-0000-4000-8000-000000000009",
        "addresses": [{"streetAddress": "3 Example Street"}]}),
    );
    assert!(p.is_empty());
    // A learned word inside a pseudonym leaves the pseudonym alone.
    p.learn_resource(
        &json!({"userName": "example", "name": {"familyName": "Street",
        "givenName": "Person"}, "addresses": [{"streetAddress": "Invalid Road 4"}]}),
    );
    let once = p.apply("example Street Person");
    assert_eq!(once, "user-0001 Family0001 Given0001");
    assert_eq!(p.apply(&once), once);
    let street = p.apply("Invalid Road 4");
    assert_eq!(street, "1 Example Street");
    assert_eq!(p.apply(&street), street);
}
