//! How the IdP writes, as seen on the wire: Entra's PATCH dialect (`entra.patch-dialect`: the
//! default capitalised ops and `"False"` strings, or the RFC-like lowercase dialect of the
//! `?aadOptscim062020` Tenant URL flag, which Provision on demand ignores) and Okta's update
//! mode (`okta.update-mode`: an App Integration Wizard app's full-replace PUT, or an OIN
//! template's PATCH).
//!
//! Both are mostly informational — ScimLab accepts every shape — and warn only when the traffic
//! mixes shapes in a way that means the admin is testing something other than what production
//! will see.

use super::traffic::{answer, count, has_quirk, id_ref, request_json};
use super::{Check, CheckInput, CheckItem};
use crate::model::{Exchange, OperationKind};
use scimlab_scim::Quirk;
use serde_json::Value;

const ENTRA: Check = Check::new(
    "entra.patch-dialect",
    "patch dialect (default or aadOptscim062020)",
);

/// The dialect one Entra PATCH was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    /// Capitalised ops (`Replace`), string booleans: Entra's default, and Provision on demand.
    Default,
    /// Lowercase ops, real booleans: the `aadOptscim062020` behaviour.
    Flagged,
}

/// The dialect of a PATCH from its ops (capitalised → default, all lowercase → flagged), or
/// from its quirk labels when the body was not captured; `None` when nothing tells.
fn dialect_of(ex: &Exchange) -> Option<Dialect> {
    if has_quirk(ex, Quirk::CapitalizedOp) || has_quirk(ex, Quirk::StringBoolean) {
        return Some(Dialect::Default);
    }
    let body = request_json(ex)?;
    let ops: Vec<&str> = body
        .get("Operations")
        .and_then(Value::as_array)?
        .iter()
        .filter_map(|o| o.get("op").and_then(Value::as_str))
        .collect();
    if ops.is_empty() {
        None
    } else if ops.iter().any(|o| o.starts_with(char::is_uppercase)) {
        Some(Dialect::Default)
    } else {
        Some(Dialect::Flagged)
    }
}

/// Whether the request's URL carried the `aadOptscim062020` flag.
fn flag_in_url(ex: &Exchange) -> bool {
    has_quirk(ex, Quirk::AadOptFlag)
        || ex
            .summary
            .query
            .to_ascii_lowercase()
            .contains("aadoptscim062020")
}

