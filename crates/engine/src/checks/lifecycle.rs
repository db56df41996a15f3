//! The lifecycle rules: profile updates reach the endpoint (`lifecycle.updates`: Entra's PATCH,
//! Okta's PUT or PATCH), so do deactivations (`lifecycle.deactivation`: Entra's soft delete
//! through the `IsSoftDeleted → active` mapping, Okta's "Deactivate Users" under To App), and
//! Entra's soft-delete mapping survived the guide's "remove every mapping except userName"
//! (`entra.active-mapped`: creates and updates without `active` mean no deactivation will ever
//! arrive).
//!
//! The first two are judged on the latest such request, because the IdP retries a failure
//! until it passes (Entra on every cycle, Okta from its Tasks list). When a failure shows a
//! quirk that Entra's `aadOptscim062020` flag removes, the fix says so.

use super::traffic::{answer, count, has_quirk, id_ref, succeeded};
use super::{Check, CheckInput, CheckItem, idp_name};
use crate::model::{Exchange, Idp, OperationKind};
use scimlab_scim::Quirk;

const UPDATES: Check = Check::new("lifecycle.updates", "profile updates seen");

/// `lifecycle.updates`: pass when the latest user update the IdP sent succeeded; fail when it
/// failed (with what was refused and where the IdP shows it); not yet seen before any update.
pub(super) fn profile_updates(input: &CheckInput<'_>) -> CheckItem {
    let updates = input.of_kind(&[OperationKind::Update]);
    let Some(&last) = updates.last() else {
        return UPDATES.not_yet_seen(match input.idp {
            Idp::Okta => {
                "no profile update from Okta yet: check Update User Attributes is enabled under Provisioning → To App, then change a provisioned user's profile"
            }
            _ => {
                "no profile update from Entra ID yet: change a mapped attribute of a provisioned user (e.g. Display name), then use Provision on demand or wait for the next cycle (about 40 minutes)"
            }
        });
    };
    if !succeeded(last) {
        let failing = trailing_failures(&updates);
        return UPDATES.fail(
            format!(
                "the latest update from {} ({}) failed with {}{}",
                idp_name(input.idp),
                id_ref(last),
                answer(last),
                earlier(&failing)
            ),
            failing.iter().map(|e| e.summary.id),
            failure_fix(input.idp, last, "update"),
        );
    }
    let ok = updates.iter().filter(|e| succeeded(e)).count();
    let how = methods(&updates);
    UPDATES.pass(
        format!(
            "{} from {} applied (latest {}, by {how})",
            count(ok, "profile update", "profile updates"),
            idp_name(input.idp),
            id_ref(last)
        ),
        [last.summary.id],
    )
}

const DEACTIVATION: Check = Check::new("lifecycle.deactivation", "deactivation seen");

