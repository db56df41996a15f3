//! Tests of `checks/mod.rs`.

use super::testkit::*;
use super::*;
use CheckStatus::{Fail, NotYetSeen, Pass, Warn};

fn status_of(list: &Checklist, id: &str) -> CheckStatus {
    list.items
        .iter()
        .find(|i| i.id == id)
        .map(|i| i.status)
        .unwrap_or_else(|| panic!("no item {id}"))
}

#[test]
fn ids_are_unique_and_every_item_is_well_formed() {
    for idp in [Idp::Entra, Idp::Okta] {
        let list = evaluate(&input(idp, &[], &[]));
        let mut ids: Vec<&str> = list.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids.len(), rules(idp).len());
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), rules(idp).len(), "duplicate ids for {idp:?}");
        for item in &list.items {
            assert_eq!(item.status, NotYetSeen, "{}: {}", item.id, item.summary);
            // Lowercase, but an IdP's name is spelt as its maker writes it.
            assert!(
                item.summary.starts_with(char::is_lowercase)
                    || item.summary.starts_with(idp_name(idp)),
                "{}",
                item.summary
            );
            assert!(item.fix.is_none());
            assert!(item.evidence.is_empty());
        }
        assert_eq!(list.score.not_yet_seen as usize, rules(idp).len());
    }
    assert!(evaluate(&input(Idp::Other, &[], &[])).items.is_empty());
}

#[test]
fn evidence_is_sorted_deduplicated_and_capped() {
    let item = Check::new("x", "x").pass("s", (1..=30).rev().chain([5, 5]));
    assert_eq!(item.evidence, (11..=30).collect::<Vec<_>>());
}

#[test]
fn serialises_camel_case_and_kebab_statuses() {
    let list = evaluate(&input(Idp::Okta, &[], &[]));
    let json = serde_json::to_value(&list).unwrap_or_default();
    assert_eq!(json["idp"], "okta");
    assert_eq!(json["items"][0]["status"], "not-yet-seen");
    assert_eq!(json["score"]["notYetSeen"], rules(Idp::Okta).len());
}

/// A whole Entra rehearsal: Test Connection, match, create with the guide's four
/// attributes plus defaults left in place, a capitalised-op update, a "False" deactivation.
#[test]
fn entra_end_to_end() {
    let body = entra_user_body("alice@contoso.com", Some("Admin"));
    let exs = vec![
        entra_probe(1, 200),
        entra_match(2, "alice@contoso.com"),
        entra_create(3, "u1", &body),
        entra_patch(
            4,
            "u1",
            OperationKind::Update,
            &serde_json::json!([{"op": "Replace", "path": "displayName", "value": "Alice B"}]),
        ),
        entra_patch(
            5,
            "u1",
            OperationKind::Deactivate,
            &serde_json::json!([{"op": "Replace", "path": "active", "value": "False"}]),
        ),
        // Okta traffic in the same store is not Entra's evidence.
        okta_probe(6, 200),
    ];
    let users = vec![facts(
        "u1",
        "alice@contoso.com",
        Idp::Entra,
        &body,
        Some("Admin"),
    )];
    let list = evaluate(&input(Idp::Entra, &exs, &users));
    let expected = [
        ("connection.test", Pass),
        ("auth.header", Pass),
        ("answers.ok", Pass),
        ("attributes.required", Pass),
        ("attributes.extra", Warn),
        ("attributes.name-case", Pass),
        ("roles.present", Pass),
        ("roles.valid", Pass),
        ("entra.active-mapped", Pass),
        ("lifecycle.updates", Pass),
        ("lifecycle.deactivation", Pass),
        ("entra.patch-dialect", Pass),
    ];
    assert_eq!(list.items.len(), expected.len());
    for (id, status) in expected {
        assert_eq!(status_of(&list, id), status, "{id}: {:?}", list.items);
    }
    assert_eq!(
        list.score,
        ChecklistScore {
            pass: 11,
            warn: 1,
            fail: 0,
            not_yet_seen: 0
        }
    );
    let conn = &list.items[0];
    assert_eq!(conn.evidence, vec![1]);
    for item in &list.items {
        assert!(
            item.evidence.iter().all(|id| *id != 6),
            "{} cites Okta's exchange",
            item.id
        );
        assert_eq!(
            item.fix.is_some(),
            matches!(item.status, Warn | Fail),
            "{}",
            item.id
        );
    }
}

