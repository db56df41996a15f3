//! The HTML report: one self-contained, print-friendly file for the customer. Inline CSS, no
//! script, no external resource (a Content-Security-Policy `default-src 'none'` says so to the
//! browser too), light colours, one page break per section when printed (A4).
//!
//! Every value is customer data — a userName can be `<script>` — and goes through [`escape`].
//! Pure: [`render`] reads a [`ReportData`] and nothing else.

use super::markdown::{idp_name, status_label};
use super::{FailedExchange, ReportData, UserReport};
use crate::checks::{CheckStatus, Checklist};
use crate::mapping::{FieldStatus, RoleSummary, StatusCounts, TargetField};
use std::fmt::Write as _;

/// `text` safe in HTML element content and in quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = r"
@page { size: A4; margin: 16mm 14mm; }
* { box-sizing: border-box; }
body { font: 10.5pt/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1f2933; background: #fff; margin: 0 auto; max-width: 190mm; padding: 12px; }
h1 { font-size: 18pt; margin: 0 0 4px; }
h2 { font-size: 14pt; margin: 0 0 8px; padding-bottom: 4px; border-bottom: 2px solid #d9e2ec; }
h3 { font-size: 11.5pt; margin: 14px 0 6px; }
section { margin: 22px 0; }
.meta { color: #52606d; margin: 0 0 10px; }
.notice { background: #fffbea; border: 1px solid #f7d070; border-radius: 4px; padding: 8px 10px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; }
th, td { border: 1px solid #d9e2ec; padding: 4px 6px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #f0f4f8; font-weight: 600; }
tr { break-inside: avoid; page-break-inside: avoid; }
.badge { display: inline-block; min-width: 4.5em; text-align: center; border-radius: 3px; padding: 0 5px; font-size: 8.5pt; font-weight: 700; border: 1px solid; }
.pass { background: #e3f9e5; color: #0e5814; border-color: #91d89a; }
.warn { background: #fffbea; color: #8d2b0b; border-color: #f7d070; }
.fail { background: #ffe3e3; color: #8a041a; border-color: #f29b9b; }
.unseen { background: #f0f4f8; color: #52606d; border-color: #bcccdc; }
.item { border: 1px solid #d9e2ec; border-radius: 4px; padding: 6px 8px; margin: 6px 0; break-inside: avoid; page-break-inside: avoid; }
.item p { margin: 3px 0; }
.fix { background: #f0f4f8; padding: 4px 6px; border-left: 3px solid #829ab1; }
.path { color: #52606d; font-size: 8.5pt; font-family: ui-monospace, Menlo, Consolas, monospace; }
code, pre { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 8.5pt; }
pre { background: #f8fafc; border: 1px solid #d9e2ec; padding: 6px; white-space: pre-wrap; overflow-wrap: anywhere; margin: 4px 0; }
.exchange { border: 1px solid #d9e2ec; border-radius: 4px; padding: 6px 8px; margin: 10px 0; }
.muted { color: #7b8794; }
@media print {
  body { max-width: none; padding: 0; }
  section { break-before: page; page-break-before: always; margin: 0; }
  section.first { break-before: auto; page-break-before: auto; }
  .exchange { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
}
";

fn status_class(status: CheckStatus) -> &'static str {
    match status {
        CheckStatus::Pass => "pass",
        CheckStatus::Warn => "warn",
        CheckStatus::Fail => "fail",
        CheckStatus::NotYetSeen => "unseen",
    }
}

fn field_status(status: FieldStatus) -> &'static str {
    match status {
        FieldStatus::Mapped => "mapped",
        FieldStatus::Defaulted => "defaulted",
        FieldStatus::Missing => "missing",
        FieldStatus::Invalid => "invalid",
        FieldStatus::Ambiguous => "ambiguous",
        FieldStatus::Misnamed => "misnamed",
    }
}

/// The whole report as one HTML document.
pub fn render(data: &ReportData) -> String {
    let mut out = String::with_capacity(16 * 1024);
    out.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>ScimLab hand-over report</title>\n<style>",
    );
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n");
    header(&mut out, data);
    for checklist in &data.checklists {
        checklist_section(&mut out, checklist);
    }
    roles_section(&mut out, data);
    users_section(&mut out, data);
    failures_section(&mut out, data);
    out.push_str("</body>\n</html>\n");
    out
}

fn header(out: &mut String, data: &ReportData) {
    let _ = write!(
        out,
        "<section class=\"first\" id=\"overview\">\n<h1>ScimLab hand-over report</h1>\n\
         <p class=\"meta\">Made {} · tenant URL: <code>{}</code></p>\n\
         <p class=\"notice\">This report contains the names and email addresses of real people, \
         as your identity provider sent them. Share it only with the people who set up provisioning. \
         Secrets are left out: the SCIM key and passwords never appear in it.</p>\n",
        escape(&data.generated_at),
        escape(
            data.tenant_url
                .as_deref()
                .unwrap_or("not known (made offline)")
        ),
    );
    out.push_str("<table>\n<tr><th>What</th><th>Result</th></tr>\n");
    if data.checklists.is_empty() {
        out.push_str(
            "<tr><td>Setup checklist</td><td>no Entra ID or Okta traffic captured yet</td></tr>\n",
        );
    }
    for c in &data.checklists {
        let s = &c.score;
        let _ = writeln!(
            out,
            "<tr><td>{} setup checklist</td><td>{} pass, {} warn, {} fail, {} not yet seen</td></tr>",
            escape(idp_name(c.idp)),
            s.pass,
            s.warn,
            s.fail,
            s.not_yet_seen
        );
    }
    let _ = writeln!(
        out,
        "<tr><td>Users</td><td>{} ({} Member, {} Admin)</td></tr>\n\
         <tr><td>Failing requests</td><td>{}</td></tr>\n</table>\n</section>",
        data.users_total, data.roles.by_role.member, data.roles.by_role.admin, data.failures_total
    );
}

fn checklist_section(out: &mut String, checklist: &Checklist) {
    let idp = idp_name(checklist.idp);
    let _ = writeln!(
        out,
        "<section class=\"checklist\" id=\"checklist-{}\">\n<h2>Setup checklist — {}</h2>",
        checklist.idp.as_str(),
        escape(idp)
    );
    for item in &checklist.items {
        let _ = write!(
            out,
            "<div class=\"item\">\n<p><span class=\"badge {}\">{}</span> <strong>{}</strong> <span class=\"path\">{}</span></p>\n<p>{}</p>\n",
            status_class(item.status),
            status_label(item.status),
            escape(&item.title),
            escape(&item.id),
            escape(&item.summary),
        );
        if let Some(fix) = &item.fix {
            let _ = writeln!(
                out,
                "<p class=\"fix\"><strong>Fix:</strong> {}</p>",
                escape(fix)
            );
        }
        if !item.evidence.is_empty() {
            let ids: Vec<String> = item.evidence.iter().map(|i| format!("#{i}")).collect();
            let _ = writeln!(
                out,
                "<p class=\"muted\">Evidence (exchange ids): {}</p>",
                ids.join(", ")
            );
        }
        out.push_str("</div>\n");
    }
    out.push_str("</section>\n");
}

fn counts_row(out: &mut String, label: &str, total: u32, s: &RoleSummary) {
    let c: &StatusCounts = &s.by_status;
    let _ = writeln!(
        out,
        "<tr><td>{}</td><td>{total}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        escape(label),
        s.by_role.member,
        s.by_role.admin,
        c.mapped,
        c.defaulted,
        c.invalid,
        c.misnamed,
        c.missing + c.ambiguous,
    );
}

fn roles_section(out: &mut String, data: &ReportData) {
    out.push_str(
        "<section id=\"roles\">\n<h2>Roles</h2>\n\
         <p>The role each user gets in the app: <code>Admin</code> or <code>Member</code> \
         (a missing or invalid role value gives <code>Member</code>). Counted over every user.</p>\n\
         <table>\n<tr><th>Created by</th><th>Users</th><th>Member</th><th>Admin</th>\
         <th>Role mapped</th><th>Defaulted</th><th>Invalid</th><th>Misnamed</th><th>Other</th></tr>\n",
    );
    for r in &data.roles_by_idp {
        counts_row(out, idp_name(r.idp), r.summary.total, &r.summary);
    }
    counts_row(out, "All users", data.roles.total, &data.roles);
    out.push_str("</table>\n</section>\n");
}

fn field_cell(out: &mut String, user: &UserReport, field: TargetField) {
    out.push_str("<td>");
    if let Some(f) = user.mapping.field(field) {
        match &f.value {
            Some(v) => out.push_str(&escape(v)),
            None => out.push_str("<span class=\"muted\">—</span>"),
        }
        if field == TargetField::Role || f.status != FieldStatus::Mapped {
            let _ = write!(
                out,
                " <span class=\"muted\">({})</span>",
                field_status(f.status)
            );
        }
        if let Some(path) = &f.path {
            let _ = write!(out, "<br><span class=\"path\">{}</span>", escape(path));
        }
        if matches!(
            f.status,
            FieldStatus::Invalid | FieldStatus::Misnamed | FieldStatus::Ambiguous
        ) {
            let _ = write!(
                out,
                "<br><span class=\"muted\">{}</span>",
                escape(&f.explanation)
            );
        }
    }
    out.push_str("</td>");
}

fn users_section(out: &mut String, data: &ReportData) {
    let _ = writeln!(
        out,
        "<section id=\"users\">\n<h2>Users</h2>\n\
         <p>How each user lands in the app under the mapping profile in force, with the attribute \
         each value was read from.{}</p>",
        if data.users.len() < data.users_total as usize {
            format!(
                " The first {} of {} users are listed.",
                data.users.len(),
                data.users_total
            )
        } else {
            String::new()
        }
    );
    if data.users.is_empty() {
        out.push_str("<p class=\"muted\">No users yet.</p>\n</section>\n");
        return;
    }
    out.push_str(
        "<table>\n<tr><th>userName</th><th>Display name</th><th>Email</th><th>Role</th><th>Created by</th></tr>\n",
    );
    for u in &data.users {
        let _ = write!(out, "<tr><td>{}</td>", escape(&u.user_name));
        for field in [
            TargetField::DisplayName,
            TargetField::Email,
            TargetField::Role,
        ] {
            field_cell(out, u, field);
        }
        let _ = writeln!(out, "<td>{}</td></tr>", escape(idp_name(u.created_by)));
    }
    out.push_str("</table>\n</section>\n");
}

fn body_block(out: &mut String, label: &str, body: Option<&str>) {
    match body {
        Some(b) => {
            let _ = writeln!(out, "<h3>{label}</h3>\n<pre>{}</pre>", escape(b));
        }
        None => {
            let _ = writeln!(out, "<h3>{label}</h3>\n<p class=\"muted\">no body</p>");
        }
    }
}

fn exchange_block(out: &mut String, e: &FailedExchange) {
    let _ = writeln!(
        out,
        "<div class=\"exchange\">\n<p><span class=\"badge fail\">{}</span> <strong>{} {}</strong></p>\n\
         <p class=\"muted\">#{} · {} · {}</p>",
        e.status,
        escape(&e.method),
        escape(&e.path),
        e.id,
        escape(&e.at),
        escape(idp_name(e.idp)),
    );
    if let Some(d) = &e.diagnosis {
        let _ = writeln!(
            out,
            "<p><strong>{}</strong></p>\n<p class=\"fix\"><strong>Fix:</strong> {}</p>",
            escape(&d.title),
            escape(&d.fix)
        );
    }
    body_block(out, "Request body", e.request_body.as_deref());
    body_block(out, "Response body", e.response_body.as_deref());
    if e.bodies_cut {
        out.push_str("<p class=\"muted\">Bodies are cut to a few KB.</p>\n");
    }
    out.push_str("</div>\n");
}

fn failures_section(out: &mut String, data: &ReportData) {
    out.push_str("<section id=\"failures\">\n<h2>Failing requests</h2>\n");
    if data.failures.is_empty() {
        out.push_str("<p>No request failed.</p>\n</section>\n");
        return;
    }
    let _ = writeln!(
        out,
        "<p>The newest {} of {} failing requests, newest first, with why each failed and the fix. \
         Passwords are redacted; the authorization header is left out.</p>",
        data.failures.len(),
        data.failures_total
    );
    for e in &data.failures {
        exchange_block(out, e);
    }
    out.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{CheckItem, ChecklistScore};
    use crate::diagnosis::{Diagnosis, FailureCause};
    use crate::mapping::{self, FieldResult, MappingResult, Role};
    use crate::model::Idp;

    fn user(name: &str, role: &str, status: FieldStatus) -> UserReport {
        let field = |field, value: &str, path: &str, status| FieldResult {
            field,
            value: Some(value.to_owned()),
            path: Some(path.to_owned()),
            raw: Some(serde_json::json!(value)),
            status,
            explanation: format!("{value} explained"),
        };
        let mapping = MappingResult {
            profile_id: "auto".into(),
            applied_profile_id: "okta".into(),
            profile_explanation: "created by okta".into(),
            fields: vec![
                field(TargetField::UserName, name, "userName", FieldStatus::Mapped),
                field(
                    TargetField::DisplayName,
                    "Ada <b>L</b>",
                    "displayName",
                    FieldStatus::Mapped,
                ),
                field(TargetField::Email, name, "email", FieldStatus::Mapped),
                field(TargetField::Role, role, "role", status),
            ],
            unmapped: vec![],
            effective_role: Role::Member,
        };
        UserReport {
            id: "u1".into(),
            user_name: name.into(),
            created_by: Idp::Okta,
            mapping,
        }
    }

    fn data() -> ReportData {
        let users = vec![
            user(
                "<script>alert(1)</script>@x",
                "Member",
                FieldStatus::Invalid,
            ),
            user("ada@example.com", "Admin", FieldStatus::Mapped),
        ];
        let results: Vec<MappingResult> = users.iter().map(|u| u.mapping.clone()).collect();
        ReportData {
            generated_at: "2026-12-06 14:00 UTC".into(),
            tenant_url: Some("http://127.0.0.1:8787/scim/v2".into()),
            checklists: vec![Checklist {
                idp: Idp::Okta,
                items: vec![
                    CheckItem {
                        id: "roles.valid".into(),
                        title: "role values valid".into(),
                        status: CheckStatus::Fail,
                        summary: "got 'Owner' for <img src=x onerror=alert(1)>".into(),
                        evidence: vec![7, 9],
                        fix: Some("in Okta, set role to Member or Admin & push again".into()),
                    },
                    CheckItem {
                        id: "auth.header".into(),
                        title: "authorization header accepted".into(),
                        status: CheckStatus::Pass,
                        summary: "the key was accepted".into(),
                        evidence: vec![],
                        fix: None,
                    },
                ],
                score: ChecklistScore {
                    pass: 1,
                    warn: 0,
                    fail: 1,
                    not_yet_seen: 0,
                },
            }],
            roles: mapping::summarise(&results),
            roles_by_idp: vec![super::super::IdpRoles {
                idp: Idp::Okta,
                summary: mapping::summarise(&results),
            }],
            users_total: 2,
            users,
            failures: vec![FailedExchange {
                id: 9,
                at: "2026-12-06T14:00:00.000Z".into(),
                idp: Idp::Okta,
                method: "POST".into(),
                path: "/scim/v2/Users".into(),
                status: 409,
                diagnosis: Some(Diagnosis {
                    cause: FailureCause::Uniqueness,
                    title: "the userName is taken".into(),
                    status: 409,
                    scim_type: Some("uniqueness".into()),
                    detail: None,
                    quirk: None,
                    fix: "delete the duplicate in the app".into(),
                }),
                request_body: Some("{\"userName\": \"</pre><script>x()</script>\"}".into()),
                response_body: None,
                bodies_cut: true,
            }],
            failures_total: 1,
        }
    }

    #[test]
    fn escape_neutralises_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(escape("plain été"), "plain été");
        assert_eq!(escape(""), "");
    }

    #[test]
    fn every_section_is_present_and_a_failing_item_shows_its_fix() {
        let html = render(&data());
        assert!(html.starts_with("<!DOCTYPE html>"));
        for id in [
            "id=\"overview\"",
            "id=\"checklist-okta\"",
            "id=\"roles\"",
            "id=\"users\"",
            "id=\"failures\"",
        ] {
            assert!(html.contains(id), "{id} missing");
        }
        assert!(html.contains("<span class=\"badge fail\">FAIL</span> <strong>role values valid"));
        assert!(html.contains("set role to Member or Admin &amp; push again"));
        assert!(html.contains("ada@example.com"));
        assert!(html.contains("the userName is taken"));
        assert!(html.contains("delete the duplicate in the app"));
        assert!(html.contains("(invalid)"), "the role status is shown");
        assert!(
            html.contains("<span class=\"path\">role</span>"),
            "the source path is shown"
        );
        assert!(html.contains("@media print"));
        assert!(html.contains("page-break-before: always"));
    }

    #[test]
    fn customer_data_is_escaped_and_nothing_runs_or_loads() {
        let html = render(&data());
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;@x"));
        assert!(html.contains("Ada &lt;b&gt;L&lt;/b&gt;"));
        assert!(html.contains("&lt;/pre&gt;&lt;script&gt;x()&lt;/script&gt;"));
        let lower = html.to_ascii_lowercase();
        // Customer text may spell `src=x` (escaped, it is text); an attribute needs a quote
        // that escaping turns into `&quot;`.
        for banned in [
            "<script", "<img", "<link", "<iframe", "<object", "<embed", "src=\"", "href=\"",
            "url(", "@import", "https://",
        ] {
            assert!(!lower.contains(banned), "{banned} in the report");
        }
        // The only http:// is the tenant URL, as text.
        assert_eq!(lower.matches("http://").count(), 1);
    }

    #[test]
    fn an_empty_endpoint_still_renders_every_section() {
        let mut d = data();
        d.checklists.clear();
        d.users.clear();
        d.users_total = 0;
        d.failures.clear();
        d.failures_total = 0;
        let html = render(&d);
        assert!(html.contains("no Entra ID or Okta traffic captured yet"));
        assert!(html.contains("No users yet."));
        assert!(html.contains("No request failed."));
    }
}