/// `entra.patch-dialect`: informational pass naming the one dialect seen; warn when both
/// dialects arrive from one tenant (typically Provision on demand, which ignores the flag,
/// next to the scheduled cycle) or when the flag is on the URL but PATCHes still use the default
/// dialect; not yet seen before Entra sends a PATCH.
pub(super) fn entra_patch_dialect(input: &CheckInput<'_>) -> CheckItem {
    let patches: Vec<(&Exchange, Dialect)> = input
        .traffic()
        .filter(|e| e.summary.method.eq_ignore_ascii_case("PATCH"))
        .filter_map(|e| dialect_of(e).map(|d| (e, d)))
        .collect();
    let flag_seen = input.traffic().any(flag_in_url);
    if let Some(item) = refused(ENTRA, patches.iter().map(|(e, _)| *e), "patch", "patches") {
        return item;
    }
    if patches.is_empty() {
        return ENTRA.not_yet_seen(if flag_seen {
            "no patch from Entra ID yet; the Tenant URL carries ?aadOptscim062020, so the scheduled cycle should send lowercase ops and real booleans"
        } else {
            "no patch from Entra ID yet: Entra ID patches a user when a mapped attribute changes or the user is deactivated"
        });
    }
    let default: Vec<&Exchange> = pick(&patches, Dialect::Default);
    let flagged: Vec<&Exchange> = pick(&patches, Dialect::Flagged);
    let on_demand_fix = "Provision on demand ignores ?aadOptscim062020 and always sends the default dialect, while the scheduled cycle (Start provisioning) honours the flag in the Tenant URL: make sure the production app accepts both dialects, or judge the flag's effect on a scheduled cycle only";
    let evidence = |list: &[&Exchange]| list.last().map(|e| e.summary.id);
    match (default.last(), flagged.last()) {
        (Some(d), Some(f)) => {
            let cause = if default.iter().any(|e| flag_in_url(e)) {
                "the default ones came with the flag on the URL, which is what Provision on demand does"
            } else {
                "likely Provision on demand next to the scheduled cycle, or the Tenant URL changed between runs"
            };
            ENTRA.warn(
                format!(
                    "both dialects arrived from this tenant: {} in the default dialect (capitalised ops, latest {}) and {} in the aadOptscim062020 dialect (lowercase ops, latest {}); {cause}",
                    count(default.len(), "patch", "patches"),
                    id_ref(d),
                    count(flagged.len(), "patch", "patches"),
                    id_ref(f)
                ),
                evidence(&default).into_iter().chain(evidence(&flagged)),
                on_demand_fix,
            )
        }
        (Some(d), None) if default.iter().any(|e| flag_in_url(e)) => ENTRA.warn(
            format!(
                "the Tenant URL carries ?aadOptscim062020 but {} still used the default dialect (capitalised ops, latest {}): the flag was ignored, as Provision on demand does",
                count(default.len(), "patch", "patches"),
                id_ref(d)
            ),
            [d.summary.id],
            on_demand_fix,
        ),
        (Some(d), None) => ENTRA.pass(
            format!(
                "Entra ID's default dialect: {} with capitalised ops and \"True\"/\"False\" strings (latest {}); ScimLab accepts it, a strict app may not — append ?aadOptscim062020 to the Tenant URL under Provisioning → Admin Credentials for the RFC-like dialect",
                count(default.len(), "patch", "patches"),
                id_ref(d)
            ),
            [d.summary.id],
        ),
        (None, Some(f)) => ENTRA.pass(
            format!(
                "the aadOptscim062020 dialect: {} with lowercase ops and real booleans (latest {}); note that Provision on demand ignores the flag and still sends the default dialect",
                count(flagged.len(), "patch", "patches"),
                id_ref(f)
            ),
            [f.summary.id],
        ),
        (None, None) => ENTRA.not_yet_seen("no patch from Entra ID yet"),
    }
}

/// A failing item when some of `sent` were refused (status 400 or more): the verdict rests on
/// the answers actually given (strict mode's 400s, faults), never on what tolerant mode would
/// have accepted.
fn refused<'a>(
    check: Check,
    sent: impl Iterator<Item = &'a Exchange>,
    one: &str,
    many: &str,
) -> Option<CheckItem> {
    let sent: Vec<&Exchange> = sent.collect();
    let failed: Vec<&Exchange> = sent
        .iter()
        .copied()
        .filter(|e| e.summary.failed() && !super::rehearsals::rehearsed(e))
        .collect();
    let latest = *failed.last()?;
    let quirks: Vec<String> = failed
        .iter()
        .filter_map(|e| e.summary.refused_quirk.clone())
        .fold(Vec::new(), |mut acc, q| {
            if !acc.contains(&q) {
                acc.push(q);
            }
            acc
        });
    let why = if quirks.is_empty() {
        answer(latest)
    } else {
        format!("strict mode refused {}", quirks.join(", "))
    };
    Some(
        check.fail(
            format!(
                "{} of {} {} refused (latest {}): {why}",
                failed.len(),
                sent.len(),
                if sent.len() == 1 { one } else { many },
                id_ref(latest)
            ),
            failed.iter().map(|e| e.summary.id),
            crate::diagnosis::diagnose(latest)
                .map(|d| d.fix)
                .unwrap_or_else(|| "read the answer's detail in the exchange".to_owned()),
        ),
    )
}

fn pick<'a>(all: &[(&'a Exchange, Dialect)], want: Dialect) -> Vec<&'a Exchange> {
    all.iter()
        .filter(|(_, d)| *d == want)
        .map(|(e, _)| *e)
        .collect()
}

const OKTA: Check = Check::new(
    "okta.update-mode",
    "update mode (put or patch, informational)",
);

