//! Tests of `filter/eval.rs`.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::filter::parse_filter;
use crate::quirks::{Mode, Quirks};
use ResourceKind::{Group, User};
use serde_json::json;

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn user() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "Jyoung",
        "userName": "Bjensen@Example.com",
        "name": {"familyName": "Jensen", "givenName": "Barbara"},
        "displayName": "Babs Jensen",
        "nickName": null,
        "title": "",
        "active": true,
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "phoneNumbers": [],
        "roles": [{"value": "admin", "primary": "True"}],
        "loginCount": 7,
        "costRatio": 0.25,
        "legacyFlag": "False",
        "Department": "R&D",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {
            "employeeNumber": "701984",
            "manager": {"value": "26118915-6090", "displayName": "John Smith"}
        },
        "meta": {
            "resourceType": "User",
            "created": "2010-01-23T04:56:22Z",
            "lastModified": "2011-05-13T04:42:34Z",
            "version": "W/\"a330bc54f0671c9\""
        }
    })
}

fn group() -> Value {
    json!({
        "id": "g1",
        "displayName": "Admins",
        "members": [{"value": "u1", "display": "Alice"}, {"value": "u2", "type": "User"}]
    })
}

fn check(kind: ResourceKind, resource: &Value, input: &str) -> bool {
    let f = parse_filter(input, kind, &mut Quirks::new(Mode::Tolerant))
        .unwrap_or_else(|e| panic!("{input}: {e}"));
    f.matches(resource, kind)
}

fn assert_user(cases: &[(&str, bool)]) {
    let u = user();
    for (input, want) in cases {
        assert_eq!(check(User, &u, input), *want, "{input}");
    }
}

