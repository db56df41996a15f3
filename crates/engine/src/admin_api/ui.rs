//! `GET /` and the UI's files: the built UI (`ui/dist`) when the engine was given one
//! (`scimlab serve --ui`), else a plain placeholder page listing the API; and the page a browser
//! gets when it is not logged in. Everything here sits behind the admin token like the API.
//!
//! Files are served from the one directory only: a request path is split into plain names
//! (no `..`, no `.`, no backslash, no colon, no empty segment) before it is joined, and the file
//! it names must still lie inside the directory once symlinks are resolved (a link in `ui/dist`,
//! or a Windows device name such as `CON`, resolves elsewhere and is a 404), so nothing outside
//! the UI directory can be read. `index.html` carries a strict Content-Security-Policy: scripts,
//! styles and connections from this origin only.

use super::AdminState;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use std::path::{Path, PathBuf};

/// The policy of the served UI: nothing but this origin; no inline script, no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                       font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
                       form-action 'self'; frame-ancestors 'none'";

/// The content type for a UI file, by extension.
fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" | "map" => "application/json",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// `dir` joined with the plain names of `uri_path`, or `None` for anything that could leave it.
pub fn resolve(dir: &Path, uri_path: &str) -> Option<PathBuf> {
    let mut out = dir.to_path_buf();
    let trimmed = uri_path.trim_start_matches('/');
    if trimmed.is_empty() {
        return None;
    }
    for part in trimmed.split('/') {
        if part.is_empty()
            || part == "."
            || part == ".."
            || part.contains('\\')
            || part.contains(':')
        {
            return None;
        }
        out.push(part);
    }
    Some(out)
}

/// `path` with symlinks resolved, when that is a file inside `dir` (also resolved).
async fn contained(dir: &Path, path: &Path) -> Option<PathBuf> {
    let dir = tokio::fs::canonicalize(dir).await.ok()?;
    let real = tokio::fs::canonicalize(path).await.ok()?;
    (real.starts_with(&dir) && tokio::fs::metadata(&real).await.ok()?.is_file()).then_some(real)
}

/// The file `path` of the UI directory `dir`, or `None` when it is missing or lies outside.
async fn file_response(dir: &Path, path: &Path) -> Option<Response> {
    let real = contained(dir, path).await?;
    let bytes = tokio::fs::read(&real).await.ok()?;
    let mut resp = (StatusCode::OK, bytes).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(path)),
    );
    if path.extension().is_some_and(|e| e == "html") {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    Some(resp)
}

/// `GET /`: the UI's `index.html`, or the placeholder page without a UI.
pub async fn root(State(state): State<AdminState>) -> Response {
    if let Some(dir) = &state.ui_dir {
        return match file_response(dir, &dir.join("index.html")).await {
            Some(resp) => resp,
            None => (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html(page(
                    "ScimLab admin",
                    &format!(
                        "<h1>The UI is missing</h1><p>No <code>index.html</code> in <code>{}</code>: build it with \
                         <code>npm --prefix ui ci &amp;&amp; npm --prefix ui run build</code> and restart.</p>",
                        escape(&dir.display().to_string())
                    ),
                )),
            )
                .into_response(),
        };
    }
    index(State(state)).await.into_response()
}

/// Any other path: a UI file when there is a UI and the file exists, else the admin 404.
pub async fn fallback(State(state): State<AdminState>, OriginalUri(uri): OriginalUri) -> Response {
    if let Some(dir) = &state.ui_dir
        && !uri.path().starts_with("/api/")
        && let Some(path) = resolve(dir, uri.path())
        && let Some(resp) = file_response(dir, &path).await
    {
        return resp;
    }
    super::not_found(OriginalUri(uri)).await.into_response()
}