/// `lifecycle.deactivation`: pass when the latest deactivation succeeded; fail when it failed.
/// Before any deactivation, Entra gets a warning when users were deleted without being
/// deactivated (the soft-delete mapping is likely missing); creates that carry no `active` are
/// `entra.active-mapped`'s failure, and this item stays not yet seen saying so; otherwise not
/// yet seen, saying how to produce one.
pub(super) fn deactivation(input: &CheckInput<'_>) -> CheckItem {
    let deactivations = input.of_kind(&[OperationKind::Deactivate]);
    if let Some(&last) = deactivations.last() {
        if !succeeded(last) {
            let failing = trailing_failures(&deactivations);
            return DEACTIVATION.fail(
                format!(
                    "the latest deactivation from {} ({}) failed with {}{}",
                    idp_name(input.idp),
                    id_ref(last),
                    answer(last),
                    earlier(&failing)
                ),
                failing.iter().map(|e| e.summary.id),
                failure_fix(input.idp, last, "deactivation"),
            );
        }
        let ok = deactivations.iter().filter(|e| succeeded(e)).count();
        let shape = match input.idp {
            Idp::Entra if has_quirk(last, Quirk::StringBoolean) => {
                ", active sent as the string \"False\" (Entra ID's default dialect)"
            }
            Idp::Entra => ", active sent as a boolean",
            _ if last.summary.method.eq_ignore_ascii_case("PUT") => {
                ", as a full PUT with active false"
            }
            _ => ", as a PATCH of active",
        };
        return DEACTIVATION.pass(
            format!(
                "{} deactivated {} (latest {}{shape})",
                idp_name(input.idp),
                count(ok, "user", "users"),
                id_ref(last)
            ),
            [last.summary.id],
        );
    }
    if input.idp == Idp::Okta {
        return DEACTIVATION.not_yet_seen(
            "no deactivation from Okta yet: unassign a test user from the app; if nothing arrives, enable Deactivate Users under Provisioning → To App",
        );
    }
    let deletes = input.of_kind(&[OperationKind::Delete]);
    if let Some(last) = deletes.iter().rev().find(|e| succeeded(e)) {
        return DEACTIVATION.warn(
            format!(
                "Entra ID deleted users ({}) without deactivating them first: the IsSoftDeleted → active mapping is likely missing",
                id_ref(last)
            ),
            deletes.iter().map(|e| e.summary.id),
            SOFT_DELETE_FIX,
        );
    }
    if active_gap(input).is_some() {
        // The verdict and its fix are `entra.active-mapped`'s; this item only says why nothing
        // can arrive, so one slip is not scored twice.
        return DEACTIVATION.not_yet_seen(
            "no deactivation from Entra ID yet, and none can arrive: its creates carry no active (see deactivation still mapped, entra.active-mapped)",
        );
    }
    DEACTIVATION.not_yet_seen(
        "no deactivation from Entra ID yet: remove a test user's assignment (Users and groups) or block its sign-in, then use Provision on demand or wait for the next cycle",
    )
}

/// How to restore Entra's soft-delete mapping.
const SOFT_DELETE_FIX: &str = "in the enterprise application open Provisioning → Mappings → Provision Microsoft Entra ID Users and keep or restore the mapping IsSoftDeleted → active: Add New Mapping, Mapping type Expression, Expression Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\") (the custom app's default), Target attribute active; Save, keep Update ticked under Target Object Actions, then use Provision on demand";

const ACTIVE: Check = Check::new(
    "entra.active-mapped",
    "deactivation still mapped (IsSoftDeleted → active)",
);

/// Evidence that Entra's `IsSoftDeleted → active` mapping is gone: the creates and updates
/// since the latest create that carried no `active`.
struct ActiveGap {
    /// Creates without `active` (from the latest run without it).
    creates: Vec<i64>,
    /// Updates after the latest such create, none carrying `active`.
    updates: Vec<i64>,
    /// How many creates were judged.
    judged: usize,
}

/// Whether Entra's creates show the soft-delete mapping missing: the latest create carried no
/// `active` and no write since did (an `active` on a later write, or a deactivation, shows the
/// mapping is back). Judged on the captured creates; when none is captured any more, on the
/// stored users' create attributes.
fn active_gap(input: &CheckInput<'_>) -> Option<ActiveGap> {
    let has_active = |paths: &[String]| {
        paths
            .iter()
            .any(|p| super::traffic::PathParts::parse(p).is_core("active"))
    };
    let writes: Vec<&Exchange> = input
        .of_kind(&[
            OperationKind::Create,
            OperationKind::Update,
            OperationKind::Deactivate,
            OperationKind::Reactivate,
        ])
        .into_iter()
        .filter(|e| succeeded(e))
        .collect();
    let creates: Vec<&Exchange> = writes
        .iter()
        .copied()
        .filter(|e| e.summary.operation == OperationKind::Create)
        .collect();
    if creates.is_empty() {
        let users = input.idp_users();
        return (!users.is_empty() && users.iter().all(|u| !has_active(&u.attributes_sent))).then(
            || ActiveGap {
                creates: Vec::new(),
                updates: Vec::new(),
                judged: users.len(),
            },
        );
    }
    let last = creates.last()?;
    if has_active(&input.written_paths(last)) {
        return None;
    }
    let after: Vec<&Exchange> = writes
        .iter()
        .copied()
        .filter(|e| e.summary.id > last.summary.id)
        .collect();
    if after.iter().any(|e| {
        e.summary.operation != OperationKind::Update || has_active(&input.written_paths(e))
    }) {
        return None;
    }
    let run: Vec<i64> = creates
        .iter()
        .rev()
        .take_while(|e| !has_active(&input.written_paths(e)))
        .map(|e| e.summary.id)
        .collect();
    Some(ActiveGap {
        creates: run,
        updates: after
            .iter()
            .filter(|e| e.summary.operation == OperationKind::Update)
            .map(|e| e.summary.id)
            .collect(),
        judged: creates.len(),
    })
}

