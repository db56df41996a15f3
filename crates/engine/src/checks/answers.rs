//! `answers.ok`: the IdP's requests were answered successfully, judged by operation from the
//! answers actually given — strict mode's 400s, conflicts, missing resources and server errors
//! included — never from what tolerant mode would have done.
//!
//! Refusals of the key (401) are the Authorization rule's (`auth.header`); everything else the
//! IdP sent with the key counts here. A failed write (create, update, deactivation, membership)
//! fails the item: the IdP's user is not what the admin thinks. A failed read or lookup only
//! warns (the IdP retries them, and a 404 on a GET of a deleted user is part of its flow).

use super::traffic::{count, id_ref, list};
use super::{Check, CheckInput, CheckItem};
use crate::diagnosis::diagnose;
use crate::model::{Exchange, OperationKind};

const CHECK: Check = Check::new("answers.ok", "requests answered successfully");

/// Operations whose failure leaves the app's data other than the IdP believes.
const WRITES: &[OperationKind] = &[
    OperationKind::Create,
    OperationKind::Update,
    OperationKind::Deactivate,
    OperationKind::Reactivate,
    OperationKind::Delete,
    OperationKind::GroupCreate,
    OperationKind::GroupUpdate,
    OperationKind::GroupMembership,
    OperationKind::GroupDelete,
];

/// Whether a failure of `op` leaves the app's data other than the IdP believes.
pub(super) fn is_write(op: OperationKind) -> bool {
    WRITES.contains(&op)
}

/// `answers.ok` (see the module docs).
pub(super) fn answered_ok(input: &CheckInput<'_>) -> CheckItem {
    let sent: Vec<&Exchange> = input
        .traffic()
        // A fault rule's answers are rehearsals (`faults.reactions` reports them).
        .filter(|e| {
            e.summary.status != 401
                && e.summary.fold_count.is_none()
                && !super::rehearsals::rehearsed(e)
        })
        .collect();
    if sent.is_empty() {
        return CHECK.not_yet_seen(format!(
            "no request with the key from {} yet",
            super::idp_name(input.idp)
        ));
    }
    // Per operation, in order of first appearance: (operation, requests, failures).
    let mut ops: Vec<(OperationKind, usize, Vec<&Exchange>)> = Vec::new();
    for e in &sent {
        let failed = e.summary.failed();
        match ops.iter_mut().find(|(op, _, _)| *op == e.summary.operation) {
            Some((_, n, f)) => {
                *n += 1;
                if failed {
                    f.push(e);
                }
            }
            None => ops.push((
                e.summary.operation,
                1,
                if failed { vec![*e] } else { Vec::new() },
            )),
        }
    }
    let failing: Vec<&(OperationKind, usize, Vec<&Exchange>)> =
        ops.iter().filter(|(_, _, f)| !f.is_empty()).collect();
    if failing.is_empty() {
        return CHECK.pass(
            format!(
                "all {} answered 2xx: {}",
                count(sent.len(), "request", "requests"),
                list(
                    &ops.iter()
                        .map(|(op, n, _)| format!("{n} {}", op.noun().1))
                        .collect::<Vec<_>>(),
                    8
                )
            ),
            sent.last().map(|e| e.summary.id),
        );
    }
    let parts: Vec<String> = failing
        .iter()
        .map(|(op, n, f)| {
            let latest = f[f.len() - 1];
            let why = diagnose(latest).map(|d| d.title).unwrap_or_default();
            format!(
                "{} of {n} {} failed (latest {} answered {}: {why})",
                f.len(),
                op.noun().1,
                id_ref(latest),
                latest.summary.status
            )
        })
        .collect();
    let mut fixes: Vec<String> = Vec::new();
    for (_, _, f) in &failing {
        if let Some(d) = diagnose(f[f.len() - 1])
            && !fixes.contains(&d.fix)
        {
            fixes.push(d.fix);
        }
    }
    let evidence = failing
        .iter()
        .flat_map(|(_, _, f)| f.iter().map(|e| e.summary.id))
        .collect::<Vec<_>>();
    let summary = parts.join("; ");
    if failing.iter().any(|(op, _, _)| WRITES.contains(op)) {
        CHECK.fail(summary, evidence, fixes.join("; "))
    } else {
        CHECK.warn(summary, evidence, fixes.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::super::{CheckStatus, UserFacts};
    use super::*;
    use crate::model::Idp;
    use scimlab_scim::Quirk;
    use serde_json::json;

    fn run(idp: Idp, exchanges: &[Exchange]) -> CheckItem {
        let users: Vec<std::sync::Arc<UserFacts>> = Vec::new();
        answered_ok(&CheckInput::new(idp, exchanges, &users))
    }

    #[test]
    fn strict_mode_refusals_fail_the_item_with_the_quirk_behind_them() {
        let body = json!({"userName": "ada@example.com", "name": "Ada Lovelace"});
        let mut refused = okta_create(3, "u1", &body);
        refused.summary.status = 400;
        refused.summary.resource_id = None;
        refused.summary.refused_quirk = Some(Quirk::StringName.label().to_owned());
        refused.response_body = Some(
            r#"{"status":"400","scimType":"invalidValue","detail":"'name' is a string (strict mode)"}"#
                .into(),
        );
        let ok = okta_create(4, "u2", &json!({"userName": "b@example.com"}));
        let item = run(Idp::Okta, &[okta_probe(1, 200), refused, ok]);
        assert_eq!(item.status, CheckStatus::Fail, "{item:?}");
        assert!(
            item.summary.contains("1 of 2 creates failed"),
            "{}",
            item.summary
        );
        assert!(
            item.summary.contains("okta.string-name"),
            "{}",
            item.summary
        );
        assert_eq!(item.evidence, vec![3]);
        assert!(item.fix.unwrap().contains("strict mode"));
    }

    #[test]
    fn all_answered_passes_and_a_failed_read_only_warns() {
        let ok = run(Idp::Entra, &[entra_probe(1, 200), entra_match(2, "a@b.c")]);
        assert_eq!(ok.status, CheckStatus::Pass, "{ok:?}");
        assert!(
            ok.summary.contains("all 2 requests answered 2xx"),
            "{}",
            ok.summary
        );
        let mut gone = okta_read(5, "missing");
        gone.summary.status = 404;
        gone.summary.path = "/scim/v2/Users/missing".into();
        let warn = run(Idp::Okta, &[okta_probe(1, 200), gone]);
        assert_eq!(warn.status, CheckStatus::Warn, "{warn:?}");
        // The key's refusals belong to auth.header, and another IdP's failures to its list.
        let refused = run(Idp::Okta, &[okta_refused(1, Some("Bearer"))]);
        assert_eq!(refused.status, CheckStatus::NotYetSeen);
        let mut entra_fail = entra_probe(2, 500);
        entra_fail.summary.status = 500;
        assert_eq!(
            run(Idp::Okta, &[okta_probe(1, 200), entra_fail]).status,
            CheckStatus::Pass
        );
    }
}