/// Escape text for HTML element content and attribute values.
pub(super) fn escape(s: &str) -> String {
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

pub(super) fn page(title: &str, body: &str) -> String {
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
    let tenant = escape(&state.scim_base_url());
    let mode = if state.settings.strict() {
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

/// The page of a team server for a browser not signed in: a button that signs in with the
/// team's identity provider and comes back to `return_to`; `message` says why, if anything.
pub fn sign_in_page(message: Option<&str>, return_to: &str) -> String {
    let href = format!(
        "/auth/sign-in?return={}",
        form_urlencoded::byte_serialize(return_to.as_bytes()).collect::<String>()
    );
    let message = message
        .map(|m| format!("<p>{}</p>\n", escape(m)))
        .unwrap_or_default();
    page(
        "ScimLab: sign in",
        &format!(
            "<h1>Sign in to ScimLab</h1>\n{message}             <p><a id=\"sign-in\" href=\"{}\" style=\"display:inline-block;padding:.5em 1em;background:#2f5bea;color:#fff;border-radius:6px;text-decoration:none\">Sign in with your organisation's account</a></p>\n             <p>Scripts use a personal token instead: <code>Authorization: Bearer slp_…</code>              (an owner makes one with <code>scimlab admin-user add NAME --role viewer</code>).</p>",
            escape(&href)
        ),
    )
}

/// The desktop app's sign-in, to confirm: who the app will act as, and the form whose POST
/// hands the app's loopback address (`127.0.0.1:<port>`) its one-time code.
pub fn app_sign_in_page(name: &str, role: &str, port: u16, fields: &[(&str, &str)]) -> String {
    let hidden: String = fields
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(k),
                escape(v)
            )
        })
        .collect();
    page(
        "ScimLab: sign in the app",
        &format!(
            "<h1>Sign in the ScimLab app?</h1>\n             <p>The ScimLab desktop app on this computer (waiting at <code>127.0.0.1:{port}</code>) asks to \
             use this server as <strong>{}</strong>, with the <strong>{}</strong> role.</p>\n             <p>Only confirm if you just pressed <em>Sign in with your organisation's account</em> in the app.</p>\n             <form method=\"post\" action=\"/auth/app-sign-in\">{hidden}             <button id=\"confirm\" type=\"submit\" style=\"padding:.5em 1em\">Sign in the app</button></form>",
            escape(name),
            escape(role)
        ),
    )
}

/// A sign-in that went wrong, with what to do.
pub fn sign_in_problem_page(message: &str) -> String {
    page(
        "ScimLab: sign-in failed",
        &format!(
            "<h1>Sign-in failed</h1>\n<p>{}</p>\n<p><a href=\"/auth/sign-in\">Try again</a></p>",
            escape(message)
        ),
    )
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

    #[test]
    fn ui_paths_cannot_leave_the_directory() {
        let dir = Path::new("/srv/ui");
        assert_eq!(
            resolve(dir, "/assets/index-abc.js"),
            Some(PathBuf::from("/srv/ui/assets/index-abc.js"))
        );
        for bad in [
            "/../etc/passwd",
            "/assets/../../x",
            "/./a",
            "/a//b",
            "/a\\..\\b",
            "/",
            "/c:/x",
        ] {
            assert_eq!(resolve(dir, bad), None, "{bad}");
        }
        assert_eq!(
            content_type(Path::new("a.js")),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("a.bin")), "application/octet-stream");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_symlink_out_of_the_ui_directory_is_not_followed() {
        let root = tempfile::tempdir().unwrap();
        let ui = root.path().join("dist");
        std::fs::create_dir_all(ui.join("assets")).unwrap();
        std::fs::write(ui.join("assets/app.js"), "ok").unwrap();
        std::fs::write(root.path().join("secret.txt"), "secret").unwrap();
        std::os::unix::fs::symlink(root.path().join("secret.txt"), ui.join("leak.txt")).unwrap();
        std::os::unix::fs::symlink(root.path(), ui.join("up")).unwrap();
        std::os::unix::fs::symlink(ui.join("assets/app.js"), ui.join("inside.js")).unwrap();
        for bad in ["/leak.txt", "/up/secret.txt", "/assets", "/missing.js"] {
            let path = resolve(&ui, bad).unwrap();
            assert!(file_response(&ui, &path).await.is_none(), "{bad}");
        }
        for good in ["/assets/app.js", "/inside.js"] {
            let path = resolve(&ui, good).unwrap();
            assert!(file_response(&ui, &path).await.is_some(), "{good}");
        }
    }
}