/// An Okta rehearsal that goes wrong first: the key without HTTP Header mode, then fixed;
/// the base mappings left on next to the custom email (emails is redundant), no custom name
/// or role (no External namespace), Sync Password on, AIW PUT updates.
#[test]
fn okta_end_to_end() {
    let body = okta_user_body("test.user@okta.local", None, true);
    let exs = vec![
        okta_refused(1, None),
        okta_probe(2, 200),
        okta_match(3, "test.user@okta.local"),
        okta_create(4, "u1", &body),
        okta_read(5, "u1"),
        okta_put(6, "u1", OperationKind::Update, &body),
        okta_read(7, "u1"),
        okta_put(8, "u1", OperationKind::Deactivate, &{
            let mut b = body.clone();
            b["active"] = serde_json::json!(false);
            b
        }),
    ];
    let users = vec![facts("u1", "test.user@okta.local", Idp::Okta, &body, None)];
    let list = evaluate(&input(Idp::Okta, &exs, &users));
    let expected = [
        ("connection.test", Pass),
        ("auth.header", Pass),
        ("answers.ok", Pass),
        ("attributes.required", Pass),
        ("attributes.extra", Warn),
        ("attributes.name-case", Pass),
        ("okta.custom-attributes", Warn),
        ("roles.present", Fail),
        ("roles.valid", NotYetSeen),
        ("okta.password", Warn),
        ("lifecycle.updates", Pass),
        ("lifecycle.deactivation", Pass),
        ("okta.update-mode", Pass),
    ];
    assert_eq!(list.items.len(), expected.len());
    for (id, status) in expected {
        assert_eq!(status_of(&list, id), status, "{id}: {:?}", list.items);
    }
    assert_eq!(list.score.fail, 1);
    assert_eq!(list.score.warn, 3);
}

/// The guide's Okta setup followed exactly: only userName mapped plus the Profile Editor's
/// email, name and role (core namespace, Create and Update), Sync Password off; an AIW
/// app's GET + PUT update and PUT deactivation. Every item passes.
#[test]
fn okta_guide_end_to_end() {
    let ada = okta_guide_body("ada@okta.local", Some("Admin"));
    let bob = okta_guide_body("bob@okta.local", Some("Member"));
    let mut renamed = ada.clone();
    renamed["name"] = serde_json::json!("Ada King");
    let mut off = bob.clone();
    off["active"] = serde_json::json!(false);
    let exs = vec![
        okta_probe(1, 200),
        okta_match(2, "ada@okta.local"),
        okta_create(3, "u1", &ada),
        okta_match(4, "bob@okta.local"),
        okta_create(5, "u2", &bob),
        okta_read(6, "u1"),
        okta_put(7, "u1", OperationKind::Update, &renamed),
        okta_read(8, "u2"),
        okta_put(9, "u2", OperationKind::Deactivate, &off),
    ];
    let users = vec![
        facts("u1", "ada@okta.local", Idp::Okta, &ada, Some("Admin")),
        facts("u2", "bob@okta.local", Idp::Okta, &bob, Some("Member")),
    ];
    let list = evaluate(&input(Idp::Okta, &exs, &users));
    for item in &list.items {
        assert_eq!(item.status, Pass, "{}: {}", item.id, item.summary);
    }
    assert_eq!(list.score.pass as usize, OKTA_RULES.len());
}