/// `entra.active-mapped`: fail when Entra's latest creates (and the updates since) carry no
/// `active` — the guide's "remove every mapping except userName", taken literally, removes
/// `IsSoftDeleted → active` too, and then no deactivation ever reaches the app; pass when the
/// creates carry `active` or a deactivation arrived; not yet seen before Entra creates a user.
pub(super) fn entra_active_mapped(input: &CheckInput<'_>) -> CheckItem {
    let created = input
        .of_kind(&[OperationKind::Create])
        .into_iter()
        .any(succeeded);
    if !created && input.idp_users().is_empty() {
        return ACTIVE.not_yet_seen(
            "Entra ID has not created a user yet: its creates show whether IsSoftDeleted → active is still mapped",
        );
    }
    if let Some(gap) = active_gap(input) {
        let what = if gap.creates.is_empty() {
            format!(
                "the {} Entra ID created carried no active",
                count(gap.judged, "user", "users")
            )
        } else {
            let mut w = format!(
                "Entra ID's {} carried no active",
                match gap.creates.len() {
                    n if n == gap.judged => count(n, "create", "creates"),
                    1 => "latest create".to_owned(),
                    n => format!("latest {n} creates"),
                }
            );
            if !gap.updates.is_empty() {
                w.push_str(&format!(
                    ", nor did the {} since",
                    count(gap.updates.len(), "update", "updates")
                ));
            }
            w
        };
        return ACTIVE.fail(
            format!(
                "{what}: the IsSoftDeleted → active mapping is gone (the guide's \"remove every mapping except userName\", taken literally, removes it too), so no deactivation will ever reach the app — unassigned or blocked users stay active there"
            ),
            gap.creates.iter().chain(&gap.updates).copied(),
            SOFT_DELETE_FIX,
        );
    }
    let deactivated = input
        .of_kind(&[OperationKind::Deactivate])
        .into_iter()
        .rfind(|e| succeeded(e));
    if let Some(d) = deactivated {
        return ACTIVE.pass(
            format!(
                "Entra ID deactivated a user ({}): IsSoftDeleted → active is mapped",
                id_ref(d)
            ),
            [d.summary.id],
        );
    }
    let latest = input
        .of_kind(&[
            OperationKind::Create,
            OperationKind::Update,
            OperationKind::Reactivate,
        ])
        .into_iter()
        .rfind(|e| {
            succeeded(e)
                && input
                    .written_paths(e)
                    .iter()
                    .any(|p| super::traffic::PathParts::parse(p).is_core("active"))
        });
    ACTIVE.pass(
        match latest {
            Some(e) => format!(
                "Entra ID sends active (latest {}): IsSoftDeleted → active is mapped, so deactivations can arrive",
                id_ref(e)
            ),
            None => "the users Entra ID created carried active: IsSoftDeleted → active is mapped, so deactivations can arrive".to_owned(),
        },
        latest.map(|e| e.summary.id),
    )
}

/// The failed requests at the end of `all` (since the last success), oldest first.
fn trailing_failures<'a>(all: &[&'a Exchange]) -> Vec<&'a Exchange> {
    let mut out: Vec<&Exchange> = all
        .iter()
        .rev()
        .take_while(|e| !succeeded(e))
        .copied()
        .collect();
    out.reverse();
    out
}

fn earlier(failing: &[&Exchange]) -> String {
    match failing.len() {
        0 | 1 => String::new(),
        n => format!(" ({} failed in a row)", count(n, "request", "requests")),
    }
}