/// `okta.update-mode`: informational pass naming how Okta writes users — PUT full replace (an
/// App Integration Wizard app, which cannot be switched), PATCH (an OIN template app), or PUT
/// for profile updates with PATCH for (de)activation (an OIN template as Okta documents it);
/// warn when profile updates arrive both ways (the app was switched, or two apps provision into
/// this endpoint); not yet seen before Okta updates or deactivates a user.
pub(super) fn okta_update_mode(input: &CheckInput<'_>) -> CheckItem {
    let writes = input.of_kind(&[
        OperationKind::Update,
        OperationKind::Deactivate,
        OperationKind::Reactivate,
    ]);
    if writes.is_empty() {
        return OKTA.not_yet_seen(
            "Okta has not updated or deactivated a user yet: change a provisioned user's profile in Okta",
        );
    }
    if let Some(item) = refused(OKTA, writes.iter().copied(), "write", "writes") {
        return item;
    }
    let is = |e: &&Exchange, m: &str| e.summary.method.eq_ignore_ascii_case(m);
    let updates: Vec<&Exchange> = writes
        .iter()
        .copied()
        .filter(|e| e.summary.operation == OperationKind::Update)
        .collect();
    let put_updates = updates.iter().filter(|e| is(e, "PUT")).count();
    let patch_updates = updates.iter().filter(|e| is(e, "PATCH")).count();
    let puts = writes.iter().filter(|e| is(e, "PUT")).count();
    let patches = writes.iter().filter(|e| is(e, "PATCH")).count();
    let evidence: Vec<i64> = writes.iter().map(|e| e.summary.id).collect();
    if put_updates > 0 && patch_updates > 0 {
        return OKTA.warn(
            format!(
                "profile updates arrived both as PUT ({put_updates}) and as PATCH ({patch_updates}): the app's update mode changed, or two Okta apps provision into this endpoint"
            ),
            evidence,
            "in Okta check Applications for a second app whose SCIM connector base URL points here and keep one; an App Integration Wizard app always sends PUT, an OIN template sends PATCH unless Okta support switched it to PUT",
        );
    }
    let summary = match (puts, patches) {
        (_, 0) => format!(
            "Okta writes users with PUT full replace ({}): an App Integration Wizard app, which reads each user (GET) and sends it back whole; it cannot be switched to PATCH",
            count(puts, "request", "requests")
        ),
        (0, _) => format!(
            "Okta writes users with PATCH ({}): an OIN SCIM template app (App Integration Wizard apps always use PUT)",
            count(patches, "request", "requests")
        ),
        _ => format!(
            "Okta sends profile updates with PUT full replace and (de)activation with PATCH ({} and {}): an OIN SCIM template app as Okta's SCIM 2.0 reference describes it",
            count(puts, "put", "puts"),
            count(patches, "patch", "patches")
        ),
    };
    OKTA.pass(summary, evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckStatus::{self, NotYetSeen, Pass, Warn};
    use crate::checks::testkit::*;
    use crate::model::Idp;
    use serde_json::json;

    fn default_patch(id: i64) -> Exchange {
        entra_patch(
            id,
            "u1",
            OperationKind::Update,
            &json!([{"op": "Replace", "path": "displayName", "value": "Pvlo"}]),
        )
    }

    fn flagged_patch(id: i64) -> Exchange {
        let mut e = entra_patch(
            id,
            "u1",
            OperationKind::Update,
            &json!([
                {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "a@b.c"},
                {"op": "replace", "value": {"displayName": "Bjfe", "name.givenName": "Kkom"}}
            ]),
        )
        .with_quirks(&[Quirk::AadOptFlag, Quirk::PathlessDottedKey]);
        e.summary.query = "aadOptscim062020".into();
        e
    }

    fn run(exs: &[Exchange]) -> CheckItem {
        entra_patch_dialect(&input(Idp::Entra, exs, &[]))
    }

    #[test]
    fn one_dialect_is_an_informational_pass() {
        let item = run(&[default_patch(4)]);
        assert_eq!(item.status, Pass);
        assert!(
            item.summary
                .starts_with("Entra ID's default dialect: 1 patch"),
            "{}",
            item.summary
        );
        let item = run(&[flagged_patch(4), flagged_patch(5)]);
        assert_eq!(item.status, Pass);
        assert!(
            item.summary
                .contains("Provision on demand ignores the flag"),
            "{}",
            item.summary
        );
        assert_eq!(item.evidence, vec![5]);
    }

    #[test]
    fn both_dialects_warn_about_on_demand() {
        let item = run(&[flagged_patch(4), default_patch(5)]);
        assert_eq!(item.status, Warn);
        assert!(
            item.summary.starts_with("both dialects arrived"),
            "{}",
            item.summary
        );
        assert!(
            item.summary.contains("Tenant URL changed"),
            "{}",
            item.summary
        );
        assert_eq!(item.evidence, vec![4, 5]);
        assert!(
            item.fix
                .unwrap_or_default()
                .contains("Provision on demand ignores")
        );
        // The default one with the flag on its URL: on demand, said plainly.
        let mut on_demand = default_patch(6);
        on_demand.summary.query = "aadOptscim062020".into();
        let item = run(&[flagged_patch(4), on_demand.clone()]);
        assert!(
            item.summary
                .contains("which is what Provision on demand does"),
            "{}",
            item.summary
        );
        // Only on-demand runs with the flag set: the flag was ignored.
        let item = run(&[on_demand]);
        assert_eq!(item.status, Warn);
        assert!(
            item.summary.contains("the flag was ignored"),
            "{}",
            item.summary
        );
    }

    #[test]
    fn dialect_not_yet_seen() {
        assert_eq!(run(&[]).status, NotYetSeen);
        let mut probe = entra_probe(1, 200);
        probe.summary.query.push_str("&aadOptscim062020");
        let item = run(&[probe]);
        assert_eq!(item.status, NotYetSeen);
        assert!(
            item.summary.contains("carries ?aadOptscim062020"),
            "{}",
            item.summary
        );
        // Okta's lowercase patches are not entra's dialect.
        let p = okta_patch(
            2,
            "u1",
            OperationKind::Deactivate,
            &json!({"active": false}),
        );
        assert_eq!(run(&[p]).status, NotYetSeen);
    }

    #[test]
    fn okta_modes() {
        let body = okta_user_body("t@okta.local", Some("Admin"), true);
        let put = |id| okta_put(id, "u1", OperationKind::Update, &body);
        let item = okta_update_mode(&input(Idp::Okta, &[put(4), put(6)], &[]));
        assert_eq!(item.status, Pass);
        assert!(
            item.summary.contains("App Integration Wizard"),
            "{}",
            item.summary
        );
        assert_eq!(item.evidence, vec![4, 6]);

        let off = okta_patch(
            7,
            "u1",
            OperationKind::Deactivate,
            &json!({"active": false}),
        );
        let item = okta_update_mode(&input(Idp::Okta, &[put(4), off.clone()], &[]));
        assert_eq!(item.status, Pass);
        assert!(
            item.summary.contains("OIN SCIM template"),
            "{}",
            item.summary
        );
        let item = okta_update_mode(&input(Idp::Okta, &[off], &[]));
        assert!(
            item.summary.starts_with("Okta writes users with PATCH"),
            "{}",
            item.summary
        );

        let upd = okta_patch(8, "u1", OperationKind::Update, &json!({"displayName": "X"}));
        let item = okta_update_mode(&input(Idp::Okta, &[put(4), upd], &[]));
        assert_eq!(item.status, Warn);
        assert!(item.fix.unwrap_or_default().contains("second app"));

        assert_eq!(
            okta_update_mode(&input(Idp::Okta, &[], &[])).status,
            NotYetSeen
        );
    }

    #[test]
    fn strict_refusals_fail_the_dialect_instead_of_saying_scimlab_accepts_it() {
        let mut refused = default_patch(5);
        refused.summary.status = 400;
        refused.summary.refused_quirk = Some(Quirk::CapitalizedOp.label().to_owned());
        let exchanges = [default_patch(4), refused];
        let users = Vec::new();
        let item = entra_patch_dialect(&CheckInput::new(Idp::Entra, &exchanges, &users));
        assert_eq!(item.status, CheckStatus::Fail, "{item:?}");
        assert!(
            item.summary
                .starts_with("1 of 2 patches refused (latest #5): strict mode refused"),
            "{}",
            item.summary
        );
        assert!(!item.summary.contains("ScimLab accepts it"));
        assert_eq!(item.evidence, vec![5]);
    }
}