/// The guide's Entra setup (employeeType added at the top level), then the same guide taken
/// literally — `IsSoftDeleted → active` removed with the rest — with one admin typing the
/// target attribute as `EmployeeType`.
#[test]
fn entra_guide_and_guide_literal_end_to_end() {
    let ada = entra_guide_body("ada@contoso.com", Some("Admin"), At::Top);
    let rename = |id| {
        entra_patch(
            id,
            "u1",
            OperationKind::Update,
            &serde_json::json!([{"op": "Replace", "path": "displayName", "value": "Ada King"}]),
        )
    };
    let deactivate = entra_patch(
        5,
        "u1",
        OperationKind::Deactivate,
        &serde_json::json!([{"op": "Replace", "path": "active", "value": "False"}]),
    );
    let exs = vec![
        entra_probe(1, 200),
        entra_match(2, "ada@contoso.com"),
        entra_create(3, "u1", &ada),
        rename(4),
        deactivate,
    ];
    let users = vec![facts(
        "u1",
        "ada@contoso.com",
        Idp::Entra,
        &ada,
        Some("Admin"),
    )];
    let list = evaluate(&input(Idp::Entra, &exs, &users));
    for item in &list.items {
        assert_eq!(item.status, Pass, "{}: {}", item.id, item.summary);
    }

    let mut ada = entra_guide_body("ada@contoso.com", Some("Admin"), At::Custom);
    ada.as_object_mut().map(|o| o.remove("active"));
    let mut bob = entra_guide_body("bob@contoso.com", None, At::Custom);
    bob.as_object_mut().map(|o| o.remove("active"));
    bob[TESTMAIL_EXT] = serde_json::json!({"EmployeeType": "Admin"});
    let exs = vec![
        entra_probe(1, 200),
        entra_create(3, "u1", &ada),
        entra_create(4, "u2", &bob),
        rename(5),
    ];
    let users = vec![
        facts("u1", "ada@contoso.com", Idp::Entra, &ada, Some("Admin")),
        facts("u2", "bob@contoso.com", Idp::Entra, &bob, None),
    ];
    let list = evaluate(&input(Idp::Entra, &exs, &users));
    let expected = [
        ("connection.test", Pass),
        ("auth.header", Pass),
        ("answers.ok", Pass),
        ("attributes.required", Pass),
        ("attributes.extra", Pass),
        ("attributes.name-case", Fail),
        ("roles.present", Pass),
        ("roles.valid", Pass),
        ("entra.active-mapped", Fail),
        ("lifecycle.updates", Pass),
        ("lifecycle.deactivation", NotYetSeen),
        ("entra.patch-dialect", Pass),
    ];
    for (id, status) in expected {
        assert_eq!(status_of(&list, id), status, "{id}: {:?}", list.items);
    }
    let case = list.items.iter().find(|i| i.id == "attributes.name-case");
    assert!(
        case.is_some_and(|i| i.summary.contains("bob@contoso.com") && i.evidence == vec![4]),
        "{case:?}"
    );
    let active = list.items.iter().find(|i| i.id == "entra.active-mapped");
    assert!(
        active.is_some_and(|i| i.evidence == vec![3, 4, 5]
            && i.summary
                .contains("no deactivation will ever reach the app")),
        "{active:?}"
    );
}

/// A create a fault rule answered `status` (with `retry_after`), before any handler.
fn faulted_create(id: i64, user_name: &str, status: u16, retry_after: Option<u32>) -> Exchange {
    let mut e = ex(
        id,
        Idp::Entra,
        "POST",
        "/scim/v2/Users",
        status,
        OperationKind::Create,
    )
    .with_body(&entra_user_body(user_name, None));
    e.summary.resource_name = Some(user_name.into());
    e.summary.fault = Some(crate::model::FaultMark {
        rule_id: 1,
        rule_name: "escrow".into(),
        did: format!("answered {status}"),
        subject: Some(user_name.into()),
        retry_after,
        wrote: false,
    });
    e
}

#[test]
fn rehearsed_faults_are_reported_apart_and_never_fail_the_setup() {
    // Without a rehearsal there is no such line.
    let plain = [entra_create(1, "u1", &entra_user_body("ada@x.test", None))];
    let list = evaluate(&input(Idp::Entra, &plain, &[]));
    assert!(list.items.iter().all(|i| i.id != "faults.reactions"));

    // A create answered 500 on purpose, then Entra's lookup and a successful create.
    let body = entra_user_body("bob@x.test", None);
    let rehearsal = [
        faulted_create(10, "bob@x.test", 500, None),
        entra_match(11, "bob@x.test"),
        entra_create(12, "u2", &body),
    ];
    let list = evaluate(&input(Idp::Entra, &rehearsal, &[]));
    let item = list
        .items
        .iter()
        .find(|i| i.id == "faults.reactions")
        .expect("the rehearsal is reported");
    assert_eq!(item.status, Pass, "{}", item.summary);
    assert!(
        item.summary
            .starts_with("1 request answered by a fault rule"),
        "{}",
        item.summary
    );
    assert!(item.summary.contains("retry"), "{}", item.summary);
    assert_eq!(item.evidence, [10]);
    // The rehearsed 500 is not the setup's failure.
    assert_eq!(status_of(&list, "answers.ok"), Pass);

    // Retried sooner than Retry-After asked: a warning with the fix.
    let mut early = entra_create(13, "u3", &entra_user_body("cy@x.test", None));
    early.summary.at = "2025-06-01T10:14:00.100Z".into();
    let mut throttled = faulted_create(12, "cy@x.test", 429, Some(30));
    throttled.summary.at = "2025-06-01T10:14:00.000Z".into();
    let list = evaluate(&input(Idp::Entra, &[throttled, early], &[]));
    let item = list
        .items
        .iter()
        .find(|i| i.id == "faults.reactions")
        .expect("reported");
    assert_eq!(item.status, Warn, "{}", item.summary);
    assert!(item.fix.as_deref().unwrap_or("").contains("Retry-After"));
}
