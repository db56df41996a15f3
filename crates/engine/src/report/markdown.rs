//! The Markdown report: one checklist as `GET /api/checklist/report?format=md` has always
//! written it, to save or paste into a ticket. It names exchange ids, never bodies. Pure.

use super::ReportData;
use crate::checks::{CheckStatus, Checklist};
use crate::model::Idp;

/// `text` with Markdown's active characters escaped: summaries quote what the IdP sent
/// (user names, attribute names), which must not become links, images or HTML in a ticket.
pub fn md_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        // Without `[`/`]` no link or image can form; without `<`/`>` no HTML.
        if matches!(c, '\\' | '`' | '[' | ']' | '<' | '>' | '!') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The IdP's name as its admins know it.
pub fn idp_name(idp: Idp) -> &'static str {
    match idp {
        Idp::Entra => "Microsoft Entra ID",
        Idp::Okta => "Okta",
        Idp::Other => "other",
    }
}

/// The status as the reports print it (`PASS`, `NOT YET SEEN`).
pub fn status_label(status: CheckStatus) -> &'static str {
    match status {
        CheckStatus::Pass => "PASS",
        CheckStatus::Warn => "WARN",
        CheckStatus::Fail => "FAIL",
        CheckStatus::NotYetSeen => "NOT YET SEEN",
    }
}

/// The Markdown of one checklist.
pub fn render_checklist(checklist: &Checklist, tenant_url: &str, when: &str) -> String {
    use std::fmt::Write as _;
    let idp = idp_name(checklist.idp);
    let s = &checklist.score;
    let mut out = format!(
        "# ScimLab setup checklist — {idp}\n\n\
         - tenant URL: `{tenant_url}`\n- scored: {when}, from the captured traffic\n\
         - result: {} pass, {} warn, {} fail, {} not yet seen\n\n",
        s.pass, s.warn, s.fail, s.not_yet_seen
    );
    for item in &checklist.items {
        let _ = write!(
            out,
            "## [{}] {}\n\n`{}` — {}\n\n",
            status_label(item.status),
            md_text(&item.title),
            item.id,
            md_text(&item.summary)
        );
        if let Some(fix) = &item.fix {
            let _ = write!(out, "**Fix:** {}\n\n", md_text(fix));
        }
        if !item.evidence.is_empty() {
            let ids: Vec<String> = item.evidence.iter().map(|i| format!("#{i}")).collect();
            let _ = write!(out, "Evidence (exchange ids): {}\n\n", ids.join(", "));
        }
    }
    out
}

/// Every checklist of a report, one after the other (a note when there is none).
pub fn render(data: &ReportData) -> String {
    if data.checklists.is_empty() {
        return format!(
            "# ScimLab setup checklist\n\n- scored: {}\n- no Entra ID or Okta traffic captured yet: nothing to score\n",
            data.generated_at
        );
    }
    let tenant = data
        .tenant_url
        .as_deref()
        .unwrap_or("not known offline (the one `scimlab serve` printed)");
    data.checklists
        .iter()
        .map(|c| render_checklist(c, tenant, &data.generated_at))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks;

    #[test]
    fn what_the_idp_sent_cannot_become_markdown_links_or_html() {
        assert_eq!(
            md_text("user [x](http://evil) <img src=x> `a`"),
            "user \\[x\\](http://evil) \\<img src=x\\> \\`a\\`"
        );
        let checklist = Checklist {
            idp: Idp::Okta,
            items: vec![checks::CheckItem {
                id: "roles.valid".into(),
                title: "role values valid".into(),
                status: CheckStatus::Fail,
                summary: "got ![i](http://evil/p.png) from bob".into(),
                evidence: vec![7],
                fix: Some("set role".into()),
            }],
            score: checks::ChecklistScore {
                pass: 0,
                warn: 0,
                fail: 1,
                not_yet_seen: 0,
            },
        };
        let md = render_checklist(&checklist, "http://127.0.0.1:8787/scim/v2", "now");
        assert!(md.contains("\\!\\[i\\](http://evil/p.png)"), "{md}");
        assert!(!md.contains("![i]("), "{md}");
        assert!(md.contains("## [FAIL] role values valid"), "{md}");
        assert!(md.contains("Evidence (exchange ids): #7"), "{md}");
    }
}