#[test]
fn string_operators_are_case_insensitive_by_default() {
    assert_user(&[
        (r#"userName eq "bjensen@example.com""#, true),
        (r#"USERNAME Eq "BJENSEN@EXAMPLE.COM""#, true),
        (r#"userName eq "bjensen""#, false),
        (r#"userName co "JENSEN@""#, true),
        (r#"userName co "smith""#, false),
        (r#"userName sw "bj""#, true),
        (r#"userName sw "jensen""#, false),
        (r#"userName ew ".COM""#, true),
        (r#"userName ew ".org""#, false),
        (r#"userName gt "a""#, true),
        (r#"userName gt "c""#, false),
        (r#"userName lt "c""#, true),
        (r#"userName ge "BJENSEN@example.com""#, true),
        (r#"userName le "bjensen@example.com""#, true),
        (r#"userName lt "bjensen@example.com""#, false),
        (r#"userName ne "bjensen@example.com""#, false),
        (r#"userName ne "other""#, true),
        (r#"name.familyName eq "JENSEN""#, true),
        (r#"department eq "r&d""#, true),
    ]);
}

/// Issue 11 §7: `eq` agrees with the store's uniqueness: NFC/NFD and the Kelvin sign.
#[test]
fn case_insensitive_strings_compare_unicode_normalised_and_folded() {
    let u = json!({"userName": "Jos\u{e9}@example.com", "displayName": "\u{212A}elvin",
                   "title": "Stra\u{df}e", "externalId": "Jos\u{e9}"});
    for (input, want) in [
        ("userName eq \"jose\u{301}@EXAMPLE.com\"", true),
        ("userName eq \"jos\u{e9}@example.com\"", true),
        ("userName eq \"jose@example.com\"", false),
        ("userName sw \"JOSE\u{301}\"", true),
        ("displayName eq \"kelvin\"", true),
        ("displayName eq \"KELVIN\"", true),
        ("title eq \"STRASSE\"", true),
        // caseExact attributes still compare exactly.
        ("externalId eq \"Jose\u{301}\"", false),
        ("externalId eq \"Jos\u{e9}\"", true),
    ] {
        assert_eq!(check(User, &u, input), want, "{input}");
    }
}

#[test]
fn case_exact_attributes_compare_exactly() {
    assert_user(&[
        (r#"externalId eq "Jyoung""#, true),
        (r#"externalId eq "jyoung""#, false),
        ("externalId eq jyoung", false),
        ("externalId eq Jyoung", true),
        (r#"externalId sw "J""#, true),
        (r#"externalId sw "j""#, false),
        (r#"id eq "2819C223-7F76-453A-919D-413861904646""#, false),
        (r#"id eq "2819c223-7f76-453a-919d-413861904646""#, true),
        (r#"meta.version eq "w/\"a330bc54f0671c9\"""#, false),
        (r#"meta.version eq "W/\"a330bc54f0671c9\"""#, true),
        (r#"meta.resourceType eq "user""#, false),
    ]);
}

#[test]
fn presence_means_present_and_not_empty() {
    assert_user(&[
        ("userName pr", true),
        ("title pr", false),
        ("nickName pr", false),
        ("phoneNumbers pr", false),
        ("emails pr", true),
        ("emails.type pr", true),
        ("emails.display pr", false),
        ("name.familyName pr", true),
        ("name.middleName pr", false),
        ("missing pr", false),
        ("active pr", true),
        (&format!("{ENT}:manager pr"), true),
        (&format!("{ENT} pr"), true),
        ("nickName eq null", true),
        ("missing eq null", true),
        ("title eq null", true),
        ("userName eq null", false),
        ("userName ne null", true),
        ("nickName ne null", false),
    ]);
}

#[test]
fn ne_on_a_missing_attribute_is_true() {
    assert_user(&[
        (r#"missing ne "x""#, true),
        (r#"nickName ne "x""#, true),
        (r#"missing eq "x""#, false),
        (r#"missing co "x""#, false),
        (r#"missing gt "x""#, false),
    ]);
}

#[test]
fn multi_valued_attributes_match_any_value() {
    assert_user(&[
        (r#"emails eq "babs@jensen.org""#, true),
        (r#"emails.value eq "BABS@jensen.org""#, true),
        (r#"emails co "example""#, true),
        (r#"emails.type eq "home""#, true),
        (r#"emails.type eq "other""#, false),
        // ne is "no value equals".
        (r#"emails ne "babs@jensen.org""#, false),
        (r#"emails ne "nobody@x""#, true),
        ("emails.primary eq true", true),
        (r#"roles eq "ADMIN""#, true),
    ]);
}

#[test]
fn value_paths_match_within_one_element() {
    assert_user(&[
        (r#"emails[type eq "work" and value co "@example"]"#, true),
        (r#"emails[type eq "home" and value co "@example"]"#, false),
        (r#"emails[type eq "home" or value co "@example"]"#, true),
        (r#"emails[not (type eq "work")]"#, true),
        (
            r#"emails[type eq "work"].value eq "bjensen@example.com""#,
            true,
        ),
        (
            r#"emails[type eq "home"].value eq "bjensen@example.com""#,
            false,
        ),
        (r#"emails[type eq "WORK"].value pr"#, true),
        (r#"emails[type eq "home"].primary pr"#, false),
        (r#"phoneNumbers[type eq "work"]"#, false),
        (r#"missing[type eq "work"]"#, false),
        (r#"name[givenName eq "barbara"]"#, true),
    ]);
}

#[test]
fn urn_paths_look_inside_the_extension() {
    assert_user(&[
        (&format!("{ENT}:employeeNumber eq \"701984\""), true),
        (
            &format!("{}:EMPLOYEENUMBER eq \"701984\"", ENT.to_uppercase()),
            true,
        ),
        (&format!("{ENT}:employeeNumber eq \"1\""), false),
        (&format!("{ENT}:manager.value eq \"26118915-6090\""), true),
        (&format!("{ENT}:manager eq \"26118915-6090\""), true),
        (&format!("{ENT}:manager[value eq \"26118915-6090\"]"), true),
        (&format!("{ENT}:manager[value eq \"x\"]"), false),
        (&format!("{ENT}:userName pr"), false),
        ("employeeNumber pr", false),
        (
            "urn:ietf:params:scim:schemas:core:2.0:User:userName eq \"bjensen@example.com\"",
            true,
        ),
        (
            "urn:ietf:params:scim:schemas:core:2.0:Group:userName pr",
            false,
        ),
        ("urn:example:custom:1.0:x pr", false),
    ]);
}

#[test]
fn dates_compare_as_instants() {
    assert_user(&[
        (r#"meta.lastModified gt "2011-05-13T04:42:34Z""#, false),
        (r#"meta.lastModified ge "2011-05-13T04:42:34Z""#, true),
        (r#"meta.lastModified gt "2011-05-13T04:42:33Z""#, true),
        (r#"meta.lastModified lt "2011-05-13T04:42:34.001Z""#, true),
        // Same instant, different offset and precision: equal (a string compare says no).
        (
            r#"meta.lastModified eq "2011-05-13T06:42:34.000+02:00""#,
            true,
        ),
        (r#"meta.lastModified gt "2011-05-13T05:00:00+02:00""#, true),
        (r#"meta.created lt "2011-01-01T00:00:00Z""#, true),
        (r#"meta.created le "2010-01-23T04:56:22Z""#, true),
        (r#"meta.lastModified sw "2011-05""#, true),
        // Not a date: falls back to a string compare, no panic.
        (r#"meta.lastModified gt "yesterday""#, false),
        ("meta.lastModified gt 2011-01-01T00:00:00Z", true),
    ]);
}

#[test]
fn numbers_compare_numerically() {
    assert_user(&[
        ("loginCount eq 7", true),
        ("loginCount eq 7.0", true),
        ("loginCount gt 5", true),
        ("loginCount gt 10", false),
        ("loginCount lt 10", true),
        ("loginCount ge 7", true),
        ("loginCount le 6", false),
        ("loginCount ne 7", false),
        (r#"loginCount lt "10""#, true),
        (r#"loginCount eq "abc""#, false),
        ("costRatio lt 0.5", true),
        ("costRatio gt -1", true),
        ("loginCount co 7", true),
        // A bare number against a string attribute is the string "5" ("b..." > "5").
        ("userName gt 5", true),
        ("userName eq 5", false),
        ("unknownAttr eq 5", false),
    ]);
}

#[test]
fn booleans_compare_by_value_only_with_eq_and_ne() {
    assert_user(&[
        ("active eq true", true),
        ("active eq false", false),
        ("active ne false", true),
        (r#"active eq "True""#, true),
        (r#"active eq "false""#, false),
        ("active gt false", false),
        ("active lt true", false),
        ("active ge true", false),
        // Stored as strings: still booleans.
        ("roles[primary eq true]", true),
        (r#"roles[primary eq "TRUE"]"#, true),
        ("roles[primary eq false]", false),
        ("legacyFlag eq false", true),
        ("legacyFlag ne false", false),
    ]);
    // A string compared with a stored boolean (a filter the parser did not coerce).
    let f = Filter::Compare {
        path: AttrPath::simple("active"),
        op: CompareOp::Eq,
        value: CompValue::Str("TRUE".into()),
    };
    assert!(f.matches(&user(), User));
    let f = Filter::Compare {
        path: AttrPath::simple("active"),
        op: CompareOp::Eq,
        value: CompValue::Str("yes".into()),
    };
    assert!(!f.matches(&user(), User));
}

#[test]
fn logic_follows_precedence() {
    assert_user(&[
        // pr or (eq and eq) is true; (pr or eq) and eq would be false.
        (
            r#"userName pr or userName eq "x" and active eq false"#,
            true,
        ),
        (
            r#"(userName pr or userName eq "x") and active eq false"#,
            false,
        ),
        (r#"not (userName eq "x")"#, true),
        (r#"not (userName pr) or active eq false"#, false),
        (r#"userName pr and not (active eq false)"#, true),
        (
            r#"id eq "2819c223-7f76-453a-919d-413861904646" and urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090""#,
            true,
        ),
    ]);
}

#[test]
fn groups() {
    let g = group();
    for (input, want) in [
        (r#"displayName eq "admins""#, true),
        (r#"members[value eq "u2"]"#, true),
        (r#"members[value eq "u3"]"#, false),
        (r#"members.value eq "U1""#, true),
        (r#"members eq "u1""#, true),
        (r#"members[value eq "u1" and type eq "User"]"#, false),
        (r#"members[display co "ali"]"#, true),
    ] {
        assert_eq!(check(Group, &g, input), want, "{input}");
    }
}

#[test]
fn elements_of_a_multi_valued_attribute() {
    let emails = AttrPath::simple("emails");
    let mut q = Quirks::new(Mode::Tolerant);
    let f = parse_filter(r#"type eq "work" and primary eq "True""#, User, &mut q).unwrap();
    assert!(f.matches_element(&json!({"type": "Work", "primary": true}), User, &emails));
    assert!(f.matches_element(&json!({"TYPE": "work", "primary": "true"}), User, &emails));
    assert!(!f.matches_element(&json!({"type": "home", "primary": true}), User, &emails));
    assert!(!f.matches_element(&json!("work"), User, &emails));

    // A bare string element is its own value.
    let f = parse_filter(r#"value eq "A@X""#, User, &mut q).unwrap();
    assert!(f.matches_element(&json!("a@x"), User, &emails));

    // Case-exactness and types come from the parent's sub-attributes.
    let members = AttrPath::simple("members");
    let f = parse_filter(r#"value eq "u1""#, Group, &mut q).unwrap();
    assert!(f.matches_element(&json!({"value": "U1"}), Group, &members));
    let manager = AttrPath {
        urn: Some(ENT.into()),
        name: "manager".into(),
        sub: None,
    };
    assert!(f.matches_element(&json!({"value": "u1"}), User, &manager));
}

#[test]
fn non_objects_never_match() {
    let f = parse_filter("userName pr", User, &mut Quirks::new(Mode::Tolerant)).unwrap();
    for v in [
        Value::Null,
        json!([{"userName": "a"}]),
        json!("userName"),
        json!(1),
    ] {
        assert!(!f.matches(&v, User), "{v}");
    }
    let f = parse_filter(r#"userName ne "a""#, User, &mut Quirks::new(Mode::Tolerant)).unwrap();
    assert!(f.matches(&Value::Null, User));
}
