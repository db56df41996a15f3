//! `GET /`: a placeholder page until the real UI is served here (issue 6), and the page a
//! browser gets when it is not logged in. Plain HTML, no script; nothing secret on either page.

use super::AdminState;
use axum::extract::State;
use axum::response::Html;

/// Escape text for HTML element content and attribute values.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title>\
         <style>body{{font:15px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}}\
         code{{background:#f3f3f3;padding:0 .25em}}</style></head>\n<body>\n{body}\n</body></html>\n",
        title = escape(title)
    )
}

/// `GET /` once logged in.
pub async fn index(State(state): State<AdminState>) -> Html<String> {
    let tenant = escape(&state.scim_base_url);
    let mode = if state.strict {
        "strict RFC mode"
    } else {
        "tolerant mode"
    };
    let links = [
        ("/api/health", "engine status"),
        ("/api/endpoint", "tenant URL and masked key"),
        ("/api/exchanges", "captured exchanges, newest first"),
        ("/api/users", "stored users"),
        ("/api/groups", "stored groups"),
        ("/api/events", "live event stream (Server-Sent Events)"),
    ]
    .iter()
    .map(|(href, what)| format!("<li><a href=\"{href}\"><code>{href}</code></a> — {what}</li>"))
    .collect::<Vec<_>>()
    .join("\n");
    Html(page(
        "ScimLab admin",
        &format!(
            "<h1>ScimLab admin</h1>\n\
             <p>The SCIM endpoint runs in {mode}.<br>Tenant URL / SCIM connector base URL: \
             <code>{tenant}</code><br>(behind a tunnel, use the tunnel's HTTPS address with the same path).</p>\n\
             <p>The admin UI arrives in a later version; until then the JSON API is here:</p>\n\
             <ul>\n{links}\n</ul>\n\
             <p>Every route is described in <code>docs/admin-api.md</code>.</p>"
        ),
    ))
}

/// The page for a browser that is not logged in, with `message` saying what was wrong.
pub fn login_page(message: &str) -> String {
    page(
        "ScimLab admin: log in",
        &format!(
            "<h1>Not logged in</h1>\n<p>{}</p>\n\
             <p>Open the address that <code>scimlab serve</code> printed as \
             <em>Admin UI / API</em> (<code>http://127.0.0.1:&lt;port&gt;/?token=…</code>) in this browser. \
             The token changes on every start unless <code>--admin-token</code> or \
             <code>SCIMLAB_ADMIN_TOKEN</code> sets it.</p>",
            escape(message)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert!(login_page("<b>").contains("&lt;b&gt;"));
    }
}