/// How to fix a failed write: Entra's dialect flag when the failure shows one of its quirks,
/// otherwise where the IdP reports the failure and how to retry it.
fn failure_fix(idp: Idp, ex: &Exchange, what: &str) -> String {
    let dialect = [Quirk::CapitalizedOp, Quirk::StringBoolean]
        .into_iter()
        .find(|q| has_quirk(ex, *q));
    match (idp, dialect) {
        (Idp::Entra, Some(q)) => format!(
            "the {what} relied on {} and was refused (ScimLab in strict mode, as a strict app would): either the production app must accept Entra ID's default dialect, or append ?aadOptscim062020 to the Tenant URL under Provisioning → Admin Credentials so Entra ID sends lowercase ops and real booleans (Provision on demand ignores the flag)",
            q.label()
        ),
        (Idp::Okta, _) => format!(
            "read the endpoint's answer in the exchange and fix its cause; Okta lists the failed {what} under Dashboard → Tasks, where you retry it once fixed"
        ),
        _ => format!(
            "read the endpoint's answer in the exchange and fix its cause; Entra ID shows the same error under Monitor → Provisioning logs and retries the {what} on every cycle, or use Provision on demand to retry now"
        ),
    }
}

/// `PATCH` / `PUT` / `PATCH and PUT`, as the requests in `all` used.
fn methods(all: &[&Exchange]) -> String {
    let has = |m: &str| all.iter().any(|e| e.summary.method.eq_ignore_ascii_case(m));
    match (has("PATCH"), has("PUT")) {
        (true, true) => "PATCH and PUT".to_owned(),
        (false, true) => "PUT".to_owned(),
        _ => "PATCH".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckStatus::{Fail, NotYetSeen, Pass, Warn};
    use crate::checks::testkit::*;
    use serde_json::json;

    fn rename(id: i64) -> Exchange {
        entra_patch(
            id,
            "u1",
            OperationKind::Update,
            &json!([{"op": "Replace", "path": "displayName", "value": "Pvlo"}]),
        )
    }

    fn entra_deactivate(id: i64) -> Exchange {
        entra_patch(
            id,
            "u1",
            OperationKind::Deactivate,
            &json!([{"op": "Replace", "path": "active", "value": "False"}]),
        )
    }

    fn failed(mut e: Exchange, status: u16, detail: &str) -> Exchange {
        e.summary.status = status;
        e.with_answer(&json!({"status": status.to_string(), "detail": detail}))
    }

    #[test]
    fn updates_pass_fail_and_not_yet_seen() {
        let item = profile_updates(&input(Idp::Entra, &[rename(4)], &[]));
        assert_eq!(item.status, Pass, "{}", item.summary);
        assert_eq!(
            item.summary,
            "1 profile update from Entra ID applied (latest #4, by PATCH)"
        );
        assert_eq!(item.evidence, vec![4]);

        let exs = [
            rename(4),
            failed(rename(5), 400, "unsupported patch op 'Replace'"),
            failed(rename(6), 400, "unsupported patch op 'Replace'"),
        ];
        let item = profile_updates(&input(Idp::Entra, &exs, &[]));
        assert_eq!(item.status, Fail);
        assert!(
            item.summary
                .contains("(#6) failed with 400 ('unsupported patch op 'Replace'')"),
            "{}",
            item.summary
        );
        assert!(
            item.summary.ends_with("(2 requests failed in a row)"),
            "{}",
            item.summary
        );
        assert_eq!(item.evidence, vec![5, 6]);
        assert!(item.fix.unwrap_or_default().contains("?aadOptscim062020"));

        let item = profile_updates(&input(Idp::Okta, &[], &[]));
        assert_eq!(item.status, NotYetSeen);
        assert!(
            item.summary.contains("Update User Attributes"),
            "{}",
            item.summary
        );
    }

    #[test]
    fn okta_updates_by_put_and_their_failures() {
        let body = okta_user_body("t@okta.local", Some("Admin"), true);
        let item = profile_updates(&input(
            Idp::Okta,
            &[
                okta_read(4, "u1"),
                okta_put(5, "u1", OperationKind::Update, &body),
            ],
            &[],
        ));
        assert_eq!(item.status, Pass);
        assert!(item.summary.ends_with("by PUT)"), "{}", item.summary);
        let put = failed(
            okta_put(5, "u1", OperationKind::Update, &body),
            500,
            "internal error",
        );
        let item = profile_updates(&input(Idp::Okta, &[put], &[]));
        assert_eq!(item.status, Fail);
        assert!(item.fix.unwrap_or_default().contains("Dashboard → Tasks"));
    }

    #[test]
    fn deactivation_pass_and_fail() {
        let item = deactivation(&input(Idp::Entra, &[rename(4), entra_deactivate(5)], &[]));
        assert_eq!(item.status, Pass);
        assert!(
            item.summary.contains("string \"False\""),
            "{}",
            item.summary
        );
        assert_eq!(item.evidence, vec![5]);

        let d = failed(entra_deactivate(6), 400, "'False' is not a boolean");
        let item = deactivation(&input(Idp::Entra, &[entra_deactivate(5), d], &[]));
        assert_eq!(item.status, Fail);
        let fix = item.fix.unwrap_or_default();
        assert!(
            fix.contains("relied on entra.capitalized-op") && fix.contains("?aadOptscim062020"),
            "{fix}"
        );

        let body = okta_user_body("t@okta.local", Some("Admin"), true);
        let off = okta_patch(
            7,
            "u1",
            OperationKind::Deactivate,
            &json!({"active": false}),
        );
        let item = deactivation(&input(Idp::Okta, &[okta_create(3, "u1", &body), off], &[]));
        assert_eq!(item.status, Pass);
        assert!(
            item.summary.ends_with("as a PATCH of active)"),
            "{}",
            item.summary
        );
        let off = failed(
            okta_put(8, "u1", OperationKind::Deactivate, &body),
            409,
            "conflict",
        );
        let item = deactivation(&input(Idp::Okta, &[off], &[]));
        assert_eq!(item.status, Fail);
    }

    #[test]
    fn entra_soft_delete_mapping_missing_warns() {
        // Deleted without deactivation.
        let del = ex(
            9,
            Idp::Entra,
            "DELETE",
            "/scim/v2/Users/u1",
            204,
            OperationKind::Delete,
        )
        .with_user("u1", None);
        let item = deactivation(&input(Idp::Entra, &[del], &[]));
        assert_eq!(item.status, Warn);
        assert!(
            item.fix
                .unwrap_or_default()
                .contains("IsSoftDeleted → active")
        );
        // Creates without active: entra.active-mapped fails; this item only says why nothing
        // can arrive, without scoring the slip a second time.
        let mut body = entra_user_body("a@x", Some("Admin"));
        body.as_object_mut().unwrap().remove("active");
        let users = vec![facts("u1", "a@x", Idp::Entra, &body, Some("Admin"))];
        let item = deactivation(&input(Idp::Entra, &[entra_create(3, "u1", &body)], &users));
        assert_eq!(item.status, NotYetSeen);
        assert!(
            item.summary.contains("none can arrive")
                && item.summary.contains("entra.active-mapped"),
            "{}",
            item.summary
        );
    }

    /// The guide's entra create taken literally: every mapping but userName removed, then
    /// displayName, mail and employeeType added — `IsSoftDeleted → active` went with the rest.
    fn literal_create(id: i64, user: &str) -> Exchange {
        let mut body = entra_guide_body(&format!("{user}@contoso.com"), Some("Admin"), At::Custom);
        body.as_object_mut().unwrap().remove("active");
        entra_create(id, user, &body)
    }

    #[test]
    fn entra_creates_and_updates_without_active_fail() {
        let exs = [literal_create(3, "u1"), literal_create(4, "u2"), rename(5)];
        let item = entra_active_mapped(&input(Idp::Entra, &exs, &[]));
        assert_eq!(item.status, Fail);
        assert_eq!(
            item.summary,
            "Entra ID's 2 creates carried no active, nor did the 1 update since: the IsSoftDeleted → active mapping is gone (the guide's \"remove every mapping except userName\", taken literally, removes it too), so no deactivation will ever reach the app — unassigned or blocked users stay active there"
        );
        assert_eq!(item.evidence, vec![3, 4, 5]);
        let fix = item.fix.unwrap_or_default();
        assert!(
            fix.starts_with("in the enterprise application open Provisioning → Mappings → Provision Microsoft Entra ID Users")
                && fix.contains("keep or restore the mapping IsSoftDeleted → active")
                && fix.contains("Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")"),
            "{fix}"
        );
        // Judged on the latest run: an earlier create with active does not save it.
        let ok = entra_create(
            2,
            "u0",
            &entra_guide_body("z@contoso.com", Some("Admin"), At::Top),
        );
        let item = entra_active_mapped(&input(Idp::Entra, &[ok, literal_create(3, "u1")], &[]));
        assert_eq!(item.status, Fail);
        assert!(
            item.summary
                .starts_with("Entra ID's latest create carried no active"),
            "{}",
            item.summary
        );
        assert_eq!(item.evidence, vec![3]);
        // No create captured any more: the stored users' create attributes tell.
        let mut body = entra_guide_body("a@contoso.com", Some("Admin"), At::Top);
        body.as_object_mut().unwrap().remove("active");
        let users = vec![facts(
            "u1",
            "a@contoso.com",
            Idp::Entra,
            &body,
            Some("Admin"),
        )];
        let item = entra_active_mapped(&input(Idp::Entra, &[], &users));
        assert_eq!(item.status, Fail);
        assert!(
            item.summary
                .starts_with("the 1 user Entra ID created carried no active"),
            "{}",
            item.summary
        );
    }

    #[test]
    fn entra_active_mapped_passes_on_active_or_a_deactivation() {
        let create = entra_create(
            3,
            "u1",
            &entra_guide_body("a@contoso.com", Some("Admin"), At::Top),
        );
        let item = entra_active_mapped(&input(Idp::Entra, &[create, rename(4)], &[]));
        assert_eq!(item.status, Pass, "{}", item.summary);
        assert_eq!(
            item.summary,
            "Entra ID sends active (latest #3): IsSoftDeleted → active is mapped, so deactivations can arrive"
        );
        assert_eq!(item.evidence, vec![3]);
        // The mapping restored after literal creates: the next deactivation shows it.
        let item = entra_active_mapped(&input(
            Idp::Entra,
            &[literal_create(3, "u1"), entra_deactivate(6)],
            &[],
        ));
        assert_eq!(item.status, Pass, "{}", item.summary);
        assert!(
            item.summary.starts_with("Entra ID deactivated a user (#6)"),
            "{}",
            item.summary
        );
        assert_eq!(item.evidence, vec![6]);
        // Or a later update that carries active again.
        let back = entra_patch(
            7,
            "u1",
            OperationKind::Update,
            &json!([{"op": "Replace", "path": "active", "value": "True"}]),
        );
        let item = entra_active_mapped(&input(Idp::Entra, &[literal_create(3, "u1"), back], &[]));
        assert_eq!(item.status, Pass, "{}", item.summary);
        assert_eq!(item.evidence, vec![7]);
    }

    #[test]
    fn entra_active_mapped_not_yet_seen() {
        let item = entra_active_mapped(&input(Idp::Entra, &[], &[]));
        assert_eq!(item.status, NotYetSeen);
        // Okta's creates are not entra's evidence.
        let body = okta_guide_body("t@okta.local", Some("Admin"));
        let item = entra_active_mapped(&input(Idp::Entra, &[okta_create(3, "u1", &body)], &[]));
        assert_eq!(item.status, NotYetSeen);
        // A refused create made no user: nothing to judge yet.
        let mut refused = literal_create(4, "u2");
        refused.summary.status = 400;
        let item = entra_active_mapped(&input(Idp::Entra, &[refused], &[]));
        assert_eq!(item.status, NotYetSeen, "{}", item.summary);
    }

    #[test]
    fn deactivation_not_yet_seen() {
        let body = entra_user_body("a@x", Some("Admin"));
        let users = vec![facts("u1", "a@x", Idp::Entra, &body, Some("Admin"))];
        let item = deactivation(&input(Idp::Entra, &[entra_create(3, "u1", &body)], &users));
        assert_eq!(item.status, NotYetSeen);
        let item = deactivation(&input(Idp::Okta, &[], &[]));
        assert_eq!(item.status, NotYetSeen);
        assert!(
            item.summary.contains("Deactivate Users"),
            "{}",
            item.summary
        );
    }
}
